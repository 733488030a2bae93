//! The certificate manager's decisions as pure functions: the rotation deadline, the back-off
//! schedule, whether a certificate satisfies the template, and the serving template built from
//! the node's addresses.

use std::net::{IpAddr, Ipv4Addr};

use der::Decode as _;

use crate::pki::certificate::Certificate;
use crate::time::{Duration, Instant};

/// The wait for one CSR on the rotation path (`certificateWaitTimeout`).
pub const ROTATION_WAIT: Duration = Duration::from_mins(15);
/// The wait for the CSR on the legacy path (`3600 * time.Second`).
pub const LEGACY_WAIT: Duration = Duration::from_hours(1);
/// The first back-off sleep after a failed rotation attempt.
pub const BACKOFF_INITIAL: Duration = Duration::from_secs(2);
/// Attempts in one back-off round (`Steps: 5`); the sleeps between them are 2, 4, 8 and 16 s.
pub const BACKOFF_STEPS: u32 = 5;
/// The back-off jitter factor: a sleep `d` becomes `d + r·0.1·d`.
pub const BACKOFF_JITTER: f64 = 0.1;
/// Once a back-off round is exhausted, the attempt interval (`wait.PollInfinite(32s)`).
pub const POLL_INTERVAL: Duration = Duration::from_secs(32);
/// The manager loop's period between iterations (`wait.Until(…, time.Second)`).
pub const LOOP_PERIOD: Duration = Duration::from_secs(1);
/// How often the transport checks the current certificate.
pub const TRANSPORT_PERIOD: Duration = Duration::from_secs(10);
/// How long the transport tolerates having no valid client certificate (`exitAfter`).
pub const EXIT_AFTER: Duration = Duration::from_mins(5);

/// `jitteryDuration`: `wait.Jitter(D, 0.2) − 0.3·D` with Go's float arithmetic, i.e.
/// `D·(0.7 + 0.2·r)` for `r` in `[0, 1)`.
pub fn jittery_duration(total: Duration, r: f64) -> Duration {
    let total_f = total.as_nanos() as f64;
    let jittered = total + Duration::from_nanos_f64(r * 0.2 * total_f);
    jittered - Duration::from_nanos_f64(total_f * 0.3)
}

/// The rotation deadline of a certificate valid from `not_before` to `not_after`:
/// `NotBefore + D·(0.7 + 0.2·r)`, in `[70 %, 90 %]` of the lifetime.
///
/// ```
/// use kube_tls_bootstrap::kubelet::rotation::rotation_deadline;
/// use kube_tls_bootstrap::time::{Duration, Instant};
/// let nb = Instant::from_unix(0, 0);
/// let na = nb + Duration::from_hours(100);
/// assert_eq!(rotation_deadline(nb, na, 0.0), nb + Duration::from_hours(70));
/// assert_eq!(rotation_deadline(nb, na, 0.5), nb + Duration::from_hours(80));
/// ```
pub fn rotation_deadline(not_before: Instant, not_after: Instant, r: f64) -> Instant {
    not_before + jittery_duration(not_after - not_before, r)
}

/// `wait.Jitter(d, 0.1)`: `d + r·0.1·d`.
pub fn backoff_sleep(step: u32, r: f64) -> Duration {
    let d = Duration::from_nanos(
        BACKOFF_INITIAL
            .as_nanos()
            .saturating_mul(1i64 << step.min(30)),
    );
    d + Duration::from_nanos_f64(r * BACKOFF_JITTER * d.as_nanos() as f64)
}

/// A caller-seeded source of the uniform `r ∈ [0, 1)` Go draws from `math/rand` for the
/// deadline and back-off jitter (SplitMix64). The library never draws randomness itself: the
/// caller seeds it (from the OS, or a fixed seed for reproducible runs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Jitter {
    state: u64,
}

impl Jitter {
    /// A generator seeded with `seed`.
    pub fn from_seed(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next `r` in `[0, 1)`.
    pub fn next_unit(&mut self) -> f64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// What the manager requests: the subject and, for serving certificates, the SANs (client-go's
/// `x509.CertificateRequest` template).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    /// The subject CN.
    pub common_name: String,
    /// The subject O values.
    pub organization: Vec<String>,
    /// DNS SANs, sorted.
    pub dns_names: Vec<String>,
    /// IP SANs, sorted by their text.
    pub ip_addresses: Vec<IpAddr>,
}

impl Template {
    /// The kubelet client template: `CN=system:node:<node>`, `O=system:nodes`.
    pub fn client(node_name: &str) -> Self {
        Self {
            common_name: format!("{}{node_name}", crate::identity::NODE_USER_PREFIX),
            organization: vec![crate::identity::NODES_GROUP.to_owned()],
            dns_names: Vec::new(),
            ip_addresses: Vec::new(),
        }
    }

    /// The serving template (`newGetTemplateFn`): the client subject plus the SANs of the node's
    /// addresses; `None` without an IP address (or, with `allow_dns_only` — the
    /// `AllowDNSOnlyNodeCSR` feature gate — without any address).
    pub fn serving(
        node_name: &str,
        addresses: &[NodeAddress],
        allow_dns_only: bool,
    ) -> Option<Self> {
        let (dns_names, ip_addresses) = addresses_to_hostnames_and_ips(addresses);
        let has_required = !ip_addresses.is_empty() || (allow_dns_only && !dns_names.is_empty());
        has_required.then(|| Self {
            dns_names,
            ip_addresses,
            ..Self::client(node_name)
        })
    }

    /// `certSatisfiesTemplateLocked`: the leaf's CN equals the template's and it carries every
    /// template DNS name, IP and O (extra ones are fine). `Err` is the manager's log text after
    /// `<name>: `.
    pub fn satisfied_by(&self, leaf: &Certificate) -> Result<(), String> {
        let subject = leaf.subject();
        if subject.common_name != self.common_name {
            return Err(format!(
                "Current certificate CN ({}) does not match requested CN ({})",
                subject.common_name, self.common_name
            ));
        }
        // Parsing the SAN extension means decoding the certificate again: only when the
        // template asks for SANs (serving certificates).
        let (dns, ips) = if self.dns_names.is_empty() && self.ip_addresses.is_empty() {
            (Vec::new(), Vec::new())
        } else {
            leaf_sans(leaf)
        };
        let missing = |want: &[String], have: &[String]| -> Vec<String> {
            let mut m: Vec<String> = want.iter().filter(|w| !have.contains(w)).cloned().collect();
            m.sort();
            m.dedup();
            m
        };
        let missing_dns = missing(&self.dns_names, &dns);
        if !missing_dns.is_empty() {
            return Err(format!(
                "Current certificate is missing requested DNS names [{}]",
                missing_dns.join(" ")
            ));
        }
        let want_ips: Vec<String> = self.ip_addresses.iter().map(go_ip_string).collect();
        let have_ips: Vec<String> = ips.iter().map(go_ip_string).collect();
        let missing_ips = missing(&want_ips, &have_ips);
        if !missing_ips.is_empty() {
            return Err(format!(
                "Current certificate is missing requested IP addresses [{}]",
                missing_ips.join(" ")
            ));
        }
        let missing_orgs = missing(&self.organization, &subject.organization);
        if !missing_orgs.is_empty() {
            return Err(format!(
                "Current certificate is missing requested orgs [{}]",
                missing_orgs.join(" ")
            ));
        }
        Ok(())
    }
}

/// A `v1.NodeAddress` of the node's status.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NodeAddress {
    /// `Hostname`, `ExternalIP`, `InternalIP`, `ExternalDNS`, `InternalDNS`.
    #[serde(rename = "type")]
    pub type_: String,
    /// The address.
    pub address: String,
}

impl NodeAddress {
    /// An address of `type_`.
    pub fn new(type_: &str, address: &str) -> Self {
        Self {
            type_: type_.to_owned(),
            address: address.to_owned(),
        }
    }
}

/// `addressesToHostnamesAndIPs`: `Hostname` is an IP SAN when it parses as an IP, else a DNS
/// SAN; `ExternalIP`/`InternalIP` are IP SANs when they parse; `ExternalDNS`/`InternalDNS` are
/// DNS SANs; empty addresses skipped; de-duplicated by their text; DNS names sorted, IPs sorted
/// by Go's text form.
pub fn addresses_to_hostnames_and_ips(addresses: &[NodeAddress]) -> (Vec<String>, Vec<IpAddr>) {
    let mut dns: Vec<String> = Vec::new();
    let mut ip_texts: Vec<String> = Vec::new();
    for a in addresses {
        if a.address.is_empty() {
            continue;
        }
        match a.type_.as_str() {
            "Hostname" => {
                if parse_ip_sloppy(&a.address).is_some() {
                    ip_texts.push(a.address.clone());
                } else {
                    dns.push(a.address.clone());
                }
            }
            // An address that is not an IP is dropped where the texts are parsed below.
            "ExternalIP" | "InternalIP" => ip_texts.push(a.address.clone()),
            "ExternalDNS" | "InternalDNS" => dns.push(a.address.clone()),
            _ => {}
        }
    }
    dns.sort();
    dns.dedup();
    ip_texts.sort();
    ip_texts.dedup();
    let mut ips: Vec<IpAddr> = ip_texts.iter().filter_map(|t| parse_ip_sloppy(t)).collect();
    ips.sort_by_key(go_ip_string);
    (dns, ips)
}

/// `netutils.ParseIPSloppy`: Go's `net.ParseIP` that also accepts IPv4 parts with leading zeros
/// (read as decimal); IPv4-mapped IPv6 addresses become IPv4, as Go's `To4` makes them.
pub fn parse_ip_sloppy(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        });
    }
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut octets = [0u8; 4];
    for (o, p) in octets.iter_mut().zip(parts) {
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *o = p.parse().ok()?;
    }
    Some(IpAddr::V4(Ipv4Addr::from(octets)))
}

/// Go's `net.IP.String()`.
pub fn go_ip_string(ip: &IpAddr) -> String {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map_or_else(|| v6.to_string(), |v4| v4.to_string()),
        IpAddr::V4(v4) => v4.to_string(),
    }
}

/// The DNS and IP SANs of a certificate (none when it has no SAN extension or it does not
/// parse).
pub fn leaf_sans(leaf: &Certificate) -> (Vec<String>, Vec<IpAddr>) {
    use x509_cert::ext::pkix::SubjectAltName;
    use x509_cert::ext::pkix::name::GeneralName;
    let mut dns = Vec::new();
    let mut ips = Vec::new();
    let Ok(cert) = x509_cert::Certificate::from_der(leaf.der()) else {
        return (dns, ips);
    };
    for ext in cert.tbs_certificate().extensions().into_iter().flatten() {
        if ext.extn_id != const_oid::db::rfc5280::ID_CE_SUBJECT_ALT_NAME {
            continue;
        }
        let Ok(san) = SubjectAltName::from_der(ext.extn_value.as_bytes()) else {
            continue;
        };
        for name in san.0 {
            match name {
                GeneralName::DnsName(d) => dns.push(d.to_string()),
                GeneralName::IpAddress(o) => match o.as_bytes().len() {
                    4 => {
                        let mut b = [0u8; 4];
                        b.copy_from_slice(o.as_bytes());
                        ips.push(IpAddr::from(b));
                    }
                    16 => {
                        let mut b = [0u8; 16];
                        b.copy_from_slice(o.as_bytes());
                        ips.push(IpAddr::from(b));
                    }
                    _ => {}
                },
                _ => {}
            }
        }
    }
    (dns, ips)
}

/// Go's `time.Time.String()` of a UTC instant with its fraction: `2027-09-25 12:34:56.5 +0000 UTC`.
pub fn go_time(t: Instant) -> String {
    crate::go::instant_string(t)
}
