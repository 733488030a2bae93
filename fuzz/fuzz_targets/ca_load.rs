//! Loading a CA (certificate PEM, a NUL byte, key PEM) never panics; a CA that loads signs a
//! fixed kubelet CSR with NotAfter never past its own, its certificate's key verifies what its
//! key signed (Go's `CreateCertificate` check), and signing twice gives the same bytes.
#![no_main]

use kube_tls_bootstrap::pki::{CertificateAuthority, CertificateRequest, KeyUsage};
use kube_tls_bootstrap::time::Timestamp;
use libfuzzer_sys::fuzz_target;

const CSR: &[u8] = include_bytes!("../../tests/data/pki/corpus/kubelet-client-p256.csr.pem");

fuzz_target!(|data: &[u8]| {
    let (cert, key) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let Ok(ca) = CertificateAuthority::from_pem(cert, key) else {
        return;
    };
    let request = CertificateRequest::from_pem(CSR).expect("fixed CSR parses");
    let now = Timestamp::from_unix(1_900_000_000);
    let usages = [KeyUsage::DigitalSignature, KeyUsage::ClientAuth];
    if let Ok(unsigned) = ca
        .issuer()
        .prepare(&request, &usages, None, 31_536_000, now, &[0x5a; 16])
    {
        // The loaded key is the certificate's: what it signs, the certificate's key verifies.
        let signature = ca
            .key()
            .sign(unsigned.tbs_der())
            .expect("a loaded key signs");
        let issued = ca
            .issuer()
            .check_signed(unsigned, &signature)
            .expect("the CA certificate's key verifies its key's signature");
        assert!(issued.not_after() <= ca.certificate().not_after());
        assert!(
            issued.not_before() < issued.not_after()
                || issued.not_after() == ca.certificate().not_after()
        );
        let again = ca
            .sign(&request, &usages, None, 31_536_000, now, &[0x5a; 16])
            .expect("signs as prepared");
        assert_eq!(again, issued, "signing is deterministic");
    }
});
