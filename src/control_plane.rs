//! The server side of the lifecycle as a sans-IO machine: kube-apiserver's CSR and RBAC
//! endpoints and kube-controller-manager's `csrapproving`, `csrsigning` and `csrcleaner`.
//!
//! [`ControlPlane`] holds what those processes hold — the CSR store (uid, resourceVersion,
//! creationTimestamp), the authenticator chain, the RBAC policy, the signers and the approver —
//! and is driven like quinn-proto's `Connection` or str0m's `Rtc`, through three doors:
//!
//! - [`ControlPlane::handle`]`(now, input)` feeds one [`Input`]: an API request with its
//!   credential, an external approver's verdict, an external signer's signature, or a timeout.
//! - [`ControlPlane::poll_output`] drains what the machine produced, in order: API replies, watch
//!   events, review and sign tickets, storage changes, and events an admin would read.
//! - [`ControlPlane::poll_timeout`] says when the machine next wants
//!   [`Input::Timeout`]: the controllers' informer lag, back-off retries, the cleaner's period.
//!
//! Call `handle`, then `poll_output` until it returns `None`, then `poll_timeout`; feed
//! `Input::Timeout` at (or after) that instant. Extra calls are harmless: a timeout before its
//! time does nothing, polling an empty queue returns `None`. The machine never reads a clock,
//! draws randomness, or does I/O: `now` is an argument, UIDs, name suffixes and serial numbers
//! come from the seed given at construction, keys come from the caller.
//!
//! ```
//! use kube_tls_bootstrap::api::{Credential, Operation, Request, RequestId};
//! use kube_tls_bootstrap::control_plane::{Config, ControlPlane, Input, Output};
//! use kube_tls_bootstrap::time::Instant;
//!
//! let mut cp = ControlPlane::new(Config::new(42));
//! let now = Instant::from_unix(1_700_000_000, 0);
//! cp.handle(now, Input::Request {
//!     id: RequestId(1),
//!     request: Request {
//!         credential: Credential::None,
//!         operation: Operation::GetCertificateSigningRequest { name: "csr-1".into() },
//!     },
//! });
//! let Some(Output::Reply { id, reply }) = cp.poll_output() else { panic!() };
//! assert_eq!((id, reply.code()), (RequestId(1), 403));
//! // The driver loop: outputs until None, then the next timeout.
//! while let Some(_output) = cp.poll_output() {}
//! if let Some(at) = cp.poll_timeout() {
//!     cp.handle(at, Input::Timeout);
//! }
//! ```
//!
//! # Beyond Kubernetes
//!
//! - **Approval bound to what is signed.** A [`SignTicket`] and a [`ReviewTicket`] carry the
//!   CSR's uid and the [`VerifiedDigest`] of its request. An answer for a CSR that was deleted
//!   (and perhaps re-created under the same name, as the legacy `node-csr-` names are) is
//!   refused and reported as an [`EventKind::TicketRefused`] event.
//! - **Verify once.** A request's self-signature is verified once, at create; the store keeps
//!   the proof beside the object, and updates and the signer never verify it again.
//! - **Issued key = requested key.** The signer builds the certificate from the stored request;
//!   there is no path by which a controller issues another key.

mod controllers;
#[cfg(test)]
mod issued_tests;
mod nodes;
mod rbac_guard;
mod review;
mod rng;
mod server;
mod store;
mod x509;

use std::collections::VecDeque;
use std::sync::Arc;

use crate::api::{Reply, Request, RequestId, WatchEvent, WatchId};
use crate::identity::{Authenticator, UserInfo};
use crate::pki::{
    Certificate, CertificateAuthority, Issuer, KnownSigner, UnsignedCertificate, VerifiedDigest,
};
use crate::rbac::{Explanation, Policy};
use crate::time::{Duration, Instant};

pub use server::Authorizers;
pub use x509::{
    ClientCertificateError, ClientCertificateErrorKind, authenticate_client_certificate,
};

/// kube-controller-manager's service account for the certificate controllers.
pub const CERTIFICATE_CONTROLLER_USER: &str =
    "system:serviceaccount:kube-system:certificate-controller";

/// The workqueue's per-item back-off: 5 ms doubling to at most 1000 s
/// (`workqueue.DefaultControllerRateLimiter`'s exponential part).
pub const BACKOFF_BASE: Duration = Duration::from_millis(5);
/// The longest per-item back-off.
pub const BACKOFF_MAX: Duration = Duration::from_secs(1000);

/// Who approves requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ApproverMode {
    /// csrapproving: the SubjectAccessReview approver of kubelet client requests (PROTOCOL §6).
    #[default]
    SubjectAccessReview,
    /// An approver outside the library: each pending request goes out as an
    /// [`Output::Review`] and its [`Verdict`] comes back as [`Input::Verdict`].
    External,
    /// No approver (approvals only through the API, as with `kubectl certificate approve`).
    None,
}

/// Where a signer's key lives.
#[derive(Clone)]
#[non_exhaustive]
pub enum SignerKey {
    /// In this process: the machine signs (deterministically, RFC 6979 for ECDSA).
    InProcess(Arc<CertificateAuthority>),
    /// Outside the library (an HSM, a KMS): the machine hands out [`Output::Sign`] tickets and
    /// takes [`Input::Signature`] back, checking each signature against the CA certificate.
    External(Arc<Issuer>),
}

impl std::fmt::Debug for SignerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::InProcess(_) => f.write_str("InProcess([elided])"),
            Self::External(issuer) => f.debug_tuple("External").field(issuer).finish(),
        }
    }
}

/// One csrsigning controller: the signer it serves and its key.
///
/// The signer is one of the four kube-controller-manager runs: the machine builds every
/// certificate it issues, with an in-process key or an external one, through that signer's
/// checks and certificate profile. A request for any other signer name is never signed by the
/// machine; a signer of its own serves it from outside (watching the requests and writing
/// `/status` through the API).
#[derive(Clone, Debug)]
pub struct SignerConfig {
    /// The signer (`spec.signerName` of the requests it signs).
    pub signer: KnownSigner,
    /// The CA.
    pub key: SignerKey,
}

/// How the machine is set up. Fields can be set directly; new ones will come with defaults.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Config {
    /// Feeds UIDs, `generateName` suffixes and serial numbers.
    pub seed: u64,
    /// The bearer-token authenticators.
    pub authenticator: Authenticator,
    /// `--client-ca-file`: the CA bundle client certificate chains must lead to (empty: client
    /// certificates are ignored, as kube-apiserver does without the flag).
    pub client_ca: Vec<Certificate>,
    /// `--anonymous-auth` (default true): requests without a credential run as
    /// `system:anonymous`; false answers them 401.
    pub anonymous: bool,
    /// The RBAC objects (kube-apiserver's authorizer is `system:masters`, then Node, then RBAC).
    pub policy: Policy,
    /// How long after a change the controllers see it (default 0 s: at the next timeout).
    pub informer_lag: Duration,
    /// Who approves.
    pub approver: ApproverMode,
    /// The signing controllers, one per signer name.
    pub signers: Vec<SignerConfig>,
    /// `--cluster-signing-duration` (default 8760 h).
    pub signing_duration: Duration,
    /// Whether csrcleaner runs (default true).
    pub cleaner: bool,
}

impl Config {
    /// Defaults with this seed: no tokens, an empty policy, the SAR approver, no signer.
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            authenticator: Authenticator::default(),
            client_ca: Vec::new(),
            anonymous: true,
            policy: Policy::new(),
            informer_lag: Duration::ZERO,
            approver: ApproverMode::SubjectAccessReview,
            signers: Vec::new(),
            signing_duration: Duration::from_hours(8760),
            cleaner: true,
        }
    }

    /// Adds the default CSR roles (`system:node-bootstrapper`, `nodeclient`, `selfnodeclient`,
    /// the signer approvers) and the certificate controller's role and binding, as a fresh
    /// cluster has them.
    #[must_use]
    pub fn with_default_policy(mut self) -> Self {
        for role in crate::rbac::bootstrap::csr_cluster_roles() {
            self.policy.add_cluster_role(role);
        }
        self.policy
            .add_cluster_role(crate::rbac::bootstrap::certificate_controller_role());
        self.policy
            .add_cluster_role_binding(crate::rbac::bootstrap::certificate_controller_binding());
        self
    }

    /// Adds an in-process signer for `signer`.
    #[must_use]
    pub fn with_signer(mut self, signer: KnownSigner, ca: Arc<CertificateAuthority>) -> Self {
        self.signers.push(SignerConfig {
            signer,
            key: SignerKey::InProcess(ca),
        });
        self
    }
}

/// One input.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Input {
    /// An API request; its reply comes out as [`Output::Reply`] with the same id.
    Request {
        /// Chosen by the caller.
        id: RequestId,
        /// The request.
        request: Request,
    },
    /// The client closed a watch.
    CloseWatch(WatchId),
    /// An external approver's answer to a [`ReviewTicket`].
    Verdict {
        /// The ticket answered.
        ticket: TicketId,
        /// The answer.
        verdict: Verdict,
    },
    /// An external signer's answer to a [`SignTicket`]: the signature over its TBS, or why it
    /// could not sign (retried with back-off, as Kubernetes retries signing errors).
    Signature {
        /// The ticket answered.
        ticket: TicketId,
        /// The signature (ECDSA as the DER `ECDSA-Sig-Value`), or the signer's error text.
        signature: Result<Vec<u8>, String>,
    },
    /// Time passed: run what is due at `now`.
    Timeout,
}

/// What an external approver decided.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// Add `Approved` with this reason and message.
    Approve {
        /// The condition's reason.
        reason: String,
        /// The condition's message.
        message: String,
    },
    /// Add `Denied` with this reason and message.
    Deny {
        /// The condition's reason.
        reason: String,
        /// The condition's message.
        message: String,
    },
    /// Leave the request pending (another approver may decide).
    Abstain,
}

/// Identifies a review or sign ticket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TicketId(pub u64);

/// "Review this CSR": for an approver outside the library.
#[derive(Clone, Debug, PartialEq)]
pub struct ReviewTicket {
    /// Answer with [`Input::Verdict`] and this id.
    pub id: TicketId,
    /// The CSR's uid: the verdict applies to this object only.
    pub uid: String,
    /// The proof that its request verified (and which bytes were reviewed).
    pub digest: VerifiedDigest,
    /// The object as stored when the ticket was issued.
    pub object: Box<crate::csr::CertificateSigningRequest>,
}

/// "Sign this TBS": for a signer whose key lives outside the library.
#[derive(Clone, Debug)]
pub struct SignTicket {
    /// Answer with [`Input::Signature`] and this id.
    pub id: TicketId,
    /// The CSR's name.
    pub name: String,
    /// The CSR's uid: the signature applies to this object only.
    pub uid: String,
    /// The digest of the approved request the certificate is built from.
    pub digest: VerifiedDigest,
    /// The signer name.
    pub signer_name: String,
    /// What to sign.
    pub certificate: UnsignedCertificate,
}

/// A change to the store, for a caller that persists or mirrors it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StorageChange {
    /// A CSR was created.
    Created {
        /// Its name.
        name: String,
        /// Its new resourceVersion.
        resource_version: u64,
    },
    /// A CSR was updated.
    Updated {
        /// Its name.
        name: String,
        /// Its new resourceVersion.
        resource_version: u64,
    },
    /// A CSR was deleted.
    Deleted {
        /// Its name.
        name: String,
    },
    /// The RBAC policy changed (a ClusterRole or ClusterRoleBinding was created or deleted).
    Policy,
}

/// Which component speaks in an [`Event`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Component {
    /// kube-apiserver.
    ApiServer,
    /// csrapproving.
    Approving,
    /// csrsigning.
    Signing,
    /// csrcleaner.
    Cleaner,
}

/// What an [`Event`] reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventKind {
    /// A credential was presented and refused (the client got 401 `Unauthorized`; the message
    /// is what kube-apiserver logs).
    AuthenticationFailed,
    /// The approver added `Approved` (or an external verdict was applied).
    Approved,
    /// An external verdict added `Denied`.
    Denied,
    /// A recognizer matched but no SubjectAccessReview allowed: retried with back-off.
    NotApproved,
    /// The approver or signer could not parse the request, or its update failed: retried.
    ControllerError,
    /// The signer added `Failed` (`SignerValidationFailure`).
    SignerValidationFailed,
    /// Signing failed (expired CA, unknown usage, the external signer's error): retried without
    /// a condition.
    SigningFailed,
    /// A certificate was issued.
    Issued,
    /// An answer to a ticket was refused: the CSR was deleted or re-created, or is no longer
    /// waiting for it.
    TicketRefused,
    /// csrcleaner deleted a CSR.
    Cleaned,
}

/// An event an admin would read (`kubectl get events`, controller logs), with its evidence.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// When.
    pub at: Instant,
    /// Who.
    pub component: Component,
    /// What.
    pub kind: EventKind,
    /// The CSR's name (empty for events about no object).
    pub name: String,
    /// The CSR's uid, when known.
    pub uid: String,
    /// Kubernetes' text where it has one (e.g. `recognized csr "csr-x" as [nodeclient] but
    /// subject access review was not approved`), else plain English.
    pub message: String,
    /// For SubjectAccessReview decisions: the RBAC evidence ([`Policy::explain`]).
    pub explanation: Option<Box<Explanation>>,
}

/// One output.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Output {
    /// The reply to a request.
    Reply {
        /// The request's id.
        id: RequestId,
        /// The reply.
        reply: Reply,
    },
    /// An event of an open watch.
    Watch {
        /// The watch.
        watch: WatchId,
        /// The event.
        event: WatchEvent,
    },
    /// Review this CSR (external approver).
    Review(ReviewTicket),
    /// Sign this certificate (external signer).
    Sign(SignTicket),
    /// The store changed.
    Stored(StorageChange),
    /// Something an admin would read.
    Event(Event),
}

/// The machine. See the [module documentation](self).
#[derive(Debug)]
pub struct ControlPlane {
    config: Config,
    rng: rng::SplitMix64,
    store: store::Store,
    nodes: nodes::Nodes,
    timers: controllers::Timers,
    tickets: controllers::Tickets,
    watches: std::collections::BTreeMap<WatchId, crate::api::Selector>,
    next_watch: u64,
    outputs: VecDeque<Output>,
    pending_watch_events: Vec<Output>,
    history: store::History,
    started: bool,
    /// The certificate controllers' user, shared by every update they make.
    controller_user: Arc<UserInfo>,
    /// `system:anonymous`, shared by every request without a credential.
    anonymous_user: Arc<UserInfo>,
    /// The users of the token file's entries, built once each (the authenticator never changes
    /// after construction).
    token_users: crate::identity::TokenFileUsers,
    /// The request the last create verified, parsed, with its proof: the approver and the
    /// signer, which read it next, take it from here instead of parsing it again.
    last_request: Option<(VerifiedDigest, Arc<crate::pki::CertificateRequest>)>,
}

impl ControlPlane {
    /// A machine with an empty store.
    pub fn new(config: Config) -> Self {
        let rng = rng::SplitMix64::new(config.seed);
        Self {
            config,
            rng,
            store: store::Store::default(),
            nodes: nodes::Nodes::default(),
            timers: controllers::Timers::default(),
            tickets: controllers::Tickets::default(),
            watches: std::collections::BTreeMap::new(),
            next_watch: 1,
            outputs: VecDeque::new(),
            pending_watch_events: Vec::new(),
            history: store::History::default(),
            started: false,
            last_request: None,
            controller_user: Arc::new(UserInfo::new(
                CERTIFICATE_CONTROLLER_USER,
                [
                    "system:serviceaccounts",
                    "system:serviceaccounts:kube-system",
                    crate::identity::ALL_AUTHENTICATED,
                ],
            )),
            anonymous_user: Arc::new(UserInfo::new(
                crate::identity::ANONYMOUS,
                [crate::identity::ALL_UNAUTHENTICATED],
            )),
            token_users: crate::identity::TokenFileUsers::default(),
        }
    }

    /// Feeds one input at `now`.
    pub fn handle(&mut self, now: Instant, input: Input) {
        if !self.started {
            self.started = true;
            if self.config.cleaner {
                // csrcleaner runs once at start, then every hour.
                self.timers.schedule(controllers::Task::Clean, now);
            }
        }
        match input {
            Input::Request { id, request } => {
                let reply = self.handle_request(now, request);
                self.outputs.push_back(Output::Reply { id, reply });
                self.flush_watch_opened();
            }
            Input::CloseWatch(watch) => {
                self.watches.remove(&watch);
            }
            Input::Verdict { ticket, verdict } => self.handle_verdict(now, ticket, verdict),
            Input::Signature { ticket, signature } => {
                self.handle_signature(now, ticket, signature);
            }
            Input::Timeout => self.run_due(now),
        }
    }

    /// The next output, in the order produced.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// When the machine next wants [`Input::Timeout`]; `None` when nothing is scheduled.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.next_due()
    }

    /// The RBAC policy as it stands.
    pub fn policy(&self) -> &Policy {
        &self.config.policy
    }

    /// The stored CSR `name`.
    pub fn certificate_signing_request(
        &self,
        name: &str,
    ) -> Option<&crate::csr::CertificateSigningRequest> {
        self.store.get(name).map(|s| &*s.object)
    }

    /// Every stored CSR, by name.
    pub fn certificate_signing_requests(
        &self,
    ) -> impl Iterator<Item = &crate::csr::CertificateSigningRequest> {
        self.store.iter().map(|s| &*s.object)
    }

    /// How many CSRs are stored.
    pub fn len(&self) -> usize {
        self.store.len()
    }

    /// Whether no CSR is stored.
    pub fn is_empty(&self) -> bool {
        self.store.len() == 0
    }

    /// The stored request `pem` whose proof is `digest`, parsed: the one the last create parsed
    /// when it is the same (a digest names one DER, and parsing is a function of the DER), else
    /// parsed again without verifying ([`CertificateRequest::from_pem_verified`]).
    ///
    /// [`CertificateRequest::from_pem_verified`]: crate::pki::CertificateRequest::from_pem_verified
    fn parsed_request(
        &self,
        pem: &[u8],
        digest: &VerifiedDigest,
    ) -> Result<Arc<crate::pki::CertificateRequest>, crate::pki::RequestError> {
        match &self.last_request {
            Some((last, request)) if last == digest => Ok(Arc::clone(request)),
            _ => crate::pki::CertificateRequest::from_pem_verified(pem, digest).map(Arc::new),
        }
    }

    fn event(
        &mut self,
        at: Instant,
        component: Component,
        kind: EventKind,
        name: &str,
        uid: &str,
        message: String,
    ) {
        self.outputs.push_back(Output::Event(Event {
            at,
            component,
            kind,
            name: name.to_owned(),
            uid: uid.to_owned(),
            message,
            explanation: None,
        }));
    }
}
