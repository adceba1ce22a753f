//! Batches of events into ledger and store.

use crate::writer::{Job, StoreWriter};
use custos_core::validate::{entry_of, Rejection};
use custos_core::{parse_event, parse_event_value, Event};
use custos_ledger::{Ledger, LedgerError};
pub use custos_store::leaf_hash;
use custos_store::{
    derive_rows, derive_rows_hashed, open_store, LedgerHead, Store, StoreError, StoreSpec,
};
use serde::Serialize;
use std::collections::HashMap;
use std::path::PathBuf;

/// The checkpoint origin (and key name) when the deployment names none.
pub const DEFAULT_ORIGIN: &str = "custos.local/default";

/// How many ledger entries a re-index reads and stores per transaction.
const REINDEX_BATCH: u64 = 10_000;

/// A batch this large asks the store for a bulk load (which the store
/// grants only when it is small, see `Store::begin_bulk_load`); the load
/// ends at the next [`Pipeline::flush`].
const BULK_BATCH: usize = 10_000;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Detect(#[from] custos_detect::DetectError),
    #[error("cannot start the store writer thread: {0}")]
    Thread(std::io::Error),
    #[error("the store writer thread stopped; restart to re-index from the ledger")]
    WriterStopped,
    #[error("integrity alarm: the store holds {store} events but the ledger only {ledger}; the ledger was truncated or replaced, or the store belongs to another ledger. Run `custos verify` and investigate before ingesting more")]
    StoreAheadOfLedger { store: u64, ledger: u64 },
    #[error("integrity alarm: the store was indexed from a ledger whose root at size {size} was {store_root}, but this ledger's root there is {ledger_root}; the ledger was rewritten or the store belongs to another one")]
    HeadMismatch {
        size: u64,
        store_root: String,
        ledger_root: String,
    },
    #[error("integrity alarm: ledger entry {index} is not a valid event ({reason}); the ledger was altered. Run `custos verify`")]
    CorruptEntry { index: u64, reason: String },
    #[error("{0} is not readable; delete that state key to recompute it from the aggregates")]
    CorruptState(String),
    #[error("cannot create the data directory `{path}`: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The files of one deployment, and the store it uses: the embedded
/// SQLite file in the dir unless [`DataDir::with_store`] names another.
#[derive(Clone, Debug)]
pub struct DataDir {
    pub root: PathBuf,
    store: Option<StoreSpec>,
}

impl DataDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DataDir {
            root: root.into(),
            store: None,
        }
    }

    /// The same dir with its store elsewhere (a PostgreSQL database); the
    /// ledger and keys stay in the dir.
    pub fn with_store(mut self, spec: StoreSpec) -> Self {
        self.store = Some(spec);
        self
    }

    /// The store this deployment uses.
    pub fn store_spec(&self) -> StoreSpec {
        self.store
            .clone()
            .unwrap_or_else(|| StoreSpec::Sqlite(self.store()))
    }

    pub fn ledger(&self) -> PathBuf {
        self.root.join("ledger")
    }
    /// The signing key sits beside, not inside, the publishable ledger dir.
    pub fn ledger_key(&self) -> PathBuf {
        self.root.join("ledger.key")
    }
    /// The embedded store's file.
    pub fn store(&self) -> PathBuf {
        self.root.join(custos_store::SqliteStore::FILE_NAME)
    }
}

/// Where an input came from: a file name or `stdin` and its line number,
/// or a request and the array index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Location {
    pub source: String,
    pub line: u64,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.source, self.line)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LineRejection {
    pub location: Location,
    pub field: String,
    pub reason: String,
}

impl std::fmt::Display for LineRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field == "-" {
            write!(f, "{}: {}", self.location, self.reason)
        } else {
            write!(
                f,
                "{}: field `{}`: {}",
                self.location, self.field, self.reason
            )
        }
    }
}

/// A validated event with its ledger entry bytes and leaf hash.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub location: Location,
    pub event: Event,
    pub entry: Vec<u8>,
    pub leaf_hash: [u8; 32],
}

/// Validates one line: the CPU-bound part of ingest, safe to run on
/// another thread than the commit.
pub fn prepare(location: Location, line: &str) -> Result<Prepared, LineRejection> {
    finish(location, parse_event(line))
}

/// Validates one element of a JSON array of events.
pub fn prepare_value(
    location: Location,
    value: &serde_json::Value,
) -> Result<Prepared, LineRejection> {
    finish(location, parse_event_value(value))
}

fn finish(location: Location, parsed: Result<Event, Rejection>) -> Result<Prepared, LineRejection> {
    let entry = parsed.and_then(|event| entry_of(&event).map(|entry| (event, entry)));
    match entry {
        Ok((event, entry)) => Ok(Prepared {
            location,
            leaf_hash: leaf_hash(&entry),
            event,
            entry,
        }),
        Err(r) => Err(LineRejection {
            location,
            field: r.field,
            reason: r.reason,
        }),
    }
}

/// The event a ledger entry holds; an entry that is not a valid event
/// means the ledger was altered.
pub(crate) fn parse_entry(index: u64, entry: &[u8]) -> Result<Event, IngestError> {
    std::str::from_utf8(entry)
        .map_err(|e| e.to_string())
        .and_then(|s| parse_event(s).map_err(|r| r.to_string()))
        .map_err(|reason| IngestError::CorruptEntry { index, reason })
}

/// What became of one event of a batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ItemOutcome {
    Accepted { index: u64 },
    Duplicate,
    Rejected { field: String, reason: String },
}

/// Counts of one ingest, with the ledger state after it: the JSON summary
/// of `custos ingest` and `POST /v1/events`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct IngestSummary {
    pub accepted: u64,
    pub duplicates: u64,
    pub rejected: u64,
    pub ledger_size: u64,
    pub root_hash: String,
    #[serde(skip)]
    pub rejections: Vec<LineRejection>,
}

impl IngestSummary {
    pub fn absorb(&mut self, other: IngestSummary) {
        self.accepted += other.accepted;
        self.duplicates += other.duplicates;
        self.rejected += other.rejected;
        self.ledger_size = other.ledger_size;
        self.root_hash = other.root_hash;
        self.rejections.extend(other.rejections);
    }

    pub fn reject(&mut self, r: LineRejection) {
        self.rejected += 1;
        self.rejections.push(r);
    }
}

pub struct Pipeline {
    pub(crate) ledger: Ledger,
    pub(crate) store: Box<dyn Store + Send>,
    /// The thread that indexes batches while the next one is appended;
    /// `None` when read-only. `store` then serves reads only.
    pub(crate) writer: Option<StoreWriter>,
    pub(crate) detection: Option<crate::detection::Detection>,
    /// False when opened read-only: detection then keeps its alerts and
    /// state to itself.
    pub(crate) writable: bool,
    /// Event time of the latest event observed, for "now" in risk.
    pub(crate) latest: custos_core::Timestamp,
    /// Detection runs one partition of several (see
    /// [`Pipeline::enable_partitioned_detection`]).
    pub(crate) partitioned: bool,
    /// A bulk load was asked of the writer and not finished yet.
    pub(crate) bulk: bool,
}

impl Pipeline {
    /// Opens (creating if needed) the ledger and store of a data dir
    /// (the embedded one unless the dir names another) and reconciles
    /// them.
    pub fn open(dir: &DataDir, origin: &str) -> Result<Pipeline, IngestError> {
        Pipeline::open_with(dir, origin, &dir.store_spec())
    }

    /// [`Pipeline::open`] with the store `spec` names. The writer thread
    /// opens a handle of its own from the same spec.
    pub fn open_with(
        dir: &DataDir,
        origin: &str,
        spec: &StoreSpec,
    ) -> Result<Pipeline, IngestError> {
        std::fs::create_dir_all(&dir.root).map_err(|source| IngestError::DataDir {
            path: dir.root.clone(),
            source,
        })?;
        let ledger = Ledger::open(&dir.ledger(), &dir.ledger_key(), origin)?;
        let store = open_store(spec)?;
        let mut p = Pipeline {
            ledger,
            store,
            writer: None,
            detection: None,
            partitioned: false,
            bulk: false,
            writable: true,
            latest: custos_core::Timestamp::default(),
        };
        p.reconcile()?;
        // Reconciled: from here on a second connection writes, on its own
        // thread, and the first one reads.
        let writer_store = open_store(spec)?;
        p.writer = Some(StoreWriter::spawn(writer_store)?);
        Ok(p)
    }

    /// After a store write failed (the writer thread has then stopped for
    /// good): opens the store again from `spec`, re-indexes from the
    /// ledger what it lacks, restores detection from its snapshot in the
    /// store and catches it up from the ledger (so alerts the failed write
    /// lost are written again; Sigma rules are not kept and must be given
    /// again), and starts a new writer. The ledger and its lock stay.
    pub fn reopen_store(&mut self, spec: &StoreSpec) -> Result<(), IngestError> {
        self.writer = None;
        // The failed writer's bulk load, if any, ends with it: the store
        // opened next builds what it deferred.
        self.bulk = false;
        self.store = open_store(spec)?;
        self.reconcile()?;
        self.restart_detection()?;
        self.writer = Some(StoreWriter::spawn(open_store(spec)?)?);
        Ok(())
    }

    /// Opens an existing data dir for reading only: no writer lock, no
    /// reconciliation, so it works beside a running `custos serve`. The
    /// checkpoint is checked against the key derived from the private key
    /// when that is readable.
    pub fn open_read_only(dir: &DataDir) -> Result<Pipeline, IngestError> {
        Pipeline::open_read_only_with(dir, &dir.store_spec())
    }

    /// [`Pipeline::open_read_only`] with the store `spec` names.
    pub fn open_read_only_with(dir: &DataDir, spec: &StoreSpec) -> Result<Pipeline, IngestError> {
        let trusted = custos_ledger::read_verifier_key(&dir.ledger_key()).ok();
        let store = open_store(spec)?;
        let ledger = Ledger::open_read_only(&dir.ledger(), trusted.as_deref())?;
        Ok(Pipeline {
            ledger,
            store,
            writer: None,
            detection: None,
            partitioned: false,
            bulk: false,
            writable: false,
            latest: custos_core::Timestamp::default(),
        })
    }

    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// Brings a lagging store up to the ledger; refuses a store that is
    /// ahead of it.
    fn reconcile(&mut self) -> Result<(), IngestError> {
        let ledger_size = self.ledger.size();
        let store_size = self.store.ledger_size()?;
        if store_size > ledger_size {
            return Err(IngestError::StoreAheadOfLedger {
                store: store_size,
                ledger: ledger_size,
            });
        }
        if let Some(head) = self.store.ledger_head()? {
            let ours = self.head_at(head.size)?;
            if ours.root_hash != head.root_hash {
                return Err(IngestError::HeadMismatch {
                    size: head.size,
                    store_root: head.root_hash,
                    ledger_root: ours.root_hash,
                });
            }
        }
        // A store rebuilt from a large ledger is loaded in bulk too.
        let bulk = self.store.begin_bulk_load(ledger_size - store_size)?;
        let mut next = store_size;
        while next < ledger_size {
            let end = (next + REINDEX_BATCH).min(ledger_size);
            let mut rows = Vec::with_capacity((end - next) as usize);
            for (index, entry) in self.ledger.entries(next..end)?.enumerate() {
                let index = next + index as u64;
                let entry = entry?;
                let event = parse_entry(index, &entry)?;
                rows.push(derive_rows(index, &event, &entry));
            }
            let head = self.head_at(end)?;
            self.store.index_batch(&rows, &head)?;
            next = end;
        }
        if bulk {
            self.store.finish_bulk_load()?;
        }
        Ok(())
    }

    /// The ledger head at `size` (at most the current size), as the store
    /// records it.
    fn head_at(&self, size: u64) -> Result<LedgerHead, IngestError> {
        let root = if size == self.ledger.size() {
            self.ledger.root()
        } else {
            self.ledger.root_at(size)?
        };
        Ok(LedgerHead {
            size,
            root_hash: custos_core::hex(&root.0),
        })
    }

    /// Appends one batch: duplicates (same id, same bytes) are counted and
    /// skipped, conflicts (same id, other bytes) rejected, the rest appended
    /// to the ledger and then indexed. Returns once both are durable.
    pub fn commit(&mut self, batch: Vec<Prepared>) -> Result<IngestSummary, IngestError> {
        let summary = self.submit(batch)?;
        self.flush()?;
        Ok(summary)
    }

    /// [`Pipeline::commit`] without waiting for the store: the batch is in
    /// the ledger; call [`Pipeline::flush`] before acknowledging it.
    pub fn submit(&mut self, batch: Vec<Prepared>) -> Result<IngestSummary, IngestError> {
        let outcomes = self.submit_items(&batch)?;
        let mut summary = self.state();
        for (p, outcome) in batch.into_iter().zip(outcomes) {
            match outcome {
                ItemOutcome::Accepted { .. } => summary.accepted += 1,
                ItemOutcome::Duplicate => summary.duplicates += 1,
                ItemOutcome::Rejected { field, reason } => summary.reject(LineRejection {
                    location: p.location,
                    field,
                    reason,
                }),
            }
        }
        Ok(summary)
    }

    /// Like [`Pipeline::commit`], with the outcome of each item in input
    /// order, so that a group commit of several requests can answer each.
    /// Returns once the batch is durable in the ledger and the store.
    pub fn commit_items(&mut self, batch: &[Prepared]) -> Result<Vec<ItemOutcome>, IngestError> {
        let outcomes = self.submit_items(batch)?;
        self.flush()?;
        Ok(outcomes)
    }

    /// Waits until every batch submitted is durable in the store too.
    pub fn flush(&mut self) -> Result<(), IngestError> {
        if self.bulk {
            // The deferred indexes are built before anything is
            // acknowledged, so that an acknowledged event is in every
            // index (and a crash before this point rebuilds them on open).
            self.bulk = false;
            self.write(Job::FinishBulk)?;
        }
        match self.writer.as_mut() {
            Some(w) => w.flush(),
            None => Ok(()),
        }
    }

    /// Appends a batch to the ledger (durable on return), runs detection on
    /// it and hands its rows to the store's writer thread, which indexes
    /// them while the caller prepares the next batch. Nothing is
    /// acknowledged until [`Pipeline::flush`] returns.
    pub fn submit_items(&mut self, batch: &[Prepared]) -> Result<Vec<ItemOutcome>, IngestError> {
        let ids: Vec<&str> = batch.iter().map(|p| p.event.id.as_str()).collect();
        let mut known = self.store.lookup_ids(&ids)?;
        if let Some(w) = self.writer.as_ref().filter(|w| w.has_pending()) {
            for id in &ids {
                if let Some(seen) = w.pending(id) {
                    known.entry((*id).to_owned()).or_insert(*seen);
                }
            }
        }
        // Ids first seen in this very batch, with their leaf hash.
        let mut fresh: HashMap<&str, [u8; 32]> = HashMap::with_capacity(batch.len());
        let mut outcomes = Vec::with_capacity(batch.len());
        let mut keep = Vec::with_capacity(batch.len());
        for (i, p) in batch.iter().enumerate() {
            let id = p.event.id.as_str();
            let seen = known
                .get(id)
                .map(|seen| (Some(seen.index), seen.leaf_hash))
                .or_else(|| fresh.get(id).map(|hash| (None, *hash)));
            outcomes.push(match seen {
                Some((_, hash)) if hash == p.leaf_hash => ItemOutcome::Duplicate,
                Some((index, _)) => ItemOutcome::Rejected {
                    field: "id".to_owned(),
                    reason: match index {
                        Some(index) => format!("`{id}` was already accepted with different content (ledger entry {index}); an id may be reused only for an identical event"),
                        None => format!("`{id}` appears earlier in this input with different content; an id may be reused only for an identical event"),
                    },
                },
                None => {
                    fresh.insert(id, p.leaf_hash);
                    keep.push(i);
                    ItemOutcome::Accepted { index: 0 }
                }
            });
        }
        if keep.is_empty() {
            return Ok(outcomes);
        }
        // Hashed once, in `prepare`: the ledger takes the leaf hashes as they are.
        let entries: Vec<(&[u8], custos_ledger::Hash)> = keep
            .iter()
            .map(|&i| {
                (
                    batch[i].entry.as_slice(),
                    custos_ledger::Hash(batch[i].leaf_hash),
                )
            })
            .collect();
        let first = self.ledger.append_hashed(&entries)?.first_index;
        let mut rows = Vec::with_capacity(keep.len());
        for (k, &i) in keep.iter().enumerate() {
            let index = first + k as u64;
            outcomes[i] = ItemOutcome::Accepted { index };
            let p = &batch[i];
            rows.push(derive_rows_hashed(index, &p.event, &p.entry, p.leaf_hash));
        }
        let head = self.head_at(self.ledger.size())?;
        if !self.bulk && self.writer.is_some() && rows.len() >= BULK_BATCH {
            self.bulk = true;
            self.write(Job::BeginBulk {
                incoming: rows.len() as u64,
            })?;
        }
        self.write(Job::Index { rows, head })?;
        let size = self.ledger.size();
        self.detect(keep.iter().map(|&i| &batch[i].event), size)?;
        Ok(outcomes)
    }

    /// Sends a write to the store's writer thread, or applies it at once
    /// when there is none (before reconciliation ends).
    pub(crate) fn write(&mut self, job: Job) -> Result<(), IngestError> {
        match self.writer.as_mut() {
            Some(w) => w.send(job),
            None => Ok(job.apply(&mut *self.store)?),
        }
    }

    /// The current ledger size and root, for a summary with no batch.
    pub fn state(&self) -> IngestSummary {
        IngestSummary {
            ledger_size: self.ledger.size(),
            root_hash: custos_core::hex(&self.ledger.root().0),
            ..IngestSummary::default()
        }
    }
}
