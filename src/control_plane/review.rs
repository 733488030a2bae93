//! SubjectAccessReviews: the API server's authorizer chain asked directly.

use super::ControlPlane;
use super::server::Authorizers;
use crate::rbac::{Attributes, Authorize, Decision};

impl ControlPlane {
    /// What kube-apiserver's authorizer chain (`system:masters`, Node, RBAC) decides for
    /// `attributes`, as a `SubjectAccessReview` (and `kubectl auth can-i`) reports it.
    pub fn subject_access_review(&self, attributes: &Attributes) -> Decision {
        Authorizers(&self.config.policy).authorize(attributes)
    }
}
