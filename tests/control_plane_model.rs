//! A reference-model state-machine test: random sequences of creates by several identities
//! (a bootstrap token, two nodes — one asking for the other's name —, an admin in
//! `system:masters` also asking for a `system:masters` client certificate, a user with no
//! rights), approvals and denials as `kubectl certificate` sends them, deletes and re-creates
//! under fixed `node-csr-` names, RBAC bindings created and deleted, and time jumps of 0 h, 1 h,
//! 2 h and 25 h (the controllers' back-off, the signer and the hourly cleaner all run inside
//! them).
//!
//! After every step: the machine's reply code equals the model's; every stored object's
//! lifecycle (Pending/Approved/Denied, Failed, Issued) equals the model's; and the invariants
//! hold — never Approved and Denied, conditions only appended, the certificate written once,
//! no certificate without an approval, the issued key is the requested key.
//!
//! Cases: `PROPTEST_CASES` (default 64 here to keep CI short; the report's big run used
//! `PROPTEST_CASES=10000`).

// Helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "control_plane_support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use kube_tls_bootstrap::api::{Operation, Reply};
use kube_tls_bootstrap::csr::{Approval, CertificateSigningRequest, Lifecycle, kubectl};
use kube_tls_bootstrap::identity::TokenFile;
use kube_tls_bootstrap::pki::{self, KeyUsage, signers};
use kube_tls_bootstrap::rbac::bootstrap::{NODE_BOOTSTRAPPER, NODECLIENT, SELFNODECLIENT};
use kube_tls_bootstrap::time::Duration;
use proptest::prelude::*;
use support::*;

const MODEL_TOKENS: &str = "boot,kubelet-bootstrap,1,\"system:bootstrappers\"\n\
n1,system:node:node-1,2,\"system:nodes\"\n\
n2,system:node:node-2,3,\"system:nodes\"\n\
admin,admin,4,\"system:masters\"\n\
joe,joe,5,\"\"\n";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Boot,
    Node1,
    Node2,
    Admin,
    Joe,
}

impl Who {
    fn token(self) -> &'static str {
        match self {
            Self::Boot => "boot",
            Self::Node1 => "n1",
            Self::Node2 => "n2",
            Self::Admin => "admin",
            Self::Joe => "joe",
        }
    }
    fn user(self) -> &'static str {
        match self {
            Self::Boot => "kubelet-bootstrap",
            Self::Node1 => "system:node:node-1",
            Self::Node2 => "system:node:node-2",
            Self::Admin => "admin",
            Self::Joe => "joe",
        }
    }
}

#[derive(Clone, Debug)]
enum Op {
    /// A kubelet client request for `node-<node>` (key `key`), named `node-csr-<name>` or
    /// generated.
    Create {
        who: Who,
        node: u8,
        key: u8,
        name: Option<u8>,
    },
    /// A kube-apiserver-client request with O=system:masters (refused at admission).
    CreateMasters(Who),
    /// A kube-apiserver-client request with `server auth` (the signer marks it Failed).
    CreateBadUsage {
        key: u8,
    },
    /// `kubectl certificate approve|deny` on the `idx`-th stored object.
    Decide {
        who: Who,
        idx: usize,
        approve: bool,
    },
    Delete {
        who: Who,
        idx: usize,
    },
    Get {
        who: Who,
        idx: usize,
    },
    /// Create the binding if absent, else delete it.
    ToggleBinding(usize),
    Advance(u8),
}

fn who() -> impl Strategy<Value = Who> {
    prop_oneof![
        3 => Just(Who::Boot),
        2 => Just(Who::Node1),
        1 => Just(Who::Node2),
        2 => Just(Who::Admin),
        1 => Just(Who::Joe),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (who(), 1u8..4, 0u8..4, prop::option::of(0u8..3))
            .prop_map(|(who, node, key, name)| Op::Create { who, node, key, name }),
        1 => prop_oneof![Just(Who::Admin), Just(Who::Boot)].prop_map(Op::CreateMasters),
        1 => (0u8..4).prop_map(|key| Op::CreateBadUsage { key }),
        4 => (prop_oneof![Just(Who::Admin), Just(Who::Joe)], 0usize..8, any::<bool>())
            .prop_map(|(who, idx, approve)| Op::Decide { who, idx, approve }),
        2 => (prop_oneof![Just(Who::Admin), Just(Who::Joe)], 0usize..8)
            .prop_map(|(who, idx)| Op::Delete { who, idx }),
        1 => (who(), 0usize..9).prop_map(|(who, idx)| Op::Get { who, idx }),
        3 => (0usize..3).prop_map(Op::ToggleBinding),
        3 => prop_oneof![Just(0u8), Just(1), Just(2), Just(25)].prop_map(Op::Advance),
    ]
}

const BINDINGS: [(&str, &str, &str); 3] = [
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
];

/// PEMs for (key, node) pairs, made once.
fn pem(key: u8, node: u8) -> &'static str {
    static PEMS: OnceLock<Vec<String>> = OnceLock::new();
    let all = PEMS.get_or_init(|| {
        let mut v = Vec::new();
        for k in 0..4u8 {
            for n in 0..4u8 {
                v.push(
                    pki::kubelet::client_csr_pem(&support::key(k + 20), &format!("node-{n}"))
                        .unwrap(),
                );
            }
        }
        v
    });
    &all[usize::from(key) * 4 + usize::from(node)]
}

fn masters_pem() -> &'static str {
    static P: OnceLock<String> = OnceLock::new();
    P.get_or_init(|| custom_pem(30, "evil", &["system:masters"]))
}

fn tester_pem(key: u8) -> &'static str {
    static P: OnceLock<Vec<String>> = OnceLock::new();
    &P.get_or_init(|| (0..4).map(|k| custom_pem(40 + k, "tester", &[])).collect())[usize::from(key)]
}

/// The model's view of one object.
#[derive(Clone, Debug)]
struct ModelCsr {
    requester: Who,
    /// `Some(n)`: a kubelet client request for node-n; `None`: the bad-usage client request.
    node: Option<u8>,
    approval: Approval,
    issued: bool,
    failed: bool,
    created: i64,
    /// The hour at which the decision happened (retries land within 1000 s after it).
    decided: Option<i64>,
}

impl ModelCsr {
    fn lifecycle(&self) -> (Approval, bool, bool) {
        (self.approval, self.issued, self.failed)
    }
}

struct Model {
    bindings: [bool; 3],
    objects: BTreeMap<String, ModelCsr>,
    /// Hours since the start.
    hour: i64,
}

impl Model {
    fn may_create(&self, who: Who) -> bool {
        match who {
            Who::Admin | Who::Node1 | Who::Node2 => true,
            Who::Boot => self.bindings[0],
            Who::Joe => false,
        }
    }

    /// csrapproving's SubjectAccessReviews for a pending kubelet request.
    fn auto_approves(&self, c: &ModelCsr) -> bool {
        let Some(node) = c.node else { return false };
        let self_node = c.requester.user() == format!("system:node:node-{node}");
        match c.requester {
            Who::Admin => true,
            Who::Boot => self.bindings[1],
            Who::Node1 | Who::Node2 => self_node && self.bindings[2],
            Who::Joe => false,
        }
    }

    /// What happens to `name` when a controller looks at it now.
    fn settle(&mut self, name: &str) {
        let hour = self.hour;
        let auto = self
            .objects
            .get(name)
            .is_some_and(|c| c.approval == Approval::Pending && !c.issued && self.auto_approves(c));
        let Some(c) = self.objects.get_mut(name) else {
            return;
        };
        if auto {
            c.approval = Approval::Approved;
            c.decided = Some(hour);
        }
        if c.approval == Approval::Approved && !c.issued && !c.failed {
            match c.node {
                Some(_) => c.issued = true,
                None => c.failed = true,
            }
        }
    }

    fn settle_all(&mut self) {
        let names: Vec<String> = self.objects.keys().cloned().collect();
        for n in names {
            self.settle(&n);
        }
    }

    /// csrcleaner's pass at hour `p`.
    fn clean(&mut self, p: i64) {
        self.objects.retain(|_, c| {
            let decided_old = c.decided.is_some_and(|d| p >= d + 2);
            let gone = match c.approval {
                Approval::Approved => (c.issued || c.failed) && decided_old,
                Approval::Denied => decided_old,
                Approval::Pending => {
                    (c.failed && decided_old) || (!c.failed && p >= c.created + 25)
                }
            };
            !gone
        });
    }
}

fn model_config() -> kube_tls_bootstrap::control_plane::Config {
    let mut config = config();
    config.authenticator.token_file =
        Some(TokenFile::parse(MODEL_TOKENS.as_bytes(), "token.csv").unwrap());
    config
}

fn lifecycle(o: &CertificateSigningRequest) -> (Approval, bool, bool) {
    let l = Lifecycle::of(o);
    (l.approval, l.issued, l.failed)
}

fn check_invariants(
    h: &Harness,
    before: &BTreeMap<String, CertificateSigningRequest>,
) -> Result<(), TestCaseError> {
    for o in h.cp.certificate_signing_requests() {
        let l = Lifecycle::of(o);
        let types: Vec<&str> = o
            .status
            .conditions
            .iter()
            .map(|c| c.type_.as_str())
            .collect();
        prop_assert!(
            !(types.contains(&"Approved") && types.contains(&"Denied")),
            "Approved and Denied: {types:?}"
        );
        if l.issued {
            prop_assert_eq!(
                l.approval,
                Approval::Approved,
                "a certificate without approval"
            );
            let cert = pki::certificate::parse_certificates_pem(&o.status.certificate).unwrap();
            let request = pki::CertificateRequest::from_pem(&o.spec.request).unwrap();
            prop_assert_eq!(cert[0].public_key(), request.public_key());
        }
        if let Some(old) = before.get(&o.metadata.name)
            && old.metadata.uid == o.metadata.uid
        {
            prop_assert!(
                o.status.conditions.starts_with(&old.status.conditions),
                "conditions rewritten"
            );
            if !old.status.certificate.is_empty() {
                prop_assert_eq!(&old.status.certificate, &o.status.certificate);
            }
            let rv =
                |x: &CertificateSigningRequest| x.metadata.resource_version.parse::<u64>().unwrap();
            prop_assert!(rv(o) >= rv(old));
        }
    }
    Ok(())
}

fn nth_name(h: &Harness, idx: usize) -> Option<String> {
    let names: Vec<String> =
        h.cp.certificate_signing_requests()
            .map(|o| o.metadata.name.clone())
            .collect();
    if names.is_empty() {
        None
    } else {
        Some(names[idx % names.len()].clone())
    }
}

fn run(ops: &[Op]) -> Result<(), TestCaseError> {
    let mut h = Harness::new(model_config());
    let start = h.now;
    let mut m = Model {
        bindings: [false; 3],
        objects: BTreeMap::new(),
        hour: 0,
    };
    for op in ops {
        let before: BTreeMap<String, CertificateSigningRequest> =
            h.cp.certificate_signing_requests()
                .map(|o| (o.metadata.name.clone(), o.clone()))
                .collect();
        match op.clone() {
            Op::Create {
                who,
                node,
                key,
                name,
            } => {
                let mut o = object(
                    pem(key, node),
                    signers::KUBE_APISERVER_CLIENT_KUBELET,
                    &[KeyUsage::DigitalSignature, KeyUsage::ClientAuth],
                );
                let fixed = name.map(|n| format!("node-csr-{n}"));
                if let Some(f) = &fixed {
                    o.metadata.name.clone_from(f);
                    o.metadata.generate_name.clear();
                }
                let reply = h.create(bearer(who.token()), o);
                let node_ok = match who {
                    Who::Node1 => node == 1,
                    Who::Node2 => node == 2,
                    _ => true,
                };
                let expected = if !m.may_create(who) || !node_ok {
                    403
                } else if fixed.as_ref().is_some_and(|f| m.objects.contains_key(f)) {
                    409
                } else {
                    201
                };
                prop_assert_eq!(reply.code(), expected, "{:?}", reply);
                if let Reply::CertificateSigningRequest { object, .. } = &reply {
                    let name = object.metadata.name.clone();
                    m.objects.insert(
                        name.clone(),
                        ModelCsr {
                            requester: who,
                            node: Some(node),
                            approval: Approval::Pending,
                            issued: false,
                            failed: false,
                            created: m.hour,
                            decided: None,
                        },
                    );
                    // The approver's first look happens at once (informer lag 0).
                    m.settle(&name);
                }
            }
            Op::CreateMasters(who) => {
                let o = object(
                    masters_pem(),
                    signers::KUBE_APISERVER_CLIENT,
                    &[KeyUsage::DigitalSignature, KeyUsage::ClientAuth],
                );
                let reply = h.create(bearer(who.token()), o);
                prop_assert_eq!(reply.code(), 403);
                if who == Who::Admin {
                    prop_assert!(status_message(&reply).1.ends_with(
                        "use of kubernetes.io/kube-apiserver-client signer with system:masters \
                         group is not allowed"
                    ));
                }
            }
            Op::CreateBadUsage { key } => {
                let o = object(
                    tester_pem(key),
                    signers::KUBE_APISERVER_CLIENT,
                    &[
                        KeyUsage::DigitalSignature,
                        KeyUsage::ClientAuth,
                        KeyUsage::ServerAuth,
                    ],
                );
                let reply = h.create(bearer("admin"), o);
                prop_assert_eq!(reply.code(), 201);
                if let Reply::CertificateSigningRequest { object, .. } = &reply {
                    m.objects.insert(
                        object.metadata.name.clone(),
                        ModelCsr {
                            requester: Who::Admin,
                            node: None,
                            approval: Approval::Pending,
                            issued: false,
                            failed: false,
                            created: m.hour,
                            decided: None,
                        },
                    );
                }
            }
            Op::Decide { who, idx, approve } => {
                let Some(name) = nth_name(&h, idx) else {
                    continue;
                };
                let current = h.get(&name);
                let decision = if approve {
                    kubectl::CertificateCommand::Approve
                } else {
                    kubectl::CertificateCommand::Deny
                };
                let Ok(outcome) =
                    kubectl::certificate(&current, decision, false, h.now.timestamp())
                else {
                    // Already decided the other way: kubectl refuses client-side.
                    let mc = &m.objects[&name];
                    prop_assert!(mc.approval != Approval::Pending);
                    continue;
                };
                let Some(update) = outcome.update else {
                    continue;
                };
                let reply = h.call(
                    bearer(who.token()),
                    Operation::UpdateApproval(Box::new(update)),
                );
                let expected = if who == Who::Admin { 200 } else { 403 };
                prop_assert_eq!(reply.code(), expected, "{:?}", reply);
                if expected == 200 {
                    let c = m.objects.get_mut(&name).unwrap();
                    c.approval = if approve {
                        Approval::Approved
                    } else {
                        Approval::Denied
                    };
                    c.decided = Some(m.hour);
                }
            }
            Op::Delete { who, idx } => {
                let Some(name) = nth_name(&h, idx) else {
                    continue;
                };
                let reply = h.call(
                    bearer(who.token()),
                    Operation::DeleteCertificateSigningRequest { name: name.clone() },
                );
                let expected = if who == Who::Admin { 200 } else { 403 };
                prop_assert_eq!(reply.code(), expected);
                if expected == 200 {
                    m.objects.remove(&name);
                }
            }
            Op::Get { who, idx } => {
                let name = nth_name(&h, idx)
                    .filter(|_| idx < 8)
                    .unwrap_or("missing".into());
                let reply = h.call(
                    bearer(who.token()),
                    Operation::GetCertificateSigningRequest { name: name.clone() },
                );
                // system:node-bootstrapper grants create, get, list and watch.
                let allowed = matches!(who, Who::Admin | Who::Node1 | Who::Node2)
                    || (who == Who::Boot && m.bindings[0]);
                let expected = match (allowed, m.objects.contains_key(&name)) {
                    (false, _) => 403,
                    (true, true) => 200,
                    (true, false) => 404,
                };
                prop_assert_eq!(reply.code(), expected);
            }
            Op::ToggleBinding(i) => {
                let (name, role, group) = BINDINGS[i];
                let op = if m.bindings[i] {
                    Operation::DeleteClusterRoleBinding { name: name.into() }
                } else {
                    Operation::CreateClusterRoleBinding(Box::new(binding(
                        name,
                        role,
                        Some(group),
                        None,
                    )))
                };
                let reply = h.call(bearer("admin"), op);
                prop_assert_eq!(reply.code(), if m.bindings[i] { 200 } else { 201 });
                m.bindings[i] = !m.bindings[i];
            }
            Op::Advance(hours) => {
                for _ in 0..hours {
                    // Retries (< 1000 s) land before the next hourly pass.
                    m.settle_all();
                    h.advance(Duration::from_hours(1));
                    m.hour += 1;
                    m.clean(m.hour);
                }
            }
        }
        h.settle();
        // Creates and decisions are seen by the controllers at once (informer lag 0).
        m.settle_all_immediate();
        prop_assert_eq!(h.now, start + Duration::from_hours(m.hour));
        let got: BTreeMap<String, (Approval, bool, bool)> =
            h.cp.certificate_signing_requests()
                .map(|o| (o.metadata.name.clone(), lifecycle(o)))
                .collect();
        let want: BTreeMap<String, (Approval, bool, bool)> = m
            .objects
            .iter()
            .map(|(n, c)| (n.clone(), c.lifecycle()))
            .collect();
        prop_assert_eq!(got, want, "after {:?}", op);
        check_invariants(&h, &before)?;
    }
    Ok(())
}

impl Model {
    /// After an input: the signer handles an approval at once (informer lag 0). Requests whose
    /// SubjectAccessReview failed wait for their retry, which only a time jump runs.
    fn settle_all_immediate(&mut self) {
        for c in self.objects.values_mut() {
            if c.approval == Approval::Approved && !c.issued && !c.failed {
                match c.node {
                    Some(_) => c.issued = true,
                    None => c.failed = true,
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(64),
        max_shrink_iters: 2000,
        ..ProptestConfig::default()
    })]

    #[test]
    fn machine_follows_the_model(ops in prop::collection::vec(op(), 1..40)) {
        run(&ops)?;
    }
}
