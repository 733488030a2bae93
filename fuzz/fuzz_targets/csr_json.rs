//! CSR JSON → decode, validate on create and on every update endpoint, run the strategies, the
//! kubectl views and the cleaner. Nothing may panic, and whatever decodes encodes back to an
//! equal object.
#![no_main]

use kube_tls_bootstrap::csr::{
    self, CertificateSigningRequest, Endpoint, cleaner, decode_document, kubectl,
};
use kube_tls_bootstrap::identity::UserInfo;
use kube_tls_bootstrap::time::Timestamp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(csrs) = decode_document(data) else {
        return;
    };
    let now = Timestamp::from_unix(1_740_832_212);
    for c in &csrs {
        let encoded = c.to_json();
        let back = CertificateSigningRequest::from_json(encoded.as_bytes());
        assert_eq!(back.as_ref(), Ok(c), "{encoded}");

        let _ = csr::validate_create(c);
        let mut created = c.clone();
        csr::prepare_for_create(&mut created, Some(&UserInfo::new("fuzz", ["g"])));
        let _ = csr::validate_create(&created);
        let _ = kubectl::condition(c);
        let _ = kubectl::certificate(c, kubectl::CertificateCommand::Approve, true, now);
        let _ = cleaner::cleanup_reason(c, now);
    }
    // Every pair as (new, old) on every endpoint.
    for old in csrs.iter().take(4) {
        for new in csrs.iter().take(4) {
            for endpoint in [Endpoint::Main, Endpoint::Status, Endpoint::Approval] {
                let _ = csr::validate_update(endpoint, new, old);
                let _ = csr::update(endpoint, new.clone(), old, now);
            }
        }
    }
    let _ = kubectl::get_table(&csrs, now);
    let _ = cleaner::plan(&csrs, now);
});
