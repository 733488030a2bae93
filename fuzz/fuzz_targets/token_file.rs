//! Token-file loading never panics; what loads is self-consistent: every entry is found by its
//! digest, in a file without quotes every row's token is found by `lookup`, warnings come in
//! record order, and a file Go would load but that is not UTF-8 is the encoding error.
#![no_main]

use kube_tls_bootstrap::identity::{TokenDigest, TokenFile, TokenFileError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match TokenFile::parse(data, "token.csv") {
        Ok(file) => {
            assert!(std::str::from_utf8(data).is_ok());
            let mut last_record = 0;
            for entry in file.entries() {
                let found = file.lookup_digest(entry.digest()).expect("indexed");
                assert_eq!(found.line(), entry.line());
                assert!(entry.first_record() <= entry.last_record());
                assert!(entry.first_record() > last_record);
                last_record = entry.first_record();
                let user = entry.user();
                assert_eq!(user.name, entry.name());
                assert_eq!(user.groups.len(), entry.groups().count());
            }
            // Without quotes every line is blank or a record, and its token is what comes before
            // the first comma (a record has at least 3 fields, so the line's end is not in it).
            if !data.contains(&b'"') {
                let text = std::str::from_utf8(data).expect("loaded, so UTF-8");
                for line in text.split('\n') {
                    let Some((token, _)) = line.split_once(',') else {
                        continue;
                    };
                    if !token.is_empty() {
                        let entry = file.lookup(token).expect("a row's token is found");
                        assert_eq!(entry.digest(), &TokenDigest::of(token.as_bytes()));
                    }
                }
            }
            let records: Vec<u64> = file.warnings().iter().map(|w| w.record).collect();
            assert!(records.windows(2).all(|w| w[0] < w[1]));
        }
        Err(TokenFileError::Encoding { line, column, .. }) => {
            assert!(std::str::from_utf8(data).is_err());
            assert!(line >= 1 && column >= 1);
        }
        Err(e) => {
            assert!(e.line() >= 1);
            let _ = e.to_string();
        }
    }
});
