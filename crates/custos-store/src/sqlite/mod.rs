//! The embedded backend: one SQLite file, `DATA_DIR/store.sqlite`.
//!
//! WAL journal with `synchronous=FULL`, so a batch is durable once
//! [`Store::index_batch`] returns and readers on other connections never
//! block the writer; a writer's checkpoints run on a thread of their own
//! (`checkpoint.rs`). Numbered migrations (`migrations/NNNN_name.sql`) run
//! on open and are recorded in `schema_migrations`. A large ingest into a
//! small store defers the secondary indexes and builds them at its end
//! (`bulk.rs`); an open that finds a bulk load died builds them first.

mod aggregates;
mod bulk;
mod checkpoint;
mod read;
mod sql;

use crate::model::{
    Account, AlertFilter, AlertRow, Employee, EmployeeStatus, LedgerHead, Order, Relation, Review,
    Seen, Ticket, TimeWindow,
};
use crate::rows::{merge_by_index, DisclosureRow, EventRow, EventRows, FactUpdate, StoredRows};
use crate::volume::DisclosureVolume;
use crate::{Result, Store, StoreError};
use rusqlite::{params, Connection, ErrorCode, OptionalExtension, Transaction};
use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The migrations, in order; a version is never reused or edited once
/// released.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("migrations/0001_init.sql")),
    (
        2,
        "aggregates",
        include_str!("migrations/0002_aggregates.sql"),
    ),
    (3, "disclosure_days", DISCLOSURE_DAYS),
    (
        4,
        "deferred_indexes",
        include_str!("migrations/0004_deferred_indexes.sql"),
    ),
];

/// Schema 3 creates the disclosure volume counters and fills them from
/// the disclosures already stored.
const DISCLOSURE_DAYS: &str = concat!(
    include_str!("migrations/0003_disclosure_days.sql"),
    include_str!("disclosure_days_backfill.sql")
);

/// Ledger indexes must fit a disclosure key, `(index << 16) | position`,
/// in a signed 64-bit integer.
const INDEX_LIMIT: u64 = 1 << 47;
const POSITION_LIMIT: u32 = 1 << 16;

/// Ids per `lookup_ids` statement.
const LOOKUP_CHUNK: usize = 20_000;

/// Page size of a new store file, in bytes (SQLite's default is 4,096).
/// Bulk ingest spends its time descending and splitting B-tree pages and
/// writing each changed page to the WAL (two system calls per page) and
/// again to the file: with 16 KiB pages the trees are shallower and a
/// batch writes fewer, larger frames, which took a tenth to a fifth off
/// the CPU time of `custos ingest` (BENCHMARKS.md, issue 2).
const PAGE_SIZE: i64 = 16 * 1024;

/// Page cache per connection, in KiB (SQLite's negative `cache_size`).
const CACHE_KIB: i64 = 128 * 1024;

/// Employees whose role/team/site from their own events the store last
/// wrote; an unchanged repeat skips the statement. Cleared when it grows
/// past this many or when a batch fails.
const SEEN_CACHE_LIMIT: usize = 200_000;

type SeenKey = (Option<String>, Option<String>, Option<String>);

/// The SQLite store. One value owns one connection; open another value on
/// the same file for a concurrent reader.
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
    employees_seen: HashMap<String, SeenKey>,
    /// Started by the first `index_batch`, so that read-only handles run
    /// no thread.
    checkpointer: Option<checkpoint::Checkpointer>,
    /// Held while this handle runs a bulk load (`bulk.rs`).
    bulk: Option<bulk::BulkLock>,
}

impl SqliteStore {
    /// The row of a fact keyed by `id`, read by `read`; `None` when absent.
    fn one<T>(
        &self,
        query: &str,
        id: &str,
        read: impl FnOnce(&rusqlite::Row<'_>) -> Result<T>,
    ) -> Result<Option<T>> {
        let mut stmt = self.conn.prepare_cached(query)?;
        let mut rows = stmt.query([id])?;
        rows.next()?.map(read).transpose()
    }

    /// The store's file name inside the data dir.
    pub const FILE_NAME: &'static str = "store.sqlite";

    /// Opens (creating if needed) the store in the SQLite file `path`,
    /// creating its directory, and runs pending migrations.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Open {
                path: path.to_path_buf(),
                source: Box::new(e),
            })?;
        }
        let open_err = |e: rusqlite::Error| StoreError::Open {
            path: path.to_path_buf(),
            source: Box::new(e),
        };
        let mut conn = Connection::open(path).map_err(open_err)?;
        configure(&conn).map_err(open_err)?;
        migrate(&mut conn)?;
        bulk::recover(&mut conn, path)?;
        Ok(SqliteStore {
            conn,
            path: path.to_path_buf(),
            employees_seen: HashMap::new(),
            checkpointer: None,
            bulk: None,
        })
    }

    /// Opens (creating if needed) the store of a data dir,
    /// `data_dir/store.sqlite`.
    pub fn open_in(data_dir: &Path) -> Result<SqliteStore> {
        SqliteStore::open(&data_dir.join(Self::FILE_NAME))
    }

    /// The schema version the store is at.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT coalesce(max(version), 0) FROM schema_migrations",
            [],
            |r| r.get(0),
        )?)
    }

    /// The underlying connection, for tests and one-off maintenance; going
    /// around the [`Store`] methods can break what `custos verify` checks.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    fn write_batch(
        tx: &Transaction<'_>,
        seen_cache: &mut HashMap<String, SeenKey>,
        batch: &[EventRows],
        head: &LedgerHead,
    ) -> Result<()> {
        let expected = ledger_size(tx)?;
        let Some(first) = batch.first() else {
            if head.size != expected {
                return Err(StoreError::HeadMismatch {
                    head: head.size,
                    expected,
                });
            }
            return put_head(tx, head);
        };
        if first.event.index != expected {
            return Err(StoreError::Gap {
                expected,
                got: first.event.index,
            });
        }
        let after = expected + batch.len() as u64;
        if head.size != after {
            return Err(StoreError::HeadMismatch {
                head: head.size,
                expected: after,
            });
        }
        if after > INDEX_LIMIT {
            return Err(StoreError::IndexTooLarge(after - 1));
        }
        let mut insert_event = tx.prepare_cached(sql::INSERT_EVENT)?;
        let mut insert_disclosure = tx.prepare_cached(sql::INSERT_DISCLOSURE)?;
        for (i, rows) in batch.iter().enumerate() {
            let e = &rows.event;
            if e.index != expected + i as u64 {
                return Err(StoreError::NotContiguous {
                    previous: expected + i as u64 - 1,
                    got: e.index,
                });
            }
            insert_event
                .execute(params![
                    e.index,
                    e.id,
                    e.time.0,
                    e.actor_type,
                    e.actor_id,
                    e.action,
                    e.target_type,
                    e.target_id,
                    e.seller,
                    e.outcome,
                    e.purpose_ticket,
                    e.purpose_code,
                    &e.leaf_hash[..],
                    e.entry,
                ])
                .map_err(|err| duplicate_id(err, &e.id))?;
            for d in &rows.disclosures {
                if d.index != e.index {
                    return Err(StoreError::MisplacedDisclosure {
                        index: e.index,
                        names: d.index,
                    });
                }
                if d.position >= POSITION_LIMIT {
                    return Err(StoreError::TooManyDisclosures {
                        index: e.index,
                        count: rows.disclosures.len(),
                    });
                }
                insert_disclosure.execute(params![
                    disclosure_key(d),
                    d.customer,
                    d.employee,
                    d.time.0,
                    d.action,
                    d.fields.0,
                    d.purpose_ticket,
                    d.purpose_code,
                ])?;
            }
        }
        FactWriter::new(tx, seen_cache).apply_sorted(batch.iter().flat_map(|r| &r.facts))?;
        let (by_employee, by_day) =
            crate::volume::day_counts(batch.iter().flat_map(|r| &r.disclosures));
        let mut add = tx.prepare_cached(sql::ADD_DISCLOSURE_DAY)?;
        for ((employee, day), n) in by_employee {
            add.execute(params![employee, day, n])?;
        }
        let mut add = tx.prepare_cached(sql::ADD_DISCLOSURE_DAY_TOTAL)?;
        for (day, n) in by_day {
            add.execute(params![day, n])?;
        }
        put_head(tx, head)
    }

    /// Recomputes the disclosure volume counters from the disclosures
    /// table, for bulk loads that wrote disclosures around
    /// [`Store::index_batch`].
    pub fn rebuild_disclosure_volume(&self) -> Result<()> {
        self.conn
            .execute_batch(include_str!("disclosure_days_backfill.sql"))?;
        Ok(())
    }
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(10))?;
    // Takes effect only while the file is still empty, so before WAL mode
    // writes its header; an existing store keeps the page size it has.
    conn.pragma_update(None, "page_size", PAGE_SIZE)?;
    // `memory` for an in-memory database, which has no WAL.
    let _mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER PRIMARY KEY,
             name       TEXT    NOT NULL,
             applied_at INTEGER NOT NULL
         )",
    )?;
    let current: i64 = tx.query_row(
        "SELECT coalesce(max(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?;
    let known = MIGRATIONS.last().map_or(0, |m| m.0);
    if current > known {
        return Err(StoreError::SchemaTooNew {
            found: current,
            known,
        });
    }
    for (version, name, script) in MIGRATIONS.iter().filter(|m| m.0 > current) {
        tx.execute_batch(script)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, unixepoch())",
            params![version, name],
        )?;
    }
    tx.commit()?;
    Ok(())
}

fn ledger_size(conn: &Connection) -> Result<u64> {
    Ok(conn
        .prepare_cached(sql::LEDGER_HEAD)?
        .query_row([], |r| r.get::<_, u64>(0))
        .optional()?
        .unwrap_or(0))
}

fn put_head(tx: &Transaction<'_>, head: &LedgerHead) -> Result<()> {
    tx.prepare_cached(sql::PUT_LEDGER_HEAD)?
        .execute(params![head.size, head.root_hash])?;
    Ok(())
}

fn disclosure_key(d: &DisclosureRow) -> i64 {
    // Both parts are range-checked by the caller, so this cannot overflow.
    ((d.index << 16) | u64::from(d.position)) as i64
}

/// A unique-constraint failure on inserting an event can only be its id:
/// the ledger index was checked against the head first.
fn duplicate_id(err: rusqlite::Error, id: &str) -> StoreError {
    match err.sqlite_error_code() {
        Some(ErrorCode::ConstraintViolation) => StoreError::DuplicateId(id.to_owned()),
        _ => StoreError::Sqlite(err),
    }
}

/// The statements fact updates run, one slot each in
/// [`FactWriter::stmts`].
#[derive(Clone, Copy)]
enum FactSql {
    ReviewCreated,
    ReviewDeleted,
    ReviewRestored,
    OrderCreated,
    RelationReviewed,
    RelationBought,
    Ticket,
    AccountRestricted,
    AccountReactivated,
    EmployeeHired,
    EmployeeChanged,
    EmployeeLeft,
    EmployeeSeen,
    HoneytokenPlanted,
}

impl FactSql {
    const COUNT: usize = FactSql::HoneytokenPlanted as usize + 1;

    fn sql(self) -> &'static str {
        match self {
            FactSql::ReviewCreated => sql::REVIEW_CREATED,
            FactSql::ReviewDeleted => sql::REVIEW_DELETED,
            FactSql::ReviewRestored => sql::REVIEW_RESTORED,
            FactSql::OrderCreated => sql::ORDER_CREATED,
            FactSql::RelationReviewed => sql::RELATION_REVIEWED,
            FactSql::RelationBought => sql::RELATION_BOUGHT,
            FactSql::Ticket => sql::TICKET_FACTS,
            FactSql::AccountRestricted => sql::ACCOUNT_RESTRICTED,
            FactSql::AccountReactivated => sql::ACCOUNT_REACTIVATED,
            FactSql::EmployeeHired => sql::EMPLOYEE_HIRED,
            FactSql::EmployeeChanged => sql::EMPLOYEE_CHANGED,
            FactSql::EmployeeLeft => sql::EMPLOYEE_LEFT,
            FactSql::EmployeeSeen => sql::EMPLOYEE_SEEN,
            FactSql::HoneytokenPlanted => sql::HONEYTOKEN_PLANTED,
        }
    }
}

/// The row a fact statement writes: its table, then its key.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum FactRow<'f> {
    Review(&'f str),
    Order(&'f str),
    Relation(&'f str, &'f str),
    Ticket(&'f str),
    Account(&'f str),
    Employee(&'f str),
    Honeytoken(&'f str),
}

impl<'f> FactRow<'f> {
    fn of(f: &'f FactUpdate) -> FactRow<'f> {
        match f {
            FactUpdate::ReviewCreated { review, .. }
            | FactUpdate::ReviewDeleted { review, .. }
            | FactUpdate::ReviewRestored { review } => FactRow::Review(review),
            FactUpdate::OrderCreated { order, .. } => FactRow::Order(order),
            FactUpdate::TicketOpened { ticket, .. }
            | FactUpdate::TicketAssigned { ticket, .. }
            | FactUpdate::TicketClosed { ticket, .. } => FactRow::Ticket(ticket),
            FactUpdate::AccountRestricted { account, .. }
            | FactUpdate::AccountReactivated { account, .. } => FactRow::Account(account),
            FactUpdate::EmployeeHired { employee, .. }
            | FactUpdate::EmployeeChanged { employee, .. }
            | FactUpdate::EmployeeLeft { employee, .. }
            | FactUpdate::EmployeeSeen { employee, .. } => FactRow::Employee(employee),
            FactUpdate::HoneytokenPlanted { customer, .. } => FactRow::Honeytoken(customer),
        }
    }

    /// The relation row a review or an order also writes.
    fn relation_of(f: &'f FactUpdate) -> Option<FactRow<'f>> {
        match f {
            FactUpdate::ReviewCreated {
                customer,
                seller: Some(seller),
                ..
            }
            | FactUpdate::OrderCreated {
                customer,
                seller: Some(seller),
                ..
            } => Some(FactRow::Relation(customer, seller)),
            _ => None,
        }
    }
}

/// Applies fact updates within one batch's transaction. Each statement
/// is prepared (taken from the connection's cache) once per batch, not
/// once per fact: the cache lookup hashes the whole SQL text.
struct FactWriter<'t, 'c> {
    tx: &'t Transaction<'c>,
    seen_cache: &'t mut HashMap<String, SeenKey>,
    stmts: [Option<rusqlite::CachedStatement<'t>>; FactSql::COUNT],
}

impl<'t, 'c> FactWriter<'t, 'c> {
    fn new(tx: &'t Transaction<'c>, seen_cache: &'t mut HashMap<String, SeenKey>) -> Self {
        FactWriter {
            tx,
            seen_cache,
            stmts: std::array::from_fn(|_| None),
        }
    }

    fn run(&mut self, which: FactSql, params: impl rusqlite::Params) -> Result<()> {
        let slot = &mut self.stmts[which as usize];
        let stmt = match slot {
            Some(stmt) => stmt,
            None => slot.insert(self.tx.prepare_cached(which.sql())?),
        };
        stmt.execute(params)?;
        Ok(())
    }

    /// Applies `facts` (in ledger order) grouped by the row each statement
    /// writes, in key order: consecutive statements then land on the same
    /// or the next B-tree page instead of one chosen at random. The sort
    /// is stable and every statement reads and writes only the row of its
    /// key, so each row sees its updates in ledger order and ends as it
    /// would have in ledger order.
    fn apply_sorted<'f>(&mut self, facts: impl Iterator<Item = &'f FactUpdate>) -> Result<()> {
        let mut parts: Vec<(FactRow<'f>, bool, &'f FactUpdate)> = Vec::new();
        for f in facts {
            parts.push((FactRow::of(f), false, f));
            if let Some(rel) = FactRow::relation_of(f) {
                parts.push((rel, true, f));
            }
        }
        parts.sort_by(|a, b| a.0.cmp(&b.0));
        for same_row in parts.chunk_by(|a, b| a.0 == b.0) {
            if let FactRow::Ticket(ticket) = same_row[0].0 {
                self.apply_ticket(ticket, same_row.iter().map(|p| p.2))?;
                continue;
            }
            for &(_, relation, f) in same_row {
                if relation {
                    self.apply_relation(f)?;
                } else {
                    self.apply_main(f)?;
                }
            }
        }
        Ok(())
    }

    /// The facts of one batch about one ticket, in ledger order, as one
    /// statement ([`sql::TICKET_FACTS`]): a batch often opens, assigns and
    /// closes the same ticket, which took three.
    fn apply_ticket<'f>(
        &mut self,
        ticket: &str,
        facts: impl Iterator<Item = &'f FactUpdate>,
    ) -> Result<()> {
        let (mut opened, mut assigned, mut closed) = (None, None, None);
        for f in facts {
            match f {
                FactUpdate::TicketOpened {
                    opener,
                    customer,
                    seller,
                    kind,
                    time,
                    ..
                } => opened = Some((time.0, opener, customer, seller, kind)),
                FactUpdate::TicketAssigned {
                    assignee, by, time, ..
                } => assigned = Some((assignee, time.0, by)),
                FactUpdate::TicketClosed {
                    by,
                    resolution,
                    time,
                    ..
                } => closed = Some((time.0, by, resolution)),
                _ => {}
            }
        }
        self.run(
            FactSql::Ticket,
            params![
                ticket,
                opened.map(|o| o.0),
                opened.map(|o| o.1),
                opened.and_then(|o| o.2.as_deref()),
                opened.and_then(|o| o.3.as_deref()),
                opened.and_then(|o| o.4.as_deref()),
                assigned.map(|a| a.0),
                assigned.map(|a| a.1),
                assigned.map(|a| a.2),
                closed.map(|c| c.0),
                closed.map(|c| c.1),
                closed.and_then(|c| c.2.as_deref()),
                opened.is_some(),
                assigned.is_some(),
                closed.is_some(),
            ],
        )
    }

    /// The customer-seller relation a review or an order adds to.
    fn apply_relation(&mut self, f: &FactUpdate) -> Result<()> {
        match f {
            FactUpdate::ReviewCreated {
                customer,
                seller: Some(seller),
                rating,
                time,
                ..
            } => self.run(
                FactSql::RelationReviewed,
                params![customer, seller, rating, time.0],
            ),
            FactUpdate::OrderCreated {
                customer,
                seller: Some(seller),
                time,
                ..
            } => self.run(FactSql::RelationBought, params![customer, seller, time.0]),
            _ => Ok(()),
        }
    }

    /// Everything a fact writes but its relation.
    fn apply_main(&mut self, f: &FactUpdate) -> Result<()> {
        match f {
            FactUpdate::ReviewCreated {
                review,
                customer,
                seller,
                product,
                rating,
                time,
            } => self.run(
                FactSql::ReviewCreated,
                params![review, customer, seller, product, rating, time.0],
            )?,
            FactUpdate::ReviewDeleted {
                review,
                by,
                reason,
                time,
            } => self.run(FactSql::ReviewDeleted, params![review, time.0, by, reason])?,
            FactUpdate::ReviewRestored { review } => {
                self.run(FactSql::ReviewRestored, params![review])?
            }
            FactUpdate::OrderCreated {
                order,
                customer,
                seller,
                product,
                time,
            } => self.run(
                FactSql::OrderCreated,
                params![order, customer, seller, product, time.0],
            )?,
            FactUpdate::TicketOpened { ticket, .. }
            | FactUpdate::TicketAssigned { ticket, .. }
            | FactUpdate::TicketClosed { ticket, .. } => {
                self.apply_ticket(ticket, std::iter::once(f))?
            }
            FactUpdate::AccountRestricted {
                account,
                kind,
                status,
                reason,
                by,
                time,
            } => self.run(
                FactSql::AccountRestricted,
                params![account, kind, status.as_str(), reason, by, time.0],
            )?,
            FactUpdate::AccountReactivated {
                account,
                kind,
                by,
                appeal,
                time,
            } => self.run(
                FactSql::AccountReactivated,
                params![account, kind, by, appeal, time.0],
            )?,
            FactUpdate::EmployeeHired {
                employee,
                role,
                team,
                site,
                time,
            } => self.run(
                FactSql::EmployeeHired,
                params![employee, role, team, site, time.0],
            )?,
            FactUpdate::EmployeeChanged {
                employee,
                role,
                team,
                site,
                status,
                time,
            } => self.run(
                FactSql::EmployeeChanged,
                params![
                    employee,
                    role,
                    team,
                    site,
                    time.0,
                    status.map(EmployeeStatus::as_str)
                ],
            )?,
            FactUpdate::EmployeeLeft {
                employee,
                reason,
                time,
            } => self.run(FactSql::EmployeeLeft, params![employee, time.0, reason])?,
            FactUpdate::EmployeeSeen {
                employee,
                role,
                team,
                site,
                time,
            } => {
                // Nearly every employee event restates the same role, team
                // and site; write only when they differ from the last write.
                let unchanged = self
                    .seen_cache
                    .get(employee.as_str())
                    .is_some_and(|k| k.0 == *role && k.1 == *team && k.2 == *site);
                if !unchanged {
                    self.run(
                        FactSql::EmployeeSeen,
                        params![employee, role, team, site, time.0],
                    )?;
                    if self.seen_cache.len() >= SEEN_CACHE_LIMIT {
                        self.seen_cache.clear();
                    }
                    self.seen_cache
                        .insert(employee.clone(), (role.clone(), team.clone(), site.clone()));
                }
            }
            FactUpdate::HoneytokenPlanted { customer, time } => {
                self.run(FactSql::HoneytokenPlanted, params![customer, time.0])?
            }
        }
        Ok(())
    }
}

fn put_alert(conn: &Connection, a: &AlertRow) -> Result<()> {
    conn.prepare_cached(sql::PUT_ALERT)?.execute(params![
        a.id, a.time.0, a.employee, a.detector, a.severity, a.score, a.json
    ])?;
    Ok(())
}

fn window_params(w: TimeWindow) -> (i64, i64) {
    (w.from.0, w.to.0)
}

fn limit_param(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

impl SqliteStore {
    fn event_rows(&self, sql: &str, params: impl rusqlite::Params) -> Result<Vec<EventRow>> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let mut rows = stmt.query(params)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(read::event_row(r)?);
        }
        Ok(out)
    }

    fn disclosure_rows(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<DisclosureRow>> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let mut rows = stmt.query(params)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(read::disclosure_row(r)?);
        }
        Ok(out)
    }

    /// Runs `indexed`, whose `INDEXED BY` names an index, or `unindexed`
    /// when that index is missing because a bulk load (maybe in another
    /// process) has deferred it.
    fn disclosure_rows_indexed(
        &self,
        indexed: &str,
        unindexed: &str,
        params: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<DisclosureRow>> {
        match self.disclosure_rows(indexed, params) {
            Err(e) if bulk::is_missing_index(&e) => self.disclosure_rows(unindexed, params),
            rows => rows,
        }
    }
}

impl Store for SqliteStore {
    fn ledger_size(&self) -> Result<u64> {
        ledger_size(&self.conn)
    }

    fn ledger_head(&self) -> Result<Option<LedgerHead>> {
        Ok(self
            .conn
            .prepare_cached(sql::LEDGER_HEAD)?
            .query_row([], |r| {
                Ok(LedgerHead {
                    size: r.get(0)?,
                    root_hash: r.get(1)?,
                })
            })
            .optional()?)
    }

    fn index_batch(&mut self, batch: &[EventRows], head: &LedgerHead) -> Result<()> {
        if self.checkpointer.is_none() {
            self.checkpointer = Some(checkpoint::Checkpointer::start(&self.conn, &self.path)?);
        }
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        match Self::write_batch(&tx, &mut self.employees_seen, batch, head) {
            Ok(()) => tx.commit()?,
            Err(e) => {
                // The cache describes writes that are being rolled back.
                self.employees_seen.clear();
                return Err(e);
            }
        }
        if let Some(c) = &self.checkpointer {
            c.after_commit(&self.conn)?;
        }
        Ok(())
    }

    fn begin_bulk_load(&mut self, incoming: u64) -> Result<bool> {
        self.begin_bulk(incoming)
    }

    fn finish_bulk_load(&mut self) -> Result<()> {
        self.finish_bulk()
    }

    fn lookup_ids(&self, ids: &[&str]) -> Result<HashMap<String, Seen>> {
        // One statement per chunk, joining a JSON array of the ids with the
        // id index: a third of the time of one query per id. Sorted, so
        // that the probes walk the index from left to right.
        let mut sorted = ids.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        let mut stmt = self.conn.prepare_cached(sql::LOOKUP_IDS)?;
        let mut out = HashMap::new();
        let mut json = Vec::new();
        for chunk in sorted.chunks(LOOKUP_CHUNK) {
            json.clear();
            json.push(b'[');
            for (i, id) in chunk.iter().enumerate() {
                if i > 0 {
                    json.push(b',');
                }
                custos_core::canonical::write_str(&mut json, id);
            }
            json.push(b']');
            // Bound as TEXT: SQLite would read a BLOB as binary JSONB.
            let text = std::str::from_utf8(&json).map_err(|e| StoreError::Corrupt {
                column: "lookup_ids",
                detail: e.to_string(),
            })?;
            let mut rows = stmt.query([text])?;
            while let Some(r) = rows.next()? {
                let leaf_hash = read::hash32(r.get(2)?, "events.leaf_hash")?;
                out.insert(
                    r.get(0)?,
                    Seen {
                        index: r.get(1)?,
                        leaf_hash,
                    },
                );
            }
        }
        Ok(out)
    }

    fn scan_rows(&self, range: Range<u64>) -> Result<Vec<StoredRows>> {
        let start = range.start.min(INDEX_LIMIT);
        let end = range.end.min(INDEX_LIMIT);
        if start >= end {
            return Ok(Vec::new());
        }
        let events = self.event_rows(sql::SCAN_EVENTS, params![start, end])?;
        let disclosures =
            self.disclosure_rows(sql::SCAN_DISCLOSURES, params![start << 16, end << 16])?;
        Ok(merge_by_index(events, disclosures))
    }

    fn event(&self, id: &str) -> Result<Option<EventRow>> {
        Ok(self.event_rows(sql::EVENT_BY_ID, [id])?.into_iter().next())
    }

    fn events_by_employee(
        &self,
        employee: &str,
        window: TimeWindow,
        limit: usize,
    ) -> Result<Vec<EventRow>> {
        let (from, to) = window_params(window);
        self.event_rows(
            sql::EVENTS_BY_EMPLOYEE,
            params![employee, from, to, limit_param(limit)],
        )
    }

    fn events_by_seller(
        &self,
        seller: &str,
        window: TimeWindow,
        limit: usize,
    ) -> Result<Vec<EventRow>> {
        let (from, to) = window_params(window);
        self.event_rows(
            sql::EVENTS_BY_SELLER,
            params![seller, from, to, limit_param(limit)],
        )
    }

    fn disclosures_by_employee(
        &self,
        employee: &str,
        window: TimeWindow,
    ) -> Result<Vec<DisclosureRow>> {
        let (from, to) = window_params(window);
        self.disclosure_rows_indexed(
            sql::DISCLOSURES_BY_EMPLOYEE,
            sql::DISCLOSURES_BY_EMPLOYEE_UNINDEXED,
            params![employee, from, to],
        )
    }

    fn disclosures_by_customer(
        &self,
        customer: &str,
        window: TimeWindow,
    ) -> Result<Vec<DisclosureRow>> {
        let (from, to) = window_params(window);
        self.disclosure_rows_indexed(
            sql::DISCLOSURES_BY_CUSTOMER,
            sql::DISCLOSURES_BY_CUSTOMER_UNINDEXED,
            params![customer, from, to],
        )
    }

    fn review(&self, id: &str) -> Result<Option<Review>> {
        self.one(sql::REVIEW, id, |r| Ok(read::review(r)?))
    }

    fn order(&self, id: &str) -> Result<Option<Order>> {
        self.one(sql::ORDER, id, |r| Ok(read::order(r)?))
    }

    fn ticket(&self, id: &str) -> Result<Option<Ticket>> {
        self.one(sql::TICKET, id, |r| Ok(read::ticket(r)?))
    }

    fn account(&self, id: &str) -> Result<Option<Account>> {
        self.one(sql::ACCOUNT, id, read::account)
    }

    fn employee(&self, id: &str) -> Result<Option<Employee>> {
        self.one(sql::EMPLOYEE, id, read::employee)
    }

    fn employees(&self) -> Result<Vec<Employee>> {
        let mut stmt = self.conn.prepare_cached(sql::EMPLOYEES)?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(read::employee(r)?);
        }
        Ok(out)
    }

    fn customers_of_seller(&self, seller: &str) -> Result<Vec<Relation>> {
        let mut stmt = self.conn.prepare_cached(sql::CUSTOMERS_OF_SELLER)?;
        let rows = stmt.query_map([seller], read::relation)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn sellers_of_customer(&self, customer: &str) -> Result<Vec<Relation>> {
        let mut stmt = self.conn.prepare_cached(sql::SELLERS_OF_CUSTOMER)?;
        let rows = stmt.query_map([customer], read::relation)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn is_honeytoken(&self, customer: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached(sql::IS_HONEYTOKEN)?
            .exists([customer])?)
    }

    fn put_alert(&mut self, a: &AlertRow) -> Result<()> {
        put_alert(&self.conn, a)
    }

    fn put_alerts(&mut self, alerts: &[AlertRow]) -> Result<()> {
        let tx = self.conn.transaction()?;
        for a in alerts {
            put_alert(&tx, a)?;
        }
        tx.commit()?;
        Ok(())
    }

    fn alerts(&self, f: &AlertFilter) -> Result<Vec<AlertRow>> {
        let (from, to) = window_params(f.window);
        let limit = f.limit.map_or(-1, limit_param);
        let mut stmt = self.conn.prepare_cached(sql::ALERTS)?;
        let rows = stmt.query_map(
            params![f.employee, f.detector, from, to, limit],
            read::alert,
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn put_state(&mut self, key: &str, value: &[u8]) -> Result<()> {
        self.conn
            .prepare_cached(sql::PUT_STATE)?
            .execute(params![key, value])?;
        Ok(())
    }

    fn get_state(&self, key: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .prepare_cached(sql::GET_STATE)?
            .query_row([key], |r| r.get(0))
            .optional()?)
    }

    fn states_with_prefix(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>> {
        let mut st = self.conn.prepare_cached(sql::STATES_WITH_PREFIX)?;
        let rows = st.query_map([prefix], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn disclosure_volume(&self, employees: &[&str], days: Range<i64>) -> Result<DisclosureVolume> {
        let (from, to) = (days.start, days.end);
        let mut volume = DisclosureVolume::default();
        let mut one = self.conn.prepare_cached(sql::DISCLOSURE_DAYS_OF)?;
        for e in employees {
            let n: i64 = one.query_row(params![e, from, to], |r| r.get(0))?;
            volume.by_employee.insert((*e).to_owned(), n.max(0) as u64);
        }
        let total: i64 = self
            .conn
            .prepare_cached(sql::DISCLOSURE_DAY_TOTALS)?
            .query_row(params![from, to], |r| r.get(0))?;
        volume.total = total.max(0) as u64;
        // Employees with a day in range: one probe per employee, skipping
        // from each to the next.
        let mut next = self.conn.prepare_cached(sql::NEXT_DISCLOSING_EMPLOYEE)?;
        let mut after = String::new();
        while let Some(e) = next
            .query_row(params![after, from, to], |r| r.get::<_, String>(0))
            .optional()?
        {
            volume.employees += 1;
            after = e;
        }
        Ok(volume)
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
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::rows::derive_rows;
    use custos_core::canonical::event_entry;
    use custos_core::parse_event;

    fn event(id: &str, minute: u32, actor: &str, action: &str, rest: &str) -> String {
        let (kind, actor_id) = actor.split_once(':').unwrap();
        let role = if kind == "employee" {
            r#","role":"cs-agent","team":"cs-1""#
        } else {
            ""
        };
        format!(
            r#"{{"id":"{id}","time":"2026-05-03T09:{minute:02}:00Z","actor":{{"type":"{kind}","id":"{actor_id}"{role}}},"action":"{action}"{rest}}}"#
        )
    }

    /// Events whose facts hit the same rows in an order that key order
    /// would change: two assignments of one ticket, a ban then a
    /// reactivation, a deletion then a restore, an employee seen, hired
    /// and seen again, relations counted from reviews and orders.
    fn interleaved() -> Vec<EventRows> {
        let lines = [
            event(
                "f1",
                1,
                "customer:cus-2",
                "ticket.open",
                r#","target":{"type":"ticket","id":"tkt-2"},"attrs":{"kind":"order_issue","customer":"cus-2","seller":"sel-1"}"#,
            ),
            event(
                "f2",
                2,
                "customer:cus-1",
                "ticket.open",
                r#","target":{"type":"ticket","id":"tkt-1"},"attrs":{"kind":"account","customer":"cus-1"}"#,
            ),
            event(
                "f3",
                3,
                "employee:emp-9",
                "ticket.assign",
                r#","target":{"type":"ticket","id":"tkt-2"}"#,
            ),
            event(
                "f4",
                4,
                "employee:emp-1",
                "ticket.assign",
                r#","target":{"type":"ticket","id":"tkt-2"},"attrs":{"assignee":"emp-2"}"#,
            ),
            event(
                "f5",
                5,
                "customer:cus-2",
                "order.create",
                r#","target":{"type":"order","id":"ord-9"},"attrs":{"seller":"sel-1","product":"prd-1"}"#,
            ),
            event(
                "f6",
                6,
                "customer:cus-2",
                "review.create",
                r#","target":{"type":"review","id":"rev-1"},"attrs":{"seller":"sel-1","product":"prd-1","rating":2}"#,
            ),
            event(
                "f7",
                7,
                "customer:cus-1",
                "order.create",
                r#","target":{"type":"order","id":"ord-1"},"attrs":{"seller":"sel-1","product":"prd-2"}"#,
            ),
            event(
                "f8",
                8,
                "customer:cus-2",
                "review.create",
                r#","target":{"type":"review","id":"rev-2"},"attrs":{"seller":"sel-1","product":"prd-1","rating":5}"#,
            ),
            event(
                "f9",
                9,
                "employee:emp-3",
                "customer.view",
                r#","target":{"type":"customer","id":"cus-1"},"fields":["name"]"#,
            ),
            event(
                "f10",
                10,
                "system:hr",
                "employee.hire",
                r#","target":{"type":"employee","id":"emp-3"},"attrs":{"role":"moderator","team":"mod-1","site":"DUB"}"#,
            ),
            event("f11", 11, "employee:emp-3", "auth.login", ""),
            event(
                "f12",
                12,
                "system:sys",
                "account.ban",
                r#","target":{"type":"seller","id":"sel-1"},"attrs":{"reason":"policy"}"#,
            ),
            event(
                "f13",
                13,
                "employee:emp-1",
                "account.reactivate",
                r#","target":{"type":"seller","id":"sel-1"},"attrs":{"appeal":"tkt-1"}"#,
            ),
            event(
                "f14",
                14,
                "employee:emp-1",
                "review.delete",
                r#","target":{"type":"review","id":"rev-1"},"attrs":{"reason":"spam"}"#,
            ),
            event(
                "f15",
                15,
                "employee:emp-1",
                "review.restore",
                r#","target":{"type":"review","id":"rev-1"}"#,
            ),
            event(
                "f16",
                16,
                "employee:emp-2",
                "ticket.close",
                r#","target":{"type":"ticket","id":"tkt-2"},"attrs":{"resolution":"refunded"}"#,
            ),
            event(
                "f17",
                17,
                "system:sys",
                "honeytoken.plant",
                r#","target":{"type":"customer","id":"cus-decoy"}"#,
            ),
        ];
        lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let e = parse_event(l).unwrap();
                derive_rows(i as u64, &e, &event_entry(&e))
            })
            .collect()
    }

    /// Every fact table, row by row, as text.
    fn facts_of(store: &SqliteStore) -> Vec<String> {
        let tables = [
            "reviews ORDER BY id",
            "orders ORDER BY id",
            "relations ORDER BY customer, seller",
            "tickets ORDER BY id",
            "accounts ORDER BY id",
            "employees ORDER BY id",
            "honeytokens ORDER BY customer",
        ];
        let mut out = Vec::new();
        for t in tables {
            let mut stmt = store.conn.prepare(&format!("SELECT * FROM {t}")).unwrap();
            let n = stmt.column_count();
            let mut rows = stmt.query([]).unwrap();
            while let Some(r) = rows.next().unwrap() {
                let cols: Vec<String> = (0..n)
                    .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                    .collect();
                out.push(format!("{t}: {}", cols.join(" | ")));
            }
        }
        out
    }

    fn head(size: u64) -> LedgerHead {
        LedgerHead {
            size,
            root_hash: format!("{size:064x}"),
        }
    }

    #[test]
    fn facts_of_one_batch_end_as_in_ledger_order() {
        let rows = interleaved();
        let mut whole = SqliteStore::open(Path::new(":memory:")).unwrap();
        whole.index_batch(&rows, &head(rows.len() as u64)).unwrap();
        let mut one_by_one = SqliteStore::open(Path::new(":memory:")).unwrap();
        for (i, r) in rows.iter().enumerate() {
            one_by_one
                .index_batch(std::slice::from_ref(r), &head(i as u64 + 1))
                .unwrap();
        }
        let facts = facts_of(&whole);
        assert_eq!(facts, facts_of(&one_by_one));
        // The order-sensitive rows ended as the last event left them.
        let ticket = whole.ticket("tkt-2").unwrap().unwrap();
        assert_eq!(ticket.assignee.as_deref(), Some("emp-2"));
        assert_eq!(ticket.resolution.as_deref(), Some("refunded"));
        let seller = whole.account("sel-1").unwrap().unwrap();
        assert_eq!(seller.status, crate::AccountStatus::Active);
        let employee = whole.employee("emp-3").unwrap().unwrap();
        assert_eq!(employee.role.as_deref(), Some("moderator"));
        assert!(whole.review("rev-1").unwrap().unwrap().deleted.is_none());
        let relations = whole.customers_of_seller("sel-1").unwrap();
        let cus2 = relations.iter().find(|r| r.customer == "cus-2").unwrap();
        assert_eq!(
            (cus2.reviews, cus2.orders, cus2.min_rating),
            (2, 1, Some(2))
        );
    }
}
