//! Decision latency of the guard, in process: the whole path as the server
//! runs it (`decide_in`: facts read from a SQLite store, the quota counted
//! in the warm disclosure book, Cedar request built, policies evaluated)
//! beside the same with the quota counted by scanning the store's
//! disclosures (the path before the book), and Cedar's evaluation alone
//! on a prepared request.
//!
//! `cargo run --release -p custos-guard --example guard_bench [N]`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use custos_core::Timestamp;
use custos_guard::{DecideRequest, Guard, GuardConfig, StoreFacts};
use custos_store::{derive_rows, LedgerHead, SqliteStore, Store};
use serde_json::json;
use std::time::Instant;

fn pct(mut v: Vec<u64>) -> (f64, f64) {
    v.sort_unstable();
    let at = |q: f64| v[((v.len() as f64 - 1.0) * q) as usize] as f64 / 1000.0;
    (at(0.5), at(0.99))
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

    let mut guard = Guard::with_defaults(GuardConfig::default()).unwrap();
    if std::env::var_os("CHECK_REQUESTS").is_some() {
        guard.check_requests(true);
    }
    let now = Timestamp::parse_rfc3339("2026-05-03T10:00:00Z").unwrap();
    guard.warm_book(&store, now).unwrap();
    let in_scope: DecideRequest = serde_json::from_value(json!({"actor":{"type":"employee","id":"emp-agent"},"action":"customer.view",
        "target":{"type":"customer","id":"cus-1"},"fields":["name"],"purpose":{"ticket":"tkt-1","code":"customer_request"}})).unwrap();
    let beyond: DecideRequest = serde_json::from_value(json!({"actor":{"type":"employee","id":"emp-agent"},"action":"customer.view",
        "target":{"type":"customer","id":"cus-2"},"fields":["name"],"purpose":{"code":"break_glass","reason":"police request"}})).unwrap();

    println!("{n} decisions each; microseconds");
    println!("{:56} {:>8} {:>8}", "path", "p50", "p99");
    for (name, req) in [
        ("in ticket scope (allow)", &in_scope),
        ("break-glass beyond scope (quota)", &beyond),
    ] {
        let mut full = Vec::with_capacity(n);
        for _ in 0..n {
            let t = Instant::now();
            let d = guard.decide_in(&mut store, req, now).unwrap();
            full.push(t.elapsed().as_nanos() as u64);
            std::hint::black_box(d);
        }
        let facts = StoreFacts::new(&store);
        let mut scan = Vec::with_capacity(n);
        for _ in 0..n {
            let t = Instant::now();
            let d = guard.decide(req, &facts, now).unwrap();
            scan.push(t.elapsed().as_nanos() as u64);
            std::hint::black_box(d);
        }
        let prepared = guard.prepare(req, &facts, now).unwrap();
        let mut cedar = Vec::with_capacity(n);
        for _ in 0..n {
            let t = Instant::now();
            let d = guard.evaluate(&prepared);
            cedar.push(t.elapsed().as_nanos() as u64);
            std::hint::black_box(d);
        }
        let (f50, f99) = pct(full);
        let (s50, s99) = pct(scan);
        let (c50, c99) = pct(cedar);
        println!(
            "{:56} {f50:>8.1} {f99:>8.1}",
            format!("{name}: facts + Cedar (server path)")
        );
        println!(
            "{:56} {s50:>8.1} {s99:>8.1}",
            format!("{name}: same, quota by store scan")
        );
        println!("{:56} {c50:>8.1} {c99:>8.1}", format!("{name}: Cedar only"));
    }
}
