//! The X.509 checks validation, admission and the cleaner delegate to the PKI layer, each one
//! call, so `pki` is the single source of truth for what Go's `crypto/x509` accepts.

use crate::pki::{self, UnverifiedRequest, pem};
use crate::time::Timestamp;

/// Kubernetes' `validateCSR`: the first PEM block must be `CERTIFICATE REQUEST`, parse as
/// PKCS#10 and carry a valid self-signature. The error text is what Kubernetes prints.
pub(super) fn check_request(request: &[u8]) -> Result<pki::CertificateRequest, String> {
    pki::CertificateRequest::from_pem(request).map_err(|e| e.to_string())
}

/// Kubernetes' `validateCertificate` for a non-empty `status.certificate`.
pub(super) fn check_certificate(pem_data: &[u8]) -> Result<(), String> {
    pki::validate_certificate_pem(pem_data).map_err(|e| e.to_string())
}

/// The subject organizations of the request (Kubernetes' `ParseCSR`, no signature check),
/// as the subject-restriction admission plugin reads them.
pub(super) fn request_organizations(request: &[u8]) -> Result<Vec<String>, String> {
    let parsed = UnverifiedRequest::from_pem(request).map_err(|e| e.to_string())?;
    Ok(parsed.unverified().subject().organization.clone())
}

/// The subject common name of the request (Kubernetes' `ParseCSR`, no signature check), as
/// NodeRestriction reads it.
pub(super) fn request_common_name(request: &[u8]) -> Result<String, String> {
    let parsed = UnverifiedRequest::from_pem(request).map_err(|e| e.to_string())?;
    Ok(parsed.unverified().subject().common_name.clone())
}

/// The NotAfter of the first certificate in the first PEM block (of any type), as the cleaner
/// reads it; `None` when there is no block or it does not parse.
pub(super) fn first_certificate_not_after(pem_data: &[u8]) -> Option<Timestamp> {
    let (block, _) = pem::decode(pem_data)?;
    let certs = pki::certificate::parse_certificates_der(&block.contents).ok()?;
    certs.first().map(pki::Certificate::not_after)
}
