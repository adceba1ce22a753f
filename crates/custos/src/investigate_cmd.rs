//! `custos scope`, `custos attribute`, `custos access-report` and
//! `custos verify-bundle`: investigations and their offline proofs.

use crate::output::{self, csv_field, Context, Format, UsageError};
use crate::Outcome;
use anyhow::{Context as _, Result};
use custos_core::Timestamp;
use custos_ingest::Pipeline;
use custos_investigate::{
    access_records, alert_scope_query, attribute, breach_scope, customer_accesses, parse_sample,
    sample_matches, verify_bundle, BreachScope, InvestigateError, ProofBundle, PseudonymKey,
    ScopeQuery,
};
use custos_store::TimeWindow;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct WindowArgs {
    /// Start of the window, inclusive: an RFC 3339 time or a date (YYYY-MM-DD, UTC midnight).
    #[arg(long)]
    from: Option<String>,
    /// End of the window, exclusive: an RFC 3339 time or a date (YYYY-MM-DD, UTC midnight).
    #[arg(long)]
    to: Option<String>,
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

impl WindowArgs {
    /// The window, each bound given replacing the default's.
    fn window(&self, default: TimeWindow) -> Result<TimeWindow> {
        let from = match &self.from {
            Some(s) => parse_time("from", s)?,
            None => default.from,
        };
        let to = match &self.to {
            Some(s) => parse_time("to", s)?,
            None => default.to,
        };
        if from >= to {
            return Err(UsageError(format!(
                "the window is empty: --from {from} is not before --to {to}; widen it"
            ))
            .into());
        }
        Ok(TimeWindow::new(from, to))
    }
}

fn describe(w: TimeWindow) -> String {
    let from = (w.from.0 != i64::MIN).then(|| w.from.to_rfc3339());
    let to = (w.to.0 != i64::MAX).then(|| w.to.to_rfc3339());
    match (from, to) {
        (None, None) => "at any time".into(),
        (Some(f), None) => format!("from {f}"),
        (None, Some(t)) => format!("before {t}"),
        (Some(f), Some(t)) => format!("from {f} to {t}"),
    }
}

/// Runs `f` against the ledger; if the store indexed an event after the
/// ledger handle was opened, reopens once so the checkpoint covers it.
fn with_fresh_ledger<T>(
    ctx: &Context,
    p: &Pipeline,
    f: impl Fn(&Pipeline) -> custos_investigate::Result<T>,
) -> Result<T> {
    match f(p) {
        Err(InvestigateError::NotCovered { .. }) => {
            let fresh = ctx.open_read_only()?;
            Ok(f(&fresh)?)
        }
        other => Ok(other?),
    }
}

fn write_bundle(path: &Path, bundle: &ProofBundle) -> Result<()> {
    std::fs::write(path, bundle.to_bytes())
        .with_context(|| format!("cannot write the proof bundle `{}`", path.display()))?;
    eprintln!(
        "wrote proof bundle `{}`: {} ledger entries against the checkpoint of size {}; check it with `custos verify-bundle {}`",
        path.display(),
        bundle.entries.len(),
        bundle.tree_size,
        path.display()
    );
    Ok(())
}

fn list(items: &[impl AsRef<str>], sep: &str) -> String {
    items
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(sep)
}

// ---------------------------------------------------------------- scope

#[derive(clap::Args)]
pub struct ScopeArgs {
    /// An employee whose disclosures to scope; repeat for several.
    #[arg(long = "employee", value_name = "E")]
    employees: Vec<String>,
    /// Take the employee and the window from a stored alert: from its earliest evidence on.
    #[arg(long, value_name = "ALERT_ID")]
    alert: Option<String>,
    #[command(flatten)]
    window: WindowArgs,
    /// Also write a proof bundle (JSON) that `custos verify-bundle` checks offline.
    #[arg(long, value_name = "FILE")]
    bundle: Option<PathBuf>,
}

pub fn scope(ctx: &Context, args: ScopeArgs) -> Result<Outcome> {
    let p = ctx.open_read_only()?;
    let query = match &args.alert {
        Some(alert) => {
            let q = alert_scope_query(p.store(), alert).map_err(|e| match e {
                InvestigateError::UnknownAlert(_) => anyhow::Error::from(UsageError(e.to_string())),
                other => other.into(),
            })?;
            let employees = q.employees.into_iter().chain(args.employees.clone());
            ScopeQuery::new(employees, args.window.window(q.window)?)
        }
        None => {
            if args.employees.is_empty() {
                return Err(UsageError(
                    "name whose disclosures to scope: --employee E (repeatable) or --alert ALERT_ID"
                        .into(),
                )
                .into());
            }
            ScopeQuery::new(args.employees.clone(), args.window.window(TimeWindow::ALL)?)
        }
    };
    let scope = breach_scope(p.store(), &query).context("cannot compute the breach scope")?;
    if let Some(path) = &args.bundle {
        let bundle = with_fresh_ledger(ctx, &p, |p| ProofBundle::of_scope(p.ledger(), &scope))?;
        write_bundle(path, &bundle)?;
    }
    print_scope(ctx.format, &scope)?;
    Ok(Outcome::Ok)
}

fn print_scope(format: Format, scope: &BreachScope) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => {
            for r in &scope.records {
                serde_json::to_writer(&mut out, r)?;
                writeln!(out)?;
            }
        }
        Format::Csv => {
            writeln!(
                out,
                "customer,fields,first,last,accesses,purposes,employees,events"
            )?;
            for r in &scope.records {
                let fields: Vec<&str> = r.fields.iter().map(|f| f.as_str()).collect();
                writeln!(
                    out,
                    "{},{},{},{},{},{},{},{}",
                    csv_field(&r.customer),
                    csv_field(&fields.join(";")),
                    r.first,
                    r.last,
                    r.accesses,
                    csv_field(&list(&r.purposes, ";")),
                    csv_field(&list(&r.employees, ";")),
                    csv_field(&list(&r.events, ";")),
                )?;
            }
        }
        Format::Table => {
            let t = &scope.totals;
            let who = list(&scope.query.employees, ", ");
            if scope.records.is_empty() {
                writeln!(
                    out,
                    "no customer records were disclosed to {who} {}",
                    describe(scope.query.window)
                )?;
                return Ok(());
            }
            let width = scope
                .records
                .iter()
                .map(|r| r.customer.len())
                .max()
                .unwrap_or(8)
                .max(8);
            writeln!(
                out,
                "{:<width$}  {:>8}  {:<24}  {:<24}  {:<28}  purposes",
                "customer", "accesses", "first", "last", "fields"
            )?;
            for r in &scope.records {
                let fields: Vec<&str> = r.fields.iter().map(|f| f.as_str()).collect();
                let fields = if fields.is_empty() {
                    "-".to_owned()
                } else {
                    fields.join(",")
                };
                writeln!(
                    out,
                    "{:<width$}  {:>8}  {:<24}  {:<24}  {:<28}  {}",
                    r.customer,
                    r.accesses,
                    r.first,
                    r.last,
                    fields,
                    list(&r.purposes, "; ")
                )?;
            }
            writeln!(out)?;
            writeln!(
                out,
                "{} customers, {} accesses in {} events, disclosed to {who} {}",
                t.customers,
                t.accesses,
                t.events,
                describe(scope.query.window)
            )?;
            let cats: Vec<String> = t
                .by_field
                .iter()
                .map(|f| format!("{} {}", f.field, f.customers))
                .collect();
            writeln!(
                out,
                "customers by data category: {}",
                if cats.is_empty() {
                    "none".into()
                } else {
                    cats.join(", ")
                }
            )?;
            if t.no_category > 0 {
                writeln!(
                    out,
                    "customers with no category stated (search hits): {}",
                    t.no_category
                )?;
            }
            if t.by_site.iter().any(|s| s.site.is_some()) {
                let sites: Vec<String> = t
                    .by_site
                    .iter()
                    .map(|s| {
                        format!(
                            "{} {} customers ({} accesses)",
                            s.site.as_deref().unwrap_or("unknown site"),
                            s.customers,
                            s.accesses
                        )
                    })
                    .collect();
                writeln!(out, "by site: {}", sites.join(", "))?;
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- attribute

#[derive(clap::Args)]
pub struct AttributeArgs {
    /// The leaked sample: customer ids, one a line (`-` for stdin; `#` starts a comment).
    #[arg(long, value_name = "FILE")]
    leaked: PathBuf,
    /// Reverse view: which of this employee's disclosed customers are in the sample.
    #[arg(long, value_name = "E")]
    employee: Option<String>,
    /// At most this many employees, most likely source first.
    #[arg(long)]
    limit: Option<usize>,
    #[command(flatten)]
    window: WindowArgs,
}

fn read_sample(path: &Path) -> Result<Vec<String>> {
    let text = if path == Path::new("-") {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .context("cannot read the leaked sample from stdin")?;
        s
    } else {
        std::fs::read_to_string(path).map_err(|e| {
            UsageError(format!(
                "cannot read the leaked sample `{}` ({e}); pass a file of customer ids, one a line",
                path.display()
            ))
        })?
    };
    let sample = parse_sample(&text);
    if sample.is_empty() {
        return Err(UsageError(format!(
            "the leaked sample `{}` holds no customer ids; put one id a line",
            path.display()
        ))
        .into());
    }
    Ok(sample)
}

pub fn attribute_cmd(ctx: &Context, args: AttributeArgs) -> Result<Outcome> {
    let sample = read_sample(&args.leaked)?;
    let window = args.window.window(TimeWindow::ALL)?;
    let p = ctx.open_read_only()?;
    if let Some(employee) = &args.employee {
        return reverse(ctx, &p, employee, &sample, window);
    }
    let att = attribute(p.store(), &sample, window).context("cannot attribute the leak")?;
    let shown = &att.suspects[..args.limit.unwrap_or(usize::MAX).min(att.suspects.len())];
    let mut out = std::io::stdout().lock();
    match ctx.format {
        Format::Json => {
            for s in shown {
                serde_json::to_writer(&mut out, s)?;
                writeln!(out)?;
            }
        }
        Format::Csv => {
            writeln!(
                out,
                "employee,matched,leaked,p_value,score,honeytokens,disclosed,expected"
            )?;
            for s in shown {
                writeln!(
                    out,
                    "{},{},{},{:e},{:.3},{},{},{:.3}",
                    csv_field(&s.employee),
                    s.matched,
                    s.leaked,
                    s.p_value,
                    s.score,
                    csv_field(&list(&s.honeytokens, ";")),
                    s.disclosed,
                    s.expected
                )?;
            }
        }
        Format::Table => {
            writeln!(
                out,
                "sample of {} customer ids ({} shown to no one {}, {} honeytokens); {} disclosures to {} employees{}",
                att.leaked,
                att.unexplained,
                describe(window),
                att.honeytokens.len(),
                att.disclosures,
                att.employees,
                if att.exact_days { "" } else { " in the UTC days the window touches" }
            )?;
            if shown.is_empty() {
                writeln!(out, "no employee was shown any customer of the sample")?;
                return Ok(Outcome::Ok);
            }
            writeln!(
                out,
                "{:>4}  {:<14}  {:>13}  {:>9}  {:>9}  {:>8}  honeytokens",
                "rank", "employee", "matched", "expected", "p_value", "score"
            )?;
            for (i, s) in shown.iter().enumerate() {
                writeln!(
                    out,
                    "{:>4}  {:<14}  {:>13}  {:>9.2}  {:>9.1e}  {:>8.1}  {}",
                    i + 1,
                    s.employee,
                    format!("{}/{}", s.matched, s.leaked),
                    s.expected,
                    s.p_value,
                    s.score,
                    if s.honeytokens.is_empty() {
                        "-".to_owned()
                    } else {
                        list(&s.honeytokens, ",")
                    }
                )?;
            }
        }
    }
    Ok(Outcome::Ok)
}

fn reverse(
    ctx: &Context,
    p: &Pipeline,
    employee: &str,
    sample: &[String],
    window: TimeWindow,
) -> Result<Outcome> {
    let matches = sample_matches(p.store(), employee, sample, window)
        .context("cannot match the sample against the employee's disclosures")?;
    let mut out = std::io::stdout().lock();
    match ctx.format {
        Format::Json => {
            for m in &matches {
                serde_json::to_writer(&mut out, m)?;
                writeln!(out)?;
            }
        }
        Format::Csv => {
            writeln!(
                out,
                "customer,accesses,first,last,fields,others,honeytoken,purposes,events"
            )?;
            for m in &matches {
                let fields: Vec<&str> = m.fields.iter().map(|f| f.as_str()).collect();
                writeln!(
                    out,
                    "{},{},{},{},{},{},{},{},{}",
                    csv_field(&m.customer),
                    m.accesses,
                    m.first,
                    m.last,
                    csv_field(&fields.join(";")),
                    m.others,
                    m.honeytoken,
                    csv_field(&list(&m.purposes, ";")),
                    csv_field(&list(&m.events, ";"))
                )?;
            }
        }
        Format::Table => {
            writeln!(
                out,
                "{employee} was shown {} of the {} sample customers {}",
                matches.len(),
                sample.len(),
                describe(window)
            )?;
            for m in &matches {
                writeln!(
                    out,
                    "{:<14}  {:>3} accesses  {}  {}  others: {}{}  {}",
                    m.customer,
                    m.accesses,
                    m.first,
                    m.last,
                    m.others,
                    if m.honeytoken { "  HONEYTOKEN" } else { "" },
                    list(&m.purposes, "; ")
                )?;
            }
        }
    }
    Ok(Outcome::Ok)
}

// ---------------------------------------------------------------- access report

#[derive(clap::Args)]
pub struct AccessReportArgs {
    /// The customer whose accesses to list.
    #[arg(long, value_name = "C")]
    customer: String,
    #[command(flatten)]
    window: WindowArgs,
    /// Also write a proof bundle for auditors (it holds the ledger entries, which name employees).
    #[arg(long, value_name = "FILE")]
    bundle: Option<PathBuf>,
}

pub fn access_report(ctx: &Context, args: AccessReportArgs) -> Result<Outcome> {
    let window = args.window.window(TimeWindow::ALL)?;
    let p = ctx.open_read_only()?;
    let key = PseudonymKey::load_or_create(&ctx.data_dir)?;
    let report = with_fresh_ledger(ctx, &p, |p| {
        customer_accesses(p.ledger(), p.store(), &key, &args.customer, window)
    })?;
    if let Some(path) = &args.bundle {
        let bundle = with_fresh_ledger(ctx, &p, |p| {
            let records = access_records(p.store(), &key, &args.customer, window)?;
            ProofBundle::of_accesses(p.ledger(), &args.customer, window, &records)
        })?;
        write_bundle(path, &bundle)?;
        eprintln!("note: the bundle holds the ledger entries, which name the employees; give it to auditors, not to the customer");
    }
    let mut out = std::io::stdout().lock();
    match ctx.format {
        Format::Json => {
            for a in &report.accesses {
                serde_json::to_writer(&mut out, a)?;
                writeln!(out)?;
            }
        }
        Format::Csv => {
            writeln!(
                out,
                "time,action,role,employee,purpose_ticket,purpose_code,outcome,fields,event,index,leaf_hash"
            )?;
            for a in &report.accesses {
                let r = &a.access;
                let fields: Vec<&str> = r.fields.iter().map(|f| f.as_str()).collect();
                writeln!(
                    out,
                    "{},{},{},{},{},{},{},{},{},{},{}",
                    r.time,
                    csv_field(&r.action),
                    csv_field(r.role.as_deref().unwrap_or("")),
                    r.employee,
                    csv_field(r.purpose_ticket.as_deref().unwrap_or("")),
                    csv_field(r.purpose_code.as_deref().unwrap_or("")),
                    r.outcome,
                    csv_field(&fields.join(";")),
                    csv_field(&r.event),
                    a.index,
                    a.leaf_hash
                )?;
            }
        }
        Format::Table => {
            writeln!(
                out,
                "{} accesses to the records of {} {} (proofs against the checkpoint of size {})",
                report.accesses.len(),
                args.customer,
                describe(window),
                report.tree_size
            )?;
            for a in &report.accesses {
                let r = &a.access;
                let fields: Vec<&str> = r.fields.iter().map(|f| f.as_str()).collect();
                let purpose = match (&r.purpose_ticket, &r.purpose_code) {
                    (Some(t), Some(c)) => format!("{t} ({c})"),
                    (Some(t), None) => t.clone(),
                    (None, Some(c)) => c.clone(),
                    (None, None) => "no purpose".into(),
                };
                writeln!(
                    out,
                    "{}  {:<16} {:<14} {}  {:<8} {:<28} {}",
                    r.time,
                    r.action,
                    r.role.as_deref().unwrap_or("-"),
                    r.employee,
                    r.outcome,
                    if fields.is_empty() {
                        "-".into()
                    } else {
                        fields.join(",")
                    },
                    purpose
                )?;
            }
        }
    }
    Ok(Outcome::Ok)
}

// ---------------------------------------------------------------- verify-bundle

#[derive(clap::Args)]
pub struct VerifyBundleArgs {
    /// The proof bundle written by `--bundle`.
    file: PathBuf,
    /// The log's verifier key (a copy of `ledger/key.vkey` from a trusted source); default: the key inside the bundle.
    #[arg(long, value_name = "VKEY_FILE")]
    key: Option<PathBuf>,
}

pub fn verify_bundle_cmd(ctx: &Context, args: VerifyBundleArgs) -> Result<Outcome> {
    let bytes = std::fs::read(&args.file).map_err(|e| {
        UsageError(format!(
            "cannot read the bundle `{}` ({e}); pass the file `--bundle` wrote",
            args.file.display()
        ))
    })?;
    let key = match &args.key {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                UsageError(format!(
                    "cannot read the verifier key `{}` ({e}); pass a copy of the log's ledger/key.vkey",
                    path.display()
                ))
            })?;
            let line = text.trim();
            if line.is_empty() || line.contains('\n') {
                return Err(UsageError(format!(
                    "`{}` is not a verifier key file: it must hold one line `<name>+<id>+<key>`",
                    path.display()
                ))
                .into());
            }
            Some(line.to_owned())
        }
        None => {
            eprintln!("warning: checking with the key inside the bundle, which only shows the bundle agrees with itself; pass --key with the log's key.vkey from a trusted source");
            None
        }
    };
    let report = verify_bundle(&bytes, key.as_deref());
    output::record(ctx.format, &report)?;
    if report.ok {
        Ok(Outcome::Ok)
    } else {
        eprintln!(
            "error: the bundle `{}` does not verify: {}",
            args.file.display(),
            report.problems.first().map_or("", String::as_str)
        );
        Ok(Outcome::Problem)
    }
}
