//! PKCS#10 certificate requests as the API server reads `spec.request`: the first PEM block,
//! Go's `x509.ParseCertificateRequest`, and the self-signature check (`CheckSignature`).

use std::fmt;
use std::net::IpAddr;

use const_oid::ObjectIdentifier;
use der::Decode as _;

use super::asn1::{self, Asn1Error};
use super::name::Name;
use super::pem;

mod extensions;
mod parse;
mod verify;

pub(crate) use parse::signature_algorithm_der;
use parse::{RsaPublicKey, SubjectPublicKeyInfo, parse, parse_public_key};
pub(crate) use verify::check_signature;
use verify::point_on_curve;

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

    /// Proof that this request's bytes verified, for [`CertificateRequest::from_der_verified`].
    pub fn verified_digest(&self) -> VerifiedDigest {
        VerifiedDigest(sha256(&self.der))
    }

    /// [`CertificateRequest::from_pem`] for bytes that may have verified before: when the
    /// block's DER is the one `proof` was made from, the self-signature is not checked again.
    /// The result is always what `from_pem` returns; only its cost differs.
    pub fn from_pem_verified(
        pem_bytes: &[u8],
        proof: &VerifiedDigest,
    ) -> Result<Self, RequestError> {
        Self::from_der_verified(&request_block(pem_bytes)?, proof)
    }

    /// [`CertificateRequest::from_der`] for bytes that may have verified before (see
    /// [`VerifiedDigest`]): equal bytes are parsed without checking the signature again, other
    /// bytes are verified in full.
    ///
    /// ```
    /// use kube_tls_bootstrap::pki::CertificateRequest;
    ///
    /// let pem = include_bytes!("../../tests/data/pki/corpus/kubelet-client-p256.csr.pem");
    /// let admitted = CertificateRequest::from_pem(pem).unwrap();
    /// let proof = admitted.verified_digest();
    /// // Later, the signer reads `spec.request` again: no second verification.
    /// assert_eq!(CertificateRequest::from_pem_verified(pem, &proof).unwrap(), admitted);
    /// // Other bytes prove nothing and are verified (or refused) as usual.
    /// let other = include_bytes!("../../tests/data/pki/corpus/client-corrupt-signature.csr.pem");
    /// assert!(CertificateRequest::from_pem_verified(other, &proof).is_err());
    /// ```
    pub fn from_der_verified(der: &[u8], proof: &VerifiedDigest) -> Result<Self, RequestError> {
        if sha256(der) == proof.0 {
            // These bytes verified (only a verified request makes a proof), and parsing and
            // verifying are functions of the bytes alone.
            parse(der, PointCheck::Deferred)
        } else {
            Self::from_der(der)
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

/// Proof that a request verified: the SHA-256 digest of its DER, made only by
/// [`CertificateRequest::verified_digest`] — there is no other way to build one — and honoured
/// by [`CertificateRequest::from_der_verified`], so bytes verified once (at admission) are not
/// verified again (when the signer reads `spec.request`). Kubernetes verifies the same request
/// at least twice; with the proof the crate verifies it once.
///
/// The proof lives in memory and is deliberately not serialisable: bytes read back after a
/// restart are verified again. `Debug` shows the digest in hex.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct VerifiedDigest([u8; 32]);

impl VerifiedDigest {
    /// The SHA-256 digest of the verified request's DER.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Whether this is the proof of the request in `pem_bytes` (its first PEM block, which must
    /// be a `CERTIFICATE REQUEST`): the digest of that block's DER is this one. Nothing is
    /// parsed or verified.
    ///
    /// ```
    /// use kube_tls_bootstrap::pki::CertificateRequest;
    ///
    /// let pem = include_bytes!("../../tests/data/pki/corpus/kubelet-client-p256.csr.pem");
    /// let proof = CertificateRequest::from_pem(pem).unwrap().verified_digest();
    /// assert!(proof.is_proof_of_pem(pem));
    /// let other = include_bytes!("../../tests/data/pki/corpus/client-corrupt-signature.csr.pem");
    /// assert!(!proof.is_proof_of_pem(other));
    /// ```
    pub fn is_proof_of_pem(&self, pem_bytes: &[u8]) -> bool {
        request_block(pem_bytes).is_ok_and(|der| sha256(&der) == self.0)
    }
}

impl fmt::Debug for VerifiedDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VerifiedDigest(")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        f.write_str(")")
    }
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).into()
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
pub(crate) const OID_P521: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");
const OID_EXTENSION_REQUEST: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.14");
pub(crate) const OID_SAN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");
const OID_MGF1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.8");
const OID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const OID_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const OID_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");

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
