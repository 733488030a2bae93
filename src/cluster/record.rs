//! The cluster's recording: one JSON line per input it delivers and per action of its driver,
//! and the two ways to replay it.
//!
//! # The log
//!
//! Each line is one [`Record`], a JSON object with these fields, in this order:
//!
//! | field | value |
//! |---|---|
//! | `at` | the virtual time, as Go prints a `time.Time` (`2026-12-01 09:00:05.25 +0000 UTC`) |
//! | `to` | `cluster` for a driver action, `control-plane`, or the host's name |
//! | `input` | the action ([`Action`]), the control-plane input ([`ControlPlaneInput`]) or the host input ([`HostInput`]) |
//! | `outputs` | for inputs only: `{"count":n,"sha256":"…"}`, how many outputs the machine gave in answer and a digest of them ([`Outputs`]) |
//!
//! Every enum is written as serde's externally tagged form with camelCase names: a variant
//! without data is a string (`"timeout"`), one with data an object with one key
//! (`{"closeWatch":3}`, `{"key":{"purpose":"client","index":1}}`). API objects inside
//! ([`Operation`], [`Reply`], [`WatchEvent`]) are Kubernetes' own JSON
//! (`metadata`, `spec`, `status`, byte fields base64).
//!
//! A control-plane input is one of
//! - `{"request":{"id":n,"credential":…,"operation":…}}`, an API request;
//! - `{"closeWatch":w}`, a client closed a watch;
//! - `{"verdict":{"ticket":t,"verdict":{"approve":{"reason":…,"message":…}}}}` (or `deny`, or
//!   `"abstain"`), an external approver's answer;
//! - `{"signature":{"ticket":t,"signature":"<base64 DER>"}}` or
//!   `{"signature":{"ticket":t,"error":"…"}}`, an external signer's answer;
//! - `"timeout"`, the control plane's timer fired.
//!
//! A host input is one of
//! - `{"start":{"node":…,"nodeConfig":i,"disk":"new"|"kept"}}`, a kubelet process started for
//!   `node` from the `i`-th node configuration given to the replayer, on a new disk (the CA and
//!   the bootstrap kubeconfig) or on the files the previous process left;
//! - `{"reply":{"id":n,"reply":…}}`, the API server's reply to the kubelet's request `n`;
//! - `{"requestFailed":{"id":n,"error":…}}`, a request that got no answer;
//! - `{"watchEvent":{"watch":w,"event":{"type":…,"object":…}}}`, `{"watchEnded":w}`;
//! - `{"key":{"purpose":"legacyClient"|"client"|"serving","index":n}}`, a fresh P-256 key: the
//!   `n`-th key the cluster derived for this host from its seed ([`super::node_key`]);
//! - `{"nodeAddresses":[{"type":"InternalIP","address":"10.0.0.11"}]}`;
//! - `"timeout"`, the kubelet's timer fired.
//!
//! An action is one of `{"startHost":{"host":…,"nodeConfig":i}}`, `{"restart":{"host":…}}`,
//! `{"rename":{"host":…,"nodeName":…}}`, `{"kubectl":{"command":…}}`, `"call"` (the request is
//! the control-plane record on the next line), `{"advance":{"nanos":n}}`, `"nextTimer"`,
//! `"runUntilIdle"` and `{"nodeAddresses":{"host":…,"addresses":[["InternalIP","10.0.0.11"]]}}`.
//!
//! # No secrets
//!
//! A log holds no secret. A bearer token is written as its `sha256:` fingerprint
//! ([`TokenDigest::fingerprint`](crate::identity::TokenDigest::fingerprint)) and the replayer
//! looks it up among the bootstrap tokens of the node configurations it is given; a key as the
//! index it was derived from; certificates, which are public, in full (DER, base64).
//!
//! # Outputs
//!
//! Each input record carries the count and a SHA-256 digest (first 64 bits, hex) of the outputs
//! the machine produced while handling it — for a `start`, the outputs of the new process. The
//! digest covers every byte: API objects as their JSON, tokens, file contents (private keys
//! included) and log lines as raw bytes, the control plane's events and tickets as their Rust
//! `Debug` rendering; each output is length-prefixed. Digests keep a log readable and free of
//! secrets, and make "the same outputs, byte for byte" something the replayer checks.
//!
//! # Replaying
//!
//! - [`replay_inputs`] (input level): builds a control plane from the configuration and each
//!   kubelet when its `start` record comes, feeds every recorded input to its machine at its
//!   recorded time — the driver is not run — and compares the outputs with each record's
//!   digest. Edit one input and it shows where the outputs start to differ.
//! - [`replay`] (action level): runs the driver actions (`"to":"cluster"`) on a fresh cluster,
//!   which delivers everything again and records a new log; with nothing changed the new log
//!   equals the old byte for byte, and [`first_difference`] says where two logs part.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::api::{Credential, Operation, Reply, Request, RequestId, WatchEvent, WatchId};
use crate::control_plane::{self, ControlPlane, TicketId};
use crate::identity::TokenDigest;
use crate::kubelet::{self, Disk, KeyPurpose, Machine, NodeAddress};
use crate::time::Instant;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// One line of the recording.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Record {
    /// The virtual time, as Go prints a `time.Time`.
    pub at: String,
    /// `cluster` for the driver's actions, `control-plane`, or the host's name.
    pub to: String,
    /// The input or action.
    pub input: RecordInput,
    /// What the machine gave in answer to the input (absent on actions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outputs: Option<Outputs>,
}

/// What a record holds, by its destination.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum RecordInput {
    /// `"to":"cluster"`.
    Action(Action),
    /// `"to":"control-plane"`.
    ControlPlane(ControlPlaneInput),
    /// `"to":"<host>"`.
    Host(HostInput),
}

impl Serialize for RecordInput {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Action(a) => a.serialize(serializer),
            Self::ControlPlane(i) => i.serialize(serializer),
            Self::Host(i) => i.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Record {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            at: String,
            to: String,
            input: Value,
            #[serde(default)]
            outputs: Option<Outputs>,
        }
        let raw = Raw::deserialize(deserializer)?;
        let input = match raw.to.as_str() {
            "cluster" => serde_json::from_value(raw.input).map(RecordInput::Action),
            "control-plane" => serde_json::from_value(raw.input).map(RecordInput::ControlPlane),
            _ => serde_json::from_value(raw.input).map(RecordInput::Host),
        }
        .map_err(|e| D::Error::custom(format!("{} input: {e}", raw.to)))?;
        Ok(Self {
            at: raw.at,
            to: raw.to,
            input,
            outputs: raw.outputs,
        })
    }
}

/// How many outputs a machine produced for one input, and their digest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outputs {
    /// How many.
    pub count: u64,
    /// SHA-256 over the length-prefixed outputs, first 16 hex digits.
    pub sha256: String,
}

impl std::fmt::Display for Outputs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} outputs, sha256 {}", self.count, self.sha256)
    }
}

/// Accumulates the digest of a machine's outputs.
#[derive(Clone)]
pub(super) struct OutputDigest {
    sha: Sha256,
    count: u64,
}

impl std::fmt::Debug for OutputDigest {
    /// The count only: the running hash state is of no use to a reader.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutputDigest")
            .field("count", &self.count)
            .finish_non_exhaustive()
    }
}

impl OutputDigest {
    pub(super) fn new() -> Self {
        Self {
            sha: Sha256::new(),
            count: 0,
        }
    }

    fn part(&mut self, bytes: &[u8]) {
        self.sha.update((bytes.len() as u64).to_be_bytes());
        self.sha.update(bytes);
    }

    fn json(&mut self, value: &impl Serialize) {
        // API objects of strings, numbers, maps and byte arrays always serialize.
        let text = serde_json::to_vec(value).unwrap_or_default();
        self.part(&text);
    }

    /// Adds one control-plane output.
    pub(super) fn control_plane(&mut self, output: &control_plane::Output) {
        self.count += 1;
        match output {
            control_plane::Output::Reply { id, reply } => {
                self.part(b"reply");
                self.part(&id.0.to_be_bytes());
                self.json(reply);
            }
            control_plane::Output::Watch { watch, event } => {
                self.part(b"watch");
                self.part(&watch.0.to_be_bytes());
                self.json(event);
            }
            control_plane::Output::Review(t) => {
                self.part(b"review");
                self.part(format!("{t:?}").as_bytes());
            }
            control_plane::Output::Sign(t) => {
                self.part(b"sign");
                self.part(format!("{t:?}").as_bytes());
            }
            control_plane::Output::Stored(c) => {
                self.part(b"stored");
                self.part(format!("{c:?}").as_bytes());
            }
            control_plane::Output::Event(e) => {
                self.part(b"event");
                self.part(format!("{e:?}").as_bytes());
            }
        }
    }

    /// Adds one kubelet output.
    pub(super) fn host(&mut self, output: &kubelet::Output) {
        self.count += 1;
        match output {
            kubelet::Output::Request { id, request } => {
                self.part(b"request");
                self.part(&id.0.to_be_bytes());
                match &request.credential {
                    Credential::None => self.part(b"none"),
                    Credential::BearerToken(t) => {
                        self.part(b"bearer");
                        self.part(t.as_bytes());
                    }
                    Credential::ClientCertificate(chain) => {
                        self.part(b"certificate");
                        for der in chain {
                            self.part(der);
                        }
                    }
                }
                self.json(&request.operation);
            }
            kubelet::Output::StopWatch(w) => {
                self.part(b"stopWatch");
                self.part(&w.0.to_be_bytes());
            }
            kubelet::Output::GenerateKey(p) => {
                self.part(b"generateKey");
                self.json(p);
            }
            kubelet::Output::File(op) => {
                self.part(b"file");
                file_operation(self, op);
            }
            kubelet::Output::Log(line) => {
                self.part(b"log");
                self.part(format!("{:?}", line.level).as_bytes());
                self.part(line.text.as_bytes());
            }
            kubelet::Output::CertificateChanged { purpose, pair } => {
                self.part(b"certificateChanged");
                self.json(purpose);
                for der in pair.chain_der() {
                    self.part(&der);
                }
                self.part(&pair.key.to_pkcs8_der());
                self.part(pair.cert_path.as_bytes());
                self.part(pair.key_path.as_bytes());
            }
            kubelet::Output::Bootstrapped => self.part(b"bootstrapped"),
            kubelet::Output::Exit(text) => {
                self.part(b"exit");
                self.part(text.as_bytes());
            }
        }
    }

    /// The count and digest so far, starting again.
    pub(super) fn take(&mut self) -> Outputs {
        let done = std::mem::replace(self, Self::new());
        let digest = done.sha.finalize();
        Outputs {
            count: done.count,
            sha256: hex(&digest[..8]),
        }
    }
}

fn file_operation(d: &mut OutputDigest, op: &kubelet::FileOperation) {
    match op {
        kubelet::FileOperation::CreateDirectory { path, mode } => {
            d.part(b"mkdir");
            d.part(path.as_bytes());
            d.part(&mode.to_be_bytes());
        }
        kubelet::FileOperation::WriteFile {
            path,
            mode,
            contents,
        } => {
            d.part(b"write");
            d.part(path.as_bytes());
            d.part(&mode.to_be_bytes());
            d.part(contents);
        }
        kubelet::FileOperation::Symlink { target, link } => {
            d.part(b"symlink");
            d.part(target.as_bytes());
            d.part(link.as_bytes());
        }
        kubelet::FileOperation::Rename { from, to } => {
            d.part(b"rename");
            d.part(from.as_bytes());
            d.part(to.as_bytes());
        }
        kubelet::FileOperation::Remove { path } => {
            d.part(b"remove");
            d.part(path.as_bytes());
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    out
}

impl Record {
    fn new(at: Instant, to: &str, input: RecordInput) -> Self {
        Self {
            at: crate::kubelet::rotation::go_time(at),
            to: to.to_owned(),
            input,
            outputs: None,
        }
    }

    /// The record as one JSON line (no trailing newline).
    pub fn to_json_line(&self) -> String {
        // Strings and JSON values always serialize.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A driver action.
    pub(super) fn action(at: Instant, action: &Action) -> Self {
        Self::new(at, "cluster", RecordInput::Action(action.clone()))
    }

    /// An input delivered to the control plane.
    pub(super) fn control_plane(at: Instant, input: &control_plane::Input) -> Self {
        Self::new(
            at,
            "control-plane",
            RecordInput::ControlPlane(ControlPlaneInput::from_input(input)),
        )
    }

    /// An input delivered to a kubelet.
    pub(super) fn host(at: Instant, host: &str, input: HostInput) -> Self {
        Self::new(at, host, RecordInput::Host(input))
    }

    /// The virtual time of the record.
    pub fn instant(&self) -> Option<Instant> {
        parse_go_time(&self.at)
    }
}

/// `2026-12-01 09:00:05.25 +0000 UTC` back to an instant.
fn parse_go_time(s: &str) -> Option<Instant> {
    let rest = s.strip_suffix(" +0000 UTC")?;
    let (date, time) = rest.split_once(' ')?;
    let t = crate::time::parse_rfc3339(&format!("{date}T{time}Z")).ok()?;
    Some(Instant::from(t))
}

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

/// A control-plane input as the log holds it (see the [module documentation](self)).
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

/// A host input as the log holds it (see the [module documentation](self)).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
#[non_exhaustive]
pub enum HostInput {
    /// A kubelet process starts.
    Start {
        /// Its node name.
        node: String,
        /// The index of its [`super::NodeConfig`] among those given to the replayer.
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
    /// [`kubelet::Input::Key`]: the key is [`super::node_key`]`(seed, host, index)`.
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
                kubelet::Input::Key(*purpose, super::node_key(seed, host, *index)?)
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
    pub fn of_nodes(nodes: &[super::NodeConfig]) -> Self {
        let mut tokens = Self::default();
        for n in nodes {
            tokens.add(&n.bootstrap_token);
        }
        tokens
    }

    /// Adds a token (e.g. one a caller of [`super::Cluster::call`] used).
    pub fn add(&mut self, token: &str) {
        self.by_fingerprint.insert(
            TokenDigest::of(token.as_bytes()).fingerprint(),
            token.to_owned(),
        );
    }

    fn credential(&self, record: &CredentialRecord) -> Result<Credential, InputError> {
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

/// What the driver was asked to do; a log's actions replay it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
#[non_exhaustive]
pub enum Action {
    /// [`super::Cluster::start_host`]; the token is recorded as the index of the node's
    /// configuration in the replayer's list, never as text.
    StartHost {
        /// The host.
        host: String,
        /// The index into the node configurations given to [`super::replay`].
        node_config: usize,
    },
    /// [`super::Cluster::restart_node`].
    Restart {
        /// The host.
        host: String,
    },
    /// [`super::Cluster::kubectl`].
    Kubectl {
        /// The command line after `kubectl`.
        command: String,
    },
    /// [`super::Cluster::call`]: the request is the control-plane record that follows.
    Call,
    /// [`super::Cluster::advance`], in nanoseconds.
    Advance {
        /// Nanoseconds.
        nanos: i64,
    },
    /// [`super::Cluster::advance_to_next_timer`].
    NextTimer,
    /// [`super::Cluster::run_until_idle`].
    RunUntilIdle,
    /// [`super::Cluster::rename_node`].
    Rename {
        /// The host.
        host: String,
        /// The new node name.
        node_name: String,
    },
    /// [`super::Cluster::set_node_addresses`]: `(type, address)` pairs.
    NodeAddresses {
        /// The host.
        host: String,
        /// The addresses.
        addresses: Vec<(String, String)>,
    },
}

/// Why a log could not be replayed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// A line is not JSON, or not a record (its `input` not one of its destination's).
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based.
        line: usize,
        /// 1-based, within the line.
        column: usize,
        /// The JSON error.
        message: String,
    },
    /// A record that does not fit where it is (a `call` action without its request).
    #[error("line {line}: {message}")]
    Line {
        /// 1-based.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A record's input could not be rebuilt (e.g. an unknown token fingerprint).
    #[error("line {line}: {error}")]
    Input {
        /// 1-based.
        line: usize,
        /// Why.
        error: InputError,
    },
    /// A record's time is not Go's `time.Time` format in UTC.
    #[error("line {line}: bad time {at:?}")]
    Time {
        /// 1-based.
        line: usize,
        /// The text.
        at: String,
    },
    /// An input for a host no `start` record started.
    #[error("line {line}: no kubelet on host {host:?}")]
    UnknownHost {
        /// 1-based.
        line: usize,
        /// The host.
        host: String,
    },
    /// A record names a node configuration that was not given.
    #[error("line {line}: no node configuration {index}")]
    NodeConfig {
        /// 1-based.
        line: usize,
        /// The index asked for.
        index: usize,
    },
    /// The cluster could not be set up.
    #[error(transparent)]
    Cluster(#[from] super::Error),
}

fn parse_line(i: usize, line: &str) -> Result<Record, ReplayError> {
    serde_json::from_str(line).map_err(|e| {
        // serde_json ends its text with the position in the one-line input; the error has
        // its own line and column.
        let text = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        ReplayError::Syntax {
            line: i + 1,
            column: e.column(),
            message: text.strip_suffix(&suffix).unwrap_or(&text).to_owned(),
        }
    })
}

/// Runs the driver actions of `log` (the `cluster` records) on a fresh cluster made from
/// `config`, starting the `n`-th host with `nodes[n]`; every other record is what the run
/// delivers and is made again. With nothing changed, the new cluster's [`super::Cluster::log`]
/// equals `log` byte for byte. A [`Action::Call`] sends the request of the control-plane record
/// after it again, its bearer token found among the nodes' bootstrap tokens.
pub fn replay(
    config: super::ClusterConfig,
    nodes: &[super::NodeConfig],
    log: &str,
) -> Result<super::Cluster, ReplayError> {
    let tokens = Tokens::of_nodes(nodes);
    let mut cluster = super::Cluster::new(config)?;
    let lines: Vec<&str> = log.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let record = parse_line(i, line)?;
        let RecordInput::Action(action) = record.input else {
            continue;
        };
        match action {
            Action::StartHost { host, node_config } => {
                let config = nodes.get(node_config).ok_or(ReplayError::NodeConfig {
                    line: i + 1,
                    index: node_config,
                })?;
                cluster.start_host(&host, config.clone());
            }
            Action::Restart { host } => {
                cluster.restart_node(&host);
            }
            Action::Rename { host, node_name } => {
                cluster.rename_node(&host, &node_name);
            }
            Action::Kubectl { command } => {
                cluster.kubectl(&command);
            }
            Action::Call => {
                let missing = || ReplayError::Line {
                    line: i + 1,
                    message: "a call without its request on the next line".to_owned(),
                };
                let next = lines.get(i + 1).ok_or_else(missing)?;
                let RecordInput::ControlPlane(ControlPlaneInput::Request {
                    credential,
                    operation,
                    ..
                }) = parse_line(i + 1, next)?.input
                else {
                    return Err(missing());
                };
                let credential = tokens
                    .credential(&credential)
                    .map_err(|error| ReplayError::Input { line: i + 2, error })?;
                cluster.call(&credential, operation);
            }
            Action::Advance { nanos } => cluster.advance(crate::time::Duration::from_nanos(nanos)),
            Action::NextTimer => {
                cluster.advance_to_next_timer();
            }
            Action::RunUntilIdle => cluster.run_until_idle(),
            Action::NodeAddresses { host, addresses } => {
                let addresses = addresses
                    .iter()
                    .map(|(t, a)| NodeAddress::new(t, a))
                    .collect();
                cluster.set_node_addresses(&host, addresses);
            }
        }
    }
    Ok(cluster)
}

/// Where an input-level replay first produced other outputs than the log recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputDifference {
    /// The record's line, 1-based.
    pub line: usize,
    /// The record's destination (`control-plane` or the host).
    pub to: String,
    /// What the log recorded.
    pub expected: Outputs,
    /// What the replay produced.
    pub got: Outputs,
    /// The produced outputs, one line each, as `Debug` renders them (secrets elided).
    pub produced: Vec<String>,
}

/// The result of [`replay_inputs`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputReplay {
    /// Lines read.
    pub records: usize,
    /// Inputs delivered (records other than actions).
    pub inputs: usize,
    /// The lines (1-based) of every input record whose outputs differ from the recorded ones.
    pub differing: Vec<usize>,
    /// The first of them; `None` when every output was reproduced.
    pub first_difference: Option<OutputDifference>,
}

impl InputReplay {
    /// Whether every recorded output was reproduced.
    pub fn is_identical(&self) -> bool {
        self.first_difference.is_none()
    }
}

struct ReplayHost {
    machine: Machine,
    disk: Disk,
}

/// Feeds every input of `log` to fresh machines and compares their outputs with the recorded
/// digests: the control plane built from `config` (as [`super::Cluster::new`] builds it), each
/// kubelet when its `start` record comes (from `nodes[nodeConfig]`, with the record's node name,
/// on a new disk or the files the host's previous process left). The driver is not run: what a
/// machine sends is not delivered anywhere, only the log's inputs are. Bearer tokens are
/// resolved among `tokens` (see [`Tokens::of_nodes`]).
///
/// ```
/// use kube_tls_bootstrap::api::{Reply, Status};
/// use kube_tls_bootstrap::cluster::{Cluster, ClusterConfig, NodeConfig, record};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let ca_cert = std::fs::read("tests/data/pki/corpus/ca/ca.crt")?;
/// let ca_key = std::fs::read("tests/data/pki/corpus/ca/ca.key")?;
/// let token = "02b50b05283e98dd0fd71db496ef01e8";
/// let config = || -> Result<ClusterConfig, Box<dyn std::error::Error>> {
///     Ok(ClusterConfig::new(7, "2026-12-01T09:00:00Z", &ca_cert, &ca_key)?
///         .with_token_csv(&format!("{token},kubelet-bootstrap,10001,\"system:bootstrappers\"\n"))?)
/// };
/// let nodes = [NodeConfig::legacy("node-1", token)];
/// let mut cluster = Cluster::new(config()?)?;
/// cluster.start_node(nodes[0].clone());
/// cluster.run_until_idle();
/// let log = cluster.log();
/// let tokens = record::Tokens::of_nodes(&nodes);
/// let same = record::replay_inputs(config()?, &nodes, &tokens, &log)?;
/// assert!(same.is_identical());
/// // The CSR's create is answered with a 400 instead: node-1's outputs differ there.
/// let mut records: Vec<record::Record> =
///     log.lines().map(serde_json::from_str).collect::<Result<_, _>>()?;
/// let line = records
///     .iter()
///     .position(|r| matches!(r.input, record::RecordInput::Host(record::HostInput::Reply { .. })))
///     .ok_or("a reply")?;
/// if let record::RecordInput::Host(record::HostInput::Reply { reply, .. }) = &mut records[line].input {
///     *reply = Reply::Status(Status::bad_request("etcdserver: request timed out"));
/// }
/// let changed: String = records.iter().map(|r| r.to_json_line() + "\n").collect();
/// let other = record::replay_inputs(config()?, &nodes, &tokens, &changed)?;
/// assert_eq!(other.first_difference.map(|d| d.line), Some(line + 1));
/// # Ok(()) }
/// ```
pub fn replay_inputs(
    config: super::ClusterConfig,
    nodes: &[super::NodeConfig],
    tokens: &Tokens,
    log: &str,
) -> Result<InputReplay, ReplayError> {
    let seed = config.seed;
    let ca_pem = config.ca.certificate().to_pem().into_bytes();
    let mut cp = ControlPlane::new(config.control_plane);
    let mut hosts: BTreeMap<String, ReplayHost> = BTreeMap::new();
    let mut report = InputReplay {
        records: 0,
        inputs: 0,
        differing: Vec::new(),
        first_difference: None,
    };
    for (i, line) in log.lines().enumerate() {
        report.records += 1;
        let record = parse_line(i, line)?;
        if let RecordInput::Action(_) = record.input {
            continue;
        }
        report.inputs += 1;
        let now = record.instant().ok_or_else(|| ReplayError::Time {
            line: i + 1,
            at: record.at.clone(),
        })?;
        let mut digest = OutputDigest::new();
        let mut produced = Vec::new();
        if let RecordInput::ControlPlane(input) = &record.input {
            let input = input
                .to_input(tokens)
                .map_err(|error| ReplayError::Input { line: i + 1, error })?;
            cp.handle(now, input);
            while let Some(output) = cp.poll_output() {
                digest.control_plane(&output);
                produced.push(format!("{output:?}"));
            }
        } else if let RecordInput::Host(input) = &record.input {
            let host = record.to.as_str();
            if let HostInput::Start {
                node,
                node_config,
                disk,
            } = &input
            {
                let config = nodes.get(*node_config).ok_or(ReplayError::NodeConfig {
                    line: i + 1,
                    index: *node_config,
                })?;
                let files = match (disk, hosts.remove(host)) {
                    (DiskState::Kept, Some(old)) => old.disk,
                    (DiskState::Kept, None) => {
                        return Err(ReplayError::UnknownHost {
                            line: i + 1,
                            host: host.to_owned(),
                        });
                    }
                    (DiskState::New, _) => super::new_disk(&ca_pem, config),
                };
                let mut kubelet = config.kubelet.clone();
                kubelet.node_name = node.clone();
                kubelet.jitter_seed = super::jitter_seed(seed, host);
                let mut machine = Machine::new(kubelet, files.clone(), now);
                machine.enable_registration(now, super::KUBELET_VERSION);
                hosts.insert(
                    host.to_owned(),
                    ReplayHost {
                        machine,
                        disk: files,
                    },
                );
            } else {
                let h = hosts
                    .get_mut(host)
                    .ok_or_else(|| ReplayError::UnknownHost {
                        line: i + 1,
                        host: host.to_owned(),
                    })?;
                if let Some(input) = input.to_input(seed, host) {
                    h.machine.handle(now, input);
                }
            }
            // The host is there: it was just started or looked up.
            if let Some(h) = hosts.get_mut(host) {
                while let Some(output) = h.machine.poll_output() {
                    digest.host(&output);
                    produced.push(format!("{output:?}"));
                    if let kubelet::Output::File(op) = &output {
                        // As the cluster: a failed operation leaves the disk as it was.
                        let _ = h.disk.apply(op);
                    }
                }
            }
        }
        let got = digest.take();
        if let Some(expected) = record.outputs
            && expected != got
        {
            report.differing.push(i + 1);
            if report.first_difference.is_none() {
                report.first_difference = Some(OutputDifference {
                    line: i + 1,
                    to: record.to.clone(),
                    expected,
                    got,
                    produced,
                });
            }
        }
    }
    Ok(report)
}

/// The first line where two logs differ (1-based), with both lines (`None` past an end);
/// `None` when they are equal.
pub fn first_difference<'a>(
    a: &'a str,
    b: &'a str,
) -> Option<(usize, Option<&'a str>, Option<&'a str>)> {
    let mut left = a.lines();
    let mut right = b.lines();
    let mut n = 0;
    loop {
        n += 1;
        match (left.next(), right.next()) {
            (None, None) => return None,
            (l, r) if l == r => {}
            (l, r) => return Some((n, l, r)),
        }
    }
}
