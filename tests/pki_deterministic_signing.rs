// Reads the committed keys and golden files from tests/data/pki and runs the openssl CLI (the
// test, not the library, does I/O).
#![allow(clippy::disallowed_methods)]
// Test helpers outside #[test] functions unwrap too: a panic there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

//! ECDSA signatures use RFC 6979 nonces, so signing is a pure function of its inputs: the
//! kubelet's request for a fixed key and node name, and the certificate a fixed CA issues for a
//! fixed request, `now` and serial, are byte-identical run to run and equal the committed golden
//! files (tests/data/pki/golden/, see the README there). `openssl` accepts both.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use kube_tls_bootstrap::pki::authority::DEFAULT_SIGNING_DURATION_SECONDS;
use kube_tls_bootstrap::pki::{
    CertificateAuthority, CertificateRequest, KeyKind, KeyUsage, PrivateKey, kubelet,
};
use kube_tls_bootstrap::time::Timestamp;

fn data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/pki")
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(data().join(rel)).unwrap()
}

fn read_text(rel: &str) -> String {
    String::from_utf8(read(rel)).unwrap()
}

/// Runs `openssl ARGS` with `stdin` as its standard input; returns (success, stdout, stderr).
fn openssl(args: &[&str], stdin: &str) -> (bool, String, String) {
    let mut child = Command::new("openssl")
        .args(args)
        .current_dir(data())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the openssl CLI runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

const USAGES: [KeyUsage; 3] = [
    KeyUsage::DigitalSignature,
    KeyUsage::KeyEncipherment,
    KeyUsage::ClientAuth,
];
/// The fixed `now` of the golden certificate (NotBefore is 5 minutes earlier).
const NOW: &str = "2027-01-01T00:00:00Z";
/// `openssl verify -attime`: an hour after `NOW`, so the check does not depend on the clock.
const VERIFY_AT: &str = "1798765200";
/// The fixed serial of the golden certificate: 01 02 … 10.
const SERIAL: [u8; 16] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];

#[test]
fn kubelet_client_requests_are_byte_identical_and_golden() {
    for (key_file, kind, golden) in [
        (
            "keys/p256-sec1.key",
            KeyKind::EcdsaP256,
            "golden/kubelet-client-node-1-p256.csr.pem",
        ),
        (
            "keys/p384-sec1.key",
            KeyKind::EcdsaP384,
            "golden/kubelet-client-node-1-p384.csr.pem",
        ),
    ] {
        let key = PrivateKey::from_pem(&read(key_file)).unwrap();
        assert_eq!(key.public_key().kind(), &kind, "{key_file}");
        let first = kubelet::client_csr_pem(&key, "node-1").unwrap();
        let second = kubelet::client_csr_pem(&key, "node-1").unwrap();
        assert_eq!(first, second, "{key_file}: run to run");
        // A key loaded again signs the same bytes too (nothing is kept between calls).
        let reloaded = PrivateKey::from_pem(&read(key_file)).unwrap();
        assert_eq!(
            kubelet::client_csr_pem(&reloaded, "node-1").unwrap(),
            first,
            "{key_file}: reloaded key"
        );
        assert_eq!(first, read_text(golden), "{golden}");

        let csr = CertificateRequest::from_pem(first.as_bytes()).unwrap();
        assert_eq!(csr.subject().common_name, "system:node:node-1");
        assert_eq!(
            openssl(&["req", "-verify", "-noout"], &first),
            (
                true,
                String::new(),
                "Certificate request self-signature verify OK\n".to_owned()
            ),
            "{golden}"
        );
    }
}

#[test]
fn issued_certificate_is_byte_identical_and_golden() {
    let ca = CertificateAuthority::from_pem(&read("corpus/ca/ca.crt"), &read("corpus/ca/ca.key"))
        .unwrap();
    let csr =
        CertificateRequest::from_pem(&read("golden/kubelet-client-node-1-p256.csr.pem")).unwrap();
    let now = Timestamp::parse_rfc3339(NOW).unwrap();
    let issue = |ca: &CertificateAuthority| {
        ca.sign(
            &csr,
            &USAGES,
            None,
            DEFAULT_SIGNING_DURATION_SECONDS,
            now,
            &SERIAL,
        )
        .unwrap()
        .to_pem()
    };
    let first = issue(&ca);
    assert_eq!(issue(&ca), first, "run to run");
    let reloaded =
        CertificateAuthority::from_pem(&read("corpus/ca/ca.crt"), &read("corpus/ca/ca.key"))
            .unwrap();
    assert_eq!(issue(&reloaded), first, "reloaded CA");
    assert_eq!(first, read_text("golden/issued-node-1-p256.crt.pem"));

    assert_eq!(
        openssl(
            &[
                "verify",
                "-attime",
                VERIFY_AT,
                "-CAfile",
                "corpus/ca/ca.crt"
            ],
            &first
        ),
        (true, "stdin: OK\n".to_owned(), String::new())
    );
}
