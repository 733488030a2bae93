//! Shared by the `control_plane_*` scenario tests: a control plane on a virtual clock, driven
//! until idle, with kubelet-style keys and requests.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use kube_tls_bootstrap::api::{Credential, Operation, Reply, Request, RequestId};
use kube_tls_bootstrap::control_plane::{Config, ControlPlane, Event, EventKind, Input, Output};
use kube_tls_bootstrap::csr::{CertificateSigningRequest, Usage, kubectl};
use kube_tls_bootstrap::identity::TokenFile;
use kube_tls_bootstrap::pki::name::Subject;
use kube_tls_bootstrap::pki::request::SubjectAltNames;
use kube_tls_bootstrap::pki::{
    CertificateAuthority, KeyUsage, KnownSigner, PrivateKey, kubelet, signers,
};
use kube_tls_bootstrap::rbac::ClusterRoleBinding;
use kube_tls_bootstrap::rbac::bootstrap::CreateClusterRoleBinding;
use kube_tls_bootstrap::time::{Duration, Instant, Timestamp};

pub const CA_CERT: &[u8] = include_bytes!("../data/pki/corpus/ca/ca.crt");
pub const CA_KEY: &[u8] = include_bytes!("../data/pki/corpus/ca/ca.key");

/// token.csv: a bootstrap user, an admin in system:masters, a user named like a node but not
/// in system:nodes, and a plain user.
pub const TOKENS: &str = "bootstrap-token,kubelet-bootstrap,10001,\"system:bootstrappers\"\n\
admin-token,admin,1,\"system:masters\"\n\
foo-token,system:node:foo,2,\"\"\n\
joe-token,joe,3,\"\"\n";

pub fn bearer(token: &str) -> Credential {
    Credential::BearerToken(token.to_owned())
}

pub fn start() -> Instant {
    Instant::from(Timestamp::parse_rfc3339("2026-12-01T09:00:00Z").unwrap())
}

pub fn ca() -> Arc<CertificateAuthority> {
    Arc::new(CertificateAuthority::from_pem(CA_CERT, CA_KEY).unwrap())
}

/// The default policy, the token file, the SAR approver and an in-process CA for the kubelet
/// client signer and the kube-apiserver client signer; the client CA is the same CA.
pub fn config() -> Config {
    let ca = ca();
    let mut config = Config::new(7)
        .with_default_policy()
        .with_signer(KnownSigner::KubeApiserverClientKubelet, ca.clone())
        .with_signer(KnownSigner::KubeApiserverClient, ca.clone());
    config.authenticator.token_file =
        Some(TokenFile::parse(TOKENS.as_bytes(), "token.csv").unwrap());
    config.client_ca = vec![ca.certificate().clone()];
    config
}

pub fn binding(
    name: &str,
    role: &str,
    group: Option<&str>,
    user: Option<&str>,
) -> ClusterRoleBinding {
    let mut b = CreateClusterRoleBinding::new(name, role);
    if let Some(g) = group {
        b = b.group(g);
    }
    if let Some(u) = user {
        b = b.user(u);
    }
    b.build().unwrap()
}

pub fn key(n: u8) -> PrivateKey {
    PrivateKey::ecdsa_p256_from_random_bytes(&[n; 32]).unwrap()
}

/// A CSR object: `generateName: csr-`, the given PEM, signer and usages.
pub fn object(pem: &str, signer: &str, usages: &[KeyUsage]) -> CertificateSigningRequest {
    let mut o = CertificateSigningRequest::new("");
    o.metadata.generate_name = "csr-".to_owned();
    o.spec.request = pem.as_bytes().to_vec();
    o.spec.signer_name = signer.to_owned();
    o.spec.usages = usages.iter().copied().map(Usage::Known).collect();
    o
}

/// What a modern kubelet sends for `node`.
pub fn kubelet_object(key_n: u8, node: &str) -> CertificateSigningRequest {
    let pem = kubelet::client_csr_pem(&key(key_n), node).unwrap();
    object(
        &pem,
        signers::KUBE_APISERVER_CLIENT_KUBELET,
        &[KeyUsage::DigitalSignature, KeyUsage::ClientAuth],
    )
}

/// A request with an arbitrary subject.
pub fn custom_pem(key_n: u8, cn: &str, orgs: &[&str]) -> String {
    let subject = Subject {
        common_name: cn.to_owned(),
        organization: orgs.iter().map(|s| (*s).to_owned()).collect(),
        ..Subject::default()
    };
    kubelet::make_csr_pem(&key(key_n), &subject, &SubjectAltNames::default()).unwrap()
}

/// A control plane on a virtual clock.
pub struct Harness {
    pub cp: ControlPlane,
    pub now: Instant,
    next_id: u64,
    /// Every output other than the replies returned by [`Harness::call`], in order.
    pub outputs: Vec<Output>,
}

impl Harness {
    pub fn new(config: Config) -> Self {
        Self {
            cp: ControlPlane::new(config),
            now: start(),
            next_id: 0,
            outputs: Vec::new(),
        }
    }

    /// Sends one request and returns its reply (other outputs are kept).
    pub fn call(&mut self, credential: Credential, operation: Operation) -> Reply {
        self.next_id += 1;
        let id = RequestId(self.next_id);
        self.cp.handle(
            self.now,
            Input::Request {
                id,
                request: Request {
                    credential,
                    operation,
                },
            },
        );
        let mut reply = None;
        while let Some(out) = self.cp.poll_output() {
            match out {
                Output::Reply { id: got, reply: r } if got == id => reply = Some(r),
                other => self.outputs.push(other),
            }
        }
        reply.expect("a reply")
    }

    pub fn create(&mut self, credential: Credential, object: CertificateSigningRequest) -> Reply {
        self.call(
            credential,
            Operation::CreateCertificateSigningRequest(Box::new(object)),
        )
    }

    pub fn input(&mut self, input: Input) {
        self.cp.handle(self.now, input);
        self.drain();
    }

    fn drain(&mut self) {
        while let Some(out) = self.cp.poll_output() {
            self.outputs.push(out);
        }
    }

    /// Runs every timer due up to `now + d`, each at its own time, then sets the clock there.
    pub fn advance(&mut self, d: Duration) {
        let until = self.now + d;
        while let Some(at) = self.cp.poll_timeout() {
            if at > until {
                break;
            }
            self.now = self.now.max(at);
            self.cp.handle(self.now, Input::Timeout);
            self.drain();
        }
        self.now = until;
    }

    /// Runs what is due now (informer lag 0).
    pub fn settle(&mut self) {
        self.advance(Duration::ZERO);
    }

    pub fn events(&self) -> Vec<&Event> {
        self.outputs
            .iter()
            .filter_map(|o| match o {
                Output::Event(e) => Some(e),
                _ => None,
            })
            .collect()
    }

    pub fn events_of(&self, kind: EventKind) -> Vec<&Event> {
        self.events()
            .into_iter()
            .filter(|e| e.kind == kind)
            .collect()
    }

    pub fn get(&self, name: &str) -> CertificateSigningRequest {
        self.cp.certificate_signing_request(name).unwrap().clone()
    }

    /// `kubectl certificate approve <name>` as the admin, which must succeed.
    pub fn approve(&mut self, name: &str) {
        let outcome = kubectl::certificate(
            &self.get(name),
            kubectl::CertificateCommand::Approve,
            false,
            self.now.timestamp(),
        )
        .unwrap();
        let reply = self.call(
            bearer("admin-token"),
            Operation::UpdateApproval(Box::new(outcome.update.unwrap())),
        );
        assert_eq!(reply.code(), 200, "{reply:?}");
    }
}

pub fn created_name(reply: &Reply) -> String {
    match reply {
        Reply::CertificateSigningRequest { code: 201, object } => object.metadata.name.clone(),
        other => panic!("not created: {other:?}"),
    }
}

pub fn status_message(reply: &Reply) -> (u16, String) {
    match reply {
        Reply::Status(s) => (s.code, s.message.clone()),
        other => panic!("not a Status: {other:?}"),
    }
}
