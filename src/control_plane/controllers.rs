//! kube-controller-manager's certificate controllers: csrapproving (PROTOCOL §6), csrsigning
//! (§7), csrcleaner (§4.7), as timers over the store, with the workqueue's back-off.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::{
    ApproverMode, BACKOFF_BASE, BACKOFF_MAX, Component, ControlPlane, EventKind, Output,
    ReviewTicket, SignTicket, TicketId, Verdict, server::Authorizers,
};
use crate::api::Reply;
use crate::csr::validation::CertificateSource;
use crate::csr::{
    CertificateSigningRequest, CertificateSigningRequestCondition, ConditionType, Endpoint, cleaner,
};
use crate::go;
use crate::identity::UserInfo;
use crate::pki::{KnownSigner, SignerFailure, SignerInput, UnsignedCertificate, VerifiedDigest};
use crate::rbac::Attributes;
use crate::time::{Duration, Instant};

/// What a timer runs.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum Task {
    /// csrapproving looks at the CSR of this name.
    Approve(String),
    /// csrsigning looks at the CSR of this name.
    Sign(String),
    /// csrcleaner's hourly pass.
    Clean,
}

/// The timers as data: one deadline per task (a workqueue holds a key once; adding it again
/// keeps the earlier time), and the per-item failure counts of the rate limiter.
#[derive(Clone, Debug, Default)]
pub(super) struct Timers {
    due: BTreeMap<(Instant, u64), Task>,
    by_task: HashMap<Task, (Instant, u64)>,
    failures: HashMap<Task, u32>,
    seq: u64,
}

impl Timers {
    pub(super) fn schedule(&mut self, task: Task, at: Instant) {
        if let Some(&(existing, seq)) = self.by_task.get(&task) {
            if existing <= at {
                return;
            }
            self.due.remove(&(existing, seq));
        }
        self.seq += 1;
        self.due.insert((at, self.seq), task.clone());
        self.by_task.insert(task, (at, self.seq));
    }

    pub(super) fn next_due(&self) -> Option<Instant> {
        self.due.keys().next().map(|(at, _)| *at)
    }

    fn pop_due(&mut self, now: Instant) -> Option<Task> {
        let (&key, _) = self.due.iter().next()?;
        if key.0 > now {
            return None;
        }
        let task = self.due.remove(&key)?;
        self.by_task.remove(&task);
        Some(task)
    }

    /// `AddRateLimited`: 5 ms × 2^failures, at most 1000 s.
    fn retry(&mut self, task: Task, now: Instant) -> Duration {
        let failures = self.failures.entry(task.clone()).or_insert(0);
        let exp = (*failures).min(40);
        *failures = failures.saturating_add(1);
        let delay = BACKOFF_BASE
            .as_nanos()
            .checked_mul(1i64 << exp)
            .map_or(BACKOFF_MAX, Duration::from_nanos)
            .min(BACKOFF_MAX);
        self.schedule(task, now + delay);
        delay
    }

    /// `Forget`: the item succeeded.
    fn forget(&mut self, task: &Task) {
        self.failures.remove(task);
    }

    /// The object is gone: drop its timers and failure counts.
    pub(super) fn forget_object(&mut self, name: &str) {
        for task in [Task::Approve(name.to_owned()), Task::Sign(name.to_owned())] {
            if let Some(key) = self.by_task.remove(&task) {
                self.due.remove(&key);
            }
            self.failures.remove(&task);
        }
    }
}

/// An outstanding ticket.
#[derive(Clone, Debug)]
enum Ticket {
    Review {
        name: String,
        uid: String,
        digest: VerifiedDigest,
    },
    Sign {
        name: String,
        uid: String,
        digest: VerifiedDigest,
        signer: usize,
        certificate: UnsignedCertificate,
    },
}

/// A ticket whose CSR was deleted: closed, remembered so that a late answer is refused with the
/// object's name and uid, as an answer for a re-created object is.
#[derive(Clone, Debug)]
struct Closed {
    name: String,
    uid: String,
    review: bool,
}

/// Tickets handed out and not yet answered.
#[derive(Clone, Debug, Default)]
pub(super) struct Tickets {
    open: BTreeMap<TicketId, Ticket>,
    /// The newest [`Tickets::CLOSED_CAPACITY`] tickets closed by a delete (ids only grow, so
    /// the first entry is the oldest); an answer to an older one is "unknown".
    closed: BTreeMap<TicketId, Closed>,
    next: u64,
}

impl Tickets {
    fn issue(&mut self, ticket: Ticket) -> TicketId {
        self.next += 1;
        let id = TicketId(self.next);
        self.open.insert(id, ticket);
        id
    }

    fn outstanding(&self, uid: &str, review: bool) -> bool {
        self.open.values().any(|t| match t {
            Ticket::Review { uid: u, .. } => review && u == uid,
            Ticket::Sign { uid: u, .. } => !review && u == uid,
        })
    }

    /// How many tickets of deleted objects are remembered.
    pub(super) const CLOSED_CAPACITY: usize = 1024;

    /// The object with `uid` was deleted: its tickets close (an answer can no longer apply),
    /// and are remembered, at most [`Tickets::CLOSED_CAPACITY`] of them, so that a late answer
    /// is refused and reported as one for a re-created object is.
    pub(super) fn forget_uid(&mut self, uid: &str) {
        let ids: Vec<TicketId> = self
            .open
            .iter()
            .filter(|(_, t)| match t {
                Ticket::Review { uid: u, .. } | Ticket::Sign { uid: u, .. } => u == uid,
            })
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            let closed = match self.open.remove(&id) {
                Some(Ticket::Review { name, uid, .. }) => Closed {
                    name,
                    uid,
                    review: true,
                },
                Some(Ticket::Sign { name, uid, .. }) => Closed {
                    name,
                    uid,
                    review: false,
                },
                None => continue,
            };
            self.closed.insert(id, closed);
            if self.closed.len() > Self::CLOSED_CAPACITY {
                self.closed.pop_first();
            }
        }
    }

    /// How many tickets are open (handed out, not answered, their object not deleted).
    #[cfg(test)]
    pub(super) fn open_len(&self) -> usize {
        self.open.len()
    }
}

/// A signer's key for one signing.
enum SignKeyRef {
    InProcess(std::sync::Arc<crate::pki::CertificateAuthority>),
    External(std::sync::Arc<crate::pki::Issuer>),
    Missing,
}

impl SignKeyRef {
    fn issuer(&self) -> Option<&crate::pki::Issuer> {
        match self {
            Self::InProcess(ca) => Some(ca.issuer()),
            Self::External(issuer) => Some(issuer),
            Self::Missing => None,
        }
    }
}

const APPROVE_SELF: &str = "selfnodeclient";
const APPROVE_NODE: &str = "nodeclient";

impl ControlPlane {
    /// Runs every task due at `now`, in deadline order.
    pub(super) fn run_due(&mut self, now: Instant) {
        while let Some(task) = self.timers.pop_due(now) {
            // The informers deliver the latest version an informer lag after it was written;
            // until then the controller would see an older version, which an earlier look
            // already handled.
            let name = match &task {
                Task::Approve(n) | Task::Sign(n) => Some(n.as_str()),
                Task::Clean => None,
            };
            if let Some(stored) = name.and_then(|n| self.store.get(n)) {
                let visible = stored.written_at + self.config.informer_lag;
                if visible > now {
                    self.timers.schedule(task, visible);
                    continue;
                }
            }
            match task {
                Task::Approve(name) => self.approve(now, &name),
                Task::Sign(name) => self.sign(now, &name),
                Task::Clean => self.clean(now),
            }
        }
    }

    /// csrapproving's `handle` for one CSR.
    fn approve(&mut self, now: Instant, name: &str) {
        let task = Task::Approve(name.to_owned());
        let Some(stored) = self.store.get(name) else {
            return;
        };
        if !stored.lifecycle.approver_should_act() {
            self.timers.forget(&task);
            return;
        }
        match self.config.approver {
            ApproverMode::None => {}
            ApproverMode::External => {
                let uid = stored.object.metadata.uid.clone();
                if self.tickets.outstanding(&uid, true) {
                    return;
                }
                let digest = stored.digest;
                let object = Box::new(CertificateSigningRequest::clone(&stored.object));
                let id = self.tickets.issue(Ticket::Review {
                    name: name.to_owned(),
                    uid: uid.clone(),
                    digest,
                });
                self.outputs.push_back(Output::Review(ReviewTicket {
                    id,
                    uid,
                    digest,
                    object,
                }));
            }
            ApproverMode::SubjectAccessReview => self.approve_by_sar(now, name, task),
        }
    }

    fn approve_by_sar(&mut self, now: Instant, name: &str, task: Task) {
        let Some(stored) = self.store.get(name) else {
            return;
        };
        let object = &*stored.object;
        let uid = object.metadata.uid.clone();
        let request = match self.parsed_request(&object.spec.request, &stored.digest) {
            Ok(r) => r,
            Err(e) => {
                let message = format!("unable to parse csr {}: {e}", go::quote(name));
                self.controller_error(now, Component::Approving, task, name, &uid, message);
                return;
            }
        };
        // sarapprove's recognizers: a signer it auto-approves whose check passes
        // (`isNodeClientCert`: the kubelet client signer and `IsKubeletClientCSR`).
        let node_client = match KnownSigner::from_name(&object.spec.signer_name) {
            Some(signer) if signer.auto_approved() => {
                signer.validate(&request, &object.spec.usages).is_ok()
            }
            Some(_) | None => false,
        };
        if !node_client {
            self.timers.forget(&task);
            return;
        }
        let self_node = object.spec.username == request.subject().common_name;
        let mut requester = UserInfo {
            name: object.spec.username.clone(),
            uid: object.spec.uid.clone(),
            groups: object.spec.groups.clone(),
            extra: object.spec.extra.clone(),
        };
        let mut tried = Vec::new();
        let mut last_explanation = None;
        for (subresource, message, applies) in [
            (
                APPROVE_SELF,
                "Auto approving self kubelet client certificate after SubjectAccessReview.",
                self_node,
            ),
            (
                APPROVE_NODE,
                "Auto approving kubelet client certificate after SubjectAccessReview.",
                true,
            ),
        ] {
            if !applies {
                continue;
            }
            tried.push(subresource);
            // `nodeclient` always applies and is asked last: it takes the requester itself.
            let user = if subresource == APPROVE_NODE {
                std::mem::take(&mut requester)
            } else {
                requester.clone()
            };
            let attributes = Attributes::resource(
                user,
                "create",
                crate::csr::admission::GROUP,
                "certificatesigningrequests",
            )
            .with_subresource(subresource);
            // One walk of the policy: the explanation's decision is the RBAC authorizer's.
            let explanation = Box::new(self.config.policy.explain(&attributes));
            let decision = Authorizers(&self.config.policy)
                .decide(&attributes, || explanation.decision.clone());
            if decision.is_allowed() {
                let mut approved = Box::new(object.clone());
                approved
                    .status
                    .conditions
                    .push(CertificateSigningRequestCondition {
                        reason: "AutoApproved".to_owned(),
                        message: message.to_owned(),
                        ..CertificateSigningRequestCondition::new(ConditionType::Approved)
                    });
                let user = Arc::clone(&self.controller_user);
                match self.update_as(
                    now,
                    &user,
                    Endpoint::Approval,
                    approved,
                    CertificateSource::Caller,
                ) {
                    Ok(_) => {
                        self.timers.forget(&task);
                        self.outputs.push_back(Output::Event(super::Event {
                            at: now,
                            component: Component::Approving,
                            kind: EventKind::Approved,
                            name: name.to_owned(),
                            uid,
                            message: message.to_owned(),
                            explanation: Some(explanation),
                        }));
                    }
                    Err(reply) => {
                        let message =
                            format!("error updating approval for csr: {}", reply_text(&reply));
                        self.controller_error(now, Component::Approving, task, name, &uid, message);
                    }
                }
                return;
            }
            last_explanation = Some(explanation);
        }
        let message = format!(
            "recognized csr {} as [{}] but subject access review was not approved",
            go::quote(name),
            tried.join(" ")
        );
        let delay = self.timers.retry(task, now);
        self.outputs.push_back(Output::Event(super::Event {
            at: now,
            component: Component::Approving,
            kind: EventKind::NotApproved,
            name: name.to_owned(),
            uid,
            message: format!("{message} (retrying in {delay})"),
            explanation: last_explanation,
        }));
    }

    /// csrsigning's `handle` for one CSR, for the signer serving its signer name.
    fn sign(&mut self, now: Instant, name: &str) {
        let task = Task::Sign(name.to_owned());
        let Some(stored) = self.store.get(name) else {
            return;
        };
        if !stored.lifecycle.signer_should_act() {
            self.timers.forget(&task);
            return;
        }
        let object = &*stored.object;
        let Some(signer) = self
            .config
            .signers
            .iter()
            .position(|s| s.signer.name() == object.spec.signer_name)
        else {
            return;
        };
        let uid = object.metadata.uid.clone();
        if self.tickets.outstanding(&uid, false) {
            return;
        }
        let digest = stored.digest;
        let request = match self.parsed_request(&object.spec.request, &digest) {
            Ok(r) => r,
            Err(e) => {
                let message = format!("unable to parse csr {}: {e}", go::quote(name));
                self.controller_error(now, Component::Signing, task, name, &uid, message);
                return;
            }
        };
        let input = SignerInput {
            signer_name: &object.spec.signer_name,
            usages: &object.spec.usages,
            expiration_seconds: object.spec.expiration_seconds,
            signing_duration_seconds: self.config.signing_duration.as_secs(),
        };
        let serial = self.rng.bytes16();
        let key = self.sign_key(signer);
        let Some(issuer) = key.issuer() else {
            return;
        };
        let prepared = issuer.prepare_for_signer(&request, &input, now.timestamp(), &serial);
        let object = Box::new(object.clone());
        match prepared {
            Ok(unsigned) => match key {
                SignKeyRef::InProcess(ca) => match sign_in_process(&ca, unsigned) {
                    Ok(issued) => {
                        let pem = issued.to_pem();
                        let source = CertificateSource::InProcessSigner;
                        self.write_certificate(now, task, object, pem, source);
                    }
                    Err(e) => {
                        let message =
                            format!("error auto signing csr: failed to sign certificate: {e}");
                        self.signing_failed(now, task, name, &uid, message);
                    }
                },
                SignKeyRef::External(_) | SignKeyRef::Missing => {
                    let id = self.tickets.issue(Ticket::Sign {
                        name: name.to_owned(),
                        uid: uid.clone(),
                        digest,
                        signer,
                        certificate: unsigned.clone(),
                    });
                    self.outputs.push_back(Output::Sign(SignTicket {
                        id,
                        name: name.to_owned(),
                        uid,
                        digest,
                        signer_name: object.spec.signer_name.clone(),
                        certificate: unsigned,
                    }));
                }
            },
            Err(SignerFailure::Validation(e)) => {
                let mut failed = object;
                failed
                    .status
                    .conditions
                    .push(CertificateSigningRequestCondition {
                        reason: "SignerValidationFailure".to_owned(),
                        message: e.to_string(),
                        last_update_time: Some(now.timestamp()),
                        ..CertificateSigningRequestCondition::new(ConditionType::Failed)
                    });
                let user = Arc::clone(&self.controller_user);
                match self.update_as(
                    now,
                    &user,
                    Endpoint::Status,
                    failed,
                    CertificateSource::Caller,
                ) {
                    Ok(_) => {
                        self.timers.forget(&task);
                        self.event(
                            now,
                            Component::Signing,
                            EventKind::SignerValidationFailed,
                            name,
                            &uid,
                            e.to_string(),
                        );
                    }
                    Err(reply) => {
                        let message = format!(
                            "error adding failure condition for csr: {}",
                            reply_text(&reply)
                        );
                        self.controller_error(now, Component::Signing, task, name, &uid, message);
                    }
                }
            }
            Err(SignerFailure::UnrecognizedSigner(_)) => self.timers.forget(&task),
            Err(e) => {
                let message = format!("error auto signing csr: {e}");
                self.signing_failed(now, task, name, &uid, message);
            }
        }
    }

    fn sign_key(&self, signer: usize) -> SignKeyRef {
        match self.config.signers.get(signer).map(|s| &s.key) {
            Some(super::SignerKey::InProcess(ca)) => SignKeyRef::InProcess(ca.clone()),
            Some(super::SignerKey::External(issuer)) => SignKeyRef::External(issuer.clone()),
            None => SignKeyRef::Missing,
        }
    }

    /// PUT `/status` with the certificate, as the controller; `source` says who built it.
    fn write_certificate(
        &mut self,
        now: Instant,
        task: Task,
        mut object: Box<CertificateSigningRequest>,
        pem: String,
        source: CertificateSource,
    ) {
        let name = object.metadata.name.clone();
        let uid = object.metadata.uid.clone();
        object.status.certificate = pem.into_bytes();
        let user = Arc::clone(&self.controller_user);
        match self.update_as(now, &user, Endpoint::Status, object, source) {
            Ok(_) => {
                self.timers.forget(&task);
                self.event(
                    now,
                    Component::Signing,
                    EventKind::Issued,
                    &name,
                    &uid,
                    "certificate issued".to_owned(),
                );
            }
            Err(reply) => {
                let message = format!("error updating signature for csr: {}", reply_text(&reply));
                self.controller_error(now, Component::Signing, task, &name, &uid, message);
            }
        }
    }

    fn signing_failed(&mut self, now: Instant, task: Task, name: &str, uid: &str, message: String) {
        let delay = self.timers.retry(task, now);
        self.event(
            now,
            Component::Signing,
            EventKind::SigningFailed,
            name,
            uid,
            format!("{message} (retrying in {delay})"),
        );
    }

    fn controller_error(
        &mut self,
        now: Instant,
        component: Component,
        task: Task,
        name: &str,
        uid: &str,
        message: String,
    ) {
        let delay = self.timers.retry(task, now);
        self.event(
            now,
            component,
            EventKind::ControllerError,
            name,
            uid,
            format!("{message} (retrying in {delay})"),
        );
    }

    /// csrcleaner's pass: delete what is past its deadline, then again in an hour.
    fn clean(&mut self, now: Instant) {
        let at = now.timestamp();
        let due: Vec<(String, String, cleaner::CleanupReason)> = self
            .store
            .iter()
            .filter_map(|s| {
                cleaner::cleanup_reason(&s.object, at).map(|r| {
                    (
                        s.object.metadata.name.clone(),
                        s.object.metadata.uid.clone(),
                        r,
                    )
                })
            })
            .collect();
        for (name, uid, reason) in due {
            if self.delete(now, &name).is_some() {
                self.event(
                    now,
                    Component::Cleaner,
                    EventKind::Cleaned,
                    &name,
                    &uid,
                    cleaned_message(&name, reason),
                );
            }
        }
        self.timers.schedule(
            Task::Clean,
            now + Duration::from_secs(cleaner::POLLING_INTERVAL_SECONDS),
        );
    }

    /// An external approver's verdict.
    pub(super) fn handle_verdict(&mut self, now: Instant, id: TicketId, verdict: Verdict) {
        if let Some(closed) = self.tickets.closed.remove(&id) {
            // The object was deleted: answered as an open ticket of a re-created object is.
            if closed.review {
                self.refuse(now, Component::Approving, &closed.name, &closed.uid);
            } else {
                self.event(
                    now,
                    Component::Approving,
                    EventKind::TicketRefused,
                    "",
                    "",
                    format!("ticket {} is a sign ticket, not a review ticket", id.0),
                );
            }
            return;
        }
        let Some(ticket) = self.tickets.open.remove(&id) else {
            self.event(
                now,
                Component::Approving,
                EventKind::TicketRefused,
                "",
                "",
                format!("unknown or already answered review ticket {}", id.0),
            );
            return;
        };
        let Ticket::Review { name, uid, digest } = ticket else {
            self.event(
                now,
                Component::Approving,
                EventKind::TicketRefused,
                "",
                "",
                format!("ticket {} is a sign ticket, not a review ticket", id.0),
            );
            return;
        };
        let Some(object) = self.current(&name, &uid, &digest) else {
            self.refuse(now, Component::Approving, &name, &uid);
            return;
        };
        let task = Task::Approve(name.clone());
        let (type_, reason, message, kind) = match verdict {
            Verdict::Abstain => return,
            Verdict::Approve { reason, message } => (
                ConditionType::Approved,
                reason,
                message,
                EventKind::Approved,
            ),
            Verdict::Deny { reason, message } => {
                (ConditionType::Denied, reason, message, EventKind::Denied)
            }
        };
        if !self
            .store
            .get(&name)
            .is_some_and(|s| s.lifecycle.approver_should_act())
        {
            self.event(
                now,
                Component::Approving,
                EventKind::TicketRefused,
                &name,
                &uid,
                "the request was decided or issued since the ticket was handed out".to_owned(),
            );
            return;
        }
        let mut decided = Box::new(object);
        decided
            .status
            .conditions
            .push(CertificateSigningRequestCondition {
                reason,
                message: message.clone(),
                ..CertificateSigningRequestCondition::new(type_)
            });
        let user = Arc::clone(&self.controller_user);
        match self.update_as(
            now,
            &user,
            Endpoint::Approval,
            decided,
            CertificateSource::Caller,
        ) {
            Ok(_) => {
                self.timers.forget(&task);
                self.event(now, Component::Approving, kind, &name, &uid, message);
            }
            Err(reply) => {
                let message = format!("error updating approval for csr: {}", reply_text(&reply));
                self.controller_error(now, Component::Approving, task, &name, &uid, message);
            }
        }
    }

    /// An external signer's signature.
    pub(super) fn handle_signature(
        &mut self,
        now: Instant,
        id: TicketId,
        signature: Result<Vec<u8>, String>,
    ) {
        if let Some(closed) = self.tickets.closed.remove(&id) {
            // The object was deleted: answered as an open ticket of a re-created object is.
            if closed.review {
                self.event(
                    now,
                    Component::Signing,
                    EventKind::TicketRefused,
                    "",
                    "",
                    format!("unknown or already answered sign ticket {}", id.0),
                );
            } else {
                self.refuse(now, Component::Signing, &closed.name, &closed.uid);
            }
            return;
        }
        let Some(Ticket::Sign {
            name,
            uid,
            digest,
            signer,
            certificate,
        }) = self.tickets.open.remove(&id)
        else {
            self.event(
                now,
                Component::Signing,
                EventKind::TicketRefused,
                "",
                "",
                format!("unknown or already answered sign ticket {}", id.0),
            );
            return;
        };
        let task = Task::Sign(name.clone());
        let Some(object) = self.current(&name, &uid, &digest) else {
            self.refuse(now, Component::Signing, &name, &uid);
            return;
        };
        if !self
            .store
            .get(&name)
            .is_some_and(|s| s.lifecycle.signer_should_act())
        {
            self.event(
                now,
                Component::Signing,
                EventKind::TicketRefused,
                &name,
                &uid,
                "the request is no longer approved and unsigned".to_owned(),
            );
            return;
        }
        let signature = match signature {
            Ok(s) => s,
            Err(e) => {
                let message = format!("error auto signing csr: {e}");
                self.signing_failed(now, task, &name, &uid, message);
                return;
            }
        };
        let checked = match self.sign_key(signer) {
            SignKeyRef::InProcess(ca) => ca.issuer().check_signed(certificate, &signature),
            SignKeyRef::External(issuer) => issuer.check_signed(certificate, &signature),
            SignKeyRef::Missing => return,
        };
        match checked {
            // The signature came from outside: the certificate is validated as a caller's.
            Ok(issued) => self.write_certificate(
                now,
                task,
                Box::new(object),
                issued.to_pem(),
                CertificateSource::Caller,
            ),
            Err(e) => {
                let message = format!("error auto signing csr: {e}");
                self.signing_failed(now, task, &name, &uid, message);
            }
        }
    }

    /// The stored object `name` if it is still the one with `uid` and `digest`.
    fn current(
        &self,
        name: &str,
        uid: &str,
        digest: &VerifiedDigest,
    ) -> Option<CertificateSigningRequest> {
        let stored = self.store.get(name)?;
        (stored.object.metadata.uid == uid && stored.digest == *digest)
            .then(|| CertificateSigningRequest::clone(&stored.object))
    }

    fn refuse(&mut self, now: Instant, component: Component, name: &str, uid: &str) {
        self.event(
            now,
            component,
            EventKind::TicketRefused,
            name,
            uid,
            format!(
                "CertificateSigningRequest {} with uid {uid} no longer exists (deleted or \
                 re-created); the answer is not applied",
                go::quote(name)
            ),
        );
    }
}

/// The in-process signer's signature over `unsigned`: the certificate it issues, whose PEM is
/// stored without being parsed again ([`CertificateSource::InProcessSigner`]).
pub(super) fn sign_in_process(
    ca: &crate::pki::CertificateAuthority,
    unsigned: UnsignedCertificate,
) -> Result<crate::pki::IssuedCertificate, crate::pki::KeyError> {
    ca.key()
        .sign(unsigned.tbs_der())
        .map(|signature| unsigned.with_signature(&signature))
}

/// csrcleaner's log line (`cleaner.go`).
fn cleaned_message(name: &str, reason: cleaner::CleanupReason) -> String {
    if reason == cleaner::CleanupReason::IssuedExpired {
        format!("Cleaning CSR {} as {reason}.", go::quote(name))
    } else {
        format!("Cleaning CSR {} as it is {reason}.", go::quote(name))
    }
}

fn reply_text(reply: &Reply) -> String {
    match reply {
        Reply::Status(s) => s.message.clone(),
        other => format!("unexpected reply with code {}", other.code()),
    }
}

#[cfg(test)]
mod tests;
