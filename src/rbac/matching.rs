//! Rule and subject matching, exactly as Kubernetes' `RuleAllows` and `appliesTo` do it.

use super::Attributes;
use super::objects::{
    BindingSubject, GROUP_KIND, PolicyRule, SERVICE_ACCOUNT_KIND, SERVICE_ACCOUNT_USER_PREFIX,
    USER_KIND, WILDCARD,
};
use crate::identity::UserInfo;

impl PolicyRule {
    /// Whether this rule allows the request (Kubernetes' `rbac.RuleAllows`).
    ///
    /// A resource request needs a matching verb, API group, resource and name; a non-resource
    /// request a matching verb and URL. `*` matches anything in its list; `*/sub` matches the
    /// subresource `sub` of any resource; a URL ending in `*` matches every path that starts with
    /// the URL without its trailing `*`s. Nothing else is a pattern: `pods/*` is a literal.
    ///
    /// ```
    /// use kube_tls_bootstrap::identity::UserInfo;
    /// use kube_tls_bootstrap::rbac::{Attributes, PolicyRule};
    /// let rule = PolicyRule::new(["create"]).groups(["certificates.k8s.io"])
    ///     .resources(["certificatesigningrequests/nodeclient"]);
    /// let sar = Attributes::resource(UserInfo::default(), "create", "certificates.k8s.io",
    ///     "certificatesigningrequests").with_subresource("nodeclient");
    /// assert!(rule.allows(&sar));
    /// assert!(!rule.allows(&sar.clone().with_subresource("selfnodeclient")));
    /// ```
    pub fn allows(&self, attributes: &Attributes) -> bool {
        if !verb_matches(&self.verbs, &attributes.verb) {
            return false;
        }
        if attributes.resource_request {
            api_group_matches(&self.api_groups, &attributes.api_group)
                && resource_matches(
                    &self.resources,
                    &attributes.resource,
                    &attributes.subresource,
                )
                && resource_name_matches(&self.resource_names, &attributes.name)
        } else {
            non_resource_url_matches(&self.non_resource_urls, &attributes.path)
        }
    }
}

impl BindingSubject {
    /// Whether this subject names `user`, for a binding in `binding_namespace` (empty for a
    /// ClusterRoleBinding). A ServiceAccount without a namespace takes the binding's; with
    /// neither it matches nobody. Unknown kinds match nobody. `apiGroup` is not looked at.
    pub fn applies_to(&self, user: &UserInfo, binding_namespace: &str) -> bool {
        match self.kind.as_str() {
            USER_KIND => user.name == self.name,
            GROUP_KIND => user.groups.contains(&self.name),
            SERVICE_ACCOUNT_KIND => {
                let namespace = if self.namespace.is_empty() {
                    binding_namespace
                } else {
                    &self.namespace
                };
                !namespace.is_empty() && is_service_account_user(&user.name, namespace, &self.name)
            }
            _ => false,
        }
    }
}

/// The index of the first subject in `subjects` that applies to `user` (Kubernetes'
/// `appliesTo`); the reason string names that subject.
pub(crate) fn first_applying_subject(
    subjects: &[BindingSubject],
    user: &UserInfo,
    binding_namespace: &str,
) -> Option<usize> {
    subjects
        .iter()
        .position(|s| s.applies_to(user, binding_namespace))
}

/// `user == "system:serviceaccount:" + namespace + ":" + name`, without building the string.
pub(crate) fn is_service_account_user(user: &str, namespace: &str, name: &str) -> bool {
    user.strip_prefix(SERVICE_ACCOUNT_USER_PREFIX)
        .and_then(|rest| rest.strip_prefix(namespace))
        .and_then(|rest| rest.strip_prefix(':'))
        .is_some_and(|rest| rest == name)
}

pub(crate) fn verb_matches(verbs: &[String], verb: &str) -> bool {
    verbs.iter().any(|v| v == WILDCARD || v == verb)
}

pub(crate) fn api_group_matches(groups: &[String], group: &str) -> bool {
    groups.iter().any(|g| g == WILDCARD || g == group)
}

pub(crate) fn resource_matches(resources: &[String], resource: &str, subresource: &str) -> bool {
    resources.iter().any(|r| {
        r == WILDCARD
            || is_combined(r, resource, subresource)
            || (!subresource.is_empty()
                && r.strip_prefix("*/").is_some_and(|sub| sub == subresource))
    })
}

/// `entry == resource` (no subresource) or `entry == resource + "/" + subresource`, without
/// building the combined string.
pub(crate) fn is_combined(entry: &str, resource: &str, subresource: &str) -> bool {
    if subresource.is_empty() {
        return entry == resource;
    }
    entry
        .strip_prefix(resource)
        .and_then(|rest| rest.strip_prefix('/'))
        .is_some_and(|rest| rest == subresource)
}

pub(crate) fn resource_name_matches(names: &[String], name: &str) -> bool {
    names.is_empty() || names.iter().any(|n| n == name)
}

pub(crate) fn non_resource_url_matches(urls: &[String], path: &str) -> bool {
    urls.iter().any(|u| {
        u == WILDCARD
            || u == path
            || (u.ends_with('*') && path.starts_with(u.trim_end_matches('*')))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combined_resource_comparison() {
        assert!(is_combined("pods/status", "pods", "status"));
        assert!(is_combined("pods", "pods", ""));
        assert!(!is_combined("pods", "pods", "status"));
        assert!(!is_combined("pods/status", "pods", ""));
        assert!(!is_combined("pods/statu", "pods", "status"));
        assert!(!is_combined("podsx/status", "pods", "status"));
        // A resource containing a slash still compares as the joined string does.
        assert!(is_combined("a/b/c", "a/b", "c"));
        assert!(is_combined("a/b/c", "a", "b/c"));
    }

    #[test]
    fn service_account_user_comparison() {
        assert!(is_service_account_user(
            "system:serviceaccount:ns:sa",
            "ns",
            "sa"
        ));
        assert!(is_service_account_user(
            "system:serviceaccount:a:b:c",
            "a:b",
            "c"
        ));
        assert!(is_service_account_user(
            "system:serviceaccount:a:b:c",
            "a",
            "b:c"
        ));
        assert!(!is_service_account_user(
            "system:serviceaccount:ns:sa",
            "n",
            "s:sa"
        ));
        assert!(!is_service_account_user(
            "system:serviceaccounts:ns",
            "ns",
            ""
        ));
    }
}
