//! csrapproving through the machine: PROTOCOL §6 and k/k `sarapprove_test.go`'s recognizer
//! table and `handle` cases, with Kubernetes' messages.
// Helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "control_plane_support/mod.rs"]
mod support;

use kube_tls_bootstrap::api::Operation;
use kube_tls_bootstrap::control_plane::EventKind;
use kube_tls_bootstrap::csr::{Approval, Lifecycle};
use kube_tls_bootstrap::pki::{KeyUsage, signers};
use kube_tls_bootstrap::rbac::bootstrap::{NODE_BOOTSTRAPPER, NODECLIENT, SELFNODECLIENT};
use kube_tls_bootstrap::time::Duration;
use support::*;

/// `system:node:foo` (a token user, not in system:nodes, so NodeRestriction does not apply) may
/// create CSRs; `selfnodeclient` and/or `nodeclient` are bound to it as asked.
fn harness(self_bound: bool, node_bound: bool) -> Harness {
    let mut config = config();
    config.policy.add_cluster_role_binding(binding(
        "create",
        NODE_BOOTSTRAPPER,
        None,
        Some("system:node:foo"),
    ));
    if self_bound {
        config.policy.add_cluster_role_binding(binding(
            "self",
            SELFNODECLIENT,
            None,
            Some("system:node:foo"),
        ));
    }
    if node_bound {
        config.policy.add_cluster_role_binding(binding(
            "node",
            NODECLIENT,
            None,
            Some("system:node:foo"),
        ));
    }
    Harness::new(config)
}

const BASE_USAGES: [KeyUsage; 3] = [
    KeyUsage::KeyEncipherment,
    KeyUsage::DigitalSignature,
    KeyUsage::ClientAuth,
];

/// Creates a kubelet-client CSR as `system:node:foo` and lets the approver run once.
fn run(h: &mut Harness, cn: &str, orgs: &[&str], usages: &[KeyUsage]) -> String {
    let pem = custom_pem(1, cn, orgs);
    let o = object(&pem, signers::KUBE_APISERVER_CLIENT_KUBELET, usages);
    let name = created_name(&h.create(bearer("foo-token"), o));
    h.settle();
    name
}

fn approval_message(h: &Harness, name: &str) -> Option<String> {
    let csr = h.get(name);
    let c = csr.status.conditions.first()?;
    assert_eq!(c.type_.as_str(), "Approved");
    assert_eq!(c.status.as_str(), "True");
    assert_eq!(c.reason, "AutoApproved");
    assert!(c.last_update_time.is_some());
    Some(c.message.clone())
}

const SELF: &str = "Auto approving self kubelet client certificate after SubjectAccessReview.";
const NODE: &str = "Auto approving kubelet client certificate after SubjectAccessReview.";

#[test]
fn base_case_is_recognized_by_both_and_selfnodeclient_wins() {
    let mut h = harness(true, true);
    let name = run(&mut h, "system:node:foo", &["system:nodes"], &BASE_USAGES);
    assert_eq!(approval_message(&h, &name).as_deref(), Some(SELF));
    // Only nodeclient bound: the self recognizer's SAR fails, nodeclient's succeeds.
    let mut h = harness(false, true);
    let name = run(&mut h, "system:node:foo", &["system:nodes"], &BASE_USAGES);
    assert_eq!(approval_message(&h, &name).as_deref(), Some(NODE));
    let approved = h.events_of(EventKind::Approved);
    let explanation = approved[0].explanation.as_ref().unwrap();
    assert_eq!(
        explanation.decision.reason(),
        "RBAC: allowed by ClusterRoleBinding \"node\" of ClusterRole \
         \"system:certificates.k8s.io:certificatesigningrequests:nodeclient\" to User \"system:node:foo\""
    );
}

#[test]
fn only_the_kubelet_client_signer_is_auto_approved() {
    // The base case's request for kube-apiserver-client passes that signer's own checks, and
    // the requester holds both approval rights; sarapprove recognizes only the kubelet client
    // signer, so the request stays pending for a human.
    let mut h = harness(true, true);
    let pem = custom_pem(1, "system:node:foo", &["system:nodes"]);
    let o = object(&pem, signers::KUBE_APISERVER_CLIENT, &BASE_USAGES);
    let name = created_name(&h.create(bearer("foo-token"), o));
    h.settle();
    assert_eq!(approval_message(&h, &name), None);
    assert!(h.events_of(EventKind::Approved).is_empty());
    assert_eq!(h.cp.poll_timeout(), Some(h.now + Duration::from_hours(1)));
    // Approved by hand, the in-process signer issues it: its checks passed.
    h.approve(&name);
    h.settle();
    assert!(!h.get(&name).status.certificate.is_empty());
}

#[test]
fn unrecognized_requests_are_left_alone_without_retry() {
    let cases: &[(&str, &[&str], &[KeyUsage])] = &[
        ("mike", &["system:nodes"], &BASE_USAGES),
        ("system:node:foo", &[], &BASE_USAGES),
        ("system:node:foo", &["system:master"], &BASE_USAGES),
        (
            "system:node:foo",
            &["system:nodes"],
            &[
                KeyUsage::KeyEncipherment,
                KeyUsage::DigitalSignature,
                KeyUsage::ClientAuth,
                KeyUsage::ServerAuth,
            ],
        ),
    ];
    for (cn, orgs, usages) in cases {
        let mut h = harness(true, true);
        let name = run(&mut h, cn, orgs, usages);
        assert_eq!(approval_message(&h, &name), None, "{cn} {orgs:?}");
        assert!(h.events_of(EventKind::NotApproved).is_empty());
        assert!(h.events_of(EventKind::Approved).is_empty());
        // No retry is scheduled for it (only the cleaner's hourly pass remains).
        assert_eq!(h.cp.poll_timeout(), Some(h.now + Duration::from_hours(1)));
    }
}

#[test]
fn only_nodeclient_when_the_requester_is_not_the_subject() {
    // CN system:node:bar requested by system:node:foo: only nodeclient applies.
    let mut h = harness(true, false);
    let name = run(&mut h, "system:node:bar", &["system:nodes"], &BASE_USAGES);
    assert_eq!(approval_message(&h, &name), None);
    let refused = h.events_of(EventKind::NotApproved);
    assert_eq!(
        refused[0].message,
        format!(
            "recognized csr \"{name}\" as [nodeclient] but subject access review was not approved (retrying in 5ms)"
        )
    );
    // With nodeclient bound it is approved with the nodeclient message.
    let mut h = harness(false, true);
    let name = run(&mut h, "system:node:bar", &["system:nodes"], &BASE_USAGES);
    assert_eq!(approval_message(&h, &name).as_deref(), Some(NODE));
}

#[test]
fn sar_refusal_retries_with_backoff_and_a_later_binding_approves() {
    let mut h = harness(false, false);
    let name = run(&mut h, "system:node:foo", &["system:nodes"], &BASE_USAGES);
    let first = &h.events_of(EventKind::NotApproved)[0].message;
    assert_eq!(
        *first,
        format!(
            "recognized csr \"{name}\" as [selfnodeclient nodeclient] but subject access review was not approved (retrying in 5ms)"
        )
    );
    // 5 ms, 10 ms, 20 ms, … : after 100 ms five more retries have happened.
    h.advance(Duration::from_millis(100));
    let delays: Vec<String> = h
        .events_of(EventKind::NotApproved)
        .iter()
        .map(|e| e.message.rsplit("retrying in ").next().unwrap().to_owned())
        .collect();
    assert_eq!(delays, ["5ms)", "10ms)", "20ms)", "40ms)", "80ms)"]);
    // The admin binds nodeclient; the next retry approves. The approver never denies.
    let reply = h.call(
        bearer("admin-token"),
        Operation::CreateClusterRoleBinding(Box::new(binding(
            "node",
            NODECLIENT,
            None,
            Some("system:node:foo"),
        ))),
    );
    assert_eq!(reply.code(), 201);
    h.advance(Duration::from_secs(1));
    assert_eq!(approval_message(&h, &name).as_deref(), Some(NODE));
    assert!(h.events_of(EventKind::Denied).is_empty());
    assert_eq!(Lifecycle::of(&h.get(&name)).approval, Approval::Approved);
}

#[test]
fn the_approver_skips_decided_and_issued_requests() {
    let mut h = harness(true, true);
    let pem = custom_pem(1, "system:node:foo", &["system:nodes"]);
    let o = object(&pem, signers::KUBE_APISERVER_CLIENT_KUBELET, &BASE_USAGES);
    let name = created_name(&h.create(bearer("foo-token"), o));
    // An admin denies before the informer lag elapses... with lag 0 the approver has not run
    // yet either: nothing runs until the timeout.
    let mut denied = h.get(&name);
    denied.status.conditions.push(
        kube_tls_bootstrap::csr::CertificateSigningRequestCondition {
            reason: "KubectlDeny".into(),
            message: "This CSR was denied by kubectl certificate deny.".into(),
            ..kube_tls_bootstrap::csr::CertificateSigningRequestCondition::new(
                kube_tls_bootstrap::csr::ConditionType::Denied,
            )
        },
    );
    let reply = h.call(
        bearer("admin-token"),
        Operation::UpdateApproval(Box::new(denied)),
    );
    assert_eq!(reply.code(), 200);
    h.settle();
    let csr = h.get(&name);
    assert_eq!(csr.status.conditions.len(), 1);
    assert_eq!(csr.status.conditions[0].type_.as_str(), "Denied");
    assert!(h.events_of(EventKind::Approved).is_empty());
}

#[test]
fn informer_lag_lets_a_driver_observe_pending() {
    let mut config = config();
    config.informer_lag = Duration::from_secs(2);
    config.policy.add_cluster_role_binding(binding(
        "create",
        NODE_BOOTSTRAPPER,
        Some("system:bootstrappers"),
        None,
    ));
    config.policy.add_cluster_role_binding(binding(
        "auto",
        NODECLIENT,
        Some("system:bootstrappers"),
        None,
    ));
    let mut h = Harness::new(config);
    let name = created_name(&h.create(bearer("bootstrap-token"), kubelet_object(3, "node-1")));
    // The cleaner's first pass runs at once; the approver wakes when its informer delivers the
    // new object.
    assert_eq!(h.cp.poll_timeout(), Some(h.now));
    h.settle();
    assert_eq!(h.cp.poll_timeout(), Some(h.now + Duration::from_secs(2)));
    h.advance(Duration::from_secs(1));
    assert_eq!(Lifecycle::of(&h.get(&name)).approval, Approval::Pending);
    h.advance(Duration::from_secs(1));
    let state = Lifecycle::of(&h.get(&name));
    assert_eq!(state.approval, Approval::Approved);
    // The signer sees the approval another 2 s later.
    assert!(!state.issued);
    h.advance(Duration::from_secs(2));
    assert!(Lifecycle::of(&h.get(&name)).issued);
}

fn review_tickets(h: &Harness) -> Vec<kube_tls_bootstrap::control_plane::ReviewTicket> {
    h.outputs
        .iter()
        .filter_map(|o| match o {
            kube_tls_bootstrap::control_plane::Output::Review(t) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn an_external_approver_answers_review_tickets() {
    use kube_tls_bootstrap::control_plane::{ApproverMode, Input, Verdict};
    let mut config = config();
    config.approver = ApproverMode::External;
    config.policy.add_cluster_role_binding(binding(
        "create",
        NODE_BOOTSTRAPPER,
        Some("system:bootstrappers"),
        None,
    ));
    let mut h = Harness::new(config);
    let a = created_name(&h.create(bearer("bootstrap-token"), kubelet_object(1, "node-1")));
    let b = created_name(&h.create(bearer("bootstrap-token"), kubelet_object(2, "node-2")));
    h.settle();
    let tickets = review_tickets(&h);
    assert_eq!(tickets.len(), 2);
    // One ticket per request, however often the approver looks.
    h.advance(Duration::from_secs(5));
    assert_eq!(review_tickets(&h).len(), 2);
    let ta = tickets
        .iter()
        .find(|t| t.object.metadata.name == a)
        .unwrap();
    let tb = tickets
        .iter()
        .find(|t| t.object.metadata.name == b)
        .unwrap();
    assert_eq!(ta.uid, h.get(&a).metadata.uid);
    h.input(Input::Verdict {
        ticket: ta.id,
        verdict: Verdict::Approve {
            reason: "InventoryMatch".into(),
            message: "node-1 is in the inventory".into(),
        },
    });
    h.input(Input::Verdict {
        ticket: tb.id,
        verdict: Verdict::Deny {
            reason: "NotInInventory".into(),
            message: "node-2 is unknown".into(),
        },
    });
    h.settle();
    let approved = h.get(&a);
    assert_eq!(approved.status.conditions[0].reason, "InventoryMatch");
    assert!(Lifecycle::of(&approved).issued);
    let denied = h.get(&b);
    assert_eq!(Lifecycle::of(&denied).approval, Approval::Denied);
    assert_eq!(denied.status.conditions[0].message, "node-2 is unknown");
    // A second answer to a ticket is refused.
    h.input(Input::Verdict {
        ticket: ta.id,
        verdict: Verdict::Abstain,
    });
    assert_eq!(h.events_of(EventKind::TicketRefused).len(), 1);
}

#[test]
fn a_verdict_for_a_deleted_request_is_refused_as_for_a_recreated_one() {
    use kube_tls_bootstrap::control_plane::{ApproverMode, Input, Verdict};
    let mut config = config();
    config.approver = ApproverMode::External;
    let mut h = Harness::new(config);
    let mut o = kubelet_object(1, "node-1");
    o.metadata.name = "node-csr-gone".into();
    o.metadata.generate_name.clear();
    assert_eq!(h.create(bearer("admin-token"), o).code(), 201);
    h.settle();
    let ticket = review_tickets(&h).remove(0);
    let deleted = h.call(
        bearer("admin-token"),
        Operation::DeleteCertificateSigningRequest {
            name: "node-csr-gone".into(),
        },
    );
    assert_eq!(deleted.code(), 200);
    h.input(Input::Verdict {
        ticket: ticket.id,
        verdict: Verdict::Approve {
            reason: "R".into(),
            message: "M".into(),
        },
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
    h.input(Input::Verdict {
        ticket: ticket.id,
        verdict: Verdict::Abstain,
    });
    let refused = h.events_of(EventKind::TicketRefused);
    assert_eq!(refused.len(), 2);
    assert_eq!(
        refused[1].message,
        format!("unknown or already answered review ticket {}", ticket.id.0)
    );
    assert!(h.cp.certificate_signing_request("node-csr-gone").is_none());
}

#[test]
fn a_verdict_for_a_recreated_request_is_refused() {
    use kube_tls_bootstrap::control_plane::{ApproverMode, Input, Verdict};
    let mut config = config();
    config.approver = ApproverMode::External;
    let mut h = Harness::new(config);
    let mut o = kubelet_object(1, "node-1");
    o.metadata.name = "node-csr-same".into();
    o.metadata.generate_name.clear();
    assert_eq!(h.create(bearer("admin-token"), o.clone()).code(), 201);
    h.settle();
    let ticket = review_tickets(&h).remove(0);
    let deleted = h.call(
        bearer("admin-token"),
        Operation::DeleteCertificateSigningRequest {
            name: "node-csr-same".into(),
        },
    );
    assert_eq!(deleted.code(), 200);
    assert_eq!(h.create(bearer("admin-token"), o).code(), 201);
    h.input(Input::Verdict {
        ticket: ticket.id,
        verdict: Verdict::Approve {
            reason: "R".into(),
            message: "M".into(),
        },
    });
    let refused = h.events_of(EventKind::TicketRefused);
    assert_eq!(refused.len(), 1);
    assert_eq!(
        refused[0].message,
        format!(
            "CertificateSigningRequest \"node-csr-same\" with uid {} no longer exists (deleted \
             or re-created); the answer is not applied",
            ticket.uid
        )
    );
    assert_eq!(
        Lifecycle::of(&h.get("node-csr-same")).approval,
        Approval::Pending
    );
}
