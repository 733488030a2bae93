//! Runs the `ktb` binary (and the examples) as processes in `tests/data/cli`.
#![allow(dead_code)] // each test file uses part of it
#![allow(clippy::unwrap_used, clippy::disallowed_methods)] // test helpers: a panic is a failure

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// `tests/data/cli` of the repository.
pub(crate) fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/cli")
}

/// What a run printed and how it ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Run {
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    pub(crate) status: Option<i32>,
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Self {
            stdout: String::from_utf8(o.stdout).unwrap(),
            stderr: String::from_utf8(o.stderr).unwrap(),
            status: o.status.code(),
        }
    }
}

/// `ktb ARGS` in `tests/data/cli`, with `stdin` on standard input.
pub(crate) fn ktb_with_stdin(args: &[&str], stdin: &[u8]) -> Run {
    run(Command::new(env!("CARGO_BIN_EXE_ktb")), args, stdin)
}

/// `ktb ARGS` in `tests/data/cli`.
pub(crate) fn ktb(args: &[&str]) -> Run {
    ktb_with_stdin(args, b"")
}

/// The example `name` (built on first use) with `args`, in `tests/data/cli`.
pub(crate) fn example(name: &str, args: &[&str]) -> Run {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let built = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "-p",
            "kube-tls-bootstrap",
            "--example",
            name,
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .unwrap();
    assert!(built.success());
    // target/<profile>/deps/<this test> → target/<profile>/examples/<name>
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap();
    run(
        Command::new(profile_dir.join("examples").join(name)),
        args,
        b"",
    )
}

fn run(mut command: Command, args: &[&str], stdin: &[u8]) -> Run {
    let mut child = command
        .args(args)
        .current_dir(data())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A tool that does not read its input closes the pipe early: not an error here.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap().into()
}

/// A finished run with exactly this output and status.
pub(crate) fn expect(run: &Run, stdout: &str, stderr: &str, status: i32) {
    assert_eq!(run.stdout, stdout, "stdout; stderr was {:?}", run.stderr);
    assert_eq!(run.stderr, stderr, "stderr");
    assert_eq!(run.status, Some(status), "status");
}
