//! A 1 000-node cluster bootstrapping with auto-approval on the virtual clock: nodes per second
//! on one core (wall time of the whole run, single-threaded) and bytes of memory per node (the
//! live heap after every node is `Ready`, counted by the global allocator, divided by the node
//! count). The recording run also reports the log's size per node and replays its inputs
//! ([`replay_inputs`]): records per second, and whether every output was reproduced.
//!
//! ```text
//! cargo bench --bench cluster            # 1 000 nodes
//! cargo bench --bench cluster -- 200     # another count
//! ```
#![allow(clippy::disallowed_methods)] // a benchmark reads the wall clock
#![allow(clippy::unwrap_used)] // a benchmark fails loudly on a broken set-up

use std::alloc::System;

use kube_tls_bootstrap::cluster::{Cluster, ClusterConfig, NodeConfig, Tokens, replay_inputs};
use kube_tls_bootstrap::time::Duration;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const TOKEN: &str = "02b50b05283e98dd0fd71db496ef01e8";
const CA_CERT: &[u8] = include_bytes!("../tests/data/pki/corpus/ca/ca.crt");
const CA_KEY: &[u8] = include_bytes!("../tests/data/pki/corpus/ca/ca.key");

fn main() {
    let nodes: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1000);
    run(nodes, false);
    run(nodes, true);
}

fn config() -> ClusterConfig {
    ClusterConfig::new(1, "2026-12-01T09:00:00Z", CA_CERT, CA_KEY)
        .unwrap()
        .with_token_csv(&format!(
            "{TOKEN},kubelet-bootstrap,10001,\"system:bootstrappers\"\n"
        ))
        .unwrap()
}

fn node(i: usize) -> NodeConfig {
    NodeConfig::rotation(&format!("node-{i}"), TOKEN)
}

fn run(nodes: usize, record: bool) {
    let mut config = config();
    config.record = record;
    let region = Region::new(GLOBAL);
    let started = std::time::Instant::now();
    let mut cluster = Cluster::new(config).unwrap();
    for binding in [
        "kubelet-bootstrap --clusterrole=system:node-bootstrapper --group=system:bootstrappers",
        "auto --clusterrole=system:certificates.k8s.io:certificatesigningrequests:nodeclient --group=system:bootstrappers",
    ] {
        cluster.kubectl(&format!("create clusterrolebinding {binding}"));
    }
    let base = region.change();
    for i in 0..nodes {
        cluster.start_node(node(i));
    }
    let mut rounds = 0;
    let ready = |c: &Cluster| {
        (0..nodes).all(|i| {
            c.kubelet(&format!("node-{i}"))
                .is_some_and(|k| k.is_node_ready())
        })
    };
    while !ready(&cluster) && rounds < 120 {
        cluster.advance(Duration::from_secs(1));
        rounds += 1;
    }
    let elapsed = started.elapsed();
    assert!(ready(&cluster), "not every node became Ready");
    let stats = region.change();
    let live = (stats.bytes_allocated as i64 - stats.bytes_deallocated as i64)
        - (base.bytes_allocated as i64 - base.bytes_deallocated as i64);
    // The recording grows with every input; report it apart.
    let log_bytes: usize = cluster
        .records()
        .iter()
        .map(|r| r.to_json_line().len())
        .sum();
    let mode = if record { "recording" } else { "not recording" };
    println!(
        "cluster/{nodes} nodes ({mode}) bootstrapped (auto-approval, {rounds} virtual seconds): {:.3} s wall, {:.0} nodes/s on one core",
        elapsed.as_secs_f64(),
        nodes as f64 / elapsed.as_secs_f64()
    );
    println!(
        "cluster/memory: {} bytes live per node ({} records, ~{} bytes of JSON when serialized)",
        live / nodes as i64,
        cluster.records().len(),
        log_bytes
    );
    if record {
        replay(nodes, &cluster.log());
    }
}

/// Replays the inputs of `log` on fresh machines and reports the speed.
fn replay(nodes: usize, log: &str) {
    let configs: Vec<NodeConfig> = (0..nodes).map(node).collect();
    let tokens = Tokens::of_nodes(&configs);
    let started = std::time::Instant::now();
    let report = replay_inputs(config(), &configs, &tokens, log).unwrap();
    let elapsed = started.elapsed();
    assert!(report.is_identical(), "{:?}", report.first_difference);
    println!(
        "cluster/log: {} bytes, {} bytes per node, {} lines ({} inputs)",
        log.len(),
        log.len() / nodes,
        report.records,
        report.inputs
    );
    println!(
        "cluster/replay_inputs: identical, {:.3} s wall, {:.0} records/s, {:.0} nodes/s",
        elapsed.as_secs_f64(),
        report.records as f64 / elapsed.as_secs_f64(),
        nodes as f64 / elapsed.as_secs_f64()
    );
}
