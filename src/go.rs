//! Go's formatting where Kubernetes' messages expose it: `%q` (`strconv.Quote`) for strings,
//! byte strings and string lists, and `time.Time.String()`. Kubernetes quotes every name in an
//! RBAC reason, a validation message or a signer error this way, so those texts only match byte
//! for byte if the quoting does.

use crate::time::{Instant, Timestamp};

mod printable;
mod tabwriter;
pub(crate) mod yaml;
use printable::PRINTABLE;
pub(crate) use tabwriter::tabwrite;

/// `s` quoted as Go's `strconv.Quote` quotes it.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_quoted(&mut out, s);
    out
}

/// Appends `s` quoted as Go's `strconv.Quote` quotes it.
pub(crate) fn push_quoted(out: &mut String, s: &str) {
    out.push('"');
    push_escaped(out, s);
    out.push('"');
}

/// Appends `s` with Go's `strconv.Quote` escapes, without the surrounding quotes.
fn push_escaped(out: &mut String, s: &str) {
    use std::fmt::Write as _;
    // Printable ASCII other than `"` and `\` is written as itself (the `' '..='~'` arm below):
    // such a string, the usual name or group, is copied at once.
    if s.bytes()
        .all(|b| matches!(b, b' '..=b'~') && b != b'"' && b != b'\\')
    {
        out.push_str(s);
        return;
    }
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            ' '..='~' => out.push(c),
            c if is_go_printable(c) => out.push(c),
            // Writing to a String cannot fail.
            c if (c as u32) < 0x80 => drop(write!(out, "\\x{:02x}", c as u32)),
            c if (c as u32) < 0x1_0000 => drop(write!(out, "\\u{:04x}", c as u32)),
            c => drop(write!(out, "\\U{:08x}", c as u32)),
        }
    }
}

/// Go's `%q` of a `[]string`: `["a" "b"]`.
pub(crate) fn quote_list(items: &[String]) -> String {
    let mut out = String::from("[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        push_quoted(&mut out, item);
    }
    out.push(']');
    out
}

/// Go's `strconv.Quote` of a byte string: valid UTF-8 runs quoted as [`quote`] does, each byte
/// of an invalid sequence as `\xHH`.
pub(crate) fn quote_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for chunk in bytes.utf8_chunks() {
        push_escaped(&mut out, chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out.push('"');
    out
}

/// Go's `time.Time.String()` for a UTC instant: `2025-01-02 03:04:05 +0000 UTC`.
pub(crate) fn time_string(t: Timestamp) -> String {
    instant_string(t.into())
}

/// Go's `time.Time.String()` for a UTC instant with its fraction of a second, printed without
/// trailing zeros: `2025-01-02 03:04:05.5 +0000 UTC`.
pub(crate) fn instant_string(t: Instant) -> String {
    let (y, mo, d, h, mi, s) = t.timestamp().to_civil();
    let nanos = t.subsec_nanos();
    let frac = if nanos == 0 {
        String::new()
    } else {
        let digits = format!(".{nanos:09}");
        digits.trim_end_matches('0').to_owned()
    };
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}{frac} +0000 UTC")
}

/// Go's `strconv.IsPrint` for runes at or above U+0080 (ASCII is handled by the caller).
fn is_go_printable(c: char) -> bool {
    let c = c as u32;
    PRINTABLE
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_go() {
        assert_eq!(quote("plain"), "\"plain\"");
        assert_eq!(quote("b\"q\\"), r#""b\"q\\""#);
        assert_eq!(quote("\t\n\r\u{7}\u{8}\u{b}\u{c}"), r#""\t\n\r\a\b\v\f""#);
        assert_eq!(quote("\u{0}\u{1f}\u{7f}"), r#""\x00\x1f\x7f""#);
        assert_eq!(quote("\u{80}\u{a0}\u{ad}"), r#""\u0080\u00a0\u00ad""#);
        assert_eq!(quote("\u{200d}\u{2028}\u{feff}"), r#""\u200d\u2028\ufeff""#);
        assert_eq!(quote("é日本\u{fffd}😀"), "\"é日本\u{fffd}😀\"");
        assert_eq!(quote("\u{e0001}\u{10ffff}"), r#""\U000e0001\U0010ffff""#);
        assert_eq!(quote(""), "\"\"");
        assert_eq!(quote("é\u{a0}\u{200b}"), r#""é\u00a0\u200b""#);
        assert_eq!(quote("\u{10ffff}"), r#""\U0010ffff""#);
    }

    #[test]
    fn printable_ascii_is_copied_as_the_escaping_loop_writes_it() {
        // Each printable ASCII character alone and after a non-ASCII one (which takes the
        // character-by-character path): the same text either way.
        for b in b' '..=b'~' {
            let c = char::from(b);
            let fast = quote(&c.to_string());
            let slow = quote(&format!("é{c}"));
            assert_eq!(fast, slow.replacen('é', "", 1), "{c:?}");
        }
        assert_eq!(
            quote("system:serviceaccount:kube-system:certificate-controller"),
            "\"system:serviceaccount:kube-system:certificate-controller\""
        );
    }

    #[test]
    fn quotes_lists_like_go() {
        assert_eq!(quote_list(&[]), "[]");
        assert_eq!(
            quote_list(&["a".to_owned(), "b c".to_owned()]),
            r#"["a" "b c"]"#
        );
    }

    #[test]
    fn quotes_byte_strings_like_go() {
        assert_eq!(quote_bytes(b"foo"), "\"foo\"");
        assert_eq!(quote_bytes(b"a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(quote_bytes(b"x\n\t\x01\x7f"), r#""x\n\t\x01\x7f""#);
        assert_eq!(
            quote_bytes("é\u{a0}\u{feff}".as_bytes()),
            "\"é\\u00a0\\ufeff\""
        );
        assert_eq!(quote_bytes(b"\xff"), r#""\xff""#);
        assert_eq!(quote_bytes(b"a\xe2\x82b"), r#""a\xe2\x82b""#);
    }

    #[test]
    fn prints_time_like_go() {
        assert_eq!(
            time_string(Timestamp::from_unix(1_735_787_045)),
            "2025-01-02 03:04:05 +0000 UTC"
        );
    }

    #[test]
    fn table_is_sorted_and_disjoint() {
        for pair in PRINTABLE.windows(2) {
            assert!(pair[0].0 <= pair[0].1 && pair[0].1 < pair[1].0, "{pair:?}");
        }
    }
}
