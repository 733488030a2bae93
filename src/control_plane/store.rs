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
    /// The proof that `object.spec.request` verified at create (the spec never changes).
    pub(super) digest: VerifiedDigest,
    /// Derived from `object` whenever it is written.
    pub(super) lifecycle: Lifecycle,
    /// When this version was written (the controllers see it an informer lag later).
    pub(super) written_at: Instant,
}

/// What a write stored: the object (shared), its resourceVersion and its lifecycle.
#[derive(Clone, Debug)]
pub(super) struct Written {
    pub(super) object: Arc<CertificateSigningRequest>,
    pub(super) resource_version: u64,
    pub(super) lifecycle: Lifecycle,
}

impl Written {
    fn of(stored: &Stored, resource_version: u64) -> Self {
        Self {
            object: Arc::clone(&stored.object),
            resource_version,
            lifecycle: stored.lifecycle,
        }
    }
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

    /// Writes a new object under a new revision.
    pub(super) fn create(
        &mut self,
        object: CertificateSigningRequest,
        digest: VerifiedDigest,
        now: Instant,
    ) -> Written {
        let stored = Self::stamp(&mut self.revision, object, digest, now);
        let written = Written::of(&stored, self.revision);
        let name = stored.object.metadata.name.clone();
        self.objects.insert(name, stored);
        written
    }

    /// Replaces the object `name` with what `change` makes of it, under a new revision, with
    /// one lookup: `None` when there is no such object, the error of `change` when it refuses.
    /// `change` must keep the name (update validation refuses a changed one) and the spec (the
    /// proof stays the stored one).
    ///
    /// The replaced version is dropped where it lies when nothing else holds it (no watch
    /// history, reply or watch event): its allocation takes the new version.
    pub(super) fn update<E>(
        &mut self,
        name: &str,
        now: Instant,
        change: impl FnOnce(&Stored) -> Result<Box<CertificateSigningRequest>, E>,
    ) -> Option<Result<Written, E>> {
        let slot = self.objects.get_mut(name)?;
        let mut object = match change(slot) {
            Ok(object) => object,
            Err(e) => return Some(Err(e)),
        };
        self.revision += 1;
        set_decimal(&mut object.metadata.resource_version, self.revision);
        slot.lifecycle = Lifecycle::of(&object);
        slot.written_at = now;
        match Arc::get_mut(&mut slot.object) {
            Some(stored) => *stored = *object,
            None => slot.object = Arc::from(object),
        }
        Some(Ok(Written::of(slot, self.revision)))
    }

    /// The stored form of `object` at the next revision.
    fn stamp(
        revision: &mut u64,
        mut object: CertificateSigningRequest,
        digest: VerifiedDigest,
        now: Instant,
    ) -> Stored {
        *revision += 1;
        set_decimal(&mut object.metadata.resource_version, *revision);
        Stored {
            lifecycle: Lifecycle::of(&object),
            object: Arc::new(object),
            digest,
            written_at: now,
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

/// `*s = n.to_string()`, in the string's own buffer (a resourceVersion sent back by the client
/// is overwritten in place).
fn set_decimal(s: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        // `n % 10` is below 10: the cast is exact; 20 digits hold u64::MAX, so `start` stays
        // in bounds.
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    s.clear();
    // One reserve at most: the digits are ASCII.
    s.push_str(std::str::from_utf8(&digits[start..]).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::Arc;

    use super::{History, Store, set_decimal};
    use crate::api::EventType;
    use crate::csr::CertificateSigningRequest;
    use crate::pki::{CertificateRequest, PrivateKey, kubelet};
    use crate::time::{Instant, Timestamp};

    #[test]
    fn every_write_and_delete_takes_the_next_revision() {
        let key = PrivateKey::ecdsa_p256_from_random_bytes(&[7; 32]).unwrap();
        let pem = kubelet::client_csr_pem(&key, "node-1").unwrap();
        let digest = CertificateRequest::from_pem(pem.as_bytes())
            .unwrap()
            .verified_digest();
        let now = Instant::from(Timestamp::parse_rfc3339("2026-12-01T09:00:00Z").unwrap());
        let mut store = Store::default();
        assert_eq!(store.revision(), 1);
        let written = store.create(CertificateSigningRequest::new("a"), digest, now);
        assert_eq!(written.resource_version, 2);
        assert_eq!(
            store.get("a").unwrap().object.metadata.resource_version,
            "2"
        );
        assert_eq!(store.revision(), 2);
        let removed = store.remove("a").unwrap();
        assert_eq!(removed.object.metadata.name, "a");
        assert_eq!(store.revision(), 3);
        // Nothing to delete: no revision.
        assert!(store.remove("a").is_none());
        assert_eq!(store.revision(), 3);
    }

    #[test]
    fn the_history_replays_after_a_revision_and_forgets_the_oldest() {
        let object = Arc::new(CertificateSigningRequest::new("a"));
        let mut history = History::default();
        for rv in 1..=3 {
            history.record(rv, EventType::Added, &object);
        }
        assert_eq!(history.oldest(), 0);
        assert_eq!(history.since(0).unwrap().count(), 3);
        assert_eq!(history.since(1).unwrap().count(), 2);
        assert_eq!(history.since(3).unwrap().count(), 0);
        let last = u64::try_from(History::CAPACITY).unwrap() + 2;
        for rv in 4..=last {
            history.record(rv, EventType::Modified, &object);
        }
        // Revisions 1 and 2 fell out of the window.
        assert_eq!(history.oldest(), 2);
        assert!(history.since(1).is_none());
        assert_eq!(history.since(2).unwrap().count(), History::CAPACITY);
        assert_eq!(history.since(last - 1).unwrap().count(), 1);
    }

    #[test]
    fn decimals_as_to_string() {
        let mut s = "stale-version".to_owned();
        for n in [0, 7, 10, 99, 1_000_001, u64::MAX] {
            set_decimal(&mut s, n);
            assert_eq!(s, n.to_string());
        }
    }
}
