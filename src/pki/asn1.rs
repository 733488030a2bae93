//! A DER element walker with Go's `encoding/asn1` leniencies, on top of `der`'s length rules.
//!
//! `der`'s typed decoders sort `SET OF` elements and refuse universal tags they do not model;
//! Go keeps a subject's attribute order and tolerates unknown string types, and which CN
//! "wins" depends on that order. So requests and certificates are walked element by element
//! here, with `der` validating each length (definite, minimal) and the typed values (OIDs,
//! integers) decoded by `der` and `const-oid`.

use der::{Decode as _, Reader as _};

/// Identifier octets of the universal and context-specific tags this crate reads.
pub(crate) mod tag {
    pub(crate) const BOOLEAN: u8 = 0x01;
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

/// Reads one element with identifier `tag`, or says which tag was expected.
pub(crate) fn expect<'a>(
    input: &'a [u8],
    tag: u8,
    what: &str,
) -> Result<(Tlv<'a>, &'a [u8]), Asn1Error> {
    let (tlv, rest) = read(input)?;
    if tlv.tag == tag {
        Ok((tlv, rest))
    } else {
        Err(structure(format!(
            "asn1: structure error: tags don't match ({what}: expected tag 0x{tag:02x}, found 0x{:02x})",
            tlv.tag
        )))
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

/// A BIT STRING value: the unused-bit count and the bytes, as Go's `parseBitString` checks it.
pub(crate) fn bit_string<'a>(tlv: &Tlv<'a>) -> Result<&'a [u8], Asn1Error> {
    if tlv.tag != tag::BIT_STRING {
        return Err(structure("asn1: structure error: expected a BIT STRING"));
    }
    let Some((&unused, bytes)) = tlv.value.split_first() else {
        return Err(structure("asn1: syntax error: zero length BIT STRING"));
    };
    let last_ok = bytes
        .last()
        .is_none_or(|b| b & ((1u8 << unused.min(7)) - 1) == 0);
    if unused > 7 || (bytes.is_empty() && unused > 0) || !last_ok {
        return Err(structure(
            "asn1: syntax error: invalid padding bits in BIT STRING",
        ));
    }
    Ok(bytes)
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
