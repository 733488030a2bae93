// Reads the committed corpus (the test, not the library, does I/O).
#![allow(clippy::disallowed_methods)]
// Test helpers unwrap: a panic there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

//! Go's parse verdict on every request of `tests/data/pki/go-parse/` (see its README):
//! accepted ones parse, refused ones fail with a `parse` error, with Go's text where
//! `same_text` says so.

use std::path::PathBuf;

use kube_tls_bootstrap::pki::{RequestErrorKind, UnverifiedRequest};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/pki/go-parse")
}

#[test]
fn every_go_verdict_is_reproduced() {
    let expect = std::fs::read_to_string(dir().join("EXPECT.tsv")).unwrap();
    let mut rows = 0;
    for line in expect.lines().skip(1) {
        let [file, go_parse, same_text] = line.split('\t').collect::<Vec<_>>()[..] else {
            panic!("bad row {line}");
        };
        rows += 1;
        let parsed = UnverifiedRequest::from_pem(&std::fs::read(dir().join(file)).unwrap());
        match (go_parse, parsed) {
            ("ok", Ok(_)) => assert_eq!(same_text, "yes", "{file}"),
            ("ok", Err(e)) => panic!("{file}: Go parses it, the crate says {e}"),
            (_, Ok(_)) => panic!("{file}: Go refuses it ({go_parse}), the crate parses it"),
            (text, Err(e)) => {
                assert_eq!(e.kind(), RequestErrorKind::Parse, "{file}");
                assert_eq!(e.to_string() == text, same_text == "yes", "{file}: {e}");
            }
        }
    }
    assert_eq!(rows, 34);
}

/// Go ignores what follows the SET of an attribute's values, so the `extensionRequest` there
/// counts (the walker this crate used before skipped the attribute).
#[test]
fn an_extension_request_with_a_trailing_element_counts() {
    let pem = std::fs::read(dir().join("attr-trailing-after-set.csr.pem")).unwrap();
    let csr = UnverifiedRequest::from_pem(&pem).unwrap();
    assert_eq!(
        csr.unverified().subject_alt_names().dns_names,
        ["a.example"]
    );
}

/// Bytes after the SAN SEQUENCE are ignored (cryptobyte `ReadASN1`); an explicit critical
/// FALSE is accepted; high tag numbers are read where Go reads any element.
#[test]
fn other_go_leniencies() {
    let read = |f: &str| {
        UnverifiedRequest::from_pem(&std::fs::read(dir().join(f)).unwrap())
            .unwrap()
            .unverified()
            .clone()
    };
    assert_eq!(
        read("san-trailing-after-seq.csr.pem")
            .subject_alt_names()
            .dns_names,
        ["a.example"]
    );
    let csr = read("crit-false-explicit.csr.pem");
    assert!(!csr.extensions()[0].critical);
    let csr = read("name-high-tag-value.csr.pem");
    assert_eq!(csr.name().rdns()[2][0].text, None);
    assert_eq!(csr.subject().common_name, "system:node:n1");
}

/// RSASSA-PSS parameters whose MGF1 parameters are not a SEQUENCE are not PSS to Go, whose API
/// server then cannot verify the request (the Go peer's `api` verdict).
#[test]
fn pss_with_malformed_mgf_parameters_is_an_unknown_algorithm() {
    let pem = std::fs::read(dir().join("fuzz-pss-mgf-parameters-not-sequence.csr.pem")).unwrap();
    let csr = UnverifiedRequest::from_pem(&pem).unwrap();
    assert_eq!(
        csr.unverified().signature_algorithm(),
        kube_tls_bootstrap::pki::SignatureAlgorithm::Unknown
    );
    let err = kube_tls_bootstrap::pki::CertificateRequest::from_pem(&pem).unwrap_err();
    assert_eq!(
        err.to_string(),
        "x509: cannot verify signature: algorithm unimplemented"
    );
    assert_eq!(err.kind(), RequestErrorKind::UnsupportedAlgorithm);
}
