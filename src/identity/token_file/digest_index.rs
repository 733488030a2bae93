//! The token file's index: an open-addressing table from token digest to entry position.
//!
//! Why not a general hash map: a lookup should cost as few cache misses as possible at a million
//! tokens. Each 8-byte slot holds the entry position and 24 more bits of the digest, so a miss
//! is decided by the slot alone (one cache miss) and a hit needs the slot and the entry (two),
//! where a SwissTable needs its control bytes, its bucket and then the entry.

use super::TokenDigest;

/// Positions are stored plus one (0 marks an empty slot) in the low 40 bits.
const POSITION_BITS: u32 = 40;
const POSITION_MASK: u64 = (1 << POSITION_BITS) - 1;

#[derive(Clone)]
pub(super) struct DigestIndex {
    slots: Vec<u64>,
    mask: usize,
}

/// What [`DigestIndex::insert`] did.
pub(super) enum Inserted {
    /// The digest is new; it now points at the given position.
    New,
    /// The digest was already there, at this position; nothing changed.
    Existing(usize),
    /// The position cannot be stored (beyond 2⁴⁰ − 2 entries, which no memory could hold).
    Full,
}

impl DigestIndex {
    /// An index with room for `n` digests at a load of at most one half.
    pub(super) fn with_capacity(n: usize) -> Self {
        let len = n
            .saturating_mul(2)
            .max(8)
            .checked_next_power_of_two()
            .unwrap_or(1 << (usize::BITS - 1));
        Self {
            slots: vec![0; len],
            mask: len - 1,
        }
    }

    /// The position of the entry whose digest is `digest`; `digest_at` gives an entry's digest.
    pub(super) fn find(
        &self,
        digest: &TokenDigest,
        digest_at: impl Fn(usize) -> Option<TokenDigest>,
    ) -> Option<usize> {
        let (mut pos, tag) = place(digest);
        // A table at most half full always has an empty slot; the bound only keeps the loop
        // finite whatever happens.
        for _ in 0..self.slots.len() {
            let slot = *self.slots.get(pos & self.mask)?;
            if slot == 0 {
                return None;
            }
            if slot >> POSITION_BITS == tag {
                let position = usize::try_from((slot & POSITION_MASK).checked_sub(1)?).ok()?;
                if digest_at(position).is_some_and(|d| d == *digest) {
                    return Some(position);
                }
            }
            pos = pos.wrapping_add(1);
        }
        None
    }

    /// Adds `digest` at `position` unless it is already there.
    pub(super) fn insert(
        &mut self,
        digest: &TokenDigest,
        position: usize,
        digest_at: impl Fn(usize) -> Option<TokenDigest>,
    ) -> Inserted {
        let Some(value) = u64::try_from(position)
            .ok()
            .and_then(|p| p.checked_add(1))
            .filter(|&p| p <= POSITION_MASK)
        else {
            return Inserted::Full;
        };
        let (mut pos, tag) = place(digest);
        for _ in 0..self.slots.len() {
            let Some(slot) = self.slots.get_mut(pos & self.mask) else {
                return Inserted::Full;
            };
            if *slot == 0 {
                *slot = tag << POSITION_BITS | value;
                return Inserted::New;
            }
            if *slot >> POSITION_BITS == tag {
                let existing = (*slot & POSITION_MASK)
                    .checked_sub(1)
                    .and_then(|p| usize::try_from(p).ok())
                    .unwrap_or(usize::MAX);
                if digest_at(existing).is_some_and(|d| d == *digest) {
                    return Inserted::Existing(existing);
                }
            }
            pos = pos.wrapping_add(1);
        }
        Inserted::Full
    }
}

/// The first slot to probe (from digest bytes 0..8) and the tag (bytes 8..11).
fn place(digest: &TokenDigest) -> (usize, u64) {
    let bytes = digest.as_bytes();
    let mut first = [0u8; 8];
    first.copy_from_slice(&bytes[..8]);
    let start = u64::from_le_bytes(first);
    let tag = u64::from(bytes[8]) << 16 | u64::from(bytes[9]) << 8 | u64::from(bytes[10]);
    // Truncation on 32-bit targets keeps the low bits, which is all the mask uses.
    (start as usize, tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(start: u8, tag: u8, rest: u8) -> TokenDigest {
        let mut bytes = [rest; 32];
        bytes[..8].fill(start);
        bytes[8..11].fill(tag);
        TokenDigest(bytes)
    }

    #[test]
    fn colliding_slots_and_tags_stay_apart() {
        // Same first slot and same tag, different digests; then a different tag; all probing
        // past the end of the table and wrapping around (start bytes 0xff).
        let digests = [
            digest(0xff, 1, 1),
            digest(0xff, 1, 2),
            digest(0xff, 1, 3),
            digest(0xff, 2, 1),
        ];
        let mut index = DigestIndex::with_capacity(digests.len());
        let at = |i: usize| digests.get(i).copied();
        for (i, d) in digests.iter().enumerate() {
            assert!(matches!(index.insert(d, i, at), Inserted::New));
        }
        for (i, d) in digests.iter().enumerate() {
            assert_eq!(index.find(d, at), Some(i));
            assert!(matches!(index.insert(d, 9, at), Inserted::Existing(j) if j == i));
        }
        assert_eq!(index.find(&digest(0xff, 1, 4), at), None);
        assert_eq!(index.find(&digest(0x00, 1, 1), at), None);
    }

    #[test]
    fn positions_beyond_forty_bits_are_refused() {
        let mut index = DigestIndex::with_capacity(1);
        let d = digest(1, 1, 1);
        assert!(matches!(
            index.insert(&d, 1 << 40, |_| None),
            Inserted::Full
        ));
        assert!(matches!(
            index.insert(&d, (1 << 40) - 2, |_| None),
            Inserted::New
        ));
    }
}
