//! The cross-partition pass: reads every partition's aggregates from
//! the shared store, evaluates each day all partitions have finished
//! (`custos_detect::cross`), and stores the alerts and its own state.
//! One runner at a time per deployment (the caller holds a lock); a
//! pass cut short is redone from its stored state and gives the same
//! alerts, since ids are derived from that state.

use crate::detection::alert_row;
use crate::pipeline::IngestError;
use custos_detect::cross::{self, CrossInput, CrossState};
use custos_detect::DetectConfig;
use custos_store::{AlertRow, Store};

/// Where the pass keeps its state, in the store's state table of the
/// ledger it was opened for.
const STATE_KEY: &str = "detect/cross";

/// Days evaluated per read of the aggregates.
const DAYS_PER_READ: i64 = 32;

/// How far back a first pass looks for aggregates.
const FIRST_PASS_DAYS: i64 = 400;

/// What a pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CrossReport {
    /// Days evaluated.
    pub days: u64,
    /// Alerts raised or updated.
    pub alerts: u64,
    /// The last day every partition has finished, if all have reported.
    pub finished: Option<i64>,
}

/// Evaluates the days every one of `partitions` (ledger names) has
/// finished since the last pass.
pub fn cross_pass(
    store: &mut dyn Store,
    cfg: &DetectConfig,
    partitions: &[String],
) -> Result<CrossReport, IngestError> {
    let mut report = CrossReport::default();
    let progress = convert(store.aggregates(0..0)?).progress;
    let Some(last) = cross::finished_by_all(&progress, partitions) else {
        return Ok(report);
    };
    report.finished = Some(last);
    let mut state: CrossState = match store.get_state(STATE_KEY)? {
        Some(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            IngestError::CorruptState(format!("the cross-partition state `{STATE_KEY}` ({e})"))
        })?,
        None => CrossState::default(),
    };
    let mut next = match state.done {
        Some(d) => d + 1,
        None => {
            let back = cross::window(last, cfg).start - last;
            let first = convert(store.aggregates(last - FIRST_PASS_DAYS + back..last + 1)?);
            let days = first.days.iter().map(|x| x.1.day);
            match days.chain(first.signals.iter().map(|x| x.1.day)).min() {
                Some(d) => d,
                None => return Ok(report),
            }
        }
    };
    while next <= last {
        let until = (next + DAYS_PER_READ - 1).min(last);
        let input = convert(store.aggregates(cross::window(next, cfg).start..until + 1)?);
        let mut rows: Vec<AlertRow> = Vec::new();
        for day in next..=until {
            for a in state.evaluate(day, &input, cfg) {
                rows.retain(|r| r.id != a.id);
                rows.push(alert_row(&a));
            }
            report.days += 1;
        }
        report.alerts += rows.len() as u64;
        store.put_alerts(&rows)?;
        // Plain data with string keys: encoding cannot fail.
        let bytes = serde_json::to_vec(&state).unwrap_or_default();
        store.put_state(STATE_KEY, &bytes)?;
        next = until + 1;
    }
    Ok(report)
}

/// The store's rows as the detector's.
fn convert(a: custos_store::Aggregates) -> CrossInput {
    CrossInput {
        days: a
            .days
            .into_iter()
            .map(|(l, d)| {
                (
                    l,
                    cross::EmployeeDay {
                        employee: d.employee,
                        day: d.day,
                        peer_group: d.peer_group,
                        metrics: [d.customers, d.searches, d.exported],
                    },
                )
            })
            .collect(),
        // The same types on both sides (`custos_core::aggregates`).
        signals: a.signals,
        progress: a.progress,
    }
}

/// The detector's collected aggregates as the store's batch.
pub(crate) fn batch(c: cross::Collected) -> custos_store::AggregateBatch {
    custos_store::AggregateBatch {
        days: c
            .days
            .into_iter()
            .map(|d| custos_store::EmployeeDay {
                employee: d.employee,
                day: d.day,
                peer_group: d.peer_group,
                customers: d.metrics[0],
                searches: d.metrics[1],
                exported: d.metrics[2],
            })
            .collect(),
        signals: c.signals,
        progress: c.progress,
    }
}
