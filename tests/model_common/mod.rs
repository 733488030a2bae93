//! The model-checking world: the crate's real [`ControlPlane`] and kubelet [`Machine`]s wired
//! through a network the checker perturbs, explored by `stateright`.
//!
//! The machines are not `Clone`, so a checker state is the trace of actions that led to it: a
//! successor is computed by replaying the trace on fresh machines (everything is deterministic:
//! fixed seeds, fixed keys, a virtual clock) and applying one more action. Two traces are the
//! same state when their observable projection is equal: the stored CSRs (uid, resourceVersion,
//! conditions, certificate), the messages in flight, each kubelet's files, pending outputs,
//! state and incarnation, the liar's and admin's knowledge, the clock and the faults spent.
//!
//! Actors: the control plane (API server, the SubjectAccessReview approver, the in-process
//! signer, the cleaner), honest kubelets, a lying kubelet holding the same bootstrap token, and
//! an admin who approves, denies or deletes as `kubectl` does. Faults (bounded by
//! [`Config::faults`]): a message in flight lost or duplicated (watch events included, so
//! events go missing, come twice, or — delivered out of order — stale), a kubelet crashing
//! between two file operations and restarting from what is on disk. Messages are delivered in
//! any order.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use kube_tls_bootstrap::api::{
    Credential, Operation, Reply, Request, RequestId, WatchEvent, WatchId,
};
use kube_tls_bootstrap::control_plane::{self, ControlPlane};
use kube_tls_bootstrap::csr::{CertificateSigningRequest, ConditionType, Usage, kubectl};
use kube_tls_bootstrap::identity::TokenFile;
use kube_tls_bootstrap::kubelet::{self, Disk, Machine, Mode, State};
use kube_tls_bootstrap::pki::{
    CertificateAuthority, KeyUsage, KnownSigner, PrivateKey, certificate::parse_certificates_pem,
    kubelet as pki_kubelet, signers,
};
use kube_tls_bootstrap::rbac::bootstrap::{
    CreateClusterRoleBinding, NODE_BOOTSTRAPPER, NODECLIENT, SELFNODECLIENT,
};
use kube_tls_bootstrap::time::{Instant, Timestamp};
use stateright::{Model, Property};

pub const CA_CERT: &[u8] = include_bytes!("../data/pki/corpus/ca/ca.crt");
pub const CA_KEY: &[u8] = include_bytes!("../data/pki/corpus/ca/ca.key");
pub const BOOTSTRAP_TOKEN: &str = "abcdef.0123456789abcdef";
/// The node the liar claims to be when it asks for its own name.
pub const LIAR_NODE: &str = "node-z";
/// The fixed name the liar creates, deletes and re-creates (a legacy `node-csr-` name).
pub const RACED_NAME: &str = "node-csr-raced";

/// One configuration of the world.
#[derive(Clone, Debug)]
pub struct Config {
    /// Honest kubelets: node name and code path.
    pub kubelets: Vec<(&'static str, Mode)>,
    /// Whether the SubjectAccessReview approver approves bootstrap-token requests
    /// (`system:bootstrappers` bound to `nodeclient`, as kubeadm sets up). Without it the admin
    /// approves first certificates (after checking the key out of band).
    pub auto_approve_bootstrap: bool,
    /// Whether the lying kubelet acts.
    pub liar: bool,
    /// Whether the admin acts.
    pub admin: bool,
    /// How many faults (loss, duplication, crash) a trace may contain.
    pub faults: u8,
    /// How many actions the liar may take.
    pub liar_budget: u8,
    /// How many actions the admin may take.
    pub admin_budget: u8,
    /// Depth bound.
    pub max_depth: usize,
    /// Check the fair continuation (liveness) from every state.
    pub liveness: bool,
}

/// Who sent a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Who {
    /// Honest kubelet `k` in its `incarnation`.
    Kubelet {
        k: usize,
        incarnation: u32,
    },
    Liar,
    Admin,
}

/// What the admin intended an approval for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Intent {
    pub name: String,
    pub uid: String,
}

#[derive(Clone, Debug)]
pub struct ToServer {
    pub from: Who,
    pub id: RequestId,
    pub request: Request,
    pub intent: Option<Intent>,
}

#[derive(Clone, Debug)]
pub enum ToKubeletBody {
    Reply(RequestId, Reply),
    /// The request got no answer (the transport timed out or the connection broke).
    Failed(RequestId),
    Event(WatchId, WatchEvent),
}

#[derive(Clone, Debug)]
pub struct ToKubelet {
    pub k: usize,
    pub incarnation: u32,
    pub body: ToKubeletBody,
}

/// Which safety property a violation breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A certificate for `system:node:<n>` carries a key node n's kubelet never generated.
    ForeignKey,
    /// A certificate was issued without an Approved condition (or is not a certificate).
    CertificateWithoutApproval,
    /// Approved and Denied on one object.
    ApprovedAndDenied,
    /// An admin's approval of one object landed on a re-created object of the same name.
    MisdirectedApproval,
    /// A kubelet's `current` link names a broken pair, or a pair whose leaf is not its own.
    Current,
}

/// An action of the checker.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Deliver the i-th request in flight to the control plane.
    DeliverToServer(usize),
    /// Deliver the i-th message in flight to its kubelet.
    DeliverToKubelet(usize),
    /// Fault: lose the i-th request in flight.
    LoseToServer(usize),
    /// Fault: lose the i-th message to a kubelet (a missed watch event or reply).
    LoseToKubelet(usize),
    /// Fault: duplicate the i-th request in flight.
    DuplicateToServer(usize),
    /// Fault: duplicate the i-th message to a kubelet.
    DuplicateToKubelet(usize),
    /// Kubelet k performs its next file operation.
    FileOperation(usize),
    /// Fault: kubelet k crashes (its pending file operations are not performed) and restarts
    /// from its disk.
    Crash(usize),
    /// systemd restarts kubelet k after it exited.
    Restart(usize),
    /// The control plane's next timer fires (approver, signer, cleaner).
    TickServer,
    /// Kubelet k's next timer fires.
    TickKubelet(usize),
    /// The liar asks for a certificate for honest node k's name with its own key.
    LiarForeign(usize),
    /// The liar creates `RACED_NAME` for its own node with key number n.
    LiarRaced(u8),
    /// The liar re-sends the i-th request it sent before.
    LiarResend(usize),
    /// The liar copies honest node k's stored request into a CSR of its own.
    LiarCopy(usize),
    /// The admin runs `kubectl certificate approve` on the i-th stored CSR.
    AdminApprove(usize),
    /// The admin runs `kubectl certificate deny` on the i-th stored CSR.
    AdminDeny(usize),
    /// The admin runs `kubectl delete csr` on the i-th stored CSR.
    AdminDelete(usize),
}

impl Action {
    fn is_fault(&self) -> bool {
        matches!(
            self,
            Self::LoseToServer(_)
                | Self::LoseToKubelet(_)
                | Self::DuplicateToServer(_)
                | Self::DuplicateToKubelet(_)
                | Self::Crash(_)
        )
    }
    fn is_liar(&self) -> bool {
        matches!(
            self,
            Self::LiarForeign(_) | Self::LiarRaced(_) | Self::LiarResend(_) | Self::LiarCopy(_)
        )
    }
    fn is_admin(&self) -> bool {
        matches!(
            self,
            Self::AdminApprove(_) | Self::AdminDeny(_) | Self::AdminDelete(_)
        )
    }
}

pub struct Honest {
    pub node: &'static str,
    pub config: kubelet::Config,
    pub machine: Machine,
    /// The disk as the operating system has it (operations performed so far).
    pub disk: Disk,
    /// Outputs not yet acted on (the first one, when any, is a file operation).
    pub outbox: VecDeque<kubelet::Output>,
    pub incarnation: u32,
    pub keys_made: u8,
    pub exited: bool,
}

/// The concrete world, rebuilt by replay.
pub struct World {
    pub config: Config,
    pub now: Instant,
    pub cp: ControlPlane,
    pub kubelets: Vec<Honest>,
    pub to_server: Vec<ToServer>,
    pub to_kubelet: Vec<ToKubelet>,
    /// Open watches: who owns them.
    pub watches: BTreeMap<WatchId, (usize, u32)>,
    /// Every key an honest kubelet generated, by node name (DER SubjectPublicKeyInfo).
    pub generated: BTreeMap<String, BTreeSet<Vec<u8>>>,
    pub liar_sent: Vec<Request>,
    pub next_server_id: u64,
    pub faults: u8,
    pub liar_actions: u8,
    pub admin_actions: u8,
    /// Violations seen while acting (not visible in the final store).
    pub misdirected_approval: Option<String>,
    pub accepted_bad_certificate: Option<String>,
}

fn ca() -> Arc<CertificateAuthority> {
    static CA: std::sync::OnceLock<Arc<CertificateAuthority>> = std::sync::OnceLock::new();
    CA.get_or_init(|| Arc::new(CertificateAuthority::from_pem(CA_CERT, CA_KEY).unwrap()))
        .clone()
}

pub fn start() -> Instant {
    Instant::from(Timestamp::parse_rfc3339("2026-12-01T09:00:00Z").unwrap())
}

fn key(seed: u8) -> PrivateKey {
    PrivateKey::ecdsa_p256_from_random_bytes(&[seed.clamp(1, 0xfe); 32]).unwrap()
}

fn bootstrap_kubeconfig() -> String {
    use base64::Engine as _;
    let ca = base64::engine::general_purpose::STANDARD.encode(CA_CERT);
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: kubernetes\n  cluster:\n    server: https://10.0.0.1:6443\n    certificate-authority-data: {ca}\ncontexts:\n- name: tls-bootstrap-token-user@kubernetes\n  context:\n    cluster: kubernetes\n    user: tls-bootstrap-token-user\ncurrent-context: tls-bootstrap-token-user@kubernetes\nusers:\n- name: tls-bootstrap-token-user\n  user:\n    token: {BOOTSTRAP_TOKEN}\n"
    )
}

fn binding(name: &str, role: &str, group: &str) -> kube_tls_bootstrap::rbac::ClusterRoleBinding {
    CreateClusterRoleBinding::new(name, role)
        .group(group)
        .build()
        .unwrap()
}

fn control_plane(config: &Config) -> ControlPlane {
    let ca = ca();
    let mut c = control_plane::Config::new(7)
        .with_default_policy()
        .with_signer(KnownSigner::KubeApiserverClientKubelet, ca.clone());
    c.authenticator.token_file = Some(
        TokenFile::parse(
            format!(
                "{BOOTSTRAP_TOKEN},kubelet-bootstrap,10001,\"system:bootstrappers\"\nadmin-token,admin,1,\"system:masters\"\n"
            )
            .as_bytes(),
            "token.csv",
        )
        .unwrap(),
    );
    c.client_ca = vec![ca.certificate().clone()];
    c.policy.add_cluster_role_binding(binding(
        "kubeadm:kubelet-bootstrap",
        NODE_BOOTSTRAPPER,
        "system:bootstrappers",
    ));
    if config.auto_approve_bootstrap {
        c.policy.add_cluster_role_binding(binding(
            "kubeadm:node-autoapprove-bootstrap",
            NODECLIENT,
            "system:bootstrappers",
        ));
    }
    c.policy.add_cluster_role_binding(binding(
        "kubeadm:node-autoapprove-certificate-rotation",
        SELFNODECLIENT,
        "system:nodes",
    ));
    ControlPlane::new(c)
}

fn kubelet_config(node: &str, mode: Mode) -> kubelet::Config {
    let mut c = kubelet::Config::kubeadm(node);
    c.mode = mode;
    c
}

fn start_disk() -> Disk {
    let mut disk = Disk::new();
    disk.insert_file(
        "/etc/kubernetes/bootstrap-kubelet.conf",
        bootstrap_kubeconfig(),
    );
    disk
}

impl World {
    pub fn new(config: &Config) -> Self {
        let now = start();
        let cp = control_plane(config);
        let mut w = Self {
            config: config.clone(),
            now,
            cp,
            kubelets: Vec::new(),
            to_server: Vec::new(),
            to_kubelet: Vec::new(),
            watches: BTreeMap::new(),
            generated: BTreeMap::new(),
            liar_sent: Vec::new(),
            next_server_id: 0,
            faults: 0,
            liar_actions: 0,
            admin_actions: 0,
            misdirected_approval: None,
            accepted_bad_certificate: None,
        };
        for (node, mode) in &config.kubelets {
            let kc = kubelet_config(node, *mode);
            let disk = start_disk();
            let machine = Machine::new(kc.clone(), disk.clone(), now);
            w.kubelets.push(Honest {
                node,
                config: kc,
                machine,
                disk,
                outbox: VecDeque::new(),
                incarnation: 0,
                keys_made: 0,
                exited: false,
            });
        }
        for k in 0..w.kubelets.len() {
            w.pump(k);
        }
        w
    }

    pub fn replay(config: &Config, trace: &[Action]) -> Self {
        let mut w = Self::new(config);
        for a in trace {
            w.apply(a);
        }
        w
    }

    /// Moves kubelet k's outputs into its outbox and acts on them up to the next file
    /// operation.
    fn pump(&mut self, k: usize) {
        loop {
            while let Some(out) = self.kubelets[k].machine.poll_output() {
                self.kubelets[k].outbox.push_back(out);
            }
            let Some(front) = self.kubelets[k].outbox.front() else {
                return;
            };
            if matches!(front, kubelet::Output::File(_)) {
                return;
            }
            let out = self.kubelets[k].outbox.pop_front().unwrap();
            let h = &mut self.kubelets[k];
            match out {
                kubelet::Output::Request { id, request } => {
                    self.to_server.push(ToServer {
                        from: Who::Kubelet {
                            k,
                            incarnation: h.incarnation,
                        },
                        id,
                        request,
                        intent: None,
                    });
                }
                kubelet::Output::GenerateKey(purpose) => {
                    h.keys_made += 1;
                    let key = key(20 + 40 * k as u8 + 4 * h.incarnation as u8 + h.keys_made);
                    self.generated
                        .entry(h.node.to_owned())
                        .or_default()
                        .insert(key.public_key().spki_der().to_vec());
                    h.machine
                        .handle(self.now, kubelet::Input::Key(purpose, key));
                }
                kubelet::Output::StopWatch(watch) => {
                    self.watches.remove(&watch);
                    self.cp
                        .handle(self.now, control_plane::Input::CloseWatch(watch));
                    self.drain_server();
                }
                kubelet::Output::Exit(_) => h.exited = true,
                kubelet::Output::CertificateChanged { pair, .. } => {
                    let leaf_ok = pair.leaf().is_some_and(|leaf| {
                        leaf.public_key() == pair.key.public_key()
                            && leaf.subject().common_name == format!("system:node:{}", h.node)
                    });
                    if !leaf_ok {
                        self.accepted_bad_certificate = Some(h.node.to_owned());
                    }
                }
                _ => {}
            }
        }
    }

    fn drain_server(&mut self) {
        while let Some(out) = self.cp.poll_output() {
            match out {
                control_plane::Output::Watch { watch, event } => {
                    if let Some(&(k, incarnation)) = self.watches.get(&watch) {
                        self.to_kubelet.push(ToKubelet {
                            k,
                            incarnation,
                            body: ToKubeletBody::Event(watch, event),
                        });
                    }
                }
                // Replies are routed by the caller of `deliver_to_server`.
                control_plane::Output::Reply { .. } => unreachable!("replies are taken first"),
                _ => {}
            }
        }
    }

    fn deliver_to_server(&mut self, m: ToServer) {
        self.next_server_id += 1;
        let id = RequestId(self.next_server_id);
        let before = m
            .intent
            .as_ref()
            .and_then(|i| self.cp.certificate_signing_request(&i.name))
            .map(approved);
        self.cp.handle(
            self.now,
            control_plane::Input::Request {
                id,
                request: m.request.clone(),
            },
        );
        let mut reply = None;
        let mut rest = Vec::new();
        while let Some(out) = self.cp.poll_output() {
            match out {
                control_plane::Output::Reply { id: got, reply: r } if got == id => reply = Some(r),
                other => rest.push(other),
            }
        }
        let reply = reply.expect("every request is answered");
        if let Some(intent) = &m.intent
            && let Some(o) = self.cp.certificate_signing_request(&intent.name)
            && approved(o)
            && before == Some(false)
            && o.metadata.uid != intent.uid
        {
            self.misdirected_approval = Some(format!(
                "approval of {} uid {} landed on uid {}",
                intent.name, intent.uid, o.metadata.uid
            ));
        }
        if let Who::Kubelet { k, incarnation } = m.from {
            if let Reply::WatchOpened(w) = &reply {
                self.watches.insert(*w, (k, incarnation));
            }
            self.to_kubelet.push(ToKubelet {
                k,
                incarnation,
                body: ToKubeletBody::Reply(m.id, reply),
            });
        }
        // Watch events the request caused come after its reply (they were queued behind it).
        for out in rest {
            if let control_plane::Output::Watch { watch, event } = out
                && let Some(&(k, incarnation)) = self.watches.get(&watch)
            {
                self.to_kubelet.push(ToKubelet {
                    k,
                    incarnation,
                    body: ToKubeletBody::Event(watch, event),
                });
            }
        }
    }

    fn stored(&self) -> Vec<&CertificateSigningRequest> {
        self.cp.certificate_signing_requests().collect()
    }

    fn liar_send(&mut self, operation: Operation) {
        let request = Request {
            credential: Credential::BearerToken(BOOTSTRAP_TOKEN.to_owned()),
            operation,
        };
        self.liar_sent.push(request.clone());
        self.to_server.push(ToServer {
            from: Who::Liar,
            id: RequestId(0),
            request,
            intent: None,
        });
    }

    fn admin_send(&mut self, operation: Operation, intent: Option<Intent>) {
        self.to_server.push(ToServer {
            from: Who::Admin,
            id: RequestId(0),
            request: Request {
                credential: Credential::BearerToken("admin-token".to_owned()),
                operation,
            },
            intent,
        });
    }

    fn restart(&mut self, k: usize) {
        let h = &mut self.kubelets[k];
        h.incarnation += 1;
        h.keys_made = 0;
        h.outbox.clear();
        h.exited = false;
        h.machine = Machine::new(h.config.clone(), h.disk.clone(), self.now);
        self.watches.retain(|_, (kk, _)| *kk != k);
        self.pump(k);
    }

    pub fn apply(&mut self, action: &Action) {
        if action.is_fault() {
            self.faults += 1;
        }
        if action.is_liar() {
            self.liar_actions += 1;
        }
        if action.is_admin() {
            self.admin_actions += 1;
        }
        match *action {
            Action::DeliverToServer(i) => {
                let m = self.to_server.remove(i);
                self.deliver_to_server(m);
            }
            Action::DeliverToKubelet(i) => {
                let m = self.to_kubelet.remove(i);
                let h = &mut self.kubelets[m.k];
                if h.incarnation == m.incarnation && !h.exited {
                    let input = match m.body {
                        ToKubeletBody::Reply(id, reply) => kubelet::Input::Reply { id, reply },
                        ToKubeletBody::Failed(id) => kubelet::Input::RequestFailed {
                            id,
                            error: "context deadline exceeded".to_owned(),
                        },
                        ToKubeletBody::Event(watch, event) => {
                            kubelet::Input::WatchEvent { watch, event }
                        }
                    };
                    h.machine.handle(self.now, input);
                    self.pump(m.k);
                }
            }
            // A lost request or reply is a transport error for the client that sent it; a lost
            // watch event is a missed event.
            Action::LoseToServer(i) => {
                let m = self.to_server.remove(i);
                if let Who::Kubelet { k, incarnation } = m.from {
                    self.to_kubelet.push(ToKubelet {
                        k,
                        incarnation,
                        body: ToKubeletBody::Failed(m.id),
                    });
                }
            }
            Action::LoseToKubelet(i) => {
                let m = self.to_kubelet.remove(i);
                if let ToKubeletBody::Reply(id, _) = m.body {
                    self.to_kubelet.push(ToKubelet {
                        body: ToKubeletBody::Failed(id),
                        ..m
                    });
                }
            }
            Action::DuplicateToServer(i) => {
                let m = self.to_server[i].clone();
                self.to_server.push(m);
            }
            Action::DuplicateToKubelet(i) => {
                let m = self.to_kubelet[i].clone();
                self.to_kubelet.push(m);
            }
            Action::FileOperation(k) => {
                let h = &mut self.kubelets[k];
                if let Some(kubelet::Output::File(op)) = h.outbox.pop_front() {
                    h.disk
                        .apply(&op)
                        .expect("the machine's file operations apply");
                }
                self.pump(k);
            }
            Action::Crash(k) => self.restart(k),
            Action::Restart(k) => {
                // kubeadm's systemd drop-in: RestartSec=10.
                self.now += kube_tls_bootstrap::time::Duration::from_secs(10);
                self.restart(k);
            }
            Action::TickServer => {
                if let Some(at) = self.cp.poll_timeout() {
                    self.now = self.now.max(at);
                }
                self.cp.handle(self.now, control_plane::Input::Timeout);
                self.drain_server();
            }
            Action::TickKubelet(k) => {
                if let Some(at) = self.kubelets[k].machine.poll_timeout() {
                    self.now = self.now.max(at);
                }
                self.kubelets[k]
                    .machine
                    .handle(self.now, kubelet::Input::Timeout);
                self.pump(k);
            }
            Action::LiarForeign(k) => {
                let pem = pki_kubelet::client_csr_pem(&key(200), self.kubelets[k].node).unwrap();
                self.liar_send(Operation::CreateCertificateSigningRequest(Box::new(
                    kubelet_object(&pem, ""),
                )));
            }
            Action::LiarRaced(n) => {
                let pem = pki_kubelet::client_csr_pem(&key(210 + n), LIAR_NODE).unwrap();
                self.liar_send(Operation::CreateCertificateSigningRequest(Box::new(
                    kubelet_object(&pem, RACED_NAME),
                )));
            }
            Action::LiarResend(i) => {
                let r = self.liar_sent[i].clone();
                self.liar_send(r.operation);
            }
            Action::LiarCopy(k) => {
                let node = format!("system:node:{}", self.kubelets[k].node);
                let copied = self
                    .stored()
                    .into_iter()
                    .find(|o| o.spec.username != node && requested_cn(o) == node)
                    .map(|o| o.spec.request.clone());
                if let Some(request) = copied {
                    let pem = String::from_utf8(request).unwrap();
                    self.liar_send(Operation::CreateCertificateSigningRequest(Box::new(
                        kubelet_object(&pem, ""),
                    )));
                }
            }
            Action::AdminApprove(i) | Action::AdminDeny(i) => {
                let object = self.stored()[i].clone();
                let decision = if matches!(action, Action::AdminApprove(_)) {
                    kubectl::CertificateCommand::Approve
                } else {
                    kubectl::CertificateCommand::Deny
                };
                if let Ok(outcome) =
                    kubectl::certificate(&object, decision, false, self.now.timestamp())
                    && let Some(update) = outcome.update
                {
                    let intent =
                        (decision == kubectl::CertificateCommand::Approve).then(|| Intent {
                            name: object.metadata.name.clone(),
                            uid: object.metadata.uid.clone(),
                        });
                    self.admin_send(Operation::UpdateApproval(Box::new(update)), intent);
                }
            }
            Action::AdminDelete(i) => {
                let name = self.stored()[i].metadata.name.clone();
                self.admin_send(Operation::DeleteCertificateSigningRequest { name }, None);
            }
        }
    }

    /// Whether the admin, checking out of band, would approve this request: its key is one the
    /// named node's kubelet generated.
    fn genuine(&self, o: &CertificateSigningRequest) -> bool {
        let Ok(parsed) = kube_tls_bootstrap::pki::CertificateRequest::from_pem(&o.spec.request)
        else {
            return false;
        };
        let cn = &parsed.subject().common_name;
        cn.strip_prefix("system:node:").is_some_and(|node| {
            self.generated
                .get(node)
                .is_some_and(|keys| keys.contains(parsed.public_key().spki_der()))
        })
    }

    /// The actions enabled in this world.
    pub fn actions(&self, actions: &mut Vec<Action>) {
        let c = &self.config;
        for i in 0..self.to_server.len() {
            actions.push(Action::DeliverToServer(i));
        }
        for i in 0..self.to_kubelet.len() {
            actions.push(Action::DeliverToKubelet(i));
        }
        let fault_ok = self.faults < c.faults;
        if fault_ok {
            for i in 0..self.to_server.len() {
                actions.push(Action::LoseToServer(i));
                actions.push(Action::DuplicateToServer(i));
            }
            for (i, m) in self.to_kubelet.iter().enumerate() {
                // A transport failure is the client's own knowledge (its timeout or the broken
                // connection), not a message on the network: it cannot be lost.
                if !matches!(m.body, ToKubeletBody::Failed(_)) {
                    actions.push(Action::LoseToKubelet(i));
                }
                actions.push(Action::DuplicateToKubelet(i));
            }
        }
        for (k, h) in self.kubelets.iter().enumerate() {
            if h.exited {
                actions.push(Action::Restart(k));
                continue;
            }
            if !h.outbox.is_empty() {
                actions.push(Action::FileOperation(k));
                if fault_ok {
                    actions.push(Action::Crash(k));
                }
            } else if h.machine.poll_timeout().is_some()
                && self.to_server.is_empty()
                && self.to_kubelet.is_empty()
            {
                // Time passes only when the network is quiet (the machines' timers are seconds
                // to hours; messages take milliseconds).
                actions.push(Action::TickKubelet(k));
            }
        }
        // Due now, or the next timer when the network is quiet.
        let quiet = self.to_server.is_empty() && self.to_kubelet.is_empty();
        if self
            .cp
            .poll_timeout()
            .is_some_and(|at| at <= self.now || quiet)
        {
            actions.push(Action::TickServer);
        }
        if c.liar && self.liar_actions < c.liar_budget {
            for k in 0..self.kubelets.len() {
                actions.push(Action::LiarForeign(k));
                if self
                    .stored()
                    .iter()
                    .any(|o| requested_cn(o) == format!("system:node:{}", self.kubelets[k].node))
                {
                    actions.push(Action::LiarCopy(k));
                }
            }
            if self.cp.certificate_signing_request(RACED_NAME).is_none() {
                actions.push(Action::LiarRaced(self.liar_actions));
            }
            for i in 0..self.liar_sent.len() {
                actions.push(Action::LiarResend(i));
            }
        }
        if c.admin && self.admin_actions < c.admin_budget {
            for (i, o) in self.stored().into_iter().enumerate() {
                let decided = o.status.conditions.iter().any(|c| {
                    c.type_ == ConditionType::Approved || c.type_ == ConditionType::Denied
                });
                if !decided {
                    if self.genuine(o) {
                        actions.push(Action::AdminApprove(i));
                    }
                    actions.push(Action::AdminDeny(i));
                }
                actions.push(Action::AdminDelete(i));
            }
        }
    }

    /// The safety properties, as the list of those violated (kind, evidence).
    pub fn violations(&self) -> Vec<(Kind, String)> {
        let mut v = Vec::new();
        for o in self.stored() {
            let name = &o.metadata.name;
            let approved = approved(o);
            let denied = o
                .status
                .conditions
                .iter()
                .any(|c| c.type_ == ConditionType::Denied);
            if approved && denied {
                v.push((
                    Kind::ApprovedAndDenied,
                    format!("{name}: Approved and Denied"),
                ));
            }
            if o.status.certificate.is_empty() {
                continue;
            }
            if !approved {
                v.push((
                    Kind::CertificateWithoutApproval,
                    format!("{name}: certificate without Approved"),
                ));
            }
            let Ok(chain) = parse_certificates_pem(&o.status.certificate) else {
                v.push((
                    Kind::CertificateWithoutApproval,
                    format!("{name}: certificate does not parse"),
                ));
                continue;
            };
            let Some(leaf) = chain.first() else {
                v.push((
                    Kind::CertificateWithoutApproval,
                    format!("{name}: empty certificate"),
                ));
                continue;
            };
            let cn = leaf.subject().common_name;
            if let Some(node) = cn.strip_prefix("system:node:") {
                let genuine = self
                    .generated
                    .get(node)
                    .is_some_and(|keys| keys.contains(leaf.public_key().spki_der()));
                let honest_node = self.kubelets.iter().any(|h| h.node == node);
                if honest_node && !genuine {
                    v.push((
                        Kind::ForeignKey,
                        format!(
                            "{name}: certificate for {cn} with a key {node}'s kubelet never generated"
                        ),
                    ));
                }
            }
        }
        if let Some(m) = &self.misdirected_approval {
            v.push((Kind::MisdirectedApproval, m.clone()));
        }
        if let Some(node) = &self.accepted_bad_certificate {
            v.push((
                Kind::Current,
                format!("{node}: kubelet made current a pair not its own"),
            ));
        }
        for h in &self.kubelets {
            let store = kubelet::store::Store::new("kubelet-client", &h.config.cert_dir);
            if h.disk.lstat(&store.current_path()).is_some() {
                match store.current(&h.disk) {
                    Ok(pair) => {
                        let ok = pair.leaf().is_some_and(|leaf| {
                            leaf.public_key() == pair.key.public_key()
                                && leaf.subject().common_name == format!("system:node:{}", h.node)
                        });
                        if !ok {
                            v.push((
                                Kind::Current,
                                format!("{}: current names a pair not its own", h.node),
                            ));
                        }
                    }
                    Err(e) => {
                        v.push((Kind::Current, format!("{}: current is broken: {e}", h.node)))
                    }
                }
            }
        }
        v
    }

    /// Whether every honest kubelet holds a valid client certificate for its node now.
    pub fn all_certified(&self) -> bool {
        self.kubelets.iter().all(|h| {
            matches!(h.machine.state(), State::Running)
                && h.machine.client_certificate().is_some_and(|p| {
                    p.leaf().is_some_and(|l| {
                        l.subject().common_name == format!("system:node:{}", h.node)
                            && l.not_after() > self.now.timestamp()
                    })
                })
        })
    }

    /// Liveness under fairness: from here, with no more faults, no liar and an admin who
    /// approves genuine pending requests, deliver everything in order and fire timers until
    /// every honest kubelet is certified. Returns whether it was reached within the bound.
    /// One step of the fair scheduler: deliver in order, restart, perform file operations,
    /// fire due timers, (with `admin_approves`) approve a genuine pending request, else fire
    /// the earliest timer. False when nothing is left to do.
    pub fn fair_step(&mut self, restarts_waited: &mut u32, admin_approves: bool) -> bool {
        if !self.to_server.is_empty() {
            self.apply(&Action::DeliverToServer(0));
            return true;
        }
        if !self.to_kubelet.is_empty() {
            self.apply(&Action::DeliverToKubelet(0));
            return true;
        }
        if let Some(k) = (0..self.kubelets.len()).find(|&k| self.kubelets[k].exited) {
            // Restarts come after the control plane's next timers (the cleaner may have to
            // remove what made the kubelet exit): systemd restarts it forever.
            if self.cp.poll_timeout().is_some() && *restarts_waited < 3 {
                *restarts_waited += 1;
                self.apply(&Action::TickServer);
            } else {
                *restarts_waited = 0;
                self.apply(&Action::Restart(k));
            }
            return true;
        }
        if let Some(k) = (0..self.kubelets.len()).find(|&k| !self.kubelets[k].outbox.is_empty()) {
            self.apply(&Action::FileOperation(k));
            return true;
        }
        if self.cp.poll_timeout().is_some_and(|at| at <= self.now) {
            self.apply(&Action::TickServer);
            return true;
        }
        if admin_approves && !self.config.auto_approve_bootstrap {
            let pending = self
                .stored()
                .into_iter()
                .position(|o| o.status.conditions.is_empty() && self.genuine(o));
            if let Some(i) = pending {
                self.apply(&Action::AdminApprove(i));
                return true;
            }
        }
        // The earliest timer.
        let mut next: Option<(Instant, Option<usize>)> = self.cp.poll_timeout().map(|t| (t, None));
        for (k, h) in self.kubelets.iter().enumerate() {
            if let Some(t) = h.machine.poll_timeout()
                && next.is_none_or(|(n, _)| t < n)
            {
                next = Some((t, Some(k)));
            }
        }
        match next {
            Some((_, Some(k))) => self.apply(&Action::TickKubelet(k)),
            Some((_, None)) => self.apply(&Action::TickServer),
            None => return false,
        }
        true
    }

    pub fn fair_continuation(mut self) -> Result<(), String> {
        let mut restarts_waited = 0;
        for _ in 0..2000 {
            if self.all_certified() {
                return Ok(());
            }
            if !self.fair_step(&mut restarts_waited, true) {
                break;
            }
        }
        if self.all_certified() {
            return Ok(());
        }
        Err(format!(
            "not certified at {}: {:?}",
            self.now.timestamp(),
            self.kubelets
                .iter()
                .map(|h| (h.node, h.machine.state().clone(), h.outbox.len()))
                .collect::<Vec<_>>()
        ))
    }

    /// The observable projection that identifies a state.
    pub fn fingerprint(&self) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for o in self.stored() {
            o.metadata.name.hash(&mut h);
            o.metadata.uid.hash(&mut h);
            o.metadata.resource_version.hash(&mut h);
            for c in &o.status.conditions {
                c.type_.as_str().hash(&mut h);
            }
            o.status.certificate.hash(&mut h);
        }
        format!("{:?}", self.to_server).hash(&mut h);
        format!("{:?}", self.to_kubelet).hash(&mut h);
        for k in &self.kubelets {
            format!("{:?}", k.machine.state()).hash(&mut h);
            k.incarnation.hash(&mut h);
            k.exited.hash(&mut h);
            format!("{:?}", k.outbox).hash(&mut h);
            for (p, e) in k.disk.entries() {
                p.hash(&mut h);
                format!("{e:?}").hash(&mut h);
            }
            k.machine
                .client_certificate()
                .map(|p| p.cert_path.clone())
                .hash(&mut h);
            k.machine.poll_timeout().map(|t| t.timestamp()).hash(&mut h);
        }
        format!("{:?}", self.watches).hash(&mut h);
        self.now.timestamp().hash(&mut h);
        self.faults.hash(&mut h);
        self.liar_actions.hash(&mut h);
        self.admin_actions.hash(&mut h);
        self.liar_sent.len().hash(&mut h);
        self.misdirected_approval.hash(&mut h);
        h.finish()
    }
}

fn approved(o: &CertificateSigningRequest) -> bool {
    o.status
        .conditions
        .iter()
        .any(|c| c.type_ == ConditionType::Approved)
}

fn requested_cn(o: &CertificateSigningRequest) -> String {
    kube_tls_bootstrap::pki::CertificateRequest::from_pem(&o.spec.request)
        .map(|r| r.subject().common_name.clone())
        .unwrap_or_default()
}

fn kubelet_object(pem: &str, name: &str) -> CertificateSigningRequest {
    let mut o = CertificateSigningRequest::new(name);
    if name.is_empty() {
        o.metadata.generate_name = "csr-".to_owned();
    }
    o.spec.request = pem.as_bytes().to_vec();
    o.spec.signer_name = signers::KUBE_APISERVER_CLIENT_KUBELET.to_owned();
    o.spec.usages = [KeyUsage::DigitalSignature, KeyUsage::ClientAuth]
        .into_iter()
        .map(Usage::Known)
        .collect();
    o
}

/// A checker state: the trace that reaches it, and what the checker needs of it.
#[derive(Clone, Debug)]
pub struct Node {
    pub trace: Vec<Action>,
    pub fingerprint: u64,
    pub violations: Vec<(Kind, String)>,
    pub live: Result<(), String>,
    pub certified: bool,
    pub enabled: Vec<Action>,
}

impl Node {
    pub fn holds(&self, kind: Kind) -> bool {
        !self.violations.iter().any(|(k, _)| *k == kind)
    }
}

impl Hash for Node {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.fingerprint.hash(state);
    }
}

impl PartialEq for Node {
    fn eq(&self, other: &Self) -> bool {
        self.fingerprint == other.fingerprint
    }
}

/// The stateright model.
pub struct System {
    pub config: Config,
}

impl System {
    fn node(&self, trace: Vec<Action>, world: World) -> Node {
        let mut enabled = Vec::new();
        world.actions(&mut enabled);
        let violations = world.violations();
        let certified = world.all_certified();
        let fingerprint = world.fingerprint();
        let live = if self.config.liveness {
            world.fair_continuation()
        } else {
            Ok(())
        };
        Node {
            trace,
            fingerprint,
            violations,
            live,
            certified,
            enabled,
        }
    }
}

impl Model for System {
    type State = Node;
    type Action = Action;

    fn init_states(&self) -> Vec<Node> {
        vec![self.node(Vec::new(), World::new(&self.config))]
    }

    fn actions(&self, state: &Node, actions: &mut Vec<Action>) {
        actions.extend(state.enabled.iter().cloned());
    }

    fn next_state(&self, last: &Node, action: Action) -> Option<Node> {
        let mut world = World::replay(&self.config, &last.trace);
        world.apply(&action);
        let mut trace = last.trace.clone();
        trace.push(action);
        Some(self.node(trace, world))
    }

    fn within_boundary(&self, state: &Node) -> bool {
        state.trace.len() <= self.config.max_depth
    }

    fn properties(&self) -> Vec<Property<Self>> {
        vec![
            Property::always(
                "safety: a node's certificate carries a key its kubelet generated",
                |_, s: &Node| s.holds(Kind::ForeignKey),
            ),
            Property::always("safety: no certificate without Approved", |_, s: &Node| {
                s.holds(Kind::CertificateWithoutApproval)
            }),
            Property::always("safety: never Approved and Denied", |_, s: &Node| {
                s.holds(Kind::ApprovedAndDenied)
            }),
            Property::always(
                "safety: an approval never lands on a re-created object",
                |_, s: &Node| s.holds(Kind::MisdirectedApproval),
            ),
            Property::always(
                "safety: current names a complete pair with the kubelet's key",
                |_, s: &Node| s.holds(Kind::Current),
            ),
            Property::always(
                "liveness: the fair continuation certifies every kubelet",
                |_, s: &Node| s.live.is_ok(),
            ),
            Property::sometimes(
                "reachable: every honest kubelet certified",
                |_, s: &Node| s.certified,
            ),
        ]
    }
}
