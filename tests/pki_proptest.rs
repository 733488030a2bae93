// Reads the committed test keys and CA from tests/data/pki (the test, not the library, does I/O).
#![allow(clippy::disallowed_methods)]
// Test helpers outside #[test] functions unwrap too: a panic there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

//! Round trips and invariants: PEM encode/decode; requests built from random subjects, SANs
//! and keys read back to the same values; issued certificates carry exactly the request's
//! key, subject and SANs; NotAfter never passes the CA's.

use std::net::IpAddr;
use std::sync::OnceLock;

use der::Decode as _;
use kube_tls_bootstrap::pki::name::Subject;
use kube_tls_bootstrap::pki::{
    CertificateAuthority, CertificateRequest, KeyUsage, PrivateKey, SubjectAltNames, kubelet, pem,
};
use kube_tls_bootstrap::time::Timestamp;
use proptest::prelude::*;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::pkix::name::GeneralName;

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/data/pki/{rel}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn keys() -> &'static [PrivateKey] {
    static KEYS: OnceLock<Vec<PrivateKey>> = OnceLock::new();
    KEYS.get_or_init(|| {
        [
            "keys/p256-sec1.key",
            "corpus/keys/p384.key",
            "keys/rsa2048-pkcs1.key",
            "corpus/keys/ed25519.key",
        ]
        .iter()
        .map(|f| PrivateKey::from_pem(&read(f)).unwrap())
        .collect()
    })
}

fn ca() -> &'static CertificateAuthority {
    static CA: OnceLock<CertificateAuthority> = OnceLock::new();
    CA.get_or_init(|| {
        CertificateAuthority::from_pem(&read("corpus/ca/ca.crt"), &read("corpus/ca/ca.key"))
            .unwrap()
    })
}

fn text() -> impl Strategy<Value = String> {
    // Printable characters, the two Go only tolerates when parsing, and non-ASCII.
    "[a-zA-Z0-9 :.,'()+=/?*&ü€-]{0,12}"
}

fn subject() -> impl Strategy<Value = Subject> {
    let list = || proptest::collection::vec(text(), 0..3);
    (list(), list(), list(), list(), text(), text()).prop_map(|(c, l, o, ou, cn, serial)| Subject {
        country: c,
        locality: l,
        organization: o,
        organizational_unit: ou,
        common_name: cn,
        serial_number: serial,
        ..Subject::default()
    })
}

fn sans() -> impl Strategy<Value = SubjectAltNames> {
    let ascii = || proptest::collection::vec("[a-z0-9.-]{1,10}", 0..3);
    let ips = proptest::collection::vec(
        prop_oneof![
            any::<[u8; 4]>().prop_map(IpAddr::from),
            any::<[u8; 16]>().prop_map(IpAddr::from)
        ],
        0..3,
    );
    (
        ascii(),
        ascii(),
        ips,
        proptest::collection::vec("[a-z]{1,5}://[a-z.]{1,8}", 0..2),
    )
        .prop_map(|(dns_names, emails, ip_addresses, uris)| SubjectAltNames {
            dns_names,
            email_addresses: emails
                .into_iter()
                .map(|e| format!("{e}@example.com"))
                .collect(),
            ip_addresses,
            uris,
        })
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn pem_round_trips(label in "[A-Z]{1,10}( [A-Z]{1,10})?", contents in proptest::collection::vec(any::<u8>(), 0..200)) {
        let text = pem::encode(&label, &contents);
        let (block, rest) = pem::decode(text.as_bytes()).unwrap();
        prop_assert_eq!(block.label, label);
        prop_assert_eq!(block.contents, contents);
        prop_assert!(rest.is_empty());
        let crlf = text.replace('\n', "\r\n");
        prop_assert!(pem::decode(crlf.as_bytes()).is_some());
    }

    #[test]
    fn pem_decode_never_panics(data in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = pem::Blocks::new(&data).count();
        let _ = CertificateRequest::from_pem(&data);
    }

    #[test]
    fn requests_read_back(subject in subject(), sans in sans(), key in 0usize..4) {
        let key = &keys()[key];
        let pem_text = kubelet::make_csr_pem(key, &subject, &sans).unwrap();
        let csr = CertificateRequest::from_pem(pem_text.as_bytes()).unwrap();
        let got = csr.subject();
        // One RDN per type with its values DER-sorted: compare values as sets.
        prop_assert_eq!(sorted(got.organization.clone()), sorted(subject.organization.clone()));
        prop_assert_eq!(sorted(got.country.clone()), sorted(subject.country.clone()));
        prop_assert_eq!(sorted(got.locality.clone()), sorted(subject.locality.clone()));
        prop_assert_eq!(sorted(got.organizational_unit.clone()), sorted(subject.organizational_unit.clone()));
        prop_assert_eq!(&got.common_name, &subject.common_name);
        prop_assert_eq!(&got.serial_number, &subject.serial_number);
        prop_assert_eq!(csr.name().der().to_vec(), subject.to_der());
        prop_assert_eq!(csr.subject_alt_names(), &sans);
        prop_assert_eq!(csr.public_key().spki_der(), key.public_key().spki_der());
    }

    #[test]
    fn issued_certificates_carry_the_request(subject in subject(), sans in sans(), key in 0usize..4, serial in any::<[u8; 16]>()) {
        let key = &keys()[key];
        let csr = CertificateRequest::from_pem(kubelet::make_csr_pem(key, &subject, &sans).unwrap().as_bytes()).unwrap();
        let now = Timestamp::parse_rfc3339("2030-01-01T00:00:00Z").unwrap();
        let issued = ca().sign(&csr, &[KeyUsage::DigitalSignature, KeyUsage::ClientAuth], None, 86_400, now, &serial).unwrap();
        let cert = x509_cert::Certificate::from_der(issued.der()).unwrap();
        let tbs = cert.tbs_certificate();
        prop_assert_eq!(der::Encode::to_der(tbs.subject_public_key_info()).unwrap(), key.public_key().spki_der().to_vec());
        prop_assert_eq!(der::Encode::to_der(tbs.subject()).unwrap(), subject.to_der());
        let mut want = Vec::new();
        for d in &sans.dns_names { want.push(format!("dns:{d}")); }
        for e in &sans.email_addresses { want.push(format!("email:{e}")); }
        for ip in &sans.ip_addresses {
            let bytes = match ip {
                IpAddr::V4(v4) => v4.octets().to_vec(),
                IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(v6.octets().to_vec(), |v4| v4.octets().to_vec()),
            };
            want.push(format!("ip:{bytes:?}"));
        }
        for u in &sans.uris { want.push(format!("uri:{u}")); }
        let got: Vec<String> = match tbs.get_extension::<SubjectAltName>().unwrap() {
            None => Vec::new(),
            Some((_, san)) => san.0.iter().map(|g| match g {
                GeneralName::DnsName(d) => format!("dns:{}", d.as_str()),
                GeneralName::Rfc822Name(e) => format!("email:{}", e.as_str()),
                GeneralName::IpAddress(ip) => format!("ip:{:?}", ip.as_bytes()),
                GeneralName::UniformResourceIdentifier(u) => format!("uri:{}", u.as_str()),
                other => format!("{other:?}"),
            }).collect(),
        };
        prop_assert_eq!(got, want);
    }

    #[test]
    fn not_after_never_passes_the_ca(offset in -400_000_000i64..100_000, ttl in -10_000i64..2_000_000_000, expiration in proptest::option::of(any::<i32>())) {
        let ca = ca();
        let ca_not_after = ca.certificate().not_after();
        let now = ca_not_after.add_seconds(offset);
        let csr = CertificateRequest::from_pem(&read("corpus/kubelet-client-p256.csr.pem")).unwrap();
        match ca.sign(&csr, &[KeyUsage::ClientAuth], expiration, ttl, now, &[9; 16]) {
            Ok(issued) => {
                prop_assert!(issued.not_after() <= ca_not_after);
                prop_assert!(now < ca_not_after);
                prop_assert_eq!(issued.not_before(), now.sub_seconds(300));
            }
            Err(_) => prop_assert!(now >= ca_not_after),
        }
    }
}
