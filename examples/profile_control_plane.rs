//! A fixed workload of the control-plane machine for an instruction-counting profiler: the
//! `control_plane` bench's `/approval` transition, its in-process SubjectAccessReview approval
//! and its P-256 create → approve → issue, each in one `#[inline(never)]` function that
//! callgrind can count alone.
//!
//! ```text
//! cargo build --release --example profile_control_plane
//! valgrind --tool=callgrind --toggle-collect='*approve_all*' \
//!     target/release/examples/profile_control_plane approve 2000
//! valgrind --tool=callgrind --toggle-collect='*approve_by_timeout*' \
//!     target/release/examples/profile_control_plane sar 2000
//! valgrind --tool=callgrind --toggle-collect='*lifecycle_all*' \
//!     target/release/examples/profile_control_plane p256 20
//! ```
//!
//! `raw N` runs the bench's raw P-256 verify and sign N times, so that on a busy machine the
//! CPU time of `p256 N` can be set beside it (`/usr/bin/time -f %U`): CPU time, unlike the
//! bench's wall-clock time, does not count the time other processes hold the cores.
//!
//! Divide the instructions callgrind reports (`Collected`) by the count given.
// A setup failure is a broken fixture: the program stops with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::sync::Arc;

use kube_tls_bootstrap::api::{Credential, Operation, Reply, Request, RequestId};
use kube_tls_bootstrap::control_plane::{ApproverMode, Config, ControlPlane, Input, Output};
use kube_tls_bootstrap::csr::{CertificateSigningRequest, kubectl};
use kube_tls_bootstrap::identity::TokenFile;
use kube_tls_bootstrap::pki::{CertificateAuthority, KnownSigner, PrivateKey, kubelet, signers};
use kube_tls_bootstrap::time::{Duration, Instant, Timestamp};

const CA_CERT: &[u8] = include_bytes!("../tests/data/pki/corpus/ca/ca.crt");
const CA_KEY: &[u8] = include_bytes!("../tests/data/pki/corpus/ca/ca.key");
/// An admin (`system:masters`) and a bootstrapping kubelet in kubeadm's node-token group.
const TOKENS: &str = "admin-token,admin,1,\"system:masters\"\n\
    kubelet-token,kubelet-bootstrap,2,\"system:bootstrappers,system:bootstrappers:kubeadm:default-node-token\"\n";

/// The fixed `now`, parsed once, before anything is counted.
fn now() -> Instant {
    Instant::from(Timestamp::parse_rfc3339("2026-12-01T09:00:00Z").unwrap())
}

fn machine(approver: ApproverMode, sign: bool) -> ControlPlane {
    ControlPlane::new(config(approver, sign))
}

fn config(approver: ApproverMode, sign: bool) -> Config {
    let mut config = Config::new(1).with_default_policy();
    config.approver = approver;
    config.cleaner = false;
    config.authenticator.token_file =
        Some(TokenFile::parse(TOKENS.as_bytes(), "token.csv").unwrap());
    if sign {
        let ca = CertificateAuthority::from_pem(CA_CERT, CA_KEY).unwrap();
        config = config.with_signer(KnownSigner::KubeApiserverClientKubelet, Arc::new(ca));
    }
    config
}

fn kubelet_object() -> CertificateSigningRequest {
    let key = PrivateKey::ecdsa_p256_from_random_bytes(&[0x42; 32]).unwrap();
    let mut o = CertificateSigningRequest::new("");
    o.metadata.generate_name = "csr-".to_owned();
    o.spec.request = kubelet::client_csr_pem(&key, "node-1")
        .unwrap()
        .into_bytes();
    o.spec.signer_name = signers::KUBE_APISERVER_CLIENT_KUBELET.to_owned();
    o.spec.usages = kubelet::client_usages(key.public_key().kind());
    o
}

/// Sends one request as `system:masters` and drains the outputs; returns the reply.
fn call(cp: &mut ControlPlane, at: Instant, operation: Operation) -> Reply {
    call_with(cp, at, "admin-token", operation)
}

/// Sends one request with bearer `token` and drains the outputs; returns the reply.
fn call_with(cp: &mut ControlPlane, at: Instant, token: &str, operation: Operation) -> Reply {
    cp.handle(
        at,
        Input::Request {
            id: RequestId(0),
            request: Request {
                credential: Credential::BearerToken(token.to_owned()),
                operation,
            },
        },
    );
    let mut reply = None;
    while let Some(out) = cp.poll_output() {
        if let Output::Reply { reply: r, .. } = out {
            reply = Some(r);
        }
    }
    reply.unwrap()
}

/// The `/approval` requests, built beforehand (as an HTTP layer builds them), one at a time.
#[inline(never)]
fn approve_all(cp: &mut ControlPlane, at: Instant, approvals: Vec<Input>) {
    for input in approvals {
        cp.handle(at, input);
        while let Some(output) = cp.poll_output() {
            black_box(output);
        }
    }
}

/// The one timeout at which csrapproving approves every pending request.
#[inline(never)]
fn approve_by_timeout(cp: &mut ControlPlane, at: Instant) {
    cp.handle(at, Input::Timeout);
    while let Some(output) = cp.poll_output() {
        black_box(output);
    }
}

#[inline(never)]
fn lifecycle_all(cp: &mut ControlPlane, at: Instant, object: &CertificateSigningRequest, n: usize) {
    for _ in 0..n {
        let reply = call(
            cp,
            at,
            Operation::CreateCertificateSigningRequest(Box::new(object.clone())),
        );
        cp.handle(at, Input::Timeout);
        while cp.poll_output().is_some() {}
        black_box(reply);
    }
}

/// The bench's `raw_verify` and `raw_sign`, `n` times each: ring's verify of the request's
/// self-signature and the CA key's (RFC 6979) signature over 400 bytes.
#[inline(never)]
fn raw_all(object: &CertificateSigningRequest, n: usize) {
    let request = kube_tls_bootstrap::pki::CertificateRequest::from_pem(&object.spec.request)
        .expect("the fixture request");
    let key = ring::signature::UnparsedPublicKey::new(
        &ring::signature::ECDSA_P256_SHA256_ASN1,
        request.public_key().key_bytes().to_vec(),
    );
    let ca = CertificateAuthority::from_pem(CA_CERT, CA_KEY).unwrap();
    let tbs = vec![0x5a; 400];
    for _ in 0..n {
        key.verify(black_box(request.tbs_der()), black_box(request.signature()))
            .unwrap();
        black_box(ca.key().sign(black_box(&tbs)).unwrap());
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "approve".to_owned());
    let n: usize = args.next().map_or(1000, |s| s.parse().expect("a count"));
    let object = kubelet_object();
    let at = now();
    match mode.as_str() {
        "approve" => {
            let mut cp = machine(ApproverMode::None, false);
            let approvals = (0..n)
                .map(|_| {
                    let Reply::CertificateSigningRequest { object: stored, .. } = call(
                        &mut cp,
                        at,
                        Operation::CreateCertificateSigningRequest(Box::new(object.clone())),
                    ) else {
                        panic!("create refused")
                    };
                    let update = kubectl::certificate(
                        &stored,
                        kubectl::CertificateCommand::Approve,
                        false,
                        at.timestamp(),
                    )
                    .unwrap()
                    .update
                    .unwrap();
                    Input::Request {
                        id: RequestId(0),
                        request: Request {
                            credential: Credential::BearerToken("admin-token".to_owned()),
                            operation: Operation::UpdateApproval(Box::new(update)),
                        },
                    }
                })
                .collect();
            approve_all(&mut cp, at, approvals);
            assert_eq!(
                cp.certificate_signing_requests()
                    .filter(|o| o.status.conditions.len() == 1)
                    .count(),
                n
            );
        }
        "sar" => {
            // Created by a bootstrapping kubelet; the approver sees them a second later, all at
            // one timeout.
            let mut config = config(ApproverMode::SubjectAccessReview, false);
            for binding in kube_tls_bootstrap::rbac::bootstrap::kubeadm_bindings() {
                config.policy.add_cluster_role_binding(binding);
            }
            config.informer_lag = Duration::from_secs(1);
            let mut cp = ControlPlane::new(config);
            for _ in 0..n {
                let reply = call_with(
                    &mut cp,
                    at,
                    "kubelet-token",
                    Operation::CreateCertificateSigningRequest(Box::new(object.clone())),
                );
                assert_eq!(reply.code(), 201);
            }
            let due = cp.poll_timeout().expect("the approver's timer");
            approve_by_timeout(&mut cp, due);
            assert_eq!(
                cp.certificate_signing_requests()
                    .filter(|o| o.status.conditions.len() == 1)
                    .count(),
                n
            );
        }
        "p256" => {
            let mut cp = machine(ApproverMode::SubjectAccessReview, true);
            lifecycle_all(&mut cp, at, &object, n);
            assert_eq!(
                cp.certificate_signing_requests()
                    .filter(|o| !o.status.certificate.is_empty())
                    .count(),
                n
            );
        }
        "raw" => raw_all(&object, n),
        other => panic!("unknown mode {other:?}: approve, sar, p256 or raw"),
    }
}
