//! Key usages as `certificates.k8s.io/v1` spells them (`spec.usages`): [`Usage`], the one
//! vocabulary the API types, the checks and the signer share (request order kept, strings
//! Kubernetes does not know kept as sent), over [`KeyUsage`], the 23 strings Kubernetes knows.

use std::fmt;
use std::str::FromStr;

macro_rules! key_usages {
    ($($(#[$doc:meta])* $variant:ident => $text:literal,)*) => {
        /// One of the 23 key-usage strings Kubernetes accepts in `spec.usages`
        /// (k8s.io/api/certificates/v1 `KeyUsage`).
        ///
        /// The declaration order is Kubernetes' order of the constants; [`KeyUsage::SORTED`]
        /// is the order its validation messages list them in.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum KeyUsage {
            $($(#[$doc])* $variant,)*
        }

        impl KeyUsage {
            /// Every key usage, in Kubernetes' declaration order.
            pub const ALL: [Self; 23] = [$(Self::$variant,)*];

            /// The string Kubernetes uses on the wire.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)*
                }
            }

            /// The usage spelled `s` exactly (case-sensitive), if Kubernetes knows it.
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($text => Some(Self::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

key_usages! {
    /// `signing`.
    Signing => "signing",
    /// `digital signature`.
    DigitalSignature => "digital signature",
    /// `content commitment`.
    ContentCommitment => "content commitment",
    /// `key encipherment`.
    KeyEncipherment => "key encipherment",
    /// `key agreement`.
    KeyAgreement => "key agreement",
    /// `data encipherment`.
    DataEncipherment => "data encipherment",
    /// `cert sign`.
    CertSign => "cert sign",
    /// `crl sign`.
    CrlSign => "crl sign",
    /// `encipher only`.
    EncipherOnly => "encipher only",
    /// `decipher only`.
    DecipherOnly => "decipher only",
    /// `any`.
    Any => "any",
    /// `server auth`.
    ServerAuth => "server auth",
    /// `client auth`.
    ClientAuth => "client auth",
    /// `code signing`.
    CodeSigning => "code signing",
    /// `email protection`.
    EmailProtection => "email protection",
    /// `s/mime`.
    SMime => "s/mime",
    /// `ipsec end system`.
    IpsecEndSystem => "ipsec end system",
    /// `ipsec tunnel`.
    IpsecTunnel => "ipsec tunnel",
    /// `ipsec user`.
    IpsecUser => "ipsec user",
    /// `timestamping`.
    Timestamping => "timestamping",
    /// `ocsp signing`.
    OcspSigning => "ocsp signing",
    /// `microsoft sgc`.
    MicrosoftSgc => "microsoft sgc",
    /// `netscape sgc`.
    NetscapeSgc => "netscape sgc",
}

impl KeyUsage {
    /// Every key usage sorted by its string, the order of Kubernetes' "supported values" lists.
    pub const SORTED: [Self; 23] = [
        Self::Any,
        Self::CertSign,
        Self::ClientAuth,
        Self::CodeSigning,
        Self::ContentCommitment,
        Self::CrlSign,
        Self::DataEncipherment,
        Self::DecipherOnly,
        Self::DigitalSignature,
        Self::EmailProtection,
        Self::EncipherOnly,
        Self::IpsecEndSystem,
        Self::IpsecTunnel,
        Self::IpsecUser,
        Self::KeyAgreement,
        Self::KeyEncipherment,
        Self::MicrosoftSgc,
        Self::NetscapeSgc,
        Self::OcspSigning,
        Self::SMime,
        Self::ServerAuth,
        Self::Signing,
        Self::Timestamping,
    ];
}

impl fmt::Display for KeyUsage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not one of Kubernetes' 23 key usages.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown key usage {0:?}")]
pub struct UnknownKeyUsage(pub String);

impl FromStr for KeyUsage {
    type Err = UnknownKeyUsage;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s).ok_or_else(|| UnknownKeyUsage(s.to_owned()))
    }
}

impl serde::Serialize for KeyUsage {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for KeyUsage {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// One entry of `spec.usages`: one of the 23 usages Kubernetes knows, or any other string (which
/// validation rejects on create but tolerates on objects stored before).
///
/// This is what the API types hold ([`crate::csr::CertificateSigningRequestSpec::usages`]) and
/// what the checks ([`crate::pki::checks`]) and the signer
/// ([`SignerInput::usages`](crate::pki::SignerInput::usages)) take, in request order: a string
/// Kubernetes does not know reaches them unchanged, so its messages quote it exactly.
///
/// ```
/// use kube_tls_bootstrap::pki::{KeyUsage, Usage};
/// assert_eq!(Usage::parse("client auth"), Usage::Known(KeyUsage::ClientAuth));
/// assert_eq!(Usage::parse("Client Auth"), Usage::Unknown("Client Auth".into()));
/// assert_eq!(Usage::parse("Client Auth").as_str(), "Client Auth");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Usage {
    /// A usage Kubernetes knows.
    Known(KeyUsage),
    /// Any other string, kept as sent.
    Unknown(String),
}

impl Usage {
    /// The usage spelled `s`.
    pub fn parse(s: &str) -> Self {
        KeyUsage::parse(s).map_or_else(|| Self::Unknown(s.to_owned()), Self::Known)
    }

    /// The string on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Known(k) => k.as_str(),
            Self::Unknown(s) => s,
        }
    }

    /// The typed usage, if Kubernetes knows the string (Kubernetes compares strings, so an
    /// `Unknown` built by hand around a known spelling counts as that usage).
    pub fn known(&self) -> Option<KeyUsage> {
        match self {
            Self::Known(k) => Some(*k),
            Self::Unknown(s) => KeyUsage::parse(s),
        }
    }
}

impl From<KeyUsage> for Usage {
    fn from(k: KeyUsage) -> Self {
        Self::Known(k)
    }
}

impl PartialEq<KeyUsage> for Usage {
    fn eq(&self, other: &KeyUsage) -> bool {
        self.known() == Some(*other)
    }
}

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Usage {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Usage {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(Self::parse(&s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_is_all_sorted_by_string() {
        let mut all = KeyUsage::ALL;
        all.sort_by_key(|u| u.as_str());
        assert_eq!(all, KeyUsage::SORTED);
        assert_eq!(KeyUsage::SORTED[0].as_str(), "any");
        assert_eq!(KeyUsage::SORTED[22].as_str(), "timestamping");
    }

    #[test]
    fn parses_exact_strings_only() {
        for u in KeyUsage::ALL {
            assert_eq!(u.as_str().parse::<KeyUsage>(), Ok(u));
        }
        assert_eq!(
            "Client Auth".parse::<KeyUsage>(),
            Err(UnknownKeyUsage("Client Auth".into()))
        );
        assert_eq!(KeyUsage::parse("s/mime"), Some(KeyUsage::SMime));
        assert_eq!(
            serde_json::to_string(&[KeyUsage::DigitalSignature, KeyUsage::ClientAuth]).unwrap(),
            r#"["digital signature","client auth"]"#
        );
    }
}
