//! `custos simulate`: a synthetic marketplace with insiders.

use crate::output::{Context, UsageError};
use crate::Outcome;
use anyhow::{Context as _, Result};
use custos_sim::{Scenario, SimConfig};
use std::io::{BufWriter, Write};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct SimulateArgs {
    /// Directory to write `events.jsonl` and `truth.json` into (created if missing).
    #[arg(long)]
    out: PathBuf,
    #[arg(long)]
    employees: Option<usize>,
    #[arg(long)]
    customers: Option<usize>,
    #[arg(long)]
    sellers: Option<usize>,
    /// Days of employee activity (after a history of orders and reviews).
    #[arg(long)]
    days: Option<u32>,
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Insider scenarios, comma-separated (default: all of them).
    #[arg(long, value_delimiter = ',')]
    scenarios: Option<Vec<String>>,
    /// Illicit accesses per active day of every insider, from subtle (1-2) to
    /// blatant (50+). Without it (or --cover), each insider draws its own.
    #[arg(long)]
    intensity: Option<f64>,
    /// How well insiders hide, from 0 (bursts without purpose) to 1 (each
    /// illicit access carries one of their own tickets, spread over the day).
    #[arg(long)]
    cover: Option<f64>,
}

pub fn config_of(args: &SimulateArgs) -> Result<SimConfig> {
    let mut cfg = SimConfig {
        seed: args.seed,
        ..SimConfig::default()
    };
    if let Some(n) = args.employees {
        cfg.employees = n;
    }
    if let Some(n) = args.customers {
        cfg.customers = n;
    }
    if let Some(n) = args.sellers {
        cfg.sellers = n;
    }
    if let Some(n) = args.days {
        cfg.days = n;
    }
    if args.intensity.is_some() || args.cover.is_some() {
        cfg.randomize_insiders = false;
    }
    if let Some(x) = args.intensity {
        cfg.insider.intensity = x;
    }
    if let Some(x) = args.cover {
        cfg.insider.cover = x;
    }
    if let Some(names) = &args.scenarios {
        cfg.scenarios = names
            .iter()
            .map(|n| Scenario::parse(n.trim()).map_err(|e| UsageError(e.to_string())))
            .collect::<std::result::Result<_, _>>()?;
    }
    Ok(cfg)
}

pub fn simulate(_ctx: &Context, args: SimulateArgs) -> Result<Outcome> {
    let cfg = config_of(&args)?;
    if let Err(e) = cfg.validate() {
        return Err(UsageError(e.to_string()).into());
    }
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create `{}`", args.out.display()))?;
    let events_path = args.out.join("events.jsonl");
    let file = std::fs::File::create(&events_path)
        .with_context(|| format!("cannot create `{}`", events_path.display()))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let truth = custos_sim::simulate(&cfg, &mut out)
        .with_context(|| format!("cannot write `{}`", events_path.display()))?;
    out.flush()?;
    let truth_path = args.out.join("truth.json");
    std::fs::write(&truth_path, serde_json::to_vec_pretty(&truth)?)
        .with_context(|| format!("cannot write `{}`", truth_path.display()))?;
    eprintln!(
        "wrote {} and {} ({} insiders)",
        events_path.display(),
        truth_path.display(),
        truth.insiders.len()
    );
    Ok(Outcome::Ok)
}
