//! `sign-csr`: the certificate kube-controller-manager's signer would issue for a CSR.
//!
//! Prints the certificate PEM. The order is the controller's: parse the request, the
//! per-signer validation, load the CA, verify the request's signature, sign. A signer
//! validation failure prints `Failed: SignerValidationFailure: <message>` on standard error (the
//! condition the controller sets), another signing error `error: <message>`; both exit 1.
//! Usage errors exit 2.

use std::io::Write;

use kube_tls_bootstrap::pki::{
    CertificateAuthority, KnownSigner, SignerFailure, SignerInput, UnverifiedRequest, Usage,
};
use kube_tls_bootstrap::time::Timestamp;

use super::common::{Failure, io_text, read_input};

/// The one-line usage.
pub(crate) const USAGE: &str = "usage: sign_csr --ca-cert F --ca-key F --now RFC3339 --serial-hex HEX \
[--signing-duration SECONDS] [--expiration-seconds N] [--signer NAME] --usages \"u1,u2\" CSR_FILE";

/// kube-controller-manager's `--cluster-signing-duration` default: one year.
pub(crate) const DEFAULT_SIGNING_DURATION: i64 = 31_536_000;

/// The signer's inputs.
#[derive(Clone, Debug)]
pub(crate) struct Options {
    /// The CA certificate PEM file.
    pub(crate) ca_cert: String,
    /// The CA private key PEM file.
    pub(crate) ca_key: String,
    /// The signing instant.
    pub(crate) now: Timestamp,
    /// The serial number, big-endian, right-aligned.
    pub(crate) serial: [u8; 16],
    /// `--cluster-signing-duration` in seconds.
    pub(crate) signing_duration: i64,
    /// `spec.expirationSeconds`.
    pub(crate) expiration_seconds: Option<i32>,
    /// `spec.signerName`.
    pub(crate) signer: String,
    /// `spec.usages`, comma-separated.
    pub(crate) usages: String,
    /// The CSR PEM file (`-` is standard input).
    pub(crate) csr: String,
}

/// Signs; the exit status.
pub(crate) fn run(
    options: &Options,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Failure> {
    match sign(options) {
        Ok(pem) => {
            write!(out, "{pem}")?;
            Ok(0)
        }
        Err(line) => {
            writeln!(err, "{line}")?;
            Ok(1)
        }
    }
}

fn sign(a: &Options) -> Result<String, String> {
    let read =
        |path: &str| read_input(path).map_err(|e| format!("error: open {path}: {}", io_text(&e)));
    let request = UnverifiedRequest::from_pem(&read(&a.csr)?).map_err(|e| format!("error: {e}"))?;
    let usages: Vec<Usage> = a
        .usages
        .split(',')
        .map(|u| Usage::parse(u.trim()))
        .collect();
    let Some(signer) = KnownSigner::from_name(&a.signer) else {
        return Err(format!(
            "error: {}",
            SignerFailure::UnrecognizedSigner(a.signer.clone())
        ));
    };
    if let Err(e) = signer.validate(request.unverified(), &usages) {
        return Err(format!("Failed: SignerValidationFailure: {e}"));
    }
    let ca = CertificateAuthority::from_pem(&read(&a.ca_cert)?, &read(&a.ca_key)?)
        .map_err(|e| format!("error: {}", e.kubernetes_message(&a.ca_cert, &a.ca_key)))?;
    let request = request
        .verify()
        .map_err(|e| format!("error: unable to verify certificate request signature: {e}"))?;
    let input = SignerInput {
        signer_name: &a.signer,
        usages: &usages,
        expiration_seconds: a.expiration_seconds,
        signing_duration_seconds: a.signing_duration,
    };
    match ca.sign_for_signer(&request, &input, a.now, &a.serial) {
        Ok(cert) => Ok(cert.to_pem()),
        Err(SignerFailure::Validation(e)) => Err(format!("Failed: SignerValidationFailure: {e}")),
        Err(e) => Err(format!("error: {e}")),
    }
}

/// Big-endian hex (optionally `0x`-prefixed) of an integer below 2^128, right-aligned.
pub(crate) fn parse_serial(hex: &str) -> Result<[u8; 16], String> {
    let hex = hex.strip_prefix("0x").unwrap_or(hex);
    let hex = if hex.len() % 2 == 1 {
        format!("0{hex}")
    } else {
        hex.to_owned()
    };
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("zz"), 16))
        .collect::<Result<_, _>>()
        .map_err(|_| "--serial-hex: not hex".to_owned())?;
    let start = bytes.iter().take_while(|&&b| b == 0).count();
    let magnitude = bytes.get(start..).unwrap_or_default();
    if bytes.is_empty() || magnitude.len() > 16 {
        return Err("--serial-hex: must be 1 to 16 bytes (a serial below 2^128)".into());
    }
    let mut serial = [0u8; 16];
    // `magnitude` is at most 16 bytes (checked above), so the range is inside `serial`.
    serial[16 - magnitude.len()..].copy_from_slice(magnitude);
    Ok(serial)
}
