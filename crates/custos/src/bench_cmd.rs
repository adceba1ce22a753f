//! `custos bench`: the measurements behind BENCHMARKS.md, each beside the
//! baseline it is judged against, in the same run on the same machine.

use crate::output::{self, Context};
use crate::{ingest_cmd, Outcome};
use anyhow::{Context as _, Result};
use custos_ingest::{prepare, DataDir, Location, Pipeline};
use serde::Serialize;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[path = "bench_investigate.rs"]
mod bench_investigate;

#[derive(clap::Subcommand)]
pub enum BenchCommand {
    /// Durable ledger appends per second, beside raw SHA-256 leaf hashing of the same bytes.
    Ledger {
        #[arg(long, default_value_t = 2_000_000)]
        entries: u64,
        /// Entries per append (one group commit each).
        #[arg(long, default_value_t = 4096)]
        batch: usize,
        #[arg(long, default_value_t = 300)]
        entry_len: usize,
        /// Scratch directory (default: the system's temporary directory).
        #[arg(long)]
        work_dir: Option<PathBuf>,
    },
    /// End-to-end `custos ingest` of FILE with and without detection, beside
    /// PostgreSQL COPY of the same rows into tables with the same indexes.
    Ingest {
        file: PathBuf,
        /// PostgreSQL to run the COPY baseline on, e.g. postgres://postgres@127.0.0.1/test.
        #[arg(long)]
        postgres: Option<String>,
        #[arg(long)]
        work_dir: Option<PathBuf>,
    },
    /// Breach scope and leak attribution over a large synthetic SQLite store,
    /// beside naive full scans of the disclosures table.
    Investigate(bench_investigate::InvestigateArgs),
}

fn scratch(work_dir: &Option<PathBuf>) -> Result<tempfile::TempDir> {
    let dir = match work_dir {
        Some(d) => tempfile::tempdir_in(d),
        None => tempfile::tempdir(),
    };
    dir.context("cannot create a scratch directory")
}

pub fn run(ctx: &Context, cmd: BenchCommand) -> Result<Outcome> {
    match cmd {
        BenchCommand::Ledger {
            entries,
            batch,
            entry_len,
            work_dir,
        } => {
            let dir = scratch(&work_dir)?;
            let s = custos_ledger::bench_append(dir.path(), entries, batch, entry_len)?;
            #[derive(Serialize)]
            struct Row {
                entries: u64,
                batch: usize,
                entry_len: usize,
                appends_per_sec: f64,
                sha256_leaf_hashes_per_sec: f64,
                ratio: f64,
            }
            output::record(
                ctx.format,
                &Row {
                    entries: s.entries,
                    batch: s.batch,
                    entry_len: s.entry_len,
                    appends_per_sec: s.appends_per_sec.round(),
                    sha256_leaf_hashes_per_sec: s.leaf_hashes_per_sec.round(),
                    ratio: (s.ratio * 1000.0).round() / 1000.0,
                },
            )?;
            Ok(Outcome::Ok)
        }
        BenchCommand::Ingest {
            file,
            postgres,
            work_dir,
        } => ingest(ctx, &file, postgres.as_deref(), &work_dir),
        BenchCommand::Investigate(args) => bench_investigate::run(ctx, args),
    }
}

#[derive(Serialize)]
struct IngestBench {
    events: u64,
    ingest_secs: f64,
    ingest_events_per_sec: f64,
    ingest_no_detection_secs: f64,
    detection_overhead: f64,
    /// CPU time (user + system, every thread of this process) of the
    /// ingest with detection and without: steadier than wall time on a
    /// shared machine, where other programs take the cores. `null` where
    /// the OS has no per-process CPU clock.
    ingest_cpu_secs: Option<f64>,
    ingest_no_detection_cpu_secs: Option<f64>,
    detection_cpu_overhead: Option<f64>,
    postgres_copy_secs: Option<f64>,
    postgres_copy_events_per_sec: Option<f64>,
    ingest_vs_copy: Option<f64>,
}

/// What one timed ingest took.
struct Timed {
    accepted: u64,
    secs: f64,
    cpu_secs: Option<f64>,
}

/// CPU time this process has used so far, in seconds (all threads);
/// `None` where the OS has no per-process CPU clock.
fn process_cpu_secs() -> Option<f64> {
    #[cfg(unix)]
    {
        let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
        Some(t.tv_sec as f64 + t.tv_nsec as f64 / 1e9)
    }
    #[cfg(not(unix))]
    None
}

fn timed_ingest(ctx: &Context, file: &Path, dir: &Path, detect: bool) -> Result<Timed> {
    let started = Instant::now();
    let cpu_before = process_cpu_secs();
    let mut p = Pipeline::open(&DataDir::new(dir), &ctx.config.origin)?;
    if detect {
        let rules = ctx.sigma_rules()?;
        p.enable_detection_with_rules(ctx.config.detect.clone(), rules.as_ref())?;
    }
    let files = vec![file.to_string_lossy().into_owned()];
    let (summary, failure) = ingest_cmd::ingest_files(&mut p, files, ctx.config.batch, false)?;
    if let Some(e) = failure {
        return Err(e);
    }
    p.snapshot_detection()?;
    Ok(Timed {
        accepted: summary.accepted,
        secs: started.elapsed().as_secs_f64(),
        cpu_secs: process_cpu_secs()
            .zip(cpu_before)
            .map(|(after, before)| after - before),
    })
}

fn ingest(
    ctx: &Context,
    file: &Path,
    postgres: Option<&str>,
    work_dir: &Option<PathBuf>,
) -> Result<Outcome> {
    let dir = scratch(work_dir)?;
    let with = timed_ingest(ctx, file, &dir.path().join("with"), true)?;
    let without = timed_ingest(ctx, file, &dir.path().join("without"), false)?;
    let (events, secs, plain_secs) = (with.accepted, with.secs, without.secs);
    let mut copy_secs = None;
    if let Some(url) = postgres {
        // The rows exactly as the store derives them, in COPY's own format;
        // preparing them is not timed.
        let mut files = custos_store::baseline::CopyFiles::create(dir.path())?;
        let input = crate::input::open(&file.to_string_lossy(), None)?;
        let mut index = 0u64;
        for (n, line) in input.reader.lines().enumerate() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            let loc = Location {
                source: String::new(),
                line: n as u64 + 1,
            };
            if let Ok(p) = prepare(loc, &line) {
                files.push(&custos_store::derive_rows(index, &p.event, &p.entry))?;
                index += 1;
            }
        }
        let (ev, dis) = files.finish()?;
        copy_secs = Some(custos_store::baseline::postgres_copy(url, &ev, &dis)?);
    }
    let per_sec = |s: f64| (events as f64 / s).round();
    let report = IngestBench {
        events,
        ingest_secs: secs,
        ingest_events_per_sec: per_sec(secs),
        ingest_no_detection_secs: plain_secs,
        detection_overhead: (secs / plain_secs - 1.0).max(0.0),
        ingest_cpu_secs: with.cpu_secs,
        ingest_no_detection_cpu_secs: without.cpu_secs,
        detection_cpu_overhead: with
            .cpu_secs
            .zip(without.cpu_secs)
            .map(|(w, wo)| (w / wo - 1.0).max(0.0)),
        postgres_copy_secs: copy_secs,
        postgres_copy_events_per_sec: copy_secs.map(per_sec),
        ingest_vs_copy: copy_secs.map(|c| c / secs),
    };
    output::record(ctx.format, &report)?;
    Ok(Outcome::Ok)
}
