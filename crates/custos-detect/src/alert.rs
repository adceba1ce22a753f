//! The alert record of `contract/INTERFACE.md` ("Alert record").

use custos_core::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// How urgently a person should look.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One incident: an employee, a detector and (for seller-centred
/// detectors) a seller. It is raised once and then updated in place, with
/// the same `id` and `time`, as evidence grows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub id: String,
    /// Event time of the event that raised it.
    pub time: Timestamp,
    pub employee: String,
    pub detector: String,
    pub severity: Severity,
    /// 0..=100.
    pub score: f64,
    pub summary: String,
    pub sellers: Vec<String>,
    /// Number of affected customers.
    pub customers: u64,
    /// Event ids, the first ones, capped (`alerts.max_evidence`).
    pub evidence: Vec<String>,
    /// The numbers behind the alert: observed, expected, p-value or
    /// threshold, baseline, peer group, window.
    pub explain: serde_json::Value,
}

/// Deterministic alert id: `alr-` and 16 hex digits of SHA-256 over the
/// employee, detector, key and raise time.
pub(crate) fn alert_id(employee: &str, detector: &str, key: &str, time: Timestamp) -> String {
    let mut h = Sha256::new();
    for part in [employee, detector, key] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    h.update(time.millis().to_be_bytes());
    let d = h.finalize();
    format!("alr-{}", custos_core::hex(&d[..8]))
}

/// Maps a p-value to a 0..100 score: 50 at the alert threshold, rising
/// by 5 per decade below it.
pub(crate) fn score_from_p(log10_p: f64, log10_alpha: f64, floor: f64) -> f64 {
    let s = 50.0 + 5.0 * (log10_alpha - log10_p);
    s.clamp(floor, 100.0)
}

/// Severity floor of a score, so both tell the same story.
pub(crate) fn severity_floor_score(sev: Severity) -> f64 {
    match sev {
        Severity::Low => 20.0,
        Severity::Medium => 45.0,
        Severity::High => 70.0,
        Severity::Critical => 90.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_deterministic_and_distinct() {
        let t = Timestamp(1_000);
        let a = alert_id("emp-1", "seller_affinity", "sel-1", t);
        assert_eq!(a, alert_id("emp-1", "seller_affinity", "sel-1", t));
        assert_ne!(a, alert_id("emp-1", "seller_affinity", "sel-2", t));
        assert_ne!(
            a,
            alert_id("emp-1", "seller_affinity", "sel-1", Timestamp(1_001))
        );
        assert!(a.starts_with("alr-") && a.len() == 20);
    }

    #[test]
    fn serialises_with_contract_keys() {
        let a = Alert {
            id: "alr-1".into(),
            time: Timestamp(0),
            employee: "emp-1".into(),
            detector: "honeytoken".into(),
            severity: Severity::Critical,
            score: 100.0,
            summary: "s".into(),
            sellers: vec![],
            customers: 1,
            evidence: vec!["e1".into()],
            explain: serde_json::json!({}),
        };
        let v = serde_json::to_value(&a).unwrap();
        assert_eq!(v["time"], "1970-01-01T00:00:00.000Z");
        assert_eq!(v["severity"], "critical");
        let back: Alert = serde_json::from_value(v).unwrap();
        assert_eq!(back, a);
    }
}
