//! csrcleaner through the machine: PROTOCOL §4.7 and k/k `cleaner_test.go`'s thresholds, as an
//! hourly pass on the virtual clock.
// Helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "control_plane_support/mod.rs"]
mod support;

use kube_tls_bootstrap::api::{EventType, Operation};
use kube_tls_bootstrap::control_plane::Output;
use kube_tls_bootstrap::control_plane::{Config, EventKind, Input};
use kube_tls_bootstrap::csr::{CertificateSigningRequestCondition, ConditionType};
use kube_tls_bootstrap::pki::{KeyUsage, signers};
use kube_tls_bootstrap::time::Duration;
use support::*;

const CLIENT_USAGES: [KeyUsage; 2] = [KeyUsage::DigitalSignature, KeyUsage::ClientAuth];

fn decide(h: &mut Harness, name: &str, t: ConditionType) {
    let mut o = h.get(name);
    o.status
        .conditions
        .push(CertificateSigningRequestCondition::new(t));
    let reply = h.call(
        bearer("admin-token"),
        Operation::UpdateApproval(Box::new(o)),
    );
    assert_eq!(reply.code(), 200);
}

fn new_csr(h: &mut Harness, n: u8, signer: &str) -> String {
    let o = object(&custom_pem(n, "tester", &[]), signer, &CLIENT_USAGES);
    created_name(&h.create(bearer("admin-token"), o))
}

fn cleaned(h: &Harness) -> Vec<String> {
    h.events_of(EventKind::Cleaned)
        .iter()
        .map(|e| e.message.clone())
        .collect()
}

#[test]
fn thresholds_on_the_hourly_pass() {
    let mut h = Harness::new(config());
    // Approved and issued (kube-apiserver-client is signed in-process).
    let issued = new_csr(&mut h, 1, signers::KUBE_APISERVER_CLIENT);
    decide(&mut h, &issued, ConditionType::Approved);
    let denied = new_csr(&mut h, 2, signers::KUBE_APISERVER_CLIENT);
    decide(&mut h, &denied, ConditionType::Denied);
    // Approved for a signer nobody runs: the cleaner has no rule for approved, unissued
    // requests and keeps them.
    let approved_unissued = new_csr(&mut h, 3, "example.com/nobody");
    decide(&mut h, &approved_unissued, ConditionType::Approved);
    let pending = new_csr(&mut h, 4, "example.com/nobody");
    h.settle();
    assert!(!h.get(&issued).status.certificate.is_empty());

    // The pass at start + 1 h: nothing is more than an hour old yet.
    h.advance(Duration::from_hours(1));
    assert!(cleaned(&h).is_empty());
    // At start + 2 h: the issued and the denied ones go.
    h.advance(Duration::from_hours(1));
    let mut two = cleaned(&h);
    two.sort();
    let mut expected = [
        format!("Cleaning CSR \"{denied}\" as it is more than 1h0m0s old and denied."),
        format!("Cleaning CSR \"{issued}\" as it is more than 1h0m0s old and approved."),
    ];
    expected.sort();
    assert_eq!(two, expected);
    // The pending one goes at the first pass more than 24 h after its creation.
    h.advance(Duration::from_hours(22));
    assert_eq!(cleaned(&h).len(), 2, "the pass at exactly 24 h keeps it");
    h.advance(Duration::from_hours(1));
    assert_eq!(
        cleaned(&h)[2],
        format!("Cleaning CSR \"{pending}\" as it is more than 24h0m0s old and unhandled.")
    );
    assert!(
        h.cp.certificate_signing_request(&approved_unissued)
            .is_some()
    );
    assert_eq!(h.cp.len(), 1);
}

#[test]
fn failed_requests_go_after_an_hour_and_watchers_see_deletions() {
    let mut h = Harness::new(config());
    let reply = h.call(
        bearer("admin-token"),
        Operation::WatchCertificateSigningRequests {
            selector: Default::default(),
            resource_version: None,
        },
    );
    let kube_tls_bootstrap::api::Reply::WatchOpened(watch) = reply else {
        panic!("{reply:?}")
    };
    // kube-apiserver-client with server auth fails validation in the signer.
    let o = object(
        &custom_pem(5, "tester", &[]),
        signers::KUBE_APISERVER_CLIENT,
        &[
            KeyUsage::DigitalSignature,
            KeyUsage::ClientAuth,
            KeyUsage::ServerAuth,
        ],
    );
    let name = created_name(&h.create(bearer("admin-token"), o));
    decide(&mut h, &name, ConditionType::Approved);
    h.settle();
    h.advance(Duration::from_hours(2));
    assert_eq!(
        cleaned(&h),
        [format!(
            "Cleaning CSR \"{name}\" as it is more than 1h0m0s old and failed."
        )]
    );
    let types: Vec<EventType> = h
        .outputs
        .iter()
        .filter_map(|o| match o {
            Output::Watch { watch: w, event } if *w == watch => Some(event.type_),
            _ => None,
        })
        .collect();
    // ADDED, MODIFIED (Approved), MODIFIED (Failed), DELETED.
    assert_eq!(
        types,
        [
            EventType::Added,
            EventType::Modified,
            EventType::Modified,
            EventType::Deleted
        ]
    );
    h.input(Input::CloseWatch(watch));
}

#[test]
fn expired_certificates_go_at_the_next_pass() {
    let mut config = config();
    config.signing_duration = Duration::from_mins(30);
    let mut h = Harness::new(config);
    let name = new_csr(&mut h, 6, signers::KUBE_APISERVER_CLIENT);
    decide(&mut h, &name, ConditionType::Approved);
    h.settle();
    // The approval is an hour old at the 2 h pass anyway; make the expiry rule the one that
    // fires first by looking at the pass at 1 h, when the 30 min certificate has expired but the
    // approval is not more than an hour old.
    h.advance(Duration::from_hours(1));
    assert_eq!(
        cleaned(&h),
        [format!(
            "Cleaning CSR \"{name}\" as the associated certificate is expired."
        )]
    );
}

#[test]
fn a_disabled_cleaner_keeps_everything() {
    let mut config: Config = config();
    config.cleaner = false;
    let mut h = Harness::new(config);
    let _ = new_csr(&mut h, 7, "example.com/nobody");
    h.advance(Duration::from_hours(48));
    assert_eq!(h.cp.len(), 1);
    assert_eq!(h.cp.poll_timeout(), None);
}
