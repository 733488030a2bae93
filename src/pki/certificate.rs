//! X.509 certificates: `status.certificate` validation, and the CA certificate the signer
//! loads.

use const_oid::AssociatedOid as _;
use der::Decode as _;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, SubjectKeyIdentifier,
};

use super::asn1::{Asn1Error, Rest, Tlv};
use super::name::{Name, Subject};
use super::pem;
use super::request::PublicKey;
use crate::time::Timestamp;

/// The PEM label of a certificate.
pub const CERTIFICATE_BLOCK_TYPE: &str = "CERTIFICATE";

/// A parsed X.509 certificate with the fields the signer needs kept as encoded.
#[derive(Clone, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
    subject: (usize, usize),
    name: Name,
    subject_key_id: Option<Vec<u8>>,
    not_before: Timestamp,
    not_after: Timestamp,
    public_key: PublicKey,
    signed: Signed,
}

/// What a chain verification needs beyond the fields above.
#[derive(Clone, PartialEq, Eq)]
struct Signed {
    tbs: (usize, usize),
    issuer: (usize, usize),
    signature_algorithm: super::request::SignatureAlgorithm,
    signature: Vec<u8>,
    serial: Vec<u8>,
    authority_key_id: Option<Vec<u8>>,
    /// The basic constraints extension says the subject is a CA.
    is_ca: bool,
    /// `None` when the certificate has no extended key usage extension.
    extended_key_usages: Option<Vec<const_oid::ObjectIdentifier>>,
}

/// A certificate that does not parse, or a `status.certificate` that Kubernetes refuses.
/// `Display` is the detail of Kubernetes' `status.certificate: Invalid value` message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CertificateError {
    /// A PEM block that is not `CERTIFICATE`.
    #[error("only CERTIFICATE PEM blocks are allowed, found {}", crate::go::quote(.0))]
    NotCertificateBlock(String),
    /// A CERTIFICATE block with RFC 1421 headers.
    #[error("no PEM block headers are permitted")]
    Headers,
    /// An empty CERTIFICATE block.
    #[error("found CERTIFICATE PEM block containing 0 certificates")]
    EmptyBlock,
    /// No PEM block at all.
    #[error("must contain at least one CERTIFICATE PEM block")]
    NoBlocks,
    /// A PEM bundle without any usable CERTIFICATE block (client-go `ParseCertsPEM`).
    #[error("data does not contain any valid RSA or ECDSA certificates")]
    NoCertificates,
    /// The DER does not parse as a certificate (this crate's wording, prefixed `x509: `).
    #[error("x509: {0}")]
    Parse(String),
}

/// `status.certificate` validation (k8s `validateCertificate`): every PEM block must be a
/// `CERTIFICATE` without headers holding one or more DER certificates, and there must be at
/// least one block. Text around the blocks is allowed. No chain or signature check.
///
/// ```
/// use kube_tls_bootstrap::pki::{validate_certificate_pem, CertificateError};
/// assert_eq!(validate_certificate_pem(b"junk"), Err(CertificateError::NoBlocks));
/// assert_eq!(
///     validate_certificate_pem(b"-----BEGIN KEY-----\n-----END KEY-----\n").unwrap_err().to_string(),
///     r#"only CERTIFICATE PEM blocks are allowed, found "KEY""#
/// );
/// ```
pub fn validate_certificate_pem(pem_data: &[u8]) -> Result<(), CertificateError> {
    let mut blocks = 0usize;
    for block in pem::Blocks::new(pem_data) {
        if block.label != CERTIFICATE_BLOCK_TYPE {
            return Err(CertificateError::NotCertificateBlock(block.label));
        }
        if !block.headers.is_empty() {
            return Err(CertificateError::Headers);
        }
        blocks += 1;
        if parse_certificates_der(&block.contents)?.is_empty() {
            return Err(CertificateError::EmptyBlock);
        }
    }
    if blocks == 0 {
        return Err(CertificateError::NoBlocks);
    }
    Ok(())
}

/// Go's `x509.ParseCertificates`: zero or more concatenated DER certificates.
pub fn parse_certificates_der(mut der: &[u8]) -> Result<Vec<Certificate>, CertificateError> {
    let mut out = Vec::new();
    while !der.is_empty() {
        let (tlv, rest) = Tlv::from_der_partial(der)
            .map_err(|e| CertificateError::Parse(Asn1Error::from(e).to_string()))?;
        out.push(Certificate::from_der(tlv.full)?);
        der = rest;
    }
    Ok(out)
}

/// client-go's `cert.ParseCertsPEM`: every `CERTIFICATE` block without headers (others are
/// skipped); at least one is required.
pub fn parse_certificates_pem(pem_data: &[u8]) -> Result<Vec<Certificate>, CertificateError> {
    let mut out = Vec::new();
    for block in pem::Blocks::new(pem_data) {
        if block.label != CERTIFICATE_BLOCK_TYPE || !block.headers.is_empty() {
            continue;
        }
        out.push(Certificate::from_der(&block.contents)?);
    }
    if out.is_empty() {
        return Err(CertificateError::NoCertificates);
    }
    Ok(out)
}

impl Certificate {
    /// Parses one DER certificate: `x509_cert` decodes and validates it, and a raw view of the
    /// TBS keeps the subject and public key bytes as encoded (Go copies the CA's subject into
    /// the issuer field unchanged; `x509_cert`'s `Name` sorts multi-valued RDNs).
    pub fn from_der(der: &[u8]) -> Result<Self, CertificateError> {
        let parse = |e: String| CertificateError::Parse(e);
        let cert = x509_cert::Certificate::from_der(der).map_err(|e| parse(e.to_string()))?;
        let tbs = cert.tbs_certificate();
        let not_before = to_timestamp(tbs.validity().not_before);
        let not_after = to_timestamp(tbs.validity().not_after);

        let raw = RawCertificate::from_der(der).map_err(|e| parse(e.to_string()))?;
        let raw_tbs = RawTbsCertificate::from_der(raw.tbs_certificate.full)
            .map_err(|e| parse(e.to_string()))?;
        let subject = raw_tbs.subject.full;
        let start = offset_in(der, subject);
        let name = Name::from_der(subject).map_err(|e| parse(e.to_string()))?;
        let public_key = PublicKey::from_spki_der(raw_tbs.subject_public_key_info.full)
            .map_err(|e| parse(e.to_string()))?;

        let mut subject_key_id = None;
        let mut authority_key_id = None;
        let mut extended_key_usages = None;
        let mut is_ca = false;
        for ext in tbs.extensions().into_iter().flatten() {
            if ext.extn_id == SubjectKeyIdentifier::OID {
                let id = SubjectKeyIdentifier::from_der(ext.extn_value.as_bytes())
                    .map_err(|_| parse("invalid subject key identifier".into()))?;
                subject_key_id = Some(id.0.as_bytes().to_vec());
            } else if ext.extn_id == AuthorityKeyIdentifier::OID {
                let id = AuthorityKeyIdentifier::from_der(ext.extn_value.as_bytes())
                    .map_err(|_| parse("invalid authority key identifier".into()))?;
                authority_key_id = id.key_identifier.map(|k| k.as_bytes().to_vec());
            } else if ext.extn_id == ExtendedKeyUsage::OID {
                let eku = ExtendedKeyUsage::from_der(ext.extn_value.as_bytes())
                    .map_err(|_| parse("invalid extended key usages".into()))?;
                extended_key_usages = Some(eku.0);
            } else if ext.extn_id == BasicConstraints::OID {
                let bc = BasicConstraints::from_der(ext.extn_value.as_bytes())
                    .map_err(|_| parse("invalid basic constraints".into()))?;
                is_ca = bc.ca;
            }
        }
        let bits = raw.signature.value;
        let signed = Signed {
            tbs: range_in(der, raw.tbs_certificate.full),
            issuer: range_in(der, raw_tbs.issuer.full),
            signature_algorithm: super::request::signature_algorithm_der(
                raw.signature_algorithm.full,
            ),
            signature: bits.get(1..).unwrap_or_default().to_vec(),
            serial: tbs.serial_number().as_bytes().to_vec(),
            authority_key_id,
            is_ca,
            extended_key_usages,
        };
        Ok(Self {
            der: der.to_vec(),
            subject: (start, start + subject.len()),
            name,
            subject_key_id,
            not_before,
            not_after,
            public_key,
            signed,
        })
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The certificate as a `CERTIFICATE` PEM block (LF line endings).
    pub fn to_pem(&self) -> String {
        pem::encode(CERTIFICATE_BLOCK_TYPE, &self.der)
    }

    /// The subject `Name` exactly as encoded.
    pub fn subject_der(&self) -> &[u8] {
        &self.der[self.subject.0..self.subject.1]
    }

    /// The subject as encoded (RDN order, string types).
    pub fn name(&self) -> &Name {
        &self.name
    }

    /// The subject as Go reads it: the API server's client-certificate authenticator takes
    /// the user name from `common_name` and the groups from `organization`, in encoded order.
    pub fn subject(&self) -> Subject {
        self.name.subject()
    }

    /// The subject key identifier extension's value, if present.
    pub fn subject_key_id(&self) -> Option<&[u8]> {
        self.subject_key_id.as_deref()
    }

    /// Start of validity (second precision).
    pub fn not_before(&self) -> Timestamp {
        self.not_before
    }

    /// End of validity (second precision).
    pub fn not_after(&self) -> Timestamp {
        self.not_after
    }

    /// The subject public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    /// The issuer `Name` exactly as encoded.
    pub fn issuer_der(&self) -> &[u8] {
        &self.der[self.signed.issuer.0..self.signed.issuer.1]
    }

    /// The serial number's content octets (big-endian, as encoded).
    pub fn serial_number(&self) -> &[u8] {
        &self.signed.serial
    }

    /// The authority key identifier's key identifier, if present.
    pub fn authority_key_id(&self) -> Option<&[u8]> {
        self.signed.authority_key_id.as_deref()
    }

    /// Whether the basic constraints extension marks the subject as a CA (Go's
    /// `BasicConstraintsValid && IsCA`).
    pub fn is_ca(&self) -> bool {
        self.signed.is_ca
    }

    /// The extended key usages; `None` when the extension is absent (Go then accepts the
    /// certificate for any usage).
    pub fn extended_key_usages(&self) -> Option<&[const_oid::ObjectIdentifier]> {
        self.signed.extended_key_usages.as_deref()
    }

    /// Whether `issuer`'s key signed this certificate (the signature check of Go's
    /// `CheckSignatureFrom`, without its CA-flag checks); the error is the verifier's text.
    pub fn check_signed_by(&self, issuer: &Self) -> Result<(), String> {
        super::request::check_signature(
            self.signed.signature_algorithm,
            &self.der[self.signed.tbs.0..self.signed.tbs.1],
            &self.signed.signature,
            issuer.public_key(),
        )
        .map_err(|e| e.to_string())
    }
}

impl std::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificate")
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .field("key", self.public_key.kind())
            .finish()
    }
}

/// A certificate with its TBS kept as encoded (the signed bytes).
#[derive(der::Sequence)]
struct RawCertificate<'a> {
    tbs_certificate: Tlv<'a>,
    signature_algorithm: Tlv<'a>,
    signature: Tlv<'a>,
}

/// The TBS fields as encoded; `x509_cert` has decoded and validated each of them already.
#[derive(der::Sequence)]
struct RawTbsCertificate<'a> {
    #[asn1(context_specific = "0", optional = "true")]
    version: Option<u8>,
    serial_number: Tlv<'a>,
    signature: Tlv<'a>,
    issuer: Tlv<'a>,
    validity: Tlv<'a>,
    subject: Tlv<'a>,
    subject_public_key_info: Tlv<'a>,
    rest: Rest<'a>,
}

fn to_timestamp(t: x509_cert::time::Time) -> Timestamp {
    let secs = t.to_unix_duration().as_secs();
    Timestamp::from_unix(i64::try_from(secs).unwrap_or(i64::MAX))
}

fn range_in(outer: &[u8], inner: &[u8]) -> (usize, usize) {
    let start = offset_in(outer, inner);
    (start, start + inner.len())
}

fn offset_in(outer: &[u8], inner: &[u8]) -> usize {
    (inner.as_ptr() as usize).saturating_sub(outer.as_ptr() as usize)
}
