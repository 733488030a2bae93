//! Record a run of the in-memory cluster, replay it, change one input and see the consequence.
//!
//! ```text
//! cargo run --example replay                      # record, replay, then a changed replay
//! cargo run --example replay -- record run.jsonl  # write a recording
//! cargo run --example replay -- run.jsonl         # replay it: identical, or the first difference
//! cargo run --example replay -- a.jsonl b.jsonl   # where two recordings first differ
//! ```
//!
//! A recording is JSON lines: the driver's actions (`"to":"cluster"`: a node started, a kubectl
//! command, the clock moved) and every input the cluster delivered (to the control plane or a
//! host). Replaying runs the actions on a fresh cluster with the same configuration (this
//! program's: the seed, the test CA, the seed's `token.csv` line) and records again.
#![allow(clippy::disallowed_methods)] // an example program: it reads and writes recordings

use kube_tls_bootstrap::cluster::{Cluster, ClusterConfig, NodeConfig, first_difference, replay};
use kube_tls_bootstrap::time::Duration;

const TOKEN: &str = "02b50b05283e98dd0fd71db496ef01e8";
const CA_CERT: &[u8] = include_bytes!("../tests/data/pki/corpus/ca/ca.crt");
const CA_KEY: &[u8] = include_bytes!("../tests/data/pki/corpus/ca/ca.key");

type Error = Box<dyn std::error::Error>;

fn config() -> Result<ClusterConfig, Error> {
    Ok(
        ClusterConfig::new(28_560_626, "2026-12-01T09:00:00Z", CA_CERT, CA_KEY)?.with_token_csv(
            &format!("{TOKEN},kubelet-bootstrap,10001,\"system:bootstrappers\"\n"),
        )?,
    )
}

fn nodes() -> Vec<NodeConfig> {
    vec![
        NodeConfig::legacy("node-1", TOKEN),
        NodeConfig::rotation("node-2", TOKEN),
    ]
}

/// The recorded run: a binding, a legacy node approved by hand, a rotating node auto-approved.
fn record() -> Result<Cluster, Error> {
    let mut cluster = Cluster::new(config()?)?;
    let [legacy, rotation] = <[NodeConfig; 2]>::try_from(nodes()).map_err(|_| "two nodes")?;
    cluster.kubectl(
        "create clusterrolebinding kubelet-bootstrap --clusterrole=system:node-bootstrapper --group=system:bootstrappers",
    );
    cluster.start_node(legacy);
    cluster.advance(Duration::from_secs(10));
    let name = cluster
        .control_plane()
        .certificate_signing_requests()
        .map(|c| c.metadata.name.clone())
        .next()
        .ok_or("node-1's CSR")?;
    cluster.kubectl(&format!("certificate approve {name}"));
    cluster.kubectl(
        "create clusterrolebinding auto --clusterrole=system:certificates.k8s.io:certificatesigningrequests:nodeclient --group=system:bootstrappers",
    );
    cluster.start_node(rotation);
    cluster.advance(Duration::from_secs(10));
    Ok(cluster)
}

fn report(a: &str, b: &str) {
    match first_difference(a, b) {
        None => println!("identical ({} records)", a.lines().count()),
        Some((line, left, right)) => {
            println!("first difference at line {line}:");
            println!("- {}", left.unwrap_or("(end of log)"));
            println!("+ {}", right.unwrap_or("(end of log)"));
        }
    }
}

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [cmd, path] if cmd == "record" => {
            std::fs::write(path, record()?.log())?;
            println!("recorded {path}");
        }
        [path] => {
            let log = std::fs::read_to_string(path)?;
            let again = replay(config()?, &nodes(), &log)?;
            report(&log, &again.log());
        }
        [a, b] => report(&std::fs::read_to_string(a)?, &std::fs::read_to_string(b)?),
        [] => {
            let log = record()?.log();
            println!("recorded a run: {} records", log.lines().count());
            print!("replayed: ");
            report(&log, &replay(config()?, &nodes(), &log)?.log());
            // Change one input: the admin approves five seconds later.
            let changed = log.replacen(
                r#"{"advance":{"nanos":10000000000}}"#,
                r#"{"advance":{"nanos":15000000000}}"#,
                1,
            );
            let again = replay(config()?, &nodes(), &changed)?.log();
            print!("replayed with the approval 5 s later: ");
            report(&log, &again);
            // Its first consequence: the first delivered input that differs.
            let delivered = |log: &str| -> String {
                log.lines()
                    .filter(|l| !l.contains(r#""to":"cluster""#))
                    .map(|l| format!("{l}\n"))
                    .collect()
            };
            print!("the first delivered input that differs: ");
            report(&delivered(&log), &delivered(&again));
        }
        _ => return Err("usage: replay [record FILE | FILE | FILE FILE]".into()),
    }
    Ok(())
}
