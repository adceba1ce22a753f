//! Leavers. The engine learns of a resignation only when the
//! `employee.leave` event arrives, so when it does, the last
//! `lookback_days` are compared with the employee's baseline before them
//! and the alert (if any) is raised at the leave event's time. Any
//! disclosure of customer data after a resignation or termination is an
//! alert by itself, except that a resignation is often recorded during
//! the leaver's last shift: for `resignation_grace_hours` after it, work
//! under a valid ticket finishes that shift and only disclosures without
//! one (or under break-glass) count.
//!
//! Test: with `b` = mean per active day over the baseline and `r` the
//! same over the lookback (today's partial day included), alert when
//! `r ≥ ratio · b` and either the lookback total exceeds `b × lookback
//! active days` by at least `min_excess_*` (a bulk grab), or it exceeds
//! it by at least `min_excess_tested` and is improbable under the
//! baseline rate: `P(X ≥ total) < alpha` with `X` Poisson of mean
//! `(baseline total + 1) / baseline days × lookback days` (a slow grab,
//! a few records a day; the resignation itself is what makes a modest
//! level worth testing), for distinct customers or for exported
//! customers.

use super::{slot, Ctx, Detector, DetectorKind, Finding, Out};
use crate::access::Verdict;
use crate::alert::{severity_floor_score, Severity};
use crate::stats::poisson_sf_log10;
use crate::world::DayStats;
use custos_core::event::{LeaveReason, TargetType};
use custos_core::time::MS_PER_HOUR;
use custos_core::{Action, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct EmpState {
    after_leave_events: u32,
    after_leave_customers: u64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct DepartingEmployee {
    emps: Vec<EmpState>,
}

impl Detector for DepartingEmployee {
    fn kind(&self) -> DetectorKind {
        DetectorKind::DepartingEmployee
    }

    fn observe(&mut self, cx: &Ctx<'_>, out: &mut Out) {
        let cfg = &cx.cfg.departing;
        if !cfg.enabled {
            return;
        }
        let w = cx.world;
        if let Some(a) = cx.access {
            let Some((left, reason)) = w.emp[a.emp as usize].left else {
                return;
            };
            if !cfg.after_leave_alert || reason == LeaveReason::Transferred || cx.now < left {
                return;
            }
            let grace_ends = left + cfg.resignation_grace_hours as i64 * MS_PER_HOUR;
            let unexplained = a.verdict.is_violation() || a.verdict == Verdict::BreakGlass;
            if reason == LeaveReason::Resigned && cx.now < grace_ends && !unexplained {
                return;
            }
            let st = slot(&mut self.emps, a.emp);
            st.after_leave_events += 1;
            st.after_leave_customers += a.customers.len() as u64;
            let emp = w.emp_name(a.emp);
            out.findings.push(Finding {
                employee: a.emp,
                detector: DetectorKind::DepartingEmployee,
                key: "after_leave".into(),
                severity: Severity::High,
                score: 80.0,
                summary: format!(
                    "{emp} accessed customer data {} time(s) after leaving ({}, {}): revoke access and review",
                    st.after_leave_events,
                    reason.as_str(),
                    Timestamp(left).to_rfc3339()
                ),
                sellers: Vec::new(),
                customers: st.after_leave_customers,
                evidence: vec![cx.ev.id.to_string()],
                explain: json!({"observed": st.after_leave_events, "expected": 0,
                    "left_at": Timestamp(left).to_rfc3339(), "reason": reason.as_str()}),
            });
            return;
        }
        let ev = cx.ev;
        if ev.action != Action::EmployeeLeave {
            return;
        }
        let Some(e) = ev
            .target_id(TargetType::Employee)
            .and_then(|id| w.employees.get(id))
        else {
            return;
        };
        if w.emp[e as usize].left.map(|l| l.1) != Some(LeaveReason::Resigned) {
            return;
        }
        let act = &w.emp[e as usize].activity;
        let recent_from = cx.day - cfg.lookback_days as i64 + 1;
        let base_from = recent_from - cfg.baseline_days as i64;
        let today = (act.today.accesses > 0 && act.today.day == cx.day).then_some(&act.today);
        let days: Vec<&DayStats> = act.history.iter().chain(today).collect();
        let (mut rn, mut bn) = (0u32, 0u32);
        let (mut rs, mut bs) = ([0u64; 2], [0u64; 2]);
        for d in &days {
            let v = [d.customers as u64, d.exported as u64];
            if d.day >= recent_from {
                rn += 1;
                rs[0] += v[0];
                rs[1] += v[1];
            } else if d.day >= base_from {
                bn += 1;
                bs[0] += v[0];
                bs[1] += v[1];
            }
        }
        if bn < cfg.min_baseline_days || rn == 0 {
            return;
        }
        let mins = [
            cfg.min_excess_customers as f64,
            cfg.min_excess_exported as f64,
        ];
        let names = ["distinct customers", "exported customers"];
        let mut hits = Vec::new();
        for i in 0..2 {
            let b = bs[i] as f64 / bn as f64;
            let r = rs[i] as f64 / rn as f64;
            let expected = b * rn as f64;
            let excess = rs[i] as f64 - expected;
            let lp = poisson_sf_log10(rs[i], (bs[i] as f64 + 1.0) / bn as f64 * rn as f64);
            let tested = excess >= cfg.min_excess_tested as f64 && lp < cfg.alpha.log10();
            if r >= cfg.ratio * b && (excess >= mins[i] || tested) {
                hits.push((i, b, r, expected, lp));
            }
        }
        let Some(&(i, b, r, expected, lp)) = hits.first() else {
            return;
        };
        let emp = w.emp_name(e);
        let sev = if r >= 4.0 * b.max(1.0) {
            Severity::Critical
        } else {
            Severity::High
        };
        out.findings.push(Finding {
            employee: e,
            detector: DetectorKind::DepartingEmployee,
            key: "before_leave".into(),
            severity: sev,
            score: (severity_floor_score(sev) + 5.0 * (r / b.max(1.0)).log2()).min(100.0),
            summary: format!(
                "{emp} resigned after {} days averaging {r:.0} {} a day against a baseline of {b:.0}: \
                 scope what was taken before access ended",
                rn, names[i]
            ),
            sellers: Vec::new(),
            customers: rs[0],
            evidence: vec![ev.id.to_string()],
            explain: json!({
                "metric": names[i],
                "observed": rs[i],
                "expected": expected,
                "p_value": super::p_json(lp),
                "log10_p": lp,
                "alpha": cfg.alpha,
                "recent_mean": r,
                "baseline_mean": b,
                "recent_active_days": rn,
                "baseline_active_days": bn,
                "ratio": cfg.ratio,
                "window_days": cfg.lookback_days,
                "baseline_days": cfg.baseline_days,
                "also": hits.iter().skip(1).map(|h| names[h.0]).collect::<Vec<_>>(),
            }),
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    /// Days of ticketed work, with `untracked` customers a day looked up
    /// without a ticket.
    fn weeks_of_work(t: &mut Kit, emp: &str, days: usize, untracked: usize, tag: &str) {
        for d in 0..days {
            for i in 0..10 {
                let c = format!("cus-{tag}-{d}-{i}");
                let tk = format!("t-{tag}-{d}-{i}");
                t.ticket(&tk, "order_issue", Some(&c), None);
                t.assign(emp, &tk);
                t.view(emp, &c, Some(&tk));
            }
            for i in 0..untracked {
                t.view(emp, &format!("cus-{tag}-{d}-u{i}"), None);
            }
            t.days(1.0);
        }
    }

    #[test]
    fn a_resignation_after_a_spike_fires_at_the_leave_event() {
        let mut t = Kit::new();
        weeks_of_work(&mut t, "emp-1", 30, 1, "a");
        weeks_of_work(&mut t, "emp-1", 5, 40, "b");
        let leave_time = t.now;
        t.leave("emp-1", "resigned");
        let a = t.alerts_of("departing_employee");
        assert_eq!(a.len(), 1, "{:?}", t.alerts);
        assert_eq!(a[0].time.millis(), leave_time);
        assert_eq!(a[0].explain["metric"], "distinct customers");
    }

    #[test]
    fn a_slow_grab_before_resigning_fires_by_its_improbability() {
        let mut t = Kit::new();
        weeks_of_work(&mut t, "emp-1", 30, 1, "a");
        // Four extra records a day for a week: far below the bulk
        // thresholds, far above this employee's own habit.
        weeks_of_work(&mut t, "emp-1", 7, 5, "b");
        t.leave("emp-1", "resigned");
        let a = t.alerts_of("departing_employee");
        assert_eq!(a.len(), 1, "{:?}", t.alerts);
        assert!(a[0].explain["log10_p"].as_f64().unwrap() < -4.0);
        assert!(a[0].explain["observed"].as_u64().unwrap() < 60);
    }

    /// Clean work for a month, then `grabbed` customers looked up
    /// without a ticket over the last four days before resigning.
    fn exit_grab(grabbed: usize) -> Vec<crate::Alert> {
        let mut t = Kit::new();
        weeks_of_work(&mut t, "emp-1", 30, 0, "a");
        for d in 0..4 {
            for i in (d..grabbed).step_by(4) {
                t.view("emp-1", &format!("cus-grab-{i}"), None);
            }
            weeks_of_work(&mut t, "emp-1", 1, 0, &format!("g{d}"));
        }
        t.leave("emp-1", "resigned");
        t.alerts_of("departing_employee")
    }

    #[test]
    fn a_handful_taken_by_a_clean_worker_before_resigning_fires() {
        let a = exit_grab(8);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].explain["observed"], 8);
        // Five is below `min_excess_tested` (6), however improbable.
        assert!(exit_grab(5).is_empty());
    }

    #[test]
    fn an_ordinary_resignation_does_not_fire_but_access_after_leaving_does() {
        let mut t = Kit::new();
        weeks_of_work(&mut t, "emp-1", 30, 1, "a");
        weeks_of_work(&mut t, "emp-1", 5, 2, "b");
        t.leave("emp-1", "resigned");
        assert!(t.alerts_of("departing_employee").is_empty());
        t.hours(2.0);
        t.view("emp-1", "cus-z", None);
        let a = t.alerts_of("departing_employee");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].severity, crate::Severity::High);
    }

    #[test]
    fn the_last_shift_after_a_resignation_is_recorded_is_not_after_leaving() {
        let mut t = Kit::new();
        weeks_of_work(&mut t, "emp-1", 30, 1, "a");
        t.leave("emp-1", "resigned");
        // The rest of the shift: tickets assigned to the leaver.
        for i in 0..5 {
            let (c, tk) = (format!("cus-s{i}"), format!("t-s{i}"));
            t.ticket(&tk, "order_issue", Some(&c), None);
            t.assign("emp-1", &tk);
            t.hours(0.2);
            t.view("emp-1", &c, Some(&tk));
        }
        assert!(
            t.alerts_of("departing_employee").is_empty(),
            "{:?}",
            t.alerts
        );
        // A look-up without a ticket in the same shift counts.
        t.view("emp-1", "cus-z", None);
        assert_eq!(t.alerts_of("departing_employee").len(), 1);
    }

    #[test]
    fn ticketed_work_after_the_grace_or_a_termination_counts() {
        for (reason, wait) in [("resigned", 13.0), ("terminated", 0.5)] {
            let mut t = Kit::new();
            weeks_of_work(&mut t, "emp-1", 30, 1, "a");
            t.leave("emp-1", reason);
            t.hours(wait);
            t.ticket("t-x", "order_issue", Some("cus-x"), None);
            t.assign("emp-1", "t-x");
            t.view("emp-1", "cus-x", Some("t-x"));
            assert_eq!(t.alerts_of("departing_employee").len(), 1, "{reason}");
        }
    }

    #[test]
    fn a_transfer_is_not_a_departure() {
        let mut t = Kit::new();
        weeks_of_work(&mut t, "emp-1", 30, 1, "a");
        weeks_of_work(&mut t, "emp-1", 5, 40, "b");
        t.leave("emp-1", "transferred");
        t.view("emp-1", "cus-z", None);
        assert!(t.alerts_of("departing_employee").is_empty());
    }
}
