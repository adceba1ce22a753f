//! The cross-partition aggregates that detection on a partition hands to
//! the shared store and the cross-partition pass reads back: the types
//! both sides share (`custos-detect` and `custos-store` re-export them).

/// Evidence that `seller` benefited from `employee` on `day`: the
/// strongest of that day's signals of one kind.
#[derive(Clone, Debug, PartialEq)]
pub struct SellerSignal {
    pub seller: String,
    pub employee: String,
    /// `data_access`, `review_deletion` or `reactivation`.
    pub kind: String,
    /// Days since the Unix epoch (UTC).
    pub day: i64,
    /// Whether the signal was strong on its own (its detector alerted).
    pub strong: bool,
    /// The smallest single-seller `log10 p` of the day (0 when none).
    pub log10_p: f64,
    /// The first event behind it.
    pub event: String,
}

/// How far a partition's detection has come: every day up to `day` is
/// finished, its aggregates final.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    pub day: i64,
    /// Employees and sellers with customers the partition knows (facts
    /// reach every partition, so these agree across partitions).
    pub employees: u64,
    pub sellers: u64,
}
