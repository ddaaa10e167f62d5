-- +goose Up
-- The saved queries' counts (常用查询: 重复领取, 大额现金支付, 拆分支付)
-- as each audit run found them, so that the auditors' overview shows them
-- without reading every payment of the period on every view (issue #17):
-- the counts of the whole book (org '') and, for the queries that look at
-- one organisation's payments at a time (cash, split), each organisation's,
-- which a scoped auditor's overview adds up over the scope. A run's counts
-- are history: never changed, never deleted.
CREATE TABLE saved_query_counts (
    book        text NOT NULL REFERENCES books,
    period_from date NOT NULL,
    period_to   date NOT NULL CHECK (period_to >= period_from),
    at          timestamptz NOT NULL,
    name        text NOT NULL CHECK (name IN ('repeat', 'cash', 'split')),
    org         text NOT NULL,
    count       int NOT NULL CHECK (count >= 0),
    PRIMARY KEY (book, period_from, period_to, at, name, org)
);

CREATE TRIGGER saved_query_counts_append_only BEFORE UPDATE OR DELETE ON saved_query_counts
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER saved_query_counts_no_truncate BEFORE TRUNCATE ON saved_query_counts
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_no_delete();

-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_app') THEN
        GRANT SELECT, INSERT ON saved_query_counts TO ledger_app;
        GRANT SELECT ON saved_query_counts TO ledger_auditor;
    END IF;
END $$;
-- +goose StatementEnd
