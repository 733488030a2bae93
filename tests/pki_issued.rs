// Reads the committed corpus from tests/data/pki/corpus (the test, not the library, does I/O).
#![allow(clippy::disallowed_methods)]
// Test helpers outside #[test] functions unwrap too: a panic there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

//! Every certificate the Go reference signer issued (`corpus/issued/`, `signer sign`: usages
//! digital signature, key encipherment, client auth; TTL 8760 h; backdate 5 min) is reproduced
//! from its CSR with the same `now` and serial: the whole to-be-signed certificate is equal
//! byte for byte (so every field is), the signature algorithm is equal, and our ECDSA
//! signature verifies under the CA key (ECDSA signature bytes differ by design).

use std::path::{Path, PathBuf};

use der::{Decode as _, Encode as _};
use kube_tls_bootstrap::pki::authority::DEFAULT_SIGNING_DURATION_SECONDS;
use kube_tls_bootstrap::pki::{CertificateAuthority, CertificateRequest, KeyUsage, pem};
use kube_tls_bootstrap::time::Timestamp;

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/pki/corpus")
}

fn ca() -> CertificateAuthority {
    let dir = corpus().join("ca");
    CertificateAuthority::from_pem(
        &std::fs::read(dir.join("ca.crt")).unwrap(),
        &std::fs::read(dir.join("ca.key")).unwrap(),
    )
    .unwrap()
}

fn der_of(path: &Path) -> Vec<u8> {
    pem::decode(&std::fs::read(path).unwrap())
        .unwrap()
        .0
        .contents
}

const USAGES: [KeyUsage; 3] = [
    KeyUsage::DigitalSignature,
    KeyUsage::KeyEncipherment,
    KeyUsage::ClientAuth,
];

#[test]
fn every_issued_certificate_is_reproduced() {
    let ca = ca();
    let mut names: Vec<_> = std::fs::read_dir(corpus().join("issued"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names.len(), 23);
    for name in &names {
        let go_der = der_of(&corpus().join("issued").join(name));
        let go = x509_cert::Certificate::from_der(&go_der).unwrap();
        let go_tbs = go.tbs_certificate();
        let not_before = go_tbs.validity().not_before.to_unix_duration().as_secs();
        let now = Timestamp::from_unix(i64::try_from(not_before).unwrap() + 300);
        let serial_bytes = go_tbs.serial_number().as_bytes();
        let mut serial = [0u8; 16];
        let magnitude = serial_bytes.strip_prefix(&[0]).unwrap_or(serial_bytes);
        serial[16 - magnitude.len()..].copy_from_slice(magnitude);

        let csr_file = name.replace(".crt.pem", ".csr.pem");
        let csr = CertificateRequest::from_pem(&std::fs::read(corpus().join(&csr_file)).unwrap())
            .unwrap();
        let ours = ca
            .sign(
                &csr,
                &USAGES,
                None,
                DEFAULT_SIGNING_DURATION_SECONDS,
                now,
                &serial,
            )
            .unwrap();
        let mine = x509_cert::Certificate::from_der(ours.der()).unwrap();

        let go_tbs_der = go_tbs.to_der().unwrap();
        let my_tbs_der = mine.tbs_certificate().to_der().unwrap();
        assert_eq!(
            mine.tbs_certificate().subject(),
            go_tbs.subject(),
            "{name}: subject"
        );
        assert_eq!(
            mine.tbs_certificate().extensions(),
            go_tbs.extensions(),
            "{name}: extensions"
        );
        assert_eq!(my_tbs_der, go_tbs_der, "{name}: TBS bytes");
        assert_eq!(
            mine.signature_algorithm(),
            go.signature_algorithm(),
            "{name}"
        );

        // Raw TBS bytes as signed (x509-cert re-encodes; ours must already be canonical).
        let raw_tbs = kube_tls_bootstrap_tbs(ours.der());
        assert_eq!(raw_tbs, my_tbs_der, "{name}: our encoding is canonical DER");
        let ca_point = ca.certificate().public_key().key_bytes().to_vec();
        ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_ASN1, ca_point)
            .verify(&raw_tbs, mine.signature().raw_bytes())
            .unwrap_or_else(|_| panic!("{name}: our signature verifies"));
    }
}

/// The TBS element of a DER certificate as encoded (first element of the outer SEQUENCE).
fn kube_tls_bootstrap_tbs(cert: &[u8]) -> Vec<u8> {
    let mut reader = der::SliceReader::new(cert).unwrap();
    let outer = der::Header::decode(&mut reader).unwrap();
    assert_eq!(outer.tag(), der::Tag::Sequence);
    let any = der::asn1::AnyRef::decode(&mut reader).unwrap();
    any.to_der().unwrap()
}

/// §7.4: the identity the API server derives from an issued certificate — CN as the user, the
/// O values in their DER order as groups (Go sorts a multi-valued RDN's values when encoding).
#[test]
fn identity_from_the_issued_certificate() {
    let ca = ca();
    let key = kube_tls_bootstrap::pki::PrivateKey::ecdsa_p256_from_random_bytes(&[3; 32]).unwrap();
    let subject = kube_tls_bootstrap::pki::Subject {
        organization: vec!["qa".into(), "dev-team".into()],
        common_name: "system:node:n1".into(),
        ..Default::default()
    };
    let pem = kube_tls_bootstrap::pki::kubelet::make_csr_pem(&key, &subject, &Default::default())
        .unwrap();
    let csr = CertificateRequest::from_pem(pem.as_bytes()).unwrap();
    let now = Timestamp::parse_rfc3339("2030-01-01T00:00:00Z").unwrap();
    let issued = ca.sign(&csr, &USAGES, None, 3600, now, &[1; 16]).unwrap();
    let cert = kube_tls_bootstrap::pki::Certificate::from_der(issued.der()).unwrap();
    assert_eq!(cert.subject().common_name, "system:node:n1");
    assert_eq!(cert.subject().organization, ["qa", "dev-team"]);
    assert_eq!(cert.not_after(), issued.not_after());
}
