//! csrsigning through the machine: PROTOCOL §7 and k/k `signer_test.go` (`TestHandle`,
//! `Test_signer_duration`), with Kubernetes' messages; external signers and tickets bound to
//! the approved request.
// Helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "control_plane_support/mod.rs"]
mod support;

use kube_tls_bootstrap::api::{Operation, Reply};
use kube_tls_bootstrap::control_plane::{EventKind, Input, Output, SignerConfig, SignerKey};
use kube_tls_bootstrap::csr::{
    CertificateSigningRequestCondition, ConditionType, Lifecycle, kubectl,
};
use kube_tls_bootstrap::pki::{self, Issuer, KeyUsage, KnownSigner, signers};
use kube_tls_bootstrap::time::Duration;
use support::*;

const CLIENT_USAGES: [KeyUsage; 3] = [
    KeyUsage::DigitalSignature,
    KeyUsage::KeyEncipherment,
    KeyUsage::ClientAuth,
];

/// The admin creates a kube-apiserver-client request and approves it with kubectl's condition.
fn create_and_approve(
    h: &mut Harness,
    pem: &str,
    usages: &[KeyUsage],
    seconds: Option<i32>,
) -> String {
    let mut o = object(pem, signers::KUBE_APISERVER_CLIENT, usages);
    o.spec.expiration_seconds = seconds;
    let name = created_name(&h.create(bearer("admin-token"), o));
    h.approve(&name);
    name
}

fn issued(h: &Harness, name: &str) -> pki::Certificate {
    let csr = h.get(name);
    pki::certificate::parse_certificates_pem(&csr.status.certificate)
        .unwrap()
        .remove(0)
}

#[test]
fn durations_are_clamped_to_the_signing_duration() {
    // Test_signer_duration with TTL 1h (-1m and 9m59s are refused by validation on create).
    for (seconds, expected) in [
        (Some(1800), 1800),
        (Some(3 * 3600), 3600),
        (Some(600), 600),
        (Some(3600), 3600),
        (None, 3600),
    ] {
        let mut config = config();
        config.signing_duration = Duration::from_hours(1);
        let mut h = Harness::new(config);
        let name = create_and_approve(
            &mut h,
            &custom_pem(4, "tester-csr", &[]),
            &CLIENT_USAGES,
            seconds,
        );
        h.settle();
        let cert = issued(&h, &name);
        let now = h.now.timestamp();
        // Shorter than 8 h: NotBefore backdated 5 min, NotAfter not.
        assert_eq!(cert.not_before(), now.sub_seconds(300), "{seconds:?}");
        assert_eq!(cert.not_after(), now.add_seconds(expected), "{seconds:?}");
        assert_eq!(cert.public_key(), key(4).public_key());
        assert_eq!(cert.subject().common_name, "tester-csr");
        assert_eq!(kubectl::condition(&h.get(&name)), "Approved,Issued");
        assert_eq!(h.events_of(EventKind::Issued).len(), 1);
    }
}

#[test]
fn validation_failures_add_failed_and_are_never_signed() {
    // TestHandle: kube-apiserver-client with server auth → Failed.
    let mut h = Harness::new(config());
    let mut usages = CLIENT_USAGES.to_vec();
    usages.push(KeyUsage::ServerAuth);
    let name = create_and_approve(&mut h, &custom_pem(5, "tester", &[]), &usages, None);
    h.settle();
    let csr = h.get(&name);
    let failed = &csr.status.conditions[1];
    assert_eq!(failed.type_.as_str(), "Failed");
    assert_eq!(failed.status.as_str(), "True");
    assert_eq!(failed.reason, "SignerValidationFailure");
    assert_eq!(failed.last_update_time, Some(h.now.timestamp()));
    assert_eq!(
        failed.message,
        "invalid usage for client certificate: server auth"
    );
    assert!(csr.status.certificate.is_empty());
    assert_eq!(kubectl::condition(&csr), "Approved,Failed");
    // Nothing more happens: Failed requests are skipped.
    h.advance(Duration::from_secs(10));
    assert_eq!(h.get(&name).status.conditions.len(), 2);

    // A kubelet client request with the wrong organization.
    let pem = custom_pem(6, "system:node:n", &["system:masters"]);
    let mut o = object(
        &pem,
        signers::KUBE_APISERVER_CLIENT_KUBELET,
        &[KeyUsage::DigitalSignature, KeyUsage::ClientAuth],
    );
    o.metadata.generate_name = "csr-".into();
    let name = created_name(&h.create(bearer("admin-token"), o));
    h.approve(&name);
    h.settle();
    let csr = h.get(&name);
    assert_eq!(
        csr.status.conditions.last().unwrap().message,
        "subject organization is not system:nodes"
    );
    assert_eq!(h.events_of(EventKind::SignerValidationFailed).len(), 2);

    // Missing client auth.
    let name = create_and_approve(
        &mut h,
        &custom_pem(7, "tester", &[]),
        &[KeyUsage::DigitalSignature],
        None,
    );
    h.settle();
    assert_eq!(
        h.get(&name).status.conditions.last().unwrap().message,
        "missing required usage for client certificate: client auth"
    );
}

#[test]
fn unapproved_already_failed_and_unknown_signers_are_left_alone() {
    let mut h = Harness::new(config());
    // Not approved.
    let o = object(
        &custom_pem(8, "tester", &[]),
        signers::KUBE_APISERVER_CLIENT,
        &CLIENT_USAGES,
    );
    let pending = created_name(&h.create(bearer("admin-token"), o));
    // Already failed (a Failed condition added through /status, then approved).
    let o = object(
        &custom_pem(9, "tester", &[]),
        signers::KUBE_APISERVER_CLIENT,
        &CLIENT_USAGES,
    );
    let failed = created_name(&h.create(bearer("admin-token"), o));
    let mut f = h.get(&failed);
    f.status
        .conditions
        .push(CertificateSigningRequestCondition::new(
            ConditionType::Failed,
        ));
    assert_eq!(
        h.call(bearer("admin-token"), Operation::UpdateStatus(Box::new(f)))
            .code(),
        200
    );
    h.approve(&failed);
    // A signer nobody runs (kubelet-serving is not configured here) and a non-Kubernetes one.
    let o = object(
        &custom_pem(10, "tester", &[]),
        "example.com/signer",
        &CLIENT_USAGES,
    );
    let other = created_name(&h.create(bearer("admin-token"), o));
    h.approve(&other);
    h.advance(Duration::from_secs(60));
    for name in [&pending, &failed, &other] {
        let csr = h.get(name);
        assert!(csr.status.certificate.is_empty(), "{name}");
    }
    assert_eq!(h.get(&failed).status.conditions.len(), 2);
    assert_eq!(h.get(&other).status.conditions.len(), 1);
    assert!(h.events_of(EventKind::Issued).is_empty());
}

#[test]
fn signing_errors_are_retried_without_a_condition() {
    // The CA expires: "the signer has expired" (NotBefore = now - 5 min not before CA NotAfter)
    // or "refusing to sign a certificate that expired in the past".
    let ca = ca();
    let ca_not_after = ca.certificate().not_after();
    let mut h = Harness::new(config());
    h.now = kube_tls_bootstrap::time::Instant::from(ca_not_after.add_seconds(60));
    let name = create_and_approve(&mut h, &custom_pem(11, "tester", &[]), &CLIENT_USAGES, None);
    h.settle();
    let failures = h.events_of(EventKind::SigningFailed);
    assert_eq!(
        failures[0].message,
        format!(
            "error auto signing csr: refusing to sign a certificate that expired in the past: NotAfter={} (retrying in 5ms)",
            go_time(ca_not_after)
        )
    );
    assert_eq!(h.get(&name).status.conditions.len(), 1);
    h.advance(Duration::from_millis(20));
    assert_eq!(h.events_of(EventKind::SigningFailed).len(), 3);
    h.now = kube_tls_bootstrap::time::Instant::from(ca_not_after.add_seconds(400));
    h.advance(Duration::from_secs(1));
    assert!(
        h.events_of(EventKind::SigningFailed)
            .last()
            .unwrap()
            .message
            .starts_with("error auto signing csr: the signer has expired: NotAfter=")
    );
    assert!(!Lifecycle::of(&h.get(&name)).failed);
}

fn go_time(t: kube_tls_bootstrap::time::Timestamp) -> String {
    // Go's time.Time.String() for a UTC time: "2006-01-02 15:04:05 +0000 UTC".
    let s = t.to_rfc3339();
    format!("{} {} +0000 UTC", &s[..10], &s[11..19])
}

fn external_harness() -> Harness {
    let mut config = config();
    config.signers = vec![SignerConfig {
        signer: KnownSigner::KubeApiserverClient,
        key: SignerKey::External(std::sync::Arc::new(Issuer::from_pem(CA_CERT).unwrap())),
    }];
    Harness::new(config)
}

fn sign_tickets(h: &Harness) -> Vec<kube_tls_bootstrap::control_plane::SignTicket> {
    h.outputs
        .iter()
        .filter_map(|o| match o {
            Output::Sign(t) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn an_external_signer_answers_tickets() {
    let mut h = external_harness();
    let name = create_and_approve(&mut h, &custom_pem(12, "tester", &[]), &CLIENT_USAGES, None);
    h.settle();
    let tickets = sign_tickets(&h);
    assert_eq!(tickets.len(), 1);
    let t = &tickets[0];
    assert_eq!(
        (t.name.as_str(), t.uid.as_str()),
        (name.as_str(), h.get(&name).metadata.uid.as_str())
    );
    // A wrong signature is refused and retried; the right one issues.
    h.input(Input::Signature {
        ticket: t.id,
        signature: Ok(vec![0x30, 0x00]),
    });
    assert!(h.events_of(EventKind::SigningFailed)[0]
        .message
        .starts_with("error auto signing csr: x509: signature over certificate returned by signer is invalid: "));
    h.advance(Duration::from_millis(5));
    let again = sign_tickets(&h);
    assert_eq!(again.len(), 2);
    let ca = ca();
    let signature = ca.key().sign(again[1].certificate.tbs_der()).unwrap();
    h.input(Input::Signature {
        ticket: again[1].id,
        signature: Ok(signature),
    });
    assert_eq!(issued(&h, &name).public_key(), key(12).public_key());
    // Answering the same ticket twice is refused.
    h.input(Input::Signature {
        ticket: again[1].id,
        signature: Ok(vec![]),
    });
    assert_eq!(h.events_of(EventKind::TicketRefused).len(), 1);
}

#[test]
fn a_signature_for_a_deleted_request_is_refused_as_for_a_recreated_one() {
    let mut h = external_harness();
    let mut o = object(
        &custom_pem(13, "tester", &[]),
        signers::KUBE_APISERVER_CLIENT,
        &CLIENT_USAGES,
    );
    o.metadata.name = "node-csr-gone".into();
    o.metadata.generate_name.clear();
    assert_eq!(h.create(bearer("admin-token"), o).code(), 201);
    h.approve("node-csr-gone");
    h.settle();
    let ticket = sign_tickets(&h).remove(0);
    let reply = h.call(
        bearer("admin-token"),
        Operation::DeleteCertificateSigningRequest {
            name: "node-csr-gone".into(),
        },
    );
    assert!(matches!(reply, Reply::Status(ref s) if s.code == 200));
    let signature = ca().key().sign(ticket.certificate.tbs_der()).unwrap();
    h.input(Input::Signature {
        ticket: ticket.id,
        signature: Ok(signature.clone()),
    });
    let refused = h.events_of(EventKind::TicketRefused);
    assert_eq!(refused.len(), 1);
    assert_eq!(
        (refused[0].name.as_str(), refused[0].uid.as_str()),
        ("node-csr-gone", ticket.uid.as_str())
    );
    assert_eq!(
        refused[0].message,
        format!(
            "CertificateSigningRequest \"node-csr-gone\" with uid {} no longer exists (deleted \
             or re-created); the answer is not applied",
            ticket.uid
        )
    );
    // The ticket closed with its answer: a second one is unknown.
    h.input(Input::Signature {
        ticket: ticket.id,
        signature: Ok(signature),
    });
    let refused = h.events_of(EventKind::TicketRefused);
    assert_eq!(refused.len(), 2);
    assert_eq!(
        refused[1].message,
        format!("unknown or already answered sign ticket {}", ticket.id.0)
    );
}

#[test]
fn a_signature_for_a_recreated_request_is_refused() {
    let mut h = external_harness();
    let mut o = object(
        &custom_pem(13, "tester", &[]),
        signers::KUBE_APISERVER_CLIENT,
        &CLIENT_USAGES,
    );
    o.metadata.name = "node-csr-fixed".into();
    o.metadata.generate_name.clear();
    let created = h.create(bearer("admin-token"), o.clone());
    assert_eq!(created.code(), 201);
    h.approve("node-csr-fixed");
    h.settle();
    let ticket = sign_tickets(&h).remove(0);
    // Deleted and re-created under the same name (and approved again) before the answer.
    let reply = h.call(
        bearer("admin-token"),
        Operation::DeleteCertificateSigningRequest {
            name: "node-csr-fixed".into(),
        },
    );
    assert!(matches!(reply, Reply::Status(ref s) if s.code == 200));
    assert_eq!(h.create(bearer("admin-token"), o).code(), 201);
    h.approve("node-csr-fixed");
    let signature = ca().key().sign(ticket.certificate.tbs_der()).unwrap();
    h.input(Input::Signature {
        ticket: ticket.id,
        signature: Ok(signature),
    });
    let refused = h.events_of(EventKind::TicketRefused);
    assert_eq!(refused.len(), 1);
    assert!(refused[0].message.contains(&ticket.uid));
    assert!(h.get("node-csr-fixed").status.certificate.is_empty());
}

/// The admin rewrites the message of an approved request's Approved condition (an update
/// through /approval, which the informers deliver like any other).
fn reword_approval(h: &mut Harness, name: &str) {
    let mut o = h.get(name);
    o.status.conditions[0].message = "approved again".into();
    let reply = h.call(
        bearer("admin-token"),
        Operation::UpdateApproval(Box::new(o)),
    );
    assert_eq!(reply.code(), 200, "{reply:?}");
}

#[test]
fn one_sign_ticket_per_request_however_often_the_signer_looks() {
    let mut h = external_harness();
    let a = create_and_approve(&mut h, &custom_pem(14, "tester", &[]), &CLIENT_USAGES, None);
    h.settle();
    // A second request gets its own ticket while the first one's is outstanding.
    let b = create_and_approve(&mut h, &custom_pem(15, "tester", &[]), &CLIENT_USAGES, None);
    h.settle();
    // An update makes the signer look at the first again: its ticket is still outstanding.
    reword_approval(&mut h, &a);
    h.settle();
    assert_eq!(h.get(&a).status.conditions[0].message, "approved again");
    let names: Vec<String> = sign_tickets(&h).into_iter().map(|t| t.name).collect();
    assert_eq!(names, [a, b]);
}

#[test]
fn the_signer_waits_until_its_informer_shows_the_latest_write() {
    let mut config = config();
    config.informer_lag = Duration::from_secs(1);
    let mut h = Harness::new(config);
    // Approved at t0: the signer is due at t0 + 1 s.
    let name = create_and_approve(&mut h, &custom_pem(16, "tester", &[]), &CLIENT_USAGES, None);
    // Rewritten at t0 + 0.5 s: at t0 + 1 s the informer still holds the older version, so the
    // signer looks again when the new one is visible, at t0 + 1.5 s.
    h.advance(Duration::from_millis(500));
    reword_approval(&mut h, &name);
    h.advance(Duration::from_millis(500));
    assert!(h.get(&name).status.certificate.is_empty());
    assert!(h.events_of(EventKind::Issued).is_empty());
    let due = h.cp.poll_timeout();
    assert_eq!(due, Some(h.now + Duration::from_millis(500)));
    h.advance(Duration::from_millis(500));
    assert_eq!(issued(&h, &name).public_key(), key(16).public_key());
}
