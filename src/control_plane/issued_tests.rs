//! The proof behind [`CertificateSource::InProcessSigner`]: every certificate the in-process
//! signer issues passes exactly the `/status` validation a caller's certificate goes through, so
//! the machine may store it without parsing it again. Requests of random keys, subjects, SANs,
//! usages and signers, CAs of every key type the crate signs with, random serials, times and
//! durations; then one fixed lifecycle through the machine, value for value.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::IpAddr;
use std::sync::{Arc, OnceLock};

use proptest::prelude::*;

use super::controllers::sign_in_process;
use crate::api::{Credential, EventType, Operation, Reply, Request, RequestId, Selector};
use crate::csr::validation::CertificateSource;
use crate::csr::{
    CertificateSigningRequest, CertificateSigningRequestCondition, ConditionType, Endpoint,
};
use crate::identity::TokenFile;
use crate::pki::name::Subject;
use crate::pki::{
    CertificateAuthority, CertificateRequest, KeyUsage, KnownSigner, PrivateKey, SignerInput,
    SubjectAltNames, Usage, kubelet, signers,
};
use crate::time::{Instant, Timestamp};

use super::{ApproverMode, Config, ControlPlane, Input, Output};

fn cas() -> &'static [CertificateAuthority] {
    static CAS: OnceLock<Vec<CertificateAuthority>> = OnceLock::new();
    CAS.get_or_init(|| {
        let pairs: [(&[u8], &[u8]); 4] = [
            (
                include_bytes!("../../tests/data/pki/corpus/ca/ca.crt"),
                include_bytes!("../../tests/data/pki/corpus/ca/ca.key"),
            ),
            (
                include_bytes!("../../tests/data/pki/ca-rsa/ca.crt"),
                include_bytes!("../../tests/data/pki/ca-rsa/ca.key"),
            ),
            (
                include_bytes!("../../tests/data/pki/ca-ed25519/ca.crt"),
                include_bytes!("../../tests/data/pki/ca-ed25519/ca.key"),
            ),
            (
                include_bytes!("../../tests/data/pki/ca-p521/ca.crt"),
                include_bytes!("../../tests/data/pki/ca-p521/ca.key"),
            ),
        ];
        pairs
            .iter()
            .map(|(cert, key)| CertificateAuthority::from_pem(cert, key).unwrap())
            .collect()
    })
}

fn keys() -> &'static [PrivateKey] {
    static KEYS: OnceLock<Vec<PrivateKey>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let pems: [&[u8]; 4] = [
            include_bytes!("../../tests/data/pki/keys/p256-sec1.key"),
            include_bytes!("../../tests/data/pki/corpus/keys/p384.key"),
            include_bytes!("../../tests/data/pki/keys/rsa2048-pkcs1.key"),
            include_bytes!("../../tests/data/pki/corpus/keys/ed25519.key"),
        ];
        pems.iter()
            .map(|pem| PrivateKey::from_pem(pem).unwrap())
            .collect()
    })
}

fn text() -> impl Strategy<Value = String> {
    // Printable characters, the two Go only tolerates when parsing, and non-ASCII.
    "[a-zA-Z0-9 :.,'()+=/?*&ü€-]{0,12}"
}

/// A random subject, or a kubelet's (which the kubelet signers accept).
fn subject() -> impl Strategy<Value = Subject> {
    let list = || proptest::collection::vec(text(), 0..3);
    prop_oneof![
        (list(), list(), list(), list(), text(), text()).prop_map(|(c, l, o, ou, cn, serial)| {
            Subject {
                country: c,
                locality: l,
                organization: o,
                organizational_unit: ou,
                common_name: cn,
                serial_number: serial,
                ..Subject::default()
            }
        }),
        "[a-z0-9-]{1,20}".prop_map(|node| Subject::kubelet(&node)),
    ]
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

fn usages() -> impl Strategy<Value = Vec<Usage>> {
    proptest::sample::subsequence(KeyUsage::SORTED.to_vec(), 1..4)
        .prop_map(|u| u.into_iter().map(Usage::from).collect())
}

const SIGNERS: [&str; 4] = [
    signers::KUBE_APISERVER_CLIENT,
    signers::KUBE_APISERVER_CLIENT_KUBELET,
    signers::KUBELET_SERVING,
    signers::LEGACY_UNKNOWN,
];

/// The parts of a request made to the shape `signer_name` accepts, so that most cases issue:
/// a kubelet's subject for the kubelet signers (no SANs for its client certificate, DNS and IP
/// SANs for its serving one), the usages of its profile; client authentication for the API
/// server's client signer; anything for `legacy-unknown`.
fn shape(
    signer_name: &str,
    key: &PrivateKey,
    subject: Subject,
    sans: SubjectAltNames,
    usages: Vec<Usage>,
) -> (Subject, SubjectAltNames, Vec<Usage>) {
    let kind = key.public_key().kind();
    let node = || {
        Subject::kubelet(
            &subject
                .common_name
                .replace(|c: char| !c.is_ascii_alphanumeric(), "x"),
        )
    };
    match signer_name {
        signers::KUBE_APISERVER_CLIENT => (subject, sans, vec![Usage::from(KeyUsage::ClientAuth)]),
        signers::KUBE_APISERVER_CLIENT_KUBELET => (
            node(),
            SubjectAltNames::default(),
            kubelet::client_usages(kind),
        ),
        signers::KUBELET_SERVING => {
            let sans = SubjectAltNames {
                dns_names: sans.dns_names,
                ip_addresses: sans.ip_addresses,
                ..SubjectAltNames::default()
            };
            (node(), sans, kubelet::serving_usages(kind))
        }
        _ => (subject, sans, usages),
    }
}

/// The stored, approved object the signer writes a certificate into.
fn approved(request_pem: &str, signer_name: &str, usages: Vec<Usage>) -> CertificateSigningRequest {
    let mut o = CertificateSigningRequest::new("csr-1");
    o.metadata.uid = "0b5f6c33-6f5e-4e2a-9d4c-3c1b0e9a7f10".to_owned();
    o.metadata.resource_version = "3".to_owned();
    o.metadata.creation_timestamp = Some(Timestamp::from_unix(1_700_000_000));
    o.spec.request = request_pem.as_bytes().to_vec();
    o.spec.signer_name = signer_name.to_owned();
    o.spec.usages = usages;
    o.status
        .conditions
        .push(CertificateSigningRequestCondition {
            reason: "AutoApproved".to_owned(),
            last_update_time: Some(Timestamp::from_unix(1_700_000_000)),
            last_transition_time: Some(Timestamp::from_unix(1_700_000_000)),
            ..CertificateSigningRequestCondition::new(ConditionType::Approved)
        });
    o
}

/// The `/status` update of `old` with `certificate`, validated as coming from `source`.
fn status_update(
    old: &CertificateSigningRequest,
    certificate: &[u8],
    now: Timestamp,
    source: CertificateSource,
) -> (CertificateSigningRequest, Result<(), crate::csr::Invalid>) {
    let mut new = old.clone();
    new.status.certificate = certificate.to_vec();
    let result = crate::csr::strategy::update_stored(Endpoint::Status, &mut new, old, now, source);
    (new, result)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_certificate_the_in_process_signer_issues_passes_status_validation(
        ca in 0usize..4,
        key in 0usize..4,
        subject in subject(),
        sans in sans(),
        signer in 0usize..4,
        usages in usages(),
        shaped in proptest::bool::weighted(0.75),
        expiration in proptest::option::of(any::<i32>()),
        signing_duration in prop_oneof![Just(8760 * 3600i64), 1i64..20 * 365 * 86_400],
        now in 1_000_000_000i64..2_100_000_000,
        serial in any::<[u8; 16]>(),
    ) {
        let ca = &cas()[ca];
        let key = &keys()[key];
        let (subject, sans, usages) = if shaped {
            shape(SIGNERS[signer], key, subject, sans, usages)
        } else {
            (subject, sans, usages)
        };
        let pem = kubelet::make_csr_pem(key, &subject, &sans).unwrap();
        let request = CertificateRequest::from_pem(pem.as_bytes()).unwrap();
        let signer_name = SIGNERS[signer];
        let input = SignerInput {
            signer_name,
            usages: &usages,
            expiration_seconds: expiration,
            signing_duration_seconds: signing_duration,
        };
        let now = Timestamp::from_unix(now);
        // A refusal issues nothing: there is no certificate to store.
        let Ok(unsigned) = ca.issuer().prepare_for_signer(&request, &input, now, &serial) else {
            return Ok(());
        };
        let certificate = sign_in_process(ca, unsigned).unwrap().to_pem();
        // validateCertificate accepts it ...
        prop_assert_eq!(crate::pki::validate_certificate_pem(certificate.as_bytes()), Ok(()));
        // ... so the /status update validated as a caller's and as the signer's agree, value
        // for value.
        let old = approved(&pem, signer_name, usages.clone());
        let checked = status_update(&old, certificate.as_bytes(), now, CertificateSource::Caller);
        let trusted =
            status_update(&old, certificate.as_bytes(), now, CertificateSource::InProcessSigner);
        prop_assert_eq!(&checked, &trusted);
        prop_assert!(checked.1.is_ok());
        // And both are what the public, fully validating update makes of it.
        let mut new = old.clone();
        new.status.certificate = certificate.into_bytes();
        prop_assert_eq!(crate::csr::update(Endpoint::Status, new, &old, now), Ok(checked.0));
    }
}

/// The machine's own P-256 lifecycle, value for value: the issued object it stores (and sends to
/// watches) is what `csr::update` — full validation, the certificate parsed — makes of the
/// approved object with that certificate.
#[test]
fn the_stored_issued_object_is_the_fully_validated_one() {
    let ca = Arc::new(
        CertificateAuthority::from_pem(
            include_bytes!("../../tests/data/pki/corpus/ca/ca.crt"),
            include_bytes!("../../tests/data/pki/corpus/ca/ca.key"),
        )
        .unwrap(),
    );
    let mut config = Config::new(7).with_default_policy();
    config.approver = ApproverMode::SubjectAccessReview;
    config.cleaner = false;
    config.authenticator.token_file =
        Some(TokenFile::parse(b"admin-token,admin,1,\"system:masters\"\n", "token.csv").unwrap());
    let config = config.with_signer(KnownSigner::KubeApiserverClientKubelet, ca);
    let mut cp = ControlPlane::new(config);
    let now = Instant::from_unix(1_800_000_000, 0);
    let request = |operation| Input::Request {
        id: RequestId(1),
        request: Request {
            credential: Credential::BearerToken("admin-token".to_owned()),
            operation,
        },
    };
    cp.handle(
        now,
        request(Operation::WatchCertificateSigningRequests {
            selector: Selector::default(),
            resource_version: None,
        }),
    );
    let key = PrivateKey::ecdsa_p256_from_random_bytes(&[0x42; 32]).unwrap();
    let mut object = CertificateSigningRequest::new("csr-node-1");
    object.spec.request = kubelet::client_csr_pem(&key, "node-1")
        .unwrap()
        .into_bytes();
    object.spec.signer_name = signers::KUBE_APISERVER_CLIENT_KUBELET.to_owned();
    object.spec.usages = kubelet::client_usages(key.public_key().kind());
    cp.handle(
        now,
        request(Operation::CreateCertificateSigningRequest(Box::new(object))),
    );
    cp.handle(now, Input::Timeout);
    let mut modified = Vec::new();
    while let Some(output) = cp.poll_output() {
        match output {
            Output::Watch { event, .. } if event.type_ == EventType::Modified => {
                modified.push(event.object);
            }
            Output::Reply { reply, .. } => assert!(matches!(
                reply,
                Reply::WatchOpened(_) | Reply::CertificateSigningRequest { code: 201, .. }
            )),
            _ => {}
        }
    }
    let [approved, issued] = modified.as_slice() else {
        panic!("expected the approval and the issue, got {modified:?}")
    };
    assert!(
        issued
            .status
            .certificate
            .starts_with(b"-----BEGIN CERTIFICATE-----\n")
    );
    assert_eq!(
        crate::pki::validate_certificate_pem(&issued.status.certificate),
        Ok(())
    );
    let mut candidate = CertificateSigningRequest::clone(approved);
    candidate.status.certificate = issued.status.certificate.clone();
    let mut expected =
        crate::csr::update(Endpoint::Status, candidate, approved, now.timestamp()).unwrap();
    expected
        .metadata
        .resource_version
        .clone_from(&issued.metadata.resource_version);
    assert_eq!(&expected, &**issued);
    assert_eq!(
        cp.certificate_signing_request("csr-node-1"),
        Some(&**issued)
    );
}

/// A certificate that arrives through the API is still parsed: an outside caller's `/status`
/// with one that does not parse is refused, as Kubernetes refuses it.
#[test]
fn a_callers_certificate_is_still_validated() {
    let old = approved(
        &kubelet::client_csr_pem(
            &PrivateKey::ecdsa_p256_from_random_bytes(&[0x42; 32]).unwrap(),
            "node-1",
        )
        .unwrap(),
        signers::KUBE_APISERVER_CLIENT_KUBELET,
        vec![Usage::from(KeyUsage::ClientAuth)],
    );
    let junk = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    let now = Timestamp::from_unix(1_800_000_000);
    let (_, result) = status_update(&old, junk, now, CertificateSource::Caller);
    let errors = result.unwrap_err().errors;
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].field, "status.certificate");
}

/// Through the machine: an admin's `PUT /status` with a certificate that does not parse is
/// refused with 422 on `status.certificate`, and nothing is stored.
#[test]
fn the_api_still_refuses_a_callers_unparsable_certificate() {
    let mut config = Config::new(7).with_default_policy();
    config.approver = ApproverMode::None;
    config.cleaner = false;
    config.authenticator.token_file =
        Some(TokenFile::parse(b"admin-token,admin,1,\"system:masters\"\n", "token.csv").unwrap());
    let mut cp = ControlPlane::new(config);
    let now = Instant::from_unix(1_800_000_000, 0);
    let mut call = |operation| {
        cp.handle(
            now,
            Input::Request {
                id: RequestId(1),
                request: Request {
                    credential: Credential::BearerToken("admin-token".to_owned()),
                    operation,
                },
            },
        );
        let mut reply = None;
        while let Some(output) = cp.poll_output() {
            if let Output::Reply { reply: r, .. } = output {
                reply = Some(r);
            }
        }
        reply.unwrap()
    };
    let key = PrivateKey::ecdsa_p256_from_random_bytes(&[0x42; 32]).unwrap();
    let mut object = CertificateSigningRequest::new("csr-node-1");
    object.spec.request = kubelet::client_csr_pem(&key, "node-1")
        .unwrap()
        .into_bytes();
    object.spec.signer_name = signers::KUBE_APISERVER_CLIENT_KUBELET.to_owned();
    object.spec.usages = kubelet::client_usages(key.public_key().kind());
    let Reply::CertificateSigningRequest {
        object: created, ..
    } = call(Operation::CreateCertificateSigningRequest(Box::new(object)))
    else {
        panic!("create refused")
    };
    let mut approved = CertificateSigningRequest::clone(&created);
    approved
        .status
        .conditions
        .push(CertificateSigningRequestCondition::new(
            ConditionType::Approved,
        ));
    let Reply::CertificateSigningRequest {
        object: approved, ..
    } = call(Operation::UpdateApproval(Box::new(approved)))
    else {
        panic!("approval refused")
    };
    let mut issued = CertificateSigningRequest::clone(&approved);
    issued.status.certificate =
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".to_vec();
    let Reply::Status(status) = call(Operation::UpdateStatus(Box::new(issued))) else {
        panic!("a certificate that does not parse was stored")
    };
    assert_eq!(status.code, 422);
    assert!(
        status.message.contains("status.certificate"),
        "{}",
        status.message
    );
    assert_eq!(
        cp.certificate_signing_request("csr-node-1"),
        Some(&*approved)
    );
}
