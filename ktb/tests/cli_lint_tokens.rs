//! `ktb lint-tokens` on token files with each mistake: kube-apiserver's output unchanged, the
//! lint findings in their own lines and JSON key, tokens only as fingerprints.

mod common;

use common::{expect, ktb, ktb_with_stdin};

const T1: &str = "31ada4fd1f7a4e3ce0a5f7c9e0d6b2a1";

#[test]
fn each_mistake_has_its_finding() {
    let run = ktb(&[
        "lint-tokens",
        "tokens-clean.csv",
        "tokens-bom.csv",
        "tokens-header.csv",
        "tokens-group-space.csv",
        "tokens-empty-groups.csv",
        "tokens-unquoted-groups.csv",
        "tokens-short.csv",
        "tokens-reused.csv",
        "tokens-empty.csv",
    ]);
    expect(
        &run,
        "tokens-clean.csv: loads: 2 tokens, 0 warnings
  sha256:bd2126feb3f380eb  user \"kubelet-bootstrap\"  uid \"10001\"  groups [\"system:bootstrappers\"]  (line 1)
  sha256:403dd45c5e49532f  user \"admin\"  uid \"10002\"  groups [\"system:masters\", \"ops\"]  (line 2)
tokens-bom.csv: loads: 1 token, 0 warnings
  sha256:bd579f88287b194b  user \"kubelet-bootstrap\"  uid \"10001\"  groups [\"system:bootstrappers\"]  (line 1)
  lint (line 1, byte-order-mark): the file starts with a UTF-8 byte order mark, which kube-apiserver keeps as the first bytes of the first token: it is sha256:bd579f88287b194b, not the sha256:bd2126feb3f380eb of the token as typed; save the file without a BOM
tokens-header.csv: loads: 2 tokens, 0 warnings
  sha256:3c469e9d6c5875d3  user \"user\"  uid \"uid\"  groups [\"groups\"]  (line 1)
  sha256:bd2126feb3f380eb  user \"kubelet-bootstrap\"  uid \"10001\"  groups [\"system:bootstrappers\"]  (line 2)
  lint (line 1, header-row): this looks like a header row, but kube-apiserver has no header: it loads it as a credential for user \"user\" (delete the line)
  lint (line 1, short-token): token sha256:3c469e9d6c5875d3 is 5 bytes long; use at least 32 random characters
tokens-group-space.csv: loads: 1 token, 0 warnings
  sha256:bd2126feb3f380eb  user \"kubelet-bootstrap\"  uid \"10001\"  groups [\"system:bootstrappers\", \" system:nodes\"]  (line 1)
  lint (line 1, group-space): group \" system:nodes\" has a leading or trailing space, which kube-apiserver keeps: no binding to \"system:nodes\" matches it
tokens-empty-groups.csv: loads: 1 token, 0 warnings
  sha256:bd2126feb3f380eb  user \"kubelet-bootstrap\"  uid \"10001\"  groups [\"\"]  (line 1)
  lint (line 1, empty-group): the groups column is empty: kube-apiserver gives user \"kubelet-bootstrap\" one group named \"\" (leave the column out instead)
tokens-unquoted-groups.csv: loads: 1 token, 0 warnings
  sha256:403dd45c5e49532f  user \"admin\"  uid \"10002\"  groups [\"system:masters\"]  (line 1)
  lint (line 1, unquoted-groups): the record has 5 columns: kube-apiserver reads only \"system:masters\" as the groups and ignores \"ops\"; quote the groups column (\"a,b\") to keep every group
tokens-short.csv: loads: 1 token, 0 warnings
  sha256:057ba03d6c441048  user \"kubelet-bootstrap\"  uid \"10001\"  groups [\"system:bootstrappers\"]  (line 1)
  lint (line 1, short-token): token sha256:057ba03d6c441048 is 8 bytes long; use at least 32 random characters
tokens-reused.csv: loads: 1 token, 1 warning
  sha256:6f3a8dc0c44c0c87  user \"bob\"  uid \"2\"  groups []  (line 2)
  warning (line 2): duplicate token has been found in token file 'tokens-reused.csv', record number '2'
  lint (line 2, reused-token): token sha256:6f3a8dc0c44c0c87 is also the token of \"alice\" (line 1): kube-apiserver keeps only the last record, so it authenticates as \"bob\" alone
tokens-empty.csv: loads: 0 tokens, 0 warnings
  lint (empty-file): the file holds no record: kube-apiserver starts, and refuses every token
",
        "",
        0,
    );
    assert!(!run.stdout.contains(T1));
    assert!(!run.stdout.contains("changeme"));
}

#[test]
fn json_keeps_kube_apiservers_keys_and_adds_lint() {
    expect(
        &ktb(&["lint-tokens", "--json", "tokens-short.csv"]),
        "{\"file\":\"tokens-short.csv\",\"entries\":[{\"fingerprint\":\"sha256:057ba03d6c441048\",\"user\":\"kubelet-bootstrap\",\"uid\":\"10001\",\"groups\":[\"system:bootstrappers\"],\"line\":1}],\"warnings\":[],\"error\":null,\"lint\":[{\"kind\":\"short-token\",\"line\":1,\"message\":\"token sha256:057ba03d6c441048 is 8 bytes long; use at least 32 random characters\"}]}\n",
        "",
        0,
    );
    expect(
        &ktb(&["lint-tokens", "--json", "tokens-empty.csv"]),
        "{\"file\":\"tokens-empty.csv\",\"entries\":[],\"warnings\":[],\"error\":null,\"lint\":[{\"kind\":\"empty-file\",\"line\":null,\"message\":\"the file holds no record: kube-apiserver starts, and refuses every token\"}]}\n",
        "",
        0,
    );
}

#[test]
fn strict_fails_on_findings_and_stdin_is_dash() {
    expect(
        &ktb(&["lint-tokens", "--strict", "tokens-clean.csv"]),
        "tokens-clean.csv: loads: 2 tokens, 0 warnings
  sha256:bd2126feb3f380eb  user \"kubelet-bootstrap\"  uid \"10001\"  groups [\"system:bootstrappers\"]  (line 1)
  sha256:403dd45c5e49532f  user \"admin\"  uid \"10002\"  groups [\"system:masters\", \"ops\"]  (line 2)
",
        "",
        0,
    );
    assert_eq!(
        ktb(&["lint-tokens", "--strict", "tokens-short.csv"]).status,
        Some(1)
    );
    expect(
        &ktb_with_stdin(&["lint-tokens", "-"], b"a,b\n"),
        "-: does not load at line 1 (columns error)
  token file '-' must have at least 3 columns (token, user name, user uid), found 2
",
        "",
        1,
    );
}
