//! `kubectl describe csr` against the real kubectl 1.32's output for the same objects
//! (tests/data/csr/describe/: `NAME.json` served to `TZ=UTC kubectl describe csr` by a stub
//! server, `NAME.kubectl.txt` what kubectl printed).
#![allow(clippy::disallowed_methods)] // reads the golden files
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is a test failure with a line

use kube_tls_bootstrap::csr::{CertificateSigningRequest, describe};

fn case(name: &str) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/csr/describe");
    let json = std::fs::read(format!("{dir}/{name}.json")).unwrap();
    let want = std::fs::read_to_string(format!("{dir}/{name}.kubectl.txt")).unwrap();
    let csr = CertificateSigningRequest::from_json(&json).unwrap();
    assert_eq!(describe::describe(&csr, &[]).unwrap(), want, "{name}");
}

#[test]
fn serving_request_with_sans_labels_and_duration() {
    case("serving-sans");
}

#[test]
fn approved_client_request_with_annotations() {
    case("client-approved");
}
