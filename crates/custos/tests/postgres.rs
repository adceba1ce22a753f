//! End to end with a PostgreSQL store: `custos --store postgres://...`
//! ingests a simulated marketplace, and `verify`, `alerts` and `scope`
//! answer exactly as they do on the embedded SQLite store fed the same
//! file; the stored rows are the same too.
//!
//! The test creates a database of its own on the server named by
//! `CUSTOS_TEST_POSTGRES` (default `postgres://postgres@127.0.0.1:5432/test`)
//! and drops it afterwards. Without a server it fails when `CI` is set and
//! is skipped (saying why) when not.
#![allow(clippy::unwrap_used)]

mod common;

use common::{custos, stderr, stdout, summary, PgTestDb};
use custos_store::{PgStore, SqliteStore, Store};
use postgres::{Client, NoTls};
use serde_json::Value;
use std::path::Path;
use std::process::Output;

/// `custos` on `data`, with the PostgreSQL store when `url` is given.
fn run(data: &Path, url: Option<&str>, args: &[&str]) -> Output {
    let mut c = custos(data);
    c.env_remove("CUSTOS_STORE").env_remove("CUSTOS_LEDGER");
    if let Some(url) = url {
        c.arg("--store").arg(url);
    }
    c.args(args).output().unwrap()
}

fn ok(o: Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}: {}\n{}",
        o.status.code(),
        stderr(&o),
        stdout(&o)
    );
    stdout(&o)
}

fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn a_postgres_store_answers_as_the_embedded_one() {
    let Some(db) = PgTestDb::create("e2e") else {
        return;
    };
    let root = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("postgres-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let (sim, lite, pg) = (root.join("sim"), root.join("lite"), root.join("pg"));
    ok(run(
        &lite,
        None,
        &[
            "simulate",
            "--employees",
            "40",
            "--customers",
            "1000",
            "--days",
            "3",
            "--out",
            sim.to_str().unwrap(),
        ],
    ));
    let events = sim.join("events.jsonl");
    let ingest = ["ingest", events.to_str().unwrap(), "--format", "json"];
    let lite_sum = summary(&run(&lite, None, &ingest));
    let pg_sum = summary(&run(&pg, Some(&db.url), &ingest));
    assert!(lite_sum["accepted"].as_u64().unwrap() > 1000, "{lite_sum}");
    assert_eq!(lite_sum, pg_sum);
    // The PostgreSQL run left no SQLite file behind; its ledger is in the
    // data dir as always.
    assert!(!pg.join("store.sqlite").exists());
    assert!(pg.join("ledger").join("checkpoint").is_file());

    // Ingesting the file again: every event a duplicate, in both.
    let again = summary(&run(&pg, Some(&db.url), &ingest));
    assert_eq!(again["accepted"], 0);
    assert_eq!(again["duplicates"], lite_sum["accepted"]);

    let verify = ["verify", "--format", "json"];
    let v = json_lines(&ok(run(&pg, Some(&db.url), &verify)));
    assert_eq!(v[0]["ok"], true, "{}", v[0]);
    assert_eq!(v[0]["size"], lite_sum["ledger_size"]);

    let alerts = ["alerts", "--format", "json"];
    let lite_alerts = ok(run(&lite, None, &alerts));
    let pg_alerts = ok(run(&pg, Some(&db.url), &alerts));
    assert!(!lite_alerts.is_empty(), "the simulation raised no alert");
    assert_eq!(lite_alerts, pg_alerts);

    let employee = json_lines(&lite_alerts)[0]["employee"]
        .as_str()
        .unwrap()
        .to_owned();
    let scope = ["scope", "--employee", &employee, "--format", "json"];
    let lite_scope = ok(run(&lite, None, &scope));
    assert!(!lite_scope.is_empty());
    assert_eq!(lite_scope, ok(run(&pg, Some(&db.url), &scope)));

    // Row for row, the same store.
    let n = lite_sum["ledger_size"].as_u64().unwrap();
    let lite_store = SqliteStore::open_in(&lite).unwrap();
    let pg_store = PgStore::open(&db.url, "main").unwrap();
    for start in (0..n).step_by(5000) {
        let range = start..(start + 5000).min(n);
        assert_eq!(
            lite_store.scan_rows(range.clone()).unwrap(),
            pg_store.scan_rows(range).unwrap()
        );
    }
    assert_eq!(
        lite_store.employees().unwrap(),
        pg_store.employees().unwrap()
    );
    drop(pg_store);

    // An edited row is caught by verify.
    let mut client = Client::connect(&db.url, NoTls).unwrap();
    client
        .batch_execute("UPDATE events SET actor_id = 'emp-framed' WHERE idx = 3")
        .unwrap();
    let o = run(&pg, Some(&db.url), &verify);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("3"), "{}", stdout(&o));

    // An unsupported store URL is bad usage, named with its fix.
    let o = run(&pg, Some("mysql://root:hunter2@db/custos"), &verify);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("mysql://root:***@db/custos"), "{err}");
    assert!(err.contains("postgres://"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
    let _ = std::fs::remove_dir_all(&root);
}
