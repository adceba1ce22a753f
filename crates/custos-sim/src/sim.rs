//! The simulation loop: day by day, marketplace first, then every
//! employee's working day; events are buffered, sorted and written once
//! no later day can produce anything earlier.

use crate::config::{SimConfig, SimError};
use crate::event::{self, Kind, Names, Pending, Renderer, Who, NONE};
use crate::insider::{self, Insider};
use crate::market::OrderRec;
use crate::market::{self, Market};
use crate::rng::{self, SimRng};
use crate::staff::{self, Group, Staff, SITES};
use crate::truth::{InsiderTruth, Lookalike, Truth};
use custos_core::event::TicketKind;
use custos_core::time::{MS_PER_DAY, MS_PER_HOUR};
use custos_core::Timestamp;
use std::collections::{BTreeMap, VecDeque};
use std::io::Write;

/// How far before the start of its day a day's generation may write
/// (tickets opened the evening before, shifts east of UTC). Events
/// earlier than the current day's start minus this are final.
pub(crate) const BACK: i64 = 36 * MS_PER_HOUR;

const WRITE_CHUNK: usize = 1 << 20;

/// A burst of spam reviews and the moderator who cleans it up.
pub(crate) struct SpamWave {
    pub day: i32,
    pub ticket: u32,
    pub moderator: usize,
    pub reviews: Vec<u32>,
    /// Reviews not yet deleted (indices into `reviews`, from `next`).
    pub next: usize,
    pub assigned: bool,
    pub days_worked: u32,
    pub first_delete: Option<i64>,
    pub last_delete: i64,
}

/// A seller's fulfilment outage: for a few days many order tickets come
/// from its buyers, whoever handles them.
pub(crate) struct Incident {
    pub seller: u32,
    pub from_day: i32,
    pub to_day: i32,
    /// The seller's recent orders, gathered when the outage begins.
    pub orders: Vec<OrderRec>,
    /// Tickets handled per employee.
    pub handlers: BTreeMap<usize, u32>,
}

pub(crate) struct Sim<'c> {
    pub cfg: &'c SimConfig,
    pub start: i64,
    pub end: i64,
    pub hist_start: i64,
    /// Days since the epoch of the first day.
    pub abs_day0: i64,
    pub market: Market,
    pub staff: Staff,
    pub insiders: Vec<Insider>,
    /// Per employee: index into `insiders`, or `NONE`.
    pub insider_of: Vec<u32>,
    /// The earliest time the current day's generation may write.
    pub floor: i64,
    pub next_ticket: u32,
    pub next_batch: u32,
    pub sale_days: Vec<i32>,
    pub waves: Vec<SpamWave>,
    pub incidents: Vec<Incident>,
    /// Recent tickets of each team (ticket, customer), for team leads'
    /// quality reviews.
    pub team_recent: Vec<VecDeque<(u32, u32)>>,
    pub honeytokens: Vec<u32>,
    /// Today's share of the moderation and accounts queues per person.
    pub mod_share: u32,
    pub acct_share: u32,
    honey_plan: Vec<(i32, u32, u32)>,
    honey_next: usize,
    buf: Vec<Pending>,
    renderer: Renderer,
    line: Vec<u8>,
    pub events: u64,
}

impl<'c> Sim<'c> {
    pub(crate) fn new(cfg: &'c SimConfig) -> Result<Sim<'c>, SimError> {
        cfg.validate()?;
        let mut rng = rng::stream(cfg.seed, rng::SETUP, 0, 0);
        let mut staff = staff::build(cfg, &mut rng);
        let mut market = Market::new(cfg, &mut rng);
        if staff.dedicated_team.is_some() {
            market.dedicated = market.popular[0];
        }
        let start = cfg.start.0;
        let days = cfg.days as i32;

        // Honeytokens: ordinary-looking customers, with orders and reviews
        // of popular sellers in the history, where a thief would harvest.
        let h = cfg.honeytoken_count();
        let mut honeytokens: Vec<u32> = rand::seq::index::sample(&mut rng, cfg.customers, h)
            .into_iter()
            .map(|i| i as u32)
            .collect();
        honeytokens.sort_unstable();
        let mut honey_plan = Vec::new();
        let hist = cfg.history_days as i64;
        for &c in &honeytokens {
            market.honeytoken[c as usize] = true;
            for _ in 0..rng::between(&mut rng, 4, 10) {
                let s = market.seller_pick.sample(&mut rng);
                let day = if hist >= 2 {
                    rng::between(&mut rng, -hist, -1) as i32
                } else {
                    rng::between(&mut rng, 0, i64::from(days.min(3))) as i32
                };
                honey_plan.push((day, c, s));
            }
        }
        honey_plan.sort_unstable();

        let insiders = insider::plan(cfg, &mut staff, &mut rng)?;
        let mut insider_of = vec![NONE; staff.emps.len()];
        for (i, ins) in insiders.iter().enumerate() {
            insider_of[ins.emp] = i as u32;
        }

        let mut sale_days = Vec::new();
        let mut waves = Vec::new();
        let mut incidents = Vec::new();
        if cfg.lookalikes {
            let mut block = 0;
            while block * 30 < days {
                let d = block * 30 + rng::between(&mut rng, 7, 21) as i32;
                if d < days {
                    sale_days.push(d);
                }
                block += 1;
            }
            let mut block = 0;
            while block * 30 < days {
                let from = block * 30 + rng::between(&mut rng, 3, 27) as i32;
                let rank = rng::between(&mut rng, 3, market.popular.len().min(40) as i64) as usize;
                if from < days {
                    incidents.push(Incident {
                        seller: market.popular[rank.min(market.popular.len() - 1)],
                        from_day: from,
                        to_day: from + rng::between(&mut rng, 1, 3) as i32,
                        orders: Vec::new(),
                        handlers: BTreeMap::new(),
                    });
                }
                block += 1;
            }
            let moderators: Vec<usize> = (0..staff.emps.len())
                .filter(|&e| {
                    let emp = &staff.emps[e];
                    emp.stable()
                        && insider_of[e] == NONE
                        && emp.role == staff::Role::Moderator
                        && !staff.teams[emp.team as usize].night
                })
                .collect();
            if days >= 6 {
                let n_waves = (days / 45).max(1);
                for k in 0..n_waves {
                    let lo = 1 + k * days / n_waves;
                    let hi = ((k + 1) * days / n_waves).min(days - 4).max(lo + 1);
                    let Some(m) = rng::pick(&mut rng, &moderators) else {
                        break;
                    };
                    staff.emps[m].vacation = (0, 0);
                    waves.push(SpamWave {
                        day: rng::between(&mut rng, i64::from(lo), i64::from(hi)) as i32,
                        ticket: NONE,
                        moderator: m,
                        reviews: Vec::new(),
                        next: 0,
                        assigned: false,
                        days_worked: 0,
                        first_delete: None,
                        last_delete: 0,
                    });
                }
            }
        }

        let names = Names {
            emp_num: staff.emps.iter().map(|e| e.num).collect(),
            emp_host: staff.emps.iter().map(|e| e.host).collect(),
            team_name: staff.teams.iter().map(|t| t.name.clone()).collect(),
            team_site: staff.teams.iter().map(|t| t.site).collect(),
            site_code: SITES.iter().map(|s| s.0).collect(),
        };
        let team_recent = (0..staff.teams.len()).map(|_| VecDeque::new()).collect();
        Ok(Sim {
            cfg,
            start,
            end: start + i64::from(cfg.days) * MS_PER_DAY,
            hist_start: start - hist * MS_PER_DAY,
            abs_day0: start / MS_PER_DAY,
            market,
            staff,
            insiders,
            insider_of,
            floor: 0,
            next_ticket: rng::between(&mut rng, 0, 90_000) as u32,
            next_batch: rng::between(&mut rng, 1_000, 9_000) as u32,
            sale_days,
            waves,
            incidents,
            team_recent,
            honeytokens,
            mod_share: 0,
            acct_share: 0,
            honey_plan,
            honey_next: 0,
            buf: Vec::new(),
            renderer: Renderer::new(names),
            line: Vec::with_capacity(WRITE_CHUNK + 70_000),
            events: 0,
        })
    }

    /// How many queued tickets each moderator and account specialist
    /// takes at most today: the queue split among those on duty.
    fn set_queue_shares(&mut self, g: i32) {
        let (mut mods, mut accts) = (0usize, 0usize);
        for e in 0..self.staff.emps.len() {
            if !self.staff.rostered(e, g, self.abs_day0) {
                continue;
            }
            match self.staff.emps[e].at(g).0 {
                staff::Role::Moderator => mods += 1,
                staff::Role::Specialist => accts += 1,
                _ => {}
            }
        }
        self.mod_share = (self.market.mod_queue.len().div_ceil(mods.max(1)) + 1) as u32;
        self.acct_share = (self.market.acct_queue.len().div_ceil(accts.max(1)) + 1) as u32;
    }

    /// The seller incident under way on day `g`, if any.
    pub(crate) fn incident_on(&self, g: i32) -> Option<usize> {
        self.incidents
            .iter()
            .position(|i| g >= i.from_day && g <= i.to_day)
    }

    /// An order of the incident's seller, for a ticket about it.
    pub(crate) fn incident_order(
        &mut self,
        rng: &mut SimRng,
        day: &crate::work::Day,
        t: i64,
    ) -> Option<OrderRec> {
        let i = self.incident_on(day.g)?;
        let inc = &self.incidents[i];
        for _ in 0..6 {
            let o = *inc.orders.get(rng::below(rng, inc.orders.len()))?;
            if o.time < t - 3_600_000 && !self.market.honeytoken[o.customer as usize] {
                *self.incidents[i]
                    .handlers
                    .entry(day.who.emp as usize)
                    .or_insert(0) += 1;
                return Some(o);
            }
        }
        None
    }

    /// Gathers an incident's orders when it begins and as they come.
    pub(crate) fn incident_orders(&mut self, g: i32) {
        let Some(i) = self.incident_on(g) else {
            return;
        };
        let seller = self.incidents[i].seller;
        let since = self.day_start(g) - 5 * MS_PER_DAY;
        let ring = &self.market.recent_orders;
        let seen = self.incidents[i]
            .orders
            .last()
            .map_or(since, |o| o.time + 1);
        let new: Vec<OrderRec> = ring
            .iter()
            .filter(|o| o.seller == seller && o.time >= seen)
            .copied()
            .collect();
        self.incidents[i].orders.extend(new);
    }

    pub(crate) fn day_start(&self, g: i32) -> i64 {
        self.start + i64::from(g) * MS_PER_DAY
    }

    /// Queues an event; `false` (and nothing queued) when it falls outside
    /// the simulated time.
    pub(crate) fn emit(&mut self, time: i64, kind: Kind) -> bool {
        if time < self.hist_start || time >= self.end {
            return false;
        }
        debug_assert!(time >= self.floor, "event before the flush floor");
        let time = time.max(self.floor);
        self.buf.push(Pending { time, kind });
        true
    }

    pub(crate) fn new_ticket(&mut self) -> u32 {
        self.next_ticket += 1;
        self.next_ticket
    }

    pub(crate) fn new_batch(&mut self) -> u32 {
        self.next_batch += 1;
        self.next_batch
    }

    /// Order volume: three times on a sale day, more for two days after.
    pub(crate) fn order_factor(&self, g: i32) -> f64 {
        self.sale_factor(g)
    }

    pub(crate) fn sale_factor(&self, g: i32) -> f64 {
        for &d in &self.sale_days {
            if g == d {
                return 3.0;
            }
            if g == d + 1 {
                return 1.8;
            }
            if g == d + 2 {
                return 1.3;
            }
        }
        1.0
    }

    pub(crate) fn run(&mut self, out: &mut dyn Write) -> Result<(), SimError> {
        let days = self.cfg.days as i32;
        for g in -(self.cfg.history_days as i32)..days {
            self.floor = self.day_start(g) - BACK;
            self.market_day(g);
            self.incident_orders(g);
            if g == 0 {
                self.opening();
            }
            if g >= 0 {
                // A fresh order each day, so shared queues are shared fairly.
                let mut order: Vec<usize> = (0..self.staff.emps.len()).collect();
                let mut rng = rng::stream(self.cfg.seed, rng::SETUP, 1, g as u64);
                rand::seq::SliceRandom::shuffle(order.as_mut_slice(), &mut rng);
                self.set_queue_shares(g);
                for e in order {
                    self.hr_events(e, g);
                    self.workday(e, g);
                }
            }
            self.flush(self.day_start(g + 1) - BACK, out)?;
        }
        self.flush(i64::MAX, out)?;
        out.write_all(&self.line)?;
        self.line.clear();
        Ok(())
    }

    fn flush(&mut self, watermark: i64, out: &mut dyn Write) -> Result<(), SimError> {
        self.buf.sort_by_key(|p| p.time);
        let k = self.buf.partition_point(|p| p.time < watermark);
        for p in self.buf.drain(..k) {
            self.renderer.render(&p, &mut self.line);
            self.events += 1;
            if self.line.len() >= WRITE_CHUNK {
                out.write_all(&self.line)?;
                self.line.clear();
            }
        }
        Ok(())
    }

    /// The initial staff's hires and the honeytokens, at the start.
    fn opening(&mut self) {
        for e in 0..self.staff.emps.len() {
            let emp = self.staff.emps[e];
            if emp.hire_day == 0 {
                let who = Who {
                    emp: e as u32,
                    team: emp.team,
                    role: emp.role,
                };
                self.emit(self.start, Kind::Hire { who });
            }
        }
        for i in 0..self.honeytokens.len() {
            let customer = self.honeytokens[i];
            self.emit(self.start, Kind::Plant { customer });
        }
    }

    /// HR facts of day `g`, early in the employee's local morning.
    fn hr_events(&mut self, e: usize, g: i32) {
        let emp = self.staff.emps[e];
        if g > 0 && emp.hire_day == g {
            let t = self.local_time(g, emp.team, 6 * 60 + 30);
            let who = Who {
                emp: e as u32,
                team: emp.team,
                role: emp.role,
            };
            self.emit(t, Kind::Hire { who });
        }
        if emp.change_day == g {
            let t = self.local_time(g, emp.new_team, 6 * 60);
            let who = Who {
                emp: e as u32,
                team: emp.new_team,
                role: emp.new_role,
            };
            self.emit(t, Kind::Change { who });
        }
        if emp.leave_day == g {
            let (_, team) = emp.at(g);
            let t = self.local_time(g, team, 7 * 60);
            self.emit(
                t,
                Kind::Leave {
                    emp: e as u32,
                    reason: emp.leave_reason,
                },
            );
        }
    }

    /// UTC ms of a local time of day on day `g` at a team's site.
    pub(crate) fn local_time(&self, g: i32, team: u32, minutes: i32) -> i64 {
        let off = self.staff.site_offset_min(team);
        self.day_start(g) + i64::from(minutes - off) * 60_000
    }

    pub(crate) fn honeytoken_history(&mut self, g: i32) {
        if self.honey_next >= self.honey_plan.len() || self.honey_plan[self.honey_next].0 != g {
            return;
        }
        let mut rng = rng::stream(self.cfg.seed, rng::HISTORY_HONEY, g as u64, 0);
        let day0 = self.day_start(g);
        while let Some(&(d, c, s)) = self.honey_plan.get(self.honey_next) {
            if d != g {
                break;
            }
            self.honey_next += 1;
            let t = day0 + market::time_of_day(&mut rng);
            let (_, product) = self.place_order(&mut rng, t, c, s);
            let rating = self.market.rating(&mut rng, s);
            let rt = t + rng::between(&mut rng, 2 * MS_PER_HOUR, 20 * MS_PER_HOUR);
            self.write_review(&mut rng, rt, c, s, product, rating, false);
        }
    }

    /// A spam campaign: many accounts post glowing (or, against a rival,
    /// damning) reviews across many sellers within hours.
    pub(crate) fn spam_wave_reviews(&mut self, rng: &mut SimRng, g: i32) {
        let Some(w) = self.waves.iter().position(|w| w.day == g) else {
            return;
        };
        let day0 = self.day_start(g);
        let accounts = rng::between(rng, 30, 80);
        let mut last = day0;
        let mut reviews = Vec::new();
        for _ in 0..accounts {
            let c = self.market.pick_customer(rng);
            for _ in 0..rng::between(rng, 3, 7) {
                let s = rng::below(rng, self.market.sellers.len()) as u32;
                if !self.market.active(s) {
                    continue;
                }
                let t = day0 + rng::between(rng, 2 * MS_PER_HOUR, 14 * MS_PER_HOUR);
                last = last.max(t);
                let product = self.market.product(rng, s);
                let rating = if rng::chance(rng, 0.75) { 5 } else { 1 };
                let r = self.write_review(rng, t, c, s, product, rating, true);
                if !self.market.reviews[r as usize].deleted {
                    reviews.push(r);
                }
            }
        }
        let ticket = self.new_ticket();
        self.emit(
            last + rng::between(rng, 20 * 60_000, 90 * 60_000),
            Kind::TicketOpen {
                ticket,
                by: event::Party::System(event::SystemActor::Ticketing),
                kind: TicketKind::Other,
                customer: NONE,
                seller: NONE,
                review: NONE,
            },
        );
        let wave = &mut self.waves[w];
        wave.ticket = ticket;
        wave.reviews = reviews;
    }

    pub(crate) fn truth(&self) -> Truth {
        let emp_id = |e: usize| event::employee_id(self.staff.emps[e].num);
        let insiders = self
            .insiders
            .iter()
            .filter_map(|ins| {
                let first = ins.first?;
                Some(InsiderTruth {
                    employee: emp_id(ins.emp),
                    scenario: ins.scenario.as_str().to_owned(),
                    start: Timestamp(first),
                    end: Timestamp(ins.last),
                    sellers: ins
                        .affected_sellers
                        .iter()
                        .map(|s| event::seller_id(*s))
                        .collect(),
                    customers: ins
                        .disclosed
                        .iter()
                        .map(|c| event::customer_id(*c))
                        .collect(),
                    intensity: Some(ins.intensity),
                    cover: Some(ins.cover),
                    events: Some(ins.events),
                })
            })
            .collect();

        let mut lookalikes = Vec::new();
        let team_members = |pred: &dyn Fn(&staff::Team) -> bool| -> Vec<String> {
            (0..self.staff.emps.len())
                .filter(|&e| {
                    let emp = &self.staff.emps[e];
                    self.insider_of[e] == NONE
                        && (pred(&self.staff.teams[emp.team as usize])
                            || pred(&self.staff.teams[emp.new_team as usize]))
                })
                .map(emp_id)
                .collect()
        };
        if self.staff.dedicated_team.is_some() {
            lookalikes.push(Lookalike {
                kind: "dedicated_seller_team".into(),
                employees: team_members(&|t| t.dedicated),
                sellers: vec![event::seller_id(self.market.dedicated)],
                start: None,
                end: None,
            });
        }
        let night = team_members(&|t| t.night);
        if !night.is_empty() {
            lookalikes.push(Lookalike {
                kind: "night_shift".into(),
                employees: night,
                sellers: Vec::new(),
                start: None,
                end: None,
            });
        }
        lookalikes.push(Lookalike {
            kind: "legal_export".into(),
            employees: team_members(&|t| t.group == Group::Legal),
            sellers: Vec::new(),
            start: None,
            end: None,
        });
        for w in &self.waves {
            if let Some(first) = w.first_delete {
                lookalikes.push(Lookalike {
                    kind: "spam_cleanup".into(),
                    employees: vec![emp_id(w.moderator)],
                    sellers: Vec::new(),
                    start: Some(Timestamp(first)),
                    end: Some(Timestamp(w.last_delete)),
                });
            }
        }
        let hires: Vec<String> = (0..self.staff.emps.len())
            .filter(|&e| self.staff.emps[e].hire_day > 0 && self.insider_of[e] == NONE)
            .map(emp_id)
            .collect();
        if !hires.is_empty() {
            lookalikes.push(Lookalike {
                kind: "new_hire".into(),
                employees: hires,
                sellers: Vec::new(),
                start: None,
                end: None,
            });
        }
        for inc in &self.incidents {
            lookalikes.push(Lookalike {
                kind: "seller_incident".into(),
                employees: inc
                    .handlers
                    .iter()
                    .filter(|(e, n)| **n >= 3 && self.insider_of[**e] == NONE)
                    .map(|(e, _)| emp_id(*e))
                    .collect(),
                sellers: vec![event::seller_id(inc.seller)],
                start: Some(Timestamp(self.day_start(inc.from_day))),
                end: Some(Timestamp(self.day_start(inc.to_day + 1).min(self.end))),
            });
        }
        for &d in &self.sale_days {
            lookalikes.push(Lookalike {
                kind: "sale_day".into(),
                employees: Vec::new(),
                sellers: Vec::new(),
                start: Some(Timestamp(self.day_start(d))),
                end: Some(Timestamp(self.day_start(d + 1))),
            });
        }

        Truth {
            seed: self.cfg.seed,
            start: Timestamp(self.start),
            end: Timestamp(self.end),
            employees: self.staff.emps.len() as u64,
            insiders,
            honeytokens: self
                .honeytokens
                .iter()
                .map(|c| event::customer_id(*c))
                .collect(),
            lookalikes,
            days: Some(self.cfg.days),
            history_start: Some(Timestamp(self.hist_start)),
            events: Some(self.events),
            config: serde_json::to_value(self.cfg).ok(),
        }
    }
}
