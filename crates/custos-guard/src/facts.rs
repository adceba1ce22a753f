//! The facts a decision needs, behind one trait: who the employee is,
//! which ticket a purpose names, which approval, and how many customers
//! the employee has lately seen beyond their tickets. The guard asks; the
//! caller decides where the answers come from ([`StoreFacts`] reads the
//! store, [`MemoryFacts`] holds them for tests and `custos policy test`).

use crate::approvals::{self, Approval};
use crate::book::DisclosureBook;
use crate::cache::FactCache;
use custos_core::time::{MS_PER_DAY, MS_PER_HOUR};
use custos_core::Timestamp;
use custos_store::{Store, StoreError, TicketStatus, TimeWindow};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::HashMap;

#[derive(Debug, thiserror::Error)]
pub enum FactsError {
    #[error("cannot read facts from the store: {0}")]
    Store(#[from] StoreError),
    #[error("stored `{key}` is not valid: {detail}")]
    Corrupt { key: String, detail: String },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmployeeStatus {
    Active,
    Left,
    Suspended,
}

impl EmployeeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EmployeeStatus::Active => "active",
            EmployeeStatus::Left => "left",
            EmployeeStatus::Suspended => "suspended",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmployeeFacts {
    pub id: String,
    pub status: EmployeeStatus,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub team: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketFacts {
    pub id: String,
    #[serde(default)]
    pub customer: Option<String>,
    #[serde(default)]
    pub assignee: Option<String>,
    pub open: bool,
}

impl From<custos_store::Employee> for EmployeeFacts {
    fn from(e: custos_store::Employee) -> EmployeeFacts {
        EmployeeFacts {
            status: match e.status {
                custos_store::EmployeeStatus::Active => EmployeeStatus::Active,
                custos_store::EmployeeStatus::Left => EmployeeStatus::Left,
                custos_store::EmployeeStatus::Suspended => EmployeeStatus::Suspended,
            },
            id: e.id,
            role: e.role,
            team: e.team,
        }
    }
}

/// What the guard may ask about the world. Implementations read; they
/// never change anything.
pub trait Facts {
    fn employee(&self, id: &str) -> Result<Option<EmployeeFacts>, FactsError>;
    fn ticket(&self, id: &str) -> Result<Option<TicketFacts>, FactsError>;
    /// The customer who placed an order.
    fn order_customer(&self, id: &str) -> Result<Option<String>, FactsError>;
    fn approval(&self, id: &str) -> Result<Option<Approval>, FactsError>;
    /// Customers disclosed to `employee` in `window` beyond the scope of
    /// the employee's tickets (no ticket, a ticket about someone else or
    /// assigned to someone else), each with the latest such disclosure.
    fn disclosed_beyond_scope(
        &self,
        employee: &str,
        window: TimeWindow,
    ) -> Result<HashMap<String, Timestamp>, FactsError>;

    /// What `beyond` (the customers a request would show beyond ticket
    /// scope) adds to what `employee` saw beyond scope in the hour and the
    /// day up to `now`, as `[added, hour, day]` distinct customers. The
    /// default counts [`Facts::disclosed_beyond_scope`]; a source that
    /// keeps counts may answer faster.
    fn quota_counts(
        &self,
        employee: &str,
        beyond: &[&str],
        now: Timestamp,
    ) -> Result<[i64; 3], FactsError> {
        let seen = self.disclosed_beyond_scope(
            employee,
            TimeWindow::new(now.plus_millis(-MS_PER_DAY), now.plus_millis(1)),
        )?;
        let hour_from = now.plus_millis(-MS_PER_HOUR);
        let added = beyond.iter().filter(|c| !seen.contains_key(**c)).count() as i64;
        let hour = seen.values().filter(|t| **t >= hour_from).count() as i64
            + beyond
                .iter()
                .filter(|c| seen.get(**c).is_none_or(|t| *t < hour_from))
                .count() as i64;
        Ok([added, hour, seen.len() as i64 + added])
    }
}

/// Facts read from a [`Store`]. Suspension is the store's status
/// `suspended` (`employee.change` with `attrs.status`).
pub struct StoreFacts<'a> {
    store: &'a dyn Store,
}

impl<'a> StoreFacts<'a> {
    pub fn new(store: &'a dyn Store) -> StoreFacts<'a> {
        StoreFacts { store }
    }
}

impl Facts for StoreFacts<'_> {
    fn employee(&self, id: &str) -> Result<Option<EmployeeFacts>, FactsError> {
        Ok(self.store.employee(id)?.map(EmployeeFacts::from))
    }

    fn ticket(&self, id: &str) -> Result<Option<TicketFacts>, FactsError> {
        Ok(self.store.ticket(id)?.map(|t| TicketFacts {
            open: t.status() == TicketStatus::Open,
            id: t.id,
            customer: t.customer,
            assignee: t.assignee,
        }))
    }

    fn order_customer(&self, id: &str) -> Result<Option<String>, FactsError> {
        Ok(self.store.order(id)?.map(|o| o.customer))
    }

    fn approval(&self, id: &str) -> Result<Option<Approval>, FactsError> {
        approvals::load(self.store, id)
    }

    fn disclosed_beyond_scope(
        &self,
        employee: &str,
        window: TimeWindow,
    ) -> Result<HashMap<String, Timestamp>, FactsError> {
        let rows = self.store.disclosures_by_employee(employee, window)?;
        // Tickets repeat across disclosures; read each once.
        let tickets: RefCell<HashMap<String, Option<TicketFacts>>> = RefCell::default();
        let mut out: HashMap<String, Timestamp> = HashMap::new();
        for row in rows {
            let in_scope = match &row.purpose_ticket {
                None => false,
                Some(t) => {
                    let cached = tickets.borrow().get(t).cloned();
                    let ticket = match cached {
                        Some(ticket) => ticket,
                        None => {
                            let ticket = self.ticket(t)?;
                            tickets.borrow_mut().insert(t.clone(), ticket.clone());
                            ticket
                        }
                    };
                    ticket.is_some_and(|t| {
                        t.customer.as_deref() == Some(row.customer.as_str())
                            && t.assignee.as_deref() == Some(employee)
                    })
                }
            };
            if !in_scope {
                let e = out.entry(row.customer).or_insert(row.time);
                if *e < row.time {
                    *e = row.time;
                }
            }
        }
        Ok(out)
    }
}

/// Facts held in memory, as `custos policy test` files give them.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemoryFacts {
    #[serde(default)]
    pub employees: Vec<EmployeeFacts>,
    #[serde(default)]
    pub tickets: Vec<TicketFacts>,
    /// Order id → customer id.
    #[serde(default)]
    pub orders: HashMap<String, String>,
    #[serde(default)]
    pub approvals: Vec<Approval>,
    /// Employee id → disclosures beyond ticket scope.
    #[serde(default)]
    pub beyond_scope: HashMap<String, Vec<Disclosed>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disclosed {
    pub customer: String,
    pub time: Timestamp,
}

impl Facts for MemoryFacts {
    fn employee(&self, id: &str) -> Result<Option<EmployeeFacts>, FactsError> {
        Ok(self.employees.iter().find(|e| e.id == id).cloned())
    }

    fn ticket(&self, id: &str) -> Result<Option<TicketFacts>, FactsError> {
        Ok(self.tickets.iter().find(|t| t.id == id).cloned())
    }

    fn order_customer(&self, id: &str) -> Result<Option<String>, FactsError> {
        Ok(self.orders.get(id).cloned())
    }

    fn approval(&self, id: &str) -> Result<Option<Approval>, FactsError> {
        Ok(self.approvals.iter().find(|a| a.id == id).cloned())
    }

    fn disclosed_beyond_scope(
        &self,
        employee: &str,
        window: TimeWindow,
    ) -> Result<HashMap<String, Timestamp>, FactsError> {
        let mut out: HashMap<String, Timestamp> = HashMap::new();
        for d in self.beyond_scope.get(employee).into_iter().flatten() {
            if window.contains(d.time) {
                let e = out.entry(d.customer.clone()).or_insert(d.time);
                if *e < d.time {
                    *e = d.time;
                }
            }
        }
        Ok(out)
    }
}

/// Another source's facts with the guard's memory in front: employees and
/// tickets from the fact cache (filled from `inner` on a miss), the quota
/// counted in the disclosure book.
pub(crate) struct BookFacts<'a> {
    pub inner: &'a dyn Facts,
    pub book: Option<&'a DisclosureBook>,
    pub cache: Option<RefCell<&'a mut FactCache>>,
}

impl Facts for BookFacts<'_> {
    fn employee(&self, id: &str) -> Result<Option<EmployeeFacts>, FactsError> {
        let Some(cache) = &self.cache else {
            return self.inner.employee(id);
        };
        if let Some(hit) = cache.borrow().employee(id) {
            return Ok(hit.clone());
        }
        let e = self.inner.employee(id)?;
        cache.borrow_mut().fill_employee(id, e.clone());
        Ok(e)
    }

    fn ticket(&self, id: &str) -> Result<Option<TicketFacts>, FactsError> {
        let Some(cache) = &self.cache else {
            return self.inner.ticket(id);
        };
        if let Some(hit) = cache.borrow().ticket(id) {
            return Ok(hit.clone());
        }
        let t = self.inner.ticket(id)?;
        cache.borrow_mut().fill_ticket(id, t.clone());
        Ok(t)
    }

    fn order_customer(&self, id: &str) -> Result<Option<String>, FactsError> {
        self.inner.order_customer(id)
    }

    fn approval(&self, id: &str) -> Result<Option<Approval>, FactsError> {
        self.inner.approval(id)
    }

    fn disclosed_beyond_scope(
        &self,
        employee: &str,
        window: TimeWindow,
    ) -> Result<HashMap<String, Timestamp>, FactsError> {
        self.inner.disclosed_beyond_scope(employee, window)
    }

    fn quota_counts(
        &self,
        employee: &str,
        beyond: &[&str],
        now: Timestamp,
    ) -> Result<[i64; 3], FactsError> {
        match self.book {
            Some(book) => Ok(book.counts(employee, beyond, now)),
            None => self.inner.quota_counts(employee, beyond, now),
        }
    }
}
