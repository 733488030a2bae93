//! kube-apiserver's token authentication chain: the static token file, then bootstrap tokens,
//! behind the bearer-header reader.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::UserInfo;
use super::bearer::{BearerHeader, INVALID_BEARER_TOKEN};
use super::bootstrap_token::BootstrapTokenAuthenticator;
use super::token_file::{TokenFile, TokenFileEntry};
use crate::time::Timestamp;

/// The token authenticators kube-apiserver unions, in its order: the static token file
/// (`--token-auth-file`), then bootstrap tokens (`--enable-bootstrap-token-auth`). The first
/// that accepts a token wins. (Service-account, OIDC and webhook tokens, which sit between and
/// after these two in kube-apiserver, are out of scope.)
///
/// kube-apiserver caches successful token authentications for 10 s; this model does not, so
/// a removed bootstrap token stops working at once here.
#[derive(Clone, Debug, Default)]
pub struct Authenticator {
    /// The static token file, if kube-apiserver was given one.
    pub token_file: Option<TokenFile>,
    /// The bootstrap token authenticator, if bootstrap token authentication is enabled.
    pub bootstrap_tokens: Option<BootstrapTokenAuthenticator>,
}

/// Which authenticator accepted a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenSource {
    /// The static token file.
    TokenFile,
    /// A bootstrap token Secret.
    BootstrapToken,
}

/// What kube-apiserver concludes from a request's `Authorization` header.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestAuthentication {
    /// No bearer token was presented; other authenticators (client certificate, anonymous)
    /// decide. `warning` is sent back to the client when the token was preceded by extra spaces.
    NoToken {
        /// [`EXTRA_SPACE_WARNING`](super::EXTRA_SPACE_WARNING) or nothing.
        warning: Option<&'static str>,
    },
    /// The token was accepted.
    Authenticated {
        /// The user, `system:authenticated` included.
        user: UserInfo,
        /// Who accepted it.
        by: TokenSource,
    },
    /// A token was presented and nobody accepted it: HTTP 401 with this error, and no falling
    /// back to anonymous.
    Rejected(AuthenticationError),
}

/// The error of a request whose bearer token was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthenticationError {
    /// `invalid bearer token`.
    #[error("{}", INVALID_BEARER_TOKEN)]
    InvalidBearerToken,
}

/// The users of the token file's entries, each built once (with `system:authenticated`
/// appended) and then shared: see [`Authenticator::authenticate_token_shared`].
///
/// It is keyed by the entry's place in the file, so it belongs to one token file: the control
/// plane, whose authenticator never changes after construction, keeps one beside it.
#[derive(Clone, Debug, Default)]
pub(crate) struct TokenFileUsers(BTreeMap<usize, Arc<UserInfo>>);

/// Who accepted a token, before the user is built.
enum Accepted<'a> {
    TokenFile(TokenFileEntry<'a>),
    BootstrapToken(UserInfo),
}

impl Authenticator {
    /// The user `token` authenticates as at `now`, with `system:authenticated` appended, and
    /// which authenticator accepted it; `None` when nobody does.
    pub fn authenticate_token(
        &self,
        token: &str,
        now: Timestamp,
    ) -> Option<(UserInfo, TokenSource)> {
        Some(match self.accept(token, now)? {
            Accepted::TokenFile(entry) => (
                entry.user().with_authenticated_group(),
                TokenSource::TokenFile,
            ),
            Accepted::BootstrapToken(user) => {
                (user.with_authenticated_group(), TokenSource::BootstrapToken)
            }
        })
    }

    /// [`authenticate_token`](Self::authenticate_token), sharing the user of a token-file entry
    /// from `users` (built there the first time the entry authenticates): a request does not
    /// allocate a user of its own. `users` must only ever be used with this authenticator's
    /// token file.
    pub(crate) fn authenticate_token_shared(
        &self,
        token: &str,
        now: Timestamp,
        users: &mut TokenFileUsers,
    ) -> Option<Arc<UserInfo>> {
        Some(match self.accept(token, now)? {
            Accepted::TokenFile(entry) => Arc::clone(
                users
                    .0
                    .entry(entry.position())
                    .or_insert_with(|| Arc::new(entry.user().with_authenticated_group())),
            ),
            Accepted::BootstrapToken(user) => Arc::new(user.with_authenticated_group()),
        })
    }

    /// The token file, then bootstrap tokens: the first that accepts `token` wins.
    fn accept(&self, token: &str, now: Timestamp) -> Option<Accepted<'_>> {
        if let Some(entry) = self.token_file.as_ref().and_then(|f| f.lookup(token)) {
            return Some(Accepted::TokenFile(entry));
        }
        self.bootstrap_tokens
            .as_ref()?
            .check(token, now)
            .ok()
            .map(Accepted::BootstrapToken)
    }

    /// Authenticates a request by its `Authorization` header value (`None` when the request has
    /// no such header), as kube-apiserver's bearer-token authenticator does.
    ///
    /// ```
    /// use kube_tls_bootstrap::identity::{Authenticator, RequestAuthentication, TokenFile};
    /// use kube_tls_bootstrap::time::Timestamp;
    /// let auth = Authenticator {
    ///     token_file: Some(TokenFile::parse(b"t0k3n,alice,42\n", "token.csv")?),
    ///     bootstrap_tokens: None,
    /// };
    /// let now = Timestamp::from_unix(0);
    /// let RequestAuthentication::Authenticated { user, .. } =
    ///     auth.authenticate_request(Some("Bearer t0k3n"), now)
    /// else {
    ///     panic!()
    /// };
    /// assert_eq!(user.groups, ["system:authenticated"]);
    /// let RequestAuthentication::Rejected(error) = auth.authenticate_request(Some("Bearer nope"), now)
    /// else {
    ///     panic!()
    /// };
    /// assert_eq!(error.to_string(), "invalid bearer token");
    /// # Ok::<(), kube_tls_bootstrap::identity::TokenFileError>(())
    /// ```
    pub fn authenticate_request(
        &self,
        authorization: Option<&str>,
        now: Timestamp,
    ) -> RequestAuthentication {
        let header = BearerHeader::parse(authorization.unwrap_or_default());
        match header {
            BearerHeader::Token(token) => match self.authenticate_token(token.expose(), now) {
                Some((user, by)) => RequestAuthentication::Authenticated { user, by },
                None => RequestAuthentication::Rejected(AuthenticationError::InvalidBearerToken),
            },
            other => RequestAuthentication::NoToken {
                warning: other.warning(),
            },
        }
    }
}
