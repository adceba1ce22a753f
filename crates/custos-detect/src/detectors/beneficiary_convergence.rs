//! One seller benefiting from several employees, or from several kinds
//! of abuse: the broker pattern. The other detectors report signals
//! (data-access concentration, negative-review deletions, unappealed
//! reactivations), each possibly below its own alert threshold but
//! already improbable under its null model. When, within the window, the
//! strong signals about a seller come from at least `min_employees`
//! employees or are of at least `min_kinds` kinds, every employee
//! involved gets an alert naming the seller.
//!
//! Colluders splitting one seller's customers each look only mildly
//! unusual; the ring test (see [`ring_test`]) weighs their single-seller
//! p-values jointly against the number of employees and sellers that
//! could have lined up by chance.
//!
//! Once one employee's strong evidence names the seller, evidence of
//! another kind from someone else needs no correction for the sellers
//! (see [`cross_kind_joins`]): a moderator who deleted, through the
//! seller's own disputes, many of the negative reviews of a seller whose
//! customers a colleague harvested joins the alert.

use super::{Benefit, Ctx, DetectorKind, Finding, Out, Signal};
use crate::alert::{severity_floor_score, Severity};
use crate::config::DetectConfig;
use crate::stats::log10_choose;
use crate::world::World;
use custos_core::time::MS_PER_DAY;
use custos_core::Timestamp;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeSet;

/// Entries remembered per seller; beyond it the weakest weak one goes.
const MAX_SEEN_PER_SELLER: usize = 64;

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Seen {
    employee: u32,
    kind: Benefit,
    first: i64,
    last: i64,
    event: Box<str>,
    strong: bool,
    /// Smallest single-seller `log10 p` reported in the window (0 when
    /// the kind has none).
    log10_p: f64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct BeneficiaryConvergence {
    sellers: FxHashMap<u32, Vec<Seen>>,
}

impl BeneficiaryConvergence {
    /// Runs after the other detectors, on the signals they reported for
    /// this event.
    pub fn observe_signals(&mut self, cx: &Ctx<'_>, signals: &[Signal], out: &mut Out) {
        let cfg = &cx.cfg.beneficiary;
        if !cfg.enabled || signals.is_empty() {
            return;
        }
        let window = cfg.window_days as i64 * MS_PER_DAY;
        let mut changed: Vec<u32> = Vec::new();
        for sig in signals {
            let list = self.sellers.entry(sig.seller).or_default();
            list.retain(|x| cx.now - x.last <= window);
            let lp = sig.log10_p.unwrap_or(0.0);
            match list
                .iter_mut()
                .find(|x| x.employee == sig.employee && x.kind == sig.kind)
            {
                Some(x) => {
                    x.last = cx.now;
                    if (sig.strong && !x.strong) || lp < x.log10_p {
                        changed.push(sig.seller);
                    }
                    x.strong |= sig.strong;
                    x.log10_p = x.log10_p.min(lp);
                }
                None => {
                    list.push(Seen {
                        employee: sig.employee,
                        kind: sig.kind,
                        first: cx.now,
                        last: cx.now,
                        event: cx.ev.id.as_str().into(),
                        strong: sig.strong,
                        log10_p: lp,
                    });
                    changed.push(sig.seller);
                    if list.len() > MAX_SEEN_PER_SELLER {
                        // Drop the weakest evidence (deterministically).
                        let weakest = list
                            .iter()
                            .enumerate()
                            .max_by(|a, b| {
                                (!a.1.strong, a.1.log10_p, a.1.employee)
                                    .partial_cmp(&(!b.1.strong, b.1.log10_p, b.1.employee))
                                    .unwrap_or(std::cmp::Ordering::Equal)
                            })
                            .map(|x| x.0);
                        if let Some(i) = weakest {
                            list.remove(i);
                        }
                    }
                }
            }
        }
        changed.sort_unstable();
        changed.dedup();
        let w = cx.world;
        for s in changed {
            let list = &self.sellers[&s];
            let strong: Vec<&Seen> = list.iter().filter(|x| x.strong).collect();
            let emps: BTreeSet<u32> = strong.iter().map(|x| x.employee).collect();
            let kinds: BTreeSet<Benefit> = strong.iter().map(|x| x.kind).collect();
            let mut involved: BTreeSet<u32> = BTreeSet::new();
            if emps.len() >= cfg.min_employees as usize || kinds.len() >= cfg.min_kinds as usize {
                involved.extend(&emps);
            }
            let ring = ring_test(list, w, cfg);
            if let Some(r) = &ring {
                involved.extend(&r.members);
            }
            let joined = cross_kind_joins(list, &strong, w, cfg);
            if !joined.is_empty() {
                involved.extend(&emps);
                involved.extend(&joined);
            }
            if involved.is_empty() {
                continue;
            }
            let kinds: BTreeSet<Benefit> = list
                .iter()
                .filter(|x| involved.contains(&x.employee))
                .map(|x| x.kind)
                .collect();
            let seller = w.seller_name(s);
            let mut names: Vec<&str> = involved.iter().map(|&e| w.emp_name(e)).collect();
            names.sort_unstable();
            let kind_names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
            let sev = if involved.len() >= 3 || kinds.len() >= 3 {
                Severity::Critical
            } else {
                Severity::High
            };
            let shown: Vec<serde_json::Value> = list
                .iter()
                .filter(|x| involved.contains(&x.employee))
                .map(|x| {
                    json!({"employee": w.emp_name(x.employee), "kind": x.kind.as_str(),
                        "first": Timestamp(x.first).to_rfc3339(), "last": Timestamp(x.last).to_rfc3339(),
                        "log10_p": x.log10_p})
                })
                .collect();
            for &e in &involved {
                let mine: Vec<&str> = list
                    .iter()
                    .filter(|x| x.employee == e)
                    .map(|x| x.kind.as_str())
                    .collect();
                let evidence: Vec<String> = list
                    .iter()
                    .filter(|x| x.employee == e)
                    .map(|x| x.event.to_string())
                    .collect();
                let emp = w.emp_name(e);
                out.findings.push(Finding {
                    employee: e,
                    detector: DetectorKind::BeneficiaryConvergence,
                    key: seller.to_string(),
                    severity: sev,
                    score: (severity_floor_score(sev) + 5.0 * (involved.len() + kinds.len()) as f64)
                        .min(100.0),
                    summary: format!(
                        "{seller} benefits from {} employee(s) ({}) through {}; {emp}'s part: {}. \
                         Investigate them together as a possible broker ring",
                        involved.len(),
                        names.join(", "),
                        kind_names.join(", "),
                        mine.join(", ")
                    ),
                    sellers: vec![seller.to_string()],
                    customers: 0,
                    evidence,
                    explain: json!({
                        "observed_employees": involved.len(),
                        "observed_kinds": kinds.len(),
                        "min_employees": cfg.min_employees,
                        "min_kinds": cfg.min_kinds,
                        "ring": ring.as_ref().map(|r| json!({
                            "null_model": "each employee's single-seller p-value is uniform and independent of the others'; the chance that some j of the employees all reach p_j on some seller is at most C(employees, j) x tests x p_j^j, and that an honest one joins involved ones on their seller at most employees x p_j; the larger is reported",
                            "employees": r.members.len(),
                            "p_j": p_json(r.log10_pj),
                            "log10_p_adjusted": r.log10_adj,
                            "ring_alpha": cfg.ring_alpha,
                        })),
                        "cross_kind": (!joined.is_empty()).then(|| json!({
                            "null_model": "given the seller (another employee's strong evidence of another kind names it), an honest employee's single-seller p-value reaches p on it with chance at most employees x p",
                            "employees": joined.iter().map(|&e| w.emp_name(e)).collect::<Vec<_>>(),
                            "ring_alpha": cfg.ring_alpha,
                        })),
                        "involved": shown,
                        "window_days": cfg.window_days,
                    }),
                });
            }
        }
    }

    pub fn roll_day(&mut self, _world: &World, day: i64, cfg: &DetectConfig) {
        let window = cfg.beneficiary.window_days as i64 * MS_PER_DAY;
        let now = day * MS_PER_DAY;
        self.sellers.retain(|_, l| {
            l.retain(|x| now - x.last <= window);
            !l.is_empty()
        });
    }
}

fn p_json(log10_p: f64) -> f64 {
    super::p_json(log10_p)
}

/// Employees whose evidence about the seller is too weak to count alone
/// (a single-seller p-value, uncorrected for the sellers) but whose
/// seller is given by another employee's strong evidence of another
/// kind: a moderator deleting, through disputes or not, the negative
/// reviews of a seller whose customers someone else harvests. Under the
/// null some honest employee reaches `p` on that seller with chance at
/// most `employees × p`, which must be below `ring_alpha`.
fn cross_kind_joins(
    list: &[Seen],
    strong: &[&Seen],
    w: &World,
    cfg: &crate::config::BeneficiaryConfig,
) -> BTreeSet<u32> {
    list.iter()
        .filter(|x| !x.strong && joins_given_seller(x.log10_p, w.emp.len() as u64, cfg))
        .filter(|x| {
            strong
                .iter()
                .any(|y| y.employee != x.employee && y.kind != x.kind)
        })
        .map(|x| x.employee)
        .collect()
}

/// Whether evidence with single-seller p-value `10^log10_p` joins a
/// seller another employee's strong evidence names: `employees × p`
/// below `ring_alpha` (see [`cross_kind_joins`]).
pub(crate) fn joins_given_seller(
    log10_p: f64,
    employees: u64,
    cfg: &crate::config::BeneficiaryConfig,
) -> bool {
    log10_p + (employees.max(1) as f64).log10() < cfg.ring_alpha.log10()
}

pub(crate) struct Ring {
    pub members: Vec<u32>,
    pub log10_pj: f64,
    pub log10_adj: f64,
}

/// The joint test across employees: the `j` employees with the strongest
/// data-access evidence on this seller, each at most `p_j`. Two nulls
/// must both be improbable: that none of them is involved (`j` of all
/// employees line up so on some seller: `C(employees, j) × tests ×
/// p_j^j`), and that only the stronger ones are (the seller is then
/// given, and some honest employee reaching `p_j` on it has chance
/// `employees × p_j`).
fn ring_test(list: &[Seen], w: &World, cfg: &crate::config::BeneficiaryConfig) -> Option<Ring> {
    let best: Vec<(f64, u32)> = list
        .iter()
        .filter(|x| x.kind == Benefit::DataAccess && x.log10_p < 0.0)
        .map(|x| (x.log10_p, x.employee))
        .collect();
    ring_of(
        best,
        w.emp.len() as u64,
        w.sellers_with_customers as u64,
        cfg,
    )
}

/// [`ring_test`] on (`log10 p`, employee) pairs of data-access evidence,
/// among `employees` employees and `sellers` sellers with customers.
pub(crate) fn ring_of(
    mut best: Vec<(f64, u32)>,
    employees: u64,
    sellers: u64,
    cfg: &crate::config::BeneficiaryConfig,
) -> Option<Ring> {
    best.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    // Keep each employee's strongest entry.
    let mut seen = BTreeSet::new();
    best.retain(|x| seen.insert(x.1));
    let log10_n = (employees.max(1) as f64).log10();
    let tests = (2.0 * sellers.max(1) as f64).log10();
    let log10_alpha = cfg.ring_alpha.log10();
    let mut found: Option<Ring> = None;
    for j in 2..=(cfg.ring_max_employees as usize).min(best.len()) {
        let pj = best[j - 1].0;
        let none_involved = j as f64 * pj + log10_choose(employees, j as u64) + tests;
        let one_honest = pj + log10_n;
        let adj = none_involved.max(one_honest);
        if adj < log10_alpha && found.as_ref().is_none_or(|f| adj < f.log10_adj) {
            found = Some(Ring {
                members: best[..j].iter().map(|x| x.1).collect(),
                log10_pj: pj,
                log10_adj: adj,
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::{ring_test, Seen};
    use crate::config::BeneficiaryConfig;
    use crate::detectors::Benefit;
    use crate::testkit::*;
    use crate::world::World;

    /// A world of `n` employees and 200 sellers with customers.
    fn world(n: usize) -> World {
        let mut w = World::default();
        for i in 0..n {
            w.employee(&format!("emp-{i}"));
        }
        w.sellers_with_customers = 200;
        w
    }

    fn seen(employee: u32, log10_p: f64) -> Seen {
        Seen {
            employee,
            kind: Benefit::DataAccess,
            first: 0,
            last: 0,
            event: "ev".into(),
            strong: false,
            log10_p,
        }
    }

    #[test]
    fn two_modest_employees_on_one_seller_are_a_ring() {
        let (w, cfg) = (world(100), BeneficiaryConfig::default());
        let r = ring_test(&[seen(3, -6.0), seen(7, -6.5)], &w, &cfg).unwrap();
        assert_eq!(r.members, vec![7, 3]);
        assert!(r.log10_adj < cfg.ring_alpha.log10());
        // One employee is no ring, nor are two that honest chance explains.
        assert!(ring_test(&[seen(3, -9.0)], &w, &cfg).is_none());
        assert!(ring_test(&[seen(3, -4.0), seen(7, -4.0)], &w, &cfg).is_none());
    }

    #[test]
    fn an_honest_tail_does_not_join_a_blatant_insider() {
        // The arithmetic below is at a ring_alpha of 1e-3.
        let w = world(100);
        let cfg = BeneficiaryConfig {
            ring_alpha: 1e-3,
            ..BeneficiaryConfig::default()
        };
        // -4.8 would pass the test that nobody is involved (2 x -4.8 +
        // log C(100, 2) + log 400 < -3) but not the one that the seller
        // is already given (-4.8 + log 100 > -3).
        assert!(ring_test(&[seen(1, -30.0), seen(2, -4.8)], &w, &cfg).is_none());
        let r = ring_test(&[seen(1, -30.0), seen(2, -5.5)], &w, &cfg).unwrap();
        assert_eq!(r.members, vec![1, 2]);
        let r = ring_test(&[seen(1, -30.0), seen(2, -29.0), seen(3, -4.8)], &w, &cfg).unwrap();
        assert_eq!(r.members, vec![1, 2]);
        // The same employee twice (two kinds or two entries) counts once.
        let mut other = seen(1, -20.0);
        other.kind = Benefit::ReviewDeletion;
        assert!(ring_test(&[seen(1, -30.0), other], &w, &cfg).is_none());
    }

    /// 1,000 customers, each reviewing one of 200 sellers, and `sel-ring`
    /// with 10 reviewers of its own.
    fn ring_market(t: &mut Kit) {
        for c in 0..1000 {
            t.review(
                &format!("rv-{c}"),
                &format!("cus-{c}"),
                &format!("sel-{}", c % 200),
                5,
            );
        }
        for i in 0..10 {
            t.review(&format!("rr-{i}"), &format!("cus-r-{i}"), "sel-ring", 4);
        }
        for e in 0..20 {
            t.hire(&format!("emp-{e}"), "cs-agent", "cs-1");
        }
        t.days(1.0);
    }

    #[test]
    fn two_agents_each_below_every_alert_converge_as_a_ring() {
        let mut t = Kit::new();
        ring_market(&mut t);
        // Each looks up three of sel-ring's reviewers (too few to alert
        // alone) among a few other customers.
        for (e, first) in [("emp-1", 0), ("emp-2", 3)] {
            for i in 0..3 {
                t.view(e, &format!("cus-{}", 17 * i + first), None);
                t.view(e, &format!("cus-r-{}", first + i), None);
                t.hours(1.0);
            }
        }
        t.settle(1.0);
        assert!(t.alerts_of("seller_affinity").is_empty(), "{:?}", t.alerts);
        let a = t.alerts_of("beneficiary_convergence");
        let mut who: Vec<_> = a.iter().map(|a| a.employee.as_str()).collect();
        who.sort();
        assert_eq!(who, vec!["emp-1", "emp-2"], "{a:?}");
        assert!(a.iter().all(|a| a.sellers == vec!["sel-ring".to_string()]));
        assert!(a[0].explain["ring"]["employees"] == 2);
    }

    #[test]
    fn one_agent_alone_is_no_ring() {
        let mut t = Kit::new();
        ring_market(&mut t);
        for i in 0..3 {
            t.view("emp-1", &format!("cus-{}", 17 * i), None);
            t.view("emp-1", &format!("cus-r-{i}"), None);
        }
        t.settle(1.0);
        assert!(t.alerts_of("beneficiary_convergence").is_empty());
    }

    /// 200 sellers with 5 reviews each, 2 of them negative.
    fn reviews(t: &mut Kit) {
        for s in 0..200 {
            for i in 0..5 {
                let rating = if i < 2 { 1 } else { 5 };
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

    #[test]
    fn two_employees_benefiting_one_seller_converge() {
        let mut t = Kit::new();
        reviews(&mut t);
        t.ban("sel-7", "fraud");
        t.days(1.0);
        // Two deletions each: below the deletion alert threshold of 3.
        t.delete_review("emp-a", "r-7-0", "other", None);
        t.delete_review("emp-a", "r-7-1", "other", None);
        assert!(t.alerts_of("beneficiary_convergence").is_empty());
        t.reactivate("emp-b", "sel-7", None);
        let a = t.alerts_of("beneficiary_convergence");
        let mut who: Vec<_> = a.iter().map(|a| a.employee.as_str()).collect();
        who.sort();
        assert_eq!(who, vec!["emp-a", "emp-b"], "{a:?}");
        assert!(a.iter().all(|a| a.sellers == vec!["sel-7".to_string()]));
    }

    /// emp-a deletes two of sel-7's negative reviews; emp-b then undoes
    /// fraud bans of `before` other sellers and of sel-7, all in one hour.
    fn deletions_then_reactivations(before: usize) -> Vec<crate::Alert> {
        let mut t = Kit::new();
        reviews(&mut t);
        for s in (20..20 + before)
            .map(|i| format!("sel-{i}"))
            .chain(["sel-7".into()])
        {
            t.ban(&s, "fraud");
        }
        t.days(1.0);
        t.delete_review("emp-a", "r-7-0", "other", None);
        t.delete_review("emp-a", "r-7-1", "other", None);
        for i in 20..20 + before {
            t.reactivate("emp-b", &format!("sel-{i}"), None);
            t.hours(0.05);
        }
        t.reactivate("emp-b", "sel-7", None);
        t.alerts_of("beneficiary_convergence")
    }

    #[test]
    fn a_seller_brought_back_in_a_batch_is_no_favour() {
        assert!(deletions_then_reactivations(11).is_empty());
        // The same seller brought back among a few is.
        assert_eq!(deletions_then_reactivations(3).len(), 2);
    }

    #[test]
    fn signals_on_different_sellers_do_not_converge() {
        let mut t = Kit::new();
        reviews(&mut t);
        t.days(1.0);
        t.delete_review("emp-a", "r-7-0", "other", None);
        t.delete_review("emp-a", "r-7-1", "other", None);
        t.delete_review("emp-b", "r-9-0", "other", None);
        t.delete_review("emp-b", "r-9-1", "other", None);
        assert!(t.alerts_of("beneficiary_convergence").is_empty());
    }
    /// emp-a harvests sel-7's reviewers; emp-mod then works two review
    /// disputes, each deleting one negative review: both of sel-7's
    /// (`same_seller`) or one of sel-7's and one of sel-9's. Other
    /// sellers have filed 200 disputes.
    fn harvest_and_disputes(same_seller: bool) -> Kit {
        let mut t = Kit::new();
        reviews(&mut t);
        for i in 0..200 {
            t.seller_ticket(
                &format!("old-{i}"),
                "review_dispute",
                &format!("sel-{}", 100 + i % 100),
            );
        }
        t.days(1.0);
        for i in 0..5 {
            t.view("emp-a", &format!("cus-7-{i}"), None);
            t.hours(0.5);
        }
        let other = if same_seller { "7" } else { "9" };
        for (d, (s, r)) in [("7", "r-7-0"), (other, &*format!("r-{other}-1"))]
            .into_iter()
            .enumerate()
        {
            let dsp = format!("dsp-{d}");
            t.seller_ticket(&dsp, "review_dispute", &format!("sel-{s}"));
            t.assign("emp-mod", &dsp);
            t.delete_review("emp-mod", r, "other", Some(&dsp));
            t.hours(2.0);
        }
        t
    }

    #[test]
    fn explained_deletions_for_a_harvested_seller_join_the_harvester() {
        let t = harvest_and_disputes(true);
        // Each deletion had the seller's dispute behind it: no deletion alert.
        assert!(
            t.alerts_of("review_deletion_targeting").is_empty(),
            "{:?}",
            t.alerts
        );
        let a = t.alerts_of("beneficiary_convergence");
        let mut who: Vec<_> = a.iter().map(|a| a.employee.as_str()).collect();
        who.sort();
        assert_eq!(who, vec!["emp-a", "emp-mod"], "{a:?}");
        assert!(a.iter().all(|a| a.sellers == vec!["sel-7".to_string()]));
        assert_eq!(
            a[0].explain["cross_kind"]["employees"],
            serde_json::json!(["emp-mod"])
        );
    }

    #[test]
    fn deletions_spread_over_sellers_do_not_join_a_harvester() {
        let t = harvest_and_disputes(false);
        assert!(
            t.alerts_of("beneficiary_convergence").is_empty(),
            "{:?}",
            t.alerts
        );
    }
}
