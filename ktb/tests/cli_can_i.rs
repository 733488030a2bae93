//! `ktb can-i` as a process over kubectl-made manifests: the default policy, kubectl's
//! resource resolution and warnings, TYPE/NAME, --subresource, -q, --list, several files,
//! BOM, multi-document YAML, kubectl's JSON stream, empty input, -v.

#![allow(clippy::disallowed_methods, clippy::unwrap_used)] // a test: reads its fixtures, a panic is a failure

mod common;

use common::{expect, ktb, ktb_with_stdin};

const CSR_WARNING: &str = "Warning: resource 'certificatesigningrequests' is not namespace scoped in group 'certificates.k8s.io'\n";

#[test]
fn the_bootstrap_group_may_create_csrs_through_the_default_role() {
    let args = [
        "can-i",
        "-f",
        "crb-bootstrap.yaml",
        "--as",
        "system:bootstrap:abcdef",
        "--as-group",
        "system:bootstrappers",
        "create",
        "csr",
    ];
    expect(&ktb(&args), "yes\n", CSR_WARNING, 0);
    // Without the default roles the binding points at nothing, as the -v evidence says.
    let mut without = args.to_vec();
    without.extend(["--no-default-policy", "-v"]);
    expect(
        &ktb(&without),
        "no - RBAC: clusterrole.rbac.authorization.k8s.io \"system:node-bootstrapper\" not found
ClusterRoleBinding \"kubelet-bootstrap\" names Group \"system:bootstrappers\", but: clusterrole.rbac.authorization.k8s.io \"system:node-bootstrapper\" not found
a rule that would allow it: {APIGroups:[\"certificates.k8s.io\"], Resources:[\"certificatesigningrequests\"], Verbs:[\"create\"]}
",
        CSR_WARNING,
        1,
    );
}

#[test]
fn verbose_names_the_granting_binding_across_several_files() {
    expect(
        &ktb(&[
            "can-i",
            "-f",
            "crb-bootstrap.yaml",
            "--manifests=crb-autoapprove.json",
            "--as-group",
            "system:bootstrappers",
            "create",
            "certificatesigningrequests",
            "--subresource",
            "nodeclient",
            "-A",
            "-v",
        ]),
        "yes
allowed by ClusterRoleBinding \"node-autoapprove-bootstrap\" (subject Group \"system:bootstrappers\"): rule 0 of ClusterRole \"system:certificates.k8s.io:certificatesigningrequests:nodeclient\": {APIGroups:[\"certificates.k8s.io\"], Resources:[\"certificatesigningrequests/nodeclient\"], Verbs:[\"create\"]}
",
        "",
        0,
    );
    expect(
        &ktb(&[
            "can-i",
            "-f",
            "multi.yaml",
            "--as",
            "alice",
            "get",
            "pods/web-1",
            "-n",
            "dev",
            "--subresource=log",
            "-v",
        ]),
        "yes
allowed by RoleBinding \"alice-reads-pods\" in \"dev\" (subject User \"alice\"): rule 0 of Role \"pod-reader\": {APIGroups:[\"\"], Resources:[\"pods\" \"pods/log\"], Verbs:[\"get\" \"list\"]}
",
        "",
        0,
    );
}

#[test]
fn resources_resolve_as_kubectl_resolves_them() {
    for type_arg in [
        "csr",
        "CSR",
        "certificatesigningrequest",
        "CertificateSigningRequest",
        "csr.certificates.k8s.io",
        "certificatesigningrequests.v1.certificates.k8s.io",
    ] {
        let run = ktb(&[
            "can-i",
            "-f",
            "crb-bootstrap.yaml",
            "--as-group=system:bootstrappers",
            "list",
            type_arg,
        ]);
        expect(&run, "yes\n", CSR_WARNING, 0);
    }
    // A name no built-in resource has is refused, not guessed into the core group.
    expect(
        &ktb(&["can-i", "-f", "multi.yaml", "get", "widgets"]),
        "",
        "ktb can-i: the server doesn't have a resource type 'widgets' (not a built-in resource of Kubernetes v1.32; give a custom resource as TYPE.VERSION.GROUP)\n",
        2,
    );
    expect(
        &ktb(&[
            "can-i",
            "-f",
            "multi.yaml",
            "get",
            "csr.v2.certificates.k8s.io",
        ]),
        "",
        "ktb can-i: the server doesn't have a resource type 'csr' in group 'v2.certificates.k8s.io' (not a built-in resource of Kubernetes v1.32; give a custom resource as TYPE.VERSION.GROUP)\n",
        2,
    );
    expect(
        &ktb(&["can-i", "-f", "multi.yaml", "get", "widgets.v1.example.com"]),
        "no\n",
        "",
        1,
    );
    // kubectl's warnings: a cluster-scoped resource in a namespace, an unknown verb.
    expect(
        &ktb(&[
            "can-i",
            "-f",
            "multi.yaml",
            "--as-group",
            "system:masters",
            "get",
            "nodes",
            "-q",
        ]),
        "",
        "Warning: resource 'nodes' is not namespace scoped\n",
        0,
    );
    expect(
        &ktb(&[
            "can-i",
            "-f",
            "multi.yaml",
            "--as",
            "alice",
            "frob",
            "pods",
            "-n",
            "dev",
        ]),
        "no\n",
        "Warning: verb 'frob' is not a known verb\n",
        1,
    );
    expect(
        &ktb(&[
            "can-i",
            "-f",
            "multi.yaml",
            "--as",
            "alice",
            "get",
            "/healthz",
        ]),
        "no\n",
        "",
        1,
    );
}

#[test]
fn manifests_are_read_as_kubectl_reads_them() {
    let alice = |file: &str| {
        ktb(&[
            "can-i", "-f", file, "--as", "alice", "list", "po", "-n", "dev",
        ])
    };
    // Multi-document YAML and kubectl's concatenated JSON stream carry both objects.
    expect(&alice("multi.yaml"), "yes\n", "", 0);
    expect(&alice("labeled-stream.json"), "yes\n", "", 0);
    // kubectl's `label -o yaml` output has no `---`: kubectl reads back the RoleBinding alone.
    expect(
        &alice("labeled.yaml"),
        "no - RBAC: role.rbac.authorization.k8s.io \"pod-reader\" not found\n",
        "",
        1,
    );
    expect(
        &ktb(&[
            "can-i",
            "-f",
            "bom.yaml",
            "--as-group",
            "system:bootstrappers",
            "-A",
            "get",
            "CertificateSigningRequest",
        ]),
        "yes\n",
        "",
        0,
    );
    expect(
        &ktb(&[
            "can-i",
            "-f",
            "stream.json",
            "--as-group=system:bootstrappers",
            "-A",
            "create",
            "certificatesigningrequests.v1.certificates.k8s.io",
            "--subresource",
            "nodeclient",
        ]),
        "yes\n",
        "",
        0,
    );
    // Standard input.
    let yaml = std::fs::read(common::data().join("multi.yaml")).unwrap();
    expect(
        &ktb_with_stdin(
            &[
                "can-i", "--as", "alice", "-f", "-", "-n", "dev", "get", "pods",
            ],
            &yaml,
        ),
        "yes\n",
        "",
        0,
    );
}

#[test]
fn empty_and_broken_inputs_are_errors() {
    expect(
        &ktb(&["can-i", "-f", "empty.yaml", "get", "pods"]),
        "",
        "ktb can-i: empty.yaml: no objects in the file (an empty manifest grants nothing)\n",
        2,
    );
    expect(
        &ktb_with_stdin(&["can-i", "-f", "-", "get", "pods"], b"\n{\"kind\": }\n"),
        "",
        "ktb can-i: -:2:10: invalid JSON: expected value\n",
        2,
    );
    expect(
        &ktb_with_stdin(
            &["can-i", "-f", "-", "get", "pods"],
            b"kind: Role\nrules: [\n",
        ),
        "",
        "ktb can-i: -:3:1: invalid YAML in document 1: did not find expected node content at line 3 column 1, while parsing a flow node\n",
        2,
    );
    expect(
        &ktb(&["can-i", "-f", "missing.yaml", "get", "pods"]),
        "",
        "ktb can-i: missing.yaml: no such file or directory\n",
        2,
    );
}

#[test]
fn list_prints_kubectls_table() {
    expect(
        &ktb(&[
            "can-i",
            "-f",
            "multi.yaml",
            "--as",
            "alice",
            "--list",
            "-n",
            "dev",
        ]),
        "Resources   Non-Resource URLs   Resource Names   Verbs
pods/log    []                  []               [get list]
pods        []                  []               [get list]
",
        "",
        0,
    );
    expect(
        &ktb(&[
            "can-i",
            "-f",
            "multi.yaml",
            "--as",
            "alice",
            "--list",
            "-n",
            "dev",
            "--no-headers",
        ]),
        "pods/log   []        []        [get list]
pods       []        []        [get list]
",
        "",
        0,
    );
    expect(
        &ktb(&[
            "can-i",
            "-f",
            "multi.yaml",
            "--as-group",
            "system:masters",
            "--list",
        ]),
        "Resources   Non-Resource URLs   Resource Names   Verbs
*.*         []                  []               [*]
            [*]                 []               [*]
",
        "",
        0,
    );
    expect(
        &ktb(&[
            "can-i",
            "-f",
            "multi.yaml",
            "--as",
            "system:node:n1",
            "--as-group",
            "system:nodes",
            "--list",
        ]),
        "Resources   Non-Resource URLs   Resource Names   Verbs\n",
        "Warning: the list may be incomplete: node authorizer does not support user rule resolution\n",
        0,
    );
    expect(
        &ktb(&["can-i", "-f", "multi.yaml", "--list", "get", "pods"]),
        "",
        "ktb can-i: list option must be specified with no arguments\nSee 'ktb can-i --help' for help and examples.\n",
        2,
    );
    expect(
        &ktb(&["can-i", "-f", "multi.yaml", "--list", "-q"]),
        "",
        "ktb can-i: list option can't be specified with neither quiet, all-namespaces nor subresource options\nSee 'ktb can-i --help' for help and examples.\n",
        2,
    );
}

#[test]
fn the_node_authorizer_and_system_masters_answer_first() {
    expect(
        &ktb(&[
            "can-i",
            "-f",
            "multi.yaml",
            "--as",
            "system:node:n1",
            "--as-group",
            "system:nodes",
            "create",
            "csr",
            "-A",
            "-v",
        ]),
        "yes\nallowed by the Node authorizer (nodes may create, get, list and watch CSRs)\n",
        "",
        0,
    );
    expect(
        &ktb(&[
            "can-i",
            "-f",
            "multi.yaml",
            "--as-group",
            "system:masters",
            "impersonate",
            "users",
        ]),
        "yes\n",
        "",
        0,
    );
}

/// kubectl itself reads each manifest file offline and names the objects `can-i` loads.
#[test]
#[ignore = "needs the kubectl binary (run by .ci/run)"]
fn kubectl_reads_the_manifests_as_can_i_does() {
    for (file, names) in [
        (
            "crb-bootstrap.yaml",
            &["clusterrolebinding.rbac.authorization.k8s.io/kubelet-bootstrap"][..],
        ),
        (
            "bom.yaml",
            &["clusterrolebinding.rbac.authorization.k8s.io/kubelet-bootstrap"],
        ),
        (
            "stream.json",
            &[
                "clusterrolebinding.rbac.authorization.k8s.io/kubelet-bootstrap",
                "clusterrolebinding.rbac.authorization.k8s.io/node-autoapprove-bootstrap",
            ],
        ),
        (
            "multi.yaml",
            &[
                "role.rbac.authorization.k8s.io/pod-reader",
                "rolebinding.rbac.authorization.k8s.io/alice-reads-pods",
            ],
        ),
        (
            "labeled-stream.json",
            &[
                "role.rbac.authorization.k8s.io/pod-reader",
                "rolebinding.rbac.authorization.k8s.io/alice-reads-pods",
            ],
        ),
        (
            "labeled.yaml",
            &["rolebinding.rbac.authorization.k8s.io/alice-reads-pods"],
        ),
    ] {
        let out = std::process::Command::new("kubectl")
            .args(["label", "--local", "-f", file, "-o", "name", "checked=yes"])
            .current_dir(common::data())
            .output()
            .expect("kubectl runs");
        assert!(
            out.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let expected: String = names.iter().map(|n| format!("{n}\n")).collect();
        assert_eq!(String::from_utf8(out.stdout).unwrap(), expected, "{file}");
    }
    // The binding kubectl makes is what the committed file holds.
    let out = std::process::Command::new("kubectl")
        .args([
            "create",
            "clusterrolebinding",
            "kubelet-bootstrap",
            "--clusterrole=system:node-bootstrapper",
            "--group=system:bootstrappers",
            "--dry-run=client",
            "-o",
            "yaml",
        ])
        .output()
        .expect("kubectl runs");
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        std::fs::read_to_string(common::data().join("crb-bootstrap.yaml")).unwrap()
    );
}

/// The batch form answers the Go peer's cross-check requests with the peer's exact reasons,
/// with the default policy loaded (visited after the manifests) and without it.
#[test]
fn batch_json_matches_the_go_peer_with_and_without_the_default_policy() {
    let expected =
        std::fs::read_to_string(common::data().join("../rbac/crosscheck.expected.jsonl")).unwrap();
    for extra in [&[][..], &["--no-default-policy"]] {
        let mut args = vec![
            "can-i",
            "-f",
            "../rbac/crosscheck.manifests.json",
            "--json",
            "--requests=../rbac/crosscheck.requests.jsonl",
        ];
        args.extend(extra);
        let run = ktb(&args);
        assert_eq!(run.stdout, expected, "{extra:?}");
        assert_eq!(run.status, Some(1));
        assert_eq!(
            run.stderr.lines().next().unwrap(),
            "ktb can-i: warning: ../rbac/crosscheck.manifests.json: skipping object of kind \"ConfigMap\" (name \"ignored\")"
        );
    }
}
