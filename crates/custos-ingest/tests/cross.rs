//! The cross-partition pass over a store's aggregates: it waits for
//! finished days, evaluates each once, resumes from its state, and
//! refuses an unreadable state rather than starting over silently.
#![allow(clippy::unwrap_used)]

use custos_detect::DetectConfig;
use custos_ingest::{cross_pass, IngestError};
use custos_store::{
    AggregateBatch, AlertFilter, EmployeeDay, Progress, SqliteStore, Store, DEFAULT_LEDGER,
};

/// 40 agents a day, 20-29 customers each, and `emp-x` with 500 on `day`.
fn day(store: &mut dyn Store, d: i64, x: Option<u32>) {
    let mut days: Vec<EmployeeDay> = (0..40u32)
        .map(|a| EmployeeDay {
            employee: format!("emp-{a}"),
            day: d,
            peer_group: "cs-agent".into(),
            customers: 20 + (a + d as u32) % 10,
            searches: 1,
            exported: 0,
        })
        .collect();
    if let Some(n) = x {
        days.push(EmployeeDay {
            employee: "emp-x".into(),
            day: d,
            peer_group: "cs-agent".into(),
            customers: n,
            searches: 0,
            exported: 0,
        });
    }
    store
        .put_aggregates(&AggregateBatch {
            days,
            signals: Vec::new(),
            progress: Some(Progress {
                day: d,
                employees: 41,
                sellers: 10,
            }),
        })
        .unwrap();
}

#[test]
fn each_finished_day_is_evaluated_once_and_resumed() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open_in(dir.path()).unwrap();
    let cfg = DetectConfig::default();
    let parts = [DEFAULT_LEDGER.to_owned()];
    // Nothing reported yet: nothing to do.
    assert_eq!(cross_pass(&mut store, &cfg, &parts).unwrap().finished, None);
    for d in 100..110 {
        day(&mut store, d, None);
    }
    let r = cross_pass(&mut store, &cfg, &parts).unwrap();
    assert_eq!((r.days, r.alerts, r.finished), (10, 0, Some(109)));
    day(&mut store, 110, Some(500));
    let r = cross_pass(&mut store, &cfg, &parts).unwrap();
    assert_eq!((r.days, r.alerts), (1, 1));
    let alerts = store.alerts(&AlertFilter::default()).unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!(
        (alerts[0].employee.as_str(), alerts[0].detector.as_str()),
        ("emp-x", "volume_anomaly")
    );
    // Again: every day is done.
    assert_eq!(cross_pass(&mut store, &cfg, &parts).unwrap().days, 0);
    // A state that cannot be read is an error that says what to do.
    store.put_state("detect/cross", b"{not json").unwrap();
    let e = cross_pass(&mut store, &cfg, &parts).unwrap_err();
    assert!(matches!(e, IngestError::CorruptState(_)), "{e}");
    assert!(e.to_string().contains("delete that state key"), "{e}");
}

#[test]
fn a_partition_that_has_not_reported_holds_the_pass_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open_in(dir.path()).unwrap();
    day(&mut store, 5, None);
    let parts = [DEFAULT_LEDGER.to_owned(), "p1".to_owned()];
    let r = cross_pass(&mut store, &DetectConfig::default(), &parts).unwrap();
    assert_eq!((r.days, r.finished), (0, None));
}
