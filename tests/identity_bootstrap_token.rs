//! Bootstrap tokens: the regex tables of Kubernetes' `helpers_test.go` and Go-computed edge
//! cases (`tests/data/identity/regex_vectors.txt`), the ten cases of `bootstrap_test.go`
//! (PROTOCOL.md §2.2), the kubeadm example, expiry at the second and a Secret read from YAML.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is a test failure

use std::collections::BTreeMap;

use kube_tls_bootstrap::identity::{
    BootstrapToken, BootstrapTokenAuthenticator, BootstrapTokenRejection, Secret, SecretMetadata,
    is_valid_bootstrap_token, is_valid_bootstrap_token_id, parse_bootstrap_token_secret_name,
    validate_bootstrap_group_name,
};
use kube_tls_bootstrap::time::Timestamp;

#[test]
fn helpers_test_token_regex() {
    for valid in [
        "abcdef.1234567890123456",
        "123456.aabbccddeeffgghh",
        "abcdef.abcdef0123456789",
        "123456.1234560123456789",
    ] {
        assert!(is_valid_bootstrap_token(valid), "{valid}");
    }
    for invalid in [
        "",
        ".",
        "1234567890123456789012",
        "12345.1234567890123456",
        ".1234567890123456",
        "123456.",
        "123456:1234567890.123456",
        "abcdef:1234567890123456",
        "Abcdef.1234567890123456",
        "123456.AABBCCDDEEFFGGHH",
        "123456.AABBCCD-EEFFGGHH",
        "abc*ef.1234567890123456",
        "ABCDEF.abcdef0123456789",
    ] {
        assert!(!is_valid_bootstrap_token(invalid), "{invalid}");
    }
}

#[test]
fn secrets_test_parse_name() {
    assert_eq!(
        parse_bootstrap_token_secret_name("bootstrap-token-abcdef"),
        Some("abcdef")
    );
    for bad in [
        "",
        "bootstrap-token-",
        "bootstrap-token-abcde",
        "bootstrap-token-abcdefg",
        "bootstrap-token-ABCDEF",
        "bootstrap-token-abcdef\n",
        "Bootstrap-token-abcdef",
        "xbootstrap-token-abcdef",
        "bootstrap-token-abc_ef",
    ] {
        assert_eq!(parse_bootstrap_token_secret_name(bad), None, "{bad:?}");
    }
}

#[test]
fn helpers_test_token_id_regex() {
    for valid in ["abcdef", "123456"] {
        assert!(is_valid_bootstrap_token_id(valid), "{valid}");
    }
    for invalid in [
        "",
        "12345",
        "Abcdef",
        "ABCDEF",
        "abcdef.",
        "1234567890123456789012",
    ] {
        assert!(!is_valid_bootstrap_token_id(invalid), "{invalid}");
    }
}

#[test]
fn helpers_test_group_names() {
    for valid in [
        "system:bootstrappers:foo",
        "system:bootstrappers:foo:bar:baz",
        "system:bootstrappers:foo-bar-42",
    ] {
        assert_eq!(validate_bootstrap_group_name(valid.as_bytes()), Ok(()));
    }
    let long = format!("system:bootstrappers:{}", "x".repeat(300));
    for invalid in [
        "system:bootstrappers:Foo",
        "foo",
        "system:bootstrappers:",
        "system:bootstrappers: ",
        "system:bootstrappers:*",
        "system:bootstrappers:foo:",
        "system:bootstrappers:foo-",
        "<script> alert(\"scary?!\") </script>",
        &long,
    ] {
        let err = validate_bootstrap_group_name(invalid.as_bytes()).unwrap_err();
        assert_eq!(err.group, invalid.as_bytes());
    }
    assert_eq!(
        validate_bootstrap_group_name(b"<script> alert(\"scary?!\") </script>")
            .unwrap_err()
            .to_string(),
        r#"bootstrap group "<script> alert(\"scary?!\") </script>" is invalid (must match \Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\z)"#
    );
}

/// Go's `%q` unquoting for the few escapes the vector file uses.
fn unquote(s: &str) -> String {
    s.replace("\\n", "\n").replace("\\\"", "\"")
}

#[test]
fn go_regex_vectors() {
    let text = include_str!("data/identity/regex_vectors.txt");
    let mut checked = 0;
    for line in text.lines() {
        let (lhs, expected) = line.rsplit_once(" -> ").unwrap();
        let expected: bool = expected.parse().unwrap();
        if let Some(quoted) = lhs.strip_prefix("token ") {
            let token = unquote(&quoted[1..quoted.len() - 1]);
            assert_eq!(is_valid_bootstrap_token(&token), expected, "{line}");
        } else if let Some(rest) = lhs.strip_prefix("group len=") {
            let (len, quoted) = rest.split_once(' ').unwrap();
            let len: usize = len.parse().unwrap();
            let shown = unquote(quoted.trim_end_matches("...").trim_matches('"'));
            let mut group = shown.clone();
            while group.len() < len {
                group.push('x');
            }
            assert_eq!(group.len(), len, "{line}");
            assert_eq!(
                validate_bootstrap_group_name(group.as_bytes()).is_ok(),
                expected,
                "{line}"
            );
        } else {
            panic!("unexpected line {line}");
        }
        checked += 1;
    }
    assert_eq!(checked, 11);
}

fn at(rfc3339: &str) -> Timestamp {
    Timestamp::parse_rfc3339(rfc3339).unwrap()
}

/// The Secret of Kubernetes' `bootstrap_test.go` for token `foobar.circumnavigation`.
fn secret(data: &[(&str, &str)]) -> Secret {
    Secret {
        metadata: SecretMetadata {
            name: "bootstrap-token-foobar".into(),
            namespace: "kube-system".into(),
            deletion_timestamp: None,
        },
        type_: "bootstrap.kubernetes.io/token".into(),
        data: Some(
            data.iter()
                .map(|(k, v)| ((*k).to_owned(), v.as_bytes().to_vec()))
                .collect(),
        ),
    }
}

const VALID: [(&str, &str); 3] = [
    ("token-id", "foobar"),
    ("token-secret", "circumnavigation"),
    ("usage-bootstrap-authentication", "true"),
];

fn with(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut data: BTreeMap<&str, &str> = VALID.into_iter().collect();
    data.extend(extra.iter().copied());
    data.into_iter().collect()
}

fn authenticator(secrets: Vec<Secret>) -> BootstrapTokenAuthenticator {
    let mut auth = BootstrapTokenAuthenticator::new();
    for s in secrets {
        assert!(auth.insert(s));
    }
    auth
}

#[test]
fn bootstrap_test_go_cases() {
    // `bootstrap_test.go` runs at the real current time; any `now` between the two expirations
    // below gives its results.
    let now = at("2026-11-28T12:00:00Z");
    let token = "foobar.circumnavigation";
    let ok = |auth: &BootstrapTokenAuthenticator, t: &str| auth.check(t, now);

    // valid secret
    let user = ok(&authenticator(vec![secret(&VALID)]), token).unwrap();
    assert_eq!(user.name, "system:bootstrap:foobar");
    assert_eq!(user.groups, ["system:bootstrappers"]);
    assert_eq!(user.uid, "");
    assert!(user.extra.is_empty());

    // valid secret with extra group
    let user = ok(
        &authenticator(vec![secret(&with(&[(
            "auth-extra-groups",
            "system:bootstrappers:foo",
        )]))]),
        token,
    )
    .unwrap();
    assert_eq!(
        user.groups,
        ["system:bootstrappers", "system:bootstrappers:foo"]
    );

    // invalid group
    assert_eq!(
        ok(
            &authenticator(vec![secret(&with(&[("auth-extra-groups", "foo")]))]),
            token
        )
        .unwrap_err()
        .to_string(),
        "Bootstrap secret kube-system/bootstrap-token-foobar matching bearer token has invalid \
         value for key auth-extra-groups: bootstrap group \"foo\" is invalid (must match \
         \\Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\\z)."
    );

    // invalid secret name
    let mut bad_name = secret(&VALID);
    bad_name.metadata.name = "bad-name".into();
    assert_eq!(
        ok(&authenticator(vec![bad_name]), token),
        Err(BootstrapTokenRejection::SecretNotFound {
            name: "bootstrap-token-foobar".into()
        })
    );

    // no usage
    let no_usage = secret(&VALID[..2]);
    assert_eq!(
        ok(&authenticator(vec![no_usage]), token)
            .unwrap_err()
            .to_string(),
        "Bootstrap secret kube-system/bootstrap-token-foobar matching bearer token not marked \
         usage-bootstrap-authentication=true."
    );

    // wrong token
    assert_eq!(
        ok(
            &authenticator(vec![secret(&VALID)]),
            "barfoo.circumnavigation"
        ),
        Err(BootstrapTokenRejection::SecretNotFound {
            name: "bootstrap-token-barfoo".into()
        })
    );

    // deleted token
    let mut deleted = secret(&VALID);
    deleted.metadata.deletion_timestamp = Some(at("2026-11-28T11:00:00Z"));
    assert_eq!(
        ok(&authenticator(vec![deleted]), token)
            .unwrap_err()
            .to_string(),
        "Bootstrap secret kube-system/bootstrap-token-foobar matching bearer token is deleted and \
         awaiting removal"
    );

    // expired token
    assert_eq!(
        ok(
            &authenticator(vec![secret(&with(&[(
                "expiration",
                "2009-11-10T23:00:00Z"
            )]))]),
            token
        ),
        Err(BootstrapTokenRejection::Expired {
            secret: "kube-system/bootstrap-token-foobar".into(),
            expiration: "2009-11-10T23:00:00Z".into(),
        })
    );

    // not expired token
    let user = ok(
        &authenticator(vec![secret(&with(&[(
            "expiration",
            "2109-11-10T23:00:00Z",
        )]))]),
        token,
    )
    .unwrap();
    assert_eq!(user.name, "system:bootstrap:foobar");

    // token id wrong length
    let mut short = secret(&[
        ("token-id", "foo"),
        ("token-secret", "circumnavigation"),
        ("usage-bootstrap-authentication", "true"),
    ]);
    short.metadata.name = "bootstrap-token-foo".into();
    assert_eq!(
        ok(&authenticator(vec![short]), "foo.circumnavigation"),
        Err(BootstrapTokenRejection::NotABootstrapToken)
    );
}

#[test]
fn the_order_of_checks_decides_which_failure_wins() {
    let now = at("2026-11-28T12:00:00Z");
    let token = "foobar.circumnavigation";
    // Deleted and of the wrong type: deletion is checked first.
    let mut s = secret(&VALID);
    s.metadata.deletion_timestamp = Some(now);
    s.type_ = "Opaque".into();
    assert!(matches!(
        authenticator(vec![s]).check(token, now),
        Err(BootstrapTokenRejection::Deleted { .. })
    ));
    // No data at all: invalid type, even with the right type.
    let mut s = secret(&VALID);
    s.data = None;
    assert!(matches!(
        authenticator(vec![s]).check(token, now),
        Err(BootstrapTokenRejection::InvalidType { .. })
    ));
    // An empty data map is not "no data": the secret comparison fails instead.
    let mut s = secret(&VALID);
    s.data = Some(BTreeMap::new());
    assert_eq!(
        authenticator(vec![s])
            .check(token, now)
            .unwrap_err()
            .to_string(),
        "Bootstrap secret kube-system/bootstrap-token-foobar matching bearer token has invalid \
         value for key token-secret."
    );
    // Wrong secret and expired: the secret comparison comes first, and never repeats the secret.
    let s = secret(&with(&[
        ("token-secret", "xxxxxxxxxxxxxxxx"),
        ("expiration", "2009-11-10T23:00:00Z"),
    ]));
    let err = authenticator(vec![s]).check(token, now).unwrap_err();
    assert!(matches!(
        err,
        BootstrapTokenRejection::SecretMismatch { .. }
    ));
    assert!(!err.to_string().contains("circumnavigation"));
    // Mismatched token-id.
    let s = secret(&with(&[("token-id", "barfoo")]));
    assert_eq!(
        authenticator(vec![s])
            .check(token, now)
            .unwrap_err()
            .to_string(),
        "Bootstrap secret kube-system/bootstrap-token-foobar matching bearer token has invalid \
         value for key token-id, expected foobar."
    );
    // Expired and not marked for authentication: expiry first.
    let s = secret(&[
        ("token-id", "foobar"),
        ("token-secret", "circumnavigation"),
        ("expiration", "2009-11-10T23:00:00Z"),
    ]);
    assert!(matches!(
        authenticator(vec![s]).check(token, now),
        Err(BootstrapTokenRejection::Expired { .. })
    ));
    // `usage-bootstrap-authentication` must be exactly `true`.
    for value in ["True", "true ", "1", "yes", ""] {
        let mut data = with(&[]);
        data.retain(|(k, _)| *k != "usage-bootstrap-authentication");
        data.push(("usage-bootstrap-authentication", value));
        assert!(matches!(
            authenticator(vec![secret(&data)]).check(token, now),
            Err(BootstrapTokenRejection::NotMarkedForAuthentication { .. })
        ));
    }
    // A Secret outside kube-system is never seen.
    let mut s = secret(&VALID);
    s.metadata.namespace = "default".into();
    assert!(!BootstrapTokenAuthenticator::new().insert(s));
}

#[test]
fn expiry_is_expiration_minus_now_at_most_zero() {
    let token = "foobar.circumnavigation";
    let check = |expiration: &'static str, now: &str| {
        authenticator(vec![secret(&with(&[("expiration", expiration)]))]).check(token, at(now))
    };
    assert!(check("2030-01-01T00:00:00Z", "2029-12-31T23:59:59Z").is_ok());
    assert!(check("2030-01-01T00:00:00Z", "2030-01-01T00:00:00Z").is_err());
    // A fraction of a second still to go at `now` is not expired.
    assert!(check("2030-01-01T00:00:00.5Z", "2030-01-01T00:00:00Z").is_ok());
    assert!(check("2030-01-01T00:00:00.5Z", "2030-01-01T00:00:01Z").is_err());
    // Offsets count: 01:00+01:00 is midnight UTC.
    assert!(check("2030-01-01T01:00:00+01:00", "2029-12-31T23:59:59Z").is_ok());
    assert!(check("2030-01-01T01:00:00+01:00", "2030-01-01T00:00:00Z").is_err());
    // Unparseable means expired, even far in the future.
    for bad in [
        "2109-11-10",
        "2109-11-10t23:00:00z",
        "2109-11-10T23:00:00",
        "2109-11-10 23:00:00Z",
        "tomorrow",
        "2109-11-10T23:00:00Z ",
    ] {
        let err = authenticator(vec![secret(&with(&[("expiration", bad)]))])
            .check(token, at("2026-01-01T00:00:00Z"))
            .unwrap_err();
        assert!(
            matches!(err, BootstrapTokenRejection::UnparseableExpiration { .. }),
            "{bad}: {err:?}"
        );
        assert!(err.to_string().ends_with(". Treating as expired."), "{err}");
    }
}

#[test]
fn extra_groups_are_validated_deduplicated_and_sorted() {
    let now = at("2026-11-28T12:00:00Z");
    let token = "foobar.circumnavigation";
    let groups = |extra: &'static str| {
        authenticator(vec![secret(&with(&[("auth-extra-groups", extra)]))])
            .check(token, now)
            .map(|u| u.groups)
    };
    assert_eq!(
        groups("system:bootstrappers:z,system:bootstrappers:a,system:bootstrappers:z").unwrap(),
        [
            "system:bootstrappers",
            "system:bootstrappers:a",
            "system:bootstrappers:z"
        ]
    );
    // An empty piece (trailing comma) or a space is invalid and fails the whole token.
    assert!(groups("system:bootstrappers:a,").is_err());
    assert!(groups("system:bootstrappers:a, system:bootstrappers:b").is_err());
}

#[test]
fn kubeadm_token_as_the_api_server_sees_it() {
    let yaml = "\
apiVersion: v1
kind: Secret
metadata:
  name: bootstrap-token-abcdef
  namespace: kube-system
type: bootstrap.kubernetes.io/token
data:
  token-id: YWJjZGVm
  token-secret: MDEyMzQ1Njc4OWFiY2RlZg==
  usage-bootstrap-authentication: dHJ1ZQ==
  usage-bootstrap-signing: dHJ1ZQ==
  auth-extra-groups: c3lzdGVtOmJvb3RzdHJhcHBlcnM6a3ViZWFkbTpkZWZhdWx0LW5vZGUtdG9rZW4=
  expiration: MjAzMC0wMS0wMVQwMDowMDowMFo=
";
    let secret: Secret = serde_norway::from_str(yaml).unwrap();
    assert_eq!(
        secret.value("auth-extra-groups"),
        b"system:bootstrappers:kubeadm:default-node-token"
    );
    let token = BootstrapToken::parse("abcdef.0123456789abcdef").unwrap();
    assert_eq!(
        secret,
        Secret::for_bootstrap_token(
            &token,
            &["system:bootstrappers:kubeadm:default-node-token"],
            Some(at("2030-01-01T00:00:00Z")),
        )
    );
    let mut auth = BootstrapTokenAuthenticator::new();
    auth.insert(secret.clone());
    let user = auth
        .authenticate("abcdef.0123456789abcdef", at("2029-12-31T23:59:59Z"))
        .unwrap();
    assert_eq!(user.name, "system:bootstrap:abcdef");
    assert_eq!(
        user.groups,
        [
            "system:bootstrappers",
            "system:bootstrappers:kubeadm:default-node-token",
            "system:authenticated"
        ]
    );
    assert_eq!(
        auth.authenticate("abcdef.0123456789abcdef", at("2030-01-01T00:00:00Z")),
        None
    );
    // Debug never shows the secret.
    let debug = format!("{secret:?} {token:?}");
    assert!(!debug.contains("0123456789abcdef"), "{debug}");
    // JSON round trip with base64 data.
    let json = serde_json::to_string(&secret).unwrap();
    assert!(
        json.contains("\"token-secret\":\"MDEyMzQ1Njc4OWFiY2RlZg==\""),
        "{json}"
    );
    assert_eq!(serde_json::from_str::<Secret>(&json).unwrap(), secret);
    let bad = yaml.replace("YWJjZGVm", "YWJj@GVm");
    let err = serde_norway::from_str::<Secret>(&bad)
        .unwrap_err()
        .to_string();
    assert!(err.contains("data.token-id: illegal base64 data"), "{err}");
}
