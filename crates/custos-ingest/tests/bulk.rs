//! An ingest into an empty store loads it in bulk (the store defers its
//! secondary indexes); idempotency by id holds throughout, and an ingest
//! that dies mid-load leaves a store the next start completes.
#![allow(clippy::unwrap_used)]

use custos_ingest::{prepare, verify, DataDir, ItemOutcome, Location, Pipeline, DEFAULT_ORIGIN};
use custos_store::{SqliteStore, Store, TimeWindow};
use std::time::{Duration, Instant};

fn line(i: usize, customer: usize) -> String {
    format!(
        r#"{{"id":"ev-{i}","time":"2026-03-01T10:{:02}:{:02}Z","actor":{{"type":"employee","id":"emp-{}"}},"action":"customer.view","target":{{"type":"customer","id":"cus-{customer}"}}}}"#,
        (i / 60) % 60,
        i % 60,
        i % 5,
    )
}

fn prepared(i: usize, customer: usize) -> custos_ingest::Prepared {
    let location = Location {
        source: "t".into(),
        line: i as u64,
    };
    prepare(location, &line(i, customer)).unwrap()
}

/// Events `from..to`, each viewing customer `i % 17`.
fn batch(from: usize, to: usize) -> Vec<custos_ingest::Prepared> {
    (from..to).map(|i| prepared(i, i % 17)).collect()
}

/// Waits until the writer thread has started the bulk load.
fn wait_for_deferred(dir: &DataDir) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let deferred = SqliteStore::open(&dir.store())
            .unwrap()
            .deferred_indexes()
            .unwrap();
        if !deferred.is_empty() {
            return deferred;
        }
        assert!(Instant::now() < deadline, "no bulk load started");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_bulk_ingest_keeps_idempotency_by_id() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = DataDir::new(tmp.path().join("d"));
    let mut p = Pipeline::open(&dir, DEFAULT_ORIGIN).unwrap();
    let first = p.submit(batch(0, 12_000)).unwrap();
    assert_eq!(first.accepted, 12_000);
    assert!(!wait_for_deferred(&dir).is_empty());
    // Still loading: an identical repeat is a duplicate, the same id with
    // other content is refused, whether stored or in flight.
    let mut second = vec![prepared(5, 5), prepared(7, 99), prepared(11_999, 99)];
    second.extend(batch(12_000, 12_010));
    let outcomes = p.commit_items(&second).unwrap();
    assert_eq!(outcomes[0], ItemOutcome::Duplicate);
    for o in &outcomes[1..3] {
        assert!(
            matches!(o, ItemOutcome::Rejected { field, .. } if field == "id"),
            "{o:?}"
        );
    }
    assert_eq!(outcomes[3], ItemOutcome::Accepted { index: 12_000 });
    // `commit_items` flushed: the load is over and its indexes are built.
    let store = SqliteStore::open(&dir.store()).unwrap();
    assert_eq!(store.deferred_indexes().unwrap(), Vec::<String>::new());
    assert_eq!(store.ledger_size().unwrap(), 12_010);
    let shown = store
        .disclosures_by_customer("cus-99", TimeWindow::ALL)
        .unwrap();
    assert!(shown.is_empty(), "{shown:?}");
    drop(p);
    let report = verify(&dir);
    assert!(report.ok, "{:?}", report.problems);
}

#[test]
fn an_ingest_that_dies_mid_bulk_is_completed_by_the_next_start() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = DataDir::new(tmp.path().join("d"));
    let mut p = Pipeline::open(&dir, DEFAULT_ORIGIN).unwrap();
    p.submit(batch(0, 12_000)).unwrap();
    let deferred = wait_for_deferred(&dir);
    assert!(deferred.contains(&"disclosures_by_customer".to_owned()));
    // Dropped without a flush: the bulk load never finishes, as when the
    // process is killed (its lock goes with it).
    drop(p);
    // The next open of the store, here verification's, finds the
    // deferred indexes with no load alive and builds them.
    let report = verify(&dir);
    assert!(report.ok, "{:?}", report.problems);
    let p = Pipeline::open(&dir, DEFAULT_ORIGIN).unwrap();
    assert_eq!(p.store().ledger_size().unwrap(), 12_000);
    let store = SqliteStore::open(&dir.store()).unwrap();
    assert_eq!(store.deferred_indexes().unwrap(), Vec::<String>::new());
    let built: i64 = store
        .connection()
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?1",
            ["disclosures_by_customer"],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(built, 1);
    assert_eq!(
        store
            .disclosures_by_customer("cus-3", TimeWindow::ALL)
            .unwrap()
            .len(),
        (0..12_000).filter(|i| i % 17 == 3).count()
    );
}

#[test]
fn a_detection_snapshot_on_the_way_does_not_end_a_bulk_load() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = DataDir::new(tmp.path().join("d"));
    let mut p = Pipeline::open(&dir, DEFAULT_ORIGIN).unwrap();
    p.enable_detection(custos_detect::DetectConfig::default())
        .unwrap();
    p.set_detection_snapshot_every(5_000);
    p.submit(batch(0, 12_000)).unwrap();
    p.submit(batch(12_000, 24_000)).unwrap();
    // Two snapshots were due; the load goes on (a flush would have built
    // its indexes and inserted the rest through them).
    assert!(!wait_for_deferred(&dir).is_empty());
    p.snapshot_detection().unwrap();
    let store = SqliteStore::open(&dir.store()).unwrap();
    assert_eq!(store.deferred_indexes().unwrap(), Vec::<String>::new());
    let snapshot = store.get_state("detect/snapshot").unwrap().unwrap();
    assert_eq!(
        u64::from_be_bytes(snapshot[..8].try_into().unwrap()),
        24_000
    );
}
