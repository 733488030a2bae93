//! The Kubernetes REST API over HTTP as data: what kube-apiserver v1.32 reads from a request and
//! writes back, for the resources TLS bootstrap uses, so that an HTTP server around the crate's
//! machines is a thin shell.
//!
//! A request goes through four pure steps; the shell moves bytes and calls the machines:
//!
//! 0. [`bearer_token`]: the `Authorization` header as the bearer-token authenticator reads it.
//! 1. [`route`]: method, path, query and `Accept` → a typed [`Route`] (discovery, `/version`,
//!    health, or a [`ResourceRoute`]: resource, verb as RBAC names it, name, subresource,
//!    [`Options`]), or a [`Rejection`] (Kubernetes' 404/405/400 answers).
//!    [`Route::attributes`] is the request as the authorizer sees it.
//! 2. [`decode_body`]: the body of a create or update → a typed [`Body`] (CSR, ClusterRole,
//!    ClusterRoleBinding, Node, [`SelfSubjectAccessReview`], [`SelfSubjectReview`], a patch),
//!    from JSON, YAML or Kubernetes protobuf, with the API server's 413/415/400 answers.
//!    Kubernetes authenticates and authorizes before its handler reads the body, so a 401 or
//!    403 wins over any of these: a shell calls this after authorization, or authenticates and
//!    authorizes the request itself before answering a body's error.
//! 3. The machines decide (not here).
//! 4. [`Response`]s: [`object`], [`list`], [`status`], [`watch_event`] lines, [`table`]s for
//!    `kubectl get`, and the [`discovery`] documents and [`version`] info.
//!
//! ```
//! use kube_tls_bootstrap::rest::{self, HttpRequest, Rejection};
//! let answer = rest::route(&HttpRequest {
//!     method: "GET",
//!     path: "/apis/certificates.k8s.io/v1/nosuchresource",
//!     query: "",
//!     accept: None,
//! }).unwrap_err();
//! assert_eq!(answer, Rejection::NotFound);
//! let response = answer.response();
//! assert_eq!(response.code, 404);
//! assert_eq!(
//!     String::from_utf8(response.body).unwrap(),
//!     r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}"#
//! );
//! ```
//!
//! ## What kubectl 1.32 sends
//!
//! Recorded against the real kubectl (`tests/rest_kubectl.rs`, `tests/data/rest/`): every
//! command first asks `/version?timeout=5s`, then discovery; reads ask for Tables; **typed
//! writes (`create clusterrolebinding`, `certificate approve`, `auth can-i`, `auth whoami`)
//! send `Content-Type: application/vnd.kubernetes.protobuf`** with `Accept:
//! application/vnd.kubernetes.protobuf,application/json`, so a server that cannot read
//! protobuf cannot be driven by kubectl. This module reads the protobuf bodies of the objects it
//! serves (except Node) and always answers JSON, which those clients accept. It does not serve
//! OpenAPI (`/openapi/v2`, `/openapi/v3` answer `404 page not found`): `kubectl apply` and
//! `kubectl explain` need it, the commands above do not.
//!
//! ## Discovery: legacy documents, on purpose
//!
//! kubectl 1.32 asks `/api` and `/apis` for aggregated discovery first (`Accept:
//! application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,…,application/json`).
//! client-go reads the response's `Content-Type`: when it is plain `application/json` it takes
//! the body as the legacy `APIVersions`/`APIGroupList` and then fetches `/api/v1` and each
//! `/apis/<group>/<version>` as `APIResourceList`. This module serves only the legacy documents,
//! always with `application/json`: one shape per path, and kubectl accepts it (see
//! `tests/data/rest/kubectl-*.txt` for the request sequences kubectl 1.32 sent to them).

mod bearer;
mod body;
pub mod discovery;
mod protobuf;
mod query;
mod resource;
mod response;
mod route;
pub mod table;

use std::fmt;

pub use bearer::{BearerToken, EXTRA_SPACE_WARNING, EXTRA_SPACE_WARNING_HEADER, bearer_token};
pub use body::{
    BODY_MEDIA_TYPES, Body, BodyFormat, NonResourceAttributes, PatchType, ResourceAttributes,
    SelfSubjectAccessReview, SelfSubjectAccessReviewSpec, SelfSubjectReview,
    SelfSubjectReviewStatus, SubjectAccessReviewStatus, UserInfo, decode_body,
};
pub use discovery::{VersionInfo, version};
pub use query::{FieldRequirement, FieldSelector, Options, parse_pairs};
pub use resource::{GroupVersion, Resource, Subresource, Verb};
pub use response::{EventType, list, object, status, watch_event};
pub use route::{
    Discovery, Health, HttpRequest, Output, ResourceRoute, Route, TableVersion, negotiate_output,
    route,
};

use crate::api::{Status, StatusDetails, StatusReason};

/// The largest request body read: kube-apiserver's default `--max-request-body-bytes`
/// (3 MiB, `3 * 1024 * 1024`). A longer body is answered 413 without being decoded.
pub const MAX_BODY_BYTES: usize = 3 * 1024 * 1024;

/// `Content-Type` of JSON answers.
pub const JSON: &str = "application/json";

/// `Content-Type` of Go's plain-text answers (`http.Error`).
pub const PLAIN_TEXT: &str = "text/plain; charset=utf-8";

/// An HTTP answer: status code, headers and body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status code.
    pub code: u16,
    /// The `Content-Type`.
    pub content_type: &'static str,
    /// Further headers, e.g. `X-Content-Type-Options: nosniff` on Go's plain-text errors.
    pub headers: Vec<(&'static str, &'static str)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// A JSON answer.
    pub fn json(code: u16, body: impl Into<Vec<u8>>) -> Self {
        Self {
            code,
            content_type: JSON,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// A plain-text answer as Go's `http.Error` writes one: the text plus a newline, with
    /// `X-Content-Type-Options: nosniff`.
    pub fn plain(code: u16, text: &str) -> Self {
        Self {
            code,
            content_type: PLAIN_TEXT,
            headers: vec![("X-Content-Type-Options", "nosniff")],
            body: format!("{text}\n").into_bytes(),
        }
    }
}

/// A request kube-apiserver answers without reaching a handler, or whose options or body it
/// refuses. Each variant is one of its answers; [`Rejection::response`] writes it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// 404 `Status` from go-restful's router: a path under `/api` or a served `/apis/<group>`
    /// that names no route.
    #[error("the server could not find the requested resource")]
    NotFound,
    /// 404 `404 page not found` (plain text) from the final not-found handler: any other path.
    #[error("404 page not found")]
    PageNotFound,
    /// 405 `Status`: the path exists, the method does not.
    #[error("the server does not allow this method on the requested resource")]
    MethodNotAllowed,
    /// 400 `Bad Request` (plain text) from Go's HTTP server: the path has a bad `%` escape.
    #[error("400 Bad Request")]
    MalformedPath,
    /// 400 `Status` BadRequest with the API server's message (a query option that does not
    /// convert, a field selector that does not parse, a body that does not decode).
    #[error("{0}")]
    BadRequest(String),
    /// 415 `Status`: the `Content-Type` is not one the endpoint reads; these are the ones it
    /// does.
    #[error("the body of the request was in an unknown format - accepted media types include: {}", .0.join(", "))]
    UnsupportedMediaType(Vec<&'static str>),
    /// 413 `Status`: the body is longer than [`MAX_BODY_BYTES`].
    #[error("Request entity too large: limit is {MAX_BODY_BYTES}")]
    TooLarge,
}

impl Rejection {
    /// The `Status` object of the answer (`None` for Go's plain-text answers).
    pub fn status(&self) -> Option<Status> {
        let message = self.to_string();
        let (code, reason, details) = match self {
            Self::PageNotFound | Self::MalformedPath => return None,
            // go-restful's errors go through `NewGenericServerResponse`, which always sets
            // details (empty here): `"details":{}`.
            Self::NotFound => (404, StatusReason::NotFound, Some(StatusDetails::default())),
            Self::MethodNotAllowed => (
                405,
                StatusReason::MethodNotAllowed,
                Some(StatusDetails::default()),
            ),
            Self::BadRequest(_) => (400, StatusReason::BadRequest, None),
            Self::UnsupportedMediaType(_) => (
                415,
                StatusReason::Other("UnsupportedMediaType".to_owned()),
                None,
            ),
            Self::TooLarge => (
                413,
                StatusReason::Other("RequestEntityTooLarge".to_owned()),
                None,
            ),
        };
        Some(Status {
            status: "Failure".to_owned(),
            message,
            reason: Some(reason),
            details,
            code,
        })
    }

    /// The HTTP answer.
    pub fn response(&self) -> Response {
        match self.status() {
            Some(s) => status(&s),
            None if *self == Self::MalformedPath => Response {
                // Go's server writes this one itself, without a trailing newline.
                body: b"400 Bad Request".to_vec(),
                headers: Vec::new(),
                ..Response::plain(400, "")
            },
            None => Response::plain(404, "404 page not found"),
        }
    }
}

impl fmt::Display for Response {
    /// The status line and body, for logs and test failures.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.code,
            self.content_type,
            String::from_utf8_lossy(&self.body)
        )
    }
}
