//! The certificate Go's `x509.CreateCertificate` writes for the signer's template: the
//! TBSCertificate assembled field by field, in Go's encoding and extension order.

use std::net::IpAddr;

use const_oid::ObjectIdentifier;

use super::super::asn1::{self, tag};
use super::super::key::CertificateSignatureAlgorithm;
use super::super::request::{CertificateRequest, SubjectAltNames};
use super::super::usage::KeyUsage;
use super::SignError;
use crate::time::Timestamp;

/// What `x509.CreateCertificate` is given: the signer's template, the request's key and the
/// CA (its subject bytes, its subject key identifier, its key's algorithm).
pub(super) struct Template<'a> {
    pub(super) serial: &'a [u8; 16],
    pub(super) signature_algorithm: CertificateSignatureAlgorithm,
    pub(super) issuer: &'a [u8],
    pub(super) issuer_key_id: Option<&'a [u8]>,
    pub(super) not_before: Timestamp,
    pub(super) not_after: Timestamp,
    pub(super) request: &'a CertificateRequest,
    pub(super) usages: &'a [KeyUsage],
}

/// The DER `TBSCertificate`: version 3, the serial as a positive INTEGER, the algorithm, the
/// issuer bytes unchanged, the validity, the subject re-encoded as Go does, the request's
/// `SubjectPublicKeyInfo`, then the extensions in Go's order — KeyUsage (critical),
/// ExtKeyUsage, BasicConstraints `CA:FALSE` (critical), AuthorityKeyIdentifier from the CA's
/// SKI (unless self-issued), SubjectAltName (critical when the subject is empty).
pub(super) fn tbs_certificate(t: &Template<'_>) -> Result<Vec<u8>, SignError> {
    let (key_usage, ext_key_usages) = map_usages(t.usages);
    let subject = t.request.subject().to_der();

    let mut tbs = Vec::with_capacity(1024);
    tbs.extend_from_slice(&[0xa0, 0x03, 0x02, 0x01, 0x02]);
    tbs.extend_from_slice(&asn1::positive_integer(t.serial));
    tbs.extend_from_slice(&t.signature_algorithm.algorithm_identifier());
    tbs.extend_from_slice(t.issuer);
    let mut validity = encode_time(t.not_before)?;
    validity.extend_from_slice(&encode_time(t.not_after)?);
    asn1::encode_into(&mut tbs, tag::SEQUENCE, &validity);
    tbs.extend_from_slice(&subject);
    tbs.extend_from_slice(t.request.public_key().spki_der());

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
    if let Some(ski) = t.issuer_key_id
        && t.issuer != subject.as_slice()
    {
        let key_id = asn1::encode(0x80, ski);
        push_extension(
            &mut extensions,
            OID_AUTHORITY_KEY_ID,
            false,
            &asn1::encode(tag::SEQUENCE, &key_id),
        );
    }
    let sans = t.request.subject_alt_names();
    if has_sans(sans) {
        let critical = subject == [0x30, 0x00];
        push_extension(&mut extensions, OID_SAN, critical, &encode_sans(sans));
    }
    let extensions = asn1::encode(tag::SEQUENCE, &extensions);
    asn1::encode_into(&mut tbs, tag::CONTEXT_3, &extensions);
    Ok(asn1::encode(tag::SEQUENCE, &tbs))
}

/// The DER `Certificate`: the TBS, the algorithm again, the signature as a BIT STRING.
pub(super) fn certificate(
    tbs: Vec<u8>,
    algorithm: CertificateSignatureAlgorithm,
    signature: &[u8],
) -> Vec<u8> {
    let mut bits = Vec::with_capacity(signature.len() + 1);
    bits.push(0);
    bits.extend_from_slice(signature);
    let mut cert = tbs;
    cert.extend_from_slice(&algorithm.algorithm_identifier());
    asn1::encode_into(&mut cert, tag::BIT_STRING, &bits);
    asn1::encode(tag::SEQUENCE, &cert)
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
}
