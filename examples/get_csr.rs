//! `kubectl get csr`, offline: prints the table kubectl prints for `kubectl get csr -o json`
//! output (one object or a List) at a given instant.
//!
//! ```sh
//! kubectl get csr -o json > csrs.json
//! cargo run --example get_csr -- --now 2025-03-01T12:30:12Z csrs.json
//! ```
#![allow(clippy::disallowed_methods)] // an example program: it reads the file it is given

use std::process::ExitCode;

use kube_tls_bootstrap::csr::{decode_document, kubectl};
use kube_tls_bootstrap::time::Timestamp;

const USAGE: &str = "usage: get_csr --now RFC3339 FILE";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(table) => {
            print!("{table}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("get_csr: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<String, String> {
    let (now, file) = match args.as_slice() {
        [flag, now, file] if flag == "--now" => (now.as_str(), file),
        [flag, file] => match flag.strip_prefix("--now=") {
            Some(now) => (now, file),
            None => return Err(USAGE.to_owned()),
        },
        _ => return Err(USAGE.to_owned()),
    };
    let now = Timestamp::parse_rfc3339(now).map_err(|e| format!("--now: {e}"))?;
    let json = std::fs::read(file).map_err(|e| format!("{file}: {e}"))?;
    let csrs = decode_document(&json).map_err(|e| format!("{file}: {e}"))?;
    Ok(kubectl::get_table(&csrs, now))
}
