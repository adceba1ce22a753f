//! End to end: `custos case ...` and `custos report breach` on a simulated
//! marketplace ingested by the real binary; every case step must be a
//! ledger event that `custos verify` accepts.
#![allow(clippy::unwrap_used)]

mod common;

use common::{run, stderr, stdout};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// `custos simulate --employees 40 --days 7`, then `custos ingest`, in a
/// directory of this process's own (nextest runs each test in its own
/// process; tests must not share a data dir).
fn fixture(name: &str) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("case-cli-{name}-{}", std::process::id()));
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
    let events = sim.join("events.jsonl");
    let o = run(
        &data,
        &["ingest", events.to_str().unwrap(), "--format", "json"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    data
}

fn ok(data: &Path, args: &[&str]) -> String {
    let o = run(data, args);
    assert!(
        o.status.success(),
        "{args:?}: exit {:?}: {}",
        o.status.code(),
        stderr(&o)
    );
    stdout(&o)
}

fn json(data: &Path, args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    serde_json::from_str(ok(data, &a).trim()).unwrap()
}

/// A seller-affinity alert: an employee harvesting a seller's customers.
fn harvesting_alert(data: &Path) -> (String, String) {
    let out = ok(data, &["alerts", "--format", "json"]);
    let a: Value = out
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|a| a["detector"] == "seller_affinity")
        .expect("the simulation raises a seller_affinity alert");
    (
        a["id"].as_str().unwrap().into(),
        a["employee"].as_str().unwrap().into(),
    )
}

fn refused(data: &Path, args: &[&str], code: i32, says: &str) {
    let o = run(data, args);
    assert_eq!(o.status.code(), Some(code), "{args:?}: {}", stderr(&o));
    assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
}

#[test]
fn a_case_lives_in_the_ledger_from_open_to_close() {
    let data = fixture("life");
    let (alert, employee) = harvesting_alert(&data);
    let size_before = json(&data, &["verify"])["size"].as_u64().unwrap();

    let opened = json(
        &data,
        &[
            "case",
            "open",
            "--alert",
            &alert,
            "--by",
            "inv-ana",
            "--title",
            "Records <sold>",
        ],
    );
    let case = opened["case"].as_str().unwrap().to_owned();
    assert!(case.starts_with("case-") && case.len() == 13, "{case}");
    assert_eq!(opened["event"], "case.1");
    assert_eq!(opened["status"], "open");

    json(
        &data,
        &["case", "assign", &case, "--to", "inv-bo", "--by", "inv-ana"],
    );
    json(
        &data,
        &[
            "case",
            "note",
            &case,
            "--text",
            "HR confirms the seller contact",
            "--by",
            "inv-bo",
        ],
    );
    json(
        &data,
        &[
            "case",
            "attach",
            &case,
            "--scope-employee",
            &employee,
            "--by",
            "inv-bo",
        ],
    );

    // Invalid transitions are refused, and leave no event behind.
    refused(
        &data,
        &[
            "case",
            "status",
            &case,
            "--to",
            "confirmed",
            "--by",
            "inv-bo",
        ],
        1,
        "cannot move from open to confirmed",
    );
    refused(
        &data,
        &[
            "case",
            "close",
            &case,
            "--outcome",
            "access_revoked",
            "--by",
            "inv-bo",
        ],
        1,
        "only a confirmed or dismissed case can be closed",
    );
    refused(
        &data,
        &["case", "status", &case, "--to", "closed", "--by", "x"],
        2,
        "invalid value",
    );
    refused(
        &data,
        &["case", "show", "case-00000000"],
        2,
        "no case with id",
    );
    refused(
        &data,
        &["case", "open", "--alert", "alr-nope", "--by", "x"],
        2,
        "no alert with id",
    );

    json(
        &data,
        &[
            "case",
            "status",
            &case,
            "--to",
            "investigating",
            "--by",
            "inv-bo",
        ],
    );
    let confirmed = json(
        &data,
        &[
            "case",
            "status",
            &case,
            "--to",
            "confirmed",
            "--by",
            "inv-bo",
        ],
    );
    assert_eq!(confirmed["status"], "confirmed");
    refused(
        &data,
        &[
            "case",
            "close",
            &case,
            "--outcome",
            "dismissed",
            "--by",
            "inv-bo",
        ],
        1,
        "does not fit a confirmed case",
    );
    let closed = json(
        &data,
        &[
            "case",
            "close",
            &case,
            "--outcome",
            "access_revoked",
            "--by",
            "inv-bo",
        ],
    );
    assert_eq!(closed["status"], "closed");
    refused(
        &data,
        &["case", "assign", &case, "--to", "x", "--by", "inv-bo"],
        1,
        "it is closed",
    );

    // The state replays from the ledger.
    let shown = json(&data, &["case", "show", &case]);
    assert_eq!(shown["status"], "closed");
    assert_eq!(shown["assignee"], "inv-bo");
    assert_eq!(shown["outcome"], "access_revoked");
    assert!(shown["aware_at"].is_string(), "confirming sets awareness");
    assert_eq!(shown["notes"][0]["text"], "HR confirms the seller contact");
    let history = shown["history"].as_array().unwrap();
    let actions: Vec<&str> = history
        .iter()
        .map(|s| s["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "x.case.open",
            "x.case.assign",
            "x.case.note",
            "x.case.attach",
            "x.case.status",
            "x.case.status",
            "x.case.close"
        ]
    );
    let scope = &shown["scope_summary"];
    assert_eq!(scope["employees"][0], employee.as_str());
    let customers = scope["customers"].as_u64().unwrap();
    let accesses = scope["accesses"].as_u64().unwrap();
    assert!(customers > 0 && accesses >= customers, "{scope}");

    // Every step is a ledger event: seven more entries, verified, and
    // each one provable with its investigator as actor.
    let v = json(&data, &["verify"]);
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["size"].as_u64().unwrap(), size_before + 7);
    for step in history {
        let id = step["event"].as_str().unwrap();
        let proof = json(&data, &["prove", id]);
        assert!(proof["index"].as_u64().unwrap() >= size_before);
        assert_eq!(proof["index"], step["index"]);
    }
    let listed = ok(&data, &["case", "list", "--format", "json"]);
    assert_eq!(listed.lines().count(), 1);

    // The report carries the scope's numbers, escaped in HTML.
    let md = ok(
        &data,
        &[
            "report",
            "breach",
            "--case",
            &case,
            "--generated-at",
            "2026-01-01",
        ],
    );
    assert!(
        md.contains(&format!(
            "| Approximate number of data subjects | {customers} |"
        )),
        "{md}"
    );
    assert!(
        md.contains(&format!("{accesses} record disclosures")),
        "{md}"
    );
    assert!(md.contains(&alert));
    assert!(md.contains("TO BE COMPLETED BY THE DPO"));
    let html = ok(
        &data,
        &["report", "breach", "--case", &case, "--format", "html"],
    );
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("Records &lt;sold&gt;") && !html.contains("<sold>"));
    assert!(html.contains(&format!("<td>{customers}</td>")));
    // The PDF: tests/report_pdf.rs.
}

#[test]
fn a_late_report_asks_for_reasons_for_delay() {
    let data = fixture("late");
    let (alert, _) = harvesting_alert(&data);
    let case = json(
        &data,
        &["case", "open", "--alert", &alert, "--by", "inv-ana"],
    )["case"]
        .as_str()
        .unwrap()
        .to_owned();
    json(
        &data,
        &[
            "case",
            "status",
            &case,
            "--to",
            "investigating",
            "--by",
            "inv-ana",
        ],
    );
    json(
        &data,
        &[
            "case",
            "status",
            &case,
            "--to",
            "confirmed",
            "--aware-at",
            "2026-03-05T00:00:00Z",
            "--by",
            "inv-ana",
        ],
    );
    let md = ok(
        &data,
        &[
            "report",
            "breach",
            "--case",
            &case,
            "--generated-at",
            "2026-03-09T00:00:00Z",
        ],
    );
    assert!(
        md.contains("72-hour deadline | 2026-03-08T00:00:00.000Z"),
        "{md}"
    );
    assert!(md.contains("24.0 hours after the deadline"), "{md}");
    assert!(md.contains("reasons for the delay"));
    let md = ok(
        &data,
        &[
            "report",
            "breach",
            "--case",
            &case,
            "--generated-at",
            "2026-03-06T00:00:00Z",
        ],
    );
    assert!(!md.contains("reasons for the delay"), "{md}");
    // Without a scope attached, the alert's employee is scoped.
    assert!(md.contains("Approximate number of data subjects"));
}
