//! The kubelet TLS bootstrap from the seed's `token.csv` line to an issued client certificate,
//! in memory, printed as the transcript an admin would see with kubectl.
//!
//! ```text
//! cargo run --example bootstrap
//! ```
//!
//! Every input is fixed — the clock, the kubelet's key, the CSR name suffix, the serial number —
//! so the output is the same on every run. Tokens are never printed, only their fingerprints.
//! The CA is the test CA committed under `tests/data/pki/corpus/ca/` (a test key).

use kube_tls_bootstrap::csr::{
    self, CertificateSigningRequest, CertificateSigningRequestCondition, ConditionType,
    CreateContext, Endpoint, NameSuffix, Usage, admission, kubectl,
};
use kube_tls_bootstrap::identity::{Authenticator, RequestAuthentication, TokenFile, UserInfo};
use kube_tls_bootstrap::pki::{
    self, CertificateAuthority, CertificateRequest, PrivateKey, SignerInput, kubelet, signers,
};
use kube_tls_bootstrap::rbac::{
    self, Attributes, Authorize, AuthorizerChain, NodeAuthorizer, Policy,
    PrivilegedGroupAuthorizer, bootstrap::CreateClusterRoleBinding,
};
use kube_tls_bootstrap::time::Timestamp;

/// The seed's `token.csv` line: `token,user,uid,"groups"`.
const TOKEN_CSV: &str =
    "02b50b05283e98dd0fd71db496ef01e8,kubelet-bootstrap,10001,\"system:bootstrappers\"\n";
const TOKEN_CSV_PATH: &str = "/etc/kubernetes/token.csv";
const NODE: &str = "node-1";
/// kube-controller-manager's `--cluster-signing-duration` default: one year.
const SIGNING_DURATION_SECONDS: i64 = 365 * 24 * 3600;
const CA_CERT: &[u8] = include_bytes!("../tests/data/pki/corpus/ca/ca.crt");
const CA_KEY: &[u8] = include_bytes!("../tests/data/pki/corpus/ca/ca.key");

type Error = Box<dyn std::error::Error>;

fn main() -> Result<(), Error> {
    let start = Timestamp::parse_rfc3339("2026-12-01T09:00:00Z")?;
    let mut clock = start;

    // 1. The admin: a token in token.csv, and RBAC for the bootstrap group.
    section("kube-apiserver --token-auth-file=/etc/kubernetes/token.csv");
    let token_file = TokenFile::parse(TOKEN_CSV.as_bytes(), TOKEN_CSV_PATH)?;
    for entry in token_file.entries() {
        println!(
            "loaded token {} for user {:?} (uid {:?}, groups {:?})",
            entry.fingerprint(),
            entry.name(),
            entry.uid(),
            entry.groups().collect::<Vec<_>>()
        );
    }
    let authenticator = Authenticator {
        token_file: Some(token_file),
        bootstrap_tokens: None,
    };

    let mut policy = Policy::new();
    for role in rbac::bootstrap::csr_cluster_roles() {
        policy.add_cluster_role(role);
    }
    policy.add_cluster_role(rbac::bootstrap::certificate_controller_role());
    policy.add_cluster_role_binding(rbac::bootstrap::certificate_controller_binding());
    // Before the bindings exist, the kubelet's request would be refused like this.
    let unbound =
        UserInfo::new("kubelet-bootstrap", ["system:bootstrappers"]).with_authenticated_group();
    let attempt = Attributes::resource(
        unbound,
        "create",
        "certificates.k8s.io",
        "certificatesigningrequests",
    );
    let refused = AuthorizerChain::new()
        .with(PrivilegedGroupAuthorizer::system_masters())
        .with(NodeAuthorizer)
        .with(policy.clone())
        .authorize(&attempt);
    println!(
        "without a binding the kubelet gets 403 Forbidden: {}",
        rbac::forbidden_message(&attempt, refused.reason())
    );
    for (name, role) in [
        ("kubelet-bootstrap", rbac::bootstrap::NODE_BOOTSTRAPPER),
        ("node-autoapprove-bootstrap", rbac::bootstrap::NODECLIENT),
    ] {
        let create = CreateClusterRoleBinding::new(name, role).group("system:bootstrappers");
        command(&format!(
            "kubectl create clusterrolebinding {name} --clusterrole={role} --group=system:bootstrappers"
        ));
        policy.add_cluster_role_binding(create.build()?);
        println!("clusterrolebinding.rbac.authorization.k8s.io/{name} created");
    }
    let authorizer = AuthorizerChain::new()
        .with(PrivilegedGroupAuthorizer::system_masters())
        .with(NodeAuthorizer)
        .with(policy);

    // 2. The kubelet: a key, a CSR for system:node:node-1, and a CertificateSigningRequest.
    section(&format!("kubelet --bootstrap-kubeconfig ... (node {NODE})"));
    let key = PrivateKey::ecdsa_p256_from_random_bytes(&[0x42; 32])?;
    let request_pem = kubelet::client_csr_pem(&key, NODE)?;
    let usages = kubelet::client_usages(key.public_key().kind());
    let mut object = CertificateSigningRequest::new("");
    object.metadata.generate_name = "csr-".to_owned();
    object.spec.request = request_pem.clone().into_bytes();
    object.spec.signer_name = signers::KUBE_APISERVER_CLIENT_KUBELET.to_owned();
    object.spec.usages = usages.iter().copied().map(Usage::Known).collect();
    println!(
        "generated an ECDSA P-256 key and a CSR for CN=system:node:{NODE}, O=system:nodes, usages {:?}",
        usages.iter().map(|u| u.as_str()).collect::<Vec<_>>()
    );
    println!(
        "POST /apis/certificates.k8s.io/v1/certificatesigningrequests (generateName \"csr-\"), \
         Authorization: Bearer <token>"
    );

    // 3. The API server: authenticate, authorize, admit, validate, store.
    section("kube-apiserver");
    let bootstrap_token = TOKEN_CSV.split(',').next().unwrap_or_default();
    if let RequestAuthentication::Rejected(error) =
        authenticator.authenticate_request(Some("Bearer 00000000000000000000000000000000"), clock)
    {
        println!("a request with a wrong token: 401 Unauthorized: {error}");
    }
    let user = match authenticator
        .authenticate_request(Some(&format!("Bearer {bootstrap_token}")), clock)
    {
        RequestAuthentication::Authenticated { user, .. } => user,
        other => return Err(format!("the bootstrap token was refused: {other:?}").into()),
    };
    println!("authenticated: {}", show(&user));
    let create = Attributes::resource(
        user.clone(),
        "create",
        "certificates.k8s.io",
        "certificatesigningrequests",
    );
    let decision = authorizer.authorize(&create);
    println!(
        "authorized create certificatesigningrequests: {}",
        decision.reason()
    );
    if !decision.is_allowed() {
        return Err(rbac::forbidden_message(&create, decision.reason()).into());
    }
    admission::subject_restriction(&object)?;
    let stored = csr::create(
        object,
        &CreateContext {
            requester: &user,
            now: clock,
            uid: "6f1c1f9e-5a52-4d4e-9c3b-2f1d0c8b7a61".to_owned(),
            name_suffix: NameSuffix::new("8b2tm").ok_or("a valid name suffix")?,
        },
    )?;
    let name = stored.metadata.name.clone();
    println!("certificatesigningrequest.certificates.k8s.io/{name} created");
    let request = CertificateRequest::from_pem(&stored.spec.request)?;
    println!(
        "(the legacy kubelet path would have named it {})",
        pki::node_csr_name_for(&request, &usages)
    );
    let mut store = vec![stored];
    get_csr(&store, clock.add_seconds(2));

    // 4. Approval: kube-controller-manager's csrapproving controller asks a SubjectAccessReview.
    clock = clock.add_seconds(1);
    section("kube-controller-manager csrapproving");
    let current = store[0].clone();
    let review = Attributes::resource(
        UserInfo {
            name: current.spec.username.clone(),
            uid: current.spec.uid.clone(),
            groups: current.spec.groups.clone(),
            extra: current.spec.extra.clone(),
        },
        "create",
        "certificates.k8s.io",
        "certificatesigningrequests",
    )
    .with_subresource("nodeclient");
    let decision = authorizer.authorize(&review);
    println!(
        "SubjectAccessReview create certificatesigningrequests/nodeclient: {}",
        decision.reason()
    );
    if !decision.is_allowed() {
        return Err("the CSR would stay Pending".into());
    }
    let controller = UserInfo::new(
        "system:serviceaccount:kube-system:certificate-controller",
        [
            "system:serviceaccounts",
            "system:serviceaccounts:kube-system",
            "system:authenticated",
        ],
    );
    let mut approved = current.clone();
    approved
        .status
        .conditions
        .push(CertificateSigningRequestCondition {
            reason: "AutoApproved".to_owned(),
            message: "Auto approving kubelet client certificate after SubjectAccessReview."
                .to_owned(),
            ..CertificateSigningRequestCondition::new(ConditionType::Approved)
        });
    admission::approval(&authorizer, &controller, &current)?;
    store[0] = csr::update(Endpoint::Approval, approved, &current, clock)?;
    println!(
        "PUT /apis/certificates.k8s.io/v1/certificatesigningrequests/{name}/approval: Approved (AutoApproved)"
    );
    get_csr(&store, clock.add_seconds(1));

    // 5. Signing: the csrsigning controller issues the certificate.
    clock = clock.add_seconds(1);
    section("kube-controller-manager csrsigning (--cluster-signing-duration=8760h)");
    let ca = CertificateAuthority::from_pem(CA_CERT, CA_KEY)?;
    let current = store[0].clone();
    let request = CertificateRequest::from_pem(&current.spec.request)?;
    let usage_strings: Vec<&str> = current.spec.usages.iter().map(Usage::as_str).collect();
    let issued = ca.sign_for_signer(
        &request,
        &SignerInput {
            signer_name: &current.spec.signer_name,
            usages: &usage_strings,
            expiration_seconds: current.spec.expiration_seconds,
            signing_duration_seconds: SIGNING_DURATION_SECONDS,
        },
        clock,
        &[0x5e; 16],
    )?;
    let mut signed = current.clone();
    signed.status.certificate = issued.to_pem().into_bytes();
    admission::signing(&authorizer, &controller, &signed, &current)?;
    store[0] = csr::update(Endpoint::Status, signed, &current, clock)?;
    println!(
        "PUT .../{name}/status: certificate issued, valid {} to {}",
        issued.not_before(),
        issued.not_after()
    );
    get_csr(&store, clock.add_seconds(60));

    // 6. The kubelet picks up its certificate.
    section("kubelet");
    let certificates = pki::certificate::parse_certificates_pem(&store[0].status.certificate)?;
    let leaf = certificates.first().ok_or("an issued certificate")?;
    if leaf.public_key() != key.public_key() {
        return Err("the issued certificate does not carry the kubelet's key".into());
    }
    let subject = leaf.subject();
    println!(
        "certificate for {} (groups {:?}) matches the kubelet's key; it authenticates as that node from now on",
        subject.common_name, subject.organization
    );
    let lifetime = leaf.not_after().seconds_since(leaf.not_before());
    println!(
        "rotation is due between {} and {} (70-90 % of its lifetime)",
        leaf.not_before().add_seconds(lifetime * 7 / 10),
        leaf.not_before().add_seconds(lifetime * 9 / 10),
    );
    Ok(())
}

fn section(title: &str) {
    println!();
    println!("## {title}");
}

fn command(line: &str) {
    println!("$ {line}");
}

fn get_csr(store: &[CertificateSigningRequest], now: Timestamp) {
    command("kubectl get csr");
    print!("{}", kubectl::get_table(store, now));
}

fn show(user: &UserInfo) -> String {
    format!(
        "user {:?}, uid {:?}, groups {:?}",
        user.name, user.uid, user.groups
    )
}
