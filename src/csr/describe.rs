//! `kubectl describe csr`, byte for byte (k8s.io/kubectl `pkg/describe`,
//! `describeCertificateSigningRequest`).

use std::collections::BTreeMap;
use std::net::IpAddr;

use super::kubectl::{condition, human_duration};
use super::types::CertificateSigningRequest;
use crate::pki::{RequestError, UnverifiedRequest};
use crate::time::Timestamp;

/// Why kubectl cannot describe the object: `spec.request` does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Error parsing CSR: {0}")]
pub struct DescribeError(pub RequestError);

/// What `kubectl describe csr NAME` prints for `csr`, with the events kubectl found for it
/// (`(type, reason, age, from, message)`; none prints `Events:  <none>`).
///
/// The layout is Go's `text/tabwriter` over kubectl's lines, so the subject's fields share their
/// first (empty) column with the `Events:` line that follows them and are indented by its width.
///
/// Times print as Go's `time.RFC1123Z` in UTC, as kubectl prints them with `TZ=UTC`. The request is
/// parsed but not verified, as kubectl's `certificate.ParseCSR` does.
///
/// ```
/// use kube_tls_bootstrap::csr::{CertificateSigningRequest, describe};
/// use kube_tls_bootstrap::pki::{PrivateKey, kubelet};
/// use kube_tls_bootstrap::time::Timestamp;
/// let key = PrivateKey::ecdsa_p256_from_random_bytes(&[7; 32]).unwrap();
/// let mut csr = CertificateSigningRequest::new("node-csr-x");
/// csr.spec.request = kubelet::client_csr_pem(&key, "node-1").unwrap().into_bytes();
/// csr.spec.username = "kubelet-bootstrap".into();
/// csr.spec.signer_name = "kubernetes.io/kube-apiserver-client-kubelet".into();
/// csr.metadata.creation_timestamp = Some(Timestamp::parse_rfc3339("2026-12-01T09:00:00Z").unwrap());
/// assert_eq!(describe::describe(&csr, &[]).unwrap(), "\
/// Name:               node-csr-x
/// Labels:             <none>
/// Annotations:        <none>
/// CreationTimestamp:  Tue, 01 Dec 2026 09:00:00 +0000
/// Requesting User:    kubelet-bootstrap
/// Signer:             kubernetes.io/kube-apiserver-client-kubelet
/// Status:             Pending
/// Subject:
///          Common Name:    system:node:node-1
///          Serial Number:  
///          Organization:   system:nodes
/// Events:  <none>
/// ");
/// ```
pub fn describe(
    csr: &CertificateSigningRequest,
    events: &[Event],
) -> Result<String, DescribeError> {
    let request = UnverifiedRequest::from_pem(&csr.spec.request).map_err(DescribeError)?;
    let request = request.unverified();
    let subject = request.subject();
    let meta = &csr.metadata;
    let mut lines = vec![
        format!("Name:\t{}", meta.name),
        format!("Labels:\t{}", format_labels(&meta.labels)),
        format!("Annotations:\t{}", format_labels(&meta.annotations)),
        format!(
            "CreationTimestamp:\t{}",
            rfc1123z(meta.creation_timestamp.unwrap_or(GO_ZERO_TIME))
        ),
        format!("Requesting User:\t{}", csr.spec.username),
    ];
    if !csr.spec.signer_name.is_empty() {
        lines.push(format!("Signer:\t{}", csr.spec.signer_name));
    }
    if let Some(seconds) = csr.spec.expiration_seconds {
        lines.push(format!(
            "Requested Duration:\t{}",
            human_duration(i64::from(seconds))
        ));
    }
    lines.push(format!("Status:\t{}", condition(csr)));
    lines.push("Subject:".to_owned());
    lines.push(format!("\tCommon Name:\t{}", subject.common_name));
    lines.push(format!("\tSerial Number:\t{}", subject.serial_number));
    push_list(&mut lines, "Organization", &subject.organization);
    push_list(
        &mut lines,
        "Organizational Unit",
        &subject.organizational_unit,
    );
    push_list(&mut lines, "Country", &subject.country);
    push_list(&mut lines, "Locality", &subject.locality);
    push_list(&mut lines, "Province", &subject.province);
    push_list(&mut lines, "StreetAddress", &subject.street_address);
    push_list(&mut lines, "PostalCode", &subject.postal_code);
    let sans = request.subject_alt_names();
    let count = sans.dns_names.len()
        + sans.email_addresses.len()
        + sans.ip_addresses.len()
        + sans.uris.len();
    if count > 0 {
        lines.push("Subject Alternative Names:".to_owned());
        push_list(&mut lines, "DNS Names", &sans.dns_names);
        push_list(&mut lines, "Email Addresses", &sans.email_addresses);
        push_list(&mut lines, "URIs", &sans.uris);
        let ips: Vec<String> = sans.ip_addresses.iter().map(go_ip_string).collect();
        push_list(&mut lines, "IP Addresses", &ips);
    }
    if events.is_empty() {
        lines.push("Events:\t<none>".to_owned());
    } else {
        lines.push("Events:".to_owned());
        lines.push("  Type\tReason\tAge\tFrom\tMessage".to_owned());
        lines.push("  ----\t------\t----\t----\t-------".to_owned());
        for e in events {
            lines.push(format!(
                "  {}\t{}\t{}\t{}\t{}",
                e.type_,
                e.reason,
                e.age,
                e.from,
                e.message.trim()
            ));
        }
    }
    // kubectl's tabbedString: tabwriter with minwidth 0, tabwidth 8, padding 2.
    let mut joined = Vec::with_capacity(lines.len());
    for line in lines {
        // A multi-valued list is one Write with embedded newlines: split it into lines.
        joined.extend(line.split('\n').map(str::to_owned));
    }
    Ok(crate::go::tabwrite(&joined, 0, 2))
}

/// One event row of `describe`, already formatted as kubectl shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Event {
    /// `Normal` or `Warning`.
    pub type_: String,
    /// The event's reason.
    pub reason: String,
    /// The AGE cell (e.g. `5m`, or `2m (x3 over 5m)`).
    pub age: String,
    /// The source (`csrapproving`, `kubelet`, …).
    pub from: String,
    /// The message.
    pub message: String,
}

/// Go's zero `time.Time`, printed when an object has no creationTimestamp.
const GO_ZERO_TIME: Timestamp = Timestamp::from_unix(-62_135_596_800);

/// kubectl's `printListHelper`: `\t<name>:\t` then the values joined by `\n\t\t`.
fn push_list(lines: &mut Vec<String>, name: &str, values: &[String]) {
    if values.is_empty() {
        return;
    }
    lines.push(format!("\t{name}:\t{}", values.join("\n\t\t")));
}

/// `labels.FormatLabels`: `k=v` sorted by key, joined by `,`; `<none>` when empty.
fn format_labels(labels: &BTreeMap<String, String>) -> String {
    if labels.is_empty() {
        return "<none>".to_owned();
    }
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Go's `net.IP.String()`: an IPv4-mapped IPv6 address prints as IPv4.
fn go_ip_string(ip: &IpAddr) -> String {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map_or_else(|| v6.to_string(), |v4| v4.to_string()),
        IpAddr::V4(v4) => v4.to_string(),
    }
}

/// Go's `t.Format(time.RFC1123Z)` in UTC: `Mon, 02 Jan 2006 15:04:05 +0000`.
fn rfc1123z(t: Timestamp) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (y, mo, d, h, mi, s) = t.to_civil();
    // 1970-01-01 was a Thursday; rem_euclid keeps the index in [0, 7).
    let weekday = DAYS[t.unix().div_euclid(86_400).rem_euclid(7) as usize];
    let month = MONTHS[(mo as usize).saturating_sub(1) % 12];
    format!("{weekday}, {d:02} {month} {y:04} {h:02}:{mi:02}:{s:02} +0000")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1123z_matches_go() {
        assert_eq!(
            rfc1123z(Timestamp::from_unix(1_136_239_445)),
            "Mon, 02 Jan 2006 22:04:05 +0000"
        );
        assert_eq!(rfc1123z(GO_ZERO_TIME), "Mon, 01 Jan 0001 00:00:00 +0000");
        assert_eq!(
            rfc1123z(Timestamp::from_unix(-1)),
            "Wed, 31 Dec 1969 23:59:59 +0000"
        );
    }

    #[test]
    fn ips_print_as_go_prints_them() {
        assert_eq!(
            go_ip_string(&"::ffff:10.0.0.1".parse().unwrap()),
            "10.0.0.1"
        );
        assert_eq!(go_ip_string(&"2001:db8::1".parse().unwrap()), "2001:db8::1");
    }

    #[test]
    fn labels_sorted() {
        let mut m = BTreeMap::new();
        m.insert("b".to_owned(), "2".to_owned());
        m.insert("a".to_owned(), String::new());
        assert_eq!(format_labels(&m), "a=,b=2");
    }

    #[test]
    fn unparseable_requests_are_refused_with_kubectls_text() {
        let csr = CertificateSigningRequest::new("x");
        assert_eq!(
            describe(&csr, &[]).unwrap_err().to_string(),
            "Error parsing CSR: PEM block type must be CERTIFICATE REQUEST"
        );
    }
}
