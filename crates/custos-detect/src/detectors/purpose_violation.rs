//! Customer data disclosed without a valid purpose: no ticket, a ticket
//! the engine does not know, someone else's ticket, a ticket about
//! another customer, or one closed longer ago than the grace (a ticket
//! assigned again after its close is open again).
//!
//! Null model: an employee's disclosures violate purpose independently
//! at a rate per disclosure that honest peers reach: the larger of the
//! peer group's (role's) pooled rate over the window (other employees
//! only, shrunk towards the all-employee rate), the `peer_quantile` of
//! the peers' individual rates (employees differ: some take more calls
//! without a ticket), and `min_rate`. The count of violations in the
//! window is then Poisson with mean `rate × disclosures`. One slip never
//! alerts: the count must reach `min_violations` and its Poisson tail
//! must fall below `alpha`. Nor does a habit: where the employee's own
//! rate of violations before the window (decayed, half-life
//! `history_halflife_days`) reaches `habit_rate`, a way of working (calls
//! looked up before any ticket exists, every week), the rate is at least
//! that. A lower own rate is not a floor: a few violations every week
//! is how steady abuse looks too.
//!
//! A team is a peer group too (`team_rate`): the honest rate, overall
//! and per reason, is at least the employee's team-mates' pooled rate in
//! the window, shrunk towards the role's pooled rate by
//! `prior_accesses`. A team that works alike (a night shift taking calls
//! before any ticket exists) explains its members, even when it is a
//! small part of its role; a few team-mates with little work weigh
//! little against the role.
//!
//! The same test runs for the reason of the violation alone (no ticket,
//! unknown ticket, another employee's, closed, about another customer),
//! Bonferroni-corrected for the five reasons, where the peer group is
//! large enough to have its own per-reason quantiles: a harvester who
//! cites its own tickets of other customers makes no more slips than a
//! sloppy colleague, but a kind peers rarely make. Slips come in
//! episodes (two linked accounts checked under one ticket), so this test
//! counts episodes: a cited ticket, or a customer, once per reason in the
//! window. And its rate is also at least the employee's own rate of that
//! reason before the window (decayed, half-life
//! `history_halflife_days`): a habit is not news.
//!
//! A harvest comes in sessions: many customers looked up without a
//! purpose within an hour or a shift, which a seven-day count dilutes
//! with the week's honest work. So the disclosures of the last
//! `burst_hours` (each length in turn) are tested too. One search or
//! export counts at most `burst_query_customers` of its customers (the
//! same ones each time it returns them): the customers one query
//! returns are one choice of the employee's, not many, so an analyst's
//! cohort query is not a session by itself (its size is the volume
//! detector's), while a harvester's few-hit searches count in full. Of
//! the `m` distinct customers so counted in the span, `k` were disclosed
//! only in violation and without a ticket of theirs assigned;
//! under the null each is such a customer with probability `r`, the
//! larger of the honest rate above and the employee's own rate before
//! the window, so `P(X ≥ k)`, `X ~ Binomial(m, r)`, is corrected for the
//! spans of that length in the window and for the lengths tested
//! (a scan over time), and needs `k ≥ burst_min_customers`. With
//! `team_rate`, `r` is also at least the median, over the team-mates
//! who disclosed at least three customers in the same span (three of
//! them or more), of each one's share so disclosed: a training session
//! or an incident lacks tickets for the team at once, while one or two
//! others harvesting beside the employee move no median.
//!
//! A disclosure without any ticket is explained after the fact when,
//! within `explain_after_minutes`, the same employee deletes or
//! restores a review written by that customer: a moderator opens a
//! review's author before acting on the review, and a causal test sees
//! the view first. The violation then leaves every count (it never
//! alerted alone: one slip does not, see above).
//!
//! Break-glass is separate and judged the same way against the peers'
//! break-glass rate (floor `min_break_glass_rate`, level
//! `break_glass_alpha`), and against the team's, since break-glass
//! follows shifts: the quantile of the team's individual rates, or for a
//! team too small for one, the team-mates' pooled rate. At least
//! `break_glass_low_at` uses in the window that honest peers would not
//! explain raise a low alert (medium from `break_glass_medium_at`),
//! updated with each further use. With `break_glass_low_at = 1` every
//! use alerts. An incident has several responders: uses stating the
//! same reason by two or more employees, each within
//! `incident_gap_hours` of the one before, form a shared incident, and
//! its uses (the first responder's earlier ones too) are not counted as
//! anyone's own. One person repeating a reason is not an incident.

use super::{fmt_p, p_json, slot, Ctx, Detector, DetectorKind, Finding, Out};
use crate::access::Verdict;
use crate::alert::{score_from_p, severity_floor_score, Severity};
use crate::config::DetectConfig;
use crate::stats::{binomial_sf_log10, poisson_sf_log10, quantile};
use crate::world::World;
use custos_core::time::{MS_PER_DAY, MS_PER_HOUR};
use custos_core::Action;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, VecDeque};

/// The kinds of violation, each also tested on its own.
const REASONS: [Verdict; 5] = [
    Verdict::NoTicket,
    Verdict::UnknownTicket,
    Verdict::OtherAssignee,
    Verdict::TicketClosed,
    Verdict::WrongCustomer,
];

fn reason_index(v: Verdict) -> Option<usize> {
    REASONS.iter().position(|&r| r == v)
}

/// One day of a [`DayRing`].
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
struct DayCount {
    day: i64,
    v: u64,
    m: u64,
    b: u64,
    by: [u64; 5],
}

/// Violations (in all and by reason), disclosures and break-glass uses
/// per day over a window.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct DayRing {
    days: VecDeque<DayCount>,
    v: u64,
    m: u64,
    b: u64,
    by: [u64; 5],
}

impl DayRing {
    /// One disclosure: `v` whether it violated purpose, `episode` the
    /// reason when it also began a new episode of that reason.
    fn add(&mut self, day: i64, v: u64, episode: Option<usize>, m: u64, b: u64) {
        let reason = episode;
        if self.days.back().is_none_or(|d| d.day != day) {
            self.days.push_back(DayCount {
                day,
                ..Default::default()
            });
        }
        if let Some(d) = self.days.back_mut() {
            d.v += v;
            d.m += m;
            d.b += b;
            if let Some(r) = reason {
                d.by[r] += 1;
            }
        }
        self.v += v;
        self.m += m;
        self.b += b;
        if let Some(r) = reason {
            self.by[r] += 1;
        }
    }

    fn prune(&mut self, from_day: i64) {
        self.prune_into(from_day, None);
    }

    /// Takes back one violation of `day` and the episode it began.
    fn undo(&mut self, day: i64, episode: Option<usize>) {
        let Some(d) = self.days.iter_mut().rev().find(|d| d.day == day) else {
            return;
        };
        if d.v == 0 {
            return;
        }
        d.v -= 1;
        self.v -= 1;
        if let Some(r) = episode.filter(|&r| d.by[r] > 0) {
            d.by[r] -= 1;
            self.by[r] -= 1;
        }
    }

    /// Drops the days before `from_day`, handing them to `history`.
    fn prune_into(&mut self, from_day: i64, mut history: Option<&mut History>) {
        while let Some(d) = self.days.front().copied() {
            if d.day >= from_day {
                break;
            }
            if let Some(h) = history.as_deref_mut() {
                h.m += d.m as f64;
                h.v += d.v as f64;
                for (x, &y) in h.by.iter_mut().zip(&d.by) {
                    *x += y as f64;
                }
            }
            self.v -= d.v;
            self.m -= d.m;
            self.b -= d.b;
            for (x, y) in self.by.iter_mut().zip(d.by) {
                *x -= y;
            }
            self.days.pop_front();
        }
    }
}

/// Disclosures and episodes by reason of the days that left the window,
/// decayed with a half-life of `history_halflife_days`: what the
/// employee usually does.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
struct History {
    m: f64,
    /// Violations (disclosures, not episodes).
    v: f64,
    by: [f64; 5],
}

/// What makes two violations one episode: the cited ticket, else the
/// first customer disclosed.
fn episode_key(a: &crate::access::Access, ev: &custos_core::Event) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    match ev.purpose.as_ref().and_then(|p| p.ticket.as_deref()) {
        Some(t) => (0u8, t).hash(&mut h),
        None => (1u8, a.customers.first().copied()).hash(&mut h),
    }
    h.finish()
}

/// Rates assumed before the stream has shown any: cautious, so the
/// first hours do not alert on what may be normal practice.
const COLD_VIOLATION_RATE: f64 = 0.05;
const COLD_BREAK_GLASS_RATE: f64 = 0.01;

/// The rate per disclosure an honest employee of a peer group may show:
/// the pooled rate of the others (shrunk to the all-employee rate), the
/// peers' individual-rate quantile, and a floor, whichever is largest.
fn honest_rate(
    (peer_x, peer_m): (u64, u64),
    (self_x, self_m): (u64, u64),
    (all_x, all_m): (u64, u64),
    spread: f64,
    prior: f64,
    (floor, cold): (f64, f64),
) -> (f64, f64) {
    // Until the stream has shown enough, assume the cautious `cold` rate.
    let global = (all_x.saturating_sub(self_x) as f64 + 200.0 * cold)
        / (all_m.saturating_sub(self_m) as f64 + 200.0);
    let others_x = peer_x.saturating_sub(self_x) as f64;
    let others_m = peer_m.saturating_sub(self_m) as f64;
    let pooled = (others_x + prior * global) / (others_m + prior);
    (pooled.max(spread).max(floor), pooled)
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct EmpState {
    /// (time, verdict, event id, episode key) of violations in the window.
    violations: VecDeque<(i64, Verdict, Box<str>, u64)>,
    /// Violations without a ticket that an act on the customer's review
    /// may still explain: (time, customer, episode begun, event id).
    unexplained: VecDeque<(i64, u32, Option<usize>, Box<str>)>,
    disclosures: DayRing,
    /// The employee's own days before the window, decayed.
    history: History,
    /// Break-glass uses in the window: (time, event id, stated reason).
    break_glass: VecDeque<(i64, Box<str>, Option<Box<str>>)>,
    /// Customers disclosed in the longest burst span: (time, customer,
    /// disclosed in violation and not explained for them).
    recent: VecDeque<(i64, u32, bool)>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct PurposeViolation {
    emps: Vec<EmpState>,
    peers: FxHashMap<u32, DayRing>,
    all: DayRing,
    /// The `peer_quantile` of individual violation and break-glass
    /// rates, then of each reason's rate, per peer group (with enough
    /// members) and over all employees; set each day.
    peer_hi: FxHashMap<u32, [f64; 7]>,
    all_hi: [f64; 7],
    /// Whether a day has been rolled, so the quantiles mean something.
    hi_ready: bool,
    /// Break-glass is a matter of shift and team (night shifts use it):
    /// the quantile of individual break-glass rates per team.
    team_hi: FxHashMap<u32, f64>,
    /// Disclosures and break-glass uses per team: a team too small for a
    /// quantile still shows whether its shift uses break-glass.
    teams: FxHashMap<u32, DayRing>,
    /// Per team, its members' customers disclosed in the longest burst
    /// span (as [`EmpState::recent`], with the employee), at most
    /// [`MAX_TEAM_RECENT`]: whether team-mates' sessions at the same
    /// hours lacked tickets too.
    team_recent: FxHashMap<u32, TeamRecent>,
    /// Runs of break-glass uses by stated reason (trimmed, lower case),
    /// those ending within the window.
    incidents: FxHashMap<Box<str>, VecDeque<IncidentRun>>,
}

/// Break-glass uses stating one reason, each within the gap of the one
/// before.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct IncidentRun {
    start: i64,
    end: i64,
    last_emp: u32,
    /// A second employee has used it: a shared incident.
    shared: bool,
}

/// Records a break-glass use of `reason` by `emp` at `now`.
fn note_incident(
    incidents: &mut FxHashMap<Box<str>, VecDeque<IncidentRun>>,
    reason: &str,
    emp: u32,
    now: i64,
    gap_ms: i64,
) {
    let runs = incidents.entry(reason.into()).or_default();
    match runs.back_mut() {
        Some(r) if now - r.end <= gap_ms => {
            r.shared |= r.last_emp != emp;
            r.end = now;
            r.last_emp = emp;
        }
        _ => runs.push_back(IncidentRun {
            start: now,
            end: now,
            last_emp: emp,
            shared: false,
        }),
    }
}

/// Whether a use of `reason` at `t` belongs to a shared incident.
fn in_shared_incident(
    incidents: &FxHashMap<Box<str>, VecDeque<IncidentRun>>,
    reason: Option<&str>,
    t: i64,
) -> bool {
    reason
        .and_then(|r| incidents.get(r))
        .is_some_and(|runs| runs.iter().any(|x| x.shared && x.start <= t && t <= x.end))
}

impl Detector for PurposeViolation {
    fn kind(&self) -> DetectorKind {
        DetectorKind::PurposeViolation
    }

    fn observe(&mut self, cx: &Ctx<'_>, out: &mut Out) {
        let cfg = &cx.cfg.purpose_violation;
        if !cfg.enabled {
            return;
        }
        if matches!(cx.ev.action, Action::ReviewDelete | Action::ReviewRestore) {
            self.explain_by_review(cx);
            return;
        }
        let Some(a) = cx.access else { return };
        let from_day = cx.day - cfg.window_days as i64 + 1;
        // The violations counted must cover the days whose disclosures
        // are counted (whole UTC days), or a busy day a week ago would
        // count in one and not the other.
        let from_ms = from_day * MS_PER_DAY;
        let viol = a.verdict.is_violation();
        let glass = a.verdict == Verdict::BreakGlass;
        let group = cx.world.peer(a.emp);
        let reason = reason_index(a.verdict);
        let (v, b) = (viol as u64, glass as u64);
        // Slips come in episodes (a colleague's ticket opened for two
        // linked accounts, a customer's record then order): the reason
        // test counts episodes, a cited ticket or a customer once each.
        let key = episode_key(a, cx.ev);
        let st = slot(&mut self.emps, a.emp);
        while st.violations.front().is_some_and(|x| x.0 < from_ms) {
            st.violations.pop_front();
        }
        let episode =
            reason.filter(|_| !st.violations.iter().any(|x| x.1 == a.verdict && x.3 == key));
        st.disclosures.add(cx.day, v, episode, 1, b);
        st.disclosures.prune_into(from_day, Some(&mut st.history));
        self.all.add(cx.day, v, episode, 1, b);
        self.all.prune(from_day);
        let peer = self.peers.entry(group).or_default();
        peer.add(cx.day, v, episode, 1, b);
        peer.prune(from_day);
        let (peer_v, peer_m, peer_b, peer_by) = (peer.v, peer.m, peer.b, peer.by);
        let team = cx.world.emp[a.emp as usize].team;
        let team_ring = team.map(|t| {
            let r = self.teams.entry(t).or_default();
            r.add(cx.day, v, episode, 1, b);
            r.prune(from_day);
            (r.v, r.b, r.m, r.by)
        });
        let team_glass = team_ring.map(|(_, tb, tm, _)| (tb, tm));
        let st = slot(&mut self.emps, a.emp);
        remember_recent(st, a, viol, cx.now, cfg);
        if let (Some(t), true) = (team, cfg.team_rate) {
            let mates = self.team_recent.entry(t).or_default();
            remember_team_recent(mates, a, viol, cx.now, cfg);
        }
        let ev_id: Box<str> = cx.ev.id.as_str().into();
        let own_group = self.peer_hi.get(&group).copied();
        let mut spread = own_group.unwrap_or(self.all_hi);
        if !self.hi_ready {
            // No finished day yet: individual rates are unknown.
            spread = [COLD_VIOLATION_RATE; 7];
            spread[1] = COLD_BREAK_GLASS_RATE;
        }
        // The team-mates' own rate, when they have disclosed enough.
        let mates_glass = team_glass
            .map(|(tb, tm)| {
                let (mb, mm) = (tb - st.disclosures.b.min(tb), tm - st.disclosures.m.min(tm));
                if mm >= cfg.min_disclosures_for_rate as u64 {
                    mb as f64 / mm as f64
                } else {
                    0.0
                }
            })
            .unwrap_or(0.0);
        let glass_spread = team
            .and_then(|t| self.team_hi.get(&t).copied())
            .unwrap_or(0.0)
            .max(spread[1])
            .max(mates_glass);

        if glass && cfg.break_glass_alert {
            let reason: Option<Box<str>> = cx
                .ev
                .purpose
                .as_ref()
                .and_then(|p| p.reason.as_deref())
                .map(|r| r.trim().to_lowercase())
                .filter(|r| !r.is_empty())
                .map(Into::into);
            if let (Some(r), true) = (&reason, cfg.incident_gap_hours > 0) {
                let gap = cfg.incident_gap_hours as i64 * MS_PER_HOUR;
                note_incident(&mut self.incidents, r, a.emp, cx.now, gap);
            }
            st.break_glass.push_back((cx.now, ev_id.clone(), reason));
            while st.break_glass.front().is_some_and(|b| b.0 < from_ms) {
                st.break_glass.pop_front();
            }
            // Every use counts when every use is to alert.
            let own = |b: &&(i64, Box<str>, Option<Box<str>>)| {
                cfg.break_glass_low_at <= 1
                    || !in_shared_incident(&self.incidents, b.2.as_deref(), b.0)
            };
            let n = st.break_glass.iter().filter(own).count() as u64;
            let (rate, _) = honest_rate(
                (peer_b, peer_m),
                (st.disclosures.b, st.disclosures.m),
                (self.all.b, self.all.m),
                glass_spread,
                cfg.prior_accesses,
                (cfg.min_break_glass_rate, COLD_BREAK_GLASS_RATE),
            );
            let expected = rate * st.disclosures.m as f64;
            let log10_p = poisson_sf_log10(n, expected);
            // `break_glass_low_at = 1` means every use alerts.
            let unusual = cfg.break_glass_low_at <= 1 || log10_p < cfg.break_glass_alpha.log10();
            if n < cfg.break_glass_low_at as u64 || !unusual {
                return;
            }
            let sev = if n >= cfg.break_glass_medium_at as u64 {
                Severity::Medium
            } else {
                Severity::Low
            };
            let emp = cx.world.emp_name(a.emp);
            out.findings.push(Finding {
                employee: a.emp,
                detector: DetectorKind::PurposeViolation,
                key: "break_glass".into(),
                severity: sev,
                score: severity_floor_score(sev) + (n as f64).min(10.0),
                summary: format!(
                    "{emp} used break-glass access {n} time(s) in {} days, peers would {expected:.1}; \
                     confirm each use had an emergency behind it",
                    cfg.window_days
                ),
                sellers: Vec::new(),
                customers: a.customers.len() as u64,
                evidence: st.break_glass.iter().filter(own).map(|x| x.1.to_string()).collect(),
                explain: json!({"kind": "break_glass", "observed": n, "expected": expected,
                    "in_shared_incidents": st.break_glass.len() as u64 - n,
                    "peer_rate": rate, "p_value": p_json(log10_p), "log10_p": log10_p,
                    "alpha": cfg.break_glass_alpha, "peer_group": cx.world.peer_name(group),
                    "window_days": cfg.window_days}),
            });
            return;
        }

        if !viol {
            return;
        }
        if let ([c], Verdict::NoTicket, true) = (
            a.customers.as_slice(),
            a.verdict,
            cfg.explain_after_minutes > 0,
        ) {
            let since = cx.now - cfg.explain_after_minutes as i64 * MS_PER_MINUTE;
            while st.unexplained.front().is_some_and(|x| x.0 < since) {
                st.unexplained.pop_front();
            }
            st.unexplained
                .push_back((cx.now, *c, episode, ev_id.clone()));
        }
        st.violations.push_back((cx.now, a.verdict, ev_id, key));
        let k = st.violations.len() as u64;
        let self_m = st.disclosures.m;
        let (rate, pooled) = honest_rate(
            (peer_v, peer_m),
            (st.disclosures.v, self_m),
            (self.all.v, self.all.m),
            spread[0],
            cfg.prior_accesses,
            (cfg.min_rate, COLD_VIOLATION_RATE),
        );
        // The team-mates' pooled rate, shrunk towards the role's: a team
        // that works alike (a night shift taking calls before tickets
        // exist) explains its members.
        let team_counts = team_ring.filter(|_| cfg.team_rate);
        let mates_rate = |team_x: u64, self_x: u64, role_rate: f64| match team_counts {
            Some((_, _, tm, _)) => {
                let mates_x = team_x.saturating_sub(self_x) as f64;
                let mates_m = tm.saturating_sub(self_m) as f64;
                (mates_x + cfg.prior_accesses * role_rate) / (mates_m + cfg.prior_accesses)
            }
            None => 0.0,
        };
        let rate = rate.max(mates_rate(
            team_counts.map_or(0, |t| t.0),
            st.disclosures.v,
            pooled,
        ));
        let own_rate = if st.history.m >= cfg.min_disclosures_for_rate as f64 {
            st.history.by.iter().sum::<f64>() / st.history.m
        } else {
            0.0
        };
        let mates = team
            .filter(|_| cfg.team_rate)
            .and_then(|t| self.team_recent.get(&t));
        let st = slot(&mut self.emps, a.emp);
        let floor = rate.max(own_rate);
        if let Some(b) = burst_test(&st.recent, (floor, mates, a.emp), cx.now, cfg) {
            let group_name = cx.world.peer_name(group);
            out.findings
                .push(burst_finding(cx, a.emp, &st.violations, b, group_name));
        }
        if k < cfg.min_violations as u64 {
            return;
        }
        // A habit is not news here either: the employee's own rate of
        // violations before the window, where there is enough of it and
        // it is a way of working (`habit_rate`), not a few a week.
        let own_all = Some(st.history)
            .filter(|h| h.m >= cfg.min_disclosures_for_rate as f64)
            .map(|h| h.v / h.m)
            .filter(|&r| cfg.habit_rate > 0.0 && r >= cfg.habit_rate)
            .unwrap_or(0.0);
        let expected = rate.max(own_all) * self_m as f64;
        let lp_all = poisson_sf_log10(k, expected);
        // The same test for this violation's reason alone (Bonferroni
        // over the reasons): one kind of slip that peers never make
        // stands out sooner than all slips together.
        // Only where the peer group is large enough to say how often
        // each kind of slip happens: roles differ most in this.
        let mut by_reason_test = None;
        if let (Some(r), true) = (reason, own_group.is_some() && self.hi_ready) {
            // Episodes of this reason, not accesses.
            let kr = st.disclosures.by[r];
            if kr >= cfg.min_violations as u64 {
                // What this employee did before the window counts too: a
                // lead who checks linked accounts every week is not news.
                let h = &st.history;
                let own = if h.m >= cfg.min_disclosures_for_rate as f64 {
                    h.by[r] / h.m
                } else {
                    0.0
                };
                let (rate_r, pooled_r) = honest_rate(
                    (peer_by[r], peer_m),
                    (kr, self_m),
                    (self.all.by[r], self.all.m),
                    spread[2 + r].max(own),
                    cfg.prior_accesses,
                    (cfg.min_reason_rate, COLD_VIOLATION_RATE),
                );
                let rate_r =
                    rate_r.max(mates_rate(team_counts.map_or(0, |t| t.3[r]), kr, pooled_r));
                let lp =
                    poisson_sf_log10(kr, rate_r * self_m as f64) + (REASONS.len() as f64).log10();
                by_reason_test = Some((lp, r, kr, rate_r * self_m as f64, rate_r));
            }
        }
        let log10_p = match by_reason_test {
            Some(t) => lp_all.min(t.0),
            None => lp_all,
        }
        .min(0.0);
        let log10_alpha = cfg.alpha.log10();
        if log10_p >= log10_alpha {
            return;
        }
        let sev = if k >= cfg.critical_at as u64 {
            Severity::Critical
        } else if k >= cfg.high_at as u64 {
            Severity::High
        } else if k >= cfg.medium_at as u64 {
            Severity::Medium
        } else {
            Severity::Low
        };
        let mut by_kind: BTreeMap<&str, u64> = BTreeMap::new();
        for (_, vd, _, _) in &st.violations {
            *by_kind.entry(vd.as_str()).or_default() += 1;
        }
        let kinds: Vec<String> = by_kind.iter().map(|(k, n)| format!("{k}: {n}")).collect();
        let emp = cx.world.emp_name(a.emp);
        let peer_name = cx.world.peer_name(group);
        out.findings.push(Finding {
            employee: a.emp,
            detector: DetectorKind::PurposeViolation,
            key: String::new(),
            severity: sev,
            score: score_from_p(log10_p, log10_alpha, severity_floor_score(sev)),
            summary: format!(
                "{emp} disclosed customer data {k} times in {} days without a valid ticket ({}); \
                 peers in {peer_name} would explain {expected:.1} (p={}); check each access with the employee",
                cfg.window_days,
                kinds.join(", "),
                fmt_p(log10_p)
            ),
            sellers: Vec::new(),
            customers: k,
            evidence: st.violations.iter().map(|x| x.2.to_string()).collect(),
            explain: json!({
                "null_model": "violations per disclosure occur at the peer group's rate (shrunk to the all-employee rate, floored at min_rate) or the team-mates' (shrunk to the peer group's) if higher, or the employee's own rate before the window if at least habit_rate and higher; count in window ~ Poisson(rate x disclosures); the same for the violation's reason alone, Bonferroni over the 5 reasons; the smaller p-value",
                "observed": k,
                "expected": expected,
                "disclosures": self_m,
                "peer_rate": rate,
                "peer_pooled_rate": pooled,
                "peer_quantile_rate": spread[0],
                "own_rate_before": own_all,
                "peer_group": peer_name,
                "p_value": p_json(log10_p),
                "log10_p": log10_p,
                "log10_p_all_reasons": lp_all,
                "reason_test": by_reason_test.map(|(lp, r, kr, e, rate)| json!({
                    "reason": REASONS[r].as_str(), "observed": kr, "expected": e,
                    "peer_rate": rate, "log10_p_corrected": lp})),
                "alpha": cfg.alpha,
                "by_reason": by_kind,
                "window_days": cfg.window_days,
            }),
        });
    }

    fn roll_day(&mut self, world: &World, day: i64, cfg: &DetectConfig) {
        let c = &cfg.purpose_violation;
        let from_day = day - c.window_days as i64 + 1;
        for p in self.peers.values_mut() {
            p.prune(from_day);
        }
        self.teams.retain(|_, t| {
            t.prune(from_day);
            t.m > 0
        });
        self.team_recent.retain(|_, q| {
            prune_to_span(q, day * MS_PER_DAY, c);
            !q.is_empty()
        });
        let from_ms = from_day * MS_PER_DAY;
        self.incidents.retain(|_, runs| {
            while runs.front().is_some_and(|r| r.end < from_ms) {
                runs.pop_front();
            }
            !runs.is_empty()
        });
        let decay = 0.5f64.powf(1.0 / c.history_halflife_days.max(1) as f64);
        let mut rates: BTreeMap<u32, [Vec<f64>; 7]> = BTreeMap::new();
        let mut team_rates: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
        let mut all: [Vec<f64>; 7] = Default::default();
        for (e, st) in self.emps.iter_mut().enumerate() {
            st.disclosures.prune_into(from_day, Some(&mut st.history));
            st.history.m *= decay;
            st.history.v *= decay;
            for x in &mut st.history.by {
                *x *= decay;
            }
            if st.disclosures.m == 0 {
                st.violations.clear();
                st.break_glass.clear();
                st.violations.shrink_to_fit();
            }
            let d = &st.disclosures;
            if d.m >= c.min_disclosures_for_rate as u64 {
                let m = d.m as f64;
                let mut r = [0.0; 7];
                r[0] = d.v as f64 / m;
                r[1] = d.b as f64 / m;
                for (x, &y) in r[2..].iter_mut().zip(&d.by) {
                    *x = y as f64 / m;
                }
                let g = rates.entry(world.peer(e as u32)).or_default();
                for ((gi, ai), ri) in g.iter_mut().zip(all.iter_mut()).zip(r) {
                    gi.push(ri);
                    ai.push(ri);
                }
                if let Some(t) = world.emp.get(e).and_then(|x| x.team) {
                    team_rates.entry(t).or_default().push(r[1]);
                }
            }
        }
        for (hi, v) in self.all_hi.iter_mut().zip(all.iter_mut()) {
            *hi = quantile(v, c.peer_quantile);
        }
        self.hi_ready = !all[0].is_empty();
        self.peer_hi.clear();
        for (g, mut v) in rates {
            if v[0].len() >= c.min_peer_employees as usize {
                let mut q = [0.0; 7];
                for (qi, vi) in q.iter_mut().zip(v.iter_mut()) {
                    *qi = quantile(vi, c.peer_quantile);
                }
                self.peer_hi.insert(g, q);
            }
        }
        self.team_hi.clear();
        for (t, mut v) in team_rates {
            if v.len() >= c.min_team_employees as usize {
                self.team_hi.insert(t, quantile(&mut v, c.peer_quantile));
            }
        }
    }
}

const MS_PER_MINUTE: i64 = 60_000;

impl PurposeViolation {
    /// A review deleted or restored by an employee explains their
    /// disclosures of its author without a ticket in the minutes before:
    /// those leave the employee's, the peers' and everyone's counts.
    fn explain_by_review(&mut self, cx: &Ctx<'_>) {
        let cfg = &cx.cfg.purpose_violation;
        if cfg.explain_after_minutes == 0 || cx.ev.outcome() != custos_core::Outcome::Allowed {
            return;
        }
        let (Some(e), Some(rid)) = (
            cx.actor_emp(),
            cx.ev.target_id(custos_core::event::TargetType::Review),
        ) else {
            return;
        };
        let Some(author) = cx.world.reviews.get(rid).map(|r| r.author) else {
            return;
        };
        let Some(st) = self.emps.get_mut(e as usize) else {
            return;
        };
        let since = cx.now - cfg.explain_after_minutes as i64 * MS_PER_MINUTE;
        let mut taken = Vec::new();
        st.unexplained.retain(|x| {
            let hit = x.1 == author && x.0 >= since;
            if hit {
                taken.push(x.clone());
            }
            !hit
        });
        if taken.is_empty() {
            return;
        }
        let peer = self.peers.entry(cx.world.peer(e)).or_default();
        let team = cx.world.emp[e as usize].team;
        let mut team_ring = team.and_then(|t| self.teams.get_mut(&t));
        let mut team_recent = team.and_then(|t| self.team_recent.get_mut(&t));
        for (time, customer, episode, event) in taken {
            let day = time.div_euclid(MS_PER_DAY);
            st.violations.retain(|x| x.2 != event);
            st.disclosures.undo(day, episode);
            self.all.undo(day, episode);
            peer.undo(day, episode);
            if let Some(t) = team_ring.as_deref_mut() {
                t.undo(day, episode);
            }
            for r in st.recent.iter_mut() {
                if r.0 == time && r.1 == customer {
                    r.2 = false;
                }
            }
            // In time order: only the newest entries can be this access's.
            let entries = team_recent.iter_mut().flat_map(|q| q.iter_mut().rev());
            for r in entries.take_while(|r| r.0 >= time) {
                if r.0 == time && r.1 == e {
                    r.2 = false;
                }
            }
        }
    }
}

/// Customers remembered per employee for the burst test.
const MAX_RECENT: usize = 4096;

/// Notes the access's customers for the burst test (see [`counted`])
/// and forgets those older than the longest span; at most
/// [`MAX_RECENT`], the oldest kept.
fn remember_recent(
    st: &mut EmpState,
    a: &crate::access::Access,
    viol: bool,
    now: i64,
    cfg: &crate::config::PurposeViolationConfig,
) {
    prune_to_span(&mut st.recent, now, cfg);
    for (c, v) in counted(a, viol, cfg) {
        if st.recent.len() >= MAX_RECENT {
            break;
        }
        st.recent.push_back((now, c, v));
    }
}

/// The access's customers the burst test counts, each with whether it
/// was disclosed in violation and not explained for them: at most
/// `burst_query_customers` of them, the lowest numbered, so a query
/// repeated or exported counts the same ones.
fn counted<'a>(
    a: &'a crate::access::Access,
    viol: bool,
    cfg: &crate::config::PurposeViolationConfig,
) -> impl Iterator<Item = (u32, bool)> + 'a {
    let n = if cfg.burst_hours.is_empty() {
        0
    } else {
        cfg.burst_query_customers as usize
    };
    a.customers
        .iter()
        .zip(&a.explained)
        .take(n)
        .map(move |(&c, &explained)| (c, viol && !explained))
}

/// Drops the entries (time first) older than the longest burst span
/// before `now`.
fn prune_to_span(
    recent: &mut VecDeque<(i64, u32, bool)>,
    now: i64,
    cfg: &crate::config::PurposeViolationConfig,
) {
    let longest = cfg.burst_hours.iter().max().copied().unwrap_or(0) as i64;
    let from = now - longest * MS_PER_HOUR;
    while recent.front().is_some_and(|x| x.0 < from) {
        recent.pop_front();
    }
}

/// A team's customers disclosed in the longest burst span, one entry
/// each: (time, employee, disclosed in violation and not explained).
type TeamRecent = VecDeque<(i64, u32, bool)>;

/// Entries of a [`TeamRecent`].
const MAX_TEAM_RECENT: usize = 8192;

/// Notes access `a` of a team's member in its `recent` (see
/// [`remember_recent`]), dropping the oldest beyond [`MAX_TEAM_RECENT`].
fn remember_team_recent(
    recent: &mut TeamRecent,
    a: &crate::access::Access,
    viol: bool,
    now: i64,
    cfg: &crate::config::PurposeViolationConfig,
) {
    prune_to_span(recent, now, cfg);
    for (_, v) in counted(a, viol, cfg) {
        if recent.len() >= MAX_TEAM_RECENT {
            recent.pop_front();
        }
        recent.push_back((now, a.emp, v));
    }
}

/// Team-mates (of `emp`) who disclosed at least this many customers in
/// a span, and how many of them the median needs.
const MATE_MIN_CUSTOMERS: u32 = 3;
const MATES_MIN: usize = 3;

/// The median, over the team-mates of `emp` who disclosed at least
/// [`MATE_MIN_CUSTOMERS`] customers since `from`, of each one's share of
/// them disclosed without a purpose; 0 with fewer than [`MATES_MIN`]
/// such mates.
fn mates_median(recent: &TeamRecent, from: i64, emp: u32) -> f64 {
    let mut by: FxHashMap<u32, (u32, u32)> = FxHashMap::default();
    for x in recent.iter().rev().take_while(|x| x.0 >= from) {
        if x.1 != emp {
            let c = by.entry(x.1).or_default();
            c.0 += u32::from(x.2);
            c.1 += 1;
        }
    }
    let mut shares: Vec<f64> = by
        .values()
        .filter(|c| c.1 >= MATE_MIN_CUSTOMERS)
        .map(|c| f64::from(c.0) / f64::from(c.1))
        .collect();
    if shares.len() < MATES_MIN {
        return 0.0;
    }
    shares.sort_by(f64::total_cmp);
    shares[shares.len() / 2]
}

/// The most significant span of the burst test, if below `alpha`.
#[derive(Clone, Copy, Debug)]
struct Burst {
    hours: u32,
    k: u64,
    m: u64,
    rate: f64,
    log10_p: f64,
    log10_p_corrected: f64,
}

fn burst_test(
    recent: &VecDeque<(i64, u32, bool)>,
    (floor, mates, emp): (f64, Option<&TeamRecent>, u32),
    now: i64,
    cfg: &crate::config::PurposeViolationConfig,
) -> Option<Burst> {
    let lengths = cfg.burst_hours.len().max(1) as f64;
    let mut best: Option<Burst> = None;
    for &hours in &cfg.burst_hours {
        let from = now - hours as i64 * MS_PER_HOUR;
        // A customer counts as a violation only when every disclosure
        // of them in the span was one.
        let mut seen: FxHashMap<u32, bool> = FxHashMap::default();
        for &(_, c, v) in recent.iter().rev().take_while(|x| x.0 >= from) {
            seen.entry(c).and_modify(|x| *x &= v).or_insert(v);
        }
        let m = seen.len() as u64;
        let k = seen.values().filter(|&&v| v).count() as u64;
        if k < cfg.burst_min_customers as u64 {
            continue;
        }
        // What the team did in the same span: a training session or an
        // incident lacks tickets for most of it at once. The median of
        // the active team-mates' shares of customers disclosed without
        // a purpose, so that one or two others harvesting beside the
        // employee explain nothing.
        let rate = floor.max(mates.map_or(0.0, |q| mates_median(q, from, emp)));
        let spans = (cfg.window_days as f64 * 24.0 / hours.max(1) as f64).max(1.0);
        let log10_p = binomial_sf_log10(k, m, rate.clamp(1e-9, 0.999));
        let corrected = (log10_p + spans.log10() + lengths.log10()).min(0.0);
        if best.is_none_or(|b| corrected < b.log10_p_corrected) {
            best = Some(Burst {
                hours,
                k,
                m,
                rate,
                log10_p,
                log10_p_corrected: corrected,
            });
        }
    }
    best.filter(|b| b.log10_p_corrected < cfg.alpha.log10())
}

fn burst_finding(
    cx: &Ctx<'_>,
    emp: u32,
    violations: &VecDeque<(i64, Verdict, Box<str>, u64)>,
    b: Burst,
    peer_name: &str,
) -> Finding {
    let cfg = &cx.cfg.purpose_violation;
    let from = cx.now - b.hours as i64 * MS_PER_HOUR;
    let evidence: Vec<String> = violations
        .iter()
        .filter(|x| x.0 >= from)
        .map(|x| x.2.to_string())
        .collect();
    let sev = if b.k >= cfg.high_at as u64 {
        Severity::High
    } else {
        Severity::Medium
    };
    let name = cx.world.emp_name(emp);
    let expected = b.rate * b.m as f64;
    Finding {
        employee: emp,
        detector: DetectorKind::PurposeViolation,
        key: String::new(),
        severity: sev,
        score: score_from_p(b.log10_p_corrected, cfg.alpha.log10(), severity_floor_score(sev)),
        summary: format!(
            "{name} looked up {} customers without a valid ticket within {} hour(s), of {} disclosed; \
             peers in {peer_name} would explain {expected:.1} (p={}): a possible harvesting session",
            b.k,
            b.hours,
            b.m,
            fmt_p(b.log10_p_corrected)
        ),
        sellers: Vec::new(),
        customers: b.k,
        evidence,
        explain: json!({
            "kind": "burst",
            "null_model": "each distinct customer disclosed in the span (at most burst_query_customers of one search or export) is a violation (disclosed only without a valid purpose, no ticket of theirs assigned) with probability r = max(honest peer rate, team-mates' rate, own rate before the window, median active team-mate's share in the span); k ~ Binomial(m, r); corrected for the spans of this length in the window and the lengths tested",
            "hours": b.hours,
            "observed": b.k,
            "customers_disclosed": b.m,
            "expected": expected,
            "rate": b.rate,
            "p_value": p_json(b.log10_p),
            "log10_p": b.log10_p,
            "p_adjusted": p_json(b.log10_p_corrected),
            "log10_p_adjusted": b.log10_p_corrected,
            "alpha": cfg.alpha,
            "peer_group": peer_name,
        }),
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;
    use crate::Severity;
    use serde_json::json;

    /// Honest agents working tickets, with an occasional slip.
    /// `agents` employees `emp-0..` of one role and team, hired, then
    /// [`honest_floor`] for `days`.
    fn staffed(agents: usize, role: &str, team: &str, days: usize) -> Kit {
        let mut t = Kit::new();
        for a in 0..agents {
            t.hire(&format!("emp-{a}"), role, team);
        }
        honest_floor(&mut t, agents, days);
        t
    }

    fn honest_floor(t: &mut Kit, agents: usize, days: usize) {
        for d in 0..days {
            for a in 0..agents {
                let emp = format!("emp-{a}");
                for i in 0..20 {
                    let c = format!("cus-{d}-{a}-{i}");
                    let tk = format!("tkt-{d}-{a}-{i}");
                    t.ticket(&tk, "order_issue", Some(&c), Some("sel-1"));
                    t.assign(&emp, &tk);
                    t.view(&emp, &c, Some(&tk));
                }
                if (d + a) % 3 == 0 {
                    t.view(&emp, &format!("cus-slip-{d}-{a}"), None);
                }
            }
            t.days(1.0);
        }
    }

    /// Twenty day agents work tickets with rare slips; two night agents
    /// of the same role, a team of their own, look up six callers a day
    /// before any ticket exists.
    fn night_shift(team_rate: bool) -> Vec<crate::Alert> {
        let mut cfg = crate::DetectConfig::default();
        cfg.purpose_violation.team_rate = team_rate;
        let mut t = Kit::with(cfg);
        for a in 0..22 {
            let team = if a < 2 { "cs-night" } else { "cs-day" };
            t.hire(&format!("emp-{a}"), "cs-agent", team);
        }
        for d in 0..10 {
            for a in 0..22 {
                let emp = format!("emp-{a}");
                for i in 0..20 {
                    let c = format!("cus-{d}-{a}-{i}");
                    let tk = format!("tkt-{d}-{a}-{i}");
                    t.ticket(&tk, "order_issue", Some(&c), Some("sel-1"));
                    t.assign(&emp, &tk);
                    t.view(&emp, &c, Some(&tk));
                }
                let calls = if a < 2 {
                    6
                } else {
                    usize::from((d + a) % 3 == 0)
                };
                for i in 0..calls {
                    t.view(&emp, &format!("cus-call-{d}-{a}-{i}"), None);
                }
            }
            t.days(1.0);
        }
        t.alerts_of("purpose_violation")
    }

    #[test]
    fn a_team_that_works_alike_explains_its_members() {
        assert!(night_shift(true).is_empty(), "{:?}", night_shift(true));
        // Against the role alone, the night agents stand out.
        let a = night_shift(false);
        assert!(
            a.iter().any(|x| x.employee == "emp-0") && a.iter().any(|x| x.employee == "emp-1"),
            "{a:?}"
        );
    }

    /// A week of twelve agents of one team at work from tickets, then
    /// six of them practise on eight customers each within the hour (a
    /// training session), no ticket among them.
    fn training_session(team_rate: bool) -> Vec<crate::Alert> {
        let mut cfg = crate::DetectConfig::default();
        cfg.purpose_violation.team_rate = team_rate;
        let mut t = Kit::with(cfg);
        for a in 0..12 {
            t.hire(&format!("emp-{a}"), "cs-agent", "cs-1");
        }
        honest_floor(&mut t, 12, 7);
        for i in 0..8 {
            for n in 0..6 {
                t.view(&format!("emp-{n}"), &format!("cus-t{n}-{i}"), None);
            }
            t.hours(5.0 / 60.0);
        }
        t.alerts_of("purpose_violation")
    }

    #[test]
    fn a_session_the_team_has_at_once_is_no_harvest() {
        assert!(
            training_session(true).is_empty(),
            "{:?}",
            training_session(true)
        );
        // The team's week, mostly ticketed, does not explain it: the
        // same hours of the team-mates do.
        let a = training_session(false);
        assert!(a.iter().any(|x| x.explain["kind"] == "burst"), "{a:?}");
    }

    #[test]
    fn honest_agents_with_rare_slips_do_not_fire() {
        let t = staffed(6, "cs-agent", "cs-1", 14);
        assert!(
            t.alerts_of("purpose_violation").is_empty(),
            "{:?}",
            t.alerts
        );
    }

    #[test]
    fn repeated_access_without_purpose_fires_with_severity_by_count() {
        let mut t = staffed(6, "cs-agent", "cs-1", 7);
        // emp-0 now looks up customers with other people's or no tickets.
        t.hire("emp-other", "cs-agent", "cs-2");
        t.ticket("tkt-x", "order_issue", Some("cus-x"), None);
        t.assign("emp-other", "tkt-x");
        for i in 0..30 {
            if i % 2 == 0 {
                t.view("emp-0", &format!("cus-v{i}"), None);
            } else {
                t.view("emp-0", &format!("cus-v{i}"), Some("tkt-x"));
            }
            t.hours(0.2);
        }
        let a = t.alerts_of("purpose_violation");
        assert_eq!(a.len(), 1, "{a:?}");
        assert_eq!(a[0].employee, "emp-0");
        assert!(a[0].severity >= Severity::High);
        assert!(
            a[0].explain["by_reason"]["ticket_of_another_employee"]
                .as_u64()
                .unwrap()
                >= 10
        );
        // Raised once, then updated under the same id.
        assert_eq!(
            t.raised
                .iter()
                .filter(|r| r.detector == "purpose_violation")
                .count(),
            1
        );
    }

    /// Twelve agents with their tickets and a phone call a day without
    /// one; for the last 7 days `emp-0` instead opens, once a day, a
    /// customer under one of its own tickets about someone else: as many
    /// slips as its peers, of a kind they never make. With `one_ticket`
    /// those lookups hang off two tickets (two linked-account checks):
    /// two episodes. With `habit` it did the same every other day for
    /// four weeks before.
    fn other_customers_under_own_tickets(one_ticket: bool, habit: bool) -> Kit {
        let mut t = Kit::new();
        for a in 0..12 {
            t.hire(&format!("emp-{a}"), "cs-agent", "cs-1");
        }
        let before = if habit { 28 } else { 1 };
        for d in 0..before + 7 {
            for a in 0..12 {
                let emp = format!("emp-{a}");
                for i in 0..20 {
                    let (c, tk) = (format!("cus-{d}-{a}-{i}"), format!("tkt-{d}-{a}-{i}"));
                    t.ticket(&tk, "order_issue", Some(&c), None);
                    t.assign(&emp, &tk);
                    t.view(&emp, &c, Some(&tk));
                }
                let other = a == 0 && (d >= before || (habit && d % 2 == 0));
                if !other {
                    t.view(&emp, &format!("cus-call-{d}-{a}"), None);
                } else {
                    let tk = if one_ticket {
                        format!("tkt-{}-0-0", d / 4)
                    } else {
                        format!("tkt-{d}-0-0")
                    };
                    t.view(&emp, &format!("cus-other-{d}"), Some(&tk));
                }
            }
            t.days(1.0);
        }
        t
    }

    /// Thirty agents with their tickets and a call every eighth day
    /// without one; `emp-0` takes `calls` calls a day without a ticket,
    /// for the five weeks (`habit`) or only the last one. The findings
    /// of the last two weeks about the count of violations.
    fn calls_without_tickets(calls: usize, habit: bool) -> Vec<crate::Alert> {
        let mut t = Kit::new();
        for a in 0..30 {
            t.hire(&format!("emp-{a}"), "cs-agent", "cs-1");
        }
        let mut late = Vec::new();
        for d in 0..35 {
            for a in 0..30 {
                let emp = format!("emp-{a}");
                for i in 0..10 {
                    let (c, tk) = (format!("cus-{d}-{a}-{i}"), format!("tkt-{d}-{a}-{i}"));
                    t.ticket(&tk, "order_issue", Some(&c), None);
                    t.assign(&emp, &tk);
                    t.view(&emp, &c, Some(&tk));
                }
                let n = match (a, habit || d >= 28) {
                    (0, true) => calls,
                    _ => usize::from(d % 8 == a % 8),
                };
                for i in 0..n {
                    let out = t.view(&emp, &format!("cus-call-{d}-{a}-{i}"), None);
                    if d >= 21 {
                        late.extend(out.into_iter().filter(|x| {
                            x.detector == "purpose_violation" && x.explain["kind"].is_null()
                        }));
                    }
                }
            }
            t.days(1.0);
        }
        late
    }

    /// Sixty agents working tickets, and five auditors (a small role)
    /// whose whole job is three sample look-ups a day without a ticket,
    /// for two weeks; plus `odd`, an agent making the same look-ups.
    fn audits_without_tickets() -> Vec<crate::Alert> {
        let mut t = Kit::new();
        for a in 0..60 {
            t.hire(&format!("emp-{a}"), "cs-agent", &format!("cs-{}", a % 6));
        }
        for a in 0..5 {
            t.hire(&format!("aud-{a}"), "auditor", "audit");
        }
        t.hire("odd", "cs-agent", "cs-0");
        for d in 0..14 {
            for a in 0..60 {
                let (emp, c, tk) = (
                    format!("emp-{a}"),
                    format!("cus-{d}-{a}"),
                    format!("t-{d}-{a}"),
                );
                t.ticket(&tk, "order_issue", Some(&c), None);
                t.assign(&emp, &tk);
                for _ in 0..3 {
                    t.view(&emp, &c, Some(&tk));
                }
            }
            for who in (0..5).map(|a| format!("aud-{a}")).chain(["odd".to_owned()]) {
                for i in 0..3 {
                    t.view(&who, &format!("cus-{who}-{d}-{i}"), None);
                }
            }
            t.days(1.0);
        }
        t.alerts_of("purpose_violation")
    }

    #[test]
    fn a_small_role_that_works_without_tickets_is_judged_by_its_own_rate() {
        let a = audits_without_tickets();
        assert!(
            a.iter().all(|x| !x.employee.starts_with("aud-")),
            "{:?}",
            a.iter()
                .map(|x| (&x.employee, &x.summary))
                .collect::<Vec<_>>()
        );
        // The same look-ups by one of sixty agents who work tickets.
        assert!(a.iter().any(|x| x.employee == "odd"), "{a:?}");
    }

    /// Eight engineers whose whole job is looking up test records
    /// without a ticket (ten a day at 09:00, two weeks); `qa-0` also looks
    /// up a hundred on day 6 at 16:00 and on day 13 at 09:00.
    #[test]
    fn a_week_counts_violations_and_disclosures_over_the_same_days() {
        let mut t = Kit::new();
        for a in 0..8 {
            t.hire(&format!("qa-{a}"), "qa-engineer", "qa");
        }
        let run = |t: &mut Kit, who: &str, tag: &str, n: usize| {
            let mut out = Vec::new();
            for i in 0..n {
                out.extend(t.view(who, &format!("cus-{who}-{tag}-{i}"), None));
            }
            out
        };
        let mut late = Vec::new();
        for d in 0..14 {
            t.hours(1.0);
            for a in 0..8 {
                run(&mut t, &format!("qa-{a}"), &format!("{d}"), 10);
            }
            if d == 13 {
                late = run(&mut t, "qa-0", "late", 100);
            }
            let mut rest = 23.0;
            if d == 6 {
                t.hours(7.0);
                run(&mut t, "qa-0", "early", 100);
                rest -= 7.0;
            }
            t.hours(rest);
        }
        // On day 13 in the morning the hundred of day 6 are within seven
        // times 24 hours but on a day whose disclosures have left the
        // window: they count in neither.
        late.retain(|a| a.detector == "purpose_violation");
        assert!(late.is_empty(), "{late:?}");
    }

    #[test]
    fn a_habit_of_calls_without_tickets_is_no_news_a_new_one_is() {
        // Six of sixteen disclosures a day: a way of working.
        assert!(calls_without_tickets(6, true).is_empty());
        let a = calls_without_tickets(6, false);
        assert!(!a.is_empty());
        assert!(a.iter().all(|x| x.employee == "emp-0"), "{a:?}");
        // Two of twelve every day is below `habit_rate`: still counted.
        let a = calls_without_tickets(2, true);
        assert!(!a.is_empty());
        assert!(a.iter().all(|x| x.employee == "emp-0"), "{a:?}");
    }

    #[test]
    fn a_kind_of_slip_peers_never_make_stands_out_on_its_own() {
        let t = other_customers_under_own_tickets(false, false);
        let a = t.alerts_of("purpose_violation");
        assert_eq!(a.len(), 1, "{a:?}");
        assert_eq!(a[0].employee, "emp-0");
        let x = &a[0].explain;
        assert_eq!(x["reason_test"]["reason"], "ticket_about_another_customer");
        assert!(x["log10_p_all_reasons"].as_f64().unwrap() > -3.0);
    }

    #[test]
    fn one_episode_of_linked_lookups_counts_once() {
        let t = other_customers_under_own_tickets(true, false);
        assert!(
            t.alerts_of("purpose_violation").is_empty(),
            "{:?}",
            t.alerts
        );
    }

    #[test]
    fn a_kind_of_slip_the_employee_always_makes_is_no_news() {
        let t = other_customers_under_own_tickets(false, true);
        assert!(
            t.alerts_of("purpose_violation").is_empty(),
            "{:?}",
            t.alerts
        );
    }

    #[test]
    fn break_glass_is_judged_against_the_team_even_a_small_one() {
        let mut t = Kit::new();
        for a in 0..30 {
            t.hire(&format!("emp-{a}"), "cs-agent", "cs-day");
        }
        for n in 0..3 {
            t.hire(&format!("emp-n{n}"), "cs-agent", "cs-night");
        }
        let glass = || json!({"code": "break_glass", "reason": "account takeover"});
        for d in 0..7 {
            for a in (0..30)
                .map(|a| format!("emp-{a}"))
                .chain((0..3).map(|n| format!("emp-n{n}")))
            {
                for i in 0..20 {
                    let (c, tk) = (format!("cus-{d}-{a}-{i}"), format!("tkt-{d}-{a}-{i}"));
                    t.ticket(&tk, "order_issue", Some(&c), None);
                    t.assign(&a, &tk);
                    t.view(&a, &c, Some(&tk));
                }
            }
            // The night shift takes the emergencies.
            for n in 0..3 {
                t.view_purpose(&format!("emp-n{n}"), &format!("cus-bg-{d}-{n}"), glass());
            }
            t.days(1.0);
        }
        assert!(
            t.alerts_of("purpose_violation").is_empty(),
            "{:?}",
            t.alerts
        );
        // A day agent whose team-mates never need it.
        for i in 0..8 {
            t.view_purpose("emp-3", &format!("cus-x-{i}"), glass());
        }
        let a = t.alerts_of("purpose_violation");
        assert_eq!(a.len(), 1, "{a:?}");
        assert_eq!(a[0].employee, "emp-3");
    }

    #[test]
    fn closed_tickets_within_grace_are_fine_but_not_long_after() {
        let mut t = Kit::new();
        t.ticket("tkt-1", "order_issue", Some("cus-1"), None);
        t.assign("emp-1", "tkt-1");
        t.close("tkt-1");
        t.hours(10.0);
        for _ in 0..10 {
            t.view("emp-1", "cus-1", Some("tkt-1"));
        }
        assert!(t.alerts_of("purpose_violation").is_empty());
        t.days(10.0);
        for _ in 0..12 {
            t.view("emp-1", "cus-1", Some("tkt-1"));
        }
        let a = t.alerts_of("purpose_violation");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].explain["by_reason"]["ticket_closed"], 12);
    }

    /// Ten days after emp-2 of the front line closed tkt-1, the ticket is
    /// assigned again, to the investigator emp-1 (`reassigned`) or to
    /// emp-2, and emp-1 works it.
    fn closed_then(reassigned: bool) -> Vec<crate::Alert> {
        let mut t = Kit::new();
        t.ticket("tkt-1", "fraud_report", Some("cus-1"), None);
        t.assign("emp-2", "tkt-1");
        t.close("tkt-1");
        t.days(10.0);
        let who = if reassigned { "emp-1" } else { "emp-2" };
        t.assign(who, "tkt-1");
        for _ in 0..12 {
            t.view("emp-1", "cus-1", Some("tkt-1"));
        }
        t.alerts_of("purpose_violation")
    }

    #[test]
    fn a_closed_ticket_assigned_again_is_open_again() {
        assert!(closed_then(true).is_empty());
        // Assigned to someone else: still another employee's ticket.
        let a = closed_then(false);
        assert_eq!(a.len(), 1, "{a:?}");
        assert_eq!(a[0].explain["by_reason"]["ticket_of_another_employee"], 12);
    }

    #[test]
    fn repeated_break_glass_raises_a_low_then_medium_alert() {
        let mut t = Kit::new();
        let glass = || json!({"code": "break_glass", "reason": "outage"});
        for _ in 0..4 {
            t.view_purpose("emp-1", "cus-1", glass());
        }
        assert!(t.alerts_of("purpose_violation").is_empty());
        t.view_purpose("emp-1", "cus-1", glass());
        let a = t.alerts_of("purpose_violation");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].severity, Severity::Low);
        for _ in 0..3 {
            t.view_purpose("emp-1", "cus-2", glass());
        }
        let a = t.alerts_of("purpose_violation");
        assert_eq!(a.len(), 1, "updated, not repeated");
        assert_eq!(a[0].severity, Severity::Medium);
    }

    #[test]
    fn responders_to_one_incident_are_not_each_unusual() {
        let glass = || json!({"code": "break_glass", "reason": "INC-7 payments down"});
        let mut t = Kit::new();
        // The first responder works alone for a while, then a second joins.
        for i in 0..4 {
            t.view_purpose("emp-1", &format!("cus-{i}"), glass());
            t.hours(0.1);
        }
        for i in 0..12 {
            let who = if i % 2 == 0 { "emp-2" } else { "emp-1" };
            t.view_purpose(who, &format!("cus-x{i}"), glass());
            t.hours(0.1);
        }
        assert!(
            t.alerts_of("purpose_violation").is_empty(),
            "{:?}",
            t.alerts
        );
    }

    #[test]
    fn a_reason_another_used_hours_before_is_no_shared_incident() {
        let glass = || json!({"code": "break_glass", "reason": " Outage "});
        let mut t = Kit::new();
        t.view_purpose(
            "emp-2",
            "cus-0",
            json!({"code": "break_glass", "reason": "outage"}),
        );
        t.hours(5.0);
        for i in 0..5 {
            t.view_purpose("emp-1", &format!("cus-{i}"), glass());
        }
        let a = t.alerts_of("purpose_violation");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].explain["in_shared_incidents"], 0);
        // A colleague joining now makes the run shared; the alert stays
        // (alerts are never withdrawn) but counts no further uses.
        t.view_purpose(
            "emp-2",
            "cus-9",
            json!({"code": "break_glass", "reason": "outage"}),
        );
        t.view_purpose("emp-1", "cus-10", glass());
        let a = t.alerts_of("purpose_violation");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].explain["observed"], 5);
    }

    #[test]
    fn every_break_glass_use_alerts_when_configured() {
        let mut cfg = crate::DetectConfig::default();
        cfg.purpose_violation.break_glass_low_at = 1;
        let mut t = Kit::with(cfg);
        t.view_purpose("emp-1", "cus-1", json!({"code": "break_glass"}));
        assert_eq!(t.alerts_of("purpose_violation").len(), 1);
    }

    #[test]
    fn a_team_mates_ticket_about_the_customer_is_not_a_violation() {
        let mut t = Kit::new();
        t.hire("emp-lead", "team-lead", "cs-1");
        t.hire("emp-a", "cs-agent", "cs-1");
        for i in 0..20 {
            let (c, tk) = (format!("cus-{i}"), format!("tkt-{i}"));
            t.ticket(&tk, "order_issue", Some(&c), None);
            t.assign("emp-a", &tk);
            t.view("emp-lead", &c, Some(&tk));
        }
        assert!(t.alerts_of("purpose_violation").is_empty());
    }

    /// Twelve agents with their tickets for a week, then `emp-0` looks
    /// up customers without a ticket a minute apart.
    #[test]
    fn a_lookup_session_without_tickets_fires_within_the_hour() {
        let mut t = staffed(12, "cs-agent", "cs-1", 7);
        for i in 0..5 {
            t.view("emp-0", &format!("cus-h{i}"), None);
            t.hours(1.0 / 60.0);
        }
        assert!(
            t.alerts_of("purpose_violation").is_empty(),
            "below burst_min_customers"
        );
        for i in 5..8 {
            t.view("emp-0", &format!("cus-h{i}"), None);
            t.hours(1.0 / 60.0);
        }
        let a = t.alerts_of("purpose_violation");
        assert_eq!(a.len(), 1, "{a:?}");
        assert_eq!(a[0].employee, "emp-0");
        assert_eq!(a[0].explain["kind"], "burst");
        assert_eq!(a[0].explain["observed"], 8);
        assert_eq!(a[0].evidence.len(), 8);
    }

    /// A busy day of 300 ticketed customers with 7 slips among them is
    /// the peers' slip rate, not a session: the burst test weighs the
    /// slips against everything disclosed in the span.
    #[test]
    fn slips_among_a_busy_shift_of_ticketed_work_do_not_fire() {
        let mut t = staffed(12, "cs-agent", "cs-1", 7);
        for i in 0..300 {
            let (c, tk) = (format!("cus-busy-{i}"), format!("tkt-busy-{i}"));
            t.ticket(&tk, "order_issue", Some(&c), Some("sel-1"));
            t.assign("emp-0", &tk);
            t.view("emp-0", &c, Some(&tk));
            if i % 43 == 42 {
                t.view("emp-0", &format!("cus-busy-slip-{i}"), None);
            }
            t.hours(7.0 / 300.0);
        }
        assert!(
            t.alerts_of("purpose_violation").is_empty(),
            "{:?}",
            t.alerts
        );
    }

    /// One search returning a cohort without a ticket counts a handful
    /// of its customers, however many it returns; six such searches in
    /// an hour by someone whose peers work from tickets are a session.
    #[test]
    fn a_query_counts_a_handful_of_its_customers_in_the_burst_test() {
        let mut t = staffed(12, "cs-agent", "cs-1", 7);
        let cohort: Vec<String> = (0..120).map(|i| format!("cus-c{i}")).collect();
        let hits: Vec<&str> = cohort.iter().map(String::as_str).collect();
        t.search("emp-0", &hits, None);
        let bursts = |t: &Kit| -> Vec<_> {
            t.alerts_of("purpose_violation")
                .into_iter()
                .filter(|a| a.explain["kind"] == "burst")
                .collect()
        };
        assert!(bursts(&t).is_empty(), "{:?}", bursts(&t));
        for q in 0..6 {
            t.hours(5.0 / 60.0);
            let more: Vec<String> = (0..20).map(|i| format!("cus-q{q}-{i}")).collect();
            let hits: Vec<&str> = more.iter().map(String::as_str).collect();
            t.search("emp-0", &hits, None);
        }
        let bursts = bursts(&t);
        assert_eq!(bursts.len(), 1, "{:?}", t.alerts);
        assert!(
            bursts[0].explain["observed"].as_u64() >= Some(6),
            "{bursts:?}"
        );
    }

    /// A lead's quality review of closed tickets and of other teams'
    /// tickets, each about the customer disclosed, is review work; the
    /// same code citing a ticket about someone else, or a ticket that
    /// names only a seller, is not.
    #[test]
    fn quality_review_of_a_ticket_about_the_customer_is_not_a_violation() {
        let mut t = Kit::new();
        for a in 0..6 {
            t.hire(&format!("emp-{a}"), "cs-agent", "cs-1");
        }
        t.hire("emp-x", "cs-agent", "cs-2");
        t.hire("emp-qa", "team-lead", "care-qa");
        honest_floor(&mut t, 6, 7);
        for i in 0..30 {
            let (c, tk) = (format!("cus-r{i}"), format!("tkt-r{i}"));
            t.ticket(&tk, "order_issue", Some(&c), None);
            t.assign(if i % 2 == 0 { "emp-0" } else { "emp-x" }, &tk);
            if i % 3 == 0 {
                t.close(&tk);
            }
        }
        t.hours(72.0);
        for i in 0..30 {
            let (c, tk) = (format!("cus-r{i}"), format!("tkt-r{i}"));
            t.view_purpose(
                "emp-qa",
                &c,
                json!({"ticket": tk, "code": "quality_review"}),
            );
            t.hours(0.1);
        }
        assert!(
            t.alerts_of("purpose_violation").is_empty(),
            "{:?}",
            t.alerts
        );
        t.seller_ticket("tkt-s", "other", "sel-1");
        t.assign("emp-x", "tkt-s");
        for i in 0..10 {
            t.view_purpose(
                "emp-qa",
                &format!("cus-r{i}"),
                json!({"ticket": "tkt-r29", "code": "quality_review"}),
            );
            t.view_purpose(
                "emp-qa",
                &format!("cus-s{i}"),
                json!({"ticket": "tkt-s", "code": "quality_review"}),
            );
            t.hours(0.05);
        }
        let a = t.alerts_of("purpose_violation");
        assert!(a.iter().any(|a| a.employee == "emp-qa"), "{:?}", t.alerts);
    }

    /// A moderator who opens each review's author and then deletes the
    /// review is doing the job; the same views with no act on the
    /// authors' reviews are not.
    #[test]
    fn a_review_acted_on_minutes_later_explains_the_view_of_its_author() {
        let mut t = staffed(12, "moderator", "mod-1", 7);
        for i in 0..20 {
            let (c, r) = (format!("cus-a{i}"), format!("rev-{i}"));
            t.review(&r, &c, "sel-1", 1);
            t.view_purpose("emp-0", &c, json!({"code": "quality_review"}));
            t.hours(2.0 / 60.0);
            t.delete_review("emp-0", &r, "abuse", None);
            t.hours(10.0 / 60.0);
        }
        assert!(
            t.alerts_of("purpose_violation").is_empty(),
            "{:?}",
            t.alerts
        );
        for i in 0..20 {
            let (c, r) = (format!("cus-b{i}"), format!("rev-b{i}"));
            t.review(&r, &c, "sel-2", 1);
            t.view_purpose("emp-1", &c, json!({"code": "quality_review"}));
            t.hours(12.0 / 60.0);
        }
        let a = t.alerts_of("purpose_violation");
        assert!(a.iter().any(|a| a.employee == "emp-1"), "{a:?}");
        assert!(a.iter().all(|a| a.employee != "emp-0"), "{a:?}");
    }
}
