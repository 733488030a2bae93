//! The seed end to end over real HTTPS on 127.0.0.1: the `apiserver` example with the seed's
//! `token.csv`, the real `kubectl` (v1.32, `/usr/bin/kubectl`) as the admin, and the
//! `node_agent` example as the kubelet. Every kubectl output is compared with what the same
//! command prints against Kubernetes.
//!
//! Ignored by default (needs kubectl; builds the two examples first):
//! `cargo test --test wire_e2e -- --ignored`. Bounded: every process and wait has a deadline,
//! the whole test takes well under a minute once the examples are built.
#![allow(clippy::disallowed_methods)] // a test driver: processes, files, clock
#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers outside #[test] fns: a panic is a failure

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "02b50b05283e98dd0fd71db496ef01e8";
const TOKEN_CSV: &str =
    "02b50b05283e98dd0fd71db496ef01e8,kubelet-bootstrap,10001,\"system:bootstrappers\"\n";
const KUBECTL: &str = "/usr/bin/kubectl";
const CSR_HEADER: &str = "NAME                                                   AGE   SIGNERNAME                                    REQUESTOR           REQUESTEDDURATION   CONDITION";

/// Kills the child when dropped, so a failed assertion leaves no process behind.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Builds the examples (the test harness does not) and returns the directory they are in.
fn examples() -> PathBuf {
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "--example",
            "apiserver",
            "--example",
            "node_agent",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .unwrap();
    assert!(status.success(), "building the examples failed");
    // target/debug/deps/wire_e2e-… → target/debug/examples
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().join("examples")
}

struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    url: String,
    _apiserver: Process,
}

impl Cluster {
    /// The apiserver with a generated CA, written to `ca.crt` (`--write-client-ca`).
    fn start(name: &str) -> Self {
        Self::start_with(name, &[], &["--write-client-ca", "ca.crt"])
    }

    /// The apiserver with `files` written to its directory first and these extra flags.
    fn start_with(name: &str, files: &[(&str, &[u8])], flags: &[&str]) -> Self {
        let bin = examples();
        let dir = std::env::temp_dir().join(format!("wire-e2e-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("token.csv"), TOKEN_CSV).unwrap();
        for (file, contents) in files {
            std::fs::write(dir.join(file), contents).unwrap();
        }
        let mut child = Command::new(bin.join("apiserver"))
            .current_dir(&dir)
            .args([
                "--token-auth-file",
                "token.csv",
                "--secure-port",
                "0",
                "--write-admin-kubeconfig",
                "admin.kubeconfig",
            ])
            .args(flags)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(dir.join("apiserver.log")).unwrap())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let process = Process(child);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(Duration::from_secs(30)).unwrap();
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        assert!(url.starts_with("https://127.0.0.1:"), "{url}");
        Self {
            dir,
            bin,
            url,
            _apiserver: process,
        }
    }

    fn path(&self, p: &str) -> String {
        self.dir.join(p).to_string_lossy().into_owned()
    }

    /// kubectl with the admin kubeconfig; (success, stdout, stderr).
    fn kubectl(&self, args: &[&str]) -> (bool, String, String) {
        let admin = self.path("admin.kubeconfig");
        let mut all = vec!["--kubeconfig", admin.as_str()];
        all.extend_from_slice(args);
        self.kubectl_raw(&all)
    }

    /// kubectl with these arguments only (fresh HOME: no cache, no default kubeconfig).
    fn kubectl_raw(&self, args: &[&str]) -> (bool, String, String) {
        let mut child = Command::new(KUBECTL)
            .env_clear()
            .env("HOME", &self.dir)
            .env("PATH", "/usr/bin:/bin")
            .args(["--request-timeout", "20s"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "kubectl {args:?} timed out");
            std::thread::sleep(Duration::from_millis(20));
        }
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }

    /// kubectl as the bootstrap token.
    fn kubectl_token(&self, token: &str, args: &[&str]) -> (bool, String, String) {
        let ca = self.path("ca.crt");
        let mut all = vec![
            "--server",
            self.url.as_str(),
            "--certificate-authority",
            ca.as_str(),
            "--token",
            token,
        ];
        all.extend_from_slice(args);
        self.kubectl_raw(&all)
    }

    fn write_bootstrap_kubeconfig(&self, path: &str) {
        std::fs::write(
            path,
            format!(
                "apiVersion: v1\nkind: Config\nclusters:\n- name: kubernetes\n  cluster:\n    \
                 server: {}\n    certificate-authority: {}\ncontexts:\n- name: tls-bootstrap\n  \
                 context:\n    cluster: kubernetes\n    user: kubelet-bootstrap\n\
                 current-context: tls-bootstrap\nusers:\n- name: kubelet-bootstrap\n  user:\n    \
                 token: {TOKEN}\n",
                self.url,
                self.path("ca.crt")
            ),
        )
        .unwrap();
    }

    /// Starts the node agent (exits once it has a client certificate).
    fn node_agent(&self, bootstrap: &str, name: &str, extra: &[&str]) -> Process {
        let log = std::fs::File::create(self.dir.join(format!("{name}.log"))).unwrap();
        Process(
            Command::new(self.bin.join("node_agent"))
                .current_dir(&self.dir)
                .args([
                    "--bootstrap-kubeconfig",
                    bootstrap,
                    "--kubeconfig",
                    &self.path(&format!("{name}/kubelet.conf")),
                    "--cert-dir",
                    &self.path(&format!("{name}/pki")),
                    "--hostname-override",
                    name,
                    "--exit-after-bootstrap",
                ])
                .args(extra)
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .unwrap(),
        )
    }

    fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join(format!("{name}.log"))).unwrap_or_default()
    }
}

/// Waits for the process to exit; its success.
fn wait(p: &mut Process, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = p.0.try_wait().unwrap() {
            return status.success();
        }
        assert!(
            Instant::now() < deadline,
            "process did not exit in {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn mode(path: &str) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// The CSR row with its AGE column blanked (`<age>`).
fn row_without_age(line: &str) -> String {
    let cols: Vec<&str> = line.split_whitespace().collect();
    let mut cols: Vec<String> = cols.iter().map(|c| (*c).to_owned()).collect();
    if cols.len() > 1 {
        cols[1] = "<age>".into();
    }
    cols.join(" ")
}

/// What kubectl 1.32 prints when its credential does not authenticate: kube-apiserver answers
/// 401 from the first request (discovery), so five discovery errors from client-go's memcache
/// (klog lines; their time and pid are dropped here) and the final error.
fn assert_unauthorized(stderr: &str) {
    let discovery = "memcache.go:265] \"Unhandled Error\" err=\"couldn't get current server API group list: the server has asked for the client to provide credentials\"";
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 6, "{stderr}");
    for line in &lines[..5] {
        let (klog, text) = line.split_once(" memcache").unwrap_or(("", ""));
        assert!(klog.starts_with('E'), "{line}");
        assert_eq!(format!("memcache{text}"), discovery);
    }
    assert_eq!(
        lines[5],
        "error: You must be logged in to the server (the server has asked for the client to provide credentials)"
    );
}

#[test]
#[ignore = "needs kubectl; builds and runs the apiserver and node_agent examples"]
fn seed_over_https_with_real_kubectl() {
    let started = Instant::now();
    let c = Cluster::start("seed");

    // 1. The admin binds the bootstrap user to system:node-bootstrapper.
    let (ok, out, err) = c.kubectl(&[
        "create",
        "clusterrolebinding",
        "kubelet-bootstrap",
        "--clusterrole=system:node-bootstrapper",
        "--user=kubelet-bootstrap",
    ]);
    assert!(ok, "{err}");
    assert_eq!(
        out,
        "clusterrolebinding.rbac.authorization.k8s.io/kubelet-bootstrap created\n"
    );

    // 2. A wrong token gets 401 (on discovery already): kubectl's text for it.
    let (ok, _, err) = c.kubectl_token("0123456789abcdef0123456789abcdef", &["get", "csr"]);
    assert!(!ok);
    assert_unauthorized(&err);

    // 3. The node agent bootstraps with the token.
    let bootstrap = c.path("bootstrap-kubelet.conf");
    c.write_bootstrap_kubeconfig(&bootstrap);
    let mut agent = c.node_agent(&bootstrap, "node-1", &[]);

    let deadline = Instant::now() + Duration::from_secs(30);
    let name = loop {
        let (ok, out, err) = c.kubectl(&["get", "csr", "-o", "name"]);
        assert!(ok, "{err}");
        if let Some(n) = out.lines().next() {
            break n
                .trim_start_matches("certificatesigningrequest.certificates.k8s.io/")
                .to_owned();
        }
        assert!(Instant::now() < deadline, "no CSR: {}", c.log("node-1"));
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(name.starts_with("node-csr-"), "{name}");

    // 4. Pending; the bootstrap user cannot approve its own request; the admin can.
    let (ok, out, err) = c.kubectl(&["get", "csr"]);
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert_eq!(lines[0], CSR_HEADER);
    assert_eq!(
        row_without_age(lines[1]),
        format!(
            "{name} <age> kubernetes.io/kube-apiserver-client-kubelet kubelet-bootstrap <none> Pending"
        )
    );

    let (ok, _, err) = c.kubectl_token(TOKEN, &["certificate", "approve", &name]);
    assert!(!ok);
    assert_eq!(
        err,
        format!(
            "Error from server (Forbidden): certificatesigningrequests.certificates.k8s.io \"{name}\" is forbidden: \
             User \"kubelet-bootstrap\" cannot update resource \"certificatesigningrequests/approval\" \
             in API group \"certificates.k8s.io\" at the cluster scope\n"
        )
    );

    let (ok, out, err) = c.kubectl(&["certificate", "approve", &name]);
    assert!(ok, "{err}");
    assert_eq!(
        out,
        format!("certificatesigningrequest.certificates.k8s.io/{name} approved\n")
    );
    assert!(
        wait(&mut agent, Duration::from_secs(30)),
        "{}",
        c.log("node-1")
    );

    let (ok, out, err) = c.kubectl(&["get", "csr"]);
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        row_without_age(lines[1]),
        format!(
            "{name} <age> kubernetes.io/kube-apiserver-client-kubelet kubelet-bootstrap <none> Approved,Issued"
        )
    );

    // 5. The files, with the kubelet's modes; the certificate authenticates as the node.
    let kubeconfig = c.path("node-1/kubelet.conf");
    let current = c.path("node-1/pki/kubelet-client-current.pem");
    assert_eq!(mode(&kubeconfig), 0o600);
    assert!(
        std::fs::symlink_metadata(&current)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(mode(&current), 0o600);
    let pem = std::fs::read_to_string(&current).unwrap();
    assert!(pem.contains("BEGIN CERTIFICATE") && pem.contains("PRIVATE KEY"));
    let log = c.log("node-1");
    assert!(!log.contains(TOKEN), "the token was logged");
    assert!(
        log.contains(
            "Using bootstrap kubeconfig to generate TLS client cert, key and kubeconfig file"
        ),
        "{log}"
    );

    let (ok, out, err) = c.kubectl_raw(&["--kubeconfig", &kubeconfig, "auth", "whoami"]);
    assert!(ok, "{err}");
    assert_eq!(
        out,
        "ATTRIBUTE   VALUE\nUsername    system:node:node-1\nGroups      [system:nodes system:authenticated]\n"
    );

    // A restart finds the valid kubeconfig and certificate: no new request.
    let mut again = c.node_agent(&bootstrap, "node-1", &[]);
    assert!(
        wait(&mut again, Duration::from_secs(30)),
        "{}",
        c.log("node-1")
    );
    let (ok, out, _) = c.kubectl(&["get", "csr", "-o", "name"]);
    assert!(ok);
    assert_eq!(out.lines().count(), 1, "{out}");

    // 6. A second agent holding node-1's certificate cannot ask for node-2's (NodeRestriction).
    let mut impostor = c.node_agent(&kubeconfig, "node-2", &[]);
    assert!(!wait(&mut impostor, Duration::from_secs(30)));
    let log = c.log("node-2");
    assert!(
        log.contains("can only create a node CSR with CN=system:node:node-1"),
        "{log}"
    );
    let (ok, out, _) = c.kubectl(&["get", "csr", "-o", "name"]);
    assert!(ok);
    assert_eq!(out.lines().count(), 1, "{out}");

    // The agent registered its Node with its own certificate and reported Ready.
    let (ok, out, err) = c.kubectl(&["get", "nodes"]);
    assert!(ok, "{err}");
    let rows: Vec<Vec<&str>> = out
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows.len(), 2, "{out}");
    assert_eq!(
        rows[0],
        ["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
        "{out}"
    );
    assert_eq!(
        (rows[1][0], rows[1][1], rows[1][2], rows[1][4]),
        ("node-1", "Ready", "<none>", "v1.32.0"),
        "{out}"
    );

    assert!(started.elapsed() < Duration::from_secs(180));
    if !Path::new(&c.dir).exists() {
        return;
    }
    let _ = std::fs::remove_dir_all(&c.dir);
}

/// One raw HTTP/1.1 exchange over TLS (trusting the cluster CA): the status code and body.
/// `body_len` overrides the `Content-Length` sent (for truncated bodies).
fn raw(
    c: &Cluster,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    body_len: Option<usize>,
) -> (u16, String) {
    let (code, _, body) = raw_full(c, method, path, headers, body, body_len);
    (code, body)
}

/// [`raw`] with the response's head (status line and headers).
fn raw_full(
    c: &Cluster,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    body_len: Option<usize>,
) -> (u16, String, String) {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    use std::io::{Read, Write};
    use std::sync::Arc;
    use tokio_rustls::rustls;
    let mut roots = rustls::RootCertStore::empty();
    let ca = std::fs::read(c.path("ca.crt")).unwrap();
    for cert in CertificateDer::pem_slice_iter(&ca) {
        roots.add(cert.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let port: u16 = c.url.rsplit(':').next().unwrap().parse().unwrap();
    let tcp = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let conn = rustls::ClientConnection::new(
        Arc::new(config),
        rustls_pki_types::ServerName::try_from("127.0.0.1").unwrap(),
    )
    .unwrap();
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body_len.unwrap_or(body.len())
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = tls.write_all(head.as_bytes());
    let _ = tls.write_all(body);
    let _ = tls.flush();
    if body_len.is_some_and(|n| n > body.len()) {
        // A truncated body: close our side (TLS close_notify) and take whatever comes back.
        tls.conn.send_close_notify();
        let _ = tls.flush();
    }
    let mut out = Vec::new();
    let _ = tls.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let code = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (code, head.to_owned(), body.to_owned())
}

const CSRS: &str = "/apis/certificates.k8s.io/v1/certificatesigningrequests";

/// kube-apiserver's 401 body.
const UNAUTHORIZED: &str = r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}"#;

/// kube-apiserver's 403 body for `verb` on the CSR collection as `system:anonymous`.
fn anonymous_forbidden(verb: &str) -> String {
    format!(
        r#"{{"kind":"Status","apiVersion":"v1","metadata":{{}},"status":"Failure","message":"certificatesigningrequests.certificates.k8s.io is forbidden: User \"system:anonymous\" cannot {verb} resource \"certificatesigningrequests\" in API group \"certificates.k8s.io\" at the cluster scope","reason":"Forbidden","details":{{"group":"certificates.k8s.io","kind":"certificatesigningrequests"}},"code":403}}"#
    )
}

#[test]
#[ignore = "builds and runs the apiserver example"]
fn bad_input_on_the_wire_gets_a_status_and_the_server_survives() {
    // --auto-approve binds system:node-bootstrapper to system:bootstrappers: the bootstrap
    // token may create CSRs, so its bad bodies reach the decoder.
    let c = Cluster::start_with(
        "bad-input",
        &[],
        &["--write-client-ca", "ca.crt", "--auto-approve"],
    );
    let json = [("Content-Type", "application/json")];
    let auth = format!("Bearer {TOKEN}");
    let token = [
        ("Content-Type", "application/json"),
        ("Authorization", auth.as_str()),
    ];
    let wrong = [
        ("Content-Type", "application/json"),
        ("Authorization", "Bearer 0123456789abcdef0123456789abcdef"),
    ];

    // Authentication, then authorization, then the body (kube-apiserver's filter order):
    // 401 and 403 win over the body's 400, 413 and 415.
    let (code, body) = raw(&c, "POST", CSRS, &wrong, b"{\"kind\":", None);
    assert_eq!((code, body.as_str()), (401, UNAUTHORIZED));
    let (code, body) = raw(&c, "POST", CSRS, &json, b"{\"kind\":", None);
    assert_eq!((code, body), (403, anonymous_forbidden("create")));
    let (code, body) = raw(
        &c,
        "PUT",
        &format!("{CSRS}/x/approval"),
        &token,
        b"{\"kind\":",
        None,
    );
    assert_eq!(
        (code, body.as_str()),
        (
            403,
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"certificatesigningrequests.certificates.k8s.io \"x\" is forbidden: User \"kubelet-bootstrap\" cannot update resource \"certificatesigningrequests/approval\" in API group \"certificates.k8s.io\" at the cluster scope","reason":"Forbidden","details":{"name":"x","group":"certificates.k8s.io","kind":"certificatesigningrequests"},"code":403}"#
        )
    );
    let (code, body) = raw(&c, "POST", CSRS, &token, b"{\"kind\":", None);
    assert_eq!(
        (code, body.as_str()),
        (
            400,
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the object provided is unrecognized (must be of type CertificateSigningRequest): couldn't get version/kind; json parse error: EOF while parsing a value at line 1 column 8 ({\"kind\":)","reason":"BadRequest","code":400}"#
        )
    );

    let html = |auth: &'static str| [("Content-Type", "text/html"), ("Authorization", auth)];
    let (code, body) = raw(&c, "POST", CSRS, &html(""), b"<p>", None);
    assert_eq!((code, body), (403, anonymous_forbidden("create")));
    let (code, body) = raw(
        &c,
        "POST",
        CSRS,
        &[("Content-Type", "text/html"), ("Authorization", &auth)],
        b"<p>",
        None,
    );
    assert_eq!(
        (code, body.as_str()),
        (
            415,
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf","reason":"UnsupportedMediaType","code":415}"#
        )
    );

    let huge = vec![b' '; 4 << 20];
    let (code, body) = raw(&c, "POST", CSRS, &json, &huge, None);
    assert_eq!((code, body), (403, anonymous_forbidden("create")));
    let (code, body) = raw(&c, "POST", CSRS, &token, &huge, None);
    assert_eq!(
        (code, body.as_str()),
        (
            413,
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Request entity too large: limit is 3145728","reason":"RequestEntityTooLarge","code":413}"#
        )
    );

    let (code, _) = raw(&c, "POST", CSRS, &token, b"{\"apiVersion\"", Some(1000));
    assert!(code == 0 || code == 400, "{code}");

    // A credential that does not authenticate is 401 on every path.
    let (code, body) = raw(&c, "GET", "/version", &wrong, b"", None);
    assert_eq!((code, body.as_str()), (401, UNAUTHORIZED));
    let (code, body) = raw(&c, "GET", "/nosuch", &wrong, b"", None);
    assert_eq!((code, body.as_str()), (401, UNAUTHORIZED));

    // The non-resource paths are authorized: anonymous requests may read the version and health
    // (`system:public-info-viewer`), not discovery (`system:discovery` is for authenticated users).
    let (code, body) = raw(&c, "GET", "/api", &[], b"", None);
    assert_eq!(
        (code, body.as_str()),
        (
            403,
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"forbidden: User \"system:anonymous\" cannot get path \"/api\"","reason":"Forbidden","details":{},"code":403}"#
        )
    );
    let (code, _) = raw(&c, "GET", "/version", &[], b"", None);
    assert_eq!(code, 200);
    let (code, body) = raw(&c, "GET", "/healthz", &[], b"", None);
    assert_eq!((code, body.as_str()), (200, "ok\n"));
    let (code, _) = raw(&c, "GET", "/apis", &token, b"", None);
    assert_eq!(code, 200);
    // Reviews need `system:basic-user`, which is for authenticated users only.
    let json = [("Content-Type", "application/json")];
    let review = br#"{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}"#;
    let path = "/apis/authentication.k8s.io/v1/selfsubjectreviews";
    let (code, body) = raw(&c, "POST", path, &json, review, None);
    assert_eq!(
        (code, body.as_str()),
        (
            403,
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"selfsubjectreviews.authentication.k8s.io is forbidden: User \"system:anonymous\" cannot create resource \"selfsubjectreviews\" in API group \"authentication.k8s.io\" at the cluster scope","reason":"Forbidden","details":{"group":"authentication.k8s.io","kind":"selfsubjectreviews"},"code":403}"#
        )
    );

    // bearertoken.go: an empty token, two spaces or another scheme are no credential
    // (anonymous: 403 here); two spaces add a warning; text after a second space is ignored.
    for header in ["Bearer ", "Bearer", "Basic a2I6cHc=", "Token abc"] {
        let (code, body) = raw(&c, "GET", CSRS, &[("Authorization", header)], b"", None);
        assert_eq!(
            (code, body),
            (403, anonymous_forbidden("list")),
            "{header:?}"
        );
    }
    let two_spaces = format!("Bearer  {TOKEN}");
    let (code, head, body) = raw_full(
        &c,
        "GET",
        CSRS,
        &[("Authorization", &two_spaces)],
        b"",
        None,
    );
    assert_eq!((code, body), (403, anonymous_forbidden("list")));
    assert!(
        head.lines().any(|l| l
            == "warning: 299 - \"the provided Authorization header contains extra space before the bearer token, and is ignored\""),
        "{head}"
    );
    let trailing = format!("bearer {TOKEN} trailing words");
    let (code, body) = raw(&c, "GET", CSRS, &[("Authorization", &trailing)], b"", None);
    assert_eq!(code, 200, "{body}");
    assert!(
        body.starts_with(r#"{"kind":"CertificateSigningRequestList""#),
        "{body}"
    );

    let (code, body) = raw(&c, "PATCH", CSRS, &json, b"{}", None);
    assert_eq!(code, 405, "{body}");
    assert!(body.contains("MethodNotAllowed"), "{body}");

    let (code, body) = raw(
        &c,
        "GET",
        "/apis/certificates.k8s.io/v1/nosuch",
        &[],
        b"",
        None,
    );
    assert_eq!(code, 404, "{body}");
    let (code, body) = raw(&c, "GET", "/nosuch", &[], b"", None);
    assert_eq!((code, body.as_str()), (404, "404 page not found\n"));

    // Valid JSON of the wrong shape, as the bootstrap user: a Status, never a crash.
    for body in [
        &b"[]"[..],
        b"null",
        b"{\"kind\":\"CertificateSigningRequest\",\"spec\":{\"request\":\"!!\"}}",
        b"{\"apiVersion\":\"certificates.k8s.io/v1\",\"kind\":\"CertificateSigningRequest\",\"metadata\":{\"generateName\":\"csr-\"},\"spec\":{\"request\":\"\",\"signerName\":\"x\"}}",
    ] {
        let (code, text) = raw(&c, "POST", CSRS, &token, body, None);
        assert!((400..500).contains(&code), "{code} {text}");
        assert!(text.contains("\"kind\":\"Status\""), "{text}");
    }

    // A slow client holding a connection open does not stop others.
    let port: u16 = c.url.rsplit(':').next().unwrap().parse().unwrap();
    let _slow = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();

    // Arbitrary bodies and content types (a fixed-seed property run over the socket).
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let types = [
        "application/json",
        "application/yaml",
        "application/vnd.kubernetes.protobuf",
        "application/merge-patch+json",
    ];
    for _ in 0..48 {
        let len = usize::try_from(next() % 300).unwrap();
        let body: Vec<u8> = (0..len).map(|_| (next() & 0xff) as u8).collect();
        let ct = types[usize::try_from(next() % 4).unwrap()];
        let method = if next() % 2 == 0 { "POST" } else { "PUT" };
        let path = if method == "PUT" {
            format!("{CSRS}/x/approval")
        } else {
            CSRS.to_owned()
        };
        let (code, text) = raw(
            &c,
            method,
            &path,
            &[("Content-Type", ct), ("Authorization", &auth)],
            &body,
            None,
        );
        assert!((400..500).contains(&code), "{code} {text}");
    }

    let (code, body) = raw(&c, "GET", "/healthz", &[], b"", None);
    assert_eq!((code, body.as_str()), (200, "ok\n"));
    let _ = std::fs::remove_dir_all(&c.dir);
}

/// A CA made with rcgen: (certificate PEM, key PEM, issuer for leaves).
fn make_ca(common_name: &str) -> (String, String, rcgen::Issuer<'static, rcgen::KeyPair>) {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384).unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, common_name);
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    let cert = params.self_signed(&key).unwrap();
    let key_pem = key.serialize_pem();
    (cert.pem(), key_pem, rcgen::Issuer::new(params, key))
}

#[test]
#[ignore = "needs kubectl; builds and runs the apiserver and node_agent examples"]
fn client_ca_file_is_read_and_the_signing_ca_issues_what_it_verifies() {
    // kubeadm's layout: one CA signs the kubelets' certificates (--cluster-signing-*) and is
    // in the client CA bundle kube-apiserver reads (--client-ca-file), after another CA here.
    let (ca, ca_key, _) = make_ca("cluster-ca");
    let (other, _, other_issuer) = make_ca("other-ca");
    let (stranger, _, stranger_issuer) = make_ca("stranger-ca");
    let bundle = format!("{other}{ca}");
    let c = Cluster::start_with(
        "client-ca",
        &[
            ("ca.crt", ca.as_bytes()),
            ("ca.key", ca_key.as_bytes()),
            ("bundle.pem", bundle.as_bytes()),
        ],
        &[
            "--client-ca-file",
            "bundle.pem",
            "--cluster-signing-cert-file",
            "ca.crt",
            "--cluster-signing-key-file",
            "ca.key",
            "--write-client-ca",
            "written.pem",
            "--auto-approve",
        ],
    );
    assert_eq!(
        std::fs::read_to_string(c.path("written.pem")).unwrap(),
        bundle
    );
    // The bundle holds the signing CA: no warning.
    let log = std::fs::read_to_string(c.path("apiserver.log")).unwrap();
    assert!(!log.contains("warning"), "{log}");

    // The admin's certificate, issued by the signing CA, verifies against the bundle.
    let (ok, out, err) = c.kubectl(&["auth", "whoami"]);
    assert!(ok, "{err}");
    assert_eq!(
        out,
        "ATTRIBUTE   VALUE\nUsername    kubernetes-admin\nGroups      [system:masters system:authenticated]\n"
    );

    // The certificate authenticator comes before the token's: a wrong token sent with a valid
    // certificate does not matter.
    let (ok, out, err) = c.kubectl(&["--token", "0123456789abcdef", "auth", "whoami"]);
    assert!(ok, "{err}");
    assert!(out.contains("Username    kubernetes-admin\n"), "{out}");

    // A kubelet bootstraps (auto-approved) and its issued certificate authenticates.
    let bootstrap = c.path("bootstrap-kubelet.conf");
    c.write_bootstrap_kubeconfig(&bootstrap);
    let mut agent = c.node_agent(&bootstrap, "node-1", &[]);
    assert!(
        wait(&mut agent, Duration::from_secs(60)),
        "{}",
        c.log("node-1")
    );
    let kubeconfig = c.path("node-1/kubelet.conf");
    let (ok, out, err) = c.kubectl_raw(&["--kubeconfig", &kubeconfig, "auth", "whoami"]);
    assert!(ok, "{err}");
    assert_eq!(
        out,
        "ATTRIBUTE   VALUE\nUsername    system:node:node-1\nGroups      [system:nodes system:authenticated]\n"
    );

    // A certificate from the bundle's other CA authenticates too (the whole bundle is the
    // authenticator's pool).
    let carol_key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "carol");
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "auditors");
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    let carol = params.signed_by(&carol_key, &other_issuer).unwrap();
    std::fs::write(c.path("carol.crt"), carol.pem()).unwrap();
    std::fs::write(c.path("carol.key"), carol_key.serialize_pem()).unwrap();
    let (ca_path, crt, key_path) = (c.path("ca.crt"), c.path("carol.crt"), c.path("carol.key"));
    let (ok, out, err) = c.kubectl_raw(&[
        "--server",
        c.url.as_str(),
        "--certificate-authority",
        &ca_path,
        "--client-certificate",
        &crt,
        "--client-key",
        &key_path,
        "auth",
        "whoami",
    ]);
    assert!(ok, "{err}");
    assert_eq!(
        out,
        "ATTRIBUTE   VALUE\nUsername    carol\nGroups      [auditors system:authenticated]\n"
    );

    // A certificate from a CA outside the bundle is refused, whatever it claims.
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "intruder");
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "system:masters");
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    let cert = params.signed_by(&key, &stranger_issuer).unwrap();
    std::fs::write(c.path("intruder.crt"), cert.pem()).unwrap();
    std::fs::write(c.path("intruder.key"), key.serialize_pem()).unwrap();
    assert!(stranger.contains("BEGIN CERTIFICATE"));
    let (ca_path, crt, key_path) = (
        c.path("ca.crt"),
        c.path("intruder.crt"),
        c.path("intruder.key"),
    );
    let (ok, _, err) = c.kubectl_raw(&[
        "--server",
        c.url.as_str(),
        "--certificate-authority",
        &ca_path,
        "--client-certificate",
        &crt,
        "--client-key",
        &key_path,
        "get",
        "csr",
    ]);
    assert!(!ok);
    assert_unauthorized(&err);
    let _ = std::fs::remove_dir_all(&c.dir);
}
