//! What kubectl shows and does: the `get csr` table with its CONDITION column, and
//! `kubectl certificate approve|deny`.

use super::types::{CertificateSigningRequest, CertificateSigningRequestCondition, ConditionType};
use crate::time::Timestamp;

/// The `get csr` column headers.
pub const COLUMNS: [&str; 6] = [
    "NAME",
    "AGE",
    "SIGNERNAME",
    "REQUESTOR",
    "REQUESTEDDURATION",
    "CONDITION",
];

/// The CONDITION column: `Denied` if any condition has type Denied, else `Approved` if any has
/// type Approved, else `Pending`; then `,Failed` if any has type Failed; then `,Issued` if
/// `status.certificate` is non-empty. Condition statuses are not looked at.
///
/// ```
/// use kube_tls_bootstrap::csr::{CertificateSigningRequest, kubectl};
/// let csr = CertificateSigningRequest::new("csr-1");
/// assert_eq!(kubectl::condition(&csr), "Pending");
/// ```
pub fn condition(csr: &CertificateSigningRequest) -> String {
    let (mut approved, mut denied, mut failed) = (false, false, false);
    for c in &csr.status.conditions {
        match c.type_ {
            ConditionType::Approved => approved = true,
            ConditionType::Denied => denied = true,
            ConditionType::Failed => failed = true,
            ConditionType::Other(_) => {}
        }
    }
    let mut s = String::from(if denied {
        "Denied"
    } else if approved {
        "Approved"
    } else {
        "Pending"
    });
    if failed {
        s.push_str(",Failed");
    }
    if !csr.status.certificate.is_empty() {
        s.push_str(",Issued");
    }
    s
}

/// Kubernetes' `duration.HumanDuration` of a whole number of seconds, as kubectl prints ages
/// and durations: `90s`, `2m30s`, `10m`, `60m`, `24h`, `7d`, `365d`, `2y`, `3y100d`.
///
/// Like Go's `time.Duration`, the span saturates at ±2⁶³ ns (about 292 years).
///
/// ```
/// use kube_tls_bootstrap::csr::kubectl::human_duration;
/// assert_eq!(human_duration(150), "2m30s");
/// assert_eq!(human_duration(3600), "60m");
/// assert_eq!(human_duration(-5), "<invalid>");
/// ```
pub fn human_duration(seconds: i64) -> String {
    const MAX_SECONDS: i64 = i64::MAX / 1_000_000_000;
    let s = seconds.clamp(-MAX_SECONDS, MAX_SECONDS);
    if s < -1 {
        return "<invalid>".to_owned();
    }
    if s < 0 {
        return "0s".to_owned();
    }
    if s < 120 {
        return format!("{s}s");
    }
    let minutes = s / 60;
    if minutes < 10 {
        return match s % 60 {
            0 => format!("{minutes}m"),
            sec => format!("{minutes}m{sec}s"),
        };
    }
    if minutes < 180 {
        return format!("{minutes}m");
    }
    let hours = s / 3600;
    if hours < 8 {
        return match minutes % 60 {
            0 => format!("{hours}h"),
            m => format!("{hours}h{m}m"),
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        return match hours % 24 {
            0 => format!("{}d", hours / 24),
            h => format!("{}d{h}h", hours / 24),
        };
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        return match (hours / 24) % 365 {
            0 => format!("{}y", hours / 24 / 365),
            d => format!("{}y{d}d", hours / 24 / 365),
        };
    }
    format!("{}y", hours / 24 / 365)
}

/// One `get csr` row, before cell escaping: name, age, signer (`<none>` when empty), requestor,
/// requested duration (`<none>` when absent) and condition.
pub fn row(csr: &CertificateSigningRequest, now: Timestamp) -> [String; 6] {
    let age = csr.metadata.creation_timestamp.map_or_else(
        || "<unknown>".to_owned(),
        |t| human_duration(now.seconds_since(t)),
    );
    let signer = if csr.spec.signer_name.is_empty() {
        "<none>".to_owned()
    } else {
        csr.spec.signer_name.clone()
    };
    let duration = csr
        .spec
        .expiration_seconds
        .map_or_else(|| "<none>".to_owned(), |s| human_duration(i64::from(s)));
    [
        csr.metadata.name.clone(),
        age,
        signer,
        csr.spec.username.clone(),
        duration,
        condition(csr),
    ]
}

/// `kubectl get csr` for these objects at `now`, byte for byte: the header and one row per
/// object, laid out by Go's `text/tabwriter` with kubectl's settings. No objects, no output.
///
/// ```
/// use kube_tls_bootstrap::csr::{CertificateSigningRequest, kubectl};
/// use kube_tls_bootstrap::time::Timestamp;
/// let mut csr = CertificateSigningRequest::new("csr-8b2tm");
/// csr.metadata.creation_timestamp = Some(Timestamp::from_unix(0));
/// csr.spec.signer_name = "kubernetes.io/kube-apiserver-client-kubelet".into();
/// csr.spec.username = "system:bootstrap:abcdef".into();
/// let table = kubectl::get_table(&[csr], Timestamp::from_unix(12));
/// assert_eq!(table, "\
/// NAME        AGE   SIGNERNAME                                    REQUESTOR                 REQUESTEDDURATION   CONDITION
/// csr-8b2tm   12s   kubernetes.io/kube-apiserver-client-kubelet   system:bootstrap:abcdef   <none>              Pending
/// ");
/// ```
pub fn get_table(csrs: &[CertificateSigningRequest], now: Timestamp) -> String {
    if csrs.is_empty() {
        return String::new();
    }
    let mut lines = Vec::with_capacity(csrs.len() + 1);
    lines.push(COLUMNS.join("\t"));
    for csr in csrs {
        let cells: Vec<String> = row(csr, now).iter().map(|c| cell_text(c)).collect();
        lines.push(cells.join("\t"));
    }
    tabwrite(&lines)
}

/// A cell as kubectl writes it: cut at the first `\f`, `\n` or `\r` with `...` appended, and
/// ESC written as `^[`.
pub fn cell_text(value: &str) -> String {
    match value.find(['\u{c}', '\n', '\r']) {
        Some(i) => format!("{}...", value[..i].replace('\u{1b}', "^[")),
        None => value.replace('\u{1b}', "^["),
    }
}

/// Which way `kubectl certificate` decides: `approve` or `deny` (named apart from
/// [`rbac::Decision`](crate::rbac::Decision), an authorizer's answer).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CertificateCommand {
    /// `kubectl certificate approve`.
    Approve,
    /// `kubectl certificate deny`.
    Deny,
}

impl CertificateCommand {
    /// The condition type added.
    pub fn condition_type(self) -> ConditionType {
        match self {
            Self::Approve => ConditionType::Approved,
            Self::Deny => ConditionType::Denied,
        }
    }

    /// The condition type whose presence makes the command fail.
    pub fn opposite(self) -> ConditionType {
        match self {
            Self::Approve => ConditionType::Denied,
            Self::Deny => ConditionType::Approved,
        }
    }

    /// `KubectlApprove` or `KubectlDeny`.
    pub const fn reason(self) -> &'static str {
        match self {
            Self::Approve => "KubectlApprove",
            Self::Deny => "KubectlDeny",
        }
    }

    /// The condition message kubectl writes.
    pub const fn message(self) -> &'static str {
        match self {
            Self::Approve => "This CSR was approved by kubectl certificate approve.",
            Self::Deny => "This CSR was denied by kubectl certificate deny.",
        }
    }

    /// `approved` or `denied`, as printed after the object name.
    pub const fn past_tense(self) -> &'static str {
        match self {
            Self::Approve => "approved",
            Self::Deny => "denied",
        }
    }
}

/// What `kubectl certificate approve|deny` does with one object it fetched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateOutcome {
    /// The object to PUT to `/approval`, or `None` when kubectl sends nothing (the condition is
    /// already there and `--force` was not given).
    pub update: Option<CertificateSigningRequest>,
    /// The line kubectl prints, e.g.
    /// `certificatesigningrequest.certificates.k8s.io/csr-8b2tm approved`.
    pub output: String,
}

/// `kubectl certificate approve|deny` refused: the object already has the opposite condition.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("certificate signing request {name:?} is already {condition}")]
pub struct AlreadyDecided {
    /// The object name.
    pub name: String,
    /// The condition type found (`Denied` when approving, `Approved` when denying).
    pub condition: String,
}

/// `kubectl certificate approve|deny [--force] NAME` on the fetched object at `now`.
///
/// The conditions are scanned in order: the opposite type is an error (at the first one
/// found); the wanted type means nothing is sent unless `force`, and then the object is sent
/// unchanged; otherwise the condition `{type, status: True, reason, message, lastUpdateTime:
/// now}` is appended. The printed line is the same whether or not an update is sent.
///
/// ```
/// use kube_tls_bootstrap::csr::{CertificateSigningRequest, kubectl};
/// use kube_tls_bootstrap::time::Timestamp;
/// let csr = CertificateSigningRequest::new("csr-1");
/// let out = kubectl::certificate(&csr, kubectl::CertificateCommand::Approve, false, Timestamp::from_unix(0)).unwrap();
/// assert_eq!(out.output, "certificatesigningrequest.certificates.k8s.io/csr-1 approved");
/// assert_eq!(out.update.unwrap().status.conditions[0].reason, "KubectlApprove");
/// ```
pub fn certificate(
    csr: &CertificateSigningRequest,
    decision: CertificateCommand,
    force: bool,
    now: Timestamp,
) -> Result<CertificateOutcome, AlreadyDecided> {
    let wanted = decision.condition_type();
    let opposite = decision.opposite();
    let mut already = false;
    for c in &csr.status.conditions {
        if c.type_ == opposite {
            return Err(AlreadyDecided {
                name: csr.metadata.name.clone(),
                condition: c.type_.as_str().to_owned(),
            });
        }
        if c.type_ == wanted {
            already = true;
        }
    }
    let update = if already {
        force.then(|| csr.clone())
    } else {
        let mut updated = csr.clone();
        updated
            .status
            .conditions
            .push(CertificateSigningRequestCondition {
                reason: decision.reason().to_owned(),
                message: decision.message().to_owned(),
                last_update_time: Some(now),
                ..CertificateSigningRequestCondition::new(wanted)
            });
        Some(updated)
    };
    Ok(CertificateOutcome {
        update,
        output: format!(
            "certificatesigningrequest.certificates.k8s.io/{} {}",
            csr.metadata.name,
            decision.past_tense()
        ),
    })
}

/// Go's `text/tabwriter` with the settings of kubectl's table printer (minwidth 6, tabwidth 4,
/// padding 3, pad with spaces, align left) over lines whose cells are separated by `\t`.
pub(crate) fn tabwrite(lines: &[String]) -> String {
    crate::go::tabwrite(lines, 6, 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_durations_match_kubernetes_examples() {
        for (s, want) in [
            (600, "10m"),
            (3600, "60m"),
            (86400, "24h"),
            (8760 * 3600, "365d"),
            (7 * 86400, "7d"),
            (2 * 365 * 86400, "2y"),
            (90, "90s"),
            (150, "2m30s"),
            (-1, "0s"),
            (-2, "<invalid>"),
            (3 * 3600 + 60, "3h1m"),
            (50 * 3600, "2d2h"),
            (3 * 365 * 86400 + 100 * 86400, "3y100d"),
            (i64::MAX, "292y"),
        ] {
            assert_eq!(human_duration(s), want, "{s}");
        }
    }

    #[test]
    fn cells_are_cut_and_escaped() {
        assert_eq!(cell_text("a\r\nb"), "a...");
        assert_eq!(cell_text("\u{c}x"), "...");
        assert_eq!(cell_text("e\u{1b}[31m"), "e^[[31m");
        assert_eq!(cell_text("t\tab"), "t\tab");
    }
}
