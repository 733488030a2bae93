//! Who is calling: the user the API server sees after authentication.
//!
//! [`UserInfo`] is Kubernetes' `user.Info`; the well-known user and group names are constants.
//!
//! How kube-apiserver gets from a request to a user, and where each step lives here:
//!
//! | step | Kubernetes | here |
//! |---|---|---|
//! | `Authorization: Bearer <token>` → token | `bearertoken.Authenticator` | [`BearerHeader`] |
//! | `--token-auth-file` loaded at start-up | `tokenfile.NewCSV` (Go `encoding/csv`) | [`TokenFile::parse`] |
//! | token → user from the file | `tokenfile.TokenAuthenticator` | [`TokenFile::lookup`] (constant time) |
//! | `<id>.<secret>` → `bootstrap-token-<id>` Secret → user | `bootstrap.TokenAuthenticator` | [`BootstrapTokenAuthenticator`], [`Secret::authenticate`] |
//! | file first, then bootstrap tokens; nobody → `invalid bearer token` | the token union | [`Authenticator`] |
//! | `system:authenticated` appended | `AuthenticatedGroupAdder` | [`UserInfo::with_authenticated_group`] |
//!
//! Tokens never appear in `Debug` output or errors: the token file keeps only SHA-256 digests,
//! and types that must hold a token redact it.

use std::collections::BTreeMap;

mod authenticator;
mod bearer;
mod bootstrap_token;
mod csv;
mod token_file;
mod token_lint;

pub(crate) use authenticator::TokenFileUsers;
pub use authenticator::{AuthenticationError, Authenticator, RequestAuthentication, TokenSource};
pub use bearer::{BearerHeader, BearerToken, EXTRA_SPACE_WARNING, INVALID_BEARER_TOKEN};
pub use bootstrap_token::{
    BOOTSTRAP_DEFAULT_GROUP, BOOTSTRAP_GROUP_PATTERN, BOOTSTRAP_TOKEN_ALPHABET,
    BOOTSTRAP_TOKEN_DESCRIPTION_KEY, BOOTSTRAP_TOKEN_EXPIRATION_KEY,
    BOOTSTRAP_TOKEN_EXTRA_GROUPS_KEY, BOOTSTRAP_TOKEN_ID_KEY, BOOTSTRAP_TOKEN_ID_PATTERN,
    BOOTSTRAP_TOKEN_NAMESPACE, BOOTSTRAP_TOKEN_PATTERN, BOOTSTRAP_TOKEN_SECRET_KEY,
    BOOTSTRAP_TOKEN_SECRET_PREFIX, BOOTSTRAP_TOKEN_USAGE_AUTHENTICATION,
    BOOTSTRAP_TOKEN_USAGE_PREFIX, BOOTSTRAP_TOKEN_USAGE_SIGNING, BOOTSTRAP_USER_PREFIX,
    BootstrapToken, BootstrapTokenAuthenticator, BootstrapTokenError, BootstrapTokenRejection,
    InvalidBootstrapGroup, KNOWN_TOKEN_USAGES, SECRET_TYPE_BOOTSTRAP_TOKEN, Secret, SecretMetadata,
    is_valid_bootstrap_token, is_valid_bootstrap_token_id, parse_bootstrap_token_secret_name,
    validate_bootstrap_group_name,
};
pub use csv::{CsvError, CsvErrorKind};
pub use token_file::{
    TokenDigest, TokenFile, TokenFileEntry, TokenFileError, TokenFileWarning, TokenFileWarningKind,
};
pub use token_lint::{SAFE_TOKEN_LENGTH, TokenLint, TokenLintKind, lint_token_file};

/// The group every authenticated user is given (appended after authentication).
pub const ALL_AUTHENTICATED: &str = "system:authenticated";
/// The group of requests that carry no credentials.
pub const ALL_UNAUTHENTICATED: &str = "system:unauthenticated";
/// The user name of requests that carry no credentials.
pub const ANONYMOUS: &str = "system:anonymous";
/// The superuser group: the privileged authorizer allows everything to its members.
pub const SYSTEM_PRIVILEGED_GROUP: &str = "system:masters";
/// The group of kubelet client certificates (`O=system:nodes`).
pub const NODES_GROUP: &str = "system:nodes";
/// The prefix of a node's user name (`CN=system:node:<name>`).
pub const NODE_USER_PREFIX: &str = "system:node:";
/// The API server's own loopback identity.
pub const APISERVER_USER: &str = "system:apiserver";
/// kube-proxy's user name.
pub const KUBE_PROXY: &str = "system:kube-proxy";
/// kube-controller-manager's user name.
pub const KUBE_CONTROLLER_MANAGER: &str = "system:kube-controller-manager";
/// kube-scheduler's user name.
pub const KUBE_SCHEDULER: &str = "system:kube-scheduler";

/// An authenticated identity, as Kubernetes' `user.Info`: name, UID, groups and extra values.
///
/// Group order is kept as the authenticator produced it; it is visible in a CSR's `spec.groups`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct UserInfo {
    /// The user name (`spec.username` of a CSR).
    pub name: String,
    /// A unique identifier of the user, often empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uid: String,
    /// The groups, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// Extra attributes (`spec.extra` of a CSR), keyed by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, Vec<String>>,
}

impl UserInfo {
    /// A user with the given name and groups, no UID, no extra.
    pub fn new(
        name: impl Into<String>,
        groups: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Self {
            name: name.into(),
            uid: String::new(),
            groups: groups.into_iter().map(Into::into).collect(),
            extra: BTreeMap::new(),
        }
    }

    /// Whether the user is in `group`.
    pub fn in_group(&self, group: &str) -> bool {
        self.groups.iter().any(|g| g == group)
    }

    /// The user as the API server passes it on after authentication: `system:authenticated` is
    /// appended at the end of the groups unless the user is `system:anonymous` or the groups
    /// already contain `system:authenticated` or `system:unauthenticated` (Kubernetes'
    /// `AuthenticatedGroupAdder`).
    ///
    /// ```
    /// use kube_tls_bootstrap::identity::UserInfo;
    /// let user = UserInfo::new("alice", ["a", "b"]).with_authenticated_group();
    /// assert_eq!(user.groups, ["a", "b", "system:authenticated"]);
    /// ```
    #[must_use]
    pub fn with_authenticated_group(mut self) -> Self {
        let skip = self.name == ANONYMOUS
            || self
                .groups
                .iter()
                .any(|g| g == ALL_AUTHENTICATED || g == ALL_UNAUTHENTICATED);
        if !skip {
            self.groups.push(ALL_AUTHENTICATED.to_owned());
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authenticated_group_is_appended_once_and_last() {
        let u = UserInfo::new("alice", [""]).with_authenticated_group();
        assert_eq!(u.groups, ["", "system:authenticated"]);
        let again = u.clone().with_authenticated_group();
        assert_eq!(again, u);
        let anon = UserInfo::new(ANONYMOUS, ["x"]).with_authenticated_group();
        assert_eq!(anon.groups, ["x"]);
        let unauth = UserInfo::new("bob", [ALL_UNAUTHENTICATED]).with_authenticated_group();
        assert_eq!(unauth.groups, [ALL_UNAUTHENTICATED]);
    }
}
