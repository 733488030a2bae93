// Reads the committed test CA and CSRs from tests/data/pki (the test, not the library, does I/O).
#![allow(clippy::disallowed_methods)]
// Test helpers outside #[test] functions unwrap too: a panic there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

//! The cases of k8s `authority_test.go` (`TestCertificateAuthority`) and `signer_test.go`
//! (`TestSigner`, `Test_signer_duration`, `TestHandle`) with a fixed `now`, on the corpus CA
//! (NotAfter 2036-11-25T20:14:45Z).

use der::Decode as _;
use kube_tls_bootstrap::pki::authority::{SigningPolicy, duration_seconds};
use kube_tls_bootstrap::pki::{
    CertificateAuthority, CertificateRequest, IssuedCertificate, KeyUsage, KnownSigner, SignError,
    SignerFailure, SignerInput, Usage, signers,
};
use kube_tls_bootstrap::time::Timestamp;
use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsage as X509KeyUsage, SubjectAltName};

const H: i64 = 3600;
const M: i64 = 60;

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/data/pki/corpus/{rel}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn ca() -> CertificateAuthority {
    CertificateAuthority::from_pem(&read("ca/ca.crt"), &read("ca/ca.key")).unwrap()
}

fn csr(name: &str) -> CertificateRequest {
    CertificateRequest::from_pem(&read(name)).unwrap()
}

fn now() -> Timestamp {
    Timestamp::parse_rfc3339("2030-06-01T12:00:00Z").unwrap()
}

fn policy(ttl: i64, usages: &[KeyUsage], backdate: i64, short: i64) -> SigningPolicy {
    SigningPolicy {
        ttl_seconds: ttl,
        usages: usages.to_vec(),
        backdate_seconds: backdate,
        short_seconds: short,
    }
}

fn window(cert: &IssuedCertificate) -> (i64, i64) {
    let parsed = x509_cert::Certificate::from_der(cert.der()).unwrap();
    let v = parsed.tbs_certificate().validity();
    let nb = v.not_before.to_unix_duration().as_secs() as i64;
    let na = v.not_after.to_unix_duration().as_secs() as i64;
    assert_eq!(
        (cert.not_before().unix(), cert.not_after().unix()),
        (nb, na)
    );
    (nb - now().unix(), na - now().unix())
}

fn sign(p: &SigningPolicy) -> IssuedCertificate {
    ca().sign_with_policy(&csr("kubelet-client-p256.csr.pem"), p, now(), &[7; 16])
        .unwrap()
}

#[test]
fn validity_windows() {
    let u = [KeyUsage::ClientAuth];
    assert_eq!(window(&sign(&policy(H, &u, 0, 0))), (0, H));
    assert_eq!(window(&sign(&policy(H, &u, 5 * M, 0))), (-5 * M, 55 * M));
    assert_eq!(window(&sign(&policy(M, &u, 5 * M, 0))), (-5 * M, -4 * M));
    assert_eq!(window(&sign(&policy(H, &u, 5 * M, 8 * H))), (-5 * M, H));
    assert_eq!(window(&sign(&policy(M, &u, 5 * M, 8 * H))), (-5 * M, M));
    assert_eq!(
        window(&sign(&policy(24 * H, &u, 5 * M, 8 * H))),
        (-5 * M, 24 * H - 5 * M)
    );
}

#[test]
fn truncated_at_the_ca_not_after() {
    let ca = ca();
    let ca_not_after = ca.certificate().not_after();
    assert_eq!(ca_not_after.to_string(), "2036-11-25T20:14:45Z");
    let now = ca_not_after.sub_seconds(24 * H);
    let p = policy(48 * H, &[KeyUsage::ClientAuth], 0, 0);
    let cert = ca
        .sign_with_policy(&csr("kubelet-client-p256.csr.pem"), &p, now, &[1; 16])
        .unwrap();
    assert_eq!(cert.not_after(), ca_not_after);
}

#[test]
fn expired_ca_errors() {
    let ca = ca();
    let now = ca.certificate().not_after();
    let request = csr("kubelet-client-p256.csr.pem");
    let err = ca
        .sign_with_policy(
            &request,
            &policy(H, &[KeyUsage::ClientAuth], 0, 0),
            now,
            &[1; 16],
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the signer has expired: NotAfter=2036-11-25 20:14:45 +0000 UTC"
    );
    let err = ca
        .sign_with_policy(
            &request,
            &policy(H, &[KeyUsage::ClientAuth], 5 * M, 0),
            now,
            &[1; 16],
        )
        .unwrap_err();
    assert_eq!(
        err,
        SignError::ExpiredInThePast(Timestamp::parse_rfc3339("2036-11-25T20:14:45Z").unwrap())
    );
    assert_eq!(
        err.to_string(),
        "refusing to sign a certificate that expired in the past: NotAfter=2036-11-25 20:14:45 +0000 UTC"
    );
}

/// The KeyUsage bits (bit 0 = digitalSignature, as Go numbers them), if the extension exists.
fn key_usage(cert: &IssuedCertificate) -> Option<u16> {
    let parsed = x509_cert::Certificate::from_der(cert.der()).unwrap();
    let (critical, ku) = parsed
        .tbs_certificate()
        .get_extension::<X509KeyUsage>()
        .unwrap()?;
    assert!(critical);
    Some(ku.0.bits())
}

#[test]
fn usages_map_to_key_usage_and_eku() {
    let signing = sign(&policy(H, &[KeyUsage::Signing], 0, 0));
    assert_eq!(key_usage(&signing), Some(1), "digitalSignature");
    let parsed = x509_cert::Certificate::from_der(signing.der()).unwrap();
    assert!(
        parsed
            .tbs_certificate()
            .get_extension::<ExtendedKeyUsage>()
            .unwrap()
            .is_none()
    );

    let client = sign(&policy(H, &[KeyUsage::ClientAuth], 0, 0));
    assert_eq!(
        key_usage(&client),
        None,
        "no KeyUsage extension without a key-usage bit"
    );
    let parsed = x509_cert::Certificate::from_der(client.der()).unwrap();
    let (critical, eku) = parsed
        .tbs_certificate()
        .get_extension::<ExtendedKeyUsage>()
        .unwrap()
        .unwrap();
    assert!(!critical);
    assert_eq!(eku.0, vec![const_oid::db::rfc5280::ID_KP_CLIENT_AUTH]);
}

#[test]
fn uri_san_is_copied() {
    let request = csr("client-uri-san.csr.pem");
    let p = policy(H, &[KeyUsage::ClientAuth], 0, 0);
    let cert = ca()
        .sign_with_policy(&request, &p, now(), &[2; 16])
        .unwrap();
    let parsed = x509_cert::Certificate::from_der(cert.der()).unwrap();
    let (critical, san) = parsed
        .tbs_certificate()
        .get_extension::<SubjectAltName>()
        .unwrap()
        .unwrap();
    assert!(!critical);
    assert_eq!(san.0.len(), 1);
    assert_eq!(request.subject_alt_names().uris.len(), 1);
    match &san.0[0] {
        x509_cert::ext::pkix::name::GeneralName::UniformResourceIdentifier(u) => {
            assert_eq!(u.as_str(), request.subject_alt_names().uris[0]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn test_signer_example() {
    // TestSigner: TTL 1h, usages signing, key encipherment, server auth, client auth.
    let request = csr("kubelet-client-p256.csr.pem");
    let usages = [
        KeyUsage::Signing,
        KeyUsage::KeyEncipherment,
        KeyUsage::ServerAuth,
        KeyUsage::ClientAuth,
    ];
    let cert = ca()
        .sign(&request, &usages, None, H, now(), &[3; 16])
        .unwrap();
    assert_eq!(window(&cert), (-5 * M, H));
    let parsed = x509_cert::Certificate::from_der(cert.der()).unwrap();
    assert_eq!(
        key_usage(&cert),
        Some(0b101),
        "digitalSignature | keyEncipherment"
    );
    let eku = parsed
        .tbs_certificate()
        .get_extension::<ExtendedKeyUsage>()
        .unwrap()
        .unwrap()
        .1;
    assert_eq!(
        eku.0,
        vec![
            const_oid::db::rfc5280::ID_KP_SERVER_AUTH,
            const_oid::db::rfc5280::ID_KP_CLIENT_AUTH
        ]
    );
}

#[test]
fn test_signer_duration() {
    let cases = [
        (Some(30 * M), 30 * M),
        (Some(3 * H), H),
        (Some(-M), 10 * M),
        (Some(9 * M + 59), 10 * M),
        (Some(10 * M), 10 * M),
        (Some(H), H),
        (None, H),
    ];
    for (requested, want) in cases {
        let requested = requested.map(|s| i32::try_from(s).unwrap());
        assert_eq!(duration_seconds(requested, H), want, "{requested:?}");
    }
}

#[test]
fn test_handle() {
    let request = csr("kubelet-client-p256.csr.pem");
    let ca = ca();
    let usages = |strings: &[&str]| strings.iter().map(|s| Usage::parse(s)).collect::<Vec<_>>();
    fn input<'a>(signer_name: &'a str, usages: &'a [Usage]) -> SignerInput<'a> {
        SignerInput {
            signer_name,
            usages,
            expiration_seconds: None,
            signing_duration_seconds: H,
        }
    }
    let err = ca
        .sign_for_signer(
            &request,
            &input(
                signers::KUBE_APISERVER_CLIENT,
                &usages(&["client auth", "server auth"]),
            ),
            now(),
            &[4; 16],
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid usage for client certificate: server auth"
    );
    assert!(matches!(err, SignerFailure::Validation(_)));
    let err = ca
        .sign_for_signer(
            &request,
            &input(
                signers::KUBE_APISERVER_CLIENT,
                &usages(&["digital signature"]),
            ),
            now(),
            &[4; 16],
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "missing required usage for client certificate: client auth"
    );
    let err = ca
        .sign_for_signer(
            &request,
            &input("example.com/x", &usages(&["client auth"])),
            now(),
            &[4; 16],
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"unrecognized signerName: "example.com/x""#
    );
    assert!(
        ca.sign_for_signer(
            &request,
            &input(signers::LEGACY_UNKNOWN, &usages(&["server auth"])),
            now(),
            &[4; 16]
        )
        .is_ok()
    );
    assert_eq!(
        KnownSigner::LegacyUnknown.validate(&request, &usages(&["server auth"])),
        Ok(())
    );
    // Strings Kubernetes does not know reach the checks as sent: the kube-apiserver-client check
    // names the first one, the signer of legacy-unknown (which checks nothing) lists them all.
    let err = ca
        .sign_for_signer(
            &request,
            &input(
                signers::KUBE_APISERVER_CLIENT,
                &usages(&["client auth", "Digital Signature", "bogus"]),
            ),
            now(),
            &[4; 16],
        )
        .unwrap_err();
    assert_eq!(
        err,
        SignerFailure::Validation(kube_tls_bootstrap::pki::CheckError::InvalidClientUsage(
            "Digital Signature".into()
        ))
    );
    assert_eq!(
        err.to_string(),
        "invalid usage for client certificate: Digital Signature"
    );
    let err = ca
        .sign_for_signer(
            &request,
            &input(
                signers::LEGACY_UNKNOWN,
                &usages(&["client auth", "Digital Signature", "bogus"]),
            ),
            now(),
            &[4; 16],
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"unrecognized usage values: ["Digital Signature" "bogus"]"#
    );
    assert!(matches!(err, SignerFailure::Sign(_)));
}
