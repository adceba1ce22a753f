//! The engine's model of the marketplace, built from the stream.
//!
//! Memory bounds (documented in `Engine::stats` too):
//! - customers, sellers, employees, roles: one small record each;
//!   a customer keeps at most `world.max_sellers_per_customer` seller
//!   relations (the most recent ones);
//! - reviews: one record each (seller, author, rating, time);
//! - tickets: only open ones and those closed within
//!   `world.ticket_retention_days`; open tickets older than
//!   `world.open_ticket_max_age_days` are dropped;
//! - bans and appeals: one record per account ever banned or appealing;
//! - review counters (burst detection): at most two per review,
//!   dropped after `world.burst_retention_days`;
//! - per employee: at most `world.max_assignments_per_employee` recent
//!   assignments and `world.activity_history_days` daily activity rows,
//!   plus the current day's set of distinct customers, and at most
//!   [`MAX_SERVED`] sellers served in the last `world.served_seller_days`.
//! - approvals cited, and approvals the guard granted, in the last
//!   `world.approval_memory_days`: one record each;
//! - per customer looked up without a purpose in the last
//!   `world.shared_record_window_days`: at most
//!   `world.shared_record_employees` employees and
//!   `world.shared_record_days` days (the shared-record test).

use crate::config::{DetectConfig, WorldConfig};
use crate::intern::Interner;
use custos_core::event::{ActorType, BanReason, LeaveReason, TargetType, TicketKind};
use custos_core::time::{MS_PER_DAY, MS_PER_HOUR};
use custos_core::{Action, Event};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Relation flags of a customer to a seller.
pub(crate) const REVIEWED: u8 = 1;
pub(crate) const BOUGHT: u8 = 2;

/// Bans whose undoing without an appeal is abuse: fraud, review
/// manipulation, and counterfeit goods (fraud on their buyers).
pub(crate) fn is_serious(r: BanReason) -> bool {
    matches!(
        r,
        BanReason::Fraud | BanReason::ReviewManipulation | BanReason::Counterfeit
    )
}

/// Kinds of review counters (`World::review_counts`).
pub(crate) const AUTHOR_DAY: u8 = 0;
pub(crate) const SELLER_HOUR: u8 = 1;
pub(crate) const NEGATIVE_DAY: u8 = 2;
pub(crate) const SELLER_NEGATIVE_DAY: u8 = 3;

/// Peer group of employees without a known role.
pub(crate) const NO_ROLE: u32 = u32::MAX;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct CustomerInfo {
    /// (seller, flags), oldest first.
    pub rel: Vec<(u32, u8)>,
    pub honeytoken: bool,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct SellerInfo {
    /// Distinct customers (as remembered) who reviewed / reviewed or bought.
    pub reviewers: u32,
    pub related: u32,
    pub reviews: u32,
    pub neg_reviews: u32,
    /// review_dispute tickets ever opened by or about the seller.
    pub disputes: u32,
}

/// An account (seller or customer) as bans and appeals see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) struct AccountKey {
    pub seller: bool,
    pub id: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Ban {
    pub reason: BanReason,
    pub time: i64,
    /// An employee's `account.suspend` rather than a system ban.
    pub manual: bool,
    /// The purpose ticket of that suspension.
    pub ticket: Option<Box<str>>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct AccountState {
    pub ban: Option<Ban>,
    /// The latest appeal ticket opened by the account: (time, ticket).
    pub appeal: Option<(i64, Box<str>)>,
    pub reactivations: u32,
    /// The latest appeal that an employee closed while the account
    /// stayed banned (the appeal refused), if no ban came after it.
    pub refused: Option<Refusal>,
}

/// An appeal, opened after the ban, closed by an employee while the
/// account stayed banned.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Refusal {
    pub time: i64,
    pub employee: u32,
    pub ticket: Box<str>,
    /// The `ticket.close` event.
    pub event: Box<str>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct TicketInfo {
    pub customer: Option<u32>,
    pub seller: Option<u32>,
    pub kind: Option<TicketKind>,
    pub opener: Option<AccountKey>,
    pub opened: i64,
    pub closed: Option<i64>,
    pub assignee: Option<u32>,
    /// The review a report or dispute is about (`attrs.review`), if named.
    pub review: Option<Box<str>>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct ReviewInfo {
    pub seller: u32,
    pub author: u32,
    pub rating: u8,
    pub created: i64,
    /// The last review_dispute ticket that named this review.
    pub dispute: Option<Box<str>>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct DayStats {
    pub day: i64,
    /// Distinct customers disclosed without a ticket explaining them
    /// (work on one's own ticket for that very customer is workload, not
    /// exposure: a sale day must not look like harvesting).
    pub customers: u32,
    /// Searches without a valid ticket.
    pub searches: u32,
    /// Customers exported (legal exports with a valid ticket excluded).
    pub exported: u32,
    pub accesses: u32,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Activity {
    pub today: DayStats,
    pub today_set: FxHashSet<u32>,
    /// Finished active days, oldest first.
    pub history: VecDeque<DayStats>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Assignment {
    pub time: i64,
    pub customer: Option<u32>,
    pub seller: Option<u32>,
    pub kind: Option<TicketKind>,
    /// The ticket names a review (`attrs.review`).
    pub names_review: bool,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct EmployeeInfo {
    pub role: Option<u32>,
    pub team: Option<u32>,
    pub hired: Option<i64>,
    pub left: Option<(i64, LeaveReason)>,
    pub first_seen: i64,
    pub assignments: VecDeque<Assignment>,
    /// Sellers whose own tickets (naming the seller and no customer) were
    /// assigned to the employee, with the time of the latest; at most
    /// [`MAX_SERVED`], the most recent.
    pub served: Vec<(u32, i64)>,
    pub activity: Activity,
}

/// Sellers remembered per employee as served: an account manager's
/// portfolio is a few dozen shops.
pub(crate) const MAX_SERVED: usize = 64;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct World {
    pub customers: Interner,
    pub cust: Vec<CustomerInfo>,
    pub sellers: Interner,
    pub sel: Vec<SellerInfo>,
    pub employees: Interner,
    pub emp: Vec<EmployeeInfo>,
    pub roles: Interner,
    pub tickets: FxHashMap<Box<str>, TicketInfo>,
    pub reviews: FxHashMap<Box<str>, ReviewInfo>,
    pub accounts: FxHashMap<AccountKey, AccountState>,
    /// Review counters for burst detection, keyed (kind, id, bucket):
    /// `AUTHOR_DAY` (author, UTC day), `SELLER_HOUR` (seller, clock hour),
    /// `NEGATIVE_DAY` (0, UTC day: negative reviews marketplace-wide),
    /// `SELLER_NEGATIVE_DAY` (seller, UTC day: its negative reviews).
    pub review_counts: FxHashMap<(u8, u32, i64), u32>,
    pub sellers_with_customers: u32,
    pub sellers_with_neg: u32,
    pub neg_reviews: u64,
    pub disputes: u64,
    pub start: Option<i64>,
    pub now: i64,
    pub day: i64,
    /// Employees active on the day that was just rolled over.
    pub rolled: Vec<u32>,
    active_today: Vec<u32>,
    /// Per customer looked up without a purpose in the last
    /// `shared_record_window_days`: who did and on which days.
    looked_up: FxHashMap<u32, LookedUp>,
    /// Four-eyes approvals cited in the last `approval_memory_days`: the
    /// first employee to cite each, and when.
    approvals: FxHashMap<Box<str>, (u32, i64)>,
    /// Approvals the guard granted (its `guard.decide` events) in the
    /// last `approval_memory_days`: the requester, and when.
    granted: FxHashMap<Box<str>, (u32, i64)>,
    /// Whether the stream ever carried a grant of the guard: from then
    /// on an approval counts only if the guard granted it.
    guard_grants: bool,
}

/// Look-ups without purpose of one customer, for [`World::is_shared_record`].
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct LookedUp {
    /// The latest distinct employees and the time of their last look-up,
    /// oldest first; at most `shared_record_employees`.
    by: Vec<(u32, i64)>,
    /// The distinct UTC days of the look-ups, in order; at most
    /// `shared_record_days`.
    days: VecDeque<i64>,
}

impl Default for World {
    fn default() -> Self {
        World {
            customers: Interner::new(false),
            cust: Vec::new(),
            sellers: Interner::new(true),
            sel: Vec::new(),
            employees: Interner::new(true),
            emp: Vec::new(),
            roles: Interner::new(true),
            tickets: FxHashMap::default(),
            reviews: FxHashMap::default(),
            accounts: FxHashMap::default(),
            review_counts: FxHashMap::default(),
            sellers_with_customers: 0,
            sellers_with_neg: 0,
            neg_reviews: 0,
            disputes: 0,
            start: None,
            now: 0,
            day: i64::MIN,
            rolled: Vec::new(),
            active_today: Vec::new(),
            looked_up: FxHashMap::default(),
            approvals: FxHashMap::default(),
            granted: FxHashMap::default(),
            guard_grants: false,
        }
    }
}

impl World {
    pub fn customer(&mut self, id: &str) -> u32 {
        let (i, new) = self.customers.intern(id);
        if new {
            self.cust.push(CustomerInfo::default());
        }
        i
    }

    pub fn seller(&mut self, id: &str) -> u32 {
        let (i, new) = self.sellers.intern(id);
        if new {
            self.sel.push(SellerInfo::default());
        }
        i
    }

    pub fn employee(&mut self, id: &str) -> u32 {
        let (i, new) = self.employees.intern(id);
        if new {
            self.emp.push(EmployeeInfo {
                first_seen: self.now,
                ..Default::default()
            });
        }
        i
    }

    pub fn emp_name(&self, e: u32) -> &str {
        self.employees.name(e)
    }

    pub fn seller_name(&self, s: u32) -> &str {
        self.sellers.name(s)
    }

    /// The peer group of an employee: the role.
    pub fn peer(&self, e: u32) -> u32 {
        self.emp
            .get(e as usize)
            .and_then(|x| x.role)
            .unwrap_or(NO_ROLE)
    }

    pub fn peer_name(&self, g: u32) -> &str {
        if g == NO_ROLE {
            "(no role)"
        } else {
            self.roles.name(g)
        }
    }

    /// Whether `customer` is a shared record: looked up without purpose
    /// by `shared_record_employees` different employees on
    /// `shared_record_days` different days within the window.
    pub fn is_shared_record(&self, customer: u32, w: &WorldConfig) -> bool {
        let from = self.now - w.shared_record_window_days as i64 * MS_PER_DAY;
        self.looked_up.get(&customer).is_some_and(|l| {
            l.by.iter().filter(|x| x.1 >= from).count() >= w.shared_record_employees as usize
                && l.days
                    .iter()
                    .filter(|&&d| d >= from.div_euclid(MS_PER_DAY))
                    .count()
                    >= w.shared_record_days as usize
        })
    }

    /// Notes that employee `e` looked up `customer` without a purpose now.
    pub fn note_look_without_purpose(&mut self, customer: u32, e: u32, w: &WorldConfig) {
        let (now, day) = (self.now, self.now.div_euclid(MS_PER_DAY));
        let l = self.looked_up.entry(customer).or_default();
        l.by.retain(|x| x.0 != e);
        if l.by.len() >= w.shared_record_employees as usize {
            l.by.remove(0);
        }
        l.by.push((e, now));
        if l.days.back() != Some(&day) {
            if l.days.len() >= w.shared_record_days as usize {
                l.days.pop_front();
            }
            l.days.push_back(day);
        }
    }

    /// Whether the stream is still young enough that unknown tickets may
    /// predate it.
    pub fn in_warmup(&self, cfg: &DetectConfig) -> bool {
        let start = self.start.unwrap_or(self.now);
        self.now - start < cfg.world.unknown_ticket_warmup_hours as i64 * MS_PER_HOUR
    }

    fn add_relation(&mut self, c: u32, s: u32, flag: u8, cap: usize) {
        let ci = &mut self.cust[c as usize];
        if let Some(r) = ci.rel.iter_mut().find(|r| r.0 == s) {
            if flag & REVIEWED != 0 && r.1 & REVIEWED == 0 {
                self.sel[s as usize].reviewers += 1;
            }
            r.1 |= flag;
            return;
        }
        if ci.rel.len() >= cap.max(1) {
            let (old, f) = ci.rel.remove(0);
            let so = &mut self.sel[old as usize];
            so.related = so.related.saturating_sub(1);
            if f & REVIEWED != 0 {
                so.reviewers = so.reviewers.saturating_sub(1);
            }
            if so.related == 0 {
                self.sellers_with_customers = self.sellers_with_customers.saturating_sub(1);
            }
        }
        let ci = &mut self.cust[c as usize];
        ci.rel.push((s, flag));
        let si = &mut self.sel[s as usize];
        si.related += 1;
        if si.related == 1 {
            self.sellers_with_customers += 1;
        }
        if flag & REVIEWED != 0 {
            si.reviewers += 1;
        }
    }

    /// Whether the review was written in a burst: its author wrote
    /// `author_burst_min` reviews that day (spam accounts), its seller got
    /// an abnormal number that hour (a review bomb) or an abnormal number
    /// of negative ones that day or the day before (a slower bomb from
    /// one-review accounts), or negative reviews surged marketplace-wide that day
    /// and its seller got more than one of them (a spam wave; a wave on
    /// one seller does not excuse every seller's reviews that day).
    pub fn is_burst(&self, r: &ReviewInfo, cfg: &DetectConfig) -> bool {
        let w = &cfg.world;
        let count = |k: (u8, u32, i64)| self.review_counts.get(&k).copied().unwrap_or(0);
        let day = r.created.div_euclid(MS_PER_DAY);
        if count((AUTHOR_DAY, r.author, day)) >= w.author_burst_min {
            return true;
        }
        if r.rating as u32 <= cfg.review_deletion.negative_max_rating {
            // A wave straddles midnight: its day or the day before, each
            // against the seller's usual day without those two.
            let seller_today = count((SELLER_NEGATIVE_DAY, r.seller, day));
            let seller_before = count((SELLER_NEGATIVE_DAY, r.seller, day - 1));
            // A seller's usual day is known only after a week.
            let days = (self.now - self.start.unwrap_or(self.now)) / MS_PER_DAY;
            let usual = (self.sel[r.seller as usize].neg_reviews as f64
                - (seller_today + seller_before) as f64)
                .max(0.0)
                / days.max(1) as f64;
            if days >= 7
                && [seller_today, seller_before]
                    .iter()
                    .any(|&n| n >= w.seller_surge_min && n as f64 >= w.seller_surge_factor * usual)
            {
                return true;
            }
            let mut before: Vec<f64> = (1..=14)
                .map(|d| count((NEGATIVE_DAY, 0, day - d)) as f64)
                .filter(|&c| c > 0.0)
                .collect();
            if before.len() >= 7 {
                let med = crate::stats::median(&mut before);
                if count((NEGATIVE_DAY, 0, day)) as f64 >= w.negative_surge_factor * med
                    && seller_today >= 2
                {
                    return true;
                }
            }
        }
        let by_seller = count((SELLER_HOUR, r.seller, r.created.div_euclid(MS_PER_HOUR)));
        if by_seller < w.seller_burst_min {
            return false;
        }
        let hours = ((self.now - self.start.unwrap_or(self.now)) / MS_PER_HOUR).max(1) as f64;
        let rate = self.sel[r.seller as usize].reviews as f64 / hours;
        by_seller as f64 >= w.seller_burst_factor * rate
    }

    fn account_of(&mut self, kind: TargetType, id: &str) -> Option<AccountKey> {
        match kind {
            TargetType::Seller => Some(AccountKey {
                seller: true,
                id: self.seller(id),
            }),
            TargetType::Customer => Some(AccountKey {
                seller: false,
                id: self.customer(id),
            }),
            _ => None,
        }
    }

    pub fn account_key(&self, ev: &Event) -> Option<AccountKey> {
        let t = ev.target.as_ref()?;
        match t.kind {
            TargetType::Seller => Some(AccountKey {
                seller: true,
                id: self.sellers.get(&t.id)?,
            }),
            TargetType::Customer => Some(AccountKey {
                seller: false,
                id: self.customers.get(&t.id)?,
            }),
            _ => None,
        }
    }

    /// Starts a new day: finished days go into each employee's history,
    /// and expired tickets, assignments and hour counters are dropped.
    pub fn roll_day(&mut self, day: i64, cfg: &DetectConfig) {
        let w = &cfg.world;
        self.rolled = std::mem::take(&mut self.active_today);
        self.rolled.sort_unstable();
        let keep_from = day - w.activity_history_days as i64;
        for &e in &self.rolled {
            let a = &mut self.emp[e as usize].activity;
            let done = std::mem::take(&mut a.today);
            a.today_set.clear();
            a.today_set.shrink_to(64);
            a.history.push_back(done);
            while a.history.front().is_some_and(|d| d.day < keep_from) {
                a.history.pop_front();
            }
        }
        let now = self.now;
        let retention = w.ticket_retention_days as i64 * MS_PER_DAY;
        let max_open = w.open_ticket_max_age_days as i64 * MS_PER_DAY;
        self.tickets.retain(|_, t| match t.closed {
            Some(c) => now - c <= retention,
            None => now - t.opened <= max_open,
        });
        let assign_from = now - w.assignment_memory_days as i64 * MS_PER_DAY;
        let served_from = now - w.served_seller_days as i64 * MS_PER_DAY;
        for e in &mut self.emp {
            while e.assignments.front().is_some_and(|a| a.time < assign_from) {
                e.assignments.pop_front();
            }
            e.served.retain(|x| x.1 >= served_from);
        }
        let from = now - w.burst_retention_days as i64 * MS_PER_DAY;
        let (hour_from, day_from) = (from.div_euclid(MS_PER_HOUR), from.div_euclid(MS_PER_DAY));
        self.review_counts.retain(|k, _| match k.0 {
            SELLER_HOUR => k.2 >= hour_from,
            _ => k.2 >= day_from,
        });
        let from = now - w.approval_memory_days as i64 * MS_PER_DAY;
        self.approvals.retain(|_, a| a.1 >= from);
        self.granted.retain(|_, a| a.1 >= from);
        let from = now - w.shared_record_window_days as i64 * MS_PER_DAY;
        self.looked_up.retain(|_, l| {
            l.by.retain(|x| x.1 >= from);
            !l.by.is_empty()
        });
        self.day = day;
    }

    /// Facts that detectors must see already applied.
    pub fn apply_before(&mut self, ev: &Event, cfg: &DetectConfig) {
        let now = ev.time.millis();
        if let (Some(id), ActorType::Employee) = (ev.employee(), ev.actor.kind) {
            let e = self.employee(id);
            if let Some(role) = ev.actor.role.as_deref() {
                self.set_role(e, role);
            }
            if let Some(team) = ev.actor.team.as_deref() {
                let cur = self.emp[e as usize].team;
                if cur.is_none_or(|t| self.roles.name(t) != team) {
                    self.emp[e as usize].team = Some(self.roles.intern(team).0);
                }
            }
        }
        let cap = cfg.world.max_sellers_per_customer as usize;
        match &ev.action {
            Action::ReviewCreate => {
                let (Some(r), Some(seller)) =
                    (ev.target_id(TargetType::Review), ev.attr_str("seller"))
                else {
                    return;
                };
                if ev.actor.kind != ActorType::Customer {
                    return;
                }
                let c = self.customer(&ev.actor.id);
                let s = self.seller(seller);
                let rating = ev.attr_f64("rating").unwrap_or(3.0).clamp(0.0, 9.0) as u8;
                self.add_relation(c, s, REVIEWED | BOUGHT, cap);
                let si = &mut self.sel[s as usize];
                si.reviews += 1;
                if rating as u32 <= cfg.review_deletion.negative_max_rating {
                    si.neg_reviews += 1;
                    self.neg_reviews += 1;
                    if si.neg_reviews == 1 {
                        self.sellers_with_neg += 1;
                    }
                }
                let (hour, day) = (now.div_euclid(MS_PER_HOUR), now.div_euclid(MS_PER_DAY));
                *self.review_counts.entry((AUTHOR_DAY, c, day)).or_default() += 1;
                *self
                    .review_counts
                    .entry((SELLER_HOUR, s, hour))
                    .or_default() += 1;
                if rating as u32 <= cfg.review_deletion.negative_max_rating {
                    *self
                        .review_counts
                        .entry((NEGATIVE_DAY, 0, day))
                        .or_default() += 1;
                    *self
                        .review_counts
                        .entry((SELLER_NEGATIVE_DAY, s, day))
                        .or_default() += 1;
                }
                self.reviews.insert(
                    r.into(),
                    ReviewInfo {
                        seller: s,
                        author: c,
                        rating,
                        created: now,
                        dispute: None,
                    },
                );
            }
            Action::OrderCreate => {
                if let (ActorType::Customer, Some(seller)) = (ev.actor.kind, ev.attr_str("seller"))
                {
                    let c = self.customer(&ev.actor.id);
                    let s = self.seller(seller);
                    self.add_relation(c, s, BOUGHT, cap);
                }
            }
            // The order names its buyer and seller: a purchase we may not
            // have seen created.
            Action::OrderView if ev.outcome() == custos_core::Outcome::Allowed => {
                if let (Some(c), Some(s)) = (ev.attr_str("customer"), ev.attr_str("seller")) {
                    let c = self.customer(c);
                    let s = self.seller(s);
                    self.add_relation(c, s, BOUGHT, cap);
                }
            }
            Action::TicketOpen => self.ticket_open(ev, now),
            Action::GuardDecide
                if ev.attr_str("decision") == Some("granted")
                    && cfg.world.approval_memory_days > 0 =>
            {
                // Ids as exports and reactivations read them: trimmed, and
                // a blank one names nobody (such a grant changes nothing).
                let named = |key| ev.attr_str(key).map(str::trim).filter(|v| !v.is_empty());
                if let (Some(id), Some(who)) = (named("approval"), named("requester")) {
                    let who = self.employee(who);
                    self.granted.insert(id.into(), (who, now));
                    self.guard_grants = true;
                }
            }
            Action::TicketClose => {
                if let Some(t) = ev.target_id(TargetType::Ticket) {
                    if let Some(ti) = self.tickets.get_mut(t) {
                        if ti.closed.is_none() {
                            ti.closed = Some(now);
                        }
                    }
                    self.note_refusal(ev, t, now);
                }
            }
            Action::TicketAssign => {
                if ev.outcome() != custos_core::Outcome::Allowed {
                    return;
                }
                let Some(t) = ev.target_id(TargetType::Ticket) else {
                    return;
                };
                let who = ev
                    .attr_str("assignee")
                    .or_else(|| ev.attr_str("employee"))
                    .or_else(|| ev.employee());
                let Some(who) = who else { return };
                let e = self.employee(who);
                let (customer, seller, kind, names_review) = match self.tickets.get_mut(t) {
                    Some(ti) => {
                        ti.assignee = Some(e);
                        // Assigned after it was closed: reopened (the
                        // event format has no reopening; the store's
                        // `Ticket::status` reads it the same way).
                        if ti.closed.is_some_and(|c| now > c) {
                            ti.closed = None;
                        }
                        (ti.customer, ti.seller, ti.kind, ti.review.is_some())
                    }
                    None => (None, None, None, false),
                };
                if let (None, Some(s)) = (customer, seller) {
                    self.note_served(e, s, now, &cfg.world);
                }
                let a = &mut self.emp[e as usize].assignments;
                a.push_back(Assignment {
                    time: now,
                    customer,
                    seller,
                    kind,
                    names_review,
                });
                while a.len() > cfg.world.max_assignments_per_employee as usize {
                    a.pop_front();
                }
            }
            Action::AccountBan | Action::AccountSuspend => {
                if ev.outcome() != custos_core::Outcome::Allowed {
                    return;
                }
                let Some(t) = ev.target.as_ref() else { return };
                let Some(k) = self.account_of(t.kind, &t.id) else {
                    return;
                };
                let reason = ev
                    .attr_str("reason")
                    .and_then(BanReason::parse)
                    .unwrap_or(BanReason::Other);
                let manual = ev.action == Action::AccountSuspend;
                let acct = self.accounts.entry(k).or_default();
                // A ban after a refused appeal is new grounds: lifting
                // it judges those, not the refusal.
                acct.refused = None;
                match &mut acct.ban {
                    // Already banned: one episode (a suspension confirmed
                    // by a ban); it keeps its start, the graver reason wins.
                    Some(b) => {
                        if is_serious(reason) {
                            b.reason = reason;
                        }
                    }
                    None => {
                        acct.ban = Some(Ban {
                            reason,
                            time: now,
                            manual,
                            ticket: ev
                                .purpose
                                .as_ref()
                                .and_then(|p| p.ticket.as_deref())
                                .map(Into::into),
                        })
                    }
                }
            }
            Action::EmployeeHire | Action::EmployeeChange => {
                let Some(id) = ev.target_id(TargetType::Employee) else {
                    return;
                };
                let e = self.employee(id);
                if let Some(role) = ev.attr_str("role") {
                    self.set_role(e, role);
                }
                if let Some(team) = ev.attr_str("team") {
                    self.emp[e as usize].team = Some(self.roles.intern(team).0);
                }
                if ev.action == Action::EmployeeHire {
                    let ei = &mut self.emp[e as usize];
                    ei.hired = Some(now);
                    ei.left = None;
                }
            }
            Action::EmployeeLeave => {
                let Some(id) = ev.target_id(TargetType::Employee) else {
                    return;
                };
                let e = self.employee(id);
                let reason = ev
                    .attr_str("reason")
                    .and_then(LeaveReason::parse)
                    .unwrap_or(LeaveReason::Terminated);
                self.emp[e as usize].left = Some((now, reason));
            }
            Action::HoneytokenPlant => {
                if let Some(c) = ev.target_id(TargetType::Customer) {
                    let c = self.customer(c);
                    self.cust[c as usize].honeytoken = true;
                }
            }
            _ => {}
        }
    }

    /// Facts whose previous state detectors must see first.
    pub fn apply_after(&mut self, ev: &Event) {
        if ev.action == Action::AccountReactivate && ev.outcome() == custos_core::Outcome::Allowed {
            if let Some(t) = ev.target.as_ref() {
                if let Some(k) = self.account_of(t.kind, &t.id) {
                    let a = self.accounts.entry(k).or_default();
                    a.ban = None;
                    a.refused = None;
                    a.reactivations += 1;
                }
            }
        }
    }

    /// An appeal closed by an employee while the account it appeals for
    /// is still banned, and opened after that ban: refused. (Closing it
    /// after the reactivation finds no ban.)
    fn note_refusal(&mut self, ev: &Event, ticket: &str, now: i64) {
        if ev.outcome() != custos_core::Outcome::Allowed {
            return;
        }
        let Some(closer) = ev.employee() else { return };
        let Some(ti) = self.tickets.get(ticket) else {
            return;
        };
        if ti.kind != Some(TicketKind::Appeal) {
            return;
        }
        let acct = ti.opener.or_else(|| {
            ti.seller
                .map(|id| AccountKey { seller: true, id })
                .or(ti.customer.map(|id| AccountKey { seller: false, id }))
        });
        let opened = ti.opened;
        let Some(k) = acct else { return };
        let banned_before = self
            .accounts
            .get(&k)
            .and_then(|a| a.ban.as_ref())
            .is_some_and(|b| b.time <= opened);
        if !banned_before {
            return;
        }
        let employee = self.employee(closer);
        if let Some(a) = self.accounts.get_mut(&k) {
            a.refused = Some(Refusal {
                time: now,
                employee,
                ticket: ticket.into(),
                event: ev.id.as_str().into(),
            });
        }
    }

    fn set_role(&mut self, e: u32, role: &str) {
        let cur = self.emp[e as usize].role;
        if cur.is_none_or(|r| self.roles.name(r) != role) {
            self.emp[e as usize].role = Some(self.roles.intern(role).0);
        }
    }

    /// Notes that employee `e` was assigned a ticket of seller `s` alone:
    /// they serve the seller (an account manager, an appeals officer).
    fn note_served(&mut self, e: u32, s: u32, now: i64, w: &WorldConfig) {
        if w.served_seller_days == 0 {
            return;
        }
        let served = &mut self.emp[e as usize].served;
        served.retain(|x| x.0 != s);
        if served.len() >= MAX_SERVED {
            served.remove(0);
        }
        served.push((s, now));
    }

    /// Notes that employee `e` cites approval `id`, and whether it is
    /// theirs: granted to them by the guard, where the stream carries the
    /// guard's grants; else, as stated, cited by no one else first within
    /// `approval_memory_days`.
    pub fn cite_approval(&mut self, id: &str, e: u32, w: &WorldConfig) -> bool {
        if w.approval_memory_days == 0 {
            return false;
        }
        if self.guard_grants {
            return !self.guard_refutes(id, e);
        }
        let now = self.now;
        match self.approvals.get(id) {
            Some(&(first, _)) => first == e,
            None => {
                self.approvals.insert(id.into(), (e, now));
                true
            }
        }
    }

    /// Whether the guard's grants, where the stream carries them, show
    /// that approval `id` is not employee `e`'s: never granted, or
    /// granted to someone else.
    pub fn guard_refutes(&self, id: &str, e: u32) -> bool {
        self.guard_grants && self.granted.get(id).is_none_or(|g| g.0 != e)
    }

    /// Whether employee `e` serves seller `s` (see [`World::note_served`]).
    pub fn serves(&self, e: u32, s: u32) -> bool {
        self.emp[e as usize].served.iter().any(|x| x.0 == s)
    }

    fn ticket_open(&mut self, ev: &Event, now: i64) {
        let Some(t) = ev.target_id(TargetType::Ticket) else {
            return;
        };
        let kind = ev.attr_str("kind").and_then(TicketKind::parse);
        let mut customer = ev.attr_str("customer").map(|c| self.customer(c));
        let mut seller = ev.attr_str("seller").map(|s| self.seller(s));
        let opener = match ev.actor.kind {
            ActorType::Seller => {
                let s = self.seller(&ev.actor.id);
                seller.get_or_insert(s);
                Some(AccountKey {
                    seller: true,
                    id: s,
                })
            }
            ActorType::Customer => {
                let c = self.customer(&ev.actor.id);
                customer.get_or_insert(c);
                Some(AccountKey {
                    seller: false,
                    id: c,
                })
            }
            _ => None,
        };
        if kind == Some(TicketKind::Appeal) {
            // The account appealing: the opener, else the one the ticket names.
            let acct = opener.or_else(|| {
                seller
                    .map(|id| AccountKey { seller: true, id })
                    .or(customer.map(|id| AccountKey { seller: false, id }))
            });
            if let Some(k) = acct {
                self.accounts.entry(k).or_default().appeal = Some((now, t.into()));
            }
        }
        if kind == Some(TicketKind::ReviewDispute) {
            if let Some(s) = seller {
                self.sel[s as usize].disputes += 1;
                self.disputes += 1;
            }
            if let Some(r) = ev.attr_str("review") {
                if let Some(ri) = self.reviews.get_mut(r) {
                    ri.dispute = Some(t.into());
                }
            }
        }
        let prev = self.tickets.insert(
            t.into(),
            TicketInfo {
                customer,
                seller,
                kind,
                opener,
                opened: now,
                closed: None,
                assignee: None,
                review: ev.attr_str("review").map(Into::into),
            },
        );
        if let Some(p) = prev {
            // A re-opened ticket: keep who had it.
            if let Some(ti) = self.tickets.get_mut(t) {
                ti.assignee = p.assignee;
            }
        }
    }

    /// Records a disclosure in the employee's activity of the day.
    pub fn record_access(&mut self, a: &crate::access::Access) {
        let day = self.day;
        let ei = &mut self.emp[a.emp as usize];
        let act = &mut ei.activity;
        if act.today.accesses == 0 {
            act.today.day = day;
            self.active_today.push(a.emp);
        }
        act.today.accesses += 1;
        if a.kind == crate::access::AccessKind::Search && !a.has_valid_ticket() {
            act.today.searches += 1;
        }
        if a.legal_ok || a.approved || a.incidental_hits() {
            return;
        }
        if a.kind == crate::access::AccessKind::Export {
            act.today.exported += a.customers.len() as u32;
        }
        for (&c, &ok) in a.customers.iter().zip(&a.explained) {
            if !ok {
                act.today_set.insert(c);
            }
        }
        act.today.customers = act.today_set.len() as u32;
    }

    /// Rough heap bytes, for the memory report.
    pub fn approx_entities(&self) -> [usize; 6] {
        [
            self.cust.len(),
            self.sel.len(),
            self.emp.len(),
            self.reviews.len(),
            self.tickets.len(),
            self.review_counts.len(),
        ]
    }
}
