//! The SQL the SQLite backend runs, besides the migrations.

pub const LEDGER_HEAD: &str = "SELECT size, root_hash FROM ledger_head WHERE one = 1";
pub const PUT_LEDGER_HEAD: &str =
    "INSERT INTO ledger_head (one, size, root_hash) VALUES (1, ?1, ?2)
     ON CONFLICT (one) DO UPDATE SET size = excluded.size, root_hash = excluded.root_hash";

pub const INSERT_EVENT: &str = "INSERT INTO events (idx, id, time, actor_type, actor_id, action,
     target_type, target_id, seller, outcome, purpose_ticket, purpose_code, leaf_hash, entry)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";

pub const INSERT_DISCLOSURE: &str = "INSERT INTO disclosures (key, customer, employee, time,
     action, fields, purpose_ticket, purpose_code) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

/// Columns of an `EventRow`, in the order `read::event_row` expects.
macro_rules! event_columns {
    () => {
        "idx, id, time, actor_type, actor_id, action, target_type, target_id, seller, outcome, \
         purpose_ticket, purpose_code, leaf_hash, entry"
    };
}

/// Columns of a `DisclosureRow`, in the order `read::disclosure_row`
/// expects.
macro_rules! disclosure_columns {
    () => {
        "key, customer, employee, time, action, fields, purpose_ticket, purpose_code"
    };
}

/// `?1` is a JSON array of ids. CROSS JOIN keeps the array as the outer
/// loop, so that each id is one probe of `events_by_id`.
pub const LOOKUP_IDS: &str = "SELECT e.id, e.idx, e.leaf_hash
     FROM json_each(?1) AS j CROSS JOIN events AS e ON e.id = j.value";

pub const EVENT_BY_ID: &str = concat!("SELECT ", event_columns!(), " FROM events WHERE id = ?1");

pub const SCAN_EVENTS: &str = concat!(
    "SELECT ",
    event_columns!(),
    " FROM events WHERE idx >= ?1 AND idx < ?2 ORDER BY idx"
);

pub const SCAN_DISCLOSURES: &str = concat!(
    "SELECT ",
    disclosure_columns!(),
    " FROM disclosures WHERE key >= ?1 AND key < ?2 ORDER BY key"
);

pub const EVENTS_BY_EMPLOYEE: &str = concat!(
    "SELECT ",
    event_columns!(),
    " FROM events WHERE actor_type = 'employee' AND actor_id = ?1 AND time >= ?2 AND time < ?3
      ORDER BY time, idx LIMIT ?4"
);

pub const EVENTS_BY_SELLER: &str = concat!(
    "SELECT ",
    event_columns!(),
    " FROM events WHERE seller = ?1 AND time >= ?2 AND time < ?3 ORDER BY time, idx LIMIT ?4"
);

pub const DISCLOSURES_BY_EMPLOYEE: &str = concat!(
    "SELECT ",
    disclosure_columns!(),
    " FROM disclosures INDEXED BY disclosures_by_employee
      WHERE employee = ?1 AND time >= ?2 AND time < ?3 ORDER BY time, key"
);

pub const DISCLOSURES_BY_CUSTOMER: &str = concat!(
    "SELECT ",
    disclosure_columns!(),
    " FROM disclosures INDEXED BY disclosures_by_customer
      WHERE customer = ?1 AND time >= ?2 AND time < ?3 ORDER BY time, key"
);

/// [`DISCLOSURES_BY_EMPLOYEE`] without its index, while a bulk load has
/// it deferred (`bulk.rs`): a scan, with the same answer.
pub const DISCLOSURES_BY_EMPLOYEE_UNINDEXED: &str = concat!(
    "SELECT ",
    disclosure_columns!(),
    " FROM disclosures WHERE employee = ?1 AND time >= ?2 AND time < ?3 ORDER BY time, key"
);

/// [`DISCLOSURES_BY_CUSTOMER`] without its index (see above).
pub const DISCLOSURES_BY_CUSTOMER_UNINDEXED: &str = concat!(
    "SELECT ",
    disclosure_columns!(),
    " FROM disclosures WHERE customer = ?1 AND time >= ?2 AND time < ?3 ORDER BY time, key"
);

pub const ADD_DISCLOSURE_DAY: &str =
    "INSERT INTO disclosure_days (employee, day, disclosures) VALUES (?1, ?2, ?3)
     ON CONFLICT (employee, day) DO UPDATE SET disclosures = disclosures + excluded.disclosures";
pub const ADD_DISCLOSURE_DAY_TOTAL: &str =
    "INSERT INTO disclosure_day_totals (day, disclosures) VALUES (?1, ?2)
     ON CONFLICT (day) DO UPDATE SET disclosures = disclosures + excluded.disclosures";
pub const DISCLOSURE_DAYS_OF: &str = "SELECT coalesce(sum(disclosures), 0) FROM disclosure_days
     WHERE employee = ?1 AND day >= ?2 AND day < ?3";
pub const DISCLOSURE_DAY_TOTALS: &str = "SELECT coalesce(sum(disclosures), 0)
     FROM disclosure_day_totals WHERE day >= ?1 AND day < ?2";
/// The first employee after `?1` with a counted day in `[?2, ?3)`.
pub const NEXT_DISCLOSING_EMPLOYEE: &str = "SELECT employee FROM disclosure_days
     WHERE employee > ?1 AND day >= ?2 AND day < ?3 ORDER BY employee LIMIT 1";

// Fact updates. In `ON CONFLICT ... DO UPDATE`, bare column names are the
// stored row and `excluded.` the proposed one.

pub const REVIEW_CREATED: &str = "INSERT INTO reviews (id, customer, seller, product, rating,
     created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
     ON CONFLICT (id) DO UPDATE SET customer = excluded.customer, seller = excluded.seller,
     product = excluded.product, rating = excluded.rating, created_at = excluded.created_at";

pub const REVIEW_DELETED: &str = "INSERT INTO reviews (id, deleted_at, deleted_by, delete_reason)
     VALUES (?1, ?2, ?3, ?4)
     ON CONFLICT (id) DO UPDATE SET deleted_at = excluded.deleted_at,
     deleted_by = excluded.deleted_by, delete_reason = excluded.delete_reason";

pub const REVIEW_RESTORED: &str = "UPDATE reviews SET deleted_at = NULL, deleted_by = NULL,
     delete_reason = NULL WHERE id = ?1";

pub const ORDER_CREATED: &str = "INSERT INTO orders (id, customer, seller, product, time)
     VALUES (?1, ?2, ?3, ?4, ?5)
     ON CONFLICT (id) DO UPDATE SET customer = excluded.customer, seller = excluded.seller,
     product = excluded.product, time = excluded.time";

/// `min(x, NULL)` is NULL in SQLite, hence the CASE for the rating.
pub const RELATION_REVIEWED: &str = "INSERT INTO relations (customer, seller, reviews, orders,
     min_rating, first_at, last_at) VALUES (?1, ?2, 1, 0, ?3, ?4, ?4)
     ON CONFLICT (customer, seller) DO UPDATE SET reviews = reviews + 1,
     min_rating = CASE WHEN min_rating IS NULL THEN excluded.min_rating
                       WHEN excluded.min_rating IS NULL THEN min_rating
                       ELSE min(min_rating, excluded.min_rating) END,
     first_at = min(first_at, excluded.first_at), last_at = max(last_at, excluded.last_at)";

pub const RELATION_BOUGHT: &str = "INSERT INTO relations (customer, seller, reviews, orders,
     min_rating, first_at, last_at) VALUES (?1, ?2, 0, 1, NULL, ?3, ?3)
     ON CONFLICT (customer, seller) DO UPDATE SET orders = orders + 1,
     first_at = min(first_at, excluded.first_at), last_at = max(last_at, excluded.last_at)";

/// Everything one batch writes to one ticket: `?13`, `?14` and `?15` say
/// whether it opened, assigned or closed it. Only those groups of columns
/// change, each to the last value the batch gave it, as separate
/// statements applied in ledger order would have left them.
pub const TICKET_FACTS: &str = "INSERT INTO tickets (id, opened_at, opener, customer, seller, kind,
     assignee, assigned_at, assigned_by, closed_at, closed_by, resolution)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
     ON CONFLICT (id) DO UPDATE SET
     opened_at = iif(?13, excluded.opened_at, opened_at), opener = iif(?13, excluded.opener, opener),
     customer = iif(?13, excluded.customer, customer), seller = iif(?13, excluded.seller, seller),
     kind = iif(?13, excluded.kind, kind),
     assignee = iif(?14, excluded.assignee, assignee),
     assigned_at = iif(?14, excluded.assigned_at, assigned_at),
     assigned_by = iif(?14, excluded.assigned_by, assigned_by),
     closed_at = iif(?15, excluded.closed_at, closed_at),
     closed_by = iif(?15, excluded.closed_by, closed_by),
     resolution = iif(?15, excluded.resolution, resolution)";

pub const ACCOUNT_RESTRICTED: &str = "INSERT INTO accounts (id, kind, status, restricted_status,
     restricted_reason, restricted_by, restricted_at) VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6)
     ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, status = excluded.status,
     restricted_status = excluded.restricted_status,
     restricted_reason = excluded.restricted_reason, restricted_by = excluded.restricted_by,
     restricted_at = excluded.restricted_at";

pub const ACCOUNT_REACTIVATED: &str = "INSERT INTO accounts (id, kind, status, reactivated_by,
     reactivated_appeal, reactivated_at) VALUES (?1, ?2, 'active', ?3, ?4, ?5)
     ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, status = 'active',
     reactivated_by = excluded.reactivated_by, reactivated_appeal = excluded.reactivated_appeal,
     reactivated_at = excluded.reactivated_at";

/// An HR attribute left out of a hire or change keeps the known value.
pub const EMPLOYEE_HIRED: &str = "INSERT INTO employees (id, role, team, site, status, hired_at,
     from_hr, first_seen) VALUES (?1, ?2, ?3, ?4, 'active', ?5, 1, ?5)
     ON CONFLICT (id) DO UPDATE SET role = coalesce(excluded.role, role),
     team = coalesce(excluded.team, team), site = coalesce(excluded.site, site),
     status = 'active', hired_at = excluded.hired_at, left_at = NULL, leave_reason = NULL,
     from_hr = 1";

/// `?6` is a new status (`suspended`, `active`) or NULL; a leaver stays left.
pub const EMPLOYEE_CHANGED: &str = "INSERT INTO employees (id, role, team, site, status, from_hr,
     first_seen) VALUES (?1, ?2, ?3, ?4, coalesce(?6, 'active'), 1, ?5)
     ON CONFLICT (id) DO UPDATE SET role = coalesce(excluded.role, role),
     team = coalesce(excluded.team, team), site = coalesce(excluded.site, site), from_hr = 1,
     status = CASE WHEN ?6 IS NOT NULL AND status != 'left' THEN ?6 ELSE status END";

pub const EMPLOYEE_LEFT: &str = "INSERT INTO employees (id, status, left_at, leave_reason,
     from_hr, first_seen) VALUES (?1, 'left', ?2, ?3, 1, ?2)
     ON CONFLICT (id) DO UPDATE SET status = 'left', left_at = excluded.left_at,
     leave_reason = excluded.leave_reason, from_hr = 1";

/// Learns from an employee's own events only while no HR fact exists, and
/// skips the write when nothing changes.
pub const EMPLOYEE_SEEN: &str = "INSERT INTO employees (id, role, team, site, status, from_hr,
     first_seen) VALUES (?1, ?2, ?3, ?4, 'active', 0, ?5)
     ON CONFLICT (id) DO UPDATE SET role = coalesce(excluded.role, role),
     team = coalesce(excluded.team, team), site = coalesce(excluded.site, site)
     WHERE from_hr = 0 AND (role IS NOT coalesce(excluded.role, role)
       OR team IS NOT coalesce(excluded.team, team) OR site IS NOT coalesce(excluded.site, site))";

pub const HONEYTOKEN_PLANTED: &str = "INSERT INTO honeytokens (customer, planted_at)
     VALUES (?1, ?2) ON CONFLICT (customer) DO NOTHING";

// Facts, read.

pub const REVIEW: &str = "SELECT id, customer, seller, product, rating, created_at, deleted_at,
     deleted_by, delete_reason FROM reviews WHERE id = ?1";

pub const ORDER: &str = "SELECT id, customer, seller, product, time FROM orders WHERE id = ?1";

pub const TICKET: &str = "SELECT id, opened_at, opener, customer, seller, kind, assignee,
     assigned_at, assigned_by, closed_at, closed_by, resolution FROM tickets WHERE id = ?1";

pub const ACCOUNT: &str = "SELECT id, kind, status, restricted_status, restricted_reason,
     restricted_by, restricted_at, reactivated_by, reactivated_appeal, reactivated_at
     FROM accounts WHERE id = ?1";

macro_rules! employee_columns {
    () => {
        "id, role, team, site, status, hired_at, left_at, leave_reason, from_hr, first_seen"
    };
}

pub const EMPLOYEE: &str = concat!(
    "SELECT ",
    employee_columns!(),
    " FROM employees WHERE id = ?1"
);

pub const EMPLOYEES: &str = concat!(
    "SELECT ",
    employee_columns!(),
    " FROM employees ORDER BY id"
);

macro_rules! relation_columns {
    () => {
        "customer, seller, reviews, orders, min_rating, first_at, last_at"
    };
}

pub const CUSTOMERS_OF_SELLER: &str = concat!(
    "SELECT ",
    relation_columns!(),
    " FROM relations WHERE seller = ?1 ORDER BY customer"
);

pub const SELLERS_OF_CUSTOMER: &str = concat!(
    "SELECT ",
    relation_columns!(),
    " FROM relations WHERE customer = ?1 ORDER BY seller"
);

pub const IS_HONEYTOKEN: &str = "SELECT 1 FROM honeytokens WHERE customer = ?1";

// Alerts and state.

pub const PUT_ALERT: &str = "INSERT INTO alerts (id, time, employee, detector, severity, score,
     json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
     ON CONFLICT (id) DO UPDATE SET time = excluded.time, employee = excluded.employee,
     detector = excluded.detector, severity = excluded.severity, score = excluded.score,
     json = excluded.json";

pub const ALERTS: &str = "SELECT id, time, employee, detector, severity, score, json FROM alerts
     WHERE (?1 IS NULL OR employee = ?1) AND (?2 IS NULL OR detector = ?2)
       AND time >= ?3 AND time < ?4
     ORDER BY time, id LIMIT ?5";

pub const PUT_STATE: &str = "INSERT INTO state (key, value) VALUES (?1, ?2)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value";

pub const GET_STATE: &str = "SELECT value FROM state WHERE key = ?1";

/// Keys starting with `?1` (the state table is small: snapshots, tokens).
pub const STATES_WITH_PREFIX: &str =
    "SELECT key, value FROM state WHERE substr(key, 1, length(?1)) = ?1 ORDER BY key";
