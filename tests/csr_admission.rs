//! The admission plugins (k/k `plugin/pkg/admission/certificates/{approval,signing,
//! subjectrestriction}/admission_test.go`) over a recording authorizer and over real RBAC.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is a test failure with a line

use std::cell::RefCell;

use kube_tls_bootstrap::csr::admission::{self, Forbidden};
use kube_tls_bootstrap::csr::{
    CertificateSigningRequest, CertificateSigningRequestCondition, ConditionType,
};
use kube_tls_bootstrap::identity::UserInfo;
use kube_tls_bootstrap::rbac::{Attributes, Authorize, Decision, Policy, parse_manifests};

const KUBELET_REQUEST: &[u8] = include_bytes!("data/csr/kubelet-client-p256.csr.pem");
const MASTERS_REQUEST: &[u8] = include_bytes!("data/csr/wrong-o-system-masters.csr.pem");
const CERTIFICATE: &[u8] = include_bytes!("data/csr/kubelet-client-p256.crt.pem");

/// Allows exactly the `(verb, name)` pairs given and records every question asked.
struct Fake {
    allowed: Vec<(&'static str, &'static str)>,
    asked: RefCell<Vec<Attributes>>,
}

impl Fake {
    fn new(allowed: &[(&'static str, &'static str)]) -> Self {
        Self {
            allowed: allowed.to_vec(),
            asked: RefCell::new(Vec::new()),
        }
    }
}

impl Authorize for Fake {
    fn authorize(&self, a: &Attributes) -> Decision {
        self.asked.borrow_mut().push(a.clone());
        if self
            .allowed
            .iter()
            .any(|(v, n)| *v == a.verb && *n == a.name)
        {
            Decision::allow("")
        } else {
            Decision::no_opinion("")
        }
    }
}

fn user() -> UserInfo {
    UserInfo::new("ignored", ["system:authenticated"])
}

fn csr(name: &str, signer: &str) -> CertificateSigningRequest {
    let mut c = CertificateSigningRequest::new(name);
    c.spec.signer_name = signer.into();
    c.spec.request = KUBELET_REQUEST.to_vec();
    c
}

#[test]
fn approval_exact_name_then_domain_wildcard() {
    let old = csr("csr-1", "abc.com/xyz");
    let exact = Fake::new(&[("approve", "abc.com/xyz")]);
    assert_eq!(admission::approval(&exact, &user(), &old), Ok(()));
    assert_eq!(exact.asked.borrow().len(), 1);
    let asked = exact.asked.borrow()[0].clone();
    assert_eq!(
        (
            asked.verb.as_str(),
            asked.api_group.as_str(),
            asked.api_version.as_str(),
            asked.resource.as_str(),
            asked.name.as_str(),
            asked.namespace.as_str(),
            asked.resource_request
        ),
        (
            "approve",
            "certificates.k8s.io",
            "*",
            "signers",
            "abc.com/xyz",
            "",
            true
        )
    );

    let wildcard = Fake::new(&[("approve", "abc.com/*")]);
    assert_eq!(admission::approval(&wildcard, &user(), &old), Ok(()));
    let names: Vec<String> = wildcard
        .asked
        .borrow()
        .iter()
        .map(|a| a.name.clone())
        .collect();
    assert_eq!(names, ["abc.com/xyz", "abc.com/*"]);

    let other = Fake::new(&[("approve", "abc.com/other"), ("sign", "abc.com/xyz")]);
    let err = admission::approval(&other, &user(), &old).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"certificatesigningrequests.certificates.k8s.io "csr-1" is forbidden: user not permitted to approve requests with signerName "abc.com/xyz""#
    );
}

#[test]
fn approval_checks_the_old_signer_name() {
    // Changing spec.signerName through /approval to one the user may approve does not help.
    let old = csr("csr-1", "abc.com/xyz");
    let fake = Fake::new(&[("approve", "abc.com/allowed")]);
    assert!(admission::approval(&fake, &user(), &old).is_err());
}

#[test]
fn signing_only_when_status_changes() {
    let old = csr("csr-1", "abc.com/xyz");
    let nobody = Fake::new(&[]);
    // Nothing in status changed: no question asked, allowed.
    let mut same = old.clone();
    same.metadata.labels.insert("a".into(), "b".into());
    assert_eq!(admission::signing(&nobody, &user(), &same, &old), Ok(()));
    assert!(nobody.asked.borrow().is_empty());

    let mut issued = old.clone();
    issued.status.certificate = CERTIFICATE.to_vec();
    assert_eq!(
        admission::signing(&nobody, &user(), &issued, &old).unwrap_err(),
        Forbidden {
            name: "csr-1".into(),
            reason: admission::ForbiddenReason::NotPermitted {
                verb: "sign",
                signer_name: "abc.com/xyz".into()
            }
        }
    );
    let mut failed = old.clone();
    failed
        .status
        .conditions
        .push(CertificateSigningRequestCondition::new(
            ConditionType::Failed,
        ));
    assert!(admission::signing(&nobody, &user(), &failed, &old).is_err());

    let signer = Fake::new(&[("sign", "abc.com/*")]);
    assert_eq!(admission::signing(&signer, &user(), &issued, &old), Ok(()));
}

#[test]
fn subject_restriction() {
    let mut c = csr("csr-1", "kubernetes.io/kube-apiserver-client");
    assert_eq!(admission::subject_restriction(&c), Ok(()));
    c.spec.request = MASTERS_REQUEST.to_vec();
    assert_eq!(
        admission::subject_restriction(&c).unwrap_err().to_string(),
        r#"certificatesigningrequests.certificates.k8s.io "csr-1" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed"#
    );
    // Other signers may carry system:masters (their signers decide).
    c.spec.signer_name = "kubernetes.io/kube-apiserver-client-kubelet".into();
    assert_eq!(admission::subject_restriction(&c), Ok(()));
    c.spec.signer_name = "kubernetes.io/kube-apiserver-client".into();
    c.spec.request = b"garbage".to_vec();
    assert_eq!(
        admission::subject_restriction(&c)
            .unwrap_err()
            .reason
            .to_string(),
        "failed to parse CSR: PEM block type must be CERTIFICATE REQUEST"
    );
}

#[test]
fn with_rbac_policy() {
    let manifests = parse_manifests(
        r#"
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: kubelet-approver}
rules:
- apiGroups: [certificates.k8s.io]
  resources: [signers]
  resourceNames: [kubernetes.io/kube-apiserver-client-kubelet]
  verbs: [approve]
---
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: kubernetes-signer}
rules:
- apiGroups: [certificates.k8s.io]
  resources: [signers]
  resourceNames: ["kubernetes.io/*"]
  verbs: [sign]
---
kind: ClusterRoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: approvers}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kubelet-approver}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: alice}
---
kind: ClusterRoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: signers}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kubernetes-signer}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: Group, name: signers}
"#,
    )
    .unwrap();
    let policy = Policy::from_objects(manifests.objects);
    let alice = UserInfo::new("alice", ["system:authenticated"]);
    let signer = UserInfo::new("controller", ["signers", "system:authenticated"]);
    let kubelet = csr("csr-1", "kubernetes.io/kube-apiserver-client-kubelet");
    let serving = csr("csr-2", "kubernetes.io/kubelet-serving");
    assert_eq!(admission::approval(&policy, &alice, &kubelet), Ok(()));
    assert!(admission::approval(&policy, &alice, &serving).is_err());
    assert!(admission::approval(&policy, &signer, &kubelet).is_err());
    let mut issued = serving.clone();
    issued.status.certificate = CERTIFICATE.to_vec();
    assert_eq!(
        admission::signing(&policy, &signer, &issued, &serving),
        Ok(())
    );
    assert!(admission::signing(&policy, &alice, &issued, &serving).is_err());
}

/// NodeRestriction's CSR rule reads the request's CN: the node named in it may create its own
/// kubelet request, another node may not, and users that are not nodes pass.
#[test]
fn node_restriction_compares_the_request_cn_with_the_node() {
    let c = csr("", "kubernetes.io/kube-apiserver-client-kubelet");
    let own = UserInfo::new("system:node:node-p256", ["system:nodes"]);
    assert_eq!(admission::node_restriction(&own, &c), Ok(()));
    let other = UserInfo::new("system:node:node-2", ["system:nodes"]);
    assert_eq!(
        admission::node_restriction(&other, &c)
            .unwrap_err()
            .to_string(),
        "certificatesigningrequests.certificates.k8s.io is forbidden: can only create a node CSR with CN=system:node:node-2"
    );
    assert_eq!(admission::node_restriction(&user(), &c), Ok(()));
}
