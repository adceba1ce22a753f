//! The Sigma rules shipped in the repository's `rules/` folder, each
//! firing and not firing on hand-built sequences, and the refusal of bad
//! rule files with file, position and reason.

use custos_core::{parse_event_value, Event, Timestamp};
use custos_detect::{Alert, DetectConfig, DetectError, Engine, SigmaRules};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The repository's example rules, as (file name, text).
fn shipped_rules() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("rules folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .map(|p| {
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).expect("readable"))
        })
        .collect();
    files.sort();
    files
}

fn engine_with(rules: &SigmaRules) -> Engine {
    let mut e = Engine::new(DetectConfig::default());
    e.set_sigma_rules(rules).expect("rules load");
    e
}

/// 2026-01-05 (a Monday) at `h:m` UTC, plus `day` days.
fn at(day: i64, h: i64, m: i64) -> i64 {
    1_767_571_200_000 + day * 86_400_000 + h * 3_600_000 + m * 60_000
}

struct Stream {
    n: usize,
    events: Vec<Event>,
}

impl Stream {
    fn new() -> Stream {
        Stream {
            n: 0,
            events: Vec::new(),
        }
    }

    fn push(&mut self, t: i64, mut v: Value) -> &mut Self {
        self.n += 1;
        v["id"] = json!(format!("ev-{}", self.n));
        v["time"] = json!(Timestamp(t).to_rfc3339());
        self.events
            .push(parse_event_value(&v).expect("valid hand-built event"));
        self
    }
}

fn emp(id: &str) -> Value {
    json!({"type": "employee", "id": id, "role": "cs-agent", "team": "cs-1", "site": "DUB"})
}

fn emp_at(id: &str, site: &str) -> Value {
    json!({"type": "employee", "id": id, "role": "cs-agent", "team": "cs-1", "site": site})
}

/// Sigma alerts as last reported, by id.
fn sigma_alerts(engine: &mut Engine, events: &[Event]) -> Vec<Alert> {
    let mut latest = BTreeMap::new();
    for e in events {
        for a in engine.observe(e) {
            latest.insert(a.id.clone(), a);
        }
    }
    latest
        .into_values()
        .filter(|a| a.detector.starts_with("sigma:"))
        .collect()
}

fn detectors(alerts: &[Alert]) -> Vec<&str> {
    let mut v: Vec<&str> = alerts.iter().map(|a| a.detector.as_str()).collect();
    v.sort();
    v.dedup();
    v
}

fn rules() -> SigmaRules {
    SigmaRules::parse(&shipped_rules()).expect("shipped rules are valid")
}

#[test]
fn shipped_rules_load() {
    let r = rules();
    let keys = r.keys();
    for k in [
        "break-glass-after-hours",
        "export-without-legal-purpose",
        "customer-search-burst",
        "new-site-login-then-export",
        "views-without-ticket-burst",
    ] {
        assert!(keys.contains(&k), "{k} missing from {keys:?}");
    }
}

#[test]
fn break_glass_after_hours() {
    let view = |e: &str| {
        json!({"actor": emp(e), "action": "customer.view", "target": {"type": "customer", "id": "cus-1"},
               "purpose": {"code": "break_glass", "reason": "locked out"}})
    };
    let mut s = Stream::new();
    // Monday 14:00 and 19:59: business hours.
    s.push(at(0, 14, 0), view("emp-1"));
    s.push(at(0, 19, 59), view("emp-1"));
    // A night view with a ticket, not break-glass.
    s.push(
        at(0, 23, 0),
        json!({"actor": emp("emp-2"), "action": "customer.view", "target": {"type": "customer", "id": "cus-1"},
               "purpose": {"code": "customer_request", "ticket": "tkt-1"}}),
    );
    let mut e = engine_with(&rules());
    let quiet = sigma_alerts(&mut e, &s.events);
    assert!(
        !detectors(&quiet).contains(&"sigma:break-glass-after-hours"),
        "{quiet:?}"
    );
    // 02:30 on Tuesday, then Saturday noon.
    s.push(at(1, 2, 30), view("emp-1"));
    s.push(at(5, 12, 0), view("emp-3"));
    let mut e = engine_with(&rules());
    let fired = sigma_alerts(&mut e, &s.events);
    let bg: Vec<&Alert> = fired
        .iter()
        .filter(|a| a.detector == "sigma:break-glass-after-hours")
        .collect();
    assert_eq!(bg.len(), 2, "{fired:?}");
    let a = bg.iter().find(|a| a.employee == "emp-1").expect("emp-1");
    assert_eq!(a.severity.as_str(), "medium");
    assert_eq!(a.evidence, vec!["ev-4".to_string()]);
    assert_eq!(a.explain["rule"], "break-glass-after-hours");
    assert!(a
        .summary
        .contains("Break-glass access outside business hours"));
    assert!(bg.iter().any(|a| a.employee == "emp-3"));
}

#[test]
fn export_without_legal_purpose() {
    let export = |code: Option<&str>| {
        let mut v = json!({"actor": emp("emp-1"), "action": "customer.export",
                           "targets": ["cus-1", "cus-2"], "attrs": {"format": "csv"}});
        if let Some(c) = code {
            v["purpose"] = json!({"code": c, "ticket": "tkt-9"});
        }
        v
    };
    let mut s = Stream::new();
    s.push(at(0, 10, 0), export(Some("legal")));
    // A refused export discloses nothing.
    let mut denied = export(None);
    denied["outcome"] = json!("denied");
    s.push(at(0, 10, 5), denied);
    let mut e = engine_with(&rules());
    assert!(sigma_alerts(&mut e, &s.events).is_empty());

    s.push(at(0, 11, 0), export(Some("customer_request")));
    s.push(at(0, 12, 0), export(None));
    let mut e = engine_with(&rules());
    let fired = sigma_alerts(&mut e, &s.events);
    assert_eq!(
        detectors(&fired),
        vec!["sigma:export-without-legal-purpose"],
        "{fired:?}"
    );
    // One incident per employee and rule, grown by the second export.
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].severity.as_str(), "high");
    assert_eq!(fired[0].evidence, vec!["ev-3", "ev-4"]);
    assert_eq!(fired[0].customers, 2);
}

#[test]
fn customer_search_burst() {
    let search = |e: &str| {
        json!({"actor": emp(e), "action": "customer.search", "targets": ["cus-1"],
               "attrs": {"query": "smith"}})
    };
    // 39 searches in 10 minutes, then 40 spread over an hour: no burst.
    let mut s = Stream::new();
    for i in 0..39 {
        s.push(at(0, 9, 0) + i * 15_000, search("emp-1"));
    }
    for i in 0..40 {
        s.push(at(0, 11, 0) + i * 90_000, search("emp-1"));
    }
    // Another employee's searches do not add up with emp-1's.
    for i in 0..20 {
        s.push(at(0, 13, 0) + i * 10_000, search("emp-1"));
        s.push(at(0, 13, 0) + i * 10_000 + 1, search("emp-2"));
    }
    let mut e = engine_with(&rules());
    let quiet = sigma_alerts(&mut e, &s.events);
    assert!(quiet.is_empty(), "{quiet:?}");

    // 40 within 10 minutes.
    for i in 0..40 {
        s.push(at(0, 15, 0) + i * 14_000, search("emp-2"));
    }
    let mut e = engine_with(&rules());
    let fired = sigma_alerts(&mut e, &s.events);
    assert_eq!(detectors(&fired), vec!["sigma:customer-search-burst"]);
    let a = &fired[0];
    assert_eq!(a.employee, "emp-2");
    assert_eq!(a.explain["correlation"], "event_count");
    assert!(a.explain["matched"].as_f64().expect("count") >= 40.0);
    assert_eq!(a.explain["group"]["actor.id"], "emp-2");
    assert!(a.evidence.len() >= 10, "{:?}", a.evidence);
    // Raised at the 40th search, not before.
    assert_eq!(a.time.millis(), at(0, 15, 0) + 39 * 14_000);
}

#[test]
fn login_from_new_site_then_export() {
    let login = |site: &str| json!({"actor": emp_at("emp-1", site), "action": "auth.login", "attrs": {"ip": "10.0.0.1"}});
    let export = json!({"actor": emp_at("emp-1", "WAW"), "action": "customer.export",
                        "targets": ["cus-1"], "purpose": {"code": "legal", "ticket": "tkt-1"}});
    let hire = json!({"actor": {"type": "system", "id": "hr"}, "action": "employee.hire",
                      "target": {"type": "employee", "id": "emp-1"},
                      "attrs": {"role": "cs-agent", "team": "cs-1", "site": "DUB"}});
    // Logins from the home site then an export: quiet. An export before
    // the login from the new site: quiet (order matters).
    let mut s = Stream::new();
    s.push(at(0, 8, 0), hire.clone());
    s.push(at(0, 9, 0), login("DUB"));
    s.push(at(0, 10, 0), export.clone());
    s.push(at(1, 9, 0), export.clone());
    s.push(at(1, 10, 0), login("WAW"));
    let mut e = engine_with(&rules());
    let quiet = sigma_alerts(&mut e, &s.events);
    assert!(
        !detectors(&quiet).contains(&"sigma:new-site-login-then-export"),
        "{quiet:?}"
    );
    // Another login from the now-known WAW, then an export: quiet.
    s.push(at(3, 9, 0), login("WAW"));
    s.push(at(3, 9, 30), export.clone());
    // A login from a third site and an export more than 24 h later: quiet.
    s.push(at(5, 9, 0), login("MNL"));
    s.push(at(6, 10, 0), export.clone());
    let mut e = engine_with(&rules());
    let quiet = sigma_alerts(&mut e, &s.events);
    assert!(
        !detectors(&quiet).contains(&"sigma:new-site-login-then-export"),
        "{quiet:?}"
    );
    // A fourth site, then an export within the day.
    s.push(at(8, 9, 0), login("BOG"));
    s.push(at(8, 15, 0), export.clone());
    let mut e = engine_with(&rules());
    let fired = sigma_alerts(&mut e, &s.events);
    let a: Vec<&Alert> = fired
        .iter()
        .filter(|a| a.detector == "sigma:new-site-login-then-export")
        .collect();
    assert_eq!(a.len(), 1, "{fired:?}");
    assert_eq!(a[0].employee, "emp-1");
    assert_eq!(a[0].severity.as_str(), "high");
    assert_eq!(a[0].time.millis(), at(8, 15, 0));
    assert!(a[0].evidence.contains(&format!("ev-{}", s.n)));
    // Rules only feeding the correlation raise nothing on their own.
    assert!(!detectors(&fired).contains(&"sigma:login-from-new-site"));
    assert!(!detectors(&fired).contains(&"sigma:customer-export"));
}

#[test]
fn views_without_ticket_burst() {
    let view = |c: u32, ticket: bool| {
        let mut v = json!({"actor": emp("emp-1"), "action": "customer.view",
                           "target": {"type": "customer", "id": format!("cus-{c}")}});
        if ticket {
            v["purpose"] = json!({"ticket": "tkt-1", "code": "customer_request"});
        }
        v
    };
    let mut s = Stream::new();
    // 19 distinct customers (each viewed twice) without a ticket, and
    // 30 with one, in an hour.
    for c in 0..19u32 {
        s.push(at(0, 9, 0) + c as i64 * 60_000, view(c, false));
        s.push(at(0, 9, 0) + c as i64 * 60_000 + 1, view(c, false));
    }
    for c in 100..130u32 {
        s.push(at(0, 9, 30) + c as i64 * 1_000, view(c, true));
    }
    let mut e = engine_with(&rules());
    let quiet = sigma_alerts(&mut e, &s.events);
    assert!(quiet.is_empty(), "{quiet:?}");
    // The 20th distinct customer within the hour.
    s.push(at(0, 9, 50), view(19, false));
    let mut e = engine_with(&rules());
    let fired = sigma_alerts(&mut e, &s.events);
    assert_eq!(detectors(&fired), vec!["sigma:views-without-ticket-burst"]);
    assert_eq!(fired[0].explain["correlation"], "value_count");
    assert_eq!(fired[0].explain["matched"], 20.0);
    // Two hours later the window has moved on: 19 more do not fire again.
    let mut s2 = Stream::new();
    for c in 0..19u32 {
        s2.push(at(0, 9, 0) + c as i64 * 60_000, view(c, false));
    }
    for c in 19..38u32 {
        s2.push(at(0, 11, 0) + c as i64 * 60_000, view(c, false));
    }
    let mut e = engine_with(&rules());
    assert!(sigma_alerts(&mut e, &s2.events).is_empty());
}

#[test]
fn rules_survive_snapshot_and_restore_mid_window() {
    let search = json!({"actor": emp("emp-1"), "action": "customer.search", "targets": ["cus-1"]});
    let mut s = Stream::new();
    for i in 0..60 {
        s.push(at(0, 9, 0) + i * 5_000, search.clone());
    }
    let r = rules();
    let mut whole = engine_with(&r);
    let all: Vec<Vec<Alert>> = s.events.iter().map(|e| whole.observe(e)).collect();
    assert!(all
        .iter()
        .flatten()
        .any(|a| a.detector == "sigma:customer-search-burst"));
    let mut first = engine_with(&r);
    for e in &s.events[..25] {
        first.observe(e);
    }
    let mut resumed =
        Engine::restore(&first.snapshot(), DetectConfig::default()).expect("restores");
    // A snapshot taken before the rules are given again keeps the windows.
    let again = Engine::restore(&resumed.snapshot(), DetectConfig::default()).expect("restores");
    drop(again);
    resumed.set_sigma_rules(&r).expect("rules load");
    let rest: Vec<Vec<Alert>> = s.events[25..].iter().map(|e| resumed.observe(e)).collect();
    assert_eq!(all[25..], rest[..]);
}

fn problems(files: &[(&str, &str)]) -> Vec<custos_detect::RuleProblem> {
    match SigmaRules::parse(files) {
        Err(DetectError::Rules(p)) => p,
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("bad rules were accepted"),
    }
}

#[test]
fn bad_rule_files_are_refused_with_file_position_and_reason() {
    // A field the event contract does not have.
    let typo = "title: t\nid: t\nlogsource:\n    product: custos\ndetection:\n    sel:\n        acter.id: emp-1\n    condition: sel\n";
    let p = problems(&[("typo.yml", typo)]);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].file, "typo.yml");
    assert_eq!((p[0].line, p[0].column), (Some(7), Some(9)));
    assert!(
        p[0].reason.contains("`acter.id`") && p[0].reason.contains("`actor.id`"),
        "{}",
        p[0]
    );

    // Broken YAML.
    let yaml = "title: t\ndetection:\n  sel: [a\n  condition: sel\n";
    let p = problems(&[("yaml.yml", yaml)]);
    assert_eq!(p[0].file, "yaml.yml");
    assert!(p[0].line.is_some(), "{:?}", p[0]);

    // A condition naming a selection that does not exist.
    let cond = "title: t\nid: c\ndetection:\n    sel:\n        action: auth.login\n    condition: sel and other\n";
    let p = problems(&[("cond.yml", cond)]);
    assert_eq!(p[0].file, "cond.yml");
    assert!(p[0].reason.contains("other"), "{:?}", p[0]);

    // A correlation over a rule that is nowhere, and a second file with
    // its own problem: both reported at once.
    let corr = "title: c\nid: c\ncorrelation:\n    type: event_count\n    rules:\n        - no-such-rule\n    group-by:\n        - actor.id\n    timespan: 10m\n    condition:\n        gte: 3\n";
    let p = problems(&[("corr.yml", corr)]);
    assert_eq!(p[0].file, "corr.yml");
    assert_eq!(p[0].line, Some(6), "{:?}", p[0]);
    assert!(p[0].reason.contains("no-such-rule"));
    let p = problems(&[("typo.yml", typo), ("cond.yml", cond)]);
    assert_eq!(p.len(), 2, "{p:?}");
    // The error's text names them all.
    let e = SigmaRules::parse(&[("typo.yml", typo)]).expect_err("refused");
    assert!(e.to_string().contains("`typo.yml` line 7 column 9"), "{e}");

    // Other log sources would silently never match.
    let win = "title: t\nlogsource:\n    product: windows\ndetection:\n    sel:\n        action: auth.login\n    condition: sel\n";
    let p = problems(&[("win.yml", win)]);
    assert!(p[0].reason.contains("`logsource.product`"), "{:?}", p[0]);
}
