//! The `certificates.k8s.io/v1` wire types, with serde exactly as the API server speaks them.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

pub use crate::meta::ObjectMeta;
pub use crate::pki::usage::Usage;
use crate::time::Timestamp;

/// `apiVersion` of the CertificateSigningRequest API.
pub const API_VERSION: &str = "certificates.k8s.io/v1";
/// `kind` of one object.
pub const KIND: &str = "CertificateSigningRequest";
/// `kind` of the API server's list.
pub const LIST_KIND: &str = "CertificateSigningRequestList";

/// A `certificates.k8s.io/v1` CertificateSigningRequest: a PKCS#10 request, who sent it, and
/// what approvers and signers said about it.
///
/// Serde follows the API server: camelCase names, empty fields omitted (except `spec.request`,
/// `spec.signerName` and `status`, which Go always writes), byte fields as standard base64,
/// times as RFC 3339 seconds. Unknown top-level fields are ignored; unknown `metadata` fields are
/// kept in [`ObjectMeta::other`](crate::meta::ObjectMeta::other) so nothing a user sees is lost.
///
/// ```
/// use kube_tls_bootstrap::csr::CertificateSigningRequest;
/// let csr: CertificateSigningRequest = serde_json::from_str(
///     r#"{"apiVersion":"certificates.k8s.io/v1","kind":"CertificateSigningRequest",
///         "metadata":{"name":"csr-8b2tm"},
///         "spec":{"request":"aGk=","signerName":"example.com/x","usages":["client auth"]}}"#,
/// ).unwrap();
/// assert_eq!(csr.spec.request, b"hi");
/// assert_eq!(
///     serde_json::to_string(&csr).unwrap(),
///     r#"{"apiVersion":"certificates.k8s.io/v1","kind":"CertificateSigningRequest","metadata":{"name":"csr-8b2tm"},"spec":{"request":"aGk=","signerName":"example.com/x","usages":["client auth"]},"status":{}}"#
/// );
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificateSigningRequest {
    /// `certificates.k8s.io/v1` when present; list items served by the API carry none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// `CertificateSigningRequest` when present.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// The object metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// What is requested, and by whom.
    #[serde(default)]
    pub spec: CertificateSigningRequestSpec,
    /// Approval conditions and the issued certificate.
    #[serde(default)]
    pub status: CertificateSigningRequestStatus,
}

impl CertificateSigningRequest {
    /// An empty object with `apiVersion` and `kind` set and the given name.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            api_version: API_VERSION.to_owned(),
            kind: KIND.to_owned(),
            metadata: ObjectMeta {
                name: name.into(),
                ..ObjectMeta::default()
            },
            ..Self::default()
        }
    }

    /// Reads one object from JSON (the API server's or kubectl's).
    pub fn from_json(json: &[u8]) -> Result<Self, DecodeError> {
        Ok(serde_json::from_slice(json)?)
    }

    /// The object as compact JSON, in the field order of the Go types.
    pub fn to_json(&self) -> String {
        // serde_json fails only on non-string map keys or a failing Serialize impl; every map
        // here is keyed by String and every impl writes plain strings, numbers and sequences.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Whether any condition has type `condition_type` (the status is not looked at, as kubectl
    /// and the controllers do not look at it either).
    pub fn has_condition(&self, condition_type: &ConditionType) -> bool {
        self.status
            .conditions
            .iter()
            .any(|c| &c.type_ == condition_type)
    }

    /// The conditions of type `condition_type`, in order.
    pub fn conditions_of<'a>(
        &'a self,
        condition_type: &'a ConditionType,
    ) -> impl Iterator<Item = &'a CertificateSigningRequestCondition> + 'a {
        self.status
            .conditions
            .iter()
            .filter(move |c| &c.type_ == condition_type)
    }
}

/// `spec`: the request, its signer and usages, and the requester the server recorded.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificateSigningRequestSpec {
    /// The PEM-encoded PKCS#10 request (`CERTIFICATE REQUEST`), base64 on the wire.
    #[serde(default, with = "base64_bytes")]
    pub request: Vec<u8>,
    /// Who is asked to sign, e.g. `kubernetes.io/kube-apiserver-client-kubelet`.
    #[serde(default)]
    pub signer_name: String,
    /// The requested certificate lifetime; at least 600.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_seconds: Option<i32>,
    /// The requested key usages and extended key usages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub usages: Vec<Usage>,
    /// The requester's user name, set by the server.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub username: String,
    /// The requester's UID, set by the server.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uid: String,
    /// The requester's groups, set by the server.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// The requester's extra attributes, set by the server.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, Vec<String>>,
}

/// `status`: conditions and the issued certificate.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificateSigningRequestStatus {
    /// Approved, Denied, Failed and any other conditions, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<CertificateSigningRequestCondition>,
    /// The issued certificate chain as PEM `CERTIFICATE` blocks, base64 on the wire.
    #[serde(default, skip_serializing_if = "Vec::is_empty", with = "base64_bytes")]
    pub certificate: Vec<u8>,
}

/// One entry of `status.conditions`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificateSigningRequestCondition {
    /// `Approved`, `Denied`, `Failed` or any other string.
    #[serde(rename = "type", default)]
    pub type_: ConditionType,
    /// `True`, `False` or `Unknown`.
    #[serde(default)]
    pub status: ConditionStatus,
    /// A machine-readable reason, e.g. `AutoApproved`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// A human-readable message.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// When the condition was last updated; the server fills it when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_update_time: Option<Timestamp>,
    /// When the condition last changed status; the server fills it when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<Timestamp>,
}

impl CertificateSigningRequestCondition {
    /// A condition of the given type with status `True`, no reason, message or times.
    pub fn new(type_: ConditionType) -> Self {
        Self {
            type_,
            status: ConditionStatus::True,
            ..Self::default()
        }
    }
}

/// A `CertificateSigningRequestList`, or kubectl's `List` of CSRs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificateSigningRequestList {
    /// `certificates.k8s.io/v1` from the API, `v1` from kubectl.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// The objects.
    #[serde(default)]
    pub items: Vec<CertificateSigningRequest>,
    /// `CertificateSigningRequestList` from the API, `List` from kubectl.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// The list metadata (`resourceVersion`, `continue`), kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, serde_json::Value>>,
}

/// Why a document is not a CertificateSigningRequest or a list of them.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The JSON is malformed or a field has the wrong type.
    #[error("line {line}, column {column}: {message}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What serde_json said.
        message: String,
    },
    /// The document is JSON but of another kind.
    #[error("expected a CertificateSigningRequest or a list of them, found kind {0:?}")]
    Kind(String),
}

impl From<serde_json::Error> for DecodeError {
    fn from(e: serde_json::Error) -> Self {
        Self::Json {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        }
    }
}

/// Reads `kubectl get csr -o json` output: one object, a `CertificateSigningRequestList`, or
/// kubectl's `List`. Objects come back in document order.
///
/// ```
/// use kube_tls_bootstrap::csr::decode_document;
/// let list = br#"{"apiVersion":"v1","kind":"List","items":[{"metadata":{"name":"a"}}]}"#;
/// assert_eq!(decode_document(list).unwrap()[0].metadata.name, "a");
/// ```
pub fn decode_document(json: &[u8]) -> Result<Vec<CertificateSigningRequest>, DecodeError> {
    #[derive(Deserialize)]
    struct Peek {
        #[serde(default)]
        kind: String,
        #[serde(default)]
        items: Option<serde::de::IgnoredAny>,
    }
    let peek: Peek = serde_json::from_slice(json)?;
    match peek.kind.as_str() {
        "List" | LIST_KIND => {
            let list: CertificateSigningRequestList = serde_json::from_slice(json)?;
            Ok(list.items)
        }
        KIND => Ok(vec![serde_json::from_slice(json)?]),
        "" if peek.items.is_some() => {
            let list: CertificateSigningRequestList = serde_json::from_slice(json)?;
            Ok(list.items)
        }
        "" => Ok(vec![serde_json::from_slice(json)?]),
        other => Err(DecodeError::Kind(other.to_owned())),
    }
}

macro_rules! string_enum {
    (
        $(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal,)* }
        other: $(#[$odoc:meta])*
    ) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)*
            $(#[$odoc])*
            Other(String),
        }

        impl $name {
            /// The value spelled `s` (case-sensitive).
            pub fn parse(s: &str) -> Self {
                match s {
                    $($text => Self::$variant,)*
                    other => Self::Other(other.to_owned()),
                }
            }

            /// The string on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)*
                    Self::Other(s) => s,
                }
            }
        }

        impl Default for $name {
            /// The empty string, which validation reports as a required value.
            fn default() -> Self {
                Self::Other(String::new())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self::parse(s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Ok(Self::parse(&s))
            }
        }
    };
}

string_enum! {
    /// `status.conditions[].type`. Any string is allowed; three have meaning.
    ConditionType {
        /// The request was approved and may be signed.
        Approved => "Approved",
        /// The request was denied and must not be signed.
        Denied => "Denied",
        /// The signer failed to issue a certificate.
        Failed => "Failed",
    }
    other:
    /// Any other type, e.g. the conformance test's `ApprovalPatch` (or the empty string).
}

string_enum! {
    /// `status.conditions[].status`.
    ConditionStatus {
        /// `True`.
        True => "True",
        /// `False`.
        False => "False",
        /// `Unknown`.
        Unknown => "Unknown",
    }
    other:
    /// Anything else, which validation rejects (or the empty string).
}

/// Go's `[]byte` JSON encoding: standard base64 with padding; `null` reads as empty.
mod base64_bytes {
    use base64::Engine as _;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    use serde::{Deserialize, Deserializer, Serializer};

    /// Go's `base64.StdEncoding`: padding required, stray bits after the last byte tolerated.
    const GO_STD: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_encode_padding(true)
            .with_decode_padding_mode(DecodePaddingMode::RequireCanonical)
            .with_decode_allow_trailing_bits(true),
    );

    pub(super) fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&GO_STD.encode(bytes))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let Some(text) = <Option<std::borrow::Cow<'de, str>>>::deserialize(d)? else {
            return Ok(Vec::new());
        };
        // Go's decoder skips CR and LF anywhere in the input.
        let cleaned: Vec<u8> = text
            .bytes()
            .filter(|b| *b != b'\r' && *b != b'\n')
            .collect();
        GO_STD.decode(cleaned).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::KeyUsage;

    #[test]
    fn documents_of_each_shape_decode() {
        let one = br#"{"kind":"CertificateSigningRequest","metadata":{"name":"a"}}"#;
        assert_eq!(decode_document(one).unwrap()[0].metadata.name, "a");
        let api_list = br#"{"kind":"CertificateSigningRequestList","items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}]}"#;
        assert_eq!(decode_document(api_list).unwrap().len(), 2);
        let bare_list = br#"{"items":[]}"#;
        assert_eq!(decode_document(bare_list).unwrap(), vec![]);
        assert_eq!(
            decode_document(br#"{"kind":"Pod"}"#),
            Err(DecodeError::Kind("Pod".into()))
        );
        let err = decode_document(b"{\n  \"kind\": 7}").unwrap_err();
        assert!(
            matches!(
                err,
                DecodeError::Json {
                    line: 2,
                    column: 11,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .starts_with("line 2, column 11: invalid type: integer `7`")
        );
    }

    #[test]
    fn string_enums_keep_unknown_values() {
        assert_eq!(ConditionType::parse("Approved"), ConditionType::Approved);
        assert_eq!(
            ConditionType::parse("approved"),
            ConditionType::Other("approved".into())
        );
        assert_eq!(ConditionType::default().as_str(), "");
        assert_eq!(ConditionStatus::from("Unknown"), ConditionStatus::Unknown);
        assert_eq!(Usage::parse("s/mime"), Usage::Known(KeyUsage::SMime));
        assert_eq!(Usage::parse("S/MIME").known(), None);
        assert_eq!(Usage::parse("S/MIME").to_string(), "S/MIME");
    }
}
