//! Request bodies: the `Content-Type` check, the size cap, and decoding into the typed object
//! of the route, with the API server's 400/413/415 answers; and the review objects
//! (`SelfSubjectAccessReview`, `SelfSubjectReview`) that `kubectl auth` sends.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::resource::{GroupVersion, Resource, Verb};
use super::route::ResourceRoute;
use super::{MAX_BODY_BYTES, Rejection};
use crate::csr::CertificateSigningRequest;
use crate::meta::ObjectMeta;
use crate::node::Node;
use crate::rbac::{ClusterRole, ClusterRoleBinding};

/// A decoded request body.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Body {
    /// No body is read (get, list, watch).
    None,
    /// A CSR (create, update, `/approval`, `/status`).
    CertificateSigningRequest(Box<CertificateSigningRequest>),
    /// A ClusterRole.
    ClusterRole(Box<ClusterRole>),
    /// A ClusterRoleBinding.
    ClusterRoleBinding(Box<ClusterRoleBinding>),
    /// A Node (create, update, `/status`).
    Node(Box<Node>),
    /// `kubectl auth can-i`.
    SelfSubjectAccessReview(Box<SelfSubjectAccessReview>),
    /// `kubectl auth whoami`.
    SelfSubjectReview(Box<SelfSubjectReview>),
    /// A patch document, parsed but not applied (`apply-patch+yaml` converted to JSON).
    Patch {
        /// Which patch.
        patch_type: PatchType,
        /// The document.
        patch: serde_json::Value,
    },
    /// `DeleteOptions` of a delete, as sent (`null` when the body is empty).
    DeleteOptions(serde_json::Value),
}

/// The patch formats the API server takes, by `Content-Type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PatchType {
    /// `application/json-patch+json` (RFC 6902).
    Json,
    /// `application/merge-patch+json` (RFC 7386).
    Merge,
    /// `application/strategic-merge-patch+json`.
    StrategicMerge,
    /// `application/apply-patch+yaml` (server-side apply).
    Apply,
}

impl PatchType {
    /// The media types, in the order the API server lists them in its 415 answer.
    pub const MEDIA_TYPES: [&'static str; 4] = [
        "application/json-patch+json",
        "application/merge-patch+json",
        "application/strategic-merge-patch+json",
        "application/apply-patch+yaml",
    ];

    /// The media type.
    pub const fn media_type(self) -> &'static str {
        match self {
            Self::Json => Self::MEDIA_TYPES[0],
            Self::Merge => Self::MEDIA_TYPES[1],
            Self::StrategicMerge => Self::MEDIA_TYPES[2],
            Self::Apply => Self::MEDIA_TYPES[3],
        }
    }
}

/// How a create or update body is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BodyFormat {
    /// `application/json` (also when no `Content-Type` is sent).
    Json,
    /// `application/yaml`.
    Yaml,
    /// `application/vnd.kubernetes.protobuf` (what kubectl sends for typed writes).
    Protobuf,
}

/// The media types an object body may have, as kube-apiserver lists them in its 415 answer.
/// (Node bodies are read as JSON or YAML only: their 415 lists the first two.)
pub const BODY_MEDIA_TYPES: [&str; 3] = [
    "application/json",
    "application/yaml",
    "application/vnd.kubernetes.protobuf",
];

/// The media type of a `Content-Type` header, lower-cased, parameters dropped.
fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Decodes the body of a routed request, as the API server's create, update, patch and delete
/// handlers read it:
///
/// - longer than [`MAX_BODY_BYTES`] → 413;
/// - create and update: `Content-Type` `application/json` (or none), `application/yaml` or
///   `application/vnd.kubernetes.protobuf` (the `k8s\0` envelope; its `apiVersion`/`kind` are
///   checked like JSON's), else 415 listing [`BODY_MEDIA_TYPES`]; patch: one of
///   [`PatchType::MEDIA_TYPES`] (parameters after `;` dropped), else 415;
/// - a body that is not JSON: 400 `the object provided is unrecognized (must be of type
///   <Kind>): couldn't get version/kind; json parse error: <error> (<first 30 bytes, or hex>)`;
/// - `apiVersion`/`kind` default to the route's; another version of the same group and kind:
///   400 `the API version in the data (<gv>) does not match the expected API version (<gv>)`;
///   another kind: 400 `<Kind> in version "<v>" cannot be handled as a <Kind>: …`;
/// - a body that does not fit the type: 400 `<Kind> in version "<v>" cannot be handled as a
///   <Kind>: <error>`;
/// - an update whose `metadata.name` differs from the path's: 400 `the name of the object
///   (<a>) does not match the name on the URL (<b>)`.
///
/// The `<error>` texts of malformed JSON are serde_json's, not Go's `encoding/json`'s; the rest
/// is the API server's wording. Unknown fields are ignored (`fieldValidation=Strict` is not
/// enforced).
pub fn decode_body(
    route: &ResourceRoute,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<Body, Rejection> {
    if body.len() > MAX_BODY_BYTES {
        return Err(Rejection::TooLarge);
    }
    let media = media_type(content_type.unwrap_or_default());
    match route.verb {
        Verb::Get | Verb::List | Verb::Watch => Ok(Body::None),
        Verb::Delete | Verb::DeleteCollection => {
            if body.iter().all(u8::is_ascii_whitespace) {
                return Ok(Body::DeleteOptions(serde_json::Value::Null));
            }
            serde_json::from_slice(body)
                .map(Body::DeleteOptions)
                .map_err(|e| Rejection::BadRequest(e.to_string()))
        }
        Verb::Patch => {
            let patch_type = match media.as_str() {
                "application/json-patch+json" => PatchType::Json,
                "application/merge-patch+json" => PatchType::Merge,
                "application/strategic-merge-patch+json" => PatchType::StrategicMerge,
                "application/apply-patch+yaml" => PatchType::Apply,
                _ => {
                    return Err(Rejection::UnsupportedMediaType(
                        PatchType::MEDIA_TYPES.to_vec(),
                    ));
                }
            };
            let patch = if patch_type == PatchType::Apply {
                yaml_to_json(body)
            } else {
                serde_json::from_slice(body).map_err(|e| e.to_string())
            }
            .map_err(Rejection::BadRequest)?;
            Ok(Body::Patch { patch_type, patch })
        }
        Verb::Create | Verb::Update => {
            let format = match media.as_str() {
                "" | "application/json" => BodyFormat::Json,
                "application/yaml" => BodyFormat::Yaml,
                "application/vnd.kubernetes.protobuf" => BodyFormat::Protobuf,
                _ => return Err(Rejection::UnsupportedMediaType(BODY_MEDIA_TYPES.to_vec())),
            };
            let decoded = decode_object(route.resource, format, body)?;
            if route.verb == Verb::Update {
                let name = route.name.as_deref().unwrap_or_default();
                let in_body = object_name(&decoded);
                if in_body != name {
                    return Err(Rejection::BadRequest(format!(
                        "the name of the object ({in_body}) does not match the name on the URL ({name})"
                    )));
                }
            }
            Ok(decoded)
        }
    }
}

fn object_name(body: &Body) -> &str {
    match body {
        Body::CertificateSigningRequest(o) => &o.metadata.name,
        Body::ClusterRole(o) => &o.metadata.name,
        Body::ClusterRoleBinding(o) => &o.metadata.name,
        Body::Node(o) => &o.metadata.name,
        Body::SelfSubjectAccessReview(o) => &o.metadata.name,
        Body::SelfSubjectReview(o) => &o.metadata.name,
        _ => "",
    }
}

/// YAML (or JSON, which is YAML) to a JSON value.
fn yaml_to_json(body: &[u8]) -> Result<serde_json::Value, String> {
    serde_norway::from_slice::<serde_json::Value>(body)
        .map_err(|e| format!("error converting YAML to JSON: yaml: {e}"))
}

/// Go's `summarizeData(body, 30)`: `<empty>`, the text when it starts with `{`, else hex; cut
/// at 30 bytes with ` ...`.
fn summarize(body: &[u8]) -> String {
    const MAX: usize = 30;
    let (head, more) = if body.len() > MAX {
        (&body[..MAX], " ...")
    } else {
        (body, "")
    };
    match body.first() {
        None => "<empty>".to_owned(),
        Some(b'{') => format!("{}{more}", String::from_utf8_lossy(head)),
        Some(_) => {
            let hex: String = head.iter().map(|b| format!("{b:02x}")).collect();
            format!("{hex}{more}")
        }
    }
}

/// The registered versions of each served group (the API server's scheme knows them even
/// where they are not served).
fn registered_versions(group: &str) -> &'static [&'static str] {
    match group {
        "" => &["v1"],
        "certificates.k8s.io" => &["v1", "v1beta1", "v1alpha1"],
        "rbac.authorization.k8s.io" => &["v1", "v1beta1", "v1alpha1"],
        "authorization.k8s.io" => &["v1", "v1beta1"],
        "authentication.k8s.io" => &["v1", "v1beta1", "v1alpha1"],
        _ => &[],
    }
}

fn decode_object(resource: Resource, format: BodyFormat, body: &[u8]) -> Result<Body, Rejection> {
    let expected = resource.kind();
    let unrecognized = |e: &str| {
        Rejection::BadRequest(format!(
            "the object provided is unrecognized (must be of type {expected}): {e} ({})",
            summarize(body)
        ))
    };
    if format == BodyFormat::Protobuf {
        let envelope = super::protobuf::envelope(body).map_err(|e| unrecognized(&e))?;
        let kind = check_kind(resource, &envelope.api_version, &envelope.kind)?;
        let raw = envelope.raw;
        let cannot = |e: String| cannot_handle(&kind, expected, e);
        return Ok(match resource {
            Resource::CertificateSigningRequests => Body::CertificateSigningRequest(Box::new(
                super::protobuf::certificate_signing_request(raw).map_err(cannot)?,
            )),
            Resource::ClusterRoles => Body::ClusterRole(Box::new(
                super::protobuf::cluster_role(raw).map_err(cannot)?,
            )),
            Resource::ClusterRoleBindings => Body::ClusterRoleBinding(Box::new(
                super::protobuf::cluster_role_binding(raw).map_err(cannot)?,
            )),
            Resource::SelfSubjectAccessReviews => Body::SelfSubjectAccessReview(Box::new(
                super::protobuf::self_subject_access_review(raw).map_err(cannot)?,
            )),
            Resource::SelfSubjectReviews => Body::SelfSubjectReview(Box::new(
                super::protobuf::self_subject_review(raw).map_err(cannot)?,
            )),
            Resource::Nodes => {
                return Err(Rejection::UnsupportedMediaType(
                    BODY_MEDIA_TYPES[..2].to_vec(),
                ));
            }
        });
    }
    let value: serde_json::Value = match format {
        BodyFormat::Yaml => yaml_to_json(body).map_err(|e| unrecognized(&e))?,
        _ => serde_json::from_slice(body).map_err(|e| {
            let e = if e.is_eof() && body.iter().all(u8::is_ascii_whitespace) {
                "unexpected end of JSON input".to_owned()
            } else {
                e.to_string()
            };
            unrecognized(&format!("couldn't get version/kind; json parse error: {e}"))
        })?,
    };
    let serde_json::Value::Object(map) = &value else {
        return Err(unrecognized(&format!(
            "couldn't get version/kind; json parse error: json: cannot unmarshal {} into Go value of type struct {{ APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }}",
            json_type(&value)
        )));
    };
    let field = |name: &str| -> Result<String, Rejection> {
        match map.get(name) {
            None | Some(serde_json::Value::Null) => Ok(String::new()),
            Some(serde_json::Value::String(s)) => Ok(s.clone()),
            Some(other) => Err(unrecognized(&format!(
                "couldn't get version/kind; json parse error: json: cannot unmarshal {} into Go struct field .{name} of type string",
                json_type(other)
            ))),
        }
    };
    let kind = check_kind(resource, &field("apiVersion")?, &field("kind")?)?;
    fn typed<T: DeserializeOwned>(
        value: serde_json::Value,
        cannot: impl Fn(String) -> Rejection,
    ) -> Result<Box<T>, Rejection> {
        serde_json::from_value(value)
            .map(Box::new)
            .map_err(|e| cannot(e.to_string()))
    }
    let cannot = |e: String| cannot_handle(&kind, expected, e);
    Ok(match resource {
        Resource::CertificateSigningRequests => {
            Body::CertificateSigningRequest(typed(value, cannot)?)
        }
        Resource::ClusterRoles => Body::ClusterRole(typed(value, cannot)?),
        Resource::ClusterRoleBindings => Body::ClusterRoleBinding(typed(value, cannot)?),
        Resource::Nodes => Body::Node(typed(value, cannot)?),
        Resource::SelfSubjectAccessReviews => Body::SelfSubjectAccessReview(typed(value, cannot)?),
        Resource::SelfSubjectReviews => Body::SelfSubjectReview(typed(value, cannot)?),
    })
}

/// `<Kind> in version "<v>" cannot be handled as a <Expected>: <error>` (`transformDecodeError`
/// when the body named a kind).
fn cannot_handle(kind: &(String, String), expected: &str, error: String) -> Rejection {
    Rejection::BadRequest(format!(
        "{} in version {} cannot be handled as a {expected}: {error}",
        kind.0,
        crate::go::quote(&kind.1)
    ))
}

/// Checks the body's `apiVersion` and `kind` (either may be empty: the route's apply) as the
/// API server's decoder and create handler do; returns the kind and version read.
fn check_kind(
    resource: Resource,
    api_version: &str,
    kind: &str,
) -> Result<(String, String), Rejection> {
    let expected = resource.kind();
    let gv = resource.group_version();
    let kind = if kind.is_empty() { expected } else { kind };
    let (group, version) = match api_version.split_once('/') {
        _ if api_version.is_empty() => (gv.group(), gv.version()),
        Some((g, v)) => (g, v),
        None => ("", api_version),
    };
    let data_gv = if group.is_empty() {
        version.to_owned()
    } else {
        format!("{group}/{version}")
    };
    let read = (kind.to_owned(), version.to_owned());
    let registered = registered_versions(group).contains(&version)
        && GroupVersion::ALL
            .into_iter()
            .filter(|g| g.group() == group)
            .any(|g| super::discovery::resource_of_kind(g, kind).is_some());
    if !registered {
        return Err(cannot_handle(
            &read,
            expected,
            format!(
                "no kind {} is registered for version {} in scheme \"pkg/api/legacyscheme/scheme.go:30\"",
                crate::go::quote(kind),
                crate::go::quote(&data_gv)
            ),
        ));
    }
    if kind != expected {
        // The target is the route's internal type: its package is the first label of its
        // group (`core` for the core group).
        let internal = match gv.group().split('.').next() {
            Some("") | None => "core",
            Some(g) => g,
        };
        return Err(cannot_handle(
            &read,
            expected,
            format!("converting ({version}.{kind}) to ({internal}.{expected}): unknown conversion"),
        ));
    }
    if data_gv != gv.api_version() {
        return Err(Rejection::BadRequest(format!(
            "the API version in the data ({data_gv}) does not match the expected API version ({})",
            gv.api_version()
        )));
    }
    Ok(read)
}

/// Go's name of a JSON value's type in unmarshal errors.
fn json_type(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "bool",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

/// `authorization.k8s.io/v1` SelfSubjectAccessReview: "can I do this?" (`kubectl auth can-i`).
/// The server answers with the same object, `status` filled in.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SelfSubjectAccessReview {
    /// `SelfSubjectAccessReview` when present.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// `authorization.k8s.io/v1` when present.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// Metadata (unused by the server).
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The question.
    #[serde(default)]
    pub spec: SelfSubjectAccessReviewSpec,
    /// The answer.
    #[serde(default)]
    pub status: SubjectAccessReviewStatus,
}

/// What is asked: exactly one of the two should be set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SelfSubjectAccessReviewSpec {
    /// A resource request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_attributes: Option<ResourceAttributes>,
    /// A non-resource request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub non_resource_attributes: Option<NonResourceAttributes>,
}

/// `ResourceAttributes`: the request asked about.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceAttributes {
    /// Namespace (`""` for cluster-scoped or all namespaces).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// Verb (`*` for all).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub verb: String,
    /// API group (`*` for all).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub group: String,
    /// API version.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    /// Resource (`*` for all).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub resource: String,
    /// Subresource.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub subresource: String,
    /// Object name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
}

/// `NonResourceAttributes`: a URL path and verb.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NonResourceAttributes {
    /// The path.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
    /// The verb (`get`, …).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub verb: String,
}

/// `SubjectAccessReviewStatus`: the decision. `allowed` is always written.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubjectAccessReviewStatus {
    /// Whether the request is allowed.
    #[serde(default)]
    pub allowed: bool,
    /// Whether an authorizer denied it explicitly.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub denied: bool,
    /// Why (the authorizer's reason, e.g. RBAC's `RBAC: allowed by ClusterRoleBinding …`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// An error the authorizer met.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub evaluation_error: String,
}

impl SelfSubjectAccessReview {
    /// The RBAC attributes of the question, asked for `user`.
    pub fn attributes(&self, user: crate::identity::UserInfo) -> Option<crate::rbac::Attributes> {
        if let Some(r) = &self.spec.resource_attributes {
            let mut a = crate::rbac::Attributes::resource(user, &r.verb, &r.group, &r.resource)
                .with_subresource(&r.subresource)
                .with_name(&r.name)
                .with_namespace(&r.namespace);
            if !r.version.is_empty() {
                a = a.with_api_version(&r.version);
            }
            return Some(a);
        }
        self.spec
            .non_resource_attributes
            .as_ref()
            .map(|n| crate::rbac::Attributes::non_resource(user, &n.verb, &n.path))
    }

    /// The answer: the object with `kind`, `apiVersion` and `status` set, as the server sends
    /// it back (201).
    pub fn answered(mut self, allowed: bool, reason: impl Into<String>) -> Self {
        self.kind = "SelfSubjectAccessReview".to_owned();
        self.api_version = GroupVersion::AuthorizationV1.api_version().to_owned();
        self.status = SubjectAccessReviewStatus {
            allowed,
            denied: false,
            reason: reason.into(),
            evaluation_error: String::new(),
        };
        self
    }
}

/// `authentication.k8s.io/v1` SelfSubjectReview: "who am I?" (`kubectl auth whoami`). The
/// request carries nothing; the answer carries the caller's user info.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SelfSubjectReview {
    /// `SelfSubjectReview` when present.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// `authentication.k8s.io/v1` when present.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    /// Metadata (unused).
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The answer.
    #[serde(default)]
    pub status: SelfSubjectReviewStatus,
}

/// The answer of a SelfSubjectReview.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SelfSubjectReviewStatus {
    /// Who the caller is.
    #[serde(default)]
    pub user_info: UserInfo,
}

/// `authentication.k8s.io/v1` UserInfo, as reviews write it (`username`, not `name`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserInfo {
    /// The user name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub username: String,
    /// The uid.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uid: String,
    /// The groups.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// Extra attributes.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, Vec<String>>,
}

impl SelfSubjectReview {
    /// The answer for an authenticated user (201).
    ///
    /// ```
    /// use kube_tls_bootstrap::identity::UserInfo;
    /// use kube_tls_bootstrap::rest::SelfSubjectReview;
    /// let r = SelfSubjectReview::answer(&UserInfo::new("system:node:n1", ["system:nodes", "system:authenticated"]));
    /// assert_eq!(
    ///     serde_json::to_string(&r).unwrap(),
    ///     r#"{"kind":"SelfSubjectReview","apiVersion":"authentication.k8s.io/v1","metadata":{},"status":{"userInfo":{"username":"system:node:n1","groups":["system:nodes","system:authenticated"]}}}"#
    /// );
    /// ```
    pub fn answer(user: &crate::identity::UserInfo) -> Self {
        Self {
            kind: "SelfSubjectReview".to_owned(),
            api_version: GroupVersion::AuthenticationV1.api_version().to_owned(),
            metadata: ObjectMeta::default(),
            status: SelfSubjectReviewStatus {
                user_info: UserInfo {
                    username: user.name.clone(),
                    uid: user.uid.clone(),
                    groups: user.groups.clone(),
                    extra: user.extra.clone(),
                },
            },
        }
    }
}
