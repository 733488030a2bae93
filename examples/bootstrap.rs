//! The kubelet TLS bootstrap as an admin meets it, on one in-memory [`Cluster`]: the
//! `token.csv` line, the RBAC binding, a legacy kubelet's `node-csr-` request approved by hand,
//! the node `Ready`, then auto-approval, a rotation, a denial and a node asking for another
//! node's name.
//!
//! ```text
//! cargo run --example bootstrap
//! ```
//!
//! Every input is fixed — the clock, the seed of the keys and of the control plane — so the
//! output is the same on every run (CI compares it with `tests/data/bootstrap.transcript`).
//! Tokens are never printed, only their fingerprints. The CA is the test CA committed under
//! `tests/data/pki/corpus/ca/` (a test key).

use kube_tls_bootstrap::cluster::{Cluster, ClusterConfig, NodeConfig};
use kube_tls_bootstrap::identity::TokenFile;
use kube_tls_bootstrap::kubelet::files::Entry;
use kube_tls_bootstrap::kubelet::{Disk, KeyPurpose, NodeAddress};
use kube_tls_bootstrap::time::Duration;

/// The seed's `token.csv` line: `token,user,uid,"groups"`.
const TOKEN_CSV: &str =
    "02b50b05283e98dd0fd71db496ef01e8,kubelet-bootstrap,10001,\"system:bootstrappers\"\n";
const TOKEN: &str = "02b50b05283e98dd0fd71db496ef01e8";
const CA_CERT: &[u8] = include_bytes!("../tests/data/pki/corpus/ca/ca.crt");
const CA_KEY: &[u8] = include_bytes!("../tests/data/pki/corpus/ca/ca.key");
const SEED: u64 = 28_560_626;

type Error = Box<dyn std::error::Error>;

fn main() -> Result<(), Error> {
    let mut cluster = new_cluster()?;

    // 1. The token file.
    section("1. kube-apiserver --token-auth-file=/etc/kubernetes/token.csv");
    command("cat /etc/kubernetes/token.csv");
    println!("<token>,kubelet-bootstrap,10001,\"system:bootstrappers\"");
    let token_file = TokenFile::parse(TOKEN_CSV.as_bytes(), "/etc/kubernetes/token.csv")?;
    for entry in token_file.entries() {
        println!(
            "kube-apiserver: loaded token {} for user {:?} (uid {:?}, groups {:?})",
            entry.fingerprint(),
            entry.name(),
            entry.uid(),
            entry.groups().collect::<Vec<_>>()
        );
    }

    // 2. The binding that lets the bootstrap user create CSRs.
    section("2. RBAC for the bootstrap user");
    kubectl(
        &mut cluster,
        "create clusterrolebinding kubelet-bootstrap --clusterrole=system:node-bootstrapper --user=kubelet-bootstrap",
    );

    // 3. A legacy kubelet (rotateCertificates: false) with a bootstrap kubeconfig.
    section(
        "3. kubelet --bootstrap-kubeconfig=/etc/kubernetes/bootstrap.kubeconfig --kubeconfig=/etc/kubernetes/kubelet.kubeconfig (node-1, legacy path)",
    );
    cluster.start_node(node("node-1", false));
    cluster.run_until_idle();
    print_log(&cluster, "node-1", 0);
    kubectl(&mut cluster, "get csr");
    let name = csr_names(&cluster).first().cloned().unwrap_or_default();

    // 4. The admin approves; csrsigning issues a second later and the kubelet, watching its
    //    request, stores the certificate and registers its node.
    section("4. Approval by hand");
    cluster.advance(Duration::from_secs(30));
    kubectl(&mut cluster, &format!("describe csr {name}"));
    let seen = cluster.kubelet_log("node-1").len();
    kubectl(&mut cluster, &format!("certificate approve {name}"));
    cluster.advance(Duration::from_secs(2));
    kubectl(&mut cluster, "get csr");
    print_log(&cluster, "node-1", seen);

    // 5. The node, its files and its kubeconfig.
    section("5. The node");
    cluster.advance(Duration::from_secs(10));
    kubectl(&mut cluster, "get nodes");
    if let Some(disk) = cluster.disk("node-1") {
        list_files(disk, "/var/lib/kubelet/pki/");
        command("cat /etc/kubernetes/kubelet.kubeconfig");
        if let Some(contents) = disk.read("/etc/kubernetes/kubelet.kubeconfig") {
            print!("{}", String::from_utf8_lossy(contents));
        }
    }

    // 6a. Auto-approval of bootstrap requests.
    section("6a. Auto-approval (nodeclient) for a rotating kubelet (node-2)");
    kubectl(
        &mut cluster,
        "create clusterrolebinding node-client-auto-approve-csr --clusterrole=system:certificates.k8s.io:certificatesigningrequests:nodeclient --group=system:bootstrappers",
    );
    cluster.start_node(node("node-2", true));
    cluster.advance(Duration::from_secs(5));
    print_log(&cluster, "node-2", 0);
    kubectl(&mut cluster, "get csr");
    kubectl(&mut cluster, "get nodes");

    // 6b. Renewal with the node's own certificate, approved through selfnodeclient.
    section("6b. Rotation (selfnodeclient) at node-2's rotation deadline");
    kubectl(
        &mut cluster,
        "create clusterrolebinding node-client-auto-renew-crt --clusterrole=system:certificates.k8s.io:certificatesigningrequests:selfnodeclient --group=system:nodes",
    );
    let deadline = cluster
        .kubelet("node-2")
        .and_then(|k| k.rotation_deadline(KeyPurpose::Client))
        .ok_or("node-2 has a rotation deadline")?;
    println!("(the clock moves to {deadline}, node-2's rotation deadline)");
    let seen = cluster.kubelet_log("node-2").len();
    let wait = deadline.duration_since(cluster.now()) + Duration::from_secs(5);
    cluster.advance(wait);
    print_log(&cluster, "node-2", seen);
    kubectl(&mut cluster, "get csr");

    // 6c. A serving certificate denied.
    section("6c. A denial: node-3's serving certificate (serverTLSBootstrap: true)");
    let mut config = node("node-3", true);
    config.kubelet.serving = true;
    cluster.start_node(config);
    cluster.advance(Duration::from_secs(5));
    cluster.set_node_addresses("node-3", addresses());
    cluster.advance(Duration::from_secs(5));
    let serving = cluster
        .control_plane()
        .certificate_signing_requests()
        .filter(|c| c.spec.signer_name == "kubernetes.io/kubelet-serving")
        .map(|c| c.metadata.name.clone())
        .last()
        .ok_or("node-3's serving CSR")?;
    kubectl(&mut cluster, "get csr");
    let seen = cluster.kubelet_log("node-3").len();
    kubectl(&mut cluster, &format!("certificate deny {serving}"));
    cluster.advance(Duration::from_secs(5));
    print_log(&cluster, "node-3", seen);
    kubectl(&mut cluster, &format!("certificate approve {serving}"));

    // 6d. A node asks for another node's name.
    section("6d. node-2's host renamed to node-1: a certificate for another node's name");
    let seen = cluster.kubelet_log("node-2").len();
    cluster.rename_node("node-2", "node-1");
    cluster.advance(Duration::from_millis(500));
    print_log(&cluster, "node-2", seen);
    kubectl(
        &mut cluster,
        "auth can-i get nodes/node-1 --as=system:node:node-2 --as-group=system:nodes",
    );
    Ok(())
}

fn new_cluster() -> Result<Cluster, Error> {
    let mut config = ClusterConfig::new(SEED, "2026-12-01T09:00:00Z", CA_CERT, CA_KEY)?
        .with_token_csv(TOKEN_CSV)?;
    config.control_plane.signing_duration = Duration::from_hours(24);
    Ok(Cluster::new(config)?)
}

fn node(name: &str, rotation: bool) -> NodeConfig {
    let mut config = if rotation {
        NodeConfig::rotation(name, TOKEN)
    } else {
        NodeConfig::legacy(name, TOKEN)
    };
    config.kubelet.kubeconfig_path = "/etc/kubernetes/kubelet.kubeconfig".to_owned();
    config.kubelet.bootstrap_kubeconfig_path = "/etc/kubernetes/bootstrap.kubeconfig".to_owned();
    config
}

fn csr_names(cluster: &Cluster) -> Vec<String> {
    cluster
        .control_plane()
        .certificate_signing_requests()
        .map(|c| c.metadata.name.clone())
        .collect()
}

fn kubectl(cluster: &mut Cluster, line: &str) {
    command(&format!("kubectl {line}"));
    print!("{}", cluster.kubectl(line));
}

fn print_log(cluster: &Cluster, host: &str, from: usize) {
    for line in cluster.kubelet_log(host).iter().skip(from) {
        println!("{host} kubelet: {line}");
    }
}

fn list_files(disk: &Disk, dir: &str) {
    command(&format!("ls -l {dir}"));
    for (path, entry) in disk.entries() {
        let Some(name) = path.strip_prefix(dir) else {
            continue;
        };
        match entry {
            Entry::File { contents, mode } => {
                println!("{} {:>5} {name}", mode_string(*mode), contents.len());
            }
            Entry::Symlink(target) => println!("lrwxrwxrwx {:>5} {name} -> {target}", target.len()),
            Entry::Directory => println!("drwxr-xr-x {:>5} {name}", 4096),
        }
    }
}

fn mode_string(mode: u32) -> String {
    let mut s = String::from("-");
    for shift in [6, 3, 0] {
        let bits = (mode >> shift) & 7;
        s.push(if bits & 4 != 0 { 'r' } else { '-' });
        s.push(if bits & 2 != 0 { 'w' } else { '-' });
        s.push(if bits & 1 != 0 { 'x' } else { '-' });
    }
    s
}

fn addresses() -> Vec<NodeAddress> {
    vec![
        NodeAddress::new("InternalIP", "10.0.0.12"),
        NodeAddress::new("Hostname", "node-3"),
    ]
}

fn section(title: &str) {
    println!();
    println!("## {title}");
}

fn command(line: &str) {
    println!("$ {line}");
}
