//! Single-event rules supplied from outside the engine (the lead will
//! compile Sigma rules into this shape). A rule is stateless: it looks at
//! one event and says whether it matches; each matching event by an
//! employee raises or updates one alert per (employee, rule). Rules are
//! configuration, not state: they are not part of a snapshot and must be
//! added again after `Engine::restore`.

use super::{Ctx, DetectorKind, Finding, Out};
use crate::alert::{severity_floor_score, Severity};
use custos_core::Event;
use serde_json::json;

/// A single-event rule.
pub trait Rule: Send + Sync {
    /// Stable id, used as the alert key.
    fn id(&self) -> &str;
    /// One line a person understands.
    fn title(&self) -> &str;
    fn severity(&self) -> Severity;
    fn matches(&self, ev: &Event) -> bool;
}

#[derive(Default)]
pub(crate) struct Rules {
    pub rules: Vec<Box<dyn Rule>>,
}

impl Rules {
    pub fn observe(&mut self, cx: &Ctx<'_>, out: &mut Out) {
        if self.rules.is_empty() {
            return;
        }
        let Some(e) = cx.actor_emp() else { return };
        for r in &self.rules {
            if !r.matches(cx.ev) {
                continue;
            }
            let sev = r.severity();
            out.findings.push(Finding {
                employee: e,
                detector: DetectorKind::Rule,
                key: r.id().to_string(),
                severity: sev,
                score: severity_floor_score(sev),
                summary: format!("{} matched rule `{}`: {}", cx.world.emp_name(e), r.id(), r.title()),
                sellers: Vec::new(),
                customers: cx.access.map_or(0, |a| a.customers.len() as u64),
                evidence: vec![cx.ev.id.to_string()],
                explain: json!({"rule": r.id(), "title": r.title(), "action": cx.ev.action.as_str()}),
            });
        }
    }
}
