//! A synthetic marketplace with insiders, and its ground truth: the
//! ground on which Custos's detectors are developed, demonstrated and
//! evaluated.
//!
//! [`simulate`] writes time-sorted events of `contract/EVENTS.md`, one
//! canonical JSON line each: a history of orders and reviews, then the
//! employees' period, in which customer service, moderation, account and
//! legal teams work tickets across sites, shifts and time zones, people
//! are hired, change roles and leave, and a few insiders sell customer
//! data, delete reviews for money or reactivate banned sellers while
//! doing their normal job. Legitimate look-alikes (a team dedicated to
//! one big seller, legal exports, a spam-wave clean-up, night shifts, new
//! hires, a sale day) are there so that naive detectors drown in false
//! alarms. The returned [`Truth`] says who did what; [`eval`] scores
//! alerts against it.
//!
//! Nothing in the events gives the truth away: insiders have ordinary
//! ids, malicious events look like normal ones except for their pattern,
//! and ids are counters. The same configuration gives byte-identical
//! output (seeded ChaCha streams, no hash-map order, no clock). Memory
//! stays bounded: a day or two of events are buffered, everything else
//! is compact state.
//!
//! This crate reads no clock, no environment and no files; it writes
//! only to the writer it is given.

mod config;
pub mod eval;
mod event;
mod insider;
mod market;
mod rng;
mod sim;
mod staff;
mod truth;
mod work;

pub use config::{parse_date, InsiderParams, Scenario, SimConfig, SimError};
pub use eval::{evaluate, EvalAlert, EvalReport};
pub use truth::{InsiderTruth, Lookalike, Truth};

/// Writes the marketplace of `cfg` to `out` as JSON Lines, time-sorted,
/// and returns its ground truth.
///
/// `out` is written in large chunks; wrap a file in a `BufWriter` only if
/// it helps elsewhere.
pub fn simulate(cfg: &SimConfig, out: &mut dyn std::io::Write) -> Result<Truth, SimError> {
    let mut sim = sim::Sim::new(cfg)?;
    sim.run(out)?;
    out.flush()?;
    Ok(sim.truth())
}
