// Reads the committed test CA and CSRs from tests/data/pki (the test, not the library, does I/O).
#![allow(clippy::disallowed_methods)]
// Test helpers outside #[test] functions unwrap too: a panic there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

//! Every fact [`KnownSigner`] holds, against the Kubernetes values it is taken from:
//! k8s.io/api `certificates/v1` and `v1beta1` (names), `pkg/controller/certificates/signer/
//! signer.go` (controllers, checks, `validAPIServerClientUsages`), `pkg/apis/certificates/
//! helpers.go` (the kubelet usage sets), `approver/sarapprove.go` (auto-approval),
//! `bootstrappolicy` (roles), the subjectrestriction and noderestriction admission plugins,
//! and `validation.go` (legacy-unknown through v1). The usage checks are also compared, over
//! every set of up to three usages, with an oracle written from Kubernetes' string sets.

use std::collections::BTreeSet;

use der::Decode as _;
use kube_tls_bootstrap::csr::SignerName;
use kube_tls_bootstrap::pki::signers::{self, SignerCheck, UsageProfile};
use kube_tls_bootstrap::pki::{
    CertificateAuthority, CertificateRequest, CheckError, KeyUsage, KnownSigner, SignerFailure,
    SignerInput, Usage, checks,
};
use kube_tls_bootstrap::rbac::bootstrap;
use kube_tls_bootstrap::time::Timestamp;
use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsage as X509KeyUsage};

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/data/pki/corpus/{rel}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn csr(name: &str) -> CertificateRequest {
    CertificateRequest::from_pem(&read(name)).unwrap()
}

fn usages(strings: &[&str]) -> Vec<Usage> {
    strings.iter().map(|s| Usage::parse(s)).collect()
}

/// One row of Kubernetes' facts about a signer.
struct Row {
    signer: KnownSigner,
    name: &'static str,
    controller: &'static str,
    check: SignerCheck,
    /// The usages as Kubernetes' sets spell them; `None` for "no restriction".
    required: Option<&'static [&'static str]>,
    optional: &'static [&'static str],
    auto_approved: bool,
    creatable_in_v1: bool,
    refuses_system_masters: bool,
    node_restricted: bool,
    approver_role: &'static str,
}

const ROWS: [Row; 4] = [
    Row {
        signer: KnownSigner::KubeApiserverClient,
        name: "kubernetes.io/kube-apiserver-client",
        controller: "csrsigning-kube-apiserver-client",
        check: SignerCheck::KubeApiserverClientUsages,
        required: Some(&["client auth"]),
        optional: &["digital signature", "key encipherment"],
        auto_approved: false,
        creatable_in_v1: true,
        refuses_system_masters: true,
        node_restricted: false,
        approver_role: "system:certificates.k8s.io:kube-apiserver-client-approver",
    },
    Row {
        signer: KnownSigner::KubeApiserverClientKubelet,
        name: "kubernetes.io/kube-apiserver-client-kubelet",
        controller: "csrsigning-kubelet-client",
        check: SignerCheck::KubeletClient,
        required: Some(&["digital signature", "client auth"]),
        optional: &["key encipherment"],
        auto_approved: true,
        creatable_in_v1: true,
        refuses_system_masters: false,
        node_restricted: true,
        approver_role: "system:certificates.k8s.io:kube-apiserver-client-kubelet-approver",
    },
    Row {
        signer: KnownSigner::KubeletServing,
        name: "kubernetes.io/kubelet-serving",
        controller: "csrsigning-kubelet-serving",
        check: SignerCheck::KubeletServing,
        required: Some(&["digital signature", "server auth"]),
        optional: &["key encipherment"],
        auto_approved: false,
        creatable_in_v1: true,
        refuses_system_masters: false,
        node_restricted: true,
        approver_role: "system:certificates.k8s.io:kubelet-serving-approver",
    },
    Row {
        signer: KnownSigner::LegacyUnknown,
        name: "kubernetes.io/legacy-unknown",
        controller: "csrsigning-legacy-unknown",
        check: SignerCheck::Unrestricted,
        required: None,
        optional: &[],
        auto_approved: false,
        creatable_in_v1: false,
        refuses_system_masters: false,
        node_restricted: false,
        approver_role: "system:certificates.k8s.io:legacy-unknown-approver",
    },
];

fn strings(list: &[KeyUsage]) -> Vec<&'static str> {
    list.iter().map(|u| u.as_str()).collect()
}

#[test]
fn every_fact_is_kubernetes_value() {
    assert_eq!(
        KnownSigner::ALL.to_vec(),
        ROWS.iter().map(|r| r.signer).collect::<Vec<_>>()
    );
    for row in &ROWS {
        let s = row.signer;
        assert_eq!(s.name(), row.name);
        assert_eq!(s.to_string(), row.name);
        assert_eq!(KnownSigner::from_name(row.name), Some(s));
        assert_eq!(s.controller_name(), row.controller, "{s:?}");
        assert_eq!(s.check(), row.check, "{s:?}");
        let profile = s.usage_profile();
        assert_eq!(
            profile.map(|p| (strings(p.required), strings(p.optional))),
            row.required.map(|r| (r.to_vec(), row.optional.to_vec())),
            "{s:?}"
        );
        assert_eq!(s.auto_approved(), row.auto_approved, "{s:?}");
        assert_eq!(s.creatable_in_v1(), row.creatable_in_v1, "{s:?}");
        assert_eq!(
            s.refuses_system_masters(),
            row.refuses_system_masters,
            "{s:?}"
        );
        assert_eq!(s.node_restricted(), row.node_restricted, "{s:?}");
        assert_eq!(s.approver_cluster_role(), row.approver_role, "{s:?}");

        // csr::SignerName and the string constants agree.
        let name = SignerName::new(row.name).unwrap();
        assert_eq!(name.known(), Some(s));
        assert_eq!(SignerName::from(s), name);
        assert!(name.is_kubernetes());
    }
    assert_eq!(
        [
            signers::KUBE_APISERVER_CLIENT,
            signers::KUBE_APISERVER_CLIENT_KUBELET,
            signers::KUBELET_SERVING,
            signers::LEGACY_UNKNOWN,
        ],
        ROWS.map(|r| r.name)
    );
    // Names compare exactly, as Go's switch does.
    for other in [
        "kubernetes.io/Kubelet-serving",
        "kubernetes.io/kubelet-serving/",
        " kubernetes.io/kubelet-serving",
        "example.com/kubelet-serving",
        "",
    ] {
        assert_eq!(KnownSigner::from_name(other), None, "{other:?}");
    }
}

#[test]
fn mismatch_messages_list_the_profile_sorted() {
    // `fmt.Errorf("usages did not match %v", kubeletClientRequiredUsages.List())`: sets.String
    // lists sorted.
    let client = KnownSigner::KubeApiserverClientKubelet
        .usage_profile()
        .unwrap();
    assert_eq!(
        client.sorted_strings(),
        ["client auth", "digital signature", "key encipherment"]
    );
    assert_eq!(
        CheckError::KubeletClientUsages.to_string(),
        format!(
            "usages did not match [{}]",
            client.sorted_strings().join(" ")
        )
    );
    let serving = KnownSigner::KubeletServing.usage_profile().unwrap();
    assert_eq!(
        CheckError::KubeletServingUsages.to_string(),
        format!(
            "usages did not match [{}]",
            serving.sorted_strings().join(" ")
        )
    );
}

/// Kubernetes' checks as string sets, written from helpers.go and signer.go without the crate's
/// profile: `Ok` or the exact usage message, or `None` when the usages pass.
fn oracle(signer: KnownSigner, requested: &[&str]) -> Option<String> {
    let set: BTreeSet<&str> = requested.iter().copied().collect();
    let sets = |a: &[&str], b: &[&str]| {
        set == a.iter().copied().collect() || set == b.iter().copied().collect()
    };
    match signer {
        KnownSigner::KubeApiserverClientKubelet => (!sets(
            &["digital signature", "key encipherment", "client auth"],
            &["digital signature", "client auth"],
        ))
        .then(|| {
            "usages did not match [client auth digital signature key encipherment]".to_owned()
        }),
        KnownSigner::KubeletServing => (!sets(
            &["digital signature", "key encipherment", "server auth"],
            &["digital signature", "server auth"],
        ))
        .then(|| {
            "usages did not match [digital signature key encipherment server auth]".to_owned()
        }),
        KnownSigner::KubeApiserverClient => {
            let mut has_client_auth = false;
            for u in requested {
                match *u {
                    "digital signature" | "key encipherment" => {}
                    "client auth" => has_client_auth = true,
                    other => return Some(format!("invalid usage for client certificate: {other}")),
                }
            }
            (!has_client_auth)
                .then(|| "missing required usage for client certificate: client auth".to_owned())
        }
        KnownSigner::LegacyUnknown => None,
    }
}

#[test]
fn checks_match_kubernetes_over_every_small_usage_list() {
    let client = csr("kubelet-client-p256.csr.pem");
    let serving = csr("kubelet-serving-p256-dns-ip.csr.pem");
    // Every known usage, a case variant and a string Kubernetes never heard of.
    let mut vocabulary: Vec<&str> = KeyUsage::ALL.iter().map(|u| u.as_str()).collect();
    vocabulary.extend(["Client Auth", "bogus"]);
    let mut lists: Vec<Vec<&str>> = vec![vec![]];
    for a in &vocabulary {
        lists.push(vec![a]);
        for b in &vocabulary {
            lists.push(vec![a, b]);
            for c in [
                "digital signature",
                "key encipherment",
                "client auth",
                "server auth",
            ] {
                lists.push(vec![a, b, c]);
                lists.push(vec![c, a, b]);
            }
        }
    }
    let mut passed = [0usize; 4];
    for list in &lists {
        let typed = usages(list);
        for (i, signer) in KnownSigner::ALL.into_iter().enumerate() {
            let request = if signer == KnownSigner::KubeletServing {
                &serving
            } else {
                &client
            };
            let got = signer
                .validate(request, &typed)
                .err()
                .map(|e| e.to_string());
            assert_eq!(got, oracle(signer, list), "{signer:?} {list:?}");
            if let Some(profile) = signer.usage_profile() {
                assert_eq!(
                    profile.accepts(&typed),
                    got.is_none(),
                    "{signer:?} {list:?}"
                );
            }
            passed[i] += usize::from(got.is_none());
        }
    }
    // The table is not vacuous: every checking signer accepts some lists and refuses others;
    // legacy-unknown accepts them all.
    assert_eq!(lists.len(), 1 + 25 + 25 * 25 * 9);
    for (signer, n) in KnownSigner::ALL.into_iter().zip(passed) {
        if signer.usage_profile().is_some() {
            assert!(n > 0 && n < lists.len(), "{signer:?} passed {n}");
        } else {
            assert_eq!(n, lists.len(), "{signer:?}");
        }
    }
}

#[test]
fn unknown_usages_reach_the_messages_as_sent() {
    let request = csr("kubelet-client-p256.csr.pem");
    let typed = usages(&["digital signature", "Client Auth", "client auth"]);
    assert_eq!(typed[1], Usage::Unknown("Client Auth".into()));
    assert_eq!(
        checks::validate_kube_apiserver_client(&request, &typed),
        Err(CheckError::InvalidClientUsage("Client Auth".into()))
    );
    assert_eq!(
        KnownSigner::KubeApiserverClient
            .validate(&request, &typed)
            .unwrap_err()
            .to_string(),
        "invalid usage for client certificate: Client Auth"
    );
    // Through the signer, and through JSON as the API server stores it.
    let json = serde_json::to_string(&typed).unwrap();
    assert_eq!(json, r#"["digital signature","Client Auth","client auth"]"#);
    let back: Vec<Usage> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, typed);
    let ca = CertificateAuthority::from_pem(&read("ca/ca.crt"), &read("ca/ca.key")).unwrap();
    let now = Timestamp::parse_rfc3339("2030-06-01T12:00:00Z").unwrap();
    let input = SignerInput {
        signer_name: signers::KUBE_APISERVER_CLIENT,
        usages: &back,
        expiration_seconds: None,
        signing_duration_seconds: 3600,
    };
    assert_eq!(
        ca.sign_for_signer(&request, &input, now, &[1; 16])
            .unwrap_err(),
        SignerFailure::Validation(CheckError::InvalidClientUsage("Client Auth".into()))
    );
    // The kubelet checks compare sets: an unknown string is a mismatch, not an error of its own.
    assert_eq!(
        checks::validate_kubelet_client(&request, &typed),
        Err(CheckError::KubeletClientUsages)
    );
    // node-csr names hash the strings as sent.
    assert_eq!(
        checks::node_csr_name_for(&request, &typed),
        checks::node_csr_name_from_parts(
            &request.public_key().marshal_pkix_der(),
            &request.subject().common_name,
            request.subject().organization.iter().map(String::as_str),
            ["digital signature", "Client Auth", "client auth"],
        )
    );
}

/// The KeyUsage bits (bit 0 = digitalSignature) and the EKU OIDs of an issued certificate.
fn issued_usages(der: &[u8]) -> (u16, Vec<String>) {
    let parsed = x509_cert::Certificate::from_der(der).unwrap();
    let tbs = parsed.tbs_certificate();
    let bits = tbs
        .get_extension::<X509KeyUsage>()
        .unwrap()
        .map_or(0, |(_, ku)| ku.0.bits());
    let ekus = tbs
        .get_extension::<ExtendedKeyUsage>()
        .unwrap()
        .map_or_else(Vec::new, |(_, eku)| {
            eku.0.iter().map(ToString::to_string).collect()
        });
    (bits, ekus)
}

#[test]
fn issued_certificates_carry_the_profile() {
    const CLIENT_AUTH: &str = "1.3.6.1.5.5.7.3.2";
    const SERVER_AUTH: &str = "1.3.6.1.5.5.7.3.1";
    const DIGITAL_SIGNATURE: u16 = 1;
    const KEY_ENCIPHERMENT: u16 = 1 << 2;
    let ca = CertificateAuthority::from_pem(&read("ca/ca.crt"), &read("ca/ca.key")).unwrap();
    let now = Timestamp::parse_rfc3339("2030-06-01T12:00:00Z").unwrap();
    // What each signer issues for the usages a current kubelet (or client) sends, and with the
    // optional RSA usage added.
    /// Signer, request file, `spec.usages`, and the KeyUsage bits and EKU OIDs issued.
    type Case = (
        KnownSigner,
        &'static str,
        &'static [&'static str],
        (u16, Vec<&'static str>),
    );
    let cases: [Case; 6] = [
        (
            KnownSigner::KubeApiserverClientKubelet,
            "kubelet-client-p256.csr.pem",
            &["digital signature", "client auth"],
            (DIGITAL_SIGNATURE, vec![CLIENT_AUTH]),
        ),
        (
            KnownSigner::KubeApiserverClientKubelet,
            "kubelet-client-rsa2048.csr.pem",
            &["digital signature", "key encipherment", "client auth"],
            (DIGITAL_SIGNATURE | KEY_ENCIPHERMENT, vec![CLIENT_AUTH]),
        ),
        (
            KnownSigner::KubeletServing,
            "kubelet-serving-p256-dns-ip.csr.pem",
            &["digital signature", "server auth"],
            (DIGITAL_SIGNATURE, vec![SERVER_AUTH]),
        ),
        (
            KnownSigner::KubeletServing,
            "kubelet-serving-p256-dns-ip.csr.pem",
            &["key encipherment", "server auth", "digital signature"],
            (DIGITAL_SIGNATURE | KEY_ENCIPHERMENT, vec![SERVER_AUTH]),
        ),
        (
            KnownSigner::KubeApiserverClient,
            "kubelet-client-p256.csr.pem",
            &["client auth"],
            (0, vec![CLIENT_AUTH]),
        ),
        (
            KnownSigner::LegacyUnknown,
            "kubelet-client-p256.csr.pem",
            &["server auth", "client auth"],
            (0, vec![SERVER_AUTH, CLIENT_AUTH]),
        ),
    ];
    for (signer, file, requested, (bits, ekus)) in cases {
        let request = csr(file);
        let typed = usages(requested);
        let input = SignerInput {
            signer_name: signer.name(),
            usages: &typed,
            expiration_seconds: None,
            signing_duration_seconds: 3600,
        };
        let issued = ca.sign_for_signer(&request, &input, now, &[9; 16]).unwrap();
        assert_eq!(
            issued_usages(issued.der()),
            (bits, ekus.iter().map(|s| (*s).to_owned()).collect()),
            "{signer:?} {requested:?}"
        );
        if let Some(profile) = signer.usage_profile() {
            assert!(profile.accepts(&typed));
        }
    }
}

#[test]
fn rbac_roles_are_built_from_the_signers() {
    let roles = bootstrap::csr_cluster_roles();
    for signer in KnownSigner::ALL {
        let role = roles
            .iter()
            .find(|r| r.metadata.name == signer.approver_cluster_role())
            .unwrap_or_else(|| panic!("{signer:?}"));
        assert_eq!(role.rules.len(), 1);
        assert_eq!(role.rules[0].verbs, ["approve"]);
        assert_eq!(role.rules[0].resources, ["signers"]);
        assert_eq!(role.rules[0].resource_names, [signer.name()]);
    }
    let controller = bootstrap::certificate_controller_role();
    let names_for = |verb: &str| -> Vec<String> {
        controller
            .rules
            .iter()
            .filter(|r| r.verbs == [verb] && r.resources == ["signers"])
            .flat_map(|r| r.resource_names.clone())
            .collect()
    };
    // controller_policy.go: approve on the kubelet client signer, sign on all four.
    assert_eq!(
        names_for("approve"),
        ["kubernetes.io/kube-apiserver-client-kubelet"]
    );
    assert_eq!(
        names_for("sign"),
        [
            "kubernetes.io/kube-apiserver-client",
            "kubernetes.io/kube-apiserver-client-kubelet",
            "kubernetes.io/kubelet-serving",
            "kubernetes.io/legacy-unknown",
        ]
    );
}

#[test]
fn a_profile_is_plain_data() {
    let p = UsageProfile {
        required: &[KeyUsage::ClientAuth],
        optional: &[],
    };
    assert!(p.accepts(&usages(&["client auth", "client auth"])));
    assert!(!p.accepts(&usages(&["client auth", "digital signature"])));
    assert!(!p.accepts(&[]));
    assert!(p.allows(&Usage::Unknown("client auth".into())));
    assert!(!p.allows(&Usage::parse("server auth")));
    assert_eq!(p.sorted_strings(), ["client auth"]);
}
