//! The signer names Kubernetes defines (`spec.signerName` of a CertificateSigningRequest).

/// Client certificates for authenticating to kube-apiserver; never auto-approved by
/// kube-controller-manager.
pub const KUBE_APISERVER_CLIENT: &str = "kubernetes.io/kube-apiserver-client";
/// Kubelet client certificates (`CN=system:node:<name>, O=system:nodes`); the bootstrap signer.
pub const KUBE_APISERVER_CLIENT_KUBELET: &str = "kubernetes.io/kube-apiserver-client-kubelet";
/// Kubelet serving certificates; signed but never auto-approved by kube-controller-manager.
pub const KUBELET_SERVING: &str = "kubernetes.io/kubelet-serving";
/// The legacy signer of `certificates.k8s.io/v1beta1`; cannot be requested through v1.
pub const LEGACY_UNKNOWN: &str = "kubernetes.io/legacy-unknown";

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
