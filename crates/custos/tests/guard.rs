//! The guard over HTTP on the real `custos serve`: purpose binding,
//! four-eyes approvals used once, strict bodies, and every decision in
//! the ledger.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(data: &std::path::Path) -> Server {
    let mut child = custos(data)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("http://").nth(1) {
                let _ = tx.send(
                    rest.trim_end_matches(|c| c != '/')
                        .trim_end_matches('/')
                        .split('/')
                        .next()
                        .unwrap_or("")
                        .to_owned(),
                );
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the server did not report its address");
    Server { child, addr }
}

struct Answer {
    status: u16,
    body: String,
}

fn request(
    server: &Server,
    method: &str,
    path: &str,
    token: Option<&str>,
    content_type: &str,
    body: &[u8],
) -> Answer {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut stream = loop {
        match TcpStream::connect(&server.addr) {
            Ok(s) => break s,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                std::thread::yield_now();
            }
            Err(e) => panic!("cannot connect: {e}"),
        }
    };
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\nContent-Type: {content_type}\r\n", server.addr, body.len());
    if let Some(t) = token {
        head.push_str(&format!("Authorization: {t}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    // A server refusing a huge body may answer and close before reading
    // it all; its answer is still there to read.
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Answer { status, body }
}

fn get(server: &Server, path: &str, token: Option<&str>) -> Answer {
    request(server, "GET", path, token, "application/json", b"")
}

fn token(data: &std::path::Path, role: &str, extra: &[&str]) -> String {
    let mut args = vec!["token", "create", "--role", role, "--name", role];
    args.extend_from_slice(extra);
    let out = run(data, &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    format!("Bearer {}", stdout(&out).trim())
}

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
    assert_eq!(stdout(&out).lines().count(), 9);

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
