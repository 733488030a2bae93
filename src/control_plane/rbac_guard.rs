//! kube-apiserver's guards on RBAC writes (`pkg/registry/rbac/*/policybased`,
//! `pkg/registry/rbac/escalation_check.go`): nobody grants permissions they do not hold, and
//! objects are validated before they are stored.
//!
//! - A ClusterRole may be created by a member of `system:masters`, by a user allowed `escalate`
//!   on `clusterroles`, or by a user whose own rules cover the role's rules; an aggregation rule
//!   needs `*` on everything ("must have cluster-admin privileges to use the aggregationRule").
//! - A ClusterRoleBinding may be created by a member of `system:masters`, by a user allowed
//!   `bind` on the referenced ClusterRole, or by a user whose own rules cover the role's rules;
//!   a reference to a role that does not exist is a 404.
//! - Then the object is validated (`pkg/apis/rbac/validation`): 422 with Kubernetes' causes.
//!
//! Refusals travel as the `Reply` the client receives, moved once into the output queue.
#![allow(clippy::result_large_err)]

use super::ControlPlane;
use super::server::Authorizers;
use crate::api::{GroupResource, Reply, Status};
use crate::go;
use crate::identity::UserInfo;
use crate::rbac::{
    Attributes, Authorize, ClusterRole, ClusterRoleBinding, GROUP_NAME, Object, PolicyRule,
};

/// `fullAuthority`: `*` on every resource of every group, and on every non-resource URL.
fn full_authority() -> [PolicyRule; 2] {
    let all = || vec!["*".to_owned()];
    [
        PolicyRule {
            verbs: all(),
            api_groups: all(),
            resources: all(),
            ..PolicyRule::default()
        },
        PolicyRule {
            verbs: all(),
            non_resource_urls: all(),
            ..PolicyRule::default()
        },
    ]
}

impl ControlPlane {
    /// Whether the authorizer chain allows `user` the special `verb` on the named `resource` of
    /// the RBAC group (`RoleEscalationAuthorized`, `BindingAuthorized`).
    fn rbac_verb_allowed(&self, user: &UserInfo, verb: &str, resource: &str, name: &str) -> bool {
        let mut attributes = Attributes::resource(user.clone(), verb, GROUP_NAME, resource);
        if !name.is_empty() {
            attributes = attributes.with_name(name);
        }
        Authorizers(&self.config.policy)
            .authorize(&attributes)
            .is_allowed()
    }

    /// The ClusterRole guard, then validation.
    pub(super) fn guard_cluster_role(
        &self,
        user: &UserInfo,
        role: &ClusterRole,
    ) -> Result<(), Reply> {
        let gr = GroupResource::cluster_roles();
        let name = &role.metadata.name;
        if !super::server::is_privileged(user)
            && !self.rbac_verb_allowed(user, "escalate", "clusterroles", "")
        {
            let policy = &self.config.policy;
            if let Err(e) = policy.confirm_no_escalation(user, "", &role.rules) {
                return Err(forbidden(&gr, name, &e.to_string()));
            }
            let aggregates = role
                .aggregation_rule
                .as_ref()
                .is_some_and(|a| !a.cluster_role_selectors.is_empty());
            if aggregates
                && policy
                    .confirm_no_escalation(user, "", &full_authority())
                    .is_err()
            {
                return Err(forbidden(
                    &gr,
                    name,
                    "must have cluster-admin privileges to use the aggregationRule",
                ));
            }
        }
        Object::ClusterRole(role.clone())
            .validate()
            .map_err(|e| Reply::Status(e.into()))
    }

    /// The ClusterRoleBinding guard, then validation.
    pub(super) fn guard_cluster_role_binding(
        &self,
        user: &UserInfo,
        binding: &ClusterRoleBinding,
    ) -> Result<(), Reply> {
        let name = &binding.metadata.name;
        let role_ref = &binding.role_ref;
        let bind_allowed = role_ref.kind == "ClusterRole"
            && self.rbac_verb_allowed(user, "bind", "clusterroles", &role_ref.name);
        // A reference to anything but a ClusterRole is left to validation (422); Kubernetes'
        // rule resolver fails such a reference with an internal error first.
        if !super::server::is_privileged(user) && !bind_allowed && role_ref.kind == "ClusterRole" {
            let policy = &self.config.policy;
            let Ok(rules) = policy.role_reference_rules(&role_ref.kind, &role_ref.name, "") else {
                return Err(Reply::Status(Status::not_found(
                    &GroupResource::cluster_roles(),
                    &role_ref.name,
                )));
            };
            if let Err(e) = policy.confirm_no_escalation(user, "", rules) {
                return Err(forbidden(
                    &GroupResource::cluster_role_bindings(),
                    name,
                    &e.to_string(),
                ));
            }
        }
        Object::ClusterRoleBinding(binding.clone())
            .validate()
            .map_err(|e| Reply::Status(e.into()))
    }
}

/// 403, `apierrors.NewForbidden`: `<resource>.<group> "<name>" is forbidden: <why>`.
fn forbidden(gr: &GroupResource, name: &str, why: &str) -> Reply {
    let message = format!("{gr} {} is forbidden: {why}", go::quote(name));
    Reply::Status(Status::forbidden(gr, name, message))
}
