//! The `Authorization` header as kube-apiserver's bearer-token authenticator reads it
//! (`bearertoken.go`): only `Bearer <token>` is a credential; everything else falls through to
//! the next authenticator (client certificate, then anonymous).

use kube_tls_bootstrap::rest::{
    BearerToken, EXTRA_SPACE_WARNING, EXTRA_SPACE_WARNING_HEADER, bearer_token,
};
use proptest::prelude::*;

#[test]
fn headers_as_bearertoken_go_reads_them() {
    let cases: [(Option<&str>, BearerToken<'_>); 17] = [
        (None, BearerToken::Absent),
        (Some(""), BearerToken::Absent),
        (Some("   "), BearerToken::Absent),
        // TrimSpace, then one part: no token.
        (Some("Bearer"), BearerToken::Absent),
        (Some("Bearer "), BearerToken::Absent),
        (Some("Bearer    "), BearerToken::Absent),
        (Some("\tBearer \t"), BearerToken::Absent),
        // Another scheme, or no space after the scheme.
        (Some("Basic a2I6cHc="), BearerToken::Absent),
        (Some("Token abc"), BearerToken::Absent),
        (Some("Bearer\tabc"), BearerToken::Absent),
        (Some("Bearerabc"), BearerToken::Absent),
        // SplitN(auth, " ", 3): two spaces make parts[1] empty.
        (Some("Bearer  abc"), BearerToken::ExtraSpace),
        (Some("Bearer   abc def"), BearerToken::ExtraSpace),
        // The scheme in any case; the token ends at the next space.
        (Some("Bearer abc"), BearerToken::Token("abc")),
        (Some("bEaReR abc"), BearerToken::Token("abc")),
        (Some("  Bearer abc  "), BearerToken::Token("abc")),
        (Some("Bearer abc def ghi"), BearerToken::Token("abc")),
    ];
    for (header, want) in cases {
        assert_eq!(bearer_token(header), want, "{header:?}");
    }
}

#[test]
fn the_token_never_reaches_debug() {
    assert_eq!(
        format!("{:?}", bearer_token(Some("Bearer s3cr3t"))),
        "Token([elided])"
    );
}

#[test]
fn the_warning_is_kubernetes_text() {
    assert_eq!(
        EXTRA_SPACE_WARNING,
        "the provided Authorization header contains extra space before the bearer token, and is ignored"
    );
    assert_eq!(
        EXTRA_SPACE_WARNING_HEADER,
        format!("299 - \"{EXTRA_SPACE_WARNING}\"")
    );
}

proptest! {
    /// `Bearer <token>` with any token free of whitespace, in any case of the scheme and with
    /// any trailing words: the token, exactly.
    #[test]
    fn any_token_is_read_back(
        token in "[!-~]{1,64}",
        upper in any::<bool>(),
        tail in proptest::option::of("[a-z ]{0,10}"),
    ) {
        let scheme = if upper { "BEARER" } else { "Bearer" };
        let header = match &tail {
            Some(t) => format!("{scheme} {token} {t}"),
            None => format!("{scheme} {token}"),
        };
        prop_assert_eq!(bearer_token(Some(&header)), BearerToken::Token(&token));
    }

    /// Any header at all: an answer, and a token only when the header starts (after trimming)
    /// with `bearer ` followed by it.
    #[test]
    fn any_header_is_answered(header in any::<String>()) {
        if let BearerToken::Token(t) = bearer_token(Some(&header)) {
            let trimmed = header.trim();
            prop_assert!(trimmed.get(..7).is_some_and(|p| p.eq_ignore_ascii_case("bearer ")));
            prop_assert!(!t.is_empty() && !t.contains(' '));
            prop_assert_eq!(trimmed.get(7..7 + t.len()), Some(t));
        }
    }
}
