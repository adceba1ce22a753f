//! Custom rules in Sigma format (<https://sigmahq.io>): detection rules
//! that match single events, and correlation rules (`event_count`,
//! `value_count`, `temporal`, `temporal_ordered`, ...) that count matches
//! over a window of event time grouped by fields. Parsing, compiling and
//! evaluating are done by `rsigma-parser` / `rsigma-eval`; this module
//! maps Custos events onto Sigma field names, checks at load that every
//! rule only names fields the event contract has, and turns matches into
//! alerts (`sigma:<rule id>`).
//!
//! Field names are those of `contract/EVENTS.md` in dotted form (`id`,
//! `time`, `action`, `actor.type`, `actor.id`, `actor.role`, `actor.team`,
//! `actor.site`, `target.type`, `target.id`, `targets`, `fields`,
//! `purpose.ticket`, `purpose.code`, `purpose.reason`, `purpose.approval`,
//! `outcome`, `attrs.<key>`), plus a few facts the engine derives
//! ([`DERIVED_FIELDS`]): the UTC hour and weekday of the event, the number
//! of customers it disclosed, and whether the employee acts from a site
//! never seen for them before.
//!
//! Correlations are causal and bounded: the correlation engine is fed
//! event time only (never the wall clock), each window is trimmed by event
//! time as events arrive, and every day all windows older than their
//! timespan are dropped. Their state is part of the engine's snapshot
//! (as the correlation engine's own export, keyed by rule id, so a
//! snapshot survives adding or removing other rules). The rules
//! themselves are configuration: pass them again after a restore.

use super::{Ctx, DetectorKind, Finding, Out};
use crate::alert::{severity_floor_score, Severity};
use crate::intern::Interner;
use crate::DetectError;
use custos_core::event::TargetType;
use custos_core::{Action, Event};
use rsigma_eval::event::EventValue;
use rsigma_eval::{
    CorrelationConfig, CorrelationEngine, CorrelationEventMode, CorrelationSnapshot,
    EvaluationResult, TimestampFallback,
};
use rsigma_parser::{Detection, Level, SigmaCollection};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

/// Fields the engine computes for rules, beside the event's own.
pub const DERIVED_FIELDS: &[(&str, &str)] = &[
    ("custos.hour_utc", "hour of the event time in UTC, 0 to 23"),
    (
        "custos.weekday_utc",
        "ISO weekday of the event time in UTC, 1 (Monday) to 7 (Sunday)",
    ),
    (
        "custos.customers",
        "number of distinct customers whose data the event disclosed",
    ),
    (
        "custos.new_site",
        "true when an employee acts from an `actor.site` never seen for them before (their HR site counts as seen)",
    ),
];

/// The event's own fields, in the dotted form rules use.
const EVENT_FIELDS: &[&str] = &[
    "id",
    "time",
    "action",
    "actor.type",
    "actor.id",
    "actor.role",
    "actor.team",
    "actor.site",
    "target.type",
    "target.id",
    "targets",
    "fields",
    "purpose.ticket",
    "purpose.code",
    "purpose.reason",
    "purpose.approval",
    "outcome",
];

/// Sites remembered per employee (the most recent ones).
const MAX_SITES: usize = 8;
/// Entries kept per correlation group: a window can only under-count
/// beyond this, which bounds memory for a rule with a long timespan.
const MAX_GROUP_ENTRIES: usize = 10_000;
/// Evidence event ids kept per correlation group.
const MAX_CORRELATION_EVENTS: usize = 50;

/// One problem with a rule file: where and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleProblem {
    pub file: String,
    /// 1-based line and column, when the problem can be placed.
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub reason: String,
}

impl fmt::Display for RuleProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "`{}` line {l} column {c}: {}", self.file, self.reason),
            (Some(l), None) => write!(f, "`{}` line {l}: {}", self.file, self.reason),
            _ => write!(f, "`{}`: {}", self.file, self.reason),
        }
    }
}

/// Where a rule came from, for the alert's explanation.
#[derive(Clone, Debug)]
struct RuleInfo {
    level: Severity,
    file: String,
}

/// A validated set of Sigma rules, ready to hand to
/// [`crate::Engine::set_sigma_rules`].
#[derive(Clone, Debug, Default)]
pub struct SigmaRules {
    collection: SigmaCollection,
    /// By rule key (id, else name, else title).
    info: BTreeMap<String, RuleInfo>,
}

impl SigmaRules {
    /// Parses and checks rule files given as (file name, text), in order.
    /// Every problem of every file is reported, each with its file, a
    /// position where one can be found, and the reason.
    pub fn parse<N: AsRef<str>, T: AsRef<str>>(
        files: &[(N, T)],
    ) -> Result<SigmaRules, DetectError> {
        let mut problems = Vec::new();
        let mut merged = SigmaCollection::new();
        let mut info = BTreeMap::new();
        // Where each rule key was defined, to place problems found when
        // the whole set is compiled.
        let mut defined_in: BTreeMap<String, (String, usize)> = BTreeMap::new();
        for (name, text) in files {
            let (name, text) = (name.as_ref(), text.as_ref());
            let before = problems.len();
            let col = match rsigma_parser::parse_sigma_yaml(text) {
                Ok(c) if c.errors.is_empty() => c,
                Ok(c) => {
                    for e in &c.errors {
                        problems.push(place_error(name, text, e));
                    }
                    continue;
                }
                Err(e) => {
                    problems.push(place_error(name, text, &e.to_string()));
                    continue;
                }
            };
            if !col.filters.is_empty() {
                problems.push(problem(
                    name,
                    text,
                    "filter:",
                    "Sigma filter documents are not supported; put the exclusion in the rule's condition",
                ));
            }
            for rule in &col.rules {
                check_logsource(name, text, &rule.logsource, &mut problems);
                let mut fields = Vec::new();
                for d in rule.detection.named.values() {
                    detection_fields(d, "", &mut fields);
                }
                fields.sort();
                fields.dedup();
                for f in fields {
                    if let Some(why) = field_problem(&f) {
                        problems.push(problem(name, text, &f, &why));
                    }
                }
                if let Err(e) = rsigma_eval::compile_rule(rule) {
                    problems.push(problem(name, text, &rule.title, &e.to_string()));
                }
                let key = rule_key(rule.id.as_deref(), rule.name.as_deref(), &rule.title);
                let level = severity(rule.level.as_ref());
                info.insert(
                    key.clone(),
                    RuleInfo {
                        level,
                        file: name.to_owned(),
                    },
                );
                if let Some(old) = defined_in.insert(key.clone(), (name.to_owned(), before)) {
                    problems.push(problem(
                        name,
                        text,
                        &key,
                        &format!("rule id `{key}` is also defined in `{}`", old.0),
                    ));
                }
            }
            for corr in &col.correlations {
                for g in &corr.group_by {
                    if let Some(why) = field_problem(g) {
                        problems.push(problem(name, text, g, &why));
                    }
                }
                if let rsigma_parser::CorrelationCondition::Threshold {
                    field: Some(fields),
                    ..
                } = &corr.condition
                {
                    for f in fields {
                        if let Some(why) = field_problem(f) {
                            problems.push(problem(name, text, f, &why));
                        }
                    }
                }
                let key = rule_key(corr.id.as_deref(), corr.name.as_deref(), &corr.title);
                info.insert(
                    key.clone(),
                    RuleInfo {
                        level: severity(corr.level.as_ref()),
                        file: name.to_owned(),
                    },
                );
                if let Some(old) = defined_in.insert(key.clone(), (name.to_owned(), before)) {
                    problems.push(problem(
                        name,
                        text,
                        &key,
                        &format!("rule id `{key}` is also defined in `{}`", old.0),
                    ));
                }
            }
            merged.rules.extend(col.rules);
            merged.correlations.extend(col.correlations);
        }
        if problems.is_empty() {
            // Cross-file checks: correlations naming unknown rules, cycles.
            if let Err(e) = new_correlation_engine(&merged) {
                let reason = e.to_string();
                let culprit = merged
                    .correlations
                    .iter()
                    .find(|c| c.rules.iter().any(|r| reason.contains(r.as_str())));
                match culprit {
                    Some(c) => {
                        let key = rule_key(c.id.as_deref(), c.name.as_deref(), &c.title);
                        let file = info.get(&key).map(|i| i.file.clone()).unwrap_or_default();
                        let text = files
                            .iter()
                            .find(|(n, _)| n.as_ref() == file)
                            .map(|(_, t)| t.as_ref())
                            .unwrap_or("");
                        let needle = c
                            .rules
                            .iter()
                            .find(|r| reason.contains(r.as_str()))
                            .cloned()
                            .unwrap_or_default();
                        problems.push(problem(&file, text, &needle, &reason));
                    }
                    None => problems.push(RuleProblem {
                        file: "(rules)".to_owned(),
                        line: None,
                        column: None,
                        reason,
                    }),
                }
            }
        }
        if problems.is_empty() {
            Ok(SigmaRules {
                collection: merged,
                info,
            })
        } else {
            Err(DetectError::Rules(problems))
        }
    }

    /// Number of rules (detection and correlation).
    pub fn len(&self) -> usize {
        self.collection.rules.len() + self.collection.correlations.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The keys (id, else name, else title) of the rules, sorted.
    pub fn keys(&self) -> Vec<&str> {
        self.info.keys().map(String::as_str).collect()
    }
}

fn rule_key(id: Option<&str>, name: Option<&str>, title: &str) -> String {
    id.or(name).unwrap_or(title).to_owned()
}

fn severity(level: Option<&Level>) -> Severity {
    match level {
        Some(Level::Informational | Level::Low) => Severity::Low,
        None | Some(Level::Medium) => Severity::Medium,
        Some(Level::High) => Severity::High,
        Some(Level::Critical) => Severity::Critical,
    }
}

/// Custos events have no log source; a rule naming one that is not
/// `product: custos` would silently never match elsewhere, so say so.
fn check_logsource(
    file: &str,
    text: &str,
    ls: &rsigma_parser::LogSource,
    problems: &mut Vec<RuleProblem>,
) {
    if let Some(p) = ls.product.as_deref() {
        if p != "custos" {
            problems.push(problem(
                file,
                text,
                p,
                &format!("`logsource.product` is `{p}`; Custos rules use `custos` or leave it out"),
            ));
        }
    }
}

/// Every field name a detection uses, with array-scope prefixes.
fn detection_fields(d: &Detection, prefix: &str, out: &mut Vec<String>) {
    let join = |f: &str| {
        if prefix.is_empty() {
            f.to_owned()
        } else {
            format!("{prefix}.{f}")
        }
    };
    match d {
        Detection::AllOf(items) => {
            for i in items {
                if let Some(n) = &i.field.name {
                    out.push(join(n));
                }
            }
        }
        Detection::AnyOf(ds) | Detection::And(ds) => {
            for x in ds {
                detection_fields(x, prefix, out);
            }
        }
        Detection::Keywords(_) => {}
        Detection::ArrayMatch { field, .. } => out.push(join(field)),
        Detection::Conditional { named, .. } => {
            for x in named.values() {
                detection_fields(x, prefix, out);
            }
        }
    }
}

/// Why a field name is not one rules may use, if it is not.
fn field_problem(f: &str) -> Option<String> {
    if EVENT_FIELDS.contains(&f) || DERIVED_FIELDS.iter().any(|d| d.0 == f) {
        return None;
    }
    if let Some(k) = f.strip_prefix("attrs.") {
        if !k.is_empty() {
            return None;
        }
    }
    let near = EVENT_FIELDS
        .iter()
        .copied()
        .chain(DERIVED_FIELDS.iter().map(|d| d.0))
        .find(|k| k.eq_ignore_ascii_case(f) || edit_distance(k, f) <= 2);
    Some(match near {
        Some(k) => format!("unknown field `{f}`; did you mean `{k}`?"),
        None => format!(
            "unknown field `{f}`; use a field of the event contract ({}, or `attrs.<key>`) or a derived one ({})",
            EVENT_FIELDS.join(", "),
            DERIVED_FIELDS.iter().map(|d| d.0).collect::<Vec<_>>().join(", ")
        ),
    })
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// A problem placed at the first occurrence of `needle` in the text (a
/// field name, a rule id), or at no position when it does not occur.
fn problem(file: &str, text: &str, needle: &str, reason: &str) -> RuleProblem {
    let (line, column) = match find(text, needle) {
        Some((l, c)) => (Some(l), Some(c)),
        None => (None, None),
    };
    RuleProblem {
        file: file.to_owned(),
        line,
        column,
        reason: reason.to_owned(),
    }
}

fn find(text: &str, needle: &str) -> Option<(u32, u32)> {
    if needle.is_empty() {
        return None;
    }
    for (i, l) in text.lines().enumerate() {
        // Skip comments, where a field name in prose is no position.
        if l.trim_start().starts_with('#') {
            continue;
        }
        if let Some(c) = l.find(needle) {
            return Some((i as u32 + 1, l[..c].chars().count() as u32 + 1));
        }
    }
    None
}

/// A parser message placed by the position it carries (`line L column C`
/// from YAML, `at L:C` from a condition), else by a quoted name in it.
fn place_error(file: &str, text: &str, msg: &str) -> RuleProblem {
    let num_after = |key: &str| -> Option<u32> {
        let at = msg.find(key)? + key.len();
        let digits: String = msg[at..]
            .chars()
            .skip_while(|c| *c == ' ')
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    };
    if let (Some(l), c) = (num_after("line"), num_after("column")) {
        return RuleProblem {
            file: file.to_owned(),
            line: Some(l),
            column: c,
            reason: msg.to_owned(),
        };
    }
    // Quoted names: 'x' or `x`.
    for q in ['\'', '`'] {
        let mut parts = msg.split(q);
        if let (Some(_), Some(name)) = (parts.next(), parts.next()) {
            if let Some((l, c)) = find(text, name) {
                return RuleProblem {
                    file: file.to_owned(),
                    line: Some(l),
                    column: Some(c),
                    reason: msg.to_owned(),
                };
            }
        }
    }
    RuleProblem {
        file: file.to_owned(),
        line: None,
        column: None,
        reason: msg.to_owned(),
    }
}

fn new_correlation_engine(
    collection: &SigmaCollection,
) -> Result<CorrelationEngine, rsigma_eval::EvalError> {
    let cfg = CorrelationConfig {
        timestamp_fields: Vec::new(),
        // Time comes from the event, always: never the wall clock.
        timestamp_fallback: TimestampFallback::Skip,
        // Windows are dropped by event time every day; this cap (past
        // which the stalest groups are dropped first) is a last resort.
        max_state_entries: 1_000_000,
        max_group_entries: Some(MAX_GROUP_ENTRIES),
        suppress: None,
        action_on_match: rsigma_eval::CorrelationAction::Alert,
        // A rule that only feeds a correlation raises nothing alone.
        emit_detections: false,
        correlation_event_mode: CorrelationEventMode::Refs,
        max_correlation_events: MAX_CORRELATION_EVENTS,
    };
    let mut engine = CorrelationEngine::new(cfg);
    engine.add_collection(collection)?;
    Ok(engine)
}

/// What the Sigma detector remembers between events, beside the
/// correlation windows: the sites each employee has acted from.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct SigmaMemory {
    sites: Interner,
    /// By employee index: recent sites, most recent last.
    by_emp: FxHashMap<u32, Vec<u32>>,
}

impl SigmaMemory {
    /// Whether the employee acts from a site never seen for them (they
    /// must have a known site), and remember it.
    fn observe_site(&mut self, cx: &Ctx<'_>) -> bool {
        let ev = cx.ev;
        // HR facts name the employee's site: seen, not new.
        if matches!(ev.action, Action::EmployeeHire | Action::EmployeeChange) {
            if let (Some(t), Some(site)) = (ev.target.as_ref(), ev.attr_str("site")) {
                if t.kind == TargetType::Employee {
                    if let Some(e) = cx.world.employees.get(&t.id) {
                        self.remember(e, site);
                    }
                }
            }
            return false;
        }
        let (Some(e), Some(site)) = (cx.actor_emp(), ev.actor.site.as_deref()) else {
            return false;
        };
        let known = self.by_emp.get(&e);
        let new = match (known, self.sites.get(site)) {
            (None, _) => false,
            (Some(v), Some(s)) => !v.contains(&s),
            (Some(_), None) => true,
        };
        self.remember(e, site);
        new
    }

    fn remember(&mut self, e: u32, site: &str) {
        let s = self.sites.intern(site).0;
        let v = self.by_emp.entry(e).or_default();
        if let Some(i) = v.iter().position(|&x| x == s) {
            v.remove(i);
        } else if v.len() >= MAX_SITES {
            v.remove(0);
        }
        v.push(s);
    }
}

/// The live rules: the correlation engine holding the windows.
pub(crate) struct SigmaDetector {
    engine: CorrelationEngine,
    info: BTreeMap<String, RuleInfo>,
}

impl SigmaDetector {
    pub fn new(rules: &SigmaRules) -> Result<SigmaDetector, DetectError> {
        let engine = new_correlation_engine(&rules.collection).map_err(|e| {
            DetectError::Rules(vec![RuleProblem {
                file: "(rules)".to_owned(),
                line: None,
                column: None,
                reason: e.to_string(),
            }])
        })?;
        Ok(SigmaDetector {
            engine,
            info: rules.info.clone(),
        })
    }

    /// The correlation windows, as the correlation engine exports them
    /// (JSON: its snapshot type is not self-describing for postcard).
    pub fn export(&self) -> String {
        serde_json::to_string(&self.engine.export_state()).unwrap_or_default()
    }

    /// Loads windows exported by [`SigmaDetector::export`]; windows of
    /// rules no longer loaded are dropped.
    pub fn import(&mut self, json: &str) -> Result<(), DetectError> {
        let snap: CorrelationSnapshot = serde_json::from_str(json)
            .map_err(|e| DetectError::Corrupt(format!("sigma correlation state: {e}")))?;
        if self.engine.import_state(snap) {
            Ok(())
        } else {
            Err(DetectError::Corrupt(
                "sigma correlation state has another format version".to_owned(),
            ))
        }
    }

    /// Drops windows that ended before `now` (ms).
    pub fn evict(&mut self, now: i64) {
        self.engine.evict_expired(now.div_euclid(1000));
    }

    pub fn observe(&mut self, cx: &Ctx<'_>, new_site: bool, out: &mut Out) {
        let view = SigmaEvent {
            ev: cx.ev,
            new_site,
            customers: cx.access.map_or(0, |a| a.customers.len()),
        };
        let results = self.engine.process_event_at(&view, cx.now.div_euclid(1000));
        for r in results {
            self.finding(cx, &r, out);
        }
    }

    fn finding(&self, cx: &Ctx<'_>, r: &EvaluationResult, out: &mut Out) {
        let h = &r.header;
        let key = h.rule_id.clone().unwrap_or_else(|| h.rule_title.clone());
        let (level, file) = match self.info.get(&key) {
            Some(i) => (i.level, i.file.as_str()),
            None => (severity(h.level.as_ref()), ""),
        };
        let mut explain = json!({"rule": key, "title": h.rule_title, "file": file,
            "level": h.level.as_ref().map(Level::as_str)});
        let mut evidence = Vec::new();
        let (employee, summary) = match r.as_correlation() {
            None => {
                let Some(e) = cx.actor_emp() else { return };
                explain["matched"] = json!(1);
                explain["action"] = json!(cx.ev.action.as_str());
                evidence.push(cx.ev.id.to_string());
                (e, format!("{}: {}", cx.world.emp_name(e), h.rule_title))
            }
            Some(c) => {
                // The employee is the actor, or else the one a group-by
                // value names (a correlation over HR facts).
                let emp = cx.actor_emp().or_else(|| {
                    c.group_key
                        .iter()
                        .find_map(|(_, v)| cx.world.employees.get(v))
                });
                let Some(e) = emp else { return };
                for er in c.event_refs.iter().flatten() {
                    if let Some(id) = &er.id {
                        if !evidence.contains(id) {
                            evidence.push(id.clone());
                        }
                    }
                }
                let here = cx.ev.id.to_string();
                if !evidence.contains(&here) {
                    evidence.push(here);
                }
                let group: serde_json::Map<String, serde_json::Value> = c
                    .group_key
                    .iter()
                    .map(|(k, v)| (k.clone(), json!(v)))
                    .collect();
                explain["correlation"] = json!(c.correlation_type.as_str());
                explain["matched"] = json!(c.aggregated_value);
                explain["timespan_secs"] = json!(c.timespan_secs);
                explain["group"] = serde_json::Value::Object(group);
                (
                    e,
                    format!(
                        "{}: {} ({} {} within {})",
                        cx.world.emp_name(e),
                        h.rule_title,
                        c.aggregated_value,
                        match c.correlation_type {
                            rsigma_parser::CorrelationType::ValueCount => "distinct values",
                            rsigma_parser::CorrelationType::EventCount => "events",
                            _ => "matched",
                        },
                        fmt_span(c.timespan_secs)
                    ),
                )
            }
        };
        out.findings.push(Finding {
            employee,
            detector: DetectorKind::Sigma,
            key,
            severity: level,
            score: severity_floor_score(level),
            summary,
            sellers: Vec::new(),
            customers: cx.access.map_or(0, |a| a.customers.len() as u64),
            evidence,
            explain,
        });
    }
}

fn fmt_span(secs: u64) -> String {
    match secs {
        s if s % 86_400 == 0 => format!("{} d", s / 86_400),
        s if s % 3_600 == 0 => format!("{} h", s / 3_600),
        s if s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

/// Tracks sites for `custos.new_site` even when no rule is loaded, so
/// that rules added later judge against the whole history.
pub(crate) fn observe_site(mem: &mut SigmaMemory, cx: &Ctx<'_>) -> bool {
    mem.observe_site(cx)
}

/// A Custos event as Sigma rules see it.
struct SigmaEvent<'a> {
    ev: &'a Event,
    new_site: bool,
    customers: usize,
}

fn s(v: &str) -> EventValue<'_> {
    EventValue::Str(Cow::Borrowed(v))
}

impl rsigma_eval::Event for SigmaEvent<'_> {
    fn get_field(&self, path: &str) -> Option<EventValue<'_>> {
        let ev = self.ev;
        Some(match path {
            "id" => s(ev.id.as_str()),
            "time" => EventValue::Str(Cow::Owned(ev.time.to_rfc3339())),
            "action" => s(ev.action.as_str()),
            "actor.type" => s(ev.actor.kind.as_str()),
            "actor.id" => s(&ev.actor.id),
            "actor.role" => s(ev.actor.role.as_deref()?),
            "actor.team" => s(ev.actor.team.as_deref()?),
            "actor.site" => s(ev.actor.site.as_deref()?),
            "target.type" => s(ev.target.as_ref()?.kind.as_str()),
            "target.id" => s(&ev.target.as_ref()?.id),
            "targets" => EventValue::Array(ev.targets.as_ref()?.iter().map(|t| s(t)).collect()),
            "fields" => {
                EventValue::Array(ev.fields.as_ref()?.iter().map(|f| s(f.as_str())).collect())
            }
            "purpose.ticket" => s(ev.purpose.as_ref()?.ticket.as_deref()?),
            "purpose.code" => s(ev.purpose.as_ref()?.code?.as_str()),
            "purpose.reason" => s(ev.purpose.as_ref()?.reason.as_deref()?),
            "purpose.approval" => s(ev.purpose.as_ref()?.approval.as_deref()?),
            "outcome" => s(ev.outcome().as_str()),
            "custos.hour_utc" => {
                EventValue::Int(ev.time.millis().rem_euclid(86_400_000) / 3_600_000)
            }
            // 1970-01-01 was a Thursday (ISO 4).
            "custos.weekday_utc" => EventValue::Int((ev.time.day() + 3).rem_euclid(7) + 1),
            "custos.customers" => EventValue::Int(self.customers as i64),
            "custos.new_site" => EventValue::Bool(self.new_site),
            p => {
                let k = p.strip_prefix("attrs.")?;
                match ev.attr(k)? {
                    custos_core::event::AttrValue::Str(v) => s(v),
                    custos_core::event::AttrValue::Num(n) => {
                        if n.fract() == 0.0 && n.abs() < 9.0e15 {
                            EventValue::Int(*n as i64)
                        } else {
                            EventValue::Float(*n)
                        }
                    }
                    custos_core::event::AttrValue::Bool(b) => EventValue::Bool(*b),
                }
            }
        })
    }

    fn any_string_value(&self, pred: &dyn Fn(&str) -> bool) -> bool {
        let mut hit = false;
        self.visit_string_values(&mut |v| hit = hit || pred(v));
        hit
    }

    fn all_string_values(&self) -> Vec<Cow<'_, str>> {
        let mut out = Vec::new();
        self.visit_string_values(&mut |v| out.push(Cow::Owned(v.to_owned())));
        out
    }

    fn visit_string_values(&self, visit: &mut dyn FnMut(&str)) {
        let ev = self.ev;
        visit(ev.id.as_str());
        visit(ev.action.as_str());
        visit(ev.actor.kind.as_str());
        visit(&ev.actor.id);
        for v in [&ev.actor.role, &ev.actor.team, &ev.actor.site]
            .into_iter()
            .flatten()
        {
            visit(v);
        }
        if let Some(t) = &ev.target {
            visit(t.kind.as_str());
            visit(&t.id);
        }
        for t in ev.targets.iter().flatten() {
            visit(t);
        }
        for f in ev.fields.iter().flatten() {
            visit(f.as_str());
        }
        if let Some(p) = &ev.purpose {
            for v in [&p.ticket, &p.reason, &p.approval].into_iter().flatten() {
                visit(v);
            }
            if let Some(c) = p.code {
                visit(c.as_str());
            }
        }
        for v in ev.attrs.iter().flatten().map(|(_, v)| v) {
            if let custos_core::event::AttrValue::Str(x) = v {
                visit(x);
            }
        }
    }

    fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self.ev).unwrap_or(serde_json::Value::Null)
    }

    fn top_level_keys(&self) -> Option<Vec<Cow<'_, str>>> {
        None
    }
}
