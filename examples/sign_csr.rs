//! The certificate kube-controller-manager's signer would issue for a CSR, for fixed inputs.
//!
//! ```text
//! cargo run --example sign_csr -- --ca-cert F --ca-key F [--now RFC3339] --serial-hex HEX \
//!     [--signing-duration SECONDS (default 31536000)] [--expiration-seconds N] [--signer NAME] \
//!     --usages "u1,u2" CSR_FILE
//! ```
//!
//! Prints the certificate PEM. On a signer validation failure exits 1 with
//! `Failed: SignerValidationFailure: <message>` on stderr, on another signing error exits 1 with
//! `error: <message>`; usage errors exit 2. The order is the controller's: parse the request,
//! the per-signer validation, load the CA, verify the request's signature, sign. `--now`
//! defaults to the current time.
//!
//! The same tool is `ktb sign-csr` (where `--serial-hex` defaults to random bytes); both run
//! `ktb/src/tools/sign_csr.rs`.

use std::process::ExitCode;

use kube_tls_bootstrap::pki::signers;

#[path = "../ktb/src/tools/common.rs"]
mod common;
#[path = "../ktb/src/tools/example_args.rs"]
mod example_args;
#[path = "../ktb/src/tools/sign_csr.rs"]
mod sign_csr;

fn main() -> ExitCode {
    const SPEC: &[example_args::Spec] = &[
        (&["--ca-cert"], true),
        (&["--ca-key"], true),
        (&["--now"], true),
        (&["--serial-hex"], true),
        (&["--signing-duration"], true),
        (&["--expiration-seconds"], true),
        (&["--signer"], true),
        (&["--usages"], true),
    ];
    let result = example_args::parse(std::env::args().skip(1), SPEC)
        .and_then(|args| {
            if args.flag("--help") {
                println!("{}", sign_csr::USAGE);
                return Ok(None);
            }
            options(args).map(Some)
        })
        .and_then(|options| match options {
            None => Ok(0),
            Some(o) => sign_csr::run(
                &o,
                &mut std::io::stdout().lock(),
                &mut std::io::stderr().lock(),
            ),
        });
    ExitCode::from(common::finish("sign_csr", sign_csr::USAGE, result))
}

fn options(args: example_args::Parsed) -> Result<sign_csr::Options, common::Failure> {
    use common::Failure;
    let required = |name: &str| {
        args.value(name)
            .ok_or_else(|| Failure::Usage(format!("{name} is required")))
    };
    let number = |name: &str| -> Result<Option<i64>, Failure> {
        args.value(name)
            .map(|s| {
                s.parse()
                    .map_err(|e| Failure::Usage(format!("{name}: {e}")))
            })
            .transpose()
    };
    let [csr] = <[String; 1]>::try_from(args.positional.clone())
        .map_err(|_| Failure::Usage("exactly one CSR_FILE expected".to_owned()))?;
    let expiration_seconds = match number("--expiration-seconds")? {
        Some(n) => Some(
            i32::try_from(n).map_err(|e| Failure::Usage(format!("--expiration-seconds: {e}")))?,
        ),
        None => None,
    };
    Ok(sign_csr::Options {
        ca_cert: required("--ca-cert")?,
        ca_key: required("--ca-key")?,
        now: common::now_or_current(args.value("--now").as_deref())?,
        serial: sign_csr::parse_serial(&required("--serial-hex")?).map_err(Failure::Usage)?,
        signing_duration: number("--signing-duration")?
            .unwrap_or(sign_csr::DEFAULT_SIGNING_DURATION),
        expiration_seconds,
        signer: args
            .value("--signer")
            .unwrap_or_else(|| signers::KUBE_APISERVER_CLIENT_KUBELET.to_owned()),
        usages: required("--usages")?,
        csr,
    })
}
