//! Repeated refusals by the guard (`guard.decide` with decision `deny`):
//! an honest employee who is refused fixes the ticket and moves on; one
//! who keeps asking is probing what the guard lets through. Prevention
//! feeds detection.

use super::{slot, Ctx, Detector, DetectorKind, Finding, Out};
use crate::alert::Severity;
use custos_core::Action;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::VecDeque;

/// Refusals kept per employee at most: past this the threshold is long
/// crossed, and memory stays bounded.
const MAX_KEPT: usize = 256;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct GuardDenials {
    /// Per employee: event times (ms) of recent refusals, oldest first.
    recent: Vec<VecDeque<i64>>,
}

impl Detector for GuardDenials {
    fn kind(&self) -> DetectorKind {
        DetectorKind::GuardDenials
    }

    fn observe(&mut self, cx: &Ctx<'_>, out: &mut Out) {
        let ev = cx.ev;
        if ev.action != Action::GuardDecide || ev.attr_str("decision") != Some("deny") {
            return;
        }
        let Some(emp) = cx.actor_emp() else { return };
        let cfg = &cx.cfg.guard_denials;
        let window = i64::from(cfg.window_hours) * 3_600_000;
        let times = slot(&mut self.recent, emp);
        while times.front().is_some_and(|&t| cx.now - t >= window) {
            times.pop_front();
        }
        if times.len() == MAX_KEPT {
            times.pop_front();
        }
        times.push_back(cx.now);
        let n = times.len() as u32;
        if n < cfg.min_denials {
            return;
        }
        let severity = if n >= cfg.high_denials {
            Severity::High
        } else {
            Severity::Medium
        };
        let name = cx.world.emp_name(emp);
        let asked = ev.attr_str("request_action").unwrap_or("an action");
        out.findings.push(Finding {
            employee: emp,
            detector: DetectorKind::GuardDenials,
            key: String::new(),
            severity,
            score: (40.0 + 4.0 * f64::from(n)).min(95.0),
            summary: format!(
                "{name} was refused by the guard {n} times in {} hours (latest: {asked}): \
                 repeated refusals look like probing what the guard lets through; ask why",
                cfg.window_hours
            ),
            sellers: Vec::new(),
            customers: 0,
            evidence: vec![ev.id.to_string()],
            explain: json!({
                "observed": n,
                "threshold": cfg.min_denials,
                "window_hours": cfg.window_hours,
                "latest_request": asked,
            }),
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;
    use serde_json::json;

    fn refused(t: &mut Kit, emp: &str, decision: &str) {
        t.send(json!({
            "actor": {"type": "employee", "id": emp},
            "action": "guard.decide",
            "outcome": "denied",
            "attrs": {"decision": decision, "request_action": "customer.view"},
        }));
    }

    #[test]
    fn repeated_refusals_in_a_day_raise_one_growing_alert() {
        let mut t = Kit::new();
        t.hire("emp-1", "cs-agent", "cs-1");
        for _ in 0..4 {
            refused(&mut t, "emp-1", "deny");
            t.hours(1.0);
        }
        assert!(
            t.alerts_of("guard_denials").is_empty(),
            "four refusals are not yet a pattern"
        );
        refused(&mut t, "emp-1", "deny");
        let alerts = t.alerts_of("guard_denials");
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].employee, "emp-1");
        for _ in 0..12 {
            refused(&mut t, "emp-1", "deny");
        }
        let alerts = t.alerts_of("guard_denials");
        assert_eq!(alerts.len(), 1, "one incident, updated");
        assert_eq!(alerts[0].severity, crate::Severity::High);
    }

    #[test]
    fn spread_out_refusals_and_approval_requests_stay_quiet() {
        let mut t = Kit::new();
        t.hire("emp-2", "account-specialist", "acct-1");
        // Four-eyes requests are the normal way to work, not refusals.
        for _ in 0..20 {
            refused(&mut t, "emp-2", "needs_approval");
            t.hours(0.5);
        }
        // One refusal a day for a week never fills the 24-hour window.
        for _ in 0..7 {
            refused(&mut t, "emp-2", "deny");
            t.days(1.0);
        }
        assert!(t.alerts_of("guard_denials").is_empty());
    }
}
