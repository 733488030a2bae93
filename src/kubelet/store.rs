//! The certificate store (client-go `certificate.FileStore`) as data: which file holds the
//! current pair, and the file operations that make a new pair current.
//!
//! A pair lives in one file, `<dir>/<prefix>-<YYYY>-<MM>-<DD>-<hh>-<mm>-<ss>.pem` (local time),
//! written `0600`: every certificate of the issued chain as a `CERTIFICATE` block, leaf first,
//! then the private key's PEM block. `<prefix>-current.pem` is a symbolic link to it. An update
//! creates `<prefix>-updated.pem` pointing at the new file, removes `current` and renames
//! `updated` to `current`; [`Store::recover`] finishes an update a crash interrupted between
//! those two steps.
//!
//! ```
//! use kube_tls_bootstrap::kubelet::files::{Disk, FileOperation};
//! use kube_tls_bootstrap::kubelet::store::Store;
//! let store = Store::new("kubelet-client", "/var/lib/kubelet/pki");
//! let mut disk = Disk::new();
//! disk.insert_symlink("/var/lib/kubelet/pki/kubelet-client-updated.pem", "/var/lib/kubelet/pki/kubelet-client-2026-12-01-09-00-00.pem");
//! assert_eq!(store.recover(&disk).unwrap(), [FileOperation::Rename {
//!     from: "/var/lib/kubelet/pki/kubelet-client-updated.pem".into(),
//!     to: "/var/lib/kubelet/pki/kubelet-client-current.pem".into(),
//! }]);
//! ```

use std::fmt;

use super::files::{Disk, Entry, FileOperation, join};
use crate::go;
use crate::pki::certificate::{CERTIFICATE_BLOCK_TYPE, Certificate};
use crate::pki::{PrivateKey, pem};
use crate::time::Timestamp;

/// The store of one kind of certificate: `kubelet-client` or `kubelet-server` in a directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Store {
    /// The file-name prefix: `kubelet-client` or `kubelet-server`.
    pub prefix: String,
    /// Where pair files and the `current` link live (absolute: link targets are built from it).
    pub cert_directory: String,
    /// Where the legacy `<prefix>.key` lives (the kubelet passes the certificate directory).
    pub key_directory: String,
    /// A configured certificate file (the kubeconfig's `client-certificate`, the kubelet's
    /// `tlsCertFile`), consulted second; empty for none.
    pub cert_file: String,
    /// The configured key file matching `cert_file`.
    pub key_file: String,
}

/// The kubelet's client-certificate prefix.
pub const CLIENT_PREFIX: &str = "kubelet-client";
/// The kubelet's serving-certificate prefix.
pub const SERVER_PREFIX: &str = "kubelet-server";
/// The mode of a pair file.
pub const PAIR_FILE_MODE: u32 = 0o600;
/// The mode of a created certificate directory.
pub const DIRECTORY_MODE: u32 = 0o755;

/// A certificate chain and its private key, as loaded from the store. `Debug` omits the key.
#[derive(Clone)]
pub struct Pair {
    /// The chain, leaf first.
    pub chain: Vec<Certificate>,
    /// The private key matching the leaf.
    pub key: std::sync::Arc<PrivateKey>,
    /// The file the certificates were read from.
    pub cert_path: String,
    /// The file the key was read from.
    pub key_path: String,
}

impl Pair {
    /// The leaf certificate.
    pub fn leaf(&self) -> Option<&Certificate> {
        self.chain.first()
    }

    /// The chain as DER, leaf first: what a TLS client presents.
    pub fn chain_der(&self) -> Vec<Vec<u8>> {
        self.chain.iter().map(|c| c.der().to_vec()).collect()
    }
}

impl fmt::Debug for Pair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pair")
            .field("leaf", &self.leaf().map(|c| c.subject().common_name))
            .field("chain_len", &self.chain.len())
            .field("key", &"[elided]")
            .field("cert_path", &self.cert_path)
            .field("key_path", &self.key_path)
            .finish()
    }
}

/// Why the store cannot load or update a pair; `Display` is client-go's text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// `current` or `updated` exists but is not a symbolic link.
    #[error("expected {} to be a symlink but it is a file", go::quote(.0))]
    NotASymlink(String),
    /// No pair anywhere (`NoCertKeyError`): the manager bootstraps.
    #[error("no cert/key files read at {}, ({}, {}) or ({}, {})",
        go::quote(.pair_file), go::quote(.cert_file), go::quote(.key_file),
        go::quote(.cert_directory), go::quote(.key_directory))]
    NoCertKey {
        /// `<dir>/<prefix>-current.pem`.
        pair_file: String,
        /// The configured certificate file.
        cert_file: String,
        /// The configured key file.
        key_file: String,
        /// The certificate directory.
        cert_directory: String,
        /// The key directory.
        key_directory: String,
    },
    /// The pair file does not hold a matching certificate and key.
    #[error("could not convert data from {} into cert/key pair: {reason}", go::quote(.path))]
    BadPairFile {
        /// The file.
        path: String,
        /// `tls.X509KeyPair`'s text.
        reason: String,
    },
    /// Separate certificate and key files that do not form a pair (`tls.LoadX509KeyPair`).
    #[error("{reason}")]
    BadPair {
        /// `tls.X509KeyPair`'s text.
        reason: String,
    },
    /// The issued data holds no certificate.
    #[error("invalid certificate data: {0}")]
    InvalidCertificateData(String),
    /// The key data holds no PEM block.
    #[error("invalid key data")]
    InvalidKeyData,
}

impl Store {
    /// A store of `prefix` in `cert_directory` (keys in the same directory, no configured files),
    /// as the kubelet's bootstrap code opens it.
    pub fn new(prefix: &str, cert_directory: &str) -> Self {
        Self {
            prefix: prefix.to_owned(),
            cert_directory: cert_directory.to_owned(),
            key_directory: cert_directory.to_owned(),
            cert_file: String::new(),
            key_file: String::new(),
        }
    }

    /// `<dir>/<prefix>-current.pem`: what the kubeconfig points at.
    pub fn current_path(&self) -> String {
        join(
            &self.cert_directory,
            &format!("{}-current.pem", self.prefix),
        )
    }

    /// `<dir>/<prefix>-updated.pem`.
    pub fn updated_path(&self) -> String {
        join(
            &self.cert_directory,
            &format!("{}-updated.pem", self.prefix),
        )
    }

    /// `<dir>/<prefix>-<YYYY-MM-DD-hh-mm-ss>.pem` for `now`, in the local time `utc_offset_seconds`
    /// east of UTC (Go's layout `2006-01-02-15-04-05` of `time.Now()`).
    pub fn pair_path(&self, now: Timestamp, utc_offset_seconds: i32) -> String {
        let (y, mo, d, h, mi, s) = now.add_seconds(i64::from(utc_offset_seconds)).to_civil();
        let stamp = if (0..=9999).contains(&y) {
            format!("{y:04}-{mo:02}-{d:02}-{h:02}-{mi:02}-{s:02}")
        } else {
            format!("{y}-{mo:02}-{d:02}-{h:02}-{mi:02}-{s:02}")
        };
        join(
            &self.cert_directory,
            &format!("{}-{stamp}.pem", self.prefix),
        )
    }

    /// Start-up recovery (`fileStore.recover`): when `current` does not resolve to a file but an
    /// `updated` symbolic link exists, rename it to `current`.
    pub fn recover(&self, disk: &Disk) -> Result<Vec<FileOperation>, StoreError> {
        let current = self.current_path();
        if disk.stat(&current).is_some() {
            return Ok(Vec::new());
        }
        let updated = self.updated_path();
        match disk.lstat(&updated) {
            None => Ok(Vec::new()),
            Some(Entry::Symlink(_)) => Ok(vec![FileOperation::Rename {
                from: updated,
                to: current,
            }]),
            Some(_) => Err(StoreError::NotASymlink(updated)),
        }
    }

    /// The current pair (`fileStore.Current`), looked up in order: `<prefix>-current.pem`; the
    /// configured certificate and key files; `<cert dir>/<prefix>.crt` with
    /// `<key dir>/<prefix>.key`. `Err(NoCertKey)` when none exists.
    pub fn current(&self, disk: &Disk) -> Result<Pair, StoreError> {
        let pair_file = self.current_path();
        if let Some(data) = disk.read(&pair_file) {
            return load_pair(data, data, &pair_file, &pair_file).map_err(|reason| {
                StoreError::BadPairFile {
                    path: pair_file.clone(),
                    reason,
                }
            });
        }
        let candidates = [
            (self.cert_file.clone(), self.key_file.clone()),
            (
                join(&self.cert_directory, &format!("{}.crt", self.prefix)),
                join(&self.key_directory, &format!("{}.key", self.prefix)),
            ),
        ];
        for (cert, key) in candidates {
            if cert.is_empty() || key.is_empty() {
                continue;
            }
            if let (Some(c), Some(k)) = (disk.read(&cert), disk.read(&key)) {
                return load_pair(c, k, &cert, &key)
                    .map_err(|reason| StoreError::BadPair { reason });
            }
        }
        Err(StoreError::NoCertKey {
            pair_file,
            cert_file: self.cert_file.clone(),
            key_file: self.key_file.clone(),
            cert_directory: self.cert_directory.clone(),
            key_directory: self.key_directory.clone(),
        })
    }

    /// An update (`fileStore.Update`) as file operations: create the directory, write the pair
    /// file (the certificates of `cert_pem` re-encoded, leaf first, then the first PEM block of
    /// `key_pem`), then swap the links. The pair is checked as client-go loads it back (the key
    /// must match the leaf) before any link is touched; `disk` is consulted for the links'
    /// kinds ("expected … to be a symlink").
    pub fn update(
        &self,
        disk: &Disk,
        now: Timestamp,
        utc_offset_seconds: i32,
        cert_pem: &[u8],
        key_pem: &[u8],
    ) -> Result<(Vec<FileOperation>, Pair), StoreError> {
        let path = self.pair_path(now, utc_offset_seconds);
        let contents = pair_file_contents(cert_pem, key_pem)?;
        let pair = load_pair(&contents, &contents, &path, &path).map_err(|reason| {
            StoreError::BadPairFile {
                path: path.clone(),
                reason,
            }
        })?;
        let mut ops = vec![
            FileOperation::CreateDirectory {
                path: self.cert_directory.clone(),
                mode: DIRECTORY_MODE,
            },
            FileOperation::WriteFile {
                path: path.clone(),
                mode: PAIR_FILE_MODE,
                contents,
            },
        ];
        ops.extend(self.swap_links(disk, &path)?);
        Ok((ops, pair))
    }

    /// `updateSymlink`: the link operations that make `pair_path` current.
    pub fn swap_links(
        &self,
        disk: &Disk,
        pair_path: &str,
    ) -> Result<Vec<FileOperation>, StoreError> {
        let current = self.current_path();
        let current_exists = match disk.lstat(&current) {
            None => false,
            Some(Entry::Symlink(_)) => true,
            Some(_) => return Err(StoreError::NotASymlink(current)),
        };
        let updated = self.updated_path();
        let mut ops = Vec::new();
        match disk.lstat(&updated) {
            None => {}
            Some(Entry::Symlink(_)) => ops.push(FileOperation::Remove {
                path: updated.clone(),
            }),
            Some(_) => return Err(StoreError::NotASymlink(updated)),
        }
        ops.push(FileOperation::Symlink {
            target: pair_path.to_owned(),
            link: updated.clone(),
        });
        if current_exists {
            ops.push(FileOperation::Remove {
                path: current.clone(),
            });
        }
        ops.push(FileOperation::Rename {
            from: updated,
            to: current,
        });
        Ok(ops)
    }
}

/// The bytes of a pair file: every certificate client-go's `ParseCertsPEM` finds in `cert_pem`,
/// each as a `CERTIFICATE` block, then the first PEM block of `key_pem` re-encoded.
pub fn pair_file_contents(cert_pem: &[u8], key_pem: &[u8]) -> Result<Vec<u8>, StoreError> {
    let certs = crate::pki::certificate::parse_certificates_pem(cert_pem)
        .map_err(|e| StoreError::InvalidCertificateData(e.to_string()))?;
    let (key_block, _) = pem::decode(key_pem).ok_or(StoreError::InvalidKeyData)?;
    let mut out = String::new();
    for c in &certs {
        out.push_str(&pem::encode(CERTIFICATE_BLOCK_TYPE, c.der()));
    }
    out.push_str(&encode_with_headers(&key_block));
    Ok(out.into_bytes())
}

/// Go's `pem.Encode`: headers (`Proc-Type` first, the rest sorted) then a blank line.
fn encode_with_headers(block: &pem::Block) -> String {
    if block.headers.is_empty() {
        return pem::encode(&block.label, &block.contents);
    }
    let plain = pem::encode(&block.label, &block.contents);
    let (begin, body) = plain.split_once('\n').unwrap_or((plain.as_str(), ""));
    let mut headers: Vec<&(String, String)> = block.headers.iter().collect();
    headers.sort_by(|a, b| (a.0 != "Proc-Type", &a.0).cmp(&(b.0 != "Proc-Type", &b.0)));
    let mut out = format!("{begin}\n");
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\n"));
    }
    out.push('\n');
    out.push_str(body);
    out
}

/// Go's `tls.X509KeyPair` followed by parsing the leaf: the certificates of every
/// `CERTIFICATE` block, the first `PRIVATE KEY`-suffixed block as the key, which must match the
/// leaf's public key. The error is Go's text.
pub fn load_pair(
    cert_pem: &[u8],
    key_pem: &[u8],
    cert_path: &str,
    key_path: &str,
) -> Result<Pair, String> {
    let mut skipped = Vec::new();
    let mut chain = Vec::new();
    for block in pem::Blocks::new(cert_pem) {
        if block.label == CERTIFICATE_BLOCK_TYPE {
            chain.push(block.contents);
        } else {
            skipped.push(block.label);
        }
    }
    if chain.is_empty() {
        return Err(if skipped.is_empty() {
            "tls: failed to find any PEM data in certificate input".to_owned()
        } else {
            format!(
                "tls: failed to find \"CERTIFICATE\" PEM block in certificate input after skipping PEM blocks of the following types: [{}]",
                skipped.join(" ")
            )
        });
    }
    let mut key_skipped = Vec::new();
    let mut key_block = None;
    for block in pem::Blocks::new(key_pem) {
        if block.label == "PRIVATE KEY" || block.label.ends_with(" PRIVATE KEY") {
            key_block = Some(block);
            break;
        }
        key_skipped.push(block.label);
    }
    let Some(key_block) = key_block else {
        return Err(if key_skipped.is_empty() {
            "tls: failed to find any PEM data in key input".to_owned()
        } else {
            format!(
                "tls: failed to find PEM block with type ending in \"PRIVATE KEY\" in key input after skipping PEM blocks of the following types: [{}]",
                key_skipped.join(" ")
            )
        });
    };
    // Go's `parsePrivateKey`: PKCS#1, PKCS#8, then SEC 1, whatever the label.
    let der = &key_block.contents;
    let key = PrivateKey::from_pkcs1_der(der)
        .or_else(|_| PrivateKey::from_pkcs8_der(der))
        .or_else(|_| PrivateKey::from_sec1_der(der))
        .map_err(|_| "tls: failed to parse private key".to_owned())?;
    let chain = chain
        .iter()
        .map(|der| Certificate::from_der(der))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    // chain is non-empty: checked above.
    let leaf_key = chain.first().map(|c| c.public_key().spki_der());
    if leaf_key != Some(key.public_key().spki_der()) {
        return Err("tls: private key does not match public key".to_owned());
    }
    Ok(Pair {
        chain,
        key: std::sync::Arc::new(key),
        cert_path: cert_path.to_owned(),
        key_path: key_path.to_owned(),
    })
}
