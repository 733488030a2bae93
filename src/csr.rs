//! The `certificates.k8s.io/v1` CertificateSigningRequest as the API server, kubectl and
//! kube-controller-manager's cleaner see it, as pure functions over typed objects.
//!
//! - [`CertificateSigningRequest`] and its list: serde exactly as the API server speaks
//!   (`kubectl get csr -o json` round-trips); [`decode_document`] reads either.
//! - [`SignerName`] and [`Usage`]: the typed spec values and Kubernetes' syntax check.
//!   [`Usage`] is [`pki::Usage`](crate::pki::Usage), the one usage vocabulary the checks and the
//!   signer take as well; [`SignerName::known`] gives the
//!   [`KnownSigner`](crate::pki::KnownSigner), where everything the crate knows about each of
//!   Kubernetes' signers lives.
//! - [`validation`]: create and per-[`Endpoint`] update validation with Kubernetes' field paths
//!   and messages ([`FieldError`] prints exactly as the API server does).
//! - [`strategy`]: what the server does before validating — the requester injected on create,
//!   `generateName`, what each endpoint may change, condition timestamps from `now`.
//! - [`admission`]: CertificateApproval, CertificateSigning and CertificateSubjectRestriction
//!   over an RBAC [`Authorize`](crate::rbac::Authorize).
//! - [`kubectl`]: the `get csr` table and its CONDITION column, `kubectl certificate
//!   approve|deny`; [`describe`]: `kubectl describe csr`.
//! - [`cleaner`]: which requests kube-controller-manager garbage-collects, and when.
//!
//! A kubelet's request through create, approval and issuance:
//!
//! ```
//! use kube_tls_bootstrap::csr::{self, CertificateSigningRequest, Endpoint, kubectl};
//! use kube_tls_bootstrap::time::Timestamp;
//!
//! let stored: CertificateSigningRequest = serde_json::from_str(
//!     r#"{"metadata":{"name":"csr-8b2tm","creationTimestamp":"2025-03-01T12:30:00Z"},
//!         "spec":{"signerName":"kubernetes.io/kube-apiserver-client-kubelet",
//!                 "usages":["digital signature","client auth"],
//!                 "username":"system:bootstrap:abcdef"}}"#,
//! ).unwrap();
//! let now = Timestamp::parse_rfc3339("2025-03-01T12:30:01Z").unwrap();
//! let approve = kubectl::certificate(&stored, kubectl::CertificateCommand::Approve, false, now).unwrap();
//! let mut approved = approve.update.unwrap();
//! csr::prepare_for_update(Endpoint::Approval, &mut approved, &stored, now);
//! assert_eq!(approved.status.conditions[0].last_transition_time, Some(now));
//! assert_eq!(kubectl::condition(&approved), "Approved");
//! ```

pub mod admission;
pub mod cleaner;
pub mod describe;
mod invalid;
pub mod kubectl;
mod lifecycle;
#[cfg(feature = "k8s-openapi")]
mod openapi;
#[cfg(feature = "k8s-openapi")]
pub use openapi::ConversionError;
mod request_check;
mod signer_name;
pub mod strategy;
mod types;
pub mod validation;

pub use crate::field::{BadValue, FieldError, FieldErrorType};
pub use invalid::Invalid;
pub use lifecycle::{Approval, Lifecycle};
pub use signer_name::{MAX_SIGNER_NAME_LENGTH, SignerName, validate_signer_name};
pub use strategy::{
    CreateContext, NameSuffix, UpdateError, create, create_verified, generate_name,
    prepare_for_create, prepare_for_update, update, update_verified,
};
pub use types::{
    API_VERSION, CertificateSigningRequest, CertificateSigningRequestCondition,
    CertificateSigningRequestList, CertificateSigningRequestSpec, CertificateSigningRequestStatus,
    ConditionStatus, ConditionType, DecodeError, KIND, LIST_KIND, ObjectMeta, Usage,
    decode_document,
};
pub use validation::{
    Endpoint, ProofMismatch, validate_create, validate_create_verified, validate_update,
    validate_update_verified,
};
