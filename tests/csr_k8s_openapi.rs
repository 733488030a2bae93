//! Conversions to and from k8s-openapi's CertificateSigningRequest lose nothing (feature
//! `k8s-openapi`; run with `cargo test --features k8s-openapi`).
#![cfg(feature = "k8s-openapi")]
#![allow(clippy::disallowed_methods)] // reads the golden files

use k8s_openapi::api::certificates::v1 as k8s;
use kube_tls_bootstrap::csr::{CertificateSigningRequest, CertificateSigningRequestList};

#[test]
fn golden_objects_convert_both_ways_unchanged() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/csr/list.json"
    ))
    .unwrap();
    let list: CertificateSigningRequestList = serde_json::from_str(&text).unwrap();
    for ours in &list.items {
        let theirs = k8s::CertificateSigningRequest::try_from(ours).unwrap();
        assert_eq!(
            theirs.metadata.name.as_deref(),
            Some(ours.metadata.name.as_str())
        );
        assert_eq!(theirs.spec.request.0, ours.spec.request);
        assert_eq!(theirs.spec.signer_name, ours.spec.signer_name);
        assert_eq!(theirs.spec.expiration_seconds, ours.spec.expiration_seconds);
        assert_eq!(
            theirs
                .status
                .as_ref()
                .and_then(|s| s.certificate.as_ref())
                .map(|c| c.0.clone()),
            (!ours.status.certificate.is_empty()).then(|| ours.status.certificate.clone())
        );
        let back = CertificateSigningRequest::try_from(&theirs).unwrap();
        assert_eq!(&back, ours);
    }
}

#[test]
fn metadata_we_keep_as_json_survives() {
    let ours: CertificateSigningRequest = serde_json::from_str(
        r#"{"metadata":{"name":"x","ownerReferences":[{"apiVersion":"v1","kind":"Node","name":"n","uid":"u"}]},
            "spec":{"request":"aGk=","signerName":"example.com/x"}}"#,
    )
    .unwrap();
    let theirs = k8s::CertificateSigningRequest::try_from(&ours).unwrap();
    assert_eq!(
        theirs.metadata.owner_references.as_ref().unwrap()[0].kind,
        "Node"
    );
    let back = CertificateSigningRequest::try_from(&theirs).unwrap();
    assert_eq!(back.metadata, ours.metadata);
    assert_eq!(back.api_version, "certificates.k8s.io/v1");
    assert_eq!(back.kind, "CertificateSigningRequest");
}
