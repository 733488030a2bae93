//! Routing as kube-apiserver routes: resources, verbs as the request-info resolver names them,
//! options, and its 404/405/400 answers byte for byte.

use kube_tls_bootstrap::rest::{
    self, Discovery, GroupVersion, Health, HttpRequest, Output, Rejection, Resource, ResourceRoute,
    Route, Subresource, TableVersion, Verb,
};
use proptest::prelude::*;

fn route(method: &str, target: &str) -> Result<Route, Rejection> {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    rest::route(&HttpRequest {
        method,
        path,
        query,
        accept: None,
    })
}

fn resource(method: &str, target: &str) -> ResourceRoute {
    match route(method, target) {
        Ok(Route::Resource(r)) => *r,
        other => panic!("{method} {target}: {other:?}"),
    }
}

const CSRS: &str = "/apis/certificates.k8s.io/v1/certificatesigningrequests";

#[test]
fn verbs_as_the_request_info_resolver_names_them() {
    for (method, target, verb, name, sub) in [
        ("POST", CSRS.to_owned(), Verb::Create, None, None),
        ("GET", CSRS.to_owned(), Verb::List, None, None),
        ("GET", format!("{CSRS}?watch=true"), Verb::Watch, None, None),
        ("GET", format!("{CSRS}?watch=1"), Verb::Watch, None, None),
        ("GET", format!("{CSRS}?watch=false"), Verb::List, None, None),
        ("GET", format!("{CSRS}?watch=0"), Verb::List, None, None),
        (
            "DELETE",
            CSRS.to_owned(),
            Verb::DeleteCollection,
            None,
            None,
        ),
        (
            "GET",
            format!("{CSRS}/csr-1"),
            Verb::Get,
            Some("csr-1"),
            None,
        ),
        (
            "PUT",
            format!("{CSRS}/csr-1"),
            Verb::Update,
            Some("csr-1"),
            None,
        ),
        (
            "PATCH",
            format!("{CSRS}/csr-1"),
            Verb::Patch,
            Some("csr-1"),
            None,
        ),
        (
            "DELETE",
            format!("{CSRS}/csr-1"),
            Verb::Delete,
            Some("csr-1"),
            None,
        ),
        (
            "PUT",
            format!("{CSRS}/csr-1/approval"),
            Verb::Update,
            Some("csr-1"),
            Some(Subresource::Approval),
        ),
        (
            "GET",
            format!("{CSRS}/csr-1/status"),
            Verb::Get,
            Some("csr-1"),
            Some(Subresource::Status),
        ),
        (
            "PATCH",
            "/api/v1/nodes/n1/status".to_owned(),
            Verb::Patch,
            Some("n1"),
            Some(Subresource::Status),
        ),
        (
            "GET",
            "/apis/certificates.k8s.io/v1/watch/certificatesigningrequests".to_owned(),
            Verb::Watch,
            None,
            None,
        ),
        (
            "GET",
            "/apis/certificates.k8s.io/v1/watch/certificatesigningrequests/csr-1".to_owned(),
            Verb::Watch,
            Some("csr-1"),
            None,
        ),
    ] {
        let r = resource(method, &target);
        let want = if target.starts_with("/api/v1/nodes") {
            Resource::Nodes
        } else {
            Resource::CertificateSigningRequests
        };
        assert_eq!(r.resource, want, "{target}");
        assert_eq!(
            (r.verb, r.name.as_deref(), r.subresource),
            (verb, name, sub),
            "{method} {target}"
        );
        assert_eq!(r.verb.as_str(), verb.as_str());
    }
}

#[test]
fn every_served_resource_routes() {
    for (target, res) in [
        (CSRS, Resource::CertificateSigningRequests),
        ("/api/v1/nodes", Resource::Nodes),
        (
            "/apis/rbac.authorization.k8s.io/v1/clusterroles",
            Resource::ClusterRoles,
        ),
        (
            "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
            Resource::ClusterRoleBindings,
        ),
        (
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            Resource::SelfSubjectAccessReviews,
        ),
        (
            "/apis/authentication.k8s.io/v1/selfsubjectreviews",
            Resource::SelfSubjectReviews,
        ),
    ] {
        let r = resource("POST", target);
        assert_eq!((r.resource, r.verb), (res, Verb::Create));
        assert_eq!(r.path(), target);
    }
}

#[test]
fn non_resource_paths() {
    assert_eq!(route("GET", "/api"), Ok(Route::Discovery(Discovery::Api)));
    assert_eq!(
        route("GET", "/apis/"),
        Ok(Route::Discovery(Discovery::Apis))
    );
    assert_eq!(
        route("GET", "/api/v1"),
        Ok(Route::Discovery(Discovery::Resources(GroupVersion::CoreV1)))
    );
    assert_eq!(
        route("GET", "/apis/certificates.k8s.io"),
        Ok(Route::Discovery(Discovery::Group(
            GroupVersion::CertificatesV1
        )))
    );
    assert_eq!(
        route("GET", "/apis/rbac.authorization.k8s.io/v1?timeout=32s"),
        Ok(Route::Discovery(Discovery::Resources(GroupVersion::RbacV1)))
    );
    assert_eq!(route("GET", "/version?timeout=5s"), Ok(Route::Version));
    assert_eq!(route("GET", "/healthz"), Ok(Route::Health(Health::Healthz)));
    assert_eq!(route("POST", "/livez"), Ok(Route::Health(Health::Livez)));
    assert_eq!(route("GET", "/readyz"), Ok(Route::Health(Health::Readyz)));
    // Not served, as kube-apiserver without an OpenAPI handler: the final not-found handler.
    assert_eq!(route("GET", "/openapi/v2"), Err(Rejection::PageNotFound));
    assert_eq!(route("GET", "/openapi/v3"), Err(Rejection::PageNotFound));
}

#[test]
fn not_found_and_method_not_allowed_as_kube_apiserver_answers() {
    // Under a path go-restful owns: a Status.
    for target in [
        "/apis/certificates.k8s.io/v1/nosuch",
        "/apis/certificates.k8s.io/v2",
        "/apis/certificates.k8s.io/v1/certificatesigningrequests/a/b/c",
        "/apis/certificates.k8s.io/v1/certificatesigningrequests/a/nosub",
        "/api/v1/nodes/n1/approval",
        "/api/v1/namespaces/default/pods",
        "/api/v2",
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews/x",
        "/apis/certificates.k8s.io/v1/watch/certificatesigningrequests/a/status",
    ] {
        assert_eq!(route("GET", target), Err(Rejection::NotFound), "{target}");
    }
    // Anywhere else: Go's plain 404.
    for target in [
        "/",
        "/nosuch",
        "/apis/apps/v1/deployments",
        "/apis/nosuch.io",
    ] {
        assert_eq!(
            route("GET", target),
            Err(Rejection::PageNotFound),
            "{target}"
        );
    }
    for (method, target) in [
        ("PUT", CSRS),
        ("PATCH", CSRS),
        (
            "POST",
            "/apis/certificates.k8s.io/v1/certificatesigningrequests/x",
        ),
        (
            "DELETE",
            "/apis/certificates.k8s.io/v1/certificatesigningrequests/x/approval",
        ),
        ("POST", "/api"),
        ("DELETE", "/version"),
        (
            "GET",
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        ),
        ("HEAD", CSRS),
        (
            "POST",
            "/apis/certificates.k8s.io/v1/watch/certificatesigningrequests",
        ),
    ] {
        assert_eq!(
            route(method, target),
            Err(Rejection::MethodNotAllowed),
            "{method} {target}"
        );
    }

    let not_found = Rejection::NotFound.response();
    assert_eq!(
        (not_found.code, not_found.content_type),
        (404, "application/json")
    );
    assert_eq!(
        String::from_utf8(not_found.body).unwrap(),
        r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}"#
    );
    let not_allowed = Rejection::MethodNotAllowed.response();
    assert_eq!(
        String::from_utf8(not_allowed.body).unwrap(),
        r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server does not allow this method on the requested resource","reason":"MethodNotAllowed","details":{},"code":405}"#
    );
    let page = Rejection::PageNotFound.response();
    assert_eq!(
        (page.code, page.content_type, page.body.as_slice()),
        (
            404,
            "text/plain; charset=utf-8",
            b"404 page not found\n".as_slice()
        )
    );
    assert_eq!(page.headers, vec![("X-Content-Type-Options", "nosniff")]);
    assert_eq!(
        route("GET", "/api/v1/nodes/%zz"),
        Err(Rejection::MalformedPath)
    );
    assert_eq!(Rejection::MalformedPath.response().body, b"400 Bad Request");
}

#[test]
fn options_and_their_bad_requests() {
    let r = resource(
        "GET",
        &format!(
            "{CSRS}?fieldSelector=metadata.name%3Dnode-csr-a&labelSelector=a%3Db&resourceVersion=7\
             &resourceVersionMatch=NotOlderThan&limit=500&continue=tok&timeoutSeconds=300\
             &allowWatchBookmarks=true&sendInitialEvents=true&watch=true"
        ),
    );
    let o = &r.options;
    assert_eq!(r.verb, Verb::Watch);
    assert_eq!(
        o.field_selector.as_ref().unwrap().name(),
        Some("node-csr-a")
    );
    assert_eq!(r.authorization_name(), Some("node-csr-a"));
    assert_eq!(o.label_selector.as_deref(), Some("a=b"));
    assert_eq!(o.resource_version.as_deref(), Some("7"));
    assert_eq!(o.resource_version_match.as_deref(), Some("NotOlderThan"));
    assert_eq!((o.limit, o.timeout_seconds), (Some(500), Some(300)));
    assert_eq!(o.continue_token.as_deref(), Some("tok"));
    assert!(o.allow_watch_bookmarks);
    assert_eq!(o.send_initial_events, Some(true));

    let c = resource(
        "POST",
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?fieldManager=kubectl-create&fieldValidation=Strict&dryRun=All",
    );
    assert_eq!(c.options.field_manager.as_deref(), Some("kubectl-create"));
    assert_eq!(c.options.field_validation.as_deref(), Some("Strict"));
    assert_eq!(c.options.dry_run, vec!["All".to_owned()]);

    for (target, message) in [
        (
            format!("{CSRS}?limit=abc"),
            "strconv.ParseInt: parsing \"abc\": invalid syntax",
        ),
        (
            format!("{CSRS}?timeoutSeconds=1e3"),
            "strconv.ParseInt: parsing \"1e3\": invalid syntax",
        ),
        (
            format!("{CSRS}?fieldSelector=spec.foo%3Dx"),
            "field label not supported: spec.foo",
        ),
        (
            format!("{CSRS}?fieldSelector=metadata.name"),
            "invalid selector: 'metadata.name'; can't understand 'metadata.name'",
        ),
        (
            "/api/v1/nodes?fieldSelector=status.phase%3DReady".to_owned(),
            "field label not supported: status.phase",
        ),
        (
            "/apis/rbac.authorization.k8s.io/v1/clusterroles?fieldSelector=spec.x%3D1".to_owned(),
            "\"spec.x\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"",
        ),
    ] {
        let err = route("GET", &target).unwrap_err();
        assert_eq!(err, Rejection::BadRequest(message.to_owned()), "{target}");
        let body = String::from_utf8(err.response().body).unwrap();
        assert_eq!(
            body,
            format!(
                r#"{{"kind":"Status","apiVersion":"v1","metadata":{{}},"status":"Failure","message":{},"reason":"BadRequest","code":400}}"#,
                serde_json::to_string(message).unwrap()
            )
        );
    }
    // Selectors on other fields are fine where the resource converts them.
    assert!(route("GET", &format!("{CSRS}?fieldSelector=spec.signerName%3Dx")).is_ok());
    assert!(
        route(
            "GET",
            "/api/v1/nodes?fieldSelector=spec.unschedulable%3Dfalse"
        )
        .is_ok()
    );
    // A name the path rules refuse is not a name to authorize.
    let r = resource("GET", &format!("{CSRS}?fieldSelector=metadata.name%3D.."));
    assert_eq!(r.authorization_name(), None);
}

#[test]
fn tables_are_negotiated_from_accept() {
    let kubectl_get = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
    assert_eq!(
        rest::negotiate_output(Some(kubectl_get)),
        Output::Table(TableVersion::V1)
    );
    assert_eq!(
        rest::negotiate_output(Some("application/json;as=Table;v=v1beta1;g=meta.k8s.io")),
        Output::Table(TableVersion::V1beta1)
    );
    for plain in [
        None,
        Some("application/json, */*"),
        Some("application/vnd.kubernetes.protobuf,application/json"),
        Some("application/json;as=Table;v=v2;g=meta.k8s.io"),
        Some("application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"),
    ] {
        assert_eq!(rest::negotiate_output(plain), Output::Object, "{plain:?}");
    }
}

fn resource_route() -> impl Strategy<Value = ResourceRoute> {
    let name = prop::option::of("[a-z0-9%+ ./:-]{1,12}");
    (
        0usize..6,
        0usize..8,
        name,
        any::<bool>(),
        prop::option::of(0i64..1000),
        prop::option::of("[ -~]{0,10}"),
        prop::option::of("[a-z.]{1,8}=[ -~]{0,8}"),
        any::<bool>(),
    )
        .prop_filter_map(
            "routable",
            |(res, verb, name, table, limit, rv, selector, bookmarks)| {
                let resource = [
                    Resource::CertificateSigningRequests,
                    Resource::Nodes,
                    Resource::ClusterRoles,
                    Resource::ClusterRoleBindings,
                    Resource::SelfSubjectAccessReviews,
                    Resource::SelfSubjectReviews,
                ][res];
                let verb = [
                    Verb::Create,
                    Verb::Get,
                    Verb::List,
                    Verb::Watch,
                    Verb::Update,
                    Verb::Patch,
                    Verb::Delete,
                    Verb::DeleteCollection,
                ][verb];
                let options = rest::Options {
                    limit,
                    resource_version: rv,
                    allow_watch_bookmarks: bookmarks,
                    field_selector: selector.and_then(|s| rest::FieldSelector::parse(&s).ok()),
                    ..rest::Options::default()
                };
                let needs_name =
                    matches!(verb, Verb::Get | Verb::Update | Verb::Patch | Verb::Delete);
                let name = if needs_name {
                    Some(name?.replace('/', "_"))
                } else {
                    None
                };
                Some(ResourceRoute {
                    resource,
                    verb,
                    name,
                    subresource: None,
                    watch_prefix: false,
                    options,
                    output: if table {
                        Output::Table(TableVersion::V1)
                    } else {
                        Output::Object
                    },
                })
            },
        )
}

proptest! {
    /// A route written back as a request routes to itself (or is refused as a whole, for a
    /// combination the server does not serve, such as listing reviews or an invalid selector
    /// label).
    #[test]
    fn routes_written_back_route_the_same(r in resource_route()) {
        let (method, target, accept) = r.to_http();
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        let again = rest::route(&HttpRequest { method, path, query, accept: Some(&accept) });
        match again {
            Ok(Route::Resource(back)) => prop_assert_eq!(*back, r),
            Ok(other) => prop_assert!(false, "{other:?}"),
            Err(Rejection::MethodNotAllowed | Rejection::BadRequest(_)) => {}
            Err(Rejection::NotFound) if r.resource.is_review() => {}
            Err(e) => prop_assert!(false, "{target}: {e:?}"),
        }
    }
}

#[test]
fn requests_as_the_authorizer_sees_them() {
    let user = || kube_tls_bootstrap::identity::UserInfo::new("u", ["g"]);
    let r = route(
        "GET",
        &format!("{CSRS}?fieldSelector=metadata.name%3Dnode-csr-a"),
    )
    .unwrap();
    let a = r.attributes(user(), "GET");
    assert!(a.resource_request);
    assert_eq!(
        (
            a.verb.as_str(),
            a.api_group.as_str(),
            a.resource.as_str(),
            a.name.as_str()
        ),
        (
            "list",
            "certificates.k8s.io",
            "certificatesigningrequests",
            "node-csr-a"
        )
    );
    let a = route("PATCH", "/api/v1/nodes/n1/status")
        .unwrap()
        .attributes(user(), "PATCH");
    assert_eq!(
        (
            a.verb.as_str(),
            a.api_group.as_str(),
            a.combined_resource().as_ref()
        ),
        ("patch", "", "nodes/status")
    );
    for (method, target, path) in [
        (
            "GET",
            "/apis/certificates.k8s.io/v1",
            "/apis/certificates.k8s.io/v1",
        ),
        (
            "GET",
            "/apis/certificates.k8s.io/",
            "/apis/certificates.k8s.io",
        ),
        ("GET", "/api/v1", "/api/v1"),
        ("GET", "/version", "/version"),
        ("POST", "/healthz", "/healthz"),
    ] {
        let a = route(method, target).unwrap().attributes(user(), method);
        assert!(!a.resource_request);
        assert_eq!(
            (a.verb.as_str(), a.path.as_str()),
            (method.to_ascii_lowercase().as_str(), path)
        );
    }
}
