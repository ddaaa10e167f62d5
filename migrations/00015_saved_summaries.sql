-- +goose Up
-- Saved summaries (常用摘要): the 摘要 texts a user keeps to pick from in
-- the voucher entry grid; their own, per book, at most 50 (checked by
-- ledger/postgres under a lock of the user's row), each 1 to 100
-- characters (ledger.CheckSavedSummary; the check below repeats it).
CREATE TABLE saved_summaries (
    book       text NOT NULL,
    user_name  text NOT NULL,
    text       text NOT NULL CHECK (char_length(text) BETWEEN 1 AND 100 AND text = btrim(text)),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (book, user_name, text),
    FOREIGN KEY (book, user_name) REFERENCES users (book, name) ON DELETE CASCADE
);

-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_app') THEN
        GRANT SELECT, INSERT, DELETE ON saved_summaries TO ledger_app;
    END IF;
END $$;
-- +goose StatementEnd
