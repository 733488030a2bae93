//! Lint findings for a static token file: what kube-apiserver loads without a word but what
//! breaks clusters in practice. These are this crate's advice, not Kubernetes' output; an admin
//! tool prints them apart from kube-apiserver's own warnings and errors.
//!
//! | kind | what it means |
//! |---|---|
//! | `empty-file` | no record at all: kube-apiserver starts, and every token is refused |
//! | `byte-order-mark` | the file starts with a UTF-8 BOM, which becomes part of the first token |
//! | `header-row` | a `token,user,uid` header row is loaded as a credential |
//! | `group-space` | a group with a leading or trailing space, which never matches a binding |
//! | `empty-group` | an empty groups column or an empty group between commas |
//! | `unquoted-groups` | more than four columns: the groups were not quoted and lost their tail |
//! | `short-token` | a token shorter than [`SAFE_TOKEN_LENGTH`] bytes |
//! | `reused-token` | one token on records of different users: only the last user keeps it |
//!
//! Tokens never appear in a finding; a token is named by its fingerprint
//! ([`TokenDigest::fingerprint`]).

use std::collections::BTreeMap;

use super::csv::{Field, Reader};
use super::token_file::TokenDigest;
use crate::go;

/// The shortest token this lint calls safe, in bytes: 128 bits written as 32 hex digits, the
/// token the Kubernetes documentation generates (`head -c 16 /dev/urandom | od -An -t x | tr -d
/// ' '`).
pub const SAFE_TOKEN_LENGTH: usize = 32;

/// What a [`TokenLint`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum TokenLintKind {
    /// The file holds no record.
    EmptyFile,
    /// The file starts with a UTF-8 byte order mark.
    ByteOrderMark,
    /// The first record looks like a header row.
    HeaderRow,
    /// A group has a leading or trailing space.
    GroupSpace,
    /// The groups column is empty, or a group between commas is.
    EmptyGroup,
    /// The record has more than four columns.
    UnquotedGroups,
    /// The token is shorter than [`SAFE_TOKEN_LENGTH`].
    ShortToken,
    /// The token is also on a record of another user.
    ReusedToken,
}

impl TokenLintKind {
    /// The kind's stable name, as in the table of the module docs.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::EmptyFile => "empty-file",
            Self::ByteOrderMark => "byte-order-mark",
            Self::HeaderRow => "header-row",
            Self::GroupSpace => "group-space",
            Self::EmptyGroup => "empty-group",
            Self::UnquotedGroups => "unquoted-groups",
            Self::ShortToken => "short-token",
            Self::ReusedToken => "reused-token",
        }
    }
}

/// One finding: its kind, the line of the record it is about (0 for the whole file) and a
/// sentence for the admin (which never contains a token).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenLint {
    /// What the finding is about.
    pub kind: TokenLintKind,
    /// The 1-based line the record starts on; 0 when the finding is about the whole file.
    pub line: u64,
    /// What is wrong and what kube-apiserver does with it.
    pub message: String,
}

/// Lints a token file's bytes. The records are read as kube-apiserver reads them (Go's CSV
/// reader); reading stops at the first CSV error or short record, which kube-apiserver reports
/// itself. Findings come in record order; for one record, in the order of the kinds.
///
/// ```
/// use kube_tls_bootstrap::identity::{TokenLintKind, lint_token_file};
/// let findings = lint_token_file(b"token,user,uid\n");
/// let kinds: Vec<_> = findings.iter().map(|f| f.kind).collect();
/// assert_eq!(kinds, [TokenLintKind::HeaderRow, TokenLintKind::ShortToken]);
/// ```
pub fn lint_token_file(input: &[u8]) -> Vec<TokenLint> {
    let mut findings = Vec::new();
    let mut reader = Reader::new(input);
    let mut first = true;
    let mut records = 0usize;
    // Every token's users, by digest: which lines and which user names.
    let mut users: BTreeMap<[u8; 32], Vec<(u64, String)>> = BTreeMap::new();
    let mut pending_reuse: Vec<(u64, TokenDigest)> = Vec::new();
    while let Ok(Some(line)) = reader.read_record() {
        let count = reader.field_count();
        if count < 3 {
            break;
        }
        records += 1;
        let field = |i: usize| {
            String::from_utf8_lossy(reader.bytes(reader.span(i).unwrap_or(Field::Input(0, 0))))
                .into_owned()
        };
        let token = reader
            .bytes(reader.span(0).unwrap_or(Field::Input(0, 0)))
            .to_vec();
        let name = field(1);
        let mut add = |kind: TokenLintKind, message: String| {
            findings.push(TokenLint {
                kind,
                line,
                message,
            });
        };
        if first {
            first = false;
            if let Some(rest) = token.strip_prefix(b"\xef\xbb\xbf".as_slice()) {
                add(
                    TokenLintKind::ByteOrderMark,
                    format!(
                        "the file starts with a UTF-8 byte order mark, which kube-apiserver keeps \
                         as the first bytes of the first token: it is {}, not the {} of the token \
                         as typed; save the file without a BOM",
                        TokenDigest::of(&token).fingerprint(),
                        TokenDigest::of(rest).fingerprint()
                    ),
                );
            }
            let plain =
                String::from_utf8_lossy(token.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&token))
                    .trim()
                    .to_ascii_lowercase();
            let user = name.trim().to_ascii_lowercase();
            if plain.contains("token") && (user.contains("user") || user.contains("name")) {
                add(
                    TokenLintKind::HeaderRow,
                    format!(
                        "this looks like a header row, but kube-apiserver has no header: it loads \
                         it as a credential for user {} (delete the line)",
                        go::quote(&name)
                    ),
                );
            }
        }
        if count >= 4 {
            let column = field(3);
            if column.is_empty() {
                add(
                    TokenLintKind::EmptyGroup,
                    format!(
                        "the groups column is empty: kube-apiserver gives user {} one group named \
                         \"\" (leave the column out instead)",
                        go::quote(&name)
                    ),
                );
            } else {
                for group in column.split(',') {
                    if group.is_empty() {
                        add(
                            TokenLintKind::EmptyGroup,
                            format!(
                                "the groups column {} holds an empty group (two commas in a row or \
                                 a comma at an end)",
                                go::quote(&column)
                            ),
                        );
                    } else if group.trim() != group {
                        add(
                            TokenLintKind::GroupSpace,
                            format!(
                                "group {} has a leading or trailing space, which kube-apiserver \
                                 keeps: no binding to {} matches it",
                                go::quote(group),
                                go::quote(group.trim())
                            ),
                        );
                    }
                }
            }
        }
        if count > 4 {
            let lost: Vec<String> = (4..count).map(field).collect();
            add(
                TokenLintKind::UnquotedGroups,
                format!(
                    "the record has {count} columns: kube-apiserver reads only {} as the groups \
                     and ignores {}; quote the groups column (\"a,b\") to keep every group",
                    go::quote(&field(3)),
                    lost.iter()
                        .map(|s| go::quote(s))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        if !token.is_empty() && token.len() < SAFE_TOKEN_LENGTH {
            add(
                TokenLintKind::ShortToken,
                format!(
                    "token {} is {} byte{} long; use at least {SAFE_TOKEN_LENGTH} random \
                     characters",
                    TokenDigest::of(&token).fingerprint(),
                    token.len(),
                    if token.len() == 1 { "" } else { "s" }
                ),
            );
        }
        if !token.is_empty() {
            let digest = TokenDigest::of(&token);
            let seen = users.entry(*digest.as_bytes()).or_default();
            if seen.iter().any(|(_, user)| *user != name) {
                pending_reuse.push((line, digest));
            }
            seen.push((line, name));
        }
    }
    for (line, digest) in pending_reuse {
        let Some(seen) = users.get(digest.as_bytes()) else {
            continue;
        };
        let others: Vec<String> = seen
            .iter()
            .filter(|(l, _)| *l < line)
            .map(|(l, user)| format!("{} (line {l})", go::quote(user)))
            .collect();
        let user = seen
            .iter()
            .find(|(l, _)| *l == line)
            .map(|(_, u)| u.as_str())
            .unwrap_or_default();
        findings.push(TokenLint {
            kind: TokenLintKind::ReusedToken,
            line,
            message: format!(
                "token {} is also the token of {}: kube-apiserver keeps only the last record, so \
                 it authenticates as {} alone",
                digest.fingerprint(),
                others.join(", "),
                go::quote(user)
            ),
        });
    }
    findings.sort_by_key(|f| (f.line, f.kind));
    if records == 0 && reader_had_no_error(input) {
        findings.insert(
            0,
            TokenLint {
                kind: TokenLintKind::EmptyFile,
                line: 0,
                message: "the file holds no record: kube-apiserver starts, and refuses every token"
                    .to_owned(),
            },
        );
    }
    findings
}

/// Whether the CSV reader reads `input` to its end without an error or a short record (an
/// input kube-apiserver refuses gets its own error, not an empty-file finding).
fn reader_had_no_error(input: &[u8]) -> bool {
    let mut reader = Reader::new(input);
    loop {
        match reader.read_record() {
            Ok(None) => return true,
            Ok(Some(_)) if reader.field_count() >= 3 => {}
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(input: &[u8]) -> Vec<(u64, TokenLintKind)> {
        lint_token_file(input)
            .iter()
            .map(|f| (f.line, f.kind))
            .collect()
    }

    #[test]
    fn each_mistake_is_found() {
        use TokenLintKind as K;
        let good = "0123456789abcdef0123456789abcdef";
        assert_eq!(kinds(b""), [(0, K::EmptyFile)]);
        assert_eq!(kinds(b"\n\r\n"), [(0, K::EmptyFile)]);
        assert_eq!(kinds(b"a,b\n"), []);
        let bom = format!("\u{feff}{good},u,1\n");
        assert_eq!(kinds(bom.as_bytes()), [(1, K::ByteOrderMark)]);
        let header = format!("token,user,uid,groups\n{good},u,1\n");
        assert_eq!(
            kinds(header.as_bytes()),
            [(1, K::HeaderRow), (1, K::ShortToken)]
        );
        let groups = format!("{good},u,1, system:nodes\n{good}x,v,2,\n{good}y,w,3,a,,b\n");
        assert_eq!(
            kinds(groups.as_bytes()),
            [
                (1, K::GroupSpace),
                (2, K::EmptyGroup),
                (3, K::UnquotedGroups)
            ]
        );
        let reused = format!("{good},u,1\n{good},u,1\n{good},v,2\n");
        let findings = lint_token_file(reused.as_bytes());
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].kind, K::ReusedToken);
        assert_eq!(findings[0].line, 3);
        assert!(!findings[0].message.contains(good));
        assert!(
            findings[0]
                .message
                .contains(r#"also the token of "u" (line 1), "u" (line 2)"#),
            "{}",
            findings[0].message
        );
    }
}
