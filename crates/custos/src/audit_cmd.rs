//! `custos audit`: who used Custos itself. Every authorised use of the
//! API is a `custos.access` event in the ledger (the token's name as the
//! actor, its role, the route and what was looked at); this lists them
//! from the store, oldest first.

use crate::output::{self, csv_field, Context, Format, UsageError};
use crate::Outcome;
use anyhow::Result;
use custos_core::Timestamp;
use custos_store::{EventRow, Store, TimeWindow};
use serde::Serialize;
use std::io::Write;

/// Ledger entries read per store scan when no `--who` narrows the search.
const PAGE: u64 = 20_000;

#[derive(clap::Args)]
pub struct AuditArgs {
    /// Only uses at or after this time (RFC 3339 time or YYYY-MM-DD).
    #[arg(long, value_name = "T")]
    since: Option<String>,
    /// Only uses before this time.
    #[arg(long, value_name = "T")]
    until: Option<String>,
    /// Only this token name (the `--name` given to `custos token create`).
    #[arg(long, value_name = "NAME")]
    who: Option<String>,
    /// At most this many, the most recent ones.
    #[arg(long)]
    limit: Option<usize>,
}

#[derive(Serialize)]
struct AccessRow {
    time: String,
    who: String,
    role: String,
    route: String,
    subject: Option<String>,
    event: String,
}

fn parse_time(flag: &str, s: &str) -> Result<Timestamp> {
    let s = s.trim();
    Timestamp::parse_rfc3339(s)
        .or_else(|| Timestamp::parse_rfc3339(&format!("{s}T00:00:00Z")))
        .ok_or_else(|| {
            UsageError(format!(
                "`--{flag} {s}` is not a time; write a date such as 2026-03-02 or a time such as 2026-03-02T09:00:00Z"
            ))
            .into()
        })
}

/// The access record of a stored `custos.access` event, or `None` for
/// any other event.
fn access_row(ev: &EventRow) -> Option<AccessRow> {
    if ev.action != "custos.access" {
        return None;
    }
    let entry: serde_json::Value = serde_json::from_slice(&ev.entry).ok()?;
    let attr = |k: &str| entry["attrs"][k].as_str().map(str::to_owned);
    Some(AccessRow {
        time: ev.time.to_rfc3339(),
        who: ev.actor_id.clone(),
        role: attr("token_role").unwrap_or_default(),
        route: attr("route").unwrap_or_default(),
        subject: attr("subject"),
        event: ev.id.clone(),
    })
}

fn collect(store: &dyn Store, who: Option<&str>, window: TimeWindow) -> Result<Vec<AccessRow>> {
    if let Some(who) = who {
        // Access events have the token's name as their (employee) actor:
        // one indexed query.
        return Ok(store
            .events_by_employee(who, window, usize::MAX)?
            .iter()
            .filter_map(access_row)
            .collect());
    }
    // No index by action: walk the store in ledger order, page by page.
    let size = store.ledger_size()?;
    let mut out = Vec::new();
    let mut start = 0;
    while start < size {
        let end = (start + PAGE).min(size);
        for rows in store.scan_rows(start..end)? {
            if let Some(ev) = rows.event.as_ref().filter(|e| window.contains(e.time)) {
                out.extend(access_row(ev));
            }
        }
        start = end;
    }
    out.sort_by(|a, b| a.time.cmp(&b.time).then(a.event.cmp(&b.event)));
    Ok(out)
}

pub fn audit(ctx: &Context, args: AuditArgs) -> Result<Outcome> {
    let from = args
        .since
        .as_deref()
        .map(|s| parse_time("since", s))
        .transpose()?;
    let to = args
        .until
        .as_deref()
        .map(|s| parse_time("until", s))
        .transpose()?;
    let window = TimeWindow::new(
        from.unwrap_or(TimeWindow::ALL.from),
        to.unwrap_or(TimeWindow::ALL.to),
    );
    let p = ctx.open_read_only()?;
    let mut rows = collect(p.store(), args.who.as_deref(), window)?;
    if let Some(limit) = args.limit {
        let skip = rows.len().saturating_sub(limit);
        rows.drain(..skip);
    }
    let mut out = std::io::stdout().lock();
    match ctx.format {
        Format::Json => {
            for r in &rows {
                output::record(Format::Json, r)?;
            }
        }
        Format::Csv => {
            writeln!(out, "time,who,role,route,subject,event")?;
            for r in &rows {
                writeln!(
                    out,
                    "{},{},{},{},{},{}",
                    r.time,
                    csv_field(&r.who),
                    r.role,
                    csv_field(&r.route),
                    csv_field(r.subject.as_deref().unwrap_or("")),
                    r.event
                )?;
            }
        }
        Format::Table => {
            if rows.is_empty() {
                writeln!(out, "no recorded use of the API matches")?;
            }
            for r in &rows {
                writeln!(
                    out,
                    "{}  {:<14} {:<12} {:<32} {}",
                    r.time,
                    r.who,
                    r.role,
                    r.route,
                    r.subject.as_deref().unwrap_or("-")
                )?;
            }
        }
    }
    Ok(Outcome::Ok)
}
