//! The core/v1 Node object, as far as TLS bootstrap reaches: a kubelet that holds its client
//! certificate registers its Node and reports `Ready`, and `kubectl get nodes` shows it.
//!
//! - [`Node`]: serde exactly as the API server speaks it, with the fields a kubelet sets at
//!   registration (labels, addresses, `nodeInfo`, the `Ready` condition).
//! - [`admit`]: the NodeRestriction admission plugin's rules for a node's own Node object
//!   (k/k `plugin/pkg/admission/noderestriction/admission.go`, `admitNode`): a node may create or
//!   update only the Node named after it, may not set a `configSource`, may not change its taints,
//!   and may set only the labels kubelets are allowed to set.
//! - [`get_table`]: `kubectl get nodes` (`NAME STATUS ROLES AGE VERSION`), byte for byte.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::api::{GroupResource, Status};
use crate::csr::ConditionStatus;
use crate::go;
pub use crate::meta::ObjectMeta;
use crate::time::Timestamp;

/// `apiVersion` of a Node.
pub const API_VERSION: &str = "v1";
/// `kind` of a Node.
pub const KIND: &str = "Node";
/// The condition type kubectl's STATUS column reads.
pub const READY: &str = "Ready";

/// A core/v1 Node.
///
/// ```
/// use kube_tls_bootstrap::node::Node;
/// let node = Node::new("node-1");
/// assert_eq!(node.to_json(), r#"{"kind":"Node","apiVersion":"v1","metadata":{"name":"node-1"},"spec":{},"status":{}}"#);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Node {
    /// `Node` when present.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// `v1` when present.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// Name, labels, uid, resourceVersion, creationTimestamp.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// What the node is configured as.
    #[serde(default)]
    pub spec: NodeSpec,
    /// What the kubelet reports.
    #[serde(default)]
    pub status: NodeStatus,
}

impl Node {
    /// An empty Node with `kind` and `apiVersion` set and the given name.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            kind: KIND.to_owned(),
            api_version: API_VERSION.to_owned(),
            metadata: ObjectMeta {
                name: name.into(),
                ..ObjectMeta::default()
            },
            ..Self::default()
        }
    }

    /// The object as compact JSON.
    pub fn to_json(&self) -> String {
        // Strings, maps of strings, options and JSON values always serialize.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The `Ready` condition, if the node reports one.
    pub fn ready_condition(&self) -> Option<&NodeCondition> {
        self.status.conditions.iter().find(|c| c.type_ == READY)
    }

    /// Sets the `Ready` condition as the kubelet's status setter does: status, reason, message,
    /// the heartbeat `now`, and the transition time kept when the status did not change.
    pub fn set_ready(&mut self, ready: bool, reason: &str, message: &str, now: Timestamp) {
        let status = if ready {
            ConditionStatus::True
        } else {
            ConditionStatus::False
        };
        let conditions = &mut self.status.conditions;
        let i = match conditions.iter().position(|c| c.type_ == READY) {
            Some(i) => i,
            None => {
                conditions.push(NodeCondition {
                    type_: READY.to_owned(),
                    status: ConditionStatus::Unknown,
                    ..NodeCondition::default()
                });
                conditions.len() - 1
            }
        };
        let c = &mut conditions[i];
        if c.status != status || c.last_transition_time.is_none() {
            c.last_transition_time = Some(now);
        }
        c.status = status;
        c.reason = reason.to_owned();
        c.message = message.to_owned();
        c.last_heartbeat_time = Some(now);
    }
}

/// `spec` of a Node: the fields NodeRestriction looks at, and the one kubectl prints.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeSpec {
    /// The pod address range assigned to the node.
    #[serde(default, rename = "podCIDR", skip_serializing_if = "String::is_empty")]
    pub pod_cidr: String,
    /// The cloud provider's id for the node.
    #[serde(
        default,
        rename = "providerID",
        skip_serializing_if = "String::is_empty"
    )]
    pub provider_id: String,
    /// Cordoned: kubectl adds `SchedulingDisabled` to STATUS.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unschedulable: bool,
    /// Taints, which a node may not change on itself.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub taints: Vec<Taint>,
    /// The deprecated dynamic kubelet config source, kept as JSON; a node may not set it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_source: Option<serde_json::Value>,
}

/// One taint (`spec.taints[]`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Taint {
    /// The taint key.
    pub key: String,
    /// The taint value.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub value: String,
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
    pub effect: String,
    /// When a `NoExecute` taint was added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_added: Option<Timestamp>,
}

/// `status` of a Node.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeStatus {
    /// Resource capacity as quantities (`cpu: "2"`, `memory: "24Gi"`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub capacity: BTreeMap<String, String>,
    /// What is left for pods.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub allocatable: BTreeMap<String, String>,
    /// Conditions such as `Ready`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<NodeCondition>,
    /// The node's addresses (`InternalIP`, `Hostname`, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<NodeAddress>,
    /// Versions of the node's software.
    #[serde(default, skip_serializing_if = "NodeSystemInfo::is_empty")]
    pub node_info: NodeSystemInfo,
}

/// One node condition.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeCondition {
    /// `Ready`, `MemoryPressure`, ….
    #[serde(rename = "type")]
    pub type_: String,
    /// `True`, `False` or `Unknown`.
    pub status: ConditionStatus,
    /// When the kubelet last reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_heartbeat_time: Option<Timestamp>,
    /// When the status last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<Timestamp>,
    /// A machine-readable reason, e.g. `KubeletReady`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// A human-readable message.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
}

/// One node address.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeAddress {
    /// `Hostname`, `InternalIP`, `ExternalIP`, `InternalDNS` or `ExternalDNS`.
    #[serde(rename = "type")]
    pub type_: String,
    /// The address.
    pub address: String,
}

/// `status.nodeInfo`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeSystemInfo {
    /// `/etc/machine-id`.
    #[serde(
        default,
        rename = "machineID",
        skip_serializing_if = "String::is_empty"
    )]
    pub machine_id: String,
    /// The kernel version (`uname -r`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kernel_version: String,
    /// The OS image, from `/etc/os-release`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub os_image: String,
    /// The container runtime, e.g. `containerd://1.7.24`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub container_runtime_version: String,
    /// The kubelet's version, e.g. `v1.32.0`: kubectl's VERSION column.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kubelet_version: String,
    /// `linux` or `windows`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub operating_system: String,
    /// `amd64`, `arm64`, ….
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub architecture: String,
}

impl NodeSystemInfo {
    fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// A Node request NodeRestriction refused: `nodes "<name>" is forbidden: <reason>`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct Forbidden {
    /// The name of the Node the request was about.
    pub name: String,
    /// The plugin's reason, e.g. `node "n1" is not allowed to modify node "n2"`.
    pub reason: String,
}

impl fmt::Display for Forbidden {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.name.is_empty() {
            write!(f, "nodes is forbidden: {}", self.reason)
        } else {
            write!(
                f,
                "nodes {} is forbidden: {}",
                go::quote(&self.name),
                self.reason
            )
        }
    }
}

impl From<Forbidden> for Status {
    fn from(e: Forbidden) -> Self {
        let message = e.to_string();
        Self::forbidden(&GroupResource::new("", "nodes"), &e.name, message)
    }
}

/// What a node does to a Node object.
#[derive(Clone, Copy, Debug)]
pub enum Change<'a> {
    /// CREATE of `new`.
    Create {
        /// The object as submitted.
        new: &'a Node,
    },
    /// UPDATE (of the object or its `status`) from `old` to `new`.
    Update {
        /// The object as submitted.
        new: &'a Node,
        /// The stored object.
        old: &'a Node,
    },
}

/// NodeRestriction's `admitNode` for the node `node_name` (the requester is `system:node:<node_name>`
/// in `system:nodes`) acting on the Node `requested_name`.
///
/// ```
/// use kube_tls_bootstrap::node::{admit, Change, Node};
/// let other = Node::new("node-2");
/// let err = admit("node-1", "node-2", Change::Create { new: &other }).unwrap_err();
/// assert_eq!(err.to_string(),
///     "nodes \"node-2\" is forbidden: node \"node-1\" is not allowed to modify node \"node-2\"");
/// ```
pub fn admit(node_name: &str, requested_name: &str, change: Change<'_>) -> Result<(), Forbidden> {
    let forbidden = |reason: String| Forbidden {
        name: requested_name.to_owned(),
        reason,
    };
    if requested_name != node_name {
        return Err(forbidden(format!(
            "node {} is not allowed to modify node {}",
            go::quote(node_name),
            go::quote(requested_name)
        )));
    }
    match change {
        Change::Create { new } => {
            if new.spec.config_source.is_some() {
                return Err(forbidden(format!(
                    "node {} is not allowed to create pods with a non-nil configSource",
                    go::quote(node_name)
                )));
            }
            let none = BTreeMap::new();
            let bad = forbidden_labels(&modified_labels(&new.metadata.labels, &none));
            if !bad.is_empty() {
                return Err(forbidden(format!(
                    "node {} is not allowed to set the following labels: {}",
                    go::quote(node_name),
                    bad.into_iter().collect::<Vec<_>>().join(", ")
                )));
            }
        }
        Change::Update { new, old } => {
            if new.spec.config_source.is_some() && new.spec.config_source != old.spec.config_source
            {
                return Err(forbidden(format!(
                    "node {} is not allowed to update configSource to a new non-nil configSource",
                    go::quote(node_name)
                )));
            }
            // Semantic equality: an absent and an empty list read alike here.
            if new.spec.taints != old.spec.taints {
                return Err(forbidden(format!(
                    "node {} is not allowed to modify taints",
                    go::quote(node_name)
                )));
            }
            let bad =
                forbidden_labels(&modified_labels(&new.metadata.labels, &old.metadata.labels));
            if !bad.is_empty() {
                return Err(forbidden(format!(
                    "is not allowed to modify labels: {}",
                    bad.into_iter().collect::<Vec<_>>().join(", ")
                )));
            }
        }
    }
    Ok(())
}

/// The label keys whose presence or value differs between `a` and `b`.
fn modified_labels<'a>(
    a: &'a BTreeMap<String, String>,
    b: &'a BTreeMap<String, String>,
) -> BTreeSet<&'a str> {
    let mut modified = BTreeSet::new();
    for (k, v) in a {
        if b.get(k) != Some(v) {
            modified.insert(k.as_str());
        }
    }
    for (k, v) in b {
        if a.get(k) != Some(v) {
            modified.insert(k.as_str());
        }
    }
    modified
}

/// The keys a node may not set: the `node-restriction.kubernetes.io` namespace, and
/// `kubernetes.io` / `k8s.io` labels that are not kubelet labels. Sorted, as Go's
/// `sets.String.List()` returns them.
fn forbidden_labels<'a>(modified: &BTreeSet<&'a str>) -> BTreeSet<&'a str> {
    modified
        .iter()
        .copied()
        .filter(|key| {
            let namespace = label_namespace(key);
            in_namespace(namespace, NODE_RESTRICTION_NAMESPACE)
                || (is_kubernetes_label(key) && !is_kubelet_label(key))
        })
        .collect()
}

const NODE_RESTRICTION_NAMESPACE: &str = "node-restriction.kubernetes.io";

/// The labels a kubelet may set on its own Node (k8s.io/kubelet `KubeletLabels()`).
pub const KUBELET_LABELS: [&str; 11] = [
    "beta.kubernetes.io/arch",
    "beta.kubernetes.io/instance-type",
    "beta.kubernetes.io/os",
    "failure-domain.beta.kubernetes.io/region",
    "failure-domain.beta.kubernetes.io/zone",
    "kubernetes.io/arch",
    "kubernetes.io/hostname",
    "kubernetes.io/os",
    "node.kubernetes.io/instance-type",
    "topology.kubernetes.io/region",
    "topology.kubernetes.io/zone",
];

/// The label namespaces (and their subdomains) a kubelet may set (`KubeletLabelNamespaces()`).
pub const KUBELET_LABEL_NAMESPACES: [&str; 2] = ["kubelet.kubernetes.io", "node.kubernetes.io"];

/// Whether a kubelet may set the label `key` on its own Node (`IsKubeletLabel`).
pub fn is_kubelet_label(key: &str) -> bool {
    if KUBELET_LABELS.contains(&key) {
        return true;
    }
    let namespace = label_namespace(key);
    KUBELET_LABEL_NAMESPACES
        .iter()
        .any(|allowed| in_namespace(namespace, allowed))
}

fn is_kubernetes_label(key: &str) -> bool {
    let namespace = label_namespace(key);
    in_namespace(namespace, "kubernetes.io") || in_namespace(namespace, "k8s.io")
}

/// `namespace == ns || strings.HasSuffix(namespace, "."+ns)`.
fn in_namespace(namespace: &str, ns: &str) -> bool {
    namespace == ns
        || namespace
            .strip_suffix(ns)
            .is_some_and(|rest| rest.ends_with('.'))
}

/// The part of a label key before the first `/` (empty when there is none).
fn label_namespace(key: &str) -> &str {
    key.split_once('/').map_or("", |(ns, _)| ns)
}

/// The `get nodes` column headers.
pub const COLUMNS: [&str; 5] = ["NAME", "STATUS", "ROLES", "AGE", "VERSION"];

/// The STATUS column: `Ready` or `NotReady` from the `Ready` condition (`Unknown` without one),
/// then `,SchedulingDisabled` when cordoned.
pub fn status(node: &Node) -> String {
    let mut s = match node.ready_condition() {
        Some(c) if c.status == ConditionStatus::True => READY.to_owned(),
        Some(_) => format!("Not{READY}"),
        None => "Unknown".to_owned(),
    };
    if node.spec.unschedulable {
        s.push_str(",SchedulingDisabled");
    }
    s
}

/// The ROLES column: the sorted roles from `node-role.kubernetes.io/<role>` labels and the value
/// of a `kubernetes.io/role` label, joined by `,`; `<none>` without any.
pub fn roles(node: &Node) -> String {
    let mut roles = BTreeSet::new();
    for (k, v) in &node.metadata.labels {
        if let Some(role) = k.strip_prefix("node-role.kubernetes.io/") {
            if !role.is_empty() {
                roles.insert(role);
            }
        } else if k == "kubernetes.io/role" && !v.is_empty() {
            roles.insert(v.as_str());
        }
    }
    if roles.is_empty() {
        "<none>".to_owned()
    } else {
        roles.into_iter().collect::<Vec<_>>().join(",")
    }
}

/// One `get nodes` row: name, status, roles, age, kubelet version.
pub fn row(node: &Node, now: Timestamp) -> [String; 5] {
    let age = node.metadata.creation_timestamp.map_or_else(
        || "<unknown>".to_owned(),
        |t| crate::csr::kubectl::human_duration(now.seconds_since(t)),
    );
    [
        node.metadata.name.clone(),
        status(node),
        roles(node),
        age,
        node.status.node_info.kubelet_version.clone(),
    ]
}

/// `kubectl get nodes` at `now`, byte for byte; no nodes, no output (kubectl then prints
/// `No resources found` on standard error).
///
/// ```
/// use kube_tls_bootstrap::node::{get_table, Node};
/// use kube_tls_bootstrap::time::Timestamp;
/// let mut node = Node::new("node-1");
/// node.metadata.creation_timestamp = Some(Timestamp::from_unix(0));
/// node.status.node_info.kubelet_version = "v1.32.0".into();
/// node.set_ready(true, "KubeletReady", "kubelet is posting ready status", Timestamp::from_unix(5));
/// assert_eq!(get_table(&[node], Timestamp::from_unix(42)), "\
/// NAME     STATUS   ROLES    AGE   VERSION
/// node-1   Ready    <none>   42s   v1.32.0
/// ");
/// ```
pub fn get_table(nodes: &[Node], now: Timestamp) -> String {
    if nodes.is_empty() {
        return String::new();
    }
    let mut lines = Vec::with_capacity(nodes.len() + 1);
    lines.push(COLUMNS.join("\t"));
    for node in nodes {
        let cells: Vec<String> = row(node, now)
            .iter()
            .map(|c| crate::csr::kubectl::cell_text(c))
            .collect();
        lines.push(cells.join("\t"));
    }
    crate::go::tabwrite(&lines, 6, 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labelled(name: &str, labels: &[(&str, &str)]) -> Node {
        let mut n = Node::new(name);
        for (k, v) in labels {
            n.metadata.labels.insert((*k).to_owned(), (*v).to_owned());
        }
        n
    }

    #[test]
    fn a_node_may_register_itself_with_kubelet_labels() {
        let n = labelled(
            "n1",
            &[
                ("kubernetes.io/hostname", "n1"),
                ("kubernetes.io/os", "linux"),
                ("x.node.kubernetes.io/ok", "c"),
                ("kubelet.kubernetes.io/ok", "d"),
                ("example.com/any", "e"),
            ],
        );
        assert_eq!(admit("n1", "n1", Change::Create { new: &n }), Ok(()));
    }

    #[test]
    fn forbidden_labels_are_listed_sorted() {
        let n = labelled(
            "n1",
            &[
                ("node-restriction.kubernetes.io/tier", "a"),
                ("foo.k8s.io/x", "b"),
                ("x.node.kubernetes.io/ok", "c"),
            ],
        );
        assert_eq!(
            admit("n1", "n1", Change::Create { new: &n })
                .unwrap_err()
                .to_string(),
            "nodes \"n1\" is forbidden: node \"n1\" is not allowed to set the following labels: \
             foo.k8s.io/x, node-restriction.kubernetes.io/tier"
        );
    }

    #[test]
    fn updates_may_not_touch_taints_labels_or_config_source() {
        let old = labelled("n1", &[("kubernetes.io/arch", "amd64")]);
        let mut tainted = old.clone();
        tainted.spec.taints.push(Taint {
            key: "k".into(),
            effect: "NoSchedule".into(),
            ..Taint::default()
        });
        assert_eq!(
            admit(
                "n1",
                "n1",
                Change::Update {
                    new: &tainted,
                    old: &old
                }
            )
            .unwrap_err()
            .reason,
            "node \"n1\" is not allowed to modify taints"
        );
        let relabelled = labelled("n1", &[("kubernetes.io/role", "master")]);
        assert_eq!(
            admit(
                "n1",
                "n1",
                Change::Update {
                    new: &relabelled,
                    old: &old
                }
            )
            .unwrap_err()
            .to_string(),
            "nodes \"n1\" is forbidden: is not allowed to modify labels: kubernetes.io/role"
        );
        let mut sourced = old.clone();
        sourced.spec.config_source = Some(serde_json::json!({"configMap": {}}));
        assert_eq!(
            admit(
                "n1",
                "n1",
                Change::Update {
                    new: &sourced,
                    old: &old
                }
            )
            .unwrap_err()
            .reason,
            "node \"n1\" is not allowed to update configSource to a new non-nil configSource"
        );
        let mut status_only = old.clone();
        status_only.set_ready(true, "KubeletReady", "", Timestamp::from_unix(1));
        assert_eq!(
            admit(
                "n1",
                "n1",
                Change::Update {
                    new: &status_only,
                    old: &old
                }
            ),
            Ok(())
        );
        assert_eq!(
            admit(
                "n1",
                "n2",
                Change::Update {
                    new: &status_only,
                    old: &old
                }
            )
            .unwrap_err()
            .reason,
            "node \"n1\" is not allowed to modify node \"n2\""
        );
    }

    #[test]
    fn forbidden_becomes_a_403_status() {
        let s = Status::from(Forbidden {
            name: "n2".into(),
            reason: "node \"n1\" is not allowed to modify node \"n2\"".into(),
        });
        assert_eq!(s.code, 403);
        assert_eq!(
            s.to_json(),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"nodes \"n2\" is forbidden: node \"n1\" is not allowed to modify node \"n2\"","reason":"Forbidden","details":{"name":"n2","kind":"nodes"},"code":403}"#
        );
    }

    #[test]
    fn kubectl_columns() {
        let mut n = labelled(
            "cp-1",
            &[
                ("node-role.kubernetes.io/control-plane", ""),
                ("node-role.kubernetes.io/", ""),
                ("kubernetes.io/role", "master"),
            ],
        );
        assert_eq!(roles(&n), "control-plane,master");
        assert_eq!(status(&n), "Unknown");
        n.set_ready(
            false,
            "KubeletNotReady",
            "PLEG is not healthy",
            Timestamp::from_unix(3),
        );
        n.spec.unschedulable = true;
        assert_eq!(status(&n), "NotReady,SchedulingDisabled");
        let first = n.ready_condition().unwrap().last_transition_time;
        n.set_ready(false, "KubeletNotReady", "", Timestamp::from_unix(9));
        assert_eq!(n.ready_condition().unwrap().last_transition_time, first);
        assert_eq!(
            n.ready_condition().unwrap().last_heartbeat_time,
            Some(Timestamp::from_unix(9))
        );
        assert_eq!(get_table(&[], Timestamp::from_unix(0)), "");
        assert_eq!(
            get_table(&[n], Timestamp::from_unix(3 * 86_400)),
            "NAME   STATUS                        ROLES                  AGE         VERSION\n\
             cp-1   NotReady,SchedulingDisabled   control-plane,master   <unknown>   \n"
        );
    }

    #[test]
    fn json_reads_back() {
        let json = r#"{"kind":"Node","apiVersion":"v1","metadata":{"name":"node-1","labels":{"kubernetes.io/hostname":"node-1"}},"spec":{"podCIDR":"10.244.0.0/24","providerID":"kind://node-1"},"status":{"capacity":{"cpu":"2"},"conditions":[{"type":"Ready","status":"True","lastHeartbeatTime":"2026-12-01T09:00:00Z","lastTransitionTime":"2026-12-01T09:00:00Z","reason":"KubeletReady","message":"kubelet is posting ready status"}],"addresses":[{"type":"InternalIP","address":"10.0.0.11"}],"nodeInfo":{"machineID":"m","kernelVersion":"6.1.0","osImage":"Debian GNU/Linux 12 (bookworm)","containerRuntimeVersion":"containerd://1.7.24","kubeletVersion":"v1.32.0","operatingSystem":"linux","architecture":"amd64"}}}"#;
        let node: Node = serde_json::from_str(json).unwrap();
        assert_eq!(node.to_json(), json);
        assert_eq!(status(&node), "Ready");
    }
}
