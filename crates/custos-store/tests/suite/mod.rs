//! The store test suite, written against `dyn Store` so that every backend
//! runs the same tests: a backend's test file implements [`Harness`] and
//! invokes `store_test_suite!(make_harness())`, in the manner of
//! Quickwit's `metastore_test_suite!`.

#![allow(clippy::unwrap_used)]

use custos_core::canonical::event_entry;
use custos_core::{parse_event, DataField, Event, Timestamp};
use custos_store::{
    derive_rows, AccountStatus, AggregateBatch, AlertFilter, AlertRow, EmployeeDay, EmployeeStatus,
    EventRows, FactUpdate, FieldSet, LedgerHead, Progress, SellerSignal, Store, StoreError,
    TicketStatus, TimeWindow,
};

/// What a backend provides to the suite.
pub trait Harness {
    fn store(&mut self) -> &mut dyn Store;
    /// Closes the store and opens it again on the same data.
    fn reopen(&mut self);
    /// Runs one SQL statement around the store, as an attacker with
    /// database access would. Statements use only table and column names
    /// (and SQL) that every backend shares.
    fn execute_raw(&mut self, sql: &str);
    /// Empties the store, as if freshly created.
    fn wipe(&mut self);
}

/// Expands to one `#[test]` per suite function, each with a fresh harness
/// from `$make`, an `Option`: `None` skips the test (a server that is not
/// there, outside CI; the harness has said why).
#[macro_export]
macro_rules! store_test_suite {
    ($make:expr) => {
        $crate::store_test_suite!(@each $make;
            round_trip_of_every_action,
            disclosures_of_bulk_and_order_views,
            denied_and_failed_disclose_nothing_and_change_no_fact,
            review_created_deleted_restored,
            ticket_opened_assigned_closed,
            ticket_facts_of_one_batch_change_only_their_columns,
            employee_hired_changed_left,
            employee_suspended_then_reinstated,
            employee_learned_from_own_events_until_hr_speaks,
            account_banned_then_reactivated,
            customer_seller_relations_both_ways,
            honeytokens_are_remembered,
            events_by_employee_in_windows,
            events_by_seller_in_windows,
            disclosures_by_employee_and_customer_in_windows,
            batches_must_be_gapless,
            failed_batch_writes_nothing,
            disclosures_must_sit_at_their_event,
            duplicate_id_is_refused,
            lookup_ids_finds_stored_ids,
            reopened_store_has_the_same_data,
            scan_rows_equals_derive_rows,
            raw_edits_make_scan_rows_differ,
            alerts_upsert_and_filter,
            state_keeps_bytes,
            aggregates_merge_and_read_by_day,
            disclosure_volume_counts_records_per_utc_day,
        );
    };
    (@each $make:expr; $($name:ident),+ $(,)?) => {
        $(
            #[test]
            fn $name() {
                let Some(mut harness) = $make else { return };
                suite::$name(&mut harness);
            }
        )+
    };
}

pub fn ev(json: &str) -> Event {
    match parse_event(json) {
        Ok(e) => e,
        Err(r) => panic!("test event does not parse: {r}\n{json}"),
    }
}

fn ts(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

fn head(size: u64) -> LedgerHead {
    LedgerHead {
        size,
        root_hash: format!("{size:064x}"),
    }
}

/// The rows of `events` at ledger indexes from `start`.
pub fn rows_from(start: u64, events: &[Event]) -> Vec<EventRows> {
    events
        .iter()
        .enumerate()
        .map(|(i, e)| derive_rows(start + i as u64, e, &event_entry(e)))
        .collect()
}

/// Indexes JSON events as the next batch.
pub fn index(store: &mut dyn Store, lines: &[String]) -> Vec<EventRows> {
    let events: Vec<Event> = lines.iter().map(|l| ev(l)).collect();
    let start = store.ledger_size().unwrap();
    let rows = rows_from(start, &events);
    store
        .index_batch(&rows, &head(start + rows.len() as u64))
        .unwrap();
    rows
}

/// An employee event; `rest` continues the JSON object after `action`.
fn emp(id: &str, time: &str, employee: &str, action: &str, rest: &str) -> String {
    format!(
        r#"{{"id":"{id}","time":"{time}","actor":{{"type":"employee","id":"{employee}","role":"cs-agent","team":"cs-1","site":"SZX"}},"action":"{action}"{rest}}}"#
    )
}

/// An event by a non-employee actor of type `kind`.
fn by(kind: &str, id: &str, time: &str, actor: &str, action: &str, rest: &str) -> String {
    format!(
        r#"{{"id":"{id}","time":"{time}","actor":{{"type":"{kind}","id":"{actor}"}},"action":"{action}"{rest}}}"#
    )
}

const T0: &str = "2026-05-03T09:00:00.000Z";

/// One event of every action kind, valid under the contract.
pub fn every_action() -> Vec<String> {
    vec![
        emp(
            "a1",
            T0,
            "emp-1",
            "customer.view",
            r#","target":{"type":"customer","id":"cus-1"},"fields":["name","email"],"purpose":{"ticket":"tkt-1","code":"customer_request"},"attrs":{"tool":"cs-console"}"#,
        ),
        emp(
            "a2",
            T0,
            "emp-1",
            "customer.search",
            r#","targets":["cus-1","cus-2"],"fields":["name"],"attrs":{"query":"smith"}"#,
        ),
        emp(
            "a3",
            T0,
            "emp-1",
            "customer.export",
            r#","targets":["cus-3"],"fields":["address","phone"],"attrs":{"format":"csv"}"#,
        ),
        emp(
            "a4",
            T0,
            "emp-1",
            "order.view",
            r#","target":{"type":"order","id":"ord-1"},"attrs":{"customer":"cus-4","seller":"sel-1"}"#,
        ),
        emp(
            "a5",
            T0,
            "emp-2",
            "review.delete",
            r#","target":{"type":"review","id":"rev-1"},"attrs":{"reason":"spam"}"#,
        ),
        emp(
            "a6",
            T0,
            "emp-2",
            "review.restore",
            r#","target":{"type":"review","id":"rev-1"}"#,
        ),
        emp(
            "a7",
            T0,
            "emp-2",
            "account.suspend",
            r#","target":{"type":"seller","id":"sel-2"},"attrs":{"reason":"fraud"}"#,
        ),
        emp(
            "a8",
            T0,
            "emp-2",
            "account.reactivate",
            r#","target":{"type":"seller","id":"sel-2"},"attrs":{"appeal":"tkt-9"}"#,
        ),
        emp(
            "a9",
            T0,
            "emp-2",
            "ticket.assign",
            r#","target":{"type":"ticket","id":"tkt-1"}"#,
        ),
        emp(
            "a10",
            T0,
            "emp-2",
            "auth.login",
            r#","attrs":{"ip":"10.0.0.1","device":"laptop"}"#,
        ),
        by(
            "customer",
            "a11",
            T0,
            "cus-5",
            "review.create",
            r#","target":{"type":"review","id":"rev-2"},"attrs":{"seller":"sel-1","product":"prd-1","rating":2}"#,
        ),
        by(
            "customer",
            "a12",
            T0,
            "cus-5",
            "order.create",
            r#","target":{"type":"order","id":"ord-2"},"attrs":{"seller":"sel-1","product":"prd-1"}"#,
        ),
        by(
            "customer",
            "a13",
            T0,
            "cus-5",
            "ticket.open",
            r#","target":{"type":"ticket","id":"tkt-2"},"attrs":{"kind":"order_issue","customer":"cus-5","seller":"sel-1"}"#,
        ),
        by(
            "system",
            "a14",
            T0,
            "sys",
            "ticket.close",
            r#","target":{"type":"ticket","id":"tkt-2"},"attrs":{"resolution":"refunded"}"#,
        ),
        by(
            "system",
            "a15",
            T0,
            "sys",
            "account.ban",
            r#","target":{"type":"customer","id":"cus-6"},"attrs":{"reason":"policy"}"#,
        ),
        by(
            "system",
            "a16",
            T0,
            "hr",
            "employee.hire",
            r#","target":{"type":"employee","id":"emp-3"},"attrs":{"role":"moderator","team":"mod-1","site":"DUB"}"#,
        ),
        by(
            "system",
            "a17",
            T0,
            "hr",
            "employee.change",
            r#","target":{"type":"employee","id":"emp-3"},"attrs":{"team":"mod-2"}"#,
        ),
        by(
            "system",
            "a18",
            T0,
            "hr",
            "employee.leave",
            r#","target":{"type":"employee","id":"emp-3"},"attrs":{"reason":"resigned"}"#,
        ),
        by(
            "system",
            "a19",
            T0,
            "guard",
            "guard.decide",
            r#","attrs":{"decision":"deny"}"#,
        ),
        by(
            "system",
            "a20",
            T0,
            "sys",
            "honeytoken.plant",
            r#","target":{"type":"customer","id":"cus-decoy"}"#,
        ),
        by(
            "employee",
            "a21",
            T0,
            "emp-9",
            "custos.access",
            r#","attrs":{"page":"alerts"}"#,
        ),
        by(
            "seller",
            "a22",
            T0,
            "sel-3",
            "x.seller.note",
            r#","attrs":{"text":"hello"}"#,
        ),
    ]
}

pub fn round_trip_of_every_action(h: &mut dyn Harness) {
    let s = h.store();
    assert_eq!(s.ledger_size().unwrap(), 0);
    assert_eq!(s.ledger_head().unwrap(), None);
    let lines = every_action();
    let rows = index(s, &lines);
    assert_eq!(s.ledger_size().unwrap(), lines.len() as u64);
    assert_eq!(s.ledger_head().unwrap(), Some(head(lines.len() as u64)));
    let stored = s.scan_rows(0..lines.len() as u64).unwrap();
    assert_eq!(stored.len(), rows.len());
    for (derived, stored) in rows.iter().zip(&stored) {
        assert_eq!(derived, stored, "at index {}", derived.index());
        let by_id = s.event(&derived.event.id).unwrap().unwrap();
        assert_eq!(by_id, derived.event);
        // The entry read back is the event's canonical JSON.
        let again = ev(std::str::from_utf8(&by_id.entry).unwrap());
        assert_eq!(event_entry(&again), by_id.entry);
    }
    let order_view = s.event("a4").unwrap().unwrap();
    assert_eq!(order_view.seller.as_deref(), Some("sel-1"));
    assert_eq!(order_view.employee(), Some("emp-1"));
    let suspend = s.event("a7").unwrap().unwrap();
    assert_eq!(suspend.seller.as_deref(), Some("sel-2"));
    let custom = s.event("a22").unwrap().unwrap();
    assert_eq!(custom.seller.as_deref(), Some("sel-3"));
    assert_eq!(custom.action, "x.seller.note");
    assert_eq!(s.event("nope").unwrap(), None);
}

pub fn disclosures_of_bulk_and_order_views(h: &mut dyn Harness) {
    let s = h.store();
    index(
        s,
        &[
            emp(
                "d1",
                T0,
                "emp-1",
                "customer.export",
                r#","targets":["cus-1","cus-2","cus-1","cus-3"],"fields":["name","address"],"purpose":{"ticket":"tkt-7","code":"legal"}"#,
            ),
            emp(
                "d2",
                T0,
                "emp-1",
                "order.view",
                r#","target":{"type":"order","id":"ord-1"},"attrs":{"customer":"cus-4","seller":"sel-1"}"#,
            ),
            emp(
                "d3",
                T0,
                "emp-1",
                "customer.view",
                r#","target":{"type":"customer","id":"cus-5"}"#,
            ),
        ],
    );
    let d = s.disclosures_by_employee("emp-1", TimeWindow::ALL).unwrap();
    let who: Vec<(u64, u32, &str)> = d
        .iter()
        .map(|d| (d.index, d.position, d.customer.as_str()))
        .collect();
    assert_eq!(
        who,
        [
            (0, 0, "cus-1"),
            (0, 1, "cus-2"),
            (0, 2, "cus-3"),
            (1, 0, "cus-4"),
            (2, 0, "cus-5")
        ]
    );
    assert_eq!(
        d[0].fields,
        FieldSet::of(&[DataField::Name, DataField::Address])
    );
    assert!(d[0].fields.contains(DataField::Address));
    assert!(!d[0].fields.contains(DataField::Email));
    assert_eq!(d[0].purpose_ticket.as_deref(), Some("tkt-7"));
    assert_eq!(d[0].purpose_code.as_deref(), Some("legal"));
    assert_eq!(d[0].action, "customer.export");
    assert!(d[4].fields.is_empty());
    assert_eq!(d[4].purpose_ticket, None);
}

pub fn denied_and_failed_disclose_nothing_and_change_no_fact(h: &mut dyn Harness) {
    let s = h.store();
    index(
        s,
        &[
            by(
                "customer",
                "r1",
                T0,
                "cus-1",
                "review.create",
                r#","target":{"type":"review","id":"rev-1"},"attrs":{"seller":"sel-1","rating":1}"#,
            ),
            emp(
                "v1",
                T0,
                "emp-1",
                "customer.view",
                r#","target":{"type":"customer","id":"cus-1"},"outcome":"denied""#,
            ),
            emp(
                "v2",
                T0,
                "emp-1",
                "customer.search",
                r#","targets":["cus-2"],"outcome":"failed""#,
            ),
            emp(
                "v3",
                T0,
                "emp-1",
                "review.delete",
                r#","target":{"type":"review","id":"rev-1"},"outcome":"denied""#,
            ),
        ],
    );
    assert!(s
        .disclosures_by_employee("emp-1", TimeWindow::ALL)
        .unwrap()
        .is_empty());
    assert_eq!(s.event("v1").unwrap().unwrap().outcome, "denied");
    assert_eq!(s.review("rev-1").unwrap().unwrap().deleted, None);
    // The actor's own statement of role still counts.
    assert_eq!(
        s.employee("emp-1").unwrap().unwrap().role.as_deref(),
        Some("cs-agent")
    );
}

pub fn review_created_deleted_restored(h: &mut dyn Harness) {
    let s = h.store();
    index(
        s,
        &[by(
            "customer",
            "r1",
            "2026-05-01T10:00:00Z",
            "cus-1",
            "review.create",
            r#","target":{"type":"review","id":"rev-1"},"attrs":{"seller":"sel-1","product":"prd-1","rating":1}"#,
        )],
    );
    let r = s.review("rev-1").unwrap().unwrap();
    assert_eq!(r.customer.as_deref(), Some("cus-1"));
    assert_eq!(r.seller.as_deref(), Some("sel-1"));
    assert_eq!(r.product.as_deref(), Some("prd-1"));
    assert_eq!(r.rating, Some(1));
    assert_eq!(r.created, Some(ts("2026-05-01T10:00:00Z")));
    assert_eq!(r.deleted, None);

    index(
        s,
        &[emp(
            "r2",
            "2026-05-02T10:00:00Z",
            "emp-7",
            "review.delete",
            r#","target":{"type":"review","id":"rev-1"},"attrs":{"reason":"abuse"}"#,
        )],
    );
    let d = s.review("rev-1").unwrap().unwrap().deleted.unwrap();
    assert_eq!(d.by, "emp-7");
    assert_eq!(d.reason.as_deref(), Some("abuse"));
    assert_eq!(d.time, ts("2026-05-02T10:00:00Z"));
    // Creation facts survive the deletion.
    assert_eq!(s.review("rev-1").unwrap().unwrap().rating, Some(1));

    index(
        s,
        &[emp(
            "r3",
            "2026-05-03T10:00:00Z",
            "emp-8",
            "review.restore",
            r#","target":{"type":"review","id":"rev-1"}"#,
        )],
    );
    let r = s.review("rev-1").unwrap().unwrap();
    assert_eq!(r.deleted, None);
    assert_eq!(r.customer.as_deref(), Some("cus-1"));
    assert_eq!(s.review("rev-404").unwrap(), None);

    // A deletion of a review never seen created is still recorded.
    index(
        s,
        &[emp(
            "r4",
            "2026-05-03T11:00:00Z",
            "emp-7",
            "review.delete",
            r#","target":{"type":"review","id":"rev-2"}"#,
        )],
    );
    let r = s.review("rev-2").unwrap().unwrap();
    assert_eq!(r.customer, None);
    assert_eq!(r.deleted.unwrap().by, "emp-7");
}

pub fn ticket_opened_assigned_closed(h: &mut dyn Harness) {
    let s = h.store();
    index(
        s,
        &[by(
            "customer",
            "t1",
            "2026-05-01T10:00:00Z",
            "cus-1",
            "ticket.open",
            r#","target":{"type":"ticket","id":"tkt-1"},"attrs":{"kind":"order_issue","customer":"cus-1","seller":"sel-1"}"#,
        )],
    );
    let t = s.ticket("tkt-1").unwrap().unwrap();
    assert_eq!(t.status(), TicketStatus::Open);
    assert_eq!(t.opened, Some(ts("2026-05-01T10:00:00Z")));
    assert_eq!(t.opener.as_deref(), Some("cus-1"));
    assert_eq!(t.customer.as_deref(), Some("cus-1"));
    assert_eq!(t.seller.as_deref(), Some("sel-1"));
    assert_eq!(t.kind.as_deref(), Some("order_issue"));
    assert_eq!(t.assignee, None);

    index(
        s,
        &[
            emp(
                "t2",
                "2026-05-01T11:00:00Z",
                "emp-1",
                "ticket.assign",
                r#","target":{"type":"ticket","id":"tkt-1"}"#,
            ),
            emp(
                "t3",
                "2026-05-01T12:00:00Z",
                "emp-lead",
                "ticket.assign",
                r#","target":{"type":"ticket","id":"tkt-1"},"attrs":{"assignee":"emp-2"}"#,
            ),
        ],
    );
    let t = s.ticket("tkt-1").unwrap().unwrap();
    assert_eq!(t.assignee.as_deref(), Some("emp-2"));
    assert_eq!(t.assigned_by.as_deref(), Some("emp-lead"));
    assert_eq!(t.assigned, Some(ts("2026-05-01T12:00:00Z")));
    assert_eq!(t.status(), TicketStatus::Open);

    index(
        s,
        &[emp(
            "t4",
            "2026-05-02T09:00:00Z",
            "emp-2",
            "ticket.close",
            r#","target":{"type":"ticket","id":"tkt-1"},"attrs":{"resolution":"refunded"}"#,
        )],
    );
    let t = s.ticket("tkt-1").unwrap().unwrap();
    assert_eq!(t.status(), TicketStatus::Closed);
    assert_eq!(t.closed, Some(ts("2026-05-02T09:00:00Z")));
    assert_eq!(t.closed_by.as_deref(), Some("emp-2"));
    assert_eq!(t.resolution.as_deref(), Some("refunded"));
    assert_eq!(t.kind.as_deref(), Some("order_issue"));
    assert_eq!(s.ticket("tkt-404").unwrap(), None);

    // Assigned again days after its close (an investigator picks the case
    // up): open again, until closed again.
    let assign = emp(
        "t5",
        "2026-05-05T09:00:00Z",
        "emp-3",
        "ticket.assign",
        r#","target":{"type":"ticket","id":"tkt-1"}"#,
    );
    index(s, &[assign]);
    let t = s.ticket("tkt-1").unwrap().unwrap();
    assert_eq!(t.status(), TicketStatus::Open);
    assert_eq!(t.assignee.as_deref(), Some("emp-3"));
    let close = emp(
        "t6",
        "2026-05-05T10:00:00Z",
        "emp-3",
        "ticket.close",
        r#","target":{"type":"ticket","id":"tkt-1"}"#,
    );
    index(s, &[close]);
    assert_eq!(
        s.ticket("tkt-1").unwrap().unwrap().status(),
        TicketStatus::Closed
    );
}

/// One batch that closes, opens and assigns a ticket (in that ledger
/// order), then one that opens it again without a customer: each kind of
/// fact sets only its own columns, to the last value given.
pub fn ticket_facts_of_one_batch_change_only_their_columns(h: &mut dyn Harness) {
    let s = h.store();
    let open = |id: &str, time: &str, attrs: &str| {
        by(
            "customer",
            id,
            time,
            "cus-1",
            "ticket.open",
            &format!(r#","target":{{"type":"ticket","id":"tkt-7"}},"attrs":{attrs}"#),
        )
    };
    index(
        s,
        &[
            emp(
                "u1",
                "2026-05-01T09:00:00Z",
                "emp-3",
                "ticket.close",
                r#","target":{"type":"ticket","id":"tkt-7"},"attrs":{"resolution":"duplicate"}"#,
            ),
            open(
                "u2",
                "2026-05-01T10:00:00Z",
                r#"{"kind":"account","customer":"cus-1","seller":"sel-1"}"#,
            ),
            emp(
                "u3",
                "2026-05-01T11:00:00Z",
                "emp-1",
                "ticket.assign",
                r#","target":{"type":"ticket","id":"tkt-7"}"#,
            ),
        ],
    );
    let t = s.ticket("tkt-7").unwrap().unwrap();
    assert_eq!(t.opened, Some(ts("2026-05-01T10:00:00Z")));
    assert_eq!(t.customer.as_deref(), Some("cus-1"));
    assert_eq!(t.assignee.as_deref(), Some("emp-1"));
    assert_eq!(t.closed, Some(ts("2026-05-01T09:00:00Z")));
    assert_eq!(t.resolution.as_deref(), Some("duplicate"));

    index(
        s,
        &[open("u4", "2026-05-02T10:00:00Z", r#"{"kind":"appeal"}"#)],
    );
    let t = s.ticket("tkt-7").unwrap().unwrap();
    assert_eq!(t.opened, Some(ts("2026-05-02T10:00:00Z")));
    assert_eq!(t.kind.as_deref(), Some("appeal"));
    assert_eq!(t.customer, None);
    assert_eq!(t.seller, None);
    assert_eq!(t.assignee.as_deref(), Some("emp-1"));
    assert_eq!(t.assigned_by.as_deref(), Some("emp-1"));
    assert_eq!(t.closed_by.as_deref(), Some("emp-3"));
    assert_eq!(t.resolution.as_deref(), Some("duplicate"));
}

pub fn employee_suspended_then_reinstated(h: &mut dyn Harness) {
    let s = h.store();
    let change = |id: &str, time: &str, attrs: &str| {
        by(
            "system",
            id,
            time,
            "hr",
            "employee.change",
            &format!(r#","target":{{"type":"employee","id":"emp-5"}},"attrs":{attrs}"#),
        )
    };
    let status = |s: &mut dyn Store| s.employee("emp-5").unwrap().unwrap().status;
    // (event, status after it): a plain change keeps a suspension, a
    // leaver cannot be suspended back to life, an unknown value is ignored.
    let steps = [
        (
            change(
                "s1",
                "2025-01-01T00:00:00Z",
                r#"{"status":"suspended","role":"cs-agent"}"#,
            ),
            EmployeeStatus::Suspended,
        ),
        (
            change("s2", "2025-01-02T00:00:00Z", r#"{"team":"cs-2"}"#),
            EmployeeStatus::Suspended,
        ),
        (
            change("s3", "2025-01-03T00:00:00Z", r#"{"status":"on-fire"}"#),
            EmployeeStatus::Suspended,
        ),
        (
            change("s4", "2025-01-04T00:00:00Z", r#"{"status":"active"}"#),
            EmployeeStatus::Active,
        ),
        (
            change("s5", "2025-01-05T00:00:00Z", r#"{"status":"left"}"#),
            EmployeeStatus::Active,
        ),
        (
            by(
                "system",
                "s6",
                "2025-01-06T00:00:00Z",
                "hr",
                "employee.leave",
                r#","target":{"type":"employee","id":"emp-5"},"attrs":{"reason":"terminated"}"#,
            ),
            EmployeeStatus::Left,
        ),
        (
            change("s7", "2025-01-07T00:00:00Z", r#"{"status":"suspended"}"#),
            EmployeeStatus::Left,
        ),
        (
            change("s8", "2025-01-08T00:00:00Z", r#"{"status":"active"}"#),
            EmployeeStatus::Left,
        ),
    ];
    for (n, (event, want)) in steps.into_iter().enumerate() {
        index(s, &[event]);
        assert_eq!(status(s), want, "after step {}", n + 1);
    }
    let e = s.employee("emp-5").unwrap().unwrap();
    assert_eq!(
        (e.role.as_deref(), e.team.as_deref()),
        (Some("cs-agent"), Some("cs-2"))
    );
}

pub fn employee_hired_changed_left(h: &mut dyn Harness) {
    let s = h.store();
    index(
        s,
        &[by(
            "system",
            "e1",
            "2025-01-01T00:00:00Z",
            "hr",
            "employee.hire",
            r#","target":{"type":"employee","id":"emp-3"},"attrs":{"role":"cs-agent","team":"cs-1","site":"SZX"}"#,
        )],
    );
    let e = s.employee("emp-3").unwrap().unwrap();
    assert_eq!(
        (e.role.as_deref(), e.team.as_deref(), e.site.as_deref()),
        (Some("cs-agent"), Some("cs-1"), Some("SZX"))
    );
    assert_eq!(e.status, EmployeeStatus::Active);
    assert_eq!(e.hired, Some(ts("2025-01-01T00:00:00Z")));
    assert!(e.from_hr);

    index(
        s,
        &[by(
            "system",
            "e2",
            "2025-06-01T00:00:00Z",
            "hr",
            "employee.change",
            r#","target":{"type":"employee","id":"emp-3"},"attrs":{"role":"team-lead"}"#,
        )],
    );
    let e = s.employee("emp-3").unwrap().unwrap();
    assert_eq!(
        (e.role.as_deref(), e.team.as_deref(), e.site.as_deref()),
        (Some("team-lead"), Some("cs-1"), Some("SZX"))
    );

    index(
        s,
        &[by(
            "system",
            "e3",
            "2026-01-01T00:00:00Z",
            "hr",
            "employee.leave",
            r#","target":{"type":"employee","id":"emp-3"},"attrs":{"reason":"terminated"}"#,
        )],
    );
    let e = s.employee("emp-3").unwrap().unwrap();
    assert_eq!(e.status, EmployeeStatus::Left);
    assert_eq!(e.left, Some(ts("2026-01-01T00:00:00Z")));
    assert_eq!(e.leave_reason.as_deref(), Some("terminated"));
    assert_eq!(e.role.as_deref(), Some("team-lead"));
    assert_eq!(e.hired, Some(ts("2025-01-01T00:00:00Z")));
    assert_eq!(s.employee("emp-404").unwrap(), None);
}

pub fn employee_learned_from_own_events_until_hr_speaks(h: &mut dyn Harness) {
    let s = h.store();
    let login = |id: &str, time: &str, team: &str| {
        format!(
            r#"{{"id":"{id}","time":"{time}","actor":{{"type":"employee","id":"emp-5","role":"cs-agent","team":"{team}"}},"action":"auth.login"}}"#
        )
    };
    index(s, &[login("l1", "2026-01-01T00:00:00Z", "cs-1")]);
    index(s, &[login("l2", "2026-01-02T00:00:00Z", "cs-1")]);
    let e = s.employee("emp-5").unwrap().unwrap();
    assert!(!e.from_hr);
    assert_eq!(e.team.as_deref(), Some("cs-1"));
    assert_eq!(e.site, None);
    assert_eq!(e.first_seen, ts("2026-01-01T00:00:00Z"));
    assert_eq!(e.hired, None);

    index(s, &[login("l3", "2026-01-03T00:00:00Z", "cs-2")]);
    assert_eq!(
        s.employee("emp-5").unwrap().unwrap().team.as_deref(),
        Some("cs-2")
    );

    index(
        s,
        &[
            by(
                "system",
                "h1",
                "2026-01-04T00:00:00Z",
                "hr",
                "employee.change",
                r#","target":{"type":"employee","id":"emp-5"},"attrs":{"team":"cs-9","site":"DUB"}"#,
            ),
            login("l4", "2026-01-05T00:00:00Z", "cs-1"),
        ],
    );
    let e = s.employee("emp-5").unwrap().unwrap();
    assert!(e.from_hr);
    assert_eq!(
        e.team.as_deref(),
        Some("cs-9"),
        "HR facts win over actor claims"
    );
    assert_eq!(e.site.as_deref(), Some("DUB"));
    assert_eq!(e.role.as_deref(), Some("cs-agent"));

    let all: Vec<String> = s.employees().unwrap().into_iter().map(|e| e.id).collect();
    assert_eq!(all, ["emp-5"]);
}

pub fn account_banned_then_reactivated(h: &mut dyn Harness) {
    let s = h.store();
    index(
        s,
        &[by(
            "system",
            "b1",
            "2026-02-01T00:00:00Z",
            "sys",
            "account.ban",
            r#","target":{"type":"seller","id":"sel-1"},"attrs":{"reason":"counterfeit"}"#,
        )],
    );
    let a = s.account("sel-1").unwrap().unwrap();
    assert_eq!(a.kind, "seller");
    assert_eq!(a.status, AccountStatus::Banned);
    let r = a.restriction.unwrap();
    assert_eq!(r.status, AccountStatus::Banned);
    assert_eq!(r.reason.as_deref(), Some("counterfeit"));
    assert_eq!(r.by, "sys");
    assert_eq!(r.time, ts("2026-02-01T00:00:00Z"));
    assert_eq!(a.reactivation, None);

    index(
        s,
        &[emp(
            "b2",
            "2026-02-03T00:00:00Z",
            "emp-4",
            "account.reactivate",
            r#","target":{"type":"seller","id":"sel-1"},"attrs":{"appeal":"tkt-77"}"#,
        )],
    );
    let a = s.account("sel-1").unwrap().unwrap();
    assert_eq!(a.status, AccountStatus::Active);
    let re = a.reactivation.unwrap();
    assert_eq!(re.by, "emp-4");
    assert_eq!(re.appeal.as_deref(), Some("tkt-77"));
    assert_eq!(re.time, ts("2026-02-03T00:00:00Z"));
    // The undone ban stays visible.
    assert_eq!(a.restriction.unwrap().status, AccountStatus::Banned);

    index(
        s,
        &[emp(
            "b3",
            "2026-02-04T00:00:00Z",
            "emp-4",
            "account.suspend",
            r#","target":{"type":"customer","id":"cus-1"}"#,
        )],
    );
    let a = s.account("cus-1").unwrap().unwrap();
    assert_eq!(
        (a.kind.as_str(), a.status),
        ("customer", AccountStatus::Suspended)
    );
    assert_eq!(a.restriction.unwrap().reason, None);
    assert_eq!(s.account("sel-404").unwrap(), None);
}

pub fn customer_seller_relations_both_ways(h: &mut dyn Harness) {
    let s = h.store();
    let review = |id: &str, t: &str, cus: &str, sel: &str, rating: u8| {
        by(
            "customer",
            id,
            t,
            cus,
            "review.create",
            &format!(
                r#","target":{{"type":"review","id":"rev-{id}"}},"attrs":{{"seller":"{sel}","rating":{rating}}}"#
            ),
        )
    };
    let order = |id: &str, t: &str, cus: &str, sel: &str| {
        by(
            "customer",
            id,
            t,
            cus,
            "order.create",
            &format!(
                r#","target":{{"type":"order","id":"ord-{id}"}},"attrs":{{"seller":"{sel}","product":"prd-1"}}"#
            ),
        )
    };
    index(
        s,
        &[
            order("o1", "2026-01-01T00:00:00Z", "cus-1", "sel-1"),
            review("v1", "2026-01-05T00:00:00Z", "cus-1", "sel-1", 4),
            review("v2", "2026-01-06T00:00:00Z", "cus-1", "sel-1", 2),
            review("v3", "2026-01-07T00:00:00Z", "cus-1", "sel-1", 5),
            order("o2", "2026-01-02T00:00:00Z", "cus-2", "sel-1"),
            review("v4", "2026-01-03T00:00:00Z", "cus-1", "sel-2", 3),
        ],
    );
    let of_seller = s.customers_of_seller("sel-1").unwrap();
    assert_eq!(of_seller.len(), 2);
    let c1 = &of_seller[0];
    assert_eq!(
        (c1.customer.as_str(), c1.seller.as_str()),
        ("cus-1", "sel-1")
    );
    assert_eq!((c1.reviews, c1.orders, c1.min_rating), (3, 1, Some(2)));
    assert_eq!(c1.first, ts("2026-01-01T00:00:00Z"));
    assert_eq!(c1.last, ts("2026-01-07T00:00:00Z"));
    let c2 = &of_seller[1];
    assert_eq!(
        (c2.customer.as_str(), c2.reviews, c2.orders, c2.min_rating),
        ("cus-2", 0, 1, None)
    );
    let sellers: Vec<(String, u64)> = s
        .sellers_of_customer("cus-1")
        .unwrap()
        .into_iter()
        .map(|r| (r.seller, r.reviews))
        .collect();
    assert_eq!(sellers, [("sel-1".to_owned(), 3), ("sel-2".to_owned(), 1)]);
    assert!(s.customers_of_seller("sel-404").unwrap().is_empty());
    let o = s.order("ord-o2").unwrap().unwrap();
    assert_eq!(
        (
            o.customer.as_str(),
            o.seller.as_deref(),
            o.product.as_deref()
        ),
        ("cus-2", Some("sel-1"), Some("prd-1"))
    );
    assert_eq!(o.time, ts("2026-01-02T00:00:00Z"));
}

pub fn honeytokens_are_remembered(h: &mut dyn Harness) {
    let s = h.store();
    assert!(!s.is_honeytoken("cus-decoy").unwrap());
    index(
        s,
        &[
            by(
                "system",
                "p1",
                T0,
                "sys",
                "honeytoken.plant",
                r#","target":{"type":"customer","id":"cus-decoy"}"#,
            ),
            by(
                "system",
                "p2",
                T0,
                "sys",
                "honeytoken.plant",
                r#","target":{"type":"customer","id":"cus-decoy"}"#,
            ),
        ],
    );
    assert!(s.is_honeytoken("cus-decoy").unwrap());
    assert!(!s.is_honeytoken("cus-1").unwrap());
}

fn views(employee: &str, customer: &str, hours: &[u32]) -> Vec<String> {
    hours
        .iter()
        .map(|h| {
            emp(
                &format!("{employee}-{customer}-{h}"),
                &format!("2026-05-03T{h:02}:00:00Z"),
                employee,
                "customer.view",
                &format!(r#","target":{{"type":"customer","id":"{customer}"}},"fields":["email"]"#),
            )
        })
        .collect()
}

pub fn events_by_employee_in_windows(h: &mut dyn Harness) {
    let s = h.store();
    let mut lines = views("emp-1", "cus-1", &[1, 3, 5, 7]);
    lines.extend(views("emp-2", "cus-1", &[2, 4]));
    index(s, &lines);
    let ids =
        |rows: Vec<custos_store::EventRow>| rows.into_iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(
        ids(s.events_by_employee("emp-1", TimeWindow::ALL, 100).unwrap()),
        [
            "emp-1-cus-1-1",
            "emp-1-cus-1-3",
            "emp-1-cus-1-5",
            "emp-1-cus-1-7"
        ]
    );
    let w = TimeWindow::new(ts("2026-05-03T03:00:00Z"), ts("2026-05-03T07:00:00Z"));
    assert_eq!(
        ids(s.events_by_employee("emp-1", w, 100).unwrap()),
        ["emp-1-cus-1-3", "emp-1-cus-1-5"],
        "from is inclusive, to exclusive"
    );
    assert_eq!(
        ids(s.events_by_employee("emp-1", TimeWindow::ALL, 2).unwrap()),
        ["emp-1-cus-1-1", "emp-1-cus-1-3"]
    );
    assert_eq!(
        ids(s
            .events_by_employee("emp-1", TimeWindow::since(ts("2026-05-03T06:00:00Z")), 100)
            .unwrap()),
        ["emp-1-cus-1-7"]
    );
    assert!(s
        .events_by_employee("emp-3", TimeWindow::ALL, 100)
        .unwrap()
        .is_empty());
    // A customer's own event is not an employee's.
    index(
        s,
        &[by(
            "customer",
            "c1",
            T0,
            "emp-1",
            "order.create",
            r#","target":{"type":"order","id":"o-1"},"attrs":{"seller":"sel-1"}"#,
        )],
    );
    assert_eq!(
        s.events_by_employee("emp-1", TimeWindow::ALL, 100)
            .unwrap()
            .len(),
        4
    );
}

pub fn events_by_seller_in_windows(h: &mut dyn Harness) {
    let s = h.store();
    index(
        s,
        &[
            emp(
                "s1",
                "2026-05-01T00:00:00Z",
                "emp-1",
                "order.view",
                r#","target":{"type":"order","id":"o-1"},"attrs":{"customer":"cus-1","seller":"sel-1"}"#,
            ),
            emp(
                "s2",
                "2026-05-02T00:00:00Z",
                "emp-1",
                "account.reactivate",
                r#","target":{"type":"seller","id":"sel-1"}"#,
            ),
            by(
                "seller",
                "s3",
                "2026-05-03T00:00:00Z",
                "sel-1",
                "ticket.open",
                r#","target":{"type":"ticket","id":"t-1"},"attrs":{"kind":"appeal"}"#,
            ),
            by(
                "customer",
                "s4",
                "2026-05-04T00:00:00Z",
                "cus-2",
                "review.create",
                r#","target":{"type":"review","id":"r-1"},"attrs":{"seller":"sel-2","rating":5}"#,
            ),
            emp(
                "s5",
                "2026-05-05T00:00:00Z",
                "emp-1",
                "customer.view",
                r#","target":{"type":"customer","id":"cus-1"}"#,
            ),
        ],
    );
    let ids: Vec<String> = s
        .events_by_seller("sel-1", TimeWindow::ALL, 10)
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids, ["s1", "s2", "s3"]);
    let w = TimeWindow::until(ts("2026-05-02T00:00:00Z"));
    assert_eq!(s.events_by_seller("sel-1", w, 10).unwrap().len(), 1);
    assert_eq!(
        s.events_by_seller("sel-2", TimeWindow::ALL, 10).unwrap()[0].id,
        "s4"
    );
}

pub fn disclosures_by_employee_and_customer_in_windows(h: &mut dyn Harness) {
    let s = h.store();
    let mut lines = views("emp-1", "cus-1", &[1, 3]);
    lines.extend(views("emp-1", "cus-2", &[2]));
    lines.extend(views("emp-2", "cus-1", &[4]));
    index(s, &lines);
    let by_emp = s.disclosures_by_employee("emp-1", TimeWindow::ALL).unwrap();
    let seen: Vec<(&str, u64)> = by_emp
        .iter()
        .map(|d| (d.customer.as_str(), d.index))
        .collect();
    assert_eq!(seen, [("cus-1", 0), ("cus-2", 2), ("cus-1", 1)]);
    let by_cus = s.disclosures_by_customer("cus-1", TimeWindow::ALL).unwrap();
    let who: Vec<(&str, Timestamp)> = by_cus
        .iter()
        .map(|d| (d.employee.as_str(), d.time))
        .collect();
    assert_eq!(
        who,
        [
            ("emp-1", ts("2026-05-03T01:00:00Z")),
            ("emp-1", ts("2026-05-03T03:00:00Z")),
            ("emp-2", ts("2026-05-03T04:00:00Z"))
        ]
    );
    let w = TimeWindow::new(ts("2026-05-03T02:00:00Z"), ts("2026-05-03T04:00:00Z"));
    assert_eq!(s.disclosures_by_customer("cus-1", w).unwrap().len(), 1);
    assert_eq!(s.disclosures_by_employee("emp-1", w).unwrap().len(), 2);
    assert!(s
        .disclosures_by_customer("cus-3", TimeWindow::ALL)
        .unwrap()
        .is_empty());
}

pub fn disclosure_volume_counts_records_per_utc_day(h: &mut dyn Harness) {
    let s = h.store();
    // Two batches on 2026-05-03, one the next day: the counters add up.
    let mut lines = views("emp-1", "cus-1", &[1, 3]);
    lines.extend(views("emp-1", "cus-2", &[2]));
    index(s, &lines);
    index(s, &views("emp-2", "cus-1", &[23]));
    index(
        s,
        &[emp(
            "next-day",
            "2026-05-04T00:00:00Z",
            "emp-1",
            "customer.view",
            r#","target":{"type":"customer","id":"cus-1"},"fields":["email"]"#,
        )],
    );
    let day = custos_store::day_of(ts("2026-05-03T12:00:00Z"));
    let all = s
        .disclosure_volume(
            &["emp-1", "emp-3"],
            custos_store::days_touched(TimeWindow::ALL),
        )
        .unwrap();
    assert_eq!(all.total, 5);
    assert_eq!(all.employees, 2);
    assert_eq!(all.by_employee["emp-1"], 4);
    assert_eq!(all.by_employee["emp-3"], 0);
    let first = s
        .disclosure_volume(&["emp-1", "emp-2"], day..day + 1)
        .unwrap();
    assert_eq!((first.total, first.employees), (4, 2));
    assert_eq!(first.by_employee["emp-1"], 3);
    assert_eq!(first.by_employee["emp-2"], 1);
    let second = s.disclosure_volume(&["emp-2"], day + 1..day + 2).unwrap();
    assert_eq!((second.total, second.employees), (1, 1));
    assert_eq!(second.by_employee["emp-2"], 0);
    // The same numbers as counting the disclosures themselves.
    let w = custos_store::window_of_days(&(day..day + 1));
    let counted = s.disclosures_by_employee("emp-1", w).unwrap().len() as u64;
    assert_eq!(counted, first.by_employee["emp-1"]);
    assert!(s.disclosure_volume(&[], day + 5..day + 9).unwrap() == Default::default());
}

pub fn batches_must_be_gapless(h: &mut dyn Harness) {
    let s = h.store();
    let events: Vec<Event> = views("emp-1", "cus-1", &[1, 2, 3, 4])
        .iter()
        .map(|l| ev(l))
        .collect();
    let at_one = rows_from(1, &events[..1]);
    assert!(matches!(
        s.index_batch(&at_one, &head(2)),
        Err(StoreError::Gap {
            expected: 0,
            got: 1
        })
    ));
    let ok = rows_from(0, &events[..2]);
    s.index_batch(&ok, &head(2)).unwrap();
    // Replaying what is stored is a gap too: the store never rewrites.
    assert!(matches!(
        s.index_batch(&ok, &head(2)),
        Err(StoreError::Gap {
            expected: 2,
            got: 0
        })
    ));
    let mut holey = rows_from(2, &events[2..4]);
    holey[1] = rows_from(4, &events[3..4]).remove(0);
    let err = s.index_batch(&holey, &head(4)).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NotContiguous {
                previous: 2,
                got: 4
            }
        ),
        "{err}"
    );
    let next = rows_from(2, &events[2..4]);
    assert!(matches!(
        s.index_batch(&next, &head(5)),
        Err(StoreError::HeadMismatch {
            head: 5,
            expected: 4
        })
    ));
    assert_eq!(s.ledger_size().unwrap(), 2);
    s.index_batch(&next, &head(4)).unwrap();
    assert_eq!(s.ledger_size().unwrap(), 4);
    // An empty batch may restate the head but not move it.
    s.index_batch(&[], &head(4)).unwrap();
    assert!(s.index_batch(&[], &head(5)).is_err());
    assert_eq!(s.ledger_head().unwrap(), Some(head(4)));
}

pub fn failed_batch_writes_nothing(h: &mut dyn Harness) {
    let s = h.store();
    index(s, &views("emp-1", "cus-1", &[1]));
    let events: Vec<Event> = [
        emp(
            "ok-1",
            T0,
            "emp-2",
            "customer.view",
            r#","target":{"type":"customer","id":"cus-9"}"#,
        ),
        by(
            "customer",
            "ok-2",
            T0,
            "cus-9",
            "review.create",
            r#","target":{"type":"review","id":"rev-9"},"attrs":{"seller":"sel-9","rating":1}"#,
        ),
        // Same id as the event already stored.
        emp("emp-1-cus-1-1", T0, "emp-2", "auth.login", ""),
    ]
    .iter()
    .map(|l| ev(l))
    .collect();
    let rows = rows_from(1, &events);
    assert!(s.index_batch(&rows, &head(4)).is_err());
    assert_eq!(s.ledger_size().unwrap(), 1);
    assert_eq!(s.ledger_head().unwrap(), Some(head(1)));
    assert_eq!(s.event("ok-1").unwrap(), None);
    assert_eq!(s.review("rev-9").unwrap(), None);
    assert!(s.customers_of_seller("sel-9").unwrap().is_empty());
    assert!(s
        .disclosures_by_customer("cus-9", TimeWindow::ALL)
        .unwrap()
        .is_empty());
    assert_eq!(s.employee("emp-2").unwrap(), None);
    assert_eq!(s.scan_rows(0..10).unwrap().len(), 1);
}

pub fn disclosures_must_sit_at_their_event(h: &mut dyn Harness) {
    let s = h.store();
    let mut rows = rows_from(0, &[ev(&views("emp-1", "cus-1", &[1])[0])]);
    rows[0].disclosures[0].index = 5;
    assert!(matches!(
        s.index_batch(&rows, &head(1)),
        Err(StoreError::MisplacedDisclosure { index: 0, names: 5 })
    ));
    assert_eq!(s.ledger_size().unwrap(), 0);
}

pub fn duplicate_id_is_refused(h: &mut dyn Harness) {
    let s = h.store();
    let line = views("emp-1", "cus-1", &[1]).remove(0);
    index(s, std::slice::from_ref(&line));
    let rows = rows_from(1, &[ev(&line)]);
    match s.index_batch(&rows, &head(2)) {
        Err(StoreError::DuplicateId(id)) => assert_eq!(id, "emp-1-cus-1-1"),
        other => panic!("expected a duplicate id error, got {other:?}"),
    }
    // Twice within one batch as well.
    let events = [
        ev(&views("emp-1", "cus-2", &[2])[0]),
        ev(&views("emp-1", "cus-2", &[2])[0]),
    ];
    assert!(matches!(
        s.index_batch(&rows_from(1, &events), &head(3)),
        Err(StoreError::DuplicateId(_))
    ));
    assert_eq!(s.ledger_size().unwrap(), 1);
}

pub fn lookup_ids_finds_stored_ids(h: &mut dyn Harness) {
    let s = h.store();
    let lines: Vec<String> = (0..3000)
        .map(|i| {
            emp(
                &format!("id-{i:05}"),
                T0,
                "emp-1",
                "customer.view",
                &format!(r#","target":{{"type":"customer","id":"cus-{i}"}}"#),
            )
        })
        .collect();
    let rows = index(s, &lines);
    let wanted: Vec<String> = (0..6000).step_by(2).map(|i| format!("id-{i:05}")).collect();
    let wanted: Vec<&str> = wanted.iter().map(String::as_str).collect();
    let found = s.lookup_ids(&wanted).unwrap();
    assert_eq!(found.len(), 1500);
    for i in (0..3000).step_by(2) {
        let seen = found[&format!("id-{i:05}")];
        assert_eq!(seen.index, i as u64);
        assert_eq!(seen.leaf_hash, rows[i].event.leaf_hash);
    }
    assert!(!found.contains_key("id-03000"));
    assert!(s.lookup_ids(&[]).unwrap().is_empty());
    // Ids are any non-empty string: quotes, backslashes, control
    // characters, non-ASCII, number-like text.
    let odd = [r#"q\"uote\\back\tslash\u0001é"#, "1e3", "[]"];
    let lines: Vec<String> = odd
        .iter()
        .map(|id| emp(id, T0, "emp-1", "auth.login", ""))
        .collect();
    let rows = index(s, &lines);
    let ids: Vec<&str> = rows.iter().map(|r| r.event.id.as_str()).collect();
    assert_eq!(ids[0], "q\"uote\\back\tslash\u{1}é");
    let found = s.lookup_ids(&ids).unwrap();
    assert_eq!(found.len(), 3);
    assert_eq!(found[ids[0]].index, 3000);
    assert_eq!(found["1e3"].index, 3001);
}

pub fn reopened_store_has_the_same_data(h: &mut dyn Harness) {
    let lines = every_action();
    let rows = index(h.store(), &lines);
    h.store()
        .put_alert(&alert(
            "alr-1",
            "2026-05-03T10:00:00Z",
            "emp-1",
            "honeytoken",
            99.0,
        ))
        .unwrap();
    h.store()
        .put_state("detector/x", b"\x00\x01snapshot")
        .unwrap();
    h.reopen();
    let s = h.store();
    assert_eq!(s.ledger_size().unwrap(), rows.len() as u64);
    assert_eq!(s.ledger_head().unwrap(), Some(head(rows.len() as u64)));
    let stored = s.scan_rows(0..rows.len() as u64).unwrap();
    assert_eq!(rows, stored);
    assert!(s.is_honeytoken("cus-decoy").unwrap());
    assert_eq!(
        s.account("sel-2").unwrap().unwrap().status,
        AccountStatus::Active
    );
    assert_eq!(s.alerts(&AlertFilter::default()).unwrap().len(), 1);
    assert_eq!(
        s.get_state("detector/x").unwrap().as_deref(),
        Some(&b"\x00\x01snapshot"[..])
    );
    // And indexing continues where it stopped.
    index(s, &views("emp-1", "cus-1", &[1]));
    assert_eq!(s.ledger_size().unwrap(), rows.len() as u64 + 1);
}

pub fn scan_rows_equals_derive_rows(h: &mut dyn Harness) {
    let s = h.store();
    let mut all = index(s, &every_action());
    all.extend(index(s, &views("emp-1", "cus-1", &[1, 2, 3])));
    all.extend(index(
        s,
        &[emp(
            "x1",
            T0,
            "emp-1",
            "customer.search",
            r#","targets":["cus-1","cus-2","cus-1"],"fields":["name","phone"]"#,
        )],
    ));
    let n = all.len() as u64;
    assert_eq!(s.scan_rows(0..n).unwrap(), all);
    assert_eq!(s.scan_rows(5..9).unwrap(), all[5..9]);
    assert_eq!(s.scan_rows(n - 1..n + 10).unwrap(), all[all.len() - 1..]);
    assert!(s.scan_rows(n..n + 10).unwrap().is_empty());
    assert!(s.scan_rows(3..3).unwrap().is_empty());
    assert!(s.scan_rows(u64::MAX - 1..u64::MAX).unwrap().is_empty());
    // The facts a row carries are not part of the comparison.
    let mut without_facts = all[10].clone();
    assert!(!without_facts.facts.is_empty());
    without_facts.facts.clear();
    assert_eq!(without_facts, s.scan_rows(10..11).unwrap()[0]);
    assert!(matches!(
        all[10].facts[..],
        [FactUpdate::ReviewCreated { .. }]
    ));
}

/// Each statement alters the store; afterwards scan_rows must differ from
/// derive_rows.
pub fn raw_edits_make_scan_rows_differ(h: &mut dyn Harness) {
    let tampers = [
        "UPDATE events SET seller = 'sel-evil' WHERE id = 'a4'",
        "UPDATE events SET time = time + 1 WHERE id = 'a1'",
        "UPDATE events SET actor_id = 'emp-other' WHERE id = 'a1'",
        "UPDATE events SET entry = substr(entry, 2) WHERE id = 'a5'",
        "DELETE FROM events WHERE id = 'a10'",
        "UPDATE disclosures SET customer = 'cus-other' WHERE customer = 'cus-2'",
        "UPDATE disclosures SET employee = 'emp-other' WHERE customer = 'cus-3'",
        "UPDATE disclosures SET fields = 0 WHERE customer = 'cus-1'",
        "DELETE FROM disclosures WHERE customer = 'cus-4'",
        "UPDATE disclosures SET purpose_ticket = NULL WHERE customer = 'cus-1'",
    ];
    for (i, sql) in tampers.iter().enumerate() {
        if i > 0 {
            // A fresh store for each tamper: start from a clean copy.
            h.wipe();
        }
        let rows = index(h.store(), &every_action());
        let n = rows.len() as u64;
        assert_eq!(h.store().scan_rows(0..n).unwrap(), rows, "before `{sql}`");
        h.execute_raw(sql);
        // An error reading the rows would be noticed as well.
        if let Ok(stored) = h.store().scan_rows(0..n) {
            assert_ne!(stored, rows, "`{sql}` went unnoticed");
        }
    }
}

fn alert(id: &str, time: &str, employee: &str, detector: &str, score: f64) -> AlertRow {
    AlertRow {
        id: id.to_owned(),
        time: ts(time),
        employee: employee.to_owned(),
        detector: detector.to_owned(),
        severity: "high".to_owned(),
        score,
        json: format!(r#"{{"id":"{id}"}}"#),
    }
}

pub fn alerts_upsert_and_filter(h: &mut dyn Harness) {
    let s = h.store();
    s.put_alert(&alert(
        "a1",
        "2026-05-03T10:00:00Z",
        "emp-1",
        "seller_affinity",
        50.0,
    ))
    .unwrap();
    s.put_alert(&alert(
        "a2",
        "2026-05-03T09:00:00Z",
        "emp-2",
        "honeytoken",
        90.0,
    ))
    .unwrap();
    s.put_alert(&alert(
        "a3",
        "2026-05-03T11:00:00Z",
        "emp-1",
        "honeytoken",
        70.0,
    ))
    .unwrap();
    let mut changed = alert(
        "a1",
        "2026-05-03T10:00:00Z",
        "emp-1",
        "seller_affinity",
        80.5,
    );
    changed.severity = "critical".to_owned();
    let late = alert("a4", "2026-05-03T12:00:00Z", "emp-3", "quota", 10.0);
    s.put_alerts(&[changed.clone(), late]).unwrap();

    let all = s.alerts(&AlertFilter::default()).unwrap();
    let ids: Vec<&str> = all.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["a2", "a1", "a3", "a4"]);
    assert_eq!(all[1], changed);
    let f = AlertFilter {
        employee: Some("emp-1".into()),
        ..AlertFilter::default()
    };
    assert_eq!(s.alerts(&f).unwrap().len(), 2);
    let f = AlertFilter {
        detector: Some("honeytoken".into()),
        limit: Some(1),
        ..AlertFilter::default()
    };
    assert_eq!(s.alerts(&f).unwrap()[0].id, "a2");
    let f = AlertFilter {
        window: TimeWindow::new(ts("2026-05-03T10:00:00Z"), ts("2026-05-03T12:00:00Z")),
        ..AlertFilter::default()
    };
    assert_eq!(s.alerts(&f).unwrap().len(), 2);
}

pub fn state_keeps_bytes(h: &mut dyn Harness) {
    let s = h.store();
    assert_eq!(s.get_state("k").unwrap(), None);
    s.put_state("k", &[0, 1, 2, 255]).unwrap();
    assert_eq!(s.get_state("k").unwrap(), Some(vec![0, 1, 2, 255]));
    s.put_state("k", b"").unwrap();
    assert_eq!(s.get_state("k").unwrap(), Some(vec![]));
    // A prefix lists its keys only, in byte order, `%` and `_` literal.
    for key in [
        "token/b", "token/a", "tokens", "token", "t%ken/x", "token/_",
    ] {
        s.put_state(key, key.as_bytes()).unwrap();
    }
    let keys = |p: &str| -> Vec<String> {
        s.states_with_prefix(p)
            .unwrap()
            .into_iter()
            .map(|(k, v)| {
                assert_eq!(k.as_bytes(), v);
                k
            })
            .collect()
    };
    assert_eq!(keys("token/"), ["token/_", "token/a", "token/b"]);
    assert_eq!(keys("t%"), ["t%ken/x"]);
    assert!(keys("nothing/").is_empty());
}

fn employee_day(employee: &str, day: i64, customers: u32) -> EmployeeDay {
    EmployeeDay {
        employee: employee.into(),
        day,
        peer_group: "cs-agent".into(),
        customers,
        searches: 2,
        exported: 0,
    }
}

fn signal(day: i64, strong: bool, log10_p: f64, event: &str) -> SellerSignal {
    SellerSignal {
        seller: "sel-1".into(),
        employee: "emp-1".into(),
        kind: "data_access".into(),
        day,
        strong,
        log10_p,
        event: event.into(),
    }
}

pub fn aggregates_merge_and_read_by_day(h: &mut dyn Harness) {
    let s = h.store();
    let empty = s.aggregates(0..i64::MAX).unwrap();
    assert!(empty.days.is_empty() && empty.signals.is_empty() && empty.progress.is_empty());
    let progress = |day| {
        Some(Progress {
            day,
            employees: 10,
            sellers: 3,
        })
    };
    s.put_aggregates(&AggregateBatch {
        days: vec![employee_day("emp-1", 100, 5), employee_day("emp-2", 101, 7)],
        signals: vec![signal(100, false, -2.0, "ev-1")],
        progress: progress(100),
    })
    .unwrap();
    // A replay, then more of day 100: the day is replaced, the signal
    // merges (strong if either, the smaller p, the first event), and
    // progress does not go back.
    s.put_aggregates(&AggregateBatch {
        days: vec![employee_day("emp-1", 100, 9)],
        signals: vec![
            signal(100, true, -1.0, "ev-2"),
            signal(100, false, -3.0, "ev-3"),
        ],
        progress: progress(99),
    })
    .unwrap();
    h.reopen();
    let a = h.store().aggregates(100..101).unwrap();
    let ledger = a.progress[0].0.clone();
    assert_eq!(
        a.days,
        vec![(ledger.clone(), employee_day("emp-1", 100, 9))]
    );
    assert_eq!(
        a.signals,
        vec![(ledger.clone(), signal(100, true, -3.0, "ev-1"))]
    );
    assert_eq!(a.progress, vec![(ledger, progress(100).unwrap())]);
    assert_eq!(h.store().aggregates(101..200).unwrap().days.len(), 1);
    assert!(h.store().aggregates(0..100).unwrap().signals.is_empty());
}
