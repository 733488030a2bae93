//! YAML as Kubernetes' Go tools write it (sigs.k8s.io/yaml over go-yaml v2: `kubectl -o yaml`,
//! client-go's `clientcmd.Write` for kubeconfigs): the object's JSON with map keys sorted, block
//! style, lists not indented under their key, and go-yaml's choice between plain,
//! single-quoted and double-quoted scalars.
//!
//! Not reproduced: go-yaml folds plain scalars longer than 80 columns at spaces and writes
//! strings containing a newline as literal blocks; this writer keeps such strings on one line
//! (double-quoted when they contain a newline). RBAC names never need either. Strings with
//! other line breaks are double-quoted too, where go-yaml's single quotes would lose them.

use serde_json::Value;

/// `value` as `kubectl -o yaml` prints it.
pub(crate) fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => write_map(&mut out, map, 0),
        Value::Array(items) if !items.is_empty() => write_list(&mut out, items, 0),
        other => {
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
    out
}

fn write_map(out: &mut String, map: &serde_json::Map<String, Value>, indent: usize) {
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    for (i, key) in keys.into_iter().enumerate() {
        // The first key of a list item continues the `- ` line.
        if i > 0 || !out.ends_with("- ") {
            push_indent(out, indent);
        }
        out.push_str(&string_scalar(key));
        out.push(':');
        match &map[key] {
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
        if !out.ends_with("- ") {
            push_indent(out, indent);
        }
        out.push_str("- ");
        match item {
            Value::Object(m) if !m.is_empty() => write_map(out, m, indent + 2),
            Value::Array(inner) if !inner.is_empty() => write_list(out, inner, indent + 2),
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

/// A string as go-yaml v2 writes it: plain when it would read back as the same string and
/// nothing in it is an indicator, else single-quoted, else double-quoted.
pub(crate) fn string_scalar(s: &str) -> String {
    // go-yaml writes a string with `\n` as a literal block, and one with another line break
    // (`\r`, U+0085, U+2028, U+2029) single-quoted, where a reader folds the break into a
    // space; double quotes keep both intact.
    let has_break = s.contains(['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}']);
    if has_break || !resolves_to_string(s) || is_base60_float(s) {
        return double_quoted(s);
    }
    let analysis = analyze(s);
    if analysis.plain_allowed {
        s.to_owned()
    } else if analysis.single_quoted_allowed {
        format!("'{}'", s.replace('\'', "''"))
    } else {
        double_quoted(s)
    }
}

struct Analysis {
    plain_allowed: bool,
    single_quoted_allowed: bool,
}

/// go-yaml's `yaml_emitter_analyze_scalar`, block context.
fn analyze(s: &str) -> Analysis {
    let chars: Vec<char> = s.chars().collect();
    let mut block_indicators = s.starts_with("---") || s.starts_with("...");
    let (mut leading_space, mut trailing_space, mut special) = (false, false, false);
    let (mut leading_break, mut trailing_break, mut line_breaks) = (false, false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    let mut preceded_by_whitespace = true;
    for (i, &c) in chars.iter().enumerate() {
        let followed_by_whitespace = chars.get(i + 1).is_none_or(|&n| n == ' ' || n == '\t');
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_indicators = true,
                '?' | ':' | '-' if followed_by_whitespace => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_whitespace => block_indicators = true,
                '#' if preceded_by_whitespace => block_indicators = true,
                _ => {}
            }
        }
        if !is_printable(c) {
            special = true;
        }
        let last = i + 1 == chars.len();
        if c == ' ' {
            leading_space |= i == 0;
            trailing_space |= last;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}') {
            line_breaks = true;
            leading_break |= i == 0;
            trailing_break |= last;
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = matches!(
            c,
            ' ' | '\t' | '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}' | '\0'
        );
    }
    let plain_allowed = !(leading_space
        || leading_break
        || trailing_space
        || trailing_break
        || break_space
        || space_break
        || special
        || line_breaks
        || block_indicators);
    Analysis {
        plain_allowed,
        single_quoted_allowed: !(break_space || space_break || special),
    }
}

/// YAML's printable set, as go-yaml's `is_printable`.
fn is_printable(c: char) -> bool {
    matches!(c, '\n' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
        && c != '\u{feff}'
}

fn double_quoted(s: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\0' => out.push_str("\\0"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{b}' => out.push_str("\\v"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '\u{1b}' => out.push_str("\\e"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{85}' => out.push_str("\\N"),
            '\u{a0}' => out.push_str("\\_"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if is_printable(c) => out.push(c),
            // Writing to a String cannot fail.
            c if (c as u32) <= 0xff => drop(write!(out, "\\x{:02X}", c as u32)),
            c if (c as u32) <= 0xffff => drop(write!(out, "\\u{:04X}", c as u32)),
            c => drop(write!(out, "\\U{:08X}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Whether go-yaml v2's `resolve` reads the plain scalar `s` back as a string (not null, a
/// boolean, a number or a timestamp). kubectl writes the merge key `<<` plain.
fn resolves_to_string(s: &str) -> bool {
    const NON_STRINGS: &[&str] = &[
        "", "~", "null", "Null", "NULL", "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
        "true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
        ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf",
        "-.Inf", "-.INF",
    ];
    if NON_STRINGS.contains(&s) {
        return false;
    }
    let Some(first) = s.chars().next() else {
        return false;
    };
    if !(first.is_ascii_digit() || matches!(first, '+' | '-' | '.')) {
        return true;
    }
    if first.is_ascii_digit() && looks_like_timestamp(s) {
        return false;
    }
    let plain = s.replace('_', "");
    !(parses_as_go_int(&plain) || is_yaml_float(&plain) || parses_as_binary(&plain))
}

/// A `YYYY-M-D` date at the start, as go-yaml's timestamp formats need.
fn looks_like_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |from: usize, min: usize, max: usize| -> Option<usize> {
        let n = b[from.min(b.len())..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        (min..=max).contains(&n).then_some(from + n)
    };
    let Some(i) = digits(0, 4, 4) else {
        return false;
    };
    if b.get(i) != Some(&b'-') {
        return false;
    }
    let Some(j) = digits(i + 1, 1, 2) else {
        return false;
    };
    if b.get(j) != Some(&b'-') {
        return false;
    }
    let Some(k) = digits(j + 1, 1, 2) else {
        return false;
    };
    // A bare date, or a date followed by a time; anything else stays a string.
    k == b.len() || matches!(b.get(k), Some(b'T' | b't' | b' '))
}

/// Go's `strconv.ParseInt(s, 0, 64)` or `ParseUint(s, 0, 64)` succeeds.
fn parses_as_go_int(s: &str) -> bool {
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (digits, radix) = if let Some(h) = unsigned
        .strip_prefix("0x")
        .or_else(|| unsigned.strip_prefix("0X"))
    {
        (h, 16)
    } else if let Some(o) = unsigned
        .strip_prefix("0o")
        .or_else(|| unsigned.strip_prefix("0O"))
    {
        (o, 8)
    } else if let Some(b) = unsigned
        .strip_prefix("0b")
        .or_else(|| unsigned.strip_prefix("0B"))
    {
        (b, 2)
    } else if unsigned.len() > 1 && unsigned.starts_with('0') {
        (&unsigned[1..], 8)
    } else {
        (unsigned, 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return false;
    }
    let Ok(magnitude) = u64::from_str_radix(digits, radix) else {
        return false;
    };
    if s.starts_with('-') {
        magnitude <= 1 << 63
    } else {
        true
    }
}

/// go-yaml's float pattern `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`, and the
/// value is finite (Go's `ParseFloat` fails on overflow).
fn is_yaml_float(s: &str) -> bool {
    let b = s.strip_prefix(['+', '-']).unwrap_or(s).as_bytes();
    let count = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let mut i;
    if b.first() == Some(&b'.') {
        let n = count(1);
        if n == 0 {
            return false;
        }
        i = 1 + n;
    } else {
        let n = count(0);
        if n == 0 {
            return false;
        }
        i = n;
        if b.get(i) == Some(&b'.') {
            i += 1 + count(i + 1);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let n = count(j);
        if n == 0 {
            return false;
        }
        i = j + n;
    }
    i == b.len() && s.parse::<f64>().is_ok_and(f64::is_finite)
}

/// go-yaml's own `0b`/`-0b` binary integers.
fn parses_as_binary(s: &str) -> bool {
    let digits = s
        .strip_prefix("0b")
        .or_else(|| s.strip_prefix("-0b"))
        .unwrap_or("");
    !digits.is_empty() && digits.chars().all(|c| c == '0' || c == '1') && digits.len() <= 64
}

/// go-yaml's `isBase60Float`: `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`.
fn is_base60_float(s: &str) -> bool {
    let b = s.strip_prefix(['+', '-']).unwrap_or(s).as_bytes();
    if !b.first().is_some_and(u8::is_ascii_digit) {
        return false;
    }
    let mut i = 1 + b[1..]
        .iter()
        .take_while(|c| c.is_ascii_digit() || **c == b'_')
        .count();
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        let n = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        let ok = match n {
            1 => true,
            2 => b[i + 1] <= b'5',
            _ => false,
        };
        if !ok {
            return false;
        }
        i += 1 + n;
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1 + b[i + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit() || **c == b'_')
            .count();
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_quote_like_go_yaml() {
        for (s, want) in [
            ("system:node-bootstrapper", "system:node-bootstrapper"),
            ("*", "'*'"),
            ("", "\"\""),
            ("a: b", "'a: b'"),
            ("true", "\"true\""),
            ("123", "\"123\""),
            ("it's", "it's"),
            ("- x", "'- x'"),
            ("-x", "-x"),
            ("a #b", "'a #b'"),
            ("a#b", "a#b"),
            (" lead", "' lead'"),
            ("trail ", "'trail '"),
            ("tab\there", "\"tab\\there\""),
            ("1:20", "\"1:20\""),
            ("1.5e3", "\"1.5e3\""),
            ("0x1F", "\"0x1F\""),
            ("2001-12-14", "\"2001-12-14\""),
            ("1e999", "1e999"),
            ("v1", "v1"),
            ("/apis/*", "/apis/*"),
            ("é", "é"),
            ("\u{feff}", "\"\\uFEFF\""),
            ("\u{85}", "\"\\N\""),
            ("a\u{2028}b", "\"a\\Lb\""),
        ] {
            assert_eq!(string_scalar(s), want, "{s:?}");
        }
    }

    #[test]
    fn layout_matches_kubectl() {
        let v = serde_json::json!({
            "kind": "ClusterRoleBinding",
            "metadata": {"name": "x", "creationTimestamp": null, "labels": {}},
            "subjects": [{"kind": "User", "name": "*"}, {"kind": "Group", "name": "g"}],
            "list": [["a"], []],
        });
        assert_eq!(
            to_yaml(&v),
            "kind: ClusterRoleBinding\nlist:\n- - a\n- []\nmetadata:\n  creationTimestamp: null\n  \
             labels: {}\n  name: x\nsubjects:\n- kind: User\n  name: '*'\n- kind: Group\n  name: g\n"
        );
    }
}
