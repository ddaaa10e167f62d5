-- +goose Up
-- The monthly reconciliation batch (SPEC §7, `ledger reconcile`).
--
-- bank_statements       one row per bank statement file imported for a
--                       period, keyed by the SHA-256 of the file: importing
--                       the same file again for the period is a no-op.
-- bank_statement_lines  the statement's lines as read (amount signed from the
--                       account holder's side: money in positive), with
--                       their row in the file.
-- reconcile_runs        one row per distinct outcome of the batch for a
--                       period: the JSON summary of SPEC §7, the statement
--                       it used and whether the period was closed after it.
--                       A re-run with the same outcome finds its row and
--                       writes nothing (result_hash).
--
-- Everything a run writes (the statement, its lines, the run, the close of
-- the period with its summary and seal, the period event) is written in the
-- one transaction that ends the run, so a run killed at any point leaves
-- nothing half-written. All three tables are append-only.

CREATE TABLE bank_statements (
    book        text NOT NULL REFERENCES books,
    year        int NOT NULL,
    month       int NOT NULL,
    digest      text NOT NULL CHECK (digest ~ '^[0-9a-f]{64}$'),
    seq         bigint GENERATED ALWAYS AS IDENTITY,
    filename    text NOT NULL DEFAULT '',
    layout      text NOT NULL DEFAULT '',
    account     text NOT NULL,
    line_count  int NOT NULL CHECK (line_count >= 0),
    -- the statement balance at the period end, when the file gives one
    closing_fen bigint,
    closing     numeric(16, 2) GENERATED ALWAYS AS (closing_fen / 100.0) STORED,
    imported_at timestamptz NOT NULL,
    imported_by text NOT NULL,
    PRIMARY KEY (book, year, month, digest),
    UNIQUE (book, seq),
    FOREIGN KEY (book, year, month) REFERENCES periods (book, year, month),
    FOREIGN KEY (book, account) REFERENCES accounts (book, code)
);

CREATE TABLE bank_statement_lines (
    book         text NOT NULL,
    year         int NOT NULL,
    month        int NOT NULL,
    digest       text NOT NULL,
    row_no       int NOT NULL CHECK (row_no > 0),
    date         date NOT NULL,
    amount_fen   bigint NOT NULL,
    amount       numeric(16, 2) GENERATED ALWAYS AS (amount_fen / 100.0) STORED,
    reference    text NOT NULL DEFAULT '',
    counterparty text NOT NULL DEFAULT '',
    summary      text NOT NULL DEFAULT '',
    balance_fen  bigint,
    balance      numeric(16, 2) GENERATED ALWAYS AS (balance_fen / 100.0) STORED,
    PRIMARY KEY (book, year, month, digest, row_no),
    FOREIGN KEY (book, year, month, digest) REFERENCES bank_statements (book, year, month, digest)
);

CREATE TABLE reconcile_runs (
    book             text NOT NULL REFERENCES books,
    id               bigint GENERATED ALWAYS AS IDENTITY,
    year             int NOT NULL,
    month            int NOT NULL,
    result_hash      text NOT NULL CHECK (result_hash ~ '^[0-9a-f]{64}$'),
    status           text NOT NULL CHECK (status IN ('clean', 'discrepancies')),
    period_status    text NOT NULL CHECK (period_status IN ('open', 'closed')),
    closed_period    boolean NOT NULL DEFAULT false,
    statement_digest text,
    discrepancies    int NOT NULL DEFAULT 0,
    summary          jsonb NOT NULL,
    -- the 银行存款余额调节表 of the run (BankReconciliation as JSON), for T9
    bank             jsonb,
    run_at           timestamptz NOT NULL,
    run_by           text NOT NULL,
    PRIMARY KEY (book, id),
    UNIQUE (book, year, month, result_hash)
);
CREATE INDEX reconcile_runs_period ON reconcile_runs (book, year, month, id);

CREATE TRIGGER bank_statements_append_only BEFORE UPDATE OR DELETE ON bank_statements
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER bank_statement_lines_append_only BEFORE UPDATE OR DELETE ON bank_statement_lines
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER reconcile_runs_append_only BEFORE UPDATE OR DELETE ON reconcile_runs
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();

-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_app') THEN
        GRANT SELECT, INSERT ON bank_statements, bank_statement_lines, reconcile_runs TO ledger_app;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_auditor') THEN
        GRANT SELECT ON bank_statements, bank_statement_lines, reconcile_runs TO ledger_auditor;
    END IF;
END $$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE IF EXISTS reconcile_runs, bank_statement_lines, bank_statements;
