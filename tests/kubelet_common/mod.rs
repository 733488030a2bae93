//! Shared by the kubelet tests: the test CA of `tests/data/pki/corpus/ca/`, deterministic keys
//! and certificates issued the way the kubelet-client signer issues them.
#![allow(dead_code, unreachable_pub)]
#![allow(clippy::disallowed_methods, clippy::unwrap_used, clippy::expect_used)]

use kube_tls_bootstrap::pki::{
    CertificateAuthority, CertificateRequest, KeyUsage, PrivateKey, kubelet,
};
use kube_tls_bootstrap::time::{Instant, Timestamp};

pub const NOW: &str = "2026-12-01T09:00:00Z";

pub fn now() -> Instant {
    Instant::from(Timestamp::parse_rfc3339(NOW).unwrap())
}

pub fn ca() -> CertificateAuthority {
    CertificateAuthority::from_pem(
        &std::fs::read("tests/data/pki/corpus/ca/ca.crt").unwrap(),
        &std::fs::read("tests/data/pki/corpus/ca/ca.key").unwrap(),
    )
    .unwrap()
}

/// A P-256 key from a seed byte (the scalar `[seed; 32]`, valid for 1..=0xfe).
pub fn key(seed: u8) -> PrivateKey {
    PrivateKey::ecdsa_p256_from_random_bytes(&[seed.clamp(1, 0xfe); 32]).unwrap()
}

/// A client certificate for `node` and `key`, valid from `now - 5m` for `ttl_seconds - 5m`,
/// as PEM.
pub fn issue(
    ca: &CertificateAuthority,
    key: &PrivateKey,
    node: &str,
    now: Timestamp,
    ttl_seconds: i64,
) -> String {
    let csr = CertificateRequest::from_pem(kubelet::client_csr_pem(key, node).unwrap().as_bytes())
        .unwrap();
    ca.sign(
        &csr,
        &[KeyUsage::DigitalSignature, KeyUsage::ClientAuth],
        None,
        ttl_seconds,
        now,
        &[0x42; 16],
    )
    .unwrap()
    .to_pem()
}

pub mod server;

/// The NotAfter of the first certificate in `pem`.
pub fn not_after_of(pem: &str) -> Instant {
    let leaf = kube_tls_bootstrap::pki::certificate::parse_certificates_pem(pem.as_bytes())
        .unwrap()
        .remove(0);
    Instant::from(leaf.not_after())
}

/// How the kubelet reaches the test cluster's API server: `https://10.0.0.1:6443`, trusting
/// `ca`, with no credential of its own.
pub fn client_config(
    ca: kube_tls_bootstrap::kubeconfig::CertificateAuthority,
) -> kube_tls_bootstrap::kubeconfig::ClientConfig {
    kube_tls_bootstrap::kubeconfig::ClientConfig {
        server: "https://10.0.0.1:6443".into(),
        tls_server_name: String::new(),
        insecure_skip_tls_verify: false,
        certificate_authority: ca,
        credential: kube_tls_bootstrap::kubeconfig::Credential::None,
    }
}

pub const BOOTSTRAP_TOKEN: &str = "abcdef.0123456789abcdef";

/// A bootstrap kubeconfig with a token and the test CA as data.
pub fn bootstrap_kubeconfig() -> String {
    use base64::Engine as _;
    let ca = base64::engine::general_purpose::STANDARD
        .encode(std::fs::read("tests/data/pki/corpus/ca/ca.crt").unwrap());
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: kubernetes\n  cluster:\n    server: https://10.0.0.1:6443\n    certificate-authority-data: {ca}\ncontexts:\n- name: tls-bootstrap-token-user@kubernetes\n  context:\n    cluster: kubernetes\n    user: tls-bootstrap-token-user\ncurrent-context: tls-bootstrap-token-user@kubernetes\nusers:\n- name: tls-bootstrap-token-user\n  user:\n    token: {BOOTSTRAP_TOKEN}\n"
    )
}
