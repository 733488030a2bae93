//! The bootstrap policy as golden YAML, and `kubectl create clusterrolebinding` against the
//! real kubectl's `--dry-run=client -o yaml|json` output.
// The test reads (and, when blessing, writes) its golden files in tests/data.
#![allow(clippy::disallowed_methods, clippy::unwrap_used)]

use kube_tls_bootstrap::identity::UserInfo;
use kube_tls_bootstrap::rbac::bootstrap::{self, CreateBindingError, CreateClusterRoleBinding};
use kube_tls_bootstrap::rbac::{
    Attributes, Authorize, Object, Policy, list_to_yaml, parse_manifests,
};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/rbac");

fn golden(name: &str, actual: &str) {
    let path = format!("{DATA}/{name}");
    if std::env::var_os("RBAC_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap();
    assert_eq!(actual, expected, "{name}");
}

#[test]
fn bootstrap_policy_golden() {
    let roles: Vec<Object> = bootstrap::csr_cluster_roles()
        .into_iter()
        .map(Into::into)
        .collect();
    let names: Vec<&str> = roles.iter().map(|r| r.metadata().name.as_str()).collect();
    assert_eq!(
        names,
        [
            "system:node-bootstrapper",
            "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
            "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
            "system:certificates.k8s.io:legacy-unknown-approver",
            "system:certificates.k8s.io:kubelet-serving-approver",
            "system:certificates.k8s.io:kube-apiserver-client-approver",
            "system:certificates.k8s.io:kube-apiserver-client-kubelet-approver",
            "system:controller:certificate-controller",
        ]
    );
    let mut all = roles.clone();
    all.push(bootstrap::certificate_controller_binding().into());
    let yaml = list_to_yaml(&all);
    golden("bootstrap-policy.yaml", &yaml);
    assert_eq!(parse_manifests(&yaml).unwrap().objects, all);
    for object in &all {
        object.validate().unwrap();
    }
}

#[test]
fn certificate_controller_matches_kubernetes_golden_file() {
    let role: Object = bootstrap::certificate_controller_role().into();
    let list = list_to_yaml(&[role]);
    let item: String = list
        .lines()
        .skip_while(|l| *l != "items:")
        .skip(1)
        .take_while(|l| *l != "kind: List")
        .map(|l| format!("{l}\n"))
        .collect();
    let kubernetes = std::fs::read_to_string(format!(
        "{DATA}/kubernetes/controller-roles.certificate-controller.yaml"
    ))
    .unwrap();
    assert_eq!(item, kubernetes);
}

#[test]
fn kubeadm_bindings_golden_and_behaviour() {
    let bindings: Vec<Object> = bootstrap::kubeadm_bindings()
        .into_iter()
        .map(Into::into)
        .collect();
    golden("kubeadm-bindings.yaml", &list_to_yaml(&bindings));
    let mut objects: Vec<Object> = bootstrap::csr_cluster_roles()
        .into_iter()
        .map(Into::into)
        .collect();
    objects.extend(bindings);
    let policy = Policy::from_objects(objects);
    let token = UserInfo::new(
        "system:bootstrap:abcdef",
        [bootstrap::KUBEADM_NODE_TOKEN_GROUP, "system:authenticated"],
    );
    let node = UserInfo::new("system:node:n1", ["system:nodes", "system:authenticated"]);
    let csr = |user: &UserInfo, verb: &str, sub: &str| {
        Attributes::resource(
            user.clone(),
            verb,
            "certificates.k8s.io",
            "certificatesigningrequests",
        )
        .with_subresource(sub)
    };
    let reason = |a: &Attributes| policy.authorize(a).reason().to_owned();
    assert_eq!(
        reason(&csr(&token, "create", "")),
        "RBAC: allowed by ClusterRoleBinding \"kubeadm:kubelet-bootstrap\" of ClusterRole \
         \"system:node-bootstrapper\" to Group \"system:bootstrappers:kubeadm:default-node-token\""
    );
    assert_eq!(
        reason(&csr(&token, "create", "nodeclient")),
        "RBAC: allowed by ClusterRoleBinding \"kubeadm:node-autoapprove-bootstrap\" of ClusterRole \
         \"system:certificates.k8s.io:certificatesigningrequests:nodeclient\" to Group \
         \"system:bootstrappers:kubeadm:default-node-token\""
    );
    assert_eq!(
        reason(&csr(&node, "create", "selfnodeclient")),
        "RBAC: allowed by ClusterRoleBinding \"kubeadm:node-autoapprove-certificate-rotation\" of \
         ClusterRole \"system:certificates.k8s.io:certificatesigningrequests:selfnodeclient\" to \
         Group \"system:nodes\""
    );
    assert!(
        !policy
            .authorize(&csr(&node, "create", "nodeclient"))
            .is_allowed()
    );
    assert!(
        !policy
            .authorize(&csr(&token, "create", "selfnodeclient"))
            .is_allowed()
    );
    assert!(!policy.authorize(&csr(&token, "delete", "")).is_allowed());
}

#[test]
fn create_clusterrolebinding_matches_kubectl() {
    let cases = std::fs::read_to_string(format!("{DATA}/kubectl/cases.txt")).unwrap();
    let mut count = 0;
    for line in cases.lines() {
        let (case, args) = line.split_once('\t').unwrap();
        let args: Vec<String> = serde_json::from_str(args).unwrap();
        let mut builder = None;
        let mut name = String::new();
        let (mut users, mut groups, mut sas) = (vec![], vec![], vec![]);
        let mut role = String::new();
        for arg in &args {
            if let Some(v) = arg.strip_prefix("--clusterrole=") {
                role = v.to_owned();
            } else if let Some(v) = arg.strip_prefix("--user=") {
                users.push(v.to_owned());
            } else if let Some(v) = arg.strip_prefix("--group=") {
                groups.push(v.to_owned());
            } else if let Some(v) = arg.strip_prefix("--serviceaccount=") {
                sas.push(v.to_owned());
            } else {
                name = arg.clone();
            }
        }
        // Flags are given in any order on the command line; kubectl groups them by kind.
        let mut b = CreateClusterRoleBinding::new(name, role);
        for u in users {
            b = b.user(u);
        }
        for g in groups {
            b = b.group(g);
        }
        for s in sas {
            b = b.service_account(s);
        }
        builder.replace(b);
        let b = builder.unwrap();
        let yaml = std::fs::read_to_string(format!("{DATA}/kubectl/{case}.yaml")).unwrap();
        let json = std::fs::read_to_string(format!("{DATA}/kubectl/{case}.json")).unwrap();
        assert_eq!(b.dry_run_yaml().unwrap(), yaml, "{case}.yaml");
        assert_eq!(b.dry_run_json().unwrap(), json, "{case}.json");
        // What kubectl prints reads back as the binding the builder makes.
        let read = parse_manifests(&yaml).unwrap().objects;
        assert_eq!(read, [Object::from(b.build().unwrap())], "{case}");
        count += 1;
    }
    assert_eq!(count, 6);
}

#[test]
fn create_clusterrolebinding_errors() {
    for bad in ["ab", "a:b:c", ":b", "a:", ":"] {
        let e = CreateClusterRoleBinding::new("x", "r")
            .service_account(bad)
            .dry_run_yaml()
            .unwrap_err();
        assert_eq!(
            e,
            CreateBindingError::ServiceAccount {
                value: bad.to_owned()
            }
        );
        // kubectl prints `error: ` before it.
        assert_eq!(e.to_string(), "serviceaccount must be <namespace>:<name>");
    }
}
