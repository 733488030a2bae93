//! The digest of a machine's outputs that each input record carries.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::api::Credential;
use crate::control_plane::{self};
use crate::kubelet::{self};

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
pub(crate) struct OutputDigest {
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
    pub(in crate::cluster) fn new() -> Self {
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
    pub(in crate::cluster) fn control_plane(&mut self, output: &control_plane::Output) {
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
    pub(in crate::cluster) fn host(&mut self, output: &kubelet::Output) {
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
    pub(in crate::cluster) fn take(&mut self) -> Outputs {
        let done = std::mem::replace(self, Self::new());
        let digest = done.sha.finalize();
        Outputs {
            count: done.count,
            sha256: hex(&digest[..8]),
        }
    }
}

pub(super) fn file_operation(d: &mut OutputDigest, op: &kubelet::FileOperation) {
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

pub(super) fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    out
}
