//! What kube-apiserver would load from a static token file (`--token-auth-file`), checked before
//! a restart, with lint findings beside it.
//!
//! ```text
//! cargo run --example lint_tokens -- [--json] [--strict] FILE...
//! ```
//!
//! For each file: the identities it defines (each token shown only as a fingerprint,
//! `sha256:` and the first 16 hex digits of SHA-256 of the token), kube-apiserver's warnings
//! (empty and duplicate tokens), or the exact error kube-apiserver would fail with, with its line
//! and column. Then this tool's lint findings, each on a line starting `  lint (`. `--json`
//! prints one JSON object per file and line instead (`lint` is its own key).
//!
//! Exit status: 0 when every file loads, 1 when one does not, 2 on a usage error.
//!
//! The same tool is `ktb lint-tokens`; both run `ktb/src/tools/lint_tokens.rs`.

use std::process::ExitCode;

#[path = "../ktb/src/tools/common.rs"]
mod common;
#[path = "../ktb/src/tools/example_args.rs"]
mod example_args;
#[path = "../ktb/src/tools/lint_tokens.rs"]
mod lint_tokens;

fn main() -> ExitCode {
    const SPEC: &[example_args::Spec] = &[(&["--json"], false), (&["--strict"], false)];
    let result = example_args::parse(std::env::args().skip(1), SPEC).and_then(|args| {
        if args.flag("--help") {
            println!("{}", lint_tokens::USAGE);
            return Ok(0);
        }
        let options = lint_tokens::Options {
            json: args.flag("--json"),
            strict: args.flag("--strict"),
            files: args.positional,
        };
        let mut out = std::io::stdout().lock();
        lint_tokens::run(&options, &mut out)
    });
    ExitCode::from(common::finish("lint_tokens", lint_tokens::USAGE, result))
}
