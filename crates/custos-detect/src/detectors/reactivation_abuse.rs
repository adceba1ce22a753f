//! Reactivating accounts banned or suspended for fraud, counterfeiting or
//! review manipulation (counterfeit goods are fraud on their buyers)
//! without a proper appeal: an appeal ticket opened by that
//! account after the ban. One such reactivation is an alert (high); two
//! or more by the same employee in the window are critical. Unappealed
//! reactivations after bans for other reasons alert only when repeated
//! `other_reason_min` times, where that is configured (off by default:
//! such bans are routinely lifted without an appeal). Reactivations of
//! accounts whose ban the engine never saw (it predates the stream) are
//! not judged.
//!
//! A revival loop is judged even with an appeal each time: the same
//! employee reactivating one account again (`revival_repeat_at` times in
//! the window, default 3) after it was banned anew for fraud,
//! counterfeiting or review manipulation. One reactivation after a ban that proves mistaken is
//! the appeal's purpose, and a second by the analyst who works the
//! account's appeals happens; an account banned for fraud again and
//! again and brought back each time by the same hand has a protector
//! (high).
//!
//! Four-eyes as practised: where at least `approval_practice_share` of
//! the other employees' reactivations after such bans in the window (at
//! least `approval_practice_min` of them) name an approval
//! (`purpose.approval`), the organisation has a second person sign
//! these off. There, a reactivation after such a ban without one
//! bypassed the second person and alerts (high, key `no_approval`; two
//! or more critical), appealed or not; and one with an approval is not
//! judged for its appeal, since a second person signed it off (a batch
//! of mistaken bans undone under an incident ticket). Where approvals
//! are not the practice, neither applies. Where the stream carries the
//! grants of Custos's guard, an approval the guard did not grant to the
//! employee is none (`world.approval_memory_days`).
//!
//! A seller brought back after a serious ban is evidence for beneficiary
//! convergence, unless the reactivation is one of a batch: the employee's
//! `batch_at`-th or later within 24 hours (a wave of mistaken bans undone
//! at once favours no seller in particular). The alerts above still
//! apply to each.
//!
//! A borrowed approval: a reactivation naming an approval that another
//! employee's reactivation named first in the window (`reused_approval`,
//! key `reused_approval`, high; critical after a serious ban). An
//! approval permits the action of the person it was granted to; one
//! person undoing a batch of mistaken bans under one approval is not
//! flagged, a colleague citing it again is.
//!
//! An overturned refusal: a reactivation after a serious ban whose
//! appeal (opened after the ban) another employee had closed while the
//! account stayed banned (`overturned_refusal`, key of the same name,
//! high; critical from `repeat_at` in the window). An appeal is where
//! the case for lifting a ban is judged; a colleague lifting the ban
//! after the appeal was refused, under a fresh appeal or none, reverses
//! a second person's decision, which is how a protected seller comes
//! back. The employee who refused and later lifts the ban is not
//! flagged (a decision revised by its owner).

use super::{slot, Benefit, Ctx, Detector, DetectorKind, Finding, Out, Signal};
use crate::alert::{severity_floor_score, Severity};
use crate::config::DetectConfig;
use crate::world::{Refusal, World};
use custos_core::event::{BanReason, TicketKind};
use custos_core::time::MS_PER_DAY;
use custos_core::{Action, Outcome, Timestamp};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::VecDeque;

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Reactivation {
    time: i64,
    account: Box<str>,
    seller: Option<u32>,
    reason: BanReason,
    ban_time: i64,
    event: Box<str>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct EmpState {
    serious: VecDeque<Reactivation>,
    other: VecDeque<Reactivation>,
    /// Every reactivation in the window, appealed or not: (time,
    /// account, time of the ban it undid, event id).
    revived: VecDeque<(i64, Box<str>, i64, Box<str>)>,
    /// Reactivations after serious bans without an approval, where
    /// approvals are the practice.
    unapproved: VecDeque<Reactivation>,
    /// Reactivations after serious bans whose appeal a colleague had
    /// refused.
    overturned: VecDeque<Reactivation>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct ReactivationAbuse {
    emps: Vec<EmpState>,
    /// Every reactivation after a serious ban in the window: (time,
    /// employee, named an approval), at most [`MAX_PRACTICE`].
    practice: VecDeque<(i64, u32, bool)>,
    /// Approvals named by reactivations in the window: id → (time,
    /// employee, event id) of the first to name it.
    approvals: FxHashMap<Box<str>, (i64, u32, Box<str>)>,
}

/// Reactivations remembered to judge whether approvals are the practice.
const MAX_PRACTICE: usize = 4096;

impl Detector for ReactivationAbuse {
    fn kind(&self) -> DetectorKind {
        DetectorKind::ReactivationAbuse
    }

    fn observe(&mut self, cx: &Ctx<'_>, out: &mut Out) {
        let cfg = &cx.cfg.reactivation;
        let ev = cx.ev;
        if !cfg.enabled
            || ev.action != Action::AccountReactivate
            || ev.outcome() != Outcome::Allowed
        {
            return;
        }
        let Some(e) = cx.actor_emp() else { return };
        let w = cx.world;
        let Some(key) = w.account_key(ev) else { return };
        let Some(state) = w.accounts.get(&key) else {
            return;
        };
        let Some(ban) = state.ban.as_ref() else {
            return;
        };
        // A proper appeal: an appeal ticket the account opened after the
        // ban, which this employee works (or nobody yet) and which is not
        // long closed; or the reactivation cites a ticket from (or about) the
        // account asking for it (an appeal or account request) opened
        // after the ban, or at any time when an employee's suspension is
        // being undone.
        let grace = cx.cfg.world.closed_ticket_grace_hours as i64 * custos_core::time::MS_PER_HOUR;
        let appealed_in_state = state.appeal.as_ref().is_some_and(|(t, id)| {
            *t >= ban.time
                && w.tickets.get(&**id).is_some_and(|ti| {
                    ti.assignee.is_none_or(|a| a == e)
                        && ti.closed.is_none_or(|c| cx.now - c <= grace)
                })
        });
        let cited = [
            ev.attr_str("appeal"),
            ev.purpose.as_ref().and_then(|p| p.ticket.as_deref()),
        ];
        // Undoing a suspension within the investigation that made it
        // (citing the same ticket) is a correction, not a favour.
        let same_investigation = ban.manual
            && ban
                .ticket
                .as_deref()
                .is_some_and(|bt| cited.iter().flatten().any(|t| *t == bt));
        let appealed_by_ticket = cited.into_iter().flatten().any(|t| match w.tickets.get(t) {
            Some(ti) => {
                let from_account = ti.opener == Some(key)
                    || (key.seller && ti.seller == Some(key.id))
                    || (!key.seller && ti.customer == Some(key.id));
                let asks = matches!(ti.kind, Some(TicketKind::Appeal | TicketKind::Account));
                from_account && asks && (ti.opened >= ban.time || ban.manual)
            }
            None => w.in_warmup(cx.cfg),
        });
        let serious = crate::world::is_serious(ban.reason);
        let window = cfg.window_days as i64 * MS_PER_DAY;
        let account = ev
            .target
            .as_ref()
            .map(|t| t.id.as_str())
            .unwrap_or_default();
        let st = slot(&mut self.emps, e);
        st.revived
            .push_back((cx.now, account.into(), ban.time, ev.id.as_str().into()));
        while st.revived.front().is_some_and(|x| x.0 < cx.now - window) {
            st.revived.pop_front();
        }
        // One of a batch (a wave of bans undone at once) favours no
        // seller in particular: no evidence for convergence.
        let today = st
            .revived
            .iter()
            .filter(|x| x.0 >= cx.now - MS_PER_DAY)
            .count();
        let batch = cfg.batch_at > 0 && today >= cfg.batch_at as usize;
        let favoured = key.seller.then_some(key.id).filter(|_| !batch);
        if serious && cfg.revival_repeat_at > 0 {
            let seller = key.seller.then_some(key.id);
            if let Some(f) = revival_loop(cx, e, st, account, seller) {
                out.signals.extend(favoured.map(|s| revived_signal(s, e)));
                out.findings.push(f);
            }
        }
        let seller = key.seller.then_some(key.id);
        let r = Reactivation {
            time: cx.now,
            account: account.into(),
            seller,
            reason: ban.reason,
            ban_time: ban.time,
            event: ev.id.as_str().into(),
        };
        let named = ev
            .purpose
            .as_ref()
            .and_then(|p| p.approval.as_deref())
            .map(str::trim)
            .filter(|a| !a.is_empty());
        if let Some(a) = named.filter(|_| cfg.reused_approval) {
            match self.approvals.get(a) {
                Some(first) if first.1 != e => {
                    out.signals.extend(favoured.map(|s| revived_signal(s, e)));
                    out.findings
                        .push(reused_approval(cx, e, a, &r, serious, first));
                }
                Some(_) => {}
                None => {
                    let first = (cx.now, e, ev.id.as_str().into());
                    self.approvals.insert(a.into(), first);
                }
            }
        }
        let refusal = state.refused.as_ref().filter(|x| x.employee != e);
        if let Some(refusal) = refusal.filter(|_| serious && cfg.overturned_refusal) {
            let st = slot(&mut self.emps, e);
            out.signals.extend(favoured.map(|s| revived_signal(s, e)));
            out.findings
                .push(overturned_refusal(cx, e, st, r.clone(), refusal));
        }
        let mut approved_in_practice = false;
        if serious && cfg.approval_practice_min > 0 {
            // Where the stream carries the guard's grants, an approval it
            // did not grant to this employee is none.
            let approved = ev
                .purpose
                .as_ref()
                .and_then(|p| p.approval.as_deref())
                .map(str::trim)
                .is_some_and(|a| !a.is_empty() && !cx.world.guard_refutes(a, e));
            let (n, k) = self
                .practice
                .iter()
                .filter(|x| x.1 != e && x.0 >= cx.now - window)
                .fold((0u32, 0u32), |(n, k), x| (n + 1, k + x.2 as u32));
            let practised = n >= cfg.approval_practice_min
                && k as f64 >= cfg.approval_practice_share * n as f64;
            if self.practice.len() >= MAX_PRACTICE {
                self.practice.pop_front();
            }
            self.practice.push_back((cx.now, e, approved));
            approved_in_practice = practised && approved;
            if practised && !approved {
                let st = slot(&mut self.emps, e);
                out.signals.extend(favoured.map(|s| revived_signal(s, e)));
                out.findings.push(no_approval(cx, e, st, r.clone(), (n, k)));
            }
        }
        if appealed_in_state || appealed_by_ticket || same_investigation || approved_in_practice {
            return;
        }
        let st = slot(&mut self.emps, e);
        let list = if serious {
            &mut st.serious
        } else {
            &mut st.other
        };
        list.push_back(r);
        while list.front().is_some_and(|x| x.time < cx.now - window) {
            list.pop_front();
        }
        let n = list.len() as u32;
        if serious {
            out.signals.extend(favoured.map(|s| revived_signal(s, e)));
        }
        let sev = if serious {
            if n >= cfg.repeat_at {
                Severity::Critical
            } else {
                Severity::High
            }
        } else if cfg.other_reason_min > 0 && n >= cfg.other_reason_min {
            Severity::Medium
        } else {
            return;
        };
        let emp = w.emp_name(e);
        let mut sellers: Vec<String> = list
            .iter()
            .filter_map(|x| x.seller.map(|s| w.seller_name(s).to_string()))
            .collect();
        sellers.sort();
        sellers.dedup();
        let accounts: Vec<serde_json::Value> = list
            .iter()
            .map(|x| {
                json!({"account": &*x.account, "ban_reason": x.reason.as_str(),
                    "banned_at": Timestamp(x.ban_time).to_rfc3339(),
                    "reactivated_at": Timestamp(x.time).to_rfc3339()})
            })
            .collect();
        let what = if serious {
            "fraud, counterfeiting or review manipulation"
        } else {
            "policy reasons"
        };
        out.findings.push(Finding {
            employee: e,
            detector: DetectorKind::ReactivationAbuse,
            key: if serious { String::new() } else { "other".into() },
            severity: sev,
            score: (severity_floor_score(sev) + 5.0 * n as f64).min(100.0),
            summary: format!(
                "{emp} reactivated {n} account(s) banned for {what} without an appeal from the account \
                 in {} days (latest {account}); reverse unless an appeal is documented",
                cfg.window_days
            ),
            sellers,
            customers: 0,
            evidence: list.iter().map(|x| x.event.to_string()).collect(),
            explain: json!({
                "observed": n,
                "expected": 0,
                "rule": "reactivation of an account banned for fraud/review_manipulation needs an appeal ticket opened by that account after the ban (likewise counterfeit)",
                "repeat_at": cfg.repeat_at,
                "accounts": accounts,
                "window_days": cfg.window_days,
            }),
        });
    }

    fn roll_day(&mut self, _world: &World, day: i64, cfg: &DetectConfig) {
        let from = day * MS_PER_DAY - cfg.reactivation.window_days as i64 * MS_PER_DAY;
        while self.practice.front().is_some_and(|x| x.0 < from) {
            self.practice.pop_front();
        }
        self.approvals.retain(|_, x| x.0 >= from);
        for st in &mut self.emps {
            while st.revived.front().is_some_and(|x| x.0 < from) {
                st.revived.pop_front();
            }
            for l in [
                &mut st.serious,
                &mut st.other,
                &mut st.unapproved,
                &mut st.overturned,
            ] {
                while l.front().is_some_and(|x| x.time < from) {
                    l.pop_front();
                }
            }
        }
    }
}

/// Adds `r` to one of an employee's lists of flagged reactivations and
/// drops those older than the window: how many remain, the severity
/// (critical from `repeat_at`) and the sellers among them.
fn add_in_window(
    cx: &Ctx<'_>,
    list: &mut VecDeque<Reactivation>,
    r: Reactivation,
) -> (u32, Severity, Vec<String>) {
    let cfg = &cx.cfg.reactivation;
    list.push_back(r);
    while list
        .front()
        .is_some_and(|x| x.time < cx.now - cfg.window_days as i64 * MS_PER_DAY)
    {
        list.pop_front();
    }
    let n = list.len() as u32;
    let sev = if n >= cfg.repeat_at {
        Severity::Critical
    } else {
        Severity::High
    };
    let mut sellers: Vec<String> = list
        .iter()
        .filter_map(|x| x.seller.map(|s| cx.world.seller_name(s).to_string()))
        .collect();
    sellers.sort();
    sellers.dedup();
    (n, sev, sellers)
}

/// A reactivation `r` after a serious ban without the approval that
/// `k` of the `n` other such reactivations in the window named.
fn no_approval(
    cx: &Ctx<'_>,
    e: u32,
    st: &mut EmpState,
    r: Reactivation,
    (n, k): (u32, u32),
) -> Finding {
    let cfg = &cx.cfg.reactivation;
    let w = cx.world;
    let (m, sev, sellers) = add_in_window(cx, &mut st.unapproved, r);
    let latest = st
        .unapproved
        .back()
        .map(|x| &*x.account)
        .unwrap_or_default();
    Finding {
        employee: e,
        detector: DetectorKind::ReactivationAbuse,
        key: "no_approval".into(),
        severity: sev,
        score: (severity_floor_score(sev) + 5.0 * m as f64).min(100.0),
        summary: format!(
            "{} reactivated {m} account(s) banned for fraud, counterfeiting or review manipulation \
             without the approval that {k} of {n} such reactivations by others named in {} days \
             (latest {latest}): find out who, if anyone, signed it off",
            w.emp_name(e),
            cfg.window_days
        ),
        sellers,
        customers: 0,
        evidence: st.unapproved.iter().map(|x| x.event.to_string()).collect(),
        explain: json!({
            "kind": "no_approval",
            "observed": m,
            "others_reactivations": n,
            "others_approved": k,
            "practice_share": cfg.approval_practice_share,
            "practice_min": cfg.approval_practice_min,
            "rule": "where approvals are the practice for reactivations after fraud/review_manipulation/counterfeit bans, one without an approval bypassed the second person",
            "window_days": cfg.window_days,
        }),
    }
}

/// Employee `e`'s reactivation `r` lifted a serious ban whose appeal a
/// colleague refused (`refusal`).
fn overturned_refusal(
    cx: &Ctx<'_>,
    e: u32,
    st: &mut EmpState,
    r: Reactivation,
    refusal: &Refusal,
) -> Finding {
    let cfg = &cx.cfg.reactivation;
    let w = cx.world;
    let (account, reason, banned) = (r.account.clone(), r.reason, r.ban_time);
    let (n, sev, sellers) = add_in_window(cx, &mut st.overturned, r);
    let refused_by = w.emp_name(refusal.employee);
    let mut evidence: Vec<String> = st.overturned.iter().map(|x| x.event.to_string()).collect();
    evidence.push(refusal.event.to_string());
    Finding {
        employee: e,
        detector: DetectorKind::ReactivationAbuse,
        key: "overturned_refusal".into(),
        severity: sev,
        score: (severity_floor_score(sev) + 5.0 * n as f64).min(100.0),
        summary: format!(
            "{} reactivated {}, banned for {}, after {refused_by} had closed its appeal {} with the \
             ban standing ({n} such reversal(s) of a colleague's refusal in {} days): ask who \
             decided to lift the ban, and on what new grounds",
            w.emp_name(e),
            account,
            reason.as_str(),
            refusal.ticket,
            cfg.window_days
        ),
        sellers,
        customers: 0,
        evidence,
        explain: json!({
            "kind": "overturned_refusal",
            "observed": n,
            "expected": 0,
            "account": &*account,
            "ban_reason": reason.as_str(),
            "banned_at": Timestamp(banned).to_rfc3339(),
            "refused_by": refused_by,
            "refused_appeal": &*refusal.ticket,
            "refused_at": Timestamp(refusal.time).to_rfc3339(),
            "repeat_at": cfg.repeat_at,
            "rule": "an appeal closed by an employee while the ban stood was refused; lifting a fraud, counterfeit or review-manipulation ban after a colleague refused its appeal reverses a second person's decision",
            "window_days": cfg.window_days,
        }),
    }
}

/// Employee `e`'s reactivation `r` named approval `a`, which another
/// employee's reactivation (`first`: time, employee, event) named before.
fn reused_approval(
    cx: &Ctx<'_>,
    e: u32,
    a: &str,
    r: &Reactivation,
    serious: bool,
    first: &(i64, u32, Box<str>),
) -> Finding {
    let w = cx.world;
    let sev = if serious {
        Severity::Critical
    } else {
        Severity::High
    };
    let other = w.emp_name(first.1);
    Finding {
        employee: e,
        detector: DetectorKind::ReactivationAbuse,
        key: "reused_approval".into(),
        severity: sev,
        score: (severity_floor_score(sev) + 10.0).min(100.0),
        summary: format!(
            "{} reactivated {} (banned for {}) under approval {a}, which {other} had already used on {}: \
             a colleague's four-eyes approval, find out who signed this one off",
            w.emp_name(e),
            r.account,
            r.reason.as_str(),
            Timestamp(first.0).to_rfc3339()
        ),
        sellers: r.seller.map(|s| w.seller_name(s).to_string()).into_iter().collect(),
        customers: 0,
        evidence: vec![first.2.to_string(), r.event.to_string()],
        explain: json!({
            "kind": "reused_approval",
            "approval": a,
            "first_used_by": other,
            "first_used_at": Timestamp(first.0).to_rfc3339(),
            "ban_reason": r.reason.as_str(),
            "rule": "an approval permits the action of the person it was granted to; another employee citing it again borrowed a colleague's second person",
            "window_days": cx.cfg.reactivation.window_days,
        }),
    }
}

/// Seller `s` brought back by `e` after a serious ban: strong evidence
/// for beneficiary convergence.
fn revived_signal(s: u32, e: u32) -> Signal {
    Signal {
        seller: s,
        employee: e,
        kind: Benefit::Reactivation,
        strong: true,
        log10_p: None,
    }
}

/// The revival-loop rule (see the module docs) after `e` reactivated
/// `account`, banned for fraud, counterfeiting or review manipulation.
fn revival_loop(
    cx: &Ctx<'_>,
    e: u32,
    st: &EmpState,
    account: &str,
    seller: Option<u32>,
) -> Option<Finding> {
    let cfg = &cx.cfg.reactivation;
    let loops: Vec<&(i64, Box<str>, i64, Box<str>)> =
        st.revived.iter().filter(|x| &*x.1 == account).collect();
    // Each reactivation undid a ban of its own.
    let mut bans: Vec<i64> = loops.iter().map(|x| x.2).collect();
    bans.dedup();
    let n = bans.len() as u32;
    if n < cfg.revival_repeat_at {
        return None;
    }
    let w = cx.world;
    let emp = w.emp_name(e);
    let sev = Severity::High;
    Some(Finding {
        employee: e,
        detector: DetectorKind::ReactivationAbuse,
        key: "revival".into(),
        severity: sev,
        score: (severity_floor_score(sev) + 5.0 * n as f64).min(100.0),
        summary: format!(
            "{emp} reactivated {account} {n} times in {} days, the latest after it was banned again for \
             fraud, counterfeiting or review manipulation: find out why the same person keeps bringing it back",
            cfg.window_days
        ),
        sellers: seller.map(|s| w.seller_name(s).to_string()).into_iter().collect(),
        customers: 0,
        evidence: loops.iter().map(|x| x.3.to_string()).collect(),
        explain: json!({
            "kind": "revival_loop",
            "observed": n,
            "expected": 0,
            "rule": "the same employee reactivating one account again after a new ban for fraud/review_manipulation/counterfeit, appealed or not",
            "account": account,
            "reactivations": loops.iter().map(|x| json!({
                "banned_at": Timestamp(x.2).to_rfc3339(),
                "reactivated_at": Timestamp(x.0).to_rfc3339()})).collect::<Vec<_>>(),
            "repeat_at": cfg.revival_repeat_at,
            "window_days": cfg.window_days,
        }),
    })
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;
    use crate::Severity;
    use serde_json::json;

    #[test]
    fn unappealed_fraud_reactivation_fires_and_repeats_escalate() {
        let mut t = Kit::new();
        t.ban("sel-1", "fraud");
        t.ban("sel-2", "review_manipulation");
        t.days(2.0);
        t.reactivate("emp-1", "sel-1", None);
        let a = t.alerts_of("reactivation_abuse");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].severity, Severity::High);
        t.days(3.0);
        t.reactivate("emp-1", "sel-2", None);
        let a = t.alerts_of("reactivation_abuse");
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].severity, Severity::Critical);
        assert_eq!(a[0].sellers, vec!["sel-1".to_string(), "sel-2".to_string()]);
    }

    #[test]
    fn undoing_a_counterfeit_ban_without_an_appeal_fires_like_fraud() {
        let mut t = Kit::new();
        t.ban("sel-1", "counterfeit");
        t.days(1.0);
        t.reactivate("emp-1", "sel-1", None);
        let a = t.alerts_of("reactivation_abuse");
        assert_eq!(a.len(), 1, "{:?}", t.alerts);
        assert_eq!(a[0].severity, Severity::High);
    }

    #[test]
    fn a_proper_appeal_or_a_minor_ban_does_not_fire() {
        let mut t = Kit::new();
        t.ban("sel-1", "fraud");
        t.days(1.0);
        t.seller_ticket("tkt-a", "appeal", "sel-1");
        t.assign("emp-1", "tkt-a");
        t.days(1.0);
        t.reactivate("emp-1", "sel-1", Some("tkt-a"));
        t.ban("sel-2", "policy");
        t.reactivate("emp-1", "sel-2", None);
        // Reactivating an account never banned in the stream is not judged.
        t.reactivate("emp-1", "sel-3", None);
        assert!(
            t.alerts_of("reactivation_abuse").is_empty(),
            "{:?}",
            t.alerts
        );
    }

    /// `emp-1` lifts three policy bans without an appeal.
    fn policy_reverts(other_reason_min: u32) -> Kit {
        let mut cfg = crate::DetectConfig::default();
        cfg.reactivation.other_reason_min = other_reason_min;
        let mut t = Kit::with(cfg);
        for s in ["sel-1", "sel-2", "sel-3"] {
            t.ban(s, "policy");
            t.days(1.0);
            t.reactivate("emp-1", s, None);
        }
        t
    }

    #[test]
    fn lifting_minor_bans_without_appeal_fires_only_where_configured() {
        assert!(policy_reverts(0).alerts_of("reactivation_abuse").is_empty());
        let a = policy_reverts(3).alerts_of("reactivation_abuse");
        assert_eq!(a.len(), 1, "{a:?}");
        assert_eq!(a[0].severity, Severity::Medium);
        assert_eq!(a[0].evidence.len(), 3);
        assert!(policy_reverts(4).alerts_of("reactivation_abuse").is_empty());
    }

    /// `sel-1` is banned for fraud twice, appeals each time, and `emp-1`
    /// reactivates it each time; then it is banned again for `last` and
    /// appeals again, and `who` reactivates it.
    fn banned_again(last: &str, who: &str) -> Kit {
        let mut t = Kit::new();
        for (i, reason) in ["fraud", "fraud", last].into_iter().enumerate() {
            t.ban("sel-1", reason);
            t.days(1.0);
            let tk = format!("tkt-{i}");
            t.seller_ticket(&tk, "appeal", "sel-1");
            let by = if i < 2 { "emp-1" } else { who };
            t.assign(by, &tk);
            t.reactivate(by, "sel-1", Some(&tk));
            t.days(4.0);
        }
        t
    }

    #[test]
    fn bringing_back_an_account_banned_again_for_fraud_fires_even_with_appeals() {
        let t = banned_again("review_manipulation", "emp-1");
        let a = t.alerts_of("reactivation_abuse");
        assert_eq!(a.len(), 1, "{:?}", t.alerts);
        assert_eq!(a[0].explain["kind"], "revival_loop");
        assert_eq!(a[0].explain["observed"], 3);
        assert_eq!(a[0].sellers, vec!["sel-1".to_string()]);
        assert_eq!(a[0].evidence.len(), 3);
    }

    /// `sel-1` is banned for `reason` and appeals; `refuser` takes the
    /// appeal and closes it with the ban standing. The seller appeals
    /// again a week later, and `who` takes that appeal and reactivates.
    fn refused_then_lifted(reason: &str, refuser: &str, who: &str) -> Kit {
        let mut t = Kit::new();
        t.ban("sel-1", reason);
        t.days(1.0);
        t.seller_ticket("tkt-1", "appeal", "sel-1");
        t.assign(refuser, "tkt-1");
        t.hours(2.0);
        t.close_by(refuser, "tkt-1", "ban_upheld");
        t.days(7.0);
        t.seller_ticket("tkt-2", "appeal", "sel-1");
        t.assign(who, "tkt-2");
        t.hours(1.0);
        t.reactivate(who, "sel-1", Some("tkt-2"));
        t
    }

    #[test]
    fn lifting_a_fraud_ban_after_a_colleague_refused_the_appeal_fires() {
        let t = refused_then_lifted("fraud", "emp-2", "emp-1");
        let a = t.alerts_of("reactivation_abuse");
        assert_eq!(a.len(), 1, "{:?}", t.alerts);
        assert_eq!(a[0].employee, "emp-1");
        assert_eq!(a[0].severity, Severity::High);
        assert_eq!(a[0].explain["kind"], "overturned_refusal");
        assert_eq!(a[0].explain["refused_by"], "emp-2");
        assert_eq!(a[0].explain["refused_appeal"], "tkt-1");
        assert_eq!(a[0].sellers, vec!["sel-1".to_string()]);
        // The reactivation and the refusing close.
        assert_eq!(a[0].evidence.len(), 2);
    }

    #[test]
    fn a_refusal_revised_by_its_owner_after_a_minor_ban_or_a_new_ban_is_none() {
        for (reason, refuser) in [("fraud", "emp-1"), ("policy", "emp-2")] {
            let t = refused_then_lifted(reason, refuser, "emp-1");
            assert!(
                t.alerts_of("reactivation_abuse").is_empty(),
                "{reason} {refuser}: {:?}",
                t.alerts
            );
        }
        // Banned again after the refusal: lifting that ban judges its
        // grounds, not the old refusal.
        let mut t = Kit::new();
        t.ban("sel-1", "fraud");
        t.days(1.0);
        t.seller_ticket("tkt-1", "appeal", "sel-1");
        t.close_by("emp-2", "tkt-1", "ban_upheld");
        t.days(2.0);
        t.ban("sel-1", "counterfeit");
        t.days(1.0);
        t.seller_ticket("tkt-2", "appeal", "sel-1");
        t.reactivate("emp-1", "sel-1", Some("tkt-2"));
        // An appeal closed after the reactivation refused nothing.
        t.ban("sel-2", "fraud");
        t.days(1.0);
        t.seller_ticket("tkt-3", "appeal", "sel-2");
        t.reactivate("emp-1", "sel-2", Some("tkt-3"));
        t.close_by("emp-2", "tkt-3", "granted");
        t.ban("sel-2", "fraud");
        t.days(1.0);
        t.seller_ticket("tkt-4", "appeal", "sel-2");
        t.reactivate("emp-3", "sel-2", Some("tkt-4"));
        assert!(
            t.alerts_of("reactivation_abuse").is_empty(),
            "{:?}",
            t.alerts
        );
    }

    #[test]
    fn overturned_refusals_off_in_config_say_nothing() {
        let mut cfg = crate::DetectConfig::default();
        cfg.reactivation.overturned_refusal = false;
        let mut t = Kit::with(cfg);
        t.ban("sel-1", "fraud");
        t.days(1.0);
        t.seller_ticket("tkt-1", "appeal", "sel-1");
        t.close_by("emp-2", "tkt-1", "ban_upheld");
        t.days(1.0);
        t.seller_ticket("tkt-2", "appeal", "sel-1");
        t.reactivate("emp-1", "sel-1", Some("tkt-2"));
        assert!(t.alerts_of("reactivation_abuse").is_empty());
    }

    #[test]
    fn an_appealed_reactivation_by_another_or_after_a_minor_ban_is_no_loop() {
        for (last, who) in [("review_manipulation", "emp-2"), ("policy", "emp-1")] {
            let t = banned_again(last, who);
            assert!(
                t.alerts_of("reactivation_abuse").is_empty(),
                "{last} {who}: {:?}",
                t.alerts
            );
        }
    }

    #[test]
    fn an_appeal_from_before_the_ban_or_another_account_is_not_proper() {
        let mut t = Kit::new();
        t.seller_ticket("tkt-old", "appeal", "sel-1");
        t.days(1.0);
        t.ban("sel-1", "fraud");
        t.seller_ticket("tkt-other", "appeal", "sel-9");
        t.days(5.0);
        t.reactivate("emp-1", "sel-1", Some("tkt-other"));
        assert_eq!(t.alerts_of("reactivation_abuse").len(), 1);
    }

    // Four-eyes as practised.

    /// A reactivation of `seller` by `emp`, naming `approval` if given
    /// and citing `appeal` if given.
    fn reactivate_with(
        t: &mut Kit,
        emp: &str,
        seller: &str,
        appeal: Option<&str>,
        approval: Option<&str>,
    ) {
        let mut v = json!({"actor": {"type": "employee", "id": emp}, "action": "account.reactivate",
            "target": {"type": "seller", "id": seller}});
        if let Some(a) = appeal {
            v["attrs"] = json!({"appeal": a});
            v["purpose"] = json!({"ticket": a, "code": "seller_request"});
        }
        if let Some(p) = approval {
            v["purpose"]["approval"] = json!(p);
            v["purpose"]["code"] = json!("seller_request");
        }
        t.send(v);
    }

    /// Three sellers banned for fraud, each appealing; `emp-1` brings
    /// back the first two under approval `apr-1`, then `third` brings
    /// back the last under it too.
    fn one_approval_three_reactivations(third: &str) -> Vec<crate::Alert> {
        let mut t = Kit::new();
        for i in 1..=3 {
            let (s, tk) = (format!("sel-{i}"), format!("tkt-{i}"));
            t.ban(&s, "fraud");
            t.days(1.0);
            t.seller_ticket(&tk, "appeal", &s);
            let by = if i < 3 { "emp-1" } else { third };
            t.assign(by, &tk);
            reactivate_with(&mut t, by, &s, Some(&tk), Some("apr-1"));
        }
        t.alerts_of("reactivation_abuse")
            .into_iter()
            .filter(|a| a.explain["kind"] == "reused_approval")
            .collect()
    }

    #[test]
    fn a_colleagues_approval_named_again_fires_a_batch_under_ones_own_does_not() {
        assert!(one_approval_three_reactivations("emp-1").is_empty());
        let a = one_approval_three_reactivations("emp-2");
        assert_eq!(a.len(), 1, "{a:?}");
        assert_eq!(a[0].employee, "emp-2");
        assert_eq!(a[0].severity, Severity::Critical);
        assert_eq!(a[0].explain["first_used_by"], "emp-1");
        assert_eq!(a[0].sellers, vec!["sel-3".to_string()]);
        assert_eq!(a[0].evidence.len(), 2);
    }

    /// `n` appealed fraud reactivations by colleagues, `approved` of them
    /// naming an approval.
    fn practice(t: &mut Kit, n: usize, approved: usize) {
        for i in 0..n {
            let (s, tk) = (format!("sel-p{i}"), format!("tkt-p{i}"));
            t.ban(&s, "fraud");
            t.hours(2.0);
            t.seller_ticket(&tk, "appeal", &s);
            let who = format!("emp-c{}", i % 4);
            t.assign(&who, &tk);
            let apv = format!("apv-{i}");
            reactivate_with(
                t,
                &who,
                &s,
                Some(&tk),
                // `approved` of the `n`, spread evenly over them.
                ((i + 1) * approved / n > i * approved / n).then_some(apv.as_str()),
            );
        }
    }

    fn no_approval(t: &Kit) -> Vec<crate::Alert> {
        t.alerts_of("reactivation_abuse")
            .into_iter()
            .filter(|a| a.explain["kind"] == "no_approval")
            .collect()
    }

    /// `emp-1` brings back a fraud-banned seller through its own appeal
    /// but without an approval.
    fn appealed_without_approval(t: &mut Kit) {
        t.ban("sel-1", "fraud");
        t.hours(2.0);
        t.seller_ticket("tkt-1", "appeal", "sel-1");
        t.assign("emp-1", "tkt-1");
        reactivate_with(t, "emp-1", "sel-1", Some("tkt-1"), None);
    }

    #[test]
    fn where_approvals_are_the_practice_one_without_fires_even_appealed() {
        let mut t = Kit::new();
        practice(&mut t, 25, 25);
        assert!(
            t.alerts_of("reactivation_abuse").is_empty(),
            "{:?}",
            t.alerts
        );
        appealed_without_approval(&mut t);
        let a = no_approval(&t);
        assert_eq!(a.len(), 1, "{:?}", t.alerts);
        assert_eq!(a[0].severity, Severity::High);
        assert_eq!(a[0].explain["others_reactivations"], 25);
        assert_eq!(a[0].sellers, vec!["sel-1".to_string()]);
    }

    /// As [`practice`], each approval granted by the guard first; then
    /// `emp-1` brings back a fraud-banned seller through its appeal,
    /// naming `apv-1x`, which the guard granted to `granted_to` (if any).
    fn guarded_practice_then(granted_to: Option<&str>) -> Vec<crate::Alert> {
        let mut t = Kit::new();
        for i in 0..25 {
            t.grant("lead-1", &format!("emp-c{}", i % 4), &format!("apv-{i}"));
        }
        practice(&mut t, 25, 25);
        if let Some(who) = granted_to {
            t.grant("lead-1", who, "apv-1x");
        }
        t.ban("sel-1", "fraud");
        t.hours(2.0);
        t.seller_ticket("tkt-1", "appeal", "sel-1");
        t.assign("emp-1", "tkt-1");
        reactivate_with(&mut t, "emp-1", "sel-1", Some("tkt-1"), Some("apv-1x"));
        no_approval(&t)
    }

    #[test]
    fn where_the_guard_grants_approvals_one_it_did_not_grant_is_none() {
        assert!(guarded_practice_then(Some("emp-1")).is_empty());
        assert_eq!(guarded_practice_then(None).len(), 1);
        assert_eq!(guarded_practice_then(Some("emp-2")).len(), 1);
    }

    #[test]
    fn where_approvals_are_not_the_practice_a_missing_one_says_nothing() {
        // None named, too few named, too few reactivations to tell.
        for (n, approved) in [(25, 0), (25, 20), (5, 5)] {
            let mut t = Kit::new();
            practice(&mut t, n, approved);
            appealed_without_approval(&mut t);
            assert!(no_approval(&t).is_empty(), "{n} {approved}: {:?}", t.alerts);
        }
    }

    #[test]
    fn where_approvals_are_the_practice_an_approved_batch_needs_no_appeal() {
        let mut t = Kit::new();
        practice(&mut t, 25, 25);
        // Mistaken bans undone in one batch under an incident, each
        // signed off by a second person: no appeal, no alert.
        for i in 0..5 {
            let s = format!("sel-w{i}");
            t.ban(&s, "review_manipulation");
            reactivate_with(&mut t, "emp-1", &s, None, Some("apv-wave"));
        }
        assert!(
            t.alerts_of("reactivation_abuse").is_empty(),
            "{:?}",
            t.alerts
        );
        // Without the practice, the same batch is unappealed.
        let mut t = Kit::new();
        for i in 0..5 {
            let s = format!("sel-w{i}");
            t.ban(&s, "review_manipulation");
            reactivate_with(&mut t, "emp-1", &s, None, Some("apv-wave"));
        }
        assert_eq!(t.alerts_of("reactivation_abuse").len(), 1);
    }
}
