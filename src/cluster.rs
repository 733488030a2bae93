//! One cluster in memory: the control plane and any number of kubelets on a virtual clock.
//!
//! [`Cluster`] is the driver the machines' documentation describes, written once: it routes each
//! kubelet's API requests to the [`ControlPlane`] and the replies and watch events back, keeps
//! each node's files in a [`Disk`], answers key requests with P-256 keys derived from its seed,
//! and moves the virtual clock to the next timer of any machine. It is pure like the machines:
//! no clock, no randomness, no I/O; the same calls give the same outputs, byte for byte.
//!
//! The admin acts through [`Cluster::kubectl`] as `kubernetes-admin` in `system:masters`, with a
//! client certificate the cluster CA issued, through the same authentication and authorization
//! as every other request; each command returns what kubectl prints. [`Cluster::call`] sends
//! any API request with any credential.
//!
//! # Recording and replay
//!
//! Unless [`ClusterConfig::record`] is off, the cluster records every input it delivers — each
//! request the control plane gets (its credential and whole [`Operation`](crate::api::Operation)),
//! each reply, watch event, key and timeout a kubelet gets, each kubelet start — with its virtual
//! time, and the count and digest of the outputs the input caused; and every call of the driver
//! ([`Cluster::kubectl`], [`Cluster::advance`], [`Cluster::call`] …). [`Cluster::log`] is that
//! recording as JSON lines, described in [`record`]; it holds no secret (tokens by fingerprint,
//! keys by the index they were derived from).
//!
//! [`replay_inputs`] feeds a log's inputs to fresh machines and checks every output against the
//! recorded digests: identical, or the first record whose outputs differ. Change one input in the
//! log — an approval into a denial, a reply into an error — and it says where the consequences
//! start and which records they reach. [`replay`] re-drives the recorded actions instead, which
//! lets the machines answer each other again; [`first_difference`] compares two logs.
//!
//! ```
//! use kube_tls_bootstrap::cluster::{Cluster, ClusterConfig, NodeConfig};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let ca_cert = std::fs::read("tests/data/pki/corpus/ca/ca.crt")?;
//! let ca_key = std::fs::read("tests/data/pki/corpus/ca/ca.key")?;
//! let token_csv = "02b50b05283e98dd0fd71db496ef01e8,kubelet-bootstrap,10001,\"system:bootstrappers\"\n";
//! let config = ClusterConfig::new(7, "2026-12-01T09:00:00Z", &ca_cert, &ca_key)?
//!     .with_token_csv(token_csv)?;
//! let mut cluster = Cluster::new(config)?;
//! let out = cluster.kubectl("create clusterrolebinding kubelet-bootstrap \
//!     --clusterrole=system:node-bootstrapper --user=kubelet-bootstrap");
//! assert_eq!(out, "clusterrolebinding.rbac.authorization.k8s.io/kubelet-bootstrap created\n");
//! cluster.start_node(NodeConfig::legacy("node-1", "02b50b05283e98dd0fd71db496ef01e8"));
//! cluster.run_until_idle();
//! assert!(cluster.kubectl("get csr").contains("Pending"));
//! # Ok(()) }
//! ```

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::api::{Credential, Reply, Request, RequestId, WatchId};
use crate::control_plane::{self, ControlPlane, Event};
use crate::identity::TokenFile;
use crate::kubelet::{self, Disk, KeyPurpose, Machine, Mode};
use crate::pki::{self, CertificateAuthority, CertificateRequest, KeyUsage, PrivateKey};
use crate::time::{Duration, Instant, Timestamp};

mod kubectl;
pub mod record;

pub use record::{
    Action, InputReplay, OutputDifference, Outputs, Record, ReplayError, Tokens, first_difference,
    replay, replay_inputs,
};

/// The API server's address in the kubeconfigs the cluster writes.
pub const SERVER: &str = "https://10.0.0.1:6443";
/// Where each node finds the cluster CA.
pub const CA_PATH: &str = "/etc/kubernetes/pki/ca.crt";
/// How many timer rounds [`Cluster::advance`] runs at one instant before it moves on.
const MAX_ROUNDS_AT_ONE_INSTANT: u32 = 10_000;

/// The kubelet version nodes report.
pub const KUBELET_VERSION: &str = "v1.32.0";

/// Why a cluster could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The start time is not RFC 3339.
    #[error("start time: {0}")]
    Time(String),
    /// The CA or the admin's certificate could not be made.
    #[error("pki: {0}")]
    Pki(String),
    /// The token file did not parse.
    #[error("token file: {0}")]
    TokenFile(String),
}

/// How the cluster is set up.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ClusterConfig {
    /// Feeds the control plane's seed, the keys and the kubelets' jitter.
    pub seed: u64,
    /// The virtual clock's start.
    pub start: Instant,
    /// The cluster CA (client CA and the kubelet signers' CA).
    pub ca: Arc<CertificateAuthority>,
    /// The control plane's configuration (the cluster sets `client_ca` and the signers).
    pub control_plane: control_plane::Config,
    /// Whether the cluster keeps its recording (default true; see [`record`]).
    pub record: bool,
}

impl ClusterConfig {
    /// A cluster starting at `start` (RFC 3339), with the CA from PEM, the default policy, the
    /// kubelet client and serving signers, and an informer lag of one second.
    pub fn new(seed: u64, start: &str, ca_cert: &[u8], ca_key: &[u8]) -> Result<Self, Error> {
        let start = Timestamp::parse_rfc3339(start).map_err(|e| Error::Time(e.to_string()))?;
        let ca = Arc::new(
            CertificateAuthority::from_pem(ca_cert, ca_key)
                .map_err(|e| Error::Pki(e.to_string()))?,
        );
        let mut control_plane = control_plane::Config::new(seed)
            .with_default_policy()
            .with_signer(pki::KnownSigner::KubeApiserverClientKubelet, ca.clone())
            .with_signer(pki::KnownSigner::KubeletServing, ca.clone());
        control_plane.client_ca = vec![ca.certificate().clone()];
        control_plane.informer_lag = Duration::from_secs(1);
        Ok(Self {
            seed,
            start: Instant::from(start),
            ca,
            control_plane,
            record: true,
        })
    }

    /// Loads `--token-auth-file` contents.
    pub fn with_token_csv(mut self, contents: &str) -> Result<Self, Error> {
        let file = TokenFile::parse(contents.as_bytes(), "/etc/kubernetes/token.csv")
            .map_err(|e| Error::TokenFile(e.to_string()))?;
        self.control_plane.authenticator.token_file = Some(file);
        Ok(self)
    }
}

/// How a node's kubelet runs.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct NodeConfig {
    /// The kubelet's settings (node name, path, serving certificates …).
    pub kubelet: kubelet::Config,
    /// The token in the bootstrap kubeconfig (never printed).
    pub bootstrap_token: String,
}

impl NodeConfig {
    /// The legacy path (`rotateCertificates: false`) with a bootstrap kubeconfig holding `token`.
    pub fn legacy(node_name: &str, token: &str) -> Self {
        let mut kubelet = kubelet::Config::kubeadm(node_name);
        kubelet.mode = Mode::Legacy;
        Self {
            kubelet,
            bootstrap_token: token.to_owned(),
        }
    }

    /// The rotation path (`rotateCertificates: true`, kubeadm's default).
    pub fn rotation(node_name: &str, token: &str) -> Self {
        Self {
            kubelet: kubelet::Config::kubeadm(node_name),
            bootstrap_token: token.to_owned(),
        }
    }
}

/// Where an input goes.
#[derive(Debug)]
enum Destination {
    ControlPlane(control_plane::Input),
    Host(String, Delivery),
}

/// A kubelet input the cluster can rebuild (keys are made where they are delivered).
#[derive(Debug)]
enum Delivery {
    Reply(RequestId, Reply),
    Watch(WatchId, crate::api::WatchEvent),
    Key(KeyPurpose),
    Addresses(Vec<kubelet::NodeAddress>),
    Timeout,
}

/// One node: its kubelet, its files as performed, and its log.
#[derive(Debug)]
struct Host {
    config: NodeConfig,
    /// Which [`Cluster::start_host`] call started the host (the replayer's node configuration).
    node_config: usize,
    machine: Machine,
    disk: Disk,
    log: Vec<String>,
    keys: u64,
}

/// The cluster. See the [module documentation](self).
#[derive(Debug)]
pub struct Cluster {
    now: Instant,
    seed: u64,
    cp: ControlPlane,
    ca: Arc<CertificateAuthority>,
    hosts: BTreeMap<String, Host>,
    queue: VecDeque<(Instant, Destination)>,
    /// Control-plane request id → (host, the kubelet's request id).
    routes: BTreeMap<RequestId, (String, RequestId)>,
    /// Open watches → the host that opened them.
    watches: BTreeMap<WatchId, String>,
    next_request: u64,
    admin: Credential,
    events: Vec<Event>,
    records: Vec<Record>,
    /// Replies to the admin's requests, taken by [`Cluster::call`].
    unrouted: Vec<(RequestId, Reply)>,
    /// How many kubelets [`Cluster::start_host`] started.
    started: usize,
    recording: bool,
    /// The outputs of the input being delivered.
    digest: record::OutputDigest,
}

impl Cluster {
    /// A cluster with no nodes at the configured start.
    pub fn new(config: ClusterConfig) -> Result<Self, Error> {
        let admin = admin_credential(&config.ca, config.seed, config.start)?;
        let recording = config.record;
        Ok(Self {
            now: config.start,
            seed: config.seed,
            cp: ControlPlane::new(config.control_plane),
            ca: config.ca,
            hosts: BTreeMap::new(),
            queue: VecDeque::new(),
            routes: BTreeMap::new(),
            watches: BTreeMap::new(),
            next_request: 0,
            admin,
            events: Vec::new(),
            records: Vec::new(),
            unrouted: Vec::new(),
            started: 0,
            recording,
            digest: record::OutputDigest::new(),
        })
    }

    /// The virtual clock.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// The control plane.
    pub fn control_plane(&self) -> &ControlPlane {
        &self.cp
    }

    /// The control plane's events so far (approvals, signatures, cleaning …).
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// The node `host`'s kubelet.
    pub fn kubelet(&self, host: &str) -> Option<&Machine> {
        self.hosts.get(host).map(|h| &h.machine)
    }

    /// The node `host`'s files as the kubelet left them.
    pub fn disk(&self, host: &str) -> Option<&Disk> {
        self.hosts.get(host).map(|h| &h.disk)
    }

    /// The node `host`'s kubelet log lines so far.
    pub fn kubelet_log(&self, host: &str) -> &[String] {
        self.hosts.get(host).map_or(&[], |h| &h.log)
    }

    /// Every input delivered and every action so far, in order (see [`record`]).
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// The recording as JSON lines, one per record, each ending in a newline.
    pub fn log(&self) -> String {
        let mut out = String::new();
        for r in &self.records {
            out.push_str(&r.to_json_line());
            out.push('\n');
        }
        out
    }

    /// Starts a kubelet on a host named after its node, with the bootstrap kubeconfig and the
    /// CA on its disk.
    pub fn start_node(&mut self, config: NodeConfig) {
        let host = config.kubelet.node_name.clone();
        self.start_host(&host, config);
    }

    /// Starts a kubelet on host `host` (two hosts may claim the same node name).
    pub fn start_host(&mut self, host: &str, mut config: NodeConfig) {
        let index = self.started;
        self.record(Record::action(
            self.now,
            &record::Action::StartHost {
                host: host.to_owned(),
                node_config: index,
            },
        ));
        self.started += 1;
        let disk = new_disk(self.ca.certificate().to_pem().as_bytes(), &config);
        config.kubelet.jitter_seed = jitter_seed(self.seed, host);
        self.boot(
            host,
            config,
            index,
            disk,
            record::DiskState::New,
            Vec::new(),
        );
    }

    /// Restarts the kubelet on `host` with the files it left; `false` when there is no such host.
    pub fn restart_node(&mut self, host: &str) -> bool {
        if !self.hosts.contains_key(host) {
            return false;
        }
        self.record(Record::action(
            self.now,
            &record::Action::Restart {
                host: host.to_owned(),
            },
        ));
        self.restart(host)
    }

    fn restart(&mut self, host: &str) -> bool {
        let Some(old) = self.hosts.remove(host) else {
            return false;
        };
        // Requests and watches of the old process die with it.
        self.routes.retain(|_, (h, _)| h != host);
        let closed: Vec<WatchId> = self
            .watches
            .iter()
            .filter(|(_, h)| *h == host)
            .map(|(w, _)| *w)
            .collect();
        for w in closed {
            self.watches.remove(&w);
            self.deliver_cp(control_plane::Input::CloseWatch(w));
        }
        self.queue
            .retain(|(_, d)| !matches!(d, Destination::Host(h, _) if h == host));
        self.boot(
            host,
            old.config,
            old.node_config,
            old.disk,
            record::DiskState::Kept,
            old.log,
        );
        true
    }

    /// Tells the kubelet on `host` its node's addresses (what its serving certificate must
    /// carry), then runs until idle.
    pub fn set_node_addresses(&mut self, host: &str, addresses: Vec<kubelet::NodeAddress>) {
        self.record(Record::action(
            self.now,
            &record::Action::NodeAddresses {
                host: host.to_owned(),
                addresses: addresses
                    .iter()
                    .map(|a| (a.type_.clone(), a.address.clone()))
                    .collect(),
            },
        ));
        self.deliver_host(host, Delivery::Addresses(addresses));
        self.idle();
    }

    /// Restarts the kubelet on `host` under another node name (as after a host rename), with
    /// the files it left; `false` when there is no such host.
    pub fn rename_node(&mut self, host: &str, node_name: &str) -> bool {
        match self.hosts.get_mut(host) {
            Some(h) => h.config.kubelet.node_name = node_name.to_owned(),
            None => return false,
        }
        self.record(Record::action(
            self.now,
            &record::Action::Rename {
                host: host.to_owned(),
                node_name: node_name.to_owned(),
            },
        ));
        self.restart(host)
    }

    fn boot(
        &mut self,
        host: &str,
        config: NodeConfig,
        node_config: usize,
        disk: Disk,
        disk_state: record::DiskState,
        log: Vec<String>,
    ) {
        self.record(Record::host(
            self.now,
            host,
            record::HostInput::Start {
                node: config.kubelet.node_name.clone(),
                node_config,
                disk: disk_state,
            },
        ));
        let mut machine = Machine::new(config.kubelet.clone(), disk.clone(), self.now);
        machine.enable_registration(self.now, KUBELET_VERSION);
        self.hosts.insert(
            host.to_owned(),
            Host {
                config,
                node_config,
                machine,
                disk,
                log,
                keys: 0,
            },
        );
        self.drain_host(host);
        self.seal();
    }

    /// Delivers every pending input and drains every machine, without moving the clock.
    pub fn run_until_idle(&mut self) {
        self.record(Record::action(self.now, &record::Action::RunUntilIdle));
        self.idle();
    }

    fn idle(&mut self) {
        // Each delivery is bounded; a machine that keeps answering itself at the same instant
        // would loop, which the machines never do (every retry is scheduled later).
        while let Some((_, destination)) = self.queue.pop_front() {
            match destination {
                Destination::ControlPlane(input) => self.deliver_cp(input),
                Destination::Host(host, input) => self.deliver_host(&host, input),
            }
        }
    }

    /// The earliest timer of any machine.
    pub fn next_timer(&self) -> Option<Instant> {
        self.hosts
            .values()
            .filter_map(|h| h.machine.poll_timeout())
            .chain(self.cp.poll_timeout())
            .min()
    }

    /// Moves the clock to the next timer (never backwards) and runs what is due; `false` when no
    /// timer is set.
    pub fn advance_to_next_timer(&mut self) -> bool {
        self.record(Record::action(self.now, &record::Action::NextTimer));
        self.idle();
        let Some(at) = self.next_timer() else {
            return false;
        };
        self.now = self.now.max(at);
        self.fire_due();
        true
    }

    /// Runs every timer due within `d`, each at its time, and leaves the clock at `now + d`.
    pub fn advance(&mut self, d: Duration) {
        let until = self.now + d;
        self.record(Record::action(
            self.now,
            &record::Action::Advance {
                nanos: d.as_nanos(),
            },
        ));
        self.idle();
        // A machine whose timer stays due after its timeout would hold the clock; the guard
        // moves on after that many rounds at one instant (the machines never do this).
        let mut rounds_here = 0u32;
        while let Some(at) = self.next_timer().filter(|at| *at <= until) {
            if at <= self.now {
                rounds_here += 1;
                if rounds_here > MAX_ROUNDS_AT_ONE_INSTANT {
                    break;
                }
            } else {
                rounds_here = 0;
            }
            self.now = self.now.max(at);
            self.fire_due();
        }
        self.now = until;
        self.fire_due();
    }

    fn fire_due(&mut self) {
        if self.cp.poll_timeout().is_some_and(|at| at <= self.now) {
            self.deliver_cp(control_plane::Input::Timeout);
        }
        let due: Vec<String> = self
            .hosts
            .iter()
            .filter(|(_, h)| h.machine.poll_timeout().is_some_and(|at| at <= self.now))
            .map(|(n, _)| n.clone())
            .collect();
        for host in due {
            self.deliver_host(&host, Delivery::Timeout);
        }
        self.idle();
    }

    fn deliver_cp(&mut self, input: control_plane::Input) {
        if self.recording {
            self.record(Record::control_plane(self.now, &input));
        }
        self.cp.handle(self.now, input);
        self.drain_cp();
        self.seal();
    }

    /// Puts the digest of the outputs since the last record on that record.
    fn seal(&mut self) {
        if self.recording {
            let outputs = self.digest.take();
            if let Some(last) = self.records.last_mut() {
                last.outputs = Some(outputs);
            }
        }
    }

    fn drain_cp(&mut self) {
        while let Some(output) = self.cp.poll_output() {
            if self.recording {
                self.digest.control_plane(&output);
            }
            match output {
                control_plane::Output::Reply { id, reply } => {
                    if let Some((host, kid)) = self.routes.remove(&id) {
                        if let Reply::WatchOpened(w) = &reply {
                            self.watches.insert(*w, host.clone());
                        }
                        self.queue.push_back((
                            self.now,
                            Destination::Host(host, Delivery::Reply(kid, reply)),
                        ));
                    } else {
                        self.unrouted.push((id, reply));
                    }
                }
                control_plane::Output::Watch { watch, event } => {
                    if let Some(host) = self.watches.get(&watch) {
                        self.queue.push_back((
                            self.now,
                            Destination::Host(host.clone(), Delivery::Watch(watch, event)),
                        ));
                    }
                }
                control_plane::Output::Event(e) => self.events.push(e),
                _ => {}
            }
        }
    }

    fn deliver_host(&mut self, host: &str, input: Delivery) {
        let now = self.now;
        let seed = self.seed;
        let Some(h) = self.hosts.get_mut(host) else {
            return;
        };
        let key_index = h.keys + 1;
        if self.recording {
            let recorded = match &input {
                Delivery::Reply(id, reply) => record::HostInput::Reply {
                    id: *id,
                    reply: reply.clone(),
                },
                Delivery::Watch(watch, event) => record::HostInput::WatchEvent {
                    watch: *watch,
                    event: event.clone(),
                },
                Delivery::Key(purpose) => record::HostInput::Key {
                    purpose: *purpose,
                    index: key_index,
                },
                Delivery::Addresses(a) => record::HostInput::NodeAddresses(a.clone()),
                Delivery::Timeout => record::HostInput::Timeout,
            };
            self.record(Record::host(now, host, recorded));
        }
        let Some(h) = self.hosts.get_mut(host) else {
            return;
        };
        let input = match input {
            Delivery::Reply(id, reply) => kubelet::Input::Reply { id, reply },
            Delivery::Watch(watch, event) => kubelet::Input::WatchEvent { watch, event },
            Delivery::Timeout => kubelet::Input::Timeout,
            Delivery::Addresses(a) => kubelet::Input::NodeAddresses(a),
            Delivery::Key(purpose) => {
                h.keys = key_index;
                match node_key(seed, host, key_index) {
                    Some(key) => kubelet::Input::Key(purpose, key),
                    // Not reachable: 32 bytes of SHA-256 output are a valid P-256 scalar unless
                    // they are zero or above the order (probability ~2^-128); then nothing is
                    // delivered and the kubelet's own timeout applies.
                    None => {
                        self.seal();
                        return;
                    }
                }
            }
        };
        h.machine.handle(now, input);
        self.drain_host(host);
        self.seal();
    }

    fn drain_host(&mut self, host: &str) {
        let now = self.now;
        loop {
            let Some(h) = self.hosts.get_mut(host) else {
                return;
            };
            let Some(output) = h.machine.poll_output() else {
                return;
            };
            if self.recording {
                self.digest.host(&output);
            }
            match output {
                kubelet::Output::Request { id, request } => {
                    self.next_request += 1;
                    let cp_id = RequestId(self.next_request);
                    self.routes.insert(cp_id, (host.to_owned(), id));
                    self.queue.push_back((
                        now,
                        Destination::ControlPlane(control_plane::Input::Request {
                            id: cp_id,
                            request,
                        }),
                    ));
                }
                kubelet::Output::StopWatch(w) => {
                    self.watches.remove(&w);
                    self.queue.push_back((
                        now,
                        Destination::ControlPlane(control_plane::Input::CloseWatch(w)),
                    ));
                }
                kubelet::Output::GenerateKey(purpose) => self.queue.push_back((
                    now,
                    Destination::Host(host.to_owned(), Delivery::Key(purpose)),
                )),
                kubelet::Output::File(op) => {
                    // The in-memory file system performs every operation the kubelet asks for; a
                    // failure (e.g. renaming a missing file) leaves the disk as it was.
                    let _ = h.disk.apply(&op);
                }
                kubelet::Output::Log(line) => h.log.push(line.text),
                kubelet::Output::Exit(text) => h.log.push(format!("exit: {text}")),
                _ => {}
            }
        }
    }

    /// Sends one request as `credential` and runs the cluster until idle; returns its reply.
    ///
    /// Recorded as a [`Action::Call`] followed by the request as the control plane's input; a
    /// bearer token is recorded as its fingerprint.
    pub fn call(&mut self, credential: &Credential, operation: crate::api::Operation) -> Reply {
        self.idle();
        self.record(Record::action(self.now, &record::Action::Call));
        self.send(credential, operation)
    }

    /// [`Cluster::call`] without its action record (kubectl's requests).
    fn send(&mut self, credential: &Credential, operation: crate::api::Operation) -> Reply {
        self.next_request += 1;
        let id = RequestId(self.next_request);
        self.deliver_cp(control_plane::Input::Request {
            id,
            request: Request {
                credential: credential.clone(),
                operation,
            },
        });
        let reply = self
            .unrouted
            .iter()
            .position(|(got, _)| *got == id)
            .map(|i| self.unrouted.swap_remove(i).1);
        self.idle();
        // The control plane answers every request inside `handle`.
        reply.unwrap_or_else(|| Reply::Status(crate::api::Status::bad_request("no reply")))
    }

    fn record(&mut self, record: Record) {
        if self.recording {
            self.records.push(record);
        }
    }

    /// The admin's credential (`kubernetes-admin` in `system:masters`).
    pub fn admin_credential(&self) -> &Credential {
        &self.admin
    }
}

/// The jitter seed of the kubelet on `host`.
fn jitter_seed(seed: u64, host: &str) -> u64 {
    derive(seed, host, u64::MAX)
}

/// A new node's disk: the CA, and the bootstrap kubeconfig when the kubelet has a path for it.
fn new_disk(ca_pem: &[u8], config: &NodeConfig) -> Disk {
    let mut disk = Disk::new();
    disk.insert_file(CA_PATH, ca_pem.to_vec());
    if !config.kubelet.bootstrap_kubeconfig_path.is_empty() {
        disk.insert_file(
            config.kubelet.bootstrap_kubeconfig_path.clone(),
            bootstrap_kubeconfig(&config.bootstrap_token),
        );
    }
    disk
}

/// A seeded 64-bit value for `host`'s `n`-th use.
fn derive(seed: u64, host: &str, n: u64) -> u64 {
    let digest = Sha256::new()
        .chain_update(seed.to_be_bytes())
        .chain_update(host.as_bytes())
        .chain_update(n.to_be_bytes())
        .finalize();
    let mut b = [0u8; 8];
    b.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(b)
}

/// The `n`-th P-256 key of `host`: the scalar is SHA-256(seed, host, n).
pub fn node_key(seed: u64, host: &str, n: u64) -> Option<PrivateKey> {
    let digest = Sha256::new()
        .chain_update(b"key")
        .chain_update(seed.to_be_bytes())
        .chain_update(host.as_bytes())
        .chain_update(n.to_be_bytes())
        .finalize();
    let bytes: [u8; 32] = digest.into();
    PrivateKey::ecdsa_p256_from_random_bytes(&bytes).ok()
}

/// A bootstrap kubeconfig as kubeadm writes it, with `token` and the CA by path.
fn bootstrap_kubeconfig(token: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: kubernetes\n  cluster:\n    server: {SERVER}\n    certificate-authority: {CA_PATH}\ncontexts:\n- name: tls-bootstrap-token-user@kubernetes\n  context:\n    cluster: kubernetes\n    user: tls-bootstrap-token-user\ncurrent-context: tls-bootstrap-token-user@kubernetes\nusers:\n- name: tls-bootstrap-token-user\n  user:\n    token: {token}\n"
    )
}

/// kubeadm's `admin.conf` identity: a client certificate for `kubernetes-admin` in
/// `system:masters` issued by the cluster CA.
fn admin_credential(
    ca: &CertificateAuthority,
    seed: u64,
    now: Instant,
) -> Result<Credential, Error> {
    let key = node_key(seed, "kubernetes-admin", 0)
        .ok_or_else(|| Error::Pki("the admin key".to_owned()))?;
    let subject = pki::Subject {
        common_name: "kubernetes-admin".to_owned(),
        organization: vec!["system:masters".to_owned()],
        ..pki::Subject::default()
    };
    let pem = pki::kubelet::make_csr_pem(&key, &subject, &Default::default())
        .map_err(|e| Error::Pki(e.to_string()))?;
    let request =
        CertificateRequest::from_pem(pem.as_bytes()).map_err(|e| Error::Pki(e.to_string()))?;
    let serial = derive(seed, "kubernetes-admin", 1).to_be_bytes();
    let mut serial16 = [0x0a; 16];
    serial16[8..].copy_from_slice(&serial);
    let issued = ca
        .sign(
            &request,
            &[KeyUsage::DigitalSignature, KeyUsage::ClientAuth],
            None,
            365 * 24 * 3600,
            now.timestamp(),
            &serial16,
        )
        .map_err(|e| Error::Pki(e.to_string()))?;
    Ok(Credential::ClientCertificate(vec![issued.der().to_vec()]))
}
