//! Object validation with the API server's messages (pkg/apis/rbac/validation), and the
//! escalation check's refusal text (pkg/registry/rbac/validation).
// The helpers may panic like the tests do.
#![allow(clippy::unwrap_used)]

use kube_tls_bootstrap::identity::UserInfo;
use kube_tls_bootstrap::rbac::{
    AggregationRule, BindingSubject, ClusterRole, ClusterRoleBinding, LabelSelector,
    LabelSelectorRequirement, Object, ObjectMeta, Policy, PolicyRule, Role, RoleBinding, RoleRef,
    bootstrap, parse_manifests,
};

fn message(object: impl Into<Object>) -> String {
    object.into().validate().unwrap_err().to_string()
}

#[test]
fn rules() {
    let role = |rules: Vec<PolicyRule>| Role {
        metadata: ObjectMeta::namespaced("ns", "r"),
        rules,
    };
    assert_eq!(
        message(role(vec![PolicyRule::default()])),
        "Role.rbac.authorization.k8s.io \"r\" is invalid: [rules[0].verbs: Required value: verbs \
         must contain at least one value, rules[0].apiGroups: Required value: resource rules must \
         supply at least one api group, rules[0].resources: Required value: resource rules must \
         supply at least one resource]"
    );
    assert_eq!(
        message(role(vec![
            PolicyRule::new(["get"]).urls(["/healthz"]).groups([""])
        ])),
        "Role.rbac.authorization.k8s.io \"r\" is invalid: [rules[0].nonResourceURLs: Invalid \
         value: []string{\"/healthz\"}: namespaced rules cannot apply to non-resource URLs, \
         rules[0].nonResourceURLs: Invalid value: []string{\"/healthz\"}: rules cannot apply to \
         both regular resources and non-resource URLs]"
    );
    let cluster = ClusterRole {
        metadata: ObjectMeta::named("c"),
        rules: vec![
            PolicyRule::new(["get"]).urls(["/healthz"]),
            // Current Kubernetes accepts resourceNames with several resources.
            PolicyRule::new(["get"])
                .groups([""])
                .resources(["a", "b"])
                .names(["n"]),
        ],
        aggregation_rule: None,
    };
    assert_eq!(Object::from(cluster).validate(), Ok(()));
}

#[test]
fn names_and_namespaces() {
    let role = |ns: &str, name: &str| Role {
        metadata: ObjectMeta::namespaced(ns, name),
        rules: vec![],
    };
    assert_eq!(
        message(role("", "")),
        "Role.rbac.authorization.k8s.io \"\" is invalid: [metadata.name: Required value: name or \
         generateName is required, metadata.namespace: Required value]"
    );
    assert_eq!(
        message(role("Kube_System", "a/b%")),
        "Role.rbac.authorization.k8s.io \"a/b%\" is invalid: [metadata.name: Invalid value: \
         \"a/b%\": may not contain '/', metadata.name: Invalid value: \"a/b%\": may not contain \
         '%', metadata.namespace: Invalid value: \"Kube_System\": a lowercase RFC 1123 label must \
         consist of lower case alphanumeric characters or '-', and must start and end with an \
         alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is \
         '[a-z0-9]([-a-z0-9]*[a-z0-9])?')]"
    );
    assert_eq!(
        message(ClusterRole {
            metadata: ObjectMeta::namespaced("ns", ".."),
            ..ClusterRole::default()
        }),
        "ClusterRole.rbac.authorization.k8s.io \"..\" is invalid: [metadata.name: Invalid value: \
         \"..\": may not be '..', metadata.namespace: Forbidden: not allowed on this type]"
    );
    // System names with colons are fine.
    assert_eq!(
        Object::from(role("kube-system", "system:controller:x")).validate(),
        Ok(())
    );
}

#[test]
fn bindings_and_subjects() {
    let crb = ClusterRoleBinding {
        metadata: ObjectMeta::named("b"),
        subjects: vec![
            BindingSubject::service_account("", "Default"),
            BindingSubject {
                kind: "User".into(),
                name: "".into(),
                ..BindingSubject::default()
            },
            BindingSubject {
                kind: "Robot".into(),
                name: "r".into(),
                ..BindingSubject::default()
            },
            BindingSubject {
                api_group: "x".into(),
                ..BindingSubject::service_account("ns", "sa")
            },
        ],
        role_ref: RoleRef {
            api_group: "".into(),
            kind: "Role".into(),
            name: "".into(),
        },
    };
    assert_eq!(
        message(crb),
        "ClusterRoleBinding.rbac.authorization.k8s.io \"b\" is invalid: [roleRef.apiGroup: \
         Unsupported value: \"\": supported values: \"rbac.authorization.k8s.io\", roleRef.kind: \
         Unsupported value: \"Role\": supported values: \"ClusterRole\", roleRef.name: Required \
         value, subjects[0].name: Invalid value: \"Default\": a lowercase RFC 1123 subdomain must \
         consist of lower case alphanumeric characters, '-' or '.', and must start and end with \
         an alphanumeric character (e.g. 'example.com', regex used for validation is \
         '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'), \
         subjects[0].namespace: Required value, subjects[1].name: Required value, \
         subjects[1].apiGroup: Unsupported value: \"\": supported values: \
         \"rbac.authorization.k8s.io\", subjects[2].kind: Unsupported value: \"Robot\": \
         supported values: \"ServiceAccount\", \"User\", \"Group\", subjects[3].apiGroup: \
         Unsupported value: \"x\": supported values: \"\"]"
    );
    // In a RoleBinding a ServiceAccount may leave its namespace to the binding.
    let rb = RoleBinding {
        metadata: ObjectMeta::namespaced("ns", "b"),
        subjects: vec![BindingSubject::service_account("", "default")],
        role_ref: RoleRef::role("r"),
    };
    assert_eq!(Object::from(rb.clone()).validate(), Ok(()));
    let mut changed = rb.clone();
    changed.role_ref = RoleRef::cluster_role("r");
    assert_eq!(
        Object::from(changed)
            .validate_update(&Object::from(rb))
            .unwrap_err()
            .to_string(),
        "RoleBinding.rbac.authorization.k8s.io \"b\" is invalid: roleRef: Invalid value: \
         rbac.RoleRef{APIGroup:\"rbac.authorization.k8s.io\", Kind:\"ClusterRole\", Name:\"r\"}: \
         cannot change roleRef"
    );
}

#[test]
fn aggregation_rules() {
    let role = |selectors: Vec<LabelSelector>| ClusterRole {
        metadata: ObjectMeta::named("agg"),
        rules: vec![],
        aggregation_rule: Some(AggregationRule {
            cluster_role_selectors: selectors,
        }),
    };
    assert_eq!(
        message(role(vec![])),
        "ClusterRole.rbac.authorization.k8s.io \"agg\" is invalid: \
         aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector \
         required if aggregationRule is non-nil"
    );
    let bad = LabelSelector {
        match_labels: Default::default(),
        match_expressions: vec![LabelSelectorRequirement {
            key: "k".into(),
            operator: "Equals".into(),
            values: vec![],
        }],
    };
    assert_eq!(
        message(role(vec![LabelSelector::default(), bad])),
        "ClusterRole.rbac.authorization.k8s.io \"agg\" is invalid: \
         [aggregationRule.clusterRoleSelectors[1].matchExpressions[0].operator: Invalid value: \
         \"Equals\": not a valid selector operator, aggregationRule.clusterRoleSelectors[1]: \
         Invalid value: null: invalid label selector.]"
    );
}

#[test]
fn every_bootstrap_object_is_valid() {
    let objects = bootstrap::csr_cluster_roles()
        .into_iter()
        .map(Object::from)
        .chain(bootstrap::kubeadm_bindings().into_iter().map(Object::from))
        .chain([bootstrap::certificate_controller_binding().into()]);
    for object in objects {
        assert_eq!(object.validate(), Ok(()), "{object:?}");
    }
}

#[test]
fn escalation_check() {
    let policy = Policy::from_objects(
        parse_manifests(
            r#"[
 {"kind":"ClusterRole","metadata":{"name":"csr-admin"},"rules":[
   {"verbs":["*"],"apiGroups":["certificates.k8s.io"],"resources":["certificatesigningrequests","certificatesigningrequests/*"]},
   {"verbs":["approve"],"apiGroups":["certificates.k8s.io"],"resources":["signers"],"resourceNames":["kubernetes.io/kube-apiserver-client-kubelet"]}]},
 {"kind":"ClusterRoleBinding","metadata":{"name":"csr-admins"},"roleRef":{"kind":"ClusterRole","name":"csr-admin"},"subjects":[{"kind":"Group","name":"csr-admins"}]},
 {"kind":"ClusterRoleBinding","metadata":{"name":"dangling"},"roleRef":{"kind":"ClusterRole","name":"gone"},"subjects":[{"kind":"User","name":"ann"}]}
]"#,
        )
        .unwrap()
        .objects,
    );
    let ann = UserInfo::new("ann", ["csr-admins", "system:authenticated"]);
    // Everything in the bootstrapper role is held.
    assert_eq!(
        policy.confirm_no_escalation(&ann, "", &bootstrap::csr_cluster_roles()[0].rules),
        Ok(())
    );
    // `certificatesigningrequests/*` is literal: it does not cover `/nodeclient`.
    let err = policy
        .confirm_no_escalation(&ann, "", &bootstrap::csr_cluster_roles()[1].rules)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "user \"ann\" (groups=[\"csr-admins\" \"system:authenticated\"]) is attempting to grant \
         RBAC permissions not currently held:\n{APIGroups:[\"certificates.k8s.io\"], \
         Resources:[\"certificatesigningrequests/nodeclient\"], Verbs:[\"create\"]}; resolution \
         errors: [clusterrole.rbac.authorization.k8s.io \"gone\" not found]"
    );
    // The controller role asks for much more; missing rules are compacted and sorted.
    let err = policy
        .confirm_no_escalation(&ann, "", &bootstrap::certificate_controller_role().rules)
        .unwrap_err();
    let text = err.to_string();
    let lines: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(
        lines,
        [
            "{APIGroups:[\"\"], Resources:[\"events\"], Verbs:[\"create\" \"patch\" \"update\"]}",
            "{APIGroups:[\"authorization.k8s.io\"], Resources:[\"subjectaccessreviews\"], Verbs:[\"create\"]}",
            "{APIGroups:[\"certificates.k8s.io\"], Resources:[\"certificatesigningrequests/approval\"], Verbs:[\"update\"]}",
            "{APIGroups:[\"certificates.k8s.io\"], Resources:[\"certificatesigningrequests/status\"], Verbs:[\"update\"]}",
            "{APIGroups:[\"certificates.k8s.io\"], Resources:[\"signers\"], ResourceNames:[\"kubernetes.io/kube-apiserver-client\"], Verbs:[\"sign\"]}",
            "{APIGroups:[\"certificates.k8s.io\"], Resources:[\"signers\"], ResourceNames:[\"kubernetes.io/kube-apiserver-client-kubelet\"], Verbs:[\"sign\"]}",
            "{APIGroups:[\"certificates.k8s.io\"], Resources:[\"signers\"], ResourceNames:[\"kubernetes.io/kubelet-serving\"], Verbs:[\"sign\"]}",
            "{APIGroups:[\"certificates.k8s.io\"], Resources:[\"signers\"], ResourceNames:[\"kubernetes.io/legacy-unknown\"], Verbs:[\"sign\"]}",
            "{APIGroups:[\"events.k8s.io\"], Resources:[\"events\"], Verbs:[\"create\" \"patch\" \"update\"]}; resolution errors: [clusterrole.rbac.authorization.k8s.io \"gone\" not found]",
        ]
    );
    assert_eq!(err.missing.len(), 13);
}
