//! One node of a scale-out deployment (`custos serve --bus`): it owns
//! whichever partitions of the bus it can lock, ingests their events into
//! each partition's own ledger and the shared PostgreSQL store, runs the
//! partition's detectors, and cosigns the ledgers of the partitions it
//! does not own.
//!
//! Partition `p` lives in `SHARED/p<p>/`: its ledger (`ledger/`), the
//! ledger's key and the cosigned checkpoints other nodes published
//! (`cosigned/<node>.note`). Ownership is the ledger's exclusive writer
//! lock: a node that stops or dies, even by SIGKILL, frees its partitions
//! and another node takes them over within a second. The newcomer opens
//! the ledger, reconciles the store with it, restores the detectors from
//! their snapshot in the store and continues from the last acknowledged
//! message; messages committed but not acknowledged come again and are
//! dropped as duplicates by event id.
//!
//! Signals that span partitions (peer groups of a role, a seller
//! benefiting from employees on several partitions) come from the
//! aggregates every partition leaves in the shared store: one node at a
//! time (holding `SHARED/cross.lock`) runs the cross-partition pass over
//! the days every partition has finished, every `cross_every` and once
//! more at a clean stop. Its state lives under the store ledger `cross`.
//!
//! Each node's witness key stays in its own data dir; its verifier key
//! is published in `SHARED/witnesses/<node>.vkey`, and the last
//! checkpoint it cosigned per partition is kept beside the key, so a
//! partition whose history is rewritten is refused, not cosigned.

use custos_bus::{
    run_partitions, Bus, BusMessage, CommitError, PartitionHandler, PartitionOwner, RunStats,
    RuntimeOptions,
};
use custos_detect::DetectConfig;
use custos_ingest::{cross_pass, prepare, DataDir, IngestError, Location, Pipeline};
use custos_ledger::{
    read_verifier_key, witness, CosignatureVerifier, Cosigner, Ledger, LedgerError,
};
use custos_store::{open_store, StoreSpec};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// What a node needs besides the bus.
#[derive(Clone, Debug)]
pub struct NodeOptions {
    /// The node's name, unique in the deployment (a signed-note key name).
    pub name: String,
    /// This node's own data dir: its witness key and witness state.
    pub node_dir: PathBuf,
    /// The directory every node shares: the partitions' ledgers.
    pub shared: PathBuf,
    /// The deployment's log name; partition `p`'s log is `<origin>/p<p>`.
    pub origin: String,
    /// The shared PostgreSQL store.
    pub store_url: String,
    /// Detection settings; `None` runs no detectors.
    pub detect: Option<DetectConfig>,
    pub runtime: RuntimeOptions,
    /// How often the other partitions' checkpoints are cosigned.
    pub cosign_every: Duration,
    /// How often the cross-partition pass is tried.
    pub cross_every: Duration,
}

/// The store ledger whose state table holds the cross-partition pass's.
pub const CROSS_LEDGER: &str = "cross";

/// Partition `p`'s directory in the shared dir.
pub fn partition_dir(shared: &Path, p: u32) -> PathBuf {
    shared.join(format!("p{p}"))
}

/// The name of partition `p`'s ledger in the store and in its checkpoints.
pub fn partition_ledger(p: u32) -> String {
    format!("p{p}")
}

/// Partition `p`'s data dir, with the shared store.
pub fn partition_data_dir(shared: &Path, store_url: &str, p: u32) -> DataDir {
    DataDir::new(partition_dir(shared, p)).with_store(StoreSpec::Postgres {
        url: store_url.to_owned(),
        ledger: partition_ledger(p),
    })
}

fn partition_origin(origin: &str, p: u32) -> String {
    format!("{origin}/p{p}")
}

/// Where the published verifier keys of every node's witness live.
pub fn witnesses_dir(shared: &Path) -> PathBuf {
    shared.join("witnesses")
}

/// The partitions this node writes now: its witness skips them, since
/// cosigning one's own log proves nothing.
type Owned = Arc<Mutex<HashSet<u32>>>;

/// Grants a partition when its ledger's writer lock is free.
struct LedgerOwner {
    opts: Arc<NodeOptions>,
    owned: Owned,
}

/// An owned partition: its pipeline holds the ledger's lock.
pub struct OwnedPartition {
    partition: u32,
    pipeline: Pipeline,
    owned: Owned,
    opts: Arc<NodeOptions>,
}

impl PartitionOwner for LedgerOwner {
    type Handler = OwnedPartition;

    fn try_acquire(&self, p: u32) -> Option<OwnedPartition> {
        // Opening reconciles the store and restores detection: blocking
        // work, kept off the async workers.
        tokio::task::block_in_place(|| match open_partition(&self.opts, p) {
            Ok(pipeline) => {
                lock(&self.owned).insert(p);
                Some(OwnedPartition {
                    partition: p,
                    pipeline,
                    owned: self.owned.clone(),
                    opts: self.opts.clone(),
                })
            }
            Err(IngestError::Ledger(LedgerError::Locked { .. })) => None,
            Err(e) => {
                eprintln!(
                    "custos node {}: cannot take partition {p}: {e}",
                    self.opts.name
                );
                None
            }
        })
    }
}

fn lock(owned: &Owned) -> std::sync::MutexGuard<'_, HashSet<u32>> {
    owned
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn open_partition(opts: &NodeOptions, p: u32) -> Result<Pipeline, IngestError> {
    let dir = partition_data_dir(&opts.shared, &opts.store_url, p);
    std::fs::create_dir_all(&dir.root).map_err(|source| IngestError::DataDir {
        path: dir.root.clone(),
        source,
    })?;
    let mut pipeline =
        Pipeline::open_with(&dir, &partition_origin(&opts.origin, p), &dir.store_spec())?;
    if let Some(cfg) = &opts.detect {
        pipeline.enable_partitioned_detection(cfg.clone(), None)?;
    }
    eprintln!(
        "custos node {}: owns partition {p} (ledger size {})",
        opts.name,
        pipeline.ledger().size()
    );
    Ok(pipeline)
}

impl PartitionHandler for OwnedPartition {
    fn commit(&mut self, batch: &[BusMessage]) -> Result<(), CommitError> {
        let mut prepared = Vec::with_capacity(batch.len());
        for msg in batch {
            let location = Location {
                source: format!("bus partition {} message", self.partition),
                line: msg.stream_sequence,
            };
            let text = match msg.text() {
                Ok(t) => t,
                Err(_) => {
                    // Publishers validate; a message that is not even
                    // UTF-8 can never be stored, so it is dropped loudly
                    // rather than redelivered forever.
                    eprintln!("custos: {location}: not UTF-8; dropped");
                    continue;
                }
            };
            match prepare(location, text) {
                Ok(p) => prepared.push(p),
                Err(r) => eprintln!("custos: {r}; dropped"),
            }
        }
        if let Err(e) = self.pipeline.commit_items(&prepared) {
            // A failed store write ends the pipeline's store writer for
            // good: reopen the store (re-indexing from the ledger what it
            // lacks, detection restored and caught up) so that the batch,
            // delivered again, finds its events stored.
            let dir = partition_data_dir(&self.opts.shared, &self.opts.store_url, self.partition);
            if let Err(r) = self.pipeline.reopen_store(&dir.store_spec()) {
                eprintln!(
                    "custos node {}: partition {}: cannot reopen the store: {r}",
                    self.opts.name, self.partition
                );
            }
            return Err(e.into());
        }
        Ok(())
    }
}

impl Drop for OwnedPartition {
    fn drop(&mut self) {
        // A clean hand-over leaves a fresh snapshot for the next owner.
        if let Err(e) = self.pipeline.snapshot_detection() {
            eprintln!(
                "custos: partition {}: cannot snapshot detection: {e}",
                self.partition
            );
        }
        lock(&self.owned).remove(&self.partition);
    }
}

/// Runs the node's consuming side and its witness until `shutdown`.
pub async fn run_node(
    bus: Bus,
    opts: NodeOptions,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<RunStats> {
    let partitions = bus.topology().partitions;
    let opts = Arc::new(opts);
    let cosigner = Arc::new(load_witness(&opts)?);
    let owned = Owned::default();
    let witness_task = {
        let (opts, cosigner, owned, mut shutdown) = (
            opts.clone(),
            cosigner.clone(),
            owned.clone(),
            shutdown.clone(),
        );
        tokio::spawn(async move {
            loop {
                let (o, c) = (opts.clone(), cosigner.clone());
                let others: Vec<u32> = {
                    let mine = lock(&owned);
                    (0..partitions).filter(|p| !mine.contains(p)).collect()
                };
                let _ = tokio::task::spawn_blocking(move || cosign_round(&o, &c, &others)).await;
                tokio::select! {
                    _ = tokio::time::sleep(opts.cosign_every) => {}
                    _ = shutdown.changed() => break,
                }
                if *shutdown.borrow() {
                    break;
                }
            }
        })
    };
    let cross_task = {
        let (opts, mut shutdown) = (opts.clone(), shutdown.clone());
        tokio::spawn(async move {
            loop {
                let o = opts.clone();
                let _ = tokio::task::spawn_blocking(move || cross_round(&o, partitions)).await;
                tokio::select! {
                    _ = tokio::time::sleep(opts.cross_every) => {}
                    _ = shutdown.changed() => break,
                }
                if *shutdown.borrow() {
                    break;
                }
            }
        })
    };
    let owner = LedgerOwner {
        opts: opts.clone(),
        owned,
    };
    let stats = run_partitions(bus, 0..partitions, owner, opts.runtime.clone(), shutdown).await;
    witness_task.abort();
    // The partitions have stored their last aggregates: one more pass,
    // after the periodic one has finished its round.
    let _ = cross_task.await;
    let o = opts.clone();
    let _ = tokio::task::spawn_blocking(move || cross_round(&o, partitions)).await;
    Ok(stats)
}

/// Runs the cross-partition pass if no other node is running it.
fn cross_round(opts: &NodeOptions, partitions: u32) {
    let Some(cfg) = &opts.detect else { return };
    let path = opts.shared.join("cross.lock");
    let file = match std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
    {
        Ok(f) => f,
        Err(e) => {
            eprintln!(
                "custos node {}: cannot open `{}`: {e}",
                opts.name,
                path.display()
            );
            return;
        }
    };
    match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => {}
        Err(e) if e == rustix::io::Errno::WOULDBLOCK => return,
        Err(e) => {
            eprintln!(
                "custos node {}: cannot lock `{}`: {e}",
                opts.name,
                path.display()
            );
            return;
        }
    }
    let names: Vec<String> = (0..partitions).map(partition_ledger).collect();
    let spec = StoreSpec::Postgres {
        url: opts.store_url.clone(),
        ledger: CROSS_LEDGER.to_owned(),
    };
    let result = open_store(&spec)
        .map_err(IngestError::from)
        .and_then(|mut store| cross_pass(&mut *store, cfg, &names));
    match result {
        Ok(r) if r.days > 0 => eprintln!(
            "custos node {}: cross-partition pass: {} day(s), {} alert(s) raised or updated",
            opts.name, r.days, r.alerts
        ),
        Ok(_) => {}
        Err(e) => eprintln!(
            "custos node {}: cross-partition pass failed: {e}",
            opts.name
        ),
    }
    // The lock goes with the file.
    drop(file);
}

/// The node's witness key (created on first start) with its verifier key
/// published in the shared dir.
fn load_witness(opts: &NodeOptions) -> anyhow::Result<Cosigner> {
    use anyhow::Context;
    std::fs::create_dir_all(&opts.node_dir)
        .with_context(|| format!("creating the node dir `{}`", opts.node_dir.display()))?;
    let key_name = format!("{}/witness/{}", opts.origin, opts.name);
    let cosigner = Cosigner::load_or_create(&opts.node_dir.join("witness.key"), &key_name)
        .context("loading the node's witness key")?;
    let dir = witnesses_dir(&opts.shared);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating `{}`", dir.display()))?;
    write_atomically(
        &dir.join(format!("{}.vkey", opts.name)),
        format!("{}\n", cosigner.verifier_key()).as_bytes(),
    )
    .context("publishing the witness key")?;
    Ok(cosigner)
}

/// Cosigns the current checkpoint of each of `partitions` (those this
/// node does not write) when it extends the one cosigned before.
fn cosign_round(opts: &NodeOptions, cosigner: &Cosigner, partitions: &[u32]) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    for &p in partitions {
        if let Err(e) = cosign_partition(opts, cosigner, p, now) {
            eprintln!("custos node {}: partition {p} not cosigned: {e}", opts.name);
        }
    }
}

fn cosign_partition(
    opts: &NodeOptions,
    cosigner: &Cosigner,
    p: u32,
    now: u64,
) -> anyhow::Result<()> {
    use anyhow::Context;
    let dir = partition_data_dir(&opts.shared, &opts.store_url, p);
    if !dir.ledger().join("checkpoint").exists() {
        return Ok(());
    }
    let state_path = opts.node_dir.join("witness").join(format!("p{p}.note"));
    let log_vkey_path = opts.node_dir.join("witness").join(format!("p{p}.vkey"));
    // The log's key is pinned the first time it is seen: a swapped key
    // is a different log, not a continuation.
    let log_vkey = match std::fs::read_to_string(&log_vkey_path) {
        Ok(v) => v.trim().to_owned(),
        Err(_) => std::fs::read_to_string(dir.ledger().join("key.vkey"))
            .context("reading the partition's key.vkey")?
            .trim()
            .to_owned(),
    };
    let ledger = Ledger::open_read_only(&dir.ledger(), Some(&log_vkey))?;
    let verifier = CosignatureVerifier::new(&cosigner.verifier_key())?;
    let previous = match std::fs::read_to_string(&state_path) {
        Ok(text) => Some(verifier.verify(&text, &log_vkey)?.checkpoint),
        Err(_) => None,
    };
    if previous.as_ref().map(|c| (c.size, c.root)) == Some((ledger.size(), ledger.root())) {
        return Ok(());
    }
    let note = witness(&ledger, previous.as_ref(), cosigner, now)?;
    std::fs::create_dir_all(opts.node_dir.join("witness"))?;
    write_atomically(&log_vkey_path, format!("{log_vkey}\n").as_bytes())?;
    write_atomically(&state_path, note.as_bytes())?;
    let published = partition_dir(&opts.shared, p).join("cosigned");
    std::fs::create_dir_all(&published)?;
    write_atomically(
        &published.join(format!("{}.note", opts.name)),
        note.as_bytes(),
    )?;
    Ok(())
}

fn write_atomically(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, data)?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// What `custos verify` finds in the partitions of a shared dir: each
/// partition's ledger and store rows, and each published cosignature
/// against the ledger as it is now.
pub fn verify_partitions(shared: &Path, store_url: &str) -> Vec<PartitionReport> {
    let mut reports = Vec::new();
    let mut p = 0;
    while partition_dir(shared, p).exists() {
        let dir = partition_data_dir(shared, store_url, p);
        let mut report = custos_ingest::verify(&dir);
        let mut cosigners = Vec::new();
        check_cosignatures(shared, &dir, p, &mut report.problems, &mut cosigners);
        report.ok = report.problems.is_empty();
        reports.push(PartitionReport {
            partition: p,
            report,
            cosigned_by: cosigners,
        });
        p += 1;
    }
    reports
}

/// One partition's verification.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PartitionReport {
    pub partition: u32,
    #[serde(flatten)]
    pub report: custos_ingest::VerifyReport,
    /// Nodes whose cosignature verified, with the size they vouched for.
    pub cosigned_by: Vec<(String, u64)>,
}

/// The partition log's public key: derived from its private key when
/// readable (so a swapped `key.vkey` does not fool the check), else the
/// published `key.vkey`.
fn log_verifier_key(dir: &DataDir) -> Result<String, String> {
    read_verifier_key(&dir.ledger_key()).or_else(|_| {
        std::fs::read_to_string(dir.ledger().join("key.vkey"))
            .map(|s| s.trim().to_owned())
            .map_err(|e| e.to_string())
    })
}

fn check_cosignatures(
    shared: &Path,
    dir: &DataDir,
    p: u32,
    problems: &mut Vec<String>,
    cosigners: &mut Vec<(String, u64)>,
) {
    let Ok(entries) = std::fs::read_dir(partition_dir(shared, p).join("cosigned")) else {
        return;
    };
    let log_vkey = match log_verifier_key(dir) {
        Ok(v) => v,
        Err(e) => {
            problems.push(format!(
                "partition {p}: no log key to check cosignatures with: {e}"
            ));
            return;
        }
    };
    let ledger = match Ledger::open_read_only(&dir.ledger(), Some(&log_vkey)) {
        Ok(l) => l,
        Err(_) => return, // the ledger's own check already said why
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(node) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".note"))
        else {
            continue;
        };
        let vkey_path = witnesses_dir(shared).join(format!("{node}.vkey"));
        let checked = std::fs::read_to_string(&vkey_path)
            .map_err(|e| format!("no witness key `{}`: {e}", vkey_path.display()))
            .and_then(|vkey| CosignatureVerifier::new(vkey.trim()).map_err(|e| e.to_string()))
            .and_then(|v| {
                let note = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
                v.verify(&note, &log_vkey).map_err(|e| e.to_string())
            })
            .and_then(|cosigned| {
                let cp = cosigned.checkpoint;
                match ledger.root_at(cp.size) {
                    Ok(root) if root == cp.root => Ok(cp.size),
                    Ok(_) => Err(format!(
                        "the ledger's root at size {} differs from the root node `{node}` cosigned: its history was rewritten",
                        cp.size
                    )),
                    Err(_) => Err(format!(
                        "node `{node}` cosigned size {} but the ledger holds only {}: it was truncated",
                        cp.size,
                        ledger.size()
                    )),
                }
            });
        match checked {
            Ok(size) => cosigners.push((node.to_owned(), size)),
            Err(e) => problems.push(format!("partition {p}: cosignature of `{node}`: {e}")),
        }
    }
}
