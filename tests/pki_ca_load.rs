// Reads the committed test CA and keys from tests/data/pki (the test, not the library, does I/O).
#![allow(clippy::disallowed_methods)]
// Test helpers outside #[test] functions unwrap too: a panic there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

//! Loading the signer's CA as kube-controller-manager does (`tls.X509KeyPair` in the file
//! loader, then `ca_provider.setCA`): key formats, and the error texts with their file prefix.

use kube_tls_bootstrap::pki::{CaError, CertificateAuthority};

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/data/pki/{rel}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn load(cert: &[u8], key: &[u8]) -> Result<CertificateAuthority, CaError> {
    CertificateAuthority::from_pem(cert, key)
}

#[test]
fn loads_every_key_format() {
    let cert = read("corpus/ca/ca.crt");
    let sec1 = read("corpus/ca/ca.key");
    assert!(load(&cert, &sec1).is_ok());
    let rsa = load(&read("ca-rsa/ca.crt"), &read("ca-rsa/ca.key")).unwrap();
    assert!(format!("{rsa:?}").contains("[elided]"));
    assert!(load(&read("ca-ed25519/ca.crt"), &read("ca-ed25519/ca.key")).is_ok());
}

#[test]
fn kubernetes_errors() {
    let cert = read("corpus/ca/ca.crt");
    let key = read("corpus/ca/ca.key");
    let msg = |e: CaError| e.kubernetes_message("ca.crt", "ca.key");

    let two = [cert.clone(), cert.clone()].concat();
    assert_eq!(
        msg(load(&two, &key).unwrap_err()),
        r#"error reading CA cert file "ca.crt": expected 1 certificate, found 2"#
    );
    assert_eq!(
        msg(load(&cert, &read("corpus/keys/p256.key")).unwrap_err()),
        r#"error reading CA cert file "ca.crt": tls: private key does not match public key"#
    );
    assert_eq!(
        msg(load(&key, &key).unwrap_err()),
        r#"error reading CA cert file "ca.crt": tls: failed to find certificate PEM data in certificate input, but did find a private key; PEM inputs may have been switched"#
    );
    assert_eq!(
        msg(load(b"junk", &key).unwrap_err()),
        r#"error reading CA cert file "ca.crt": tls: failed to find any PEM data in certificate input"#
    );
    assert_eq!(
        msg(load(&cert, b"").unwrap_err()),
        r#"error reading CA cert file "ca.crt": missing content for serving cert "csr-controller::ca.crt::ca.key""#
    );
    assert_eq!(
        msg(load(&cert, &cert).unwrap_err()),
        r#"error reading CA cert file "ca.crt": tls: found a certificate rather than a key in the PEM for the private key"#
    );
    assert_eq!(
        msg(load(
            &cert,
            b"-----BEGIN A-----\n-----END A-----\n-----BEGIN B-----\n-----END B-----\n"
        )
        .unwrap_err()),
        r#"error reading CA cert file "ca.crt": tls: failed to find PEM block with type ending in "PRIVATE KEY" in key input after skipping PEM blocks of the following types: [A B]"#
    );
    assert_eq!(
        msg(load(
            &cert,
            b"-----BEGIN PRIVATE KEY-----\nAQID\n-----END PRIVATE KEY-----\n"
        )
        .unwrap_err()),
        r#"error reading CA cert file "ca.crt": tls: failed to parse private key"#
    );
    assert_eq!(
        msg(load(&cert, &read("ca-rsa/ca.key")).unwrap_err()),
        r#"error reading CA cert file "ca.crt": tls: private key type does not match public key type"#
    );
    // tls.X509KeyPair takes any "… PRIVATE KEY" label; client-go's loader only the three exact ones.
    let relabelled = String::from_utf8(key.clone())
        .unwrap()
        .replace("EC PRIVATE KEY", "FOO PRIVATE KEY");
    assert_eq!(
        msg(load(&cert, relabelled.as_bytes()).unwrap_err()),
        r#"error reading CA key file "ca.key": data does not contain a valid RSA or ECDSA private key"#
    );
}
