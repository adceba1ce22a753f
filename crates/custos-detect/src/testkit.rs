//! Hand-built event sequences for unit tests.

use crate::{Alert, DetectConfig, Engine};
use custos_core::time::{MS_PER_DAY, MS_PER_HOUR};
use custos_core::{parse_event_value, Event, Timestamp};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// 2026-01-05T08:00:00Z, a Monday.
pub const T0: i64 = 1_767_600_000_000;

pub struct Kit {
    pub engine: Engine,
    pub now: i64,
    n: u64,
    pub alerts: BTreeMap<String, Alert>,
    pub raised: Vec<Alert>,
}

impl Kit {
    pub fn new() -> Kit {
        Kit::with(DetectConfig::default())
    }

    pub fn with(cfg: DetectConfig) -> Kit {
        Kit {
            engine: Engine::new(cfg),
            now: T0,
            n: 0,
            alerts: BTreeMap::new(),
            raised: Vec::new(),
        }
    }

    pub fn hours(&mut self, h: f64) {
        self.now += (h * MS_PER_HOUR as f64) as i64;
    }

    pub fn days(&mut self, d: f64) {
        self.now += (d * MS_PER_DAY as f64) as i64;
    }

    /// Lets `h` hours pass, then sends an event no detector acts on, so
    /// what waits for time (a look-up an act on its review may still
    /// explain) is settled.
    pub fn settle(&mut self, h: f64) -> Vec<Alert> {
        self.hours(h);
        self.send(json!({"actor": Self::sys(), "action": "x.clock"}))
    }

    /// Builds an event at the current time (the clock then moves 1 s).
    pub fn event(&mut self, mut v: Value) -> Event {
        self.n += 1;
        v["id"] = json!(format!("ev-{:06}", self.n));
        v["time"] = json!(Timestamp(self.now).to_rfc3339());
        self.now += 1_000;
        parse_event_value(&v).unwrap_or_else(|e| panic!("bad test event {v}: {e:?}"))
    }

    pub fn send(&mut self, v: Value) -> Vec<Alert> {
        let e = self.event(v);
        let out = self.engine.observe(&e);
        for a in &out {
            if !self.alerts.contains_key(&a.id) {
                self.raised.push(a.clone());
            }
            self.alerts.insert(a.id.clone(), a.clone());
        }
        out
    }

    pub fn alerts_of(&self, detector: &str) -> Vec<Alert> {
        self.alerts
            .values()
            .filter(|a| a.detector == detector)
            .cloned()
            .collect()
    }

    fn sys() -> Value {
        json!({"type": "system", "id": "hr"})
    }

    fn emp(id: &str) -> Value {
        json!({"type": "employee", "id": id})
    }

    pub fn hire(&mut self, emp: &str, role: &str, team: &str) {
        self.send(json!({"actor": Self::sys(), "action": "employee.hire",
            "target": {"type": "employee", "id": emp},
            "attrs": {"role": role, "team": team, "site": "SZX"}}));
    }

    pub fn leave(&mut self, emp: &str, reason: &str) -> Vec<Alert> {
        self.send(json!({"actor": Self::sys(), "action": "employee.leave",
            "target": {"type": "employee", "id": emp}, "attrs": {"reason": reason}}))
    }

    pub fn plant(&mut self, cust: &str) {
        self.send(json!({"actor": Self::sys(), "action": "honeytoken.plant",
            "target": {"type": "customer", "id": cust}}));
    }

    pub fn review(&mut self, id: &str, cust: &str, seller: &str, rating: u32) {
        self.send(
            json!({"actor": {"type": "customer", "id": cust}, "action": "review.create",
            "target": {"type": "review", "id": id},
            "attrs": {"seller": seller, "product": "p-1", "rating": rating}}),
        );
    }

    pub fn order(&mut self, id: &str, cust: &str, seller: &str) {
        self.send(
            json!({"actor": {"type": "customer", "id": cust}, "action": "order.create",
            "target": {"type": "order", "id": id}, "attrs": {"seller": seller, "product": "p-1"}}),
        );
    }

    /// Opens a ticket (by the customer when one is given, else the system).
    pub fn ticket(&mut self, id: &str, kind: &str, cust: Option<&str>, seller: Option<&str>) {
        let actor = match cust {
            Some(c) => json!({"type": "customer", "id": c}),
            None => Self::sys(),
        };
        let mut attrs = json!({"kind": kind});
        if let Some(c) = cust {
            attrs["customer"] = json!(c);
        }
        if let Some(s) = seller {
            attrs["seller"] = json!(s);
        }
        self.send(json!({"actor": actor, "action": "ticket.open",
            "target": {"type": "ticket", "id": id}, "attrs": attrs}));
    }

    pub fn seller_ticket(&mut self, id: &str, kind: &str, seller: &str) {
        self.send(
            json!({"actor": {"type": "seller", "id": seller}, "action": "ticket.open",
            "target": {"type": "ticket", "id": id}, "attrs": {"kind": kind, "seller": seller}}),
        );
    }

    /// A review_dispute the seller opens about one of its reviews.
    pub fn review_dispute(&mut self, id: &str, review: &str, seller: &str) {
        self.send(
            json!({"actor": {"type": "seller", "id": seller}, "action": "ticket.open",
            "target": {"type": "ticket", "id": id},
            "attrs": {"kind": "review_dispute", "review": review, "seller": seller}}),
        );
    }

    /// A report about one review (opened by the system).
    pub fn review_ticket(&mut self, id: &str, review: &str, seller: &str) {
        self.send(json!({"actor": Self::sys(), "action": "ticket.open",
            "target": {"type": "ticket", "id": id},
            "attrs": {"kind": "other", "review": review, "seller": seller}}));
    }

    pub fn assign(&mut self, emp: &str, ticket: &str) {
        self.send(json!({"actor": Self::emp(emp), "action": "ticket.assign",
            "target": {"type": "ticket", "id": ticket}}));
    }

    pub fn close(&mut self, ticket: &str) {
        self.send(json!({"actor": Self::sys(), "action": "ticket.close",
            "target": {"type": "ticket", "id": ticket}, "attrs": {"resolution": "solved"}}));
    }

    /// Employee `emp` closes `ticket` (resolution as a tool would state it).
    pub fn close_by(&mut self, emp: &str, ticket: &str, resolution: &str) {
        self.send(json!({"actor": Self::emp(emp), "action": "ticket.close",
            "target": {"type": "ticket", "id": ticket}, "attrs": {"resolution": resolution}}));
    }

    pub fn view(&mut self, emp: &str, cust: &str, ticket: Option<&str>) -> Vec<Alert> {
        let mut v = json!({"actor": Self::emp(emp), "action": "customer.view",
            "target": {"type": "customer", "id": cust}, "fields": ["name", "email"]});
        if let Some(t) = ticket {
            v["purpose"] = json!({"ticket": t, "code": "customer_request"});
        }
        self.send(v)
    }

    /// An order view without a purpose (the order's customer and seller
    /// in its attrs, as the contract has them).
    pub fn order_view(&mut self, emp: &str, order: &str, cust: &str, seller: &str) -> Vec<Alert> {
        self.send(json!({"actor": Self::emp(emp), "action": "order.view",
            "target": {"type": "order", "id": order},
            "attrs": {"customer": cust, "seller": seller}}))
    }

    pub fn view_purpose(&mut self, emp: &str, cust: &str, purpose: Value) -> Vec<Alert> {
        self.send(json!({"actor": Self::emp(emp), "action": "customer.view",
            "target": {"type": "customer", "id": cust}, "fields": ["name"], "purpose": purpose}))
    }

    pub fn search(&mut self, emp: &str, hits: &[&str], ticket: Option<&str>) -> Vec<Alert> {
        let mut v = json!({"actor": Self::emp(emp), "action": "customer.search",
            "targets": hits, "attrs": {"query": "q"}});
        if let Some(t) = ticket {
            v["purpose"] = json!({"ticket": t, "code": "customer_request"});
        }
        self.send(v)
    }

    pub fn export(&mut self, emp: &str, hits: &[String], purpose: Option<Value>) -> Vec<Alert> {
        let mut v = json!({"actor": Self::emp(emp), "action": "customer.export",
            "targets": hits, "attrs": {"format": "csv"}});
        if let Some(p) = purpose {
            v["purpose"] = p;
        }
        self.send(v)
    }

    pub fn delete_review(
        &mut self,
        emp: &str,
        review: &str,
        reason: &str,
        ticket: Option<&str>,
    ) -> Vec<Alert> {
        let mut v = json!({"actor": Self::emp(emp), "action": "review.delete",
            "target": {"type": "review", "id": review}, "attrs": {"reason": reason}});
        if let Some(t) = ticket {
            v["purpose"] = json!({"ticket": t, "code": "seller_request"});
        }
        self.send(v)
    }

    /// The guard's record of `approver` granting approval `id` to
    /// `requester`.
    pub fn grant(&mut self, approver: &str, requester: &str, id: &str) {
        self.send(
            json!({"actor": Self::emp(approver), "action": "guard.decide",
            "attrs": {"decision": "granted", "request_action": "customer.export",
                "requester": requester, "approval": id}}),
        );
    }

    pub fn ban(&mut self, seller: &str, reason: &str) {
        self.send(json!({"actor": Self::sys(), "action": "account.ban",
            "target": {"type": "seller", "id": seller}, "attrs": {"reason": reason}}));
    }

    pub fn reactivate(&mut self, emp: &str, seller: &str, appeal: Option<&str>) -> Vec<Alert> {
        let mut v = json!({"actor": Self::emp(emp), "action": "account.reactivate",
            "target": {"type": "seller", "id": seller}});
        if let Some(a) = appeal {
            v["attrs"] = json!({"appeal": a});
        }
        self.send(v)
    }
}
