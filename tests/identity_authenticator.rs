//! The token authentication chain: token file first, then bootstrap tokens, behind the bearer
//! header; a presented token nobody accepts is `invalid bearer token`.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is a test failure

use kube_tls_bootstrap::identity::{
    AuthenticationError, Authenticator, BootstrapToken, BootstrapTokenAuthenticator,
    RequestAuthentication, Secret, TokenFile, TokenSource,
};
use kube_tls_bootstrap::time::Timestamp;

fn now() -> Timestamp {
    Timestamp::parse_rfc3339("2026-11-28T12:00:00Z").unwrap()
}

fn chain() -> Authenticator {
    // The token file also defines the bootstrap token's text: the file wins.
    let file = TokenFile::parse(
        b"02b50b05283e98dd0fd71db496ef01e8,kubelet-bootstrap,10001,\"system:bootstrappers\"\n\
          abcdef.0123456789abcdef,shadow,1\n\
          t,alice,42,\n",
        "/etc/kubernetes/token.csv",
    )
    .unwrap();
    let mut bootstrap = BootstrapTokenAuthenticator::new();
    for token in ["abcdef.0123456789abcdef", "ghijkl.0123456789abcdef"] {
        let token = BootstrapToken::parse(token).unwrap();
        bootstrap.insert(Secret::for_bootstrap_token(
            &token,
            &["system:bootstrappers:kubeadm:default-node-token"],
            None,
        ));
    }
    Authenticator {
        token_file: Some(file),
        bootstrap_tokens: Some(bootstrap),
    }
}

fn authenticated(header: &str) -> (String, Vec<String>, TokenSource) {
    match chain().authenticate_request(Some(header), now()) {
        RequestAuthentication::Authenticated { user, by } => (user.name, user.groups, by),
        other => panic!("{header}: {other:?}"),
    }
}

#[test]
fn token_file_user_gets_system_authenticated_last() {
    let (name, groups, by) = authenticated("Bearer 02b50b05283e98dd0fd71db496ef01e8");
    assert_eq!(name, "kubelet-bootstrap");
    assert_eq!(groups, ["system:bootstrappers", "system:authenticated"]);
    assert_eq!(by, TokenSource::TokenFile);
    let (_, groups, _) = authenticated("Bearer t");
    assert_eq!(groups, ["", "system:authenticated"]);
}

#[test]
fn the_token_file_is_asked_first() {
    let (name, groups, by) = authenticated("Bearer abcdef.0123456789abcdef");
    assert_eq!((name.as_str(), by), ("shadow", TokenSource::TokenFile));
    assert_eq!(groups, ["system:authenticated"]);
    let (name, groups, by) = authenticated("bearer ghijkl.0123456789abcdef");
    assert_eq!(name, "system:bootstrap:ghijkl");
    assert_eq!(
        groups,
        [
            "system:bootstrappers",
            "system:bootstrappers:kubeadm:default-node-token",
            "system:authenticated"
        ]
    );
    assert_eq!(by, TokenSource::BootstrapToken);
}

#[test]
fn unknown_tokens_are_rejected_not_anonymous() {
    for header in [
        "Bearer nope",
        "Bearer ghijkl.0123456789abcdee",
        "Bearer 02b50b05283e98dd0fd71db496ef01e",
    ] {
        let outcome = chain().authenticate_request(Some(header), now());
        assert_eq!(
            outcome,
            RequestAuthentication::Rejected(AuthenticationError::InvalidBearerToken)
        );
    }
    assert_eq!(
        AuthenticationError::InvalidBearerToken.to_string(),
        "invalid bearer token"
    );
    assert!(chain().authenticate_token("nope", now()).is_none());
}

#[test]
fn no_token_leaves_the_decision_to_others() {
    let chain = chain();
    for header in [None, Some(""), Some("Basic dXNlcjpwdw=="), Some("Bearer")] {
        assert_eq!(
            chain.authenticate_request(header, now()),
            RequestAuthentication::NoToken { warning: None }
        );
    }
    assert_eq!(
        chain.authenticate_request(Some("Bearer  t"), now()),
        RequestAuthentication::NoToken {
            warning: Some(
                "the provided Authorization header contains extra space before the bearer token, and is ignored"
            )
        }
    );
}

#[test]
fn an_empty_chain_rejects_every_token() {
    let chain = Authenticator::default();
    assert_eq!(
        chain.authenticate_request(Some("Bearer t"), now()),
        RequestAuthentication::Rejected(AuthenticationError::InvalidBearerToken)
    );
}
