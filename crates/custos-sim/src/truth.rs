//! The ground truth of a simulated marketplace: `truth.json` of
//! `contract/INTERFACE.md`, plus extra keys (look-alikes, the config).
//!
//! Every key beyond the contract's is optional when reading, so a truth
//! file written by another generator evaluates as well.

use custos_core::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    #[serde(default)]
    pub seed: u64,
    /// Start of the employees' period.
    pub start: Timestamp,
    /// End of the period (exclusive).
    pub end: Timestamp,
    /// Distinct employees over the period.
    pub employees: u64,
    pub insiders: Vec<InsiderTruth>,
    #[serde(default)]
    pub honeytokens: Vec<String>,
    /// Legitimate behaviour that resembles abuse; alerts on these
    /// employees are false alerts all the same.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lookalikes: Vec<Lookalike>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
    /// Start of the history of orders and reviews before the period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history_start: Option<Timestamp>,
    /// Events written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<serde_json::Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InsiderTruth {
    pub employee: String,
    pub scenario: String,
    /// The first malicious event.
    pub start: Timestamp,
    /// The last malicious event.
    pub end: Timestamp,
    pub sellers: Vec<String>,
    /// The customers whose data the insider disclosed maliciously (for
    /// `review_deletion`: the authors of the deleted reviews; empty for
    /// `reactivation`).
    pub customers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intensity: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cover: Option<f64>,
    /// Malicious events written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Lookalike {
    /// `dedicated_seller_team`, `legal_export`, `spam_cleanup`,
    /// `night_shift`, `new_hire`, `seller_incident` or `sale_day`.
    pub kind: String,
    #[serde(default)]
    pub employees: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sellers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<Timestamp>,
}

impl Truth {
    /// Whole days of the period (rounded up).
    pub fn period_days(&self) -> u64 {
        let ms = (self.end.0 - self.start.0).max(0);
        (ms as u64).div_ceil(custos_core::time::MS_PER_DAY as u64)
    }
}
