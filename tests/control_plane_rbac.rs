//! RBAC writes through the machine as kube-apiserver guards them
//! (`pkg/registry/rbac/*/policybased`): no one grants permissions they do not hold unless
//! allowed `bind` or `escalate`, an aggregation rule needs cluster-admin, a binding to a missing
//! role is a 404, and invalid objects are a 422 with Kubernetes' causes.
// Helpers outside #[test] functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "control_plane_support/mod.rs"]
mod support;

use std::collections::BTreeMap;

use kube_tls_bootstrap::api::{Operation, Reply};
use kube_tls_bootstrap::rbac::bootstrap::NODE_BOOTSTRAPPER;
use kube_tls_bootstrap::rbac::{
    AggregationRule, BindingSubject, ClusterRole, ClusterRoleBinding, LabelSelector, ObjectMeta,
    PolicyRule, RoleRef,
};
use support::*;

const RBAC: &str = "rbac.authorization.k8s.io";

fn role(name: &str, rules: Vec<PolicyRule>) -> ClusterRole {
    ClusterRole {
        metadata: ObjectMeta::named(name),
        rules,
        aggregation_rule: None,
    }
}

/// A ClusterRole named "aggregated" with no rules of its own, aggregating those labelled a=b.
fn aggregated_role() -> ClusterRole {
    ClusterRole {
        aggregation_rule: Some(AggregationRule {
            cluster_role_selectors: vec![LabelSelector {
                match_labels: BTreeMap::from([("a".to_owned(), "b".to_owned())]),
                ..LabelSelector::default()
            }],
        }),
        ..role("aggregated", Vec::new())
    }
}

fn grant_to_joe(h: &mut Harness, role_name: &str, rules: Vec<PolicyRule>) {
    let created = h.call(
        bearer("admin-token"),
        Operation::CreateClusterRole(Box::new(role(role_name, rules))),
    );
    assert_eq!(created.code(), 201, "{created:?}");
    let b = binding(role_name, role_name, None, Some("joe"));
    let created = h.call(
        bearer("admin-token"),
        Operation::CreateClusterRoleBinding(Box::new(b)),
    );
    assert_eq!(created.code(), 201, "{created:?}");
}

fn may_create_bindings(h: &mut Harness) {
    grant_to_joe(
        h,
        "binding-creator",
        vec![
            PolicyRule::new(["create"])
                .groups([RBAC])
                .resources(["clusterrolebindings"]),
        ],
    );
}

fn joe_binds(h: &mut Harness, name: &str, role_name: &str) -> Reply {
    h.call(
        bearer("joe-token"),
        Operation::CreateClusterRoleBinding(Box::new(binding(
            name,
            role_name,
            Some("system:bootstrappers"),
            None,
        ))),
    )
}

#[test]
fn a_binding_may_not_grant_what_its_creator_lacks() {
    let mut h = Harness::new(config());
    may_create_bindings(&mut h);
    let reply = joe_binds(&mut h, "kubelet-bootstrap", NODE_BOOTSTRAPPER);
    assert_eq!(
        status_message(&reply),
        (
            403,
            "clusterrolebindings.rbac.authorization.k8s.io \"kubelet-bootstrap\" is forbidden: user \"joe\" (groups=[\"\" \"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[\"certificates.k8s.io\"], Resources:[\"certificatesigningrequests\"], Verbs:[\"create\" \"get\" \"list\" \"watch\"]}".to_owned()
        )
    );
    // A binding to a role that does not exist.
    let reply = joe_binds(&mut h, "b", "no-such-role");
    assert_eq!(
        status_message(&reply),
        (
            404,
            "clusterroles.rbac.authorization.k8s.io \"no-such-role\" not found".to_owned()
        )
    );
}

#[test]
fn bind_on_the_role_or_holding_its_rules_allows_the_binding() {
    let mut h = Harness::new(config());
    may_create_bindings(&mut h);
    grant_to_joe(
        &mut h,
        "bootstrapper-binder",
        vec![
            PolicyRule::new(["bind"])
                .groups([RBAC])
                .resources(["clusterroles"])
                .names([NODE_BOOTSTRAPPER]),
        ],
    );
    let reply = joe_binds(&mut h, "kubelet-bootstrap", NODE_BOOTSTRAPPER);
    assert_eq!(reply.code(), 201, "{reply:?}");

    // Holding every permission of the role is enough too.
    grant_to_joe(
        &mut h,
        "csr-user",
        vec![
            PolicyRule::new(["*"])
                .groups(["certificates.k8s.io"])
                .resources(["certificatesigningrequests"]),
        ],
    );
    let created = h.call(
        bearer("admin-token"),
        Operation::CreateClusterRole(Box::new(role(
            "csr-reader",
            vec![
                PolicyRule::new(["get", "list"])
                    .groups(["certificates.k8s.io"])
                    .resources(["certificatesigningrequests"]),
            ],
        ))),
    );
    assert_eq!(created.code(), 201);
    assert_eq!(joe_binds(&mut h, "readers", "csr-reader").code(), 201);
}

#[test]
fn a_role_may_not_hold_what_its_creator_lacks() {
    let mut h = Harness::new(config());
    grant_to_joe(
        &mut h,
        "role-creator",
        vec![
            PolicyRule::new(["create"])
                .groups([RBAC])
                .resources(["clusterroles"]),
        ],
    );
    let wanted = role(
        "approver",
        vec![
            PolicyRule::new(["update"])
                .groups(["certificates.k8s.io"])
                .resources(["certificatesigningrequests/approval"]),
        ],
    );
    let reply = h.call(
        bearer("joe-token"),
        Operation::CreateClusterRole(Box::new(wanted.clone())),
    );
    assert_eq!(
        status_message(&reply),
        (
            403,
            "clusterroles.rbac.authorization.k8s.io \"approver\" is forbidden: user \"joe\" (groups=[\"\" \"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[\"certificates.k8s.io\"], Resources:[\"certificatesigningrequests/approval\"], Verbs:[\"update\"]}".to_owned()
        )
    );

    // An aggregation rule needs cluster-admin even with no rules.
    let aggregated = aggregated_role();
    let reply = h.call(
        bearer("joe-token"),
        Operation::CreateClusterRole(Box::new(aggregated)),
    );
    assert_eq!(
        status_message(&reply),
        (
            403,
            "clusterroles.rbac.authorization.k8s.io \"aggregated\" is forbidden: must have cluster-admin privileges to use the aggregationRule".to_owned()
        )
    );

    // `escalate` on clusterroles lifts the check.
    grant_to_joe(
        &mut h,
        "escalator",
        vec![
            PolicyRule::new(["escalate"])
                .groups([RBAC])
                .resources(["clusterroles"]),
        ],
    );
    let reply = h.call(
        bearer("joe-token"),
        Operation::CreateClusterRole(Box::new(wanted)),
    );
    assert_eq!(reply.code(), 201, "{reply:?}");
}

#[test]
fn invalid_objects_are_refused_with_kubernetes_causes() {
    let mut h = Harness::new(config());
    let b = ClusterRoleBinding {
        metadata: ObjectMeta::named("b"),
        subjects: vec![BindingSubject::service_account("", "default")],
        role_ref: RoleRef::cluster_role(NODE_BOOTSTRAPPER),
    };
    let reply = h.call(
        bearer("admin-token"),
        Operation::CreateClusterRoleBinding(Box::new(b)),
    );
    let Reply::Status(status) = &reply else {
        panic!("{reply:?}")
    };
    assert_eq!(status.code, 422);
    assert_eq!(
        status.to_json(),
        r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"ClusterRoleBinding.rbac.authorization.k8s.io \"b\" is invalid: subjects[0].namespace: Required value","reason":"Invalid","details":{"name":"b","group":"rbac.authorization.k8s.io","kind":"ClusterRoleBinding","causes":[{"reason":"FieldValueRequired","message":"Required value","field":"subjects[0].namespace"}]},"code":422}"#
    );
    // Nothing was stored.
    let again = h.call(
        bearer("admin-token"),
        Operation::DeleteClusterRoleBinding { name: "b".into() },
    );
    assert_eq!(again.code(), 404);

    let r = role("bad", vec![PolicyRule::new(Vec::<String>::new())]);
    let reply = h.call(
        bearer("admin-token"),
        Operation::CreateClusterRole(Box::new(r)),
    );
    assert_eq!(
        status_message(&reply),
        (
            422,
            "ClusterRole.rbac.authorization.k8s.io \"bad\" is invalid: [rules[0].verbs: Required value: verbs must contain at least one value, rules[0].apiGroups: Required value: resource rules must supply at least one api group, rules[0].resources: Required value: resource rules must supply at least one resource]".to_owned()
        )
    );
}

#[test]
fn an_aggregation_rule_needs_every_verb_on_every_resource_not_only_every_url() {
    // Joe may create ClusterRoles and holds everything on every non-resource URL, plus every
    // verb but escalate on every resource of the RBAC group: the aggregation rule still needs
    // `*` on `*` of every group.
    let mut h = Harness::new(config());
    grant_to_joe(
        &mut h,
        "almost-admin",
        vec![
            PolicyRule::new(["*"]).urls(["*"]),
            PolicyRule::new(["create", "get", "list", "watch", "update", "delete", "bind"])
                .groups(["*"])
                .resources(["*"]),
        ],
    );
    let mut aggregated = aggregated_role();
    let reply = h.call(
        bearer("joe-token"),
        Operation::CreateClusterRole(Box::new(aggregated.clone())),
    );
    assert_eq!(
        status_message(&reply),
        (
            403,
            "clusterroles.rbac.authorization.k8s.io \"aggregated\" is forbidden: must have cluster-admin privileges to use the aggregationRule".to_owned()
        )
    );
    // An empty selector list aggregates nothing: no cluster-admin needed (the selector list is
    // then a validation matter, and an empty one is refused there).
    aggregated.aggregation_rule = Some(AggregationRule {
        cluster_role_selectors: Vec::new(),
    });
    let reply = h.call(
        bearer("joe-token"),
        Operation::CreateClusterRole(Box::new(aggregated)),
    );
    assert_eq!(reply.code(), 422, "{reply:?}");
    // A role without aggregation, within Joe's rules, needs nothing more.
    let plain = role(
        "reader",
        vec![
            PolicyRule::new(["get", "list"])
                .groups(["*"])
                .resources(["*"]),
        ],
    );
    let reply = h.call(
        bearer("joe-token"),
        Operation::CreateClusterRole(Box::new(plain)),
    );
    assert_eq!(reply.code(), 201, "{reply:?}");
}
