//! The records the store answers with, besides the per-event rows.

use crate::rows::AccountStatus;
use custos_core::Timestamp;

/// A half-open window of event time, `[from, to)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TimeWindow {
    pub from: Timestamp,
    pub to: Timestamp,
}

impl TimeWindow {
    /// Every time.
    pub const ALL: TimeWindow = TimeWindow {
        from: Timestamp(i64::MIN),
        to: Timestamp(i64::MAX),
    };

    pub fn new(from: Timestamp, to: Timestamp) -> TimeWindow {
        TimeWindow { from, to }
    }

    /// From `from` on, open-ended.
    pub fn since(from: Timestamp) -> TimeWindow {
        TimeWindow {
            from,
            to: Timestamp(i64::MAX),
        }
    }

    /// From the beginning up to, not including, `to`.
    pub fn until(to: Timestamp) -> TimeWindow {
        TimeWindow {
            from: Timestamp(i64::MIN),
            to,
        }
    }

    pub fn contains(self, t: Timestamp) -> bool {
        self.from <= t && t < self.to
    }
}

/// The ledger state the store reflects: how many entries are indexed and
/// the root hash (hex) of the ledger tree of that size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerHead {
    pub size: u64,
    pub root_hash: String,
}

/// Where an already stored event id sits, for idempotent ingest: the same
/// id with the same leaf hash is a duplicate, with another leaf hash an
/// error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seen {
    pub index: u64,
    pub leaf_hash: [u8; 32],
}

/// A product review, as the marketplace facts describe it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Review {
    pub id: String,
    /// Unknown (None) when only a deletion of the review has been seen.
    pub customer: Option<String>,
    pub seller: Option<String>,
    pub product: Option<String>,
    pub rating: Option<i64>,
    pub created: Option<Timestamp>,
    /// Set while the review is deleted; cleared by `review.restore`.
    pub deleted: Option<ReviewDeletion>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewDeletion {
    pub time: Timestamp,
    pub by: String,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Order {
    pub id: String,
    pub customer: String,
    pub seller: Option<String>,
    pub product: Option<String>,
    pub time: Timestamp,
}

/// How a customer relates to a seller: reviews written and orders placed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Relation {
    pub customer: String,
    pub seller: String,
    pub reviews: u64,
    pub orders: u64,
    /// The lowest rating among the customer's reviews of the seller.
    pub min_rating: Option<i64>,
    pub first: Timestamp,
    pub last: Timestamp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TicketStatus {
    Open,
    Closed,
}

/// A support ticket. Fields are `None` when the event that sets them has
/// not been seen (an assignment may be indexed before the opening).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ticket {
    pub id: String,
    pub opened: Option<Timestamp>,
    pub opener: Option<String>,
    pub customer: Option<String>,
    pub seller: Option<String>,
    pub kind: Option<String>,
    pub assignee: Option<String>,
    pub assigned: Option<Timestamp>,
    pub assigned_by: Option<String>,
    pub closed: Option<Timestamp>,
    pub closed_by: Option<String>,
    pub resolution: Option<String>,
}

impl Ticket {
    /// Closed once closed, until assigned again: the event format has no
    /// reopening, so an assignment after the last close is one (a case
    /// the front line closed, picked up days later by an investigator).
    pub fn status(&self) -> TicketStatus {
        match (self.closed, self.assigned) {
            (Some(closed), Some(assigned)) if assigned > closed => TicketStatus::Open,
            (Some(_), _) => TicketStatus::Closed,
            (None, _) => TicketStatus::Open,
        }
    }
}

/// A seller or customer account's standing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    /// `seller` or `customer`.
    pub kind: String,
    pub status: AccountStatus,
    /// The latest ban or suspension, kept after a reactivation.
    pub restriction: Option<Restriction>,
    /// The latest reactivation.
    pub reactivation: Option<Reactivation>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Restriction {
    pub status: AccountStatus,
    pub reason: Option<String>,
    pub by: String,
    pub time: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reactivation {
    pub by: String,
    pub appeal: Option<String>,
    pub time: Timestamp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EmployeeStatus {
    Active,
    Left,
    /// Barred from acting for now (`employee.change` with
    /// `attrs.status` `suspended`); `active` lifts it.
    Suspended,
}

impl EmployeeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EmployeeStatus::Active => "active",
            EmployeeStatus::Left => "left",
            EmployeeStatus::Suspended => "suspended",
        }
    }

    pub fn parse(s: &str) -> Option<EmployeeStatus> {
        match s {
            "active" => Some(EmployeeStatus::Active),
            "left" => Some(EmployeeStatus::Left),
            "suspended" => Some(EmployeeStatus::Suspended),
            _ => None,
        }
    }
}

/// An employee, from HR facts, else from what their own events state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Employee {
    pub id: String,
    pub role: Option<String>,
    pub team: Option<String>,
    pub site: Option<String>,
    pub status: EmployeeStatus,
    pub hired: Option<Timestamp>,
    pub left: Option<Timestamp>,
    pub leave_reason: Option<String>,
    /// Whether any HR fact (hire, change, leave) has been seen; when not,
    /// role, team and site come from the employee's own events.
    pub from_hr: bool,
    /// Time of the first event that made the employee known.
    pub first_seen: Timestamp,
}

/// An alert as other crates store it; the store interprets only the
/// columns it filters on and keeps `json` as it is.
#[derive(Clone, Debug, PartialEq)]
pub struct AlertRow {
    pub id: String,
    pub time: Timestamp,
    pub employee: String,
    pub detector: String,
    pub severity: String,
    pub score: f64,
    pub json: String,
}

/// Which alerts to list; every `None` matches all. Results are ordered by
/// time, then id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlertFilter {
    pub employee: Option<String>,
    pub detector: Option<String>,
    pub window: TimeWindow,
    pub limit: Option<usize>,
}

impl Default for AlertFilter {
    fn default() -> Self {
        AlertFilter {
            employee: None,
            detector: None,
            window: TimeWindow::ALL,
            limit: None,
        }
    }
}
