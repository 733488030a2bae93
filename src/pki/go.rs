//! Go's formatting where Kubernetes' messages expose it.

use crate::time::Timestamp;

/// Go's `%q` / `strconv.Quote` for a string.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\x0b' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c == '\u{fffd}' || !c.is_control() => out.push(c),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Go's `time.Time.String()` for a UTC instant: `2025-01-02 03:04:05 +0000 UTC`.
pub(crate) fn time_string(t: Timestamp) -> String {
    let (y, mo, d, h, mi, s) = t.to_civil();
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02} +0000 UTC")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_go() {
        assert_eq!(quote("KEY"), "\"KEY\"");
        assert_eq!(quote("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\x01\"");
        assert_eq!(quote("ü"), "\"ü\"");
    }

    #[test]
    fn go_time_string() {
        assert_eq!(
            time_string(Timestamp::from_unix(1_735_787_045)),
            "2025-01-02 03:04:05 +0000 UTC"
        );
    }
}
