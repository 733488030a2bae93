//! The Kubernetes REST API as data: requests with their credentials, replies, `Status` objects and
//! watch events.
//!
//! This is the wire between the crate's machines. The kubelet machine emits [`Request`]s and takes
//! [`Reply`]s and [`WatchEvent`]s back; the control-plane machine takes [`Request`]s and emits the
//! rest. Whether the caller moves them through memory (the in-memory cluster), over HTTPS (an API
//! server example), or to a real cluster through its own client is the caller's business.
//!
//! Failures are [`Status`] objects exactly as kube-apiserver returns them: HTTP code, `reason` and
//! Kubernetes' message, so `kubectl` prints the same `Error from server (...)` line.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::csr::{CertificateSigningRequest, CertificateSigningRequestList, Invalid};
use crate::go;
use crate::node::Node;
use crate::rbac::{ClusterRole, ClusterRoleBinding};

/// A `group/resource` pair as Kubernetes qualifies resource names in messages.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupResource {
    /// The API group (`""` for the core group).
    pub group: String,
    /// The plural resource name, e.g. `certificatesigningrequests`.
    pub resource: String,
}

impl GroupResource {
    /// `certificatesigningrequests.certificates.k8s.io`.
    pub fn certificate_signing_requests() -> Self {
        Self::new(crate::csr::admission::GROUP, "certificatesigningrequests")
    }

    /// `clusterroles.rbac.authorization.k8s.io`.
    pub fn cluster_roles() -> Self {
        Self::new(crate::rbac::GROUP_NAME, "clusterroles")
    }

    /// `clusterrolebindings.rbac.authorization.k8s.io`.
    pub fn cluster_role_bindings() -> Self {
        Self::new(crate::rbac::GROUP_NAME, "clusterrolebindings")
    }

    /// `nodes` (the core group).
    pub fn nodes() -> Self {
        Self::new("", "nodes")
    }

    /// A pair from its parts.
    pub fn new(group: impl Into<String>, resource: impl Into<String>) -> Self {
        Self {
            group: group.into(),
            resource: resource.into(),
        }
    }
}

impl fmt::Display for GroupResource {
    /// Go's `schema.GroupResource.String()`: `resource.group`, or `resource` for the core group.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            f.write_str(&self.resource)
        } else {
            write!(f, "{}.{}", self.resource, self.group)
        }
    }
}

/// Why a request failed, as `metav1.StatusReason` names it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatusReason {
    /// 401: no credential authenticated.
    Unauthorized,
    /// 403: authorization or admission refused.
    Forbidden,
    /// 404.
    NotFound,
    /// 409: create of a name that exists.
    AlreadyExists,
    /// 409: an update against a stale `resourceVersion`.
    Conflict,
    /// 422: validation failed.
    Invalid,
    /// 400: the request could not be read.
    BadRequest,
    /// 405: the verb is not supported on the resource.
    MethodNotAllowed,
    /// 410: a watch from a resourceVersion the server no longer has.
    Expired,
    /// 500.
    InternalError,
    /// Any other reason, kept as sent.
    Other(String),
}

impl StatusReason {
    /// The reason as it appears in JSON.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Unauthorized => "Unauthorized",
            Self::Forbidden => "Forbidden",
            Self::NotFound => "NotFound",
            Self::AlreadyExists => "AlreadyExists",
            Self::Conflict => "Conflict",
            Self::Invalid => "Invalid",
            Self::BadRequest => "BadRequest",
            Self::MethodNotAllowed => "MethodNotAllowed",
            Self::Expired => "Expired",
            Self::InternalError => "InternalError",
            Self::Other(s) => s,
        }
    }

    /// The reason of a JSON string.
    pub fn parse(s: &str) -> Self {
        match s {
            "Unauthorized" => Self::Unauthorized,
            "Forbidden" => Self::Forbidden,
            "NotFound" => Self::NotFound,
            "AlreadyExists" => Self::AlreadyExists,
            "Conflict" => Self::Conflict,
            "Invalid" => Self::Invalid,
            "BadRequest" => Self::BadRequest,
            "MethodNotAllowed" => Self::MethodNotAllowed,
            "Expired" => Self::Expired,
            "InternalError" => Self::InternalError,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl Serialize for StatusReason {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for StatusReason {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(Self::parse(&s))
    }
}

/// One cause of a failure (`metav1.StatusCause`): for 422 Invalid, one per field error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct StatusCause {
    /// The cause's type, e.g. `FieldValueRequired`.
    #[serde(default, rename = "reason", skip_serializing_if = "String::is_empty")]
    pub type_: String,
    /// The human-readable text.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// The field path, e.g. `spec.request`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub field: String,
}

/// What the failure was about (`metav1.StatusDetails`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct StatusDetails {
    /// The object's name, when there is one.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// The API group.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub group: String,
    /// The resource (Kubernetes puts the plural resource here for most errors, the Kind for
    /// 422).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// The object's uid, when known.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uid: String,
    /// The individual causes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<StatusCause>,
}

/// A failed (or, for deletes, successful) API call as kube-apiserver reports it:
/// `metav1.Status`.
///
/// ```
/// use kube_tls_bootstrap::api::{GroupResource, Status};
/// let s = Status::not_found(&GroupResource::certificate_signing_requests(), "csr-1");
/// assert_eq!(s.code, 404);
/// assert_eq!(s.message,
///     "certificatesigningrequests.certificates.k8s.io \"csr-1\" not found");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// `Success` or `Failure`.
    pub status: String,
    /// Kubernetes' message, byte for byte.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// The machine-readable reason (absent on success).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<StatusReason>,
    /// What the failure was about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<StatusDetails>,
    /// The HTTP status code.
    pub code: u16,
}

impl Status {
    fn failure(code: u16, reason: StatusReason, message: String, details: StatusDetails) -> Self {
        Self {
            status: "Failure".to_owned(),
            message,
            reason: Some(reason),
            details: Some(details),
            code,
        }
    }

    /// 401, `apierrors.NewUnauthorized("Unauthorized")` as the authentication filter sends it.
    pub fn unauthorized() -> Self {
        Self {
            status: "Failure".to_owned(),
            message: "Unauthorized".to_owned(),
            reason: Some(StatusReason::Unauthorized),
            details: None,
            code: 401,
        }
    }

    /// 403 with a message already composed (see [`crate::rbac::forbidden_message`] for the
    /// authorizer's and [`crate::csr::admission::Forbidden`] for admission's).
    pub fn forbidden(resource: &GroupResource, name: &str, message: String) -> Self {
        Self::failure(
            403,
            StatusReason::Forbidden,
            message,
            StatusDetails {
                name: name.to_owned(),
                group: resource.group.clone(),
                kind: resource.resource.clone(),
                ..StatusDetails::default()
            },
        )
    }

    /// 404, `apierrors.NewNotFound`: `<resource>.<group> "<name>" not found`.
    pub fn not_found(resource: &GroupResource, name: &str) -> Self {
        Self::failure(
            404,
            StatusReason::NotFound,
            format!("{resource} {} not found", go::quote(name)),
            StatusDetails {
                name: name.to_owned(),
                group: resource.group.clone(),
                kind: resource.resource.clone(),
                ..StatusDetails::default()
            },
        )
    }

    /// 409, `apierrors.NewAlreadyExists`: `<resource>.<group> "<name>" already exists`.
    pub fn already_exists(resource: &GroupResource, name: &str) -> Self {
        Self::failure(
            409,
            StatusReason::AlreadyExists,
            format!("{resource} {} already exists", go::quote(name)),
            StatusDetails {
                name: name.to_owned(),
                group: resource.group.clone(),
                kind: resource.resource.clone(),
                ..StatusDetails::default()
            },
        )
    }

    /// 409, `apierrors.NewConflict` for a stale `resourceVersion`: `Operation cannot be fulfilled
    /// on <resource>.<group> "<name>": the object has been modified; please apply your changes to
    /// the latest version and try again`.
    pub fn conflict(resource: &GroupResource, name: &str) -> Self {
        Self::failure(
            409,
            StatusReason::Conflict,
            format!(
                "Operation cannot be fulfilled on {resource} {}: the object has been modified; \
                 please apply your changes to the latest version and try again",
                go::quote(name)
            ),
            StatusDetails {
                name: name.to_owned(),
                group: resource.group.clone(),
                kind: resource.resource.clone(),
                ..StatusDetails::default()
            },
        )
    }

    /// 410 `Expired`, as a watch from a resourceVersion older than the watch cache's window is
    /// answered: `too old resource version: <requested> (<oldest>)`.
    pub fn expired(requested: u64, oldest: u64) -> Self {
        Self {
            status: "Failure".to_owned(),
            message: format!("too old resource version: {requested} ({oldest})"),
            reason: Some(StatusReason::Expired),
            details: None,
            code: 410,
        }
    }

    /// 400 with a plain message.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self {
            status: "Failure".to_owned(),
            message: message.into(),
            reason: Some(StatusReason::BadRequest),
            details: None,
            code: 400,
        }
    }

    /// 200 `Success`, as a delete answers: details name the deleted object.
    pub fn success(resource: &GroupResource, name: &str, uid: &str) -> Self {
        Self {
            status: "Success".to_owned(),
            message: String::new(),
            reason: None,
            details: Some(StatusDetails {
                name: name.to_owned(),
                group: resource.group.clone(),
                kind: resource.resource.clone(),
                uid: uid.to_owned(),
                causes: Vec::new(),
            }),
            code: 200,
        }
    }

    /// Whether the HTTP code is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.code)
    }

    /// The Status as JSON with `kind` and `apiVersion`, as the API server sends it.
    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire<'a> {
            kind: &'static str,
            api_version: &'static str,
            metadata: Empty,
            #[serde(flatten)]
            status: &'a Status,
        }
        #[derive(Serialize)]
        struct Empty {}
        serde_json::to_string(&Wire {
            kind: "Status",
            api_version: "v1",
            metadata: Empty {},
            status: self,
        })
        // A struct of strings, numbers and options always serializes.
        .unwrap_or_default()
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<crate::csr::admission::Forbidden> for Status {
    fn from(e: crate::csr::admission::Forbidden) -> Self {
        let message = e.to_string();
        Self::forbidden(
            &GroupResource::certificate_signing_requests(),
            &e.name,
            message,
        )
    }
}

impl From<Invalid> for Status {
    /// 422, `apierrors.NewInvalid`: details carry the Kind and one cause per field error.
    fn from(e: Invalid) -> Self {
        let message = e.to_string();
        Self::invalid(
            crate::csr::admission::GROUP,
            crate::csr::KIND,
            e.name,
            message,
            &e.errors,
        )
    }
}

impl From<crate::rbac::ValidationError> for Status {
    /// 422 for an RBAC object, as for a CSR.
    fn from(e: crate::rbac::ValidationError) -> Self {
        let message = e.to_string();
        Self::invalid(crate::rbac::GROUP_NAME, e.kind, e.name, message, &e.errors)
    }
}

impl Status {
    /// 422, `apierrors.NewInvalid(GroupKind{group, kind}, name, errors)`: `message` is the
    /// error's text, the details carry one cause per field error.
    fn invalid(
        group: &str,
        kind: &str,
        name: String,
        message: String,
        errors: &[crate::field::FieldError],
    ) -> Self {
        let causes = errors
            .iter()
            .map(|fe| StatusCause {
                type_: fe.error_type.cause_type().to_owned(),
                message: fe.body(),
                field: fe.field.clone(),
            })
            .collect();
        Self::failure(
            422,
            StatusReason::Invalid,
            message,
            StatusDetails {
                name,
                group: group.to_owned(),
                kind: kind.to_owned(),
                uid: String::new(),
                causes,
            },
        )
    }
}

/// The credential a request carries: what the authenticator chain sees.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credential {
    /// No credential (anonymous).
    None,
    /// `Authorization: Bearer <token>`. The token never appears in `Debug`.
    BearerToken(String),
    /// The TLS client certificate chain, leaf first, each certificate DER.
    ClientCertificate(Vec<Vec<u8>>),
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::BearerToken(_) => f.write_str("BearerToken([elided])"),
            Self::ClientCertificate(chain) => {
                write!(f, "ClientCertificate({} certificates)", chain.len())
            }
        }
    }
}

/// Which objects a list or watch selects (`?fieldSelector=metadata.name=<name>`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selector {
    /// `metadata.name=<name>`, the one field selector the kubelet and kubectl use on CSRs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// What a request asks for. The verbs and paths are those of kube-apiserver's REST API.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
#[non_exhaustive]
pub enum Operation {
    /// `POST /apis/certificates.k8s.io/v1/certificatesigningrequests`.
    CreateCertificateSigningRequest(Box<CertificateSigningRequest>),
    /// `GET …/certificatesigningrequests/<name>`.
    GetCertificateSigningRequest {
        /// The object's name.
        name: String,
    },
    /// `GET …/certificatesigningrequests[?fieldSelector=…]`.
    ListCertificateSigningRequests(Selector),
    /// `GET …/certificatesigningrequests?watch=true[&fieldSelector=…][&resourceVersion=…]`.
    WatchCertificateSigningRequests {
        /// Which objects.
        selector: Selector,
        /// Events after this version only; `None` starts with an ADDED event per existing object.
        resource_version: Option<String>,
    },
    /// `PUT …/certificatesigningrequests/<name>/approval` (`kubectl certificate approve|deny`).
    UpdateApproval(Box<CertificateSigningRequest>),
    /// `PUT …/certificatesigningrequests/<name>/status` (the signer).
    UpdateStatus(Box<CertificateSigningRequest>),
    /// `DELETE …/certificatesigningrequests/<name>`.
    DeleteCertificateSigningRequest {
        /// The object's name.
        name: String,
    },
    /// `POST /apis/rbac.authorization.k8s.io/v1/clusterroles`.
    CreateClusterRole(Box<ClusterRole>),
    /// `DELETE …/clusterroles/<name>`.
    DeleteClusterRole {
        /// The object's name.
        name: String,
    },
    /// `POST /apis/rbac.authorization.k8s.io/v1/clusterrolebindings`.
    CreateClusterRoleBinding(Box<ClusterRoleBinding>),
    /// `DELETE …/clusterrolebindings/<name>`.
    DeleteClusterRoleBinding {
        /// The object's name.
        name: String,
    },
    /// `POST /api/v1/nodes` (the kubelet registering its node).
    CreateNode(Box<Node>),
    /// `GET /api/v1/nodes/<name>`.
    GetNode {
        /// The object's name.
        name: String,
    },
    /// `GET /api/v1/nodes` (`kubectl get nodes`).
    ListNodes,
    /// `PUT /api/v1/nodes/<name>/status` (the kubelet's status update).
    UpdateNodeStatus(Box<Node>),
    /// `DELETE /api/v1/nodes/<name>`.
    DeleteNode {
        /// The object's name.
        name: String,
    },
}

/// An API request: who sends it and what it asks.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// The credential.
    pub credential: Credential,
    /// The operation.
    pub operation: Operation,
}

/// Identifies a request so that its reply can be matched to it; chosen by whoever sends the
/// request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RequestId(pub u64);

/// Identifies an open watch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WatchId(pub u64);

/// The API server's answer to a [`Request`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
#[non_exhaustive]
pub enum Reply {
    /// A CSR (200 for get and updates, 201 for create).
    CertificateSigningRequest {
        /// 200 or 201.
        code: u16,
        /// The object as stored (shared with the server's store).
        object: std::sync::Arc<CertificateSigningRequest>,
    },
    /// A CSR list (200).
    CertificateSigningRequestList(Box<CertificateSigningRequestList>),
    /// A ClusterRole (201 for create).
    ClusterRole {
        /// The HTTP code.
        code: u16,
        /// The object as stored.
        object: Box<ClusterRole>,
    },
    /// A ClusterRoleBinding (201 for create).
    ClusterRoleBinding {
        /// The HTTP code.
        code: u16,
        /// The object as stored.
        object: Box<ClusterRoleBinding>,
    },
    /// A Node (201 for create, 200 for get and the status update).
    Node {
        /// 200 or 201.
        code: u16,
        /// The object as stored.
        object: Box<Node>,
    },
    /// The Nodes, by name (200).
    NodeList(Vec<Node>),
    /// A watch is open: its events follow as [`WatchEvent`]s with this id.
    WatchOpened(WatchId),
    /// A `Status`: every failure, and success for deletes.
    Status(Status),
}

impl Reply {
    /// The HTTP status code.
    pub fn code(&self) -> u16 {
        match self {
            Self::CertificateSigningRequest { code, .. }
            | Self::ClusterRole { code, .. }
            | Self::ClusterRoleBinding { code, .. }
            | Self::Node { code, .. } => *code,
            Self::CertificateSigningRequestList(_) | Self::NodeList(_) | Self::WatchOpened(_) => {
                200
            }
            Self::Status(s) => s.code,
        }
    }
}

/// The type of a watch event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum EventType {
    /// The object was created (or existed when the watch started).
    Added,
    /// The object changed.
    Modified,
    /// The object was deleted; the event carries its last state.
    Deleted,
}

/// One event of a CSR watch, `{"type":"ADDED","object":{…}}` on the wire.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WatchEvent {
    /// What happened.
    #[serde(rename = "type")]
    pub type_: EventType,
    /// The object after the event (before it, for `DELETED`), shared with the server's store.
    pub object: std::sync::Arc<CertificateSigningRequest>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_carry_kubernetes_messages_and_json() {
        let gr = GroupResource::certificate_signing_requests();
        let s = Status::already_exists(&gr, "node-csr-abc");
        assert_eq!(
            s.to_json(),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"certificatesigningrequests.certificates.k8s.io \"node-csr-abc\" already exists","reason":"AlreadyExists","details":{"name":"node-csr-abc","group":"certificates.k8s.io","kind":"certificatesigningrequests"},"code":409}"#
        );
        assert_eq!(
            Status::conflict(&gr, "csr-1").message,
            "Operation cannot be fulfilled on certificatesigningrequests.certificates.k8s.io \
             \"csr-1\": the object has been modified; please apply your changes to the latest \
             version and try again"
        );
        assert_eq!(
            Status::unauthorized().to_json(),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}"#
        );
        assert_eq!(GroupResource::new("", "nodes").to_string(), "nodes");
    }

    #[test]
    fn bearer_tokens_never_print() {
        let c = Credential::BearerToken("02b50b05283e98dd0fd71db496ef01e8".into());
        assert_eq!(format!("{c:?}"), "BearerToken([elided])");
    }

    #[test]
    fn statuses_read_back() {
        let s = Status::not_found(&GroupResource::cluster_roles(), "x");
        let back: Status = serde_json::from_str(&s.to_json()).unwrap();
        assert_eq!(back, s);
        let other: Status =
            serde_json::from_str(r#"{"status":"Failure","reason":"Gone","code":410}"#).unwrap();
        assert_eq!(other.reason, Some(StatusReason::Other("Gone".into())));
    }
}
