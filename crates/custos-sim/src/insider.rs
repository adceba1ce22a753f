//! Insiders: who plays which scenario, when, and what they do on the
//! days they abuse their access, on top of (and camouflaged by) their
//! normal work. The truth about them is recorded here, event by event,
//! from exactly what was written.

use crate::config::{Scenario, SimConfig, SimError};
use crate::event::{fields as F, Account, Kind, Purp, Query, NONE, REASON_CHAT, REASON_PHONE};
use crate::market::Status;
use crate::rng::{self, SimRng};
use crate::sim::Sim;
use crate::staff::{Group, Role, Staff};
use crate::work::{ticket_fields, Day, MIN, SEC};
use custos_core::event::{BanReason, DeleteReason, TicketKind};
use custos_core::time::MS_PER_HOUR;
use custos_core::PurposeCode;
use std::collections::BTreeSet;

/// Customers per `customer.export` event: well under the 65,535-byte
/// entry limit (about 14 bytes a customer id).
pub(crate) const EXPORT_BATCH: usize = 1_000;
/// Customers per page of search results.
const SEARCH_PAGE: usize = 500;

pub(crate) struct Insider {
    pub emp: usize,
    pub scenario: Scenario,
    pub intensity: f64,
    pub cover: f64,
    /// Active window, days of the period (inclusive).
    pub first_day: i32,
    pub last_day: i32,
    /// Collusion: which half of the seller's customers this partner takes.
    pub parity: Option<u64>,
    pub partner: Option<usize>,
    /// The paying sellers, chosen on the first active day.
    pub sellers: Vec<u32>,
    pub chosen: bool,
    /// Customers already taken (never taken twice).
    pub harvested: BTreeSet<u32>,
    // The truth: what was written.
    pub disclosed: BTreeSet<u32>,
    pub affected_sellers: BTreeSet<u32>,
    pub first: Option<i64>,
    pub last: i64,
    pub events: u64,
}

/// Today's abuse by one insider.
pub(crate) struct Plan {
    ix: usize,
    n: u32,
    /// Real tickets left undone to keep the day's volume normal.
    pub reduce: u32,
    rng: SimRng,
}

fn roles_for(s: Scenario) -> &'static [Role] {
    match s {
        Scenario::DataSale | Scenario::Broker | Scenario::Collusion => &[Role::CsAgent],
        Scenario::BulkHarvest => &[Role::CsAgent, Role::Specialist],
        Scenario::ReviewDeletion => &[Role::Moderator],
        Scenario::Reactivation => &[Role::Specialist],
        Scenario::Departing => &[Role::CsAgent, Role::Specialist, Role::TeamLead],
    }
}

fn eligible(staff: &Staff, used: &[bool], e: usize, roles: &[Role]) -> bool {
    let emp = &staff.emps[e];
    let team = &staff.teams[emp.team as usize];
    !used[e]
        && emp.stable()
        && roles.contains(&emp.role)
        && !team.night
        && !team.dedicated
        && team.group != Group::Legal
        && (emp.role != Role::TeamLead || team.group == Group::Cs)
}

/// Chooses the insiders and their windows; departing insiders become
/// resigned leavers.
pub(crate) fn plan(
    cfg: &SimConfig,
    staff: &mut Staff,
    rng: &mut SimRng,
) -> Result<Vec<Insider>, SimError> {
    let days = cfg.days as i32;
    let mut used = vec![false; staff.emps.len()];
    let mut out: Vec<Insider> = Vec::new();
    for &scenario in &cfg.scenarios {
        for _ in 0..cfg.insiders_per_scenario {
            let roles = roles_for(scenario);
            let candidates: Vec<usize> = (0..staff.emps.len())
                .filter(|&e| eligible(staff, &used, e, roles))
                .collect();
            let Some(e) = rng::pick(rng, &candidates) else {
                return Err(SimError::NoCandidate {
                    scenario,
                    role: roles[0].as_str(),
                });
            };
            let (intensity, cover) = if cfg.randomize_insiders {
                let spread = rng::unit(rng) * 2.0 - 1.0;
                (cfg.insider.intensity * 4f64.powf(spread), rng::unit(rng))
            } else {
                (cfg.insider.intensity, cfg.insider.cover)
            };
            let lo = (days / 6).max(1);
            let hi = (days * 55 / 100).max(lo + 1).min(days - 1);
            let mut first = rng::between(rng, i64::from(lo), i64::from(hi)) as i32;
            let min_len = (days / 5).max(2);
            let mut last = rng::between(
                rng,
                i64::from((first + min_len).min(days - 1)),
                i64::from(days),
            ) as i32;
            if scenario == Scenario::Departing {
                let lo = (days * 45 / 100).max(2).min(days - 1);
                let leave = rng::between(rng, i64::from(lo), i64::from(days)) as i32;
                let emp = &mut staff.emps[e];
                emp.leave_day = leave;
                emp.leave_reason = custos_core::event::LeaveReason::Resigned;
                last = leave - 1;
                first = (leave - rng::between(rng, 4, 11) as i32).max(1).min(last);
            }
            let mut members = vec![e];
            if scenario == Scenario::Collusion {
                used[e] = true;
                let team = staff.emps[e].team;
                let mates: Vec<usize> = candidates
                    .iter()
                    .copied()
                    .filter(|&m| m != e && staff.emps[m].team == team)
                    .collect();
                let others: Vec<usize> = candidates.iter().copied().filter(|&m| m != e).collect();
                let partner = if rng::chance(rng, 0.5) && !mates.is_empty() {
                    rng::pick(rng, &mates)
                } else {
                    rng::pick(rng, &others)
                };
                let Some(partner) = partner else {
                    return Err(SimError::NoCandidate {
                        scenario,
                        role: roles[0].as_str(),
                    });
                };
                members.push(partner);
            }
            let base = out.len();
            for (k, &m) in members.iter().enumerate() {
                used[m] = true;
                staff.emps[m].vacation = (0, 0);
                out.push(Insider {
                    emp: m,
                    scenario,
                    intensity,
                    cover,
                    first_day: first,
                    last_day: last.max(first),
                    parity: (members.len() > 1).then_some(k as u64),
                    partner: (members.len() > 1).then_some(base + 1 - k),
                    sellers: Vec::new(),
                    chosen: false,
                    harvested: BTreeSet::new(),
                    disclosed: BTreeSet::new(),
                    affected_sellers: BTreeSet::new(),
                    first: None,
                    last: 0,
                    events: 0,
                });
            }
        }
    }
    Ok(out)
}

/// Times of `n` illicit actions: with cover, spread over the shift among
/// real work; without, a burst (often late in the shift).
fn illicit_times(rng: &mut SimRng, n: usize, day: &Day, cover: f64) -> Vec<i64> {
    let lo = day.start + 15 * MIN;
    let hi = (day.end - 10 * MIN).max(lo + MIN);
    let mut v: Vec<i64> = if rng::chance(rng, cover) {
        (0..n).map(|_| rng::between(rng, lo, hi)).collect()
    } else {
        let mut t = if rng::chance(rng, 0.5) {
            (hi - rng::between(rng, 30 * MIN, 100 * MIN)).max(lo)
        } else {
            rng::between(rng, lo, hi)
        };
        (0..n)
            .map(|_| {
                t += rng::between(rng, 20 * SEC, 100 * SEC);
                t
            })
            .collect()
    };
    v.sort_unstable();
    v
}

/// A purpose for an illicit access: with cover, one of the insider's own
/// open tickets (of another customer); otherwise a bare code or nothing.
fn cover_purpose(rng: &mut SimRng, day: &Day, t: i64, cover: f64, code: PurposeCode) -> Purp {
    if rng::chance(rng, cover) {
        if let Some(k) = day.open_ticket_at(rng, t) {
            return Purp::ticket(k.ticket, code);
        }
    }
    if rng::chance(rng, 0.45) {
        let reason = match rng::below(rng, 4) {
            0 => REASON_PHONE,
            1 => REASON_CHAT,
            _ => 0,
        };
        Purp::code(code).because(reason)
    } else {
        Purp::NONE
    }
}

fn code_for(role: Role) -> PurposeCode {
    match role {
        Role::Specialist => PurposeCode::FraudInvestigation,
        Role::Moderator => PurposeCode::QualityReview,
        _ => PurposeCode::CustomerRequest,
    }
}

impl Sim<'_> {
    /// Whether insider `e` abuses today, and how much; drawn before the
    /// day's real work so that cover can reduce it.
    pub(crate) fn insider_plan(&mut self, e: usize, g: i32) -> Option<Plan> {
        let ix = self.insider_of[e];
        if ix == NONE {
            return None;
        }
        let ix = ix as usize;
        let ins = &self.insiders[ix];
        if g < ins.first_day || g > ins.last_day {
            return None;
        }
        let mut rng = rng::stream(self.cfg.seed, rng::INSIDER, e as u64, g as u64);
        let forced = ins.first.is_none();
        let p_active = if ins.scenario == Scenario::Departing {
            0.9
        } else {
            0.7
        };
        if !forced && !rng::chance(&mut rng, p_active) {
            return None;
        }
        let i = ins.intensity;
        let c = ins.cover;
        let at_least = u32::from(forced);
        let (n, reduce) = match ins.scenario {
            Scenario::DataSale | Scenario::Broker => {
                let n = rng::poisson(&mut rng, i).max(1);
                (n, (c * f64::from(n) * 0.5).round() as u32)
            }
            Scenario::Collusion => {
                let n = rng::poisson(&mut rng, 0.6 * i).max(1);
                (n, (c * f64::from(n) * 0.5).round() as u32)
            }
            Scenario::Departing => {
                let n = rng::poisson(&mut rng, 2.0 * i).max(2);
                (n, (c * f64::from(n) * 0.3).round() as u32)
            }
            Scenario::BulkHarvest => {
                if forced || rng::chance(&mut rng, 0.4) {
                    (rng::poisson(&mut rng, 5.0 * i).max(20), u32::from(c > 0.5))
                } else {
                    (0, 0)
                }
            }
            Scenario::ReviewDeletion => {
                let n = rng::poisson(&mut rng, i / 4.0).max(at_least);
                (n, (c * f64::from(n)).round() as u32)
            }
            Scenario::Reactivation => {
                let n = u32::from(forced || rng::chance(&mut rng, (i / 12.0).min(0.8)));
                (n, u32::from(c > 0.5) * n)
            }
        };
        (n > 0).then_some(Plan { ix, n, reduce, rng })
    }

    pub(crate) fn insider_act(&mut self, plan: Plan, day: &mut Day) {
        let Plan { ix, n, mut rng, .. } = plan;
        let rng = &mut rng;
        self.choose_sellers(ix, rng);
        let scenario = self.insiders[ix].scenario;
        let sellers = self.insiders[ix].sellers.clone();
        match scenario {
            Scenario::DataSale | Scenario::Collusion => {
                self.view_harvest(ix, rng, day, n as usize, &sellers)
            }
            Scenario::Broker => {
                // A day's work for one or two of the clients.
                let k = rng::between(rng, 1, 3) as usize;
                let mut today: Vec<u32> = sellers.clone();
                rand::seq::SliceRandom::shuffle(today.as_mut_slice(), rng);
                today.truncate(k.max(1));
                self.view_harvest(ix, rng, day, n as usize, &today)
            }
            Scenario::Departing => {
                let targeted = !sellers.is_empty() && rng::chance(rng, 0.7);
                let from: &[u32] = if targeted { &sellers } else { &[] };
                self.view_harvest(ix, rng, day, n as usize, from);
                let last = self.insiders[ix].last_day;
                if day.g + 2 >= last && rng::chance(rng, 0.5) {
                    let k = rng::between(rng, 100, 400) as usize;
                    self.bulk(ix, rng, day, k, from, false);
                }
            }
            Scenario::BulkHarvest => self.bulk(ix, rng, day, n as usize, &sellers, true),
            Scenario::ReviewDeletion => self.delete_reviews(ix, rng, day, n as usize),
            Scenario::Reactivation => self.reactivate(ix, rng, day),
        }
    }

    fn mark(&mut self, ix: usize, t: i64, customer: Option<u32>, seller: u32) {
        let ins = &mut self.insiders[ix];
        ins.first = Some(ins.first.map_or(t, |f| f.min(t)));
        ins.last = ins.last.max(t);
        ins.events += 1;
        if let Some(c) = customer {
            ins.disclosed.insert(c);
        }
        if seller != NONE {
            ins.affected_sellers.insert(seller);
        }
    }

    /// The paying sellers, on the first active day (by then the history
    /// says who reviewed whom).
    fn choose_sellers(&mut self, ix: usize, rng: &mut SimRng) {
        if self.insiders[ix].chosen {
            return;
        }
        self.insiders[ix].chosen = true;
        let m = &self.market;
        let ins = &self.insiders[ix];
        // Sellers below the very top with enough reviewers for the plan.
        let days = f64::from(ins.last_day - ins.first_day + 1) * 0.5;
        let needed = (ins.intensity * days).min(400.0) as usize;
        let top = m.popular.len().min(100);
        let mut pool: Vec<u32> = m.popular[1.min(top)..top]
            .iter()
            .copied()
            .filter(|&s| m.sellers[s as usize].reviews.len() >= needed.max(80))
            .collect();
        if pool.len() < 6 {
            pool = m.popular[1.min(top)..top].to_vec();
            pool.sort_by_key(|&s| std::cmp::Reverse(m.sellers[s as usize].reviews.len()));
            pool.truncate(6);
        }
        let k = match self.insiders[ix].scenario {
            Scenario::DataSale => 1,
            Scenario::Broker => rng::between(rng, 3, 6) as usize,
            Scenario::BulkHarvest => rng::between(rng, 1, 3) as usize,
            Scenario::Departing => {
                if rng::chance(rng, 0.5) {
                    rng::between(rng, 1, 4) as usize
                } else {
                    0
                }
            }
            Scenario::Collusion => {
                if let Some(p) = self.insiders[ix].partner {
                    if self.insiders[p].chosen {
                        self.insiders[ix].sellers = self.insiders[p].sellers.clone();
                        return;
                    }
                }
                1
            }
            Scenario::ReviewDeletion => {
                // The seller with the most live negative reviews, roughly.
                let scan = m.popular.len().min(200);
                let mut counts: Vec<(usize, u32)> = m.popular[..scan]
                    .iter()
                    .map(|&s| {
                        let neg = m.sellers[s as usize]
                            .reviews
                            .iter()
                            .filter(|&&r| {
                                let rec = &m.reviews[r as usize];
                                rec.rating <= 2 && !rec.deleted && !rec.spam
                            })
                            .count();
                        (neg, s)
                    })
                    .collect();
                counts.sort_unstable_by(|a, b| b.cmp(a));
                counts.truncate(8);
                let s = rng::pick(rng, &counts).map_or(m.popular[0], |x| x.1);
                self.insiders[ix].sellers = vec![s];
                return;
            }
            Scenario::Reactivation => 0,
        };
        let k = k.min(pool.len());
        let chosen: Vec<u32> = rand::seq::index::sample(rng, pool.len(), k)
            .into_iter()
            .map(|i| pool[i])
            .collect();
        self.insiders[ix].sellers = chosen;
    }

    /// `n` new victims (customer, seller): reviewers (mostly) or buyers of
    /// the given sellers, or any active customers when none is given.
    fn victims(
        &mut self,
        ix: usize,
        rng: &mut SimRng,
        n: usize,
        sellers: &[u32],
    ) -> Vec<(u32, u32)> {
        let m = &self.market;
        let ins = &mut self.insiders[ix];
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            for _ in 0..12 {
                let (c, s) = match rng::pick(rng, sellers) {
                    None => (m.cust_pick.sample(rng), NONE),
                    Some(s) => {
                        let seller = &m.sellers[s as usize];
                        let c = if !seller.reviews.is_empty() && rng::chance(rng, 0.75) {
                            let r = seller.reviews[rng::below(rng, seller.reviews.len())];
                            m.reviews[r as usize].customer
                        } else if let Some(c) = rng::pick(rng, &seller.buyers) {
                            c
                        } else {
                            continue;
                        };
                        (c, s)
                    }
                };
                if ins.harvested.contains(&c) {
                    continue;
                }
                if let Some(p) = ins.parity {
                    if rng::mix(u64::from(c), 0xC011) % 2 != p {
                        continue;
                    }
                }
                ins.harvested.insert(c);
                out.push((c, s));
                break;
            }
        }
        out
    }

    /// Views of victims' records (and sometimes their orders).
    fn view_harvest(&mut self, ix: usize, rng: &mut SimRng, day: &Day, n: usize, sellers: &[u32]) {
        let cover = self.insiders[ix].cover;
        let who = day.who;
        let code = code_for(who.role);
        let victims = self.victims(ix, rng, n, sellers);
        let times = illicit_times(rng, victims.len(), day, cover);
        for ((c, s), t) in victims.into_iter().zip(times) {
            let purpose = cover_purpose(rng, day, t, cover, code);
            let fields = if rng::chance(rng, cover) {
                ticket_fields(rng, TicketKind::OrderIssue, false)
            } else if rng::chance(rng, 0.3) {
                F::NAME | F::EMAIL | F::PHONE | F::ADDRESS | F::ORDERS
            } else {
                F::NAME | F::EMAIL | F::PHONE | F::ADDRESS
            };
            if self.emit(
                t,
                Kind::CustomerView {
                    who,
                    customer: c,
                    fields,
                    purpose,
                },
            ) {
                self.mark(ix, t, Some(c), s);
            }
            if s != NONE && rng::chance(rng, 0.3 * cover) {
                let last = self.market.cust_last[c as usize];
                let order = if last[1] == s {
                    Some(last[0])
                } else if last[3] == s {
                    Some(last[2])
                } else {
                    None
                };
                if let Some(order) = order {
                    let x = t + rng::between(rng, 10 * SEC, 60 * SEC);
                    if self.emit(
                        x,
                        Kind::OrderView {
                            who,
                            order,
                            customer: c,
                            seller: s,
                            purpose,
                        },
                    ) {
                        self.mark(ix, x, Some(c), s);
                    }
                }
            }
        }
    }

    /// A bulk pull: a search returning many customers (in pages), and
    /// often an export of them (in batches).
    fn bulk(
        &mut self,
        ix: usize,
        rng: &mut SimRng,
        day: &Day,
        n: usize,
        sellers: &[u32],
        search: bool,
    ) {
        let cover = self.insiders[ix].cover;
        let who = day.who;
        let code = code_for(who.role);
        let victims = self.victims(ix, rng, n, sellers);
        if victims.is_empty() {
            return;
        }
        let seller_of: std::collections::BTreeMap<u32, u32> = victims.iter().copied().collect();
        let mut customers: Vec<u32> = victims.iter().map(|v| v.0).collect();
        customers.sort_unstable();
        let t0 = illicit_times(rng, 1, day, cover)[0];
        let purpose = cover_purpose(rng, day, t0, cover, code);
        let main_seller = victims[0].1;
        let mut x = t0;
        if search {
            let query = match (main_seller, rng::below(rng, 3)) {
                (s, 0) if s != NONE => Query::Seller(s),
                (s, 1) if s != NONE => Query::Product(self.market.sellers[s as usize].product_base),
                _ => Query::Name(customers[0]),
            };
            let batch = if customers.len() > SEARCH_PAGE {
                self.new_batch()
            } else {
                NONE
            };
            for page in customers.chunks(SEARCH_PAGE) {
                x += rng::between(rng, 2 * SEC, 15 * SEC);
                if self.emit(
                    x,
                    Kind::Search {
                        who,
                        query,
                        targets: page.into(),
                        batch,
                        purpose,
                    },
                ) {
                    for c in page {
                        self.mark(ix, x, Some(*c), seller_of.get(c).copied().unwrap_or(NONE));
                    }
                }
            }
        }
        if !search || rng::chance(rng, 0.5) {
            let batch = self.new_batch();
            x += rng::between(rng, 2 * MIN, 10 * MIN);
            for chunk in customers.chunks(EXPORT_BATCH) {
                x += rng::between(rng, 2 * SEC, 20 * SEC);
                if self.emit(
                    x,
                    Kind::Export {
                        who,
                        targets: chunk.into(),
                        batch,
                        purpose,
                    },
                ) {
                    for c in chunk {
                        self.mark(ix, x, Some(*c), seller_of.get(c).copied().unwrap_or(NONE));
                    }
                }
            }
        }
    }

    /// Deletes negative reviews of the paying seller, no dispute behind
    /// them, under reasons that look legitimate.
    fn delete_reviews(&mut self, ix: usize, rng: &mut SimRng, day: &Day, n: usize) {
        let cover = self.insiders[ix].cover;
        let who = day.who;
        let times = illicit_times(rng, n, day, cover);
        for t in times {
            let sellers = self.insiders[ix].sellers.clone();
            let m = &self.market;
            let mut candidates: Vec<u32> = Vec::new();
            for &s in &sellers {
                for &r in m.sellers[s as usize].reviews.iter().rev() {
                    let rec = &m.reviews[r as usize];
                    if !rec.deleted && !rec.spam && rec.rating <= 2 && rec.time() < t - MS_PER_HOUR
                    {
                        candidates.push(r);
                        if candidates.len() >= 30 {
                            break;
                        }
                    }
                }
            }
            let Some(r) = rng::pick(rng, &candidates) else {
                // The seller is clean now; the next client pays too.
                if sellers.len() < 3 {
                    let next =
                        self.market.popular[rng::below(rng, self.market.popular.len().min(100))];
                    if !sellers.contains(&next) {
                        self.insiders[ix].sellers.push(next);
                    }
                }
                continue;
            };
            let rec = self.market.reviews[r as usize];
            let purpose = cover_purpose(rng, day, t, cover, PurposeCode::QualityReview);
            if rng::chance(rng, 0.3 * (1.0 - cover)) {
                let v = t - rng::between(rng, 20 * SEC, 90 * SEC);
                if self.emit(
                    v,
                    Kind::CustomerView {
                        who,
                        customer: rec.customer,
                        fields: F::REVIEWS | F::ACCOUNT,
                        purpose,
                    },
                ) {
                    self.mark(ix, v, Some(rec.customer), rec.seller);
                }
            }
            let reason = match rng::weighted(rng, &[0.3, 0.45, 0.25]) {
                0 => DeleteReason::Spam,
                1 => DeleteReason::Abuse,
                _ => DeleteReason::OffTopic,
            };
            if self.emit(
                t,
                Kind::ReviewDelete {
                    who,
                    review: r,
                    reason,
                    purpose,
                },
            ) {
                self.market.reviews[r as usize].deleted = true;
                self.mark(ix, t, Some(rec.customer), rec.seller);
            }
        }
    }

    /// Reactivates a seller banned for fraud or review manipulation,
    /// without an appeal (or citing someone else's), preferring sellers
    /// reactivated before.
    fn reactivate(&mut self, ix: usize, rng: &mut SimRng, day: &Day) {
        let cover = self.insiders[ix].cover;
        let who = day.who;
        let t = illicit_times(rng, 1, day, cover)[0];
        let m = &self.market;
        let ok = |s: &u32| {
            let seller = &m.sellers[*s as usize];
            matches!(seller.status, Status::Banned | Status::Suspended)
                && matches!(
                    seller.reason,
                    BanReason::Fraud | BanReason::ReviewManipulation
                )
                && seller.since < t - MS_PER_HOUR
        };
        let clients: Vec<u32> = self.insiders[ix]
            .affected_sellers
            .iter()
            .copied()
            .filter(ok)
            .collect();
        let others: Vec<u32> = m.sanctioned.iter().copied().filter(ok).collect();
        let Some(s) = rng::pick(rng, &clients).or_else(|| rng::pick(rng, &others)) else {
            return;
        };
        let appeal = if rng::chance(rng, 0.6 * cover) {
            let foreign: Vec<u32> = m
                .recent_appeals
                .iter()
                .filter(|a| a.1 != s)
                .map(|a| a.0)
                .collect();
            rng::pick(rng, &foreign).unwrap_or(NONE)
        } else {
            NONE
        };
        let purpose = cover_purpose(rng, day, t, cover, PurposeCode::SellerRequest);
        if self.emit(
            t,
            Kind::Reactivate {
                who,
                account: Account::Seller(s),
                appeal,
                purpose,
            },
        ) {
            self.market
                .set_status(s, Status::Active, BanReason::Other, t);
            self.market.sellers[s as usize].client = true;
            self.mark(ix, t, None, s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Kind, Names, Pending, Purp, Renderer, Who};

    #[test]
    fn a_full_batch_of_the_longest_ids_fits_an_entry() {
        let names = Names {
            emp_num: vec![999_999],
            emp_host: vec![59_999],
            team_name: vec!["acct-blr-9999".into()],
            team_site: vec![6],
            site_code: vec!["DUB", "SZX", "AUS", "WAW", "MNL", "BOG", "BLR"],
        };
        let mut r = Renderer::new(names);
        let who = Who {
            emp: 0,
            team: 0,
            role: Role::Specialist,
        };
        // Customer numbers up to the largest configurable population.
        let targets: Vec<u32> = (0..EXPORT_BATCH as u32).map(|i| 49_000_000 + i).collect();
        let mut out = Vec::new();
        r.render(
            &Pending {
                time: 4_102_444_800_000,
                kind: Kind::Export {
                    who,
                    targets: targets.into_boxed_slice(),
                    batch: u32::MAX - 1,
                    purpose: Purp::ticket(u32::MAX - 1, PurposeCode::FraudInvestigation),
                },
            },
            &mut out,
        );
        assert!(
            out.len() < custos_core::MAX_ENTRY_BYTES / 2,
            "{}",
            out.len()
        );
        let line = std::str::from_utf8(&out).expect("utf-8");
        assert!(custos_core::parse_event(line.trim_end()).is_ok());
    }
}
