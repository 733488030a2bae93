//! Kubernetes' own RBAC test tables, restated: `TestAuthorizer` and `TestRuleMatches`
//! (plugin/pkg/auth/authorizer/rbac/rbac_test.go) and `TestAppliesTo`
//! (pkg/registry/rbac/validation/rule_test.go), plus the reason strings and error aggregation
//! of rbac.go and rule.go.

use kube_tls_bootstrap::identity::UserInfo;
use kube_tls_bootstrap::rbac::{
    Attributes, Authorize, BindingSubject, ClusterRole, ClusterRoleBinding, Decision,
    IndexedAuthorizer, Object, ObjectMeta, Policy, PolicyRule, Role, RoleBinding, RoleRef,
    parse_manifests,
};

/// The upstream `newRule(verbs, apiGroups, resources, nonResourceURLs)`: each argument split on
/// commas, so `""` becomes `[""]`.
fn new_rule(verbs: &str, groups: &str, resources: &str, urls: &str) -> PolicyRule {
    let split = |s: &str| s.split(',').map(str::to_owned).collect::<Vec<_>>();
    PolicyRule {
        verbs: split(verbs),
        api_groups: split(groups),
        resources: split(resources),
        resource_names: vec![],
        non_resource_urls: split(urls),
    }
}

fn subjects(list: &[&str]) -> Vec<BindingSubject> {
    list.iter()
        .map(|s| match s.split_once(':') {
            Some(("User", n)) => BindingSubject::user(n),
            Some(("Group", n)) => BindingSubject::group(n),
            Some(("ServiceAccount", n)) => BindingSubject::service_account("", n),
            _ => panic!("{s}"),
        })
        .collect()
}

fn cluster_role(name: &str, rules: Vec<PolicyRule>) -> Object {
    Object::ClusterRole(ClusterRole {
        metadata: ObjectMeta::named(name),
        rules,
        aggregation_rule: None,
    })
}

fn crb(role: &str, subjects_: &[&str]) -> Object {
    Object::ClusterRoleBinding(ClusterRoleBinding {
        metadata: ObjectMeta::default(),
        subjects: subjects(subjects_),
        role_ref: RoleRef::cluster_role(role),
    })
}

fn rb_to_cluster_role(namespace: &str, role: &str, subjects_: &[&str]) -> Object {
    Object::RoleBinding(RoleBinding {
        metadata: ObjectMeta::namespaced(namespace, ""),
        subjects: subjects(subjects_),
        role_ref: RoleRef::cluster_role(role),
    })
}

/// The upstream `defaultAttributes{user, groups, verb, resource, subresource, namespace,
/// apiGroup}`: groups split on commas, no name, a resource request.
fn default_attributes(
    user: &str,
    groups: &str,
    verb: &str,
    resource: &str,
    subresource: &str,
    namespace: &str,
) -> Attributes {
    let groups: Vec<&str> = groups.split(',').collect();
    Attributes::resource(UserInfo::new(user, groups), verb, "", resource)
        .with_subresource(subresource)
        .with_namespace(namespace)
}

fn url_request(user: &str, groups: &[&str], verb: &str, path: &str) -> Attributes {
    Attributes::non_resource(UserInfo::new(user, groups.to_vec()), verb, path)
}

fn check_case(objects: Vec<Object>, pass: &[Attributes], fail: &[Attributes]) -> usize {
    let policy = Policy::from_objects(objects);
    let fast = IndexedAuthorizer::new(&policy);
    for a in pass {
        assert!(
            policy.authorize(a).is_allowed(),
            "incorrectly restricted {a:?}"
        );
        assert!(
            fast.authorize(a).is_allowed(),
            "indexed: incorrectly restricted {a:?}"
        );
    }
    for a in fail {
        assert!(
            !policy.authorize(a).is_allowed(),
            "incorrectly passed {a:?}"
        );
        assert!(
            !fast.authorize(a).is_allowed(),
            "indexed: incorrectly passed {a:?}"
        );
    }
    pass.len() + fail.len()
}

#[test]
fn test_authorizer() {
    let mut checked = 0;
    // Case 0: an all-`*` ClusterRole bound by a RoleBinding in ns1.
    checked += check_case(
        vec![
            cluster_role("admin", vec![new_rule("*", "*", "*", "*")]),
            rb_to_cluster_role("ns1", "admin", &["User:admin", "Group:admins"]),
        ],
        &[
            default_attributes("admin", "", "get", "Pods", "", "ns1"),
            default_attributes("admin", "", "watch", "Pods", "", "ns1"),
            default_attributes("admin", "group1", "watch", "Foobar", "", "ns1"),
            default_attributes("joe", "admins", "watch", "Foobar", "", "ns1"),
            default_attributes("joe", "group1,admins", "watch", "Foobar", "", "ns1"),
        ],
        &[
            default_attributes("admin", "", "GET", "Pods", "", "ns2"),
            default_attributes("admin", "", "GET", "Nodes", "", ""),
            default_attributes("admin", "admins", "GET", "Pods", "", "ns2"),
            default_attributes("admin", "admins", "GET", "Nodes", "", ""),
        ],
    );
    // Case 1: non-resource URLs.
    checked += check_case(
        vec![
            cluster_role(
                "non-resource-url-getter",
                vec![new_rule("get", "", "", "/apis")],
            ),
            cluster_role("non-resource-url", vec![new_rule("*", "", "", "/apis")]),
            cluster_role(
                "non-resource-url-prefix",
                vec![new_rule("get", "", "", "/apis/*")],
            ),
            crb("non-resource-url-getter", &["User:foo", "Group:bar"]),
            crb("non-resource-url", &["User:admin", "Group:admin"]),
            crb(
                "non-resource-url-prefix",
                &["User:prefixed", "Group:prefixed"],
            ),
        ],
        &[
            url_request("foo", &[], "get", "/apis"),
            url_request("", &["bar"], "get", "/apis"),
            url_request("admin", &[], "get", "/apis"),
            url_request("", &["admin"], "get", "/apis"),
            url_request("admin", &[], "watch", "/apis"),
            url_request("", &["admin"], "watch", "/apis"),
            url_request("prefixed", &[], "get", "/apis/v1"),
            url_request("", &["prefixed"], "get", "/apis/v1"),
            url_request("prefixed", &[], "get", "/apis/v1/foobar"),
            url_request("", &["prefixed"], "get", "/apis/v1/foorbar"),
        ],
        &[
            url_request("foo", &[], "watch", "/apis"),
            url_request("", &["bar"], "watch", "/apis"),
            url_request("foo", &[], "get", "/api/v1"),
            url_request("", &["bar"], "get", "/api/v1"),
            url_request("admin", &[], "get", "/api/v1"),
            url_request("", &["admin"], "get", "/api/v1"),
            url_request("prefixed", &[], "get", "/api/v1"),
            url_request("", &["prefixed"], "get", "/api/v1"),
        ],
    );
    // Cases 2 and 3: subresource resolution.
    checked += check_case(
        vec![
            cluster_role("admin", vec![new_rule("*", "*", "pods", "*")]),
            rb_to_cluster_role("ns1", "admin", &["User:admin", "Group:admins"]),
        ],
        &[default_attributes("admin", "", "get", "pods", "", "ns1")],
        &[default_attributes(
            "admin", "", "get", "pods", "status", "ns1",
        )],
    );
    checked += check_case(
        vec![
            cluster_role("admin", vec![new_rule("*", "*", "pods/status", "*")]),
            rb_to_cluster_role("ns1", "admin", &["User:admin", "Group:admins"]),
        ],
        &[default_attributes(
            "admin", "", "get", "pods", "status", "ns1",
        )],
        &[default_attributes("admin", "", "get", "pods", "", "ns1")],
    );
    assert_eq!(checked, 31);
}

fn resource(verb: &str, group: &str, resource: &str, subresource: &str) -> Attributes {
    Attributes::resource(UserInfo::default(), verb, group, resource).with_subresource(subresource)
}

fn url(verb: &str, path: &str) -> Attributes {
    Attributes::non_resource(UserInfo::default(), verb, path)
}

/// The 2×2×2 grid of the upstream table (verb1/2, group1/2, resource1/2).
fn grid(expect: impl Fn(&str, &str, &str) -> bool) -> Vec<(Attributes, bool)> {
    let mut out = Vec::new();
    for v in ["verb1", "verb2"] {
        for g in ["group1", "group2"] {
            for r in ["resource1", "resource2"] {
                out.push((resource(v, g, r, ""), expect(v, g, r)));
            }
        }
    }
    out
}

/// Name, rule, and requests with the expected answer.
type RuleCase = (&'static str, PolicyRule, Vec<(Attributes, bool)>);

#[test]
fn test_rule_matches() {
    let urls = |verb: &str, list: &[(&str, bool)]| -> Vec<(Attributes, bool)> {
        list.iter().map(|(p, want)| (url(verb, p), *want)).collect()
    };
    let cases: Vec<RuleCase> = vec![
        (
            "star verb, exact match other",
            PolicyRule::new(["*"])
                .groups(["group1"])
                .resources(["resource1"]),
            grid(|_, g, r| g == "group1" && r == "resource1"),
        ),
        (
            "star group, exact match other",
            PolicyRule::new(["verb1"])
                .groups(["*"])
                .resources(["resource1"]),
            grid(|v, _, r| v == "verb1" && r == "resource1"),
        ),
        (
            "star resource, exact match other",
            PolicyRule::new(["verb1"])
                .groups(["group1"])
                .resources(["*"]),
            grid(|v, g, _| v == "verb1" && g == "group1"),
        ),
        (
            "tuple expansion",
            PolicyRule::new(["verb1", "verb2"])
                .groups(["group1", "group2"])
                .resources(["resource1", "resource2"]),
            grid(|_, _, _| true),
        ),
        (
            "subresource expansion",
            PolicyRule::new(["*"])
                .groups(["*"])
                .resources(["resource1/subresource1"]),
            vec![
                (
                    resource("verb1", "group1", "resource1", "subresource1"),
                    true,
                ),
                (
                    resource("verb1", "group2", "resource1", "subresource2"),
                    false,
                ),
                (
                    resource("verb1", "group1", "resource2", "subresource1"),
                    false,
                ),
                (
                    resource("verb1", "group2", "resource2", "subresource1"),
                    false,
                ),
                (
                    resource("verb2", "group1", "resource1", "subresource1"),
                    true,
                ),
                (
                    resource("verb2", "group2", "resource1", "subresource2"),
                    false,
                ),
                (
                    resource("verb2", "group1", "resource2", "subresource1"),
                    false,
                ),
                (
                    resource("verb2", "group2", "resource2", "subresource1"),
                    false,
                ),
            ],
        ),
        (
            "star nonresource, exact match other",
            PolicyRule::new(["verb1"]).urls(["*"]),
            [
                urls(
                    "verb1",
                    &[("/foo", true), ("/foo/bar", true), ("/foo/baz", true)],
                ),
                urls("verb1", &[("/foo/bar/one", true), ("/foo/baz/one", true)]),
                urls(
                    "verb2",
                    &[("/foo", false), ("/foo/bar", false), ("/foo/baz", false)],
                ),
                urls("verb2", &[("/foo/bar/one", false), ("/foo/baz/one", false)]),
            ]
            .concat(),
        ),
        (
            "star nonresource subpath",
            PolicyRule::new(["verb1"]).urls(["/foo/*"]),
            [
                urls(
                    "verb1",
                    &[("/foo", false), ("/foo/bar", true), ("/foo/baz", true)],
                ),
                urls("verb1", &[("/foo/bar/one", true), ("/foo/baz/one", true)]),
                urls("verb1", &[("/notfoo", false), ("/notfoo/bar", false)]),
                urls(
                    "verb1",
                    &[("/notfoo/baz", false), ("/notfoo/bar/one", false)],
                ),
                urls("verb1", &[("/notfoo/baz/one", false)]),
            ]
            .concat(),
        ),
        (
            "star verb, exact nonresource",
            PolicyRule::new(["*"]).urls(["/foo", "/foo/bar/one"]),
            [
                urls(
                    "verb1",
                    &[("/foo", true), ("/foo/bar", false), ("/foo/baz", false)],
                ),
                urls("verb1", &[("/foo/bar/one", true), ("/foo/baz/one", false)]),
                urls(
                    "verb2",
                    &[("/foo", true), ("/foo/bar", false), ("/foo/baz", false)],
                ),
                urls("verb2", &[("/foo/bar/one", true), ("/foo/baz/one", false)]),
            ]
            .concat(),
        ),
    ];
    let mut checked = 0;
    for (name, rule, requests) in cases {
        for (a, want) in requests {
            assert_eq!(rule.allows(&a), want, "{name}: {a:?}");
            checked += 1;
        }
    }
    assert_eq!(checked, 70);
}

#[test]
fn resource_patterns_beyond_the_upstream_table() {
    let star_status = PolicyRule::new(["get"])
        .groups([""])
        .resources(["*/status"]);
    for (r, sub, want) in [
        ("pods", "status", true),
        ("nodes", "status", true),
        ("pods", "", false),
        ("status", "", false),
        ("pods", "statuses", false),
        ("*", "status", true),
    ] {
        assert_eq!(
            star_status.allows(&resource("get", "", r, sub)),
            want,
            "{r}/{sub}"
        );
    }
    let literal = PolicyRule::new(["get"]).groups([""]).resources(["pods/*"]);
    assert!(!literal.allows(&resource("get", "", "pods", "log")));
    assert!(literal.allows(&resource("get", "", "pods", "*")));
    let named = PolicyRule::new(["get"])
        .groups([""])
        .resources(["secrets"])
        .names(["a"]);
    for (name, want) in [("a", true), ("", false), ("A", false)] {
        let a = resource("get", "", "secrets", "").with_name(name);
        assert_eq!(named.allows(&a), want, "{name:?}");
    }
    let empty_name = PolicyRule::new(["list"])
        .groups([""])
        .resources(["secrets"])
        .names([""]);
    assert!(empty_name.allows(&resource("list", "", "secrets", "")));
    let prefixes = PolicyRule::new(["get"]).urls(["/apis/**", "/healthz"]);
    for (path, want) in [
        ("/apis/", true),
        ("/apis", false),
        ("/apis/x", true),
        ("/healthz", true),
        ("/healthz/", false),
    ] {
        assert_eq!(prefixes.allows(&url("get", path)), want, "{path}");
    }
    // A resource rule never matches a non-resource request, and the other way round.
    let everything = new_rule("*", "*", "*", "");
    assert!(!everything.allows(&url("get", "/")));
    let only_urls = PolicyRule::new(["*"]).urls(["*"]);
    assert!(!only_urls.allows(&resource("get", "", "pods", "")));
}

/// Name, subjects, user, groups, binding namespace, index of the applying subject.
type AppliesCase = (
    &'static str,
    Vec<BindingSubject>,
    &'static str,
    Vec<&'static str>,
    &'static str,
    Option<usize>,
);

#[test]
fn test_applies_to() {
    let sa = |ns: &str, name: &str| BindingSubject::service_account(ns, name);
    let cases: Vec<AppliesCase> = vec![
        (
            "single subject that matches username",
            subjects(&["User:foobar"]),
            "foobar",
            vec![],
            "",
            Some(0),
        ),
        (
            "multiple subjects, one that matches username",
            subjects(&["User:barfoo", "User:foobar"]),
            "foobar",
            vec![],
            "",
            Some(1),
        ),
        (
            "multiple subjects, none that match username",
            subjects(&["User:barfoo", "User:foobar"]),
            "zimzam",
            vec![],
            "",
            None,
        ),
        (
            "multiple subjects, one that match group",
            subjects(&["User:barfoo", "Group:foobar"]),
            "zimzam",
            vec!["foobar"],
            "",
            Some(1),
        ),
        (
            "multiple subjects, one that match group, should ignore namespace",
            subjects(&["User:barfoo", "Group:foobar"]),
            "zimzam",
            vec!["foobar"],
            "namespace1",
            Some(1),
        ),
        (
            "multiple subjects, one that match serviceaccount",
            [
                subjects(&["User:barfoo", "Group:foobar"]),
                vec![sa("kube-system", "default")],
            ]
            .concat(),
            "system:serviceaccount:kube-system:default",
            vec![],
            "default",
            Some(2),
        ),
        (
            "user-only subject, user in group",
            subjects(&["User:*"]),
            "foobar",
            vec![],
            "default",
            None,
        ),
        (
            "all authenticated",
            subjects(&["Group:system:authenticated", "Group:system:unauthenticated"]),
            "foobar",
            vec!["system:authenticated"],
            "default",
            Some(0),
        ),
        (
            "anonymous",
            subjects(&["Group:system:authenticated", "Group:system:unauthenticated"]),
            "system:anonymous",
            vec!["system:unauthenticated"],
            "default",
            Some(1),
        ),
        (
            "service account namespace defaults to the binding's",
            vec![sa("", "default")],
            "system:serviceaccount:ns1:default",
            vec![],
            "ns1",
            Some(0),
        ),
        (
            "service account without namespace in a cluster binding",
            vec![sa("", "default")],
            "system:serviceaccount:ns1:default",
            vec![],
            "",
            None,
        ),
        (
            "explicit service account namespace wins",
            vec![sa("ns2", "default")],
            "system:serviceaccount:ns1:default",
            vec![],
            "ns1",
            None,
        ),
        (
            "service account group is a Group subject",
            subjects(&["Group:system:serviceaccounts:ns1"]),
            "system:serviceaccount:ns1:x",
            vec!["system:serviceaccounts", "system:serviceaccounts:ns1"],
            "",
            Some(0),
        ),
        (
            "a group named like the user is not the user",
            subjects(&["Group:foobar"]),
            "foobar",
            vec![],
            "",
            None,
        ),
    ];
    for (name, subjects, user, groups, namespace, want) in cases {
        let user = UserInfo::new(user, groups);
        let got = subjects.iter().position(|s| s.applies_to(&user, namespace));
        assert_eq!(got, want, "{name}");
    }
    let unknown = BindingSubject {
        kind: "user".to_owned(),
        name: "foobar".to_owned(),
        ..BindingSubject::default()
    };
    assert!(!unknown.applies_to(&UserInfo::new("foobar", ["foobar"]), ""));
}

#[test]
fn reasons_and_visiting_order() {
    let policy = Policy::from_objects(
        parse_manifests(
            r#"{"kind":"List","apiVersion":"v1","items":[
 {"kind":"ClusterRole","metadata":{"name":"csr"},"rules":[{"verbs":["create"],"apiGroups":["certificates.k8s.io"],"resources":["certificatesigningrequests"]}]},
 {"kind":"Role","metadata":{"name":"cm","namespace":"ns1"},"rules":[{"verbs":["get"],"apiGroups":[""],"resources":["configmaps"]}]},
 {"kind":"RoleBinding","metadata":{"name":"rb","namespace":"ns1"},"roleRef":{"kind":"Role","name":"cm"},"subjects":[{"kind":"ServiceAccount","name":"sa1"},{"kind":"User","name":"u"}]},
 {"kind":"ClusterRoleBinding","metadata":{"name":"b\"q"},"roleRef":{"kind":"ClusterRole","name":"csr"},"subjects":[{"kind":"Group","name":"g"},{"kind":"User","name":"u"}]},
 {"kind":"RoleBinding","metadata":{"name":"rb2","namespace":"ns1"},"roleRef":{"kind":"ClusterRole","name":"csr"},"subjects":[{"kind":"ServiceAccount","name":"sa2","namespace":"other"}]}
]}"#,
        )
        .unwrap()
        .objects,
    );
    let csr = |user: &str, groups: &[&str]| {
        Attributes::resource(
            UserInfo::new(user, groups.to_vec()),
            "create",
            "certificates.k8s.io",
            "certificatesigningrequests",
        )
    };
    let fast = IndexedAuthorizer::new(&policy);
    let check = |a: &Attributes, want: Decision| {
        assert_eq!(policy.authorize(a), want, "{a:?}");
        assert_eq!(fast.authorize(a), want, "indexed {a:?}");
    };
    check(
        &csr("u", &["g"]),
        Decision::allow(
            r#"RBAC: allowed by ClusterRoleBinding "b\"q" of ClusterRole "csr" to Group "g""#,
        ),
    );
    check(
        &csr("u", &[]),
        Decision::allow(
            r#"RBAC: allowed by ClusterRoleBinding "b\"q" of ClusterRole "csr" to User "u""#,
        ),
    );
    check(&csr("x", &[]), Decision::no_opinion(""));
    let cm = Attributes::resource(
        UserInfo::new("system:serviceaccount:ns1:sa1", Vec::<String>::new()),
        "get",
        "",
        "configmaps",
    )
    .with_namespace("ns1");
    check(
        &cm,
        Decision::allow(
            r#"RBAC: allowed by RoleBinding "rb/ns1" of Role "cm" to ServiceAccount "sa1/ns1""#,
        ),
    );
    check(&cm.clone().with_namespace("ns2"), Decision::no_opinion(""));
    let sa2 = csr("system:serviceaccount:other:sa2", &[]);
    check(&sa2, Decision::no_opinion(""));
    check(
        &sa2.with_namespace("ns1"),
        Decision::allow(
            r#"RBAC: allowed by RoleBinding "rb2/ns1" of ClusterRole "csr" to ServiceAccount "sa2/other""#,
        ),
    );
}

#[test]
fn resolution_errors_are_aggregated() {
    let policy = Policy::from_objects(
        parse_manifests(
            r#"[
 {"kind":"ClusterRoleBinding","metadata":{"name":"m1"},"roleRef":{"kind":"ClusterRole","name":"missing"},"subjects":[{"kind":"User","name":"u"}]},
 {"kind":"ClusterRoleBinding","metadata":{"name":"m2"},"roleRef":{"kind":"ClusterRole","name":"missing"},"subjects":[{"kind":"User","name":"u"}]},
 {"kind":"ClusterRoleBinding","metadata":{"name":"m3"},"roleRef":{"kind":"Role","name":"r"},"subjects":[{"kind":"User","name":"v"}]},
 {"kind":"RoleBinding","metadata":{"name":"m4","namespace":"ns"},"roleRef":{"kind":"Rol","name":"r"},"subjects":[{"kind":"User","name":"v"}]},
 {"kind":"RoleBinding","metadata":{"name":"m5","namespace":"ns"},"roleRef":{"kind":"Role","name":"r2"},"subjects":[{"kind":"User","name":"w"}]},
 {"kind":"ClusterRole","metadata":{"name":"all"},"rules":[{"verbs":["*"],"apiGroups":["*"],"resources":["*"]}]},
 {"kind":"RoleBinding","metadata":{"name":"ok","namespace":"ns"},"roleRef":{"kind":"ClusterRole","name":"all"},"subjects":[{"kind":"User","name":"w"}]}
]"#,
        )
        .unwrap()
        .objects,
    );
    let fast = IndexedAuthorizer::new(&policy);
    let get = |user: &str, ns: &str| {
        let a = Attributes::resource(UserInfo::new(user, Vec::<String>::new()), "get", "", "pods")
            .with_namespace(ns);
        let d = policy.authorize(&a);
        assert_eq!(fast.authorize(&a), d);
        d
    };
    assert_eq!(
        get("u", ""),
        Decision::no_opinion(r#"RBAC: clusterrole.rbac.authorization.k8s.io "missing" not found"#)
    );
    assert_eq!(
        get("v", ""),
        Decision::no_opinion(r#"RBAC: role.rbac.authorization.k8s.io "r" not found"#)
    );
    assert_eq!(
        get("v", "ns"),
        Decision::no_opinion(
            r#"RBAC: [role.rbac.authorization.k8s.io "r" not found, unsupported role reference kind: "Rol"]"#
        )
    );
    assert_eq!(
        get("w", "ns"),
        Decision::allow(r#"RBAC: allowed by RoleBinding "ok/ns" of ClusterRole "all" to User "w""#)
    );
}

#[test]
fn a_role_named_in_another_namespace_is_not_found() {
    let role = Role {
        metadata: ObjectMeta::namespaced("ns1", "r"),
        rules: vec![new_rule("*", "*", "*", "")],
    };
    let binding = RoleBinding {
        metadata: ObjectMeta::namespaced("ns2", "b"),
        subjects: vec![BindingSubject::user("u")],
        role_ref: RoleRef::role("r"),
    };
    let policy = Policy::from_objects([role.into(), binding.into()]);
    let a = Attributes::resource(UserInfo::new("u", Vec::<String>::new()), "get", "", "pods")
        .with_namespace("ns2");
    assert_eq!(
        policy.authorize(&a),
        Decision::no_opinion(r#"RBAC: role.rbac.authorization.k8s.io "r" not found"#)
    );
}
