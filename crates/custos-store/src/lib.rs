//! The queryable side of Custos: every event indexed at its ledger index,
//! the customer records each one disclosed, the reference facts
//! (reviews, orders, customer↔seller relations, tickets, account bans,
//! employees, honeytokens) maintained in ledger order, and small tables
//! other crates keep here (alerts, detector state).
//!
//! Everything lives behind the narrow [`Store`] trait. [`SqliteStore`] is
//! the embedded backend (one file in the data dir); [`PgStore`] the
//! PostgreSQL one (a database shared by nodes and by several ledgers).
//! Both run the same test suite (`tests/suite`). A [`StoreSpec`], parsed
//! from a `--store` URL, names which one [`open_store`] opens. SQL
//! appears only inside a backend's module.
//!
//! The store is derived data: the ledger is the source of truth. What the
//! store writes for an event comes from the pure [`derive_rows`], so
//! `custos verify` can re-derive the rows from the ledger and compare them
//! with [`Store::scan_rows`]; an edited row is caught.
//!
//! This crate does not validate events (that is `custos-core`'s job),
//! does not hash trees or sign checkpoints (`custos-ledger`), and does not
//! decide anything: it stores and answers.

mod aggregates;
pub mod baseline;
mod error;
mod model;
pub mod postgres;
mod rows;
mod spec;
pub mod sqlite;
mod volume;

pub use crate::postgres::PgStore;
pub use aggregates::{AggregateBatch, Aggregates, EmployeeDay, Progress, SellerSignal};
pub use error::{Result, StoreError};
pub use model::{
    Account, AlertFilter, AlertRow, Employee, EmployeeStatus, LedgerHead, Order, Reactivation,
    Relation, Restriction, Review, ReviewDeletion, Seen, Ticket, TicketStatus, TimeWindow,
};
pub use rows::{
    derive_rows, derive_rows_hashed, leaf_hash, AccountStatus, DisclosureRow, EventRow, EventRows,
    FactUpdate, FieldSet, StoredRows,
};
pub use spec::{open_store, StoreSpec, DEFAULT_LEDGER};
pub use sqlite::SqliteStore;
pub use volume::{day_of, days_touched, whole_days, window_of_days, DisclosureVolume};

use std::collections::HashMap;
use std::ops::Range;

/// The store's interface, shared by every backend.
///
/// Writes take `&mut self`: one writer (the ingest pipeline) per store.
/// Readers may open their own handle on the same store.
pub trait Store: Send {
    /// Number of ledger entries indexed: the ledger index the next batch
    /// must start at.
    fn ledger_size(&self) -> Result<u64>;

    /// The ledger head recorded by the last batch, `None` while empty.
    fn ledger_head(&self) -> Result<Option<LedgerHead>>;

    /// Writes a batch atomically and durably: event rows, disclosure rows,
    /// fact updates in batch order, and the ledger head it now reflects.
    ///
    /// Refused, with nothing written, when `batch[0]` does not sit at
    /// [`Store::ledger_size`], when indexes are not consecutive, when
    /// `head.size` is not the size after the batch, or when an event id
    /// is already stored.
    fn index_batch(&mut self, batch: &[EventRows], head: &LedgerHead) -> Result<()>;

    /// Tells the store that about `incoming` events are coming in large
    /// batches, so that it may load them in bulk: the SQLite store, when
    /// it holds no more events than that, defers its secondary indexes
    /// until [`Store::finish_bulk_load`] (its `bulk` module says what
    /// stays true meanwhile). Returns whether it did. Every guarantee of
    /// [`Store::index_batch`] holds either way, the refusal of a stored
    /// id included; queries stay correct, some slower. The default does
    /// nothing.
    fn begin_bulk_load(&mut self, incoming: u64) -> Result<bool> {
        let _ = incoming;
        Ok(false)
    }

    /// Ends a bulk load: builds what [`Store::begin_bulk_load`] deferred,
    /// or what a bulk load that crashed left deferred. A no-op otherwise.
    fn finish_bulk_load(&mut self) -> Result<()> {
        Ok(())
    }

    /// The stored ledger index and leaf hash of each of `ids` that is
    /// stored; absent ids are not in the map.
    fn lookup_ids(&self, ids: &[&str]) -> Result<HashMap<String, Seen>>;

    /// The event and disclosure rows stored for the ledger indexes in
    /// `range`, ordered by index, exactly as stored. Callers page through
    /// large ledgers range by range.
    fn scan_rows(&self, range: Range<u64>) -> Result<Vec<StoredRows>>;

    /// The event with this id.
    fn event(&self, id: &str) -> Result<Option<EventRow>>;

    /// Events an employee performed in `window`, oldest first, at most
    /// `limit`.
    fn events_by_employee(
        &self,
        employee: &str,
        window: TimeWindow,
        limit: usize,
    ) -> Result<Vec<EventRow>>;

    /// Events that concern a seller (see [`EventRow::seller`]) in `window`,
    /// oldest first, at most `limit`.
    fn events_by_seller(
        &self,
        seller: &str,
        window: TimeWindow,
        limit: usize,
    ) -> Result<Vec<EventRow>>;

    /// Customer records disclosed to an employee in `window`, oldest first.
    fn disclosures_by_employee(
        &self,
        employee: &str,
        window: TimeWindow,
    ) -> Result<Vec<DisclosureRow>>;

    /// Disclosures of one customer's records in `window`, oldest first.
    fn disclosures_by_customer(
        &self,
        customer: &str,
        window: TimeWindow,
    ) -> Result<Vec<DisclosureRow>>;

    fn review(&self, id: &str) -> Result<Option<Review>>;
    fn order(&self, id: &str) -> Result<Option<Order>>;
    fn ticket(&self, id: &str) -> Result<Option<Ticket>>;
    fn account(&self, id: &str) -> Result<Option<Account>>;
    fn employee(&self, id: &str) -> Result<Option<Employee>>;
    /// Every known employee, by id.
    fn employees(&self) -> Result<Vec<Employee>>;

    /// Customers who reviewed or bought from a seller, by customer id.
    fn customers_of_seller(&self, seller: &str) -> Result<Vec<Relation>>;
    /// Sellers a customer reviewed or bought from, by seller id.
    fn sellers_of_customer(&self, customer: &str) -> Result<Vec<Relation>>;

    /// Whether the customer record is a planted decoy.
    fn is_honeytoken(&self, customer: &str) -> Result<bool>;

    /// Inserts an alert, or replaces the one with the same id.
    fn put_alert(&mut self, alert: &AlertRow) -> Result<()>;
    /// Upserts several alerts; backends with transactions write them in one.
    fn put_alerts(&mut self, alerts: &[AlertRow]) -> Result<()> {
        for a in alerts {
            self.put_alert(a)?;
        }
        Ok(())
    }
    fn alerts(&self, filter: &AlertFilter) -> Result<Vec<AlertRow>>;

    /// Stores an opaque value (a detector snapshot) under `key`.
    fn put_state(&mut self, key: &str, value: &[u8]) -> Result<()>;
    fn get_state(&self, key: &str) -> Result<Option<Vec<u8>>>;
    /// Every value whose key starts with `prefix`, in key order (the
    /// API tokens under `token/`).
    fn states_with_prefix(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>>;

    /// Disclosures (records shown, a customer shown twice counting
    /// twice) over the whole UTC days `days` (days since the epoch,
    /// half-open): to each of `employees`, to anyone, and how many
    /// employees had any. The backends answer from per-employee-day
    /// counters kept at ingest, in time independent of the store's size;
    /// this default scans every known employee's disclosures.
    fn disclosure_volume(&self, employees: &[&str], days: Range<i64>) -> Result<DisclosureVolume> {
        let window = window_of_days(&days);
        let mut all: std::collections::BTreeSet<String> =
            self.employees()?.into_iter().map(|e| e.id).collect();
        all.extend(employees.iter().map(|e| (*e).to_owned()));
        let mut volume = DisclosureVolume::default();
        for e in all {
            let n = self
                .disclosures_by_employee(&e, window)?
                .iter()
                .filter(|d| window.contains(d.time))
                .count() as u64;
            volume.total += n;
            volume.employees += u64::from(n > 0);
            if employees.contains(&e.as_str()) {
                volume.by_employee.insert(e, n);
            }
        }
        Ok(volume)
    }

    /// Upserts this ledger's detection aggregates in one transaction
    /// (see [`AggregateBatch`] for how rows merge).
    fn put_aggregates(&mut self, batch: &AggregateBatch) -> Result<()>;
    /// Every ledger's aggregates of the days in `days`, and every
    /// ledger's progress.
    fn aggregates(&self, days: Range<i64>) -> Result<Aggregates>;
}

/// A boxed store is a store: `Box<dyn Store>` handles pass wherever a
/// `&dyn Store` or `&mut dyn Store` is wanted.
impl<S: Store + ?Sized> Store for Box<S> {
    fn ledger_size(&self) -> Result<u64> {
        (**self).ledger_size()
    }

    fn ledger_head(&self) -> Result<Option<LedgerHead>> {
        (**self).ledger_head()
    }

    fn index_batch(&mut self, batch: &[EventRows], head: &LedgerHead) -> Result<()> {
        (**self).index_batch(batch, head)
    }

    fn begin_bulk_load(&mut self, incoming: u64) -> Result<bool> {
        (**self).begin_bulk_load(incoming)
    }

    fn finish_bulk_load(&mut self) -> Result<()> {
        (**self).finish_bulk_load()
    }

    fn lookup_ids(&self, ids: &[&str]) -> Result<HashMap<String, Seen>> {
        (**self).lookup_ids(ids)
    }

    fn scan_rows(&self, range: Range<u64>) -> Result<Vec<StoredRows>> {
        (**self).scan_rows(range)
    }

    fn event(&self, id: &str) -> Result<Option<EventRow>> {
        (**self).event(id)
    }

    fn events_by_employee(
        &self,
        employee: &str,
        window: TimeWindow,
        limit: usize,
    ) -> Result<Vec<EventRow>> {
        (**self).events_by_employee(employee, window, limit)
    }

    fn events_by_seller(
        &self,
        seller: &str,
        window: TimeWindow,
        limit: usize,
    ) -> Result<Vec<EventRow>> {
        (**self).events_by_seller(seller, window, limit)
    }

    fn disclosures_by_employee(
        &self,
        employee: &str,
        window: TimeWindow,
    ) -> Result<Vec<DisclosureRow>> {
        (**self).disclosures_by_employee(employee, window)
    }

    fn disclosures_by_customer(
        &self,
        customer: &str,
        window: TimeWindow,
    ) -> Result<Vec<DisclosureRow>> {
        (**self).disclosures_by_customer(customer, window)
    }

    fn review(&self, id: &str) -> Result<Option<Review>> {
        (**self).review(id)
    }

    fn order(&self, id: &str) -> Result<Option<Order>> {
        (**self).order(id)
    }

    fn ticket(&self, id: &str) -> Result<Option<Ticket>> {
        (**self).ticket(id)
    }

    fn account(&self, id: &str) -> Result<Option<Account>> {
        (**self).account(id)
    }

    fn employee(&self, id: &str) -> Result<Option<Employee>> {
        (**self).employee(id)
    }

    fn employees(&self) -> Result<Vec<Employee>> {
        (**self).employees()
    }

    fn customers_of_seller(&self, seller: &str) -> Result<Vec<Relation>> {
        (**self).customers_of_seller(seller)
    }

    fn sellers_of_customer(&self, customer: &str) -> Result<Vec<Relation>> {
        (**self).sellers_of_customer(customer)
    }

    fn is_honeytoken(&self, customer: &str) -> Result<bool> {
        (**self).is_honeytoken(customer)
    }

    fn put_alert(&mut self, alert: &AlertRow) -> Result<()> {
        (**self).put_alert(alert)
    }

    fn put_alerts(&mut self, alerts: &[AlertRow]) -> Result<()> {
        (**self).put_alerts(alerts)
    }

    fn alerts(&self, filter: &AlertFilter) -> Result<Vec<AlertRow>> {
        (**self).alerts(filter)
    }

    fn put_state(&mut self, key: &str, value: &[u8]) -> Result<()> {
        (**self).put_state(key, value)
    }

    fn get_state(&self, key: &str) -> Result<Option<Vec<u8>>> {
        (**self).get_state(key)
    }

    fn states_with_prefix(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>> {
        (**self).states_with_prefix(prefix)
    }

    fn disclosure_volume(&self, employees: &[&str], days: Range<i64>) -> Result<DisclosureVolume> {
        (**self).disclosure_volume(employees, days)
    }

    fn put_aggregates(&mut self, batch: &AggregateBatch) -> Result<()> {
        (**self).put_aggregates(batch)
    }

    fn aggregates(&self, days: Range<i64>) -> Result<Aggregates> {
        (**self).aggregates(days)
    }
}
