-- Custos store, PostgreSQL schema 2: aggregates that partitions leave
-- for cross-partition signals (see aggregates.rs).

CREATE TABLE agg_employee_days (
    ledger     smallint NOT NULL REFERENCES ledgers (id),
    employee   text     NOT NULL,
    day        bigint   NOT NULL,
    peer_group text     NOT NULL,
    customers  integer  NOT NULL,
    searches   integer  NOT NULL,
    exported   integer  NOT NULL,
    PRIMARY KEY (day, ledger, employee)
);

CREATE TABLE agg_seller_signals (
    ledger   smallint         NOT NULL REFERENCES ledgers (id),
    seller   text             NOT NULL,
    employee text             NOT NULL,
    kind     text             NOT NULL,
    day      bigint           NOT NULL,
    strong   boolean          NOT NULL,
    log10_p  double precision NOT NULL,
    event    text             NOT NULL,
    PRIMARY KEY (day, ledger, seller, employee, kind)
);

CREATE TABLE agg_progress (
    ledger    smallint PRIMARY KEY REFERENCES ledgers (id),
    day       bigint   NOT NULL,
    employees bigint   NOT NULL,
    sellers   bigint   NOT NULL
);
