//! Kubeconfig files (`clientcmd` `Config`, `apiVersion: v1`, `kind: Config`) as typed values: read
//! the way client-go loads them, resolved to what a client connects with, and written the way
//! the kubelet writes its kubeconfig after bootstrapping.
//!
//! Reading accepts YAML and JSON (JSON is YAML), as `clientcmd.Load` does through
//! `sigs.k8s.io/yaml`; fields this crate does not model (`exec`, `auth-provider`, `extensions`,
//! `proxy-url`, …) are ignored, as Go's decoder ignores unknown fields. A malformed file fails
//! with a [`KubeconfigError`] that names the field path (`users[0].user.client-key-data`) or
//! the YAML line.
//!
//! Writing ([`Kubeconfig::to_yaml`]) produces what client-go's `clientcmd.WriteToFile` writes:
//! the v1 JSON form with keys sorted, as YAML, lists not indented under their key, `preferences:
//! {}` always present.
//!
//! ```
//! use kube_tls_bootstrap::kubeconfig::{Kubeconfig, Credential};
//! let bootstrap = Kubeconfig::parse(br#"
//! apiVersion: v1
//! kind: Config
//! clusters:
//! - name: kubernetes
//!   cluster:
//!     server: https://10.0.0.1:6443
//!     certificate-authority: /etc/kubernetes/pki/ca.crt
//! contexts:
//! - name: tls-bootstrap-token-user@kubernetes
//!   context: {cluster: kubernetes, user: tls-bootstrap-token-user}
//! current-context: tls-bootstrap-token-user@kubernetes
//! users:
//! - name: tls-bootstrap-token-user
//!   user: {token: abcdef.0123456789abcdef}
//! "#).unwrap();
//! let client = bootstrap.client_config().unwrap();
//! assert_eq!(client.server, "https://10.0.0.1:6443");
//! assert!(matches!(client.credential, Credential::Token(_)));
//! // The token never prints.
//! assert!(!format!("{client:?}").contains("0123456789abcdef"));
//!
//! let written = Kubeconfig::after_bootstrap(&client, "/var/lib/kubelet/pki/kubelet-client-current.pem");
//! assert!(written.to_yaml().contains("client-key: /var/lib/kubelet/pki/kubelet-client-current.pem\n"));
//! ```

use std::fmt;

use base64::Engine as _;
use serde_json::{Map, Value};

/// A kubeconfig: named clusters, contexts and users, and the current context.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Kubeconfig {
    /// `clusters`, in file order.
    pub clusters: Vec<Named<Cluster>>,
    /// `contexts`, in file order.
    pub contexts: Vec<Named<Context>>,
    /// `users`, in file order.
    pub users: Vec<Named<AuthInfo>>,
    /// `current-context` (empty when absent).
    pub current_context: String,
}

/// One entry of a named list (`- name: … cluster: …`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Named<T> {
    /// The entry's name.
    pub name: String,
    /// The entry itself.
    pub value: T,
}

/// `clusters[].cluster`: where the API server is and how to trust it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cluster {
    /// `server`, e.g. `https://10.0.0.1:6443`.
    pub server: String,
    /// `tls-server-name`, the name to verify the server certificate against.
    pub tls_server_name: String,
    /// `insecure-skip-tls-verify`.
    pub insecure_skip_tls_verify: bool,
    /// `certificate-authority`: a path to the CA bundle.
    pub certificate_authority: String,
    /// `certificate-authority-data`: the CA bundle itself (base64 in the file).
    pub certificate_authority_data: Vec<u8>,
}

/// `contexts[].context`: a cluster and a user, by name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context {
    /// `cluster`.
    pub cluster: String,
    /// `user`.
    pub user: String,
    /// `namespace`.
    pub namespace: String,
}

/// `users[].user`: the credentials (client-go's `AuthInfo`). Secrets never appear in `Debug`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct AuthInfo {
    /// `client-certificate`: a path to the PEM certificate chain.
    pub client_certificate: String,
    /// `client-certificate-data`: the PEM certificate chain (base64 in the file).
    pub client_certificate_data: Vec<u8>,
    /// `client-key`: a path to the PEM private key.
    pub client_key: String,
    /// `client-key-data`: the PEM private key (base64 in the file). Secret.
    pub client_key_data: Vec<u8>,
    /// `token`: a bearer token. Secret.
    pub token: String,
    /// `tokenFile`: a path to a file holding a bearer token.
    pub token_file: String,
}

impl fmt::Debug for AuthInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let elided = |present: bool| if present { "[elided]" } else { "" };
        f.debug_struct("AuthInfo")
            .field("client_certificate", &self.client_certificate)
            .field(
                "client_certificate_data",
                &format_args!("{} bytes", self.client_certificate_data.len()),
            )
            .field("client_key", &self.client_key)
            .field("client_key_data", &elided(!self.client_key_data.is_empty()))
            .field("token", &elided(!self.token.is_empty()))
            .field("token_file", &self.token_file)
            .finish()
    }
}

/// A kubeconfig that cannot be read or resolved.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KubeconfigError {
    /// The text is not YAML (or JSON).
    #[error("invalid kubeconfig YAML{}: {message}", at_line(*line, *column))]
    Syntax {
        /// 1-based line, when the parser knows it.
        line: Option<usize>,
        /// 1-based column, when the parser knows it.
        column: Option<usize>,
        /// What the parser said.
        message: String,
    },
    /// A field has the wrong type or an undecodable value.
    #[error("invalid kubeconfig: {path}: {problem}")]
    Field {
        /// Where: `clusters[0].cluster.server`.
        path: String,
        /// What is wrong.
        problem: String,
    },
    /// client-go's `invalid configuration: …` when the config is resolved for a client; the text
    /// after the prefix is client-go's (`no configuration has been provided`, `context was not
    /// found for specified context: x`, `cluster has no server defined`, …).
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

fn at_line(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(" at line {l}, column {c}"),
        (Some(l), None) => format!(" at line {l}"),
        _ => String::new(),
    }
}

/// Where the CA bundle a client trusts comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CertificateAuthority {
    /// None configured: the system roots.
    System,
    /// `certificate-authority`: a path.
    File(String),
    /// `certificate-authority-data`: the bundle.
    Data(Vec<u8>),
}

/// Where a PEM blob comes from: a file the caller reads, or data inline in the kubeconfig.
#[derive(Clone, PartialEq, Eq)]
pub enum Source {
    /// A path.
    File(String),
    /// The bytes (for a key: secret).
    Data(Vec<u8>),
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File(p) => f.debug_tuple("File").field(p).finish(),
            Self::Data(d) => write!(f, "Data({} bytes)", d.len()),
        }
    }
}

/// The credential a resolved kubeconfig authenticates with.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credential {
    /// No credential: anonymous.
    None,
    /// A bearer token. Never printed.
    Token(String),
    /// A bearer token read from a file.
    TokenFile(String),
    /// A client certificate and key.
    ClientCertificate {
        /// The PEM certificate chain.
        certificate: Source,
        /// The PEM private key.
        key: Source,
    },
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::Token(_) => f.write_str("Token([elided])"),
            Self::TokenFile(p) => f.debug_tuple("TokenFile").field(p).finish(),
            Self::ClientCertificate { certificate, key } => f
                .debug_struct("ClientCertificate")
                .field("certificate", certificate)
                .field(
                    "key",
                    &match key {
                        Source::File(p) => p.as_str(),
                        Source::Data(_) => "[elided]",
                    },
                )
                .finish(),
        }
    }
}

/// A kubeconfig flattened for its current context: client-go's `restclient.Config` in the
/// parts the kubelet uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientConfig {
    /// The API server URL.
    pub server: String,
    /// `tls-server-name`.
    pub tls_server_name: String,
    /// Whether server certificate verification is off.
    pub insecure_skip_tls_verify: bool,
    /// The trusted CA bundle.
    pub certificate_authority: CertificateAuthority,
    /// How the client authenticates.
    pub credential: Credential,
}

impl Kubeconfig {
    /// Reads a kubeconfig as client-go's `clientcmd.Load` does: YAML or JSON, unknown fields
    /// ignored, base64 byte fields decoded; empty input is the empty config.
    pub fn parse(data: &[u8]) -> Result<Self, KubeconfigError> {
        let text = std::str::from_utf8(data).map_err(|e| KubeconfigError::Syntax {
            line: None,
            column: None,
            message: format!("not UTF-8: {e}"),
        })?;
        if text.trim().is_empty() {
            return Ok(Self::default());
        }
        let value: Value = serde_norway::from_str(text).map_err(|e| {
            let location = e.location();
            KubeconfigError::Syntax {
                line: location.as_ref().map(serde_norway::Location::line),
                column: location.as_ref().map(serde_norway::Location::column),
                message: e.to_string(),
            }
        })?;
        let root = match value {
            Value::Null => return Ok(Self::default()),
            Value::Object(map) => map,
            other => return Err(field("(root)", expected("an object", &other))),
        };
        Ok(Self {
            clusters: named_list(&root, "clusters", "cluster", parse_cluster)?,
            contexts: named_list(&root, "contexts", "context", parse_context)?,
            users: named_list(&root, "users", "user", parse_auth_info)?,
            current_context: string(&root, "current-context", "current-context")?,
        })
    }

    /// The kubeconfig the kubelet writes after bootstrapping (`writeKubeconfigFromBootstrapping`):
    /// cluster `default-cluster` with the bootstrap server, its CA file (or, without one, its CA
    /// data) and insecure flag; user `default-auth` with `client-certificate` and `client-key`
    /// both `pem_path`; context `default-context` in namespace `default`, current.
    pub fn after_bootstrap(bootstrap: &ClientConfig, pem_path: &str) -> Self {
        let (certificate_authority, certificate_authority_data) =
            match &bootstrap.certificate_authority {
                CertificateAuthority::File(path) => (path.clone(), Vec::new()),
                CertificateAuthority::Data(data) => (String::new(), data.clone()),
                CertificateAuthority::System => (String::new(), Vec::new()),
            };
        Self {
            clusters: vec![Named {
                name: "default-cluster".to_owned(),
                value: Cluster {
                    server: bootstrap.server.clone(),
                    tls_server_name: String::new(),
                    insecure_skip_tls_verify: bootstrap.insecure_skip_tls_verify,
                    certificate_authority,
                    certificate_authority_data,
                },
            }],
            contexts: vec![Named {
                name: "default-context".to_owned(),
                value: Context {
                    cluster: "default-cluster".to_owned(),
                    user: "default-auth".to_owned(),
                    namespace: "default".to_owned(),
                },
            }],
            users: vec![Named {
                name: "default-auth".to_owned(),
                value: AuthInfo {
                    client_certificate: pem_path.to_owned(),
                    client_key: pem_path.to_owned(),
                    ..AuthInfo::default()
                },
            }],
            current_context: "default-context".to_owned(),
        }
    }

    /// The file paths this kubeconfig refers to (CA, client certificate and key, token file), in
    /// order, without duplicates: what a caller reads before handing files to the kubelet
    /// machine.
    pub fn referenced_files(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut push = |p: &str| {
            if !p.is_empty() && !out.iter().any(|q| q == p) {
                out.push(p.to_owned());
            }
        };
        for c in &self.clusters {
            push(&c.value.certificate_authority);
        }
        for u in &self.users {
            push(&u.value.client_certificate);
            push(&u.value.client_key);
            push(&u.value.token_file);
        }
        out
    }

    /// Flattens the current context as client-go's `ClientConfig()` does: the context, its
    /// cluster and user must exist, the cluster needs a server; inline data wins over a file.
    pub fn client_config(&self) -> Result<ClientConfig, KubeconfigError> {
        if self.clusters.is_empty() && self.contexts.is_empty() && self.users.is_empty() {
            return Err(KubeconfigError::Invalid(
                "no configuration has been provided".to_owned(),
            ));
        }
        let context = find(&self.contexts, &self.current_context).ok_or_else(|| {
            KubeconfigError::Invalid(format!(
                "context was not found for specified context: {}",
                self.current_context
            ))
        })?;
        let cluster = find(&self.clusters, &context.cluster).cloned();
        let cluster = cluster.unwrap_or_default();
        if cluster.server.is_empty() {
            return Err(KubeconfigError::Invalid(
                "cluster has no server defined".to_owned(),
            ));
        }
        let user = find(&self.users, &context.user)
            .cloned()
            .unwrap_or_default();
        let certificate_authority = if !cluster.certificate_authority_data.is_empty() {
            CertificateAuthority::Data(cluster.certificate_authority_data)
        } else if !cluster.certificate_authority.is_empty() {
            CertificateAuthority::File(cluster.certificate_authority)
        } else {
            CertificateAuthority::System
        };
        let certificate = if user.client_certificate_data.is_empty() {
            (!user.client_certificate.is_empty()).then_some(Source::File(user.client_certificate))
        } else {
            Some(Source::Data(user.client_certificate_data))
        };
        let key = if user.client_key_data.is_empty() {
            (!user.client_key.is_empty()).then_some(Source::File(user.client_key))
        } else {
            Some(Source::Data(user.client_key_data))
        };
        let credential = match (certificate, key) {
            (Some(certificate), Some(key)) => Credential::ClientCertificate { certificate, key },
            _ if !user.token.is_empty() => Credential::Token(user.token),
            _ if !user.token_file.is_empty() => Credential::TokenFile(user.token_file),
            _ => Credential::None,
        };
        Ok(ClientConfig {
            server: cluster.server,
            tls_server_name: cluster.tls_server_name,
            insecure_skip_tls_verify: cluster.insecure_skip_tls_verify,
            certificate_authority,
            credential,
        })
    }

    /// The config in client-go's v1 JSON form (`clientcmd` `latest` codec): keys as in the file,
    /// empty fields omitted, byte fields base64, `preferences: {}` always present.
    pub fn to_json_value(&self) -> Value {
        let mut root = Map::new();
        root.insert("apiVersion".into(), "v1".into());
        root.insert("kind".into(), "Config".into());
        root.insert("preferences".into(), Value::Object(Map::new()));
        let list = |key: &str, items: Vec<(String, Map<String, Value>)>| {
            Value::Array(
                items
                    .into_iter()
                    .map(|(name, body)| {
                        let mut entry = Map::new();
                        entry.insert("name".into(), name.into());
                        entry.insert(key.into(), Value::Object(body));
                        Value::Object(entry)
                    })
                    .collect(),
            )
        };
        let clusters = self
            .clusters
            .iter()
            .map(|c| (c.name.clone(), cluster_json(&c.value)))
            .collect();
        let contexts = self
            .contexts
            .iter()
            .map(|c| (c.name.clone(), context_json(&c.value)))
            .collect();
        let users = self
            .users
            .iter()
            .map(|u| (u.name.clone(), user_json(&u.value)))
            .collect();
        root.insert("clusters".into(), list("cluster", clusters));
        root.insert("contexts".into(), list("context", contexts));
        root.insert("users".into(), list("user", users));
        root.insert(
            "current-context".into(),
            self.current_context.clone().into(),
        );
        Value::Object(root)
    }

    /// The config as client-go's `clientcmd.Write` writes it: the v1 JSON form as YAML, map keys
    /// sorted, list items at their key's indentation. The text holds any secrets of the config.
    pub fn to_yaml(&self) -> String {
        crate::go::yaml::to_yaml(&self.to_json_value())
    }
}

fn find<'a, T>(list: &'a [Named<T>], name: &str) -> Option<&'a T> {
    list.iter().find(|n| n.name == name).map(|n| &n.value)
}

fn cluster_json(c: &Cluster) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("server".into(), c.server.clone().into());
    if !c.tls_server_name.is_empty() {
        m.insert("tls-server-name".into(), c.tls_server_name.clone().into());
    }
    if c.insecure_skip_tls_verify {
        m.insert("insecure-skip-tls-verify".into(), true.into());
    }
    if !c.certificate_authority.is_empty() {
        m.insert(
            "certificate-authority".into(),
            c.certificate_authority.clone().into(),
        );
    }
    if !c.certificate_authority_data.is_empty() {
        m.insert(
            "certificate-authority-data".into(),
            b64(&c.certificate_authority_data).into(),
        );
    }
    m
}

fn context_json(c: &Context) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("cluster".into(), c.cluster.clone().into());
    m.insert("user".into(), c.user.clone().into());
    if !c.namespace.is_empty() {
        m.insert("namespace".into(), c.namespace.clone().into());
    }
    m
}

fn user_json(u: &AuthInfo) -> Map<String, Value> {
    let mut m = Map::new();
    let mut put = |k: &str, v: &str| {
        if !v.is_empty() {
            m.insert(k.into(), v.into());
        }
    };
    put("client-certificate", &u.client_certificate);
    put("client-key", &u.client_key);
    put("token", &u.token);
    put("tokenFile", &u.token_file);
    if !u.client_certificate_data.is_empty() {
        m.insert(
            "client-certificate-data".into(),
            b64(&u.client_certificate_data).into(),
        );
    }
    if !u.client_key_data.is_empty() {
        m.insert("client-key-data".into(), b64(&u.client_key_data).into());
    }
    m
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn field(path: &str, problem: String) -> KubeconfigError {
    KubeconfigError::Field {
        path: path.to_owned(),
        problem,
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn expected(what: &str, got: &Value) -> String {
    format!("expected {what}, found {}", kind(got))
}

/// A string field; absent and `null` are empty.
fn string(map: &Map<String, Value>, key: &str, path: &str) -> Result<String, KubeconfigError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(field(path, expected("a string", other))),
    }
}

fn boolean(map: &Map<String, Value>, key: &str, path: &str) -> Result<bool, KubeconfigError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(other) => Err(field(path, expected("a boolean", other))),
    }
}

/// A `[]byte` field: standard base64 as Go's `encoding/json` decodes it (line breaks ignored).
fn bytes(map: &Map<String, Value>, key: &str, path: &str) -> Result<Vec<u8>, KubeconfigError> {
    let text = string(map, key, path)?;
    let cleaned: String = text.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    base64::engine::general_purpose::STANDARD
        .decode(cleaned.as_bytes())
        .map_err(|e| field(path, format!("illegal base64 data: {e}")))
}

fn named_list<T>(
    root: &Map<String, Value>,
    key: &str,
    inner: &str,
    parse: fn(&Map<String, Value>, &str) -> Result<T, KubeconfigError>,
) -> Result<Vec<Named<T>>, KubeconfigError> {
    let items = match root.get(key) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(other) => return Err(field(key, expected("a list", other))),
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = format!("{key}[{i}]");
        let Value::Object(entry) = item else {
            return Err(field(&path, expected("an object", item)));
        };
        let name = string(entry, "name", &format!("{path}.name"))?;
        let inner_path = format!("{path}.{inner}");
        let value = match entry.get(inner) {
            None | Some(Value::Null) => parse(&Map::new(), &inner_path)?,
            Some(Value::Object(body)) => parse(body, &inner_path)?,
            Some(other) => return Err(field(&inner_path, expected("an object", other))),
        };
        out.push(Named { name, value });
    }
    Ok(out)
}

fn parse_cluster(m: &Map<String, Value>, path: &str) -> Result<Cluster, KubeconfigError> {
    let p = |k: &str| format!("{path}.{k}");
    Ok(Cluster {
        server: string(m, "server", &p("server"))?,
        tls_server_name: string(m, "tls-server-name", &p("tls-server-name"))?,
        insecure_skip_tls_verify: boolean(
            m,
            "insecure-skip-tls-verify",
            &p("insecure-skip-tls-verify"),
        )?,
        certificate_authority: string(m, "certificate-authority", &p("certificate-authority"))?,
        certificate_authority_data: bytes(
            m,
            "certificate-authority-data",
            &p("certificate-authority-data"),
        )?,
    })
}

fn parse_context(m: &Map<String, Value>, path: &str) -> Result<Context, KubeconfigError> {
    let p = |k: &str| format!("{path}.{k}");
    Ok(Context {
        cluster: string(m, "cluster", &p("cluster"))?,
        user: string(m, "user", &p("user"))?,
        namespace: string(m, "namespace", &p("namespace"))?,
    })
}

fn parse_auth_info(m: &Map<String, Value>, path: &str) -> Result<AuthInfo, KubeconfigError> {
    let p = |k: &str| format!("{path}.{k}");
    Ok(AuthInfo {
        client_certificate: string(m, "client-certificate", &p("client-certificate"))?,
        client_certificate_data: bytes(
            m,
            "client-certificate-data",
            &p("client-certificate-data"),
        )?,
        client_key: string(m, "client-key", &p("client-key"))?,
        client_key_data: bytes(m, "client-key-data", &p("client-key-data"))?,
        token: string(m, "token", &p("token"))?,
        token_file: string(m, "tokenFile", &p("tokenFile"))?,
    })
}

#[cfg(test)]
mod tests;
