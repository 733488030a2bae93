//! The three CSR admission plugins kube-apiserver enables by default
//! (k/k `plugin/pkg/admission/certificates/`), over the RBAC authorizer.

use std::fmt;

use super::types::CertificateSigningRequest;
use crate::go;
use crate::identity::UserInfo;
use crate::pki::KnownSigner;
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
    /// Which rule refused it; `Display` is the plugin's text.
    pub reason: ForbiddenReason,
}

/// Why an admission plugin refused a request. `Display` is Kubernetes' text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ForbiddenReason {
    /// CertificateApproval (`verb` `approve`) or CertificateSigning (`sign`): the user may not
    /// `verb` requests of this signer.
    #[error("user not permitted to {verb} requests with signerName {}", go::quote(.signer_name))]
    NotPermitted {
        /// `approve` or `sign`.
        verb: &'static str,
        /// The old object's `spec.signerName`.
        signer_name: String,
    },
    /// CertificateSubjectRestriction: `system:masters` in the subject of a
    /// `kubernetes.io/kube-apiserver-client` request.
    #[error("use of {signer_name} signer with system:masters group is not allowed")]
    SystemMasters {
        /// The signer name.
        signer_name: String,
    },
    /// CertificateSubjectRestriction could not parse the request.
    #[error("failed to parse CSR: {0}")]
    SubjectRestrictionParse(String),
    /// NodeRestriction: a `system:nodes` user named exactly `system:node:`.
    #[error("could not determine node from user {}", go::quote(.0))]
    UnknownNode(String),
    /// NodeRestriction could not parse the request.
    #[error("unable to parse csr: {0}")]
    NodeRestrictionParse(String),
    /// NodeRestriction: a node asked for another subject.
    #[error("can only create a node CSR with CN=system:node:{node_name}")]
    NodeCommonName {
        /// The requesting node's name.
        node_name: String,
    },
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
            reason: ForbiddenReason::NotPermitted {
                verb: "approve",
                signer_name: signer.clone(),
            },
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
            reason: ForbiddenReason::NotPermitted {
                verb: "sign",
                signer_name: signer.clone(),
            },
        })
    }
}

/// **CertificateSubjectRestriction**, for a CREATE: a request for
/// `kubernetes.io/kube-apiserver-client` may not ask for the `system:masters` organization.
///
/// `csr` is the object as submitted (its `metadata.name` is the name the error carries).
pub fn subject_restriction(csr: &CertificateSigningRequest) -> Result<(), Forbidden> {
    let signer = &csr.spec.signer_name;
    if !KnownSigner::from_name(signer).is_some_and(KnownSigner::refuses_system_masters) {
        return Ok(());
    }
    let forbidden = |reason: ForbiddenReason| Forbidden {
        name: csr.metadata.name.clone(),
        reason,
    };
    let organizations = super::request_check::request_organizations(&csr.spec.request)
        .map_err(|e| forbidden(ForbiddenReason::SubjectRestrictionParse(e)))?;
    if organizations
        .iter()
        .any(|o| o == crate::identity::SYSTEM_PRIVILEGED_GROUP)
    {
        return Err(forbidden(ForbiddenReason::SystemMasters {
            signer_name: signer.clone(),
        }));
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
    let forbidden = |reason: ForbiddenReason| Forbidden {
        name: csr.metadata.name.clone(),
        reason,
    };
    if node_name.is_empty() {
        return Err(forbidden(ForbiddenReason::UnknownNode(user.name.clone())));
    }
    if !KnownSigner::from_name(&csr.spec.signer_name).is_some_and(KnownSigner::node_restricted) {
        return Ok(());
    }
    let common_name = super::request_check::request_common_name(&csr.spec.request)
        .map_err(|e| forbidden(ForbiddenReason::NodeRestrictionParse(e)))?;
    if common_name != format!("{}{node_name}", crate::identity::NODE_USER_PREFIX) {
        return Err(forbidden(ForbiddenReason::NodeCommonName {
            node_name: node_name.to_owned(),
        }));
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
