//! The control-plane machine driven by arbitrary input sequences and time: creates by several
//! identities (with fixed kubelet requests and with arbitrary request bytes), kubectl approvals
//! and denials, `/status` updates with arbitrary certificates, deletes, gets, lists, watches,
//! RBAC bindings toggled, arbitrary client-certificate bytes, verdicts and signatures for any
//! ticket id, and time moved forwards and backwards. Nothing may panic, and no stored object
//! is ever both Approved and Denied.
#![no_main]

use std::sync::{Arc, OnceLock};

use kube_tls_bootstrap::api::{Credential, Operation, Request, RequestId, Selector, WatchId};
use kube_tls_bootstrap::control_plane::{
    ApproverMode, Config, ControlPlane, Input, SignerConfig, SignerKey, TicketId, Verdict,
};
use kube_tls_bootstrap::csr::{CertificateSigningRequest, Usage, kubectl};
use kube_tls_bootstrap::identity::TokenFile;
use kube_tls_bootstrap::pki::{self, CertificateAuthority, KeyUsage, PrivateKey, signers};
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
    config.client_ca = Some(f.ca.certificate().clone());
    for (i, name) in SIGNERS.iter().enumerate() {
        let key = if mode & 8 == 0 || i % 2 == 0 {
            SignerKey::InProcess(f.ca.clone())
        } else {
            SignerKey::External(Arc::new(f.ca.issuer().clone()))
        };
        config.signers.push(SignerConfig {
            signer_name: (*name).to_owned(),
            key,
        });
    }
    let mut cp = ControlPlane::new(config);
    let mut now = Instant::from_unix(1_796_000_000, 0);
    let mut id = 0u64;
    let mut steps = 0;
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
                    kubectl::Decision::Approve
                } else {
                    kubectl::Decision::Deny
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
                request(&mut cp, who, Operation::UpdateStatus(Box::new(o)));
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
        while cp.poll_output().is_some() {}
        let _ = cp.poll_timeout();
    }
    for o in cp.certificate_signing_requests() {
        let types: Vec<&str> = o
            .status
            .conditions
            .iter()
            .map(|c| c.type_.as_str())
            .collect();
        assert!(
            !(types.contains(&"Approved") && types.contains(&"Denied")),
            "{types:?}"
        );
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
