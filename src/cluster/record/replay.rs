//! The driver's actions, and replaying a log at the action or the input level.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::control_plane::ControlPlane;
use crate::kubelet::{self, Disk, Machine, NodeAddress};

use super::{
    ControlPlaneInput, DiskState, HostInput, InputError, OutputDigest, Outputs, Record,
    RecordInput, Tokens,
};

/// What the driver was asked to do; a log's actions replay it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
#[non_exhaustive]
pub enum Action {
    /// [`crate::cluster::Cluster::start_host`]; the token is recorded as the index of the node's
    /// configuration in the replayer's list, never as text.
    StartHost {
        /// The host.
        host: String,
        /// The index into the node configurations given to [`crate::cluster::replay`].
        node_config: usize,
    },
    /// [`crate::cluster::Cluster::restart_node`].
    Restart {
        /// The host.
        host: String,
    },
    /// [`crate::cluster::Cluster::kubectl`].
    Kubectl {
        /// The command line after `kubectl`.
        command: String,
    },
    /// [`crate::cluster::Cluster::call`]: the request is the control-plane record that follows.
    Call,
    /// [`crate::cluster::Cluster::advance`], in nanoseconds.
    Advance {
        /// Nanoseconds.
        nanos: i64,
    },
    /// [`crate::cluster::Cluster::advance_to_next_timer`].
    NextTimer,
    /// [`crate::cluster::Cluster::run_until_idle`].
    RunUntilIdle,
    /// [`crate::cluster::Cluster::rename_node`].
    Rename {
        /// The host.
        host: String,
        /// The new node name.
        node_name: String,
    },
    /// [`crate::cluster::Cluster::set_node_addresses`]: `(type, address)` pairs.
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
    /// A line is not JSON, or not a record (its `input` not one of its destination's).
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based.
        line: usize,
        /// 1-based, within the line.
        column: usize,
        /// The JSON error.
        message: String,
    },
    /// A record that does not fit where it is (a `call` action without its request).
    #[error("line {line}: {message}")]
    Line {
        /// 1-based.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A record's input could not be rebuilt (e.g. an unknown token fingerprint).
    #[error("line {line}: {error}")]
    Input {
        /// 1-based.
        line: usize,
        /// Why.
        error: InputError,
    },
    /// A record's time is not Go's `time.Time` format in UTC.
    #[error("line {line}: bad time {at:?}")]
    Time {
        /// 1-based.
        line: usize,
        /// The text.
        at: String,
    },
    /// An input for a host no `start` record started.
    #[error("line {line}: no kubelet on host {host:?}")]
    UnknownHost {
        /// 1-based.
        line: usize,
        /// The host.
        host: String,
    },
    /// A record names a node configuration that was not given.
    #[error("line {line}: no node configuration {index}")]
    NodeConfig {
        /// 1-based.
        line: usize,
        /// The index asked for.
        index: usize,
    },
    /// The cluster could not be set up.
    #[error(transparent)]
    Cluster(#[from] crate::cluster::Error),
}

fn parse_line(i: usize, line: &str) -> Result<Record, ReplayError> {
    serde_json::from_str(line).map_err(|e| {
        // serde_json ends its text with the position in the one-line input; the error has
        // its own line and column.
        let text = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        ReplayError::Syntax {
            line: i + 1,
            column: e.column(),
            message: text.strip_suffix(&suffix).unwrap_or(&text).to_owned(),
        }
    })
}

/// Runs the driver actions of `log` (the `cluster` records) on a fresh cluster made from
/// `config`, starting the `n`-th host with `nodes[n]`; every other record is what the run
/// delivers and is made again. With nothing changed, the new cluster's [`crate::cluster::Cluster::log`]
/// equals `log` byte for byte. A [`Action::Call`] sends the request of the control-plane record
/// after it again, its bearer token found among the nodes' bootstrap tokens.
pub fn replay(
    config: crate::cluster::ClusterConfig,
    nodes: &[crate::cluster::NodeConfig],
    log: &str,
) -> Result<crate::cluster::Cluster, ReplayError> {
    let tokens = Tokens::of_nodes(nodes);
    let mut cluster = crate::cluster::Cluster::new(config)?;
    let lines: Vec<&str> = log.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let record = parse_line(i, line)?;
        let RecordInput::Action(action) = record.input else {
            continue;
        };
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
            Action::Call => {
                let missing = || ReplayError::Line {
                    line: i + 1,
                    message: "a call without its request on the next line".to_owned(),
                };
                let next = lines.get(i + 1).ok_or_else(missing)?;
                let RecordInput::ControlPlane(ControlPlaneInput::Request {
                    credential,
                    operation,
                    ..
                }) = parse_line(i + 1, next)?.input
                else {
                    return Err(missing());
                };
                let credential = tokens
                    .credential(&credential)
                    .map_err(|error| ReplayError::Input { line: i + 2, error })?;
                cluster.call(&credential, operation);
            }
            Action::Advance { nanos } => cluster.advance(crate::time::Duration::from_nanos(nanos)),
            Action::NextTimer => {
                cluster.advance_to_next_timer();
            }
            Action::RunUntilIdle => cluster.run_until_idle(),
            Action::NodeAddresses { host, addresses } => {
                let addresses = addresses
                    .iter()
                    .map(|(t, a)| NodeAddress::new(t, a))
                    .collect();
                cluster.set_node_addresses(&host, addresses);
            }
        }
    }
    Ok(cluster)
}

/// Where an input-level replay first produced other outputs than the log recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputDifference {
    /// The record's line, 1-based.
    pub line: usize,
    /// The record's destination (`control-plane` or the host).
    pub to: String,
    /// What the log recorded.
    pub expected: Outputs,
    /// What the replay produced.
    pub got: Outputs,
    /// The produced outputs, one line each, as `Debug` renders them (secrets elided).
    pub produced: Vec<String>,
}

/// The result of [`replay_inputs`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputReplay {
    /// Lines read.
    pub records: usize,
    /// Inputs delivered (records other than actions).
    pub inputs: usize,
    /// The lines (1-based) of every input record whose outputs differ from the recorded ones.
    pub differing: Vec<usize>,
    /// The first of them; `None` when every output was reproduced.
    pub first_difference: Option<OutputDifference>,
}

impl InputReplay {
    /// Whether every recorded output was reproduced.
    pub fn is_identical(&self) -> bool {
        self.first_difference.is_none()
    }
}

struct ReplayHost {
    machine: Machine,
    disk: Disk,
}

/// Feeds every input of `log` to fresh machines and compares their outputs with the recorded
/// digests: the control plane built from `config` (as [`crate::cluster::Cluster::new`] builds it), each
/// kubelet when its `start` record comes (from `nodes[nodeConfig]`, with the record's node name,
/// on a new disk or the files the host's previous process left). The driver is not run: what a
/// machine sends is not delivered anywhere, only the log's inputs are. Bearer tokens are
/// resolved among `tokens` (see [`Tokens::of_nodes`]).
///
/// ```
/// use kube_tls_bootstrap::api::{Reply, Status};
/// use kube_tls_bootstrap::cluster::{Cluster, ClusterConfig, NodeConfig, record};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let ca_cert = std::fs::read("tests/data/pki/corpus/ca/ca.crt")?;
/// let ca_key = std::fs::read("tests/data/pki/corpus/ca/ca.key")?;
/// let token = "02b50b05283e98dd0fd71db496ef01e8";
/// let config = || -> Result<ClusterConfig, Box<dyn std::error::Error>> {
///     Ok(ClusterConfig::new(7, "2026-12-01T09:00:00Z", &ca_cert, &ca_key)?
///         .with_token_csv(&format!("{token},kubelet-bootstrap,10001,\"system:bootstrappers\"\n"))?)
/// };
/// let nodes = [NodeConfig::legacy("node-1", token)];
/// let mut cluster = Cluster::new(config()?)?;
/// cluster.start_node(nodes[0].clone());
/// cluster.run_until_idle();
/// let log = cluster.log();
/// let tokens = record::Tokens::of_nodes(&nodes);
/// let same = record::replay_inputs(config()?, &nodes, &tokens, &log)?;
/// assert!(same.is_identical());
/// // The CSR's create is answered with a 400 instead: node-1's outputs differ there.
/// let mut records: Vec<record::Record> =
///     log.lines().map(serde_json::from_str).collect::<Result<_, _>>()?;
/// let line = records
///     .iter()
///     .position(|r| matches!(r.input, record::RecordInput::Host(record::HostInput::Reply { .. })))
///     .ok_or("a reply")?;
/// if let record::RecordInput::Host(record::HostInput::Reply { reply, .. }) = &mut records[line].input {
///     *reply = Reply::Status(Status::bad_request("etcdserver: request timed out"));
/// }
/// let changed: String = records.iter().map(|r| r.to_json_line() + "\n").collect();
/// let other = record::replay_inputs(config()?, &nodes, &tokens, &changed)?;
/// assert_eq!(other.first_difference.map(|d| d.line), Some(line + 1));
/// # Ok(()) }
/// ```
pub fn replay_inputs(
    config: crate::cluster::ClusterConfig,
    nodes: &[crate::cluster::NodeConfig],
    tokens: &Tokens,
    log: &str,
) -> Result<InputReplay, ReplayError> {
    let seed = config.seed;
    let ca_pem = config.ca.certificate().to_pem().into_bytes();
    let mut cp = ControlPlane::new(config.control_plane);
    let mut hosts: BTreeMap<String, ReplayHost> = BTreeMap::new();
    let mut report = InputReplay {
        records: 0,
        inputs: 0,
        differing: Vec::new(),
        first_difference: None,
    };
    for (i, line) in log.lines().enumerate() {
        report.records += 1;
        let record = parse_line(i, line)?;
        if let RecordInput::Action(_) = record.input {
            continue;
        }
        report.inputs += 1;
        let now = record.instant().ok_or_else(|| ReplayError::Time {
            line: i + 1,
            at: record.at.clone(),
        })?;
        let mut digest = OutputDigest::new();
        let mut produced = Vec::new();
        if let RecordInput::ControlPlane(input) = &record.input {
            let input = input
                .to_input(tokens)
                .map_err(|error| ReplayError::Input { line: i + 1, error })?;
            cp.handle(now, input);
            while let Some(output) = cp.poll_output() {
                digest.control_plane(&output);
                produced.push(format!("{output:?}"));
            }
        } else if let RecordInput::Host(input) = &record.input {
            let host = record.to.as_str();
            if let HostInput::Start {
                node,
                node_config,
                disk,
            } = &input
            {
                let config = nodes.get(*node_config).ok_or(ReplayError::NodeConfig {
                    line: i + 1,
                    index: *node_config,
                })?;
                let files = match (disk, hosts.remove(host)) {
                    (DiskState::Kept, Some(old)) => old.disk,
                    (DiskState::Kept, None) => {
                        return Err(ReplayError::UnknownHost {
                            line: i + 1,
                            host: host.to_owned(),
                        });
                    }
                    (DiskState::New, _) => crate::cluster::new_disk(&ca_pem, config),
                };
                let mut kubelet = config.kubelet.clone();
                kubelet.node_name = node.clone();
                kubelet.jitter_seed = crate::cluster::jitter_seed(seed, host);
                let mut machine = Machine::new(kubelet, files.clone(), now);
                machine.enable_registration(now, crate::cluster::KUBELET_VERSION);
                hosts.insert(
                    host.to_owned(),
                    ReplayHost {
                        machine,
                        disk: files,
                    },
                );
            } else {
                let h = hosts
                    .get_mut(host)
                    .ok_or_else(|| ReplayError::UnknownHost {
                        line: i + 1,
                        host: host.to_owned(),
                    })?;
                if let Some(input) = input.to_input(seed, host) {
                    h.machine.handle(now, input);
                }
            }
            // The host is there: it was just started or looked up.
            if let Some(h) = hosts.get_mut(host) {
                while let Some(output) = h.machine.poll_output() {
                    digest.host(&output);
                    produced.push(format!("{output:?}"));
                    if let kubelet::Output::File(op) = &output {
                        // As the cluster: a failed operation leaves the disk as it was.
                        let _ = h.disk.apply(op);
                    }
                }
            }
        }
        let got = digest.take();
        if let Some(expected) = record.outputs
            && expected != got
        {
            report.differing.push(i + 1);
            if report.first_difference.is_none() {
                report.first_difference = Some(OutputDifference {
                    line: i + 1,
                    to: record.to.clone(),
                    expected,
                    got,
                    produced,
                });
            }
        }
    }
    Ok(report)
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
