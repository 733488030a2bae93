//! kube-apiserver's authorizer chain, the privileged-group authorizer that always heads it, the
//! node authorizer's CSR rules, and the 403 message the API server writes when nobody allows.

use super::{Attributes, Authorize, Decision};
use crate::go;
use crate::identity::{NODE_USER_PREFIX, NODES_GROUP, SYSTEM_PRIVILEGED_GROUP, UserInfo};

/// kube-apiserver's `--authorization-mode` list (Kubernetes' union authorizer): authorizers are
/// asked in order and the first Allow or Deny decides, with that authorizer's reason.
///
/// When every authorizer has no opinion, the decision is NoOpinion and its reason is the
/// non-empty reasons of all authorizers joined with a newline, as Kubernetes joins them. An
/// empty chain has no opinion on anything.
#[derive(Default)]
pub struct AuthorizerChain {
    links: Vec<Box<dyn Authorize + Send + Sync>>,
}

impl AuthorizerChain {
    /// An empty chain.
    pub fn new() -> Self {
        Self::default()
    }

    /// The chain with `authorizer` appended at the end.
    #[must_use]
    pub fn with(mut self, authorizer: impl Authorize + Send + Sync + 'static) -> Self {
        self.push(authorizer);
        self
    }

    /// Appends `authorizer` at the end of the chain.
    pub fn push(&mut self, authorizer: impl Authorize + Send + Sync + 'static) {
        self.links.push(Box::new(authorizer));
    }

    /// How many authorizers the chain holds.
    pub fn len(&self) -> usize {
        self.links.len()
    }

    /// Whether the chain holds no authorizer.
    pub fn is_empty(&self) -> bool {
        self.links.is_empty()
    }
}

impl std::fmt::Debug for AuthorizerChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizerChain")
            .field("len", &self.links.len())
            .finish()
    }
}

impl Authorize for AuthorizerChain {
    fn authorize(&self, attributes: &Attributes) -> Decision {
        let mut reasons: Vec<String> = Vec::new();
        for link in &self.links {
            match link.authorize(attributes) {
                decided @ (Decision::Allow { .. } | Decision::Deny { .. }) => return decided,
                Decision::NoOpinion { reason } => {
                    if !reason.is_empty() {
                        reasons.push(reason);
                    }
                }
            }
        }
        Decision::no_opinion(reasons.join("\n"))
    }
}

/// Allows every request from a member of one of its groups, with an empty reason (Kubernetes'
/// `authorizerfactory.NewPrivilegedGroups`). kube-apiserver always puts one for
/// `system:masters` first in its chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrivilegedGroupAuthorizer {
    groups: Vec<String>,
}

impl PrivilegedGroupAuthorizer {
    /// An authorizer that allows everything to members of any of `groups`.
    pub fn new(groups: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self {
            groups: groups.into_iter().map(Into::into).collect(),
        }
    }

    /// The one kube-apiserver installs: `system:masters`.
    pub fn system_masters() -> Self {
        Self::new([SYSTEM_PRIVILEGED_GROUP])
    }
}

impl Authorize for PrivilegedGroupAuthorizer {
    fn authorize(&self, attributes: &Attributes) -> Decision {
        let privileged = attributes
            .user
            .groups
            .iter()
            .any(|g| self.groups.iter().any(|p| p == g));
        if privileged {
            Decision::allow("")
        } else {
            Decision::no_opinion("")
        }
    }
}

/// The part of the Node authorizer (`--authorization-mode=Node`) that concerns certificate
/// signing requests: a node — a user `system:node:<name>` in group `system:nodes` — may
/// `create`, `get`, `list` and `watch` `certificatesigningrequests` in `certificates.k8s.io`
/// (one of Kubernetes' `NodeRules()`), which is how kubelets renew their client certificates
/// without an RBAC binding.
///
/// The authorizer's other rules (pods, secrets, the node graph) are out of this crate's scope:
/// for every other request it has no opinion. A user in `system:nodes` whose name is exactly
/// `system:node:` gets NoOpinion with the reason `unknown node for user "system:node:"`, as in
/// Kubernetes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NodeAuthorizer;

impl NodeAuthorizer {
    /// The verbs `NodeRules()` grants on `certificatesigningrequests`.
    pub const CSR_VERBS: [&'static str; 4] = ["create", "get", "list", "watch"];
}

impl NodeAuthorizer {
    /// `authorizeNode` (k/k `plugin/pkg/auth/authorizer/node/node_authorizer.go`, with the
    /// `AuthorizeNodeWithSelectors` gate on, the default since 1.32): create, update and patch of
    /// `nodes` are allowed (NodeRestriction limits them to the node's own object), reads only of
    /// the node's own name, update and patch of `nodes/status`; nothing else.
    fn authorize_node(node_name: &str, attributes: &Attributes) -> Decision {
        let verb = attributes.verb.as_str();
        match attributes.subresource.as_str() {
            "" => match verb {
                "create" | "update" | "patch" => return Decision::allow(""),
                "get" | "list" | "watch" => {
                    return if attributes.name == node_name {
                        Decision::allow("")
                    } else if attributes.name.is_empty() {
                        Decision::no_opinion(format!(
                            "node '{node_name}' cannot read all nodes, only its own Node object"
                        ))
                    } else {
                        Decision::no_opinion(format!(
                            "node '{node_name}' cannot read '{}', only its own Node object",
                            attributes.name
                        ))
                    };
                }
                _ => {}
            },
            "status" if matches!(verb, "update" | "patch") => return Decision::allow(""),
            _ => {}
        }
        Decision::no_opinion("")
    }
}

impl Authorize for NodeAuthorizer {
    fn authorize(&self, attributes: &Attributes) -> Decision {
        let user = &attributes.user;
        let Some(node_name) = user.name.strip_prefix(NODE_USER_PREFIX) else {
            return Decision::no_opinion("");
        };
        if !user.in_group(NODES_GROUP) {
            return Decision::no_opinion("");
        }
        if node_name.is_empty() {
            return Decision::no_opinion(format!(
                "unknown node for user {}",
                go::quote(&user.name)
            ));
        }
        if attributes.resource_request
            && attributes.api_group.is_empty()
            && attributes.resource == "nodes"
        {
            return Self::authorize_node(node_name, attributes);
        }
        let verb_ok = Self::CSR_VERBS.contains(&attributes.verb.as_str());
        let csr = attributes.resource_request
            && verb_ok
            && attributes.api_group == "certificates.k8s.io"
            && attributes.resource == "certificatesigningrequests"
            && attributes.subresource.is_empty();
        if csr {
            Decision::allow("")
        } else {
            Decision::no_opinion("")
        }
    }
}

/// Whether `user` may `verb` (`approve` or `sign`) CSRs of `signer_name`, as the
/// CertificateApproval and CertificateSigning admission plugins ask
/// (`certificates.IsAuthorizedForSignerName`): first `verb` on resource `signers` named
/// `signer_name`, then on `<domain>/*` where `<domain>` is the part before the first `/`. Both
/// requests are in `certificates.k8s.io`, API version `*`, cluster scope. Deny and NoOpinion are
/// alike here.
///
/// ```
/// use kube_tls_bootstrap::identity::UserInfo;
/// use kube_tls_bootstrap::rbac::{Policy, bootstrap, is_authorized_for_signer_name};
/// let policy = Policy::from_objects([bootstrap::certificate_controller_role().into(),
///     bootstrap::certificate_controller_binding().into()]);
/// let controller = UserInfo::new("system:serviceaccount:kube-system:certificate-controller",
///     ["system:serviceaccounts"]);
/// assert!(is_authorized_for_signer_name(&policy, &controller, "approve",
///     "kubernetes.io/kube-apiserver-client-kubelet"));
/// assert!(!is_authorized_for_signer_name(&policy, &controller, "approve",
///     "kubernetes.io/kubelet-serving"));
/// ```
pub fn is_authorized_for_signer_name(
    authorizer: &dyn Authorize,
    user: &UserInfo,
    verb: &str,
    signer_name: &str,
) -> bool {
    signer_attributes(user, verb, signer_name)
        .iter()
        .any(|a| authorizer.authorize(a).is_allowed())
}

/// The two requests of [`is_authorized_for_signer_name`], in the order they are asked: the
/// exact signer name, then `<domain>/*`.
pub fn signer_attributes(user: &UserInfo, verb: &str, signer_name: &str) -> [Attributes; 2] {
    let attributes = |name: String| {
        Attributes::resource(user.clone(), verb, "certificates.k8s.io", "signers")
            .with_name(name)
            .with_api_version("*")
    };
    let domain = signer_name.split('/').next().unwrap_or_default();
    [
        attributes(signer_name.to_owned()),
        attributes(format!("{domain}/*")),
    ]
}

/// The message of the 403 Forbidden status kube-apiserver returns when no authorizer allowed
/// `attributes`, with the chain's `reason` appended after `: ` when it is not empty.
///
/// ```
/// use kube_tls_bootstrap::identity::UserInfo;
/// use kube_tls_bootstrap::rbac::{Attributes, forbidden_message};
/// let a = Attributes::resource(UserInfo::new("system:bootstrap:abcdef", Vec::<String>::new()),
///     "create", "certificates.k8s.io", "certificatesigningrequests");
/// assert_eq!(forbidden_message(&a, ""),
///     "certificatesigningrequests.certificates.k8s.io is forbidden: User \
///      \"system:bootstrap:abcdef\" cannot create resource \"certificatesigningrequests\" \
///      in API group \"certificates.k8s.io\" at the cluster scope");
/// ```
pub fn forbidden_message(attributes: &Attributes, reason: &str) -> String {
    let mut body = String::from("User ");
    go::push_quoted(&mut body, &attributes.user.name);
    body.push_str(" cannot ");
    body.push_str(&attributes.verb);
    if attributes.resource_request {
        body.push_str(" resource ");
        go::push_quoted(&mut body, &attributes.combined_resource());
        body.push_str(" in API group ");
        go::push_quoted(&mut body, &attributes.api_group);
        if attributes.namespace.is_empty() {
            body.push_str(" at the cluster scope");
        } else {
            body.push_str(" in the namespace ");
            go::push_quoted(&mut body, &attributes.namespace);
        }
    } else {
        body.push_str(" path ");
        go::push_quoted(&mut body, &attributes.path);
    }
    // The API server escapes what could read as HTML in its own text, not in the reason.
    let mut body = body
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    if !reason.is_empty() {
        body.push_str(": ");
        body.push_str(reason);
    }
    // apierrors.NewForbidden: the group-qualified resource, then the quoted name if any.
    let (group, resource) = if attributes.resource_request {
        (attributes.api_group.as_str(), attributes.resource.as_str())
    } else {
        ("", "")
    };
    let qualified = if group.is_empty() {
        resource.to_owned()
    } else {
        format!("{resource}.{group}")
    };
    if qualified.is_empty() {
        format!("forbidden: {body}")
    } else if attributes.name.is_empty() || !attributes.resource_request {
        format!("{qualified} is forbidden: {body}")
    } else {
        format!(
            "{qualified} {} is forbidden: {body}",
            go::quote(&attributes.name)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::UserInfo;

    struct Fixed(Decision);
    impl Authorize for Fixed {
        fn authorize(&self, _: &Attributes) -> Decision {
            self.0.clone()
        }
    }

    fn req(user: UserInfo) -> Attributes {
        Attributes::resource(
            user,
            "create",
            "certificates.k8s.io",
            "certificatesigningrequests",
        )
    }

    #[test]
    fn chain_stops_at_first_allow_or_deny_and_joins_reasons() {
        let a = req(UserInfo::new("u", ["g"]));
        let chain = AuthorizerChain::new()
            .with(Fixed(Decision::no_opinion("first")))
            .with(Fixed(Decision::no_opinion("")))
            .with(Fixed(Decision::deny("denied")))
            .with(Fixed(Decision::allow("never reached")));
        assert_eq!(chain.authorize(&a), Decision::deny("denied"));
        assert_eq!(chain.len(), 4);
        let chain = AuthorizerChain::new()
            .with(Fixed(Decision::no_opinion("one")))
            .with(Fixed(Decision::no_opinion("")))
            .with(Fixed(Decision::no_opinion("two")));
        assert_eq!(chain.authorize(&a), Decision::no_opinion("one\ntwo"));
        assert_eq!(
            AuthorizerChain::new().authorize(&a),
            Decision::no_opinion("")
        );
        assert!(AuthorizerChain::new().is_empty());
        assert!(!chain.is_empty());
        assert_eq!(format!("{chain:?}"), "AuthorizerChain { len: 3 }");
    }

    #[test]
    fn privileged_group_allows_system_masters_only() {
        let p = PrivilegedGroupAuthorizer::system_masters();
        let master = req(UserInfo::new("x", ["a", "system:masters"]));
        assert_eq!(p.authorize(&master), Decision::allow(""));
        let other = req(UserInfo::new("system:masters", ["system:master"]));
        assert_eq!(p.authorize(&other), Decision::no_opinion(""));
    }

    #[test]
    fn node_authorizer_node_rules() {
        let node = UserInfo::new("system:node:n1", ["system:nodes", "system:authenticated"]);
        let nodes = |verb: &str, name: &str| {
            let a = Attributes::resource(node.clone(), verb, "", "nodes");
            if name.is_empty() {
                a
            } else {
                a.with_name(name)
            }
        };
        for verb in ["create", "update", "patch"] {
            assert_eq!(
                NodeAuthorizer.authorize(&nodes(verb, "n2")),
                Decision::allow("")
            );
        }
        for verb in ["get", "list", "watch"] {
            assert_eq!(
                NodeAuthorizer.authorize(&nodes(verb, "n1")),
                Decision::allow("")
            );
            assert_eq!(
                NodeAuthorizer.authorize(&nodes(verb, "n2")),
                Decision::no_opinion("node 'n1' cannot read 'n2', only its own Node object")
            );
            assert_eq!(
                NodeAuthorizer.authorize(&nodes(verb, "")),
                Decision::no_opinion("node 'n1' cannot read all nodes, only its own Node object")
            );
        }
        assert_eq!(
            NodeAuthorizer.authorize(&nodes("delete", "n1")),
            Decision::no_opinion("")
        );
        for verb in ["update", "patch"] {
            let status = nodes(verb, "n1").with_subresource("status");
            assert_eq!(NodeAuthorizer.authorize(&status), Decision::allow(""));
        }
        // Only the core group's `nodes` is the Node object: the same name in another group (as
        // metrics.k8s.io serves it) gets no opinion, nor does a path that mentions nodes.
        let metrics =
            Attributes::resource(node.clone(), "get", "metrics.k8s.io", "nodes").with_name("n1");
        assert_eq!(NodeAuthorizer.authorize(&metrics), Decision::no_opinion(""));
        let get_status = nodes("get", "n1").with_subresource("status");
        assert_eq!(
            NodeAuthorizer.authorize(&get_status),
            Decision::no_opinion("")
        );
    }

    #[test]
    fn node_authorizer_csr_rules() {
        let node = UserInfo::new("system:node:n1", ["system:nodes", "system:authenticated"]);
        for verb in ["create", "get", "list", "watch"] {
            let mut a = req(node.clone());
            a.verb = verb.to_owned();
            assert_eq!(NodeAuthorizer.authorize(&a), Decision::allow(""), "{verb}");
        }
        let mut delete = req(node.clone());
        delete.verb = "delete".to_owned();
        assert_eq!(NodeAuthorizer.authorize(&delete), Decision::no_opinion(""));
        let approval = req(node.clone()).with_subresource("approval");
        assert_eq!(
            NodeAuthorizer.authorize(&approval),
            Decision::no_opinion("")
        );
        let not_in_group = req(UserInfo::new("system:node:n1", ["system:authenticated"]));
        assert_eq!(
            NodeAuthorizer.authorize(&not_in_group),
            Decision::no_opinion("")
        );
        let nameless = req(UserInfo::new("system:node:", ["system:nodes"]));
        assert_eq!(
            NodeAuthorizer.authorize(&nameless),
            Decision::no_opinion("unknown node for user \"system:node:\"")
        );
        let path = Attributes::non_resource(node, "get", "/healthz");
        assert_eq!(NodeAuthorizer.authorize(&path), Decision::no_opinion(""));
    }

    #[test]
    fn signer_checks_try_the_domain_wildcard() {
        let user = UserInfo::new("u", ["g"]);
        let [exact, wildcard] = signer_attributes(&user, "sign", "example.com/a/b");
        assert_eq!(exact.name, "example.com/a/b");
        assert_eq!(wildcard.name, "example.com/*");
        assert_eq!(
            (
                wildcard.api_group.as_str(),
                wildcard.resource.as_str(),
                wildcard.api_version.as_str()
            ),
            ("certificates.k8s.io", "signers", "*")
        );
        struct OnlyWildcard;
        impl Authorize for OnlyWildcard {
            fn authorize(&self, a: &Attributes) -> Decision {
                if a.name == "example.com/*" {
                    Decision::allow("")
                } else {
                    Decision::deny("no")
                }
            }
        }
        assert!(is_authorized_for_signer_name(
            &OnlyWildcard,
            &user,
            "sign",
            "example.com/x"
        ));
        assert!(!is_authorized_for_signer_name(
            &OnlyWildcard,
            &user,
            "sign",
            "example.org/x"
        ));
        let [_, no_slash] = signer_attributes(&user, "approve", "nodomain");
        assert_eq!(no_slash.name, "nodomain/*");
    }

    #[test]
    fn forbidden_messages() {
        let user = UserInfo::new("system:node:n<1>", Vec::<String>::new());
        let a = Attributes::resource(
            user.clone(),
            "update",
            "certificates.k8s.io",
            "certificatesigningrequests",
        )
        .with_subresource("approval")
        .with_name("csr-1");
        assert_eq!(
            forbidden_message(&a, "RBAC: role.rbac.authorization.k8s.io \"r\" not found"),
            "certificatesigningrequests.certificates.k8s.io \"csr-1\" is forbidden: User \
             \"system:node:n&lt;1&gt;\" cannot update resource \"certificatesigningrequests/approval\" \
             in API group \"certificates.k8s.io\" at the cluster scope: \
             RBAC: role.rbac.authorization.k8s.io \"r\" not found"
        );
        let pods = Attributes::resource(user.clone(), "list", "", "pods").with_namespace("ns1");
        assert_eq!(
            forbidden_message(&pods, ""),
            "pods is forbidden: User \"system:node:n&lt;1&gt;\" cannot list resource \"pods\" \
             in API group \"\" in the namespace \"ns1\""
        );
        let path = Attributes::non_resource(user, "get", "/metrics");
        assert_eq!(
            forbidden_message(&path, ""),
            "forbidden: User \"system:node:n&lt;1&gt;\" cannot get path \"/metrics\""
        );
    }
}
