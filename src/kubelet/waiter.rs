//! `csr.WaitForCertificate` as a sub-machine: list the CSR by name, watch it from the list's
//! resource version, evaluate each observation ([`super::wait::observe`]), re-list when the
//! watch ends, give up at the deadline.

use super::io::{Io, Owner};
use super::wait::{Observation, WaitError, observe};
use crate::api::{
    Credential, EventType, Operation, Reply, RequestId, Selector, WatchEvent, WatchId,
};
use crate::time::{Duration, Instant};

/// How long after a failed list or an ended watch the informer lists again.
const RELIST_DELAY: Duration = Duration::from_secs(1);

#[derive(Debug)]
pub(crate) struct Waiter {
    pub(crate) name: String,
    uid: String,
    pub(crate) deadline: Instant,
    phase: Phase,
    approved_logged: bool,
}

#[derive(Debug)]
enum Phase {
    Listing(RequestId),
    OpeningWatch(RequestId),
    Watching(WatchId),
    RelistAt(Instant),
}

/// What a step of the wait produced.
pub(crate) enum Step {
    Continue,
    Done(Result<Vec<u8>, WaitError>),
}

impl Waiter {
    pub(crate) fn start(
        io: &mut Io,
        owner: Owner,
        credential: &Credential,
        name: String,
        uid: String,
        deadline: Instant,
    ) -> Self {
        let id = list(io, owner, credential, &name);
        Self {
            name,
            uid,
            deadline,
            phase: Phase::Listing(id),
            approved_logged: false,
        }
    }

    pub(crate) fn timeout(&self) -> Instant {
        match self.phase {
            Phase::RelistAt(t) => t.min(self.deadline),
            _ => self.deadline,
        }
    }

    pub(crate) fn owns_request(&self, id: RequestId) -> bool {
        matches!(self.phase, Phase::Listing(r) | Phase::OpeningWatch(r) if r == id)
    }

    pub(crate) fn owns_watch(&self, id: WatchId) -> bool {
        matches!(self.phase, Phase::Watching(w) if w == id)
    }

    /// Ends the wait: stops the watch.
    pub(crate) fn stop(&mut self, io: &mut Io) {
        if let Phase::Watching(w) = self.phase {
            io.stop_watch(w);
        }
        self.phase = Phase::RelistAt(self.deadline);
    }

    pub(crate) fn on_timer(
        &mut self,
        io: &mut Io,
        owner: Owner,
        credential: &Credential,
        now: Instant,
    ) -> Step {
        if now >= self.deadline {
            self.stop(io);
            return Step::Done(Err(WaitError::Timeout));
        }
        if let Phase::RelistAt(t) = self.phase
            && now >= t
        {
            self.phase = Phase::Listing(list(io, owner, credential, &self.name));
        }
        Step::Continue
    }

    pub(crate) fn on_reply(
        &mut self,
        io: &mut Io,
        owner: Owner,
        credential: &Credential,
        now: Instant,
        id: RequestId,
        reply: Option<Reply>,
    ) -> Step {
        match (&self.phase, reply) {
            (Phase::Listing(r), Some(Reply::CertificateSigningRequestList(list))) if *r == id => {
                for item in &list.items {
                    if item.metadata.name != self.name {
                        continue;
                    }
                    if let Step::Done(result) = self.evaluate(io, EventType::Added, item) {
                        return Step::Done(result);
                    }
                }
                let resource_version = list
                    .metadata
                    .as_ref()
                    .and_then(|m| m.get("resourceVersion"))
                    .and_then(|v| v.as_str())
                    .map(str::to_owned);
                let watch = io.request(
                    owner,
                    credential.clone(),
                    Operation::WatchCertificateSigningRequests {
                        selector: Selector {
                            name: Some(self.name.clone()),
                        },
                        resource_version,
                    },
                );
                self.phase = Phase::OpeningWatch(watch);
            }
            (Phase::OpeningWatch(r), Some(Reply::WatchOpened(w))) if *r == id => {
                io.watches.insert(w, owner);
                self.phase = Phase::Watching(w);
            }
            (Phase::Listing(r) | Phase::OpeningWatch(r), _) if *r == id => {
                // The reflector logs and lists again after a pause.
                self.phase = Phase::RelistAt(now + RELIST_DELAY);
            }
            _ => {}
        }
        Step::Continue
    }

    pub(crate) fn on_event(&mut self, io: &mut Io, event: &WatchEvent) -> Step {
        if event.object.metadata.name != self.name {
            return Step::Continue;
        }
        let step = self.evaluate(io, event.type_, &event.object);
        if matches!(step, Step::Done(_)) {
            self.stop(io);
        }
        step
    }

    pub(crate) fn on_watch_ended(&mut self, io: &mut Io, now: Instant, watch: WatchId) {
        if self.owns_watch(watch) {
            io.watches.remove(&watch);
            self.phase = Phase::RelistAt(now + RELIST_DELAY);
        }
    }

    fn evaluate(
        &mut self,
        io: &mut Io,
        event: EventType,
        csr: &crate::csr::CertificateSigningRequest,
    ) -> Step {
        match observe(&self.name, &self.uid, event, csr) {
            Ok(Observation::Pending) => Step::Continue,
            Ok(Observation::Approved) => {
                if !self.approved_logged {
                    self.approved_logged = true;
                    io.info(format!(
                        "certificate signing request {} is approved, waiting to be issued",
                        self.name
                    ));
                }
                Step::Continue
            }
            Ok(Observation::Issued(cert)) => {
                io.info(format!(
                    "certificate signing request {} is issued",
                    self.name
                ));
                Step::Done(Ok(cert))
            }
            Err(e) => Step::Done(Err(e)),
        }
    }
}

fn list(io: &mut Io, owner: Owner, credential: &Credential, name: &str) -> RequestId {
    io.request(
        owner,
        credential.clone(),
        Operation::ListCertificateSigningRequests(Selector {
            name: Some(name.to_owned()),
        }),
    )
}
