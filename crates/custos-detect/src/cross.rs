//! Signals that no single partition can compute, from the aggregates
//! every partition leaves in the shared store (one row per active
//! employee-day, one per seller signal of a day), never from events.
//!
//! - **Peer groups across partitions**: an employee's finished day
//!   against their whole peer group (role), wherever their peers are
//!   routed, and against their own baseline: the volume test of
//!   `detectors::volume_anomaly` with the deployment's peers. A
//!   partitioned engine leaves volume to this pass.
//! - **Beneficiary convergence across partitions**: a seller benefiting
//!   from employees on several partitions, by the rules of
//!   `detectors::beneficiary_convergence` (enough strong employees or
//!   kinds, the ring test, or a cross-kind join). Convergence inside
//!   one partition is that partition's own alert; this pass raises only
//!   what spans partitions.
//!
//! A day is evaluated once every partition has finished it, in day
//! order, so the alerts depend only on the aggregates, not on which node
//! ran the pass or when: the same input gives the same alerts however it
//! was partitioned in time. Alerts are incidents like the engine's:
//! raised once, updated in place, with state kept by the caller
//! ([`CrossState`]).

use crate::alert::{alert_id, severity_floor_score, Alert, Severity};
use crate::config::DetectConfig;
use crate::detectors::beneficiary_convergence::{joins_given_seller, ring_of};
use crate::stats::{median_mad, quantile};
use custos_core::time::MS_PER_DAY;
use custos_core::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

const METRICS: [&str; 3] = ["distinct customers", "searches", "exported customers"];

/// One employee's finished day as their partition counted it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmployeeDay {
    pub employee: String,
    pub day: i64,
    pub peer_group: String,
    /// Distinct customers disclosed beyond ticket workload, searches
    /// without a valid ticket, customers exported outside legal exports.
    pub metrics: [u32; 3],
}

pub use custos_core::aggregates::{Progress, SellerSignal};

/// What an engine collected for the shared store since it was last
/// asked (see `Engine::take_aggregates`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Collected {
    pub days: Vec<EmployeeDay>,
    pub signals: Vec<SellerSignal>,
    pub progress: Option<Progress>,
}

impl Collected {
    pub fn is_empty(&self) -> bool {
        self.days.is_empty() && self.signals.is_empty() && self.progress.is_none()
    }

    /// Merges a signal into the one of the same (seller, employee, kind,
    /// day), as the store does.
    pub(crate) fn signal(&mut self, s: SellerSignal) {
        let same = self.signals.iter_mut().find(|x| {
            x.day == s.day && x.seller == s.seller && x.employee == s.employee && x.kind == s.kind
        });
        match same {
            Some(x) => {
                x.strong |= s.strong;
                x.log10_p = x.log10_p.min(s.log10_p);
            }
            None => self.signals.push(s),
        }
    }
}

/// Every partition's aggregates for the days a pass needs, each row with
/// its partition's name.
#[derive(Clone, Debug, Default)]
pub struct CrossInput {
    pub days: Vec<(String, EmployeeDay)>,
    pub signals: Vec<(String, SellerSignal)>,
    pub progress: Vec<(String, Progress)>,
}

/// The days of aggregates a pass over `day` reads.
pub fn window(day: i64, cfg: &DetectConfig) -> std::ops::Range<i64> {
    let back = cfg.volume.baseline_days.max(cfg.beneficiary.window_days) as i64;
    day - back..day + 1
}

/// The last day every one of `partitions` has finished, `None` while one
/// of them has not reported yet.
pub fn finished_by_all(progress: &[(String, Progress)], partitions: &[String]) -> Option<i64> {
    partitions
        .iter()
        .map(|p| progress.iter().find(|x| &x.0 == p).map(|x| x.1.day))
        .collect::<Option<Vec<i64>>>()?
        .into_iter()
        .min()
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Incident {
    id: String,
    time: i64,
    last_update: i64,
    severity: Severity,
    score: f64,
    /// What the last report said, to report only changes.
    shape: String,
}

/// The pass's memory between runs: the last day evaluated and the open
/// incidents. Kept by the caller (as JSON, in the store).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CrossState {
    pub done: Option<i64>,
    /// Keyed by employee, detector and key, joined by U+001F.
    incidents: BTreeMap<String, Incident>,
}

struct Report {
    employee: String,
    detector: &'static str,
    key: String,
    severity: Severity,
    score: f64,
    shape: String,
    summary: String,
    sellers: Vec<String>,
    customers: u64,
    evidence: Vec<String>,
    explain: serde_json::Value,
}

impl CrossState {
    /// Evaluates finished `day` on `input` (which must hold the days of
    /// [`window`]) and returns the alerts raised or updated.
    pub fn evaluate(&mut self, day: i64, input: &CrossInput, cfg: &DetectConfig) -> Vec<Alert> {
        let end = (day + 1) * MS_PER_DAY - 1;
        let gap = cfg.alerts.incident_gap_days as i64 * MS_PER_DAY;
        self.incidents.retain(|_, i| end - i.last_update <= gap);
        let mut reports = Vec::new();
        if cfg.volume.enabled {
            peer_volume(day, input, cfg, &mut reports);
        }
        if cfg.beneficiary.enabled {
            convergence(day, input, cfg, &mut reports);
        }
        self.done = Some(self.done.map_or(day, |d| d.max(day)));
        reports
            .into_iter()
            .filter_map(|r| self.incident(r, end))
            .collect()
    }

    fn incident(&mut self, r: Report, end: i64) -> Option<Alert> {
        let key = format!("{}\u{1f}{}\u{1f}{}", r.employee, r.detector, r.key);
        let inc = self.incidents.entry(key).or_insert_with(|| Incident {
            id: alert_id(
                &r.employee,
                r.detector,
                &format!("cross:{}", r.key),
                Timestamp(end),
            ),
            time: end,
            last_update: end,
            severity: r.severity,
            score: 0.0,
            shape: String::new(),
        });
        let fresh = inc.shape.is_empty();
        inc.last_update = end;
        if !fresh && r.shape == inc.shape && r.severity <= inc.severity {
            return None;
        }
        inc.severity = inc.severity.max(r.severity);
        inc.score = inc.score.max(r.score.clamp(0.0, 100.0));
        inc.shape = r.shape;
        Some(Alert {
            id: inc.id.clone(),
            time: Timestamp(inc.time),
            employee: r.employee,
            detector: r.detector.to_owned(),
            severity: inc.severity,
            score: (inc.score * 10.0).round() / 10.0,
            summary: r.summary,
            sellers: r.sellers,
            customers: r.customers,
            evidence: r.evidence,
            explain: r.explain,
        })
    }
}

/// Volume of each employee's `day` against their own active days and the
/// peer group's employee-days (all partitions) in the baseline window.
fn peer_volume(day: i64, input: &CrossInput, cfg: &DetectConfig, out: &mut Vec<Report>) {
    let c = &cfg.volume;
    let from = day - c.baseline_days as i64;
    let past = || {
        input
            .days
            .iter()
            .filter(move |(_, d)| d.day >= from && d.day < day)
    };
    let mut groups: BTreeMap<&str, Vec<[u32; 3]>> = BTreeMap::new();
    let mut all = Vec::new();
    let mut own: BTreeMap<&str, Vec<[u32; 3]>> = BTreeMap::new();
    let mut partitions: BTreeSet<&str> = BTreeSet::new();
    for (p, d) in past() {
        groups.entry(&d.peer_group).or_default().push(d.metrics);
        own.entry(&d.employee).or_default().push(d.metrics);
        all.push(d.metrics);
        partitions.insert(p);
    }
    let q = |v: &[[u32; 3]], i: usize| {
        let mut x: Vec<f64> = v.iter().map(|m| m[i] as f64).collect();
        quantile(&mut x, c.peer_quantile)
    };
    let floors = [c.min_customers, c.min_searches, c.min_exported];
    for (_, d) in input.days.iter().filter(|(_, d)| d.day == day) {
        let (peers, peer_name) = match groups.get(d.peer_group.as_str()) {
            Some(g) if g.len() >= c.min_peer_days as usize => (g.as_slice(), d.peer_group.as_str()),
            _ => (all.as_slice(), "all employees"),
        };
        if peers.len() < c.min_peer_days as usize {
            continue;
        }
        let mine = own
            .get(d.employee.as_str())
            .map_or(&[][..], |v| v.as_slice());
        let mature = mine.len() >= c.min_baseline_days as usize;
        // The metric furthest above its threshold speaks for the day:
        // (ratio, metric, threshold, own median and MAD, peer quantile).
        type Over = (f64, usize, f64, (f64, f64), f64);
        let mut best: Option<Over> = None;
        for i in 0..3 {
            let peer_q = q(peers, i);
            let vals: Vec<f64> = mine.iter().map(|m| m[i] as f64).collect();
            let (med, mad) = median_mad(&vals);
            let floor = floors[i] as f64;
            let thr = if mature {
                floor
                    .max(c.own_factor * med + c.mad_k * 1.4826 * mad)
                    .max(peer_q)
            } else {
                floor.max(c.new_hire_peer_factor * peer_q)
            };
            let v = d.metrics[i] as f64;
            if v > thr && best.is_none_or(|b| v / thr > b.0) {
                best = Some((v / thr, i, thr, (med, mad), peer_q));
            }
        }
        let Some((ratio, i, thr, (med, mad), peer_q)) = best else {
            continue;
        };
        let v = d.metrics[i] as f64;
        let level = if ratio > 4.0 {
            3
        } else if ratio > 2.0 {
            2
        } else {
            1
        };
        let severity = if level >= 2 {
            Severity::High
        } else {
            Severity::Medium
        };
        let basis = if mature {
            format!("own median {med:.0} over {} active days", mine.len())
        } else {
            format!(
                "new to the job: {peer_name} p{:.0} across partitions",
                c.peer_quantile * 100.0
            )
        };
        let date = Timestamp(day * MS_PER_DAY).to_rfc3339();
        out.push(Report {
            employee: d.employee.clone(),
            detector: "volume_anomaly",
            key: String::new(),
            severity,
            score: (severity_floor_score(severity) + 10.0 * ratio.log2()).min(100.0),
            shape: format!("{i}/{level}"),
            summary: format!(
                "{} reached {v:.0} {} on {}, above the threshold of {thr:.0} ({basis}); \
                 review what was accessed and why",
                d.employee,
                METRICS[i],
                &date[..10]
            ),
            sellers: Vec::new(),
            customers: d.metrics[0] as u64,
            evidence: Vec::new(),
            explain: json!({
                "metric": METRICS[i],
                "observed": v,
                "threshold": thr,
                "day": &date[..10],
                "baseline": if mature { "own" } else { "peers" },
                "own_median": med,
                "own_mad": mad,
                "own_active_days": mine.len(),
                "peer_group": peer_name,
                "peer_employee_days": peers.len(),
                "peer_partitions": partitions.len(),
                "peer_quantile": c.peer_quantile,
                "peer_value": peer_q,
                "window_days": c.baseline_days,
                "computed_from": "aggregates of every partition (cross-partition pass)",
            }),
        });
    }
}

#[derive(Default)]
struct Seen {
    partition: String,
    strong: bool,
    log10_p: f64,
    first: i64,
    last: i64,
    events: Vec<String>,
}

/// Sellers whose converging employees sit on more than one partition.
fn convergence(day: i64, input: &CrossInput, cfg: &DetectConfig, out: &mut Vec<Report>) {
    let c = &cfg.beneficiary;
    let from = day - c.window_days as i64;
    // seller -> (employee, kind) -> what the window holds.
    let mut sellers: BTreeMap<&str, BTreeMap<(&str, &str), Seen>> = BTreeMap::new();
    for (p, s) in input
        .signals
        .iter()
        .filter(|(_, s)| s.day > from && s.day <= day)
    {
        let x = sellers
            .entry(&s.seller)
            .or_default()
            .entry((&s.employee, &s.kind))
            .or_insert_with(|| Seen {
                partition: p.clone(),
                first: s.day,
                log10_p: 0.0,
                ..Seen::default()
            });
        x.strong |= s.strong;
        x.log10_p = x.log10_p.min(s.log10_p);
        x.last = x.last.max(s.day);
        if x.events.len() < cfg.alerts.max_evidence as usize && !x.events.contains(&s.event) {
            x.events.push(s.event.clone());
        }
    }
    let progress = input.progress.iter().map(|x| x.1);
    let employees = progress.clone().map(|p| p.employees).max().unwrap_or(0);
    let tests = progress.map(|p| p.sellers).max().unwrap_or(0);
    for (seller, list) in sellers {
        let names: Vec<&str> = list
            .keys()
            .map(|k| k.0)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let index = |e: &str| names.iter().position(|n| *n == e).unwrap_or(0) as u32;
        let strong: Vec<(&(&str, &str), &Seen)> = list.iter().filter(|x| x.1.strong).collect();
        let emps: BTreeSet<&str> = strong.iter().map(|x| x.0 .0).collect();
        let kinds: BTreeSet<&str> = strong.iter().map(|x| x.0 .1).collect();
        let mut involved: BTreeSet<&str> = BTreeSet::new();
        if emps.len() >= c.min_employees as usize || kinds.len() >= c.min_kinds as usize {
            involved.extend(&emps);
        }
        let best: Vec<(f64, u32)> = list
            .iter()
            .filter(|x| x.0 .1 == "data_access" && x.1.log10_p < 0.0)
            .map(|x| (x.1.log10_p, index(x.0 .0)))
            .collect();
        let ring = ring_of(best, employees, tests, c);
        if let Some(r) = &ring {
            involved.extend(r.members.iter().map(|&m| names[m as usize]));
        }
        // Weak evidence of another kind than someone's strong evidence
        // about the seller, as a partition's own convergence joins it.
        let joined: BTreeSet<&str> = list
            .iter()
            .filter(|x| !x.1.strong && joins_given_seller(x.1.log10_p, employees, c))
            .filter(|x| strong.iter().any(|y| y.0 .0 != x.0 .0 && y.0 .1 != x.0 .1))
            .map(|x| x.0 .0)
            .collect();
        if !joined.is_empty() {
            involved.extend(&emps);
            involved.extend(&joined);
        }
        let partitions: BTreeSet<&str> = list
            .iter()
            .filter(|x| involved.contains(x.0 .0))
            .map(|x| x.1.partition.as_str())
            .collect();
        if partitions.len() < 2 {
            continue;
        }
        let kinds: BTreeSet<&str> = list
            .keys()
            .filter(|k| involved.contains(k.0))
            .map(|k| k.1)
            .collect();
        let severity = if involved.len() >= 3 || kinds.len() >= 3 {
            Severity::Critical
        } else {
            Severity::High
        };
        let who: Vec<&str> = involved.iter().copied().collect();
        let kind_names: Vec<&str> = kinds.iter().copied().collect();
        let shown: Vec<serde_json::Value> = list
            .iter()
            .filter(|x| involved.contains(x.0 .0))
            .map(|((e, k), s)| {
                json!({"employee": e, "kind": k, "partition": s.partition,
                    "first": Timestamp(s.first * MS_PER_DAY).to_rfc3339(),
                    "last": Timestamp(s.last * MS_PER_DAY).to_rfc3339(),
                    "strong": s.strong, "log10_p": s.log10_p})
            })
            .collect();
        for &e in &involved {
            let mine: Vec<&str> = list.keys().filter(|k| k.0 == e).map(|k| k.1).collect();
            let evidence: Vec<String> = list
                .iter()
                .filter(|x| x.0 .0 == e)
                .flat_map(|x| x.1.events.iter().cloned())
                .take(cfg.alerts.max_evidence as usize)
                .collect();
            out.push(Report {
                employee: e.to_owned(),
                detector: "beneficiary_convergence",
                key: seller.to_owned(),
                severity,
                score: (severity_floor_score(severity)
                    + 5.0 * (involved.len() + kinds.len()) as f64)
                    .min(100.0),
                shape: format!("{}|{}", who.join(","), kind_names.join(",")),
                summary: format!(
                    "{seller} benefits from {} employee(s) on {} partitions ({}) through {}; \
                     {e}'s part: {}. Investigate them together as a possible broker ring",
                    involved.len(),
                    partitions.len(),
                    who.join(", "),
                    kind_names.join(", "),
                    mine.join(", ")
                ),
                sellers: vec![seller.to_owned()],
                customers: 0,
                evidence,
                explain: json!({
                    "observed_employees": involved.len(),
                    "observed_kinds": kinds.len(),
                    "partitions": partitions.len(),
                    "min_employees": c.min_employees,
                    "min_kinds": c.min_kinds,
                    "ring": ring.as_ref().map(|r| json!({
                        "employees": r.members.len(),
                        "p_j": crate::detectors::p_json(r.log10_pj),
                        "log10_p_adjusted": r.log10_adj,
                        "ring_alpha": c.ring_alpha,
                    })),
                    "involved": shown,
                    "window_days": c.window_days,
                    "computed_from": "aggregates of every partition (cross-partition pass)",
                }),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day_row(p: &str, employee: &str, day: i64, customers: u32) -> (String, EmployeeDay) {
        (
            p.to_owned(),
            EmployeeDay {
                employee: employee.to_owned(),
                day,
                peer_group: "cs-agent".to_owned(),
                metrics: [customers, 0, 0],
            },
        )
    }

    /// 30 agents spread over three partitions, 20-29 customers a day for
    /// days 0..=`days`, and `emp-x` (partition p2) on `day` with `x`.
    fn market(days: i64, x: u32) -> CrossInput {
        let mut input = CrossInput::default();
        for d in 0..=days {
            for a in 0..30u32 {
                let p = format!("p{}", a % 3);
                let n = 20 + (a + d as u32) % 10;
                input.days.push(day_row(&p, &format!("emp-{a}"), d, n));
            }
            if d == days {
                input.days.push(day_row("p2", "emp-x", d, x));
            }
        }
        for p in ["p0", "p1", "p2"] {
            input.progress.push((
                p.to_owned(),
                Progress {
                    day: days,
                    employees: 31,
                    sellers: 50,
                },
            ));
        }
        input
    }

    #[test]
    fn a_new_hire_far_above_the_whole_peer_group_is_raised_once() {
        let cfg = DetectConfig::default();
        let mut st = CrossState::default();
        let input = market(20, 400);
        let alerts = st.evaluate(20, &input, &cfg);
        assert_eq!(alerts.len(), 1, "{alerts:?}");
        let a = &alerts[0];
        assert_eq!(
            (a.employee.as_str(), a.detector.as_str()),
            ("emp-x", "volume_anomaly")
        );
        assert_eq!(a.explain["baseline"], "peers");
        assert_eq!(a.explain["peer_partitions"], 3);
        assert_eq!(a.explain["peer_employee_days"], 600);
        assert!(a.explain["peer_value"].as_f64().unwrap() <= 29.0);
        assert_eq!(a.severity, Severity::High); // 400 > 2 x max(60, 1.5 x p99)
                                                // The same day again reports nothing new; the incident is kept.
        assert!(st.evaluate(20, &input, &cfg).is_empty());
        assert_eq!(st.done, Some(20));
    }

    #[test]
    fn ordinary_days_raise_nothing() {
        let cfg = DetectConfig::default();
        let mut st = CrossState::default();
        for day in 0..=20 {
            assert!(st.evaluate(day, &market(20, 25), &cfg).is_empty());
        }
    }

    #[test]
    fn too_few_peer_days_are_no_baseline() {
        let cfg = DetectConfig::default();
        let mut input = CrossInput::default();
        input.days.push(day_row("p0", "emp-1", 0, 20));
        input.days.push(day_row("p0", "emp-x", 1, 5000));
        assert!(CrossState::default().evaluate(1, &input, &cfg).is_empty());
    }

    fn signal(
        p: &str,
        employee: &str,
        kind: &str,
        day: i64,
        strong: bool,
    ) -> (String, SellerSignal) {
        (
            p.to_owned(),
            SellerSignal {
                seller: "sel-9".to_owned(),
                employee: employee.to_owned(),
                kind: kind.to_owned(),
                day,
                strong,
                log10_p: if kind == "data_access" { -4.0 } else { 0.0 },
                event: format!("ev-{employee}-{day}"),
            },
        )
    }

    #[test]
    fn a_seller_served_from_two_partitions_is_one_ring() {
        // At a ring_alpha of 1e-3, the third employee's weak signal
        // (p = 1e-4) does not join.
        let mut cfg = DetectConfig::default();
        cfg.beneficiary.ring_alpha = 1e-3;
        let mut input = market(10, 25);
        input
            .signals
            .push(signal("p0", "emp-0", "data_access", 3, true));
        input
            .signals
            .push(signal("p1", "emp-1", "review_deletion", 9, true));
        // Noise: a weak signal of a third employee is not involvement.
        input
            .signals
            .push(signal("p2", "emp-2", "data_access", 9, false));
        let mut st = CrossState::default();
        let alerts = st.evaluate(10, &input, &cfg);
        let who: Vec<&str> = alerts.iter().map(|a| a.employee.as_str()).collect();
        assert_eq!(who, ["emp-0", "emp-1"]);
        for a in &alerts {
            assert_eq!(a.detector, "beneficiary_convergence");
            assert_eq!(a.sellers, ["sel-9"]);
            assert_eq!(a.explain["partitions"], 2);
            assert_eq!(a.explain["observed_kinds"], 2);
        }
        assert_eq!(alerts[0].evidence, ["ev-emp-0-3"]);
        // Out of the window (30 days), it is over.
        assert!(st.evaluate(40, &input, &cfg).is_empty());
    }

    #[test]
    fn convergence_inside_one_partition_is_left_to_it() {
        let cfg = DetectConfig::default();
        let mut input = market(10, 25);
        input
            .signals
            .push(signal("p0", "emp-0", "data_access", 3, true));
        input
            .signals
            .push(signal("p0", "emp-3", "review_deletion", 9, true));
        assert!(CrossState::default().evaluate(10, &input, &cfg).is_empty());
    }

    #[test]
    fn finished_days_wait_for_every_partition() {
        let p = |name: &str, day| {
            (
                name.to_owned(),
                Progress {
                    day,
                    employees: 1,
                    sellers: 1,
                },
            )
        };
        let names = ["p0".to_owned(), "p1".to_owned()];
        assert_eq!(finished_by_all(&[p("p0", 5)], &names), None);
        assert_eq!(finished_by_all(&[p("p0", 5), p("p1", 3)], &names), Some(3));
    }
}
