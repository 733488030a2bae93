//! The walk and the indexed authorizer agree, line for line, with the Go reference peer
//! (`rbaccheck`) on a hand-written policy and on the peer's benchmark policy.
// The test reads its vectors from tests/data; its helpers may panic like the tests do.
#![allow(clippy::disallowed_methods, clippy::unwrap_used)]

use kube_tls_bootstrap::identity::UserInfo;
use kube_tls_bootstrap::rbac::{
    Attributes, Authorize, BindingSubject, ClusterRole, ClusterRoleBinding, IndexedAuthorizer,
    ObjectMeta, Policy, PolicyRule, RoleRef, parse_manifests,
};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/rbac");

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    user: String,
    groups: Vec<String>,
    verb: String,
    api_group: String,
    resource: String,
    subresource: String,
    name: String,
    namespace: String,
    path: String,
}

#[derive(serde::Deserialize, Debug, PartialEq)]
struct Expected {
    allowed: bool,
    reason: String,
}

fn attributes(r: Request) -> Attributes {
    let user = UserInfo::new(r.user, r.groups);
    if r.path.is_empty() {
        Attributes::resource(user, r.verb, r.api_group, r.resource)
            .with_subresource(r.subresource)
            .with_name(r.name)
            .with_namespace(r.namespace)
    } else {
        Attributes::non_resource(user, r.verb, r.path).with_namespace(r.namespace)
    }
}

fn lines<T: serde::de::DeserializeOwned>(path: &str) -> Vec<T> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn check(policy: &Policy, requests: Vec<Attributes>, expected: Vec<Expected>) -> usize {
    assert_eq!(requests.len(), expected.len());
    let fast = IndexedAuthorizer::new(policy);
    for (i, (a, want)) in requests.iter().zip(&expected).enumerate() {
        for decision in [
            policy.authorize(a),
            fast.authorize(a),
            policy.explain(a).decision,
        ] {
            let got = Expected {
                allowed: decision.is_allowed(),
                reason: decision.reason().to_owned(),
            };
            assert_eq!(&got, want, "request {}: {a:?}", i + 1);
        }
    }
    expected.len()
}

#[test]
fn hand_written_policy_matches_the_peer() {
    let text = std::fs::read_to_string(format!("{DATA}/crosscheck.manifests.json")).unwrap();
    let manifests = parse_manifests(&text).unwrap();
    assert_eq!(manifests.objects.len(), 26);
    assert_eq!(
        manifests.warnings,
        [r#"skipping object of kind "ConfigMap" (name "ignored")"#]
    );
    let policy = Policy::from_objects(manifests.objects);
    let requests: Vec<Request> = lines(&format!("{DATA}/crosscheck.requests.jsonl"));
    let expected: Vec<Expected> = lines(&format!("{DATA}/crosscheck.expected.jsonl"));
    let n = check(
        &policy,
        requests.into_iter().map(attributes).collect(),
        expected,
    );
    assert_eq!(n, 54);
}

#[test]
fn benchmark_policy_matches_the_peer() {
    let policy = bench_policy();
    assert_eq!(policy.cluster_role_bindings().len(), 10_000);
    let requests: Vec<Attributes> = std::fs::read_to_string(format!("{DATA}/bench/requests.txt"))
        .unwrap()
        .lines()
        .map(bench_request)
        .collect();
    let expected: Vec<Expected> = lines(&format!("{DATA}/bench/expected.jsonl"));
    let allowed = expected.iter().filter(|e| e.allowed).count();
    assert_eq!(check(&policy, requests, expected), 2000);
    assert!(allowed > 0 && allowed < 2000, "{allowed}");
}

/// The peer's benchmark policy: 1000 ClusterRoles by formula, 10 000 bindings from the file.
fn bench_policy() -> Policy {
    const P: usize = 200;
    let mut policy = Policy::new();
    for i in 0..1000 {
        policy.add_cluster_role(ClusterRole {
            metadata: ObjectMeta::named(format!("bench-role-{i}")),
            rules: vec![
                PolicyRule::new(["get", "list", "watch"])
                    .groups(["bench.example.com"])
                    .resources([format!("res-{}", i % P), format!("res-{}", (i + 1) % P)]),
                PolicyRule::new(["create", "update", "patch"])
                    .groups(["bench.example.com"])
                    .resources([format!("res-{}/status", (i + 2) % P)]),
                PolicyRule::new(["get"])
                    .groups([""])
                    .resources(["configmaps"])
                    .names([format!("cm-{i}")]),
                PolicyRule::new(["get"]).urls([format!("/bench/{i}/*")]),
            ],
            aggregation_rule: None,
        });
    }
    let text = std::fs::read_to_string(format!("{DATA}/bench/bindings.txt")).unwrap();
    for (i, line) in text.lines().enumerate() {
        let f: Vec<&str> = line.split(' ').collect();
        let subject = match f[0] {
            "U" => BindingSubject::user(format!("bench-user-{}", f[1])),
            _ => BindingSubject::group(format!("bench-group-{}", f[1])),
        };
        policy.add_cluster_role_binding(ClusterRoleBinding {
            metadata: ObjectMeta::named(format!("bench-binding-{i}")),
            subjects: vec![subject],
            role_ref: RoleRef::cluster_role(format!("bench-role-{}", f[2])),
        });
    }
    policy
}

fn bench_request(line: &str) -> Attributes {
    let f: Vec<String> = line
        .split(' ')
        .map(|s| {
            if s == "-" {
                String::new()
            } else {
                s.to_owned()
            }
        })
        .collect();
    let user = UserInfo::new(
        format!("bench-user-{}", f[0]),
        [
            format!("bench-group-{}", f[1]),
            "system:authenticated".to_owned(),
        ],
    );
    if f[8].is_empty() {
        Attributes::resource(user, &f[2], &f[3], &f[4])
            .with_subresource(&f[5])
            .with_name(&f[6])
            .with_namespace(&f[7])
    } else {
        Attributes::non_resource(user, &f[2], &f[8])
    }
}
