//! Ledger and store reconciliation on open: a lagging store catches up
//! from the ledger; a store ahead of its ledger is an integrity alarm.
#![allow(clippy::unwrap_used)]

use custos_ingest::{prepare, verify, DataDir, Location, Pipeline, DEFAULT_ORIGIN};

fn batch(from: usize, to: usize) -> Vec<custos_ingest::Prepared> {
    (from..to)
        .map(|i| {
            let line = format!(
                r#"{{"id":"ev-{i}","time":"2026-03-01T10:{:02}:{:02}Z","actor":{{"type":"employee","id":"emp-{}"}},"action":"customer.view","target":{{"type":"customer","id":"cus-{}"}}}}"#,
                (i / 60) % 60,
                i % 60,
                i % 5,
                i % 17
            );
            prepare(Location { source: "t".into(), line: i as u64 }, &line).unwrap()
        })
        .collect()
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn a_lagging_store_is_reindexed_from_the_ledger() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = DataDir::new(tmp.path().join("d"));
    {
        let mut p = Pipeline::open(&dir, DEFAULT_ORIGIN).unwrap();
        p.commit(batch(0, 100)).unwrap();
    }
    let old_store = std::fs::read(dir.store()).unwrap();
    {
        let mut p = Pipeline::open(&dir, DEFAULT_ORIGIN).unwrap();
        let s = p.commit(batch(100, 250)).unwrap();
        assert_eq!(s.ledger_size, 250);
    }
    // The store as it was after 100 events: as if the process died
    // between the ledger's commit and the store's.
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", dir.store().display()));
    }
    std::fs::write(dir.store(), old_store).unwrap();
    let report = verify(&dir);
    assert!(report.ok, "{:?}", report.problems);
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("lags the ledger by 150")),
        "{:?}",
        report.notes
    );
    let p = Pipeline::open(&dir, DEFAULT_ORIGIN).unwrap();
    assert_eq!(p.store().ledger_size().unwrap(), 250);
    drop(p);
    let report = verify(&dir);
    assert!(report.ok && report.notes.is_empty(), "{report:?}");
}

#[test]
fn a_store_ahead_of_its_ledger_is_an_integrity_alarm() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = DataDir::new(tmp.path().join("d"));
    {
        let mut p = Pipeline::open(&dir, DEFAULT_ORIGIN).unwrap();
        p.commit(batch(0, 100)).unwrap();
    }
    let old_ledger = tmp.path().join("old-ledger");
    copy_dir(&dir.ledger(), &old_ledger);
    {
        let mut p = Pipeline::open(&dir, DEFAULT_ORIGIN).unwrap();
        p.commit(batch(100, 200)).unwrap();
    }
    // Roll the ledger back to its state at 100 entries (a validly signed
    // older checkpoint), leaving the store at 200.
    std::fs::remove_dir_all(dir.ledger()).unwrap();
    copy_dir(&old_ledger, &dir.ledger());
    let err = Pipeline::open(&dir, DEFAULT_ORIGIN)
        .err()
        .expect("opening must fail");
    assert!(err.to_string().contains("integrity alarm"), "{err}");
    let report = verify(&dir);
    assert!(!report.ok);
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("the store indexes 200 events but the ledger holds only 100")),
        "{:?}",
        report.problems
    );
}
