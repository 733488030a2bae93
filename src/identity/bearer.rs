//! The `Authorization: Bearer <token>` header as kube-apiserver reads it
//! (Kubernetes' `bearertoken.Authenticator`).

/// The warning kube-apiserver adds when the token is preceded by more than one space.
pub const EXTRA_SPACE_WARNING: &str = "the provided Authorization header contains extra space before the bearer token, and is ignored";

/// The error of a presented bearer token that no token authenticator accepts (HTTP 401).
pub const INVALID_BEARER_TOKEN: &str = "invalid bearer token";

/// What an `Authorization` header value holds, as kube-apiserver reads it.
#[derive(Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BearerHeader<'a> {
    /// No bearer token: the header is empty or blank, names another scheme, or has nothing after
    /// the scheme. Other request authenticators (client certificates, anonymous) decide.
    Absent,
    /// `Bearer` followed by two or more spaces: no token is taken, and kube-apiserver returns
    /// [`EXTRA_SPACE_WARNING`] to the client. Other request authenticators decide.
    ExtraSpace,
    /// A token to authenticate.
    Token(BearerToken<'a>),
}

impl<'a> BearerHeader<'a> {
    /// Reads an `Authorization` header value: surrounding white space (Unicode, as Go's
    /// `strings.TrimSpace`) is removed, the rest split on single spaces into at most three parts;
    /// the first must be `bearer` in any case, the second is the token, the third is ignored.
    ///
    /// ```
    /// use kube_tls_bootstrap::identity::BearerHeader;
    /// let BearerHeader::Token(t) = BearerHeader::parse(" BEARER abc.def trailing ") else {
    ///     panic!()
    /// };
    /// assert_eq!(t.expose(), "abc.def");
    /// assert_eq!(BearerHeader::parse("Bearer  abc"), BearerHeader::ExtraSpace);
    /// assert_eq!(BearerHeader::parse("Basic abc"), BearerHeader::Absent);
    /// ```
    pub fn parse(value: &'a str) -> Self {
        let value = value.trim();
        if value.is_empty() {
            return Self::Absent;
        }
        let mut parts = value.splitn(3, ' ');
        let scheme = parts.next().unwrap_or_default();
        let Some(token) = parts.next() else {
            return Self::Absent;
        };
        if !scheme.eq_ignore_ascii_case("bearer") {
            // Go lower-cases with Unicode rules, but no non-ASCII character lower-cases to a
            // letter of "bearer", so an ASCII comparison decides the same.
            return Self::Absent;
        }
        if token.is_empty() {
            return if parts.next().is_some() {
                Self::ExtraSpace
            } else {
                Self::Absent
            };
        }
        Self::Token(BearerToken(token))
    }

    /// The warning kube-apiserver returns to the client for this header, if any.
    pub const fn warning(&self) -> Option<&'static str> {
        match self {
            Self::ExtraSpace => Some(EXTRA_SPACE_WARNING),
            Self::Absent | Self::Token(_) => None,
        }
    }
}

impl std::fmt::Debug for BearerHeader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Absent => f.write_str("Absent"),
            Self::ExtraSpace => f.write_str("ExtraSpace"),
            Self::Token(t) => f.debug_tuple("Token").field(t).finish(),
        }
    }
}

/// A bearer token taken from a header. `Debug` never shows it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct BearerToken<'a>(&'a str);

impl<'a> BearerToken<'a> {
    /// The token itself, to hand to an authenticator. Never log it.
    pub const fn expose(&self) -> &'a str {
        self.0
    }
}

impl std::fmt::Debug for BearerToken<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BearerToken([redacted, {} bytes])", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(header: &str) -> Option<&str> {
        match BearerHeader::parse(header) {
            BearerHeader::Token(t) => Some(t.expose()),
            _ => None,
        }
    }

    #[test]
    fn kubernetes_bearertoken_cases() {
        assert_eq!(BearerHeader::parse(""), BearerHeader::Absent);
        assert_eq!(BearerHeader::parse("   \t "), BearerHeader::Absent);
        assert_eq!(
            BearerHeader::parse("Basic Zm9vOmJhcg=="),
            BearerHeader::Absent
        );
        assert_eq!(BearerHeader::parse("Bearer"), BearerHeader::Absent);
        assert_eq!(BearerHeader::parse("Bearer "), BearerHeader::Absent);
        assert_eq!(
            BearerHeader::parse("Bearer  token"),
            BearerHeader::ExtraSpace
        );
        assert_eq!(
            BearerHeader::parse("Bearer  token").warning(),
            Some(
                "the provided Authorization header contains extra space before the bearer token, and is ignored"
            )
        );
        assert_eq!(token("Bearer token"), Some("token"));
        assert_eq!(token("bEaReR token"), Some("token"));
        assert_eq!(token("Bearer token extra parts"), Some("token"));
        assert_eq!(token("\u{a0}Bearer token\u{2028}"), Some("token"));
        assert_eq!(token("Bearer\ttoken"), None);
        assert_eq!(token("Bearer tok\ten"), Some("tok\ten"));
    }

    #[test]
    fn debug_redacts_the_token() {
        let debug = format!("{:?}", BearerHeader::parse("Bearer s3cr3t"));
        assert_eq!(debug, "Token(BearerToken([redacted, 6 bytes]))");
    }
}
