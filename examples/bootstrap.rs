//! The kubelet TLS bootstrap from the seed's `token.csv` line to an issued client certificate,
//! in memory, printed as the transcript an admin would see with kubectl.
//!
//! ```text
//! cargo run --example bootstrap
//! ```
//!
//! The API server and kube-controller-manager's certificate controllers are one
//! [`ControlPlane`] machine; this program is its driver: it sends the admin's and the kubelet's
//! requests, moves the virtual clock to the machine's next timeout, and prints what comes out.
//! Every input is fixed — the clock, the keys, the machine's seed (which picks the CSR name
//! suffix and the serial number) — so the output is the same on every run. Tokens are never
//! printed, only their fingerprints. The CA is the test CA committed under
//! `tests/data/pki/corpus/ca/` (a test key).

use std::sync::Arc;

use kube_tls_bootstrap::api::{Credential, Operation, Reply, Request, RequestId};
use kube_tls_bootstrap::control_plane::{Config, ControlPlane, Event, EventKind, Input, Output};
use kube_tls_bootstrap::csr::{CertificateSigningRequest, Usage, kubectl};
use kube_tls_bootstrap::identity::TokenFile;
use kube_tls_bootstrap::pki::{
    self, CertificateAuthority, CertificateRequest, KeyUsage, PrivateKey, kubelet, signers,
};
use kube_tls_bootstrap::rbac::{self, Attributes, Authorize, bootstrap::CreateClusterRoleBinding};
use kube_tls_bootstrap::time::{Duration, Instant, Timestamp};

/// The seed's `token.csv` line: `token,user,uid,"groups"`.
const TOKEN_CSV: &str =
    "02b50b05283e98dd0fd71db496ef01e8,kubelet-bootstrap,10001,\"system:bootstrappers\"\n";
const TOKEN_CSV_PATH: &str = "/etc/kubernetes/token.csv";
const NODE: &str = "node-1";
const CA_CERT: &[u8] = include_bytes!("../tests/data/pki/corpus/ca/ca.crt");
const CA_KEY: &[u8] = include_bytes!("../tests/data/pki/corpus/ca/ca.key");
/// The machine's seed: its first `generateName` suffix is `8b2tm`.
const SEED: u64 = 28_560_626;

type Error = Box<dyn std::error::Error>;

/// The driver: the machine, the virtual clock, and the events seen so far.
struct Driver {
    cp: ControlPlane,
    now: Instant,
    next_id: u64,
    events: Vec<Event>,
}

impl Driver {
    /// Sends one request and returns its reply; other outputs are kept or dropped.
    fn call(&mut self, credential: &Credential, operation: Operation) -> Reply {
        self.next_id += 1;
        let id = RequestId(self.next_id);
        let request = Request {
            credential: credential.clone(),
            operation,
        };
        self.cp.handle(self.now, Input::Request { id, request });
        let mut reply = None;
        while let Some(output) = self.cp.poll_output() {
            match output {
                Output::Reply { id: got, reply: r } if got == id => reply = Some(r),
                Output::Event(e) => self.events.push(e),
                _ => {}
            }
        }
        // The machine answers every request before `handle` returns.
        reply.unwrap_or(Reply::Status(kube_tls_bootstrap::api::Status::bad_request(
            "no reply",
        )))
    }

    /// Runs the machine's timers up to `until`, each at its time; returns the events.
    fn run_until(&mut self, until: Instant) -> Vec<Event> {
        let first = self.events.len();
        while let Some(at) = self.cp.poll_timeout().filter(|at| *at <= until) {
            self.now = self.now.max(at);
            self.cp.handle(self.now, Input::Timeout);
            while let Some(output) = self.cp.poll_output() {
                if let Output::Event(e) = output {
                    self.events.push(e);
                }
            }
        }
        self.now = until;
        self.events[first..].to_vec()
    }

    fn get_csr(&self) {
        command("kubectl get csr");
        let all: Vec<CertificateSigningRequest> =
            self.cp.certificate_signing_requests().cloned().collect();
        print!("{}", kubectl::get_table(&all, self.now.timestamp()));
    }
}

fn main() -> Result<(), Error> {
    let start = Instant::from(Timestamp::parse_rfc3339("2026-12-01T09:00:00Z")?);
    let ca = Arc::new(CertificateAuthority::from_pem(CA_CERT, CA_KEY)?);

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
    let mut config = Config::new(SEED)
        .with_default_policy()
        .with_signer(signers::KUBE_APISERVER_CLIENT_KUBELET, ca.clone());
    config.authenticator.token_file = Some(token_file);
    config.client_ca = Some(ca.certificate().clone());
    // The controllers see a change one second after it is stored, as an admin would.
    config.informer_lag = Duration::from_secs(1);
    let mut driver = Driver {
        cp: ControlPlane::new(config),
        now: start,
        next_id: 0,
        events: Vec::new(),
    };
    let admin = admin_credential(&ca, start)?;

    // 2. The kubelet: a key, a CSR for system:node:node-1, and a CertificateSigningRequest.
    let key = PrivateKey::ecdsa_p256_from_random_bytes(&[0x42; 32])?;
    let request_pem = kubelet::client_csr_pem(&key, NODE)?;
    let usages = kubelet::client_usages(key.public_key().kind());
    let mut object = CertificateSigningRequest::new("");
    object.metadata.generate_name = "csr-".to_owned();
    object.spec.request = request_pem.clone().into_bytes();
    object.spec.signer_name = signers::KUBE_APISERVER_CLIENT_KUBELET.to_owned();
    object.spec.usages = usages.iter().copied().map(Usage::Known).collect();
    let bootstrap_token =
        Credential::BearerToken(TOKEN_CSV.split(',').next().unwrap_or_default().to_owned());
    let create = || Operation::CreateCertificateSigningRequest(Box::new(object.clone()));

    // Before the bindings exist, the kubelet's request is refused like this.
    let refused = driver.call(&bootstrap_token, create());
    println!(
        "without a binding the kubelet gets {} Forbidden: {}",
        refused.code(),
        status_text(&refused)
    );
    for (name, role) in [
        ("kubelet-bootstrap", rbac::bootstrap::NODE_BOOTSTRAPPER),
        ("node-autoapprove-bootstrap", rbac::bootstrap::NODECLIENT),
    ] {
        let binding = CreateClusterRoleBinding::new(name, role).group("system:bootstrappers");
        command(&format!(
            "kubectl create clusterrolebinding {name} --clusterrole={role} --group=system:bootstrappers"
        ));
        let reply = driver.call(
            &admin,
            Operation::CreateClusterRoleBinding(Box::new(binding.build()?)),
        );
        if reply.code() != 201 {
            return Err(status_text(&reply).into());
        }
        println!("clusterrolebinding.rbac.authorization.k8s.io/{name} created");
    }

    section(&format!("kubelet --bootstrap-kubeconfig ... (node {NODE})"));
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
    let wrong = Credential::BearerToken("00000000000000000000000000000000".to_owned());
    let reply = driver.call(&wrong, create());
    let logged = driver
        .events
        .iter()
        .rev()
        .find(|e| e.kind == EventKind::AuthenticationFailed)
        .map(|e| e.message.clone())
        .unwrap_or_default();
    println!(
        "a request with a wrong token: {} {}: {logged}",
        reply.code(),
        status_text(&reply)
    );
    let reply = driver.call(&bootstrap_token, create());
    let Reply::CertificateSigningRequest { object: stored, .. } = reply else {
        return Err(format!("the create was refused: {}", status_text(&reply)).into());
    };
    let spec = &stored.spec;
    println!(
        "authenticated: user {:?}, uid {:?}, groups {:?}",
        spec.username, spec.uid, spec.groups
    );
    // The reason the API server records as the `authorization.k8s.io/reason` audit annotation.
    let user = kube_tls_bootstrap::identity::UserInfo {
        name: spec.username.clone(),
        uid: spec.uid.clone(),
        groups: spec.groups.clone(),
        extra: spec.extra.clone(),
    };
    let attributes = Attributes::resource(
        user,
        "create",
        "certificates.k8s.io",
        "certificatesigningrequests",
    );
    println!(
        "authorized create certificatesigningrequests: {}",
        driver.cp.policy().authorize(&attributes).reason()
    );
    let name = stored.metadata.name.clone();
    println!("certificatesigningrequest.certificates.k8s.io/{name} created");
    let request = CertificateRequest::from_pem(&stored.spec.request)?;
    println!(
        "(the legacy kubelet path would have named it {})",
        pki::node_csr_name_for(&request, &usages)
    );
    driver.run_until(start);
    driver.get_csr();

    // 4. Approval: csrapproving sees the request an informer lag later and asks a
    //    SubjectAccessReview.
    section("kube-controller-manager csrapproving");
    for event in driver.run_until(start + Duration::from_secs(1)) {
        if event.kind == EventKind::Approved {
            let reason = event
                .explanation
                .as_ref()
                .map(|x| x.decision.reason().to_owned())
                .unwrap_or_default();
            println!("SubjectAccessReview create certificatesigningrequests/nodeclient: {reason}");
            println!(
                "PUT /apis/certificates.k8s.io/v1/certificatesigningrequests/{name}/approval: Approved (AutoApproved)"
            );
        }
    }
    driver.get_csr();

    // 5. Signing: csrsigning sees the approval a second later and issues the certificate.
    section("kube-controller-manager csrsigning (--cluster-signing-duration=8760h)");
    for event in driver.run_until(start + Duration::from_secs(2)) {
        if event.kind == EventKind::Issued {
            let csr = driver
                .cp
                .certificate_signing_request(&name)
                .ok_or("the issued CSR")?;
            let issued = pki::certificate::parse_certificates_pem(&csr.status.certificate)?;
            let leaf = issued.first().ok_or("an issued certificate")?;
            println!(
                "PUT .../{name}/status: certificate issued, valid {} to {}",
                leaf.not_before(),
                leaf.not_after()
            );
        }
    }
    driver.run_until(start + Duration::from_secs(62));
    driver.get_csr();

    // 6. The kubelet picks up its certificate.
    section("kubelet");
    let csr = driver
        .cp
        .certificate_signing_request(&name)
        .ok_or("the issued CSR")?;
    let certificates = pki::certificate::parse_certificates_pem(&csr.status.certificate)?;
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

/// `kubectl`'s admin credential: a client certificate for `kubernetes-admin` in
/// `system:masters`, issued by the cluster CA (as kubeadm's `admin.conf` holds).
fn admin_credential(ca: &CertificateAuthority, now: Instant) -> Result<Credential, Error> {
    let key = PrivateKey::ecdsa_p256_from_random_bytes(&[0x41; 32])?;
    let subject = pki::Subject {
        common_name: "kubernetes-admin".to_owned(),
        organization: vec!["system:masters".to_owned()],
        ..pki::Subject::default()
    };
    let pem = kubelet::make_csr_pem(&key, &subject, &Default::default())?;
    let request = CertificateRequest::from_pem(pem.as_bytes())?;
    let issued = ca.sign(
        &request,
        &[KeyUsage::DigitalSignature, KeyUsage::ClientAuth],
        None,
        365 * 24 * 3600,
        now.timestamp(),
        &[0x0a; 16],
    )?;
    Ok(Credential::ClientCertificate(vec![issued.der().to_vec()]))
}

fn status_text(reply: &Reply) -> String {
    match reply {
        Reply::Status(s) => s.message.clone(),
        other => format!("HTTP {}", other.code()),
    }
}

fn section(title: &str) {
    println!();
    println!("## {title}");
}

fn command(line: &str) {
    println!("$ {line}");
}
