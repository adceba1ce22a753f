//! The fact cache: employees and tickets as the store last answered for
//! them, so a decision does not read the store for facts that rarely
//! change. The store stays the source of truth: a miss reads it, and
//! every committed event that may change an employee or a ticket
//! ([`FactCache::forget`], called by [`crate::Guard::observe`]) drops
//! what is held for it before the event's sender gets an answer, so the
//! next decision reads the store again.
//!
//! Misses are filled and events forgotten under the same lock as the
//! disclosure book, which the deciding thread holds from its store read
//! to its fill: an event committed while a decision read the old row is
//! forgotten after that decision filled it, never before.
//!
//! The cache is only right where every event that reaches the store also
//! reaches `observe`; it is off until [`crate::Guard::warm_facts`] turns
//! it on.

use crate::facts::{EmployeeFacts, TicketFacts};
use custos_core::{ActorType, Event, TargetType};
use std::collections::HashMap;

/// Entries of each kind before the cache starts over; a bound on memory,
/// not a tuning knob (one entry is ~100 bytes).
const MAX_ENTRIES: usize = 1 << 20;

#[derive(Debug, Default)]
pub(crate) struct FactCache {
    /// Whether decisions use the cache (see the module docs).
    pub on: bool,
    /// Employee id → the store's answer (`None`: unknown to the store).
    employees: HashMap<String, Option<EmployeeFacts>>,
    /// Ticket id → the store's answer.
    tickets: HashMap<String, Option<TicketFacts>>,
}

impl FactCache {
    pub fn employee(&self, id: &str) -> Option<&Option<EmployeeFacts>> {
        self.employees.get(id)
    }

    pub fn ticket(&self, id: &str) -> Option<&Option<TicketFacts>> {
        self.tickets.get(id)
    }

    pub fn fill_employee(&mut self, id: &str, e: Option<EmployeeFacts>) {
        if self.employees.len() >= MAX_ENTRIES {
            self.employees.clear();
        }
        self.employees.insert(id.to_owned(), e);
    }

    pub fn fill_ticket(&mut self, id: &str, t: Option<TicketFacts>) {
        if self.tickets.len() >= MAX_ENTRIES {
            self.tickets.clear();
        }
        self.tickets.insert(id.to_owned(), t);
    }

    /// Drops what `event` may change once committed. A superset of the
    /// store's rules (`custos_store::derive_rows`' fact updates): any
    /// event about an employee or a ticket, whatever its action or
    /// outcome, and an employee's own event that states a role or team
    /// other than the one held (the store records those, and creates an
    /// employee it did not know).
    pub fn forget(&mut self, event: &Event) {
        if let Some(t) = &event.target {
            match t.kind {
                TargetType::Employee => {
                    self.employees.remove(&t.id);
                }
                TargetType::Ticket => {
                    self.tickets.remove(&t.id);
                }
                _ => {}
            }
        }
        let a = &event.actor;
        if a.kind == ActorType::Employee
            && (a.role.is_some() || a.team.is_some() || a.site.is_some())
        {
            // Role and team are kept when the event omits them, so an
            // event that restates what is held changes nothing the guard
            // reads (the site it may change is not read).
            let same = |new: &Option<String>, held: &Option<String>| {
                new.is_none() || new.as_deref() == held.as_deref()
            };
            let unchanged = self
                .employees
                .get(&a.id)
                .and_then(Option::as_ref)
                .is_some_and(|held| same(&a.role, &held.role) && same(&a.team, &held.team));
            if !unchanged {
                self.employees.remove(&a.id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::facts::EmployeeStatus;
    use custos_store::{derive_rows, FactUpdate};
    use serde_json::json;

    fn held(id: &str) -> Option<EmployeeFacts> {
        Some(EmployeeFacts {
            id: id.to_owned(),
            status: EmployeeStatus::Active,
            role: Some("cs-agent".into()),
            team: Some("cs-1".into()),
        })
    }

    fn full() -> FactCache {
        let mut c = FactCache::default();
        for e in ["emp-1", "emp-2", "emp-3"] {
            c.fill_employee(e, held(e));
        }
        c.fill_employee("emp-new", None);
        for t in ["tkt-1", "tkt-2"] {
            c.fill_ticket(
                t,
                Some(TicketFacts {
                    id: t.to_owned(),
                    customer: Some("cus-1".into()),
                    assignee: Some("emp-1".into()),
                    open: true,
                }),
            );
        }
        c
    }

    /// Whatever the store changes for an event, the cache forgets: checked
    /// against the store's own rules (`derive_rows`), so a rule added
    /// there and not here fails this test.
    #[test]
    fn forgets_everything_the_store_would_change() {
        let emp = |id: &str| json!({"type": "employee", "id": id});
        let events = [
            json!({"actor": {"type": "system", "id": "hr"}, "action": "employee.hire", "target": emp("emp-1"), "attrs": {"role": "team-lead"}}),
            json!({"actor": {"type": "system", "id": "hr"}, "action": "employee.change", "target": emp("emp-2"), "attrs": {"status": "suspended"}}),
            json!({"actor": {"type": "system", "id": "hr"}, "action": "employee.leave", "target": emp("emp-3")}),
            json!({"actor": {"type": "customer", "id": "cus-1"}, "action": "ticket.open", "target": {"type": "ticket", "id": "tkt-1"}, "attrs": {"customer": "cus-1", "kind": "other"}}),
            json!({"actor": {"type": "employee", "id": "emp-2"}, "action": "ticket.assign", "target": {"type": "ticket", "id": "tkt-2"}, "attrs": {"assignee": "emp-3"}}),
            json!({"actor": {"type": "employee", "id": "emp-1"}, "action": "ticket.close", "target": {"type": "ticket", "id": "tkt-1"}}),
            // An employee's own event naming a new team, and one from an
            // employee the store did not know (it now does).
            json!({"actor": {"type": "employee", "id": "emp-2", "team": "cs-9"}, "action": "customer.view", "target": {"type": "customer", "id": "cus-1"}, "fields": ["name"]}),
            json!({"actor": {"type": "employee", "id": "emp-new", "role": "cs-agent"}, "action": "customer.view", "target": {"type": "customer", "id": "cus-1"}, "fields": ["name"]}),
        ];
        let mut checked = 0;
        for (i, v) in events.iter().enumerate() {
            let mut v = v.clone();
            v["id"] = json!(format!("e{i}"));
            v["time"] = json!("2026-05-03T10:00:00Z");
            let e = custos_core::parse_event_value(&v).unwrap();
            let rows = derive_rows(0, &e, &custos_core::canonical::event_entry(&e));
            let mut c = full();
            c.forget(&e);
            for f in &rows.facts {
                match f {
                    FactUpdate::EmployeeHired { employee, .. }
                    | FactUpdate::EmployeeChanged { employee, .. }
                    | FactUpdate::EmployeeLeft { employee, .. }
                    | FactUpdate::EmployeeSeen { employee, .. } => {
                        assert!(c.employee(employee).is_none(), "{v}: {employee} kept");
                        checked += 1;
                    }
                    FactUpdate::TicketOpened { ticket, .. }
                    | FactUpdate::TicketAssigned { ticket, .. }
                    | FactUpdate::TicketClosed { ticket, .. } => {
                        assert!(c.ticket(ticket).is_none(), "{v}: {ticket} kept");
                        checked += 1;
                    }
                    _ => {}
                }
            }
        }
        assert_eq!(checked, events.len());
    }

    #[test]
    fn keeps_an_employee_whose_event_restates_what_is_held() {
        let v = json!({"id": "e1", "time": "2026-05-03T10:00:00Z",
            "actor": {"type": "employee", "id": "emp-1", "role": "cs-agent", "site": "berlin"},
            "action": "customer.view", "target": {"type": "customer", "id": "cus-1"}, "fields": ["name"]});
        let e = custos_core::parse_event_value(&v).unwrap();
        let mut c = full();
        c.forget(&e);
        assert_eq!(c.employee("emp-1"), Some(&held("emp-1")));
    }
}
