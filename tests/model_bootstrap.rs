//! Model checking of the TLS bootstrap over the crate's real machines (see
//! `tests/model_common/mod.rs` for the world, its actors, faults and properties).
//!
//! Configurations:
//! - `ci_*`: bounded so that each runs in seconds in a debug `cargo test`;
//! - `big_*` (`#[ignore]`; `cargo test --release --test model_bootstrap -- --ignored`): deeper.
//!
//! Each test prints states explored, unique states and the depth reached.

#![allow(clippy::unwrap_used, clippy::expect_used)]

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
    checker.assert_properties();
}
