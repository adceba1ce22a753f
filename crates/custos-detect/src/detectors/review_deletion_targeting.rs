//! Deletions concentrated on one seller's negative reviews without a
//! dispute ticket: the paid-deletion pattern.
//!
//! A deletion counts when the review was negative (rating at most
//! `negative_max_rating`), was not written in a burst (spam wave or
//! review bomb: its author or seller had an abnormal number of reviews
//! that hour), and no ticket justifies it (see [`explained`]: a cited
//! report or dispute naming the review, a cited review_dispute of the
//! seller, a dispute naming the review that is open or closed within
//! `dispute_grace_days`, or a review_dispute of the seller assigned to
//! the moderator).
//!
//! Null model, two views, the more significant taken (×2):
//! - rate: each of the moderator's `D` deletions in the window (any
//!   review, counted or not) is an unexplained negative deletion of
//!   seller S with probability `q × p0(S)`, where `q` is the rate of
//!   unexplained negative deletions per deletion among the other
//!   moderators of the peer group (role), shrunk towards all employees'
//!   and floored at `min_unexplained_rate`: where honest peers delete
//!   negative reviews only against a report or dispute, a few deletions
//!   without one stand out;
//! - concentration: the `n` counted deletions fall on S independently
//!   with probability `p0(S)` (for a peer group where deletions without
//!   a ticket are routine).
//!
//! `p0(S)` is the larger of S's share of the marketplace's negative
//! reviews and of its review disputes (sellers that complain more
//! legitimately get more deletions); `k` counted deletions fall on S;
//! p-values `P(X ≥ k)` for `X ~ Binomial(D, q p0)` and `Binomial(n,
//! p0)`, Bonferroni-corrected by the number of sellers with negative
//! reviews. Cleaning a spam wave spreads over many sellers (and burst
//! reviews do not count), so it stays quiet.
//!
//! A third view needs no seller: deletions of negative, non-burst
//! reviews that cite no ticket at all (a dispute on the review does not
//! excuse them here, a review_dispute of the seller assigned to the
//! moderator does). Where moderators always work from a report or
//! dispute (and slip, if at all, by citing the wrong one), a handful of
//! ticketless deletions of negative reviews stands out whatever seller
//! they help, even one with so many negative reviews that concentration
//! on it is expected. With `D` the moderator's deletions in the window and `q`
//! the larger of the peers' pooled rate of such deletions per deletion,
//! the `peer_quantile` of the peers' individual rates (moderators
//! differ) and `min_no_ticket_rate`: `P(X ≥ k)`, `X ~ Binomial(D, q)`,
//! alerting below `no_ticket_alpha` under the key `no_ticket`; not before other
//! moderators have made `min_deletions_for_rate × min_peer_moderators`
//! deletions in the window.
//!
//! The same test runs a second time, doubled for the two, on the
//! deletions among those that state no purpose at all (no ticket, no
//! purpose code, no reason), with their own peer rates: where honest
//! moderators cite a queue's purpose code without a ticket, a code-less
//! deletion is still rare. Those count also when the review was written
//! before Custos's records begin (its rating and seller unknown), since
//! a deletion that says nothing about why needs no rating to be odd, and
//! when a dispute of the seller is assigned to the moderator (one that
//! cites nothing does not say it was that dispute's work).
//!
//! A fourth view looks at the deletions a dispute does explain: a
//! seller's own review disputes granted (the review deleted) by one
//! moderator. Disputes reach moderators through a queue, so the `n`
//! deletions granting seller S's disputes in the window spread over the
//! moderators by their share of all granted disputes; a moderator who
//! grants `k` of them, with `π` the larger of their share of the
//! granted disputes of other sellers and one over the number of
//! moderators granting any, has `P(X ≥ k)`, `X ~ Binomial(n, π)`,
//! Bonferroni-corrected by the sellers with granted disputes, alerting
//! below `alpha` from `min_deletions` (`dispute_capture`). A complicit
//! seller filing disputes for a moderator to pick up and grant at once
//! is the broker's way to delete through the front door.
//!
//! A fifth view does the same for every deletion of a seller's
//! negative, non-burst reviews, explained or not (`deletion_capture`):
//! `k` of the `n` such deletions of seller S in the window by one
//! moderator, `π` the larger of their share of such deletions of other
//! sellers and one over the number of moderators making any, Bonferroni
//! over the sellers with such deletions and doubled for the second
//! capture view. A moderator paid by one seller mixes the routes
//! (a dispute the seller files, a queue deletion citing nothing) so that
//! no single route stands out; who ends up deleting the seller's
//! negative reviews still does.

use super::{fmt_p, p_json, slot, Benefit, Ctx, Detector, DetectorKind, Finding, Out, Signal};
use crate::alert::{score_from_p, severity_floor_score, Severity};
use crate::config::DetectConfig;
use crate::stats::{binomial_sf_log10, quantile};
use crate::world::{AccountKey, World};
use custos_core::event::{TargetType, TicketKind};
use custos_core::time::MS_PER_DAY;
use custos_core::{Action, Outcome};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::VecDeque;

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Deletion {
    time: i64,
    seller: u32,
    event: Box<str>,
}

/// A deletion citing no ticket (see the module docs).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Ticketless {
    time: i64,
    /// None when the review was written before the records begin.
    seller: Option<u32>,
    /// Whether it stated no purpose at all.
    no_purpose: bool,
    /// Whether a review_dispute of the seller assigned to the moderator
    /// covers it (which excuses a deletion citing no ticket, not one
    /// stating no purpose).
    covered: bool,
    event: Box<str>,
}

impl Ticketless {
    /// Whether the test of `level` counts it: 0 cites no ticket, 1
    /// states no purpose.
    fn counts_at(&self, level: usize) -> bool {
        if level == 0 {
            !self.covered
        } else {
            self.no_purpose
        }
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct EmpState {
    counted: VecDeque<Deletion>,
    /// Deletions citing no ticket, in the window: of negative, non-burst
    /// reviews (those an assigned dispute of the seller covers only when
    /// they state no purpose), and of unknown reviews stating no purpose.
    /// [`Ticketless::counts_at`] says which test counts each.
    ticketless: VecDeque<Ticketless>,
    k: FxHashMap<u32, u32>,
    /// All deletions in the window (counted or not), for the explain.
    all: VecDeque<i64>,
    /// Deletions of negative, non-burst reviews in the window, explained
    /// or not: (time, seller). What the seller gained, for convergence.
    negatives: VecDeque<(i64, u32)>,
    /// Times of the moderator's deletions granting a seller's own
    /// dispute, in the window.
    grants: VecDeque<i64>,
    alerted: FxHashMap<u32, i64>,
}

/// Deletions, counted (unexplained negative) ones, ticketless ones and
/// those of them stating no purpose, per day over the window.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Tally {
    days: VecDeque<(i64, [u64; 4])>,
    deletions: u64,
    counted: u64,
    /// Ticketless deletions, then those stating no purpose.
    bare: [u64; 2],
}

impl Tally {
    fn add(&mut self, day: i64, x: [u64; 4]) {
        match self.days.back_mut() {
            Some(d) if d.0 == day => {
                for (a, b) in d.1.iter_mut().zip(x) {
                    *a += b;
                }
            }
            _ => self.days.push_back((day, x)),
        }
        self.deletions += x[0];
        self.counted += x[1];
        self.bare[0] += x[2];
        self.bare[1] += x[3];
    }

    fn prune(&mut self, from_day: i64) {
        while let Some(&(d, x)) = self.days.front() {
            if d >= from_day {
                break;
            }
            self.deletions -= x[0];
            self.counted -= x[1];
            self.bare[0] -= x[2];
            self.bare[1] -= x[3];
            self.days.pop_front();
        }
    }
}

/// The rate assumed before the stream has shown any, and its weight.
const COLD_RATE: f64 = 0.05;
const COLD_PRIOR: f64 = 50.0;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct ReviewDeletionTargeting {
    emps: Vec<EmpState>,
    peers: FxHashMap<u32, Tally>,
    all: Tally,
    /// The `peer_quantile` of individual rates of ticketless deletions
    /// per deletion (then of those stating no purpose), per peer group
    /// with enough moderators and over all; set each day.
    no_ticket_hi: FxHashMap<u32, [f64; 2]>,
    all_no_ticket_hi: [f64; 2],
    /// Deletions granting a seller's own dispute, in the window.
    grants: Pool,
    /// Deletions of negative, non-burst reviews, explained or not, in
    /// the window.
    negatives: Pool,
}

/// Deletions of one kind in the window, per seller: (time, moderator,
/// event id); with their number over all sellers and per moderator. Who
/// takes a seller's deletions, for the capture views.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Pool {
    sellers: FxHashMap<u32, VecDeque<(i64, u32, Box<str>)>>,
    total: u64,
    by: FxHashMap<u32, u64>,
}

impl Pool {
    /// Adds moderator `e`'s deletion of seller `s`'s review, first
    /// dropping the seller's deletions older than `from`.
    fn push(&mut self, from: i64, now: i64, e: u32, s: u32, event: &str) {
        let d = self.sellers.entry(s).or_default();
        drop_before(d, from, &mut self.by, &mut self.total);
        d.push_back((now, e, event.into()));
        self.total += 1;
        *self.by.entry(e).or_default() += 1;
    }

    /// Drops every deletion older than `from`.
    fn prune(&mut self, from: i64) {
        let (by, total) = (&mut self.by, &mut self.total);
        self.sellers.retain(|_, d| {
            drop_before(d, from, by, total);
            !d.is_empty()
        });
    }
}

/// The two capture views (see the module docs): which deletions, and
/// the words of their alert.
#[derive(Clone, Copy, PartialEq)]
enum Capture {
    /// Deletions granting the seller's own review disputes.
    Disputes,
    /// Deletions of the seller's negative, non-burst reviews, explained
    /// or not.
    Negatives,
}

impl Detector for ReviewDeletionTargeting {
    fn kind(&self) -> DetectorKind {
        DetectorKind::ReviewDeletionTargeting
    }

    fn observe(&mut self, cx: &Ctx<'_>, out: &mut Out) {
        let cfg = &cx.cfg.review_deletion;
        let ev = cx.ev;
        if !cfg.enabled || ev.action != Action::ReviewDelete || ev.outcome() != Outcome::Allowed {
            return;
        }
        let (Some(e), Some(rid)) = (cx.actor_emp(), ev.target_id(TargetType::Review)) else {
            return;
        };
        let w = cx.world;
        let window = cfg.window_days as i64 * MS_PER_DAY;
        let from_day = cx.day - cfg.window_days as i64 + 1;
        let group = w.peer(e);
        let peer = self.peers.entry(group).or_default();
        let st = slot(&mut self.emps, e);
        st.all.push_back(cx.now);
        while st.all.front().is_some_and(|&t| t < cx.now - window) {
            st.all.pop_front();
        }
        let negative = w
            .reviews
            .get(rid)
            .filter(|r| r.rating as u32 <= cfg.negative_max_rating && !w.is_burst(r, cx.cfg));
        let counts = negative.filter(|r| !explained(cx, e, rid, r));
        // The ticketless view asks only whether a ticket was cited: a
        // dispute on the review explains a deletion by whoever handles
        // that dispute, and honest peers cite it.
        let purpose = ev.purpose.as_ref();
        let no_ticket = purpose.and_then(|p| p.ticket.as_deref()).is_none();
        let no_purpose =
            purpose.is_none_or(|p| p.ticket.is_none() && p.code.is_none() && p.reason.is_none());
        let ticketless = match w.reviews.get(rid) {
            Some(r) => {
                let covered = assigned_dispute(cx, e, r.seller);
                (no_ticket
                    && r.rating as u32 <= cfg.negative_max_rating
                    && !w.is_burst(r, cx.cfg)
                    && (no_purpose || !covered))
                    .then_some((Some(r.seller), covered))
            }
            None => no_purpose.then_some((None, false)),
        };
        let t = ticketless.is_some_and(|x| !x.1) as u64;
        let b = (ticketless.is_some() && no_purpose) as u64;
        let u = counts.is_some() as u64;
        for tally in [&mut *peer, &mut self.all] {
            tally.add(cx.day, [1, u, t, b]);
            tally.prune(from_day);
        }
        if let Some((seller, covered)) = ticketless {
            st.ticketless.push_back(Ticketless {
                time: cx.now,
                seller,
                no_purpose,
                covered,
                event: ev.id.as_str().into(),
            });
            let hi = self
                .no_ticket_hi
                .get(&group)
                .copied()
                .unwrap_or(self.all_no_ticket_hi);
            let peers = (&self.peers[&group], &self.all);
            if let Some(f) = no_ticket_finding(cx, e, &self.emps[e as usize], peers, hi) {
                out.findings.push(f);
            }
        }
        if let Some(sig) = benefit_signal(cx, e, slot(&mut self.emps, e), rid) {
            out.signals.push(sig);
        }
        let from = cx.now - window;
        if let Some(s) = granted_dispute_of(cx, rid).filter(|_| cfg.dispute_capture) {
            self.grants.push(from, cx.now, e, s, ev.id.as_str());
            let st = slot(&mut self.emps, e);
            st.grants.push_back(cx.now);
            while st.grants.front().is_some_and(|&t| t < from) {
                st.grants.pop_front();
            }
            let own = st.grants.len() as u64;
            capture_test(cx, e, s, &self.grants, own, Capture::Disputes, out);
        }
        if let Some(r) = negative.filter(|_| cfg.deletion_capture) {
            self.negatives
                .push(from, cx.now, e, r.seller, ev.id.as_str());
            // The moderator's negative deletions in the window, this one
            // included (kept by `benefit_signal`, pruned by the day).
            let own = self.emps[e as usize].negatives.len() as u64;
            capture_test(
                cx,
                e,
                r.seller,
                &self.negatives,
                own,
                Capture::Negatives,
                out,
            );
        }
        let Some(r) = counts else { return };
        let s = r.seller;
        let st = slot(&mut self.emps, e);
        st.counted.push_back(Deletion {
            time: cx.now,
            seller: s,
            event: ev.id.as_str().into(),
        });
        *st.k.entry(s).or_default() += 1;
        let k = st.k[&s] as u64;
        let n = st.counted.len() as u64;
        if k < cfg.signal_min_deletions.min(cfg.min_deletions) as u64 {
            return;
        }
        let neg_share = w.sel[s as usize].neg_reviews as f64 / w.neg_reviews.max(1) as f64;
        let dispute_share = w.sel[s as usize].disputes as f64 / (w.disputes as f64 + 20.0);
        let p0 = seller_p0(w, s);
        let m = w.sellers_with_neg.max(1) as f64;
        // What the other moderators do: unexplained negative deletions per
        // deletion, shrunk towards everyone's, floored.
        let deletions = st.all.len() as u64;
        let (peer, all) = (&self.peers[&group], &self.all);
        let global = (all.counted.saturating_sub(n) as f64 + COLD_PRIOR * COLD_RATE)
            / (all.deletions.saturating_sub(deletions) as f64 + COLD_PRIOR);
        let others = (peer.counted.saturating_sub(n) as f64 + cfg.prior_deletions * global)
            / (peer.deletions.saturating_sub(deletions) as f64 + cfg.prior_deletions);
        let q = others.max(cfg.min_unexplained_rate).min(1.0);
        let lp_rate = binomial_sf_log10(k, deletions.max(n), (q * p0).min(0.999));
        let lp_conc = binomial_sf_log10(k, n, p0);
        let lp = (lp_rate.min(lp_conc) + 2f64.log10()).min(0.0);
        let adj = (lp + m.log10()).min(0.0);
        if k >= cfg.signal_min_deletions as u64 && adj < cfg.signal_alpha.log10() {
            out.signals.push(strong_signal(s, e));
        }
        let log10_alpha = cfg.alpha.log10();
        if k < cfg.min_deletions as u64 || adj >= log10_alpha {
            return;
        }
        let sev = severity(k, cfg);
        let gap = cx.cfg.alerts.incident_gap_days as i64 * MS_PER_DAY;
        let fresh = st.alerted.get(&s).is_none_or(|&t| cx.now - t > gap);
        st.alerted.insert(s, cx.now);
        let evidence: Vec<String> = if fresh {
            st.counted
                .iter()
                .filter(|d| d.seller == s)
                .map(|d| d.event.to_string())
                .collect()
        } else {
            vec![ev.id.to_string()]
        };
        let emp = w.emp_name(e);
        let seller = w.seller_name(s);
        let expected = n as f64 * p0;
        out.findings.push(Finding {
            employee: e,
            detector: DetectorKind::ReviewDeletionTargeting,
            key: seller.to_string(),
            severity: sev,
            score: score_from_p(adj, log10_alpha, severity_floor_score(sev)),
            summary: format!(
                "{emp} deleted {k} negative reviews of {seller} with no review dispute from the seller \
                 ({n} such deletions in {} days, {expected:.1} expected, p={}): check for paid deletions",
                cfg.window_days,
                fmt_p(adj)
            ),
            sellers: vec![seller.to_string()],
            customers: k,
            evidence,
            explain: json!({
                "null_model": "rate: each of the moderator's deletions is an unexplained deletion of a negative, non-burst review of the seller with probability q x p0, q the other moderators' rate of such deletions per deletion; concentration: the unexplained ones fall on the seller with probability p0 = max(the seller's share of negative reviews, its share of review disputes); k ~ Binomial(deletions, q p0) or Binomial(n, p0), the smaller p-value doubled; Bonferroni over sellers with negative reviews",
                "observed": k,
                "n": n,
                "deletions": deletions,
                "expected": expected,
                "expected_at_peer_rate": deletions as f64 * q * p0,
                "peer_rate": q,
                "p0": p0,
                "log10_p_rate": lp_rate,
                "log10_p_concentration": lp_conc,
                "p0_sources": {"negative_review_share": neg_share, "dispute_share": dispute_share},
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

    fn roll_day(&mut self, world: &World, day: i64, cfg: &DetectConfig) {
        let from_day = day - cfg.review_deletion.window_days as i64 + 1;
        for t in self.peers.values_mut() {
            t.prune(from_day);
        }
        self.all.prune(from_day);
        let from = (day + 1) * MS_PER_DAY - cfg.review_deletion.window_days as i64 * MS_PER_DAY;
        let gap = cfg.alerts.incident_gap_days as i64 * MS_PER_DAY;
        for st in &mut self.emps {
            while let Some(d) = st.counted.front() {
                if d.time >= from {
                    break;
                }
                if let Some(k) = st.k.get_mut(&d.seller) {
                    *k = k.saturating_sub(1);
                }
                st.counted.pop_front();
            }
            st.k.retain(|_, k| *k > 0);
            while st.ticketless.front().is_some_and(|d| d.time < from) {
                st.ticketless.pop_front();
            }
            while st.all.front().is_some_and(|&t| t < from) {
                st.all.pop_front();
            }
            while st.negatives.front().is_some_and(|d| d.0 < from) {
                st.negatives.pop_front();
            }
            while st.grants.front().is_some_and(|&t| t < from) {
                st.grants.pop_front();
            }
            st.alerted.retain(|_, t| day * MS_PER_DAY - *t <= gap);
        }
        self.grants.prune(from);
        self.negatives.prune(from);
        self.set_no_ticket_quantiles(world, cfg);
    }
}

/// A capture view (see the module docs) after moderator `e` took a
/// deletion of seller `s` into `pool`; `own` is the moderator's
/// deletions of the pool's kind in the window, this one included.
fn capture_test(cx: &Ctx<'_>, e: u32, s: u32, pool: &Pool, own: u64, view: Capture, out: &mut Out) {
    let (w, cfg) = (cx.world, &cx.cfg.review_deletion);
    let d = &pool.sellers[&s];
    let n = d.len() as u64;
    let k = d.iter().filter(|x| x.1 == e).count() as u64;
    if k < cfg.signal_min_deletions.min(cfg.min_deletions) as u64 {
        return;
    }
    // The moderator's share of the other sellers' deletions of the kind,
    // and no less than an even share among the moderators making any.
    let own_other = own.saturating_sub(k);
    let all_other = pool.total.saturating_sub(n);
    let even = 1.0 / pool.by.len().max(1) as f64;
    let share = (own_other as f64 + 1.0) / (all_other as f64 + 1.0);
    let pi = share.max(even).min(0.999);
    let lp = binomial_sf_log10(k, n, pi);
    // The deletion view came second: its tests count twice.
    let tests =
        pool.sellers.len().max(1) as f64 * if view == Capture::Negatives { 2.0 } else { 1.0 };
    let adj = (lp + tests.log10()).min(0.0);
    if k >= cfg.signal_min_deletions as u64 && adj < cfg.signal_alpha.log10() {
        out.signals.push(strong_signal(s, e));
    }
    let log10_alpha = cfg.alpha.log10();
    if k < cfg.min_deletions as u64 || adj >= log10_alpha {
        return;
    }
    let sev = severity(k, cfg);
    let (emp, seller) = (w.emp_name(e), w.seller_name(s));
    let (kind, summary, null_model) = match view {
        Capture::Disputes => (
            "dispute_capture",
            format!(
                "{emp} granted {k} of the {n} review disputes of {seller} that led to a deletion in {} days, \
                 against a share of {:.1}% of all granted disputes (p={}): check how the seller's disputes reach them",
                cfg.window_days,
                pi * 100.0,
                fmt_p(adj)
            ),
            "the deletions granting the seller's own review disputes in the window fall on each moderator with probability pi = max(the moderator's share of the other sellers' granted disputes, 1 / moderators granting any); k ~ Binomial(n, pi); Bonferroni over the sellers with granted disputes",
        ),
        Capture::Negatives => (
            "deletion_capture",
            format!(
                "{emp} made {k} of the {n} deletions of {seller}'s negative reviews in {} days, \
                 against a share of {:.1}% of all deletions of negative reviews (p={}): check who asks them to delete",
                cfg.window_days,
                pi * 100.0,
                fmt_p(adj)
            ),
            "the deletions of the seller's negative, non-burst reviews in the window, explained or not, fall on each moderator with probability pi = max(the moderator's share of the other sellers' such deletions, 1 / moderators making any); k ~ Binomial(n, pi); Bonferroni over the sellers with such deletions, doubled for the second capture view",
        ),
    };
    out.findings.push(Finding {
        employee: e,
        detector: DetectorKind::ReviewDeletionTargeting,
        key: seller.to_string(),
        severity: sev,
        score: score_from_p(adj, log10_alpha, severity_floor_score(sev)),
        summary,
        sellers: vec![seller.to_string()],
        customers: k,
        evidence: d
            .iter()
            .filter(|x| x.1 == e)
            .map(|x| x.2.to_string())
            .collect(),
        explain: json!({
            "kind": kind,
            "null_model": null_model,
            "observed": k,
            "n": n,
            "expected": n as f64 * pi,
            "share": share,
            "moderators": pool.by.len(),
            "pi": pi,
            "p_value": p_json(lp),
            "log10_p": lp,
            "tests": tests,
            "p_adjusted": p_json(adj),
            "log10_p_adjusted": adj,
            "alpha": cfg.alpha,
            "window_days": cfg.window_days,
        }),
    });
}

impl ReviewDeletionTargeting {
    /// Moderators differ: the quantile of individual ticketless rates
    /// (and rates of deletions stating no purpose), per peer group and
    /// over all, among those with enough deletions.
    fn set_no_ticket_quantiles(&mut self, world: &World, cfg: &DetectConfig) {
        let c = &cfg.review_deletion;
        let mut groups: FxHashMap<u32, [Vec<f64>; 2]> = FxHashMap::default();
        let mut all: [Vec<f64>; 2] = Default::default();
        for (e, st) in self.emps.iter().enumerate() {
            let d = st.all.len();
            if d < c.min_deletions_for_rate as usize {
                continue;
            }
            let count = |l| st.ticketless.iter().filter(|x| x.counts_at(l)).count();
            let (ticketless, bare) = (count(0), count(1));
            let rates = [ticketless as f64 / d as f64, bare as f64 / d as f64];
            let g = groups.entry(world.peer(e as u32)).or_default();
            for l in 0..2 {
                g[l].push(rates[l]);
                all[l].push(rates[l]);
            }
        }
        let [a0, a1] = &mut all;
        self.all_no_ticket_hi = [quantile(a0, c.peer_quantile), quantile(a1, c.peer_quantile)];
        self.no_ticket_hi.clear();
        for (g, [mut v0, mut v1]) in groups {
            if v0.len() >= c.min_peer_moderators as usize {
                let hi = [
                    quantile(&mut v0, c.peer_quantile),
                    quantile(&mut v1, c.peer_quantile),
                ];
                self.no_ticket_hi.insert(g, hi);
            }
        }
    }
}

/// Medium, high from `high_deletions`, critical from `critical_deletions`.
fn severity(k: u64, cfg: &crate::config::ReviewDeletionConfig) -> Severity {
    if k >= cfg.critical_deletions as u64 {
        Severity::Critical
    } else if k >= cfg.high_deletions as u64 {
        Severity::High
    } else {
        Severity::Medium
    }
}

/// Evidence that the seller gains from moderator `e`'s deletions strong
/// enough to count alone in beneficiary convergence.
fn strong_signal(s: u32, e: u32) -> Signal {
    Signal {
        seller: s,
        employee: e,
        kind: Benefit::ReviewDeletion,
        strong: true,
        log10_p: None,
    }
}

/// The share of deletions a seller may expect: the larger of its share
/// of negative reviews and of review disputes (sellers that complain
/// more legitimately get more deletions).
fn seller_p0(w: &World, s: u32) -> f64 {
    let neg_share = w.sel[s as usize].neg_reviews as f64 / w.neg_reviews.max(1) as f64;
    let dispute_share = w.sel[s as usize].disputes as f64 / (w.disputes as f64 + 20.0);
    neg_share.max(dispute_share).clamp(1e-9, 0.999)
}

/// What the seller gained from this moderator, explained or not: `k` of
/// the moderator's `D` deletions in the window took a negative review of
/// the seller, `P(X ≥ k)`, `X ~ Binomial(D, p0)`, with no correction for
/// the sellers. Reported as a weak signal when an honest moderator could
/// not reach it on a given seller (`employees × p` below 1): beneficiary
/// convergence joins it to another employee's strong evidence of another
/// kind about the same seller (a data buyer whose negative reviews also
/// go, through disputes or not).
fn benefit_signal(cx: &Ctx<'_>, e: u32, st: &mut EmpState, rid: &str) -> Option<Signal> {
    let (w, cfg) = (cx.world, &cx.cfg.review_deletion);
    let r = w.reviews.get(rid)?;
    if r.rating as u32 > cfg.negative_max_rating || w.is_burst(r, cx.cfg) {
        return None;
    }
    let s = r.seller;
    st.negatives.push_back((cx.now, s));
    let k = st.negatives.iter().filter(|x| x.1 == s).count() as u64;
    if k < 2 {
        return None;
    }
    let deletions = (st.all.len() as u64).max(k);
    let log10_p = binomial_sf_log10(k, deletions, seller_p0(w, s));
    (log10_p + (w.emp.len().max(1) as f64).log10() < 0.0).then_some(Signal {
        seller: s,
        employee: e,
        kind: Benefit::ReviewDeletion,
        strong: false,
        log10_p: Some(log10_p),
    })
}

/// The ticketless test of the moderator `e` (see the module docs): the
/// deletions citing no ticket, and those stating no purpose at all, each
/// against the peers' rate of the same; the smaller p-value, doubled.
fn no_ticket_finding(
    cx: &Ctx<'_>,
    e: u32,
    st: &EmpState,
    (peer, all): (&Tally, &Tally),
    spread: [f64; 2],
) -> Option<Finding> {
    let cfg = &cx.cfg.review_deletion;
    let deletions = st.all.len() as u64;
    // Until other moderators have shown how they work, no test.
    let others = all.deletions.saturating_sub(deletions);
    if others < u64::from(cfg.min_deletions_for_rate) * u64::from(cfg.min_peer_moderators) {
        return None;
    }
    let mut best: Option<(f64, usize, u64, f64, f64)> = None;
    for (level, &spread) in spread.iter().enumerate() {
        let k = st.ticketless.iter().filter(|x| x.counts_at(level)).count() as u64;
        if k < cfg.min_deletions as u64 {
            continue;
        }
        // The others' rate, shrunk towards everyone's (and before the
        // stream has shown any, towards a cautious cold rate).
        let global = (all.bare[level].saturating_sub(k) as f64 + COLD_PRIOR * COLD_RATE)
            / (all.deletions.saturating_sub(deletions) as f64 + COLD_PRIOR);
        let pooled = (peer.bare[level].saturating_sub(k) as f64 + cfg.prior_deletions * global)
            / (peer.deletions.saturating_sub(deletions) as f64 + cfg.prior_deletions);
        let q = pooled.max(spread).max(cfg.min_no_ticket_rate).min(0.999);
        let lp = (binomial_sf_log10(k, deletions.max(k), q) + 2f64.log10()).min(0.0);
        if best.is_none_or(|b| lp < b.0) {
            best = Some((lp, level, k, q, pooled));
        }
    }
    let (log10_p, level, k, q, pooled) = best?;
    let log10_alpha = cfg.no_ticket_alpha.log10();
    if log10_p >= log10_alpha {
        return None;
    }
    let w = cx.world;
    let shown: Vec<&Ticketless> = st
        .ticketless
        .iter()
        .filter(|x| x.counts_at(level))
        .collect();
    let mut by_seller: FxHashMap<Option<u32>, u64> = FxHashMap::default();
    for d in &shown {
        *by_seller.entry(d.seller).or_default() += 1;
    }
    let mut sellers: Vec<(u64, Option<u32>)> = by_seller.into_iter().map(|(s, n)| (n, s)).collect();
    sellers.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let name = |s: Option<u32>| s.map_or("a seller unknown to Custos", |s| w.seller_name(s));
    let top = sellers
        .iter()
        .find(|x| x.1.is_some())
        .map(|&(n, s)| format!("{n} of them of {}; ", name(s)))
        .unwrap_or_default();
    let sev = severity(k, cfg);
    let emp = w.emp_name(e);
    let expected = deletions as f64 * q;
    let (what, kind) = if level == 0 {
        ("negative reviews citing no ticket at all", "no_ticket")
    } else {
        (
            "reviews stating no purpose at all (no ticket, code or reason)",
            "no_purpose",
        )
    };
    Some(Finding {
        employee: e,
        detector: DetectorKind::ReviewDeletionTargeting,
        key: "no_ticket".into(),
        severity: sev,
        score: score_from_p(log10_p, log10_alpha, severity_floor_score(sev)),
        summary: format!(
            "{emp} deleted {k} {what} ({top}{deletions} deletions in {} days, peers would {expected:.1}, \
             p={}): check for paid deletions",
            cfg.window_days,
            fmt_p(log10_p)
        ),
        sellers: sellers
            .iter()
            .filter_map(|x| x.1)
            .map(|s| w.seller_name(s).to_string())
            .collect(),
        customers: k,
        evidence: shown.iter().map(|d| d.event.to_string()).collect(),
        explain: json!({
            "kind": kind,
            "null_model": "each of the moderator's deletions is a deletion of a negative, non-burst review citing no ticket (or, second test, of any review not known to be positive, stating no purpose at all) with probability q = max(peers' pooled rate of the same, the peer_quantile of peers' individual rates, min_no_ticket_rate); k ~ Binomial(deletions, q); the smaller p-value of the two, doubled",
            "observed": k,
            "deletions": deletions,
            "expected": expected,
            "peer_rate": q,
            "peer_pooled_rate": pooled,
            "peer_quantile_rate": spread[level],
            "by_seller": sellers.iter().map(|x| json!({"seller": name(x.1), "deletions": x.0})).collect::<Vec<_>>(),
            "p_value": p_json(log10_p),
            "log10_p": log10_p,
            "alpha": cfg.no_ticket_alpha,
            "window_days": cfg.window_days,
        }),
    })
}

/// Drops a seller's deletions older than `from` from a pool's counts.
fn drop_before(
    d: &mut VecDeque<(i64, u32, Box<str>)>,
    from: i64,
    by: &mut FxHashMap<u32, u64>,
    total: &mut u64,
) {
    while let Some(x) = d.front().filter(|x| x.0 < from) {
        if let Some(n) = by.get_mut(&x.1) {
            *n -= 1;
            if *n == 0 {
                by.remove(&x.1);
            }
        }
        *total -= 1;
        d.pop_front();
    }
}

/// The seller whose own review dispute this deletion grants: the
/// deleted review is negative, not from a burst, and the cited ticket,
/// or else the dispute naming the review, is a review_dispute the
/// review's seller opened about it (or about no review in particular).
fn granted_dispute_of(cx: &Ctx<'_>, rid: &str) -> Option<u32> {
    let w = cx.world;
    let r = w.reviews.get(rid)?;
    if r.rating as u32 > cx.cfg.review_deletion.negative_max_rating || w.is_burst(r, cx.cfg) {
        return None;
    }
    let s = r.seller;
    let cited = cx.ev.purpose.as_ref().and_then(|p| p.ticket.as_deref());
    let t = w.tickets.get(cited.or(r.dispute.as_deref())?)?;
    let by_seller = t.opener
        == Some(AccountKey {
            seller: true,
            id: s,
        });
    let about = t.review.as_deref().is_none_or(|x| x == rid);
    (t.kind == Some(TicketKind::ReviewDispute) && by_seller && about).then_some(s)
}

/// Whether a ticket justifies the deletion: the delete cites a ticket
/// about this review (a report or dispute naming it) or a review_dispute
/// of the seller; or a dispute names this review and is open or closed
/// within `dispute_grace_days`; or the moderator was
/// assigned, within `dispute_grace_days`, a review_dispute of the seller
/// that names no particular review (one that names a review justifies
/// that review only).
fn explained(cx: &Ctx<'_>, e: u32, rid: &str, r: &crate::world::ReviewInfo) -> bool {
    let w = cx.world;
    let s = r.seller;
    let cited = cx
        .ev
        .purpose
        .as_ref()
        .and_then(|p| p.ticket.as_deref())
        .and_then(|t| w.tickets.get(t));
    if let Some(t) = cited {
        let names_review = t.review.as_deref() == Some(rid);
        let dispute_of_seller = t.kind == Some(TicketKind::ReviewDispute) && t.seller == Some(s);
        if names_review || dispute_of_seller {
            return true;
        }
    }
    // A dispute naming the review explains its deletion by whoever
    // handles it, while it is open and for the grace after it closed; a
    // dispute settled weeks ago (the review kept) does not.
    let grace = cx.cfg.review_deletion.dispute_grace_days as i64 * MS_PER_DAY;
    let dispute = r.dispute.as_deref().and_then(|d| w.tickets.get(d));
    if dispute.is_some_and(|d| d.closed.is_none_or(|c| cx.now - c <= grace)) {
        return true;
    }
    assigned_dispute(cx, e, s)
}

/// Whether the moderator was assigned, within `dispute_grace_days`, a
/// review_dispute of the seller that names no particular review.
fn assigned_dispute(cx: &Ctx<'_>, e: u32, s: u32) -> bool {
    let grace = cx.cfg.review_deletion.dispute_grace_days as i64 * MS_PER_DAY;
    cx.world.emp[e as usize].assignments.iter().any(|a| {
        a.kind == Some(TicketKind::ReviewDispute)
            && !a.names_review
            && a.seller == Some(s)
            && cx.now - a.time <= grace
    })
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;
    use serde_json::json;

    /// 50 sellers, each with 10 organic reviews, 3 of them negative.
    fn reviews(t: &mut Kit) {
        for s in 0..50 {
            for i in 0..10 {
                let rating = if i < 3 { 1 } else { 5 };
                t.review(
                    &format!("r-{s}-{i}"),
                    &format!("cus-{s}-{i}"),
                    &format!("sel-{s}"),
                    rating,
                );
                t.hours(0.5);
            }
        }
    }

    /// `emp-m` deletes three of `sel-7`'s negative reviews, hours apart,
    /// citing nothing; returns the alerts then.
    fn delete_sel_7s_negatives(t: &mut Kit) -> Vec<crate::Alert> {
        for i in 0..3 {
            t.delete_review("emp-m", &format!("r-7-{i}"), "other", None);
            t.hours(3.0);
        }
        t.alerts_of("review_deletion_targeting")
    }

    #[test]
    fn deleting_one_sellers_negative_reviews_fires() {
        let mut t = Kit::new();
        reviews(&mut t);
        t.days(1.0);
        let a = delete_sel_7s_negatives(&mut t);
        assert_eq!(a.len(), 1, "{:?}", t.alerts);
        assert_eq!(a[0].sellers, vec!["sel-7".to_string()]);
        assert_eq!(a[0].evidence.len(), 3);
    }

    #[test]
    fn a_dispute_ticket_of_the_seller_explains_the_deletions() {
        let mut t = Kit::new();
        reviews(&mut t);
        t.seller_ticket("tkt-d", "review_dispute", "sel-7");
        t.assign("emp-m", "tkt-d");
        for i in 0..3 {
            t.delete_review(
                "emp-m",
                &format!("r-7-{i}"),
                "seller_request",
                Some("tkt-d"),
            );
        }
        assert!(t.alerts_of("review_deletion_targeting").is_empty());
    }

    #[test]
    fn cleaning_a_spam_wave_across_sellers_does_not_fire() {
        let mut t = Kit::new();
        reviews(&mut t);
        t.days(1.0);
        // Spam accounts post one-star reviews on many sellers within minutes.
        for b in 0..20 {
            for s in 0..10 {
                t.review(
                    &format!("spam-{b}-{s}"),
                    &format!("bot-{b}"),
                    &format!("sel-{s}"),
                    1,
                );
            }
        }
        t.hours(5.0);
        for b in 0..20 {
            for s in 0..10 {
                t.delete_review("emp-m", &format!("spam-{b}-{s}"), "spam", None);
            }
        }
        // Plus ordinary moderation of abusive negative reviews across sellers.
        for s in 20..40 {
            t.delete_review("emp-m", &format!("r-{s}-0"), "abuse", None);
        }
        assert!(
            t.alerts_of("review_deletion_targeting").is_empty(),
            "{:?}",
            t.alerts
        );
    }

    /// A week of ordinary reviews, then a bomb of one-star reviews on
    /// `sel-3` from one-review accounts, spread over a day (slower than a
    /// review bomb per hour), deleted as spam the next morning. The
    /// marketplace-wide surge rule is switched off, so only the seller's
    /// own surge can tell the bomb apart.
    fn one_seller_wave(seller_rule: bool) -> Kit {
        let mut cfg = crate::DetectConfig::default();
        cfg.world.negative_surge_factor = 1e9;
        if !seller_rule {
            cfg.world.seller_surge_min = u32::MAX;
        }
        let mut t = Kit::with(cfg);
        for _ in 0..3 {
            reviews(&mut t);
            t.days(2.0);
        }
        t.days(1.0);
        for b in 0..40 {
            t.review(&format!("wave-{b}"), &format!("acct-{b}"), "sel-3", 1);
            t.hours(0.5);
        }
        t.hours(6.0);
        for b in 0..40 {
            t.delete_review("emp-m", &format!("wave-{b}"), "spam", None);
        }
        t
    }

    #[test]
    fn cleaning_a_one_seller_wave_of_single_reviews_does_not_fire() {
        let mut t = one_seller_wave(true);
        assert!(
            t.alerts_of("review_deletion_targeting").is_empty(),
            "{:?}",
            t.alerts
        );
        // The same moderator deleting `sel-7`'s ordinary negatives is caught.
        let a = delete_sel_7s_negatives(&mut t);
        assert_eq!(a.len(), 1, "{:?}", t.alerts);
        assert_eq!(a[0].sellers, vec!["sel-7".to_string()]);
        // Without the seller's surge the cleanup itself looks paid.
        let t = one_seller_wave(false);
        let a = t.alerts_of("review_deletion_targeting");
        assert!(a.iter().any(|a| a.sellers == ["sel-3"]), "{:?}", t.alerts);
    }

    /// 30 sellers with 5 negative reviews each, and `sel-big` with 100.
    fn skewed_reviews(t: &mut Kit) {
        for s in 0..30 {
            for i in 0..5 {
                let (id, c) = (format!("r-{s}-{i}"), format!("cus-{s}-{i}"));
                t.review(&id, &c, &format!("sel-{s}"), 1);
                t.hours(0.3);
            }
        }
        for i in 0..100 {
            t.review(&format!("rb-{i}"), &format!("cus-b-{i}"), "sel-big", 1);
            t.hours(0.3);
        }
        t.days(1.0);
    }

    /// Moderators working reports; `ticketless` of them delete the
    /// reported reviews without citing the report.
    fn moderation(t: &mut Kit, mods: &[&str], ticketless: bool) {
        for (m, emp) in mods.iter().enumerate() {
            for i in 0..20 {
                let s = (m * 7 + i) % 30;
                let r = format!("r-{s}-{}", i % 5);
                let tk = format!("rep-{m}-{i}");
                t.review_ticket(&tk, &r, &format!("sel-{s}"));
                t.assign(emp, &tk);
                let cite = (!ticketless).then_some(tk.as_str());
                t.delete_review(emp, &r, "abuse", cite);
                t.hours(0.2);
            }
        }
    }

    /// emp-m works ten reports like its peers, then deletes four negative
    /// reviews of `sel-big` citing nothing. `sel-big` holds 40% of the
    /// negatives, so four of four on it is no concentration.
    fn paid_deletions(peers_ticketless: bool) -> Kit {
        let mut t = Kit::new();
        skewed_reviews(&mut t);
        moderation(&mut t, &["emp-p1", "emp-p2", "emp-p3"], peers_ticketless);
        for i in 0..10 {
            let r = format!("r-{}-{}", 20 + i % 10, i % 5);
            let tk = format!("rep-m-{i}");
            t.review_ticket(&tk, &r, &format!("sel-{}", 20 + i % 10));
            t.assign("emp-m", &tk);
            t.delete_review("emp-m", &r, "abuse", Some(&tk));
        }
        for i in 0..4 {
            t.delete_review("emp-m", &format!("rb-{i}"), "off_topic", None);
            t.hours(5.0);
        }
        t
    }

    #[test]
    fn a_few_ticketless_deletions_stand_out_where_peers_always_cite_a_report() {
        let t = paid_deletions(false);
        let a = t.alerts_of("review_deletion_targeting");
        assert_eq!(a.len(), 1, "{:?}", t.alerts);
        assert_eq!(a[0].employee, "emp-m");
        assert_eq!(a[0].sellers, vec!["sel-big".to_string()]);
        let x = &a[0].explain;
        assert!(x["log10_p_rate"].as_f64() < x["log10_p_concentration"].as_f64());
        assert!(x["log10_p_concentration"].as_f64().unwrap() > -2.0);
        assert!(x["peer_rate"].as_f64().unwrap() < 0.05);
    }

    #[test]
    fn ticketless_deletions_are_no_news_where_peers_all_do_it() {
        let t = paid_deletions(true);
        let a = t.alerts_of("review_deletion_targeting");
        assert!(a.iter().all(|a| a.employee != "emp-m"), "{a:?}");
    }

    #[test]
    fn positive_reviews_do_not_count() {
        let mut t = Kit::new();
        reviews(&mut t);
        for i in 3..10 {
            t.delete_review("emp-m", &format!("r-7-{i}"), "off_topic", None);
        }
        assert!(t.alerts_of("review_deletion_targeting").is_empty());
    }

    /// Six moderators work reports and cite them (or, `peers_ticketless`,
    /// cite nothing); `sel-big` disputes some of its negative reviews and
    /// emp-m deletes three of them citing nothing, the disputes being
    /// someone else's to handle.
    fn disputed_deletions(peers_ticketless: bool) -> Kit {
        let mut t = Kit::new();
        skewed_reviews(&mut t);
        let mods = ["emp-p1", "emp-p2", "emp-p3", "emp-p4", "emp-p5", "emp-p6"];
        moderation(&mut t, &mods, peers_ticketless);
        for i in 0..3 {
            let r = format!("rb-{i}");
            t.review_dispute(&format!("dsp-{i}"), &r, "sel-big");
            t.hours(1.0);
            t.delete_review("emp-m", &r, "off_topic", None);
            t.hours(5.0);
        }
        t
    }

    #[test]
    fn ticketless_deletions_stand_out_whatever_seller_they_help() {
        let t = disputed_deletions(false);
        let a = t.alerts_of("review_deletion_targeting");
        assert_eq!(a.len(), 1, "{:?}", t.alerts);
        assert_eq!(a[0].employee, "emp-m");
        assert_eq!(a[0].explain["kind"], "no_ticket");
        assert_eq!(a[0].sellers, vec!["sel-big".to_string()]);
        assert_eq!(a[0].evidence.len(), 3);
        assert!(a[0].explain["peer_rate"].as_f64().unwrap() < 0.01);
    }

    /// `sel-new`'s five negative reviews were disputed and the disputes
    /// settled (reviews kept); `wait_days` later emp-m deletes three of
    /// them citing an unrelated report.
    fn settled_disputes_then_deletions(wait_days: f64) -> Kit {
        let mut t = Kit::new();
        skewed_reviews(&mut t);
        moderation(&mut t, &["emp-p1", "emp-p2", "emp-p3", "emp-p4"], false);
        for i in 0..5 {
            t.review(&format!("rn-{i}"), &format!("cus-n-{i}"), "sel-new", 1);
            t.review_dispute(&format!("dsp-{i}"), &format!("rn-{i}"), "sel-new");
            t.hours(2.0);
            t.send(json!({"actor": {"type": "system", "id": "helpdesk"}, "action": "ticket.close",
                "target": {"type": "ticket", "id": format!("dsp-{i}")}, "attrs": {"resolution": "kept"}}));
        }
        t.days(wait_days);
        for i in 0..3 {
            t.delete_review("emp-m", &format!("rn-{i}"), "off_topic", Some("rep-0-0"));
            t.hours(5.0);
        }
        t
    }

    #[test]
    fn a_dispute_settled_weeks_ago_no_longer_explains_deleting_its_review() {
        let t = settled_disputes_then_deletions(20.0);
        let a = t.alerts_of("review_deletion_targeting");
        assert_eq!(a.len(), 1, "{:?}", t.alerts);
        assert_eq!(a[0].employee, "emp-m");
        assert_eq!(a[0].sellers, vec!["sel-new".to_string()]);
        // Within the grace the disputes still explain the deletions.
        let t = settled_disputes_then_deletions(3.0);
        assert!(
            t.alerts_of("review_deletion_targeting").is_empty(),
            "{:?}",
            t.alerts
        );
    }

    /// Thirty sellers dispute their negative reviews (three each) and
    /// twenty moderators grant the disputes as they come. Then `sel-x` files
    /// four more: granted by `emp-m` alone (`captured`), or by whoever is
    /// next in the queue.
    fn seller_disputes(captured: bool) -> Kit {
        let mut t = Kit::new();
        skewed_reviews(&mut t);
        let mods: Vec<String> = (0..20).map(|i| format!("emp-p{i}")).collect();
        let mut next = 0;
        for s in 0..30 {
            for i in 0..3 {
                let (tk, r, seller) = (
                    format!("d-{s}-{i}"),
                    format!("r-{s}-{i}"),
                    format!("sel-{s}"),
                );
                t.review_dispute(&tk, &r, &seller);
                let m = &mods[next % mods.len()];
                next += 1;
                t.assign(m, &tk);
                t.delete_review(m, &r, "seller_request", Some(&tk));
                t.hours(0.5);
            }
        }
        for i in 0..4 {
            let (tk, r) = (format!("dx-{i}"), format!("rx-{i}"));
            t.review(&r, &format!("cus-x-{i}"), "sel-x", 1);
            t.review_dispute(&tk, &r, "sel-x");
            let m = if captured {
                "emp-m".to_string()
            } else {
                mods[(next + i) % mods.len()].clone()
            };
            t.assign(&m, &tk);
            t.delete_review(&m, &r, "seller_request", Some(&tk));
            t.hours(3.0);
        }
        t
    }

    #[test]
    fn one_moderator_granting_all_of_a_sellers_disputes_fires() {
        let t = seller_disputes(true);
        let a = t.alerts_of("review_deletion_targeting");
        assert_eq!(a.len(), 1, "{:?}", t.alerts);
        assert_eq!(a[0].employee, "emp-m");
        assert_eq!(a[0].explain["kind"], "dispute_capture");
        assert_eq!(a[0].explain["observed"], 4);
        assert_eq!(a[0].sellers, vec!["sel-x".to_string()]);
        assert_eq!(a[0].evidence.len(), 4);
    }

    #[test]
    fn a_sellers_disputes_granted_through_the_queue_do_not_fire() {
        let t = seller_disputes(false);
        assert!(
            t.alerts_of("review_deletion_targeting").is_empty(),
            "{:?}",
            t.alerts
        );
    }

    /// 21 moderators delete 147 of the 150 negative reviews of 30
    /// sellers without a ticket, each one review of seven sellers; then
    /// five of `sel-x`'s six negative reviews (written one a day, no
    /// wave) go, two through the seller's own disputes and three citing
    /// nothing: all by `emp-m` (`captured`), or one each by five
    /// moderators.
    fn seller_negatives(captured: bool) -> Kit {
        let mut t = Kit::new();
        skewed_reviews(&mut t);
        for i in 0..6 {
            t.review(&format!("rx-{i}"), &format!("cus-x-{i}"), "sel-x", 1);
            t.days(1.0);
        }
        let mut mods: Vec<String> = (0..20).map(|i| format!("emp-p{i}")).collect();
        mods.push("emp-m".into());
        for d in 0..7 {
            for (m, emp) in mods.iter().enumerate() {
                let j = d * mods.len() + m;
                t.delete_review(emp, &format!("r-{}-{}", j / 5, j % 5), "spam", None);
                t.hours(0.3);
            }
        }
        for i in 0..5 {
            let m = if captured {
                "emp-m"
            } else {
                mods[i * 3].as_str()
            };
            let r = format!("rx-{i}");
            if i < 2 {
                let tk = format!("dx-{i}");
                t.review_dispute(&tk, &r, "sel-x");
                t.assign(m, &tk);
                t.delete_review(m, &r, "seller_request", Some(&tk));
            } else {
                t.delete_review(m, &r, "spam", None);
            }
            t.hours(20.0);
        }
        t
    }

    #[test]
    fn one_moderator_making_most_of_a_sellers_deletions_fires() {
        let t = seller_negatives(true);
        let a = t.alerts_of("review_deletion_targeting");
        assert_eq!(a.len(), 1, "{:?}", t.alerts);
        assert_eq!(a[0].employee, "emp-m");
        assert_eq!(a[0].explain["kind"], "deletion_capture");
        assert_eq!(a[0].explain["observed"], 5);
        assert_eq!(a[0].explain["n"], 5);
        assert_eq!(a[0].sellers, vec!["sel-x".to_string()]);
        assert_eq!(a[0].evidence.len(), 5);
    }

    #[test]
    fn a_sellers_deletions_spread_over_moderators_do_not_fire() {
        let t = seller_negatives(false);
        assert!(
            t.alerts_of("review_deletion_targeting").is_empty(),
            "{:?}",
            t.alerts
        );
    }

    #[test]
    fn ticketless_deletions_are_no_news_where_every_moderator_cites_nothing() {
        let t = disputed_deletions(true);
        let a = t.alerts_of("review_deletion_targeting");
        assert!(a.is_empty(), "{a:?}");
    }
    /// Eleven moderators work a queue, citing its purpose code and no
    /// ticket; emp-m works it too, then, holding a dispute of sel-big,
    /// deletes five reviews stating no purpose at all, two of sel-big's
    /// and three written before the records begin (unknown to Custos). With `peers_bare`, every moderator's queue
    /// deletions state no purpose either.
    fn bare_deletions(peers_bare: bool) -> Kit {
        let mut t = Kit::new();
        skewed_reviews(&mut t);
        let mut mods: Vec<String> = (1..=11).map(|i| format!("emp-p{i}")).collect();
        mods.push("emp-m".into());
        for (m, emp) in mods.iter().enumerate() {
            for i in 0..20 {
                let r = format!("r-{}-{}", (m * 7 + i) % 30, i % 5);
                let mut v = json!({"actor": {"type": "employee", "id": emp}, "action": "review.delete",
                    "target": {"type": "review", "id": r}, "attrs": {"reason": "spam"}});
                if !peers_bare {
                    v["purpose"] = json!({"code": "quality_review"});
                }
                t.send(v);
                t.hours(0.2);
            }
        }
        // A dispute of sel-big assigned to emp-m excuses a deletion of its
        // reviews citing no ticket, but not one stating no purpose.
        t.seller_ticket("dsp-big", "review_dispute", "sel-big");
        t.assign("emp-m", "dsp-big");
        for r in ["rb-1", "rb-2", "old-1", "old-2", "old-3"] {
            t.delete_review("emp-m", r, "other", None);
            t.hours(5.0);
        }
        t
    }

    #[test]
    fn deletions_stating_no_purpose_stand_out_where_peers_state_one() {
        let t = bare_deletions(false);
        let a = t.alerts_of("review_deletion_targeting");
        assert_eq!(a.len(), 1, "{:?}", t.alerts);
        assert_eq!(a[0].employee, "emp-m");
        assert_eq!(a[0].explain["kind"], "no_purpose");
        // The unknown reviews count too, without a seller.
        assert_eq!(a[0].evidence.len(), 5);
        assert_eq!(a[0].sellers, vec!["sel-big".to_string()]);
        assert!(
            a[0].summary.contains("stating no purpose"),
            "{}",
            a[0].summary
        );
    }

    #[test]
    fn deletions_stating_no_purpose_are_no_news_where_every_moderator_does_so() {
        let t = bare_deletions(true);
        let a = t.alerts_of("review_deletion_targeting");
        assert!(a.is_empty(), "{a:?}");
    }
}
