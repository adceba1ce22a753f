//! Runs one phase of a guard decision in a loop, for a profiler
//! (`perf record -g`, `valgrind --tool=callgrind`): `server` (decide_in),
//! `prepare` (facts and Cedar request), `evaluate` (Cedar on a prepared
//! request). `NO_FACT_CACHE=1` reads facts from the store.
//!
//! `cargo run --release -p custos-guard --example guard_profile -- MODE [N] [beyond]`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use custos_core::Timestamp;
use custos_guard::{DecideRequest, Guard, GuardConfig, StoreFacts};
use custos_store::{derive_rows, LedgerHead, SqliteStore, Store};
use serde_json::json;

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_else(|| "server".into());
    let n: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let use_beyond = std::env::args().nth(3).is_some();
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(&dir.path().join("store.sqlite")).unwrap();
    let events = [
        json!({"id":"h1","time":"2026-01-01T08:00:00Z","actor":{"type":"system","id":"hr"},"action":"employee.hire","target":{"type":"employee","id":"emp-agent"},"attrs":{"role":"cs-agent","team":"cs-1"}}),
        json!({"id":"t1","time":"2026-05-03T08:00:00Z","actor":{"type":"customer","id":"cus-1"},"action":"ticket.open","target":{"type":"ticket","id":"tkt-1"},"attrs":{"customer":"cus-1","kind":"order_issue"}}),
        json!({"id":"a1","time":"2026-05-03T08:01:00Z","actor":{"type":"employee","id":"emp-agent"},"action":"ticket.assign","target":{"type":"ticket","id":"tkt-1"}}),
    ];
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
    let guard = Guard::with_defaults(GuardConfig::default()).unwrap();
    let now = Timestamp::parse_rfc3339("2026-05-03T10:00:00Z").unwrap();
    guard.warm_book(&store, now).unwrap();
    if std::env::var_os("NO_FACT_CACHE").is_none() {
        guard.warm_facts(&store).unwrap();
    }
    let req: DecideRequest = if use_beyond {
        serde_json::from_value(json!({"actor":{"type":"employee","id":"emp-agent"},"action":"customer.view",
            "target":{"type":"customer","id":"cus-2"},"fields":["name"],"purpose":{"code":"break_glass","reason":"police request"}})).unwrap()
    } else {
        serde_json::from_value(json!({"actor":{"type":"employee","id":"emp-agent"},"action":"customer.view",
            "target":{"type":"customer","id":"cus-1"},"fields":["name"],"purpose":{"ticket":"tkt-1","code":"customer_request"}})).unwrap()
    };
    match mode.as_str() {
        "server" => {
            for _ in 0..n {
                std::hint::black_box(guard.decide_in(&mut store, &req, now).unwrap());
            }
        }
        "prepare" => {
            let facts = StoreFacts::new(&store);
            for _ in 0..n {
                std::hint::black_box(guard.prepare(&req, &facts, now).unwrap());
            }
        }
        "evaluate" => {
            let facts = StoreFacts::new(&store);
            let p = guard.prepare(&req, &facts, now).unwrap();
            for _ in 0..n {
                std::hint::black_box(guard.evaluate(&p));
            }
        }
        other => panic!("unknown mode {other}"),
    }
}
