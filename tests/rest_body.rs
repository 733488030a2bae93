//! Request bodies as the API server reads them: the protobuf bodies the real kubectl sent
//! (tests/data/rest/*.pb), JSON and YAML, and the 400/413/415 answers with their texts.
#![allow(clippy::disallowed_methods)] // reads the golden files
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is a test failure

use kube_tls_bootstrap::csr::{ConditionType, Usage};
use kube_tls_bootstrap::rest::{
    self, Body, HttpRequest, MAX_BODY_BYTES, PatchType, Rejection, ResourceRoute, Route,
};

fn route(method: &str, target: &str) -> ResourceRoute {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    match rest::route(&HttpRequest {
        method,
        path,
        query,
        accept: None,
    }) {
        Ok(Route::Resource(r)) => *r,
        other => panic!("{other:?}"),
    }
}

fn golden(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/data/rest/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

const PROTOBUF: Option<&str> = Some("application/vnd.kubernetes.protobuf");
const CSRS: &str = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
const CRBS: &str = "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings";

fn bad_request(r: Result<Body, Rejection>) -> String {
    match r {
        Err(Rejection::BadRequest(m)) => m,
        other => panic!("{other:?}"),
    }
}

#[test]
fn kubectl_create_clusterrolebinding_protobuf() {
    let r = route("POST", CRBS);
    let Body::ClusterRoleBinding(b) = rest::decode_body(
        &r,
        PROTOBUF,
        &golden("kubectl-create-clusterrolebinding.0.pb"),
    )
    .unwrap() else {
        panic!()
    };
    assert_eq!(b.metadata.name, "kubelet-bootstrap");
    assert_eq!(
        (
            b.role_ref.api_group.as_str(),
            b.role_ref.kind.as_str(),
            b.role_ref.name.as_str()
        ),
        (
            "rbac.authorization.k8s.io",
            "ClusterRole",
            "system:node-bootstrapper"
        )
    );
    assert_eq!(b.subjects.len(), 1);
    let s = &b.subjects[0];
    assert_eq!(
        (
            s.kind.as_str(),
            s.api_group.as_str(),
            s.name.as_str(),
            s.namespace.as_str()
        ),
        ("User", "rbac.authorization.k8s.io", "kubelet-bootstrap", "")
    );
}

#[test]
fn kubectl_certificate_approve_protobuf() {
    let r = route("PUT", &format!("{CSRS}/node-csr-abc/approval"));
    let Body::CertificateSigningRequest(c) =
        rest::decode_body(&r, PROTOBUF, &golden("kubectl-certificate-approve.0.pb")).unwrap()
    else {
        panic!()
    };
    assert_eq!(c.metadata.name, "node-csr-abc");
    assert_eq!(c.metadata.resource_version, "1");
    assert_eq!(
        c.metadata.creation_timestamp.unwrap().to_rfc3339(),
        "2025-06-15T15:06:28Z"
    );
    assert_eq!(
        c.spec.signer_name,
        "kubernetes.io/kube-apiserver-client-kubelet"
    );
    assert_eq!(c.spec.username, "kubelet-bootstrap");
    assert_eq!(
        c.spec.usages,
        vec![
            Usage::parse("digital signature"),
            Usage::parse("client auth")
        ]
    );
    assert!(
        c.spec
            .request
            .starts_with(b"-----BEGIN CERTIFICATE REQUEST-----\n")
    );
    assert_eq!(c.spec.expiration_seconds, None);
    let cond = &c.status.conditions[..];
    assert_eq!(cond.len(), 1);
    assert_eq!(cond[0].type_, ConditionType::Approved);
    assert_eq!(cond[0].status.as_str(), "True");
    assert_eq!(cond[0].reason, "KubectlApprove");
    assert_eq!(
        cond[0].message,
        "This CSR was approved by kubectl certificate approve."
    );
    // kubectl stamps its own clock: present, whatever it was.
    assert!(cond[0].last_update_time.is_some());
    assert!(c.status.certificate.is_empty());
}

#[test]
fn kubectl_auth_reviews_protobuf() {
    let r = route(
        "POST",
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
    );
    let Body::SelfSubjectAccessReview(review) =
        rest::decode_body(&r, PROTOBUF, &golden("kubectl-auth-can-i.0.pb")).unwrap()
    else {
        panic!()
    };
    let a = review.spec.resource_attributes.unwrap();
    assert_eq!(
        (
            a.verb.as_str(),
            a.group.as_str(),
            a.resource.as_str(),
            a.name.as_str()
        ),
        (
            "create",
            "certificates.k8s.io",
            "certificatesigningrequests",
            ""
        )
    );
    let Body::SelfSubjectAccessReview(no) =
        rest::decode_body(&r, PROTOBUF, &golden("kubectl-auth-can-i-no.0.pb")).unwrap()
    else {
        panic!()
    };
    let a = no.spec.resource_attributes.unwrap();
    assert_eq!(
        (a.verb.as_str(), a.group.as_str(), a.resource.as_str()),
        ("delete", "", "nodes")
    );

    let r = route("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews");
    assert!(matches!(
        rest::decode_body(&r, PROTOBUF, &golden("kubectl-auth-whoami.0.pb")),
        Ok(Body::SelfSubjectReview(_))
    ));
}

#[test]
fn protobuf_errors() {
    let r = route("POST", CRBS);
    assert_eq!(
        bad_request(rest::decode_body(&r, PROTOBUF, b"{}")),
        "the object provided is unrecognized (must be of type ClusterRoleBinding): provided data does not appear to be a protobuf message, expected prefix [107 56 115 0] ({})"
    );
    // The CSR approval body sent to the bindings endpoint.
    assert_eq!(
        bad_request(rest::decode_body(
            &r,
            PROTOBUF,
            &golden("kubectl-certificate-approve.0.pb")
        )),
        "CertificateSigningRequest in version \"v1\" cannot be handled as a ClusterRoleBinding: converting (v1.CertificateSigningRequest) to (rbac.ClusterRoleBinding): unknown conversion"
    );
    // Truncated: every prefix decodes or fails, never panics.
    let full = golden("kubectl-create-clusterrolebinding.0.pb");
    for n in 0..full.len() {
        let _ = rest::decode_body(&r, PROTOBUF, &full[..n]);
    }
    // Nodes are read as JSON or YAML only.
    let nodes = route("POST", "/api/v1/nodes");
    assert_eq!(
        rest::decode_body(&nodes, PROTOBUF, b"k8s\0"),
        Err(Rejection::UnsupportedMediaType(vec![
            "application/json",
            "application/yaml"
        ]))
    );
}

#[test]
fn json_and_yaml_objects() {
    let r = route("POST", CSRS);
    let json = br#"{"apiVersion":"certificates.k8s.io/v1","kind":"CertificateSigningRequest","metadata":{"generateName":"csr-"},"spec":{"request":"aGk=","signerName":"kubernetes.io/kube-apiserver-client-kubelet","usages":["client auth"]}}"#;
    let Body::CertificateSigningRequest(c) = rest::decode_body(&r, None, json).unwrap() else {
        panic!()
    };
    assert_eq!(c.metadata.generate_name, "csr-");
    assert_eq!(c.spec.request, b"hi");
    // No kind or apiVersion: the route's apply.
    assert!(
        rest::decode_body(
            &r,
            Some("application/json; charset=utf-8"),
            br#"{"metadata":{"name":"a"}}"#
        )
        .is_ok()
    );
    let yaml = b"apiVersion: certificates.k8s.io/v1\nkind: CertificateSigningRequest\nmetadata:\n  name: y\n";
    let Body::CertificateSigningRequest(c) =
        rest::decode_body(&r, Some("application/yaml"), yaml).unwrap()
    else {
        panic!()
    };
    assert_eq!(c.metadata.name, "y");
}

#[test]
fn decode_errors_in_the_api_servers_words() {
    let r = route("POST", CSRS);
    let csr = |body: &[u8]| bad_request(rest::decode_body(&r, None, body));
    assert_eq!(
        csr(b""),
        "the object provided is unrecognized (must be of type CertificateSigningRequest): couldn't get version/kind; json parse error: unexpected end of JSON input (<empty>)"
    );
    assert_eq!(
        csr(b"[1,2]"),
        "the object provided is unrecognized (must be of type CertificateSigningRequest): couldn't get version/kind; json parse error: json: cannot unmarshal array into Go value of type struct { APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" } (5b312c325d)"
    );
    assert_eq!(
        csr(br#"{"kind":7}"#),
        "the object provided is unrecognized (must be of type CertificateSigningRequest): couldn't get version/kind; json parse error: json: cannot unmarshal number into Go struct field .kind of type string ({\"kind\":7})"
    );
    // The summary keeps 30 bytes of a JSON object.
    let long = csr(br#"{"metadata":{"name":"abcdefghijklmnopqrstuvwxyz"},"#);
    assert!(
        long.ends_with("({\"metadata\":{\"name\":\"abcdefghi ...)"),
        "{long}"
    );
    assert_eq!(
        csr(br#"{"apiVersion":"certificates.k8s.io/v1beta1","kind":"CertificateSigningRequest"}"#),
        "the API version in the data (certificates.k8s.io/v1beta1) does not match the expected API version (certificates.k8s.io/v1)"
    );
    assert_eq!(
        csr(br#"{"apiVersion":"v1","kind":"CertificateSigningRequest"}"#),
        "CertificateSigningRequest in version \"v1\" cannot be handled as a CertificateSigningRequest: no kind \"CertificateSigningRequest\" is registered for version \"v1\" in scheme \"pkg/api/legacyscheme/scheme.go:30\""
    );
    assert_eq!(
        bad_request(rest::decode_body(
            &route("POST", CRBS),
            None,
            br#"{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole"}"#
        )),
        "ClusterRole in version \"v1\" cannot be handled as a ClusterRoleBinding: converting (v1.ClusterRole) to (rbac.ClusterRoleBinding): unknown conversion"
    );
    let typed = csr(br#"{"spec":{"usages":"client auth"}}"#);
    assert!(
        typed.starts_with(
            "CertificateSigningRequest in version \"v1\" cannot be handled as a CertificateSigningRequest: invalid type: string"
        ),
        "{typed}"
    );
    // An update names the object in the path.
    let update = route("PUT", &format!("{CSRS}/csr-1"));
    assert_eq!(
        bad_request(rest::decode_body(
            &update,
            None,
            br#"{"metadata":{"name":"csr-2"}}"#
        )),
        "the name of the object (csr-2) does not match the name on the URL (csr-1)"
    );
}

#[test]
fn media_types_and_size() {
    let r = route("POST", CSRS);
    let e = rest::decode_body(&r, Some("text/plain"), b"{}").unwrap_err();
    assert_eq!(
        String::from_utf8(e.response().body).unwrap(),
        r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf","reason":"UnsupportedMediaType","code":415}"#
    );
    let big = vec![b' '; MAX_BODY_BYTES + 1];
    let e = rest::decode_body(&r, None, &big).unwrap_err();
    assert_eq!(e, Rejection::TooLarge);
    assert_eq!(
        String::from_utf8(e.response().body).unwrap(),
        r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Request entity too large: limit is 3145728","reason":"RequestEntityTooLarge","code":413}"#
    );

    let patch = route("PATCH", &format!("{CSRS}/csr-1/approval"));
    assert_eq!(
        rest::decode_body(&patch, Some("application/json"), b"{}")
            .unwrap_err()
            .to_string(),
        "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml"
    );
    assert_eq!(
        rest::decode_body(
            &patch,
            Some("application/merge-patch+json; charset=utf-8"),
            br#"{"a":1}"#
        ),
        Ok(Body::Patch {
            patch_type: PatchType::Merge,
            patch: serde_json::json!({"a": 1})
        })
    );
    assert_eq!(
        rest::decode_body(&patch, Some("application/apply-patch+yaml"), b"a: 1\n"),
        Ok(Body::Patch {
            patch_type: PatchType::Apply,
            patch: serde_json::json!({"a": 1})
        })
    );
    // Reads carry no body; deletes may carry DeleteOptions.
    assert_eq!(
        rest::decode_body(&route("GET", CSRS), Some("x/y"), b"junk"),
        Ok(Body::None)
    );
    assert_eq!(
        rest::decode_body(&route("DELETE", &format!("{CSRS}/a")), None, b""),
        Ok(Body::DeleteOptions(serde_json::Value::Null))
    );
}

proptest::proptest! {
    /// Any bytes, any content type, any served write: an answer, never a panic; whatever is
    /// refused has a Status body.
    #[test]
    fn any_body_decodes_or_is_refused(
        body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
        which in 0usize..8,
        media in 0usize..5,
        envelope in proptest::prelude::any::<bool>(),
    ) {
        let (method, target) = [
            ("POST", CSRS.to_owned()),
            ("PUT", format!("{CSRS}/a/approval")),
            ("POST", CRBS.to_owned()),
            ("POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles".to_owned()),
            ("PUT", "/api/v1/nodes/n/status".to_owned()),
            ("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews".to_owned()),
            ("PATCH", format!("{CSRS}/a")),
            ("DELETE", format!("{CSRS}/a")),
        ][which].clone();
        let content_type = [
            None,
            Some("application/json"),
            Some("application/yaml"),
            Some("application/vnd.kubernetes.protobuf"),
            Some("application/merge-patch+json"),
        ][media];
        let mut data = body;
        if envelope {
            data.splice(0..0, *b"k8s\0");
        }
        if let Err(e) = rest::decode_body(&route(method, &target), content_type, &data) {
            let r = e.response();
            proptest::prop_assert!(r.code >= 400);
            proptest::prop_assert!(!r.body.is_empty());
        }
    }
}

/// The bodies kubectl 1.32 really sent (protobuf) and a valid JSON CSR, each with its route and
/// content type: what the mutation property starts from.
fn valid_bodies() -> Vec<(ResourceRoute, &'static str, Vec<u8>)> {
    let json_csr = br#"{"apiVersion":"certificates.k8s.io/v1","kind":"CertificateSigningRequest","metadata":{"generateName":"csr-"},"spec":{"request":"aGk=","signerName":"kubernetes.io/kube-apiserver-client-kubelet","usages":["client auth"]}}"#;
    let pb = "application/vnd.kubernetes.protobuf";
    vec![
        (
            route("POST", CRBS),
            pb,
            golden("kubectl-create-clusterrolebinding.0.pb"),
        ),
        (
            route("PUT", &format!("{CSRS}/node-csr-abc/approval")),
            pb,
            golden("kubectl-certificate-approve.0.pb"),
        ),
        (
            route(
                "POST",
                "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            ),
            pb,
            golden("kubectl-auth-can-i.0.pb"),
        ),
        (
            route("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews"),
            pb,
            golden("kubectl-auth-whoami.0.pb"),
        ),
        (route("POST", CSRS), "application/json", json_csr.to_vec()),
    ]
}

/// A refusal of a body in a served content type: 400 `BadRequest` with a `Status` body.
fn is_bad_request_status(e: &Rejection) -> bool {
    let r = e.response();
    let status: serde_json::Value = match serde_json::from_slice(&r.body) {
        Ok(v) => v,
        Err(_) => return false,
    };
    matches!(e, Rejection::BadRequest(_))
        && r.code == 400
        && status["kind"] == "Status"
        && status["reason"] == "BadRequest"
        && status["code"] == 400
        && status["message"].as_str().is_some_and(|m| !m.is_empty())
}

#[test]
fn the_valid_bodies_decode() {
    for (route, content_type, body) in valid_bodies() {
        assert!(
            rest::decode_body(&route, Some(content_type), &body).is_ok(),
            "{}",
            route.path()
        );
    }
}

proptest::proptest! {
    /// The server's body path (JSON and protobuf) on bodies near valid ones: kubectl's real
    /// protobuf bodies and a JSON CSR, truncated, with bytes overwritten, inserted or removed.
    /// Each decodes or is a 400 `Status`; never another code (the content type is served),
    /// never a panic. A JSON body cut short never decodes.
    #[test]
    fn mutated_real_bodies_decode_or_are_a_400_status(
        which in 0usize..5,
        cut in proptest::prelude::any::<proptest::sample::Index>(),
        edits in proptest::collection::vec(
            (0u8..3, proptest::prelude::any::<proptest::sample::Index>(), proptest::prelude::any::<u8>()),
            0..6,
        ),
        truncate in proptest::prelude::any::<bool>(),
    ) {
        let (route, content_type, mut body) = valid_bodies().swap_remove(which);
        let json_cut_short = content_type == "application/json" && edits.is_empty();
        for (op, at, byte) in edits {
            let i = at.index(body.len() + 1);
            match op {
                0 if i < body.len() => body[i] = byte,
                1 => body.insert(i, byte),
                _ if i < body.len() => {
                    body.remove(i);
                }
                _ => {}
            }
        }
        let mut cut_short = false;
        if truncate {
            let n = cut.index(body.len().max(1));
            cut_short = n < body.len();
            body.truncate(n);
        }
        match rest::decode_body(&route, Some(content_type), &body) {
            Ok(_) => proptest::prop_assert!(!(json_cut_short && cut_short), "a cut JSON decoded"),
            Err(e) => proptest::prop_assert!(is_bad_request_status(&e), "{:?}", e),
        }
    }
}
