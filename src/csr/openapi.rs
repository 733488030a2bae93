//! Lossless conversions to and from k8s-openapi's `certificates.k8s.io/v1` types, for kube-rs
//! users (cargo feature `k8s-openapi`).
//!
//! Both sides serialize to the API server's JSON, so the conversions go through that JSON: every
//! field either model holds survives, including metadata fields this crate keeps only as JSON
//! (`managedFields`, `ownerReferences`, …). k8s-openapi always carries `apiVersion` and `kind`;
//! converting from it sets them here too.

use k8s_openapi::api::certificates::v1 as k8s;

use super::types::{API_VERSION, CertificateSigningRequest, KIND};

/// A conversion between this crate's CSR and k8s-openapi's failed: one side holds a value the
/// other cannot represent (e.g. a time outside k8s-openapi's range).
#[derive(Debug, thiserror::Error)]
#[error("converting a CertificateSigningRequest to or from k8s-openapi: {0}")]
pub struct ConversionError(#[from] serde_json::Error);

impl TryFrom<&CertificateSigningRequest> for k8s::CertificateSigningRequest {
    type Error = ConversionError;

    fn try_from(csr: &CertificateSigningRequest) -> Result<Self, Self::Error> {
        let mut value = serde_json::to_value(csr)?;
        if let Some(map) = value.as_object_mut() {
            // k8s-openapi insists on both; list items served by the API carry neither.
            map.insert("apiVersion".into(), API_VERSION.into());
            map.insert("kind".into(), KIND.into());
        }
        Ok(serde_json::from_value(value)?)
    }
}

impl TryFrom<&k8s::CertificateSigningRequest> for CertificateSigningRequest {
    type Error = ConversionError;

    fn try_from(csr: &k8s::CertificateSigningRequest) -> Result<Self, Self::Error> {
        Ok(serde_json::from_value(serde_json::to_value(csr)?)?)
    }
}
