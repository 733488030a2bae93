//! The legacy discovery documents and `/version`, as kube-apiserver v1.32 serves them for the
//! groups this crate serves (see the module docs of [`rest`](super) for why legacy).
//!
//! Shapes (k/k `staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go`, `APIVersions`,
//! `APIGroupList`, `APIGroup`, `APIResourceList`, `APIResource`): `/api` carries no
//! `apiVersion` and lists `serverAddressByClientCIDRs`; `/api/v1`'s resource list carries no
//! `apiVersion` either; the named groups' documents carry `"apiVersion":"v1"`. Every
//! `APIResource` writes `singularName` and `namespaced` even when empty or false; subresources
//! are listed as `<resource>/<subresource>` with an empty `singularName`. `storageVersionHash`
//! (optional) is not written.

use serde::Serialize;

use super::Response;
use super::resource::{GroupVersion, Resource};
use super::route::Discovery;

/// The document of a discovery path. `server_address` (`host:port`) goes into `/api`'s
/// `serverAddressByClientCIDRs` for the CIDR `0.0.0.0/0`.
pub fn document(path: Discovery, server_address: &str) -> Response {
    match path {
        Discovery::Api => api_versions(server_address),
        Discovery::Apis => api_group_list(),
        Discovery::Group(gv) => api_group(gv),
        Discovery::Resources(gv) => api_resource_list(gv),
    }
}

/// `/api`: `APIVersions`.
///
/// ```
/// use kube_tls_bootstrap::rest::discovery::api_versions;
/// assert_eq!(
///     String::from_utf8(api_versions("127.0.0.1:6443").body).unwrap(),
///     r#"{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"127.0.0.1:6443"}]}"#
/// );
/// ```
pub fn api_versions(server_address: &str) -> Response {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct ApiVersions<'a> {
        kind: &'static str,
        versions: [&'static str; 1],
        #[serde(rename = "serverAddressByClientCIDRs")]
        server_addresses: [ServerAddress<'a>; 1],
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct ServerAddress<'a> {
        #[serde(rename = "clientCIDR")]
        client_cidr: &'static str,
        server_address: &'a str,
    }
    super::object(
        200,
        &ApiVersions {
            kind: "APIVersions",
            versions: ["v1"],
            server_addresses: [ServerAddress {
                client_cidr: "0.0.0.0/0",
                server_address,
            }],
        },
    )
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct VersionForDiscovery {
    group_version: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ApiGroup {
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    api_version: Option<&'static str>,
    name: &'static str,
    versions: [VersionForDiscovery; 1],
    preferred_version: VersionForDiscovery,
}

fn group(gv: GroupVersion, typed: bool) -> ApiGroup {
    let version = || VersionForDiscovery {
        group_version: gv.api_version(),
        version: gv.version(),
    };
    ApiGroup {
        kind: typed.then_some("APIGroup"),
        api_version: typed.then_some("v1"),
        name: gv.group(),
        versions: [version()],
        preferred_version: version(),
    }
}

/// `/apis`: `APIGroupList` of the named groups served.
pub fn api_group_list() -> Response {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct ApiGroupList {
        kind: &'static str,
        api_version: &'static str,
        groups: Vec<ApiGroup>,
    }
    super::object(
        200,
        &ApiGroupList {
            kind: "APIGroupList",
            api_version: "v1",
            groups: GroupVersion::ALL
                .into_iter()
                .filter(|gv| *gv != GroupVersion::CoreV1)
                .map(|gv| group(gv, false))
                .collect(),
        },
    )
}

/// `/apis/<group>`: `APIGroup`.
pub fn api_group(gv: GroupVersion) -> Response {
    super::object(200, &group(gv, true))
}

/// One entry of an `APIResourceList`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiResource {
    /// The plural name, or `<resource>/<subresource>`.
    pub name: String,
    /// The singular name (empty for subresources).
    pub singular_name: &'static str,
    /// Whether the resource is namespaced (none here is).
    pub namespaced: bool,
    /// The kind.
    pub kind: &'static str,
    /// The verbs, sorted.
    pub verbs: &'static [&'static str],
    /// Short names, e.g. `csr`.
    #[serde(skip_serializing_if = "<[&str]>::is_empty")]
    pub short_names: &'static [&'static str],
}

/// The resources of a group version with their subresources, in discovery's order.
pub fn api_resources(gv: GroupVersion) -> Vec<ApiResource> {
    let mut out = Vec::new();
    for &r in gv.resources() {
        out.push(ApiResource {
            name: r.plural().to_owned(),
            singular_name: r.singular(),
            namespaced: false,
            kind: r.kind(),
            verbs: r.verbs(),
            short_names: r.short_names(),
        });
        for s in r.subresources() {
            out.push(ApiResource {
                name: format!("{}/{}", r.plural(), s.as_str()),
                singular_name: "",
                namespaced: false,
                kind: r.kind(),
                verbs: s.verbs(),
                short_names: &[],
            });
        }
    }
    out
}

/// `/api/v1` or `/apis/<group>/<version>`: `APIResourceList`.
///
/// ```
/// use kube_tls_bootstrap::rest::{discovery::api_resource_list, GroupVersion};
/// assert_eq!(
///     String::from_utf8(api_resource_list(GroupVersion::CertificatesV1).body).unwrap(),
///     concat!(
///         r#"{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"certificates.k8s.io/v1","resources":["#,
///         r#"{"name":"certificatesigningrequests","singularName":"certificatesigningrequest","namespaced":false,"kind":"CertificateSigningRequest","verbs":["create","delete","deletecollection","get","list","patch","update","watch"],"shortNames":["csr"]},"#,
///         r#"{"name":"certificatesigningrequests/approval","singularName":"","namespaced":false,"kind":"CertificateSigningRequest","verbs":["get","patch","update"]},"#,
///         r#"{"name":"certificatesigningrequests/status","singularName":"","namespaced":false,"kind":"CertificateSigningRequest","verbs":["get","patch","update"]}]}"#,
///     )
/// );
/// ```
pub fn api_resource_list(gv: GroupVersion) -> Response {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct ApiResourceList {
        kind: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        api_version: Option<&'static str>,
        group_version: &'static str,
        resources: Vec<ApiResource>,
    }
    super::object(
        200,
        &ApiResourceList {
            kind: "APIResourceList",
            api_version: (gv != GroupVersion::CoreV1).then_some("v1"),
            group_version: gv.api_version(),
            resources: api_resources(gv),
        },
    )
}

/// What `/version` reports (`version.Info`): a parameter of the server, since the crate is not
/// a Kubernetes build.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionInfo {
    /// `1`.
    pub major: String,
    /// `32`.
    pub minor: String,
    /// `v1.32.0`.
    pub git_version: String,
    /// The commit.
    pub git_commit: String,
    /// `clean`.
    pub git_tree_state: String,
    /// RFC 3339.
    pub build_date: String,
    /// `go1.23.3`.
    pub go_version: String,
    /// `gc`.
    pub compiler: String,
    /// `linux/amd64`.
    pub platform: String,
}

impl VersionInfo {
    /// Version info for a `vMAJOR.MINOR.PATCH` version string: major and minor taken from it,
    /// the other fields those of the Kubernetes v1.32.0 release build (`gitCommit`
    /// `70d3cc986aa8221cd1dfb1121852688902d3bf53`, built `2024-12-11T17:59:15Z` with
    /// `go1.23.3`, `linux/amd64`).
    ///
    /// ```
    /// use kube_tls_bootstrap::rest::VersionInfo;
    /// let v = VersionInfo::new("v1.32.0");
    /// assert_eq!((v.major.as_str(), v.minor.as_str()), ("1", "32"));
    /// ```
    pub fn new(git_version: &str) -> Self {
        let mut parts = git_version.trim_start_matches('v').split('.');
        let major = parts.next().unwrap_or_default().to_owned();
        let minor = parts.next().unwrap_or_default().to_owned();
        Self {
            major,
            minor,
            git_version: git_version.to_owned(),
            git_commit: "70d3cc986aa8221cd1dfb1121852688902d3bf53".to_owned(),
            git_tree_state: "clean".to_owned(),
            build_date: "2024-12-11T17:59:15Z".to_owned(),
            go_version: "go1.23.3".to_owned(),
            compiler: "gc".to_owned(),
            platform: "linux/amd64".to_owned(),
        }
    }
}

/// `GET /version`.
pub fn version(info: &VersionInfo) -> Response {
    super::object(200, info)
}

/// The resource of a `kind` in a group version, if served (for reading `kind` back).
pub(crate) fn resource_of_kind(gv: GroupVersion, kind: &str) -> Option<Resource> {
    gv.resources().iter().copied().find(|r| r.kind() == kind)
}
