//! Rows of SQLite results into the store's types.

use crate::model::{
    Account, AlertRow, Employee, EmployeeStatus, Order, Reactivation, Relation, Restriction,
    Review, ReviewDeletion, Ticket,
};
use crate::rows::{AccountStatus, DisclosureRow, EventRow, FieldSet};
use crate::{Result, StoreError};
use custos_core::Timestamp;
use rusqlite::Row;

fn time(r: &Row<'_>, i: usize) -> rusqlite::Result<Timestamp> {
    r.get::<_, i64>(i).map(Timestamp)
}

fn opt_time(r: &Row<'_>, i: usize) -> rusqlite::Result<Option<Timestamp>> {
    Ok(r.get::<_, Option<i64>>(i)?.map(Timestamp))
}

pub fn hash32(bytes: Vec<u8>, column: &'static str) -> Result<[u8; 32]> {
    <[u8; 32]>::try_from(bytes).map_err(|b| StoreError::Corrupt {
        column,
        detail: format!("expected 32 bytes, found {}", b.len()),
    })
}

/// Reads the columns of `sql::event_columns!`.
pub fn event_row(r: &Row<'_>) -> Result<EventRow> {
    Ok(EventRow {
        index: r.get(0)?,
        id: r.get(1)?,
        time: time(r, 2)?,
        actor_type: r.get(3)?,
        actor_id: r.get(4)?,
        action: r.get(5)?,
        target_type: r.get(6)?,
        target_id: r.get(7)?,
        seller: r.get(8)?,
        outcome: r.get(9)?,
        purpose_ticket: r.get(10)?,
        purpose_code: r.get(11)?,
        leaf_hash: hash32(r.get(12)?, "events.leaf_hash")?,
        entry: r.get(13)?,
    })
}

/// Reads the columns of `sql::disclosure_columns!`.
pub fn disclosure_row(r: &Row<'_>) -> Result<DisclosureRow> {
    let key: i64 = r.get(0)?;
    let key = u64::try_from(key).map_err(|_| StoreError::Corrupt {
        column: "disclosures.key",
        detail: format!("negative key {key}"),
    })?;
    Ok(DisclosureRow {
        index: key >> 16,
        position: (key & 0xffff) as u32,
        customer: r.get(1)?,
        employee: r.get(2)?,
        time: time(r, 3)?,
        action: r.get(4)?,
        fields: FieldSet(r.get(5)?),
        purpose_ticket: r.get(6)?,
        purpose_code: r.get(7)?,
    })
}

pub fn review(r: &Row<'_>) -> rusqlite::Result<Review> {
    let deleted_at = opt_time(r, 6)?;
    let deleted_by: Option<String> = r.get(7)?;
    Ok(Review {
        id: r.get(0)?,
        customer: r.get(1)?,
        seller: r.get(2)?,
        product: r.get(3)?,
        rating: r.get(4)?,
        created: opt_time(r, 5)?,
        deleted: match deleted_at {
            Some(time) => Some(ReviewDeletion {
                time,
                by: deleted_by.unwrap_or_default(),
                reason: r.get(8)?,
            }),
            None => None,
        },
    })
}

pub fn order(r: &Row<'_>) -> rusqlite::Result<Order> {
    Ok(Order {
        id: r.get(0)?,
        customer: r.get(1)?,
        seller: r.get(2)?,
        product: r.get(3)?,
        time: time(r, 4)?,
    })
}

pub fn ticket(r: &Row<'_>) -> rusqlite::Result<Ticket> {
    Ok(Ticket {
        id: r.get(0)?,
        opened: opt_time(r, 1)?,
        opener: r.get(2)?,
        customer: r.get(3)?,
        seller: r.get(4)?,
        kind: r.get(5)?,
        assignee: r.get(6)?,
        assigned: opt_time(r, 7)?,
        assigned_by: r.get(8)?,
        closed: opt_time(r, 9)?,
        closed_by: r.get(10)?,
        resolution: r.get(11)?,
    })
}

fn account_status(s: &str, column: &'static str) -> Result<AccountStatus> {
    AccountStatus::parse(s).ok_or_else(|| StoreError::Corrupt {
        column,
        detail: format!("unknown status `{s}`"),
    })
}

pub fn account(r: &Row<'_>) -> Result<Account> {
    let status: String = r.get(2)?;
    let restricted_status: Option<String> = r.get(3)?;
    let restricted_at = opt_time(r, 6)?;
    let reactivated_at = opt_time(r, 9)?;
    let restriction = match (restricted_status, restricted_at) {
        (Some(s), Some(time)) => Some(Restriction {
            status: account_status(&s, "accounts.restricted_status")?,
            reason: r.get(4)?,
            by: r.get::<_, Option<String>>(5)?.unwrap_or_default(),
            time,
        }),
        _ => None,
    };
    let reactivation = match reactivated_at {
        Some(time) => Some(Reactivation {
            by: r.get::<_, Option<String>>(7)?.unwrap_or_default(),
            appeal: r.get(8)?,
            time,
        }),
        None => None,
    };
    Ok(Account {
        id: r.get(0)?,
        kind: r.get(1)?,
        status: account_status(&status, "accounts.status")?,
        restriction,
        reactivation,
    })
}

pub fn employee(r: &Row<'_>) -> Result<Employee> {
    let status: String = r.get(4)?;
    Ok(Employee {
        id: r.get(0)?,
        role: r.get(1)?,
        team: r.get(2)?,
        site: r.get(3)?,
        status: EmployeeStatus::parse(&status).ok_or_else(|| StoreError::Corrupt {
            column: "employees.status",
            detail: format!("unknown status `{status}`"),
        })?,
        hired: opt_time(r, 5)?,
        left: opt_time(r, 6)?,
        leave_reason: r.get(7)?,
        from_hr: r.get(8)?,
        first_seen: time(r, 9)?,
    })
}

pub fn relation(r: &Row<'_>) -> rusqlite::Result<Relation> {
    Ok(Relation {
        customer: r.get(0)?,
        seller: r.get(1)?,
        reviews: r.get(2)?,
        orders: r.get(3)?,
        min_rating: r.get(4)?,
        first: time(r, 5)?,
        last: time(r, 6)?,
    })
}

pub fn alert(r: &Row<'_>) -> rusqlite::Result<AlertRow> {
    Ok(AlertRow {
        id: r.get(0)?,
        time: time(r, 1)?,
        employee: r.get(2)?,
        detector: r.get(3)?,
        severity: r.get(4)?,
        score: r.get(5)?,
        json: r.get(6)?,
    })
}
