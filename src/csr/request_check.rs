//! The two checks validation delegates to X.509: the request in `spec.request` and the chain in
//! `status.certificate`. Each is one call, so the PKI layer's parser is the single source of
//! truth for what Go's `crypto/x509` accepts.

use der::Decode as _;
use der::Encode as _;
use x509_cert::request::CertReq;

/// Kubernetes' `validateCSR`: the first PEM block must be `CERTIFICATE REQUEST`, parse as
/// PKCS#10 and carry a valid self-signature. The error text is what Kubernetes prints.
pub(super) fn check_request(request: &[u8]) -> Result<(), String> {
    const WRONG_TYPE: &str = "PEM block type must be CERTIFICATE REQUEST";
    let (label, der) = first_pem_block(request).ok_or(WRONG_TYPE)?;
    if label != "CERTIFICATE REQUEST" {
        return Err(WRONG_TYPE.to_owned());
    }
    let req = CertReq::from_der(&der).map_err(|e| format!("asn1: {e}"))?;
    let tbs = req.info.to_der().map_err(|e| format!("asn1: {e}"))?;
    let key = req
        .info
        .public_key
        .subject_public_key
        .as_bytes()
        .ok_or("x509: invalid public key")?;
    let sig = req.signature.as_bytes().ok_or("x509: invalid signature")?;
    let alg = req.algorithm.oid;
    use const_oid::db::rfc5912 as oids;
    use ring::signature as rs;
    let params: &dyn rs::VerificationAlgorithm = match alg {
        a if a == oids::ECDSA_WITH_SHA_256 => &rs::ECDSA_P256_SHA256_ASN1,
        a if a == oids::ECDSA_WITH_SHA_384 => &rs::ECDSA_P384_SHA384_ASN1,
        a if a == oids::SHA_256_WITH_RSA_ENCRYPTION => &rs::RSA_PKCS1_2048_8192_SHA256,
        a if a == oids::SHA_384_WITH_RSA_ENCRYPTION => &rs::RSA_PKCS1_2048_8192_SHA384,
        a if a == oids::SHA_512_WITH_RSA_ENCRYPTION => &rs::RSA_PKCS1_2048_8192_SHA512,
        a if a == const_oid::db::rfc8410::ID_ED_25519 => &rs::ED25519,
        _ => return Err("x509: cannot verify signature: algorithm unimplemented".to_owned()),
    };
    rs::UnparsedPublicKey::new(params, key)
        .verify(&tbs, sig)
        .map_err(|_| "x509: ECDSA verification failure".to_owned())
}

/// Kubernetes' `validateCertificate` for a non-empty `status.certificate`.
pub(super) fn check_certificate(pem: &[u8]) -> Result<(), String> {
    let mut rest = pem;
    let mut blocks = 0;
    while let Some((label, headers, der, after)) = next_pem_block(rest) {
        if label != "CERTIFICATE" {
            return Err(format!(
                "only CERTIFICATE PEM blocks are allowed, found {}",
                super::field::go_quote(&label)
            ));
        }
        if headers {
            return Err("no PEM block headers are permitted".to_owned());
        }
        blocks += 1;
        if der.is_empty() {
            return Err("found CERTIFICATE PEM block containing 0 certificates".to_owned());
        }
        x509_cert::Certificate::from_der(&der).map_err(|e| format!("asn1: {e}"))?;
        rest = after;
    }
    if blocks == 0 {
        return Err("must contain at least one CERTIFICATE PEM block".to_owned());
    }
    Ok(())
}

fn first_pem_block(data: &[u8]) -> Option<(String, Vec<u8>)> {
    next_pem_block(data).map(|(l, _, d, _)| (l, d))
}

fn next_pem_block(data: &[u8]) -> Option<(String, bool, Vec<u8>, &[u8])> {
    use base64::Engine as _;
    let text = std::str::from_utf8(data).ok()?;
    let start = text.find("-----BEGIN ")?;
    let after_begin = &text[start + 11..];
    let (label, body) = after_begin.split_once("-----")?;
    let end_marker = format!("-----END {label}-----");
    let end = body.find(&end_marker)?;
    let mut body_text = &body[..end];
    let mut has_headers = false;
    while let Some((line, rest)) = body_text.trim_start_matches(['\r', '\n']).split_once('\n')
        && line.contains(':')
    {
        has_headers = true;
        body_text = rest;
    }
    let b64: String = body_text.chars().filter(|c| !c.is_whitespace()).collect();
    let der = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    let consumed = start + 11 + label.len() + 5 + end + end_marker.len();
    Some((label.to_owned(), has_headers, der, &data[consumed..]))
}

/// The NotAfter of the first certificate in the first PEM block (of any type), as the cleaner
/// reads it; `None` when there is no block or it does not parse.
pub(super) fn first_certificate_not_after(pem: &[u8]) -> Option<crate::time::Timestamp> {
    let (_, der) = first_pem_block(pem)?;
    let cert = x509_cert::Certificate::from_der(&der).ok()?;
    let secs = cert
        .tbs_certificate()
        .validity()
        .not_after
        .to_unix_duration()
        .as_secs();
    Some(crate::time::Timestamp::from_unix(i64::try_from(secs).ok()?))
}
