//! The rotation path (`rotateCertificates: true`) end to end against the scripted API server:
//! bootstrap with the token, store, deadline, renewal with the client certificate, back-off,
//! server health and the transport's exit rules — every log and exit text pinned.
#![allow(clippy::disallowed_methods)] // reads test data and (kubectl test) writes temp files
#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers outside #[test] fns: a panic is a test failure with a line

mod kubelet_common;

use kube_tls_bootstrap::api::{Credential, Operation, Status};
use kube_tls_bootstrap::csr::ConditionType;
use kube_tls_bootstrap::kubelet::files::{Entry, FileOperation};
use kube_tls_bootstrap::kubelet::{Config, Disk, Input, KeyPurpose, Level, State};
use kube_tls_bootstrap::pki::KeyUsage;
use kube_tls_bootstrap::time::{Duration, Instant};
use kubelet_common::server::{CreateScript, Harness};
use kubelet_common::*;

const CLIENT: &str = "kubernetes.io/kube-apiserver-client-kubelet";

fn config() -> Config {
    Config {
        jitter_seed: 7,
        ..Config::kubeadm("node-1")
    }
}

fn fresh_node() -> Harness {
    let mut disk = Disk::new();
    disk.insert_file(
        "/etc/kubernetes/bootstrap-kubelet.conf",
        bootstrap_kubeconfig(),
    );
    Harness::new(config(), disk, now())
}

#[test]
fn bootstrap_then_renewal_with_the_client_certificate() {
    let mut h = fresh_node();
    // LoadClientConfig writes the kubeconfig at once, pointing at the current pair file.
    let kubeconfig = String::from_utf8(
        h.disk
            .read("/etc/kubernetes/kubelet.conf")
            .unwrap()
            .to_vec(),
    )
    .unwrap();
    assert!(kubeconfig.contains(
        "users:\n- name: default-auth\n  user:\n    client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem\n    client-key: /var/lib/kubelet/pki/kubelet-client-current.pem\n"
    ));
    assert!(kubeconfig.contains("    server: https://10.0.0.1:6443\n"));
    assert!(kubeconfig.contains("    certificate-authority-data: LS0t"));
    assert_eq!(
        h.log_texts(),
        [
            "Use the bootstrap credentials to request a cert, and set kubeconfig to point to the certificate dir",
            "kubernetes.io/kube-apiserver-client-kubelet: Certificate rotation is enabled",
            "kubernetes.io/kube-apiserver-client-kubelet: Rotating certificates",
        ]
    );
    // The first CSR: bootstrap token, generateName, ECDSA usages, kubelet signer.
    let (cred, csr) = h.server.last_create();
    assert_eq!(*cred, Credential::BearerToken(BOOTSTRAP_TOKEN.into()));
    assert_eq!(csr.metadata.generate_name, "csr-");
    assert_eq!(csr.spec.signer_name, CLIENT);
    let usages: Vec<&str> = csr.spec.usages.iter().map(|u| u.as_str()).collect();
    assert_eq!(usages, ["digital signature", "client auth"]);
    assert_eq!(csr.spec.expiration_seconds, None);
    assert_eq!(h.state(), &State::Running);

    let name = h.server.last_name();
    assert_eq!(name, "csr-00001");
    h.server.approve(&name);
    h.drive();
    assert!(h.has_log("certificate signing request csr-00001 is approved, waiting to be issued"));
    h.server.issue(&name, h.now);
    h.drive();
    assert!(h.has_log("certificate signing request csr-00001 is issued"));
    // The wait is over: the kubelet stopped its watch, the server holds none open.
    assert_eq!(h.server.end_watches(), []);
    // Stored: pair file, link; the kubeconfig now resolves.
    let link = h
        .disk
        .lstat("/var/lib/kubelet/pki/kubelet-client-current.pem")
        .cloned();
    assert_eq!(
        link,
        Some(Entry::Symlink(
            "/var/lib/kubelet/pki/kubelet-client-2026-12-01-09-00-00.pem".into()
        ))
    );
    assert_eq!(h.changed.len(), 1);
    assert_eq!(h.changed[0].0, KeyPurpose::Client);
    let first = h.changed[0].1.clone();
    let leaf = first.leaf().unwrap();
    // What the kubelet presents is the chain in the pair file, as DER.
    let stored = kube_tls_bootstrap::pki::certificate::parse_certificates_pem(
        h.disk
            .read("/var/lib/kubelet/pki/kubelet-client-current.pem")
            .unwrap(),
    )
    .unwrap();
    assert_eq!(first.chain_der(), [stored[0].der().to_vec()]);
    let pair = "/var/lib/kubelet/pki/kubelet-client-2026-12-01-09-00-00.pem";
    assert_eq!(
        format!("{first:?}"),
        format!(
            "Pair {{ leaf: Some(\"system:node:node-1\"), chain_len: 1, key: \"[elided]\", \
             cert_path: \"{pair}\", key_path: \"{pair}\" }}"
        )
    );
    assert_eq!(leaf.subject().common_name, "system:node:node-1");

    // The loop computes the deadline one second later, not at once, however often the
    // machine is woken before then.
    assert_eq!(h.machine.rotation_deadline(KeyPurpose::Client), None);
    h.input(Input::Timeout);
    assert_eq!(h.machine.rotation_deadline(KeyPurpose::Client), None);
    assert!(
        !h.log_texts()
            .iter()
            .any(|l| l.contains("rotation deadline is"))
    );
    // One second later the loop computes the deadline (70–90 % of the lifetime).
    h.advance(Duration::from_secs(1));
    let nb = Instant::from(leaf.not_before());
    let na = Instant::from(leaf.not_after());
    let deadline_log = h
        .log_texts()
        .into_iter()
        .find(|l| l.contains("rotation deadline is"))
        .unwrap()
        .to_owned();
    assert!(deadline_log.starts_with(
        "kubernetes.io/kube-apiserver-client-kubelet: Certificate expiration is 2027-12-01 08:55:00 +0000 UTC, rotation deadline is 2027-"
    ), "{deadline_log}");
    assert!(h.logs.iter().any(|(_, l)| {
        l.starts_with("kubernetes.io/kube-apiserver-client-kubelet: Waiting ")
            && l.ends_with(" for next certificate rotation")
    }));
    let deadline = h.machine.rotation_deadline(KeyPurpose::Client).unwrap();
    let life = na - nb;
    assert!(deadline >= nb + life.mul_f64(0.7) && deadline <= nb + life.mul_f64(0.9));

    // At the deadline: a fresh key and CSR, authenticated with the client certificate.
    let creates = h.server.creates();
    h.advance_to(deadline);
    assert_eq!(h.server.creates(), creates + 1);
    let (cred, csr) = h.server.last_create();
    assert_eq!(*cred, Credential::ClientCertificate(first.chain_der()));
    assert_eq!(csr.metadata.generate_name, "csr-");
    let name2 = h.server.last_name();
    assert_eq!(name2, "csr-00002");
    h.server.approve_and_issue(&name2, h.now);
    h.drive();
    assert_eq!(h.changed.len(), 2);
    assert_ne!(h.changed[1].1.key.public_key(), first.key.public_key());
    // The transport notices the new certificate at its next check, not before.
    let detected = "certificate rotation detected, shutting down client connections to start using new credentials";
    assert!(!h.has_log(detected));
    h.advance(Duration::from_secs(10));
    assert!(h.has_log("certificate rotation detected, shutting down client connections to start using new credentials"));
}

#[test]
fn denied_attempts_back_off_then_poll_every_32s() {
    let mut h = fresh_node();
    let mut attempts = vec![h.now];
    for i in 0..7 {
        let name = h.server.last_name();
        h.server
            .condition(&name, ConditionType::Denied, "NotMyNode", "go away");
        h.drive();
        assert!(h.has_log(&format!(
            "{CLIENT}: certificate request was not signed: certificate signing request is denied, reason: NotMyNode, message: go away"
        )));
        let before = h.server.creates();
        // Step timer by timer (the transport's 10 s check interleaves) until the next create.
        while h.server.creates() == before {
            let next = h.machine.poll_timeout().unwrap();
            assert!(next - h.now <= Duration::from_secs(32), "attempt {i}");
            h.advance_to(next);
        }
        assert_eq!(h.server.creates(), before + 1, "attempt {i}");
        attempts.push(h.now);
    }
    let gaps: Vec<Duration> = attempts.windows(2).map(|w| w[1] - w[0]).collect();
    // 2 s, 4 s, 8 s, 16 s, each with up to 10 % jitter; then 32 s.
    for (gap, base) in gaps.iter().zip([2, 4, 8, 16]) {
        let base = Duration::from_secs(base);
        assert!(
            *gap >= base && *gap <= base + base.mul_f64(0.1),
            "{gap} vs {base}"
        );
    }
    assert_eq!(gaps[4], Duration::from_secs(32));
    assert_eq!(gaps[5], Duration::from_secs(32));
    assert!(h.logs.iter().any(|(level, l)| *level == Level::Error
        && l == "kubernetes.io/kube-apiserver-client-kubelet: Reached backoff limit, still unable to rotate certs: timed out waiting for the condition"));
    // Every attempt used a new key.
    let keys: std::collections::BTreeSet<Vec<u8>> = h
        .server
        .requests
        .iter()
        .filter_map(|r| match &r.operation {
            Operation::CreateCertificateSigningRequest(c) => Some(c.spec.request.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(keys.len(), 8);
}

#[test]
fn wait_times_out_after_15_minutes() {
    let mut h = fresh_node();
    let creates = h.server.creates();
    h.advance(Duration::from_mins(15));
    assert!(h.has_log(&format!(
        "{CLIENT}: certificate request was not signed: timed out waiting for the condition"
    )));
    h.advance(Duration::from_millis(2200));
    assert_eq!(h.server.creates(), creates + 1);
}

#[test]
fn unauthorized_server_is_healthy_and_the_transport_exits_after_5_minutes() {
    let mut h = fresh_node();
    // The first attempt is waiting; make every later create fail with 401.
    for _ in 0..100 {
        h.server
            .create_script
            .push_back(CreateScript::Refuse(Status::unauthorized()));
    }
    let name = h.server.last_name();
    h.server.condition(
        &name,
        ConditionType::Failed,
        "SignerValidationFailure",
        "bad",
    );
    h.drive();
    assert!(h.has_log(&format!(
        "{CLIENT}: certificate request was not signed: certificate signing request failed, reason: SignerValidationFailure, message: bad"
    )));
    h.advance(Duration::from_secs(3));
    assert!(h.has_log(&format!(
        "{CLIENT}: Failed while requesting a signed certificate from the control plane: cannot create certificate signing request: Unauthorized"
    )));
    h.advance(Duration::from_mins(6));
    assert_eq!(
        h.exits,
        [
            "It has been 5m0s since a valid client cert was found and the server is responsive, exiting."
        ]
    );
    assert!(matches!(h.state(), State::Exited(_)));
    assert_eq!(h.machine.poll_timeout(), None);
}

#[test]
fn unresponsive_server_only_logs() {
    let mut h = fresh_node();
    h.hold_requests = true;
    let name = h.server.last_name();
    h.server.delete(&name);
    h.drive();
    assert!(h.has_log(&format!(
        "{CLIENT}: certificate request was not signed: csr \"csr-00001\" was deleted"
    )));
    let mut ids = Vec::new();
    for _ in 0..40 {
        h.advance(Duration::from_secs(10));
        let held = std::mem::take(&mut h.held_requests);
        for (id, _) in held {
            ids.push(id);
            h.input(Input::RequestFailed {
                id,
                error: "dial tcp 10.0.0.1:6443: connect: connection refused".into(),
            });
        }
    }
    // Every request has an id of its own, in the order they were sent.
    assert!(ids.len() > 2, "{ids:?}");
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    assert!(h.has_log(&format!(
        "{CLIENT}: Failed while requesting a signed certificate from the control plane: cannot create certificate signing request: dial tcp 10.0.0.1:6443: connect: connection refused"
    )));
    assert!(h.has_log(
        "It has been 5m0s since a valid client cert was found, but the server is not responsive. A restart may be necessary to retrieve new initial credentials."
    ));
    assert!(h.exits.is_empty());
}

#[test]
fn a_recreated_csr_with_another_uid_fails_the_attempt() {
    let mut h = fresh_node();
    let name = h.server.last_name();
    h.server.change_uid(&name);
    h.drive();
    assert!(h.has_log(&format!(
        "{CLIENT}: certificate request was not signed: csr \"csr-00001\" changed UIDs"
    )));
}

#[test]
fn an_issued_certificate_for_another_key_is_refused() {
    let mut h = fresh_node();
    let name = h.server.last_name();
    h.server.approve(&name);
    let other = issue(&h.server.ca, &key(99), "node-1", h.now.timestamp(), 3600);
    h.server.set_certificate(&name, other.into_bytes());
    h.drive();
    assert!(h.has_log(&format!(
        "{CLIENT}: refusing the issued certificate, it is not the one requested: the leaf certificate does not carry the public key of this request"
    )));
    assert!(h.changed.is_empty());
    assert!(
        h.disk
            .lstat("/var/lib/kubelet/pki/kubelet-client-current.pem")
            .is_none()
    );
}

/// A node with a bootstrap kubeconfig, a current client pair of `pem` and `key`, and a
/// kubeconfig pointing at it; returns the disk and the kubeconfig's text.
fn node_with_kubeconfig(pem: &str, k: &kube_tls_bootstrap::pki::PrivateKey) -> (Disk, String) {
    let mut disk = Disk::new();
    disk.insert_file(
        "/etc/kubernetes/bootstrap-kubelet.conf",
        bootstrap_kubeconfig(),
    );
    disk.insert_file(
        "/var/lib/kubelet/pki/kubelet-client-2026-12-01-09-00-00.pem",
        format!("{pem}{}", k.to_pem()),
    );
    disk.insert_symlink(
        "/var/lib/kubelet/pki/kubelet-client-current.pem",
        "/var/lib/kubelet/pki/kubelet-client-2026-12-01-09-00-00.pem",
    );
    let mut conf = String::new();
    {
        use kube_tls_bootstrap::kubeconfig::{CertificateAuthority, Kubeconfig};
        let c = client_config(CertificateAuthority::File(
            "/etc/kubernetes/pki/ca.crt".into(),
        ));
        conf.push_str(
            &Kubeconfig::after_bootstrap(&c, "/var/lib/kubelet/pki/kubelet-client-current.pem")
                .to_yaml(),
        );
    }
    disk.insert_file("/etc/kubernetes/kubelet.conf", conf.clone());
    (disk, conf)
}

#[test]
fn a_valid_kubeconfig_is_used_and_rotated_at_its_deadline() {
    // A node whose kubeconfig and current pair are valid: no bootstrap, no write, the deadline
    // is logged at once.
    let ca = ca();
    let k = key(5);
    let pem = issue(&ca, &k, "node-1", now().timestamp(), 30 * 24 * 3600);
    let (disk, conf) = node_with_kubeconfig(&pem, &k);
    let h = Harness::new(config(), disk, now() + Duration::from_mins(1));
    assert!(h.has_log("Current kubeconfig file contents are still valid, no bootstrap necessary"));
    assert_eq!(
        h.disk.read("/etc/kubernetes/kubelet.conf").unwrap(),
        conf.as_bytes()
    );
    assert_eq!(h.server.creates(), 0);
    assert!(
        h.log_texts()
            .iter()
            .any(|l| l.starts_with(&format!("{CLIENT}: Waiting ")))
    );
}

#[test]
fn the_kubeconfig_is_still_valid_at_its_certificates_not_after() {
    let ca = ca();
    let k = key(5);
    let pem = issue(&ca, &k, "node-1", now().timestamp(), 3600);
    let not_after = not_after_of(&pem);
    let (disk, _) = node_with_kubeconfig(&pem, &k);
    let h = Harness::new(config(), disk.clone(), not_after);
    assert!(h.has_log("Current kubeconfig file contents are still valid, no bootstrap necessary"));
    // The client manager's own check is strict (`time.Now().Before(NotAfter)`): at NotAfter the
    // pair is expired, the kubeconfig's pair is the bootstrap one, and rotation starts at once.
    assert_eq!(
        h.log_texts(),
        [
            "Current kubeconfig file contents are still valid, no bootstrap necessary",
            "kubernetes.io/kube-apiserver-client-kubelet: Certificate rotation is enabled",
            "kubernetes.io/kube-apiserver-client-kubelet: Rotating certificates",
        ]
    );
    let h = Harness::new(config(), disk, not_after + Duration::from_secs(1));
    assert!(!h.has_log("Current kubeconfig file contents are still valid, no bootstrap necessary"));
    assert!(h.has_log(
        "part of the existing bootstrap client certificate in /etc/kubernetes/kubelet.conf is expired: 2026-12-01 10:00:00 +0000 UTC"
    ), "{:?}", h.log_texts());
}

#[test]
fn stranded_when_the_certificate_expired_and_no_bootstrap_credential_is_left() {
    let ca = ca();
    let k = key(5);
    let ts = now().timestamp();
    let expired = issue(&ca, &k, "node-1", ts, 3600);
    let mut disk = Disk::new();
    disk.insert_file(
        "/var/lib/kubelet/pki/kubelet-client-2026-12-01-09-00-00.pem",
        format!("{expired}{}", k.to_pem()),
    );
    disk.insert_symlink(
        "/var/lib/kubelet/pki/kubelet-client-current.pem",
        "/var/lib/kubelet/pki/kubelet-client-2026-12-01-09-00-00.pem",
    );
    use kube_tls_bootstrap::kubeconfig::{CertificateAuthority, Kubeconfig};
    let c = client_config(CertificateAuthority::File(
        "/etc/kubernetes/pki/ca.crt".into(),
    ));
    disk.insert_file(
        "/etc/kubernetes/kubelet.conf",
        Kubeconfig::after_bootstrap(&c, "/var/lib/kubelet/pki/kubelet-client-current.pem")
            .to_yaml(),
    );
    let mut cfg = config();
    cfg.bootstrap_kubeconfig_path = String::new();
    let h = Harness::new(cfg, disk, now() + Duration::from_hours(2));
    let State::Stranded(text) = h.state() else {
        panic!("{:?}", h.state())
    };
    assert_eq!(
        text,
        "the client certificate expired at 2026-12-01 10:00:00 +0000 UTC and no bootstrap credential is left (no bootstrap kubeconfig is configured): every renewal would be refused and the kubelet would restart forever; give the node a bootstrap kubeconfig with a valid token (--bootstrap-kubeconfig) or a new client certificate, then restart it"
    );
    assert_eq!(h.server.creates(), 0);
}

#[test]
fn serving_certificate_follows_the_node_addresses() {
    use kube_tls_bootstrap::kubelet::NodeAddress;
    let mut disk = Disk::new();
    disk.insert_file(
        "/etc/kubernetes/bootstrap-kubelet.conf",
        bootstrap_kubeconfig(),
    );
    let mut cfg = config();
    cfg.serving = true;
    let mut h = Harness::new(cfg, disk, now());
    let client_name = h.server.last_name();
    h.server.approve_and_issue(&client_name, h.now);
    h.drive();
    // No addresses: no serving CSR.
    h.advance(Duration::from_secs(5));
    assert_eq!(h.server.creates(), 1);
    h.input(Input::NodeAddresses(vec![
        NodeAddress::new("Hostname", "node-1"),
        NodeAddress::new("InternalIP", "10.0.0.12"),
        NodeAddress::new("InternalIP", "10.0.0.12"),
        NodeAddress::new("ExternalIP", "192.168.0.010"),
        NodeAddress::new("InternalDNS", "a.example.com"),
        NodeAddress::new("ExternalDNS", ""),
    ]));
    h.advance(Duration::from_secs(2));
    assert_eq!(h.server.creates(), 2);
    let client_chain = h.changed[0].1.chain_der();
    let (cred, csr) = h.server.last_create();
    assert_eq!(*cred, Credential::ClientCertificate(client_chain));
    assert_eq!(csr.spec.signer_name, "kubernetes.io/kubelet-serving");
    let usages: Vec<_> = csr.spec.usages.iter().map(|u| u.known().unwrap()).collect();
    assert_eq!(usages, [KeyUsage::DigitalSignature, KeyUsage::ServerAuth]);
    let req = kube_tls_bootstrap::pki::CertificateRequest::from_pem(&csr.spec.request).unwrap();
    let sans = req.subject_alt_names();
    assert_eq!(sans.dns_names, ["a.example.com", "node-1"]);
    let ips: Vec<String> = sans.ip_addresses.iter().map(|i| i.to_string()).collect();
    assert_eq!(ips, ["10.0.0.12", "192.168.0.10"]);
    let name = h.server.last_name();
    h.server
        .condition(&name, ConditionType::Approved, "ManualApproval", "");
    h.server.issue(&name, h.now);
    h.drive();
    assert!(h.changed.iter().any(|(p, _)| *p == KeyPurpose::Serving));
    assert!(
        h.disk
            .lstat("/var/lib/kubelet/pki/kubelet-server-current.pem")
            .is_some()
    );
    // A new address the certificate lacks: a new CSR at once.
    h.advance(Duration::from_secs(2));
    let creates = h.server.creates();
    // Meanwhile the serving manager holds its certificate and sleeps until its own deadline.
    let serving = h.changed.last().unwrap().1.clone();
    assert_eq!(
        h.machine.serving_certificate().map(|p| p.chain_der()),
        Some(serving.chain_der())
    );
    let leaf = serving.leaf().unwrap();
    let (nb, na) = (
        Instant::from(leaf.not_before()),
        Instant::from(leaf.not_after()),
    );
    let deadline = h.machine.rotation_deadline(KeyPurpose::Serving).unwrap();
    assert!(deadline >= nb + (na - nb).mul_f64(0.7) && deadline <= nb + (na - nb).mul_f64(0.9));
    assert_ne!(
        h.machine.rotation_deadline(KeyPurpose::Client),
        Some(deadline)
    );
    // Fewer addresses than requested: the certificate still satisfies the template, nothing
    // happens although the template is not the one last requested.
    let changed = "kubernetes.io/kubelet-serving: Certificate template changed, rotating";
    h.input(Input::NodeAddresses(vec![
        NodeAddress::new("Hostname", "node-1"),
        NodeAddress::new("InternalIP", "10.0.0.12"),
    ]));
    assert!(!h.has_log(changed));
    assert_eq!(h.server.creates(), creates);
    h.input(Input::NodeAddresses(vec![
        NodeAddress::new("Hostname", "node-1"),
        NodeAddress::new("InternalIP", "10.0.0.13"),
    ]));
    assert!(h.has_log("kubernetes.io/kubelet-serving: Current certificate is missing requested IP addresses [10.0.0.13]"));
    assert!(h.has_log(changed));
    assert_eq!(h.server.creates(), creates + 1);
    // Another change while that request waits: the wait ends as a timeout and the next attempt,
    // after the back-off, asks for the new address.
    h.input(Input::NodeAddresses(vec![
        NodeAddress::new("Hostname", "node-1"),
        NodeAddress::new("InternalIP", "10.0.0.14"),
    ]));
    assert!(h.has_log(
        "kubernetes.io/kubelet-serving: certificate request was not signed: timed out waiting for the condition"
    ));
    h.advance(Duration::from_secs(4));
    assert_eq!(h.server.creates(), creates + 2);
    let (_, csr) = h.server.last_create();
    let req = kube_tls_bootstrap::pki::CertificateRequest::from_pem(&csr.spec.request).unwrap();
    let ips: Vec<String> = req
        .subject_alt_names()
        .ip_addresses
        .iter()
        .map(|i| i.to_string())
        .collect();
    assert_eq!(ips, ["10.0.0.14"]);
}

#[test]
fn file_operations_are_emitted_in_order() {
    let mut h = fresh_node();
    let name = h.server.last_name();
    h.server.approve_and_issue(&name, h.now);
    // Collect the file operations of the store update directly from the machine.
    let mut ops = Vec::new();
    while let Some((watch, event)) = h.server.pending_events.pop_front() {
        h.machine.handle(h.now, Input::WatchEvent { watch, event });
    }
    while let Some(out) = h.machine.poll_output() {
        if let kube_tls_bootstrap::kubelet::Output::File(op) = out {
            ops.push(format!("{op:?}"));
        }
    }
    assert_eq!(
        ops,
        [
            "CreateDirectory(\"/var/lib/kubelet/pki\", 0o755)",
            format!("WriteFile(\"/var/lib/kubelet/pki/kubelet-client-2026-12-01-09-00-00.pem\", 0o600, {} bytes)", {
                let d = h.machine.disk().read("/var/lib/kubelet/pki/kubelet-client-2026-12-01-09-00-00.pem").unwrap();
                d.len()
            })
            .as_str(),
            "Symlink(\"/var/lib/kubelet/pki/kubelet-client-updated.pem\" -> \"/var/lib/kubelet/pki/kubelet-client-2026-12-01-09-00-00.pem\")",
            "Rename(\"/var/lib/kubelet/pki/kubelet-client-updated.pem\" -> \"/var/lib/kubelet/pki/kubelet-client-current.pem\")",
        ]
    );
    let _ = FileOperation::Remove {
        path: String::new(),
    };
}

#[test]
fn an_expired_certificate_with_a_bootstrap_kubeconfig_exits_for_a_restart() {
    // The kubeconfig's certificate is the only client credential, but a bootstrap kubeconfig is
    // configured: Kubernetes' exit-and-restart recovers through it, so the machine exits with the
    // transport's text rather than declaring the node stranded.
    let ca = ca();
    let k = key(5);
    let pem = issue(&ca, &k, "node-1", now().timestamp(), 3600);
    let mut disk = Disk::new();
    disk.insert_file(
        "/etc/kubernetes/bootstrap-kubelet.conf",
        bootstrap_kubeconfig(),
    );
    disk.insert_file(
        "/etc/kubernetes/pki/kubelet.pem",
        format!("{pem}{}", k.to_pem()),
    );
    use kube_tls_bootstrap::kubeconfig::{CertificateAuthority, Kubeconfig};
    let c = client_config(CertificateAuthority::System);
    disk.insert_file(
        "/etc/kubernetes/kubelet.conf",
        Kubeconfig::after_bootstrap(&c, "/etc/kubernetes/pki/kubelet.pem").to_yaml(),
    );
    let mut h = Harness::new(config(), disk, now());
    assert!(h.has_log("Current kubeconfig file contents are still valid, no bootstrap necessary"));
    for _ in 0..1000 {
        h.server
            .create_script
            .push_back(CreateScript::Refuse(Status::unauthorized()));
    }
    // Expires at 60 min: the check at 60 min still finds it; no valid certificate for more than
    // 5 min while the server answers → exit, at the first check past 65 min.
    h.advance_to(now() + Duration::from_mins(65));
    assert!(h.exits.is_empty(), "{:?}", h.exits);
    h.advance(Duration::from_secs(10));
    assert_eq!(
        h.exits,
        [
            "It has been 5m0s since a valid client cert was found and the server is responsive, exiting."
        ]
    );
    assert!(matches!(h.state(), State::Exited(_)));
}

#[test]
fn no_secret_in_any_debug_output() {
    use kube_tls_bootstrap::kubelet::{Machine, Output};
    let mut disk = Disk::new();
    disk.insert_file(
        "/etc/kubernetes/bootstrap-kubelet.conf",
        bootstrap_kubeconfig(),
    );
    let mut m = Machine::new(config(), disk, now());
    let mut seen = Vec::new();
    while let Some(out) = m.poll_output() {
        if let Output::GenerateKey(p) = &out {
            let k = key(77);
            let input = Input::Key(*p, k);
            seen.push(format!("{input:?}"));
            m.handle(now(), input);
        }
        seen.push(format!("{out:?}"));
    }
    seen.push(format!("{m:?}"));
    assert_eq!(
        seen.last().map(String::as_str),
        Some("Machine { node_name: \"node-1\", state: Running, .. }")
    );
    assert!(
        seen.iter()
            .any(|s| s == "Key(Client, PrivateKey { kind: EcdsaP256, key: [elided] })"),
        "{seen:?}"
    );
    assert_eq!(format!("{:?}", Input::Timeout), "Timeout");
    let all = seen.join("\n");
    assert!(all.contains("BearerToken([elided])"), "{all}");
    assert!(!all.contains("0123456789abcdef"), "{all}");
    assert!(!all.contains("PRIVATE KEY"), "{all}");
    assert!(!all.contains(&key(77).to_pem()[40..80]));
}

#[test]
fn server_health_follows_the_error_class() {
    use kube_tls_bootstrap::api::GroupResource;
    let gr = GroupResource::certificate_signing_requests();
    for (status, healthy) in [
        (Status::not_found(&gr, "x"), true),
        (Status::forbidden(&gr, "", "forbidden".into()), true),
        (Status::unauthorized(), true),
        (Status::bad_request("bad"), false),
        (Status::conflict(&gr, "x"), false),
    ] {
        let mut disk = Disk::new();
        disk.insert_file(
            "/etc/kubernetes/bootstrap-kubelet.conf",
            bootstrap_kubeconfig(),
        );
        let mut h = Harness::new(config(), Disk::new(), now());
        for _ in 0..100 {
            h.server
                .create_script
                .push_back(CreateScript::Refuse(status.clone()));
        }
        h.machine = kube_tls_bootstrap::kubelet::Machine::new(config(), disk, now());
        h.exits.clear();
        h.logs.clear();
        h.drive();
        h.advance(Duration::from_mins(6));
        assert_eq!(h.exits.len(), usize::from(healthy), "{status:?}");
    }
}

#[test]
fn an_ended_watch_or_a_failed_list_is_listed_again_a_second_later() {
    let mut h = fresh_node();
    let name = h.server.last_name();
    let lists = |h: &Harness| {
        h.server
            .requests
            .iter()
            .filter(|r| matches!(r.operation, Operation::ListCertificateSigningRequests(_)))
            .count()
    };
    assert_eq!(lists(&h), 1);
    let ended = h.server.end_watches();
    assert_eq!(ended.len(), 1);
    h.input(Input::WatchEnded(ended[0]));
    // The reflector pauses a second before it lists again.
    assert_eq!(lists(&h), 1);
    assert_eq!(
        h.machine.poll_timeout(),
        Some(h.now + Duration::from_secs(1))
    );
    h.advance(Duration::from_millis(999));
    assert_eq!(lists(&h), 1);
    // That list fails: the reflector pauses a second again.
    h.hold_requests = true;
    h.advance(Duration::from_millis(1));
    let held = std::mem::take(&mut h.held_requests);
    assert_eq!(held.len(), 1);
    assert!(matches!(
        held[0].1.operation,
        Operation::ListCertificateSigningRequests(_)
    ));
    h.input(Input::RequestFailed {
        id: held[0].0,
        error: "dial tcp 10.0.0.1:6443: connect: connection refused".into(),
    });
    assert_eq!(
        h.machine.poll_timeout(),
        Some(h.now + Duration::from_secs(1))
    );
    h.hold_requests = false;
    // Meanwhile the request was approved: the next list shows it.
    h.server.approve(&name);
    h.advance(Duration::from_secs(1));
    assert_eq!(lists(&h), 2);
    assert!(h.has_log("certificate signing request csr-00001 is approved, waiting to be issued"));
    // The new watch delivers the certificate.
    h.server.issue(&name, h.now);
    h.drive();
    assert!(h.has_log("certificate signing request csr-00001 is issued"));
    assert_eq!(h.changed.len(), 1);
}

#[test]
fn a_valid_current_pair_is_used_when_the_bootstrap_certificate_has_expired() {
    // No kubeconfig; the bootstrap kubeconfig authenticates with a client certificate that has
    // expired; the certificate directory holds a valid pair. The node runs on that pair: it is
    // not stranded, and nothing is requested.
    use kube_tls_bootstrap::kubeconfig::{CertificateAuthority, Kubeconfig};
    let ca = ca();
    let (old_key, k) = (key(6), key(7));
    let expired = issue(&ca, &old_key, "node-1", now().timestamp(), 3600);
    let valid = issue(&ca, &k, "node-1", now().timestamp(), 30 * 24 * 3600);
    let mut disk = Disk::new();
    disk.insert_file(
        "/etc/kubernetes/pki/old.pem",
        format!("{expired}{}", old_key.to_pem()),
    );
    let c = client_config(CertificateAuthority::File(
        "/etc/kubernetes/pki/ca.crt".into(),
    ));
    disk.insert_file(
        "/etc/kubernetes/bootstrap-kubelet.conf",
        Kubeconfig::after_bootstrap(&c, "/etc/kubernetes/pki/old.pem").to_yaml(),
    );
    disk.insert_file(
        "/var/lib/kubelet/pki/kubelet-client-2026-12-01-09-00-00.pem",
        format!("{valid}{}", k.to_pem()),
    );
    disk.insert_symlink(
        "/var/lib/kubelet/pki/kubelet-client-current.pem",
        "/var/lib/kubelet/pki/kubelet-client-2026-12-01-09-00-00.pem",
    );
    let h = Harness::new(config(), disk, now() + Duration::from_hours(2));
    assert_eq!(h.state(), &State::Running);
    assert_eq!(h.server.creates(), 0);
    assert_eq!(
        h.machine.client_certificate().unwrap().key.public_key(),
        k.public_key()
    );
}

#[test]
fn an_existing_serving_pair_is_used_before_its_not_after() {
    let ca = ca();
    let k = key(8);
    let pem = issue(&ca, &k, "node-1", now().timestamp(), 3600);
    let not_after = not_after_of(&pem);
    let mut disk = Disk::new();
    disk.insert_file(
        "/etc/kubernetes/bootstrap-kubelet.conf",
        bootstrap_kubeconfig(),
    );
    disk.insert_file(
        "/var/lib/kubelet/pki/kubelet-server-2026-12-01-09-00-00.pem",
        format!("{pem}{}", k.to_pem()),
    );
    disk.insert_symlink(
        "/var/lib/kubelet/pki/kubelet-server-current.pem",
        "/var/lib/kubelet/pki/kubelet-server-2026-12-01-09-00-00.pem",
    );
    let mut cfg = config();
    cfg.serving = true;
    let serving_at = |t: Instant| {
        let h = Harness::new(cfg.clone(), disk.clone(), t);
        h.machine
            .serving_certificate()
            .map(|p| p.key.public_key().clone())
    };
    assert_eq!(serving_at(now()), Some(k.public_key().clone()));
    assert_eq!(
        serving_at(not_after - Duration::from_secs(1)),
        Some(k.public_key().clone())
    );
    // At NotAfter it has expired (`time.Now().Before(NotAfter)`), and after.
    assert_eq!(serving_at(not_after), None);
    assert_eq!(serving_at(not_after + Duration::from_secs(1)), None);
}

/// A node whose kubeconfig names `/etc/kubernetes/pki/kubelet.pem` (the pair `pem`, `k`), and,
/// when `bootstrap` is given, a bootstrap kubeconfig authenticating with that pair at
/// `/etc/kubernetes/pki/bootstrap.pem`.
fn node_with_pair_files(
    pem: &str,
    k: &kube_tls_bootstrap::pki::PrivateKey,
    bootstrap: Option<(&str, &kube_tls_bootstrap::pki::PrivateKey)>,
) -> Disk {
    use kube_tls_bootstrap::kubeconfig::{CertificateAuthority, Kubeconfig};
    let c = client_config(CertificateAuthority::System);
    let mut disk = Disk::new();
    disk.insert_file(
        "/etc/kubernetes/pki/kubelet.pem",
        format!("{pem}{}", k.to_pem()),
    );
    disk.insert_file(
        "/etc/kubernetes/kubelet.conf",
        Kubeconfig::after_bootstrap(&c, "/etc/kubernetes/pki/kubelet.pem").to_yaml(),
    );
    if let Some((pem, k)) = bootstrap {
        disk.insert_file(
            "/etc/kubernetes/pki/bootstrap.pem",
            format!("{pem}{}", k.to_pem()),
        );
        disk.insert_file(
            "/etc/kubernetes/bootstrap-kubelet.conf",
            Kubeconfig::after_bootstrap(&c, "/etc/kubernetes/pki/bootstrap.pem").to_yaml(),
        );
    }
    disk
}

#[test]
fn stranded_only_after_the_last_credentials_not_after() {
    // The kubeconfig's certificate is the only credential and expires at 10:00. At 10:00 it is
    // still valid for the fallback (the manager already treats it as expired): not stranded.
    let ca = ca();
    let k = key(5);
    let pem = issue(&ca, &k, "node-1", now().timestamp(), 3600);
    let disk = node_with_pair_files(&pem, &k, None);
    let mut cfg = config();
    cfg.bootstrap_kubeconfig_path = String::new();
    let at = now() + Duration::from_hours(1);
    let h = Harness::new(cfg.clone(), disk.clone(), at);
    assert_eq!(h.state(), &State::Running);
    let h = Harness::new(cfg, disk, at + Duration::from_secs(1));
    assert!(matches!(h.state(), State::Stranded(_)), "{:?}", h.state());
}

#[test]
fn stranded_when_the_bootstrap_certificate_is_past_its_not_after() {
    // The kubeconfig's certificate expires at 10:00; the bootstrap kubeconfig's at 10:00:10,
    // exactly when the transport checks (every 10 s from 09:00): still usable then, so not
    // stranded; at the next check it has expired too.
    let ca = ca();
    let (k, bk) = (key(5), key(6));
    let pem = issue(&ca, &k, "node-1", now().timestamp(), 3600);
    let bootstrap = issue(&ca, &bk, "node-1", now().timestamp(), 3610);
    let disk = node_with_pair_files(&pem, &k, Some((&bootstrap, &bk)));
    let mut h = Harness::new(config(), disk, now());
    for _ in 0..1000 {
        h.server
            .create_script
            .push_back(CreateScript::Refuse(Status::unauthorized()));
    }
    h.advance_to(now() + Duration::from_secs(3610));
    assert_eq!(h.state(), &State::Running);
    h.advance(Duration::from_secs(10));
    let State::Stranded(text) = h.state() else {
        panic!("{:?}", h.state())
    };
    assert_eq!(
        text,
        "the client certificate expired at 2026-12-01 10:00:00 +0000 UTC and no bootstrap credential is left (the bootstrap kubeconfig /etc/kubernetes/bootstrap-kubelet.conf holds an expired client certificate): every renewal would be refused and the kubelet would restart forever; give the node a bootstrap kubeconfig with a valid token (--bootstrap-kubeconfig) or a new client certificate, then restart it"
    );
}
