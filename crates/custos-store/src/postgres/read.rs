//! Queries of the PostgreSQL backend and rows of their results into the
//! store's types. Every column is read with `try_get`: a row of an
//! unexpected type is an error, never a panic.

use crate::model::{
    Account, AlertRow, Employee, EmployeeStatus, Order, Reactivation, Relation, Restriction,
    Review, ReviewDeletion, Ticket,
};
use crate::rows::{AccountStatus, DisclosureRow, EventRow, FieldSet};
use crate::{Result, StoreError};
use custos_core::Timestamp;
use postgres::Row;

/// Columns of an `EventRow`, in the order [`event_row`] reads them.
macro_rules! event_columns {
    () => {
        "idx, id, time, actor_type, actor_id, action, target_type, target_id, seller, outcome, \
         purpose_ticket, purpose_code, leaf_hash, entry"
    };
}

/// Columns of a `DisclosureRow`, in the order [`disclosure_row`] reads
/// them.
macro_rules! disclosure_columns {
    () => {
        "idx, position, customer, employee, time, action, fields, purpose_ticket, purpose_code"
    };
}

pub const LEDGER_HEAD: &str = "SELECT size, root_hash FROM ledger_head WHERE ledger = $1";

pub const LOOKUP_IDS: &str =
    "SELECT id, idx, leaf_hash FROM event_ids WHERE ledger = $1 AND id = ANY($2)";

/// The handle's own ledger first, should the id sit in several.
pub const EVENT_BY_ID: &str = concat!(
    "SELECT ",
    event_columns!(),
    " FROM events WHERE id = $1 ORDER BY (ledger = $2) DESC, ledger LIMIT 1"
);

pub const SCAN_EVENTS: &str = concat!(
    "SELECT ",
    event_columns!(),
    " FROM events WHERE ledger = $1 AND idx >= $2 AND idx < $3 ORDER BY idx"
);

pub const SCAN_DISCLOSURES: &str = concat!(
    "SELECT ",
    disclosure_columns!(),
    " FROM disclosures WHERE ledger = $1 AND idx >= $2 AND idx < $3 ORDER BY idx, position"
);

pub const EVENTS_BY_EMPLOYEE: &str = concat!(
    "SELECT ",
    event_columns!(),
    " FROM events WHERE actor_type = 'employee' AND actor_id = $1 AND time >= $2 AND time < $3
      ORDER BY time, idx, ledger LIMIT $4"
);

pub const EVENTS_BY_SELLER: &str = concat!(
    "SELECT ",
    event_columns!(),
    " FROM events WHERE seller = $1 AND time >= $2 AND time < $3
      ORDER BY time, idx, ledger LIMIT $4"
);

pub const DISCLOSURES_BY_EMPLOYEE: &str = concat!(
    "SELECT ",
    disclosure_columns!(),
    " FROM disclosures WHERE employee = $1 AND time >= $2 AND time < $3
      ORDER BY time, idx, position, ledger"
);

pub const DISCLOSURES_BY_CUSTOMER: &str = concat!(
    "SELECT ",
    disclosure_columns!(),
    " FROM disclosures WHERE customer = $1 AND time >= $2 AND time < $3
      ORDER BY time, idx, position, ledger"
);

pub const REVIEW: &str = "SELECT id, customer, seller, product, rating, created_at, deleted_at,
     deleted_by, delete_reason FROM reviews WHERE id = $1";

pub const ORDER: &str = "SELECT id, customer, seller, product, time FROM orders WHERE id = $1";

pub const TICKET: &str = "SELECT id, opened_at, opener, customer, seller, kind, assignee,
     assigned_at, assigned_by, closed_at, closed_by, resolution FROM tickets WHERE id = $1";

pub const ACCOUNT: &str = "SELECT id, kind, status, restricted_status, restricted_reason,
     restricted_by, restricted_at, reactivated_by, reactivated_appeal, reactivated_at
     FROM accounts WHERE id = $1";

macro_rules! employee_columns {
    () => {
        "id, role, team, site, status, hired_at, left_at, leave_reason, from_hr, first_seen"
    };
}

pub const EMPLOYEE: &str = concat!(
    "SELECT ",
    employee_columns!(),
    " FROM employees WHERE id = $1"
);

/// `COLLATE "C"`: the byte order SQLite sorts text in, whatever the
/// database's collation.
pub const EMPLOYEES: &str = concat!(
    "SELECT ",
    employee_columns!(),
    " FROM employees ORDER BY id COLLATE \"C\""
);

macro_rules! relation_columns {
    () => {
        "customer, seller, reviews, orders, min_rating, first_at, last_at"
    };
}

pub const CUSTOMERS_OF_SELLER: &str = concat!(
    "SELECT ",
    relation_columns!(),
    " FROM relations WHERE seller = $1 ORDER BY customer COLLATE \"C\""
);

pub const SELLERS_OF_CUSTOMER: &str = concat!(
    "SELECT ",
    relation_columns!(),
    " FROM relations WHERE customer = $1 ORDER BY seller COLLATE \"C\""
);

pub const IS_HONEYTOKEN: &str = "SELECT 1 FROM honeytokens WHERE customer = $1";

pub const ALERTS: &str = "SELECT id, time, employee, detector, severity, score, json FROM alerts
     WHERE ($1::text IS NULL OR employee = $1) AND ($2::text IS NULL OR detector = $2)
       AND time >= $3 AND time < $4
     ORDER BY time, id COLLATE \"C\" LIMIT $5";

pub const GET_STATE: &str = "SELECT value FROM state WHERE ledger = $1 AND key = $2";

/// Keys starting with `$2`, in byte order whatever the collation.
pub const STATES_WITH_PREFIX: &str = "SELECT key, value FROM state
     WHERE ledger = $1 AND substr(key, 1, char_length($2)) = $2 ORDER BY key COLLATE \"C\"";

fn time(r: &Row, i: usize) -> Result<Timestamp> {
    Ok(Timestamp(r.try_get::<_, i64>(i)?))
}

fn opt_time(r: &Row, i: usize) -> Result<Option<Timestamp>> {
    Ok(r.try_get::<_, Option<i64>>(i)?.map(Timestamp))
}

fn unsigned(v: i64, column: &'static str) -> Result<u64> {
    u64::try_from(v).map_err(|_| StoreError::Corrupt {
        column,
        detail: format!("negative value {v}"),
    })
}

pub fn hash32(bytes: &[u8], column: &'static str) -> Result<[u8; 32]> {
    <[u8; 32]>::try_from(bytes).map_err(|_| StoreError::Corrupt {
        column,
        detail: format!("expected 32 bytes, found {}", bytes.len()),
    })
}

/// Reads the columns of `event_columns!`.
pub fn event_row(r: &Row) -> Result<EventRow> {
    Ok(EventRow {
        index: unsigned(r.try_get(0)?, "events.idx")?,
        id: r.try_get(1)?,
        time: time(r, 2)?,
        actor_type: r.try_get(3)?,
        actor_id: r.try_get(4)?,
        action: r.try_get(5)?,
        target_type: r.try_get(6)?,
        target_id: r.try_get(7)?,
        seller: r.try_get(8)?,
        outcome: r.try_get(9)?,
        purpose_ticket: r.try_get(10)?,
        purpose_code: r.try_get(11)?,
        leaf_hash: hash32(r.try_get(12)?, "events.leaf_hash")?,
        entry: r.try_get(13)?,
    })
}

/// Reads the columns of `disclosure_columns!`.
pub fn disclosure_row(r: &Row) -> Result<DisclosureRow> {
    let position: i32 = r.try_get(1)?;
    let fields: i16 = r.try_get(6)?;
    Ok(DisclosureRow {
        index: unsigned(r.try_get(0)?, "disclosures.idx")?,
        position: u32::try_from(position).map_err(|_| StoreError::Corrupt {
            column: "disclosures.position",
            detail: format!("negative position {position}"),
        })?,
        customer: r.try_get(2)?,
        employee: r.try_get(3)?,
        time: time(r, 4)?,
        action: r.try_get(5)?,
        fields: FieldSet(u8::try_from(fields).map_err(|_| StoreError::Corrupt {
            column: "disclosures.fields",
            detail: format!("{fields} is not a set of data fields"),
        })?),
        purpose_ticket: r.try_get(7)?,
        purpose_code: r.try_get(8)?,
    })
}

pub fn review(r: &Row) -> Result<Review> {
    let deleted_at = opt_time(r, 6)?;
    let deleted_by: Option<String> = r.try_get(7)?;
    Ok(Review {
        id: r.try_get(0)?,
        customer: r.try_get(1)?,
        seller: r.try_get(2)?,
        product: r.try_get(3)?,
        rating: r.try_get(4)?,
        created: opt_time(r, 5)?,
        deleted: match deleted_at {
            Some(time) => Some(ReviewDeletion {
                time,
                by: deleted_by.unwrap_or_default(),
                reason: r.try_get(8)?,
            }),
            None => None,
        },
    })
}

pub fn order(r: &Row) -> Result<Order> {
    Ok(Order {
        id: r.try_get(0)?,
        customer: r.try_get(1)?,
        seller: r.try_get(2)?,
        product: r.try_get(3)?,
        time: time(r, 4)?,
    })
}

pub fn ticket(r: &Row) -> Result<Ticket> {
    Ok(Ticket {
        id: r.try_get(0)?,
        opened: opt_time(r, 1)?,
        opener: r.try_get(2)?,
        customer: r.try_get(3)?,
        seller: r.try_get(4)?,
        kind: r.try_get(5)?,
        assignee: r.try_get(6)?,
        assigned: opt_time(r, 7)?,
        assigned_by: r.try_get(8)?,
        closed: opt_time(r, 9)?,
        closed_by: r.try_get(10)?,
        resolution: r.try_get(11)?,
    })
}

fn account_status(s: &str, column: &'static str) -> Result<AccountStatus> {
    AccountStatus::parse(s).ok_or_else(|| StoreError::Corrupt {
        column,
        detail: format!("unknown status `{s}`"),
    })
}

pub fn account(r: &Row) -> Result<Account> {
    let status: String = r.try_get(2)?;
    let restricted_status: Option<String> = r.try_get(3)?;
    let restricted_at = opt_time(r, 6)?;
    let reactivated_at = opt_time(r, 9)?;
    let restriction = match (restricted_status, restricted_at) {
        (Some(s), Some(time)) => Some(Restriction {
            status: account_status(&s, "accounts.restricted_status")?,
            reason: r.try_get(4)?,
            by: r.try_get::<_, Option<String>>(5)?.unwrap_or_default(),
            time,
        }),
        _ => None,
    };
    let reactivation = match reactivated_at {
        Some(time) => Some(Reactivation {
            by: r.try_get::<_, Option<String>>(7)?.unwrap_or_default(),
            appeal: r.try_get(8)?,
            time,
        }),
        None => None,
    };
    Ok(Account {
        id: r.try_get(0)?,
        kind: r.try_get(1)?,
        status: account_status(&status, "accounts.status")?,
        restriction,
        reactivation,
    })
}

pub fn employee(r: &Row) -> Result<Employee> {
    let status: String = r.try_get(4)?;
    Ok(Employee {
        id: r.try_get(0)?,
        role: r.try_get(1)?,
        team: r.try_get(2)?,
        site: r.try_get(3)?,
        status: EmployeeStatus::parse(&status).ok_or_else(|| StoreError::Corrupt {
            column: "employees.status",
            detail: format!("unknown status `{status}`"),
        })?,
        hired: opt_time(r, 5)?,
        left: opt_time(r, 6)?,
        leave_reason: r.try_get(7)?,
        from_hr: r.try_get(8)?,
        first_seen: time(r, 9)?,
    })
}

pub fn relation(r: &Row) -> Result<Relation> {
    Ok(Relation {
        customer: r.try_get(0)?,
        seller: r.try_get(1)?,
        reviews: unsigned(r.try_get(2)?, "relations.reviews")?,
        orders: unsigned(r.try_get(3)?, "relations.orders")?,
        min_rating: r.try_get(4)?,
        first: time(r, 5)?,
        last: time(r, 6)?,
    })
}

pub fn alert(r: &Row) -> Result<AlertRow> {
    Ok(AlertRow {
        id: r.try_get(0)?,
        time: time(r, 1)?,
        employee: r.try_get(2)?,
        detector: r.try_get(3)?,
        severity: r.try_get(4)?,
        score: r.try_get(5)?,
        json: r.try_get(6)?,
    })
}
