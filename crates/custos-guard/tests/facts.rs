//! What the guard learns from the store and from committed events:
//! suspension as an HR status, the disclosure book counting the same
//! quota as a scan of the store, and the four-eyes team options.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use custos_core::Timestamp;
use custos_guard::{
    ApproverTeam, DecideRequest, Guard, GuardConfig, GuardError, StoreFacts, Verdict,
};
use custos_store::{derive_rows, LedgerHead, SqliteStore, Store};
use serde_json::{json, Value};

fn now() -> Timestamp {
    Timestamp::parse_rfc3339("2026-05-03T10:00:00.000Z").unwrap()
}

/// A store holding `events`, and a way to add more as ingest would.
struct World {
    _dir: tempfile::TempDir,
    store: SqliteStore,
}

impl World {
    fn new(events: &[Value]) -> World {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("store.sqlite")).unwrap();
        let mut w = World { _dir: dir, store };
        w.add(events, None);
        w
    }

    /// Indexes `events`; with a guard, feeds them past it as the server's
    /// committer does.
    fn add(&mut self, events: &[Value], guard: Option<&Guard>) {
        let start = self.store.ledger_size().unwrap();
        let parsed: Vec<_> = events
            .iter()
            .map(|v| custos_core::parse_event_value(v).unwrap())
            .collect();
        let rows: Vec<_> = parsed
            .iter()
            .enumerate()
            .map(|(i, e)| derive_rows(start + i as u64, e, &custos_core::canonical::event_entry(e)))
            .collect();
        let head = LedgerHead {
            size: start + rows.len() as u64,
            root_hash: "00".into(),
        };
        self.store.index_batch(&rows, &head).unwrap();
        if let Some(g) = guard {
            let facts = StoreFacts::new(&self.store);
            for e in &parsed {
                g.observe(e, &facts).unwrap();
            }
        }
    }
}

fn hr(id: &str, action: &str, who: &str, time: &str, attrs: Value) -> Value {
    json!({"id": id, "time": time, "actor": {"type": "system", "id": "hr"},
        "action": action, "target": {"type": "employee", "id": who}, "attrs": attrs})
}

fn hire(id: &str, who: &str, role: &str, team: &str) -> Value {
    hr(
        id,
        "employee.hire",
        who,
        "2026-05-01T08:00:00Z",
        json!({"role": role, "team": team}),
    )
}

fn req(v: Value) -> DecideRequest {
    serde_json::from_value(v).unwrap()
}

fn view(emp: &str, customer: &str, purpose: Value) -> DecideRequest {
    req(
        json!({"actor": {"type": "employee", "id": emp}, "action": "customer.view",
        "target": {"type": "customer", "id": customer}, "fields": ["name"], "purpose": purpose}),
    )
}

fn ticket(id: &str, customer: &str, assignee: &str) -> [Value; 2] {
    [
        json!({"id": format!("{id}-o"), "time": "2026-05-03T08:00:00Z", "actor": {"type": "customer", "id": customer},
            "action": "ticket.open", "target": {"type": "ticket", "id": id}, "attrs": {"customer": customer, "kind": "order_issue"}}),
        json!({"id": format!("{id}-a"), "time": "2026-05-03T08:01:00Z", "actor": {"type": "employee", "id": assignee},
            "action": "ticket.assign", "target": {"type": "ticket", "id": id}}),
    ]
}

#[test]
fn suspension_is_an_hr_status_the_guard_obeys() {
    let mut w = World::new(&[
        hire("h1", "emp-agent", "cs-agent", "cs-1"),
        hire("h2", "emp-lead", "team-lead", "cs-1"),
    ]);
    let [open, assign] = ticket("tkt-1", "cus-1", "emp-agent");
    w.add(&[open, assign], None);
    let guard = Guard::with_defaults(GuardConfig::default()).unwrap();
    let in_scope = view(
        "emp-agent",
        "cus-1",
        json!({"ticket": "tkt-1", "code": "customer_request"}),
    );
    let glass = view(
        "emp-agent",
        "cus-7",
        json!({"code": "break_glass", "reason": "police request"}),
    );
    let change =
        |id: &str, time: &str, attrs: Value| hr(id, "employee.change", "emp-agent", time, attrs);
    // (HR event, verdict for the in-scope view, for break-glass)
    let steps = [
        (None, Verdict::Allow, Verdict::Allow),
        (
            Some(change(
                "c1",
                "2026-05-03T09:00:00Z",
                json!({"status": "suspended"}),
            )),
            Verdict::Deny,
            Verdict::Deny,
        ),
        (
            Some(change(
                "c2",
                "2026-05-03T09:01:00Z",
                json!({"team": "cs-2"}),
            )),
            Verdict::Deny,
            Verdict::Deny,
        ),
        (
            Some(change(
                "c3",
                "2026-05-03T09:02:00Z",
                json!({"status": "active"}),
            )),
            Verdict::Allow,
            Verdict::Allow,
        ),
        (
            Some(hr(
                "l1",
                "employee.leave",
                "emp-agent",
                "2026-05-03T09:03:00Z",
                json!({"reason": "terminated"}),
            )),
            Verdict::Deny,
            Verdict::Deny,
        ),
        (
            Some(change(
                "c4",
                "2026-05-03T09:04:00Z",
                json!({"status": "active"}),
            )),
            Verdict::Deny,
            Verdict::Deny,
        ),
    ];
    for (n, (event, scoped, broken)) in steps.into_iter().enumerate() {
        if let Some(e) = event {
            w.add(&[e], None);
        }
        for (r, want) in [(&in_scope, scoped), (&glass, broken)] {
            let d = guard.decide_in(&mut w.store, r, now()).unwrap();
            assert_eq!(d.decision, want, "step {n}: {d:?}");
            if want == Verdict::Deny {
                assert_eq!(d.policies, vec!["employee-not-active"], "step {n}");
            }
        }
    }
}

#[test]
fn a_suspended_team_lead_approves_nothing() {
    let mut w = World::new(&[
        hire("h1", "emp-agent", "cs-agent", "cs-1"),
        hire("h2", "emp-lead", "team-lead", "cs-1"),
    ]);
    let guard = Guard::with_defaults(GuardConfig::default()).unwrap();
    let ask = req(
        json!({"actor": {"type": "employee", "id": "emp-agent"}, "action": "account.reactivate",
        "target": {"type": "seller", "id": "sel-1"}}),
    );
    let id = guard
        .decide_in(&mut w.store, &ask, now())
        .unwrap()
        .approval
        .unwrap()
        .id;
    w.add(
        &[hr(
            "c1",
            "employee.change",
            "emp-lead",
            "2026-05-03T09:00:00Z",
            json!({"status": "suspended"}),
        )],
        None,
    );
    match guard.settle(&mut w.store, &id, "emp-lead", true, None, now()) {
        Err(GuardError::NotEligible { policies, .. }) => {
            assert!(
                policies.contains(&"employee-not-active".to_owned()),
                "{policies:?}"
            )
        }
        other => panic!("{other:?}"),
    }
}

/// The book (warmed from the store, then fed events) must count the same
/// quota as scanning the store, request by request.
#[test]
fn the_disclosure_book_counts_what_the_store_scan_counts() {
    let mut base = vec![
        hire("h1", "emp-agent", "cs-agent", "cs-1"),
        hire("h2", "emp-other", "cs-agent", "cs-1"),
    ];
    base.extend(ticket("tkt-1", "cus-1", "emp-agent"));
    base.extend(ticket("tkt-2", "cus-2", "emp-other"));
    let seen = |i: usize, emp: &str, customer: &str, time: &str, purpose: Value| {
        json!({"id": format!("v{i}-{emp}"), "time": time, "actor": {"type": "employee", "id": emp},
            "action": "customer.view", "target": {"type": "customer", "id": customer}, "purpose": purpose})
    };
    // History before the guard starts: in scope, beyond scope (someone
    // else's ticket, break-glass), yesterday, and another employee.
    base.push(seen(
        0,
        "emp-agent",
        "cus-1",
        "2026-05-03T09:00:00Z",
        json!({"ticket": "tkt-1"}),
    ));
    base.push(seen(
        1,
        "emp-agent",
        "cus-2",
        "2026-05-03T09:10:00Z",
        json!({"ticket": "tkt-2"}),
    ));
    for i in 0..4 {
        base.push(seen(
            2 + i,
            "emp-agent",
            &format!("cus-g{i}"),
            "2026-05-03T08:00:00Z",
            json!({"code": "break_glass", "reason": "r"}),
        ));
    }
    base.push(seen(
        9,
        "emp-agent",
        "cus-y",
        "2026-05-01T09:00:00Z",
        json!({"code": "break_glass", "reason": "r"}),
    ));
    for i in 0..12 {
        base.push(seen(
            10 + i,
            "emp-other",
            &format!("cus-o{i}"),
            "2026-05-03T09:30:00Z",
            json!({"code": "break_glass", "reason": "r"}),
        ));
    }
    let mut scanned = World::new(&base);
    let mut booked = World::new(&base);
    let config = GuardConfig {
        hour_limit: 6,
        day_limit: 9,
        ..GuardConfig::default()
    };
    let scan_guard = Guard::with_defaults(config.clone()).unwrap();
    let book_guard = Guard::with_defaults(config).unwrap();
    assert_eq!(book_guard.warm_book(&booked.store, now()).unwrap(), 5 + 12);

    // After the start, events arrive through ingest too.
    let later = [
        seen(
            30,
            "emp-agent",
            "cus-l1",
            "2026-05-03T09:40:00Z",
            json!({"code": "break_glass", "reason": "r"}),
        ),
        seen(
            31,
            "emp-agent",
            "cus-1",
            "2026-05-03T09:41:00Z",
            json!({"ticket": "tkt-1"}),
        ),
    ];
    scanned.add(&later, None);
    booked.add(&later, Some(&book_guard));

    let glass = |c: &str| {
        view(
            "emp-agent",
            c,
            json!({"code": "break_glass", "reason": "r"}),
        )
    };
    let requests = [
        (
            "in scope adds nothing",
            view("emp-agent", "cus-1", json!({"ticket": "tkt-1"})),
        ),
        ("a customer seen today adds nobody", glass("cus-g0")),
        ("yesterday's customer is new today", glass("cus-y")),
        ("a new one", glass("cus-n1")),
        ("another new one", glass("cus-n2")),
        ("over the hour limit", glass("cus-n3")),
        (
            "another's quota is not mine",
            view("emp-other", "cus-2", json!({"ticket": "tkt-2"})),
        ),
        (
            "the other is over the hour",
            req(json!({"actor": {"type": "employee", "id": "emp-other"},
            "action": "customer.view", "target": {"type": "customer", "id": "cus-z"},
            "purpose": {"code": "break_glass", "reason": "r"}})),
        ),
    ];
    let mut verdicts = Vec::new();
    for (name, r) in &requests {
        let a = scan_guard.decide_in(&mut scanned.store, r, now()).unwrap();
        let b = book_guard.decide_in(&mut booked.store, r, now()).unwrap();
        assert_eq!(a.decision, b.decision, "{name}: scan {a:?} book {b:?}");
        assert_eq!(a.policies, b.policies, "{name}");
        // The scan learns of an allowed view only when its event arrives;
        // feed both the event the tool would now send.
        if a.decision == Verdict::Allow {
            let e = json!({"id": format!("t-{}", verdicts.len()), "time": "2026-05-03T09:59:00Z",
                "actor": r.actor, "action": "customer.view", "target": r.target, "purpose": r.purpose});
            scanned.add(std::slice::from_ref(&e), None);
            booked.add(&[e], Some(&book_guard));
        }
        verdicts.push(a.decision);
    }
    // Hour: cus-2 (09:10) and cus-l1 were in it, g0 (08:00) joins when
    // seen again, then cus-y, n1 and n2 make six, the limit; n3 is one
    // too many. emp-other saw twelve in the hour already.
    assert_eq!(
        verdicts,
        [
            Verdict::Allow,
            Verdict::Allow,
            Verdict::Allow,
            Verdict::Allow,
            Verdict::Allow,
            Verdict::Deny,
            Verdict::Allow,
            Verdict::Deny
        ]
    );
    // Two hours later the hour has room again but the day (nine) has not.
    let now = now().plus_millis(2 * 3_600_000);
    let a = scan_guard
        .decide_in(&mut scanned.store, &glass("cus-n4"), now)
        .unwrap();
    let b = book_guard
        .decide_in(&mut booked.store, &glass("cus-n4"), now)
        .unwrap();
    assert_eq!((a.decision, b.decision), (Verdict::Deny, Verdict::Deny));
    assert_eq!(b.policies, vec!["disclosure-quota"]);
}

/// Allowed requests count at once in the book, before their events
/// arrive: a burst cannot slip under the quota.
#[test]
fn the_book_counts_what_the_guard_allowed() {
    let mut w = World::new(&[hire("h1", "emp-agent", "cs-agent", "cs-1")]);
    let guard = Guard::with_defaults(GuardConfig {
        hour_limit: 3,
        day_limit: 5,
        ..GuardConfig::default()
    })
    .unwrap();
    guard.warm_book(&w.store, now()).unwrap();
    let verdicts: Vec<Verdict> = (0..5)
        .map(|i| {
            let r = view(
                "emp-agent",
                &format!("cus-{i}"),
                json!({"code": "break_glass", "reason": "r"}),
            );
            guard.decide_in(&mut w.store, &r, now()).unwrap().decision
        })
        .collect();
    assert_eq!(
        verdicts,
        [
            Verdict::Allow,
            Verdict::Allow,
            Verdict::Allow,
            Verdict::Deny,
            Verdict::Deny
        ]
    );
}

#[test]
fn approver_team_options() {
    let mut w = World::new(&[
        hire("h1", "emp-agent", "cs-agent", "cs-1"),
        hire("h2", "emp-lead-1", "team-lead", "cs-1"),
        hire("h3", "emp-lead-2", "team-lead", "cs-2"),
    ]);
    // (option, approver, may grant)
    let cases = [
        (ApproverTeam::Any, "emp-lead-1", true),
        (ApproverTeam::Any, "emp-lead-2", true),
        (ApproverTeam::Same, "emp-lead-1", true),
        (ApproverTeam::Same, "emp-lead-2", false),
        (ApproverTeam::Other, "emp-lead-1", false),
        (ApproverTeam::Other, "emp-lead-2", true),
    ];
    for (n, (team, approver, ok)) in cases.into_iter().enumerate() {
        let guard = Guard::with_defaults(GuardConfig {
            approver_team: team,
            ..GuardConfig::default()
        })
        .unwrap();
        let ask = req(
            json!({"actor": {"type": "employee", "id": "emp-agent"}, "action": "review.delete",
            "target": {"type": "review", "id": format!("rev-{n}")}}),
        );
        let id = guard
            .decide_in(&mut w.store, &ask, now())
            .unwrap()
            .approval
            .unwrap()
            .id;
        let settled = guard.settle(&mut w.store, &id, approver, true, None, now());
        assert_eq!(settled.is_ok(), ok, "{team:?} {approver}: {settled:?}");
        if ok {
            let mut used = ask.clone();
            used.purpose = Some(serde_json::from_value(json!({"approval": id})).unwrap());
            // Had the option changed between grant and use, the use is
            // checked again.
            let strict = Guard::with_defaults(GuardConfig {
                approver_team: if approver == "emp-lead-1" {
                    ApproverTeam::Other
                } else {
                    ApproverTeam::Same
                },
                ..GuardConfig::default()
            })
            .unwrap();
            let d = strict.decide_in(&mut w.store, &used, now()).unwrap();
            assert_eq!(d.decision, Verdict::Deny, "{d:?}");
            assert_eq!(d.policies, vec!["approval-approver-team"]);
            let d = guard.decide_in(&mut w.store, &used, now()).unwrap();
            assert_eq!(d.decision, Verdict::Allow, "{d:?}");
        } else {
            match settled {
                Err(GuardError::NotEligible { policies, .. }) => assert!(
                    policies.iter().any(|p| p.starts_with("approver-")),
                    "{policies:?}"
                ),
                other => panic!("{other:?}"),
            }
        }
    }
}

/// The fact cache answers from memory, and every committed change to an
/// employee or a ticket reaches the next decision: each step decides
/// first (so the cache holds the old fact), commits a change through
/// `observe` as the server's committer does, and decides again. A guard
/// without the cache, reading the store, must agree at every step.
#[test]
fn the_fact_cache_sees_each_change_at_the_next_decision() {
    let mut w = World::new(&[
        hire("h1", "emp-agent", "cs-agent", "cs-1"),
        hire("h2", "emp-lead", "team-lead", "cs-1"),
    ]);
    let [o1, a1] = ticket("tkt-1", "cus-1", "emp-agent");
    let [o2, a2] = ticket("tkt-2", "cus-2", "emp-lead");
    let [o3, a3] = ticket("tkt-3", "cus-3", "emp-new");
    w.add(&[o1, a1, o2, a2, o3, a3], None);
    let cached = Guard::with_defaults(GuardConfig::default()).unwrap();
    cached.warm_book(&w.store, now()).unwrap();
    assert_eq!(cached.warm_facts(&w.store).unwrap(), 2);
    let plain = Guard::with_defaults(GuardConfig::default()).unwrap();

    let on = |emp: &str, customer: &str, tkt: &str| {
        view(
            emp,
            customer,
            json!({"ticket": tkt, "code": "customer_request"}),
        )
    };
    let t = |id: &str, action: &str, actor: Value, target: Value, attrs: Value| {
        json!({"id": id, "time": "2026-05-03T09:00:00Z", "actor": actor,
            "action": action, "target": target, "attrs": attrs})
    };
    let tkt = |id: &str| json!({"type": "ticket", "id": id});
    let lead = json!({"type": "employee", "id": "emp-lead"});
    // (the change, the request, its verdict before, after)
    let steps = [
        (
            t("s1", "ticket.close", lead.clone(), tkt("tkt-1"), json!({})),
            on("emp-agent", "cus-1", "tkt-1"),
            Verdict::Allow,
            Verdict::Deny,
        ),
        // Assigned again after its close: open again.
        (
            json!({"id": "s1b", "time": "2026-05-03T09:30:00Z", "actor": lead.clone(),
                "action": "ticket.assign", "target": tkt("tkt-1"),
                "attrs": {"assignee": "emp-agent"}}),
            on("emp-agent", "cus-1", "tkt-1"),
            Verdict::Deny,
            Verdict::Allow,
        ),
        (
            t(
                "s2",
                "ticket.assign",
                lead.clone(),
                tkt("tkt-2"),
                json!({"assignee": "emp-agent"}),
            ),
            on("emp-agent", "cus-2", "tkt-2"),
            Verdict::Deny,
            Verdict::Allow,
        ),
        (
            hr(
                "s3",
                "employee.leave",
                "emp-agent",
                "2026-05-03T09:00:00Z",
                json!({}),
            ),
            on("emp-agent", "cus-2", "tkt-2"),
            Verdict::Allow,
            Verdict::Deny,
        ),
        // Unknown to the store, then seen acting with a role: the store
        // now knows them as active, and so must the cache.
        (
            json!({"id": "s4", "time": "2026-05-03T09:00:00Z",
                "actor": {"type": "employee", "id": "emp-new", "role": "cs-agent"},
                "action": "customer.view", "target": {"type": "customer", "id": "cus-9"},
                "fields": ["name"]}),
            on("emp-new", "cus-3", "tkt-3"),
            Verdict::Deny,
            Verdict::Allow,
        ),
    ];
    for (change, request, before, after) in steps {
        let id = change["id"].clone();
        for (guard, want) in [(&cached, before), (&plain, before)] {
            let d = guard.decide_in(&mut w.store, &request, now()).unwrap();
            assert_eq!(d.decision, want, "{id} before: {:?}", d.reasons);
        }
        w.add(&[change], Some(&cached));
        for (guard, want) in [(&cached, after), (&plain, after)] {
            let d = guard.decide_in(&mut w.store, &request, now()).unwrap();
            assert_eq!(d.decision, want, "{id} after: {:?}", d.reasons);
        }
    }

    // The cache is what answers: a change that bypasses `observe` is not
    // seen by the cached guard (which is why only a server that feeds it
    // every committed event turns it on), while the store sees it.
    let request = on("emp-lead", "cus-2", "tkt-2");
    let d = cached.decide_in(&mut w.store, &request, now()).unwrap();
    assert_eq!(d.decision, Verdict::Deny, "{:?}", d.reasons); // tkt-2 is emp-agent's now
    w.add(
        &[t(
            "s6",
            "ticket.assign",
            lead.clone(),
            tkt("tkt-2"),
            json!({"assignee": "emp-lead"}),
        )],
        None,
    );
    let stale = cached.decide_in(&mut w.store, &request, now()).unwrap();
    let fresh = plain.decide_in(&mut w.store, &request, now()).unwrap();
    assert_eq!(
        (stale.decision, fresh.decision),
        (Verdict::Deny, Verdict::Allow)
    );
}
