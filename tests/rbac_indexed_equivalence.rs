//! The indexed authorizer gives the same decisions and the same reason strings as the walk
//! over every binding, and the explanation carries the same decision, on random policies and
//! requests drawn from small alphabets (so that subjects, roles and rules collide often).

use kube_tls_bootstrap::identity::UserInfo;
use kube_tls_bootstrap::rbac::{
    Attributes, Authorize, BindingSubject, ClusterRole, ClusterRoleBinding, IndexedAuthorizer,
    Object, ObjectMeta, Policy, PolicyRule, Role, RoleBinding, RoleRef,
};
use proptest::prelude::*;
use proptest::sample::{select, subsequence};

const NAMESPACES: &[&str] = &["", "ns1", "ns2", "a:b"];
const ROLES: &[&str] = &["r0", "r1", "r2", "missing"];

fn word(words: &'static [&'static str]) -> impl Strategy<Value = String> {
    select(words).prop_map(str::to_owned)
}

fn words(words: &'static [&'static str]) -> impl Strategy<Value = Vec<String>> {
    subsequence(words, 0..=words.len()).prop_map(|v| v.into_iter().map(str::to_owned).collect())
}

fn rule() -> impl Strategy<Value = PolicyRule> {
    (
        words(&["get", "list", "*", "create"]),
        words(&["", "g", "*"]),
        words(&[
            "pods",
            "pods/status",
            "*/status",
            "*",
            "pods/*",
            "status",
            "a/b",
        ]),
        words(&["", "n1"]),
        words(&["/a", "/a/*", "*", "/a**", "/"]),
    )
        .prop_map(
            |(verbs, api_groups, resources, resource_names, non_resource_urls)| PolicyRule {
                verbs,
                api_groups,
                resources,
                resource_names,
                non_resource_urls,
            },
        )
}

fn subject() -> impl Strategy<Value = BindingSubject> {
    (
        word(&["User", "Group", "ServiceAccount", "Robot"]),
        word(&[
            "u1",
            "u2",
            "g1",
            "g2",
            "sa",
            "b:sa",
            "system:authenticated",
            "",
        ]),
        word(NAMESPACES),
    )
        .prop_map(|(kind, name, namespace)| BindingSubject {
            kind,
            api_group: String::new(),
            name,
            namespace,
        })
}

fn role_ref() -> impl Strategy<Value = RoleRef> {
    (word(&["ClusterRole", "Role", "Policy"]), word(ROLES)).prop_map(|(kind, name)| RoleRef {
        api_group: "rbac.authorization.k8s.io".to_owned(),
        kind,
        name,
    })
}

fn object() -> impl Strategy<Value = Object> {
    prop_oneof![
        (
            word(&["r0", "r1", "r2"]),
            prop::collection::vec(rule(), 0..4)
        )
            .prop_map(|(name, rules)| Object::ClusterRole(ClusterRole {
                metadata: ObjectMeta::named(name),
                rules,
                aggregation_rule: None,
            })),
        (
            word(&["ns1", "ns2"]),
            word(&["r0", "r1", "r2"]),
            prop::collection::vec(rule(), 0..4)
        )
            .prop_map(|(ns, name, rules)| Object::Role(Role {
                metadata: ObjectMeta::namespaced(ns, name),
                rules,
            })),
        (
            word(&["b0", "b1", "b\"2"]),
            prop::collection::vec(subject(), 0..4),
            role_ref()
        )
            .prop_map(|(name, subjects, role_ref)| Object::ClusterRoleBinding(
                ClusterRoleBinding {
                    metadata: ObjectMeta::named(name),
                    subjects,
                    role_ref,
                }
            )),
        (
            word(&["ns1", "ns2", "a:b"]),
            word(&["b0", "b1"]),
            prop::collection::vec(subject(), 0..4),
            role_ref()
        )
            .prop_map(
                |(ns, name, subjects, role_ref)| Object::RoleBinding(RoleBinding {
                    metadata: ObjectMeta::namespaced(ns, name),
                    subjects,
                    role_ref,
                })
            ),
    ]
}

fn request() -> impl Strategy<Value = Attributes> {
    (
        word(&[
            "u1",
            "u2",
            "system:serviceaccount:ns1:sa",
            "system:serviceaccount:ns2:sa",
            "system:serviceaccount:a:b:sa",
            "system:serviceaccount:ns1:b:sa",
            "",
        ]),
        words(&["g1", "g2", "system:authenticated", "u1"]),
        word(&["get", "list", "create", "*"]),
        word(&["", "g", "*"]),
        word(&["pods", "status", "*", "a"]),
        word(&["", "status", "*", "b"]),
        word(&["", "n1"]),
        word(&["", "ns1", "ns2", "ns3", "a:b"]),
        any::<bool>(),
        word(&["/a", "/a/x", "/", "*", "/a**"]),
    )
        .prop_map(
            |(user, groups, verb, group, resource, sub, name, ns, is_resource, path)| {
                let user = UserInfo::new(user, groups);
                let a = if is_resource {
                    Attributes::resource(user, verb, group, resource)
                        .with_subresource(sub)
                        .with_name(name)
                } else {
                    Attributes::non_resource(user, verb, path)
                };
                a.with_namespace(ns)
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn indexed_equals_walk(
        objects in prop::collection::vec(object(), 0..14),
        requests in prop::collection::vec(request(), 1..24),
    ) {
        let policy = Policy::from_objects(objects);
        let fast = IndexedAuthorizer::new(&policy);
        for a in &requests {
            let walked = policy.authorize(a);
            prop_assert_eq!(&fast.authorize(a), &walked, "{:?}", a);
            let why = policy.explain(a);
            prop_assert_eq!(&why.decision, &walked);
            prop_assert_eq!(why.grant.is_some(), walked.is_allowed());
            if let Some(grant) = &why.grant {
                prop_assert!(grant.rule.allows(a));
            } else {
                let missing = why.missing_rule.clone().unwrap();
                prop_assert!(missing.allows(a), "{:?} {:?}", missing, a);
            }
        }
    }
}
