//! The fast path: bindings indexed by subject and rules compiled once, giving the same
//! decisions and the same reason strings as [`Policy`]'s walk over every binding.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use super::matching::is_combined;
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
    namespaces: FastMap<String, ScopeIndex>,
}

/// The subject index's map. Its keys come from the policy, so a fixed, fast hash is enough:
/// it draws no randomness (the crate is sans-IO) and colliding names can only slow lookups
/// down to the walk's cost.
type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

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
            cluster.push(&binding.subjects, IndexedBinding { rules, reasons });
        }
        let mut namespaces: FastMap<String, ScopeIndex> = FastMap::default();
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
            scope.push(&binding.subjects, IndexedBinding { rules, reasons });
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
    by_user: FastMap<String, Vec<Hit>>,
    by_group: FastMap<String, Vec<Hit>>,
    by_service_account_user: FastMap<String, Vec<Hit>>,
}

/// A binding naming a key (user, group or service-account user): the binding's index and the
/// index of its first subject with that key. The first subject that applies to a user is the
/// smallest such index over the user's keys, so the subjects need not be looked at again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Hit {
    binding: u32,
    subject: u32,
}

#[derive(Clone, Debug)]
struct IndexedBinding {
    rules: ResolvedRules,
    /// The Allow reason naming each subject, precomputed.
    reasons: Vec<String>,
}

impl ScopeIndex {
    fn push(&mut self, subjects: &[Subject], binding: IndexedBinding) {
        // More than u32::MAX bindings cannot be held in memory alongside their strings.
        let index = u32::try_from(self.bindings.len()).unwrap_or(u32::MAX);
        for (position, subject) in subjects.iter().enumerate() {
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
            // Only the binding's first subject with this key can be the one named.
            if list.last().is_none_or(|hit| hit.binding != index) {
                let subject = u32::try_from(position).unwrap_or(u32::MAX);
                list.push(Hit {
                    binding: index,
                    subject,
                });
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
        let mut candidates = Candidates::default();
        candidates.add(self.by_user.get(user.name.as_str()));
        for group in &user.groups {
            candidates.add(self.by_group.get(group.as_str()));
        }
        candidates.add(self.by_service_account_user.get(user.name.as_str()));
        for hit in candidates.in_order() {
            let Some(binding) = self.bindings.get(hit.binding as usize) else {
                continue;
            };
            match &binding.rules {
                Ok(rules) => {
                    if rules.iter().any(|r| r.allows(attributes)) {
                        let reason = binding
                            .reasons
                            .get(hit.subject as usize)
                            .cloned()
                            .unwrap_or_default();
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

/// The bindings naming the user, in binding order. Usually one list matches (the user's, or
/// one group's), which is used as it is; several are merged.
#[derive(Default)]
struct Candidates<'a> {
    first: Option<&'a [Hit]>,
    merged: Vec<Hit>,
}

impl<'a> Candidates<'a> {
    fn add(&mut self, list: Option<&'a Vec<Hit>>) {
        let Some(list) = list else {
            return;
        };
        match self.first {
            None => self.first = Some(list),
            Some(first) => {
                if self.merged.is_empty() {
                    self.merged.extend_from_slice(first);
                }
                self.merged.extend_from_slice(list);
            }
        }
    }

    fn in_order(&mut self) -> &[Hit] {
        if self.merged.is_empty() {
            // One list: built in binding order, each binding once.
            return self.first.unwrap_or_default();
        }
        // By binding, then subject: the first hit of each binding names the first subject
        // that applies.
        self.merged.sort_unstable();
        self.merged.dedup_by_key(|hit| hit.binding);
        &self.merged
    }
}

/// The Fx hash (as in rustc): a multiply-rotate over 8-byte words.
#[derive(Default, Clone, Copy)]
struct FxHasher {
    hash: u64,
}

impl FxHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

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
