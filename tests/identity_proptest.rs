//! Token files written the way Go's `csv.Writer` writes them load back to the same entries, and
//! loading never panics on arbitrary bytes.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is a test failure

use kube_tls_bootstrap::identity::{TokenDigest, TokenFile};
use proptest::prelude::*;

/// Go's `csv.Writer` (default settings) for one field.
fn go_field(field: &str) -> String {
    let needs_quotes = !field.is_empty()
        && (field == r"\."
            || field.contains(['\n', '\r', '"', ','])
            || field.chars().next().is_some_and(char::is_whitespace));
    if needs_quotes {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

fn field() -> impl Strategy<Value = String> {
    // No "\r\n" inside a field: Go's reader normalises it to "\n".
    "[a-c ,\"\n\t:\u{e9}]{0,8}"
}

proptest! {
    #[test]
    fn go_written_token_files_load_back(
        rows in proptest::collection::vec(
            ("[a-z0-9\"]{1,6}", field(), field(), proptest::option::of(field())),
            0..12,
        ),
        crlf in any::<bool>(),
    ) {
        let mut text = String::new();
        for (token, name, uid, groups) in &rows {
            let mut fields = vec![go_field(token), go_field(name), go_field(uid)];
            if let Some(g) = groups {
                fields.push(go_field(g));
            }
            text.push_str(&fields.join(","));
            text.push_str(if crlf { "\r\n" } else { "\n" });
        }
        let file = TokenFile::parse(text.as_bytes(), "token.csv").unwrap();
        // Expected: first appearance order, last values.
        let mut order: Vec<&String> = Vec::new();
        for (token, ..) in &rows {
            if !order.contains(&token) {
                order.push(token);
            }
        }
        prop_assert_eq!(file.len(), order.len());
        for (entry, token) in file.entries().zip(order) {
            let (_, name, uid, groups) = rows.iter().rev().find(|r| &r.0 == token).unwrap();
            prop_assert_eq!(entry.digest(), &TokenDigest::of(token.as_bytes()));
            prop_assert_eq!(entry.name(), name.as_str());
            prop_assert_eq!(entry.uid(), uid.as_str());
            let want: Vec<&str> = groups.iter().flat_map(|g| g.split(',')).collect();
            prop_assert_eq!(entry.groups().collect::<Vec<_>>(), want);
        }
        let duplicates = rows.len() - file.len();
        prop_assert_eq!(file.warnings().len(), duplicates);
    }

    #[test]
    fn loading_never_panics(input in proptest::collection::vec(any::<u8>(), 0..256)) {
        if let Ok(file) = TokenFile::parse(&input, "p") {
            for entry in file.entries() {
                let _ = (entry.user(), entry.fingerprint());
            }
        }
    }

    #[test]
    fn loading_never_panics_on_csv_shaped_bytes(
        input in proptest::collection::vec(
            proptest::sample::select(b"ab,,\"\"\n\r \xc3\xa9\xff".to_vec()),
            0..128,
        )
    ) {
        let _ = TokenFile::parse(&input, "p");
    }
}
