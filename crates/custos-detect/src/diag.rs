//! SCRATCH diagnostics (to delete).
use crate::access;
use crate::config::DetectConfig;
use crate::world::World;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Default, Debug)]
struct S {
    role: String,
    acc: u64,
    viol: BTreeMap<&'static str, u64>,
    unexpl: BTreeSet<u32>,
    mal_viol: u64,
    mal_ok: u64,
    days: BTreeMap<i64, (u64, u64)>,
    malv: BTreeMap<String, u64>,
}

#[test]
#[ignore]
fn diag() {
    let g = |k: &str, d: f64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let mut sc = custos_sim::SimConfig {
        employees: g("EMP", 150.0) as usize,
        days: g("DAYS", 14.0) as u32,
        seed: g("SEED", 3.0) as u64,
        ..Default::default()
    };
    sc.insider.intensity = g("INT", 8.0);
    sc.insider.cover = g("COVER", 0.5);
    let mut buf = Vec::new();
    let truth = custos_sim::simulate(&sc, &mut buf).unwrap();
    let text = String::from_utf8(buf).unwrap();
    let cfg = DetectConfig::default();
    let mut w = World::default();
    let mut st: BTreeMap<String, S> = BTreeMap::new();
    let ins: BTreeMap<String, (String, BTreeSet<String>, Option<f64>, Option<f64>)> = truth
        .insiders
        .iter()
        .map(|i| {
            (
                i.employee.clone(),
                (
                    i.scenario.clone(),
                    i.customers.iter().cloned().collect(),
                    i.intensity,
                    i.cover,
                ),
            )
        })
        .collect();
    for l in text.lines() {
        let ev = custos_core::parse_event(l).unwrap();
        let t = ev.time.millis();
        let day = ev.time.day();
        if w.start.is_none() {
            w.start = Some(t);
            w.day = day;
        }
        if t > w.now {
            w.now = t;
        }
        if day > w.day {
            w.roll_day(day, &cfg);
        }
        w.apply_before(&ev, &cfg);
        let a = access::analyze(&mut w, &ev, &cfg);
        if let Some(a) = &a {
            w.record_access(a);
            let name = w.emp_name(a.emp).to_string();
            let s = st.entry(name.clone()).or_default();
            s.role = ev.actor.role.clone().unwrap_or_default();
            s.acc += 1;
            let d = s.days.entry(day).or_default();
            d.0 += 1;
            if a.verdict.is_violation() {
                *s.viol.entry(a.verdict.as_str()).or_default() += 1;
                d.1 += 1;
            }
            if !a.incidental_hits() && !a.legal_ok {
                for (&c, &ok) in a.customers.iter().zip(&a.explained) {
                    if !ok {
                        s.unexpl.insert(c);
                    }
                }
            }
            if let Some(i) = ins.get(&name) {
                let mal = ev
                    .disclosed_customers()
                    .iter()
                    .any(|c| i.1.contains(&c.to_string()));
                if mal {
                    let ex = a.explained.iter().filter(|&&x| x).count();
                    *s.malv
                        .entry(format!(
                            "{:?}:{}{}",
                            a.kind,
                            a.verdict.as_str(),
                            if ex > 0 { "+EX" } else { "" }
                        ))
                        .or_default() += 1;
                }
                if mal && a.kind == access::AccessKind::View {
                    if a.verdict.is_violation() {
                        s.mal_viol += 1
                    } else {
                        s.mal_ok += 1
                    }
                }
            }
        }
        w.apply_after(&ev);
    }
    for i in &truth.insiders {
        let Some(s) = st.get(&i.employee) else {
            continue;
        };
        let ncust = w.cust.len() as f64;
        for sel in &i.sellers {
            let Some(si) = w.sellers.get(sel) else {
                continue;
            };
            let (mut kr, mut kb) = (0, 0);
            for &c in &s.unexpl {
                if let Some(r) = w.cust[c as usize].rel.iter().find(|r| r.0 == si) {
                    kb += 1;
                    if r.1 & crate::world::REVIEWED != 0 {
                        kr += 1;
                    }
                }
            }
            let x = &w.sel[si as usize];
            println!(
                "INS {} {} {:?} {sel}: n={} k_rev={kr} k_rel={kb} share_rev={:.4} share_rel={:.4}",
                i.employee,
                i.scenario,
                s.malv,
                s.unexpl.len(),
                x.reviewers as f64 / ncust,
                x.related as f64 / ncust
            );
        }
    }
    for (e, s) in &st {
        let tag = ins
            .get(e)
            .map(|i| {
                format!(
                    "{} int={:.1} cov={:.2}",
                    i.0,
                    i.2.unwrap_or(0.0),
                    i.3.unwrap_or(0.0)
                )
            })
            .unwrap_or_default();
        let nv: u64 = s.viol.values().sum();
        let maxday = s.days.values().map(|d| d.1).max().unwrap_or(0);
        if !tag.is_empty() || nv as f64 > 0.03 * s.acc as f64 || std::env::var("ALL").is_ok() {
            println!("{e} {:<20} acc={:5} viol={:3} ({:.3}) maxday={maxday} unexpl={} {:?} mal_viol={} mal_ok={} {tag}", s.role, s.acc, nv, nv as f64 / s.acc.max(1) as f64, s.unexpl.len(), s.viol, s.mal_viol, s.mal_ok);
        }
    }
}

fn sim(seed: u64, emp: usize, days: u32) -> (Vec<custos_core::Event>, custos_sim::Truth) {
    let g = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<f64>().ok());
    let mut sc = custos_sim::SimConfig {
        employees: emp,
        days,
        seed,
        ..Default::default()
    };
    if let Some(x) = g("INT") {
        sc.insider.intensity = x;
    }
    if let Some(x) = g("COVER") {
        sc.insider.cover = x;
    }
    if std::env::var("FIXED").is_ok() {
        sc.randomize_insiders = false;
    }
    let mut buf = Vec::new();
    let truth = custos_sim::simulate(&sc, &mut buf).unwrap();
    let text = String::from_utf8(buf).unwrap();
    (
        text.lines()
            .map(|l| custos_core::parse_event(l).unwrap())
            .collect(),
        truth,
    )
}

fn adj_p(a: &crate::Alert) -> Option<f64> {
    let x = &a.explain;
    if let Some(p) = x["log10_p_adjusted"].as_f64() {
        return Some(p);
    }
    if let Some(p) = x["p_adjusted"].as_f64() {
        return Some(p.max(1e-300).log10());
    }
    x["log10_p"].as_f64()
}

#[test]
#[ignore]
fn diag2() {
    let g = |k: &str, d: f64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let cfg: DetectConfig = match std::env::var("CFG") {
        Ok(p) => serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap(),
        Err(_) => DetectConfig::default(),
    };
    let seeds: Vec<u64> = std::env::var("SEEDS")
        .unwrap_or("1,2,3".into())
        .split(',')
        .map(|s| s.parse().unwrap())
        .collect();
    let mut honest: BTreeMap<String, Vec<(f64, String)>> = BTreeMap::new();
    for seed in seeds {
        let (events, truth) = sim(seed, g("EMP", 150.0) as usize, g("DAYS", 14.0) as u32);
        let mut eng = crate::Engine::new(cfg.clone());
        let mut best: BTreeMap<(String, String), f64> = BTreeMap::new();
        for e in &events {
            for a in eng.observe(e) {
                if let Some(p) = adj_p(&a) {
                    let k = (a.employee.clone(), a.detector.clone());
                    let b = best.entry(k).or_insert(0.0);
                    if p < *b {
                        *b = p;
                    }
                }
            }
        }
        let ins: BTreeMap<&str, &custos_sim::InsiderTruth> = truth
            .insiders
            .iter()
            .map(|i| (i.employee.as_str(), i))
            .collect();
        for i in &truth.insiders {
            let mine: Vec<String> = best
                .iter()
                .filter(|(k, _)| k.0 == i.employee)
                .map(|(k, p)| format!("{}={:.1}", k.1, p))
                .collect();
            println!(
                "s{seed} INS {} {:<16} int={:5.1} cov={:.2} ev={:4} | {}",
                i.employee,
                i.scenario,
                i.intensity.unwrap_or(0.0),
                i.cover.unwrap_or(0.0),
                i.events.unwrap_or(0),
                mine.join(" ")
            );
        }
        for ((e, d), p) in &best {
            if !ins.contains_key(e.as_str()) {
                honest
                    .entry(d.clone())
                    .or_default()
                    .push((*p, format!("s{seed} {e}")));
            }
        }
    }
    for (d, mut v) in honest {
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
        let top: Vec<String> = v
            .iter()
            .take(6)
            .map(|x| format!("{:.1}({})", x.0, x.1))
            .collect();
        println!("HONEST {d}: n={} best: {}", v.len(), top.join(" "));
    }
}
