//! Breach scope: which customers' records were shown to whom, when, why.

use crate::error::InvestigateError;
use crate::lookup::{actor_facts, events_at};
use crate::Result;
use custos_core::{DataField, Timestamp};
use custos_store::{DisclosureRow, FieldSet, Store, TimeWindow};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Whose disclosures, and when: `[from, to)` of event time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopeQuery {
    pub employees: Vec<String>,
    pub window: TimeWindow,
}

impl ScopeQuery {
    /// A query with its employees sorted and each named once.
    pub fn new(employees: impl IntoIterator<Item = String>, window: TimeWindow) -> ScopeQuery {
        let set: BTreeSet<String> = employees.into_iter().collect();
        ScopeQuery {
            employees: set.into_iter().collect(),
            window,
        }
    }

    /// Whether a disclosure falls within the query.
    pub fn covers(&self, d: &DisclosureRow) -> bool {
        self.window.contains(d.time) && self.employees.contains(&d.employee)
    }
}

/// One affected customer: the record of `custos scope` (INTERFACE.md),
/// plus the purposes stated and the employees involved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeRecord {
    pub customer: String,
    /// Data categories disclosed, union over accesses, in taxonomy order.
    pub fields: Vec<DataField>,
    pub first: Timestamp,
    pub last: Timestamp,
    /// Number of events that disclosed this customer's records.
    pub accesses: u64,
    /// Those events' ids, in ledger order.
    pub events: Vec<String>,
    /// Distinct stated purposes: `ticket (code)`, `ticket`, `code`, or
    /// `no purpose`; sorted.
    pub purposes: Vec<String>,
    /// Distinct employees who disclosed the records, sorted.
    pub employees: Vec<String>,
}

/// How a purpose is shown.
pub(crate) fn purpose_label(ticket: Option<&str>, code: Option<&str>) -> String {
    match (ticket, code) {
        (Some(t), Some(c)) => format!("{t} ({c})"),
        (Some(t), None) => t.to_owned(),
        (None, Some(c)) => c.to_owned(),
        (None, None) => "no purpose".to_owned(),
    }
}

/// The scope records implied by disclosures, each given with its event's
/// id. Pure: the store path and the bundle verifier both use it, so a
/// bundle's records can be recomputed exactly. Records are ordered by
/// first access, then customer id.
pub fn scope_records<'a>(
    disclosures: impl IntoIterator<Item = (&'a DisclosureRow, &'a str)>,
) -> Vec<ScopeRecord> {
    let mut rows: Vec<(&DisclosureRow, &str)> = disclosures.into_iter().collect();
    rows.sort_by_key(|(d, _)| (d.index, d.position));
    struct Acc {
        fields: FieldSet,
        first: Timestamp,
        last: Timestamp,
        events: Vec<String>,
        purposes: BTreeSet<String>,
        employees: BTreeSet<String>,
    }
    let mut by_customer: BTreeMap<&str, Acc> = BTreeMap::new();
    for (d, id) in rows {
        let acc = by_customer
            .entry(d.customer.as_str())
            .or_insert_with(|| Acc {
                fields: FieldSet::default(),
                first: d.time,
                last: d.time,
                events: Vec::new(),
                purposes: BTreeSet::new(),
                employees: BTreeSet::new(),
            });
        acc.fields = acc.fields.union(d.fields);
        acc.first = acc.first.min(d.time);
        acc.last = acc.last.max(d.time);
        acc.events.push(id.to_owned());
        acc.purposes.insert(purpose_label(
            d.purpose_ticket.as_deref(),
            d.purpose_code.as_deref(),
        ));
        if !acc.employees.contains(&d.employee) {
            acc.employees.insert(d.employee.clone());
        }
    }
    let mut out: Vec<ScopeRecord> = by_customer
        .into_iter()
        .map(|(customer, a)| ScopeRecord {
            customer: customer.to_owned(),
            fields: a.fields.iter().collect(),
            first: a.first,
            last: a.last,
            accesses: a.events.len() as u64,
            events: a.events,
            purposes: a.purposes.into_iter().collect(),
            employees: a.employees.into_iter().collect(),
        })
        .collect();
    out.sort_by(|a, b| a.first.cmp(&b.first).then(a.customer.cmp(&b.customer)));
    out
}

/// One ledger event behind a scope: where it sits and its entry bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    pub index: u64,
    pub id: String,
    pub entry: Vec<u8>,
}

/// Customers whose records included a data category.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldTotal {
    pub field: DataField,
    pub customers: usize,
}

/// Disclosures made by employees at one site (`None`: no site known).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SiteTotal {
    pub site: Option<String>,
    pub customers: usize,
    pub accesses: u64,
}

/// Totals printed under a scope table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScopeTotals {
    pub customers: usize,
    pub accesses: u64,
    pub events: usize,
    /// Customers disclosed with no data category stated (search hits).
    pub no_category: usize,
    /// Categories with at least one customer, in taxonomy order.
    pub by_field: Vec<FieldTotal>,
    /// By the actor's site as its event states it, else as the employee
    /// facts know it; most customers first.
    pub by_site: Vec<SiteTotal>,
}

/// The answer to a [`ScopeQuery`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BreachScope {
    pub query: ScopeQuery,
    pub records: Vec<ScopeRecord>,
    pub totals: ScopeTotals,
    /// Every disclosing event, by ledger index.
    pub evidence: Vec<Evidence>,
}

/// Every customer the query's employees were shown in its window.
///
/// One `disclosures_by_employee` and one `events_by_employee` query per
/// employee; events the second does not return (none should be missing)
/// are read by index.
pub fn breach_scope(store: &dyn Store, query: &ScopeQuery) -> Result<BreachScope> {
    if query.employees.is_empty() {
        return Err(InvestigateError::NoEmployee);
    }
    let mut disclosures: Vec<DisclosureRow> = Vec::new();
    let mut events = HashMap::new();
    for employee in &query.employees {
        let rows = store.disclosures_by_employee(employee, query.window)?;
        if rows.is_empty() {
            continue;
        }
        let wanted: HashSet<u64> = rows.iter().map(|d| d.index).collect();
        for ev in store.events_by_employee(employee, query.window, usize::MAX)? {
            if wanted.contains(&ev.index) {
                events.insert(ev.index, ev);
            }
        }
        disclosures.extend(rows.into_iter().filter(|d| query.covers(d)));
    }
    let missing: Vec<u64> = disclosures
        .iter()
        .map(|d| d.index)
        .filter(|ix| !events.contains_key(ix))
        .collect();
    if !missing.is_empty() {
        events.extend(events_at(store, &missing)?);
    }

    let ids: HashMap<u64, &str> = events.iter().map(|(ix, e)| (*ix, e.id.as_str())).collect();
    let records = scope_records(
        disclosures
            .iter()
            .map(|d| (d, ids.get(&d.index).copied().unwrap_or_default())),
    );

    // Sites: the event's own `actor.site`, else the employee facts'.
    let mut fact_site: HashMap<&str, Option<String>> = HashMap::new();
    for employee in &query.employees {
        let site = store.employee(employee)?.and_then(|e| e.site);
        fact_site.insert(employee.as_str(), site);
    }
    let event_site: HashMap<u64, Option<String>> = events
        .iter()
        .map(|(ix, e)| (*ix, actor_facts(&e.entry).site))
        .collect();
    let mut sites: BTreeMap<Option<String>, (HashSet<&str>, u64)> = BTreeMap::new();
    for d in &disclosures {
        let site = event_site
            .get(&d.index)
            .cloned()
            .flatten()
            .or_else(|| fact_site.get(d.employee.as_str()).cloned().flatten());
        let slot = sites.entry(site).or_default();
        slot.0.insert(d.customer.as_str());
        slot.1 += 1;
    }
    let mut by_site: Vec<SiteTotal> = sites
        .into_iter()
        .map(|(site, (customers, accesses))| SiteTotal {
            site,
            customers: customers.len(),
            accesses,
        })
        .collect();
    by_site.sort_by(|a, b| b.customers.cmp(&a.customers).then(a.site.cmp(&b.site)));

    let by_field = DataField::ALL
        .iter()
        .map(|f| FieldTotal {
            field: *f,
            customers: records.iter().filter(|r| r.fields.contains(f)).count(),
        })
        .filter(|t| t.customers > 0)
        .collect();
    let mut evidence: Vec<Evidence> = events
        .into_values()
        .map(|e| Evidence {
            index: e.index,
            id: e.id,
            entry: e.entry,
        })
        .collect();
    evidence.sort_by_key(|e| e.index);
    let totals = ScopeTotals {
        customers: records.len(),
        accesses: records.iter().map(|r| r.accesses).sum(),
        events: evidence.len(),
        no_category: records.iter().filter(|r| r.fields.is_empty()).count(),
        by_field,
        by_site,
    };
    Ok(BreachScope {
        query: query.clone(),
        records,
        totals,
        evidence,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn row(index: u64, customer: &str, t: i64, fields: &[DataField]) -> DisclosureRow {
        DisclosureRow {
            index,
            position: 0,
            customer: customer.into(),
            employee: "emp-1".into(),
            time: Timestamp(t),
            action: "customer.view".into(),
            fields: FieldSet::of(fields),
            purpose_ticket: (index % 2 == 0).then(|| format!("tkt-{index}")),
            purpose_code: Some("customer_request".into()),
        }
    }

    #[test]
    fn records_aggregate_per_customer_in_first_access_order() {
        let rows = [
            row(5, "cus-b", 50, &[DataField::Email]),
            row(1, "cus-a", 10, &[DataField::Name]),
            row(3, "cus-b", 30, &[DataField::Phone]),
            row(2, "cus-a", 20, &[DataField::Email, DataField::Name]),
        ];
        let ids = ["e5", "e1", "e3", "e2"];
        let recs = scope_records(rows.iter().zip(ids));
        assert_eq!(recs.len(), 2);
        let a = &recs[0];
        assert_eq!(a.customer, "cus-a");
        assert_eq!(a.fields, [DataField::Name, DataField::Email]);
        assert_eq!(
            (a.first, a.last, a.accesses),
            (Timestamp(10), Timestamp(20), 2)
        );
        assert_eq!(a.events, ["e1", "e2"]);
        assert_eq!(a.purposes, ["customer_request", "tkt-2 (customer_request)"]);
        let b = &recs[1];
        assert_eq!(b.events, ["e3", "e5"]);
        assert_eq!(b.fields, [DataField::Email, DataField::Phone]);
        assert_eq!(b.employees, ["emp-1"]);
    }

    #[test]
    fn query_covers_its_employees_and_window_only() {
        let q = ScopeQuery::new(
            ["emp-2".to_owned(), "emp-1".to_owned(), "emp-1".to_owned()],
            TimeWindow::new(Timestamp(10), Timestamp(20)),
        );
        assert_eq!(q.employees, ["emp-1", "emp-2"]);
        assert!(q.covers(&row(1, "c", 10, &[])));
        assert!(!q.covers(&row(1, "c", 20, &[])));
        let mut other = row(1, "c", 15, &[]);
        other.employee = "emp-3".into();
        assert!(!q.covers(&other));
    }

    #[test]
    fn purposes_read_as_people_say_them() {
        assert_eq!(purpose_label(None, None), "no purpose");
        assert_eq!(purpose_label(Some("t"), None), "t");
        assert_eq!(purpose_label(None, Some("legal")), "legal");
        assert_eq!(purpose_label(Some("t"), Some("legal")), "t (legal)");
    }
}
