//! The engine's laws: causality (a prefix's alerts are the whole
//! stream's alerts up to the prefix's end) and snapshot/restore
//! (resuming from a snapshot is the same as never stopping).

mod common;

use common::{random_stream, simulated};
use custos_core::Event;
use custos_detect::{Alert, DetectConfig, Engine, SigmaRules};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// Every alert as last reported, by id.
fn run(engine: &mut Engine, events: &[Event]) -> BTreeMap<String, Alert> {
    let mut out = BTreeMap::new();
    for e in events {
        for a in engine.observe(e) {
            out.insert(a.id.clone(), a);
        }
    }
    out
}

/// Alerts as (employee, detector, raise time): ids aside.
fn raised(alerts: &BTreeMap<String, Alert>) -> BTreeSet<(String, String, i64)> {
    alerts
        .values()
        .map(|a| (a.employee.clone(), a.detector.clone(), a.time.millis()))
        .collect()
}

/// Sigma rules that fire often on the random streams: single-event,
/// `event_count`, `value_count` and `temporal_ordered` correlations.
const LAW_RULES: &str = r#"
title: Break-glass view
id: law-break-glass
detection:
    sel:
        purpose.code: break_glass
        action: customer.view
    condition: sel
level: low
---
title: View
id: law-view
detection:
    sel:
        action: customer.view
    condition: sel
---
title: Many views
id: law-many-views
correlation:
    type: event_count
    rules: [law-view]
    group-by: [actor.id]
    timespan: 3h
    condition:
        gte: 3
level: medium
---
title: Many customers
id: law-many-customers
correlation:
    type: value_count
    rules: [law-view]
    group-by: [actor.id]
    timespan: 2h
    condition:
        field: target.id
        gte: 3
level: high
---
title: Search
id: law-search
detection:
    sel:
        action: customer.search
    condition: sel
---
title: Export
id: law-export
detection:
    sel:
        action: customer.export
    condition: sel
---
title: Search then export
id: law-search-then-export
correlation:
    type: temporal_ordered
    rules: [law-search, law-export]
    group-by: [actor.id]
    timespan: 3h
level: high
"#;

fn law_rules() -> SigmaRules {
    SigmaRules::parse(&[("laws.yml", LAW_RULES)]).expect("law rules are valid")
}

fn engine(rules: bool) -> Engine {
    let mut e = Engine::new(DetectConfig::default());
    if rules {
        e.set_sigma_rules(&law_rules()).expect("rules load");
    }
    e
}

fn check_prefixes(events: &[Event], cuts: &[usize]) -> Result<(), String> {
    check_prefixes_with(events, cuts, false)?;
    check_prefixes_with(events, cuts, true)
}

fn check_prefixes_with(events: &[Event], cuts: &[usize], rules: bool) -> Result<(), String> {
    let whole = raised(&run(&mut engine(rules), events));
    for &cut in cuts {
        let cut = cut.min(events.len());
        // A prefix "ending at time T" holds every event of time ≤ T.
        let t_end = match cut {
            0 => i64::MIN,
            _ => events[cut - 1].time.millis(),
        };
        if events.get(cut).is_some_and(|e| e.time.millis() == t_end) {
            continue;
        }
        let prefix = raised(&run(&mut engine(rules), &events[..cut]));
        let expected: BTreeSet<_> = whole.iter().filter(|a| a.2 <= t_end).cloned().collect();
        if prefix != expected {
            return Err(format!(
                "prefix of {cut} events: {} alerts, whole stream up to its end: {}; differ in {:?}",
                prefix.len(),
                expected.len(),
                prefix
                    .symmetric_difference(&expected)
                    .take(5)
                    .collect::<Vec<_>>()
            ));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn detection_on_a_prefix_is_the_prefix_of_detection(seed in any::<u64>(), cut in 1usize..1500) {
        let events = random_stream(seed, 1500);
        prop_assert!(check_prefixes(&events, &[cut]).is_ok(), "{:?}", check_prefixes(&events, &[cut]));
    }

    #[test]
    fn snapshot_then_restore_equals_never_stopping(seed in any::<u64>(), cut in 0usize..1200, rules in any::<bool>()) {
        let events = random_stream(seed, 1200);
        let cfg = DetectConfig::default();
        let mut whole = engine(rules);
        let all: Vec<Vec<Alert>> = events.iter().map(|e| whole.observe(e)).collect();
        let mut first = engine(rules);
        for e in &events[..cut] {
            first.observe(e);
        }
        let mut resumed = Engine::restore(&first.snapshot(), cfg).expect("restores");
        if rules {
            resumed.set_sigma_rules(&law_rules()).expect("rules load");
        }
        let rest: Vec<Vec<Alert>> = events[cut..].iter().map(|e| resumed.observe(e)).collect();
        prop_assert!(all[cut..] == rest[..], "alerts after restoring differ");
        // Snapshot bytes may differ in hash-map order; what they hold may not.
        prop_assert_eq!(resumed.stats(), whole.stats());
        let end = events[events.len() - 1].time;
        prop_assert!(resumed.risk(end) == whole.risk(end), "risk after restoring differs");
    }
}

#[test]
fn random_streams_raise_alerts_so_the_laws_are_not_vacuous() {
    let events = random_stream(1, 1500);
    let alerts = run(&mut Engine::new(DetectConfig::default()), &events);
    let detectors: BTreeSet<&str> = alerts.values().map(|a| a.detector.as_str()).collect();
    assert!(detectors.len() >= 3, "{detectors:?}");
    // With rules, every kind of Sigma rule fires (more than once each
    // employee, so incidents grow and windows slide across the cuts).
    let alerts = run(&mut engine(true), &events);
    let sigma: BTreeSet<&str> = alerts
        .values()
        .map(|a| a.detector.as_str())
        .filter(|d| d.starts_with("sigma:"))
        .collect();
    assert_eq!(
        sigma.into_iter().collect::<Vec<_>>(),
        [
            "sigma:law-break-glass",
            "sigma:law-many-customers",
            "sigma:law-many-views",
            "sigma:law-search-then-export"
        ],
    );
}

#[test]
fn causality_holds_on_a_simulated_marketplace() {
    let (events, _) = simulated(60, 1500, 60, 6, 3);
    let n = events.len();
    let cuts: Vec<usize> = (1..8).map(|i| n * i / 8).collect();
    check_prefixes(&events, &cuts).expect("causal");
}

#[test]
fn snapshot_resumes_a_simulated_marketplace() {
    let (events, _) = simulated(60, 1500, 60, 6, 5);
    let cfg = DetectConfig::default();
    let cut = events.len() / 2;
    let mut whole = Engine::new(cfg.clone());
    let expected: Vec<Vec<Alert>> = events.iter().map(|e| whole.observe(e)).collect();
    let mut a = Engine::new(cfg.clone());
    for e in &events[..cut] {
        a.observe(e);
    }
    let bytes = a.snapshot();
    let mut b = Engine::restore(&bytes, cfg.clone()).expect("restores");
    let got: Vec<Vec<Alert>> = events[cut..].iter().map(|e| b.observe(e)).collect();
    assert_eq!(&expected[cut..], &got[..]);
    assert_eq!(
        b.risk(events[events.len() - 1].time),
        whole.risk(events[events.len() - 1].time)
    );
}

#[test]
fn restore_refuses_foreign_or_future_snapshots() {
    let cfg = DetectConfig::default();
    assert!(matches!(
        Engine::restore(b"not a snapshot", cfg.clone()),
        Err(custos_detect::DetectError::BadMagic)
    ));
    let mut bytes = Engine::new(cfg.clone()).snapshot();
    bytes[9] = bytes[9].wrapping_add(1);
    assert!(matches!(
        Engine::restore(&bytes, cfg.clone()),
        Err(custos_detect::DetectError::Version { .. })
    ));
    let mut bytes = Engine::new(cfg.clone()).snapshot();
    bytes.truncate(bytes.len() - 1);
    bytes.push(0xff);
    bytes.extend_from_slice(&[0xff; 3]);
    assert!(Engine::restore(&bytes, cfg).is_err());
}
