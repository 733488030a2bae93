//! Record a run of the in-memory cluster, replay its inputs, change one input and see the
//! consequence.
//!
//! ```text
//! cargo run --example replay                      # record, replay, then a changed replay
//! cargo run --example replay -- record run.jsonl  # write a recording
//! cargo run --example replay -- run.jsonl         # replay its inputs: identical, or the first difference
//! cargo run --example replay -- a.jsonl b.jsonl   # where two recordings first differ
//! ```
//!
//! A recording is JSON lines (see `kube_tls_bootstrap::cluster::record`): every input the
//! cluster delivered — to the control plane or a host — with the count and digest of the
//! outputs it caused, and the driver's actions (`"to":"cluster"`). Replaying feeds the inputs to
//! fresh machines made from this program's configuration (the seed, the test CA, the seed's
//! `token.csv` line, the two node configurations) and checks every output; it also re-drives the
//! actions and compares the new recording with the old.
#![allow(clippy::disallowed_methods)] // an example program: it reads and writes recordings

use kube_tls_bootstrap::api::Operation;
use kube_tls_bootstrap::cluster::record::{ControlPlaneInput, RecordInput};
use kube_tls_bootstrap::cluster::{
    Cluster, ClusterConfig, InputReplay, NodeConfig, Record, Tokens, first_difference, replay,
    replay_inputs,
};
use kube_tls_bootstrap::csr::ConditionType;
use kube_tls_bootstrap::csr::kubectl::CertificateCommand;
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
            println!("- {}", short(left.unwrap_or("(end of log)")));
            println!("+ {}", short(right.unwrap_or("(end of log)")));
        }
    }
}

/// The first 240 characters of a long line.
fn short(line: &str) -> String {
    match line.char_indices().nth(240) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line.to_owned(),
    }
}

/// Replays the inputs of `log`; prints `identical (n records)` or the first difference.
fn replay_log(log: &str) -> Result<InputReplay, Error> {
    let nodes = nodes();
    let got = replay_inputs(config()?, &nodes, &Tokens::of_nodes(&nodes), log)?;
    match &got.first_difference {
        None => println!("identical ({} records)", got.records),
        Some(d) => {
            println!(
                "the outputs differ at line {} (to {}): recorded {}, replayed {}",
                d.line, d.to, d.expected, d.got
            );
            for output in &d.produced {
                // A CSR's conditions are what an approval changes: show them.
                let from = output.find("conditions: [").unwrap_or(0);
                println!("  {}", short(&output[from..]));
            }
            let lines: Vec<String> = got.differing.iter().map(ToString::to_string).collect();
            println!(
                "{} records differ, at lines {}",
                got.differing.len(),
                lines.join(", ")
            );
        }
    }
    Ok(got)
}

/// `log` with the first `kubectl certificate approve` turned into a deny: the condition of the
/// approval request the admin sent becomes `Denied`.
fn deny_instead(log: &str) -> Result<(usize, String), Error> {
    let mut records: Vec<Record> = log
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    let at = records
        .iter()
        .position(|r| {
            matches!(
                &r.input,
                RecordInput::ControlPlane(ControlPlaneInput::Request {
                    operation: Operation::UpdateApproval(_),
                    ..
                })
            )
        })
        .ok_or("an approval")?;
    if let RecordInput::ControlPlane(ControlPlaneInput::Request {
        operation: Operation::UpdateApproval(csr),
        ..
    }) = &mut records[at].input
    {
        let deny = CertificateCommand::Deny;
        for c in &mut csr.status.conditions {
            if c.type_ == ConditionType::Approved {
                c.type_ = deny.condition_type();
                c.reason = deny.reason().to_owned();
                c.message = deny.message().to_owned();
            }
        }
    }
    let text = records.iter().map(|r| r.to_json_line() + "\n").collect();
    Ok((at + 1, text))
}

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [cmd, path] if cmd == "record" => {
            std::fs::write(path, record()?.log())?;
            println!("recorded {path}");
        }
        [path] => {
            let log = std::fs::read_to_string(path)?;
            print!("replayed: ");
            replay_log(&log)?;
            print!("re-driven: ");
            report(&log, &replay(config()?, &nodes(), &log)?.log());
        }
        [a, b] => report(&std::fs::read_to_string(a)?, &std::fs::read_to_string(b)?),
        [] => {
            let log = record()?.log();
            println!("recorded a run: {} records", log.lines().count());
            print!("replayed: ");
            replay_log(&log)?;
            print!("re-driven: ");
            report(&log, &replay(config()?, &nodes(), &log)?.log());
            // Change one input: the admin denies node-1's request instead of approving it.
            let (line, changed) = deny_instead(&log)?;
            println!("line {line} changed: the admin denies node-1's request instead");
            print!("replayed with the change: ");
            replay_log(&changed)?;
            // Re-driving the changed run instead lets the kubelet react: where the runs part.
            print!("re-driven with the admin's approval 5 s later: ");
            let later = log.replacen(
                r#"{"advance":{"nanos":10000000000}}"#,
                r#"{"advance":{"nanos":15000000000}}"#,
                1,
            );
            let again = replay(config()?, &nodes(), &later)?.log();
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
