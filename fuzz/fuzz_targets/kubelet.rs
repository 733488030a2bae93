//! The kubelet machine driven by arbitrary inputs: replies (CSR objects with arbitrary
//! conditions, UIDs and certificates, Status errors, lists, watch openings, transport failures)
//! to whatever it asked, watch events, watch ends, keys, node addresses and the passing of
//! time, on both code paths. Nothing may panic, outputs must drain, a stopped machine stays
//! stopped with no timer, and after every step each `*-current.pem` on the machine's disk names
//! a complete pair whose leaf carries the pair's key, a key the machine was given.
#![no_main]

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use kube_tls_bootstrap::api::{
    EventType, GroupResource, Reply, RequestId, Status, WatchEvent, WatchId,
};
use kube_tls_bootstrap::csr::{
    CertificateSigningRequest, CertificateSigningRequestCondition, CertificateSigningRequestList,
    ConditionType,
};
use kube_tls_bootstrap::kubelet::{
    Config, Disk, Input, KeyPurpose, Machine, Mode, NodeAddress, Output, State, store::Store,
};
use kube_tls_bootstrap::pki::{
    CertificateAuthority, CertificateRequest, KeyUsage, PrivateKey, kubelet,
};
use kube_tls_bootstrap::time::{Duration, Instant};
use libfuzzer_sys::fuzz_target;

const CA_CERT: &[u8] = include_bytes!("../../tests/data/pki/corpus/ca/ca.crt");
const CA_KEY: &[u8] = include_bytes!("../../tests/data/pki/corpus/ca/ca.key");
const START: i64 = 1_796_115_600; // 2026-12-01T09:00:00Z

fn ca() -> &'static CertificateAuthority {
    static CA: OnceLock<CertificateAuthority> = OnceLock::new();
    CA.get_or_init(|| CertificateAuthority::from_pem(CA_CERT, CA_KEY).expect("test CA loads"))
}

struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(*b)
    }
    fn take(&mut self, n: usize) -> &[u8] {
        let n = n.min(self.0.len());
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        a
    }
}

fn bootstrap_kubeconfig() -> String {
    "apiVersion: v1\nkind: Config\nclusters:\n- name: k\n  cluster:\n    server: https://10.0.0.1:6443\n    insecure-skip-tls-verify: true\ncontexts:\n- name: c\n  context: {cluster: k, user: u}\ncurrent-context: c\nusers:\n- name: u\n  user:\n    token: abcdef.0123456789abcdef\n".to_owned()
}

/// What the harness knows of the key it derives from one seed byte: the key's PEM (each
/// `Input::Key` loads a fresh copy), its SPKI and its verified kubelet client request. Keys,
/// requests and certificates are derived once per process and reused: the machine sees exactly
/// the values it would see if they were made anew, at a fraction of the cost.
struct SeedKey {
    pem: String,
    spki: Vec<u8>,
    request: Option<CertificateRequest>,
}

fn seed_key(seed: u8) -> Option<&'static SeedKey> {
    static KEYS: OnceLock<Mutex<HashMap<u8, &'static SeedKey>>> = OnceLock::new();
    let mut keys = KEYS.get_or_init(Default::default).lock().ok()?;
    if let Some(k) = keys.get(&seed) {
        return Some(*k);
    }
    let key = PrivateKey::ecdsa_p256_from_random_bytes(&[seed; 32]).ok()?;
    let request = kubelet::client_csr_pem(&key, "node-1")
        .ok()
        .and_then(|pem| CertificateRequest::from_pem(pem.as_bytes()).ok());
    let entry: &'static SeedKey = Box::leak(Box::new(SeedKey {
        pem: key.to_pem(),
        spki: key.public_key().spki_der().to_vec(),
        request,
    }));
    keys.insert(seed, entry);
    Some(entry)
}

/// The CA's certificate for the seed's key, issued at `now` for `ttl` seconds (at least ten
/// minutes); memoised, since a run asks for the same one many times.
fn issued_for(seed: u8, now: Instant, ttl: i64) -> Vec<u8> {
    /// PEM certificates by seed, issuing time and lifetime.
    type Issued = HashMap<(u8, i64, i64), Vec<u8>>;
    static ISSUED: OnceLock<Mutex<Issued>> = OnceLock::new();
    let at = now.timestamp().unix();
    let Ok(mut issued) = ISSUED.get_or_init(Default::default).lock() else {
        return Vec::new();
    };
    if let Some(pem) = issued.get(&(seed, at, ttl)) {
        return pem.clone();
    }
    let Some(req) = seed_key(seed).and_then(|k| k.request.as_ref()) else {
        return Vec::new();
    };
    let pem = ca()
        .sign(
            req,
            &[KeyUsage::DigitalSignature, KeyUsage::ClientAuth],
            None,
            ttl.max(600),
            now.timestamp(),
            &[7; 16],
        )
        .map(|c| c.to_pem().into_bytes())
        .unwrap_or_default();
    if issued.len() > 4096 {
        issued.clear();
    }
    issued.insert((seed, at, ttl), pem.clone());
    pem
}

fn csr_object(
    b: &mut Bytes<'_>,
    name: &str,
    uid: &str,
    cert: impl FnOnce() -> Vec<u8>,
) -> CertificateSigningRequest {
    let mut c = CertificateSigningRequest::new(name);
    c.metadata.uid = if b.byte().unwrap_or(0) % 8 == 0 {
        "other".into()
    } else {
        uid.into()
    };
    let flags = b.byte().unwrap_or(0);
    for (bit, t) in [
        (1, ConditionType::Approved),
        (2, ConditionType::Denied),
        (4, ConditionType::Failed),
    ] {
        if flags & bit != 0 {
            let mut cond = CertificateSigningRequestCondition::new(t);
            cond.reason = "R".into();
            c.status.conditions.push(cond);
        }
    }
    c.status.certificate = match flags >> 4 {
        0..=9 => cert(),
        10 => b.take(64).to_vec(),
        _ => Vec::new(),
    };
    c
}

/// Each `<prefix>-current.pem` on the machine's disk loads as a pair whose leaf certifies the
/// pair's key, and that key is one the machine was given (`given` holds their SPKIs, and only
/// grows). `checked` remembers the contents last found good, so an unchanged pair is not loaded
/// again.
fn check_current(
    m: &Machine,
    cert_dir: &str,
    given: &[Vec<u8>],
    checked: &mut [Option<Vec<u8>>; 2],
) {
    for (prefix, checked) in ["kubelet-client", "kubelet-server"]
        .into_iter()
        .zip(checked.iter_mut())
    {
        let store = Store::new(prefix, cert_dir);
        if m.disk().lstat(&store.current_path()).is_none() {
            continue;
        }
        let contents = m.disk().read(&store.current_path());
        if contents.is_some() && contents == checked.as_deref() {
            continue;
        }
        let pair = store
            .current(m.disk())
            .unwrap_or_else(|e| panic!("{prefix}-current.pem is broken: {e}"));
        let leaf = pair
            .leaf()
            .unwrap_or_else(|| panic!("{prefix}-current.pem has no certificate"));
        assert_eq!(
            leaf.public_key(),
            pair.key.public_key(),
            "{prefix}-current.pem: the leaf does not carry the pair's key"
        );
        assert!(
            given
                .iter()
                .any(|k| k.as_slice() == leaf.public_key().spki_der()),
            "{prefix}-current.pem: a key the machine was never given"
        );
        *checked = contents.map(<[u8]>::to_vec);
    }
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let head = b.byte().unwrap_or(0);
    let mut config = Config::kubeadm("node-1");
    config.mode = if head & 1 == 0 {
        Mode::Rotation
    } else {
        Mode::Legacy
    };
    config.serving = head & 2 != 0;
    config.jitter_seed = u64::from(head);
    if head & 4 != 0 {
        config.bootstrap_kubeconfig_path.clear();
    }
    let mut disk = Disk::new();
    disk.insert_file(
        "/etc/kubernetes/bootstrap-kubelet.conf",
        bootstrap_kubeconfig(),
    );
    if head & 8 != 0 {
        disk.insert_file(
            "/var/lib/kubelet/pki/kubelet-client.key.tmp",
            b.take(40).to_vec(),
        );
    }
    let mut now = Instant::from_unix(START, 0);
    let cert_dir = config.cert_dir.clone();
    let mut m = Machine::new(config, disk, now);
    let mut given: Vec<Vec<u8>> = Vec::new();

    let mut pending: Vec<(RequestId, Option<String>)> = Vec::new();
    let mut watches: Vec<WatchId> = Vec::new();
    let mut keys: Vec<KeyPurpose> = Vec::new();
    let mut last_key: Option<u8> = None;
    let mut checked: [Option<Vec<u8>>; 2] = [None, None];
    let mut next_watch = 0u64;
    let mut steps = 0;
    loop {
        let mut drained = 0;
        while let Some(out) = m.poll_output() {
            drained += 1;
            assert!(drained < 100_000, "outputs never drain");
            match out {
                Output::Request { id, request } => {
                    let name = match &request.operation {
                        kube_tls_bootstrap::api::Operation::CreateCertificateSigningRequest(c) => {
                            Some(if c.metadata.name.is_empty() {
                                "csr-fuzz".to_owned()
                            } else {
                                c.metadata.name.clone()
                            })
                        }
                        kube_tls_bootstrap::api::Operation::ListCertificateSigningRequests(s) => {
                            s.name.clone()
                        }
                        kube_tls_bootstrap::api::Operation::WatchCertificateSigningRequests {
                            selector,
                            ..
                        } => selector.name.clone(),
                        kube_tls_bootstrap::api::Operation::GetCertificateSigningRequest {
                            name,
                        } => Some(name.clone()),
                        _ => None,
                    };
                    pending.push((id, name));
                }
                Output::GenerateKey(p) => keys.push(p),
                Output::StopWatch(w) => watches.retain(|x| *x != w),
                _ => {}
            }
        }
        check_current(&m, &cert_dir, &given, &mut checked);
        if matches!(m.state(), State::Exited(_) | State::Stranded(_)) {
            assert_eq!(m.poll_timeout(), None);
        }
        steps += 1;
        let Some(op) = b.byte() else { break };
        if steps > 400 {
            break;
        }
        let cert_for = |seed: Option<u8>, now: Instant, ttl: i64| {
            move || seed.map(|s| issued_for(s, now, ttl)).unwrap_or_default()
        };
        match op % 10 {
            0 => {
                let secs = i64::from(b.byte().unwrap_or(1)) * i64::from(b.byte().unwrap_or(1));
                now = now + Duration::from_secs(secs);
                m.handle(now, Input::Timeout);
            }
            1 => {
                if let Some(t) = m.poll_timeout() {
                    now = now.max(t);
                    m.handle(now, Input::Timeout);
                }
            }
            2 | 3 => {
                if pending.is_empty() {
                    continue;
                }
                let i = usize::from(b.byte().unwrap_or(0)) % pending.len();
                let (id, name) = pending.remove(i);
                let name = name.unwrap_or_default();
                let ttl = i64::from(b.byte().unwrap_or(1)) * 3600;
                let reply = match b.byte().unwrap_or(0) % 8 {
                    0 => Reply::CertificateSigningRequest {
                        code: 201,
                        object: std::sync::Arc::new(csr_object(
                            &mut b,
                            &name,
                            "uid-1",
                            cert_for(last_key, now, ttl),
                        )),
                    },
                    1 => Reply::Status(Status::already_exists(
                        &GroupResource::certificate_signing_requests(),
                        &name,
                    )),
                    2 => Reply::Status(Status::unauthorized()),
                    3 => Reply::Status(Status::not_found(
                        &GroupResource::certificate_signing_requests(),
                        &name,
                    )),
                    4 => {
                        next_watch += 1;
                        watches.push(WatchId(next_watch));
                        Reply::WatchOpened(WatchId(next_watch))
                    }
                    5 => Reply::CertificateSigningRequestList(Box::new(
                        CertificateSigningRequestList {
                            items: vec![csr_object(
                                &mut b,
                                &name,
                                "uid-1",
                                cert_for(last_key, now, ttl),
                            )],
                            ..Default::default()
                        },
                    )),
                    6 => {
                        m.handle(
                            now,
                            Input::RequestFailed {
                                id,
                                error: "connection refused".into(),
                            },
                        );
                        continue;
                    }
                    _ => Reply::Status(Status::bad_request("x")),
                };
                m.handle(now, Input::Reply { id, reply });
            }
            4 | 5 => {
                if watches.is_empty() {
                    continue;
                }
                let w = watches[usize::from(b.byte().unwrap_or(0)) % watches.len()];
                let type_ = match b.byte().unwrap_or(0) % 5 {
                    0 => EventType::Added,
                    1 => EventType::Deleted,
                    _ => EventType::Modified,
                };
                let ttl = i64::from(b.byte().unwrap_or(1)) * 3600;
                let object = csr_object(&mut b, "csr-fuzz", "uid-1", cert_for(last_key, now, ttl));
                m.handle(
                    now,
                    Input::WatchEvent {
                        watch: w,
                        event: WatchEvent {
                            type_,
                            object: std::sync::Arc::new(object),
                        },
                    },
                );
            }
            6 => {
                if let Some(w) = watches.pop() {
                    m.handle(now, Input::WatchEnded(w));
                }
            }
            7 | 8 => {
                let Some(p) = keys.pop() else { continue };
                let seed = b.byte().unwrap_or(1).clamp(1, 0xfe);
                if let Some(sk) = seed_key(seed)
                    && let Ok(k) = PrivateKey::from_pem(sk.pem.as_bytes())
                {
                    last_key = Some(seed);
                    given.push(sk.spki.clone());
                    m.handle(now, Input::Key(p, k));
                }
            }
            _ => {
                let n = b.byte().unwrap_or(0);
                let addresses = (0..n % 4)
                    .map(|i| {
                        let t = ["Hostname", "InternalIP", "ExternalIP", "InternalDNS"]
                            [usize::from((n >> (2 * i)) & 3)];
                        NodeAddress::new(t, &format!("10.0.0.{}", b.byte().unwrap_or(0)))
                    })
                    .collect();
                m.handle(now, Input::NodeAddresses(addresses));
            }
        }
    }
});
