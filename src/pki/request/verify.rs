//! Proof of possession: Go's `checkSignature` with ring, and RustCrypto for the ECDSA pairs
//! ring lacks.

use super::{KeyKind, PublicKey, RequestError, SignatureAlgorithm};
use der::Decode as _;
use der::asn1::UintRef;

/// Go's `checkSignature(algo, signed, signature, publicKey, allowSHA1 = true)`.
pub(crate) fn check_signature(
    algorithm: SignatureAlgorithm,
    signed: &[u8],
    signature: &[u8],
    key: &PublicKey,
) -> Result<(), RequestError> {
    use SignatureAlgorithm as A;
    use ring::signature as rs;

    let unimplemented = || {
        RequestError::UnsupportedAlgorithm(
            "x509: cannot verify signature: algorithm unimplemented".into(),
        )
    };
    match algorithm {
        A::Md5WithRsa => {
            return Err(RequestError::UnsupportedAlgorithm(
                "x509: cannot verify signature: insecure algorithm MD5-RSA".into(),
            ));
        }
        A::Unknown | A::Md2WithRsa => return Err(unimplemented()),
        _ => {}
    }
    let expected_key = match algorithm {
        A::EcdsaWithSha1 | A::EcdsaWithSha256 | A::EcdsaWithSha384 | A::EcdsaWithSha512 => "ECDSA",
        A::Ed25519 => "Ed25519",
        A::DsaWithSha1 | A::DsaWithSha256 => "DSA",
        _ => "RSA",
    };
    let (actual_key, go_type) = match key.kind {
        KeyKind::Rsa { .. } => ("RSA", "*rsa.PublicKey"),
        KeyKind::EcdsaP224 | KeyKind::EcdsaP256 | KeyKind::EcdsaP384 | KeyKind::EcdsaP521 => {
            ("ECDSA", "*ecdsa.PublicKey")
        }
        KeyKind::Ed25519 => ("Ed25519", "ed25519.PublicKey"),
        // Go never verifies DSA, and has no key object for unknown algorithms.
        KeyKind::Dsa | KeyKind::Other(_) => return Err(unimplemented()),
    };
    if expected_key != actual_key {
        let article = if expected_key == "ECDSA" { "an" } else { "a" };
        return Err(RequestError::Signature(format!(
            "x509: signature algorithm specifies {article} {expected_key} public key, but have public key of type {go_type}"
        )));
    }

    let ring_alg: &dyn rs::VerificationAlgorithm = match (&key.kind, algorithm) {
        (KeyKind::Rsa { .. }, A::Sha1WithRsa) => &rs::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
        (KeyKind::Rsa { .. }, A::Sha256WithRsa) => {
            &rs::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY
        }
        (KeyKind::Rsa { .. }, A::Sha384WithRsa) => &rs::RSA_PKCS1_2048_8192_SHA384,
        (KeyKind::Rsa { .. }, A::Sha512WithRsa) => {
            &rs::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY
        }
        (KeyKind::Rsa { .. }, A::Sha256WithRsaPss) => &rs::RSA_PSS_2048_8192_SHA256,
        (KeyKind::Rsa { .. }, A::Sha384WithRsaPss) => &rs::RSA_PSS_2048_8192_SHA384,
        (KeyKind::Rsa { .. }, A::Sha512WithRsaPss) => &rs::RSA_PSS_2048_8192_SHA512,
        (KeyKind::EcdsaP256, A::EcdsaWithSha256) => &rs::ECDSA_P256_SHA256_ASN1,
        (KeyKind::EcdsaP256, A::EcdsaWithSha384) => &rs::ECDSA_P256_SHA384_ASN1,
        (KeyKind::EcdsaP384, A::EcdsaWithSha256) => &rs::ECDSA_P384_SHA256_ASN1,
        (KeyKind::EcdsaP384, A::EcdsaWithSha384) => &rs::ECDSA_P384_SHA384_ASN1,
        (KeyKind::EcdsaP256 | KeyKind::EcdsaP384 | KeyKind::EcdsaP521, _) => {
            return verify_ecdsa_prehashed(&key.kind, algorithm, signed, signature, &key.key);
        }
        (KeyKind::Ed25519, A::Ed25519) => &rs::ED25519,
        // Combinations Go verifies but ring cannot (RSA below 1024 bits, P-224).
        _ => return Err(unimplemented()),
    };
    let failure = match actual_key {
        "RSA" => "crypto/rsa: verification error",
        "ECDSA" => "x509: ECDSA verification failure",
        _ => "x509: Ed25519 verification failure",
    };
    // ring's RSA ranges: 1024–8192 bits for PKCS#1 with SHA-1/256/512, 2048–8192 for SHA-384
    // and PSS. Go verifies outside them too; say so rather than report a bad signature.
    if let KeyKind::Rsa { bits } = key.kind {
        let min = match algorithm {
            A::Sha1WithRsa | A::Sha256WithRsa | A::Sha512WithRsa => 1024,
            _ => 2048,
        };
        if !(min..=8192).contains(&bits) {
            return Err(unimplemented());
        }
    }
    rs::UnparsedPublicKey::new(ring_alg, &key.key)
        .verify(signed, signature)
        .map_err(|_| RequestError::Signature(failure.into()))
}

/// ECDSA over a digest for the curve/hash pairs ring lacks (RustCrypto), as Go's
/// `ecdsa.VerifyASN1` does for any pair: the digest is truncated to the order's length.
fn verify_ecdsa_prehashed(
    kind: &KeyKind,
    algorithm: SignatureAlgorithm,
    signed: &[u8],
    signature: &[u8],
    point: &[u8],
) -> Result<(), RequestError> {
    use sha2::Digest as _;

    let failure = || RequestError::Signature("x509: ECDSA verification failure".into());
    let digest: Vec<u8> = match algorithm {
        SignatureAlgorithm::EcdsaWithSha1 => sha1::Sha1::digest(signed).to_vec(),
        SignatureAlgorithm::EcdsaWithSha256 => sha2::Sha256::digest(signed).to_vec(),
        SignatureAlgorithm::EcdsaWithSha384 => sha2::Sha384::digest(signed).to_vec(),
        SignatureAlgorithm::EcdsaWithSha512 => sha2::Sha512::digest(signed).to_vec(),
        _ => {
            return Err(RequestError::UnsupportedAlgorithm(
                "x509: cannot verify signature: algorithm unimplemented".into(),
            ));
        }
    };
    macro_rules! verify {
        ($curve:ident, $width:expr) => {{
            use $curve::ecdsa::signature::hazmat::PrehashVerifier as _;
            let key = $curve::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(|_| {
                RequestError::Parse("x509: failed to unmarshal elliptic curve point".into())
            })?;
            let (r, s) = ecdsa_scalars(signature, $width).ok_or_else(failure)?;
            let sig =
                $curve::ecdsa::Signature::from_slice(&[r, s].concat()).map_err(|_| failure())?;
            key.verify_prehash(&digest, &sig).map_err(|_| failure())
        }};
    }
    match kind {
        KeyKind::EcdsaP256 => verify!(p256, 32),
        KeyKind::EcdsaP384 => verify!(p384, 48),
        _ => verify!(p521, 66),
    }
}

/// Go's `elliptic.Unmarshal` rejects points that are not on the curve at parse time.
pub(super) fn point_on_curve(kind: &KeyKind, point: &[u8]) -> bool {
    match kind {
        KeyKind::EcdsaP256 => p256::PublicKey::from_sec1_bytes(point).is_ok(),
        KeyKind::EcdsaP384 => p384::PublicKey::from_sec1_bytes(point).is_ok(),
        KeyKind::EcdsaP521 => p521::PublicKey::from_sec1_bytes(point).is_ok(),
        // P-224 cannot be checked here (and cannot be verified either).
        _ => true,
    }
}

/// `ECDSA-Sig-Value`, as Go's `ecdsa.VerifyASN1` reads it: two non-negative INTEGERs and
/// nothing after them.
#[derive(der::Sequence)]
struct EcdsaSigValue<'a> {
    r: UintRef<'a>,
    s: UintRef<'a>,
}

/// The scalars of an `ECDSA-Sig-Value`, each left-padded to `width` bytes.
fn ecdsa_scalars(der: &[u8], width: usize) -> Option<(Vec<u8>, Vec<u8>)> {
    let sig = EcdsaSigValue::from_der(der).ok()?;
    let pad = |int: &UintRef<'_>| -> Option<Vec<u8>> {
        let bytes = int.as_bytes();
        let magnitude = &bytes[bytes.iter().take_while(|&&b| b == 0).count()..];
        if magnitude.len() > width {
            return None;
        }
        let mut out = vec![0u8; width - magnitude.len()];
        out.extend_from_slice(magnitude);
        Some(out)
    };
    Some((pad(&sig.r)?, pad(&sig.s)?))
}
