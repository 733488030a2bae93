// Reads a committed certificate from tests/data/pki (the test, not the library, does I/O).
#![allow(clippy::disallowed_methods)]
// Test helpers outside #[test] functions unwrap too: a panic there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

//! `status.certificate` validation: the cases of k8s `validation_test.go` (certificate with no
//! PEM, a non-CERTIFICATE block, PEM headers, non-base64, an empty block, non-ASN.1 content).

use kube_tls_bootstrap::pki::{CertificateError, pem, validate_certificate_pem};

fn ca_pem() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/pki/corpus/ca/ca.crt"
    ))
    .unwrap()
}

#[test]
fn valid_certificates_with_text_around() {
    let ca = ca_pem();
    assert_eq!(validate_certificate_pem(&ca), Ok(()));
    let mut bundle = b"leading notes\n".to_vec();
    bundle.extend_from_slice(&ca);
    bundle.extend_from_slice(b"between\n");
    bundle.extend_from_slice(&ca);
    bundle.extend_from_slice(b"trailing");
    assert_eq!(validate_certificate_pem(&bundle), Ok(()));
    // Two DER certificates concatenated in one block are fine too.
    let der = pem::decode(&ca).unwrap().0.contents;
    let two = pem::encode("CERTIFICATE", &[der.clone(), der].concat());
    assert_eq!(validate_certificate_pem(two.as_bytes()), Ok(()));
}

#[test]
fn kubernetes_messages() {
    let cases: [(&[u8], &str); 6] = [
        (b"", "must contain at least one CERTIFICATE PEM block"),
        (
            b"not PEM at all",
            "must contain at least one CERTIFICATE PEM block",
        ),
        (
            b"-----BEGIN CERTIFICATE REQUEST-----\nAQID\n-----END CERTIFICATE REQUEST-----\n",
            r#"only CERTIFICATE PEM blocks are allowed, found "CERTIFICATE REQUEST""#,
        ),
        (
            b"-----BEGIN CERTIFICATE-----\nFoo: bar\n\nAQID\n-----END CERTIFICATE-----\n",
            "no PEM block headers are permitted",
        ),
        (
            b"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
            "found CERTIFICATE PEM block containing 0 certificates",
        ),
        // Not base64: the block does not decode, so there is no block at all.
        (
            b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
            "must contain at least one CERTIFICATE PEM block",
        ),
    ];
    for (input, msg) in cases {
        let err = validate_certificate_pem(input).unwrap_err();
        assert_eq!(err.to_string(), msg, "{:?}", String::from_utf8_lossy(input));
    }
    // Not ASN.1: a parse error (Go's text differs; the category is pinned).
    let junk = pem::encode("CERTIFICATE", b"\x01\x02\x03");
    assert!(matches!(
        validate_certificate_pem(junk.as_bytes()),
        Err(CertificateError::Parse(_))
    ));
}
