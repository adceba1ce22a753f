//! An ingest killed with SIGKILL at random points loses nothing it had
//! made durable, and after a restart ledger and store agree.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use std::time::{Duration, Instant};

/// The size in the ledger's checkpoint file: what was acknowledged.
fn checkpoint_size(data: &std::path::Path) -> u64 {
    std::fs::read_to_string(data.join("ledger/checkpoint"))
        .ok()
        .and_then(|t| t.lines().nth(1).and_then(|l| l.parse().ok()))
        .unwrap_or(0)
}

#[test]
fn sigkill_during_ingest_loses_no_acknowledged_event() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("e.jsonl");
    let total = 40_000;
    std::fs::write(&file, events(total)).unwrap();
    // Deterministic "random" kill delays, spread over the ingest's life.
    let delays_ms = [40u64, 170, 90, 260, 15, 120];
    let mut acknowledged = 0;
    for delay in delays_ms {
        let mut child = custos(&data)
            .args([
                "--format",
                "json",
                "ingest",
                "--batch",
                "500",
                file.to_str().unwrap(),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_millis(delay);
        while Instant::now() < deadline {
            acknowledged = acknowledged.max(checkpoint_size(&data));
            std::thread::sleep(Duration::from_millis(2));
        }
        acknowledged = acknowledged.max(checkpoint_size(&data));
        let _ = child.kill(); // SIGKILL on Unix
        let _ = child.wait();
        // Nothing acknowledged before the kill may be gone after it.
        let out = run(&data, &["--format", "json", "verify"]);
        if data.join("ledger/checkpoint").exists() {
            let report = summary(&out);
            assert_eq!(report["ok"], true, "after kill at {delay} ms: {report}");
            assert!(
                report["size"].as_u64().unwrap() >= acknowledged,
                "lost acknowledged events: {report} < {acknowledged}"
            );
        }
    }
    // A final complete run: every event exactly once.
    let out = run(
        &data,
        &["--format", "json", "ingest", file.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let s = summary(&out);
    assert_eq!(s["ledger_size"], total as u64);
    assert_eq!(
        s["accepted"].as_u64().unwrap() + s["duplicates"].as_u64().unwrap(),
        total as u64
    );
    let v = run(&data, &["--format", "json", "verify"]);
    assert_eq!(v.status.code(), Some(0), "{}", stdout(&v));
}
