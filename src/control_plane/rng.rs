//! The machine's deterministic randomness: SplitMix64 over the seed given at construction.
//!
//! Kubernetes draws UIDs, `generateName` suffixes and serial numbers from the operating system;
//! the machine draws them from this generator so that a run is reproducible from its seed and
//! its inputs. It is not a cryptographic generator: serial numbers need to be unique, not secret
//! (RFC 5280 asks for uniqueness; CA/B Forum's 64 bits of entropy apply to public CAs), and a
//! caller who wants OS randomness seeds the machine from it.

use crate::csr::NameSuffix;

/// SplitMix64 (Steele, Lea, Flood 2014): one `u64` of state, every output a bijective mix of a
/// Weyl sequence.
#[derive(Clone, Debug)]
pub(super) struct SplitMix64(u64);

impl SplitMix64 {
    pub(super) const fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(super) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub(super) fn bytes16(&mut self) -> [u8; 16] {
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&self.next_u64().to_be_bytes());
        out[8..].copy_from_slice(&self.next_u64().to_be_bytes());
        out
    }

    /// A version-4-shaped UUID, as the API server assigns `metadata.uid`: lowercase hex in
    /// groups of 8-4-4-4-12 digits.
    pub(super) fn uuid(&mut self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut b = self.bytes16();
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let mut uuid = String::with_capacity(36);
        for (i, byte) in b.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                uuid.push('-');
            }
            uuid.push(char::from(HEX[usize::from(byte >> 4)]));
            uuid.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
        uuid
    }

    /// Five characters of `bcdfghjklmnpqrstvwxz2456789`, as `generateName` appends.
    pub(super) fn name_suffix(&mut self) -> NameSuffix {
        loop {
            let bytes = self.next_u64().to_le_bytes();
            // Bytes whose low five bits index past the 27-letter alphabet are skipped; eight
            // bytes hold five usable ones with probability > 0.99, and the loop draws again
            // otherwise (it ends with probability 1).
            if let Some(suffix) = NameSuffix::from_random_bytes(&bytes) {
                return suffix;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_well_formed() {
        let mut a = SplitMix64::new(7);
        let mut b = SplitMix64::new(7);
        assert_eq!(a.next_u64(), b.next_u64());
        let uuid = a.uuid();
        assert_eq!(uuid.len(), 36);
        assert_eq!(&uuid[14..15], "4");
        // The layout of `format!("{:02x}")` over the bytes, cut 8-4-4-4-12.
        let mut c = SplitMix64::new(7);
        c.next_u64();
        let mut bytes = c.clone().bytes16();
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        let hex: String = bytes.iter().map(|x| format!("{x:02x}")).collect();
        let expected = format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        );
        assert_eq!(c.uuid(), expected);
        assert_eq!(uuid, expected);
        assert_eq!(a.name_suffix().as_str().len(), 5);
        // The reference SplitMix64 output for seed 0.
        assert_eq!(SplitMix64::new(0).next_u64(), 0xe220_a839_7b1d_cdaf);
    }
}
