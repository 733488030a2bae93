//! A test API server (not a production one): the [`ControlPlane`] machine served over HTTPS in
//! the shapes kube-apiserver v1.32 uses, so that the real `kubectl` and a node agent can drive it.
//!
//! ```text
//! cargo run --example apiserver -- --token-auth-file token.csv --secure-port 0 \
//!     --write-admin-kubeconfig admin.kubeconfig
//! kubectl --kubeconfig admin.kubeconfig get csr
//! ```
//!
//! Flags (named as kube-apiserver and kube-controller-manager name them):
//! - `--token-auth-file`;
//! - `--client-ca-file PATH`: read, as kube-apiserver reads it: a PEM bundle of one or more CA
//!   certificates that client certificates are verified against (default: the cluster CA);
//! - `--cluster-signing-cert-file` / `--cluster-signing-key-file` (kube-controller-manager's): the
//!   CA that signs the kubelets' certificates; it also issues the serving certificate and the
//!   admin's client certificate (default: an ECDSA P-256 CA generated at every start). As in a
//!   kubeadm cluster, one CA is then the client CA, the signer and the serving certificate's
//!   issuer; a `--client-ca-file` that does not hold the signing CA is warned about at start,
//!   since the kubelet certificates the server issues would be refused (401);
//! - `--tls-cert-file` / `--tls-private-key-file` (default: a serving certificate for `127.0.0.1`
//!   and `localhost` issued at start by the cluster CA);
//! - `--secure-port` (default 6443; 0 picks a free port);
//! - `--cluster-signing-duration` (Go's `8760h` / `30m` / `90s`, or seconds);
//! - `--write-admin-kubeconfig PATH` (server URL, the cluster CA as
//!   `certificate-authority-data`, a `system:masters` client certificate);
//! - two flags kube-apiserver does not have, for tests: `--write-client-ca PATH` writes the client
//!   CA bundle in use (with the generated CA: the CA a kubelet's bootstrap kubeconfig names as
//!   `certificate-authority`), and `--auto-approve` binds `system:node-bootstrapper` and
//!   `nodeclient` to `system:bootstrappers`, as kubeadm does, for load tests.
//!
//! The control-plane machine verifies client certificates against the whole bundle
//! (`Config::client_ca`); a bundle without the signing CA is named in a warning at start, since
//! the client certificates this server issues would then be refused.
//!
//! It prints one line `listening on https://127.0.0.1:PORT` on stdout when ready; everything
//! else goes to stderr. The machine runs on one task with the real clock; each connection task
//! routes its requests with `rest::route`, decodes bodies with `rest::decode_body`, turns them into
//! `api::Operation`s for the machine and writes its replies back (watches as chunked JSON event
//! streams). Client certificates from the TLS handshake become `Credential::ClientCertificate`
//! (verified by the machine against the client CA), `Authorization: Bearer` headers
//! `Credential::BearerToken` as kube-apiserver's bearer-token authenticator reads them
//! (`rest::bearer_token`: an empty token, two spaces or another scheme are no credential).
//! Bearer tokens are never logged.
//!
//! kube-apiserver's filters run authentication, then authorization, and only its handler reads
//! and decodes the body; the machine authenticates and authorizes the decoded operation, so when
//! the body cannot be read or decoded (400, 413, 415) the shell authenticates and authorizes the
//! request itself first: 401 and 403 win over the body's error, as they do in Kubernetes.
#![allow(clippy::disallowed_methods)] // a process at the edge: clock, files, sockets, randomness

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Body as HttpBody, Frame, Incoming};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use kube_tls_bootstrap::api::{
    Credential, Operation, Reply, Request, RequestId, Selector, Status, WatchEvent, WatchId,
};
use kube_tls_bootstrap::control_plane::{self, Config, ControlPlane, Input, Output};
use kube_tls_bootstrap::csr;
use kube_tls_bootstrap::identity::{self, Authenticator, TokenFile, UserInfo};
use kube_tls_bootstrap::pki::{
    Certificate, CertificateAuthority, CertificateRequest, KeyUsage, KnownSigner, SigningPolicy,
};
use kube_tls_bootstrap::rbac::{self, Attributes, Authorize, ClusterRoleBinding, Decision, Policy};
use kube_tls_bootstrap::rest::{
    self, BearerToken, Body, HttpRequest, Output as RestOutput, Rejection, Resource, ResourceRoute,
    Route, Subresource, Verb, VersionInfo, table,
};
use kube_tls_bootstrap::time::{Duration, Instant};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio_rustls::rustls::{self, DistinguishedName, SignatureScheme};

type Error = Box<dyn std::error::Error + Send + Sync>;
type ResponseBody = http_body_util::combinators::BoxBody<Bytes, Infallible>;
type HttpResponse = hyper::Response<ResponseBody>;

/// The longest time a client may take to send its headers or body (slow clients are cut off).
const READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
/// The longest a watch stays open when the client asked for no `timeoutSeconds`.
const WATCH_MAX: std::time::Duration = std::time::Duration::from_secs(1800);

fn main() {
    if let Err(e) = run() {
        eprintln!("apiserver: {e}");
        std::process::exit(1);
    }
}

/// The command line.
#[derive(Default)]
struct Flags {
    token_auth_file: Option<String>,
    client_ca_file: Option<String>,
    write_client_ca: Option<String>,
    signing_cert_file: Option<String>,
    signing_key_file: Option<String>,
    tls_cert_file: Option<String>,
    tls_private_key_file: Option<String>,
    secure_port: u16,
    signing_duration: Option<Duration>,
    admin_kubeconfig: Option<String>,
    auto_approve: bool,
}

fn parse_flags() -> Result<Flags, Error> {
    let mut f = Flags {
        secure_port: 6443,
        ..Flags::default()
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
            None => (arg.clone(), None),
        };
        if name == "--auto-approve" {
            f.auto_approve = true;
            continue;
        }
        let mut value = || -> Result<String, Error> {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("flag needs an argument: {name}").into())
        };
        match name.as_str() {
            "--token-auth-file" => f.token_auth_file = Some(value()?),
            "--client-ca-file" => f.client_ca_file = Some(value()?),
            "--write-client-ca" => f.write_client_ca = Some(value()?),
            "--cluster-signing-cert-file" => f.signing_cert_file = Some(value()?),
            "--cluster-signing-key-file" => f.signing_key_file = Some(value()?),
            "--tls-cert-file" => f.tls_cert_file = Some(value()?),
            "--tls-private-key-file" => f.tls_private_key_file = Some(value()?),
            "--secure-port" => f.secure_port = value()?.parse()?,
            "--cluster-signing-duration" => {
                f.signing_duration = Some(parse_duration(&value()?)?);
            }
            "--write-admin-kubeconfig" => f.admin_kubeconfig = Some(value()?),
            other => return Err(format!("unknown flag: {other}").into()),
        }
    }
    Ok(f)
}

/// Go's duration syntax in the units a signing duration uses (`8760h`, `30m`, `90s`,
/// `1h30m`), or plain seconds.
fn parse_duration(s: &str) -> Result<Duration, Error> {
    if let Ok(secs) = s.parse::<i64>() {
        return Ok(Duration::from_secs(secs));
    }
    let (mut total, mut number) = (0i64, String::new());
    for c in s.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: i64 = number
            .parse()
            .map_err(|_| format!("invalid duration {s:?}"))?;
        number.clear();
        total += match c {
            'h' => n * 3600,
            'm' => n * 60,
            's' => n,
            _ => return Err(format!("invalid duration {s:?}").into()),
        };
    }
    if !number.is_empty() {
        return Err(format!("missing unit in duration {s:?}").into());
    }
    Ok(Duration::from_secs(total))
}

fn now() -> Instant {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    Instant::from_unix(
        i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        d.subsec_nanos(),
    )
}

fn read(path: &str) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| format!("{path}: {e}").into())
}

/// A CA generated (ECDSA P-256) for this run when no signing CA is given: (certificate PEM,
/// key PEM).
fn generate_ca() -> Result<(String, String), Error> {
    let key = rcgen::KeyPair::generate()?;
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new())?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "kubernetes");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
        rcgen::KeyUsagePurpose::CrlSign,
    ];
    let cert = params.self_signed(&key)?;
    Ok((cert.pem(), key.serialize_pem()))
}

/// The cluster CA: kube-controller-manager's `--cluster-signing-cert-file` /
/// `--cluster-signing-key-file` loaded as it loads them, or a generated one.
fn cluster_ca(flags: &Flags) -> Result<CertificateAuthority, Error> {
    match (&flags.signing_cert_file, &flags.signing_key_file) {
        (Some(cert), Some(key)) => CertificateAuthority::from_pem(&read(cert)?, &read(key)?)
            .map_err(|e| e.kubernetes_message(cert, key).into()),
        (None, None) => {
            let (cert, key) = generate_ca()?;
            Ok(CertificateAuthority::from_pem(
                cert.as_bytes(),
                key.as_bytes(),
            )?)
        }
        _ => Err("--cluster-signing-cert-file and --cluster-signing-key-file go together".into()),
    }
}

/// A leaf issued by the cluster CA through the crate's signer (the key is generated here, the
/// request goes through `CertificateRequest` as a CSR would): (certificate PEM, key PEM).
fn issue(
    ca: &CertificateAuthority,
    common_name: &str,
    organization: Option<&str>,
    sans: Vec<String>,
    usage: KeyUsage,
) -> Result<(String, String), Error> {
    let key = rcgen::KeyPair::generate()?;
    let mut params = rcgen::CertificateParams::new(sans)?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, common_name);
    if let Some(o) = organization {
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, o);
    }
    let csr = params.serialize_request(&key)?;
    let request = CertificateRequest::from_der(csr.der())?;
    let policy = SigningPolicy {
        ttl_seconds: 365 * 24 * 3600,
        usages: vec![KeyUsage::DigitalSignature, KeyUsage::KeyEncipherment, usage],
        backdate_seconds: 5 * 60,
        short_seconds: 8 * 3600,
    };
    let mut serial = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut serial)
        .map_err(|_| "no randomness for a serial number")?;
    let cert = ca.sign_with_policy(&request, &policy, now().timestamp(), &serial)?;
    Ok((cert.to_pem(), key.serialize_pem()))
}

/// `--client-ca-file`: every certificate of the PEM bundle (client-go's `cert.ParseCertsPEM`),
/// or the cluster CA alone. Returns the bundle's PEM text and its certificates.
fn client_ca(
    flags: &Flags,
    ca: &CertificateAuthority,
) -> Result<(String, Vec<Certificate>), Error> {
    let Some(path) = &flags.client_ca_file else {
        return Ok((ca.certificate().to_pem(), vec![ca.certificate().clone()]));
    };
    let pem = read(path)?;
    let bundle = kube_tls_bootstrap::pki::certificate::parse_certificates_pem(&pem)
        .map_err(|e| format!("--client-ca-file {path}: {e}"))?;
    if !bundle.iter().any(|c| c.der() == ca.certificate().der()) {
        eprintln!(
            "apiserver: warning: --client-ca-file {path} does not hold the signing CA {:?}: \
             the client certificates this server issues will be refused",
            ca.certificate().subject().common_name
        );
    }
    Ok((String::from_utf8_lossy(&pem).into_owned(), bundle))
}

fn run() -> Result<(), Error> {
    let flags = parse_flags()?;
    let signing_ca = Arc::new(cluster_ca(&flags)?);
    let ca_pem = signing_ca.certificate().to_pem();
    let (client_ca_pem, client_ca) = client_ca(&flags, &signing_ca)?;

    let mut config = Config::new(seed()).with_default_policy();
    // Every kube-apiserver's discovery and self-inspection roles: the non-resource paths and the
    // reviews are authorized through them.
    for role in rbac::bootstrap::discovery_cluster_roles() {
        config.policy.add_cluster_role(role);
    }
    for binding in rbac::bootstrap::discovery_bindings() {
        config.policy.add_cluster_role_binding(binding);
    }
    if let Some(path) = &flags.token_auth_file {
        let file = TokenFile::parse(&read(path)?, path)?;
        for w in file.warnings() {
            eprintln!("apiserver: {w}");
        }
        config.authenticator.token_file = Some(file);
    }
    config.client_ca = client_ca.clone();
    if let Some(d) = flags.signing_duration {
        config.signing_duration = d;
    }
    for signer in [
        KnownSigner::KubeApiserverClientKubelet,
        KnownSigner::KubeApiserverClient,
        KnownSigner::KubeletServing,
    ] {
        config = config.with_signer(signer, Arc::clone(&signing_ca));
    }
    if flags.auto_approve {
        for b in auto_approve_bindings() {
            config.policy.add_cluster_role_binding(b);
        }
    }

    let (cert_chain, key_pem) = match (&flags.tls_cert_file, &flags.tls_private_key_file) {
        (Some(c), Some(k)) => (String::from_utf8(read(c)?)?, String::from_utf8(read(k)?)?),
        _ => issue(
            &signing_ca,
            "kube-apiserver",
            None,
            vec!["127.0.0.1".into(), "localhost".into()],
            KeyUsage::ServerAuth,
        )?,
    };
    let certs = CertificateDer::pem_slice_iter(cert_chain.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("--tls-cert-file: {e}"))?;
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
        .map_err(|e| format!("--tls-private-key-file: {e}"))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut tls = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(Arc::new(AnyClientCertificate { provider }))
        .with_single_cert(certs, key)?;
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = TcpListener::bind(("127.0.0.1", flags.secure_port)).await?;
        let addr = listener.local_addr()?;
        let server = format!("https://{addr}");
        if let Some(path) = &flags.write_client_ca {
            std::fs::write(path, &client_ca_pem).map_err(|e| format!("{path}: {e}"))?;
        }
        if let Some(path) = &flags.admin_kubeconfig {
            let (cert, key) = issue(
                &signing_ca,
                "kubernetes-admin",
                Some("system:masters"),
                vec![],
                KeyUsage::ClientAuth,
            )?;
            write_admin_kubeconfig(path, &server, &ca_pem, &cert, &key)?;
        }
        let (calls, inbox) = mpsc::channel(1024);
        let shared = Arc::new(Shared {
            calls,
            authenticator: config.authenticator.clone(),
            client_ca,
            address: addr.to_string(),
        });
        tokio::spawn(drive(ControlPlane::new(config), inbox));
        println!("listening on {server}");
        accept_loop(listener, acceptor, shared).await
    })
}

/// The machine's seed (UIDs, name suffixes, serial numbers) from the operating system.
fn seed() -> u64 {
    let mut bytes = [0u8; 8];
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes);
    u64::from_le_bytes(bytes)
}

/// kubeadm's two bindings for `system:bootstrappers`: `kubeadm:kubelet-bootstrap`
/// (`system:node-bootstrapper`: create CSRs) and `kubeadm:node-autoapprove-bootstrap`
/// (`nodeclient`: csrapproving approves them).
fn auto_approve_bindings() -> Vec<ClusterRoleBinding> {
    [
        ("kubeadm:kubelet-bootstrap", "system:node-bootstrapper"),
        (
            "kubeadm:node-autoapprove-bootstrap",
            "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
        ),
    ]
    .into_iter()
    .map(|(name, role)| {
        let mut b = parse_binding(&format!(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\n\
             metadata:\n  name: {name}\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  \
             kind: ClusterRole\n  name: {role}\nsubjects:\n\
             - apiGroup: rbac.authorization.k8s.io\n  kind: Group\n  name: system:bootstrappers\n"
        ));
        b.apply_defaults();
        b
    })
    .collect()
}

/// Parses a ClusterRoleBinding manifest with the crate's own body decoder.
fn parse_binding(yaml: &str) -> ClusterRoleBinding {
    let route = ResourceRoute {
        resource: Resource::ClusterRoleBindings,
        verb: Verb::Create,
        name: None,
        subresource: None,
        watch_prefix: false,
        options: rest::Options::default(),
        output: RestOutput::Object,
    };
    match rest::decode_body(&route, Some("application/yaml"), yaml.as_bytes()) {
        Ok(Body::ClusterRoleBinding(b)) => *b,
        _ => ClusterRoleBinding::default(),
    }
}

fn write_admin_kubeconfig(
    path: &str,
    server: &str,
    ca_pem: &str,
    cert_pem: &str,
    key_pem: &str,
) -> Result<(), Error> {
    use base64::Engine as _;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: kube-tls-bootstrap\n  cluster:\n    \
         server: {server}\n    certificate-authority-data: {}\ncontexts:\n- name: admin\n  \
         context:\n    cluster: kube-tls-bootstrap\n    user: kubernetes-admin\n\
         current-context: admin\nusers:\n- name: kubernetes-admin\n  user:\n    \
         client-certificate-data: {}\n    client-key-data: {}\n",
        b64(ca_pem),
        b64(cert_pem),
        b64(key_pem)
    );
    write_private(path, text.as_bytes())
}

fn write_private(path: &str, contents: &[u8]) -> Result<(), Error> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| format!("{path}: {e}"))?;
    f.write_all(contents)?;
    Ok(())
}

/// Accepts any client certificate (or none) in the handshake: the machine verifies the chain
/// against `--client-ca-file` and answers 401 itself, as kube-apiserver's x509 authenticator
/// does after the handshake.
#[derive(Debug)]
struct AnyClientCertificate {
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl rustls::server::danger::ClientCertVerifier for AnyClientCertificate {
    fn offer_client_auth(&self) -> bool {
        true
    }
    fn client_auth_mandatory(&self) -> bool {
        false
    }
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }
    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<rustls::server::danger::ClientCertVerified, rustls::Error> {
        Ok(rustls::server::danger::ClientCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// What connection tasks share.
struct Shared {
    calls: mpsc::Sender<Call>,
    authenticator: Authenticator,
    client_ca: Vec<Certificate>,
    address: String,
}

/// A message to the machine's task.
enum Call {
    /// An API request; the reply comes back on `reply`, watch events on `events`.
    Request {
        request: Request,
        reply: oneshot::Sender<Reply>,
        events: Option<mpsc::UnboundedSender<WatchEvent>>,
    },
    /// The client went away.
    CloseWatch(WatchId),
    /// A copy of the RBAC policy (for reviews and RBAC reads).
    Policy(oneshot::Sender<Policy>),
}

/// The machine's task: the only owner of the [`ControlPlane`].
async fn drive(mut cp: ControlPlane, mut inbox: mpsc::Receiver<Call>) {
    let mut next_id = 0u64;
    let mut pending: HashMap<
        RequestId,
        (
            oneshot::Sender<Reply>,
            Option<mpsc::UnboundedSender<WatchEvent>>,
        ),
    > = HashMap::new();
    let mut watches: HashMap<WatchId, mpsc::UnboundedSender<WatchEvent>> = HashMap::new();
    cp.handle(now(), Input::Timeout);
    loop {
        let wake = cp.poll_timeout().map(|at| {
            let wait = (at.unix_nanos() - now().unix_nanos()).clamp(0, 3_600_000_000_000);
            tokio::time::Instant::now()
                + std::time::Duration::from_nanos(u64::try_from(wait).unwrap_or(0))
        });
        let next = match wake {
            Some(at) => tokio::select! {
                call = inbox.recv() => call.map_or(Next::Closed, Next::Call),
                () = tokio::time::sleep_until(at) => Next::Timeout,
            },
            None => inbox.recv().await.map_or(Next::Closed, Next::Call),
        };
        match next {
            Next::Closed => return,
            Next::Timeout => cp.handle(now(), Input::Timeout),
            Next::Call(Call::Request {
                request,
                reply,
                events,
            }) => {
                next_id += 1;
                let id = RequestId(next_id);
                pending.insert(id, (reply, events));
                cp.handle(now(), Input::Request { id, request });
            }
            Next::Call(Call::CloseWatch(w)) => {
                if watches.remove(&w).is_some() {
                    cp.handle(now(), Input::CloseWatch(w));
                }
            }
            Next::Call(Call::Policy(tx)) => {
                let _ = tx.send(cp.policy().clone());
            }
        }
        let mut closed = Vec::new();
        while let Some(output) = cp.poll_output() {
            match output {
                Output::Reply { id, reply } => {
                    let Some((tx, events)) = pending.remove(&id) else {
                        continue;
                    };
                    if let (Reply::WatchOpened(w), Some(events)) = (&reply, events) {
                        watches.insert(*w, events);
                    }
                    let _ = tx.send(reply);
                }
                Output::Watch { watch, event } => {
                    if let Some(tx) = watches.get(&watch)
                        && tx.send(event).is_err()
                    {
                        closed.push(watch);
                    }
                }
                Output::Event(e) => {
                    eprintln!(
                        "apiserver: {:?} {:?} {}: {}",
                        e.component, e.kind, e.name, e.message
                    );
                }
                _ => {}
            }
        }
        for w in closed {
            watches.remove(&w);
            cp.handle(now(), Input::CloseWatch(w));
            while cp.poll_output().is_some() {}
        }
    }
}

/// What the machine's task woke up for.
enum Next {
    Call(Call),
    Timeout,
    Closed,
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    shared: Arc<Shared>,
) -> Result<(), Error> {
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(c) => c,
            Err(e) => {
                eprintln!("apiserver: accept: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let acceptor = acceptor.clone();
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            if let Err(e) = connection(tcp, peer, acceptor, shared).await {
                eprintln!("apiserver: {peer}: {e}");
            }
        });
    }
}

async fn connection(
    tcp: tokio::net::TcpStream,
    _peer: SocketAddr,
    acceptor: tokio_rustls::TlsAcceptor,
    shared: Arc<Shared>,
) -> Result<(), Error> {
    let tls = tokio::time::timeout(READ_TIMEOUT, acceptor.accept(tcp))
        .await
        .map_err(|_| "TLS handshake timed out")??;
    let chain: Arc<Vec<Vec<u8>>> = Arc::new(
        tls.get_ref()
            .1
            .peer_certificates()
            .unwrap_or_default()
            .iter()
            .map(|c| c.as_ref().to_vec())
            .collect(),
    );
    let service = hyper::service::service_fn(move |req| {
        let shared = Arc::clone(&shared);
        let chain = Arc::clone(&chain);
        async move { Ok::<_, Infallible>(serve(req, &shared, &chain).await) }
    });
    http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(READ_TIMEOUT)
        .serve_connection(TokioIo::new(tls), service)
        .await?;
    Ok(())
}

fn respond(r: rest::Response) -> HttpResponse {
    let mut b = hyper::Response::builder()
        .status(r.code)
        .header("Content-Type", r.content_type)
        .header("Cache-Control", "no-cache, private");
    for (k, v) in r.headers {
        b = b.header(k, v);
    }
    b.body(Full::new(Bytes::from(r.body)).boxed())
        .unwrap_or_else(|_| hyper::Response::new(Full::new(Bytes::new()).boxed()))
}

fn status(s: &Status) -> HttpResponse {
    respond(rest::status(s))
}

async fn serve(req: hyper::Request<Incoming>, shared: &Shared, chain: &[Vec<u8>]) -> HttpResponse {
    let authorization = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bearer = rest::bearer_token(authorization.as_deref());
    // kube-apiserver's union of authenticators tries the client certificate first, then the
    // bearer token (which ignores an empty token), then anonymous: a certificate that
    // authenticates wins over a token sent with it; a refused one leaves the token to decide.
    let certificate_user = || {
        matches!(
            control_plane::authenticate_client_certificate(chain, &shared.client_ca, now()),
            Ok(Some(_))
        )
    };
    let credential = match bearer {
        BearerToken::Token(t) if chain.is_empty() || !certificate_user() => {
            Credential::BearerToken(t.to_owned())
        }
        _ if !chain.is_empty() => Credential::ClientCertificate(chain.to_vec()),
        _ => Credential::None,
    };
    let mut response = handle(req, shared, credential).await;
    if bearer == BearerToken::ExtraSpace {
        response.headers_mut().append(
            "Warning",
            hyper::header::HeaderValue::from_static(rest::EXTRA_SPACE_WARNING_HEADER),
        );
    }
    response
}

async fn handle(
    req: hyper::Request<Incoming>,
    shared: &Shared,
    credential: Credential,
) -> HttpResponse {
    let method = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or_default().to_owned();
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let accept = header("accept");
    let content_type = header("content-type");
    if req
        .headers()
        .keys()
        .any(|k| k.as_str().starts_with("impersonate-"))
    {
        // Impersonation is not served: refuse rather than answer as the caller.
        return status(&Status::forbidden(
            &kube_tls_bootstrap::api::GroupResource::new("", "users"),
            "",
            "impersonation is not supported by this server".to_owned(),
        ));
    }
    let routed = rest::route(&HttpRequest {
        method: &method,
        path: &path,
        query: &query,
        accept: accept.as_deref(),
    });
    let r = match routed {
        Ok(Route::Resource(r)) => r,
        other => {
            // Authentication and authorization wrap every path: a credential that does not
            // authenticate is 401, a user the policy does not allow the path is 403, even where
            // the answer would be a discovery document or a 404.
            let (user, policy) = match who(shared, &credential).await {
                Ok(u) => u,
                Err(s) => return status(&s),
            };
            if let Ok(route) = &other {
                let attributes = route.attributes(user, &method);
                let decision = authorize(&policy, &attributes);
                if !decision.is_allowed() {
                    return status(&Status::forbidden(
                        &kube_tls_bootstrap::api::GroupResource::new("", ""),
                        "",
                        rbac::forbidden_message(&attributes, decision.reason()),
                    ));
                }
            }
            return match other {
                Err(e) => respond(e.response()),
                Ok(Route::Discovery(d)) => respond(rest::discovery::document(d, &shared.address)),
                Ok(Route::Version) => respond(rest::version(&VersionInfo::new("v1.32.0"))),
                Ok(Route::Health(_)) => respond(rest::Response::plain(200, "ok")),
                Ok(_) => respond(Rejection::NotFound.response()),
            };
        }
    };
    let body = match read_body(req.into_body()).await.and_then(|bytes| {
        rest::decode_body(&r, content_type.as_deref(), &bytes).map_err(|e| e.response())
    }) {
        Ok(b) => b,
        Err(refused) => {
            // The handler reads the body after the authentication and authorization filters.
            if let Err(s) = admit(shared, &r, &method, &credential).await {
                return status(&s);
            }
            return respond(refused);
        }
    };
    resource(shared, *r, credential, body).await
}

/// The request body, size-limited and time-limited.
async fn read_body(body: Incoming) -> Result<Bytes, rest::Response> {
    match tokio::time::timeout(
        READ_TIMEOUT,
        Limited::new(body, rest::MAX_BODY_BYTES).collect(),
    )
    .await
    {
        Err(_) => Err(rest::status(&Status::bad_request(
            "timed out reading the request body",
        ))),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => {
            Err(Rejection::TooLarge.response())
        }
        Ok(Err(e)) => Err(rest::status(&Status::bad_request(format!(
            "reading the body: {e}"
        )))),
        Ok(Ok(c)) => Ok(c.to_bytes()),
    }
}

/// kube-apiserver's authentication and authorization filters for a resource request, as the
/// machine would run them on the decoded operation: 401, 403 with Kubernetes' message, or
/// allowed. Reviews are answered for every user the shell authenticates (as the machine's
/// policy holds no `system:basic-user` binding, the shell does not ask it).
async fn admit(
    shared: &Shared,
    r: &ResourceRoute,
    method: &str,
    credential: &Credential,
) -> Result<(), Status> {
    let user = authenticate(shared, credential).ok_or_else(Status::unauthorized)?;
    let policy = policy(shared).await?;
    let attributes = Route::Resource(Box::new(r.clone())).attributes(user, method);
    let decision = authorize(&policy, &attributes);
    if decision.is_allowed() {
        return Ok(());
    }
    Err(Status::forbidden(
        &r.resource.group_resource(),
        r.authorization_name().unwrap_or_default(),
        rbac::forbidden_message(&attributes, decision.reason()),
    ))
}

async fn call(shared: &Shared, credential: Credential, operation: Operation) -> Reply {
    let (tx, rx) = oneshot::channel();
    let request = Request {
        credential,
        operation,
    };
    let sent = shared
        .calls
        .send(Call::Request {
            request,
            reply: tx,
            events: None,
        })
        .await;
    match (sent, rx.await) {
        (Ok(()), Ok(reply)) => reply,
        _ => Reply::Status(internal_error()),
    }
}

fn internal_error() -> Status {
    let mut s = Status::bad_request("the control plane stopped");
    s.code = 500;
    s.reason = Some(kube_tls_bootstrap::api::StatusReason::InternalError);
    s
}

async fn resource(
    shared: &Shared,
    r: ResourceRoute,
    credential: Credential,
    body: Body,
) -> HttpResponse {
    let name = r.name.clone().unwrap_or_default();
    let selector = Selector {
        name: r
            .options
            .field_selector
            .as_ref()
            .and_then(|s| s.name())
            .map(str::to_owned),
    };
    let operation = match (r.resource, r.verb, r.subresource, body) {
        (
            Resource::CertificateSigningRequests,
            Verb::Create,
            None,
            Body::CertificateSigningRequest(c),
        ) => Operation::CreateCertificateSigningRequest(c),
        (Resource::CertificateSigningRequests, Verb::Get, None, _) => {
            Operation::GetCertificateSigningRequest { name }
        }
        (Resource::CertificateSigningRequests, Verb::List, None, _) => {
            Operation::ListCertificateSigningRequests(selector)
        }
        (Resource::CertificateSigningRequests, Verb::Watch, None, _) => {
            return watch(shared, &r, credential, selector).await;
        }
        (
            Resource::CertificateSigningRequests,
            Verb::Update,
            Some(Subresource::Approval),
            Body::CertificateSigningRequest(c),
        ) => Operation::UpdateApproval(c),
        (
            Resource::CertificateSigningRequests,
            Verb::Update,
            Some(Subresource::Status),
            Body::CertificateSigningRequest(c),
        ) => Operation::UpdateStatus(c),
        (Resource::CertificateSigningRequests, Verb::Delete, None, _) => {
            Operation::DeleteCertificateSigningRequest { name }
        }
        (Resource::ClusterRoles, Verb::Create, None, Body::ClusterRole(mut c)) => {
            // The registry sets creationTimestamp at create, whatever the client sent.
            c.metadata.creation_timestamp = Some(now().timestamp());
            Operation::CreateClusterRole(c)
        }
        (Resource::ClusterRoles, Verb::Delete, None, _) => Operation::DeleteClusterRole { name },
        (Resource::ClusterRoleBindings, Verb::Create, None, Body::ClusterRoleBinding(mut b)) => {
            b.metadata.creation_timestamp = Some(now().timestamp());
            Operation::CreateClusterRoleBinding(b)
        }
        (Resource::ClusterRoleBindings, Verb::Delete, None, _) => {
            Operation::DeleteClusterRoleBinding { name }
        }
        (
            Resource::ClusterRoles | Resource::ClusterRoleBindings,
            Verb::Get | Verb::List,
            None,
            _,
        ) => {
            return read_rbac(shared, &r, &credential).await;
        }
        (
            Resource::SelfSubjectAccessReviews,
            Verb::Create,
            None,
            Body::SelfSubjectAccessReview(review),
        ) => {
            // `system:basic-user` lets every authenticated user create reviews.
            if let Err(s) = admit(shared, &r, "POST", &credential).await {
                return status(&s);
            }
            let (user, policy) = match who(shared, &credential).await {
                Ok(u) => u,
                Err(s) => return status(&s),
            };
            let (allowed, reason) = match review.attributes(user) {
                Some(a) => {
                    let d = authorize(&policy, &a);
                    (d.is_allowed(), d.reason().to_owned())
                }
                None => (false, String::new()),
            };
            return respond(rest::object(201, &review.answered(allowed, reason)));
        }
        (Resource::SelfSubjectReviews, Verb::Create, None, _) => {
            if let Err(s) = admit(shared, &r, "POST", &credential).await {
                return status(&s);
            }
            return match who(shared, &credential).await {
                Ok((user, _)) => {
                    respond(rest::object(201, &rest::SelfSubjectReview::answer(&user)))
                }
                Err(s) => status(&s),
            };
        }
        (Resource::Nodes, Verb::Create, None, Body::Node(n)) => Operation::CreateNode(n),
        (Resource::Nodes, Verb::Get, None, _) => Operation::GetNode { name },
        (Resource::Nodes, Verb::List, None, _) => Operation::ListNodes,
        (Resource::Nodes, Verb::Update, Some(Subresource::Status), Body::Node(n)) => {
            Operation::UpdateNodeStatus(n)
        }
        (Resource::Nodes, Verb::Delete, None, _) => Operation::DeleteNode { name },
        _ => return respond(Rejection::MethodNotAllowed.response()),
    };
    let reply = call(shared, credential, operation).await;
    reply_response(&r, reply)
}

/// The machine's reply as kube-apiserver writes it (objects, lists, Tables or a Status).
fn reply_response(r: &ResourceRoute, reply: Reply) -> HttpResponse {
    let now = now().timestamp();
    let include = r.options.include_object.as_deref();
    match reply {
        Reply::CertificateSigningRequest { code, object } => {
            let mut object = std::sync::Arc::unwrap_or_clone(object);
            let rv = object.metadata.resource_version.clone();
            object.api_version = csr::API_VERSION.into();
            object.kind = csr::KIND.into();
            match r.output {
                RestOutput::Table(v) if r.verb == Verb::Get => respond(
                    table::table(
                        table::Objects::CertificateSigningRequests(std::slice::from_ref(&object)),
                        now,
                        &rv,
                        v,
                        include,
                    )
                    .unwrap_or_else(|e| e.response()),
                ),
                _ => respond(rest::object(code, &object)),
            }
        }
        Reply::CertificateSigningRequestList(list) => {
            let rv = list
                .metadata
                .as_ref()
                .and_then(|m| m.get("resourceVersion"))
                .and_then(|v| v.as_str())
                .unwrap_or("0")
                .to_owned();
            let mut items = list.items;
            for c in &mut items {
                c.api_version = csr::API_VERSION.into();
                c.kind = csr::KIND.into();
            }
            match r.output {
                RestOutput::Table(v) => respond(
                    table::table(
                        table::Objects::CertificateSigningRequests(&items),
                        now,
                        &rv,
                        v,
                        include,
                    )
                    .unwrap_or_else(|e| e.response()),
                ),
                _ => respond(rest::list(r.resource, &rv, None, &items)),
            }
        }
        Reply::Node { code, object } => match r.output {
            RestOutput::Table(v) => respond(
                table::table(
                    table::Objects::Nodes(std::slice::from_ref(&*object)),
                    now,
                    &object.metadata.resource_version,
                    v,
                    include,
                )
                .unwrap_or_else(|e| e.response()),
            ),
            _ => respond(rest::object(code, &*object)),
        },
        Reply::NodeList(items) => match r.output {
            RestOutput::Table(v) => respond(
                table::table(table::Objects::Nodes(&items), now, "1", v, include)
                    .unwrap_or_else(|e| e.response()),
            ),
            _ => respond(rest::list(r.resource, "1", None, &items)),
        },
        Reply::ClusterRole { code, object } => respond(rest::object(code, &*object)),
        Reply::ClusterRoleBinding { code, object } => respond(rest::object(code, &*object)),
        Reply::Status(s) => status(&s),
        Reply::WatchOpened(_) => status(&internal_error()),
        other => status(&Status::bad_request(format!(
            "unexpected reply {}",
            other.code()
        ))),
    }
}

/// A watch: the machine opens it; its events are written as JSON lines until the client goes
/// away, `timeoutSeconds` passes, or the machine stops.
async fn watch(
    shared: &Shared,
    r: &ResourceRoute,
    credential: Credential,
    selector: Selector,
) -> HttpResponse {
    let (tx, rx) = oneshot::channel();
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let request = Request {
        credential,
        operation: Operation::WatchCertificateSigningRequests {
            selector,
            resource_version: r.options.resource_version.clone().filter(|v| !v.is_empty()),
        },
    };
    if shared
        .calls
        .send(Call::Request {
            request,
            reply: tx,
            events: Some(events_tx),
        })
        .await
        .is_err()
    {
        return status(&internal_error());
    }
    let watch_id = match rx.await {
        Ok(Reply::WatchOpened(w)) => w,
        Ok(other) => return reply_response(r, other),
        Err(_) => return status(&internal_error()),
    };
    let (lines_tx, lines) = mpsc::unbounded_channel::<Bytes>();
    let output = r.output;
    let include = r.options.include_object.clone();
    let limit = r
        .options
        .timeout_seconds
        .and_then(|s| u64::try_from(s).ok())
        .filter(|s| *s > 0)
        .map_or(WATCH_MAX, std::time::Duration::from_secs)
        .min(WATCH_MAX);
    let calls = shared.calls.clone();
    tokio::spawn(async move {
        let deadline = tokio::time::sleep(limit);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                () = &mut deadline => break,
                () = lines_tx.closed() => break,
                event = events.recv() => {
                    let Some(mut event) = event else { break };
                    let object = std::sync::Arc::make_mut(&mut event.object);
                    object.api_version = csr::API_VERSION.into();
                    object.kind = csr::KIND.into();
                    let kind = match event.type_ {
                        kube_tls_bootstrap::api::EventType::Added => rest::EventType::Added,
                        kube_tls_bootstrap::api::EventType::Modified => rest::EventType::Modified,
                        kube_tls_bootstrap::api::EventType::Deleted => rest::EventType::Deleted,
                    };
                    let line = match output {
                        RestOutput::Table(v) => {
                            let rv = event.object.metadata.resource_version.clone();
                            match table::table_value(
                                table::Objects::CertificateSigningRequests(std::slice::from_ref(&event.object)),
                                now().timestamp(), &rv, v, include.as_deref(),
                            ) {
                                Ok(t) => rest::watch_event(kind, &t),
                                Err(_) => break,
                            }
                        }
                        _ => rest::watch_event(kind, &*event.object),
                    };
                    if lines_tx.send(Bytes::from(line)).is_err() {
                        break;
                    }
                }
            }
        }
        let _ = calls.send(Call::CloseWatch(watch_id)).await;
    });
    hyper::Response::builder()
        .status(200)
        .header("Content-Type", rest::JSON)
        .header("Cache-Control", "no-cache, private")
        .body(WatchBody { lines }.boxed())
        .unwrap_or_else(|_| hyper::Response::new(Full::new(Bytes::new()).boxed()))
}

/// A chunked response body fed by a channel of event lines.
struct WatchBody {
    lines: mpsc::UnboundedReceiver<Bytes>,
}

impl HttpBody for WatchBody {
    type Data = Bytes;
    type Error = Infallible;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.lines
            .poll_recv(cx)
            .map(|line| line.map(|l| Ok(Frame::data(l))))
    }
}

/// Authenticates a request as the machine does (for the answers the shell gives itself:
/// reviews, RBAC reads, and the refusals that come before a body is read); `None` is 401.
fn authenticate(shared: &Shared, credential: &Credential) -> Option<UserInfo> {
    match credential {
        Credential::BearerToken(token) => shared
            .authenticator
            .authenticate_token(token, now().timestamp())
            .map(|(u, _)| u),
        Credential::ClientCertificate(chain) => {
            match control_plane::authenticate_client_certificate(chain, &shared.client_ca, now()) {
                Ok(Some(u)) => Some(u),
                Ok(None) => Some(anonymous()),
                Err(_) => None,
            }
        }
        _ => Some(anonymous()),
    }
}

/// A copy of the machine's current RBAC policy.
async fn policy(shared: &Shared) -> Result<Policy, Status> {
    let (tx, rx) = oneshot::channel();
    if shared.calls.send(Call::Policy(tx)).await.is_err() {
        return Err(internal_error());
    }
    rx.await.map_err(|_| internal_error())
}

/// Authenticates a request and fetches the current policy.
async fn who(shared: &Shared, credential: &Credential) -> Result<(UserInfo, Policy), Status> {
    let user = authenticate(shared, credential).ok_or_else(Status::unauthorized)?;
    Ok((user, policy(shared).await?))
}

fn anonymous() -> UserInfo {
    UserInfo::new(identity::ANONYMOUS, [identity::ALL_UNAUTHENTICATED])
}

/// kube-apiserver's authorizer chain, as the machine runs it.
fn authorize(policy: &Policy, a: &Attributes) -> Decision {
    control_plane::Authorizers(policy).authorize(a)
}

/// `kubectl get clusterroles` / `clusterrolebindings`: read from the policy.
async fn read_rbac(shared: &Shared, r: &ResourceRoute, credential: &Credential) -> HttpResponse {
    let (user, policy) = match who(shared, credential).await {
        Ok(u) => u,
        Err(s) => return status(&s),
    };
    let gr = r.resource.group_resource();
    let verb = r.verb.as_str();
    let name = r.name.clone().unwrap_or_default();
    let a = Attributes::resource(user, verb, &gr.group, &gr.resource).with_name(&name);
    let d = authorize(&policy, &a);
    if !d.is_allowed() {
        return status(&Status::forbidden(
            &gr,
            &name,
            rbac::forbidden_message(&a, d.reason()),
        ));
    }
    let now = now().timestamp();
    let include = r.options.include_object.as_deref();
    let selected = |n: &str| r.name.as_deref().is_none_or(|want| want == n);
    let response = match r.resource {
        Resource::ClusterRoles => {
            let items: Vec<_> = policy
                .cluster_roles()
                .filter(|c| selected(&c.metadata.name))
                .cloned()
                .collect();
            if r.name.is_some() && items.is_empty() {
                return status(&Status::not_found(&gr, &name));
            }
            match (r.output, r.verb) {
                (RestOutput::Table(v), _) => {
                    table::table(table::Objects::ClusterRoles(&items), now, "1", v, include)
                        .unwrap_or_else(|e| e.response())
                }
                (_, Verb::Get) => rest::object(200, &items.first()),
                _ => rest::list(r.resource, "1", None, &items),
            }
        }
        _ => {
            let items: Vec<_> = policy
                .cluster_role_bindings()
                .iter()
                .filter(|c| selected(&c.metadata.name))
                .cloned()
                .collect();
            if r.name.is_some() && items.is_empty() {
                return status(&Status::not_found(&gr, &name));
            }
            match (r.output, r.verb) {
                (RestOutput::Table(v), _) => table::table(
                    table::Objects::ClusterRoleBindings(&items),
                    now,
                    "1",
                    v,
                    include,
                )
                .unwrap_or_else(|e| e.response()),
                (_, Verb::Get) => rest::object(200, &items.first()),
                _ => rest::list(r.resource, "1", None, &items),
            }
        }
    };
    respond(response)
}
