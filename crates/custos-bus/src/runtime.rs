//! A node's consuming side: own whichever partitions the caller grants,
//! commit their batches, acknowledge, and take over partitions that
//! another node left.

use crate::consume::{BusMessage, ConsumerOptions, PartitionConsumer};
use crate::stream::Bus;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// Why a commit failed; the runtime logs it and lets the batch come back.
pub type CommitError = Box<dyn std::error::Error + Send + Sync>;

/// Decides which partitions this node may own right now.
///
/// Custos implements it with an exclusive lock on the partition's ledger,
/// so a node that dies (even by SIGKILL) frees its partitions.
pub trait PartitionOwner: Send + Sync + 'static {
    type Handler: PartitionHandler;

    /// Ownership of `partition`, or `None` if another node holds it. The
    /// ownership lasts as long as the handler: dropping it releases it.
    /// Called from an async task: it must not block for long.
    fn try_acquire(&self, partition: u32) -> Option<Self::Handler>;
}

/// Makes the batches of one owned partition durable.
pub trait PartitionHandler: Send + 'static {
    /// Makes `batch` durable (messages in stream order). Runs on a
    /// blocking thread. Must be idempotent by event id: after a crash or
    /// a failed acknowledgement, messages already committed come again.
    /// An error leaves the batch unacknowledged; it is delivered again.
    fn commit(&mut self, batch: &[BusMessage]) -> Result<(), CommitError>;
}

/// Timing of the runtime.
#[derive(Clone, Debug)]
pub struct RuntimeOptions {
    pub consumer: ConsumerOptions,
    /// Messages per batch at most.
    pub batch: usize,
    /// How long one fetch waits for a first message.
    pub fetch_wait: Duration,
    /// How often a partition that another node owns is tried again.
    pub acquire_interval: Duration,
    /// Pause after a bus or commit error before trying again.
    pub retry_backoff: Duration,
}

impl Default for RuntimeOptions {
    fn default() -> Self {
        RuntimeOptions {
            consumer: ConsumerOptions::default(),
            batch: 5_000,
            fetch_wait: Duration::from_millis(500),
            acquire_interval: Duration::from_millis(500),
            retry_backoff: Duration::from_millis(500),
        }
    }
}

/// What a runtime did, summed over its partitions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunStats {
    /// Partitions acquired (a takeover counts once more).
    pub acquisitions: u64,
    /// Batches committed and acknowledged.
    pub batches: u64,
    /// Messages in those batches.
    pub messages: u64,
    /// Commits that failed (their batches were delivered again).
    pub failed_commits: u64,
}

impl RunStats {
    fn add(&mut self, o: RunStats) {
        self.acquisitions += o.acquisitions;
        self.batches += o.batches;
        self.messages += o.messages;
        self.failed_commits += o.failed_commits;
    }
}

/// Runs the consuming side of a node until `shutdown` turns `true` (or
/// its sender is dropped): one task per partition of `partitions`, each
/// looping acquire → (fetch → commit → acknowledge)*. A partition owned
/// elsewhere is tried again every `acquire_interval`, so a node's
/// partitions are taken over within about that long after it stops or
/// dies. On a commit or bus error nothing is acknowledged; the consumer
/// is reset to its acknowledged floor and the batch is delivered again.
///
/// A commit in progress finishes (and is acknowledged) before shutdown
/// returns. Dropping the returned future aborts the partition tasks, as
/// a crash would; messages not acknowledged are delivered again.
pub async fn run_partitions<O: PartitionOwner>(
    bus: Bus,
    partitions: impl IntoIterator<Item = u32>,
    owner: O,
    options: RuntimeOptions,
    shutdown: watch::Receiver<bool>,
) -> RunStats {
    let owner = std::sync::Arc::new(owner);
    let mut tasks = JoinSet::new();
    for p in partitions {
        let (bus, owner, options, shutdown) = (
            bus.clone(),
            owner.clone(),
            options.clone(),
            shutdown.clone(),
        );
        tasks.spawn(async move { run_partition(bus, p, owner, options, shutdown).await });
    }
    let mut stats = RunStats::default();
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(s) => stats.add(s),
            Err(e) => eprintln!("custos bus: a partition task ended abnormally: {e}"),
        }
    }
    stats
}

/// Waits until shutdown is asked for (a dropped sender counts).
async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    while !*shutdown.borrow_and_update() {
        if shutdown.changed().await.is_err() {
            return;
        }
    }
}

/// Sleeps for `d` unless shutdown comes first; `true` if it did.
async fn pause(d: Duration, shutdown: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(d) => false,
        _ = stopped(shutdown) => true,
    }
}

fn is_stopped(shutdown: &watch::Receiver<bool>) -> bool {
    // A dropped sender means nobody can keep the runtime going.
    *shutdown.borrow() || shutdown.has_changed().is_err()
}

async fn run_partition<O: PartitionOwner>(
    bus: Bus,
    p: u32,
    owner: std::sync::Arc<O>,
    options: RuntimeOptions,
    mut shutdown: watch::Receiver<bool>,
) -> RunStats {
    let mut stats = RunStats::default();
    while !is_stopped(&shutdown) {
        let Some(handler) = owner.try_acquire(p) else {
            if pause(options.acquire_interval, &mut shutdown).await {
                break;
            }
            continue;
        };
        stats.acquisitions += 1;
        own(&bus, p, handler, &options, &mut shutdown, &mut stats).await;
    }
    stats
}

/// Works one owned partition until shutdown, or until the handler is
/// lost (a panic in a commit); dropping the handler releases ownership.
async fn own<H: PartitionHandler>(
    bus: &Bus,
    p: u32,
    mut handler: H,
    options: &RuntimeOptions,
    shutdown: &mut watch::Receiver<bool>,
    stats: &mut RunStats,
) {
    let mut consumer: Option<PartitionConsumer> = None;
    loop {
        if is_stopped(shutdown) {
            return;
        }
        let c = match consumer.take() {
            Some(c) => c,
            // A new owner (or one recovering from an error) starts just
            // after what was acknowledged: nothing uncommitted is skipped.
            None => match PartitionConsumer::take_over(bus, p, &options.consumer).await {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("custos bus: {e}");
                    if pause(options.retry_backoff, shutdown).await {
                        return;
                    }
                    continue;
                }
            },
        };
        let fetched = tokio::select! {
            r = c.fetch_batch(options.batch, options.fetch_wait) => r,
            _ = stopped(shutdown) => return,
        };
        let batch = match fetched {
            Ok(b) if b.is_empty() => {
                consumer = Some(c);
                continue;
            }
            Ok(b) => b,
            Err(e) => {
                eprintln!("custos bus: {e}");
                if pause(options.retry_backoff, shutdown).await {
                    return;
                }
                continue;
            }
        };
        let committed = tokio::task::spawn_blocking(move || {
            let r = handler.commit(&batch);
            (handler, batch, r)
        })
        .await;
        let (h, batch, result) = match committed {
            Ok(done) => done,
            Err(e) => {
                // The handler panicked and is gone: so is ownership.
                eprintln!("custos bus: partition {p}: the commit of a batch panicked: {e}");
                return;
            }
        };
        handler = h;
        if let Err(e) = result {
            stats.failed_commits += 1;
            eprintln!(
                "custos bus: partition {p}: commit failed, the batch will be delivered again: {e}"
            );
            if pause(options.retry_backoff, shutdown).await {
                return;
            }
            continue;
        }
        let Some(last) = batch.last() else {
            consumer = Some(c);
            continue;
        };
        match c.ack_through(last).await {
            Ok(()) => {
                stats.batches += 1;
                stats.messages += batch.len() as u64;
                consumer = Some(c);
            }
            // Committed but not acknowledged: it comes again, and the
            // idempotent commit recognises it.
            Err(e) => eprintln!("custos bus: {e}"),
        }
    }
}
