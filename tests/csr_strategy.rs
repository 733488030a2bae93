//! The registry strategies (k/k `strategy_test.go`): requester injection and status reset on
//! create, `generateName`, and what each update endpoint keeps, resets and timestamps.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is a test failure with a line

use std::collections::BTreeMap;

use kube_tls_bootstrap::csr::{
    self, CertificateSigningRequest, CertificateSigningRequestCondition, ConditionStatus,
    ConditionType, CreateContext, Endpoint, NameSuffix, Usage,
};
use kube_tls_bootstrap::identity::UserInfo;
use kube_tls_bootstrap::pki::KeyUsage;
use kube_tls_bootstrap::time::Timestamp;

const REQUEST: &[u8] = include_bytes!("data/csr/kubelet-client-p256.csr.pem");
const CERTIFICATE: &[u8] = include_bytes!("data/csr/kubelet-client-p256.crt.pem");

fn t(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

fn kubelet_csr() -> CertificateSigningRequest {
    let mut c = CertificateSigningRequest::new("");
    c.metadata.generate_name = "csr-".into();
    c.spec.request = REQUEST.to_vec();
    c.spec.signer_name = "kubernetes.io/kube-apiserver-client-kubelet".into();
    c.spec.usages = vec![
        Usage::Known(KeyUsage::DigitalSignature),
        Usage::Known(KeyUsage::ClientAuth),
    ];
    c
}

fn bootstrap_user() -> UserInfo {
    UserInfo::new(
        "system:bootstrap:abcdef",
        [
            "system:bootstrappers",
            "system:bootstrappers:kubeadm:default-node-token",
        ],
    )
    .with_authenticated_group()
}

#[test]
fn prepare_for_create_injects_the_requester_and_clears_status() {
    let mut c = kubelet_csr();
    c.spec.username = "spoofed".into();
    c.spec.uid = "spoofed-uid".into();
    c.spec.groups = vec!["system:masters".into()];
    c.spec.extra = BTreeMap::from([("k".into(), vec!["v".into()])]);
    c.status.conditions = vec![CertificateSigningRequestCondition::new(
        ConditionType::Approved,
    )];
    c.status.certificate = CERTIFICATE.to_vec();

    let mut no_user = c.clone();
    csr::prepare_for_create(&mut no_user, None);
    assert_eq!(no_user.spec.username, "");
    assert_eq!(no_user.spec.uid, "");
    assert!(no_user.spec.groups.is_empty() && no_user.spec.extra.is_empty());
    assert_eq!(no_user.status, Default::default());

    let mut user = bootstrap_user();
    user.uid = "uid-1".into();
    user.extra.insert(
        "authentication.kubernetes.io/credential-id".into(),
        vec!["JTI=1".into()],
    );
    csr::prepare_for_create(&mut c, Some(&user));
    assert_eq!(c.spec.username, "system:bootstrap:abcdef");
    assert_eq!(c.spec.uid, "uid-1");
    assert_eq!(
        c.spec.groups,
        [
            "system:bootstrappers",
            "system:bootstrappers:kubeadm:default-node-token",
            "system:authenticated"
        ]
    );
    assert_eq!(
        c.spec.extra,
        BTreeMap::from([(
            "authentication.kubernetes.io/credential-id".to_owned(),
            vec!["JTI=1".to_owned()]
        )])
    );
    assert!(c.status.conditions.is_empty() && c.status.certificate.is_empty());
}

#[test]
fn create_stamps_generates_the_name_and_validates() {
    let user = bootstrap_user();
    let ctx = CreateContext {
        requester: &user,
        now: t("2025-03-01T12:30:00Z"),
        uid: "6f0e6c1e-0000-4000-8000-000000000001".into(),
        name_suffix: NameSuffix::new("8b2tm").unwrap(),
    };
    let stored = csr::create(kubelet_csr(), &ctx).unwrap();
    assert_eq!(stored.metadata.name, "csr-8b2tm");
    assert_eq!(stored.metadata.uid, "6f0e6c1e-0000-4000-8000-000000000001");
    assert_eq!(
        stored.metadata.creation_timestamp,
        Some(t("2025-03-01T12:30:00Z"))
    );
    assert_eq!(stored.spec.username, "system:bootstrap:abcdef");

    // A given name wins over generateName.
    let mut named = kubelet_csr();
    named.metadata.name = "node-csr-x".into();
    assert_eq!(
        csr::create(named, &ctx).unwrap().metadata.name,
        "node-csr-x"
    );

    // Strategy validation first; the generated name is the one reported.
    let mut bad = kubelet_csr();
    bad.spec.usages.clear();
    bad.spec.signer_name = "kubernetes.io/legacy-unknown".into();
    assert_eq!(
        csr::create(bad, &ctx).unwrap_err().to_string(),
        r#"CertificateSigningRequest.certificates.k8s.io "csr-8b2tm" is invalid: [spec.usages: Required value, spec.signerName: Invalid value: "kubernetes.io/legacy-unknown": the legacy signerName is not allowed via this API version]"#
    );

    // Then the generic path-segment name rules.
    for (name, msg) in [
        (
            "..",
            r#"metadata.name: Invalid value: "..": may not be '..'"#,
        ),
        (
            "a/b%c",
            r#"[metadata.name: Invalid value: "a/b%c": may not contain '/', metadata.name: Invalid value: "a/b%c": may not contain '%']"#,
        ),
    ] {
        let mut c = kubelet_csr();
        c.metadata.name = name.into();
        assert_eq!(
            csr::create(c, &ctx).unwrap_err().to_string(),
            format!("CertificateSigningRequest.certificates.k8s.io {name:?} is invalid: {msg}")
        );
    }
    let mut neither = kubelet_csr();
    neither.metadata.generate_name.clear();
    assert_eq!(
        csr::create(neither, &ctx).unwrap_err().to_string(),
        r#"CertificateSigningRequest.certificates.k8s.io "" is invalid: metadata.name: Required value: name or generateName is required"#
    );
}

#[test]
fn generate_name_cuts_the_prefix_and_draws_from_the_alphabet() {
    // Low five bits index the alphabet; 27..=31 are skipped: 0x20 → 0 → b, 0x3f → 31 and
    // 0x1b → 27 skipped, 0x1a → 26 → 9, 0x05 → h, 0xff → skipped, 0x13 → 19 → z.
    let seven = [0x20, 0x3f, 0x1b, 0x1a, 0x05, 0xff, 0x13];
    assert_eq!(NameSuffix::from_random_bytes(&seven), None);
    let mut eight = seven.to_vec();
    eight.push(0x00);
    let suffix = NameSuffix::from_random_bytes(&eight).unwrap();
    assert_eq!(suffix.as_str(), "b9hzb");
    let long = "x".repeat(70);
    let name = csr::generate_name(&long, suffix);
    assert_eq!(name, format!("{}b9hzb", "x".repeat(58)));
    assert_eq!(NameSuffix::new("aeiou"), None);
    assert_eq!(NameSuffix::new("8b2t"), None);
    // Go cuts bytes: a cut inside a character becomes U+FFFD in the JSON Go writes.
    let name = csr::generate_name(
        &format!("{}é", "x".repeat(57)),
        NameSuffix::new("22222").unwrap(),
    );
    assert_eq!(name, format!("{}\u{fffd}22222", "x".repeat(57)));
}

fn stored() -> CertificateSigningRequest {
    let mut c = kubelet_csr();
    c.metadata.name = "csr-8b2tm".into();
    c.metadata.uid = "uid-1".into();
    c.metadata.creation_timestamp = Some(t("2025-03-01T12:30:00Z"));
    c.spec.username = "system:bootstrap:abcdef".into();
    c
}

fn condition(
    type_: &str,
    status: ConditionStatus,
    update: Option<&str>,
    transition: Option<&str>,
) -> CertificateSigningRequestCondition {
    CertificateSigningRequestCondition {
        type_: ConditionType::parse(type_),
        status,
        last_update_time: update.map(t),
        last_transition_time: transition.map(t),
        ..CertificateSigningRequestCondition::default()
    }
}

#[test]
fn main_resource_update_keeps_only_metadata() {
    let old = stored();
    let mut new = old.clone();
    new.metadata.labels.insert("team".into(), "infra".into());
    new.spec.signer_name = "example.com/other".into();
    new.status.conditions = vec![condition("Approved", ConditionStatus::True, None, None)];
    new.status.certificate = CERTIFICATE.to_vec();
    let now = t("2025-03-01T12:31:00Z");
    let out = csr::update(Endpoint::Main, new, &old, now).unwrap();
    assert_eq!(out.spec, old.spec);
    assert_eq!(out.status, old.status);
    assert_eq!(out.metadata.labels["team"], "infra");
}

#[test]
fn approval_update_fills_timestamps_and_keeps_spec_and_certificate() {
    let mut old = stored();
    old.status.conditions = vec![condition(
        "Custom",
        ConditionStatus::False,
        Some("2025-03-01T12:30:10Z"),
        Some("2025-03-01T12:30:05Z"),
    )];
    let mut new = old.clone();
    new.spec.username = "tampered".into();
    new.status.certificate = CERTIFICATE.to_vec();
    new.status.conditions = vec![
        // Same type and status as before, no times: transition carried over, update = now.
        condition("Custom", ConditionStatus::False, None, None),
        condition("Approved", ConditionStatus::True, None, None),
    ];
    let now = t("2025-03-01T12:31:00Z");
    let out = csr::update(Endpoint::Approval, new, &old, now).unwrap();
    assert_eq!(out.spec, old.spec);
    assert!(out.status.certificate.is_empty());
    assert_eq!(
        out.status.conditions,
        [
            condition(
                "Custom",
                ConditionStatus::False,
                Some("2025-03-01T12:31:00Z"),
                Some("2025-03-01T12:30:05Z")
            ),
            condition(
                "Approved",
                ConditionStatus::True,
                Some("2025-03-01T12:31:00Z"),
                Some("2025-03-01T12:31:00Z")
            ),
        ]
    );
}

#[test]
fn status_update_sets_the_certificate_and_preserves_approval_conditions() {
    let mut old = stored();
    old.status.conditions = vec![condition(
        "Approved",
        ConditionStatus::True,
        Some("2025-03-01T12:30:01Z"),
        Some("2025-03-01T12:30:01Z"),
    )];
    old.status.conditions[0].reason = "AutoApproved".into();
    let mut new = old.clone();
    // The signer's client sends a stale copy of the Approved condition: it is restored.
    new.status.conditions[0].reason = "Rewritten".into();
    new.status.conditions[0].last_update_time = None;
    new.status
        .conditions
        .push(condition("Issued-ish", ConditionStatus::True, None, None));
    new.status.certificate = CERTIFICATE.to_vec();
    let now = t("2025-03-01T12:30:02Z");
    let out = csr::update(Endpoint::Status, new, &old, now).unwrap();
    assert_eq!(out.status.conditions[0], old.status.conditions[0]);
    assert_eq!(
        out.status.conditions[1],
        condition(
            "Issued-ish",
            ConditionStatus::True,
            Some("2025-03-01T12:30:02Z"),
            Some("2025-03-01T12:30:02Z")
        )
    );
    assert_eq!(out.status.certificate, CERTIFICATE);

    // Adding an Approved condition through /status is not preserved away; validation refuses.
    let mut add = old.clone();
    add.status
        .conditions
        .push(condition("Denied", ConditionStatus::True, None, None));
    assert_eq!(
        csr::update(Endpoint::Status, add, &old, now)
            .unwrap_err()
            .to_string(),
        r#"CertificateSigningRequest.certificates.k8s.io "csr-8b2tm" is invalid: [status.conditions[1].type: Invalid value: "Denied": Approved and Denied conditions are mutually exclusive, status.conditions: Forbidden: updates may not add a condition of type "Denied"]"#
    );

    // The certificate is write-once.
    let issued = out;
    let mut again = issued.clone();
    again.status.certificate = b"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n".to_vec();
    assert_eq!(
        csr::update(Endpoint::Status, again, &issued, now)
            .unwrap_err()
            .to_string(),
        r#"CertificateSigningRequest.certificates.k8s.io "csr-8b2tm" is invalid: [status.certificate: Invalid value: "<certificate data>": found CERTIFICATE PEM block containing 0 certificates, status.certificate: Forbidden: updates may not modify existing certificate content]"#
    );
}

#[test]
fn update_keeps_uid_and_creation_time_from_the_stored_object() {
    let old = stored();
    let mut new = old.clone();
    new.metadata.uid.clear();
    new.metadata.creation_timestamp = Some(t("2030-01-01T00:00:00Z"));
    let out = csr::update(Endpoint::Main, new, &old, t("2025-03-01T12:31:00Z")).unwrap();
    assert_eq!(out.metadata.uid, "uid-1");
    assert_eq!(
        out.metadata.creation_timestamp,
        old.metadata.creation_timestamp
    );
}

#[test]
fn update_verified_binds_its_proof_to_the_stored_request() {
    use kube_tls_bootstrap::pki::CertificateRequest;
    let old = stored();
    let mut new = old.clone();
    new.status.conditions = vec![condition("Approved", ConditionStatus::True, None, None)];
    let now = t("2025-03-01T12:31:00Z");
    let proof = CertificateRequest::from_pem(REQUEST)
        .unwrap()
        .verified_digest();
    // The stored request's proof: the result is `update`'s.
    assert_eq!(
        csr::update_verified(Endpoint::Approval, new.clone(), &old, now, &proof).unwrap(),
        csr::update(Endpoint::Approval, new.clone(), &old, now).unwrap()
    );
    assert_eq!(
        csr::validate_update_verified(Endpoint::Approval, &new, &old, &proof),
        Ok(Vec::new())
    );
    // Another request's proof is refused, with the stored object's name.
    let other =
        CertificateRequest::from_pem(include_bytes!("data/csr/kubelet-client-ed25519.csr.pem"))
            .unwrap()
            .verified_digest();
    let mismatch = csr::ProofMismatch {
        name: "csr-8b2tm".into(),
    };
    assert_eq!(
        csr::update_verified(Endpoint::Approval, new.clone(), &old, now, &other),
        Err(csr::UpdateError::ProofMismatch(mismatch.clone()))
    );
    assert_eq!(
        csr::validate_update_verified(Endpoint::Approval, &new, &old, &other),
        Err(mismatch.clone())
    );
    assert_eq!(
        mismatch.to_string(),
        "the proof is not the verified digest of the request of CertificateSigningRequest \
         \"csr-8b2tm\""
    );
    // A stored request that is not PEM proves nothing either.
    let mut garbled = old.clone();
    garbled.spec.request = b"not a request".to_vec();
    assert_eq!(
        csr::validate_update_verified(Endpoint::Approval, &new, &garbled, &proof),
        Err(mismatch)
    );
    // Validation errors still come back as `is invalid`, once the proof is the right one.
    let mut renamed = new;
    renamed.metadata.name = "other".into();
    let Err(csr::UpdateError::Invalid(invalid)) =
        csr::update_verified(Endpoint::Approval, renamed, &old, now, &proof)
    else {
        panic!("expected is invalid")
    };
    assert_eq!(
        invalid.to_string(),
        "CertificateSigningRequest.certificates.k8s.io \"other\" is invalid: metadata.name: \
         Invalid value: \"other\": field is immutable"
    );
}
