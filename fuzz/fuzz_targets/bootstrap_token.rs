//! Bootstrap tokens and Secrets: parsing, generation and authentication never panic, and a
//! successful authentication is what Kubernetes would grant. The input is split on NUL bytes
//! into the presented token and the Secret's token-id, token-secret, expiration, usage,
//! auth-extra-groups and type; the first byte of the last piece sets the deletion mark.
#![no_main]

use std::collections::BTreeMap;

use kube_tls_bootstrap::identity::{BootstrapToken, Secret, SecretMetadata};
use kube_tls_bootstrap::time::Timestamp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(token) = BootstrapToken::generate(data) {
        assert_eq!(BootstrapToken::parse(&token.expose()).as_ref(), Ok(&token));
    }
    let pieces: Vec<&[u8]> = data.split(|&b| b == 0).collect();
    let piece = |i: usize| pieces.get(i).copied().unwrap_or_default();
    let Ok(presented) = std::str::from_utf8(piece(0)) else {
        return;
    };
    let Ok(token) = BootstrapToken::parse(presented) else {
        return;
    };
    assert!(!format!("{token:?}").contains(token.secret()));
    let mut values = BTreeMap::new();
    for (key, i) in [
        ("token-id", 1),
        ("token-secret", 2),
        ("expiration", 3),
        ("usage-bootstrap-authentication", 4),
        ("auth-extra-groups", 5),
    ] {
        if pieces.len() > i {
            values.insert(key.to_owned(), piece(i).to_vec());
        }
    }
    let secret = Secret {
        metadata: SecretMetadata {
            name: token.secret_name(),
            namespace: "kube-system".into(),
            deletion_timestamp: piece(7)
                .first()
                .filter(|&&b| b & 1 == 1)
                .map(|_| Timestamp::from_unix(0)),
        },
        type_: String::from_utf8_lossy(piece(6)).into_owned(),
        data: (pieces.len() > 1).then_some(values),
    };
    let now = Timestamp::from_unix(1_800_000_000);
    match secret.authenticate(&token, now) {
        Ok(user) => {
            assert_eq!(secret.value("token-secret"), token.secret().as_bytes());
            assert_eq!(secret.value("usage-bootstrap-authentication"), b"true");
            assert_eq!(secret.type_, "bootstrap.kubernetes.io/token");
            assert_eq!(user.name, format!("system:bootstrap:{}", token.id()));
            assert!(user.groups.windows(2).all(|w| w[0] < w[1]));
            assert!(user.groups.iter().any(|g| g == "system:bootstrappers"));
        }
        Err(rejection) => {
            // The message may quote the Secret's own values, never the presented secret.
            let echoed = pieces
                .iter()
                .skip(1)
                .any(|p| p.windows(16).any(|w| w == token.secret().as_bytes()));
            assert!(echoed || !rejection.to_string().contains(token.secret()));
        }
    }
});
