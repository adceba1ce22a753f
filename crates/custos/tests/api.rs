//! The secured API end to end on a loopback port: every documented route
//! against every kind of bad token and every role, a case worked over
//! HTTP from an alert to its report, pseudonyms on the wire, and bad
//! bodies refused with nothing changed.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use serde_json::Value;

/// A small ledger with one critical alert: `emp-3` opens a decoy record.
fn seeded(dir: &std::path::Path) -> std::path::PathBuf {
    let data = dir.join("data");
    let file = dir.join("e.jsonl");
    let mut text = events(200);
    text.push_str(r#"{"id":"hp-1","time":"2026-03-01T00:00:00.500Z","actor":{"type":"system","id":"sys"},"action":"honeytoken.plant","target":{"type":"customer","id":"cus-decoy"}}"#);
    text.push('\n');
    text.push_str(r#"{"id":"hv-1","time":"2026-03-01T01:00:00.000Z","actor":{"type":"employee","id":"emp-3","role":"cs-agent"},"action":"customer.view","target":{"type":"customer","id":"cus-decoy"},"fields":["name","email"]}"#);
    text.push('\n');
    std::fs::write(&file, text).unwrap();
    let out = run(&data, &["ingest", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    data
}

fn json(a: &Answer) -> Value {
    serde_json::from_str(&a.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", a.body))
}

fn post(server: &Server, path: &str, token: &str, body: &str) -> Answer {
    request(
        server,
        "POST",
        path,
        Some(token),
        "application/json",
        body.as_bytes(),
    )
}

/// A path of the document with its parameters filled from the examples.
fn example_path(path: &str, op: &Value) -> String {
    let mut p = path.to_owned();
    let mut query = Vec::new();
    for param in op["parameters"].as_array().into_iter().flatten() {
        let name = param["name"].as_str().unwrap();
        let example = param["example"].as_str().unwrap();
        if param["in"] == "path" {
            p = p.replace(&format!("{{{name}}}"), example);
        } else if param["required"] == true {
            query.push(format!("{name}={example}"));
        }
    }
    if !query.is_empty() {
        p.push('?');
        p.push_str(&query.join("&"));
    }
    p
}

#[test]
fn every_documented_route_checks_tokens_and_roles() {
    let dir = tempfile::tempdir().unwrap();
    let data = seeded(dir.path());
    let tokens: Vec<(&str, String)> = ["ingest", "analyst", "investigator", "dpo", "admin"]
        .iter()
        .map(|r| (*r, token(&data, r, &[])))
        .collect();
    let expired = token(&data, "admin", &["--days", "0"]);
    let server = start(&data);

    let doc = json(&get(&server, "/openapi.json", None));
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    // Every route this build serves (the README's table) is documented.
    let served = [
        ("post", "/v1/events"),
        ("post", "/v1/decide"),
        ("get", "/v1/approvals"),
        ("post", "/v1/approvals/{id}/grant"),
        ("post", "/v1/approvals/{id}/deny"),
        ("get", "/v1/ledger/checkpoint"),
        ("get", "/v1/ledger/proof"),
        ("get", "/v1/ledger/consistency"),
        ("get", "/v1/alerts"),
        ("post", "/v1/alerts/{id}/ack"),
        ("get", "/v1/employees/{id}"),
        ("get", "/v1/risk"),
        ("get", "/v1/sellers/{id}"),
        ("get", "/v1/customers/{id}/accesses"),
        ("get", "/v1/scope"),
        ("get", "/v1/cases"),
        ("post", "/v1/cases"),
        ("get", "/v1/cases/{id}"),
        ("post", "/v1/cases/{id}/notes"),
        ("post", "/v1/cases/{id}/assign"),
        ("post", "/v1/cases/{id}/status"),
        ("post", "/v1/cases/{id}/evidence"),
        ("get", "/v1/cases/{id}/scope"),
        ("get", "/v1/cases/{id}/report"),
        ("post", "/v1/cases/{id}/reveal"),
        ("get", "/healthz"),
        ("get", "/metrics"),
        ("get", "/openapi.json"),
    ];
    for (method, path) in served {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} is not in /openapi.json"
        );
    }
    let size_before = json(&get(&server, "/v1/cases", Some(&tokens[4].1)))
        .as_array()
        .unwrap()
        .len();

    let mut checked = 0;
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let method = method.to_uppercase();
            let url = example_path(path, op);
            let roles: Vec<&str> = op["x-custos-roles"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap())
                .collect();
            let body: &[u8] = match (method.as_str(), path.as_str()) {
                ("POST", "/v1/events") => b"[]",
                ("POST", _) => b"{}",
                _ => b"",
            };
            let call =
                |t: Option<&str>| request(&server, &method, &url, t, "application/json", body);
            if roles.is_empty() {
                assert_eq!(call(None).status, 200, "{method} {url} is public");
                continue;
            }
            assert_eq!(op["security"][0]["bearer"], serde_json::json!([]));
            let a = call(None);
            assert_eq!(a.status, 401, "{method} {url} without a token: {}", a.body);
            assert!(a.body.contains("missing bearer token"), "{}", a.body);
            assert_eq!(call(Some("Bearer nonsense")).status, 401, "{url} malformed");
            assert_eq!(call(Some("Basic abc")).status, 401, "{url} wrong scheme");
            let unknown = format!("Bearer cst_{}", "0".repeat(64));
            assert_eq!(call(Some(&unknown)).status, 401, "{url} unknown");
            let a = call(Some(&expired));
            assert_eq!(a.status, 401, "{url} expired");
            assert!(a.body.contains("expired"), "{}", a.body);
            for (role, t) in &tokens {
                let a = call(Some(t));
                if roles.contains(role) {
                    assert!(
                        a.status != 401 && a.status != 403 && a.status < 500,
                        "{method} {url} as {role}: {} {}",
                        a.status,
                        a.body
                    );
                } else {
                    assert_eq!(a.status, 403, "{method} {url} as {role}: {}", a.body);
                    assert!(a.body.contains("\"code\":\"forbidden\""), "{}", a.body);
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 25, "only {checked} secured routes documented");
    // The calls with empty bodies opened no case.
    let after = json(&get(&server, "/v1/cases", Some(&tokens[4].1)));
    assert_eq!(after.as_array().unwrap().len(), size_before);
}

#[test]
fn a_case_is_worked_over_http_with_pseudonyms_until_revealed() {
    let dir = tempfile::tempdir().unwrap();
    let data = seeded(dir.path());
    let analyst = token(&data, "analyst", &[]);
    let inv = token(&data, "investigator", &[]);
    let dpo = token(&data, "dpo", &[]);
    let server = start(&data);

    // The analyst sees the alert, with no real employee id anywhere.
    let a = get(&server, "/v1/alerts", Some(&analyst));
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(
        !a.body.contains("emp-"),
        "an employee id leaked: {}",
        a.body
    );
    let alerts = json(&a);
    let alert = alerts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["detector"] == "honeytoken")
        .unwrap()
        .clone();
    let alert_id = alert["id"].as_str().unwrap().to_owned();
    let pseudo = alert["employee"].as_str().unwrap().to_owned();
    assert!(pseudo.starts_with("emp~") && pseudo.len() == 20, "{pseudo}");
    assert!(alert["summary"].as_str().unwrap().starts_with(&pseudo));
    assert_eq!(alert["acknowledged"], false);

    // Profile, risk and seller views: pseudonyms only; a real id is refused.
    let a = get(&server, &format!("/v1/employees/{pseudo}"), Some(&analyst));
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(!a.body.contains("emp-"), "{}", a.body);
    let profile = json(&a);
    assert_eq!(profile["employee"], pseudo.as_str());
    // (No value asserted for risk: it decays with event time, and the
    // API's own records carry the wall clock, months after these events.)
    assert!(profile["risk"]["score"].is_number(), "{profile}");
    assert_eq!(profile["alerts"][0]["id"], alert_id.as_str());
    let daily = profile["activity"]["daily"].as_array().unwrap();
    assert_eq!(daily.len(), 30);
    assert!(daily.last().unwrap()["customers"].as_u64().unwrap() > 0);
    assert!(
        daily.last().unwrap().get("peer_median").is_some(),
        "{a:?}",
        a = daily.last()
    );
    assert!(!profile["sellers"].as_array().unwrap().is_empty());
    let a = get(&server, "/v1/employees/emp-3", Some(&analyst));
    assert_eq!(a.status, 403, "{}", a.body);
    let a = get(
        &server,
        "/v1/employees/emp~0000000000000000",
        Some(&analyst),
    );
    assert_eq!(a.status, 404, "{}", a.body);
    let a = get(&server, "/v1/risk", Some(&analyst));
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(!a.body.contains("emp-"), "{}", a.body);
    assert!(json(&a).is_array(), "{}", a.body);
    let a = get(&server, "/v1/sellers/sel-1", Some(&analyst));
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(!a.body.contains("emp-"), "{}", a.body);
    assert!(
        json(&a)["employees"][0]["disclosures"].as_u64().unwrap() > 0,
        "{}",
        a.body
    );
    let a = get(
        &server,
        &format!("/v1/alerts?employee={pseudo}"),
        Some(&analyst),
    );
    assert_eq!(json(&a).as_array().unwrap().len(), 1, "{}", a.body);

    // Acknowledging is recorded once and shown on the alert.
    let ack_path = format!("/v1/alerts/{alert_id}/ack");
    let a = post(&server, &ack_path, &analyst, r#"{"note":"looking"}"#);
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(json(&a)["acknowledged"], true);
    let first = json(&a)["at"].clone();
    let a = post(&server, &ack_path, &analyst, "");
    assert_eq!(json(&a)["at"], first, "a second ack answers the first");
    let a = get(&server, "/v1/alerts", Some(&analyst));
    let acked = json(&a);
    let acked = acked
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == alert_id.as_str())
        .unwrap();
    assert_eq!(acked["acknowledged"], true);
    assert_eq!(acked["acknowledged_by"], "analyst");

    // Open a case from the alert; the investigator still sees pseudonyms.
    let a = post(
        &server,
        "/v1/cases",
        &inv,
        &format!(r#"{{"alerts":["{alert_id}"],"title":"Decoy opened"}}"#),
    );
    assert_eq!(a.status, 201, "{}", a.body);
    assert!(!a.body.contains("emp-"), "{}", a.body);
    let case = json(&a);
    let id = case["id"].as_str().unwrap().to_owned();
    assert_eq!(case["opened_by"], "investigator");
    let base = format!("/v1/cases/{id}");
    for (path, body) in [
        ("notes", r#"{"text":"decoy opened at 01:00"}"#),
        ("assign", r#"{"to":"ines"}"#),
        ("status", r#"{"to":"investigating"}"#),
        ("evidence", r#"{"event":"hv-1"}"#),
    ] {
        let a = post(&server, &format!("{base}/{path}"), &inv, body);
        assert_eq!(a.status, 200, "{path}: {}", a.body);
    }
    let a = post(
        &server,
        &format!("{base}/status"),
        &inv,
        r#"{"to":"closed"}"#,
    );
    assert_eq!(a.status, 400, "{}", a.body);
    assert!(a.body.contains("needs an `outcome`"), "{}", a.body);
    let a = post(&server, &format!("{base}/status"), &inv, r#"{"to":"open"}"#);
    assert_eq!(a.status, 409, "{}", a.body);
    let a = post(
        &server,
        &format!("{base}/status"),
        &inv,
        r#"{"to":"confirmed"}"#,
    );
    assert_eq!(a.status, 200, "{}", a.body);
    let case = json(&a);
    assert_eq!(case["status"], "confirmed");
    assert_eq!(case["assignee"], "ines");
    assert_eq!(case["evidence"][0], "hv-1");
    assert!(case["aware_at"].is_string());

    // Bad bodies: precise 4xx, nothing recorded.
    let steps = case["history"].as_array().unwrap().len();
    let notes = format!("{base}/notes");
    for (body, expect) in [
        ("{\"text\":", "the body must be {\"text\":\"..\"}"),
        (r#"{"text":"x","extra":1}"#, "unknown field `extra`"),
        (
            r#"{"text":5}"#,
            "invalid type: integer `5`, expected a string",
        ),
        (r#"{}"#, "missing field `text`"),
        (r#"{"text":"  "}"#, "the note is empty"),
    ] {
        let a = post(&server, &notes, &inv, body);
        assert_eq!(a.status, 400, "{body}: {}", a.body);
        assert!(a.body.contains("\"code\":\"bad_request\""), "{}", a.body);
        assert!(
            a.body.contains(&expect.replace('"', "\\\"")),
            "{body}: {}",
            a.body
        );
    }
    let huge = format!("{{\"text\":\"{}\"}}", "x".repeat(17 << 20));
    let a = post(&server, &notes, &inv, &huge);
    assert_eq!(a.status, 413, "huge body");
    let a = post(
        &server,
        &format!("{base}/evidence"),
        &inv,
        r#"{"event":"no-such"}"#,
    );
    assert_eq!(a.status, 400, "{}", a.body);
    let a = post(&server, "/v1/cases", &inv, r#"{"alerts":"alr-1"}"#);
    assert_eq!(a.status, 400, "{}", a.body);
    assert!(a.body.contains("invalid type: string"), "{}", a.body);
    let a = get(&server, &base, Some(&inv));
    assert_eq!(json(&a)["history"].as_array().unwrap().len(), steps);

    // The scope: pseudonyms for the investigator, and no bundle yet.
    let a = get(&server, &format!("{base}/scope"), Some(&inv));
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(!a.body.contains("emp-"), "{}", a.body);
    let scope = json(&a);
    assert!(scope["records"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["customer"] == "cus-decoy"));
    let a = get(&server, &format!("{base}/scope?format=bundle"), Some(&inv));
    assert_eq!(a.status, 403, "{}", a.body);
    let a = get(&server, &format!("{base}/scope?format=xml"), Some(&inv));
    assert_eq!(a.status, 400, "{}", a.body);

    // Reveal: only an employee the case covers.
    let a = post(
        &server,
        &format!("{base}/reveal"),
        &inv,
        r#"{"pseudonym":"emp~0000000000000000"}"#,
    );
    assert_eq!(a.status, 403, "{}", a.body);
    let a = post(
        &server,
        &format!("{base}/reveal"),
        &inv,
        &format!(r#"{{"pseudonym":"{pseudo}"}}"#),
    );
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(json(&a)["employee"], "emp-3");
    let a = get(&server, &base, Some(&inv));
    assert!(a.body.contains("emp-3"), "revealed in the case: {}", a.body);
    let a = get(&server, &format!("{base}/scope?format=csv"), Some(&inv));
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(a
        .body
        .starts_with("customer,fields,first,last,accesses,purposes,employees\n"));
    assert!(a.body.contains("cus-decoy,name email,"), "{}", a.body);
    assert!(a.body.contains("emp-3"), "{}", a.body);
    let a = get(&server, &format!("{base}/scope?format=bundle"), Some(&inv));
    assert_eq!(a.status, 200, "{}", a.body);
    let bundle = dir.path().join("bundle.json");
    std::fs::write(&bundle, &a.body).unwrap();
    // Outside the case, the analysis views stay pseudonymous.
    let a = get(&server, "/v1/alerts", Some(&inv));
    assert!(!a.body.contains("emp-"), "{}", a.body);

    // The DPO's report and scope.
    let a = get(&server, &format!("{base}/report?format=md"), Some(&dpo));
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(a.body.contains(&id), "{}", a.body);
    let a = get(&server, &format!("{base}/report?format=html"), Some(&dpo));
    assert!(a.body.contains("<html"), "{}", a.body);
    assert_eq!(
        get(&server, &format!("{base}/report"), Some(&inv)).status,
        403
    );
    let a = get(
        &server,
        &format!("/v1/scope?employee={pseudo}&from=2026-03-01"),
        Some(&dpo),
    );
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(json(&a)["employees"][0], "emp-3");
    let a = get(
        &server,
        "/v1/scope?employee=emp-3&from=2026-03-02&to=2026-03-01",
        Some(&dpo),
    );
    assert_eq!(a.status, 400, "{}", a.body);

    // Close, then only notes.
    let a = post(
        &server,
        &format!("{base}/status"),
        &inv,
        r#"{"to":"closed","outcome":"access_revoked"}"#,
    );
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(json(&a)["outcome"], "access_revoked");
    let a = post(&server, &format!("{base}/assign"), &inv, r#"{"to":"bo"}"#);
    assert_eq!(a.status, 409, "{}", a.body);

    let metrics = get(&server, "/metrics", None).body;
    for needle in [
        "custos_http_requests_total{method=\"POST\",route=\"/v1/cases/{id}/notes\",status=\"200\"} 1",
        "custos_http_requests_total{method=\"POST\",route=\"/v1/cases/{id}/notes\",status=\"400\"} 5",
        "custos_alerts{severity=\"critical\"} 1",
        "custos_decide_duration_seconds_count 0",
        "custos_ledger_entries ",
    ] {
        assert!(metrics.contains(needle), "{needle} not in:\n{metrics}");
    }
    drop(server);

    // The CLI reads the same case, the ledger verifies, the bundle checks
    // offline, and the audit trail names the reveal.
    let shown = run(&data, &["--format", "json", "case", "show", &id]);
    assert_eq!(shown.status.code(), Some(0), "{}", stderr(&shown));
    let shown = summary(&shown);
    assert_eq!(shown["status"], "closed");
    assert_eq!(shown["revealed"][0]["employee"], "emp-3");
    assert_eq!(shown["notes"][0]["by"], "investigator");
    let v = run(&data, &["--format", "json", "verify"]);
    assert_eq!(v.status.code(), Some(0), "{}", stdout(&v));
    let key = data.join("ledger/key.vkey");
    let v = run(
        &data,
        &[
            "verify-bundle",
            bundle.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
        ],
    );
    assert_eq!(v.status.code(), Some(0), "{}{}", stdout(&v), stderr(&v));
    let audit = run(
        &data,
        &["--format", "json", "audit", "--who", "investigator"],
    );
    assert_eq!(audit.status.code(), Some(0), "{}", stderr(&audit));
    let text = stdout(&audit);
    let reveal = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|r| {
            r["route"] == "POST /v1/cases/{id}/reveal" && r["subject"] == format!("{id} {pseudo}")
        })
        .unwrap_or_else(|| panic!("no reveal in the audit:\n{text}"));
    assert_eq!(reveal["role"], "investigator");
    let all = run(
        &data,
        &["--format", "json", "audit", "--since", "2026-01-01"],
    );
    let all = stdout(&all);
    assert!(all.lines().count() > text.lines().count(), "{all}");
    assert!(all.contains("\"who\":\"dpo\""), "{all}");
}

#[test]
fn a_revoked_token_is_refused_by_the_running_server_and_listed_as_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let data = seeded(dir.path());
    let create = |name: &str| {
        let out = run(
            &data,
            &["token", "create", "--role", "analyst", "--name", name],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out).trim().to_owned()
    };
    let secret = create("laptop");
    let leaked = format!("Bearer {secret}");
    let other = format!("Bearer {}", create("desk"));
    let server = start(&data);
    assert_eq!(get(&server, "/v1/alerts", Some(&leaked)).status, 200);

    let listed = run(&data, &["--format", "json", "token", "list"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    let rows: Vec<Value> = stdout(&listed)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows
        .iter()
        .all(|r| r["status"] == "active" && r["role"] == "analyst"));
    assert!(
        !stdout(&listed).contains(&secret[4..]),
        "a listing must never show a token"
    );
    let laptop = rows.iter().find(|r| r["name"] == "laptop").unwrap();
    let id = laptop["id"].as_str().unwrap();

    // By name while the server runs; the server refuses it within a second.
    let revoked = run(&data, &["--format", "json", "token", "revoke", "laptop"]);
    assert!(revoked.status.success(), "{}", stderr(&revoked));
    let info: Value = serde_json::from_str(stdout(&revoked).trim()).unwrap();
    assert_eq!(info["id"], id);
    assert_eq!(info["status"], "revoked");
    std::thread::sleep(std::time::Duration::from_millis(1_300));
    let refused = get(&server, "/v1/alerts", Some(&leaked));
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert!(refused.body.contains("revoked"), "{}", refused.body);
    assert_eq!(get(&server, "/v1/alerts", Some(&other)).status, 200);

    // Twice is an error naming the time; an unknown id says where ids are.
    let again = run(&data, &["token", "revoke", id]);
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("already revoked"),
        "{}",
        stderr(&again)
    );
    let unknown = run(&data, &["token", "revoke", "tok-000000000000"]);
    assert!(!unknown.status.success());
    assert!(
        stderr(&unknown).contains("custos token list"),
        "{}",
        stderr(&unknown)
    );

    let listed = run(&data, &["--format", "csv", "token", "list"]);
    let text = stdout(&listed);
    assert!(
        text.starts_with("id,name,role,status,created,expires,revoked\n"),
        "{text}"
    );
    assert!(
        text.contains(&format!("{id},laptop,analyst,revoked,")),
        "{text}"
    );
    assert!(text.contains(",desk,analyst,active,"), "{text}");

    // A wrong data dir is an error, not a new empty store.
    let elsewhere = dir.path().join("elsewhere");
    let wrong = run(&elsewhere, &["token", "list"]);
    assert!(!wrong.status.success());
    assert!(
        stderr(&wrong).contains("holds no Custos store"),
        "{}",
        stderr(&wrong)
    );
    assert!(!elsewhere.exists());
}
