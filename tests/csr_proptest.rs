//! Invariants over arbitrary objects: JSON round trips, validation and the strategies never
//! panic, and an object that passes create validation survives a JSON round trip unchanged
//! (and still passes).
#![allow(clippy::unwrap_used)] // strategies outside #[test] fns: a panic is a test failure

use std::collections::BTreeMap;

use kube_tls_bootstrap::csr::{
    self, CertificateSigningRequest, CertificateSigningRequestCondition, ConditionStatus,
    ConditionType, Endpoint, ObjectMeta, Usage, kubectl,
};
use kube_tls_bootstrap::pki::KeyUsage;
use kube_tls_bootstrap::time::Timestamp;
use proptest::prelude::*;

const REQUEST: &[u8] = include_bytes!("data/csr/kubelet-client-p256.csr.pem");
const CERTIFICATE: &[u8] = include_bytes!("data/csr/kubelet-client-p256.crt.pem");

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9.-]{0,12}",
        "[a-z]{1,8}\\.[a-z]{2,4}/[a-z-]{0,10}",
        any::<String>().prop_map(|s| s.chars().take(12).collect()),
    ]
}

fn time() -> impl Strategy<Value = Option<Timestamp>> {
    prop::option::of((0i64..253_402_300_800).prop_map(Timestamp::from_unix))
}

fn usage() -> impl Strategy<Value = Usage> {
    prop_oneof![
        (0usize..23).prop_map(|i| Usage::Known(KeyUsage::ALL[i])),
        text().prop_map(|s| Usage::parse(&s)),
    ]
}

fn condition() -> impl Strategy<Value = CertificateSigningRequestCondition> {
    (
        prop_oneof![
            Just("Approved".to_owned()),
            Just("Denied".to_owned()),
            Just("Failed".to_owned()),
            text()
        ],
        prop_oneof![
            Just("True".to_owned()),
            Just("False".to_owned()),
            Just("Unknown".to_owned()),
            text()
        ],
        text(),
        text(),
        time(),
        time(),
    )
        .prop_map(
            |(t, s, reason, message, u, tr)| CertificateSigningRequestCondition {
                type_: ConditionType::parse(&t),
                status: ConditionStatus::parse(&s),
                reason,
                message,
                last_update_time: u,
                last_transition_time: tr,
            },
        )
}

fn bytes(valid: &'static [u8]) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(Vec::new()),
        Just(valid.to_vec()),
        prop::collection::vec(any::<u8>(), 0..40),
    ]
}

prop_compose! {
    fn object()(
        name in text(), generate_name in text(), uid in text(), created in time(),
        labels in prop::collection::btree_map(text(), text(), 0..3),
        request in bytes(REQUEST), signer in text(),
        expiration in prop::option::of(any::<i32>()),
        usages in prop::collection::vec(usage(), 0..4),
        username in text(), groups in prop::collection::vec(text(), 0..3),
        extra in prop::collection::btree_map(text(), prop::collection::vec(text(), 0..2), 0..2),
        conditions in prop::collection::vec(condition(), 0..4),
        certificate in bytes(CERTIFICATE),
    ) -> CertificateSigningRequest {
        let mut c = CertificateSigningRequest::new(name);
        c.metadata = ObjectMeta {
            generate_name, uid, creation_timestamp: created, labels,
            ..c.metadata
        };
        c.spec.request = request;
        c.spec.signer_name = signer;
        c.spec.expiration_seconds = expiration;
        c.spec.usages = usages;
        c.spec.username = username;
        c.spec.groups = groups;
        c.spec.extra = extra;
        c.status.conditions = conditions;
        c.status.certificate = certificate;
        c
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn json_round_trips(c in object()) {
        let json = c.to_json();
        prop_assert_eq!(CertificateSigningRequest::from_json(json.as_bytes()).unwrap(), c);
    }

    #[test]
    fn validation_and_strategies_never_panic(new in object(), old in object(), now in 0i64..4_000_000_000) {
        let now = Timestamp::from_unix(now);
        let _ = csr::validate_create(&new);
        for endpoint in [Endpoint::Main, Endpoint::Status, Endpoint::Approval] {
            let _ = csr::validate_update(endpoint, &new, &old);
            let _ = csr::update(endpoint, new.clone(), &old, now);
        }
        let _ = kubectl::get_table(&[new.clone(), old.clone()], now);
        let _ = csr::cleaner::plan(&[new, old], now);
    }

    #[test]
    fn valid_objects_survive_a_round_trip(c in object()) {
        if csr::validate_create(&c).is_empty() {
            let back = CertificateSigningRequest::from_json(c.to_json().as_bytes()).unwrap();
            prop_assert_eq!(&back, &c);
            prop_assert!(csr::validate_create(&back).is_empty());
        }
    }

    #[test]
    fn kubelet_shaped_objects_pass_and_round_trip(
        name in "[a-z0-9-]{1,20}",
        usages in prop::sample::subsequence(KeyUsage::ALL.to_vec(), 1..5),
        expiration in prop::option::of(600i32..),
        labels in prop::collection::btree_map("[a-z]{1,5}", "[a-z]{0,5}", 0..3),
    ) {
        let mut c = CertificateSigningRequest::new(name);
        c.metadata.labels = labels;
        c.spec.request = REQUEST.to_vec();
        c.spec.signer_name = "kubernetes.io/kube-apiserver-client-kubelet".into();
        c.spec.usages = usages.into_iter().map(Usage::Known).collect();
        c.spec.expiration_seconds = expiration;
        c.spec.extra = BTreeMap::new();
        prop_assert_eq!(csr::validate_create(&c), vec![]);
        let back = CertificateSigningRequest::from_json(c.to_json().as_bytes()).unwrap();
        prop_assert_eq!(&back, &c);
        prop_assert_eq!(csr::validate_create(&back), vec![]);
    }
}
