//! X.509 and PEM: what the API server, the approver, the signer and the kubelet read and write.
//!
//! - [`pem`]: PEM exactly as Go's `encoding/pem` reads it (first block, leading text skipped,
//!   CRLF, headers) and as Kubernetes writes it (LF).
//! - [`CertificateRequest`]: `spec.request` as the API server reads it — the first PEM block
//!   must be `CERTIFICATE REQUEST`, the PKCS#10 DER must parse, and the self-signature must
//!   verify (proof of possession). Errors are [`RequestError`]s whose text is Go's.
//! - [`checks`]: the kubelet client, kubelet serving and kube-apiserver-client checks with
//!   Kubernetes' messages, and the kubelet's deterministic `node-csr-…` name.
//! - [`CertificateAuthority`]: the signer's certificate profile (kube-controller-manager's
//!   `CertificateAuthority.Sign`), byte for byte as Go encodes it; [`Issuer`] is the same
//!   without the key, for a CA key that signs outside the crate (an [`UnsignedCertificate`]'s
//!   `TBSCertificate` goes out, the signature comes back and is checked as Go checks it).
//! - [`kubelet`]: the kubelet's certificate request and usages.
//! - [`key`]: private keys as client-go loads them (PKCS#8, SEC 1, PKCS#1), and signing.
//! - [`validate_certificate_pem`]: the API server's `status.certificate` rules.
//! - [`name`]: subjects as encoded, and as Go re-encodes them.
//! - [`usage`]: `spec.usages` as [`Usage`] — the one vocabulary of the API types, the checks and
//!   the signer (request order kept, unknown strings kept as sent) — over [`KeyUsage`], the 23
//!   strings Kubernetes knows.
//! - [`signers`]: [`KnownSigner`], the four signers Kubernetes defines, and in one place
//!   everything the crate knows about each (name, controller, check, usage profile,
//!   auto-approval, admission, RBAC roles); the signer and the control plane dispatch on it.
//!
//! Signatures are verified with `ring`; ECDSA pairs ring lacks (P-521, SHA-1 on any curve,
//! SHA-512 on P-256/P-384, …) with the RustCrypto `p256`/`p384`/`p521` crates. What Go verifies
//! but neither offers — RSA keys under 1024 or over 8192 bits, SHA-384 or PSS with RSA keys under
//! 2048 bits, P-224 — is refused as [`RequestError::UnsupportedAlgorithm`].
//!
//! Signing (certificates by a [`CertificateAuthority`], the kubelet's request) draws no
//! randomness, so equal inputs give equal bytes: ECDSA P-256/P-384/P-521 keys are loaded without
//! ring (ring draws a random nonce key when it loads one) and sign with the RustCrypto
//! `p256`/`p384`/`p521` crates using RFC 6979 deterministic nonces; Ed25519 and RSA PKCS#1 v1.5 sign with ring, which
//! computes both without its random source (ring 0.17's PKCS#1 v1.5 padding ignores it and its
//! RSA private-key operation uses no random blinding). Go draws a random ECDSA nonce, so ECDSA
//! signature bytes differ from Go's while everything they sign is equal. A deployment that wants
//! ring's faster ECDSA signing (≈ 3× RustCrypto's here) or an HSM signs an
//! [`UnsignedCertificate`] itself.

mod asn1;
pub mod authority;
pub mod certificate;
pub mod checks;
pub mod key;
pub mod kubelet;
pub mod name;
pub mod pem;
pub mod request;
pub mod signers;
pub mod usage;

pub use authority::{
    CaError, CertificateAuthority, IssuedCertificate, Issuer, SignError, SignerFailure,
    SignerInput, SigningPolicy, UnsignedCertificate,
};
pub use certificate::{Certificate, CertificateError, validate_certificate_pem};
pub use checks::{CheckError, node_csr_name, node_csr_name_for};
pub use key::{KeyError, PrivateKey};
pub use name::{Name, Subject};
pub use request::{
    CertificateRequest, KeyKind, PublicKey, RequestError, RequestErrorKind, SignatureAlgorithm,
    SubjectAltNames, UnverifiedRequest, VerifiedDigest,
};
pub use signers::KnownSigner;
pub use usage::{KeyUsage, Usage};
