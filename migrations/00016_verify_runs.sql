-- +goose Up
-- Each run of the tamper-evidence check (`ledger verify`, GET /api/v1/verify,
-- the auditors' overview's button) and what it found, so the overview shows
-- the last run and its time without recomputing the chain on every view.
-- period is the month whose recorded seal was checked ('' for the chain
-- from from_seq to its end). Runs are history: never changed, never deleted.
CREATE TABLE verify_runs (
    book        text NOT NULL REFERENCES books,
    id          bigint GENERATED ALWAYS AS IDENTITY,
    at          timestamptz NOT NULL,
    actor       text NOT NULL CHECK (actor <> ''),
    source      text NOT NULL CHECK (source <> ''),
    period      text NOT NULL DEFAULT '' CHECK (period = '' OR period ~ '^[0-9]{4}-[0-9]{2}$'),
    from_seq    bigint NOT NULL CHECK (from_seq >= 1),
    last_seq    bigint NOT NULL CHECK (last_seq >= 0),
    checked     bigint NOT NULL CHECK (checked >= 0),
    problems    bigint NOT NULL CHECK (problems >= 0),
    pending     int NOT NULL CHECK (pending >= 0),
    first_problem text NOT NULL DEFAULT '',
    PRIMARY KEY (book, id)
);
CREATE INDEX verify_runs_book ON verify_runs (book, id);

CREATE TRIGGER verify_runs_append_only BEFORE UPDATE OR DELETE ON verify_runs
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER verify_runs_no_truncate BEFORE TRUNCATE ON verify_runs
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_no_delete();

-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_app') THEN
        GRANT SELECT, INSERT ON verify_runs TO ledger_app;
        GRANT SELECT ON verify_runs TO ledger_auditor;
    END IF;
END $$;
-- +goose StatementEnd
