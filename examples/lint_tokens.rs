//! What kube-apiserver would load from a static token file (`--token-auth-file`), checked before
//! a restart.
//!
//! ```text
//! cargo run --example lint_tokens -- [--json] FILE...
//! ```
//!
//! For each file: the identities it defines (each token shown only as a fingerprint,
//! `sha256:` and the first 16 hex digits of SHA-256 of the token), kube-apiserver's warnings
//! (empty and duplicate tokens), or the exact error kube-apiserver would fail with, with its line
//! and column. `--json` prints one JSON object per file and line instead.
//!
//! Exit status: 0 when every file loads, 1 when one does not, 2 on a usage error.
#![allow(clippy::disallowed_methods)] // an admin tool: it reads the files it is given

use std::process::ExitCode;

use kube_tls_bootstrap::identity::{TokenFile, TokenFileError};
use serde::Serialize;

const USAGE: &str = "usage: lint_tokens [--json] FILE...";

fn main() -> ExitCode {
    let mut json = false;
    let mut files = Vec::new();
    let mut flags_done = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--json" if !flags_done => json = true,
            "--" if !flags_done => flags_done = true,
            "-h" | "--help" if !flags_done => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            flag if !flags_done && flag.starts_with('-') && flag != "-" => {
                eprintln!("lint_tokens: unknown option {flag}\n{USAGE}");
                return ExitCode::from(2);
            }
            _ => files.push(arg),
        }
    }
    if files.is_empty() {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    let mut all_load = true;
    for file in &files {
        let report = lint(file);
        all_load &= report.error.is_none();
        if json {
            match serde_json::to_string(&report) {
                Ok(line) => println!("{line}"),
                Err(e) => {
                    eprintln!("lint_tokens: {file}: {e}");
                    all_load = false;
                }
            }
        } else {
            print_human(&report);
        }
    }
    if all_load {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// One file's verdict, in the `--json` shape.
#[derive(Serialize)]
struct Report {
    file: String,
    entries: Vec<Entry>,
    warnings: Vec<Warning>,
    error: Option<Error>,
}

#[derive(Serialize)]
struct Entry {
    fingerprint: String,
    user: String,
    uid: String,
    groups: Vec<String>,
    line: u64,
}

#[derive(Serialize)]
struct Warning {
    kind: &'static str,
    record: u64,
    line: u64,
    message: String,
}

#[derive(Serialize)]
struct Error {
    kind: &'static str,
    line: Option<u64>,
    column: Option<u64>,
    message: String,
}

fn lint(file: &str) -> Report {
    let mut report = Report {
        file: file.to_owned(),
        entries: Vec::new(),
        warnings: Vec::new(),
        error: None,
    };
    let bytes = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(e) => {
            report.error = Some(Error {
                kind: "io",
                line: None,
                column: None,
                message: format!("open {file}: {}", go_io_text(&e)),
            });
            return report;
        }
    };
    match TokenFile::parse(&bytes, file) {
        Ok(tokens) => {
            report.entries = tokens
                .entries()
                .map(|e| Entry {
                    fingerprint: e.fingerprint(),
                    user: e.name().to_owned(),
                    uid: e.uid().to_owned(),
                    groups: e.groups().map(str::to_owned).collect(),
                    line: e.line(),
                })
                .collect();
            report.warnings = tokens
                .warnings()
                .iter()
                .map(|w| Warning {
                    kind: w.kind.as_str(),
                    record: w.record,
                    line: w.line,
                    message: w.to_string(),
                })
                .collect();
        }
        Err(e) => report.error = Some(error(&e)),
    }
    report
}

fn error(e: &TokenFileError) -> Error {
    Error {
        kind: e.kind(),
        line: Some(e.line()),
        column: e.column(),
        message: e.to_string(),
    }
}

/// The text Go's `os.Open` error would end with, for the common cases.
fn go_io_text(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        std::io::ErrorKind::IsADirectory => "is a directory".to_owned(),
        _ => e.to_string(),
    }
}

fn print_human(report: &Report) {
    match &report.error {
        None => {
            let n = report.entries.len();
            println!(
                "{}: loads: {n} token{}, {} warning{}",
                report.file,
                if n == 1 { "" } else { "s" },
                report.warnings.len(),
                if report.warnings.len() == 1 { "" } else { "s" },
            );
            for e in &report.entries {
                println!(
                    "  {}  user {:?}  uid {:?}  groups {:?}  (line {})",
                    e.fingerprint, e.user, e.uid, e.groups, e.line
                );
            }
            for w in &report.warnings {
                println!("  warning (line {}): {}", w.line, w.message);
            }
        }
        Some(e) => {
            let place = match (e.line, e.column) {
                (Some(line), Some(column)) => format!(" at line {line}, column {column}"),
                (Some(line), None) => format!(" at line {line}"),
                _ => String::new(),
            };
            println!("{}: does not load{place} ({} error)", report.file, e.kind);
            println!("  {}", e.message);
        }
    }
}
