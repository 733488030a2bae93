//! The resources this API serves, with what discovery says about each: group, version, kind,
//! short names, verbs and subresources, as kube-apiserver v1.32 registers them.

use std::fmt;

/// An API group and version the server serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum GroupVersion {
    /// The core group, `/api/v1`.
    CoreV1,
    /// `certificates.k8s.io/v1`.
    CertificatesV1,
    /// `rbac.authorization.k8s.io/v1`.
    RbacV1,
    /// `authorization.k8s.io/v1`.
    AuthorizationV1,
    /// `authentication.k8s.io/v1`.
    AuthenticationV1,
}

impl GroupVersion {
    /// Every group version served, core first, then the named groups in the order `/apis` lists
    /// them.
    pub const ALL: [Self; 5] = [
        Self::CoreV1,
        Self::AuthenticationV1,
        Self::AuthorizationV1,
        Self::CertificatesV1,
        Self::RbacV1,
    ];

    /// The group name (`""` for the core group).
    pub const fn group(self) -> &'static str {
        match self {
            Self::CoreV1 => "",
            Self::CertificatesV1 => "certificates.k8s.io",
            Self::RbacV1 => "rbac.authorization.k8s.io",
            Self::AuthorizationV1 => "authorization.k8s.io",
            Self::AuthenticationV1 => "authentication.k8s.io",
        }
    }

    /// The version (`v1` for all of them).
    pub const fn version(self) -> &'static str {
        "v1"
    }

    /// `apiVersion` as objects carry it: `v1` for the core group, `group/v1` otherwise.
    pub const fn api_version(self) -> &'static str {
        match self {
            Self::CoreV1 => "v1",
            Self::CertificatesV1 => "certificates.k8s.io/v1",
            Self::RbacV1 => "rbac.authorization.k8s.io/v1",
            Self::AuthorizationV1 => "authorization.k8s.io/v1",
            Self::AuthenticationV1 => "authentication.k8s.io/v1",
        }
    }

    /// The path prefix: `/api/v1` or `/apis/<group>/v1`.
    pub fn path_prefix(self) -> String {
        match self {
            Self::CoreV1 => "/api/v1".to_owned(),
            other => format!("/apis/{}/{}", other.group(), other.version()),
        }
    }

    /// The named group of this name, if served.
    pub fn named_group(group: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|gv| gv.group() == group && *gv != Self::CoreV1)
    }

    /// The resources served in this group version, in the order discovery lists them.
    pub fn resources(self) -> &'static [Resource] {
        match self {
            Self::CoreV1 => &[Resource::Nodes],
            Self::CertificatesV1 => &[Resource::CertificateSigningRequests],
            Self::RbacV1 => &[Resource::ClusterRoleBindings, Resource::ClusterRoles],
            Self::AuthorizationV1 => &[Resource::SelfSubjectAccessReviews],
            Self::AuthenticationV1 => &[Resource::SelfSubjectReviews],
        }
    }
}

/// A resource the server serves. All of them are cluster-scoped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Resource {
    /// `certificates.k8s.io/v1` `certificatesigningrequests`.
    CertificateSigningRequests,
    /// `rbac.authorization.k8s.io/v1` `clusterroles`.
    ClusterRoles,
    /// `rbac.authorization.k8s.io/v1` `clusterrolebindings`.
    ClusterRoleBindings,
    /// core `v1` `nodes`.
    Nodes,
    /// `authorization.k8s.io/v1` `selfsubjectaccessreviews` (create only: `kubectl auth can-i`).
    SelfSubjectAccessReviews,
    /// `authentication.k8s.io/v1` `selfsubjectreviews` (create only: `kubectl auth whoami`).
    SelfSubjectReviews,
}

/// The verbs of a full CRUD resource as discovery lists them (sorted).
const CRUD_VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

impl Resource {
    /// The group version serving it.
    pub const fn group_version(self) -> GroupVersion {
        match self {
            Self::CertificateSigningRequests => GroupVersion::CertificatesV1,
            Self::ClusterRoles | Self::ClusterRoleBindings => GroupVersion::RbacV1,
            Self::Nodes => GroupVersion::CoreV1,
            Self::SelfSubjectAccessReviews => GroupVersion::AuthorizationV1,
            Self::SelfSubjectReviews => GroupVersion::AuthenticationV1,
        }
    }

    /// The plural name in paths.
    pub const fn plural(self) -> &'static str {
        match self {
            Self::CertificateSigningRequests => "certificatesigningrequests",
            Self::ClusterRoles => "clusterroles",
            Self::ClusterRoleBindings => "clusterrolebindings",
            Self::Nodes => "nodes",
            Self::SelfSubjectAccessReviews => "selfsubjectaccessreviews",
            Self::SelfSubjectReviews => "selfsubjectreviews",
        }
    }

    /// The singular name discovery reports.
    pub const fn singular(self) -> &'static str {
        match self {
            Self::CertificateSigningRequests => "certificatesigningrequest",
            Self::ClusterRoles => "clusterrole",
            Self::ClusterRoleBindings => "clusterrolebinding",
            Self::Nodes => "node",
            Self::SelfSubjectAccessReviews => "selfsubjectaccessreview",
            Self::SelfSubjectReviews => "selfsubjectreview",
        }
    }

    /// The object kind.
    pub const fn kind(self) -> &'static str {
        match self {
            Self::CertificateSigningRequests => "CertificateSigningRequest",
            Self::ClusterRoles => "ClusterRole",
            Self::ClusterRoleBindings => "ClusterRoleBinding",
            Self::Nodes => "Node",
            Self::SelfSubjectAccessReviews => "SelfSubjectAccessReview",
            Self::SelfSubjectReviews => "SelfSubjectReview",
        }
    }

    /// The list kind (`<Kind>List`).
    pub fn list_kind(self) -> String {
        format!("{}List", self.kind())
    }

    /// Short names (`csr`, `no`).
    pub const fn short_names(self) -> &'static [&'static str] {
        match self {
            Self::CertificateSigningRequests => &["csr"],
            Self::Nodes => &["no"],
            _ => &[],
        }
    }

    /// The verbs of the main resource, sorted as discovery lists them.
    pub const fn verbs(self) -> &'static [&'static str] {
        match self {
            Self::SelfSubjectAccessReviews | Self::SelfSubjectReviews => &["create"],
            _ => CRUD_VERBS,
        }
    }

    /// Whether the resource is a create-only review (no names, no list).
    pub const fn is_review(self) -> bool {
        matches!(
            self,
            Self::SelfSubjectAccessReviews | Self::SelfSubjectReviews
        )
    }

    /// The subresources served.
    pub const fn subresources(self) -> &'static [Subresource] {
        match self {
            Self::CertificateSigningRequests => &[Subresource::Approval, Subresource::Status],
            Self::Nodes => &[Subresource::Status],
            _ => &[],
        }
    }

    /// The field selector labels the list handler accepts besides none at all.
    pub(crate) const fn field_labels(self) -> FieldLabels {
        match self {
            Self::CertificateSigningRequests => {
                FieldLabels::Custom(&["metadata.name", "spec.signerName"])
            }
            Self::Nodes => FieldLabels::Custom(&["metadata.name", "spec.unschedulable"]),
            _ => FieldLabels::Default,
        }
    }

    /// The resource of this plural name in this group version.
    pub fn lookup(group_version: GroupVersion, plural: &str) -> Option<Self> {
        group_version
            .resources()
            .iter()
            .copied()
            .find(|r| r.plural() == plural)
    }

    /// `resource.group` as Kubernetes qualifies it in messages.
    pub fn group_resource(self) -> crate::api::GroupResource {
        crate::api::GroupResource::new(self.group_version().group(), self.plural())
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.plural())
    }
}

/// Which field selector labels a resource converts.
#[derive(Clone, Copy, Debug)]
pub(crate) enum FieldLabels {
    /// `runtime.DefaultMetaV1FieldSelectorConversion`: `metadata.name`, `metadata.namespace`.
    Default,
    /// A resource's own conversion function, answering `field label not supported: <label>`.
    Custom(&'static [&'static str]),
}

/// A subresource served.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Subresource {
    /// `certificatesigningrequests/approval`.
    Approval,
    /// `certificatesigningrequests/status`, `nodes/status`.
    Status,
}

impl Subresource {
    /// The path segment.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Approval => "approval",
            Self::Status => "status",
        }
    }

    /// The verbs discovery lists for it.
    pub const fn verbs(self) -> &'static [&'static str] {
        &["get", "patch", "update"]
    }
}

/// The verb of a resource request, as Kubernetes' request-info resolver names it (the verb RBAC
/// authorizes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Verb {
    /// `POST` to a collection.
    Create,
    /// `GET` of one object (or subresource).
    Get,
    /// `GET` of a collection.
    List,
    /// `GET` with `?watch=true`, or under `/watch/`.
    Watch,
    /// `PUT`.
    Update,
    /// `PATCH`.
    Patch,
    /// `DELETE` of one object.
    Delete,
    /// `DELETE` of a collection.
    DeleteCollection,
}

impl Verb {
    /// The verb as RBAC spells it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Get => "get",
            Self::List => "list",
            Self::Watch => "watch",
            Self::Update => "update",
            Self::Patch => "patch",
            Self::Delete => "delete",
            Self::DeleteCollection => "deletecollection",
        }
    }

    /// The HTTP method that carries it.
    pub const fn method(self) -> &'static str {
        match self {
            Self::Create => "POST",
            Self::Get | Self::List | Self::Watch => "GET",
            Self::Update => "PUT",
            Self::Patch => "PATCH",
            Self::Delete | Self::DeleteCollection => "DELETE",
        }
    }
}

impl fmt::Display for Verb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
