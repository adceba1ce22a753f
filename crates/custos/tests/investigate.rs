//! End to end: `custos scope`, `attribute`, `access-report` and
//! `verify-bundle` on a simulated marketplace ingested by the real binary,
//! checked against the simulated events parsed here independently.
#![allow(clippy::unwrap_used)]

mod common;

use common::{run, stderr, stdout};
use custos_core::{parse_event, Event, Timestamp};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

struct Fixture {
    data: PathBuf,
    truth: Value,
    events: Vec<Event>,
}

/// `custos simulate --employees 40 --days 7`, then `custos ingest`, once.
fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let root = // One fixture per process: nextest runs every test in a process of its
        // own, and they must not share a data dir.
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("investigate-cli-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let (sim, data) = (root.join("sim"), root.join("data"));
        let o = run(
            &data,
            &[
                "simulate",
                "--employees",
                "40",
                "--days",
                "7",
                "--out",
                sim.to_str().unwrap(),
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let o = run(
            &data,
            &[
                "ingest",
                sim.join("events.jsonl").to_str().unwrap(),
                "--format",
                "json",
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let truth: Value =
            serde_json::from_str(&std::fs::read_to_string(sim.join("truth.json")).unwrap())
                .unwrap();
        let events = std::fs::read_to_string(sim.join("events.jsonl"))
            .unwrap()
            .lines()
            .map(|l| parse_event(l).unwrap())
            .collect();
        Fixture {
            data,
            truth,
            events,
        }
    })
}

fn custos(args: &[&str]) -> std::process::Output {
    run(&fixture().data, args)
}

fn json_lines(o: &std::process::Output) -> Vec<Value> {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        stderr(o)
    );
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn time(v: &Value) -> Timestamp {
    Timestamp::parse_rfc3339(v.as_str().unwrap()).unwrap()
}

/// Per customer, the ids of events that disclosed it to `employee` in
/// `[from, to)`, from events.jsonl.
fn expected(employee: &str, from: Timestamp, to: Timestamp) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for e in &fixture().events {
        if e.employee() != Some(employee) || e.time < from || e.time >= to {
            continue;
        }
        let distinct: BTreeSet<&str> = e.disclosed_customers().into_iter().collect();
        for c in distinct {
            out.entry(c.to_owned()).or_default().push(e.id.0.clone());
        }
    }
    out
}

fn insiders() -> Vec<&'static Value> {
    fixture().truth["insiders"]
        .as_array()
        .unwrap()
        .iter()
        .collect()
}

#[test]
fn scope_of_each_insider_is_every_customer_they_were_shown() {
    for insider in insiders() {
        let employee = insider["employee"].as_str().unwrap();
        let from = time(&insider["start"]);
        let to = time(&insider["end"]).plus_millis(1);
        let o = custos(&[
            "scope",
            "--employee",
            employee,
            "--from",
            &from.to_rfc3339(),
            "--to",
            &to.to_rfc3339(),
            "--format",
            "json",
        ]);
        let records = json_lines(&o);
        let got: BTreeMap<String, Vec<String>> = records
            .iter()
            .map(|r| {
                let events: Vec<String> = r["events"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e.as_str().unwrap().to_owned())
                    .collect();
                assert_eq!(r["accesses"].as_u64().unwrap() as usize, events.len());
                assert!(time(&r["first"]) <= time(&r["last"]));
                assert!(r["fields"].is_array());
                (r["customer"].as_str().unwrap().to_owned(), events)
            })
            .collect();
        assert_eq!(got, expected(employee, from, to), "{employee}");
        if insider["scenario"] != "review_deletion" {
            for c in insider["customers"].as_array().unwrap() {
                assert!(
                    got.contains_key(c.as_str().unwrap()),
                    "{employee} misses {c}"
                );
            }
        }
    }
}

#[test]
fn scope_prints_a_table_with_totals_and_csv_with_a_header() {
    let employee = insiders()[0]["employee"].as_str().unwrap();
    let o = custos(&["scope", "--employee", employee, "--format", "table"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.starts_with("customer"), "{text}");
    assert!(text.contains("customers by data category: "), "{text}");
    assert!(text.contains(&format!("disclosed to {employee}")), "{text}");
    let o = custos(&["scope", "--employee", employee, "--format", "csv"]);
    let text = stdout(&o);
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("customer,fields,first,last,accesses,purposes,employees,events")
    );
    assert_eq!(
        lines.count(),
        expected(employee, Timestamp(i64::MIN), Timestamp(i64::MAX)).len()
    );
}

#[test]
fn scope_of_an_alert_starts_at_its_earliest_evidence() {
    let alerts = json_lines(&custos(&["alerts", "--format", "json"]));
    let alert = alerts
        .iter()
        .find(|a| !a["evidence"].as_array().unwrap().is_empty())
        .expect("the simulation raises alerts");
    let employee = alert["employee"].as_str().unwrap();
    let evidence: BTreeSet<&str> = alert["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    let from = fixture()
        .events
        .iter()
        .filter(|e| evidence.contains(e.id.0.as_str()))
        .map(|e| e.time)
        .chain([time(&alert["time"])])
        .min()
        .unwrap();
    let by_alert = custos(&[
        "scope",
        "--alert",
        alert["id"].as_str().unwrap(),
        "--format",
        "json",
    ]);
    let by_hand = custos(&[
        "scope",
        "--employee",
        employee,
        "--from",
        &from.to_rfc3339(),
        "--format",
        "json",
    ]);
    assert_eq!(json_lines(&by_alert), json_lines(&by_hand));
}

/// Customers by how many distinct employees were shown them, most first.
fn popular(n: usize) -> Vec<String> {
    let mut who: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for e in &fixture().events {
        if let Some(emp) = e.employee() {
            for c in e.disclosed_customers() {
                who.entry(c).or_default().insert(emp);
            }
        }
    }
    let mut v: Vec<(&str, usize)> = who.into_iter().map(|(c, s)| (c, s.len())).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    v.into_iter().take(n).map(|(c, _)| c.to_owned()).collect()
}

#[test]
fn attribute_ranks_the_insider_first_and_the_reverse_view_lists_the_matches() {
    let dir = tempfile::tempdir().unwrap();
    // The insider with the most customers, padded with widely seen ones.
    let insider = insiders()
        .into_iter()
        .filter(|i| i["scenario"] != "review_deletion")
        .max_by_key(|i| i["customers"].as_array().unwrap().len())
        .unwrap();
    let employee = insider["employee"].as_str().unwrap();
    let mut sample: Vec<String> = insider["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    sample.extend(popular(40));
    let file = dir.path().join("leak.txt");
    std::fs::write(&file, sample.join("\n")).unwrap();
    let ranked = json_lines(&custos(&[
        "attribute",
        "--leaked",
        file.to_str().unwrap(),
        "--format",
        "json",
    ]));
    let top = &ranked[0];
    assert_eq!(top["employee"], employee, "{ranked:?}");
    for key in ["matched", "leaked", "p_value", "score"] {
        assert!(top[key].is_number(), "{key}");
    }
    assert!(top["p_value"].as_f64().unwrap() < 1e-6);
    let leaked: BTreeSet<&String> = sample.iter().collect();
    assert_eq!(top["leaked"].as_u64().unwrap() as usize, leaked.len());
    let matches = json_lines(&custos(&[
        "attribute",
        "--leaked",
        file.to_str().unwrap(),
        "--employee",
        employee,
        "--format",
        "json",
    ]));
    assert_eq!(matches.len() as u64, top["matched"].as_u64().unwrap());
    let table = custos(&[
        "attribute",
        "--leaked",
        file.to_str().unwrap(),
        "--format",
        "table",
        "--limit",
        "3",
    ]);
    assert!(stdout(&table).contains(employee));
}

#[test]
fn a_scope_bundle_verifies_offline_and_a_changed_byte_fails() {
    let dir = tempfile::tempdir().unwrap();
    let insider = insiders()
        .into_iter()
        .find(|i| i["scenario"] == "data_sale")
        .unwrap();
    let employee = insider["employee"].as_str().unwrap();
    let bundle = dir.path().join("scope.bundle.json");
    let o = custos(&[
        "scope",
        "--employee",
        employee,
        "--from",
        insider["start"].as_str().unwrap(),
        "--to",
        &time(&insider["end"]).plus_millis(1).to_rfc3339(),
        "--bundle",
        bundle.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let vkey = fixture().data.join("ledger/key.vkey");
    // Offline: a data dir that does not exist.
    let nowhere = dir.path().join("no-data-dir");
    let check = |file: &Path, key: bool| {
        let mut args = vec!["verify-bundle", file.to_str().unwrap(), "--format", "json"];
        if key {
            args.extend(["--key", vkey.to_str().unwrap()]);
        }
        run(&nowhere, &args)
    };
    let o = check(&bundle, true);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let report: Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(report["ok"], true);
    assert_eq!(report["key"], "given");
    let o = check(&bundle, false);
    assert_eq!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("warning: checking with the key inside the bundle"));

    let bytes = std::fs::read(&bundle).unwrap();
    let tampered = dir.path().join("tampered.json");
    let step = (bytes.len() / 150).max(1);
    for pos in (0..bytes.len()).step_by(step) {
        let mut t = bytes.clone();
        t[pos] ^= 0x01;
        std::fs::write(&tampered, &t).unwrap();
        let o = check(&tampered, true);
        assert_eq!(
            o.status.code(),
            Some(1),
            "byte {pos} changed, yet: {}",
            stdout(&o)
        );
        assert!(stderr(&o).contains("does not verify"), "{}", stderr(&o));
    }
}

#[test]
fn access_report_lists_every_access_with_proofs_and_pseudonyms() {
    let dir = tempfile::tempdir().unwrap();
    let customer = popular(1).remove(0);
    let expected: Vec<&Event> = fixture()
        .events
        .iter()
        .filter(|e| e.disclosed_customers().contains(&customer.as_str()))
        .collect();
    let bundle = dir.path().join("access.bundle.json");
    let o = custos(&[
        "access-report",
        "--customer",
        &customer,
        "--bundle",
        bundle.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let rows = json_lines(&o);
    assert_eq!(rows.len(), expected.len());
    let mut pseudonym_of: BTreeMap<&str, &str> = BTreeMap::new();
    for (r, e) in rows.iter().zip(&expected) {
        assert_eq!(r["event"], e.id.0.as_str());
        assert_eq!(time(&r["time"]), e.time);
        assert_eq!(r["action"], e.action.as_str());
        assert_eq!(r["role"].as_str(), e.actor.role.as_deref());
        assert_eq!(r["outcome"], "allowed");
        let p = r["employee"].as_str().unwrap();
        assert!(p.starts_with("emp~") && p.len() == 20, "{p}");
        assert_ne!(p, e.actor.id);
        assert_eq!(*pseudonym_of.entry(e.actor.id.as_str()).or_insert(p), p);
        assert!(!r["proof"].as_array().unwrap().is_empty());
    }
    assert!(!stdout(&o).contains("\"emp-"), "a real employee id leaked");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(fixture().data.join("pseudonym.key")).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    }
    // The same pseudonyms on a second run: the key is kept.
    assert_eq!(
        json_lines(&custos(&[
            "access-report",
            "--customer",
            &customer,
            "--format",
            "json"
        ])),
        rows
    );
    let o = custos(&[
        "verify-bundle",
        bundle.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn bad_usage_exits_2_and_a_bad_bundle_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["scope"],
        vec!["scope", "--employee", "emp-1", "--from", "yesterday"],
        vec![
            "scope",
            "--employee",
            "emp-1",
            "--from",
            "2026-03-05",
            "--to",
            "2026-03-01",
        ],
        vec!["scope", "--alert", "alr-none"],
        vec!["attribute", "--leaked", "/nonexistent/leak.txt"],
        vec!["verify-bundle", "/nonexistent/bundle.json"],
    ] {
        let o = custos(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).starts_with("error: "), "{args:?}");
    }
    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, "{\"not\":\"a bundle\"}\n").unwrap();
    let o = custos(&[
        "verify-bundle",
        garbage.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1));
}
