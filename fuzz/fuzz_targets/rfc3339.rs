//! RFC 3339 parsing never panics, and what parses prints back to an equal instant.
#![no_main]

use kube_tls_bootstrap::time::{Timestamp, parse_rfc3339};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(t) = parse_rfc3339(s) {
        let printed = t.timestamp.to_string();
        if (0..=9999).contains(&t.timestamp.to_civil().0) {
            assert_eq!(
                Timestamp::parse_rfc3339(&printed),
                Ok(t.timestamp),
                "{s:?} -> {printed}"
            );
        }
    }
});
