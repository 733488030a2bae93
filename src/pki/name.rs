//! X.509 distinguished names: as they arrive (RDN order, multi-valued RDNs, string types kept)
//! and as Go re-encodes them (`pkix.Name.ToRDNSequence`).

use const_oid::ObjectIdentifier;
use const_oid::db::rfc4519;

use der::asn1::{AnyRef, BitStringRef};
use der::{Decode as _, Reader as _, Tagged as _};

use super::asn1::{self, Asn1Error, Rest, Tlv, tag};

/// Go's `pkix.AttributeTypeAndValue`: the value is any element (Go's `interface{}`), which
/// `der`'s `AnyRef` cannot hold for every tag Go accepts (see asn1.rs; cases
/// `subject-universalstring-value` and `subject-atv-trailing-element` in
/// tests/data/pki/go-leniencies).
#[derive(der::Sequence)]
struct AttributeTypeAndValue<'a> {
    oid: ObjectIdentifier,
    value: Tlv<'a>,
    rest: Rest<'a>,
}

/// A distinguished name exactly as encoded: its relative distinguished names in order, each
/// with its attributes in their encoded order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name {
    rdns: Vec<Vec<Attribute>>,
    der: Vec<u8>,
}

/// One attribute of a name (`AttributeTypeAndValue`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribute {
    /// The attribute type, e.g. 2.5.4.3 for commonName.
    pub oid: ObjectIdentifier,
    /// The ASN.1 type of the value.
    pub string_type: StringType,
    /// The value's content octets as encoded.
    pub raw: Vec<u8>,
    /// The value as text when Go's `encoding/asn1` reads it as a string (PrintableString,
    /// UTF8String, IA5String, NumericString, T61String, BMPString); `None` for other types.
    pub text: Option<String>,
}

/// The ASN.1 type of an attribute value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StringType {
    /// `PrintableString` (what Go writes when every character allows it).
    Printable,
    /// `UTF8String`.
    Utf8,
    /// `IA5String`.
    Ia5,
    /// `NumericString`.
    Numeric,
    /// `T61String` / `TeletexString`.
    T61,
    /// `BMPString`.
    Bmp,
    /// Any other type, by its identifier octet.
    Other(u8),
}

/// The attributes Go's `pkix.Name` keeps as fields, in the order Go writes them back
/// (`ToRDNSequence`): C, ST, L, street, postalCode, O, OU, CN, serialNumber.
///
/// ```
/// use kube_tls_bootstrap::pki::name::Subject;
/// let s = Subject::kubelet("node-1");
/// assert_eq!(s.common_name, "system:node:node-1");
/// assert_eq!(s.organization, ["system:nodes"]);
/// // SEQUENCE { SET { O=system:nodes }, SET { CN=system:node:node-1 } }, both PrintableString.
/// assert_eq!(s.to_der()[..2], [0x30, 0x34]);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Subject {
    /// `C` values.
    pub country: Vec<String>,
    /// `ST` values.
    pub province: Vec<String>,
    /// `L` values.
    pub locality: Vec<String>,
    /// `street` values.
    pub street_address: Vec<String>,
    /// `postalCode` values.
    pub postal_code: Vec<String>,
    /// `O` values (a kubelet's groups).
    pub organization: Vec<String>,
    /// `OU` values.
    pub organizational_unit: Vec<String>,
    /// `CN` (a kubelet's user name); Go keeps the last CN of a name; empty when absent.
    pub common_name: String,
    /// `serialNumber`; Go keeps the last one; empty when absent.
    pub serial_number: String,
}

impl Name {
    /// Parses a DER `Name` the way Go's `encoding/asn1` reads an `RDNSequence`: a SEQUENCE OF
    /// SETs whose `AttributeTypeAndValue`s are kept in encoded order. `x509_cert`'s `Name`
    /// (a `SetOfVec` per RDN) would sort them and refuse the string tags `der` does not model,
    /// while Go keeps the order — which CN "wins" depends on it (corpus cases
    /// `subject-multivalued-rdn`, `cn-two-values-last-valid`, `cn-two-values-last-invalid`).
    pub(crate) fn from_der(der: &[u8]) -> Result<Self, Asn1Error> {
        let sets = Vec::<AnyRef<'_>>::from_der(der)?;
        let mut rdns = Vec::with_capacity(sets.len());
        for set in sets {
            if set.tag() != der::Tag::Set {
                return Err(asn1::structure(
                    "asn1: structure error: tags don't match (RelativeDistinguishedNameSET)",
                ));
            }
            let mut reader = der::SliceReader::new(set.value())?;
            let mut rdn = Vec::new();
            while !reader.is_finished() {
                let atv: AttributeTypeAndValue<'_> = reader.decode()?;
                rdn.push(Attribute::parse(atv.oid, &atv.value)?);
            }
            rdns.push(rdn);
        }
        Ok(Self {
            rdns,
            der: der.to_vec(),
        })
    }

    /// The relative distinguished names in encoded order.
    pub fn rdns(&self) -> &[Vec<Attribute>] {
        &self.rdns
    }

    /// The DER encoding as received.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// Every attribute in encoded order.
    pub fn attributes(&self) -> impl Iterator<Item = &Attribute> {
        self.rdns.iter().flatten()
    }

    /// Go's `pkix.Name.FillFromRDNSequence`: the field view Kubernetes checks.
    pub fn subject(&self) -> Subject {
        let mut s = Subject::default();
        for a in self.attributes() {
            let Some(text) = &a.text else { continue };
            let field = match a.oid {
                o if o == rfc4519::CN => {
                    s.common_name.clone_from(text);
                    continue;
                }
                o if o == rfc4519::SERIAL_NUMBER => {
                    s.serial_number.clone_from(text);
                    continue;
                }
                o if o == rfc4519::C => &mut s.country,
                o if o == rfc4519::L => &mut s.locality,
                o if o == rfc4519::ST => &mut s.province,
                o if o == rfc4519::STREET => &mut s.street_address,
                o if o == rfc4519::O => &mut s.organization,
                o if o == rfc4519::OU => &mut s.organizational_unit,
                o if o == rfc4519::POSTAL_CODE => &mut s.postal_code,
                _ => continue,
            };
            field.push(text.clone());
        }
        s
    }

    /// Whether the name has no RDN at all (DER `30 00`).
    pub fn is_empty(&self) -> bool {
        self.rdns.is_empty()
    }
}

impl Attribute {
    /// Go decodes an attribute value into an `interface{}`: the string types become text, and
    /// INTEGER, BIT STRING and OBJECT IDENTIFIER values are decoded too (so a malformed one
    /// fails the whole name) but are not text; other values are left undecoded.
    fn parse(oid: ObjectIdentifier, value: &Tlv<'_>) -> Result<Self, Asn1Error> {
        let raw = value.value;
        let (string_type, text) = match value.tag {
            tag::INTEGER => {
                i64::from_der(value.full)?;
                (StringType::Other(tag::INTEGER), None)
            }
            tag::BIT_STRING => {
                asn1::go_bit_string(&BitStringRef::from_der(value.full)?)?;
                (StringType::Other(tag::BIT_STRING), None)
            }
            tag::OID => {
                <ObjectIdentifier>::from_der(value.full)?;
                (StringType::Other(tag::OID), None)
            }
            tag::PRINTABLE_STRING => {
                if !raw.iter().all(|&b| is_printable(b, true)) {
                    return Err(asn1::structure(
                        "asn1: syntax error: PrintableString contains invalid character",
                    ));
                }
                (StringType::Printable, Some(latin(raw)))
            }
            tag::UTF8_STRING => {
                let s = std::str::from_utf8(raw)
                    .map_err(|_| asn1::structure("asn1: invalid UTF-8 string"))?;
                (StringType::Utf8, Some(s.to_owned()))
            }
            tag::IA5_STRING => {
                if !raw.is_ascii() {
                    return Err(asn1::structure(
                        "asn1: syntax error: IA5String contains invalid character",
                    ));
                }
                (StringType::Ia5, Some(latin(raw)))
            }
            tag::NUMERIC_STRING => {
                if !raw.iter().all(|&b| b.is_ascii_digit() || b == b' ') {
                    return Err(asn1::structure(
                        "asn1: syntax error: NumericString contains invalid character",
                    ));
                }
                (StringType::Numeric, Some(latin(raw)))
            }
            // Go turns T61String bytes into a string unchanged; keep valid UTF-8 as text.
            tag::T61_STRING => (
                StringType::T61,
                Some(String::from_utf8_lossy(raw).into_owned()),
            ),
            tag::BMP_STRING => (StringType::Bmp, Some(bmp(raw)?)),
            other => (StringType::Other(other), None),
        };
        Ok(Self {
            oid,
            string_type,
            raw: raw.to_vec(),
            text,
        })
    }
}

impl Subject {
    /// The kubelet's subject: `CN=system:node:<node_name>`, `O=system:nodes`.
    pub fn kubelet(node_name: &str) -> Self {
        Self {
            organization: vec![crate::identity::NODES_GROUP.to_owned()],
            common_name: format!("{}{node_name}", crate::identity::NODE_USER_PREFIX),
            ..Self::default()
        }
    }

    /// Go's `asn1.Marshal(name.ToRDNSequence())`: one RDN per attribute type in Go's order,
    /// all values of a type in one (DER-sorted) set, empty CN and serialNumber left out,
    /// PrintableString where every character allows it, else UTF8String.
    pub fn to_der(&self) -> Vec<u8> {
        let mut body = Vec::new();
        let single = |s: &String| -> Vec<String> {
            if s.is_empty() {
                Vec::new()
            } else {
                vec![s.clone()]
            }
        };
        let groups: [(ObjectIdentifier, Vec<String>); 9] = [
            (rfc4519::C, self.country.clone()),
            (rfc4519::ST, self.province.clone()),
            (rfc4519::L, self.locality.clone()),
            (rfc4519::STREET, self.street_address.clone()),
            (rfc4519::POSTAL_CODE, self.postal_code.clone()),
            (rfc4519::O, self.organization.clone()),
            (rfc4519::OU, self.organizational_unit.clone()),
            (rfc4519::CN, single(&self.common_name)),
            (rfc4519::SERIAL_NUMBER, single(&self.serial_number)),
        ];
        for (oid, values) in groups {
            if values.is_empty() {
                continue;
            }
            let mut members: Vec<Vec<u8>> = values
                .iter()
                .map(|v| {
                    let mut atv = asn1::encode(tag::OID, oid.as_bytes());
                    asn1::encode_into(&mut atv, go_string_tag(v), v.as_bytes());
                    asn1::encode(tag::SEQUENCE, &atv)
                })
                .collect();
            // DER orders SET OF members by their encodings (shorter first when one is a
            // prefix of the other, which Go's byte comparison also does).
            members.sort();
            asn1::encode_into(&mut body, tag::SET, &members.concat());
        }
        asn1::encode(tag::SEQUENCE, &body)
    }

    /// Whether every field is empty (Go then marks the SAN extension critical).
    pub fn is_empty(&self) -> bool {
        self.to_der() == [0x30, 0x00]
    }
}

/// Go's choice of string type when marshalling a Go string.
pub(crate) fn go_string_tag(s: &str) -> u8 {
    if s.bytes().all(|b| is_printable(b, false)) {
        tag::PRINTABLE_STRING
    } else {
        tag::UTF8_STRING
    }
}

/// Go's `isPrintable`; parsing also tolerates `*` and `&`, marshalling does not.
fn is_printable(b: u8, lenient: bool) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b' ' | b'\'' | b'(' | b')' | b'+' | b',' | b'-' | b'.' | b'/' | b':' | b'=' | b'?'
        )
        || (lenient && (b == b'*' || b == b'&'))
}

fn latin(raw: &[u8]) -> String {
    // Callers checked the bytes are ASCII.
    raw.iter().map(|&b| char::from(b)).collect()
}

fn bmp(raw: &[u8]) -> Result<String, Asn1Error> {
    if !raw.len().is_multiple_of(2) {
        return Err(asn1::structure("pkcs12: odd-length BMP string"));
    }
    let units = raw
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]));
    // Go strips one trailing NUL code unit.
    let mut s: String = char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    if s.ends_with('\0') {
        s.pop();
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubelet_subject_is_go_encoded() {
        let der = Subject::kubelet("node-1").to_der();
        let name = Name::from_der(&der).unwrap();
        assert_eq!(name.rdns().len(), 2);
        assert_eq!(name.rdns()[0][0].oid, rfc4519::O);
        assert_eq!(name.rdns()[0][0].string_type, StringType::Printable);
        assert_eq!(name.subject(), Subject::kubelet("node-1"));
    }

    #[test]
    fn utf8_when_not_printable_and_multi_valued_sorted() {
        let s = Subject {
            organization: vec!["qa".into(), "dev-team".into()],
            common_name: "nöde*".into(),
            ..Subject::default()
        };
        let name = Name::from_der(&s.to_der()).unwrap();
        let o: Vec<&str> = name.rdns()[0]
            .iter()
            .map(|a| a.text.as_deref().unwrap())
            .collect();
        assert_eq!(o, ["qa", "dev-team"], "shorter encoding sorts first");
        assert_eq!(name.rdns()[1][0].string_type, StringType::Utf8);
        assert_eq!(Subject::default().to_der(), vec![0x30, 0x00]);
        assert!(Subject::default().is_empty());
    }

    #[test]
    fn last_cn_wins_and_unknown_types_are_skipped() {
        let mut body = Vec::new();
        for (t, v) in [
            (tag::UTF8_STRING, &b"a"[..]),
            (0x1c, &b"\0\0\0b"[..]),
            (tag::PRINTABLE_STRING, &b"c&"[..]),
        ] {
            let mut atv = asn1::encode(tag::OID, rfc4519::CN.as_bytes());
            asn1::encode_into(&mut atv, t, v);
            asn1::encode_into(&mut body, tag::SET, &asn1::encode(tag::SEQUENCE, &atv));
        }
        let name = Name::from_der(&asn1::encode(tag::SEQUENCE, &body)).unwrap();
        assert_eq!(name.subject().common_name, "c&");
        assert_eq!(name.rdns()[1][0].string_type, StringType::Other(0x1c));
    }
}
