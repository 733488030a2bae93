//! Shared set-up of the cluster scenario tests: the seed's token, the test CA, a cluster.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use kube_tls_bootstrap::cluster::{Cluster, ClusterConfig, NodeConfig};

pub const TOKEN: &str = "02b50b05283e98dd0fd71db496ef01e8";
pub const CA_CERT: &[u8] = include_bytes!("../data/pki/corpus/ca/ca.crt");
pub const CA_KEY: &[u8] = include_bytes!("../data/pki/corpus/ca/ca.key");
pub const SEED: u64 = 28_560_626;

pub const NODE_BOOTSTRAPPER: &str = "create clusterrolebinding kubelet-bootstrap \
    --clusterrole=system:node-bootstrapper --user=kubelet-bootstrap";
pub const NODECLIENT: &str = "create clusterrolebinding node-client-auto-approve-csr \
    --clusterrole=system:certificates.k8s.io:certificatesigningrequests:nodeclient \
    --group=system:bootstrappers";
pub const SELFNODECLIENT: &str = "create clusterrolebinding node-client-auto-renew-crt \
    --clusterrole=system:certificates.k8s.io:certificatesigningrequests:selfnodeclient \
    --group=system:nodes";

pub fn config() -> ClusterConfig {
    ClusterConfig::new(SEED, "2026-12-01T09:00:00Z", CA_CERT, CA_KEY)
        .unwrap()
        .with_token_csv(&format!(
            "{TOKEN},kubelet-bootstrap,10001,\"system:bootstrappers\"\n"
        ))
        .unwrap()
}

/// A cluster where the bootstrap user may create CSRs.
pub fn cluster() -> Cluster {
    let mut c = Cluster::new(config()).unwrap();
    assert_eq!(
        c.kubectl(NODE_BOOTSTRAPPER),
        "clusterrolebinding.rbac.authorization.k8s.io/kubelet-bootstrap created\n"
    );
    c
}

pub fn legacy(node: &str) -> NodeConfig {
    NodeConfig::legacy(node, TOKEN)
}

pub fn rotation(node: &str) -> NodeConfig {
    NodeConfig::rotation(node, TOKEN)
}

/// The CSR names, by name.
pub fn csr_names(c: &Cluster) -> Vec<String> {
    c.control_plane()
        .certificate_signing_requests()
        .map(|x| x.metadata.name.clone())
        .collect()
}

/// Whether the kubelet on `host` logged a line containing `text`.
pub fn logged(c: &Cluster, host: &str, text: &str) -> bool {
    c.kubelet_log(host).iter().any(|l| l.contains(text))
}
