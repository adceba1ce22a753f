//! The data-breach notification draft of a case (`custos report breach`):
//! the contents GDPR Art. 33(3) asks of a notification to the supervisory
//! authority, the 72-hour clock of Art. 33(1) with reasons for delay,
//! phased submission (Art. 33(4)), the register entry (Art. 33(5)) and a
//! plain-language notice to customers (Art. 34).
//!
//! The report is built as a small document model and rendered to
//! Markdown or to self-contained HTML (inline style, every text escaped,
//! nothing fetched); the PDF is that HTML printed by Chromium, with the
//! print style (A4, page numbers) it carries.
//! It is deterministic: the generation time is passed in, never read from
//! a clock. It names no customer: only counts and data categories.

use crate::cases::{Case, CaseOutcome, CaseStatus};
use crate::error::InvestigateError;
use crate::scope::BreachScope;
use crate::Result;
use custos_core::time::MS_PER_HOUR;
use custos_core::{DataField, Timestamp};
use custos_store::{AlertFilter, Store};
use serde::Deserialize;

/// An alert behind a case, as the report describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseAlert {
    pub id: String,
    pub time: Timestamp,
    pub employee: String,
    pub detector: String,
    pub severity: String,
    pub summary: String,
}

/// The stored alerts a case was opened from; alerts no longer stored are
/// left out.
pub fn case_alerts(store: &dyn Store, case: &Case) -> Result<Vec<CaseAlert>> {
    #[derive(Deserialize)]
    struct Json {
        #[serde(default)]
        summary: String,
    }
    let mut out = Vec::new();
    for row in store.alerts(&AlertFilter::default())? {
        if !case.alerts.contains(&row.id) {
            continue;
        }
        let json: Json =
            serde_json::from_str(&row.json).map_err(|e| InvestigateError::MalformedAlert {
                id: row.id.clone(),
                reason: format!("its stored record does not parse: {e}"),
            })?;
        out.push(CaseAlert {
            id: row.id,
            time: row.time,
            employee: row.employee,
            detector: row.detector,
            severity: row.severity,
            summary: json.summary,
        });
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// Who the controller is and whom the authority contacts; `None` leaves
/// a marked placeholder for the DPO to fill.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReportContacts {
    pub controller: Option<String>,
    pub contact_point: Option<String>,
}

/// Everything a breach report is made from.
pub struct ReportInput<'a> {
    pub case: &'a Case,
    pub alerts: &'a [CaseAlert],
    /// The case's breach scope; `None` when the case names no employee.
    pub scope: Option<&'a BreachScope>,
    pub contacts: &'a ReportContacts,
    /// When the report is produced (the CLI passes the wall clock).
    pub generated_at: Timestamp,
}

/// A piece of the document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    Para(String),
    /// Text someone must write before the report is sent.
    Placeholder(String),
    List(Vec<String>),
    /// Label / value rows.
    Facts(Vec<(String, String)>),
    Table {
        head: Vec<String>,
        rows: Vec<Vec<String>>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    pub heading: String,
    pub blocks: Vec<Block>,
}

/// The report, ready to render.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BreachReport {
    pub title: String,
    pub sections: Vec<Section>,
}

/// How long the controller has from awareness (Art. 33(1)).
pub const NOTIFICATION_HOURS: i64 = 72;

fn field_label(f: DataField) -> &'static str {
    match f {
        DataField::Name => "name",
        DataField::Email => "email address",
        DataField::Phone => "phone number",
        DataField::Address => "postal address",
        DataField::Payment => "payment details",
        DataField::Orders => "order history",
        DataField::Reviews => "reviews written",
        DataField::Account => "account details",
    }
}

fn consequence(f: DataField) -> &'static str {
    match f {
        DataField::Name => "name: lets the recipients address customers personally, which makes scams and pressure more convincing",
        DataField::Email => "email address: phishing, spam and scam messages that appear to come from the marketplace or a seller",
        DataField::Phone => "phone number: unwanted calls and text messages, phone scams, harassment",
        DataField::Address => "postal address: unsolicited contact or visits, harassment, parcels or letters used for fraud",
        DataField::Payment => "payment details: financial fraud and unauthorised charges",
        DataField::Orders => "order history: profiling of purchases, targeted scams that quote real orders",
        DataField::Reviews => "reviews written: sellers contacting or retaliating against customers over their reviews, pressure to change or remove them",
        DataField::Account => "account details: attempts to take over accounts, impersonation towards support",
    }
}

fn outcome_measure(o: CaseOutcome) -> &'static str {
    match o {
        CaseOutcome::AccessRevoked => "The employee's access to customer data was revoked.",
        CaseOutcome::Reassigned => {
            "The employee was reassigned to duties without access to customer data."
        }
        CaseOutcome::Dismissed => {
            "The case was dismissed after investigation: no breach was established."
        }
        CaseOutcome::ReferredToLawEnforcement => "The matter was referred to law enforcement.",
        CaseOutcome::NoAction => {
            "No action was taken against the employee (see the case notes for the reasons)."
        }
    }
}

fn hours(ms: i64) -> String {
    let h = ms as f64 / MS_PER_HOUR as f64;
    format!("{h:.1}")
}

/// Builds the report of a case.
pub fn breach_report(input: &ReportInput<'_>) -> BreachReport {
    let c = input.case;
    let now = input.generated_at;
    let deadline = c
        .aware_at
        .map(|a| a.plus_millis(NOTIFICATION_HOURS * MS_PER_HOUR));
    let late = deadline.filter(|d| now > *d);
    let placeholder = |s: &str| Block::Placeholder(s.to_owned());
    let mut sections = Vec::new();

    // Header.
    let mut facts = vec![
        ("Case".to_owned(), c.id.clone()),
        (
            "Title".to_owned(),
            c.title.clone().unwrap_or_else(|| "(none)".into()),
        ),
        ("Status".to_owned(), c.status.as_str().to_owned()),
        (
            "Outcome".to_owned(),
            c.outcome
                .map_or("(not closed)".into(), |o| o.as_str().to_owned()),
        ),
        ("Case opened".to_owned(), c.opened.to_rfc3339()),
        (
            "Controller became aware".to_owned(),
            c.aware_at.map_or("not recorded".into(), |t| t.to_rfc3339()),
        ),
        (
            "72-hour deadline".to_owned(),
            deadline.map_or("unknown (awareness not recorded)".into(), |t| {
                t.to_rfc3339()
            }),
        ),
        ("Report generated".to_owned(), now.to_rfc3339()),
    ];
    if let Some(t) = c.closed {
        facts.push(("Case closed".to_owned(), t.to_rfc3339()));
    }
    sections.push(Section {
        heading: "Summary".into(),
        blocks: vec![
            Block::Para("Draft prepared by Custos from the case record and the tamper-evident access ledger. The controller must review it, complete the marked parts and submit it; it has not been sent to anyone.".into()),
            Block::Facts(facts),
        ],
    });

    // (a) Nature.
    let employees = input.scope.map_or(0, |s| s.query.employees.len());
    let mut nature = vec![Block::Para(format!(
        "Unauthorised disclosure of customer personal data (a breach of confidentiality): {} employee{} with access to internal tools viewed or extracted customer records outside any legitimate purpose, and the records are believed to have been passed to third parties (marketplace sellers).",
        employees,
        if employees == 1 { "" } else { "s" }
    ))];
    if !input.alerts.is_empty() {
        nature.push(Block::Para("Detected by Custos alerts:".into()));
        nature.push(Block::List(
            input
                .alerts
                .iter()
                .map(|a| {
                    format!(
                        "{} ({}, {}, raised {}): {}",
                        a.id, a.detector, a.severity, a.time, a.summary
                    )
                })
                .collect(),
        ));
    }
    if let Some(s) = input.scope {
        let first = s.records.iter().map(|r| r.first).min();
        let last = s.records.iter().map(|r| r.last).max();
        if let (Some(f), Some(l)) = (first, last) {
            nature.push(Block::Para(format!(
                "The disclosures in scope took place between {f} and {l}."
            )));
        }
    }
    sections.push(Section {
        heading: "1. Nature of the breach (Art. 33(3)(a))".into(),
        blocks: nature,
    });

    // (a) Categories and numbers.
    let mut cat = Vec::new();
    match input.scope {
        Some(s) => {
            let t = &s.totals;
            cat.push(Block::Facts(vec![
                ("Categories of data subjects".into(), "customers of the marketplace".into()),
                ("Approximate number of data subjects".into(), t.customers.to_string()),
                (
                    "Approximate number of personal data records".into(),
                    format!("{} record disclosures in {} ledger events", t.accesses, t.events),
                ),
            ]));
            let mut rows: Vec<Vec<String>> = t
                .by_field
                .iter()
                .map(|f| vec![field_label(f.field).to_owned(), f.customers.to_string()])
                .collect();
            if t.no_category > 0 {
                rows.push(vec![
                    "identifiers only (search results, no category stated)".into(),
                    t.no_category.to_string(),
                ]);
            }
            cat.push(Block::Table {
                head: vec!["Category of personal data".into(), "Customers".into()],
                rows,
            });
            cat.push(Block::Para(format!(
                "Scope: {}. Numbers are exact counts of what the ledger records as disclosed to these employees; what was passed on may be less.",
                scope_words(s)
            )));
        }
        None => cat.push(placeholder("No scope is attached to the case; attach one with `custos case attach C --scope-employee E` and produce the report again.")),
    }
    sections.push(Section {
        heading: "2. Categories and approximate numbers (Art. 33(3)(a))".into(),
        blocks: cat,
    });

    // (b) Contact point.
    let controller = input.contacts.controller.as_deref();
    let contact = input.contacts.contact_point.as_deref();
    let mut blocks = Vec::new();
    blocks.push(match controller {
        Some(n) => Block::Para(format!("Controller: {n}")),
        None => placeholder("TO BE COMPLETED BY THE DPO: the controller's legal name and address."),
    });
    blocks.push(match contact {
        Some(n) => Block::Para(format!("Contact point: {n}")),
        None => placeholder("TO BE COMPLETED BY THE DPO: name and contact details of the data protection officer or other contact point where more information can be obtained."),
    });
    sections.push(Section {
        heading: "3. Contact point (Art. 33(3)(b))".into(),
        blocks,
    });

    // (c) Consequences.
    let fields: Vec<DataField> = input
        .scope
        .map(|s| s.totals.by_field.iter().map(|f| f.field).collect())
        .unwrap_or_default();
    let mut cons: Vec<String> = fields.iter().map(|f| consequence(*f).to_owned()).collect();
    cons.push("for all affected customers: loss of confidentiality and of control over their data, and unwanted contact from sellers who obtained it".into());
    sections.push(Section {
        heading: "4. Likely consequences (Art. 33(3)(c))".into(),
        blocks: vec![Block::List(cons)],
    });

    // (d) Measures.
    let mut taken = vec![format!(
        "An investigation case ({}) was opened on {}; every step of it is recorded in the same tamper-evident ledger as the accesses.",
        c.id, c.opened
    )];
    taken.push("The scope was computed from the access ledger, which is signed and verifiable; the evidence is preserved.".into());
    match c.status {
        CaseStatus::Open | CaseStatus::Investigating => taken.push(format!(
            "The investigation is ongoing (status: {}).",
            c.status.as_str()
        )),
        CaseStatus::Confirmed => {
            taken.push("The breach was confirmed by the investigation.".into())
        }
        CaseStatus::Dismissed => taken.push("The investigation dismissed the suspicion.".into()),
        CaseStatus::Closed => {}
    }
    if let Some(o) = c.outcome {
        taken.push(outcome_measure(o).into());
    }
    let proposed = vec![
        "Notify the affected customers (section 9) where the breach is likely to result in a high risk to them.".to_owned(),
        "Ask the sellers who received the records to delete them, and act against their accounts under the marketplace policy.".into(),
        "Watch for misuse: phishing campaigns naming the marketplace, unusual contact from sellers, account takeover attempts on affected accounts.".into(),
        "Review the employee access rights: least privilege by role, approval by a second person for exports and bulk searches.".into(),
        "Keep detection running on all employee access to customer data.".into(),
    ];
    sections.push(Section {
        heading: "5. Measures taken or proposed (Art. 33(3)(d))".into(),
        blocks: vec![
            Block::Para("Taken:".into()),
            Block::List(taken.clone()),
            Block::Para("Proposed:".into()),
            Block::List(proposed),
        ],
    });

    // Timing.
    let mut timing = Vec::new();
    match (c.aware_at, deadline) {
        (Some(a), Some(d)) => {
            timing.push(Block::Para(format!(
                "The controller became aware of the breach on {a}; the notification is due by {d} (72 hours later)."
            )));
            match late {
                Some(d) => {
                    timing.push(Block::Para(format!(
                        "This report was produced on {now}, {} hours after the deadline. Art. 33(1) requires the reasons for the delay to accompany the notification.",
                        hours(now.0 - d.0)
                    )));
                    timing.push(placeholder("TO BE COMPLETED BY THE CONTROLLER: reasons for the delay."));
                }
                None => timing.push(Block::Para(format!(
                    "This report was produced on {now}, {} hours before the deadline.",
                    hours(d.0 - now.0)
                ))),
            }
        }
        _ => timing.push(placeholder("The time the controller became aware is not recorded, so the 72-hour deadline cannot be computed. Record it with `custos case status C --to confirmed` or `--aware-at T`.")),
    }
    sections.push(Section {
        heading: "6. Timing (Art. 33(1))".into(),
        blocks: timing,
    });

    sections.push(Section {
        heading: "7. Phased submission (Art. 33(4))".into(),
        blocks: vec![Block::Para("Where not all of this information is available yet, the notification may be given in phases without undue further delay: submit what is known now and state that the scope and measures will follow. The figures above come from the ledger as of the generation time and can be refreshed by producing this report again.".into())],
    });

    // Register.
    let history: Vec<String> = c
        .history
        .iter()
        .map(|s| {
            format!(
                "{} {} by {}: {} (event {})",
                s.time, s.action, s.by, s.summary, s.event
            )
        })
        .collect();
    let effects = match input.scope {
        Some(s) => format!(
            "{} customers' records disclosed ({} disclosures); categories: {}",
            s.totals.customers,
            s.totals.accesses,
            if fields.is_empty() {
                "identifiers only".to_owned()
            } else {
                fields
                    .iter()
                    .map(|f| field_label(*f))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ),
        None => "not yet scoped".into(),
    };
    let scoped = input
        .scope
        .map_or_else(|| "none".to_owned(), |s| s.query.employees.join(", "));
    sections.push(Section {
        heading: "8. Register entry (Art. 33(5))".into(),
        blocks: vec![
            Block::Facts(vec![
                (
                    "Facts".into(),
                    format!(
                        "Insider disclosure of customer records investigated in case {}; employees in scope: {}; alerts: {}",
                        c.id,
                        scoped,
                        if c.alerts.is_empty() { "none".to_owned() } else { c.alerts.join(", ") }
                    ),
                ),
                ("Effects".into(), effects),
                ("Remedial action".into(), taken.join(" ")),
            ]),
            Block::Para("Case history (each step is a ledger event):".into()),
            Block::List(history),
        ],
    });

    // Art. 34 notice.
    let what = if fields.is_empty() {
        "your customer record".to_owned()
    } else {
        fields
            .iter()
            .map(|f| field_label(*f))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let done = match c.outcome {
        Some(CaseOutcome::AccessRevoked | CaseOutcome::Reassigned) => "we removed the employee's access to customer information, investigated what was seen, and informed the data protection authority.",
        Some(CaseOutcome::ReferredToLawEnforcement) => "we investigated what was seen, referred the matter to the police, and informed the data protection authority.",
        _ => "we are investigating what was seen and have informed the data protection authority.",
    };
    let mut advice = vec![
        "Be careful with emails, messages and calls that mention your orders or reviews, even when they look like they come from us or from a seller. We will never ask for your password.".to_owned(),
        "Do not give in to pressure from a seller about a review you wrote; tell us instead.".into(),
    ];
    if fields.contains(&DataField::Payment) {
        advice.push("Check your bank or card statements and tell your bank about payments you do not recognise.".into());
    }
    if fields.contains(&DataField::Account) {
        advice.push("Change your password and turn on two-step sign-in.".into());
    }
    sections.push(Section {
        heading: "9. Notice to affected customers (Art. 34), draft".into(),
        blocks: vec![
            Block::Para("What happened: one of our employees looked at customer information without a valid reason and may have passed it to sellers on our marketplace. We found this through our own monitoring.".into()),
            Block::Para(format!("What information was involved: {what}.")),
            Block::Para(format!("What we have done: {done}")),
            Block::Para("What you can do:".into()),
            Block::List(advice),
            placeholder("TO BE COMPLETED BY THE DPO: how customers can contact us (name, email, phone) and where they can find more information."),
        ],
    });

    BreachReport {
        title: format!("Personal data breach notification: draft for case {}", c.id),
        sections,
    }
}

fn scope_words(s: &BreachScope) -> String {
    let w = s.query.window;
    let from = (w.from.0 != i64::MIN).then(|| w.from.to_rfc3339());
    let to = (w.to.0 != i64::MAX).then(|| w.to.to_rfc3339());
    let window = match (from, to) {
        (None, None) => "at any time".to_owned(),
        (Some(f), None) => format!("from {f}"),
        (None, Some(t)) => format!("before {t}"),
        (Some(f), Some(t)) => format!("from {f} to {t}"),
    };
    format!("disclosures to {} {window}", s.query.employees.join(", "))
}

/// Escapes text for Markdown: characters that would start markup.
fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '\\' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '`' => {
                out.push('\\');
                out.push(ch);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(ch),
        }
    }
    out
}

/// Escapes text for HTML element content and attribute values.
fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

/// The HTML report's style: on screen a readable column, on paper A4
/// with page numbers, headings and the lines that introduce a list or a
/// table kept with what follows them, and no table row, list item or
/// paragraph cut in two (the PDF is this document
/// printed by Chromium).
const STYLE: &str = "<style>
body{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1a1a1a}
table{border-collapse:collapse;margin:.5rem 0}
th,td{border:1px solid #bbb;padding:.25rem .5rem;text-align:left;vertical-align:top}
.placeholder{background:#fff3b0;border-left:4px solid #d4a000;padding:.5rem;font-weight:bold}
@page{size:A4;margin:18mm 16mm 20mm;@bottom-right{content:\"Page \" counter(page) \" of \" counter(pages);font:8pt system-ui,sans-serif;color:#555}}
@media print{
body{max-width:none;margin:0;padding:0;font-size:10pt;line-height:1.4}
h1{font-size:17pt;margin:0 0 .6rem}
h2{font-size:12.5pt;margin:1.1rem 0 .4rem}
h1,h2{break-after:avoid}
tr,li,p,.placeholder{break-inside:avoid}
p:has(+ul),p:has(+table){break-after:avoid}
thead{display:table-header-group}
.placeholder{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
</style>
";

impl BreachReport {
    pub fn to_markdown(&self) -> String {
        let mut o = format!("# {}\n", md(&self.title));
        for s in &self.sections {
            o.push_str(&format!("\n## {}\n", md(&s.heading)));
            for b in &s.blocks {
                o.push('\n');
                match b {
                    Block::Para(t) => o.push_str(&format!("{}\n", md(t))),
                    Block::Placeholder(t) => o.push_str(&format!("> **\\[{}\\]**\n", md(t))),
                    Block::List(items) => {
                        for i in items {
                            o.push_str(&format!("- {}\n", md(i)));
                        }
                    }
                    Block::Facts(rows) => {
                        o.push_str("| | |\n|---|---|\n");
                        for (k, v) in rows {
                            o.push_str(&format!("| {} | {} |\n", md(k), md(v)));
                        }
                    }
                    Block::Table { head, rows } => {
                        let cells =
                            |r: &[String]| r.iter().map(|c| md(c)).collect::<Vec<_>>().join(" | ");
                        o.push_str(&format!("| {} |\n", cells(head)));
                        o.push_str(&format!("|{}\n", "---|".repeat(head.len())));
                        for r in rows {
                            o.push_str(&format!("| {} |\n", cells(r)));
                        }
                    }
                }
            }
        }
        o
    }

    pub fn to_html(&self) -> String {
        let mut o = String::new();
        o.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        // The document fetches nothing and runs nothing, wherever it is
        // opened (a browser, or the headless Chromium that prints the PDF).
        o.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n");
        o.push_str(&format!("<title>{}</title>\n", html(&self.title)));
        o.push_str(STYLE);
        o.push_str("</head>\n<body>\n");
        o.push_str(&format!("<h1>{}</h1>\n", html(&self.title)));
        for s in &self.sections {
            o.push_str(&format!("<section>\n<h2>{}</h2>\n", html(&s.heading)));
            for b in &s.blocks {
                match b {
                    Block::Para(t) => o.push_str(&format!("<p>{}</p>\n", html(t))),
                    Block::Placeholder(t) => {
                        o.push_str(&format!("<p class=\"placeholder\">[{}]</p>\n", html(t)))
                    }
                    Block::List(items) => {
                        o.push_str("<ul>\n");
                        for i in items {
                            o.push_str(&format!("<li>{}</li>\n", html(i)));
                        }
                        o.push_str("</ul>\n");
                    }
                    Block::Facts(rows) => {
                        o.push_str("<table>\n");
                        for (k, v) in rows {
                            o.push_str(&format!(
                                "<tr><th scope=\"row\">{}</th><td>{}</td></tr>\n",
                                html(k),
                                html(v)
                            ));
                        }
                        o.push_str("</table>\n");
                    }
                    Block::Table { head, rows } => {
                        // A `thead` is repeated on every printed page.
                        o.push_str("<table>\n<thead><tr>");
                        for h in head {
                            o.push_str(&format!("<th scope=\"col\">{}</th>", html(h)));
                        }
                        o.push_str("</tr></thead>\n<tbody>\n");
                        for r in rows {
                            o.push_str("<tr>");
                            for c in r {
                                o.push_str(&format!("<td>{}</td>", html(c)));
                            }
                            o.push_str("</tr>\n");
                        }
                        o.push_str("</tbody>\n</table>\n");
                    }
                }
            }
            o.push_str("</section>\n");
        }
        o.push_str("</body>\n</html>\n");
        o
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::cases::{open_case, CaseChange, CaseScope};
    use crate::scope::{FieldTotal, ScopeQuery, ScopeRecord, ScopeTotals, SiteTotal};
    use custos_store::TimeWindow;

    const H: i64 = MS_PER_HOUR;
    const T0: i64 = 1_780_000_000_000;

    fn case() -> Case {
        let (mut c, _) = open_case(
            1,
            Timestamp(T0),
            "inv-ana",
            &["alr-7".into()],
            &[],
            Some("Records <sold> to sellers & co"),
        )
        .unwrap();
        let steps = [
            CaseChange::Assign {
                to: "inv-bo".into(),
            },
            CaseChange::AttachScope(CaseScope {
                employees: vec!["emp-0042".into()],
                from: Some(Timestamp(T0 - 72 * H)),
                to: Some(Timestamp(T0)),
            }),
            CaseChange::Status {
                to: CaseStatus::Investigating,
                aware_at: None,
            },
            CaseChange::Status {
                to: CaseStatus::Confirmed,
                aware_at: None,
            },
            CaseChange::Close {
                outcome: CaseOutcome::AccessRevoked,
            },
        ];
        for (k, s) in steps.into_iter().enumerate() {
            c.change(Timestamp(T0 + (k as i64 + 1) * H), "inv-bo", s)
                .unwrap();
        }
        c
    }

    fn scope() -> BreachScope {
        let rec = |c: &str, fields: Vec<DataField>, n: u64| ScopeRecord {
            customer: c.into(),
            fields,
            first: Timestamp(T0 - 48 * H),
            last: Timestamp(T0 - 2 * H),
            accesses: n,
            events: vec![],
            purposes: vec!["no purpose".into()],
            employees: vec!["emp-0042".into()],
        };
        BreachScope {
            query: ScopeQuery::new(
                ["emp-0042".to_owned()],
                TimeWindow::new(Timestamp(T0 - 72 * H), Timestamp(T0)),
            ),
            records: vec![
                rec("cus-1", vec![DataField::Name, DataField::Email], 2),
                rec("cus-2", vec![DataField::Email, DataField::Payment], 1),
                rec("cus-3", vec![], 1),
            ],
            totals: ScopeTotals {
                customers: 3,
                accesses: 4,
                events: 3,
                no_category: 1,
                by_field: vec![
                    FieldTotal {
                        field: DataField::Name,
                        customers: 1,
                    },
                    FieldTotal {
                        field: DataField::Email,
                        customers: 2,
                    },
                    FieldTotal {
                        field: DataField::Payment,
                        customers: 1,
                    },
                ],
                by_site: vec![SiteTotal {
                    site: Some("SZX".into()),
                    customers: 3,
                    accesses: 4,
                }],
            },
            evidence: vec![],
        }
    }

    fn alerts() -> Vec<CaseAlert> {
        vec![CaseAlert {
            id: "alr-7".into(),
            time: Timestamp(T0 - H),
            employee: "emp-0042".into(),
            detector: "seller_affinity".into(),
            severity: "high".into(),
            summary: "emp-0042 opened 3 customers of seller sel-9 with no ticket".into(),
        }]
    }

    fn report(generated_at: Timestamp) -> BreachReport {
        let (c, s, a) = (case(), scope(), alerts());
        breach_report(&ReportInput {
            case: &c,
            alerts: &a,
            scope: Some(&s),
            contacts: &ReportContacts::default(),
            generated_at,
        })
    }

    #[test]
    fn markdown_snapshot() {
        insta::assert_snapshot!(report(Timestamp(T0 + 10 * H)).to_markdown());
    }

    #[test]
    fn html_snapshot() {
        insta::assert_snapshot!(report(Timestamp(T0 + 10 * H)).to_html());
    }

    #[test]
    fn late_reports_ask_for_reasons_for_delay() {
        // Confirmed at T0 + 4h: due at T0 + 76h.
        let on_time = report(Timestamp(T0 + 70 * H)).to_markdown();
        assert!(!on_time.contains("reasons for the delay"), "{on_time}");
        assert!(on_time.contains("6.0 hours before the deadline"));
        let late = report(Timestamp(T0 + 80 * H)).to_markdown();
        assert!(late.contains("4.0 hours after the deadline"), "{late}");
        assert!(late.contains("reasons for the delay"));
    }

    #[test]
    fn html_escapes_everything_and_loads_nothing() {
        let h = report(Timestamp(T0)).to_html();
        assert!(h.contains("Records &lt;sold&gt; to sellers &amp; co"));
        assert!(!h.contains("<sold>"));
        assert!(!h.contains("src=") && !h.contains("href=") && !h.contains("@import"));
        assert!(!h.contains("url("));
        assert!(h.contains("Content-Security-Policy\" content=\"default-src 'none';"));
    }

    #[test]
    fn no_customer_is_named() {
        let r = report(Timestamp(T0));
        let all = format!("{}{}", r.to_markdown(), r.to_html());
        assert!(!all.contains("cus-"));
    }
}
