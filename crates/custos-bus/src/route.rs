//! Which partition(s) an event goes to. Pure functions: the same event
//! and partition count give the same route on every node and forever.

use custos_core::{Action, ActorType, Event, TargetType};
use sha2::{Digest, Sha256};

/// Where an event is published.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Route {
    /// Everything about one employee: that employee's partition only.
    One(u32),
    /// A marketplace fact: every partition, so that each partition's
    /// detector knows the marketplace. The store applies each fact once.
    All,
}

impl Route {
    /// The partitions of this route, in ascending order.
    pub fn partitions(self, partitions: u32) -> impl Iterator<Item = u32> {
        let (from, to) = match self {
            Route::One(p) => (p, p + 1),
            Route::All => (0, partitions.max(1)),
        };
        from..to
    }
}

/// The partition of an employee among `partitions` (0 is read as 1):
/// the first 8 bytes of SHA-256 of the id's UTF-8 bytes, read as a
/// big-endian `u64`, modulo the partition count.
///
/// This is a contract between publishers and nodes of different
/// versions: changing it would split an employee's history across
/// partitions. Known answers are pinned by the unit tests.
pub fn partition_of(employee: &str, partitions: u32) -> u32 {
    let digest = Sha256::digest(employee.as_bytes());
    let mut head = [0u8; 8];
    head.copy_from_slice(&digest[..8]);
    // The remainder is below `partitions`, a u32, so it fits.
    (u64::from_be_bytes(head) % u64::from(partitions.max(1))) as u32
}

/// The employee an event is about, if any: for the guard's grant of a
/// four-eyes approval, the requester (the approval is theirs to use, and
/// their partition's detectors check their approvals against it);
/// otherwise the actor when an employee acted; otherwise an employee
/// target (the HR facts `employee.*`, or any other action about an
/// employee); otherwise, for Custos's own `custos.access` and
/// `guard.decide`, the person named as actor. `None` for marketplace
/// facts.
pub fn routing_key(e: &Event) -> Option<&str> {
    if e.action == Action::GuardDecide && e.attr_str("decision") == Some("granted") {
        // Read as detection reads it: trimmed, a blank one names nobody.
        if let Some(requester) = e
            .attr_str("requester")
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            return Some(requester);
        }
    }
    if e.actor.kind == ActorType::Employee {
        return Some(&e.actor.id);
    }
    if let Some(id) = e.target_id(TargetType::Employee) {
        return Some(id);
    }
    if matches!(e.action, Action::CustosAccess | Action::GuardDecide) {
        return Some(&e.actor.id);
    }
    None
}

/// The route of an event among `partitions`.
pub fn route(e: &Event, partitions: u32) -> Route {
    match routing_key(e) {
        Some(key) => Route::One(partition_of(key, partitions)),
        None => Route::All,
    }
}

/// The `Nats-Msg-Id` of an event's message on one partition:
/// `<partition>/<event id>`. An id that is not printable ASCII (a header
/// value cannot carry every byte) is replaced by `sha256:<hex of id>`,
/// which is as stable and as unique.
pub fn message_id(partition: u32, event_id: &str) -> String {
    if event_id.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        format!("{partition}/{event_id}")
    } else {
        let digest = Sha256::digest(event_id.as_bytes());
        format!("{partition}/sha256:{}", custos_core::hex(&digest))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use custos_core::parse_event;

    #[test]
    fn partition_of_known_answers() {
        // SHA-256("emp-1") starts 0xb25fcf4275b3c926; these values (computed
        // independently with Python's hashlib) pin
        // the function: a change here breaks every deployed stream.
        let d = Sha256::digest(b"emp-1");
        let head = u64::from_be_bytes(d[..8].try_into().unwrap());
        assert_eq!(head, 0xb25f_cf42_75b3_c926);
        assert_eq!(partition_of("emp-1", 8), (head % 8) as u32);
        let pinned: Vec<u32> = ["emp-1", "emp-2", "emp-1042", "", "émp-ü"]
            .iter()
            .map(|e| partition_of(e, 8))
            .collect();
        assert_eq!(pinned, KNOWN_8);
        assert_eq!(partition_of("emp-1042", 1), 0);
        assert_eq!(partition_of("emp-1042", 0), 0, "0 partitions is read as 1");
        assert_eq!(partition_of("emp-1042", 1000), KNOWN_1042_OF_1000);
    }

    const KNOWN_8: [u32; 5] = [6, 7, 1, 4, 3];
    const KNOWN_1042_OF_1000: u32 = 473;

    #[test]
    fn partition_of_spreads_employees_evenly() {
        let p = 8u32;
        let n = 8000;
        let mut counts = vec![0u32; p as usize];
        for i in 0..n {
            counts[partition_of(&format!("emp-{i}"), p) as usize] += 1;
        }
        // Expected 1000 each; a binomial sd is ~30, allow 5 sd.
        for c in counts {
            assert!((850..=1150).contains(&c), "uneven spread: {c}");
        }
    }

    fn ev(json: &str) -> Event {
        parse_event(json).unwrap()
    }

    #[test]
    fn employee_things_go_to_one_partition_and_facts_to_all() {
        let p = 8;
        let emp = Route::One(partition_of("emp-7", p));
        let view = ev(
            r#"{"id":"a","time":"2026-03-01T00:00:00Z","actor":{"type":"employee","id":"emp-7"},"action":"customer.view","target":{"type":"customer","id":"cus-1"}}"#,
        );
        assert_eq!(route(&view, p), emp);
        let hire = ev(
            r#"{"id":"b","time":"2026-03-01T00:00:00Z","actor":{"type":"system","id":"hr"},"action":"employee.hire","target":{"type":"employee","id":"emp-7"},"attrs":{"role":"cs-agent","team":"t","site":"SZX"}}"#,
        );
        assert_eq!(route(&hire, p), emp);
        let access = ev(
            r#"{"id":"c","time":"2026-03-01T00:00:00Z","actor":{"type":"employee","id":"emp-7"},"action":"custos.access","attrs":{"route":"/v1/alerts"}}"#,
        );
        assert_eq!(route(&access, p), emp);
        let decide = ev(
            r#"{"id":"d","time":"2026-03-01T00:00:00Z","actor":{"type":"employee","id":"emp-7"},"action":"guard.decide","attrs":{"decision":"deny"}}"#,
        );
        assert_eq!(route(&decide, p), emp);
        // A grant goes to the requester's partition, not the approver's.
        let grant = ev(
            r#"{"id":"d2","time":"2026-03-01T00:00:00Z","actor":{"type":"employee","id":"lead-1"},"action":"guard.decide","attrs":{"decision":"granted","requester":"emp-7","approval":"apr-1"}}"#,
        );
        assert_eq!(route(&grant, p), emp);
        assert_ne!(partition_of("lead-1", p), partition_of("emp-7", p));
        // A padded requester is the same person; a blank one is nobody,
        // and the grant goes to its actor's partition as other decisions.
        let padded = ev(
            r#"{"id":"d3","time":"2026-03-01T00:00:00Z","actor":{"type":"employee","id":"lead-1"},"action":"guard.decide","attrs":{"decision":"granted","requester":" emp-7 ","approval":"apr-1"}}"#,
        );
        assert_eq!(route(&padded, p), emp);
        let blank = ev(
            r#"{"id":"d4","time":"2026-03-01T00:00:00Z","actor":{"type":"employee","id":"lead-1"},"action":"guard.decide","attrs":{"decision":"granted","requester":" ","approval":"apr-1"}}"#,
        );
        assert_eq!(route(&blank, p), Route::One(partition_of("lead-1", p)));
        for fact in [
            r#"{"id":"e","time":"2026-03-01T00:00:00Z","actor":{"type":"customer","id":"cus-1"},"action":"review.create","target":{"type":"review","id":"r1"},"attrs":{"seller":"sel-1","rating":5}}"#,
            r#"{"id":"f","time":"2026-03-01T00:00:00Z","actor":{"type":"customer","id":"cus-1"},"action":"order.create","target":{"type":"order","id":"o1"},"attrs":{"seller":"sel-1"}}"#,
            r#"{"id":"g","time":"2026-03-01T00:00:00Z","actor":{"type":"system","id":"sys"},"action":"ticket.close","target":{"type":"ticket","id":"t1"}}"#,
            r#"{"id":"h","time":"2026-03-01T00:00:00Z","actor":{"type":"system","id":"sys"},"action":"account.ban","target":{"type":"seller","id":"sel-1"},"attrs":{"reason":"fraud"}}"#,
            r#"{"id":"i","time":"2026-03-01T00:00:00Z","actor":{"type":"system","id":"sys"},"action":"honeytoken.plant","target":{"type":"customer","id":"cus-9"}}"#,
            r#"{"id":"j","time":"2026-03-01T00:00:00Z","actor":{"type":"seller","id":"sel-1"},"action":"ticket.open","target":{"type":"ticket","id":"t2"},"attrs":{"kind":"appeal"}}"#,
        ] {
            assert_eq!(route(&ev(fact), p), Route::All, "{fact}");
        }
        assert_eq!(Route::All.partitions(3).collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(Route::One(2).partitions(3).collect::<Vec<_>>(), [2]);
    }

    #[test]
    fn message_ids_are_header_safe() {
        assert_eq!(message_id(3, "cs-7f3a-000912"), "3/cs-7f3a-000912");
        let odd = message_id(0, "a\r\nb");
        assert!(odd.starts_with("0/sha256:"), "{odd}");
        assert_eq!(odd.len(), "0/sha256:".len() + 64);
        assert_eq!(odd, message_id(0, "a\r\nb"));
        assert_ne!(odd, message_id(1, "a\r\nb"));
    }
}
