//! The PKI corpus (tests/data/pki/corpus) as `spec.request` of a kubelet CSR: create validation
//! accepts or rejects each file with the message the Go reference peer `csrcheck` gives for the
//! API server (tests/data/csr/corpus-api.tsv).
#![allow(clippy::disallowed_methods)] // reads the corpus files

use kube_tls_bootstrap::csr::{
    BadValue, CertificateSigningRequest, FieldError, Usage, validate_create,
};
use kube_tls_bootstrap::pki::KeyUsage;

#[test]
fn api_verdicts_match_the_go_peer() {
    let root = env!("CARGO_MANIFEST_DIR");
    let table = std::fs::read_to_string(format!("{root}/tests/data/csr/corpus-api.tsv")).unwrap();
    let mut checked = 0;
    for line in table.lines() {
        let (file, api) = line.split_once('\t').unwrap();
        let request = std::fs::read(format!("{root}/tests/data/pki/corpus/{file}")).unwrap();
        let mut c = CertificateSigningRequest::new("csr-corpus");
        c.spec.signer_name = "kubernetes.io/kube-apiserver-client-kubelet".into();
        c.spec.usages = vec![
            Usage::Known(KeyUsage::DigitalSignature),
            Usage::Known(KeyUsage::ClientAuth),
        ];
        c.spec.request = request.clone();
        let got = validate_create(&c);
        let want = if api == "ok" {
            vec![]
        } else {
            vec![FieldError::invalid(
                "spec.request",
                BadValue::Bytes(request),
                api,
            )]
        };
        assert_eq!(got, want, "{file}");
        checked += 1;
    }
    assert_eq!(checked, 58);
}
