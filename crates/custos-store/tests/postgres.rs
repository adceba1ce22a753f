//! The store suite against `PgStore`, and what only PostgreSQL has:
//! several ledgers in one database, monthly partitions, migrations shared
//! by nodes that start together.
//!
//! Each test creates a database of its own on the server named by
//! `CUSTOS_TEST_POSTGRES` (default `postgres://postgres@127.0.0.1:5432/test`)
//! and drops it afterwards. Without a server the tests fail when `CI` is
//! set, and are skipped (saying why) when not.

#![allow(clippy::unwrap_used)]

#[macro_use]
mod suite;

use custos_store::{AlertFilter, LedgerHead, PgStore, Store, StoreError, TimeWindow};
use postgres::{Client, NoTls};
use std::sync::atomic::{AtomicU32, Ordering};
use suite::Harness;

/// A database that exists for one test.
struct TestDb {
    admin_url: String,
    name: String,
    url: String,
}

impl TestDb {
    fn create() -> Option<TestDb> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let admin_url = std::env::var("CUSTOS_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        let mut admin = match Client::connect(&admin_url, NoTls) {
            Ok(c) => c,
            Err(e) if std::env::var_os("CI").is_some() => {
                panic!("PostgreSQL at {admin_url} is required in CI: {e}")
            }
            Err(e) => {
                eprintln!("skipped: no PostgreSQL at {admin_url} ({e}); set CUSTOS_TEST_POSTGRES");
                return None;
            }
        };
        let name = format!(
            "custos_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let base = admin_url.split('?').next().unwrap_or(&admin_url);
        let url = match base.rfind('/') {
            Some(i) if i > "postgres://".len() => format!("{}/{name}", &base[..i]),
            _ => format!("{base}/{name}"),
        };
        Some(TestDb {
            admin_url,
            name,
            url,
        })
    }

    fn open(&self, ledger: &str) -> PgStore {
        PgStore::open(&self.url, ledger).unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = Client::connect(&self.admin_url, NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

struct PgHarness {
    store: Option<PgStore>,
    // Dropped after the store: the database goes last.
    db: TestDb,
}

impl PgHarness {
    fn new() -> Option<PgHarness> {
        let db = TestDb::create()?;
        let store = db.open("main");
        Some(PgHarness {
            store: Some(store),
            db,
        })
    }

    fn pg(&mut self) -> &mut PgStore {
        self.store.as_mut().unwrap()
    }
}

impl Harness for PgHarness {
    fn store(&mut self) -> &mut dyn Store {
        self.pg()
    }

    fn reopen(&mut self) {
        drop(self.store.take());
        self.store = Some(self.db.open("main"));
    }

    fn execute_raw(&mut self, sql: &str) {
        self.pg().client().batch_execute(sql).unwrap();
    }

    fn wipe(&mut self) {
        self.execute_raw(
            "TRUNCATE events, disclosures, event_ids, ledger_head, applied_facts, reviews, orders,
             relations, tickets, accounts, employees, honeytokens, alerts, state, agg_employee_days,
             agg_seller_signals, agg_progress",
        );
        // The handle's cache of employees it wrote is stale now.
        self.reopen();
    }
}

store_test_suite!(PgHarness::new());

fn count(store: &mut PgStore, sql: &str) -> i64 {
    store.client().query_one(sql, &[]).unwrap().get(0)
}

fn view(id: &str, time: &str, employee: &str, customer: &str) -> String {
    format!(
        r#"{{"id":"{id}","time":"{time}","actor":{{"type":"employee","id":"{employee}","role":"cs-agent"}},"action":"customer.view","target":{{"type":"customer","id":"{customer}"}},"fields":["name"]}}"#
    )
}

const REVIEW: &str = r#"{"id":"fact-r1","time":"2026-05-03T08:00:00Z","actor":{"type":"customer","id":"cus-1"},"action":"review.create","target":{"type":"review","id":"rev-1"},"attrs":{"seller":"sel-1","rating":2}}"#;
const ORDER: &str = r#"{"id":"fact-o1","time":"2026-05-03T08:30:00Z","actor":{"type":"customer","id":"cus-1"},"action":"order.create","target":{"type":"order","id":"ord-1"},"attrs":{"seller":"sel-1"}}"#;

#[test]
fn two_ledgers_share_one_database() {
    let Some(db) = TestDb::create() else { return };
    let mut a = db.open("part-0");
    let mut b = db.open("part-1");
    suite::index(
        &mut a,
        &[
            view("a-1", "2026-05-03T09:00:00Z", "emp-1", "cus-1"),
            REVIEW.to_owned(),
            view("a-2", "2026-05-03T10:00:00Z", "emp-1", "cus-2"),
            ORDER.to_owned(),
        ],
    );
    // The same facts arrive in the second ledger, in another order and at
    // other indexes.
    suite::index(
        &mut b,
        &[
            ORDER.to_owned(),
            view("b-1", "2026-05-03T09:30:00Z", "emp-2", "cus-1"),
            REVIEW.to_owned(),
        ],
    );
    assert_eq!(a.ledger_size().unwrap(), 4);
    assert_eq!(b.ledger_size().unwrap(), 3);
    assert_eq!(a.ledger_head().unwrap().unwrap().size, 4);
    assert_eq!(b.ledger_head().unwrap().unwrap().size, 3);
    // Idempotency is per ledger.
    let found = a.lookup_ids(&["a-1", "b-1", "fact-r1"]).unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(found["fact-r1"].index, 1);
    let found = b.lookup_ids(&["a-1", "b-1", "fact-r1"]).unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(found["fact-r1"].index, 2);
    // Each handle reads its own ledger's copy of a replicated event.
    assert_eq!(a.event("fact-o1").unwrap().unwrap().index, 3);
    assert_eq!(b.event("fact-o1").unwrap().unwrap().index, 0);
    assert_eq!(b.event("a-2").unwrap().unwrap().index, 2);
    // scan_rows is per ledger.
    let scanned: Vec<String> = b
        .scan_rows(0..10)
        .unwrap()
        .into_iter()
        .map(|r| r.event.unwrap().id)
        .collect();
    assert_eq!(scanned, ["fact-o1", "b-1", "fact-r1"]);
    // The facts were applied once, though indexed twice.
    for s in [&a, &b] {
        let rel = s.customers_of_seller("sel-1").unwrap();
        assert_eq!(rel.len(), 1);
        assert_eq!((rel[0].reviews, rel[0].orders), (1, 1));
        // Reads across ledgers return a replicated event once.
        let ids: Vec<String> = s
            .events_by_seller("sel-1", TimeWindow::ALL, 10)
            .unwrap()
            .into_iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(ids, ["fact-r1", "fact-o1"]);
        // With a limit, duplicates do not eat into it.
        assert_eq!(
            s.events_by_seller("sel-1", TimeWindow::ALL, 2)
                .unwrap()
                .len(),
            2
        );
        // Disclosures of every ledger.
        let who: Vec<String> = s
            .disclosures_by_customer("cus-1", TimeWindow::ALL)
            .unwrap()
            .into_iter()
            .map(|d| d.employee)
            .collect();
        assert_eq!(who, ["emp-1", "emp-2"]);
    }
    // Claimed once each: the two facts, and the first sighting of each
    // employee's role (a repeat of a known role claims nothing).
    assert_eq!(
        count(
            &mut a,
            "SELECT count(*) FROM applied_facts WHERE event_id LIKE 'fact-%'"
        ),
        2
    );
    assert_eq!(count(&mut a, "SELECT count(*) FROM applied_facts"), 4);
    // An id of one ledger may be used in the other; not twice in one.
    suite::index(
        &mut b,
        &[view("a-1", "2026-05-03T11:00:00Z", "emp-2", "cus-3")],
    );
    let dup = suite::rows_from(
        4,
        &[suite::ev(&view(
            "b-1",
            "2026-05-03T12:00:00Z",
            "emp-2",
            "cus-3",
        ))],
    );
    let head = LedgerHead {
        size: 5,
        root_hash: "x".into(),
    };
    assert!(matches!(b.index_batch(&dup, &head), Err(StoreError::DuplicateId(id)) if id == "b-1"));
    // Each ledger continues at its own size.
    let next = suite::rows_from(
        4,
        &[suite::ev(&view(
            "a-3",
            "2026-05-03T12:00:00Z",
            "emp-1",
            "cus-3",
        ))],
    );
    a.index_batch(&next, &head).unwrap();
    assert_eq!(a.ledger_size().unwrap(), 5);
    assert_eq!(b.ledger_size().unwrap(), 4);
    assert!(matches!(
        b.index_batch(&suite::rows_from(5, &[]), &head),
        Err(StoreError::HeadMismatch {
            head: 5,
            expected: 4
        })
    ));
    // State is per ledger, alerts are shared.
    a.put_state("detector", b"a").unwrap();
    assert_eq!(b.get_state("detector").unwrap(), None);
    b.put_state("detector", b"b").unwrap();
    assert_eq!(a.get_state("detector").unwrap().unwrap(), b"a");
    let alert = custos_store::AlertRow {
        id: "alr-1".into(),
        time: custos_core::Timestamp(0),
        employee: "emp-1".into(),
        detector: "honeytoken".into(),
        severity: "high".into(),
        score: 90.0,
        json: "{}".into(),
    };
    a.put_alert(&alert).unwrap();
    b.put_alert(&alert).unwrap();
    assert_eq!(b.alerts(&AlertFilter::default()).unwrap(), [alert]);
    assert_eq!(a.ledger_name(), "part-0");
}

#[test]
fn partitions_are_created_per_month() {
    let Some(db) = TestDb::create() else { return };
    let mut s = db.open("main");
    let rows = suite::index(
        &mut s,
        &[
            view("m-1", "2026-01-31T23:59:59.999Z", "emp-1", "cus-1"),
            view("m-2", "2026-02-01T00:00:00Z", "emp-1", "cus-2"),
            view("m-3", "2026-03-15T12:00:00Z", "emp-1", "cus-3"),
            // Outside the partitioned years: the default partition.
            view("m-4", "1960-06-01T00:00:00Z", "emp-1", "cus-4"),
        ],
    );
    suite::index(
        &mut s,
        &[view("m-5", "2026-02-10T00:00:00Z", "emp-2", "cus-5")],
    );
    for (table, n) in [
        ("events_p202601", 1),
        ("events_p202602", 2),
        ("events_p202603", 1),
        ("events_default", 1),
        ("disclosures_p202601", 1),
        ("disclosures_p202602", 2),
        ("disclosures_p202603", 1),
        ("disclosures_default", 1),
    ] {
        assert_eq!(
            count(&mut s, &format!("SELECT count(*) FROM {table}")),
            n,
            "{table}"
        );
    }
    let parts = count(
        &mut s,
        "SELECT count(*) FROM pg_inherits WHERE inhparent = 'events'::regclass",
    );
    assert_eq!(parts, 4);
    // Reads span partitions; a window prunes to its months.
    let feb = TimeWindow::new(
        custos_core::Timestamp::parse_rfc3339("2026-02-01T00:00:00Z").unwrap(),
        custos_core::Timestamp::parse_rfc3339("2026-03-01T00:00:00Z").unwrap(),
    );
    let ids: Vec<String> = s
        .events_by_employee("emp-1", TimeWindow::ALL, 10)
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(ids, ["m-4", "m-1", "m-2", "m-3"]);
    assert_eq!(s.disclosures_by_employee("emp-1", feb).unwrap().len(), 1);
    assert_eq!(s.scan_rows(0..10).unwrap().len(), 5);
    assert_eq!(s.scan_rows(0..4).unwrap(), rows);
    let plan: Vec<String> = s
        .client()
        .query(
            &format!(
                "EXPLAIN SELECT * FROM disclosures WHERE employee = 'emp-1' AND time >= {} AND time < {}",
                feb.from.0, feb.to.0
            ),
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let plan = plan.join("\n");
    assert!(plan.contains("disclosures_p202602"), "{plan}");
    assert!(!plan.contains("disclosures_p202601"), "not pruned:\n{plan}");
    // A second handle (another node) creating the same months is fine.
    let mut other = db.open("other");
    suite::index(
        &mut other,
        &[view("o-1", "2026-02-11T00:00:00Z", "emp-3", "cus-6")],
    );
    assert_eq!(count(&mut s, "SELECT count(*) FROM events_p202602"), 3);
}

#[test]
fn migrations_are_idempotent_and_safe_when_nodes_start_together() {
    let Some(db) = TestDb::create() else { return };
    let barrier = std::sync::Barrier::new(4);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let (db, barrier) = (&db, &barrier);
                scope.spawn(move || {
                    barrier.wait();
                    // Two nodes per ledger name: registration races too.
                    PgStore::open(&db.url, &format!("ledger-{}", i % 2))
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap().unwrap();
        }
    });
    let mut s = db.open("main");
    assert_eq!(s.schema_version().unwrap(), 3);
    assert_eq!(count(&mut s, "SELECT count(*) FROM schema_migrations"), 3);
    assert_eq!(count(&mut s, "SELECT count(*) FROM ledgers"), 3);
    drop(s);
    let mut s = db.open("main");
    assert_eq!(count(&mut s, "SELECT count(*) FROM schema_migrations"), 3);
    assert_eq!(count(&mut s, "SELECT count(*) FROM ledgers"), 3);
    // Durable when commit returns.
    let sync: String = s
        .client()
        .query_one("SHOW synchronous_commit", &[])
        .unwrap()
        .get(0);
    assert_eq!(sync, "on");
    // A schema from a newer build is refused.
    s.client()
        .batch_execute("INSERT INTO schema_migrations (version, name) VALUES (99, 'future')")
        .unwrap();
    match PgStore::open(&db.url, "main") {
        Err(StoreError::SchemaTooNew {
            found: 99,
            known: 3,
        }) => {}
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("a newer schema was accepted"),
    }
}

#[test]
fn a_bad_url_or_ledger_name_is_a_clear_error() {
    match PgStore::open("postgres://nobody:secret@127.0.0.1:1/none", "main") {
        Err(e @ StoreError::Connect { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains("127.0.0.1:1"), "{msg}");
            assert!(!msg.contains("secret"), "{msg}");
        }
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("connected to nothing"),
    }
    assert!(matches!(
        PgStore::open("postgres://127.0.0.1:1/none", "two words"),
        Err(StoreError::LedgerName(_))
    ));
}

/// Two transactions that lock the same two rows in opposite orders: the
/// server rolls one back, and the store calls that error transient (a
/// batch rolled back so is run again by `index_batch`); an ordinary
/// error is not.
#[test]
fn a_deadlock_is_a_transient_conflict() {
    let Some(db) = TestDb::create() else { return };
    let mut setup = Client::connect(&db.url, NoTls).unwrap();
    setup
        .batch_execute(
            "CREATE TABLE pair (id int PRIMARY KEY, v int); INSERT INTO pair VALUES (1, 0), (2, 0)",
        )
        .unwrap();
    let barrier = std::sync::Barrier::new(2);
    let errors: Vec<StoreError> = std::thread::scope(|scope| {
        let handles: Vec<_> = [(1, 2), (2, 1)]
            .into_iter()
            .map(|(first, second)| {
                let (url, barrier) = (&db.url, &barrier);
                scope.spawn(move || -> Option<StoreError> {
                    let mut c = Client::connect(url, NoTls).unwrap();
                    let mut tx = c.transaction().unwrap();
                    tx.execute("UPDATE pair SET v = v + 1 WHERE id = $1", &[&first])
                        .unwrap();
                    barrier.wait();
                    let r = tx.execute("UPDATE pair SET v = v + 1 WHERE id = $1", &[&second]);
                    match r {
                        Ok(_) => {
                            tx.commit().unwrap();
                            None
                        }
                        Err(e) => Some(StoreError::from(e)),
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().unwrap())
            .collect()
    });
    assert_eq!(errors.len(), 1, "one of the two is the deadlock's victim");
    assert!(errors[0].is_transient_conflict(), "{}", errors[0]);
    assert!(errors[0].to_string().contains("40P01"), "{}", errors[0]);
    let other = StoreError::from(setup.batch_execute("SELECT * FROM missing").unwrap_err());
    assert!(!other.is_transient_conflict());
    assert!(other.to_string().contains("42P01"), "{other}");
}
