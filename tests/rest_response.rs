//! Responses byte for byte: discovery documents, `/version`, lists, watch events, Status, and
//! the server-side Tables of `kubectl get`.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is a test failure

use kube_tls_bootstrap::csr::{self, CertificateSigningRequest};
use kube_tls_bootstrap::node::{Node, NodeAddress};
use kube_tls_bootstrap::rbac::{BindingSubject, ClusterRole, ClusterRoleBinding, RoleRef};
use kube_tls_bootstrap::rest::{
    self, Discovery, EventType, GroupVersion, Rejection, Resource, TableVersion, VersionInfo,
    discovery, table,
};
use kube_tls_bootstrap::time::Timestamp;

fn text(r: rest::Response) -> String {
    assert_eq!(r.content_type, "application/json");
    String::from_utf8(r.body).unwrap()
}

#[test]
fn discovery_documents() {
    assert_eq!(
        text(discovery::document(Discovery::Apis, "x")),
        concat!(
            r#"{"kind":"APIGroupList","apiVersion":"v1","groups":["#,
            r#"{"name":"authentication.k8s.io","versions":[{"groupVersion":"authentication.k8s.io/v1","version":"v1"}],"preferredVersion":{"groupVersion":"authentication.k8s.io/v1","version":"v1"}},"#,
            r#"{"name":"authorization.k8s.io","versions":[{"groupVersion":"authorization.k8s.io/v1","version":"v1"}],"preferredVersion":{"groupVersion":"authorization.k8s.io/v1","version":"v1"}},"#,
            r#"{"name":"certificates.k8s.io","versions":[{"groupVersion":"certificates.k8s.io/v1","version":"v1"}],"preferredVersion":{"groupVersion":"certificates.k8s.io/v1","version":"v1"}},"#,
            r#"{"name":"rbac.authorization.k8s.io","versions":[{"groupVersion":"rbac.authorization.k8s.io/v1","version":"v1"}],"preferredVersion":{"groupVersion":"rbac.authorization.k8s.io/v1","version":"v1"}}]}"#,
        )
    );
    assert_eq!(
        text(discovery::document(
            Discovery::Group(GroupVersion::RbacV1),
            "x"
        )),
        r#"{"kind":"APIGroup","apiVersion":"v1","name":"rbac.authorization.k8s.io","versions":[{"groupVersion":"rbac.authorization.k8s.io/v1","version":"v1"}],"preferredVersion":{"groupVersion":"rbac.authorization.k8s.io/v1","version":"v1"}}"#
    );
    assert_eq!(
        text(discovery::document(
            Discovery::Resources(GroupVersion::CoreV1),
            "x"
        )),
        concat!(
            r#"{"kind":"APIResourceList","groupVersion":"v1","resources":["#,
            r#"{"name":"nodes","singularName":"node","namespaced":false,"kind":"Node","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["no"]},"#,
            r#"{"name":"nodes/status","singularName":"","namespaced":false,"kind":"Node","verbs":["get","patch","update"]}]}"#,
        )
    );
    assert_eq!(
        text(discovery::document(
            Discovery::Resources(GroupVersion::RbacV1),
            "x"
        )),
        concat!(
            r#"{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"rbac.authorization.k8s.io/v1","resources":["#,
            r#"{"name":"clusterrolebindings","singularName":"clusterrolebinding","namespaced":false,"kind":"ClusterRoleBinding","verbs":["create","delete","deletecollection","get","list","patch","update","watch"]},"#,
            r#"{"name":"clusterroles","singularName":"clusterrole","namespaced":false,"kind":"ClusterRole","verbs":["create","delete","deletecollection","get","list","patch","update","watch"]}]}"#,
        )
    );
    assert_eq!(
        text(discovery::document(
            Discovery::Resources(GroupVersion::AuthorizationV1),
            "x"
        )),
        r#"{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"authorization.k8s.io/v1","resources":[{"name":"selfsubjectaccessreviews","singularName":"selfsubjectaccessreview","namespaced":false,"kind":"SelfSubjectAccessReview","verbs":["create"]}]}"#
    );
    assert_eq!(
        text(discovery::document(
            Discovery::Resources(GroupVersion::AuthenticationV1),
            "x"
        )),
        r#"{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"authentication.k8s.io/v1","resources":[{"name":"selfsubjectreviews","singularName":"selfsubjectreview","namespaced":false,"kind":"SelfSubjectReview","verbs":["create"]}]}"#
    );
}

#[test]
fn version_info() {
    assert_eq!(
        text(rest::version(&VersionInfo::new("v1.32.0"))),
        r#"{"major":"1","minor":"32","gitVersion":"v1.32.0","gitCommit":"70d3cc986aa8221cd1dfb1121852688902d3bf53","gitTreeState":"clean","buildDate":"2024-12-11T17:59:15Z","goVersion":"go1.23.3","compiler":"gc","platform":"linux/amd64"}"#
    );
}

fn pending_csr() -> CertificateSigningRequest {
    let mut c = CertificateSigningRequest::new("node-csr-abc");
    c.metadata.creation_timestamp = Some(Timestamp::from_unix(1_000));
    c.metadata.resource_version = "5".into();
    c.spec.signer_name = "kubernetes.io/kube-apiserver-client-kubelet".into();
    c.spec.username = "system:bootstrap:abcdef".into();
    c.spec.expiration_seconds = Some(3600);
    c
}

#[test]
fn lists_watch_events_and_statuses() {
    let mut c = pending_csr();
    c.api_version.clear();
    c.kind.clear();
    assert_eq!(
        text(rest::list(
            Resource::CertificateSigningRequests,
            "9",
            Some("next"),
            &[c.clone()]
        )),
        r#"{"kind":"CertificateSigningRequestList","apiVersion":"certificates.k8s.io/v1","metadata":{"resourceVersion":"9","continue":"next"},"items":[{"metadata":{"name":"node-csr-abc","resourceVersion":"5","creationTimestamp":"1970-01-01T00:16:40Z"},"spec":{"request":"","signerName":"kubernetes.io/kube-apiserver-client-kubelet","expirationSeconds":3600,"username":"system:bootstrap:abcdef"},"status":{}}]}"#
    );
    assert_eq!(
        text(rest::list::<ClusterRole>(
            Resource::ClusterRoles,
            "1",
            None,
            &[]
        )),
        r#"{"kind":"ClusterRoleList","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"resourceVersion":"1"},"items":[]}"#
    );
    let line = rest::watch_event(EventType::Deleted, &c);
    assert_eq!(
        String::from_utf8(line).unwrap(),
        "{\"type\":\"DELETED\",\"object\":{\"metadata\":{\"name\":\"node-csr-abc\",\"resourceVersion\":\"5\",\"creationTimestamp\":\"1970-01-01T00:16:40Z\"},\"spec\":{\"request\":\"\",\"signerName\":\"kubernetes.io/kube-apiserver-client-kubelet\",\"expirationSeconds\":3600,\"username\":\"system:bootstrap:abcdef\"},\"status\":{}}}\n"
    );
    let bookmark = rest::watch_event(
        EventType::Bookmark,
        &serde_json::json!({"kind": "CertificateSigningRequest", "apiVersion": "certificates.k8s.io/v1", "metadata": {"resourceVersion": "12"}}),
    );
    assert!(bookmark.starts_with(b"{\"type\":\"BOOKMARK\""));
    let s = kube_tls_bootstrap::api::Status::not_found(
        &Resource::CertificateSigningRequests.group_resource(),
        "x",
    );
    let r = rest::status(&s);
    assert_eq!(r.code, 404);
    assert_eq!(
        String::from_utf8(r.body).unwrap(),
        r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"certificatesigningrequests.certificates.k8s.io \"x\" not found","reason":"NotFound","details":{"name":"x","group":"certificates.k8s.io","kind":"certificatesigningrequests"},"code":404}"#
    );
}

#[test]
fn csr_table_as_kube_apiserver_sends_it() {
    let now = Timestamp::from_unix(1_012);
    let r = table::table(
        table::Objects::CertificateSigningRequests(&[pending_csr()]),
        now,
        "9",
        TableVersion::V1,
        None,
    )
    .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(v["kind"], "Table");
    assert_eq!(v["apiVersion"], "meta.k8s.io/v1");
    assert_eq!(v["metadata"], serde_json::json!({"resourceVersion": "9"}));
    let columns: Vec<_> = v["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap(),
                c["type"].as_str().unwrap(),
                c["format"].as_str().unwrap(),
                c["priority"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        columns,
        [
            ("Name", "string", "name", 0),
            ("Age", "string", "", 0),
            ("SignerName", "string", "", 0),
            ("Requestor", "string", "", 0),
            ("RequestedDuration", "string", "", 0),
            ("Condition", "string", "", 0),
        ]
    );
    assert_eq!(
        v["columnDefinitions"][3]["description"],
        "Base64-encoded PKCS#10 CSR data"
    );
    assert_eq!(
        v["columnDefinitions"][5]["description"],
        "Conditions applied to the request, such as approval or denial."
    );
    assert_eq!(
        v["rows"],
        serde_json::json!([{
            "cells": ["node-csr-abc", "12s", "kubernetes.io/kube-apiserver-client-kubelet", "system:bootstrap:abcdef", "60m", "Pending"],
            "object": {
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": {"name": "node-csr-abc", "resourceVersion": "5", "creationTimestamp": "1970-01-01T00:16:40Z"}
            }
        }])
    );
    // The cells are exactly kubectl's row.
    assert_eq!(
        v["rows"][0]["cells"],
        serde_json::json!(csr::kubectl::row(&pending_csr(), now))
    );

    // includeObject=Object: the whole object with kind and apiVersion; None: no object.
    let full = table::table_value(
        table::Objects::CertificateSigningRequests(&[pending_csr()]),
        now,
        "9",
        TableVersion::V1beta1,
        Some("Object"),
    )
    .unwrap();
    assert_eq!(full["apiVersion"], "meta.k8s.io/v1beta1");
    assert_eq!(
        full["rows"][0]["object"]["kind"],
        "CertificateSigningRequest"
    );
    assert_eq!(
        full["rows"][0]["object"]["apiVersion"],
        "certificates.k8s.io/v1"
    );
    let none = table::table_value(
        table::Objects::CertificateSigningRequests(&[pending_csr()]),
        now,
        "",
        TableVersion::V1,
        Some("None"),
    )
    .unwrap();
    assert_eq!(none["metadata"], serde_json::json!({}));
    assert!(none["rows"][0].get("object").is_none());
    assert_eq!(
        table::table(
            table::Objects::Nodes(&[]),
            now,
            "",
            TableVersion::V1,
            Some("All")
        )
        .unwrap_err(),
        Rejection::BadRequest("unrecognized includeObject value: \"All\"".into())
    );
    let empty =
        table::table_value(table::Objects::Nodes(&[]), now, "3", TableVersion::V1, None).unwrap();
    assert_eq!(empty["rows"], serde_json::json!([]));
}

#[test]
fn node_and_rbac_tables() {
    let now = Timestamp::from_unix(100_000);
    let mut n = Node::new("node-1");
    n.metadata.creation_timestamp = Some(Timestamp::from_unix(100_000 - 3 * 3600));
    n.metadata
        .labels
        .insert("node-role.kubernetes.io/worker".into(), String::new());
    n.spec.unschedulable = true;
    n.set_ready(false, "KubeletNotReady", "", now);
    n.status.node_info.kubelet_version = "v1.32.0".into();
    n.status.node_info.os_image = "Debian GNU/Linux 12 (bookworm)".into();
    n.status.node_info.kernel_version = "6.1.0".into();
    n.status.node_info.container_runtime_version = "containerd://1.7.0".into();
    for (t, a) in [
        ("Hostname", "node-1"),
        ("ExternalIP", "203.0.113.9"),
        ("InternalIP", "10.0.0.7"),
        ("InternalIP", "10.0.0.8"),
    ] {
        n.status.addresses.push(NodeAddress {
            type_: t.into(),
            address: a.into(),
        });
    }
    let v =
        table::table_value(table::Objects::Nodes(&[n]), now, "", TableVersion::V1, None).unwrap();
    assert_eq!(
        v["rows"][0]["cells"],
        serde_json::json!([
            "node-1",
            "NotReady,SchedulingDisabled",
            "worker",
            "3h",
            "v1.32.0",
            "10.0.0.7",
            "203.0.113.9",
            "Debian GNU/Linux 12 (bookworm)",
            "6.1.0",
            "containerd://1.7.0"
        ])
    );
    let priorities: Vec<_> = v["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["priority"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        priorities,
        [
            ("Name", 0),
            ("Status", 0),
            ("Roles", 0),
            ("Age", 0),
            ("Version", 0),
            ("Internal-IP", 1),
            ("External-IP", 1),
            ("OS-Image", 1),
            ("Kernel-Version", 1),
            ("Container-Runtime", 1)
        ]
    );
    assert_eq!(
        v["columnDefinitions"][4]["description"],
        "Kubelet Version reported by the node."
    );

    let mut b = ClusterRoleBinding::default();
    b.metadata.name = "kubelet-bootstrap".into();
    b.role_ref = RoleRef::cluster_role("system:node-bootstrapper");
    b.subjects = vec![
        BindingSubject::user("u1"),
        BindingSubject::group("system:bootstrappers"),
        BindingSubject::service_account("kube-system", "sa"),
        BindingSubject::user("u2"),
    ];
    let v = table::table_value(
        table::Objects::ClusterRoleBindings(&[b]),
        now,
        "",
        TableVersion::V1,
        None,
    )
    .unwrap();
    assert_eq!(
        v["rows"][0]["cells"],
        serde_json::json!([
            "kubelet-bootstrap",
            "ClusterRole/system:node-bootstrapper",
            "<unknown>",
            "u1, u2",
            "system:bootstrappers",
            "kube-system/sa"
        ])
    );
    let mut role = ClusterRole::default();
    role.metadata.name = "system:node-bootstrapper".into();
    role.metadata.creation_timestamp = Some(Timestamp::from_unix(0));
    let v = table::table_value(
        table::Objects::ClusterRoles(&[role]),
        now,
        "",
        TableVersion::V1,
        None,
    )
    .unwrap();
    assert_eq!(
        v["rows"][0]["cells"],
        serde_json::json!(["system:node-bootstrapper", "1970-01-01T00:00:00Z"])
    );
    assert_eq!(v["columnDefinitions"][1]["type"], "date");
}
