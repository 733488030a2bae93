// Reads committed test keys from tests/data/pki (the test, not the library, does I/O).
#![allow(clippy::disallowed_methods)]
// Test helpers outside #[test] functions unwrap too: a panic there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

//! The kubelet's request built from each key format client-go loads, read back the way the
//! API server reads it, and the `node-csr-` name of PROTOCOL.md §5.3 from the vector key.

use std::net::IpAddr;

use kube_tls_bootstrap::pki::checks::{
    self, KUBELET_CLIENT_USAGES, KUBELET_CLIENT_USAGES_WITH_KEY_ENCIPHERMENT,
};
use kube_tls_bootstrap::pki::{
    CertificateRequest, KeyError, KeyKind, PrivateKey, SignatureAlgorithm, Subject, kubelet,
};

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/data/pki/{rel}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn client_csr_from_every_key_format() {
    let cases = [
        (
            "corpus/keys/p256.key",
            KeyKind::EcdsaP256,
            SignatureAlgorithm::EcdsaWithSha256,
        ),
        (
            "keys/p256-sec1.key",
            KeyKind::EcdsaP256,
            SignatureAlgorithm::EcdsaWithSha256,
        ),
        (
            "keys/p256-with-ec-parameters.key",
            KeyKind::EcdsaP256,
            SignatureAlgorithm::EcdsaWithSha256,
        ),
        (
            "corpus/keys/p384.key",
            KeyKind::EcdsaP384,
            SignatureAlgorithm::EcdsaWithSha384,
        ),
        (
            "keys/p384-sec1.key",
            KeyKind::EcdsaP384,
            SignatureAlgorithm::EcdsaWithSha384,
        ),
        (
            "corpus/keys/p521.key",
            KeyKind::EcdsaP521,
            SignatureAlgorithm::EcdsaWithSha512,
        ),
        (
            "corpus/keys/rsa2048.key",
            KeyKind::Rsa { bits: 2048 },
            SignatureAlgorithm::Sha256WithRsa,
        ),
        (
            "keys/rsa2048-pkcs1.key",
            KeyKind::Rsa { bits: 2048 },
            SignatureAlgorithm::Sha256WithRsa,
        ),
        (
            "keys/rsa4096-pkcs1.key",
            KeyKind::Rsa { bits: 4096 },
            SignatureAlgorithm::Sha512WithRsa,
        ),
        (
            "corpus/keys/ed25519.key",
            KeyKind::Ed25519,
            SignatureAlgorithm::Ed25519,
        ),
    ];
    for (file, kind, alg) in cases {
        let key = PrivateKey::from_pem(&read(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(key.public_key().kind(), &kind, "{file}");
        let pem = kubelet::client_csr_pem(&key, "node-x").unwrap();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE REQUEST-----\n") && !pem.contains('\r'));
        let csr =
            CertificateRequest::from_pem(pem.as_bytes()).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(csr.signature_algorithm(), alg, "{file}");
        assert_eq!(csr.subject(), &Subject::kubelet("node-x"));
        assert_eq!(
            csr.name().der(),
            Subject::kubelet("node-x").to_der().as_slice()
        );
        assert_eq!(csr.public_key().spki_der(), key.public_key().spki_der());
        assert!(csr.extensions().is_empty());
        let usages = kubelet::client_usages(&kind);
        assert_eq!(
            checks::validate_kubelet_client(&csr, &usages),
            Ok(()),
            "{file}"
        );
        assert!(!format!("{key:?}").contains("BEGIN"));
    }
}

#[test]
fn serving_csr_carries_dns_and_ip_sans() {
    let key = PrivateKey::from_pem(&read("keys/p256-sec1.key")).unwrap();
    let ips: Vec<IpAddr> = vec!["10.0.0.7".parse().unwrap(), "fd00::7".parse().unwrap()];
    let pem = kubelet::serving_csr_pem(&key, "node-x", &["node-x.example".into()], &ips).unwrap();
    let csr = CertificateRequest::from_pem(pem.as_bytes()).unwrap();
    assert_eq!(csr.subject_alt_names().dns_names, ["node-x.example"]);
    assert_eq!(csr.subject_alt_names().ip_addresses, ips);
    assert_eq!(csr.extensions().len(), 1);
    assert!(!csr.extensions()[0].critical);
    let serving = [
        kube_tls_bootstrap::pki::Usage::parse("digital signature"),
        kube_tls_bootstrap::pki::Usage::parse("server auth"),
    ];
    assert_eq!(checks::validate_kubelet_serving(&csr, &serving), Ok(()));
}

#[test]
fn keys_no_signer_here_supports_are_refused() {
    // Neither ring nor this crate's ECDSA signers sign with Ed448, secp256k1, RSA-PSS keys or RSA
    // keys under 2048 bits.
    for file in [
        "corpus/keys/rsa1024.key",
        "corpus/keys/ed448.key",
        "corpus/keys/secp256k1.key",
        "corpus/keys/rsapss2048.key",
    ] {
        assert_eq!(
            PrivateKey::from_pem(&read(file)).unwrap_err(),
            KeyError::NoKey,
            "{file}"
        );
    }
}

#[test]
fn digest_vector_names_from_the_vector_key() {
    let text = String::from_utf8(read("digest_vectors.txt")).unwrap();
    let key = PrivateKey::from_pem(text.as_bytes()).unwrap();
    let csr =
        CertificateRequest::from_pem(kubelet::client_csr_pem(&key, "node-1").unwrap().as_bytes())
            .unwrap();
    assert_eq!(
        checks::node_csr_name_for(&csr, &KUBELET_CLIENT_USAGES),
        "node-csr-_Dlqy0GCl6yM-9jDuspNrDSnalbH_12S2jkAzH84IgE"
    );
    assert_eq!(
        checks::node_csr_name_for(&csr, &KUBELET_CLIENT_USAGES_WITH_KEY_ENCIPHERMENT),
        "node-csr-HWiT58qghjndqHtSo0fPRGOwvLNltY8NGll9C4Gp2m0"
    );
    let worker = Subject::kubelet("worker-0.example.com");
    assert_eq!(
        checks::node_csr_name(key.public_key().spki_der(), &worker, &KUBELET_CLIENT_USAGES),
        "node-csr-xYF4UPqCcBXec5kVyjxaiSLy-8Hp_r34PeUb1IVCRsI"
    );
}

#[test]
fn keys_are_written_as_client_go_writes_them() {
    // PKCS#8 in, SEC 1 / PKCS#1 out: the same bytes openssl's `ec` and `rsa -traditional` write.
    for (pkcs8, expected) in [
        ("corpus/keys/p256.key", "keys/p256-sec1.key"),
        ("corpus/keys/p384.key", "keys/p384-sec1.key"),
        ("corpus/keys/rsa2048.key", "keys/rsa2048-pkcs1.key"),
        ("keys/rsa4096-pkcs1.key", "keys/rsa4096-pkcs1.key"),
        ("keys/p256-with-ec-parameters.key", "keys/p256-sec1.key"),
    ] {
        let key = PrivateKey::from_pem(&read(pkcs8)).unwrap();
        assert_eq!(key.to_pem().into_bytes(), read(expected), "{pkcs8}");
    }
    let ed = PrivateKey::from_pem(&read("corpus/keys/ed25519.key")).unwrap();
    assert_eq!(ed.to_pem().into_bytes(), read("corpus/keys/ed25519.key"));
}
