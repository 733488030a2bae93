// Reads the committed refsign cases from tests/data/pki (the test, not the library, does I/O).
#![allow(clippy::disallowed_methods)]
// Test helpers outside #[test] functions unwrap too: a panic there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

//! The Go reference signer `refsign` (PROTOCOL.md §7: per-signer validation, duration clamp,
//! backdate, 8 h rule, CA cap, KU/EKU order, expired-CA errors) run on fixed inputs; the cases
//! and their outputs are in `tests/data/pki/refsign/` (`CASES.tsv`: name, exit code, the
//! arguments separated by U+001F). Certificates must agree on the whole TBSCertificate;
//! errors on the exact stderr line.

use std::path::PathBuf;

use der::{Decode as _, Encode as _};
use kube_tls_bootstrap::pki::{
    CertificateAuthority, CertificateRequest, SignerFailure, SignerInput, Usage, pem, signers,
};
use kube_tls_bootstrap::time::Timestamp;

fn data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/pki")
}

fn tbs(cert_der: &[u8]) -> Vec<u8> {
    x509_cert::Certificate::from_der(cert_der)
        .unwrap()
        .tbs_certificate()
        .to_der()
        .unwrap()
}

#[test]
fn every_refsign_case_agrees() {
    let corpus = data().join("corpus");
    let ca = CertificateAuthority::from_pem(
        &std::fs::read(corpus.join("ca/ca.crt")).unwrap(),
        &std::fs::read(corpus.join("ca/ca.key")).unwrap(),
    )
    .unwrap();
    let cases = std::fs::read_to_string(data().join("refsign/CASES.tsv")).unwrap();
    let mut n = 0;
    for line in cases.lines() {
        let mut cols = line.split('\t');
        let (name, rc) = (cols.next().unwrap(), cols.next().unwrap());
        let args: Vec<&str> = cols
            .next()
            .unwrap()
            .trim_end_matches('\u{1f}')
            .split('\u{1f}')
            .collect();
        let flag = |f: &str| args.iter().position(|a| *a == f).map(|i| args[i + 1]);
        let now = Timestamp::parse_rfc3339(flag("--now").unwrap()).unwrap();
        let hex = flag("--serial-hex").unwrap();
        let mut serial = [0u8; 16];
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        serial[16 - bytes.len()..].copy_from_slice(&bytes);
        let usages: Vec<Usage> = flag("--usages")
            .unwrap()
            .split(',')
            .map(|u| Usage::parse(u.trim()))
            .collect();
        let input = SignerInput {
            signer_name: flag("--signer").unwrap_or(signers::KUBE_APISERVER_CLIENT_KUBELET),
            usages: &usages,
            expiration_seconds: flag("--expiration-seconds").map(|s| s.parse().unwrap()),
            signing_duration_seconds: flag("--signing-duration")
                .map_or(31_536_000, |s| s.parse().unwrap()),
        };
        let csr_path = corpus.join(args.last().unwrap());
        let csr = CertificateRequest::from_pem(&std::fs::read(csr_path).unwrap()).unwrap();
        let result = ca.sign_for_signer(&csr, &input, now, &serial);
        if rc == "0" {
            let go_pem = std::fs::read(data().join(format!("refsign/{name}.out"))).unwrap();
            let go_der = pem::decode(&go_pem).unwrap().0.contents;
            let ours = result.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(tbs(ours.der()), tbs(&go_der), "{name}");
            assert!(ours.to_pem().ends_with("-----END CERTIFICATE-----\n"));
        } else {
            let expected =
                std::fs::read_to_string(data().join(format!("refsign/{name}.err"))).unwrap();
            let got = match result.unwrap_err() {
                SignerFailure::Validation(e) => format!("Failed: SignerValidationFailure: {e}\n"),
                other => format!("error: {other}\n"),
            };
            assert_eq!(got, expected, "{name}");
        }
        n += 1;
    }
    assert_eq!(n, 12);
}

/// RSA PKCS#1 v1.5 and Ed25519 signatures are deterministic, so with an RSA or Ed25519 CA the
/// whole certificate, signature included, must equal what Go issued.
#[test]
fn rsa_and_ed25519_cas_issue_byte_identical_certificates() {
    let cases = std::fs::read_to_string(data().join("refsign/CASES-other-ca.tsv")).unwrap();
    let mut n = 0;
    for line in cases.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        let (name, ca_dir, rc) = (cols[0], cols[1], cols[2]);
        assert_eq!(rc, "0", "{name}");
        let args: Vec<&str> = cols[3].trim_end_matches('\u{1f}').split('\u{1f}').collect();
        let flag = |f: &str| args.iter().position(|a| *a == f).map(|i| args[i + 1]);
        let ca = CertificateAuthority::from_pem(
            &std::fs::read(data().join(ca_dir).join("ca.crt")).unwrap(),
            &std::fs::read(data().join(ca_dir).join("ca.key")).unwrap(),
        )
        .unwrap();
        let hex = flag("--serial-hex").unwrap();
        let mut serial = [0u8; 16];
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        serial[16 - bytes.len()..].copy_from_slice(&bytes);
        let usages: Vec<Usage> = flag("--usages")
            .unwrap()
            .split(',')
            .map(Usage::parse)
            .collect();
        let input = SignerInput {
            signer_name: flag("--signer").unwrap_or(signers::KUBE_APISERVER_CLIENT_KUBELET),
            usages: &usages,
            expiration_seconds: flag("--expiration-seconds").map(|s| s.parse().unwrap()),
            signing_duration_seconds: flag("--signing-duration")
                .map_or(31_536_000, |s| s.parse().unwrap()),
        };
        let csr = CertificateRequest::from_pem(
            &std::fs::read(data().join("corpus").join(args.last().unwrap())).unwrap(),
        )
        .unwrap();
        let now = Timestamp::parse_rfc3339(flag("--now").unwrap()).unwrap();
        let ours = ca.sign_for_signer(&csr, &input, now, &serial).unwrap();
        let go_pem = std::fs::read_to_string(data().join(format!("refsign/{name}.out"))).unwrap();
        assert_eq!(ours.to_pem(), go_pem, "{name}");
        n += 1;
    }
    assert_eq!(n, 4);
}
