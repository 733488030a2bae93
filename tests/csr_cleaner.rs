//! The csrcleaner rules (k/k `cleaner.go`, `cleaner_test.go`): thresholds, which rule wins,
//! expired certificates, and when the next deletion falls due.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is a test failure with a line

use kube_tls_bootstrap::csr::cleaner::{self, CleanupReason};
use kube_tls_bootstrap::csr::{
    CertificateSigningRequest, CertificateSigningRequestCondition, ConditionType,
};
use kube_tls_bootstrap::time::Timestamp;

const CERTIFICATE: &[u8] = include_bytes!("data/csr/kubelet-client-p256.crt.pem");
/// The certificate's NotAfter (`openssl x509 -enddate`: Nov 28 20:09:45 2027 GMT).
const NOT_AFTER: &str = "2027-11-28T20:09:45Z";

fn t(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

fn csr(
    name: &str,
    created: &str,
    conditions: &[(ConditionType, Option<&str>)],
    issued: bool,
) -> CertificateSigningRequest {
    let mut c = CertificateSigningRequest::new(name);
    c.metadata.creation_timestamp = Some(t(created));
    c.status.conditions = conditions
        .iter()
        .map(|(ty, updated)| CertificateSigningRequestCondition {
            last_update_time: updated.map(t),
            ..CertificateSigningRequestCondition::new(ty.clone())
        })
        .collect();
    if issued {
        c.status.certificate = CERTIFICATE.to_vec();
    }
    c
}

#[test]
fn cleaner_test_table() {
    let now = t("2026-11-28T12:00:00Z");
    let approved = |at| vec![(ConditionType::Approved, Some(at))];
    let cases: Vec<(&str, CertificateSigningRequest, Option<CleanupReason>)> = vec![
        (
            "no delete approved not passed deadline",
            csr(
                "a",
                "2026-11-28T11:00:00Z",
                &approved("2026-11-28T11:05:00Z"),
                true,
            ),
            None,
        ),
        (
            "delete approved passed deadline",
            csr(
                "b",
                "2026-11-28T09:00:00Z",
                &approved("2026-11-28T10:59:59Z"),
                true,
            ),
            Some(CleanupReason::IssuedPastDeadline),
        ),
        (
            "exactly one hour is not past the deadline",
            csr(
                "b2",
                "2026-11-28T09:00:00Z",
                &approved("2026-11-28T11:00:00Z"),
                true,
            ),
            None,
        ),
        (
            "approved but not issued is kept",
            csr(
                "b3",
                "2026-11-28T09:00:00Z",
                &approved("2026-11-28T09:00:00Z"),
                false,
            ),
            None,
        ),
        (
            "delete denied passed deadline",
            csr(
                "c",
                "2026-11-28T09:00:00Z",
                &[(ConditionType::Denied, Some("2026-11-28T10:00:00Z"))],
                false,
            ),
            Some(CleanupReason::DeniedPastDeadline),
        ),
        (
            "no delete denied not passed deadline",
            csr(
                "d",
                "2026-11-28T09:00:00Z",
                &[(ConditionType::Denied, Some("2026-11-28T11:30:00Z"))],
                false,
            ),
            None,
        ),
        (
            "delete failed passed deadline",
            csr(
                "e",
                "2026-11-28T09:00:00Z",
                &[(ConditionType::Failed, Some("2026-11-28T10:00:00Z"))],
                false,
            ),
            Some(CleanupReason::FailedPastDeadline),
        ),
        (
            "delete pending passed deadline",
            csr("f", "2026-11-27T11:59:59Z", &[], false),
            Some(CleanupReason::PendingPastDeadline),
        ),
        (
            "no delete pending not passed deadline",
            csr("g", "2026-11-27T12:00:00Z", &[], false),
            None,
        ),
        (
            "a condition of another type keeps an old request",
            csr(
                "h",
                "2020-01-01T00:00:00Z",
                &[(ConditionType::parse("Custom"), None)],
                false,
            ),
            None,
        ),
        (
            "a zero lastUpdateTime never counts",
            csr(
                "i",
                "2020-01-01T00:00:00Z",
                &[(ConditionType::Denied, None)],
                false,
            ),
            None,
        ),
    ];
    for (name, c, want) in cases {
        assert_eq!(cleaner::cleanup_reason(&c, now), want, "{name}");
    }
}

#[test]
fn expired_certificates_are_removed() {
    let c = csr(
        "issued",
        "2026-11-28T20:00:00Z",
        &[(ConditionType::Approved, None)],
        true,
    );
    assert_eq!(cleaner::cleanup_reason(&c, t(NOT_AFTER)), None);
    assert_eq!(
        cleaner::cleanup_reason(&c, t(NOT_AFTER).add_seconds(1)),
        Some(CleanupReason::IssuedExpired)
    );
    // Garbage in status.certificate never counts as expired.
    let mut garbage = c.clone();
    garbage.status.certificate = b"not pem".to_vec();
    assert_eq!(
        cleaner::cleanup_reason(&garbage, t("2099-01-01T00:00:00Z")),
        None
    );
}

#[test]
fn plan_lists_deletions_and_the_next_due_time() {
    let now = t("2026-11-28T12:00:00Z");
    let csrs = [
        csr("old-pending", "2026-11-20T00:00:00Z", &[], false),
        csr("fresh-pending", "2026-11-28T11:00:00Z", &[], false),
        csr(
            "denied",
            "2026-11-28T11:00:00Z",
            &[(ConditionType::Denied, Some("2026-11-28T11:30:00Z"))],
            false,
        ),
    ];
    let plan = cleaner::plan(&csrs, now);
    assert_eq!(
        plan.delete,
        [("old-pending".to_owned(), CleanupReason::PendingPastDeadline)]
    );
    assert_eq!(plan.next_due, Some(t("2026-11-28T12:30:01Z")));
    assert_eq!(
        CleanupReason::PendingPastDeadline.to_string(),
        "more than 24h0m0s old and unhandled"
    );
    assert_eq!(cleaner::plan(&[], now), Default::default());
}
