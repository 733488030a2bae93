//! Bootstrap tokens (`<id>.<secret>`) and the `bootstrap.kubernetes.io/token` Secrets that back
//! them, authenticated as kube-apiserver's `--enable-bootstrap-token-auth` does.

use std::collections::BTreeMap;

use subtle::ConstantTimeEq as _;

use super::UserInfo;
use crate::time::{Timestamp, parse_rfc3339};

/// The namespace bootstrap token Secrets live in.
pub const BOOTSTRAP_TOKEN_NAMESPACE: &str = "kube-system";
/// The prefix of a bootstrap token Secret's name; the token ID follows.
pub const BOOTSTRAP_TOKEN_SECRET_PREFIX: &str = "bootstrap-token-";
/// The `type` of a bootstrap token Secret.
pub const SECRET_TYPE_BOOTSTRAP_TOKEN: &str = "bootstrap.kubernetes.io/token";
/// Data key: the token ID.
pub const BOOTSTRAP_TOKEN_ID_KEY: &str = "token-id";
/// Data key: the token secret.
pub const BOOTSTRAP_TOKEN_SECRET_KEY: &str = "token-secret";
/// Data key: the expiry, RFC 3339.
pub const BOOTSTRAP_TOKEN_EXPIRATION_KEY: &str = "expiration";
/// Data key: a human description.
pub const BOOTSTRAP_TOKEN_DESCRIPTION_KEY: &str = "description";
/// Data key: extra groups, comma-separated.
pub const BOOTSTRAP_TOKEN_EXTRA_GROUPS_KEY: &str = "auth-extra-groups";
/// The prefix of the usage data keys.
pub const BOOTSTRAP_TOKEN_USAGE_PREFIX: &str = "usage-bootstrap-";
/// Data key: the token may authenticate to the API server (the value must be exactly `true`).
pub const BOOTSTRAP_TOKEN_USAGE_AUTHENTICATION: &str = "usage-bootstrap-authentication";
/// Data key: the token may sign the `cluster-info` ConfigMap.
pub const BOOTSTRAP_TOKEN_USAGE_SIGNING: &str = "usage-bootstrap-signing";
/// The usages a bootstrap token may have.
pub const KNOWN_TOKEN_USAGES: [&str; 2] = ["signing", "authentication"];
/// The prefix of the user name a bootstrap token authenticates as; the token ID follows.
pub const BOOTSTRAP_USER_PREFIX: &str = "system:bootstrap:";
/// The group every bootstrap token authenticates into.
pub const BOOTSTRAP_DEFAULT_GROUP: &str = "system:bootstrappers";
/// The token syntax (Go RE2).
pub const BOOTSTRAP_TOKEN_PATTERN: &str = r"\A([a-z0-9]{6})\.([a-z0-9]{16})\z";
/// The token ID syntax (Go RE2).
pub const BOOTSTRAP_TOKEN_ID_PATTERN: &str = r"\A([a-z0-9]{6})\z";
/// The syntax of an extra group (Go RE2).
pub const BOOTSTRAP_GROUP_PATTERN: &str = r"\Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\z";
/// The characters of a generated token.
pub const BOOTSTRAP_TOKEN_ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

const ID_LEN: usize = 6;
const SECRET_LEN: usize = 16;
/// Random bytes at or above this are discarded: 252 is the largest multiple of 36 ≤ 256.
const MAX_BYTE_VALUE: u8 = 252;

/// A bootstrap token, `<6 × [a-z0-9]>.<16 × [a-z0-9]>`. `Debug` shows the ID only.
#[derive(Clone, PartialEq, Eq)]
pub struct BootstrapToken {
    id: String,
    secret: String,
}

impl BootstrapToken {
    /// Parses a token; it must match [`BOOTSTRAP_TOKEN_PATTERN`] (lower-case letters and digits,
    /// nothing before or after — not even a newline).
    ///
    /// ```
    /// use kube_tls_bootstrap::identity::BootstrapToken;
    /// let token = BootstrapToken::parse("abcdef.0123456789abcdef")?;
    /// assert_eq!(token.id(), "abcdef");
    /// assert_eq!(token.secret_name(), "bootstrap-token-abcdef");
    /// assert_eq!(format!("{token:?}"), "BootstrapToken { id: \"abcdef\", secret: [redacted] }");
    /// assert!(BootstrapToken::parse("abcdef.0123456789abcdef\n").is_err());
    /// # Ok::<(), kube_tls_bootstrap::identity::BootstrapTokenError>(())
    /// ```
    pub fn parse(token: &str) -> Result<Self, BootstrapTokenError> {
        let b = token.as_bytes();
        let well_formed = b.len() == ID_LEN + 1 + SECRET_LEN
            && b.get(ID_LEN) == Some(&b'.')
            && b.iter()
                .enumerate()
                .all(|(i, &c)| i == ID_LEN || is_token_char(c));
        if !well_formed {
            return Err(BootstrapTokenError::Malformed);
        }
        let (id, dot_secret) = token.split_at(ID_LEN);
        Ok(Self {
            id: id.to_owned(),
            secret: dot_secret.get(1..).unwrap_or_default().to_owned(),
        })
    }

    /// Makes a token from random bytes as kubeadm does: bytes ≥ 252 are discarded so that
    /// every character of the 36-letter alphabet is equally likely, each accepted byte gives
    /// `ALPHABET[byte % 36]`, the first 6 make the ID and the next 16 the secret.
    ///
    /// 22 accepted bytes are needed; pass at least 32 random bytes to make running out
    /// vanishingly unlikely (each byte is discarded with probability 4/256).
    ///
    /// ```
    /// use kube_tls_bootstrap::identity::BootstrapToken;
    /// let random: Vec<u8> = (0u8..32).map(|i| i.wrapping_mul(37).wrapping_add(250)).collect();
    /// let token = BootstrapToken::generate(&random)?;
    /// assert_eq!(token.id(), "yvwxyz");
    /// # Ok::<(), kube_tls_bootstrap::identity::BootstrapTokenError>(())
    /// ```
    pub fn generate(random: &[u8]) -> Result<Self, BootstrapTokenError> {
        let mut chars = random
            .iter()
            .filter(|&&b| b < MAX_BYTE_VALUE)
            .map(|&b| char::from(BOOTSTRAP_TOKEN_ALPHABET[usize::from(b % 36)]));
        let id: String = chars.by_ref().take(ID_LEN).collect();
        let secret: String = chars.take(SECRET_LEN).collect();
        if id.len() + secret.len() < ID_LEN + SECRET_LEN {
            return Err(BootstrapTokenError::NotEnoughRandomness {
                given: random.len(),
            });
        }
        Ok(Self { id, secret })
    }

    /// The public part, the token ID.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The secret part. Never log it.
    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// The whole token, `<id>.<secret>`, to hand to a kubelet. Never log it.
    pub fn expose(&self) -> String {
        format!("{}.{}", self.id, self.secret)
    }

    /// The name of the Secret that backs the token: `bootstrap-token-<id>`.
    pub fn secret_name(&self) -> String {
        format!("{BOOTSTRAP_TOKEN_SECRET_PREFIX}{}", self.id)
    }
}

impl std::fmt::Debug for BootstrapToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BootstrapToken")
            .field("id", &self.id)
            .field("secret", &format_args!("[redacted]"))
            .finish()
    }
}

/// Why a string is not a bootstrap token or a token cannot be made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BootstrapTokenError {
    /// The text does not match [`BOOTSTRAP_TOKEN_PATTERN`] (the text itself is not repeated: it
    /// may be a secret).
    #[error("the bootstrap token does not match {BOOTSTRAP_TOKEN_PATTERN}")]
    Malformed,
    /// Fewer than 22 of the random bytes were below 252.
    #[error(
        "not enough random bytes to make a bootstrap token: {given} given, 22 below 252 are needed"
    )]
    NotEnoughRandomness {
        /// How many bytes were given.
        given: usize,
    },
}

/// Whether `token` matches [`BOOTSTRAP_TOKEN_PATTERN`].
pub fn is_valid_bootstrap_token(token: &str) -> bool {
    BootstrapToken::parse(token).is_ok()
}

/// The token ID in a bootstrap token Secret's name, as Kubernetes' `ParseName` (the regex
/// `^bootstrap-token-([a-z0-9]{6})$`, where Go's `$` matches only at the very end).
///
/// ```
/// use kube_tls_bootstrap::identity::parse_bootstrap_token_secret_name;
/// assert_eq!(parse_bootstrap_token_secret_name("bootstrap-token-abcdef"), Some("abcdef"));
/// assert_eq!(parse_bootstrap_token_secret_name("bootstrap-token-abcdef\n"), None);
/// ```
pub fn parse_bootstrap_token_secret_name(name: &str) -> Option<&str> {
    name.strip_prefix(BOOTSTRAP_TOKEN_SECRET_PREFIX)
        .filter(|id| is_valid_bootstrap_token_id(id))
}

/// Whether `id` matches [`BOOTSTRAP_TOKEN_ID_PATTERN`].
pub fn is_valid_bootstrap_token_id(id: &str) -> bool {
    id.len() == ID_LEN && id.bytes().all(is_token_char)
}

/// Checks an extra group name against [`BOOTSTRAP_GROUP_PATTERN`]; the error's text is
/// Kubernetes' `ValidateBootstrapGroupName` message.
///
/// ```
/// use kube_tls_bootstrap::identity::validate_bootstrap_group_name;
/// assert!(validate_bootstrap_group_name(b"system:bootstrappers:kubeadm:default-node-token").is_ok());
/// assert_eq!(
///     validate_bootstrap_group_name(b"foo").unwrap_err().to_string(),
///     r#"bootstrap group "foo" is invalid (must match \Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\z)"#
/// );
/// ```
pub fn validate_bootstrap_group_name(name: &[u8]) -> Result<(), InvalidBootstrapGroup> {
    let valid = name
        .strip_prefix(b"system:bootstrappers:")
        .is_some_and(|rest| {
            (1..=256).contains(&rest.len())
                && rest
                    .iter()
                    .all(|&c| is_token_char(c) || c == b':' || c == b'-')
                && rest.last().copied().is_some_and(is_token_char)
        });
    if valid {
        Ok(())
    } else {
        Err(InvalidBootstrapGroup {
            group: name.to_vec(),
        })
    }
}

/// An extra group that does not match [`BOOTSTRAP_GROUP_PATTERN`]; `Display` is Kubernetes'
/// message (the name quoted as Go's `%q` does).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("bootstrap group {} is invalid (must match {BOOTSTRAP_GROUP_PATTERN})", go_quote(.group))]
pub struct InvalidBootstrapGroup {
    /// The group as found.
    pub group: Vec<u8>,
}

/// The part of a `v1` Secret that bootstrap token authentication reads.
///
/// Reads and writes the API object (`apiVersion: v1`, `kind: Secret`, `data` values base64,
/// `metadata.deletionTimestamp` RFC 3339); other fields are ignored when reading.
#[derive(Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct Secret {
    /// Name, namespace and deletion mark.
    pub metadata: SecretMetadata,
    /// The Secret's type (`bootstrap.kubernetes.io/token` for a bootstrap token).
    #[serde(rename = "type", default)]
    pub type_: String,
    /// The data map. `None` (no `data` at all) and an empty map differ: kube-apiserver refuses
    /// the former outright.
    #[serde(default, deserialize_with = "base64_data")]
    pub data: Option<BTreeMap<String, Vec<u8>>>,
}

/// A Secret's `metadata`, as far as authentication reads it.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretMetadata {
    /// The object's name.
    #[serde(default)]
    pub name: String,
    /// The object's namespace.
    #[serde(default)]
    pub namespace: String,
    /// Set when the object is being deleted; such a token no longer authenticates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_timestamp: Option<Timestamp>,
}

impl Secret {
    /// The Secret kubeadm creates for `token`: in `kube-system`, type
    /// `bootstrap.kubernetes.io/token`, with the ID, secret, both usages, the extra groups (if
    /// any) and the expiration (if any).
    pub fn for_bootstrap_token(
        token: &BootstrapToken,
        extra_groups: &[&str],
        expiration: Option<Timestamp>,
    ) -> Self {
        let mut data = BTreeMap::new();
        data.insert(
            BOOTSTRAP_TOKEN_ID_KEY.to_owned(),
            token.id.clone().into_bytes(),
        );
        data.insert(
            BOOTSTRAP_TOKEN_SECRET_KEY.to_owned(),
            token.secret.clone().into_bytes(),
        );
        data.insert(
            BOOTSTRAP_TOKEN_USAGE_AUTHENTICATION.to_owned(),
            b"true".to_vec(),
        );
        data.insert(BOOTSTRAP_TOKEN_USAGE_SIGNING.to_owned(), b"true".to_vec());
        if !extra_groups.is_empty() {
            data.insert(
                BOOTSTRAP_TOKEN_EXTRA_GROUPS_KEY.to_owned(),
                extra_groups.join(",").into_bytes(),
            );
        }
        if let Some(expiration) = expiration {
            data.insert(
                BOOTSTRAP_TOKEN_EXPIRATION_KEY.to_owned(),
                expiration.to_rfc3339().into_bytes(),
            );
        }
        Self {
            metadata: SecretMetadata {
                name: token.secret_name(),
                namespace: BOOTSTRAP_TOKEN_NAMESPACE.to_owned(),
                deletion_timestamp: None,
            },
            type_: SECRET_TYPE_BOOTSTRAP_TOKEN.to_owned(),
            data: Some(data),
        }
    }

    /// The value of data key `key`; a missing key (or no data) reads as empty, as Go's
    /// `GetData`.
    pub fn value(&self, key: &str) -> &[u8] {
        self.data
            .as_ref()
            .and_then(|d| d.get(key))
            .map_or(&[][..], Vec::as_slice)
    }

    /// Checks `token` against this Secret, in kube-apiserver's order, at time `now`; on
    /// success, the user (before `system:authenticated` is added). The Secret is taken to be
    /// the one the API server found under the token's name; if its name differs, the token is
    /// rejected as if no Secret existed.
    ///
    /// The token secret is compared in constant time; everything else reads public values.
    pub fn authenticate(
        &self,
        token: &BootstrapToken,
        now: Timestamp,
    ) -> Result<UserInfo, BootstrapTokenRejection> {
        let name = token.secret_name();
        if self.metadata.name != name || self.metadata.namespace != BOOTSTRAP_TOKEN_NAMESPACE {
            return Err(BootstrapTokenRejection::SecretNotFound { name });
        }
        let secret = || format!("{}/{}", self.metadata.namespace, self.metadata.name);
        if self.metadata.deletion_timestamp.is_some() {
            return Err(BootstrapTokenRejection::Deleted { secret: secret() });
        }
        if self.type_ != SECRET_TYPE_BOOTSTRAP_TOKEN || self.data.is_none() {
            return Err(BootstrapTokenRejection::InvalidType { secret: secret() });
        }
        let stored = self.value(BOOTSTRAP_TOKEN_SECRET_KEY);
        if !bool::from(stored.ct_eq(token.secret.as_bytes())) {
            return Err(BootstrapTokenRejection::SecretMismatch { secret: secret() });
        }
        let id = self.value(BOOTSTRAP_TOKEN_ID_KEY);
        if id != token.id.as_bytes() {
            return Err(BootstrapTokenRejection::IdMismatch {
                secret: secret(),
                expected: token.id.clone(),
            });
        }
        let expiration = self.value(BOOTSTRAP_TOKEN_EXPIRATION_KEY);
        if !expiration.is_empty() {
            let text = String::from_utf8_lossy(expiration).into_owned();
            match std::str::from_utf8(expiration).map(parse_rfc3339) {
                Ok(Ok(at)) if !at.is_at_or_before(now) => {}
                Ok(Ok(_)) => {
                    return Err(BootstrapTokenRejection::Expired {
                        secret: secret(),
                        expiration: text,
                    });
                }
                Ok(Err(e)) => {
                    return Err(BootstrapTokenRejection::UnparseableExpiration {
                        secret: secret(),
                        expiration: text,
                        reason: e.to_string(),
                    });
                }
                Err(_) => {
                    return Err(BootstrapTokenRejection::UnparseableExpiration {
                        secret: secret(),
                        expiration: text,
                        reason: "not UTF-8".to_owned(),
                    });
                }
            }
        }
        if self.value(BOOTSTRAP_TOKEN_USAGE_AUTHENTICATION) != b"true" {
            return Err(BootstrapTokenRejection::NotMarkedForAuthentication { secret: secret() });
        }
        let groups =
            self.groups()
                .map_err(|error| BootstrapTokenRejection::InvalidExtraGroups {
                    secret: secret(),
                    error,
                })?;
        Ok(UserInfo::new(
            format!("{BOOTSTRAP_USER_PREFIX}{}", token.id),
            groups,
        ))
    }

    /// The groups of a token backed by this Secret, as Kubernetes' `GetGroups`:
    /// `system:bootstrappers` plus every extra group, each validated, de-duplicated and sorted
    /// byte-wise.
    pub fn groups(&self) -> Result<Vec<String>, InvalidBootstrapGroup> {
        let mut groups = std::collections::BTreeSet::new();
        groups.insert(BOOTSTRAP_DEFAULT_GROUP.to_owned());
        let extra = self.value(BOOTSTRAP_TOKEN_EXTRA_GROUPS_KEY);
        if !extra.is_empty() {
            for group in extra.split(|&b| b == b',') {
                validate_bootstrap_group_name(group)?;
                // A valid group is ASCII.
                groups.insert(String::from_utf8_lossy(group).into_owned());
            }
        }
        Ok(groups.into_iter().collect())
    }
}

impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire<'a> {
            api_version: &'static str,
            kind: &'static str,
            metadata: &'a SecretMetadata,
            #[serde(rename = "type")]
            type_: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            data: Option<BTreeMap<&'a str, String>>,
        }
        use base64::Engine as _;
        Wire {
            api_version: "v1",
            kind: "Secret",
            metadata: &self.metadata,
            type_: &self.type_,
            data: self.data.as_ref().map(|data| {
                data.iter()
                    .map(|(k, v)| {
                        (
                            k.as_str(),
                            base64::engine::general_purpose::STANDARD.encode(v),
                        )
                    })
                    .collect()
            }),
        }
        .serialize(serializer)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let data = self.data.as_ref().map(|data| {
            data.iter()
                .map(|(k, v)| {
                    let shown = if k == BOOTSTRAP_TOKEN_SECRET_KEY {
                        format!("[redacted, {} bytes]", v.len())
                    } else {
                        String::from_utf8_lossy(v).into_owned()
                    };
                    (k.as_str(), shown)
                })
                .collect::<BTreeMap<_, _>>()
        });
        f.debug_struct("Secret")
            .field("metadata", &self.metadata)
            .field("type", &self.type_)
            .field("data", &data)
            .finish()
    }
}

/// Why kube-apiserver does not authenticate a bootstrap token. Every case is "not
/// authenticated" to the client; `Display` is kube-apiserver's log line, except that the
/// presented secret is never repeated (Kubernetes logs it on a mismatch).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BootstrapTokenRejection {
    /// The bearer token is not of the form `<id>.<secret>`: not a bootstrap token at all.
    #[error("the bearer token is not a bootstrap token")]
    NotABootstrapToken,
    /// No Secret of the token's name in `kube-system`.
    #[error("No secret of name {name} to match bootstrap bearer token")]
    SecretNotFound {
        /// `bootstrap-token-<id>`.
        name: String,
    },
    /// The Secret has a deletion timestamp.
    #[error("Bootstrap secret {secret} matching bearer token is deleted and awaiting removal")]
    Deleted {
        /// `namespace/name`.
        secret: String,
    },
    /// Wrong type, or no data.
    #[error(
        "Bootstrap secret {secret} matching bearer token has invalid type, expected bootstrap.kubernetes.io/token."
    )]
    InvalidType {
        /// `namespace/name`.
        secret: String,
    },
    /// The token's secret differs from `token-secret`.
    #[error(
        "Bootstrap secret {secret} matching bearer token has invalid value for key token-secret."
    )]
    SecretMismatch {
        /// `namespace/name`.
        secret: String,
    },
    /// `token-id` differs from the token's ID.
    #[error(
        "Bootstrap secret {secret} matching bearer token has invalid value for key token-id, expected {expected}."
    )]
    IdMismatch {
        /// `namespace/name`.
        secret: String,
        /// The token's ID.
        expected: String,
    },
    /// The expiration is at or before `now`.
    #[error("Expired bootstrap token in {secret} Secret: {expiration}")]
    Expired {
        /// `namespace/name`.
        secret: String,
        /// The `expiration` value.
        expiration: String,
    },
    /// The expiration does not parse as RFC 3339: treated as expired.
    #[error(
        "Unparseable expiration time ({expiration}) in {secret} Secret: {reason}. Treating as expired."
    )]
    UnparseableExpiration {
        /// `namespace/name`.
        secret: String,
        /// The `expiration` value.
        expiration: String,
        /// Why it does not parse.
        reason: String,
    },
    /// `usage-bootstrap-authentication` is not exactly `true`.
    #[error(
        "Bootstrap secret {secret} matching bearer token not marked usage-bootstrap-authentication=true."
    )]
    NotMarkedForAuthentication {
        /// `namespace/name`.
        secret: String,
    },
    /// An extra group is invalid.
    #[error(
        "Bootstrap secret {secret} matching bearer token has invalid value for key auth-extra-groups: {error}."
    )]
    InvalidExtraGroups {
        /// `namespace/name`.
        secret: String,
        /// The first invalid group.
        error: InvalidBootstrapGroup,
    },
}

/// kube-apiserver's bootstrap token authenticator over the Secrets of `kube-system` it has
/// cached.
#[derive(Clone, Debug, Default)]
pub struct BootstrapTokenAuthenticator {
    /// `kube-system` Secrets by name.
    secrets: BTreeMap<String, Secret>,
}

impl BootstrapTokenAuthenticator {
    /// An authenticator with no Secrets.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces a Secret (as the informer cache would see it). Secrets outside
    /// `kube-system` are not seen by the authenticator; they are refused and `false` returned.
    pub fn insert(&mut self, secret: Secret) -> bool {
        if secret.metadata.namespace != BOOTSTRAP_TOKEN_NAMESPACE {
            return false;
        }
        self.secrets.insert(secret.metadata.name.clone(), secret);
        true
    }

    /// Removes the `kube-system` Secret `name`, returning it.
    pub fn remove(&mut self, name: &str) -> Option<Secret> {
        self.secrets.remove(name)
    }

    /// The Secrets, by name.
    pub fn secrets(&self) -> &BTreeMap<String, Secret> {
        &self.secrets
    }

    /// Checks `token` at time `now` as kube-apiserver does; on success the user before
    /// `system:authenticated` is added, else why not.
    ///
    /// ```
    /// use kube_tls_bootstrap::identity::{BootstrapToken, BootstrapTokenAuthenticator, Secret};
    /// use kube_tls_bootstrap::time::Timestamp;
    /// let token = BootstrapToken::parse("abcdef.0123456789abcdef")?;
    /// let mut auth = BootstrapTokenAuthenticator::new();
    /// auth.insert(Secret::for_bootstrap_token(
    ///     &token,
    ///     &["system:bootstrappers:kubeadm:default-node-token"],
    ///     Some(Timestamp::parse_rfc3339("2030-01-01T00:00:00Z")?),
    /// ));
    /// let now = Timestamp::parse_rfc3339("2026-01-01T00:00:00Z")?;
    /// let user = auth.authenticate("abcdef.0123456789abcdef", now).unwrap();
    /// assert_eq!(user.name, "system:bootstrap:abcdef");
    /// assert_eq!(
    ///     user.groups,
    ///     [
    ///         "system:bootstrappers",
    ///         "system:bootstrappers:kubeadm:default-node-token",
    ///         "system:authenticated"
    ///     ]
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check(&self, token: &str, now: Timestamp) -> Result<UserInfo, BootstrapTokenRejection> {
        let token = BootstrapToken::parse(token)
            .map_err(|_| BootstrapTokenRejection::NotABootstrapToken)?;
        let name = token.secret_name();
        match self.secrets.get(&name) {
            Some(secret) => secret.authenticate(&token, now),
            None => Err(BootstrapTokenRejection::SecretNotFound { name }),
        }
    }

    /// The user kube-apiserver passes on for `token` at `now` (with `system:authenticated`), or
    /// `None`.
    pub fn authenticate(&self, token: &str, now: Timestamp) -> Option<UserInfo> {
        self.check(token, now)
            .ok()
            .map(UserInfo::with_authenticated_group)
    }
}

fn is_token_char(c: u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// Go's `strconv.Quote` for the characters a group name can hold: `"` and `\` escaped, the C
/// escapes for control characters, `\xHH` for other ASCII controls and invalid bytes, `\u` for
/// non-printable characters. (Go's printability table is approximated by Rust's control and
/// white-space properties plus the common format characters.)
fn go_quote(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\u{7}' => out.push_str("\\a"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{b}' => out.push_str("\\v"),
                c if c < ' ' || c == '\u{7f}' => {
                    let _ = write!(out, "\\x{:02x}", u32::from(c));
                }
                c if is_go_printable(c) => out.push(c),
                c if u32::from(c) < 0x10000 => {
                    let _ = write!(out, "\\u{:04x}", u32::from(c));
                }
                c => {
                    let _ = write!(out, "\\U{:08x}", u32::from(c));
                }
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out.push('"');
    out
}

fn is_go_printable(c: char) -> bool {
    c == ' '
        || !(c.is_control()
            || c.is_whitespace()
            || matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{feff}'))
}

/// `data` as the API server writes it: each value base64 (standard alphabet, padded).
fn base64_data<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<BTreeMap<String, Vec<u8>>>, D::Error> {
    use base64::Engine as _;
    use serde::Deserialize as _;
    let Some(encoded) = Option::<BTreeMap<String, String>>::deserialize(deserializer)? else {
        return Ok(None);
    };
    encoded
        .into_iter()
        .map(
            |(k, v)| match base64::engine::general_purpose::STANDARD.decode(v.as_bytes()) {
                Ok(bytes) => Ok((k, bytes)),
                Err(e) => Err(serde::de::Error::custom(format_args!(
                    "data.{k}: illegal base64 data: {e}"
                ))),
            },
        )
        .collect::<Result<_, _>>()
        .map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_quote_matches_strconv_quote() {
        assert_eq!(go_quote(b"foo"), "\"foo\"");
        assert_eq!(go_quote(b"a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(go_quote(b"x\n\t\x01\x7f"), r#""x\n\t\x01\x7f""#);
        assert_eq!(
            go_quote("é\u{a0}\u{feff}".as_bytes()),
            "\"é\\u00a0\\ufeff\""
        );
        assert_eq!(go_quote(b"\xff"), r#""\xff""#);
    }

    #[test]
    fn generation_rejects_biased_bytes() {
        let mut random = vec![252, 253, 254, 255];
        random.extend(0..22u8);
        let token = BootstrapToken::generate(&random).unwrap();
        assert_eq!(token.id(), "012345");
        assert_eq!(token.secret(), "6789abcdefghijkl");
        assert_eq!(
            BootstrapToken::generate(&random[..25]),
            Err(BootstrapTokenError::NotEnoughRandomness { given: 25 })
        );
        // 36 ≡ 0 and 251 ≡ 35 (mod 36): both ends of the alphabet.
        let token = BootstrapToken::generate(&[36, 251].repeat(11)).unwrap();
        assert_eq!(token.expose(), "0z0z0z.0z0z0z0z0z0z0z0z");
    }
}
