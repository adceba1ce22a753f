//! Investigations over a simulated marketplace ingested into a real data
//! dir (ledger and SQLite store), checked against what the simulated
//! events themselves say, computed independently here.
#![allow(clippy::unwrap_used)]

use base64::prelude::*;
use custos_core::{parse_event, DataField, Event, Timestamp};
use custos_ingest::{prepare, DataDir, Location, Pipeline};
use custos_investigate::*;
use custos_sim::{SimConfig, Truth};
use custos_store::TimeWindow;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::OnceLock;

struct Fixture {
    dir: PathBuf,
    truth: Truth,
    events: Vec<Event>,
}

/// One simulated marketplace (40 employees, 7 days) for every test.
fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = // One fixture per process: nextest runs every test in a process of its
        // own, and they must not share a data dir.
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("investigate-fixture-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let cfg = SimConfig {
            employees: 40,
            days: 7,
            ..SimConfig::default()
        };
        let mut out = Vec::new();
        let truth = custos_sim::simulate(&cfg, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let mut p = Pipeline::open(&DataDir::new(&dir), "custos.local/test").unwrap();
        let mut events = Vec::new();
        let mut batch = Vec::new();
        for (n, line) in text.lines().enumerate() {
            events.push(parse_event(line).unwrap());
            let loc = Location {
                source: "sim".into(),
                line: n as u64 + 1,
            };
            batch.push(prepare(loc, line).unwrap());
            if batch.len() == 10_000 {
                p.commit(std::mem::take(&mut batch)).unwrap();
            }
        }
        p.commit(batch).unwrap();
        Fixture { dir, truth, events }
    })
}

fn open() -> Pipeline {
    Pipeline::open_read_only(&DataDir::new(&fixture().dir)).unwrap()
}

/// Per customer: (event ids, fields, first, last) of the disclosures to
/// `employees` in `window`, straight from the events.
type Expected = BTreeMap<String, (Vec<String>, BTreeSet<DataField>, Timestamp, Timestamp)>;

fn expected_scope(employees: &[&str], window: TimeWindow) -> Expected {
    let mut out: Expected = BTreeMap::new();
    for e in &fixture().events {
        let Some(emp) = e.employee() else { continue };
        if !employees.contains(&emp) || !window.contains(e.time) {
            continue;
        }
        let mut once = BTreeSet::new();
        for c in e.disclosed_customers() {
            if !once.insert(c) {
                continue;
            }
            let slot = out
                .entry(c.to_owned())
                .or_insert_with(|| (Vec::new(), BTreeSet::new(), e.time, e.time));
            slot.0.push(e.id.0.clone());
            slot.1.extend(e.fields.iter().flatten().copied());
            slot.2 = slot.2.min(e.time);
            slot.3 = slot.3.max(e.time);
        }
    }
    out
}

fn insider_window(i: &custos_sim::InsiderTruth) -> TimeWindow {
    TimeWindow::new(i.start, i.end.plus_millis(1))
}

fn assert_scope_matches(scope: &BreachScope, expected: &Expected) {
    let got: BTreeMap<&str, &ScopeRecord> = scope
        .records
        .iter()
        .map(|r| (r.customer.as_str(), r))
        .collect();
    assert_eq!(
        got.keys().copied().collect::<Vec<_>>(),
        expected.keys().map(String::as_str).collect::<Vec<_>>()
    );
    for (c, (ids, fields, first, last)) in expected {
        let r = got[c.as_str()];
        assert_eq!(&r.events, ids, "{c}");
        assert_eq!(r.accesses as usize, ids.len());
        assert_eq!(r.fields, fields.iter().copied().collect::<Vec<_>>(), "{c}");
        assert_eq!((r.first, r.last), (*first, *last), "{c}");
    }
}

#[test]
fn scope_of_each_insider_is_exactly_their_disclosures() {
    let f = fixture();
    let p = open();
    assert!(!f.truth.insiders.is_empty());
    for insider in &f.truth.insiders {
        for window in [insider_window(insider), TimeWindow::ALL] {
            let q = ScopeQuery::new([insider.employee.clone()], window);
            let scope = breach_scope(p.store(), &q).unwrap();
            assert_scope_matches(&scope, &expected_scope(&[&insider.employee], window));
            let ids: BTreeSet<&str> = scope.records.iter().map(|r| r.customer.as_str()).collect();
            // Review-deletion insiders delete reviews: their truth
            // customers are the reviews' authors, not people they looked up.
            if insider.scenario != "review_deletion" {
                for c in &insider.customers {
                    assert!(ids.contains(c.as_str()), "{} misses {c}", insider.employee);
                }
            }
            assert_eq!(scope.totals.customers, scope.records.len());
            let events: BTreeSet<&str> = scope
                .records
                .iter()
                .flat_map(|r| r.events.iter().map(String::as_str))
                .collect();
            assert_eq!(scope.evidence.len(), events.len());
        }
    }
}

#[test]
fn scope_of_several_employees_is_the_union() {
    let f = fixture();
    let p = open();
    let pair: Vec<&str> = f
        .truth
        .insiders
        .iter()
        .take(2)
        .map(|i| i.employee.as_str())
        .collect();
    let q = ScopeQuery::new(pair.iter().map(|s| s.to_string()), TimeWindow::ALL);
    let scope = breach_scope(p.store(), &q).unwrap();
    assert_scope_matches(&scope, &expected_scope(&pair, TimeWindow::ALL));
    assert!(scope
        .records
        .iter()
        .all(|r| r.employees.iter().all(|e| pair.contains(&e.as_str()))));
    let by_site: u64 = scope.totals.by_site.iter().map(|s| s.accesses).sum();
    assert_eq!(by_site, scope.totals.accesses);
}

#[test]
fn nobody_to_scope_is_an_error() {
    let p = open();
    let q = ScopeQuery::new(Vec::<String>::new(), TimeWindow::ALL);
    assert!(matches!(
        breach_scope(p.store(), &q),
        Err(InvestigateError::NoEmployee)
    ));
}

/// Customers by how many distinct employees were shown them, most first.
fn popular_customers(n: usize) -> Vec<String> {
    let mut who: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for e in &fixture().events {
        if let Some(emp) = e.employee() {
            for c in e.disclosed_customers() {
                who.entry(c).or_default().insert(emp);
            }
        }
    }
    let mut v: Vec<(&str, usize)> = who.into_iter().map(|(c, s)| (c, s.len())).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    v.into_iter().take(n).map(|(c, _)| c.to_owned()).collect()
}

#[test]
fn attribution_ranks_the_insider_first_despite_popular_padding() {
    let f = fixture();
    let p = open();
    let padding = popular_customers(40);
    let mut tried = 0;
    for insider in &f.truth.insiders {
        if insider.scenario == "review_deletion" || insider.customers.len() < 4 {
            continue;
        }
        tried += 1;
        let mut sample = insider.customers.clone();
        sample.extend(padding.iter().cloned());
        let att = attribute(p.store(), &sample, TimeWindow::ALL).unwrap();
        let top = &att.suspects[0];
        assert_eq!(
            top.employee,
            insider.employee,
            "{}: {:?}",
            insider.scenario,
            &att.suspects[..3]
        );
        assert!(top.matched >= insider.customers.len());
        assert_eq!(top.leaked, parse_sample(&sample.join("\n")).len());
        // A leak of a handful of customers drowned in ten times as many
        // popular ones is a weak count signal; the score carries it.
        if insider.customers.len() >= 10 {
            assert!(top.p_value < 1e-6, "{}", top.p_value);
        }
        // Everyone else is judged by a calibrated null: most of them are
        // unremarkable.
        let insiders: BTreeSet<&str> = f
            .truth
            .insiders
            .iter()
            .map(|i| i.employee.as_str())
            .collect();
        let others: Vec<f64> = att
            .suspects
            .iter()
            .filter(|s| !insiders.contains(s.employee.as_str()))
            .map(|s| s.p_value)
            .collect();
        let small = others.iter().filter(|p| **p < 0.01).count();
        assert!(
            small * 10 <= others.len(),
            "{small} of {} innocents at p < 0.01",
            others.len()
        );
        // The padding is explained by many employees, each weakly.
        assert!(att.suspects.len() > 5);
        // The reverse view lists exactly the sample customers they saw.
        let matches =
            sample_matches(p.store(), &insider.employee, &sample, TimeWindow::ALL).unwrap();
        assert_eq!(matches.len(), top.matched);
        for c in &insider.customers {
            assert!(matches.iter().any(|m| &m.customer == c));
        }
    }
    assert!(tried >= 3, "too few insiders to test attribution");
}

#[test]
fn a_disclosed_honeytoken_ranks_its_discloser_first() {
    let f = fixture();
    let p = open();
    let honey: BTreeSet<&str> = f.truth.honeytokens.iter().map(String::as_str).collect();
    let hit = f.events.iter().find_map(|e| {
        let emp = e.employee()?;
        e.disclosed_customers()
            .into_iter()
            .find(|c| honey.contains(c))
            .map(|c| (emp.to_owned(), c.to_owned()))
    });
    let Some((employee, token)) = hit else {
        // The simulation planted no honeytoken anyone opened; the model
        // still flags sample honeytokens, checked below.
        let att = attribute(p.store(), &f.truth.honeytokens, TimeWindow::ALL).unwrap();
        assert_eq!(att.honeytokens.len(), f.truth.honeytokens.len());
        return;
    };
    let mut sample = popular_customers(60);
    sample.push(token.clone());
    let att = attribute(p.store(), &sample, TimeWindow::ALL).unwrap();
    assert!(att.honeytokens.contains(&token));
    assert_eq!(att.suspects[0].employee, employee);
    assert!(att.suspects[0].honeytokens.contains(&token));
}

/// RFC 9162 §2.1.3.2 inclusion verification, written from the RFC with
/// nothing from Custos or tlog_tiles: what any outside verifier does.
fn rfc6962_root_from_path(
    leaf: [u8; 32],
    index: u64,
    size: u64,
    path: &[[u8; 32]],
) -> Option<[u8; 32]> {
    if index >= size {
        return None;
    }
    let node = |l: &[u8; 32], r: &[u8; 32]| -> [u8; 32] {
        let mut h = Sha256::new();
        h.update([1u8]);
        h.update(l);
        h.update(r);
        h.finalize().into()
    };
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = leaf;
    for p in path {
        if sn == 0 {
            return None;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node(p, &r);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    (sn == 0).then_some(r)
}

fn unhex(s: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for i in 0..32 {
        out[i] = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
    }
    out
}

fn small_scope_bundle() -> (Vec<u8>, String) {
    static B: OnceLock<(Vec<u8>, String)> = OnceLock::new();
    B.get_or_init(build_small_scope_bundle).clone()
}

fn build_small_scope_bundle() -> (Vec<u8>, String) {
    let f = fixture();
    let p = open();
    // The smallest insider scope that discloses something.
    let insider = f
        .truth
        .insiders
        .iter()
        .filter(|i| i.scenario != "review_deletion" && !i.customers.is_empty())
        .min_by_key(|i| i.customers.len())
        .unwrap();
    let q = ScopeQuery::new([insider.employee.clone()], insider_window(insider));
    let scope = breach_scope(p.store(), &q).unwrap();
    assert!(!scope.records.is_empty());
    let bundle = ProofBundle::of_scope(p.ledger(), &scope).unwrap();
    (bundle.to_bytes(), p.ledger().verifier_key().to_owned())
}

#[test]
fn a_scope_bundle_verifies_with_custos_and_with_plain_rfc6962() {
    let (bytes, vkey) = small_scope_bundle();
    let r = verify_bundle(&bytes, None);
    assert!(r.ok, "{:?}", r.problems);
    assert_eq!(r.key, "bundle");
    let r = verify_bundle(&bytes, Some(&vkey));
    assert!(r.ok, "{:?}", r.problems);
    assert_eq!(r.kind.as_deref(), Some("breach_scope"));

    // Outside the crate: the checkpoint body's root, then every entry's
    // leaf hash and audit path, with only SHA-256 and the JSON.
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let note = v["checkpoint"].as_str().unwrap();
    let mut lines = note.lines();
    let _origin = lines.next().unwrap();
    let size: u64 = lines.next().unwrap().parse().unwrap();
    let root: [u8; 32] = BASE64_STANDARD
        .decode(lines.next().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    assert_eq!(size, v["tree_size"].as_u64().unwrap());
    for e in v["entries"].as_array().unwrap() {
        let entry = e["entry"].as_str().unwrap();
        let mut h = Sha256::new();
        h.update([0u8]);
        h.update(entry.as_bytes());
        let leaf: [u8; 32] = h.finalize().into();
        assert_eq!(leaf, unhex(e["leaf_hash"].as_str().unwrap()));
        let path: Vec<[u8; 32]> = e["proof"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| unhex(h.as_str().unwrap()))
            .collect();
        let index = e["index"].as_u64().unwrap();
        assert_eq!(rfc6962_root_from_path(leaf, index, size, &path), Some(root));
    }
}

#[test]
fn any_changed_byte_of_a_bundle_fails_verification() {
    let (bytes, vkey) = small_scope_bundle();
    assert!(bytes.len() > 1000);
    let mut silent = Vec::new();
    for pos in 0..bytes.len() {
        for flip in [0x01u8, 0x20] {
            let mut t = bytes.clone();
            t[pos] ^= flip;
            if verify_bundle(&t, None).ok || verify_bundle(&t, Some(&vkey)).ok {
                silent.push((pos, flip));
            }
        }
    }
    assert!(silent.is_empty(), "silent passes at {silent:?}");
}

#[test]
fn a_bundle_fails_with_another_key_and_names_why() {
    let (bytes, vkey) = small_scope_bundle();
    // A log of the same name with another key.
    let dir = tempfile::tempdir().unwrap();
    let other = {
        let mut p = Pipeline::open(&DataDir::new(dir.path()), "custos.local/test").unwrap();
        let line = r#"{"id":"x","time":"2026-03-01T00:00:00Z","actor":{"type":"system","id":"s"},"action":"honeytoken.plant","target":{"type":"customer","id":"cus-x"}}"#;
        p.commit(vec![prepare(
            Location {
                source: "t".into(),
                line: 1,
            },
            line,
        )
        .unwrap()])
            .unwrap();
        p.ledger().verifier_key().to_owned()
    };
    assert_ne!(other, vkey);
    let r = verify_bundle(&bytes, Some(&other));
    assert!(!r.ok);
    assert!(
        r.problems
            .iter()
            .any(|p| p.contains("checkpoint is not signed")),
        "{:?}",
        r.problems
    );
}

#[test]
fn a_bundle_whose_records_lie_fails_even_when_rehashed() {
    let (bytes, _) = small_scope_bundle();
    let mut b: ProofBundle = serde_json::from_slice(&bytes).unwrap();
    let Claim::BreachScope(c) = &mut b.claim else {
        panic!()
    };
    c.records.pop();
    // Recompute the digest as a forger would: the records still fail.
    let zeroed = ProofBundle {
        digest: HexHash::default(),
        ..b.clone()
    };
    b.digest = HexHash(Sha256::digest(zeroed.to_bytes()).into());
    let r = verify_bundle(&b.to_bytes(), None);
    assert!(!r.ok);
    assert!(
        r.problems
            .iter()
            .any(|p| p.contains("entries imply") || p.contains("discloses nothing")),
        "{:?}",
        r.problems
    );
}

#[test]
fn access_report_lists_every_disclosure_with_proofs() {
    let f = fixture();
    let p = open();
    let key = PseudonymKey::from_bytes([9; 32]);
    // A customer several employees were shown.
    let customer = popular_customers(1).remove(0);
    let expected: Vec<&Event> = f
        .events
        .iter()
        .filter(|e| e.disclosed_customers().contains(&customer.as_str()))
        .collect();
    let report =
        customer_accesses(p.ledger(), p.store(), &key, &customer, TimeWindow::ALL).unwrap();
    assert_eq!(report.accesses.len(), expected.len());
    let cp = p.ledger().checkpoint();
    for (a, e) in report.accesses.iter().zip(&expected) {
        assert_eq!(a.access.event, e.id.0);
        assert_eq!(a.access.time, e.time);
        assert_eq!(a.access.action, e.action.as_str());
        assert_eq!(a.access.role, e.actor.role);
        assert_eq!(a.access.employee, key.pseudonym(&e.actor.id));
        assert_eq!(a.access.outcome, "allowed");
        assert_eq!(
            a.access.purpose_ticket,
            e.purpose.as_ref().and_then(|p| p.ticket.clone())
        );
        let leaf = custos_ledger::Hash(unhex(&a.leaf_hash));
        let proof: Vec<custos_ledger::Hash> = a
            .proof
            .iter()
            .map(|h| custos_ledger::Hash(unhex(h)))
            .collect();
        custos_ledger::verify_inclusion(&leaf, a.index, cp.size, &cp.root, &proof).unwrap();
        let entry = custos_core::canonical::event_entry(e);
        assert_eq!(custos_ledger::leaf_hash(&entry), leaf);
    }
    // The customer-facing report names no employee.
    let json = serde_json::to_string(&report).unwrap();
    for e in &expected {
        assert!(!json.contains(&format!("\"{}\"", e.actor.id)));
    }

    // The auditor's bundle verifies, and a swapped pseudonym does not.
    let records = access_records(p.store(), &key, &customer, TimeWindow::ALL).unwrap();
    let bundle =
        ProofBundle::of_accesses(p.ledger(), &customer, TimeWindow::ALL, &records).unwrap();
    let r = verify_bundle(&bundle.to_bytes(), None);
    assert!(r.ok, "{:?}", r.problems);
    assert_eq!(r.kind.as_deref(), Some("access_report"));
    let mut forged = bundle.clone();
    let Claim::AccessReport(c) = &mut forged.claim else {
        panic!()
    };
    let distinct: BTreeSet<&String> = c.records.iter().map(|r| &r.employee).collect();
    assert!(distinct.len() > 1, "need two employees");
    let other = c
        .records
        .iter()
        .find(|r| r.employee != c.records[0].employee)
        .unwrap()
        .employee
        .clone();
    c.records[0].employee = other;
    let zeroed = ProofBundle {
        digest: HexHash::default(),
        ..forged.clone()
    };
    forged.digest = HexHash(Sha256::digest(zeroed.to_bytes()).into());
    let r = verify_bundle(&forged.to_bytes(), None);
    assert!(!r.ok);
}

mod tamper_prop {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]
        #[test]
        fn any_replaced_byte_fails(pos in any::<proptest::sample::Index>(), byte in any::<u8>()) {
            let (bytes, _) = small_scope_bundle();
            let i = pos.index(bytes.len());
            prop_assume!(bytes[i] != byte);
            let mut t = bytes.clone();
            t[i] = byte;
            prop_assert!(!verify_bundle(&t, None).ok, "passed with byte {i} set to {byte:#x}");
        }
    }
}
