//! kube-apiserver's client-certificate authenticator (PROTOCOL §7.4,
//! k/k `staging/src/k8s.io/apiserver/pkg/authentication/request/x509/x509.go`): the chain is
//! verified against the `--client-ca-file` bundle with Go's `x509.Verify` rules that matter
//! here (validity of the leaf and of each intermediate, intermediates taken from the rest of the
//! chain and marked as CAs, a path to one of the bundle's CAs, client-auth extended key usage on
//! the leaf), then `CN` → user and `O` → groups.

use std::fmt;

use const_oid::ObjectIdentifier;

use crate::identity::UserInfo;
use crate::pki::Certificate;
use crate::time::Instant;

const EKU_ANY: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37.0");
const EKU_CLIENT_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2");

/// Why a client certificate was refused. `Display` is the error kube-apiserver logs (the client
/// only sees 401 `Unauthorized`): `verifying certificate SN=…, SKID=…, AKID=… failed: <Go's
/// x509 error>`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientCertificateError {
    /// `SN=<decimal>, SKID=<hex>, AKID=<hex>` of the leaf (empty when it did not parse).
    pub identifier: String,
    /// What went wrong.
    pub kind: ClientCertificateErrorKind,
}

/// The Go `crypto/x509` error behind a [`ClientCertificateError`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientCertificateErrorKind {
    /// The leaf does not parse.
    Parse(String),
    /// `now` is outside the leaf's validity: `current time <now> is after|before <bound>`.
    Expired(String),
    /// No path from the leaf to a CA of the bundle (unknown issuer, a signature that does not
    /// verify, an intermediate that is not a CA or not valid now).
    UnknownAuthority,
    /// The leaf's extended key usages exclude client authentication.
    IncompatibleUsage,
}

impl fmt::Display for ClientCertificateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let detail = match &self.kind {
            ClientCertificateErrorKind::Parse(e) => return f.write_str(e),
            ClientCertificateErrorKind::Expired(d) => {
                format!("x509: certificate has expired or is not yet valid: {d}")
            }
            ClientCertificateErrorKind::UnknownAuthority => {
                "x509: certificate signed by unknown authority".to_owned()
            }
            ClientCertificateErrorKind::IncompatibleUsage => {
                "x509: certificate specifies an incompatible key usage".to_owned()
            }
        };
        write!(
            f,
            "verifying certificate {} failed: {detail}",
            self.identifier
        )
    }
}

impl std::error::Error for ClientCertificateError {}

/// The longest path tried from a leaf to a CA of the bundle: the leaf, up to this many
/// intermediates, the CA.
const MAX_INTERMEDIATES: usize = 4;

/// Authenticates a TLS client certificate chain (leaf first, then the intermediates the client
/// sent, DER) against the client CA bundle `roots` at `now`: `Ok(None)` when there is no
/// certificate or its CN is empty (the request falls through to the next authenticator),
/// `Ok(Some(user))` with `system:authenticated` appended, or the refusal.
///
/// A path is accepted when each certificate's issuer name is the next one's subject and its
/// signature verifies with the next one's key, every intermediate is a CA and valid at `now`,
/// and the path ends at a CA of the bundle (whose own validity is not checked). Certificates the
/// client sent that do not parse are ignored as intermediates, as Go's pool ignores them.
pub fn authenticate_client_certificate(
    chain: &[Vec<u8>],
    roots: &[Certificate],
    now: Instant,
) -> Result<Option<UserInfo>, ClientCertificateError> {
    let Some(leaf_der) = chain.first() else {
        return Ok(None);
    };
    let leaf = Certificate::from_der(leaf_der).map_err(|e| ClientCertificateError {
        identifier: String::new(),
        kind: ClientCertificateErrorKind::Parse(e.to_string()),
    })?;
    let fail = |kind| ClientCertificateError {
        identifier: identifier(&leaf),
        kind,
    };
    let t = now.timestamp();
    if t < leaf.not_before() {
        return Err(fail(ClientCertificateErrorKind::Expired(format!(
            "current time {} is before {}",
            t.to_rfc3339(),
            leaf.not_before().to_rfc3339()
        ))));
    }
    if t > leaf.not_after() {
        return Err(fail(ClientCertificateErrorKind::Expired(format!(
            "current time {} is after {}",
            t.to_rfc3339(),
            leaf.not_after().to_rfc3339()
        ))));
    }
    let intermediates: Vec<Certificate> = chain
        .get(1..)
        .unwrap_or_default()
        .iter()
        .filter_map(|der| Certificate::from_der(der).ok())
        .collect();
    if !leads_to_root(&leaf, &intermediates, roots, now, MAX_INTERMEDIATES) {
        return Err(fail(ClientCertificateErrorKind::UnknownAuthority));
    }
    if let Some(ekus) = leaf.extended_key_usages()
        && !ekus.iter().any(|o| *o == EKU_CLIENT_AUTH || *o == EKU_ANY)
    {
        return Err(fail(ClientCertificateErrorKind::IncompatibleUsage));
    }
    let subject = leaf.subject();
    if subject.common_name.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        UserInfo::new(subject.common_name, subject.organization).with_authenticated_group(),
    ))
}

/// Whether `cert` was issued by a CA of `roots`, or by an intermediate (a valid CA at `now`)
/// that itself leads to one within `budget` more intermediates.
fn leads_to_root(
    cert: &Certificate,
    intermediates: &[Certificate],
    roots: &[Certificate],
    now: Instant,
    budget: usize,
) -> bool {
    let issued_by = |issuer: &Certificate| {
        cert.issuer_der() == issuer.subject_der() && cert.check_signed_by(issuer).is_ok()
    };
    if roots.iter().any(issued_by) {
        return true;
    }
    let t = now.timestamp();
    budget > 0
        && intermediates.iter().any(|i| {
            i.is_ca()
                && i.not_before() <= t
                && t <= i.not_after()
                && i.der() != cert.der()
                && issued_by(i)
                && leads_to_root(i, intermediates, roots, now, budget - 1)
        })
}

/// `certificateIdentifier`: `SN=<decimal>, SKID=<AA:BB…>, AKID=<AA:BB…>`.
fn identifier(c: &Certificate) -> String {
    format!(
        "SN={}, SKID={}, AKID={}",
        decimal(c.serial_number()),
        colon_hex(c.subject_key_id().unwrap_or_default()),
        colon_hex(c.authority_key_id().unwrap_or_default())
    )
}

fn colon_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// A big-endian unsigned integer in decimal (Go's `%d` of a `*big.Int`; serials here are
/// positive).
fn decimal(bytes: &[u8]) -> String {
    let mut digits = Vec::new();
    let mut n: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    while !n.is_empty() {
        let mut rem = 0u32;
        for b in &mut n {
            let cur = (rem << 8) | u32::from(*b);
            // cur < 10 * 256, so the quotient fits in a byte.
            *b = u8::try_from(cur / 10).unwrap_or(u8::MAX);
            rem = cur % 10;
        }
        // rem < 10.
        digits.push(b'0' + u8::try_from(rem).unwrap_or(0));
        let zeros = n.iter().take_while(|b| **b == 0).count();
        n.drain(..zeros);
    }
    if digits.is_empty() {
        return "0".to_owned();
    }
    digits.reverse();
    String::from_utf8(digits).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_of_big_serials() {
        assert_eq!(decimal(&[]), "0");
        assert_eq!(decimal(&[0x01, 0x00]), "256");
        assert_eq!(
            decimal(&[0xff; 16]),
            "340282366920938463463374607431768211455"
        );
        assert_eq!(colon_hex(&[0xab, 0x01]), "AB:01");
    }
}
