//! `custos case ...` and `custos report breach`: investigation cases,
//! each step an `x.case.*` event committed to the ledger, and the breach
//! notification draft of a case.

use crate::output::{self, csv_field, Context, Format, UsageError};
use crate::Outcome;
use anyhow::{anyhow, Context as _, Result};
use custos_core::Timestamp;
use custos_ingest::{Location, Pipeline};
use custos_investigate::{
    breach_report, breach_scope, case_alerts, list_cases, load_case, next_case_number, open_case,
    BreachScope, Case, CaseChange, CaseOutcome, CaseScope, CaseStatus, InvestigateError,
    ReportContacts, ReportInput,
};
use custos_store::{AlertFilter, Store};
use serde::Serialize;
use serde_json::Value;
use std::io::{IsTerminal as _, Write};
use std::path::PathBuf;

#[derive(clap::Subcommand)]
pub enum CaseCommand {
    /// Opens a case from alerts and/or employees.
    Open(OpenArgs),
    /// Lists the cases, in the order opened.
    List,
    /// A case: state, history with ledger event ids, scope summary.
    Show {
        /// The case id (`case-` and 8 hex digits).
        case: String,
    },
    /// Assigns a case to an investigator.
    Assign {
        case: String,
        /// The investigator the case goes to.
        #[arg(long)]
        to: String,
        #[command(flatten)]
        by: ByArgs,
    },
    /// Adds a note.
    Note {
        case: String,
        #[arg(long)]
        text: String,
        #[command(flatten)]
        by: ByArgs,
    },
    /// Attaches a ledger event as evidence, or sets the case's scope.
    Attach(AttachArgs),
    /// Moves a case: open → investigating → confirmed | dismissed.
    Status(StatusArgs),
    /// Closes a confirmed or dismissed case with its outcome.
    Close {
        case: String,
        #[arg(long, value_parser = CaseOutcome::NAMES.to_vec())]
        outcome: String,
        #[command(flatten)]
        by: ByArgs,
    },
}

#[derive(clap::Args)]
pub struct ByArgs {
    /// The investigator doing this (the actor of the ledger event).
    #[arg(long, value_name = "NAME")]
    by: String,
}

#[derive(clap::Args)]
pub struct OpenArgs {
    /// An alert the case is about; repeatable.
    #[arg(long = "alert", value_name = "ALERT_ID")]
    alerts: Vec<String>,
    /// An employee the case is about; repeatable.
    #[arg(long = "employee", value_name = "E")]
    employees: Vec<String>,
    #[arg(long)]
    title: Option<String>,
    #[command(flatten)]
    by: ByArgs,
}

#[derive(clap::Args)]
pub struct AttachArgs {
    case: String,
    /// A ledger event id to attach as evidence.
    #[arg(long, conflicts_with_all = ["scope_employees", "from", "to"])]
    event: Option<String>,
    /// Sets the case scope to this employee's disclosures; repeatable.
    #[arg(long = "scope-employee", value_name = "E")]
    scope_employees: Vec<String>,
    /// Scope window start, inclusive (RFC 3339 time or YYYY-MM-DD).
    #[arg(long)]
    from: Option<String>,
    /// Scope window end, exclusive (RFC 3339 time or YYYY-MM-DD).
    #[arg(long)]
    to: Option<String>,
    #[command(flatten)]
    by: ByArgs,
}

#[derive(clap::Args)]
pub struct StatusArgs {
    case: String,
    #[arg(long, value_parser = ["investigating", "confirmed", "dismissed"])]
    to: String,
    /// When the controller became aware of the breach (default: now, on confirming).
    #[arg(long, value_name = "T")]
    aware_at: Option<String>,
    #[command(flatten)]
    by: ByArgs,
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

fn now() -> Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    Timestamp::from_millis(i64::try_from(ms).unwrap_or(i64::MAX))
}

/// Input errors and unknown ids are usage errors (exit 2); a refused
/// transition is a problem with the work (exit 1).
fn classify(e: InvestigateError) -> anyhow::Error {
    match e {
        InvestigateError::CaseInput(_)
        | InvestigateError::UnknownCase(_)
        | InvestigateError::UnknownAlert(_) => UsageError(e.to_string()).into(),
        other => other.into(),
    }
}

/// Commits one case event; returns its id.
fn commit(p: &mut Pipeline, value: &Value) -> Result<String> {
    let location = Location {
        source: "case".into(),
        line: 1,
    };
    let prepared = custos_ingest::prepare_value(location, value)
        .map_err(|r| anyhow!("the case event is not a valid event ({r}); this is a bug"))?;
    let id = prepared.event.id.as_str().to_owned();
    let summary = p
        .commit(vec![prepared])
        .context("cannot commit the case event to the ledger")?;
    if let Some(r) = summary.rejections.first() {
        return Err(anyhow!(
            "the case event was refused ({r}); someone changed the case at the same time, run the command again"
        ));
    }
    Ok(id)
}

#[derive(Serialize)]
struct Done<'a> {
    case: &'a str,
    event: &'a str,
    status: &'a str,
    summary: &'a str,
}

fn print_done(ctx: &Context, case: &Case, event: &str) -> Result<()> {
    let summary = case.history.last().map_or("", |s| s.summary.as_str());
    match ctx.format {
        Format::Table => println!("{}: {summary} (ledger event {event})", case.id),
        _ => output::record(
            ctx.format,
            &Done {
                case: &case.id,
                event,
                status: case.status.as_str(),
                summary,
            },
        )?,
    }
    Ok(())
}

/// Applies a change to a stored case and commits its event.
fn change(ctx: &Context, id: &str, by: &str, ch: CaseChange) -> Result<Outcome> {
    let mut p = ctx.open()?;
    let mut case = load_case(p.store(), id).map_err(classify)?;
    let value = case.change(now(), by, ch).map_err(classify)?;
    let event = commit(&mut p, &value)?;
    print_done(ctx, &case, &event)?;
    Ok(Outcome::Ok)
}

pub fn run(ctx: &Context, cmd: CaseCommand) -> Result<Outcome> {
    match cmd {
        CaseCommand::Open(a) => open(ctx, a),
        CaseCommand::List => list(ctx),
        CaseCommand::Show { case } => show(ctx, &case),
        CaseCommand::Assign { case, to, by } => {
            change(ctx, &case, &by.by, CaseChange::Assign { to })
        }
        CaseCommand::Note { case, text, by } => {
            change(ctx, &case, &by.by, CaseChange::Note { text })
        }
        CaseCommand::Attach(a) => attach(ctx, a),
        CaseCommand::Status(a) => {
            let to = CaseStatus::parse(&a.to)
                .ok_or_else(|| UsageError(format!("`--to {}` is not a status", a.to)))?;
            let aware_at = a
                .aware_at
                .as_deref()
                .map(|s| parse_time("aware-at", s))
                .transpose()?;
            change(ctx, &a.case, &a.by.by, CaseChange::Status { to, aware_at })
        }
        CaseCommand::Close { case, outcome, by } => {
            let outcome = CaseOutcome::parse(&outcome)
                .ok_or_else(|| UsageError(format!("`--outcome {outcome}` is not an outcome")))?;
            change(ctx, &case, &by.by, CaseChange::Close { outcome })
        }
    }
}

fn open(ctx: &Context, a: OpenArgs) -> Result<Outcome> {
    let mut p = ctx.open()?;
    if !a.alerts.is_empty() {
        let stored = p.store().alerts(&AlertFilter::default())?;
        if let Some(missing) = a
            .alerts
            .iter()
            .find(|id| !stored.iter().any(|s| &s.id == *id))
        {
            return Err(UsageError(format!(
                "no alert with id `{missing}`; list them with `custos alerts`"
            ))
            .into());
        }
    }
    let n = next_case_number(p.store())?;
    let (case, value) = open_case(
        n,
        now(),
        &a.by.by,
        &a.alerts,
        &a.employees,
        a.title.as_deref(),
    )
    .map_err(classify)?;
    let event = commit(&mut p, &value)?;
    print_done(ctx, &case, &event)?;
    Ok(Outcome::Ok)
}

fn attach(ctx: &Context, a: AttachArgs) -> Result<Outcome> {
    let ch = match (&a.event, a.scope_employees.is_empty()) {
        (Some(ev), _) => CaseChange::AttachEvent { event: ev.clone() },
        (None, false) => CaseChange::AttachScope(CaseScope {
            employees: a.scope_employees.clone(),
            from: a
                .from
                .as_deref()
                .map(|s| parse_time("from", s))
                .transpose()?,
            to: a.to.as_deref().map(|s| parse_time("to", s)).transpose()?,
        }),
        (None, true) => {
            return Err(UsageError(
                "attach what: --event ID, or --scope-employee E [--from T] [--to T]".into(),
            )
            .into())
        }
    };
    if let CaseChange::AttachEvent { event } = &ch {
        let p = ctx.open_read_only()?;
        if p.store().event(event)?.is_none() {
            return Err(UsageError(format!(
                "no event with id `{event}` in the ledger; attach an event that was ingested"
            ))
            .into());
        }
    }
    change(ctx, &a.case, &a.by.by, ch)
}

#[derive(Serialize)]
struct CaseRow<'a> {
    id: &'a str,
    status: &'a str,
    assignee: Option<&'a str>,
    opened: String,
    aware_at: Option<String>,
    outcome: Option<&'a str>,
    alerts: &'a [String],
    employees: &'a [String],
    title: Option<&'a str>,
}

fn row(c: &Case) -> CaseRow<'_> {
    CaseRow {
        id: &c.id,
        status: c.status.as_str(),
        assignee: c.assignee.as_deref(),
        opened: c.opened.to_rfc3339(),
        aware_at: c.aware_at.map(Timestamp::to_rfc3339),
        outcome: c.outcome.map(CaseOutcome::as_str),
        alerts: &c.alerts,
        employees: &c.employees,
        title: c.title.as_deref(),
    }
}

fn list(ctx: &Context) -> Result<Outcome> {
    let p = ctx.open_read_only()?;
    let cases = list_cases(p.store())?;
    let mut out = std::io::stdout().lock();
    match ctx.format {
        Format::Json => {
            for c in &cases {
                serde_json::to_writer(&mut out, &row(c))?;
                out.write_all(b"\n")?;
            }
        }
        Format::Csv => {
            writeln!(
                out,
                "id,status,assignee,opened,outcome,alerts,employees,title"
            )?;
            for c in &cases {
                writeln!(
                    out,
                    "{},{},{},{},{},{},{},{}",
                    c.id,
                    c.status.as_str(),
                    csv_field(c.assignee.as_deref().unwrap_or("")),
                    c.opened,
                    c.outcome.map_or("", CaseOutcome::as_str),
                    csv_field(&c.alerts.join(" ")),
                    csv_field(&c.employees.join(" ")),
                    csv_field(c.title.as_deref().unwrap_or("")),
                )?;
            }
        }
        Format::Table => {
            if cases.is_empty() {
                writeln!(
                    out,
                    "no cases; open one with `custos case open --alert A --by NAME`"
                )?;
            }
            for c in &cases {
                writeln!(
                    out,
                    "{}  {:<13}  {:<12}  {}  {}",
                    c.id,
                    c.status.as_str(),
                    c.assignee.as_deref().unwrap_or("-"),
                    c.opened,
                    c.title.as_deref().unwrap_or("")
                )?;
            }
        }
    }
    Ok(Outcome::Ok)
}

/// The case's scope, computed from the store; `None` when it names no
/// employee.
fn case_scope(store: &dyn Store, case: &Case) -> Result<Option<BreachScope>> {
    match case.scope_query(store)? {
        Some(q) => Ok(Some(breach_scope(store, &q)?)),
        None => Ok(None),
    }
}

#[derive(Serialize)]
struct ScopeSummary {
    employees: Vec<String>,
    from: Option<String>,
    to: Option<String>,
    customers: usize,
    accesses: u64,
    events: usize,
    by_field: Vec<custos_investigate::FieldTotal>,
}

fn summary_of(s: &BreachScope) -> ScopeSummary {
    let w = s.query.window;
    ScopeSummary {
        employees: s.query.employees.clone(),
        from: (w.from.0 != i64::MIN).then(|| w.from.to_rfc3339()),
        to: (w.to.0 != i64::MAX).then(|| w.to.to_rfc3339()),
        customers: s.totals.customers,
        accesses: s.totals.accesses,
        events: s.totals.events,
        by_field: s.totals.by_field.clone(),
    }
}

fn show(ctx: &Context, id: &str) -> Result<Outcome> {
    let p = ctx.open_read_only()?;
    let case = load_case(p.store(), id).map_err(classify)?;
    let scope = case_scope(p.store(), &case)?;
    if ctx.format != Format::Table {
        #[derive(Serialize)]
        struct Shown<'a> {
            #[serde(flatten)]
            case: &'a Case,
            scope_summary: Option<ScopeSummary>,
        }
        return output::json_line(&Shown {
            case: &case,
            scope_summary: scope.as_ref().map(summary_of),
        })
        .map(|()| Outcome::Ok);
    }
    let mut out = std::io::stdout().lock();
    let none = || "-".to_owned();
    writeln!(out, "case      {}", case.id)?;
    writeln!(out, "title     {}", case.title.clone().unwrap_or_else(none))?;
    writeln!(out, "status    {}", case.status.as_str())?;
    writeln!(
        out,
        "assignee  {}",
        case.assignee.clone().unwrap_or_else(none)
    )?;
    writeln!(out, "opened    {} by {}", case.opened, case.opened_by)?;
    writeln!(
        out,
        "aware at  {}",
        case.aware_at.map_or_else(none, Timestamp::to_rfc3339)
    )?;
    writeln!(
        out,
        "outcome   {}",
        case.outcome.map_or_else(none, |o| o.as_str().to_owned())
    )?;
    writeln!(out, "alerts    {}", list_or_dash(&case.alerts))?;
    writeln!(out, "employees {}", list_or_dash(&case.employees))?;
    writeln!(out, "evidence  {}", list_or_dash(&case.evidence))?;
    match &scope {
        Some(s) => {
            let m = summary_of(s);
            let fields: Vec<String> = m
                .by_field
                .iter()
                .map(|f| format!("{} {}", f.field, f.customers))
                .collect();
            writeln!(
                out,
                "scope     {} {}: {} customers, {} accesses, {} events; {}",
                m.employees.join(", "),
                match (&m.from, &m.to) {
                    (None, None) => "at any time".to_owned(),
                    (Some(f), None) => format!("from {f}"),
                    (None, Some(t)) => format!("before {t}"),
                    (Some(f), Some(t)) => format!("from {f} to {t}"),
                },
                m.customers,
                m.accesses,
                m.events,
                if fields.is_empty() {
                    "no categories".to_owned()
                } else {
                    fields.join(", ")
                }
            )?;
        }
        None => writeln!(out, "scope     -")?,
    }
    writeln!(out, "history")?;
    for s in &case.history {
        writeln!(
            out,
            "  {}  {:<14} {:<12} {}  [{}{}]",
            s.time,
            s.action,
            s.by,
            s.summary,
            s.event,
            s.index.map_or_else(String::new, |i| format!(" @{i}"))
        )?;
    }
    if !case.notes.is_empty() {
        writeln!(out, "notes")?;
        for n in &case.notes {
            writeln!(out, "  {} {}: {}", n.time, n.by, n.text)?;
        }
    }
    Ok(Outcome::Ok)
}

fn list_or_dash(items: &[String]) -> String {
    if items.is_empty() {
        "-".into()
    } else {
        items.join(", ")
    }
}

// ---------------------------------------------------------------- report

/// `custos report ...` parses its own options, so that its `--format`
/// (md|html|pdf, a document format) does not clash with the global
/// `--format` (table|json|csv, a record format).
#[derive(clap::Parser)]
#[command(name = "custos report", no_binary_name = true)]
struct ReportCli {
    #[command(subcommand)]
    command: ReportCommand,
}

#[derive(clap::Subcommand)]
enum ReportCommand {
    /// The GDPR Art. 33/34 data-breach notification draft for a case.
    Breach(BreachArgs),
}

#[derive(clap::Args)]
struct BreachArgs {
    /// The case id.
    #[arg(long)]
    case: String,
    /// Document format.
    #[arg(long, default_value = "md", value_parser = ["md", "html", "pdf"])]
    format: String,
    /// Write the document to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// The controller's name and address, printed in the contact section.
    #[arg(long, env = "CUSTOS_CONTROLLER")]
    controller: Option<String>,
    /// The DPO or other contact point, printed in the contact section.
    #[arg(long, env = "CUSTOS_DPO_CONTACT")]
    contact: Option<String>,
    /// The report's generation time (default: now), for reproducible drafts.
    #[arg(long, value_name = "T")]
    generated_at: Option<String>,
    /// Where the ledger, the store and the keys live (overrides the global option).
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

/// Arguments of `custos report`, handed over unparsed.
#[derive(clap::Args)]
pub struct ReportArgs {
    /// `breach --case C [--format md|html|pdf] [--out FILE] [--controller S] [--contact S] [--generated-at T]`
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "ARGS"
    )]
    args: Vec<String>,
}

pub fn report(ctx: &Context, args: ReportArgs) -> Result<Outcome> {
    use clap::Parser as _;
    let cli = match ReportCli::try_parse_from(&args.args) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    let ReportCommand::Breach(a) = cli.command;
    // Checked before any work: a PDF needs a browser and a place to go.
    let chromium = if a.format == "pdf" {
        if a.out.is_none() && std::io::stdout().is_terminal() {
            return Err(UsageError(
                "a PDF is binary: write it with --out FILE or redirect stdout".into(),
            )
            .into());
        }
        Some(
            custos_server::pdf::Chromium::find()
                .map_err(|e| anyhow!("{e}; or use --format html"))?,
        )
    } else {
        None
    };
    let generated_at = match &a.generated_at {
        Some(s) => parse_time("generated-at", s)?,
        None => now(),
    };
    let p = match &a.data_dir {
        Some(d) => Pipeline::open_read_only(&custos_ingest::DataDir::new(d.clone()))
            .with_context(|| format!("cannot open the data dir `{}`", d.display()))?,
        None => ctx.open_read_only()?,
    };
    let case = load_case(p.store(), &a.case).map_err(classify)?;
    let alerts = case_alerts(p.store(), &case)?;
    let scope = case_scope(p.store(), &case)?;
    let contacts = ReportContacts {
        controller: a.controller.clone(),
        contact_point: a.contact.clone(),
    };
    let doc = breach_report(&ReportInput {
        case: &case,
        alerts: &alerts,
        scope: scope.as_ref(),
        contacts: &contacts,
        generated_at,
    });
    let bytes = match chromium {
        Some(chromium) => chromium
            .print_to_pdf(&doc.to_html(), custos_server::pdf::TIMEOUT)
            .context("cannot print the report to PDF")?,
        None if a.format == "html" => doc.to_html().into_bytes(),
        None => doc.to_markdown().into_bytes(),
    };
    match &a.out {
        Some(path) => std::fs::write(path, bytes)
            .with_context(|| format!("cannot write the report `{}`", path.display()))?,
        None => std::io::stdout().lock().write_all(&bytes)?,
    }
    Ok(Outcome::Ok)
}
