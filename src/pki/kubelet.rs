//! The kubelet's side: its certificate request (client-go `cert.MakeCSR`) and the usages it
//! asks for.
//!
//! The request is assembled here rather than by rcgen's `serialize_request` because rcgen
//! cannot say everything Go's `x509.CreateCertificateRequest` says: `rcgen::DistinguishedName`
//! keeps one value per attribute type (`push` replaces an earlier `O`), while a Go `pkix.Name`
//! writes every `Organization` and `OrganizationalUnit` value, each in its own RDN, in Go's
//! attribute order; and the request is signed with the algorithm Go picks for the key (SHA-384 /
//! SHA-512 with RSA keys of 3072 / 4096 bits and more), through this crate's deterministic signer.

use std::net::IpAddr;

use super::asn1::{self, tag};
use super::key::{CertificateSignatureAlgorithm, KeyError, PrivateKey};
use super::name::Subject;
use super::pem;
use super::request::{CERTIFICATE_REQUEST_BLOCK_TYPE, KeyKind, SubjectAltNames};
use super::usage::{KeyUsage, Usage};

/// The usages of a v1.27+ kubelet's legacy bootstrap path (`LoadClientCert`):
/// `digital signature`, `client auth`, and `key encipherment` appended last for RSA keys.
///
/// ```
/// use kube_tls_bootstrap::pki::{KeyKind, KeyUsage, kubelet};
/// assert_eq!(
///     kubelet::client_usages(&KeyKind::Rsa { bits: 2048 }),
///     [KeyUsage::DigitalSignature, KeyUsage::ClientAuth, KeyUsage::KeyEncipherment]
/// );
/// assert_eq!(kubelet::client_usages(&KeyKind::EcdsaP256).len(), 2);
/// ```
pub fn client_usages(key: &KeyKind) -> Vec<Usage> {
    let mut usages = vec![KeyUsage::DigitalSignature, KeyUsage::ClientAuth];
    if key.is_rsa() {
        usages.push(KeyUsage::KeyEncipherment);
    }
    usages.into_iter().map(Usage::Known).collect()
}

/// client-go's `DefaultKubeletClientGetUsages`, what the rotation path's certificate manager
/// requests: `key encipherment` (second) only for RSA keys. The manager always generates ECDSA
/// P-256 keys, so `["digital signature", "client auth"]` is what is sent.
///
/// ```
/// use kube_tls_bootstrap::pki::{KeyKind, KeyUsage, kubelet};
/// assert_eq!(
///     kubelet::rotation_client_usages(&KeyKind::Rsa { bits: 2048 }),
///     [KeyUsage::DigitalSignature, KeyUsage::KeyEncipherment, KeyUsage::ClientAuth]
/// );
/// assert_eq!(
///     kubelet::rotation_client_usages(&KeyKind::EcdsaP256),
///     [KeyUsage::DigitalSignature, KeyUsage::ClientAuth]
/// );
/// ```
pub fn rotation_client_usages(key: &KeyKind) -> Vec<Usage> {
    let usages: &[KeyUsage] = if key.is_rsa() {
        &[
            KeyUsage::DigitalSignature,
            KeyUsage::KeyEncipherment,
            KeyUsage::ClientAuth,
        ]
    } else {
        &[KeyUsage::DigitalSignature, KeyUsage::ClientAuth]
    };
    usages.iter().copied().map(Usage::Known).collect()
}

/// client-go's `DefaultKubeletServingGetUsages`: `["digital signature", "server auth"]`, with
/// `key encipherment` second for RSA keys.
pub fn serving_usages(key: &KeyKind) -> Vec<Usage> {
    let usages: &[KeyUsage] = if key.is_rsa() {
        &[
            KeyUsage::DigitalSignature,
            KeyUsage::KeyEncipherment,
            KeyUsage::ServerAuth,
        ]
    } else {
        &[KeyUsage::DigitalSignature, KeyUsage::ServerAuth]
    };
    usages.iter().copied().map(Usage::Known).collect()
}

/// The kubelet client request: `CN=system:node:<node_name>, O=system:nodes`, no SANs, as a
/// `CERTIFICATE REQUEST` PEM block (LF line endings).
pub fn client_csr_pem(key: &PrivateKey, node_name: &str) -> Result<String, KeyError> {
    make_csr_pem(
        key,
        &Subject::kubelet(node_name),
        &SubjectAltNames::default(),
    )
}

/// The kubelet serving request: the kubelet subject with DNS and IP SANs.
pub fn serving_csr_pem(
    key: &PrivateKey,
    node_name: &str,
    dns_names: &[String],
    ip_addresses: &[IpAddr],
) -> Result<String, KeyError> {
    let sans = SubjectAltNames {
        dns_names: dns_names.to_vec(),
        ip_addresses: ip_addresses.to_vec(),
        ..SubjectAltNames::default()
    };
    make_csr_pem(key, &Subject::kubelet(node_name), &sans)
}

/// Go's `x509.CreateCertificateRequest` with template `{Subject, SANs}`, as PEM.
pub fn make_csr_pem(
    key: &PrivateKey,
    subject: &Subject,
    sans: &SubjectAltNames,
) -> Result<String, KeyError> {
    make_csr_der(key, subject, sans).map(|der| pem::encode(CERTIFICATE_REQUEST_BLOCK_TYPE, &der))
}

/// Go's `x509.CreateCertificateRequest` with template `{Subject, SANs}`, as DER: subject in
/// Go's encoding, a non-critical SAN extension in an `extensionRequest` attribute when there
/// are SANs (no attributes otherwise), signed SHA-512/384/256 with RSA for moduli of at
/// least 4096/3072 bits/less, ECDSA-SHA256 for P-256, ECDSA-SHA384 for P-384, Ed25519.
pub fn make_csr_der(
    key: &PrivateKey,
    subject: &Subject,
    sans: &SubjectAltNames,
) -> Result<Vec<u8>, KeyError> {
    let algorithm = match key.public_key().kind() {
        KeyKind::Rsa { bits } if *bits >= 4096 => CertificateSignatureAlgorithm::Sha512WithRsa,
        KeyKind::Rsa { bits } if *bits >= 3072 => CertificateSignatureAlgorithm::Sha384WithRsa,
        _ => key.signature_algorithm(),
    };
    let mut info = vec![0x02, 0x01, 0x00];
    info.extend_from_slice(&subject.to_der());
    info.extend_from_slice(key.public_key().spki_der());
    let mut attributes = Vec::new();
    let has_sans = !(sans.dns_names.is_empty()
        && sans.email_addresses.is_empty()
        && sans.ip_addresses.is_empty()
        && sans.uris.is_empty());
    if has_sans {
        let mut ext = asn1::encode(tag::OID, super::request::OID_SAN.as_bytes());
        asn1::encode_into(
            &mut ext,
            tag::OCTET_STRING,
            &super::authority::encode_sans(sans),
        );
        let extensions = asn1::encode(tag::SEQUENCE, &asn1::encode(tag::SEQUENCE, &ext));
        let mut attribute = asn1::encode(tag::OID, OID_EXTENSION_REQUEST.as_bytes());
        asn1::encode_into(&mut attribute, tag::SET, &extensions);
        asn1::encode_into(&mut attributes, tag::SEQUENCE, &attribute);
    }
    asn1::encode_into(&mut info, tag::CONTEXT_0, &attributes);
    let info = asn1::encode(tag::SEQUENCE, &info);

    let signature = key.sign_with(algorithm, &info)?;
    let mut bits = vec![0u8];
    bits.extend_from_slice(&signature);
    let mut body = info;
    body.extend_from_slice(&algorithm.algorithm_identifier());
    asn1::encode_into(&mut body, tag::BIT_STRING, &bits);
    Ok(asn1::encode(tag::SEQUENCE, &body))
}

const OID_EXTENSION_REQUEST: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.14");
