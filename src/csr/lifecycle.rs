//! A request's place in its life, derived once from its conditions and certificate: what the
//! approving and signing controllers ask before they act, instead of each rescanning
//! `status.conditions` (k/k `pkg/controller/certificates/certificate_controller_utils.go`
//! `GetCertApprovalCondition`, `IsCertificateRequestApproved`, `HasTrueCondition`).

use super::types::{CertificateSigningRequest, ConditionStatus, ConditionType};

/// Whether anyone has decided on a request (condition types only, as Kubernetes reads them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Approval {
    /// Neither `Approved` nor `Denied`.
    Pending,
    /// `Approved` and no `Denied`.
    Approved,
    /// `Denied` (with or without an `Approved` an old API server let through: Kubernetes'
    /// signer refuses such a request and kubectl shows `Denied`).
    Denied,
}

/// The derived state of a request.
///
/// ```
/// use kube_tls_bootstrap::csr::{CertificateSigningRequest, CertificateSigningRequestCondition,
///     ConditionType, Lifecycle, Approval};
/// let mut csr = CertificateSigningRequest::new("csr-1");
/// assert!(Lifecycle::of(&csr).approver_should_act());
/// csr.status.conditions.push(CertificateSigningRequestCondition::new(ConditionType::Approved));
/// let state = Lifecycle::of(&csr);
/// assert_eq!(state.approval, Approval::Approved);
/// assert!(!state.approver_should_act() && state.signer_should_act());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Lifecycle {
    /// Pending, Approved or Denied.
    pub approval: Approval,
    /// A `Failed` condition whose status is `True` or empty (what stops the signer).
    pub failed: bool,
    /// A `Failed` condition of any status (what kubectl's CONDITION column shows).
    pub has_failed_condition: bool,
    /// `status.certificate` is set.
    pub issued: bool,
}

impl Lifecycle {
    /// Derives the state of `csr`.
    pub fn of(csr: &CertificateSigningRequest) -> Self {
        let mut approved = false;
        let mut denied = false;
        let mut failed = false;
        let mut has_failed_condition = false;
        for c in &csr.status.conditions {
            match c.type_ {
                ConditionType::Approved => approved = true,
                ConditionType::Denied => denied = true,
                ConditionType::Failed => {
                    has_failed_condition = true;
                    failed |=
                        matches!(c.status, ConditionStatus::True) || c.status.as_str().is_empty();
                }
                _ => {}
            }
        }
        let approval = match (approved, denied) {
            (_, true) => Approval::Denied,
            (true, false) => Approval::Approved,
            (false, false) => Approval::Pending,
        };
        Self {
            approval,
            failed,
            has_failed_condition,
            issued: !csr.status.certificate.is_empty(),
        }
    }

    /// csrapproving's guard (`sarapprove.go` `handle`): no certificate yet, neither Approved nor
    /// Denied.
    pub const fn approver_should_act(&self) -> bool {
        !self.issued && matches!(self.approval, Approval::Pending)
    }

    /// csrsigning's guard (`signer.go` `handle` and the controller's certificate check): no
    /// certificate yet, Approved and not Denied, not Failed.
    pub const fn signer_should_act(&self) -> bool {
        !self.issued && matches!(self.approval, Approval::Approved) && !self.failed
    }

    /// kubectl's CONDITION column (`Pending`, `Approved,Issued`, `Denied,Failed`, …).
    pub fn kubectl_condition(&self) -> String {
        let mut s = String::from(match self.approval {
            Approval::Pending => "Pending",
            Approval::Approved => "Approved",
            Approval::Denied => "Denied",
        });
        if self.has_failed_condition {
            s.push_str(",Failed");
        }
        if self.issued {
            s.push_str(",Issued");
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csr::{CertificateSigningRequestCondition, kubectl};

    fn with(types: &[(&str, &str)], cert: bool) -> CertificateSigningRequest {
        let mut csr = CertificateSigningRequest::new("x");
        for (t, s) in types {
            let mut c = CertificateSigningRequestCondition::new(ConditionType::parse(t));
            c.status = ConditionStatus::parse(s);
            csr.status.conditions.push(c);
        }
        if cert {
            csr.status.certificate = b"x".to_vec();
        }
        csr
    }

    #[test]
    fn predicates_follow_the_controllers() {
        type Case<'a> = (&'a [(&'a str, &'a str)], bool, bool, bool);
        let cases: &[Case<'_>] = &[
            (&[], false, true, false),
            (&[("Approved", "True")], false, false, true),
            (&[("Approved", "True")], true, false, false),
            (&[("Denied", "True")], false, false, false),
            (
                &[("Approved", "True"), ("Denied", "True")],
                false,
                false,
                false,
            ),
            (
                &[("Approved", "True"), ("Failed", "True")],
                false,
                false,
                false,
            ),
            (&[("Approved", "True"), ("Failed", "")], false, false, false),
            (
                &[("Approved", "True"), ("Failed", "False")],
                false,
                false,
                true,
            ),
            (&[("Approved", "False")], false, false, true),
            (&[("Failed", "True")], false, true, false),
        ];
        for (types, cert, approve, sign) in cases {
            let csr = with(types, *cert);
            let l = Lifecycle::of(&csr);
            assert_eq!(l.approver_should_act(), *approve, "{types:?} {cert}");
            assert_eq!(l.signer_should_act(), *sign, "{types:?} {cert}");
            assert_eq!(l.kubectl_condition(), kubectl::condition(&csr), "{types:?}");
        }
    }
}
