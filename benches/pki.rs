// The benchmark reads its fixed inputs (the corpus CSR and CA) from tests/data/pki, and the
// interleaved group times its halves itself.
#![allow(clippy::disallowed_methods)]
// Setup outside the timed closures unwraps: a panic there is a broken fixture.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

//! PKI paths side by side with the Go peer (`signer verify N csr.pem`, `signer bench N csr.pem`):
//!
//! - `csr/pem_parse_verify_p256`: PEM decode, PKCS#10 parse, self-signature check.
//! - `csr/pem_parse_only_p256`: the same without the signature check (the overhead above ring;
//!   it includes Go's on-curve check of the public point, which the verifying path defers).
//! - `csr/raw_ring_verify_p256`: only ring's ECDSA P-256 verify of the same signature (the floor).
//! - `csr_interleaved/*`: the first and third measured alternately within each sample (the
//!   ratio to trust on a busy machine).
//! - `sign/csr_pem_to_certificate_pem_p256_ca`: the signer's per-request work — PEM, parse,
//!   verify, certificate, ECDSA P-256 signature, PEM — with a fixed `now` and serial.
//! - `sign/..._ring_outside`: the same with the key outside the crate — `Issuer::prepare`, the
//!   caller signs the TBS with ring (nonce from the OS), `with_signature` (`_checked`: verified
//!   again with the CA key first, as Go's `CreateCertificate` does, via `Issuer::check_signed`).
//! - `sign/csr_pem_with_proof_to_certificate_pem_p256_ca[_ring_outside]`: PEM in, PEM out, the
//!   request read with `from_pem_verified` and admission's `VerifiedDigest` (no second verify).
//! - `sign/verified_request_to_certificate_pem_p256_ca[_ring_outside]`: the same from an already
//!   verified request (the crate's request type carries the proof; Go verifies again).
//! - `sign/verified_request_to_tbs_p256_ca`: the certificate without its signature.
//! - `sign_raw/*`: the CA's ECDSA P-256 signature alone — the crate's RFC 6979 signing beside
//!   ring's, which draws its nonce from the operating system — and the two pieces of RustCrypto
//!   arithmetic inside the crate's signature: the fixed-base multiplication `k·G` (with p256's
//!   precomputed tables) and the inversion of `k`. What is left of `ecdsa_p256_rfc6979` after
//!   those two is the RFC 6979 nonce (HMAC-DRBG over SHA-256) and the hashing.

use criterion::{Criterion, criterion_group, criterion_main};
use kube_tls_bootstrap::pki::{
    CertificateAuthority, CertificateRequest, KeyUsage, UnsignedCertificate, UnverifiedRequest,
};
use kube_tls_bootstrap::time::Timestamp;
use std::time::{Duration, Instant};

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/data/pki/corpus/{rel}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn benches(c: &mut Criterion) {
    let csr_pem = read("kubelet-client-p256.csr.pem");
    let csr = CertificateRequest::from_pem(&csr_pem).unwrap();
    let (tbs, sig, point) = (
        csr.tbs_der().to_vec(),
        csr.signature().to_vec(),
        csr.public_key().key_bytes().to_vec(),
    );

    let mut group = c.benchmark_group("csr");
    group.bench_function("pem_parse_verify_p256", |b| {
        b.iter(|| CertificateRequest::from_pem(std::hint::black_box(&csr_pem)).unwrap())
    });
    group.bench_function("pem_parse_only_p256", |b| {
        b.iter(|| UnverifiedRequest::from_pem(std::hint::black_box(&csr_pem)).unwrap())
    });
    group.bench_function("raw_ring_verify_p256", |b| {
        b.iter(|| {
            ring::signature::UnparsedPublicKey::new(
                &ring::signature::ECDSA_P256_SHA256_ASN1,
                &point,
            )
            .verify(std::hint::black_box(&tbs), &sig)
            .unwrap()
        })
    });
    group.finish();

    // The same two paths measured interleaved: each sample runs both, in alternating chunks,
    // and reports one of them, so both see the same load on a shared machine and the ratio
    // between them holds even when absolute times drift.
    let mut group = c.benchmark_group("csr_interleaved");
    let from_pem = || CertificateRequest::from_pem(std::hint::black_box(&csr_pem)).unwrap();
    let raw = || {
        ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_ASN1, &point)
            .verify(std::hint::black_box(&tbs), &sig)
            .unwrap()
    };
    for (name, report_first) in [
        ("pem_parse_verify_p256", true),
        ("raw_ring_verify_p256", false),
    ] {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let (mut first, mut second) = (Duration::ZERO, Duration::ZERO);
                for _ in 0..iters {
                    let t = Instant::now();
                    std::hint::black_box(from_pem());
                    first += t.elapsed();
                    let t = Instant::now();
                    raw();
                    second += t.elapsed();
                }
                if report_first { first } else { second }
            })
        });
    }
    group.finish();

    let ca = CertificateAuthority::from_pem(&read("ca/ca.crt"), &read("ca/ca.key")).unwrap();
    let issuer = ca.issuer();
    let now = Timestamp::parse_rfc3339("2027-01-01T00:00:00Z").unwrap();
    let usages = [
        KeyUsage::DigitalSignature,
        KeyUsage::KeyEncipherment,
        KeyUsage::ClientAuth,
    ];
    // The caller's signer: ring with nonces from the OS (the bench, not the library, draws).
    let rng = ring::rand::SystemRandom::new();
    let ring_key = ring::signature::EcdsaKeyPair::from_pkcs8(
        &ring::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        &ca.key().to_pkcs8_der(),
        &rng,
    )
    .unwrap();
    let ring_sign =
        |unsigned: &UnsignedCertificate| ring_key.sign(&rng, unsigned.tbs_der()).unwrap();

    let mut group = c.benchmark_group("sign");
    group.bench_function("csr_pem_to_certificate_pem_p256_ca", |b| {
        b.iter(|| {
            let request = CertificateRequest::from_pem(std::hint::black_box(&csr_pem)).unwrap();
            ca.sign(&request, &usages, None, 31_536_000, now, &[0x42; 16])
                .unwrap()
                .to_pem()
        })
    });
    group.bench_function("csr_pem_to_certificate_pem_p256_ca_ring_outside", |b| {
        b.iter(|| {
            let request = CertificateRequest::from_pem(std::hint::black_box(&csr_pem)).unwrap();
            let unsigned = issuer
                .prepare(&request, &usages, None, 31_536_000, now, &[0x42; 16])
                .unwrap();
            let signature = ring_sign(&unsigned);
            unsigned.with_signature(signature.as_ref()).to_pem()
        })
    });
    group.bench_function(
        "csr_pem_to_certificate_pem_p256_ca_ring_outside_checked",
        |b| {
            b.iter(|| {
                let request = CertificateRequest::from_pem(std::hint::black_box(&csr_pem)).unwrap();
                let unsigned = issuer
                    .prepare(&request, &usages, None, 31_536_000, now, &[0x42; 16])
                    .unwrap();
                let signature = ring_sign(&unsigned);
                issuer
                    .check_signed(unsigned, signature.as_ref())
                    .unwrap()
                    .to_pem()
            })
        },
    );
    // The signer reads `spec.request` again; admission's proof spares the second verify.
    let proof = csr.verified_digest();
    group.bench_function(
        "csr_pem_with_proof_to_certificate_pem_p256_ca_ring_outside",
        |b| {
            b.iter(|| {
                let request =
                    CertificateRequest::from_pem_verified(std::hint::black_box(&csr_pem), &proof)
                        .unwrap();
                let unsigned = issuer
                    .prepare(&request, &usages, None, 31_536_000, now, &[0x42; 16])
                    .unwrap();
                let signature = ring_sign(&unsigned);
                unsigned.with_signature(signature.as_ref()).to_pem()
            })
        },
    );
    group.bench_function("csr_pem_with_proof_to_certificate_pem_p256_ca", |b| {
        b.iter(|| {
            let request =
                CertificateRequest::from_pem_verified(std::hint::black_box(&csr_pem), &proof)
                    .unwrap();
            ca.sign(&request, &usages, None, 31_536_000, now, &[0x42; 16])
                .unwrap()
                .to_pem()
        })
    });
    // The request carries proof of its verification at admission, so the crate's signer
    // need not verify again (PERFORMANCE.md): the signing work alone.
    group.bench_function("verified_request_to_certificate_pem_p256_ca", |b| {
        b.iter(|| {
            ca.sign(
                std::hint::black_box(&csr),
                &usages,
                None,
                31_536_000,
                now,
                &[0x42; 16],
            )
            .unwrap()
            .to_pem()
        })
    });
    group.bench_function(
        "verified_request_to_certificate_pem_p256_ca_ring_outside",
        |b| {
            b.iter(|| {
                let unsigned = issuer
                    .prepare(
                        std::hint::black_box(&csr),
                        &usages,
                        None,
                        31_536_000,
                        now,
                        &[0x42; 16],
                    )
                    .unwrap();
                let signature = ring_sign(&unsigned);
                unsigned.with_signature(signature.as_ref()).to_pem()
            })
        },
    );
    group.bench_function("verified_request_to_tbs_p256_ca", |b| {
        b.iter(|| {
            issuer
                .prepare(
                    std::hint::black_box(&csr),
                    &usages,
                    None,
                    31_536_000,
                    now,
                    &[0x42; 16],
                )
                .unwrap()
        })
    });
    group.finish();

    // The CA's signature alone over a certificate-sized message: the crate's RFC 6979 ECDSA
    // (RustCrypto, nothing drawn) beside ring's ECDSA with a nonce drawn from the OS.
    let tbs_like = vec![0x5a_u8; 420];
    let mut group = c.benchmark_group("sign_raw");
    group.bench_function("ecdsa_p256_rfc6979", |b| {
        b.iter(|| ca.key().sign(std::hint::black_box(&tbs_like)).unwrap())
    });
    {
        use p256::elliptic_curve::group::Group as _;
        // A fixed full-width scalar; the arithmetic is constant-time, so any one will do.
        let k = p256::Scalar::from(0x0123_4567_89ab_cdef_u64)
            * p256::Scalar::from(0xfedc_ba98_7654_3210_u64)
            * p256::Scalar::from(0x1357_9bdf_2468_ace0_u64)
            * p256::Scalar::from(0xdead_beef_cafe_f00d_u64);
        group.bench_function("p256_mul_by_generator_to_affine", |b| {
            b.iter(|| p256::ProjectivePoint::mul_by_generator(std::hint::black_box(&k)).to_affine())
        });
        group.bench_function("p256_scalar_invert", |b| {
            b.iter(|| std::hint::black_box(k).invert())
        });
    }
    group.bench_function("ring_ecdsa_p256_random_nonce", |b| {
        b.iter(|| {
            ring_key
                .sign(&rng, std::hint::black_box(&tbs_like))
                .unwrap()
        })
    });
    group.finish();
}

criterion_group! {
    name = pki;
    config = Criterion::default();
    targets = benches
}
criterion_main!(pki);
