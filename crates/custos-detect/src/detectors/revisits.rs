//! Snooping: the same person looked up again and again without a
//! purpose. A customer disclosed alone (a view or an order view) with no
//! ticket, or under a ticket about someone else (open or closed, the
//! employee's or a colleague's), and not explained by a ticket of theirs
//! assigned to the employee (nor, an order view, by the employee serving
//! the order's seller), is a look-up without purpose. Honest slips
//! fall on the customer of the task at hand, a different one each time;
//! an employee who comes back to one person on `revisit_min_days`
//! different days within `revisit_person_days` (an ex-partner, a
//! neighbour, someone in the news, looked at every few weeks), or to
//! `revisit_min_people` people on two days or more each within
//! `revisit_days`, is looking for something no ticket asked for. A moderator
//! opens a review's author before acting on the review, so a customer
//! whose review the employee deleted or restored is not counted, nor is
//! a person that `revisit_team_shared` of the employee's team-mates also
//! looked up without purpose in the window: a team's shared record (a
//! test buyer QA opens after every release, a training account), not
//! one person's interest. Colleagues of other teams do not make a record
//! shared: staff across the company peeking at one famous customer is
//! still each one's snooping, unless the whole floor opens it day after
//! day for weeks (`world.shared_record_employees` and `_days`; such a
//! look-up has the verdict `shared_record` before any detector sees it).
//!
//! The alert is part of purpose violation (key `revisit`), sized by the
//! number of people looked up so on two days or more. State: per
//! employee, the look-ups without purpose of the window, at most
//! [`MAX_LOOKS`]; per person looked up so, the last [`MAX_LOOKERS`]
//! employees who did and when.

use super::{slot, Ctx, Detector, DetectorKind, Finding, Out};
use crate::access::{AccessKind, Verdict};
use crate::alert::{severity_floor_score, Severity};
use crate::config::DetectConfig;
use crate::world::World;
use custos_core::event::TargetType;
use custos_core::time::MS_PER_DAY;
use custos_core::Action;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::VecDeque;

/// Look-ups without purpose remembered per employee: a harvester makes
/// hundreds a day, and the oldest then leave first.
const MAX_LOOKS: usize = 512;

/// Employees remembered per person looked up without purpose: enough to
/// find `revisit_team_shared` team-mates among them.
const MAX_LOOKERS: usize = 16;

/// One customer disclosed alone without a purpose.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Look {
    time: i64,
    day: i64,
    customer: u32,
    event: Box<str>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct EmpState {
    looks: VecDeque<Look>,
    /// Authors of reviews the employee deleted or restored in the window,
    /// with the time of the last such act.
    authors: FxHashMap<u32, i64>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Revisits {
    emps: Vec<EmpState>,
    /// Per person looked up without purpose in the window: who did, with
    /// the time of their last such look-up (at most [`MAX_LOOKERS`], the
    /// latest).
    lookers: FxHashMap<u32, Vec<(u32, i64)>>,
}

impl Revisits {
    /// Notes that employee `e` looked up `customer` without purpose.
    fn note_looker(&mut self, customer: u32, e: u32, now: i64) {
        let l = self.lookers.entry(customer).or_default();
        l.retain(|x| x.0 != e);
        if l.len() >= MAX_LOOKERS {
            l.remove(0);
        }
        l.push((e, now));
    }
}

/// The one-person test's window: `revisit_person_days`, at least
/// `revisit_days`.
fn person_days(cfg: &crate::config::PurposeViolationConfig) -> u32 {
    cfg.revisit_person_days.max(cfg.revisit_days)
}

/// Whether `customer` is a shared record of employee `e`'s team: at least
/// `revisit_team_shared` team-mates looked them up without purpose since
/// `from` (`lookers` as kept by [`Revisits`]).
fn team_shared(
    lookers: &FxHashMap<u32, Vec<(u32, i64)>>,
    w: &World,
    (e, customer): (u32, u32),
    from: i64,
    cfg: &DetectConfig,
) -> bool {
    let min = cfg.purpose_violation.revisit_team_shared;
    let Some(team) = w.emp[e as usize].team.filter(|_| min > 0) else {
        return false;
    };
    let mates = lookers.get(&customer).map_or(0, |l| {
        l.iter()
            .filter(|&&(x, t)| x != e && t >= from && w.emp[x as usize].team == Some(team))
            .count()
    });
    mates >= min as usize
}

impl Detector for Revisits {
    fn kind(&self) -> DetectorKind {
        DetectorKind::PurposeViolation
    }

    fn observe(&mut self, cx: &Ctx<'_>, out: &mut Out) {
        let cfg = &cx.cfg.purpose_violation;
        if cfg.revisit_min_days == 0 {
            return;
        }
        let from = cx.now - cfg.revisit_days as i64 * MS_PER_DAY;
        let from_person = cx.now - person_days(cfg) as i64 * MS_PER_DAY;
        if matches!(cx.ev.action, Action::ReviewDelete | Action::ReviewRestore) {
            let author = cx
                .ev
                .target_id(TargetType::Review)
                .and_then(|r| cx.world.reviews.get(r))
                .map(|r| r.author);
            if let (Some(e), Some(c)) = (cx.actor_emp(), author) {
                let st = slot(&mut self.emps, e);
                st.authors.insert(c, cx.now);
                st.looks.retain(|l| l.customer != c);
            }
            return;
        }
        let Some(a) = cx.access else { return };
        let alone =
            matches!(a.kind, AccessKind::View | AccessKind::Order) && a.customers.len() == 1;
        if !alone || a.explained[0] {
            return;
        }
        let customer = a.customers[0];
        // A closed ticket or a colleague's is no purpose either when it
        // is about someone else.
        let about_another = || {
            let cited = cx.ev.purpose.as_ref().and_then(|p| p.ticket.as_deref());
            cited
                .and_then(|t| cx.world.tickets.get(t))
                .and_then(|t| t.customer)
                .is_some_and(|c| c != customer)
        };
        let without_purpose = match a.verdict {
            Verdict::NoTicket | Verdict::WrongCustomer => true,
            Verdict::TicketClosed | Verdict::OtherAssignee => about_another(),
            _ => false,
        };
        if !without_purpose {
            return;
        }
        self.note_looker(customer, a.emp, cx.now);
        if team_shared(&self.lookers, cx.world, (a.emp, customer), from, cx.cfg) {
            return;
        }
        let st = slot(&mut self.emps, a.emp);
        st.authors.retain(|_, t| *t >= from_person);
        if st.authors.contains_key(&customer) {
            return;
        }
        while st.looks.front().is_some_and(|l| l.time < from_person) || st.looks.len() >= MAX_LOOKS
        {
            st.looks.pop_front();
        }
        st.looks.push_back(Look {
            time: cx.now,
            day: cx.day,
            customer,
            event: cx.ev.id.as_str().into(),
        });
        // Every look kept is within the one-person window, in time order.
        // Most look-ups are of someone new: their distinct days, counted
        // without a map, end the work there.
        let mut n = 0u32;
        let mut last = None;
        for l in st.looks.iter().filter(|l| l.customer == customer) {
            if last != Some(l.day) {
                (n, last) = (n + 1, Some(l.day));
            }
        }
        if n < 2 {
            return;
        }
        // Distinct days per person, in the one-person window and in the
        // shorter one, in one pass.
        let mut days: FxHashMap<u32, [(i64, u32); 2]> = FxHashMap::default();
        for l in &st.looks {
            let d = days.entry(l.customer).or_insert([(l.day, 0); 2]);
            for (i, since) in [from_person, from].into_iter().enumerate() {
                if l.time >= since && (d[i].1 == 0 || d[i].0 != l.day) {
                    d[i] = (l.day, d[i].1 + 1);
                }
            }
        }
        // Everyone looked up so on two days or more, and on how many
        // within the shorter window (not the team's shared records).
        let lookers = &self.lookers;
        let shared = |c: u32| team_shared(lookers, cx.world, (a.emp, c), from, cx.cfg);
        let mut people: Vec<(u32, u32)> = Vec::new();
        let mut revisited = 0u32;
        for (c, [long, short]) in days {
            if long.1 >= 2 && !shared(c) {
                people.push((c, long.1));
                revisited += (short.1 >= 2) as u32;
            }
        }
        people.sort_unstable();
        let most = people.iter().map(|p| p.1).max().unwrap_or(0);
        let many_people = cfg.revisit_min_people > 0 && revisited >= cfg.revisit_min_people;
        if most < cfg.revisit_min_days && !many_people {
            return;
        }
        let sev = if revisited > cfg.revisit_min_people || most >= 2 * cfg.revisit_min_days {
            Severity::High
        } else {
            Severity::Medium
        };
        let emp = cx.world.emp_name(a.emp);
        // The world keeps no customer names; the event has it.
        let name = cx.ev.disclosed_customers().first().copied().unwrap_or("?");
        out.findings.push(Finding {
            employee: a.emp,
            detector: DetectorKind::PurposeViolation,
            key: "revisit".into(),
            severity: sev,
            score: (severity_floor_score(sev) + 2.0 * (most + revisited) as f64).min(100.0),
            summary: format!(
                "{emp} looked up {} person(s) without a purpose on two or more different days \
                 in {} days, {revisited} of them in the last {} ({name} on {n} days): possible \
                 snooping, ask what each look-up was for",
                people.len(),
                person_days(cfg),
                cfg.revisit_days
            ),
            sellers: Vec::new(),
            customers: people.len() as u64,
            evidence: st
                .looks
                .iter()
                .filter(|l| people.binary_search_by_key(&l.customer, |p| p.0).is_ok())
                .map(|l| l.event.to_string())
                .collect(),
            explain: json!({
                "kind": "revisit",
                "customer": name,
                "days": n,
                "most_days": most,
                "people_revisited": revisited,
                "people_revisited_in_person_window": people.len(),
                "min_days": cfg.revisit_min_days,
                "min_people": cfg.revisit_min_people,
                "looks_without_purpose": st.looks.len(),
                "window_days": cfg.revisit_days,
                "person_window_days": person_days(cfg),
                "null_model": "an honest slip discloses the customer of the task at hand, a different one each time: one person disclosed without purpose on this many different days is not a slip",
            }),
        });
    }

    fn roll_day(&mut self, _world: &World, day: i64, cfg: &DetectConfig) {
        let from = (day - cfg.purpose_violation.revisit_days as i64) * MS_PER_DAY;
        let from_person = (day - person_days(&cfg.purpose_violation) as i64) * MS_PER_DAY;
        for st in &mut self.emps {
            while st.looks.front().is_some_and(|l| l.time < from_person) {
                st.looks.pop_front();
            }
            if st.looks.is_empty() {
                st.looks = VecDeque::new();
            }
            st.authors.retain(|_, t| *t >= from_person);
        }
        self.lookers.retain(|_, l| {
            l.retain(|x| x.1 >= from);
            !l.is_empty()
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;
    use crate::Alert;

    fn revisits(t: &Kit) -> Vec<Alert> {
        t.alerts_of("purpose_violation")
            .into_iter()
            .filter(|a| a.explain["kind"] == "revisit")
            .collect()
    }

    fn revisits_of(t: &Kit, emp: &str) -> Vec<Alert> {
        revisits(t)
            .into_iter()
            .filter(|a| a.employee == emp)
            .collect()
    }

    /// A day of honest work: `n` customers, each under their own ticket.
    fn workday(t: &mut Kit, emp: &str, day: usize, n: usize) {
        for i in 0..n {
            let (c, tk) = (format!("cus-{day}-{i}"), format!("t-{day}-{i}"));
            t.ticket(&tk, "order_issue", Some(&c), None);
            t.assign(emp, &tk);
            t.view(emp, &c, Some(&tk));
        }
    }

    #[test]
    fn one_person_looked_up_without_purpose_on_three_days_fires() {
        let mut t = Kit::new();
        t.hire("emp-1", "cs-agent", "cs-1");
        for day in 0..3 {
            workday(&mut t, "emp-1", day, 8);
            t.view("emp-1", "cus-ex", None);
            if day < 2 {
                assert!(revisits(&t).is_empty(), "day {day}");
            }
            t.days(1.0);
        }
        let a = revisits(&t);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].explain["days"], 3);
        assert_eq!(a[0].explain["people_revisited"], 1);
        assert_eq!(a[0].evidence.len(), 3);
        assert!(
            a[0].summary.contains("cus-ex on 3 days"),
            "{}",
            a[0].summary
        );
    }

    #[test]
    fn three_people_looked_up_on_two_days_each_fire_even_under_old_tickets() {
        let mut t = Kit::new();
        t.hire("emp-1", "cs-agent", "cs-1");
        // The employee's own tickets about other customers, long closed.
        for (tk, c) in [("t-old-1", "cus-a"), ("t-old-2", "cus-b")] {
            t.ticket(tk, "order_issue", Some(c), None);
            t.assign("emp-1", tk);
            t.close(tk);
        }
        t.days(3.0);
        for c in ["cus-p", "cus-q", "cus-r"] {
            t.view("emp-1", c, Some("t-old-1"));
        }
        t.days(2.0);
        t.view("emp-1", "cus-p", None);
        t.view("emp-1", "cus-q", Some("t-old-2"));
        assert!(revisits(&t).is_empty(), "two people on two days each");
        t.view("emp-1", "cus-r", Some("t-old-1"));
        let a = revisits(&t);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].explain["people_revisited"], 3);
        assert_eq!(a[0].evidence.len(), 6);
    }

    /// `emp-1` looks up `cus-test` without a ticket on three days, as do
    /// three colleagues of `mates_team` each day.
    fn shared_record(mates_team: &str) -> Vec<Alert> {
        let mut t = Kit::new();
        t.hire("emp-1", "qa", "qa-1");
        for m in 0..3 {
            t.hire(&format!("emp-m{m}"), "qa", mates_team);
        }
        for _ in 0..3 {
            for m in 0..3 {
                t.view(&format!("emp-m{m}"), "cus-test", None);
            }
            t.view("emp-1", "cus-test", None);
            t.days(1.0);
        }
        revisits_of(&t, "emp-1")
    }

    #[test]
    fn a_record_the_whole_team_looks_up_is_shared_but_other_teams_do_not_share_it() {
        assert!(shared_record("qa-1").is_empty());
        let a = shared_record("cs-2");
        assert_eq!(a.len(), 1, "{a:?}");
        assert_eq!(a[0].explain["days"], 3);
    }

    /// Sixteen employees of sixteen teams look up `cus-test` without a
    /// ticket on `before` days, then on three more days with `emp-1` of
    /// yet another team: `emp-1`'s revisit alerts.
    fn floor_record(before: usize) -> Vec<Alert> {
        let mut t = Kit::new();
        let floor: Vec<String> = (0..16).map(|i| format!("emp-f{i}")).collect();
        for (i, f) in floor.iter().enumerate() {
            t.hire(f, "cs-agent", &format!("floor-{i}"));
        }
        t.hire("emp-1", "cs-agent", "cs-1");
        for day in 0..before + 3 {
            for f in &floor {
                t.view(f, "cus-test", None);
            }
            if day >= before {
                t.view("emp-1", "cus-test", None);
            }
            t.days(1.0);
        }
        revisits_of(&t, "emp-1")
    }

    #[test]
    fn a_record_the_whole_floor_opens_day_after_day_is_shared_but_a_few_days_rush_is_not() {
        // Ten days of sixteen people: a test or training account.
        assert!(floor_record(10).is_empty(), "{:?}", floor_record(10));
        // Sixteen people on five days (someone in the news): snooping.
        let a = floor_record(2);
        assert_eq!(a.len(), 1, "{a:?}");
        assert_eq!(a[0].explain["days"], 3);
    }

    #[test]
    fn slips_on_different_customers_or_on_ones_own_cases_do_not_fire() {
        let mut t = Kit::new();
        t.hire("emp-1", "cs-agent", "cs-1");
        for day in 0..20 {
            workday(&mut t, "emp-1", day, 8);
            // A forgotten ticket on the customer of the call at hand, and
            // a look-up of the day's first customer again without it.
            t.view("emp-1", &format!("cus-new-{day}"), None);
            t.view("emp-1", &format!("cus-{day}-0"), None);
            t.days(1.0);
        }
        // A long case: the same customer on many days, under their ticket.
        t.ticket("t-long", "account", Some("cus-long"), None);
        t.assign("emp-1", "t-long");
        for _ in 0..5 {
            t.view("emp-1", "cus-long", Some("t-long"));
            t.days(1.0);
        }
        assert!(revisits(&t).is_empty(), "{:?}", revisits(&t));
    }

    #[test]
    fn a_moderator_opening_an_authors_reviews_does_not_fire() {
        let mut t = Kit::new();
        t.hire("mod-1", "moderator", "mod");
        for day in 0..4 {
            let r = format!("r-{day}");
            t.review(&r, "cus-spammer", "sel-1", 1);
            t.view("mod-1", "cus-spammer", None);
            t.delete_review("mod-1", &r, "spam", None);
            t.days(1.0);
        }
        assert!(revisits(&t).is_empty(), "{:?}", revisits(&t));
    }

    /// emp-1 looks up `people` without a purpose `times` times each,
    /// `gap` days apart.
    fn every(gap: f64, people: &[&str], times: usize) -> Vec<Alert> {
        let mut t = Kit::new();
        t.hire("emp-1", "cs-agent", "cs-1");
        for _ in 0..times {
            for p in people {
                t.view("emp-1", p, None);
            }
            t.days(gap);
        }
        revisits(&t)
    }

    #[test]
    fn one_person_looked_up_every_few_weeks_fires_further_apart_does_not() {
        let a = every(25.0, &["cus-ex"], 3);
        assert_eq!(a.len(), 1, "{a:?}");
        assert!(
            a[0].summary.contains("cus-ex on 3 days"),
            "{}",
            a[0].summary
        );
        assert!(every(31.0, &["cus-ex"], 3).is_empty());
        // Days 0, 20 and 55: one person, though not twice within the
        // last 30 days.
        let mut t = Kit::new();
        t.hire("emp-1", "cs-agent", "cs-1");
        for gap in [20.0, 35.0, 0.0] {
            t.view("emp-1", "cus-ex", None);
            t.days(gap);
        }
        let a = revisits(&t);
        assert_eq!(a.len(), 1, "{a:?}");
        assert_eq!(a[0].customers, 1);
        assert!(
            a[0].summary.contains("1 person(s)") && a[0].summary.contains("0 of them"),
            "{}",
            a[0].summary
        );
    }

    #[test]
    fn several_people_looked_up_twice_are_counted_within_the_shorter_window() {
        let people = ["cus-a", "cus-b", "cus-c"];
        assert_eq!(every(20.0, &people, 2).len(), 1);
        assert!(every(40.0, &people, 2).is_empty());
    }
}
