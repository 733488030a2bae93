//! The CSR store: each object with its resourceVersion, its derived lifecycle, and the proof
//! that its request verified.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::csr::{CertificateSigningRequest, Lifecycle};
use crate::pki::VerifiedDigest;
use crate::time::Instant;

/// One stored CSR.
#[derive(Clone, Debug)]
pub(super) struct Stored {
    /// The object as the API returns it (`metadata.resourceVersion` set), shared with the watch
    /// history.
    pub(super) object: Arc<CertificateSigningRequest>,
    /// Its resourceVersion as a number.
    pub(super) resource_version: u64,
    /// The proof that `object.spec.request` verified at create (the spec never changes).
    pub(super) digest: VerifiedDigest,
    /// Derived from `object` whenever it is written.
    pub(super) lifecycle: Lifecycle,
    /// When this version was written (the controllers see it an informer lag later).
    pub(super) written_at: Instant,
}

/// The objects by name, and etcd's revision counter.
#[derive(Clone, Debug)]
pub(super) struct Store {
    objects: BTreeMap<String, Stored>,
    revision: u64,
}

impl Default for Store {
    /// An empty store at revision 1: a list of it has a version a watch can start from ("0"
    /// means "any", as in Kubernetes).
    fn default() -> Self {
        Self {
            objects: BTreeMap::new(),
            revision: 1,
        }
    }
}

impl Store {
    pub(super) fn get(&self, name: &str) -> Option<&Stored> {
        self.objects.get(name)
    }

    pub(super) fn contains(&self, name: &str) -> bool {
        self.objects.contains_key(name)
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &Stored> {
        self.objects.values()
    }

    pub(super) fn len(&self) -> usize {
        self.objects.len()
    }

    /// Writes `object` (create or update) under a new revision; returns the stored copy.
    pub(super) fn put(
        &mut self,
        mut object: CertificateSigningRequest,
        digest: VerifiedDigest,
        now: Instant,
    ) -> &Stored {
        self.revision += 1;
        object.metadata.resource_version = self.revision.to_string();
        let lifecycle = Lifecycle::of(&object);
        let name = object.metadata.name.clone();
        let stored = Stored {
            object: Arc::new(object),
            resource_version: self.revision,
            digest,
            lifecycle,
            written_at: now,
        };
        match self.objects.entry(name) {
            std::collections::btree_map::Entry::Occupied(mut e) => {
                e.insert(stored);
                e.into_mut()
            }
            std::collections::btree_map::Entry::Vacant(v) => v.insert(stored),
        }
    }

    pub(super) fn remove(&mut self, name: &str) -> Option<Stored> {
        let removed = self.objects.remove(name)?;
        self.revision += 1;
        Some(removed)
    }

    /// The revision a list returns as its `metadata.resourceVersion`.
    pub(super) fn revision(&self) -> u64 {
        self.revision
    }
}

/// The recent watch events, for watches that start at a resourceVersion (the watch cache's
/// window): at most [`History::CAPACITY`] events.
#[derive(Clone, Debug, Default)]
pub(super) struct History {
    events:
        std::collections::VecDeque<(u64, crate::api::EventType, Arc<CertificateSigningRequest>)>,
    /// The newest revision forgotten (0: nothing forgotten yet).
    forgotten: u64,
}

impl History {
    /// How many events are kept.
    pub(super) const CAPACITY: usize = 1024;

    pub(super) fn record(
        &mut self,
        revision: u64,
        type_: crate::api::EventType,
        object: &Arc<CertificateSigningRequest>,
    ) {
        if self.events.len() == Self::CAPACITY
            && let Some((rv, _, _)) = self.events.pop_front()
        {
            self.forgotten = rv;
        }
        self.events.push_back((revision, type_, Arc::clone(object)));
    }

    /// The events after `revision`, oldest first; `None` when some of them were forgotten.
    pub(super) fn since(
        &self,
        revision: u64,
    ) -> Option<impl Iterator<Item = (&crate::api::EventType, &Arc<CertificateSigningRequest>)>>
    {
        (revision >= self.forgotten).then(|| {
            self.events
                .iter()
                .filter(move |(rv, _, _)| *rv > revision)
                .map(|(_, t, o)| (t, o))
        })
    }

    /// The oldest revision a watch can start from.
    pub(super) fn oldest(&self) -> u64 {
        self.forgotten
    }
}
