//! `ktb get-csr`: JSON and YAML documents, kubectl's `No resources found`, the field named
//! when base64 is invalid, errors with file, line and column.

mod common;

use common::{expect, ktb, ktb_with_stdin};

const TABLE: &str = "NAME                                                   AGE     SIGNERNAME                                    REQUESTOR                 REQUESTEDDURATION   CONDITION
csr-8b2tm                                              12s     kubernetes.io/kube-apiserver-client-kubelet   system:bootstrap:abcdef   <none>              Approved,Issued
csr-w7x2q                                              5m12s   kubernetes.io/kube-apiserver-client-kubelet   system:bootstrap:abcdef   <none>              Pending
node-csr-0tRhg-_1uok9-hP7gr-IyJ2B31uJd7ku2jgfJkyXUsU   27h     kubernetes.io/kube-apiserver-client-kubelet   system:bootstrap:07401b   <none>              Denied
csr-4zq9c                                              90m     kubernetes.io/kube-apiserver-client-kubelet   system:node:worker-1      <none>              Approved,Failed
csr-p5m6n                                              90d     kubernetes.io/kubelet-serving                 system:node:worker-1      7d                  Pending
e2e-example-csr-abcde                                  72s     example.com/e2e-csr-1234                      kubernetes-admin          60m                 Pending
";

#[test]
fn json_and_yaml_print_the_same_table() {
    let now = "--now=2025-03-01T12:30:12Z";
    expect(&ktb(&["get-csr", now, "../csr/list.json"]), TABLE, "", 0);
    expect(
        &ktb(&["get-csr", "csr-list.yaml", "--now", "2025-03-01T12:30:12Z"]),
        TABLE,
        "",
        0,
    );
    // Two YAML documents: a list of both, the columns as wide as their rows.
    expect(
        &ktb(&["get-csr", now, "csr-two-documents.yaml"]),
        "NAME        AGE     SIGNERNAME                                    REQUESTOR                 REQUESTEDDURATION   CONDITION
csr-8b2tm   12s     kubernetes.io/kube-apiserver-client-kubelet   system:bootstrap:abcdef   <none>              Approved,Issued
csr-w7x2q   5m12s   kubernetes.io/kube-apiserver-client-kubelet   system:bootstrap:abcdef   <none>              Pending
",
        "",
        0,
    );
}

#[test]
fn an_empty_list_says_no_resources_found() {
    expect(
        &ktb(&["get-csr", "../csr/empty-list.json"]),
        "",
        "No resources found\n",
        0,
    );
    expect(
        &ktb_with_stdin(
            &["get-csr", "-"],
            b"apiVersion: v1\nkind: List\nitems: []\n",
        ),
        "",
        "No resources found\n",
        0,
    );
}

#[test]
fn errors_name_the_field_or_the_place() {
    expect(
        &ktb(&["get-csr", "csr-bad-base64.json"]),
        "",
        "ktb get-csr: csr-bad-base64.json: items[1].spec.request: invalid base64: Invalid symbol 33, offset 16.\n",
        1,
    );
    expect(
        &ktb_with_stdin(&["get-csr", "-"], b"{\"kind\": }"),
        "",
        "ktb get-csr: -:1:10: expected value\n",
        1,
    );
    expect(
        &ktb_with_stdin(&["get-csr", "-"], b"a: ["),
        "",
        "ktb get-csr: -:2:1: invalid YAML in document 1: did not find expected node content at line 2 column 1, while parsing a flow node\n",
        1,
    );
    expect(
        &ktb(&["get-csr", "missing.json"]),
        "",
        "ktb get-csr: missing.json: no such file or directory\n",
        1,
    );
    let run = ktb(&["get-csr", "--now", "yesterday", "csr-list.yaml"]);
    assert_eq!(run.status, Some(2));
    assert!(
        run.stderr.starts_with("ktb get-csr: --now: "),
        "{}",
        run.stderr
    );
}
