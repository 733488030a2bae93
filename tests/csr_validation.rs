//! The cases of k/k `pkg/apis/certificates/validation/validation_test.go` — create, main update,
//! `/status`, `/approval`, and the strict-versus-tolerated table — with Kubernetes' exact
//! messages.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is a test failure with a line

use kube_tls_bootstrap::csr::{
    CertificateSigningRequest, CertificateSigningRequestCondition, ConditionStatus, ConditionType,
    Endpoint, Usage, validate_create, validate_update,
};
use kube_tls_bootstrap::pki::KeyUsage;

const REQUEST: &[u8] = include_bytes!("data/csr/kubelet-client-p256.csr.pem");
const ED25519_REQUEST: &[u8] = include_bytes!("data/csr/kubelet-client-ed25519.csr.pem");
const CERTIFICATE: &[u8] = include_bytes!("data/csr/kubelet-client-p256.crt.pem");

const SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

fn csr(signer: &str) -> CertificateSigningRequest {
    let mut c = CertificateSigningRequest::new("testcsr");
    c.spec.request = ED25519_REQUEST.to_vec();
    c.spec.signer_name = signer.to_owned();
    c.spec.usages = vec![Usage::Known(KeyUsage::KeyEncipherment)];
    c
}

fn messages(errors: &[kube_tls_bootstrap::csr::FieldError]) -> Vec<String> {
    errors.iter().map(ToString::to_string).collect()
}

fn create_errors(c: &CertificateSigningRequest) -> Vec<String> {
    messages(&validate_create(c))
}

fn with_conditions(
    mut c: CertificateSigningRequest,
    types: &[ConditionType],
) -> CertificateSigningRequest {
    c.status.conditions = types
        .iter()
        .cloned()
        .map(CertificateSigningRequestCondition::new)
        .collect();
    c
}

fn a(n: usize) -> String {
    "a".repeat(n)
}

#[test]
fn create_request_data() {
    let mut c = csr("example.com/valid-name");
    c.spec.request.clear();
    assert_eq!(
        create_errors(&c),
        ["spec.request: Invalid value: []byte(nil): PEM block type must be CERTIFICATE REQUEST"]
    );
    c.spec.request = b"invalid data".to_vec();
    assert_eq!(
        create_errors(&c),
        [
            "spec.request: Invalid value: []byte{0x69, 0x6e, 0x76, 0x61, 0x6c, 0x69, 0x64, 0x20, 0x64, 0x61, 0x74, 0x61}: PEM block type must be CERTIFICATE REQUEST"
        ]
    );
    c.spec.request = REQUEST.to_vec();
    assert_eq!(create_errors(&c), Vec::<String>::new());
}

#[test]
fn create_usages() {
    let mut c = csr("example.com/valid-name");
    c.spec.usages.clear();
    assert_eq!(create_errors(&c), ["spec.usages: Required value"]);
    c.spec.usages = vec![Usage::parse("unknown"), Usage::parse("unknown")];
    let supported = r#"supported values: "any", "cert sign", "client auth", "code signing", "content commitment", "crl sign", "data encipherment", "decipher only", "digital signature", "email protection", "encipher only", "ipsec end system", "ipsec tunnel", "ipsec user", "key agreement", "key encipherment", "microsoft sgc", "netscape sgc", "ocsp signing", "s/mime", "server auth", "signing", "timestamping""#;
    assert_eq!(
        create_errors(&c),
        [
            format!(r#"spec.usages[0]: Unsupported value: "unknown": {supported}"#),
            format!(r#"spec.usages[1]: Unsupported value: "unknown": {supported}"#),
            r#"spec.usages[1]: Duplicate value: "unknown""#.to_owned(),
        ]
    );
}

#[test]
fn create_signer_names() {
    let max_fqdn = format!("{}.{}.{}.{}", a(63), a(63), a(63), a(61));
    let max_signer = format!("{max_fqdn}/{}.{}", a(63), a(253));
    let cases: Vec<(String, Vec<String>)> = vec![
        ("".into(), vec!["spec.signerName: Required value".into()]),
        (
            "an-invalid-signer-name".into(),
            vec![r#"spec.signerName: Invalid value: "an-invalid-signer-name": must be a fully qualified domain and path of the form 'example.com/signer-name'"#.into()],
        ),
        (
            "an-invalid-signer-name.com/something/else".into(),
            vec![r#"spec.signerName: Invalid value: "an-invalid-signer-name.com/something/else": must be a fully qualified domain and path of the form 'example.com/signer-name'"#.into()],
        ),
        (
            "example/some-signer-name".into(),
            vec![r#"spec.signerName: Invalid value: "example": should be a domain with at least two segments separated by dots"#.into()],
        ),
        (
            "example.com/".into(),
            vec![format!(r#"spec.signerName: Invalid value: "": validating label "": {SUBDOMAIN_MSG}"#)],
        ),
        (
            "example.com/something-".into(),
            vec![format!(r#"spec.signerName: Invalid value: "something-": validating label "something-": {SUBDOMAIN_MSG}"#)],
        ),
        (
            "example.com/-".into(),
            vec![format!(r#"spec.signerName: Invalid value: "-": validating label "-": {SUBDOMAIN_MSG}"#)],
        ),
        ("example.com/some-signer-name".into(), vec![]),
        (
            format!("{max_signer}.toolong"),
            vec!["spec.signerName: Too long: must have at most 571 bytes".into()],
        ),
        (
            format!("{max_fqdn}.extra/valid-path"),
            vec!["spec.signerName: Too long: must have at most 253 bytes".into()],
        ),
        (format!("abc.io/{}.{}", a(253), a(253)), vec![]),
        (
            format!("{}.example.io/valid-path", a(66)),
            vec![format!(
                r#"spec.signerName: Invalid value: "{0}.example.io": validating label "{0}": must be no more than 63 characters"#,
                a(66)
            )],
        ),
        (max_signer.clone(), vec![]),
        (
            "kubernetes.io/legacy-unknown".into(),
            vec![r#"spec.signerName: Invalid value: "kubernetes.io/legacy-unknown": the legacy signerName is not allowed via this API version"#.into()],
        ),
        (
            "Example.com/x".into(),
            vec![r#"spec.signerName: Invalid value: "Example.com": validating label "Example": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"#.into()],
        ),
    ];
    for (signer, want) in cases {
        assert_eq!(create_errors(&csr(&signer)), want, "{signer}");
    }
    assert_eq!(max_signer.len(), 571);
}

#[test]
fn create_expiration_seconds() {
    for (seconds, want) in [
        (
            -1,
            vec![
                "spec.expirationSeconds: Invalid value: -1: may not specify a duration less than 600 seconds (10 minutes)",
            ],
        ),
        (
            0,
            vec![
                "spec.expirationSeconds: Invalid value: 0: may not specify a duration less than 600 seconds (10 minutes)",
            ],
        ),
        (
            1,
            vec![
                "spec.expirationSeconds: Invalid value: 1: may not specify a duration less than 600 seconds (10 minutes)",
            ],
        ),
        (
            60,
            vec![
                "spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 600 seconds (10 minutes)",
            ],
        ),
        (600, vec![]),
    ] {
        let mut c = csr("example.com/valid-name");
        c.spec.expiration_seconds = Some(seconds);
        assert_eq!(create_errors(&c), want, "{seconds}");
    }
}

#[test]
fn create_metadata() {
    let mut c = csr("example.com/valid-name");
    c.metadata.name.clear();
    c.metadata.namespace = "default".into();
    assert_eq!(
        create_errors(&c),
        [
            "metadata.name: Required value: name or generateName is required",
            "metadata.namespace: Forbidden: not allowed on this type"
        ]
    );
}

/// One row of the update tables: the new and old conditions, certificates and the errors.
struct UpdateCase {
    name: &'static str,
    new: CertificateSigningRequest,
    old: CertificateSigningRequest,
}

fn update_cases() -> Vec<UpdateCase> {
    let base = || {
        let mut c = csr("example.com/something");
        c.metadata.resource_version = "1".into();
        c
    };
    let with_finalizer = || {
        let mut c = base();
        c.metadata.finalizers = vec!["foo".into()];
        c
    };
    let with_cert = |mut c: CertificateSigningRequest, cert: &[u8]| {
        c.status.certificate = cert.to_vec();
        c
    };
    let mut dup_usages_new = base();
    dup_usages_new.spec.usages = vec![Usage::parse("unknown"), Usage::parse("unknown")];
    let mut dup_usages_old = with_finalizer();
    dup_usages_old.spec.usages = dup_usages_new.spec.usages.clone();
    vec![
        UpdateCase {
            name: "no-op",
            new: base(),
            old: base(),
        },
        UpdateCase {
            name: "finalizer change with invalid status",
            new: with_cert(base(), b"abc"),
            old: with_cert(with_finalizer(), b"abc"),
        },
        UpdateCase {
            name: "finalizer change with duplicate and unknown usages",
            new: dup_usages_new,
            old: dup_usages_old,
        },
        UpdateCase {
            name: "add Approved condition",
            new: with_conditions(base(), &[ConditionType::Approved]),
            old: with_finalizer(),
        },
        UpdateCase {
            name: "remove Approved condition",
            new: base(),
            old: with_conditions(with_finalizer(), &[ConditionType::Approved]),
        },
        UpdateCase {
            name: "add Denied condition",
            new: with_conditions(base(), &[ConditionType::Denied]),
            old: with_finalizer(),
        },
        UpdateCase {
            name: "remove Denied condition",
            new: base(),
            old: with_conditions(with_finalizer(), &[ConditionType::Denied]),
        },
        UpdateCase {
            name: "add Failed condition",
            new: with_conditions(base(), &[ConditionType::Failed]),
            old: with_finalizer(),
        },
        UpdateCase {
            name: "remove Failed condition",
            new: base(),
            old: with_conditions(with_finalizer(), &[ConditionType::Failed]),
        },
        UpdateCase {
            name: "set certificate",
            new: with_cert(base(), CERTIFICATE),
            old: with_finalizer(),
        },
        UpdateCase {
            name: "set invalid certificate",
            new: with_cert(base(), b"abc"),
            old: with_finalizer(),
        },
        UpdateCase {
            name: "reset certificate",
            new: with_cert(
                base(),
                b"-----BEGIN CERTIFICATE1-----\nAQID\n-----END CERTIFICATE1-----\n",
            ),
            old: with_cert(with_finalizer(), b"abc"),
        },
    ]
}

fn check_endpoint(endpoint: Endpoint, expected: &[(&str, &[&str])]) {
    for case in update_cases() {
        let Some((_, want)) = expected.iter().find(|(n, _)| *n == case.name) else {
            continue;
        };
        let mut got = messages(&validate_update(endpoint, &case.new, &case.old));
        got.sort();
        let mut want: Vec<String> = want.iter().map(|s| (*s).to_owned()).collect();
        want.sort();
        assert_eq!(got, want, "{endpoint:?}: {}", case.name);
    }
}

const ADD_APPROVED: &str =
    r#"status.conditions: Forbidden: updates may not add a condition of type "Approved""#;
const ADD_DENIED: &str =
    r#"status.conditions: Forbidden: updates may not add a condition of type "Denied""#;
const REMOVE_APPROVED: &str =
    r#"status.conditions: Forbidden: updates may not remove a condition of type "Approved""#;
const REMOVE_DENIED: &str =
    r#"status.conditions: Forbidden: updates may not remove a condition of type "Denied""#;
const REMOVE_FAILED: &str =
    r#"status.conditions: Forbidden: updates may not remove a condition of type "Failed""#;
const SET_CERT: &str = "status.certificate: Forbidden: updates may not set certificate content";

#[test]
fn main_resource_update() {
    check_endpoint(
        Endpoint::Main,
        &[
            ("no-op", &[]),
            ("finalizer change with invalid status", &[]),
            ("add Approved condition", &[ADD_APPROVED]),
            ("remove Approved condition", &[REMOVE_APPROVED]),
            ("add Denied condition", &[ADD_DENIED]),
            ("remove Denied condition", &[REMOVE_DENIED]),
            ("add Failed condition", &[]),
            ("remove Failed condition", &[REMOVE_FAILED]),
            ("set certificate", &[SET_CERT]),
        ],
    );
}

#[test]
fn status_update() {
    check_endpoint(
        Endpoint::Status,
        &[
            ("no-op", &[]),
            ("finalizer change with invalid status", &[]),
            ("finalizer change with duplicate and unknown usages", &[]),
            ("add Approved condition", &[ADD_APPROVED]),
            ("remove Approved condition", &[REMOVE_APPROVED]),
            ("add Denied condition", &[ADD_DENIED]),
            ("remove Denied condition", &[REMOVE_DENIED]),
            ("add Failed condition", &[]),
            ("remove Failed condition", &[REMOVE_FAILED]),
            ("set certificate", &[]),
            (
                "set invalid certificate",
                &[
                    r#"status.certificate: Invalid value: "<certificate data>": must contain at least one CERTIFICATE PEM block"#,
                ],
            ),
            (
                "reset certificate",
                &[
                    "status.certificate: Forbidden: updates may not modify existing certificate content",
                ],
            ),
        ],
    );
}

#[test]
fn approval_update() {
    check_endpoint(
        Endpoint::Approval,
        &[
            ("no-op", &[]),
            ("finalizer change with invalid status", &[]),
            ("add Approved condition", &[]),
            ("remove Approved condition", &[REMOVE_APPROVED]),
            ("add Denied condition", &[]),
            ("remove Denied condition", &[REMOVE_DENIED]),
            ("add Failed condition", &[]),
            ("remove Failed condition", &[REMOVE_FAILED]),
            ("set certificate", &[SET_CERT]),
        ],
    );
}

#[test]
fn modifying_an_approval_condition_outside_approval_is_forbidden_with_a_diff() {
    let mut old = with_conditions(csr("example.com/x"), &[ConditionType::Approved]);
    old.status.conditions[0].reason = "AutoApproved".into();
    let mut new = old.clone();
    new.status.conditions[0].reason = "Changed".into();
    assert_eq!(
        messages(&validate_update(Endpoint::Status, &new, &old)),
        [concat!(
            "status.conditions: Forbidden: updates may not modify a condition of type \"Approved\"\n",
            "- {\"type\":\"Approved\",\"status\":\"True\",\"reason\":\"AutoApproved\"}\n",
            "+ {\"type\":\"Approved\",\"status\":\"True\",\"reason\":\"Changed\"}"
        )]
    );
    assert!(validate_update(Endpoint::Approval, &new, &old).is_empty());
}

#[test]
fn name_and_uid_are_immutable() {
    let old = csr("example.com/x");
    let mut new = old.clone();
    new.metadata.name = "other".into();
    new.metadata.uid = "u2".into();
    assert_eq!(
        messages(&validate_update(Endpoint::Main, &new, &old)),
        [
            r#"metadata.name: Invalid value: "other": field is immutable"#,
            r#"metadata.uid: Invalid value: "u2": field is immutable"#
        ]
    );
}

/// `Test_validateCertificateSigningRequestOptions`: each object fails strict (create)
/// validation with exactly these errors, and passes as an update when the stored object already
/// had the same problem.
#[test]
fn strict_errors_and_compatibility_tolerances() {
    let valid = || csr("example.com/something");
    let approved = |c| with_conditions(c, &[ConditionType::Approved]);
    let with_cert = |mut c: CertificateSigningRequest, cert: &[u8]| {
        c.status.certificate = cert.to_vec();
        c
    };
    let mut legacy = valid();
    legacy.spec.signer_name = "kubernetes.io/legacy-unknown".into();
    let mut empty_type = valid();
    empty_type.status.conditions = vec![CertificateSigningRequestCondition {
        status: ConditionStatus::True,
        ..CertificateSigningRequestCondition::default()
    }];
    let cert_pem = String::from_utf8(CERTIFICATE.to_vec()).unwrap();
    let body: String = cert_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .join("\n");
    let cases: Vec<(&str, CertificateSigningRequest, Vec<String>)> = vec![
        ("no status", valid(), vec![]),
        ("approved condition", approved(valid()), vec![]),
        ("denied condition", with_conditions(valid(), &[ConditionType::Denied]), vec![]),
        ("failed condition", with_conditions(valid(), &[ConditionType::Failed]), vec![]),
        (
            "approved+issued",
            with_cert(
                approved(valid()),
                format!("Leading non-PEM content\n{cert_pem}Intermediate non-PEM content\n{cert_pem}Trailing non-PEM content\n").as_bytes(),
            ),
            vec![],
        ),
        (
            "legacy signer",
            legacy,
            vec![r#"spec.signerName: Invalid value: "kubernetes.io/legacy-unknown": the legacy signerName is not allowed via this API version"#.into()],
        ),
        ("empty condition type", empty_type, vec!["status.conditions[0].type: Required value".into()]),
        (
            "approved and denied",
            with_conditions(valid(), &[ConditionType::Approved, ConditionType::Denied]),
            vec![r#"status.conditions[1].type: Invalid value: "Denied": Approved and Denied conditions are mutually exclusive"#.into()],
        ),
        (
            "duplicate condition",
            with_conditions(valid(), &[ConditionType::Approved, ConditionType::Approved]),
            vec![r#"status.conditions[1].type: Duplicate value: "Approved""#.into()],
        ),
        (
            "status.certificate, no PEM",
            with_cert(approved(valid()), b"abc"),
            vec![r#"status.certificate: Invalid value: "<certificate data>": must contain at least one CERTIFICATE PEM block"#.into()],
        ),
        (
            "status.certificate, non-CERTIFICATE PEM",
            with_cert(approved(valid()), format!("\n-----BEGIN CERTIFICATE1-----\n{body}\n-----END CERTIFICATE1-----\n").as_bytes()),
            vec![r#"status.certificate: Invalid value: "<certificate data>": only CERTIFICATE PEM blocks are allowed, found "CERTIFICATE1""#.into()],
        ),
        (
            "status.certificate, PEM headers",
            with_cert(approved(valid()), format!("\n-----BEGIN CERTIFICATE-----\nSome-Header: Some-Value\n\n{body}\n-----END CERTIFICATE-----\n").as_bytes()),
            vec![r#"status.certificate: Invalid value: "<certificate data>": no PEM block headers are permitted"#.into()],
        ),
        (
            "status.certificate, non-base64 PEM",
            with_cert(approved(valid()), format!("\n-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n", body.replacen('M', "!", 1)).as_bytes()),
            vec![r#"status.certificate: Invalid value: "<certificate data>": must contain at least one CERTIFICATE PEM block"#.into()],
        ),
        (
            "status.certificate, empty PEM block",
            with_cert(approved(valid()), b"\n-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"),
            vec![r#"status.certificate: Invalid value: "<certificate data>": found CERTIFICATE PEM block containing 0 certificates"#.into()],
        ),
    ];
    for (name, c, want) in cases {
        assert_eq!(create_errors(&c), want, "strict: {name}");
        // The same object stored before: an update that changes only metadata is accepted.
        let mut new = c.clone();
        new.metadata.labels.insert("touched".into(), "yes".into());
        assert_eq!(
            messages(&validate_update(Endpoint::Status, &new, &c)),
            Vec::<String>::new(),
            "tolerated: {name}"
        );
    }
}

#[test]
fn condition_statuses() {
    let mut c = with_conditions(
        csr("example.com/x"),
        &[ConditionType::Approved, ConditionType::parse("Custom")],
    );
    c.status.conditions[0].status = ConditionStatus::False;
    c.status.conditions[1].status = ConditionStatus::parse("Maybe");
    assert_eq!(
        create_errors(&c),
        [
            r#"status.conditions[0].status: Unsupported value: "False": supported values: "True""#,
            r#"status.conditions[1].status: Unsupported value: "Maybe": supported values: "False", "True", "Unknown""#
        ]
    );
    c.status.conditions[1].status = ConditionStatus::parse("");
    c.status.conditions[0].status = ConditionStatus::True;
    assert_eq!(
        create_errors(&c),
        ["status.conditions[1].status: Required value"]
    );
}

#[test]
fn labels_and_annotations() {
    let mut c = csr("example.com/x");
    c.metadata
        .labels
        .insert("app.kubernetes.io/name".into(), "kubelet_1.x".into());
    c.metadata
        .annotations
        .insert("Example.COM/Note".into(), "anything at all".into());
    assert_eq!(create_errors(&c), Vec::<String>::new());

    c.metadata.labels.insert("bad key!".into(), "-bad-".into());
    c.metadata.annotations.insert("a/b/c".into(), String::new());
    assert_eq!(
        create_errors(&c),
        [
            r#"metadata.labels: Invalid value: "bad key!": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"#,
            r#"metadata.labels: Invalid value: "-bad-": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"#,
            r#"metadata.annotations: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"#,
        ]
    );

    let mut big = csr("example.com/x");
    big.metadata
        .annotations
        .insert("k".into(), "v".repeat(256 * 1024));
    assert_eq!(
        create_errors(&big),
        ["metadata.annotations: Too long: must have at most 262144 bytes"]
    );
    let mut prefixed = csr("example.com/x");
    prefixed
        .metadata
        .labels
        .insert("/name".into(), String::new());
    prefixed
        .metadata
        .labels
        .insert(format!("x/{}", "n".repeat(64)), String::new());
    assert_eq!(
        create_errors(&prefixed),
        [
            r#"metadata.labels: Invalid value: "/name": prefix part must be non-empty"#.to_owned(),
            format!(
                r#"metadata.labels: Invalid value: "x/{}": name part must be no more than 63 characters"#,
                "n".repeat(64)
            ),
        ]
    );
}
