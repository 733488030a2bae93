//! What every `ktb` subcommand shares: `--help` with exit codes, `--flag=value` and
//! `--flag value` in any order, `-` for standard input, a closed pipe ending quietly, the
//! defaults for `--now` and `--serial-hex`, and the same output as the examples.
#![allow(clippy::disallowed_methods, clippy::unwrap_used)] // a test: fixtures, child processes

mod common;

use std::io::{Read as _, Write as _};
use std::process::{Command, Stdio};

use common::{example, expect, ktb, ktb_with_stdin};

#[test]
fn help_says_what_each_subcommand_prints_and_its_exit_status() {
    for sub in ["lint-tokens", "inspect-csr", "sign-csr", "can-i", "get-csr"] {
        let run = ktb(&[sub, "--help"]);
        assert_eq!(run.status, Some(0), "{sub}");
        assert!(
            run.stdout.contains("Exit status: "),
            "{sub}: {}",
            run.stdout
        );
        assert!(
            run.stdout.contains("Prints") || run.stdout.contains("prints"),
            "{sub}"
        );
    }
    let run = ktb(&["--help"]);
    assert_eq!(run.status, Some(0));
    for sub in ["lint-tokens", "inspect-csr", "sign-csr", "can-i", "get-csr"] {
        assert!(run.stdout.contains(sub), "{sub}");
    }
    let run = ktb(&["frobnicate"]);
    assert_eq!(run.status, Some(2));
    assert!(
        run.stderr
            .starts_with("error: unrecognized subcommand 'frobnicate'")
    );
}

const SIGN: [&str; 10] = [
    "--ca-cert",
    "ca.crt",
    "--ca-key=ca.key",
    "--now",
    "2027-03-01T12:00:00Z",
    "--serial-hex=0a1b",
    "--usages",
    "digital signature,client auth",
    "kubelet.csr",
    "--signer=kubernetes.io/kube-apiserver-client-kubelet",
];

#[test]
fn sign_csr_issues_what_openssl_verifies_and_the_example_prints() {
    let ktb_run = ktb(&[&["sign-csr"][..], &SIGN].concat());
    assert_eq!(ktb_run.status, Some(0), "{}", ktb_run.stderr);
    assert!(ktb_run.stdout.starts_with("-----BEGIN CERTIFICATE-----\n"));
    assert_eq!(example("sign_csr", &SIGN), ktb_run);
    // Flags in another order, `--flag=value` and `--flag value` mixed, the CSR on standard
    // input.
    let stdin = std::fs::read(common::data().join("kubelet.csr")).unwrap();
    let piped = ktb_with_stdin(
        &[
            "sign-csr",
            "-",
            "--usages=digital signature,client auth",
            "--serial-hex",
            "0a1b",
            "--now=2027-03-01T12:00:00Z",
            "--ca-key",
            "ca.key",
            "--ca-cert=ca.crt",
        ],
        &stdin,
    );
    assert_eq!(piped, ktb_run);
    // openssl accepts it under the CA and reads what the signer set.
    let dir = std::env::temp_dir().join(format!("ktb-sign-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cert = dir.join("node-1.crt");
    std::fs::write(&cert, &ktb_run.stdout).unwrap();
    let verify = Command::new("openssl")
        // 2027-06-01: inside the certificate's year (365 days from 5 minutes before --now;
        // 2028 is a leap year) and after the test CA was made.
        .args(["verify", "-attime", "1811808000", "-CAfile"])
        .arg(common::data().join("ca.crt"))
        .arg(&cert)
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    let text = Command::new("openssl")
        .args([
            "x509",
            "-noout",
            "-serial",
            "-subject",
            "-startdate",
            "-enddate",
            "-in",
        ])
        .arg(&cert)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(text.stdout).unwrap(),
        "serial=0A1B
subject=O = system:nodes, CN = system:node:node-1
notBefore=Mar  1 11:55:00 2027 GMT
notAfter=Feb 29 11:55:00 2028 GMT
"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sign_csr_defaults_to_now_and_a_random_serial() {
    let args = [
        "sign-csr",
        "--ca-cert",
        "ca.crt",
        "--ca-key",
        "ca.key",
        "--usages",
        "digital signature,client auth",
        "kubelet.csr",
    ];
    let a = ktb(&args);
    let b = ktb(&args);
    assert_eq!(a.status, Some(0), "{}", a.stderr);
    assert_ne!(a.stdout, b.stdout, "two random serials");
    // Signed now: openssl verifies it at the current time.
    let dir = std::env::temp_dir().join(format!("ktb-now-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("now.crt"), &a.stdout).unwrap();
    let verify = Command::new("openssl")
        .args(["verify", "-CAfile"])
        .arg(common::data().join("ca.crt"))
        .arg(dir.join("now.crt"))
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
    expect(
        &ktb(&[
            "sign-csr",
            "--ca-cert",
            "ca.crt",
            "--ca-key",
            "ca.key",
            "--usages",
            "digital signature,client auth",
            "masters.csr",
        ]),
        "",
        "Failed: SignerValidationFailure: subject organization is not system:nodes\n",
        1,
    );
    expect(
        &ktb(&[
            "sign-csr",
            "--ca-cert",
            "ca.crt",
            "--ca-key",
            "missing.key",
            "--usages",
            "digital signature,client auth",
            "kubelet.csr",
        ]),
        "",
        "error: open missing.key: no such file or directory\n",
        1,
    );
    let run = ktb(&[
        "sign-csr",
        "--ca-cert",
        "ca.crt",
        "--ca-key",
        "ca.key",
        "--serial-hex",
        "xyz",
        "--usages",
        "client auth",
        "kubelet.csr",
    ]);
    assert_eq!(run.status, Some(2));
    assert_eq!(
        run.stderr,
        "ktb sign-csr: --serial-hex: not hex\nSee 'ktb sign-csr --help' for help and examples.\n"
    );
}

#[test]
fn each_subcommand_prints_what_its_example_prints() {
    let cases: [(&str, &str, &[&str]); 6] = [
        (
            "lint-tokens",
            "lint_tokens",
            &["--json", "tokens-header.csv", "tokens-reused.csv"],
        ),
        (
            "lint-tokens",
            "lint_tokens",
            &["tokens-bom.csv", "tokens-empty.csv"],
        ),
        (
            "inspect-csr",
            "inspect_csr",
            &["kubelet.csr", "masters.csr", "not-a-csr.pem"],
        ),
        (
            "inspect-csr",
            "inspect_csr",
            &["--json", "--legacy-usages", "kubelet-rsa.csr"],
        ),
        (
            "get-csr",
            "get_csr",
            &["--now=2025-03-01T12:30:12Z", "csr-list.yaml"],
        ),
        (
            "can-i",
            "can_i",
            &[
                "--manifests",
                "crb-bootstrap.yaml",
                "-f",
                "multi.yaml",
                "--as-group",
                "system:bootstrappers",
                "create",
                "csr",
                "-v",
            ],
        ),
    ];
    for (sub, name, args) in cases {
        let from_ktb = ktb(&[&[sub][..], args].concat());
        let from_example = example(name, args);
        assert_eq!(from_ktb.stdout, from_example.stdout, "{sub} {args:?}");
        assert_eq!(from_ktb.status, from_example.status, "{sub} {args:?}");
        assert_eq!(
            from_ktb
                .stderr
                .replace(&format!("ktb {sub}: "), &format!("{name}: ")),
            from_example.stderr,
            "{sub} {args:?}"
        );
    }
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let mut file = Vec::new();
    for i in 0..20_000 {
        writeln!(file, "{i:032x},user-{i},{i}").unwrap();
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_ktb"))
        .args(["lint-tokens", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&file));
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"-: loads: 20000 ");
    drop(stdout); // as `| head -c 16` does
    writer.join().unwrap().unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8(out.stderr).unwrap(), "");
    assert_eq!(out.status.code(), Some(141));
}
