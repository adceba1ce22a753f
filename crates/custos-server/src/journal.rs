//! The decision journal (`[guard] answer = "journaled"`): a decision's
//! `guard.decide` event and its request's `custos.access` event are
//! appended here, one `write` of newline-delimited canonical ledger
//! entries, and the decision is answered at once; the committer puts
//! them in the ledger and the store in the background, as for any
//! request. A timer thread fsyncs the journal every `sync` interval.
//!
//! What this promises: a process that dies (SIGKILL included) loses no
//! answered decision, since a `write` that returned is in the kernel's
//! page cache and the next start commits what the ledger lacks
//! ([`replay`]); a machine that crashes loses at most the decisions
//! answered in the last sync interval.
//!
//! The journal is a directory of segments, `DATA_DIR/decision-journal/
//! <n>.ndjson`. Records go to the newest; a segment whose records are
//! all committed is truncated (the newest) or deleted (an older one), and
//! a new segment starts once the newest is [`SEGMENT_BYTES`] long, so
//! the journal holds about what the committer has not yet taken.

use anyhow::{Context, Result};
use custos_ingest::{ItemOutcome, Location, Pipeline, Prepared};
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use std::time::Duration;

/// The journal's directory under the data dir.
pub const DIR: &str = "decision-journal";

/// Size after which the next record starts a new segment.
const SEGMENT_BYTES: u64 = 8 << 20;

/// Records appended and not yet committed beyond which a decision is no
/// longer answered from the journal but waits for its commit (about
/// 50 MB, five seconds of decisions at 10,000/s): the commit threads run
/// at a lower priority than the HTTP workers, and a sustained overload
/// must slow the answers rather than grow the journal without bound.
pub const MAX_PENDING: u64 = 100_000;

/// Records per commit when a start commits what the journal holds.
const REPLAY_BATCH: usize = 10_000;

/// The records of one append, to be marked committed once the committer
/// has them in the ledger and the store.
#[derive(Debug)]
pub struct Ticket {
    journal: Arc<Journal>,
    segment: u64,
    records: u64,
}

impl Ticket {
    /// Marks the records committed: a segment with nothing left to commit
    /// is truncated or deleted.
    pub fn committed(self) {
        self.journal.committed(self.segment, self.records);
    }
}

#[derive(Debug)]
struct Segment {
    file: Arc<File>,
    path: PathBuf,
    bytes: u64,
    appended: u64,
    committed: u64,
    /// Written since the last fsync.
    dirty: bool,
}

#[derive(Debug)]
struct State {
    /// Open segments by number; the last one takes the appends.
    segments: BTreeMap<u64, Segment>,
    next: u64,
    /// A segment was created since the directory was last fsynced.
    dir_dirty: bool,
}

#[derive(Debug)]
pub struct Journal {
    dir: PathBuf,
    state: Mutex<State>,
    /// Records appended and not yet committed, for `/metrics`.
    pending: AtomicU64,
}

/// The sync thread; dropping it syncs a last time and stops the thread.
pub struct Syncer {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Syncer {
    fn drop(&mut self) {
        self.stop.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn segment_path(dir: &Path, n: u64) -> PathBuf {
    dir.join(format!("{n:016}.ndjson"))
}

/// The segment files of a journal directory, oldest first.
fn segment_files(dir: &Path) -> Result<Vec<(u64, PathBuf)>> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e).with_context(|| format!("cannot read `{}`", dir.display())),
    };
    for entry in entries {
        let path = entry
            .with_context(|| format!("cannot read `{}`", dir.display()))?
            .path();
        let number = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".ndjson"))
            .and_then(|n| n.parse::<u64>().ok());
        if let Some(n) = number {
            out.push((n, path));
        }
    }
    out.sort();
    Ok(out)
}

fn open_segment(dir: &Path, n: u64) -> std::io::Result<Segment> {
    let path = segment_path(dir, n);
    let file = OpenOptions::new().create(true).append(true).open(&path)?;
    Ok(Segment {
        file: Arc::new(file),
        path,
        bytes: 0,
        appended: 0,
        committed: 0,
        dirty: false,
    })
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

impl Journal {
    /// Opens an empty journal in `data_dir`; [`replay`] must have emptied
    /// it first (segments left over would be numbered over).
    pub fn open(data_dir: &Path) -> Result<Arc<Journal>> {
        let dir = data_dir.join(DIR);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create `{}`", dir.display()))?;
        let next = segment_files(&dir)?.last().map_or(0, |(n, _)| n + 1);
        let first = open_segment(&dir, next)
            .with_context(|| format!("cannot create a segment in `{}`", dir.display()))?;
        sync_dir(&dir).with_context(|| format!("cannot sync `{}`", dir.display()))?;
        Ok(Arc::new(Journal {
            dir,
            state: Mutex::new(State {
                segments: BTreeMap::from([(next, first)]),
                next: next + 1,
                dir_dirty: false,
            }),
            pending: AtomicU64::new(0),
        }))
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Counts and open files only: still usable after a panic elsewhere.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records appended and not yet committed.
    pub fn pending(&self) -> u64 {
        self.pending.load(Ordering::Relaxed)
    }

    /// Appends `events` (each a canonical entry without a newline) in one
    /// `write`. When this returns, a killed process loses none of them.
    pub fn append(self: &Arc<Self>, events: &[Prepared]) -> std::io::Result<Ticket> {
        let mut buf = Vec::with_capacity(events.iter().map(|p| p.entry.len() + 1).sum());
        for p in events {
            buf.extend_from_slice(&p.entry);
            buf.push(b'\n');
        }
        let records = events.len() as u64;
        let mut state = self.state();
        let rotate = state
            .segments
            .last_key_value()
            .is_none_or(|(_, s)| s.bytes >= SEGMENT_BYTES);
        if rotate {
            let n = state.next;
            let fresh = open_segment(&self.dir, n)?;
            state.segments.insert(n, fresh);
            state.next = n + 1;
            state.dir_dirty = true;
        }
        let Some((&n, segment)) = state.segments.iter_mut().next_back() else {
            return Err(std::io::Error::other("the journal has no segment"));
        };
        if let Err(e) = (&*segment.file).write_all(&buf) {
            // A partial record must not stay in front of the next one.
            let _ = segment.file.set_len(segment.bytes);
            return Err(e);
        }
        segment.bytes += buf.len() as u64;
        segment.appended += records;
        segment.dirty = true;
        drop(state);
        self.pending.fetch_add(records, Ordering::Relaxed);
        Ok(Ticket {
            journal: Arc::clone(self),
            segment: n,
            records,
        })
    }

    fn committed(&self, n: u64, records: u64) {
        self.pending.fetch_sub(records, Ordering::Relaxed);
        let mut state = self.state();
        let newest = state.segments.last_key_value().map(|(k, _)| *k);
        let Some(segment) = state.segments.get_mut(&n) else {
            return;
        };
        segment.committed += records;
        if segment.committed < segment.appended {
            return;
        }
        if Some(n) == newest {
            // Nothing in it is needed any more; appends go on at 0.
            if segment.file.set_len(0).is_ok() {
                segment.bytes = 0;
                segment.appended = 0;
                segment.committed = 0;
            }
        } else if let Some(done) = state.segments.remove(&n) {
            drop(state);
            // Left behind, its records would only be committed again as
            // duplicates at the next start.
            let _ = std::fs::remove_file(&done.path);
        }
    }

    /// Fsyncs every segment written since the last sync (and the
    /// directory, when a segment was created), outside the append lock.
    pub fn sync(&self) -> std::io::Result<()> {
        let (files, dir) = {
            let mut state = self.state();
            let files: Vec<Arc<File>> = state
                .segments
                .values_mut()
                .filter(|s| s.dirty)
                .map(|s| {
                    s.dirty = false;
                    Arc::clone(&s.file)
                })
                .collect();
            (files, std::mem::take(&mut state.dir_dirty))
        };
        if dir {
            sync_dir(&self.dir)?;
        }
        for f in files {
            f.sync_data()?;
        }
        Ok(())
    }

    /// Starts the thread that fsyncs the journal every `every`.
    pub fn start_syncer(self: &Arc<Self>, every: Duration) -> std::io::Result<Syncer> {
        let (stop, stopped) = mpsc::channel::<()>();
        let journal = Arc::clone(self);
        let thread = std::thread::Builder::new()
            .name("custos-journal-sync".into())
            .spawn(move || {
                let mut failing = false;
                loop {
                    let last = !matches!(
                        stopped.recv_timeout(every),
                        Err(mpsc::RecvTimeoutError::Timeout)
                    );
                    match journal.sync() {
                        Ok(()) => failing = false,
                        Err(e) if !failing => {
                            failing = true;
                            eprintln!("custos serve: cannot sync the decision journal: {e}");
                        }
                        Err(_) => {}
                    }
                    if last {
                        break;
                    }
                }
            })?;
        Ok(Syncer {
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// After the committer has stopped: deletes the segments whose records
    /// are all committed; what is left waits for the next start.
    pub fn close(&self) {
        let mut state = self.state();
        let done: Vec<u64> = state
            .segments
            .iter()
            .filter(|(_, s)| s.committed >= s.appended)
            .map(|(n, _)| *n)
            .collect();
        for n in done {
            if let Some(s) = state.segments.remove(&n) {
                let _ = std::fs::remove_file(&s.path);
            }
        }
    }
}

/// What a start found in the journal.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Replayed {
    /// Records committed now: the ledger lacked them.
    pub committed: u64,
    /// Records the ledger already held.
    pub duplicates: u64,
    /// Records that could not be read (a torn last record after a crash),
    /// each reported and dropped.
    pub dropped: Vec<String>,
}

/// Commits what the journal of `data_dir` holds and the ledger lacks (a
/// record the ledger has is a duplicate by its `id`, and skipped), then
/// deletes the segments. A record that cannot be read, such as a last
/// one torn by a crash mid-write, is reported and dropped.
pub fn replay(data_dir: &Path, pipeline: &mut Pipeline) -> Result<Replayed> {
    let dir = data_dir.join(DIR);
    let mut out = Replayed::default();
    let files = segment_files(&dir)?;
    for (_, path) in &files {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read `{}`", path.display()))?;
        let source = path.display().to_string();
        let mut batch = Vec::new();
        let mut rest: &[u8] = &bytes;
        let mut line = 0u64;
        while !rest.is_empty() {
            line += 1;
            let (record, complete) = match rest.iter().position(|b| *b == b'\n') {
                Some(end) => {
                    let r = &rest[..end];
                    rest = &rest[end + 1..];
                    (r, true)
                }
                None => (std::mem::take(&mut rest), false),
            };
            let at = Location {
                source: source.clone(),
                line,
            };
            if !complete {
                out.dropped.push(format!(
                    "{at}: a torn last record ({} bytes without its newline)",
                    record.len()
                ));
                continue;
            }
            match std::str::from_utf8(record)
                .map_err(|e| e.to_string())
                .and_then(|text| {
                    custos_ingest::prepare(at.clone(), text).map_err(|r| r.to_string())
                }) {
                Ok(p) => batch.push(p),
                Err(reason) => out.dropped.push(format!("{at}: {reason}")),
            }
        }
        for chunk in batch.chunks(REPLAY_BATCH) {
            let outcomes = pipeline
                .commit_items(chunk)
                .with_context(|| format!("cannot commit the records of `{source}`"))?;
            for (p, o) in chunk.iter().zip(outcomes) {
                match o {
                    ItemOutcome::Accepted { .. } => out.committed += 1,
                    ItemOutcome::Duplicate => out.duplicates += 1,
                    ItemOutcome::Rejected { field, reason } => out
                        .dropped
                        .push(format!("{}: field `{field}`: {reason}", p.location)),
                }
            }
        }
    }
    // Only once every segment is durable in the ledger and the store.
    for (_, path) in &files {
        std::fs::remove_file(path)
            .with_context(|| format!("cannot delete `{}`", path.display()))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn event(n: u32) -> Prepared {
        let line = format!(
            r#"{{"id":"j-{n}","time":"2026-03-01T00:00:00Z","actor":{{"type":"employee","id":"emp-1"}},"action":"customer.view","target":{{"type":"customer","id":"cus-{n}"}}}}"#
        );
        let at = Location {
            source: "test".into(),
            line: u64::from(n),
        };
        custos_ingest::prepare(at, &line).unwrap()
    }

    /// The backlog that bounds journaled answers ([`MAX_PENDING`]) counts
    /// every record appended and not yet committed, whatever the order
    /// the commits come back in.
    #[test]
    fn pending_counts_records_until_committed() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path()).unwrap();
        let first = journal.append(&[event(1), event(2)]).unwrap();
        let second = journal.append(&[event(3)]).unwrap();
        let third = journal.append(&[event(4), event(5)]).unwrap();
        assert_eq!(journal.pending(), 5);
        second.committed();
        assert_eq!(journal.pending(), 4);
        third.committed();
        first.committed();
        assert_eq!(journal.pending(), 0);
        // Everything committed: the segment is emptied for the next appends.
        let segments = segment_files(&journal.dir).unwrap();
        assert_eq!(segments.len(), 1);
        assert_eq!(std::fs::metadata(&segments[0].1).unwrap().len(), 0);
    }
}
