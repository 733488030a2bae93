//! `status.certificate` validation and certificate parsing never panic.
#![no_main]

use kube_tls_bootstrap::pki::{certificate, validate_certificate_pem};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let verdict = validate_certificate_pem(data);
    let _ = verdict.map_err(|e| e.to_string());
    if let Ok(certs) = certificate::parse_certificates_der(data) {
        for c in certs {
            assert!(c.subject_der().len() >= 2);
            let _ = (c.not_before(), c.not_after(), c.subject_key_id());
        }
    }
    let _ = certificate::parse_certificates_pem(data);
});
