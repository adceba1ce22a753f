//! The marketplace: customers and sellers with skewed popularity, the
//! orders and reviews between them, bans, and the compact state later
//! workflows draw on (who reviewed or bought from whom, recent orders).

use crate::config::SimConfig;
use crate::event::Party;
use crate::event::SystemActor;
use crate::event::{Account, Kind, NONE};
use crate::rng::{self, Alias, SimRng};
use crate::sim::Sim;
use custos_core::event::BanReason;
use custos_core::event::TicketKind;
use custos_core::time::MS_PER_DAY;
use custos_core::time::MS_PER_HOUR;
use std::collections::{BTreeMap, VecDeque};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    Active,
    Suspended,
    Banned,
}

pub(crate) struct Seller {
    /// 0 (fraudulent) to 1 (excellent): shapes ratings, reports and bans.
    pub quality: f32,
    pub status: Status,
    pub reason: BanReason,
    /// When the status last changed (ms).
    pub since: i64,
    /// Appealed its current suspension or ban already.
    pub appealed: bool,
    /// Reactivated by an insider: its abuse goes on, so bans come back.
    pub client: bool,
    pub product_base: u32,
    pub products: u32,
    /// Review indices, oldest first.
    pub reviews: Vec<u32>,
    /// A uniform sample (reservoir) of the customers who ordered.
    pub buyers: Vec<u32>,
    pub buyers_seen: u32,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct ReviewRec {
    pub customer: u32,
    pub seller: u32,
    /// Minutes since the epoch.
    pub minute: u32,
    pub rating: u8,
    pub deleted: bool,
    pub spam: bool,
}

impl ReviewRec {
    pub(crate) fn time(&self) -> i64 {
        i64::from(self.minute) * 60_000
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct OrderRec {
    pub order: u32,
    pub customer: u32,
    pub seller: u32,
    pub product: u32,
    pub time: i64,
    pub reviewed: bool,
}

/// A moderation ticket waiting for a moderator: a seller's dispute of a
/// review, or a review the system flagged.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ModItem {
    pub ticket: u32,
    pub review: u32,
    pub dispute: bool,
}

/// A ticket waiting for an account specialist.
#[derive(Clone, Copy, Debug)]
pub(crate) enum AcctItem {
    /// A fraud report about a seller, by a buyer (with the order) or by
    /// the risk engine.
    Fraud {
        ticket: u32,
        seller: u32,
        order: Option<OrderRec>,
    },
    /// A suspended or banned seller's appeal.
    Appeal { ticket: u32, seller: u32 },
}

/// Queued tickets not taken within this time are closed as expired.
const QUEUE_EXPIRY: i64 = 4 * MS_PER_DAY;

const BUYER_SAMPLE: usize = 2_000;
const RECENT_ORDER_DAYS: i64 = 21;

pub(crate) struct Market {
    pub cust_pick: Alias,
    pub seller_pick: Alias,
    pub sellers: Vec<Seller>,
    /// Sellers by popularity, most popular first.
    pub popular: Vec<u32>,
    pub reviews: Vec<ReviewRec>,
    pub recent_orders: VecDeque<OrderRec>,
    /// The seller a dedicated team serves (or `NONE`) and its recent orders.
    pub dedicated: u32,
    pub dedicated_orders: VecDeque<OrderRec>,
    /// The two latest orders of each customer: order, seller, order, seller.
    pub cust_last: Vec<[u32; 4]>,
    pub honeytoken: Vec<bool>,
    pub suspended_customers: Vec<u32>,
    /// Sellers currently suspended or banned.
    pub sanctioned: Vec<u32>,
    /// Recent appeal tickets and their sellers.
    pub recent_appeals: VecDeque<(u32, u32)>,
    pub next_order: u32,
    pub next_review: u32,
    /// Tickets waiting for moderators and account specialists, by
    /// (opening time, ticket): their volume follows the marketplace.
    pub mod_queue: BTreeMap<(i64, u32), ModItem>,
    pub acct_queue: BTreeMap<(i64, u32), AcctItem>,
}

/// Customers shop more in the (UTC) evening.
const HOURLY: [f64; 24] = [
    1.0, 0.6, 0.4, 0.3, 0.3, 0.4, 0.7, 1.0, 1.3, 1.5, 1.6, 1.7, 1.8, 1.8, 1.7, 1.7, 1.8, 2.0, 2.3,
    2.5, 2.4, 2.1, 1.7, 1.3,
];

pub(crate) fn time_of_day(rng: &mut SimRng) -> i64 {
    let h = rng::weighted(rng, &HOURLY) as i64;
    h * 3_600_000 + rng::between(rng, 0, 3_600_000)
}

impl Market {
    pub(crate) fn new(cfg: &SimConfig, rng: &mut SimRng) -> Market {
        let n_c = cfg.customers;
        let n_s = cfg.sellers;
        // Customer activity: log-normal, so a minority buys most.
        let cust_w: Vec<f64> = (0..n_c).map(|_| (1.1 * rng::normal(rng)).exp()).collect();
        // Seller popularity: Zipf over a random ranking.
        let mut popular: Vec<u32> = (0..n_s as u32).collect();
        rand::seq::SliceRandom::shuffle(popular.as_mut_slice(), rng);
        let mut seller_w = vec![0.0; n_s];
        for (rank, &s) in popular.iter().enumerate() {
            seller_w[s as usize] = 1.0 / (rank as f64 + 1.0).powf(1.1);
        }
        let top = seller_w.iter().cloned().fold(0.0, f64::max);
        let mut sellers = Vec::with_capacity(n_s);
        let mut product_base = 0u32;
        for w in &seller_w {
            let u = rng::unit(rng);
            let quality = if rng::chance(rng, 0.08) {
                0.05 + 0.25 * u
            } else {
                u.sqrt()
            };
            let products = 3 + (300.0 * (w / top).sqrt()) as u32;
            sellers.push(Seller {
                quality: quality as f32,
                status: Status::Active,
                reason: BanReason::Other,
                since: 0,
                appealed: false,
                client: false,
                product_base,
                products,
                reviews: Vec::new(),
                buyers: Vec::new(),
                buyers_seen: 0,
            });
            product_base += products;
        }
        Market {
            cust_pick: Alias::new(&cust_w),
            seller_pick: Alias::new(&seller_w),
            sellers,
            popular,
            reviews: Vec::new(),
            recent_orders: VecDeque::new(),
            dedicated: NONE,
            dedicated_orders: VecDeque::new(),
            cust_last: vec![[NONE; 4]; n_c],
            honeytoken: vec![false; n_c],
            suspended_customers: Vec::new(),
            sanctioned: Vec::new(),
            recent_appeals: VecDeque::new(),
            next_order: 0,
            next_review: 0,
            mod_queue: BTreeMap::new(),
            acct_queue: BTreeMap::new(),
        }
    }

    pub(crate) fn active(&self, s: u32) -> bool {
        self.sellers[s as usize].status == Status::Active
    }

    /// A seller by popularity, among those trading.
    pub(crate) fn pick_seller(&self, rng: &mut SimRng) -> u32 {
        let mut s = self.seller_pick.sample(rng);
        for _ in 0..12 {
            if self.active(s) {
                break;
            }
            s = self.seller_pick.sample(rng);
        }
        s
    }

    /// A customer by activity, never a honeytoken.
    pub(crate) fn pick_customer(&self, rng: &mut SimRng) -> u32 {
        loop {
            let c = self.cust_pick.sample(rng);
            if !self.honeytoken[c as usize] {
                return c;
            }
        }
    }

    pub(crate) fn product(&self, rng: &mut SimRng, s: u32) -> u32 {
        let seller = &self.sellers[s as usize];
        // Products are popular in a skewed way too.
        let k = (rng::unit(rng).powi(2) * f64::from(seller.products)) as u32;
        seller.product_base + k.min(seller.products - 1)
    }

    /// A rating: bad sellers get more one- and two-star reviews.
    pub(crate) fn rating(&self, rng: &mut SimRng, s: u32) -> u8 {
        let q = f64::from(self.sellers[s as usize].quality);
        let bad = 1.0 - q;
        let w = [
            0.03 + 0.32 * bad * bad,
            0.03 + 0.15 * bad,
            0.08 + 0.05 * bad,
            0.25 + 0.1 * q,
            0.30 + 0.45 * q,
        ];
        rng::weighted(rng, &w) as u8 + 1
    }

    /// A recent order at least `min_age` ms before `t` (from the
    /// dedicated seller's when asked), never a honeytoken's.
    pub(crate) fn recent_order(
        &self,
        rng: &mut SimRng,
        t: i64,
        min_age: i64,
        dedicated: bool,
    ) -> Option<OrderRec> {
        let ring = if dedicated && self.dedicated != NONE {
            &self.dedicated_orders
        } else {
            &self.recent_orders
        };
        for _ in 0..8 {
            let o = ring.get(rng::below(rng, ring.len()))?;
            if o.time < t - min_age && !self.honeytoken[o.customer as usize] {
                return Some(*o);
            }
        }
        None
    }

    /// Up to `n` buyers of a seller (no honeytokens, no repeats).
    pub(crate) fn some_buyers(&self, rng: &mut SimRng, s: u32, n: usize) -> Vec<u32> {
        let buyers = &self.sellers[s as usize].buyers;
        let mut out: Vec<u32> = Vec::with_capacity(n.min(buyers.len()));
        if buyers.len() <= n {
            out.extend(buyers.iter().copied());
        } else {
            let mut idx: Vec<usize> = rand::seq::index::sample(rng, buyers.len(), n).into_vec();
            idx.sort_unstable();
            out.extend(idx.into_iter().map(|i| buyers[i]));
        }
        out.retain(|c| !self.honeytoken[*c as usize]);
        out.sort_unstable();
        out.dedup();
        out
    }

    pub(crate) fn set_status(&mut self, s: u32, status: Status, reason: BanReason, t: i64) {
        let seller = &mut self.sellers[s as usize];
        let was = seller.status;
        seller.status = status;
        seller.reason = reason;
        seller.since = t;
        match (was, status) {
            (Status::Active, Status::Suspended | Status::Banned) => {
                seller.appealed = false;
                self.sanctioned.push(s);
            }
            (Status::Suspended | Status::Banned, Status::Active) => {
                self.sanctioned.retain(|x| *x != s);
            }
            _ => {}
        }
    }

    fn record_order(&mut self, rec: OrderRec) {
        let last = &mut self.cust_last[rec.customer as usize];
        last[2] = last[0];
        last[3] = last[1];
        last[0] = rec.order;
        last[1] = rec.seller;
        if rec.seller == self.dedicated {
            self.dedicated_orders.push_back(rec);
        }
        self.recent_orders.push_back(rec);
    }
}

pub(crate) fn ban_reason(rng: &mut SimRng, quality: f32) -> BanReason {
    let w = if quality < 0.35 {
        [0.35, 0.3, 0.2, 0.15]
    } else {
        [0.15, 0.15, 0.2, 0.5]
    };
    match rng::weighted(rng, &w) {
        0 => BanReason::Fraud,
        1 => BanReason::ReviewManipulation,
        2 => BanReason::Counterfeit,
        _ => BanReason::Policy,
    }
}

impl Sim<'_> {
    /// Orders, reviews and bans of day `g` (negative in the history).
    pub(crate) fn market_day(&mut self, g: i32) {
        let mut rng = rng::stream(self.cfg.seed, rng::MARKET, g as u64, 0);
        let day0 = self.day_start(g);
        let m = &mut self.market;
        while m
            .recent_orders
            .front()
            .is_some_and(|o| o.time < day0 - RECENT_ORDER_DAYS * MS_PER_DAY)
        {
            m.recent_orders.pop_front();
        }
        while m
            .dedicated_orders
            .front()
            .is_some_and(|o| o.time < day0 - RECENT_ORDER_DAYS * MS_PER_DAY)
        {
            m.dedicated_orders.pop_front();
        }
        while m.recent_appeals.len() > 200 {
            m.recent_appeals.pop_front();
        }

        let base = self.cfg.customers as f64 * self.cfg.orders_per_customer_day;
        let weekday = (day0 / MS_PER_DAY + 3).rem_euclid(7);
        let weekend = if weekday >= 5 { 1.15 } else { 1.0 };
        let n_orders = rng::poisson(&mut rng, base * weekend * self.order_factor(g));
        let mut day_orders: Vec<(i64, u32, u32)> = Vec::with_capacity(n_orders as usize);
        for _ in 0..n_orders {
            let c = self.market.cust_pick.sample(&mut rng);
            let s = self.market.pick_seller(&mut rng);
            day_orders.push((day0 + time_of_day(&mut rng), c, s));
        }
        // Orders enter the rings in time order, so "recent" means recent.
        day_orders.sort_unstable();
        for (t, c, s) in day_orders {
            self.place_order(&mut rng, t, c, s);
        }

        // Reviews come one to fourteen days after the order.
        let n_reviews = rng::poisson(&mut rng, base * self.cfg.review_rate);
        let ring = &self.market.recent_orders;
        let lo = ring.partition_point(|o| o.time < day0 - 14 * MS_PER_DAY);
        let hi = ring.partition_point(|o| o.time < day0 - MS_PER_DAY);
        for _ in 0..n_reviews {
            if hi <= lo {
                break;
            }
            for _ in 0..4 {
                let i = lo + rng::below(&mut rng, hi - lo);
                let o = self.market.recent_orders[i];
                if o.reviewed {
                    continue;
                }
                self.market.recent_orders[i].reviewed = true;
                let rating = self.market.rating(&mut rng, o.seller);
                let t = day0 + time_of_day(&mut rng);
                self.write_review(&mut rng, t, o.customer, o.seller, o.product, rating, false);
                break;
            }
        }

        self.honeytoken_history(g);
        self.bans(&mut rng, g);
        self.appeals_and_expiry(&mut rng, g);
        self.spam_wave_reviews(&mut rng, g);
    }

    /// Places an order; its id and product.
    pub(crate) fn place_order(&mut self, rng: &mut SimRng, t: i64, c: u32, s: u32) -> (u32, u32) {
        let product = self.market.product(rng, s);
        let order = self.market.next_order;
        self.market.next_order += 1;
        if !self.emit(
            t,
            Kind::OrderCreate {
                customer: c,
                order,
                seller: s,
                product,
            },
        ) {
            return (order, product);
        }
        let rec = OrderRec {
            order,
            customer: c,
            seller: s,
            product,
            time: t,
            reviewed: false,
        };
        let m = &mut self.market;
        m.record_order(rec);
        let seller = &mut m.sellers[s as usize];
        seller.buyers_seen += 1;
        if seller.buyers.len() < BUYER_SAMPLE {
            seller.buyers.push(c);
        } else {
            let k = rng::below(rng, seller.buyers_seen as usize);
            if k < BUYER_SAMPLE {
                seller.buyers[k] = c;
            }
        }
        self.maybe_fraud_report(rng, rec);
        (order, product)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn write_review(
        &mut self,
        rng: &mut SimRng,
        t: i64,
        c: u32,
        s: u32,
        product: u32,
        rating: u8,
        spam: bool,
    ) -> u32 {
        let review = self.market.next_review;
        self.market.next_review += 1;
        let emitted = self.emit(
            t,
            Kind::ReviewCreate {
                customer: c,
                review,
                seller: s,
                product,
                rating,
            },
        );
        let m = &mut self.market;
        m.reviews.push(ReviewRec {
            customer: c,
            seller: s,
            minute: (t / 60_000) as u32,
            rating,
            // A review that was never written cannot be touched later.
            deleted: !emitted,
            spam,
        });
        if !emitted || spam {
            return review;
        }
        m.sellers[s as usize].reviews.push(review);
        if m.honeytoken[c as usize] || t < self.queue_start() {
            return review;
        }
        // Sellers dispute many bad reviews; the system flags a few.
        let p_dispute = match rating {
            1 | 2 => 0.5,
            3 => 0.15,
            _ => 0.0,
        };
        let (dispute, open, by, kind) = if rng::chance(rng, p_dispute) {
            let open = t + 10 * 60_000 + rng::exponential(rng, 8.0 * MS_PER_HOUR as f64) as i64;
            (true, open, Party::Seller(s), TicketKind::ReviewDispute)
        } else if rng::chance(rng, 0.06) {
            let open = t + 2 * 60_000 + rng::exponential(rng, 2.0 * MS_PER_HOUR as f64) as i64;
            (
                false,
                open,
                Party::System(SystemActor::Ticketing),
                TicketKind::Other,
            )
        } else {
            return review;
        };
        let ticket = self.new_ticket();
        if self.emit(
            open,
            Kind::TicketOpen {
                ticket,
                by,
                kind,
                customer: c,
                seller: s,
                review,
            },
        ) {
            self.market.mod_queue.insert(
                (open, ticket),
                ModItem {
                    ticket,
                    review,
                    dispute,
                },
            );
        }
        review
    }

    /// Queued work starts a little before the period, so there is a
    /// backlog on the first morning.
    pub(crate) fn queue_start(&self) -> i64 {
        self.start - 2 * MS_PER_DAY
    }

    /// A buyer reports a seller (more often a bad one).
    fn maybe_fraud_report(&mut self, rng: &mut SimRng, rec: OrderRec) {
        if rec.time < self.queue_start() || self.market.honeytoken[rec.customer as usize] {
            return;
        }
        let bad = 1.0 - f64::from(self.market.sellers[rec.seller as usize].quality);
        if !rng::chance(rng, 0.001 + 0.04 * bad * bad * bad) {
            return;
        }
        let delay = MS_PER_HOUR
            + (rng::exponential(rng, 20.0 * MS_PER_HOUR as f64) as i64).min(3 * MS_PER_DAY);
        self.queue_fraud(
            rec.time + delay,
            Party::Customer(rec.customer),
            rec.seller,
            Some(rec),
        );
    }

    fn queue_fraud(&mut self, open: i64, by: Party, seller: u32, order: Option<OrderRec>) {
        let ticket = self.new_ticket();
        if self.emit(
            open,
            Kind::TicketOpen {
                ticket,
                by,
                kind: TicketKind::FraudReport,
                customer: order.map_or(NONE, |o| o.customer),
                seller,
                review: NONE,
            },
        ) {
            self.market.acct_queue.insert(
                (open, ticket),
                AcctItem::Fraud {
                    ticket,
                    seller,
                    order,
                },
            );
        }
    }

    /// Sanctioned sellers appeal, once per sanction; queued tickets left
    /// too long expire.
    fn appeals_and_expiry(&mut self, rng: &mut SimRng, g: i32) {
        let day0 = self.day_start(g);
        if day0 + MS_PER_DAY < self.queue_start() {
            return;
        }
        let sanctioned = self.market.sanctioned.clone();
        for s in sanctioned {
            let seller = &self.market.sellers[s as usize];
            if seller.appealed || seller.since > day0 - 12 * MS_PER_HOUR || !rng::chance(rng, 0.2) {
                continue;
            }
            let open = day0 + rng::between(rng, 0, MS_PER_DAY);
            let ticket = self.new_ticket();
            if self.emit(
                open,
                Kind::TicketOpen {
                    ticket,
                    by: Party::Seller(s),
                    kind: TicketKind::Appeal,
                    customer: NONE,
                    seller: s,
                    review: NONE,
                },
            ) {
                self.market.sellers[s as usize].appealed = true;
                self.market.recent_appeals.push_back((ticket, s));
                self.market
                    .acct_queue
                    .insert((open, ticket), AcctItem::Appeal { ticket, seller: s });
            }
        }
        if g < 0 {
            return;
        }
        let cutoff = day0 - QUEUE_EXPIRY;
        let mut expired = Vec::new();
        while let Some(entry) = self.market.mod_queue.first_entry() {
            if entry.key().0 >= cutoff {
                break;
            }
            expired.push(entry.remove().ticket);
        }
        while let Some(entry) = self.market.acct_queue.first_entry() {
            if entry.key().0 >= cutoff {
                break;
            }
            expired.push(match entry.remove() {
                AcctItem::Fraud { ticket, .. } | AcctItem::Appeal { ticket, .. } => ticket,
            });
        }
        for ticket in expired {
            let t = day0 + rng::between(rng, 0, MS_PER_HOUR);
            self.emit(
                t,
                Kind::TicketClose {
                    ticket,
                    by: None,
                    resolution: "expired",
                },
            );
        }
    }

    /// The risk engine bans sellers on its own, more often the bad ones,
    /// and turns suspensions into bans.
    fn bans(&mut self, rng: &mut SimRng, g: i32) {
        let day0 = self.day_start(g);
        for s in 0..self.market.sellers.len() as u32 {
            let seller = &self.market.sellers[s as usize];
            let bad = 1.0 - f64::from(seller.quality);
            match seller.status {
                Status::Active => {
                    if rng::chance(rng, 0.004 * bad * bad * bad) {
                        let open = day0 + rng::between(rng, 0, MS_PER_DAY);
                        if open >= self.queue_start() {
                            self.queue_fraud(open, Party::System(SystemActor::Risk), s, None);
                        }
                    }
                    let seller = &self.market.sellers[s as usize];
                    let mut p = 0.0002 + 0.004 * bad * bad * bad;
                    if seller.client {
                        p += 0.03;
                    }
                    if rng::chance(rng, p) {
                        let reason = ban_reason(rng, seller.quality);
                        let t = day0 + rng::between(rng, 0, MS_PER_DAY);
                        if self.emit(
                            t,
                            Kind::Ban {
                                account: Account::Seller(s),
                                reason,
                            },
                        ) {
                            self.market.set_status(s, Status::Banned, reason, t);
                        }
                    }
                }
                Status::Suspended if seller.since < day0 - MS_PER_DAY && rng::chance(rng, 0.25) => {
                    let reason = seller.reason;
                    let t = day0 + rng::between(rng, 0, MS_PER_DAY);
                    if self.emit(
                        t,
                        Kind::Ban {
                            account: Account::Seller(s),
                            reason,
                        },
                    ) {
                        self.market.set_status(s, Status::Banned, reason, t);
                    }
                }
                _ => {}
            }
        }
    }
}
