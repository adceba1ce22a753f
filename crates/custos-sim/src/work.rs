//! An employee's working day: log in at shift start, then the role's
//! workflows, each a chain of events around a ticket (opened by a
//! customer, seller or the system, assigned, the customer's data viewed
//! for it, closed).

use crate::event::{
    fields as F, Account, Kind, Party, Purp, Query, SystemActor, Who, NONE, REASON_CALLBACK,
    REASON_CHAT, REASON_PHONE, REASON_TAKEOVER,
};
use crate::market::{ban_reason, AcctItem, OrderRec, Status};
use crate::rng::{self, SimRng};
use crate::sim::Sim;
use crate::staff::{Group, Role};
use custos_core::event::{BanReason, DeleteReason, TicketKind};
use custos_core::time::MS_PER_HOUR;
use custos_core::PurposeCode;

pub(crate) const SEC: i64 = 1_000;
pub(crate) const MIN: i64 = 60_000;

/// A ticket an employee took today: the cover an insider can borrow.
pub(crate) struct OpenTicket {
    pub ticket: u32,
    pub customer: u32,
    pub assigned: i64,
    pub closed: i64,
}

/// One employee's working day.
pub(crate) struct Day {
    pub g: i32,
    pub who: Who,
    pub group: Group,
    pub night: bool,
    pub dedicated: bool,
    pub start: i64,
    pub end: i64,
    pub newbie: bool,
    pub tickets: Vec<OpenTicket>,
}

impl Day {
    /// `n` times spread over the shift, in order.
    pub(crate) fn slots(&self, rng: &mut SimRng, n: u32) -> Vec<i64> {
        let mut v: Vec<i64> = (0..n)
            .map(|_| rng::between(rng, self.start + 10 * MIN, self.end - 25 * MIN))
            .collect();
        v.sort_unstable();
        v
    }

    /// One of today's own tickets open at `t` (else the latest taken
    /// before `t`), for a purpose.
    pub(crate) fn open_ticket_at(&self, rng: &mut SimRng, t: i64) -> Option<&OpenTicket> {
        let open: Vec<&OpenTicket> = self
            .tickets
            .iter()
            .filter(|k| k.assigned <= t && t < k.closed && k.customer != NONE)
            .collect();
        if let Some(k) = rng::pick(rng, &open) {
            return Some(k);
        }
        self.tickets
            .iter()
            .filter(|k| k.assigned <= t && k.customer != NONE)
            .max_by_key(|k| k.assigned)
    }
}

/// The data categories an agent opens for a kind of ticket.
pub(crate) fn ticket_fields(rng: &mut SimRng, kind: TicketKind, newbie: bool) -> u8 {
    if newbie && rng::chance(rng, 0.2) {
        return F::ALL;
    }
    let options: &[u8] = match kind {
        TicketKind::OrderIssue => &[
            F::NAME | F::ADDRESS | F::ORDERS,
            F::NAME | F::EMAIL | F::ORDERS,
            F::NAME | F::PHONE | F::ADDRESS | F::ORDERS,
            F::NAME | F::ORDERS,
            F::NAME | F::ADDRESS | F::ORDERS,
            F::NAME | F::EMAIL | F::PHONE | F::ADDRESS,
            F::NAME | F::EMAIL | F::PHONE | F::ADDRESS | F::ORDERS,
        ],
        TicketKind::Account => &[
            F::NAME | F::EMAIL | F::PHONE | F::ACCOUNT,
            F::NAME | F::EMAIL | F::ACCOUNT,
            F::EMAIL | F::ACCOUNT | F::PAYMENT,
            F::NAME | F::ACCOUNT,
        ],
        _ => &[
            F::NAME | F::EMAIL,
            F::NAME | F::EMAIL | F::ORDERS,
            F::NAME | F::EMAIL | F::PHONE,
        ],
    };
    rng::pick(rng, options).unwrap_or(F::NAME)
}

const CS_RESOLUTIONS: &[&str] = &["resolved", "refund_issued", "replacement_sent", "answered"];

impl Sim<'_> {
    pub(crate) fn workday(&mut self, e: usize, g: i32) {
        if !self.staff.rostered(e, g, self.abs_day0) {
            return;
        }
        let mut rng = rng::stream(self.cfg.seed, rng::WORK, e as u64, g as u64);
        // Sick days.
        if rng::chance(&mut rng, 0.02) {
            return;
        }
        let emp = self.staff.emps[e];
        let (role, team) = emp.at(g);
        let t = &self.staff.teams[team as usize];
        let (group, night, dedicated) = (t.group, t.night, t.dedicated);
        let local = emp.start_min + rng::between(&mut rng, -20, 21) as i32;
        let start = self.local_time(g, team, local);
        let sale = self.sale_factor(g);
        let mut len = if night {
            8 * MS_PER_HOUR
        } else {
            8 * MS_PER_HOUR + rng::between(&mut rng, 0, 60 * MIN)
        };
        // Overtime, more often when it is busy.
        if rng::chance(&mut rng, if sale > 1.0 { 0.4 } else { 0.06 }) {
            len += rng::between(&mut rng, MS_PER_HOUR, 3 * MS_PER_HOUR);
        }
        let who = Who {
            emp: e as u32,
            team,
            role,
        };
        let since_hire = g - emp.hire_day;
        let ramp = if emp.hire_day > 0 {
            (0.3 + 0.05 * f64::from(since_hire)).min(1.0)
        } else {
            1.0
        };
        let mut day = Day {
            g,
            who,
            group,
            night,
            dedicated,
            start,
            end: start + len,
            newbie: emp.hire_day > 0 && since_hire < 14,
            tickets: Vec::new(),
        };
        let remote = rng::chance(&mut rng, f64::from(emp.remote));
        self.emit(
            start - rng::between(&mut rng, 0, 8 * MIN),
            Kind::Login { who, remote },
        );

        let plan = self.insider_plan(e, g);
        let reduce = plan.as_ref().map_or(0, |p| p.reduce);
        // Leavers wind down over their last week.
        let winding_down = if emp.leave_day - g <= 5 { 0.6 } else { 1.0 };
        let prod = f64::from(emp.productivity) * ramp * winding_down;
        match role {
            Role::CsAgent => {
                let base = if night {
                    self.cfg.tickets_per_agent_day / 3.0
                } else {
                    self.cfg.tickets_per_agent_day
                };
                let incident = if self.incident_on(g).is_some() {
                    1.15
                } else {
                    1.0
                };
                let n =
                    rng::poisson(&mut rng, base * prod * sale * incident).saturating_sub(reduce);
                for t in day.slots(&mut rng, n) {
                    if night && rng::chance(&mut rng, 0.04) {
                        self.break_glass(&mut rng, &day, t);
                    } else if !dedicated && rng::chance(&mut rng, 0.04) {
                        self.phone_contact(&mut rng, &day, t);
                    } else {
                        self.cs_ticket(&mut rng, &mut day, t);
                    }
                    if !dedicated && rng::chance(&mut rng, 0.015) {
                        self.help_colleague(&mut rng, &day, t + 20 * MIN);
                    }
                }
            }
            Role::TeamLead => self.lead_day(&mut rng, &mut day, prod * sale.sqrt(), reduce),
            Role::Moderator => {
                let mut n = rng::poisson(&mut rng, 16.0 * prod * sale.sqrt())
                    .min(self.mod_share)
                    .saturating_sub(reduce);
                if let Some(w) = self
                    .waves
                    .iter()
                    .position(|w| w.moderator == e && w.day < g && w.next < w.reviews.len())
                {
                    self.spam_cleanup(&mut rng, &mut day, w);
                    n = n * 2 / 5;
                }
                for t in day.slots(&mut rng, n) {
                    self.moderation_ticket(&mut rng, &mut day, t);
                }
            }
            Role::Specialist => {
                let n = rng::poisson(&mut rng, 7.0 * prod * sale.sqrt()).saturating_sub(reduce);
                let mut queued = self.acct_share;
                for t in day.slots(&mut rng, n) {
                    self.accounts_ticket(&mut rng, &mut day, t, &mut queued);
                }
            }
            Role::Legal => self.legal_day(&mut rng, &mut day),
        }
        if let Some(plan) = plan {
            self.insider_act(plan, &mut day);
        }
    }

    /// When a ticket answered at `t` was opened: some time before, never
    /// before `not_before` or the flush floor.
    fn opened_before(&self, rng: &mut SimRng, t: i64, not_before: i64, mean: f64) -> i64 {
        let back = MIN + rng::exponential(rng, mean) as i64;
        (t - back)
            .max(not_before)
            .max(self.floor + 1)
            .min(t - 30 * SEC)
    }

    #[allow(clippy::too_many_arguments)]
    fn close(
        &mut self,
        rng: &mut SimRng,
        day: &mut Day,
        ticket: u32,
        customer: u32,
        assigned: i64,
        last: i64,
        by_employee: f64,
        resolution: &'static str,
    ) {
        let (t, by, resolution) = if rng::chance(rng, by_employee) {
            (
                last + rng::between(rng, 2 * MIN, 30 * MIN),
                Some(day.who),
                resolution,
            )
        } else {
            (
                last + rng::between(rng, 2 * MS_PER_HOUR, 20 * MS_PER_HOUR),
                None,
                "auto_closed",
            )
        };
        self.emit(
            t,
            Kind::TicketClose {
                ticket,
                by,
                resolution,
            },
        );
        day.tickets.push(OpenTicket {
            ticket,
            customer,
            assigned,
            closed: t,
        });
    }

    /// A customer's ticket at customer service.
    fn cs_ticket(&mut self, rng: &mut SimRng, day: &mut Day, t: i64) {
        let weights: &[f64] = if day.dedicated {
            &[0.85, 0.1, 0.05]
        } else if day.night {
            &[0.35, 0.5, 0.15]
        } else {
            &[0.62, 0.22, 0.16]
        };
        let mut kind = match rng::weighted(rng, weights) {
            0 => TicketKind::OrderIssue,
            1 => TicketKind::Account,
            _ => TicketKind::Other,
        };
        let mut order = None;
        if kind == TicketKind::OrderIssue && !day.dedicated && rng::chance(rng, 0.3) {
            order = self.incident_order(rng, day, t);
        }
        if order.is_none() && (kind == TicketKind::OrderIssue || day.dedicated) {
            order = self
                .market
                .recent_order(rng, t, 2 * MS_PER_HOUR, day.dedicated);
            if order.is_none() {
                kind = TicketKind::Account;
            }
        }
        let (c, seller, not_before) = match order {
            Some(o) => (o.customer, o.seller, o.time + 10 * MIN),
            None => (self.market.pick_customer(rng), NONE, 0),
        };
        let with_order = if kind == TicketKind::OrderIssue {
            order
        } else {
            None
        };
        let ticket = self.new_ticket();
        let open = self.opened_before(rng, t, not_before, 3.0 * MS_PER_HOUR as f64);
        self.emit(
            open,
            Kind::TicketOpen {
                ticket,
                by: Party::Customer(c),
                kind,
                customer: c,
                seller: if with_order.is_some() || day.dedicated {
                    seller
                } else {
                    NONE
                },
                review: NONE,
            },
        );
        let who = day.who;
        self.emit(t, Kind::TicketAssign { who, ticket });
        let purpose = Purp::ticket(ticket, PurposeCode::CustomerRequest);
        let mut x = t + rng::between(rng, 20 * SEC, 150 * SEC);
        if rng::chance(rng, 0.04) {
            self.lookup(
                rng,
                day,
                x - 10 * SEC,
                c,
                with_order.map(|o| o.order),
                purpose,
            );
        }
        let fields = ticket_fields(rng, kind, day.newbie);
        self.emit(
            x,
            Kind::CustomerView {
                who,
                customer: c,
                fields,
                purpose,
            },
        );
        let last = self.market.cust_last[c as usize];
        let viewed = match with_order {
            Some(o) => Some((o.order, o.seller)),
            None if kind == TicketKind::Account && last[0] != NONE && rng::chance(rng, 0.4) => {
                Some((last[0], last[1]))
            }
            None => None,
        };
        if let Some((o, s)) = viewed {
            x += rng::between(rng, 10 * SEC, 200 * SEC);
            self.emit(
                x,
                Kind::OrderView {
                    who,
                    order: o,
                    customer: c,
                    seller: s,
                    purpose,
                },
            );
            if last[2] != NONE && rng::chance(rng, 0.15) {
                x += rng::between(rng, 10 * SEC, 90 * SEC);
                self.emit(
                    x,
                    Kind::OrderView {
                        who,
                        order: last[2],
                        customer: c,
                        seller: last[3],
                        purpose,
                    },
                );
            }
        }
        if rng::chance(rng, if day.newbie { 0.4 } else { 0.12 }) {
            x += rng::between(rng, 3 * MIN, 25 * MIN);
            let fields = ticket_fields(rng, kind, day.newbie);
            self.emit(
                x,
                Kind::CustomerView {
                    who,
                    customer: c,
                    fields,
                    purpose,
                },
            );
        }
        let resolution = rng::pick(rng, CS_RESOLUTIONS).unwrap_or("resolved");
        self.close(rng, day, ticket, c, t, x, 0.7, resolution);
        let recent = &mut self.team_recent[day.who.team as usize];
        recent.push_back((ticket, c));
        if recent.len() > 64 {
            recent.pop_front();
        }
    }

    /// A customer on the phone or in chat, helped without a ticket.
    fn phone_contact(&mut self, rng: &mut SimRng, day: &Day, t: i64) {
        let who = day.who;
        let order = self
            .market
            .recent_order(rng, t, 2 * MS_PER_HOUR, day.dedicated);
        let c = order.map_or_else(|| self.market.pick_customer(rng), |o| o.customer);
        let reason = match rng::weighted(rng, &[0.5, 0.15, 0.1, 0.25]) {
            0 => REASON_PHONE,
            1 => REASON_CALLBACK,
            2 => REASON_CHAT,
            _ => 0,
        };
        let purpose = Purp::code(PurposeCode::CustomerRequest).because(reason);
        let kind = if order.is_some() {
            TicketKind::OrderIssue
        } else {
            TicketKind::Other
        };
        let fields = ticket_fields(rng, kind, day.newbie);
        self.emit(
            t,
            Kind::CustomerView {
                who,
                customer: c,
                fields,
                purpose,
            },
        );
        if let Some(o) = order {
            self.emit(
                t + rng::between(rng, 20 * SEC, 150 * SEC),
                Kind::OrderView {
                    who,
                    order: o.order,
                    customer: c,
                    seller: o.seller,
                    purpose,
                },
            );
        }
    }

    /// Night on-call: an account being taken over, handled at once under
    /// break-glass.
    fn break_glass(&mut self, rng: &mut SimRng, day: &Day, t: i64) {
        let c = self.market.pick_customer(rng);
        self.emit(
            t,
            Kind::CustomerView {
                who: day.who,
                customer: c,
                fields: F::NAME | F::EMAIL | F::PHONE | F::ACCOUNT,
                purpose: Purp::code(PurposeCode::BreakGlass).because(REASON_TAKEOVER),
            },
        );
    }

    /// A colleague asks for a second opinion: their ticket, their
    /// customer, looked at by someone not assigned to it.
    fn help_colleague(&mut self, rng: &mut SimRng, day: &Day, t: i64) {
        let recent = &self.team_recent[day.who.team as usize];
        let Some(&(ticket, c)) = recent.get(rng::below(rng, recent.len())) else {
            return;
        };
        if day.tickets.iter().any(|k| k.ticket == ticket) {
            return;
        }
        let fields = ticket_fields(rng, TicketKind::Other, day.newbie);
        self.emit(
            t,
            Kind::CustomerView {
                who: day.who,
                customer: c,
                fields,
                purpose: Purp::ticket(ticket, PurposeCode::CustomerRequest),
            },
        );
    }

    /// A lookup by email, phone or order that returns the ticket's
    /// customer and perhaps a few namesakes.
    fn lookup(
        &mut self,
        rng: &mut SimRng,
        day: &Day,
        t: i64,
        c: u32,
        order: Option<u32>,
        purpose: Purp,
    ) {
        let query = match order {
            Some(o) if rng::chance(rng, 0.5) => Query::Order(o),
            _ if rng::chance(rng, 0.3) => Query::Name(c),
            _ if rng::chance(rng, 0.5) => Query::Email(c),
            _ => Query::Phone(c),
        };
        let mut targets = vec![c];
        if matches!(query, Query::Name(_)) {
            for _ in 0..rng::between(rng, 1, 5) {
                targets.push(self.market.pick_customer(rng));
            }
        }
        targets.sort_unstable();
        targets.dedup();
        // Namesakes: sometimes the wrong record is opened first.
        let wrong = targets.iter().copied().find(|&x| x != c);
        self.emit(
            t,
            Kind::Search {
                who: day.who,
                query,
                targets: targets.into_boxed_slice(),
                batch: NONE,
                purpose,
            },
        );
        if let Some(w) = wrong.filter(|_| rng::chance(rng, 0.4)) {
            self.emit(
                t + rng::between(rng, 3 * SEC, 20 * SEC),
                Kind::CustomerView {
                    who: day.who,
                    customer: w,
                    fields: F::NAME | F::EMAIL,
                    purpose,
                },
            );
        }
    }

    /// A team lead: escalations of the team's kind, and quality reviews
    /// of the team's recent tickets (a purpose ticket assigned to someone
    /// else, legitimately).
    fn lead_day(&mut self, rng: &mut SimRng, day: &mut Day, load: f64, reduce: u32) {
        let n = rng::poisson(rng, 3.0 * load).saturating_sub(reduce);
        for t in day.slots(rng, n) {
            match day.group {
                Group::Cs => self.cs_ticket(rng, day, t),
                Group::Moderation => {
                    self.moderation_ticket(rng, day, t);
                }
                Group::Accounts => self.accounts_ticket(rng, day, t, &mut 1),
                Group::Legal => {}
            }
        }
        let qa = rng::poisson(rng, 2.0);
        for t in day.slots(rng, qa) {
            let recent = &self.team_recent[day.who.team as usize];
            let Some(&(ticket, c)) = recent.get(rng::below(rng, recent.len())) else {
                break;
            };
            if day.tickets.iter().any(|k| k.ticket == ticket) {
                continue;
            }
            let fields = if rng::chance(rng, 0.5) {
                F::NAME | F::ORDERS
            } else {
                F::NAME | F::EMAIL | F::ORDERS
            };
            self.emit(
                t,
                Kind::CustomerView {
                    who: day.who,
                    customer: c,
                    fields,
                    purpose: Purp::ticket(ticket, PurposeCode::QualityReview),
                },
            );
        }
    }

    /// Takes the oldest moderation ticket opened before `t`, if any.
    fn moderation_ticket(&mut self, rng: &mut SimRng, day: &mut Day, t: i64) -> bool {
        let Some((&(open, _), _)) = self.market.mod_queue.first_key_value() else {
            return false;
        };
        if open > t - 2 * MIN {
            return false;
        }
        let Some((_, item)) = self.market.mod_queue.pop_first() else {
            return false;
        };
        if item.dispute {
            self.review_decision(rng, day, t, item.ticket, item.review, 0.3, &[0.2, 0.5, 0.3]);
        } else {
            self.review_decision(rng, day, t, item.ticket, item.review, 0.5, &[0.4, 0.4, 0.2]);
        }
        true
    }

    #[allow(clippy::too_many_arguments)]
    fn review_decision(
        &mut self,
        rng: &mut SimRng,
        day: &mut Day,
        t: i64,
        ticket: u32,
        r: u32,
        p_delete: f64,
        reasons: &[f64],
    ) {
        let who = day.who;
        let rec = self.market.reviews[r as usize];
        self.emit(t, Kind::TicketAssign { who, ticket });
        let purpose = Purp::ticket(ticket, PurposeCode::QualityReview);
        let mut x = t + rng::between(rng, 30 * SEC, 4 * MIN);
        if rng::chance(rng, 0.25) {
            self.emit(
                x,
                Kind::CustomerView {
                    who,
                    customer: rec.customer,
                    fields: F::REVIEWS | F::ACCOUNT,
                    purpose,
                },
            );
            x += rng::between(rng, 20 * SEC, 2 * MIN);
        }
        let delete = !rec.deleted && rng::chance(rng, p_delete);
        if delete {
            let reason = match rng::weighted(rng, reasons) {
                0 => DeleteReason::Spam,
                1 => DeleteReason::Abuse,
                _ => DeleteReason::OffTopic,
            };
            if self.emit(
                x,
                Kind::ReviewDelete {
                    who,
                    review: r,
                    reason,
                    purpose,
                },
            ) {
                self.market.reviews[r as usize].deleted = true;
            }
        }
        let resolution = if rec.deleted {
            "already_removed"
        } else if delete {
            "review_removed"
        } else {
            "review_kept"
        };
        self.close(rng, day, ticket, rec.customer, t, x, 0.95, resolution);
    }

    /// The spam-wave moderator deletes the wave's reviews over a few days.
    fn spam_cleanup(&mut self, rng: &mut SimRng, day: &mut Day, w: usize) {
        let who = day.who;
        let ticket = self.waves[w].ticket;
        let mut x = day.start + rng::between(rng, 5 * MIN, 20 * MIN);
        if !self.waves[w].assigned {
            self.waves[w].assigned = true;
            self.emit(x, Kind::TicketAssign { who, ticket });
        }
        let assigned = x;
        let wave = &self.waves[w];
        let remaining = wave.reviews.len() - wave.next;
        let days_left = 3u32.saturating_sub(wave.days_worked).max(1) as usize;
        let k = remaining.div_ceil(days_left);
        let purpose = Purp::ticket(ticket, PurposeCode::QualityReview);
        for _ in 0..k {
            let wave = &mut self.waves[w];
            let r = wave.reviews[wave.next];
            wave.next += 1;
            if self.market.reviews[r as usize].deleted {
                continue;
            }
            x += rng::between(rng, 15 * SEC, 120 * SEC);
            if self.emit(
                x,
                Kind::ReviewDelete {
                    who,
                    review: r,
                    reason: DeleteReason::Spam,
                    purpose,
                },
            ) {
                self.market.reviews[r as usize].deleted = true;
                let wave = &mut self.waves[w];
                wave.first_delete.get_or_insert(x);
                wave.last_delete = x;
            }
        }
        let wave = &mut self.waves[w];
        wave.days_worked += 1;
        let closed = if wave.next >= wave.reviews.len() {
            let t = x + rng::between(rng, 2 * MIN, 10 * MIN);
            self.emit(
                t,
                Kind::TicketClose {
                    ticket,
                    by: Some(who),
                    resolution: "spam_removed",
                },
            );
            t
        } else {
            day.end
        };
        day.tickets.push(OpenTicket {
            ticket,
            customer: NONE,
            assigned,
            closed,
        });
    }

    /// Takes the oldest fraud report or appeal opened before `t`; when
    /// there is none, a customer's account ticket.
    fn accounts_ticket(&mut self, rng: &mut SimRng, day: &mut Day, t: i64, queued: &mut u32) {
        let ready = *queued > 0
            && self
                .market
                .acct_queue
                .first_key_value()
                .is_some_and(|(&(open, _), _)| open <= t - 2 * MIN);
        *queued = queued.saturating_sub(u32::from(ready));
        match ready.then(|| self.market.acct_queue.pop_first()).flatten() {
            Some((
                _,
                AcctItem::Fraud {
                    ticket,
                    seller,
                    order,
                },
            )) => self.fraud_report(rng, day, t, ticket, seller, order),
            Some((_, AcctItem::Appeal { ticket, seller })) => {
                self.appeal(rng, day, t, ticket, seller)
            }
            None => self.account_ticket(rng, day, t),
        }
    }

    /// A fraud report about a seller: the reporter's order checked, other
    /// buyers looked up, perhaps a suspension.
    fn fraud_report(
        &mut self,
        rng: &mut SimRng,
        day: &mut Day,
        t: i64,
        ticket: u32,
        s: u32,
        order: Option<OrderRec>,
    ) {
        let who = day.who;
        self.emit(t, Kind::TicketAssign { who, ticket });
        let purpose = Purp::ticket(ticket, PurposeCode::FraudInvestigation);
        let mut x = t + rng::between(rng, MIN, 5 * MIN);
        if let Some(o) = order {
            self.emit(
                x,
                Kind::CustomerView {
                    who,
                    customer: o.customer,
                    fields: F::NAME | F::EMAIL | F::ORDERS | F::PAYMENT,
                    purpose,
                },
            );
            x += rng::between(rng, 15 * SEC, 90 * SEC);
            self.emit(
                x,
                Kind::OrderView {
                    who,
                    order: o.order,
                    customer: o.customer,
                    seller: s,
                    purpose,
                },
            );
        }
        if rng::chance(rng, 0.3) {
            // Who else bought from this seller: for refunds and warnings.
            let n = rng::between(rng, 5, 41) as usize;
            let targets = self.market.some_buyers(rng, s, n);
            if !targets.is_empty() {
                x += rng::between(rng, MIN, 4 * MIN);
                self.emit(
                    x,
                    Kind::Search {
                        who,
                        query: if rng::chance(rng, 0.7) {
                            Query::Seller(s)
                        } else {
                            Query::Product(self.market.product(rng, s))
                        },
                        targets: targets.into_boxed_slice(),
                        batch: NONE,
                        purpose,
                    },
                );
            }
        }
        let seller = &self.market.sellers[s as usize];
        let bad = 1.0 - f64::from(seller.quality);
        let suspend = seller.status == Status::Active
            && seller.since < x
            && rng::chance(rng, 0.1 + 0.7 * bad * bad * bad);
        if suspend {
            let reason = ban_reason(rng, seller.quality);
            x += rng::between(rng, 2 * MIN, 10 * MIN);
            if self.emit(
                x,
                Kind::Suspend {
                    who,
                    account: Account::Seller(s),
                    reason,
                    purpose,
                },
            ) {
                self.market.set_status(s, Status::Suspended, reason, x);
            }
        }
        // A second look finds the suspension unwarranted: reversed under
        // the same ticket, without any appeal.
        let reversed = suspend && rng::chance(rng, 0.08);
        if reversed {
            x += rng::between(rng, 20 * MIN, 3 * MS_PER_HOUR);
            if self.emit(
                x,
                Kind::Reactivate {
                    who,
                    account: Account::Seller(s),
                    appeal: NONE,
                    purpose,
                },
            ) {
                self.market
                    .set_status(s, Status::Active, BanReason::Other, x);
            }
        }
        let resolution = if reversed {
            "suspension_reversed"
        } else if suspend {
            "seller_suspended"
        } else {
            "no_action"
        };
        let customer = order.map_or(NONE, |o| o.customer);
        self.close(rng, day, ticket, customer, t, x, 0.9, resolution);
    }

    /// A sanctioned seller's appeal; some are granted.
    fn appeal(&mut self, rng: &mut SimRng, day: &mut Day, t: i64, ticket: u32, s: u32) {
        let who = day.who;
        self.emit(t, Kind::TicketAssign { who, ticket });
        let seller = &self.market.sellers[s as usize];
        let quality = f64::from(seller.quality);
        let still = seller.status != Status::Active && seller.since < t;
        let x = t + rng::between(rng, 3 * MIN, 15 * MIN);
        let grant = still && rng::chance(rng, 0.2 + 0.5 * quality);
        if grant
            && self.emit(
                x,
                Kind::Reactivate {
                    who,
                    account: Account::Seller(s),
                    appeal: ticket,
                    purpose: Purp::ticket(ticket, PurposeCode::SellerRequest),
                },
            )
        {
            self.market
                .set_status(s, Status::Active, BanReason::Other, x);
        }
        let resolution = match (still, grant) {
            (false, _) => "no_action",
            (true, true) => "appeal_granted",
            (true, false) => "appeal_denied",
        };
        self.close(rng, day, ticket, NONE, t, x, 0.95, resolution);
    }

    /// A customer's account problem: verification, takeover, a suspended
    /// account restored (a reactivation without an appeal, legitimately).
    fn account_ticket(&mut self, rng: &mut SimRng, day: &mut Day, t: i64) {
        let who = day.who;
        let from_suspended = !self.market.suspended_customers.is_empty() && rng::chance(rng, 0.3);
        let c = if from_suspended {
            let i = rng::below(rng, self.market.suspended_customers.len());
            self.market.suspended_customers.swap_remove(i)
        } else {
            self.market.pick_customer(rng)
        };
        let ticket = self.new_ticket();
        let open = self.opened_before(rng, t, 0, 4.0 * MS_PER_HOUR as f64);
        self.emit(
            open,
            Kind::TicketOpen {
                ticket,
                by: Party::Customer(c),
                kind: TicketKind::Account,
                customer: c,
                seller: NONE,
                review: NONE,
            },
        );
        self.emit(t, Kind::TicketAssign { who, ticket });
        let purpose = Purp::ticket(ticket, PurposeCode::CustomerRequest);
        let mut x = t + rng::between(rng, 30 * SEC, 3 * MIN);
        let fields = ticket_fields(rng, TicketKind::Account, day.newbie);
        self.emit(
            x,
            Kind::CustomerView {
                who,
                customer: c,
                fields,
                purpose,
            },
        );
        if rng::chance(rng, 0.06) {
            // Linked accounts (same device, address or card) checked too.
            for _ in 0..rng::between(rng, 1, 3) {
                x += rng::between(rng, 20 * SEC, 2 * MIN);
                let linked = self.market.pick_customer(rng);
                self.emit(
                    x,
                    Kind::CustomerView {
                        who,
                        customer: linked,
                        fields: F::NAME | F::EMAIL | F::ACCOUNT,
                        purpose,
                    },
                );
            }
        }
        x += rng::between(rng, MIN, 6 * MIN);
        let resolution = if from_suspended {
            self.emit(
                x,
                Kind::Reactivate {
                    who,
                    account: Account::Customer(c),
                    appeal: NONE,
                    purpose,
                },
            );
            "account_restored"
        } else if rng::chance(rng, 0.03) {
            let reason = if rng::chance(rng, 0.7) {
                BanReason::Fraud
            } else {
                BanReason::Policy
            };
            if self.emit(
                x,
                Kind::Suspend {
                    who,
                    account: Account::Customer(c),
                    reason,
                    purpose: Purp::ticket(ticket, PurposeCode::FraudInvestigation),
                },
            ) && self.market.suspended_customers.len() < 10_000
            {
                self.market.suspended_customers.push(c);
            }
            "account_suspended"
        } else {
            "resolved"
        };
        self.close(rng, day, ticket, c, t, x, 0.85, resolution);
    }

    /// Legal: regulator requests (every buyer of one seller, exported in
    /// batches) and data-subject access requests.
    fn legal_day(&mut self, rng: &mut SimRng, day: &mut Day) {
        let who = day.who;
        if rng::chance(rng, 0.22) {
            let s = if !self.market.sanctioned.is_empty() && rng::chance(rng, 0.6) {
                rng::pick(rng, &self.market.sanctioned).unwrap_or(0)
            } else {
                let top = self.market.popular.len().min(50);
                self.market.popular[rng::below(rng, top)]
            };
            let n = rng::between(rng, 200, 3_000) as usize;
            let targets = self.market.some_buyers(rng, s, n);
            if targets.len() >= 20 {
                let t = rng::between(rng, day.start + 30 * MIN, day.end - 3 * MS_PER_HOUR);
                let ticket = self.new_ticket();
                let open = self.opened_before(rng, t, 0, 20.0 * MS_PER_HOUR as f64);
                self.emit(
                    open,
                    Kind::TicketOpen {
                        ticket,
                        by: Party::System(SystemActor::Ticketing),
                        kind: TicketKind::Other,
                        customer: NONE,
                        seller: s,
                        review: NONE,
                    },
                );
                self.emit(t, Kind::TicketAssign { who, ticket });
                let purpose = Purp::ticket(ticket, PurposeCode::Legal);
                let batch = self.new_batch();
                let mut x = t + rng::between(rng, 5 * MIN, 40 * MIN);
                for chunk in targets.chunks(crate::insider::EXPORT_BATCH) {
                    x += rng::between(rng, 2 * SEC, 30 * SEC);
                    self.emit(
                        x,
                        Kind::Export {
                            who,
                            targets: chunk.into(),
                            batch,
                            purpose,
                        },
                    );
                }
                self.close(
                    rng,
                    day,
                    ticket,
                    NONE,
                    t,
                    x + 30 * MIN,
                    1.0,
                    "export_delivered",
                );
            }
        }
        if rng::chance(rng, 0.4) {
            let c = self.market.pick_customer(rng);
            let t = rng::between(rng, day.start + 30 * MIN, day.end - MS_PER_HOUR);
            let ticket = self.new_ticket();
            let open = self.opened_before(rng, t, 0, 30.0 * MS_PER_HOUR as f64);
            self.emit(
                open,
                Kind::TicketOpen {
                    ticket,
                    by: Party::Customer(c),
                    kind: TicketKind::Account,
                    customer: c,
                    seller: NONE,
                    review: NONE,
                },
            );
            self.emit(t, Kind::TicketAssign { who, ticket });
            let purpose = Purp::ticket(ticket, PurposeCode::Legal);
            let x = t + rng::between(rng, 2 * MIN, 20 * MIN);
            self.emit(
                x,
                Kind::CustomerView {
                    who,
                    customer: c,
                    fields: F::ALL,
                    purpose,
                },
            );
            self.emit(
                x + rng::between(rng, MIN, 10 * MIN),
                Kind::Export {
                    who,
                    targets: vec![c].into_boxed_slice(),
                    batch: NONE,
                    purpose,
                },
            );
            self.close(
                rng,
                day,
                ticket,
                c,
                t,
                x + 15 * MIN,
                1.0,
                "export_delivered",
            );
        }
    }
}
