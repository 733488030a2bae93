//! A scripted API server for the kubelet machine: stores CSRs, answers create (201 or
//! AlreadyExists, `generateName` completed), get, list and watch at once, and lets a test
//! approve, issue, deny, fail, delete or re-create a CSR, pushing watch events to open watches.
//! A [`Harness`] drives a machine against it on a virtual clock.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use kube_tls_bootstrap::api::{
    Credential, EventType, GroupResource, Operation, Reply, Request, RequestId, Status, WatchEvent,
    WatchId,
};
use kube_tls_bootstrap::csr::{
    CertificateSigningRequest, CertificateSigningRequestCondition, CertificateSigningRequestList,
    ConditionType,
};
use kube_tls_bootstrap::kubelet::{
    Config, Disk, Input, KeyPurpose, Level, Machine, Output, Pair, State,
};
use kube_tls_bootstrap::pki::{CertificateAuthority, CertificateRequest, SignerInput};
use kube_tls_bootstrap::time::{Duration, Instant};

/// What the server does with the next create.
#[derive(Clone, Debug)]
pub enum CreateScript {
    /// Store and answer 201.
    Accept,
    /// Answer with this status.
    Refuse(Status),
}

pub struct Server {
    pub csrs: BTreeMap<String, CertificateSigningRequest>,
    pub requests: Vec<Request>,
    pub create_script: VecDeque<CreateScript>,
    watches: BTreeMap<WatchId, String>,
    next_watch: u64,
    next_uid: u64,
    next_name: u64,
    resource_version: u64,
    pub ca: CertificateAuthority,
    pub signing_duration_seconds: i64,
    /// Events to deliver to the machine.
    pub pending_events: VecDeque<(WatchId, WatchEvent)>,
}

impl Server {
    pub fn new() -> Self {
        Self {
            csrs: BTreeMap::new(),
            requests: Vec::new(),
            create_script: VecDeque::new(),
            watches: BTreeMap::new(),
            next_watch: 0,
            next_uid: 0,
            next_name: 0,
            resource_version: 100,
            ca: super::ca(),
            signing_duration_seconds: 365 * 24 * 3600,
            pending_events: VecDeque::new(),
        }
    }

    fn gr() -> GroupResource {
        GroupResource::certificate_signing_requests()
    }

    pub fn answer(&mut self, request: &Request) -> Reply {
        self.requests.push(request.clone());
        match &request.operation {
            Operation::CreateCertificateSigningRequest(csr) => {
                if let Some(CreateScript::Refuse(s)) = self.create_script.pop_front() {
                    return Reply::Status(s);
                }
                let mut csr = (**csr).clone();
                if csr.metadata.name.is_empty() {
                    self.next_name += 1;
                    csr.metadata.name =
                        format!("{}{:05}", csr.metadata.generate_name, self.next_name);
                }
                if self.csrs.contains_key(&csr.metadata.name) {
                    return Reply::Status(Status::already_exists(&Self::gr(), &csr.metadata.name));
                }
                self.next_uid += 1;
                csr.metadata.uid = format!("uid-{}", self.next_uid);
                self.resource_version += 1;
                csr.metadata.resource_version = self.resource_version.to_string();
                self.csrs.insert(csr.metadata.name.clone(), csr.clone());
                Reply::CertificateSigningRequest {
                    code: 201,
                    object: std::sync::Arc::new(csr),
                }
            }
            Operation::GetCertificateSigningRequest { name } => match self.csrs.get(name) {
                Some(c) => Reply::CertificateSigningRequest {
                    code: 200,
                    object: std::sync::Arc::new(c.clone()),
                },
                None => Reply::Status(Status::not_found(&Self::gr(), name)),
            },
            Operation::ListCertificateSigningRequests(sel) => {
                let items = self
                    .csrs
                    .values()
                    .filter(|c| sel.name.as_ref().is_none_or(|n| *n == c.metadata.name))
                    .cloned()
                    .collect();
                let mut meta = BTreeMap::new();
                meta.insert(
                    "resourceVersion".to_owned(),
                    serde_json::Value::String(self.resource_version.to_string()),
                );
                Reply::CertificateSigningRequestList(Box::new(CertificateSigningRequestList {
                    api_version: "certificates.k8s.io/v1".into(),
                    items,
                    kind: "CertificateSigningRequestList".into(),
                    metadata: Some(meta),
                }))
            }
            Operation::WatchCertificateSigningRequests { selector, .. } => {
                self.next_watch += 1;
                let id = WatchId(self.next_watch);
                self.watches
                    .insert(id, selector.name.clone().unwrap_or_default());
                Reply::WatchOpened(id)
            }
            _ => Reply::Status(Status::bad_request("not scripted")),
        }
    }

    pub fn stop_watch(&mut self, id: WatchId) {
        self.watches.remove(&id);
    }

    /// Closes every open watch from the server's side (an apiserver restart, a timeout) and
    /// returns their ids for the `WatchEnded` inputs.
    pub fn end_watches(&mut self) -> Vec<WatchId> {
        std::mem::take(&mut self.watches).into_keys().collect()
    }

    fn publish(&mut self, type_: EventType, csr: &CertificateSigningRequest) {
        for (id, name) in &self.watches {
            if *name == csr.metadata.name {
                self.pending_events.push_back((
                    *id,
                    WatchEvent {
                        type_,
                        object: std::sync::Arc::new(csr.clone()),
                    },
                ));
            }
        }
    }

    fn modify(&mut self, name: &str, f: impl FnOnce(&mut CertificateSigningRequest)) {
        let mut csr = self.csrs.get(name).cloned().expect("csr exists");
        f(&mut csr);
        self.resource_version += 1;
        csr.metadata.resource_version = self.resource_version.to_string();
        self.csrs.insert(name.to_owned(), csr.clone());
        self.publish(EventType::Modified, &csr);
    }

    pub fn condition(&mut self, name: &str, type_: ConditionType, reason: &str, message: &str) {
        self.modify(name, |csr| {
            let mut c = CertificateSigningRequestCondition::new(type_);
            c.reason = reason.into();
            c.message = message.into();
            csr.status.conditions.push(c);
        });
    }

    pub fn approve(&mut self, name: &str) {
        self.condition(
            name,
            ConditionType::Approved,
            "AutoApproved",
            "Auto approving kubelet client certificate after SubjectAccessReview.",
        );
    }

    /// Signs the stored request with the test CA at `now` and sets `status.certificate`.
    pub fn issue(&mut self, name: &str, now: Instant) {
        let csr = self.csrs.get(name).cloned().expect("csr exists");
        let request = CertificateRequest::from_pem(&csr.spec.request).unwrap();
        let issued = self
            .ca
            .sign_for_signer(
                &request,
                &SignerInput {
                    signer_name: &csr.spec.signer_name,
                    usages: &csr.spec.usages,
                    expiration_seconds: None,
                    signing_duration_seconds: self.signing_duration_seconds,
                },
                now.timestamp(),
                &[0x11; 16],
            )
            .unwrap();
        self.set_certificate(name, issued.to_pem().into_bytes());
    }

    pub fn set_certificate(&mut self, name: &str, pem: Vec<u8>) {
        self.modify(name, |csr| csr.status.certificate = pem);
    }

    pub fn approve_and_issue(&mut self, name: &str, now: Instant) {
        self.approve(name);
        self.issue(name, now);
    }

    /// The object under `name` becomes another one (deleted and re-created between two
    /// observations): a MODIFIED event with a new UID.
    pub fn change_uid(&mut self, name: &str) {
        self.next_uid += 1;
        let uid = format!("uid-{}", self.next_uid);
        self.modify(name, |csr| csr.metadata.uid = uid);
    }

    pub fn delete(&mut self, name: &str) {
        if let Some(csr) = self.csrs.remove(name) {
            self.publish(EventType::Deleted, &csr);
        }
    }

    /// The name of the newest CSR.
    pub fn last_name(&self) -> String {
        self.requests
            .iter()
            .rev()
            .find_map(|r| match &r.operation {
                Operation::CreateCertificateSigningRequest(_) => None,
                Operation::WatchCertificateSigningRequests { selector, .. } => {
                    selector.name.clone()
                }
                _ => None,
            })
            .expect("a watch was opened")
    }

    /// The credential of the last create.
    pub fn last_create(&self) -> (&Credential, &CertificateSigningRequest) {
        self.requests
            .iter()
            .rev()
            .find_map(|r| match &r.operation {
                Operation::CreateCertificateSigningRequest(c) => Some((&r.credential, &**c)),
                _ => None,
            })
            .expect("a create was sent")
    }

    pub fn creates(&self) -> usize {
        self.requests
            .iter()
            .filter(|r| matches!(r.operation, Operation::CreateCertificateSigningRequest(_)))
            .count()
    }
}

/// A machine, the server, the caller's disk and a virtual clock.
pub struct Harness {
    pub machine: Machine,
    pub server: Server,
    pub disk: Disk,
    pub now: Instant,
    pub logs: Vec<(Level, String)>,
    pub exits: Vec<String>,
    pub changed: Vec<(KeyPurpose, Arc<Pair>)>,
    pub bootstrapped: bool,
    pub next_key: u8,
    /// When set, key requests are not answered (a test answers them).
    pub hold_keys: bool,
    pub held_keys: Vec<KeyPurpose>,
    /// When set, requests are not answered (a test answers them).
    pub hold_requests: bool,
    pub held_requests: Vec<(RequestId, Request)>,
}

impl Harness {
    pub fn new(config: Config, disk: Disk, now: Instant) -> Self {
        let machine = Machine::new(config, disk.clone(), now);
        let mut h = Self {
            machine,
            server: Server::new(),
            disk,
            now,
            logs: Vec::new(),
            exits: Vec::new(),
            changed: Vec::new(),
            bootstrapped: false,
            next_key: 40,
            hold_keys: false,
            held_keys: Vec::new(),
            hold_requests: false,
            held_requests: Vec::new(),
        };
        h.drive();
        h
    }

    /// Drains outputs, answering requests and keys, delivering watch events, until idle.
    pub fn drive(&mut self) {
        loop {
            let mut progressed = false;
            while let Some(out) = self.machine.poll_output() {
                progressed = true;
                match out {
                    Output::Request { id, request } => {
                        if self.hold_requests {
                            self.held_requests.push((id, request));
                        } else {
                            let reply = self.server.answer(&request);
                            self.machine.handle(self.now, Input::Reply { id, reply });
                        }
                    }
                    Output::StopWatch(w) => self.server.stop_watch(w),
                    Output::GenerateKey(purpose) => {
                        if self.hold_keys {
                            self.held_keys.push(purpose);
                        } else {
                            self.next_key += 1;
                            let key = super::key(self.next_key);
                            self.machine.handle(self.now, Input::Key(purpose, key));
                        }
                    }
                    Output::File(op) => self.disk.apply(&op).unwrap(),
                    Output::Log(l) => self.logs.push((l.level, l.text)),
                    Output::CertificateChanged { purpose, pair } => {
                        self.changed.push((purpose, pair))
                    }
                    Output::Bootstrapped => self.bootstrapped = true,
                    Output::Exit(text) => self.exits.push(text),
                    _ => {}
                }
            }
            if let Some((watch, event)) = self.server.pending_events.pop_front() {
                progressed = true;
                self.machine
                    .handle(self.now, Input::WatchEvent { watch, event });
            }
            if !progressed {
                break;
            }
        }
    }

    pub fn input(&mut self, input: Input) {
        self.machine.handle(self.now, input);
        self.drive();
    }

    /// Advances the clock to `t`, firing every timer on the way.
    pub fn advance_to(&mut self, t: Instant) {
        while let Some(next) = self.machine.poll_timeout() {
            if next > t {
                break;
            }
            self.now = next.max(self.now);
            self.machine.handle(self.now, Input::Timeout);
            self.drive();
        }
        self.now = t.max(self.now);
        self.machine.handle(self.now, Input::Timeout);
        self.drive();
    }

    pub fn advance(&mut self, d: Duration) {
        self.advance_to(self.now + d);
    }

    pub fn state(&self) -> &State {
        self.machine.state()
    }

    pub fn has_log(&self, text: &str) -> bool {
        self.logs.iter().any(|(_, t)| t == text)
    }

    pub fn log_texts(&self) -> Vec<&str> {
        self.logs.iter().map(|(_, t)| t.as_str()).collect()
    }
}
