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
    assert_eq!(store.schema_version().unwrap(), 4);
    drop(store);
    let store = SqliteStore::open_in(&data).unwrap();
    let rows: i64 = store
        .connection()
        .query_row("SELECT count(*) FROM schema_migrations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 4);
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
                known: 4,
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

/// More events than a bulk load needs: employees viewing customers,
/// customers ordering from sellers.
fn bulk_lines(from: usize, n: usize) -> Vec<String> {
    (from..from + n)
        .map(|i| {
            let minute = i % 60;
            let hour = (i / 60) % 24;
            let time = format!("2026-05-03T{hour:02}:{minute:02}:00Z");
            if i % 3 == 0 {
                format!(
                    r#"{{"id":"bk-{i}","time":"{time}","actor":{{"type":"customer","id":"cus-{}"}},"action":"order.create","target":{{"type":"order","id":"ord-{i}"}},"attrs":{{"seller":"sel-{}","product":"prd-1"}}}}"#,
                    i % 97,
                    i % 13
                )
            } else {
                format!(
                    r#"{{"id":"bk-{i}","time":"{time}","actor":{{"type":"employee","id":"emp-{}","role":"cs-agent","team":"cs-1"}},"action":"customer.view","target":{{"type":"customer","id":"cus-{}"}},"fields":["name","email"],"attrs":{{"seller":"sel-{}"}}}}"#,
                    i % 7,
                    i % 97,
                    i % 13
                )
            }
        })
        .collect()
}

/// Everything the store answers about the bulk lines, as text.
fn answers(store: &SqliteStore) -> Vec<String> {
    let mut out = Vec::new();
    for k in 0..7 {
        let e = format!("emp-{k}");
        out.push(format!(
            "{:?}",
            store.events_by_employee(&e, TimeWindow::ALL, 50).unwrap()
        ));
        out.push(format!(
            "{:?}",
            store.disclosures_by_employee(&e, TimeWindow::ALL).unwrap()
        ));
    }
    for k in 0..13 {
        let s = format!("sel-{k}");
        out.push(format!(
            "{:?}",
            store.events_by_seller(&s, TimeWindow::ALL, 50).unwrap()
        ));
        out.push(format!("{:?}", store.customers_of_seller(&s).unwrap()));
    }
    for k in [0, 5, 96] {
        let c = format!("cus-{k}");
        out.push(format!(
            "{:?}",
            store.disclosures_by_customer(&c, TimeWindow::ALL).unwrap()
        ));
        out.push(format!("{:?}", store.sellers_of_customer(&c).unwrap()));
    }
    let mut ids = store
        .lookup_ids(&["bk-0", "bk-11999", "nope"])
        .unwrap()
        .into_iter()
        .collect::<Vec<_>>();
    ids.sort_by(|a, b| a.0.cmp(&b.0));
    out.push(format!("{ids:?}"));
    out.push(format!(
        "{:?}",
        store.scan_rows(0..store.ledger_size().unwrap()).unwrap()
    ));
    out
}

fn index_names(store: &SqliteStore) -> Vec<String> {
    let mut stmt = store
        .connection()
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name",
        )
        .unwrap();
    let rows = stmt.query_map([], |r| r.get(0)).unwrap();
    rows.map(|r| r.unwrap()).collect()
}

const DEFERRED: [&str; 5] = [
    "disclosures_by_customer",
    "disclosures_by_employee",
    "events_by_employee",
    "events_by_seller",
    "relations_by_seller",
];

#[test]
fn a_bulk_load_answers_like_a_plain_one_during_and_after() {
    let lines = bulk_lines(0, 12_000);
    let mut plain = SqliteHarness::new();
    suite::index(plain.store(), &lines);
    let expected = answers(plain.sqlite());
    let all_indexes = index_names(plain.sqlite());

    let mut bulk = SqliteHarness::new();
    // A reader on the same file, as `custos serve` or `investigate` would
    // be, opened before the load starts.
    let reader = SqliteStore::open_in(bulk.dir.path()).unwrap();
    assert_eq!(
        reader
            .disclosures_by_employee("emp-1", TimeWindow::ALL)
            .unwrap(),
        vec![]
    );
    assert!(bulk.store().begin_bulk_load(12_000).unwrap());
    assert_eq!(bulk.sqlite().deferred_indexes().unwrap(), DEFERRED);
    for d in DEFERRED {
        assert!(
            !index_names(bulk.sqlite()).contains(&d.to_owned()),
            "{d} still there"
        );
    }
    suite::index(bulk.store(), &lines[..6_000]);
    suite::index(bulk.store(), &lines[6_000..]);
    // Mid-load: the reader (whose statements were prepared while the
    // indexes existed) and the writer answer as the plain store does.
    assert_eq!(answers(&reader), expected);
    assert_eq!(answers(bulk.sqlite()), expected);
    // A handle opened while the load runs leaves its indexes deferred.
    let late = SqliteStore::open_in(bulk.dir.path()).unwrap();
    assert_eq!(late.deferred_indexes().unwrap(), DEFERRED);
    assert_eq!(answers(&late), expected);

    bulk.store().finish_bulk_load().unwrap();
    assert_eq!(
        bulk.sqlite().deferred_indexes().unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(index_names(bulk.sqlite()), all_indexes);
    assert_eq!(answers(&reader), expected);
    assert_eq!(answers(bulk.sqlite()), expected);
    // The build sorts with settings of its own (temporary files, a small
    // cache, helper threads); the connection gets the store's back.
    assert_eq!(sort_settings(bulk.sqlite()), sort_settings(plain.sqlite()));
}

/// The connection settings a bulk load's index build changes.
fn sort_settings(store: &SqliteStore) -> Vec<i64> {
    ["temp_store", "cache_size", "threads"]
        .iter()
        .map(|p| {
            store
                .connection()
                .query_row(&format!("PRAGMA {p}"), [], |r| r.get(0))
                .unwrap()
        })
        .collect()
}

#[test]
fn a_bulk_load_still_refuses_a_stored_id() {
    let mut h = SqliteHarness::new();
    assert!(h.store().begin_bulk_load(12_000).unwrap());
    suite::index(h.store(), &bulk_lines(0, 12_000));
    // The same id with other content, in a later batch of the same load.
    let mut again = bulk_lines(12_000, 3);
    again[1] = bulk_lines(5, 1)[0].replace("cus-5", "cus-6");
    let events: Vec<_> = again.iter().map(|l| suite::ev(l)).collect();
    let rows = suite::rows_from(12_000, &events);
    let head = custos_store::LedgerHead {
        size: 12_003,
        root_hash: "00".repeat(32),
    };
    match h.store().index_batch(&rows, &head) {
        Err(StoreError::DuplicateId(id)) => assert_eq!(id, "bk-5"),
        other => panic!("a stored id was accepted again: {other:?}"),
    }
    assert_eq!(h.store().ledger_size().unwrap(), 12_000);
    assert_eq!(h.sqlite().deferred_indexes().unwrap(), DEFERRED);
}

#[test]
fn a_bulk_load_that_died_is_finished_by_the_next_open() {
    let mut h = SqliteHarness::new();
    let all_indexes = index_names(h.sqlite());
    assert!(h.store().begin_bulk_load(12_000).unwrap());
    suite::index(h.store(), &bulk_lines(0, 12_000));
    // The process dies: its handle goes without finishing, and the
    // kernel releases its lock (closing the file does the same).
    drop(h.store.take());
    let store = SqliteStore::open_in(h.dir.path()).unwrap();
    assert_eq!(store.deferred_indexes().unwrap(), Vec::<String>::new());
    assert_eq!(index_names(&store), all_indexes);
    assert_eq!(store.ledger_size().unwrap(), 12_000);
    assert_eq!(
        store
            .disclosures_by_customer("cus-5", TimeWindow::ALL)
            .unwrap()
            .len(),
        (0..12_000).filter(|i| i % 3 != 0 && i % 97 == 5).count()
    );
}

#[test]
fn a_bulk_load_is_for_small_stores_and_large_batches() {
    let mut h = SqliteHarness::new();
    assert!(!h.store().begin_bulk_load(9_999).unwrap(), "too few events");
    suite::index(h.store(), &bulk_lines(0, 12_000));
    assert!(
        !h.store().begin_bulk_load(11_999).unwrap(),
        "store holds more"
    );
    assert_eq!(h.sqlite().deferred_indexes().unwrap(), Vec::<String>::new());
    // Finishing with nothing deferred changes nothing.
    let indexes = index_names(h.sqlite());
    h.store().finish_bulk_load().unwrap();
    assert_eq!(index_names(h.sqlite()), indexes);
    // One bulk load per store at a time.
    assert!(h.store().begin_bulk_load(12_000).unwrap());
    let mut other = SqliteStore::open_in(h.dir.path()).unwrap();
    assert!(!other.begin_bulk_load(12_000).unwrap());
    // ...and another handle's finish leaves a running load alone.
    other.finish_bulk_load().unwrap();
    assert_eq!(other.deferred_indexes().unwrap(), DEFERRED);
}
