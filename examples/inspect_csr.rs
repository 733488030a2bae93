//! What the API server's create path (validation, then admission), the kubelet client and
//! serving checks and the signer would say about each CSR file, and its kubelet `node-csr-` name.
//!
//! ```text
//! cargo run --example inspect_csr -- [--json] [--signer NAME] [--usages "u1,u2" | --legacy-usages] FILE...
//! ```
//!
//! Defaults: signer `kubernetes.io/kube-apiserver-client-kubelet`, usages `digital
//! signature,client auth` (what a current kubelet sends; `--legacy-usages` is the list before
//! v1.27, `digital signature,key encipherment,client auth`). A file is accepted when the API
//! server accepts it and the signer would sign it; when it would not, the signer's reason is
//! printed (and is `signer.reason` in `--json`). Exit codes: 0 all accepted, 1 otherwise, 2
//! usage errors.
//!
//! The same tool is `ktb inspect-csr`; both run `ktb/src/tools/inspect_csr.rs`.

use std::process::ExitCode;

#[path = "../ktb/src/tools/common.rs"]
mod common;
#[path = "../ktb/src/tools/example_args.rs"]
mod example_args;
#[path = "../ktb/src/tools/inspect_csr.rs"]
mod inspect_csr;

fn main() -> ExitCode {
    const SPEC: &[example_args::Spec] = &[
        (&["--json"], false),
        (&["--signer"], true),
        (&["--usages"], true),
        (&["--legacy-usages"], false),
    ];
    let result = example_args::parse(std::env::args().skip(1), SPEC).and_then(|args| {
        if args.flag("--help") {
            println!("{}", inspect_csr::USAGE);
            return Ok(0);
        }
        let defaults = inspect_csr::Options::default();
        let usages = match (args.value("--usages"), args.flag("--legacy-usages")) {
            (Some(_), true) => {
                return Err(common::Failure::Usage(
                    "--usages and --legacy-usages exclude each other".to_owned(),
                ));
            }
            (Some(u), false) => u,
            (None, true) => inspect_csr::LEGACY_KUBELET_USAGES.to_owned(),
            (None, false) => defaults.usages,
        };
        let options = inspect_csr::Options {
            json: args.flag("--json"),
            signer: args.value("--signer").unwrap_or(defaults.signer),
            usages,
            files: args.positional,
        };
        inspect_csr::run(
            &options,
            &mut std::io::stdout().lock(),
            &mut std::io::stderr().lock(),
            "inspect_csr",
        )
    });
    ExitCode::from(common::finish("inspect_csr", inspect_csr::USAGE, result))
}
