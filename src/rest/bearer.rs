//! The `Authorization` header as kube-apiserver's bearer-token authenticator reads it
//! (k/k `staging/src/k8s.io/apiserver/pkg/authentication/request/bearertoken/bearertoken.go`).

use std::fmt;

/// The warning kube-apiserver adds (`Warning: 299 - "…"`) when the header is `Bearer` followed
/// by two spaces: `invalidTokenWithSpaceWarning`.
pub const EXTRA_SPACE_WARNING: &str = "the provided Authorization header contains extra space before the bearer token, and is ignored";

/// The `Warning` header value carrying [`EXTRA_SPACE_WARNING`], as the API server's warning
/// recorder writes it (code 299, agent `-`, the text quoted).
pub const EXTRA_SPACE_WARNING_HEADER: &str = "299 - \"the provided Authorization header contains extra space before the bearer token, and is ignored\"";

/// What the bearer-token authenticator makes of an `Authorization` header.
///
/// Only [`BearerToken::Token`] is a credential: the other two make the authenticator answer
/// "no opinion" (`nil, false, nil`), so the request falls through to the next authenticator
/// (a client certificate) and finally to anonymous, exactly as if the header were absent.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum BearerToken<'a> {
    /// No header, an empty one, a scheme other than `Bearer`, or `Bearer` without a token
    /// (`Bearer ` is trimmed to `Bearer`).
    Absent,
    /// `Bearer` followed by two or more spaces: the token Go splits out is empty, so the header
    /// is ignored and the answer carries [`EXTRA_SPACE_WARNING`].
    ExtraSpace,
    /// The token: the text between the first and the second space (anything after a second
    /// space is ignored).
    Token(&'a str),
}

impl fmt::Debug for BearerToken<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Absent => f.write_str("Absent"),
            Self::ExtraSpace => f.write_str("ExtraSpace"),
            Self::Token(_) => f.write_str("Token([elided])"),
        }
    }
}

/// Reads an `Authorization` header value as `bearertoken.go` does:
///
/// ```go
/// auth := strings.TrimSpace(req.Header.Get("Authorization"))
/// if auth == "" { return nil, false, nil }
/// parts := strings.SplitN(auth, " ", 3)
/// if len(parts) < 2 || strings.ToLower(parts[0]) != "bearer" { return nil, false, nil }
/// token := parts[1]
/// // Empty bearer tokens aren't valid
/// if len(token) == 0 {
///     // The space before the token case
///     if len(parts) == 3 { warning.AddWarning(req.Context(), "", invalidTokenWithSpaceWarning) }
///     return nil, false, nil
/// }
/// ```
///
/// ```
/// use kube_tls_bootstrap::rest::{bearer_token, BearerToken};
/// assert_eq!(bearer_token(None), BearerToken::Absent);
/// assert_eq!(bearer_token(Some("Bearer ")), BearerToken::Absent);
/// assert_eq!(bearer_token(Some("Basic dXNlcjpwYXNz")), BearerToken::Absent);
/// assert_eq!(bearer_token(Some("Bearer  abc")), BearerToken::ExtraSpace);
/// assert_eq!(bearer_token(Some("bearer abc def")), BearerToken::Token("abc"));
/// ```
pub fn bearer_token(header: Option<&str>) -> BearerToken<'_> {
    // Go's strings.TrimSpace trims Unicode White_Space, as str::trim does.
    let auth = header.unwrap_or_default().trim();
    if auth.is_empty() {
        return BearerToken::Absent;
    }
    let mut parts = auth.splitn(3, ' ');
    let scheme = parts.next().unwrap_or_default();
    let Some(token) = parts.next() else {
        return BearerToken::Absent;
    };
    // strings.ToLower(parts[0]) != "bearer": no non-ASCII letter lowercases to one of
    // "bearer"'s letters, so an ASCII case-insensitive compare is the same test.
    if !scheme.eq_ignore_ascii_case("bearer") {
        return BearerToken::Absent;
    }
    if token.is_empty() {
        return if parts.next().is_some() {
            BearerToken::ExtraSpace
        } else {
            BearerToken::Absent
        };
    }
    BearerToken::Token(token)
}
