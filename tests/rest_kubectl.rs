//! The real kubectl (v1.32, `/usr/bin/kubectl`) against a tiny HTTP server on 127.0.0.1 built
//! only from `rest`'s pure functions and an in-memory store: kubectl must accept the discovery
//! documents, Tables, objects and Status answers, print what it prints against Kubernetes, and
//! send the requests recorded in `tests/data/rest/kubectl-*.txt`.
//!
//! Ignored by default (needs kubectl): `cargo test --test rest_kubectl -- --ignored`.
//! `REST_KUBECTL_RECORD=1` rewrites the request files instead of comparing them.
#![allow(clippy::disallowed_methods)] // a test server: sockets, temp files, kubectl
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is a test failure

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};

use kube_tls_bootstrap::csr::{self, CertificateSigningRequest, Endpoint};
use kube_tls_bootstrap::identity::UserInfo;
use kube_tls_bootstrap::node::{Node, NodeAddress};
use kube_tls_bootstrap::rbac::ClusterRoleBinding;
use kube_tls_bootstrap::rest::{
    self, Body, HttpRequest, Output, Resource, Response, Route, VersionInfo, table,
};
use kube_tls_bootstrap::time::Timestamp;

const NOW: i64 = 1_750_000_000;

#[derive(Default)]
struct Store {
    version: u64,
    csrs: Vec<CertificateSigningRequest>,
    nodes: Vec<Node>,
    bindings: Vec<ClusterRoleBinding>,
    log: Vec<String>,
    bodies: Vec<Vec<u8>>,
}

impl Store {
    fn next_version(&mut self) -> String {
        self.version += 1;
        self.version.to_string()
    }
}

fn now() -> Timestamp {
    Timestamp::from_unix(NOW)
}

fn seeded() -> Store {
    let mut csr = CertificateSigningRequest::new("node-csr-abc");
    csr.metadata.creation_timestamp = Some(Timestamp::from_unix(NOW - 12));
    csr.metadata.resource_version = "1".into();
    csr.spec.signer_name = "kubernetes.io/kube-apiserver-client-kubelet".into();
    csr.spec.username = "kubelet-bootstrap".into();
    csr.spec.request = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/pki/corpus/kubelet-client-p256.csr.pem"
    ))
    .unwrap();
    csr.spec.usages = vec![
        csr::Usage::parse("digital signature"),
        csr::Usage::parse("client auth"),
    ];
    let mut node = Node::new("node-1");
    node.metadata.creation_timestamp = Some(Timestamp::from_unix(NOW - 90));
    node.status.node_info.kubelet_version = "v1.32.0".into();
    node.status.addresses.push(NodeAddress {
        type_: "InternalIP".into(),
        address: "10.0.0.7".into(),
    });
    node.set_ready(
        true,
        "KubeletReady",
        "kubelet is posting ready status",
        now(),
    );
    Store {
        version: 10,
        csrs: vec![csr],
        nodes: vec![node],
        ..Store::default()
    }
}

fn handle(
    store: &mut Store,
    req: &HttpRequest<'_>,
    content_type: Option<&str>,
    body: &[u8],
) -> Response {
    let route = match rest::route(req) {
        Ok(r) => r,
        Err(e) => return e.response(),
    };
    let r = match route {
        Route::Discovery(d) => return rest::discovery::document(d, "127.0.0.1:6443"),
        Route::Version => return rest::version(&VersionInfo::new("v1.32.0")),
        Route::Health(_) => return Response::plain(200, "ok"),
        Route::Resource(r) => r,
        _ => unreachable!(),
    };
    let body = match rest::decode_body(&r, content_type, body) {
        Ok(b) => b,
        Err(e) => return e.response(),
    };
    let rv = store.version.to_string();
    let table_version = match r.output {
        Output::Table(v) => Some(v),
        _ => None,
    };
    let include = r.options.include_object.clone();
    let tabulate = |objects: table::Objects<'_>| {
        table::table(
            objects,
            now(),
            &rv,
            table_version.unwrap(),
            include.as_deref(),
        )
        .unwrap_or_else(|e| e.response())
    };
    use rest::Verb::*;
    match (r.resource, r.verb, body) {
        (Resource::CertificateSigningRequests, Watch, _) => {
            // One MODIFIED event for each stored CSR, then the stream ends (kubectl get -w
            // exits when the server closes the watch).
            let mut out = Vec::new();
            for c in &store.csrs {
                let mut c = c.clone();
                c.status.certificate = b"-----BEGIN CERTIFICATE-----\n".to_vec();
                match table_version {
                    Some(v) => {
                        let t = table::table_value(
                            table::Objects::CertificateSigningRequests(std::slice::from_ref(&c)),
                            now(),
                            &rv,
                            v,
                            include.as_deref(),
                        )
                        .unwrap();
                        out.extend(rest::watch_event(rest::EventType::Modified, &t));
                    }
                    None => out.extend(rest::watch_event(rest::EventType::Modified, &c)),
                }
            }
            Response::json(200, out)
        }
        (Resource::CertificateSigningRequests, List | Get, _) => {
            let selected: Vec<_> = store
                .csrs
                .iter()
                .filter(|c| r.name.as_deref().is_none_or(|n| c.metadata.name == n))
                .cloned()
                .collect();
            if let Some(name) = &r.name
                && selected.is_empty()
            {
                return rest::status(&kube_tls_bootstrap::api::Status::not_found(
                    &r.resource.group_resource(),
                    name,
                ));
            }
            if table_version.is_some() {
                return tabulate(table::Objects::CertificateSigningRequests(&selected));
            }
            if r.name.is_some() {
                let mut c = selected[0].clone();
                c.api_version = csr::API_VERSION.into();
                c.kind = csr::KIND.into();
                return rest::object(200, &c);
            }
            rest::list(r.resource, &rv, None, &selected)
        }
        (Resource::CertificateSigningRequests, Update, Body::CertificateSigningRequest(new)) => {
            let name = r.name.clone().unwrap();
            let Some(i) = store.csrs.iter().position(|c| c.metadata.name == name) else {
                return rest::status(&kube_tls_bootstrap::api::Status::not_found(
                    &r.resource.group_resource(),
                    &name,
                ));
            };
            let endpoint = match r.subresource {
                Some(rest::Subresource::Approval) => Endpoint::Approval,
                Some(rest::Subresource::Status) => Endpoint::Status,
                _ => Endpoint::Main,
            };
            match csr::update(endpoint, *new, &store.csrs[i], now()) {
                Ok(mut updated) => {
                    updated.metadata.resource_version = store.next_version();
                    store.csrs[i] = updated.clone();
                    updated.api_version = csr::API_VERSION.into();
                    updated.kind = csr::KIND.into();
                    rest::object(200, &updated)
                }
                Err(invalid) => rest::status(&invalid.into()),
            }
        }
        (Resource::CertificateSigningRequests, Delete, _) => {
            let name = r.name.clone().unwrap();
            store.csrs.retain(|c| c.metadata.name != name);
            rest::status(&kube_tls_bootstrap::api::Status::success(
                &r.resource.group_resource(),
                &name,
                "",
            ))
        }
        (Resource::Nodes, List | Get, _) => {
            if table_version.is_some() {
                return tabulate(table::Objects::Nodes(&store.nodes));
            }
            rest::list(r.resource, &rv, None, &store.nodes)
        }
        (Resource::ClusterRoleBindings, Create, Body::ClusterRoleBinding(mut b)) => {
            b.apply_defaults();
            b.metadata.creation_timestamp = Some(now());
            b.metadata.resource_version = store.next_version();
            store.bindings.push((*b).clone());
            rest::object(201, &*b)
        }
        (Resource::ClusterRoleBindings, List | Get, _) => {
            if table_version.is_some() {
                return tabulate(table::Objects::ClusterRoleBindings(&store.bindings));
            }
            rest::list(r.resource, &rv, None, &store.bindings)
        }
        (Resource::SelfSubjectAccessReviews, Create, Body::SelfSubjectAccessReview(review)) => {
            // Allowed exactly for what the test asks yes to: proves the protobuf body decoded.
            let a = review.spec.resource_attributes.clone().unwrap_or_default();
            let allowed = a.verb == "create"
                && a.group == "certificates.k8s.io"
                && a.resource == "certificatesigningrequests";
            rest::object(201, &review.answered(allowed, ""))
        }
        (Resource::SelfSubjectReviews, Create, _) => rest::object(
            201,
            &rest::SelfSubjectReview::answer(&UserInfo::new(
                "kubernetes-admin",
                ["system:masters", "system:authenticated"],
            )),
        ),
        _ => rest::Rejection::MethodNotAllowed.response(),
    }
}

fn serve_one(stream: TcpStream, store: &Mutex<Store>) -> Option<()> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let (mut accept, mut content_type, mut length) = (None, None, 0usize);
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        match k.to_ascii_lowercase().as_str() {
            "accept" => accept = Some(v.trim().to_owned()),
            "content-type" => content_type = Some(v.trim().to_owned()),
            "content-length" => length = v.trim().parse().ok()?,
            _ => {}
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let req = HttpRequest {
        method: &method,
        path,
        query,
        accept: accept.as_deref(),
    };
    let response = {
        let mut store = store.lock().ok()?;
        let mut entry = format!("{method} {target}");
        if let Some(a) = &accept {
            entry.push_str(&format!("\n    Accept: {a}"));
        }
        if let Some(c) = &content_type {
            entry.push_str(&format!("\n    Content-Type: {c}"));
        }
        if content_type.as_deref() == Some("application/vnd.kubernetes.protobuf") {
            store.bodies.push(body.clone());
        }
        let response = handle(&mut store, &req, content_type.as_deref(), &body);
        entry.push_str(&format!(
            "\n    -> {} {}",
            response.code, response.content_type
        ));
        store.log.push(entry);
        response
    };
    let mut out = stream;
    let mut head = format!(
        "HTTP/1.1 {} X\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n",
        response.code,
        response.content_type,
        response.body.len()
    );
    for (k, v) in &response.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    out.write_all(head.as_bytes()).ok()?;
    out.write_all(&response.body).ok()?;
    Some(())
}

struct Server {
    port: u16,
    store: Arc<Mutex<Store>>,
    home: PathBuf,
}

impl Server {
    fn start(store: Store, name: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let store = Arc::new(Mutex::new(store));
        let shared = Arc::clone(&store);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = serve_one(stream, &shared);
            }
        });
        let home = std::env::temp_dir().join(format!("rest-kubectl-{name}-{port}"));
        std::fs::create_dir_all(&home).unwrap();
        Self { port, store, home }
    }

    /// Runs kubectl (fresh HOME, so no discovery cache), checks the requests it sent against
    /// `tests/data/rest/kubectl-<record>.txt` (none when `record` is empty: they are kept for the
    /// next call), and returns (exit ok, stdout, stderr).
    fn kubectl(&self, record: &str, args: &[&str]) -> (bool, String, String) {
        let server = format!("http://127.0.0.1:{}", self.port);
        let out = Command::new("kubectl")
            .env_clear()
            .env("HOME", &self.home)
            .env("PATH", "/usr/bin:/bin")
            .args(["--server", &server])
            .args(args)
            .output()
            .unwrap();
        if !record.is_empty() {
            self.check_requests(record, &args.join(" "));
        }
        (
            out.status.success(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }

    /// Takes the requests logged so far and compares them with (or records them as)
    /// `tests/data/rest/kubectl-<name>.txt`.
    fn check_requests(&self, name: &str, command: &str) {
        let log = sort_discovery(std::mem::take(&mut self.store.lock().unwrap().log));
        let got = format!("# kubectl {command}\n{}\n", log.join("\n"))
            .replace(self.home.to_str().unwrap(), "$HOME");
        let _ = std::fs::remove_dir_all(self.home.join(".kube"));
        let path = format!(
            "{}/tests/data/rest/kubectl-{name}.txt",
            env!("CARGO_MANIFEST_DIR")
        );
        let bodies = std::mem::take(&mut self.store.lock().unwrap().bodies);
        if std::env::var_os("REST_KUBECTL_RECORD").is_some() {
            std::fs::write(&path, &got).unwrap();
            // The protobuf bodies kubectl sent: golden vectors for tests/rest_body.rs.
            for (i, b) in bodies.iter().enumerate() {
                std::fs::write(path.replace(".txt", &format!(".{i}.pb")), b).unwrap();
            }
        } else {
            let want = std::fs::read_to_string(&path).unwrap();
            assert_eq!(got, want, "{path}");
        }
    }
}

/// kubectl fetches the group versions' documents in parallel: runs of them are sorted so the
/// recorded sequence is stable.
fn sort_discovery(log: Vec<String>) -> Vec<String> {
    let is_group_version = |e: &String| {
        let target = e.lines().next().unwrap_or_default();
        let path = target.split(['?', ' ']).nth(1).unwrap_or_default();
        path == "/api/v1" || (path.starts_with("/apis/") && path.matches('/').count() == 3)
    };
    let mut out: Vec<String> = Vec::new();
    let mut run: Vec<String> = Vec::new();
    for e in log {
        if is_group_version(&e) {
            run.push(e);
        } else {
            run.sort();
            out.append(&mut run);
            out.push(e);
        }
    }
    run.sort();
    out.append(&mut run);
    out
}

#[test]
#[ignore = "needs kubectl"]
fn kubectl_get_approve_and_get_again() {
    let s = Server::start(seeded(), "csr");
    let (ok, out, err) = s.kubectl("get-csr", &["get", "csr"]);
    assert!(ok, "{err}");
    assert_eq!(
        out,
        "NAME           AGE   SIGNERNAME                                    REQUESTOR           REQUESTEDDURATION   CONDITION\n\
         node-csr-abc   12s   kubernetes.io/kube-apiserver-client-kubelet   kubelet-bootstrap   <none>              Pending\n"
    );

    let (ok, out, err) = s.kubectl(
        "certificate-approve",
        &["certificate", "approve", "node-csr-abc"],
    );
    assert!(ok, "{err}");
    assert_eq!(
        out,
        "certificatesigningrequest.certificates.k8s.io/node-csr-abc approved\n"
    );

    let (ok, out, err) = s.kubectl("get-csr-watch", &["get", "csr", "--watch"]);
    assert!(ok, "{err}");
    assert_eq!(
        out,
        "NAME           AGE   SIGNERNAME                                    REQUESTOR           REQUESTEDDURATION   CONDITION\n\
         node-csr-abc   12s   kubernetes.io/kube-apiserver-client-kubelet   kubelet-bootstrap   <none>              Approved\n\
         node-csr-abc   12s   kubernetes.io/kube-apiserver-client-kubelet   kubelet-bootstrap   <none>              Approved,Issued\n"
    );

    let (ok, out, _) = s.kubectl("get-csr-name", &["get", "csr", "node-csr-abc"]);
    assert!(ok);
    assert!(out.ends_with("<none>              Approved\n"), "{out}");

    let (ok, out, _) = s.kubectl(
        "get-csr-jsonpath",
        &[
            "get",
            "csr",
            "node-csr-abc",
            "-o",
            "jsonpath={.status.conditions[0].reason}",
        ],
    );
    assert!(ok);
    assert_eq!(out, "KubectlApprove");

    let (ok, _, err) = s.kubectl("get-csr-missing", &["get", "csr", "nosuch"]);
    assert!(!ok);
    assert_eq!(
        err,
        "Error from server (NotFound): certificatesigningrequests.certificates.k8s.io \"nosuch\" not found\n"
    );

    let (ok, out, err) = s.kubectl("delete-csr", &["delete", "csr", "node-csr-abc"]);
    assert!(ok, "{err}");
    assert_eq!(
        out,
        "certificatesigningrequest.certificates.k8s.io \"node-csr-abc\" deleted\n"
    );

    let (ok, out, err) = s.kubectl("get-csr-empty", &["get", "csr"]);
    assert!(ok);
    assert_eq!((out.as_str(), err.as_str()), ("", "No resources found\n"));
}

#[test]
#[ignore = "needs kubectl"]
fn kubectl_get_nodes_wide() {
    let s = Server::start(seeded(), "nodes");
    let (ok, out, err) = s.kubectl("get-nodes", &["get", "nodes"]);
    assert!(ok, "{err}");
    assert_eq!(
        out,
        "NAME     STATUS   ROLES    AGE   VERSION\n\
         node-1   Ready    <none>   90s   v1.32.0\n"
    );
    let (ok, out, _) = s.kubectl("get-nodes-wide", &["get", "no", "-o", "wide"]);
    assert!(ok);
    assert_eq!(
        out,
        "NAME     STATUS   ROLES    AGE   VERSION   INTERNAL-IP   EXTERNAL-IP   OS-IMAGE    KERNEL-VERSION   CONTAINER-RUNTIME\n\
         node-1   Ready    <none>   90s   v1.32.0   10.0.0.7      <none>        <unknown>   <unknown>        <unknown>\n"
    );
}

#[test]
#[ignore = "needs kubectl"]
fn kubectl_create_clusterrolebinding_and_auth() {
    let s = Server::start(seeded(), "rbac");
    let (ok, out, err) = s.kubectl(
        "create-clusterrolebinding",
        &[
            "create",
            "clusterrolebinding",
            "kubelet-bootstrap",
            "--clusterrole=system:node-bootstrapper",
            "--user=kubelet-bootstrap",
        ],
    );
    assert!(ok, "{err}");
    assert_eq!(
        out,
        "clusterrolebinding.rbac.authorization.k8s.io/kubelet-bootstrap created\n"
    );

    let manifest = s.home.join("crb.yaml");
    std::fs::write(
        &manifest,
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: auto-approve\n\
         roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  \
         name: system:certificates.k8s.io:certificatesigningrequests:nodeclient\n\
         subjects:\n- apiGroup: rbac.authorization.k8s.io\n  kind: Group\n  name: system:bootstrappers\n",
    )
    .unwrap();
    // `create -f` validates against the server's OpenAPI, which is not served.
    let (ok, _, err) = s.kubectl(
        "create-f-no-openapi",
        &["create", "-f", manifest.to_str().unwrap()],
    );
    assert!(!ok);
    assert!(
        err.ends_with("error validating data: failed to download openapi: the server could not find the requested resource; if you choose to ignore these errors, turn validation off with --validate=false\n"),
        "{err}"
    );
    let (ok, out, err) = s.kubectl(
        "create-f-clusterrolebinding",
        &[
            "create",
            "--validate=false",
            "-f",
            manifest.to_str().unwrap(),
        ],
    );
    assert!(ok, "{err}");
    assert_eq!(
        out,
        "clusterrolebinding.rbac.authorization.k8s.io/auto-approve created\n"
    );

    let (ok, out, _) = s.kubectl(
        "get-clusterrolebindings-wide",
        &["get", "clusterrolebindings", "-o", "wide"],
    );
    assert!(ok);
    assert_eq!(
        out,
        "NAME                ROLE                                                                           AGE   USERS               GROUPS                 SERVICEACCOUNTS\n\
         kubelet-bootstrap   ClusterRole/system:node-bootstrapper                                           0s    kubelet-bootstrap                          \n\
         auto-approve        ClusterRole/system:certificates.k8s.io:certificatesigningrequests:nodeclient   0s                        system:bootstrappers   \n"
    );

    let (ok, out, err) = s.kubectl(
        "auth-can-i",
        &["auth", "can-i", "create", "certificatesigningrequests"],
    );
    assert!(ok, "{err}");
    assert_eq!(out, "yes\n");

    let (ok, out, _) = s.kubectl("auth-can-i-no", &["auth", "can-i", "delete", "nodes"]);
    assert!(!ok);
    assert_eq!(out, "no\n");

    let (ok, out, err) = s.kubectl("auth-whoami", &["auth", "whoami"]);
    assert!(ok, "{err}");
    assert_eq!(
        out,
        "ATTRIBUTE   VALUE\nUsername    kubernetes-admin\nGroups      [system:masters system:authenticated]\n"
    );
}

#[test]
#[ignore = "needs kubectl"]
fn kubectl_errors_and_raw_paths() {
    let s = Server::start(seeded(), "errors");
    let (ok, _, err) = s.kubectl("get-unknown-type", &["get", "foos"]);
    assert!(!ok);
    assert_eq!(
        err,
        "error: the server doesn't have a resource type \"foos\"\n"
    );

    let (ok, _, err) = s.kubectl("", &["get", "--raw", "/apis/certificates.k8s.io/v1/nosuch"]);
    assert!(!ok);
    assert_eq!(
        err,
        "Error from server (NotFound): the server could not find the requested resource\n"
    );
    let (ok, _, err) = s.kubectl("", &["get", "--raw", "/nosuch"]);
    assert!(!ok);
    assert_eq!(
        err,
        "Error from server (NotFound): the server could not find the requested resource\n"
    );
    let (ok, out, _) = s.kubectl("", &["get", "--raw", "/healthz"]);
    assert!(ok);
    assert_eq!(out, "ok\n");
    let (ok, _, err) = s.kubectl(
        "raw-paths",
        &[
            "get",
            "--raw",
            "/apis/certificates.k8s.io/v1/certificatesigningrequests?fieldSelector=spec.foo%3Dx",
        ],
    );
    assert!(!ok);
    assert_eq!(
        err,
        "Error from server (BadRequest): field label not supported: spec.foo\n"
    );

    let (ok, out, _) = s.kubectl("version", &["version", "-o", "json"]);
    assert!(ok);
    assert!(out.contains("\"gitVersion\": \"v1.32.0\""), "{out}");
}
