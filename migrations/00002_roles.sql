-- +goose Up
-- Database roles (documented in README.md, "Database roles"):
--   ledger_owner   owns the schema; migrations run as it.
--   ledger_app     the application: reads and writes through the workflow;
--                  cannot delete vouchers, lines or the action log, cannot
--                  write balances (only the posting trigger does), and the
--                  triggers refuse any change to a posted voucher.
--   ledger_auditor read-only access for discipline-inspection auditors.
-- Creating roles needs CREATEROLE; on a server where the migrating user lacks
-- it the roles are skipped with a notice and the connecting user is used.
-- +goose StatementBegin
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_app') THEN
        CREATE ROLE ledger_app LOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_auditor') THEN
        CREATE ROLE ledger_auditor LOGIN;
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'roles ledger_app and ledger_auditor not created: %', SQLERRM;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_app') THEN
        EXECUTE format('GRANT CONNECT ON DATABASE %I TO ledger_app, ledger_auditor', current_database());
        GRANT USAGE ON SCHEMA public TO ledger_app, ledger_auditor;
        GRANT SELECT ON ALL TABLES IN SCHEMA public TO ledger_app, ledger_auditor;
        -- voucher_counters are moved only by the numbering trigger (as the
        -- owner): a counter moved by hand would leave a gap in the numbers.
        GRANT INSERT ON books, accounts, organisations, funds, users, periods, period_events,
            vouchers, voucher_lines, voucher_beneficiaries, actions, idempotency TO ledger_app;
        GRANT UPDATE ON books, accounts, organisations, funds, users, periods,
            vouchers, idempotency TO ledger_app;
        GRANT DELETE ON idempotency TO ledger_app;
        -- SELECT … FOR UPDATE needs an UPDATE privilege on some column; the
        -- application locks balance rows in key order but never writes them.
        GRANT UPDATE (updated_at) ON balances TO ledger_app;
        REVOKE ALL ON goose_db_version FROM ledger_app;
        GRANT SELECT ON goose_db_version TO ledger_app, ledger_auditor;
    END IF;
END $$;
-- +goose StatementEnd

-- +goose Down
SELECT 1;
