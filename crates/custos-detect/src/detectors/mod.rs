//! The detectors, one per abuse pattern, each in its own file and all
//! behind one trait. A detector reads the event, the engine's analysis of
//! it and the world model, keeps its own bounded state, and reports
//! findings (which the engine turns into alerts, one incident per
//! employee, detector and key) and signals (weak evidence that a seller
//! benefits, for `beneficiary_convergence`).

use crate::access::Access;
use crate::alert::Severity;
use crate::config::DetectConfig;
use crate::world::World;
use custos_core::Event;
use serde::{Deserialize, Serialize};
use std::fmt;

pub(crate) mod beneficiary_convergence;
pub(crate) mod departing_employee;
pub(crate) mod guard_denials;
pub(crate) mod honeytoken;
pub(crate) mod purpose_violation;
pub(crate) mod reactivation_abuse;
pub(crate) mod review_deletion_targeting;
pub(crate) mod revisits;
pub mod rules;
pub(crate) mod seller_affinity;
pub mod sigma;
pub(crate) mod volume_anomaly;

/// Which detector raised an alert; its wire name is the alert's `detector`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum DetectorKind {
    PurposeViolation,
    SellerAffinity,
    ReviewDeletionTargeting,
    ReactivationAbuse,
    VolumeAnomaly,
    BeneficiaryConvergence,
    Honeytoken,
    DepartingEmployee,
    GuardDenials,
    Rule,
    /// A Sigma rule; the alert's detector is `sigma:<rule id>`.
    Sigma,
}

impl DetectorKind {
    pub const ALL: &'static [DetectorKind] = &[
        DetectorKind::PurposeViolation,
        DetectorKind::SellerAffinity,
        DetectorKind::ReviewDeletionTargeting,
        DetectorKind::ReactivationAbuse,
        DetectorKind::VolumeAnomaly,
        DetectorKind::BeneficiaryConvergence,
        DetectorKind::Honeytoken,
        DetectorKind::DepartingEmployee,
        DetectorKind::GuardDenials,
        DetectorKind::Rule,
        DetectorKind::Sigma,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DetectorKind::PurposeViolation => "purpose_violation",
            DetectorKind::SellerAffinity => "seller_affinity",
            DetectorKind::ReviewDeletionTargeting => "review_deletion_targeting",
            DetectorKind::ReactivationAbuse => "reactivation_abuse",
            DetectorKind::VolumeAnomaly => "volume_anomaly",
            DetectorKind::BeneficiaryConvergence => "beneficiary_convergence",
            DetectorKind::Honeytoken => "honeytoken",
            DetectorKind::DepartingEmployee => "departing_employee",
            DetectorKind::GuardDenials => "guard_denials",
            DetectorKind::Rule => "rule",
            DetectorKind::Sigma => "sigma",
        }
    }
}

impl fmt::Display for DetectorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a detector sees of one event.
pub(crate) struct Ctx<'a> {
    pub world: &'a World,
    pub ev: &'a Event,
    /// The disclosure analysis, when the event disclosed customer data.
    pub access: Option<&'a Access>,
    pub cfg: &'a DetectConfig,
    /// Event time (ms) and UTC day.
    pub now: i64,
    pub day: i64,
}

impl Ctx<'_> {
    /// The acting employee, when the actor is one the world knows.
    pub fn actor_emp(&self) -> Option<u32> {
        self.world.employees.get(self.ev.employee()?)
    }
}

/// A detector's verdict about one incident, new or grown.
pub(crate) struct Finding {
    pub employee: u32,
    pub detector: DetectorKind,
    /// Distinguishes incidents of one detector for one employee (a seller
    /// id, a rule id), else empty.
    pub key: String,
    pub severity: Severity,
    pub score: f64,
    pub summary: String,
    pub sellers: Vec<String>,
    pub customers: u64,
    /// Event ids to add to the incident's evidence.
    pub evidence: Vec<String>,
    pub explain: serde_json::Value,
}

/// The kinds of abuse that can benefit a seller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub(crate) enum Benefit {
    DataAccess,
    ReviewDeletion,
    Reactivation,
}

impl Benefit {
    /// The name aggregates carry (`data_access`, ...).
    pub fn code(self) -> &'static str {
        match self {
            Benefit::DataAccess => "data_access",
            Benefit::ReviewDeletion => "review_deletion",
            Benefit::Reactivation => "reactivation",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Benefit::DataAccess => "customer data access",
            Benefit::ReviewDeletion => "negative review deletion",
            Benefit::Reactivation => "reactivation after a fraud ban",
        }
    }
}

/// Evidence, possibly below any alert threshold, that an employee's
/// actions benefit a seller.
pub(crate) struct Signal {
    pub seller: u32,
    pub employee: u32,
    pub kind: Benefit,
    /// Strong enough to count alone towards `min_employees` / `min_kinds`.
    pub strong: bool,
    /// For data access: `log10` of the single-seller p-value before any
    /// correction, for the joint test across employees.
    pub log10_p: Option<f64>,
}

#[derive(Default)]
pub(crate) struct Out {
    pub findings: Vec<Finding>,
    pub signals: Vec<Signal>,
}

/// One abuse pattern.
pub(crate) trait Detector {
    fn kind(&self) -> DetectorKind;
    /// Sees every event, in time order, after the world model has taken
    /// in its facts.
    fn observe(&mut self, cx: &Ctx<'_>, out: &mut Out);
    /// A new UTC day began (before the event that began it is observed);
    /// the world has already moved the finished day into history.
    fn roll_day(&mut self, _world: &World, _day: i64, _cfg: &DetectConfig) {}
}

/// The per-employee slot of a detector's state, grown on demand.
pub(crate) fn slot<T: Default>(v: &mut Vec<T>, i: u32) -> &mut T {
    let i = i as usize;
    if v.len() <= i {
        v.resize_with(i + 1, T::default);
    }
    &mut v[i]
}

/// `10^x` formatted for a sentence.
pub(crate) fn fmt_p(log10_p: f64) -> String {
    if log10_p < -300.0 {
        return format!("1e{:.0}", log10_p.floor());
    }
    format!("{:.1e}", 10f64.powf(log10_p))
}

/// `10^x` as a JSON number, 0 when it underflows.
pub(crate) fn p_json(log10_p: f64) -> f64 {
    10f64.powf(log10_p)
}
