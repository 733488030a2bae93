//! The token file's table: entries live at slots picked by a keyed hash of their token; a
//! compact array of tags beside it says which slots are taken.
//!
//! Why not a general hash map: a lookup should cost as few cache misses, and as little work, as
//! possible at a million tokens. Each slot has a 16-bit tag (0 marks an empty slot) taken, like
//! the slot itself, from a secret-keyed SipHash-1-3 of the token (not from its SHA-256 digest),
//! and the tags are two bytes a slot, small enough to stay cached (and within the TLB's reach)
//! when the entries do not, so:
//! - a miss is decided by the tags alone, without computing SHA-256 or touching an entry;
//! - a hit computes SHA-256 only once a slot's tag matches, after asking for that slot's entry
//!   (one cache line holding everything a hit needs), so the digest is computed while the
//!   line is on its way; the digests are then compared in constant time.
//!
//! The key is derived from the SHA-256 digests of every token in the file, so it is as secret as
//! the least known token: slots and tags say nothing about a token to whoever cannot compute
//! the keyed hash, and a guess's slot cannot be steered.

use super::TokenDigest;

/// The bytes of tags and owners [`DigestIndex::insert_all`] fills at a time: well within a
/// core's L2.
const REGION_BYTES: usize = 64 << 10;
/// At most this many regions (so that the partition's write streams stay cached).
const MAX_REGIONS: usize = 4096;

/// No `Debug`: the key is derived from the tokens.
#[derive(Clone)]
pub(super) struct DigestIndex {
    tags: Vec<u16>,
    key: [u64; 2],
}

/// What [`DigestIndex::insert_all`] did.
pub(super) struct Filled {
    /// For each slot, 0 when empty, else 1 + the index of the entry it holds.
    pub(super) owners: Vec<u32>,
    /// `(kept, later)` for every entry whose token an earlier entry already had.
    pub(super) duplicates: Vec<(usize, usize)>,
}

impl DigestIndex {
    /// An index with room for `n` tokens at a load of at most three quarters, hashing with the
    /// key derived from `key_material` (secret: it must depend on every token's digest).
    pub(super) fn with_capacity(n: usize, key_material: &[u8; 32]) -> Self {
        let len = n.saturating_add(n / 3).saturating_add(1).max(8);
        let (words, _) = key_material.as_chunks::<8>();
        let word = |i: usize| words.get(i).map_or(0, |w| u64::from_le_bytes(*w));
        Self {
            tags: vec![0; len],
            key: [word(0) ^ word(2), word(1) ^ word(3)],
        }
    }

    /// The number of slots.
    pub(super) fn slots(&self) -> usize {
        self.tags.len()
    }

    /// The slot after `slot`, wrapping around the end of the table.
    fn next(&self, slot: usize) -> usize {
        if slot + 1 >= self.tags.len() {
            0
        } else {
            slot + 1
        }
    }

    /// The first slot to probe for a keyed hash (the hash scaled to the table's length, so its
    /// top bits choose) and the tag (its low 16 bits, never 0).
    fn place(&self, hash: u64) -> (usize, u16) {
        let scaled = (u128::from(hash) * self.tags.len() as u128) >> 64;
        // Below the table's length, so it fits.
        let slot = usize::try_from(scaled).unwrap_or(0);
        (slot, (hash as u16).max(1))
    }

    /// The keyed hash of a token: what [`insert_all`](Self::insert_all) takes.
    pub(super) fn hash(&self, token: &[u8]) -> u64 {
        siphash13(self.key, token)
    }

    /// The slot of the entry for `token`; `digest_at` gives the digest stored at a slot.
    pub(super) fn find(
        &self,
        token: &[u8],
        digest_at: impl Fn(usize) -> Option<TokenDigest>,
    ) -> Option<usize> {
        let (mut slot, tag) = self.place(self.hash(token));
        let mut digest: Option<TokenDigest> = None;
        // A table at most three quarters full always has an empty slot; the bound only keeps
        // the loop finite whatever happens.
        for _ in 0..self.tags.len() {
            let found = *self.tags.get(slot)?;
            if found == 0 {
                return None;
            }
            if found == tag {
                // Load the candidate's digest before hashing, so that the cache miss and the
                // SHA-256 rounds overlap instead of following each other.
                let stored = std::hint::black_box(digest_at(slot));
                let digest = *digest.get_or_insert_with(|| TokenDigest::of(token));
                if stored.is_some_and(|d| d == digest) {
                    return Some(slot);
                }
            }
            slot = self.next(slot);
        }
        None
    }

    /// Gives each entry a slot, entry `i` by its keyed hash `hashes[i]`, as inserting them one
    /// after the other in order of `i` would; `same_token(i, j)` says whether entries `i` and
    /// `j` have the same token (same digest). An entry whose token an earlier one had gets no
    /// slot. Entries from the 2³² − 1st on get none either (their table would take 256 GiB):
    /// they fail closed, never authenticating.
    ///
    /// A table larger than the core's caches is filled region by region: the entries are first
    /// partitioned (stably) by the region of the table their first slot falls in, so that each
    /// region is written while it is in cache, instead of taking a cache miss for nearly every
    /// entry. A token seen again has the same hash, so the same region, and stability keeps it
    /// after its first appearance.
    pub(super) fn insert_all(
        &mut self,
        hashes: &[u64],
        same_token: impl Fn(usize, usize) -> bool,
    ) -> Filled {
        let mut filled = Filled {
            owners: vec![0; self.tags.len()],
            duplicates: Vec::new(),
        };
        let regions = regions(self.tags.len());
        if regions == 1 {
            for (i, &hash) in hashes.iter().enumerate() {
                self.insert(&mut filled, hash, i, &same_token);
            }
            return filled;
        }
        // A power of two; the first slot grows with the hash, so the hash's top bits pick a run
        // of slots.
        let shift = 64 - regions.ilog2();
        let region = |hash: u64| usize::try_from(hash >> shift).unwrap_or(0);
        // Each region's count, then where its entries start (an exclusive prefix sum).
        let mut starts = vec![0usize; regions];
        for &hash in hashes {
            if let Some(count) = starts.get_mut(region(hash)) {
                *count += 1;
            }
        }
        let mut total = 0;
        for start in &mut starts {
            let count = *start;
            *start = total;
            total += count;
        }
        let mut sorted = vec![(0u64, 0usize); hashes.len()];
        for (i, &hash) in hashes.iter().enumerate() {
            if let Some(next) = starts.get_mut(region(hash)) {
                if let Some(cell) = sorted.get_mut(*next) {
                    *cell = (hash, i);
                }
                *next += 1;
            }
        }
        for (hash, i) in sorted {
            self.insert(&mut filled, hash, i, &same_token);
        }
        filled
    }

    /// Gives entry `i`, of keyed hash `hash`, the first free slot from its place on, unless an
    /// entry with the same token has one already.
    fn insert(
        &mut self,
        filled: &mut Filled,
        hash: u64,
        i: usize,
        same_token: impl Fn(usize, usize) -> bool,
    ) {
        let Some(owner) = u32::try_from(i).ok().and_then(|i| i.checked_add(1)) else {
            return;
        };
        let (mut slot, tag) = self.place(hash);
        for _ in 0..self.tags.len() {
            let (Some(found), Some(held)) = (self.tags.get_mut(slot), filled.owners.get_mut(slot))
            else {
                return;
            };
            if *found == 0 {
                *found = tag;
                *held = owner;
                return;
            }
            if *found == tag {
                let existing = usize::try_from(held.wrapping_sub(1)).unwrap_or(usize::MAX);
                if same_token(i, existing) {
                    filled.duplicates.push((existing, i));
                    return;
                }
            }
            slot = self.next(slot);
        }
    }
}

/// How many regions [`DigestIndex::insert_all`] fills a table of `slots` slots in: a power of
/// two, each region holding about [`REGION_BYTES`] of tags and owners, at most [`MAX_REGIONS`];
/// 1 (fill in order) when the table is under two regions.
fn regions(slots: usize) -> usize {
    let slot_bytes = size_of::<u16>() + size_of::<u32>();
    let regions = (slots.saturating_mul(slot_bytes) / REGION_BYTES).min(MAX_REGIONS);
    if regions < 2 { 1 } else { 1 << regions.ilog2() }
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
    // The length's low byte goes in the last word's top byte (the specification's `b`); the
    // tail is at most seven bytes, so it never reaches it.
    last[7] = message.len() as u8;
    let m = u64::from_le_bytes(last);
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

    /// Key material 01 08 0f … (seven apart).
    fn material() -> [u8; 32] {
        std::array::from_fn(|i| u8::try_from(i * 7 + 1).unwrap_or(0))
    }

    #[test]
    fn the_key_folds_all_256_bits_of_the_key_material() {
        let material = material();
        let index = DigestIndex::with_capacity(3, &material);
        // The four little-endian words, folded pairwise: every bit of the material counts.
        let words = [
            0x322b_241d_160f_0801_u64,
            0x6a63_5c55_4e47_4039,
            0xa29b_948d_867f_7871,
            0xdad3_ccc5_beb7_b0a9,
        ];
        assert_eq!(index.key, [words[0] ^ words[2], words[1] ^ words[3]]);
        assert_eq!(index.key, [0x90b0_b090_9070_7070, 0xb0b0_9090_f0f0_f090]);
        assert_eq!(index.slots(), 8);
        assert_eq!(DigestIndex::with_capacity(30, &material).slots(), 41);
    }

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
    fn the_keyed_hash_is_siphash_1_3_under_the_folded_key() {
        // std's `DefaultHasher::new()` is SipHash-1-3 under the zero key (a second opinion,
        // though std does not promise the algorithm), and `write` feeds the bytes as they are.
        let long: Vec<u8> = (0..40u8).map(|i| i.wrapping_mul(91)).collect();
        for len in 0..long.len() {
            let mut std = std::hash::DefaultHasher::new();
            std::hash::Hasher::write(&mut std, &long[..len]);
            assert_eq!(
                siphash13([0, 0], &long[..len]),
                std::hash::Hasher::finish(&std),
                "length {len}"
            );
        }
        // Under a key, pinned (values from an independent SipHash-1-3): `hash` is SipHash-1-3
        // of the token under the index's key.
        let material = material();
        let index = DigestIndex::with_capacity(3, &material);
        assert_eq!(
            index.hash(b"07401b.f395accd246ae52d"),
            0x3285_0ee7_32d8_2f11
        );
        assert_eq!(index.hash(b""), 0x8121_adfe_d196_6a00);
        assert_ne!(index.hash(b"a"), index.hash(b"b"));
    }

    #[test]
    fn a_table_is_filled_in_regions_of_64_kib_of_tags_and_owners() {
        // Six bytes a slot (a 16-bit tag and a 32-bit owner); under two regions, in order.
        assert_eq!(REGION_BYTES, 65_536);
        assert_eq!(regions(0), 1);
        assert_eq!(regions(16_384), 1); // 96 KiB
        assert_eq!(regions(21_845), 1); // 131 070 bytes
        assert_eq!(regions(21_846), 2); // 131 076 bytes
        assert_eq!(regions(43_690), 2); // 3.99 regions: rounded down to a power of two
        assert_eq!(regions(43_691), 4);
        assert_eq!(regions(120_001), 8); // 10.98 regions
        assert_eq!(regions(1_333_334), 64); // a million tokens: 122 regions
        assert_eq!(regions(usize::MAX), MAX_REGIONS);
        assert_eq!(MAX_REGIONS, 4096);
    }

    #[test]
    fn colliding_slots_and_tags_stay_apart() {
        // Same first slot and same tag, different tokens; then a different tag; all probing
        // past the end of the table and wrapping around (low hash bits all ones).
        let hashes = [u64::MAX, u64::MAX, u64::MAX, u64::MAX ^ 0xff00, u64::MAX];
        let token_of = [0, 1, 2, 3, 1];
        let mut index = DigestIndex::with_capacity(4, &[7; 32]);
        assert_eq!(index.tags.len(), 8);
        let filled = index.insert_all(&hashes, |i, j| token_of[i] == token_of[j]);
        assert_eq!(filled.owners, [2, 3, 4, 0, 0, 0, 0, 1]);
        assert_eq!(filled.duplicates, [(1, 4)]);
        assert_eq!(index.tags, [0xffff, 0xffff, 0xff, 0, 0, 0, 0, 0xffff]);
        // `find` hashes with the key: tokens inserted under their real keyed hashes are found,
        // others are not.
        let tokens: [&[u8]; 4] = [b"a", b"b", b"c", b"d"];
        let digests: Vec<TokenDigest> = tokens.iter().map(|t| TokenDigest::of(t)).collect();
        let mut index = DigestIndex::with_capacity(tokens.len(), &[7; 32]);
        let hashes: Vec<u64> = tokens.iter().map(|t| index.hash(t)).collect();
        let filled = index.insert_all(&hashes, |i, j| digests[i] == digests[j]);
        let at = |slot: usize| {
            let owner = *filled.owners.get(slot)?;
            digests
                .get(usize::try_from(owner).ok()?.checked_sub(1)?)
                .copied()
        };
        for (i, t) in tokens.iter().enumerate() {
            let slot = index.find(t, at).unwrap();
            assert_eq!(filled.owners[slot], i as u32 + 1);
        }
        assert_eq!(index.find(b"e", at), None);
    }

    #[test]
    fn filling_by_region_matches_filling_in_order() {
        // 90 000 entries (a table of 120 001 slots: 8 regions), some repeating an earlier token,
        // with made-up hashes that crowd the table's end and wrap around it.
        let token_of = |i: usize| if i % 7 == 6 { i / 3 } else { i };
        let hash_of = |t: usize| {
            let t = t as u64;
            let spread = t.wrapping_mul(0x9e37_79b9_7f4a_7c15);
            if t.is_multiple_of(5) {
                spread | 0xfff0 << 48
            } else {
                spread
            }
        };
        let hashes: Vec<u64> = (0..90_000).map(|i| hash_of(token_of(i))).collect();
        let same = |i: usize, j: usize| token_of(i) == token_of(j);
        let mut by_region = DigestIndex::with_capacity(hashes.len(), &[3; 32]);
        assert_eq!(regions(by_region.tags.len()), 8);
        assert_eq!(by_region.tags.len(), 120_001);
        let filled = by_region.insert_all(&hashes, same);
        let mut in_order = DigestIndex::with_capacity(hashes.len(), &[3; 32]);
        let mut want = Filled {
            owners: vec![0; in_order.tags.len()],
            duplicates: Vec::new(),
        };
        for (i, &h) in hashes.iter().enumerate() {
            in_order.insert(&mut want, h, i, same);
        }
        // Repeats of a token that is itself a repeat are new tokens.
        let repeats = (0..90_000)
            .filter(|i| i % 7 == 6 && (i / 3) % 7 != 6)
            .count();
        assert_eq!(want.duplicates.len(), repeats);
        assert!(repeats > 8_000);
        let mut duplicates = filled.duplicates;
        duplicates.sort_unstable_by_key(|&(_, later)| later);
        assert_eq!(duplicates, want.duplicates);
        // The same entries got slots, wherever linear probing put them, each with its tag.
        let mut a: Vec<(u32, u16)> = filled.owners.iter().copied().zip(by_region.tags).collect();
        let mut b: Vec<(u32, u16)> = want.owners.iter().copied().zip(in_order.tags).collect();
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a, b);
    }
}
