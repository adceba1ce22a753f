//! Bulk loads: a large ingest into a small store defers the secondary
//! indexes and builds them at the end by sorting.
//!
//! Keeping an index up to date row by row costs a B-tree descent per row,
//! and each batch rewrites (and logs to the WAL, and checkpoints) every
//! index page it touched; for indexes keyed by customer or employee that
//! is most pages. `CREATE INDEX` instead sorts the table once and writes
//! each index page once. So when an ingest starts on a store that holds
//! no more events than the first batch brings, [`Store::begin_bulk_load`]
//! drops the indexes in [`DEFERRED`] and [`Store::finish_bulk_load`]
//! builds them again.
//!
//! What stays correct meanwhile:
//! - The unique id index, `events_by_id`, is never deferred: it is what
//!   `lookup_ids` probes for idempotency and what refuses a second event
//!   with a stored id. So are the tables' own keys (the fact tables are
//!   upserted through them).
//! - Readers on other connections (a `custos serve`, `investigate`) see
//!   the indexes vanish and come back, each at a commit; a query whose
//!   index is missing runs as a scan (`SqliteStore::disclosure_rows_indexed`
//!   drops its `INDEXED BY`), slower and with the same answer.
//! - Crashes: the indexes are dropped in the transaction that records
//!   them in `deferred_indexes`, and built in the one that deletes those
//!   rows. A bulk load holds an exclusive `flock` on `store.sqlite-bulk`
//!   while it runs; any open that finds rows in `deferred_indexes` and
//!   can take that lock (so no bulk load is alive) builds them before
//!   returning.

use super::SqliteStore;
#[cfg(doc)]
use crate::Store;
use crate::{Result, StoreError};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::fs::File;
use std::path::{Path, PathBuf};

/// The secondary indexes a bulk load defers: every one whose key is not
/// the order rows arrive in.
pub const DEFERRED: &[&str] = &[
    "events_by_employee",
    "events_by_seller",
    "disclosures_by_customer",
    "disclosures_by_employee",
    "relations_by_seller",
];

/// A bulk load is worth its rebuild only from this many incoming events.
pub const MIN_BULK_EVENTS: u64 = 10_000;

/// How SQLite sorts while the indexes are built.
///
/// Its sorter hands work to helper threads only when it writes sorted
/// runs to temporary files: with the store's usual `temp_store = MEMORY`
/// it sorts everything in memory on one thread. So the build switches to
/// temporary files (in `SQLITE_TMPDIR`, else `TMPDIR`, else `/var/tmp`
/// or `/tmp`; unlinked at once, page-cached) and to a page cache of
/// 8 MiB, which is also the size of one sorted run. On a 1.68M-event
/// store the five indexes took 4.15 s before and 1.76 s after (BENCHMARKS,
/// "jemalloc, and the index build at the end of a bulk load").
const SORT_THREADS: i64 = 2;
/// The page cache while the indexes are built, in KiB ([`SORT_THREADS`]).
const SORT_CACHE_KIB: i64 = 8 * 1024;

/// Held (an exclusive `flock` on the lock file) while a bulk load runs.
pub struct BulkLock {
    _file: Option<File>,
}

/// The lock file beside the store file; `None` for an in-memory store,
/// which no other connection can see.
fn lock_path(db: &Path) -> Option<PathBuf> {
    let name = db.as_os_str();
    if name.is_empty() || name == ":memory:" {
        return None;
    }
    let mut p = name.to_owned();
    p.push("-bulk");
    Some(PathBuf::from(p))
}

/// Takes the bulk lock without waiting: `Ok(None)` when another handle
/// (this process or another) holds it.
fn try_lock(db: &Path) -> Result<Option<BulkLock>> {
    let Some(path) = lock_path(db) else {
        return Ok(Some(BulkLock { _file: None }));
    };
    let io_err = |e: std::io::Error| StoreError::Open {
        path: path.clone(),
        source: Box::new(e),
    };
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io_err)?;
    #[cfg(unix)]
    {
        use rustix::fs::{flock, FlockOperation};
        match flock(&file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => {}
            Err(e) if e == rustix::io::Errno::WOULDBLOCK => return Ok(None),
            Err(e) => return Err(io_err(e.into())),
        }
    }
    Ok(Some(BulkLock { _file: Some(file) }))
}

/// Whether some index is recorded as deferred.
fn has_deferred(conn: &Connection) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM deferred_indexes LIMIT 1")?
        .exists([])?)
}

/// Builds every deferred index and forgets it, in one transaction.
/// Returns how many were built.
fn build_deferred(conn: &mut Connection) -> Result<usize> {
    // The store's settings come back whatever failed, even half-way.
    let built = set_sorting(conn, true).and_then(|()| build_deferred_sorting(conn));
    let restored = set_sorting(conn, false);
    let built = built?;
    restored?;
    Ok(built)
}

/// Switches the connection to the sort settings of [`SORT_THREADS`] and
/// back to the store's usual ones. Outside any transaction: SQLite
/// refuses to change `temp_store` inside one that uses temporary storage.
fn set_sorting(conn: &Connection, on: bool) -> Result<()> {
    let (threads, cache_kib, temp) = match on {
        true => (SORT_THREADS, SORT_CACHE_KIB, "FILE"),
        false => (0, super::CACHE_KIB, "MEMORY"),
    };
    conn.pragma_update(None, "threads", threads)?;
    conn.pragma_update(None, "cache_size", -cache_kib)?;
    conn.pragma_update(None, "temp_store", temp)?;
    Ok(())
}

/// [`build_deferred`] itself, once the sort settings are on.
fn build_deferred_sorting(conn: &mut Connection) -> Result<usize> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let pending: Vec<(String, String)> = {
        let mut stmt = tx.prepare("SELECT name, sql FROM deferred_indexes ORDER BY name")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    if pending.is_empty() {
        return Ok(0);
    }
    for (name, sql) in &pending {
        let exists = tx
            .query_row(
                "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?1",
                [name],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if !exists {
            tx.execute_batch(sql)
                .map_err(|source| StoreError::IndexBuild {
                    index: name.clone(),
                    source,
                })?;
        }
        tx.execute("DELETE FROM deferred_indexes WHERE name = ?1", [name])?;
    }
    tx.commit()?;
    Ok(pending.len())
}

/// On open: builds the indexes a bulk load left deferred when no bulk
/// load is running any more (it crashed, or its process was killed).
/// While one runs, its indexes stay deferred and queries scan.
pub fn recover(conn: &mut Connection, db: &Path) -> Result<()> {
    if !has_deferred(conn)? {
        return Ok(());
    }
    if let Some(lock) = try_lock(db)? {
        build_deferred(conn)?;
        drop(lock);
    }
    Ok(())
}

impl SqliteStore {
    /// [`Store::begin_bulk_load`]: starts a bulk load of `incoming`
    /// events if it is worth it: at least [`MIN_BULK_EVENTS`], into a
    /// store holding no more events than that, with no other bulk load
    /// running. Drops the [`DEFERRED`]
    /// indexes (recording them) and returns true; or changes nothing and
    /// returns false. Starting again while one runs is a no-op that
    /// returns true.
    pub(crate) fn begin_bulk(&mut self, incoming: u64) -> Result<bool> {
        if self.bulk.is_some() {
            return Ok(true);
        }
        if incoming < MIN_BULK_EVENTS || super::ledger_size(&self.conn)? > incoming {
            return Ok(false);
        }
        let Some(lock) = try_lock(&self.path)? else {
            return Ok(false);
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        for name in DEFERRED {
            let sql: Option<String> = tx
                .query_row(
                    "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?1",
                    [name],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(sql) = sql {
                tx.execute(
                    "INSERT INTO deferred_indexes (name, sql) VALUES (?1, ?2)",
                    params![name, sql],
                )?;
                tx.execute_batch(&format!("DROP INDEX {name}"))?;
            }
        }
        tx.commit()?;
        self.bulk = Some(lock);
        Ok(true)
    }

    /// [`Store::finish_bulk_load`]: builds the deferred indexes (sorting,
    /// in one transaction) and releases the bulk lock. Also builds any a crashed
    /// bulk load left behind. A no-op when nothing is deferred.
    pub(crate) fn finish_bulk(&mut self) -> Result<()> {
        let lock = match self.bulk.take() {
            Some(lock) => lock,
            None => {
                if !has_deferred(&self.conn)? {
                    return Ok(());
                }
                match try_lock(&self.path)? {
                    Some(lock) => lock,
                    // Another handle's bulk load: its indexes are its own.
                    None => return Ok(()),
                }
            }
        };
        let built = build_deferred(&mut self.conn);
        drop(lock);
        if built? > 0 {
            if let Some(c) = &self.checkpointer {
                c.after_commit(&self.conn)?;
            }
        }
        Ok(())
    }

    /// The names of the indexes deferred by a bulk load and not built yet.
    pub fn deferred_indexes(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT name FROM deferred_indexes ORDER BY name")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// Whether a statement failed because an index it names (`INDEXED BY`)
/// is missing, as during a bulk load.
pub fn is_missing_index(err: &StoreError) -> bool {
    match err {
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(_, Some(msg))) => {
            msg.starts_with("no such index")
        }
        _ => false,
    }
}
