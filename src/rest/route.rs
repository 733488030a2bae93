//! Routing: an HTTP method, path and query (and the `Accept` header) to a typed [`Route`], or
//! the [`Rejection`] kube-apiserver answers instead.

use super::Rejection;
use super::query::{self, Options};
use super::resource::{GroupVersion, Resource, Subresource, Verb};

/// The parts of an HTTP request that routing reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HttpRequest<'a> {
    /// The method, e.g. `GET` (case-sensitive, as Go's router compares it).
    pub method: &'a str,
    /// The path, still percent-encoded, without the query.
    pub path: &'a str,
    /// The raw query string after `?` (empty when there is none).
    pub query: &'a str,
    /// The `Accept` header, if sent.
    pub accept: Option<&'a str>,
}

/// What a request is for.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Route {
    /// A resource request: CRUD, watch, subresources, reviews.
    Resource(Box<ResourceRoute>),
    /// A discovery document.
    Discovery(Discovery),
    /// `GET /version`.
    Version,
    /// `/healthz`, `/livez`, `/readyz` (any method; answered `ok`).
    Health(Health),
}

impl Route {
    /// The request as the authorizer sees it (`rbac::Attributes`): for a resource request the
    /// verb, group, version, resource, subresource and name (see
    /// [`ResourceRoute::authorization_name`]); for any other path a non-resource request whose
    /// verb is the lower-cased HTTP `method`.
    ///
    /// ```
    /// use kube_tls_bootstrap::identity::UserInfo;
    /// use kube_tls_bootstrap::rest::{route, HttpRequest};
    /// let r = route(&HttpRequest { method: "PUT",
    ///     path: "/apis/certificates.k8s.io/v1/certificatesigningrequests/csr-1/approval",
    ///     query: "", accept: None }).unwrap();
    /// let a = r.attributes(UserInfo::new("admin", ["system:masters"]), "PUT");
    /// assert_eq!((a.verb.as_str(), a.combined_resource().as_ref()),
    ///     ("update", "certificatesigningrequests/approval"));
    /// ```
    pub fn attributes(
        &self,
        user: crate::identity::UserInfo,
        method: &str,
    ) -> crate::rbac::Attributes {
        let path = match self {
            Self::Resource(r) => {
                let gv = r.resource.group_version();
                let mut a = crate::rbac::Attributes::resource(
                    user,
                    r.verb.as_str(),
                    gv.group(),
                    r.resource.plural(),
                )
                .with_api_version(gv.version());
                if let Some(s) = r.subresource {
                    a = a.with_subresource(s.as_str());
                }
                if let Some(n) = r.authorization_name() {
                    a = a.with_name(n);
                }
                return a;
            }
            Self::Discovery(Discovery::Api) => "/api".to_owned(),
            Self::Discovery(Discovery::Apis) => "/apis".to_owned(),
            Self::Discovery(Discovery::Group(gv)) => format!("/apis/{}", gv.group()),
            Self::Discovery(Discovery::Resources(gv)) => gv.path_prefix(),
            Self::Version => "/version".to_owned(),
            Self::Health(h) => h.path().to_owned(),
        };
        crate::rbac::Attributes::non_resource(user, method.to_ascii_lowercase(), path)
    }
}

/// A discovery document's path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Discovery {
    /// `/api`: the core group's versions (`APIVersions`).
    Api,
    /// `/apis`: the named groups (`APIGroupList`).
    Apis,
    /// `/apis/<group>`: one named group (`APIGroup`).
    Group(GroupVersion),
    /// `/api/v1` or `/apis/<group>/<version>`: its resources (`APIResourceList`).
    Resources(GroupVersion),
}

/// A health endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Health {
    /// `/healthz`.
    Healthz,
    /// `/livez`.
    Livez,
    /// `/readyz`.
    Readyz,
}

impl Health {
    /// The path.
    pub const fn path(self) -> &'static str {
        match self {
            Self::Healthz => "/healthz",
            Self::Livez => "/livez",
            Self::Readyz => "/readyz",
        }
    }
}

/// What the client asked to get back, from its `Accept` header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Output {
    /// The object, list or events as JSON.
    #[default]
    Object,
    /// A server-side `Table` (`application/json;as=Table;v=v1;g=meta.k8s.io`), of this
    /// `meta.k8s.io` version (`v1` or `v1beta1`).
    Table(TableVersion),
}

/// The `meta.k8s.io` version of a Table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TableVersion {
    /// `meta.k8s.io/v1`.
    #[default]
    V1,
    /// `meta.k8s.io/v1beta1`.
    V1beta1,
}

impl TableVersion {
    /// `meta.k8s.io/<version>`.
    pub const fn api_version(self) -> &'static str {
        match self {
            Self::V1 => "meta.k8s.io/v1",
            Self::V1beta1 => "meta.k8s.io/v1beta1",
        }
    }

    const fn version(self) -> &'static str {
        match self {
            Self::V1 => "v1",
            Self::V1beta1 => "v1beta1",
        }
    }
}

/// A request on a resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceRoute {
    /// The resource.
    pub resource: Resource,
    /// The verb, as the request-info resolver names it.
    pub verb: Verb,
    /// The object name in the path, if any.
    pub name: Option<String>,
    /// The subresource, if any.
    pub subresource: Option<Subresource>,
    /// Whether the path had the deprecated `/watch/` prefix.
    pub watch_prefix: bool,
    /// The query options.
    pub options: Options,
    /// What to answer with.
    pub output: Output,
}

impl ResourceRoute {
    /// The name RBAC authorizes: the path name, or for list and watch the name a
    /// `metadata.name=` field selector pins (as the request-info resolver sets it).
    pub fn authorization_name(&self) -> Option<&str> {
        self.name.as_deref().or_else(|| {
            matches!(self.verb, Verb::List | Verb::Watch)
                .then(|| self.options.field_selector.as_ref()?.name())
                .flatten()
                .filter(|n| crate::field::path_segment_name_errors(n).is_empty())
        })
    }

    /// The path this route answers, percent-encoded.
    pub fn path(&self) -> String {
        let mut p = self.resource.group_version().path_prefix();
        if self.watch_prefix {
            p.push_str("/watch");
        }
        p.push('/');
        p.push_str(self.resource.plural());
        if let Some(name) = &self.name {
            p.push('/');
            p.push_str(&query::escape(name));
        }
        if let Some(s) = self.subresource {
            p.push('/');
            p.push_str(s.as_str());
        }
        p
    }

    /// The request written back: method, path with query, and the `Accept` header to send.
    /// Routing the result gives this route again.
    pub fn to_http(&self) -> (&'static str, String, String) {
        let mut query = self.options.to_query();
        if self.verb == Verb::Watch && !self.watch_prefix {
            query = if query.is_empty() {
                "watch=true".to_owned()
            } else {
                format!("watch=true&{query}")
            };
        }
        let mut target = self.path();
        if !query.is_empty() {
            target.push('?');
            target.push_str(&query);
        }
        let accept = match self.output {
            Output::Object => "application/json".to_owned(),
            Output::Table(v) => format!(
                "application/json;as=Table;v={};g=meta.k8s.io,application/json",
                v.version()
            ),
        };
        (self.verb.method(), target, accept)
    }
}

/// Routes a request as kube-apiserver v1.32 would, for the resources this crate serves.
///
/// Paths under `/api` and under a served `/apis/<group>` that match nothing answer the
/// go-restful 404 `Status` (`the server could not find the requested resource`); a wrong method
/// on a path that exists answers 405 (`the server does not allow this method on the requested
/// resource`); other paths answer Go's plain `404 page not found`, as kube-apiserver's final
/// not-found handler does; a path with a bad `%` escape answers Go's plain `400 Bad Request`.
/// A query option that does not convert answers 400 with the parameter codec's text.
///
/// ```
/// use kube_tls_bootstrap::rest::{route, HttpRequest, Route, Verb};
/// let r = route(&HttpRequest {
///     method: "GET",
///     path: "/apis/certificates.k8s.io/v1/certificatesigningrequests",
///     query: "fieldSelector=metadata.name%3Dnode-csr-abc&watch=true",
///     accept: None,
/// }).unwrap();
/// let Route::Resource(r) = r else { panic!() };
/// assert_eq!(r.verb, Verb::Watch);
/// assert_eq!(r.authorization_name(), Some("node-csr-abc"));
/// ```
pub fn route(request: &HttpRequest<'_>) -> Result<Route, Rejection> {
    let Some(path) = query::unescape(request.path, false) else {
        return Err(Rejection::MalformedPath);
    };
    let trimmed = path
        .strip_suffix('/')
        .filter(|p| !p.is_empty())
        .unwrap_or(&path);
    let Some(rest) = trimmed.strip_prefix('/') else {
        return Err(Rejection::PageNotFound);
    };
    let parts: Vec<&str> = rest.split('/').collect();
    let get_only = |r: Route| {
        if request.method == "GET" {
            Ok(r)
        } else {
            Err(Rejection::MethodNotAllowed)
        }
    };
    match parts.as_slice() {
        ["healthz"] => Ok(Route::Health(Health::Healthz)),
        ["livez"] => Ok(Route::Health(Health::Livez)),
        ["readyz"] => Ok(Route::Health(Health::Readyz)),
        ["version"] => get_only(Route::Version),
        ["api"] => get_only(Route::Discovery(Discovery::Api)),
        ["apis"] => get_only(Route::Discovery(Discovery::Apis)),
        ["api", "v1"] => get_only(Route::Discovery(Discovery::Resources(GroupVersion::CoreV1))),
        ["api", "v1", rest @ ..] => resource(request, GroupVersion::CoreV1, rest),
        ["api", ..] => Err(Rejection::NotFound),
        ["apis", group, tail @ ..] => match GroupVersion::named_group(group) {
            None => Err(Rejection::PageNotFound),
            Some(gv) => match tail {
                [] => get_only(Route::Discovery(Discovery::Group(gv))),
                [v] if *v == gv.version() => get_only(Route::Discovery(Discovery::Resources(gv))),
                [v, rest @ ..] if *v == gv.version() => resource(request, gv, rest),
                _ => Err(Rejection::NotFound),
            },
        },
        _ => Err(Rejection::PageNotFound),
    }
}

/// The resource part of a path, after `/api/v1` or `/apis/<group>/<version>`.
fn resource(
    request: &HttpRequest<'_>,
    gv: GroupVersion,
    parts: &[&str],
) -> Result<Route, Rejection> {
    let (watch_prefix, parts) = match parts {
        ["watch", rest @ ..] => (true, rest),
        _ => (false, parts),
    };
    let (plural, name, sub) = match parts {
        [plural] => (*plural, None, None),
        [plural, name] => (*plural, Some(*name), None),
        [plural, name, sub] => (*plural, Some(*name), Some(*sub)),
        _ => return Err(Rejection::NotFound),
    };
    let resource = Resource::lookup(gv, plural).ok_or(Rejection::NotFound)?;
    if name.is_some_and(str::is_empty) {
        return Err(Rejection::NotFound);
    }
    let subresource = match sub {
        None => None,
        Some(s) => Some(
            resource
                .subresources()
                .iter()
                .copied()
                .find(|x| x.as_str() == s)
                .ok_or(Rejection::NotFound)?,
        ),
    };
    if watch_prefix && subresource.is_some()
        || resource.is_review() && (name.is_some() || watch_prefix)
    {
        return Err(Rejection::NotFound);
    }
    let method = request.method;
    let verb = match (watch_prefix, name.is_some(), subresource.is_some(), method) {
        (true, _, _, "GET") => Verb::Watch,
        (true, ..) => return Err(Rejection::MethodNotAllowed),
        (false, false, _, "POST") => Verb::Create,
        (false, false, _, "GET") if !resource.is_review() => Verb::List,
        (false, false, _, "DELETE") if !resource.is_review() => Verb::DeleteCollection,
        (false, true, _, "GET") => Verb::Get,
        (false, true, _, "PUT") => Verb::Update,
        (false, true, _, "PATCH") => Verb::Patch,
        (false, true, false, "DELETE") => Verb::Delete,
        _ => return Err(Rejection::MethodNotAllowed),
    };
    let pairs = query::parse_pairs(request.query);
    let options = Options::from_pairs(&pairs).map_err(Rejection::BadRequest)?;
    if let Some(selector) = &options.field_selector
        && matches!(verb, Verb::List | Verb::Watch | Verb::DeleteCollection)
    {
        selector
            .check_labels(resource)
            .map_err(Rejection::BadRequest)?;
    }
    let verb = match verb {
        Verb::List if query::first(&pairs, "watch").is_some_and(query::truthy) => Verb::Watch,
        v => v,
    };
    Ok(Route::Resource(Box::new(ResourceRoute {
        resource,
        verb,
        name: name.map(str::to_owned),
        subresource,
        watch_prefix,
        options,
        output: negotiate_output(request.accept),
    })))
}

/// Whether the `Accept` header asks for a Table: the first media range, in order, that is
/// `application/json` with `as=Table`, `g=meta.k8s.io` and `v=v1` or `v1beta1` wins; without
/// one, plain JSON.
pub fn negotiate_output(accept: Option<&str>) -> Output {
    let Some(accept) = accept else {
        return Output::Object;
    };
    for range in accept.split(',') {
        let mut params = range.split(';').map(str::trim);
        let media = params.next().unwrap_or_default();
        if !media.eq_ignore_ascii_case("application/json") {
            continue;
        }
        let (mut as_, mut g, mut v) = (None, None, None);
        for p in params {
            match p.split_once('=') {
                Some(("as", x)) => as_ = Some(x),
                Some(("g", x)) => g = Some(x),
                Some(("v", x)) => v = Some(x),
                _ => {}
            }
        }
        if as_ == Some("Table") && g == Some("meta.k8s.io") {
            match v {
                Some("v1") => return Output::Table(TableVersion::V1),
                Some("v1beta1") => return Output::Table(TableVersion::V1beta1),
                _ => {}
            }
        }
    }
    Output::Object
}
