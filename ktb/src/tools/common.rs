//! What every tool shares: reading an input (`-` is standard input), the one error style
//! (`PROGRAM: FILE:LINE:COLUMN: message`), and output that ends quietly when the reader of a
//! pipe has gone (`| head -1`).
//!
//! This file is compiled into the `ktb` binary and, through `#[path]`, into each example, so
//! both print the same thing from the same code.
#![allow(clippy::disallowed_methods)] // an admin tool: it reads the files it is given
#![allow(dead_code)] // each example uses part of it

use std::io::{Read as _, Write};

/// The exit status of a tool killed by `SIGPIPE` in a shell (128 + 13): what a Go tool such as
/// kubectl ends with when its output pipe closes; the tools end with it quietly instead of a
/// panic.
pub(crate) const CLOSED_PIPE_STATUS: u8 = 141;

/// Why a tool stopped before answering.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The command line is wrong: exit status 2, with the usage.
    Usage(String),
    /// An input could not be read or understood: the message (already naming the file) and
    /// the exit status.
    Input {
        /// The complete message, without the program prefix.
        message: String,
        /// The exit status.
        status: u8,
    },
    /// Standard output or standard error could not be written (other than a closed pipe).
    Output(std::io::Error),
    /// The reader of standard output went away.
    ClosedPipe,
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Self::ClosedPipe
        } else {
            Self::Output(e)
        }
    }
}

impl Failure {
    /// An input error naming `file` and, when known, the line and column.
    pub(crate) fn input(
        file: &str,
        line: Option<u64>,
        column: Option<u64>,
        message: impl std::fmt::Display,
        status: u8,
    ) -> Self {
        Self::Input {
            message: format!("{}: {message}", place(file, line, column)),
            status,
        }
    }
}

/// `FILE`, `FILE:LINE` or `FILE:LINE:COLUMN` (standard input is `-`).
pub(crate) fn place(file: &str, line: Option<u64>, column: Option<u64>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!("{file}:{l}:{c}"),
        (Some(l), None) => format!("{file}:{l}"),
        _ => file.to_owned(),
    }
}

/// Ends a tool: the exit status of its answer, or its failure printed as
/// `PROGRAM: message` on standard error (with `usage` after a usage error).
pub(crate) fn finish(program: &str, usage: &str, result: Result<u8, Failure>) -> u8 {
    let mut stderr = std::io::stderr().lock();
    match result {
        Ok(status) => status,
        Err(Failure::Usage(message)) => {
            // Nothing more can be done when standard error itself is closed.
            let _ = writeln!(stderr, "{program}: {message}\n{usage}");
            2
        }
        Err(Failure::Input { message, status }) => {
            let _ = writeln!(stderr, "{program}: {message}");
            status
        }
        Err(Failure::Output(e)) => {
            let _ = writeln!(stderr, "{program}: writing the output: {e}");
            1
        }
        Err(Failure::ClosedPipe) => CLOSED_PIPE_STATUS,
    }
}

/// The bytes of `path`, or of standard input when `path` is `-`.
pub(crate) fn read_input(path: &str) -> std::io::Result<Vec<u8>> {
    if path == "-" {
        let mut bytes = Vec::new();
        std::io::stdin().lock().read_to_end(&mut bytes)?;
        Ok(bytes)
    } else {
        std::fs::read(path)
    }
}

/// [`read_input`], failing with `FILE: <reason>` and `status`.
pub(crate) fn read_or_fail(path: &str, status: u8) -> Result<Vec<u8>, Failure> {
    read_input(path).map_err(|e| Failure::input(path, None, None, io_text(&e), status))
}

/// The end of Go's `os.Open` error for the common cases (`no such file or directory`), else
/// the system's text.
pub(crate) fn io_text(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        std::io::ErrorKind::IsADirectory => "is a directory".to_owned(),
        _ => e.to_string(),
    }
}

/// 1-based line and column of byte `offset` of `text`.
pub(crate) fn line_column(text: &[u8], offset: usize) -> (u64, u64) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = before.len()
        - before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1)
        + 1;
    (as_u64(line), as_u64(column))
}

/// A count as `u64` (saturating; a `usize` fits on every supported target).
pub(crate) fn as_u64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// JSON on one line with `", "` and `": "` separators (the `inspect_csr --json` shape).
pub(crate) fn to_spaced_json(value: &impl serde::Serialize) -> String {
    struct Spaced;
    impl serde_json::ser::Formatter for Spaced {
        fn begin_array_value<W: ?Sized + Write>(
            &mut self,
            w: &mut W,
            first: bool,
        ) -> std::io::Result<()> {
            if first { Ok(()) } else { w.write_all(b", ") }
        }
        fn begin_object_key<W: ?Sized + Write>(
            &mut self,
            w: &mut W,
            first: bool,
        ) -> std::io::Result<()> {
            if first { Ok(()) } else { w.write_all(b", ") }
        }
        fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
            w.write_all(b": ")
        }
    }
    let mut buf = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, Spaced);
    // Serialising plain structs of strings, numbers, bools and options into memory cannot fail.
    let _ = value.serialize(&mut ser);
    String::from_utf8(buf).unwrap_or_default()
}

/// `s` with `"s"` appended unless `n` is 1.
pub(crate) fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// `--now` as given (RFC 3339), or the current time.
pub(crate) fn now_or_current(
    now: Option<&str>,
) -> Result<kube_tls_bootstrap::time::Timestamp, Failure> {
    use kube_tls_bootstrap::time::Timestamp;
    match now {
        Some(text) => {
            Timestamp::parse_rfc3339(text).map_err(|e| Failure::Usage(format!("--now: {e}")))
        }
        None => {
            let seconds = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
            Ok(Timestamp::from_unix(seconds))
        }
    }
}
