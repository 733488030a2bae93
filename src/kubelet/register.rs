//! Node registration and the `Ready` status, as far as the TLS bootstrap reaches (k/k
//! `pkg/kubelet/kubelet_node_status.go`): once the kubelet holds a valid client certificate it
//! creates its Node with that identity (`registerWithAPIServer`: on `AlreadyExists` it gets the
//! existing Node instead), then posts `Ready` with reason `KubeletReady` and message `kubelet is
//! posting ready status` (`nodestatus.ReadyCondition`) through `PUT nodes/<name>/status`.
//!
//! Failed attempts are retried after 100 ms doubling to at most 7 s, as
//! `registerWithAPIServer`'s loop does. No pods, leases or periodic heartbeats are modelled.

use super::io::Owner;
use super::{Machine, State};
use crate::api::{Credential, Operation, Reply, RequestId, StatusReason};
use crate::node::Node;
use crate::time::{Duration, Instant};

/// `nodestatus.ReadyCondition`'s reason when the node is ready.
pub const KUBELET_READY_REASON: &str = "KubeletReady";
/// `nodestatus.ReadyCondition`'s message when the node is ready.
pub const KUBELET_READY_MESSAGE: &str = "kubelet is posting ready status";

/// Where registration is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Phase {
    /// Waiting for a valid client certificate (or for `retry_at`).
    Waiting,
    /// `POST nodes` sent.
    Creating(RequestId),
    /// `GET nodes/<name>` sent after `AlreadyExists`.
    Getting(RequestId),
    /// `PUT nodes/<name>/status` sent.
    Posting(RequestId),
    /// The Node reports `Ready`.
    Ready,
}

/// The registration state of a [`Machine`].
#[derive(Clone, Debug)]
pub(super) struct Registration {
    pub(super) kubelet_version: String,
    pub(super) phase: Phase,
    pub(super) retry_at: Option<Instant>,
    pub(super) step: Duration,
}

impl Registration {
    pub(super) fn new(kubelet_version: &str) -> Self {
        Self {
            kubelet_version: kubelet_version.to_owned(),
            phase: Phase::Waiting,
            retry_at: None,
            step: Duration::from_millis(100),
        }
    }
}

impl Machine {
    /// Turns node registration on: once the kubelet runs with a valid client certificate it
    /// registers its Node and reports `Ready`; `kubelet_version` is `status.nodeInfo.kubeletVersion`
    /// (e.g. `v1.32.0`).
    pub fn enable_registration(&mut self, now: Instant, kubelet_version: &str) {
        self.registration = Some(Registration::new(kubelet_version));
        self.drive_registration(now);
    }

    /// Whether the Node was registered and reported `Ready`.
    pub fn is_node_ready(&self) -> bool {
        self.registration
            .as_ref()
            .is_some_and(|r| r.phase == Phase::Ready)
    }

    pub(super) fn registration_timeout(&self) -> Option<Instant> {
        self.registration.as_ref().and_then(|r| r.retry_at)
    }

    /// The Node the kubelet registers (`initialNode`): name, the kubelet's default labels, and
    /// its version.
    fn initial_node(&self, version: &str) -> Node {
        let name = &self.config.node_name;
        let mut node = Node::new(name.clone());
        for (k, v) in [
            ("beta.kubernetes.io/arch", "amd64"),
            ("beta.kubernetes.io/os", "linux"),
            ("kubernetes.io/arch", "amd64"),
            ("kubernetes.io/hostname", name.as_str()),
            ("kubernetes.io/os", "linux"),
        ] {
            node.metadata.labels.insert(k.to_owned(), v.to_owned());
        }
        node.status.node_info.kubelet_version = version.to_owned();
        node.status.node_info.operating_system = "linux".to_owned();
        node.status.node_info.architecture = "amd64".to_owned();
        node
    }

    /// Sends the next registration request when one is due.
    pub(super) fn drive_registration(&mut self, now: Instant) {
        if self.state != State::Running {
            return;
        }
        let Some(reg) = self.registration.as_ref() else {
            return;
        };
        if reg.phase != Phase::Waiting || reg.retry_at.is_some_and(|at| now < at) {
            return;
        }
        let Some(chain) = self.valid_client_chain(now) else {
            return;
        };
        let version = reg.kubelet_version.clone();
        let node = self.initial_node(&version);
        // klog.InfoS("Attempting to register node", "node", klog.KObj(node)): the message.
        self.io.info("Attempting to register node".to_owned());
        let id = self.io.request(
            Owner::Node,
            Credential::ClientCertificate(chain),
            Operation::CreateNode(Box::new(node)),
        );
        if let Some(reg) = self.registration.as_mut() {
            reg.phase = Phase::Creating(id);
            reg.retry_at = None;
        }
    }

    /// A reply to a registration request.
    pub(super) fn on_registration_reply(
        &mut self,
        now: Instant,
        id: RequestId,
        reply: Option<Reply>,
        error: Option<String>,
    ) {
        let Some(phase) = self.registration.as_ref().map(|r| r.phase.clone()) else {
            return;
        };
        let name = self.config.node_name.clone();
        let chain = self.valid_client_chain(now);
        match (phase, reply) {
            (Phase::Creating(sent), Some(Reply::Node { object, .. }))
            | (Phase::Getting(sent), Some(Reply::Node { object, .. }))
                if sent == id =>
            {
                self.io.info("Successfully registered node".to_owned());
                let Some(chain) = chain else {
                    return self.registration_failed(now, "no valid client certificate".into());
                };
                let version = self
                    .registration
                    .as_ref()
                    .map(|r| r.kubelet_version.clone())
                    .unwrap_or_default();
                let mut node = *object;
                node.status.node_info.kubelet_version = version;
                node.set_ready(
                    true,
                    KUBELET_READY_REASON,
                    KUBELET_READY_MESSAGE,
                    now.timestamp(),
                );
                let id = self.io.request(
                    Owner::Node,
                    Credential::ClientCertificate(chain),
                    Operation::UpdateNodeStatus(Box::new(node)),
                );
                self.set_phase(Phase::Posting(id));
            }
            (Phase::Creating(sent), Some(Reply::Status(s)))
                if sent == id && s.reason == Some(StatusReason::AlreadyExists) =>
            {
                let Some(chain) = chain else {
                    return self.registration_failed(now, "no valid client certificate".into());
                };
                let id = self.io.request(
                    Owner::Node,
                    Credential::ClientCertificate(chain),
                    Operation::GetNode { name },
                );
                self.set_phase(Phase::Getting(id));
            }
            (Phase::Posting(sent), Some(Reply::Node { .. })) if sent == id => {
                // The event the kubelet records (`recordNodeStatusEvent`, reason NodeReady).
                self.io
                    .info(format!("Node {name} status is now: NodeReady"));
                self.set_phase(Phase::Ready);
            }
            (Phase::Creating(sent) | Phase::Getting(sent) | Phase::Posting(sent), reply)
                if sent == id =>
            {
                let text = match (reply, error) {
                    (Some(Reply::Status(s)), _) => s.message,
                    (Some(other), _) => format!("unexpected reply (HTTP {})", other.code()),
                    (None, Some(e)) => e,
                    (None, None) => String::new(),
                };
                self.registration_failed(now, text);
            }
            _ => {}
        }
    }

    fn set_phase(&mut self, phase: Phase) {
        if let Some(reg) = self.registration.as_mut() {
            reg.phase = phase;
        }
    }

    fn registration_failed(&mut self, now: Instant, text: String) {
        self.io
            .error(format!("Unable to register node with API server: {text}"));
        if let Some(reg) = self.registration.as_mut() {
            reg.phase = Phase::Waiting;
            reg.retry_at = Some(now + reg.step);
            reg.step = (reg.step * 2).min(Duration::from_secs(7));
        }
    }
}
