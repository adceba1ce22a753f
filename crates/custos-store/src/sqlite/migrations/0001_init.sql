-- Custos store, SQLite schema 1.
-- Times are INTEGER milliseconds since the Unix epoch (UTC).

-- The ledger state the store reflects (a single row).
CREATE TABLE ledger_head (
    one       INTEGER PRIMARY KEY CHECK (one = 1),
    size      INTEGER NOT NULL,
    root_hash TEXT    NOT NULL
);

-- One row per ledger entry; the rowid is the ledger index, so rows are
-- appended in b-tree order.
CREATE TABLE events (
    idx            INTEGER PRIMARY KEY,
    id             TEXT    NOT NULL,
    time           INTEGER NOT NULL,
    actor_type     TEXT    NOT NULL,
    actor_id       TEXT    NOT NULL,
    action         TEXT    NOT NULL,
    target_type    TEXT,
    target_id      TEXT,
    seller         TEXT,
    outcome        TEXT    NOT NULL,
    purpose_ticket TEXT,
    purpose_code   TEXT,
    leaf_hash      BLOB    NOT NULL,
    entry          BLOB    NOT NULL
);
CREATE UNIQUE INDEX events_by_id ON events (id);
CREATE INDEX events_by_employee ON events (actor_id, time) WHERE actor_type = 'employee';
CREATE INDEX events_by_seller ON events (seller, time) WHERE seller IS NOT NULL;

-- One row per customer record disclosed by an event. The key is
-- (ledger index << 16) | position, so rows are appended in order and a
-- ledger range is a key range. An entry of at most 65,535 bytes cannot
-- list 65,536 distinct customers.
CREATE TABLE disclosures (
    key            INTEGER PRIMARY KEY,
    customer       TEXT    NOT NULL,
    employee       TEXT    NOT NULL,
    time           INTEGER NOT NULL,
    action         TEXT    NOT NULL,
    fields         INTEGER NOT NULL,
    purpose_ticket TEXT,
    purpose_code   TEXT
);
CREATE INDEX disclosures_by_customer ON disclosures (customer, time);
-- Covers breach scope (every record an employee saw in a window) so that
-- it is one range scan, without visiting the table.
CREATE INDEX disclosures_by_employee ON disclosures
    (employee, time, customer, fields, action, purpose_code, purpose_ticket);

CREATE TABLE reviews (
    id            TEXT PRIMARY KEY,
    customer      TEXT,
    seller        TEXT,
    product       TEXT,
    rating        INTEGER,
    created_at    INTEGER,
    deleted_at    INTEGER,
    deleted_by    TEXT,
    delete_reason TEXT
) WITHOUT ROWID;

CREATE TABLE orders (
    id       TEXT PRIMARY KEY,
    customer TEXT    NOT NULL,
    seller   TEXT,
    product  TEXT,
    time     INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE relations (
    customer   TEXT    NOT NULL,
    seller     TEXT    NOT NULL,
    reviews    INTEGER NOT NULL,
    orders     INTEGER NOT NULL,
    min_rating INTEGER,
    first_at   INTEGER NOT NULL,
    last_at    INTEGER NOT NULL,
    PRIMARY KEY (customer, seller)
) WITHOUT ROWID;
CREATE INDEX relations_by_seller ON relations (seller, customer);

CREATE TABLE tickets (
    id          TEXT PRIMARY KEY,
    opened_at   INTEGER,
    opener      TEXT,
    customer    TEXT,
    seller      TEXT,
    kind        TEXT,
    assignee    TEXT,
    assigned_at INTEGER,
    assigned_by TEXT,
    closed_at   INTEGER,
    closed_by   TEXT,
    resolution  TEXT
) WITHOUT ROWID;

CREATE TABLE accounts (
    id                 TEXT PRIMARY KEY,
    kind               TEXT NOT NULL,
    status             TEXT NOT NULL,
    restricted_status  TEXT,
    restricted_reason  TEXT,
    restricted_by      TEXT,
    restricted_at      INTEGER,
    reactivated_by     TEXT,
    reactivated_appeal TEXT,
    reactivated_at     INTEGER
) WITHOUT ROWID;

CREATE TABLE employees (
    id           TEXT PRIMARY KEY,
    role         TEXT,
    team         TEXT,
    site         TEXT,
    status       TEXT    NOT NULL,
    hired_at     INTEGER,
    left_at      INTEGER,
    leave_reason TEXT,
    from_hr      INTEGER NOT NULL,
    first_seen   INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE honeytokens (
    customer   TEXT PRIMARY KEY,
    planted_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE alerts (
    id       TEXT PRIMARY KEY,
    time     INTEGER NOT NULL,
    employee TEXT    NOT NULL,
    detector TEXT    NOT NULL,
    severity TEXT    NOT NULL,
    score    REAL    NOT NULL,
    json     TEXT    NOT NULL
) WITHOUT ROWID;
CREATE INDEX alerts_by_time ON alerts (time, id);
CREATE INDEX alerts_by_employee ON alerts (employee, time);

CREATE TABLE state (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
) WITHOUT ROWID;
