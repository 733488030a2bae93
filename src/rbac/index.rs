//! The fast path: bindings indexed by subject and rules compiled once, giving the same
//! decisions and the same reason strings as [`Policy`]'s walk over every binding.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use super::objects::{
    BindingSubject, GROUP_KIND, PolicyRule, SERVICE_ACCOUNT_KIND, USER_KIND, WILDCARD,
};
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
    interner: Interner,
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
            interner: compiled.interner,
        }
    }
}

impl Authorize for IndexedAuthorizer {
    fn authorize(&self, attributes: &Attributes) -> Decision {
        let request = RequestIds::new(&self.interner, attributes);
        let mut errors: Vec<&str> = Vec::new();
        if let Some(allow) = self.cluster.decide(attributes, &request, &mut errors) {
            return allow;
        }
        let scope = (!attributes.namespace.is_empty())
            .then(|| self.namespaces.get(&attributes.namespace))
            .flatten();
        if let Some(allow) = scope.and_then(|s| s.decide(attributes, &request, &mut errors)) {
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
    fn push(&mut self, subjects: &[BindingSubject], binding: IndexedBinding) {
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
        request: &RequestIds,
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
                    if rules.iter().any(|r| r.allows(attributes, request)) {
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

/// The Fx hash (as in rustc): a multiply-rotate over 8-byte words, with a final mix.
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
        // The multiply leaves the low bits, which pick the bucket, depending only on the low
        // bytes of the words: names that differ in their last bytes ("bench-user-1",
        // "bench-user-2") would crowd one bucket. A final mix (MurmurHash3's fmix64) spreads
        // every bit.
        let mut h = self.hash;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

#[derive(Default)]
struct RoleCache {
    compiled: HashMap<(String, String, String), ResolvedRules>,
    interner: Interner,
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
        let interner = &mut self.interner;
        self.compiled
            .entry(key)
            .or_insert_with(|| {
                policy
                    .role_reference_rules(kind, name, namespace)
                    .map(|rules| {
                        rules
                            .iter()
                            .map(|r| CompiledRule::new(r, interner))
                            .collect()
                    })
            })
            .clone()
    }
}

/// Numbers for the verbs, API groups and resource entries of the compiled rules, so that
/// matching compares numbers. A request's word that was never interned matches only `*`.
#[derive(Clone, Debug, Default)]
struct Interner {
    ids: FastMap<Box<str>, u32>,
}

impl Interner {
    fn intern(&mut self, word: &str) -> u32 {
        if let Some(&id) = self.ids.get(word) {
            return id;
        }
        // Fewer than u32::MAX distinct words fit in memory alongside their strings.
        let id = u32::try_from(self.ids.len()).unwrap_or(u32::MAX);
        self.ids.insert(word.into(), id);
        id
    }

    fn get(&self, word: &str) -> Option<u32> {
        self.ids.get(word).copied()
    }

    /// The id of `resource` or `resource/subresource`, without allocating for short names.
    fn combined(&self, resource: &str, subresource: &str) -> Option<u32> {
        if subresource.is_empty() {
            return self.get(resource);
        }
        let mut buffer = [0u8; 128];
        let length = resource.len() + 1 + subresource.len();
        let Some(slot) = buffer.get_mut(..length) else {
            return self.get(&format!("{resource}/{subresource}"));
        };
        slot[..resource.len()].copy_from_slice(resource.as_bytes());
        slot[resource.len()] = b'/';
        slot[resource.len() + 1..].copy_from_slice(subresource.as_bytes());
        // Two strings joined by '/' are UTF-8, so this always succeeds.
        std::str::from_utf8(slot).ok().and_then(|s| self.get(s))
    }
}

/// A request's words as interned numbers, looked up once per decision.
struct RequestIds {
    verb: Option<u32>,
    group: Option<u32>,
    combined: Option<u32>,
    subresource: Option<u32>,
}

impl RequestIds {
    fn new(interner: &Interner, a: &Attributes) -> Self {
        let resource = a.resource_request;
        Self {
            verb: interner.get(&a.verb),
            group: if resource {
                interner.get(&a.api_group)
            } else {
                None
            },
            combined: if resource {
                interner.combined(&a.resource, &a.subresource)
            } else {
                None
            },
            subresource: if resource && !a.subresource.is_empty() {
                interner.get(&a.subresource)
            } else {
                None
            },
        }
    }
}

/// A set of interned words where `*` matches everything.
#[derive(Clone, Debug, Default)]
struct Words {
    any: bool,
    ids: Box<[u32]>,
}

impl Words {
    fn new(list: &[String], interner: &mut Interner) -> Self {
        Self {
            any: list.iter().any(|w| w == WILDCARD),
            ids: list.iter().map(|w| interner.intern(w)).collect(),
        }
    }

    #[inline]
    fn contains(&self, id: Option<u32>) -> bool {
        self.any || id.is_some_and(|id| self.ids.contains(&id))
    }
}

/// A [`PolicyRule`] with its wildcards and patterns sorted out once.
#[derive(Clone, Debug)]
struct CompiledRule {
    verbs: Words,
    groups: Words,
    /// Every entry of `resources` (`*` included).
    resources: Words,
    /// `sub` of every `*/sub` entry.
    any_resource_subresources: Box<[u32]>,
    /// `None`: any name.
    names: Option<Box<[Box<str>]>>,
    any_url: bool,
    exact_urls: Box<[Box<str>]>,
    /// Entries ending in `*`, with every trailing `*` removed.
    url_prefixes: Box<[Box<str>]>,
}

impl CompiledRule {
    fn new(rule: &PolicyRule, interner: &mut Interner) -> Self {
        let boxed = |it: &mut dyn Iterator<Item = &str>| -> Box<[Box<str>]> {
            it.map(Into::into).collect()
        };
        Self {
            verbs: Words::new(&rule.verbs, interner),
            groups: Words::new(&rule.api_groups, interner),
            resources: Words::new(&rule.resources, interner),
            any_resource_subresources: rule
                .resources
                .iter()
                .filter_map(|r| r.strip_prefix("*/"))
                .map(|sub| interner.intern(sub))
                .collect(),
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

    fn allows(&self, a: &Attributes, ids: &RequestIds) -> bool {
        if !self.verbs.contains(ids.verb) {
            return false;
        }
        if a.resource_request {
            self.groups.contains(ids.group)
                && (self.resources.contains(ids.combined)
                    || ids
                        .subresource
                        .is_some_and(|s| self.any_resource_subresources.contains(&s)))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combined_ids_for_short_and_long_names() {
        let mut interner = Interner::default();
        let long = format!("{}/{}", "r".repeat(100), "s".repeat(100));
        let short = interner.intern("pods/status");
        let long_id = interner.intern(&long);
        let pods = interner.intern("pods");
        assert_eq!(interner.combined("pods", "status"), Some(short));
        assert_eq!(interner.combined("pods", ""), Some(pods));
        assert_eq!(
            interner.combined(&"r".repeat(100), &"s".repeat(100)),
            Some(long_id)
        );
        assert_eq!(interner.combined("pods", "log"), None);
        assert_eq!(interner.intern("pods"), pods);
    }

    /// The Fx hash of `s`'s bytes alone (no `Hash for str` terminator).
    fn fx_write(s: &str) -> u64 {
        let mut h = FxHasher::default();
        h.write(s.as_bytes());
        h.finish()
    }

    #[test]
    fn fx_hash_covers_every_byte() {
        assert_ne!(fx_write("abcdefgh1"), fx_write("abcdefgh2"));
        assert_ne!(fx_write("a"), fx_write("a\0"));
        assert_eq!(
            fx_write("system:authenticated"),
            fx_write("system:authenticated")
        );
    }

    /// Known answers for the whole function (words, the tagged remainder, `write_u8` and the
    /// final mix), computed by an independent implementation of the algorithm described on
    /// [`FxHasher`]. Any hash would keep the maps correct; these pin the one whose spread the
    /// index was measured with.
    #[test]
    fn fx_hash_known_answers() {
        let write = fx_write;
        assert_eq!(write(""), 0);
        assert_eq!(write("abcdefgh"), 0xe6ff_fa19_1e72_013e);
        assert_eq!(write("system:nodes"), 0xc0fb_ab8d_37a4_7393);
        assert_eq!(write("system:authenticated"), 0xdc43_9ccd_3192_f8db);
        // A map key goes through `Hash for str`: the bytes, then a 0xff terminator.
        let key = |s: &str| {
            let mut h = FxHasher::default();
            std::hash::Hash::hash(s, &mut h);
            h.finish()
        };
        assert_eq!(key("pods"), 0xef26_0300_583a_2e9f);
        assert_eq!(key("system:node:n1"), 0xa659_4299_cdca_8280);
    }
}
