//! The pure decisions: the wait condition's outcomes and texts, the rotation deadline (a
//! proptest: always in [70 %, 90 %] of the lifetime), the back-off schedule, the serving
//! template from node addresses, and template satisfaction.
#![allow(clippy::disallowed_methods)] // reads test data and (kubectl test) writes temp files
#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers outside #[test] fns: a panic is a test failure with a line

mod kubelet_common;

use kube_tls_bootstrap::api::EventType;
use kube_tls_bootstrap::csr::{
    CertificateSigningRequest, CertificateSigningRequestCondition, ConditionType,
};
use kube_tls_bootstrap::kubelet::rotation::{
    Jitter, NodeAddress, Template, addresses_to_hostnames_and_ips, backoff_sleep, go_time,
    rotation_deadline,
};
use kube_tls_bootstrap::kubelet::wait::{Observation, WaitError, observe};
use kube_tls_bootstrap::pki::Certificate;
use kube_tls_bootstrap::time::{Duration, Instant};
use kubelet_common::*;
use proptest::prelude::*;

fn csr(uid: &str, conditions: &[(&str, &str, &str)], cert: &[u8]) -> CertificateSigningRequest {
    let mut c = CertificateSigningRequest::new("csr-1");
    c.metadata.uid = uid.into();
    for (t, r, m) in conditions {
        let mut cond = CertificateSigningRequestCondition::new(ConditionType::parse(t));
        cond.reason = (*r).into();
        cond.message = (*m).into();
        c.status.conditions.push(cond);
    }
    c.status.certificate = cert.to_vec();
    c
}

#[test]
fn wait_outcomes_and_texts() {
    let ev = EventType::Modified;
    assert_eq!(
        observe("csr-1", "u", ev, &csr("u", &[], b"")),
        Ok(Observation::Pending)
    );
    // A certificate without approval is not success (the server allows it, client-go waits).
    assert_eq!(
        observe("csr-1", "u", ev, &csr("u", &[], b"x")),
        Ok(Observation::Pending)
    );
    assert_eq!(
        observe("csr-1", "u", ev, &csr("u", &[("Approved", "", "")], b"")),
        Ok(Observation::Approved)
    );
    assert_eq!(
        observe(
            "csr-1",
            "u",
            EventType::Added,
            &csr("u", &[("Approved", "", "")], b"PEM")
        ),
        Ok(Observation::Issued(b"PEM".to_vec()))
    );
    // The first refusing condition wins, in order; status values are ignored.
    let e = observe(
        "csr-1",
        "u",
        ev,
        &csr(
            "u",
            &[
                ("Approved", "", ""),
                ("Failed", "SignerValidationFailure", "bad usage"),
                ("Denied", "X", "Y"),
            ],
            b"PEM",
        ),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "certificate signing request failed, reason: SignerValidationFailure, message: bad usage"
    );
    let e = observe(
        "csr-1",
        "u",
        ev,
        &csr("u", &[("Denied", "AdminDenied", "no")], b""),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "certificate signing request is denied, reason: AdminDenied, message: no"
    );
    assert_eq!(
        observe("csr-1", "u", ev, &csr("other", &[], b""))
            .unwrap_err()
            .to_string(),
        "csr \"csr-1\" changed UIDs"
    );
    assert_eq!(
        observe("csr-1", "u", EventType::Deleted, &csr("u", &[], b""))
            .unwrap_err()
            .to_string(),
        "csr \"csr-1\" was deleted"
    );
    assert_eq!(
        WaitError::Timeout.to_string(),
        "timed out waiting for the condition"
    );
    assert_eq!(
        WaitError::Watch("boom".into()).to_string(),
        "cannot watch on the certificate signing request: boom"
    );
    // Unknown condition types are skipped.
    assert_eq!(
        observe(
            "csr-1",
            "u",
            ev,
            &csr("u", &[("ApprovalPatch", "", "")], b"")
        ),
        Ok(Observation::Pending)
    );
}

#[test]
fn backoff_schedule_and_go_time() {
    assert_eq!(backoff_sleep(0, 0.0), Duration::from_secs(2));
    assert_eq!(backoff_sleep(3, 0.0), Duration::from_secs(16));
    assert_eq!(backoff_sleep(1, 0.5), Duration::from_millis(4200));
    assert_eq!(
        go_time(Instant::from_unix(1_800_000_000, 500_000_000)),
        "2027-01-15 08:00:00.5 +0000 UTC"
    );
    assert_eq!(
        go_time(Instant::from_unix(0, 0)),
        "1970-01-01 00:00:00 +0000 UTC"
    );
    let mut j = Jitter::from_seed(1);
    for _ in 0..1000 {
        let r = j.next_unit();
        assert!((0.0..1.0).contains(&r));
    }
    // SplitMix64's reference outputs for seed 0, as the top 53 bits over 2^53: a run is
    // reproducible from its seed across versions.
    let mut j = Jitter::from_seed(0);
    for word in [
        0xe220_a839_7b1d_cdaf_u64,
        0x6e78_9e6a_a1b9_65f4,
        0x06c4_5d18_8009_454f,
    ] {
        let expected = (word >> 11) as f64 / (1u64 << 53) as f64;
        assert_eq!(j.next_unit().to_bits(), expected.to_bits());
    }
}

#[test]
fn serving_template_from_addresses() {
    let a = |t: &str, v: &str| NodeAddress::new(t, v);
    let (dns, ips) = addresses_to_hostnames_and_ips(&[
        a("Hostname", "node-1"),
        a("Hostname", "10.0.0.9"),
        a("InternalIP", "10.0.0.10"),
        a("InternalIP", "not-an-ip"),
        a("ExternalIP", "fd00::1"),
        a("ExternalIP", "::ffff:1.2.3.4"),
        a("ExternalDNS", "b.example"),
        a("InternalDNS", "a.example"),
        a("InternalDNS", "a.example"),
        a("InternalDNS", ""),
        a("Other", "x"),
    ]);
    assert_eq!(dns, ["a.example", "b.example", "node-1"]);
    let ips: Vec<String> = ips.iter().map(|i| i.to_string()).collect();
    // Sorted by Go's text form: "1.2.3.4" < "10.0.0.10" < "10.0.0.9" < "fd00::1".
    assert_eq!(ips, ["1.2.3.4", "10.0.0.10", "10.0.0.9", "fd00::1"]);
    // ParseIPSloppy: leading zeros are decimal; at most three digits a part, digits only.
    use kube_tls_bootstrap::kubelet::rotation::parse_ip_sloppy;
    let sloppy = |s: &str| parse_ip_sloppy(s).map(|i| i.to_string());
    assert_eq!(sloppy("010.001.0.09").as_deref(), Some("10.1.0.9"));
    for bad in [
        "1.2.3.0004",
        "1.2.3.+4",
        "1..2.3",
        "1.2.3.a",
        "1.2.3",
        "1.2.3.4.5",
        "1.2.3.256",
    ] {
        assert_eq!(sloppy(bad), None, "{bad}");
    }
    // No IP: no template, unless DNS-only is allowed.
    let dns_only = [a("Hostname", "node-1")];
    assert_eq!(Template::serving("node-1", &dns_only, false), None);
    assert!(Template::serving("node-1", &dns_only, true).is_some());
}

#[test]
fn template_satisfaction_texts() {
    let k = key(3);
    let pem = issue(&ca(), &k, "node-1", now().timestamp(), 3600);
    let leaf = Certificate::from_der(
        &kube_tls_bootstrap::pki::pem::decode(pem.as_bytes())
            .unwrap()
            .0
            .contents,
    )
    .unwrap();
    assert_eq!(Template::client("node-1").satisfied_by(&leaf), Ok(()));
    assert_eq!(
        Template::client("node-2").satisfied_by(&leaf).unwrap_err(),
        "Current certificate CN (system:node:node-1) does not match requested CN (system:node:node-2)"
    );
    let mut t = Template::client("node-1");
    t.dns_names = vec!["b".into(), "a".into()];
    assert_eq!(
        t.satisfied_by(&leaf).unwrap_err(),
        "Current certificate is missing requested DNS names [a b]"
    );
    let mut t = Template::client("node-1");
    t.organization.push("extra".into());
    assert_eq!(
        t.satisfied_by(&leaf).unwrap_err(),
        "Current certificate is missing requested orgs [extra]"
    );

    // A serving certificate with an IP address SAN only, against a template that asks for IP
    // addresses and no DNS name.
    use kube_tls_bootstrap::pki::{CertificateRequest, KeyUsage};
    // The CA signs a serving request for an hour, with its own serial.
    let serving_leaf = |csr: &CertificateRequest, serial: u8| {
        let usages = [KeyUsage::DigitalSignature, KeyUsage::ServerAuth];
        let issued = ca()
            .sign(csr, &usages, None, 3600, now().timestamp(), &[serial; 16])
            .unwrap();
        Certificate::from_der(issued.der()).unwrap()
    };
    let csr = CertificateRequest::from_pem(
        &std::fs::read("tests/data/pki/corpus/kubelet-serving-p256-ip-only.csr.pem").unwrap(),
    )
    .unwrap();
    let leaf = serving_leaf(&csr, 0x43);
    let mut t = Template::client("node-b");
    t.ip_addresses = vec!["192.168.1.7".parse().unwrap()];
    assert_eq!(t.satisfied_by(&leaf), Ok(()));
    t.ip_addresses.push("10.0.0.9".parse().unwrap());
    assert_eq!(
        t.satisfied_by(&leaf).unwrap_err(),
        "Current certificate is missing requested IP addresses [10.0.0.9]"
    );

    // IPv6 SANs count as well as IPv4 ones.
    let v6: std::net::IpAddr = "fd00::12".parse().unwrap();
    let pem = kube_tls_bootstrap::pki::kubelet::serving_csr_pem(
        &key(4),
        "node-c",
        &["node-c".to_owned()],
        &[v6, "10.0.0.12".parse().unwrap()],
    )
    .unwrap();
    let leaf = serving_leaf(&CertificateRequest::from_pem(pem.as_bytes()).unwrap(), 0x44);
    let (dns, ips) = kube_tls_bootstrap::kubelet::rotation::leaf_sans(&leaf);
    assert_eq!(dns, ["node-c"]);
    let ips: Vec<String> = ips.iter().map(|i| i.to_string()).collect();
    assert_eq!(ips, ["fd00::12", "10.0.0.12"]);
    let mut t = Template::client("node-c");
    t.ip_addresses = vec![v6];
    assert_eq!(t.satisfied_by(&leaf), Ok(()));
}

proptest! {
    /// The deadline lies in [70 %, 90 %] of the lifetime for every lifetime and every r in [0, 1).
    #[test]
    fn deadline_lies_in_70_to_90_percent(
        start in -1_000_000_000i64..4_000_000_000,
        life_secs in 1i64..(20 * 365 * 24 * 3600),
        life_nanos in 0u32..1_000_000_000,
        r in 0.0f64..1.0,
    ) {
        let nb = Instant::from_unix(start, 0);
        let na = nb + Duration::from_secs(life_secs) + Duration::from_nanos(i64::from(life_nanos));
        let d = rotation_deadline(nb, na, r);
        let life = (na - nb).as_nanos() as i128;
        let off = (d - nb).as_nanos() as i128;
        // Go's float arithmetic may round by a few nanoseconds at the ends.
        prop_assert!(off * 10 >= life * 7 - 10, "{off} < 70% of {life}");
        prop_assert!(off * 10 <= life * 9 + 10, "{off} > 90% of {life}");
    }

    /// Back-off sleeps lie in [base, 1.1·base].
    #[test]
    fn backoff_sleep_in_range(step in 0u32..4, r in 0.0f64..1.0) {
        let base = Duration::from_secs(2 << step);
        let s = backoff_sleep(step, r);
        prop_assert!(s >= base && s <= base + base.mul_f64(0.1));
    }
}

#[test]
fn compatibility_refuses_other_pem_blocks_and_names_go_errors_by_key_kind() {
    use kube_tls_bootstrap::kubelet::request::{certificate_signing_request, ensure_compatible};
    use kube_tls_bootstrap::pki::{CertificateRequest, kubelet};
    let ours_key = key(1);
    let pem = kubelet::client_csr_pem(&ours_key, "node-1").unwrap();
    let signer = "kubernetes.io/kube-apiserver-client-kubelet";
    let ours = certificate_signing_request("", pem.as_bytes(), signer, &[]);
    let at = now().timestamp();
    assert_eq!(
        ensure_compatible(&ours, &ours, ours_key.public_key(), at).map_err(|e| e.to_string()),
        Ok(())
    );
    // The same DER under another PEM label is not a request to client-go.
    let mut relabelled = ours.clone();
    relabelled.spec.request = pem
        .replace("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST")
        .into_bytes();
    assert_eq!(
        ensure_compatible(&relabelled, &ours, ours_key.public_key(), at)
            .unwrap_err()
            .to_string(),
        "unable to parse new csr: PEM block type must be CERTIFICATE REQUEST"
    );
    assert_eq!(
        ensure_compatible(&ours, &relabelled, ours_key.public_key(), at)
            .unwrap_err()
            .to_string(),
        "unable to parse original csr: PEM block type must be CERTIFICATE REQUEST"
    );
    // An existing object that already carries a certificate: usable through its NotAfter.
    let mut issued = ours.clone();
    let cert = issue(&ca(), &ours_key, "node-1", at, 3600);
    issued.status.certificate = cert.into_bytes();
    let not_after = at.add_seconds(3600);
    assert_eq!(
        ensure_compatible(&issued, &ours, ours_key.public_key(), not_after)
            .map_err(|e| e.to_string()),
        Ok(())
    );
    assert_eq!(
        ensure_compatible(
            &issued,
            &ours,
            ours_key.public_key(),
            not_after.add_seconds(1)
        )
        .unwrap_err()
        .to_string(),
        "one of the certificates for the CSR has expired: 2026-12-01 10:00:00 +0000 UTC"
    );
    // Our key of another kind: Go's verification error for that kind.
    for (file, text) in [
        (
            "kubelet-client-rsa2048.csr.pem",
            "crypto/rsa: verification error",
        ),
        (
            "kubelet-client-ed25519.csr.pem",
            "x509: Ed25519 verification failure",
        ),
        (
            "kubelet-client-p384.csr.pem",
            "x509: ECDSA verification failure",
        ),
    ] {
        let path = format!(
            "{}/tests/data/pki/corpus/{file}",
            env!("CARGO_MANIFEST_DIR")
        );
        let other = CertificateRequest::from_pem(&std::fs::read(path).unwrap()).unwrap();
        assert_eq!(
            ensure_compatible(&ours, &ours, other.public_key(), at)
                .unwrap_err()
                .to_string(),
            format!("error validating signature new CSR against old key: {text}"),
            "{file}"
        );
    }
}
