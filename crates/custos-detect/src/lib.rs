//! Custos detection: a causal, streaming state machine that reads the
//! event stream in time order and raises alerts about employees who abuse
//! their access to customer data and to marketplace powers (selling
//! customer records to sellers, deleting negative reviews for money,
//! reactivating banned sellers, exfiltrating before leaving).
//!
//! The [`Engine`] keeps its own model of the marketplace built from the
//! stream (tickets, reviews, purchases, bans, appeals, HR facts,
//! honeytokens) plus per-employee windows and per-peer-group baselines,
//! and runs one [`detectors::Detector`] per abuse pattern on every event.
//!
//! What this crate must not do: I/O of any kind, reading the wall clock,
//! or letting hash-map iteration order reach its output. Time comes only
//! from the events, so a replay gives the same alerts, and ingesting any
//! prefix of a stream gives exactly the alerts of the whole stream raised
//! up to the end of that prefix. Memory grows with the number of
//! marketplace entities (customers, sellers, employees, reviews, open
//! tickets), never with the number of events; see [`Engine::stats`].

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod access;
pub mod alert;
pub mod config;
pub mod cross;
mod detectors;
mod engine;
mod intern;
mod risk;
pub mod stats;
mod world;

#[cfg(test)]
mod testkit;

pub use alert::{Alert, Severity};
pub use config::DetectConfig;
pub use detectors::rules::Rule;
pub use detectors::sigma::{RuleProblem, SigmaRules, DERIVED_FIELDS};
pub use detectors::DetectorKind;
pub use engine::{Engine, EngineStats, SNAPSHOT_VERSION};
pub use risk::RiskRow;

/// Errors of the detection engine.
#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    #[error("snapshot is not a custos-detect snapshot (bad magic)")]
    BadMagic,
    #[error("snapshot format version {found} is not supported (expected {expected})")]
    Version { found: u16, expected: u16 },
    #[error("snapshot is corrupt: {0}")]
    Corrupt(String),
    #[error("invalid detection config: {0}")]
    Config(String),
    #[error("{} rule problem{}: {}", .0.len(), if .0.len() == 1 { "" } else { "s" }, join_problems(.0))]
    Rules(Vec<RuleProblem>),
}

fn join_problems(p: &[RuleProblem]) -> String {
    p.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
