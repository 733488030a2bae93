//! The signers Kubernetes defines (`spec.signerName` of a CertificateSigningRequest), and
//! everything the crate knows about each of them: [`KnownSigner`].
//!
//! Every per-signer fact lives in the `match`es of [`KnownSigner`]'s methods — the name, the
//! kube-controller-manager controller that signs it and the check it runs, the usages its
//! certificates carry, whether the approver auto-approves it, the admission plugins that look at
//! it and the RBAC roles that name it. The rest of the crate asks the enum:
//! [`SignerName::known`](crate::csr::SignerName::known) turns a validated name into it, the
//! signer ([`Issuer::prepare_for_signer`](crate::pki::Issuer::prepare_for_signer), the control
//! plane's csrsigning and csrapproving controllers) dispatch on it, and the RBAC bootstrap
//! policy ([`crate::rbac::bootstrap`]) is built from it.
//!
//! The string constants below are the names, for code that compares or stores plain strings.
//!
//! Sources: k8s.io/api `certificates/v1` and `certificates/v1beta1` (the names),
//! `pkg/controller/certificates/signer/signer.go` (controllers and checks),
//! `pkg/apis/certificates/helpers.go` (the kubelet checks' usage sets),
//! `pkg/controller/certificates/approver/sarapprove.go` (auto-approval),
//! `plugin/pkg/auth/authorizer/rbac/bootstrappolicy` (the roles),
//! `plugin/pkg/admission/certificates/ctbattest`… and `noderestriction` (admission).

use super::checks::{self, CheckError};
use super::request::CertificateRequest;
use super::usage::{KeyUsage, Usage};

/// Client certificates for authenticating to kube-apiserver; never auto-approved by
/// kube-controller-manager. The name of [`KnownSigner::KubeApiserverClient`].
pub const KUBE_APISERVER_CLIENT: &str = KnownSigner::KubeApiserverClient.name();
/// Kubelet client certificates (`CN=system:node:<name>, O=system:nodes`); the bootstrap signer.
/// The name of [`KnownSigner::KubeApiserverClientKubelet`].
pub const KUBE_APISERVER_CLIENT_KUBELET: &str = KnownSigner::KubeApiserverClientKubelet.name();
/// Kubelet serving certificates; signed but never auto-approved by kube-controller-manager.
/// The name of [`KnownSigner::KubeletServing`].
pub const KUBELET_SERVING: &str = KnownSigner::KubeletServing.name();
/// The legacy signer of `certificates.k8s.io/v1beta1`; cannot be requested through v1.
/// The name of [`KnownSigner::LegacyUnknown`].
pub const LEGACY_UNKNOWN: &str = KnownSigner::LegacyUnknown.name();

/// The four signers Kubernetes defines and kube-controller-manager runs a csrsigning
/// controller for.
///
/// ```
/// use kube_tls_bootstrap::pki::{KeyUsage, signers::KnownSigner};
/// let signer = KnownSigner::from_name("kubernetes.io/kube-apiserver-client-kubelet").unwrap();
/// assert_eq!(signer, KnownSigner::KubeApiserverClientKubelet);
/// assert!(signer.auto_approved());
/// assert_eq!(signer.controller_name(), "csrsigning-kubelet-client");
/// assert_eq!(
///     signer.usage_profile().unwrap().required,
///     [KeyUsage::DigitalSignature, KeyUsage::ClientAuth]
/// );
/// assert_eq!(KnownSigner::from_name("example.com/signer"), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KnownSigner {
    /// `kubernetes.io/kube-apiserver-client`: client certificates kube-apiserver accepts, for
    /// any subject but `system:masters`.
    KubeApiserverClient,
    /// `kubernetes.io/kube-apiserver-client-kubelet`: the kubelet's client certificate
    /// (`CN=system:node:<name>, O=system:nodes`), the signer of TLS bootstrap.
    KubeApiserverClientKubelet,
    /// `kubernetes.io/kubelet-serving`: the kubelet's serving certificate.
    KubeletServing,
    /// `kubernetes.io/legacy-unknown`: the `certificates.k8s.io/v1beta1` default, not
    /// creatable through v1 and checked by nothing.
    LegacyUnknown,
}

/// Which check kube-controller-manager's csrsigning controller runs before it signs
/// (`getCSRVerificationFuncForSignerName`); a failure is the `SignerValidationFailure` condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignerCheck {
    /// `isKubeletClient`: `ValidateKubeletClientCSR`
    /// ([`checks::validate_kubelet_client`]).
    KubeletClient,
    /// `isKubeletServing`: `ValidateKubeletServingCSR`
    /// ([`checks::validate_kubelet_serving`]).
    KubeletServing,
    /// `isKubeAPIServerClient`: `validAPIServerClientUsages`
    /// ([`checks::validate_kube_apiserver_client`]).
    KubeApiserverClientUsages,
    /// `isLegacyUnknown`: no restriction.
    Unrestricted,
}

/// The usages a signer accepts, and so the usages its certificates carry (the signer copies
/// `spec.usages` into the certificate's KeyUsage and ExtKeyUsage): every one of `required`,
/// any of `optional`, nothing else. Duplicates collapse and order does not matter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UsageProfile {
    /// The usages a request must ask for.
    pub required: &'static [KeyUsage],
    /// The usages a request may add (`key encipherment` is what RSA keys add).
    pub optional: &'static [KeyUsage],
}

/// `validAPIServerClientUsages`: digital signature and key encipherment optional, client auth
/// required.
pub(crate) const KUBE_APISERVER_CLIENT_PROFILE: UsageProfile = UsageProfile {
    required: &[KeyUsage::ClientAuth],
    optional: &[KeyUsage::DigitalSignature, KeyUsage::KeyEncipherment],
};

/// `kubeletClientRequiredUsages` and `kubeletClientRequiredUsagesNoRSA`.
pub(crate) const KUBELET_CLIENT_PROFILE: UsageProfile = UsageProfile {
    required: &[KeyUsage::DigitalSignature, KeyUsage::ClientAuth],
    optional: &[KeyUsage::KeyEncipherment],
};

/// `kubeletServingRequiredUsages` and `kubeletServingRequiredUsagesNoRSA`.
pub(crate) const KUBELET_SERVING_PROFILE: UsageProfile = UsageProfile {
    required: &[KeyUsage::DigitalSignature, KeyUsage::ServerAuth],
    optional: &[KeyUsage::KeyEncipherment],
};

impl UsageProfile {
    /// Whether `usages`, as a set, holds every required usage and nothing outside
    /// `required` and `optional`; a usage Kubernetes does not know never fits.
    pub fn accepts(&self, usages: &[Usage]) -> bool {
        usages.iter().all(|u| self.allows(u)) && self.has_required(usages)
    }

    /// Whether `usages` holds every required usage.
    pub fn has_required(&self, usages: &[Usage]) -> bool {
        self.required.iter().all(|r| usages.iter().any(|u| u == r))
    }

    /// Whether `usage` is one of `required` or `optional`.
    pub fn allows(&self, usage: &Usage) -> bool {
        usage
            .known()
            .is_some_and(|k| self.required.contains(&k) || self.optional.contains(&k))
    }

    /// The required and optional usages as strings, sorted: the list Kubernetes prints in
    /// `usages did not match [...]`.
    pub fn sorted_strings(&self) -> Vec<&'static str> {
        let mut all: Vec<&'static str> = self
            .required
            .iter()
            .chain(self.optional)
            .map(|u| u.as_str())
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }
}

impl KnownSigner {
    /// The four, sorted by name.
    pub const ALL: [Self; 4] = [
        Self::KubeApiserverClient,
        Self::KubeApiserverClientKubelet,
        Self::KubeletServing,
        Self::LegacyUnknown,
    ];

    /// `spec.signerName`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::KubeApiserverClient => "kubernetes.io/kube-apiserver-client",
            Self::KubeApiserverClientKubelet => "kubernetes.io/kube-apiserver-client-kubelet",
            Self::KubeletServing => "kubernetes.io/kubelet-serving",
            Self::LegacyUnknown => "kubernetes.io/legacy-unknown",
        }
    }

    /// The signer named exactly `name` (case-sensitive, as Kubernetes compares).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The kube-controller-manager controller that signs for it (each of the four has one,
    /// `NewKubeletServingCSRSigningController` and its siblings).
    pub const fn controller_name(self) -> &'static str {
        match self {
            Self::KubeApiserverClient => "csrsigning-kube-apiserver-client",
            Self::KubeApiserverClientKubelet => "csrsigning-kubelet-client",
            Self::KubeletServing => "csrsigning-kubelet-serving",
            Self::LegacyUnknown => "csrsigning-legacy-unknown",
        }
    }

    /// The check its controller runs before signing.
    pub const fn check(self) -> SignerCheck {
        match self {
            Self::KubeApiserverClient => SignerCheck::KubeApiserverClientUsages,
            Self::KubeApiserverClientKubelet => SignerCheck::KubeletClient,
            Self::KubeletServing => SignerCheck::KubeletServing,
            Self::LegacyUnknown => SignerCheck::Unrestricted,
        }
    }

    /// Runs [`check`](Self::check) on a parsed request and its `spec.usages` (in request order,
    /// unknown strings as sent): `Err` is the `SignerValidationFailure` message.
    ///
    /// ```
    /// use kube_tls_bootstrap::pki::{CertificateRequest, Usage, signers::KnownSigner};
    /// let csr = CertificateRequest::from_pem(include_bytes!(
    ///     "../../tests/data/pki/corpus/kubelet-client-p256.csr.pem"
    /// ))
    /// .unwrap();
    /// let usages = [Usage::parse("client auth"), Usage::parse("Digital Signature")];
    /// assert_eq!(
    ///     KnownSigner::KubeApiserverClient.validate(&csr, &usages).unwrap_err().to_string(),
    ///     "invalid usage for client certificate: Digital Signature"
    /// );
    /// assert_eq!(KnownSigner::LegacyUnknown.validate(&csr, &usages), Ok(()));
    /// ```
    pub fn validate(
        self,
        request: &CertificateRequest,
        usages: &[Usage],
    ) -> Result<(), CheckError> {
        match self.check() {
            SignerCheck::KubeletClient => checks::validate_kubelet_client(request, usages),
            SignerCheck::KubeletServing => checks::validate_kubelet_serving(request, usages),
            SignerCheck::KubeApiserverClientUsages => {
                checks::validate_kube_apiserver_client(request, usages)
            }
            SignerCheck::Unrestricted => Ok(()),
        }
    }

    /// The usages it accepts and issues; `None` for any usage Kubernetes knows (legacy-unknown
    /// checks nothing; the signer still refuses strings it does not know).
    pub const fn usage_profile(self) -> Option<UsageProfile> {
        match self {
            Self::KubeApiserverClient => Some(KUBE_APISERVER_CLIENT_PROFILE),
            Self::KubeApiserverClientKubelet => Some(KUBELET_CLIENT_PROFILE),
            Self::KubeletServing => Some(KUBELET_SERVING_PROFILE),
            Self::LegacyUnknown => None,
        }
    }

    /// Whether kube-controller-manager's csrapproving controller (`sarapprove.go`) may approve
    /// requests for it: only kubelet client requests that pass its check, after a
    /// SubjectAccessReview on `certificatesigningrequests/selfnodeclient` or `/nodeclient`.
    /// The certificate controller's role holds `approve` on exactly these signers.
    pub const fn auto_approved(self) -> bool {
        matches!(self, Self::KubeApiserverClientKubelet)
    }

    /// Whether a request for it can be created through `certificates.k8s.io/v1` (legacy-unknown
    /// only exists on objects created through v1beta1).
    pub const fn creatable_in_v1(self) -> bool {
        !matches!(self, Self::LegacyUnknown)
    }

    /// Whether the CertificateSubjectRestriction admission plugin refuses requests for it whose
    /// subject is in `system:masters`.
    pub const fn refuses_system_masters(self) -> bool {
        matches!(self, Self::KubeApiserverClient)
    }

    /// Whether NodeRestriction holds a node's requests for it to `CN=system:node:<its name>`.
    pub const fn node_restricted(self) -> bool {
        matches!(
            self,
            Self::KubeApiserverClientKubelet | Self::KubeletServing
        )
    }

    /// The default ClusterRole granting `approve` on it (`signers`, resource name = the signer
    /// name), e.g. `system:certificates.k8s.io:kubelet-serving-approver`.
    pub const fn approver_cluster_role(self) -> &'static str {
        match self {
            Self::KubeApiserverClient => {
                "system:certificates.k8s.io:kube-apiserver-client-approver"
            }
            Self::KubeApiserverClientKubelet => {
                "system:certificates.k8s.io:kube-apiserver-client-kubelet-approver"
            }
            Self::KubeletServing => "system:certificates.k8s.io:kubelet-serving-approver",
            Self::LegacyUnknown => "system:certificates.k8s.io:legacy-unknown-approver",
        }
    }
}

impl std::fmt::Display for KnownSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether `signer_name` is reserved for Kubernetes: the part before the first `/` is
/// `kubernetes.io` or ends in `.kubernetes.io`.
///
/// ```
/// use kube_tls_bootstrap::pki::signers::is_kubernetes_signer_name;
/// assert!(is_kubernetes_signer_name("kubernetes.io/kubelet-serving"));
/// assert!(is_kubernetes_signer_name("foo.kubernetes.io/x"));
/// assert!(!is_kubernetes_signer_name("example.com/kubernetes.io"));
/// ```
pub fn is_kubernetes_signer_name(signer_name: &str) -> bool {
    let domain = signer_name.split('/').next().unwrap_or_default();
    domain == "kubernetes.io" || domain.ends_with(".kubernetes.io")
}
