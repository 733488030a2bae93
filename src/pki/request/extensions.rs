//! The `extensionRequest` attribute of a PKCS#10 request and the extensions it carries, as Go's
//! `crypto/x509` reads them (subject alternative names above all).

use std::net::IpAddr;

use const_oid::ObjectIdentifier;
use der::Decode as _;
use der::asn1::OctetStringRef;

use super::{Extension, OID_EXTENSION_REQUEST, RequestError, SubjectAltNames};
use crate::pki::asn1::{self, Asn1Error, Rest, SetOfTlv, Tlv};

/// Go's `pkcs10Attribute`: an OID and a SET OF values.
#[derive(der::Sequence)]
struct Pkcs10Attribute<'a> {
    id: ObjectIdentifier,
    values: SetOfTlv<'a>,
    rest: Rest<'a>,
}

/// Go's `pkix.Extension` (`x509_cert::ext::Extension` would refuse what Go ignores after the
/// value, see asn1.rs; case `extension-trailing-element` in tests/data/pki/go-leniencies).
#[derive(der::Sequence)]
struct RequestedExtension<'a> {
    extn_id: ObjectIdentifier,
    #[asn1(default = "Default::default")]
    critical: bool,
    extn_value: &'a OctetStringRef,
    rest: Rest<'a>,
}

/// Go's `parseCSRExtensions`: attributes that do not parse are ignored; the first value of each
/// `extensionRequest` attribute must be a sequence of extensions, and no extension may be
/// requested twice (across all such attributes).
pub(super) fn parse_extension_request(
    attributes: &[Tlv<'_>],
) -> Result<Vec<Extension>, RequestError> {
    let mut out = Vec::new();
    for attr in attributes {
        let Ok(attr) = Pkcs10Attribute::from_der(attr.full) else {
            continue;
        };
        let Some(first_value) = attr.values.0.first() else {
            continue;
        };
        if attr.id != OID_EXTENSION_REQUEST {
            continue;
        }
        let extensions =
            Vec::<RequestedExtension<'_>>::from_der(first_value.full).map_err(Asn1Error::from)?;
        for e in extensions {
            if out.iter().any(|seen: &Extension| seen.oid == e.extn_id) {
                return Err(RequestError::Parse(
                    "x509: certificate request contains duplicate requested extensions".into(),
                ));
            }
            out.push(Extension {
                oid: e.extn_id,
                critical: e.critical,
                value: e.extn_value.as_bytes().to_vec(),
            });
        }
    }
    Ok(out)
}

/// Go's `parseSANExtension`: a SEQUENCE of names read by their tags only (cryptobyte's
/// `ReadAnyASN1`), so entries are [`Tlv`]s rather than `x509_cert`'s `GeneralName`, whose
/// typed decoding refuses names Go skips unread (an `otherName`, `x400Address` or
/// `directoryName` with contents Go never looks at; case `san-unparsed-names` in
/// tests/data/pki/go-leniencies). Like cryptobyte's `ReadASN1`, bytes after the SEQUENCE are
/// ignored (`san-trailing-after-seq` in tests/data/pki/go-parse).
pub(super) fn parse_san(value: &[u8]) -> Result<SubjectAltNames, RequestError> {
    let seq = Tlv::from_der_partial(value)
        .ok()
        .map(|(seq, _)| seq)
        .filter(|t| t.tag == asn1::tag::SEQUENCE)
        .ok_or_else(|| RequestError::Parse("x509: invalid subject alternative names".into()))?;
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
    for name in asn1::tlvs(seq.value)
        .map_err(|_| RequestError::Parse("x509: invalid subject alternative name".into()))?
    {
        // cryptobyte reads only the low-tag-number form.
        if name.tag & 0x1f == 0x1f {
            return Err(RequestError::Parse(
                "x509: invalid subject alternative name".into(),
            ));
        }
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
