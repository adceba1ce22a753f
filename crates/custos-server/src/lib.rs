//! `custos serve`: the HTTP API and the web console over one data dir.
//!
//! One committer thread owns the ingest pipeline and commits whatever
//! requests are waiting as one group (one ledger fsync for many
//! requests); reads go through a second store connection. Guard
//! decisions may instead be answered once they are in the decision
//! journal (`journal.rs`). This is the only crate that knows HTTP.

mod api;
mod auth;
mod cases_api;
mod committer;
mod console;
mod employees_api;
mod error;
mod guard_admin;
mod journal;
mod metrics;
pub mod node;
mod openapi;
pub mod pdf;
mod pseudonyms;

pub use auth::{create_token, list_tokens, revoke_token, Role, TokenInfo};

use anyhow::{Context, Result};
use custos_ingest::{DataDir, Pipeline};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct ServeOptions {
    pub listen: SocketAddr,
    pub data_dir: DataDir,
    /// Quotas and four-eyes options of the guard (`[guard]`).
    pub guard: custos_guard::GuardConfig,
    /// When a decision is answered (`[guard] answer`).
    pub decisions: DecisionAnswer,
    /// On a bus node: `POST /v1/events` publishes here instead of
    /// committing to this node's own ledger.
    pub bus: Option<custos_bus::Bus>,
}

/// When `POST /v1/decide` answers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DecisionAnswer {
    /// Once the decision's events are durable in the ledger and the store
    /// (a group commit: a ledger fsync, then the store's transaction).
    #[default]
    Durable,
    /// Once the events are written to the decision journal, which is
    /// fsynced every `sync` and committed to the ledger in the
    /// background: a killed process loses no answered decision, a
    /// machine crash at most those of the last `sync`. The committer
    /// collects journaled decisions for up to `collect` before it commits
    /// them together (fewer, larger group commits: fewer fsyncs and new
    /// tile files); this delays when they reach the ledger, not the
    /// answer, and does not touch what a crash may lose.
    Journaled { sync: Duration, collect: Duration },
}

impl DecisionAnswer {
    pub const NAMES: [&'static str; 2] = ["durable", "journaled"];
}

/// What every request handler shares.
pub(crate) struct AppState {
    pub committer: committer::Handle,
    /// A read connection, separate from the committer's. The guard reads
    /// its facts here and keeps its approvals here too; holding the lock
    /// across a decision makes an approval's single use atomic.
    pub reader: Mutex<Box<dyn custos_store::Store>>,
    /// Whether point reads (a token, a decision's facts) may run on the
    /// async worker: true for the embedded store, whose point reads take
    /// microseconds; false for PostgreSQL, whose client blocks on a
    /// runtime of its own.
    pub point_reads_in_place: bool,
    /// The guard, beside the committer: decisions are committed through it,
    /// and the committer feeds it every committed event.
    pub guard: Arc<custos_guard::Guard>,
    /// The deployment's key for the pseudonyms customers see in their
    /// access reports.
    pub pseudonyms: Arc<custos_investigate::PseudonymKey>,
    pub metrics: Metrics,
    /// See [`ServeOptions::bus`].
    pub bus: Option<custos_bus::Bus>,
    /// The decision journal, with `answer = "journaled"`.
    pub journal: Option<Arc<journal::Journal>>,
    /// Callers by the `Authorization` header that named them, with when
    /// the store was read (see `api::caller_of`).
    pub callers: Mutex<std::collections::HashMap<Vec<u8>, (auth::Caller, std::time::Instant)>>,
}

/// Counters behind `/metrics`.
#[derive(Default)]
pub(crate) struct Metrics {
    pub accepted: std::sync::atomic::AtomicU64,
    pub rejected: std::sync::atomic::AtomicU64,
    /// Requests by route and status (counted by the route table's layer).
    pub http: metrics::HttpRequests,
    /// Latency of `POST /v1/decide`.
    pub decide: metrics::Histogram,
    /// Decisions answered from the journal (`answer = "journaled"`).
    pub journaled: std::sync::atomic::AtomicU64,
}

/// Niceness of the threads that commit in the background.
const BACKGROUND_NICE: i32 = 10;

/// With journaled answers no answer waits for a commit, so the threads
/// started so far (the committer, the store's writer and checkpointer,
/// the journal's sync) do background work: they get a lower priority
/// and yield the cores to the HTTP workers, which the runtime starts
/// after this from the calling thread at its own priority. On two cores
/// a group commit's burst then no longer holds answers back (p99 at
/// 2,000 decisions/s: 2.6 ms before, 1.3 ms after; BENCHMARKS.md).
/// Not `SCHED_IDLE`: these threads hold locks the workers take (the
/// journal's, the guard's caches), and on a saturated machine an idle
/// thread that holds one stalls every answer (up to a second, measured).
/// A sustained overload cannot grow the backlog without bound either:
/// past [`journal::MAX_PENDING`] uncommitted records, decisions wait for
/// their commit as in the durable mode.
/// Linux only; where the kernel refuses, nothing changes.
fn background_priority() {
    #[cfg(target_os = "linux")]
    {
        let tid = |name: &std::ffi::OsStr| name.to_str().and_then(|n| n.parse::<i32>().ok());
        // `/proc/thread-self` links to `PID/task/TID` of the caller.
        let me = std::fs::read_link("/proc/thread-self")
            .ok()
            .and_then(|p| p.file_name().and_then(tid));
        let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
            return;
        };
        for task in tasks.flatten() {
            let other = tid(&task.file_name()).filter(|&t| Some(t) != me);
            if let Some(pid) = other.and_then(rustix::process::Pid::from_raw) {
                let _ = rustix::process::setpriority_process(Some(pid), BACKGROUND_NICE);
            }
        }
    }
}

/// Runs the server until Ctrl-C. `ready` receives the bound address
/// (useful with port 0).
pub fn serve(
    opts: ServeOptions,
    mut pipeline: Pipeline,
    ready: impl FnOnce(SocketAddr) + Send + 'static,
) -> Result<()> {
    // Decisions answered before a crash, whatever the mode is now; the
    // guard's book and caches are filled from the store after them.
    let replayed = journal::replay(&opts.data_dir.root, &mut pipeline)
        .context("cannot commit the decision journal")?;
    for problem in &replayed.dropped {
        eprintln!("custos serve: decision journal: dropped {problem}");
    }
    if replayed.committed + replayed.duplicates > 0 || !replayed.dropped.is_empty() {
        eprintln!(
            "custos serve: decision journal: {} records committed, {} already in the ledger, {} dropped",
            replayed.committed,
            replayed.duplicates,
            replayed.dropped.len()
        );
    }
    let reader: Box<dyn custos_store::Store> =
        custos_store::open_store(&opts.data_dir.store_spec())
            .context("cannot open a read connection to the store")?;
    let guard = Arc::new(guard_admin::load_guard(&opts.data_dir, opts.guard.clone())?);
    guard_admin::warm(&guard, &*reader, opts.bus.is_none())?;
    let pseudonyms = custos_investigate::PseudonymKey::load_or_create(&opts.data_dir.root)
        .context("cannot load the pseudonym key")?;
    let journal = match opts.decisions {
        DecisionAnswer::Durable => None,
        DecisionAnswer::Journaled { sync, .. } => {
            let j = journal::Journal::open(&opts.data_dir.root)?;
            let syncer = j
                .start_syncer(sync)
                .context("cannot start the decision journal's sync thread")?;
            Some((j, syncer))
        }
    };
    let collect = match opts.decisions {
        DecisionAnswer::Durable => Duration::ZERO,
        DecisionAnswer::Journaled { collect, .. } => collect,
    };
    let (committer, committer_thread) = committer::spawn(
        pipeline,
        Some(guard_admin::observer(Arc::clone(&guard))),
        collect,
    )
    .context("cannot start the committer thread")?;
    let state = Arc::new(AppState {
        committer,
        reader: Mutex::new(reader),
        point_reads_in_place: matches!(
            opts.data_dir.store_spec(),
            custos_store::StoreSpec::Sqlite(_)
        ),
        guard,
        pseudonyms: Arc::new(pseudonyms),
        metrics: Metrics::default(),
        bus: opts.bus.clone(),
        journal: journal.as_ref().map(|(j, _)| Arc::clone(j)),
        callers: Mutex::default(),
    });
    if journal.is_some() {
        background_priority();
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let served = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(opts.listen)
            .await
            .with_context(|| format!("cannot listen on `{}`; is the port taken?", opts.listen))?;
        let addr = listener.local_addr()?;
        ready(addr);
        guard_admin::spawn_sighup(Arc::clone(&state), opts.data_dir.clone());
        let routes = guard_admin::router(Arc::clone(&state), opts.data_dir.clone())
            .merge(api::router(state));
        axum::serve(listener, routes)
            .with_graceful_shutdown(stop_signal())
            .await
            .context("the HTTP server stopped")
    });
    // The router and its handles are gone: the committer saves the
    // detection state and ends.
    drop(runtime);
    let _ = committer_thread.join();
    if let Some((journal, syncer)) = journal {
        // Everything queued is committed now: a last sync, then the
        // committed segments go.
        drop(syncer);
        journal.close();
    }
    served
}

/// Ctrl-C, or SIGTERM as service managers send it: both stop cleanly.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
