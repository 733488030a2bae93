//! X.509 and PEM: what the API server, the approver, the signer and the kubelet read and write.
//!
//! - [`usage`]: the 23 key-usage strings of `certificates.k8s.io/v1` as a typed enum.
//! - [`signers`]: the well-known signer names.

pub mod signers;
pub mod usage;

pub use usage::KeyUsage;
