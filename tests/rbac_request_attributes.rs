//! Request attributes from HTTP requests (kube-apiserver's RequestInfo): the CSR endpoints of
//! PROTOCOL.md §3.2, and no panic on any method, path or query.

use kube_tls_bootstrap::identity::UserInfo;
use kube_tls_bootstrap::rbac::{Attributes, Authorize, Policy, bootstrap};
use proptest::prelude::*;

#[test]
fn csr_endpoint_table_and_authorization() {
    let base = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
    let table = [
        ("POST", base.to_owned(), "", "create", "", ""),
        ("GET", format!("{base}/N"), "", "get", "", "N"),
        (
            "GET",
            base.to_owned(),
            "fieldSelector=metadata.name%3DN",
            "list",
            "",
            "N",
        ),
        (
            "GET",
            base.to_owned(),
            "watch=1&fieldSelector=metadata.name%3DN",
            "watch",
            "",
            "N",
        ),
        (
            "PUT",
            format!("{base}/N/approval"),
            "",
            "update",
            "approval",
            "N",
        ),
        (
            "PUT",
            format!("{base}/N/status"),
            "",
            "update",
            "status",
            "N",
        ),
        (
            "PATCH",
            format!("{base}/N/status"),
            "",
            "patch",
            "status",
            "N",
        ),
        ("DELETE", format!("{base}/N"), "", "delete", "", "N"),
    ];
    // The bootstrap token's group may create, get, list and watch, nothing else.
    let policy = Policy::from_objects(
        bootstrap::csr_cluster_roles()
            .into_iter()
            .map(Into::into)
            .chain(bootstrap::kubeadm_bindings().into_iter().map(Into::into)),
    );
    let token = UserInfo::new(
        "system:bootstrap:abcdef",
        [bootstrap::KUBEADM_NODE_TOKEN_GROUP, "system:authenticated"],
    );
    for (method, path, query, verb, subresource, name) in table {
        let a = Attributes::from_http(token.clone(), method, &path, query).unwrap();
        assert!(a.resource_request);
        assert_eq!(
            (
                a.verb.as_str(),
                a.api_group.as_str(),
                a.api_version.as_str(),
                a.resource.as_str(),
                a.subresource.as_str(),
                a.name.as_str(),
                a.namespace.as_str()
            ),
            (
                verb,
                "certificates.k8s.io",
                "v1",
                "certificatesigningrequests",
                subresource,
                name,
                ""
            ),
            "{method} {path}?{query}"
        );
        let allowed = ["create", "get", "list", "watch"].contains(&verb) && subresource.is_empty();
        assert_eq!(
            policy.authorize(&a).is_allowed(),
            allowed,
            "{method} {path}?{query}"
        );
    }
}

proptest! {
    #[test]
    fn never_panics_and_keeps_the_path(
        method in "(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS|[A-Za-z]{0,6})",
        path in "(/|/api|/apis|/api/v1|/apis/g/v1|/namespaces|/[a-z]{0,4}|/watch|/proxy|/status|/finalize|/\\PC{0,4}){0,7}/?",
        query in "((watch|fieldSelector|limit|timeoutSeconds|[a-z]{0,3})(=([a-z0-9.=,!\\\\%+;&]{0,12}))?&?){0,4}",
    ) {
        if let Ok(a) = Attributes::from_http(UserInfo::default(), &method, &path, &query) {
            prop_assert_eq!(&a.path, &path);
            if a.resource_request {
                prop_assert!(path.trim_start_matches('/').starts_with("api"));
            } else {
                prop_assert_eq!(a.verb, method.to_lowercase());
                prop_assert!(a.resource.is_empty() && a.namespace.is_empty() && a.name.is_empty());
            }
        }
    }
}
