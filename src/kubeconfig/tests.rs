use super::*;

fn bootstrap_with_ca_file() -> ClientConfig {
    ClientConfig {
        server: "https://10.0.0.1:6443".into(),
        tls_server_name: String::new(),
        insecure_skip_tls_verify: false,
        certificate_authority: CertificateAuthority::File("/etc/kubernetes/pki/ca.crt".into()),
        credential: Credential::Token("abcdef.0123456789abcdef".into()),
    }
}

#[test]
fn after_bootstrap_writes_the_kubelet_conf_shape() {
    let k = Kubeconfig::after_bootstrap(
        &bootstrap_with_ca_file(),
        "/var/lib/kubelet/pki/kubelet-client-current.pem",
    );
    assert_eq!(
        k.to_yaml(),
        "apiVersion: v1
clusters:
- cluster:
    certificate-authority: /etc/kubernetes/pki/ca.crt
    server: https://10.0.0.1:6443
  name: default-cluster
contexts:
- context:
    cluster: default-cluster
    namespace: default
    user: default-auth
  name: default-context
current-context: default-context
kind: Config
preferences: {}
users:
- name: default-auth
  user:
    client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem
    client-key: /var/lib/kubelet/pki/kubelet-client-current.pem
"
    );
}

#[test]
fn ca_data_is_base64_and_insecure_is_kept() {
    let mut b = bootstrap_with_ca_file();
    b.certificate_authority = CertificateAuthority::Data(b"-----BEGIN CERTIFICATE-----\n".to_vec());
    b.insecure_skip_tls_verify = true;
    let yaml = Kubeconfig::after_bootstrap(&b, "/p.pem").to_yaml();
    assert!(yaml.contains(
        "    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==\n    insecure-skip-tls-verify: true\n"
    ));
    let back = Kubeconfig::parse(yaml.as_bytes())
        .unwrap()
        .client_config()
        .unwrap();
    assert_eq!(back.certificate_authority, b.certificate_authority);
    assert!(back.insecure_skip_tls_verify);
    assert_eq!(
        back.credential,
        Credential::ClientCertificate {
            certificate: Source::File("/p.pem".into()),
            key: Source::File("/p.pem".into())
        }
    );
}

#[test]
fn json_reads_like_yaml() {
    let json = br#"{"apiVersion":"v1","kind":"Config","clusters":[{"name":"c","cluster":{"server":"https://s"}}],
      "contexts":[{"name":"x","context":{"cluster":"c","user":"u"}}],"current-context":"x",
      "users":[{"name":"u","user":{"client-certificate-data":"aGk=","client-key-data":"a2V5"}}]}"#;
    let k = Kubeconfig::parse(json).unwrap();
    let c = k.client_config().unwrap();
    assert_eq!(
        c.credential,
        Credential::ClientCertificate {
            certificate: Source::Data(b"hi".to_vec()),
            key: Source::Data(b"key".to_vec())
        }
    );
    assert_eq!(
        format!("{:?}", c.credential),
        r#"ClientCertificate { certificate: Data(2 bytes), key: "[elided]" }"#
    );
    assert_eq!(Kubeconfig::parse(k.to_yaml().as_bytes()).unwrap(), k);
}

#[test]
fn errors_name_the_field_or_line() {
    let e = Kubeconfig::parse(b"clusters:\n- name: c\n  cluster:\n    server: 5\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid kubeconfig: clusters[0].cluster.server: expected a string, found a number"
    );
    let e =
        Kubeconfig::parse(b"users:\n- name: u\n  user:\n    client-key-data: '%%%'\n").unwrap_err();
    assert!(
        matches!(&e, KubeconfigError::Field { path, .. } if path == "users[0].user.client-key-data")
    );
    let e = Kubeconfig::parse(b"clusters: [\n").unwrap_err();
    assert!(
        matches!(e, KubeconfigError::Syntax { line: Some(_), .. }),
        "{e:?}"
    );
    let e = Kubeconfig::parse(b"contexts: {}\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid kubeconfig: contexts: expected a list, found an object"
    );
}

#[test]
fn client_config_errors_are_client_go_texts() {
    assert_eq!(
        Kubeconfig::parse(b"")
            .unwrap()
            .client_config()
            .unwrap_err()
            .to_string(),
        "invalid configuration: no configuration has been provided"
    );
    let k = Kubeconfig::parse(
        b"clusters: [{name: c, cluster: {server: https://s}}]\ncurrent-context: nope\n",
    )
    .unwrap();
    assert_eq!(
        k.client_config().unwrap_err().to_string(),
        "invalid configuration: context was not found for specified context: nope"
    );
    let k =
        Kubeconfig::parse(b"contexts: [{name: x, context: {cluster: c}}]\ncurrent-context: x\n")
            .unwrap();
    assert_eq!(
        k.client_config().unwrap_err().to_string(),
        "invalid configuration: cluster has no server defined"
    );
}

#[test]
fn secrets_never_print() {
    let k =
        Kubeconfig::parse(b"users: [{name: u, user: {token: s3cr3t, client-key-data: a2V5}}]\n")
            .unwrap();
    let debug = format!("{k:?}");
    assert!(
        !debug.contains("s3cr3t") && !debug.contains("a2V5") && !debug.contains("key\""),
        "{debug}"
    );
}

#[test]
fn referenced_files_in_order() {
    let k = Kubeconfig::after_bootstrap(&bootstrap_with_ca_file(), "/p.pem");
    assert_eq!(
        k.referenced_files(),
        ["/etc/kubernetes/pki/ca.crt", "/p.pem"]
    );
}

#[test]
fn quoting_keeps_strings_strings() {
    for s in [
        "true", "1.5", "0x1f", "null", "a: b", "#x", "", "it's", "x\ny", "-",
    ] {
        let k = Kubeconfig {
            current_context: s.to_owned(),
            ..Kubeconfig::default()
        };
        assert_eq!(
            Kubeconfig::parse(k.to_yaml().as_bytes())
                .unwrap()
                .current_context,
            s,
            "{s:?}"
        );
    }
}
