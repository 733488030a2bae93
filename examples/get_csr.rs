//! `kubectl get csr`, offline: prints the table kubectl prints for `kubectl get csr -o json`
//! (or `-o yaml`) output — one object or a List — at a given instant (default: now).
//!
//! ```sh
//! kubectl get csr -o json > csrs.json
//! cargo run --example get_csr -- --now 2025-03-01T12:30:12Z csrs.json
//! ```
//!
//! An empty list prints `No resources found` on standard error, as kubectl does. Exit status: 0
//! when the table was printed, 1 when the document cannot be read, 2 on a usage error.
//!
//! The same tool is `ktb get-csr`; both run `ktb/src/tools/get_csr.rs`.

use std::process::ExitCode;

#[path = "../ktb/src/tools/common.rs"]
mod common;
#[path = "../ktb/src/tools/example_args.rs"]
mod example_args;
#[path = "../ktb/src/tools/get_csr.rs"]
mod get_csr;

fn main() -> ExitCode {
    const SPEC: &[example_args::Spec] = &[(&["--now"], true)];
    let result = example_args::parse(std::env::args().skip(1), SPEC).and_then(|args| {
        if args.flag("--help") {
            println!("{}", get_csr::USAGE);
            return Ok(0);
        }
        let now = common::now_or_current(args.value("--now").as_deref())?;
        let [file] = <[String; 1]>::try_from(args.positional)
            .map_err(|_| common::Failure::Usage("exactly one FILE expected".to_owned()))?;
        let options = get_csr::Options { now, file };
        get_csr::run(
            &options,
            &mut std::io::stdout().lock(),
            &mut std::io::stderr().lock(),
        )
    });
    ExitCode::from(common::finish("get_csr", get_csr::USAGE, result))
}
