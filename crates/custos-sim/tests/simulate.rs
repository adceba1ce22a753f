//! The simulator's promises, checked on its output: valid, sorted,
//! deterministic events; a truth that matches what was written;
//! look-alikes and honeytokens as described.

use custos_core::{parse_event, Action, ActorType, Event, TargetType, Timestamp};
use custos_sim::{simulate, Scenario, SimConfig, Truth};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

fn small() -> SimConfig {
    SimConfig {
        employees: 60,
        customers: 2_000,
        sellers: 40,
        days: 6,
        history_days: 10,
        seed: 11,
        ..SimConfig::default()
    }
}

fn medium() -> SimConfig {
    SimConfig {
        employees: 160,
        customers: 5_000,
        sellers: 120,
        days: 30,
        history_days: 30,
        seed: 3,
        ..SimConfig::default()
    }
}

fn run(cfg: &SimConfig) -> (Vec<u8>, Truth) {
    let mut out = Vec::new();
    let truth = simulate(cfg, &mut out).expect("simulation runs");
    (out, truth)
}

struct Run {
    cfg: SimConfig,
    lines: Vec<String>,
    events: Vec<Event>,
    truth: Truth,
}

/// One medium run shared by the tests that only read it.
fn shared() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| {
        let cfg = medium();
        let (out, truth) = run(&cfg);
        let text = String::from_utf8(out).expect("utf-8");
        let lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let events = lines
            .iter()
            .enumerate()
            .map(|(i, l)| parse_event(l).unwrap_or_else(|e| panic!("line {}: {e}: {l}", i + 1)))
            .collect();
        Run {
            cfg,
            lines,
            events,
            truth,
        }
    })
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let cfg = small();
    let (a, ta) = run(&cfg);
    let (b, tb) = run(&cfg);
    assert!(!a.is_empty());
    assert!(a == b, "same config wrote different bytes");
    assert_eq!(ta, tb);
    let (c, _) = run(&SimConfig { seed: 12, ..cfg });
    assert!(a != c, "another seed wrote the same bytes");
}

#[test]
fn every_line_is_a_valid_canonical_event_in_time_order() {
    let r = shared();
    assert_eq!(r.truth.events, Some(r.lines.len() as u64));
    let mut ids = BTreeSet::new();
    let mut prev = Timestamp(i64::MIN);
    for (line, e) in r.lines.iter().zip(&r.events) {
        assert!(
            line.len() <= custos_core::MAX_ENTRY_BYTES,
            "entry too large"
        );
        // Written as the canonical entry: parsing and re-writing is identity.
        assert_eq!(custos_core::canonical::event_entry(e), line.as_bytes());
        assert!(e.time >= prev, "out of order at {}", e.id);
        prev = e.time;
        assert!(ids.insert(e.id.0.clone()), "duplicate id {}", e.id);
    }
}

#[test]
fn scale_flags_are_honoured() {
    let r = shared();
    let mut hired = BTreeSet::new();
    let mut customers = BTreeSet::new();
    let mut sellers = BTreeSet::new();
    let start = r.truth.start.0;
    let day = custos_core::time::MS_PER_DAY;
    for e in &r.events {
        assert!(e.time.0 >= start - i64::from(r.cfg.history_days) * day);
        assert!(e.time.0 < start + i64::from(r.cfg.days) * day);
        if e.action == Action::EmployeeHire {
            hired.insert(e.target.as_ref().map(|t| t.id.clone()));
        }
        if e.actor.kind == ActorType::Customer {
            customers.insert(e.actor.id.clone());
        }
        if let Some(s) = e.attr_str("seller") {
            sellers.insert(s.to_owned());
        }
    }
    assert_eq!(hired.len(), r.cfg.employees);
    assert_eq!(r.truth.employees, r.cfg.employees as u64);
    assert!(customers.len() <= r.cfg.customers);
    assert!(customers.len() > r.cfg.customers / 2, "{}", customers.len());
    assert!(sellers.len() <= r.cfg.sellers);
    assert!(sellers.len() > r.cfg.sellers * 3 / 4, "{}", sellers.len());
    assert_eq!(r.truth.period_days(), u64::from(r.cfg.days));
    let last = r.events.last().map(|e| e.time.0).unwrap_or(0);
    assert!(
        last > start + i64::from(r.cfg.days - 1) * day,
        "the last day is empty"
    );
}

fn by_employee(events: &[Event]) -> BTreeMap<&str, Vec<&Event>> {
    let mut m: BTreeMap<&str, Vec<&Event>> = BTreeMap::new();
    for e in events {
        if let Some(emp) = e.employee() {
            m.entry(emp).or_default().push(e);
        }
    }
    m
}

#[test]
fn truth_matches_what_the_insiders_did() {
    let r = shared();
    let names: BTreeSet<&str> = r
        .truth
        .insiders
        .iter()
        .map(|i| i.scenario.as_str())
        .collect();
    for s in Scenario::ALL {
        assert!(names.contains(s.as_str()), "no `{s}` insider in the truth");
    }
    assert_eq!(
        r.truth
            .insiders
            .iter()
            .filter(|i| i.scenario == "collusion")
            .count(),
        2
    );
    let mine = by_employee(&r.events);
    let author: BTreeMap<&str, &str> = r
        .events
        .iter()
        .filter(|e| e.action == Action::ReviewCreate)
        .filter_map(|e| Some((e.target_id(TargetType::Review)?, e.actor.id.as_str())))
        .collect();
    for ins in &r.truth.insiders {
        let evs = &mine[ins.employee.as_str()];
        assert!(ins.start <= ins.end);
        assert!(
            evs.iter().any(|e| e.time == ins.start),
            "{}: nothing at start",
            ins.employee
        );
        assert!(
            evs.iter().any(|e| e.time == ins.end),
            "{}: nothing at end",
            ins.employee
        );
        let window = |e: &&&Event| e.time >= ins.start && e.time <= ins.end;
        match ins.scenario.as_str() {
            "reactivation" => {
                assert!(ins.customers.is_empty());
                let reactivated: BTreeSet<&str> = evs
                    .iter()
                    .filter(window)
                    .filter(|e| e.action == Action::AccountReactivate)
                    .filter_map(|e| e.target_id(TargetType::Seller))
                    .collect();
                assert!(!ins.sellers.is_empty());
                for s in &ins.sellers {
                    assert!(reactivated.contains(s.as_str()), "{s} not reactivated");
                }
            }
            "review_deletion" => {
                let authors: BTreeSet<&str> = evs
                    .iter()
                    .filter(window)
                    .filter(|e| e.action == Action::ReviewDelete)
                    .filter_map(|e| author.get(e.target_id(TargetType::Review)?).copied())
                    .collect();
                assert!(!ins.customers.is_empty());
                for c in &ins.customers {
                    assert!(authors.contains(c.as_str()), "{c}'s review not deleted");
                }
            }
            _ => {
                let disclosed: BTreeSet<&str> = evs
                    .iter()
                    .filter(window)
                    .flat_map(|e| e.disclosed_customers())
                    .collect();
                assert!(
                    !ins.customers.is_empty(),
                    "{} disclosed nothing",
                    ins.employee
                );
                for c in &ins.customers {
                    assert!(
                        disclosed.contains(c.as_str()),
                        "{c} not disclosed by {}",
                        ins.employee
                    );
                }
            }
        }
        if ins.scenario == "departing" {
            let leave = r
                .events
                .iter()
                .find(|e| {
                    e.action == Action::EmployeeLeave
                        && e.target_id(TargetType::Employee) == Some(ins.employee.as_str())
                })
                .expect("departing insider leaves");
            assert_eq!(leave.attr_str("reason"), Some("resigned"));
            assert!(leave.time > ins.end);
        }
    }
    // Collusion partners share their seller and split its customers.
    let pair: Vec<_> = r
        .truth
        .insiders
        .iter()
        .filter(|i| i.scenario == "collusion")
        .collect();
    assert_eq!(pair[0].sellers, pair[1].sellers);
    let a: BTreeSet<_> = pair[0].customers.iter().collect();
    assert!(pair[1].customers.iter().all(|c| !a.contains(c)));
}

#[test]
fn nothing_in_the_events_names_the_truth() {
    let r = shared();
    for line in &r.lines {
        for s in Scenario::ALL {
            assert!(!line.contains(s.as_str()), "`{s}` in {line}");
        }
        assert!(!line.contains("insider"));
    }
}

#[test]
fn honeytokens_are_planted_and_only_insiders_touch_them() {
    let r = shared();
    let honey: BTreeSet<&str> = r.truth.honeytokens.iter().map(String::as_str).collect();
    assert!(!honey.is_empty());
    let planted: BTreeSet<&str> = r
        .events
        .iter()
        .filter(|e| e.action == Action::HoneytokenPlant)
        .filter_map(|e| e.target_id(TargetType::Customer))
        .collect();
    assert_eq!(planted, honey);
    let insiders: BTreeSet<&str> = r
        .truth
        .insiders
        .iter()
        .map(|i| i.employee.as_str())
        .collect();
    let mut reviews_by_honey = 0;
    for e in &r.events {
        if e.action == Action::ReviewCreate && honey.contains(e.actor.id.as_str()) {
            reviews_by_honey += 1;
        }
        if e.action == Action::TicketOpen {
            assert!(
                !honey.contains(e.actor.id.as_str()),
                "a honeytoken opened a ticket"
            );
            assert!(!e.attr_str("customer").is_some_and(|c| honey.contains(c)));
        }
        let Some(emp) = e.employee() else { continue };
        if insiders.contains(emp) {
            continue;
        }
        let touched = e
            .disclosed_customers()
            .into_iter()
            .chain(e.target_id(TargetType::Customer))
            .chain(e.attr_str("customer"))
            .any(|c| honey.contains(c));
        assert!(!touched, "{emp} touched a honeytoken: {}", e.id);
    }
    assert!(
        reviews_by_honey >= honey.len() * 3,
        "honeytokens wrote {reviews_by_honey} reviews"
    );
}

#[test]
fn lookalikes_are_present_and_behave_as_described() {
    let r = shared();
    let kinds: BTreeMap<&str, &custos_sim::Lookalike> = r
        .truth
        .lookalikes
        .iter()
        .map(|l| (l.kind.as_str(), l))
        .collect();
    for k in [
        "dedicated_seller_team",
        "legal_export",
        "spam_cleanup",
        "night_shift",
        "new_hire",
        "seller_incident",
        "sale_day",
    ] {
        assert!(kinds.contains_key(k), "no `{k}` look-alike");
    }
    let mine = by_employee(&r.events);
    let insiders: BTreeSet<&str> = r
        .truth
        .insiders
        .iter()
        .map(|i| i.employee.as_str())
        .collect();
    for l in &r.truth.lookalikes {
        for emp in &l.employees {
            assert!(!insiders.contains(emp.as_str()), "{emp} is both");
        }
    }

    // The dedicated team's accesses concentrate on one seller's customers,
    // each under a ticket the accessor was assigned, for that customer.
    let team = kinds["dedicated_seller_team"];
    let seller = team.sellers[0].as_str();
    let mut assigned: BTreeMap<&str, &str> = BTreeMap::new();
    let mut ticket_customer: BTreeMap<&str, &str> = BTreeMap::new();
    let mut ticket_seller: BTreeMap<&str, &str> = BTreeMap::new();
    let mut searched: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for e in &r.events {
        if e.action == Action::CustomerSearch {
            if let Some(t) = e.purpose.as_ref().and_then(|p| p.ticket.as_deref()) {
                searched
                    .entry(t)
                    .or_default()
                    .extend(e.targets.iter().flatten().map(String::as_str));
            }
        }
        let Some(t) = e.target_id(TargetType::Ticket) else {
            continue;
        };
        match e.action {
            Action::TicketAssign => {
                assigned.insert(t, e.actor.id.as_str());
            }
            Action::TicketOpen => {
                if let Some(c) = e.attr_str("customer") {
                    ticket_customer.insert(t, c);
                }
                if let Some(s) = e.attr_str("seller") {
                    ticket_seller.insert(t, s);
                }
            }
            _ => {}
        }
    }
    let (mut views, mut of_seller) = (0, 0);
    for emp in &team.employees {
        for e in mine.get(emp.as_str()).into_iter().flatten() {
            if e.action != Action::CustomerView {
                continue;
            }
            let ticket = e
                .purpose
                .as_ref()
                .and_then(|p| p.ticket.as_deref())
                .expect("a ticket");
            let code = e.purpose.as_ref().and_then(|p| p.code);
            if code == Some(custos_core::PurposeCode::QualityReview) {
                continue; // the lead reviewing a colleague's ticket
            }
            assert_eq!(assigned.get(ticket), Some(&emp.as_str()));
            let customer = e.target_id(TargetType::Customer);
            if ticket_customer.get(ticket).copied() != customer {
                // A namesake opened by mistake from the ticket's lookup.
                let found = customer.is_some_and(|c| {
                    searched
                        .get(ticket)
                        .is_some_and(|s: &BTreeSet<&str>| s.contains(c))
                });
                assert!(found, "{} viewed without its ticket", e.id);
                continue;
            }
            views += 1;
            of_seller += usize::from(ticket_seller.get(ticket) == Some(&seller));
        }
    }
    assert!(
        views > 50 && of_seller * 10 >= views * 8,
        "{of_seller} of {views}"
    );

    // Legal exports: many targets, code legal, a ticket.
    let legal_exports: Vec<&&Event> = kinds["legal_export"]
        .employees
        .iter()
        .flat_map(|emp| mine.get(emp.as_str()).into_iter().flatten())
        .filter(|e| e.action == Action::CustomerExport)
        .collect();
    assert!(legal_exports
        .iter()
        .any(|e| e.targets.as_ref().map_or(0, Vec::len) >= 100));
    for e in &legal_exports {
        let p = e.purpose.as_ref().expect("purpose");
        assert_eq!(p.code, Some(custos_core::PurposeCode::Legal));
        assert!(p.ticket.is_some());
    }

    // The spam clean-up: many spam deletions across many sellers.
    let cleanup = kinds["spam_cleanup"];
    let review_seller: BTreeMap<&str, &str> = r
        .events
        .iter()
        .filter(|e| e.action == Action::ReviewCreate)
        .filter_map(|e| Some((e.target_id(TargetType::Review)?, e.attr_str("seller")?)))
        .collect();
    let deleted: Vec<&&Event> = mine[cleanup.employees[0].as_str()]
        .iter()
        .filter(|e| e.action == Action::ReviewDelete && e.attr_str("reason") == Some("spam"))
        .collect();
    let sellers: BTreeSet<&str> = deleted
        .iter()
        .filter_map(|e| review_seller.get(e.target_id(TargetType::Review)?).copied())
        .collect();
    assert!(
        deleted.len() >= 50 && sellers.len() >= 20,
        "{} / {}",
        deleted.len(),
        sellers.len()
    );

    // The sale day has about three times the tickets of a normal day.
    let sale = kinds["sale_day"];
    let mut per_day: BTreeMap<i64, usize> = BTreeMap::new();
    for e in &r.events {
        if e.action == Action::TicketAssign {
            *per_day.entry(e.time.day()).or_default() += 1;
        }
    }
    let sale_day = sale.start.expect("start").day();
    let mut counts: Vec<usize> = per_day.values().copied().collect();
    counts.sort_unstable();
    let median = counts[counts.len() / 2];
    assert!(
        per_day[&sale_day] * 10 >= median * 20,
        "{} vs {median}",
        per_day[&sale_day]
    );
}

#[test]
fn batches_of_a_bulk_action_belong_together() {
    let r = shared();
    let mut batches: BTreeMap<&str, Vec<&Event>> = BTreeMap::new();
    for e in &r.events {
        if e.action.is_bulk() {
            assert!(!e.targets.as_ref().expect("targets").is_empty());
            if let Some(b) = e.attr_str("batch") {
                batches.entry(b).or_default().push(e);
            }
        }
    }
    assert!(!batches.is_empty());
    for evs in batches.values() {
        let first = evs[0];
        for e in evs {
            assert_eq!(e.actor, first.actor);
            assert_eq!(e.action, first.action);
            assert_eq!(e.purpose, first.purpose);
        }
        let targets: Vec<&String> = evs
            .iter()
            .flat_map(|e| e.targets.iter().flatten())
            .collect();
        let distinct: BTreeSet<&String> = targets.iter().copied().collect();
        assert_eq!(
            distinct.len(),
            targets.len(),
            "a customer twice in one batch"
        );
    }
}

#[test]
fn scenarios_parse_with_a_helpful_error() {
    assert_eq!(Scenario::parse("broker").ok(), Some(Scenario::Broker));
    let err = Scenario::parse("bribery").expect_err("unknown").to_string();
    assert!(err.contains("`bribery`"), "{err}");
    for s in Scenario::ALL {
        assert!(err.contains(s.as_str()), "{err}");
    }
    assert_eq!(
        Scenario::parse_list("data_sale, collusion").ok(),
        Some(vec![Scenario::DataSale, Scenario::Collusion])
    );
    assert_eq!(
        Scenario::parse_list("all").ok(),
        Some(Scenario::ALL.to_vec())
    );
    assert_eq!(Scenario::parse_list("none").ok(), Some(vec![]));
}

#[test]
fn config_problems_are_reported_together() {
    let cfg = SimConfig {
        employees: 3,
        days: 1,
        sellers: 2,
        ..SimConfig::default()
    };
    let err = cfg.validate().expect_err("invalid").to_string();
    assert!(
        err.contains("employees") && err.contains("days") && err.contains("sellers"),
        "{err}"
    );
    assert!(simulate(&cfg, &mut Vec::new()).is_err());
}

#[test]
fn without_scenarios_there_are_no_insiders() {
    let cfg = SimConfig {
        scenarios: Vec::new(),
        ..small()
    };
    let (_, truth) = run(&cfg);
    assert!(truth.insiders.is_empty());
}

#[test]
fn the_smallest_config_plays_every_scenario() {
    let cfg = SimConfig {
        employees: 40,
        customers: 200,
        sellers: 10,
        days: 3,
        history_days: 5,
        ..SimConfig::default()
    };
    let (out, truth) = run(&cfg);
    let text = String::from_utf8(out).expect("utf-8");
    for line in text.lines() {
        parse_event(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    }
    assert_eq!(truth.employees, 40);
    let scenarios: BTreeSet<&str> = truth.insiders.iter().map(|i| i.scenario.as_str()).collect();
    // Reactivation needs a banned seller, which ten sellers may not have.
    assert!(scenarios.len() >= 6, "{scenarios:?}");
}
