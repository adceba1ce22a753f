//! Shared helpers: event streams for the engine's laws.

#![allow(dead_code)]

use custos_core::{parse_event, parse_event_value, Event};
use custos_sim::{SimConfig, Truth};
use serde_json::json;

/// A small simulated marketplace, parsed.
pub fn simulated(
    employees: usize,
    customers: usize,
    sellers: usize,
    days: u32,
    seed: u64,
) -> (Vec<Event>, Truth) {
    let cfg = SimConfig {
        employees,
        customers,
        sellers,
        days,
        seed,
        ..SimConfig::default()
    };
    let mut buf = Vec::new();
    let truth = custos_sim::simulate(&cfg, &mut buf).expect("simulation runs");
    let text = String::from_utf8(buf).expect("utf-8");
    let events = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| parse_event(l).expect("simulated events are valid"))
        .collect();
    (events, truth)
}

/// A tiny deterministic pseudo-random generator (SplitMix64).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A random, time-sorted stream exercising every detector: reviews,
/// orders, tickets, assignments, views with and without purposes,
/// searches, exports, deletions, bans, reactivations, HR events and
/// honeytokens, over a few days.
pub fn random_stream(seed: u64, n: usize) -> Vec<Event> {
    let mut r = Rng(seed);
    let mut t: i64 = 1_767_600_000_000;
    let mut out = Vec::with_capacity(n);
    let emps = 6u64;
    let custs = 60u64;
    let sellers = 5u64;
    for i in 0..n {
        t += (r.below(40) as i64 + 1) * 60_000;
        let emp = format!("emp-{}", r.below(emps));
        let cus = format!("cus-{}", r.below(custs));
        let sel = format!("sel-{}", r.below(sellers));
        let tkt = format!("tkt-{}", r.below(40));
        let e = json!({"type": "employee", "id": emp, "role": if r.below(2) == 0 { "cs-agent" } else { "moderator" }, "team": "t-1"});
        let purpose = match r.below(5) {
            0 => json!({"code": "customer_request"}),
            1 => json!({"code": "break_glass", "reason": "x"}),
            _ => json!({"ticket": tkt, "code": "customer_request"}),
        };
        let kind = ["order_issue", "review_dispute", "appeal", "account"][r.below(4) as usize];
        let reason = ["fraud", "policy", "review_manipulation"][r.below(3) as usize];
        let hr = ["employee.hire", "employee.leave"][r.below(2) as usize];
        let v = match r.below(16) {
            0 => json!({"actor": {"type": "customer", "id": cus}, "action": "review.create",
                "target": {"type": "review", "id": format!("rev-{}", r.below(80))},
                "attrs": {"seller": sel, "rating": r.below(5) + 1}}),
            1 => json!({"actor": {"type": "customer", "id": cus}, "action": "order.create",
                "target": {"type": "order", "id": format!("ord-{i}")}, "attrs": {"seller": sel}}),
            2 => json!({"actor": {"type": "customer", "id": cus}, "action": "ticket.open",
                "target": {"type": "ticket", "id": tkt},
                "attrs": {"customer": cus, "seller": sel, "kind": kind}}),
            3 => {
                json!({"actor": e, "action": "ticket.assign", "target": {"type": "ticket", "id": tkt}})
            }
            4 => {
                json!({"actor": {"type": "system", "id": "s"}, "action": "ticket.close", "target": {"type": "ticket", "id": tkt}})
            }
            5 => {
                let hits: Vec<String> = (0..r.below(6) + 1)
                    .map(|_| format!("cus-{}", r.below(custs)))
                    .collect();
                json!({"actor": e, "action": if r.below(3) == 0 { "customer.export" } else { "customer.search" }, "targets": hits, "purpose": purpose})
            }
            6 => {
                json!({"actor": e, "action": "review.delete", "target": {"type": "review", "id": format!("rev-{}", r.below(80))},
                "attrs": {"reason": "abuse"}})
            }
            7 => {
                json!({"actor": {"type": "system", "id": "s"}, "action": "account.ban", "target": {"type": "seller", "id": sel},
                "attrs": {"reason": reason}})
            }
            8 => {
                json!({"actor": e, "action": "account.reactivate", "target": {"type": "seller", "id": sel}})
            }
            9 => json!({"actor": {"type": "system", "id": "hr"}, "action": hr,
                "target": {"type": "employee", "id": emp}, "attrs": {"role": "cs-agent", "team": "t-1", "reason": "resigned"}}),
            10 => {
                json!({"actor": {"type": "system", "id": "s"}, "action": "honeytoken.plant", "target": {"type": "customer", "id": format!("cus-{}", 50 + r.below(10))}})
            }
            11 => {
                json!({"actor": e, "action": "order.view", "target": {"type": "order", "id": "o"}, "attrs": {"customer": cus, "seller": sel}, "purpose": purpose})
            }
            _ => {
                json!({"actor": e, "action": "customer.view", "target": {"type": "customer", "id": cus}, "purpose": purpose})
            }
        };
        let mut v = v;
        v["id"] = json!(format!("ev-{i}"));
        v["time"] = json!(custos_core::Timestamp(t).to_rfc3339());
        out.push(parse_event_value(&v).expect("valid random event"));
    }
    out
}
