//! The cluster's recording: one JSON line per input it delivers — the time, the destination
//! (`control-plane` or a host) and the input — and one per action of its driver (a node
//! started, an admin command, the clock moved).
//!
//! Actions make a log replayable: [`crate::cluster::replay`] runs the actions of a log on a
//! fresh cluster with the same configuration and yields a new log, which equals the first byte
//! for byte when nothing changed; [`first_difference`] says where two logs part. Bearer tokens
//! are recorded as their `sha256:` fingerprints, keys as the seed index they were derived from,
//! and certificates by their subject, so a log holds no secret.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::HostInput;
use crate::api::{Credential, Operation, Reply};
use crate::control_plane;
use crate::time::Instant;

/// One line of the recording.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// The virtual time, RFC 3339 with nanoseconds.
    pub at: String,
    /// `cluster` for the driver's actions, `control-plane`, or the host's name.
    pub to: String,
    /// The input or action.
    pub input: Value,
}

impl Record {
    fn new(at: Instant, to: &str, input: Value) -> Self {
        Self {
            at: crate::kubelet::rotation::go_time(at),
            to: to.to_owned(),
            input,
        }
    }

    /// The record as one JSON line (no trailing newline).
    pub fn to_json_line(&self) -> String {
        // Strings and JSON values always serialize.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A driver action.
    pub(super) fn action(at: Instant, action: &Action) -> Self {
        Self::new(
            at,
            "cluster",
            serde_json::to_value(action).unwrap_or(Value::Null),
        )
    }

    /// A kubelet started on `host` for `node`.
    pub(super) fn start(at: Instant, host: &str, node: &str) -> Self {
        Self::new(at, host, json!({"start": {"node": node}}))
    }

    /// An input delivered to the control plane.
    pub(super) fn control_plane(at: Instant, input: &control_plane::Input) -> Self {
        let value = match input {
            control_plane::Input::Request { id, request } => json!({"request": {
                "id": id.0,
                "credential": credential(&request.credential),
                "operation": operation(&request.operation),
            }}),
            control_plane::Input::CloseWatch(w) => json!({"closeWatch": w.0}),
            control_plane::Input::Timeout => json!("timeout"),
            other => json!({"other": format!("{other:?}")}),
        };
        Self::new(at, "control-plane", value)
    }

    /// An input delivered to a kubelet.
    pub(super) fn host(at: Instant, host: &str, input: &HostInput) -> Self {
        let value = match input {
            HostInput::Reply(id, r) => json!({"reply": {"id": id.0, "reply": reply(r)}}),
            HostInput::Watch(w, e) => json!({"watchEvent": {"watch": w.0, "event": e}}),
            HostInput::Key(p) => json!({"key": format!("{p:?}")}),
            HostInput::Addresses(a) => json!({"nodeAddresses": format!("{a:?}")}),
            HostInput::Timeout => json!("timeout"),
        };
        Self::new(at, host, value)
    }
}

/// What the driver was asked to do; a log's actions replay it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Action {
    /// [`super::Cluster::start_host`]; the token is recorded as the index of the node's
    /// configuration in the replayer's list, never as text.
    StartHost {
        /// The host.
        host: String,
        /// The index into the node configurations given to [`super::replay`].
        node_config: usize,
    },
    /// [`super::Cluster::restart_node`].
    Restart {
        /// The host.
        host: String,
    },
    /// [`super::Cluster::kubectl`].
    Kubectl {
        /// The command line after `kubectl`.
        command: String,
    },
    /// [`super::Cluster::advance`], in nanoseconds.
    Advance {
        /// Nanoseconds.
        nanos: i64,
    },
    /// [`super::Cluster::advance_to_next_timer`].
    NextTimer,
    /// [`super::Cluster::run_until_idle`].
    RunUntilIdle,
    /// [`super::Cluster::rename_node`].
    Rename {
        /// The host.
        host: String,
        /// The new node name.
        node_name: String,
    },
    /// [`super::Cluster::set_node_addresses`]: `(type, address)` pairs.
    NodeAddresses {
        /// The host.
        host: String,
        /// The addresses.
        addresses: Vec<(String, String)>,
    },
}

/// Why a log could not be replayed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// A line is not a record.
    #[error("line {line}: {message}")]
    Line {
        /// 1-based.
        line: usize,
        /// The JSON error.
        message: String,
    },
    /// A `startHost` names a node configuration that was not given.
    #[error("line {line}: no node configuration {index}")]
    NodeConfig {
        /// 1-based.
        line: usize,
        /// The index asked for.
        index: usize,
    },
    /// The cluster could not be set up.
    #[error(transparent)]
    Cluster(#[from] super::Error),
}

/// Runs the driver actions of `log` (the `cluster` records) on a fresh cluster made from
/// `config`, starting the `n`-th host with `nodes[n]`; every other record is what the run
/// delivers and is made again. With nothing changed, the new cluster's [`super::Cluster::log`]
/// equals `log` byte for byte.
pub fn replay(
    config: super::ClusterConfig,
    nodes: &[super::NodeConfig],
    log: &str,
) -> Result<super::Cluster, ReplayError> {
    let mut cluster = super::Cluster::new(config)?;
    for (i, line) in log.lines().enumerate() {
        let record: Record = serde_json::from_str(line).map_err(|e| ReplayError::Line {
            line: i + 1,
            message: e.to_string(),
        })?;
        if record.to != "cluster" {
            continue;
        }
        let action: Action =
            serde_json::from_value(record.input).map_err(|e| ReplayError::Line {
                line: i + 1,
                message: e.to_string(),
            })?;
        match action {
            Action::StartHost { host, node_config } => {
                let config = nodes.get(node_config).ok_or(ReplayError::NodeConfig {
                    line: i + 1,
                    index: node_config,
                })?;
                cluster.start_host(&host, config.clone());
            }
            Action::Restart { host } => {
                cluster.restart_node(&host);
            }
            Action::Rename { host, node_name } => {
                cluster.rename_node(&host, &node_name);
            }
            Action::Kubectl { command } => {
                cluster.kubectl(&command);
            }
            Action::Advance { nanos } => cluster.advance(crate::time::Duration::from_nanos(nanos)),
            Action::NextTimer => {
                cluster.advance_to_next_timer();
            }
            Action::RunUntilIdle => cluster.run_until_idle(),
            Action::NodeAddresses { host, addresses } => {
                let addresses = addresses
                    .iter()
                    .map(|(t, a)| crate::kubelet::NodeAddress::new(t, a))
                    .collect();
                cluster.set_node_addresses(&host, addresses);
            }
        }
    }
    Ok(cluster)
}

fn credential(c: &Credential) -> Value {
    match c {
        Credential::BearerToken(t) => {
            use sha2::{Digest, Sha256};
            let d = Sha256::digest(t.as_bytes());
            let hex: String = d[..8].iter().map(|b| format!("{b:02x}")).collect();
            json!({"bearerToken": format!("sha256:{hex}")})
        }
        Credential::ClientCertificate(chain) => {
            let subject = chain
                .first()
                .and_then(|der| crate::pki::Certificate::from_der(der).ok())
                .map(|c| c.subject().common_name.clone())
                .unwrap_or_default();
            json!({"clientCertificate": subject})
        }
        _ => json!("none"),
    }
}

fn operation(op: &Operation) -> Value {
    match op {
        Operation::CreateCertificateSigningRequest(o) => json!({"createCSR": o}),
        Operation::GetCertificateSigningRequest { name } => json!({"getCSR": name}),
        Operation::ListCertificateSigningRequests(s) => json!({"listCSRs": s.name}),
        Operation::WatchCertificateSigningRequests {
            selector,
            resource_version,
        } => json!({"watchCSRs": {"name": selector.name, "resourceVersion": resource_version}}),
        Operation::UpdateApproval(o) => json!({"updateApproval": o}),
        Operation::UpdateStatus(o) => json!({"updateStatus": o}),
        Operation::DeleteCertificateSigningRequest { name } => json!({"deleteCSR": name}),
        Operation::CreateClusterRole(o) => json!({"createClusterRole": o}),
        Operation::DeleteClusterRole { name } => json!({"deleteClusterRole": name}),
        Operation::CreateClusterRoleBinding(o) => json!({"createClusterRoleBinding": o}),
        Operation::DeleteClusterRoleBinding { name } => json!({"deleteClusterRoleBinding": name}),
        Operation::CreateNode(o) => json!({"createNode": o}),
        Operation::GetNode { name } => json!({"getNode": name}),
        Operation::ListNodes => json!("listNodes"),
        Operation::UpdateNodeStatus(o) => json!({"updateNodeStatus": o}),
        Operation::DeleteNode { name } => json!({"deleteNode": name}),
    }
}

fn reply(r: &Reply) -> Value {
    match r {
        Reply::CertificateSigningRequest { code, object } => json!({"code": code, "csr": object}),
        Reply::CertificateSigningRequestList(l) => json!({"csrList": l}),
        Reply::ClusterRole { code, object } => json!({"code": code, "clusterRole": object}),
        Reply::ClusterRoleBinding { code, object } => {
            json!({"code": code, "clusterRoleBinding": object})
        }
        Reply::Node { code, object } => json!({"code": code, "node": object}),
        Reply::NodeList(l) => json!({"nodeList": l}),
        Reply::WatchOpened(w) => json!({"watchOpened": w.0}),
        Reply::Status(s) => json!({"status": s}),
    }
}

/// The first line where two logs differ (1-based), with both lines (`None` past an end);
/// `None` when they are equal.
pub fn first_difference<'a>(
    a: &'a str,
    b: &'a str,
) -> Option<(usize, Option<&'a str>, Option<&'a str>)> {
    let mut left = a.lines();
    let mut right = b.lines();
    let mut n = 0;
    loop {
        n += 1;
        match (left.next(), right.next()) {
            (None, None) => return None,
            (l, r) if l == r => {}
            (l, r) => return Some((n, l, r)),
        }
    }
}
