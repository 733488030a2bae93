//! `examples/lint_tokens --json` on every file of the Go peer's token-file corpus says what the
//! peer (`tokencsv -warnings -meta`) says: the same identities (by fingerprint), warnings and
//! errors, with the path as given (its lint findings, a key of their own, are checked in
//! `ktb/tests/cli_lint_tokens.rs`); and its exit status and usage errors are as documented.
#![allow(clippy::disallowed_methods)] // runs the example and reads the committed corpus
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is a test failure

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/identity/tokencsv")
}

/// Builds the example (a plain `cargo test --test` does not) and runs it in the corpus folder.
fn lint(args: &[&str]) -> Output {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let built = Command::new(cargo)
        .args(["build", "--quiet", "--example", "lint_tokens"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .unwrap();
    assert!(built.success());
    // target/<profile>/deps/<this test> → target/<profile>/examples/lint_tokens
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap();
    Command::new(profile_dir.join("examples").join("lint_tokens"))
        .args(args)
        .current_dir(corpus())
        .output()
        .unwrap()
}

fn fingerprint(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// The `--json` line the peer's output implies for `file` (the peer was run with path
/// `token.csv`; the lint names the file as given).
fn expected(file: &str, go: &Value) -> Value {
    let named = |s: &str| s.replace("'token.csv'", &format!("'{file}'"));
    if let Some(message) = go["error"].as_str() {
        let column = if go["kind"] == "csv" {
            go["column"].clone()
        } else {
            Value::Null
        };
        return json!({
            "file": file, "entries": [], "warnings": [],
            "error": {"kind": go["kind"], "line": go["line"], "column": column, "message": named(message)},
        });
    }
    let entries: Vec<Value> = go["ok"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            json!({
                "fingerprint": fingerprint(e["token"].as_str().unwrap()),
                "user": e["name"], "uid": e["uid"], "groups": e["groups"], "line": e["line"],
            })
        })
        .collect();
    let warnings: Vec<Value> = go["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            let text = w.as_str().unwrap();
            let kind = if text.starts_with("empty") {
                "empty-token"
            } else {
                "duplicate-token"
            };
            let record: u64 = text
                .rsplit_once("record number '")
                .unwrap()
                .1
                .trim_end_matches('\'')
                .parse()
                .unwrap();
            // The peer does not print a warning's line; it is checked separately below.
            json!({"kind": kind, "record": record, "message": named(text)})
        })
        .collect();
    json!({"file": file, "entries": entries, "warnings": warnings, "error": null})
}

#[test]
fn json_output_agrees_with_the_go_peer_on_the_whole_corpus() {
    let index = std::fs::read_to_string(corpus().join("INDEX.tsv")).unwrap();
    let names: Vec<String> = index
        .lines()
        .skip(1)
        .map(|l| format!("{}.csv", l.split('\t').next().unwrap()))
        .collect();
    let mut args = vec!["--json"];
    args.extend(names.iter().map(String::as_str));
    let out = lint(&args);
    assert_eq!(out.status.code(), Some(1)); // the corpus has failing files
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 43);
    for (file, line) in names.iter().zip(lines) {
        let mut got: Value = serde_json::from_str(line).unwrap();
        let go: Value = serde_json::from_str(
            &std::fs::read_to_string(corpus().join(file.replace(".csv", ".full.json"))).unwrap(),
        )
        .unwrap();
        if go.get("lossy_utf8").is_some() {
            // The documented divergence: Go loads it, the crate refuses non-UTF-8 text.
            assert_eq!(
                got["error"],
                json!({"kind": "encoding", "line": 1, "column": 2,
                       "message": "token file 'invalid-utf8.csv' is not valid UTF-8: invalid byte on line 1, column 2"})
            );
            continue;
        }
        // The lint findings are this crate's advice, not the peer's: a key of their own.
        assert!(
            got.as_object_mut()
                .unwrap()
                .remove("lint")
                .unwrap()
                .is_array()
        );
        for w in got["warnings"].as_array_mut().unwrap() {
            assert!(w.as_object_mut().unwrap().remove("line").unwrap().is_u64());
        }
        assert_eq!(got, expected(file, &go), "{file}");
    }
}

#[test]
fn warning_lines_and_human_output() {
    let out = lint(&["record-numbering.csv", "duplicate-last-wins.csv"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!(
            "record-numbering.csv: loads: 2 tokens, 2 warnings
  {0}  user \"b\"  uid \"2\"  groups []  (line 3)
  {1}  user \"d\"  uid \"4\"  groups []  (line 6)
  warning (line 1): empty token has been found in token file 'record-numbering.csv', record number '1'
  warning (line 5): empty token has been found in token file 'record-numbering.csv', record number '3'
  lint (line 3, short-token): token {0} is 3 bytes long; use at least 32 random characters
  lint (line 6, short-token): token {1} is 1 byte long; use at least 32 random characters
duplicate-last-wins.csv: loads: 1 token, 1 warning
  {2}  user \"bob\"  uid \"2\"  groups []  (line 2)
  warning (line 2): duplicate token has been found in token file 'duplicate-last-wins.csv', record number '2'
  lint (line 1, short-token): token {2} is 3 bytes long; use at least 32 random characters
  lint (line 2, short-token): token {2} is 3 bytes long; use at least 32 random characters
  lint (line 2, reused-token): token {2} is also the token of \"alice\" (line 1): kube-apiserver keeps only the last record, so it authenticates as \"bob\" alone
",
            fingerprint("x\ny"),
            fingerprint("z"),
            fingerprint("tok")
        )
    );
}

#[test]
fn errors_usage_and_exit_status() {
    let out = lint(&[
        "csv-error-after-valid-rows.csv",
        "two-columns.csv",
        "missing.csv",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "csv-error-after-valid-rows.csv: does not load at line 3, column 5 (csv error)
  parse error on line 3, column 5: bare \" in non-quoted-field
  lint (line 1, short-token): token sha256:628b49d96dcde97a is 2 bytes long; use at least 32 random characters
  lint (line 2, short-token): token sha256:c44474038d459e40 is 2 bytes long; use at least 32 random characters
two-columns.csv: does not load at line 1 (columns error)
  token file 'two-columns.csv' must have at least 3 columns (token, user name, user uid), found 2
missing.csv: does not load (io error)
  open missing.csv: no such file or directory
"
    );
    for args in [&[][..], &["--json"], &["--jsonn", "basic.csv"]] {
        let out = lint(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8(out.stderr)
                .unwrap()
                .ends_with("usage: lint_tokens [--json] [--strict] FILE...\n")
        );
    }
    assert_eq!(
        lint(&["--json", "basic.csv", "crlf.csv"]).status.code(),
        Some(0)
    );
}
