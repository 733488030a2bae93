//! kube-apiserver's side of the machine: authentication (tokens, client certificates, anonymous),
//! authorization, admission (NodeRestriction, CertificateSubjectRestriction, CertificateApproval)
//! and validation, with Kubernetes' status codes and messages; a node renewing with the
//! certificate it was issued.
// Helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "control_plane_support/mod.rs"]
mod support;

use kube_tls_bootstrap::api::{Credential, Operation, Reply, Selector, StatusReason};
use kube_tls_bootstrap::control_plane::{Config, EventKind, SignerKey};
use kube_tls_bootstrap::csr::{Lifecycle, kubectl};
use kube_tls_bootstrap::pki::{self, CertificateAuthority, KeyUsage, signers};
use kube_tls_bootstrap::rbac::bootstrap::{NODE_BOOTSTRAPPER, NODECLIENT, SELFNODECLIENT};
use kube_tls_bootstrap::rbac::{ClusterRole, PolicyRule};
use kube_tls_bootstrap::time::{Duration, Instant};
use std::sync::Arc;
use support::*;

fn bootstrap_harness() -> Harness {
    let mut config = config();
    for (name, role, group) in [
        (
            "kubelet-bootstrap",
            NODE_BOOTSTRAPPER,
            "system:bootstrappers",
        ),
        (
            "node-autoapprove-bootstrap",
            NODECLIENT,
            "system:bootstrappers",
        ),
        (
            "node-autoapprove-certificate-rotation",
            SELFNODECLIENT,
            "system:nodes",
        ),
    ] {
        config
            .policy
            .add_cluster_role_binding(binding(name, role, Some(group), None));
    }
    Harness::new(config)
}

#[test]
fn authentication_failures_are_401_and_anonymous_is_403() {
    let mut h = bootstrap_harness();
    let reply = h.create(bearer("wrong"), kubelet_object(1, "node-1"));
    assert_eq!(status_message(&reply), (401, "Unauthorized".to_owned()));
    assert_eq!(
        h.events_of(EventKind::AuthenticationFailed)[0].message,
        "invalid bearer token"
    );
    let reply = h.create(Credential::None, kubelet_object(1, "node-1"));
    assert_eq!(
        status_message(&reply),
        (
            403,
            "certificatesigningrequests.certificates.k8s.io is forbidden: User \
             \"system:anonymous\" cannot create resource \"certificatesigningrequests\" in API \
             group \"certificates.k8s.io\" at the cluster scope"
                .to_owned()
        )
    );
    // Without a client CA bundle there is no x509 authenticator: a client certificate is
    // anonymous, not refused.
    let mut no_ca: Config = config();
    no_ca.client_ca.clear();
    let mut h = Harness::new(no_ca);
    let chain = Credential::ClientCertificate(vec![ca().certificate().der().to_vec()]);
    let reply = h.create(chain, kubelet_object(1, "node-1"));
    assert_eq!(reply.code(), 403, "{reply:?}");
    assert!(
        status_message(&reply)
            .1
            .contains("User \"system:anonymous\"")
    );
    assert!(h.events_of(EventKind::AuthenticationFailed).is_empty());
    let mut config: Config = config();
    config.anonymous = false;
    let mut h = Harness::new(config);
    assert_eq!(
        h.create(Credential::None, kubelet_object(1, "node-1"))
            .code(),
        401
    );
}

#[test]
fn create_needs_a_binding_and_get_names_the_object() {
    let mut h = Harness::new(config());
    let reply = h.create(bearer("bootstrap-token"), kubelet_object(1, "node-1"));
    assert_eq!(
        status_message(&reply).1,
        "certificatesigningrequests.certificates.k8s.io is forbidden: User \"kubelet-bootstrap\" \
         cannot create resource \"certificatesigningrequests\" in API group \
         \"certificates.k8s.io\" at the cluster scope"
    );
    let reply = h.call(
        bearer("joe-token"),
        Operation::GetCertificateSigningRequest {
            name: "csr-1".into(),
        },
    );
    assert_eq!(
        status_message(&reply).1,
        "certificatesigningrequests.certificates.k8s.io \"csr-1\" is forbidden: User \"joe\" \
         cannot get resource \"certificatesigningrequests\" in API group \"certificates.k8s.io\" \
         at the cluster scope"
    );
    let reply = h.call(
        bearer("admin-token"),
        Operation::GetCertificateSigningRequest {
            name: "csr-1".into(),
        },
    );
    assert_eq!(
        status_message(&reply),
        (
            404,
            "certificatesigningrequests.certificates.k8s.io \"csr-1\" not found".to_owned()
        )
    );
}

#[test]
fn invalid_objects_are_422_and_names_409() {
    let mut h = bootstrap_harness();
    let mut o = kubelet_object(1, "node-1");
    o.spec.request = b"not a request".to_vec();
    o.spec.usages.clear();
    let Reply::Status(s) = h.create(bearer("bootstrap-token"), o) else {
        panic!()
    };
    assert_eq!((s.code, s.reason), (422, Some(StatusReason::Invalid)));
    assert!(
        s.message
            .starts_with("CertificateSigningRequest.certificates.k8s.io \"csr-")
    );
    assert!(
        s.message.contains(
            "is invalid: [spec.request: Invalid value: []byte{0x6e, 0x6f, 0x74, 0x20, 0x61, 0x20, \
         0x72, 0x65, 0x71, 0x75, 0x65, 0x73, 0x74}: PEM block type must be CERTIFICATE REQUEST, \
         spec.usages: Required value]"
        ),
        "{}",
        s.message
    );

    let mut o = kubelet_object(1, "node-1");
    o.metadata.name = "node-csr-abc".into();
    assert_eq!(h.create(bearer("bootstrap-token"), o.clone()).code(), 201);
    assert_eq!(
        status_message(&h.create(bearer("bootstrap-token"), o)),
        (
            409,
            "certificatesigningrequests.certificates.k8s.io \"node-csr-abc\" already exists"
                .to_owned()
        )
    );
    // A stale resourceVersion on /approval is a Conflict.
    let mut stale = h.get("node-csr-abc");
    h.settle(); // auto-approved: the resourceVersion moved on
    let outcome = kubectl::certificate(
        &stale,
        kubectl::CertificateCommand::Deny,
        false,
        h.now.timestamp(),
    );
    stale = outcome.unwrap().update.unwrap();
    let reply = h.call(
        bearer("admin-token"),
        Operation::UpdateApproval(Box::new(stale)),
    );
    assert_eq!(
        status_message(&reply),
        (
            409,
            "Operation cannot be fulfilled on certificatesigningrequests.certificates.k8s.io \
             \"node-csr-abc\": the object has been modified; please apply your changes to the \
             latest version and try again"
                .to_owned()
        )
    );
}

#[test]
fn subject_restriction_refuses_system_masters_for_the_client_signer() {
    let mut h = Harness::new(config());
    let o = object(
        &custom_pem(2, "evil", &["system:masters"]),
        signers::KUBE_APISERVER_CLIENT,
        &[KeyUsage::DigitalSignature, KeyUsage::ClientAuth],
    );
    let (code, message) = status_message(&h.create(bearer("admin-token"), o));
    assert_eq!(code, 403);
    assert!(message.starts_with("certificatesigningrequests.certificates.k8s.io \"csr-"));
    assert!(message.ends_with(
        "\" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters \
         group is not allowed"
    ));
    assert!(h.cp.is_empty());
}

#[test]
fn approval_admission_needs_approve_on_the_signer() {
    let mut h = bootstrap_harness();
    let name = created_name(&h.create(bearer("bootstrap-token"), kubelet_object(1, "node-1")));
    // joe may update /approval but holds no approve on signers.
    let role = ClusterRole {
        metadata: kube_tls_bootstrap::meta::ObjectMeta::named("approval-updater"),
        rules: vec![
            PolicyRule::new(["get", "update"])
                .groups(["certificates.k8s.io"])
                .resources([
                    "certificatesigningrequests",
                    "certificatesigningrequests/approval",
                ]),
        ],
        aggregation_rule: None,
    };
    assert_eq!(
        h.call(
            bearer("admin-token"),
            Operation::CreateClusterRole(Box::new(role))
        )
        .code(),
        201
    );
    let b = binding("joe-approval", "approval-updater", None, Some("joe"));
    assert_eq!(
        h.call(
            bearer("admin-token"),
            Operation::CreateClusterRoleBinding(Box::new(b))
        )
        .code(),
        201
    );
    let current = h.get(&name);
    let deny = kubectl::certificate(
        &current,
        kubectl::CertificateCommand::Deny,
        false,
        h.now.timestamp(),
    )
    .unwrap()
    .update
    .unwrap();
    let reply = h.call(
        bearer("joe-token"),
        Operation::UpdateApproval(Box::new(deny)),
    );
    assert_eq!(
        status_message(&reply),
        (
            403,
            format!(
                "certificatesigningrequests.certificates.k8s.io \"{name}\" is forbidden: user not \
                 permitted to approve requests with signerName \
                 \"kubernetes.io/kube-apiserver-client-kubelet\""
            )
        )
    );
    // Deleting the binding again takes the update permission away too.
    let reply = h.call(
        bearer("admin-token"),
        Operation::DeleteClusterRoleBinding {
            name: "joe-approval".into(),
        },
    );
    assert_eq!(reply.code(), 200);
    let deny = kubectl::certificate(
        &current,
        kubectl::CertificateCommand::Deny,
        false,
        h.now.timestamp(),
    )
    .unwrap()
    .update
    .unwrap();
    let reply = h.call(
        bearer("joe-token"),
        Operation::UpdateApproval(Box::new(deny)),
    );
    assert!(
        status_message(&reply).1.contains(
            "User \"joe\" cannot update resource \"certificatesigningrequests/approval\""
        )
    );
}

/// Bootstrap with the token, then renew with the issued certificate; a node asking for another
/// node's name is refused by NodeRestriction.
#[test]
fn a_node_renews_with_its_certificate_and_only_for_itself() {
    let mut h = bootstrap_harness();
    let name = created_name(&h.create(bearer("bootstrap-token"), kubelet_object(1, "node-1")));
    h.settle();
    let csr = h.get(&name);
    let certificate = pki::certificate::parse_certificates_pem(&csr.status.certificate)
        .unwrap()
        .remove(0);
    assert_eq!(
        csr.status.conditions[0].message,
        "Auto approving kubelet client certificate after SubjectAccessReview."
    );
    let node = Credential::ClientCertificate(vec![certificate.der().to_vec()]);

    let reply = h.create(node.clone(), kubelet_object(2, "node-2"));
    assert_eq!(
        status_message(&reply),
        (
            403,
            "certificatesigningrequests.certificates.k8s.io is forbidden: can only create a node \
             CSR with CN=system:node:node-1"
                .to_owned()
        )
    );
    let reply = h.create(node.clone(), kubelet_object(2, "node-1"));
    let renewal = created_name(&reply);
    let Reply::CertificateSigningRequest { object, .. } = reply else {
        panic!()
    };
    assert_eq!(object.spec.username, "system:node:node-1");
    assert_eq!(object.spec.groups, ["system:nodes", "system:authenticated"]);
    h.settle();
    let renewed = h.get(&renewal);
    assert_eq!(
        renewed.status.conditions[0].message,
        "Auto approving self kubelet client certificate after SubjectAccessReview."
    );
    assert!(Lifecycle::of(&renewed).issued);
    // The Node authorizer lets the node list CSRs.
    let reply = h.call(
        node,
        Operation::ListCertificateSigningRequests(Selector {
            name: Some(renewal),
        }),
    );
    let Reply::CertificateSigningRequestList(list) = reply else {
        panic!("{reply:?}")
    };
    assert_eq!(list.items.len(), 1);
    assert_eq!(
        (list.api_version.as_str(), list.kind.as_str()),
        ("certificates.k8s.io/v1", "CertificateSigningRequestList")
    );
}

#[test]
fn a_binding_to_a_missing_role_is_the_reason_in_the_forbidden_message() {
    let mut h = Harness::new(config());
    let dangling = binding("dangling", "missing", None, Some("joe"));
    let reply = h.call(
        bearer("admin-token"),
        Operation::CreateClusterRoleBinding(Box::new(dangling)),
    );
    assert_eq!(reply.code(), 201, "{reply:?}");
    let reply = h.call(
        bearer("joe-token"),
        Operation::ListCertificateSigningRequests(Selector::default()),
    );
    assert_eq!(
        status_message(&reply),
        (
            403,
            "certificatesigningrequests.certificates.k8s.io is forbidden: User \"joe\" cannot \
             list resource \"certificatesigningrequests\" in API group \"certificates.k8s.io\" at \
             the cluster scope: RBAC: clusterrole.rbac.authorization.k8s.io \"missing\" not found"
                .to_owned()
        )
    );
}

#[test]
fn client_certificates_are_verified() {
    let mut h = bootstrap_harness();
    let name = created_name(&h.create(bearer("bootstrap-token"), kubelet_object(1, "node-1")));
    h.settle();
    let pem = h.get(&name).status.certificate;
    let certificate = pki::certificate::parse_certificates_pem(&pem)
        .unwrap()
        .remove(0);
    let node = Credential::ClientCertificate(vec![certificate.der().to_vec()]);
    // A year and a day later the certificate has expired.
    h.now += Duration::from_hours(366 * 24);
    let reply = h.create(node, kubelet_object(2, "node-1"));
    assert_eq!(status_message(&reply), (401, "Unauthorized".to_owned()));
    let message = &h.events_of(EventKind::AuthenticationFailed)[0].message;
    assert!(
        message.starts_with("verifying certificate SN="),
        "{message}"
    );
    assert!(
        message.contains(&format!(
            "failed: x509: certificate has expired or is not yet valid: current time {} is after {}",
            h.now.timestamp().to_rfc3339(),
            certificate.not_after().to_rfc3339()
        )),
        "{message}"
    );

    // A certificate from another CA.
    let other = CertificateAuthority::from_pem(
        include_bytes!("data/pki/ca-rsa/ca.crt"),
        include_bytes!("data/pki/ca-rsa/ca.key"),
    )
    .unwrap();
    let request = pki::CertificateRequest::from_pem(
        pki::kubelet::client_csr_pem(&key(3), "node-3")
            .unwrap()
            .as_bytes(),
    )
    .unwrap();
    let now = Instant::from(other.certificate().not_before());
    let issued = other
        .sign(
            &request,
            &[KeyUsage::ClientAuth],
            None,
            3600,
            now.timestamp(),
            &[1; 16],
        )
        .unwrap();
    let mut h = bootstrap_harness();
    h.now = now + Duration::from_secs(1);
    let reply = h.create(
        Credential::ClientCertificate(vec![issued.der().to_vec()]),
        kubelet_object(3, "node-3"),
    );
    assert_eq!(reply.code(), 401);
    assert!(
        h.events_of(EventKind::AuthenticationFailed)[0]
            .message
            .ends_with("failed: x509: certificate signed by unknown authority")
    );
}

#[test]
fn a_watch_from_a_list_resource_version_replays_what_followed() {
    use kube_tls_bootstrap::api::EventType;
    use kube_tls_bootstrap::control_plane::Output;
    let mut h = bootstrap_harness();
    let Reply::CertificateSigningRequestList(list) = h.call(
        bearer("admin-token"),
        Operation::ListCertificateSigningRequests(Selector::default()),
    ) else {
        panic!()
    };
    let rv = list.metadata.as_ref().unwrap()["resourceVersion"]
        .as_str()
        .unwrap()
        .to_owned();
    // The kubelet's request is created, approved and issued before the watch starts.
    let name = created_name(&h.create(bearer("bootstrap-token"), kubelet_object(1, "node-1")));
    h.settle();
    let reply = h.call(
        bearer("admin-token"),
        Operation::WatchCertificateSigningRequests {
            selector: Selector {
                name: Some(name.clone()),
            },
            resource_version: Some(rv),
        },
    );
    let Reply::WatchOpened(watch) = reply else {
        panic!("{reply:?}")
    };
    let replayed: Vec<(EventType, bool)> = h
        .outputs
        .iter()
        .filter_map(|o| match o {
            Output::Watch { watch: w, event } if *w == watch => {
                Some((event.type_, !event.object.status.certificate.is_empty()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        replayed,
        [
            (EventType::Added, false),
            (EventType::Modified, false),
            (EventType::Modified, true)
        ]
    );
    // Far more changes than the window holds: an old version is 410 Expired.
    for _ in 0..600 {
        let n = created_name(&h.create(bearer("admin-token"), kubelet_object(2, "node-2")));
        let reply = h.call(
            bearer("admin-token"),
            Operation::DeleteCertificateSigningRequest { name: n },
        );
        assert_eq!(reply.code(), 200);
    }
    let reply = h.call(
        bearer("admin-token"),
        Operation::WatchCertificateSigningRequests {
            selector: Selector::default(),
            resource_version: Some("1".into()),
        },
    );
    let (code, message) = status_message(&reply);
    assert_eq!(code, 410);
    assert!(
        message.starts_with("too old resource version: 1 ("),
        "{message}"
    );
}

#[test]
fn the_machine_shows_its_policy_and_hides_its_signing_keys() {
    let mut h = Harness::new(config());
    assert!(h.cp.is_empty());
    assert_eq!(h.cp.len(), 0);
    for (key, node) in [(1, "n1"), (2, "n2")] {
        let reply = h.create(bearer("admin-token"), kubelet_object(key, node));
        assert_eq!(reply.code(), 201);
    }
    assert!(!h.cp.is_empty());
    assert_eq!(h.cp.len(), 2);
    let names: Vec<&str> =
        h.cp.policy()
            .cluster_roles()
            .map(|r| r.metadata.name.as_str())
            .collect();
    assert!(names.contains(&"system:certificates.k8s.io:certificatesigningrequests:nodeclient"));
    assert_eq!(
        h.cp.policy().cluster_role_bindings().len(),
        config().policy.cluster_role_bindings().len()
    );
    // A binding created through the API is in the policy the machine shows.
    let reply = h.call(
        bearer("admin-token"),
        Operation::CreateClusterRoleBinding(Box::new(binding(
            "extra",
            NODE_BOOTSTRAPPER,
            Some("system:bootstrappers"),
            None,
        ))),
    );
    assert_eq!(reply.code(), 201);
    assert!(
        h.cp.policy()
            .cluster_role_bindings()
            .iter()
            .any(|b| b.metadata.name == "extra")
    );

    let ca = ca();
    assert_eq!(
        format!("{:?}", SignerKey::InProcess(ca.clone())),
        "InProcess([elided])"
    );
    assert_eq!(
        format!("{:?}", SignerKey::External(Arc::new(ca.issuer().clone()))),
        format!("External({:?})", ca.issuer())
    );
}

#[test]
fn nodes_carry_their_own_resource_versions_and_stale_status_updates_conflict() {
    use kube_tls_bootstrap::node::Node;
    let mut h = Harness::new(config());
    let admin = || bearer("admin-token");
    let node = |reply: Reply| match reply {
        Reply::Node { code, object } => (code, *object),
        other => panic!("{other:?}"),
    };
    let (code, created) = node(h.call(
        admin(),
        Operation::CreateNode(Box::new(Node::new("node-1"))),
    ));
    assert_eq!(
        (code, created.metadata.resource_version.as_str()),
        (201, "1")
    );
    let (_, second) = node(h.call(
        admin(),
        Operation::CreateNode(Box::new(Node::new("node-2"))),
    ));
    assert_eq!(second.metadata.resource_version, "2");
    assert_eq!(h.cp.node("node-1"), Some(&created));
    assert_eq!(h.cp.node("node-3"), None);
    assert_eq!(
        h.cp.nodes()
            .map(|n| n.metadata.name.as_str())
            .collect::<Vec<_>>(),
        ["node-1", "node-2"]
    );

    // A status update at the current resourceVersion is stored with the next one.
    let mut update = created.clone();
    update.status.addresses = vec![kube_tls_bootstrap::node::NodeAddress {
        type_: "InternalIP".into(),
        address: "10.0.0.5".into(),
    }];
    let (code, updated) = node(h.call(
        admin(),
        Operation::UpdateNodeStatus(Box::new(update.clone())),
    ));
    assert_eq!(
        (code, updated.metadata.resource_version.as_str()),
        (200, "3")
    );
    assert_eq!(h.cp.node("node-1"), Some(&updated));
    // The same update again carries a stale resourceVersion: 409, nothing stored.
    let reply = h.call(
        admin(),
        Operation::UpdateNodeStatus(Box::new(update.clone())),
    );
    assert_eq!(
        status_message(&reply),
        (
            409,
            "Operation cannot be fulfilled on nodes \"node-1\": the object has been modified; \
             please apply your changes to the latest version and try again"
                .to_owned()
        )
    );
    assert_eq!(h.cp.node("node-1"), Some(&updated));
    // Without a resourceVersion the update is unconditional.
    update.metadata.resource_version.clear();
    let (code, last) = node(h.call(admin(), Operation::UpdateNodeStatus(Box::new(update))));
    assert_eq!((code, last.metadata.resource_version.as_str()), (200, "4"));
}

#[test]
fn a_generated_name_is_drawn_again_on_collision_eight_times_at_most() {
    // Every create attempt draws a uid and a name suffix from the seeded generator, so a second
    // control plane with the same seed draws the same names in the same order.
    let mut first = Harness::new(config());
    let names: Vec<String> = (0..17)
        .map(|_| created_name(&first.create(bearer("admin-token"), kubelet_object(1, "node-1"))))
        .collect();
    let mut h = Harness::new(config());
    // Eight creates under chosen names take the first eight draws and the next eight names.
    for name in &names[8..16] {
        let mut o = kubelet_object(1, "node-1");
        o.metadata.name = name.clone();
        o.metadata.generate_name.clear();
        assert_eq!(h.create(bearer("admin-token"), o).code(), 201);
    }
    // The ninth to sixteenth draws all collide: the eighth collision is the answer.
    let reply = h.create(bearer("admin-token"), kubelet_object(1, "node-1"));
    assert_eq!(
        status_message(&reply),
        (
            409,
            format!(
                "certificatesigningrequests.certificates.k8s.io \"{}\" already exists",
                names[15]
            )
        )
    );
    // The next create draws the seventeenth name, which is free.
    let reply = h.create(bearer("admin-token"), kubelet_object(1, "node-1"));
    assert_eq!(created_name(&reply), names[16]);
    // A chosen name that exists is refused at once.
    let mut o = kubelet_object(1, "node-1");
    o.metadata.name = names[16].clone();
    o.metadata.generate_name.clear();
    assert_eq!(h.create(bearer("admin-token"), o).code(), 409);
}

#[test]
fn an_update_for_another_uid_is_a_conflict() {
    let mut h = Harness::new(config());
    let name = created_name(&h.create(bearer("admin-token"), kubelet_object(1, "node-1")));
    let outcome = kubectl::certificate(
        &h.get(&name),
        kubectl::CertificateCommand::Approve,
        false,
        h.now.timestamp(),
    )
    .unwrap();
    let mut update = outcome.update.unwrap();
    // The registry's UID precondition: an update names the object it was read from.
    update.metadata.uid = "0f2d6f4e-0000-4000-8000-000000000000".into();
    let reply = h.call(
        bearer("admin-token"),
        Operation::UpdateApproval(Box::new(update.clone())),
    );
    assert_eq!(
        status_message(&reply),
        (
            409,
            format!(
                "Operation cannot be fulfilled on certificatesigningrequests.certificates.k8s.io \
                 \"{name}\": the object has been modified; please apply your changes to the \
                 latest version and try again"
            )
        )
    );
    assert!(h.get(&name).status.conditions.is_empty());
    // Without a uid the update applies.
    update.metadata.uid.clear();
    let reply = h.call(
        bearer("admin-token"),
        Operation::UpdateApproval(Box::new(update)),
    );
    assert_eq!(reply.code(), 200, "{reply:?}");
}

#[test]
fn only_controllers_that_can_act_are_woken() {
    use kube_tls_bootstrap::control_plane::{ApproverMode, Output, StorageChange};
    // No approver: a pending kubelet request wakes nobody (the signer waits for an approval);
    // the cleaner's hourly pass stays the next timer.
    let mut config = config();
    config.approver = ApproverMode::None;
    let mut h = Harness::new(config);
    // The first input starts the cleaner, whose first pass runs at once.
    let reply = h.call(
        bearer("admin-token"),
        Operation::CreateClusterRoleBinding(Box::new(binding("a", NODECLIENT, None, Some("joe")))),
    );
    assert_eq!(reply.code(), 201);
    assert_eq!(h.cp.poll_timeout(), Some(h.now));
    h.settle();
    let hour = h.now + Duration::from_hours(1);
    assert_eq!(h.cp.poll_timeout(), Some(hour));
    let name = created_name(&h.create(bearer("admin-token"), kubelet_object(1, "node-1")));
    assert_eq!(h.cp.poll_timeout(), Some(hour));
    // Approved for a signer the machine does not run: no signer wakes either.
    let mut o = kubelet_object(2, "node-2");
    o.spec.signer_name = "example.com/other".into();
    let other = created_name(&h.create(bearer("admin-token"), o));
    h.approve(&other);
    assert_eq!(h.cp.poll_timeout(), Some(hour));
    // Approving the kubelet request wakes its signer at once.
    h.approve(&name);
    assert_eq!(h.cp.poll_timeout(), Some(h.now));
    // A policy write is reported to the caller as a storage change.
    let reply = h.call(
        bearer("admin-token"),
        Operation::CreateClusterRoleBinding(Box::new(binding("b", NODECLIENT, None, Some("joe")))),
    );
    assert_eq!(reply.code(), 201);
    assert!(matches!(
        h.outputs.last(),
        Some(Output::Stored(StorageChange::Policy))
    ));
}
