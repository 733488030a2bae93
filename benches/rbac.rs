//! RBAC decisions on the Go peer's benchmark policy: 10 000 ClusterRoleBindings, 1 000
//! ClusterRoles, 100 000 users (tests/data/rbac/bench, emitted by `rbaccheck bench --bindings
//! 10000 --roles 1000 --users 100000 --emit PREFIX`), over the peer's 2 000 fixed decisions.
//!
//! - `indexed`: [`IndexedAuthorizer`], the fast path;
//! - `walk`: [`Policy`]'s own walk over every binding, as Kubernetes does it;
//! - `index_build`: building the index from the policy.
//!
//! Compare with `rbaccheck bench --bindings 10000 --roles 1000 --users 100000` run right
//! before or after (its `walk` line is Kubernetes' cost per decision).
// The benchmark reads its fixed inputs from tests/data.
#![allow(clippy::disallowed_methods, clippy::unwrap_used)]
// criterion_group! generates an undocumented function.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kube_tls_bootstrap::identity::UserInfo;
use kube_tls_bootstrap::rbac::{
    Attributes, Authorize, BindingSubject, ClusterRole, ClusterRoleBinding, IndexedAuthorizer,
    ObjectMeta, Policy, PolicyRule, RoleRef,
};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/rbac/bench");

fn policy() -> Policy {
    // The peer's role formula: 200 resource names, 4 rules per role.
    const P: usize = 200;
    let mut policy = Policy::new();
    for i in 0..1000 {
        policy.add_cluster_role(ClusterRole {
            metadata: ObjectMeta::named(format!("bench-role-{i}")),
            rules: vec![
                PolicyRule::new(["get", "list", "watch"])
                    .groups(["bench.example.com"])
                    .resources([format!("res-{}", i % P), format!("res-{}", (i + 1) % P)]),
                PolicyRule::new(["create", "update", "patch"])
                    .groups(["bench.example.com"])
                    .resources([format!("res-{}/status", (i + 2) % P)]),
                PolicyRule::new(["get"])
                    .groups([""])
                    .resources(["configmaps"])
                    .names([format!("cm-{i}")]),
                PolicyRule::new(["get"]).urls([format!("/bench/{i}/*")]),
            ],
            aggregation_rule: None,
        });
    }
    let text = std::fs::read_to_string(format!("{DATA}/bindings.txt")).unwrap();
    for (i, line) in text.lines().enumerate() {
        let f: Vec<&str> = line.split(' ').collect();
        let subject = match f[0] {
            "U" => BindingSubject::user(format!("bench-user-{}", f[1])),
            _ => BindingSubject::group(format!("bench-group-{}", f[1])),
        };
        policy.add_cluster_role_binding(ClusterRoleBinding {
            metadata: ObjectMeta::named(format!("bench-binding-{i}")),
            subjects: vec![subject],
            role_ref: RoleRef::cluster_role(format!("bench-role-{}", f[2])),
        });
    }
    policy
}

fn requests() -> Vec<Attributes> {
    let text = std::fs::read_to_string(format!("{DATA}/requests.txt")).unwrap();
    text.lines()
        .map(|line| {
            let f: Vec<String> = line
                .split(' ')
                .map(|s| {
                    if s == "-" {
                        String::new()
                    } else {
                        s.to_owned()
                    }
                })
                .collect();
            let user = UserInfo::new(
                format!("bench-user-{}", f[0]),
                [
                    format!("bench-group-{}", f[1]),
                    "system:authenticated".to_owned(),
                ],
            );
            if f[8].is_empty() {
                Attributes::resource(user, &f[2], &f[3], &f[4])
                    .with_subresource(&f[5])
                    .with_name(&f[6])
                    .with_namespace(&f[7])
            } else {
                Attributes::non_resource(user, &f[2], &f[8])
            }
        })
        .collect()
}

fn decisions(c: &mut Criterion) {
    let policy = policy();
    let requests = requests();
    let indexed = IndexedAuthorizer::new(&policy);
    let mut group = c.benchmark_group("rbac_10k_bindings");
    group.throughput(Throughput::Elements(requests.len() as u64));
    group.bench_function("indexed", |b| {
        b.iter(|| {
            for a in &requests {
                black_box(indexed.authorize(black_box(a)));
            }
        });
    });
    group.sample_size(10);
    group.bench_function("walk", |b| {
        b.iter(|| {
            for a in &requests {
                black_box(policy.authorize(black_box(a)));
            }
        });
    });
    group.throughput(Throughput::Elements(1));
    group.bench_function("index_build", |b| {
        b.iter(|| black_box(IndexedAuthorizer::new(black_box(&policy))));
    });
    group.finish();
}

criterion_group!(benches, decisions);
criterion_main!(benches);
