//! `kubectl certificate approve|deny` (k/k kubectl `certificates.go`): the condition appended,
//! `already` errors, `--force`, and the printed line.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is a test failure with a line

use kube_tls_bootstrap::csr::kubectl::{self, CertificateCommand};
use kube_tls_bootstrap::csr::{
    CertificateSigningRequest, CertificateSigningRequestCondition, ConditionStatus, ConditionType,
};
use kube_tls_bootstrap::time::Timestamp;

fn now() -> Timestamp {
    Timestamp::parse_rfc3339("2025-03-01T12:31:00Z").unwrap()
}

fn with(types: &[ConditionType]) -> CertificateSigningRequest {
    let mut c = CertificateSigningRequest::new("csr-8b2tm");
    c.status.conditions = types
        .iter()
        .cloned()
        .map(CertificateSigningRequestCondition::new)
        .collect();
    c
}

#[test]
fn approve_appends_the_kubectl_condition() {
    let out = kubectl::certificate(&with(&[]), CertificateCommand::Approve, false, now()).unwrap();
    assert_eq!(
        out.output,
        "certificatesigningrequest.certificates.k8s.io/csr-8b2tm approved"
    );
    let update = out.update.unwrap();
    assert_eq!(
        update.status.conditions,
        [CertificateSigningRequestCondition {
            type_: ConditionType::Approved,
            status: ConditionStatus::True,
            reason: "KubectlApprove".into(),
            message: "This CSR was approved by kubectl certificate approve.".into(),
            last_update_time: Some(now()),
            last_transition_time: None,
        }]
    );
    assert_eq!(
        serde_json::to_string(&update.status.conditions[0]).unwrap(),
        r#"{"type":"Approved","status":"True","reason":"KubectlApprove","message":"This CSR was approved by kubectl certificate approve.","lastUpdateTime":"2025-03-01T12:31:00Z"}"#
    );
}

#[test]
fn deny_appends_after_other_conditions() {
    let out = kubectl::certificate(
        &with(&[ConditionType::parse("Custom")]),
        CertificateCommand::Deny,
        false,
        now(),
    )
    .unwrap();
    assert_eq!(
        out.output,
        "certificatesigningrequest.certificates.k8s.io/csr-8b2tm denied"
    );
    let conditions = out.update.unwrap().status.conditions;
    assert_eq!(conditions.len(), 2);
    assert_eq!(conditions[1].reason, "KubectlDeny");
    assert_eq!(
        conditions[1].message,
        "This CSR was denied by kubectl certificate deny."
    );
}

#[test]
fn opposite_condition_is_an_error() {
    let err = kubectl::certificate(
        &with(&[ConditionType::Denied]),
        CertificateCommand::Approve,
        true,
        now(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"certificate signing request "csr-8b2tm" is already Denied"#
    );
    let err = kubectl::certificate(
        &with(&[ConditionType::Approved]),
        CertificateCommand::Deny,
        false,
        now(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"certificate signing request "csr-8b2tm" is already Approved"#
    );
    // The scan stops at the first opposite condition even after a wanted one.
    assert!(
        kubectl::certificate(
            &with(&[ConditionType::Approved, ConditionType::Denied]),
            CertificateCommand::Approve,
            false,
            now()
        )
        .is_err()
    );
}

#[test]
fn already_decided_sends_nothing_unless_forced() {
    let approved = with(&[ConditionType::Approved]);
    let out = kubectl::certificate(&approved, CertificateCommand::Approve, false, now()).unwrap();
    assert_eq!(out.update, None);
    assert_eq!(
        out.output,
        "certificatesigningrequest.certificates.k8s.io/csr-8b2tm approved"
    );
    let forced = kubectl::certificate(&approved, CertificateCommand::Approve, true, now()).unwrap();
    assert_eq!(forced.update, Some(approved));
}
