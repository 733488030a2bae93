//! Kubernetes' `TestSyncClusterRole` table (pkg/controller/clusterroleaggregation), restated:
//! the rules an aggregated ClusterRole ends up with.

use std::collections::BTreeMap;

use kube_tls_bootstrap::rbac::{
    AggregationRule, ClusterRole, LabelSelector, ObjectMeta, Policy, PolicyRule, aggregated_rules,
};

fn rules(verb: &str, resources: &[&str]) -> Vec<PolicyRule> {
    resources
        .iter()
        .map(|r| PolicyRule::new([verb]).resources([*r]))
        .collect()
}

fn hammer() -> Vec<PolicyRule> {
    rules("hammer", &["nails", "wedges"])
}

fn chisel() -> Vec<PolicyRule> {
    rules("chisel", &["mortises"])
}

fn saw() -> Vec<PolicyRule> {
    rules("saw", &["boards"])
}

fn role(name: &str, label: &str, rules: Vec<PolicyRule>) -> ClusterRole {
    ClusterRole {
        metadata: ObjectMeta {
            labels: BTreeMap::from([("foo".to_owned(), label.to_owned())]),
            ..ObjectMeta::named(name)
        },
        rules,
        aggregation_rule: None,
    }
}

fn combined(selectors: &[&str], rules: Vec<PolicyRule>) -> ClusterRole {
    ClusterRole {
        metadata: ObjectMeta::named("combined"),
        rules,
        aggregation_rule: Some(AggregationRule {
            cluster_role_selectors: selectors
                .iter()
                .map(|label| LabelSelector {
                    match_labels: BTreeMap::from([("foo".to_owned(), (*label).to_owned())]),
                    match_expressions: vec![],
                })
                .collect(),
        }),
    }
}

#[test]
fn sync_cluster_role() {
    let cases: Vec<(&str, Vec<ClusterRole>, Vec<PolicyRule>)> = vec![
        (
            "remove dead rules",
            vec![role("hammer", "bar", hammer()), combined(&["bar"], saw())],
            hammer(),
        ),
        (
            "strip rules",
            vec![
                role("hammer", "not-bar", hammer()),
                combined(&["bar"], hammer()),
            ],
            vec![],
        ),
        (
            "select properly and put in order",
            vec![
                role("hammer", "bar", hammer()),
                role("chisel", "bar", chisel()),
                role("saw", "not-bar", saw()),
                combined(&["bar"], vec![]),
            ],
            [chisel(), hammer()].concat(),
        ),
        (
            "select properly with multiple selectors",
            vec![
                role("hammer", "bar", hammer()),
                role("chisel", "bar", chisel()),
                role("saw", "not-bar", saw()),
                combined(&["bar", "not-bar"], vec![]),
            ],
            [chisel(), hammer(), saw()].concat(),
        ),
        (
            "select properly remove duplicates",
            vec![
                role("hammer", "bar", hammer()),
                role("chisel", "bar", chisel()),
                role("saw", "bar", saw()),
                role("other-saw", "not-bar", saw()),
                combined(&["bar", "not-bar"], vec![]),
            ],
            [chisel(), hammer(), saw()].concat(),
        ),
        (
            "no diff skip",
            vec![
                role("hammer", "bar", hammer()),
                combined(&["bar"], hammer()),
            ],
            hammer(),
        ),
    ];
    for (name, roles, want) in cases {
        let target = roles.last().unwrap().clone();
        let before = target.rules.clone();
        assert_eq!(
            aggregated_rules(&target, roles.iter()).unwrap(),
            Some(want.clone()),
            "{name}"
        );
        let mut policy = Policy::new();
        for r in roles {
            policy.add_cluster_role(r);
        }
        let changed = policy.aggregate_cluster_roles().unwrap();
        assert_eq!(
            policy.cluster_role("combined").unwrap().rules,
            want,
            "{name}"
        );
        assert_eq!(changed.is_empty(), before == want, "{name}");
    }
}

#[test]
fn roles_without_aggregation_rule_are_left_alone() {
    let plain = role("hammer", "bar", hammer());
    assert_eq!(aggregated_rules(&plain, [&plain]).unwrap(), None);
}

#[test]
fn aggregated_roles_may_select_each_other() {
    // `outer` selects `inner`, which aggregates `leaf`: a second pass carries the rules on.
    let mut inner = combined(&["leaf"], vec![]);
    inner.metadata.name = "inner".to_owned();
    inner
        .metadata
        .labels
        .insert("foo".to_owned(), "inner".to_owned());
    let mut outer = combined(&["inner"], vec![]);
    outer.metadata.name = "a-outer".to_owned();
    let mut policy = Policy::new();
    for r in [role("leaf", "leaf", saw()), inner, outer] {
        policy.add_cluster_role(r);
    }
    assert_eq!(
        policy.aggregate_cluster_roles().unwrap(),
        ["inner", "a-outer"]
    );
    assert_eq!(policy.cluster_role("a-outer").unwrap().rules, saw());
}
