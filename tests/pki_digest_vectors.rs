// Reads the committed digest vectors from tests/data/pki (the test, not the library, does I/O).
#![allow(clippy::disallowed_methods)]
// Test helpers outside #[test] functions unwrap too: a panic there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

//! Every case of `tests/data/pki/digest_vectors.txt` (PROTOCOL.md §5.3, the kubelet's
//! `node-csr-` name) reproduced, from the SPKI and from the private key.

use kube_tls_bootstrap::pki::KeyUsage;
use kube_tls_bootstrap::pki::checks::node_csr_name_from_parts;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Parses `["a" "b"]` (Go's `%q` of a slice).
fn go_list(s: &str) -> Vec<String> {
    let inner = s.trim_start_matches('[').trim_end_matches(']');
    inner
        .split('"')
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, v)| v.to_owned())
        .collect()
}

#[test]
fn digest_vectors() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/pki/digest_vectors.txt"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let spki = hex(text
        .lines()
        .find_map(|l| l.strip_prefix("SPKI DER hex: "))
        .unwrap());
    let mut cases = 0;
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("CN=\"") else {
            continue;
        };
        let (cn, rest) = rest.split_once("\" O=").unwrap();
        let (o, usages) = rest.split_once(" usages=").unwrap();
        let name_line = text
            .lines()
            .skip_while(|l| *l != line)
            .find_map(|l| l.trim().strip_prefix("name="))
            .unwrap();
        let o = go_list(o);
        let usages = go_list(usages);
        // Every usage in the vectors is a Kubernetes usage string.
        assert!(usages.iter().all(|u| KeyUsage::parse(u).is_some()));
        let got = node_csr_name_from_parts(
            &spki,
            cn,
            o.iter().map(String::as_str),
            usages.iter().map(String::as_str),
        );
        assert_eq!(got, name_line, "{line}");
        cases += 1;
    }
    assert_eq!(cases, 4);

    let rsa_line = text
        .lines()
        .find(|l| l.starts_with("RSA (synthetic"))
        .unwrap();
    let rsa_spki = hex(rsa_line.rsplit(' ').next().unwrap());
    let rsa = node_csr_name_from_parts(
        &rsa_spki,
        "system:node:node-1",
        ["system:nodes"],
        ["digital signature", "client auth", "key encipherment"],
    );
    assert_eq!(rsa, "node-csr-8GzotShaCn0MMyqU1iVdF7rngHii17zKIQ5980cUmyg");
}
