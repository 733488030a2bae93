//! The token-file lint never panics and never prints a token: findings name tokens by
//! fingerprint only, point at lines of the input, come in line order, and an empty-file finding
//! means kube-apiserver loads nothing and warns of nothing.
#![no_main]

use kube_tls_bootstrap::identity::{TokenFile, TokenLintKind, lint_token_file};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let findings = lint_token_file(data);
    let lines = data.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    let mut last = 0;
    for f in &findings {
        assert!(f.line <= lines, "line {} of {lines}", f.line);
        assert!(f.line >= last, "in line order");
        last = f.line;
        assert!(!f.message.is_empty());
        if f.kind == TokenLintKind::EmptyFile {
            assert_eq!(f.line, 0);
            let file = TokenFile::parse(data, "t").expect("an empty file loads");
            assert!(file.is_empty() && file.warnings().is_empty());
        }
    }
    // A token of 12 or more characters that appears once in a file without quotes (so each
    // line is a record and the token is its first field) never appears in a finding's text.
    if let Ok(text) = std::str::from_utf8(data)
        && !text.contains('"')
    {
        for line in text.lines() {
            if let Some((token, _)) = line.split_once(',')
                && token.len() >= 12
                && text.matches(token).count() == 1
                && !token.starts_with('\u{feff}')
            {
                for f in &findings {
                    assert!(!f.message.contains(token), "{token:?} in {:?}", f.message);
                }
            }
        }
    }
});
