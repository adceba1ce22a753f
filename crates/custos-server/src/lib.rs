//! `custos serve`: the HTTP API and the web console over one data dir.
//!
//! One committer thread owns the ingest pipeline and commits whatever
//! requests are waiting as one group (one ledger fsync for many
//! requests); reads go through a second store connection. This is the
//! only crate that knows HTTP.

mod api;
mod auth;
mod committer;
mod console;
mod error;

pub use auth::{create_token, Role};

use anyhow::{Context, Result};
use custos_ingest::{DataDir, Pipeline};
use custos_store::SqliteStore;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

pub struct ServeOptions {
    pub listen: SocketAddr,
    pub data_dir: DataDir,
}

/// What every request handler shares.
pub(crate) struct AppState {
    pub committer: committer::Handle,
    /// A read connection, separate from the committer's. The guard reads
    /// its facts here and keeps its approvals here too; holding the lock
    /// across a decision makes an approval's single use atomic.
    pub reader: Mutex<SqliteStore>,
    /// The guard, beside the committer: decisions are committed through it.
    pub guard: custos_guard::Guard,
    /// The deployment's key for the pseudonyms customers see in their
    /// access reports.
    pub pseudonyms: Arc<custos_investigate::PseudonymKey>,
    pub metrics: Metrics,
}

/// Counters behind `/metrics`.
#[derive(Default)]
pub(crate) struct Metrics {
    pub accepted: std::sync::atomic::AtomicU64,
    pub rejected: std::sync::atomic::AtomicU64,
}

/// Runs the server until Ctrl-C. `ready` receives the bound address
/// (useful with port 0).
pub fn serve(
    opts: ServeOptions,
    pipeline: Pipeline,
    ready: impl FnOnce(SocketAddr) + Send + 'static,
) -> Result<()> {
    let reader = SqliteStore::open(&opts.data_dir.store())
        .context("cannot open a read connection to the store")?;
    let guard = load_guard(&opts.data_dir)?;
    let pseudonyms = custos_investigate::PseudonymKey::load_or_create(&opts.data_dir.root)
        .context("cannot load the pseudonym key")?;
    let (committer, committer_thread) =
        committer::spawn(pipeline).context("cannot start the committer thread")?;
    let state = Arc::new(AppState {
        committer,
        reader: Mutex::new(reader),
        guard,
        pseudonyms: Arc::new(pseudonyms),
        metrics: Metrics::default(),
    });
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
        axum::serve(listener, api::router(state))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .context("the HTTP server stopped")
    });
    // The router and its handles are gone: the committer saves the
    // detection state and ends.
    drop(runtime);
    let _ = committer_thread.join();
    served
}

/// The guard with the policies of `DATA_DIR/policies/*.cedar` when that
/// directory exists, else the shipped defaults. A policy with a problem
/// stops the start: a guard must not run on policies nobody checked.
fn load_guard(dir: &DataDir) -> Result<custos_guard::Guard> {
    let policy_dir = dir.root.join("policies");
    let mut sources = Vec::new();
    if policy_dir.is_dir() {
        let mut files: Vec<_> = std::fs::read_dir(&policy_dir)
            .with_context(|| format!("cannot read `{}`", policy_dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "cedar"))
            .collect();
        files.sort();
        for f in files {
            let text = std::fs::read_to_string(&f)
                .with_context(|| format!("cannot read `{}`", f.display()))?;
            sources.push(custos_guard::PolicySource::new(
                f.display().to_string(),
                text,
            ));
        }
    }
    if sources.is_empty() {
        sources.push(custos_guard::PolicySource::default_policies());
    }
    custos_guard::Guard::new(custos_guard::GuardConfig::default(), &sources)
        .map_err(|e| anyhow::anyhow!("the guard's policies have problems:\n{e}"))
}
