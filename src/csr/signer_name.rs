//! `spec.signerName`: the well-known signers and Kubernetes' syntax check.

use std::borrow::Cow;
use std::fmt;

use crate::field::{BadValue, FieldError, dns1123_label_errors, dns1123_subdomain_errors};
use crate::pki::signers::{self, KnownSigner};

/// A syntactically valid signer name (`<domain>/<path>`), as Kubernetes' `ValidateSignerName`
/// accepts it. [`SignerName::known`] says which of Kubernetes' own signers it is, if any; what
/// the crate knows about those is [`KnownSigner`]'s.
///
/// ```
/// use kube_tls_bootstrap::csr::SignerName;
/// use kube_tls_bootstrap::pki::KnownSigner;
/// let s = SignerName::new("example.com/my-signer").unwrap();
/// assert_eq!(s.domain(), "example.com");
/// assert!(!s.is_kubernetes());
/// assert!(SignerName::KUBELET_SERVING.is_kubernetes());
/// assert_eq!(s.known(), None);
/// assert_eq!(SignerName::KUBELET_SERVING.known(), Some(KnownSigner::KubeletServing));
/// let errors = SignerName::new("example/x").unwrap_err();
/// assert_eq!(
///     errors[0].to_string(),
///     r#"spec.signerName: Invalid value: "example": should be a domain with at least two segments separated by dots"#
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SignerName(Cow<'static, str>);

impl SignerName {
    /// `kubernetes.io/kube-apiserver-client`.
    pub const KUBE_APISERVER_CLIENT: Self = Self::of(KnownSigner::KubeApiserverClient);
    /// `kubernetes.io/kube-apiserver-client-kubelet`, the kubelet's bootstrap signer.
    pub const KUBE_APISERVER_CLIENT_KUBELET: Self =
        Self::of(KnownSigner::KubeApiserverClientKubelet);
    /// `kubernetes.io/kubelet-serving`.
    pub const KUBELET_SERVING: Self = Self::of(KnownSigner::KubeletServing);
    /// `kubernetes.io/legacy-unknown`: syntactically valid, refused by v1 create validation.
    pub const LEGACY_UNKNOWN: Self = Self::of(KnownSigner::LegacyUnknown);

    /// The name of one of Kubernetes' signers.
    pub const fn of(signer: KnownSigner) -> Self {
        Self(Cow::Borrowed(signer.name()))
    }

    /// Which of Kubernetes' signers this is, if it is one of the four.
    pub fn known(&self) -> Option<KnownSigner> {
        KnownSigner::from_name(&self.0)
    }

    /// Checks `name` as `spec.signerName` is checked; the errors carry the path `spec.signerName`.
    pub fn new(name: &str) -> Result<Self, Vec<FieldError>> {
        let errors = validate_signer_name("spec.signerName", name);
        if errors.is_empty() {
            Ok(Self(Cow::Owned(name.to_owned())))
        } else {
            Err(errors)
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before the `/`.
    pub fn domain(&self) -> &str {
        self.0.split('/').next().unwrap_or_default()
    }

    /// Whether the name is reserved for Kubernetes (domain `kubernetes.io` or `*.kubernetes.io`).
    pub fn is_kubernetes(&self) -> bool {
        signers::is_kubernetes_signer_name(&self.0)
    }
}

impl From<KnownSigner> for SignerName {
    fn from(signer: KnownSigner) -> Self {
        Self::of(signer)
    }
}

impl fmt::Display for SignerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for SignerName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// The longest domain part (a DNS-1123 subdomain).
const MAX_DOMAIN_LENGTH: usize = 253;
/// The longest signer name: domain, `/`, then a namespace (63), `.` and a resource name (253).
pub const MAX_SIGNER_NAME_LENGTH: usize = MAX_DOMAIN_LENGTH + 1 + (253 + 63 + 1);

/// Kubernetes' `ValidateSignerName(fldPath, signerName)`: every error, in its order, at `path`.
pub fn validate_signer_name(path: &str, signer_name: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if signer_name.is_empty() {
        errors.push(FieldError::required(path, ""));
        return errors;
    }
    let segments: Vec<&str> = signer_name.split('/').collect();
    let [domain, name_path] = segments.as_slice() else {
        errors.push(FieldError::invalid(
            path,
            BadValue::String(signer_name.to_owned()),
            "must be a fully qualified domain and path of the form 'example.com/signer-name'",
        ));
        return errors;
    };
    if domain.len() > MAX_DOMAIN_LENGTH {
        errors.push(FieldError::too_long(path, MAX_DOMAIN_LENGTH));
    }
    let domain_labels: Vec<&str> = domain.split('.').collect();
    for label in &domain_labels {
        let label_errors = dns1123_label_errors(label);
        if !label_errors.is_empty() {
            for e in label_errors {
                errors.push(FieldError::invalid(
                    path,
                    BadValue::String((*domain).to_owned()),
                    format!("validating label {}: {e}", crate::go::quote(label)),
                ));
            }
            break;
        }
    }
    if domain_labels.len() < 2 {
        errors.push(FieldError::invalid(
            path,
            BadValue::String((*domain).to_owned()),
            "should be a domain with at least two segments separated by dots",
        ));
    }
    for label in name_path.split('.') {
        let label_errors = dns1123_subdomain_errors(label);
        if !label_errors.is_empty() {
            for e in label_errors {
                errors.push(FieldError::invalid(
                    path,
                    BadValue::String((*name_path).to_owned()),
                    format!("validating label {}: {e}", crate::go::quote(label)),
                ));
            }
            break;
        }
    }
    if signer_name.len() > MAX_SIGNER_NAME_LENGTH {
        errors.push(FieldError::too_long(path, MAX_SIGNER_NAME_LENGTH));
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_signers_are_valid_and_reserved() {
        for (s, known) in [
            (
                SignerName::KUBE_APISERVER_CLIENT,
                KnownSigner::KubeApiserverClient,
            ),
            (
                SignerName::KUBE_APISERVER_CLIENT_KUBELET,
                KnownSigner::KubeApiserverClientKubelet,
            ),
            (SignerName::KUBELET_SERVING, KnownSigner::KubeletServing),
            (SignerName::LEGACY_UNKNOWN, KnownSigner::LegacyUnknown),
        ] {
            assert_eq!(SignerName::new(s.as_str()), Ok(s.clone()));
            assert!(s.is_kubernetes());
            assert_eq!(s.domain(), "kubernetes.io");
            assert_eq!(s.known(), Some(known));
            assert_eq!(SignerName::new(s.as_str()).unwrap().known(), Some(known));
            assert_eq!(SignerName::from(known), s);
        }
        for other in [
            "kubernetes.io/kubelet-serving2",
            "foo.kubernetes.io/kubelet-serving",
            "example.com/kube-apiserver-client",
        ] {
            assert_eq!(SignerName::new(other).unwrap().known(), None, "{other}");
        }
        assert!(
            SignerName::new("foo.kubernetes.io/x")
                .unwrap()
                .is_kubernetes()
        );
        assert!(
            !SignerName::new("kubernetes.io.evil.com/x")
                .unwrap()
                .is_kubernetes()
        );
    }

    #[test]
    fn label_errors_stop_at_the_first_bad_label() {
        let errors = validate_signer_name("p", "Bad.ALSO-bad.com/a.B.c");
        let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(messages.len(), 2);
        assert!(messages[0].starts_with(r#"p: Invalid value: "Bad.ALSO-bad.com": validating label "Bad": a lowercase RFC 1123 label"#));
        assert!(messages[1].starts_with(
            r#"p: Invalid value: "a.B.c": validating label "B": a lowercase RFC 1123 subdomain"#
        ));
        // A label that is too long and malformed reports both, in Kubernetes' order.
        let long_bad = format!("{}-.com/x", "a".repeat(63));
        let messages: Vec<String> = validate_signer_name("p", &long_bad)
            .iter()
            .map(|e| e.detail.clone())
            .collect();
        assert_eq!(messages.len(), 2);
        assert!(messages[0].ends_with("must be no more than 63 characters"));
        assert!(messages[1].contains("a lowercase RFC 1123 label must consist"));
    }
}
