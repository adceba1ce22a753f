//! Per-employee risk: the alerts of an employee, each decayed
//! exponentially by event time since its last update, combined as the
//! strongest plus a diminishing share of the others:
//! `r = s1; r += (100 − r) · (s_j / 100) · w^(j−1)` for the next ones.

use crate::alert::Alert;
use crate::config::RiskConfig;
use crate::detectors::DetectorKind;
use crate::world::World;
use custos_core::time::MS_PER_DAY;
use custos_core::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One row of `custos risk`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RiskRow {
    pub employee: String,
    /// 0..=100.
    pub score: f64,
    /// The strongest contributing alerts, as `detector: summary`.
    pub reasons: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct RiskItem {
    id: String,
    detector: DetectorKind,
    raised: i64,
    updated: i64,
    score: f64,
    summary: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct RiskBook {
    per: BTreeMap<u32, Vec<RiskItem>>,
}

fn decayed(it: &RiskItem, at: i64, cfg: &RiskConfig) -> f64 {
    let age_days = (at - it.updated).max(0) as f64 / MS_PER_DAY as f64;
    it.score * 0.5f64.powf(age_days / cfg.half_life_days)
}

impl RiskBook {
    pub fn record(&mut self, emp: u32, a: &Alert, kind: DetectorKind, now: i64, cfg: &RiskConfig) {
        let items = self.per.entry(emp).or_default();
        match items.iter_mut().find(|x| x.id == a.id) {
            Some(x) => {
                x.updated = now;
                x.score = a.score;
                x.summary.clone_from(&a.summary);
            }
            None => items.push(RiskItem {
                id: a.id.clone(),
                detector: kind,
                raised: a.time.millis(),
                updated: now,
                score: a.score,
                summary: a.summary.clone(),
            }),
        }
        let max = cfg.max_alerts_per_employee.max(1) as usize;
        if items.len() > max {
            items.sort_by(|x, y| {
                decayed(y, now, cfg)
                    .total_cmp(&decayed(x, now, cfg))
                    .then_with(|| x.id.cmp(&y.id))
            });
            items.truncate(max);
        }
    }

    pub fn prune(&mut self, now: i64, cfg: &RiskConfig) {
        self.per.retain(|_, items| {
            items.retain(|x| decayed(x, now, cfg) >= 0.5);
            !items.is_empty()
        });
    }

    pub fn rows(&self, world: &World, at: Timestamp, cfg: &RiskConfig) -> Vec<RiskRow> {
        let at = at.millis();
        let mut rows: Vec<RiskRow> = (0..world.emp.len() as u32)
            .map(|e| {
                let mut scored: Vec<(f64, &RiskItem)> = self
                    .per
                    .get(&e)
                    .map(|items| {
                        items
                            .iter()
                            .filter(|x| x.raised <= at)
                            .map(|x| (decayed(x, at, cfg), x))
                            .collect()
                    })
                    .unwrap_or_default();
                scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.id.cmp(&b.1.id)));
                let mut r = 0.0f64;
                for (j, (s, _)) in scored.iter().enumerate() {
                    if j == 0 {
                        r = *s;
                    } else {
                        r += (100.0 - r) * (s / 100.0) * cfg.other_weight.powi(j as i32);
                    }
                }
                RiskRow {
                    employee: world.emp_name(e).to_string(),
                    score: (r.clamp(0.0, 100.0) * 10.0).round() / 10.0,
                    reasons: scored
                        .iter()
                        .filter(|x| x.0 >= 0.5)
                        .take(3)
                        .map(|(_, x)| format!("{}: {}", x.detector, x.summary))
                        .collect(),
                }
            })
            .collect();
        rows.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.employee.cmp(&b.employee))
        });
        rows
    }
}
