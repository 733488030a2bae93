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
//! ([`Operation`](crate::api::Operation), [`Reply`](crate::api::Reply),
//! [`WatchEvent`](crate::api::WatchEvent)) are Kubernetes' own JSON (`metadata`, `spec`,
//! `status`, byte fields base64).
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

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::control_plane::{self};
use crate::time::Instant;

pub(super) const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

mod digest;
mod inputs;
mod replay;

pub(crate) use digest::OutputDigest;
pub use digest::Outputs;
pub use inputs::{
    ControlPlaneInput, CredentialRecord, DiskState, HostInput, InputError, Tokens, VerdictRecord,
};
pub use replay::{
    Action, InputReplay, OutputDifference, ReplayError, first_difference, replay, replay_inputs,
};

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
pub(super) fn parse_go_time(s: &str) -> Option<Instant> {
    let rest = s.strip_suffix(" +0000 UTC")?;
    let (date, time) = rest.split_once(' ')?;
    let t = crate::time::parse_rfc3339(&format!("{date}T{time}Z")).ok()?;
    Some(Instant::from(t))
}
