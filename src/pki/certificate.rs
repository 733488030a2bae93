//! X.509 certificates: `status.certificate` validation, and the CA certificate the signer
//! loads.

use der::Decode as _;

use super::asn1::{self, tag};
use super::name::{Name, Subject};
use super::pem;
use super::request::{self, PublicKey};
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
}

/// A certificate that does not parse, or a `status.certificate` that Kubernetes refuses.
/// `Display` is the detail of Kubernetes' `status.certificate: Invalid value` message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CertificateError {
    /// A PEM block that is not `CERTIFICATE`.
    #[error("only CERTIFICATE PEM blocks are allowed, found {}", super::go::quote(.0))]
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
        let (tlv, rest) = asn1::read(der).map_err(|e| CertificateError::Parse(e.to_string()))?;
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
    /// Parses one DER certificate (x509-cert validates the structure; the subject, key
    /// identifier and validity are read as encoded).
    pub fn from_der(der: &[u8]) -> Result<Self, CertificateError> {
        let parse = |e: String| CertificateError::Parse(e);
        let cert = x509_cert::Certificate::from_der(der).map_err(|e| parse(e.to_string()))?;
        let tbs = cert.tbs_certificate();
        let not_before = to_timestamp(tbs.validity().not_before);
        let not_after = to_timestamp(tbs.validity().not_after);

        // Walk the TBS for the raw subject and key: Go copies the CA's subject bytes into the
        // issuer field unchanged.
        let outer = asn1::read_all(der).map_err(|e| parse(e.to_string()))?;
        let (tbs_tlv, _) = asn1::read(outer.value).map_err(|e| parse(e.to_string()))?;
        let mut fields = asn1::elements(tbs_tlv.value).map_err(|e| parse(e.to_string()))?;
        if fields.first().is_some_and(|f| f.tag == tag::CONTEXT_0) {
            fields.remove(0);
        }
        // serial, signature, issuer, validity, subject, spki, …
        let (Some(subject), Some(spki)) = (fields.get(4), fields.get(5)) else {
            return Err(parse("malformed tbs certificate".into()));
        };
        let start = offset_in(der, subject.full);
        let name = Name::from_der(subject.full).map_err(|e| parse(e.to_string()))?;
        let public_key = PublicKey::from_spki_der(spki.full).map_err(|e| parse(e.to_string()))?;

        let mut subject_key_id = None;
        if let Some(ext_field) = fields.iter().find(|f| f.tag == tag::CONTEXT_3) {
            let seq = asn1::read_all(ext_field.value).map_err(|e| parse(e.to_string()))?;
            for ext in asn1::elements(seq.value).map_err(|e| parse(e.to_string()))? {
                let ext = request::parse_extension(&ext).map_err(|e| parse(e.to_string()))?;
                if ext.oid == OID_SUBJECT_KEY_ID {
                    let id = asn1::read_all(&ext.value).map_err(|e| parse(e.to_string()))?;
                    if id.tag != tag::OCTET_STRING {
                        return Err(parse("invalid subject key identifier".into()));
                    }
                    subject_key_id = Some(id.value.to_vec());
                }
            }
        }
        Ok(Self {
            der: der.to_vec(),
            subject: (start, start + subject.full.len()),
            name,
            subject_key_id,
            not_before,
            not_after,
            public_key,
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

const OID_SUBJECT_KEY_ID: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("2.5.29.14");

fn to_timestamp(t: x509_cert::time::Time) -> Timestamp {
    let secs = t.to_unix_duration().as_secs();
    Timestamp::from_unix(i64::try_from(secs).unwrap_or(i64::MAX))
}

fn offset_in(outer: &[u8], inner: &[u8]) -> usize {
    (inner.as_ptr() as usize).saturating_sub(outer.as_ptr() as usize)
}
