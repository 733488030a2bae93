//! `kubectl get csr -o json` documents (one object and a List) decode into the typed model and
//! encode back to the same document, byte for byte after kubectl's normalisation (keys sorted,
//! four-space indent).
#![allow(clippy::disallowed_methods)] // reads the golden files
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is a test failure with a line

use kube_tls_bootstrap::csr::{
    CertificateSigningRequest, CertificateSigningRequestList, ConditionType, Usage,
};
use kube_tls_bootstrap::pki::KeyUsage;
use serde::Serialize;

fn kubectl_json<T: Serialize>(value: &T) -> String {
    // kubectl prints through unstructured maps: keys sorted, four-space indent, final newline.
    let v = serde_json::to_value(value).unwrap();
    let mut out = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
    sort(v).serialize(&mut ser).unwrap();
    out.push(b'\n');
    String::from_utf8(out).unwrap()
}

fn sort(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => {
            let sorted: std::collections::BTreeMap<String, serde_json::Value> =
                m.into_iter().map(|(k, v)| (k, sort(v))).collect();
            serde_json::Value::Object(sorted.into_iter().collect())
        }
        serde_json::Value::Array(a) => serde_json::Value::Array(a.into_iter().map(sort).collect()),
        other => other,
    }
}

fn read(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/data/csr/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn one_object_round_trips() {
    let text = read("kubelet-approved-issued.json");
    let csr: CertificateSigningRequest = serde_json::from_str(&text).unwrap();
    assert_eq!(csr.metadata.name, "csr-8b2tm");
    assert_eq!(csr.metadata.generate_name, "csr-");
    assert_eq!(
        csr.metadata.creation_timestamp.unwrap().to_string(),
        "2025-03-01T12:30:00Z"
    );
    assert_eq!(
        csr.spec.signer_name,
        "kubernetes.io/kube-apiserver-client-kubelet"
    );
    assert_eq!(
        csr.spec.usages,
        [
            Usage::Known(KeyUsage::DigitalSignature),
            Usage::Known(KeyUsage::ClientAuth)
        ]
    );
    assert!(
        csr.spec
            .request
            .starts_with(b"-----BEGIN CERTIFICATE REQUEST-----\n")
    );
    assert!(
        csr.status
            .certificate
            .starts_with(b"-----BEGIN CERTIFICATE-----\n")
    );
    assert_eq!(csr.status.conditions[0].type_, ConditionType::Approved);
    assert_eq!(csr.status.conditions[0].reason, "AutoApproved");
    assert_eq!(kubectl_json(&csr), text);
}

#[test]
fn list_round_trips() {
    let text = read("list.json");
    let list: CertificateSigningRequestList = serde_json::from_str(&text).unwrap();
    assert_eq!(list.kind, "List");
    assert_eq!(list.items.len(), 6);
    assert_eq!(
        list.items[4].spec.extra["authentication.kubernetes.io/credential-id"],
        ["X509SHA256=8f2b0c"]
    );
    assert_eq!(
        list.items[5].status.conditions[0].type_.as_str(),
        "ApprovalPatch"
    );
    assert_eq!(kubectl_json(&list), text);
}

#[test]
fn unknown_fields_are_tolerated_and_metadata_extras_kept() {
    let text = r#"{"apiVersion":"certificates.k8s.io/v1","kind":"CertificateSigningRequest",
        "futureTopLevel":1,
        "metadata":{"name":"x","managedFields":[{"manager":"kubectl"}],"creationTimestamp":null},
        "spec":{"request":null,"signerName":"example.com/x","usages":["bogus"],"futureSpec":true},
        "status":{"conditions":[{"type":"Approved","status":"True","lastUpdateTime":null}]}}"#;
    let csr: CertificateSigningRequest = serde_json::from_str(text).unwrap();
    assert_eq!(csr.metadata.creation_timestamp, None);
    assert_eq!(csr.spec.usages, [Usage::Unknown("bogus".into())]);
    assert_eq!(
        serde_json::to_string(&csr).unwrap(),
        r#"{"apiVersion":"certificates.k8s.io/v1","kind":"CertificateSigningRequest","metadata":{"name":"x","managedFields":[{"manager":"kubectl"}]},"spec":{"request":"","signerName":"example.com/x","usages":["bogus"]},"status":{"conditions":[{"type":"Approved","status":"True"}]}}"#
    );
}

#[test]
fn byte_fields_decode_as_go_does() {
    // Go skips CR/LF inside base64 and tolerates stray bits after the last byte.
    let csr: CertificateSigningRequest = serde_json::from_str(
        r#"{"spec":{"request":"aG\r\nk=","signerName":""},"status":{"certificate":"aGl="}}"#,
    )
    .unwrap();
    assert_eq!(csr.spec.request, b"hi");
    assert_eq!(csr.status.certificate, b"hi");
    let err = serde_json::from_str::<CertificateSigningRequest>(r#"{"spec":{"request":"aGk"}}"#)
        .unwrap_err();
    assert_eq!(err.line(), 1);
}
