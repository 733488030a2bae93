// Reads the committed CSR corpus from tests/data/pki/corpus (the test, not the library, does I/O).
#![allow(clippy::disallowed_methods)]
// Test helpers outside #[test] functions unwrap too: a panic there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

//! Every verdict of `tests/data/pki/corpus/EXPECT.tsv` (what Kubernetes does with each file as
//! `spec.request`, per the Go reference peer `csrcheck` and `csrname`) reproduced.

use std::path::PathBuf;

use kube_tls_bootstrap::pki::checks::{self, KUBELET_CLIENT_USAGES_WITH_KEY_ENCIPHERMENT};
use kube_tls_bootstrap::pki::{CertificateRequest, KeyUsage, RequestErrorKind, Usage};

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/pki/corpus")
}

struct Row {
    file: String,
    format: String,
    kubelet_client: String,
    reason: String,
    expected_name: String,
    api_accepts: String,
    kubelet_serving: String,
}

fn rows() -> Vec<Row> {
    let text = std::fs::read_to_string(corpus().join("EXPECT.tsv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (f, fmt, kc, r, n, a, ks) = (
        col("file"),
        col("format"),
        col("k8s_kubelet_client"),
        col("k8s_reason"),
        col("expected_name"),
        col("k8s_api_accepts"),
        col("k8s_kubelet_serving"),
    );
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            Row {
                file: c[f].into(),
                format: c[fmt].into(),
                kubelet_client: c[kc].into(),
                reason: c[r].into(),
                expected_name: c[n].into(),
                api_accepts: c[a].into(),
                kubelet_serving: c[ks].into(),
            }
        })
        .collect()
}

fn expected_kind(reason: &str) -> RequestErrorKind {
    if reason.starts_with("PEM block type") {
        RequestErrorKind::Pem
    } else if reason.starts_with("asn1:") {
        RequestErrorKind::Parse
    } else if reason.contains("verification") {
        RequestErrorKind::Signature
    } else {
        RequestErrorKind::UnsupportedAlgorithm
    }
}

const SERVING: [Usage; 3] = [
    Usage::Known(KeyUsage::DigitalSignature),
    Usage::Known(KeyUsage::KeyEncipherment),
    Usage::Known(KeyUsage::ServerAuth),
];

#[test]
fn every_expect_row_is_reproduced() {
    let rows = rows();
    assert_eq!(rows.len(), 58);
    let mut checked_names = 0;
    for row in &rows {
        let bytes = std::fs::read(corpus().join(&row.file)).unwrap();
        let parsed = CertificateRequest::from_pem(&bytes);
        let ctx = &row.file;
        if row.format == "der" {
            // The API server needs PEM; the DER itself is judged by the parser.
            let err = parsed.unwrap_err();
            assert_eq!(
                err.to_string(),
                "PEM block type must be CERTIFICATE REQUEST",
                "{ctx}"
            );
            assert_eq!(row.api_accepts, "no", "{ctx}");
            let der = CertificateRequest::from_der(&bytes);
            match row.reason.split_once("; parser: ") {
                Some((_, parser)) => assert_eq!(der.unwrap_err().to_string(), parser, "{ctx}"),
                None => assert!(der.is_ok(), "{ctx}"),
            }
            continue;
        }
        if row.api_accepts == "no" {
            let err = parsed.expect_err(ctx);
            assert_eq!(err.to_string(), row.reason, "{ctx}");
            assert_eq!(err.kind(), expected_kind(&row.reason), "{ctx}");
            assert_eq!(row.kubelet_serving, "n/a", "{ctx}");
            continue;
        }
        assert_eq!(row.api_accepts, "yes", "{ctx}");
        let csr = parsed.unwrap_or_else(|e| panic!("{ctx}: {e}"));
        let client =
            checks::validate_kubelet_client(&csr, &KUBELET_CLIENT_USAGES_WITH_KEY_ENCIPHERMENT);
        if row.kubelet_client == "yes" {
            assert_eq!(client, Ok(()), "{ctx}");
            assert_eq!(row.reason, "ok", "{ctx}");
            let name =
                checks::node_csr_name_for(&csr, &KUBELET_CLIENT_USAGES_WITH_KEY_ENCIPHERMENT);
            assert_eq!(name, row.expected_name, "{ctx}");
            checked_names += 1;
        } else {
            assert_eq!(client.unwrap_err().to_string(), row.reason, "{ctx}");
        }
        let serving = checks::validate_kubelet_serving(&csr, &SERVING);
        match row.kubelet_serving.strip_prefix("no: ") {
            Some(msg) => assert_eq!(serving.unwrap_err().to_string(), msg, "{ctx}"),
            None => assert_eq!(
                (row.kubelet_serving.as_str(), serving),
                ("yes", Ok(())),
                "{ctx}"
            ),
        }
    }
    assert_eq!(checked_names, 23);
}
