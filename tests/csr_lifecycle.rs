//! One kubelet CSR through the whole API-server side: create (strategy, validation, subject
//! restriction), auto-approval through `/approval` by kube-controller-manager's service account
//! (CertificateApproval over the default RBAC policy), issuance through `/status`
//! (CertificateSigning), `kubectl get csr`, and the cleaner.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is a test failure with a line

use kube_tls_bootstrap::csr::{
    self, CertificateSigningRequest, CertificateSigningRequestCondition, ConditionType,
    CreateContext, Endpoint, NameSuffix, Usage, admission, cleaner, kubectl,
};
use kube_tls_bootstrap::identity::UserInfo;
use kube_tls_bootstrap::pki::KeyUsage;
use kube_tls_bootstrap::rbac::{Policy, bootstrap};
use kube_tls_bootstrap::time::Timestamp;

const REQUEST: &[u8] = include_bytes!("data/csr/kubelet-client-p256.csr.pem");
const CERTIFICATE: &[u8] = include_bytes!("data/csr/kubelet-client-p256.crt.pem");

fn t(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

#[test]
fn kubelet_client_csr_from_create_to_garbage_collection() {
    let mut policy = Policy::new();
    policy.add_cluster_role(bootstrap::certificate_controller_role());
    policy.add_cluster_role_binding(bootstrap::certificate_controller_binding());
    let controller = UserInfo::new(
        "system:serviceaccount:kube-system:certificate-controller",
        [
            "system:serviceaccounts",
            "system:serviceaccounts:kube-system",
        ],
    )
    .with_authenticated_group();
    let kubelet = UserInfo::new(
        "system:bootstrap:abcdef",
        [
            "system:bootstrappers",
            "system:bootstrappers:kubeadm:default-node-token",
        ],
    )
    .with_authenticated_group();

    // 1. The kubelet creates the request with generateName "csr-".
    let mut submitted = CertificateSigningRequest::new("");
    submitted.metadata.generate_name = "csr-".into();
    submitted.spec.request = REQUEST.to_vec();
    submitted.spec.signer_name = "kubernetes.io/kube-apiserver-client-kubelet".into();
    submitted.spec.usages = vec![
        Usage::Known(KeyUsage::DigitalSignature),
        Usage::Known(KeyUsage::ClientAuth),
    ];
    admission::subject_restriction(&submitted).unwrap();
    let created = csr::create(
        submitted,
        &CreateContext {
            requester: &kubelet,
            now: t("2025-03-01T12:30:00Z"),
            uid: "0b7e4b7c-0000-4000-8000-000000000001".into(),
            name_suffix: NameSuffix::new("8b2tm").unwrap(),
        },
    )
    .unwrap();
    assert_eq!(created.metadata.name, "csr-8b2tm");
    assert_eq!(kubectl::condition(&created), "Pending");

    // 2. The approver adds Approved through /approval; the kubelet itself may not.
    let mut approve = created.clone();
    approve
        .status
        .conditions
        .push(CertificateSigningRequestCondition {
            reason: "AutoApproved".into(),
            message: "Auto approving kubelet client certificate after SubjectAccessReview.".into(),
            ..CertificateSigningRequestCondition::new(ConditionType::Approved)
        });
    assert_eq!(
        admission::approval(&policy, &kubelet, &created)
            .unwrap_err()
            .to_string(),
        r#"certificatesigningrequests.certificates.k8s.io "csr-8b2tm" is forbidden: user not permitted to approve requests with signerName "kubernetes.io/kube-apiserver-client-kubelet""#
    );
    admission::approval(&policy, &controller, &created).unwrap();
    let approved = csr::update(
        Endpoint::Approval,
        approve,
        &created,
        t("2025-03-01T12:30:01Z"),
    )
    .unwrap();
    assert_eq!(
        approved.status.conditions[0].last_update_time,
        Some(t("2025-03-01T12:30:01Z"))
    );

    // 3. The signer writes the certificate through /status.
    let mut issue = approved.clone();
    issue.status.certificate = CERTIFICATE.to_vec();
    admission::signing(&policy, &controller, &issue, &approved).unwrap();
    assert!(admission::signing(&policy, &kubelet, &issue, &approved).is_err());
    let issued = csr::update(
        Endpoint::Status,
        issue,
        &approved,
        t("2025-03-01T12:30:02Z"),
    )
    .unwrap();
    assert_eq!(
        kubectl::get_table(std::slice::from_ref(&issued), t("2025-03-01T12:30:12Z")),
        "NAME        AGE   SIGNERNAME                                    REQUESTOR                 REQUESTEDDURATION   CONDITION\n\
         csr-8b2tm   12s   kubernetes.io/kube-apiserver-client-kubelet   system:bootstrap:abcdef   <none>              Approved,Issued\n"
    );

    // The approval is final: kubectl cannot deny it any more.
    assert_eq!(
        kubectl::certificate(
            &issued,
            kubectl::CertificateCommand::Deny,
            true,
            t("2025-03-01T12:31:00Z")
        )
        .unwrap_err()
        .to_string(),
        r#"certificate signing request "csr-8b2tm" is already Approved"#
    );

    // 4. The cleaner removes it one hour and one second after the approval.
    let plan = cleaner::plan(std::slice::from_ref(&issued), t("2025-03-01T12:31:00Z"));
    assert!(plan.delete.is_empty());
    assert_eq!(plan.next_due, Some(t("2025-03-01T13:30:02Z")));
    assert_eq!(
        cleaner::plan(std::slice::from_ref(&issued), t("2025-03-01T13:30:02Z")).delete,
        [(
            "csr-8b2tm".to_owned(),
            cleaner::CleanupReason::IssuedPastDeadline
        )]
    );
}
