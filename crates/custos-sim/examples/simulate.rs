//! Writes a simulated marketplace and reports throughput: the measurement
//! behind the "≥ 500,000 events/s" requirement, until `custos simulate`
//! wraps the library.
//!
//! `cargo run --release -p custos-sim --example simulate -- \
//!    --employees 5000 --customers 500000 --sellers 10000 --days 180 \
//!    --out /dev/null --truth truth.json [--intensity X --cover X]`

use custos_sim::{simulate, Scenario, SimConfig};
use std::io::Write;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut cfg = SimConfig::default();
    let mut out_path = String::from("-");
    let mut truth_path: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .ok_or_else(|| format!("`{flag}` needs a value"))?;
        match flag.as_str() {
            "--employees" => cfg.employees = value.parse()?,
            "--customers" => cfg.customers = value.parse()?,
            "--sellers" => cfg.sellers = value.parse()?,
            "--days" => cfg.days = value.parse()?,
            "--history-days" => cfg.history_days = value.parse()?,
            "--seed" => cfg.seed = value.parse()?,
            "--scenarios" => cfg.scenarios = Scenario::parse_list(&value)?,
            "--insiders-per-scenario" => cfg.insiders_per_scenario = value.parse()?,
            "--intensity" => cfg.insider.intensity = value.parse()?,
            "--cover" => cfg.insider.cover = value.parse()?,
            "--out" => out_path = value,
            "--truth" => truth_path = Some(value),
            _ => return Err(format!("unknown flag `{flag}`").into()),
        }
    }
    let began = Instant::now();
    let truth = if out_path == "-" {
        simulate(&cfg, &mut std::io::stdout().lock())?
    } else {
        let mut f = std::fs::File::create(&out_path)?;
        let t = simulate(&cfg, &mut f)?;
        f.flush()?;
        t
    };
    let secs = began.elapsed().as_secs_f64();
    let events = truth.events.unwrap_or(0);
    eprintln!(
        "{events} events in {secs:.1} s: {:.0} events/s; {} insiders",
        events as f64 / secs,
        truth.insiders.len()
    );
    if let Some(p) = truth_path {
        std::fs::write(p, serde_json::to_vec_pretty(&truth)?)?;
    }
    Ok(())
}
