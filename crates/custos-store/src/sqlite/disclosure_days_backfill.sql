-- The counters of schema 3 recomputed from the disclosures table: run by
-- the migration on an existing store, and by bulk loads that bypass
-- `index_batch`.
DELETE FROM disclosure_days;
DELETE FROM disclosure_day_totals;
INSERT INTO disclosure_days (employee, day, disclosures)
    SELECT employee, (time - (((time % 86400000) + 86400000) % 86400000)) / 86400000, count(*)
    FROM disclosures GROUP BY 1, 2;
INSERT INTO disclosure_day_totals (day, disclosures)
    SELECT day, sum(disclosures) FROM disclosure_days GROUP BY day;
