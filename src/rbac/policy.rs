//! The RBAC authorizer as Kubernetes runs it: a walk over every binding for every decision,
//! with the exact reason strings, and the same walk keeping its evidence as an [`Explanation`].

use std::collections::BTreeMap;

use super::matching::first_applying_subject;
use super::objects::{
    BindingSubject, ClusterRole, ClusterRoleBinding, Object, PolicyRule, Role, RoleBinding,
};
use super::{Attributes, Authorize, Decision};
use crate::go;

/// The RBAC objects an API server's informers would hold: the input of the authorizer.
///
/// Bindings are visited in the order they were added (Kubernetes visits them in Go-map order,
/// which changes from request to request; only the reason string can depend on the order, never
/// the decision). A Role or ClusterRole added under a name already present replaces the earlier
/// one, as applying the manifests in order would.
///
/// `Policy` implements [`Authorize`] as the straightforward walk; see
/// [`IndexedAuthorizer`](super::IndexedAuthorizer) for the fast path with identical answers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    cluster_roles: BTreeMap<String, ClusterRole>,
    roles: BTreeMap<String, BTreeMap<String, Role>>,
    cluster_role_bindings: Vec<ClusterRoleBinding>,
    role_bindings: BTreeMap<String, Vec<RoleBinding>>,
}

/// Which kind of binding granted or matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BindingKind {
    /// A ClusterRoleBinding.
    ClusterRoleBinding,
    /// A RoleBinding (in the request's namespace).
    RoleBinding,
}

/// A binding whose subjects matched the user, as an explanation names it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MatchedBinding {
    /// ClusterRoleBinding or RoleBinding.
    pub kind: BindingKind,
    /// The binding's name.
    pub name: String,
    /// The binding's namespace (empty for a ClusterRoleBinding).
    pub namespace: String,
    /// The role it grants, as written (`kind` may be anything in an unvalidated object).
    pub role_kind: String,
    /// The role's name.
    pub role_name: String,
    /// The first subject that matched, and its index in the binding's subject list.
    pub subject: BindingSubject,
    /// Index of `subject` in the binding's `subjects`.
    pub subject_index: usize,
    /// Why the role could not be used, when it could not (the error text Kubernetes collects).
    pub error: Option<String>,
}

/// The rule that allowed a request, and where it came from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Grant {
    /// The binding, role and subject.
    pub binding: MatchedBinding,
    /// Index of the allowing rule in the role's `rules`.
    pub rule_index: usize,
    /// The allowing rule.
    pub rule: PolicyRule,
}

/// A decision with its evidence, as data: what an admin needs when a request is refused.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Explanation {
    /// The decision and Kubernetes' reason string, identical to [`Policy::authorize`].
    pub decision: Decision,
    /// For Allow: the binding, role, rule index and subject.
    pub grant: Option<Grant>,
    /// For NoOpinion: every binding whose subjects matched but whose role did not allow (or
    /// could not be resolved), in visiting order.
    pub matched: Vec<MatchedBinding>,
    /// For NoOpinion: the smallest rule that would allow the request.
    pub missing_rule: Option<PolicyRule>,
}

impl Policy {
    /// An empty policy.
    pub fn new() -> Self {
        Self::default()
    }

    /// A policy holding `objects`, in order.
    pub fn from_objects(objects: impl IntoIterator<Item = Object>) -> Self {
        let mut policy = Self::new();
        for object in objects {
            policy.add(object);
        }
        policy
    }

    /// Adds one object: bindings are appended, roles replace any of the same name.
    pub fn add(&mut self, object: Object) {
        match object {
            Object::Role(r) => self.add_role(r),
            Object::ClusterRole(r) => self.add_cluster_role(r),
            Object::RoleBinding(b) => self.add_role_binding(b),
            Object::ClusterRoleBinding(b) => self.add_cluster_role_binding(b),
        }
    }

    /// Adds (or replaces) a ClusterRole.
    pub fn add_cluster_role(&mut self, role: ClusterRole) {
        self.cluster_roles.insert(role.metadata.name.clone(), role);
    }

    /// Adds (or replaces) a Role in its namespace.
    pub fn add_role(&mut self, role: Role) {
        self.roles
            .entry(role.metadata.namespace.clone())
            .or_default()
            .insert(role.metadata.name.clone(), role);
    }

    /// Appends a ClusterRoleBinding.
    pub fn add_cluster_role_binding(&mut self, binding: ClusterRoleBinding) {
        self.cluster_role_bindings.push(binding);
    }

    /// Removes the ClusterRole `name`, returning it (`kubectl delete clusterrole`).
    pub fn remove_cluster_role(&mut self, name: &str) -> Option<ClusterRole> {
        self.cluster_roles.remove(name)
    }

    /// Removes the first ClusterRoleBinding named `name`, returning it (`kubectl delete
    /// clusterrolebinding`); the others keep their order.
    pub fn remove_cluster_role_binding(&mut self, name: &str) -> Option<ClusterRoleBinding> {
        let i = self
            .cluster_role_bindings
            .iter()
            .position(|b| b.metadata.name == name)?;
        Some(self.cluster_role_bindings.remove(i))
    }

    /// Appends a RoleBinding to those of its namespace.
    pub fn add_role_binding(&mut self, binding: RoleBinding) {
        self.role_bindings
            .entry(binding.metadata.namespace.clone())
            .or_default()
            .push(binding);
    }

    /// The ClusterRole `name`.
    pub fn cluster_role(&self, name: &str) -> Option<&ClusterRole> {
        self.cluster_roles.get(name)
    }

    /// The Role `name` in `namespace`.
    pub fn role(&self, namespace: &str, name: &str) -> Option<&Role> {
        self.roles.get(namespace)?.get(name)
    }

    /// All ClusterRoles, by name.
    pub fn cluster_roles(&self) -> impl Iterator<Item = &ClusterRole> + Clone {
        self.cluster_roles.values()
    }

    /// Mutable access to the ClusterRoles (aggregation rewrites their rules).
    pub(crate) fn cluster_roles_mut(&mut self) -> &mut BTreeMap<String, ClusterRole> {
        &mut self.cluster_roles
    }

    /// All Roles, by namespace then name.
    pub fn roles(&self) -> impl Iterator<Item = &Role> {
        self.roles.values().flat_map(BTreeMap::values)
    }

    /// The ClusterRoleBindings, in visiting order.
    pub fn cluster_role_bindings(&self) -> &[ClusterRoleBinding] {
        &self.cluster_role_bindings
    }

    /// The RoleBindings of `namespace`, in visiting order.
    pub fn role_bindings(&self, namespace: &str) -> &[RoleBinding] {
        self.role_bindings
            .get(namespace)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// All RoleBindings, by namespace, each namespace in visiting order.
    pub fn all_role_bindings(&self) -> impl Iterator<Item = &RoleBinding> {
        self.role_bindings.values().flatten()
    }

    /// The rules a role reference grants in a binding of `binding_namespace` (empty for a
    /// ClusterRoleBinding), or the error Kubernetes' rule resolver gives
    /// (`GetRoleReferenceRules`): a lister NotFound, or an unsupported kind.
    pub fn role_reference_rules(
        &self,
        kind: &str,
        name: &str,
        binding_namespace: &str,
    ) -> Result<&[PolicyRule], String> {
        match kind {
            "Role" => self
                .role(binding_namespace, name)
                .map(|r| r.rules.as_slice())
                .ok_or_else(|| not_found("role", name)),
            "ClusterRole" => self
                .cluster_role(name)
                .map(|r| r.rules.as_slice())
                .ok_or_else(|| not_found("clusterrole", name)),
            other => {
                let mut e = String::from("unsupported role reference kind: ");
                go::push_quoted(&mut e, other);
                Err(e)
            }
        }
    }

    /// The decision with its evidence: the granting binding and rule, or the bindings that
    /// matched without allowing and the smallest rule that would have allowed.
    ///
    /// ```
    /// use kube_tls_bootstrap::identity::UserInfo;
    /// use kube_tls_bootstrap::rbac::{Attributes, Policy, bootstrap};
    /// let policy = Policy::from_objects(bootstrap::csr_cluster_roles().into_iter()
    ///     .map(Into::into).chain(bootstrap::kubeadm_bindings().into_iter().map(Into::into)));
    /// let node = UserInfo::new("system:node:n1", ["system:nodes", "system:authenticated"]);
    /// let sar = Attributes::resource(node, "create", "certificates.k8s.io",
    ///     "certificatesigningrequests").with_subresource("nodeclient");
    /// let why = policy.explain(&sar);
    /// assert!(!why.decision.is_allowed());
    /// assert_eq!(why.matched[0].name, "kubeadm:node-autoapprove-certificate-rotation");
    /// assert_eq!(why.missing_rule.unwrap().compact_string(),
    ///     r#"{APIGroups:["certificates.k8s.io"], Resources:["certificatesigningrequests/nodeclient"], Verbs:["create"]}"#);
    /// ```
    pub fn explain(&self, attributes: &Attributes) -> Explanation {
        let mut evidence = Evidence::default();
        let decision = self.walk(attributes, Some(&mut evidence));
        let missing_rule = (!decision.is_allowed()).then(|| smallest_rule(attributes));
        Explanation {
            decision,
            grant: evidence.grant,
            matched: evidence.matched,
            missing_rule,
        }
    }

    fn walk(&self, attributes: &Attributes, mut evidence: Option<&mut Evidence>) -> Decision {
        let user = &attributes.user;
        let mut errors: Vec<String> = Vec::new();
        for binding in &self.cluster_role_bindings {
            let Some(index) = first_applying_subject(&binding.subjects, user, "") else {
                continue;
            };
            let role = &binding.role_ref;
            let outcome = self.try_rules(attributes, &role.kind, &role.name, "");
            let subject = &binding.subjects[index];
            match outcome {
                Ok(Some(rule_index)) => {
                    let reason = cluster_allow_reason(binding, subject);
                    if let Some(ev) = evidence.as_deref_mut() {
                        ev.grant(
                            matched(
                                BindingKind::ClusterRoleBinding,
                                &binding.metadata.name,
                                "",
                                role,
                                subject,
                                index,
                                None,
                            ),
                            rule_index,
                            self.role_reference_rules(&role.kind, &role.name, ""),
                        );
                    }
                    return Decision::allow(reason);
                }
                Ok(None) => {
                    if let Some(ev) = evidence.as_deref_mut() {
                        ev.matched.push(matched(
                            BindingKind::ClusterRoleBinding,
                            &binding.metadata.name,
                            "",
                            role,
                            subject,
                            index,
                            None,
                        ));
                    }
                }
                Err(e) => {
                    if let Some(ev) = evidence.as_deref_mut() {
                        ev.matched.push(matched(
                            BindingKind::ClusterRoleBinding,
                            &binding.metadata.name,
                            "",
                            role,
                            subject,
                            index,
                            Some(e.clone()),
                        ));
                    }
                    errors.push(e);
                }
            }
        }
        let namespace = attributes.namespace.as_str();
        if !namespace.is_empty() {
            for binding in self.role_bindings(namespace) {
                let Some(index) = first_applying_subject(&binding.subjects, user, namespace) else {
                    continue;
                };
                let role = &binding.role_ref;
                let outcome = self.try_rules(attributes, &role.kind, &role.name, namespace);
                let subject = &binding.subjects[index];
                match outcome {
                    Ok(Some(rule_index)) => {
                        let reason = namespaced_allow_reason(binding, subject);
                        if let Some(ev) = evidence.as_deref_mut() {
                            ev.grant(
                                matched(
                                    BindingKind::RoleBinding,
                                    &binding.metadata.name,
                                    namespace,
                                    role,
                                    subject,
                                    index,
                                    None,
                                ),
                                rule_index,
                                self.role_reference_rules(&role.kind, &role.name, namespace),
                            );
                        }
                        return Decision::allow(reason);
                    }
                    Ok(None) => {
                        if let Some(ev) = evidence.as_deref_mut() {
                            ev.matched.push(matched(
                                BindingKind::RoleBinding,
                                &binding.metadata.name,
                                namespace,
                                role,
                                subject,
                                index,
                                None,
                            ));
                        }
                    }
                    Err(e) => {
                        if let Some(ev) = evidence.as_deref_mut() {
                            ev.matched.push(matched(
                                BindingKind::RoleBinding,
                                &binding.metadata.name,
                                namespace,
                                role,
                                subject,
                                index,
                                Some(e.clone()),
                            ));
                        }
                        errors.push(e);
                    }
                }
            }
        }
        Decision::no_opinion(no_opinion_reason(&errors))
    }

    /// `Ok(Some(i))`: rule `i` of the referenced role allows; `Ok(None)`: none does.
    fn try_rules(
        &self,
        attributes: &Attributes,
        kind: &str,
        name: &str,
        binding_namespace: &str,
    ) -> Result<Option<usize>, String> {
        let rules = self.role_reference_rules(kind, name, binding_namespace)?;
        Ok(rules.iter().position(|r| r.allows(attributes)))
    }
}

impl Authorize for Policy {
    /// The straightforward walk Kubernetes does: every ClusterRoleBinding, then the RoleBindings
    /// of the request's namespace.
    fn authorize(&self, attributes: &Attributes) -> Decision {
        self.walk(attributes, None)
    }
}

impl From<Role> for Object {
    fn from(o: Role) -> Self {
        Self::Role(o)
    }
}

impl From<ClusterRole> for Object {
    fn from(o: ClusterRole) -> Self {
        Self::ClusterRole(o)
    }
}

impl From<RoleBinding> for Object {
    fn from(o: RoleBinding) -> Self {
        Self::RoleBinding(o)
    }
}

impl From<ClusterRoleBinding> for Object {
    fn from(o: ClusterRoleBinding) -> Self {
        Self::ClusterRoleBinding(o)
    }
}

impl FromIterator<Object> for Policy {
    fn from_iter<I: IntoIterator<Item = Object>>(iter: I) -> Self {
        Self::from_objects(iter)
    }
}

/// `RBAC: allowed by ClusterRoleBinding "<binding>" of <kind> "<role>" to <subject>`.
pub(crate) fn cluster_allow_reason(
    binding: &ClusterRoleBinding,
    subject: &BindingSubject,
) -> String {
    allow_reason(
        "ClusterRoleBinding ",
        &binding.metadata.name,
        "",
        &binding.role_ref.kind,
        &binding.role_ref.name,
        subject,
    )
}

/// `RBAC: allowed by RoleBinding "<binding>/<ns>" of <kind> "<role>" to <subject>`.
pub(crate) fn namespaced_allow_reason(binding: &RoleBinding, subject: &BindingSubject) -> String {
    allow_reason(
        "RoleBinding ",
        &binding.metadata.name,
        &binding.metadata.namespace,
        &binding.role_ref.kind,
        &binding.role_ref.name,
        subject,
    )
}

fn allow_reason(
    what: &str,
    name: &str,
    namespace: &str,
    role_kind: &str,
    role_name: &str,
    subject: &BindingSubject,
) -> String {
    let mut s = String::with_capacity(96 + name.len() + role_name.len() + subject.name.len());
    s.push_str("RBAC: allowed by ");
    s.push_str(what);
    if what.starts_with("RoleBinding") {
        go::push_quoted(&mut s, &format!("{name}/{namespace}"));
    } else {
        go::push_quoted(&mut s, name);
    }
    s.push_str(" of ");
    s.push_str(role_kind);
    s.push(' ');
    go::push_quoted(&mut s, role_name);
    s.push_str(" to ");
    s.push_str(&subject.kind);
    s.push(' ');
    if subject.kind == super::objects::SERVICE_ACCOUNT_KIND {
        let ns = if subject.namespace.is_empty() {
            namespace
        } else {
            &subject.namespace
        };
        go::push_quoted(&mut s, &format!("{}/{ns}", subject.name));
    } else {
        go::push_quoted(&mut s, &subject.name);
    }
    s
}

/// The reason of a NoOpinion: empty, or `RBAC: ` and apimachinery's error aggregate (identical
/// messages collapsed; one message alone, several in `[a, b]`).
pub(crate) fn no_opinion_reason<S: AsRef<str>>(errors: &[S]) -> String {
    match errors {
        [] => String::new(),
        [one] => format!("RBAC: {}", one.as_ref()),
        many => {
            let mut seen: Vec<&str> = Vec::new();
            for e in many {
                if !seen.contains(&e.as_ref()) {
                    seen.push(e.as_ref());
                }
            }
            if let [one] = seen.as_slice() {
                format!("RBAC: {one}")
            } else {
                format!("RBAC: [{}]", seen.join(", "))
            }
        }
    }
}

/// The client-go lister's NotFound text: `<resource>.rbac.authorization.k8s.io "<name>" not found`.
pub(crate) fn not_found(resource: &str, name: &str) -> String {
    let mut e = format!("{resource}.rbac.authorization.k8s.io ");
    go::push_quoted(&mut e, name);
    e.push_str(" not found");
    e
}

/// The narrowest rule that allows `attributes`.
pub(crate) fn smallest_rule(attributes: &Attributes) -> PolicyRule {
    let rule = PolicyRule::new([attributes.verb.clone()]);
    if attributes.resource_request {
        let rule = rule
            .groups([attributes.api_group.clone()])
            .resources([attributes.combined_resource().into_owned()]);
        if attributes.name.is_empty() {
            rule
        } else {
            rule.names([attributes.name.clone()])
        }
    } else {
        rule.urls([attributes.path.clone()])
    }
}

#[derive(Default)]
struct Evidence {
    grant: Option<Grant>,
    matched: Vec<MatchedBinding>,
}

impl Evidence {
    fn grant(
        &mut self,
        binding: MatchedBinding,
        rule_index: usize,
        rules: Result<&[PolicyRule], String>,
    ) {
        let rule = rules
            .ok()
            .and_then(|r| r.get(rule_index))
            .cloned()
            .unwrap_or_default();
        self.grant = Some(Grant {
            binding,
            rule_index,
            rule,
        });
    }
}

fn matched(
    kind: BindingKind,
    name: &str,
    namespace: &str,
    role: &super::objects::RoleRef,
    subject: &BindingSubject,
    subject_index: usize,
    error: Option<String>,
) -> MatchedBinding {
    MatchedBinding {
        kind,
        name: name.to_owned(),
        namespace: namespace.to_owned(),
        role_kind: role.kind.clone(),
        role_name: role.name.clone(),
        subject: subject.clone(),
        subject_index,
        error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregate_reason() {
        let e = |s: &str| s.to_owned();
        assert_eq!(no_opinion_reason::<String>(&[]), "");
        assert_eq!(no_opinion_reason(&[e("a")]), "RBAC: a");
        assert_eq!(no_opinion_reason(&[e("a"), e("a")]), "RBAC: a");
        assert_eq!(no_opinion_reason(&[e("a"), e("b"), e("a")]), "RBAC: [a, b]");
    }

    #[test]
    fn removal_and_listing_as_kubectl_sees_them() {
        let mut policy = Policy::new();
        let cluster_role = |name: &str| {
            let mut r = ClusterRole::default();
            r.metadata.name = name.to_owned();
            r
        };
        let binding = |name: &str, role: &str| {
            let mut b = ClusterRoleBinding::default();
            b.metadata.name = name.to_owned();
            b.role_ref.name = role.to_owned();
            b
        };
        let role = |namespace: &str, name: &str| {
            let mut r = Role::default();
            r.metadata.namespace = namespace.to_owned();
            r.metadata.name = name.to_owned();
            r
        };
        policy.add_cluster_role(cluster_role("a"));
        policy.add_cluster_role(cluster_role("b"));
        assert_eq!(policy.remove_cluster_role("a"), Some(cluster_role("a")));
        assert_eq!(policy.remove_cluster_role("a"), None);
        assert_eq!(
            policy
                .cluster_roles()
                .map(|r| r.metadata.name.as_str())
                .collect::<Vec<_>>(),
            ["b"]
        );
        for (name, role) in [("x", "1"), ("y", "2"), ("x", "3")] {
            policy.add_cluster_role_binding(binding(name, role));
        }
        assert_eq!(
            policy.remove_cluster_role_binding("x"),
            Some(binding("x", "1"))
        );
        assert_eq!(policy.remove_cluster_role_binding("z"), None);
        assert_eq!(
            policy.cluster_role_bindings(),
            [binding("y", "2"), binding("x", "3")]
        );
        for (namespace, name) in [("ns2", "r"), ("ns1", "q"), ("ns1", "p")] {
            policy.add_role(role(namespace, name));
        }
        let roles: Vec<_> = policy
            .roles()
            .map(|r| (r.metadata.namespace.as_str(), r.metadata.name.as_str()))
            .collect();
        assert_eq!(roles, [("ns1", "p"), ("ns1", "q"), ("ns2", "r")]);

        let collected: Policy = [
            Object::from(cluster_role("c")),
            Object::from(binding("w", "c")),
        ]
        .into_iter()
        .collect();
        assert_eq!(collected.cluster_role("c"), Some(&cluster_role("c")));
        assert_eq!(collected.cluster_role_bindings(), [binding("w", "c")]);
    }

    #[test]
    fn not_found_text() {
        assert_eq!(
            not_found("clusterrole", "x\"y"),
            r#"clusterrole.rbac.authorization.k8s.io "x\"y" not found"#
        );
    }
}
