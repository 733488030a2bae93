//! The YAML writer behind [`Kubeconfig::to_yaml`](super::Kubeconfig::to_yaml): JSON as
//! `sigs.k8s.io/yaml` over go-yaml v2 prints it — map keys sorted, block style, list items at
//! their key's indentation, empty maps as `{}`.
//!
//! Scalars: plain where go-yaml writes them plain; a string that would read back as another
//! type (`true`, `null`, `1.5`, `0x1f`, …) or holds indicator characters is quoted (single
//! quotes, or double quotes with escapes when it holds control characters). This is more
//! conservative than go-yaml in a few corner cases (a leading `-` followed by a letter); the
//! value reads back identically either way.

use serde_json::{Map, Value};

pub(super) fn write_map(out: &mut String, map: &Map<String, Value>, indent: usize) {
    // serde_json's map is ordered by key (no `preserve_order` feature), as go-yaml sorts.
    for (i, (key, value)) in map.iter().enumerate() {
        if i > 0 || !out.ends_with("- ") {
            push_indent(out, indent);
        }
        out.push_str(&string_scalar(key));
        out.push(':');
        match value {
            Value::Object(m) if !m.is_empty() => {
                out.push('\n');
                write_map(out, m, indent + 2);
            }
            Value::Array(items) if !items.is_empty() => {
                out.push('\n');
                write_list(out, items, indent);
            }
            other => {
                out.push(' ');
                out.push_str(&scalar(other));
                out.push('\n');
            }
        }
    }
}

fn write_list(out: &mut String, items: &[Value], indent: usize) {
    for item in items {
        push_indent(out, indent);
        out.push_str("- ");
        match item {
            Value::Object(m) if !m.is_empty() => write_map(out, m, indent + 2),
            Value::Array(inner) if !inner.is_empty() => {
                out.push('\n');
                write_list(out, inner, indent + 2);
            }
            other => {
                out.push_str(&scalar(other));
                out.push('\n');
            }
        }
    }
}

fn push_indent(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

fn scalar(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string_scalar(s),
        Value::Array(_) => "[]".to_owned(),
        Value::Object(_) => "{}".to_owned(),
    }
}

/// Whether YAML 1.1 (go-yaml v2's resolver) would read `s` as something other than a string.
fn resolves_to_non_string(s: &str) -> bool {
    const SPECIAL: [&str; 22] = [
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
        "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
    ];
    if SPECIAL.contains(&s) || matches!(s, "~" | "null" | "Null" | "NULL" | "<<") {
        return true;
    }
    let t = s.strip_prefix(['+', '-']).unwrap_or(s);
    if matches!(t, ".inf" | ".Inf" | ".INF") || matches!(s, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    // Anything that starts like a number is quoted: ints, floats, 0x/0o/0b, sexagesimal.
    t.starts_with(|c: char| c.is_ascii_digit())
        || (t.starts_with('.') && t[1..].starts_with(|c: char| c.is_ascii_digit()))
}

pub(super) fn string_scalar(s: &str) -> String {
    if s.chars()
        .any(|c| c.is_control() || c == '\u{feff}' || c == '\u{2028}' || c == '\u{2029}')
    {
        return double_quoted(s);
    }
    let plain = !s.is_empty()
        && !resolves_to_non_string(s)
        && !s.starts_with([
            '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%',
            '@', '`', ' ',
        ])
        && !s.ends_with([' ', ':'])
        && !s.contains(": ")
        && !s.contains(" #");
    if plain {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || matches!(c, '\u{feff}' | '\u{2028}' | '\u{2029}') => {
                let code = u32::from(c);
                if code <= 0xff {
                    out.push_str(&format!("\\x{code:02X}"));
                } else {
                    out.push_str(&format!("\\u{code:04X}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
