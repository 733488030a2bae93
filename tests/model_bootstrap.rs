//! Model checking of the TLS bootstrap over the crate's real machines (see
//! `tests/model_common/mod.rs` for the world, its actors, faults and properties).
//!
//! Configurations:
//! - `ci_*`: bounded so that each runs in seconds in a debug `cargo test`;
//! - `big_*` (`#[ignore]`; `cargo test --release --test model_bootstrap -- --ignored`): deeper.
//!
//! Each test prints states explored, unique states and the depth reached.

// The wall clock only times the run for the report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::disallowed_methods)]

#[path = "model_common/mod.rs"]
mod model_common;

use kube_tls_bootstrap::kubelet::Mode;
use model_common::{Config, System};
use stateright::{Checker, Model};

fn run(name: &str, config: Config) -> impl Checker<System> {
    let depth = config.max_depth;
    let started = std::time::Instant::now();
    let checker = System { config }
        .checker()
        .target_max_depth(depth + 1)
        .spawn_bfs()
        .join();
    println!(
        "{name}: {} states, {} unique, depth {}, {:?}",
        checker.state_count(),
        checker.unique_state_count(),
        checker.max_depth(),
        started.elapsed()
    );
    for (property, path) in checker.discoveries() {
        let last = path.last_state();
        println!(
            "{name}: {property}: {:?} -> {:?} {:?}",
            last.trace, last.violations, last.live
        );
    }
    checker
}

fn base() -> Config {
    Config {
        kubelets: vec![("node-a", Mode::Rotation)],
        auto_approve_bootstrap: true,
        liar: false,
        admin: false,
        faults: 0,
        liar_budget: 0,
        admin_budget: 0,
        max_depth: 12,
        liveness: false,
    }
}

#[test]
fn ci_one_kubelet_faults() {
    let checker = run(
        "ci_one_kubelet_faults",
        Config {
            faults: 1,
            max_depth: 10,
            liveness: true,
            ..base()
        },
    );
    for property in SAFETY {
        checker.assert_no_discovery(property);
    }
    checker.assert_no_discovery("liveness: the fair continuation certifies every kubelet");
}

/// kubeadm's policy (`system:bootstrappers` auto-approved for `nodeclient`) and a liar with the
/// bootstrap token: the SubjectAccessReview approver approves its request for another node's
/// name, exactly as Kubernetes does (a bootstrap token is good for any node name: the
/// NodeRestriction admission and the Node authorizer limit what that node identity can then do).
/// The checker must find it; every other property holds.
#[test]
fn ci_kubeadm_liar_gets_another_nodes_name() {
    let checker = run(
        "ci_kubeadm_liar_gets_another_nodes_name",
        Config {
            liar: true,
            liar_budget: 1,
            max_depth: 6,
            ..base()
        },
    );
    let path = checker
        .discovery("safety: a node's certificate carries a key its kubelet generated")
        .expect("the liar's request for node-a's name is auto-approved");
    let last = path.last_state();
    let name = last.violations[0].1.split(':').next().unwrap().to_owned();
    assert!(name.starts_with("csr-"), "{name}");
    assert_eq!(
        last.violations
            .iter()
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>(),
        [format!(
            "{name}: certificate for system:node:node-a with a key node-a's kubelet never generated"
        )]
    );
    assert!(last.trace.contains(&model_common::Action::LiarForeign(0)));
    for property in [
        "safety: no certificate without Approved",
        "safety: never Approved and Denied",
        "safety: an approval never lands on a re-created object",
        "safety: current names a complete pair with the kubelet's key",
    ] {
        checker.assert_no_discovery(property);
    }
}

const SAFETY: [&str; 5] = [
    "safety: a node's certificate carries a key its kubelet generated",
    "safety: no certificate without Approved",
    "safety: never Approved and Denied",
    "safety: an approval never lands on a re-created object",
    "safety: current names a complete pair with the kubelet's key",
];

/// No auto-approval of bootstrap tokens: an admin approves (after checking the key out of
/// band), denies or deletes; the liar creates, re-sends and races a delete and re-create of a
/// `node-csr-` name against the admin's approvals, with requests delivered in any order. No
/// honest kubelet, so that the depth reaches the whole race. Every safety property holds.
#[test]
fn ci_admin_and_liar_race() {
    let checker = run(
        "ci_admin_and_liar_race",
        Config {
            kubelets: vec![],
            auto_approve_bootstrap: false,
            liar: true,
            liar_budget: 2,
            admin: true,
            admin_budget: 2,
            max_depth: 8,
            ..base()
        },
    );
    for property in SAFETY {
        checker.assert_no_discovery(property);
    }
}

/// The race itself, as a regression test: the admin's approval of the first `node-csr-raced`
/// arrives after that object was deleted and re-created (another key): it is refused, the new
/// object stays pending.
#[test]
fn race_approval_of_a_deleted_object_is_refused() {
    use model_common::{Action::*, RACED_NAME, World};
    let config = Config {
        kubelets: vec![],
        auto_approve_bootstrap: false,
        ..base()
    };
    let world = World::replay(
        &config,
        &[
            LiarRaced(0),
            DeliverToServer(0),
            AdminApprove(0),
            AdminDelete(0),
            DeliverToServer(1),
            LiarRaced(1),
            DeliverToServer(1),
        ],
    );
    let uid = world
        .cp
        .certificate_signing_request(RACED_NAME)
        .unwrap()
        .metadata
        .uid
        .clone();
    let mut world = world;
    world.apply(&DeliverToServer(0));
    let now = world.cp.certificate_signing_request(RACED_NAME).unwrap();
    assert_eq!(now.metadata.uid, uid);
    assert!(now.status.conditions.is_empty(), "{:?}", now.status);
    assert_eq!(world.violations(), []);
    assert_eq!(world.misdirected_approval, None);
}

/// A legacy kubelet whose `node-csr-` request the admin denies exits, restarts onto the same
/// name (same key, from `kubelet-client.key.tmp`) and exits again, until the cleaner removes the
/// denied request; then the next attempt is approved and issued (the fair continuation).
#[test]
fn legacy_denied_recovers_after_the_cleaner() {
    use model_common::{Action, World};
    let config = Config {
        kubelets: vec![("node-l", Mode::Legacy)],
        auto_approve_bootstrap: false,
        ..base()
    };
    let mut world = World::new(&config);
    let mut waited = 0;
    let mut steps = 0;
    while world.cp.is_empty() {
        assert!(world.fair_step(&mut waited, false));
        steps += 1;
        assert!(steps < 100);
    }
    let name = world
        .cp
        .certificate_signing_requests()
        .next()
        .unwrap()
        .metadata
        .name
        .clone();
    assert!(name.starts_with("node-csr-"), "{name}");
    world.apply(&Action::AdminDeny(0));
    // Deliver the denial and let the kubelet see it: it exits.
    while !world.kubelets[0].exited {
        assert!(world.fair_step(&mut waited, false));
        steps += 1;
        assert!(steps < 200);
    }
    assert_eq!(world.violations(), []);
    assert_eq!(world.fair_continuation(), Ok(()));
}

/// A legacy kubelet whose `node-csr-` request the admin denies exits, restarts onto the same
/// name (same key, from `kubelet-client.key.tmp`) and exits again, until the cleaner removes the
/// denied request; then the next attempt is approved and issued.
#[test]
fn ci_legacy_denied_recovers() {
    let checker = run(
        "ci_legacy_denied_recovers",
        Config {
            kubelets: vec![("node-l", Mode::Legacy)],
            auto_approve_bootstrap: false,
            admin: true,
            admin_budget: 1,
            faults: 0,
            max_depth: 8,
            liveness: true,
            ..base()
        },
    );
    for property in SAFETY {
        checker.assert_no_discovery(property);
    }
    checker.assert_no_discovery("liveness: the fair continuation certifies every kubelet");
}

/// Two honest kubelets (rotation and legacy) racing for the API with the liar, no faults.
#[test]
fn ci_two_kubelets_and_liar() {
    let checker = run(
        "ci_two_kubelets_and_liar",
        Config {
            kubelets: vec![("node-a", Mode::Rotation), ("node-b", Mode::Legacy)],
            liar: true,
            liar_budget: 1,
            max_depth: 6,
            ..base()
        },
    );
    for property in SAFETY.into_iter().skip(1) {
        checker.assert_no_discovery(property);
    }
}

/// The bigger configuration: two honest kubelets (rotation and legacy), the liar and the admin
/// with two moves each, two faults, no auto-approval of the bootstrap token, liveness checked in
/// every state.
fn big(max_depth: usize) -> Config {
    Config {
        kubelets: vec![("node-a", Mode::Rotation), ("node-b", Mode::Legacy)],
        auto_approve_bootstrap: false,
        liar: true,
        liar_budget: 2,
        admin: true,
        admin_budget: 2,
        faults: 2,
        max_depth,
        liveness: true,
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|d| d.parse().ok())
        .unwrap_or(default)
}

/// The bigger configuration, breadth first to `MODEL_DEPTH` (default 12; `cargo test --release
/// --test model_bootstrap big_two -- --ignored --nocapture`).
#[test]
#[ignore = "minutes in release; run by hand or nightly"]
fn big_two_kubelets_liar_admin_faults() {
    let depth = usize::try_from(env_number("MODEL_DEPTH", 12)).unwrap();
    let checker = run("big_two_kubelets_liar_admin_faults", big(depth));
    for property in SAFETY {
        checker.assert_no_discovery(property);
    }
    checker.assert_no_discovery("liveness: the fair continuation certifies every kubelet");
}

/// The bigger configuration by random walks (stateright's simulation checker), each up to
/// `MODEL_DEPTH` actions (default 40), for `MODEL_SECONDS` (default 600) on two threads, from
/// `MODEL_SEED` (default 1): deeper than breadth-first search reaches, with the same safety
/// and liveness properties checked in every state visited (`cargo test --release --test
/// model_bootstrap big_walks -- --ignored --nocapture`).
#[test]
#[ignore = "minutes in release; run by hand or nightly"]
fn big_walks_two_kubelets_liar_admin_faults() {
    let depth = usize::try_from(env_number("MODEL_DEPTH", 40)).unwrap();
    let seconds = env_number("MODEL_SECONDS", 600);
    let seed = env_number("MODEL_SEED", 1);
    let started = std::time::Instant::now();
    let checker = System { config: big(depth) }
        .checker()
        .target_max_depth(depth + 1)
        .timeout(std::time::Duration::from_secs(seconds))
        .threads(2)
        .spawn_simulation(seed, stateright::UniformChooser)
        .join();
    println!(
        "big_walks_two_kubelets_liar_admin_faults: {} states, depth {}, seed {seed}, {:?}",
        checker.state_count(),
        checker.max_depth(),
        started.elapsed()
    );
    for (property, path) in checker.discoveries() {
        let last = path.last_state();
        println!(
            "big_walks: {property}: {:?} -> {:?} {:?}",
            last.trace, last.violations, last.live
        );
    }
    for property in SAFETY {
        checker.assert_no_discovery(property);
    }
    checker.assert_no_discovery("liveness: the fair continuation certifies every kubelet");
}

/// Regression: the big configuration at depth 5 found a kubelet that never certified after
/// `[FileOperation(1), FileOperation(1), LoseToServer(0), LoseToKubelet(0)]`. The second loss
/// dropped the transport failure the first one had produced, so the legacy kubelet waited for an
/// answer that could never come. A failure is the client's own timeout, not a message: it can
/// no longer be lost, and from that point the fair continuation certifies every kubelet.
#[test]
fn a_transport_failure_cannot_be_lost() {
    use model_common::{Action, ToKubeletBody, World};
    let mut config = base();
    config.kubelets = vec![("node-a", Mode::Rotation), ("node-b", Mode::Legacy)];
    config.auto_approve_bootstrap = false;
    config.faults = 2;
    let world = World::replay(
        &config,
        &[
            Action::FileOperation(1),
            Action::FileOperation(1),
            Action::LoseToServer(0),
        ],
    );
    let failed: Vec<usize> = world
        .to_kubelet
        .iter()
        .enumerate()
        .filter(|(_, m)| matches!(m.body, ToKubeletBody::Failed(_)))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(failed, [0]);
    let mut enabled = Vec::new();
    world.actions(&mut enabled);
    assert!(!enabled.contains(&Action::LoseToKubelet(0)), "{enabled:?}");
    assert!(
        enabled.contains(&Action::DuplicateToKubelet(0)),
        "{enabled:?}"
    );
    assert_eq!(world.fair_continuation(), Ok(()));
}

/// A crash before each file operation of a whole bootstrap (the kubeconfig, the pair file, the
/// links), one crash per run: after the restart from what is on disk, `current` is never broken
/// and the kubelet still ends certified.
#[test]
fn crash_before_every_file_operation_recovers() {
    use model_common::{Action, World};
    let config = base();
    let mut points = 0;
    for n in 1.. {
        let mut world = World::new(&config);
        let mut waited = 0;
        let mut seen = 0;
        let mut crashed = false;
        for _ in 0..500 {
            if !world.kubelets[0].outbox.is_empty() {
                seen += 1;
                if seen == n {
                    world.apply(&Action::Crash(0));
                    crashed = true;
                    break;
                }
            }
            if world.all_certified() || !world.fair_step(&mut waited, true) {
                break;
            }
        }
        if !crashed {
            break;
        }
        points += 1;
        assert_eq!(world.violations(), [], "crash point {n}");
        assert_eq!(world.fair_continuation(), Ok(()), "crash point {n}");
    }
    assert!(points >= 3, "{points}");
    println!("crash points explored: {points}");
}
