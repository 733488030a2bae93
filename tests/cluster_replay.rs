//! Input-level record and replay: every input the cluster delivers goes through its JSON line and
//! back to the same value; replaying a log's inputs reproduces every recorded output; a changed
//! input shows where the outputs part; bad logs are typed errors with their place.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

mod common;

use common::*;
use kube_tls_bootstrap::api::{
    Credential, EventType, Operation, Reply, Request, RequestId, Selector, Status, WatchEvent,
    WatchId,
};
use kube_tls_bootstrap::cluster::record::{
    ControlPlaneInput, DiskState, HostInput, InputError, Record, RecordInput, Tokens,
};
use kube_tls_bootstrap::cluster::{
    Cluster, ClusterConfig, NodeConfig, ReplayError, first_difference, node_key, replay,
    replay_inputs,
};
use kube_tls_bootstrap::control_plane::{Input, TicketId, Verdict};
use kube_tls_bootstrap::kubelet::{self, KeyPurpose, NodeAddress};
use kube_tls_bootstrap::node::Node;
use kube_tls_bootstrap::rbac::{ClusterRole, ClusterRoleBinding};
use kube_tls_bootstrap::time::Duration;

/// `TOKEN`'s fingerprint.
const FINGERPRINT: &str = "sha256:2d5dc0f4fdf688fd";

fn line_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap()
}

fn control_plane_round_trip(input: &Input, tokens: &Tokens) -> Input {
    let text = line_json(&ControlPlaneInput::from_input(input));
    let back: ControlPlaneInput = serde_json::from_str(&text).unwrap();
    back.to_input(tokens).unwrap()
}

/// The control-plane inputs compared field by field (`Input` has no `PartialEq`).
fn same_control_plane_input(a: &Input, b: &Input) -> bool {
    match (a, b) {
        (Input::Request { id: i, request: r }, Input::Request { id: j, request: s }) => {
            i == j && r == s
        }
        (Input::CloseWatch(a), Input::CloseWatch(b)) => a == b,
        (
            Input::Verdict {
                ticket: t,
                verdict: v,
            },
            Input::Verdict {
                ticket: u,
                verdict: w,
            },
        ) => t == u && v == w,
        (
            Input::Signature {
                ticket: t,
                signature: s,
            },
            Input::Signature {
                ticket: u,
                signature: r,
            },
        ) => t == u && s == r,
        (Input::Timeout, Input::Timeout) => true,
        _ => false,
    }
}

/// A cluster with node-1 bootstrapped by hand: its CSR, its Node and the admin's objects.
fn bootstrapped() -> Cluster {
    let mut c = cluster();
    c.start_node(legacy("node-1"));
    c.run_until_idle();
    let name = csr_names(&c)[0].clone();
    c.kubectl(&format!("certificate approve {name}"));
    c.advance(Duration::from_secs(5));
    c
}

#[test]
fn every_control_plane_input_goes_through_json_and_back() {
    let c = bootstrapped();
    let csr = c
        .control_plane()
        .certificate_signing_requests()
        .next()
        .unwrap()
        .clone();
    let node = c.control_plane().node("node-1").unwrap().clone();
    let mut role = ClusterRole::default();
    role.metadata.name = "r".into();
    let mut binding = ClusterRoleBinding::default();
    binding.metadata.name = "b".into();
    binding.role_ref.name = "r".into();
    binding.role_ref.kind = "ClusterRole".into();
    let operations = vec![
        Operation::CreateCertificateSigningRequest(Box::new(csr.clone())),
        Operation::GetCertificateSigningRequest { name: "x".into() },
        Operation::ListCertificateSigningRequests(Selector::default()),
        Operation::ListCertificateSigningRequests(Selector {
            name: Some("x".into()),
        }),
        Operation::WatchCertificateSigningRequests {
            selector: Selector {
                name: Some("x".into()),
            },
            resource_version: Some("12".into()),
        },
        Operation::WatchCertificateSigningRequests {
            selector: Selector::default(),
            resource_version: None,
        },
        Operation::UpdateApproval(Box::new(csr.clone())),
        Operation::UpdateStatus(Box::new(csr)),
        Operation::DeleteCertificateSigningRequest { name: "x".into() },
        Operation::CreateClusterRole(Box::new(role)),
        Operation::DeleteClusterRole { name: "r".into() },
        Operation::CreateClusterRoleBinding(Box::new(binding)),
        Operation::DeleteClusterRoleBinding { name: "b".into() },
        Operation::CreateNode(Box::new(node.clone())),
        Operation::GetNode {
            name: "node-1".into(),
        },
        Operation::ListNodes,
        Operation::UpdateNodeStatus(Box::new(node)),
        Operation::DeleteNode {
            name: "node-1".into(),
        },
    ];
    let admin = c.admin_credential().clone();
    let credentials = [
        Credential::None,
        Credential::BearerToken(TOKEN.into()),
        admin,
    ];
    let tokens = Tokens::of_nodes(&[legacy("node-1")]);
    let mut inputs = Vec::new();
    for (n, operation) in operations.into_iter().enumerate() {
        inputs.push(Input::Request {
            id: RequestId(n as u64),
            request: Request {
                credential: credentials[n % 3].clone(),
                operation,
            },
        });
    }
    inputs.extend([
        Input::CloseWatch(WatchId(4)),
        Input::Verdict {
            ticket: TicketId(1),
            verdict: Verdict::Approve {
                reason: "R".into(),
                message: "m".into(),
            },
        },
        Input::Verdict {
            ticket: TicketId(2),
            verdict: Verdict::Deny {
                reason: "D".into(),
                message: "no".into(),
            },
        },
        Input::Verdict {
            ticket: TicketId(3),
            verdict: Verdict::Abstain,
        },
        Input::Signature {
            ticket: TicketId(4),
            signature: Ok(vec![0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02]),
        },
        Input::Signature {
            ticket: TicketId(5),
            signature: Err("HSM offline".into()),
        },
        Input::Timeout,
    ]);
    assert_eq!(inputs.len(), 25);
    for input in &inputs {
        let back = control_plane_round_trip(input, &tokens);
        assert!(same_control_plane_input(input, &back), "{input:?}");
    }
    // The stable JSON of the small ones.
    let text = |i: &Input| line_json(&ControlPlaneInput::from_input(i));
    assert_eq!(
        text(&inputs[1]),
        r#"{"request":{"id":1,"credential":{"bearerToken":"sha256:2d5dc0f4fdf688fd"},"operation":{"getCertificateSigningRequest":{"name":"x"}}}}"#
    );
    assert_eq!(
        text(&inputs[4]),
        r#"{"request":{"id":4,"credential":{"bearerToken":"sha256:2d5dc0f4fdf688fd"},"operation":{"watchCertificateSigningRequests":{"selector":{"name":"x"},"resourceVersion":"12"}}}}"#
    );
    assert_eq!(
        text(&inputs[15]),
        r#"{"request":{"id":15,"credential":"none","operation":"listNodes"}}"#
    );
    assert_eq!(text(&inputs[18]), r#"{"closeWatch":4}"#);
    assert_eq!(
        text(&inputs[19]),
        r#"{"verdict":{"ticket":1,"verdict":{"approve":{"reason":"R","message":"m"}}}}"#
    );
    assert_eq!(
        text(&inputs[21]),
        r#"{"verdict":{"ticket":3,"verdict":"abstain"}}"#
    );
    assert_eq!(
        text(&inputs[22]),
        r#"{"signature":{"ticket":4,"signature":"MAYCAQECAQI="}}"#
    );
    assert_eq!(
        text(&inputs[23]),
        r#"{"signature":{"ticket":5,"error":"HSM offline"}}"#
    );
    assert_eq!(text(&inputs[24]), r#""timeout""#);
    // No token in clear, the certificate in full.
    let all: String = inputs.iter().map(text).collect();
    assert!(!all.contains(TOKEN));
    let Credential::ClientCertificate(chain) = c.admin_credential() else {
        panic!("the admin has a client certificate");
    };
    use base64::Engine as _;
    let der = base64::engine::general_purpose::STANDARD.encode(&chain[0]);
    assert!(all.contains(&format!(r#"{{"clientCertificate":["{der}"]}}"#)));
}

#[test]
fn every_host_input_goes_through_json_and_back() {
    let c = bootstrapped();
    let csr = c
        .control_plane()
        .certificate_signing_requests()
        .next()
        .unwrap()
        .clone();
    let node = c.control_plane().node("node-1").unwrap().clone();
    let inputs = vec![
        HostInput::Start {
            node: "node-1".into(),
            node_config: 2,
            disk: DiskState::Kept,
        },
        HostInput::Reply {
            id: RequestId(3),
            reply: Reply::CertificateSigningRequest {
                code: 201,
                object: std::sync::Arc::new(csr.clone()),
            },
        },
        HostInput::Reply {
            id: RequestId(4),
            reply: Reply::CertificateSigningRequestList(Box::new(
                kube_tls_bootstrap::csr::CertificateSigningRequestList {
                    items: vec![csr.clone()],
                    ..Default::default()
                },
            )),
        },
        HostInput::Reply {
            id: RequestId(5),
            reply: Reply::ClusterRole {
                code: 201,
                object: Box::default(),
            },
        },
        HostInput::Reply {
            id: RequestId(6),
            reply: Reply::ClusterRoleBinding {
                code: 201,
                object: Box::default(),
            },
        },
        HostInput::Reply {
            id: RequestId(7),
            reply: Reply::Node {
                code: 200,
                object: Box::new(node.clone()),
            },
        },
        HostInput::Reply {
            id: RequestId(8),
            reply: Reply::NodeList(vec![node, Node::new("node-2")]),
        },
        HostInput::Reply {
            id: RequestId(9),
            reply: Reply::WatchOpened(WatchId(2)),
        },
        HostInput::Reply {
            id: RequestId(10),
            reply: Reply::Status(Status::expired(3, 9)),
        },
        HostInput::RequestFailed {
            id: RequestId(11),
            error: "connection refused".into(),
        },
        HostInput::WatchEvent {
            watch: WatchId(2),
            event: WatchEvent {
                type_: EventType::Modified,
                object: std::sync::Arc::new(csr),
            },
        },
        HostInput::WatchEnded(WatchId(2)),
        HostInput::Key {
            purpose: KeyPurpose::LegacyClient,
            index: 1,
        },
        HostInput::NodeAddresses(vec![NodeAddress::new("InternalIP", "10.0.0.11")]),
        HostInput::Timeout,
    ];
    for input in &inputs {
        let back: HostInput = serde_json::from_str(&line_json(input)).unwrap();
        assert_eq!(&back, input);
    }
    assert_eq!(
        line_json(&inputs[0]),
        r#"{"start":{"node":"node-1","nodeConfig":2,"disk":"kept"}}"#
    );
    assert_eq!(
        line_json(&inputs[7]),
        r#"{"reply":{"id":9,"reply":{"watchOpened":2}}}"#
    );
    assert_eq!(
        line_json(&inputs[8]),
        r#"{"reply":{"id":10,"reply":{"status":{"status":"Failure","message":"too old resource version: 3 (9)","reason":"Expired","code":410}}}}"#
    );
    assert_eq!(line_json(&inputs[11]), r#"{"watchEnded":2}"#);
    assert_eq!(
        line_json(&inputs[12]),
        r#"{"key":{"purpose":"legacyClient","index":1}}"#
    );
    assert_eq!(
        line_json(&inputs[13]),
        r#"{"nodeAddresses":[{"type":"InternalIP","address":"10.0.0.11"}]}"#
    );
    // The key is the one the cluster derives: SHA-256(seed, host, index).
    let Some(kubelet::Input::Key(KeyPurpose::LegacyClient, key)) =
        inputs[12].to_input(SEED, "node-1")
    else {
        panic!("a key input");
    };
    assert_eq!(
        key.to_pkcs8_der(),
        node_key(SEED, "node-1", 1).unwrap().to_pkcs8_der()
    );
    assert!(inputs[0].to_input(SEED, "node-1").is_none());
}

#[test]
fn every_recorded_input_reads_back_to_the_same_json() {
    let c = bootstrapped();
    let log = c.log();
    let mut kinds = std::collections::BTreeSet::new();
    for line in log.lines() {
        let record: Record = serde_json::from_str(line).unwrap();
        // Typed and back, byte for byte.
        assert_eq!(record.to_json_line(), line);
        if record.to == "cluster" {
            continue;
        }
        let kind = match serde_json::to_value(&record.input).unwrap() {
            serde_json::Value::Object(m) => m.keys().next().unwrap().clone(),
            other => other.to_string(),
        };
        kinds.insert(format!(
            "{} {kind}",
            if record.to == "control-plane" {
                "cp"
            } else {
                "host"
            }
        ));
    }
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        [
            "cp \"timeout\"",
            "cp closeWatch",
            "cp request",
            "host key",
            "host reply",
            "host start",
            "host watchEvent",
        ]
    );
    assert!(!log.contains(TOKEN));
    assert!(log.contains(FINGERPRINT));
}

/// The scenario of `examples/bootstrap.rs`: a legacy node approved by hand, auto-approval, a
/// rotation, a serving certificate denied, a host renamed.
fn bootstrap_example() -> (ClusterConfig, Vec<NodeConfig>, Cluster) {
    let node = |name: &str, rotation: bool| {
        let mut config = if rotation {
            NodeConfig::rotation(name, TOKEN)
        } else {
            NodeConfig::legacy(name, TOKEN)
        };
        config.kubelet.kubeconfig_path = "/etc/kubernetes/kubelet.kubeconfig".to_owned();
        config.kubelet.bootstrap_kubeconfig_path =
            "/etc/kubernetes/bootstrap.kubeconfig".to_owned();
        config
    };
    let mut serving = node("node-3", true);
    serving.kubelet.serving = true;
    let nodes = vec![node("node-1", false), node("node-2", true), serving];
    let mut config = config();
    config.control_plane.signing_duration = Duration::from_hours(24);
    let mut c = Cluster::new(config.clone()).unwrap();
    c.kubectl(NODE_BOOTSTRAPPER);
    c.start_node(nodes[0].clone());
    c.run_until_idle();
    let name = csr_names(&c)[0].clone();
    c.advance(Duration::from_secs(30));
    c.kubectl(&format!("describe csr {name}"));
    c.kubectl(&format!("certificate approve {name}"));
    c.advance(Duration::from_secs(2));
    c.kubectl("get csr");
    c.advance(Duration::from_secs(10));
    c.kubectl("get nodes");
    c.kubectl(NODECLIENT);
    c.start_node(nodes[1].clone());
    c.advance(Duration::from_secs(5));
    c.kubectl(SELFNODECLIENT);
    let deadline = c
        .kubelet("node-2")
        .unwrap()
        .rotation_deadline(KeyPurpose::Client)
        .unwrap();
    c.advance(deadline.duration_since(c.now()) + Duration::from_secs(5));
    c.start_node(nodes[2].clone());
    c.advance(Duration::from_secs(5));
    c.set_node_addresses(
        "node-3",
        vec![
            NodeAddress::new("InternalIP", "10.0.0.12"),
            NodeAddress::new("Hostname", "node-3"),
        ],
    );
    c.advance(Duration::from_secs(5));
    let serving = c
        .control_plane()
        .certificate_signing_requests()
        .filter(|x| x.spec.signer_name == "kubernetes.io/kubelet-serving")
        .map(|x| x.metadata.name.clone())
        .last()
        .unwrap();
    c.kubectl(&format!("certificate deny {serving}"));
    c.advance(Duration::from_secs(5));
    c.rename_node("node-2", "node-1");
    c.advance(Duration::from_millis(500));
    (config, nodes, c)
}

#[test]
fn the_bootstrap_example_replays_identically_at_both_levels() {
    let (config, nodes, c) = bootstrap_example();
    let log = c.log();
    let tokens = Tokens::of_nodes(&nodes);
    let report = replay_inputs(config.clone(), &nodes, &tokens, &log).unwrap();
    assert!(report.is_identical(), "{:?}", report.first_difference);
    assert_eq!(report.records, log.lines().count());
    assert_eq!(
        report.inputs,
        log.lines()
            .filter(|l| !l.contains(r#""to":"cluster""#))
            .count()
    );
    assert_eq!(report.differing, Vec::<usize>::new());
    // Restarts keep their files: the renamed host starts on the disk it had.
    assert!(log.contains(
        r#""to":"node-2","input":{"start":{"node":"node-1","nodeConfig":1,"disk":"kept"}}"#
    ));
    let again = replay(config, &nodes, &log).unwrap();
    assert_eq!(first_difference(&log, &again.log()), None);
}

/// The scenarios of `tests/cluster_scenarios.rs`, recorded and replayed input by input.
#[test]
fn the_scenario_runs_replay_identically() {
    let runs: Vec<(Vec<NodeConfig>, Cluster)> = vec![
        {
            let mut c = cluster();
            c.start_host("host-a", legacy("node-1"));
            c.start_host("host-b", legacy("node-1"));
            c.run_until_idle();
            for name in csr_names(&c) {
                c.kubectl(&format!("certificate approve {name}"));
            }
            c.advance(Duration::from_secs(5));
            (vec![legacy("node-1"), legacy("node-1")], c)
        },
        {
            let mut c = cluster();
            c.start_node(legacy("node-1"));
            c.run_until_idle();
            let name = csr_names(&c)[0].clone();
            c.kubectl(&format!("certificate deny {name}"));
            c.advance(Duration::from_secs(5));
            c.restart_node("node-1");
            c.advance(Duration::from_mins(120));
            c.restart_node("node-1");
            c.run_until_idle();
            for name in csr_names(&c) {
                c.kubectl(&format!("certificate approve {name}"));
            }
            c.advance(Duration::from_secs(5));
            (vec![legacy("node-1")], c)
        },
        {
            let mut c = cluster();
            c.kubectl(NODECLIENT);
            c.start_node(rotation("node-1"));
            c.start_node(rotation("node-2"));
            c.advance(Duration::from_secs(5));
            let pair = c.kubelet("node-1").unwrap().client_certificate().unwrap();
            let me = Credential::ClientCertificate(pair.chain_der());
            assert_eq!(c.call(&me, Operation::ListNodes).code(), 403);
            assert_eq!(
                c.call(&Credential::BearerToken(TOKEN.into()), Operation::ListNodes)
                    .code(),
                403
            );
            c.kubectl("delete node node-2");
            c.advance_to_next_timer();
            (vec![rotation("node-1"), rotation("node-2")], c)
        },
    ];
    for (nodes, c) in runs {
        let log = c.log();
        let tokens = Tokens::of_nodes(&nodes);
        let report = replay_inputs(config(), &nodes, &tokens, &log).unwrap();
        assert!(report.is_identical(), "{:?}", report.first_difference);
        let again = replay(config(), &nodes, &log).unwrap();
        assert_eq!(first_difference(&log, &again.log()), None);
    }
}

#[test]
fn a_call_is_recorded_and_replayed() {
    let mut c = cluster();
    let got = c.call(&Credential::BearerToken(TOKEN.into()), Operation::ListNodes);
    assert_eq!(got.code(), 403);
    let log = c.log();
    let lines: Vec<&str> = log.lines().collect();
    let call = lines
        .iter()
        .position(|l| l.ends_with(r#""to":"cluster","input":"call"}"#))
        .unwrap();
    assert_eq!(
        lines[call + 1],
        r#"{"at":"2026-12-01 09:00:00 +0000 UTC","to":"control-plane","input":{"request":{"id":2,"credential":{"bearerToken":"sha256:2d5dc0f4fdf688fd"},"operation":"listNodes"}},"outputs":{"count":1,"sha256":"#.to_owned()
            + &lines[call + 1][lines[call + 1].len() - 20..]
    );
    // The token is found among the nodes' tokens; without it, both replays say where.
    let nodes = [legacy("node-1")];
    let again = replay(config(), &nodes, &log).unwrap();
    assert_eq!(again.log(), log);
    let err = replay(config(), &[], &log).unwrap_err();
    assert!(
        matches!(&err, ReplayError::Input { line, error: InputError::UnknownToken(fp) }
            if *line == call + 2 && fp == FINGERPRINT),
        "{err:?}"
    );
    let mut tokens = Tokens::default();
    assert!(replay_inputs(config(), &[], &tokens, &log).is_err());
    tokens.add(TOKEN);
    assert!(
        replay_inputs(config(), &[], &tokens, &log)
            .unwrap()
            .is_identical()
    );
}

#[test]
fn an_approval_turned_into_a_denial_shows_at_its_line_and_after() {
    let c = bootstrapped();
    let log = c.log();
    let nodes = [legacy("node-1")];
    let tokens = Tokens::of_nodes(&nodes);
    let at = log
        .lines()
        .position(|l| l.contains(r#""updateApproval""#))
        .unwrap();
    let changed: String = log
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let l = if i == at {
                l.replace(r#""type":"Approved""#, r#""type":"Denied""#)
            } else {
                l.to_owned()
            };
            format!("{l}\n")
        })
        .collect();
    assert_ne!(changed, log);
    let report = replay_inputs(config(), &nodes, &tokens, &changed).unwrap();
    let first = report.first_difference.unwrap();
    assert_eq!(first.line, at + 1);
    assert_eq!(first.to, "control-plane");
    // The reply now carries the Denied condition.
    assert_eq!(first.produced.len(), first.got.count as usize);
    assert!(
        first.produced.iter().any(|o| o.contains("Denied")),
        "{:?}",
        first.produced
    );
    // Nothing before the line differs; the signer's run afterwards does too.
    assert_eq!(first.line, 15);
    // Then the control plane's answers after it: the signer's run at 09:00:01 (line 19) finds
    // a Denied request and issues nothing, so the random stream that a serial number would have
    // used gives node-1's Node another uid, in the create (line 22) and the status update (24)
    // replies. node-1's own outputs do not differ: its inputs are the recorded ones.
    assert_eq!(report.differing, [15, 19, 22, 24], "{first:#?}");
    // The CSR's create answered with a 500 instead: the kubelet's outputs differ exactly there.
    let reply = log
        .lines()
        .position(|l| l.contains(r#""to":"node-1","input":{"reply""#))
        .unwrap();
    let changed: String = log
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let mut record: Record = serde_json::from_str(l).unwrap();
            if i == reply {
                let RecordInput::Host(HostInput::Reply { reply, .. }) = &mut record.input else {
                    panic!("a reply");
                };
                *reply = Reply::Status(Status::bad_request("etcdserver: request timed out"));
            }
            format!("{}\n", record.to_json_line())
        })
        .collect();
    let report = replay_inputs(config(), &nodes, &tokens, &changed).unwrap();
    let first = report.first_difference.unwrap();
    assert_eq!((first.line, first.to.as_str()), (reply + 1, "node-1"));
}

#[test]
fn bad_logs_are_typed_errors_with_their_place() {
    let c = bootstrapped();
    let log = c.log();
    let nodes = [legacy("node-1")];
    let tokens = Tokens::of_nodes(&nodes);
    // An unknown fingerprint.
    let at = log.lines().position(|l| l.contains(FINGERPRINT)).unwrap();
    let changed = log.replacen(FINGERPRINT, "sha256:0000000000000000", 1);
    let err = replay_inputs(config(), &nodes, &tokens, &changed).unwrap_err();
    assert!(
        matches!(&err, ReplayError::Input { line, error: InputError::UnknownToken(fp) }
            if *line == at + 1 && fp == "sha256:0000000000000000"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "line {}: no token with fingerprint sha256:0000000000000000",
            at + 1
        )
    );
    // A truncated line.
    let lines: Vec<&str> = log.lines().collect();
    let cut = format!("{}\n{}\n", lines[0], &lines[1][..30]);
    let err = replay_inputs(config(), &nodes, &tokens, &cut).unwrap_err();
    assert!(
        matches!(
            err,
            ReplayError::Syntax {
                line: 2,
                column: 30,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "line 2, column 30: EOF while parsing a string"
    );
    // A garbled one.
    let garbled = format!("{}\n{}\n", lines[0], lines[1].replacen(':', ";", 1));
    let err = replay_inputs(config(), &nodes, &tokens, &garbled).unwrap_err();
    assert!(
        matches!(
            err,
            ReplayError::Syntax {
                line: 2,
                column: 6,
                ..
            }
        ),
        "{err:?}"
    );
    // Valid JSON, not an input.
    let start = lines.iter().find(|l| l.contains("startHost")).unwrap();
    let wrong = format!(
        "{}\n",
        start.replacen(r#""to":"cluster""#, r#""to":"control-plane""#, 1)
    );
    let err = replay_inputs(config(), &nodes, &tokens, &wrong).unwrap_err();
    assert!(
        matches!(err, ReplayError::Syntax { line: 1, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("control-plane input: unknown variant `startHost`"),
        "{err}"
    );
    // An input for a host that never started.
    let host_line = lines
        .iter()
        .position(|l| l.contains(r#""to":"node-1""#) && !l.contains("start"))
        .unwrap();
    let err = replay_inputs(
        config(),
        &nodes,
        &tokens,
        &format!("{}\n", lines[host_line]),
    )
    .unwrap_err();
    assert!(
        matches!(&err, ReplayError::UnknownHost { line: 1, host } if host == "node-1"),
        "{err:?}"
    );
    // A start for a node configuration not given.
    let err = replay_inputs(config(), &[], &tokens, &log).unwrap_err();
    assert!(
        matches!(err, ReplayError::NodeConfig { index: 0, .. }),
        "{err:?}"
    );
    // A bad time.
    let bad = format!(
        "{}\n",
        lines[host_line].replacen("+0000 UTC", "+0100 CET", 1)
    );
    let err = replay_inputs(config(), &nodes, &tokens, &bad).unwrap_err();
    assert!(matches!(err, ReplayError::Time { line: 1, .. }), "{err:?}");
}

#[test]
fn a_node_key_is_recorded_by_index_never_in_clear() {
    let c = bootstrapped();
    let log = c.log();
    let key_line = log
        .lines()
        .find(|l| l.contains(r#""input":{"key""#))
        .unwrap();
    assert!(
        key_line.contains(r#""to":"node-1","input":{"key":{"purpose":"legacyClient","index":1}}"#),
        "{key_line}"
    );
    let pem = node_key(SEED, "node-1", 1).unwrap().to_pem();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    assert!(!log.contains(&body[..40]));
}
