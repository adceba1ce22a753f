//! `custos simulate` and `custos eval` through the real binary.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;

#[test]
fn simulate_honours_its_flags_and_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let out = |name: &str| dir.path().join(name);
    let args = |o: &std::path::Path| {
        vec![
            "simulate".to_owned(),
            "--out".to_owned(),
            o.to_string_lossy().into_owned(),
            "--employees".into(),
            "60".into(),
            "--days".into(),
            "4".into(),
            "--seed".into(),
            "3".into(),
            "--intensity".into(),
            "3".into(),
            "--cover".into(),
            "1".into(),
            "--scenarios".into(),
            "data_sale,review_deletion".into(),
        ]
    };
    for name in ["a", "b"] {
        let a: Vec<String> = args(&out(name));
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        let o = run(&out("unused"), &a);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let a = std::fs::read(out("a").join("events.jsonl")).unwrap();
    assert_eq!(
        a,
        std::fs::read(out("b").join("events.jsonl")).unwrap(),
        "same seed, same bytes"
    );
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out("a").join("truth.json")).unwrap()).unwrap();
    let insiders = truth["insiders"].as_array().unwrap();
    assert!(!insiders.is_empty());
    for i in insiders {
        assert!(
            ["data_sale", "review_deletion"].contains(&i["scenario"].as_str().unwrap()),
            "{i}"
        );
        assert_eq!(i["intensity"], 3.0);
        assert_eq!(i["cover"], 1.0);
    }
    // Ingest and score: eval reads the stored alerts against this truth.
    let data = out("data");
    let o = run(
        &data,
        &["ingest", out("a").join("events.jsonl").to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(
        &data,
        &[
            "--format",
            "json",
            "eval",
            "--truth",
            out("a").join("truth.json").to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report = summary(&o);
    assert_eq!(
        report["insiders"].as_u64().unwrap() as usize,
        insiders.len()
    );
    for key in [
        "recall",
        "false_alerts_per_1000_employee_days",
        "employee_days",
        "per_scenario",
    ] {
        assert!(report.get(key).is_some(), "missing {key} in {report}");
    }
}

#[test]
fn simulate_refuses_bad_flags_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let o = dir.path().join("o");
    let cases: [(&[&str], &str); 2] = [
        (&["--cover", "2"], "cover is 2"),
        (
            &["--scenarios", "data_sale,gossip"],
            "unknown scenario `gossip`",
        ),
    ];
    for (extra, want) in cases {
        let mut args = vec!["simulate", "--out", o.to_str().unwrap()];
        args.extend_from_slice(extra);
        let out = run(dir.path(), &args);
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
        assert!(stderr(&out).contains(want), "{}", stderr(&out));
    }
}
