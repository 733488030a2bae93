//! Kubeconfig round trips: any config the crate can hold is written as YAML that reads back
//! equal (strings of any content, byte fields of any bytes), and its JSON form reads back equal.
#![allow(clippy::unwrap_used)] // inside proptest bodies: a panic is a test failure

use kube_tls_bootstrap::kubeconfig::{AuthInfo, Cluster, Context, Kubeconfig, Named};
use proptest::prelude::*;

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9:/._-]{0,20}",
        any::<String>(),
        Just("true".to_owned()),
        Just("- x".to_owned()),
        Just("a: b".to_owned()),
        Just("1e3".to_owned()),
        Just("~".to_owned()),
    ]
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..40)
}

fn config() -> impl Strategy<Value = Kubeconfig> {
    let cluster = (text(), text(), text(), any::<bool>(), text(), bytes()).prop_map(
        |(name, server, tls, insecure, ca, ca_data)| Named {
            name,
            value: Cluster {
                server,
                tls_server_name: tls,
                insecure_skip_tls_verify: insecure,
                certificate_authority: ca,
                certificate_authority_data: ca_data,
            },
        },
    );
    let context =
        (text(), text(), text(), text()).prop_map(|(name, cluster, user, namespace)| Named {
            name,
            value: Context {
                cluster,
                user,
                namespace,
            },
        });
    let user = (text(), text(), bytes(), text(), bytes(), text(), text()).prop_map(
        |(name, cc, ccd, ck, ckd, token, tf)| Named {
            name,
            value: AuthInfo {
                client_certificate: cc,
                client_certificate_data: ccd,
                client_key: ck,
                client_key_data: ckd,
                token,
                token_file: tf,
            },
        },
    );
    (
        proptest::collection::vec(cluster, 0..3),
        proptest::collection::vec(context, 0..3),
        proptest::collection::vec(user, 0..3),
        text(),
    )
        .prop_map(|(clusters, contexts, users, current_context)| Kubeconfig {
            clusters,
            contexts,
            users,
            current_context,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn yaml_round_trip(k in config()) {
        let yaml = k.to_yaml();
        let back = Kubeconfig::parse(yaml.as_bytes());
        prop_assert_eq!(back.as_ref(), Ok(&k), "{}", yaml);
    }

    #[test]
    fn json_round_trip(k in config()) {
        let json = serde_json::to_string(&k.to_json_value()).unwrap();
        prop_assert_eq!(Kubeconfig::parse(json.as_bytes()), Ok(k));
    }
}
