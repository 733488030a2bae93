//! Object validation as the API server does it on create and update
//! (`pkg/apis/rbac/validation`), with Kubernetes' field paths and messages.
//!
//! Checked: names (valid path segments), namespaces (present and an RFC 1123 label for Roles
//! and RoleBindings, absent otherwise), rules, aggregation selectors, role references, subjects,
//! and the immutable `roleRef` on update. Label and annotation syntax is not checked.

use super::GROUP_NAME;
use super::objects::{
    BindingSubject, ClusterRole, ClusterRoleBinding, GROUP_KIND, Object, ObjectMeta, PolicyRule,
    Role, RoleBinding, RoleRef, SERVICE_ACCOUNT_KIND, USER_KIND,
};
use crate::field::{
    BadValue, FieldError, aggregate, dns1123_label_errors, dns1123_subdomain_errors,
    path_segment_name_errors,
};
use crate::go;

/// An object the API server would refuse: `<Kind>.rbac.authorization.k8s.io "<name>" is
/// invalid: <errors>` (one error alone, several in `[a, b]`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{kind}.rbac.authorization.k8s.io {} is invalid: {}",
    go::quote(name),
    aggregate(errors)
)]
#[non_exhaustive]
pub struct ValidationError {
    /// `Role`, `ClusterRole`, `RoleBinding` or `ClusterRoleBinding`.
    pub kind: &'static str,
    /// The object's name.
    pub name: String,
    /// Every problem found, in Kubernetes' order.
    pub errors: Vec<FieldError>,
}

impl Object {
    /// Validates the object as the API server does on create.
    ///
    /// ```
    /// use kube_tls_bootstrap::rbac::{ClusterRoleBinding, Object, ObjectMeta, RoleRef, BindingSubject};
    /// let b = ClusterRoleBinding { metadata: ObjectMeta::named("b"),
    ///     subjects: vec![BindingSubject::service_account("", "default")],
    ///     role_ref: RoleRef::cluster_role("r") };
    /// assert_eq!(Object::from(b).validate().unwrap_err().to_string(),
    ///     "ClusterRoleBinding.rbac.authorization.k8s.io \"b\" is invalid: \
    ///      subjects[0].namespace: Required value");
    /// ```
    pub fn validate(&self) -> Result<(), ValidationError> {
        let errors = match self {
            Self::Role(o) => validate_role(o),
            Self::ClusterRole(o) => validate_cluster_role(o),
            Self::RoleBinding(o) => validate_role_binding(o),
            Self::ClusterRoleBinding(o) => validate_cluster_role_binding(o),
        };
        self.result(errors)
    }

    /// Validates the object as the API server does on update from `old`: everything
    /// [`validate`](Self::validate) checks, plus `roleRef` must not change
    /// (`roleRef: Invalid value: ...: cannot change roleRef`). Objects of different kinds are
    /// compared only by the create checks.
    pub fn validate_update(&self, old: &Self) -> Result<(), ValidationError> {
        let mut errors = match self {
            Self::Role(o) => validate_role(o),
            Self::ClusterRole(o) => validate_cluster_role(o),
            Self::RoleBinding(o) => validate_role_binding(o),
            Self::ClusterRoleBinding(o) => validate_cluster_role_binding(o),
        };
        let refs = match (self, old) {
            (Self::RoleBinding(n), Self::RoleBinding(o)) => Some((&n.role_ref, &o.role_ref)),
            (Self::ClusterRoleBinding(n), Self::ClusterRoleBinding(o)) => {
                Some((&n.role_ref, &o.role_ref))
            }
            _ => None,
        };
        if let Some((new, _)) = refs.filter(|(new, old)| new != old) {
            errors.push(invalid(
                "roleRef",
                go_role_ref(new),
                "cannot change roleRef",
            ));
        }
        self.result(errors)
    }

    fn result(&self, errors: Vec<FieldError>) -> Result<(), ValidationError> {
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ValidationError {
                kind: self.kind(),
                name: self.metadata().name.clone(),
                errors,
            })
        }
    }
}

fn validate_role(role: &Role) -> Vec<FieldError> {
    let mut errors = validate_meta(&role.metadata, true);
    for (i, rule) in role.rules.iter().enumerate() {
        validate_rule(rule, true, &format!("rules[{i}]"), &mut errors);
    }
    errors
}

fn validate_cluster_role(role: &ClusterRole) -> Vec<FieldError> {
    let mut errors = validate_meta(&role.metadata, false);
    for (i, rule) in role.rules.iter().enumerate() {
        validate_rule(rule, false, &format!("rules[{i}]"), &mut errors);
    }
    if let Some(aggregation) = &role.aggregation_rule {
        if aggregation.cluster_role_selectors.is_empty() {
            errors.push(FieldError::required(
                "aggregationRule.clusterRoleSelectors",
                "at least one clusterRoleSelector required if aggregationRule is non-nil",
            ));
        }
        for (i, selector) in aggregation.cluster_role_selectors.iter().enumerate() {
            let path = format!("aggregationRule.clusterRoleSelectors[{i}]");
            for (j, requirement) in selector.match_expressions.iter().enumerate() {
                let at = format!("{path}.matchExpressions[{j}]");
                match requirement.operator.as_str() {
                    "In" | "NotIn" if requirement.values.is_empty() => {
                        errors.push(FieldError::required(
                            format!("{at}.values"),
                            "must be specified when `operator` is 'In' or 'NotIn'",
                        ))
                    }
                    "Exists" | "DoesNotExist" if !requirement.values.is_empty() => {
                        errors.push(FieldError::forbidden(
                            format!("{at}.values"),
                            "may not be specified when `operator` is 'Exists' or \
                                     'DoesNotExist'",
                        ));
                    }
                    "In" | "NotIn" | "Exists" | "DoesNotExist" => {}
                    other => errors.push(invalid(
                        &format!("{at}.operator"),
                        go::quote(other),
                        "not a valid selector operator",
                    )),
                }
            }
            if selector.matches(&Default::default()).is_err() {
                // The selector Kubernetes failed to build is a nil interface: printed `null`.
                errors.push(invalid(&path, "null".to_owned(), "invalid label selector."));
            }
        }
    }
    errors
}

fn validate_rule(rule: &PolicyRule, namespaced: bool, path: &str, errors: &mut Vec<FieldError>) {
    if rule.verbs.is_empty() {
        errors.push(FieldError::required(
            format!("{path}.verbs"),
            "verbs must contain at least one value",
        ));
    }
    if !rule.non_resource_urls.is_empty() {
        let field = format!("{path}.nonResourceURLs");
        let value = go_string_slice(&rule.non_resource_urls);
        if namespaced {
            errors.push(invalid(
                &field,
                value.clone(),
                "namespaced rules cannot apply to non-resource URLs",
            ));
        }
        if !rule.api_groups.is_empty()
            || !rule.resources.is_empty()
            || !rule.resource_names.is_empty()
        {
            errors.push(invalid(
                &field,
                value,
                "rules cannot apply to both regular resources and non-resource URLs",
            ));
        }
        return;
    }
    if rule.api_groups.is_empty() {
        errors.push(FieldError::required(
            format!("{path}.apiGroups"),
            "resource rules must supply at least one api group",
        ));
    }
    if rule.resources.is_empty() {
        errors.push(FieldError::required(
            format!("{path}.resources"),
            "resource rules must supply at least one resource",
        ));
    }
}

fn validate_role_binding(binding: &RoleBinding) -> Vec<FieldError> {
    let mut errors = validate_meta(&binding.metadata, true);
    validate_role_ref(&binding.role_ref, &["Role", "ClusterRole"], &mut errors);
    for (i, subject) in binding.subjects.iter().enumerate() {
        validate_subject(subject, true, &format!("subjects[{i}]"), &mut errors);
    }
    errors
}

fn validate_cluster_role_binding(binding: &ClusterRoleBinding) -> Vec<FieldError> {
    let mut errors = validate_meta(&binding.metadata, false);
    validate_role_ref(&binding.role_ref, &["ClusterRole"], &mut errors);
    for (i, subject) in binding.subjects.iter().enumerate() {
        validate_subject(subject, false, &format!("subjects[{i}]"), &mut errors);
    }
    errors
}

fn validate_role_ref(role_ref: &RoleRef, kinds: &[&str], errors: &mut Vec<FieldError>) {
    if role_ref.api_group != GROUP_NAME {
        errors.push(not_supported(
            "roleRef.apiGroup",
            &role_ref.api_group,
            &[GROUP_NAME],
        ));
    }
    if !kinds.contains(&role_ref.kind.as_str()) {
        errors.push(not_supported("roleRef.kind", &role_ref.kind, kinds));
    }
    if role_ref.name.is_empty() {
        errors.push(FieldError::required("roleRef.name", ""));
    } else {
        for message in path_segment_name_errors(&role_ref.name) {
            errors.push(invalid("roleRef.name", go::quote(&role_ref.name), &message));
        }
    }
}

fn validate_subject(
    subject: &BindingSubject,
    namespaced: bool,
    path: &str,
    errors: &mut Vec<FieldError>,
) {
    if subject.name.is_empty() {
        errors.push(FieldError::required(format!("{path}.name"), ""));
    }
    match subject.kind.as_str() {
        SERVICE_ACCOUNT_KIND => {
            if !subject.name.is_empty() {
                for message in dns1123_subdomain_errors(&subject.name) {
                    errors.push(invalid(
                        &format!("{path}.name"),
                        go::quote(&subject.name),
                        &message,
                    ));
                }
            }
            if !subject.api_group.is_empty() {
                errors.push(not_supported(
                    &format!("{path}.apiGroup"),
                    &subject.api_group,
                    &[""],
                ));
            }
            if !namespaced && subject.namespace.is_empty() {
                errors.push(FieldError::required(format!("{path}.namespace"), ""));
            }
        }
        USER_KIND | GROUP_KIND => {
            if subject.api_group != GROUP_NAME {
                errors.push(not_supported(
                    &format!("{path}.apiGroup"),
                    &subject.api_group,
                    &[GROUP_NAME],
                ));
            }
        }
        _ => errors.push(not_supported(
            &format!("{path}.kind"),
            &subject.kind,
            &[SERVICE_ACCOUNT_KIND, USER_KIND, GROUP_KIND],
        )),
    }
}

fn validate_meta(meta: &ObjectMeta, namespaced: bool) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if meta.name.is_empty() {
        errors.push(FieldError::required(
            "metadata.name",
            "name or generateName is required",
        ));
    } else {
        for message in path_segment_name_errors(&meta.name) {
            errors.push(invalid("metadata.name", go::quote(&meta.name), &message));
        }
    }
    if namespaced {
        if meta.namespace.is_empty() {
            errors.push(FieldError::required("metadata.namespace", ""));
        } else {
            for message in dns1123_label_errors(&meta.namespace) {
                errors.push(invalid(
                    "metadata.namespace",
                    go::quote(&meta.namespace),
                    &message,
                ));
            }
        }
    } else if !meta.namespace.is_empty() {
        errors.push(FieldError::forbidden(
            "metadata.namespace".to_owned(),
            "not allowed on this type",
        ));
    }
    errors
}

/// `Invalid value` with the value already printed as Go prints it.
fn invalid(field: &str, value: String, detail: &str) -> FieldError {
    FieldError::invalid(field, BadValue::Printed(value), detail)
}

fn not_supported(field: &str, value: &str, supported: &[&str]) -> FieldError {
    FieldError::not_supported(field, value, supported.iter().copied())
}

/// Go's `%#v` of a `[]string`.
fn go_string_slice(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| go::quote(s)).collect();
    format!("[]string{{{}}}", quoted.join(", "))
}

/// Go's `%#v` of the internal `rbac.RoleRef`.
fn go_role_ref(r: &RoleRef) -> String {
    format!(
        "rbac.RoleRef{{APIGroup:{}, Kind:{}, Name:{}}}",
        go::quote(&r.api_group),
        go::quote(&r.kind),
        go::quote(&r.name)
    )
}
