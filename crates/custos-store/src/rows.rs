//! What the store writes for one event, derived only from the event.
//!
//! [`derive_rows`] is a pure function: indexing calls it to know what to
//! write, and verification calls it again on the ledger's entries to
//! check that the stored rows are exactly what the ledger implies. Any
//! column computed here must therefore depend on nothing but the event,
//! its ledger index and its entry bytes (never on earlier events or on
//! the store's state).

use crate::model::EmployeeStatus;
use custos_core::{Action, ActorType, DataField, Event, Outcome, TargetType, Timestamp};
use sha2::{Digest, Sha256};
use std::collections::HashSet;

/// The RFC 6962 leaf hash of a ledger entry: `SHA-256(0x00 ‖ entry)`.
pub fn leaf_hash(entry: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(entry);
    h.finalize().into()
}

/// Everything the store writes for one event: its event row, one
/// disclosure row per customer whose data it disclosed, and the updates
/// it makes to the reference facts.
#[derive(Clone, Debug, PartialEq)]
pub struct EventRows {
    pub event: EventRow,
    pub disclosures: Vec<DisclosureRow>,
    pub facts: Vec<FactUpdate>,
}

/// The per-event rows as read back from a store by `Store::scan_rows`:
/// the event row (absent when a disclosure row names a ledger index that
/// has no event row) and its disclosure rows. Fact updates are not part of
/// it: they are folded into shared state tables and cannot be read back
/// per event.
///
/// `EventRows == StoredRows` compares exactly what [`derive_rows`] would
/// have written with what is stored.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredRows {
    pub event: Option<EventRow>,
    pub disclosures: Vec<DisclosureRow>,
}

impl StoredRows {
    /// The ledger index these rows sit at.
    pub fn index(&self) -> u64 {
        match (&self.event, self.disclosures.first()) {
            (Some(e), _) => e.index,
            (None, Some(d)) => d.index,
            (None, None) => 0,
        }
    }
}

impl EventRows {
    pub fn index(&self) -> u64 {
        self.event.index
    }

    pub fn event_id(&self) -> &str {
        &self.event.id
    }
}

impl PartialEq<StoredRows> for EventRows {
    fn eq(&self, other: &StoredRows) -> bool {
        other.event.as_ref() == Some(&self.event) && other.disclosures == self.disclosures
    }
}

impl PartialEq<EventRows> for StoredRows {
    fn eq(&self, other: &EventRows) -> bool {
        other == self
    }
}

/// One row of the `events` table. Enumerated values (actor type, action,
/// outcome, ...) are kept as their wire strings so that a row read back
/// from a tampered store is still representable and comparable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventRow {
    /// Position of the event's entry in the ledger, from 0.
    pub index: u64,
    pub id: String,
    pub time: Timestamp,
    pub actor_type: String,
    pub actor_id: String,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    /// The seller the event concerns: `attrs.seller`, else the target when
    /// it is a seller, else the actor when it is a seller.
    pub seller: Option<String>,
    /// The effective outcome (`allowed` when the event has none).
    pub outcome: String,
    pub purpose_ticket: Option<String>,
    pub purpose_code: Option<String>,
    pub leaf_hash: [u8; 32],
    /// The ledger entry: the event's canonical JSON.
    pub entry: Vec<u8>,
}

impl EventRow {
    /// The employee who acted, if an employee did.
    pub fn employee(&self) -> Option<&str> {
        (self.actor_type == ActorType::Employee.as_str()).then_some(self.actor_id.as_str())
    }
}

/// One customer record disclosed to an employee by one event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisclosureRow {
    /// Ledger index of the disclosing event.
    pub index: u64,
    /// Position of the customer among the event's distinct disclosed
    /// customers, from 0.
    pub position: u32,
    pub customer: String,
    pub employee: String,
    pub time: Timestamp,
    pub action: String,
    pub fields: FieldSet,
    pub purpose_ticket: Option<String>,
    pub purpose_code: Option<String>,
}

/// A set of [`DataField`]s, one bit each in the order of `DataField::ALL`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct FieldSet(pub u8);

impl FieldSet {
    pub fn of(fields: &[DataField]) -> FieldSet {
        FieldSet(fields.iter().fold(0u8, |acc, f| acc | Self::bit(*f)))
    }

    fn bit(f: DataField) -> u8 {
        let pos = DataField::ALL.iter().position(|x| *x == f).unwrap_or(0);
        1u8 << pos
    }

    pub fn contains(self, f: DataField) -> bool {
        self.0 & Self::bit(f) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn union(self, other: FieldSet) -> FieldSet {
        FieldSet(self.0 | other.0)
    }

    /// The fields in the set, in the order of `DataField::ALL`.
    pub fn iter(self) -> impl Iterator<Item = DataField> {
        DataField::ALL
            .iter()
            .copied()
            .filter(move |f| self.contains(*f))
    }
}

/// A change to the reference facts, applied in ledger order.
///
/// Only events whose outcome is `allowed` change facts (a denied review
/// deletion deleted nothing), except [`FactUpdate::EmployeeSeen`]: an
/// actor's role, team and site are known whatever the outcome.
#[derive(Clone, Debug, PartialEq)]
pub enum FactUpdate {
    ReviewCreated {
        review: String,
        customer: String,
        seller: Option<String>,
        product: Option<String>,
        rating: Option<i64>,
        time: Timestamp,
    },
    ReviewDeleted {
        review: String,
        by: String,
        reason: Option<String>,
        time: Timestamp,
    },
    ReviewRestored {
        review: String,
    },
    OrderCreated {
        order: String,
        customer: String,
        seller: Option<String>,
        product: Option<String>,
        time: Timestamp,
    },
    TicketOpened {
        ticket: String,
        opener: String,
        customer: Option<String>,
        seller: Option<String>,
        kind: Option<String>,
        time: Timestamp,
    },
    TicketAssigned {
        ticket: String,
        assignee: String,
        by: String,
        time: Timestamp,
    },
    TicketClosed {
        ticket: String,
        by: String,
        resolution: Option<String>,
        time: Timestamp,
    },
    /// `account.ban` (status `banned`) or `account.suspend` (`suspended`).
    AccountRestricted {
        account: String,
        kind: String,
        status: AccountStatus,
        reason: Option<String>,
        by: String,
        time: Timestamp,
    },
    AccountReactivated {
        account: String,
        kind: String,
        by: String,
        appeal: Option<String>,
        time: Timestamp,
    },
    EmployeeHired {
        employee: String,
        role: Option<String>,
        team: Option<String>,
        site: Option<String>,
        time: Timestamp,
    },
    EmployeeChanged {
        employee: String,
        role: Option<String>,
        team: Option<String>,
        site: Option<String>,
        /// `attrs.status`: `suspended` or `active` (lifting a suspension);
        /// other values change nothing, and a leaver stays left.
        status: Option<EmployeeStatus>,
        time: Timestamp,
    },
    EmployeeLeft {
        employee: String,
        reason: Option<String>,
        time: Timestamp,
    },
    /// Role, team and site as an employee actor's own event states them;
    /// used only while no HR fact exists for that employee.
    EmployeeSeen {
        employee: String,
        role: Option<String>,
        team: Option<String>,
        site: Option<String>,
        time: Timestamp,
    },
    HoneytokenPlanted {
        customer: String,
        time: Timestamp,
    },
}

/// The standing of a seller or customer account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccountStatus {
    Active,
    Suspended,
    Banned,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::Suspended => "suspended",
            AccountStatus::Banned => "banned",
        }
    }

    pub fn parse(s: &str) -> Option<AccountStatus> {
        match s {
            "active" => Some(AccountStatus::Active),
            "suspended" => Some(AccountStatus::Suspended),
            "banned" => Some(AccountStatus::Banned),
            _ => None,
        }
    }
}

fn owned(s: Option<&str>) -> Option<String> {
    s.map(str::to_owned)
}

/// Derives every row the store writes for the event at ledger `index`
/// whose ledger entry is `entry`.
pub fn derive_rows(index: u64, event: &Event, entry: &[u8]) -> EventRows {
    derive_rows_hashed(index, event, entry, leaf_hash(entry))
}

/// [`derive_rows`] for a caller that already holds the entry's leaf hash
/// (ingest computes it once, to recognise duplicates), so the hot path
/// does not hash the entry again.
pub fn derive_rows_hashed(
    index: u64,
    event: &Event,
    entry: &[u8],
    leaf_hash: [u8; 32],
) -> EventRows {
    let purpose_ticket = event.purpose.as_ref().and_then(|p| p.ticket.clone());
    let purpose_code = event
        .purpose
        .as_ref()
        .and_then(|p| p.code)
        .map(|c| c.as_str().to_owned());
    let seller = event
        .attr_str("seller")
        .or_else(|| event.target_id(TargetType::Seller))
        .or_else(|| (event.actor.kind == ActorType::Seller).then_some(event.actor.id.as_str()));
    let row = EventRow {
        index,
        id: event.id.0.clone(),
        time: event.time,
        actor_type: event.actor.kind.as_str().to_owned(),
        actor_id: event.actor.id.clone(),
        action: event.action.as_str().to_owned(),
        target_type: event.target.as_ref().map(|t| t.kind.as_str().to_owned()),
        target_id: event.target.as_ref().map(|t| t.id.clone()),
        seller: owned(seller),
        outcome: event.outcome().as_str().to_owned(),
        purpose_ticket,
        purpose_code,
        leaf_hash,
        entry: entry.to_vec(),
    };
    let disclosures = derive_disclosures(&row, event);
    let facts = derive_facts(event);
    EventRows {
        event: row,
        disclosures,
        facts,
    }
}

fn derive_disclosures(row: &EventRow, event: &Event) -> Vec<DisclosureRow> {
    let customers = event.disclosed_customers();
    if customers.is_empty() {
        return Vec::new();
    }
    let fields = FieldSet::of(event.fields.as_deref().unwrap_or(&[]));
    // A bulk action may list a customer twice; one record was disclosed.
    let several = customers.len() > 1;
    let mut seen: HashSet<&str> = HashSet::new();
    let mut out = Vec::with_capacity(customers.len());
    for customer in customers {
        if several && !seen.insert(customer) {
            continue;
        }
        out.push(DisclosureRow {
            index: row.index,
            position: out.len() as u32,
            customer: customer.to_owned(),
            employee: row.actor_id.clone(),
            time: row.time,
            action: row.action.clone(),
            fields,
            purpose_ticket: row.purpose_ticket.clone(),
            purpose_code: row.purpose_code.clone(),
        });
    }
    out
}

fn derive_facts(e: &Event) -> Vec<FactUpdate> {
    let mut facts = Vec::new();
    if e.actor.kind == ActorType::Employee
        && (e.actor.role.is_some() || e.actor.team.is_some() || e.actor.site.is_some())
    {
        facts.push(FactUpdate::EmployeeSeen {
            employee: e.actor.id.clone(),
            role: e.actor.role.clone(),
            team: e.actor.team.clone(),
            site: e.actor.site.clone(),
            time: e.time,
        });
    }
    if e.outcome() != Outcome::Allowed {
        return facts;
    }
    let target = e.target.as_ref().map(|t| t.id.clone());
    let target_kind = e.target.as_ref().map(|t| t.kind.as_str().to_owned());
    let actor = || e.actor.id.clone();
    let attr = |k: &str| owned(e.attr_str(k));
    let time = e.time;
    let fact = match (&e.action, target) {
        (Action::ReviewCreate, Some(review)) => FactUpdate::ReviewCreated {
            review,
            customer: actor(),
            seller: attr("seller"),
            product: attr("product"),
            rating: e.attr_f64("rating").map(|r| r as i64),
            time,
        },
        (Action::ReviewDelete, Some(review)) => FactUpdate::ReviewDeleted {
            review,
            by: actor(),
            reason: attr("reason"),
            time,
        },
        (Action::ReviewRestore, Some(review)) => FactUpdate::ReviewRestored { review },
        (Action::OrderCreate, Some(order)) => FactUpdate::OrderCreated {
            order,
            customer: actor(),
            seller: attr("seller"),
            product: attr("product"),
            time,
        },
        (Action::TicketOpen, Some(ticket)) => FactUpdate::TicketOpened {
            ticket,
            opener: actor(),
            customer: attr("customer"),
            seller: attr("seller"),
            kind: attr("kind"),
            time,
        },
        (Action::TicketAssign, Some(ticket)) => FactUpdate::TicketAssigned {
            ticket,
            assignee: attr("assignee")
                .or_else(|| attr("employee"))
                .unwrap_or_else(actor),
            by: actor(),
            time,
        },
        (Action::TicketClose, Some(ticket)) => FactUpdate::TicketClosed {
            ticket,
            by: actor(),
            resolution: attr("resolution"),
            time,
        },
        (Action::AccountBan | Action::AccountSuspend, Some(account)) => {
            FactUpdate::AccountRestricted {
                account,
                kind: target_kind.unwrap_or_default(),
                status: if e.action == Action::AccountBan {
                    AccountStatus::Banned
                } else {
                    AccountStatus::Suspended
                },
                reason: attr("reason"),
                by: actor(),
                time,
            }
        }
        (Action::AccountReactivate, Some(account)) => FactUpdate::AccountReactivated {
            account,
            kind: target_kind.unwrap_or_default(),
            by: actor(),
            appeal: attr("appeal"),
            time,
        },
        (Action::EmployeeHire, Some(employee)) => FactUpdate::EmployeeHired {
            employee,
            role: attr("role"),
            team: attr("team"),
            site: attr("site"),
            time,
        },
        (Action::EmployeeChange, Some(employee)) => FactUpdate::EmployeeChanged {
            employee,
            role: attr("role"),
            team: attr("team"),
            site: attr("site"),
            status: e
                .attr_str("status")
                .and_then(EmployeeStatus::parse)
                .filter(|s| *s != EmployeeStatus::Left),
            time,
        },
        (Action::EmployeeLeave, Some(employee)) => FactUpdate::EmployeeLeft {
            employee,
            reason: attr("reason"),
            time,
        },
        (Action::HoneytokenPlant, Some(customer)) => {
            FactUpdate::HoneytokenPlanted { customer, time }
        }
        _ => return facts,
    };
    facts.push(fact);
    facts
}

type Disclosures = std::iter::Peekable<std::vec::IntoIter<DisclosureRow>>;

/// Groups disclosure rows under their event rows, both ordered by index.
/// Disclosures whose index has no event row form groups of their own, so
/// that verification sees them.
pub(crate) fn merge_by_index(
    events: Vec<EventRow>,
    disclosures: Vec<DisclosureRow>,
) -> Vec<StoredRows> {
    let mut out = Vec::with_capacity(events.len());
    let mut ds = disclosures.into_iter().peekable();
    for event in events {
        orphans(&mut ds, Some(event.index), &mut out);
        let mut group = Vec::new();
        while let Some(d) = ds.next_if(|d| d.index == event.index) {
            group.push(d);
        }
        out.push(StoredRows {
            event: Some(event),
            disclosures: group,
        });
    }
    orphans(&mut ds, None, &mut out);
    out
}

/// Moves disclosures below `limit` (all when `None`) into event-less
/// groups.
fn orphans(ds: &mut Disclosures, limit: Option<u64>, out: &mut Vec<StoredRows>) {
    while let Some(d) = ds.next_if(|d| limit.is_none_or(|l| d.index < l)) {
        let index = d.index;
        let mut group = vec![d];
        while let Some(d) = ds.next_if(|d| d.index == index) {
            group.push(d);
        }
        out.push(StoredRows {
            event: None,
            disclosures: group,
        });
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use custos_core::canonical::event_entry;
    use custos_core::parse_event;

    fn rows(json: &str) -> EventRows {
        let e = parse_event(json).unwrap();
        derive_rows(7, &e, &event_entry(&e))
    }

    const VIEW: &str = r#"{"id":"cs-1","time":"2026-05-03T11:12:44.120+02:00","actor":{"type":"employee","id":"emp-1","role":"cs-agent"},"action":"customer.view","target":{"type":"customer","id":"cus-1"},"fields":["email","name"],"purpose":{"ticket":"tkt-1","code":"customer_request"}}"#;

    #[test]
    fn event_row_of_a_view() {
        let r = rows(VIEW);
        let e = &r.event;
        assert_eq!(e.index, 7);
        assert_eq!(e.id, "cs-1");
        assert_eq!(
            e.time,
            Timestamp::parse_rfc3339("2026-05-03T09:12:44.120Z").unwrap()
        );
        assert_eq!(
            (e.actor_type.as_str(), e.actor_id.as_str()),
            ("employee", "emp-1")
        );
        assert_eq!(e.action, "customer.view");
        assert_eq!(e.target_type.as_deref(), Some("customer"));
        assert_eq!(e.target_id.as_deref(), Some("cus-1"));
        assert_eq!(e.seller, None);
        assert_eq!(e.outcome, "allowed");
        assert_eq!(e.purpose_ticket.as_deref(), Some("tkt-1"));
        assert_eq!(e.purpose_code.as_deref(), Some("customer_request"));
        assert_eq!(e.leaf_hash, leaf_hash(&e.entry));
        assert!(e.entry.starts_with(br#"{"action":"customer.view""#));
        assert_eq!(r.disclosures.len(), 1);
        let d = &r.disclosures[0];
        assert_eq!((d.index, d.position, d.customer.as_str()), (7, 0, "cus-1"));
        assert_eq!(d.employee, "emp-1");
        assert_eq!(d.time, e.time);
        let fields: Vec<DataField> = d.fields.iter().collect();
        assert_eq!(fields, [DataField::Name, DataField::Email]);
        assert_eq!(
            r.facts,
            [FactUpdate::EmployeeSeen {
                employee: "emp-1".into(),
                role: Some("cs-agent".into()),
                team: None,
                site: None,
                time: e.time,
            }]
        );
    }

    #[test]
    fn leaf_hash_is_rfc6962() {
        // SHA-256 of the single byte 0x00: the RFC 6962 hash of an empty leaf.
        let hex: String = leaf_hash(b"").iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }

    #[test]
    fn seller_comes_from_attrs_then_target_then_actor() {
        let ticket = r#"{"id":"t","time":"2026-05-03T09:00:00Z","actor":{"type":"seller","id":"sel-a"},"action":"ticket.open","target":{"type":"ticket","id":"tkt-1"},"attrs":{"kind":"appeal","seller":"sel-b"}}"#;
        assert_eq!(rows(ticket).event.seller.as_deref(), Some("sel-b"));
        let ticket = ticket.replace(r#","seller":"sel-b""#, "");
        assert_eq!(rows(&ticket).event.seller.as_deref(), Some("sel-a"));
        let ban = r#"{"id":"b","time":"2026-05-03T09:00:00Z","actor":{"type":"system","id":"sys"},"action":"account.ban","target":{"type":"seller","id":"sel-c"}}"#;
        assert_eq!(rows(ban).event.seller.as_deref(), Some("sel-c"));
        let ban_customer = ban.replace(
            r#""type":"seller","id":"sel-c""#,
            r#""type":"customer","id":"cus-c""#,
        );
        assert_eq!(rows(&ban_customer).event.seller, None);
    }

    #[test]
    fn bulk_disclosures_are_distinct_and_ordered() {
        let r = rows(
            r#"{"id":"s","time":"2026-05-03T09:00:00Z","actor":{"type":"employee","id":"emp-1"},"action":"customer.search","targets":["cus-2","cus-1","cus-2","cus-3","cus-1"]}"#,
        );
        let who: Vec<(u32, &str)> = r
            .disclosures
            .iter()
            .map(|d| (d.position, d.customer.as_str()))
            .collect();
        assert_eq!(who, [(0, "cus-2"), (1, "cus-1"), (2, "cus-3")]);
        assert!(r.disclosures.iter().all(|d| d.fields.is_empty()));
        // No role, team or site stated: nothing to learn.
        assert!(r.facts.is_empty());
    }

    #[test]
    fn a_denied_action_discloses_nothing_and_changes_no_fact() {
        let denied = VIEW.replace(r#""fields""#, r#""outcome":"denied","fields""#);
        let r = rows(&denied);
        assert_eq!(r.event.outcome, "denied");
        assert!(r.disclosures.is_empty());
        let delete = r#"{"id":"d","time":"2026-05-03T09:00:00Z","actor":{"type":"employee","id":"emp-1"},"action":"review.delete","target":{"type":"review","id":"rev-1"},"outcome":"failed"}"#;
        assert!(rows(delete).facts.is_empty());
    }

    #[test]
    fn ticket_assignee_is_the_actor_unless_named() {
        let assign = r#"{"id":"a","time":"2026-05-03T09:00:00Z","actor":{"type":"employee","id":"emp-lead"},"action":"ticket.assign","target":{"type":"ticket","id":"tkt-1"}}"#;
        assert!(matches!(
            &rows(assign).facts[..],
            [FactUpdate::TicketAssigned { assignee, by, .. }] if assignee == "emp-lead" && by == "emp-lead"
        ));
        let named = assign.replace(r#"}}"#, r#"},"attrs":{"assignee":"emp-2"}}"#);
        assert!(matches!(
            &rows(&named).facts[..],
            [FactUpdate::TicketAssigned { assignee, by, .. }] if assignee == "emp-2" && by == "emp-lead"
        ));
    }

    #[test]
    fn rows_equal_their_stored_form() {
        let r = rows(VIEW);
        let stored = StoredRows {
            event: Some(r.event.clone()),
            disclosures: r.disclosures.clone(),
        };
        assert_eq!(r, stored);
        assert_eq!(stored.index(), 7);
        let mut edited = stored.clone();
        edited.disclosures[0].customer = "cus-2".into();
        assert_ne!(r, edited);
        let orphan = StoredRows {
            event: None,
            disclosures: r.disclosures.clone(),
        };
        assert_ne!(r, orphan);
        assert_eq!(orphan.index(), 7);
    }

    #[test]
    fn field_sets_hold_each_field_once() {
        let all = FieldSet::of(DataField::ALL);
        assert_eq!(all.iter().count(), DataField::ALL.len());
        let one = FieldSet::of(&[DataField::Payment, DataField::Payment]);
        assert_eq!(one.iter().collect::<Vec<_>>(), [DataField::Payment]);
        assert_eq!(
            one.union(FieldSet::of(&[DataField::Name])).iter().count(),
            2
        );
        assert!(FieldSet::default().is_empty());
    }
}
