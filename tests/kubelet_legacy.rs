//! The legacy path (`rotateCertificates: false`, `LoadClientCert`) end to end against the
//! scripted API server: tmp key, `node-csr-` name, reuse after AlreadyExists and the
//! compatibility texts, the 1 h wait, store, tmp-key removal, kubeconfig, and exits with
//! Kubernetes' texts.
#![allow(clippy::disallowed_methods)] // reads test data and (kubectl test) writes temp files
#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers outside #[test] fns: a panic is a test failure with a line

mod kubelet_common;

use kube_tls_bootstrap::api::{Credential, Operation, Status};
use kube_tls_bootstrap::csr::ConditionType;
use kube_tls_bootstrap::kubelet::files::Entry;
use kube_tls_bootstrap::kubelet::request::certificate_signing_request;
use kube_tls_bootstrap::kubelet::{Config, Disk, Input, KeyPurpose, Mode, State};
use kube_tls_bootstrap::pki::{PrivateKey, kubelet, name::Subject, node_csr_name};
use kube_tls_bootstrap::time::Duration;
use kubelet_common::server::{CreateScript, Harness};
use kubelet_common::*;

const TMP: &str = "/var/lib/kubelet/pki/kubelet-client.key.tmp";

fn config() -> Config {
    Config {
        mode: Mode::Legacy,
        ..Config::kubeadm("node-1")
    }
}

fn disk() -> Disk {
    let mut d = Disk::new();
    d.insert_file(
        "/etc/kubernetes/bootstrap-kubelet.conf",
        bootstrap_kubeconfig(),
    );
    d
}

fn expected_name(k: &PrivateKey) -> String {
    node_csr_name(
        &k.public_key().marshal_pkix_der(),
        &Subject::kubelet("node-1"),
        &kubelet::client_usages(k.public_key().kind()),
    )
}

#[test]
fn fresh_node_bootstraps_and_writes_everything() {
    let mut h = Harness::new(config(), disk(), now());
    assert_eq!(h.state(), &State::Bootstrapping);
    // The generated key went to the tmp file before the CSR was sent.
    let tmp = h.disk.read(TMP).unwrap().to_vec();
    let k = PrivateKey::from_pem(&tmp).unwrap();
    let (cred, csr) = h.server.last_create();
    assert_eq!(*cred, Credential::BearerToken(BOOTSTRAP_TOKEN.into()));
    assert_eq!(csr.metadata.name, expected_name(&k));
    assert!(csr.metadata.name.starts_with("node-csr-") && csr.metadata.name.len() == 52);
    assert!(csr.metadata.generate_name.is_empty());
    let usages: Vec<&str> = csr.spec.usages.iter().map(|u| u.as_str()).collect();
    assert_eq!(usages, ["digital signature", "client auth"]);
    assert_eq!(
        h.log_texts(),
        [
            "Using bootstrap kubeconfig to generate TLS client cert, key and kubeconfig file",
            "No valid private key and/or certificate found, reusing existing private key or creating a new one",
            "Waiting for client certificate to be issued",
        ]
    );
    let name = csr.metadata.name.clone();
    h.server.approve_and_issue(&name, h.now);
    h.drive();
    assert_eq!(h.state(), &State::Running);
    assert!(h.bootstrapped);
    assert!(h.disk.read(TMP).is_none(), "tmp key removed");
    assert!(matches!(
        h.disk
            .lstat("/var/lib/kubelet/pki/kubelet-client-current.pem"),
        Some(Entry::Symlink(_))
    ));
    let kubeconfig = std::str::from_utf8(h.disk.read("/etc/kubernetes/kubelet.conf").unwrap())
        .unwrap()
        .to_owned();
    assert!(
        kubeconfig.contains("    client-key: /var/lib/kubelet/pki/kubelet-client-current.pem\n")
    );
    assert_eq!(h.changed.len(), 1);
    assert_eq!(h.changed[0].0, KeyPurpose::Client);
    assert_eq!(h.changed[0].1.key.public_key(), k.public_key());
    // Nothing more to do: the legacy path does not rotate.
    assert_eq!(h.machine.poll_timeout(), None);

    // Restart: the kubeconfig is valid, nothing is requested.
    let h2 = Harness::new(config(), h.disk.clone(), h.now + Duration::from_hours(1));
    assert!(h2.bootstrapped);
    assert_eq!(h2.server.creates(), 0);
    assert_eq!(
        h2.log_texts(),
        ["Kubeconfig exists and is valid, skipping bootstrap"]
    );
    // The pair the kubeconfig names is the machine's client certificate.
    let pair = h2.machine.client_certificate().unwrap();
    assert_eq!(pair.chain_der(), h.changed[0].1.chain_der());
    assert_eq!(pair.key.public_key(), k.public_key());
}

#[test]
fn restart_reuses_the_tmp_key_and_the_existing_csr() {
    // First run: the CSR is created, then the process dies before it is issued.
    let h = Harness::new(config(), disk(), now());
    let (_, ours) = h.server.last_create();
    let name = ours.metadata.name.clone();
    let mut server = h.server;
    // Second run with the same tmp key: same name, AlreadyExists, compatible, reused.
    let mut h2 = Harness::new(config(), h.disk.clone(), h.now + Duration::from_mins(1));
    // The new harness has its own server: give it the stored CSR.
    h2.server.csrs = std::mem::take(&mut server.csrs);
    let h2 = {
        let mut h3 = Harness {
            machine: kube_tls_bootstrap::kubelet::Machine::new(config(), h.disk.clone(), h2.now),
            ..h2
        };
        h3.logs.clear();
        h3.drive();
        h3
    };
    let mut h2 = h2;
    assert_eq!(h2.server.last_create().1.metadata.name, name);
    assert!(h2.has_log("csr for this node already exists, reusing"));
    assert!(h2.has_log("csr for this node is still valid"));
    assert!(h2.server.requests.iter().any(|r| matches!(&r.operation, Operation::GetCertificateSigningRequest { name: n } if *n == name)));
    h2.server.approve_and_issue(&name, h2.now);
    h2.drive();
    assert_eq!(h2.state(), &State::Running);
}

fn with_existing(
    existing: kube_tls_bootstrap::csr::CertificateSigningRequest,
    tmp_key: &PrivateKey,
) -> Harness {
    let mut d = disk();
    d.insert_file(TMP, tmp_key.to_pem());
    let mut h = Harness::new(
        Config {
            node_name: "node-1".into(),
            ..config()
        },
        Disk::new(),
        now(),
    );
    h.server
        .csrs
        .insert(existing.metadata.name.clone(), existing);
    h.machine = kube_tls_bootstrap::kubelet::Machine::new(config(), d.clone(), now());
    h.disk = d;
    h.logs.clear();
    h.exits.clear();
    h.drive();
    h
}

#[test]
fn an_incompatible_existing_csr_ends_the_process() {
    let ours = key(3);
    let name = expected_name(&ours);
    // Same name, a request made with another key: signature does not verify with ours.
    let other = key(4);
    let pem = kubelet::client_csr_pem(&other, "node-1").unwrap();
    let mut existing = certificate_signing_request(
        &name,
        pem.as_bytes(),
        "kubernetes.io/kube-apiserver-client-kubelet",
        &kubelet::client_usages(other.public_key().kind()),
    );
    existing.metadata.uid = "u-old".into();
    let h = with_existing(existing.clone(), &ours);
    assert_eq!(
        h.exits,
        [
            "retrieved csr is not compatible: error validating signature new CSR against old key: x509: ECDSA verification failure"
        ]
    );
    assert!(matches!(h.state(), State::Exited(_)));

    // Another subject.
    let pem = kubelet::client_csr_pem(&ours, "node-2").unwrap();
    existing.spec.request = pem.into_bytes();
    let h = with_existing(existing.clone(), &ours);
    assert_eq!(
        h.exits,
        [
            r#"retrieved csr is not compatible: csr subjects differ: new: pkix.Name{Country:[]string(nil), Organization:[]string{"system:nodes"}, OrganizationalUnit:[]string(nil), Locality:[]string(nil), Province:[]string(nil), StreetAddress:[]string(nil), PostalCode:[]string(nil), SerialNumber:"", CommonName:"system:node:node-2", Names:[]pkix.AttributeTypeAndValue{pkix.AttributeTypeAndValue{Type:asn1.ObjectIdentifier{2, 5, 4, 10}, Value:"system:nodes"}, pkix.AttributeTypeAndValue{Type:asn1.ObjectIdentifier{2, 5, 4, 3}, Value:"system:node:node-2"}}, ExtraNames:[]pkix.AttributeTypeAndValue(nil)}, orig: pkix.Name{Country:[]string(nil), Organization:[]string{"system:nodes"}, OrganizationalUnit:[]string(nil), Locality:[]string(nil), Province:[]string(nil), StreetAddress:[]string(nil), PostalCode:[]string(nil), SerialNumber:"", CommonName:"system:node:node-1", Names:[]pkix.AttributeTypeAndValue{pkix.AttributeTypeAndValue{Type:asn1.ObjectIdentifier{2, 5, 4, 10}, Value:"system:nodes"}, pkix.AttributeTypeAndValue{Type:asn1.ObjectIdentifier{2, 5, 4, 3}, Value:"system:node:node-1"}}, ExtraNames:[]pkix.AttributeTypeAndValue(nil)}"#
        ]
    );

    // Another signer.
    existing.spec.request = kubelet::client_csr_pem(&ours, "node-1")
        .unwrap()
        .into_bytes();
    existing.spec.signer_name = "example.com/other".into();
    let h = with_existing(existing.clone(), &ours);
    assert_eq!(
        h.exits,
        [
            r#"retrieved csr is not compatible: csr signerNames differ: new "example.com/other", orig: "kubernetes.io/kube-apiserver-client-kubelet""#
        ]
    );

    // Ours, but already issued a certificate that has expired.
    existing.spec.signer_name = "kubernetes.io/kube-apiserver-client-kubelet".into();
    let old = issue(
        &ca(),
        &ours,
        "node-1",
        now().timestamp().sub_seconds(7200),
        3600,
    );
    existing.status.certificate = old.into_bytes();
    let h = with_existing(existing, &ours);
    assert_eq!(
        h.exits,
        [
            "retrieved csr is not compatible: one of the certificates for the CSR has expired: 2026-12-01 08:00:00 +0000 UTC"
        ]
    );
}

#[test]
fn denial_and_timeout_end_the_process() {
    let mut h = Harness::new(config(), disk(), now());
    let name = h.server.last_name();
    h.server
        .condition(&name, ConditionType::Denied, "Suspicious", "no thanks");
    h.drive();
    assert_eq!(
        h.exits,
        ["certificate signing request is denied, reason: Suspicious, message: no thanks"]
    );
    assert_eq!(
        h.state(),
        &State::Exited(
            "certificate signing request is denied, reason: Suspicious, message: no thanks".into()
        )
    );
    // The tmp key stays for the next start.
    assert!(h.disk.read(TMP).is_some());

    let mut h = Harness::new(config(), disk(), now());
    // The machine asks to be woken when the hour is up.
    assert_eq!(
        h.machine.poll_timeout(),
        Some(now() + Duration::from_mins(60))
    );
    h.advance(Duration::from_mins(59));
    assert!(h.exits.is_empty());
    h.advance(Duration::from_mins(1));
    assert_eq!(h.exits, ["timed out waiting for the condition"]);
}

#[test]
fn create_errors_have_client_go_texts() {
    let mut d = disk();
    d.insert_file(TMP, key(9).to_pem());
    let mut h = Harness::new(config(), Disk::new(), now());
    h.server
        .create_script
        .push_back(CreateScript::Refuse(Status::unauthorized()));
    h.machine = kube_tls_bootstrap::kubelet::Machine::new(config(), d, now());
    h.exits.clear();
    h.drive();
    assert_eq!(
        h.exits,
        ["cannot create certificate signing request: Unauthorized"]
    );
}

#[test]
fn start_up_failures_have_kubernetes_texts() {
    let h = Harness::new(config(), Disk::new(), now());
    assert_eq!(
        h.exits,
        [
            "unable to load bootstrap kubeconfig: stat /etc/kubernetes/bootstrap-kubelet.conf: no such file or directory"
        ]
    );
    let mut d = disk();
    d.insert_file(TMP, "not a key");
    let h = Harness::new(config(), d, now());
    assert_eq!(
        h.exits,
        ["error loading key from /var/lib/kubelet/pki/kubelet-client.key.tmp: <nil>"]
    );
    // The process has ended: a key delivered now is not written and starts no request.
    let mut h = h;
    h.input(Input::Key(KeyPurpose::LegacyClient, key(9)));
    assert_eq!(h.disk.read(TMP), Some(&b"not a key"[..]));
    assert_eq!(h.server.creates(), 0);
    let mut d = Disk::new();
    d.insert_file("/etc/kubernetes/bootstrap-kubelet.conf", "clusters: 5\n");
    let h = Harness::new(config(), d, now());
    assert_eq!(
        h.exits,
        [
            "unable to load bootstrap kubeconfig: invalid kubeconfig: clusters: expected a list, found a number"
        ]
    );
}

#[test]
fn an_expired_kubeconfig_is_logged_and_bootstrapped_again() {
    let ca = ca();
    let k = key(5);
    let old = issue(&ca, &k, "node-1", now().timestamp().sub_seconds(7200), 3600);
    let mut d = disk();
    d.insert_file("/var/lib/kubelet/pki/p.pem", format!("{old}{}", k.to_pem()));
    d.insert_symlink(
        "/var/lib/kubelet/pki/kubelet-client-current.pem",
        "/var/lib/kubelet/pki/p.pem",
    );
    use kube_tls_bootstrap::kubeconfig::{CertificateAuthority, Kubeconfig};
    let c = client_config(CertificateAuthority::System);
    d.insert_file(
        "/etc/kubernetes/kubelet.conf",
        Kubeconfig::after_bootstrap(&c, "/var/lib/kubelet/pki/kubelet-client-current.pem")
            .to_yaml(),
    );
    let h = Harness::new(config(), d, now());
    assert!(h.has_log("part of the existing bootstrap client certificate in /etc/kubernetes/kubelet.conf is expired: 2026-12-01 08:00:00 +0000 UTC"));
    // The key of the current pair is reused (no key generated, no tmp file).
    assert_eq!(h.server.last_create().1.metadata.name, expected_name(&k));
    assert!(h.disk.read(TMP).is_none());
    let _ = Input::Timeout;
}

#[test]
fn serving_certificates_start_after_a_legacy_bootstrap() {
    use kube_tls_bootstrap::kubelet::NodeAddress;
    let mut cfg = config();
    cfg.serving = true;
    let mut h = Harness::new(cfg, disk(), now());
    let name = h.server.last_name();
    h.server.approve_and_issue(&name, h.now);
    h.drive();
    assert!(h.bootstrapped);
    assert!(h.has_log("kubernetes.io/kubelet-serving: Certificate rotation is enabled"));
    h.input(Input::NodeAddresses(vec![NodeAddress::new(
        "InternalIP",
        "10.0.0.5",
    )]));
    h.advance(Duration::from_secs(2));
    let client = h.changed[0].1.chain_der();
    let (cred, csr) = h.server.last_create();
    assert_eq!(*cred, Credential::ClientCertificate(client));
    assert_eq!(csr.spec.signer_name, "kubernetes.io/kubelet-serving");
}

#[test]
fn an_ended_watch_is_opened_again_and_the_certificate_still_arrives() {
    let mut h = Harness::new(config(), disk(), now());
    let name = h.server.last_name();
    let ended = h.server.end_watches();
    assert_eq!(ended.len(), 1);
    for watch in ended {
        h.input(Input::WatchEnded(watch));
    }
    h.advance(Duration::from_secs(5));
    h.server.approve_and_issue(&name, h.now);
    h.drive();
    assert_eq!(h.state(), &State::Running);
    assert!(h.bootstrapped);
}

#[test]
fn the_kubeconfig_directory_is_created() {
    let config = Config {
        kubeconfig_path: "/etc/kubernetes/node/kubelet.conf".to_owned(),
        ..config()
    };
    let mut h = Harness::new(config, disk(), now());
    assert!(h.disk.lstat("/etc/kubernetes/node").is_none());
    let name = h.server.last_name();
    h.server.approve_and_issue(&name, h.now);
    h.drive();
    assert_eq!(h.state(), &State::Running);
    assert!(matches!(
        h.disk.lstat("/etc/kubernetes/node"),
        Some(Entry::Directory)
    ));
    assert!(h.disk.read("/etc/kubernetes/node/kubelet.conf").is_some());
}
