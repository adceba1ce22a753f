//! Disclosure volume: how many customer records were disclosed to each
//! employee per UTC day, counted at ingest so that "how much did `e` see
//! in this window" costs one short range read instead of a scan of `e`'s
//! disclosures (leak attribution asks it for thousands of employees).

use crate::model::TimeWindow;
use crate::rows::DisclosureRow;
use custos_core::Timestamp;
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

const DAY_MS: i64 = 86_400_000;

/// The UTC day (days since the Unix epoch) of a time.
pub fn day_of(t: Timestamp) -> i64 {
    t.0.div_euclid(DAY_MS)
}

/// The whole UTC days a window touches, as a half-open range of days.
pub fn days_touched(w: TimeWindow) -> Range<i64> {
    let end = if w.to.0 == i64::MAX {
        i64::MAX
    } else {
        // The last millisecond inside the window is `to - 1`.
        day_of(Timestamp(w.to.0.saturating_sub(1))).saturating_add(1)
    };
    day_of(w.from)..end
}

/// The window of event time that `days` spans.
pub fn window_of_days(days: &Range<i64>) -> TimeWindow {
    let at = |d: i64| {
        if d == i64::MAX {
            Timestamp(i64::MAX)
        } else {
            Timestamp(d.saturating_mul(DAY_MS))
        }
    };
    TimeWindow::new(at(days.start), at(days.end))
}

/// Whether a window starts and ends on UTC midnights (or is unbounded),
/// so that counts over [`days_touched`] are counts over the window.
pub fn whole_days(w: TimeWindow) -> bool {
    (w.from.0 == i64::MIN || w.from.0.rem_euclid(DAY_MS) == 0)
        && (w.to.0 == i64::MAX || w.to.0.rem_euclid(DAY_MS) == 0)
}

/// Disclosure records (rows, a customer shown twice counts twice) over a
/// range of whole UTC days.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DisclosureVolume {
    /// Each employee asked about: disclosures to them (0 when none).
    pub by_employee: HashMap<String, u64>,
    /// Disclosures to anyone.
    pub total: u64,
    /// Employees with at least one disclosure.
    pub employees: u64,
}

/// Disclosures per (employee, day), and per day.
pub(crate) type DayCounts<'a> = (BTreeMap<(&'a str, i64), i64>, BTreeMap<i64, i64>);

/// The per-(employee, day) and per-day counts a batch's disclosures add;
/// what a backend upserts at ingest.
pub(crate) fn day_counts<'a>(
    disclosures: impl IntoIterator<Item = &'a DisclosureRow>,
) -> DayCounts<'a> {
    let mut by_employee: BTreeMap<(&str, i64), i64> = BTreeMap::new();
    let mut by_day: BTreeMap<i64, i64> = BTreeMap::new();
    for d in disclosures {
        let day = day_of(d.time);
        *by_employee.entry((d.employee.as_str(), day)).or_default() += 1;
        *by_day.entry(day).or_default() += 1;
    }
    (by_employee, by_day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_utc_and_floor_before_the_epoch() {
        assert_eq!(day_of(Timestamp(0)), 0);
        assert_eq!(day_of(Timestamp(DAY_MS - 1)), 0);
        assert_eq!(day_of(Timestamp(-1)), -1);
        assert_eq!(
            days_touched(TimeWindow::new(Timestamp(0), Timestamp(DAY_MS))),
            0..1
        );
        assert_eq!(
            days_touched(TimeWindow::new(Timestamp(5), Timestamp(DAY_MS + 1))),
            0..2
        );
        assert_eq!(
            days_touched(TimeWindow::ALL),
            day_of(Timestamp(i64::MIN))..i64::MAX
        );
        assert!(whole_days(TimeWindow::ALL));
        assert!(whole_days(TimeWindow::new(
            Timestamp(-DAY_MS),
            Timestamp(DAY_MS)
        )));
        assert!(!whole_days(TimeWindow::new(
            Timestamp(5),
            Timestamp(DAY_MS)
        )));
        assert_eq!(
            window_of_days(&(0..1)),
            TimeWindow::new(Timestamp(0), Timestamp(DAY_MS))
        );
    }
}
