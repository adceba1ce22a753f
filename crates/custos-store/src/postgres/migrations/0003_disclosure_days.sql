-- Custos store, PostgreSQL schema 3: disclosure volume per employee and
-- UTC day (day = floor(time / 86,400,000)), kept at ingest beside the
-- disclosures it counts, so that leak attribution reads an employee's
-- disclosure rate without scanning their disclosures (volume.rs).

CREATE TABLE disclosure_days (
    ledger      smallint NOT NULL,
    employee    text     NOT NULL,
    day         bigint   NOT NULL,
    disclosures bigint   NOT NULL,
    PRIMARY KEY (ledger, employee, day)
);

CREATE TABLE disclosure_day_totals (
    ledger      smallint NOT NULL,
    day         bigint   NOT NULL,
    disclosures bigint   NOT NULL,
    PRIMARY KEY (ledger, day)
);

INSERT INTO disclosure_days (ledger, employee, day, disclosures)
    SELECT ledger, employee, floor(time::numeric / 86400000)::bigint, count(*)
    FROM disclosures GROUP BY 1, 2, 3;
INSERT INTO disclosure_day_totals (ledger, day, disclosures)
    SELECT ledger, day, sum(disclosures)::bigint FROM disclosure_days GROUP BY 1, 2;
