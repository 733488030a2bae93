//! The bootstrap policy: the default ClusterRoles the API server creates for certificate
//! signing requests, the bindings kubeadm creates for TLS bootstrap, and
//! `kubectl create clusterrolebinding` as a builder.

use std::collections::BTreeMap;

use crate::pki::KnownSigner;

use super::objects::{
    AUTOUPDATE_ANNOTATION, BindingSubject, ClusterRole, ClusterRoleBinding, ObjectMeta, PolicyRule,
    RoleRef,
};

/// The label every default role and binding carries.
pub const BOOTSTRAPPING_LABEL: (&str, &str) = ("kubernetes.io/bootstrapping", "rbac-defaults");

/// `system:node-bootstrapper`: create and read CSRs (what the bootstrap token's group needs).
pub const NODE_BOOTSTRAPPER: &str = "system:node-bootstrapper";
/// The ClusterRole whose `create` on `certificatesigningrequests/nodeclient` lets the approver
/// auto-approve a new node's client CSR.
pub const NODECLIENT: &str = "system:certificates.k8s.io:certificatesigningrequests:nodeclient";
/// The ClusterRole whose `create` on `certificatesigningrequests/selfnodeclient` lets the
/// approver auto-approve a node's renewal of its own client certificate.
pub const SELFNODECLIENT: &str =
    "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient";
/// `approve` for signer `kubernetes.io/legacy-unknown`
/// ([`KnownSigner::approver_cluster_role`]).
pub const LEGACY_UNKNOWN_APPROVER: &str = KnownSigner::LegacyUnknown.approver_cluster_role();
/// `approve` for signer `kubernetes.io/kubelet-serving`.
pub const KUBELET_SERVING_APPROVER: &str = KnownSigner::KubeletServing.approver_cluster_role();
/// `approve` for signer `kubernetes.io/kube-apiserver-client`.
pub const KUBE_APISERVER_CLIENT_APPROVER: &str =
    KnownSigner::KubeApiserverClient.approver_cluster_role();
/// `approve` for signer `kubernetes.io/kube-apiserver-client-kubelet`.
pub const KUBE_APISERVER_CLIENT_KUBELET_APPROVER: &str =
    KnownSigner::KubeApiserverClientKubelet.approver_cluster_role();
/// kube-controller-manager's certificate controllers' role (and its binding's name).
pub const CERTIFICATE_CONTROLLER: &str = "system:controller:certificate-controller";

/// kubeadm's bootstrap-token group (`system:bootstrappers:kubeadm:default-node-token`).
pub const KUBEADM_NODE_TOKEN_GROUP: &str = "system:bootstrappers:kubeadm:default-node-token";
/// kubeadm's binding of [`NODE_BOOTSTRAPPER`] to the bootstrap-token group.
pub const KUBEADM_KUBELET_BOOTSTRAP: &str = "kubeadm:kubelet-bootstrap";
/// kubeadm's binding of [`NODECLIENT`] to the bootstrap-token group.
pub const KUBEADM_NODE_AUTOAPPROVE_BOOTSTRAP: &str = "kubeadm:node-autoapprove-bootstrap";
/// kubeadm's binding of [`SELFNODECLIENT`] to `system:nodes`.
pub const KUBEADM_NODE_AUTOAPPROVE_CERTIFICATE_ROTATION: &str =
    "kubeadm:node-autoapprove-certificate-rotation";

const CERTIFICATES: &str = "certificates.k8s.io";
const CSRS: &str = "certificatesigningrequests";

/// The default ClusterRoles concerning CSRs, in the order of PROTOCOL.md §3.8, exactly as the
/// API server serves them: rules sorted, label `kubernetes.io/bootstrapping: rbac-defaults`,
/// annotation `rbac.authorization.kubernetes.io/autoupdate: "true"`.
pub fn csr_cluster_roles() -> Vec<ClusterRole> {
    let approver = |signer: KnownSigner| {
        default_role(
            signer.approver_cluster_role(),
            vec![
                PolicyRule::new(["approve"])
                    .groups([CERTIFICATES])
                    .resources(["signers"])
                    .names([signer.name()]),
            ],
        )
    };
    let mut roles = vec![
        default_role(
            NODE_BOOTSTRAPPER,
            vec![
                PolicyRule::new(["create", "get", "list", "watch"])
                    .groups([CERTIFICATES])
                    .resources([CSRS]),
            ],
        ),
        default_role(
            NODECLIENT,
            vec![
                PolicyRule::new(["create"])
                    .groups([CERTIFICATES])
                    .resources(["certificatesigningrequests/nodeclient"]),
            ],
        ),
        default_role(
            SELFNODECLIENT,
            vec![
                PolicyRule::new(["create"])
                    .groups([CERTIFICATES])
                    .resources(["certificatesigningrequests/selfnodeclient"]),
            ],
        ),
    ];
    // bootstrappolicy's order of the approver roles.
    roles.extend(
        [
            KnownSigner::LegacyUnknown,
            KnownSigner::KubeletServing,
            KnownSigner::KubeApiserverClient,
            KnownSigner::KubeApiserverClientKubelet,
        ]
        .map(approver),
    );
    roles.push(certificate_controller_role());
    roles
}

/// `system:controller:certificate-controller`, the role of kube-controller-manager's
/// approving, signing and cleaning controllers.
pub fn certificate_controller_role() -> ClusterRole {
    default_role(
        CERTIFICATE_CONTROLLER,
        vec![
            PolicyRule::new(["get", "list", "watch", "delete"])
                .groups([CERTIFICATES])
                .resources([CSRS]),
            PolicyRule::new(["update"])
                .groups([CERTIFICATES])
                .resources([
                    "certificatesigningrequests/status",
                    "certificatesigningrequests/approval",
                ]),
            // `approve` on the signers csrapproving auto-approves, `sign` on the four it signs.
            PolicyRule::new(["approve"])
                .groups([CERTIFICATES])
                .resources(["signers"])
                .names(
                    KnownSigner::ALL
                        .into_iter()
                        .filter(|s| s.auto_approved())
                        .map(KnownSigner::name),
                ),
            PolicyRule::new(["sign"])
                .groups([CERTIFICATES])
                .resources(["signers"])
                .names(KnownSigner::ALL.map(KnownSigner::name)),
            PolicyRule::new(["create"])
                .groups(["authorization.k8s.io"])
                .resources(["subjectaccessreviews"]),
            PolicyRule::new(["create", "update", "patch"])
                .groups(["", "events.k8s.io"])
                .resources(["events"]),
        ],
    )
}

/// The default binding of [`certificate_controller_role`] to the service account
/// `kube-system/certificate-controller`.
pub fn certificate_controller_binding() -> ClusterRoleBinding {
    ClusterRoleBinding {
        metadata: default_meta(CERTIFICATE_CONTROLLER),
        subjects: vec![BindingSubject::service_account(
            "kube-system",
            "certificate-controller",
        )],
        role_ref: RoleRef::cluster_role(CERTIFICATE_CONTROLLER),
    }
}

/// The ClusterRoles every kube-apiserver has for discovery and self-inspection
/// (`bootstrappolicy.ClusterRoles`): `system:discovery` (get the discovery, OpenAPI, version and
/// health paths), `system:basic-user` (create self subject access, rules and subject reviews) and
/// `system:public-info-viewer` (get the version and health paths).
pub fn discovery_cluster_roles() -> Vec<ClusterRole> {
    vec![
        default_role(
            "system:discovery",
            vec![PolicyRule::new(["get"]).urls([
                "/livez",
                "/readyz",
                "/healthz",
                "/version",
                "/version/",
                "/openapi",
                "/openapi/*",
                "/api",
                "/api/*",
                "/apis",
                "/apis/*",
            ])],
        ),
        default_role(
            "system:basic-user",
            vec![
                PolicyRule::new(["create"])
                    .groups(["authorization.k8s.io"])
                    .resources(["selfsubjectaccessreviews", "selfsubjectrulesreviews"]),
                PolicyRule::new(["create"])
                    .groups(["authentication.k8s.io"])
                    .resources(["selfsubjectreviews"]),
            ],
        ),
        default_role(
            "system:public-info-viewer",
            vec![PolicyRule::new(["get"]).urls([
                "/livez",
                "/readyz",
                "/healthz",
                "/version",
                "/version/",
            ])],
        ),
    ]
}

/// The bindings of [`discovery_cluster_roles`]: discovery and self-inspection for every
/// authenticated user, the version and health paths for anonymous requests too.
pub fn discovery_bindings() -> Vec<ClusterRoleBinding> {
    let binding = |name: &str, groups: &[&str]| ClusterRoleBinding {
        metadata: default_meta(name),
        subjects: groups.iter().map(|g| BindingSubject::group(*g)).collect(),
        role_ref: RoleRef::cluster_role(name),
    };
    vec![
        binding("system:discovery", &["system:authenticated"]),
        binding("system:basic-user", &["system:authenticated"]),
        binding(
            "system:public-info-viewer",
            &["system:authenticated", "system:unauthenticated"],
        ),
    ]
}

/// The three ClusterRoleBindings kubeadm creates for TLS bootstrap: create CSRs and have them
/// auto-approved for the bootstrap-token group, and auto-approved renewals for `system:nodes`.
pub fn kubeadm_bindings() -> Vec<ClusterRoleBinding> {
    let binding = |name: &str, role: &str, group: &str| ClusterRoleBinding {
        metadata: ObjectMeta::named(name),
        subjects: vec![BindingSubject::group(group)],
        role_ref: RoleRef::cluster_role(role),
    };
    vec![
        binding(
            KUBEADM_KUBELET_BOOTSTRAP,
            NODE_BOOTSTRAPPER,
            KUBEADM_NODE_TOKEN_GROUP,
        ),
        binding(
            KUBEADM_NODE_AUTOAPPROVE_BOOTSTRAP,
            NODECLIENT,
            KUBEADM_NODE_TOKEN_GROUP,
        ),
        binding(
            KUBEADM_NODE_AUTOAPPROVE_CERTIFICATE_ROTATION,
            SELFNODECLIENT,
            crate::identity::NODES_GROUP,
        ),
    ]
}

/// `kubectl create clusterrolebinding NAME --clusterrole=ROLE [--user=U]... [--group=G]...
/// [--serviceaccount=NS:SA]...` as a builder.
///
/// ```
/// use kube_tls_bootstrap::rbac::bootstrap::CreateClusterRoleBinding;
/// let yaml = CreateClusterRoleBinding::new("kubelet-bootstrap", "system:node-bootstrapper")
///     .group("system:bootstrappers")
///     .dry_run_yaml()
///     .unwrap();
/// assert_eq!(yaml, "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\n\
///     metadata:\n  creationTimestamp: null\n  name: kubelet-bootstrap\nroleRef:\n  \
///     apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: system:node-bootstrapper\n\
///     subjects:\n- apiGroup: rbac.authorization.k8s.io\n  kind: Group\n  name: system:bootstrappers\n");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreateClusterRoleBinding {
    name: String,
    cluster_role: String,
    users: Vec<String>,
    groups: Vec<String>,
    service_accounts: Vec<String>,
}

/// What `kubectl create clusterrolebinding` refuses.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CreateBindingError {
    /// A `--serviceaccount` value is not exactly `<namespace>:<name>` with both parts non-empty.
    #[error("serviceaccount must be <namespace>:<name>")]
    ServiceAccount {
        /// The offending value.
        value: String,
    },
}

impl CreateClusterRoleBinding {
    /// `kubectl create clusterrolebinding NAME --clusterrole=CLUSTER_ROLE`.
    pub fn new(name: impl Into<String>, cluster_role: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            cluster_role: cluster_role.into(),
            ..Self::default()
        }
    }

    /// `--user=USER` (repeatable).
    #[must_use]
    pub fn user(mut self, user: impl Into<String>) -> Self {
        self.users.push(user.into());
        self
    }

    /// `--group=GROUP` (repeatable).
    #[must_use]
    pub fn group(mut self, group: impl Into<String>) -> Self {
        self.groups.push(group.into());
        self
    }

    /// `--serviceaccount=NAMESPACE:NAME` (repeatable); checked by [`build`](Self::build).
    #[must_use]
    pub fn service_account(mut self, namespace_and_name: impl Into<String>) -> Self {
        self.service_accounts.push(namespace_and_name.into());
        self
    }

    /// The object kubectl would send: users, then groups, then service accounts.
    pub fn build(&self) -> Result<ClusterRoleBinding, CreateBindingError> {
        let mut subjects: Vec<BindingSubject> =
            self.users.iter().map(BindingSubject::user).collect();
        subjects.extend(self.groups.iter().map(BindingSubject::group));
        for value in &self.service_accounts {
            match value.split(':').collect::<Vec<_>>().as_slice() {
                [namespace, name] if !namespace.is_empty() && !name.is_empty() => {
                    subjects.push(BindingSubject::service_account(*namespace, *name));
                }
                _ => {
                    return Err(CreateBindingError::ServiceAccount {
                        value: value.clone(),
                    });
                }
            }
        }
        Ok(ClusterRoleBinding {
            metadata: ObjectMeta::named(self.name.clone()),
            subjects,
            role_ref: RoleRef::cluster_role(self.cluster_role.clone()),
        })
    }

    /// What kubectl v1.32 prints with `--dry-run=client -o yaml` (with
    /// `creationTimestamp: null`, which kubectl of that generation writes).
    pub fn dry_run_yaml(&self) -> Result<String, CreateBindingError> {
        let binding = self.build()?;
        let value = serde_json::to_value(KubectlOutput::new(&binding)).unwrap_or_default();
        Ok(crate::go::yaml::to_yaml(&value))
    }

    /// What kubectl v1.32 prints with `--dry-run=client -o json` (four-space indent, Go's
    /// field order, `creationTimestamp: null`, a final newline).
    pub fn dry_run_json(&self) -> Result<String, CreateBindingError> {
        Ok(super::to_json_pretty(&KubectlOutput::new(&self.build()?)))
    }
}

/// The binding as kubectl v1.32 serializes it: `metadata` with a `null` creation timestamp.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct KubectlOutput<'a> {
    kind: &'static str,
    api_version: &'static str,
    metadata: KubectlMeta<'a>,
    #[serde(skip_serializing_if = "<[BindingSubject]>::is_empty")]
    subjects: &'a [BindingSubject],
    role_ref: &'a RoleRef,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct KubectlMeta<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    name: &'a str,
    creation_timestamp: (),
}

impl<'a> KubectlOutput<'a> {
    fn new(binding: &'a ClusterRoleBinding) -> Self {
        Self {
            kind: "ClusterRoleBinding",
            api_version: super::objects::API_VERSION,
            metadata: KubectlMeta {
                name: &binding.metadata.name,
                creation_timestamp: (),
            },
            subjects: &binding.subjects,
            role_ref: &binding.role_ref,
        }
    }
}

fn default_role(name: &str, rules: Vec<PolicyRule>) -> ClusterRole {
    ClusterRole {
        metadata: default_meta(name),
        rules: rules.into_iter().map(PolicyRule::sorted).collect(),
        aggregation_rule: None,
    }
}

fn default_meta(name: &str) -> ObjectMeta {
    ObjectMeta {
        labels: BTreeMap::from([(
            BOOTSTRAPPING_LABEL.0.to_owned(),
            BOOTSTRAPPING_LABEL.1.to_owned(),
        )]),
        annotations: BTreeMap::from([(AUTOUPDATE_ANNOTATION.to_owned(), "true".to_owned())]),
        ..ObjectMeta::named(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_account_values() {
        let ok = CreateClusterRoleBinding::new("b", "r")
            .service_account("kube-system:default")
            .build()
            .unwrap();
        assert_eq!(
            ok.subjects,
            [BindingSubject::service_account("kube-system", "default")]
        );
        for bad in ["ab", "a:b:c", ":b", "a:", ":"] {
            let e = CreateClusterRoleBinding::new("b", "r")
                .service_account(bad)
                .build()
                .unwrap_err();
            assert_eq!(e.to_string(), "serviceaccount must be <namespace>:<name>");
        }
    }

    #[test]
    fn controller_role_rules_are_sorted() {
        let role = certificate_controller_role();
        assert_eq!(role.rules[0].verbs, ["delete", "get", "list", "watch"]);
        assert_eq!(
            role.rules[1].resources,
            [
                "certificatesigningrequests/approval",
                "certificatesigningrequests/status"
            ]
        );
        assert_eq!(role.rules[5].verbs, ["create", "patch", "update"]);
    }
}
