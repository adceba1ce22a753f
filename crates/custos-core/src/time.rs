//! Event time: milliseconds since the Unix epoch, in UTC.
//!
//! The ledger entry of an event carries its time as
//! `YYYY-MM-DDTHH:MM:SS.sssZ`, so millisecond precision is what Custos
//! keeps; finer digits in the input are truncated.

use chrono::{DateTime, SecondsFormat, Utc};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

pub const MS_PER_HOUR: i64 = 3_600_000;
pub const MS_PER_DAY: i64 = 24 * MS_PER_HOUR;

impl Timestamp {
    /// Parses an RFC 3339 timestamp (any offset) into UTC milliseconds.
    pub fn parse_rfc3339(s: &str) -> Option<Timestamp> {
        let t = DateTime::parse_from_rfc3339(s).ok()?;
        let ms = t.timestamp_millis();
        // Years before 0000 or after 9999 cannot be written back in the
        // four-digit form of the canonical entry.
        let utc = t.with_timezone(&Utc);
        let year = chrono::Datelike::year(&utc);
        if !(0..=9999).contains(&year) {
            return None;
        }
        Some(Timestamp(ms))
    }

    pub fn millis(self) -> i64 {
        self.0
    }

    pub fn from_millis(ms: i64) -> Timestamp {
        Timestamp(ms)
    }

    /// The canonical form: `YYYY-MM-DDTHH:MM:SS.sssZ`.
    pub fn to_rfc3339(self) -> String {
        match DateTime::<Utc>::from_timestamp_millis(self.0) {
            Some(t) => t.to_rfc3339_opts(SecondsFormat::Millis, true),
            None => format!("invalid-time({})", self.0),
        }
    }

    /// Whole days since the epoch (UTC), for daily buckets.
    pub fn day(self) -> i64 {
        self.0.div_euclid(MS_PER_DAY)
    }

    pub fn plus_millis(self, ms: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(ms))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_offsets_and_precision() {
        let t = Timestamp::parse_rfc3339("2026-05-03T11:12:44.120987+02:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-05-03T09:12:44.120Z");
        let t = Timestamp::parse_rfc3339("2026-05-03T09:12:44Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-05-03T09:12:44.000Z");
    }

    #[test]
    fn rejects_non_rfc3339() {
        assert!(Timestamp::parse_rfc3339("2026-05-03 09:12:44").is_none());
        assert!(Timestamp::parse_rfc3339("yesterday").is_none());
        assert!(Timestamp::parse_rfc3339("2026-13-03T09:12:44Z").is_none());
    }
}
