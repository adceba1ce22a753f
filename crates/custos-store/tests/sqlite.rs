//! The store suite against `SqliteStore`, and what only SQLite has:
//! migrations, pragmas, query plans.

#![allow(clippy::unwrap_used)]

#[macro_use]
mod suite;

use custos_store::{SqliteStore, Store, StoreError, TimeWindow};
use suite::Harness;
use tempfile::TempDir;

struct SqliteHarness {
    dir: TempDir,
    store: Option<SqliteStore>,
}

impl SqliteHarness {
    fn new() -> SqliteHarness {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open_in(dir.path()).unwrap();
        SqliteHarness {
            dir,
            store: Some(store),
        }
    }

    fn sqlite(&mut self) -> &mut SqliteStore {
        self.store.as_mut().unwrap()
    }
}

impl Harness for SqliteHarness {
    fn store(&mut self) -> &mut dyn Store {
        self.sqlite()
    }

    fn reopen(&mut self) {
        drop(self.store.take());
        self.store = Some(SqliteStore::open_in(self.dir.path()).unwrap());
    }

    fn execute_raw(&mut self, sql: &str) {
        self.sqlite().connection().execute_batch(sql).unwrap();
    }

    fn wipe(&mut self) {
        self.execute_raw("DELETE FROM events; DELETE FROM disclosures; DELETE FROM ledger_head;");
    }
}

store_test_suite!(Some(SqliteHarness::new()));

#[test]
fn file_lives_in_the_data_dir_and_migrations_are_recorded_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("nested").join("data");
    let store = SqliteStore::open_in(&data).unwrap();
    assert!(data.join("store.sqlite").is_file());
    assert_eq!(store.schema_version().unwrap(), 3);
    drop(store);
    let store = SqliteStore::open_in(&data).unwrap();
    let rows: i64 = store
        .connection()
        .query_row("SELECT count(*) FROM schema_migrations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 3);
}

#[test]
fn pragmas_make_commits_durable() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_in(dir.path()).unwrap();
    let c = store.connection();
    let mode: String = c
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let sync: i64 = c.query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
    assert_eq!(sync, 2, "synchronous=FULL");
    let fk: i64 = c
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .unwrap();
    assert_eq!(fk, 0);
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_in(dir.path()).unwrap();
    store
        .connection()
        .execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 0)",
            [],
        )
        .unwrap();
    drop(store);
    match SqliteStore::open_in(dir.path()) {
        Err(
            e @ StoreError::SchemaTooNew {
                found: 99,
                known: 3,
            },
        ) => {
            assert!(e.to_string().contains("newer"), "{e}")
        }
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("a newer schema was accepted"),
    }
}

fn plan(store: &SqliteStore, sql: &str) -> String {
    let mut stmt = store
        .connection()
        .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
        .unwrap();
    let rows = stmt.query_map([], |r| r.get::<_, String>(3)).unwrap();
    rows.map(|r| r.unwrap()).collect::<Vec<_>>().join("; ")
}

#[test]
fn queries_use_their_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_in(dir.path()).unwrap();
    let p = plan(
        &store,
        "SELECT key, customer, employee, time, action, fields, purpose_ticket, purpose_code
         FROM disclosures INDEXED BY disclosures_by_employee
         WHERE employee = 'e' AND time >= 0 AND time < 10 ORDER BY time, key",
    );
    assert!(
        p.contains("COVERING INDEX disclosures_by_employee"),
        "breach scope must not visit the table: {p}"
    );
    let p = plan(
        &store,
        "SELECT * FROM events WHERE actor_type = 'employee' AND actor_id = 'e' AND time >= 0 AND time < 10 ORDER BY time, idx",
    );
    assert!(p.contains("INDEX events_by_employee"), "{p}");
    let p = plan(
        &store,
        "SELECT * FROM events WHERE seller = 's' AND time >= 0 AND time < 10 ORDER BY time, idx",
    );
    assert!(p.contains("INDEX events_by_seller"), "{p}");
    let p = plan(
        &store,
        "SELECT e.id, e.idx, e.leaf_hash
         FROM json_each('[\"a\"]') AS j CROSS JOIN events AS e ON e.id = j.value",
    );
    assert!(p.contains("USING INDEX events_by_id"), "{p}");
    let p = plan(
        &store,
        "SELECT customer FROM relations WHERE seller = 's' ORDER BY customer",
    );
    assert!(p.contains("relations_by_seller"), "{p}");
}

#[test]
fn concurrent_reader_sees_committed_batches() {
    let mut h = SqliteHarness::new();
    let reader = SqliteStore::open_in(h.dir.path()).unwrap();
    suite::index(
        h.store(),
        &[r#"{"id":"c1","time":"2026-05-03T09:00:00Z","actor":{"type":"employee","id":"emp-1"},"action":"customer.view","target":{"type":"customer","id":"cus-1"}}"#.to_owned()],
    );
    assert_eq!(reader.ledger_size().unwrap(), 1);
    assert_eq!(
        reader
            .disclosures_by_customer("cus-1", TimeWindow::ALL)
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn an_orphan_disclosure_is_reported_by_scan() {
    let mut h = SqliteHarness::new();
    let rows = suite::index(h.store(), &suite::every_action());
    let n = rows.len() as u64;
    // A disclosure row framing emp-9 at an index past the ledger, and one
    // at the index of an event whose row is deleted.
    h.execute_raw(&format!(
        "INSERT INTO disclosures VALUES ({}, 'cus-1', 'emp-9', 0, 'customer.view', 0, NULL, NULL)",
        (n + 3) << 16
    ));
    let past = h.store().scan_rows(n..n + 10).unwrap();
    assert_eq!(past.len(), 1);
    assert_eq!(past[0].event, None);
    assert_eq!(past[0].index(), n + 3);
    h.execute_raw("DELETE FROM events WHERE id = 'a1'");
    let stored = h.store().scan_rows(0..n).unwrap();
    assert_eq!(stored.len(), rows.len());
    assert_eq!(stored[0].event, None);
    assert_eq!(stored[0].disclosures, rows[0].disclosures);
    assert_ne!(stored[0], rows[0]);
}

#[test]
fn checkpoints_happen_in_the_background() {
    let mut h = SqliteHarness::new();
    let file = h.dir.path().join("store.sqlite");
    let before = std::fs::metadata(&file).unwrap().len();
    for batch in 0..5 {
        let lines: Vec<String> = (0..2000)
            .map(|i| {
                format!(
                    r#"{{"id":"bg-{batch}-{i}","time":"2026-05-03T09:00:00Z","actor":{{"type":"employee","id":"emp-{i}"}},"action":"customer.view","target":{{"type":"customer","id":"cus-{i}"}}}}"#
                )
            })
            .collect();
        suite::index(h.store(), &lines);
    }
    // The writer no longer checkpoints inline: pages reach the database
    // file only through the checkpoint thread.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let now = std::fs::metadata(&file).unwrap().len();
        if now > before + (1 << 20) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no checkpoint within 20 s: {before} -> {now} bytes"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let auto: i64 = h
        .sqlite()
        .connection()
        .query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))
        .unwrap();
    assert_eq!(auto, 0);
    // A reopened store sees everything.
    h.reopen();
    assert_eq!(h.store().ledger_size().unwrap(), 10_000);
}
