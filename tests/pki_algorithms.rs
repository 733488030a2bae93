// Reads committed CSRs from tests/data/pki/extra (the test, not the library, does I/O).
#![allow(clippy::disallowed_methods)]
// Test helpers outside #[test] functions unwrap too: a panic there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

//! Signature algorithm and curve pairs beyond the main corpus (made with the openssl CLI),
//! against the Go peer `csrcheck` (`tests/data/pki/extra/csrcheck.jsonl`): ECDSA with SHA-1 and
//! SHA-512 on every curve, PSS parameters Go refuses, an off-curve point. The two RSA cases ring
//! cannot verify are pinned as this crate's documented deviation.

use kube_tls_bootstrap::pki::checks::{self, KUBELET_CLIENT_USAGES_WITH_KEY_ENCIPHERMENT};
use kube_tls_bootstrap::pki::{CertificateRequest, RequestErrorKind};

/// Go verifies these; ring has no SHA-384 or PSS for RSA keys under 2048 bits.
const RING_LACKS: [&str; 2] = ["rsa1024-pss-sha256.csr.pem", "rsa1024-sha384.csr.pem"];

#[test]
fn agrees_with_go_csrcheck() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/pki/extra");
    let lines = std::fs::read_to_string(format!("{dir}/csrcheck.jsonl")).unwrap();
    let mut n = 0;
    for line in lines.lines() {
        let row: serde_json::Value = serde_json::from_str(line).unwrap();
        let file = row["file"].as_str().unwrap();
        let api = row["api"].as_str().unwrap();
        let parsed = CertificateRequest::from_pem(&std::fs::read(format!("{dir}/{file}")).unwrap());
        if RING_LACKS.contains(&file) {
            assert_eq!(api, "ok", "{file}");
            let err = parsed.unwrap_err();
            assert_eq!(err.kind(), RequestErrorKind::UnsupportedAlgorithm, "{file}");
            assert_eq!(
                err.to_string(),
                "x509: cannot verify signature: algorithm unimplemented"
            );
        } else if api == "ok" {
            let csr = parsed.unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(
                checks::validate_kubelet_client(&csr, &KUBELET_CLIENT_USAGES_WITH_KEY_ENCIPHERMENT)
                    .map_err(|e| e.to_string()),
                match row["kubelet_client"].as_str().unwrap() {
                    "ok" => Ok(()),
                    msg => Err(msg.to_owned()),
                },
                "{file}"
            );
            if let Some(name) = row["name"].as_str() {
                assert_eq!(
                    checks::node_csr_name_for(&csr, &KUBELET_CLIENT_USAGES_WITH_KEY_ENCIPHERMENT),
                    name,
                    "{file}"
                );
            }
        } else {
            assert_eq!(parsed.unwrap_err().to_string(), api, "{file}");
        }
        n += 1;
    }
    assert_eq!(n, 16);
}

/// Found by the `csr_pem` fuzz target: an off-curve P-256 point and a malformed SAN. Go parses
/// the public key before the extensions, so the point is what it reports — on both entry points.
#[test]
fn off_curve_point_wins_over_a_later_parse_error() {
    use kube_tls_bootstrap::pki::UnverifiedRequest;
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/pki/fuzz/off-curve-point-and-bad-san.csr.pem"
    );
    let data = std::fs::read(path).unwrap();
    let expected = "x509: failed to unmarshal elliptic curve point";
    assert_eq!(
        CertificateRequest::from_pem(&data).unwrap_err().to_string(),
        expected
    );
    assert_eq!(
        UnverifiedRequest::from_pem(&data).unwrap_err().to_string(),
        expected
    );
}
