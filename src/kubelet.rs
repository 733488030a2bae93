//! The node's side of the protocol as a sans-IO machine: the kubelet's TLS bootstrap (both code
//! paths), the wait for the certificate, the certificate store, the kubeconfig it writes, and
//! certificate rotation for its client and serving certificates.
//!
//! # Shape
//!
//! A [`Machine`] is built from a [`Config`], the files the kubelet reads at start (a [`Disk`])
//! and `now`. From then on it has three doors:
//!
//! - [`Machine::handle`]`(now, input)` feeds it an [`Input`]: a reply to one of its API
//!   requests, a watch event, a key it asked for, the node's addresses, or just the passing of
//!   time ([`Input::Timeout`]);
//! - [`Machine::poll_output`] returns the next [`Output`] until `None`: API requests to send,
//!   watches to stop, keys to generate, file operations to perform (in order), log lines, and
//!   the process exit Kubernetes would take;
//! - [`Machine::poll_timeout`] says when it next wants [`Input::Timeout`].
//!
//! Drain `poll_output` after construction and after every `handle`. The machine never reads a
//! clock, draws randomness, or touches files or sockets: keys come back as [`Input::Key`], the
//! rotation jitter comes from a generator the caller seeds ([`Config::jitter_seed`]), and the
//! files it writes are [`FileOperation`]s the caller performs (the machine assumes they
//! succeed and keeps its own view of the directory).
//!
//! ```
//! use kube_tls_bootstrap::api::{Credential, Operation};
//! use kube_tls_bootstrap::kubelet::{Config, Disk, Input, Machine, Output};
//! use kube_tls_bootstrap::pki::PrivateKey;
//! use kube_tls_bootstrap::time::Instant;
//!
//! // The caller read the bootstrap kubeconfig from disk.
//! let mut disk = Disk::new();
//! disk.insert_file("/etc/kubernetes/bootstrap-kubelet.conf", "
//! clusters: [{name: k, cluster: {server: 'https://10.0.0.1:6443', certificate-authority: /etc/kubernetes/pki/ca.crt}}]
//! contexts: [{name: c, context: {cluster: k, user: u}}]
//! current-context: c
//! users: [{name: u, user: {token: abcdef.0123456789abcdef}}]
//! ");
//! let now = Instant::from_unix(1_796_115_600, 0);
//! let mut kubelet = Machine::new(Config::kubeadm("node-1"), disk, now);
//!
//! // The run loop: perform every output, feed the answers back.
//! let mut created = None;
//! while let Some(output) = kubelet.poll_output() {
//!     match output {
//!         // Perform the file operation (here: the kubeconfig is written at once).
//!         Output::File(op) => println!("{op:?}"),
//!         Output::Log(line) => println!("{}", line.text),
//!         // Generate a key with the operating system's randomness; here a fixed one.
//!         Output::GenerateKey(purpose) => {
//!             let key = PrivateKey::ecdsa_p256_from_random_bytes(&[7; 32]).unwrap();
//!             kubelet.handle(now, Input::Key(purpose, key));
//!         }
//!         // Send it to the API server; answer with Input::Reply when it comes back.
//!         Output::Request { id, request } => created = Some((id, request)),
//!         _ => {}
//!     }
//! }
//! let (_, request) = created.unwrap();
//! assert_eq!(request.credential, Credential::BearerToken("abcdef.0123456789abcdef".into()));
//! assert!(matches!(request.operation, Operation::CreateCertificateSigningRequest(ref csr)
//!     if csr.metadata.generate_name == "csr-"));
//! // Nothing else until the reply arrives or the next timer (the transport's 10 s check).
//! assert!(kubelet.poll_timeout().is_some());
//! ```
//!
//! # The two paths (PROTOCOL §5.1)
//!
//! - [`Mode::Legacy`] (`rotateCertificates: false`, `LoadClientCert`): a valid kubeconfig ends
//!   it at once; otherwise the key comes from the current pair or `kubelet-client.key.tmp`
//!   (created when absent), the CSR is named `node-csr-<digest>`, an `AlreadyExists` runs the
//!   compatibility check, the wait lasts up to an hour, and the result is stored, the tmp key
//!   removed and the kubeconfig written. Any failure ends in [`State::Exited`] with Kubernetes'
//!   error text.
//! - [`Mode::Rotation`] (`rotateCertificates: true`): `LoadClientConfig` writes the kubeconfig
//!   pointing at `kubelet-client-current.pem` at once, then the certificate manager rotates
//!   immediately without a valid certificate, else at `NotBefore + D·(0.7 + 0.2r)`; each
//!   attempt has a fresh key and a `csr-` generated name and waits 15 minutes; failed attempts
//!   back off 2 s ×2 with 10 % jitter for 5 attempts, then every 32 s. The transport's rules end
//!   the process when no valid certificate was seen for 5 minutes while the server answers.
//!
//! With [`Config::serving`] a second manager requests the serving certificate
//! (`kubernetes.io/kubelet-serving`, store `kubelet-server`) once [`Input::NodeAddresses`] gives
//! it an IP address, and again whenever the addresses change what the certificate must carry.
//!
//! Renewals authenticate with the current client certificate as soon as there is a valid one;
//! the bootstrap credential is used only while there is none.
//!
//! # Beyond Kubernetes
//!
//! - An issued certificate is stored only when its leaf carries the key the machine generated
//!   and the requested subject; anything else is logged and counted as a failed attempt.
//! - When the client certificate has expired and no bootstrap credential is left (the only
//!   credential is that certificate), the machine stops in [`State::Stranded`] with a diagnosis
//!   instead of restarting forever.

use std::fmt;
use std::sync::Arc;

use crate::api::{Reply, RequestId, WatchEvent, WatchId};
use crate::pki::PrivateKey;
use crate::time::Instant;

pub mod files;
mod io;
mod legacy;
mod manager;
pub mod register;
pub mod request;
pub mod rotation;
mod startup;
pub mod store;
pub mod wait;
mod waiter;

pub use files::{Disk, FileOperation};
pub use rotation::NodeAddress;
pub use store::Pair;

use io::{Io, Owner};
use manager::Manager;
use rotation::Jitter;

/// Which bootstrap code path the kubelet runs (`rotateCertificates`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `rotateCertificates: false`: `LoadClientCert`, blocking, then no client rotation.
    Legacy,
    /// `rotateCertificates: true`: `LoadClientConfig` and the client certificate manager.
    Rotation,
}

/// The kubelet's settings that matter to bootstrap and rotation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The node name (`--hostname-override` or the host name); the subject is
    /// `CN=system:node:<node_name>, O=system:nodes`.
    pub node_name: String,
    /// The code path.
    pub mode: Mode,
    /// `--kubeconfig`, e.g. `/etc/kubernetes/kubelet.conf`.
    pub kubeconfig_path: String,
    /// `--bootstrap-kubeconfig`; empty for none.
    pub bootstrap_kubeconfig_path: String,
    /// `--cert-dir`, absolute, e.g. `/var/lib/kubelet/pki`.
    pub cert_dir: String,
    /// The local time zone's offset east of UTC in seconds, for pair file names.
    pub utc_offset_seconds: i32,
    /// `serverTLSBootstrap: true`: request the serving certificate too.
    pub serving: bool,
    /// The `AllowDNSOnlyNodeCSR` feature gate: request a serving certificate for DNS names
    /// alone.
    pub allow_dns_only_serving: bool,
    /// Seeds the generator of the rotation-deadline and back-off jitter (draw it from the
    /// operating system; fix it for reproducible runs).
    pub jitter_seed: u64,
}

impl Config {
    /// The kubeadm layout: `/etc/kubernetes/kubelet.conf`, `/etc/kubernetes/bootstrap-kubelet.conf`,
    /// `/var/lib/kubelet/pki`, UTC, rotation on, no serving certificate.
    pub fn kubeadm(node_name: &str) -> Self {
        Self {
            node_name: node_name.to_owned(),
            mode: Mode::Rotation,
            kubeconfig_path: "/etc/kubernetes/kubelet.conf".to_owned(),
            bootstrap_kubeconfig_path: "/etc/kubernetes/bootstrap-kubelet.conf".to_owned(),
            cert_dir: "/var/lib/kubelet/pki".to_owned(),
            utc_offset_seconds: 0,
            serving: false,
            allow_dns_only_serving: false,
            jitter_seed: 0,
        }
    }
}

/// Which certificate a key is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum KeyPurpose {
    /// The legacy path's key (stored in `kubelet-client.key.tmp`).
    LegacyClient,
    /// A rotation attempt of the client certificate.
    Client,
    /// A rotation attempt of the serving certificate.
    Serving,
}

/// What the caller tells the machine.
#[non_exhaustive]
pub enum Input {
    /// Time passed (the instant of [`Machine::poll_timeout`] was reached).
    Timeout,
    /// The API server's reply to a request.
    Reply {
        /// The request's id.
        id: RequestId,
        /// The reply.
        reply: Reply,
    },
    /// A request got no HTTP answer (connection refused, TLS failure, timeout); the text is
    /// what Go's client would report.
    RequestFailed {
        /// The request's id.
        id: RequestId,
        /// The transport error.
        error: String,
    },
    /// An event of an open watch.
    WatchEvent {
        /// The watch.
        watch: WatchId,
        /// The event.
        event: WatchEvent,
    },
    /// The server closed a watch.
    WatchEnded(WatchId),
    /// A freshly generated ECDSA P-256 key, answering [`Output::GenerateKey`].
    Key(KeyPurpose, PrivateKey),
    /// The node's current `status.addresses` (for the serving certificate's SANs).
    NodeAddresses(Vec<NodeAddress>),
}

impl fmt::Debug for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Timeout => f.write_str("Timeout"),
            Self::Reply { id, reply } => write!(f, "Reply({id:?}, {reply:?})"),
            Self::RequestFailed { id, error } => write!(f, "RequestFailed({id:?}, {error:?})"),
            Self::WatchEvent { watch, event } => {
                write!(f, "WatchEvent({watch:?}, {:?})", event.type_)
            }
            Self::WatchEnded(w) => write!(f, "WatchEnded({w:?})"),
            Self::Key(p, k) => write!(f, "Key({p:?}, {k:?})"),
            Self::NodeAddresses(a) => write!(f, "NodeAddresses({a:?})"),
        }
    }
}

/// How serious a log line is (klog's `Info` and `Error`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// `klog.Info`.
    Info,
    /// `klog.Error` / `utilruntime.HandleError`.
    Error,
}

/// A log line with the kubelet's text: the formatted text of printf-style lines
/// (`klog.Infof`, `utilruntime.HandleError(fmt.Errorf(…))`), the message of structured ones
/// (`klog.InfoS(msg, key, value…)`, whose key/value pairs are left out).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Log {
    /// Info or error.
    pub level: Level,
    /// The text, as the kubelet formats it.
    pub text: String,
}

/// What the machine asks the caller to do, in order.
#[derive(Debug)]
#[non_exhaustive]
pub enum Output {
    /// Send an API request; answer with [`Input::Reply`] or [`Input::RequestFailed`].
    Request {
        /// Quote it in the answer.
        id: RequestId,
        /// The request.
        request: crate::api::Request,
    },
    /// Close a watch the machine no longer needs.
    StopWatch(WatchId),
    /// Generate an ECDSA P-256 key and answer with [`Input::Key`].
    GenerateKey(KeyPurpose),
    /// Perform a file operation (before acting on any later output).
    File(FileOperation),
    /// Log a line.
    Log(Log),
    /// A new certificate is current: the client certificate (close connections so they
    /// re-handshake with it) or the serving certificate (serve it).
    CertificateChanged {
        /// Client or serving.
        purpose: KeyPurpose,
        /// The chain and key.
        pair: Arc<Pair>,
    },
    /// The legacy bootstrap finished (or was not needed): start the kubelet with the
    /// kubeconfig.
    Bootstrapped,
    /// The process exits (klog `Fatal`, or `LoadClientCert`'s error); the text is Kubernetes'.
    Exit(String),
}

/// Where the machine is. Closed: every state is listed here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    /// The legacy bootstrap (`LoadClientCert`) is in progress.
    Bootstrapping,
    /// The kubelet runs: managers rotate in the background (rotation path, or serving
    /// certificates after a legacy bootstrap).
    Running,
    /// The process exited with this text.
    Exited(String),
    /// Beyond Kubernetes: the client certificate expired and no bootstrap credential is left; the
    /// text says what happened and what an operator must do.
    Stranded(String),
}

/// The kubelet's TLS bootstrap and rotation as a sans-IO machine (see the module docs).
pub struct Machine {
    config: Config,
    io: Io,
    jitter: Jitter,
    state: State,
    legacy: Option<legacy::Legacy>,
    client: Option<Manager>,
    serving: Option<Manager>,
    transport: Option<Transport>,
    /// The credential of the certificate config (bootstrap kubeconfig, or the kubeconfig when it
    /// was valid): what the client manager uses while it has no valid certificate.
    fallback: Option<startup::ResolvedCredential>,
    /// The client certificate the legacy path ended with (credential of the serving manager).
    legacy_pair: Option<Arc<Pair>>,
    /// Node registration, when enabled ([`Machine::enable_registration`]).
    registration: Option<register::Registration>,
}

/// The transport's periodic check (`addCertRotation`).
#[derive(Debug)]
struct Transport {
    next_check: Instant,
    last_cert_available: Instant,
    last_serial: Option<Vec<u8>>,
}

impl fmt::Debug for Machine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Machine")
            .field("node_name", &self.config.node_name)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl Machine {
    /// Starts the kubelet's bootstrap at `now` with the files found on `disk`.
    pub fn new(config: Config, disk: Disk, now: Instant) -> Self {
        let mut m = Self {
            jitter: Jitter::from_seed(config.jitter_seed),
            io: Io {
                disk,
                ..Io::default()
            },
            config,
            state: State::Running,
            legacy: None,
            client: None,
            serving: None,
            transport: None,
            fallback: None,
            legacy_pair: None,
            registration: None,
        };
        match m.config.mode {
            Mode::Legacy => m.start_legacy(now),
            Mode::Rotation => m.start_rotation(now),
        }
        // The managers' loops and the transport's check run once at start.
        m.run_timers(now);
        m.after_legacy(now);
        m
    }

    /// Where the machine is.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The machine's view of the files (the start-up files with its own operations applied).
    pub fn disk(&self) -> &Disk {
        &self.io.disk
    }

    /// The current client certificate, if any (possibly expired).
    pub fn client_certificate(&self) -> Option<&Pair> {
        self.client
            .as_ref()
            .and_then(|m| m.cert.as_deref())
            .or(self.legacy_pair.as_deref())
    }

    /// The current serving certificate, if any.
    pub fn serving_certificate(&self) -> Option<&Pair> {
        self.serving.as_ref().and_then(|m| m.cert.as_deref())
    }

    /// The rotation deadline a certificate manager is sleeping until (`None` while it is
    /// rotating, backing off, or not running).
    pub fn rotation_deadline(&self, purpose: KeyPurpose) -> Option<Instant> {
        match purpose {
            KeyPurpose::Serving => self.serving.as_ref(),
            _ => self.client.as_ref(),
        }
        .and_then(Manager::sleeping_until)
    }

    /// The next output, in order; `None` when there is nothing to do.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.io.outputs.pop_front()
    }

    /// When the machine next wants [`Input::Timeout`]; `None` when it waits only for inputs (or
    /// has stopped).
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.is_stopped() {
            return None;
        }
        [
            self.legacy.as_ref().and_then(legacy::Legacy::timeout),
            self.client.as_ref().and_then(Manager::timeout),
            self.serving.as_ref().and_then(Manager::timeout),
            self.transport.as_ref().map(|t| t.next_check),
            self.registration_timeout(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Feeds one input at `now`. Inputs that do not match anything the machine waits for (a
    /// reply to an unknown id, an event of a stopped watch) are ignored; after the machine has
    /// stopped every input is ignored.
    pub fn handle(&mut self, now: Instant, input: Input) {
        if self.is_stopped() {
            return;
        }
        match input {
            Input::Timeout => {}
            Input::Reply { id, reply } => self.route_reply(now, id, Some(reply), None),
            Input::RequestFailed { id, error } => self.route_reply(now, id, None, Some(error)),
            Input::WatchEvent { watch, event } => match self.io.watches.get(&watch).copied() {
                Some(Owner::Legacy) => {
                    if let Some(l) = self.legacy.as_mut() {
                        l.on_event(&mut self.io, now, watch, &event);
                    }
                }
                Some(owner) => {
                    self.with_manager(owner, now, |m, ctx| m.on_event(ctx, watch, &event))
                }
                None => {}
            },
            Input::WatchEnded(watch) => match self.io.watches.get(&watch).copied() {
                Some(Owner::Legacy) => {
                    if let Some(l) = self.legacy.as_mut() {
                        l.on_watch_ended(&mut self.io, now, watch);
                    }
                }
                Some(owner) => self.with_manager(owner, now, |m, ctx| m.on_watch_ended(ctx, watch)),
                None => {}
            },
            Input::Key(purpose, key) => match purpose {
                KeyPurpose::LegacyClient => {
                    if let Some(l) = self.legacy.as_mut() {
                        l.on_key(&mut self.io, now, key);
                    }
                }
                KeyPurpose::Client => {
                    self.with_manager(Owner::Client, now, |m, ctx| m.on_key(ctx, key))
                }
                KeyPurpose::Serving => {
                    self.with_manager(Owner::Serving, now, |m, ctx| m.on_key(ctx, key))
                }
            },
            Input::NodeAddresses(addresses) => {
                let node = self.config.node_name.clone();
                let dns_only = self.config.allow_dns_only_serving;
                self.with_manager(Owner::Serving, now, |m, ctx| {
                    m.set_template(
                        ctx,
                        rotation::Template::serving(&node, &addresses, dns_only),
                    );
                });
            }
        }
        self.run_timers(now);
        self.after_legacy(now);
        self.drive_registration(now);
    }

    fn is_stopped(&self) -> bool {
        matches!(self.state, State::Exited(_) | State::Stranded(_))
    }

    fn route_reply(
        &mut self,
        now: Instant,
        id: RequestId,
        reply: Option<Reply>,
        error: Option<String>,
    ) {
        let Some(owner) = self.io.requests.remove(&id) else {
            return;
        };
        match owner {
            Owner::Legacy => {
                if let Some(l) = self.legacy.as_mut() {
                    l.on_reply(&mut self.io, now, id, reply, error);
                }
            }
            Owner::Node => self.on_registration_reply(now, id, reply, error),
            owner => self.with_manager(owner, now, |m, ctx| m.on_reply(ctx, id, reply, error)),
        }
    }

    fn run_timers(&mut self, now: Instant) {
        if self.is_stopped() {
            return;
        }
        if let Some(l) = self.legacy.as_mut() {
            l.on_timer(&mut self.io, now);
        }
        self.with_manager(Owner::Client, now, Manager::on_timer);
        self.with_manager(Owner::Serving, now, Manager::on_timer);
        self.transport_check(now);
    }

    /// Runs `f` on a manager with the context it needs (credential, jitter, config).
    fn with_manager(
        &mut self,
        owner: Owner,
        now: Instant,
        f: impl FnOnce(&mut Manager, &mut manager::Ctx<'_>),
    ) {
        let client_cert = self.valid_client_chain(now);
        let credential = match owner {
            Owner::Client => match client_cert {
                Some(chain) => crate::api::Credential::ClientCertificate(chain),
                None => self
                    .fallback
                    .as_ref()
                    .map_or(crate::api::Credential::None, |f| f.credential.clone()),
            },
            _ => client_cert.map_or(
                crate::api::Credential::None,
                crate::api::Credential::ClientCertificate,
            ),
        };
        let slot = match owner {
            Owner::Client => &mut self.client,
            Owner::Serving => &mut self.serving,
            Owner::Legacy | Owner::Node => return,
        };
        if let Some(m) = slot.as_mut() {
            let mut ctx = manager::Ctx {
                io: &mut self.io,
                jitter: &mut self.jitter,
                now,
                credential,
                utc_offset_seconds: self.config.utc_offset_seconds,
            };
            f(m, &mut ctx);
        }
    }

    /// The chain of the client certificate if it is valid at `now` (`manager.Current()`).
    fn valid_client_chain(&self, now: Instant) -> Option<Vec<Vec<u8>>> {
        let pair = self.client_certificate()?;
        let leaf = pair.leaf()?;
        (now <= Instant::from(leaf.not_after())).then(|| pair.chain_der())
    }

    fn exit(&mut self, text: String) {
        self.io.outputs.push_back(Output::Exit(text.clone()));
        self.state = State::Exited(text);
    }
}

mod run;
