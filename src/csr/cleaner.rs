//! kube-controller-manager's `csrcleaner` rules as a pure function
//! (k/k `pkg/controller/certificates/cleaner/cleaner.go`).

use std::fmt;

use super::types::{CertificateSigningRequest, ConditionType};
use crate::time::Timestamp;

/// How long an approved and issued request is kept after its Approved condition's
/// `lastUpdateTime` (1 h).
pub const APPROVED_EXPIRATION_SECONDS: i64 = 3600;
/// How long a denied (and, in current releases, a failed) request is kept after the condition's
/// `lastUpdateTime` (1 h).
pub const DENIED_EXPIRATION_SECONDS: i64 = 3600;
/// How long a request without any condition is kept after its `creationTimestamp` (24 h).
pub const PENDING_EXPIRATION_SECONDS: i64 = 24 * 3600;
/// How often the controller lists and checks every request (1 h).
pub const POLLING_INTERVAL_SECONDS: i64 = 3600;

/// Why the cleaner deletes a request; the first rule that matches, in the controller's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CleanupReason {
    /// Approved, issued, and the Approved condition is more than 1 h old.
    IssuedPastDeadline,
    /// Denied more than 1 h ago.
    DeniedPastDeadline,
    /// Failed more than 1 h ago.
    FailedPastDeadline,
    /// No conditions at all, created more than 24 h ago.
    PendingPastDeadline,
    /// Approved, issued, and the first certificate's NotAfter has passed.
    IssuedExpired,
}

impl fmt::Display for CleanupReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::IssuedPastDeadline => "more than 1h0m0s old and approved",
            Self::DeniedPastDeadline => "more than 1h0m0s old and denied",
            Self::FailedPastDeadline => "more than 1h0m0s old and failed",
            Self::PendingPastDeadline => "more than 24h0m0s old and unhandled",
            Self::IssuedExpired => "the associated certificate is expired",
        })
    }
}

/// One pass of the cleaner: what to delete now, and when the next deletion falls due.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CleanupPlan {
    /// The names to delete, with the reason, in the order the objects were given.
    pub delete: Vec<(String, CleanupReason)>,
    /// The earliest instant at which one of the objects kept would be deleted, if any would.
    pub next_due: Option<Timestamp>,
}

/// Why (if at all) the cleaner deletes `csr` at `now`.
///
/// An age counts once it is strictly greater than the limit (Go's `t.Sub(now) < -d`); a zero
/// (absent) time never counts. The certificate's NotAfter is read from the first PEM block of
/// `status.certificate`; unreadable certificates never count as expired.
pub fn cleanup_reason(csr: &CertificateSigningRequest, now: Timestamp) -> Option<CleanupReason> {
    deadlines(csr)
        .into_iter()
        .find(|(_, due)| *due <= now)
        .map(|(reason, _)| reason)
}

/// Runs the cleaner's rules over `csrs` at `now`.
///
/// ```
/// use kube_tls_bootstrap::csr::{CertificateSigningRequest, cleaner};
/// use kube_tls_bootstrap::time::Timestamp;
/// let mut csr = CertificateSigningRequest::new("csr-old");
/// csr.metadata.creation_timestamp = Some(Timestamp::from_unix(0));
/// let plan = cleaner::plan(&[csr], Timestamp::from_unix(3600));
/// assert!(plan.delete.is_empty());
/// assert_eq!(plan.next_due, Some(Timestamp::from_unix(24 * 3600 + 1)));
/// ```
pub fn plan(csrs: &[CertificateSigningRequest], now: Timestamp) -> CleanupPlan {
    let mut out = CleanupPlan::default();
    for csr in csrs {
        let rules = deadlines(csr);
        if let Some((reason, _)) = rules.iter().find(|(_, due)| *due <= now) {
            out.delete.push((csr.metadata.name.clone(), *reason));
        } else if let Some(due) = rules.iter().map(|(_, due)| *due).min() {
            out.next_due = Some(out.next_due.map_or(due, |d| d.min(due)));
        }
    }
    out
}

/// For each rule that can apply to `csr`, in the controller's order, the first whole second at
/// which it does.
fn deadlines(csr: &CertificateSigningRequest) -> Vec<(CleanupReason, Timestamp)> {
    let issued = !csr.status.certificate.is_empty();
    let mut out = Vec::new();
    let first_after = |t: Timestamp, limit: i64| t.add_seconds(limit).add_seconds(1);
    let mut push_condition = |reason, t: &ConditionType, needs_issued: bool, limit| {
        if needs_issued && !issued {
            return;
        }
        let due = csr
            .conditions_of(t)
            .filter_map(|c| c.last_update_time)
            .map(|u| first_after(u, limit))
            .min();
        if let Some(due) = due {
            out.push((reason, due));
        }
    };
    push_condition(
        CleanupReason::IssuedPastDeadline,
        &ConditionType::Approved,
        true,
        APPROVED_EXPIRATION_SECONDS,
    );
    push_condition(
        CleanupReason::DeniedPastDeadline,
        &ConditionType::Denied,
        false,
        DENIED_EXPIRATION_SECONDS,
    );
    push_condition(
        CleanupReason::FailedPastDeadline,
        &ConditionType::Failed,
        false,
        DENIED_EXPIRATION_SECONDS,
    );
    if csr.status.conditions.is_empty()
        && let Some(created) = csr.metadata.creation_timestamp
    {
        out.push((
            CleanupReason::PendingPastDeadline,
            first_after(created, PENDING_EXPIRATION_SECONDS),
        ));
    }
    if issued
        && csr.has_condition(&ConditionType::Approved)
        && let Some(not_after) =
            super::request_check::first_certificate_not_after(&csr.status.certificate)
    {
        out.push((CleanupReason::IssuedExpired, not_after.add_seconds(1)));
    }
    out
}
