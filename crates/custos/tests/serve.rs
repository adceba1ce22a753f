//! `custos serve` end to end on a loopback port: tokens and roles on every
//! route, ingest over HTTP, ledger proofs, bad requests, self-audit.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;

#[test]
fn every_route_refuses_bad_tokens_and_serves_good_ones() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("e.jsonl");
    std::fs::write(&file, events(20)).unwrap();
    assert_eq!(
        run(&data, &["ingest", file.to_str().unwrap()])
            .status
            .code(),
        Some(0)
    );
    let ingest = token(&data, "ingest", &[]);
    let analyst = token(&data, "analyst", &[]);
    let admin = token(&data, "admin", &[]);
    let expired = token(&data, "admin", &["--days", "0"]);
    let server = start(&data);

    assert_eq!(get(&server, "/healthz", None).status, 200);
    assert!(get(&server, "/metrics", None)
        .body
        .contains("custos_ledger_entries"));
    assert!(get(&server, "/", None)
        .body
        .contains("<title>Custos</title>"));

    // (method, path, a role that may, a role that may not)
    let routes: [(&str, &str, &str, Option<&str>); 5] = [
        ("POST", "/v1/events", &ingest, Some(&analyst)),
        ("GET", "/v1/alerts", &analyst, Some(&ingest)),
        ("GET", "/v1/ledger/checkpoint", &analyst, Some(&ingest)),
        (
            "GET",
            "/v1/ledger/proof?event=ev-3",
            &analyst,
            Some(&ingest),
        ),
        (
            "GET",
            "/v1/ledger/consistency?from=5",
            &admin,
            Some(&ingest),
        ),
    ];
    for (method, path, good, wrong) in routes {
        let body: &[u8] = if method == "POST" { b"[]" } else { b"" };
        let call = |t: Option<&str>| request(&server, method, path, t, "application/json", body);
        assert_eq!(call(None).status, 401, "{path} without a token");
        assert_eq!(
            call(Some("Bearer nonsense")).status,
            401,
            "{path} malformed"
        );
        assert_eq!(call(Some("Basic abc")).status, 401, "{path} wrong scheme");
        let unknown = format!("Bearer cst_{}", "0".repeat(64));
        assert_eq!(call(Some(&unknown)).status, 401, "{path} unknown token");
        let a = call(Some(&expired));
        assert_eq!(a.status, 401, "{path} expired");
        assert!(a.body.contains("expired"), "{}", a.body);
        if let Some(wrong) = wrong {
            let a = call(Some(wrong));
            assert_eq!(a.status, 403, "{path} wrong role: {}", a.body);
            assert!(a.body.contains("\"code\":\"forbidden\""), "{}", a.body);
        }
        let a = call(Some(good));
        assert_eq!(a.status, 200, "{path} with the right role: {}", a.body);
    }

    // A proof that verifies against the checkpoint's tree size.
    let proof: serde_json::Value =
        serde_json::from_str(&get(&server, "/v1/ledger/proof?event=ev-3", Some(&analyst)).body)
            .unwrap();
    assert_eq!(proof["index"], 3);
    assert!(proof["checkpoint"]
        .as_str()
        .unwrap()
        .starts_with("custos.local/default\n"));

    // Ingest over HTTP: good elements stored, bad ones named by index.
    let body = format!(
        "[{}, {{\"id\":\"bad\"}}, {}]",
        events(21).lines().last().unwrap(),
        events(1).lines().next().unwrap()
    );
    let a = request(
        &server,
        "POST",
        "/v1/events",
        Some(&ingest),
        "application/json",
        body.as_bytes(),
    );
    assert_eq!(a.status, 200, "{}", a.body);
    let v: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(v["accepted"], 1);
    assert_eq!(v["duplicates"], 1);
    assert_eq!(v["rejected"], 1);
    assert_eq!(v["rejections"][0]["at"], 1);
    assert_eq!(v["rejections"][0]["field"], "time");

    // NDJSON works too.
    let a = request(
        &server,
        "POST",
        "/v1/events",
        Some(&ingest),
        "application/x-ndjson",
        events(22).as_bytes(),
    );
    let v: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(v["accepted"], 1, "{}", a.body);

    // Bad requests change nothing and say why.
    let before = get(&server, "/v1/ledger/checkpoint", Some(&analyst)).body;
    let a = request(
        &server,
        "POST",
        "/v1/events",
        Some(&ingest),
        "application/json",
        b"{\"not\":\"an array\"",
    );
    assert_eq!(a.status, 400);
    assert!(a.body.contains("JSON array of events"), "{}", a.body);
    let a = request(
        &server,
        "POST",
        "/v1/events",
        Some(&ingest),
        "application/json",
        &vec![b' '; 17 << 20],
    );
    assert_eq!(a.status, 413, "huge body");
    assert!(
        a.body.contains("\"code\":\"payload_too_large\""),
        "{}",
        a.body
    );
    let a = get(
        &server,
        "/v1/ledger/proof?event=ev-3&extra=1",
        Some(&analyst),
    );
    assert_eq!(a.status, 400, "unknown query field: {}", a.body);
    assert!(
        a.body.contains("\"code\":\"bad_request\"") && a.body.contains("extra"),
        "{}",
        a.body
    );
    let a = get(&server, "/v1/ledger/consistency?from=lots", Some(&analyst));
    assert_eq!(a.status, 400, "wrong type: {}", a.body);
    assert!(
        a.body.contains("\"code\":\"bad_request\"") && a.body.contains("from"),
        "{}",
        a.body
    );
    let a = get(&server, "/v1/no-such-route", Some(&analyst));
    assert_eq!(a.status, 404);
    assert!(a.body.contains("\"code\":\"not_found\""), "{}", a.body);
    let after = get(&server, "/v1/ledger/checkpoint", Some(&analyst)).body;
    let size = |note: &str| note.lines().nth(1).unwrap().parse::<u64>().unwrap();
    // Only the self-audit records of the reads between were added.
    assert!(size(&after) > size(&before));
    drop(server);

    // Every authorised use left a custos.access event in the ledger.
    let db = rusqlite::Connection::open(data.join("store.sqlite")).unwrap();
    let audited: i64 = db
        .query_row(
            "SELECT count(*) FROM events WHERE action = 'custos.access'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(audited >= 10, "only {audited} access records");
    let v = run(&data, &["--format", "json", "verify"]);
    assert_eq!(v.status.code(), Some(0), "{}", stdout(&v));
}

#[test]
fn a_customer_sees_every_access_with_a_proof_and_no_employee_id() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("e.jsonl");
    let text = events(300);
    std::fs::write(&file, &text).unwrap();
    assert_eq!(
        run(&data, &["ingest", file.to_str().unwrap()])
            .status
            .code(),
        Some(0)
    );
    let dpo = token(&data, "dpo", &[]);
    let analyst = token(&data, "analyst", &[]);
    let server = start(&data);
    let path = "/v1/customers/cus-8/accesses";
    assert_eq!(get(&server, path, Some(&analyst)).status, 403);
    let a = get(&server, path, Some(&dpo));
    assert_eq!(a.status, 200, "{}", a.body);
    let report: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    // Expected: every event of the file that disclosed cus-8.
    let expected: Vec<String> = text
        .lines()
        .map(|l| custos_core::parse_event(l).unwrap())
        .filter(|e| e.disclosed_customers().contains(&"cus-8"))
        .map(|e| e.id.to_string())
        .collect();
    let accesses = report["accesses"].as_array().unwrap();
    assert!(!expected.is_empty());
    assert_eq!(accesses.len(), expected.len(), "{report}");
    assert!(
        !a.body.contains("emp-"),
        "a real employee id leaked: {}",
        a.body
    );
    let size = report["tree_size"].as_u64().unwrap();
    assert!(size >= 300);
    for access in accesses {
        assert!(
            access["proof"].as_array().is_some_and(|p| !p.is_empty()),
            "{access}"
        );
    }
}

#[test]
fn cases_are_listed_and_shown_to_investigators_only() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("e.jsonl");
    std::fs::write(&file, events(40)).unwrap();
    assert_eq!(
        run(&data, &["ingest", file.to_str().unwrap()])
            .status
            .code(),
        Some(0)
    );
    let opened = run(
        &data,
        &[
            "--format",
            "json",
            "case",
            "open",
            "--employee",
            "emp-3",
            "--by",
            "ines",
        ],
    );
    assert_eq!(opened.status.code(), Some(0), "{}", stderr(&opened));
    let id = summary(&opened)["case"].as_str().unwrap().to_owned();
    let investigator = token(&data, "investigator", &[]);
    let analyst = token(&data, "analyst", &[]);
    let dpo = token(&data, "dpo", &[]);
    let server = start(&data);
    assert_eq!(get(&server, "/v1/cases", Some(&analyst)).status, 403);
    let a = get(&server, "/v1/cases", Some(&investigator));
    assert_eq!(a.status, 200, "{}", a.body);
    let cases: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(cases.as_array().unwrap().len(), 1);
    assert_eq!(cases[0]["id"], id.as_str());
    let a = get(&server, &format!("/v1/cases/{id}"), Some(&investigator));
    assert_eq!(a.status, 200, "{}", a.body);
    let case: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(case["status"], "open");
    // An investigator sees the employee under a pseudonym until revealed
    // in the case; the DPO sees the id.
    let pseudonym = case["employees"][0].as_str().unwrap();
    assert!(pseudonym.starts_with("emp~"), "{pseudonym}");
    assert!(!a.body.contains("emp-3"), "{}", a.body);
    let a = get(&server, &format!("/v1/cases/{id}"), Some(&dpo));
    let case: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(case["employees"][0], "emp-3");
    let a = get(&server, "/v1/cases/case-00000000", Some(&investigator));
    assert_eq!(a.status, 404, "{}", a.body);
    assert!(a.body.contains("no case `case-00000000`"), "{}", a.body);
}
