//! Aggregates that detection on one partition leaves in a shared store
//! for the signals no single partition can compute: peer groups that
//! span partitions, and sellers that benefit from employees on several.
//! Small by construction: one row per active employee-day, one per
//! (seller, employee, kind, day) with a signal, one per partition.

/// One employee's finished day of work, as its partition counted it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmployeeDay {
    pub employee: String,
    /// Days since the Unix epoch (UTC).
    pub day: i64,
    /// The peer group (role) the employee belonged to that day.
    pub peer_group: String,
    /// Distinct customers disclosed, searches, customers exported.
    pub customers: u32,
    pub searches: u32,
    pub exported: u32,
}

pub use custos_core::aggregates::{Progress, SellerSignal};

/// What one partition writes after a batch. Rows are upserted: a day
/// replaces the same employee-day, a signal merges with the same
/// (seller, employee, kind, day) (strong if either is, the smaller
/// `log10_p`, the first event), progress only moves forward. Replaying
/// the same events therefore writes the same aggregates.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AggregateBatch {
    pub days: Vec<EmployeeDay>,
    pub signals: Vec<SellerSignal>,
    pub progress: Option<Progress>,
}

impl AggregateBatch {
    pub fn is_empty(&self) -> bool {
        self.days.is_empty() && self.signals.is_empty() && self.progress.is_none()
    }
}

/// Aggregates of every ledger in the store, each row with its ledger's
/// name, ordered by ledger, then day, then key.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Aggregates {
    pub days: Vec<(String, EmployeeDay)>,
    pub signals: Vec<(String, SellerSignal)>,
    pub progress: Vec<(String, Progress)>,
}
