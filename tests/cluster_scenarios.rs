//! Scenarios on the in-memory cluster: two kubelets with one node name, a CSR deleted while the
//! kubelet waits, the cleaner removing a Denied CSR, a kubelet restarted between create and
//! approval, Node authorization, and replay.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

mod common;

use common::*;
use kube_tls_bootstrap::api::{Credential, Operation, Reply};
use kube_tls_bootstrap::cluster::{first_difference, replay};
use kube_tls_bootstrap::kubelet::State;
use kube_tls_bootstrap::time::Duration;

fn approve_all(c: &mut kube_tls_bootstrap::cluster::Cluster) {
    for name in csr_names(c) {
        c.kubectl(&format!("certificate approve {name}"));
    }
}

#[test]
fn two_kubelets_with_the_same_node_name_share_one_node() {
    let mut c = cluster();
    c.start_host("host-a", legacy("node-1"));
    c.start_host("host-b", legacy("node-1"));
    c.run_until_idle();
    // Different keys, so two node-csr- names.
    assert_eq!(csr_names(&c).len(), 2);
    approve_all(&mut c);
    c.advance(Duration::from_secs(5));
    for host in ["host-a", "host-b"] {
        assert!(logged(&c, host, "Successfully registered node"), "{host}");
        assert!(c.kubelet(host).unwrap().is_node_ready(), "{host}");
    }
    // The second registration met AlreadyExists and took the existing Node.
    assert_eq!(c.control_plane().nodes().count(), 1);
    assert_eq!(c.kubectl("get nodes").lines().count(), 2);
}

#[test]
fn a_csr_deleted_while_the_legacy_kubelet_waits() {
    let mut c = cluster();
    c.start_node(legacy("node-1"));
    c.run_until_idle();
    let name = csr_names(&c)[0].clone();
    assert_eq!(
        c.kubectl(&format!("delete csr {name}")),
        format!("certificatesigningrequest.certificates.k8s.io \"{name}\" deleted\n")
    );
    c.advance(Duration::from_secs(5));
    let log = c.kubelet_log("node-1").join("\n");
    // The kubelet does not get a certificate from the deleted request.
    assert!(
        c.kubelet("node-1").unwrap().client_certificate().is_none(),
        "{log}"
    );
    // Restarted (as systemd does), it asks again under the same name (the key is kept in
    // kubelet-client.key.tmp) and succeeds once approved.
    c.restart_node("node-1");
    c.run_until_idle();
    assert_eq!(csr_names(&c), vec![name.clone()]);
    approve_all(&mut c);
    c.advance(Duration::from_secs(5));
    assert!(c.kubelet("node-1").unwrap().is_node_ready(), "{log}");
}

#[test]
fn the_cleaner_removes_a_denied_csr_after_an_hour_and_the_legacy_kubelet_then_succeeds() {
    let mut c = cluster();
    c.start_node(legacy("node-1"));
    c.run_until_idle();
    let name = csr_names(&c)[0].clone();
    assert_eq!(
        c.kubectl(&format!("certificate deny {name}")),
        format!("certificatesigningrequest.certificates.k8s.io/{name} denied\n")
    );
    c.advance(Duration::from_secs(5));
    assert!(
        matches!(c.kubelet("node-1").unwrap().state(), State::Exited(_)),
        "{:?}",
        c.kubelet_log("node-1")
    );
    // Restarted at once, the same key gives the same name: AlreadyExists, and the request is
    // Denied, so it fails again.
    c.restart_node("node-1");
    c.advance(Duration::from_secs(5));
    assert!(matches!(
        c.kubelet("node-1").unwrap().state(),
        State::Exited(_)
    ));
    // csrcleaner deletes a Denied request once its condition is more than an hour old, at its
    // next hourly run.
    c.advance(Duration::from_mins(60));
    assert_eq!(
        csr_names(&c).len(),
        1,
        "not yet: the 10:00 run sees it exactly an hour old"
    );
    c.advance(Duration::from_mins(60));
    assert!(csr_names(&c).is_empty(), "{:?}", csr_names(&c));
    assert!(c.events().iter().any(|e| e.name == name));
    c.restart_node("node-1");
    c.run_until_idle();
    assert_eq!(csr_names(&c), vec![name]);
    approve_all(&mut c);
    c.advance(Duration::from_secs(5));
    assert!(c.kubelet("node-1").unwrap().is_node_ready());
}

#[test]
fn a_restart_between_create_and_approval_reuses_the_request() {
    let mut c = cluster();
    c.start_node(legacy("node-1"));
    c.run_until_idle();
    let name = csr_names(&c)[0].clone();
    c.advance(Duration::from_secs(3));
    c.restart_node("node-1");
    c.run_until_idle();
    // AlreadyExists → the existing request is checked and waited on, not a second one.
    assert_eq!(csr_names(&c), vec![name.clone()]);
    c.kubectl(&format!("certificate approve {name}"));
    c.advance(Duration::from_secs(5));
    assert!(c.kubelet("node-1").unwrap().is_node_ready());
    assert!(c.kubectl("get nodes").contains("node-1   Ready"));
}

/// The node's identity after bootstrap, as a credential.
fn node_credential(c: &kube_tls_bootstrap::cluster::Cluster, host: &str) -> Credential {
    let pair = c.kubelet(host).unwrap().client_certificate().unwrap();
    Credential::ClientCertificate(pair.chain_der())
}

#[test]
fn node_authorization_and_node_restriction_texts() {
    let mut c = cluster();
    c.kubectl(NODECLIENT);
    c.start_node(rotation("node-1"));
    c.start_node(rotation("node-2"));
    c.advance(Duration::from_secs(5));
    let me = node_credential(&c, "node-1");
    let status = |r: Reply| match r {
        Reply::Status(s) => (s.code, s.message),
        other => (other.code(), String::new()),
    };
    let got = c.call(
        &me,
        Operation::GetNode {
            name: "node-2".into(),
        },
    );
    assert_eq!(
        status(got),
        (403, "nodes \"node-2\" is forbidden: User \"system:node:node-1\" cannot get resource \"nodes\" in API group \"\" at the cluster scope: node 'node-1' cannot read 'node-2', only its own Node object".into())
    );
    let got = c.call(&me, Operation::ListNodes);
    assert_eq!(
        status(got),
        (403, "nodes is forbidden: User \"system:node:node-1\" cannot list resource \"nodes\" in API group \"\" at the cluster scope: node 'node-1' cannot read all nodes, only its own Node object".into())
    );
    let got = c.call(
        &me,
        Operation::GetNode {
            name: "node-1".into(),
        },
    );
    assert_eq!(got.code(), 200);
    let got = c.call(
        &me,
        Operation::CreateNode(Box::new(kube_tls_bootstrap::node::Node::new("node-2"))),
    );
    assert_eq!(
        status(got),
        (403, "nodes \"node-2\" is forbidden: node \"node-1\" is not allowed to modify node \"node-2\"".into())
    );
    let got = c.call(
        &me,
        Operation::CreateNode(Box::new(kube_tls_bootstrap::node::Node::new("node-1"))),
    );
    assert_eq!(status(got), (409, "nodes \"node-1\" already exists".into()));
    let got = c.call(
        &me,
        Operation::DeleteNode {
            name: "node-1".into(),
        },
    );
    assert_eq!(
        status(got),
        (403, "nodes \"node-1\" is forbidden: User \"system:node:node-1\" cannot delete resource \"nodes\" in API group \"\" at the cluster scope".into())
    );
    assert_eq!(
        c.kubectl("delete node node-9"),
        "Error from server (NotFound): nodes \"node-9\" not found\n"
    );
    assert_eq!(c.kubectl("delete node node-2"), "node \"node-2\" deleted\n");
    assert_eq!(
        c.kubectl("auth can-i list nodes --as=system:node:node-1 --as-group=system:nodes"),
        "no - node 'node-1' cannot read all nodes, only its own Node object\n"
    );
    assert_eq!(
        c.kubectl("auth can-i update nodes/node-1 --subresource=status --as=system:node:node-1 --as-group=system:nodes"),
        "yes\n"
    );
}

#[test]
fn a_recording_replays_byte_for_byte_and_a_change_shows() {
    let mut c = cluster();
    c.kubectl(NODECLIENT);
    c.start_node(legacy("node-1"));
    c.start_node(rotation("node-2"));
    c.advance(Duration::from_secs(5));
    c.advance_to_next_timer();
    let log = c.log();
    let nodes = [legacy("node-1"), rotation("node-2")];
    let again = replay(config(), &nodes, &log).unwrap();
    assert_eq!(again.log(), log);
    assert_eq!(first_difference(&log, &again.log()), None);
    let changed = log.replacen(r#""nanos":5000000000"#, r#""nanos":6000000000"#, 1);
    let other = replay(config(), &nodes, &changed).unwrap();
    assert!(first_difference(&log, &other.log()).is_some());
}
