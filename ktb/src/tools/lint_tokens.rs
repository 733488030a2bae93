//! `lint-tokens`: what kube-apiserver `--token-auth-file` would load from each file, and this
//! crate's lint findings beside it.
//!
//! Human output, per file: `FILE: loads: N tokens, M warnings`, one line per identity (the token
//! only as a fingerprint), kube-apiserver's warnings (`  warning (line L): …`, byte for byte);
//! or `FILE: does not load …` and kube-apiserver's exact error. Then the lint findings, each on
//! a line of its own starting `  lint (line L, KIND): ` (`  lint (KIND): ` for the whole file):
//! this tool's advice, never kube-apiserver's text. `--json` prints one object per file:
//! `file`, `entries`, `warnings`, `error` (as before) and `lint`.
//!
//! Exit status: 0 when every file loads (and, with `--strict`, has no finding), 1 otherwise,
//! 2 on a usage error.

use std::io::Write;

use kube_tls_bootstrap::identity::{TokenFile, TokenFileError, lint_token_file};
use serde::Serialize;

use super::common::{Failure, io_text, plural, read_input};

/// The one-line usage.
pub(crate) const USAGE: &str = "usage: lint_tokens [--json] [--strict] FILE...";

/// What to lint and how to print it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Options {
    /// One JSON object per file instead of text.
    pub(crate) json: bool,
    /// Exit 1 when a file has a lint finding, not only when it does not load.
    pub(crate) strict: bool,
    /// The token files (`-` is standard input).
    pub(crate) files: Vec<String>,
}

/// Lints every file; the exit status.
pub(crate) fn run(options: &Options, out: &mut dyn Write) -> Result<u8, Failure> {
    if options.files.is_empty() {
        return Err(Failure::Usage("no FILE given".to_owned()));
    }
    let mut ok = true;
    for file in &options.files {
        let report = lint(file);
        ok &= report.error.is_none() && (!options.strict || report.lint.is_empty());
        if options.json {
            let line = serde_json::to_string(&report).map_err(|e| Failure::Input {
                message: format!("{file}: {e}"),
                status: 1,
            })?;
            writeln!(out, "{line}")?;
        } else {
            write_human(out, &report)?;
        }
    }
    Ok(if ok { 0 } else { 1 })
}

/// One file's verdict, in the `--json` shape.
#[derive(Serialize)]
struct Report {
    file: String,
    entries: Vec<Entry>,
    warnings: Vec<Warning>,
    error: Option<Error>,
    lint: Vec<Lint>,
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

#[derive(Serialize)]
struct Lint {
    kind: &'static str,
    line: Option<u64>,
    message: String,
}

fn lint(file: &str) -> Report {
    let mut report = Report {
        file: file.to_owned(),
        entries: Vec::new(),
        warnings: Vec::new(),
        error: None,
        lint: Vec::new(),
    };
    let bytes = match read_input(file) {
        Ok(bytes) => bytes,
        Err(e) => {
            report.error = Some(Error {
                kind: "io",
                line: None,
                column: None,
                message: format!("open {file}: {}", io_text(&e)),
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
    report.lint = lint_token_file(&bytes)
        .into_iter()
        .map(|f| Lint {
            kind: f.kind.as_str(),
            line: (f.line > 0).then_some(f.line),
            message: f.message,
        })
        .collect();
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

fn write_human(out: &mut dyn Write, report: &Report) -> std::io::Result<()> {
    match &report.error {
        None => {
            writeln!(
                out,
                "{}: loads: {}, {}",
                report.file,
                plural(report.entries.len(), "token"),
                plural(report.warnings.len(), "warning"),
            )?;
            for e in &report.entries {
                writeln!(
                    out,
                    "  {}  user {:?}  uid {:?}  groups {:?}  (line {})",
                    e.fingerprint, e.user, e.uid, e.groups, e.line
                )?;
            }
            for w in &report.warnings {
                writeln!(out, "  warning (line {}): {}", w.line, w.message)?;
            }
        }
        Some(e) => {
            let place = match (e.line, e.column) {
                (Some(line), Some(column)) => format!(" at line {line}, column {column}"),
                (Some(line), None) => format!(" at line {line}"),
                _ => String::new(),
            };
            writeln!(
                out,
                "{}: does not load{place} ({} error)",
                report.file, e.kind
            )?;
            writeln!(out, "  {}", e.message)?;
        }
    }
    for finding in &report.lint {
        match finding.line {
            Some(line) => writeln!(
                out,
                "  lint (line {line}, {}): {}",
                finding.kind, finding.message
            )?,
            None => writeln!(out, "  lint ({}): {}", finding.kind, finding.message)?,
        }
    }
    Ok(())
}
