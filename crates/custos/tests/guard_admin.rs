//! Reloading the guard's policies in a running `custos serve`: by
//! `POST /v1/admin/policies/reload` (admin only) and by `SIGHUP`. A file
//! with a syntax error, a type error or an unknown attribute is refused
//! with its file, line and problem, and the last good set keeps deciding.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

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

const RELOAD: &str = "/v1/admin/policies/reload";

#[test]
fn policies_reload_while_serving() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let facts = [
        json!({"id":"h1","time":"2026-01-01T08:00:00Z","actor":{"type":"system","id":"hr"},"action":"employee.hire","target":{"type":"employee","id":"emp-agent"},"attrs":{"role":"cs-agent","team":"cs-1"}}),
        json!({"id":"t1","time":"2026-01-03T08:00:00Z","actor":{"type":"customer","id":"cus-1"},"action":"ticket.open","target":{"type":"ticket","id":"tkt-1"},"attrs":{"customer":"cus-1","kind":"order_issue"}}),
        json!({"id":"a1","time":"2026-01-03T08:01:00Z","actor":{"type":"employee","id":"emp-agent"},"action":"ticket.assign","target":{"type":"ticket","id":"tkt-1"}}),
    ];
    let file = dir.path().join("facts.jsonl");
    std::fs::write(
        &file,
        facts.iter().map(|l| format!("{l}\n")).collect::<String>(),
    )
    .unwrap();
    assert_eq!(
        run(&data, &["ingest", file.to_str().unwrap()])
            .status
            .code(),
        Some(0)
    );
    let policies = data.join("policies");
    std::fs::create_dir_all(&policies).unwrap();
    std::fs::write(
        policies.join("00-default.cedar"),
        custos_guard::DEFAULT_POLICIES,
    )
    .unwrap();
    let ingest = token(&data, "ingest", &[]);
    let admin = token(&data, "admin", &[]);
    let server = start(&data);

    let view = json!({"actor": {"type":"employee","id":"emp-agent"}, "action": "customer.view",
        "target": {"type":"customer","id":"cus-1"}, "fields": ["name"],
        "purpose": {"ticket": "tkt-1", "code": "customer_request"}});
    let decide = || post(&server, "/v1/decide", &ingest, &view).1;
    assert_eq!(decide()["decision"], "allow");

    // Only an admin reloads.
    assert_eq!(post(&server, RELOAD, &ingest, &json!({})).0, 403);
    let (status, a) = post(&server, RELOAD, &admin, &json!({}));
    assert_eq!(status, 200, "{a}");
    let shipped = a["policies"].as_u64().unwrap();
    assert_eq!(a["files"], json!(["00-default.cedar"]));

    // (file text, what the refusal must say: file:line, problem)
    let bad = [
        (
            "@id(\"x\")\n@reason(\"r\")\nforbid (principal, action, resource)\nwhen { principal.status == };\n",
            "bad.cedar:4:",
            "",
        ),
        (
            "@id(\"x\")\n@reason(\"r\")\n\nforbid (principal, action, resource)\nwhen { principal.status == 3 };\n",
            "bad.cedar:5:",
            "policy `x`",
        ),
        (
            "@id(\"x\")\n@reason(\"r\")\nforbid (principal, action, resource)\nwhen { principal.salary > 3 };\n",
            "bad.cedar:4:",
            "salary",
        ),
    ];
    for (text, place, problem) in bad {
        std::fs::write(policies.join("bad.cedar"), text).unwrap();
        let (status, e) = post(&server, RELOAD, &admin, &json!({}));
        assert_eq!(status, 422, "{e}");
        let message = e["error"]["message"].as_str().unwrap();
        assert!(message.contains(place), "{place}: {message}");
        assert!(message.contains(problem), "{problem}: {message}");
        assert!(
            message.contains(&format!("the {shipped} policies in force stay")),
            "{message}"
        );
        assert_eq!(e["error"]["problems"][0]["file"], "bad.cedar", "{e}");
        // The last good set still decides.
        assert_eq!(decide()["decision"], "allow");
    }

    // A good file is taken at once.
    std::fs::write(
        policies.join("bad.cedar"),
        "@id(\"freeze\")\n@reason(\"customer data is frozen for an audit\")\nforbid (principal, action in Custos::Action::\"customer_data\", resource);\n",
    )
    .unwrap();
    let (status, a) = post(&server, RELOAD, &admin, &json!({}));
    assert_eq!(status, 200, "{a}");
    assert_eq!(a["policies"].as_u64().unwrap(), shipped + 1);
    let d = decide();
    assert_eq!(d["decision"], "deny", "{d}");
    assert_eq!(d["reasons"][0], "customer data is frozen for an audit");

    // SIGHUP reloads too: without the freeze, the view is allowed again.
    std::fs::remove_file(policies.join("bad.cedar")).unwrap();
    let hup = std::process::Command::new("kill")
        .args(["-HUP", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(hup.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if decide()["decision"] == "allow" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "SIGHUP did not reload the policies"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
