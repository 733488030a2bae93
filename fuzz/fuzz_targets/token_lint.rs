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
    // A token of 12 or more characters (no comma, quote or line break, so one field) never
    // appears in a finding's text.
    if let Ok(text) = std::str::from_utf8(data) {
        for line in text.lines() {
            if let Some((token, rest)) = line.split_once(',') {
                let plain = token.len() >= 12
                    && !token.contains('"')
                    && !rest.contains(token)
                    && !token.starts_with('\u{feff}');
                if plain {
                    for f in &findings {
                        assert!(!f.message.contains(token), "{token:?} in {:?}", f.message);
                    }
                }
            }
        }
    }
});
