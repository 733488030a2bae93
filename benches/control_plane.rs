//! The control-plane machine: one lifecycle transition without cryptography (through
//! `/approval` as `kubectl certificate approve` sends it, and by the in-process
//! SubjectAccessReview approver), the whole
//! create → approve → issue of a P-256 request beside the raw verify + sign it cannot avoid, and
//! (with `CONTROL_PLANE_MEMORY=N`) the resident memory of N pending requests.
//!
//! ```text
//! cargo bench --bench control_plane
//! CONTROL_PLANE_MEMORY=1000000 cargo bench --bench control_plane -- memory
//! CONTROL_PLANE_BATCH=10 cargo bench --bench control_plane -- transition
//! ```
//!
//! The transitions run in batches of `CONTROL_PLANE_BATCH` requests (default 2000) on one
//! machine that holds them all: the larger the batch, the more of each transition's memory is
//! out of cache.
// A benchmark reads the real clock to time itself (and /proc for its memory); the library never
// does.
#![allow(clippy::disallowed_methods)]
// Setup outside the timed closures unwraps: a panic there is a broken fixture.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use kube_tls_bootstrap::api::{Credential, Operation, Reply, Request, RequestId};
use kube_tls_bootstrap::control_plane::{ApproverMode, Config, ControlPlane, Input, Output};
use kube_tls_bootstrap::csr::{CertificateSigningRequest, kubectl};
use kube_tls_bootstrap::identity::TokenFile;
use kube_tls_bootstrap::pki::{
    CertificateAuthority, CertificateRequest, KnownSigner, PrivateKey, kubelet, signers,
};
use kube_tls_bootstrap::time::{Duration, Instant, Timestamp};

const CA_CERT: &[u8] = include_bytes!("../tests/data/pki/corpus/ca/ca.crt");
const CA_KEY: &[u8] = include_bytes!("../tests/data/pki/corpus/ca/ca.key");
/// An admin (`system:masters`) and a bootstrapping kubelet in kubeadm's node-token group.
const TOKENS: &str = "admin-token,admin,1,\"system:masters\"\n\
    kubelet-token,kubelet-bootstrap,2,\"system:bootstrappers,system:bootstrappers:kubeadm:default-node-token\"\n";

/// The fixed `now`, parsed once: a timed loop takes it as an argument, so that parsing it is
/// not counted as the machine's work.
fn now() -> Instant {
    Instant::from(Timestamp::parse_rfc3339("2026-12-01T09:00:00Z").unwrap())
}

fn ca() -> Arc<CertificateAuthority> {
    Arc::new(CertificateAuthority::from_pem(CA_CERT, CA_KEY).unwrap())
}

fn admin() -> Credential {
    Credential::BearerToken("admin-token".to_owned())
}

fn kubelet_bootstrap() -> Credential {
    Credential::BearerToken("kubelet-token".to_owned())
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
        config = config.with_signer(KnownSigner::KubeApiserverClientKubelet, ca());
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

/// Sends one request as the admin and drains the outputs; returns the reply.
fn call(cp: &mut ControlPlane, at: Instant, operation: Operation) -> Reply {
    call_as(cp, at, admin(), operation)
}

/// Sends one request with `credential` and drains the outputs; returns the reply.
fn call_as(
    cp: &mut ControlPlane,
    at: Instant,
    credential: Credential,
    operation: Operation,
) -> Reply {
    cp.handle(
        at,
        Input::Request {
            id: RequestId(0),
            request: Request {
                credential,
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

/// How many transitions one machine takes per batch (`CONTROL_PLANE_BATCH`, default 2000).
fn batch() -> u64 {
    std::env::var("CONTROL_PLANE_BATCH")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(2000)
}

fn settle(cp: &mut ControlPlane, at: Instant) {
    cp.handle(at, Input::Timeout);
    while cp.poll_output().is_some() {}
}

/// Creates `n` copies of `object` in `cp` and returns, for each, the `/approval` update
/// `kubectl certificate approve` would send, beside the stored object.
fn pending_approvals(
    cp: &mut ControlPlane,
    n: usize,
    object: &CertificateSigningRequest,
    at: Instant,
) -> Vec<(CertificateSigningRequest, Arc<CertificateSigningRequest>)> {
    (0..n)
        .map(|_| {
            let Reply::CertificateSigningRequest { object: stored, .. } = call(
                cp,
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
            (update, stored)
        })
        .collect()
}

/// The memory floor under `transition_approve`, in the same batches: for each request, what
/// any store has to do at the least — compare the sent object with the stored one and free
/// one of the two. No authentication, strategy, history or reply. With large batches both
/// objects are out of cache, as they are for the machine.
fn transition_floor(c: &mut Criterion) {
    let batch = batch();
    let object = kubelet_object();
    let at = now();
    c.bench_function("control_plane/transition_memory_floor", |b| {
        b.iter_custom(|iters| {
            let mut total = std::time::Duration::ZERO;
            let mut done = 0u64;
            while done < iters {
                let n = usize::try_from((iters - done).min(batch)).unwrap();
                let mut cp = machine(ApproverMode::None, false);
                let pairs = pending_approvals(&mut cp, n, &object, at);
                let start = std::time::Instant::now();
                for (update, stored) in pairs {
                    black_box(update.spec == stored.spec && update.metadata == stored.metadata);
                    drop(update);
                }
                total += start.elapsed();
                done += n as u64;
            }
            total
        });
    });
}

/// Pending → Approved through the machine's `/approval` path (authentication, authorization,
/// the strategy and validation without re-verifying, CertificateApproval admission, the store,
/// the lifecycle): no signature is verified or made. The requests are built before the clock
/// starts, as an HTTP layer would have built them; the machine consumes (and frees) them.
fn transition(c: &mut Criterion) {
    let batch = batch();
    let object = kubelet_object();
    let at = now();
    c.bench_function("control_plane/transition_approve", |b| {
        b.iter_custom(|iters| {
            let mut total = std::time::Duration::ZERO;
            let mut done = 0u64;
            while done < iters {
                let n = usize::try_from((iters - done).min(batch)).unwrap();
                let mut cp = machine(ApproverMode::None, false);
                let approvals: Vec<Input> = pending_approvals(&mut cp, n, &object, at)
                    .into_iter()
                    .map(|(update, _)| Input::Request {
                        id: RequestId(0),
                        request: Request {
                            credential: admin(),
                            operation: Operation::UpdateApproval(Box::new(update)),
                        },
                    })
                    .collect();
                let start = std::time::Instant::now();
                for input in approvals {
                    cp.handle(at, input);
                    while let Some(output) = cp.poll_output() {
                        black_box(output);
                    }
                }
                total += start.elapsed();
                done += n as u64;
            }
            total
        });
    });
}

/// Pending → Approved by the machine itself, with no request to authenticate: csrapproving's
/// SubjectAccessReview of each kubelet client request through the RBAC policy (kubeadm's
/// node-token binding to `nodeclient`), the `AutoApproved` condition, `/approval`'s strategy and
/// validation as the certificate controller, CertificateApproval admission, the store and the
/// approval event. N requests are created by a bootstrapping kubelet with an informer lag, then
/// the one `Input::Timeout` that approves them all is timed and divided by N.
fn transition_sar(c: &mut Criterion) {
    let batch = batch();
    let object = kubelet_object();
    let at = now();
    let lag = Duration::from_secs(1);
    c.bench_function("control_plane/transition_approve_sar", |b| {
        b.iter_custom(|iters| {
            let mut total = std::time::Duration::ZERO;
            let mut done = 0u64;
            while done < iters {
                let n = usize::try_from((iters - done).min(batch)).unwrap();
                let mut cp = sar_machine(lag);
                for _ in 0..n {
                    let reply = call_as(
                        &mut cp,
                        at,
                        kubelet_bootstrap(),
                        Operation::CreateCertificateSigningRequest(Box::new(object.clone())),
                    );
                    assert_eq!(reply.code(), 201);
                }
                let due = cp.poll_timeout().unwrap();
                let start = std::time::Instant::now();
                cp.handle(due, Input::Timeout);
                while let Some(output) = cp.poll_output() {
                    black_box(output);
                }
                total += start.elapsed();
                assert!(
                    cp.certificate_signing_requests()
                        .all(|o| o.status.conditions.len() == 1)
                );
                done += n as u64;
            }
            total
        });
    });
}

/// The SubjectAccessReview approver with kubeadm's bootstrap bindings, no signer, controllers
/// `lag` behind the store.
fn sar_machine(lag: Duration) -> ControlPlane {
    let mut config = config(ApproverMode::SubjectAccessReview, false);
    for binding in kube_tls_bootstrap::rbac::bootstrap::kubeadm_bindings() {
        config.policy.add_cluster_role_binding(binding);
    }
    config.informer_lag = lag;
    ControlPlane::new(config)
}

/// The same transition at the strategy layer alone: `/approval`'s strategy and validation with
/// the stored proof (no re-verification), and the lifecycle derived from the result.
fn transition_strategy(c: &mut Criterion) {
    let object = kubelet_object();
    let at = now();
    let mut cp = machine(ApproverMode::None, false);
    let (update, stored) = pending_approvals(&mut cp, 1, &object, at).pop().unwrap();
    let proof = CertificateRequest::from_pem(&stored.spec.request)
        .unwrap()
        .verified_digest();
    c.bench_function("control_plane/transition_strategy_only", |b| {
        b.iter_batched(
            || update.clone(),
            |update| {
                let updated = kube_tls_bootstrap::csr::update_verified(
                    kube_tls_bootstrap::csr::Endpoint::Approval,
                    update,
                    &stored,
                    at.timestamp(),
                    &proof,
                )
                .unwrap();
                black_box(kube_tls_bootstrap::csr::Lifecycle::of(&updated))
            },
            criterion::BatchSize::SmallInput,
        );
    });
}

/// create → approve (SubjectAccessReview) → issue through the machine, beside one raw P-256
/// verify (ring, the request's self-signature) and one raw P-256 sign (the crate's RFC 6979
/// signer, which the machine uses for the certificate).
fn lifecycle(c: &mut Criterion) {
    let object = kubelet_object();
    let at = now();
    let mut group = c.benchmark_group("control_plane/p256");
    group.bench_function("create_approve_issue", |b| {
        let mut cp = machine(ApproverMode::SubjectAccessReview, true);
        let mut count = 0u32;
        b.iter(|| {
            count += 1;
            if count.is_multiple_of(10_000) {
                cp = machine(ApproverMode::SubjectAccessReview, true);
            }
            let reply = call(
                &mut cp,
                at,
                Operation::CreateCertificateSigningRequest(Box::new(object.clone())),
            );
            settle(&mut cp, at);
            black_box(reply)
        });
    });
    let request = CertificateRequest::from_pem(&object.spec.request).unwrap();
    group.bench_function("raw_verify", |b| {
        let spki = request.public_key().key_bytes().to_vec();
        let key =
            ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_ASN1, spki);
        b.iter(|| {
            key.verify(black_box(request.tbs_der()), black_box(request.signature()))
                .unwrap();
        });
    });
    let ca = ca();
    let tbs = vec![0x5a; 400];
    group.bench_function("raw_sign", |b| {
        b.iter(|| black_box(ca.key().sign(black_box(&tbs)).unwrap()));
    });
    group.finish();
}

/// Resident memory per pending request (no approver, no signer): `CONTROL_PLANE_MEMORY=N`
/// (default 100 000). Reported on stderr; the criterion figure is one create for reference.
fn memory(c: &mut Criterion) {
    let n: usize = std::env::var("CONTROL_PLANE_MEMORY")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let object = kubelet_object();
    let before = rss_bytes();
    let mut cp = machine(ApproverMode::None, false);
    let started = std::time::Instant::now();
    for i in 0..n {
        let at = now() + Duration::from_millis(i64::try_from(i).unwrap());
        let reply = call(
            &mut cp,
            at,
            Operation::CreateCertificateSigningRequest(Box::new(object.clone())),
        );
        assert_eq!(reply.code(), 201);
        if i % 4096 == 0 {
            settle(&mut cp, at);
        }
    }
    let elapsed = started.elapsed();
    let after = rss_bytes();
    eprintln!(
        "control_plane/memory: {n} pending CSRs, RSS {} MiB → {} MiB: {} bytes per CSR \
         ({:.0} creates/s)",
        before / (1 << 20),
        after / (1 << 20),
        (after.saturating_sub(before)) / n.max(1),
        n as f64 / elapsed.as_secs_f64()
    );
    assert_eq!(cp.len(), n);
    let at = now();
    c.bench_function("control_plane/get_missing_among_pending", |b| {
        b.iter(|| {
            black_box(call(
                &mut cp,
                at,
                Operation::GetCertificateSigningRequest {
                    name: "missing".into(),
                },
            ))
        });
    });
}

/// VmRSS from /proc/self/status (Linux), in bytes; 0 elsewhere.
fn rss_bytes() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<usize>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = transition, transition_floor, transition_sar, transition_strategy, lifecycle, memory
}
criterion_main!(benches);
