//! The signer's certificate profile: kube-controller-manager's `CertificateAuthority.Sign`
//! with `PermissiveSigningPolicy`, as Go's `x509.CreateCertificate` encodes the result.
//!
//! The certificate is assembled field by field so that every byte Go chooses is reproduced:
//! the issuer is the CA's subject bytes unchanged, the subject is re-encoded from the request
//! as Go does, and the extensions come in Go's order. rcgen's certificate builder cannot
//! express those choices (its own subject encoding, serial handling, authority key identifier
//! derived from the key rather than copied from the CA's extension, and extension order), so
//! the certificate is signed by the CA's [`PrivateKey`]: ECDSA with RFC 6979 nonces, so the
//! same inputs (CA, request, `now`, serial) always give the same certificate bytes.

use std::net::IpAddr;

use const_oid::ObjectIdentifier;

use super::asn1::{self, tag};
use super::certificate::{self, Certificate, CertificateError};
use super::checks::{self, CheckError};
use super::key::{KeyError, PrivateKey};
use super::pem;
use super::request::{CertificateRequest, SubjectAltNames};
use super::usage::KeyUsage;
use crate::go;
use crate::time::Timestamp;

/// kube-controller-manager's default `--cluster-signing-duration`: 8760 h (365 days).
pub const DEFAULT_SIGNING_DURATION_SECONDS: i64 = 8760 * 3600;
/// The signer backdates NotBefore by 5 minutes.
pub const BACKDATE_SECONDS: i64 = 5 * 60;
/// Certificates shorter than 8 h are not backdated at the end.
pub const SHORT_SECONDS: i64 = 8 * 3600;
/// The shortest duration the signer issues (a smaller `expirationSeconds` is raised to it).
pub const MIN_DURATION_SECONDS: i64 = 10 * 60;

/// A CA certificate and its key, as the signing controller loads them.
pub struct CertificateAuthority {
    certificate: Certificate,
    key: PrivateKey,
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
}

/// What the signing controller is asked to do with an approved request: its `spec.signerName`,
/// `spec.usages` (as strings), `spec.expirationSeconds`, and the controller's
/// `--cluster-signing-duration`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignerInput<'a> {
    /// `spec.signerName`.
    pub signer_name: &'a str,
    /// `spec.usages`.
    pub usages: &'a [&'a str],
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
    /// The signing controller's work on an approved request, in its order: the per-signer
    /// validation (§7.2), then the usage mapping, the time checks and the certificate.
    pub fn sign_for_signer(
        &self,
        request: &CertificateRequest,
        input: &SignerInput<'_>,
        now: Timestamp,
        serial: &[u8; 16],
    ) -> Result<IssuedCertificate, SignerFailure> {
        match checks::validate_for_signer_strs(request, input.usages, input.signer_name) {
            Ok(true) => {}
            Ok(false) => {
                return Err(SignerFailure::UnrecognizedSigner(
                    input.signer_name.to_owned(),
                ));
            }
            Err(e) => return Err(SignerFailure::Validation(e)),
        }
        let usages = parse_usages(input.usages.iter().copied()).map_err(SignerFailure::Sign)?;
        self.sign(
            request,
            &usages,
            input.expiration_seconds,
            input.signing_duration_seconds,
            now,
            serial,
        )
        .map_err(SignerFailure::Sign)
    }

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
        let certificate = certs.remove(0);
        Ok(Self { certificate, key })
    }

    /// The CA certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The CA key (its `Debug` hides the key material).
    pub fn key(&self) -> &PrivateKey {
        &self.key
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
        let policy = SigningPolicy {
            ttl_seconds: duration_seconds(expiration_seconds, signing_duration_seconds),
            usages: usages.to_vec(),
            backdate_seconds: BACKDATE_SECONDS,
            short_seconds: SHORT_SECONDS,
        };
        self.sign_with_policy(request, &policy, now, serial)
    }

    /// `CertificateAuthority.Sign` with an explicit policy (what `authority_test.go` drives).
    pub fn sign_with_policy(
        &self,
        request: &CertificateRequest,
        policy: &SigningPolicy,
        now: Timestamp,
        serial: &[u8; 16],
    ) -> Result<IssuedCertificate, SignError> {
        let (key_usage, ext_key_usages) = map_usages(&policy.usages);
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

        let signature_algorithm = self.key.signature_algorithm().algorithm_identifier();
        let subject = request.subject().to_der();
        let issuer = self.certificate.subject_der();

        let mut tbs = Vec::with_capacity(1024);
        tbs.extend_from_slice(&[0xa0, 0x03, 0x02, 0x01, 0x02]);
        tbs.extend_from_slice(&asn1::positive_integer(serial));
        tbs.extend_from_slice(&signature_algorithm);
        tbs.extend_from_slice(issuer);
        let mut validity = encode_time(not_before)?;
        validity.extend_from_slice(&encode_time(not_after)?);
        asn1::encode_into(&mut tbs, tag::SEQUENCE, &validity);
        tbs.extend_from_slice(&subject);
        tbs.extend_from_slice(request.public_key().spki_der());

        let mut extensions = Vec::new();
        if key_usage != 0 {
            push_extension(
                &mut extensions,
                OID_KEY_USAGE,
                true,
                &key_usage_bits(key_usage),
            );
        }
        if !ext_key_usages.is_empty() {
            let mut body = Vec::new();
            for oid in &ext_key_usages {
                asn1::encode_into(&mut body, tag::OID, oid.as_bytes());
            }
            push_extension(
                &mut extensions,
                OID_EXT_KEY_USAGE,
                false,
                &asn1::encode(tag::SEQUENCE, &body),
            );
        }
        push_extension(&mut extensions, OID_BASIC_CONSTRAINTS, true, &[0x30, 0x00]);
        if let Some(ski) = self.certificate.subject_key_id()
            && issuer != subject.as_slice()
        {
            let key_id = asn1::encode(0x80, ski);
            push_extension(
                &mut extensions,
                OID_AUTHORITY_KEY_ID,
                false,
                &asn1::encode(tag::SEQUENCE, &key_id),
            );
        }
        let sans = request.subject_alt_names();
        if has_sans(sans) {
            let critical = subject == [0x30, 0x00];
            push_extension(&mut extensions, OID_SAN, critical, &encode_sans(sans));
        }
        let extensions = asn1::encode(tag::SEQUENCE, &extensions);
        asn1::encode_into(&mut tbs, tag::CONTEXT_3, &extensions);
        let tbs = asn1::encode(tag::SEQUENCE, &tbs);

        let signature = self.key.sign(&tbs).map_err(SignError::Signing)?;
        let mut bits = Vec::with_capacity(signature.len() + 1);
        bits.push(0);
        bits.extend_from_slice(&signature);
        let mut cert = tbs;
        cert.extend_from_slice(&signature_algorithm);
        asn1::encode_into(&mut cert, tag::BIT_STRING, &bits);
        Ok(IssuedCertificate {
            der: asn1::encode(tag::SEQUENCE, &cert),
            not_before,
            not_after,
        })
    }
}

impl std::fmt::Debug for CertificateAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateAuthority")
            .field("certificate", &self.certificate)
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

/// The signer's usage strings to typed usages, refusing unknown ones with Kubernetes' text
/// (all unknown values listed, in order).
///
/// ```
/// use kube_tls_bootstrap::pki::authority::parse_usages;
/// assert_eq!(
///     parse_usages(["client auth", "a", "b"]).unwrap_err().to_string(),
///     r#"unrecognized usage values: ["a" "b"]"#
/// );
/// ```
pub fn parse_usages<'a>(
    usages: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<KeyUsage>, SignError> {
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for u in usages {
        match KeyUsage::parse(u) {
            Some(k) => known.push(k),
            None => unknown.push(u.to_owned()),
        }
    }
    if unknown.is_empty() {
        Ok(known)
    } else {
        Err(SignError::UnrecognizedUsages(unknown))
    }
}

/// Go's `x509.KeyUsage` bits and the extended key usages (de-duplicated, in Go's enum order).
pub(crate) fn map_usages(usages: &[KeyUsage]) -> (u16, Vec<ObjectIdentifier>) {
    let mut bits = 0u16;
    let mut ekus = [false; EKU_ORDER.len()];
    for u in usages {
        match usage_effect(*u) {
            UsageEffect::KeyUsage(bit) => bits |= bit,
            UsageEffect::Extended(index) => ekus[index] = true,
        }
    }
    let oids = EKU_ORDER
        .iter()
        .zip(ekus)
        .filter(|(_, on)| *on)
        .map(|(oid, _)| *oid)
        .collect();
    (bits, oids)
}

enum UsageEffect {
    KeyUsage(u16),
    Extended(usize),
}

fn usage_effect(u: KeyUsage) -> UsageEffect {
    use KeyUsage as U;
    use UsageEffect::{Extended, KeyUsage as Ku};
    match u {
        U::Signing | U::DigitalSignature => Ku(1 << 0),
        U::ContentCommitment => Ku(1 << 1),
        U::KeyEncipherment => Ku(1 << 2),
        U::DataEncipherment => Ku(1 << 3),
        U::KeyAgreement => Ku(1 << 4),
        U::CertSign => Ku(1 << 5),
        U::CrlSign => Ku(1 << 6),
        U::EncipherOnly => Ku(1 << 7),
        U::DecipherOnly => Ku(1 << 8),
        U::Any => Extended(0),
        U::ServerAuth => Extended(1),
        U::ClientAuth => Extended(2),
        U::CodeSigning => Extended(3),
        U::EmailProtection | U::SMime => Extended(4),
        U::IpsecEndSystem => Extended(5),
        U::IpsecTunnel => Extended(6),
        U::IpsecUser => Extended(7),
        U::Timestamping => Extended(8),
        U::OcspSigning => Extended(9),
        U::MicrosoftSgc => Extended(10),
        U::NetscapeSgc => Extended(11),
    }
}

/// Go's `ExtKeyUsage` enum order.
const EKU_ORDER: [ObjectIdentifier; 12] = [
    ObjectIdentifier::new_unwrap("2.5.29.37.0"),
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.1"),
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2"),
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.3"),
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.4"),
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.5"),
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.6"),
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.7"),
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8"),
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.9"),
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.311.10.3.3"),
    ObjectIdentifier::new_unwrap("2.16.840.1.113730.4.1"),
];

const OID_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
const OID_EXT_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");
const OID_BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
const OID_AUTHORITY_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.35");
const OID_SAN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");

fn push_extension(out: &mut Vec<u8>, oid: ObjectIdentifier, critical: bool, value: &[u8]) {
    let mut body = asn1::encode(tag::OID, oid.as_bytes());
    if critical {
        body.extend_from_slice(&[0x01, 0x01, 0xff]);
    }
    asn1::encode_into(&mut body, tag::OCTET_STRING, value);
    asn1::encode_into(out, tag::SEQUENCE, &body);
}

/// Go's `marshalKeyUsage`: bit 0 is the most significant bit of the first byte; trailing
/// zero bits are not counted.
fn key_usage_bits(ku: u16) -> Vec<u8> {
    let a0 = (ku as u8).reverse_bits();
    let a1 = ((ku >> 8) as u8).reverse_bits();
    let bytes: Vec<u8> = if a1 != 0 { vec![a0, a1] } else { vec![a0] };
    let last = bytes.last().copied().unwrap_or(0);
    let unused = if last == 0 {
        0
    } else {
        last.trailing_zeros() as u8
    };
    let mut value = vec![unused];
    value.extend_from_slice(&bytes);
    asn1::encode(tag::BIT_STRING, &value)
}

fn has_sans(s: &SubjectAltNames) -> bool {
    !(s.dns_names.is_empty()
        && s.email_addresses.is_empty()
        && s.ip_addresses.is_empty()
        && s.uris.is_empty())
}

/// Go's `marshalSANs`: DNS, then email, then IP (IPv4 and IPv4-mapped as 4 bytes), then URI
/// (scheme lower-cased as Go's `net/url` re-serialises it).
pub(crate) fn encode_sans(s: &SubjectAltNames) -> Vec<u8> {
    let mut body = Vec::new();
    for d in &s.dns_names {
        asn1::encode_into(&mut body, 0x82, d.as_bytes());
    }
    for e in &s.email_addresses {
        asn1::encode_into(&mut body, 0x81, e.as_bytes());
    }
    for ip in &s.ip_addresses {
        match ip {
            IpAddr::V4(v4) => asn1::encode_into(&mut body, 0x87, &v4.octets()),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => asn1::encode_into(&mut body, 0x87, &v4.octets()),
                None => asn1::encode_into(&mut body, 0x87, &v6.octets()),
            },
        }
    }
    for u in &s.uris {
        asn1::encode_into(&mut body, 0x86, lower_scheme(u).as_bytes());
    }
    asn1::encode(tag::SEQUENCE, &body)
}

fn lower_scheme(uri: &str) -> String {
    match uri.split_once(':') {
        Some((scheme, rest))
            if !scheme.is_empty()
                && scheme
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')) =>
        {
            format!("{}:{rest}", scheme.to_ascii_lowercase())
        }
        _ => uri.to_owned(),
    }
}

/// UTCTime for 1950–2049, GeneralizedTime otherwise, to the second (Go's rule).
fn encode_time(t: Timestamp) -> Result<Vec<u8>, SignError> {
    let (y, mo, d, h, mi, s) = t.to_civil();
    if !(0..=9999).contains(&y) {
        return Err(SignError::InvalidTime(t));
    }
    Ok(if (1950..2050).contains(&y) {
        let text = format!("{:02}{mo:02}{d:02}{h:02}{mi:02}{s:02}Z", y % 100);
        asn1::encode(tag::UTC_TIME, text.as_bytes())
    } else {
        let text = format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}Z");
        asn1::encode(tag::GENERALIZED_TIME, text.as_bytes())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_usage_encoding_matches_go() {
        // digitalSignature | keyEncipherment → 03 02 05 a0
        assert_eq!(key_usage_bits(0b101), vec![0x03, 0x02, 0x05, 0xa0]);
        // digitalSignature only → 03 02 07 80
        assert_eq!(key_usage_bits(1), vec![0x03, 0x02, 0x07, 0x80]);
        // decipherOnly → two bytes, 7 unused bits in the second
        assert_eq!(key_usage_bits(1 << 8), vec![0x03, 0x03, 0x07, 0x00, 0x80]);
    }

    #[test]
    fn eku_order_and_dedupe() {
        let (bits, ekus) = map_usages(&[
            KeyUsage::ClientAuth,
            KeyUsage::SMime,
            KeyUsage::ServerAuth,
            KeyUsage::EmailProtection,
            KeyUsage::Signing,
            KeyUsage::KeyEncipherment,
        ]);
        assert_eq!(bits, 0b101);
        assert_eq!(ekus, vec![EKU_ORDER[1], EKU_ORDER[2], EKU_ORDER[4]]);
    }

    #[test]
    fn times_and_schemes() {
        assert_eq!(
            encode_time(Timestamp::from_unix(0)).unwrap(),
            asn1::encode(tag::UTC_TIME, b"700101000000Z")
        );
        let y2050 = Timestamp::parse_rfc3339("2050-01-01T00:00:00Z").unwrap();
        assert_eq!(
            encode_time(y2050).unwrap(),
            asn1::encode(tag::GENERALIZED_TIME, b"20500101000000Z")
        );
        assert_eq!(
            lower_scheme("SPIFFE://Cluster.Local"),
            "spiffe://Cluster.Local"
        );
        assert_eq!(lower_scheme("no-scheme"), "no-scheme");
    }

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
