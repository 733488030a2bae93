//! The kubelet machine's hot decisions with fixed inputs and a fixed `now`: the rotation
//! decision (does the current certificate satisfy the template, and when is the deadline), and
//! a certificate-store update (parse the issued chain, build the pair file, load it back as a
//! TLS pair, plan the link swap). Key generation and signing happen once, outside the timings.
#![allow(missing_docs)] // criterion's macros generate undocumented items
#![allow(clippy::expect_used)] // fixed inputs: a failure is a broken benchmark, reported loudly

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use kube_tls_bootstrap::kubelet::Disk;
use kube_tls_bootstrap::kubelet::rotation::{Template, rotation_deadline};
use kube_tls_bootstrap::kubelet::store::Store;
use kube_tls_bootstrap::pki::{
    Certificate, CertificateAuthority, CertificateRequest, KeyUsage, PrivateKey, kubelet, pem,
};
use kube_tls_bootstrap::time::{Instant, Timestamp};

const CA_CERT: &[u8] = include_bytes!("../tests/data/pki/corpus/ca/ca.crt");
const CA_KEY: &[u8] = include_bytes!("../tests/data/pki/corpus/ca/ca.key");
const NOW: i64 = 1_796_115_600; // 2026-12-01T09:00:00Z

fn bench(c: &mut Criterion) {
    let ca = CertificateAuthority::from_pem(CA_CERT, CA_KEY).expect("test CA loads");
    let key = PrivateKey::ecdsa_p256_from_random_bytes(&[7; 32]).expect("valid scalar");
    let csr = CertificateRequest::from_pem(
        kubelet::client_csr_pem(&key, "node-1")
            .expect("csr")
            .as_bytes(),
    )
    .expect("csr parses");
    let now = Timestamp::from_unix(NOW);
    let cert_pem = ca
        .sign(
            &csr,
            &[KeyUsage::DigitalSignature, KeyUsage::ClientAuth],
            None,
            365 * 24 * 3600,
            now,
            &[1; 16],
        )
        .expect("signs")
        .to_pem();
    let key_pem = key.to_pem();
    let leaf = Certificate::from_der(&pem::decode(cert_pem.as_bytes()).expect("pem").0.contents)
        .expect("leaf parses");
    let template = Template::client("node-1");

    c.bench_function("kubelet/rotation_decision", |b| {
        b.iter(|| {
            let ok = black_box(&template).satisfied_by(black_box(&leaf)).is_ok();
            let deadline = rotation_deadline(
                Instant::from(leaf.not_before()),
                Instant::from(leaf.not_after()),
                black_box(0.37),
            );
            (ok, deadline)
        })
    });

    let store = Store::new("kubelet-client", "/var/lib/kubelet/pki");
    let mut disk = Disk::new();
    disk.insert_symlink(
        "/var/lib/kubelet/pki/kubelet-client-current.pem",
        "/var/lib/kubelet/pki/kubelet-client-2026-11-30-09-00-00.pem",
    );
    c.bench_function("kubelet/store_update", |b| {
        b.iter(|| {
            store
                .update(
                    black_box(&disk),
                    now,
                    0,
                    black_box(cert_pem.as_bytes()),
                    black_box(key_pem.as_bytes()),
                )
                .expect("updates")
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
