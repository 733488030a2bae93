// An admin tool: it reads the CA and CSR files named on its command line.
#![allow(clippy::disallowed_methods)]

//! The certificate kube-controller-manager's signer would issue for a CSR, for fixed inputs.
//!
//! ```text
//! cargo run --example sign_csr -- --ca-cert F --ca-key F --now RFC3339 --serial-hex HEX \
//!     [--signing-duration SECONDS (default 31536000)] [--expiration-seconds N] [--signer NAME] \
//!     --usages "u1,u2" CSR_FILE
//! ```
//!
//! Prints the certificate PEM. On a signer validation failure exits 1 with
//! `Failed: SignerValidationFailure: <message>` on stderr, on another signing error exits 1 with
//! `error: <message>`; usage errors exit 2. The order is the controller's: parse the request,
//! the per-signer validation, load the CA, verify the request's signature, sign.

use std::process::ExitCode;

use kube_tls_bootstrap::pki::{
    CertificateAuthority, SignerFailure, SignerInput, UnverifiedRequest, checks, signers,
};
use kube_tls_bootstrap::time::Timestamp;

const USAGE: &str = "usage: sign_csr --ca-cert F --ca-key F --now RFC3339 --serial-hex HEX \
[--signing-duration SECONDS] [--expiration-seconds N] [--signer NAME] --usages \"u1,u2\" CSR_FILE";

struct Args {
    ca_cert: String,
    ca_key: String,
    now: Timestamp,
    serial: [u8; 16],
    signing_duration: i64,
    expiration_seconds: Option<i32>,
    signer: String,
    usages: String,
    csr: String,
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("sign_csr: {msg}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(pem) => {
            print!("{pem}");
            ExitCode::SUCCESS
        }
        Err(line) => {
            eprintln!("{line}");
            ExitCode::from(1)
        }
    }
}

fn run(a: &Args) -> Result<String, String> {
    let read = |path: &str| std::fs::read(path).map_err(|e| format!("error: open {path}: {e}"));
    let request = UnverifiedRequest::from_pem(&read(&a.csr)?).map_err(|e| format!("error: {e}"))?;
    let usages: Vec<&str> = a.usages.split(',').map(str::trim).collect();
    match checks::validate_for_signer_strs(request.unverified(), &usages, &a.signer) {
        Ok(true) => {}
        Ok(false) => {
            return Err(format!(
                "error: {}",
                SignerFailure::UnrecognizedSigner(a.signer.clone())
            ));
        }
        Err(e) => return Err(format!("Failed: SignerValidationFailure: {e}")),
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

fn parse_args() -> Result<Args, String> {
    let mut values: std::collections::BTreeMap<String, String> = Default::default();
    let mut positional = Vec::new();
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        if let Some(name) = arg.strip_prefix("--") {
            let (name, value) = match name.split_once('=') {
                Some((n, v)) => (n.to_owned(), v.to_owned()),
                None => (
                    name.to_owned(),
                    it.next().ok_or(format!("--{name} needs a value"))?,
                ),
            };
            const KNOWN: [&str; 9] = [
                "ca-cert",
                "ca-key",
                "now",
                "serial-hex",
                "signing-duration",
                "expiration-seconds",
                "signer",
                "usages",
                "help",
            ];
            if !KNOWN.contains(&name.as_str()) {
                return Err(format!("unknown flag --{name}"));
            }
            values.insert(name, value);
        } else {
            positional.push(arg);
        }
    }
    let [csr] = <[String; 1]>::try_from(positional).map_err(|_| "exactly one CSR_FILE expected")?;
    let mut take = |name: &str| values.remove(name);
    let required = |v: Option<String>, name: &str| v.ok_or(format!("--{name} is required"));
    let ca_cert = required(take("ca-cert"), "ca-cert")?;
    let ca_key = required(take("ca-key"), "ca-key")?;
    let now = Timestamp::parse_rfc3339(&required(take("now"), "now")?)
        .map_err(|e| format!("--now: {e}"))?;
    let serial_hex = required(take("serial-hex"), "serial-hex")?;
    let serial = parse_serial(&serial_hex)?;
    let usages = required(take("usages"), "usages")?;
    let signing_duration = match take("signing-duration") {
        Some(s) => s.parse().map_err(|e| format!("--signing-duration: {e}"))?,
        None => 31_536_000,
    };
    let expiration_seconds = match take("expiration-seconds") {
        Some(s) => Some(
            s.parse()
                .map_err(|e| format!("--expiration-seconds: {e}"))?,
        ),
        None => None,
    };
    let signer =
        take("signer").unwrap_or_else(|| signers::KUBE_APISERVER_CLIENT_KUBELET.to_owned());
    Ok(Args {
        ca_cert,
        ca_key,
        now,
        serial,
        signing_duration,
        expiration_seconds,
        signer,
        usages,
        csr,
    })
}

/// Big-endian hex (optionally `0x`-prefixed) of an integer below 2^128, right-aligned.
fn parse_serial(hex: &str) -> Result<[u8; 16], String> {
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
    let magnitude = &bytes[start..];
    if bytes.is_empty() || magnitude.len() > 16 {
        return Err("--serial-hex: must be 1 to 16 bytes (a serial below 2^128)".into());
    }
    let mut serial = [0u8; 16];
    serial[16 - magnitude.len()..].copy_from_slice(magnitude);
    Ok(serial)
}
