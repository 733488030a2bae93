// Reads the committed requests from tests/data/pki (the test, not the library, does I/O).
#![allow(clippy::disallowed_methods)]
// Test helpers outside #[test] functions unwrap too: a panic there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

//! `CertificateRequest::from_pem_verified` returns exactly what `from_pem` returns, for every
//! committed request and every proof: the proof only saves the second verification of bytes
//! that verified before.

use std::path::PathBuf;

use kube_tls_bootstrap::pki::{CertificateRequest, VerifiedDigest};

fn requests() -> Vec<(String, Vec<u8>)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/pki");
    let mut out = Vec::new();
    for dir in ["corpus", "extra", "go-parse", "go-leniencies", "golden"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            panic!("missing tests/data/pki/{dir}");
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.ends_with(".pem") || name.ends_with(".der") {
                out.push((format!("{dir}/{name}"), std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn the_proof_changes_cost_never_verdicts() {
    let all = requests();
    assert!(all.len() > 100, "{}", all.len());
    let proofs: Vec<VerifiedDigest> = all
        .iter()
        .filter_map(|(_, bytes)| CertificateRequest::from_pem(bytes).ok())
        .map(|r| r.verified_digest())
        .collect();
    assert!(proofs.len() > 40, "{}", proofs.len());
    for (name, bytes) in &all {
        let expected = CertificateRequest::from_pem(bytes);
        for proof in &proofs {
            assert_eq!(
                CertificateRequest::from_pem_verified(bytes, proof),
                expected,
                "{name}"
            );
        }
    }
}

#[test]
fn a_changed_byte_is_verified_again() {
    let (_, pem) = requests()
        .into_iter()
        .find(|(name, _)| name == "corpus/kubelet-client-p256.csr.pem")
        .unwrap();
    let request = CertificateRequest::from_pem(&pem).unwrap();
    let proof = request.verified_digest();
    assert_eq!(
        format!("{proof:?}").len(),
        "VerifiedDigest()".len() + 64,
        "hex digest"
    );
    let mut der = request.der().to_vec();
    let last = der.len() - 1;
    der[last] ^= 1; // inside the signature
    let err = CertificateRequest::from_der_verified(&der, &proof).unwrap_err();
    assert_eq!(err.to_string(), "x509: ECDSA verification failure");
    assert_eq!(
        CertificateRequest::from_der_verified(request.der(), &proof).unwrap(),
        request
    );
}
