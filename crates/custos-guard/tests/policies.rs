//! The shipped policies against the founding case: each abuse beside its
//! legitimate twin; policy files that must be refused; approvals end to
//! end over a real store.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use custos_core::Timestamp;
use custos_guard::{
    DecideRequest, Guard, GuardConfig, GuardError, MemoryFacts, PolicySource, Verdict,
};
use custos_store::{derive_rows, LedgerHead, SqliteStore, Store};
use serde_json::json;

const NOW: &str = "2026-05-03T10:00:00.000Z";

fn now() -> Timestamp {
    Timestamp::parse_rfc3339(NOW).unwrap()
}

fn facts() -> MemoryFacts {
    serde_json::from_value(json!({
        "employees": [
            {"id": "emp-agent", "status": "active", "role": "cs-agent", "team": "cs-1"},
            {"id": "emp-other", "status": "active", "role": "cs-agent", "team": "cs-1"},
            {"id": "emp-left", "status": "left", "role": "cs-agent"},
            {"id": "emp-susp", "status": "suspended", "role": "cs-agent"},
            {"id": "emp-lead", "status": "active", "role": "team-lead", "team": "cs-1"},
            {"id": "emp-qa", "status": "active", "role": "qa", "team": "qa-1"},
        ],
        "tickets": [
            {"id": "tkt-1", "customer": "cus-1", "assignee": "emp-agent", "open": true},
            {"id": "tkt-2", "customer": "cus-2", "assignee": "emp-other", "open": true},
            {"id": "tkt-3", "customer": "cus-1", "assignee": "emp-agent", "open": false},
            {"id": "tkt-left", "customer": "cus-1", "assignee": "emp-left", "open": true},
            {"id": "tkt-seller", "assignee": "emp-agent", "open": true},
        ],
        "orders": {"ord-1": "cus-1", "ord-9": "cus-9"},
        "approvals": [
            {"id": "apr-granted", "requester": "emp-agent", "action": "account.reactivate",
             "target": "seller:sel-1", "status": "granted", "created": "2026-05-03T09:00:00Z",
             "expires": "2026-05-04T09:00:00Z", "approver": "emp-lead"},
            {"id": "apr-self", "requester": "emp-agent", "action": "account.reactivate",
             "target": "seller:sel-1", "status": "granted", "created": "2026-05-03T09:00:00Z",
             "expires": "2026-05-04T09:00:00Z", "approver": "emp-agent"},
            {"id": "apr-used", "requester": "emp-agent", "action": "account.reactivate",
             "target": "seller:sel-1", "status": "used", "created": "2026-05-03T09:00:00Z",
             "expires": "2026-05-04T09:00:00Z", "approver": "emp-lead"},
            {"id": "apr-old", "requester": "emp-agent", "action": "account.reactivate",
             "target": "seller:sel-1", "status": "granted", "created": "2026-05-01T09:00:00Z",
             "expires": "2026-05-02T09:00:00Z", "approver": "emp-lead"},
            {"id": "apr-legal", "requester": "emp-agent", "action": "customer.export",
             "target": "customers:cus-1,cus-2", "status": "granted", "created": "2026-05-03T09:00:00Z",
             "expires": "2026-05-04T09:00:00Z", "approver": "emp-lead"},
        ],
        "beyond_scope": {"emp-other": (0..10).map(|i| json!({"customer": format!("cus-x{i}"), "time": "2026-05-03T09:30:00Z"})).collect::<Vec<_>>()},
    }))
    .unwrap()
}

fn req(v: serde_json::Value) -> DecideRequest {
    serde_json::from_value(v).unwrap()
}

fn view(emp: &str, customer: &str, purpose: serde_json::Value) -> DecideRequest {
    req(
        json!({"actor": {"type": "employee", "id": emp}, "action": "customer.view",
        "target": {"type": "customer", "id": customer}, "fields": ["name", "email"], "purpose": purpose}),
    )
}

fn reactivate(emp: &str, purpose: serde_json::Value) -> DecideRequest {
    req(
        json!({"actor": {"type": "employee", "id": emp}, "action": "account.reactivate",
        "target": {"type": "seller", "id": "sel-1"}, "purpose": purpose}),
    )
}

#[test]
fn founding_case_table() {
    let guard = Guard::with_defaults(GuardConfig::default()).unwrap();
    let f = facts();
    let export = |code: &str, approval: Option<&str>| {
        let mut p = json!({"code": code});
        if let Some(a) = approval {
            p["approval"] = json!(a);
        }
        req(
            json!({"actor": {"type": "employee", "id": "emp-agent"}, "action": "customer.export",
            "targets": ["cus-1", "cus-2"], "purpose": p}),
        )
    };
    // (name, request, expected verdict, a policy id that must decide)
    let cases: Vec<(&str, DecideRequest, Verdict, &str)> = vec![
        (
            "view with own open ticket",
            view(
                "emp-agent",
                "cus-1",
                json!({"ticket": "tkt-1", "code": "customer_request"}),
            ),
            Verdict::Allow,
            "purpose-binding",
        ),
        (
            "view without ticket",
            view("emp-agent", "cus-1", json!({"code": "customer_request"})),
            Verdict::Deny,
            "no-ticket",
        ),
        (
            "view with unknown ticket",
            view("emp-agent", "cus-1", json!({"ticket": "tkt-nope"})),
            Verdict::Deny,
            "no-ticket",
        ),
        (
            "view with someone else's ticket",
            view("emp-agent", "cus-2", json!({"ticket": "tkt-2"})),
            Verdict::Deny,
            "ticket-not-assigned",
        ),
        (
            "view with closed ticket",
            view("emp-agent", "cus-1", json!({"ticket": "tkt-3"})),
            Verdict::Deny,
            "ticket-closed",
        ),
        (
            "view of another customer on own ticket",
            view("emp-agent", "cus-7", json!({"ticket": "tkt-1"})),
            Verdict::Deny,
            "ticket-other-customer",
        ),
        (
            "view with own ticket naming only a seller",
            view(
                "emp-agent",
                "cus-1",
                json!({"ticket": "tkt-seller", "code": "seller_request"}),
            ),
            Verdict::Deny,
            "ticket-other-customer",
        ),
        (
            "order view bound to ticket",
            req(
                json!({"actor": {"type": "employee", "id": "emp-agent"}, "action": "order.view", "target": {"type": "order", "id": "ord-1"}, "purpose": {"ticket": "tkt-1"}}),
            ),
            Verdict::Allow,
            "purpose-binding",
        ),
        (
            "order view of another customer's order",
            req(
                json!({"actor": {"type": "employee", "id": "emp-agent"}, "action": "order.view", "target": {"type": "order", "id": "ord-9"}, "purpose": {"ticket": "tkt-1"}}),
            ),
            Verdict::Deny,
            "ticket-other-customer",
        ),
        (
            "search within ticket",
            req(
                json!({"actor": {"type": "employee", "id": "emp-agent"}, "action": "customer.search", "targets": ["cus-1"], "purpose": {"ticket": "tkt-1"}}),
            ),
            Verdict::Allow,
            "purpose-binding",
        ),
        (
            "search returning others",
            req(
                json!({"actor": {"type": "employee", "id": "emp-agent"}, "action": "customer.search", "targets": ["cus-1", "cus-5"], "purpose": {"ticket": "tkt-1"}}),
            ),
            Verdict::Deny,
            "ticket-other-customer",
        ),
        (
            "left employee with own ticket",
            view("emp-left", "cus-1", json!({"ticket": "tkt-left"})),
            Verdict::Deny,
            "employee-not-active",
        ),
        (
            "suspended employee",
            view(
                "emp-susp",
                "cus-1",
                json!({"code": "break_glass", "reason": "x"}),
            ),
            Verdict::Deny,
            "employee-not-active",
        ),
        (
            "unknown employee",
            view("emp-ghost", "cus-1", json!({"ticket": "tkt-1"})),
            Verdict::Deny,
            "employee-not-active",
        ),
        (
            "break-glass with reason",
            view(
                "emp-agent",
                "cus-5",
                json!({"code": "break_glass", "reason": "fraud ring call from police"}),
            ),
            Verdict::Allow,
            "break-glass",
        ),
        (
            "break-glass without reason",
            view("emp-agent", "cus-5", json!({"code": "break_glass"})),
            Verdict::Deny,
            "break-glass-needs-reason",
        ),
        (
            "reactivation without approval",
            reactivate("emp-agent", json!({})),
            Verdict::NeedsApproval,
            "approval-required",
        ),
        (
            "reactivation with team lead approval",
            reactivate("emp-agent", json!({"approval": "apr-granted"})),
            Verdict::Allow,
            "four-eyes",
        ),
        (
            "reactivation approved by the requester",
            reactivate("emp-agent", json!({"approval": "apr-self"})),
            Verdict::Deny,
            "approval-by-requester",
        ),
        (
            "reactivation with used approval",
            reactivate("emp-agent", json!({"approval": "apr-used"})),
            Verdict::Deny,
            "approval-used",
        ),
        (
            "reactivation with expired approval",
            reactivate("emp-agent", json!({"approval": "apr-old"})),
            Verdict::Deny,
            "approval-expired",
        ),
        (
            "someone else's approval",
            reactivate("emp-other", json!({"approval": "apr-granted"})),
            Verdict::Deny,
            "approval-other-request",
        ),
        (
            "approval for another target",
            req(
                json!({"actor": {"type": "employee", "id": "emp-agent"}, "action": "account.reactivate", "target": {"type": "seller", "id": "sel-2"}, "purpose": {"approval": "apr-granted"}}),
            ),
            Verdict::Deny,
            "approval-other-request",
        ),
        (
            "approval for another action",
            req(
                json!({"actor": {"type": "employee", "id": "emp-agent"}, "action": "review.delete", "target": {"type": "review", "id": "rev-1"}, "purpose": {"approval": "apr-granted"}}),
            ),
            Verdict::Deny,
            "approval-other-request",
        ),
        (
            "review deletion without approval",
            req(
                json!({"actor": {"type": "employee", "id": "emp-agent"}, "action": "review.delete", "target": {"type": "review", "id": "rev-1"}, "attrs": {"reason": "seller_request"}}),
            ),
            Verdict::NeedsApproval,
            "approval-required",
        ),
        (
            "left employee asks to reactivate",
            reactivate("emp-left", json!({})),
            Verdict::Deny,
            "employee-not-active",
        ),
        (
            "export without legal purpose",
            export("customer_request", None),
            Verdict::Deny,
            "export-legal-only",
        ),
        (
            "legal export without approval",
            export("legal", None),
            Verdict::NeedsApproval,
            "approval-required",
        ),
        (
            "legal export with approval",
            export("legal", Some("apr-legal")),
            Verdict::Allow,
            "four-eyes",
        ),
        (
            "quota: beyond scope over the hourly limit",
            view(
                "emp-other",
                "cus-5",
                json!({"code": "break_glass", "reason": "checking"}),
            ),
            Verdict::Deny,
            "disclosure-quota",
        ),
        (
            "quota: in-scope work still allowed",
            view("emp-other", "cus-2", json!({"ticket": "tkt-2"})),
            Verdict::Allow,
            "purpose-binding",
        ),
    ];
    let mut failures = Vec::new();
    for (name, r, expect, policy) in &cases {
        let d = guard
            .decide(r, &f, now())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        if d.decision != *expect || !d.policies.iter().any(|p| p == policy) || d.reasons.is_empty()
        {
            failures.push(format!(
                "{name}: expected {expect:?} by `{policy}`, got {d:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    let bg = guard
        .decide(
            &view(
                "emp-agent",
                "cus-5",
                json!({"code": "break_glass", "reason": "fraud ring"}),
            ),
            &f,
            now(),
        )
        .unwrap();
    assert_eq!(bg.obligations, vec!["alert", "review_after"]);
    assert!(bg.reasons[0].contains("break-glass"));
}

/// Quality review, consistent with detection (`Verdict::Review`): one
/// customer, the one the cited ticket is about, whatever the ticket's
/// status or assignee; and each abuse of the code beside it. The policies
/// that decide are checked exactly: the caller must see why, and only why.
#[test]
fn quality_review_table() {
    let guard = Guard::with_defaults(GuardConfig::default()).unwrap();
    let f = facts();
    let qa = |ticket: &str| json!({"ticket": ticket, "code": "quality_review"});
    let as_qa = |emp: &str, action: &str, rest: serde_json::Value| {
        let mut r = json!({"actor": {"type": "employee", "id": emp}, "action": action, "purpose": qa("tkt-3")});
        for (k, v) in rest.as_object().unwrap() {
            r[k] = v.clone();
        }
        req(r)
    };
    // (name, request, expected verdict, the policies that decide, sorted)
    let cases: Vec<(&str, DecideRequest, Verdict, Vec<&str>)> = vec![
        (
            "QA reviews another agent's closed ticket about that customer",
            view("emp-qa", "cus-1", qa("tkt-3")),
            Verdict::Allow,
            vec!["quality-review"],
        ),
        (
            "QA reviews an order of that ticket's customer",
            as_qa(
                "emp-qa",
                "order.view",
                json!({"target": {"type": "order", "id": "ord-1"}}),
            ),
            Verdict::Allow,
            vec!["quality-review"],
        ),
        (
            "review of a ticket another employee holds, still open",
            view("emp-agent", "cus-2", qa("tkt-2")),
            Verdict::Allow,
            vec!["quality-review"],
        ),
        (
            "review of one's own closed ticket",
            view("emp-agent", "cus-1", qa("tkt-3")),
            Verdict::Allow,
            vec!["quality-review"],
        ),
        (
            "review within one's own open ticket",
            view("emp-agent", "cus-1", qa("tkt-1")),
            Verdict::Allow,
            vec!["purpose-binding", "quality-review"],
        ),
        (
            "the same closed ticket without the quality_review code",
            view(
                "emp-qa",
                "cus-1",
                json!({"ticket": "tkt-3", "code": "customer_request"}),
            ),
            Verdict::Deny,
            vec!["ticket-closed", "ticket-not-assigned"],
        ),
        (
            "quality_review to view a different customer",
            view("emp-qa", "cus-2", qa("tkt-3")),
            Verdict::Deny,
            vec!["ticket-other-customer"],
        ),
        (
            "quality_review to view another customer's order",
            as_qa(
                "emp-qa",
                "order.view",
                json!({"target": {"type": "order", "id": "ord-9"}}),
            ),
            Verdict::Deny,
            vec!["ticket-other-customer"],
        ),
        (
            "quality_review citing a ticket naming only a seller",
            view("emp-qa", "cus-1", qa("tkt-seller")),
            Verdict::Deny,
            vec!["ticket-other-customer"],
        ),
        (
            "quality_review without a ticket",
            view("emp-qa", "cus-1", json!({"code": "quality_review"})),
            Verdict::Deny,
            vec!["no-ticket"],
        ),
        (
            "quality_review citing an unknown ticket",
            view("emp-qa", "cus-1", qa("tkt-nope")),
            Verdict::Deny,
            vec!["no-ticket"],
        ),
        (
            "quality_review to export",
            as_qa("emp-qa", "customer.export", json!({"targets": ["cus-1"]})),
            Verdict::Deny,
            vec!["export-legal-only"],
        ),
        (
            "quality_review to search for the ticket's customer",
            as_qa("emp-qa", "customer.search", json!({"targets": ["cus-1"]})),
            Verdict::Deny,
            vec!["quality-review-no-search"],
        ),
        (
            "quality_review to search across customers",
            as_qa(
                "emp-qa",
                "customer.search",
                json!({"targets": ["cus-1", "cus-5"]}),
            ),
            Verdict::Deny,
            vec!["quality-review-no-search", "ticket-other-customer"],
        ),
        (
            "quality_review beyond the quota",
            view("emp-other", "cus-1", qa("tkt-3")),
            Verdict::Deny,
            vec!["disclosure-quota"],
        ),
        (
            "quality_review by a suspended employee",
            view("emp-susp", "cus-1", qa("tkt-3")),
            Verdict::Deny,
            vec!["employee-not-active"],
        ),
        (
            "quality_review by an employee who left",
            view("emp-left", "cus-1", qa("tkt-3")),
            Verdict::Deny,
            vec!["employee-not-active"],
        ),
    ];
    let mut failures = Vec::new();
    for (name, r, expect, policies) in &cases {
        let d = guard
            .decide(r, &f, now())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        if d.decision != *expect || d.policies != *policies || d.reasons.len() != policies.len() {
            failures.push(format!(
                "{name}: expected {expect:?} by {policies:?}, got {d:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    let d = guard
        .decide(&view("emp-qa", "cus-1", qa("tkt-3")), &f, now())
        .unwrap();
    assert!(d.reasons[0].contains("quality review"), "{d:?}");
    assert!(d.obligations.is_empty(), "{d:?}");
}

/// The role limit the shipped file describes for deployments that want
/// one: taken from its comment, it loads beside the shipped policies and
/// limits only reviews outside one's own open tickets.
#[test]
fn quality_review_role_limit_is_a_deployment_policy() {
    let example: String = custos_guard::DEFAULT_POLICIES
        .lines()
        .skip_while(|l| !l.contains("for example:"))
        .skip(2)
        .take_while(|l| l.starts_with("//  "))
        .map(|l| format!("{}\n", &l[4..]))
        .collect();
    assert!(
        example.contains("@id(\"quality-review-roles\")"),
        "{example}"
    );
    let guard = Guard::new(
        GuardConfig::default(),
        &[
            PolicySource::default_policies(),
            PolicySource::new("roles.cedar", example),
        ],
    )
    .unwrap();
    let f = facts();
    let qa = |ticket: &str| json!({"ticket": ticket, "code": "quality_review"});
    let decide = |r: DecideRequest| guard.decide(&r, &f, now()).unwrap();

    let d = decide(view("emp-qa", "cus-1", qa("tkt-3")));
    assert_eq!(d.decision, Verdict::Allow, "{d:?}");
    let d = decide(view("emp-lead", "cus-1", qa("tkt-3")));
    assert_eq!(d.decision, Verdict::Allow, "{d:?}");
    let d = decide(view("emp-agent", "cus-2", qa("tkt-2")));
    assert_eq!(d.decision, Verdict::Deny, "{d:?}");
    assert_eq!(d.policies, vec!["quality-review-roles"]);
    // Within one's own open ticket the code changes nothing.
    let d = decide(view("emp-agent", "cus-1", qa("tkt-1")));
    assert_eq!(d.decision, Verdict::Allow, "{d:?}");
}

#[test]
fn bad_requests_are_named() {
    let guard = Guard::with_defaults(GuardConfig::default()).unwrap();
    let f = facts();
    let e = guard
        .decide(&req(json!({"actor": {"type": "employee", "id": "emp-agent"}, "action": "customer.view"})), &f, now())
        .unwrap_err();
    assert!(
        e.to_string().contains("needs `target` of type `customer`"),
        "{e}"
    );
    let e = guard
        .decide(
            &req(json!({"actor": {"type": "employee", "id": "emp-agent"}, "action": "auth.login"})),
            &f,
            now(),
        )
        .unwrap_err();
    assert!(
        e.to_string().contains("does not decide `auth.login`"),
        "{e}"
    );
    let e = guard
        .decide(
            &reactivate("emp-agent", json!({"approval": "apr-nope"})),
            &f,
            now(),
        )
        .unwrap_err();
    assert!(matches!(e, GuardError::ApprovalNotFound(_)), "{e}");
    let e = serde_json::from_value::<DecideRequest>(
        json!({"actor": {"type": "employee", "id": "e"}, "action": "customer.view", "id": "x"}),
    )
    .unwrap_err();
    assert!(e.to_string().contains("unknown field `id`"), "{e}");
}

fn bad_policy(text: &str) -> String {
    let guard = Guard::with_defaults(GuardConfig::default()).unwrap();
    let before = guard.policies().ids();
    let mut sources = vec![PolicySource::default_policies()];
    sources.push(PolicySource::new("extra.cedar", text));
    let err = guard.reload(&sources).unwrap_err().to_string();
    // The last good set stays in force.
    assert_eq!(guard.policies().ids(), before);
    let d = guard
        .decide(
            &view("emp-agent", "cus-1", json!({"ticket": "tkt-1"})),
            &facts(),
            now(),
        )
        .unwrap();
    assert_eq!(d.decision, Verdict::Allow);
    err
}

#[test]
fn syntax_error_is_refused_with_file_and_line() {
    let err = bad_policy("// one\n@id(\"x\")\n@reason(\"r\")\npermit (principal, action, resource)\nwhen { principal.status == };\n");
    assert!(err.starts_with("extra.cedar:5:"), "{err}");
}

#[test]
fn type_error_is_refused() {
    let err = bad_policy("@id(\"typed\")\n@reason(\"r\")\npermit (principal, action == Custos::Action::\"customer.view\", resource)\nwhen { principal.status == 3 };\n");
    assert!(err.starts_with("extra.cedar:4:"), "{err}");
    assert!(err.contains("policy `typed`"), "{err}");
}

#[test]
fn unknown_attribute_is_refused() {
    let err = bad_policy("@id(\"attr\")\n@reason(\"r\")\npermit (principal, action == Custos::Action::\"customer.view\", resource)\nwhen { principal.department == \"cs\" };\n");
    assert!(err.starts_with("extra.cedar:4:"), "{err}");
    assert!(err.contains("department"), "{err}");
}

#[test]
fn unknown_purpose_code_in_an_annotation_is_refused() {
    let err = bad_policy("@id(\"qa-only\")\n@purpose_codes(\"quality_reveiw\")\n@reason(\"r\")\nforbid (principal, action, resource);\n");
    assert!(err.contains("extra.cedar"), "{err}");
    assert!(
        err.contains("unknown purpose code `quality_reveiw`"),
        "{err}"
    );
    assert!(err.contains("quality_review"), "{err}");
}

#[test]
fn missing_reason_and_duplicate_ids_are_refused() {
    let err = bad_policy("@id(\"purpose-binding\")\npermit (principal, action, resource);\n");
    assert!(err.contains("missing `@reason"), "{err}");
    assert!(err.contains("already used in `default.cedar`"), "{err}");
}

#[test]
fn reload_with_good_policies_replaces_the_set() {
    let guard = Guard::with_defaults(GuardConfig::default()).unwrap();
    let n = guard
        .reload(&[PolicySource::new(
            "only.cedar",
            "@id(\"all\")\n@reason(\"everything\")\npermit (principal, action, resource);\n",
        )])
        .unwrap();
    assert_eq!(n, 1);
    let d = guard
        .decide(&view("emp-agent", "cus-9", json!({})), &facts(), now())
        .unwrap();
    assert_eq!(d.decision, Verdict::Allow);
    assert_eq!(d.policies, vec!["all"]);
}

// ---- approvals over a real store ------------------------------------------

fn store_with(events: &[serde_json::Value]) -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(&dir.path().join("store.sqlite")).unwrap();
    let rows: Vec<_> = events
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let e = custos_core::parse_event_value(v).unwrap();
            let entry = custos_core::canonical::event_entry(&e);
            derive_rows(i as u64, &e, &entry)
        })
        .collect();
    let head = LedgerHead {
        size: rows.len() as u64,
        root_hash: "00".into(),
    };
    store.index_batch(&rows, &head).unwrap();
    (dir, store)
}

fn hr(id: &str, who: &str, role: &str) -> serde_json::Value {
    json!({"id": id, "time": "2026-05-01T08:00:00Z", "actor": {"type": "system", "id": "hr"},
        "action": "employee.hire", "target": {"type": "employee", "id": who}, "attrs": {"role": role, "team": "cs-1"}})
}

#[test]
fn four_eyes_over_the_store() {
    let (_dir, mut store) = store_with(&[
        hr("h1", "emp-agent", "cs-agent"),
        hr("h2", "emp-lead", "team-lead"),
        hr("h3", "emp-gone", "team-lead"),
        hr("h4", "emp-peer", "cs-agent"),
        json!({"id": "l1", "time": "2026-05-02T08:00:00Z", "actor": {"type": "system", "id": "hr"},
            "action": "employee.leave", "target": {"type": "employee", "id": "emp-gone"}, "attrs": {"reason": "resigned"}}),
    ]);
    let guard = Guard::with_defaults(GuardConfig::default()).unwrap();
    let ask = reactivate("emp-agent", json!({}));
    let d = guard.decide_in(&mut store, &ask, now()).unwrap();
    assert_eq!(d.decision, Verdict::NeedsApproval);
    let apr = d.approval.clone().unwrap();
    assert!(
        apr.id.starts_with("apr-") && apr.status == "pending",
        "{apr:?}"
    );
    // Asking again returns the same pending request.
    let again = guard.decide_in(&mut store, &ask, now()).unwrap();
    assert_eq!(again.approval.unwrap().id, apr.id);

    // Not eligible: the requester, someone who left, a role the policy does not allow.
    for (who, says) in [
        ("emp-agent", "their own request"),
        ("emp-gone", "not active"),
        ("emp-peer", "only a team lead"),
    ] {
        match guard.settle(&mut store, &apr.id, who, true, None, now()) {
            Err(GuardError::NotEligible { reasons, .. }) => {
                assert!(
                    reasons.iter().any(|r| r.contains(says)),
                    "{who}: {reasons:?}"
                )
            }
            other => panic!("{who}: {other:?}"),
        }
    }
    // Still pending, so the requester still may not act.
    let d = guard
        .decide_in(
            &mut store,
            &reactivate("emp-agent", json!({"approval": apr.id})),
            now(),
        )
        .unwrap();
    assert_eq!(d.decision, Verdict::Deny);
    assert!(d.policies.contains(&"approval-not-granted".to_owned()));

    let later = now().plus_millis(60_000);
    let a = guard
        .settle(
            &mut store,
            &apr.id,
            "emp-lead",
            true,
            Some("appeal checked".into()),
            later,
        )
        .unwrap();
    assert_eq!(a.status.as_str(), "granted");
    // Granting twice is refused.
    assert!(matches!(
        guard.settle(&mut store, &apr.id, "emp-lead", true, None, later),
        Err(GuardError::ApprovalClosed { .. })
    ));
    // A different target with the same approval: denied, approval not spent.
    let other = req(
        json!({"actor": {"type": "employee", "id": "emp-agent"}, "action": "account.reactivate",
        "target": {"type": "seller", "id": "sel-2"}, "purpose": {"approval": apr.id}}),
    );
    assert_eq!(
        guard.decide_in(&mut store, &other, later).unwrap().decision,
        Verdict::Deny
    );
    // Once.
    let use_it = reactivate("emp-agent", json!({"approval": apr.id}));
    let d = guard.decide_in(&mut store, &use_it, later).unwrap();
    assert_eq!(d.decision, Verdict::Allow, "{d:?}");
    assert_eq!(d.approval.unwrap().status, "used");
    // Twice: no.
    let d = guard.decide_in(&mut store, &use_it, later).unwrap();
    assert_eq!(d.decision, Verdict::Deny);
    assert!(d.policies.contains(&"approval-used".to_owned()), "{d:?}");
    assert!(custos_guard::approvals::list_open(&mut store, later)
        .unwrap()
        .is_empty());
}

#[test]
fn approvals_expire() {
    let (_dir, mut store) = store_with(&[
        hr("h1", "emp-agent", "cs-agent"),
        hr("h2", "emp-lead", "team-lead"),
    ]);
    let guard = Guard::with_defaults(GuardConfig {
        approval_ttl_ms: 1000,
        ..GuardConfig::default()
    })
    .unwrap();
    let d = guard
        .decide_in(&mut store, &reactivate("emp-agent", json!({})), now())
        .unwrap();
    let id = d.approval.unwrap().id;
    let late = now().plus_millis(1000);
    match guard.settle(&mut store, &id, "emp-lead", true, None, late) {
        Err(GuardError::ApprovalClosed { status, .. }) => assert_eq!(status, "expired"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn quota_counts_store_disclosures_beyond_scope() {
    let mut events = vec![hr("h1", "emp-agent", "cs-agent")];
    for i in 0..10 {
        events.push(json!({"id": format!("v{i}"), "time": "2026-05-03T09:30:00Z",
            "actor": {"type": "employee", "id": "emp-agent"}, "action": "customer.view",
            "target": {"type": "customer", "id": format!("cus-{i}")}, "purpose": {"code": "break_glass", "reason": "r"}}));
    }
    let (_dir, mut store) = store_with(&events);
    let guard = Guard::with_defaults(GuardConfig::default()).unwrap();
    // Re-viewing a customer already seen adds nobody.
    let d = guard
        .decide_in(
            &mut store,
            &view(
                "emp-agent",
                "cus-3",
                json!({"code": "break_glass", "reason": "again"}),
            ),
            now(),
        )
        .unwrap();
    assert_eq!(d.decision, Verdict::Allow, "{d:?}");
    // The eleventh distinct customer in the hour is one too many.
    let d = guard
        .decide_in(
            &mut store,
            &view(
                "emp-agent",
                "cus-99",
                json!({"code": "break_glass", "reason": "more"}),
            ),
            now(),
        )
        .unwrap();
    assert_eq!(d.decision, Verdict::Deny, "{d:?}");
    assert_eq!(d.policies, vec!["disclosure-quota"]);
    // Two hours later the hourly window has passed; the day limit has not.
    let d = guard
        .decide_in(
            &mut store,
            &view(
                "emp-agent",
                "cus-99",
                json!({"code": "break_glass", "reason": "more"}),
            ),
            now().plus_millis(2 * 3_600_000),
        )
        .unwrap();
    assert_eq!(d.decision, Verdict::Allow, "{d:?}");
}
