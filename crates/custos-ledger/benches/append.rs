//! Durable group-commit appends against the raw SHA-256 leaf hashing of
//! the same bytes (the ceiling: an append must at least hash each entry).
//!
//! `cargo bench -p custos-ledger --bench append` runs the criterion
//! groups, then one `bench_append` pass that prints the ratio.

#![allow(clippy::unwrap_used)]

use criterion::{criterion_group, Criterion, Throughput};
use custos_ledger::{bench_append, leaf_hash, Ledger};
use std::hint::black_box;
use std::time::Duration;

const BATCH: usize = 4_096;
const ENTRY_LEN: usize = 300;

fn batch() -> Vec<Vec<u8>> {
    (0..BATCH)
        .map(|i| {
            let mut e = format!("{{\"id\":\"bench-{i:08}\",\"pad\":\"").into_bytes();
            e.resize(ENTRY_LEN - 2, b'x');
            e.extend_from_slice(b"\"}");
            e
        })
        .collect()
}

fn append(c: &mut Criterion) {
    let entries = batch();
    let mut group = c.benchmark_group("ledger");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));

    let tmp = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(
        &tmp.path().join("ledger"),
        &tmp.path().join("ledger.key"),
        "custos.local/bench",
    )
    .unwrap();
    group.bench_function("durable append, 4096 x 300 B per call", |b| {
        b.iter(|| ledger.append(&entries).unwrap())
    });
    group.bench_function("raw SHA-256 leaf hashes, 4096 x 300 B", |b| {
        b.iter(|| {
            for e in &entries {
                black_box(leaf_hash(e));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, append);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();

    let tmp = tempfile::tempdir().unwrap();
    let s = bench_append(tmp.path(), 1_000_000, BATCH, ENTRY_LEN).unwrap();
    println!(
        "bench_append: {} entries of {} B, {} per append: {:.0} durable appends/s; \
         SHA-256 leaf hashing of the same bytes {:.0}/s; ratio {:.2}",
        s.entries, s.entry_len, s.batch, s.appends_per_sec, s.leaf_hashes_per_sec, s.ratio
    );
}
