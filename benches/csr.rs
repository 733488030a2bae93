//! Decode + validate + encode of a kubelet CSR object, and how much of it the request's
//! signature check takes (fixed inputs, fixed `now`).
#![allow(missing_docs)] // criterion's macros generate undocumented items
#![allow(clippy::expect_used)] // fixed inputs: a failure is a broken benchmark, reported loudly

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use kube_tls_bootstrap::csr::{self, CertificateSigningRequest, Endpoint};
use kube_tls_bootstrap::time::Timestamp;

const OBJECT: &[u8] = include_bytes!("../tests/data/csr/kubelet-approved-issued.json");

fn pending() -> CertificateSigningRequest {
    let mut c = CertificateSigningRequest::from_json(OBJECT).expect("the golden object decodes");
    c.status = Default::default();
    c
}

fn bench(c: &mut Criterion) {
    let json = pending().to_json();
    let object = pending();
    let mut without_request = pending();
    without_request.spec.request.clear();

    c.bench_function("csr/decode", |b| {
        b.iter(|| CertificateSigningRequest::from_json(black_box(json.as_bytes())))
    });
    c.bench_function("csr/validate_create", |b| {
        b.iter(|| csr::validate_create(black_box(&object)))
    });
    c.bench_function("csr/validate_create_without_request_check", |b| {
        b.iter(|| csr::validate_create(black_box(&without_request)))
    });
    c.bench_function("csr/encode", |b| b.iter(|| black_box(&object).to_json()));
    c.bench_function("csr/decode_validate_encode", |b| {
        b.iter(|| {
            let c =
                CertificateSigningRequest::from_json(black_box(json.as_bytes())).expect("decodes");
            let errors = csr::validate_create(&c);
            assert!(errors.is_empty());
            c.to_json()
        })
    });
    let issued = CertificateSigningRequest::from_json(OBJECT).expect("decodes");
    let now = Timestamp::from_unix(1_740_832_212);
    c.bench_function("csr/status_update_set_certificate", |b| {
        b.iter(|| csr::update(Endpoint::Status, black_box(issued.clone()), &object, now))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
