//! Scoring alerts against a ground truth, as `custos eval` reports it
//! (`contract/INTERFACE.md`, "Ground truth and evaluation").
//!
//! An insider is detected when an alert names that employee at or after
//! the insider's first malicious event; hours to detect run from that
//! event to the first such alert. Every alert on an employee who is not
//! an insider is a false alert. Alerts on an insider before their first
//! malicious event are neither: they are counted apart.

use crate::truth::Truth;
use custos_core::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// What evaluation needs of an alert.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvalAlert {
    pub employee: String,
    pub time: Timestamp,
    pub detector: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    pub insiders: usize,
    pub detected: usize,
    /// `detected / insiders`; 0 when there are no insiders.
    pub recall: f64,
    /// Employees who are not insiders and got at least one alert.
    pub false_positive_employees: usize,
    /// Employees × days of the period.
    pub employee_days: u64,
    pub false_alerts_per_1000_employee_days: f64,
    /// `null` when nothing was detected.
    pub median_hours_to_detect: Option<f64>,
    pub p90_hours_to_detect: Option<f64>,
    pub per_scenario: BTreeMap<String, ScenarioReport>,
    pub alerts: usize,
    pub false_alerts: usize,
    /// Alerts on insiders before their first malicious event.
    pub alerts_before_start: usize,
    pub false_alerts_by_detector: BTreeMap<String, usize>,
    /// False alerts on each kind of legitimate look-alike.
    pub lookalike_alerts: BTreeMap<String, LookalikeReport>,
    /// One row per insider, in truth order.
    pub insider_results: Vec<InsiderResult>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScenarioReport {
    pub insiders: usize,
    pub detected: usize,
    pub recall: f64,
    pub median_hours_to_detect: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LookalikeReport {
    /// Employees of this kind (0 for a period such as a sale day).
    pub employees: usize,
    /// Of those, how many got an alert.
    pub alerted: usize,
    /// False alerts on them (or, for a period without employees, false
    /// alerts raised within it).
    pub alerts: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InsiderResult {
    pub employee: String,
    pub scenario: String,
    pub detected: bool,
    pub hours_to_detect: Option<f64>,
    /// The detector of the first alert that counted.
    pub detector: Option<String>,
}

/// The `q`-quantile (0..=1) of sorted values, linearly interpolated
/// between closest ranks (the median of an even count is the mean of the
/// middle two).
fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64))
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

pub fn evaluate(truth: &Truth, alerts: &[EvalAlert]) -> EvalReport {
    let mut by_employee: BTreeMap<&str, Vec<&EvalAlert>> = BTreeMap::new();
    for a in alerts {
        by_employee.entry(a.employee.as_str()).or_default().push(a);
    }
    for v in by_employee.values_mut() {
        v.sort_by(|a, b| {
            a.time
                .cmp(&b.time)
                .then_with(|| a.detector.cmp(&b.detector))
        });
    }
    let insider_employees: BTreeSet<&str> =
        truth.insiders.iter().map(|i| i.employee.as_str()).collect();

    let mut results = Vec::with_capacity(truth.insiders.len());
    let mut hours: Vec<f64> = Vec::new();
    let mut scen: BTreeMap<String, (usize, usize, Vec<f64>)> = BTreeMap::new();
    for ins in &truth.insiders {
        let first = by_employee
            .get(ins.employee.as_str())
            .and_then(|v| v.iter().find(|a| a.time >= ins.start));
        let h = first.map(|a| (a.time.0 - ins.start.0) as f64 / 3_600_000.0);
        let entry = scen.entry(ins.scenario.clone()).or_default();
        entry.0 += 1;
        if let Some(h) = h {
            entry.1 += 1;
            entry.2.push(h);
            hours.push(h);
        }
        results.push(InsiderResult {
            employee: ins.employee.clone(),
            scenario: ins.scenario.clone(),
            detected: h.is_some(),
            hours_to_detect: h,
            detector: first.map(|a| a.detector.clone()),
        });
    }
    hours.sort_by(f64::total_cmp);
    let detected = results.iter().filter(|r| r.detected).count();

    let mut alerts_before_start = 0;
    for (emp, v) in &by_employee {
        if insider_employees.contains(emp) {
            let earliest = truth
                .insiders
                .iter()
                .filter(|i| i.employee == *emp)
                .map(|i| i.start)
                .min();
            alerts_before_start += v
                .iter()
                .filter(|a| earliest.is_some_and(|s| a.time < s))
                .count();
        }
    }
    let false_alerts: Vec<&EvalAlert> = alerts
        .iter()
        .filter(|a| !insider_employees.contains(a.employee.as_str()))
        .collect();
    let false_positive_employees = false_alerts
        .iter()
        .map(|a| a.employee.as_str())
        .collect::<BTreeSet<_>>()
        .len();
    let mut false_alerts_by_detector = BTreeMap::new();
    for a in &false_alerts {
        *false_alerts_by_detector
            .entry(a.detector.clone())
            .or_insert(0) += 1;
    }

    let mut lookalike_alerts: BTreeMap<String, LookalikeReport> = BTreeMap::new();
    for l in &truth.lookalikes {
        let entry = lookalike_alerts
            .entry(l.kind.clone())
            .or_insert(LookalikeReport {
                employees: 0,
                alerted: 0,
                alerts: 0,
            });
        if l.employees.is_empty() {
            if let (Some(s), Some(e)) = (l.start, l.end) {
                entry.alerts += false_alerts
                    .iter()
                    .filter(|a| a.time >= s && a.time < e)
                    .count();
            }
            continue;
        }
        for emp in &l.employees {
            if insider_employees.contains(emp.as_str()) {
                continue;
            }
            entry.employees += 1;
            let n = by_employee.get(emp.as_str()).map_or(0, Vec::len);
            entry.alerts += n;
            entry.alerted += usize::from(n > 0);
        }
    }

    let employee_days = truth.employees * truth.period_days();
    let per_scenario = scen
        .into_iter()
        .map(|(name, (n, d, mut h))| {
            h.sort_by(f64::total_cmp);
            (
                name,
                ScenarioReport {
                    insiders: n,
                    detected: d,
                    recall: ratio(d, n),
                    median_hours_to_detect: quantile(&h, 0.5),
                },
            )
        })
        .collect();
    EvalReport {
        insiders: truth.insiders.len(),
        detected,
        recall: ratio(detected, truth.insiders.len()),
        false_positive_employees,
        employee_days,
        false_alerts_per_1000_employee_days: if employee_days == 0 {
            0.0
        } else {
            false_alerts.len() as f64 * 1000.0 / employee_days as f64
        },
        median_hours_to_detect: quantile(&hours, 0.5),
        p90_hours_to_detect: quantile(&hours, 0.9),
        per_scenario,
        alerts: alerts.len(),
        false_alerts: false_alerts.len(),
        alerts_before_start,
        false_alerts_by_detector,
        lookalike_alerts,
        insider_results: results,
    }
}

fn hours(h: Option<f64>) -> String {
    h.map_or_else(|| "-".to_owned(), |h| format!("{h:.1}"))
}

impl EvalReport {
    /// A summary for people.
    pub fn to_table(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "recall {:.2} ({} of {} insiders)   time to detect: median {} h, p90 {} h",
            self.recall,
            self.detected,
            self.insiders,
            hours(self.median_hours_to_detect),
            hours(self.p90_hours_to_detect)
        );
        let _ = writeln!(
            s,
            "false alerts {} on {} employees: {:.2} per 1000 employee-days ({} employee-days)",
            self.false_alerts,
            self.false_positive_employees,
            self.false_alerts_per_1000_employee_days,
            self.employee_days
        );
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "{:<18} {:>8} {:>8} {:>7} {:>10}",
            "scenario", "insiders", "detected", "recall", "median h"
        );
        for (name, r) in &self.per_scenario {
            let _ = writeln!(
                s,
                "{:<18} {:>8} {:>8} {:>7.2} {:>10}",
                name,
                r.insiders,
                r.detected,
                r.recall,
                hours(r.median_hours_to_detect)
            );
        }
        if !self.insider_results.is_empty() {
            let _ = writeln!(s);
            let _ = writeln!(
                s,
                "{:<12} {:<18} {:>8} {:>8}  detector",
                "insider", "scenario", "detected", "hours"
            );
            for r in &self.insider_results {
                let _ = writeln!(
                    s,
                    "{:<12} {:<18} {:>8} {:>8}  {}",
                    r.employee,
                    r.scenario,
                    if r.detected { "yes" } else { "no" },
                    hours(r.hours_to_detect),
                    r.detector.as_deref().unwrap_or("-")
                );
            }
        }
        if !self.lookalike_alerts.is_empty() {
            let _ = writeln!(s);
            let _ = writeln!(
                s,
                "{:<22} {:>9} {:>7} {:>7}",
                "look-alike", "employees", "alerted", "alerts"
            );
            for (kind, r) in &self.lookalike_alerts {
                let _ = writeln!(
                    s,
                    "{:<22} {:>9} {:>7} {:>7}",
                    kind, r.employees, r.alerted, r.alerts
                );
            }
        }
        if !self.false_alerts_by_detector.is_empty() {
            let _ = writeln!(s);
            let _ = writeln!(s, "{:<28} {:>12}", "detector", "false alerts");
            for (d, n) in &self.false_alerts_by_detector {
                let _ = writeln!(s, "{d:<28} {n:>12}");
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000;

    fn truth() -> Truth {
        // A minimal truth as another generator might write it, plus
        // look-alikes.
        serde_json::from_str(
            r#"{"seed":1,"start":"2026-03-02T00:00:00Z","end":"2026-03-12T00:00:00Z","employees":100,
            "insiders":[
              {"employee":"emp-a","scenario":"data_sale","start":"2026-03-03T00:00:00Z","end":"2026-03-05T00:00:00Z","sellers":["sel-1"],"customers":["cus-1"]},
              {"employee":"emp-b","scenario":"broker","start":"2026-03-04T00:00:00Z","end":"2026-03-06T00:00:00Z","sellers":[],"customers":[]},
              {"employee":"emp-c","scenario":"collusion","start":"2026-03-05T00:00:00Z","end":"2026-03-06T00:00:00Z","sellers":[],"customers":[]},
              {"employee":"emp-d","scenario":"data_sale","start":"2026-03-06T04:00:00Z","end":"2026-03-07T00:00:00Z","sellers":[],"customers":[]}],
            "honeytokens":["cus-9"],
            "lookalikes":[{"kind":"night_shift","employees":["emp-e1","emp-e2"]},
                          {"kind":"sale_day","employees":[],"start":"2026-03-08T00:00:00Z","end":"2026-03-09T00:00:00Z"}]}"#,
        )
        .expect("truth parses")
    }

    fn alert(employee: &str, at: &str, hours: i64, detector: &str) -> EvalAlert {
        let t = Timestamp::parse_rfc3339(at).expect("time");
        EvalAlert {
            employee: employee.into(),
            time: Timestamp(t.0 + hours * H),
            detector: detector.into(),
        }
    }

    #[test]
    fn known_answers() {
        let alerts = vec![
            alert("emp-a", "2026-03-03T00:00:00Z", 10, "x"),
            alert("emp-a", "2026-03-03T00:00:00Z", 2, "y"),
            alert("emp-b", "2026-03-04T00:00:00Z", -5, "x"),
            alert("emp-b", "2026-03-04T00:00:00Z", 6, "x"),
            alert("emp-d", "2026-03-06T04:00:00Z", -1, "x"),
            alert("emp-e1", "2026-03-03T00:00:00Z", 0, "x"),
            alert("emp-e1", "2026-03-04T00:00:00Z", 0, "x"),
            alert("emp-f", "2026-03-08T12:00:00Z", 0, "y"),
        ];
        let r = evaluate(&truth(), &alerts);
        assert_eq!(r.insiders, 4);
        assert_eq!(r.detected, 2);
        assert_eq!(r.recall, 0.5);
        assert_eq!(r.false_positive_employees, 2);
        assert_eq!(r.employee_days, 1_000);
        assert_eq!(r.false_alerts, 3);
        assert!((r.false_alerts_per_1000_employee_days - 3.0).abs() < 1e-9);
        assert_eq!(r.median_hours_to_detect, Some(4.0));
        assert!((r.p90_hours_to_detect.unwrap_or(0.0) - 5.6).abs() < 1e-9);
        assert_eq!(r.alerts_before_start, 2);
        let ds = &r.per_scenario["data_sale"];
        assert_eq!((ds.insiders, ds.detected, ds.recall), (2, 1, 0.5));
        assert_eq!(ds.median_hours_to_detect, Some(2.0));
        assert_eq!(r.per_scenario["broker"].median_hours_to_detect, Some(6.0));
        let c = &r.per_scenario["collusion"];
        assert_eq!((c.detected, c.median_hours_to_detect), (0, None));
        assert_eq!(
            r.lookalike_alerts["night_shift"],
            LookalikeReport {
                employees: 2,
                alerted: 1,
                alerts: 2
            }
        );
        assert_eq!(r.lookalike_alerts["sale_day"].alerts, 1);
        assert_eq!(r.false_alerts_by_detector["x"], 2);
        assert_eq!(r.insider_results[0].detector.as_deref(), Some("y"));
        assert!(!r.insider_results[3].detected);

        // The contract's keys, in JSON.
        let v = serde_json::to_value(&r).expect("json");
        for k in [
            "insiders",
            "detected",
            "recall",
            "false_positive_employees",
            "employee_days",
            "false_alerts_per_1000_employee_days",
            "median_hours_to_detect",
            "p90_hours_to_detect",
            "per_scenario",
            "lookalike_alerts",
        ] {
            assert!(v.get(k).is_some(), "missing `{k}`");
        }
        for k in ["insiders", "detected", "recall", "median_hours_to_detect"] {
            assert!(
                v["per_scenario"]["broker"].get(k).is_some(),
                "missing `{k}`"
            );
        }
        let table = r.to_table();
        assert!(
            table.contains("recall 0.50") && table.contains("collusion"),
            "{table}"
        );
    }

    #[test]
    fn nothing_to_find_and_nothing_found() {
        let mut t = truth();
        t.insiders.clear();
        let r = evaluate(&t, &[]);
        assert_eq!((r.insiders, r.detected, r.recall), (0, 0, 0.0));
        assert_eq!(r.median_hours_to_detect, None);
        assert_eq!(r.false_alerts_per_1000_employee_days, 0.0);
        let json = serde_json::to_string(&r).expect("json");
        assert!(json.contains("\"median_hours_to_detect\":null"), "{json}");
    }

    #[test]
    fn quantiles_interpolate() {
        assert_eq!(quantile(&[], 0.5), None);
        assert_eq!(quantile(&[3.0], 0.9), Some(3.0));
        assert_eq!(quantile(&[1.0, 2.0, 3.0], 0.5), Some(2.0));
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 10.0], 0.5), Some(2.5));
    }
}
