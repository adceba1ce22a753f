//! Investigation cases, kept in the ledger itself.
//!
//! A case is opened from alerts and/or employees, assigned, annotated,
//! given evidence and a scope, and moves `open → investigating →
//! confirmed | dismissed → closed`. Every action on it is an event with a
//! custom action (`x.case.open`, `x.case.assign`, `x.case.note`,
//! `x.case.attach`, `x.case.status`, `x.case.close`, `x.case.reveal`)
//! whose actor is the
//! investigator (`{"type":"employee","id":NAME,"role":"investigator"}`)
//! and whose `attrs` carry the case id and the change; so the
//! investigation is as tamper-evident as what it investigates.
//!
//! This module does not write: it validates a change against the case's
//! current state and returns the event (a JSON value) for the caller to
//! commit through the ingest pipeline; and it rebuilds a case by replaying
//! its events read from the store.
//!
//! # Finding a case's events
//!
//! The store indexes events by actor, not by `attrs`, so a case's events
//! cannot be queried by case id. Instead their ids are predictable and
//! read back with [`Store::event`] (one indexed lookup each):
//!
//! - the opening event of the `n`-th case is `case.<n>` (`n` from 1): the
//!   case register, walked until the first missing number;
//! - the case id is `case-` + the first 8 hex digits of the SHA-256 of the
//!   opening event's canonical entry without `attrs.case`;
//! - the case's later events are `<case id>.<k>` for `k` = 1, 2, ..., in
//!   order, walked until the first missing one.
//!
//! Nothing is kept outside the ledger (no `put_state` index): a store
//! rebuilt from the ledger answers the same. An id taken twice with other
//! content is refused by the pipeline, so two writers cannot both append
//! the same step.

use crate::error::InvestigateError;
use crate::scope::ScopeQuery;
use crate::Result;
use custos_core::{parse_event, parse_event_value, Event, Timestamp};
use custos_store::{Store, TimeWindow};
use serde::Serialize;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// Notes longer than this are refused: the ledger entry holds at most
/// 65,535 bytes, and a note is a note, not a document.
pub const MAX_NOTE_BYTES: usize = 8_000;

/// Longest id (case, alert, employee, event, investigator) accepted.
const MAX_ID_BYTES: usize = 128;

/// Where a case stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Open,
    Investigating,
    Confirmed,
    Dismissed,
    Closed,
}

impl CaseStatus {
    pub const NAMES: &'static [&'static str] =
        &["open", "investigating", "confirmed", "dismissed", "closed"];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Open => "open",
            CaseStatus::Investigating => "investigating",
            CaseStatus::Confirmed => "confirmed",
            CaseStatus::Dismissed => "dismissed",
            CaseStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<CaseStatus> {
        match s {
            "open" => Some(CaseStatus::Open),
            "investigating" => Some(CaseStatus::Investigating),
            "confirmed" => Some(CaseStatus::Confirmed),
            "dismissed" => Some(CaseStatus::Dismissed),
            "closed" => Some(CaseStatus::Closed),
            _ => None,
        }
    }

    /// Statuses `custos case status` may move to from this one.
    fn next(self) -> &'static [CaseStatus] {
        match self {
            CaseStatus::Open => &[CaseStatus::Investigating],
            CaseStatus::Investigating => &[CaseStatus::Confirmed, CaseStatus::Dismissed],
            CaseStatus::Confirmed | CaseStatus::Dismissed | CaseStatus::Closed => &[],
        }
    }
}

/// How a closed case ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseOutcome {
    AccessRevoked,
    Reassigned,
    Dismissed,
    ReferredToLawEnforcement,
    NoAction,
}

impl CaseOutcome {
    pub const NAMES: &'static [&'static str] = &[
        "access_revoked",
        "reassigned",
        "dismissed",
        "referred_to_law_enforcement",
        "no_action",
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseOutcome::AccessRevoked => "access_revoked",
            CaseOutcome::Reassigned => "reassigned",
            CaseOutcome::Dismissed => "dismissed",
            CaseOutcome::ReferredToLawEnforcement => "referred_to_law_enforcement",
            CaseOutcome::NoAction => "no_action",
        }
    }

    pub fn parse(s: &str) -> Option<CaseOutcome> {
        match s {
            "access_revoked" => Some(CaseOutcome::AccessRevoked),
            "reassigned" => Some(CaseOutcome::Reassigned),
            "dismissed" => Some(CaseOutcome::Dismissed),
            "referred_to_law_enforcement" => Some(CaseOutcome::ReferredToLawEnforcement),
            "no_action" => Some(CaseOutcome::NoAction),
            _ => None,
        }
    }
}

/// The scope attached to a case: whose disclosures, `[from, to)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CaseScope {
    pub employees: Vec<String>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
}

impl CaseScope {
    pub fn query(&self) -> ScopeQuery {
        let window = TimeWindow::new(
            self.from.unwrap_or(TimeWindow::ALL.from),
            self.to.unwrap_or(TimeWindow::ALL.to),
        );
        ScopeQuery::new(self.employees.iter().cloned(), window)
    }
}

/// A note, as written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CaseNote {
    pub event: String,
    pub time: Timestamp,
    pub by: String,
    pub text: String,
}

/// A pseudonym turned back into the employee id it stands for, inside a
/// case (the API's `POST /v1/cases/{id}/reveal`): the record that an
/// investigator saw who is behind it, and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Revealed {
    pub event: String,
    pub time: Timestamp,
    pub by: String,
    pub pseudonym: String,
    pub employee: String,
}

/// One step of a case's history: the ledger event that made it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CaseStep {
    pub event: String,
    /// Ledger index, once read back from the store.
    pub index: Option<u64>,
    pub time: Timestamp,
    pub by: String,
    pub action: String,
    pub summary: String,
}

/// A change to a case: one `x.case.*` event each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaseChange {
    Assign {
        to: String,
    },
    Note {
        text: String,
    },
    AttachEvent {
        event: String,
    },
    AttachScope(CaseScope),
    Status {
        to: CaseStatus,
        aware_at: Option<Timestamp>,
    },
    Close {
        outcome: CaseOutcome,
    },
    /// An investigator learned the employee id behind a pseudonym the case
    /// covers (the caller checks that it does).
    Reveal {
        pseudonym: String,
        employee: String,
    },
}

/// A case as its events leave it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Case {
    pub id: String,
    pub title: Option<String>,
    pub opened: Timestamp,
    pub opened_by: String,
    pub alerts: Vec<String>,
    pub employees: Vec<String>,
    pub assignee: Option<String>,
    pub status: CaseStatus,
    pub outcome: Option<CaseOutcome>,
    /// When the controller became aware of the breach (GDPR Art. 33(1)):
    /// set when the case is confirmed, or given explicitly.
    pub aware_at: Option<Timestamp>,
    pub closed: Option<Timestamp>,
    pub notes: Vec<CaseNote>,
    /// Attached ledger event ids, in order attached.
    pub evidence: Vec<String>,
    /// The latest scope attached, replacing earlier ones.
    pub scope: Option<CaseScope>,
    /// Every event of the case, the opening one first.
    pub history: Vec<CaseStep>,
    /// Pseudonyms revealed in this case, in order; left out of the JSON
    /// while empty so cases without reveals print as they always did.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub revealed: Vec<Revealed>,
}

fn input(reason: impl Into<String>) -> InvestigateError {
    InvestigateError::CaseInput(reason.into())
}

fn check_id(what: &str, id: &str) -> Result<()> {
    if id.trim().is_empty() {
        return Err(input(format!("the {what} is empty; name one")));
    }
    if id.len() > MAX_ID_BYTES || id.contains(',') || id.chars().any(char::is_control) {
        return Err(input(format!(
            "the {what} `{}` is not an id: at most {MAX_ID_BYTES} bytes, no commas or control characters",
            id.escape_debug()
        )));
    }
    Ok(())
}

fn list(items: &[String]) -> String {
    items.join(",")
}

fn unlist(s: Option<&str>) -> Vec<String> {
    s.map(|s| {
        s.split(',')
            .filter(|x| !x.is_empty())
            .map(str::to_owned)
            .collect()
    })
    .unwrap_or_default()
}

/// The JSON of a case event.
fn event_value(
    id: &str,
    time: Timestamp,
    by: &str,
    action: &str,
    attrs: Map<String, Value>,
) -> Value {
    json!({
        "id": id,
        "time": time.to_rfc3339(),
        "actor": {"type": "employee", "id": by, "role": "investigator"},
        "action": action,
        "attrs": Value::Object(attrs),
    })
}

/// The id of the opening event of the `n`-th case.
pub fn case_open_event_id(n: u64) -> String {
    format!("case.{n}")
}

/// Opens a case: validates, and returns the case and its opening event
/// (`x.case.open`, id `case.<n>`) for the caller to commit. `n` is
/// [`next_case_number`].
pub fn open_case(
    n: u64,
    time: Timestamp,
    by: &str,
    alerts: &[String],
    employees: &[String],
    title: Option<&str>,
) -> Result<(Case, Value)> {
    check_id("investigator (--by)", by)?;
    if alerts.is_empty() && employees.is_empty() {
        return Err(input(
            "a case needs at least one alert or employee; pass --alert or --employee",
        ));
    }
    for a in alerts {
        check_id("alert", a)?;
    }
    for e in employees {
        check_id("employee", e)?;
    }
    let mut alerts = alerts.to_vec();
    alerts.sort();
    alerts.dedup();
    let mut employees = employees.to_vec();
    employees.sort();
    employees.dedup();
    if let Some(t) = title {
        if t.len() > MAX_NOTE_BYTES {
            return Err(input(format!(
                "the title is {} bytes; keep it under {MAX_NOTE_BYTES}",
                t.len()
            )));
        }
    }
    let mut attrs = Map::new();
    if !alerts.is_empty() {
        attrs.insert("alerts".into(), list(&alerts).into());
    }
    if !employees.is_empty() {
        attrs.insert("employees".into(), list(&employees).into());
    }
    if let Some(t) = title {
        attrs.insert("title".into(), t.into());
    }
    let open_id = case_open_event_id(n);
    let draft = event_value(&open_id, time, by, "x.case.open", attrs.clone());
    let id = case_id_of(&draft)?;
    attrs.insert("case".into(), id.clone().into());
    let value = event_value(&open_id, time, by, "x.case.open", attrs);
    let case = Case {
        id,
        title: title.map(str::to_owned),
        opened: time,
        opened_by: by.to_owned(),
        alerts,
        employees,
        assignee: None,
        status: CaseStatus::Open,
        outcome: None,
        aware_at: None,
        closed: None,
        notes: Vec::new(),
        evidence: Vec::new(),
        scope: None,
        revealed: Vec::new(),
        history: vec![CaseStep {
            event: open_id,
            index: None,
            time,
            by: by.to_owned(),
            action: "x.case.open".into(),
            summary: "opened".into(),
        }],
    };
    Ok((case, value))
}

/// `case-` + 8 hex digits of the SHA-256 of the canonical entry of an
/// opening event that has no `attrs.case` yet.
fn case_id_of(draft: &Value) -> Result<String> {
    let event = parse_event_value(draft).map_err(|r| input(r.to_string()))?;
    let entry = custos_core::validate::entry_of(&event).map_err(|r| input(r.to_string()))?;
    let digest = Sha256::digest(&entry);
    Ok(format!("case-{}", &custos_core::hex(&digest)[..8]))
}

impl Case {
    /// Applies a change made by `by` at `time` (validating it), and
    /// returns the event that records it, id `<case>.<k>`.
    pub fn change(&mut self, time: Timestamp, by: &str, change: CaseChange) -> Result<Value> {
        check_id("investigator (--by)", by)?;
        let id = format!("{}.{}", self.id, self.history.len());
        let (action, mut attrs) = encode(&change);
        self.apply(&id, None, time, by, change)?;
        attrs.insert("case".into(), self.id.clone().into());
        Ok(event_value(&id, time, by, action, attrs))
    }

    fn refuse(&self, reason: String) -> InvestigateError {
        InvestigateError::CaseRefused {
            case: self.id.clone(),
            reason,
        }
    }

    fn apply(
        &mut self,
        event: &str,
        index: Option<u64>,
        time: Timestamp,
        by: &str,
        change: CaseChange,
    ) -> Result<()> {
        if self.status == CaseStatus::Closed && !matches!(change, CaseChange::Note { .. }) {
            return Err(
                self.refuse("it is closed; only notes can be added to a closed case".into())
            );
        }
        let (action, summary) = match change {
            CaseChange::Assign { to } => {
                check_id("assignee (--to)", &to)?;
                let s = format!("assigned to {to}");
                self.assignee = Some(to);
                ("x.case.assign", s)
            }
            CaseChange::Note { text } => {
                if text.trim().is_empty() {
                    return Err(input("the note is empty; pass --text"));
                }
                if text.len() > MAX_NOTE_BYTES {
                    return Err(input(format!(
                        "the note is {} bytes; keep it under {MAX_NOTE_BYTES} (split it into several notes)",
                        text.len()
                    )));
                }
                self.notes.push(CaseNote {
                    event: event.to_owned(),
                    time,
                    by: by.to_owned(),
                    text,
                });
                ("x.case.note", "note added".to_owned())
            }
            CaseChange::AttachEvent { event: ev } => {
                check_id("event", &ev)?;
                if self.evidence.contains(&ev) {
                    return Err(self.refuse(format!("event `{ev}` is already attached")));
                }
                let s = format!("attached event {ev}");
                self.evidence.push(ev);
                ("x.case.attach", s)
            }
            CaseChange::AttachScope(scope) => {
                if scope.employees.is_empty() {
                    return Err(input("a scope needs at least one --scope-employee"));
                }
                for e in &scope.employees {
                    check_id("employee", e)?;
                }
                if let (Some(f), Some(t)) = (scope.from, scope.to) {
                    if f >= t {
                        return Err(input(format!(
                            "the scope window is empty: --from {f} is not before --to {t}"
                        )));
                    }
                }
                let s = format!(
                    "scope set: {} {}",
                    scope.employees.join(", "),
                    describe_window(scope.from, scope.to)
                );
                self.scope = Some(scope);
                ("x.case.attach", s)
            }
            CaseChange::Status { to, aware_at } => {
                if to == CaseStatus::Closed {
                    return Err(self.refuse(
                        "a case is closed with `custos case close C --outcome O`, not with a status change".into(),
                    ));
                }
                if to == self.status {
                    return Err(self.refuse(format!("it is already {}", to.as_str())));
                }
                if !self.status.next().contains(&to) {
                    let allowed: Vec<&str> =
                        self.status.next().iter().map(|s| s.as_str()).collect();
                    let hint = if allowed.is_empty() {
                        "close it with `custos case close`".to_owned()
                    } else {
                        format!(
                            "from {} it can move to {}",
                            self.status.as_str(),
                            allowed.join(" or ")
                        )
                    };
                    return Err(self.refuse(format!(
                        "it cannot move from {} to {}; {hint}",
                        self.status.as_str(),
                        to.as_str()
                    )));
                }
                if let Some(a) = aware_at {
                    if a > time {
                        return Err(input(format!(
                            "--aware-at {a} is later than now ({time}); awareness cannot be in the future"
                        )));
                    }
                }
                let from = self.status;
                self.status = to;
                match (aware_at, to) {
                    (Some(a), _) => self.aware_at = Some(a),
                    (None, CaseStatus::Confirmed) if self.aware_at.is_none() => {
                        self.aware_at = Some(time)
                    }
                    _ => {}
                }
                let mut s = format!("status {} → {}", from.as_str(), to.as_str());
                if let Some(a) = aware_at {
                    s.push_str(&format!(", aware at {a}"));
                }
                ("x.case.status", s)
            }
            CaseChange::Close { outcome } => {
                let fits = match self.status {
                    CaseStatus::Confirmed => outcome != CaseOutcome::Dismissed,
                    CaseStatus::Dismissed => {
                        matches!(outcome, CaseOutcome::Dismissed | CaseOutcome::NoAction)
                    }
                    _ => {
                        return Err(self.refuse(format!(
                            "it is {}; only a confirmed or dismissed case can be closed (set it with `custos case status`)",
                            self.status.as_str()
                        )))
                    }
                };
                if !fits {
                    return Err(self.refuse(format!(
                        "outcome {} does not fit a {} case",
                        outcome.as_str(),
                        self.status.as_str()
                    )));
                }
                self.status = CaseStatus::Closed;
                self.outcome = Some(outcome);
                self.closed = Some(time);
                ("x.case.close", format!("closed: {}", outcome.as_str()))
            }
            CaseChange::Reveal {
                pseudonym,
                employee,
            } => {
                check_id("pseudonym", &pseudonym)?;
                check_id("employee", &employee)?;
                // The history names the pseudonym only: the real id stays
                // in `revealed`, for whoever reads the case itself.
                let s = format!("revealed {pseudonym}");
                self.revealed.push(Revealed {
                    event: event.to_owned(),
                    time,
                    by: by.to_owned(),
                    pseudonym,
                    employee,
                });
                ("x.case.reveal", s)
            }
        };
        self.history.push(CaseStep {
            event: event.to_owned(),
            index,
            time,
            by: by.to_owned(),
            action: action.to_owned(),
            summary,
        });
        Ok(())
    }

    /// The scope the case asks for: the attached one, else the case's
    /// employees and its alerts' employees (each alert from its start),
    /// over all time when only employees are named.
    pub fn scope_query(&self, store: &dyn Store) -> Result<Option<ScopeQuery>> {
        if let Some(s) = &self.scope {
            return Ok(Some(s.query()));
        }
        let mut employees = self.employees.clone();
        let mut from: Option<Timestamp> = None;
        for a in &self.alerts {
            let q = crate::lookup::alert_scope_query(store, a)?;
            employees.extend(q.employees);
            from = Some(from.map_or(q.window.from, |f| f.min(q.window.from)));
        }
        if employees.is_empty() {
            return Ok(None);
        }
        let window = match from {
            Some(f) if self.employees.is_empty() => TimeWindow::since(f),
            _ => TimeWindow::ALL,
        };
        Ok(Some(ScopeQuery::new(employees, window)))
    }
}

fn describe_window(from: Option<Timestamp>, to: Option<Timestamp>) -> String {
    match (from, to) {
        (None, None) => "at any time".into(),
        (Some(f), None) => format!("from {f}"),
        (None, Some(t)) => format!("before {t}"),
        (Some(f), Some(t)) => format!("from {f} to {t}"),
    }
}

/// The action and attrs (without `case`) that record a change.
fn encode(change: &CaseChange) -> (&'static str, Map<String, Value>) {
    let mut a = Map::new();
    let action = match change {
        CaseChange::Assign { to } => {
            a.insert("to".into(), to.clone().into());
            "x.case.assign"
        }
        CaseChange::Note { text } => {
            a.insert("note".into(), text.clone().into());
            "x.case.note"
        }
        CaseChange::AttachEvent { event } => {
            a.insert("event".into(), event.clone().into());
            "x.case.attach"
        }
        CaseChange::AttachScope(s) => {
            a.insert("scope_employees".into(), list(&s.employees).into());
            if let Some(f) = s.from {
                a.insert("scope_from".into(), f.to_rfc3339().into());
            }
            if let Some(t) = s.to {
                a.insert("scope_to".into(), t.to_rfc3339().into());
            }
            "x.case.attach"
        }
        CaseChange::Status { to, aware_at } => {
            a.insert("to".into(), to.as_str().into());
            if let Some(t) = aware_at {
                a.insert("aware_at".into(), t.to_rfc3339().into());
            }
            "x.case.status"
        }
        CaseChange::Close { outcome } => {
            a.insert("outcome".into(), outcome.as_str().into());
            "x.case.close"
        }
        CaseChange::Reveal {
            pseudonym,
            employee,
        } => {
            a.insert("pseudonym".into(), pseudonym.clone().into());
            a.insert("employee".into(), employee.clone().into());
            "x.case.reveal"
        }
    };
    (action, a)
}

/// The change an `x.case.*` event records (not `x.case.open`).
fn decode(e: &Event) -> std::result::Result<CaseChange, String> {
    let attr = |k: &str| e.attr_str(k);
    let need = |k: &str| attr(k).map(str::to_owned).ok_or(format!("no attrs.{k}"));
    let time = |k: &str| -> std::result::Result<Option<Timestamp>, String> {
        attr(k)
            .map(|s| Timestamp::parse_rfc3339(s).ok_or(format!("attrs.{k} is not a time")))
            .transpose()
    };
    Ok(match e.action.as_str() {
        "x.case.assign" => CaseChange::Assign { to: need("to")? },
        "x.case.note" => CaseChange::Note {
            text: need("note")?,
        },
        "x.case.attach" => match attr("event") {
            Some(ev) => CaseChange::AttachEvent { event: ev.into() },
            None => CaseChange::AttachScope(CaseScope {
                employees: unlist(Some(&need("scope_employees")?)),
                from: time("scope_from")?,
                to: time("scope_to")?,
            }),
        },
        "x.case.status" => CaseChange::Status {
            to: CaseStatus::parse(&need("to")?).ok_or("unknown attrs.to")?,
            aware_at: time("aware_at")?,
        },
        "x.case.close" => CaseChange::Close {
            outcome: CaseOutcome::parse(&need("outcome")?).ok_or("unknown attrs.outcome")?,
        },
        "x.case.reveal" => CaseChange::Reveal {
            pseudonym: need("pseudonym")?,
            employee: need("employee")?,
        },
        other => return Err(format!("`{other}` is not a case action")),
    })
}

fn read_event(store: &dyn Store, id: &str) -> Result<Option<(u64, Event)>> {
    let Some(row) = store.event(id)? else {
        return Ok(None);
    };
    let text = std::str::from_utf8(&row.entry).map_err(|e| InvestigateError::CorruptEntry {
        index: row.index,
        reason: e.to_string(),
    })?;
    let event = parse_event(text).map_err(|r| InvestigateError::CorruptEntry {
        index: row.index,
        reason: r.to_string(),
    })?;
    Ok(Some((row.index, event)))
}

fn corrupt(event: &str, reason: impl Into<String>) -> InvestigateError {
    InvestigateError::CorruptCase {
        event: event.to_owned(),
        reason: reason.into(),
    }
}

/// Rebuilds a case from its opening event and the events after it.
fn replay(store: &dyn Store, index: u64, open: &Event) -> Result<Case> {
    let open_id = open.id.as_str();
    let id = open
        .attr_str("case")
        .ok_or_else(|| corrupt(open_id, "no attrs.case"))?
        .to_owned();
    let mut case = Case {
        id: id.clone(),
        title: open.attr_str("title").map(str::to_owned),
        opened: open.time,
        opened_by: open.actor.id.clone(),
        alerts: unlist(open.attr_str("alerts")),
        employees: unlist(open.attr_str("employees")),
        assignee: None,
        status: CaseStatus::Open,
        outcome: None,
        aware_at: None,
        closed: None,
        notes: Vec::new(),
        evidence: Vec::new(),
        scope: None,
        revealed: Vec::new(),
        history: vec![CaseStep {
            event: open_id.to_owned(),
            index: Some(index),
            time: open.time,
            by: open.actor.id.clone(),
            action: "x.case.open".into(),
            summary: "opened".into(),
        }],
    };
    loop {
        let eid = format!("{id}.{}", case.history.len());
        let Some((ix, ev)) = read_event(store, &eid)? else {
            break;
        };
        if ev.attr_str("case") != Some(id.as_str()) {
            return Err(corrupt(&eid, "it names another case"));
        }
        let change = decode(&ev).map_err(|r| corrupt(&eid, r))?;
        case.apply(&eid, Some(ix), ev.time, &ev.actor.id, change)
            .map_err(|e| corrupt(&eid, e.to_string()))?;
    }
    Ok(case)
}

/// The number the next case opens under: one past the last `case.<n>`.
pub fn next_case_number(store: &dyn Store) -> Result<u64> {
    let mut n = 1;
    while store.event(&case_open_event_id(n))?.is_some() {
        n += 1;
    }
    Ok(n)
}

/// Every case, in the order opened.
pub fn list_cases(store: &dyn Store) -> Result<Vec<Case>> {
    let mut out = Vec::new();
    let mut n = 1;
    while let Some((ix, open)) = read_event(store, &case_open_event_id(n))? {
        out.push(replay(store, ix, &open)?);
        n += 1;
    }
    Ok(out)
}

/// One case by id, rebuilt from its events.
pub fn load_case(store: &dyn Store, id: &str) -> Result<Case> {
    let mut n = 1;
    while let Some((ix, open)) = read_event(store, &case_open_event_id(n))? {
        if open.attr_str("case") == Some(id) {
            return replay(store, ix, &open);
        }
        n += 1;
    }
    Err(InvestigateError::UnknownCase(id.to_owned()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn t(h: i64) -> Timestamp {
        Timestamp(1_780_000_000_000 + h * 3_600_000)
    }

    fn opened() -> Case {
        open_case(
            1,
            t(0),
            "inv-ana",
            &["alr-1".into()],
            &[],
            Some("Sale of records"),
        )
        .unwrap()
        .0
    }

    #[test]
    fn open_event_is_valid_and_names_its_case() {
        let (case, value) = open_case(
            1,
            t(0),
            "inv-ana",
            &["alr-1".into()],
            &["emp-2".into()],
            None,
        )
        .unwrap();
        assert!(
            case.id.starts_with("case-") && case.id.len() == 13,
            "{}",
            case.id
        );
        let ev = parse_event_value(&value).unwrap();
        assert_eq!(ev.id.as_str(), "case.1");
        assert_eq!(ev.action.as_str(), "x.case.open");
        assert_eq!(ev.attr_str("case"), Some(case.id.as_str()));
        assert_eq!(ev.actor.role.as_deref(), Some("investigator"));
        // The id is a function of the opening event.
        let (again, _) = open_case(
            1,
            t(0),
            "inv-ana",
            &["alr-1".into()],
            &["emp-2".into()],
            None,
        )
        .unwrap();
        assert_eq!(again.id, case.id);
        let (other, _) = open_case(
            2,
            t(0),
            "inv-ana",
            &["alr-1".into()],
            &["emp-2".into()],
            None,
        )
        .unwrap();
        assert_ne!(other.id, case.id);
    }

    #[test]
    fn lifecycle_follows_the_allowed_transitions() {
        let mut c = opened();
        let e = c
            .change(
                t(1),
                "inv-bo",
                CaseChange::Assign {
                    to: "inv-bo".into(),
                },
            )
            .unwrap();
        assert_eq!(e["id"], format!("{}.1", c.id));
        assert_eq!(e["attrs"]["to"], "inv-bo");
        let err = c
            .change(
                t(1),
                "inv-bo",
                CaseChange::Status {
                    to: CaseStatus::Confirmed,
                    aware_at: None,
                },
            )
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("cannot move from open to confirmed"),
            "{err}"
        );
        c.change(
            t(2),
            "inv-bo",
            CaseChange::Status {
                to: CaseStatus::Investigating,
                aware_at: None,
            },
        )
        .unwrap();
        assert_eq!(c.aware_at, None);
        let err = c
            .change(
                t(3),
                "inv-bo",
                CaseChange::Close {
                    outcome: CaseOutcome::NoAction,
                },
            )
            .unwrap_err();
        assert!(
            err.to_string().contains("only a confirmed or dismissed"),
            "{err}"
        );
        c.change(
            t(4),
            "inv-bo",
            CaseChange::Status {
                to: CaseStatus::Confirmed,
                aware_at: None,
            },
        )
        .unwrap();
        assert_eq!(c.aware_at, Some(t(4)));
        let err = c
            .change(
                t(5),
                "inv-bo",
                CaseChange::Close {
                    outcome: CaseOutcome::Dismissed,
                },
            )
            .unwrap_err();
        assert!(err.to_string().contains("does not fit"), "{err}");
        c.change(
            t(5),
            "inv-bo",
            CaseChange::Close {
                outcome: CaseOutcome::AccessRevoked,
            },
        )
        .unwrap();
        assert_eq!(c.status, CaseStatus::Closed);
        assert!(c
            .change(t(6), "inv-bo", CaseChange::Assign { to: "x".into() })
            .is_err());
        c.change(
            t(6),
            "inv-bo",
            CaseChange::Note {
                text: "post-mortem filed".into(),
            },
        )
        .unwrap();
        assert_eq!(c.history.len(), 6);
    }

    #[test]
    fn explicit_awareness_wins_and_cannot_be_in_the_future() {
        let mut c = opened();
        let err = c
            .change(
                t(1),
                "inv",
                CaseChange::Status {
                    to: CaseStatus::Investigating,
                    aware_at: Some(t(2)),
                },
            )
            .unwrap_err();
        assert!(matches!(err, InvestigateError::CaseInput(_)));
        c.change(
            t(1),
            "inv",
            CaseChange::Status {
                to: CaseStatus::Investigating,
                aware_at: Some(t(0)),
            },
        )
        .unwrap();
        c.change(
            t(9),
            "inv",
            CaseChange::Status {
                to: CaseStatus::Confirmed,
                aware_at: None,
            },
        )
        .unwrap();
        assert_eq!(c.aware_at, Some(t(0)));
    }

    #[test]
    fn every_change_round_trips_through_its_event() {
        let changes = [
            CaseChange::Assign {
                to: "inv-bo".into(),
            },
            CaseChange::Note {
                text: "line one\nline \"two\"".into(),
            },
            CaseChange::AttachEvent {
                event: "ev-9".into(),
            },
            CaseChange::AttachScope(CaseScope {
                employees: vec!["emp-1".into(), "emp-2".into()],
                from: Some(t(-48)),
                to: None,
            }),
            CaseChange::Status {
                to: CaseStatus::Investigating,
                aware_at: Some(t(0)),
            },
            CaseChange::Close {
                outcome: CaseOutcome::ReferredToLawEnforcement,
            },
            CaseChange::Reveal {
                pseudonym: "emp~0123456789abcdef".into(),
                employee: "emp-1".into(),
            },
        ];
        for ch in changes {
            let (action, mut attrs) = encode(&ch);
            attrs.insert("case".into(), "case-00000000".into());
            let v = event_value("case-00000000.1", t(1), "inv", action, attrs);
            let ev = parse_event_value(&v).unwrap();
            assert_eq!(decode(&ev).unwrap(), ch);
        }
    }

    #[test]
    fn oversized_notes_and_bad_ids_are_refused() {
        let mut c = opened();
        let long = "x".repeat(MAX_NOTE_BYTES + 1);
        assert!(matches!(
            c.change(t(1), "inv", CaseChange::Note { text: long }),
            Err(InvestigateError::CaseInput(_))
        ));
        assert!(c
            .change(t(1), "a,b", CaseChange::Note { text: "n".into() })
            .is_err());
        assert!(open_case(1, t(0), "inv", &[], &[], None).is_err());
        assert_eq!(c.history.len(), 1, "refused changes leave no trace");
    }
}
