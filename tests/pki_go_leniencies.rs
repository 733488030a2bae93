// Reads the committed cases and the Go peer's verdicts (the test, not the library, does I/O).
#![allow(clippy::disallowed_methods)]
// Test helpers unwrap: a panic there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

//! What Go's `x509.ParseCertificateRequest` accepts and `der`'s own typed decoders
//! (`x509_cert`/`spki` types, `AnyRef`, derived structs without a trailing field) refuse: the
//! places where the crate's request decoding keeps Go's leniency. Every request here is signed,
//! and the Go reference peer (`csrcheck`, Go 1.19) says `parse: ok, signature: ok, api: ok` for
//! each (`tests/data/pki/go-leniencies/`, see its README); the assertions below also show that
//! the strict `der` type refuses the piece in question, which is why the crate does not use it
//! there.

use der::Decode as _;
use kube_tls_bootstrap::pki::checks::{self, KUBELET_CLIENT_USAGES_WITH_KEY_ENCIPHERMENT};
use kube_tls_bootstrap::pki::{
    CertificateRequest, KeyKind, PrivateKey, SignatureAlgorithm, UnverifiedRequest, pem,
};

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;

fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = value.len();
    if len < 0x80 {
        out.push(len as u8);
    } else if len < 0x100 {
        out.extend_from_slice(&[0x81, len as u8]);
    } else {
        out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]);
    }
    out.extend_from_slice(value);
    out
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

fn oid(dotted: &str) -> Vec<u8> {
    let oid = const_oid::ObjectIdentifier::new(dotted).unwrap();
    tlv(0x06, oid.as_bytes())
}

const NULL: [u8; 2] = [0x05, 0x00];
/// A UniversalString (tag 28), which `der` does not model.
const UNIVERSAL_STRING: [u8; 6] = [0x1c, 0x04, 0, 0, 0, b'x'];

fn key() -> PrivateKey {
    PrivateKey::ecdsa_p256_from_random_bytes(&[7; 32]).unwrap()
}

/// `CN=system:node:<node>, O=system:nodes` as one RDN each, plus `extra_rdns` appended.
fn subject(node: &str, extra_rdns: &[u8]) -> Vec<u8> {
    let atv = |oid_dotted: &str, value: &[u8]| tlv(SEQUENCE, &cat(&[&oid(oid_dotted), value]));
    let o = tlv(SET, &atv("2.5.4.10", &tlv(0x13, b"system:nodes")));
    let cn = tlv(
        SET,
        &atv(
            "2.5.4.3",
            &tlv(0x13, format!("system:node:{node}").as_bytes()),
        ),
    );
    tlv(SEQUENCE, &cat(&[&o, &cn, extra_rdns]))
}

/// A signed request from its parts: `info_body` is the inside of CertificationRequestInfo,
/// `sig_alg_extra` goes inside the ecdsa-with-SHA256 AlgorithmIdentifier, `outer_extra` after
/// the signature BIT STRING.
fn signed(info_body: &[u8], sig_alg_extra: &[u8], outer_extra: &[u8]) -> Vec<u8> {
    let key = key();
    let info = tlv(SEQUENCE, info_body);
    let signature = key.sign(&info).unwrap();
    let alg = tlv(
        SEQUENCE,
        &cat(&[&oid("1.2.840.10045.4.3.2"), sig_alg_extra]),
    );
    let bits = tlv(0x03, &cat(&[&[0], &signature]));
    tlv(SEQUENCE, &cat(&[&info, &alg, &bits, outer_extra]))
}

/// version 0, the subject, the key's SPKI (or `spki`), `[0]` with `attributes`, then `extra`.
fn info_body(subject: &[u8], spki: Option<&[u8]>, attributes: &[u8], extra: &[u8]) -> Vec<u8> {
    let key = key();
    cat(&[
        &[0x02, 0x01, 0x00],
        subject,
        spki.unwrap_or(key.public_key().spki_der()),
        &tlv(0xa0, attributes),
        extra,
    ])
}

/// An `extensionRequest` attribute holding one extension (`extension_body` inside its
/// SEQUENCE).
fn extension_request(extension_body: &[u8]) -> Vec<u8> {
    let extensions = tlv(SEQUENCE, &tlv(SEQUENCE, extension_body));
    tlv(
        SEQUENCE,
        &cat(&[&oid("1.2.840.113549.1.9.14"), &tlv(SET, &extensions)]),
    )
}

fn san_extension(general_names: &[u8], extra: &[u8]) -> Vec<u8> {
    cat(&[
        &oid("2.5.29.17"),
        &tlv(0x04, &tlv(SEQUENCE, general_names)),
        extra,
    ])
}

/// Every case, by the file name under tests/data/pki/go-leniencies/.
fn cases() -> Vec<(&'static str, Vec<u8>)> {
    let plain_subject = subject("n1", &[]);
    let spki = key().public_key().spki_der().to_vec();
    // SubjectPublicKeyInfo with a trailing element, and an AlgorithmIdentifier with one.
    let spki_trailing = tlv(SEQUENCE, &cat(&[&spki[2..], &NULL]));
    let alg_len = usize::from(spki[3]) + 2;
    let alg_trailing = tlv(SEQUENCE, &cat(&[&spki[4..2 + alg_len], &NULL]));
    let spki_alg_trailing = tlv(SEQUENCE, &cat(&[&alg_trailing, &spki[2 + alg_len..]]));
    let dns = tlv(0x82, b"n1.example");
    vec![
        (
            "outer-trailing-element.der",
            signed(&info_body(&plain_subject, None, &[], &[]), &[], &NULL),
        ),
        (
            "info-trailing-element.der",
            signed(&info_body(&plain_subject, None, &[], &NULL), &[], &[]),
        ),
        (
            "spki-trailing-element.der",
            signed(
                &info_body(&plain_subject, Some(&spki_trailing), &[], &[]),
                &[],
                &[],
            ),
        ),
        (
            "spki-algorithm-trailing-element.der",
            signed(
                &info_body(&plain_subject, Some(&spki_alg_trailing), &[], &[]),
                &[],
                &[],
            ),
        ),
        (
            "signature-algorithm-universalstring-parameters.der",
            signed(
                &info_body(&plain_subject, None, &[], &[]),
                &cat(&[&UNIVERSAL_STRING, &NULL]),
                &[],
            ),
        ),
        (
            "subject-universalstring-value.der",
            signed(
                &info_body(
                    &subject(
                        "n1",
                        &tlv(
                            SET,
                            &tlv(SEQUENCE, &cat(&[&oid("2.5.4.11"), &UNIVERSAL_STRING])),
                        ),
                    ),
                    None,
                    &[],
                    &[],
                ),
                &[],
                &[],
            ),
        ),
        (
            "subject-atv-trailing-element.der",
            signed(
                &info_body(
                    &subject(
                        "n1",
                        &tlv(
                            SET,
                            &tlv(
                                SEQUENCE,
                                &cat(&[&oid("2.5.4.11"), &tlv(0x13, b"ou"), &NULL]),
                            ),
                        ),
                    ),
                    None,
                    &[],
                    &[],
                ),
                &[],
                &[],
            ),
        ),
        (
            "attribute-universalstring-element.der",
            signed(
                &info_body(&plain_subject, None, &UNIVERSAL_STRING, &[]),
                &[],
                &[],
            ),
        ),
        (
            "extension-trailing-element.der",
            signed(
                &info_body(
                    &plain_subject,
                    None,
                    &extension_request(&san_extension(&dns, &NULL)),
                    &[],
                ),
                &[],
                &[],
            ),
        ),
        (
            "san-unparsed-names.der",
            signed(
                &info_body(
                    &plain_subject,
                    None,
                    &extension_request(&san_extension(
                        &cat(&[
                            &dns,
                            // x400Address [3] and directoryName [4] with contents Go never
                            // reads, and a UniversalString-tagged entry.
                            &tlv(0xa3, &[0xff]),
                            &tlv(0xa4, &[0x01]),
                            &UNIVERSAL_STRING,
                        ]),
                        &[],
                    )),
                    &[],
                ),
                &[],
                &[],
            ),
        ),
    ]
}

/// The committed files are these cases, and the Go peer accepted each and named it.
#[test]
fn the_committed_cases_are_what_go_judged() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pki/go-leniencies");
    let expect = std::fs::read_to_string(dir.join("EXPECT.tsv")).unwrap();
    let rows: Vec<Vec<&str>> = expect
        .lines()
        .skip(1)
        .map(|l| l.split('\t').collect())
        .collect();
    let cases = cases();
    assert_eq!(rows.len(), cases.len());
    for (name, der) in cases {
        let file = name.replace(".der", ".csr.pem");
        let row = rows.iter().find(|r| r[0] == file).unwrap();
        assert_eq!(row[1..4], ["ok", "ok", "ok"], "{file}");
        let pem_text = std::fs::read(dir.join(&file)).unwrap();
        assert_eq!(
            pem::encode("CERTIFICATE REQUEST", &der).as_bytes(),
            pem_text,
            "{file}"
        );
        let csr = CertificateRequest::from_pem(&pem_text).unwrap();
        let name = checks::node_csr_name_for(&csr, &KUBELET_CLIENT_USAGES_WITH_KEY_ENCIPHERMENT);
        assert_eq!(name, row[4], "{file}");
    }
}

#[test]
fn go_accepts_every_case_and_so_does_the_crate() {
    for (name, der) in cases() {
        let csr = CertificateRequest::from_der(&der).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(csr.subject().common_name, "system:node:n1", "{name}");
        assert_eq!(csr.subject().organization, ["system:nodes"], "{name}");
        assert_eq!(csr.public_key().kind(), &KeyKind::EcdsaP256, "{name}");
        assert_eq!(
            csr.signature_algorithm(),
            SignatureAlgorithm::EcdsaWithSha256,
            "{name}"
        );
        let unverified = UnverifiedRequest::from_der(&der).unwrap();
        assert_eq!(unverified.unverified(), &csr, "{name}");
        let sans = csr.subject_alt_names();
        let dns: &[String] = if name.starts_with("extension") || name.starts_with("san") {
            &["n1.example".to_owned()]
        } else {
            &[]
        };
        assert_eq!(sans.dns_names, dns, "{name}");
        assert!(
            sans.ip_addresses.is_empty() && sans.uris.is_empty(),
            "{name}"
        );
    }
}

#[test]
fn the_values_go_keeps_are_kept() {
    let cases = cases();
    let find = |n: &str| &cases.iter().find(|(name, _)| *name == n).unwrap().1;

    // The UniversalString OU is an attribute of the name without text; Go's pkix.Name leaves
    // it out of OrganizationalUnit.
    let csr = CertificateRequest::from_der(find("subject-universalstring-value.der")).unwrap();
    let ou = &csr.name().rdns()[2][0];
    assert_eq!(ou.raw, [0, 0, 0, b'x']);
    assert_eq!(ou.text, None);
    assert!(csr.subject().organizational_unit.is_empty());

    let csr = CertificateRequest::from_der(find("subject-atv-trailing-element.der")).unwrap();
    assert_eq!(csr.subject().organizational_unit, ["ou"]);

    // The SPKI is kept as encoded, trailing element included; the kubelet's CSR name hashes
    // the key as Go marshals it back, without it.
    let plain = CertificateRequest::from_der(find("outer-trailing-element.der")).unwrap();
    assert_eq!(
        plain.public_key().marshal_pkix_der(),
        plain.public_key().spki_der()
    );
    for case in [
        "spki-trailing-element.der",
        "spki-algorithm-trailing-element.der",
    ] {
        let csr = CertificateRequest::from_der(find(case)).unwrap();
        let spki = csr.public_key().spki_der();
        assert_eq!(
            spki.len(),
            plain.public_key().spki_der().len() + 2,
            "{case}"
        );
        assert_eq!(
            csr.public_key().marshal_pkix_der(),
            plain.public_key().spki_der(),
            "{case}"
        );
    }

    let csr = CertificateRequest::from_der(find("extension-trailing-element.der")).unwrap();
    assert_eq!(csr.extensions().len(), 1);
    assert!(!csr.extensions()[0].critical);
}

/// The strict `der` types refuse each piece the crate reads the way Go does.
#[test]
fn the_strict_der_types_refuse_these_pieces() {
    use der::asn1::AnyRef;
    use x509_cert::ext::Extension;
    use x509_cert::ext::pkix::SubjectAltName;
    use x509_cert::spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};

    let spki = key().public_key().spki_der().to_vec();
    let spki_trailing = tlv(SEQUENCE, &cat(&[&spki[2..], &NULL]));
    assert!(SubjectPublicKeyInfoRef::from_der(&spki).is_ok());
    assert!(SubjectPublicKeyInfoRef::from_der(&spki_trailing).is_err());

    let ecdsa_sha256 = oid("1.2.840.10045.4.3.2");
    let odd_params = tlv(SEQUENCE, &cat(&[&ecdsa_sha256, &UNIVERSAL_STRING]));
    assert!(AlgorithmIdentifierRef::from_der(&tlv(SEQUENCE, &ecdsa_sha256)).is_ok());
    assert!(AlgorithmIdentifierRef::from_der(&odd_params).is_err());
    assert!(AnyRef::from_der(&UNIVERSAL_STRING).is_err());

    let dns = tlv(0x82, b"n1.example");
    let extension = tlv(SEQUENCE, &san_extension(&dns, &[]));
    let extension_trailing = tlv(SEQUENCE, &san_extension(&dns, &NULL));
    assert!(Extension::from_der(&extension).is_ok());
    assert!(Extension::from_der(&extension_trailing).is_err());

    assert!(SubjectAltName::from_der(&tlv(SEQUENCE, &dns)).is_ok());
    let unparsed = tlv(SEQUENCE, &cat(&[&dns, &tlv(0xa4, &[0x01])]));
    assert!(SubjectAltName::from_der(&unparsed).is_err());

    // x509_cert's Name sorts a multi-valued RDN; Go keeps the encoded order.
    let cn = tlv(SEQUENCE, &cat(&[&oid("2.5.4.3"), &tlv(0x13, b"b")]));
    let o = tlv(SEQUENCE, &cat(&[&oid("2.5.4.10"), &tlv(0x13, b"a")]));
    let unsorted = tlv(SEQUENCE, &tlv(SET, &cat(&[&o, &cn])));
    use der::Encode as _;
    let name = x509_cert::name::Name::from_der(&unsorted).unwrap();
    assert_ne!(
        name.to_der().unwrap(),
        unsorted,
        "x509_cert reorders the RDN"
    );
    let ours =
        CertificateRequest::from_der(&signed(&info_body(&unsorted, None, &[], &[]), &[], &[]))
            .unwrap();
    assert_eq!(ours.name().der(), unsorted);
    assert_eq!(
        ours.name().rdns()[0][0].text.as_deref(),
        Some("a"),
        "O first, as encoded"
    );
}

proptest::proptest! {
    /// Go ignores any bytes — elements or not — after the last field of the request and of its
    /// CertificationRequestInfo; the request reads the same and still verifies.
    #[test]
    fn any_bytes_after_the_last_field_are_ignored(
        outer in proptest::collection::vec(proptest::num::u8::ANY, 0..40),
        inner in proptest::collection::vec(proptest::num::u8::ANY, 0..40),
    ) {
        let plain_subject = subject("n1", &[]);
        let plain = CertificateRequest::from_der(&signed(
            &info_body(&plain_subject, None, &[], &[]), &[], &[],
        ))
        .unwrap();
        let der = signed(&info_body(&plain_subject, None, &[], &inner), &[], &outer);
        let csr = CertificateRequest::from_der(&der).unwrap();
        proptest::prop_assert_eq!(csr.name(), plain.name());
        proptest::prop_assert_eq!(csr.public_key(), plain.public_key());
        proptest::prop_assert_eq!(csr.signature_algorithm(), plain.signature_algorithm());
        proptest::prop_assert_eq!(csr.version(), 0);
    }
}
