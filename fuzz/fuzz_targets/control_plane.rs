//! The control-plane machine driven by arbitrary input sequences and time: creates by several
//! identities (with fixed kubelet requests and with arbitrary request bytes), kubectl approvals
//! and denials, `/status` updates with arbitrary certificates, deletes, gets, lists, watches,
//! RBAC bindings toggled, arbitrary client-certificate bytes, verdicts and signatures for any
//! ticket id, and time moved forwards and backwards. Nothing may panic, and after every step
//! the stored objects keep the machine's invariants (see [`Invariants::check`]).
#![no_main]

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use kube_tls_bootstrap::api::{
    Credential, Operation, Reply, Request, RequestId, Selector, WatchId,
};
use kube_tls_bootstrap::control_plane::{
    ApproverMode, Config, ControlPlane, Input, Output, SignerConfig, SignerKey, TicketId, Verdict,
};
use kube_tls_bootstrap::csr::{CertificateSigningRequest, ConditionType, Usage, kubectl};
use kube_tls_bootstrap::identity::TokenFile;
use kube_tls_bootstrap::pki::{
    self, CertificateAuthority, CertificateRequest, KeyUsage, PrivateKey,
    certificate::parse_certificates_pem, signers,
};
use kube_tls_bootstrap::rbac::bootstrap::{
    CreateClusterRoleBinding, NODE_BOOTSTRAPPER, NODECLIENT, SELFNODECLIENT,
};
use kube_tls_bootstrap::time::{Duration, Instant};
use libfuzzer_sys::fuzz_target;

const CA_CERT: &[u8] = include_bytes!("../../tests/data/pki/corpus/ca/ca.crt");
const CA_KEY: &[u8] = include_bytes!("../../tests/data/pki/corpus/ca/ca.key");
const TOKENS: &str = "boot,kubelet-bootstrap,1,\"system:bootstrappers\"\n\
n1,system:node:node-1,2,\"system:nodes\"\n\
admin,admin,3,\"system:masters\"\n\
joe,joe,4,\"\"\n";
const WHO: [&str; 5] = ["boot", "n1", "admin", "joe", "nobody"];
const SIGNERS: [&str; 5] = [
    signers::KUBE_APISERVER_CLIENT_KUBELET,
    signers::KUBE_APISERVER_CLIENT,
    signers::KUBELET_SERVING,
    signers::LEGACY_UNKNOWN,
    "example.com/x",
];

struct Fixtures {
    ca: Arc<CertificateAuthority>,
    pems: Vec<String>,
}

fn fixtures() -> &'static Fixtures {
    static F: OnceLock<Fixtures> = OnceLock::new();
    F.get_or_init(|| {
        let ca = Arc::new(CertificateAuthority::from_pem(CA_CERT, CA_KEY).unwrap());
        let pems = (0u8..4)
            .map(|i| {
                let key = PrivateKey::ecdsa_p256_from_random_bytes(&[i + 1; 32]).unwrap();
                pki::kubelet::client_csr_pem(&key, &format!("node-{}", i % 2 + 1)).unwrap()
            })
            .collect();
        Fixtures { ca, pems }
    })
}

/// Reads the fuzzer's bytes front to back; zeros when they run out.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u8(&mut self) -> u8 {
        let (first, rest) = self.0.split_first().map_or((0, &[][..]), |(f, r)| (*f, r));
        self.0 = rest;
        first
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
    fn slice(&mut self) -> Vec<u8> {
        let n = usize::from(self.u8()).min(self.0.len());
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        a.to_vec()
    }
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// What the fuzzer saw of each object (by uid) at earlier steps.
#[derive(Default)]
struct Invariants {
    /// Condition counts (Approved, Denied, Failed) and the certificate, per uid.
    seen: HashMap<String, ([usize; 3], Vec<u8>)>,
    /// Uids whose certificate a `/status` request from outside the machine set (200): such a
    /// certificate is the caller's, not the machine's signer's.
    set_from_outside: HashSet<String>,
}

impl Invariants {
    /// After every step, for every stored object:
    /// - never both Approved and Denied;
    /// - Approved, Denied and Failed conditions are never removed;
    /// - a certificate, once set, never changes;
    /// - a certificate the machine's signer issued sits on an Approved object, parses, and
    ///   certifies the requested key for the requested subject.
    fn check(&mut self, cp: &ControlPlane) {
        for o in cp.certificate_signing_requests() {
            let count =
                |t: ConditionType| o.status.conditions.iter().filter(|c| c.type_ == t).count();
            let counts = [
                count(ConditionType::Approved),
                count(ConditionType::Denied),
                count(ConditionType::Failed),
            ];
            let name = &o.metadata.name;
            assert!(
                counts[0] == 0 || counts[1] == 0,
                "{name}: Approved and Denied"
            );
            let uid = o.metadata.uid.clone();
            if let Some((before, certificate)) = self.seen.get(&uid) {
                for (i, t) in ["Approved", "Denied", "Failed"].iter().enumerate() {
                    assert!(
                        counts[i] >= before[i],
                        "{name}: a {t} condition was removed"
                    );
                }
                assert!(
                    certificate.is_empty() || *certificate == o.status.certificate,
                    "{name}: the certificate changed"
                );
            }
            if !o.status.certificate.is_empty() && !self.set_from_outside.contains(&uid) {
                assert!(counts[0] > 0, "{name}: issued without Approved");
                let chain = parse_certificates_pem(&o.status.certificate)
                    .unwrap_or_else(|e| panic!("{name}: issued certificate does not parse: {e}"));
                let leaf = chain.first().expect("a parsed chain has a leaf");
                let request = CertificateRequest::from_pem(&o.spec.request).unwrap_or_else(|e| {
                    panic!("{name}: issued for a request that does not parse: {e}")
                });
                assert_eq!(
                    leaf.public_key(),
                    request.public_key(),
                    "{name}: the certificate's key is not the requested key"
                );
                assert_eq!(
                    leaf.subject().common_name,
                    request.subject().common_name,
                    "{name}: the certificate's CN is not the requested CN"
                );
            }
            self.seen
                .insert(uid, (counts, o.status.certificate.clone()));
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let f = fixtures();
    let mut b = Bytes(data);
    let mode = b.u8();
    let mut config = Config::new(u64::from(b.u8())).with_default_policy();
    config.approver = match mode % 3 {
        0 => ApproverMode::SubjectAccessReview,
        1 => ApproverMode::External,
        _ => ApproverMode::None,
    };
    config.informer_lag = Duration::from_millis(i64::from(mode >> 4) * 250);
    config.authenticator.token_file = Some(TokenFile::parse(TOKENS.as_bytes(), "t").unwrap());
    config.client_ca = vec![f.ca.certificate().clone()];
    // The machine signs for the known signers; a request for `example.com/x` stays with
    // whoever serves that signer from outside.
    for (i, name) in SIGNERS.iter().enumerate() {
        let Some(signer) = signers::KnownSigner::from_name(name) else {
            continue;
        };
        let key = if mode & 8 == 0 || i % 2 == 0 {
            SignerKey::InProcess(f.ca.clone())
        } else {
            SignerKey::External(Arc::new(f.ca.issuer().clone()))
        };
        config.signers.push(SignerConfig { signer, key });
    }
    let mut cp = ControlPlane::new(config);
    let mut now = Instant::from_unix(1_796_000_000, 0);
    let mut id = 0u64;
    let mut steps = 0;
    let mut invariants = Invariants::default();
    let mut status_requests: HashMap<u64, String> = HashMap::new();
    while !b.is_empty() && steps < 64 {
        steps += 1;
        let who = Credential::BearerToken(WHO[usize::from(b.u8()) % WHO.len()].to_owned());
        let names: Vec<String> = cp
            .certificate_signing_requests()
            .map(|o| o.metadata.name.clone())
            .collect();
        let nth = |i: u8| {
            names
                .get(usize::from(i) % names.len().max(1))
                .cloned()
                .unwrap_or_default()
        };
        let mut request = |cp: &mut ControlPlane, credential: Credential, operation: Operation| {
            id += 1;
            cp.handle(
                now,
                Input::Request {
                    id: RequestId(id),
                    request: Request {
                        credential,
                        operation,
                    },
                },
            );
        };
        match b.u8() % 12 {
            0 => {
                let pem = &f.pems[usize::from(b.u8()) % f.pems.len()];
                let mut o = object(pem.as_bytes().to_vec(), b.u8());
                if b.u8() % 2 == 0 {
                    o.metadata.name = format!("node-csr-{}", b.u8() % 3);
                }
                request(
                    &mut cp,
                    who,
                    Operation::CreateCertificateSigningRequest(Box::new(o)),
                );
            }
            1 => {
                let bytes = b.slice();
                let mut o = object(bytes, b.u8());
                o.spec
                    .usages
                    .push(Usage::parse(&String::from_utf8_lossy(&b.slice())));
                o.spec.expiration_seconds = Some(b.u32() as i32);
                request(
                    &mut cp,
                    who,
                    Operation::CreateCertificateSigningRequest(Box::new(o)),
                );
            }
            2 => {
                let name = nth(b.u8());
                let decision = if b.u8() % 2 == 0 {
                    kubectl::CertificateCommand::Approve
                } else {
                    kubectl::CertificateCommand::Deny
                };
                let force = b.u8() % 4 == 0;
                if let Some(current) = cp.certificate_signing_request(&name).cloned()
                    && let Ok(outcome) =
                        kubectl::certificate(&current, decision, force, now.timestamp())
                    && let Some(update) = outcome.update
                {
                    request(&mut cp, who, Operation::UpdateApproval(Box::new(update)));
                }
            }
            3 => {
                let name = nth(b.u8());
                let mut o = cp
                    .certificate_signing_request(&name)
                    .cloned()
                    .unwrap_or_default();
                o.status.certificate = b.slice();
                if b.u8() % 2 == 0 {
                    o.metadata.resource_version.clear();
                }
                let uid = o.metadata.uid.clone();
                request(&mut cp, who, Operation::UpdateStatus(Box::new(o)));
                status_requests.insert(id, uid);
            }
            4 => {
                let name = nth(b.u8());
                request(
                    &mut cp,
                    who,
                    Operation::DeleteCertificateSigningRequest { name },
                );
            }
            5 => {
                let name = nth(b.u8());
                let op = match b.u8() % 3 {
                    0 => Operation::GetCertificateSigningRequest { name },
                    1 => Operation::ListCertificateSigningRequests(Selector { name: Some(name) }),
                    _ => Operation::WatchCertificateSigningRequests {
                        selector: Selector::default(),
                        resource_version: None,
                    },
                };
                request(&mut cp, who, op);
            }
            6 => {
                let (name, role, group) = [
                    (
                        "kubelet-bootstrap",
                        NODE_BOOTSTRAPPER,
                        "system:bootstrappers",
                    ),
                    ("nodeclient", NODECLIENT, "system:bootstrappers"),
                    ("selfnodeclient", SELFNODECLIENT, "system:nodes"),
                ][usize::from(b.u8()) % 3];
                let op = if b.u8() % 2 == 0 {
                    Operation::DeleteClusterRoleBinding { name: name.into() }
                } else {
                    let binding = CreateClusterRoleBinding::new(name, role)
                        .group(group)
                        .build()
                        .unwrap();
                    Operation::CreateClusterRoleBinding(Box::new(binding))
                };
                request(&mut cp, who, op);
            }
            7 => {
                let step = Duration::from_millis(i64::from(b.u32()));
                now = if b.u8() % 8 == 0 {
                    now - step
                } else {
                    now + step
                };
                cp.handle(now, Input::Timeout);
            }
            8 => {
                let verdict = match b.u8() % 3 {
                    0 => Verdict::Approve {
                        reason: "R".into(),
                        message: "M".into(),
                    },
                    1 => Verdict::Deny {
                        reason: "R".into(),
                        message: "M".into(),
                    },
                    _ => Verdict::Abstain,
                };
                cp.handle(
                    now,
                    Input::Verdict {
                        ticket: TicketId(u64::from(b.u8() % 8)),
                        verdict,
                    },
                );
            }
            9 => {
                let ticket = TicketId(u64::from(b.u8() % 8));
                let signature = if b.u8() % 2 == 0 {
                    Ok(b.slice())
                } else {
                    Err("hsm".into())
                };
                cp.handle(now, Input::Signature { ticket, signature });
            }
            10 => {
                let chain = vec![b.slice(), b.slice()];
                request(
                    &mut cp,
                    Credential::ClientCertificate(chain),
                    Operation::ListCertificateSigningRequests(Selector::default()),
                );
            }
            _ => cp.handle(now, Input::CloseWatch(WatchId(u64::from(b.u8() % 4)))),
        }
        while let Some(output) = cp.poll_output() {
            if let Output::Reply { id, reply } = output
                && let Some(uid) = status_requests.remove(&id.0)
                && matches!(reply, Reply::CertificateSigningRequest { .. })
            {
                invariants.set_from_outside.insert(uid);
            }
        }
        let _ = cp.poll_timeout();
        invariants.check(&cp);
    }
});

fn object(request: Vec<u8>, signer: u8) -> CertificateSigningRequest {
    let mut o = CertificateSigningRequest::new("");
    o.metadata.generate_name = "csr-".to_owned();
    o.spec.request = request;
    o.spec.signer_name = SIGNERS[usize::from(signer) % SIGNERS.len()].to_owned();
    o.spec.usages = vec![
        Usage::Known(KeyUsage::DigitalSignature),
        Usage::Known(KeyUsage::ClientAuth),
    ];
    o
}
