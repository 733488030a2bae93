//! Every start-up and failure text of the kubelet machine that the other kubelet tests do not
//! already pin, each reached through the machine's public inputs and asserted byte for byte.
//! Kubernetes' own texts are cited to the function that prints them (`cmd/kubelet/app/server.go`,
//! `pkg/kubelet/certificate/bootstrap/bootstrap.go`, `pkg/kubelet/kubelet.go`,
//! `staging/src/k8s.io/client-go/util/certificate/csr/csr.go`).
#![allow(clippy::disallowed_methods)] // reads test data
#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers outside #[test] fns: a panic is a test failure with a line

mod kubelet_common;

use kube_tls_bootstrap::api::{GroupResource, Status};
use kube_tls_bootstrap::kubeconfig::{CertificateAuthority, Kubeconfig};
use kube_tls_bootstrap::kubelet::{Config, Disk, Level, Machine, Mode, State};
use kube_tls_bootstrap::pki::{kubelet, name::Subject, node_csr_name};
use kube_tls_bootstrap::time::Duration;
use kubelet_common::server::{CreateScript, Harness, Server};
use kubelet_common::*;

const BOOTSTRAP: &str = "/etc/kubernetes/bootstrap-kubelet.conf";
const KUBECONFIG: &str = "/etc/kubernetes/kubelet.conf";
const PKI: &str = "/var/lib/kubelet/pki";

fn rotation() -> Config {
    Config {
        jitter_seed: 7,
        ..Config::kubeadm("node-1")
    }
}

fn legacy() -> Config {
    Config {
        mode: Mode::Legacy,
        ..Config::kubeadm("node-1")
    }
}

fn with_bootstrap() -> Disk {
    let mut d = Disk::new();
    d.insert_file(BOOTSTRAP, bootstrap_kubeconfig());
    d
}

/// A machine started on `disk` against a scripted server prepared by `prepare`.
fn start(config: Config, disk: Disk, prepare: impl FnOnce(&mut Server)) -> Harness {
    let mut h = Harness::new(config.clone(), Disk::new(), now());
    prepare(&mut h.server);
    h.machine = Machine::new(config, disk.clone(), now());
    h.disk = disk;
    h.logs.clear();
    h.exits.clear();
    h.drive();
    h
}

/// The kubeconfig client-go writes after a bootstrap, naming `pem` for the client pair.
fn kubeconfig_naming(pem: &str) -> String {
    let c = client_config(CertificateAuthority::File(
        "/etc/kubernetes/pki/ca.crt".into(),
    ));
    Kubeconfig::after_bootstrap(&c, pem).to_yaml()
}

/// A disk with a valid client pair linked as current and a kubeconfig naming it.
fn valid_node_disk() -> Disk {
    let k = key(5);
    let pem = issue(&ca(), &k, "node-1", now().timestamp(), 30 * 24 * 3600);
    let mut d = Disk::new();
    d.insert_file(
        format!("{PKI}/kubelet-client-2026-12-01-09-00-00.pem"),
        format!("{pem}{}", k.to_pem()),
    );
    d.insert_symlink(
        format!("{PKI}/kubelet-client-current.pem"),
        format!("{PKI}/kubelet-client-2026-12-01-09-00-00.pem"),
    );
    d.insert_file(
        KUBECONFIG,
        kubeconfig_naming(&format!("{PKI}/kubelet-client-current.pem")),
    );
    d
}

fn errors(h: &Harness) -> Vec<&str> {
    h.logs
        .iter()
        .filter(|(l, _)| *l == Level::Error)
        .map(|(_, t)| t.as_str())
        .collect()
}

fn exited(h: &Harness) -> &str {
    match h.state() {
        State::Exited(text) => text,
        other => panic!("not exited: {other:?}"),
    }
}

/// `csr.go` `RequestCertificate`: after AlreadyExists the kubelet gets the CSR by name; a
/// failed get ends the legacy bootstrap with "cannot retrieve certificate signing request".
#[test]
fn legacy_get_after_already_exists_fails() {
    let k = key(3);
    let name = node_csr_name(
        &k.public_key().marshal_pkix_der(),
        &Subject::kubelet("node-1"),
        &kubelet::client_usages(k.public_key().kind()),
    );
    let mut disk = with_bootstrap();
    disk.insert_file(format!("{PKI}/kubelet-client.key.tmp"), k.to_pem());
    let refused = Status::already_exists(&GroupResource::certificate_signing_requests(), &name);
    let h = start(legacy(), disk, |s| {
        s.create_script.push_back(CreateScript::Refuse(refused));
    });
    assert!(h.has_log("csr for this node already exists, reusing"));
    assert_eq!(
        exited(&h),
        format!(
            "cannot retrieve certificate signing request: certificatesigningrequests.certificates.k8s.io \"{name}\" not found"
        )
    );
}

/// `bootstrap.go` `LoadClientCert`: `fileStore.recover` fails when `…-updated.pem` is not a
/// symbolic link: "unable to build bootstrap cert store", on both paths.
#[test]
fn an_updated_file_that_is_not_a_link_stops_the_bootstrap() {
    for config in [legacy(), rotation()] {
        let mut disk = with_bootstrap();
        disk.insert_file(format!("{PKI}/kubelet-client-updated.pem"), "not a link");
        let h = start(config, disk, |_| {});
        assert_eq!(exited(&h), "unable to build bootstrap cert store");
        assert_eq!(h.server.creates(), 0);
    }
}

/// `server.go` `buildKubeletClientConfig` without `--bootstrap-kubeconfig`: the kubeconfig is
/// loaded as is.
#[test]
fn without_a_bootstrap_kubeconfig_the_kubeconfig_is_used() {
    let mut config = rotation();
    config.bootstrap_kubeconfig_path.clear();
    let h = start(config.clone(), valid_node_disk(), |_| {});
    assert!(h.has_log("No bootstrapping requested, will use kubeconfig"));
    assert_eq!(h.state(), &State::Running);

    let h = start(config, Disk::new(), |_| {});
    assert_eq!(
        exited(&h),
        "unable to load kubeconfig: stat /etc/kubernetes/kubelet.conf: no such file or directory"
    );
}

/// `server.go`: `kubeletcertificate.NewKubeletClientCertificateManager` errors end the
/// process with "failed to initialize client certificate manager".
#[test]
fn client_certificate_manager_start_up_failures() {
    // Without bootstrapping the store's recovery is the first to look at the links.
    let mut config = rotation();
    config.bootstrap_kubeconfig_path.clear();
    // `current` must not resolve for recovery to look at `updated`.
    let mut disk = Disk::new();
    disk.insert_file(
        KUBECONFIG,
        kubeconfig_naming(&format!("{PKI}/kubelet-client-current.pem")),
    );
    disk.insert_file(format!("{PKI}/kubelet-client-updated.pem"), "not a link");
    let h = start(config.clone(), disk, |_| {});
    assert_eq!(
        exited(&h),
        "failed to initialize client certificate manager: expected \"/var/lib/kubelet/pki/kubelet-client-updated.pem\" to be a symlink but it is a file"
    );

    // A current pair file that does not load.
    let mut disk = with_bootstrap();
    disk.insert_file(format!("{PKI}/kubelet-client-current.pem"), "garbage");
    let h = start(rotation(), disk, |_| {});
    assert_eq!(
        exited(&h),
        "failed to initialize client certificate manager: could not convert data from \"/var/lib/kubelet/pki/kubelet-client-current.pem\" into cert/key pair: tls: failed to find any PEM data in certificate input"
    );
}

/// `kubelet.go` `NewMainKubelet`: the serving certificate manager's store and start-up errors.
#[test]
fn server_certificate_manager_start_up_failures() {
    let mut config = rotation();
    config.serving = true;
    let mut disk = with_bootstrap();
    disk.insert_file(format!("{PKI}/kubelet-server-updated.pem"), "not a link");
    let h = start(config.clone(), disk, |_| {});
    assert_eq!(
        exited(&h),
        "failed to initialize server certificate store: expected \"/var/lib/kubelet/pki/kubelet-server-updated.pem\" to be a symlink but it is a file"
    );

    let mut disk = with_bootstrap();
    disk.insert_file(format!("{PKI}/kubelet-server-current.pem"), "garbage");
    let h = start(config, disk, |_| {});
    assert_eq!(
        exited(&h),
        "failed to initialize server certificate manager: could not convert data from \"/var/lib/kubelet/pki/kubelet-server-current.pem\" into cert/key pair: tls: failed to find any PEM data in certificate input"
    );
}

/// `bootstrap.go` `isClientConfigStillValid`: why an existing kubeconfig is not used, logged
/// before bootstrapping again.
#[test]
fn existing_kubeconfig_validity_texts() {
    // Not a kubeconfig.
    let mut disk = with_bootstrap();
    disk.insert_file(KUBECONFIG, "{{{");
    let h = start(rotation(), disk, |_| {});
    assert_eq!(
        errors(&h),
        [
            "unable to read existing bootstrap client config from /etc/kubernetes/kubelet.conf: invalid kubeconfig YAML at line 1, column 2: invalid type: map, expected a string key at line 1 column 2"
        ]
    );

    // A kubeconfig whose pair file is missing.
    let mut disk = with_bootstrap();
    disk.insert_file(
        KUBECONFIG,
        kubeconfig_naming(&format!("{PKI}/kubelet-client-current.pem")),
    );
    let h = start(rotation(), disk, |_| {});
    assert_eq!(
        errors(&h),
        [
            "unable to load TLS configuration from existing bootstrap client config read from /etc/kubernetes/kubelet.conf: open /var/lib/kubelet/pki/kubelet-client-current.pem: no such file or directory"
        ]
    );

    // A kubeconfig with a token and no certificate.
    let mut disk = with_bootstrap();
    disk.insert_file(KUBECONFIG, bootstrap_kubeconfig());
    let h = start(rotation(), disk, |_| {});
    assert_eq!(
        errors(&h),
        [
            "unable to load TLS certificates from existing bootstrap client config read from /etc/kubernetes/kubelet.conf: data does not contain any valid RSA or ECDSA certificates"
        ]
    );
    // The bootstrap then proceeds.
    assert_eq!(h.server.creates(), 1);
}

/// The bootstrap kubeconfig names a client certificate file that is not there: requests go
/// out without the credential and the error is logged.
#[test]
fn an_unreadable_bootstrap_credential_is_logged() {
    let mut disk = Disk::new();
    disk.insert_file(
        BOOTSTRAP,
        bootstrap_kubeconfig().replace(
            &format!("token: {BOOTSTRAP_TOKEN}"),
            "client-certificate: /etc/kubernetes/missing.crt\n    client-key: /etc/kubernetes/missing.key",
        ),
    );
    let h = start(rotation(), disk, |_| {});
    assert_eq!(
        errors(&h),
        [
            "unable to load the bootstrap credential: open /etc/kubernetes/missing.crt: no such file or directory"
        ]
    );
}

/// Beyond Kubernetes: an expired client certificate and a bootstrap kubeconfig that only holds
/// an expired certificate strand the node with a diagnosis instead of a restart loop.
#[test]
fn stranded_with_an_expired_bootstrap_certificate() {
    let ca = ca();
    let k = key(5);
    let ts = now().timestamp();
    let expired = issue(&ca, &k, "node-1", ts, 3600);
    let boot_key = key(6);
    let boot_cert = issue(&ca, &boot_key, "bootstrap", ts, 3600);
    let mut disk = valid_node_disk();
    disk.insert_file(
        format!("{PKI}/kubelet-client-2026-12-01-09-00-00.pem"),
        format!("{expired}{}", k.to_pem()),
    );
    disk.insert_file("/etc/kubernetes/boot.crt", boot_cert);
    disk.insert_file("/etc/kubernetes/boot.key", boot_key.to_pem());
    disk.insert_file(
        BOOTSTRAP,
        bootstrap_kubeconfig().replace(
            &format!("token: {BOOTSTRAP_TOKEN}"),
            "client-certificate: /etc/kubernetes/boot.crt\n    client-key: /etc/kubernetes/boot.key",
        ),
    );
    let mut h = start(rotation(), disk.clone(), |_| {});
    h.machine = Machine::new(rotation(), disk, now() + Duration::from_hours(2));
    h.logs.clear();
    h.drive();
    let State::Stranded(text) = h.state() else {
        panic!("{:?}", h.state())
    };
    assert_eq!(
        text,
        "the client certificate expired at 2026-12-01 10:00:00 +0000 UTC and no bootstrap credential is left (the bootstrap kubeconfig /etc/kubernetes/bootstrap-kubelet.conf holds an expired client certificate): every renewal would be refused and the kubelet would restart forever; give the node a bootstrap kubeconfig with a valid token (--bootstrap-kubeconfig) or a new client certificate, then restart it"
    );
}
