//! # kube-tls-bootstrap
//!
//! The Kubernetes kubelet TLS-bootstrap protocol as a library: typed models, pure functions and
//! sans-IO state machines, so that controllers, approvers, node agents, test harnesses and fuzzers
//! can run the protocol, check it and reason about it without a cluster.
//!
//! ## The protocol on one page
//!
//! 1. **A shared secret.** The admin puts a bootstrap token into kube-apiserver's static token
//!    file (`token.csv`: `token,user,uid,"group1,group2"`) or creates a kubeadm bootstrap token
//!    (a `bootstrap.kubernetes.io/token` Secret in `kube-system`).
//! 2. **Permission to ask.** A ClusterRoleBinding grants the bootstrap group the
//!    `system:node-bootstrapper` ClusterRole, which allows `create` on
//!    `certificatesigningrequests`.
//! 3. **The request.** The kubelet generates a key and sends a PKCS#10 request inside a
//!    `certificates.k8s.io/v1` CertificateSigningRequest with signer
//!    `kubernetes.io/kube-apiserver-client-kubelet`, subject `CN=system:node:<name>,
//!    O=system:nodes`.
//! 4. **The API server** authenticates the bearer token, authorizes the `create`, validates the
//!    object (the request must parse and carry a valid self-signature), and stores it: **Pending**.
//! 5. **Approval.** An admin (`kubectl certificate approve`) or the approving controller (after a
//!    SubjectAccessReview for `certificatesigningrequests/nodeclient` or `/selfnodeclient`) adds
//!    the **Approved** condition — or **Denied**.
//! 6. **Signing.** The signing controller issues the certificate into `status.certificate`
//!    (**Issued**) or marks the request **Failed**.
//! 7. **The kubelet** writes its key, certificate and `kubelet.kubeconfig`, joins the cluster, and
//!    rotates the certificate at 70–90 % of its lifetime.
//!
//! ## Which module does which step
//!
//! | module | steps above, and what it holds |
//! |---|---|
//! | [`time`] | instants as values; RFC 3339 as Go parses and prints it |
//! | [`field`] | validation failures at a field path, worded as the API server words them (shared by `rbac` and `csr`) |
//! | [`meta`] | object metadata (`metav1.ObjectMeta`) shared by RBAC objects and CSRs |
//! | [`identity`] | steps 1 and 4, who is calling: `UserInfo`; `token.csv` as kube-apiserver loads it ([`identity::TokenFile`], constant-time lookup); bootstrap tokens and their Secrets; the `Authorization: Bearer` header; the authenticator chain |
//! | [`pki`] | steps 3, 4 and 6, X.509 and PEM: Go-compatible PEM, PKCS#10 requests and proof of possession, Kubernetes' kubelet checks and `node-csr-` names, the known signers and all the crate knows of each (`pki::KnownSigner`), keys, the kubelet's CSR, the signer's certificate profile (with the CA key in-process or outside the crate), proof that a request verified |
//! | [`rbac`] | steps 2, 4 and 5, what a caller may do: RBAC objects, the authorizer chain with Kubernetes' reasons, the default CSR policy, explanations |
//! | [`csr`] | steps 3 to 6, the `certificates.k8s.io/v1` object: wire types, validation, strategies, admission, kubectl views, the cleaner |
//! | [`node`] | the Node a bootstrapped kubelet registers: wire type, NodeRestriction's rules for it, `kubectl get nodes` |
//! | [`kubeconfig`] | step 7, kubeconfig files as client-go reads them and as the kubelet writes them after bootstrapping |
//! | [`kubelet`] | steps 3 and 7, the node's side as a sans-IO machine: bootstrap (legacy and rotation paths), the wait for the certificate, the certificate store as file operations, rotation and serving certificates |
//! | [`api`] | the REST API between the machines as data: requests with their credentials, replies, `Status` with Kubernetes' messages, watch events |
//! | [`control_plane`] | steps 4 to 6 as one sans-IO machine: kube-apiserver's CSR and RBAC endpoints (authentication incl. client certificates, authorization, admission, validation, the store, watches) and kube-controller-manager's csrapproving, csrsigning and csrcleaner on timers, with review and sign tickets for approvers and signers outside the library |
//! | [`rest`] | the Kubernetes REST API over HTTP as data: routing (method, path, query → resource, verb, options) with kube-apiserver's 404/405/400, body decoding with its 413/415/400, object/list/`Status`/watch responses, discovery documents, `/version`, server-side Tables for `kubectl get` |
//!
//! | [`cluster`] | the whole flow in memory: the control plane and any number of kubelets on a virtual clock, node registration, the admin's kubectl, a recording of every delivered input |
//!
//! ## The tour: one cluster in memory
//!
//! [`cluster::Cluster`] wires the machines together — it routes the kubelets' requests to the
//! [`control_plane`] and the replies and watch events back, keeps each node's files, answers key
//! requests from its seed, moves a virtual clock to the next timer — and lets an admin act as
//! `system:masters` with kubectl's commands and output. `examples/bootstrap.rs` (`cargo run
//! --example bootstrap`, pinned in `tests/data/bootstrap.transcript`) is the tour: the
//! `token.csv` line and kube-apiserver loading it; `kubectl create clusterrolebinding
//! kubelet-bootstrap`; a legacy kubelet whose `node-csr-<hash>` request is `Pending`; `kubectl
//! certificate approve` and `Approved,Issued`; `kubectl get nodes` with the node `Ready`, the
//! kubelet's files and kubeconfig; then auto-approval (`nodeclient`), a rotation approved through
//! `selfnodeclient`, a denial, and a node refused a certificate for another node's name.
//!
//! ```
//! use kube_tls_bootstrap::cluster::{Cluster, ClusterConfig, NodeConfig};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let token = "02b50b05283e98dd0fd71db496ef01e8";
//! let config = ClusterConfig::new(
//!     1,
//!     "2026-12-01T09:00:00Z",
//!     &std::fs::read("tests/data/pki/corpus/ca/ca.crt")?,
//!     &std::fs::read("tests/data/pki/corpus/ca/ca.key")?,
//! )?
//! .with_token_csv(&format!("{token},kubelet-bootstrap,10001,\"system:bootstrappers\"\n"))?;
//! let mut cluster = Cluster::new(config)?;
//! for binding in [
//!     "kubelet-bootstrap --clusterrole=system:node-bootstrapper --group=system:bootstrappers",
//!     "auto --clusterrole=system:certificates.k8s.io:certificatesigningrequests:nodeclient \
//!      --group=system:bootstrappers",
//! ] {
//!     cluster.kubectl(&format!("create clusterrolebinding {binding}"));
//! }
//! cluster.start_node(NodeConfig::rotation("node-1", token));
//! cluster.advance(kube_tls_bootstrap::time::Duration::from_secs(5));
//! assert_eq!(cluster.kubectl("get nodes"), "\
//! NAME     STATUS   ROLES    AGE   VERSION
//! node-1   Ready    <none>   3s    v1.32.0
//! ");
//! # Ok(()) }
//! ```
//!
//! Underneath, each machine is driven through three doors:
//!
//! ```
//! use kube_tls_bootstrap::control_plane::{Config, ControlPlane, Input, Output};
//! use kube_tls_bootstrap::time::Instant;
//!
//! let mut machine = ControlPlane::new(Config::new(1).with_default_policy());
//! let mut now = Instant::from_unix(1_800_000_000, 0);
//! let end = now + kube_tls_bootstrap::time::Duration::from_hours(2);
//! machine.handle(now, Input::Timeout); // or Input::Request { .. } from a client
//! loop {
//!     while let Some(output) = machine.poll_output() {
//!         match output {
//!             Output::Reply { .. } | Output::Watch { .. } => { /* to the client */ }
//!             Output::Review(_) | Output::Sign(_) => { /* to an external approver/signer */ }
//!             _ => { /* storage changes, events */ }
//!         }
//!     }
//!     match machine.poll_timeout() {
//!         Some(at) if at <= end => {
//!             now = at;
//!             machine.handle(now, Input::Timeout);
//!         }
//!         _ => break,
//!     }
//! }
//! ```
//! Layers point down only: `csr` builds on `identity`, `rbac` and `pki`, which know nothing of
//! each other; `time`, `meta` and `field` sit beneath them all.
//!
//! ## Sans-IO
//!
//! The library never reads a clock, draws randomness, or touches files or sockets. Time, keys,
//! serial-number bytes and jitter come in as arguments; effects ("create this object", "write this
//! file", "sign this") go out as values that the caller performs. `clippy.toml` enforces it.
//!
//! ## Faithful first
//!
//! Wherever Kubernetes' behaviour is observable — error texts, CSR names, RBAC reasons,
//! validation messages, the kubectl CONDITION column, the issued certificate's profile — this
//! crate reproduces it byte for byte; tests pin the exact strings.

pub mod api;
pub mod cluster;
pub mod control_plane;
pub mod csr;
pub mod field;
mod go;
pub mod identity;
pub mod kubeconfig;
pub mod kubelet;
pub mod meta;
pub mod node;
pub mod pki;
pub mod rbac;
pub mod rest;
pub mod time;
