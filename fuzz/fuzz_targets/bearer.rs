//! `Authorization` header reading never panics and agrees with a direct reading of Kubernetes'
//! rules: trim, split on single spaces into at most three parts, `bearer` in any case, a
//! non-empty second part.
#![no_main]

use kube_tls_bootstrap::identity::BearerHeader;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(header) = std::str::from_utf8(data) else {
        return;
    };
    let parts: Vec<&str> = header.trim().splitn(3, ' ').collect();
    let is_bearer = parts.len() >= 2 && parts[0].to_lowercase() == "bearer";
    match BearerHeader::parse(header) {
        BearerHeader::Token(token) => {
            assert!(is_bearer);
            assert_eq!(token.expose(), parts[1]);
            assert!(!token.expose().is_empty() && !token.expose().contains(' '));
        }
        BearerHeader::ExtraSpace => assert!(is_bearer && parts[1].is_empty() && parts.len() == 3),
        BearerHeader::Absent => assert!(!is_bearer || parts[1].is_empty()),
        _ => unreachable!("no other outcome exists"),
    }
});
