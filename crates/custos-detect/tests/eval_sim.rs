//! The acceptance targets on a small simulated marketplace: recall of
//! insiders, false alerts per 1,000 employee-days, time to detect, and
//! silence on legitimate look-alikes. Larger marketplaces and more seeds
//! are measured with `cargo run --release -p custos-detect --example
//! eval_sim` (see the crate's README numbers).

mod common;

use custos_detect::{Alert, DetectConfig, Engine};
use custos_sim::{evaluate, EvalAlert};
use std::collections::BTreeMap;

fn alerts_of(events: &[custos_core::Event]) -> Vec<Alert> {
    let mut engine = Engine::new(DetectConfig::default());
    let mut latest = BTreeMap::new();
    for e in events {
        for a in engine.observe(e) {
            latest.insert(a.id.clone(), a);
        }
    }
    latest.into_values().collect()
}

/// Scores one simulated marketplace and checks it; returns the report table.
fn check(seed: u64, min_recall: f64) -> String {
    let (events, truth) = common::simulated(160, 8_000, 250, 21, seed);
    let alerts = alerts_of(&events);
    let evals: Vec<EvalAlert> = alerts
        .iter()
        .map(|a| EvalAlert {
            employee: a.employee.clone(),
            time: a.time,
            detector: a.detector.clone(),
        })
        .collect();
    let r = evaluate(&truth, &evals);
    let table = r.to_table();
    assert!(r.insiders >= 6, "{table}");
    assert!(r.recall >= min_recall, "{table}");
    assert!(r.false_alerts_per_1000_employee_days <= 0.5, "{table}");
    for (kind, l) in &r.lookalike_alerts {
        assert_eq!(l.alerts, 0, "look-alike `{kind}` alerted:\n{table}");
    }
    // Every alert keeps the contract's shape.
    for a in &alerts {
        assert!(a.id.starts_with("alr-"));
        assert!((0.0..=100.0).contains(&a.score));
        assert!(!a.summary.is_empty() && !a.evidence.is_empty());
        assert!(a.evidence.len() <= 200);
    }
    if min_recall >= 0.95 {
        assert!(
            r.median_hours_to_detect.is_some_and(|h| h <= 24.0),
            "{table}"
        );
    }
    table
}

#[test]
fn small_marketplace_meets_the_targets() {
    check(2, 0.95);
}

/// Other seeds: false alerts and look-alikes hold everywhere; recall of
/// the subtlest insiders (randomised low intensity, full cover, big
/// sellers) does not always reach 0.95 on a marketplace this small.
#[test]
fn other_marketplaces_stay_quiet_and_catch_most_insiders() {
    for seed in [3, 4] {
        check(seed, 0.75);
    }
}
