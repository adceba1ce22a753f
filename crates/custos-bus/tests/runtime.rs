//! The node runtime against a real NATS JetStream server: two nodes
//! share partitions through an ownership rule; when one dies mid-way the
//! other takes its partitions over and every message is committed, in
//! stream order per partition; a failed commit is delivered again.
#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use custos_bus::{
    route, run_partitions, Bus, BusMessage, CommitError, ConsumerOptions, PartitionHandler,
    PartitionOwner, RuntimeOptions,
};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// What both nodes see: who holds which partition (the stand-in for the
/// partition ledger's file lock) and what was committed.
#[derive(Default)]
struct Shared {
    held: Mutex<HashMap<u32, usize>>,
    /// Per partition, every committed (sequence, id) in commit order,
    /// repeats included.
    committed: Mutex<HashMap<u32, Vec<(u64, String)>>>,
    /// Messages committed per node.
    by_node: [AtomicU64; 2],
}

struct Owner {
    node: usize,
    shared: Arc<Shared>,
    /// Time a commit takes (a durable write), so the first node is
    /// mid-way when it dies.
    commit_time: Duration,
    /// Commits to fail before succeeding.
    failures: Arc<AtomicU64>,
}

struct Handler {
    node: usize,
    partition: u32,
    shared: Arc<Shared>,
    commit_time: Duration,
    failures: Arc<AtomicU64>,
}

impl PartitionOwner for Owner {
    type Handler = Handler;
    fn try_acquire(&self, partition: u32) -> Option<Handler> {
        let mut held = self.shared.held.lock().unwrap();
        if held.contains_key(&partition) {
            return None;
        }
        held.insert(partition, self.node);
        Some(Handler {
            node: self.node,
            partition,
            shared: self.shared.clone(),
            commit_time: self.commit_time,
            failures: self.failures.clone(),
        })
    }
}

impl Drop for Handler {
    fn drop(&mut self) {
        self.shared.held.lock().unwrap().remove(&self.partition);
    }
}

impl PartitionHandler for Handler {
    fn commit(&mut self, batch: &[BusMessage]) -> Result<(), CommitError> {
        if self
            .failures
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Err("the disk is full".into());
        }
        std::thread::sleep(self.commit_time);
        let mut committed = self.shared.committed.lock().unwrap();
        let list = committed.entry(self.partition).or_default();
        for m in batch {
            assert_eq!(m.partition, self.partition);
            list.push((m.stream_sequence, id_of(&m.payload)));
        }
        self.shared.by_node[self.node].fetch_add(batch.len() as u64, Ordering::SeqCst);
        Ok(())
    }
}

fn options() -> RuntimeOptions {
    RuntimeOptions {
        consumer: ConsumerOptions {
            ack_wait: Duration::from_secs(2),
            max_ack_pending: 1000,
        },
        batch: 20,
        fetch_wait: Duration::from_millis(200),
        acquire_interval: Duration::from_millis(100),
        retry_backoff: Duration::from_millis(100),
    }
}

/// The ids each partition must commit.
fn expected(lines: &[String], partitions: u32) -> HashMap<u32, BTreeSet<String>> {
    let mut want: HashMap<u32, BTreeSet<String>> = HashMap::new();
    for line in lines {
        let e = custos_core::parse_event(line).unwrap();
        for p in route(&e, partitions).partitions(partitions) {
            want.entry(p).or_default().insert(e.id.to_string());
        }
    }
    want
}

/// Polls until every partition committed all it must, or a deadline.
fn wait_complete(shared: &Shared, want: &HashMap<u32, BTreeSet<String>>) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let done = {
            let committed = shared.committed.lock().unwrap();
            want.iter().all(|(p, ids)| {
                let got: BTreeSet<&String> = committed
                    .get(p)
                    .map(|l| l.iter().map(|(_, id)| id).collect())
                    .unwrap_or_default();
                ids.iter().all(|id| got.contains(id))
            })
        };
        if done {
            return;
        }
        assert!(Instant::now() < deadline, "not everything was committed");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// First commits of each partition come in stream order (repeats after a
/// takeover are allowed: the commit is idempotent), and nothing foreign.
fn check_order(shared: &Shared, want: &HashMap<u32, BTreeSet<String>>) {
    let committed = shared.committed.lock().unwrap();
    for (p, list) in committed.iter() {
        let mut seen = HashSet::new();
        let mut last = 0;
        for (seq, id) in list {
            assert!(want[p].contains(id), "partition {p} got foreign {id}");
            if seen.insert(*seq) {
                assert!(*seq > last, "partition {p}: {seq} after {last}");
                last = *seq;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_nodes_partitions_are_taken_over_and_everything_is_committed() {
    if !nats_or_skip("takeover") {
        return;
    }
    let config = unique_config(Some(4));
    let _guard = StreamGuard(config.clone());
    let bus = Bus::connect(&config).await.unwrap();
    let lines = events(400);
    let counts = publish_all(&bus, &lines).await;
    let want = expected(&lines, 4);
    let total: u64 = want.values().map(|s| s.len() as u64).sum();
    assert_eq!(counts.messages, total);

    let shared = Arc::new(Shared::default());
    let owner = |node, commit_time| Owner {
        node,
        shared: shared.clone(),
        commit_time,
        failures: Arc::new(AtomicU64::new(0)),
    };
    // Node 0 starts alone and takes every partition.
    let (_stop0, rx0) = watch::channel(false);
    let node0 = tokio::spawn(run_partitions(
        bus.clone(),
        0..4,
        owner(0, Duration::from_millis(25)),
        options(),
        rx0,
    ));
    let deadline = Instant::now() + Duration::from_secs(10);
    while shared.held.lock().unwrap().len() < 4 {
        assert!(Instant::now() < deadline, "node 0 never owned everything");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (stop1, rx1) = watch::channel(false);
    let node1 = tokio::spawn(run_partitions(
        bus.clone(),
        0..4,
        owner(1, Duration::ZERO),
        options(),
        rx1,
    ));
    // Node 0 dies (no graceful stop) once it is part of the way through.
    let deadline = Instant::now() + Duration::from_secs(20);
    while shared.by_node[0].load(Ordering::SeqCst) < total / 4 {
        assert!(Instant::now() < deadline, "node 0 made no progress");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    node0.abort();
    let _ = node0.await;

    let waiting = shared.clone();
    let want2 = want.clone();
    tokio::task::spawn_blocking(move || wait_complete(&waiting, &want2))
        .await
        .unwrap();
    stop1.send(true).unwrap();
    let stats1 = node1.await.unwrap();

    let by0 = shared.by_node[0].load(Ordering::SeqCst);
    assert!(by0 < total, "node 0 was stopped mid-way ({by0} of {total})");
    assert_eq!(stats1.acquisitions, 4, "node 1 took every partition over");
    assert!(shared.held.lock().unwrap().is_empty(), "shutdown releases");
    check_order(&shared, &want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_commit_is_delivered_again_and_shutdown_is_graceful() {
    if !nats_or_skip("failed_commit") {
        return;
    }
    let config = unique_config(Some(2));
    let _guard = StreamGuard(config.clone());
    let bus = Bus::connect(&config).await.unwrap();
    let lines = events(100);
    publish_all(&bus, &lines).await;
    let want = expected(&lines, 2);

    let shared = Arc::new(Shared::default());
    let owner = Owner {
        node: 0,
        shared: shared.clone(),
        commit_time: Duration::ZERO,
        failures: Arc::new(AtomicU64::new(2)),
    };
    let (stop, rx) = watch::channel(false);
    let node = tokio::spawn(run_partitions(bus.clone(), 0..2, owner, options(), rx));
    let waiting = shared.clone();
    let want2 = want.clone();
    tokio::task::spawn_blocking(move || wait_complete(&waiting, &want2))
        .await
        .unwrap();
    stop.send(true).unwrap();
    let stats = node.await.unwrap();
    assert_eq!(stats.failed_commits, 2);
    assert_eq!(stats.acquisitions, 2);
    check_order(&shared, &want);
    // Everything committed was acknowledged: a new owner gets nothing.
    for p in 0..2 {
        let c = custos_bus::PartitionConsumer::take_over(&bus, p, &options().consumer)
            .await
            .unwrap();
        assert_eq!(c.unacknowledged().await.unwrap(), 0, "partition {p}");
    }
    // Each message was committed exactly once: the failures committed nothing.
    let committed = shared.committed.lock().unwrap();
    let n: usize = committed.values().map(Vec::len).sum();
    assert_eq!(n, want.values().map(BTreeSet::len).sum::<usize>());
}
