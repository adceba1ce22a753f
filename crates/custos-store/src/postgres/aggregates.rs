//! The aggregates of `crate::aggregates` in PostgreSQL: every ledger's
//! rows in one table each, so that any node reads all partitions'.

use super::PgStore;
use crate::aggregates::{AggregateBatch, Aggregates, EmployeeDay, Progress, SellerSignal};
use crate::Result;
use std::ops::Range;

const PUT_DAY: &str = "INSERT INTO agg_employee_days
     (ledger, employee, day, peer_group, customers, searches, exported)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (day, ledger, employee) DO UPDATE SET peer_group = excluded.peer_group,
     customers = excluded.customers, searches = excluded.searches, exported = excluded.exported";

const PUT_SIGNAL: &str = "INSERT INTO agg_seller_signals AS s
     (ledger, seller, employee, kind, day, strong, log10_p, event)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (day, ledger, seller, employee, kind) DO UPDATE SET
     strong = s.strong OR excluded.strong, log10_p = least(s.log10_p, excluded.log10_p)";

const PUT_PROGRESS: &str = "INSERT INTO agg_progress AS p (ledger, day, employees, sellers)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT (ledger) DO UPDATE SET day = greatest(p.day, excluded.day),
     employees = excluded.employees, sellers = excluded.sellers";

fn count(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

impl PgStore {
    pub(super) fn put_aggregates_in(&mut self, b: &AggregateBatch) -> Result<()> {
        let ledger = self.ledger;
        let mut tx = self.client.get_mut().transaction()?;
        let put = tx.prepare(PUT_DAY)?;
        for d in &b.days {
            tx.execute(
                &put,
                &[
                    &ledger,
                    &d.employee,
                    &d.day,
                    &d.peer_group,
                    &count(d.customers),
                    &count(d.searches),
                    &count(d.exported),
                ],
            )?;
        }
        let put = tx.prepare(PUT_SIGNAL)?;
        for s in &b.signals {
            tx.execute(
                &put,
                &[
                    &ledger,
                    &s.seller,
                    &s.employee,
                    &s.kind,
                    &s.day,
                    &s.strong,
                    &s.log10_p,
                    &s.event,
                ],
            )?;
        }
        if let Some(p) = &b.progress {
            let (e, s) = (p.employees as i64, p.sellers as i64);
            tx.execute(PUT_PROGRESS, &[&ledger, &p.day, &e, &s])?;
        }
        tx.commit()?;
        Ok(())
    }

    pub(super) fn aggregates_in(&self, days: Range<i64>) -> Result<Aggregates> {
        let mut c = self.conn()?;
        let mut out = Aggregates::default();
        for r in c.query(
            "SELECT l.name, a.employee, a.day, a.peer_group, a.customers, a.searches, a.exported
             FROM agg_employee_days a JOIN ledgers l ON l.id = a.ledger
             WHERE a.day >= $1 AND a.day < $2 ORDER BY l.name, a.day, a.employee",
            &[&days.start, &days.end],
        )? {
            let n = |i: usize| -> Result<u32> { Ok(r.try_get::<_, i32>(i)?.max(0) as u32) };
            out.days.push((
                r.try_get(0)?,
                EmployeeDay {
                    employee: r.try_get(1)?,
                    day: r.try_get(2)?,
                    peer_group: r.try_get(3)?,
                    customers: n(4)?,
                    searches: n(5)?,
                    exported: n(6)?,
                },
            ));
        }
        for r in c.query(
            "SELECT l.name, a.seller, a.employee, a.kind, a.day, a.strong, a.log10_p, a.event
             FROM agg_seller_signals a JOIN ledgers l ON l.id = a.ledger
             WHERE a.day >= $1 AND a.day < $2 ORDER BY l.name, a.day, a.seller, a.employee, a.kind",
            &[&days.start, &days.end],
        )? {
            out.signals.push((
                r.try_get(0)?,
                SellerSignal {
                    seller: r.try_get(1)?,
                    employee: r.try_get(2)?,
                    kind: r.try_get(3)?,
                    day: r.try_get(4)?,
                    strong: r.try_get(5)?,
                    log10_p: r.try_get(6)?,
                    event: r.try_get(7)?,
                },
            ));
        }
        for r in c.query(
            "SELECT l.name, p.day, p.employees, p.sellers
             FROM agg_progress p JOIN ledgers l ON l.id = p.ledger ORDER BY l.name",
            &[],
        )? {
            out.progress.push((
                r.try_get(0)?,
                Progress {
                    day: r.try_get(1)?,
                    employees: r.try_get::<_, i64>(2)?.max(0) as u64,
                    sellers: r.try_get::<_, i64>(3)?.max(0) as u64,
                },
            ));
        }
        Ok(out)
    }
}
