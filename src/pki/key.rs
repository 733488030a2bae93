//! Private keys as the kubelet and kube-controller-manager load them (client-go
//! `keyutil.ParsePrivateKeyPEM`): PKCS#8 `PRIVATE KEY`, SEC 1 `EC PRIVATE KEY` and PKCS#1
//! `RSA PRIVATE KEY`. Keys arrive generated; this crate never draws randomness to make one.
//!
//! Signing goes through `rcgen`'s ring-backed key. ECDSA signatures need a fresh nonce, which
//! ring draws from the operating system inside the signing call; RSA PKCS#1 v1.5 and Ed25519
//! signatures are deterministic.

use std::fmt;

use super::asn1::{self, tag};
use super::pem;
use super::request::{KeyKind, OID_EC_PUBLIC_KEY, OID_P256, OID_P384, OID_RSA, PublicKey};

/// A private key that can sign. `Debug` never shows key material.
pub struct PrivateKey {
    pair: rcgen::KeyPair,
    public_key: PublicKey,
    signature_algorithm: CertificateSignatureAlgorithm,
}

/// The algorithm a key signs certificates and requests with, as Go picks it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CertificateSignatureAlgorithm {
    /// `ecdsa-with-SHA256` (P-256 keys).
    EcdsaWithSha256,
    /// `ecdsa-with-SHA384` (P-384 keys).
    EcdsaWithSha384,
    /// `sha256WithRSAEncryption`.
    Sha256WithRsa,
    /// `sha384WithRSAEncryption`.
    Sha384WithRsa,
    /// `sha512WithRSAEncryption`.
    Sha512WithRsa,
    /// `Ed25519`.
    Ed25519,
}

/// Why a private key cannot be loaded or used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// No PEM block held a key this crate can load (client-go's message).
    #[error("data does not contain a valid RSA or ECDSA private key")]
    NoKey,
    /// The DER of a key block does not parse or is refused by ring (`what` names the form).
    #[error("invalid {what} private key")]
    Invalid {
        /// `PKCS#8`, `SEC 1` or `PKCS#1`.
        what: &'static str,
    },
    /// The key type cannot sign with ring (P-521, P-224, …).
    #[error("unsupported private key type: {0}")]
    Unsupported(String),
    /// Signing failed inside ring.
    #[error("signing failed: {0}")]
    Signing(String),
}

impl PrivateKey {
    /// client-go `keyutil.ParsePrivateKeyPEM`: the first PEM block of type `EC PRIVATE KEY`,
    /// `RSA PRIVATE KEY` or `PRIVATE KEY` that parses wins; other blocks (`EC PARAMETERS`,
    /// certificates) are skipped.
    ///
    /// ```
    /// use kube_tls_bootstrap::pki::key::PrivateKey;
    /// use kube_tls_bootstrap::pki::KeyKind;
    /// let pem = b"-----BEGIN EC PRIVATE KEY-----
    /// MHcCAQEEIAWmsinMyJg58nmPXE6iDkjhNzBN/wbFTTYJPHwlj0MJoAoGCCqGSM49
    /// AwEHoUQDQgAESXuK7CU/kx8QgsW1fD8BZMIDhq1zoiBDcbjlH0q+z3Jz2iDvQfbz
    /// iH7x23zuIiXgaeAaZ9GPhuIF+aZF2BQ8OQ==
    /// -----END EC PRIVATE KEY-----
    /// ";
    /// let key = PrivateKey::from_pem(pem).unwrap();
    /// assert_eq!(key.public_key().kind(), &KeyKind::EcdsaP256);
    /// assert_eq!(format!("{key:?}"), "PrivateKey { kind: EcdsaP256, key: [elided] }");
    /// ```
    pub fn from_pem(pem_data: &[u8]) -> Result<Self, KeyError> {
        for block in pem::Blocks::new(pem_data) {
            let parsed = match block.label.as_str() {
                "EC PRIVATE KEY" => Self::from_sec1_der(&block.contents),
                "RSA PRIVATE KEY" => Self::from_pkcs1_der(&block.contents),
                "PRIVATE KEY" => Self::from_pkcs8_der(&block.contents),
                _ => continue,
            };
            if let Ok(key) = parsed {
                return Ok(key);
            }
        }
        Err(KeyError::NoKey)
    }

    /// A PKCS#8 `PrivateKeyInfo` (ECDSA P-256/P-384, RSA, Ed25519).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        let invalid = KeyError::Invalid { what: "PKCS#8" };
        let pem_text = pem::encode("PRIVATE KEY", der);
        let probe = rcgen::KeyPair::from_pem(&pem_text).map_err(|_| invalid.clone())?;
        use rcgen::PublicKeyData as _;
        let public_key = PublicKey::from_spki_der(&probe.subject_public_key_info())
            .map_err(|_| invalid.clone())?;
        // Go signs with SHA-384/512 for large RSA request keys; rcgen picks SHA-256 unless told.
        let (signature_algorithm, rcgen_alg) = match public_key.kind() {
            KeyKind::EcdsaP256 => (
                CertificateSignatureAlgorithm::EcdsaWithSha256,
                &rcgen::PKCS_ECDSA_P256_SHA256,
            ),
            KeyKind::EcdsaP384 => (
                CertificateSignatureAlgorithm::EcdsaWithSha384,
                &rcgen::PKCS_ECDSA_P384_SHA384,
            ),
            KeyKind::Ed25519 => (CertificateSignatureAlgorithm::Ed25519, &rcgen::PKCS_ED25519),
            KeyKind::Rsa { .. } => (
                CertificateSignatureAlgorithm::Sha256WithRsa,
                &rcgen::PKCS_RSA_SHA256,
            ),
            other => return Err(KeyError::Unsupported(other.name())),
        };
        let pair = if std::ptr::eq(probe.algorithm(), rcgen_alg) {
            probe
        } else {
            rcgen::KeyPair::from_pkcs8_pem_and_sign_algo(&pem_text, rcgen_alg)
                .map_err(|_| invalid)?
        };
        Ok(Self {
            pair,
            public_key,
            signature_algorithm,
        })
    }

    /// A SEC 1 `ECPrivateKey` (`EC PRIVATE KEY`, what the kubelet writes). ring reads ECDSA
    /// keys only as PKCS#8, so the key is wrapped first; the public key must be present.
    pub fn from_sec1_der(der: &[u8]) -> Result<Self, KeyError> {
        let invalid = || KeyError::Invalid { what: "SEC 1" };
        let seq = asn1::read_all(der).map_err(|_| invalid())?;
        if seq.tag != tag::SEQUENCE {
            return Err(invalid());
        }
        let fields = asn1::elements(seq.value).map_err(|_| invalid())?;
        // version 1, privateKey, [0] parameters (the named curve).
        let curve = fields
            .iter()
            .find(|f| f.tag == tag::CONTEXT_0)
            .and_then(|f| asn1::read_all(f.value).ok())
            .ok_or_else(invalid)?;
        if curve.tag != tag::OID {
            return Err(invalid());
        }
        let mut alg = asn1::encode(tag::OID, OID_EC_PUBLIC_KEY.as_bytes());
        alg.extend_from_slice(curve.full);
        Self::from_pkcs8_der(&pkcs8_wrap(&alg, der)).map_err(|e| match e {
            KeyError::Invalid { .. } => invalid(),
            other => other,
        })
    }

    /// A PKCS#1 `RSAPrivateKey` (`RSA PRIVATE KEY`), wrapped into PKCS#8 for ring.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self, KeyError> {
        let mut alg = asn1::encode(tag::OID, OID_RSA.as_bytes());
        alg.extend_from_slice(&[0x05, 0x00]);
        Self::from_pkcs8_der(&pkcs8_wrap(&alg, der)).map_err(|e| match e {
            KeyError::Invalid { .. } => KeyError::Invalid { what: "PKCS#1" },
            other => other,
        })
    }

    /// An ECDSA P-256 key — what the kubelet generates — from 32 random bytes the caller drew
    /// (this crate never draws randomness). Bytes that are zero or not below the group order
    /// are refused; draw again.
    ///
    /// ```
    /// use kube_tls_bootstrap::pki::key::PrivateKey;
    /// let key = PrivateKey::ecdsa_p256_from_random_bytes(&[7; 32]).unwrap();
    /// let pem = key.to_pem();
    /// assert!(pem.starts_with("-----BEGIN EC PRIVATE KEY-----\n"));
    /// assert_eq!(PrivateKey::from_pem(pem.as_bytes()).unwrap().public_key(), key.public_key());
    /// assert!(PrivateKey::ecdsa_p256_from_random_bytes(&[0xff; 32]).is_err());
    /// ```
    pub fn ecdsa_p256_from_random_bytes(bytes: &[u8; 32]) -> Result<Self, KeyError> {
        let secret = p256::SecretKey::from_slice(bytes).map_err(|_| KeyError::Invalid {
            what: "P-256 scalar",
        })?;
        let point = secret.public_key().to_sec1_bytes();
        Self::from_sec1_der(&ec_private_key(bytes, OID_P256, &point))
    }

    /// The key as client-go's `keyutil.MarshalPrivateKeyToPEM` writes it: ECDSA as SEC 1
    /// `EC PRIVATE KEY` (Go's `MarshalECPrivateKey` form), RSA as PKCS#1 `RSA PRIVATE KEY`,
    /// Ed25519 as PKCS#8 `PRIVATE KEY`. The text holds the secret key: handle it as such.
    pub fn to_pem(&self) -> String {
        let pkcs8 = self.pair.serialized_der();
        // Both inner encodings come from a PrivateKeyInfo ring accepted, so they parse.
        let inner = pkcs8_private_key(pkcs8);
        match (self.public_key.kind(), inner) {
            (KeyKind::EcdsaP256 | KeyKind::EcdsaP384, Some(inner)) => {
                let (curve, width) = if *self.public_key.kind() == KeyKind::EcdsaP256 {
                    (OID_P256, 32)
                } else {
                    (OID_P384, 48)
                };
                match ec_scalar(inner) {
                    Some(d) if d.len() <= width => {
                        let mut padded = vec![0u8; width - d.len()];
                        padded.extend_from_slice(d);
                        let sec1 = ec_private_key(&padded, curve, self.public_key.key_bytes());
                        pem::encode("EC PRIVATE KEY", &sec1)
                    }
                    _ => pem::encode("PRIVATE KEY", pkcs8),
                }
            }
            (KeyKind::Rsa { .. }, Some(inner)) => pem::encode("RSA PRIVATE KEY", inner),
            _ => pem::encode("PRIVATE KEY", pkcs8),
        }
    }

    /// The public half, as Go's `x509.MarshalPKIXPublicKey` encodes it.
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    /// The algorithm certificates signed by this key carry (RSA → SHA-256, P-256 →
    /// ECDSA-SHA256, P-384 → ECDSA-SHA384, Ed25519).
    pub fn signature_algorithm(&self) -> CertificateSignatureAlgorithm {
        self.signature_algorithm
    }

    /// Signs `message` with the key's certificate algorithm.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        use rcgen::SigningKey as _;
        self.pair
            .sign(message)
            .map_err(|e| KeyError::Signing(e.to_string()))
    }

    /// Signs `message` with `algorithm` (the kubelet signs its request with SHA-384/512 for
    /// RSA keys of 3072/4096 bits and more).
    pub(crate) fn sign_with(
        &self,
        algorithm: CertificateSignatureAlgorithm,
        message: &[u8],
    ) -> Result<Vec<u8>, KeyError> {
        if algorithm == self.signature_algorithm {
            return self.sign(message);
        }
        let rcgen_alg = match algorithm {
            CertificateSignatureAlgorithm::Sha384WithRsa => &rcgen::PKCS_RSA_SHA384,
            CertificateSignatureAlgorithm::Sha512WithRsa => &rcgen::PKCS_RSA_SHA512,
            other => return Err(KeyError::Unsupported(format!("{other:?}"))),
        };
        let pem_text = pem::encode("PRIVATE KEY", self.pair.serialized_der());
        let pair = rcgen::KeyPair::from_pkcs8_pem_and_sign_algo(&pem_text, rcgen_alg)
            .map_err(|_| KeyError::Invalid { what: "PKCS#8" })?;
        use rcgen::SigningKey as _;
        pair.sign(message)
            .map_err(|e| KeyError::Signing(e.to_string()))
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("kind", self.public_key.kind())
            .field("key", &format_args!("[elided]"))
            .finish()
    }
}

impl CertificateSignatureAlgorithm {
    /// The DER `AlgorithmIdentifier` Go writes (RSA with NULL parameters, ECDSA and Ed25519
    /// without).
    pub(crate) fn algorithm_identifier(self) -> Vec<u8> {
        use const_oid::ObjectIdentifier as Oid;
        const ECDSA_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
        const ECDSA_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
        const RSA_SHA256: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
        const RSA_SHA384: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
        const RSA_SHA512: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");
        const ED25519: Oid = Oid::new_unwrap("1.3.101.112");
        let (oid, null) = match self {
            Self::EcdsaWithSha256 => (ECDSA_SHA256, false),
            Self::EcdsaWithSha384 => (ECDSA_SHA384, false),
            Self::Sha256WithRsa => (RSA_SHA256, true),
            Self::Sha384WithRsa => (RSA_SHA384, true),
            Self::Sha512WithRsa => (RSA_SHA512, true),
            Self::Ed25519 => (ED25519, false),
        };
        let mut body = asn1::encode(tag::OID, oid.as_bytes());
        if null {
            body.extend_from_slice(&[0x05, 0x00]);
        }
        asn1::encode(tag::SEQUENCE, &body)
    }
}

/// The `privateKey` OCTET STRING contents of a PKCS#8 `PrivateKeyInfo`.
fn pkcs8_private_key(pkcs8: &[u8]) -> Option<&[u8]> {
    let seq = asn1::read_all(pkcs8).ok()?;
    let fields = asn1::elements(seq.value).ok()?;
    let key = fields.get(2).filter(|f| f.tag == tag::OCTET_STRING)?;
    Some(key.value)
}

/// The private scalar of an `ECPrivateKey`, leading zeros dropped.
fn ec_scalar(sec1: &[u8]) -> Option<&[u8]> {
    let seq = asn1::read_all(sec1).ok()?;
    let fields = asn1::elements(seq.value).ok()?;
    let d = fields.get(1).filter(|f| f.tag == tag::OCTET_STRING)?.value;
    let zeros = d.iter().take_while(|&&b| b == 0).count();
    Some(&d[zeros..])
}

/// Go's `MarshalECPrivateKey`: SEQUENCE { 1, d, [0] curve, [1] point }.
fn ec_private_key(d: &[u8], curve: const_oid::ObjectIdentifier, point: &[u8]) -> Vec<u8> {
    let mut body = vec![0x02, 0x01, 0x01];
    asn1::encode_into(&mut body, tag::OCTET_STRING, d);
    asn1::encode_into(
        &mut body,
        tag::CONTEXT_0,
        &asn1::encode(tag::OID, curve.as_bytes()),
    );
    let mut bits = vec![0u8];
    bits.extend_from_slice(point);
    asn1::encode_into(&mut body, 0xa1, &asn1::encode(tag::BIT_STRING, &bits));
    asn1::encode(tag::SEQUENCE, &body)
}

/// PrivateKeyInfo ::= SEQUENCE { version 0, AlgorithmIdentifier, privateKey OCTET STRING }
fn pkcs8_wrap(algorithm_body: &[u8], private_key: &[u8]) -> Vec<u8> {
    let mut body = vec![0x02, 0x01, 0x00];
    asn1::encode_into(&mut body, tag::SEQUENCE, algorithm_body);
    asn1::encode_into(&mut body, tag::OCTET_STRING, private_key);
    asn1::encode(tag::SEQUENCE, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sec1_round_trip_matches_the_vector_key() {
        let vector = "-----BEGIN EC PRIVATE KEY-----\n\
            MHcCAQEEIAWmsinMyJg58nmPXE6iDkjhNzBN/wbFTTYJPHwlj0MJoAoGCCqGSM49\n\
            AwEHoUQDQgAESXuK7CU/kx8QgsW1fD8BZMIDhq1zoiBDcbjlH0q+z3Jz2iDvQfbz\n\
            iH7x23zuIiXgaeAaZ9GPhuIF+aZF2BQ8OQ==\n\
            -----END EC PRIVATE KEY-----\n";
        let key = PrivateKey::from_pem(vector.as_bytes()).unwrap();
        assert_eq!(key.to_pem(), vector);
        let d = pem::decode(vector.as_bytes()).unwrap().0.contents;
        let scalar: [u8; 32] = ec_scalar(&d).unwrap().try_into().unwrap();
        let again = PrivateKey::ecdsa_p256_from_random_bytes(&scalar).unwrap();
        assert_eq!(again.to_pem(), vector);
    }

    #[test]
    fn no_key_and_skipped_blocks() {
        assert_eq!(PrivateKey::from_pem(b"").unwrap_err(), KeyError::NoKey);
        let junk = pem::encode("EC PARAMETERS", &[6, 8, 42, 134, 72, 206, 61, 3, 1, 7]);
        assert_eq!(
            PrivateKey::from_pem(junk.as_bytes())
                .unwrap_err()
                .to_string(),
            "data does not contain a valid RSA or ECDSA private key"
        );
        let bad = pem::encode("EC PRIVATE KEY", &[0x30, 0x00]);
        assert_eq!(
            PrivateKey::from_pem(bad.as_bytes()).unwrap_err(),
            KeyError::NoKey
        );
    }
}
