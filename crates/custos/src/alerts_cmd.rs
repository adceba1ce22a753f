//! `custos alerts` and `custos eval`: reading the alerts detection stored.

use crate::output::{self, csv_field, Context, Format, UsageError};
use crate::Outcome;
use anyhow::{Context as _, Result};
use custos_sim::eval::{evaluate, EvalAlert};
use custos_sim::Truth;
use custos_store::{AlertFilter, AlertRow};
use std::io::Write;
use std::path::PathBuf;

const SEVERITY_ORDER: [&str; 4] = ["critical", "high", "medium", "low"];

fn severity_rank(s: &str) -> usize {
    SEVERITY_ORDER
        .iter()
        .position(|x| *x == s)
        .unwrap_or(SEVERITY_ORDER.len())
}

fn stored_alerts(ctx: &Context, filter: &AlertFilter) -> Result<Vec<AlertRow>> {
    // A shared PostgreSQL store holds the alerts of every partition and
    // node: reading them needs no ledger of this data dir.
    if let custos_store::StoreSpec::Postgres { .. } = ctx.store {
        return Ok(custos_store::open_store(&ctx.store)?.alerts(filter)?);
    }
    let p = ctx.open_read_only()?;
    Ok(p.store().alerts(filter)?)
}

/// The one-sentence summary inside a stored alert record.
fn summary_of(row: &AlertRow) -> String {
    serde_json::from_str::<serde_json::Value>(&row.json)
        .ok()
        .and_then(|v| v["summary"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[derive(clap::Args)]
pub struct AlertsArgs {
    /// Only this employee's alerts.
    #[arg(long)]
    employee: Option<String>,
    /// Only this detector's alerts.
    #[arg(long)]
    detector: Option<String>,
    /// At most this many alerts.
    #[arg(long)]
    limit: Option<usize>,
}

/// Lists alerts, most severe first (then highest score, then earliest).
pub fn alerts(ctx: &Context, args: AlertsArgs) -> Result<Outcome> {
    let filter = AlertFilter {
        employee: args.employee,
        detector: args.detector,
        ..AlertFilter::default()
    };
    let mut rows = stored_alerts(ctx, &filter)?;
    rows.sort_by(|a, b| {
        severity_rank(&a.severity)
            .cmp(&severity_rank(&b.severity))
            .then(b.score.total_cmp(&a.score))
            .then(a.time.cmp(&b.time))
            .then(a.id.cmp(&b.id))
    });
    if let Some(limit) = args.limit {
        rows.truncate(limit);
    }
    let mut out = std::io::stdout().lock();
    match ctx.format {
        Format::Json => {
            for r in &rows {
                writeln!(out, "{}", r.json)?;
            }
        }
        Format::Csv => {
            writeln!(out, "id,time,employee,detector,severity,score,summary")?;
            for r in &rows {
                let summary = summary_of(r);
                writeln!(
                    out,
                    "{},{},{},{},{},{:.1},{}",
                    csv_field(&r.id),
                    r.time,
                    csv_field(&r.employee),
                    csv_field(&r.detector),
                    r.severity,
                    r.score,
                    csv_field(&summary)
                )?;
            }
        }
        Format::Table => {
            if rows.is_empty() {
                writeln!(out, "no alerts")?;
            }
            for r in &rows {
                let summary = summary_of(r);
                writeln!(
                    out,
                    "{:<8} {:>5.1}  {:<14} {:<26} {}  {}",
                    r.severity, r.score, r.employee, r.detector, r.time, summary
                )?;
            }
        }
    }
    Ok(Outcome::Ok)
}

#[derive(clap::Args)]
pub struct EvalArgs {
    /// The ground truth written by `custos simulate` (truth.json).
    #[arg(long)]
    truth: PathBuf,
}

/// Scores the stored alerts against a ground truth.
pub fn eval(ctx: &Context, args: EvalArgs) -> Result<Outcome> {
    let text = std::fs::read_to_string(&args.truth)
        .with_context(|| format!("cannot read the truth file `{}`", args.truth.display()))?;
    let truth: Truth = serde_json::from_str(&text).map_err(|e| {
        UsageError(format!(
            "`{}` is not a truth.json as `custos simulate` writes it: {e}",
            args.truth.display()
        ))
    })?;
    let rows = stored_alerts(ctx, &AlertFilter::default())?;
    let alerts: Vec<EvalAlert> = rows
        .into_iter()
        .map(|r| EvalAlert {
            employee: r.employee,
            time: r.time,
            detector: r.detector,
        })
        .collect();
    let report = evaluate(&truth, &alerts);
    match ctx.format {
        Format::Table => print!("{}", report.to_table()),
        _ => output::json_line(&report)?,
    }
    Ok(Outcome::Ok)
}

/// One row per employee with the current risk score and its top reasons.
pub fn risk(ctx: &Context, limit: Option<usize>) -> Result<Outcome> {
    let rules = ctx.sigma_rules()?;
    let mut p = ctx.open_read_only()?;
    p.enable_detection_with_rules(ctx.config.detect.clone(), rules.as_ref())
        .context("cannot start detection")?;
    let mut rows = p.risk();
    rows.retain(|r| r.score > 0.0);
    if let Some(limit) = limit {
        rows.truncate(limit);
    }
    let mut out = std::io::stdout().lock();
    match ctx.format {
        Format::Json => {
            for r in &rows {
                serde_json::to_writer(&mut out, r)?;
                writeln!(out)?;
            }
        }
        Format::Csv => {
            writeln!(out, "employee,score,reasons")?;
            for r in &rows {
                writeln!(
                    out,
                    "{},{:.1},{}",
                    csv_field(&r.employee),
                    r.score,
                    csv_field(&r.reasons.join("; "))
                )?;
            }
        }
        Format::Table => {
            if rows.is_empty() {
                writeln!(out, "no employee carries risk")?;
            }
            for r in &rows {
                writeln!(
                    out,
                    "{:<14} {:>5.1}  {}",
                    r.employee,
                    r.score,
                    r.reasons.join("; ")
                )?;
            }
        }
    }
    Ok(Outcome::Ok)
}
