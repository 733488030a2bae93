//! Every controller and ticket text of the control-plane machine that the other control-plane
//! tests do not already pin, each reached through the machine's public inputs and asserted byte
//! for byte. The controllers' error texts are csrapproving's and csrsigning's
//! (`pkg/controller/certificates/approver/sarapprove.go`,
//! `pkg/controller/certificates/signer/signer.go`); the 403 inside them is the API server's.
// Helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "control_plane_support/mod.rs"]
mod support;

use kube_tls_bootstrap::api::Operation;
use kube_tls_bootstrap::control_plane::{
    ApproverMode, EventKind, Input, Output, ReviewTicket, SignTicket, SignerConfig, SignerKey,
    TicketId, Verdict,
};
use kube_tls_bootstrap::pki::{Issuer, KeyUsage, KnownSigner, signers};
use kube_tls_bootstrap::rbac::bootstrap::{CERTIFICATE_CONTROLLER, NODE_BOOTSTRAPPER, NODECLIENT};
use support::*;

const CLIENT_USAGES: [KeyUsage; 3] = [
    KeyUsage::DigitalSignature,
    KeyUsage::KeyEncipherment,
    KeyUsage::ClientAuth,
];

fn forbidden_for_the_controller(resource: &str, name: &str) -> String {
    format!(
        "certificatesigningrequests.certificates.k8s.io \"{name}\" is forbidden: User \"system:serviceaccount:kube-system:certificate-controller\" cannot update resource \"certificatesigningrequests/{resource}\" in API group \"certificates.k8s.io\" at the cluster scope"
    )
}

/// The admin deletes the certificate controller's binding: its updates are then forbidden.
fn without_controller_rights(h: &mut Harness) {
    let reply = h.call(
        bearer("admin-token"),
        Operation::DeleteClusterRoleBinding {
            name: CERTIFICATE_CONTROLLER.into(),
        },
    );
    assert_eq!(reply.code(), 200, "{reply:?}");
}

/// `kubectl create clusterrolebinding kubelet-bootstrap --clusterrole=system:node-bootstrapper
/// --group=system:bootstrappers`.
fn bootstrappers_may_create(h: &mut Harness) {
    let b = binding(
        "kubelet-bootstrap",
        NODE_BOOTSTRAPPER,
        Some("system:bootstrappers"),
        None,
    );
    let reply = h.call(
        bearer("admin-token"),
        Operation::CreateClusterRoleBinding(Box::new(b)),
    );
    assert_eq!(reply.code(), 201, "{reply:?}");
}

fn messages(h: &Harness, kind: EventKind) -> Vec<String> {
    h.events_of(kind)
        .into_iter()
        .map(|e| e.message.clone())
        .collect()
}

#[test]
fn the_approver_reports_a_refused_approval_and_retries() {
    let mut h = Harness::new(config());
    bootstrappers_may_create(&mut h);
    let auto = binding("auto", NODECLIENT, Some("system:bootstrappers"), None);
    let reply = h.call(
        bearer("admin-token"),
        Operation::CreateClusterRoleBinding(Box::new(auto)),
    );
    assert_eq!(reply.code(), 201, "{reply:?}");
    without_controller_rights(&mut h);
    let name = created_name(&h.create(bearer("bootstrap-token"), kubelet_object(1, "node-1")));
    h.settle();
    assert_eq!(
        messages(&h, EventKind::ControllerError),
        [format!(
            "error updating approval for csr: {} (retrying in 5ms)",
            forbidden_for_the_controller("approval", &name)
        )]
    );
}

#[test]
fn the_signer_reports_a_refused_certificate_and_retries() {
    let mut h = Harness::new(config());
    without_controller_rights(&mut h);
    let o = object(
        &custom_pem(2, "tester", &[]),
        signers::KUBE_APISERVER_CLIENT,
        &CLIENT_USAGES,
    );
    let name = created_name(&h.create(bearer("admin-token"), o));
    h.approve(&name);
    h.settle();
    assert_eq!(
        messages(&h, EventKind::ControllerError),
        [format!(
            "error updating signature for csr: {} (retrying in 5ms)",
            forbidden_for_the_controller("status", &name)
        )]
    );
}

#[test]
fn the_signer_reports_a_refused_failure_condition_and_retries() {
    let mut h = Harness::new(config());
    without_controller_rights(&mut h);
    let o = object(
        &custom_pem(3, "tester", &[]),
        signers::KUBE_APISERVER_CLIENT,
        &[KeyUsage::DigitalSignature, KeyUsage::ServerAuth],
    );
    let name = created_name(&h.create(bearer("admin-token"), o));
    h.approve(&name);
    h.settle();
    assert_eq!(
        messages(&h, EventKind::ControllerError),
        [format!(
            "error adding failure condition for csr: {} (retrying in 5ms)",
            forbidden_for_the_controller("status", &name)
        )]
    );
}

fn review_tickets(h: &Harness) -> Vec<ReviewTicket> {
    h.outputs
        .iter()
        .filter_map(|o| match o {
            Output::Review(t) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

fn sign_tickets(h: &Harness) -> Vec<SignTicket> {
    h.outputs
        .iter()
        .filter_map(|o| match o {
            Output::Sign(t) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

fn external() -> Harness {
    let mut config = config();
    config.approver = ApproverMode::External;
    config.signers = vec![SignerConfig {
        signer: KnownSigner::KubeApiserverClient,
        key: SignerKey::External(std::sync::Arc::new(Issuer::from_pem(CA_CERT).unwrap())),
    }];
    Harness::new(config)
}

#[test]
fn answers_to_unknown_or_mismatched_tickets_are_refused() {
    let mut h = external();
    h.input(Input::Verdict {
        ticket: TicketId(99),
        verdict: Verdict::Abstain,
    });
    h.input(Input::Signature {
        ticket: TicketId(98),
        signature: Ok(vec![]),
    });
    let o = object(
        &custom_pem(4, "tester", &[]),
        signers::KUBE_APISERVER_CLIENT,
        &CLIENT_USAGES,
    );
    let name = created_name(&h.create(bearer("admin-token"), o));
    h.approve(&name);
    h.settle();
    let sign = sign_tickets(&h).remove(0);
    // A verdict sent with a sign ticket's id: refused, and the ticket is used up.
    h.input(Input::Verdict {
        ticket: sign.id,
        verdict: Verdict::Abstain,
    });
    assert_eq!(
        messages(&h, EventKind::TicketRefused),
        [
            "unknown or already answered review ticket 99".to_owned(),
            "unknown or already answered sign ticket 98".to_owned(),
            format!("ticket {} is a sign ticket, not a review ticket", sign.id.0),
        ]
    );
}

#[test]
fn a_verdict_after_the_admin_decided_is_refused() {
    let mut h = external();
    bootstrappers_may_create(&mut h);
    let name = created_name(&h.create(bearer("bootstrap-token"), kubelet_object(5, "node-1")));
    h.settle();
    let review = review_tickets(&h).remove(0);
    h.approve(&name);
    h.input(Input::Verdict {
        ticket: review.id,
        verdict: Verdict::Deny {
            reason: "R".into(),
            message: "M".into(),
        },
    });
    assert_eq!(
        messages(&h, EventKind::TicketRefused),
        ["the request was decided or issued since the ticket was handed out"]
    );
    assert!(
        h.get(&name)
            .status
            .conditions
            .iter()
            .all(|c| c.reason != "R")
    );
}

#[test]
fn a_signature_after_the_certificate_was_set_is_refused() {
    let mut h = external();
    let o = object(
        &custom_pem(6, "tester", &[]),
        signers::KUBE_APISERVER_CLIENT,
        &CLIENT_USAGES,
    );
    let name = created_name(&h.create(bearer("admin-token"), o));
    h.approve(&name);
    h.settle();
    let ticket = sign_tickets(&h).remove(0);
    let signature = ca().key().sign(ticket.certificate.tbs_der()).unwrap();
    // The admin (who may sign for every signer) writes a certificate first.
    let pem = ticket
        .certificate
        .clone()
        .with_signature(&signature)
        .to_pem();
    let mut issued = h.get(&name);
    issued.status.certificate = pem.clone().into_bytes();
    let reply = h.call(
        bearer("admin-token"),
        Operation::UpdateStatus(Box::new(issued)),
    );
    assert_eq!(reply.code(), 200, "{reply:?}");
    h.input(Input::Signature {
        ticket: ticket.id,
        signature: Ok(signature),
    });
    assert_eq!(
        messages(&h, EventKind::TicketRefused),
        ["the request is no longer approved and unsigned"]
    );
    assert_eq!(h.get(&name).status.certificate, pem.into_bytes());
}
