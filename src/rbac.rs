//! What a caller may do: Kubernetes RBAC (`rbac.authorization.k8s.io/v1`) and the authorizer
//! chain kube-apiserver runs in front of it.
//!
//! A request is described by [`Attributes`] (who, which verb, which object or path; built by
//! hand or from an HTTP request with [`Attributes::from_http`]); an authorizer answers with a
//! [`Decision`] — Allow, Deny or NoOpinion — and the reason string Kubernetes would give. Every
//! authorizer implements the one-method trait [`Authorize`], so callers such as CSR admission or
//! the approving controller can take any of them:
//!
//! - [`Policy`]: the RBAC objects, and RBAC's own walk over every binding (Kubernetes' order of
//!   evaluation, exact reasons); [`Policy::explain`] keeps the evidence as an [`Explanation`];
//! - [`IndexedAuthorizer`]: the same answers, bindings looked up by subject;
//! - [`PrivilegedGroupAuthorizer`]: allows everything to `system:masters`;
//! - [`NodeAuthorizer`]: the Node authorizer's CSR rules;
//! - [`AuthorizerChain`]: kube-apiserver's `--authorization-mode` list, where the first Allow or
//!   Deny decides; [`forbidden_message`] is the 403 the API server returns otherwise.
//!
//! Around them: the objects with serde ([`PolicyRule`], [`ClusterRole`], [`RoleBinding`], …),
//! [`parse_manifests`] for YAML streams, `List`s and JSON arrays, [`Object::validate`] with the
//! API server's messages, aggregation ([`Policy::aggregate_cluster_roles`]), the escalation
//! check ([`Policy::confirm_no_escalation`]), the signer checks of CSR admission
//! ([`is_authorized_for_signer_name`]), and in [`bootstrap`] the default CSR roles, kubeadm's
//! bindings and `kubectl create clusterrolebinding`.
//!
//! ```
//! use kube_tls_bootstrap::identity::UserInfo;
//! use kube_tls_bootstrap::rbac::{Attributes, Authorize, AuthorizerChain, Decision,
//!     PrivilegedGroupAuthorizer};
//!
//! let chain = AuthorizerChain::new().with(PrivilegedGroupAuthorizer::system_masters());
//! let admin = UserInfo::new("kubernetes-admin", ["system:masters", "system:authenticated"]);
//! let approve = Attributes::resource(admin, "update", "certificates.k8s.io",
//!     "certificatesigningrequests").with_subresource("approval").with_name("csr-8b2tm");
//! assert_eq!(chain.authorize(&approve), Decision::allow(""));
//! ```

mod aggregation;
pub mod bootstrap;
mod chain;
mod escalation;
mod index;
mod manifest;
mod matching;
mod objects;
mod policy;
mod request;
pub mod resources;
mod validation;

pub use crate::field::path_segment_name_errors;
pub use aggregation::{AggregationError, SelectorError, aggregated_rules};
pub use chain::{
    AuthorizerChain, NodeAuthorizer, PrivilegedGroupAuthorizer, forbidden_message,
    is_authorized_for_signer_name, signer_attributes,
};
pub use escalation::{EscalationError, breakdown_rule, compact_rules, covers};
pub use index::IndexedAuthorizer;
pub use manifest::{ManifestError, Manifests, parse_manifests};
pub use objects::{
    API_VERSION, AUTOUPDATE_ANNOTATION, AggregationRule, BindingSubject, ClusterRole,
    ClusterRoleBinding, GROUP_KIND, LabelSelector, LabelSelectorRequirement, Object, ObjectMeta,
    PolicyRule, Role, RoleBinding, RoleRef, SERVICE_ACCOUNT_KIND, SERVICE_ACCOUNT_USER_PREFIX,
    USER_KIND, WILDCARD,
};
pub use policy::{BindingKind, Explanation, Grant, MatchedBinding, Policy};
pub use request::RequestInfoError;
pub use validation::ValidationError;

use crate::identity::UserInfo;

/// The API group of the RBAC objects, `rbac.authorization.k8s.io`.
pub const GROUP_NAME: &str = "rbac.authorization.k8s.io";

impl Object {
    /// The object as `kubectl get -o yaml` prints it.
    pub fn to_yaml(&self) -> String {
        crate::go::yaml::to_yaml(&self.to_json_value())
    }

    /// The object as `kubectl get -o json` prints it: four-space indent, Go's field order,
    /// `<`, `>` and `&` escaped as Go's encoder escapes them, and a final newline.
    pub fn to_json_pretty(&self) -> String {
        to_json_pretty(self)
    }

    fn to_json_value(&self) -> serde_json::Value {
        // Serializing these types cannot fail: every map key is a string and there are no
        // floats.
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// Several objects as `kubectl get -o yaml` prints a `List` of them (`apiVersion: v1`,
/// `items`, `kind: List`, `metadata: {}`... as the Kubernetes golden files have them).
pub fn list_to_yaml(objects: &[Object]) -> String {
    let items: Vec<serde_json::Value> = objects.iter().map(Object::to_json_value).collect();
    let list = serde_json::json!({
        "apiVersion": "v1",
        "items": items,
        "kind": "List",
        "metadata": {},
    });
    crate::go::yaml::to_yaml(&list)
}

/// The attributes of one request an authorizer decides on (Kubernetes'
/// `authorizer.AttributesRecord`).
///
/// A *resource request* names an API object (`verb`, `api_group`, `resource`, `subresource`,
/// `name`, `namespace`); a *non-resource request* names a URL path (`verb`, `path`). Which of the
/// two it is, is `resource_request`; the fields of the other kind are ignored by every authorizer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Attributes {
    /// Who is asking, as authentication left it.
    pub user: UserInfo,
    /// The verb: `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`,
    /// `deletecollection`, or a special verb such as `approve`, `sign`, `bind`, `escalate`; for
    /// non-resource requests the lower-cased HTTP method.
    pub verb: String,
    /// The namespace of the object, empty for cluster-scoped objects and cluster-wide requests.
    pub namespace: String,
    /// The API group, empty for the core group.
    pub api_group: String,
    /// The API version (`v1`); `*` where Kubernetes checks "any version" (admission does).
    pub api_version: String,
    /// The resource, plural and lower case (`certificatesigningrequests`).
    pub resource: String,
    /// The subresource (`approval`, `status`), empty for the main resource.
    pub subresource: String,
    /// The object's name; empty for `create`, and for `list`/`watch` without a
    /// `metadata.name` field selector.
    pub name: String,
    /// Whether this is a resource request (true) or a non-resource request (false).
    pub resource_request: bool,
    /// The URL path of a non-resource request (`/healthz`).
    pub path: String,
}

impl Attributes {
    /// A resource request at cluster scope, with no subresource and no name.
    pub fn resource(
        user: UserInfo,
        verb: impl Into<String>,
        api_group: impl Into<String>,
        resource: impl Into<String>,
    ) -> Self {
        Self {
            user,
            verb: verb.into(),
            api_group: api_group.into(),
            resource: resource.into(),
            resource_request: true,
            ..Self::default()
        }
    }

    /// A non-resource request: `verb` on the URL `path`.
    pub fn non_resource(user: UserInfo, verb: impl Into<String>, path: impl Into<String>) -> Self {
        Self {
            user,
            verb: verb.into(),
            path: path.into(),
            resource_request: false,
            ..Self::default()
        }
    }

    /// The same request for a subresource.
    #[must_use]
    pub fn with_subresource(mut self, subresource: impl Into<String>) -> Self {
        self.subresource = subresource.into();
        self
    }

    /// The same request for the object `name`.
    #[must_use]
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The same request in `namespace`.
    #[must_use]
    pub fn with_namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = namespace.into();
        self
    }

    /// The same request with an API version.
    #[must_use]
    pub fn with_api_version(mut self, api_version: impl Into<String>) -> Self {
        self.api_version = api_version.into();
        self
    }

    /// `resource` or `resource/subresource`: the string RBAC rules are matched against.
    pub fn combined_resource(&self) -> std::borrow::Cow<'_, str> {
        if self.subresource.is_empty() {
            std::borrow::Cow::Borrowed(&self.resource)
        } else {
            std::borrow::Cow::Owned(format!("{}/{}", self.resource, self.subresource))
        }
    }
}

/// An authorizer's answer, with the reason string Kubernetes gives alongside it.
///
/// RBAC itself never denies: it allows or has no opinion. Deny exists for authorizers (webhooks)
/// that do, and ends an [`AuthorizerChain`] just as Allow does.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Decision {
    /// The request is allowed.
    Allow {
        /// Why, e.g. `RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y" to Group "z"`;
        /// empty where Kubernetes gives none (the privileged-group and node authorizers).
        reason: String,
    },
    /// The request is denied; no later authorizer is asked.
    Deny {
        /// Why.
        reason: String,
    },
    /// This authorizer neither allows nor denies; the next one in the chain is asked.
    NoOpinion {
        /// Usually empty; RBAC puts its role-resolution errors here
        /// (`RBAC: clusterrole.rbac.authorization.k8s.io "x" not found`).
        reason: String,
    },
}

impl Decision {
    /// An Allow with `reason`.
    pub fn allow(reason: impl Into<String>) -> Self {
        Self::Allow {
            reason: reason.into(),
        }
    }

    /// A Deny with `reason`.
    pub fn deny(reason: impl Into<String>) -> Self {
        Self::Deny {
            reason: reason.into(),
        }
    }

    /// A NoOpinion with `reason`.
    pub fn no_opinion(reason: impl Into<String>) -> Self {
        Self::NoOpinion {
            reason: reason.into(),
        }
    }

    /// Whether the request is allowed.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Self::Allow { .. })
    }

    /// Whether the request is explicitly denied.
    pub fn is_denied(&self) -> bool {
        matches!(self, Self::Deny { .. })
    }

    /// The reason string, empty when there is none.
    pub fn reason(&self) -> &str {
        match self {
            Self::Allow { reason } | Self::Deny { reason } | Self::NoOpinion { reason } => reason,
        }
    }
}

/// Anything that decides whether a request is allowed: one authorizer of kube-apiserver's
/// `--authorization-mode` list, or the whole chain.
///
/// The trait is object-safe, so callers can hold a `&dyn Authorize` or a
/// `Box<dyn Authorize + Send + Sync>`.
pub trait Authorize {
    /// The decision on `attributes`, with Kubernetes' reason string.
    fn authorize(&self, attributes: &Attributes) -> Decision;
}

impl<T: Authorize + ?Sized> Authorize for &T {
    fn authorize(&self, attributes: &Attributes) -> Decision {
        (**self).authorize(attributes)
    }
}

impl<T: Authorize + ?Sized> Authorize for Box<T> {
    fn authorize(&self, attributes: &Attributes) -> Decision {
        (**self).authorize(attributes)
    }
}

impl<T: Authorize + ?Sized> Authorize for std::sync::Arc<T> {
    fn authorize(&self, attributes: &Attributes) -> Decision {
        (**self).authorize(attributes)
    }
}

pub(crate) fn to_json_pretty(object: &impl serde::Serialize) -> String {
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    // Writing these types into a Vec cannot fail (string keys, no floats).
    if serde::Serialize::serialize(object, &mut serializer).is_err() {
        return String::new();
    }
    let text = String::from_utf8_lossy(&out);
    // Go's encoder escapes these inside strings; outside strings they never occur in JSON.
    let mut text = text
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builders_fill_the_right_fields() {
        let user = UserInfo::new("u", ["g"]);
        let a = Attributes::resource(user.clone(), "get", "certificates.k8s.io", "csrs")
            .with_subresource("status")
            .with_name("n")
            .with_namespace("ns")
            .with_api_version("v1");
        assert!(a.resource_request);
        assert_eq!(a.combined_resource(), "csrs/status");
        assert_eq!(
            (
                a.name.as_str(),
                a.namespace.as_str(),
                a.api_version.as_str()
            ),
            ("n", "ns", "v1")
        );
        let n = Attributes::non_resource(user, "get", "/healthz");
        assert!(!n.resource_request);
        assert_eq!(n.path, "/healthz");
        assert_eq!(n.combined_resource(), "");
    }

    #[test]
    fn decision_accessors() {
        assert!(Decision::allow("r").is_allowed());
        assert!(!Decision::allow("r").is_denied());
        assert!(Decision::deny("d").is_denied());
        assert_eq!(Decision::deny("d").reason(), "d");
        assert!(!Decision::no_opinion("").is_allowed());
        assert_eq!(Decision::no_opinion("x").reason(), "x");
    }
}
