//! Server-side Tables (`metav1.Table`), what `kubectl get` asks for with
//! `Accept: application/json;as=Table;v=v1;g=meta.k8s.io,…`.
//!
//! Column definitions are those of k/k `pkg/printers/internalversion/printers.go` (v1.32): names,
//! types, formats, priorities, and descriptions taken from the API types' documentation
//! (`metav1.ObjectMeta`, `certificates/v1beta1`, `core/v1`, `rbac/v1`), as kube-apiserver sends
//! them. The server always sends every column (the wide ones at priority 1 too); kubectl hides
//! priority-1 columns unless `-o wide`. Cells are raw values: kubectl cuts and escapes them.
//! The CSR and Node cells come from [`crate::csr::kubectl::row`] and [`crate::node::row`].

use serde::Serialize;

use super::route::TableVersion;
use super::{Rejection, Response};
use crate::csr::CertificateSigningRequest;
use crate::meta::ObjectMeta;
use crate::node::Node;
use crate::rbac::{ClusterRole, ClusterRoleBinding};
use crate::time::Timestamp;

const NAME_DOC: &str = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
const CREATION_TIMESTAMP_DOC: &str = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
const SIGNER_NAME_DOC: &str = "Requested signer for the request. It is a qualified name in the form: `scope-hostname.io/name`. If empty, it will be defaulted:\n 1. If it's a kubelet client certificate, it is assigned\n    \"kubernetes.io/kube-apiserver-client-kubelet\".\n 2. If it's a kubelet serving certificate, it is assigned\n    \"kubernetes.io/kubelet-serving\".\n 3. Otherwise, it is assigned \"kubernetes.io/legacy-unknown\".\nDistribution of trust for signers happens out of band. You can select on this field using `spec.signerName`.";
const REQUEST_DOC: &str = "Base64-encoded PKCS#10 CSR data";
const EXPIRATION_SECONDS_DOC: &str = "expirationSeconds is the requested duration of validity of the issued certificate. The certificate signer may issue a certificate with a different validity duration so a client must check the delta between the notBefore and and notAfter fields in the issued certificate to determine the actual duration.\n\nThe v1.22+ in-tree implementations of the well-known Kubernetes signers will honor this field as long as the requested duration is not greater than the maximum duration they will honor per the --cluster-signing-duration CLI flag to the Kubernetes controller manager.\n\nCertificate signers may not honor this field for various reasons:\n\n  1. Old signer that is unaware of the field (such as the in-tree\n     implementations prior to v1.22)\n  2. Signer whose configured maximum is shorter than the requested duration\n  3. Signer whose configured minimum is longer than the requested duration\n\nThe minimum valid value for expirationSeconds is 600, i.e. 10 minutes.";
const CONDITIONS_DOC: &str = "Conditions applied to the request, such as approval or denial.";
const KUBELET_VERSION_DOC: &str = "Kubelet Version reported by the node.";
const ADDRESSES_DOC: &str = "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).";
const OS_IMAGE_DOC: &str =
    "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).";
const KERNEL_VERSION_DOC: &str =
    "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).";
const CONTAINER_RUNTIME_DOC: &str = "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).";
const ROLE_REF_DOC: &str = "RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.";

/// One `metav1.TableColumnDefinition`. Every field is always written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ColumnDefinition {
    /// The column name (kubectl upper-cases it for the header).
    pub name: &'static str,
    /// The OpenAPI type: `string`, `date`, …
    #[serde(rename = "type")]
    pub type_: &'static str,
    /// The OpenAPI format: `name` for the name column, else empty.
    pub format: &'static str,
    /// What the column shows.
    pub description: &'static str,
    /// 0 for default columns, 1 for `-o wide` ones.
    pub priority: i32,
}

const fn column(name: &'static str, description: &'static str) -> ColumnDefinition {
    ColumnDefinition {
        name,
        type_: "string",
        format: "",
        description,
        priority: 0,
    }
}

const NAME_COLUMN: ColumnDefinition = ColumnDefinition {
    format: "name",
    ..column("Name", NAME_DOC)
};

const fn wide(c: ColumnDefinition) -> ColumnDefinition {
    ColumnDefinition { priority: 1, ..c }
}

/// The `get csr` columns.
pub const CSR_COLUMNS: [ColumnDefinition; 6] = [
    NAME_COLUMN,
    column("Age", CREATION_TIMESTAMP_DOC),
    column("SignerName", SIGNER_NAME_DOC),
    column("Requestor", REQUEST_DOC),
    column("RequestedDuration", EXPIRATION_SECONDS_DOC),
    column("Condition", CONDITIONS_DOC),
];

/// The `get nodes` columns, the last five at priority 1 (`-o wide`).
pub const NODE_COLUMNS: [ColumnDefinition; 10] = [
    NAME_COLUMN,
    column("Status", "The status of the node"),
    column("Roles", "The roles of the node"),
    column("Age", CREATION_TIMESTAMP_DOC),
    column("Version", KUBELET_VERSION_DOC),
    wide(column("Internal-IP", ADDRESSES_DOC)),
    wide(column("External-IP", ADDRESSES_DOC)),
    wide(column("OS-Image", OS_IMAGE_DOC)),
    wide(column("Kernel-Version", KERNEL_VERSION_DOC)),
    wide(column("Container-Runtime", CONTAINER_RUNTIME_DOC)),
];

/// The `get clusterroles` columns.
pub const CLUSTER_ROLE_COLUMNS: [ColumnDefinition; 2] = [
    NAME_COLUMN,
    ColumnDefinition {
        type_: "date",
        ..column("Created At", CREATION_TIMESTAMP_DOC)
    },
];

/// The `get clusterrolebindings` columns.
pub const CLUSTER_ROLE_BINDING_COLUMNS: [ColumnDefinition; 6] = [
    NAME_COLUMN,
    column("Role", ROLE_REF_DOC),
    column("Age", CREATION_TIMESTAMP_DOC),
    wide(column("Users", "Users in the clusterRoleBinding")),
    wide(column("Groups", "Groups in the clusterRoleBinding")),
    wide(column(
        "ServiceAccounts",
        "ServiceAccounts in the clusterRoleBinding",
    )),
];

/// The objects to tabulate, by resource.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Objects<'a> {
    /// CSRs.
    CertificateSigningRequests(&'a [CertificateSigningRequest]),
    /// Nodes.
    Nodes(&'a [Node]),
    /// ClusterRoles.
    ClusterRoles(&'a [ClusterRole]),
    /// ClusterRoleBindings.
    ClusterRoleBindings(&'a [ClusterRoleBinding]),
}

/// What each row's `object` carries (`?includeObject=`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IncludeObject {
    /// `None`: no object.
    None,
    /// `Metadata` (the default): a `PartialObjectMetadata`.
    #[default]
    Metadata,
    /// `Object`: the whole object.
    Object,
}

impl IncludeObject {
    /// The `includeObject` query value; anything else is 400 `unrecognized includeObject
    /// value: "<v>"`.
    pub fn parse(value: Option<&str>) -> Result<Self, Rejection> {
        match value {
            None | Some("" | "Metadata") => Ok(Self::Metadata),
            Some("None") => Ok(Self::None),
            Some("Object") => Ok(Self::Object),
            Some(other) => Err(Rejection::BadRequest(format!(
                "unrecognized includeObject value: {}",
                crate::go::quote(other)
            ))),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TableMeta<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    resource_version: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Table<'a> {
    kind: &'static str,
    api_version: &'static str,
    metadata: TableMeta<'a>,
    column_definitions: &'static [ColumnDefinition],
    rows: Vec<Row>,
}

#[derive(Serialize)]
struct Row {
    cells: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    object: Option<serde_json::Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PartialObjectMetadata<'a> {
    kind: &'static str,
    api_version: &'static str,
    metadata: &'a ObjectMeta,
}

/// A Table of `objects` at `now` (for the AGE column), 200. `resource_version` is the list's
/// (or the one object's); `include_object` is the request's `includeObject` option.
///
/// ```
/// use kube_tls_bootstrap::rest::{table, TableVersion};
/// use kube_tls_bootstrap::node::Node;
/// use kube_tls_bootstrap::time::Timestamp;
/// let nodes = [Node::new("node-1")];
/// let r = table::table(table::Objects::Nodes(&nodes), Timestamp::from_unix(0), "7", TableVersion::V1, None).unwrap();
/// let json: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
/// assert_eq!(json["rows"][0]["cells"], serde_json::json!(
///     ["node-1", "Unknown", "<none>", "<unknown>", "", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"]));
/// assert_eq!(json["rows"][0]["object"]["kind"], "PartialObjectMetadata");
/// ```
pub fn table(
    objects: Objects<'_>,
    now: Timestamp,
    resource_version: &str,
    version: TableVersion,
    include_object: Option<&str>,
) -> Result<Response, Rejection> {
    let value = table_value(objects, now, resource_version, version, include_object)?;
    Ok(super::object(200, &value))
}

/// The Table as a JSON value, for watch events: a watch that asked for Tables gets each event's
/// object as a one-row Table (`{"type":"ADDED","object":{"kind":"Table",…}}`).
pub fn table_value(
    objects: Objects<'_>,
    now: Timestamp,
    resource_version: &str,
    version: TableVersion,
    include_object: Option<&str>,
) -> Result<serde_json::Value, Rejection> {
    let include = IncludeObject::parse(include_object)?;
    let object = |meta: &ObjectMeta, full: &dyn Fn() -> serde_json::Value| match include {
        IncludeObject::None => None,
        IncludeObject::Metadata => serde_json::to_value(PartialObjectMetadata {
            kind: "PartialObjectMetadata",
            api_version: version.api_version(),
            metadata: meta,
        })
        .ok(),
        IncludeObject::Object => Some(full()),
    };
    let (columns, rows): (&'static [ColumnDefinition], Vec<Row>) = match objects {
        Objects::CertificateSigningRequests(csrs) => (
            &CSR_COLUMNS,
            csrs.iter()
                .map(|c| Row {
                    cells: crate::csr::kubectl::row(c, now).to_vec(),
                    object: object(&c.metadata, &|| {
                        let mut c = c.clone();
                        c.api_version = crate::csr::API_VERSION.to_owned();
                        c.kind = crate::csr::KIND.to_owned();
                        json(&c)
                    }),
                })
                .collect(),
        ),
        Objects::Nodes(nodes) => (
            &NODE_COLUMNS,
            nodes
                .iter()
                .map(|n| Row {
                    cells: node_cells(n, now),
                    object: object(&n.metadata, &|| {
                        let mut n = n.clone();
                        n.api_version = crate::node::API_VERSION.to_owned();
                        n.kind = crate::node::KIND.to_owned();
                        json(&n)
                    }),
                })
                .collect(),
        ),
        Objects::ClusterRoles(roles) => (
            &CLUSTER_ROLE_COLUMNS,
            roles
                .iter()
                .map(|r| Row {
                    cells: vec![
                        r.metadata.name.clone(),
                        r.metadata.creation_timestamp.map_or_else(
                            || "0001-01-01T00:00:00Z".to_owned(),
                            Timestamp::to_rfc3339,
                        ),
                    ],
                    object: object(&r.metadata, &|| json(r)),
                })
                .collect(),
        ),
        Objects::ClusterRoleBindings(bindings) => (
            &CLUSTER_ROLE_BINDING_COLUMNS,
            bindings
                .iter()
                .map(|b| Row {
                    cells: binding_cells(b, now),
                    object: object(&b.metadata, &|| json(b)),
                })
                .collect(),
        ),
    };
    Ok(json(&Table {
        kind: "Table",
        api_version: version.api_version(),
        metadata: TableMeta { resource_version },
        column_definitions: columns,
        rows,
    }))
}

/// An object as JSON (the crate's wire types always serialize).
fn json<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_default()
}

/// `printNode` with `Wide`: the five cells of [`crate::node::row`], then internal IP, external
/// IP (first of each, `<none>` without), OS image, kernel and runtime versions (`<unknown>`
/// when empty).
fn node_cells(node: &Node, now: Timestamp) -> Vec<String> {
    let mut cells = crate::node::row(node, now).to_vec();
    let address = |t: &str| {
        node.status
            .addresses
            .iter()
            .find(|a| a.type_ == t)
            .map_or_else(|| "<none>".to_owned(), |a| a.address.clone())
    };
    let known = |s: &str| {
        if s.is_empty() {
            "<unknown>".to_owned()
        } else {
            s.to_owned()
        }
    };
    let info = &node.status.node_info;
    cells.extend([
        address("InternalIP"),
        address("ExternalIP"),
        known(&info.os_image),
        known(&info.kernel_version),
        known(&info.container_runtime_version),
    ]);
    cells
}

/// `printClusterRoleBinding` with `Wide`: name, `Kind/name` of the role, age, then users,
/// groups and service accounts (`namespace/name`) joined by `, ` (`rbac.SubjectsStrings`).
fn binding_cells(b: &ClusterRoleBinding, now: Timestamp) -> Vec<String> {
    let age = b.metadata.creation_timestamp.map_or_else(
        || "<unknown>".to_owned(),
        |t| crate::csr::kubectl::human_duration(now.seconds_since(t)),
    );
    let of_kind = |kind: &str| {
        b.subjects
            .iter()
            .filter(|s| s.kind == kind)
            .map(|s| {
                if kind == crate::rbac::SERVICE_ACCOUNT_KIND {
                    format!("{}/{}", s.namespace, s.name)
                } else {
                    s.name.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    vec![
        b.metadata.name.clone(),
        format!("{}/{}", b.role_ref.kind, b.role_ref.name),
        age,
        of_kind(crate::rbac::USER_KIND),
        of_kind(crate::rbac::GROUP_KIND),
        of_kind(crate::rbac::SERVICE_ACCOUNT_KIND),
    ]
}
