-- +goose Up
-- Login attempts of the HTTP API, counted per key (a user of a book, a
-- client address) in a fixed window: every `ledger serve` process on the
-- database shares them, and they survive a restart. An attempt is counted
-- by one INSERT … ON CONFLICT … RETURNING before the password is checked,
-- so concurrent guesses cannot slip past the limit.
CREATE TABLE login_attempts (
    key          text PRIMARY KEY CHECK (key <> '' AND length(key) <= 400),
    attempts     int NOT NULL CHECK (attempts >= 0),
    window_start timestamptz NOT NULL
);
CREATE INDEX login_attempts_window ON login_attempts (window_start);

-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_app') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON login_attempts TO ledger_app;
    END IF;
END $$;
-- +goose StatementEnd
