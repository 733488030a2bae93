// Reads the committed CAs and CSRs from tests/data/pki (the test, not the library, does I/O);
// ring's ECDSA signer draws its nonces from the OS here, in the caller, as a deployment would.
#![allow(clippy::disallowed_methods)]
// Test helpers outside #[test] functions unwrap too: a panic there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

//! The signer with its key outside the crate: `Issuer::prepare` builds the `TBSCertificate`, the
//! caller signs it (ring with random nonces, the RustCrypto P-521 signer), and
//! `Issuer::check_signed` checks the signature as Go's `CreateCertificate` does before the
//! certificate is assembled. The TBS is the one the in-process `CertificateAuthority` signs,
//! byte for byte, and for a P-521 CA it equals what the Go reference signer `refsign` issued
//! (`tests/data/pki/ca-p521/`, see the README there).

use std::path::PathBuf;

use der::{Decode as _, Encode as _};
use kube_tls_bootstrap::pki::key::CertificateSignatureAlgorithm;
use kube_tls_bootstrap::pki::{
    CaError, CertificateAuthority, CertificateRequest, Issuer, KeyUsage, SignError, SignerFailure,
    SignerInput, UnsignedCertificate, Usage, pem,
};
use kube_tls_bootstrap::time::Timestamp;
use ring::signature::{self as rs, KeyPair as _};

fn data(rel: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/pki")
            .join(rel),
    )
    .unwrap()
}

/// The CA in `tests/data/pki/DIR` (`ca.crt`, `ca.key`).
fn load_ca(dir: &str) -> CertificateAuthority {
    CertificateAuthority::from_pem(
        &data(&format!("{dir}/ca.crt")),
        &data(&format!("{dir}/ca.key")),
    )
    .unwrap()
}

fn csr(name: &str) -> CertificateRequest {
    CertificateRequest::from_pem(&data(&format!("corpus/{name}"))).unwrap()
}

fn now() -> Timestamp {
    Timestamp::parse_rfc3339("2030-01-01T00:00:00Z").unwrap()
}

const USAGES: [KeyUsage; 3] = [
    KeyUsage::DigitalSignature,
    KeyUsage::KeyEncipherment,
    KeyUsage::ClientAuth,
];

fn prepare(issuer: &Issuer, serial: &[u8; 16]) -> UnsignedCertificate {
    issuer
        .prepare(
            &csr("kubelet-client-p256.csr.pem"),
            &USAGES,
            None,
            31_536_000,
            now(),
            serial,
        )
        .unwrap()
}

/// The `TBSCertificate` and signature of a DER certificate.
fn split(cert_der: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let cert = x509_cert::Certificate::from_der(cert_der).unwrap();
    (
        cert.tbs_certificate().to_der().unwrap(),
        cert.signature().raw_bytes().to_vec(),
    )
}

#[test]
fn ring_signs_what_the_certificate_authority_would_sign() {
    let ca = load_ca("corpus/ca");
    let issuer = ca.issuer();
    assert_eq!(
        issuer.signature_algorithm(),
        CertificateSignatureAlgorithm::EcdsaWithSha256
    );
    let unsigned = prepare(issuer, &[3; 16]);

    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = ca.key().to_pkcs8_der();
    let pair =
        rs::EcdsaKeyPair::from_pkcs8(&rs::ECDSA_P256_SHA256_ASN1_SIGNING, &pkcs8, &rng).unwrap();
    assert_eq!(
        pair.public_key().as_ref(),
        ca.certificate().public_key().key_bytes()
    );
    let signature = pair.sign(&rng, unsigned.tbs_der()).unwrap();
    let issued = issuer
        .check_signed(unsigned.clone(), signature.as_ref())
        .unwrap();

    let in_process = ca
        .sign(
            &csr("kubelet-client-p256.csr.pem"),
            &USAGES,
            None,
            31_536_000,
            now(),
            &[3; 16],
        )
        .unwrap();
    let (tbs, ring_signature) = split(issued.der());
    assert_eq!(tbs, unsigned.tbs_der());
    assert_eq!(tbs, split(in_process.der()).0);
    assert_eq!(ring_signature, signature.as_ref());
    assert_eq!(issued.not_before(), in_process.not_before());
    assert_eq!(issued.not_after(), in_process.not_after());
    assert_eq!(
        unsigned.not_after(),
        Timestamp::parse_rfc3339("2030-12-31T23:55:00Z").unwrap()
    );
    // The certificate is what the in-process signer issues but for the signature bytes.
    let ours = x509_cert::Certificate::from_der(issued.der()).unwrap();
    let theirs = x509_cert::Certificate::from_der(in_process.der()).unwrap();
    assert_eq!(ours.signature_algorithm(), theirs.signature_algorithm());
    assert_ne!(ours.signature(), theirs.signature());
}

#[test]
fn a_wrong_signature_is_refused_with_go_texts() {
    // ECDSA: the signature of other bytes.
    let ca = load_ca("corpus/ca");
    let unsigned = prepare(ca.issuer(), &[4; 16]);
    let other = ca.key().sign(b"not the certificate").unwrap();
    assert_eq!(
        ca.issuer()
            .check_signed(unsigned.clone(), &other)
            .unwrap_err(),
        SignError::InvalidSignature("x509: ECDSA verification failure".into())
    );
    // Not even DER.
    assert_eq!(
        ca.issuer()
            .check_signed(unsigned, b"\x00")
            .unwrap_err()
            .to_string(),
        "x509: signature over certificate returned by signer is invalid: x509: ECDSA verification failure"
    );

    // RSA: a flipped bit.
    let rsa = load_ca("ca-rsa");
    let unsigned = prepare(rsa.issuer(), &[5; 16]);
    let mut signature = rsa.key().sign(unsigned.tbs_der()).unwrap();
    signature[10] ^= 1;
    assert_eq!(
        rsa.issuer()
            .check_signed(unsigned, &signature)
            .unwrap_err()
            .to_string(),
        "x509: signature over certificate returned by signer is invalid: crypto/rsa: verification error"
    );

    // Ed25519: the right bytes signed by another key.
    let ed = load_ca("ca-ed25519");
    let unsigned = prepare(ed.issuer(), &[6; 16]);
    let stranger = ring::signature::Ed25519KeyPair::from_seed_unchecked(&[9; 32]).unwrap();
    assert_eq!(
        ed.issuer()
            .check_signed(unsigned, stranger.sign(b"x").as_ref())
            .unwrap_err()
            .to_string(),
        "x509: signature over certificate returned by signer is invalid: x509: Ed25519 verification failure"
    );
}

#[test]
fn ring_rsa_and_ed25519_signatures_equal_the_in_process_ones() {
    // PKCS#1 v1.5 and Ed25519 are deterministic: a caller signing with ring produces the very
    // certificate the in-process authority issues.
    let rng = ring::rand::SystemRandom::new();
    let rsa = load_ca("ca-rsa");
    let unsigned = prepare(rsa.issuer(), &[7; 16]);
    let pair = rs::RsaKeyPair::from_pkcs8(&rsa.key().to_pkcs8_der()).unwrap();
    let mut signature = vec![0; pair.public().modulus_len()];
    pair.sign(
        &rs::RSA_PKCS1_SHA256,
        &rng,
        unsigned.tbs_der(),
        &mut signature,
    )
    .unwrap();
    let external = rsa.issuer().check_signed(unsigned, &signature).unwrap();
    let in_process = rsa
        .sign(
            &csr("kubelet-client-p256.csr.pem"),
            &USAGES,
            None,
            31_536_000,
            now(),
            &[7; 16],
        )
        .unwrap();
    assert_eq!(external, in_process);

    let ed = load_ca("ca-ed25519");
    let unsigned = prepare(ed.issuer(), &[8; 16]);
    let pair = rs::Ed25519KeyPair::from_pkcs8_maybe_unchecked(&ed.key().to_pkcs8_der()).unwrap();
    let external = ed
        .issuer()
        .check_signed(unsigned.clone(), pair.sign(unsigned.tbs_der()).as_ref())
        .unwrap();
    assert_eq!(
        external,
        unsigned.with_signature(&ed.key().sign(&split(external.der()).0).unwrap())
    );
}

#[test]
fn a_p521_ca_issues_what_go_issues_inside_and_outside_the_crate() {
    // Go signs with ECDSA-SHA512 for a P-521 CA.
    let ca = load_ca("ca-p521");
    let issuer = Issuer::from_pem(&data("ca-p521/ca.crt")).unwrap();
    assert_eq!(&issuer, ca.issuer());
    assert_eq!(
        issuer.signature_algorithm(),
        CertificateSignatureAlgorithm::EcdsaWithSha512
    );
    let mut serial = [0; 16];
    serial[14..].copy_from_slice(&[0x05, 0x21]);
    let unsigned = prepare(&issuer, &serial);

    let go = pem::decode(&data("ca-p521/issued-kubelet-client-p256.crt.pem"))
        .unwrap()
        .0
        .contents;
    let (go_tbs, _) = split(&go);
    assert_eq!(unsigned.tbs_der(), go_tbs.as_slice());

    // Outside: the P-521 key from the PKCS#8 file, signing with RustCrypto in the caller.
    let key_der = pem::decode(&data("ca-p521/ca.key")).unwrap().0.contents;
    let signing = p521::ecdsa::SigningKey::from_slice(&p521_secret_scalar(&key_der)).unwrap();
    use p521::ecdsa::signature::Signer as _;
    let signature: p521::ecdsa::Signature = signing.sign(unsigned.tbs_der());
    let external = issuer
        .check_signed(unsigned, signature.to_der().as_bytes())
        .unwrap();
    assert_eq!(split(external.der()).0, go_tbs);
    let parsed = x509_cert::Certificate::from_der(external.der()).unwrap();
    assert_eq!(
        parsed.signature_algorithm().oid.to_string(),
        "1.2.840.10045.4.3.4"
    );

    // Inside: the crate's deterministic signer (RFC 6979 with SHA-512) makes the same
    // signature as RustCrypto's, so the same certificate.
    let internal = ca
        .sign(
            &csr("kubelet-client-p256.csr.pem"),
            &USAGES,
            None,
            31_536_000,
            now(),
            &serial,
        )
        .unwrap();
    assert_eq!(internal, external);
}

#[test]
fn signer_validation_comes_before_the_certificate() {
    let issuer = Issuer::from_pem(&data("corpus/ca/ca.crt")).unwrap();
    let input = SignerInput {
        signer_name: "kubernetes.io/kube-apiserver-client-kubelet",
        usages: &[
            Usage::parse("digital signature"),
            Usage::parse("server auth"),
        ],
        expiration_seconds: None,
        signing_duration_seconds: 3600,
    };
    let err = issuer
        .prepare_for_signer(&csr("kubelet-client-p256.csr.pem"), &input, now(), &[1; 16])
        .unwrap_err();
    assert!(matches!(err, SignerFailure::Validation(_)));
    assert_eq!(
        err.to_string(),
        "usages did not match [client auth digital signature key encipherment]"
    );
    assert_eq!(
        Issuer::from_pem(&[data("corpus/ca/ca.crt"), data("ca-rsa/ca.crt")].concat()).unwrap_err(),
        CaError::CertificateCount(2)
    );
}

/// The private scalar of an OpenSSL PKCS#8 P-521 key: `PrivateKeyInfo` → `ECPrivateKey` → `d`.
fn p521_secret_scalar(pkcs8: &[u8]) -> Vec<u8> {
    use der::Reader as _;
    use der::asn1::{AnyRef, OctetStringRef, SequenceRef};
    let outer = <&SequenceRef>::from_der(pkcs8).unwrap();
    let mut reader = der::SliceReader::new(outer.as_bytes()).unwrap();
    assert_eq!(reader.decode::<u8>().unwrap(), 0);
    let _algorithm: AnyRef<'_> = reader.decode().unwrap();
    let private_key: &OctetStringRef = reader.decode().unwrap();
    let inner = <&SequenceRef>::from_der(private_key.as_bytes()).unwrap();
    let mut reader = der::SliceReader::new(inner.as_bytes()).unwrap();
    assert_eq!(reader.decode::<u8>().unwrap(), 1);
    let d: &OctetStringRef = reader.decode().unwrap();
    d.as_bytes().to_vec()
}
