//! Every kubeconfig shape the crate writes, read back by the real `kubectl`
//! (`kubectl config view --kubeconfig F -o json --raw`, offline): same server, same CA, same
//! credentials.
//!
//! Needs `kubectl` on PATH, so it is `#[ignore]`d: run with
//! `cargo test --test kubelet_kubeconfig_kubectl -- --ignored`.
#![allow(clippy::disallowed_methods)] // reads test data and (kubectl test) writes temp files
#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers outside #[test] fns: a panic is a test failure with a line

use std::process::Command;

use kube_tls_bootstrap::kubeconfig::{
    AuthInfo, CertificateAuthority, ClientConfig, Credential, Kubeconfig, Named,
};

fn variants() -> Vec<(&'static str, Kubeconfig)> {
    let base = ClientConfig {
        server: "https://10.0.0.1:6443".into(),
        tls_server_name: String::new(),
        insecure_skip_tls_verify: false,
        certificate_authority: CertificateAuthority::File("/etc/kubernetes/pki/ca.crt".into()),
        credential: Credential::Token("abcdef.0123456789abcdef".into()),
    };
    let pem = "/var/lib/kubelet/pki/kubelet-client-current.pem";
    let mut with_data = base.clone();
    with_data.certificate_authority =
        CertificateAuthority::Data(std::fs::read("tests/data/pki/corpus/ca/ca.crt").unwrap());
    let mut insecure = base.clone();
    insecure.certificate_authority = CertificateAuthority::System;
    insecure.insecure_skip_tls_verify = true;
    insecure.server = "https://[fd00::1]:6443".into();
    let mut odd = Kubeconfig::after_bootstrap(&base, "/tmp/a dir/it's: #1.pem");
    odd.users.push(Named {
        name: "true".into(),
        value: AuthInfo {
            token: "0x1f".into(),
            ..AuthInfo::default()
        },
    });
    vec![
        ("ca-file", Kubeconfig::after_bootstrap(&base, pem)),
        ("ca-data", Kubeconfig::after_bootstrap(&with_data, pem)),
        ("insecure", Kubeconfig::after_bootstrap(&insecure, pem)),
        ("odd-strings", odd),
    ]
}

#[test]
#[ignore = "needs kubectl on PATH"]
fn kubectl_reads_what_the_crate_writes() {
    let dir = std::env::temp_dir().join(format!("ktb-kubectl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, config) in variants() {
        let path = dir.join(format!("{name}.yaml"));
        std::fs::write(&path, config.to_yaml()).unwrap();
        let out = Command::new("kubectl")
            .args(["config", "view", "--kubeconfig"])
            .arg(&path)
            .args(["-o", "json", "--raw"])
            .output()
            .expect("kubectl runs");
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // kubectl prints the same v1 JSON form; read it back with the crate's parser and
        // compare the resolved meaning.
        let seen = Kubeconfig::parse(&out.stdout).unwrap();
        assert_eq!(seen, config, "{name}");
        assert_eq!(
            seen.client_config().unwrap(),
            config.client_config().unwrap(),
            "{name}"
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["current-context"], "default-context", "{name}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
