//! The `extensionRequest` attribute of a PKCS#10 request and the extensions it carries, as Go's
//! `crypto/x509` reads them (subject alternative names above all).

use std::net::IpAddr;

use const_oid::ObjectIdentifier;

use super::{Extension, OID_EXTENSION_REQUEST, RequestError, SubjectAltNames};
use crate::pki::asn1::{self, Asn1Error, Tlv, tag};

/// Go's `parseCSRExtensions`: attributes that do not parse are ignored; the first value of each
/// `extensionRequest` attribute must be a sequence of extensions.
pub(super) fn parse_extension_request(attributes: &[u8]) -> Result<Vec<Extension>, RequestError> {
    let mut out = Vec::new();
    for attr in asn1::elements(attributes)? {
        let Some((oid, first_value)) = attribute(&attr) else {
            continue;
        };
        if oid != OID_EXTENSION_REQUEST {
            continue;
        }
        let seq = asn1::read(first_value.full)?.0;
        if seq.tag != tag::SEQUENCE {
            return Err(Asn1Error::Structure(
                "asn1: structure error: tags don't match (Extensions)".into(),
            )
            .into());
        }
        for ext in asn1::elements(seq.value)? {
            out.push(parse_extension(&ext)?);
        }
    }
    Ok(out)
}

/// Attribute ::= SEQUENCE { type OID, values SET OF ANY } with at least one value.
fn attribute<'a>(attr: &Tlv<'a>) -> Option<(ObjectIdentifier, Tlv<'a>)> {
    if attr.tag != tag::SEQUENCE {
        return None;
    }
    let (oid_tlv, rest) = asn1::read(attr.value).ok()?;
    let oid = asn1::oid(&oid_tlv).ok()?;
    let (set, rest) = asn1::read(rest).ok()?;
    if set.tag != tag::SET || !rest.is_empty() {
        return None;
    }
    let values = asn1::elements(set.value).ok()?;
    values.first().map(|v| (oid, *v))
}

/// Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
pub(crate) fn parse_extension(ext: &Tlv<'_>) -> Result<Extension, Asn1Error> {
    if ext.tag != tag::SEQUENCE {
        return Err(asn1::structure(
            "asn1: structure error: tags don't match (Extension)",
        ));
    }
    let (oid_tlv, mut rest) = asn1::read(ext.value)?;
    let oid = asn1::oid(&oid_tlv)?;
    let mut critical = false;
    let (mut next, after) = asn1::read(rest)?;
    if next.tag == tag::BOOLEAN {
        critical = match next.value {
            [0x00] => false,
            [0xff] => true,
            _ => return Err(asn1::structure("asn1: syntax error: invalid boolean")),
        };
        (next, rest) = asn1::read(after)?;
    } else {
        rest = after;
    }
    let _ = rest;
    if next.tag != tag::OCTET_STRING {
        return Err(asn1::structure(
            "asn1: structure error: tags don't match (extnValue)",
        ));
    }
    Ok(Extension {
        oid,
        critical,
        value: next.value.to_vec(),
    })
}

/// Go's `parseSANExtension`.
pub(super) fn parse_san(value: &[u8]) -> Result<SubjectAltNames, RequestError> {
    let seq = asn1::read_all(value)
        .map_err(|_| RequestError::Parse("x509: invalid subject alternative names".into()))?;
    if seq.tag != tag::SEQUENCE {
        return Err(RequestError::Parse(
            "x509: invalid subject alternative names".into(),
        ));
    }
    let mut sans = SubjectAltNames::default();
    let ia5 = |v: &[u8], what: &str| -> Result<String, RequestError> {
        if v.is_ascii() {
            Ok(v.iter().map(|&b| char::from(b)).collect())
        } else {
            Err(RequestError::Parse(format!(
                "x509: SAN {what} is malformed"
            )))
        }
    };
    for name in asn1::elements(seq.value)
        .map_err(|_| RequestError::Parse("x509: invalid subject alternative name".into()))?
    {
        match name.tag {
            0x81 => sans.email_addresses.push(ia5(name.value, "rfc822Name")?),
            0x82 => sans.dns_names.push(ia5(name.value, "dNSName")?),
            0x86 => sans
                .uris
                .push(ia5(name.value, "uniformResourceIdentifier")?),
            0x87 => {
                let ip = match name.value.len() {
                    4 => {
                        let mut a = [0u8; 4];
                        a.copy_from_slice(name.value);
                        IpAddr::from(a)
                    }
                    16 => {
                        let mut a = [0u8; 16];
                        a.copy_from_slice(name.value);
                        IpAddr::from(a)
                    }
                    n => {
                        return Err(RequestError::Parse(format!(
                            "x509: cannot parse IP address of length {n}"
                        )));
                    }
                };
                sans.ip_addresses.push(ip);
            }
            _ => {}
        }
    }
    Ok(sans)
}
