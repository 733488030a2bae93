//! client-go's `csr.RequestCertificate` pieces: the CSR object the kubelet creates, and
//! `ensureCompatible`, the check that an existing CSR of the same name (create answered
//! `AlreadyExists`) is the one this kubelet would have sent.

use std::fmt::Write as _;

use crate::csr::{CertificateSigningRequest, Usage};
use crate::go;
use crate::pki::certificate::parse_certificates_pem;
use crate::pki::name::Name;
use crate::pki::pem;
use crate::pki::request::{KeyKind, PublicKey, UnverifiedRequest};
use crate::time::Timestamp;

/// The object `RequestCertificate` creates: `metadata.name` (or `generateName: csr-` when
/// `name` is empty), the PEM request, signer and usages; no `expirationSeconds` (the kubelet
/// passes no duration).
pub fn certificate_signing_request(
    name: &str,
    csr_pem: &[u8],
    signer_name: &str,
    usages: &[Usage],
) -> CertificateSigningRequest {
    let mut csr = CertificateSigningRequest::new(name);
    if name.is_empty() {
        csr.metadata.generate_name = "csr-".to_owned();
    }
    csr.spec.request = csr_pem.to_vec();
    csr.spec.signer_name = signer_name.to_owned();
    csr.spec.usages = usages.to_vec();
    csr
}

/// Why an existing CSR is not ours. `Display` is client-go's text (the kubelet prefixes it with
/// `retrieved csr is not compatible: `).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CompatibilityError {
    /// The server's object does not hold a parseable request.
    #[error("unable to parse new csr: {0}")]
    ParseNew(String),
    /// Our own object does not hold a parseable request.
    #[error("unable to parse original csr: {0}")]
    ParseOriginal(String),
    /// The subjects differ (each printed as Go's `%#v` of a `pkix.Name`).
    #[error("csr subjects differ: new: {new}, orig: {orig}")]
    Subjects {
        /// The existing object's subject.
        new: String,
        /// Ours.
        orig: String,
    },
    /// Both name a signer, and not the same.
    #[error("csr signerNames differ: new {}, orig: {}", go::quote(.new), go::quote(.orig))]
    SignerNames {
        /// The existing object's signer.
        new: String,
        /// Ours.
        orig: String,
    },
    /// The existing request is not signed by our key.
    #[error("error validating signature new CSR against old key: {0}")]
    Signature(String),
    /// The existing object's `status.certificate` does not parse.
    #[error("error parsing signed certificate for CSR: {0}")]
    Certificate(String),
    /// A certificate of the existing object has expired (Go's `time.Time.String()` of NotAfter).
    #[error("one of the certificates for the CSR has expired: {}", go::time_string(*.0))]
    Expired(Timestamp),
}

/// `ensureCompatible(new, orig, key)`: `existing` is the server's object, `ours` the one we
/// tried to create, `key` our public key, `now` the check's time.
///
/// Go points the parsed existing request at our key and runs `CheckSignature`. The same answer
/// comes from checking the request's own signature and that its key is ours: a request whose
/// embedded key is another key but whose signature verifies with ours could only have been
/// made with our private key.
pub fn ensure_compatible(
    existing: &CertificateSigningRequest,
    ours: &CertificateSigningRequest,
    key: &PublicKey,
    now: Timestamp,
) -> Result<(), CompatibilityError> {
    let new = parse_csr(&existing.spec.request).map_err(CompatibilityError::ParseNew)?;
    let orig = parse_csr(&ours.spec.request).map_err(CompatibilityError::ParseOriginal)?;
    if name_values(new.unverified().name()) != name_values(orig.unverified().name()) {
        return Err(CompatibilityError::Subjects {
            new: go_name(new.unverified().name()),
            orig: go_name(orig.unverified().name()),
        });
    }
    let (new_signer, orig_signer) = (&existing.spec.signer_name, &ours.spec.signer_name);
    if !new_signer.is_empty() && !orig_signer.is_empty() && new_signer != orig_signer {
        return Err(CompatibilityError::SignerNames {
            new: new_signer.clone(),
            orig: orig_signer.clone(),
        });
    }
    let same_key = new.unverified().public_key().marshal_pkix_der() == key.marshal_pkix_der();
    if !same_key || new.verify().is_err() {
        return Err(CompatibilityError::Signature(
            verification_failure(key.kind()).to_owned(),
        ));
    }
    if !existing.status.certificate.is_empty() {
        let certs = parse_certificates_pem(&existing.status.certificate)
            .map_err(|e| CompatibilityError::Certificate(e.to_string()))?;
        for c in certs {
            if now > c.not_after() {
                return Err(CompatibilityError::Expired(c.not_after()));
            }
        }
    }
    Ok(())
}

/// client-go's `parseCSR`: the first PEM block must be a `CERTIFICATE REQUEST`.
fn parse_csr(request: &[u8]) -> Result<UnverifiedRequest, String> {
    match pem::decode(request) {
        Some((block, _)) if block.label == "CERTIFICATE REQUEST" => {
            UnverifiedRequest::from_der(&block.contents).map_err(|e| e.to_string())
        }
        _ => Err("PEM block type must be CERTIFICATE REQUEST".to_owned()),
    }
}

/// Go's verification error for a signature that does not verify with a key of this kind.
fn verification_failure(kind: &KeyKind) -> &'static str {
    match kind {
        KeyKind::Rsa { .. } => "crypto/rsa: verification error",
        KeyKind::Ed25519 => "x509: Ed25519 verification failure",
        _ => "x509: ECDSA verification failure",
    }
}

/// What `reflect.DeepEqual` compares of two parsed `pkix.Name`s: every attribute in order, by
/// type and decoded value (a PrintableString and a UTF8String of the same text are equal).
fn name_values(name: &Name) -> Vec<(String, Result<String, Vec<u8>>)> {
    name.attributes()
        .map(|a| {
            (
                a.oid.to_string(),
                a.text.clone().ok_or_else(|| a.raw.clone()),
            )
        })
        .collect()
}

/// Go's `%#v` of a parsed `pkix.Name`.
pub(crate) fn go_name(name: &Name) -> String {
    let s = name.subject();
    let list = |v: &[String]| {
        if v.is_empty() {
            "[]string(nil)".to_owned()
        } else {
            let items: Vec<String> = v.iter().map(|x| go::quote(x)).collect();
            format!("[]string{{{}}}", items.join(", "))
        }
    };
    let mut out = String::from("pkix.Name{");
    // Writing to a String cannot fail.
    let _ = write!(
        out,
        "Country:{}, Organization:{}, OrganizationalUnit:{}, Locality:{}, Province:{}, \
         StreetAddress:{}, PostalCode:{}, SerialNumber:{}, CommonName:{}, Names:",
        list(&s.country),
        list(&s.organization),
        list(&s.organizational_unit),
        list(&s.locality),
        list(&s.province),
        list(&s.street_address),
        list(&s.postal_code),
        go::quote(&s.serial_number),
        go::quote(&s.common_name),
    );
    let attributes: Vec<String> = name
        .attributes()
        .map(|a| {
            let arcs: Vec<String> = a.oid.arcs().map(|n| n.to_string()).collect();
            let value = match &a.text {
                Some(t) => go::quote(t),
                None => {
                    let bytes: Vec<String> = a.raw.iter().map(|b| format!("0x{b:x}")).collect();
                    format!("[]uint8{{{}}}", bytes.join(", "))
                }
            };
            format!(
                "pkix.AttributeTypeAndValue{{Type:asn1.ObjectIdentifier{{{}}}, Value:{value}}}",
                arcs.join(", ")
            )
        })
        .collect();
    if attributes.is_empty() {
        out.push_str("[]pkix.AttributeTypeAndValue(nil)");
    } else {
        let _ = write!(
            out,
            "[]pkix.AttributeTypeAndValue{{{}}}",
            attributes.join(", ")
        );
    }
    out.push_str(", ExtraNames:[]pkix.AttributeTypeAndValue(nil)}");
    out
}
