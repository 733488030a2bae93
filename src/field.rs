//! Validation failures at a field path, printed as Kubernetes' `field.Error` prints them
//! (k8s.io/apimachinery/pkg/util/validation/field).
//!
//! Every layer that validates an API object reports through these types, so an RBAC object and
//! a CertificateSigningRequest word their errors the same way the API server does.

use std::fmt::{self, Write as _};

use crate::go;

/// What kind of problem a [`FieldError`] reports (Kubernetes' `field.ErrorType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FieldErrorType {
    /// `Required value`.
    Required,
    /// `Duplicate value`.
    Duplicate,
    /// `Invalid value`.
    Invalid,
    /// `Unsupported value`.
    NotSupported,
    /// `Forbidden`.
    Forbidden,
    /// `Too long`.
    TooLong,
}

impl FieldErrorType {
    /// The words Kubernetes prints for the type.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Required => "Required value",
            Self::Duplicate => "Duplicate value",
            Self::Invalid => "Invalid value",
            Self::NotSupported => "Unsupported value",
            Self::Forbidden => "Forbidden",
            Self::TooLong => "Too long",
        }
    }

    /// The `metav1.CauseType` a 422 Invalid status lists for an error of this type.
    pub const fn cause_type(self) -> &'static str {
        match self {
            Self::Required => "FieldValueRequired",
            Self::Duplicate => "FieldValueDuplicate",
            Self::Invalid => "FieldValueInvalid",
            Self::NotSupported => "FieldValueNotSupported",
            Self::Forbidden => "FieldValueForbidden",
            Self::TooLong => "FieldValueTooLong",
        }
    }
}

/// The offending value of a [`FieldError`], kept with the Go type that decides how it prints.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BadValue {
    /// No value is printed (Required, Forbidden, Too long).
    Omitted,
    /// A string, printed quoted as Go's `%q` does.
    String(String),
    /// An integer, printed plainly.
    Int(i64),
    /// A fixed text printed as is (`"<certificate data>"` is already quoted).
    Literal(&'static str),
    /// A Go `[]byte`, printed as `%#v` does: `[]byte{0x2d, 0x2d}`; empty prints `[]byte(nil)`.
    Bytes(Vec<u8>),
    /// A value already printed as Go's `%#v` prints it (`[]string{"/a"}`,
    /// `rbac.RoleRef{APIGroup:"", Kind:"Role", Name:"r"}`) or as `%q` prints a string.
    Printed(String),
}

/// One validation failure at a field path, as Kubernetes' `field.Error`.
///
/// `Display` prints exactly what the API server puts in its `is invalid:` message, e.g.
/// `spec.usages: Required value` or
/// `spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 600 seconds (10 minutes)`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct FieldError {
    /// The kind of problem.
    pub error_type: FieldErrorType,
    /// The field path, e.g. `status.conditions[1].type`.
    pub field: String,
    /// The offending value.
    pub bad_value: BadValue,
    /// The explanation after the value, possibly empty.
    pub detail: String,
}

impl FieldError {
    /// `Required value` at `field`.
    pub fn required(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(FieldErrorType::Required, field, BadValue::Omitted, detail)
    }

    /// `Forbidden` at `field`.
    pub fn forbidden(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(FieldErrorType::Forbidden, field, BadValue::Omitted, detail)
    }

    /// `Invalid value` at `field`.
    pub fn invalid(field: impl Into<String>, value: BadValue, detail: impl Into<String>) -> Self {
        Self::new(FieldErrorType::Invalid, field, value, detail)
    }

    /// `Duplicate value` at `field`.
    pub fn duplicate(field: impl Into<String>, value: &str) -> Self {
        Self::new(
            FieldErrorType::Duplicate,
            field,
            BadValue::String(value.to_owned()),
            "",
        )
    }

    /// `Too long` at `field` (`must have at most <max> bytes`).
    pub fn too_long(field: impl Into<String>, max: usize) -> Self {
        Self::new(
            FieldErrorType::TooLong,
            field,
            BadValue::Omitted,
            format!("must have at most {max} bytes"),
        )
    }

    /// `Unsupported value` at `field`, listing the supported values quoted, in the order given.
    pub fn not_supported<'a>(
        field: impl Into<String>,
        value: &str,
        supported: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let quoted: Vec<String> = supported.into_iter().map(go::quote).collect();
        let detail = if quoted.is_empty() {
            String::new()
        } else {
            format!("supported values: {}", quoted.join(", "))
        };
        Self::new(
            FieldErrorType::NotSupported,
            field,
            BadValue::String(value.to_owned()),
            detail,
        )
    }

    /// An error of any type with the value and detail given.
    pub fn new(
        error_type: FieldErrorType,
        field: impl Into<String>,
        bad_value: BadValue,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            error_type,
            field: field.into(),
            bad_value,
            detail: detail.into(),
        }
    }

    /// The message without the field path (Kubernetes' `ErrorBody`).
    pub fn body(&self) -> String {
        let mut s = String::from(self.error_type.as_str());
        let prints_value = !matches!(
            self.error_type,
            FieldErrorType::Required | FieldErrorType::Forbidden | FieldErrorType::TooLong
        );
        if prints_value {
            match &self.bad_value {
                BadValue::Omitted => {}
                BadValue::String(v) => {
                    s.push_str(": ");
                    s.push_str(&go::quote(v));
                }
                BadValue::Int(i) => {
                    let _ = write!(s, ": {i}");
                }
                BadValue::Literal(l) => {
                    s.push_str(": ");
                    s.push_str(l);
                }
                BadValue::Bytes(b) => {
                    s.push_str(": ");
                    s.push_str(&go_bytes_literal(b));
                }
                BadValue::Printed(p) => {
                    s.push_str(": ");
                    s.push_str(p);
                }
            }
        }
        if !self.detail.is_empty() {
            s.push_str(": ");
            s.push_str(&self.detail);
        }
        s
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.body())
    }
}

/// Go's `utilerrors.NewAggregate(errs).Error()` after `ToAggregate`'s de-duplication.
pub fn aggregate(errors: &[FieldError]) -> String {
    let mut seen = std::collections::BTreeSet::new();
    let msgs: Vec<String> = errors
        .iter()
        .map(ToString::to_string)
        .filter(|m| seen.insert(m.clone()))
        .collect();
    match msgs.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        many => format!("[{}]", many.join(", ")),
    }
}

/// Go's `fmt.Sprintf("%#v", b)` for a `[]byte`.
fn go_bytes_literal(b: &[u8]) -> String {
    if b.is_empty() {
        return "[]byte(nil)".to_owned();
    }
    let mut s = String::with_capacity(8 + b.len() * 6);
    s.push_str("[]byte{");
    for (i, byte) in b.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        let _ = write!(s, "0x{byte:x}");
    }
    s.push('}');
    s
}

// Name checks of apimachinery's `validation` and `path` packages, shared by every object kind.

/// Kubernetes' `path.IsValidPathSegmentName`: the messages for a name that cannot be a URL
/// path segment.
pub fn path_segment_name_errors(name: &str) -> Vec<String> {
    if name == "." || name == ".." {
        return vec![format!("may not be '{name}'")];
    }
    path_segment_prefix_errors(name)
}

/// Kubernetes' `path.IsValidPathSegmentPrefix` (what a `generateName` must satisfy): the
/// messages for a prefix containing `/` or `%`.
pub fn path_segment_prefix_errors(prefix: &str) -> Vec<String> {
    ["/", "%"]
        .iter()
        .filter(|bad| prefix.contains(**bad))
        .map(|bad| format!("may not contain '{bad}'"))
        .collect()
}

const DNS1123_LABEL_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";

/// Whether `s` matches `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`.
pub fn is_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    let alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    match (b.first(), b.last()) {
        (Some(first), Some(last)) => {
            alnum(first) && alnum(last) && b.iter().all(|c| alnum(c) || *c == b'-')
        }
        _ => false,
    }
}

/// Whether `s` matches the DNS-1123 subdomain expression (labels joined by single dots).
fn is_dns1123_subdomain_shape(s: &str) -> bool {
    s.split('.').all(is_dns1123_label)
}

/// apimachinery's `IsDNS1123Label`: the messages for a value that is not an RFC 1123 label.
pub fn dns1123_label_errors(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push("must be no more than 63 characters".to_owned());
    }
    if !is_dns1123_label(value) {
        if is_dns1123_subdomain_shape(value) {
            errs.push("must not contain dots".to_owned());
        } else {
            errs.push(format!(
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '{DNS1123_LABEL_FMT}')"
            ));
        }
    }
    errs
}

/// apimachinery's `IsDNS1123Subdomain`: the messages for a value that is not an RFC 1123
/// subdomain.
pub fn dns1123_subdomain_errors(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 253 {
        errs.push("must be no more than 253 characters".to_owned());
    }
    if !is_dns1123_subdomain_shape(value) {
        errs.push(format!(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '{DNS1123_LABEL_FMT}(\\.{DNS1123_LABEL_FMT})*')"
        ));
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_print_like_field_error() {
        assert_eq!(
            FieldError::invalid("spec.request", BadValue::Bytes(b"-\n".to_vec()), "x").to_string(),
            "spec.request: Invalid value: []byte{0x2d, 0xa}: x"
        );
        assert_eq!(
            FieldError::invalid("spec.request", BadValue::Bytes(vec![]), "x").to_string(),
            "spec.request: Invalid value: []byte(nil): x"
        );
        assert_eq!(
            FieldError::required("spec.usages", "").to_string(),
            "spec.usages: Required value"
        );
        assert_eq!(
            FieldError::too_long("spec.signerName", 571).to_string(),
            "spec.signerName: Too long: must have at most 571 bytes"
        );
        assert_eq!(
            FieldError::not_supported("s", "x", ["a", "b"]).to_string(),
            r#"s: Unsupported value: "x": supported values: "a", "b""#
        );
    }

    #[test]
    fn aggregates_like_go() {
        let a = FieldError::required("a", "");
        let b = FieldError::required("b", "");
        assert_eq!(aggregate(std::slice::from_ref(&a)), "a: Required value");
        assert_eq!(
            aggregate(&[a.clone(), b, a]),
            "[a: Required value, b: Required value]"
        );
    }

    #[test]
    fn label_and_subdomain() {
        assert!(is_dns1123_label("kube-system"));
        assert!(!is_dns1123_label("-a"));
        assert!(!is_dns1123_label("A"));
        assert!(!is_dns1123_label(""));
        assert_eq!(dns1123_subdomain_errors("a.b-c"), Vec::<String>::new());
        assert_eq!(dns1123_subdomain_errors("a..b").len(), 1);
        assert_eq!(
            dns1123_label_errors(&"a".repeat(64)),
            ["must be no more than 63 characters"]
        );
        assert_eq!(dns1123_label_errors("a.b"), ["must not contain dots"]);
    }

    #[test]
    fn path_segments() {
        assert_eq!(path_segment_name_errors(".."), ["may not be '..'"]);
        assert_eq!(
            path_segment_name_errors("a/b%"),
            ["may not contain '/'", "may not contain '%'"]
        );
        assert!(path_segment_name_errors("system:node").is_empty());
    }
}
