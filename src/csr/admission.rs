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
        // apierrors.NewForbidden leaves the name out when there is none (a create with
        // generateName, before the name is generated).
        if self.name.is_empty() {
            write!(
                f,
                "certificatesigningrequests.certificates.k8s.io is forbidden: {}",
                self.reason
            )
        } else {
            write!(
                f,
                "certificatesigningrequests.certificates.k8s.io {} is forbidden: {}",
                go::quote(&self.name),
                self.reason
            )
        }
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

/// NodeRestriction's CSR rule (k/k `plugin/pkg/admission/noderestriction/admission.go`
/// `admitCSR`, enforced since v1.31): a node (a user in `system:nodes` named
/// `system:node:<name>`) may create `kubernetes.io/kubelet-serving` and
/// `kubernetes.io/kube-apiserver-client-kubelet` requests only for `CN=system:node:<name>`.
/// Other users and other signers pass. NodeRestriction is a mutating plugin, so it runs before
/// `generateName` is applied: `csr.metadata.name` is what the client sent.
///
/// ```
/// use kube_tls_bootstrap::csr::{admission, CertificateSigningRequest};
/// use kube_tls_bootstrap::identity::UserInfo;
/// let node = UserInfo::new("system:node:node-1", ["system:nodes"]);
/// let mut csr = CertificateSigningRequest::new("");
/// csr.spec.signer_name = "kubernetes.io/kube-apiserver-client-kubelet".into();
/// csr.spec.request = b"not PEM".to_vec();
/// assert!(admission::node_restriction(&node, &csr).unwrap_err().to_string()
///     .starts_with("certificatesigningrequests.certificates.k8s.io is forbidden: unable to parse csr: "));
/// ```
pub fn node_restriction(user: &UserInfo, csr: &CertificateSigningRequest) -> Result<(), Forbidden> {
    let Some(node_name) = node_name(user) else {
        return Ok(());
    };
    let forbidden = |reason: String| Forbidden {
        name: csr.metadata.name.clone(),
        reason,
    };
    if node_name.is_empty() {
        return Err(forbidden(format!(
            "could not determine node from user {}",
            go::quote(&user.name)
        )));
    }
    let signer = csr.spec.signer_name.as_str();
    if signer != crate::pki::signers::KUBELET_SERVING
        && signer != crate::pki::signers::KUBE_APISERVER_CLIENT_KUBELET
    {
        return Ok(());
    }
    let common_name = super::request_check::request_common_name(&csr.spec.request)
        .map_err(|e| forbidden(format!("unable to parse csr: {e}")))?;
    if common_name != format!("{}{node_name}", crate::identity::NODE_USER_PREFIX) {
        return Err(forbidden(format!(
            "can only create a node CSR with CN=system:node:{node_name}"
        )));
    }
    Ok(())
}

/// `nodeidentifier.NodeIdentity`: the node name of a user in `system:nodes` whose name starts
/// with `system:node:` (possibly empty), `None` for anyone else.
pub fn node_name(user: &UserInfo) -> Option<&str> {
    if !user.in_group(crate::identity::NODES_GROUP) {
        return None;
    }
    user.name.strip_prefix(crate::identity::NODE_USER_PREFIX)
}
