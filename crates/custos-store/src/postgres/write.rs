//! Writes of the PostgreSQL backend: a batch in one transaction, event
//! and disclosure rows streamed with `COPY`, fact updates applied once per
//! fact event however many ledgers index it.

use crate::baseline::{bytea, text};
use crate::model::LedgerHead;
use crate::rows::{EventRows, FactUpdate};
use crate::{Result, StoreError};
use postgres::{Client, Statement, Transaction};
use std::collections::{HashMap, HashSet};
use std::io::Write;

pub const PUT_LEDGER_HEAD: &str = "INSERT INTO ledger_head (ledger, size, root_hash)
     VALUES ($1, $2, $3)
     ON CONFLICT (ledger) DO UPDATE SET size = excluded.size, root_hash = excluded.root_hash";

/// Serialises the writers of one ledger (two nodes started on the same
/// ledger by mistake): the second waits, then finds the size moved on and
/// refuses its batch as a gap.
pub const LOCK_LEDGER: &str = "SELECT id FROM ledgers WHERE id = $1 FOR UPDATE";

pub const COPY_EVENT_IDS: &str = "COPY event_ids (ledger, id, idx, leaf_hash) FROM STDIN";

pub const COPY_EVENTS: &str = "COPY events (ledger, idx, id, time, actor_type, actor_id, action,
     target_type, target_id, seller, outcome, purpose_ticket, purpose_code, leaf_hash, entry)
     FROM STDIN";

pub const COPY_DISCLOSURES: &str = "COPY disclosures (ledger, idx, position, customer, employee,
     time, action, fields, purpose_ticket, purpose_code) FROM STDIN";

/// The ids among `$1` that no batch has applied the facts of yet; they
/// are marked applied in the same statement.
pub const CLAIM_FACTS: &str = "INSERT INTO applied_facts (event_id) SELECT unnest($1::text[])
     ON CONFLICT (event_id) DO NOTHING RETURNING event_id";

pub const PUT_ALERT: &str = "INSERT INTO alerts (id, time, employee, detector, severity, score,
     json) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (id) DO UPDATE SET time = excluded.time, employee = excluded.employee,
     detector = excluded.detector, severity = excluded.severity, score = excluded.score,
     json = excluded.json";

pub const PUT_STATE: &str = "INSERT INTO state (ledger, key, value) VALUES ($1, $2, $3)
     ON CONFLICT (ledger, key) DO UPDATE SET value = excluded.value";

// Fact updates, with the semantics of the embedded store's. In
// `ON CONFLICT ... DO UPDATE`, `excluded.` is the proposed row and the
// table name the stored one; `least`/`greatest` ignore NULLs.

const REVIEW_CREATED: &str = "INSERT INTO reviews (id, customer, seller, product, rating,
     created_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (id) DO UPDATE SET customer = excluded.customer, seller = excluded.seller,
     product = excluded.product, rating = excluded.rating, created_at = excluded.created_at";

const REVIEW_DELETED: &str = "INSERT INTO reviews (id, deleted_at, deleted_by, delete_reason)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT (id) DO UPDATE SET deleted_at = excluded.deleted_at,
     deleted_by = excluded.deleted_by, delete_reason = excluded.delete_reason";

const REVIEW_RESTORED: &str = "UPDATE reviews SET deleted_at = NULL, deleted_by = NULL,
     delete_reason = NULL WHERE id = $1";

const ORDER_CREATED: &str = "INSERT INTO orders (id, customer, seller, product, time)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (id) DO UPDATE SET customer = excluded.customer, seller = excluded.seller,
     product = excluded.product, time = excluded.time";

const RELATION_REVIEWED: &str = "INSERT INTO relations (customer, seller, reviews, orders,
     min_rating, first_at, last_at) VALUES ($1, $2, 1, 0, $3, $4, $4)
     ON CONFLICT (customer, seller) DO UPDATE SET reviews = relations.reviews + 1,
     min_rating = least(relations.min_rating, excluded.min_rating),
     first_at = least(relations.first_at, excluded.first_at),
     last_at = greatest(relations.last_at, excluded.last_at)";

const RELATION_BOUGHT: &str = "INSERT INTO relations (customer, seller, reviews, orders,
     min_rating, first_at, last_at) VALUES ($1, $2, 0, 1, NULL, $3, $3)
     ON CONFLICT (customer, seller) DO UPDATE SET orders = relations.orders + 1,
     first_at = least(relations.first_at, excluded.first_at),
     last_at = greatest(relations.last_at, excluded.last_at)";

const TICKET_OPENED: &str = "INSERT INTO tickets (id, opened_at, opener, customer, seller,
     kind) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (id) DO UPDATE SET opened_at = excluded.opened_at, opener = excluded.opener,
     customer = excluded.customer, seller = excluded.seller, kind = excluded.kind";

const TICKET_ASSIGNED: &str = "INSERT INTO tickets (id, assignee, assigned_at, assigned_by)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT (id) DO UPDATE SET assignee = excluded.assignee,
     assigned_at = excluded.assigned_at, assigned_by = excluded.assigned_by";

const TICKET_CLOSED: &str = "INSERT INTO tickets (id, closed_at, closed_by, resolution)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT (id) DO UPDATE SET closed_at = excluded.closed_at,
     closed_by = excluded.closed_by, resolution = excluded.resolution";

const ACCOUNT_RESTRICTED: &str = "INSERT INTO accounts (id, kind, status, restricted_status,
     restricted_reason, restricted_by, restricted_at) VALUES ($1, $2, $3, $3, $4, $5, $6)
     ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, status = excluded.status,
     restricted_status = excluded.restricted_status,
     restricted_reason = excluded.restricted_reason, restricted_by = excluded.restricted_by,
     restricted_at = excluded.restricted_at";

const ACCOUNT_REACTIVATED: &str = "INSERT INTO accounts (id, kind, status, reactivated_by,
     reactivated_appeal, reactivated_at) VALUES ($1, $2, 'active', $3, $4, $5)
     ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, status = 'active',
     reactivated_by = excluded.reactivated_by, reactivated_appeal = excluded.reactivated_appeal,
     reactivated_at = excluded.reactivated_at";

/// An HR attribute left out of a hire or change keeps the known value.
const EMPLOYEE_HIRED: &str = "INSERT INTO employees (id, role, team, site, status, hired_at,
     from_hr, first_seen) VALUES ($1, $2, $3, $4, 'active', $5, true, $5)
     ON CONFLICT (id) DO UPDATE SET role = coalesce(excluded.role, employees.role),
     team = coalesce(excluded.team, employees.team), site = coalesce(excluded.site, employees.site),
     status = 'active', hired_at = excluded.hired_at, left_at = NULL, leave_reason = NULL,
     from_hr = true";

/// `$6` is a new status (`suspended`, `active`) or NULL; a leaver stays left.
const EMPLOYEE_CHANGED: &str = "INSERT INTO employees (id, role, team, site, status, from_hr,
     first_seen) VALUES ($1, $2, $3, $4, coalesce($6::text, 'active'), true, $5)
     ON CONFLICT (id) DO UPDATE SET role = coalesce(excluded.role, employees.role),
     team = coalesce(excluded.team, employees.team), site = coalesce(excluded.site, employees.site),
     from_hr = true, status = CASE WHEN $6::text IS NOT NULL AND employees.status <> 'left'
     THEN $6::text ELSE employees.status END";

const EMPLOYEE_LEFT: &str = "INSERT INTO employees (id, status, left_at, leave_reason,
     from_hr, first_seen) VALUES ($1, 'left', $2, $3, true, $2)
     ON CONFLICT (id) DO UPDATE SET status = 'left', left_at = excluded.left_at,
     leave_reason = excluded.leave_reason, from_hr = true";

/// Learns from an employee's own events only while no HR fact exists, and
/// skips the write when nothing changes.
const EMPLOYEE_SEEN: &str = "INSERT INTO employees (id, role, team, site, status, from_hr,
     first_seen) VALUES ($1, $2, $3, $4, 'active', false, $5)
     ON CONFLICT (id) DO UPDATE SET role = coalesce(excluded.role, employees.role),
     team = coalesce(excluded.team, employees.team), site = coalesce(excluded.site, employees.site)
     WHERE NOT employees.from_hr
       AND (employees.role IS DISTINCT FROM coalesce(excluded.role, employees.role)
         OR employees.team IS DISTINCT FROM coalesce(excluded.team, employees.team)
         OR employees.site IS DISTINCT FROM coalesce(excluded.site, employees.site))";

const HONEYTOKEN_PLANTED: &str = "INSERT INTO honeytokens (customer, planted_at)
     VALUES ($1, $2) ON CONFLICT (customer) DO NOTHING";

/// The fact statements, prepared once per connection.
pub struct FactStatements {
    review_created: Statement,
    review_deleted: Statement,
    review_restored: Statement,
    order_created: Statement,
    relation_reviewed: Statement,
    relation_bought: Statement,
    ticket_opened: Statement,
    ticket_assigned: Statement,
    ticket_closed: Statement,
    account_restricted: Statement,
    account_reactivated: Statement,
    employee_hired: Statement,
    employee_changed: Statement,
    employee_left: Statement,
    employee_seen: Statement,
    honeytoken_planted: Statement,
}

impl FactStatements {
    pub fn prepare(client: &mut Client) -> Result<FactStatements> {
        Ok(FactStatements {
            review_created: client.prepare(REVIEW_CREATED)?,
            review_deleted: client.prepare(REVIEW_DELETED)?,
            review_restored: client.prepare(REVIEW_RESTORED)?,
            order_created: client.prepare(ORDER_CREATED)?,
            relation_reviewed: client.prepare(RELATION_REVIEWED)?,
            relation_bought: client.prepare(RELATION_BOUGHT)?,
            ticket_opened: client.prepare(TICKET_OPENED)?,
            ticket_assigned: client.prepare(TICKET_ASSIGNED)?,
            ticket_closed: client.prepare(TICKET_CLOSED)?,
            account_restricted: client.prepare(ACCOUNT_RESTRICTED)?,
            account_reactivated: client.prepare(ACCOUNT_REACTIVATED)?,
            employee_hired: client.prepare(EMPLOYEE_HIRED)?,
            employee_changed: client.prepare(EMPLOYEE_CHANGED)?,
            employee_left: client.prepare(EMPLOYEE_LEFT)?,
            employee_seen: client.prepare(EMPLOYEE_SEEN)?,
            honeytoken_planted: client.prepare(HONEYTOKEN_PLANTED)?,
        })
    }
}

/// Ledger indexes and positions are stored signed.
pub fn signed(index: u64) -> Result<i64> {
    i64::try_from(index).map_err(|_| StoreError::IndexTooLarge(index))
}

/// Checks what `Store::index_batch` promises to refuse, before anything
/// is written: the start at `size`, consecutive indexes, the head, the
/// disclosures' indexes and positions, ids repeated within the batch.
pub fn check_batch(size: u64, batch: &[EventRows], head: &LedgerHead) -> Result<()> {
    let Some(first) = batch.first() else {
        if head.size != size {
            return Err(StoreError::HeadMismatch {
                head: head.size,
                expected: size,
            });
        }
        return Ok(());
    };
    if first.event.index != size {
        return Err(StoreError::Gap {
            expected: size,
            got: first.event.index,
        });
    }
    let after = size + batch.len() as u64;
    let mut ids = HashSet::with_capacity(batch.len());
    for (i, rows) in batch.iter().enumerate() {
        let e = &rows.event;
        if e.index != size + i as u64 {
            return Err(StoreError::NotContiguous {
                previous: size + i as u64 - 1,
                got: e.index,
            });
        }
        signed(e.index)?;
        for d in &rows.disclosures {
            if d.index != e.index {
                return Err(StoreError::MisplacedDisclosure {
                    index: e.index,
                    names: d.index,
                });
            }
            if i32::try_from(d.position).is_err() {
                return Err(StoreError::TooManyDisclosures {
                    index: e.index,
                    count: rows.disclosures.len(),
                });
            }
        }
        if !ids.insert(e.id.as_str()) {
            return Err(StoreError::DuplicateId(e.id.clone()));
        }
    }
    if head.size != after {
        return Err(StoreError::HeadMismatch {
            head: head.size,
            expected: after,
        });
    }
    Ok(())
}

/// Streams the batch's rows into the three tables with COPY (text format).
pub fn copy_rows(tx: &mut Transaction<'_>, ledger: i16, batch: &[EventRows]) -> Result<()> {
    let mut line = Vec::with_capacity(1024);
    let mut w = tx.copy_in(COPY_EVENT_IDS)?;
    for rows in batch {
        let e = &rows.event;
        line.clear();
        write!(line, "{ledger}\t").map_err(StoreError::Copy)?;
        text(&mut line, Some(&e.id));
        write!(line, "\t{}\t", e.index).map_err(StoreError::Copy)?;
        bytea(&mut line, &e.leaf_hash);
        line.push(b'\n');
        w.write_all(&line).map_err(StoreError::Copy)?;
    }
    w.finish()?;

    let mut w = tx.copy_in(COPY_EVENTS)?;
    for rows in batch {
        let e = &rows.event;
        line.clear();
        write!(line, "{ledger}\t{}\t", e.index).map_err(StoreError::Copy)?;
        text(&mut line, Some(&e.id));
        write!(line, "\t{}\t", e.time.0).map_err(StoreError::Copy)?;
        for v in [&e.actor_type, &e.actor_id, &e.action] {
            text(&mut line, Some(v));
            line.push(b'\t');
        }
        for v in [&e.target_type, &e.target_id, &e.seller] {
            text(&mut line, v.as_deref());
            line.push(b'\t');
        }
        text(&mut line, Some(&e.outcome));
        for v in [&e.purpose_ticket, &e.purpose_code] {
            line.push(b'\t');
            text(&mut line, v.as_deref());
        }
        line.push(b'\t');
        bytea(&mut line, &e.leaf_hash);
        line.push(b'\t');
        bytea(&mut line, &e.entry);
        line.push(b'\n');
        w.write_all(&line).map_err(StoreError::Copy)?;
    }
    w.finish()?;

    if batch.iter().any(|r| !r.disclosures.is_empty()) {
        let mut w = tx.copy_in(COPY_DISCLOSURES)?;
        for d in batch.iter().flat_map(|r| &r.disclosures) {
            line.clear();
            write!(line, "{ledger}\t{}\t{}\t", d.index, d.position).map_err(StoreError::Copy)?;
            text(&mut line, Some(&d.customer));
            line.push(b'\t');
            text(&mut line, Some(&d.employee));
            write!(line, "\t{}\t", d.time.0).map_err(StoreError::Copy)?;
            text(&mut line, Some(&d.action));
            write!(line, "\t{}\t", d.fields.0).map_err(StoreError::Copy)?;
            text(&mut line, d.purpose_ticket.as_deref());
            line.push(b'\t');
            text(&mut line, d.purpose_code.as_deref());
            line.push(b'\n');
            w.write_all(&line).map_err(StoreError::Copy)?;
        }
        w.finish()?;
    }
    Ok(())
}

/// Employees whose role/team/site from their own events this handle last
/// wrote; an unchanged repeat skips the statement. Cleared when it grows
/// past this many or when a batch fails.
pub const SEEN_CACHE_LIMIT: usize = 200_000;

pub type SeenKey = (Option<String>, Option<String>, Option<String>);
type SeenRef<'a> = (&'a Option<String>, &'a Option<String>, &'a Option<String>);

/// Whether `f` would change nothing the seen-cache does not already know.
fn skippable(f: &FactUpdate, cache: &HashMap<String, SeenKey>) -> bool {
    match f {
        FactUpdate::EmployeeSeen {
            employee,
            role,
            team,
            site,
            ..
        } => cache
            .get(employee.as_str())
            .is_some_and(|k| k.0 == *role && k.1 == *team && k.2 == *site),
        _ => false,
    }
}

/// Applies the fact updates of the batch's events whose facts no batch
/// (of any ledger) has applied yet, in batch order.
pub fn apply_facts(
    tx: &mut Transaction<'_>,
    st: &FactStatements,
    cache: &mut HashMap<String, SeenKey>,
    batch: &[EventRows],
) -> Result<()> {
    // Most employee events only restate a known role: they need neither
    // a claim nor a statement.
    let mut wanted: Vec<&str> = Vec::new();
    let mut shadow: HashMap<&str, SeenRef<'_>> = HashMap::new();
    for rows in batch {
        let needed = rows.facts.iter().any(|f| match f {
            FactUpdate::EmployeeSeen {
                employee,
                role,
                team,
                site,
                ..
            } => {
                let known = match shadow.get(employee.as_str()) {
                    Some(k) => *k.0 == *role && *k.1 == *team && *k.2 == *site,
                    None => skippable(f, cache),
                };
                shadow.insert(employee, (role, team, site));
                !known
            }
            _ => true,
        });
        if needed {
            wanted.push(rows.event.id.as_str());
        }
    }
    if wanted.is_empty() {
        return Ok(());
    }
    let claimed: HashSet<String> = tx
        .query(CLAIM_FACTS, &[&wanted])?
        .iter()
        .map(|r| r.try_get::<_, String>(0))
        .collect::<Result<_, _>>()?;
    let mut bulk = Bulk::default();
    for rows in batch {
        if !claimed.contains(rows.event.id.as_str()) {
            continue;
        }
        for f in &rows.facts {
            if skippable(f, cache) || bulk.take(f) {
                continue;
            }
            apply(tx, st, f)?;
            if let FactUpdate::EmployeeSeen {
                employee,
                role,
                team,
                site,
                ..
            } = f
            {
                if cache.len() >= SEEN_CACHE_LIMIT {
                    cache.clear();
                }
                cache.insert(employee.clone(), (role.clone(), team.clone(), site.clone()));
            }
        }
    }
    bulk.write(tx)
}

/// Orders, review creations and customer↔seller relations, the bulk of
/// marketplace facts, written with one statement per table and batch
/// instead of one per fact. Taking them out of batch order is safe: only
/// `OrderCreated` writes orders (the last one of an id wins, as in
/// order); `ReviewCreated` writes columns no other review fact writes, and
/// `review.restore` of a review not yet created changes nothing either
/// way; relation counts, minima and maxima do not depend on order.
#[derive(Default)]
struct Bulk {
    /// By order id: customer, seller, product, time.
    orders: HashMap<String, OrderRow>,
    /// By review id: customer, seller, product, rating, time.
    reviews: HashMap<String, ReviewRow>,
    relations: HashMap<(String, String), RelationSum>,
}

type OrderRow = (String, Option<String>, Option<String>, i64);
type ReviewRow = (String, Option<String>, Option<String>, Option<i64>, i64);

struct RelationSum {
    reviews: i64,
    orders: i64,
    min_rating: Option<i64>,
    first: i64,
    last: i64,
}

const BULK_ORDERS: &str = "INSERT INTO orders (id, customer, seller, product, time)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])
     ON CONFLICT (id) DO UPDATE SET customer = excluded.customer, seller = excluded.seller,
     product = excluded.product, time = excluded.time";

const BULK_REVIEWS: &str = "INSERT INTO reviews (id, customer, seller, product, rating,
     created_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[],
                          $6::bigint[])
     ON CONFLICT (id) DO UPDATE SET customer = excluded.customer, seller = excluded.seller,
     product = excluded.product, rating = excluded.rating, created_at = excluded.created_at";

const BULK_RELATIONS: &str = "INSERT INTO relations (customer, seller, reviews, orders,
     min_rating, first_at, last_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[],
                          $6::bigint[], $7::bigint[])
     ON CONFLICT (customer, seller) DO UPDATE SET
     reviews = relations.reviews + excluded.reviews, orders = relations.orders + excluded.orders,
     min_rating = least(relations.min_rating, excluded.min_rating),
     first_at = least(relations.first_at, excluded.first_at),
     last_at = greatest(relations.last_at, excluded.last_at)";

impl Bulk {
    /// Takes `f` over when it is one of the bulk kinds.
    fn take(&mut self, f: &FactUpdate) -> bool {
        match f {
            FactUpdate::OrderCreated {
                order,
                customer,
                seller,
                product,
                time,
            } => {
                self.orders.insert(
                    order.clone(),
                    (customer.clone(), seller.clone(), product.clone(), time.0),
                );
                if let Some(seller) = seller {
                    self.relate(customer, seller, 0, 1, None, time.0);
                }
                true
            }
            FactUpdate::ReviewCreated {
                review,
                customer,
                seller,
                product,
                rating,
                time,
            } => {
                self.reviews.insert(
                    review.clone(),
                    (
                        customer.clone(),
                        seller.clone(),
                        product.clone(),
                        *rating,
                        time.0,
                    ),
                );
                if let Some(seller) = seller {
                    self.relate(customer, seller, 1, 0, *rating, time.0);
                }
                true
            }
            _ => false,
        }
    }

    fn relate(
        &mut self,
        customer: &str,
        seller: &str,
        reviews: i64,
        orders: i64,
        rating: Option<i64>,
        time: i64,
    ) {
        let sum = self
            .relations
            .entry((customer.to_owned(), seller.to_owned()))
            .or_insert(RelationSum {
                reviews: 0,
                orders: 0,
                min_rating: None,
                first: time,
                last: time,
            });
        sum.reviews += reviews;
        sum.orders += orders;
        sum.min_rating = match (sum.min_rating, rating) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        sum.first = sum.first.min(time);
        sum.last = sum.last.max(time);
    }

    fn write(self, tx: &mut Transaction<'_>) -> Result<()> {
        // Sorted keys: concurrent writers of several ledgers lock rows in
        // the same order and cannot deadlock on each other.
        if !self.orders.is_empty() {
            let mut rows: Vec<_> = self.orders.into_iter().collect();
            rows.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            let ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
            let customers: Vec<&str> = rows.iter().map(|r| r.1 .0.as_str()).collect();
            let sellers: Vec<Option<&str>> = rows.iter().map(|r| r.1 .1.as_deref()).collect();
            let products: Vec<Option<&str>> = rows.iter().map(|r| r.1 .2.as_deref()).collect();
            let times: Vec<i64> = rows.iter().map(|r| r.1 .3).collect();
            tx.execute(
                BULK_ORDERS,
                &[&ids, &customers, &sellers, &products, &times],
            )?;
        }
        if !self.reviews.is_empty() {
            let mut rows: Vec<_> = self.reviews.into_iter().collect();
            rows.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            let ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
            let customers: Vec<&str> = rows.iter().map(|r| r.1 .0.as_str()).collect();
            let sellers: Vec<Option<&str>> = rows.iter().map(|r| r.1 .1.as_deref()).collect();
            let products: Vec<Option<&str>> = rows.iter().map(|r| r.1 .2.as_deref()).collect();
            let ratings: Vec<Option<i64>> = rows.iter().map(|r| r.1 .3).collect();
            let times: Vec<i64> = rows.iter().map(|r| r.1 .4).collect();
            tx.execute(
                BULK_REVIEWS,
                &[&ids, &customers, &sellers, &products, &ratings, &times],
            )?;
        }
        if !self.relations.is_empty() {
            let mut rows: Vec<_> = self.relations.into_iter().collect();
            rows.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            let customers: Vec<&str> = rows.iter().map(|r| r.0 .0.as_str()).collect();
            let sellers: Vec<&str> = rows.iter().map(|r| r.0 .1.as_str()).collect();
            let reviews: Vec<i64> = rows.iter().map(|r| r.1.reviews).collect();
            let orders: Vec<i64> = rows.iter().map(|r| r.1.orders).collect();
            let ratings: Vec<Option<i64>> = rows.iter().map(|r| r.1.min_rating).collect();
            let firsts: Vec<i64> = rows.iter().map(|r| r.1.first).collect();
            let lasts: Vec<i64> = rows.iter().map(|r| r.1.last).collect();
            tx.execute(
                BULK_RELATIONS,
                &[
                    &customers, &sellers, &reviews, &orders, &ratings, &firsts, &lasts,
                ],
            )?;
        }
        Ok(())
    }
}

fn apply(tx: &mut Transaction<'_>, st: &FactStatements, f: &FactUpdate) -> Result<()> {
    match f {
        FactUpdate::ReviewCreated {
            review,
            customer,
            seller,
            product,
            rating,
            time,
        } => {
            tx.execute(
                &st.review_created,
                &[review, customer, seller, product, rating, &time.0],
            )?;
            if let Some(seller) = seller {
                tx.execute(&st.relation_reviewed, &[customer, seller, rating, &time.0])?;
            }
        }
        FactUpdate::ReviewDeleted {
            review,
            by,
            reason,
            time,
        } => {
            tx.execute(&st.review_deleted, &[review, &time.0, by, reason])?;
        }
        FactUpdate::ReviewRestored { review } => {
            tx.execute(&st.review_restored, &[review])?;
        }
        FactUpdate::OrderCreated {
            order,
            customer,
            seller,
            product,
            time,
        } => {
            tx.execute(
                &st.order_created,
                &[order, customer, seller, product, &time.0],
            )?;
            if let Some(seller) = seller {
                tx.execute(&st.relation_bought, &[customer, seller, &time.0])?;
            }
        }
        FactUpdate::TicketOpened {
            ticket,
            opener,
            customer,
            seller,
            kind,
            time,
        } => {
            tx.execute(
                &st.ticket_opened,
                &[ticket, &time.0, opener, customer, seller, kind],
            )?;
        }
        FactUpdate::TicketAssigned {
            ticket,
            assignee,
            by,
            time,
        } => {
            tx.execute(&st.ticket_assigned, &[ticket, assignee, &time.0, by])?;
        }
        FactUpdate::TicketClosed {
            ticket,
            by,
            resolution,
            time,
        } => {
            tx.execute(&st.ticket_closed, &[ticket, &time.0, by, resolution])?;
        }
        FactUpdate::AccountRestricted {
            account,
            kind,
            status,
            reason,
            by,
            time,
        } => {
            tx.execute(
                &st.account_restricted,
                &[account, kind, &status.as_str(), reason, by, &time.0],
            )?;
        }
        FactUpdate::AccountReactivated {
            account,
            kind,
            by,
            appeal,
            time,
        } => {
            tx.execute(
                &st.account_reactivated,
                &[account, kind, by, appeal, &time.0],
            )?;
        }
        FactUpdate::EmployeeHired {
            employee,
            role,
            team,
            site,
            time,
        } => {
            tx.execute(&st.employee_hired, &[employee, role, team, site, &time.0])?;
        }
        FactUpdate::EmployeeChanged {
            employee,
            role,
            team,
            site,
            status,
            time,
        } => {
            let status = status.map(crate::model::EmployeeStatus::as_str);
            tx.execute(
                &st.employee_changed,
                &[employee, role, team, site, &time.0, &status],
            )?;
        }
        FactUpdate::EmployeeLeft {
            employee,
            reason,
            time,
        } => {
            tx.execute(&st.employee_left, &[employee, &time.0, reason])?;
        }
        FactUpdate::EmployeeSeen {
            employee,
            role,
            team,
            site,
            time,
        } => {
            tx.execute(&st.employee_seen, &[employee, role, team, site, &time.0])?;
        }
        FactUpdate::HoneytokenPlanted { customer, time } => {
            tx.execute(&st.honeytoken_planted, &[customer, &time.0])?;
        }
    }
    Ok(())
}
