-- Custos store, SQLite schema 2: aggregates for cross-partition signals
-- (see aggregates.rs). A SQLite store holds one ledger; the tables have
-- the same shape as PostgreSQL's, without the ledger column.

CREATE TABLE agg_employee_days (
    employee   TEXT    NOT NULL,
    day        INTEGER NOT NULL,
    peer_group TEXT    NOT NULL,
    customers  INTEGER NOT NULL,
    searches   INTEGER NOT NULL,
    exported   INTEGER NOT NULL,
    PRIMARY KEY (day, employee)
) WITHOUT ROWID;

CREATE TABLE agg_seller_signals (
    seller   TEXT    NOT NULL,
    employee TEXT    NOT NULL,
    kind     TEXT    NOT NULL,
    day      INTEGER NOT NULL,
    strong   INTEGER NOT NULL,
    log10_p  REAL    NOT NULL,
    event    TEXT    NOT NULL,
    PRIMARY KEY (day, seller, employee, kind)
) WITHOUT ROWID;

CREATE TABLE agg_progress (
    one       INTEGER PRIMARY KEY CHECK (one = 1),
    day       INTEGER NOT NULL,
    employees INTEGER NOT NULL,
    sellers   INTEGER NOT NULL
);
