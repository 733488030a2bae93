//! Request attributes from an HTTP request, as kube-apiserver's `RequestInfoFactory` derives
//! them from the method, the URL path and the query.

use super::Attributes;
use crate::field::path_segment_name_errors;
use crate::identity::UserInfo;

/// A URL the API server cannot turn into request attributes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestInfoError {
    /// `/apis/<group>/<version>/watch` or `/proxy` with nothing after it.
    #[error("unable to determine kind and namespace from url, {url}")]
    SpecialVerbWithoutResource {
        /// The URL (path and query).
        url: String,
    },
}

impl Attributes {
    /// The attributes kube-apiserver derives for `user` sending `method` to `path` with the
    /// (still percent-encoded) `query`, `?` excluded.
    ///
    /// Paths under `/api/<version>` (core group) and `/apis/<group>/<version>` are resource
    /// requests: `namespaces/<ns>/` sets the namespace, then come resource, name and
    /// subresource. The verb follows the method (`POST` create, `GET`/`HEAD` get, `PUT` update,
    /// `PATCH` patch, `DELETE` delete); a `get` without a name is `list`, or `watch` when the
    /// `watch` parameter is present and not `false`/`0`, and takes the name from a
    /// `fieldSelector` requiring `metadata.name=<name>`; a `delete` without a name is
    /// `deletecollection`. Everything else is a non-resource request with the lower-cased method
    /// as its verb.
    ///
    /// When the list options do not decode (a malformed `fieldSelector`, a non-integer `limit`
    /// or `timeoutSeconds`), Kubernetes ignores them all but `watch`, so no name is taken;
    /// `labelSelector` syntax is not checked here.
    ///
    /// ```
    /// use kube_tls_bootstrap::identity::UserInfo;
    /// use kube_tls_bootstrap::rbac::Attributes;
    /// let a = Attributes::from_http(UserInfo::default(), "GET",
    ///     "/apis/certificates.k8s.io/v1/certificatesigningrequests",
    ///     "watch=1&fieldSelector=metadata.name%3Dcsr-8b2tm").unwrap();
    /// assert_eq!((a.verb.as_str(), a.name.as_str()), ("watch", "csr-8b2tm"));
    /// ```
    pub fn from_http(
        user: UserInfo,
        method: &str,
        path: &str,
        query: &str,
    ) -> Result<Self, RequestInfoError> {
        let mut a = Self::non_resource(user, method.to_lowercase(), path);
        let trimmed = path.trim_matches('/');
        let parts: Vec<&str> = if trimmed.is_empty() {
            Vec::new()
        } else {
            trimmed.split('/').collect()
        };
        if parts.len() < 3 || !matches!(parts[0], "api" | "apis") {
            return Ok(a);
        }
        let mut rest = &parts[1..];
        if parts[0] == "apis" {
            if rest.len() < 3 {
                return Ok(a);
            }
            a.api_group = rest[0].to_owned();
            rest = &rest[1..];
        }
        a.resource_request = true;
        a.path = path.to_owned();
        a.api_version = rest[0].to_owned();
        rest = &rest[1..];
        if matches!(rest[0], "proxy" | "watch") {
            if rest.len() < 2 {
                let url = if query.is_empty() {
                    path.to_owned()
                } else {
                    format!("{path}?{query}")
                };
                return Err(RequestInfoError::SpecialVerbWithoutResource { url });
            }
            a.verb = rest[0].to_owned();
            rest = &rest[1..];
        } else {
            a.verb = match method {
                "POST" => "create",
                "GET" | "HEAD" => "get",
                "PUT" => "update",
                "PATCH" => "patch",
                "DELETE" => "delete",
                _ => "",
            }
            .to_owned();
        }
        if let (Some(&"namespaces"), Some(namespace)) = (rest.first(), rest.get(1)) {
            a.namespace = (*namespace).to_owned();
            if rest.len() > 2 && !matches!(rest[2], "status" | "finalize") {
                rest = &rest[2..];
            }
        }
        if rest.len() >= 3 && a.verb != "proxy" {
            a.subresource = rest[2].to_owned();
        }
        if rest.len() >= 2 {
            a.name = rest[1].to_owned();
        }
        a.resource = rest[0].to_owned();
        if a.name.is_empty() && a.verb == "get" {
            let options = ListOptions::decode(query);
            a.verb = if options.watch { "watch" } else { "list" }.to_owned();
            if let Some(name) = options
                .name
                .filter(|n| path_segment_name_errors(n).is_empty())
            {
                a.name = name;
            }
        }
        if a.name.is_empty() && a.verb == "delete" {
            a.verb = "deletecollection".to_owned();
        }
        Ok(a)
    }
}

/// The two list options request attributes depend on.
struct ListOptions {
    watch: bool,
    name: Option<String>,
}

impl ListOptions {
    fn decode(query: &str) -> Self {
        let values = parse_query(query);
        let first = |key: &str| {
            values
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        };
        let watch = first("watch").is_some_and(|v| v != "0" && !v.eq_ignore_ascii_case("false"));
        let integers_ok = ["timeoutSeconds", "limit"]
            .iter()
            .all(|k| first(k).is_none_or(go_parse_int));
        let selector = first("fieldSelector").map(parse_field_selector);
        let name = match selector {
            Some(Err(())) => return Self { watch, name: None },
            Some(Ok(name)) => name,
            None => None,
        };
        Self {
            watch,
            name: if integers_ok { name } else { None },
        }
    }
}

/// Go's `url.ParseQuery` as `URL.Query()` uses it: pairs split on `&`, `+` as space, `%XX`
/// decoded; malformed pairs (bad escapes, a `;`) are dropped.
fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.contains(';'))
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Some((unescape(k)?, unescape(v)?))
        })
        .collect()
}

fn unescape(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = b.get(i + 1..i + 3)?;
                let text = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(text, 16).ok()?);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    // Go keeps invalid UTF-8 bytes; a Rust string cannot, so such a value is dropped.
    String::from_utf8(out).ok()
}

/// Go's `strconv.ParseInt(s, 10, 64)` succeeds.
fn go_parse_int(s: &str) -> bool {
    s.parse::<i64>().is_ok()
}

/// apimachinery's `fields.ParseSelector`, then `RequiresExactMatch("metadata.name")`: the
/// name required by the first `metadata.name=`/`==` term in sorted term order.
fn parse_field_selector(selector: &str) -> Result<Option<String>, ()> {
    let mut terms = split_terms(selector);
    terms.sort_unstable();
    let mut name = None;
    for term in terms {
        if term.is_empty() {
            continue;
        }
        let (field, operator, value) = split_term(term).ok_or(())?;
        let value = unescape_selector_value(value)?;
        if name.is_none() && operator != "!=" && field == "metadata.name" {
            name = Some(value);
        }
    }
    Ok(name)
}

fn split_terms(selector: &str) -> Vec<&str> {
    if selector.is_empty() {
        return Vec::new();
    }
    let mut terms = Vec::new();
    let (mut start, mut in_slash) = (0, false);
    for (i, c) in selector.char_indices() {
        if in_slash {
            in_slash = false;
        } else if c == '\\' {
            in_slash = true;
        } else if c == ',' {
            terms.push(&selector[start..i]);
            start = i + 1;
        }
    }
    terms.push(&selector[start..]);
    terms
}

fn split_term(term: &str) -> Option<(&str, &str, &str)> {
    for (i, _) in term.char_indices() {
        let rest = &term[i..];
        for operator in ["!=", "==", "="] {
            if let Some(value) = rest.strip_prefix(operator) {
                return Some((&term[..i], operator, value));
            }
        }
    }
    None
}

fn unescape_selector_value(s: &str) -> Result<String, ()> {
    let mut out = String::with_capacity(s.len());
    let mut in_slash = false;
    for c in s.chars() {
        if in_slash {
            if !matches!(c, '\\' | ',' | '=') {
                return Err(());
            }
            out.push(c);
            in_slash = false;
        } else if c == '\\' {
            in_slash = true;
        } else if matches!(c, ',' | '=') {
            return Err(());
        } else {
            out.push(c);
        }
    }
    if in_slash { Err(()) } else { Ok(out) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(method: &str, path: &str, query: &str) -> Attributes {
        Attributes::from_http(UserInfo::default(), method, path, query).unwrap()
    }

    fn summary(a: &Attributes) -> (bool, &str, &str, &str, &str, &str, &str) {
        (
            a.resource_request,
            &a.verb,
            &a.namespace,
            &a.api_group,
            &a.resource,
            &a.subresource,
            &a.name,
        )
    }

    #[test]
    fn csr_endpoints() {
        let base = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
        let csr = "certificatesigningrequests";
        let g = "certificates.k8s.io";
        assert_eq!(
            summary(&attrs("POST", base, "")),
            (true, "create", "", g, csr, "", "")
        );
        assert_eq!(
            summary(&attrs("GET", &format!("{base}/N"), "")),
            (true, "get", "", g, csr, "", "N")
        );
        assert_eq!(
            summary(&attrs("GET", base, "fieldSelector=metadata.name%3DN")),
            (true, "list", "", g, csr, "", "N")
        );
        assert_eq!(
            summary(&attrs(
                "GET",
                base,
                "watch=1&fieldSelector=metadata.name%3DN"
            )),
            (true, "watch", "", g, csr, "", "N")
        );
        assert_eq!(
            summary(&attrs("PUT", &format!("{base}/N/approval"), "")),
            (true, "update", "", g, csr, "approval", "N")
        );
        assert_eq!(
            summary(&attrs("PATCH", &format!("{base}/N/status"), "")),
            (true, "patch", "", g, csr, "status", "N")
        );
        assert_eq!(
            summary(&attrs("DELETE", &format!("{base}/N"), "")),
            (true, "delete", "", g, csr, "", "N")
        );
        assert_eq!(
            summary(&attrs("DELETE", base, "")),
            (true, "deletecollection", "", g, csr, "", "")
        );
        assert_eq!(attrs("POST", base, "").api_version, "v1");
    }

    #[test]
    fn core_group_namespaces_and_non_resource() {
        assert_eq!(
            summary(&attrs("GET", "/api/v1/namespaces/ns1/pods/p/log", "")),
            (true, "get", "ns1", "", "pods", "log", "p")
        );
        assert_eq!(
            summary(&attrs("GET", "/api/v1/namespaces/ns1", "")),
            (true, "get", "ns1", "", "namespaces", "", "ns1")
        );
        assert_eq!(
            summary(&attrs("PUT", "/api/v1/namespaces/ns1/finalize", "")),
            (true, "update", "ns1", "", "namespaces", "finalize", "ns1")
        );
        assert_eq!(
            summary(&attrs("GET", "/api/v1/watch/namespaces/ns1/pods", "")),
            (true, "watch", "ns1", "", "pods", "", "")
        );
        let h = attrs("GET", "/healthz", "");
        assert_eq!(
            (h.resource_request, h.verb.as_str(), h.path.as_str()),
            (false, "get", "/healthz")
        );
        let apis = attrs("GET", "/apis/certificates.k8s.io/v1", "");
        assert!(!apis.resource_request);
        assert_eq!(
            Attributes::from_http(UserInfo::default(), "GET", "/api/v1/watch", "x=1"),
            Err(RequestInfoError::SpecialVerbWithoutResource {
                url: "/api/v1/watch?x=1".to_owned()
            })
        );
    }

    #[test]
    fn list_options() {
        let list = |q: &str| {
            let a = attrs("GET", "/api/v1/pods", q);
            (a.verb, a.name)
        };
        let s = |v: &str, n: &str| (v.to_owned(), n.to_owned());
        assert_eq!(list("watch=false"), s("list", ""));
        assert_eq!(list("watch=FALSE"), s("list", ""));
        assert_eq!(list("watch="), s("watch", ""));
        assert_eq!(list("watch=0&watch=1"), s("list", ""));
        assert_eq!(list("fieldSelector=metadata.name==a"), s("list", "a"));
        assert_eq!(list("fieldSelector=metadata.name!=a"), s("list", ""));
        assert_eq!(
            list("fieldSelector=metadata.name%3Db,metadata.name%3Da"),
            s("list", "a")
        );
        assert_eq!(
            list("fieldSelector=spec.x%3D1,metadata.name%3Dn"),
            s("list", "n")
        );
        assert_eq!(list("fieldSelector=metadata.name%3Da/b"), s("list", ""));
        assert_eq!(list("fieldSelector=garbage&watch=true"), s("watch", ""));
        assert_eq!(
            list("fieldSelector=metadata.name%3Dn&limit=x"),
            s("list", "")
        );
        assert_eq!(
            list("fieldSelector=metadata.name%3Dn&limit=5"),
            s("list", "n")
        );
        assert_eq!(
            list("fieldSelector=metadata.name%3Da%5C,b"),
            s("list", "a,b")
        );
        assert_eq!(list("fieldSelector=metadata.name%3Dn%ZZ"), s("list", ""));
    }
}
