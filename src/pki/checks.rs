//! Kubernetes' checks on a parsed request (`ValidateKubeletClientCSR`,
//! `ValidateKubeletServingCSR`, the kube-apiserver-client signer's usage check) and the
//! kubelet's deterministic CSR name.
//!
//! The checks take `spec.usages` as [`Usage`]s in request order, strings Kubernetes does not know
//! included, so a message quotes the request's own text. Which check a signer runs and the usage
//! sets they compare against are [`KnownSigner`](super::signers::KnownSigner)'s.

use base64::Engine as _;
use sha2::Digest as _;

use super::request::CertificateRequest;
use super::signers::{
    KUBE_APISERVER_CLIENT_PROFILE, KUBELET_CLIENT_PROFILE, KUBELET_SERVING_PROFILE,
};
use super::usage::{KeyUsage, Usage};
use crate::identity::{NODE_USER_PREFIX, NODES_GROUP};

/// Why a request is not a valid kubelet client, kubelet serving, or kube-apiserver client
/// request. `Display` is Kubernetes' exact message (the `SignerValidationFailure` text).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckError {
    /// The subject's O list is not exactly `["system:nodes"]`.
    #[error("subject organization is not system:nodes")]
    OrganizationNotSystemNodes,
    /// The CN does not start with `system:node:`.
    #[error("subject common name does not begin with system:node:")]
    CommonNameNotSystemNode,
    /// A serving request names neither a DNS name nor an IP address.
    #[error("DNS or IP subjectAltName is required")]
    DnsOrIpSanRequired,
    /// A client request carries DNS SANs.
    #[error("DNS subjectAltNames are not allowed")]
    DnsSanNotAllowed,
    /// A request carries email SANs.
    #[error("Email subjectAltNames are not allowed")]
    EmailSanNotAllowed,
    /// A client request carries IP SANs.
    #[error("IP subjectAltNames are not allowed")]
    IpSanNotAllowed,
    /// A request carries URI SANs.
    #[error("URI subjectAltNames are not allowed")]
    UriSanNotAllowed,
    /// The kubelet client usage set is wrong.
    #[error("usages did not match [client auth digital signature key encipherment]")]
    KubeletClientUsages,
    /// The kubelet serving usage set is wrong.
    #[error("usages did not match [digital signature key encipherment server auth]")]
    KubeletServingUsages,
    /// A kube-apiserver-client request asks for a usage other than digital signature, key
    /// encipherment and client auth.
    #[error("invalid usage for client certificate: {0}")]
    InvalidClientUsage(String),
    /// A kube-apiserver-client request lacks `client auth`.
    #[error("missing required usage for client certificate: client auth")]
    MissingClientAuth,
}

/// The usages the legacy kubelet path sent before v1.27 (and the RSA set since): the
/// `csrname -kubelet` list.
pub const KUBELET_CLIENT_USAGES_WITH_KEY_ENCIPHERMENT: [Usage; 3] = [
    Usage::Known(KeyUsage::DigitalSignature),
    Usage::Known(KeyUsage::KeyEncipherment),
    Usage::Known(KeyUsage::ClientAuth),
];

/// The usages a v1.27+ kubelet sends for an ECDSA (non-RSA) key.
pub const KUBELET_CLIENT_USAGES: [Usage; 2] = [
    Usage::Known(KeyUsage::DigitalSignature),
    Usage::Known(KeyUsage::ClientAuth),
];

/// `ValidateKubeletClientCSR`: what the `kubernetes.io/kube-apiserver-client-kubelet` signer
/// and the approver require, checked in Kubernetes' order.
///
/// ```
/// use kube_tls_bootstrap::pki::{CertificateRequest, CheckError, Usage, checks};
/// let csr = CertificateRequest::from_pem(include_bytes!(
///     "../../tests/data/pki/corpus/kubelet-client-p256.csr.pem"
/// ))
/// .unwrap();
/// assert_eq!(checks::validate_kubelet_client(&csr, &checks::KUBELET_CLIENT_USAGES), Ok(()));
/// assert_eq!(
///     checks::validate_kubelet_client(&csr, &[Usage::parse("client auth")]).unwrap_err().to_string(),
///     "usages did not match [client auth digital signature key encipherment]"
/// );
/// ```
pub fn validate_kubelet_client(
    request: &CertificateRequest,
    usages: &[Usage],
) -> Result<(), CheckError> {
    let subject = request.subject();
    let sans = request.subject_alt_names();
    if subject.organization != [NODES_GROUP] {
        return Err(CheckError::OrganizationNotSystemNodes);
    }
    if !sans.dns_names.is_empty() {
        return Err(CheckError::DnsSanNotAllowed);
    }
    if !sans.email_addresses.is_empty() {
        return Err(CheckError::EmailSanNotAllowed);
    }
    if !sans.ip_addresses.is_empty() {
        return Err(CheckError::IpSanNotAllowed);
    }
    if !sans.uris.is_empty() {
        return Err(CheckError::UriSanNotAllowed);
    }
    if !subject.common_name.starts_with(NODE_USER_PREFIX) {
        return Err(CheckError::CommonNameNotSystemNode);
    }
    if !KUBELET_CLIENT_PROFILE.accepts(usages) {
        return Err(CheckError::KubeletClientUsages);
    }
    Ok(())
}

/// `ValidateKubeletServingCSR`: what the `kubernetes.io/kubelet-serving` signer requires,
/// checked in Kubernetes' order (the CN comes last here).
pub fn validate_kubelet_serving(
    request: &CertificateRequest,
    usages: &[Usage],
) -> Result<(), CheckError> {
    let subject = request.subject();
    let sans = request.subject_alt_names();
    if subject.organization != [NODES_GROUP] {
        return Err(CheckError::OrganizationNotSystemNodes);
    }
    if sans.dns_names.is_empty() && sans.ip_addresses.is_empty() {
        return Err(CheckError::DnsOrIpSanRequired);
    }
    if !sans.email_addresses.is_empty() {
        return Err(CheckError::EmailSanNotAllowed);
    }
    if !sans.uris.is_empty() {
        return Err(CheckError::UriSanNotAllowed);
    }
    if !KUBELET_SERVING_PROFILE.accepts(usages) {
        return Err(CheckError::KubeletServingUsages);
    }
    if !subject.common_name.starts_with(NODE_USER_PREFIX) {
        return Err(CheckError::CommonNameNotSystemNode);
    }
    Ok(())
}

/// `validAPIServerClientUsages`: the `kubernetes.io/kube-apiserver-client` signer's check.
/// Usages are checked in request order; the first one outside digital signature, key
/// encipherment and client auth is reported as the request spells it.
///
/// ```
/// use kube_tls_bootstrap::pki::{CertificateRequest, Usage, checks};
/// let csr = CertificateRequest::from_pem(include_bytes!(
///     "../../tests/data/pki/corpus/kubelet-client-p256.csr.pem"
/// ))
/// .unwrap();
/// let usages = [Usage::parse("client auth"), Usage::parse("server auth"), Usage::parse("bogus")];
/// assert_eq!(
///     checks::validate_kube_apiserver_client(&csr, &usages).unwrap_err().to_string(),
///     "invalid usage for client certificate: server auth"
/// );
/// ```
pub fn validate_kube_apiserver_client(
    _request: &CertificateRequest,
    usages: &[Usage],
) -> Result<(), CheckError> {
    if let Some(invalid) = usages
        .iter()
        .find(|u| !KUBE_APISERVER_CLIENT_PROFILE.allows(u))
    {
        return Err(CheckError::InvalidClientUsage(invalid.as_str().to_owned()));
    }
    if KUBE_APISERVER_CLIENT_PROFILE.has_required(usages) {
        Ok(())
    } else {
        Err(CheckError::MissingClientAuth)
    }
}

/// The kubelet's deterministic CSR object name (`digestedName`, legacy bootstrap path):
/// `node-csr-` + base64url(SHA-512/256 of the encoded SPKI, CN, each O and each usage, each
/// followed by `|`), usages in the order sent.
///
/// ```
/// use kube_tls_bootstrap::pki::{checks, name::Subject};
/// let spki = [0u8; 0];
/// let name = checks::node_csr_name(&spki, &Subject::kubelet("node-1"), &checks::KUBELET_CLIENT_USAGES);
/// assert!(name.starts_with("node-csr-"));
/// assert_eq!(name.len(), 52);
/// ```
pub fn node_csr_name(spki_der: &[u8], subject: &super::name::Subject, usages: &[Usage]) -> String {
    node_csr_name_from_parts(
        spki_der,
        &subject.common_name,
        subject.organization.iter().map(String::as_str),
        usages.iter().map(Usage::as_str),
    )
}

/// [`node_csr_name`] for a parsed request, over its key as Go marshals it
/// ([`PublicKey::marshal_pkix_der`](super::PublicKey::marshal_pkix_der)), as the kubelet hashes
/// the key it holds.
pub fn node_csr_name_for(request: &CertificateRequest, usages: &[Usage]) -> String {
    node_csr_name(
        &request.public_key().marshal_pkix_der(),
        request.subject(),
        usages,
    )
}

/// [`node_csr_name`] over raw parts (usages as strings, as the kubelet hashes them).
pub fn node_csr_name_from_parts<'a>(
    spki_der: &[u8],
    common_name: &str,
    organizations: impl IntoIterator<Item = &'a str>,
    usages: impl IntoIterator<Item = &'a str>,
) -> String {
    let enc = &base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut hash = sha2::Sha512_256::new();
    let mut feed = |bytes: &[u8]| {
        hash.update(enc.encode(bytes).as_bytes());
        hash.update(b"|");
    };
    feed(spki_der);
    feed(common_name.as_bytes());
    for o in organizations {
        feed(o.as_bytes());
    }
    for u in usages {
        feed(u.as_bytes());
    }
    format!("node-csr-{}", enc.encode(hash.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubelet_usage_sets_ignore_order_and_duplicates_and_refuse_unknown_strings() {
        let usages = |names: &[&str]| names.iter().map(|n| Usage::parse(n)).collect::<Vec<_>>();
        for (names, accepted) in [
            (
                &["client auth", "digital signature", "client auth"][..],
                true,
            ),
            (
                &["key encipherment", "client auth", "digital signature"],
                true,
            ),
            (&["client auth"], false),
            (&["digital signature", "client auth", "bogus"], false),
            (&["digital signature", "Client Auth"], false),
            (&["digital signature", "client auth", "server auth"], false),
        ] {
            assert_eq!(
                KUBELET_CLIENT_PROFILE.accepts(&usages(names)),
                accepted,
                "{names:?}"
            );
        }
        assert!(KUBELET_CLIENT_PROFILE.accepts(&KUBELET_CLIENT_USAGES_WITH_KEY_ENCIPHERMENT));
        assert!(KUBELET_CLIENT_PROFILE.accepts(&KUBELET_CLIENT_USAGES));
    }

    #[test]
    fn messages_are_kubernetes_text() {
        assert_eq!(
            CheckError::InvalidClientUsage("server auth".into()).to_string(),
            "invalid usage for client certificate: server auth"
        );
        assert_eq!(
            CheckError::KubeletServingUsages.to_string(),
            "usages did not match [digital signature key encipherment server auth]"
        );
    }
}
