//! The three CSR admission plugins kube-apiserver enables by default
//! (k/k `plugin/pkg/admission/certificates/`), over the RBAC authorizer.

use std::fmt;

use super::types::CertificateSigningRequest;
use crate::go;
use crate::identity::UserInfo;
use crate::rbac::Authorize;

/// The API group of CSRs and of the `signers` pseudo-resource.
pub const GROUP: &str = "certificates.k8s.io";
/// The resource approve and sign permissions are checked on.
pub const SIGNERS_RESOURCE: &str = "signers";

/// A request an admission plugin refused: `<resource>.<group> "<name>" is forbidden: <reason>`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct Forbidden {
    /// The object name as the request carried it (empty for a `generateName` create).
    pub name: String,
    /// The plugin's reason, e.g. `user not permitted to approve requests with signerName "…"`.
    pub reason: String,
}

impl fmt::Display for Forbidden {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "certificatesigningrequests.certificates.k8s.io {} is forbidden: {}",
            go::quote(&self.name),
            self.reason
        )
    }
}

/// Kubernetes' `IsAuthorizedForSignerName`, shared with the RBAC layer.
pub use crate::rbac::is_authorized_for_signer_name;

/// **CertificateApproval**, for an UPDATE of `certificatesigningrequests/approval`: the
/// requester needs `approve` on the *old* object's signer name.
pub fn approval(
    authorizer: &dyn Authorize,
    user: &UserInfo,
    old: &CertificateSigningRequest,
) -> Result<(), Forbidden> {
    let signer = &old.spec.signer_name;
    if is_authorized_for_signer_name(authorizer, user, "approve", signer) {
        Ok(())
    } else {
        Err(Forbidden {
            name: old.metadata.name.clone(),
            reason: format!(
                "user not permitted to approve requests with signerName {}",
                go::quote(signer)
            ),
        })
    }
}

/// **CertificateSigning**, for an UPDATE of `certificatesigningrequests/status`: when the update
/// changes `status.certificate` or `status.conditions`, the requester needs `sign` on the old
/// object's signer name.
pub fn signing(
    authorizer: &dyn Authorize,
    user: &UserInfo,
    new: &CertificateSigningRequest,
    old: &CertificateSigningRequest,
) -> Result<(), Forbidden> {
    if new.status.certificate == old.status.certificate
        && new.status.conditions == old.status.conditions
    {
        return Ok(());
    }
    let signer = &old.spec.signer_name;
    if is_authorized_for_signer_name(authorizer, user, "sign", signer) {
        Ok(())
    } else {
        Err(Forbidden {
            name: old.metadata.name.clone(),
            reason: format!(
                "user not permitted to sign requests with signerName {}",
                go::quote(signer)
            ),
        })
    }
}

/// **CertificateSubjectRestriction**, for a CREATE: a request for
/// `kubernetes.io/kube-apiserver-client` may not ask for the `system:masters` organization.
///
/// `csr` is the object as submitted (its `metadata.name` is the name the error carries).
pub fn subject_restriction(csr: &CertificateSigningRequest) -> Result<(), Forbidden> {
    let signer = &csr.spec.signer_name;
    if signer != crate::pki::signers::KUBE_APISERVER_CLIENT {
        return Ok(());
    }
    let forbidden = |reason: String| Forbidden {
        name: csr.metadata.name.clone(),
        reason,
    };
    let organizations = super::request_check::request_organizations(&csr.spec.request)
        .map_err(|e| forbidden(format!("failed to parse CSR: {e}")))?;
    if organizations
        .iter()
        .any(|o| o == crate::identity::SYSTEM_PRIVILEGED_GROUP)
    {
        return Err(forbidden(format!(
            "use of {signer} signer with system:masters group is not allowed"
        )));
    }
    Ok(())
}
