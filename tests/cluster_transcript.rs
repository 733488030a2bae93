//! The six parts of the seed's transcript, each on the in-memory cluster, with Kubernetes'
//! exact texts.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

mod common;

use common::*;
use kube_tls_bootstrap::cluster::Cluster;
use kube_tls_bootstrap::kubelet::{KeyPurpose, NodeAddress};
use kube_tls_bootstrap::time::Duration;

#[test]
fn part1_token_file_authenticates_and_forbids_without_a_binding() {
    let mut c = Cluster::new(config()).unwrap();
    c.start_node(legacy("node-1"));
    c.run_until_idle();
    assert!(
        logged(
            &c,
            "node-1",
            "certificatesigningrequests.certificates.k8s.io is forbidden: User \"kubelet-bootstrap\" cannot create resource \"certificatesigningrequests\" in API group \"certificates.k8s.io\" at the cluster scope"
        ),
        "{:?}",
        c.kubelet_log("node-1")
    );
    assert_eq!(c.kubectl("get csr"), "No resources found\n");
}

#[test]
fn part2_create_clusterrolebinding_prints_kubectls_line_and_refuses_a_duplicate() {
    let mut c = cluster();
    assert_eq!(
        c.kubectl(NODE_BOOTSTRAPPER),
        "Error from server (AlreadyExists): clusterrolebindings.rbac.authorization.k8s.io \"kubelet-bootstrap\" already exists\n"
    );
    assert_eq!(
        c.kubectl(
            "create clusterrolebinding sa --clusterrole=view --serviceaccount=kube-system:default"
        ),
        "clusterrolebinding.rbac.authorization.k8s.io/sa created\n"
    );
    assert_eq!(
        c.kubectl("auth can-i create csr --as=kubelet-bootstrap"),
        "yes\n"
    );
    assert_eq!(c.kubectl("auth can-i create csr --as=someone"), "no\n");
}

#[test]
fn part3_legacy_kubelet_makes_one_pending_node_csr() {
    let mut c = cluster();
    c.start_node(legacy("node-1"));
    c.run_until_idle();
    let names = csr_names(&c);
    assert_eq!(names.len(), 1);
    let name = &names[0];
    assert!(name.starts_with("node-csr-"));
    assert_eq!(name.len(), "node-csr-".len() + 43);
    let table = c.kubectl("get csr");
    let row = table.lines().nth(1).unwrap();
    assert!(row.contains("kubelet-bootstrap"), "{table}");
    assert!(row.ends_with("Pending"), "{table}");
    assert!(logged(
        &c,
        "node-1",
        "Waiting for client certificate to be issued"
    ));
}

#[test]
fn part4_approve_then_issued() {
    let mut c = cluster();
    c.start_node(legacy("node-1"));
    c.run_until_idle();
    let name = csr_names(&c)[0].clone();
    assert_eq!(
        c.kubectl(&format!("certificate approve {name}")),
        format!("certificatesigningrequest.certificates.k8s.io/{name} approved\n")
    );
    c.advance(Duration::from_secs(2));
    assert!(
        c.kubectl("get csr")
            .lines()
            .nth(1)
            .unwrap()
            .ends_with("Approved,Issued")
    );
    assert_eq!(
        c.kubectl("certificate approve nope"),
        "Error from server (NotFound): certificatesigningrequests.certificates.k8s.io \"nope\" not found\n"
    );
}

#[test]
fn part5_node_ready_files_and_kubeconfig() {
    let mut c = cluster();
    c.start_node(legacy("node-1"));
    c.run_until_idle();
    let name = csr_names(&c)[0].clone();
    c.kubectl(&format!("certificate approve {name}"));
    c.advance(Duration::from_secs(5));
    assert_eq!(
        c.kubectl("get nodes"),
        "NAME     STATUS   ROLES    AGE   VERSION\nnode-1   Ready    <none>   4s    v1.32.0\n"
    );
    let node = c.control_plane().node("node-1").unwrap();
    let ready = node.ready_condition().unwrap();
    assert_eq!(ready.reason, "KubeletReady");
    assert_eq!(ready.message, "kubelet is posting ready status");
    let disk = c.disk("node-1").unwrap();
    let link = disk.lstat("/var/lib/kubelet/pki/kubelet-client-current.pem");
    assert!(matches!(
        link,
        Some(kube_tls_bootstrap::kubelet::files::Entry::Symlink(_))
    ));
    let kubeconfig =
        String::from_utf8(disk.read("/etc/kubernetes/kubelet.conf").unwrap().to_vec()).unwrap();
    assert!(
        kubeconfig.contains("client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem")
    );
    assert!(
        disk.read("/var/lib/kubelet/pki/kubelet-client.key.tmp")
            .is_none()
    );
}

#[test]
fn part6_auto_approval_rotation_denial_and_another_nodes_name() {
    let mut c = cluster();
    c.kubectl(NODECLIENT);
    c.start_node(rotation("node-2"));
    c.advance(Duration::from_secs(5));
    assert!(c.kubectl("get nodes").contains("node-2   Ready"));
    // Rotation through selfnodeclient.
    c.kubectl(SELFNODECLIENT);
    let deadline = c
        .kubelet("node-2")
        .unwrap()
        .rotation_deadline(KeyPurpose::Client)
        .unwrap();
    let wait = deadline.duration_since(c.now()) + Duration::from_secs(5);
    c.advance(wait);
    let renewal = c
        .control_plane()
        .certificate_signing_requests()
        .find(|x| x.spec.username == "system:node:node-2")
        .unwrap()
        .clone();
    assert!(
        c.kubectl("get csr")
            .contains("system:node:node-2   <none>              Approved,Issued")
    );
    assert!(renewal.status.conditions[0].reason == "AutoApproved");
    // A denied serving certificate: the kubelet logs it and tries again with a new request.
    let mut serving = rotation("node-3");
    serving.kubelet.serving = true;
    c.start_node(serving);
    c.advance(Duration::from_secs(5));
    c.set_node_addresses("node-3", vec![NodeAddress::new("InternalIP", "10.0.0.13")]);
    c.advance(Duration::from_secs(1));
    let pending = c
        .control_plane()
        .certificate_signing_requests()
        .find(|x| x.spec.signer_name == "kubernetes.io/kubelet-serving")
        .unwrap()
        .metadata
        .name
        .clone();
    assert_eq!(
        c.kubectl(&format!("certificate deny {pending}")),
        format!("certificatesigningrequest.certificates.k8s.io/{pending} denied\n")
    );
    c.advance(Duration::from_secs(5));
    assert!(logged(
        &c,
        "node-3",
        "certificate signing request is denied, reason: KubectlDeny, message: This CSR was denied by kubectl certificate deny."
    ));
    assert_eq!(
        c.kubectl(&format!("certificate approve {pending}")),
        format!("error: certificate signing request \"{pending}\" is already Denied\n")
    );
    // Another node's name: the CSR and the Node are refused with the reasons.
    c.rename_node("node-2", "node-1");
    c.advance(Duration::from_millis(500));
    assert!(logged(
        &c,
        "node-2",
        "certificatesigningrequests.certificates.k8s.io is forbidden: can only create a node CSR with CN=system:node:node-2"
    ));
    assert!(logged(
        &c,
        "node-2",
        "nodes \"node-1\" is forbidden: node \"node-2\" is not allowed to modify node \"node-1\""
    ));
    assert!(c.control_plane().node("node-1").is_none());
}

#[test]
fn the_transcript_is_byte_identical_across_runs() {
    let run = || {
        let mut c = cluster();
        c.kubectl(NODECLIENT);
        c.start_node(rotation("node-1"));
        c.advance(Duration::from_secs(5));
        (c.kubectl("get csr"), c.kubectl("get nodes"), c.log())
    };
    assert_eq!(run(), run());
}
