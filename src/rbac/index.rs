//! The fast path: bindings indexed by subject and rules compiled once, giving the same
//! decisions and the same reason strings as [`Policy`]'s walk over every binding.

use std::collections::HashMap;
use std::sync::Arc;

use super::matching::{first_applying_subject, is_combined};
use super::objects::{GROUP_KIND, PolicyRule, SERVICE_ACCOUNT_KIND, Subject, USER_KIND, WILDCARD};
use super::policy::{Policy, cluster_allow_reason, namespaced_allow_reason, no_opinion_reason};
use super::{Attributes, Authorize, Decision};

/// An authorizer built from a [`Policy`] that looks up the bindings naming the user, instead of
/// walking all of them, and matches pre-compiled rules.
///
/// Its decisions and reason strings are identical to the policy's own walk (the crate's tests
/// check this with proptest over random policies and requests): candidates are visited in the
/// same binding order, the same first matching subject is named, and the same role-resolution
/// errors are collected. Build it again after the policy changes.
///
/// ```
/// use kube_tls_bootstrap::identity::UserInfo;
/// use kube_tls_bootstrap::rbac::{Attributes, Authorize, IndexedAuthorizer, Policy, bootstrap};
/// let policy = Policy::from_objects(bootstrap::csr_cluster_roles().into_iter()
///     .map(Into::into).chain(bootstrap::kubeadm_bindings().into_iter().map(Into::into)));
/// let fast = IndexedAuthorizer::new(&policy);
/// let token = UserInfo::new("system:bootstrap:abcdef",
///     ["system:bootstrappers:kubeadm:default-node-token", "system:authenticated"]);
/// let create = Attributes::resource(token, "create", "certificates.k8s.io",
///     "certificatesigningrequests");
/// assert_eq!(fast.authorize(&create), policy.authorize(&create));
/// assert_eq!(fast.authorize(&create).reason(), "RBAC: allowed by ClusterRoleBinding \
///     \"kubeadm:kubelet-bootstrap\" of ClusterRole \"system:node-bootstrapper\" to Group \
///     \"system:bootstrappers:kubeadm:default-node-token\"");
/// ```
#[derive(Clone, Debug)]
pub struct IndexedAuthorizer {
    cluster: ScopeIndex,
    namespaces: HashMap<String, ScopeIndex>,
}

impl IndexedAuthorizer {
    /// Indexes `policy`.
    pub fn new(policy: &Policy) -> Self {
        let mut compiled = RoleCache::default();
        let mut cluster = ScopeIndex::default();
        for binding in policy.cluster_role_bindings() {
            let rules =
                compiled.resolve(policy, &binding.role_ref.kind, &binding.role_ref.name, "");
            let reasons = binding
                .subjects
                .iter()
                .map(|s| cluster_allow_reason(binding, s))
                .collect();
            cluster.push(IndexedBinding {
                subjects: binding.subjects.clone(),
                rules,
                reasons,
            });
        }
        let mut namespaces: HashMap<String, ScopeIndex> = HashMap::new();
        for binding in policy.all_role_bindings() {
            let namespace = binding.metadata.namespace.clone();
            let rules = compiled.resolve(
                policy,
                &binding.role_ref.kind,
                &binding.role_ref.name,
                &namespace,
            );
            let reasons = binding
                .subjects
                .iter()
                .map(|s| namespaced_allow_reason(binding, s))
                .collect();
            let scope = namespaces.entry(namespace.clone()).or_default();
            scope.namespace = namespace;
            scope.push(IndexedBinding {
                subjects: binding.subjects.clone(),
                rules,
                reasons,
            });
        }
        Self {
            cluster,
            namespaces,
        }
    }
}

impl Authorize for IndexedAuthorizer {
    fn authorize(&self, attributes: &Attributes) -> Decision {
        let mut errors: Vec<&str> = Vec::new();
        if let Some(allow) = self.cluster.decide(attributes, &mut errors) {
            return allow;
        }
        let scope = (!attributes.namespace.is_empty())
            .then(|| self.namespaces.get(&attributes.namespace))
            .flatten();
        if let Some(allow) = scope.and_then(|s| s.decide(attributes, &mut errors)) {
            return allow;
        }
        Decision::no_opinion(no_opinion_reason(&errors))
    }
}

/// The bindings of one scope (the cluster, or one namespace) and their subject index.
#[derive(Clone, Debug, Default)]
struct ScopeIndex {
    namespace: String,
    bindings: Vec<IndexedBinding>,
    by_user: HashMap<String, Vec<u32>>,
    by_group: HashMap<String, Vec<u32>>,
    by_service_account_user: HashMap<String, Vec<u32>>,
}

#[derive(Clone, Debug)]
struct IndexedBinding {
    subjects: Vec<Subject>,
    rules: ResolvedRules,
    /// The Allow reason naming each subject, precomputed.
    reasons: Vec<String>,
}

impl ScopeIndex {
    fn push(&mut self, binding: IndexedBinding) {
        // More than u32::MAX bindings cannot be held in memory alongside their strings.
        let index = u32::try_from(self.bindings.len()).unwrap_or(u32::MAX);
        for subject in &binding.subjects {
            let (map, key) = match subject.kind.as_str() {
                USER_KIND => (&mut self.by_user, subject.name.clone()),
                GROUP_KIND => (&mut self.by_group, subject.name.clone()),
                SERVICE_ACCOUNT_KIND => {
                    let namespace = if subject.namespace.is_empty() {
                        &self.namespace
                    } else {
                        &subject.namespace
                    };
                    if namespace.is_empty() {
                        continue;
                    }
                    let user = format!(
                        "{}{namespace}:{}",
                        super::objects::SERVICE_ACCOUNT_USER_PREFIX,
                        subject.name
                    );
                    (&mut self.by_service_account_user, user)
                }
                _ => continue,
            };
            let list = map.entry(key).or_default();
            if list.last() != Some(&index) {
                list.push(index);
            }
        }
        self.bindings.push(binding);
    }

    /// Allow from the first candidate binding whose role allows; errors of candidates whose
    /// role cannot be resolved are collected in visiting order.
    fn decide<'a>(
        &'a self,
        attributes: &Attributes,
        errors: &mut Vec<&'a str>,
    ) -> Option<Decision> {
        let user = &attributes.user;
        let mut candidates: Vec<u32> = Vec::new();
        if let Some(list) = self.by_user.get(user.name.as_str()) {
            candidates.extend_from_slice(list);
        }
        for group in &user.groups {
            if let Some(list) = self.by_group.get(group.as_str()) {
                candidates.extend_from_slice(list);
            }
        }
        if let Some(list) = self.by_service_account_user.get(user.name.as_str()) {
            candidates.extend_from_slice(list);
        }
        if candidates.is_empty() {
            return None;
        }
        candidates.sort_unstable();
        candidates.dedup();
        for index in candidates {
            let Some(binding) = self.bindings.get(index as usize) else {
                continue;
            };
            let Some(subject) = first_applying_subject(&binding.subjects, user, &self.namespace)
            else {
                continue;
            };
            match &binding.rules {
                Ok(rules) => {
                    if rules.iter().any(|r| r.allows(attributes)) {
                        let reason = binding.reasons.get(subject).cloned().unwrap_or_default();
                        return Some(Decision::allow(reason));
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        None
    }
}

/// A role's compiled rules, or why the role reference does not resolve.
type ResolvedRules = Result<Arc<[CompiledRule]>, String>;

#[derive(Default)]
struct RoleCache {
    compiled: HashMap<(String, String, String), ResolvedRules>,
}

impl RoleCache {
    fn resolve(
        &mut self,
        policy: &Policy,
        kind: &str,
        name: &str,
        namespace: &str,
    ) -> ResolvedRules {
        // A ClusterRole is the same whichever namespace refers to it.
        let scope = if kind == "Role" { namespace } else { "" };
        let key = (kind.to_owned(), scope.to_owned(), name.to_owned());
        self.compiled
            .entry(key)
            .or_insert_with(|| {
                policy
                    .role_reference_rules(kind, name, namespace)
                    .map(|rules| rules.iter().map(CompiledRule::new).collect())
            })
            .clone()
    }
}

/// A set of words where `*` matches everything.
#[derive(Clone, Debug, Default)]
struct Words {
    any: bool,
    words: Box<[Box<str>]>,
}

impl Words {
    fn new(list: &[String]) -> Self {
        Self {
            any: list.iter().any(|w| w == WILDCARD),
            words: list.iter().map(|w| w.as_str().into()).collect(),
        }
    }

    fn contains(&self, word: &str) -> bool {
        self.any || self.words.iter().any(|w| &**w == word)
    }
}

/// A [`PolicyRule`] with its wildcards and patterns sorted out once.
#[derive(Clone, Debug)]
struct CompiledRule {
    verbs: Words,
    groups: Words,
    any_resource: bool,
    resources: Box<[Box<str>]>,
    /// `sub` of every `*/sub` entry.
    any_resource_subresources: Box<[Box<str>]>,
    /// `None`: any name.
    names: Option<Box<[Box<str>]>>,
    any_url: bool,
    exact_urls: Box<[Box<str>]>,
    /// Entries ending in `*`, with every trailing `*` removed.
    url_prefixes: Box<[Box<str>]>,
}

impl CompiledRule {
    fn new(rule: &PolicyRule) -> Self {
        let boxed = |it: &mut dyn Iterator<Item = &str>| -> Box<[Box<str>]> {
            it.map(Into::into).collect()
        };
        Self {
            verbs: Words::new(&rule.verbs),
            groups: Words::new(&rule.api_groups),
            any_resource: rule.resources.iter().any(|r| r == WILDCARD),
            resources: boxed(&mut rule.resources.iter().map(String::as_str)),
            any_resource_subresources: boxed(
                &mut rule.resources.iter().filter_map(|r| r.strip_prefix("*/")),
            ),
            names: (!rule.resource_names.is_empty())
                .then(|| boxed(&mut rule.resource_names.iter().map(String::as_str))),
            any_url: rule.non_resource_urls.iter().any(|u| u == WILDCARD),
            exact_urls: boxed(
                &mut rule
                    .non_resource_urls
                    .iter()
                    .filter(|u| !u.ends_with('*'))
                    .map(String::as_str),
            ),
            url_prefixes: boxed(
                &mut rule
                    .non_resource_urls
                    .iter()
                    .filter(|u| u.ends_with('*'))
                    .map(|u| u.trim_end_matches('*')),
            ),
        }
    }

    fn allows(&self, a: &Attributes) -> bool {
        if !self.verbs.contains(&a.verb) {
            return false;
        }
        if a.resource_request {
            self.groups.contains(&a.api_group)
                && (self.any_resource
                    || self
                        .resources
                        .iter()
                        .any(|r| is_combined(r, &a.resource, &a.subresource))
                    || (!a.subresource.is_empty()
                        && self
                            .any_resource_subresources
                            .iter()
                            .any(|s| **s == *a.subresource)))
                && self
                    .names
                    .as_ref()
                    .is_none_or(|names| names.iter().any(|n| **n == *a.name))
        } else {
            self.any_url
                || self.exact_urls.iter().any(|u| **u == *a.path)
                || self.url_prefixes.iter().any(|p| a.path.starts_with(&**p))
        }
    }
}
