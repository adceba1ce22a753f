//! The thread that owns the pipeline. Requests queue here; whatever is
//! waiting when a commit starts goes into the same group commit, so many
//! concurrent requests share one ledger fsync and one store transaction.
//!
//! A group of journaled decisions only (no caller waits for it) may wait
//! a little for more before it is committed ([`spawn`]'s `collect`):
//! each commit has a fixed cost (new tile files, fsyncs, the store's
//! transaction, a signed checkpoint), so fewer, larger commits do less
//! I/O per decision. Any job with a caller waiting ends the wait at once.

use crate::journal;
use custos_ingest::{ItemOutcome, Pipeline, Prepared};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// Most events one group commit takes, so a flood of requests still gets
/// answers at a steady pace.
const MAX_GROUP: usize = 65_536;

pub enum Job {
    Commit {
        batch: Vec<Prepared>,
        reply: Reply,
    },
    /// Runs a read of the ledger on the committer thread, between commits.
    Read(ReadFn),
}

/// A read queued with [`Handle::read`].
type ReadFn = Box<dyn FnOnce(&Pipeline) + Send>;

#[derive(Clone)]
pub struct Handle {
    tx: mpsc::Sender<Job>,
    /// The committer thread, woken when a job someone waits for is queued
    /// while it collects journaled decisions (see [`spawn`]).
    committer: std::thread::Thread,
}

impl Handle {
    pub async fn commit(&self, batch: Vec<Prepared>) -> Result<Vec<ItemOutcome>, String> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Job::Commit {
                batch,
                reply: Reply::Waiting(reply),
            })
            .map_err(|_| "the committer has stopped".to_owned())?;
        self.committer.unpark();
        rx.await
            .map_err(|_| "the committer has stopped".to_owned())?
    }

    /// Queues events already in the decision journal (whose requests were
    /// answered) for the next group commit; the ticket is marked
    /// committed once they are in the ledger and the store.
    pub fn commit_journaled(
        &self,
        batch: Vec<Prepared>,
        ticket: journal::Ticket,
    ) -> Result<(), String> {
        self.tx
            .send(Job::Commit {
                batch,
                reply: Reply::Journaled(ticket),
            })
            .map_err(|_| "the committer has stopped".to_owned())
    }

    /// Runs `f` against the pipeline and returns its result.
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Pipeline) -> T + Send + 'static,
    ) -> Result<T, String> {
        let (reply, rx) = oneshot::channel();
        let job = Job::Read(Box::new(move |p| {
            let _ = reply.send(f(p));
        }));
        self.tx
            .send(job)
            .map_err(|_| "the committer has stopped".to_owned())?;
        self.committer.unpark();
        rx.await.map_err(|_| "the committer has stopped".to_owned())
    }
}

/// Sees each committed group before its requests are answered, with the
/// pipeline whose store already holds it (the guard's disclosure book).
pub type Observer = Box<dyn FnMut(&Pipeline, &[Prepared], &[ItemOutcome]) + Send>;

/// Starts the committer; it runs until every [`Handle`] is dropped, then
/// saves the detection state. Join the returned thread to wait for that.
///
/// `collect`: how long a group holding only journaled decisions waits
/// for more before it is committed (`[guard] journal_commit_ms`). Their
/// callers already have their answers and the journal holds the events,
/// so the wait delays only when they reach the ledger and the store; it
/// ends as soon as a job with a waiting caller arrives. The thread
/// sleeps through the wait rather than blocking on the queue, so a
/// journaled decision queued meanwhile costs no wake-up (at thousands
/// per second, waking the committer for each cost as much as the
/// commits it saved); a waiting job wakes it ([`Handle`] unparks it).
pub fn spawn(
    mut pipeline: Pipeline,
    mut observer: Option<Observer>,
    collect: Duration,
) -> std::io::Result<(Handle, std::thread::JoinHandle<()>)> {
    let (tx, rx) = mpsc::channel::<Job>();
    std::thread::Builder::new()
        .name("custos-committer".into())
        .spawn(move || {
            while let Ok(first) = rx.recv() {
                let mut group = Group::default();
                group.take(first);
                while group.size < MAX_GROUP {
                    match rx.try_recv() {
                        Ok(job) => group.take(job),
                        Err(_) => break,
                    }
                }
                if group.nobody_waits() && !collect.is_zero() {
                    let until = Instant::now() + collect;
                    loop {
                        let left = until.saturating_duration_since(Instant::now());
                        if left.is_zero() {
                            break;
                        }
                        std::thread::park_timeout(left);
                        let mut open = true;
                        while group.size < MAX_GROUP {
                            match rx.try_recv() {
                                Ok(job) => group.take(job),
                                Err(mpsc::TryRecvError::Empty) => break,
                                // Every handle is gone: commit and stop.
                                Err(mpsc::TryRecvError::Disconnected) => {
                                    open = false;
                                    break;
                                }
                            }
                        }
                        if !open || group.size >= MAX_GROUP || !group.nobody_waits() {
                            break;
                        }
                    }
                }
                commit_group(&mut pipeline, group.commits, &mut observer);
                for f in group.reads {
                    f(&pipeline);
                }
            }
            if let Err(e) = pipeline.snapshot_detection() {
                eprintln!("custos serve: cannot save the detection state: {e}");
            }
        })
        .map(|thread| {
            let committer = thread.thread().clone();
            (Handle { tx, committer }, thread)
        })
}

/// The jobs of one group commit, and the reads that run after it.
#[derive(Default)]
struct Group {
    commits: Vec<(Vec<Prepared>, Reply)>,
    reads: Vec<ReadFn>,
    /// Events in `commits`.
    size: usize,
    /// Some job has a caller waiting for it (a read, or a commit that is
    /// not journaled).
    waited_for: bool,
}

impl Group {
    fn take(&mut self, job: Job) {
        match job {
            Job::Commit { batch, reply } => {
                self.size += batch.len();
                self.waited_for |= matches!(reply, Reply::Waiting(_));
                self.commits.push((batch, reply));
            }
            Job::Read(f) => {
                self.waited_for = true;
                self.reads.push(f);
            }
        }
    }

    fn nobody_waits(&self) -> bool {
        !self.waited_for
    }
}

/// Who hears of a commit.
pub enum Reply {
    /// A request waiting for its answer.
    Waiting(oneshot::Sender<Result<Vec<ItemOutcome>, String>>),
    /// A request answered when its events reached the decision journal:
    /// the journal learns they are committed. On a failed commit they stay
    /// in the journal, and the next start commits them.
    Journaled(journal::Ticket),
}

impl Reply {
    fn send(self, result: Result<Vec<ItemOutcome>, String>) {
        match self {
            Reply::Waiting(tx) => {
                let _ = tx.send(result);
            }
            Reply::Journaled(ticket) => match result {
                Ok(outcomes) => {
                    if let Some(o) = outcomes
                        .iter()
                        .find(|o| !matches!(o, ItemOutcome::Accepted { .. } | ItemOutcome::Duplicate))
                    {
                        eprintln!("custos serve: a journaled decision event was not stored: {o:?}");
                    }
                    ticket.committed();
                }
                Err(e) => eprintln!(
                    "custos serve: journaled decision events not committed, kept in the journal for the next start: {e}"
                ),
            },
        }
    }
}

fn commit_group(
    pipeline: &mut Pipeline,
    group: Vec<(Vec<Prepared>, Reply)>,
    observer: &mut Option<Observer>,
) {
    if group.is_empty() {
        return;
    }
    let lens: Vec<usize> = group.iter().map(|(b, _)| b.len()).collect();
    let mut all = Vec::with_capacity(lens.iter().sum());
    let mut replies = Vec::with_capacity(group.len());
    for (batch, reply) in group {
        all.extend(batch);
        replies.push(reply);
    }
    match pipeline.commit_items(&all) {
        Ok(outcomes) => {
            if let Some(observe) = observer {
                observe(pipeline, &all, &outcomes);
            }
            let mut rest = outcomes.into_iter();
            for (len, reply) in lens.into_iter().zip(replies) {
                reply.send(Ok(rest.by_ref().take(len).collect()));
            }
        }
        Err(e) => {
            for reply in replies {
                reply.send(Err(e.to_string()));
            }
        }
    }
}
