//! The inputs as the log holds them: no token in clear, keys as indices.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::api::{Credential, Operation, Reply, Request, RequestId, WatchEvent, WatchId};
use crate::control_plane::{self, TicketId};
use crate::identity::TokenDigest;
use crate::kubelet::{self, KeyPurpose, NodeAddress};

use super::B64;

/// A credential as the log holds it: no token in clear.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum CredentialRecord {
    /// No credential.
    None,
    /// A bearer token, as its `sha256:` fingerprint.
    BearerToken(String),
    /// The client certificate chain, leaf first, each DER in base64.
    ClientCertificate(Vec<String>),
}

impl CredentialRecord {
    /// The record of `credential`.
    pub fn of(credential: &Credential) -> Self {
        match credential {
            Credential::None => Self::None,
            Credential::BearerToken(t) => {
                Self::BearerToken(TokenDigest::of(t.as_bytes()).fingerprint())
            }
            Credential::ClientCertificate(chain) => {
                Self::ClientCertificate(chain.iter().map(|der| B64.encode(der)).collect())
            }
        }
    }
}

/// A control-plane input as the log holds it (see the [module documentation](crate::cluster::record)).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
#[non_exhaustive]
pub enum ControlPlaneInput {
    /// [`control_plane::Input::Request`].
    Request {
        /// The request id the driver chose.
        id: RequestId,
        /// Who sends it.
        credential: CredentialRecord,
        /// What it asks.
        operation: Operation,
    },
    /// [`control_plane::Input::CloseWatch`].
    CloseWatch(WatchId),
    /// [`control_plane::Input::Verdict`].
    Verdict {
        /// The ticket answered.
        ticket: u64,
        /// The answer.
        verdict: VerdictRecord,
    },
    /// [`control_plane::Input::Signature`]: exactly one of `signature` and `error`.
    Signature {
        /// The ticket answered.
        ticket: u64,
        /// The DER `ECDSA-Sig-Value`, base64.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signature: Option<String>,
        /// The signer's error.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// [`control_plane::Input::Timeout`].
    Timeout,
}

/// [`control_plane::Verdict`] as the log holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum VerdictRecord {
    /// Add `Approved`.
    Approve {
        /// The condition's reason.
        reason: String,
        /// The condition's message.
        message: String,
    },
    /// Add `Denied`.
    Deny {
        /// The condition's reason.
        reason: String,
        /// The condition's message.
        message: String,
    },
    /// Leave it pending.
    Abstain,
}

impl ControlPlaneInput {
    /// The record of `input`.
    pub fn from_input(input: &control_plane::Input) -> Self {
        match input {
            control_plane::Input::Request { id, request } => Self::Request {
                id: *id,
                credential: CredentialRecord::of(&request.credential),
                operation: request.operation.clone(),
            },
            control_plane::Input::CloseWatch(w) => Self::CloseWatch(*w),
            control_plane::Input::Verdict { ticket, verdict } => Self::Verdict {
                ticket: ticket.0,
                verdict: match verdict {
                    control_plane::Verdict::Approve { reason, message } => VerdictRecord::Approve {
                        reason: reason.clone(),
                        message: message.clone(),
                    },
                    control_plane::Verdict::Deny { reason, message } => VerdictRecord::Deny {
                        reason: reason.clone(),
                        message: message.clone(),
                    },
                    control_plane::Verdict::Abstain => VerdictRecord::Abstain,
                },
            },
            control_plane::Input::Signature { ticket, signature } => Self::Signature {
                ticket: ticket.0,
                signature: signature.as_ref().ok().map(|s| B64.encode(s)),
                error: signature.as_ref().err().cloned(),
            },
            control_plane::Input::Timeout => Self::Timeout,
        }
    }

    /// The input again; `tokens` resolves fingerprints to tokens.
    pub fn to_input(&self, tokens: &Tokens) -> Result<control_plane::Input, InputError> {
        Ok(match self {
            Self::Request {
                id,
                credential,
                operation,
            } => control_plane::Input::Request {
                id: *id,
                request: Request {
                    credential: tokens.credential(credential)?,
                    operation: operation.clone(),
                },
            },
            Self::CloseWatch(w) => control_plane::Input::CloseWatch(*w),
            Self::Verdict { ticket, verdict } => control_plane::Input::Verdict {
                ticket: TicketId(*ticket),
                verdict: match verdict {
                    VerdictRecord::Approve { reason, message } => control_plane::Verdict::Approve {
                        reason: reason.clone(),
                        message: message.clone(),
                    },
                    VerdictRecord::Deny { reason, message } => control_plane::Verdict::Deny {
                        reason: reason.clone(),
                        message: message.clone(),
                    },
                    VerdictRecord::Abstain => control_plane::Verdict::Abstain,
                },
            },
            Self::Signature {
                ticket,
                signature,
                error,
            } => control_plane::Input::Signature {
                ticket: TicketId(*ticket),
                signature: match (signature, error) {
                    (Some(s), None) => Ok(B64
                        .decode(s)
                        .map_err(|e| InputError::Base64(e.to_string()))?),
                    (None, Some(e)) => Err(e.clone()),
                    _ => return Err(InputError::Signature),
                },
            },
            Self::Timeout => control_plane::Input::Timeout,
        })
    }
}

/// Whether a restarted kubelet finds a new disk or the files its predecessor left.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DiskState {
    /// The CA and the bootstrap kubeconfig only.
    New,
    /// What the previous process on the host left.
    Kept,
}

/// A host input as the log holds it (see the [module documentation](crate::cluster::record)).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
#[non_exhaustive]
pub enum HostInput {
    /// A kubelet process starts.
    Start {
        /// Its node name.
        node: String,
        /// The index of its [`crate::cluster::NodeConfig`] among those given to the replayer.
        node_config: usize,
        /// Which files it finds.
        disk: DiskState,
    },
    /// [`kubelet::Input::Reply`].
    Reply {
        /// The kubelet's request id.
        id: RequestId,
        /// The reply.
        reply: Reply,
    },
    /// [`kubelet::Input::RequestFailed`].
    RequestFailed {
        /// The kubelet's request id.
        id: RequestId,
        /// The transport error.
        error: String,
    },
    /// [`kubelet::Input::WatchEvent`].
    WatchEvent {
        /// The watch.
        watch: WatchId,
        /// The event.
        event: WatchEvent,
    },
    /// [`kubelet::Input::WatchEnded`].
    WatchEnded(WatchId),
    /// [`kubelet::Input::Key`]: the key is [`crate::cluster::node_key`]`(seed, host, index)`.
    Key {
        /// What the key is for.
        purpose: KeyPurpose,
        /// The derivation index.
        index: u64,
    },
    /// [`kubelet::Input::NodeAddresses`].
    NodeAddresses(Vec<NodeAddress>),
    /// [`kubelet::Input::Timeout`].
    Timeout,
}

impl HostInput {
    /// The kubelet input, the key derived from `seed` for `host`; `None` for `start` and when
    /// the derived scalar is not a valid key (probability about 2^-128).
    pub fn to_input(&self, seed: u64, host: &str) -> Option<kubelet::Input> {
        Some(match self {
            Self::Start { .. } => return None,
            Self::Reply { id, reply } => kubelet::Input::Reply {
                id: *id,
                reply: reply.clone(),
            },
            Self::RequestFailed { id, error } => kubelet::Input::RequestFailed {
                id: *id,
                error: error.clone(),
            },
            Self::WatchEvent { watch, event } => kubelet::Input::WatchEvent {
                watch: *watch,
                event: event.clone(),
            },
            Self::WatchEnded(w) => kubelet::Input::WatchEnded(*w),
            Self::Key { purpose, index } => {
                kubelet::Input::Key(*purpose, crate::cluster::node_key(seed, host, *index)?)
            }
            Self::NodeAddresses(a) => kubelet::Input::NodeAddresses(a.clone()),
            Self::Timeout => kubelet::Input::Timeout,
        })
    }
}

/// The bearer tokens a replayer can put back, by fingerprint.
#[derive(Clone, Default)]
pub struct Tokens {
    by_fingerprint: BTreeMap<String, String>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.by_fingerprint.keys()).finish()
    }
}

impl Tokens {
    /// The bootstrap tokens of `nodes`.
    pub fn of_nodes(nodes: &[crate::cluster::NodeConfig]) -> Self {
        let mut tokens = Self::default();
        for n in nodes {
            tokens.add(&n.bootstrap_token);
        }
        tokens
    }

    /// Adds a token (e.g. one a caller of [`crate::cluster::Cluster::call`] used).
    pub fn add(&mut self, token: &str) {
        self.by_fingerprint.insert(
            TokenDigest::of(token.as_bytes()).fingerprint(),
            token.to_owned(),
        );
    }

    pub(super) fn credential(&self, record: &CredentialRecord) -> Result<Credential, InputError> {
        Ok(match record {
            CredentialRecord::None => Credential::None,
            CredentialRecord::BearerToken(fp) => Credential::BearerToken(
                self.by_fingerprint
                    .get(fp)
                    .ok_or_else(|| InputError::UnknownToken(fp.clone()))?
                    .clone(),
            ),
            CredentialRecord::ClientCertificate(chain) => Credential::ClientCertificate(
                chain
                    .iter()
                    .map(|c| B64.decode(c).map_err(|e| InputError::Base64(e.to_string())))
                    .collect::<Result<_, _>>()?,
            ),
        })
    }
}

/// Why a recorded input could not be rebuilt.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// No token given to the replayer has this fingerprint.
    #[error("no token with fingerprint {0}")]
    UnknownToken(String),
    /// A certificate or signature is not base64.
    #[error("base64: {0}")]
    Base64(String),
    /// A `signature` record has both or neither of `signature` and `error`.
    #[error("a signature record needs exactly one of signature and error")]
    Signature,
}
