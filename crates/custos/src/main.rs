//! `custos`: the one binary. Parses the command line, wires the crates
//! together and prints results; the work itself lives in the libraries.

mod alerts_cmd;
mod audit_cmd;
mod bench_cmd;
mod case_cmd;
mod config;
mod ingest_cmd;
mod input;
mod investigate_cmd;
mod ledger_cmd;
mod node_cmd;
mod output;
mod policy_cmd;
mod publish_cmd;
mod serve_cmd;
mod sim_cmd;

use clap::{Parser, Subcommand};
use output::Format;
use std::path::PathBuf;
use std::process::ExitCode;

/// jemalloc instead of the system allocator: ingest allocates and frees
/// small buffers per event on several threads, where glibc's malloc
/// spent about a sixth of all CPU (BENCHMARKS, "jemalloc, and the index
/// build at the end of a bulk load").
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Parser)]
#[command(
    name = "custos",
    version,
    about = "Records, guards and investigates employee access to customer data"
)]
struct Cli {
    /// Where the ledger, the store and the keys live.
    #[arg(
        long,
        global = true,
        env = "CUSTOS_DATA_DIR",
        default_value = "./custos-data"
    )]
    data_dir: PathBuf,
    /// Store URL: the embedded SQLite store by default; `postgres://...` for a shared one.
    #[arg(long, global = true, env = "CUSTOS_STORE")]
    store: Option<String>,
    /// With a PostgreSQL store: the name of this data dir's ledger in the
    /// database (one database may hold several ledgers).
    #[arg(long, global = true, env = "CUSTOS_LEDGER", default_value = custos_store::DEFAULT_LEDGER)]
    ledger: String,
    /// Output format: `table` for people (the default on a terminal), `json` (JSON Lines) or `csv`.
    #[arg(long, global = true)]
    format: Option<Format>,
    /// The log's name: the first line of every checkpoint and the signing key's name
    /// (default `custos.local/default`, or `ledger.origin` of the config file).
    #[arg(long, global = true, env = "CUSTOS_ORIGIN")]
    origin: Option<String>,
    /// Configuration file (default: `DATA_DIR/custos.toml` if it exists).
    #[arg(long, global = true, env = "CUSTOS_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Appends events: validate, ledger, store. FILE may be `-` for stdin; .gz and .zst are read as such.
    Ingest(ingest_cmd::IngestArgs),
    /// Publishes events to the NATS JetStream bus that `custos serve --bus` nodes share. FILE may be `-`.
    Publish(publish_cmd::PublishArgs),
    /// Checks the ledger end to end against its signed checkpoint, and the store against the ledger.
    Verify(ledger_cmd::VerifyArgs),
    /// Prints the latest signed checkpoint (C2SP tlog-checkpoint in a signed note).
    Checkpoint,
    /// Prints the inclusion proof of one event in the current checkpoint.
    Prove {
        /// The event's `id`.
        event_id: String,
    },
    /// Lists alerts, most severe first.
    Alerts(alerts_cmd::AlertsArgs),
    /// One row per employee with the current risk score (0-100) and top reasons.
    Risk {
        /// At most this many employees, riskiest first.
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Scores the alerts of this data dir against a ground truth (truth.json).
    Eval(alerts_cmd::EvalArgs),
    /// Measurements behind BENCHMARKS.md, each beside its baseline.
    #[command(subcommand)]
    Bench(bench_cmd::BenchCommand),
    /// Runs the platform: HTTP API, web console, ingest.
    Serve(serve_cmd::ServeArgs),
    /// API tokens.
    #[command(subcommand)]
    Token(serve_cmd::TokenCommand),
    /// Writes a synthetic marketplace with insiders: DIR/events.jsonl and DIR/truth.json.
    Simulate(sim_cmd::SimulateArgs),
    /// Breach scope: every customer whose records the employee(s) were shown, with fields, times, purposes.
    Scope(investigate_cmd::ScopeArgs),
    /// Ranks employees by how well their accesses explain a leaked sample of customer ids.
    Attribute(investigate_cmd::AttributeArgs),
    /// Every access to one customer's records, with pseudonymous employees and inclusion proofs.
    AccessReport(investigate_cmd::AccessReportArgs),
    /// Verifies a proof bundle offline: checkpoint signature, inclusion proofs, records.
    VerifyBundle(investigate_cmd::VerifyBundleArgs),
    /// The guard's policies: check them, or run a table of example requests.
    #[command(subcommand)]
    Policy(policy_cmd::PolicyCommand),
    /// Investigation cases: open, list, show, assign, note, attach, status, close.
    #[command(subcommand)]
    Case(case_cmd::CaseCommand),
    /// Who used Custos: the `custos.access` records of API use (who, role, route, what, when).
    Audit(audit_cmd::AuditArgs),
    /// Documents: `report breach --case C [--format md|html]`, the GDPR Art. 33/34 notification draft.
    Report(case_cmd::ReportArgs),
}

/// What a command found: success, a problem in the work (exit 1), or bad
/// usage or configuration (exit 2).
pub enum Outcome {
    Ok,
    Problem,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match &cli.config {
        Some(path) => config::load(path, true),
        None => config::load(&cli.data_dir.join("custos.toml"), false),
    };
    let mut config = match config {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(origin) = &cli.origin {
        config.origin = origin.clone();
    }
    let store = match custos_store::StoreSpec::from_url(
        cli.store.as_deref(),
        &cli.data_dir.join(custos_store::SqliteStore::FILE_NAME),
        &cli.ledger,
    ) {
        Ok(spec) => spec,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let ctx = output::Context {
        data_dir: cli.data_dir.clone(),
        store,
        format: cli.format.unwrap_or_else(Format::default_for_terminal),
        config,
    };
    let result = match cli.command {
        Command::Ingest(args) => ingest_cmd::run(&ctx, args),
        Command::Publish(args) => publish_cmd::run(&ctx, args),
        Command::Verify(args) => ledger_cmd::verify(&ctx, args),
        Command::Checkpoint => ledger_cmd::checkpoint(&ctx),
        Command::Prove { event_id } => ledger_cmd::prove(&ctx, &event_id),
        Command::Simulate(args) => sim_cmd::simulate(&ctx, args),
        Command::Alerts(args) => alerts_cmd::alerts(&ctx, args),
        Command::Risk { limit } => alerts_cmd::risk(&ctx, limit),
        Command::Eval(args) => alerts_cmd::eval(&ctx, args),
        Command::Bench(cmd) => bench_cmd::run(&ctx, cmd),
        Command::Serve(args) => serve_cmd::serve(&ctx, args),
        Command::Token(cmd) => serve_cmd::token(&ctx, cmd),
        Command::Scope(args) => investigate_cmd::scope(&ctx, args),
        Command::Attribute(args) => investigate_cmd::attribute_cmd(&ctx, args),
        Command::AccessReport(args) => investigate_cmd::access_report(&ctx, args),
        Command::VerifyBundle(args) => investigate_cmd::verify_bundle_cmd(&ctx, args),
        Command::Policy(cmd) => policy_cmd::run(&ctx, cmd),
        Command::Case(cmd) => case_cmd::run(&ctx, cmd),
        Command::Report(args) => case_cmd::report(&ctx, args),
        Command::Audit(args) => audit_cmd::audit(&ctx, args),
    };
    match result {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::Problem) => ExitCode::from(1),
        // A reader that stopped early (`| head`) is not an error.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(e.downcast_ref::<output::UsageError>().map_or(1, |_| 2))
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
