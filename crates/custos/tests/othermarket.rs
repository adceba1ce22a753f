//! A marketplace from a generator written apart from Custos
//! (`tools/othermarket/gen.py`, from the contracts only) goes through the
//! real binary: every line is accepted, the ledger verifies, and the
//! evaluation scores each of its insiders. Needs `python3`: skipped with a
//! reason outside CI when it is missing, a failure in CI.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use std::path::Path;
use std::process::Command;

fn python() -> Option<&'static str> {
    let ok = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    match ok {
        true => Some("python3"),
        false if std::env::var_os("CI").is_some() => {
            panic!("python3 is required in CI for tools/othermarket/gen.py")
        }
        false => {
            eprintln!("skipped: python3 not found, so tools/othermarket/gen.py cannot run");
            None
        }
    }
}

#[test]
fn an_independent_generators_marketplace_is_accepted_verified_and_scored() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let market = dir.path().join("market");
    let gen = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/othermarket/gen.py");
    let o = Command::new(python)
        .arg(&gen)
        .args([
            "--employees",
            "100",
            "--customers",
            "6000",
            "--sellers",
            "200",
        ])
        .args(["--days", "14", "--seed", "3", "--out"])
        .arg(&market)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let events = market.join("events.jsonl");
    let lines = std::fs::read_to_string(&events).unwrap().lines().count() as u64;
    assert!(lines > 10_000, "{lines} events");

    let data = dir.path().join("data");
    let o = run(&data, &["ingest", events.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["accepted"], lines, "{summary}");
    assert_eq!(summary["rejected"], 0, "{summary}");

    let o = run(&data, &["verify"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    let truth = market.join("truth.json");
    let o = run(
        &data,
        &[
            "--format",
            "json",
            "eval",
            "--truth",
            truth.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let truth: serde_json::Value = serde_json::from_slice(&std::fs::read(&truth).unwrap()).unwrap();
    let insiders = truth["insiders"].as_array().unwrap().len() as u64;
    assert!(insiders >= 8, "{truth}");
    assert_eq!(report["insiders"], insiders, "{report}");
    // A decoy touched is caught on any marketplace, whoever made it.
    assert_eq!(
        report["per_scenario"]["honeytoken"]["detected"], 1,
        "{report}"
    );
}
