//! What the kubelet reads at start: whether the kubeconfig is still valid
//! (`isClientConfigStillValid`), the bootstrap kubeconfig, and the API credential a resolved
//! kubeconfig stands for.

use super::files::Disk;
use super::store::load_pair;
use crate::api;
use crate::kubeconfig::{ClientConfig, Credential, Kubeconfig, Source};
use crate::pki::certificate::parse_certificates_pem;
use crate::time::Timestamp;

/// A credential for API requests resolved from a kubeconfig, with the certificate's expiry
/// when it is a client certificate.
#[derive(Clone, Debug)]
pub(crate) struct ResolvedCredential {
    pub(crate) credential: api::Credential,
    /// NotAfter of the earliest-expiring certificate of a client-certificate credential.
    pub(crate) not_after: Option<Timestamp>,
}

/// `os.Stat`'s error text for a missing file.
pub(crate) fn not_found(path: &str) -> String {
    format!("stat {path}: no such file or directory")
}

fn open_error(path: &str) -> String {
    format!("open {path}: no such file or directory")
}

fn read<'a>(disk: &'a Disk, source: &'a Source) -> Result<&'a [u8], String> {
    match source {
        Source::Data(d) => Ok(d),
        Source::File(p) => disk.read(p).ok_or_else(|| open_error(p)),
    }
}

/// `loadRESTClientConfig(path)`: the file must exist, parse and resolve.
pub(crate) fn load_client_config(disk: &Disk, path: &str) -> Result<ClientConfig, String> {
    let data = disk.read(path).ok_or_else(|| not_found(path))?;
    let k = Kubeconfig::parse(data).map_err(|e| e.to_string())?;
    k.client_config().map_err(|e| e.to_string())
}

/// The credential a resolved kubeconfig authenticates with; files are read from `disk`.
pub(crate) fn resolve_credential(
    disk: &Disk,
    config: &ClientConfig,
) -> Result<ResolvedCredential, String> {
    Ok(match &config.credential {
        Credential::None => ResolvedCredential {
            credential: api::Credential::None,
            not_after: None,
        },
        Credential::Token(t) => ResolvedCredential {
            credential: api::Credential::BearerToken(t.clone()),
            not_after: None,
        },
        Credential::TokenFile(p) => {
            let data = disk.read(p).ok_or_else(|| open_error(p))?;
            let token = String::from_utf8_lossy(data).trim().to_owned();
            ResolvedCredential {
                credential: api::Credential::BearerToken(token),
                not_after: None,
            }
        }
        Credential::ClientCertificate { certificate, key } => {
            let cert = read(disk, certificate)?;
            let key = read(disk, key)?;
            let pair = load_pair(cert, key, "", "")?;
            ResolvedCredential {
                not_after: pair.chain.iter().map(|c| c.not_after()).min(),
                credential: api::Credential::ClientCertificate(pair.chain_der()),
            }
        }
    })
}

/// `isClientConfigStillValid`.
pub(crate) enum Validity {
    /// The file does not exist.
    Missing,
    /// It exists but is not usable; the text is what the kubelet logs.
    Invalid(String),
    /// It loads, its TLS pair builds, and no certificate has expired.
    Valid(ClientConfig),
}

pub(crate) fn kubeconfig_validity(disk: &Disk, path: &str, now: Timestamp) -> Validity {
    if disk.stat(path).is_none() {
        return Validity::Missing;
    }
    let config = match load_client_config(disk, path) {
        Ok(c) => c,
        Err(e) => {
            return Validity::Invalid(format!(
                "unable to read existing bootstrap client config from {path}: {e}"
            ));
        }
    };
    let cert_data: Vec<u8> = match &config.credential {
        Credential::ClientCertificate { certificate, key } => {
            let loaded = read(disk, certificate).and_then(|c| {
                let k = read(disk, key)?;
                load_pair(c, k, "", "").map(|_| c.to_vec())
            });
            match loaded {
                Ok(c) => c,
                Err(e) => {
                    return Validity::Invalid(format!(
                        "unable to load TLS configuration from existing bootstrap client config read from {path}: {e}"
                    ));
                }
            }
        }
        _ => Vec::new(),
    };
    let certs = match parse_certificates_pem(&cert_data) {
        Ok(c) => c,
        Err(e) => {
            return Validity::Invalid(format!(
                "unable to load TLS certificates from existing bootstrap client config read from {path}: {e}"
            ));
        }
    };
    for c in &certs {
        if now > c.not_after() {
            return Validity::Invalid(format!(
                "part of the existing bootstrap client certificate in {path} is expired: {}",
                crate::go::time_string(c.not_after())
            ));
        }
    }
    Validity::Valid(config)
}
