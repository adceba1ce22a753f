//! `custos ingest` end to end: good lines stored, bad ones reported with
//! their place, duplicates recognised, compressed input read.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use std::io::Write;

#[test]
fn mixed_file_stores_every_good_line_and_names_each_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let good = events(6);
    let good: Vec<&str> = good.lines().collect();
    let oversize = format!(
        r#"{{"id":"big","time":"2026-03-01T00:00:00Z","actor":{{"type":"employee","id":"emp-1"}},"action":"customer.export","targets":[{}]}}"#,
        (0..8000)
            .map(|i| format!("\"cus-{i:05}\""))
            .collect::<Vec<_>>()
            .join(",")
    );
    let lines = [
        good[0],
        "{not json",
        good[1],
        r#"{"id":"m1","time":"2026-03-01T00:00:00Z","action":"auth.login"}"#,
        r#"{"id":"u1","time":"2026-03-01T00:00:00Z","actor":{"type":"employee","id":"e"},"action":"customer.steal"}"#,
        r#"{"id":"w1","time":"2026-03-01T00:00:00Z","actor":{"type":"employee","id":"e"},"action":"auth.login","fields":"name"}"#,
        "",
        good[2],
        &good[1].replace("cus-1", "cus-2"),
        good[1],
        &oversize,
        good[3],
    ];
    let file = dir.path().join("mixed.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let out = run(
        &data,
        &["--format", "json", "ingest", file.to_str().unwrap()],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "rejections make the exit code 1"
    );
    let s = summary(&out);
    assert_eq!(s["accepted"], 4);
    assert_eq!(s["duplicates"], 1);
    assert_eq!(s["rejected"], 6);
    assert_eq!(s["ledger_size"], 4);
    let err = stderr(&out);
    let name = file.to_str().unwrap();
    for want in [
        format!("{name}:2: not valid JSON"),
        format!("{name}:4: field `actor`: missing required field"),
        format!("{name}:5: field `action`: unknown action `customer.steal`"),
        format!("{name}:6: field `fields`: expected an array of strings, got a string"),
        format!("{name}:9: field `id`: `ev-1` appears earlier"),
        format!("{name}:11: the event is"),
    ] {
        assert!(err.contains(&want), "missing {want:?} in\n{err}");
    }
    // The good lines are durable and verifiable.
    let v = run(&data, &["--format", "json", "verify"]);
    assert_eq!(v.status.code(), Some(0), "{}", stdout(&v));
}

#[test]
fn reingest_is_idempotent_and_conflicts_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("e.jsonl");
    std::fs::write(&file, events(50)).unwrap();
    let first = summary(&run(
        &data,
        &["--format", "json", "ingest", file.to_str().unwrap()],
    ));
    assert_eq!(first["accepted"], 50);
    let again = run(
        &data,
        &["--format", "json", "ingest", file.to_str().unwrap()],
    );
    assert_eq!(again.status.code(), Some(0));
    let again = summary(&again);
    assert_eq!(again["accepted"], 0);
    assert_eq!(again["duplicates"], 50);
    assert_eq!(again["root_hash"], first["root_hash"]);
    let changed = events(1).replace("emp-0", "emp-9");
    let file2 = dir.path().join("c.jsonl");
    std::fs::write(&file2, changed).unwrap();
    let conflict = run(
        &data,
        &["--format", "json", "ingest", file2.to_str().unwrap()],
    );
    assert_eq!(conflict.status.code(), Some(1));
    assert!(
        stderr(&conflict).contains("was already accepted with different content (ledger entry 0)"),
        "{}",
        stderr(&conflict)
    );
}

#[test]
fn reads_gzip_zstd_and_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let text = events(30);
    let gz = dir.path().join("e.jsonl.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    enc.write_all(text.as_bytes()).unwrap();
    enc.finish().unwrap();
    let zst = dir.path().join("e.jsonl.zst");
    std::fs::write(&zst, zstd::encode_all(events(40).as_bytes(), 1).unwrap()).unwrap();
    let s = summary(&run(
        &data,
        &[
            "--format",
            "json",
            "ingest",
            gz.to_str().unwrap(),
            zst.to_str().unwrap(),
        ],
    ));
    assert_eq!(
        s["accepted"], 40,
        "the zstd file holds the gzip file's 30 events and 10 more"
    );
    assert_eq!(s["duplicates"], 30);
    let mut child = custos(&data)
        .args(["--format", "json", "ingest", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(events(45).as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let s = summary(&out);
    assert_eq!(s["accepted"], 5);
    assert_eq!(s["ledger_size"], 45);
}

#[test]
fn read_commands_refuse_a_missing_data_dir_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&dir.path().join("nothing"), &["checkpoint"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("holds no Custos ledger"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn bench_ingest_reports_wall_and_cpu_time_of_both_runs() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.jsonl");
    let lines = events(3_000);
    std::fs::write(&file, &lines).unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let o = run(
        &dir.path().join("unused"),
        &[
            "--format",
            "json",
            "bench",
            "ingest",
            file.to_str().unwrap(),
            "--work-dir",
            work.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(report["events"], lines.lines().count() as u64);
    for key in [
        "ingest_secs",
        "ingest_no_detection_secs",
        "ingest_cpu_secs",
        "ingest_no_detection_cpu_secs",
    ] {
        let v = report[key].as_f64().unwrap_or(0.0);
        assert!(v > 0.0, "{key} is {v} in {report}");
    }
    let cpu = |key: &str| report[key].as_f64().unwrap();
    let overhead = (cpu("ingest_cpu_secs") / cpu("ingest_no_detection_cpu_secs") - 1.0).max(0.0);
    assert!(
        (cpu("detection_cpu_overhead") - overhead).abs() < 1e-9,
        "{report}"
    );
    // No PostgreSQL named: no baseline, and nothing left in the work dir.
    assert!(report["postgres_copy_secs"].is_null());
    assert_eq!(std::fs::read_dir(&work).unwrap().count(), 0);
}
