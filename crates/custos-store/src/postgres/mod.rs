//! The PostgreSQL backend, for deployments that share one database
//! between nodes, or run several ledgers (one per partition) in one.
//!
//! Synchronous (`postgres` crate), like the trait. A handle writes one
//! ledger, named at open; ledger-scoped calls (`ledger_size`,
//! `ledger_head`, `index_batch`, `lookup_ids`, `scan_rows`, state) see
//! only that ledger's rows, while the investigators' reads (events by
//! id, employee or seller, disclosures, facts, alerts) span every ledger.
//!
//! A batch is one transaction: a row lock on the ledger, COPY of event
//! ids, events and disclosures, fact updates (once per fact event across
//! ledgers, via `applied_facts`), the head; durable when the commit
//! returns (`synchronous_commit` is left on). Events and disclosures are
//! partitioned by month of event time; the partitions a batch needs are
//! created, in a short transaction of their own, before it. Numbered
//! migrations (`migrations/NNNN_name.sql`) run on open under an advisory
//! lock, so that nodes starting together migrate once.

mod aggregates;
mod read;
mod volume;
mod write;

use crate::model::{
    Account, AlertFilter, AlertRow, Employee, LedgerHead, Order, Relation, Review, Seen, Ticket,
    TimeWindow,
};
use crate::rows::{merge_by_index, DisclosureRow, EventRow, EventRows, StoredRows};
use crate::spec::{check_ledger_name, redact};
use crate::{Result, Store, StoreError};
use postgres::types::ToSql;
use postgres::{Client, NoTls, Row};
use std::cell::{RefCell, RefMut};
use std::collections::{HashMap, HashSet};
use std::ops::Range;

/// The migrations, in order; a version is never reused or edited once
/// released.
/// Times a batch rolled back by a deadlock or serialization failure is
/// run again before the error is returned.
const TRANSIENT_RETRIES: u32 = 8;

const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("migrations/0001_init.sql")),
    (
        2,
        "aggregates",
        include_str!("migrations/0002_aggregates.sql"),
    ),
    (3, "disclosure_days", DISCLOSURE_DAYS),
];

/// Schema 3: the disclosure volume counters (`volume.rs`).
const DISCLOSURE_DAYS: &str = include_str!("migrations/0003_disclosure_days.sql");

/// Advisory lock keys (arbitrary, fixed): migrating, creating partitions.
const MIGRATION_LOCK: i64 = 0x6375_7374_6f73_0001;
const PARTITION_LOCK: i64 = 0x6375_7374_6f73_0002;

/// Ids per `lookup_ids` statement.
const LOOKUP_CHUNK: usize = 20_000;

/// Months from this year up to (not including) the last get a partition;
/// events outside land in the default partition, which therefore never
/// holds a row of a month that later gets its own.
const FIRST_PARTITION_YEAR: i64 = 1970;
const END_PARTITION_YEAR: i64 = 2200;

const MS_PER_DAY: i64 = 86_400_000;

/// A PostgreSQL store handle for one ledger. One value owns one
/// connection; open another value for a concurrent reader.
pub struct PgStore {
    /// In a cell: the trait's reads take `&self`, a query needs `&mut`.
    /// No method calls another while holding it.
    client: RefCell<Client>,
    ledger: i16,
    ledger_name: String,
    facts: write::FactStatements,
    /// Months (`year * 12 + month - 1`) whose partitions are known to exist.
    partitions: HashSet<i64>,
    employees_seen: HashMap<String, write::SeenKey>,
}

impl PgStore {
    /// Connects to the database at `url`, runs pending migrations and
    /// registers `ledger` if it is new.
    pub fn open(url: &str, ledger: &str) -> Result<PgStore> {
        check_ledger_name(ledger)?;
        let mut client = Client::connect(url, NoTls).map_err(|source| StoreError::Connect {
            url: redact(url),
            source,
        })?;
        migrate(&mut client)?;
        let id = register_ledger(&mut client, ledger)?;
        let facts = write::FactStatements::prepare(&mut client)?;
        Ok(PgStore {
            client: RefCell::new(client),
            ledger: id,
            ledger_name: ledger.to_owned(),
            facts,
            partitions: HashSet::new(),
            employees_seen: HashMap::new(),
        })
    }

    /// The name of the ledger this handle writes.
    pub fn ledger_name(&self) -> &str {
        &self.ledger_name
    }

    /// The schema version the database is at.
    pub fn schema_version(&self) -> Result<i64> {
        let row = self.conn()?.query_one(
            "SELECT coalesce(max(version), 0)::bigint FROM schema_migrations",
            &[],
        )?;
        Ok(row.try_get(0)?)
    }

    /// The underlying connection, for tests and one-off maintenance; going
    /// around the [`Store`] methods can break what `custos verify` checks.
    pub fn client(&mut self) -> &mut Client {
        self.client.get_mut()
    }

    fn conn(&self) -> Result<RefMut<'_, Client>> {
        self.client.try_borrow_mut().map_err(|_| StoreError::Busy)
    }

    /// Creates the monthly partitions the batch's times fall in, unless
    /// this handle already knows them.
    fn ensure_partitions(&mut self, batch: &[EventRows]) -> Result<()> {
        let mut missing: Vec<i64> = batch
            .iter()
            .filter_map(|r| month_of(r.event.time.0))
            .filter(|m| !self.partitions.contains(m))
            .collect();
        missing.sort_unstable();
        missing.dedup();
        if missing.is_empty() {
            return Ok(());
        }
        let mut tx = self.client.get_mut().transaction()?;
        // Nodes creating the same month wait for each other instead of
        // failing on the catalog's unique index.
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&PARTITION_LOCK])?;
        for &m in &missing {
            let (year, month) = (m / 12, m % 12 + 1);
            let from = month_start_ms(m);
            let to = month_start_ms(m + 1);
            for table in ["events", "disclosures"] {
                tx.batch_execute(&format!(
                    "CREATE TABLE IF NOT EXISTS {table}_p{year:04}{month:02} PARTITION OF {table}
                     FOR VALUES FROM ({from}) TO ({to})"
                ))?;
            }
        }
        tx.commit()?;
        self.partitions.extend(missing);
        Ok(())
    }

    fn write_batch(&mut self, batch: &[EventRows], head: &LedgerHead) -> Result<()> {
        let mut tx = self.client.get_mut().transaction()?;
        tx.query_one(write::LOCK_LEDGER, &[&self.ledger])?;
        let size = ledger_size(&mut tx, self.ledger)?;
        write::check_batch(size, batch, head)?;
        if !batch.is_empty() {
            let ids: Vec<&str> = batch.iter().map(|r| r.event.id.as_str()).collect();
            let stored = lookup(&mut tx, self.ledger, &ids)?;
            if let Some(id) = ids.iter().find(|id| stored.contains_key(**id)) {
                return Err(StoreError::DuplicateId((*id).to_owned()));
            }
            write::copy_rows(&mut tx, self.ledger, batch)?;
            write::apply_facts(&mut tx, &self.facts, &mut self.employees_seen, batch)?;
            volume::add(&mut tx, self.ledger, batch)?;
        }
        let size = write::signed(head.size)?;
        tx.execute(
            write::PUT_LEDGER_HEAD,
            &[&self.ledger, &size, &head.root_hash],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn event_rows_dedup(
        &self,
        sql: &str,
        key: &str,
        window: TimeWindow,
        limit: usize,
    ) -> Result<Vec<EventRow>> {
        // The same fact event may sit in several ledgers: keep the first
        // row of each id, asking for more rows while duplicates were
        // dropped and the limit is not reached.
        let want = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut ask = want;
        loop {
            let rows = self
                .conn()?
                .query(sql, &[&key, &window.from.0, &window.to.0, &ask])?;
            let fetched = rows.len() as i64;
            let mut seen = HashSet::new();
            let mut out = Vec::new();
            for r in &rows {
                let e = read::event_row(r)?;
                if seen.insert(e.id.clone()) {
                    out.push(e);
                }
                if out.len() as i64 == want {
                    break;
                }
            }
            if out.len() as i64 == want || fetched < ask {
                return Ok(out);
            }
            ask = ask.saturating_add(want - out.len() as i64);
        }
    }

    fn disclosure_rows(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<DisclosureRow>> {
        self.conn()?
            .query(sql, params)?
            .iter()
            .map(read::disclosure_row)
            .collect()
    }

    fn one<T>(&self, sql: &str, id: &str, f: impl FnOnce(&Row) -> Result<T>) -> Result<Option<T>> {
        let row = self.conn()?.query_opt(sql, &[&id])?;
        row.as_ref().map(f).transpose()
    }
}

fn migrate(client: &mut Client) -> Result<()> {
    let mut tx = client.transaction()?;
    // Held until commit: a second node starting now waits here, then
    // finds the migrations recorded.
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    bigint      PRIMARY KEY,
             name       text        NOT NULL,
             applied_at timestamptz NOT NULL DEFAULT now()
         )",
    )?;
    let current: i64 = tx
        .query_one(
            "SELECT coalesce(max(version), 0)::bigint FROM schema_migrations",
            &[],
        )?
        .try_get(0)?;
    let known = MIGRATIONS.last().map_or(0, |m| m.0);
    if current > known {
        return Err(StoreError::SchemaTooNew {
            found: current,
            known,
        });
    }
    for (version, name, script) in MIGRATIONS.iter().filter(|m| m.0 > current) {
        tx.batch_execute(script)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
            &[version, name],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// The id of the ledger named `name`, registering it on first use. Looked
/// up first so that reopening does not consume identity values.
fn register_ledger(client: &mut Client, name: &str) -> Result<i16> {
    const SELECT: &str = "SELECT id FROM ledgers WHERE name = $1";
    if let Some(r) = client.query_opt(SELECT, &[&name])? {
        return Ok(r.try_get(0)?);
    }
    let inserted = client.query_opt(
        "INSERT INTO ledgers (name) VALUES ($1) ON CONFLICT (name) DO NOTHING RETURNING id",
        &[&name],
    )?;
    let row = match inserted {
        Some(r) => r,
        // Another node registered it in between.
        None => client.query_one(SELECT, &[&name])?,
    };
    Ok(row.try_get(0)?)
}

fn ledger_size(client: &mut impl postgres::GenericClient, ledger: i16) -> Result<u64> {
    match client.query_opt(read::LEDGER_HEAD, &[&ledger])? {
        Some(r) => {
            let size: i64 = r.try_get(0)?;
            u64::try_from(size).map_err(|_| StoreError::Corrupt {
                column: "ledger_head.size",
                detail: format!("negative size {size}"),
            })
        }
        None => Ok(0),
    }
}

fn lookup(
    client: &mut impl postgres::GenericClient,
    ledger: i16,
    ids: &[&str],
) -> Result<HashMap<String, Seen>> {
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out = HashMap::new();
    for chunk in sorted.chunks(LOOKUP_CHUNK) {
        for r in client.query(read::LOOKUP_IDS, &[&ledger, &chunk])? {
            let idx: i64 = r.try_get(1)?;
            out.insert(
                r.try_get(0)?,
                Seen {
                    index: u64::try_from(idx).map_err(|_| StoreError::Corrupt {
                        column: "event_ids.idx",
                        detail: format!("negative index {idx}"),
                    })?,
                    leaf_hash: read::hash32(r.try_get(2)?, "event_ids.leaf_hash")?,
                },
            );
        }
    }
    Ok(out)
}

/// The month (`year * 12 + month - 1`) of a time in ms, when it gets a
/// partition of its own.
fn month_of(ms: i64) -> Option<i64> {
    let (y, m, _) = civil_from_days(ms.div_euclid(MS_PER_DAY));
    (FIRST_PARTITION_YEAR..END_PARTITION_YEAR)
        .contains(&y)
        .then_some(y * 12 + m - 1)
}

/// Milliseconds at the start of a month given as `year * 12 + month - 1`.
fn month_start_ms(m: i64) -> i64 {
    days_from_civil(m.div_euclid(12), m.rem_euclid(12) + 1, 1) * MS_PER_DAY
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`]: (year, month, day).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

impl Store for PgStore {
    fn ledger_size(&self) -> Result<u64> {
        ledger_size(&mut *self.conn()?, self.ledger)
    }

    fn ledger_head(&self) -> Result<Option<LedgerHead>> {
        let row = self.conn()?.query_opt(read::LEDGER_HEAD, &[&self.ledger])?;
        row.map(|r| {
            let size: i64 = r.try_get(0)?;
            Ok(LedgerHead {
                size: u64::try_from(size).map_err(|_| StoreError::Corrupt {
                    column: "ledger_head.size",
                    detail: format!("negative size {size}"),
                })?,
                root_hash: r.try_get(1)?,
            })
        })
        .transpose()
    }

    fn index_batch(&mut self, batch: &[EventRows], head: &LedgerHead) -> Result<()> {
        self.ensure_partitions(batch)?;
        // Partitions write shared fact rows (a ticket assigned on one,
        // closed on another) in their own orders, so two batches can
        // deadlock; PostgreSQL then rolls one back whole, and it is run
        // again after a short, growing pause.
        let mut attempt: u32 = 0;
        loop {
            let result = self.write_batch(batch, head);
            if result.is_err() {
                // The cache describes writes that were rolled back.
                self.employees_seen.clear();
            }
            match result {
                Err(e) if e.is_transient_conflict() && attempt < TRANSIENT_RETRIES => {
                    attempt += 1;
                    let jitter = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| u64::from(d.subsec_nanos() % 7));
                    std::thread::sleep(std::time::Duration::from_millis(
                        (5u64 << attempt) + jitter,
                    ));
                }
                other => return other,
            }
        }
    }

    fn lookup_ids(&self, ids: &[&str]) -> Result<HashMap<String, Seen>> {
        lookup(&mut *self.conn()?, self.ledger, ids)
    }

    fn scan_rows(&self, range: Range<u64>) -> Result<Vec<StoredRows>> {
        let start = i64::try_from(range.start).unwrap_or(i64::MAX);
        let end = i64::try_from(range.end).unwrap_or(i64::MAX);
        if start >= end {
            return Ok(Vec::new());
        }
        let events = self
            .conn()?
            .query(read::SCAN_EVENTS, &[&self.ledger, &start, &end])?
            .iter()
            .map(read::event_row)
            .collect::<Result<Vec<_>>>()?;
        let disclosures =
            self.disclosure_rows(read::SCAN_DISCLOSURES, &[&self.ledger, &start, &end])?;
        Ok(merge_by_index(events, disclosures))
    }

    fn event(&self, id: &str) -> Result<Option<EventRow>> {
        let row = self
            .conn()?
            .query_opt(read::EVENT_BY_ID, &[&id, &self.ledger])?;
        row.as_ref().map(read::event_row).transpose()
    }

    fn events_by_employee(
        &self,
        employee: &str,
        window: TimeWindow,
        limit: usize,
    ) -> Result<Vec<EventRow>> {
        self.event_rows_dedup(read::EVENTS_BY_EMPLOYEE, employee, window, limit)
    }

    fn events_by_seller(
        &self,
        seller: &str,
        window: TimeWindow,
        limit: usize,
    ) -> Result<Vec<EventRow>> {
        self.event_rows_dedup(read::EVENTS_BY_SELLER, seller, window, limit)
    }

    fn disclosures_by_employee(
        &self,
        employee: &str,
        window: TimeWindow,
    ) -> Result<Vec<DisclosureRow>> {
        self.disclosure_rows(
            read::DISCLOSURES_BY_EMPLOYEE,
            &[&employee, &window.from.0, &window.to.0],
        )
    }

    fn disclosures_by_customer(
        &self,
        customer: &str,
        window: TimeWindow,
    ) -> Result<Vec<DisclosureRow>> {
        self.disclosure_rows(
            read::DISCLOSURES_BY_CUSTOMER,
            &[&customer, &window.from.0, &window.to.0],
        )
    }

    fn review(&self, id: &str) -> Result<Option<Review>> {
        self.one(read::REVIEW, id, read::review)
    }

    fn order(&self, id: &str) -> Result<Option<Order>> {
        self.one(read::ORDER, id, read::order)
    }

    fn ticket(&self, id: &str) -> Result<Option<Ticket>> {
        self.one(read::TICKET, id, read::ticket)
    }

    fn account(&self, id: &str) -> Result<Option<Account>> {
        self.one(read::ACCOUNT, id, read::account)
    }

    fn employee(&self, id: &str) -> Result<Option<Employee>> {
        self.one(read::EMPLOYEE, id, read::employee)
    }

    fn employees(&self) -> Result<Vec<Employee>> {
        self.conn()?
            .query(read::EMPLOYEES, &[])?
            .iter()
            .map(read::employee)
            .collect()
    }

    fn customers_of_seller(&self, seller: &str) -> Result<Vec<Relation>> {
        self.conn()?
            .query(read::CUSTOMERS_OF_SELLER, &[&seller])?
            .iter()
            .map(read::relation)
            .collect()
    }

    fn sellers_of_customer(&self, customer: &str) -> Result<Vec<Relation>> {
        self.conn()?
            .query(read::SELLERS_OF_CUSTOMER, &[&customer])?
            .iter()
            .map(read::relation)
            .collect()
    }

    fn is_honeytoken(&self, customer: &str) -> Result<bool> {
        Ok(self
            .conn()?
            .query_opt(read::IS_HONEYTOKEN, &[&customer])?
            .is_some())
    }

    fn put_alert(&mut self, a: &AlertRow) -> Result<()> {
        self.put_alerts(std::slice::from_ref(a))
    }

    fn put_alerts(&mut self, alerts: &[AlertRow]) -> Result<()> {
        let mut tx = self.client.get_mut().transaction()?;
        let stmt = tx.prepare(write::PUT_ALERT)?;
        for a in alerts {
            tx.execute(
                &stmt,
                &[
                    &a.id,
                    &a.time.0,
                    &a.employee,
                    &a.detector,
                    &a.severity,
                    &a.score,
                    &a.json,
                ],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn alerts(&self, f: &AlertFilter) -> Result<Vec<AlertRow>> {
        let limit = f.limit.map(|l| i64::try_from(l).unwrap_or(i64::MAX));
        self.conn()?
            .query(
                read::ALERTS,
                &[
                    &f.employee,
                    &f.detector,
                    &f.window.from.0,
                    &f.window.to.0,
                    &limit,
                ],
            )?
            .iter()
            .map(read::alert)
            .collect()
    }

    fn put_state(&mut self, key: &str, value: &[u8]) -> Result<()> {
        self.client
            .get_mut()
            .execute(write::PUT_STATE, &[&self.ledger, &key, &value])?;
        Ok(())
    }

    fn get_state(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let row = self
            .conn()?
            .query_opt(read::GET_STATE, &[&self.ledger, &key])?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    fn states_with_prefix(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>> {
        let rows = self
            .conn()?
            .query(read::STATES_WITH_PREFIX, &[&self.ledger, &prefix])?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push((r.try_get(0)?, r.try_get(1)?));
        }
        Ok(out)
    }

    fn disclosure_volume(
        &self,
        employees: &[&str],
        days: Range<i64>,
    ) -> Result<crate::DisclosureVolume> {
        volume::volume(&mut *self.conn()?, self.ledger, employees, days)
    }

    fn put_aggregates(&mut self, batch: &crate::AggregateBatch) -> Result<()> {
        self.put_aggregates_in(batch)
    }

    fn aggregates(&self, days: Range<i64>) -> Result<crate::Aggregates> {
        self.aggregates_in(days)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        for days in [-1, 59, 365, 10_957, 20_576, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        // 2026-05-03T09:00:00Z is in May 2026, which starts 2026-05-01.
        let t = 1_777_798_800_000;
        let m = month_of(t).expect("a partitioned month");
        assert_eq!((m / 12, m % 12 + 1), (2026, 5));
        assert!(month_start_ms(m) <= t && t < month_start_ms(m + 1));
        assert_eq!(month_start_ms(m), days_from_civil(2026, 5, 1) * MS_PER_DAY);
        // December rolls over into January of the next year.
        assert_eq!(
            month_start_ms(2026 * 12 + 12),
            days_from_civil(2027, 1, 1) * MS_PER_DAY
        );
        assert_eq!(month_of(i64::MIN), None);
        assert_eq!(month_of(i64::MAX), None);
    }
}
