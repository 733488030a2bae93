//! The token file's index: an open-addressing table from token to entry position.
//!
//! Why not a general hash map: a lookup should cost as few cache misses, and as little work, as
//! possible at a million tokens. Each 8-byte slot holds the entry position and a 24-bit tag, both
//! taken from a secret-keyed SipHash-1-3 of the token (not from its SHA-256 digest), so:
//! - a miss is decided by the slots alone (one cache miss), without computing SHA-256;
//! - a hit computes SHA-256 only once a slot's tag matches, after asking for the candidate
//!   entry's cache line, so the digest is computed while that line is on its way; the digests
//!   are then compared in constant time.
//!
//! The key is derived from the SHA-256 digests of every token in the file, so it is as secret as
//! the least known token: positions and tags say nothing about a token to whoever cannot compute
//! the keyed hash, and a guess's position cannot be steered.

use super::TokenDigest;

/// Positions are stored plus one (0 marks an empty slot) in the low 40 bits.
const POSITION_BITS: u32 = 40;
const POSITION_MASK: u64 = (1 << POSITION_BITS) - 1;

/// No `Debug`: the key is derived from the tokens.
#[derive(Clone)]
pub(super) struct DigestIndex {
    slots: Vec<u64>,
    mask: usize,
    key: [u64; 2],
}

/// What [`DigestIndex::insert`] did.
pub(super) enum Inserted {
    /// The token is new; it now points at the given position.
    New,
    /// The token was already there, at this position; nothing changed.
    Existing(usize),
    /// The position cannot be stored (beyond 2⁴⁰ − 2 entries, which no memory could hold).
    Full,
}

impl DigestIndex {
    /// An index with room for `n` tokens at a load of at most one half, hashing with the key
    /// derived from `key_material` (secret: it must depend on every token's digest).
    pub(super) fn with_capacity(n: usize, key_material: &[u8; 32]) -> Self {
        let len = n
            .saturating_mul(2)
            .max(8)
            .checked_next_power_of_two()
            .unwrap_or(1 << (usize::BITS - 1));
        let (words, _) = key_material.as_chunks::<8>();
        let word = |i: usize| words.get(i).map_or(0, |w| u64::from_le_bytes(*w));
        Self {
            slots: vec![0; len],
            mask: len - 1,
            key: [word(0) ^ word(2), word(1) ^ word(3)],
        }
    }

    /// The keyed hash of a token: what [`insert`](Self::insert) takes.
    pub(super) fn hash(&self, token: &[u8]) -> u64 {
        siphash13(self.key, token)
    }

    /// The position of the entry for `token`; `digest_at` gives an entry's stored digest.
    pub(super) fn find(
        &self,
        token: &[u8],
        digest_at: impl Fn(usize) -> Option<TokenDigest>,
    ) -> Option<usize> {
        let (mut pos, tag) = place(self.hash(token));
        let mut digest: Option<TokenDigest> = None;
        // A table at most half full always has an empty slot; the bound only keeps the loop
        // finite whatever happens.
        for _ in 0..self.slots.len() {
            let slot = *self.slots.get(pos & self.mask)?;
            if slot == 0 {
                return None;
            }
            if slot >> POSITION_BITS == tag {
                let position = usize::try_from((slot & POSITION_MASK).checked_sub(1)?).ok()?;
                // Load the candidate's digest before hashing, so that the cache miss and the
                // SHA-256 rounds overlap instead of following each other.
                let stored = std::hint::black_box(digest_at(position));
                let digest = *digest.get_or_insert_with(|| TokenDigest::of(token));
                if stored.is_some_and(|d| d == digest) {
                    return Some(position);
                }
            }
            pos = pos.wrapping_add(1);
        }
        None
    }

    /// Adds the token with keyed hash `hash` at `position` unless it is already there;
    /// `same_token(j)` says whether the entry at `j` has the same token (same digest).
    pub(super) fn insert(
        &mut self,
        hash: u64,
        position: usize,
        same_token: impl Fn(usize) -> bool,
    ) -> Inserted {
        let Some(value) = u64::try_from(position)
            .ok()
            .and_then(|p| p.checked_add(1))
            .filter(|&p| p <= POSITION_MASK)
        else {
            return Inserted::Full;
        };
        let (mut pos, tag) = place(hash);
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
                if same_token(existing) {
                    return Inserted::Existing(existing);
                }
            }
            pos = pos.wrapping_add(1);
        }
        Inserted::Full
    }
}

/// The first slot to probe (the hash's low bits) and the tag (its top 24 bits).
fn place(hash: u64) -> (usize, u64) {
    // Truncation on 32-bit targets keeps the low bits, which is all the mask uses.
    (hash as usize, hash >> POSITION_BITS)
}

/// SipHash-1-3: the keyed pseudo-random function Rust's `HashMap` (and Python's `dict`) use
/// against chosen inputs; one compression and three finalisation rounds.
fn siphash13(key: [u64; 2], message: &[u8]) -> u64 {
    siphash::<1, 3>(key, message)
}

/// SipHash-c-d (Aumasson and Bernstein).
fn siphash<const C: usize, const D: usize>(key: [u64; 2], message: &[u8]) -> u64 {
    let mut v = [
        key[0] ^ 0x736f_6d65_7073_6575,
        key[1] ^ 0x646f_7261_6e64_6f6d,
        key[0] ^ 0x6c79_6765_6e65_7261,
        key[1] ^ 0x7465_6462_7974_6573,
    ];
    let (words, tail) = message.as_chunks::<8>();
    for word in words {
        let m = u64::from_le_bytes(*word);
        v[3] ^= m;
        for _ in 0..C {
            sip_round(&mut v);
        }
        v[0] ^= m;
    }
    let mut last = [0u8; 8];
    last[..tail.len()].copy_from_slice(tail);
    // The length's low byte goes in the last word's top byte (the specification's `b`).
    let m = u64::from_le_bytes(last) | (message.len() as u64) << 56;
    v[3] ^= m;
    for _ in 0..C {
        sip_round(&mut v);
    }
    v[0] ^= m;
    v[2] ^= 0xff;
    for _ in 0..D {
        sip_round(&mut v);
    }
    v[0] ^ v[1] ^ v[2] ^ v[3]
}

fn sip_round(v: &mut [u64; 4]) {
    v[0] = v[0].wrapping_add(v[1]);
    v[1] = v[1].rotate_left(13) ^ v[0];
    v[0] = v[0].rotate_left(32);
    v[2] = v[2].wrapping_add(v[3]);
    v[3] = v[3].rotate_left(16) ^ v[2];
    v[0] = v[0].wrapping_add(v[3]);
    v[3] = v[3].rotate_left(21) ^ v[0];
    v[2] = v[2].wrapping_add(v[1]);
    v[1] = v[1].rotate_left(17) ^ v[2];
    v[2] = v[2].rotate_left(32);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn siphash_matches_the_reference_vector_and_std() {
        // SipHash-1-3 is the same code with fewer rounds; the 2-4 instance has public vectors.
        // The specification's appendix: key 00..0f, message 00..0e.
        let key = [0x0706_0504_0302_0100, 0x0f0e_0d0c_0b0a_0908];
        let message: Vec<u8> = (0..15).collect();
        assert_eq!(siphash::<2, 4>(key, &message), 0xa129_ca61_49be_45e5);
        let long: Vec<u8> = (0..100u8).map(|i| i.wrapping_mul(37)).collect();
        for len in 0..long.len() {
            #[allow(deprecated)] // std's SipHasher is SipHash-2-4: a second opinion
            let mut std = std::hash::SipHasher::new_with_keys(key[0], key[1]);
            std::hash::Hasher::write(&mut std, &long[..len]);
            assert_eq!(
                siphash::<2, 4>(key, &long[..len]),
                std::hash::Hasher::finish(&std),
                "length {len}"
            );
        }
    }

    #[test]
    fn colliding_slots_and_tags_stay_apart() {
        // Same first slot and same tag, different tokens; then a different tag; all probing
        // past the end of the table and wrapping around (low hash bits all ones).
        let tokens: [&[u8]; 4] = [b"a", b"b", b"c", b"d"];
        let hashes = [u64::MAX, u64::MAX, u64::MAX, u64::MAX >> 24];
        let mut index = DigestIndex::with_capacity(tokens.len(), &[7; 32]);
        for (i, &h) in hashes.iter().enumerate() {
            assert!(matches!(index.insert(h, i, |j| j == i), Inserted::New));
        }
        for (i, &h) in hashes.iter().enumerate() {
            assert!(matches!(index.insert(h, 9, |j| j == i), Inserted::Existing(j) if j == i));
        }
        assert!(matches!(
            index.insert(u64::MAX, 9, |_| false),
            Inserted::New
        ));
        // `find` hashes with the key: tokens inserted under their real keyed hashes are found,
        // others are not.
        let mut index = DigestIndex::with_capacity(tokens.len(), &[7; 32]);
        let digests: Vec<TokenDigest> = tokens.iter().map(|t| TokenDigest::of(t)).collect();
        for (i, t) in tokens.iter().enumerate() {
            let h = index.hash(t);
            assert!(matches!(
                index.insert(h, i, |j| digests[j] == digests[i]),
                Inserted::New
            ));
        }
        let at = |i: usize| digests.get(i).copied();
        for (i, t) in tokens.iter().enumerate() {
            assert_eq!(index.find(t, at), Some(i));
        }
        assert_eq!(index.find(b"e", at), None);
    }

    #[test]
    fn positions_beyond_forty_bits_are_refused() {
        let mut index = DigestIndex::with_capacity(1, &[0; 32]);
        assert!(matches!(
            index.insert(1, 1 << 40, |_| false),
            Inserted::Full
        ));
        assert!(matches!(
            index.insert(1, (1 << 40) - 2, |_| false),
            Inserted::New
        ));
    }
}
