//! Go's `x509.ParseCertificateRequest` with `der` typed decoders: the request structure, the
//! signature algorithm (`getSignatureAlgorithmFromAI`) and the public key (`parsePublicKey`).

use const_oid::ObjectIdentifier;
use der::Decode as _;
use der::asn1::{BitStringRef, UintRef};

use super::extensions::{parse_extension_request, parse_san};
use super::verify::point_on_curve;
use super::{
    CertificateRequest, KeyKind, OFF_CURVE, OID_DSA, OID_EC_PUBLIC_KEY, OID_ED25519, OID_MGF1,
    OID_P224, OID_P256, OID_P384, OID_P521, OID_RSA, OID_RSASSA_PSS, OID_SAN, OID_SHA256,
    OID_SHA384, OID_SHA512, PointCheck, PublicKey, RequestError, SignatureAlgorithm,
    SubjectAltNames,
};
use crate::pki::asn1::{self, Asn1Error, OptionalTlv, Rest, Tlv};
use crate::pki::name::Name;

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
struct AlgorithmIdentifier<'a> {
    algorithm: ObjectIdentifier,
    parameters: OptionalTlv<'a>,
    rest: Rest<'a>,
}

/// `publicKeyInfo` (`SubjectPublicKeyInfo`).
#[derive(der::Sequence)]
pub(super) struct SubjectPublicKeyInfo<'a> {
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
pub(super) struct RsaPublicKey<'a> {
    pub(super) modulus: UintRef<'a>,
    pub(super) public_exponent: i64,
    rest: Rest<'a>,
}

pub(super) fn parse(
    der: &[u8],
    point_check: PointCheck,
) -> Result<CertificateRequest, RequestError> {
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

/// Go's `getSignatureAlgorithmFromAI` over a DER `AlgorithmIdentifier` (a certificate's
/// `signatureAlgorithm`); `Unknown` when it does not parse.
pub(crate) fn signature_algorithm_der(der: &[u8]) -> SignatureAlgorithm {
    AlgorithmIdentifier::from_der(der)
        .map_or(SignatureAlgorithm::Unknown, |ai| signature_algorithm(&ai))
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
pub(super) fn parse_public_key(
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
