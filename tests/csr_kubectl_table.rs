//! `kubectl get csr` tables agree byte for byte with the Go reference peer `csrprint`
//! (tests/data/csr/README.md says how each golden file was made).
#![allow(clippy::disallowed_methods)] // reads the golden files
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is a test failure with a line

use kube_tls_bootstrap::csr::{decode_document, kubectl};
use kube_tls_bootstrap::time::Timestamp;

fn check(document: &str, now: &str) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/csr/");
    let json = std::fs::read(format!("{dir}{document}.json")).unwrap();
    let want = std::fs::read_to_string(format!("{dir}{document}.table.txt")).unwrap();
    let csrs = decode_document(&json).unwrap();
    let now = Timestamp::parse_rfc3339(now).unwrap();
    assert_eq!(kubectl::get_table(&csrs, now), want, "{document}");
}

#[test]
fn list_of_kubelet_and_other_requests() {
    check("list", "2025-03-01T12:30:12Z");
}

#[test]
fn one_object() {
    check("kubelet-approved-issued", "2025-03-01T12:30:12Z");
}

#[test]
fn edge_cases_cut_escape_tabs_unicode_and_invalid_durations() {
    check("table-edge-cases", "2025-03-01T12:00:00Z");
}

#[test]
fn empty_list_prints_nothing() {
    check("empty-list", "2025-03-01T12:00:00Z");
}
