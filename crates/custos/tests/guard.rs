//! The guard over HTTP on the real `custos serve`: purpose binding,
//! four-eyes approvals used once, strict bodies, and every decision in
//! the ledger.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use serde_json::{json, Value};

fn post(server: &Server, path: &str, token: &str, body: &Value) -> (u16, Value) {
    let a = request(
        server,
        "POST",
        path,
        Some(token),
        "application/json",
        body.to_string().as_bytes(),
    );
    (
        a.status,
        serde_json::from_str(&a.body).unwrap_or(Value::Null),
    )
}

fn facts() -> String {
    let lines = [
        json!({"id":"h1","time":"2026-01-01T08:00:00Z","actor":{"type":"system","id":"hr"},"action":"employee.hire","target":{"type":"employee","id":"emp-agent"},"attrs":{"role":"cs-agent","team":"cs-1"}}),
        json!({"id":"h2","time":"2026-01-01T08:00:00Z","actor":{"type":"system","id":"hr"},"action":"employee.hire","target":{"type":"employee","id":"emp-lead"},"attrs":{"role":"team-lead","team":"cs-1"}}),
        json!({"id":"h3","time":"2026-01-01T08:00:00Z","actor":{"type":"system","id":"hr"},"action":"employee.hire","target":{"type":"employee","id":"emp-gone"},"attrs":{"role":"team-lead","team":"cs-1"}}),
        json!({"id":"l3","time":"2026-01-02T08:00:00Z","actor":{"type":"system","id":"hr"},"action":"employee.leave","target":{"type":"employee","id":"emp-gone"},"attrs":{"reason":"terminated"}}),
        json!({"id":"t1","time":"2026-01-03T08:00:00Z","actor":{"type":"customer","id":"cus-1"},"action":"ticket.open","target":{"type":"ticket","id":"tkt-1"},"attrs":{"customer":"cus-1","kind":"order_issue"}}),
        json!({"id":"a1","time":"2026-01-03T08:01:00Z","actor":{"type":"employee","id":"emp-agent"},"action":"ticket.assign","target":{"type":"ticket","id":"tkt-1"}}),
    ];
    lines.iter().map(|l| format!("{l}\n")).collect()
}

#[test]
fn guard_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("facts.jsonl");
    std::fs::write(&file, facts()).unwrap();
    assert_eq!(
        run(&data, &["ingest", file.to_str().unwrap()])
            .status
            .code(),
        Some(0)
    );
    let ingest = token(&data, "ingest", &[]);
    let analyst = token(&data, "analyst", &[]);
    let server = start(&data);

    let agent = json!({"type":"employee","id":"emp-agent"});
    let view = |ticket: &str| json!({"actor": agent, "action": "customer.view", "target": {"type":"customer","id":"cus-1"}, "fields": ["name"], "purpose": {"ticket": ticket, "code": "customer_request"}});

    // Role: ingest only.
    assert_eq!(post(&server, "/v1/decide", &analyst, &view("tkt-1")).0, 403);

    let (status, d) = post(&server, "/v1/decide", &ingest, &view("tkt-1"));
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["decision"], "allow", "{d}");
    let (_, d) = post(&server, "/v1/decide", &ingest, &view("tkt-nope"));
    assert_eq!(d["decision"], "deny", "{d}");
    assert!(
        d["reasons"][0].as_str().unwrap().contains("known ticket"),
        "{d}"
    );

    // Strict bodies.
    let mut bad = view("tkt-1");
    bad["id"] = json!("x");
    let (status, e) = post(&server, "/v1/decide", &ingest, &bad);
    assert_eq!(status, 400);
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unknown field `id`"),
        "{e}"
    );
    let (status, e) = post(
        &server,
        "/v1/decide",
        &ingest,
        &json!({"actor": agent, "action": "customer.view"}),
    );
    assert_eq!(status, 400);
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("`target` of type `customer`"),
        "{e}"
    );

    // Four eyes.
    let reactivate = json!({"actor": agent, "action": "account.reactivate", "target": {"type":"seller","id":"sel-9"}, "attrs": {"appeal": "tkt-1"}});
    let (_, d) = post(&server, "/v1/decide", &ingest, &reactivate);
    assert_eq!(d["decision"], "needs_approval", "{d}");
    assert_eq!(d["approval"]["status"], "pending", "{d}");
    let id = d["approval"]["id"].as_str().unwrap().to_owned();
    let a = get(&server, "/v1/approvals", Some(&ingest));
    assert!(a.body.contains(&id), "{}", a.body);

    let grant =
        |who: &str| json!({"approver": {"type":"employee","id": who}, "reason": "appeal checked"});
    let path = format!("/v1/approvals/{id}/grant");
    let (status, e) = post(&server, &path, &ingest, &grant("emp-agent"));
    assert_eq!(status, 403, "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("own request"),
        "{e}"
    );
    let (status, e) = post(&server, &path, &ingest, &grant("emp-gone"));
    assert_eq!(status, 403, "{e}");
    let (status, e) = post(
        &server,
        &path,
        &ingest,
        &json!({"approver": {"type":"employee","id":"emp-lead"}, "extra": 1}),
    );
    assert_eq!(status, 400, "{e}");
    let (status, e) = post(
        &server,
        "/v1/approvals/apr-nope/grant",
        &ingest,
        &grant("emp-lead"),
    );
    assert_eq!(status, 404, "{e}");
    let (status, g) = post(&server, &path, &ingest, &grant("emp-lead"));
    assert_eq!(status, 200, "{g}");
    assert_eq!(g, json!({"id": id, "status": "granted"}));

    let mut with = reactivate.clone();
    with["purpose"] = json!({"approval": id});
    let (_, d) = post(&server, "/v1/decide", &ingest, &with);
    assert_eq!(d["decision"], "allow", "{d}");
    let (_, d) = post(&server, "/v1/decide", &ingest, &with);
    assert_eq!(d["decision"], "deny", "{d}");
    assert!(
        d["policies"]
            .as_array()
            .unwrap()
            .contains(&json!("approval-used")),
        "{d}"
    );

    // Every decision and approval attempt is a `guard.decide` event in the ledger.
    drop(server);
    let db = rusqlite::Connection::open(data.join("store.sqlite")).unwrap();
    let n: i64 = db
        .query_row(
            "select count(*) from events where action = 'guard.decide'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    // 3 decisions, 2 refused grants, 1 grant, 2 decisions with the approval;
    // bad requests and the refused role decide nothing.
    assert_eq!(n, 3 + 2 + 1 + 2, "guard.decide events");
    let denied: i64 = db
        .query_row(
            "select count(*) from events where action = 'guard.decide' and outcome = 'denied'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(denied, 1 + 1 + 2 + 1, "denied guard.decide events");
    let verify = run(&data, &["verify", "--format", "json"]);
    assert_eq!(verify.status.code(), Some(0), "{}", stdout(&verify));
}

#[test]
fn policy_check_and_test_commands() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let ok = run(&data, &["policy", "check"]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    assert!(stdout(&ok).contains("policies in default.cedar"));

    let bad = dir.path().join("bad.cedar");
    std::fs::write(&bad, "@id(\"t\")\n@reason(\"r\")\npermit (principal, action, resource)\nwhen { principal.department == \"x\" };\n").unwrap();
    let out = run(&data, &["policy", "check", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("bad.cedar:4:"), "{}", stderr(&out));
    assert!(stderr(&out).contains("department"), "{}", stderr(&out));

    let table = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../custos-guard/policies/examples.json"
    );
    let out = run(&data, &["policy", "test", table, "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(stdout(&out).lines().count(), 12);

    // A wrong expectation fails the run.
    let text = std::fs::read_to_string(table).unwrap().replacen(
        "\"expect\": \"deny\"",
        "\"expect\": \"allow\"",
        1,
    );
    let wrong = dir.path().join("wrong.json");
    std::fs::write(&wrong, text).unwrap();
    let out = run(&data, &["policy", "test", wrong.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("\"ok\":false"), "{}", stdout(&out));
}
