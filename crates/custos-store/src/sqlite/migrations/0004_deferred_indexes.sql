-- Custos store, SQLite schema 4: secondary indexes a bulk load dropped
-- and has not built again yet (see bulk.rs). A row here means that index
-- is missing from the store; `sql` is the statement that creates it, as
-- sqlite_master held it. The rows are written in the transaction that
-- drops the indexes and deleted in the one that builds them, so after a
-- crash they name exactly what is missing.

CREATE TABLE deferred_indexes (
    name TEXT PRIMARY KEY,
    sql  TEXT NOT NULL
) WITHOUT ROWID;
