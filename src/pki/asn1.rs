//! DER reading as Go's `encoding/asn1` does it, on top of `der`.
//!
//! Requests, names and certificates are decoded with `der` typed decoders: derived `Sequence`
//! structs mirroring Go's structs (request/parse.rs, request/extensions.rs, name.rs,
//! certificate.rs) with `der`'s `ObjectIdentifier`, `i64`, `BitStringRef`, `UintRef`,
//! `OctetStringRef`, `AnyRef` and `Vec` (SEQUENCE OF) fields. What Go accepts and `der`'s own
//! types refuse lives here, as `der` types those structs use — each pinned by signed cases the
//! Go reference peer accepts (tests/pki_go_leniencies.rs) and by Go's parse verdicts
//! (tests/pki_go_parse.rs):
//!
//! - [`Tlv`] as a `der::Decode`: Go's `asn1.RawValue` takes any identifier octet; `der`'s `Tag`
//!   (and so `AnyRef`) refuses universal tags it does not model — UniversalString (0x1c),
//!   GraphicString (0x19), the constructed string forms — and Go reads high tag numbers its own
//!   way. Go tolerates them in a name (the value is left unset) and in any `RawValue` field
//!   (cases `*-universalstring-*`, `attr-high-tag*`, `name-high-tag-value`; unit test
//!   `last_cn_wins_and_unknown_types_are_skipped` in name.rs).
//! - [`Rest`]: Go ignores whatever follows the last field of a SEQUENCE it decodes into a struct
//!   ("adding elements to the end has been used in X.509 as the version numbers have
//!   increased"); a derived `Sequence` refuses it as trailing data (cases `*-trailing-*`).
//! - [`OptionalTlv`] and [`SetOfTlv`]: AlgorithmIdentifier parameters and an attribute's SET
//!   of values as Go reads them (`Option<AnyRef>` refuses the tags above; `SetOfVec` sorts).
//! - [`go_bit_string`]: Go refuses non-zero padding bits, which `BitStringRef` keeps
//!   (`spki-bitstring-nonzero-padding`).
//!
//! `der` errors become [`Asn1Error`]s with Go's words where tests pin them (truncated data,
//! trailing data). The element walk ([`read`], [`elements`], …) is what the private-key loader
//! uses; the encoders build what the signer and the kubelet write.

use der::{Decode as _, Encode as _, Reader as _};

/// Identifier octets of the universal and context-specific tags this crate reads.
pub(crate) mod tag {
    pub(crate) const INTEGER: u8 = 0x02;
    pub(crate) const BIT_STRING: u8 = 0x03;
    pub(crate) const OCTET_STRING: u8 = 0x04;
    pub(crate) const OID: u8 = 0x06;
    pub(crate) const UTF8_STRING: u8 = 0x0c;
    pub(crate) const NUMERIC_STRING: u8 = 0x12;
    pub(crate) const PRINTABLE_STRING: u8 = 0x13;
    pub(crate) const T61_STRING: u8 = 0x14;
    pub(crate) const IA5_STRING: u8 = 0x16;
    pub(crate) const UTC_TIME: u8 = 0x17;
    pub(crate) const GENERALIZED_TIME: u8 = 0x18;
    pub(crate) const BMP_STRING: u8 = 0x1e;
    pub(crate) const SEQUENCE: u8 = 0x30;
    pub(crate) const SET: u8 = 0x31;
    /// `[0]` constructed.
    pub(crate) const CONTEXT_0: u8 = 0xa0;
    /// `[3]` constructed.
    pub(crate) const CONTEXT_3: u8 = 0xa3;
}

/// One DER element: its identifier octet, its value, and the whole encoding.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tlv<'a> {
    pub(crate) tag: u8,
    pub(crate) value: &'a [u8],
    pub(crate) full: &'a [u8],
}

/// Why a DER walk stopped, worded as Go's `encoding/asn1` words it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Asn1Error {
    /// The element's length runs past the end of the input.
    Truncated,
    /// The identifier or length octets are cut short.
    TruncatedHeader,
    /// Bytes follow the outermost element.
    TrailingData,
    /// Anything else, already worded.
    Structure(String),
}

impl std::fmt::Display for Asn1Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Truncated => f.write_str("asn1: syntax error: data truncated"),
            Self::TruncatedHeader => f.write_str("asn1: syntax error: truncated tag or length"),
            Self::TrailingData => f.write_str("asn1: syntax error: trailing data"),
            Self::Structure(s) => f.write_str(s),
        }
    }
}

pub(crate) fn structure(msg: impl Into<String>) -> Asn1Error {
    Asn1Error::Structure(msg.into())
}

/// Reads one element from the front of `input`.
pub(crate) fn read(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), Asn1Error> {
    let (&tag, after_tag) = input.split_first().ok_or(Asn1Error::TruncatedHeader)?;
    if tag & 0x1f == 0x1f {
        return Err(structure(
            "asn1: structure error: high-tag-number form not supported",
        ));
    }
    let mut reader = der::SliceReader::new(after_tag).map_err(|_| Asn1Error::Truncated)?;
    let length = der::Length::decode(&mut reader).map_err(|e| match e.kind() {
        der::ErrorKind::Incomplete { .. } => Asn1Error::TruncatedHeader,
        _ => structure("asn1: structure error: length is not minimally encoded or indefinite"),
    })?;
    let header_len =
        usize::try_from(u32::from(reader.position())).map_err(|_| Asn1Error::Truncated)? + 1;
    let value_len = usize::try_from(u32::from(length)).map_err(|_| Asn1Error::Truncated)?;
    let end = header_len
        .checked_add(value_len)
        .filter(|&end| end <= input.len())
        .ok_or(Asn1Error::Truncated)?;
    let tlv = Tlv {
        tag,
        value: &input[header_len..end],
        full: &input[..end],
    };
    Ok((tlv, &input[end..]))
}

/// Reads the only element of `input` (Go's `asn1.Unmarshal` plus a trailing-data check).
pub(crate) fn read_all(input: &[u8]) -> Result<Tlv<'_>, Asn1Error> {
    let (tlv, rest) = read(input)?;
    if rest.is_empty() {
        Ok(tlv)
    } else {
        Err(Asn1Error::TrailingData)
    }
}

/// The elements of a constructed value, in order.
pub(crate) fn elements(mut value: &[u8]) -> Result<Vec<Tlv<'_>>, Asn1Error> {
    let mut out = Vec::new();
    while !value.is_empty() {
        let (tlv, rest) = read(value)?;
        out.push(tlv);
        value = rest;
    }
    Ok(out)
}

/// An OBJECT IDENTIFIER value.
pub(crate) fn oid(tlv: &Tlv<'_>) -> Result<const_oid::ObjectIdentifier, Asn1Error> {
    if tlv.tag != tag::OID {
        return Err(structure(
            "asn1: structure error: expected an OBJECT IDENTIFIER",
        ));
    }
    const_oid::ObjectIdentifier::from_bytes(tlv.value)
        .map_err(|_| structure("asn1: syntax error: invalid object identifier"))
}

/// A small non-negative INTEGER value that must be minimally encoded, as Go's `int` fields are.
pub(crate) fn small_int(tlv: &Tlv<'_>) -> Result<i64, Asn1Error> {
    if tlv.tag != tag::INTEGER {
        return Err(structure("asn1: structure error: expected an INTEGER"));
    }
    check_integer(tlv.value)?;
    if tlv.value.len() > 8 {
        return Err(structure("asn1: structure error: integer too large"));
    }
    let mut v: i64 = if tlv.value[0] & 0x80 != 0 { -1 } else { 0 };
    for &b in tlv.value {
        v = (v << 8) | i64::from(b);
    }
    Ok(v)
}

/// Go's `checkInteger`: non-empty and minimally encoded.
pub(crate) fn check_integer(bytes: &[u8]) -> Result<(), Asn1Error> {
    match bytes {
        [] => Err(structure("asn1: syntax error: empty integer")),
        [0x00, b, ..] if b & 0x80 == 0 => Err(structure(
            "asn1: structure error: integer not minimally-encoded",
        )),
        [0xff, b, ..] if b & 0x80 != 0 => Err(structure(
            "asn1: structure error: integer not minimally-encoded",
        )),
        _ => Ok(()),
    }
}

/// Go's `asn1.RawValue`: one element with any identifier octet, decoded inside `der` typed
/// structs. `der`'s `AnyRef` refuses universal tags `der` does not model (see the module docs).
/// A high tag number (identifier `xx1_1111` and more octets) is read as Go reads it; `tag` is
/// then the first identifier octet.
impl<'a> der::Decode<'a> for Tlv<'a> {
    type Error = der::Error;

    fn decode<R: der::Reader<'a>>(reader: &mut R) -> der::Result<Self> {
        let mut header = reader.clone();
        let tag = header.read_byte()?;
        if tag & 0x1f == 0x1f {
            high_tag_number(&mut header).map_err(|kind| reader.error(kind))?;
        }
        let length = der::Length::decode(&mut header)?;
        let header_len = (header.position() - reader.position())?;
        let full = reader.read_slice((header_len + length)?)?;
        let value = full
            .get(usize::try_from(header_len)?..)
            .ok_or_else(|| reader.error(der::ErrorKind::Overlength))?;
        Ok(Self { tag, value, full })
    }
}

/// Go's `parseTagAndLength` for a tag number of 31 or more: base 128, minimally encoded, at
/// most 31 bits.
fn high_tag_number<'a>(reader: &mut impl der::Reader<'a>) -> Result<(), der::ErrorKind> {
    let mut number: u64 = 0;
    for index in 0..5 {
        let b = reader.read_byte().map_err(|e| e.kind())?;
        if index == 0 && b == 0x80 {
            break;
        }
        number = (number << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            return if (0x1f..=0x7fff_ffff).contains(&number) {
                Ok(())
            } else {
                Err(der::ErrorKind::TagNumberInvalid)
            };
        }
    }
    Err(der::ErrorKind::TagNumberInvalid)
}

impl der::Encode for Tlv<'_> {
    fn encoded_len(&self) -> der::Result<der::Length> {
        der::Length::try_from(self.full.len())
    }

    fn encode(&self, writer: &mut impl der::Writer) -> der::Result<()> {
        writer.write(self.full)
    }
}

/// The bytes after the last field Go reads from a SEQUENCE, which Go ignores (see the module
/// docs). The last field of every derived struct that mirrors a Go struct.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Rest<'a>(pub(crate) &'a [u8]);

impl<'a> der::Decode<'a> for Rest<'a> {
    type Error = der::Error;

    fn decode<R: der::Reader<'a>>(reader: &mut R) -> der::Result<Self> {
        let remaining = reader.remaining_len();
        Ok(Self(reader.read_slice(remaining)?))
    }
}

impl der::Encode for Rest<'_> {
    fn encoded_len(&self) -> der::Result<der::Length> {
        der::Length::try_from(self.0.len())
    }

    fn encode(&self, writer: &mut impl der::Writer) -> der::Result<()> {
        writer.write(self.0)
    }
}

/// An optional `asn1.RawValue` that is the last field Go reads (AlgorithmIdentifier's
/// parameters): present when any element follows. `der`'s `Option<AnyRef>` would refuse the
/// universal tags `der` does not model instead of taking them as parameters.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct OptionalTlv<'a>(pub(crate) Option<Tlv<'a>>);

impl<'a> der::Decode<'a> for OptionalTlv<'a> {
    type Error = der::Error;

    fn decode<R: der::Reader<'a>>(reader: &mut R) -> der::Result<Self> {
        if reader.is_finished() {
            Ok(Self(None))
        } else {
            Tlv::decode(reader).map(|t| Self(Some(t)))
        }
    }
}

impl der::Encode for OptionalTlv<'_> {
    fn encoded_len(&self) -> der::Result<der::Length> {
        self.0.map_or(Ok(der::Length::ZERO), |t| t.encoded_len())
    }

    fn encode(&self, writer: &mut impl der::Writer) -> der::Result<()> {
        self.0.map_or(Ok(()), |t| t.encode(writer))
    }
}

/// Go's `[]asn1.RawValue` with `asn1:"set"`: a SET OF any elements, kept in encoded order (a
/// `der` `SetOfVec` sorts them, and refuses the tags [`Tlv`] takes).
#[derive(Clone, Debug, Default)]
pub(crate) struct SetOfTlv<'a>(pub(crate) Vec<Tlv<'a>>);

impl der::FixedTag for SetOfTlv<'_> {
    const TAG: der::Tag = der::Tag::Set;
}

impl<'a> der::DecodeValue<'a> for SetOfTlv<'a> {
    type Error = der::Error;

    fn decode_value<R: der::Reader<'a>>(reader: &mut R, _header: der::Header) -> der::Result<Self> {
        let mut out = Vec::new();
        while !reader.is_finished() {
            out.push(Tlv::decode(reader)?);
        }
        Ok(Self(out))
    }
}

impl der::EncodeValue for SetOfTlv<'_> {
    fn value_len(&self) -> der::Result<der::Length> {
        self.0
            .iter()
            .try_fold(der::Length::ZERO, |len, t| len + t.encoded_len()?)
    }

    fn encode_value(&self, writer: &mut impl der::Writer) -> der::Result<()> {
        self.0.iter().try_for_each(|t| t.encode(writer))
    }
}

/// The elements of a constructed value as [`Tlv`]s, decoded in encoded order.
pub(crate) fn tlvs(value: &[u8]) -> der::Result<Vec<Tlv<'_>>> {
    let mut reader = der::SliceReader::new(value)?;
    let mut out = Vec::new();
    while !reader.is_finished() {
        out.push(reader.decode()?);
    }
    Ok(out)
}

/// The bytes of a BIT STRING after Go's `parseBitString` checks, which `der`'s `BitStringRef`
/// does not make: the unused (padding) bits must be zero.
pub(crate) fn go_bit_string<'a>(bits: &der::asn1::BitStringRef<'a>) -> Result<&'a [u8], Asn1Error> {
    let bytes = bits.raw_bytes();
    let mask = (1u8 << bits.unused_bits()) - 1;
    if bytes.last().is_some_and(|b| b & mask != 0) {
        return Err(structure(
            "asn1: syntax error: invalid padding bits in BIT STRING",
        ));
    }
    Ok(bytes)
}

impl From<der::Error> for Asn1Error {
    /// Go's wording where a test pins it (truncation, trailing data), `der`'s otherwise.
    fn from(e: der::Error) -> Self {
        match e.kind() {
            der::ErrorKind::Incomplete { .. } => Self::Truncated,
            der::ErrorKind::TrailingData { .. } => Self::TrailingData,
            _ => Self::Structure(format!("asn1: structure error: {e}")),
        }
    }
}

/// Encodes one element with a DER length.
pub(crate) fn encode(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 6);
    encode_into(&mut out, tag, value);
    out
}

/// Appends one element with a DER length to `out`.
pub(crate) fn encode_into(out: &mut Vec<u8>, tag: u8, value: &[u8]) {
    out.push(tag);
    let len = value.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(value);
}

/// A minimal, positive INTEGER holding the big-endian magnitude `bytes` (Go's `big.Int`
/// marshalling): leading zeros dropped, a zero byte added when the top bit is set.
pub(crate) fn positive_integer(bytes: &[u8]) -> Vec<u8> {
    let skip = bytes.iter().take_while(|&&b| b == 0).count();
    let magnitude = &bytes[skip..];
    let mut value = Vec::with_capacity(magnitude.len() + 1);
    if magnitude.first().is_none_or(|b| b & 0x80 != 0) {
        value.push(0);
    }
    value.extend_from_slice(magnitude);
    encode(tag::INTEGER, &value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_reports_truncation() {
        let (t, rest) = read(&[0x30, 0x03, 0x02, 0x01, 0x05, 0xff]).unwrap();
        assert_eq!(t.tag, 0x30);
        assert_eq!(t.value, &[0x02, 0x01, 0x05]);
        assert_eq!(rest, &[0xff]);
        assert_eq!(read(&[0x30, 0x05, 0x00]).unwrap_err(), Asn1Error::Truncated);
        assert_eq!(read(&[0x30]).unwrap_err(), Asn1Error::TruncatedHeader);
        assert_eq!(
            read_all(&[0x05, 0x00, 0x00]).unwrap_err(),
            Asn1Error::TrailingData
        );
        assert_eq!(
            Asn1Error::Truncated.to_string(),
            "asn1: syntax error: data truncated"
        );
        assert!(read(&[0x30, 0x81, 0x05]).is_err(), "non-minimal length");
    }

    #[test]
    fn encodes_lengths_and_integers() {
        assert_eq!(encode(0x04, &[1]), vec![0x04, 0x01, 0x01]);
        assert_eq!(&encode(0x04, &[0; 200])[..3], &[0x04, 0x81, 200]);
        assert_eq!(&encode(0x04, &[0; 300])[..4], &[0x04, 0x82, 0x01, 0x2c]);
        assert_eq!(
            small_int(&read_all(&[0x02, 0x01, 0x02]).unwrap()).unwrap(),
            2
        );
        assert!(small_int(&read_all(&[0x02, 0x02, 0x00, 0x01]).unwrap()).is_err());
    }
}
