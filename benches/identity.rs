//! Token-file parse throughput and constant-time lookup, in the shape of the Go peer's
//! `tokenbench bench N`: rows `<32 hex>,user-<i>,uid-<i>[,"system:bootstrappers,group-<i%100>"]`
//! (the groups column on every second row), parsed from memory; lookups of present tokens in a
//! shuffled order ("hit") and of absent tokens ("miss") at 1 M tokens.
//!
//! Compare with `tokenbench bench 10000|100000|1000000` run in the same sitting. `token_digest`
//! measures the SHA-256 every row and every hit pays, the floor under both.
#![allow(missing_docs)] // criterion_group! generates undocumented items
#![allow(clippy::unwrap_used)] // fixed, valid inputs: a panic is a broken benchmark

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use kube_tls_bootstrap::identity::{TokenDigest, TokenFile};

/// splitmix64: a fixed, dependency-free generator so every run measures the same input.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn token(&mut self) -> String {
        format!("{:016x}{:016x}", self.next(), self.next())
    }
}

/// `tokenbench gen N` rows (different random tokens, the same format and sizes).
fn generate(n: usize, rng: &mut Rng) -> (Vec<u8>, Vec<String>) {
    let mut out = String::with_capacity(n * 72);
    let mut tokens = Vec::with_capacity(n);
    for i in 0..n {
        let token = rng.token();
        out.push_str(&token);
        out.push_str(&format!(",user-{i},uid-{i}"));
        if i % 2 == 1 {
            out.push_str(&format!(",\"system:bootstrappers,group-{}\"", i % 100));
        }
        out.push('\n');
        tokens.push(token);
    }
    (out.into_bytes(), tokens)
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("token_file_parse");
    for (rows, samples) in [(10_000, 50), (100_000, 20), (1_000_000, 10)] {
        let (data, _) = generate(rows, &mut Rng(1));
        group.sample_size(samples);
        group.throughput(Throughput::Elements(rows as u64));
        group.bench_function(format!("{rows}_rows"), |b| {
            b.iter_batched(
                || (),
                |()| TokenFile::parse(black_box(&data), "token.csv").unwrap(),
                BatchSize::PerIteration,
            );
        });
    }
    group.finish();
}

fn lookup(c: &mut Criterion) {
    const N: usize = 1_000_000;
    let mut rng = Rng(1);
    let (data, tokens) = generate(N, &mut rng);
    let file = TokenFile::parse(&data, "token.csv").unwrap();
    let hits: Vec<String> = (0..N)
        .map(|_| tokens[(rng.next() % N as u64) as usize].clone())
        .collect();
    let misses: Vec<String> = (0..N).map(|_| rng.token()).collect();
    assert!(misses.iter().all(|t| file.lookup(t).is_none()));

    let mut group = c.benchmark_group("token_file_lookup_1m");
    group.throughput(Throughput::Elements(1));
    for (name, queries) in [("hit", &hits), ("miss", &misses)] {
        group.bench_function(name, |b| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) % N;
                black_box(file.lookup(black_box(&queries[i])).map(|e| e.line()))
            });
        });
    }
    group.bench_function("authenticate_hit", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % N;
            black_box(file.authenticate(black_box(&hits[i])))
        });
    });
    group.finish();
}

/// The floor under both: every row's token is hashed with SHA-256 while loading (the file keeps
/// digests, not tokens), and a hit hashes the presented token.
fn digest(c: &mut Criterion) {
    let mut rng = Rng(2);
    let tokens: Vec<String> = (0..1024).map(|_| rng.token()).collect();
    let mut group = c.benchmark_group("token_digest");
    group.throughput(Throughput::Elements(1));
    group.bench_function("sha256_32_byte_token", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % tokens.len();
            TokenDigest::of(black_box(tokens[i].as_bytes()))
        });
    });
    group.finish();
}

criterion_group!(benches, parse, lookup, digest);
criterion_main!(benches);
