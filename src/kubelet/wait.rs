//! client-go's `csr.WaitForCertificate` condition as a pure function: what one observed state
//! of the requested CSR (a list item or a watch event) means for the waiting kubelet.
//!
//! ```
//! use kube_tls_bootstrap::api::EventType;
//! use kube_tls_bootstrap::csr::{CertificateSigningRequest, CertificateSigningRequestCondition, ConditionType};
//! use kube_tls_bootstrap::kubelet::wait::{observe, Observation};
//! let mut csr = CertificateSigningRequest::new("csr-8b2tm");
//! csr.metadata.uid = "u1".into();
//! let mut denied = CertificateSigningRequestCondition::new(ConditionType::Denied);
//! denied.reason = "NotMyNode".into();
//! csr.status.conditions.push(denied);
//! let err = observe("csr-8b2tm", "u1", EventType::Modified, &csr).unwrap_err();
//! assert_eq!(err.to_string(), "certificate signing request is denied, reason: NotMyNode, message: ");
//! ```

use crate::api::EventType;
use crate::csr::{CertificateSigningRequest, ConditionType};
use crate::go;

/// What an observation says while no error ended the wait.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Observation {
    /// Neither approved nor refused yet.
    Pending,
    /// Approved, certificate not yet issued (`… is approved, waiting to be issued`).
    Approved,
    /// Approved and issued: `status.certificate`, as sent.
    Issued(Vec<u8>),
}

/// Why the wait ended without a certificate. `Display` is client-go's text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WaitError {
    /// A `DELETED` event for the CSR.
    #[error("csr {} was deleted", go::quote(.0))]
    Deleted(String),
    /// The object's UID is not the one created (deleted and re-created under the same name).
    #[error("csr {} changed UIDs", go::quote(.0))]
    ChangedUid(String),
    /// The first refusing condition is `Denied`.
    #[error("certificate signing request is denied, reason: {reason}, message: {message}")]
    Denied {
        /// The condition's reason.
        reason: String,
        /// The condition's message.
        message: String,
    },
    /// The first refusing condition is `Failed`.
    #[error("certificate signing request failed, reason: {reason}, message: {message}")]
    Failed {
        /// The condition's reason.
        reason: String,
        /// The condition's message.
        message: String,
    },
    /// The wait's deadline passed (`wait.ErrWaitTimeout`).
    #[error("timed out waiting for the condition")]
    Timeout,
    /// The list or watch failed (`formatError("cannot watch on the certificate signing request: %v")`).
    #[error("cannot watch on the certificate signing request: {0}")]
    Watch(String),
}

/// One observation of the CSR `name` created with `uid`: conditions are scanned in order, the
/// first `Denied` or `Failed` ends the wait, `Approved` marks it approved (condition *status*
/// is not looked at, as client-go does not look at it); approved with a non-empty
/// `status.certificate` is success.
pub fn observe(
    name: &str,
    uid: &str,
    event: EventType,
    csr: &CertificateSigningRequest,
) -> Result<Observation, WaitError> {
    match event {
        EventType::Added | EventType::Modified => {}
        EventType::Deleted => return Err(WaitError::Deleted(name.to_owned())),
    }
    if csr.metadata.uid != uid {
        return Err(WaitError::ChangedUid(csr.metadata.name.clone()));
    }
    let mut approved = false;
    for c in &csr.status.conditions {
        match c.type_ {
            ConditionType::Denied => {
                return Err(WaitError::Denied {
                    reason: c.reason.clone(),
                    message: c.message.clone(),
                });
            }
            ConditionType::Failed => {
                return Err(WaitError::Failed {
                    reason: c.reason.clone(),
                    message: c.message.clone(),
                });
            }
            ConditionType::Approved => approved = true,
            _ => {}
        }
    }
    Ok(match (approved, csr.status.certificate.is_empty()) {
        (false, _) => Observation::Pending,
        (true, true) => Observation::Approved,
        (true, false) => Observation::Issued(csr.status.certificate.clone()),
    })
}
