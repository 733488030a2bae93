//! The signer's certificate profile: kube-controller-manager's `CertificateAuthority.Sign`
//! with `PermissiveSigningPolicy`, as Go's `x509.CreateCertificate` encodes the result.
//!
//! The certificate is assembled field by field so that every byte Go chooses is reproduced:
//! the issuer is the CA's subject bytes unchanged, the subject is re-encoded from the request
//! as Go does, and the extensions come in Go's order. rcgen's certificate builder cannot
//! express those choices (its own subject encoding, serial handling, authority key identifier
//! derived from the key rather than copied from the CA's extension, and extension order).
//!
//! # Who signs
//!
//! Signing is split in two so that the key can live wherever the deployment keeps it:
//!
//! 1. [`Issuer::prepare`] (and its `_with_policy` / `_for_signer` forms) runs the signer's
//!    checks and returns an [`UnsignedCertificate`]: the DER `TBSCertificate` and the algorithm
//!    to sign it with. No key is needed, nothing is drawn.
//! 2. The caller signs [`UnsignedCertificate::tbs_der`] with the CA key — ring, an HSM, a KMS,
//!    with whatever randomness it likes — and hands the signature back:
//!    [`Issuer::check_signed`] verifies it against the CA certificate's key first, as Go's
//!    `CreateCertificate` does; [`UnsignedCertificate::with_signature`] takes it as given.
//!
//! [`CertificateAuthority`] is the in-process convenience: an [`Issuer`] plus a [`PrivateKey`]
//! that signs deterministically (ECDSA with RFC 6979 nonces), so the same inputs (CA, request,
//! `now`, serial) always give the same certificate bytes.
//!
//! ```
//! use kube_tls_bootstrap::pki::{CertificateRequest, Issuer, KeyUsage, PrivateKey};
//! use kube_tls_bootstrap::time::Timestamp;
//!
//! let ca_pem = include_bytes!("../../tests/data/pki/corpus/ca/ca.crt");
//! let ca_key = PrivateKey::from_pem(include_bytes!("../../tests/data/pki/corpus/ca/ca.key")).unwrap();
//! let csr = CertificateRequest::from_pem(include_bytes!(
//!     "../../tests/data/pki/corpus/kubelet-client-p256.csr.pem"
//! ))
//! .unwrap();
//! let issuer = Issuer::from_pem(ca_pem).unwrap();
//! let now = Timestamp::parse_rfc3339("2027-01-01T00:00:00Z").unwrap();
//! let usages = [KeyUsage::DigitalSignature, KeyUsage::ClientAuth];
//! let unsigned = issuer.prepare(&csr, &usages, Some(3600), 31_536_000, now, &[7; 16]).unwrap();
//!
//! // Sign outside the core (here with the crate's own key; any signer of the CA key will do).
//! let signature = ca_key.sign(unsigned.tbs_der()).unwrap();
//! let issued = issuer.check_signed(unsigned.clone(), &signature).unwrap();
//! assert_eq!(issued.not_after(), now.add_seconds(3600));
//!
//! // A signature over anything else is refused with Go's text.
//! let wrong = ca_key.sign(b"something else").unwrap();
//! assert_eq!(
//!     issuer.check_signed(unsigned, &wrong).unwrap_err().to_string(),
//!     "x509: signature over certificate returned by signer is invalid: x509: ECDSA verification failure"
//! );
//! ```

use super::certificate::{self, Certificate, CertificateError};
use super::checks::CheckError;
use super::key::{CertificateSignatureAlgorithm, KeyError, PrivateKey};
use super::pem;
use super::request::CertificateRequest;
use super::signers::KnownSigner;
use super::usage::{KeyUsage, Usage};
use crate::go;
use crate::time::Timestamp;

mod profile;

pub(crate) use profile::encode_sans;

/// kube-controller-manager's default `--cluster-signing-duration`: 8760 h (365 days).
pub const DEFAULT_SIGNING_DURATION_SECONDS: i64 = 8760 * 3600;
/// The signer backdates NotBefore by 5 minutes.
pub const BACKDATE_SECONDS: i64 = 5 * 60;
/// Certificates shorter than 8 h are not backdated at the end.
pub const SHORT_SECONDS: i64 = 8 * 3600;
/// The shortest duration the signer issues (a smaller `expirationSeconds` is raised to it).
pub const MIN_DURATION_SECONDS: i64 = 10 * 60;

/// A CA certificate and its key, as the signing controller loads them: an [`Issuer`] whose
/// key signs in-process, deterministically.
pub struct CertificateAuthority {
    issuer: Issuer,
    key: PrivateKey,
}

/// The CA certificate and the algorithm its key signs with: everything the signer needs to
/// assemble a certificate, without the key (see the module docs for who signs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issuer {
    certificate: Certificate,
    signature_algorithm: CertificateSignatureAlgorithm,
}

/// A certificate ready to be signed: the DER `TBSCertificate` the signer built and the
/// algorithm the CA key must sign it with. `Debug` shows the validity and size, not the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct UnsignedCertificate {
    tbs: Vec<u8>,
    signature_algorithm: CertificateSignatureAlgorithm,
    not_before: Timestamp,
    not_after: Timestamp,
}

/// `PermissiveSigningPolicy`: the TTL, usages, backdate and short-certificate threshold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigningPolicy {
    /// Certificate lifetime in seconds.
    pub ttl_seconds: i64,
    /// Requested usages (`spec.usages`).
    pub usages: Vec<KeyUsage>,
    /// How far NotBefore is moved before `now` (the signer uses 5 min).
    pub backdate_seconds: i64,
    /// Below this TTL NotAfter is `now + ttl`; from it on `now + ttl - backdate` (the signer
    /// uses 8 h; 0 means always backdate the end).
    pub short_seconds: i64,
}

/// A certificate issued by [`CertificateAuthority::sign`].
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedCertificate {
    der: Vec<u8>,
    not_before: Timestamp,
    not_after: Timestamp,
}

/// Why the CA files cannot be loaded. `Display` is the detail of kube-controller-manager's
/// message; [`CaError::kubernetes_message`] adds the file name as it does. The checks run in its
/// order: the file loader's `tls.X509KeyPair` first, then `ca_provider.setCA`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CaError {
    /// The certificate or the key file is empty.
    #[error("missing content for serving cert")]
    MissingContent,
    /// The certificate file has no PEM block at all.
    #[error("tls: failed to find any PEM data in certificate input")]
    NoCertificatePem,
    /// The certificate file holds only a key.
    #[error(
        "tls: failed to find certificate PEM data in certificate input, but did find a private key; PEM inputs may have been switched"
    )]
    KeyInCertificateFile,
    /// The certificate file has blocks, none of them `CERTIFICATE`.
    #[error(
        "tls: failed to find \"CERTIFICATE\" PEM block in certificate input after skipping PEM blocks of the following types: [{}]",
        .0.join(" ")
    )]
    NoCertificateBlock(Vec<String>),
    /// The key file has no PEM block at all.
    #[error("tls: failed to find any PEM data in key input")]
    NoKeyPem,
    /// The key file holds only a certificate.
    #[error("tls: found a certificate rather than a key in the PEM for the private key")]
    CertificateInKeyFile,
    /// The key file has blocks, none of them a private key.
    #[error(
        "tls: failed to find PEM block with type ending in \"PRIVATE KEY\" in key input after skipping PEM blocks of the following types: [{}]",
        .0.join(" ")
    )]
    NoKeyBlock(Vec<String>),
    /// The key block does not parse as PKCS#1, PKCS#8 or SEC 1.
    #[error("tls: failed to parse private key")]
    KeyParse,
    /// The key is of another type than the certificate's public key.
    #[error("tls: private key type does not match public key type")]
    KeyTypeMismatch,
    /// The key is not the certificate's.
    #[error("tls: private key does not match public key")]
    KeyMismatch,
    /// A certificate does not parse.
    #[error("{0}")]
    Certificate(CertificateError),
    /// Not exactly one certificate.
    #[error("expected 1 certificate, found {0}")]
    CertificateCount(usize),
    /// client-go's key loader finds no key (it reads only the three exact key labels).
    #[error("{0}")]
    Key(KeyError),
    /// The CA certificate's key is of a kind Go cannot sign with (DSA, unknown algorithms).
    #[error("x509: only RSA, ECDSA and Ed25519 keys supported")]
    UnsupportedKey,
}

/// Why a certificate cannot be issued. `Display` is Kubernetes' text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// A usage string the signer does not know (`unrecognized usage values: ["a" "b"]`).
    #[error("unrecognized usage values: [{}]", .0.iter().map(|u| go::quote(u)).collect::<Vec<_>>().join(" "))]
    UnrecognizedUsages(Vec<String>),
    /// The backdated NotBefore is not before the CA's NotAfter.
    #[error("the signer has expired: NotAfter={}", go::time_string(*.0))]
    SignerExpired(Timestamp),
    /// `now` is not before the CA's NotAfter.
    #[error("refusing to sign a certificate that expired in the past: NotAfter={}", go::time_string(*.0))]
    ExpiredInThePast(Timestamp),
    /// A validity time outside the years X.509 can encode (0000–9999).
    #[error("x509: invalid validity time {0}")]
    InvalidTime(Timestamp),
    /// The CA key failed to sign.
    #[error("failed to sign certificate: {0}")]
    Signing(KeyError),
    /// The signature handed to [`Issuer::check_signed`] does not verify with the CA
    /// certificate's key (Go's `CreateCertificate` check; the detail is `checkSignature`'s text).
    #[error("x509: signature over certificate returned by signer is invalid: {0}")]
    InvalidSignature(String),
}

/// What the signing controller is asked to do with an approved request: its `spec.signerName`,
/// `spec.usages` (in request order, strings Kubernetes does not know as sent),
/// `spec.expirationSeconds`, and the controller's `--cluster-signing-duration`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignerInput<'a> {
    /// `spec.signerName`; the signer runs only for a [`KnownSigner`].
    pub signer_name: &'a str,
    /// `spec.usages`.
    pub usages: &'a [Usage],
    /// `spec.expirationSeconds`.
    pub expiration_seconds: Option<i32>,
    /// `--cluster-signing-duration` in seconds.
    pub signing_duration_seconds: i64,
}

/// Why the signing controller issues no certificate.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignerFailure {
    /// The per-signer validation failed: Kubernetes adds a `Failed` condition with reason
    /// `SignerValidationFailure` and this message.
    #[error("{0}")]
    Validation(CheckError),
    /// Signing failed: Kubernetes logs the error, retries, and writes no condition.
    #[error("{0}")]
    Sign(SignError),
    /// Not one of the four signer names kube-controller-manager runs.
    #[error("unrecognized signerName: {}", go::quote(.0))]
    UnrecognizedSigner(String),
}

impl CertificateAuthority {
    /// Loads the CA the way kube-controller-manager does: the certificate PEM must hold
    /// exactly one certificate, the key PEM a key client-go can parse, and the two must match.
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<Self, CaError> {
        if cert_pem.is_empty() || key_pem.is_empty() {
            return Err(CaError::MissingContent);
        }
        // tls.X509KeyPair: the certificate blocks, the first key block, both must parse and match.
        let mut first_certificate = None;
        let mut skipped = Vec::new();
        for block in pem::Blocks::new(cert_pem) {
            if block.label == certificate::CERTIFICATE_BLOCK_TYPE {
                first_certificate.get_or_insert(block.contents);
            } else {
                skipped.push(block.label);
            }
        }
        let Some(first_certificate) = first_certificate else {
            return Err(match skipped.as_slice() {
                [] => CaError::NoCertificatePem,
                [only] if only.ends_with("PRIVATE KEY") => CaError::KeyInCertificateFile,
                _ => CaError::NoCertificateBlock(skipped),
            });
        };
        let mut skipped = Vec::new();
        let mut key_block = None;
        for block in pem::Blocks::new(key_pem) {
            if block.label == "PRIVATE KEY" || block.label.ends_with(" PRIVATE KEY") {
                key_block = Some(block);
                break;
            }
            skipped.push(block.label);
        }
        let Some(key_block) = key_block else {
            return Err(match skipped.as_slice() {
                [] => CaError::NoKeyPem,
                [only] if only == certificate::CERTIFICATE_BLOCK_TYPE => {
                    CaError::CertificateInKeyFile
                }
                _ => CaError::NoKeyBlock(skipped),
            });
        };
        let leaf = Certificate::from_der(&first_certificate).map_err(CaError::Certificate)?;
        let any_key = PrivateKey::from_pkcs1_der(&key_block.contents)
            .or_else(|_| PrivateKey::from_pkcs8_der(&key_block.contents))
            .or_else(|_| PrivateKey::from_sec1_der(&key_block.contents))
            .map_err(|_| CaError::KeyParse)?;
        let same_type = std::mem::discriminant(leaf.public_key().kind())
            == std::mem::discriminant(any_key.public_key().kind())
            || (leaf.public_key().kind().is_ecdsa() && any_key.public_key().kind().is_ecdsa());
        if !same_type {
            return Err(CaError::KeyTypeMismatch);
        }
        if leaf.public_key().spki_der() != any_key.public_key().spki_der() {
            return Err(CaError::KeyMismatch);
        }

        // ca_provider.setCA: exactly one certificate; the key as client-go loads it.
        let mut certs =
            certificate::parse_certificates_pem(cert_pem).map_err(CaError::Certificate)?;
        if certs.len() != 1 {
            return Err(CaError::CertificateCount(certs.len()));
        }
        let key = PrivateKey::from_pem(key_pem).map_err(CaError::Key)?;
        let issuer = Issuer::new(certs.remove(0))?;
        Ok(Self { issuer, key })
    }

    /// The CA certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.issuer.certificate
    }

    /// The CA key (its `Debug` hides the key material).
    pub fn key(&self) -> &PrivateKey {
        &self.key
    }

    /// The key-less half, for callers that sign elsewhere.
    pub fn issuer(&self) -> &Issuer {
        &self.issuer
    }

    /// The signing controller's work on an approved request, in its order: the per-signer
    /// validation (§7.2), then the usage mapping, the time checks and the certificate.
    pub fn sign_for_signer(
        &self,
        request: &CertificateRequest,
        input: &SignerInput<'_>,
        now: Timestamp,
        serial: &[u8; 16],
    ) -> Result<IssuedCertificate, SignerFailure> {
        let unsigned = self
            .issuer
            .prepare_for_signer(request, input, now, serial)?;
        self.finish(unsigned).map_err(SignerFailure::Sign)
    }

    /// The signing controller's `sign`: TTL from `expiration_seconds` clamped to
    /// [10 min, `signing_duration_seconds`] (or the signing duration when absent), backdate
    /// 5 min, short 8 h.
    ///
    /// `serial` is 16 random bytes from the caller (Go draws a uniform integer in [0, 2^128)).
    /// The request's signature was verified when it was parsed, so it is not checked again.
    pub fn sign(
        &self,
        request: &CertificateRequest,
        usages: &[KeyUsage],
        expiration_seconds: Option<i32>,
        signing_duration_seconds: i64,
        now: Timestamp,
        serial: &[u8; 16],
    ) -> Result<IssuedCertificate, SignError> {
        let unsigned = self.issuer.prepare(
            request,
            usages,
            expiration_seconds,
            signing_duration_seconds,
            now,
            serial,
        )?;
        self.finish(unsigned)
    }

    /// `CertificateAuthority.Sign` with an explicit policy (what `authority_test.go` drives).
    pub fn sign_with_policy(
        &self,
        request: &CertificateRequest,
        policy: &SigningPolicy,
        now: Timestamp,
        serial: &[u8; 16],
    ) -> Result<IssuedCertificate, SignError> {
        let unsigned = self
            .issuer
            .prepare_with_policy(request, policy, now, serial)?;
        self.finish(unsigned)
    }

    /// Signs with the in-process key. The key is the certificate's (checked when loading) and
    /// signs with the issuer's algorithm, so Go's after-signing check is not repeated.
    fn finish(&self, unsigned: UnsignedCertificate) -> Result<IssuedCertificate, SignError> {
        let signature = self
            .key
            .sign(unsigned.tbs_der())
            .map_err(SignError::Signing)?;
        Ok(unsigned.with_signature(&signature))
    }
}

impl Issuer {
    /// The issuer for a CA certificate; its key decides the signature algorithm as Go's
    /// `x509.CreateCertificate` decides it ([`CertificateSignatureAlgorithm::for_key`]).
    pub fn new(certificate: Certificate) -> Result<Self, CaError> {
        let signature_algorithm =
            CertificateSignatureAlgorithm::for_key(certificate.public_key().kind())
                .ok_or(CaError::UnsupportedKey)?;
        Ok(Self {
            certificate,
            signature_algorithm,
        })
    }

    /// The issuer for a CA certificate PEM holding exactly one certificate
    /// (kube-controller-manager's `ca_provider.setCA` rule), e.g. when the key lives in an HSM.
    pub fn from_pem(cert_pem: &[u8]) -> Result<Self, CaError> {
        let mut certs =
            certificate::parse_certificates_pem(cert_pem).map_err(CaError::Certificate)?;
        if certs.len() != 1 {
            return Err(CaError::CertificateCount(certs.len()));
        }
        Self::new(certs.remove(0))
    }

    /// The CA certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The algorithm the CA key must sign with.
    pub fn signature_algorithm(&self) -> CertificateSignatureAlgorithm {
        self.signature_algorithm
    }

    /// [`CertificateAuthority::sign_for_signer`] up to the signature: the per-signer validation
    /// (§7.2, [`KnownSigner::validate`]), the usage mapping, the time checks and the certificate
    /// to sign. A name that is not a [`KnownSigner`] is refused before anything is looked at.
    pub fn prepare_for_signer(
        &self,
        request: &CertificateRequest,
        input: &SignerInput<'_>,
        now: Timestamp,
        serial: &[u8; 16],
    ) -> Result<UnsignedCertificate, SignerFailure> {
        let Some(signer) = KnownSigner::from_name(input.signer_name) else {
            return Err(SignerFailure::UnrecognizedSigner(
                input.signer_name.to_owned(),
            ));
        };
        signer
            .validate(request, input.usages)
            .map_err(SignerFailure::Validation)?;
        let usages = parse_usages(input.usages).map_err(SignerFailure::Sign)?;
        self.prepare(
            request,
            &usages,
            input.expiration_seconds,
            input.signing_duration_seconds,
            now,
            serial,
        )
        .map_err(SignerFailure::Sign)
    }

    /// [`CertificateAuthority::sign`] up to the signature.
    pub fn prepare(
        &self,
        request: &CertificateRequest,
        usages: &[KeyUsage],
        expiration_seconds: Option<i32>,
        signing_duration_seconds: i64,
        now: Timestamp,
        serial: &[u8; 16],
    ) -> Result<UnsignedCertificate, SignError> {
        let policy = SigningPolicy {
            ttl_seconds: duration_seconds(expiration_seconds, signing_duration_seconds),
            usages: usages.to_vec(),
            backdate_seconds: BACKDATE_SECONDS,
            short_seconds: SHORT_SECONDS,
        };
        self.prepare_with_policy(request, &policy, now, serial)
    }

    /// [`CertificateAuthority::sign_with_policy`] up to the signature: the validity window
    /// (backdate, the short-certificate rule, the CA's NotAfter cap), the two expired-CA
    /// refusals in Kubernetes' order, and the `TBSCertificate`.
    pub fn prepare_with_policy(
        &self,
        request: &CertificateRequest,
        policy: &SigningPolicy,
        now: Timestamp,
        serial: &[u8; 16],
    ) -> Result<UnsignedCertificate, SignError> {
        let ca_not_after = self.certificate.not_after();
        let not_before = now.sub_seconds(policy.backdate_seconds);
        let mut not_after = if policy.ttl_seconds < policy.short_seconds {
            now.add_seconds(policy.ttl_seconds)
        } else {
            now.add_seconds(policy.ttl_seconds.saturating_sub(policy.backdate_seconds))
        };
        if not_after >= ca_not_after {
            not_after = ca_not_after;
        }
        if not_before >= ca_not_after {
            return Err(SignError::SignerExpired(ca_not_after));
        }
        if now >= ca_not_after {
            return Err(SignError::ExpiredInThePast(ca_not_after));
        }
        let tbs = profile::tbs_certificate(&profile::Template {
            serial,
            signature_algorithm: self.signature_algorithm,
            issuer: self.certificate.subject_der(),
            issuer_key_id: self.certificate.subject_key_id(),
            not_before,
            not_after,
            request,
            usages: &policy.usages,
        })?;
        Ok(UnsignedCertificate {
            tbs,
            signature_algorithm: self.signature_algorithm,
            not_before,
            not_after,
        })
    }

    /// Completes `unsigned` with a signature made outside the crate, after checking it with the
    /// CA certificate's key as Go's `CreateCertificate` does (it costs one signature
    /// verification; [`UnsignedCertificate::with_signature`] skips it).
    pub fn check_signed(
        &self,
        unsigned: UnsignedCertificate,
        signature: &[u8],
    ) -> Result<IssuedCertificate, SignError> {
        super::request::check_signature(
            unsigned.signature_algorithm.signature_algorithm(),
            unsigned.tbs_der(),
            signature,
            self.certificate.public_key(),
        )
        .map_err(|e| SignError::InvalidSignature(e.to_string()))?;
        Ok(unsigned.with_signature(signature))
    }
}

impl UnsignedCertificate {
    /// The DER `TBSCertificate`: the bytes the CA key signs.
    pub fn tbs_der(&self) -> &[u8] {
        &self.tbs
    }

    /// The algorithm to sign with (ECDSA signatures as the DER `ECDSA-Sig-Value`).
    pub fn signature_algorithm(&self) -> CertificateSignatureAlgorithm {
        self.signature_algorithm
    }

    /// NotBefore as it will be issued.
    pub fn not_before(&self) -> Timestamp {
        self.not_before
    }

    /// NotAfter as it will be issued.
    pub fn not_after(&self) -> Timestamp {
        self.not_after
    }

    /// The certificate with `signature` as given, unchecked: for a signer the caller trusts
    /// (a wrong signature yields a certificate no one can verify).
    pub fn with_signature(self, signature: &[u8]) -> IssuedCertificate {
        IssuedCertificate {
            der: profile::certificate(self.tbs, self.signature_algorithm, signature),
            not_before: self.not_before,
            not_after: self.not_after,
        }
    }
}

impl std::fmt::Debug for UnsignedCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnsignedCertificate")
            .field("signature_algorithm", &self.signature_algorithm)
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .field("tbs_len", &self.tbs.len())
            .finish()
    }
}

impl std::fmt::Debug for CertificateAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateAuthority")
            .field("certificate", &self.issuer.certificate)
            .field("key", &self.key)
            .finish()
    }
}

impl CaError {
    /// The message kube-controller-manager logs, e.g.
    /// `error reading CA cert file "ca.crt": expected 1 certificate, found 2`.
    pub fn kubernetes_message(&self, cert_file: &str, key_file: &str) -> String {
        if *self == Self::MissingContent {
            let name = format!("csr-controller::{cert_file}::{key_file}");
            return format!(
                "error reading CA cert file {}: missing content for serving cert {}",
                go::quote(cert_file),
                go::quote(&name)
            );
        }
        let file = match self {
            Self::Key(_) => format!("error reading CA key file {}", go::quote(key_file)),
            _ => format!("error reading CA cert file {}", go::quote(cert_file)),
        };
        format!("{file}: {self}")
    }
}

impl IssuedCertificate {
    /// The DER certificate.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The certificate as the signer stores it in `status.certificate`: one `CERTIFICATE`
    /// PEM block with LF line endings.
    pub fn to_pem(&self) -> String {
        pem::encode(certificate::CERTIFICATE_BLOCK_TYPE, &self.der)
    }

    /// NotBefore as issued.
    pub fn not_before(&self) -> Timestamp {
        self.not_before
    }

    /// NotAfter as issued.
    pub fn not_after(&self) -> Timestamp {
        self.not_after
    }
}

impl std::fmt::Debug for IssuedCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedCertificate")
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .field("der_len", &self.der.len())
            .finish()
    }
}

/// The signing controller's `duration`: the signing duration when `expirationSeconds` is
/// absent, else the request clamped to [10 min, signing duration].
///
/// ```
/// use kube_tls_bootstrap::pki::authority::duration_seconds;
/// assert_eq!(duration_seconds(Some(1800), 3600), 1800);
/// assert_eq!(duration_seconds(Some(3 * 3600), 3600), 3600);
/// assert_eq!(duration_seconds(Some(-60), 3600), 600);
/// assert_eq!(duration_seconds(None, 3600), 3600);
/// ```
pub fn duration_seconds(expiration_seconds: Option<i32>, signing_duration_seconds: i64) -> i64 {
    match expiration_seconds.map(i64::from) {
        None => signing_duration_seconds,
        Some(requested) if requested > signing_duration_seconds => signing_duration_seconds,
        Some(requested) if requested < MIN_DURATION_SECONDS => MIN_DURATION_SECONDS,
        Some(requested) => requested,
    }
}

/// The signer's `keyUsagesFromStrings`: `spec.usages` to the typed usages the certificate
/// carries, refusing strings Kubernetes does not know with its text (all of them listed, in
/// order, as the request spells them).
///
/// ```
/// use kube_tls_bootstrap::pki::{Usage, authority::parse_usages};
/// let usages = ["client auth", "a", "B"].map(Usage::parse);
/// assert_eq!(
///     parse_usages(&usages).unwrap_err().to_string(),
///     r#"unrecognized usage values: ["a" "B"]"#
/// );
/// ```
pub fn parse_usages(usages: &[Usage]) -> Result<Vec<KeyUsage>, SignError> {
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for u in usages {
        match u.known() {
            Some(k) => known.push(k),
            None => unknown.push(u.as_str().to_owned()),
        }
    }
    if unknown.is_empty() {
        Ok(known)
    } else {
        Err(SignError::UnrecognizedUsages(unknown))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages() {
        let t = Timestamp::parse_rfc3339("2025-01-02T03:04:05Z").unwrap();
        assert_eq!(
            SignError::SignerExpired(t).to_string(),
            "the signer has expired: NotAfter=2025-01-02 03:04:05 +0000 UTC"
        );
        assert_eq!(
            SignError::ExpiredInThePast(t).to_string(),
            "refusing to sign a certificate that expired in the past: NotAfter=2025-01-02 03:04:05 +0000 UTC"
        );
        assert_eq!(
            CaError::CertificateCount(2).kubernetes_message("ca.crt", "ca.key"),
            r#"error reading CA cert file "ca.crt": expected 1 certificate, found 2"#
        );
    }
}
