//! A node agent: the kubelet [`Machine`] (TLS bootstrap and client-certificate rotation) driven
//! over HTTPS against a Kubernetes API server — the `apiserver` example or a real cluster, since
//! it speaks only the Kubernetes API.
//!
//! ```text
//! cargo run --example node_agent -- --bootstrap-kubeconfig bootstrap-kubelet.conf \
//!     --kubeconfig kubelet.conf --cert-dir pki --hostname-override node-1
//! ```
//!
//! Flags are the kubelet's, with its defaults: `--bootstrap-kubeconfig` (none),
//! `--kubeconfig` (none; required here), `--cert-dir` (`/var/lib/kubelet/pki`),
//! `--hostname-override` (the host name), `--rotate-certificates` (false: the legacy
//! `LoadClientCert` path; true: the certificate manager). Two more are for tests:
//! `--exit-after-bootstrap` (exit 0 once a client certificate is current) and `--agents N`
//! (N simulated agents in this process, named `<hostname>-<i>`, each with its own
//! `<cert-dir>/<name>` and `<kubeconfig>.<name>`, exiting after bootstrap and printing the
//! bootstraps per second and latency percentiles).
//!
//! Requests go out with the credential the machine chose: the bootstrap token as
//! `Authorization: Bearer`, then its own client certificate in the TLS handshake. File
//! operations are performed on disk with the modes the machine gives. Log lines are the
//! kubelet's texts; tokens and keys are never logged. Ctrl-C stops the agent between
//! operations; the machine writes certificates so that a restart finds either the old pair or
//! the new one.
#![allow(clippy::disallowed_methods)] // a process at the edge: clock, files, sockets, randomness

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use kube_tls_bootstrap::api::{
    Credential, Operation, Reply, Request, RequestId, Selector, Status, WatchEvent, WatchId,
};
use kube_tls_bootstrap::csr::{self, CertificateSigningRequest, CertificateSigningRequestList};
use kube_tls_bootstrap::kubeconfig::{self, Kubeconfig};
use kube_tls_bootstrap::kubelet::{
    Config, Disk, FileOperation, Input, Level, Machine, Mode, Output,
};
use kube_tls_bootstrap::node::Node;
use kube_tls_bootstrap::pki::PrivateKey;
use kube_tls_bootstrap::time::Instant;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use tokio::sync::mpsc;
use tokio_rustls::rustls;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// How long a request (other than a watch) may take.
const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
const NODES_PATH: &str = "/api/v1/nodes";
const CSR_PATH: &str = "/apis/certificates.k8s.io/v1/certificatesigningrequests";

fn main() {
    let code = match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("node_agent: {e}");
            1
        }
    };
    std::process::exit(code);
}

/// The command line.
#[derive(Clone)]
struct Flags {
    bootstrap_kubeconfig: String,
    kubeconfig: String,
    cert_dir: String,
    hostname: String,
    rotate: bool,
    exit_after_bootstrap: bool,
    agents: usize,
}

fn parse_flags() -> Result<Flags, Error> {
    let mut f = Flags {
        bootstrap_kubeconfig: String::new(),
        kubeconfig: String::new(),
        cert_dir: "/var/lib/kubelet/pki".to_owned(),
        hostname: hostname(),
        rotate: false,
        exit_after_bootstrap: false,
        agents: 0,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
            None => (arg.clone(), None),
        };
        match name.as_str() {
            "--rotate-certificates" => {
                f.rotate = inline.as_deref().is_none_or(|v| v == "true");
                continue;
            }
            "--exit-after-bootstrap" => {
                f.exit_after_bootstrap = true;
                continue;
            }
            _ => {}
        }
        let mut value = || -> Result<String, Error> {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("flag needs an argument: {name}").into())
        };
        match name.as_str() {
            "--bootstrap-kubeconfig" => f.bootstrap_kubeconfig = absolute(&value()?)?,
            "--kubeconfig" => f.kubeconfig = absolute(&value()?)?,
            "--cert-dir" => f.cert_dir = absolute(&value()?)?,
            "--hostname-override" => f.hostname = value()?,
            "--agents" => f.agents = value()?.parse()?,
            other => return Err(format!("unknown flag: {other}").into()),
        }
    }
    if f.kubeconfig.is_empty() {
        return Err("--kubeconfig is required".into());
    }
    Ok(f)
}

fn absolute(path: &str) -> Result<String, Error> {
    let p = std::path::Path::new(path);
    let p = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()?.join(p)
    };
    Ok(p.to_string_lossy().into_owned())
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_lowercase())
        .unwrap_or_else(|_| "localhost".to_owned())
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

fn random_u64() -> u64 {
    let mut b = [0u8; 8];
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b);
    u64::from_le_bytes(b)
}

fn run() -> Result<i32, Error> {
    let flags = parse_flags()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        if flags.agents == 0 {
            return tokio::select! {
                r = agent(flags.clone(), String::new()) => r.map(|_| 0),
                _ = tokio::signal::ctrl_c() => {
                    eprintln!("node_agent: interrupted");
                    Ok(130)
                }
            };
        }
        load(flags).await
    })
}

/// `--agents N`: N agents at once, each until its first client certificate is current and its
/// Node is registered and Ready (the latency includes both).
async fn load(flags: Flags) -> Result<i32, Error> {
    let start = std::time::Instant::now();
    let mut tasks = Vec::new();
    for i in 0..flags.agents {
        let mut f = flags.clone();
        let name = format!("{}-{i}", flags.hostname);
        f.cert_dir = format!("{}/{name}", flags.cert_dir);
        f.kubeconfig = format!("{}.{name}", flags.kubeconfig);
        f.hostname = name.clone();
        f.exit_after_bootstrap = true;
        tasks.push(tokio::spawn(async move {
            let t = std::time::Instant::now();
            let r = agent(f, format!("{name}: ")).await;
            (r, t.elapsed())
        }));
    }
    let (mut latencies, mut failures, mut creates) = (Vec::new(), 0usize, Vec::new());
    for t in tasks {
        match t.await {
            Ok((Ok(n), d)) => {
                latencies.push(d);
                creates.push(n);
            }
            Ok((Err(e), _)) => {
                eprintln!("node_agent: {e}");
                failures += 1;
            }
            Err(e) => {
                eprintln!("node_agent: {e}");
                failures += 1;
            }
        }
    }
    let total = start.elapsed();
    latencies.sort();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "agents: {} bootstrapped, {failures} failed, CSRs created per agent: max {}; \
         {:.2} s in all, {:.1} bootstraps/s; latency p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        latencies.len(),
        creates.iter().max().copied().unwrap_or(0),
        total.as_secs_f64(),
        latencies.len() as f64 / total.as_secs_f64(),
        pct(0.5),
        pct(0.99),
        pct(1.0),
    );
    Ok(i32::from(failures > 0))
}

/// The files the kubelet reads at start: both kubeconfigs, the files they name, and the
/// certificate directory.
fn load_disk(f: &Flags) -> Disk {
    let mut disk = Disk::new();
    let read_into = |disk: &mut Disk, path: &str| {
        if let Ok(data) = std::fs::read(path) {
            disk.insert_file(path, data);
        }
    };
    for path in [&f.bootstrap_kubeconfig, &f.kubeconfig] {
        if path.is_empty() {
            continue;
        }
        read_into(&mut disk, path);
        if let Some(k) = disk.read(path).and_then(|d| Kubeconfig::parse(d).ok()) {
            for referenced in k.referenced_files() {
                read_into(&mut disk, &referenced);
            }
        }
    }
    if let Ok(entries) = std::fs::read_dir(&f.cert_dir) {
        for e in entries.flatten() {
            let path = e.path().to_string_lossy().into_owned();
            match std::fs::read_link(&path) {
                Ok(target) => {
                    let target = target.to_string_lossy().into_owned();
                    disk.insert_symlink(path, target.clone());
                    read_into(&mut disk, &target);
                }
                Err(_) => read_into(&mut disk, &path),
            }
        }
    }
    disk
}

/// Performs one file operation as the kubelet would.
fn perform(op: &FileOperation) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
    match op {
        FileOperation::CreateDirectory { path, mode } => {
            std::fs::create_dir_all(path)?;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(*mode))
        }
        FileOperation::WriteFile {
            path,
            mode,
            contents,
        } => {
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .truncate(true)
                .read(true)
                .write(true)
                .mode(*mode)
                .open(path)?;
            f.write_all(contents)?;
            f.sync_all()
        }
        FileOperation::Symlink { target, link } => std::os::unix::fs::symlink(target, link),
        FileOperation::Rename { from, to } => std::fs::rename(from, to),
        FileOperation::Remove { path } => match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}

/// Where the API server is and how to trust it.
struct Server {
    url: String,
    host: String,
    port: u16,
    server_name: ServerName<'static>,
    roots: Arc<rustls::RootCertStore>,
}

impl Server {
    fn from_kubeconfig(path: &str) -> Result<Self, Error> {
        let data = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
        let config = Kubeconfig::parse(&data)?.client_config()?;
        let url = config.server.trim_end_matches('/').to_owned();
        let uri: hyper::Uri = url.parse()?;
        if uri.scheme_str() != Some("https") {
            return Err(format!("{path}: server {url} is not https").into());
        }
        let host = uri.host().unwrap_or_default().to_owned();
        let port = uri.port_u16().unwrap_or(443);
        let name = if config.tls_server_name.is_empty() {
            host.trim_matches(['[', ']']).to_owned()
        } else {
            config.tls_server_name.clone()
        };
        let ca = match &config.certificate_authority {
            kubeconfig::CertificateAuthority::Data(d) => d.clone(),
            kubeconfig::CertificateAuthority::File(p) => {
                std::fs::read(p).map_err(|e| format!("{p}: {e}"))?
            }
            kubeconfig::CertificateAuthority::System => {
                return Err(format!("{path}: no certificate-authority").into());
            }
        };
        let mut roots = rustls::RootCertStore::empty();
        for c in CertificateDer::pem_slice_iter(&ca) {
            roots.add(c?)?;
        }
        Ok(Self {
            url,
            host,
            port,
            server_name: ServerName::try_from(name)?,
            roots: Arc::new(roots),
        })
    }
}

/// What a request task reports back.
#[allow(clippy::large_enum_variant)] // one per request or event, moved once
enum Event {
    Input(Input),
    /// A watch opened: its events follow on this id.
    Watch(WatchId, tokio::task::JoinHandle<()>),
}

/// One agent until the process ends (or, with `--exit-after-bootstrap`, until a client
/// certificate is current). Returns how many CSRs it created.
async fn agent(flags: Flags, prefix: String) -> Result<usize, Error> {
    let server = Arc::new(
        Server::from_kubeconfig(&flags.bootstrap_kubeconfig)
            .or_else(|_| Server::from_kubeconfig(&flags.kubeconfig))?,
    );
    let config = Config {
        node_name: flags.hostname.clone(),
        mode: if flags.rotate {
            Mode::Rotation
        } else {
            Mode::Legacy
        },
        kubeconfig_path: flags.kubeconfig.clone(),
        bootstrap_kubeconfig_path: flags.bootstrap_kubeconfig.clone(),
        cert_dir: flags.cert_dir.clone(),
        utc_offset_seconds: 0,
        serving: false,
        allow_dns_only_serving: false,
        jitter_seed: random_u64(),
    };
    let disk = load_disk(&flags);
    let configured = configured_keys(&disk, &flags);
    let mut machine = Machine::new(config, disk, now());
    // Once it holds a client certificate the kubelet registers its Node and reports Ready.
    machine.enable_registration(now(), "v1.32.0");
    let (tx, mut rx) = mpsc::unbounded_channel::<Event>();
    let mut watches: HashMap<WatchId, tokio::task::JoinHandle<()>> = HashMap::new();
    let mut next_watch = 0u64;
    let mut creates = 0usize;
    loop {
        while let Some(output) = machine.poll_output() {
            match output {
                Output::Request { id, request } => {
                    if matches!(
                        request.operation,
                        Operation::CreateCertificateSigningRequest(_)
                    ) {
                        creates += 1;
                    }
                    let key = match &request.credential {
                        Credential::ClientCertificate(chain) => machine
                            .client_certificate()
                            .filter(|p| p.chain_der().first() == chain.first())
                            .map(|p| Arc::clone(&p.key))
                            .or_else(|| {
                                configured
                                    .iter()
                                    .find(|(leaf, _)| Some(leaf) == chain.first())
                                    .map(|(_, k)| Arc::clone(k))
                            }),
                        _ => None,
                    };
                    next_watch += 1;
                    tokio::spawn(send(
                        Arc::clone(&server),
                        id,
                        request,
                        key,
                        WatchId(next_watch),
                        tx.clone(),
                    ));
                }
                Output::StopWatch(w) => {
                    if let Some(task) = watches.remove(&w) {
                        task.abort();
                    }
                }
                Output::GenerateKey(purpose) => {
                    let key = generate_key()?;
                    machine.handle(now(), Input::Key(purpose, key));
                }
                Output::File(op) => {
                    if let Err(e) = perform(&op) {
                        eprintln!("{prefix}E file operation {op:?} failed: {e}");
                    }
                }
                Output::Log(line) => {
                    let level = match line.level {
                        Level::Info => 'I',
                        _ => 'E',
                    };
                    eprintln!("{prefix}{level} {}", line.text);
                }
                Output::CertificateChanged { purpose, pair } => {
                    eprintln!(
                        "{prefix}I certificate changed: {purpose:?} {}",
                        pair.cert_path
                    );
                }
                Output::Bootstrapped => {
                    eprintln!(
                        "{prefix}I bootstrap finished: starting with {}",
                        flags.kubeconfig
                    );
                }
                Output::Exit(text) => return Err(format!("{prefix}{text}").into()),
                _ => {}
            }
        }
        // With --exit-after-bootstrap the agent stops once its Node is registered and Ready.
        if flags.exit_after_bootstrap && machine.is_node_ready() {
            return Ok(creates);
        }
        let wake = machine.poll_timeout().map(|at| {
            let wait = (at.unix_nanos() - now().unix_nanos()).clamp(0, 3_600_000_000_000);
            tokio::time::Instant::now()
                + std::time::Duration::from_nanos(u64::try_from(wait).unwrap_or(0))
        });
        let event = match wake {
            Some(at) => tokio::select! {
                e = rx.recv() => e,
                () = tokio::time::sleep_until(at) => Some(Event::Input(Input::Timeout)),
            },
            None => rx.recv().await,
        };
        match event {
            Some(Event::Input(input)) => machine.handle(now(), input),
            Some(Event::Watch(w, task)) => {
                watches.insert(w, task);
            }
            None => return Err("the agent's channel closed".into()),
        }
    }
}

/// The client certificates the kubeconfigs name, with their keys: the machine's credential
/// carries only the chain, the TLS handshake needs the key too.
fn configured_keys(disk: &Disk, f: &Flags) -> Vec<(Vec<u8>, Arc<PrivateKey>)> {
    let source = |s: &kubeconfig::Source| match s {
        kubeconfig::Source::Data(d) => Some(d.clone()),
        kubeconfig::Source::File(p) => disk.read(p).map(<[u8]>::to_vec),
    };
    let mut out = Vec::new();
    for path in [&f.bootstrap_kubeconfig, &f.kubeconfig] {
        let Some(config) = disk
            .read(path)
            .and_then(|d| Kubeconfig::parse(d).ok())
            .and_then(|k| k.client_config().ok())
        else {
            continue;
        };
        if let kubeconfig::Credential::ClientCertificate { certificate, key } = &config.credential
            && let (Some(cert), Some(key)) = (source(certificate), source(key))
            && let Some(Ok(leaf)) = CertificateDer::pem_slice_iter(&cert).next()
            && let Ok(key) = PrivateKey::from_pem(&key)
        {
            out.push((leaf.as_ref().to_vec(), Arc::new(key)));
        }
    }
    out
}

fn generate_key() -> Result<PrivateKey, Error> {
    let rng = ring::rand::SystemRandom::new();
    for _ in 0..16 {
        let mut bytes = [0u8; 32];
        ring::rand::SecureRandom::fill(&rng, &mut bytes).map_err(|_| "no randomness")?;
        if let Ok(k) = PrivateKey::ecdsa_p256_from_random_bytes(&bytes) {
            return Ok(k);
        }
    }
    Err("could not generate an ECDSA P-256 key".into())
}

/// The HTTP request of an operation: method, path and query, JSON body.
fn http_request(op: &Operation) -> Option<(&'static str, String, Vec<u8>)> {
    let selector = |s: &Selector| {
        s.name
            .as_ref()
            .map(|n| format!("fieldSelector=metadata.name%3D{}", escape(n)))
    };
    Some(match op {
        Operation::CreateCertificateSigningRequest(c) => {
            let mut c = c.clone();
            c.api_version = csr::API_VERSION.into();
            c.kind = csr::KIND.into();
            ("POST", CSR_PATH.to_owned(), serde_json::to_vec(&*c).ok()?)
        }
        Operation::GetCertificateSigningRequest { name } => {
            ("GET", format!("{CSR_PATH}/{}", escape(name)), Vec::new())
        }
        Operation::ListCertificateSigningRequests(s) => {
            let q = selector(s).map(|q| format!("?{q}")).unwrap_or_default();
            ("GET", format!("{CSR_PATH}{q}"), Vec::new())
        }
        Operation::WatchCertificateSigningRequests {
            selector: s,
            resource_version,
        } => {
            let mut q = "watch=true".to_owned();
            if let Some(sel) = selector(s) {
                q.push('&');
                q.push_str(&sel);
            }
            if let Some(rv) = resource_version {
                q.push_str("&resourceVersion=");
                q.push_str(&escape(rv));
            }
            ("GET", format!("{CSR_PATH}?{q}"), Vec::new())
        }
        Operation::CreateNode(n) => ("POST", NODES_PATH.to_owned(), node_json(n)?),
        Operation::GetNode { name } => {
            ("GET", format!("{NODES_PATH}/{}", escape(name)), Vec::new())
        }
        Operation::UpdateNodeStatus(n) => (
            "PUT",
            format!("{NODES_PATH}/{}/status", escape(&n.metadata.name)),
            node_json(n)?,
        ),
        _ => return None,
    })
}

/// A Node as JSON with its `kind` and `apiVersion`.
fn node_json(n: &Node) -> Option<Vec<u8>> {
    let mut v = serde_json::to_value(n).ok()?;
    let o = v.as_object_mut()?;
    o.insert("kind".into(), "Node".into());
    o.insert("apiVersion".into(), "v1".into());
    serde_json::to_vec(&v).ok()
}

fn escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Sends one request and reports its reply (or its transport error) to the agent.
async fn send(
    server: Arc<Server>,
    id: RequestId,
    request: Request,
    key: Option<Arc<PrivateKey>>,
    watch: WatchId,
    tx: mpsc::UnboundedSender<Event>,
) {
    let Some((method, target, body)) = http_request(&request.operation) else {
        let _ = tx.send(Event::Input(Input::RequestFailed {
            id,
            error: "operation not served by this agent".to_owned(),
        }));
        return;
    };
    let url = format!("{}{target}", server.url);
    let is_watch = matches!(
        request.operation,
        Operation::WatchCertificateSigningRequests { .. }
    );
    let fail = |e: String| {
        let _ = tx.send(Event::Input(Input::RequestFailed {
            id,
            error: format!("{} \"{url}\": {e}", go_method(method)),
        }));
    };
    let response = tokio::time::timeout(
        REQUEST_TIMEOUT,
        exchange(&server, method, &target, body, &request.credential, key),
    )
    .await;
    let response = match response {
        Err(_) => return fail("context deadline exceeded".to_owned()),
        Ok(Err(e)) => return fail(e.to_string()),
        Ok(Ok(r)) => r,
    };
    let code = response.status().as_u16();
    if is_watch && code == 200 {
        let events_tx = tx.clone();
        let task = tokio::spawn(read_watch(response.into_body(), watch, events_tx));
        let _ = tx.send(Event::Watch(watch, task));
        let _ = tx.send(Event::Input(Input::Reply {
            id,
            reply: Reply::WatchOpened(watch),
        }));
        return;
    }
    let bytes = match tokio::time::timeout(REQUEST_TIMEOUT, response.into_body().collect()).await {
        Ok(Ok(b)) => b.to_bytes(),
        Ok(Err(e)) => return fail(e.to_string()),
        Err(_) => return fail("context deadline exceeded".to_owned()),
    };
    let Some(reply) = decode_reply(code, &bytes) else {
        return fail(format!("unexpected answer {code}"));
    };
    let _ = tx.send(Event::Input(Input::Reply { id, reply }));
}

fn go_method(m: &str) -> &'static str {
    match m {
        "POST" => "Post",
        "PUT" => "Put",
        "DELETE" => "Delete",
        _ => "Get",
    }
}

/// The answer as the machine reads it: an object, a list, or a `Status`.
fn decode_reply(code: u16, body: &[u8]) -> Option<Reply> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    match value.get("kind").and_then(|k| k.as_str()) {
        Some("CertificateSigningRequest") => Some(Reply::CertificateSigningRequest {
            code,
            object: std::sync::Arc::new(
                serde_json::from_value::<CertificateSigningRequest>(value).ok()?,
            ),
        }),
        Some("CertificateSigningRequestList") => Some(Reply::CertificateSigningRequestList(
            Box::new(serde_json::from_value::<CertificateSigningRequestList>(value).ok()?),
        )),
        Some("Node") => Some(Reply::Node {
            code,
            object: Box::new(serde_json::from_value::<Node>(value).ok()?),
        }),
        Some("Status") => Some(Reply::Status(serde_json::from_value::<Status>(value).ok()?)),
        _ => None,
    }
}

/// Reads a watch's JSON lines and feeds each event to the agent; reports the end.
async fn read_watch(mut body: Incoming, watch: WatchId, tx: mpsc::UnboundedSender<Event>) {
    let mut buffer: Vec<u8> = Vec::new();
    while let Some(Ok(frame)) = body.frame().await {
        let Ok(data) = frame.into_data() else {
            continue;
        };
        buffer.extend_from_slice(&data);
        while let Some(end) = buffer.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = buffer.drain(..=end).collect();
            if let Ok(event) = serde_json::from_slice::<WatchEvent>(&line) {
                let _ = tx.send(Event::Input(Input::WatchEvent { watch, event }));
            }
        }
        if buffer.len() > 4 << 20 {
            break;
        }
    }
    let _ = tx.send(Event::Input(Input::WatchEnded(watch)));
}

/// Connects (TLS, with the client certificate when the credential is one) and sends one
/// HTTP/1.1 request.
async fn exchange(
    server: &Server,
    method: &str,
    target: &str,
    body: Vec<u8>,
    credential: &Credential,
    key: Option<Arc<PrivateKey>>,
) -> Result<hyper::Response<Incoming>, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(Arc::clone(&server.roots));
    let mut bearer = None;
    let tls = match (credential, key) {
        (Credential::ClientCertificate(chain), Some(key)) => {
            let chain = chain
                .iter()
                .map(|c| CertificateDer::from(c.clone()))
                .collect();
            let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.to_pkcs8_der()));
            builder.with_client_auth_cert(chain, key)?
        }
        (Credential::BearerToken(t), _) => {
            bearer = Some(t.clone());
            builder.with_no_client_auth()
        }
        _ => builder.with_no_client_auth(),
    };
    let tcp =
        tokio::net::TcpStream::connect((server.host.trim_matches(['[', ']']), server.port)).await?;
    let stream = tokio_rustls::TlsConnector::from(Arc::new(tls))
        .connect(server.server_name.clone(), tcp)
        .await?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let mut req = hyper::Request::builder()
        .method(method)
        .uri(target)
        .header("Host", format!("{}:{}", server.host, server.port))
        .header("Accept", "application/json")
        .header("User-Agent", "node_agent/v1.32.0 (kube-tls-bootstrap)");
    if !body.is_empty() {
        req = req.header("Content-Type", "application/json");
    }
    if let Some(t) = bearer {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    let req = req.body(Full::new(Bytes::from(body)))?;
    Ok(sender.send_request(req).await?)
}
