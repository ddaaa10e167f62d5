-- +goose Up
-- The idempotency key of an API write that makes or moves a voucher is
-- kept in the action log, on the row of the step it made (issue #19),
-- instead of in a row of api_idempotency of its own: each draft, check and
-- post wrote one (a heap tuple of 260 bytes and a key of 104 bytes in the
-- write-ahead log, three times per voucher), beside the action row that
-- already holds the voucher, the step, the user and the time. The row
-- holds the key and the SHA-256 of the request (what a repeated request
-- is compared with); actions_idem_key keeps a user's key unique in a book.
-- The key of any other write, and a pending claim, stay in
-- api_idempotency, as do the records written before this migration.
--
-- One key, two tables: a key is used once across both. Whoever writes a
-- key to either takes the key's advisory lock (api_key_lock) first and
-- then looks in the other table, with a snapshot taken after the lock
-- (READ COMMITTED): actions_api_key for a step's row, and the API's claim
-- and stored answers (ledger/postgres/apirequests.go) for api_idempotency.
-- A key found in api_idempotency fails the step's insert as that table's
-- own key would (unique_violation of api_idempotency_pkey), so the caller
-- replays or refuses as before.
--
-- A key kept with its step is kept as long as the action log: its write is
-- replayed, and another request with it refused, after the seven days an
-- api_idempotency record is kept.
ALTER TABLE actions
    ADD COLUMN idem_key text,
    ADD COLUMN request_hash bytea,
    ADD CONSTRAINT actions_idem_key_check CHECK (idem_key IS NULL OR (idem_key <> '' AND length(idem_key) <= 200
        AND voucher_id IS NOT NULL AND octet_length(request_hash) = 32)),
    ADD CONSTRAINT actions_request_hash_check CHECK ((idem_key IS NULL) = (request_hash IS NULL));

CREATE UNIQUE INDEX actions_idem_key ON actions (book, actor, idem_key) WHERE idem_key IS NOT NULL;

-- +goose StatementBegin
CREATE FUNCTION api_key_lock(p_book text, p_user text, p_key text) RETURNS void
    LANGUAGE sql
    SET search_path TO 'public', 'pg_temp'
    AS $$
    SELECT pg_advisory_xact_lock(hashtextextended(p_book || E'\n' || p_user || E'\n' || p_key, 19));
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION actions_api_key() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    PERFORM api_key_lock(NEW.book, NEW.actor, NEW.idem_key);
    IF EXISTS (SELECT 1 FROM api_idempotency a WHERE a.book = NEW.book AND a.user_name = NEW.actor AND a.key = NEW.idem_key) THEN
        RAISE EXCEPTION USING ERRCODE = 'unique_violation', CONSTRAINT = 'api_idempotency_pkey', TABLE = 'api_idempotency',
            MESSAGE = format('idempotency key %s of %s is claimed already', NEW.idem_key, NEW.actor);
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd

CREATE TRIGGER actions_api_key BEFORE INSERT ON actions
    FOR EACH ROW WHEN (NEW.idem_key IS NOT NULL) EXECUTE FUNCTION actions_api_key();

REVOKE ALL ON FUNCTION api_key_lock(text, text, text) FROM PUBLIC;
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_app') THEN
        GRANT EXECUTE ON FUNCTION api_key_lock(text, text, text) TO ledger_app;
    END IF;
END $$;
-- +goose StatementEnd
