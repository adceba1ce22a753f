//! Daily volume (distinct customers disclosed, searches, customers
//! exported) against the employee's own baseline and the peer group's.
//!
//! Baselines: the employee's active days in the last `baseline_days`
//! (median and MAD), and the `peer_quantile` of all employee-days of the
//! peer group (role) in the same window (all employees when the role has
//! fewer than `min_peer_days`; then the quantile of the role's own days
//! so far where that is higher, so a role whose ordinary day is heavier
//! than most, such as analysts pulling cohorts, is not flagged in its
//! first weeks for being itself). With a mature own baseline the threshold
//! is `max(floor, own_factor·median + mad_k·1.4826·MAD, peer quantile)`;
//! a new hire (fewer than `min_baseline_days` active days) is judged
//! against peers only: `max(floor, new_hire_peer_factor · peer
//! quantile)`. Thresholds are fixed at the employee's first access of the
//! day from finished days only; the alert is raised at the access that
//! crosses one, and updated when the count doubles. Legal exports under a
//! valid ticket, and exports under the employee's own four-eyes approval
//! (`world.approval_memory_days`), are expected work and not counted.

use super::{slot, Ctx, Detector, DetectorKind, Finding, Out};
use crate::alert::{severity_floor_score, Severity};
use crate::config::DetectConfig;
use crate::stats::{median_mad, quantile};
use crate::world::{DayStats, World};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, VecDeque};

const METRICS: [&str; 3] = ["distinct customers", "searches", "exported customers"];

fn metrics(d: &DayStats) -> [u32; 3] {
    [d.customers, d.searches, d.exported]
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct PeerDays {
    days: VecDeque<(i64, Vec<[u32; 3]>)>,
    n: usize,
    q: [f64; 3],
    med: [f64; 3],
}

impl PeerDays {
    fn push(&mut self, day: i64, vals: &[[u32; 3]]) {
        self.n += vals.len();
        self.days.push_back((day, vals.to_vec()));
    }

    fn prune(&mut self, from_day: i64) {
        while self.days.front().is_some_and(|d| d.0 < from_day) {
            if let Some(d) = self.days.pop_front() {
                self.n -= d.1.len();
            }
        }
    }

    fn recompute(&mut self, q: f64) {
        for i in 0..3 {
            let mut v: Vec<f64> = self
                .days
                .iter()
                .flat_map(|d| d.1.iter().map(move |x| x[i] as f64))
                .collect();
            self.q[i] = quantile(&mut v, q);
            self.med[i] = quantile(&mut v, 0.5);
        }
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct EmpState {
    day: i64,
    thr: [f64; 3],
    /// Own median, MAD and active days behind the thresholds.
    own: [(f64, f64); 3],
    own_days: u32,
    peer_q: [f64; 3],
    /// 0: quiet today; 1: crossed; 2: doubled; 3: quadrupled.
    level: [u8; 3],
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct VolumeAnomaly {
    emps: Vec<EmpState>,
    peers: FxHashMap<u32, PeerDays>,
    all: PeerDays,
}

impl Detector for VolumeAnomaly {
    fn kind(&self) -> DetectorKind {
        DetectorKind::VolumeAnomaly
    }

    fn observe(&mut self, cx: &Ctx<'_>, out: &mut Out) {
        let cfg = &cx.cfg.volume;
        if !cfg.enabled {
            return;
        }
        let Some(a) = cx.access else { return };
        let w = cx.world;
        let ei = &w.emp[a.emp as usize];
        let group = w.peer(a.emp);
        let (peer, young_group) = match self.peers.get(&group) {
            Some(p) if p.n >= cfg.min_peer_days as usize => (p, None),
            own => (&self.all, own.filter(|p| p.n > 0)),
        };
        let st = slot(&mut self.emps, a.emp);
        if st.day != cx.day {
            *st = EmpState {
                day: cx.day,
                ..Default::default()
            };
            let from = cx.day - cfg.baseline_days as i64;
            let hist: Vec<[u32; 3]> = ei
                .activity
                .history
                .iter()
                .filter(|d| d.day >= from && d.day < cx.day)
                .map(metrics)
                .collect();
            st.own_days = hist.len() as u32;
            let mature = st.own_days >= cfg.min_baseline_days;
            let floors = [cfg.min_customers, cfg.min_searches, cfg.min_exported];
            for i in 0..3 {
                let vals: Vec<f64> = hist.iter().map(|x| x[i] as f64).collect();
                let (med, mad) = median_mad(&vals);
                st.own[i] = (med, mad);
                st.peer_q[i] = match young_group {
                    Some(g) => peer.q[i].max(g.q[i]),
                    None => peer.q[i],
                };
                let floor = floors[i] as f64;
                st.thr[i] = if peer.n < cfg.min_peer_days as usize {
                    // Nobody to compare with yet.
                    f64::INFINITY
                } else if mature {
                    floor
                        .max(cfg.own_factor * med + cfg.mad_k * 1.4826 * mad)
                        .max(st.peer_q[i])
                } else {
                    floor.max(cfg.new_hire_peer_factor * st.peer_q[i])
                };
            }
        }
        let today = metrics(&ei.activity.today);
        for i in 0..3 {
            let v = today[i] as f64;
            let thr = st.thr[i];
            let level = if v > 4.0 * thr {
                3
            } else if v > 2.0 * thr {
                2
            } else if v > thr {
                1
            } else {
                0
            };
            if level <= st.level[i] {
                continue;
            }
            st.level[i] = level;
            let sev = if level >= 2 {
                Severity::High
            } else {
                Severity::Medium
            };
            let emp = w.emp_name(a.emp);
            let mature = st.own_days >= cfg.min_baseline_days;
            let basis = if mature {
                format!(
                    "own median {:.0} over {} active days",
                    st.own[i].0, st.own_days
                )
            } else {
                format!(
                    "new to the job: {} p{:.0}",
                    w.peer_name(group),
                    cfg.peer_quantile * 100.0
                )
            };
            out.findings.push(Finding {
                employee: a.emp,
                detector: DetectorKind::VolumeAnomaly,
                key: String::new(),
                severity: sev,
                score: (severity_floor_score(sev) + 10.0 * (v / thr).log2()).min(100.0),
                summary: format!(
                    "{emp} reached {v:.0} {} in one day, above the threshold of {thr:.0} ({basis}); \
                     review what was accessed and why",
                    METRICS[i]
                ),
                sellers: Vec::new(),
                customers: today[0] as u64,
                evidence: vec![cx.ev.id.to_string()],
                explain: json!({
                    "metric": METRICS[i],
                    "observed": v,
                    "threshold": thr,
                    "baseline": if mature { "own" } else { "peers" },
                    "own_median": st.own[i].0,
                    "own_mad": st.own[i].1,
                    "own_active_days": st.own_days,
                    "peer_group": w.peer_name(group),
                    "peer_quantile": cfg.peer_quantile,
                    "peer_value": st.peer_q[i],
                    "window_days": cfg.baseline_days,
                }),
            });
        }
    }

    fn roll_day(&mut self, world: &World, day: i64, cfg: &DetectConfig) {
        let c = &cfg.volume;
        let mut by_group: BTreeMap<u32, Vec<[u32; 3]>> = BTreeMap::new();
        let mut all = Vec::new();
        let mut finished_day = day - 1;
        for &e in &world.rolled {
            if let Some(d) = world.emp[e as usize].activity.history.back() {
                finished_day = d.day;
                by_group.entry(world.peer(e)).or_default().push(metrics(d));
                all.push(metrics(d));
            }
        }
        let from = day - c.baseline_days as i64;
        if !all.is_empty() {
            self.all.push(finished_day, &all);
        }
        for (g, v) in by_group {
            self.peers.entry(g).or_default().push(finished_day, &v);
        }
        self.all.prune(from);
        self.all.recompute(c.peer_quantile);
        for p in self.peers.values_mut() {
            p.prune(from);
            p.recompute(c.peer_quantile);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;
    use serde_json::json;

    /// `n` agents each seeing `per_day` customers a day (under tickets).
    fn steady(t: &mut Kit, n: usize, per_day: usize, days: usize, skip: Option<&str>) {
        for d in 0..days {
            for a in 0..n {
                let emp = format!("emp-{a}");
                if skip == Some(emp.as_str()) {
                    continue;
                }
                for i in 0..per_day + (a + d) % 5 {
                    let c = format!("cus-{d}-{a}-{i}");
                    let tk = format!("t-{d}-{a}-{i}");
                    t.ticket(&tk, "order_issue", Some(&c), None);
                    t.assign(&emp, &tk);
                    t.view(&emp, &c, Some(&tk));
                }
            }
            t.days(1.0);
        }
    }

    fn setup(n: usize) -> Kit {
        let mut t = Kit::new();
        for a in 0..n {
            t.hire(&format!("emp-{a}"), "cs-agent", "cs-1");
        }
        t
    }

    #[test]
    fn a_burst_far_above_own_and_peer_baseline_fires() {
        let mut t = setup(8);
        steady(&mut t, 8, 30, 10, None);
        assert!(t.alerts_of("volume_anomaly").is_empty(), "{:?}", t.alerts);
        for i in 0..200 {
            t.view("emp-3", &format!("cus-bulk-{i}"), None);
        }
        let a = t.alerts_of("volume_anomaly");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].employee, "emp-3");
        assert_eq!(a[0].explain["baseline"], "own");
    }

    #[test]
    fn a_new_hire_doing_peer_level_work_does_not_fire_but_a_bulk_one_does() {
        let mut t = setup(8);
        steady(&mut t, 8, 30, 10, None);
        t.hire("emp-new", "cs-agent", "cs-1");
        for i in 0..35 {
            t.view("emp-new", &format!("cus-n-{i}"), None);
        }
        assert!(t.alerts_of("volume_anomaly").is_empty());
        t.days(1.0);
        for i in 0..300 {
            t.view("emp-new", &format!("cus-m-{i}"), None);
        }
        let a = t.alerts_of("volume_anomaly");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].explain["baseline"], "peers");
    }

    #[test]
    fn legal_exports_under_a_ticket_are_expected() {
        let mut t = setup(8);
        steady(&mut t, 8, 30, 10, None);
        t.ticket("tkt-legal", "other", None, None);
        t.assign("emp-2", "tkt-legal");
        let hits: Vec<String> = (0..5000).map(|i| format!("cus-l-{i}")).collect();
        t.export(
            "emp-2",
            &hits,
            Some(json!({"ticket": "tkt-legal", "code": "legal"})),
        );
        assert!(t.alerts_of("volume_anomaly").is_empty(), "{:?}", t.alerts);
        // The same export without a purpose is not.
        t.export("emp-4", &hits, None);
        assert!(t
            .alerts_of("volume_anomaly")
            .iter()
            .any(|a| a.employee == "emp-4"));
    }

    /// emp-2 exports 5,000 customers under approval `id` cited first by
    /// `first`.
    fn approved_export(first: &str, id: &str) -> Vec<crate::Alert> {
        let mut t = setup(8);
        steady(&mut t, 8, 30, 10, None);
        let apr = json!({"code": "quality_review", "approval": id});
        let one = vec!["cus-a-0".to_string()];
        t.export(first, &one, Some(apr.clone()));
        let hits: Vec<String> = (0..5000).map(|i| format!("cus-a-{i}")).collect();
        t.export("emp-2", &hits, Some(apr));
        t.alerts_of("volume_anomaly")
    }

    #[test]
    fn an_export_under_ones_own_approval_is_expected_a_borrowed_one_is_not() {
        let a = approved_export("emp-2", "apr-1");
        assert!(a.is_empty(), "{a:?}");
        let a = approved_export("emp-5", "apr-1");
        assert!(a.iter().any(|a| a.employee == "emp-2"), "{a:?}");
        // A blank id names no approval.
        let a = approved_export("emp-2", " ");
        assert!(a.iter().any(|a| a.employee == "emp-2"), "{a:?}");
    }

    /// emp-2 exports 5,000 customers under `apr-1` after the guard
    /// granted `granted` to `to`.
    fn guard_granted_export(granted: &str, to: &str) -> Vec<crate::Alert> {
        let mut t = setup(8);
        steady(&mut t, 8, 30, 10, None);
        t.grant("lead-1", to, granted);
        let hits: Vec<String> = (0..5000).map(|i| format!("cus-g-{i}")).collect();
        let apr = json!({"code": "quality_review", "approval": "apr-1"});
        t.export("emp-2", &hits, Some(apr));
        t.alerts_of("volume_anomaly")
    }

    #[test]
    fn where_the_guard_grants_approvals_only_its_grants_count() {
        assert!(guard_granted_export("apr-1", "emp-2").is_empty());
        // An id the guard never granted, or granted to someone else.
        for (id, to) in [("apr-2", "emp-2"), ("apr-1", "emp-5")] {
            let a = guard_granted_export(id, to);
            assert!(a.iter().any(|a| a.employee == "emp-2"), "{id} {to}: {a:?}");
        }
    }

    #[test]
    fn a_grant_is_read_with_trimmed_ids_and_a_blank_one_changes_nothing() {
        // Blank: no grant, so `apr-1` is taken as stated (emp-2 cites it
        // first) and the export is expected work.
        for (id, to) in [(" ", "emp-2"), ("apr-1", " ")] {
            let a = guard_granted_export(id, to);
            assert!(a.is_empty(), "{id:?} {to:?}: {a:?}");
        }
        // Padded: the guard granted `apr-1` to emp-2.
        assert!(guard_granted_export(" apr-1 ", "emp-2 ").is_empty());
        // A real grant of another id still refutes `apr-1`.
        assert!(!guard_granted_export("apr-2", "emp-2").is_empty());
    }

    /// Analysts whose ordinary day is one cohort of 100 customers, a
    /// role too small for its own quantile yet: judged against all
    /// employees alone, each cohort would cross the threshold; the days
    /// the role has shown so far set a higher one. A pull far beyond
    /// them still fires.
    #[test]
    fn a_young_role_whose_normal_day_is_heavy_is_judged_by_its_own_days() {
        let mut t = setup(40);
        for a in 0..6 {
            t.hire(&format!("ana-{a}"), "analyst", "bizops");
        }
        for d in 0..6 {
            steady(&mut t, 40, 8, 1, None);
            let hits: Vec<String> = (0..100).map(|i| format!("cus-co-{d}-{i}")).collect();
            t.export(&format!("ana-{d}"), &hits, None);
            if d > 0 {
                assert!(
                    t.alerts_of("volume_anomaly").is_empty(),
                    "day {d}: {:?}",
                    t.alerts
                );
            }
            // Day 0 has no finished day to compare with.
            t.alerts.clear();
        }
        let hits: Vec<String> = (0..1000).map(|i| format!("cus-big-{i}")).collect();
        t.export("ana-0", &hits, None);
        let a = t.alerts_of("volume_anomaly");
        assert!(a.iter().any(|a| a.employee == "ana-0"), "{a:?}");
    }
}
