//! The aggregates of `crate::aggregates` in the embedded store: one
//! ledger, named [`crate::DEFAULT_LEDGER`] when read back.

use super::SqliteStore;
use crate::aggregates::{AggregateBatch, Aggregates, EmployeeDay, Progress, SellerSignal};
use crate::{Result, DEFAULT_LEDGER};
use rusqlite::{params, OptionalExtension};
use std::ops::Range;

const PUT_DAY: &str = "INSERT INTO agg_employee_days
     (employee, day, peer_group, customers, searches, exported) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
     ON CONFLICT (day, employee) DO UPDATE SET peer_group = excluded.peer_group,
     customers = excluded.customers, searches = excluded.searches, exported = excluded.exported";

const PUT_SIGNAL: &str = "INSERT INTO agg_seller_signals
     (seller, employee, kind, day, strong, log10_p, event) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
     ON CONFLICT (day, seller, employee, kind) DO UPDATE SET
     strong = max(strong, excluded.strong), log10_p = min(log10_p, excluded.log10_p)";

const PUT_PROGRESS: &str = "INSERT INTO agg_progress (one, day, employees, sellers)
     VALUES (1, ?1, ?2, ?3)
     ON CONFLICT (one) DO UPDATE SET day = max(day, excluded.day),
     employees = excluded.employees, sellers = excluded.sellers";

impl SqliteStore {
    pub(super) fn put_aggregates_in(&mut self, b: &AggregateBatch) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut put = tx.prepare_cached(PUT_DAY)?;
            for d in &b.days {
                put.execute(params![
                    d.employee,
                    d.day,
                    d.peer_group,
                    d.customers,
                    d.searches,
                    d.exported
                ])?;
            }
            let mut put = tx.prepare_cached(PUT_SIGNAL)?;
            for s in &b.signals {
                put.execute(params![
                    s.seller, s.employee, s.kind, s.day, s.strong, s.log10_p, s.event
                ])?;
            }
            if let Some(p) = &b.progress {
                tx.prepare_cached(PUT_PROGRESS)?
                    .execute(params![p.day, p.employees, p.sellers])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub(super) fn aggregates_in(&self, days: Range<i64>) -> Result<Aggregates> {
        let ledger = || DEFAULT_LEDGER.to_owned();
        let mut out = Aggregates::default();
        let mut stmt = self.conn.prepare_cached(
            "SELECT employee, day, peer_group, customers, searches, exported
             FROM agg_employee_days WHERE day >= ?1 AND day < ?2 ORDER BY day, employee",
        )?;
        let rows = stmt.query_map(params![days.start, days.end], |r| {
            Ok(EmployeeDay {
                employee: r.get(0)?,
                day: r.get(1)?,
                peer_group: r.get(2)?,
                customers: r.get(3)?,
                searches: r.get(4)?,
                exported: r.get(5)?,
            })
        })?;
        for d in rows {
            out.days.push((ledger(), d?));
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT seller, employee, kind, day, strong, log10_p, event
             FROM agg_seller_signals WHERE day >= ?1 AND day < ?2
             ORDER BY day, seller, employee, kind",
        )?;
        let rows = stmt.query_map(params![days.start, days.end], |r| {
            Ok(SellerSignal {
                seller: r.get(0)?,
                employee: r.get(1)?,
                kind: r.get(2)?,
                day: r.get(3)?,
                strong: r.get(4)?,
                log10_p: r.get(5)?,
                event: r.get(6)?,
            })
        })?;
        for s in rows {
            out.signals.push((ledger(), s?));
        }
        let progress = self
            .conn
            .prepare_cached("SELECT day, employees, sellers FROM agg_progress")?
            .query_row([], |r| {
                Ok(Progress {
                    day: r.get(0)?,
                    employees: r.get(1)?,
                    sellers: r.get(2)?,
                })
            })
            .optional()?;
        out.progress.extend(progress.map(|p| (ledger(), p)));
        Ok(out)
    }
}
