-- Custos store, SQLite schema 3: disclosure volume per employee and UTC
-- day (day = floor(time / 86,400,000)), kept at ingest beside the
-- disclosures it counts, so that leak attribution reads an employee's
-- disclosure rate without scanning their disclosures (volume.rs).

CREATE TABLE disclosure_days (
    employee    TEXT    NOT NULL,
    day         INTEGER NOT NULL,
    disclosures INTEGER NOT NULL,
    PRIMARY KEY (employee, day)
) WITHOUT ROWID;

CREATE TABLE disclosure_day_totals (
    day         INTEGER PRIMARY KEY,
    disclosures INTEGER NOT NULL
);
