//! A raw HTTP request → `rest::route` and `rest::decode_body`, then the responses for whatever
//! decoded. Nothing may panic, and a routed resource request written back (`to_http`) routes
//! to the same route.
//!
//! Input: `METHOD TARGET\nContent-Type\nAccept\n` then the body bytes (missing lines are empty).
#![no_main]

use kube_tls_bootstrap::rest::{self, Body, EventType, HttpRequest, Route, TableVersion, table};
use kube_tls_bootstrap::time::Timestamp;
use libfuzzer_sys::fuzz_target;

fn line<'a>(data: &mut &'a [u8]) -> &'a [u8] {
    match data.iter().position(|&b| b == b'\n') {
        Some(i) => {
            let (head, rest) = data.split_at(i);
            *data = &rest[1..];
            head
        }
        None => std::mem::take(data),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut rest_of = data;
    let request_line = String::from_utf8_lossy(line(&mut rest_of)).into_owned();
    let content_type = String::from_utf8_lossy(line(&mut rest_of)).into_owned();
    let accept = String::from_utf8_lossy(line(&mut rest_of)).into_owned();
    let body = rest_of;
    let (method, target) = request_line.split_once(' ').unwrap_or((&request_line, ""));
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let accept = (!accept.is_empty()).then_some(accept.as_str());
    let routed = rest::route(&HttpRequest {
        method,
        path,
        query,
        accept,
    });
    let route = match routed {
        Ok(Route::Resource(r)) => r,
        Ok(_) => return,
        Err(e) => {
            let _ = e.response();
            return;
        }
    };
    let (m, t, a) = route.to_http();
    let (p, q) = t.split_once('?').unwrap_or((&t, ""));
    let again = rest::route(&HttpRequest {
        method: m,
        path: p,
        query: q,
        accept: Some(&a),
    });
    match again {
        Ok(Route::Resource(back)) => assert_eq!(back, route, "{target} → {t}"),
        other => panic!("{target} → {t}: {other:?}"),
    }
    let _ = route.authorization_name();

    let content_type = (!content_type.is_empty()).then_some(content_type.as_str());
    let decoded = match rest::decode_body(&route, content_type, body) {
        Ok(b) => b,
        Err(e) => {
            let _ = e.response();
            return;
        }
    };
    let now = Timestamp::from_unix(1_750_000_000);
    let include = route.options.include_object.as_deref();
    match decoded {
        Body::CertificateSigningRequest(c) => {
            let _ = rest::object(200, &*c);
            let _ = rest::watch_event(EventType::Added, &*c);
            let _ = table::table(
                table::Objects::CertificateSigningRequests(&[*c]),
                now,
                "1",
                TableVersion::V1,
                include,
            );
        }
        Body::Node(n) => {
            let _ = rest::object(200, &*n);
            let _ = table::table(
                table::Objects::Nodes(&[*n]),
                now,
                "1",
                TableVersion::V1,
                include,
            );
        }
        Body::ClusterRole(r) => {
            let _ = table::table(
                table::Objects::ClusterRoles(&[*r]),
                now,
                "1",
                TableVersion::V1beta1,
                include,
            );
        }
        Body::ClusterRoleBinding(b) => {
            let _ = table::table(
                table::Objects::ClusterRoleBindings(&[*b]),
                now,
                "1",
                TableVersion::V1,
                include,
            );
        }
        Body::SelfSubjectAccessReview(r) => {
            let user = kube_tls_bootstrap::identity::UserInfo::new("u", ["g"]);
            let _ = r.attributes(user);
            let _ = rest::object(201, &r.answered(true, "ok"));
        }
        _ => {}
    }
});
