//! PKCS#10 certificate requests as the API server reads `spec.request`: the first PEM block,
//! Go's `x509.ParseCertificateRequest`, and the self-signature check (`CheckSignature`).

use std::fmt;
use std::net::IpAddr;

use const_oid::ObjectIdentifier;
use der::Decode as _;
use der::asn1::{BitStringRef, UintRef};

use super::asn1::{self, Asn1Error, OptionalTlv, Rest, Tlv};
use super::name::Name;
use super::pem;

mod extensions;
mod verify;

use extensions::{parse_extension_request, parse_san};
use verify::{check_signature, point_on_curve};

/// A parsed PKCS#10 request whose self-signature verified (proof of possession of the key).
///
/// ```
/// use kube_tls_bootstrap::pki::{CertificateRequest, KeyKind, RequestError};
///
/// let pem = include_bytes!("../../tests/data/pki/corpus/kubelet-client-p256.csr.pem");
/// let csr = CertificateRequest::from_pem(pem).unwrap();
/// assert_eq!(csr.subject().common_name, "system:node:node-p256");
/// assert_eq!(csr.subject().organization, ["system:nodes"]);
/// assert_eq!(csr.public_key().kind(), &KeyKind::EcdsaP256);
///
/// let err = CertificateRequest::from_pem(b"not PEM").unwrap_err();
/// assert_eq!(err.to_string(), "PEM block type must be CERTIFICATE REQUEST");
/// assert_eq!(err.kind().as_str(), "pem");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct CertificateRequest {
    der: Vec<u8>,
    tbs_start: usize,
    tbs_end: usize,
    version: i64,
    name: Name,
    subject: super::name::Subject,
    public_key: PublicKey,
    signature_algorithm: SignatureAlgorithm,
    signature: Vec<u8>,
    extensions: Vec<Extension>,
    sans: SubjectAltNames,
}

/// A request that parsed but whose self-signature has not been checked yet.
///
/// Kubernetes parses first and verifies second; tools that report on a request whose
/// signature is bad still want its subject and name. [`UnverifiedRequest::verify`] turns it
/// into a [`CertificateRequest`].
#[derive(Clone, PartialEq, Eq)]
pub struct UnverifiedRequest(CertificateRequest);

/// A subject public key: the DER `SubjectPublicKeyInfo` and what kind of key it holds.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    spki: Vec<u8>,
    kind: KeyKind,
    /// The `subjectPublicKey` bit string contents (point, PKCS#1 key or raw Ed25519 key).
    key: Vec<u8>,
}

/// The kind of a subject public key, as Go's `x509` classifies it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyKind {
    /// ECDSA on NIST P-224 (Go accepts it; this crate cannot verify with it).
    EcdsaP224,
    /// ECDSA on NIST P-256 (what the kubelet generates).
    EcdsaP256,
    /// ECDSA on NIST P-384.
    EcdsaP384,
    /// ECDSA on NIST P-521.
    EcdsaP521,
    /// RSA (`rsaEncryption`) with a modulus of this many bits.
    Rsa {
        /// Bit length of the modulus.
        bits: usize,
    },
    /// Ed25519.
    Ed25519,
    /// DSA (Go parses it but never verifies with it).
    Dsa,
    /// A key algorithm Go's `x509` does not know (Ed448, id-RSASSA-PSS keys, …): the request
    /// parses but its signature cannot be checked.
    Other(ObjectIdentifier),
}

/// The signature algorithm of a request, with Go's names (`x509.SignatureAlgorithm`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureAlgorithm {
    /// `MD2-RSA` (never verified).
    Md2WithRsa,
    /// `MD5-RSA` (refused as insecure).
    Md5WithRsa,
    /// `SHA1-RSA` (accepted for requests).
    Sha1WithRsa,
    /// `SHA256-RSA`.
    Sha256WithRsa,
    /// `SHA384-RSA`.
    Sha384WithRsa,
    /// `SHA512-RSA`.
    Sha512WithRsa,
    /// `DSA-SHA1` (never verified).
    DsaWithSha1,
    /// `DSA-SHA256` (never verified).
    DsaWithSha256,
    /// `ECDSA-SHA1`.
    EcdsaWithSha1,
    /// `ECDSA-SHA256`.
    EcdsaWithSha256,
    /// `ECDSA-SHA384`.
    EcdsaWithSha384,
    /// `ECDSA-SHA512`.
    EcdsaWithSha512,
    /// `SHA256-RSAPSS` (salt length 32, MGF1 with SHA-256).
    Sha256WithRsaPss,
    /// `SHA384-RSAPSS`.
    Sha384WithRsaPss,
    /// `SHA512-RSAPSS`.
    Sha512WithRsaPss,
    /// `Ed25519`.
    Ed25519,
    /// Anything else (including PSS with parameters Go does not accept).
    Unknown,
}

/// One extension requested in the `extensionRequest` attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extension {
    /// The extension's OID.
    pub oid: ObjectIdentifier,
    /// Whether it was marked critical.
    pub critical: bool,
    /// The extension value (the contents of the OCTET STRING).
    pub value: Vec<u8>,
}

/// Subject alternative names, in the order they were requested within each kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SubjectAltNames {
    /// `dNSName` entries.
    pub dns_names: Vec<String>,
    /// `rfc822Name` entries.
    pub email_addresses: Vec<String>,
    /// `iPAddress` entries (16-byte entries are IPv6 addresses, even when IPv4-mapped).
    pub ip_addresses: Vec<IpAddr>,
    /// `uniformResourceIdentifier` entries, as encoded.
    pub uris: Vec<String>,
}

/// Why the API server refuses a `spec.request`. `Display` is the detail Kubernetes puts in its
/// `spec.request: Invalid value` message (Go's error text).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// No PEM block, or the first block is not `CERTIFICATE REQUEST`.
    #[error("PEM block type must be CERTIFICATE REQUEST")]
    Pem,
    /// The DER does not parse as PKCS#10 (Go parser text where this crate knows it).
    #[error("{0}")]
    Parse(String),
    /// The key or signature algorithm is refused or unsupported (insecure MD5, unknown
    /// algorithms, curves Go does not know).
    #[error("{0}")]
    UnsupportedAlgorithm(String),
    /// The self-signature does not verify.
    #[error("{0}")]
    Signature(String),
}

/// The category of a [`RequestError`], for callers that branch on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RequestErrorKind {
    /// See [`RequestError::Pem`].
    Pem,
    /// See [`RequestError::Parse`].
    Parse,
    /// See [`RequestError::UnsupportedAlgorithm`].
    UnsupportedAlgorithm,
    /// See [`RequestError::Signature`].
    Signature,
}

impl RequestErrorKind {
    /// `pem`, `parse`, `unsupported-algorithm` or `signature`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pem => "pem",
            Self::Parse => "parse",
            Self::UnsupportedAlgorithm => "unsupported-algorithm",
            Self::Signature => "signature",
        }
    }
}

impl RequestError {
    /// The category of the error.
    pub const fn kind(&self) -> RequestErrorKind {
        match self {
            Self::Pem => RequestErrorKind::Pem,
            Self::Parse(_) => RequestErrorKind::Parse,
            Self::UnsupportedAlgorithm(_) => RequestErrorKind::UnsupportedAlgorithm,
            Self::Signature(_) => RequestErrorKind::Signature,
        }
    }
}

impl From<Asn1Error> for RequestError {
    fn from(e: Asn1Error) -> Self {
        Self::Parse(e.to_string())
    }
}

/// The PEM label of a PKCS#10 request.
pub const CERTIFICATE_REQUEST_BLOCK_TYPE: &str = "CERTIFICATE REQUEST";

impl CertificateRequest {
    /// What the API server does with `spec.request`: the first PEM block must be
    /// `CERTIFICATE REQUEST`, its DER must parse, and the self-signature must verify.
    pub fn from_pem(pem_bytes: &[u8]) -> Result<Self, RequestError> {
        Self::from_der(&request_block(pem_bytes)?)
    }

    /// Parses a DER PKCS#10 request and verifies its self-signature.
    pub fn from_der(der: &[u8]) -> Result<Self, RequestError> {
        // The curve-point check Go does while parsing is deferred to the error path: a point
        // off the curve never verifies, and a valid request then pays for one check only.
        let request = parse(der, PointCheck::Deferred)?;
        let verdict = check_signature(
            request.signature_algorithm,
            request.tbs_der(),
            &request.signature,
            &request.public_key,
        );
        match verdict {
            Ok(()) => Ok(request),
            Err(_) if !point_on_curve(&request.public_key.kind, &request.public_key.key) => {
                Err(RequestError::Parse(OFF_CURVE.into()))
            }
            Err(e) => Err(e),
        }
    }

    /// The request's DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The request as a `CERTIFICATE REQUEST` PEM block (LF line endings).
    pub fn to_pem(&self) -> String {
        pem::encode(CERTIFICATE_REQUEST_BLOCK_TYPE, &self.der)
    }

    /// The signed part (`CertificationRequestInfo`) as encoded.
    pub fn tbs_der(&self) -> &[u8] {
        &self.der[self.tbs_start..self.tbs_end]
    }

    /// The `version` field (0 for PKCS#10 v1; Go does not check it).
    pub fn version(&self) -> i64 {
        self.version
    }

    /// The subject as Kubernetes checks it (Go's `pkix.Name` fields: last CN, all O values).
    pub fn subject(&self) -> &super::name::Subject {
        &self.subject
    }

    /// The subject exactly as encoded: RDN order, multi-valued RDNs and string types.
    pub fn name(&self) -> &Name {
        &self.name
    }

    /// The subject public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    /// The self-signature's algorithm.
    pub fn signature_algorithm(&self) -> SignatureAlgorithm {
        self.signature_algorithm
    }

    /// The self-signature's bytes.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The subject alternative names from the `extensionRequest` attribute (Go refuses a
    /// request that asks for an extension twice).
    pub fn subject_alt_names(&self) -> &SubjectAltNames {
        &self.sans
    }

    /// Every extension of the `extensionRequest` attributes, in order. The signer drops them.
    pub fn extensions(&self) -> &[Extension] {
        &self.extensions
    }
}

impl fmt::Debug for CertificateRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateRequest")
            .field("subject", &self.subject)
            .field("key", &self.public_key.kind)
            .field("signature_algorithm", &self.signature_algorithm)
            .field("sans", &self.sans)
            .field("extensions", &self.extensions.len())
            .finish()
    }
}

impl UnverifiedRequest {
    /// Go's `certificates.ParseCSR`: first PEM block, type `CERTIFICATE REQUEST`, PKCS#10 DER.
    pub fn from_pem(pem_bytes: &[u8]) -> Result<Self, RequestError> {
        Self::from_der(&request_block(pem_bytes)?)
    }

    /// Go's `x509.ParseCertificateRequest`.
    pub fn from_der(der: &[u8]) -> Result<Self, RequestError> {
        parse(der, PointCheck::Eager).map(Self)
    }

    /// Go's `CheckSignature` (SHA-1 allowed, MD5 refused).
    pub fn verify(self) -> Result<CertificateRequest, RequestError> {
        let r = &self.0;
        check_signature(
            r.signature_algorithm,
            r.tbs_der(),
            &r.signature,
            &r.public_key,
        )?;
        Ok(self.0)
    }

    /// The parsed request, signature unchecked.
    pub fn unverified(&self) -> &CertificateRequest {
        &self.0
    }
}

impl fmt::Debug for UnverifiedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("UnverifiedRequest").field(&self.0).finish()
    }
}

impl PublicKey {
    /// The DER `SubjectPublicKeyInfo` (what the kubelet's CSR name hashes).
    pub fn spki_der(&self) -> &[u8] {
        &self.spki
    }

    /// The kind of key.
    pub fn kind(&self) -> &KeyKind {
        &self.kind
    }

    /// The contents of the `subjectPublicKey` BIT STRING.
    pub fn key_bytes(&self) -> &[u8] {
        &self.key
    }

    /// The key as Go's `x509.MarshalPKIXPublicKey` writes the parsed key back — what the
    /// kubelet's `node-csr-` name hashes. It differs from [`PublicKey::spki_der`] only when the
    /// request's encoding carries something Go ignores while parsing (a trailing element in the
    /// SPKI, its AlgorithmIdentifier or the RSA key; test `pki_go_leniencies`). DSA and unknown
    /// algorithms, which Go cannot marshal, give the SPKI as encoded.
    pub fn marshal_pkix_der(&self) -> Vec<u8> {
        let (algorithm, key): (Vec<u8>, std::borrow::Cow<'_, [u8]>) = match &self.kind {
            KeyKind::EcdsaP224 | KeyKind::EcdsaP256 | KeyKind::EcdsaP384 | KeyKind::EcdsaP521 => {
                let curve = match self.kind {
                    KeyKind::EcdsaP224 => OID_P224,
                    KeyKind::EcdsaP256 => OID_P256,
                    KeyKind::EcdsaP384 => OID_P384,
                    _ => OID_P521,
                };
                let mut alg = asn1::encode(asn1::tag::OID, OID_EC_PUBLIC_KEY.as_bytes());
                asn1::encode_into(&mut alg, asn1::tag::OID, curve.as_bytes());
                (alg, self.key.as_slice().into())
            }
            KeyKind::Ed25519 => (
                asn1::encode(asn1::tag::OID, OID_ED25519.as_bytes()),
                self.key.as_slice().into(),
            ),
            KeyKind::Rsa { .. } => {
                // Parsing checked the key; a failure here would keep the bytes as encoded.
                let Ok(pkcs1) = RsaPublicKey::from_der(&self.key) else {
                    return self.spki.clone();
                };
                let mut body = asn1::positive_integer(pkcs1.modulus.as_bytes());
                body.extend_from_slice(&asn1::positive_integer(
                    &pkcs1.public_exponent.to_be_bytes(),
                ));
                let mut alg = asn1::encode(asn1::tag::OID, OID_RSA.as_bytes());
                alg.extend_from_slice(&[5, 0]);
                (alg, asn1::encode(asn1::tag::SEQUENCE, &body).into())
            }
            KeyKind::Dsa | KeyKind::Other(_) => return self.spki.clone(),
        };
        let mut bits = vec![0u8];
        bits.extend_from_slice(&key);
        let mut spki = asn1::encode(asn1::tag::SEQUENCE, &algorithm);
        asn1::encode_into(&mut spki, asn1::tag::BIT_STRING, &bits);
        asn1::encode(asn1::tag::SEQUENCE, &spki)
    }

    /// Parses a DER `SubjectPublicKeyInfo` as Go's `x509.ParsePKIXPublicKey` classifies it.
    pub fn from_spki_der(spki: &[u8]) -> Result<Self, RequestError> {
        let decoded = SubjectPublicKeyInfo::from_der(spki).map_err(Asn1Error::from)?;
        parse_public_key(spki, &decoded, PointCheck::Eager)
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("kind", &self.kind)
            .field("spki_len", &self.spki.len())
            .finish()
    }
}

impl KeyKind {
    /// A short name: `ecdsa-p256`, `rsa-2048`, `ed25519`, … (the OID for unknown keys).
    pub fn name(&self) -> String {
        match self {
            Self::EcdsaP224 => "ecdsa-p224".into(),
            Self::EcdsaP256 => "ecdsa-p256".into(),
            Self::EcdsaP384 => "ecdsa-p384".into(),
            Self::EcdsaP521 => "ecdsa-p521".into(),
            Self::Rsa { bits } => format!("rsa-{bits}"),
            Self::Ed25519 => "ed25519".into(),
            Self::Dsa => "dsa".into(),
            Self::Other(oid) if *oid == OID_ED448 => "ed448".into(),
            Self::Other(oid) if *oid == OID_RSASSA_PSS => "rsa-pss".into(),
            Self::Other(oid) => oid.to_string(),
        }
    }

    /// Whether this is an ECDSA key (any curve).
    pub fn is_ecdsa(&self) -> bool {
        matches!(
            self,
            Self::EcdsaP224 | Self::EcdsaP256 | Self::EcdsaP384 | Self::EcdsaP521
        )
    }

    /// Whether this is an RSA key (the kubelet then also requests `key encipherment`).
    pub fn is_rsa(&self) -> bool {
        matches!(self, Self::Rsa { .. })
    }
}

impl SignatureAlgorithm {
    /// Go's `SignatureAlgorithm.String()`, e.g. `ECDSA-SHA256`; `0` for unknown.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Md2WithRsa => "MD2-RSA",
            Self::Md5WithRsa => "MD5-RSA",
            Self::Sha1WithRsa => "SHA1-RSA",
            Self::Sha256WithRsa => "SHA256-RSA",
            Self::Sha384WithRsa => "SHA384-RSA",
            Self::Sha512WithRsa => "SHA512-RSA",
            Self::DsaWithSha1 => "DSA-SHA1",
            Self::DsaWithSha256 => "DSA-SHA256",
            Self::EcdsaWithSha1 => "ECDSA-SHA1",
            Self::EcdsaWithSha256 => "ECDSA-SHA256",
            Self::EcdsaWithSha384 => "ECDSA-SHA384",
            Self::EcdsaWithSha512 => "ECDSA-SHA512",
            Self::Sha256WithRsaPss => "SHA256-RSAPSS",
            Self::Sha384WithRsaPss => "SHA384-RSAPSS",
            Self::Sha512WithRsaPss => "SHA512-RSAPSS",
            Self::Ed25519 => "Ed25519",
            Self::Unknown => "0",
        }
    }
}

impl fmt::Display for SignatureAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// ---------------------------------------------------------------------------------------------

pub(crate) const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_RSASSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
pub(crate) const OID_EC_PUBLIC_KEY: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
pub(crate) const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const OID_ED448: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.113");
const OID_DSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10040.4.1");
const OID_P224: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.33");
pub(crate) const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
pub(crate) const OID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const OID_P521: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");
const OID_EXTENSION_REQUEST: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.14");
pub(crate) const OID_SAN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");
const OID_MGF1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.8");
const OID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const OID_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const OID_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");

/// Go's `signatureAlgorithmDetails` table (OID → algorithm), PSS handled separately.
const SIGNATURE_OIDS: [(ObjectIdentifier, SignatureAlgorithm); 16] = [
    (
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.2"),
        SignatureAlgorithm::Md2WithRsa,
    ),
    (
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.4"),
        SignatureAlgorithm::Md5WithRsa,
    ),
    (
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.5"),
        SignatureAlgorithm::Sha1WithRsa,
    ),
    (
        ObjectIdentifier::new_unwrap("1.3.14.3.2.29"),
        SignatureAlgorithm::Sha1WithRsa,
    ),
    (
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11"),
        SignatureAlgorithm::Sha256WithRsa,
    ),
    (
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12"),
        SignatureAlgorithm::Sha384WithRsa,
    ),
    (
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13"),
        SignatureAlgorithm::Sha512WithRsa,
    ),
    (
        ObjectIdentifier::new_unwrap("1.2.840.10040.4.3"),
        SignatureAlgorithm::DsaWithSha1,
    ),
    (
        ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.3.2"),
        SignatureAlgorithm::DsaWithSha256,
    ),
    (
        ObjectIdentifier::new_unwrap("1.2.840.10045.4.1"),
        SignatureAlgorithm::EcdsaWithSha1,
    ),
    (
        ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2"),
        SignatureAlgorithm::EcdsaWithSha256,
    ),
    (
        ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3"),
        SignatureAlgorithm::EcdsaWithSha384,
    ),
    (
        ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.4"),
        SignatureAlgorithm::EcdsaWithSha512,
    ),
    (
        ObjectIdentifier::new_unwrap("1.3.101.112"),
        SignatureAlgorithm::Ed25519,
    ),
    (
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10"),
        SignatureAlgorithm::Unknown,
    ),
    (
        ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.14"),
        SignatureAlgorithm::Unknown,
    ),
];

/// The contents of the first PEM block, which must be a `CERTIFICATE REQUEST` (Go's
/// `pem.Decode` then the API server's type check).
fn request_block(pem_bytes: &[u8]) -> Result<Vec<u8>, RequestError> {
    match pem::decode(pem_bytes) {
        Some((block, _)) if block.label == CERTIFICATE_REQUEST_BLOCK_TYPE => Ok(block.contents),
        _ => Err(RequestError::Pem),
    }
}

/// When Go's on-curve check of an ECDSA public key runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PointCheck {
    Eager,
    Deferred,
}

const OFF_CURVE: &str = "x509: failed to unmarshal elliptic curve point";

// Go's structs of `x509.ParseCertificateRequest`, as `der` typed decoders. Each ends in a
// `Rest` field because Go ignores what follows a struct's last field; `Tlv` stands where Go
// has an `asn1.RawValue` (see asn1.rs for why `AnyRef` cannot).

/// `certificateRequest` (RFC 2986 `CertificationRequest`).
#[derive(der::Sequence)]
struct CertificationRequest<'a> {
    /// Kept as encoded: the signature covers these bytes.
    info: Tlv<'a>,
    signature_algorithm: AlgorithmIdentifier<'a>,
    signature: BitStringRef<'a>,
    rest: Rest<'a>,
}

/// `tbsCertificateRequest` (RFC 2986 `CertificationRequestInfo`).
#[derive(der::Sequence)]
struct CertificationRequestInfo<'a> {
    /// Go reads an `int` and does not check it.
    version: i64,
    /// Parsed as a `Name` after the public key, in Go's order.
    subject: Tlv<'a>,
    subject_public_key_info: Tlv<'a>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT")]
    attributes: Vec<Tlv<'a>>,
    rest: Rest<'a>,
}

/// `pkix.AlgorithmIdentifier`.
#[derive(der::Sequence)]
pub(crate) struct AlgorithmIdentifier<'a> {
    pub(crate) algorithm: ObjectIdentifier,
    pub(crate) parameters: OptionalTlv<'a>,
    rest: Rest<'a>,
}

/// `publicKeyInfo` (`SubjectPublicKeyInfo`).
#[derive(der::Sequence)]
struct SubjectPublicKeyInfo<'a> {
    algorithm: AlgorithmIdentifier<'a>,
    subject_public_key: BitStringRef<'a>,
    rest: Rest<'a>,
}

/// `pssParameters`: hash, MGF and salt length required, trailer field optional (default 1).
#[derive(der::Sequence)]
struct RsaPssParameters<'a> {
    #[asn1(context_specific = "0")]
    hash: AlgorithmIdentifier<'a>,
    #[asn1(context_specific = "1")]
    mask_gen: AlgorithmIdentifier<'a>,
    #[asn1(context_specific = "2")]
    salt_length: i64,
    #[asn1(context_specific = "3", optional = "true")]
    trailer_field: Option<i64>,
    rest: Rest<'a>,
}

/// `pkcs1PublicKey`: `N *big.Int`, `E int`.
#[derive(der::Sequence)]
struct RsaPublicKey<'a> {
    modulus: UintRef<'a>,
    public_exponent: i64,
    rest: Rest<'a>,
}

fn parse(der: &[u8], point_check: PointCheck) -> Result<CertificateRequest, RequestError> {
    // Go unmarshals the whole structure first (trailing data after it refused), then reads the
    // public key, the subject and the extensions, in that order.
    let request = CertificationRequest::from_der(der).map_err(Asn1Error::from)?;
    let info = CertificationRequestInfo::from_der(request.info.full).map_err(Asn1Error::from)?;
    let spki = SubjectPublicKeyInfo::from_der(info.subject_public_key_info.full)
        .map_err(Asn1Error::from)?;
    let signature = asn1::go_bit_string(&request.signature)?.to_vec();
    let signature_algorithm = signature_algorithm(&request.signature_algorithm);

    // A deferred curve check still wins over any later parse error, as it would in Go.
    let public_key = parse_public_key(info.subject_public_key_info.full, &spki, point_check)?;
    let rest_of_parse = || -> Result<_, RequestError> {
        let name = Name::from_der(info.subject.full)?;
        let extensions = parse_extension_request(&info.attributes)?;
        let mut sans = SubjectAltNames::default();
        for ext in &extensions {
            if ext.oid == OID_SAN {
                sans = parse_san(&ext.value)?;
            }
        }
        Ok((name, extensions, sans))
    };
    let (name, extensions, sans) = match rest_of_parse() {
        Ok(parts) => parts,
        Err(_) if !point_on_curve(&public_key.kind, &public_key.key) => {
            return Err(RequestError::Parse(OFF_CURVE.into()));
        }
        Err(e) => return Err(e),
    };

    let tbs_start = offset_in(der, request.info.full);
    Ok(CertificateRequest {
        der: der.to_vec(),
        tbs_start,
        tbs_end: tbs_start + request.info.full.len(),
        version: info.version,
        subject: name.subject(),
        name,
        public_key,
        signature_algorithm,
        signature,
        extensions,
        sans,
    })
}

fn offset_in(outer: &[u8], inner: &[u8]) -> usize {
    (inner.as_ptr() as usize).saturating_sub(outer.as_ptr() as usize)
}

/// Whether parameters are absent or NULL (what Go allows for PSS hash parameters).
fn absent_or_null(params: &OptionalTlv<'_>) -> bool {
    params.0.is_none_or(|t| t.full == [5, 0])
}

/// Go's `getSignatureAlgorithmFromAI`.
fn signature_algorithm(ai: &AlgorithmIdentifier<'_>) -> SignatureAlgorithm {
    let oid = ai.algorithm;
    if oid == OID_RSASSA_PSS {
        return ai
            .parameters
            .0
            .map_or(SignatureAlgorithm::Unknown, |p| pss_algorithm(p.full));
    }
    if oid == OID_ED25519 && ai.parameters.0.is_some() {
        return SignatureAlgorithm::Unknown;
    }
    SIGNATURE_OIDS
        .iter()
        .find(|(known, _)| *known == oid)
        .map_or(SignatureAlgorithm::Unknown, |(_, a)| *a)
}

/// RSASSA-PSS-params as Go accepts them: MGF1 with the message hash, salt length equal to the
/// hash length, trailer field 1, hash parameters absent or NULL.
fn pss_algorithm(params: &[u8]) -> SignatureAlgorithm {
    let Ok(params) = RsaPssParameters::from_der(params) else {
        return SignatureAlgorithm::Unknown;
    };
    let Some(Ok(mgf_hash)) = params
        .mask_gen
        .parameters
        .0
        .map(|p| AlgorithmIdentifier::from_der(p.full))
    else {
        return SignatureAlgorithm::Unknown;
    };
    let hash = params.hash.algorithm;
    if !absent_or_null(&params.hash.parameters)
        || params.mask_gen.algorithm != OID_MGF1
        || mgf_hash.algorithm != hash
        || !absent_or_null(&mgf_hash.parameters)
        || params.trailer_field.unwrap_or(1) != 1
    {
        return SignatureAlgorithm::Unknown;
    }
    match (hash, params.salt_length) {
        (h, 32) if h == OID_SHA256 => SignatureAlgorithm::Sha256WithRsaPss,
        (h, 48) if h == OID_SHA384 => SignatureAlgorithm::Sha384WithRsaPss,
        (h, 64) if h == OID_SHA512 => SignatureAlgorithm::Sha512WithRsaPss,
        _ => SignatureAlgorithm::Unknown,
    }
}

/// Go's `parsePublicKey` (errors worded as Go words them) over a decoded
/// `SubjectPublicKeyInfo` whose encoding is `spki_der`.
fn parse_public_key(
    spki_der: &[u8],
    spki: &SubjectPublicKeyInfo<'_>,
    point_check: PointCheck,
) -> Result<PublicKey, RequestError> {
    let key = asn1::go_bit_string(&spki.subject_public_key)?;
    let oid = spki.algorithm.algorithm;
    let params = spki.algorithm.parameters.0;
    let parse_err = |s: &str| RequestError::Parse(s.to_owned());
    let kind = if oid == OID_RSA {
        if params.is_none_or(|p| p.full != [5, 0]) {
            return Err(parse_err("x509: RSA key missing NULL parameters"));
        }
        let bits =
            rsa_modulus_bits(key).ok_or_else(|| parse_err("x509: invalid RSA public key"))?;
        KeyKind::Rsa { bits }
    } else if oid == OID_EC_PUBLIC_KEY {
        let curve = params
            .and_then(|p| ObjectIdentifier::from_der(p.full).ok())
            .ok_or_else(|| parse_err("x509: failed to parse ECDSA parameters as named curve"))?;
        let (kind, coordinate_len) = match curve {
            c if c == OID_P224 => (KeyKind::EcdsaP224, 28),
            c if c == OID_P256 => (KeyKind::EcdsaP256, 32),
            c if c == OID_P384 => (KeyKind::EcdsaP384, 48),
            c if c == OID_P521 => (KeyKind::EcdsaP521, 66),
            _ => {
                return Err(RequestError::UnsupportedAlgorithm(
                    "x509: unsupported elliptic curve".into(),
                ));
            }
        };
        // Go's elliptic.Unmarshal takes only the uncompressed form.
        if key.len() != 1 + 2 * coordinate_len
            || key[0] != 4
            || (point_check == PointCheck::Eager && !point_on_curve(&kind, key))
        {
            return Err(parse_err(OFF_CURVE));
        }
        kind
    } else if oid == OID_ED25519 {
        if params.is_some() {
            return Err(parse_err(
                "x509: Ed25519 key encoded with illegal parameters",
            ));
        }
        if key.len() != 32 {
            return Err(parse_err("x509: wrong Ed25519 public key size"));
        }
        KeyKind::Ed25519
    } else if oid == OID_DSA {
        KeyKind::Dsa
    } else {
        KeyKind::Other(oid)
    };
    Ok(PublicKey {
        spki: spki_der.to_vec(),
        kind,
        key: key.to_vec(),
    })
}

/// Go's `pkcs1PublicKey` (trailing data after it refused): the modulus and the exponent must be
/// positive. Returns the modulus bit length.
fn rsa_modulus_bits(pkcs1: &[u8]) -> Option<usize> {
    let key = RsaPublicKey::from_der(pkcs1).ok()?;
    // `UintRef` refuses a negative modulus; a zero one has no significant byte.
    let n = key.modulus.as_bytes();
    if key.public_exponent <= 0 {
        return None;
    }
    let magnitude = &n[n.iter().take_while(|&&b| b == 0).count()..];
    let first = *magnitude.first()?;
    Some(magnitude.len() * 8 - first.leading_zeros() as usize)
}
