//! The objects of `rbac.authorization.k8s.io/v1`, with serde as the API server speaks JSON.
//!
//! Field order is Go's struct order, so `serde_json` output reads like `kubectl get -o json`;
//! empty optional lists and strings are omitted as Go's `omitempty` omits them. Reading accepts
//! `null` wherever a list may be absent, and ignores fields this crate does not model.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use super::GROUP_NAME;
pub use crate::meta::ObjectMeta;

/// The API version of every object here.
pub const API_VERSION: &str = "rbac.authorization.k8s.io/v1";
/// The wildcard of `verbs`, `apiGroups`, `resources` and `nonResourceURLs`.
pub const WILDCARD: &str = "*";
/// Subject kind of a user.
pub const USER_KIND: &str = "User";
/// Subject kind of a group.
pub const GROUP_KIND: &str = "Group";
/// Subject kind of a service account.
pub const SERVICE_ACCOUNT_KIND: &str = "ServiceAccount";
/// The prefix of a service account's user name: `system:serviceaccount:<namespace>:<name>`.
pub const SERVICE_ACCOUNT_USER_PREFIX: &str = "system:serviceaccount:";
/// The annotation that stops the API server from reconciling a default object when `"false"`.
pub const AUTOUPDATE_ANNOTATION: &str = "rbac.authorization.kubernetes.io/autoupdate";

/// One rule of a Role or ClusterRole: which verbs on which resources (or non-resource URLs).
///
/// Matching is exact string comparison plus the `*` wildcard; the only pattern in resources is
/// `*/<subresource>`, and in URLs a trailing `*` (see [`PolicyRule::allows`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRule {
    /// The verbs, `*` for all. Required (validation refuses an empty list).
    #[serde(default, deserialize_with = "null_as_default")]
    pub verbs: Vec<String>,
    /// The API groups, `""` for the core group, `*` for all.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub api_groups: Vec<String>,
    /// The resources, `resource/subresource` for subresources, `*` for all, `*/sub` for a
    /// subresource of any resource.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub resources: Vec<String>,
    /// The object names the rule is limited to; empty for all names.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub resource_names: Vec<String>,
    /// URL paths for non-resource requests, `*` for all, a trailing `*` for a prefix.
    #[serde(
        default,
        rename = "nonResourceURLs",
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub non_resource_urls: Vec<String>,
}

impl PolicyRule {
    /// A rule with these verbs and nothing else yet (Kubernetes' `rbacv1helpers.NewRule`).
    pub fn new(verbs: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self {
            verbs: strings(verbs),
            ..Self::default()
        }
    }

    /// The rule with these API groups added.
    #[must_use]
    pub fn groups(mut self, groups: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.api_groups.extend(strings(groups));
        self
    }

    /// The rule with these resources added.
    #[must_use]
    pub fn resources(mut self, resources: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.resources.extend(strings(resources));
        self
    }

    /// The rule with these resource names added.
    #[must_use]
    pub fn names(mut self, names: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.resource_names.extend(strings(names));
        self
    }

    /// The rule with these non-resource URLs added.
    #[must_use]
    pub fn urls(mut self, urls: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.non_resource_urls.extend(strings(urls));
        self
    }

    /// The rule with every list sorted, as Kubernetes' rule builder (`RuleOrDie`) leaves the
    /// rules of its default roles.
    #[must_use]
    pub fn sorted(mut self) -> Self {
        self.verbs.sort();
        self.api_groups.sort();
        self.resources.sort();
        self.resource_names.sort();
        self.non_resource_urls.sort();
        self
    }
}

/// Who a binding grants its role to: Kubernetes' `rbac/v1` `Subject`, named apart from
/// [`pki::Subject`](crate::pki::Subject), the X.509 subject of a request or certificate.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BindingSubject {
    /// `User`, `Group` or `ServiceAccount`; any other kind never matches.
    #[serde(default)]
    pub kind: String,
    /// `rbac.authorization.k8s.io` for users and groups, empty for service accounts (the
    /// defaults the API server fills in).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_group: String,
    /// The user, group or service-account name.
    #[serde(default)]
    pub name: String,
    /// A service account's namespace; in a RoleBinding it defaults to the binding's namespace.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
}

impl BindingSubject {
    /// A `User` subject.
    pub fn user(name: impl Into<String>) -> Self {
        Self {
            kind: USER_KIND.to_owned(),
            api_group: GROUP_NAME.to_owned(),
            name: name.into(),
            namespace: String::new(),
        }
    }

    /// A `Group` subject.
    pub fn group(name: impl Into<String>) -> Self {
        Self {
            kind: GROUP_KIND.to_owned(),
            api_group: GROUP_NAME.to_owned(),
            name: name.into(),
            namespace: String::new(),
        }
    }

    /// A `ServiceAccount` subject.
    pub fn service_account(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            kind: SERVICE_ACCOUNT_KIND.to_owned(),
            api_group: String::new(),
            name: name.into(),
            namespace: namespace.into(),
        }
    }

    /// Fills in the API server's default `apiGroup` when it is empty: `rbac.authorization.k8s.io`
    /// for users and groups (service accounts keep `""`).
    pub fn apply_defaults(&mut self) {
        if self.api_group.is_empty() && (self.kind == USER_KIND || self.kind == GROUP_KIND) {
            self.api_group = GROUP_NAME.to_owned();
        }
    }
}

/// The role a binding grants.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleRef {
    /// Always `rbac.authorization.k8s.io` (defaulted when empty).
    #[serde(default)]
    pub api_group: String,
    /// `ClusterRole`, or `Role` in a RoleBinding.
    #[serde(default)]
    pub kind: String,
    /// The role's name.
    #[serde(default)]
    pub name: String,
}

impl RoleRef {
    /// A reference to the ClusterRole `name`.
    pub fn cluster_role(name: impl Into<String>) -> Self {
        Self {
            api_group: GROUP_NAME.to_owned(),
            kind: "ClusterRole".to_owned(),
            name: name.into(),
        }
    }

    /// A reference to the Role `name` in the binding's namespace.
    pub fn role(name: impl Into<String>) -> Self {
        Self {
            api_group: GROUP_NAME.to_owned(),
            kind: "Role".to_owned(),
            name: name.into(),
        }
    }

    /// Fills in the default `apiGroup` (`rbac.authorization.k8s.io`) when it is empty.
    pub fn apply_defaults(&mut self) {
        if self.api_group.is_empty() {
            self.api_group = GROUP_NAME.to_owned();
        }
    }
}

/// A label selector (`metav1.LabelSelector`), as aggregation rules use it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    /// Labels that must be present with exactly these values.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub match_labels: BTreeMap<String, String>,
    /// Set-based requirements, all of which must hold.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub match_expressions: Vec<LabelSelectorRequirement>,
}

/// One set-based requirement of a [`LabelSelector`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelectorRequirement {
    /// The label key.
    #[serde(default)]
    pub key: String,
    /// `In`, `NotIn`, `Exists` or `DoesNotExist`.
    #[serde(default)]
    pub operator: String,
    /// The values for `In` and `NotIn`; must be empty for the other two.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub values: Vec<String>,
}

/// How an aggregated ClusterRole collects the rules of other ClusterRoles.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AggregationRule {
    /// The ClusterRoles whose rules are aggregated: those matching any selector.
    #[serde(default, deserialize_with = "null_as_default")]
    pub cluster_role_selectors: Vec<LabelSelector>,
}

/// A namespaced set of rules.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Deserialize)]
pub struct Role {
    /// Name and namespace.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The rules, tried in order.
    #[serde(default, deserialize_with = "null_as_default")]
    pub rules: Vec<PolicyRule>,
}

/// A cluster-wide set of rules, possibly aggregated from other ClusterRoles.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterRole {
    /// Name, labels and annotations.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The rules, tried in order.
    #[serde(default, deserialize_with = "null_as_default")]
    pub rules: Vec<PolicyRule>,
    /// When set, the aggregation controller owns `rules`.
    #[serde(default)]
    pub aggregation_rule: Option<AggregationRule>,
}

/// Grants a Role or ClusterRole to subjects within one namespace.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleBinding {
    /// Name and namespace.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Who gets the role.
    #[serde(default, deserialize_with = "null_as_default")]
    pub subjects: Vec<BindingSubject>,
    /// Which role.
    #[serde(default)]
    pub role_ref: RoleRef,
}

/// Grants a ClusterRole to subjects across the cluster.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterRoleBinding {
    /// Name, labels and annotations.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Who gets the role.
    #[serde(default, deserialize_with = "null_as_default")]
    pub subjects: Vec<BindingSubject>,
    /// Which role.
    #[serde(default)]
    pub role_ref: RoleRef,
}

impl RoleBinding {
    /// Fills in the API server's defaults: `roleRef.apiGroup` and each subject's `apiGroup`.
    pub fn apply_defaults(&mut self) {
        self.role_ref.apply_defaults();
        self.subjects
            .iter_mut()
            .for_each(BindingSubject::apply_defaults);
    }
}

impl ClusterRoleBinding {
    /// Fills in the API server's defaults: `roleRef.apiGroup` and each subject's `apiGroup`.
    pub fn apply_defaults(&mut self) {
        self.role_ref.apply_defaults();
        self.subjects
            .iter_mut()
            .for_each(BindingSubject::apply_defaults);
    }
}

/// Any one of the four RBAC objects, as a manifest holds them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Object {
    /// A Role.
    Role(Role),
    /// A ClusterRole.
    ClusterRole(ClusterRole),
    /// A RoleBinding.
    RoleBinding(RoleBinding),
    /// A ClusterRoleBinding.
    ClusterRoleBinding(ClusterRoleBinding),
}

impl Object {
    /// The object's `kind`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Role(_) => "Role",
            Self::ClusterRole(_) => "ClusterRole",
            Self::RoleBinding(_) => "RoleBinding",
            Self::ClusterRoleBinding(_) => "ClusterRoleBinding",
        }
    }

    /// The object's metadata.
    pub fn metadata(&self) -> &ObjectMeta {
        match self {
            Self::Role(o) => &o.metadata,
            Self::ClusterRole(o) => &o.metadata,
            Self::RoleBinding(o) => &o.metadata,
            Self::ClusterRoleBinding(o) => &o.metadata,
        }
    }

    /// Fills in the API server's defaults (bindings only; roles have none).
    pub fn apply_defaults(&mut self) {
        match self {
            Self::RoleBinding(b) => b.apply_defaults(),
            Self::ClusterRoleBinding(b) => b.apply_defaults(),
            Self::Role(_) | Self::ClusterRole(_) => {}
        }
    }
}

/// Writes `kind` and `apiVersion` first, then the object's own fields, as Go's `TypeMeta`
/// embedding does.
#[derive(Serialize)]
struct Typed<'a, T> {
    kind: &'static str,
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    #[serde(flatten)]
    object: &'a T,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RoleFields<'a> {
    metadata: &'a ObjectMeta,
    rules: &'a [PolicyRule],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ClusterRoleFields<'a> {
    metadata: &'a ObjectMeta,
    rules: &'a [PolicyRule],
    #[serde(skip_serializing_if = "Option::is_none")]
    aggregation_rule: &'a Option<AggregationRule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BindingFields<'a> {
    metadata: &'a ObjectMeta,
    #[serde(skip_serializing_if = "<[BindingSubject]>::is_empty")]
    subjects: &'a [BindingSubject],
    role_ref: &'a RoleRef,
}

impl Serialize for Role {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let fields = RoleFields {
            metadata: &self.metadata,
            rules: &self.rules,
        };
        typed("Role", &fields).serialize(serializer)
    }
}

impl Serialize for ClusterRole {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let fields = ClusterRoleFields {
            metadata: &self.metadata,
            rules: &self.rules,
            aggregation_rule: &self.aggregation_rule,
        };
        typed("ClusterRole", &fields).serialize(serializer)
    }
}

impl Serialize for RoleBinding {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let fields = BindingFields {
            metadata: &self.metadata,
            subjects: &self.subjects,
            role_ref: &self.role_ref,
        };
        typed("RoleBinding", &fields).serialize(serializer)
    }
}

impl Serialize for ClusterRoleBinding {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let fields = BindingFields {
            metadata: &self.metadata,
            subjects: &self.subjects,
            role_ref: &self.role_ref,
        };
        typed("ClusterRoleBinding", &fields).serialize(serializer)
    }
}

impl Serialize for Object {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Role(o) => o.serialize(serializer),
            Self::ClusterRole(o) => o.serialize(serializer),
            Self::RoleBinding(o) => o.serialize(serializer),
            Self::ClusterRoleBinding(o) => o.serialize(serializer),
        }
    }
}

fn typed<'a, T>(kind: &'static str, object: &'a T) -> Typed<'a, T> {
    Typed {
        kind,
        api_version: API_VERSION,
        object,
    }
}

fn strings(items: impl IntoIterator<Item = impl Into<String>>) -> Vec<String> {
    items.into_iter().map(Into::into).collect()
}

/// Go decodes `null` into an empty list or map; so does this crate.
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_matches_the_api_server_shape() {
        let mut b = ClusterRoleBinding {
            metadata: ObjectMeta::named("kubeadm:kubelet-bootstrap"),
            subjects: vec![
                BindingSubject::group("system:bootstrappers:kubeadm:default-node-token"),
                BindingSubject::service_account("kube-system", "default"),
            ],
            role_ref: RoleRef::cluster_role("system:node-bootstrapper"),
        };
        assert_eq!(
            serde_json::to_string(&b).unwrap(),
            r#"{"kind":"ClusterRoleBinding","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"kubeadm:kubelet-bootstrap"},"subjects":[{"kind":"Group","apiGroup":"rbac.authorization.k8s.io","name":"system:bootstrappers:kubeadm:default-node-token"},{"kind":"ServiceAccount","name":"default","namespace":"kube-system"}],"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"system:node-bootstrapper"}}"#
        );
        b.subjects.clear();
        let json = serde_json::to_string(&b).unwrap();
        assert!(!json.contains("subjects"), "{json}");
        let back: ClusterRoleBinding = serde_json::from_str(&json).unwrap();
        assert_eq!(back, b);
    }

    #[test]
    fn rules_omit_empty_lists_and_read_null() {
        let rule = PolicyRule::new(["get"]).urls(["/healthz"]);
        assert_eq!(
            serde_json::to_string(&rule).unwrap(),
            r#"{"verbs":["get"],"nonResourceURLs":["/healthz"]}"#
        );
        let read: PolicyRule =
            serde_json::from_str(r#"{"verbs":null,"apiGroups":null,"resources":["x"]}"#).unwrap();
        assert_eq!(read, PolicyRule::new(Vec::<String>::new()).resources(["x"]));
    }

    #[test]
    fn defaults_fill_api_groups() {
        let mut b = RoleBinding {
            metadata: ObjectMeta::namespaced("ns", "b"),
            subjects: vec![
                BindingSubject {
                    kind: "User".into(),
                    name: "u".into(),
                    ..BindingSubject::default()
                },
                BindingSubject {
                    kind: "ServiceAccount".into(),
                    name: "sa".into(),
                    ..BindingSubject::default()
                },
                BindingSubject {
                    kind: "Robot".into(),
                    name: "r".into(),
                    ..BindingSubject::default()
                },
            ],
            role_ref: RoleRef {
                kind: "Role".into(),
                name: "r".into(),
                ..RoleRef::default()
            },
        };
        b.apply_defaults();
        assert_eq!(b.role_ref, RoleRef::role("r"));
        assert_eq!(b.subjects[0].api_group, GROUP_NAME);
        assert_eq!(b.subjects[1].api_group, "");
        assert_eq!(b.subjects[2].api_group, "");
    }

    #[test]
    fn sorted_rule() {
        let r = PolicyRule::new(["watch", "create"])
            .groups(["b", "a"])
            .resources(["z", "y"])
            .names(["2", "1"])
            .sorted();
        assert_eq!(r.verbs, ["create", "watch"]);
        assert_eq!(r.api_groups, ["a", "b"]);
        assert_eq!(r.resources, ["y", "z"]);
        assert_eq!(r.resource_names, ["1", "2"]);
    }
}
