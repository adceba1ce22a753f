//! The store's writer thread. Indexing a batch in SQLite costs about as
//! much as everything else in ingest together, so it runs on its own
//! thread: while the store indexes batch N, the pipeline appends batch
//! N+1 to the ledger and runs detection on it. Jobs are applied in the
//! order they were sent; every job is answered once.

use crate::pipeline::IngestError;
use custos_store::{AlertRow, EventRows, LedgerHead, Seen, Store, StoreError};
use std::collections::{HashMap, VecDeque};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;

/// Batches the pipeline may run ahead of the store.
const MAX_IN_FLIGHT: usize = 2;

pub(crate) enum Job {
    Index {
        rows: Vec<EventRows>,
        head: LedgerHead,
    },
    Alerts(Vec<AlertRow>),
    Aggregates(custos_store::AggregateBatch),
    State {
        key: String,
        value: Vec<u8>,
    },
    /// See [`Store::begin_bulk_load`].
    BeginBulk {
        incoming: u64,
    },
    /// See [`Store::finish_bulk_load`].
    FinishBulk,
}

impl Job {
    pub(crate) fn apply(self, store: &mut dyn Store) -> Result<(), StoreError> {
        match self {
            Job::Index { rows, head } => store.index_batch(&rows, &head),
            Job::Alerts(rows) => store.put_alerts(&rows),
            Job::Aggregates(batch) => store.put_aggregates(&batch),
            Job::State { key, value } => store.put_state(&key, &value),
            Job::BeginBulk { incoming } => store.begin_bulk_load(incoming).map(|_| ()),
            Job::FinishBulk => store.finish_bulk_load(),
        }
    }
}

pub(crate) struct StoreWriter {
    tx: Option<SyncSender<Job>>,
    done: Receiver<Result<(), StoreError>>,
    handle: Option<JoinHandle<()>>,
    /// One entry per job sent and not yet answered: for an index job, the
    /// ids (with where they sit in the ledger) it will make visible to
    /// lookups, which the store cannot answer for them until it commits.
    /// At most [`MAX_IN_FLIGHT`] maps, each dropped whole once answered.
    unanswered: VecDeque<Option<HashMap<String, Seen>>>,
}

impl StoreWriter {
    pub fn spawn(mut store: Box<dyn Store + Send>) -> Result<StoreWriter, IngestError> {
        let (tx, rx) = mpsc::sync_channel::<Job>(MAX_IN_FLIGHT);
        let (done_tx, done) = mpsc::channel();
        let handle = std::thread::Builder::new()
            .name("custos-store-writer".into())
            .spawn(move || {
                for job in rx {
                    let result = job.apply(&mut *store);
                    let failed = result.is_err();
                    if done_tx.send(result).is_err() || failed {
                        return;
                    }
                }
            })
            .map_err(IngestError::Thread)?;
        Ok(StoreWriter {
            tx: Some(tx),
            done,
            handle: Some(handle),
            unanswered: VecDeque::new(),
        })
    }

    /// Where an id not yet committed to the store sits, if it is in flight.
    pub fn pending(&self, id: &str) -> Option<&Seen> {
        self.unanswered.iter().flatten().find_map(|ids| ids.get(id))
    }

    /// Whether an index job is sent and not yet answered.
    pub fn has_pending(&self) -> bool {
        self.in_flight() > 0
    }

    fn in_flight(&self) -> usize {
        self.unanswered.iter().filter(|u| u.is_some()).count()
    }

    pub fn send(&mut self, job: Job) -> Result<(), IngestError> {
        let ids = match &job {
            Job::Index { rows, .. } => Some(
                rows.iter()
                    .map(|r| {
                        let seen = Seen {
                            index: r.event.index,
                            leaf_hash: r.event.leaf_hash,
                        };
                        (r.event.id.clone(), seen)
                    })
                    .collect::<HashMap<_, _>>(),
            ),
            _ => None,
        };
        if ids.is_some() {
            while self.in_flight() >= MAX_IN_FLIGHT {
                self.wait_one()?;
            }
        }
        let tx = self.tx.as_ref().ok_or(IngestError::WriterStopped)?;
        if tx.send(job).is_err() {
            // The thread stopped after an error; that error is waiting.
            return Err(self.first_error());
        }
        self.unanswered.push_back(ids);
        Ok(())
    }

    fn first_error(&mut self) -> IngestError {
        while let Ok(result) = self.done.recv() {
            if let Err(e) = result {
                return IngestError::Store(e);
            }
        }
        IngestError::WriterStopped
    }

    fn wait_one(&mut self) -> Result<(), IngestError> {
        // Once answered, the job's ids are the store's to look up.
        if self.unanswered.pop_front().is_none() {
            return Ok(());
        }
        match self.done.recv() {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(IngestError::Store(e)),
            Err(_) => Err(IngestError::WriterStopped),
        }
    }

    /// Waits until everything sent is committed.
    pub fn flush(&mut self) -> Result<(), IngestError> {
        while !self.unanswered.is_empty() {
            self.wait_one()?;
        }
        Ok(())
    }
}

impl Drop for StoreWriter {
    fn drop(&mut self) {
        let _ = self.flush();
        self.tx = None;
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}
