//! The built-in resources of a Kubernetes v1.32 API server, as `kubectl api-resources` lists
//! them, and kubectl's offline resolution of a resource argument (`csr`, `pods`, `pod`, `Pod`,
//! `deployments.apps`, `csr.v1.certificates.k8s.io`) to a group and resource.
//!
//! kubectl resolves names through discovery: short names first (its shortcut expander), then
//! plural or singular names, the legacy (core) group preferred when several groups serve the
//! name (`events` is `events` of the core group, not of `events.k8s.io`). Without a server this
//! table stands in for discovery; custom resources are not in it.

/// One built-in resource: where it is served and what kubectl accepts for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResourceType {
    /// The API group (`""` for the core group).
    pub group: &'static str,
    /// The preferred version.
    pub version: &'static str,
    /// The plural resource name, as RBAC rules name it.
    pub resource: &'static str,
    /// The kind; lower-cased, it is the singular name kubectl accepts.
    pub kind: &'static str,
    /// kubectl's short names.
    pub short_names: &'static [&'static str],
    /// Whether objects live in a namespace.
    pub namespaced: bool,
}

macro_rules! table {
    ($(($group:literal, $version:literal, $resource:literal, $kind:literal, [$($short:literal),*], $namespaced:literal)),* $(,)?) => {
        &[$(ResourceType {
            group: $group,
            version: $version,
            resource: $resource,
            kind: $kind,
            short_names: &[$($short),*],
            namespaced: $namespaced,
        }),*]
    };
}

/// Every built-in resource of Kubernetes v1.32 that `kubectl api-resources` lists, core group
/// first, then groups in alphabetical order (kubectl's discovery order).
pub const BUILT_IN_RESOURCES: &[ResourceType] = table![
    ("", "v1", "bindings", "Binding", [], true),
    (
        "",
        "v1",
        "componentstatuses",
        "ComponentStatus",
        ["cs"],
        false
    ),
    ("", "v1", "configmaps", "ConfigMap", ["cm"], true),
    ("", "v1", "endpoints", "Endpoints", ["ep"], true),
    ("", "v1", "events", "Event", ["ev"], true),
    ("", "v1", "limitranges", "LimitRange", ["limits"], true),
    ("", "v1", "namespaces", "Namespace", ["ns"], false),
    ("", "v1", "nodes", "Node", ["no"], false),
    (
        "",
        "v1",
        "persistentvolumeclaims",
        "PersistentVolumeClaim",
        ["pvc"],
        true
    ),
    (
        "",
        "v1",
        "persistentvolumes",
        "PersistentVolume",
        ["pv"],
        false
    ),
    ("", "v1", "pods", "Pod", ["po"], true),
    ("", "v1", "podtemplates", "PodTemplate", [], true),
    (
        "",
        "v1",
        "replicationcontrollers",
        "ReplicationController",
        ["rc"],
        true
    ),
    ("", "v1", "resourcequotas", "ResourceQuota", ["quota"], true),
    ("", "v1", "secrets", "Secret", [], true),
    ("", "v1", "serviceaccounts", "ServiceAccount", ["sa"], true),
    ("", "v1", "services", "Service", ["svc"], true),
    (
        "admissionregistration.k8s.io",
        "v1",
        "mutatingwebhookconfigurations",
        "MutatingWebhookConfiguration",
        [],
        false
    ),
    (
        "admissionregistration.k8s.io",
        "v1",
        "validatingadmissionpolicies",
        "ValidatingAdmissionPolicy",
        [],
        false
    ),
    (
        "admissionregistration.k8s.io",
        "v1",
        "validatingadmissionpolicybindings",
        "ValidatingAdmissionPolicyBinding",
        [],
        false
    ),
    (
        "admissionregistration.k8s.io",
        "v1",
        "validatingwebhookconfigurations",
        "ValidatingWebhookConfiguration",
        [],
        false
    ),
    (
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        "CustomResourceDefinition",
        ["crd", "crds"],
        false
    ),
    (
        "apiregistration.k8s.io",
        "v1",
        "apiservices",
        "APIService",
        [],
        false
    ),
    (
        "apps",
        "v1",
        "controllerrevisions",
        "ControllerRevision",
        [],
        true
    ),
    ("apps", "v1", "daemonsets", "DaemonSet", ["ds"], true),
    ("apps", "v1", "deployments", "Deployment", ["deploy"], true),
    ("apps", "v1", "replicasets", "ReplicaSet", ["rs"], true),
    ("apps", "v1", "statefulsets", "StatefulSet", ["sts"], true),
    (
        "authentication.k8s.io",
        "v1",
        "selfsubjectreviews",
        "SelfSubjectReview",
        [],
        false
    ),
    (
        "authentication.k8s.io",
        "v1",
        "tokenreviews",
        "TokenReview",
        [],
        false
    ),
    (
        "authorization.k8s.io",
        "v1",
        "localsubjectaccessreviews",
        "LocalSubjectAccessReview",
        [],
        true
    ),
    (
        "authorization.k8s.io",
        "v1",
        "selfsubjectaccessreviews",
        "SelfSubjectAccessReview",
        [],
        false
    ),
    (
        "authorization.k8s.io",
        "v1",
        "selfsubjectrulesreviews",
        "SelfSubjectRulesReview",
        [],
        false
    ),
    (
        "authorization.k8s.io",
        "v1",
        "subjectaccessreviews",
        "SubjectAccessReview",
        [],
        false
    ),
    (
        "autoscaling",
        "v2",
        "horizontalpodautoscalers",
        "HorizontalPodAutoscaler",
        ["hpa"],
        true
    ),
    ("batch", "v1", "cronjobs", "CronJob", ["cj"], true),
    ("batch", "v1", "jobs", "Job", [], true),
    (
        "certificates.k8s.io",
        "v1",
        "certificatesigningrequests",
        "CertificateSigningRequest",
        ["csr"],
        false
    ),
    ("coordination.k8s.io", "v1", "leases", "Lease", [], true),
    (
        "discovery.k8s.io",
        "v1",
        "endpointslices",
        "EndpointSlice",
        [],
        true
    ),
    ("events.k8s.io", "v1", "events", "Event", ["ev"], true),
    (
        "flowcontrol.apiserver.k8s.io",
        "v1",
        "flowschemas",
        "FlowSchema",
        [],
        false
    ),
    (
        "flowcontrol.apiserver.k8s.io",
        "v1",
        "prioritylevelconfigurations",
        "PriorityLevelConfiguration",
        [],
        false
    ),
    (
        "networking.k8s.io",
        "v1",
        "ingressclasses",
        "IngressClass",
        [],
        false
    ),
    (
        "networking.k8s.io",
        "v1",
        "ingresses",
        "Ingress",
        ["ing"],
        true
    ),
    (
        "networking.k8s.io",
        "v1",
        "networkpolicies",
        "NetworkPolicy",
        ["netpol"],
        true
    ),
    (
        "node.k8s.io",
        "v1",
        "runtimeclasses",
        "RuntimeClass",
        [],
        false
    ),
    (
        "policy",
        "v1",
        "poddisruptionbudgets",
        "PodDisruptionBudget",
        ["pdb"],
        true
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        "ClusterRoleBinding",
        [],
        false
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "clusterroles",
        "ClusterRole",
        [],
        false
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "rolebindings",
        "RoleBinding",
        [],
        true
    ),
    ("rbac.authorization.k8s.io", "v1", "roles", "Role", [], true),
    (
        "scheduling.k8s.io",
        "v1",
        "priorityclasses",
        "PriorityClass",
        ["pc"],
        false
    ),
    ("storage.k8s.io", "v1", "csidrivers", "CSIDriver", [], false),
    ("storage.k8s.io", "v1", "csinodes", "CSINode", [], false),
    (
        "storage.k8s.io",
        "v1",
        "csistoragecapacities",
        "CSIStorageCapacity",
        [],
        true
    ),
    (
        "storage.k8s.io",
        "v1",
        "storageclasses",
        "StorageClass",
        ["sc"],
        false
    ),
    (
        "storage.k8s.io",
        "v1",
        "volumeattachments",
        "VolumeAttachment",
        [],
        false
    ),
];

/// What kubectl makes of a resource argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResolvedResource {
    /// A built-in resource.
    BuiltIn(&'static ResourceType),
    /// `*`: every resource (kubectl passes it on as is).
    All,
    /// A resource the table does not have, named fully as `RESOURCE.VERSION.GROUP`: taken as the
    /// admin spelled it (a custom resource).
    Custom {
        /// The plural resource name.
        resource: String,
        /// The version.
        version: String,
        /// The API group.
        group: String,
    },
}

impl ResolvedResource {
    /// The API group an RBAC rule must name.
    pub fn group(&self) -> &str {
        match self {
            Self::BuiltIn(t) => t.group,
            Self::All => "",
            Self::Custom { group, .. } => group,
        }
    }

    /// The plural resource name an RBAC rule must name.
    pub fn resource(&self) -> &str {
        match self {
            Self::BuiltIn(t) => t.resource,
            Self::All => "*",
            Self::Custom { resource, .. } => resource,
        }
    }

    /// Whether the resource is namespaced (`*` and custom resources count as namespaced, as
    /// kubectl's check treats `*` and as nothing offline says otherwise).
    pub fn namespaced(&self) -> bool {
        match self {
            Self::BuiltIn(t) => t.namespaced,
            Self::All | Self::Custom { .. } => true,
        }
    }
}

/// A resource argument kubectl's discovery would not find.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.kubectl_warning())]
pub struct UnknownResource {
    /// The resource part, lower-cased.
    pub resource: String,
    /// The group part (empty when none was given).
    pub group: String,
}

impl UnknownResource {
    /// The text of kubectl's warning (without its `Warning: ` prefix):
    /// `the server doesn't have a resource type 'foo'`, with ` in group 'g'` when a group was
    /// given.
    pub fn kubectl_warning(&self) -> String {
        if self.group.is_empty() {
            format!(
                "the server doesn't have a resource type '{}'",
                self.resource
            )
        } else {
            format!(
                "the server doesn't have a resource type '{}' in group '{}'",
                self.resource, self.group
            )
        }
    }

    /// Whether kubectl stays silent about this name: `users` and `groups` (of any group) are
    /// served but not discoverable (the `impersonate` verb's resources).
    pub fn is_non_standard(&self) -> bool {
        let full = if self.group.is_empty() {
            self.resource.clone()
        } else {
            format!("{}.{}", self.resource, self.group)
        };
        full == "users" || full == "groups"
    }
}

/// Resolves a resource argument as `kubectl auth can-i` does (`resourceFor`): lower-cased,
/// `RESOURCE.VERSION.GROUP` tried first, then `RESOURCE[.GROUP]`, each by short name, plural or
/// singular name; the core group wins a tie, then the table's order.
///
/// A name the table does not have is an error, except `RESOURCE.VERSION.GROUP` whose version
/// looks like a Kubernetes version (`v1`, `v2beta1`) in a group that is not built in: that is
/// taken as a custom resource.
///
/// ```
/// use kube_tls_bootstrap::rbac::resources::resolve;
/// let csr = resolve("csr").unwrap();
/// assert_eq!((csr.group(), csr.resource()), ("certificates.k8s.io", "certificatesigningrequests"));
/// assert_eq!(resolve("Deployment.apps").unwrap().resource(), "deployments");
/// assert_eq!(resolve("csr.v1.certificates.k8s.io").unwrap().resource(), "certificatesigningrequests");
/// assert_eq!(
///     resolve("widgets").unwrap_err().kubectl_warning(),
///     "the server doesn't have a resource type 'widgets'"
/// );
/// ```
pub fn resolve(argument: &str) -> Result<ResolvedResource, UnknownResource> {
    if argument == "*" {
        return Ok(ResolvedResource::All);
    }
    let lower = argument.to_ascii_lowercase();
    let parts: Vec<&str> = lower.splitn(3, '.').collect();
    if let [resource, version, group] = parts[..]
        && let Some(found) = find(resource, Some(version), group)
    {
        return Ok(ResolvedResource::BuiltIn(found));
    }
    let (resource, group) = lower.split_once('.').unwrap_or((&lower, ""));
    if let Some(found) = find(resource, None, group) {
        return Ok(ResolvedResource::BuiltIn(found));
    }
    if let [resource, version, group] = parts[..]
        && looks_like_version(version)
        && !resource.is_empty()
        && !group.is_empty()
        && !BUILT_IN_RESOURCES.iter().any(|t| t.group == group)
    {
        return Ok(ResolvedResource::Custom {
            resource: resource.to_owned(),
            version: version.to_owned(),
            group: group.to_owned(),
        });
    }
    Err(UnknownResource {
        resource: resource.to_owned(),
        group: group.to_owned(),
    })
}

fn find(resource: &str, version: Option<&str>, group: &str) -> Option<&'static ResourceType> {
    let group_ok = |t: &ResourceType| group.is_empty() || t.group == group;
    let version_ok = |t: &ResourceType| version.is_none_or(|v| t.version == v);
    // The shortcut expander runs first: a short name becomes its plural.
    let expanded = BUILT_IN_RESOURCES
        .iter()
        .find(|t| group_ok(t) && t.short_names.contains(&resource))
        .map_or(resource, |t| t.resource);
    BUILT_IN_RESOURCES.iter().find(|t| {
        group_ok(t)
            && version_ok(t)
            && (t.resource == expanded || t.kind.eq_ignore_ascii_case(expanded))
    })
}

/// `v1`, `v2`, `v1beta1`, `v2alpha3`: Kubernetes' version shape.
fn looks_like_version(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('v') else {
        return false;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || rest.starts_with('0') {
        return false;
    }
    let tail = rest.get(digits..).unwrap_or_default();
    if tail.is_empty() {
        return true;
    }
    let tail = tail
        .strip_prefix("alpha")
        .or_else(|| tail.strip_prefix("beta"));
    tail.is_some_and(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_like_kubectl() {
        let r = |s: &str| {
            let r = resolve(s).unwrap();
            (r.group().to_owned(), r.resource().to_owned())
        };
        let csr = (
            "certificates.k8s.io".to_owned(),
            "certificatesigningrequests".to_owned(),
        );
        for name in [
            "csr",
            "CSR",
            "certificatesigningrequests",
            "certificatesigningrequest",
            "CertificateSigningRequest",
            "csr.certificates.k8s.io",
            "certificatesigningrequests.v1.certificates.k8s.io",
        ] {
            assert_eq!(r(name), csr, "{name}");
        }
        assert_eq!(r("ev"), (String::new(), "events".to_owned()));
        assert_eq!(
            r("ev.events.k8s.io"),
            ("events.k8s.io".to_owned(), "events".to_owned())
        );
        assert_eq!(r("po"), (String::new(), "pods".to_owned()));
        assert_eq!(
            r("deploy.apps"),
            ("apps".to_owned(), "deployments".to_owned())
        );
        assert_eq!(resolve("*").unwrap(), ResolvedResource::All);
        assert_eq!(
            resolve("widgets.v1.example.com").unwrap(),
            ResolvedResource::Custom {
                resource: "widgets".into(),
                version: "v1".into(),
                group: "example.com".into()
            }
        );
        let e = resolve("csr.v2.certificates.k8s.io").unwrap_err();
        assert_eq!(
            e.kubectl_warning(),
            "the server doesn't have a resource type 'csr' in group 'v2.certificates.k8s.io'"
        );
        assert!(resolve("users").unwrap_err().is_non_standard());
        assert!(
            !resolve("widgets.example.com")
                .unwrap_err()
                .is_non_standard()
        );
        assert!(resolve("pods.nope").is_err());
        assert!(resolve("deployments").unwrap().namespaced());
        assert!(!resolve("nodes").unwrap().namespaced());
    }

    #[test]
    fn versions() {
        for v in ["v1", "v2", "v1beta1", "v10alpha2"] {
            assert!(looks_like_version(v), "{v}");
        }
        for v in [
            "v",
            "v0",
            "1",
            "vbeta1",
            "v1beta",
            "v1gamma1",
            "certificates",
        ] {
            assert!(!looks_like_version(v), "{v}");
        }
    }
}
