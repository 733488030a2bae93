//! Unit tests of the token file: Go's rules, positions and the index.

use super::*;

#[test]
fn kubernetes_tokenfile_test_table() {
    let file = TokenFile::parse(
        b"token1,user1,uid1\ntoken2,user2,uid2\ntoken3,user3,uid3,\"group1,group2\"\n\
          token4,user4,uid4,\"group2\"\ntoken5,user5,uid5,group5\n\
          token6,user6,uid6,group5,otherdata\ntoken7,user7,uid7,\"group1,group2\",otherdata\n",
        "token.csv",
    )
    .unwrap();
    let user = |t: &str| file.lookup(t).map(|e| e.user());
    let mut u1 = UserInfo::new("user1", Vec::<String>::new());
    u1.uid = "uid1".into();
    assert_eq!(user("token1"), Some(u1));
    assert_eq!(user("token3").unwrap().groups, ["group1", "group2"]);
    assert_eq!(user("token4").unwrap().groups, ["group2"]);
    assert_eq!(user("token5").unwrap().groups, ["group5"]);
    assert_eq!(user("token6").unwrap().groups, ["group5"]);
    assert_eq!(user("token7").unwrap().groups, ["group1", "group2"]);
    assert_eq!(user("token8"), None);
    assert!(file.warnings().is_empty());
}

#[test]
fn short_records_fail_the_load_with_the_path() {
    for (input, found) in [(&b"token3,user3\n"[..], 2), (b"token4\n", 1)] {
        let err = TokenFile::parse(input, "/srv/kubernetes/known_tokens.csv").unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "token file '/srv/kubernetes/known_tokens.csv' must have at least 3 columns \
                 (token, user name, user uid), found {found}"
            )
        );
        assert_eq!((err.kind(), err.line(), err.column()), ("columns", 1, None));
    }
}

#[test]
fn empty_token_is_skipped_with_a_warning() {
    let file = TokenFile::parse(b",user5,uid5\n", "token.csv").unwrap();
    assert!(file.is_empty());
    assert_eq!(
        file.warnings()[0].to_string(),
        "empty token has been found in token file 'token.csv', record number '1'"
    );
}

#[test]
fn invalid_utf8_is_an_encoding_error_unless_go_fails_first() {
    let err = TokenFile::parse(b"t,u,i\nt2,\xff,i\n", "f").unwrap_err();
    assert_eq!(
        err,
        TokenFileError::Encoding {
            path: "f".into(),
            line: 2,
            column: 4
        }
    );
    assert_eq!(
        err.to_string(),
        "token file 'f' is not valid UTF-8: invalid byte on line 2, column 4"
    );
    let err = TokenFile::parse(b"t,\xff,i\nx\n", "f").unwrap_err();
    assert_eq!(err.kind(), "columns");
}

#[test]
fn direct_sha256_matches_the_sha2_crate() {
    use sha2::Digest as _;
    let message: Vec<u8> = (0..300u32).map(|i| (i * 131 % 251) as u8).collect();
    for len in 0..message.len() {
        let want: [u8; 32] = sha2::Sha256::digest(&message[..len]).into();
        assert_eq!(sha256(&message[..len]), want, "length {len}");
    }
    assert_eq!(
        TokenDigest::of(b"").fingerprint(),
        "sha256:e3b0c44298fc1c14"
    );
}

#[test]
fn an_entry_is_one_cache_line() {
    assert_eq!(std::mem::size_of::<StoredEntry>(), 64);
}

#[test]
fn debug_shows_fingerprints_not_tokens() {
    let file = TokenFile::parse(b"s3cr3t-token,alice,1\n", "f").unwrap();
    let debug = format!("{file:?}");
    assert!(!debug.contains("s3cr3t"), "{debug}");
    assert!(debug.contains(&TokenDigest::of(b"s3cr3t-token").fingerprint()));
}

#[test]
fn a_large_file_with_repeats_keeps_go_order_values_and_records() {
    // Large enough that the table is filled region by region; every 5th row repeats the token
    // of row i/2 (when that row is not itself a repeat), with new values.
    let rows = 30_000;
    let token = |i: usize| {
        if i % 5 == 4 && (i / 2) % 5 != 4 {
            format!("tok-{}", i / 2)
        } else {
            format!("tok-{i}")
        }
    };
    let mut input = String::new();
    for i in 0..rows {
        input.push_str(&format!("{},user-{i},uid-{i},g{i}\n", token(i)));
    }
    let file = TokenFile::parse(input.as_bytes(), "big.csv").unwrap();
    // What Go keeps: each distinct token at its first appearance, values of its last.
    let mut want: Vec<(String, usize, usize)> = Vec::new(); // token, first row, last row
    let mut seen = std::collections::HashMap::new();
    for i in 0..rows {
        let t = token(i);
        match seen.get(&t) {
            Some(&at) => {
                let kept: &mut (String, usize, usize) = &mut want[at];
                kept.2 = i;
            }
            None => {
                seen.insert(t.clone(), want.len());
                want.push((t, i, i));
            }
        }
    }
    assert!(want.len() < rows - 2_000);
    assert_eq!(file.len(), want.len());
    assert_eq!(file.warnings().len(), rows - want.len());
    for (entry, (t, first, last)) in file.entries().zip(&want) {
        assert_eq!(entry.digest(), &TokenDigest::of(t.as_bytes()));
        assert_eq!(entry.name(), format!("user-{last}"));
        assert_eq!(entry.groups().collect::<Vec<_>>(), [format!("g{last}")]);
        assert_eq!(
            (entry.first_record(), entry.last_record(), entry.line()),
            (*first as u64 + 1, *last as u64 + 1, *last as u64 + 1)
        );
        let found = file.lookup(t).unwrap();
        assert_eq!(
            (found.first_record(), found.last_record(), found.uid()),
            (entry.first_record(), entry.last_record(), entry.uid())
        );
    }
    assert!(file.lookup("tok-30000").is_none());
    let digest = TokenDigest::of(b"tok-29999");
    assert_eq!(file.lookup_digest(&digest).unwrap().line(), 30_000);
}

#[test]
fn the_file_keeps_the_path_it_was_loaded_as() {
    let file = TokenFile::parse(b"t,u,1\n", "/srv/kubernetes/known_tokens.csv").unwrap();
    assert_eq!(file.path(), "/srv/kubernetes/known_tokens.csv");
}

#[test]
fn digests_differing_in_several_words_are_unequal() {
    // The same difference in two words: an XOR fold of the word differences would cancel it.
    let mut a = [0u8; 32];
    a[0] = 1;
    a[8] = 1;
    assert_ne!(TokenDigest(a), TokenDigest([0; 32]));
    let mut b = [0u8; 32];
    b[31] = 0x80;
    assert_ne!(TokenDigest(b), TokenDigest([0; 32]));
    assert_eq!(TokenDigest(a), TokenDigest(a));
}

#[test]
fn digest_hash_follows_its_bytes() {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let hash = |d: &TokenDigest| {
        let mut h = DefaultHasher::new();
        d.hash(&mut h);
        h.finish()
    };
    let mut bytes = [0u8; 32];
    let of_bytes = |b: &[u8; 32]| {
        let mut h = DefaultHasher::new();
        b.hash(&mut h);
        h.finish()
    };
    assert_eq!(hash(&TokenDigest(bytes)), of_bytes(&bytes));
    bytes[5] = 7;
    assert_eq!(hash(&TokenDigest(bytes)), of_bytes(&bytes));
    assert_ne!(hash(&TokenDigest(bytes)), hash(&TokenDigest([0; 32])));
}

#[test]
fn entries_positions_digest_lookup_and_authenticate() {
    let file =
        TokenFile::parse(b"t1,alice,1,\"a,b\"\nt2,bob,2\nt3,carol,3,c\n", "token.csv").unwrap();
    assert!(!file.is_empty());
    assert!(TokenFile::parse(b"", "token.csv").unwrap().is_empty());
    let positions: Vec<_> = file.entries().map(|e| e.position()).collect();
    assert_eq!(positions, [0, 1, 2]);
    assert_eq!(file.lookup("t3").map(|e| e.position()), Some(2));

    let by_digest = file.lookup_digest(&TokenDigest::of(b"t2")).unwrap();
    assert_eq!(by_digest.user().name, "bob");
    assert_eq!(by_digest.position(), 1);
    assert!(file.lookup_digest(&TokenDigest::of(b"t4")).is_none());

    let alice = file.authenticate("t1").unwrap();
    let mut expected = UserInfo::new("alice", ["a", "b", "system:authenticated"]);
    expected.uid = "1".into();
    assert_eq!(alice, expected);
    // The groups were sized for `system:authenticated`: appending it did not reallocate.
    assert_eq!(alice.groups.capacity(), alice.groups.len());
    let mut bob = UserInfo::new("bob", ["system:authenticated"]);
    bob.uid = "2".into();
    assert_eq!(file.authenticate("t2"), Some(bob));
    assert_eq!(file.authenticate("t4"), None);
}
