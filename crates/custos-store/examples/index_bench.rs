//! Indexing throughput of `SqliteStore`, against a plain SQLite insert.
//!
//! ```text
//! cargo run --release -p custos-store --example index_bench -- [EVENTS] [BATCH]
//! ```
//!
//! Simulated marketplace events (employee accesses with disclosures,
//! orders, reviews, tickets) are parsed and derived outside the timed
//! part; only `index_batch` is timed. The baseline inserts one row per
//! event (index, id, time, actor, action, entry) into a table without
//! indexes, with the same pragmas and batch transactions. Both files live
//! in a temporary directory on the same disk.

#![allow(clippy::unwrap_used)]

use custos_core::canonical::event_entry;
use custos_core::parse_event;
use custos_store::{
    derive_rows, EventRows, FactUpdate, LedgerHead, SqliteStore, Store, TimeWindow,
};
use std::time::{Duration, Instant};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const EMPLOYEES: u64 = 2_000;
const CUSTOMERS: u64 = 1_000_000;
const SELLERS: u64 = 10_000;

fn time(i: u64) -> String {
    // One event every 10 ms from 2026-01-01.
    custos_core::Timestamp(1_767_225_600_000 + i as i64 * 10).to_rfc3339()
}

fn event(i: u64, rng: &mut Rng) -> String {
    // Random-looking ids, as UUID-style ids would be.
    let id = format!("ev-{:016x}", rng.next());
    let t = time(i);
    let e = rng.below(EMPLOYEES);
    let emp = format!(
        r#"{{"type":"employee","id":"emp-{e}","role":"cs-agent","team":"cs-{}","site":"SZX"}}"#,
        e % 40
    );
    let c = rng.below(CUSTOMERS);
    let s = rng.below(SELLERS);
    let tkt = rng.below(i / 4 + 1);
    let roll = rng.below(100);
    let body = match roll {
        0..45 => format!(
            r#""actor":{emp},"action":"customer.view","target":{{"type":"customer","id":"cus-{c}"}},"fields":["name","email"],"purpose":{{"ticket":"tkt-{tkt}","code":"customer_request"}},"attrs":{{"tool":"cs-console","ip":"10.20.1.7"}}"#
        ),
        45..50 => {
            let targets: Vec<String> = (0..5)
                .map(|_| format!(r#""cus-{}""#, rng.below(CUSTOMERS)))
                .collect();
            format!(
                r#""actor":{emp},"action":"customer.search","targets":[{}],"fields":["name"],"attrs":{{"query":"smith"}}"#,
                targets.join(",")
            )
        }
        50..55 => format!(
            r#""actor":{emp},"action":"order.view","target":{{"type":"order","id":"ord-{i}"}},"attrs":{{"customer":"cus-{c}","seller":"sel-{s}"}}"#
        ),
        55..75 => format!(
            r#""actor":{{"type":"customer","id":"cus-{c}"}},"action":"order.create","target":{{"type":"order","id":"ord-{i}"}},"attrs":{{"seller":"sel-{s}","product":"prd-{}"}}"#,
            rng.below(100_000)
        ),
        75..85 => format!(
            r#""actor":{{"type":"customer","id":"cus-{c}"}},"action":"review.create","target":{{"type":"review","id":"rev-{i}"}},"attrs":{{"seller":"sel-{s}","product":"prd-1","rating":{}}}"#,
            rng.below(5) + 1
        ),
        85..90 => format!(
            r#""actor":{{"type":"customer","id":"cus-{c}"}},"action":"ticket.open","target":{{"type":"ticket","id":"tkt-{i}"}},"attrs":{{"kind":"order_issue","customer":"cus-{c}","seller":"sel-{s}"}}"#
        ),
        90..95 => format!(
            r#""actor":{emp},"action":"ticket.assign","target":{{"type":"ticket","id":"tkt-{tkt}"}}"#
        ),
        95..98 => format!(
            r#""actor":{emp},"action":"ticket.close","target":{{"type":"ticket","id":"tkt-{tkt}"}},"attrs":{{"resolution":"done"}}"#
        ),
        _ => format!(r#""actor":{emp},"action":"auth.login","attrs":{{"ip":"10.0.0.1"}}"#),
    };
    format!(r#"{{"id":"{id}","time":"{t}",{body}}}"#)
}

/// Table writes a batch causes (an unchanged `EmployeeSeen` is skipped by
/// the store and not counted).
fn writes(batch: &[EventRows]) -> u64 {
    batch
        .iter()
        .map(|r| {
            let facts: u64 = r
                .facts
                .iter()
                .map(|f| match f {
                    FactUpdate::EmployeeSeen { .. } => 0,
                    FactUpdate::ReviewCreated {
                        seller: Some(_), ..
                    }
                    | FactUpdate::OrderCreated {
                        seller: Some(_), ..
                    } => 2,
                    _ => 1,
                })
                .sum();
            1 + r.disclosures.len() as u64 + facts
        })
        .sum()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let total: u64 = args.next().map_or(1_000_000, |a| a.parse().unwrap());
    let batch_size: u64 = args.next().map_or(10_000, |a| a.parse().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open_in(dir.path()).unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);

    let mut timed = Duration::ZERO;
    let mut rows_written = 0u64;
    let mut disclosures = 0u64;
    let mut probe_ids = Vec::new();
    let mut start = 0u64;
    while start < total {
        let n = batch_size.min(total - start);
        let batch: Vec<EventRows> = (start..start + n)
            .map(|i| {
                let e = parse_event(&event(i, &mut rng)).unwrap();
                derive_rows(i, &e, &event_entry(&e))
            })
            .collect();
        rows_written += writes(&batch);
        disclosures += batch
            .iter()
            .map(|r| r.disclosures.len() as u64)
            .sum::<u64>();
        probe_ids.extend(batch.iter().step_by(100).map(|r| r.event.id.clone()));
        let head = LedgerHead {
            size: start + n,
            root_hash: "00".repeat(32),
        };
        let t = Instant::now();
        store.index_batch(&batch, &head).unwrap();
        timed += t.elapsed();
        start += n;
    }
    let secs = timed.as_secs_f64();
    let store_bytes = std::fs::metadata(dir.path().join("store.sqlite"))
        .map(|m| m.len())
        .unwrap_or(0);
    println!("store: {total} events in batches of {batch_size}: {secs:.2} s");
    println!(
        "  {:.0} events/s, {:.0} rows/s ({rows_written} rows: events, {disclosures} disclosures, facts), file {} MiB",
        total as f64 / secs,
        rows_written as f64 / secs,
        store_bytes >> 20
    );

    // Queries on the result.
    let t = Instant::now();
    let scope = store
        .disclosures_by_employee("emp-42", TimeWindow::ALL)
        .unwrap();
    println!(
        "  scope of one employee (all time): {} disclosures in {:.2} ms",
        scope.len(),
        t.elapsed().as_secs_f64() * 1e3
    );
    let ids: Vec<&str> = probe_ids.iter().take(10_000).map(String::as_str).collect();
    let t = Instant::now();
    let found = store.lookup_ids(&ids).unwrap();
    println!(
        "  lookup_ids of {} stored ids: {:.2} ms",
        found.len(),
        t.elapsed().as_secs_f64() * 1e3
    );
    // The common case at ingest: ids never seen.
    let fresh: Vec<String> = (0..10_000)
        .map(|_| format!("ev-{:016x}", rng.next()))
        .collect();
    let fresh: Vec<&str> = fresh.iter().map(String::as_str).collect();
    let t = Instant::now();
    let found = store.lookup_ids(&fresh).unwrap();
    println!(
        "  lookup_ids of {} new ids ({} found): {:.2} ms",
        fresh.len(),
        found.len(),
        t.elapsed().as_secs_f64() * 1e3
    );
    drop(store);

    // Baseline: the same batches into one table without indexes.
    let conn = rusqlite::Connection::open(dir.path().join("plain.sqlite")).unwrap();
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0))
        .unwrap();
    conn.pragma_update(None, "synchronous", "FULL").unwrap();
    conn.pragma_update(None, "cache_size", -131_072).unwrap();
    conn.execute_batch(
        "CREATE TABLE plain (idx INTEGER, id TEXT, time INTEGER, actor TEXT, action TEXT, entry BLOB)",
    )
    .unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut timed = Duration::ZERO;
    let mut start = 0u64;
    while start < total {
        let n = batch_size.min(total - start);
        let batch: Vec<EventRows> = (start..start + n)
            .map(|i| {
                let e = parse_event(&event(i, &mut rng)).unwrap();
                derive_rows(i, &e, &event_entry(&e))
            })
            .collect();
        let t = Instant::now();
        let tx = conn.unchecked_transaction().unwrap();
        {
            let mut stmt = tx
                .prepare_cached("INSERT INTO plain VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
                .unwrap();
            for r in &batch {
                let e = &r.event;
                stmt.execute(rusqlite::params![
                    e.index as i64,
                    e.id,
                    e.time.0,
                    e.actor_id,
                    e.action,
                    e.entry
                ])
                .unwrap();
            }
        }
        tx.commit().unwrap();
        timed += t.elapsed();
        start += n;
    }
    let plain = total as f64 / timed.as_secs_f64();
    println!(
        "baseline: plain INSERT of one row per event, no index: {:.2} s, {plain:.0} rows/s",
        timed.as_secs_f64()
    );
    println!(
        "ratio: store rows/s ÷ plain rows/s = {:.2}; store events/s ÷ plain rows/s = {:.2}",
        rows_written as f64 / secs / plain,
        total as f64 / secs / plain
    );
}
