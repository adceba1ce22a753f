//! Accessed customers concentrated on one seller's reviewers or buyers,
//! beyond what tickets explain: the data-sale pattern.
//!
//! For each employee the detector keeps the distinct customers disclosed
//! to them in the window *without an explaining ticket* (a valid purpose
//! ticket about that customer, a ticket assigned to them for that
//! customer, a valid ticket naming a seller the customer is related to,
//! a legal export under a valid ticket or an export under the employee's
//! own four-eyes approval (`world.approval_memory_days`), or an order
//! view of a seller the employee serves: one whose own tickets were
//! assigned to them within `world.served_seller_days`, as an account
//! manager's are; hits of a search run under a valid ticket are
//! incidental and not counted).
//!
//! A customer looked up alone is counted only once
//! `purpose_violation.explain_after_minutes` have passed (at the first
//! event after that), and not at all if the employee meanwhile deleted or
//! restored a review that customer wrote: moderators open a review's
//! author before acting on the review, and cleaning up a review bomb on
//! one seller would otherwise look like harvesting its reviewers.
//!
//! Null model: each of those `n` customers is, independently, a reviewer
//! (or a reviewer-or-buyer) of seller S with probability `p0(S)`, the
//! largest of S's share of all customers, S's share of the customers
//! staff accessed (the employee's peer group, and all employees: the
//! customers who get looked at are the active ones, related to more
//! sellers than the average customer), and S's share of the customers
//! the employee accessed *with* an explaining ticket (shrunk towards the
//! staff share by `own_prior_accesses`), and S's share of the employee's
//! own unexplained customers that have left the window (`own_history`,
//! shrunk by `own_history_prior_accesses`, halved with the other shares
//! every `share_halflife_days`): a lean kept for longer than the window
//! is how the employee works (an account manager's portfolio before its
//! shops' tickets reach them), while a lean that starts now stands out as
//! before. The cost: a harvest not found within its first window
//! explains part of itself from then on. `k` of them are related to S;
//! the p-value is `P(X ≥ k)`, `X ~ Binomial(n, p0)`, Bonferroni-corrected
//! by `m = 2 × sellers with customers` (two relations per seller).
//! Alerts need `k ≥ min_customers` and the corrected p below `alpha`. A
//! team dedicated to one big seller whose every access has a ticket
//! explains all of it and never fires.
//!
//! The broker pattern spreads the same harvest over a few sellers, each
//! too little to stand out: see [`several_sellers`], the joint test over
//! the best `j ≤ several_sellers_max` sellers, alerting under the key
//! `several_sellers`. Single-seller p-values also go to beneficiary
//! convergence, whose ring test joins employees leaning towards the same
//! seller.

use super::{fmt_p, p_json, slot, Benefit, Ctx, Detector, DetectorKind, Finding, Out, Signal};
use crate::alert::{score_from_p, severity_floor_score, Severity};
use crate::config::DetectConfig;
use crate::stats::{binomial_sf_log10, log10_choose};
use crate::world::{World, REVIEWED};
use custos_core::event::TargetType;
use custos_core::time::MS_PER_DAY;
use custos_core::{Action, Outcome};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::VecDeque;

const MS_PER_MINUTE: i64 = 60_000;

/// Decayed counts of accessed customers related to each seller:
/// `[reviewers, reviewers or buyers]`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Shares {
    total: f64,
    per: FxHashMap<u32, [f64; 2]>,
}

impl Shares {
    fn add(&mut self, rel: &[(u32, u8)]) {
        self.total += 1.0;
        for &(s, f) in rel {
            let e = self.per.entry(s).or_default();
            if f & REVIEWED != 0 {
                e[0] += 1.0;
            }
            e[1] += 1.0;
        }
    }

    fn share(&self, s: u32, r: usize, prior: f64) -> f64 {
        let denom = self.total + prior;
        if denom <= 0.0 {
            return 0.0;
        }
        self.per.get(&s).map_or(0.0, |x| x[r]) / denom
    }

    fn halve(&mut self) {
        self.total *= 0.5;
        self.per.retain(|_, v| {
            v[0] *= 0.5;
            v[1] *= 0.5;
            v[1] >= 0.05
        });
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Entry {
    last_day: i64,
    first_time: i64,
    event: Box<str>,
    /// The customer's seller relations when first counted.
    sellers: Box<[(u32, u8)]>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct EmpState {
    entries: FxHashMap<u32, Entry>,
    /// Per seller: unexplained customers who are `[reviewers, related]`.
    k: FxHashMap<u32, [u32; 2]>,
    own: Shares,
    /// The unexplained customers that left the window (`own_history`).
    before: Shares,
    /// Seller → time of the last finding (to send full evidence once).
    alerted: FxHashMap<u32, i64>,
}

/// A customer looked up alone without an explaining ticket, not counted
/// until an act on their review may have explained it (see [`release`]).
///
/// [`release`]: SellerAffinity::release
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Pending {
    time: i64,
    day: i64,
    emp: u32,
    customer: u32,
    event: Box<str>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct SellerAffinity {
    emps: Vec<EmpState>,
    /// Single-customer look-ups waiting `explain_after_minutes`, oldest first.
    pending: VecDeque<Pending>,
    peers: FxHashMap<u32, Shares>,
    /// Every employee's accesses: the reference for a peer group too
    /// small to have its own.
    all: Shares,
    last_halving: Option<i64>,
}

/// Customers whose share of peers' accesses is updated per event, so a
/// large search or export costs no more than this.
const SHARE_SAMPLE: usize = 64;

impl Detector for SellerAffinity {
    fn kind(&self) -> DetectorKind {
        DetectorKind::SellerAffinity
    }

    fn observe(&mut self, cx: &Ctx<'_>, out: &mut Out) {
        let cfg = &cx.cfg.seller_affinity;
        if !cfg.enabled {
            return;
        }
        self.release(cx, out);
        if matches!(cx.ev.action, Action::ReviewDelete | Action::ReviewRestore) {
            self.explain_by_review(cx);
            return;
        }
        let Some(a) = cx.access else { return };
        let w = cx.world;
        let group = w.peer(a.emp);
        let peer = self.peers.entry(group).or_default();
        let all = &mut self.all;
        let st = slot(&mut self.emps, a.emp);
        let incidental = a.incidental_hits();
        // A customer looked up alone may be the author of a review the
        // employee is about to act on (a moderator opens the author
        // first): counted only once that could no longer have happened.
        let hold = a.customers.len() == 1 && cx.cfg.purpose_violation.explain_after_minutes > 0;
        let mut now: Vec<u32> = Vec::new();
        for (i, &c) in a.customers.iter().enumerate() {
            let rel = &w.cust[c as usize].rel;
            if i < SHARE_SAMPLE {
                peer.add(rel);
                all.add(rel);
            }
            if a.explained[i] {
                if i < SHARE_SAMPLE {
                    st.own.add(rel);
                }
                continue;
            }
            if incidental {
                continue;
            }
            if hold && !st.entries.contains_key(&c) {
                self.pending.push_back(Pending {
                    time: cx.now,
                    day: cx.day,
                    emp: a.emp,
                    customer: c,
                    event: cx.ev.id.as_str().into(),
                });
                continue;
            }
            now.push(c);
        }
        self.count(cx, a.emp, &now, (cx.day, cx.now, cx.ev.id.as_str()), out);
    }

    fn roll_day(&mut self, _world: &World, day: i64, cfg: &DetectConfig) {
        self.roll(day, cfg);
    }
}

impl SellerAffinity {
    /// Counts the pending look-ups no act on a review explained within
    /// `explain_after_minutes`, as of their own time and event.
    fn release(&mut self, cx: &Ctx<'_>, out: &mut Out) {
        let wait = cx.cfg.purpose_violation.explain_after_minutes as i64 * MS_PER_MINUTE;
        while let Some(p) = self.pending.front() {
            if p.time >= cx.now - wait {
                break;
            }
            let p = self.pending.pop_front().expect("front exists");
            self.count(cx, p.emp, &[p.customer], (p.day, p.time, &p.event), out);
        }
    }

    /// A review deleted or restored by an employee explains their pending
    /// look-up of its author.
    fn explain_by_review(&mut self, cx: &Ctx<'_>) {
        let (Some(e), Some(rid)) = (cx.actor_emp(), cx.ev.target_id(TargetType::Review)) else {
            return;
        };
        if cx.ev.outcome() != Outcome::Allowed {
            return;
        }
        let Some(author) = cx.world.reviews.get(rid).map(|r| r.author) else {
            return;
        };
        self.pending
            .retain(|p| !(p.emp == e && p.customer == author));
    }

    /// Counts `customers` disclosed to `emp` without an explaining ticket
    /// (on `day`, at `time`, by `event`) and tests the sellers they touch.
    fn count(
        &mut self,
        cx: &Ctx<'_>,
        emp: u32,
        customers: &[u32],
        (day, time, event): (i64, i64, &str),
        out: &mut Out,
    ) {
        let cfg = &cx.cfg.seller_affinity;
        let w = cx.world;
        let group = w.peer(emp);
        let st = slot(&mut self.emps, emp);
        let mut touched: Vec<u32> = Vec::new();
        for &c in customers {
            if let Some(e) = st.entries.get_mut(&c) {
                e.last_day = e.last_day.max(day);
                continue;
            }
            if st.entries.len() >= cfg.max_tracked_customers as usize {
                continue;
            }
            let rel = &w.cust[c as usize].rel;
            for &(s, f) in rel {
                let k = st.k.entry(s).or_default();
                if f & REVIEWED != 0 {
                    k[0] += 1;
                }
                k[1] += 1;
                touched.push(s);
            }
            st.entries.insert(
                c,
                Entry {
                    last_day: day,
                    first_time: time,
                    event: event.into(),
                    sellers: rel.as_slice().into(),
                },
            );
        }
        if touched.is_empty() {
            return;
        }
        touched.sort_unstable();
        touched.dedup();
        // A look-up counted after its wait may find the employee in a peer
        // group that has disclosed nothing yet (its role became known or
        // changed meanwhile).
        let peer = self.peers.get(&group);
        let null = Null {
            n: st.entries.len() as u64,
            n_customers: w.cust.len().max(1) as f64,
            peer: peer.filter(|p| p.total >= cfg.peer_min_accesses),
            all: (self.all.total >= cfg.peer_min_accesses).then_some(&self.all),
            own: &st.own,
            before: cfg.own_history.then_some(&st.before),
            own_prior: cfg.own_prior_accesses,
            before_prior: cfg.own_history_prior_accesses,
        };
        let n = null.n;
        let m = 2 * w.sellers_with_customers.max(1) as u64;
        let log10_m = (m as f64).log10();
        let log10_alpha = cfg.alpha.log10();
        for &s in &touched {
            let k = st.k.get(&s).copied().unwrap_or_default();
            if (k[1] as u64) < cfg.signal_min_customers as u64 {
                continue;
            }
            // The more significant of the two relations.
            let mut best: Option<(f64, usize, f64, [f64; 4])> = None;
            for (r, &kr) in k.iter().enumerate() {
                let kr = kr as u64;
                if kr < cfg.signal_min_customers as u64 {
                    continue;
                }
                let (p0, sources) = null.p0(w, s, r);
                let lp = binomial_sf_log10(kr, n, p0);
                if best.is_none_or(|b| lp < b.0) {
                    best = Some((lp, r, p0, sources));
                }
            }
            let Some((lp, r, p0, sources)) = best else {
                continue;
            };
            let adj = (lp + log10_m).min(0.0);
            if adj < cfg.signal_alpha.log10() || lp < cfg.weak_signal_p.log10() {
                out.signals.push(Signal {
                    seller: s,
                    employee: emp,
                    kind: Benefit::DataAccess,
                    strong: adj < cfg.signal_alpha.log10(),
                    log10_p: Some(lp),
                });
            }
            let kr = k[r];
            if adj >= log10_alpha || kr < cfg.min_customers {
                continue;
            }
            let sev = severity_of(kr, cfg);
            let gap = cx.cfg.alerts.incident_gap_days as i64 * MS_PER_DAY;
            let fresh = st.alerted.get(&s).is_none_or(|&t| cx.now - t > gap);
            st.alerted.insert(s, cx.now);
            let evidence = if fresh {
                evidence_of(&st.entries, &[s], cx.cfg.alerts.max_evidence)
            } else {
                vec![event.to_string()]
            };
            let name = w.emp_name(emp);
            let seller = w.seller_name(s);
            let expected = n as f64 * p0;
            let rel_words = ["reviewed", "reviewed or bought from"][r];
            out.findings.push(Finding {
                employee: emp,
                detector: DetectorKind::SellerAffinity,
                key: seller.to_string(),
                severity: sev,
                score: score_from_p(adj, log10_alpha, severity_floor_score(sev)),
                summary: format!(
                    "{name} accessed {kr} customers who {rel_words} {seller} without a ticket explaining it \
                     ({n} unexplained customers in {} days, {expected:.1} expected, p={}): \
                     possible harvesting of this seller's customers",
                    cfg.window_days,
                    fmt_p(adj)
                ),
                sellers: vec![seller.to_string()],
                customers: kr as u64,
                evidence,
                explain: json!({
                    "null_model": "each distinct customer accessed without an explaining ticket in the window is related to the seller independently with probability p0 = max(marketplace share, share among customers staff accessed, own ticketed-access share, own share before the window); k ~ Binomial(n, p0); Bonferroni over m tests",
                    "relation": RELATIONS[r],
                    "observed": kr,
                    "n": n,
                    "expected": expected,
                    "p0": p0,
                    "p0_sources": {"marketplace": sources[0], "staff_access": sources[1], "own_ticketed": sources[2], "own_before_window": sources[3]},
                    "p_value": p_json(lp),
                    "log10_p": lp,
                    "tests": m,
                    "p_adjusted": p_json(adj),
                    "log10_p_adjusted": adj,
                    "alpha": cfg.alpha,
                    "peer_group": w.peer_name(group),
                    "window_days": cfg.window_days,
                }),
            });
        }
        if cfg.several_sellers_max >= 2 && n <= cfg.several_sellers_max_customers as u64 {
            several_sellers(
                &st.entries,
                &st.k,
                &mut st.alerted,
                &null,
                cx,
                (emp, group, event),
                out,
            );
        }
    }

    fn roll(&mut self, day: i64, cfg: &DetectConfig) {
        let c = &cfg.seller_affinity;
        let from_day = day - c.window_days as i64 + 1;
        let halve = match self.last_halving {
            None => {
                self.last_halving = Some(day);
                false
            }
            Some(d) => day - d >= c.share_halflife_days as i64,
        };
        if halve {
            self.last_halving = Some(day);
            for p in self.peers.values_mut() {
                p.halve();
            }
            self.all.halve();
        }
        for st in &mut self.emps {
            if halve {
                st.own.halve();
                st.before.halve();
            }
            let k = &mut st.k;
            let before = &mut st.before;
            st.entries.retain(|_, e| {
                if e.last_day >= from_day {
                    return true;
                }
                before.add(&e.sellers);
                for &(s, f) in e.sellers.iter() {
                    if let Some(x) = k.get_mut(&s) {
                        if f & REVIEWED != 0 {
                            x[0] = x[0].saturating_sub(1);
                        }
                        x[1] = x[1].saturating_sub(1);
                    }
                }
                false
            });
            k.retain(|_, x| x[1] > 0);
            if st.entries.is_empty() {
                st.entries.shrink_to_fit();
            }
        }
    }
}

const RELATIONS: [&str; 2] = ["reviewers", "reviewers_or_buyers"];

fn severity_of(k: u32, cfg: &crate::config::SellerAffinityConfig) -> Severity {
    if k >= cfg.critical_customers {
        Severity::Critical
    } else if k >= cfg.high_customers {
        Severity::High
    } else {
        Severity::Medium
    }
}

/// The first events (by time) that disclosed a customer related to any of
/// `sellers`, capped.
fn evidence_of(entries: &FxHashMap<u32, Entry>, sellers: &[u32], max: u32) -> Vec<String> {
    let mut ev: Vec<(i64, &str)> = entries
        .values()
        .filter(|e| e.sellers.iter().any(|x| sellers.contains(&x.0)))
        .map(|e| (e.first_time, &*e.event))
        .collect();
    ev.sort_unstable();
    ev.dedup();
    ev.truncate(max as usize);
    ev.into_iter().map(|e| e.1.to_string()).collect()
}

/// The null model of one employee at one moment: `n` unexplained
/// customers, and where a customer's relation to a seller would come from
/// if nothing were wrong.
struct Null<'a> {
    n: u64,
    n_customers: f64,
    peer: Option<&'a Shares>,
    all: Option<&'a Shares>,
    own: &'a Shares,
    before: Option<&'a Shares>,
    own_prior: f64,
    before_prior: f64,
}

impl Null<'_> {
    /// `p0` of seller `s` for relation `r`, and its four sources
    /// (marketplace; accesses of the peer group or, when it has too few,
    /// of all employees; own ticketed work; own unexplained customers
    /// before the window).
    fn p0(&self, w: &World, s: u32, r: usize) -> (f64, [f64; 4]) {
        let si = &w.sel[s as usize];
        let market = [si.reviewers, si.related][r] as f64 / self.n_customers;
        // Customers who get looked at are the active ones, related to
        // more sellers than the average customer: what staff access is
        // the better reference, the group's own when it has enough.
        let staff = match (self.peer, self.all) {
            (Some(p), Some(a)) => p.share(s, r, 0.0).max(a.share(s, r, 0.0)),
            (Some(p), None) => p.share(s, r, 0.0),
            (None, Some(a)) => a.share(s, r, 0.0),
            (None, None) => 0.0,
        };
        // Own ticketed work and own lean before the window, each shrunk
        // towards the reference rather than 0.
        let reference = staff.max(market);
        let shrunk = |own: &Shares, prior: f64| {
            let x = own.per.get(&s).map_or(0.0, |x| x[r]);
            (x + prior * reference) / (own.total + prior)
        };
        let own = shrunk(self.own, self.own_prior);
        let before = self.before.map_or(0.0, |b| shrunk(b, self.before_prior));
        let p0 = market.max(staff).max(own).max(before).clamp(1e-9, 0.999);
        (p0, [market, staff, own, before])
    }
}

/// The broker pattern: unexplained customers spread over a few sellers,
/// each perhaps too few to stand out alone. For `j = 2..=J` the `j`
/// sellers with the smallest single-seller p-values form a set `T`; the
/// customers related to any of them number `k_T`, and under the null
/// each customer is related to some seller of `T` with probability at
/// most `Σ p0(S)`, so `P(X ≥ k_T)`, `X ~ Binomial(n, Σ p0)`, bounds the
/// p-value. Bonferroni over every set of `j` sellers, both relations and
/// every `j`: `2 (J − 1) C(sellers, j)`.
fn several_sellers(
    entries: &FxHashMap<u32, Entry>,
    ks: &FxHashMap<u32, [u32; 2]>,
    alerted: &mut FxHashMap<u32, i64>,
    null: &Null<'_>,
    cx: &Ctx<'_>,
    (emp, group, event): (u32, u32, &str),
    out: &mut Out,
) {
    let cfg = &cx.cfg.seller_affinity;
    let w = cx.world;
    let n = null.n;
    let max_j = cfg.several_sellers_max as usize;
    let sellers_total = w.sellers_with_customers.max(1) as u64;
    let log10_alpha = cfg.alpha.log10();
    struct Best {
        adj: f64,
        lp: f64,
        relation: usize,
        /// The sellers of the set, with their `p0`.
        set: Vec<(u32, f64)>,
        k_t: u64,
    }
    let mut best: Option<Best> = None;
    for r in 0..2 {
        // Candidates: sellers with at least two customers, above what
        // their p0 predicts.
        let mut cand: Vec<(f64, u32, f64)> = Vec::new();
        for (&s, k) in ks {
            let kr = k[r] as u64;
            if kr < 2 {
                continue;
            }
            let (p0, _) = null.p0(w, s, r);
            if (kr as f64) < 1.0 + n as f64 * p0 {
                continue;
            }
            cand.push((binomial_sf_log10(kr, n, p0), s, p0));
        }
        if cand.len() < 2 {
            continue;
        }
        cand.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        cand.truncate(max_j);
        // Customers by the best-ranked candidate they relate to.
        let mut first = vec![0u64; cand.len()];
        let flag = [REVIEWED, REVIEWED | crate::world::BOUGHT][r];
        for e in entries.values() {
            let rank = cand
                .iter()
                .position(|c| e.sellers.iter().any(|x| x.0 == c.1 && x.1 & flag != 0));
            if let Some(i) = rank {
                first[i] += 1;
            }
        }
        let mut k_t = first[0];
        let mut p_t = cand[0].2;
        for j in 2..=cand.len() {
            k_t += first[j - 1];
            p_t += cand[j - 1].2;
            let lp = binomial_sf_log10(k_t, n, p_t.min(0.999));
            let tests =
                (2.0 * (max_j as f64 - 1.0)).log10() + log10_choose(sellers_total, j as u64);
            let adj = (lp + tests).min(0.0);
            if best.as_ref().is_none_or(|b| adj < b.adj) {
                let set = cand[..j].iter().map(|c| (c.1, c.2)).collect();
                best = Some(Best {
                    adj,
                    lp,
                    relation: r,
                    set,
                    k_t,
                });
            }
        }
    }
    let Some(Best {
        adj,
        lp,
        relation: r,
        set,
        k_t,
    }) = best
    else {
        return;
    };
    if adj >= log10_alpha || k_t < cfg.min_customers as u64 {
        return;
    }
    let sev = severity_of(k_t as u32, cfg);
    let ids: Vec<u32> = set.iter().map(|x| x.0).collect();
    let gap = cx.cfg.alerts.incident_gap_days as i64 * MS_PER_DAY;
    // Several-seller incidents are remembered under seller `u32::MAX`.
    let fresh = alerted.get(&u32::MAX).is_none_or(|&t| cx.now - t > gap);
    alerted.insert(u32::MAX, cx.now);
    let evidence = if fresh {
        evidence_of(entries, &ids, cx.cfg.alerts.max_evidence)
    } else {
        vec![event.to_string()]
    };
    let mut names: Vec<String> = ids.iter().map(|&s| w.seller_name(s).to_string()).collect();
    names.sort();
    let p_t: f64 = set.iter().map(|x| x.1).sum();
    let expected = n as f64 * p_t.min(0.999);
    let emp_name = w.emp_name(emp);
    let rel_words = ["reviewed", "reviewed or bought from"][r];
    let per_seller: Vec<serde_json::Value> = set
        .iter()
        .map(|&(s, p0)| {
            json!({"seller": w.seller_name(s), "observed": ks.get(&s).map_or(0, |k| k[r]), "p0": p0})
        })
        .collect();
    out.findings.push(Finding {
        employee: emp,
        detector: DetectorKind::SellerAffinity,
        key: "several_sellers".into(),
        severity: sev,
        score: score_from_p(adj, log10_alpha, severity_floor_score(sev)),
        summary: format!(
            "{emp_name} accessed {k_t} customers who {rel_words} one of {} sellers ({}) without a ticket \
             explaining it ({n} unexplained customers in {} days, {expected:.1} expected, p={}): \
             possible harvesting for several sellers (broker)",
            set.len(),
            names.join(", "),
            cfg.window_days,
            fmt_p(adj)
        ),
        sellers: names,
        customers: k_t,
        evidence,
        explain: json!({
            "null_model": "each distinct customer accessed without an explaining ticket in the window is related to at least one seller of the set with probability at most the sum of their p0; k ~ Binomial(n, sum p0); Bonferroni over every set of that size, both relations and each set size",
            "relation": RELATIONS[r],
            "observed": k_t,
            "n": n,
            "expected": expected,
            "sellers": per_seller,
            "p_value": p_json(lp),
            "log10_p": lp,
            "p_adjusted": p_json(adj),
            "log10_p_adjusted": adj,
            "alpha": cfg.alpha,
            "peer_group": w.peer_name(group),
            "window_days": cfg.window_days,
        }),
    });
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;
    use crate::Severity;

    /// 40 sellers; `big` has 30% of customers as buyers. Each customer
    /// reviews one seller.
    fn market(t: &mut Kit, customers: usize) {
        for c in 0..customers {
            let cus = format!("cus-{c}");
            let s = format!("sel-{}", c % 40);
            t.order(&format!("ord-{c}"), &cus, &s);
            t.review(&format!("rev-{c}"), &cus, &s, 5);
            if c % 10 < 3 {
                t.order(&format!("ordb-{c}"), &cus, "sel-big");
            }
        }
    }

    /// Agents working tickets about random customers, with a few slips.
    fn workday(t: &mut Kit, agents: &[&str], day: usize, customers: usize) {
        for (a, emp) in agents.iter().enumerate() {
            for i in 0..20 {
                let c = format!("cus-{}", (day * 997 + a * 131 + i * 37) % customers);
                let tk = format!("tkt-{day}-{a}-{i}");
                t.ticket(&tk, "order_issue", Some(&c), None);
                t.assign(emp, &tk);
                t.view(emp, &c, Some(&tk));
            }
            let slip = format!("cus-{}", (day * 7 + a * 11) % customers);
            t.view(emp, &slip, None);
        }
        t.hours(24.0);
    }

    #[test]
    fn harvesting_one_sellers_reviewers_fires_with_a_p_value() {
        let mut t = Kit::new();
        market(&mut t, 2000);
        let agents = ["emp-1", "emp-2", "emp-3"];
        for d in 0..3 {
            workday(&mut t, &agents, d, 2000);
        }
        assert!(t.alerts_of("seller_affinity").is_empty());
        // emp-1 pulls up the reviewers of sel-7 (customers 7, 47, 87, ...).
        for i in 0..12 {
            t.view("emp-1", &format!("cus-{}", 7 + 40 * i), None);
            t.hours(0.5);
        }
        let a = t.alerts_of("seller_affinity");
        assert_eq!(a.len(), 1, "{a:?}");
        assert_eq!(a[0].employee, "emp-1");
        assert_eq!(a[0].sellers, vec!["sel-7".to_string()]);
        assert!(a[0].customers >= 5);
        assert!(a[0].explain["p_adjusted"].as_f64().unwrap() < 1e-6);
        assert!(a[0].evidence.len() >= 5);
        assert!(a[0].severity >= Severity::Medium);
    }

    /// With the p-value test opened wide (alpha 1), the floor of
    /// `min_customers` (3) decides: emp-1 looks up `n` reviewers of sel-7
    /// without a ticket.
    fn floor_only(n: usize) -> Vec<crate::Alert> {
        let mut cfg = crate::DetectConfig::default();
        cfg.seller_affinity.alpha = 1.0;
        cfg.seller_affinity.several_sellers_max = 1;
        let mut t = Kit::with(cfg);
        market(&mut t, 400);
        for i in 0..n {
            t.view("emp-1", &format!("cus-{}", 7 + 40 * i), None);
            t.hours(1.0);
        }
        t.settle(1.0);
        t.alerts_of("seller_affinity")
    }

    /// emp-1, who was assigned `served`'s own ticket (naming the seller
    /// and no customer) on day 1, opens twelve of sel-7's customers a
    /// month later without a ticket: their orders at sel-7, or (`orders`
    /// false) the customers themselves.
    fn served_seller(served: &str, orders: bool) -> Kit {
        let mut t = Kit::new();
        market(&mut t, 2000);
        let agents = ["emp-1", "emp-2", "emp-3"];
        t.seller_ticket("slr-1", "account", served);
        t.assign("emp-1", "slr-1");
        t.close("slr-1");
        for d in 0..3 {
            workday(&mut t, &agents, d, 2000);
        }
        t.days(30.0);
        for i in 0..12 {
            let c = 7 + 40 * i;
            if orders {
                t.order_view("emp-1", &format!("ord-{c}"), &format!("cus-{c}"), "sel-7");
            } else {
                t.view("emp-1", &format!("cus-{c}"), None);
            }
            t.hours(0.5);
        }
        t.settle(1.0);
        t
    }

    #[test]
    fn an_account_manager_opening_their_sellers_orders_does_not_fire() {
        let t = served_seller("sel-7", true);
        assert!(t.alerts_of("seller_affinity").is_empty(), "{:?}", t.alerts);
        // The same orders of a seller the employee does not serve.
        let a = served_seller("sel-8", true).alerts_of("seller_affinity");
        assert_eq!(a.len(), 1, "{a:?}");
        assert_eq!(a[0].sellers, vec!["sel-7".to_string()]);
    }

    #[test]
    fn serving_a_seller_does_not_cover_looking_up_its_customers() {
        let a = served_seller("sel-7", false).alerts_of("seller_affinity");
        assert_eq!(a.len(), 1, "{a:?}");
        assert_eq!(a[0].sellers, vec!["sel-7".to_string()]);
    }

    /// emp-1 looks up twelve of sel-7's reviewers without a ticket, does
    /// nothing more for 40 days (the window is 30), then looks up eight
    /// more reviewers of `seller`. The alerts raised after the gap.
    fn lean_again(seller: usize, own_history: bool) -> Vec<crate::Alert> {
        let mut cfg = crate::DetectConfig::default();
        cfg.seller_affinity.own_history = own_history;
        let mut t = Kit::with(cfg);
        market(&mut t, 2000);
        for i in 0..12 {
            t.view("emp-1", &format!("cus-{}", 7 + 40 * i), None);
            t.hours(0.5);
        }
        t.settle(1.0);
        assert_eq!(t.alerts_of("seller_affinity").len(), 1);
        let agents = ["emp-2", "emp-3"];
        for d in 0..40 {
            workday(&mut t, &agents, d, 2000);
        }
        let before: Vec<String> = t
            .alerts_of("seller_affinity")
            .into_iter()
            .map(|a| a.id)
            .collect();
        for i in 12..20 {
            t.view("emp-1", &format!("cus-{}", seller + 40 * i), None);
            t.hours(0.5);
        }
        t.settle(1.0);
        let mut new = t.alerts_of("seller_affinity");
        new.retain(|a| !before.contains(&a.id));
        new
    }

    #[test]
    fn a_lean_older_than_the_window_is_how_the_employee_works() {
        assert!(lean_again(7, true).is_empty());
        // Without that memory the same look-ups are news again.
        let a = lean_again(7, false);
        assert_eq!(a.len(), 1, "{a:?}");
        assert_eq!(a[0].sellers, vec!["sel-7".to_string()]);
        // A seller the employee never leaned on stands out as before.
        let a = lean_again(9, true);
        assert_eq!(a.len(), 1, "{a:?}");
        assert_eq!(a[0].sellers, vec!["sel-9".to_string()]);
    }

    #[test]
    fn fewer_customers_than_the_floor_never_alert() {
        assert!(floor_only(2).is_empty());
        let a = floor_only(3);
        assert_eq!(a.len(), 1, "{a:?}");
        assert_eq!(a[0].customers, 3);
    }

    /// emp-1 opens twelve reviewers of sel-7, one at a time, each time
    /// deleting that reviewer's review `minutes` later.
    fn authors_then_deletions(minutes: f64) -> Kit {
        let mut t = Kit::new();
        market(&mut t, 2000);
        let agents = ["emp-1", "emp-2", "emp-3"];
        for d in 0..3 {
            workday(&mut t, &agents, d, 2000);
        }
        for i in 0..12 {
            let c = 7 + 40 * i;
            t.view("emp-1", &format!("cus-{c}"), None);
            t.hours(minutes / 60.0);
            t.delete_review("emp-1", &format!("rev-{c}"), "spam", None);
            t.hours(0.5);
        }
        t.settle(1.0);
        t
    }

    #[test]
    fn opening_the_authors_of_reviews_one_then_deletes_is_moderation() {
        let t = authors_then_deletions(2.0);
        assert!(t.alerts_of("seller_affinity").is_empty(), "{:?}", t.alerts);
        // The same look-ups with the deletions long after are a harvest.
        let t = authors_then_deletions(120.0);
        let a = t.alerts_of("seller_affinity");
        assert_eq!(a.len(), 1, "{a:?}");
        assert_eq!(a[0].sellers, vec!["sel-7".to_string()]);
    }

    /// 4,000 customers, each a reviewer and buyer of one of 200 sellers.
    fn wide_market(t: &mut Kit) {
        for c in 0..4000 {
            let (cus, s) = (format!("cus-{c}"), format!("sel-{}", c % 200));
            t.order(&format!("ord-{c}"), &cus, &s);
            t.review(&format!("rev-{c}"), &cus, &s, 5);
        }
    }

    #[test]
    fn a_broker_serving_four_sellers_a_few_customers_each_fires_jointly() {
        // At an alpha of 1e-4, three customers of one seller are not
        // enough alone.
        let mut cfg = crate::DetectConfig::default();
        cfg.seller_affinity.alpha = 1e-4;
        let mut t = Kit::with(cfg);
        wide_market(&mut t);
        let agents = ["emp-1", "emp-2", "emp-3"];
        for d in 0..3 {
            workday(&mut t, &agents, d, 4000);
        }
        // Three reviewers each of four sellers: no seller stands out alone.
        for s in [3, 5, 9, 11] {
            for i in 0..3 {
                t.view("emp-1", &format!("cus-{}", s + 200 * (i + 1)), None);
                t.hours(0.5);
            }
        }
        let a = t.alerts_of("seller_affinity");
        assert_eq!(a.len(), 1, "{a:?}");
        assert_eq!(a[0].employee, "emp-1");
        assert!(a[0].sellers.len() >= 3, "{:?}", a[0].sellers);
        assert!(a[0].summary.contains("several sellers"));
        assert!(a[0].explain["log10_p_adjusted"].as_f64().unwrap() < -4.0);
        assert!(a[0].customers >= 9);
    }

    #[test]
    fn slips_spread_over_many_sellers_are_no_broker() {
        let mut t = Kit::new();
        wide_market(&mut t);
        let agents = ["emp-1", "emp-2", "emp-3"];
        for d in 0..3 {
            workday(&mut t, &agents, d, 4000);
        }
        // Sixteen customers of sixteen sellers, two of them twice.
        for s in 0..16 {
            t.view("emp-1", &format!("cus-{}", 20 + s * 7), None);
            if s < 2 {
                t.view("emp-1", &format!("cus-{}", 20 + s * 7 + 200), None);
            }
            t.hours(0.5);
        }
        assert!(t.alerts_of("seller_affinity").is_empty(), "{:?}", t.alerts);
    }

    #[test]
    fn a_team_dedicated_to_one_big_seller_with_tickets_does_not_fire() {
        let mut t = Kit::new();
        market(&mut t, 2000);
        // Escalations of sel-big: every access under a ticket naming it.
        for d in 0..5 {
            for (a, emp) in ["emp-b1", "emp-b2"].iter().enumerate() {
                for i in 0..40 {
                    let c = format!("cus-{}", ((d * 40 + i) * 10 + a) % 2000);
                    let tk = format!("tkb-{d}-{a}-{i}");
                    t.seller_ticket(&tk, "other", "sel-big");
                    t.assign(emp, &tk);
                    t.view(emp, &c, Some(&tk));
                }
            }
            t.hours(24.0);
        }
        assert!(t.alerts_of("seller_affinity").is_empty(), "{:?}", t.alerts);
    }

    #[test]
    fn random_slips_and_searches_under_tickets_do_not_fire() {
        let mut t = Kit::new();
        market(&mut t, 2000);
        let agents = ["emp-1", "emp-2"];
        for d in 0..20 {
            workday(&mut t, &agents, d, 2000);
            // Searches under a valid ticket return incidental hits.
            let tk = format!("tks-{d}");
            t.ticket(&tk, "account", Some("cus-1"), None);
            t.assign("emp-2", &tk);
            let hits: Vec<String> = (0..15)
                .map(|i| format!("cus-{}", (d * 15 + i) * 7 % 2000))
                .collect();
            let mut h: Vec<&str> = hits.iter().map(String::as_str).collect();
            h.push("cus-1");
            t.search("emp-2", &h, Some(&tk));
        }
        assert!(t.alerts_of("seller_affinity").is_empty(), "{:?}", t.alerts);
    }
}
