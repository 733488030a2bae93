//! The machine's output queue and request bookkeeping, shared by the legacy bootstrap and the
//! certificate managers.

use std::collections::{BTreeMap, VecDeque};

use super::files::{Disk, FileOperation};
use super::{KeyPurpose, Level, Log, Output};
use crate::api::{Credential, Operation, Request, RequestId, WatchId};

/// Who sent a request or owns a watch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Owner {
    Legacy,
    Client,
    Serving,
    /// Node registration and status.
    Node,
}

impl From<KeyPurpose> for Owner {
    fn from(p: KeyPurpose) -> Self {
        match p {
            KeyPurpose::LegacyClient => Self::Legacy,
            KeyPurpose::Client => Self::Client,
            KeyPurpose::Serving => Self::Serving,
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct Io {
    /// The machine's view of the files: what the caller found, with the machine's operations
    /// applied.
    pub(crate) disk: Disk,
    pub(crate) outputs: VecDeque<Output>,
    pub(crate) next_request: u64,
    pub(crate) requests: BTreeMap<RequestId, Owner>,
    pub(crate) watches: BTreeMap<WatchId, Owner>,
}

impl Io {
    pub(crate) fn request(
        &mut self,
        owner: Owner,
        credential: Credential,
        operation: Operation,
    ) -> RequestId {
        self.next_request += 1;
        let id = RequestId(self.next_request);
        self.requests.insert(id, owner);
        self.outputs.push_back(Output::Request {
            id,
            request: Request {
                credential,
                operation,
            },
        });
        id
    }

    pub(crate) fn stop_watch(&mut self, watch: WatchId) {
        if self.watches.remove(&watch).is_some() {
            self.outputs.push_back(Output::StopWatch(watch));
        }
    }

    pub(crate) fn info(&mut self, text: String) {
        self.outputs.push_back(Output::Log(Log {
            level: Level::Info,
            text,
        }));
    }

    pub(crate) fn error(&mut self, text: String) {
        self.outputs.push_back(Output::Log(Log {
            level: Level::Error,
            text,
        }));
    }

    pub(crate) fn file(&mut self, op: FileOperation) {
        // The caller performs it; a failure there is the caller's to report. The view follows
        // what a successful call would leave.
        let _ = self.disk.apply(&op);
        self.outputs.push_back(Output::File(op));
    }
}
