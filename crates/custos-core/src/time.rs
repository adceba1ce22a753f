//! Event time: milliseconds since the Unix epoch, in UTC.
//!
//! The ledger entry of an event carries its time as
//! `YYYY-MM-DDTHH:MM:SS.sssZ`, so millisecond precision is what Custos
//! keeps; finer digits in the input are truncated.

use chrono::{DateTime, Datelike, SecondsFormat, Timelike, Utc};
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

    /// Appends [`Timestamp::to_rfc3339`] to `out`. Every ledger entry holds
    /// one, so this fills the digits in place instead of going through a
    /// formatter and a `String`.
    pub fn write_rfc3339(self, out: &mut Vec<u8>) {
        let Some(t) = DateTime::<Utc>::from_timestamp_millis(self.0)
            .filter(|t| (0..=9999).contains(&t.year()))
        else {
            out.extend_from_slice(self.to_rfc3339().as_bytes());
            return;
        };
        let mut text = *b"0000-00-00T00:00:00.000Z";
        put_digits(&mut text[0..4], t.year().unsigned_abs());
        put_digits(&mut text[5..7], t.month());
        put_digits(&mut text[8..10], t.day());
        put_digits(&mut text[11..13], t.hour());
        put_digits(&mut text[14..16], t.minute());
        put_digits(&mut text[17..19], t.second());
        put_digits(&mut text[20..23], t.timestamp_subsec_millis());
        out.extend_from_slice(&text);
    }

    /// Whole days since the epoch (UTC), for daily buckets.
    pub fn day(self) -> i64 {
        self.0.div_euclid(MS_PER_DAY)
    }

    pub fn plus_millis(self, ms: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(ms))
    }
}

/// Writes `n` into `field` in decimal, zero-padded to its width.
fn put_digits(field: &mut [u8], mut n: u32) {
    for d in field.iter_mut().rev() {
        *d = b'0' + (n % 10) as u8;
        n /= 10;
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
    fn write_rfc3339_equals_to_rfc3339() {
        let mut ms = vec![
            0,
            -1,
            1,
            951_782_400_000,     // 2000-02-29
            -62_167_219_200_000, // 0000-01-01
            -62_167_219_200_001, // just before year 0: the slow path
            253_402_300_799_999, // 9999-12-31T23:59:59.999
            253_402_300_800_000, // 10000-01-01: the slow path
            i64::MIN,
            i64::MAX,
        ];
        // A deterministic spread over years 0 to 9999.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            ms.push(-62_167_219_200_000 + (x >> 11) as i64 % 315_569_520_000_000);
        }
        for m in ms {
            let t = Timestamp(m);
            let mut out = b"x".to_vec();
            t.write_rfc3339(&mut out);
            assert_eq!(out[1..], *t.to_rfc3339().as_bytes(), "{m}");
        }
    }

    #[test]
    fn rejects_non_rfc3339() {
        assert!(Timestamp::parse_rfc3339("2026-05-03 09:12:44").is_none());
        assert!(Timestamp::parse_rfc3339("yesterday").is_none());
        assert!(Timestamp::parse_rfc3339("2026-13-03T09:12:44Z").is_none());
    }
}
