//! The certificate store as file operations: names, contents, the link swap, recovery, lookup
//! order, client-go's error texts; and a proptest that a crash at any point of an update leaves
//! a directory from which start-up recovery finds the old pair, the new pair, or none — never a
//! half-written one.
#![allow(clippy::disallowed_methods)] // reads test data and (kubectl test) writes temp files
#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers outside #[test] fns: a panic is a test failure with a line

mod kubelet_common;

use kube_tls_bootstrap::kubelet::files::{Disk, Entry, FileOperation};
use kube_tls_bootstrap::kubelet::store::{Store, StoreError, pair_file_contents};
use kube_tls_bootstrap::time::Timestamp;
use kubelet_common::*;
use proptest::prelude::*;

const DIR: &str = "/var/lib/kubelet/pki";

fn t(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

#[test]
fn pair_file_names_use_local_time() {
    let s = Store::new("kubelet-client", DIR);
    assert_eq!(
        s.pair_path(t("2025-03-01T12:30:05Z"), 0),
        "/var/lib/kubelet/pki/kubelet-client-2025-03-01-12-30-05.pem"
    );
    // UTC+2 and UTC-5 (the date rolls back).
    assert_eq!(
        s.pair_path(t("2025-03-01T12:30:05Z"), 7200),
        "/var/lib/kubelet/pki/kubelet-client-2025-03-01-14-30-05.pem"
    );
    assert_eq!(
        Store::new("kubelet-server", "/pki/").pair_path(t("2025-03-01T02:00:00Z"), -5 * 3600),
        "/pki/kubelet-server-2025-02-28-21-00-00.pem"
    );
    assert_eq!(
        s.current_path(),
        "/var/lib/kubelet/pki/kubelet-client-current.pem"
    );
}

#[test]
fn first_update_writes_chain_then_key_and_links() {
    let ca = ca();
    let key = key(7);
    let cert = issue(&ca, &key, "node-1", now().timestamp(), 3600);
    let s = Store::new("kubelet-client", DIR);
    let disk = Disk::new();
    let (ops, pair) = s
        .update(
            &disk,
            now().timestamp(),
            0,
            cert.as_bytes(),
            key.to_pem().as_bytes(),
        )
        .unwrap();
    let file = "/var/lib/kubelet/pki/kubelet-client-2026-12-01-09-00-00.pem";
    let expected_contents = format!("{cert}{}", key.to_pem());
    assert_eq!(
        ops,
        [
            FileOperation::CreateDirectory {
                path: DIR.into(),
                mode: 0o755
            },
            FileOperation::WriteFile {
                path: file.into(),
                mode: 0o600,
                contents: expected_contents.into_bytes()
            },
            FileOperation::Symlink {
                target: file.into(),
                link: format!("{DIR}/kubelet-client-updated.pem")
            },
            FileOperation::Rename {
                from: format!("{DIR}/kubelet-client-updated.pem"),
                to: format!("{DIR}/kubelet-client-current.pem")
            },
        ]
    );
    assert_eq!(pair.cert_path, file);
    // Debug never shows key material.
    assert!(format!("{ops:?}").contains("bytes"));
    assert!(!format!("{pair:?}").contains("PRIVATE"));
}

#[test]
fn second_update_replaces_the_current_link_and_stale_updated() {
    let ca = ca();
    let (k1, k2) = (key(7), key(8));
    let s = Store::new("kubelet-client", DIR);
    let mut disk = Disk::new();
    for op in s
        .update(
            &disk,
            now().timestamp(),
            0,
            issue(&ca, &k1, "n", now().timestamp(), 3600).as_bytes(),
            k1.to_pem().as_bytes(),
        )
        .unwrap()
        .0
    {
        disk.apply(&op).unwrap();
    }
    disk.insert_symlink(format!("{DIR}/kubelet-client-updated.pem"), "/stale");
    let later = now().timestamp().add_seconds(60);
    let (ops, _) = s
        .update(
            &disk,
            later,
            0,
            issue(&ca, &k2, "n", later, 3600).as_bytes(),
            k2.to_pem().as_bytes(),
        )
        .unwrap();
    let names: Vec<String> = ops.iter().map(|o| format!("{o:?}")).collect();
    assert_eq!(
        names[2..],
        [
            "Remove(\"/var/lib/kubelet/pki/kubelet-client-updated.pem\")",
            "Symlink(\"/var/lib/kubelet/pki/kubelet-client-updated.pem\" -> \"/var/lib/kubelet/pki/kubelet-client-2026-12-01-09-01-00.pem\")",
            "Remove(\"/var/lib/kubelet/pki/kubelet-client-current.pem\")",
            "Rename(\"/var/lib/kubelet/pki/kubelet-client-updated.pem\" -> \"/var/lib/kubelet/pki/kubelet-client-current.pem\")",
        ]
    );
    for op in &ops {
        disk.apply(op).unwrap();
    }
    let current = s.current(&disk).unwrap();
    assert_eq!(current.key.public_key(), k2.public_key());
}

#[test]
fn files_where_links_belong_are_refused_with_client_go_text() {
    let ca = ca();
    let k = key(7);
    let cert = issue(&ca, &k, "n", now().timestamp(), 3600);
    let s = Store::new("kubelet-client", DIR);
    let mut disk = Disk::new();
    disk.insert_file(
        format!("{DIR}/kubelet-client-current.pem"),
        format!("{cert}{}", k.to_pem()),
    );
    let err = s
        .update(
            &disk,
            now().timestamp(),
            0,
            cert.as_bytes(),
            k.to_pem().as_bytes(),
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "expected \"/var/lib/kubelet/pki/kubelet-client-current.pem\" to be a symlink but it is a file"
    );
    let mut disk = Disk::new();
    disk.insert_file(format!("{DIR}/kubelet-client-updated.pem"), "x");
    assert_eq!(
        s.recover(&disk).unwrap_err(),
        StoreError::NotASymlink(format!("{DIR}/kubelet-client-updated.pem"))
    );
}

#[test]
fn lookup_order_and_no_pair_text() {
    let ca = ca();
    let (k1, k2, k3) = (key(1), key(2), key(3));
    let mut s = Store::new("kubelet-client", DIR);
    s.cert_file = "/etc/kubelet/client.crt".into();
    s.key_file = "/etc/kubelet/client.key".into();
    let mut disk = Disk::new();
    let err = s.current(&disk).unwrap_err();
    assert_eq!(
        err.to_string(),
        "no cert/key files read at \"/var/lib/kubelet/pki/kubelet-client-current.pem\", (\"/etc/kubelet/client.crt\", \"/etc/kubelet/client.key\") or (\"/var/lib/kubelet/pki\", \"/var/lib/kubelet/pki\")"
    );
    let ts = now().timestamp();
    disk.insert_file(
        format!("{DIR}/kubelet-client.crt"),
        issue(&ca, &k3, "n", ts, 3600),
    );
    disk.insert_file(format!("{DIR}/kubelet-client.key"), k3.to_pem());
    assert_eq!(s.current(&disk).unwrap().key.public_key(), k3.public_key());
    disk.insert_file("/etc/kubelet/client.crt", issue(&ca, &k2, "n", ts, 3600));
    disk.insert_file("/etc/kubelet/client.key", k2.to_pem());
    assert_eq!(s.current(&disk).unwrap().key.public_key(), k2.public_key());
    disk.insert_file(
        format!("{DIR}/p.pem"),
        format!("{}{}", issue(&ca, &k1, "n", ts, 3600), k1.to_pem()),
    );
    disk.insert_symlink(
        format!("{DIR}/kubelet-client-current.pem"),
        format!("{DIR}/p.pem"),
    );
    assert_eq!(s.current(&disk).unwrap().key.public_key(), k1.public_key());
    // A pair file whose key is another key.
    disk.insert_file(
        format!("{DIR}/p.pem"),
        format!("{}{}", issue(&ca, &k1, "n", ts, 3600), k2.to_pem()),
    );
    assert_eq!(
        s.current(&disk).unwrap_err().to_string(),
        "could not convert data from \"/var/lib/kubelet/pki/kubelet-client-current.pem\" into cert/key pair: tls: private key does not match public key"
    );
}

#[test]
fn bad_inputs_have_client_go_texts() {
    let s = Store::new("kubelet-client", DIR);
    let k = key(1);
    assert_eq!(
        s.update(
            &Disk::new(),
            now().timestamp(),
            0,
            b"",
            k.to_pem().as_bytes()
        )
        .unwrap_err()
        .to_string(),
        "invalid certificate data: data does not contain any valid RSA or ECDSA certificates"
    );
    let cert = issue(&ca(), &k, "n", now().timestamp(), 3600);
    assert_eq!(
        pair_file_contents(cert.as_bytes(), b"no pem")
            .unwrap_err()
            .to_string(),
        "invalid key data"
    );
}

/// The files of a directory after the first `k` operations of an update ran.
fn crash_after(disk: &Disk, ops: &[FileOperation], k: usize) -> Disk {
    let mut d = disk.clone();
    for op in &ops[..k] {
        d.apply(op).unwrap();
    }
    d
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Crash after any prefix of the operations of one or two consecutive updates (a write cut
    /// short leaves a truncated file): recovery then lookup yields the old pair, the new one, or
    /// `NoCertKey` — never an error or a pair that is not one of the two.
    #[test]
    fn crash_at_any_point_recovers_to_a_whole_pair(
        first_done in any::<bool>(),
        cut in 0usize..8,
        truncate_at in 0usize..2000,
    ) {
        let ca = ca();
        let (k1, k2) = (key(11), key(12));
        let s = Store::new("kubelet-client", DIR);
        let ts = now().timestamp();
        let mut disk = Disk::new();
        let mut old = None;
        if first_done {
            let (ops, pair) = s.update(&disk, ts, 0, issue(&ca, &k1, "n", ts, 3600).as_bytes(), k1.to_pem().as_bytes()).unwrap();
            for op in &ops { disk.apply(op).unwrap(); }
            old = Some(pair.key.public_key().clone());
        }
        let later = ts.add_seconds(1);
        let (ops, _) = s.update(&disk, later, 0, issue(&ca, &k2, "n", later, 3600).as_bytes(), k2.to_pem().as_bytes()).unwrap();
        let k = cut.min(ops.len());
        let mut crashed = crash_after(&disk, &ops, k);
        // A crash inside the write leaves a prefix of the file.
        if let Some(FileOperation::WriteFile { path, contents, .. }) = ops.get(k) {
            let n = truncate_at.min(contents.len());
            crashed.insert_file(path.clone(), contents[..n].to_vec());
        }
        for op in s.recover(&crashed).unwrap() {
            crashed.apply(&op).unwrap();
        }
        match s.current(&crashed) {
            Ok(pair) => {
                let got = pair.key.public_key().clone();
                prop_assert!(Some(&got) == old.as_ref() || &got == k2.public_key());
            }
            Err(StoreError::NoCertKey { .. }) => prop_assert!(old.is_none()),
            Err(e) => prop_assert!(false, "half-written pair visible: {e}"),
        }
        // The links are always links.
        for (path, entry) in crashed.entries() {
            if path.ends_with("-current.pem") || path.ends_with("-updated.pem") {
                prop_assert!(matches!(entry, Entry::Symlink(_)));
            }
        }
    }
}

#[test]
fn pair_file_keeps_the_chain_drops_text_and_keeps_key_headers() {
    let ca = ca();
    let k = key(21);
    let leaf = issue(&ca, &k, "n", now().timestamp(), 3600);
    let ca_pem =
        String::from_utf8(std::fs::read("tests/data/pki/corpus/ca/ca.crt").unwrap()).unwrap();
    let issued = format!("issued by the test CA\n{leaf}junk between\n{ca_pem}trailer\n");
    let contents = pair_file_contents(issued.as_bytes(), k.to_pem().as_bytes()).unwrap();
    let text = String::from_utf8(contents).unwrap();
    assert!(text.starts_with(&leaf));
    assert_eq!(text.matches("-----BEGIN CERTIFICATE-----").count(), 2);
    assert!(!text.contains("junk") && !text.contains("trailer"));
    assert!(text.ends_with(&k.to_pem()));
    // The first PEM block of the key data is what is written, whatever it is.
    let key_pem = k.to_pem();
    let with_headers = key_pem.replacen(
        "-----\n",
        "-----\nX-B: 2\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\n",
        1,
    );
    let text =
        String::from_utf8(pair_file_contents(leaf.as_bytes(), with_headers.as_bytes()).unwrap())
            .unwrap();
    assert!(
        text.contains("-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\nX-B: 2\n\n"),
        "{text}"
    );
}

#[test]
fn extreme_times_do_not_panic() {
    let s = Store::new("kubelet-client", DIR);
    for t in [i64::MIN, -1, 0, 253_402_300_800, i64::MAX] {
        let _ = s.pair_path(Timestamp::from_unix(t), i32::MAX);
        let _ = s.pair_path(Timestamp::from_unix(t), i32::MIN);
    }
}

#[test]
fn disk_follows_links_and_refuses_clobbering_symlinks() {
    let mut d = Disk::new();
    d.insert_symlink("/a", "/b");
    d.insert_symlink("/b", "/a");
    assert!(d.stat("/a").is_none(), "a loop resolves to nothing");
    assert!(
        d.apply(&FileOperation::Symlink {
            target: "/x".into(),
            link: "/a".into()
        })
        .is_err()
    );
    assert!(
        d.apply(&FileOperation::Rename {
            from: "/missing".into(),
            to: "/y".into()
        })
        .is_err()
    );
    d.insert_symlink("/l", "/f");
    d.apply(&FileOperation::WriteFile {
        path: "/l".into(),
        mode: 0o600,
        contents: b"x".to_vec(),
    })
    .unwrap();
    assert_eq!(d.read("/f"), Some(&b"x"[..]));
    assert!(matches!(d.lstat("/l"), Some(Entry::Symlink(_))));
}

#[test]
fn the_disk_applies_operations_as_the_operating_system_does() {
    let mut disk = Disk::new();
    disk.insert_file("/etc/a", "old");
    disk.insert_symlink("/etc/link", "/etc/a");
    // O_TRUNC on an existing file keeps its mode, through a link too; a new file takes the
    // mode asked for.
    disk.apply(&FileOperation::WriteFile {
        path: "/etc/link".into(),
        mode: 0o644,
        contents: b"new!".to_vec(),
    })
    .unwrap();
    disk.apply(&FileOperation::WriteFile {
        path: "/etc/b".into(),
        mode: 0o644,
        contents: b"b".to_vec(),
    })
    .unwrap();
    disk.apply(&FileOperation::CreateDirectory {
        path: "/etc/d".into(),
        mode: 0o755,
    })
    .unwrap();
    let listed: Vec<String> = disk
        .entries()
        .map(|(path, entry)| format!("{path} {entry:?}"))
        .collect();
    assert_eq!(
        listed,
        [
            "/etc/a File(4 bytes, 0o600)",
            "/etc/b File(1 bytes, 0o644)",
            "/etc/d Directory",
            "/etc/link Symlink(\"/etc/a\")",
        ]
    );
    assert_eq!(disk.read("/etc/link"), Some(&b"new!"[..]));
}
