//! Escalation prevention: a user may only grant (in a Role, ClusterRole or binding) the
//! permissions they already hold (Kubernetes' `ConfirmNoEscalation` and `Covers`).

use std::collections::BTreeSet;

use super::objects::{PolicyRule, WILDCARD};
use super::policy::Policy;
use crate::go;
use crate::identity::UserInfo;

/// A grant refused because the requester does not hold every permission in it.
///
/// The message is Kubernetes' text: `user "<name>" (groups=[...]) is attempting to grant RBAC
/// permissions not currently held:` and one compact rule per line, sorted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
#[non_exhaustive]
pub struct EscalationError {
    /// The permissions not held, broken down to one verb, group, resource and name each.
    pub missing: Vec<PolicyRule>,
    /// Role-resolution errors met while collecting the requester's rules.
    pub resolution_errors: Vec<String>,
    message: String,
}

impl PolicyRule {
    /// The compact form Kubernetes prints in escalation errors (`CompactString`):
    /// `{APIGroups:["g"], Resources:["r"], Verbs:["v"]}`, empty lists left out.
    pub fn compact_string(&self) -> String {
        let mut parts = Vec::new();
        for (label, list) in [
            ("APIGroups", &self.api_groups),
            ("Resources", &self.resources),
            ("NonResourceURLs", &self.non_resource_urls),
            ("ResourceNames", &self.resource_names),
            ("Verbs", &self.verbs),
        ] {
            if !list.is_empty() {
                parts.push(format!("{label}:{}", go::quote_list(list)));
            }
        }
        format!("{{{}}}", parts.join(", "))
    }
}

/// Splits a rule into rules of one API group, resource, verb and (if any) name each, and one
/// URL and verb each (Kubernetes' `BreakdownRule`).
pub fn breakdown_rule(rule: &PolicyRule) -> Vec<PolicyRule> {
    let mut out = Vec::new();
    for group in &rule.api_groups {
        for resource in &rule.resources {
            for verb in &rule.verbs {
                let base = PolicyRule::new([verb.clone()])
                    .groups([group.clone()])
                    .resources([resource.clone()]);
                if rule.resource_names.is_empty() {
                    out.push(base);
                } else {
                    out.extend(
                        rule.resource_names
                            .iter()
                            .map(|name| base.clone().names([name.clone()])),
                    );
                }
            }
        }
    }
    for url in &rule.non_resource_urls {
        for verb in &rule.verbs {
            out.push(PolicyRule::new([verb.clone()]).urls([url.clone()]));
        }
    }
    out
}

/// Whether `owner` rules cover every permission of `servant` rules, and the broken-down
/// permissions they do not cover (Kubernetes' `Covers`).
pub fn covers(owner: &[PolicyRule], servant: &[PolicyRule]) -> (bool, Vec<PolicyRule>) {
    let uncovered: Vec<PolicyRule> = servant
        .iter()
        .flat_map(breakdown_rule)
        .filter(|sub| !owner.iter().any(|o| rule_covers(o, sub)))
        .collect();
    (uncovered.is_empty(), uncovered)
}

/// Merges rules that differ only in their verbs and name one API group, one resource and at
/// most one resource name (Kubernetes' `CompactRules`). Other rules are kept as they are.
pub fn compact_rules(rules: &[PolicyRule]) -> Vec<PolicyRule> {
    let mut compacted = Vec::new();
    let mut simple: Vec<PolicyRule> = Vec::new();
    for rule in rules {
        let is_simple = rule.resource_names.len() <= 1
            && rule.non_resource_urls.is_empty()
            && rule.api_groups.len() == 1
            && rule.resources.len() == 1;
        if !is_simple {
            compacted.push(rule.clone());
            continue;
        }
        let same = simple.iter_mut().find(|s| {
            s.api_groups == rule.api_groups
                && s.resources == rule.resources
                && s.resource_names == rule.resource_names
        });
        match same {
            Some(existing) => {
                for verb in &rule.verbs {
                    if !existing.verbs.contains(verb) {
                        existing.verbs.push(verb.clone());
                    }
                }
            }
            None => simple.push(rule.clone()),
        }
    }
    compacted.extend(simple);
    compacted
}

impl Policy {
    /// Every rule granted to `user` by ClusterRoleBindings and (when `namespace` is not empty)
    /// the RoleBindings of `namespace`, with the role-resolution errors met (Kubernetes'
    /// `RulesFor`).
    pub fn rules_for(&self, user: &UserInfo, namespace: &str) -> (Vec<PolicyRule>, Vec<String>) {
        let mut rules = Vec::new();
        let mut errors = Vec::new();
        let mut take = |result: Result<&[PolicyRule], String>| match result {
            Ok(r) => rules.extend_from_slice(r),
            Err(e) => errors.push(e),
        };
        for b in self.cluster_role_bindings() {
            if b.subjects.iter().any(|s| s.applies_to(user, "")) {
                take(self.role_reference_rules(&b.role_ref.kind, &b.role_ref.name, ""));
            }
        }
        if !namespace.is_empty() {
            for b in self.role_bindings(namespace) {
                if b.subjects.iter().any(|s| s.applies_to(user, namespace)) {
                    take(self.role_reference_rules(&b.role_ref.kind, &b.role_ref.name, namespace));
                }
            }
        }
        (rules, errors)
    }

    /// Refuses to let `user` grant `rules` in `namespace` (empty for cluster-wide objects)
    /// unless the rules RBAC gives `user` there cover them (Kubernetes'
    /// `ConfirmNoEscalation`). Members of `system:masters`, and users allowed the `escalate`
    /// (roles) or `bind` (bindings) verb, skip this check in Kubernetes; the caller decides
    /// whether it applies.
    ///
    /// ```
    /// use kube_tls_bootstrap::identity::UserInfo;
    /// use kube_tls_bootstrap::rbac::{Policy, bootstrap};
    /// let policy = Policy::new();
    /// let user = UserInfo::new("mallory", ["system:authenticated"]);
    /// let err = policy.confirm_no_escalation(&user, "",
    ///     &bootstrap::csr_cluster_roles()[0].rules).unwrap_err();
    /// assert_eq!(err.to_string(), "user \"mallory\" (groups=[\"system:authenticated\"]) is \
    ///     attempting to grant RBAC permissions not currently held:\n\
    ///     {APIGroups:[\"certificates.k8s.io\"], Resources:[\"certificatesigningrequests\"], \
    ///     Verbs:[\"create\" \"get\" \"list\" \"watch\"]}");
    /// ```
    pub fn confirm_no_escalation(
        &self,
        user: &UserInfo,
        namespace: &str,
        rules: &[PolicyRule],
    ) -> Result<(), EscalationError> {
        let (owner, resolution_errors) = self.rules_for(user, namespace);
        let (covered, missing) = covers(&owner, rules);
        if covered {
            return Ok(());
        }
        let descriptions: BTreeSet<String> = compact_rules(&missing)
            .iter()
            .map(PolicyRule::compact_string)
            .collect();
        let mut message = format!(
            "user {} (groups={}) is attempting to grant RBAC permissions not currently held:\n{}",
            go::quote(&user.name),
            go::quote_list(&user.groups),
            descriptions.into_iter().collect::<Vec<_>>().join("\n")
        );
        if !resolution_errors.is_empty() {
            message.push_str(&format!(
                "; resolution errors: [{}]",
                resolution_errors.join(" ")
            ));
        }
        Err(EscalationError {
            missing,
            resolution_errors,
            message,
        })
    }
}

/// Whether `owner` covers `sub`, a rule of at most one verb, group, resource and name
/// (Kubernetes' `ruleCovers`).
fn rule_covers(owner: &PolicyRule, sub: &PolicyRule) -> bool {
    let verbs = has(&owner.verbs, WILDCARD) || has_all(&owner.verbs, &sub.verbs);
    let groups = has(&owner.api_groups, WILDCARD) || has_all(&owner.api_groups, &sub.api_groups);
    let resources = resource_covers_all(&owner.resources, &sub.resources);
    let urls = sub
        .non_resource_urls
        .iter()
        .all(|path| owner.non_resource_urls.iter().any(|o| url_covers(o, path)));
    let names = if sub.resource_names.is_empty() {
        owner.resource_names.is_empty()
    } else {
        owner.resource_names.is_empty() || has_all(&owner.resource_names, &sub.resource_names)
    };
    verbs && groups && resources && names && urls
}

fn has(set: &[String], item: &str) -> bool {
    set.iter().any(|s| s == item)
}

fn has_all(set: &[String], items: &[String]) -> bool {
    items.iter().all(|i| has(set, i))
}

fn resource_covers_all(owner: &[String], resources: &[String]) -> bool {
    if has(owner, WILDCARD) || has_all(owner, resources) {
        return true;
    }
    resources.iter().all(|path| {
        if has(owner, path) {
            return true;
        }
        match path.split_once('/') {
            Some((_, sub)) => has(owner, &format!("*/{sub}")),
            None => false,
        }
    })
}

fn url_covers(owner: &str, path: &str) -> bool {
    owner == path || (owner.ends_with('*') && path.starts_with(owner.trim_end_matches('*')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_strings() {
        let r = PolicyRule::new(["get", "list"])
            .groups([""])
            .resources(["configmaps"])
            .names(["a"]);
        assert_eq!(
            r.compact_string(),
            r#"{APIGroups:[""], Resources:["configmaps"], ResourceNames:["a"], Verbs:["get" "list"]}"#
        );
        assert_eq!(
            PolicyRule::new(["get"]).urls(["/x"]).compact_string(),
            r#"{NonResourceURLs:["/x"], Verbs:["get"]}"#
        );
        assert_eq!(PolicyRule::default().compact_string(), "{}");
    }

    #[test]
    fn covers_like_kubernetes() {
        let owner = [
            PolicyRule::new(["*"]).groups(["g"]).resources(["*/status"]),
            PolicyRule::new(["get"]).urls(["/apis/*"]),
            PolicyRule::new(["get"])
                .groups(["g"])
                .resources(["r"])
                .names(["n"]),
        ];
        let ok = [
            PolicyRule::new(["update"])
                .groups(["g"])
                .resources(["pods/status"]),
            PolicyRule::new(["get"]).urls(["/apis/v1"]),
            PolicyRule::new(["get"])
                .groups(["g"])
                .resources(["r"])
                .names(["n"]),
        ];
        assert_eq!(covers(&owner, &ok), (true, vec![]));
        let (covered, missing) = covers(
            &owner,
            &[PolicyRule::new(["get", "list"])
                .groups(["g"])
                .resources(["r"])],
        );
        assert!(!covered);
        assert_eq!(
            compact_rules(&missing),
            [PolicyRule::new(["get", "list"])
                .groups(["g"])
                .resources(["r"])]
        );
    }
}
