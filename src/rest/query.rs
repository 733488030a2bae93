//! Query strings as kube-apiserver reads them: Go's `url.ParseQuery` (bad pairs dropped, as
//! `req.URL.Query()` drops them), the first value of each key, the parameter codec's
//! conversions, and field selectors as `fields.ParseSelector` parses them.

use std::fmt::Write as _;

use super::resource::{FieldLabels, Resource};

/// One `key=value` pair of a field selector (`metadata.name=csr-1`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FieldRequirement {
    /// The field label, e.g. `metadata.name`.
    pub field: String,
    /// `true` for `=` and `==`, `false` for `!=`.
    pub equals: bool,
    /// The unescaped value.
    pub value: String,
}

/// A parsed field selector: its requirements, sorted as Kubernetes sorts the terms.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct FieldSelector {
    /// The requirements, all of which must hold.
    pub requirements: Vec<FieldRequirement>,
}

impl FieldSelector {
    /// Parses a selector as `fields.ParseSelector` does, with its error texts:
    /// `invalid selector: '<s>'; can't understand '<term>'`,
    /// `invalid field selector: invalid escape sequence: <seq>`,
    /// `invalid field selector: unescaped character in value: <c>`.
    ///
    /// ```
    /// use kube_tls_bootstrap::rest::FieldSelector;
    /// let s = FieldSelector::parse("metadata.name=node-csr-a\\,b").unwrap();
    /// assert_eq!(s.name(), Some("node-csr-a,b"));
    /// assert_eq!(FieldSelector::parse("x").unwrap_err(), "invalid selector: 'x'; can't understand 'x'");
    /// ```
    pub fn parse(selector: &str) -> Result<Self, String> {
        let mut terms = split_terms(selector);
        terms.sort_unstable();
        let mut requirements = Vec::new();
        for term in terms {
            if term.is_empty() {
                continue;
            }
            let Some((field, op, rhs)) = split_term(term) else {
                return Err(format!(
                    "invalid selector: '{selector}'; can't understand '{term}'"
                ));
            };
            requirements.push(FieldRequirement {
                field: field.to_owned(),
                equals: op != "!=",
                value: unescape_value(rhs)?,
            });
        }
        // Go sorts the raw terms; sorting the parsed requirements as well makes the order
        // independent of how each term was spelled (`==` or `=`, escapes), so a selector
        // written back parses equal. The requirements are ANDed: order has no meaning.
        requirements
            .sort_by(|a, b| (&a.field, a.equals, &a.value).cmp(&(&b.field, b.equals, &b.value)));
        Ok(Self { requirements })
    }

    /// The object name the selector pins (`metadata.name=<name>` or `==`), if any.
    pub fn name(&self) -> Option<&str> {
        self.requirements
            .iter()
            .find(|r| r.equals && r.field == "metadata.name")
            .map(|r| r.value.as_str())
    }

    /// Checks each label against what the resource converts, with the API server's texts.
    pub(crate) fn check_labels(&self, resource: Resource) -> Result<(), String> {
        for r in &self.requirements {
            match resource.field_labels() {
                FieldLabels::Default => {
                    if r.field != "metadata.name" && r.field != "metadata.namespace" {
                        return Err(format!(
                            "{} is not a known field selector: only \"metadata.name\", \"metadata.namespace\"",
                            crate::go::quote(&r.field)
                        ));
                    }
                }
                FieldLabels::Custom(labels) => {
                    if !labels.contains(&r.field.as_str()) {
                        return Err(format!("field label not supported: {}", r.field));
                    }
                }
            }
        }
        Ok(())
    }

    /// The selector written back (`fields.Selector.String()`): terms joined by `,`, values
    /// escaped.
    pub fn to_query_value(&self) -> String {
        let mut out = String::new();
        for (i, r) in self.requirements.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&r.field);
            out.push_str(if r.equals { "=" } else { "!=" });
            for c in r.value.chars() {
                if matches!(c, '\\' | ',' | '=') {
                    out.push('\\');
                }
                out.push(c);
            }
        }
        out
    }
}

/// Splits on commas not preceded by a backslash escape (`fields.splitTerms`).
fn split_terms(s: &str) -> Vec<&str> {
    if s.is_empty() {
        return Vec::new();
    }
    let mut terms = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == ',' {
            terms.push(&s[start..i]);
            start = i + 1;
        }
    }
    terms.push(&s[start..]);
    terms
}

/// The first `!=`, `==` or `=` in the term (`fields.splitTerm`).
fn split_term(term: &str) -> Option<(&str, &'static str, &str)> {
    for (i, _) in term.char_indices() {
        let rest = &term[i..];
        for op in ["!=", "==", "="] {
            if let Some(rhs) = rest.strip_prefix(op) {
                return Some((&term[..i], op, rhs));
            }
        }
    }
    None
}

/// `fields.UnescapeValue`.
fn unescape_value(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut in_slash = false;
    for c in s.chars() {
        if in_slash {
            if !matches!(c, '\\' | ',' | '=') {
                return Err(format!(
                    "invalid field selector: invalid escape sequence: \\{c}"
                ));
            }
            out.push(c);
            in_slash = false;
            continue;
        }
        match c {
            '\\' => in_slash = true,
            ',' | '=' => {
                return Err(format!(
                    "invalid field selector: unescaped character in value: {c}"
                ));
            }
            _ => out.push(c),
        }
    }
    if in_slash {
        return Err("invalid field selector: invalid escape sequence: \\".to_owned());
    }
    Ok(out)
}

/// The query parameters of a resource request that the server reads (list, watch, create,
/// update and delete options).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Options {
    /// `fieldSelector`, parsed.
    pub field_selector: Option<FieldSelector>,
    /// `labelSelector`, kept as sent (no label is served that a selector could use).
    pub label_selector: Option<String>,
    /// `resourceVersion`.
    pub resource_version: Option<String>,
    /// `resourceVersionMatch`.
    pub resource_version_match: Option<String>,
    /// `limit` (0 when absent, as Go's zero value).
    pub limit: Option<i64>,
    /// `continue`.
    pub continue_token: Option<String>,
    /// `timeoutSeconds`.
    pub timeout_seconds: Option<i64>,
    /// `allowWatchBookmarks`.
    pub allow_watch_bookmarks: bool,
    /// `sendInitialEvents`.
    pub send_initial_events: Option<bool>,
    /// `dryRun` (every value, e.g. `All`).
    pub dry_run: Vec<String>,
    /// `fieldManager` (kubectl sends `kubectl-create`, `kubectl-certificate`, …).
    pub field_manager: Option<String>,
    /// `fieldValidation` (`Strict`, `Warn`, `Ignore`).
    pub field_validation: Option<String>,
    /// `includeObject` of a Table request (`None`, `Metadata`, `Object`).
    pub include_object: Option<String>,
}

/// Every pair of a raw query string, decoded as Go's `url.ParseQuery` decodes, in order; pairs
/// that fail to decode (bad `%` escapes, a `;` in the key) are dropped as `req.URL.Query()`
/// drops them.
pub fn parse_pairs(query: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for piece in query.split('&') {
        if piece.is_empty() || piece.contains(';') {
            continue;
        }
        let (k, v) = piece.split_once('=').unwrap_or((piece, ""));
        if let (Some(k), Some(v)) = (unescape(k, true), unescape(v, true)) {
            pairs.push((k, v));
        }
    }
    pairs
}

/// Go's `url.unescape`: `%XX` decoded (any byte), `+` → space in queries; `None` on a bad escape
/// or a result that is not UTF-8.
pub(crate) fn unescape(s: &str, plus_is_space: bool) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hi = hex(*bytes.get(i + 1)?)?;
                let lo = hex(*bytes.get(i + 2)?)?;
                out.push(hi << 4 | lo);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters (Go's
/// `url.QueryEscape`, with `%20` for space so paths and queries can share it).
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The first value of a key.
pub(crate) fn first<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// Go's `Convert_Slice_string_To_bool`: `0` and (any case) `false` are false, anything else
/// true.
pub(crate) fn truthy(value: &str) -> bool {
    !(value == "0" || value.eq_ignore_ascii_case("false"))
}

/// `strconv.ParseInt(v, 10, 64)` with Go's error text.
pub(crate) fn parse_int(value: &str) -> Result<i64, String> {
    let digits = value.strip_prefix(['+', '-']).unwrap_or(value);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "strconv.ParseInt: parsing {}: invalid syntax",
            crate::go::quote(value)
        ));
    }
    value.parse::<i64>().map_err(|_| {
        format!(
            "strconv.ParseInt: parsing {}: value out of range",
            crate::go::quote(value)
        )
    })
}

impl Options {
    /// Reads the options from decoded pairs; the error is the 400 message.
    pub(crate) fn from_pairs(pairs: &[(String, String)]) -> Result<Self, String> {
        let text = |key: &str| first(pairs, key).map(str::to_owned);
        let int = |key: &str| -> Result<Option<i64>, String> {
            match first(pairs, key) {
                None | Some("") => Ok(None),
                Some(v) => parse_int(v).map(Some),
            }
        };
        // A selector without requirements (`""`, `","`) selects everything, as none does.
        let field_selector = match first(pairs, "fieldSelector") {
            None => None,
            Some(s) => Some(FieldSelector::parse(s)?).filter(|s| !s.requirements.is_empty()),
        };
        Ok(Self {
            field_selector,
            label_selector: text("labelSelector").filter(|s| !s.is_empty()),
            resource_version: text("resourceVersion"),
            resource_version_match: text("resourceVersionMatch"),
            limit: int("limit")?,
            continue_token: text("continue").filter(|s| !s.is_empty()),
            timeout_seconds: int("timeoutSeconds")?,
            allow_watch_bookmarks: first(pairs, "allowWatchBookmarks").is_some_and(truthy),
            send_initial_events: first(pairs, "sendInitialEvents")
                .filter(|v| !v.is_empty())
                .map(truthy),
            dry_run: pairs
                .iter()
                .filter(|(k, _)| k == "dryRun")
                .map(|(_, v)| v.clone())
                .collect(),
            field_manager: text("fieldManager"),
            field_validation: text("fieldValidation"),
            include_object: text("includeObject"),
        })
    }

    /// The options as a query string in a fixed order, each value escaped; `watch=true` is
    /// added by the caller when the verb is watch.
    pub fn to_query(&self) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(s) = &self.field_selector {
            pairs.push(("fieldSelector", s.to_query_value()));
        }
        let mut push = |k: &'static str, v: &Option<String>| {
            if let Some(v) = v {
                pairs.push((k, v.clone()));
            }
        };
        push("labelSelector", &self.label_selector);
        push("resourceVersion", &self.resource_version);
        push("resourceVersionMatch", &self.resource_version_match);
        push("continue", &self.continue_token);
        push("fieldManager", &self.field_manager);
        push("fieldValidation", &self.field_validation);
        push("includeObject", &self.include_object);
        if let Some(l) = self.limit {
            pairs.push(("limit", l.to_string()));
        }
        if let Some(t) = self.timeout_seconds {
            pairs.push(("timeoutSeconds", t.to_string()));
        }
        if self.allow_watch_bookmarks {
            pairs.push(("allowWatchBookmarks", "true".to_owned()));
        }
        if let Some(s) = self.send_initial_events {
            pairs.push(("sendInitialEvents", s.to_string()));
        }
        for d in &self.dry_run {
            pairs.push(("dryRun", d.clone()));
        }
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", escape(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_selectors_parse_as_kubernetes_parses_them() {
        let s = FieldSelector::parse("spec.signerName!=a,metadata.name==b").unwrap();
        assert_eq!(s.requirements[0].field, "metadata.name");
        assert_eq!(s.name(), Some("b"));
        assert!(!s.requirements[1].equals);
        assert_eq!(
            FieldSelector::parse("metadata.name=a\\x").unwrap_err(),
            "invalid field selector: invalid escape sequence: \\x"
        );
        assert_eq!(
            FieldSelector::parse("metadata.name=a=b").unwrap_err(),
            "invalid field selector: unescaped character in value: ="
        );
        assert_eq!(
            FieldSelector::parse("metadata.name=a\\").unwrap_err(),
            "invalid field selector: invalid escape sequence: \\"
        );
        assert_eq!(
            FieldSelector::parse("a,,b=c").unwrap_err(),
            "invalid selector: 'a,,b=c'; can't understand 'a'"
        );
        assert_eq!(FieldSelector::parse("").unwrap().requirements, vec![]);
        let round = FieldSelector::parse("metadata.name=x\\=y\\\\").unwrap();
        assert_eq!(
            FieldSelector::parse(&round.to_query_value()).unwrap(),
            round
        );
    }

    #[test]
    fn queries_decode_as_go_decodes_them() {
        assert_eq!(
            parse_pairs("a=1&b=x+y%21&bad=%zz&c;d=1&&e"),
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x y!".into()),
                ("e".into(), String::new())
            ]
        );
        assert_eq!(
            parse_int("abc").unwrap_err(),
            "strconv.ParseInt: parsing \"abc\": invalid syntax"
        );
        assert_eq!(
            parse_int("99999999999999999999").unwrap_err(),
            "strconv.ParseInt: parsing \"99999999999999999999\": value out of range"
        );
        assert_eq!(parse_int("-5"), Ok(-5));
        // Found by the rest_route fuzzer: an empty selector is no selector, so it writes back.
        let empty = Options::from_pairs(&parse_pairs("fieldSelector=,,")).unwrap();
        assert_eq!(empty.field_selector, None);
        assert_eq!(empty.to_query(), "");
        assert!(truthy("true") && truthy("1") && truthy("") && !truthy("FALSE") && !truthy("0"));
    }
}
