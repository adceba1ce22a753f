//! Marketplaces from generators written apart from Custos
//! (`tools/othermarket`, `tools/market3` to `market6`, and `market8`,
//! each from the contracts only, by different hands; `market7` is not
//! here: at this size only one of its insiders acts more than once) go
//! through the real binary: every line is accepted, the ledger verifies,
//! and the evaluation scores each of their insiders. Needs `python3`:
//! skipped with a reason outside CI when it is missing, a failure in CI.
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
            panic!("python3 is required in CI for the generators in tools/")
        }
        false => {
            eprintln!("skipped: python3 not found, so the generators in tools/ cannot run");
            None
        }
    }
}

/// Runs `tools/GEN/gen.py` with `args`, ingests its events into a new
/// data dir, checks every line is accepted and the ledger verifies, and
/// returns the evaluation report and the truth.
fn ingest_and_score(gen: &str, args: &[&str]) -> Option<(serde_json::Value, serde_json::Value)> {
    let python = python()?;
    let dir = tempfile::tempdir().unwrap();
    let market = dir.path().join("market");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../tools/{gen}/gen.py"));
    let o = Command::new(python)
        .arg(&script)
        .args(args)
        .arg("--out")
        .arg(&market)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let events = market.join("events.jsonl");
    let lines = std::fs::read_to_string(&events).unwrap().lines().count() as u64;
    assert!(lines > 10_000, "{gen}: {lines} events");

    let data = dir.path().join("data");
    let o = run(&data, &["ingest", events.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["accepted"], lines, "{gen}: {summary}");
    assert_eq!(summary["rejected"], 0, "{gen}: {summary}");

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
    assert_eq!(report["insiders"], insiders, "{gen}: {report}");
    Some((report, truth))
}

#[test]
fn an_independent_generators_marketplace_is_accepted_verified_and_scored() {
    let args = [
        "--employees",
        "100",
        "--customers",
        "6000",
        "--sellers",
        "200",
        "--days",
        "14",
        "--seed",
        "3",
    ];
    let Some((report, truth)) = ingest_and_score("othermarket", &args) else {
        return;
    };
    assert!(truth["insiders"].as_array().unwrap().len() >= 8, "{truth}");
    // A decoy touched is caught on any marketplace, whoever made it.
    assert_eq!(
        report["per_scenario"]["honeytoken"]["detected"], 1,
        "{report}"
    );
}

/// A small marketplace of the market3 to market6 and market8 generators
/// (same parameters in all).
const SMALL: [&str; 10] = [
    "--employees",
    "100",
    "--customers",
    "5000",
    "--sellers",
    "200",
    "--days",
    "14",
    "--seed",
    "2",
];

/// Runs `gen` on [`SMALL`] through [`ingest_and_score`] and asks that it
/// plants at least three insiders and that at least half of them are
/// caught: detection works on it, not only the scoring. Returns the truth.
fn half_of_insiders_caught(gen: &str) -> Option<serde_json::Value> {
    let (report, truth) = ingest_and_score(gen, &SMALL)?;
    assert!(truth["insiders"].as_array().unwrap().len() >= 3, "{truth}");
    let (detected, insiders) = (
        report["detected"].as_u64().unwrap(),
        report["insiders"].as_u64().unwrap(),
    );
    assert!(2 * detected >= insiders, "{gen}: {report}");
    Some(truth)
}

/// `tools/market3/gen.py`, a second generator by yet another hand: its
/// decoys are touched only by chance, so no honeytoken catch is asked.
/// 5 of its 7 insiders are caught at this size today.
#[test]
fn a_second_independent_marketplace_is_accepted_verified_and_scored() {
    if let Some(truth) = half_of_insiders_caught("market3") {
        assert!(
            !truth["honeytokens"].as_array().unwrap().is_empty(),
            "{truth}"
        );
    }
}

/// `tools/market4/gen.py`, a third generator by another hand (its own
/// sites, shifts, vendor staff and id formats). 9 of its 12 insiders are
/// caught at this size today.
#[test]
fn a_third_independent_marketplace_is_accepted_verified_and_scored() {
    half_of_insiders_caught("market4");
}

/// `tools/market5/gen.py`, a fourth generator by another hand (four
/// sites, rostered shifts, inbound calls looked up before any ticket,
/// QA test buyers). 4 of its 8 insiders are caught at this size today.
#[test]
fn a_fourth_independent_marketplace_is_accepted_verified_and_scored() {
    half_of_insiders_caught("market5");
}

/// `tools/market6/gen.py`, a fifth generator by another hand (two
/// outsourced call centres beside in-house staff, trainees on shared test
/// buyers, integrity audits without tickets, a delta HR feed). 2 of its 3
/// insiders are caught at this size today.
#[test]
fn a_fifth_independent_marketplace_is_accepted_verified_and_scored() {
    half_of_insiders_caught("market6");
}

/// `tools/market8/gen.py`, a sixth generator by another hand (a
/// classifieds marketplace: payments operations, a returns hub of
/// contractors, QA demo accounts, growth analysts' approved exports). 2
/// of its 3 insiders are caught at this size today.
#[test]
fn a_sixth_independent_marketplace_is_accepted_verified_and_scored() {
    half_of_insiders_caught("market8");
}
