//! Private keys as the kubelet and kube-controller-manager load them (client-go
//! `keyutil.ParsePrivateKeyPEM`): PKCS#8 `PRIVATE KEY`, SEC 1 `EC PRIVATE KEY` and PKCS#1
//! `RSA PRIVATE KEY`. Keys arrive generated; this crate never draws randomness to make one.
//!
//! # Signing and randomness
//!
//! Nothing here draws randomness, for loading or for signing:
//!
//! - ECDSA (P-256, P-384, P-521) keys are read without ring (ring's `EcdsaKeyPair` draws a random
//!   nonce key from the operating system when it loads a key) with ring's own checks, and sign
//!   with the RustCrypto `p256`/`p384`/`p521` crates using RFC 6979 deterministic nonces (HMAC-DRBG
//!   over the secret scalar and the message digest): the same key and message always give the
//!   same signature bytes.
//! - Ed25519 signs through `rcgen`'s ring-backed key; Ed25519 is deterministic by definition.
//! - RSA signs PKCS#1 v1.5 through `rcgen`'s ring-backed key. rcgen hands ring a
//!   `SystemRandom` handle, but ring 0.17's PKCS#1 v1.5 padding never reads it (only PSS padding
//!   would) and its private-key operation is constant-time CRT exponentiation without random
//!   blinding, so no random bytes are drawn and the signature is deterministic. (This rests on
//!   ring 0.17's internals: recheck it when ring is upgraded, e.g. with
//!   `strace -e trace=getrandom` around `examples/sign_csr` with `tests/data/pki/ca-rsa`.)

use std::fmt;

use super::asn1::{self, tag};
use super::pem;
use super::request::{
    KeyKind, OID_EC_PUBLIC_KEY, OID_P256, OID_P384, OID_P521, OID_RSA, PublicKey,
    SignatureAlgorithm,
};

/// A private key that can sign. `Debug` never shows key material.
pub struct PrivateKey {
    signer: Signer,
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
    /// `ecdsa-with-SHA512` (P-521 keys).
    EcdsaWithSha512,
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
    /// The DER of a key block does not parse or fails ring's checks (`what` names the form).
    #[error("invalid {what} private key")]
    Invalid {
        /// `PKCS#8`, `SEC 1` or `PKCS#1`.
        what: &'static str,
    },
    /// The key type cannot sign (P-521, P-224, …).
    #[error("unsupported private key type: {0}")]
    Unsupported(String),
    /// Signing failed (inside ring for RSA and Ed25519, RustCrypto for ECDSA).
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
        if pkcs8_algorithm(der) == Some(OID_EC_PUBLIC_KEY) {
            return EcdsaKey::from_pkcs8(der)
                .ok_or(invalid)
                .map(|(key, public_key)| {
                    let signature_algorithm = match key {
                        EcdsaKey::P256(_) => CertificateSignatureAlgorithm::EcdsaWithSha256,
                        EcdsaKey::P384(_) => CertificateSignatureAlgorithm::EcdsaWithSha384,
                        EcdsaKey::P521(_) => CertificateSignatureAlgorithm::EcdsaWithSha512,
                    };
                    Self {
                        signer: Signer::Ecdsa(key),
                        public_key,
                        signature_algorithm,
                    }
                });
        }
        let pem_text = pem::encode("PRIVATE KEY", der);
        let probe = rcgen::KeyPair::from_pem(&pem_text).map_err(|_| invalid.clone())?;
        use rcgen::PublicKeyData as _;
        let public_key = PublicKey::from_spki_der(&probe.subject_public_key_info())
            .map_err(|_| invalid.clone())?;
        // Go signs with SHA-384/512 for large RSA request keys; rcgen picks SHA-256 unless told.
        let (signature_algorithm, rcgen_alg) = match public_key.kind() {
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
            signer: Signer::Ring(pair),
            public_key,
            signature_algorithm,
        })
    }

    /// A SEC 1 `ECPrivateKey` (`EC PRIVATE KEY`, what the kubelet writes), wrapped into PKCS#8
    /// with its `[0]` curve and checked as ring checks PKCS#8 ECDSA keys: the public key must
    /// be present.
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
        Self::from_sec1_der(&ec_private_key(bytes, Some(OID_P256), &point))
    }

    /// The key as client-go's `keyutil.MarshalPrivateKeyToPEM` writes it: ECDSA as SEC 1
    /// `EC PRIVATE KEY` (Go's `MarshalECPrivateKey` form), RSA as PKCS#1 `RSA PRIVATE KEY`,
    /// Ed25519 as PKCS#8 `PRIVATE KEY`. The text holds the secret key: handle it as such.
    pub fn to_pem(&self) -> String {
        let pair = match &self.signer {
            Signer::Ecdsa(key) => {
                let (d, curve) = key.secret_and_curve();
                let sec1 = ec_private_key(&d, Some(curve), self.public_key.key_bytes());
                return pem::encode("EC PRIVATE KEY", &sec1);
            }
            Signer::Ring(pair) => pair,
        };
        let pkcs8 = pair.serialized_der();
        // The inner encoding comes from a PrivateKeyInfo ring accepted, so it parses.
        match (self.public_key.kind(), pkcs8_private_key(pkcs8)) {
            (KeyKind::Rsa { .. }, Some(inner)) => pem::encode("RSA PRIVATE KEY", inner),
            _ => pem::encode("PRIVATE KEY", pkcs8),
        }
    }

    /// The key as a PKCS#8 `PrivateKeyInfo` (ECDSA as Go's `x509.MarshalPKCS8PrivateKey` writes
    /// it, without the inner curve parameters; RSA and Ed25519 as loaded) — the form ring and
    /// most HSM tooling load, for callers that sign [`UnsignedCertificate`](super::UnsignedCertificate)s outside the crate.
    /// The bytes hold the secret key: handle them as such.
    ///
    /// ```
    /// use kube_tls_bootstrap::pki::key::PrivateKey;
    /// let key = PrivateKey::ecdsa_p256_from_random_bytes(&[7; 32]).unwrap();
    /// let again = PrivateKey::from_pkcs8_der(&key.to_pkcs8_der()).unwrap();
    /// assert_eq!(again.public_key(), key.public_key());
    /// ```
    pub fn to_pkcs8_der(&self) -> Vec<u8> {
        match &self.signer {
            Signer::Ecdsa(key) => {
                let (d, curve) = key.secret_and_curve();
                let inner = ec_private_key(&d, None, self.public_key.key_bytes());
                pkcs8_wrap(&ec_algorithm_body(curve), &inner)
            }
            Signer::Ring(pair) => pair.serialized_der().to_vec(),
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

    /// Signs `message` with the key's certificate algorithm and returns the signature as X.509
    /// carries it (ECDSA: the DER `ECDSA-Sig-Value`). Every kind is deterministic and draws no
    /// randomness (ECDSA nonces by RFC 6979; see the module docs).
    ///
    /// ```
    /// use kube_tls_bootstrap::pki::key::PrivateKey;
    /// let key = PrivateKey::ecdsa_p256_from_random_bytes(&[7; 32]).unwrap();
    /// assert_eq!(key.sign(b"message").unwrap(), key.sign(b"message").unwrap());
    /// ```
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        match &self.signer {
            Signer::Ecdsa(key) => key.sign(message),
            Signer::Ring(pair) => {
                use rcgen::SigningKey as _;
                pair.sign(message)
                    .map_err(|e| KeyError::Signing(e.to_string()))
            }
        }
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
        let Signer::Ring(own) = &self.signer else {
            return Err(KeyError::Unsupported(format!("{algorithm:?}")));
        };
        let rcgen_alg = match algorithm {
            CertificateSignatureAlgorithm::Sha384WithRsa => &rcgen::PKCS_RSA_SHA384,
            CertificateSignatureAlgorithm::Sha512WithRsa => &rcgen::PKCS_RSA_SHA512,
            other => return Err(KeyError::Unsupported(format!("{other:?}"))),
        };
        let pem_text = pem::encode("PRIVATE KEY", own.serialized_der());
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
    /// The algorithm Go's `x509.CreateCertificate` signs with for a CA key of this kind
    /// (`signingParamsForPublicKey`): RSA → SHA-256 with RSA, P-224/P-256 → ECDSA with SHA-256,
    /// P-384 → SHA-384, P-521 → SHA-512, Ed25519 → Ed25519. `None` for keys Go cannot sign with.
    ///
    /// ```
    /// use kube_tls_bootstrap::pki::KeyKind;
    /// use kube_tls_bootstrap::pki::key::CertificateSignatureAlgorithm as A;
    /// assert_eq!(A::for_key(&KeyKind::EcdsaP521), Some(A::EcdsaWithSha512));
    /// assert_eq!(A::for_key(&KeyKind::Rsa { bits: 4096 }), Some(A::Sha256WithRsa));
    /// assert_eq!(A::for_key(&KeyKind::Dsa), None);
    /// ```
    pub fn for_key(kind: &KeyKind) -> Option<Self> {
        match kind {
            KeyKind::Rsa { .. } => Some(Self::Sha256WithRsa),
            KeyKind::EcdsaP224 | KeyKind::EcdsaP256 => Some(Self::EcdsaWithSha256),
            KeyKind::EcdsaP384 => Some(Self::EcdsaWithSha384),
            KeyKind::EcdsaP521 => Some(Self::EcdsaWithSha512),
            KeyKind::Ed25519 => Some(Self::Ed25519),
            KeyKind::Dsa | KeyKind::Other(_) => None,
        }
    }

    /// The same algorithm under the name requests use ([`SignatureAlgorithm`]), e.g. to check a
    /// signature with Go's `checkSignature` rules.
    pub fn signature_algorithm(self) -> SignatureAlgorithm {
        match self {
            Self::EcdsaWithSha256 => SignatureAlgorithm::EcdsaWithSha256,
            Self::EcdsaWithSha384 => SignatureAlgorithm::EcdsaWithSha384,
            Self::EcdsaWithSha512 => SignatureAlgorithm::EcdsaWithSha512,
            Self::Sha256WithRsa => SignatureAlgorithm::Sha256WithRsa,
            Self::Sha384WithRsa => SignatureAlgorithm::Sha384WithRsa,
            Self::Sha512WithRsa => SignatureAlgorithm::Sha512WithRsa,
            Self::Ed25519 => SignatureAlgorithm::Ed25519,
        }
    }

    /// The DER `AlgorithmIdentifier` Go writes (RSA with NULL parameters, ECDSA and Ed25519
    /// without).
    pub(crate) fn algorithm_identifier(self) -> Vec<u8> {
        use const_oid::ObjectIdentifier as Oid;
        const ECDSA_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
        const ECDSA_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
        const ECDSA_SHA512: Oid = Oid::new_unwrap("1.2.840.10045.4.3.4");
        const RSA_SHA256: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
        const RSA_SHA384: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
        const RSA_SHA512: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");
        const ED25519: Oid = Oid::new_unwrap("1.3.101.112");
        let (oid, null) = match self {
            Self::EcdsaWithSha256 => (ECDSA_SHA256, false),
            Self::EcdsaWithSha384 => (ECDSA_SHA384, false),
            Self::EcdsaWithSha512 => (ECDSA_SHA512, false),
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

/// How a key signs.
enum Signer {
    /// ECDSA with RFC 6979 nonces (RustCrypto).
    Ecdsa(EcdsaKey),
    /// RSA PKCS#1 v1.5 and Ed25519 (ring through rcgen); both deterministic.
    Ring(rcgen::KeyPair),
}

/// An ECDSA signing key that computes its nonces by RFC 6979 (no randomness drawn).
enum EcdsaKey {
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    P521(p521::ecdsa::SigningKey),
}

impl EcdsaKey {
    /// An ECDSA PKCS#8 key, checked as ring's `EcdsaKeyPair::from_pkcs8` checks it (which this
    /// replaces because it draws randomness): `PrivateKeyInfo` version 0 with the algorithm
    /// `id-ecPublicKey` + named curve exactly, attributes ignored; inside, `ECPrivateKey`
    /// version 1, a private key exactly the curve's width and in [1, n), `[0]` parameters
    /// absent or the same curve, `[1]` public key present and equal to the one derived.
    fn from_pkcs8(der: &[u8]) -> Option<(Self, PublicKey)> {
        let outer = asn1::read_all(der)
            .ok()
            .filter(|t| t.tag == tag::SEQUENCE)?;
        let fields = asn1::elements(outer.value).ok()?;
        let (version, algorithm, private_key) = match fields.as_slice() {
            [v, a, k] => (v, a, k),
            [v, a, k, attributes] if attributes.tag == tag::CONTEXT_0 => (v, a, k),
            _ => return None,
        };
        if asn1::small_int(version).ok()? != 0
            || algorithm.tag != tag::SEQUENCE
            || private_key.tag != tag::OCTET_STRING
        {
            return None;
        }
        let curve = [OID_P256, OID_P384, OID_P521]
            .into_iter()
            .find(|curve| algorithm.value == ec_algorithm_body(*curve).as_slice())?;
        let curve_tlv = asn1::encode(tag::OID, curve.as_bytes());

        let inner = asn1::read_all(private_key.value)
            .ok()
            .filter(|t| t.tag == tag::SEQUENCE)?;
        let fields = asn1::elements(inner.value).ok()?;
        let (version, d, parameters, point) = match fields.as_slice() {
            [v, d, p] => (v, d, None, p),
            [v, d, c, p] => (v, d, Some(c), p),
            _ => return None,
        };
        if asn1::small_int(version).ok()? != 1
            || d.tag != tag::OCTET_STRING
            || parameters.is_some_and(|c| c.tag != tag::CONTEXT_0 || c.value != curve_tlv)
            || point.tag != 0xa1
        {
            return None;
        }
        let point = asn1::read_all(point.value)
            .ok()
            .filter(|t| t.tag == tag::BIT_STRING)?;
        let point = point.value.strip_prefix(&[0])?;

        // ring takes only the curve's width (from_slice would pad shorter scalars); from_slice
        // refuses 0 and values not below n.
        // ring has no P-521; the same checks apply at its width.
        let width = match curve {
            c if c == OID_P256 => 32,
            c if c == OID_P384 => 48,
            _ => 66,
        };
        if d.value.len() != width {
            return None;
        }
        let key = match width {
            32 => {
                let key = p256::ecdsa::SigningKey::from_slice(d.value).ok()?;
                (key.verifying_key().to_sec1_point(false).as_bytes() == point)
                    .then_some(Self::P256(key))?
            }
            48 => {
                let key = p384::ecdsa::SigningKey::from_slice(d.value).ok()?;
                (key.verifying_key().to_sec1_point(false).as_bytes() == point)
                    .then_some(Self::P384(key))?
            }
            _ => {
                let key = p521::ecdsa::SigningKey::from_slice(d.value).ok()?;
                (key.verifying_key().to_sec1_point(false).as_bytes() == point)
                    .then_some(Self::P521(key))?
            }
        };
        let mut spki = asn1::encode(tag::SEQUENCE, &ec_algorithm_body(curve));
        let mut bits = vec![0u8];
        bits.extend_from_slice(point);
        asn1::encode_into(&mut spki, tag::BIT_STRING, &bits);
        let public_key = PublicKey::from_spki_der(&asn1::encode(tag::SEQUENCE, &spki)).ok()?;
        Some((key, public_key))
    }

    /// The secret scalar (the curve's width) and the curve.
    fn secret_and_curve(&self) -> (Vec<u8>, const_oid::ObjectIdentifier) {
        match self {
            Self::P256(key) => (key.to_bytes().to_vec(), OID_P256),
            Self::P384(key) => (key.to_bytes().to_vec(), OID_P384),
            Self::P521(key) => (key.to_bytes().to_vec(), OID_P521),
        }
    }

    /// ECDSA with the curve's hash (SHA-256 for P-256, SHA-384 for P-384, SHA-512 for P-521, as
    /// Go pairs them),
    /// the nonce from RFC 6979, the signature DER-encoded as Go's `asn1.Marshal` writes it.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        use p256::ecdsa::signature::Signer as _;
        let signing = |e: p256::ecdsa::Error| KeyError::Signing(e.to_string());
        let (r, s) = match self {
            Self::P256(key) => {
                let signature: p256::ecdsa::Signature = key.try_sign(message).map_err(signing)?;
                let (r, s) = signature.split_bytes();
                (r.to_vec(), s.to_vec())
            }
            Self::P384(key) => {
                let signature: p384::ecdsa::Signature = key.try_sign(message).map_err(signing)?;
                let (r, s) = signature.split_bytes();
                (r.to_vec(), s.to_vec())
            }
            Self::P521(key) => {
                let signature: p521::ecdsa::Signature = key.try_sign(message).map_err(signing)?;
                let (r, s) = signature.split_bytes();
                (r.to_vec(), s.to_vec())
            }
        };
        let mut body = asn1::positive_integer(&r);
        body.extend_from_slice(&asn1::positive_integer(&s));
        Ok(asn1::encode(tag::SEQUENCE, &body))
    }
}

/// The algorithm OID of a PKCS#8 `PrivateKeyInfo`, if it has that shape.
fn pkcs8_algorithm(der: &[u8]) -> Option<const_oid::ObjectIdentifier> {
    let outer = asn1::read_all(der).ok()?;
    let fields = asn1::elements(outer.value).ok()?;
    let algorithm = fields.get(1).filter(|f| f.tag == tag::SEQUENCE)?;
    let (oid, _) = asn1::read(algorithm.value).ok()?;
    asn1::oid(&oid).ok()
}

/// The `privateKey` OCTET STRING contents of a PKCS#8 `PrivateKeyInfo`.
fn pkcs8_private_key(pkcs8: &[u8]) -> Option<&[u8]> {
    let seq = asn1::read_all(pkcs8).ok()?;
    let fields = asn1::elements(seq.value).ok()?;
    let key = fields.get(2).filter(|f| f.tag == tag::OCTET_STRING)?;
    Some(key.value)
}

/// Go's `MarshalECPrivateKey`: SEQUENCE { 1, d, [0] curve, [1] point }; without the curve,
/// the form `MarshalPKCS8PrivateKey` puts inside PKCS#8 (whose algorithm names the curve).
fn ec_private_key(d: &[u8], curve: Option<const_oid::ObjectIdentifier>, point: &[u8]) -> Vec<u8> {
    let mut body = vec![0x02, 0x01, 0x01];
    asn1::encode_into(&mut body, tag::OCTET_STRING, d);
    if let Some(curve) = curve {
        asn1::encode_into(
            &mut body,
            tag::CONTEXT_0,
            &asn1::encode(tag::OID, curve.as_bytes()),
        );
    }
    let mut bits = vec![0u8];
    bits.extend_from_slice(point);
    asn1::encode_into(&mut body, 0xa1, &asn1::encode(tag::BIT_STRING, &bits));
    asn1::encode(tag::SEQUENCE, &body)
}

/// The `AlgorithmIdentifier` contents of an EC key: `id-ecPublicKey` and the named curve.
fn ec_algorithm_body(curve: const_oid::ObjectIdentifier) -> Vec<u8> {
    let mut body = asn1::encode(tag::OID, OID_EC_PUBLIC_KEY.as_bytes());
    asn1::encode_into(&mut body, tag::OID, curve.as_bytes());
    body
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

    /// The private scalar of an `ECPrivateKey`, leading zeros dropped.
    fn ec_scalar(sec1: &[u8]) -> Option<&[u8]> {
        let seq = asn1::read_all(sec1).ok()?;
        let fields = asn1::elements(seq.value).ok()?;
        let d = fields.get(1).filter(|f| f.tag == tag::OCTET_STRING)?.value;
        let zeros = d.iter().take_while(|&&b| b == 0).count();
        Some(&d[zeros..])
    }

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

    /// A P-384 key from its secret scalar, through the SEC 1 loader.
    fn p384_key(d: &[u8; 48]) -> PrivateKey {
        let point = p384::SecretKey::from_slice(d)
            .unwrap()
            .public_key()
            .to_sec1_bytes();
        PrivateKey::from_sec1_der(&ec_private_key(d, Some(OID_P384), &point)).unwrap()
    }

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// DER `ECDSA-Sig-Value` of two positive integers given as hex magnitudes.
    fn der_signature(r: &str, s: &str) -> Vec<u8> {
        let mut body = asn1::positive_integer(&hex(r));
        body.extend_from_slice(&asn1::positive_integer(&hex(s)));
        asn1::encode(tag::SEQUENCE, &body)
    }

    #[test]
    fn rfc6979_p256_sha256_sample_vector() {
        // RFC 6979 A.2.5, P-256 with SHA-256, message "sample".
        let x: [u8; 32] = hex("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721")
            .try_into()
            .unwrap();
        let key = PrivateKey::ecdsa_p256_from_random_bytes(&x).unwrap();
        assert_eq!(
            key.sign(b"sample").unwrap(),
            der_signature(
                "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716",
                "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8",
            )
        );
        // Both integers have the top bit set, so each carries a leading zero byte.
        assert_eq!(
            key.sign(b"sample").unwrap()[..5],
            [0x30, 0x46, 0x02, 0x21, 0x00]
        );
    }

    #[test]
    fn rfc6979_p384_sha384_sample_vector() {
        // RFC 6979 A.2.6, P-384 with SHA-384, message "sample".
        let x: [u8; 48] = hex("6B9D3DAD2E1B8C1C05B19875B6659F4DE23C3B667BF297BA\
                               9AA47740787137D896D5724E4C70A825F872C9EA60D2EDF5")
        .try_into()
        .unwrap();
        let key = p384_key(&x);
        assert_eq!(
            key.signature_algorithm(),
            CertificateSignatureAlgorithm::EcdsaWithSha384
        );
        assert_eq!(
            key.sign(b"sample").unwrap(),
            der_signature(
                "94EDBB92A5ECB8AAD4736E56C691916B3F88140666CE9FA7\
                 3D64C4EA95AD133C81A648152E44ACF96E36DD1E80FABE46",
                "99EF4AEB15F178CEA1FE40DB2603138F130E740A19624526\
                 203B6351D0A3A94FA329C145786E679E7B82C71A38628AC8",
            )
        );
    }

    #[test]
    fn ecdsa_signatures_are_deterministic_der_that_ring_verifies() {
        let p256 = PrivateKey::ecdsa_p256_from_random_bytes(&[7; 32]).unwrap();
        let p384 = p384_key(&[9; 48]);
        for (key, alg) in [
            (&p256, &ring::signature::ECDSA_P256_SHA256_ASN1),
            (&p384, &ring::signature::ECDSA_P384_SHA384_ASN1),
        ] {
            let public = ring::signature::UnparsedPublicKey::new(alg, key.public_key().key_bytes());
            for i in 0u32..50 {
                let message = i.to_be_bytes();
                let signature = key.sign(&message).unwrap();
                assert_eq!(key.sign(&message).unwrap(), signature);
                public.verify(&message, &signature).unwrap();
            }
        }
    }

    #[test]
    fn ecdsa_pkcs8_is_checked_as_ring_checks_it() {
        let d = [7u8; 32];
        let point = p256::SecretKey::from_slice(&d)
            .unwrap()
            .public_key()
            .to_sec1_bytes();
        let algorithm = ec_algorithm_body(OID_P256);
        let wrap = |ec: &[u8]| pkcs8_wrap(&algorithm, ec);
        let good = wrap(&ec_private_key(&d, Some(OID_P256), &point));
        assert!(PrivateKey::from_pkcs8_der(&good).is_ok());

        let invalid = Err(KeyError::Invalid { what: "PKCS#8" });
        let mut other_point = point.to_vec();
        other_point[40] ^= 1;
        let short = ec_private_key(&d[1..], Some(OID_P256), &point);
        let other_curve = ec_private_key(&d, Some(OID_P384), &point);
        let mut no_public_key = vec![0x02, 0x01, 0x01];
        asn1::encode_into(&mut no_public_key, tag::OCTET_STRING, &d);
        let no_public_key = asn1::encode(tag::SEQUENCE, &no_public_key);
        let mut version_1 = good.clone();
        assert_eq!(
            version_1[3..6],
            [0x02, 0x01, 0x00],
            "SEQUENCE (long length), INTEGER 0"
        );
        version_1[5] = 1;
        for (what, der) in [
            (
                "public key of another scalar",
                wrap(&ec_private_key(&d, Some(OID_P256), &other_point)),
            ),
            ("31-byte scalar", wrap(&short)),
            (
                "zero scalar",
                wrap(&ec_private_key(&[0; 32], Some(OID_P256), &point)),
            ),
            ("[0] names another curve", wrap(&other_curve)),
            ("no [1] public key", wrap(&no_public_key)),
            ("PrivateKeyInfo version 1", version_1),
        ] {
            assert_eq!(
                PrivateKey::from_pkcs8_der(&der).map(|_| ()),
                invalid,
                "{what}"
            );
        }
    }
}
