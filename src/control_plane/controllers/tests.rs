//! Unit tests of the controllers' tickets and timers.

#![allow(clippy::unwrap_used)]

use super::{Ticket, TicketId, Tickets};
use crate::pki::{CertificateRequest, PrivateKey, VerifiedDigest, kubelet};

fn digest() -> VerifiedDigest {
    let key = PrivateKey::ecdsa_p256_from_random_bytes(&[7; 32]).unwrap();
    let pem = kubelet::client_csr_pem(&key, "node-1").unwrap();
    CertificateRequest::from_pem(pem.as_bytes())
        .unwrap()
        .verified_digest()
}

fn review(uid: &str, digest: VerifiedDigest) -> Ticket {
    Ticket::Review {
        name: format!("csr-{uid}"),
        uid: uid.to_owned(),
        digest,
    }
}

#[test]
fn a_task_keeps_its_earliest_deadline() {
    use super::{Task, Timers};
    use crate::time::{Duration, Instant, Timestamp};
    let t0 = Instant::from(Timestamp::parse_rfc3339("2026-12-01T09:00:00Z").unwrap());
    let later = t0 + Duration::from_secs(10);
    let mut timers = Timers::default();
    timers.schedule(Task::Clean, later);
    // An earlier time replaces the later one, as a workqueue's AddAfter keeps the earlier.
    timers.schedule(Task::Clean, t0);
    assert_eq!(timers.next_due(), Some(t0));
    // A later time leaves it.
    timers.schedule(Task::Clean, later);
    assert_eq!(timers.next_due(), Some(t0));
    assert_eq!(timers.pop_due(t0), Some(Task::Clean));
    assert_eq!(timers.next_due(), None);
}

#[test]
fn success_and_deletion_reset_the_backoff() {
    use super::{Task, Timers};
    use crate::time::{Duration, Instant, Timestamp};
    let t0 = Instant::from(Timestamp::parse_rfc3339("2026-12-01T09:00:00Z").unwrap());
    let ms = Duration::from_millis;
    let a = Task::Approve("a".to_owned());
    let mut timers = Timers::default();
    assert_eq!(timers.retry(a.clone(), t0), ms(5));
    assert_eq!(timers.retry(a.clone(), t0), ms(10));
    timers.forget(&a);
    assert_eq!(timers.retry(a.clone(), t0), ms(5));
    assert_eq!(timers.retry(a.clone(), t0), ms(10));

    // Deleting the object drops its timers and its failures, and only its own.
    let b = Task::Sign("b".to_owned());
    timers.schedule(b.clone(), t0 + ms(30));
    timers.schedule(Task::Sign("a".to_owned()), t0 + ms(1));
    timers.forget_object("a");
    assert_eq!(timers.next_due(), Some(t0 + ms(30)));
    assert_eq!(timers.retry(a, t0), ms(5));
    assert_eq!(
        timers.pop_due(t0 + ms(5)),
        Some(Task::Approve("a".to_owned()))
    );
    assert_eq!(timers.pop_due(t0 + ms(30)), Some(b));
}

#[test]
fn a_delete_closes_the_tickets_of_that_uid_only() {
    let digest = digest();
    let mut tickets = Tickets::default();
    let a = tickets.issue(review("a", digest));
    let b = tickets.issue(review("b", digest));
    let a2 = tickets.issue(review("a", digest));
    tickets.forget_uid("a");
    assert_eq!(tickets.open_len(), 1);
    assert!(tickets.open.contains_key(&b));
    assert_eq!(
        tickets.closed.keys().copied().collect::<Vec<_>>(),
        vec![a, a2]
    );
    let closed = &tickets.closed[&a];
    assert_eq!(
        (closed.name.as_str(), closed.uid.as_str(), closed.review),
        ("csr-a", "a", true)
    );
    assert!(!tickets.outstanding("a", true));
    assert!(tickets.outstanding("b", true));
}

#[test]
fn closed_tickets_are_bounded_oldest_first() {
    let digest = digest();
    let mut tickets = Tickets::default();
    let extra = 6;
    for i in 0..Tickets::CLOSED_CAPACITY + extra {
        let uid = i.to_string();
        tickets.issue(review(&uid, digest));
        tickets.forget_uid(&uid);
    }
    assert_eq!(tickets.open_len(), 0);
    assert_eq!(tickets.closed.len(), Tickets::CLOSED_CAPACITY);
    // Ids start at 1: the first `extra` were forgotten.
    let first = u64::try_from(extra).unwrap() + 1;
    assert_eq!(tickets.closed.keys().next().copied(), Some(TicketId(first)));
}
