-- +goose Up
-- The HTTP API (`ledger serve`): API tokens and stored responses of
-- idempotent requests.
--
-- API tokens are random 256-bit values shown once; only their SHA-256 hash
-- is stored, so checking a token is one indexed lookup and a leaked table
-- gives no usable token. A token belongs to a user of a book, expires, and
-- can be revoked. The hash is unique on its own (not per book) because a
-- request presents only the token; 256 random bits never collide, the
-- constraint only makes that an invariant. On a distributed engine this
-- table is a reference table, not one sharded by book.
CREATE TABLE api_tokens (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    book       text NOT NULL,
    user_name  text NOT NULL,
    token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    CHECK (expires_at > created_at),
    FOREIGN KEY (book, user_name) REFERENCES users (book, name)
);
CREATE INDEX api_tokens_user ON api_tokens (book, user_name);

-- Idempotent API writes: the first request with an Idempotency-Key claims
-- the key (status NULL while it runs), and its response is stored when it
-- completes; the same key with the same request replays the stored
-- response, with another request it is idempotency_conflict. Keys are
-- scoped per user. A claim left pending by a process that stopped (or lost
-- the database) between the write and storing the response is taken over
-- by the next request with the key. Rows older than the retention of the
-- server (7 days) are purged.
CREATE TABLE api_idempotency (
    book         text NOT NULL,
    user_name    text NOT NULL,
    key          text NOT NULL CHECK (key <> '' AND length(key) <= 200),
    method       text NOT NULL,
    path         text NOT NULL,
    request_hash text NOT NULL,
    instance     text NOT NULL,
    claimed_at   timestamptz NOT NULL DEFAULT now(),
    status       int CHECK (status BETWEEN 100 AND 599),
    response     bytea,
    completed_at timestamptz,
    PRIMARY KEY (book, user_name, key),
    CHECK ((status IS NULL) = (completed_at IS NULL))
);
CREATE INDEX api_idempotency_claimed ON api_idempotency (claimed_at);

-- Failed logins are rate-limited in the serving process (per user and per
-- address); nothing about them is stored here.

-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_app') THEN
        GRANT SELECT, INSERT ON api_tokens TO ledger_app;
        GRANT UPDATE (revoked_at) ON api_tokens TO ledger_app;
        GRANT SELECT, INSERT, UPDATE, DELETE ON api_idempotency TO ledger_app;
        -- Auditors see who holds access, never the hashes.
        GRANT SELECT (id, book, user_name, created_at, expires_at, revoked_at) ON api_tokens TO ledger_auditor;
        GRANT SELECT (book, user_name, key, method, path, claimed_at, status, completed_at) ON api_idempotency TO ledger_auditor;
    END IF;
END $$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE IF EXISTS api_idempotency, api_tokens;
