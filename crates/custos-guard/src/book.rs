//! The disclosure book: for each employee, the customers they saw beyond
//! their tickets' scope in the last day, each with the latest time. The
//! quota of a decision is counted here instead of scanning the day's
//! disclosures in the store, so its cost grows with the customers one
//! employee saw outside their tickets today (a few dozen at most for an
//! honest one), not with everything they did.
//!
//! The book is kept in memory: rebuilt from the store when a server
//! starts ([`crate::Guard::warm_book`]), then fed every committed event
//! ([`crate::Guard::observe`]) and every customer-data decision the guard
//! allows. It reads no clock: time comes from events and decisions.

use custos_core::time::{MS_PER_DAY, MS_PER_HOUR};
use custos_core::Timestamp;
use std::collections::HashMap;

/// Records between two sweeps of employees with nothing left in the window.
const SWEEP_EVERY: usize = 1 << 16;

#[derive(Debug, Default)]
pub(crate) struct DisclosureBook {
    /// Employee → customer → latest disclosure beyond scope.
    by_employee: HashMap<String, HashMap<String, Timestamp>>,
    /// The latest time seen; anything a day older than it is forgotten.
    horizon: Option<Timestamp>,
    /// Whether the book holds the store's history (else callers scan).
    pub warm: bool,
    since_sweep: usize,
}

/// The quota counts of a request: `[added, hour, day]` as the schema's
/// `Quota` names them.
pub(crate) type QuotaCounts = [i64; 3];

impl DisclosureBook {
    fn oldest_kept(&self) -> Option<Timestamp> {
        self.horizon.map(|h| h.plus_millis(-MS_PER_DAY))
    }

    /// Notes that `employee` was shown `customer` beyond scope at `time`.
    pub fn record(&mut self, employee: &str, customer: &str, time: Timestamp) {
        if self.horizon.is_none_or(|h| time > h) {
            self.horizon = Some(time);
        }
        if self.oldest_kept().is_some_and(|o| time < o) {
            return;
        }
        let customers = match self.by_employee.get_mut(employee) {
            Some(c) => c,
            None => self.by_employee.entry(employee.to_owned()).or_default(),
        };
        match customers.get_mut(customer) {
            Some(t) if *t < time => *t = time,
            Some(_) => {}
            None => {
                customers.insert(customer.to_owned(), time);
            }
        }
        self.since_sweep += 1;
        if self.since_sweep >= SWEEP_EVERY {
            self.sweep();
        }
    }

    /// Forgets what fell out of the window, so memory follows one day of
    /// activity and not the history.
    fn sweep(&mut self) {
        self.since_sweep = 0;
        let Some(oldest) = self.oldest_kept() else {
            return;
        };
        self.by_employee.retain(|_, customers| {
            customers.retain(|_, t| *t >= oldest);
            !customers.is_empty()
        });
    }

    /// What `beyond` (the customers a request would show beyond ticket
    /// scope) adds to what `employee` saw in the hour and the day before
    /// `now`: the same counts as a scan of the store's disclosures. A
    /// disclosure recorded at a time after `now` counts too: concurrent
    /// requests read the clock before they wait for the book, so one may
    /// find a later one's disclosure already there, and it happened.
    pub fn counts(&self, employee: &str, beyond: &[&str], now: Timestamp) -> QuotaCounts {
        let day_from = now.plus_millis(-MS_PER_DAY);
        let hour_from = now.plus_millis(-MS_PER_HOUR);
        let in_day = |t: Timestamp| t >= day_from;
        let seen = self.by_employee.get(employee);
        let at = |c: &str| seen.and_then(|s| s.get(c)).copied().filter(|t| in_day(*t));
        let (mut day, mut hour) = (0i64, 0i64);
        for t in seen.into_iter().flat_map(|s| s.values()) {
            if in_day(*t) {
                day += 1;
                if *t >= hour_from {
                    hour += 1;
                }
            }
        }
        let added = beyond.iter().filter(|c| at(c).is_none()).count() as i64;
        hour += beyond
            .iter()
            .filter(|c| at(c).is_none_or(|t| t < hour_from))
            .count() as i64;
        [added, hour, day + added]
    }

    /// Customers held for `employee` (for tests and metrics).
    #[cfg(test)]
    pub fn held(&self, employee: &str) -> usize {
        self.by_employee.get(employee).map_or(0, HashMap::len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap_or_else(|| panic!("bad time {s}"))
    }

    #[test]
    fn counts_distinct_customers_in_hour_and_day() {
        let mut b = DisclosureBook::default();
        b.record("e", "c1", t("2026-05-03T09:30:00Z"));
        b.record("e", "c1", t("2026-05-03T08:00:00Z")); // older: keeps 09:30
        b.record("e", "c2", t("2026-05-03T01:00:00Z"));
        b.record("e", "c3", t("2026-05-02T09:00:00Z")); // out of the day
        b.record("other", "c9", t("2026-05-03T09:59:00Z"));
        let now = t("2026-05-03T10:00:00Z");
        // (beyond, [added, hour, day])
        let cases: [(&[&str], QuotaCounts); 5] = [
            (&[], [0, 1, 2]),
            (&["c1"], [0, 1, 2]),
            (&["c2"], [0, 2, 2]),
            (&["c4"], [1, 2, 3]),
            (&["c4", "c3"], [2, 3, 4]),
        ];
        for (beyond, want) in cases {
            assert_eq!(b.counts("e", beyond, now), want, "{beyond:?}");
        }
        assert_eq!(b.counts("nobody", &["c1"], now), [1, 1, 1]);
    }

    #[test]
    fn a_disclosure_recorded_after_the_requests_clock_still_counts() {
        // Two requests read the clock at 10:00:00.000 and .005; the later
        // one took the book first and recorded its customer.
        let mut b = DisclosureBook::default();
        b.record("e", "c1", t("2026-05-03T10:00:00.005Z"));
        let now = t("2026-05-03T10:00:00Z");
        assert_eq!(b.counts("e", &["c2"], now), [1, 2, 2]);
        assert_eq!(b.counts("e", &["c1"], now), [0, 1, 1]);
    }

    #[test]
    fn forgets_what_is_a_day_older_than_the_latest() {
        let mut b = DisclosureBook::default();
        b.record("e", "old", t("2026-05-01T00:00:00Z"));
        b.record("e", "new", t("2026-05-03T00:00:00Z"));
        b.record("e", "older", t("2026-04-30T00:00:00Z")); // ignored
        assert_eq!(b.held("e"), 2);
        b.sweep();
        assert_eq!(b.held("e"), 1);
    }
}
