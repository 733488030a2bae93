//! 1 500 generated token files (500 of random bytes from a CSV-heavy alphabet, 1 000 of
//! row-shaped text with quoting, CR/LF mixes, short rows, empty and duplicate tokens) load to
//! exactly what the Go reference peer `tokencsv -warnings -meta -hex` reported for each
//! (`tests/data/identity/tokencsv-random.jsonl`): entries, warnings, or the error and its
//! position. Files Go loads that are not UTF-8 give the crate's encoding error instead.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is a test failure

use kube_tls_bootstrap::identity::{TokenDigest, TokenFile, TokenFileError};
use serde_json::Value;

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn text(v: &Value) -> String {
    String::from_utf8(unhex(v.as_str().unwrap())).unwrap()
}

#[test]
fn generated_token_files_match_the_go_peer() {
    let data = include_str!("data/identity/tokencsv-random.jsonl");
    let (mut ok, mut errors, mut not_utf8) = (0, 0, 0);
    for (n, line) in data.lines().enumerate() {
        let case: Value = serde_json::from_str(line).unwrap();
        let input = unhex(case["input"].as_str().unwrap());
        let go = &case["go"];
        let result = TokenFile::parse(&input, "token.csv");
        if let Some(message) = go["error"].as_str() {
            let err = result.unwrap_err();
            assert_eq!(err.to_string(), message, "case {n}");
            assert_eq!(err.kind(), go["kind"], "case {n}");
            assert_eq!(err.line(), go["line"], "case {n}");
            if let TokenFileError::Csv(csv) = &err {
                assert_eq!(csv.start_line, go["start_line"], "case {n}");
                assert_eq!(Some(csv.column), go["column"].as_u64(), "case {n}");
            }
            errors += 1;
            continue;
        }
        if std::str::from_utf8(&input).is_err() {
            assert_eq!(result.unwrap_err().kind(), "encoding", "case {n}");
            not_utf8 += 1;
            continue;
        }
        let file = result.unwrap();
        let want = go["ok"].as_array().unwrap();
        assert_eq!(file.len(), want.len(), "case {n}");
        for (entry, w) in file.entries().zip(want) {
            let token = unhex(w["token"].as_str().unwrap());
            assert_eq!(entry.digest(), &TokenDigest::of(&token), "case {n}");
            assert_eq!(entry.name(), text(&w["name"]), "case {n}");
            assert_eq!(entry.uid(), text(&w["uid"]), "case {n}");
            let groups: Vec<String> = w["groups"].as_array().unwrap().iter().map(text).collect();
            assert_eq!(entry.groups().collect::<Vec<_>>(), groups, "case {n}");
            assert_eq!(entry.first_record(), w["first_record"], "case {n}");
            assert_eq!(entry.last_record(), w["last_record"], "case {n}");
            assert_eq!(entry.line(), w["line"], "case {n}");
        }
        let warnings: Vec<String> = file.warnings().iter().map(ToString::to_string).collect();
        let want: Vec<&str> = go["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w.as_str().unwrap())
            .collect();
        assert_eq!(warnings, want, "case {n}");
        ok += 1;
    }
    assert_eq!(ok + errors + not_utf8, 1500);
    // The mix the generator produced: loads, Go errors, and loads Go accepts but that are not
    // UTF-8.
    assert_eq!((ok, errors, not_utf8), (532, 968, 0));
}
