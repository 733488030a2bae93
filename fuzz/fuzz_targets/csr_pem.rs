//! `spec.request` as the API server reads it (PEM, PKCS#10 parse, self-signature) never
//! panics; both entry points agree, and so does `from_pem_verified` with any proof; what parses
//! re-reads identically from its own PEM, its key as Go marshals it re-reads as the same key,
//! and the checks and the CSR name run on it.
#![no_main]

use kube_tls_bootstrap::pki::{CertificateRequest, PublicKey, UnverifiedRequest, checks, pem};
use libfuzzer_sys::fuzz_target;

const KUBELET_CSR: &[u8] =
    include_bytes!("../../tests/data/pki/corpus/kubelet-client-p256.csr.pem");

fuzz_target!(|data: &[u8]| {
    let _ = pem::Blocks::new(data).count();
    // The one-step path (point check deferred) and the two-step path agree on every input.
    let one_step = CertificateRequest::from_pem(data);
    let two_step = UnverifiedRequest::from_pem(data).and_then(UnverifiedRequest::verify);
    assert_eq!(one_step, two_step);
    // A proof of other bytes changes nothing; a proof of these bytes changes only the cost.
    let fixed = CertificateRequest::from_pem(KUBELET_CSR).expect("fixed CSR verifies");
    assert_eq!(
        CertificateRequest::from_pem_verified(data, &fixed.verified_digest()),
        one_step
    );
    if let Ok(verified) = &one_step {
        assert_eq!(
            CertificateRequest::from_pem_verified(data, &verified.verified_digest()).as_ref(),
            Ok(verified)
        );
    }
    let Ok(parsed) = UnverifiedRequest::from_pem(data) else {
        return;
    };
    let request = parsed.unverified();
    let again = UnverifiedRequest::from_pem(request.to_pem().as_bytes()).expect("re-read own PEM");
    assert_eq!(again.unverified(), request);
    let _ = checks::node_csr_name_for(request, &checks::KUBELET_CLIENT_USAGES);
    let _ = request.public_key().kind().name();
    // The key as Go marshals it back reads as the same key.
    let key = request.public_key();
    let marshalled = PublicKey::from_spki_der(&key.marshal_pkix_der()).expect("re-read own SPKI");
    assert_eq!(marshalled.kind(), key.kind());
    assert_eq!(marshalled.marshal_pkix_der(), key.marshal_pkix_der());
    if !key.kind().is_rsa() {
        // An RSA key is re-encoded from its modulus and exponent; the others are copied.
        assert_eq!(marshalled.key_bytes(), key.key_bytes());
    }
    if let Ok(verified) = parsed.verify() {
        let _ = checks::validate_kubelet_client(&verified, &checks::KUBELET_CLIENT_USAGES);
        let _ = checks::validate_kubelet_serving(&verified, &checks::KUBELET_CLIENT_USAGES);
        let _ = verified.name().subject();
    }
});
