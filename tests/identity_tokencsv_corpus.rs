//! Every case of the Go reference peer's token-file corpus (`tests/data/identity/tokencsv/`)
//! loads to exactly what the peer reports: entries (token, name, UID, groups, record numbers,
//! line), warnings, or the error with its kind and position.
#![allow(clippy::disallowed_methods)] // reads the committed corpus files
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is a test failure

use std::path::Path;

use kube_tls_bootstrap::identity::{TokenDigest, TokenFile, TokenFileError};
use serde_json::Value;

fn corpus() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/identity/tokencsv")
}

fn cases() -> Vec<(String, String)> {
    let index = std::fs::read_to_string(corpus().join("INDEX.tsv")).unwrap();
    index
        .lines()
        .skip(1)
        .map(|l| {
            let mut cols = l.split('\t');
            (
                cols.next().unwrap().to_owned(),
                cols.next().unwrap().to_owned(),
            )
        })
        .collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn index_lists_43_cases() {
    assert_eq!(cases().len(), 43);
}

#[test]
fn every_corpus_case_matches_the_go_peer() {
    let mut checked = 0;
    for (name, outcome) in cases() {
        let input = std::fs::read(corpus().join(format!("{name}.csv"))).unwrap();
        let full: Value = serde_json::from_str(
            &std::fs::read_to_string(corpus().join(format!("{name}.full.json"))).unwrap(),
        )
        .unwrap();
        let short: Value = serde_json::from_str(
            &std::fs::read_to_string(corpus().join(format!("{name}.json"))).unwrap(),
        )
        .unwrap();
        let result = TokenFile::parse(&input, "token.csv");
        if full.get("lossy_utf8").is_some() {
            // The documented divergence: Go loads it, this crate refuses it with a position.
            check_invalid_utf8(&name, &input, result);
            checked += 1;
            continue;
        }
        match (&full["error"], result) {
            (Value::Null, Ok(file)) => {
                assert!(outcome.starts_with("ok("), "{name}: {outcome}");
                let expected = full["ok"].as_array().unwrap();
                assert_eq!(file.len(), expected.len(), "{name}");
                assert_eq!(short["ok"].as_array().unwrap().len(), expected.len());
                for (entry, want) in file.entries().zip(expected) {
                    let token = want["token"].as_str().unwrap();
                    assert_eq!(entry.digest(), &TokenDigest::of(token.as_bytes()), "{name}");
                    assert_eq!(entry.name(), want["name"], "{name}");
                    assert_eq!(entry.uid(), want["uid"], "{name}");
                    let groups: Vec<&str> = entry.groups().collect();
                    let want_groups: Vec<&str> = want["groups"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|g| g.as_str().unwrap())
                        .collect();
                    assert_eq!(groups, want_groups, "{name}");
                    assert_eq!(entry.first_record(), want["first_record"], "{name}");
                    assert_eq!(entry.last_record(), want["last_record"], "{name}");
                    assert_eq!(entry.line(), want["line"], "{name}");
                    assert_eq!(file.lookup(token).unwrap().line(), entry.line());
                }
                let warnings: Vec<String> =
                    file.warnings().iter().map(ToString::to_string).collect();
                let want: Vec<&str> = full["warnings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|w| w.as_str().unwrap())
                    .collect();
                assert_eq!(warnings, want, "{name}");
            }
            (Value::String(message), Err(err)) => {
                assert_eq!(err.to_string(), *message, "{name}");
                assert_eq!(short["error"], full["error"]);
                assert_eq!(err.kind(), full["kind"], "{name}");
                assert_eq!(outcome, format!("error({})", err.kind()), "{name}");
                assert_eq!(err.line(), full["line"], "{name}");
                match &err {
                    TokenFileError::Csv(csv) => {
                        assert_eq!(csv.start_line, full["start_line"], "{name}");
                        assert_eq!(err.column(), full["column"].as_u64(), "{name}");
                    }
                    TokenFileError::Columns { found, .. } => {
                        assert_eq!(*found as u64, full["found"], "{name}");
                        assert_eq!(err.column(), None);
                    }
                    other => panic!("{name}: unexpected {other:?}"),
                }
            }
            (want, got) => panic!("{name}: expected {want}, got {got:?}"),
        }
        checked += 1;
    }
    assert_eq!(checked, 43);
}

fn check_invalid_utf8(name: &str, input: &[u8], result: Result<TokenFile, TokenFileError>) {
    assert_eq!(name, "invalid-utf8");
    // What Go loaded, byte for byte (from the peer's -hex output).
    let hex: Value = serde_json::from_str(
        &std::fs::read_to_string(corpus().join(format!("{name}.hex.json"))).unwrap(),
    )
    .unwrap();
    let entry = &hex["ok"][0];
    let token = unhex(entry["token"].as_str().unwrap());
    let record = [
        token.clone(),
        unhex(entry["name"].as_str().unwrap()),
        unhex(entry["uid"].as_str().unwrap()),
    ]
    .join(&b","[..]);
    assert_eq!([record, b"\n".to_vec()].concat(), input);
    let first_invalid = input.iter().position(|&b| b >= 0x80).unwrap();
    assert_eq!(
        result.unwrap_err(),
        TokenFileError::Encoding {
            path: "token.csv".into(),
            line: 1,
            column: first_invalid as u64 + 1,
        }
    );
}
