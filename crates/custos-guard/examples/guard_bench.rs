//! Decision latency of the guard, in process: the whole path as the server
//! runs it (`decide_in`: employee and ticket from the fact cache, the
//! quota counted in the warm disclosure book, Cedar request built,
//! policies evaluated), the same with the facts read from the SQLite
//! store (no fact cache), the fact reads alone both ways, and Cedar's
//! evaluation alone on a prepared request.
//!
//! `cargo run --release -p custos-guard --example guard_bench [N]`
//! (`CHECK_REQUESTS=1` turns the per-request schema check on.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use custos_core::Timestamp;
use custos_guard::{DecideRequest, Guard, GuardConfig, StoreFacts};
use custos_store::{derive_rows, LedgerHead, SqliteStore, Store};
use serde_json::json;
use std::time::Instant;

/// p50, p90, p99, p99.9 in microseconds.
fn pct(mut v: Vec<u64>) -> [f64; 4] {
    v.sort_unstable();
    let at = |q: f64| v[((v.len() as f64 - 1.0) * q) as usize] as f64 / 1000.0;
    [at(0.5), at(0.9), at(0.99), at(0.999)]
}

fn time<T>(n: usize, mut f: impl FnMut() -> T) -> [f64; 4] {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let r = f();
        out.push(t.elapsed().as_nanos() as u64);
        std::hint::black_box(r);
    }
    pct(out)
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(&dir.path().join("store.sqlite")).unwrap();
    let mut events = vec![
        json!({"id":"h1","time":"2026-01-01T08:00:00Z","actor":{"type":"system","id":"hr"},"action":"employee.hire","target":{"type":"employee","id":"emp-agent"},"attrs":{"role":"cs-agent","team":"cs-1"}}),
        json!({"id":"t1","time":"2026-05-03T08:00:00Z","actor":{"type":"customer","id":"cus-1"},"action":"ticket.open","target":{"type":"ticket","id":"tkt-1"},"attrs":{"customer":"cus-1","kind":"order_issue"}}),
        json!({"id":"a1","time":"2026-05-03T08:01:00Z","actor":{"type":"employee","id":"emp-agent"},"action":"ticket.assign","target":{"type":"ticket","id":"tkt-1"}}),
    ];
    // Some history: views in and out of ticket scope earlier that day.
    for i in 0..200 {
        events.push(json!({"id": format!("v{i}"), "time": "2026-05-03T09:00:00Z", "actor":{"type":"employee","id":"emp-agent"},
            "action":"customer.view","target":{"type":"customer","id": if i % 40 == 0 { format!("cus-x{i}") } else { "cus-1".to_owned() }},
            "purpose": {"ticket": "tkt-1"}}));
    }
    let rows: Vec<_> = events
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let e = custos_core::parse_event_value(v).unwrap();
            derive_rows(i as u64, &e, &custos_core::canonical::event_entry(&e))
        })
        .collect();
    store
        .index_batch(
            &rows,
            &LedgerHead {
                size: rows.len() as u64,
                root_hash: "00".into(),
            },
        )
        .unwrap();

    let now = Timestamp::parse_rfc3339("2026-05-03T10:00:00Z").unwrap();
    let new_guard = |cache: bool| {
        let mut guard = Guard::with_defaults(GuardConfig::default()).unwrap();
        if std::env::var_os("CHECK_REQUESTS").is_some() {
            guard.check_requests(true);
        }
        guard.warm_book(&store, now).unwrap();
        if cache {
            guard.warm_facts(&store).unwrap();
        }
        guard
    };
    let cached = new_guard(true);
    let uncached = new_guard(false);
    let in_scope: DecideRequest = serde_json::from_value(json!({"actor":{"type":"employee","id":"emp-agent"},"action":"customer.view",
        "target":{"type":"customer","id":"cus-1"},"fields":["name"],"purpose":{"ticket":"tkt-1","code":"customer_request"}})).unwrap();
    let beyond: DecideRequest = serde_json::from_value(json!({"actor":{"type":"employee","id":"emp-agent"},"action":"customer.view",
        "target":{"type":"customer","id":"cus-2"},"fields":["name"],"purpose":{"code":"break_glass","reason":"police request"}})).unwrap();

    println!("{n} decisions each; microseconds");
    println!(
        "{:64} {:>7} {:>7} {:>7} {:>7}",
        "path", "p50", "p90", "p99", "p99.9"
    );
    let row = |name: String, p: [f64; 4]| {
        println!(
            "{name:64} {:>7.1} {:>7.1} {:>7.1} {:>7.1}",
            p[0], p[1], p[2], p[3]
        );
    };
    for (name, req) in [
        ("in ticket scope (allow)", &in_scope),
        ("break-glass beyond scope (quota)", &beyond),
    ] {
        let full = time(n, || cached.decide_in(&mut store, req, now).unwrap());
        let store_facts = time(n, || uncached.decide_in(&mut store, req, now).unwrap());
        let facts = time(n, || cached.facts_only(&store, req, now).unwrap());
        let facts_store = time(n, || uncached.facts_only(&store, req, now).unwrap());
        let prepared = cached.prepare(req, &StoreFacts::new(&store), now).unwrap();
        let cedar = time(n, || cached.evaluate(&prepared));
        row(format!("{name}: server path (facts cached + Cedar)"), full);
        row(
            format!("{name}: same, facts read from the store"),
            store_facts,
        );
        row(format!("{name}: facts alone, cached"), facts);
        row(format!("{name}: facts alone, from the store"), facts_store);
        row(format!("{name}: Cedar evaluation alone"), cedar);
    }
}
