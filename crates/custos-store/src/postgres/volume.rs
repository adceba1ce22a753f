//! The disclosure volume counters (`disclosure_days`,
//! `disclosure_day_totals`; see `crate::volume`).

use crate::rows::EventRows;
use crate::volume::{day_counts, DisclosureVolume};
use crate::Result;
use postgres::{GenericClient, Transaction};
use std::ops::Range;

const ADD_DAYS: &str = "INSERT INTO disclosure_days (ledger, employee, day, disclosures)
     SELECT $1, e, d, n FROM unnest($2::text[], $3::bigint[], $4::bigint[]) AS t(e, d, n)
     ON CONFLICT (ledger, employee, day)
     DO UPDATE SET disclosures = disclosure_days.disclosures + excluded.disclosures";

const ADD_TOTALS: &str = "INSERT INTO disclosure_day_totals (ledger, day, disclosures)
     SELECT $1, d, n FROM unnest($2::bigint[], $3::bigint[]) AS t(d, n)
     ON CONFLICT (ledger, day)
     DO UPDATE SET disclosures = disclosure_day_totals.disclosures + excluded.disclosures";

const OF_EMPLOYEES: &str = "SELECT employee, sum(disclosures)::bigint FROM disclosure_days
     WHERE ledger = $1 AND employee = ANY($2) AND day >= $3 AND day < $4 GROUP BY employee";

const TOTAL: &str = "SELECT coalesce(sum(disclosures), 0)::bigint FROM disclosure_day_totals
     WHERE ledger = $1 AND day >= $2 AND day < $3";

/// Distinct employees with a counted day in range, by skipping from one
/// employee to the next on the primary key (a loose index scan).
const EMPLOYEES: &str = "WITH RECURSIVE e (employee) AS (
         (SELECT employee FROM disclosure_days
          WHERE ledger = $1 AND day >= $2 AND day < $3 ORDER BY employee LIMIT 1)
         UNION ALL
         SELECT (SELECT d.employee FROM disclosure_days d
                 WHERE d.ledger = $1 AND d.employee > e.employee AND d.day >= $2 AND d.day < $3
                 ORDER BY d.employee LIMIT 1)
         FROM e WHERE e.employee IS NOT NULL)
     SELECT count(employee) FROM e";

/// Adds a batch's disclosures to the counters, inside its transaction.
pub(super) fn add(tx: &mut Transaction<'_>, ledger: i16, batch: &[EventRows]) -> Result<()> {
    let (by_employee, by_day) = day_counts(batch.iter().flat_map(|r| &r.disclosures));
    if by_day.is_empty() {
        return Ok(());
    }
    let employees: Vec<&str> = by_employee.keys().map(|k| k.0).collect();
    let days: Vec<i64> = by_employee.keys().map(|k| k.1).collect();
    let counts: Vec<i64> = by_employee.values().copied().collect();
    tx.execute(ADD_DAYS, &[&ledger, &employees, &days, &counts])?;
    let days: Vec<i64> = by_day.keys().copied().collect();
    let counts: Vec<i64> = by_day.values().copied().collect();
    tx.execute(ADD_TOTALS, &[&ledger, &days, &counts])?;
    Ok(())
}

pub(super) fn volume(
    client: &mut impl GenericClient,
    ledger: i16,
    employees: &[&str],
    days: Range<i64>,
) -> Result<DisclosureVolume> {
    let (from, to) = (days.start, days.end);
    let mut volume = DisclosureVolume {
        by_employee: employees.iter().map(|e| ((*e).to_owned(), 0)).collect(),
        ..DisclosureVolume::default()
    };
    let names: Vec<&str> = employees.to_vec();
    for row in client.query(OF_EMPLOYEES, &[&ledger, &names, &from, &to])? {
        let (e, n): (String, i64) = (row.try_get(0)?, row.try_get(1)?);
        volume.by_employee.insert(e, n.max(0) as u64);
    }
    let total: i64 = client
        .query_one(TOTAL, &[&ledger, &from, &to])?
        .try_get(0)?;
    volume.total = total.max(0) as u64;
    let n: i64 = client
        .query_one(EMPLOYEES, &[&ledger, &from, &to])?
        .try_get(0)?;
    volume.employees = n.max(0) as u64;
    Ok(volume)
}
