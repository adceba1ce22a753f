//! What to simulate: the size of the marketplace, the period, and the
//! insiders hidden in it.

use custos_core::time::MS_PER_DAY;
use custos_core::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An insider scenario: one way employees of the motivating case abused
/// their access. The names are those of `--scenarios` and of
/// `truth.json`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scenario {
    /// An agent views the reviewers or buyers of one seller, without a
    /// ticket for them or under a ticket that belongs to another customer.
    DataSale,
    /// Harvest through `customer.search` and `customer.export`.
    BulkHarvest,
    /// One employee serving several sellers.
    Broker,
    /// Two employees splitting one seller's customer list between them.
    Collusion,
    /// A moderator deletes negative reviews of a paying seller, without
    /// disputes, under reasons that look legitimate.
    ReviewDeletion,
    /// An account specialist repeatedly reactivates sellers banned for
    /// fraud or review manipulation without a proper appeal.
    Reactivation,
    /// An employee harvests data in the days before resigning.
    Departing,
}

impl Scenario {
    pub const ALL: &'static [Scenario] = &[
        Scenario::DataSale,
        Scenario::BulkHarvest,
        Scenario::Broker,
        Scenario::Collusion,
        Scenario::ReviewDeletion,
        Scenario::Reactivation,
        Scenario::Departing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scenario::DataSale => "data_sale",
            Scenario::BulkHarvest => "bulk_harvest",
            Scenario::Broker => "broker",
            Scenario::Collusion => "collusion",
            Scenario::ReviewDeletion => "review_deletion",
            Scenario::Reactivation => "reactivation",
            Scenario::Departing => "departing",
        }
    }

    /// Parses one scenario name.
    pub fn parse(name: &str) -> Result<Scenario, SimError> {
        Scenario::ALL
            .iter()
            .copied()
            .find(|s| s.as_str() == name)
            .ok_or_else(|| SimError::UnknownScenario {
                name: name.to_owned(),
            })
    }

    /// Parses a comma-separated list; `all` names every scenario and
    /// `none` (or an empty string) none.
    pub fn parse_list(list: &str) -> Result<Vec<Scenario>, SimError> {
        let list = list.trim();
        match list {
            "all" => return Ok(Scenario::ALL.to_vec()),
            "" | "none" => return Ok(Vec::new()),
            _ => {}
        }
        let mut out = Vec::new();
        for name in list.split(',') {
            let s = Scenario::parse(name.trim())?;
            if !out.contains(&s) {
                out.push(s);
            }
        }
        Ok(out)
    }

    pub(crate) fn names() -> String {
        Scenario::ALL
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Scenario {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Scenario {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Scenario::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// How an insider behaves.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InsiderParams {
    /// Illicit customer accesses per active day, from subtle (1–2) to
    /// blatant (50+). Per scenario: `data_sale`, `broker`: customers viewed
    /// a day; `collusion`: 0.6× that for each partner; `departing`: 2×
    /// over the last days; `bulk_harvest`: ~5× that per bulk search or
    /// export, on about 40% of active days; `review_deletion`: a quarter
    /// of it in deleted reviews; `reactivation`: a twelfth of it as the
    /// daily chance of one reactivation (at most 0.8).
    pub intensity: f64,
    /// Camouflage from 0 (none: bursts, no purpose, on top of normal
    /// work) to 1 (full: each illicit access carries a purpose ticket of
    /// one of the insider's own open tickets of other customers, spread
    /// across working hours among real work, with the daily volume kept
    /// normal by doing less real work). Used as a probability per choice.
    pub cover: f64,
}

impl Default for InsiderParams {
    fn default() -> Self {
        InsiderParams {
            intensity: 8.0,
            cover: 0.5,
        }
    }
}

/// The whole simulation. `Default` is sized for a quick demo.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimConfig {
    /// Distinct employees over the period: the initial staff plus the
    /// new hires (about 2.5% a month). Default 300.
    pub employees: usize,
    /// Customers. Default 20,000.
    pub customers: usize,
    /// Sellers, with Zipf-like popularity. Default 500.
    pub sellers: usize,
    /// Days of employee activity. Default 30.
    pub days: u32,
    /// Days of orders and reviews (and bans) before the employees'
    /// period, so who reviewed or bought from whom is known. Default 60.
    pub history_days: u32,
    /// The seed: the same configuration writes byte-identical output.
    pub seed: u64,
    /// First day of the period, UTC midnight. Default 2026-03-02 (a Monday).
    pub start: Timestamp,
    /// Insider scenarios to plant. Default: all.
    pub scenarios: Vec<Scenario>,
    /// Insiders per scenario (`collusion` counts a pair as one). Default 1.
    pub insiders_per_scenario: usize,
    /// Insider behaviour (or its centre, when randomised).
    pub insider: InsiderParams,
    /// Draw each insider's parameters: intensity log-uniform in
    /// [intensity/4, intensity×4], cover uniform in [0, 1]. Default true.
    pub randomize_insiders: bool,
    /// Plant the legitimate look-alikes (dedicated seller team, spam-wave
    /// clean-up, night shift, sale day). Legal exports and new hires
    /// always exist. Default true.
    pub lookalikes: bool,
    /// Tickets a day-shift customer-service agent handles on a normal
    /// day. Default 12.
    pub tickets_per_agent_day: f64,
    /// Orders a customer places a day, on average. Default 0.05.
    pub orders_per_customer_day: f64,
    /// Share of orders that get a review. Default 0.35.
    pub review_rate: f64,
    /// Honeytoken customers; `None`: one per 1,000 customers, 5 to 200.
    pub honeytokens: Option<usize>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            employees: 300,
            customers: 20_000,
            sellers: 500,
            days: 30,
            history_days: 60,
            seed: 7,
            start: default_start(),
            scenarios: Scenario::ALL.to_vec(),
            insiders_per_scenario: 1,
            insider: InsiderParams::default(),
            randomize_insiders: true,
            lookalikes: true,
            tickets_per_agent_day: 12.0,
            orders_per_customer_day: 0.05,
            review_rate: 0.35,
            honeytokens: None,
        }
    }
}

/// 2026-03-02T00:00:00Z.
fn default_start() -> Timestamp {
    Timestamp(20_514 * MS_PER_DAY)
}

/// Parses a `YYYY-MM-DD` date into its UTC midnight.
pub fn parse_date(s: &str) -> Result<Timestamp, SimError> {
    Timestamp::parse_rfc3339(&format!("{}T00:00:00Z", s.trim())).ok_or_else(|| {
        SimError::InvalidConfig(vec![format!(
            "start date `{s}` is not a date such as 2026-03-02"
        )])
    })
}

impl SimConfig {
    /// Every problem of the configuration at once.
    pub fn validate(&self) -> Result<(), SimError> {
        let mut p = Vec::new();
        if self.employees < 40 {
            p.push(format!(
                "employees is {}, need at least 40 to staff the teams",
                self.employees
            ));
        }
        if self.employees > 1_000_000 {
            p.push(format!(
                "employees is {}, at most 1,000,000",
                self.employees
            ));
        }
        if self.customers < 200 || self.customers > 50_000_000 {
            p.push(format!(
                "customers is {}, need 200 to 50,000,000",
                self.customers
            ));
        }
        if self.sellers < 10 || self.sellers > 1_000_000 {
            p.push(format!("sellers is {}, need 10 to 1,000,000", self.sellers));
        }
        if self.days < 3 || self.days > 3650 {
            p.push(format!("days is {}, need 3 to 3650", self.days));
        }
        if self.history_days > 3650 {
            p.push(format!(
                "history days is {}, at most 3650",
                self.history_days
            ));
        }
        if self.start.0.rem_euclid(MS_PER_DAY) != 0 {
            p.push(format!("start `{}` is not a UTC midnight", self.start));
        }
        if self.start.0 - i64::from(self.history_days) * MS_PER_DAY < 0 {
            p.push("the history would begin before 1970".to_owned());
        }
        if !(self.insider.intensity > 0.0 && self.insider.intensity <= 10_000.0) {
            p.push(format!(
                "insider intensity is {}, need more than 0 and at most 10,000",
                self.insider.intensity
            ));
        }
        if !(0.0..=1.0).contains(&self.insider.cover) {
            p.push(format!(
                "insider cover is {}, need 0 to 1",
                self.insider.cover
            ));
        }
        if self.insiders_per_scenario > 50 {
            p.push(format!(
                "insiders per scenario is {}, at most 50",
                self.insiders_per_scenario
            ));
        }
        if !(self.tickets_per_agent_day > 0.0 && self.tickets_per_agent_day <= 200.0) {
            p.push(format!(
                "tickets per agent day is {}, need more than 0 and at most 200",
                self.tickets_per_agent_day
            ));
        }
        if !(self.orders_per_customer_day > 0.0 && self.orders_per_customer_day <= 10.0) {
            p.push(format!(
                "orders per customer day is {}, need more than 0 and at most 10",
                self.orders_per_customer_day
            ));
        }
        if !(0.0..=1.0).contains(&self.review_rate) {
            p.push(format!("review rate is {}, need 0 to 1", self.review_rate));
        }
        if let Some(h) = self.honeytokens {
            if h * 10 > self.customers {
                p.push(format!(
                    "honeytokens is {h}, at most a tenth of the customers"
                ));
            }
        }
        if p.is_empty() {
            Ok(())
        } else {
            Err(SimError::InvalidConfig(p))
        }
    }

    pub(crate) fn honeytoken_count(&self) -> usize {
        self.honeytokens
            .unwrap_or_else(|| (self.customers / 1000).clamp(5, 200))
    }
}

/// Why a simulation could not run.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("unknown scenario `{name}`; valid scenarios: {}", Scenario::names())]
    UnknownScenario { name: String },
    #[error("invalid simulation config: {}", .0.join("; "))]
    InvalidConfig(Vec<String>),
    #[error("no employee can play `{scenario}`: it needs a day-shift {role} with no other part; add employees or lower insiders per scenario")]
    NoCandidate {
        scenario: Scenario,
        role: &'static str,
    },
    #[error("cannot write events: {0}")]
    Io(#[from] std::io::Error),
}
