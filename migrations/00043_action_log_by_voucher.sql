-- +goose Up
-- The action log keeps one index for its rows instead of two (issue #19).
-- Every row was entered in actions_pkey (book, id) and in actions_voucher
-- (book, voucher_id): two index entries per action, three actions per
-- voucher made, checked and posted, about 225 bytes of WAL per voucher.
-- The log is read by voucher, in the order of its actions (a voucher's
-- history, the edit's completeness check, the attachments' record in
-- verify), by API key (actions_idem_key) and, for the revealed ID numbers,
-- newest first. The primary key (book, voucher_id, id) serves the first:
-- a voucher's rows come in id order. A key column cannot be null, so an
-- action that concerns no voucher (a period's close, a user's change, an
-- import) has voucher_id 0, which no voucher has (their ids start at 1).
-- The revealed ID numbers, a few rows, get a partial index of their own.

ALTER TABLE actions DISABLE TRIGGER actions_append_only;
UPDATE actions SET voucher_id = 0 WHERE voucher_id IS NULL;
ALTER TABLE actions ENABLE TRIGGER actions_append_only;

ALTER TABLE actions DROP CONSTRAINT actions_pkey;
DROP INDEX actions_voucher;
ALTER TABLE actions
    ALTER COLUMN voucher_id SET DEFAULT 0,
    ALTER COLUMN voucher_id SET NOT NULL,
    ADD CONSTRAINT actions_voucher_id_check CHECK (voucher_id >= 0),
    ADD CONSTRAINT actions_pkey PRIMARY KEY (book, voucher_id, id);
CREATE INDEX actions_reveals ON actions (book, id) WHERE action = 'reveal_id';

-- An API key's action names its voucher: not 0.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION actions_api_key() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    IF NEW.idem_key IS NULL OR NEW.idem_key = '' OR length(NEW.idem_key) > 200 OR NEW.voucher_id = 0
       OR octet_length(NEW.request_hash) IS DISTINCT FROM 32 THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation', TABLE = 'actions',
            MESSAGE = 'an action''s idempotency key has 1 to 200 characters, with its voucher and the 32 bytes of its request''s hash';
    END IF;
    PERFORM api_key_lock(NEW.book, NEW.actor, NEW.idem_key);
    IF EXISTS (SELECT 1 FROM api_idempotency a WHERE a.book = NEW.book AND a.user_name = NEW.actor AND a.key = NEW.idem_key) THEN
        RAISE EXCEPTION USING ERRCODE = 'unique_violation', CONSTRAINT = 'api_idempotency_pkey', TABLE = 'api_idempotency',
            MESSAGE = format('idempotency key %s of %s is claimed already', NEW.idem_key, NEW.actor);
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
