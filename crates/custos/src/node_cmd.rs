//! `custos serve --bus ...`: the node side of a scale-out deployment, run
//! beside the HTTP server on its own threads.

use crate::output::{Context, UsageError};
use anyhow::{Context as _, Result};
use custos_bus::{Bus, BusConfig, RuntimeOptions};
use custos_server::node::{run_node, NodeOptions};
use custos_store::StoreSpec;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::watch;

#[derive(clap::Args, Clone, Debug)]
pub struct BusArgs {
    /// Join a scale-out deployment: consume this NATS JetStream bus
    /// (`nats://host:4222`); needs `--store postgres://...` and `--shared`.
    #[arg(long, env = "CUSTOS_BUS")]
    pub bus: Option<String>,
    /// With --bus: the directory every node shares, holding each partition's ledger.
    #[arg(long, env = "CUSTOS_SHARED")]
    pub shared: Option<PathBuf>,
    /// With --bus: this node's name, unique in the deployment (default: `node-<pid>`).
    #[arg(long, env = "CUSTOS_NODE")]
    pub node: Option<String>,
    /// With --bus: the partition count of a stream this node creates; an
    /// existing stream must have this count.
    #[arg(long, env = "CUSTOS_BUS_PARTITIONS")]
    pub partitions: Option<u32>,
    /// With --bus: the JetStream stream name.
    #[arg(long, env = "CUSTOS_BUS_STREAM", default_value = custos_bus::DEFAULT_STREAM)]
    pub stream: String,
    /// With --bus: the subject prefix; partition p is `<prefix>.<p>`.
    #[arg(long, env = "CUSTOS_BUS_SUBJECTS", default_value = custos_bus::DEFAULT_SUBJECT_PREFIX)]
    pub subject_prefix: String,
}

impl BusArgs {
    pub fn config(&self, url: &str) -> BusConfig {
        BusConfig {
            url: url.to_owned(),
            stream: self.stream.clone(),
            subject_prefix: self.subject_prefix.clone(),
            partitions: self.partitions,
            ..BusConfig::default()
        }
    }
}

/// A running node; stopping it lets commits in progress finish.
pub struct RunningNode {
    /// The bus, for the HTTP server to publish `POST /v1/events` to.
    pub bus: Bus,
    stop: watch::Sender<bool>,
    thread: std::thread::JoinHandle<Result<()>>,
}

impl RunningNode {
    pub fn stop(self) -> Result<()> {
        let _ = self.stop.send(true);
        match self.thread.join() {
            Ok(r) => r,
            Err(_) => anyhow::bail!("the bus node thread panicked"),
        }
    }
}

/// The node's name, checked: it names a key and files.
pub fn node_name(args: &BusArgs) -> Result<String> {
    let name = args
        .node
        .clone()
        .unwrap_or_else(|| format!("node-{}", std::process::id()));
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !ok {
        return Err(UsageError(format!(
            "node name `{name}` is not usable: use letters, digits, `-` and `_` only"
        ))
        .into());
    }
    Ok(name)
}

/// The PostgreSQL URL a bus node needs.
pub fn shared_store_url(ctx: &Context) -> Result<String> {
    match &ctx.store {
        StoreSpec::Postgres { url, .. } => Ok(url.clone()),
        StoreSpec::Sqlite(_) => Err(UsageError(
            "--bus needs a store every node shares: pass --store postgres://... (or CUSTOS_STORE)"
                .into(),
        )
        .into()),
    }
}

/// Connects to the bus and starts consuming on a thread of its own.
pub fn start(ctx: &Context, args: &BusArgs, url: &str) -> Result<RunningNode> {
    let shared = args.shared.clone().ok_or_else(|| {
        UsageError(
            "--bus needs --shared DIR: the directory every node shares for the partitions' ledgers"
                .into(),
        )
    })?;
    std::fs::create_dir_all(&shared)
        .with_context(|| format!("cannot create the shared dir `{}`", shared.display()))?;
    let name = node_name(args)?;
    let opts = NodeOptions {
        node_dir: ctx.data_dir.join("node"),
        name,
        shared,
        origin: ctx.config.origin.clone(),
        store_url: shared_store_url(ctx)?,
        detect: Some(ctx.config.detect.clone()),
        runtime: RuntimeOptions::default(),
        cosign_every: Duration::from_secs(2),
        cross_every: Duration::from_secs(2),
    };
    let config = args.config(url);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the bus node's async runtime")?;
    // Connect here so a wrong URL or partition count stops the start.
    let bus = runtime
        .block_on(Bus::connect(&config))
        .with_context(|| format!("cannot join the bus `{url}`"))?;
    eprintln!(
        "custos: node `{}` on stream `{}` ({} partitions), shared dir `{}`",
        opts.name,
        bus.topology().stream,
        bus.topology().partitions,
        opts.shared.display()
    );
    let (stop, stopped) = watch::channel(false);
    let for_server = bus.clone();
    let thread = std::thread::Builder::new()
        .name("custos-bus-node".into())
        .spawn(move || {
            let stats = runtime.block_on(run_node(bus, opts, stopped))?;
            eprintln!(
                "custos: bus node stopped: {} messages in {} batches, {} failed commits",
                stats.messages, stats.batches, stats.failed_commits
            );
            Ok(())
        })
        .context("cannot start the bus node thread")?;
    Ok(RunningNode {
        bus: for_server,
        stop,
        thread,
    })
}
