//! Every RBAC object survives JSON (`kubectl -o json`) and YAML (`kubectl -o yaml`) and comes
//! back equal through the manifest reader, whatever its strings hold.

use std::collections::BTreeMap;

use kube_tls_bootstrap::rbac::{
    AggregationRule, BindingSubject, ClusterRole, ClusterRoleBinding, LabelSelector,
    LabelSelectorRequirement, Object, ObjectMeta, PolicyRule, Role, RoleBinding, RoleRef,
    list_to_yaml, parse_manifests,
};
use kube_tls_bootstrap::time::Timestamp;
use proptest::prelude::*;

/// Any string, with the characters YAML and Go quoting care about made likely.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9:./*-]{0,12}",
        "[ -~]{0,12}",
        "\\PC{0,8}",
        proptest::sample::select(vec![
            "",
            "*",
            "true",
            "null",
            "~",
            "1",
            "0x1F",
            "1:20",
            "1e3",
            "- a",
            "a: b",
            "#x",
            "'",
            "\"",
            " x",
            "x ",
            "\t",
            "\n",
            "a\nb",
            "2001-12-14",
            "\u{85}",
            "\u{feff}",
            "yes",
            "<<",
            "-",
            "?",
            ":",
            "@x",
            "`x",
            "%x",
            "!x",
            "&x",
            "{}",
            "[]",
            ".inf",
            "+1",
            "0o7",
            "1_000",
            "0b101",
            "é",
            "\u{200d}",
            ".5",
            "-.5e-3",
            "1.",
            "0.1.2",
        ])
        .prop_map(str::to_owned),
    ]
}

fn texts() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(text(), 0..3)
}

fn map() -> impl Strategy<Value = BTreeMap<String, String>> {
    prop::collection::btree_map(text(), text(), 0..3)
}

fn meta() -> impl Strategy<Value = ObjectMeta> {
    (
        text(),
        text(),
        text(),
        text(),
        prop::option::of(0i64..253_402_300_799),
        map(),
        map(),
    )
        .prop_map(
            |(name, namespace, uid, rv, ts, labels, annotations)| ObjectMeta {
                name,
                namespace,
                uid,
                resource_version: rv,
                creation_timestamp: ts.map(Timestamp::from_unix),
                labels,
                annotations,
                ..ObjectMeta::default()
            },
        )
}

fn rule() -> impl Strategy<Value = PolicyRule> {
    (texts(), texts(), texts(), texts(), texts()).prop_map(|(v, g, r, n, u)| PolicyRule {
        verbs: v,
        api_groups: g,
        resources: r,
        resource_names: n,
        non_resource_urls: u,
    })
}

fn subject() -> impl Strategy<Value = BindingSubject> {
    (text(), text(), text(), text()).prop_map(|(kind, api_group, name, namespace)| {
        let mut s = BindingSubject {
            kind,
            api_group,
            name,
            namespace,
        };
        s.apply_defaults();
        s
    })
}

fn role_ref() -> impl Strategy<Value = RoleRef> {
    (text(), text(), text()).prop_map(|(api_group, kind, name)| {
        let mut r = RoleRef {
            api_group,
            kind,
            name,
        };
        r.apply_defaults();
        r
    })
}

fn selector() -> impl Strategy<Value = LabelSelector> {
    (
        map(),
        prop::collection::vec(
            (text(), text(), texts()).prop_map(|(key, operator, values)| {
                LabelSelectorRequirement {
                    key,
                    operator,
                    values,
                }
            }),
            0..2,
        ),
    )
        .prop_map(|(match_labels, match_expressions)| LabelSelector {
            match_labels,
            match_expressions,
        })
}

fn object() -> impl Strategy<Value = Object> {
    let rules = || prop::collection::vec(rule(), 0..3);
    let subjects = || prop::collection::vec(subject(), 0..3);
    prop_oneof![
        (meta(), rules()).prop_map(|(metadata, rules)| Object::Role(Role { metadata, rules })),
        (
            meta(),
            rules(),
            prop::option::of(prop::collection::vec(selector(), 0..2))
        )
            .prop_map(
                |(metadata, rules, selectors)| Object::ClusterRole(ClusterRole {
                    metadata,
                    rules,
                    aggregation_rule: selectors.map(|cluster_role_selectors| AggregationRule {
                        cluster_role_selectors
                    }),
                })
            ),
        (meta(), subjects(), role_ref()).prop_map(|(metadata, subjects, role_ref)| {
            Object::RoleBinding(RoleBinding {
                metadata,
                subjects,
                role_ref,
            })
        }),
        (meta(), subjects(), role_ref()).prop_map(|(metadata, subjects, role_ref)| {
            Object::ClusterRoleBinding(ClusterRoleBinding {
                metadata,
                subjects,
                role_ref,
            })
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn json_round_trip(object in object()) {
        let compact = serde_json::to_string(&object).unwrap();
        prop_assert_eq!(&parse_manifests(&compact).unwrap().objects, std::slice::from_ref(&object));
        let pretty = object.to_json_pretty();
        prop_assert_eq!(&parse_manifests(&pretty).unwrap().objects, &[object]);
    }

    #[test]
    fn yaml_round_trip(object in object()) {
        let yaml = object.to_yaml();
        let read = parse_manifests(&yaml);
        prop_assert!(read.is_ok(), "{:?}\n{}", read, yaml);
        prop_assert_eq!(&read.unwrap().objects, &[object], "{}", yaml);
    }

    #[test]
    fn list_round_trip(objects in prop::collection::vec(object(), 0..4)) {
        let yaml = list_to_yaml(&objects);
        prop_assert_eq!(&parse_manifests(&yaml).unwrap().objects, &objects, "{}", yaml);
    }
}
