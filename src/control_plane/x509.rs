//! kube-apiserver's client-certificate authenticator (PROTOCOL §7.4,
//! k/k `staging/src/k8s.io/apiserver/pkg/authentication/request/x509/x509.go`): the chain is
//! verified against `--client-ca-file` with Go's `x509.Verify` rules that matter here (validity
//! of the leaf, issued by the CA, client-auth extended key usage), then `CN` → user and `O` →
//! groups.

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
    /// Not issued by the client CA (or its signature does not verify).
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

/// Authenticates a TLS client certificate chain (leaf first, DER) against the client CA at
/// `now`: `Ok(None)` when there is no certificate or its CN is empty (the request falls through
/// to the next authenticator), `Ok(Some(user))` with `system:authenticated` appended, or the
/// refusal.
///
/// Only chains whose leaf the CA signed directly are accepted (no intermediates), and the CA's
/// own validity is not checked.
pub fn authenticate_client_certificate(
    chain: &[Vec<u8>],
    client_ca: &Certificate,
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
    if leaf.issuer_der() != client_ca.subject_der() || leaf.check_signed_by(client_ca).is_err() {
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
