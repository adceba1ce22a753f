//! The Custos domain: the event contract (`contract/EVENTS.md`) as Rust
//! types, its validation, and the canonical bytes the ledger hashes.
//!
//! This crate does no I/O and never reads the wall clock: time comes from
//! the events themselves, so replaying the same input gives the same
//! result. Everything that touches disks, networks or databases lives in
//! the crates that depend on this one.

pub mod aggregates;
pub mod canonical;
pub mod event;
pub mod ids;
pub mod taxonomy;
pub mod time;
pub mod validate;

pub use event::{
    Actor, ActorType, AttrValue, DataField, Event, Outcome, Purpose, PurposeCode, Target,
    TargetType,
};
pub use ids::EventId;
pub use taxonomy::Action;
pub use time::Timestamp;
pub use validate::{parse_event, parse_event_value, Rejection};

/// The largest ledger entry (canonical event bytes) the C2SP tlog-tiles
/// entry bundle format can hold: a big-endian `u16` length prefix.
pub const MAX_ENTRY_BYTES: usize = 65_535;

/// Lowercase hex, the form hashes take in JSON output.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 0xf) as usize] as char);
    }
    s
}
