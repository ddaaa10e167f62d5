-- +goose Up
-- The action log keeps the first 16 bytes of an API request's SHA-256
-- hash (issue #19).
--
-- A step's row of the action log keeps the hash of the request that made
-- it, so that the same key sent again with another request is refused
-- (idempotency_conflict). Half the hash, 128 bits, still tells two
-- requests apart (only the key's own user could even try to make two
-- agree) and saves 16 bytes on each of a voucher's three rows, 48 bytes of
-- WAL. The rows written before keep their 32 bytes, and a request is
-- compared with as many bytes as its row holds (apirequests.go).

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION public.actions_api_key() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    IF NEW.idem_key IS NULL OR NEW.idem_key = '' OR length(NEW.idem_key) > 200 OR NEW.voucher_id = 0
       OR coalesce(octet_length(NEW.request_hash), 0) NOT IN (16, 32) THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation', TABLE = 'actions',
            MESSAGE = 'an action''s idempotency key has 1 to 200 characters, with its voucher and the first 16 bytes of its request''s SHA-256 hash (all 32 before migration 00051)';
    END IF;
    PERFORM api_key_lock(NEW.book, NEW.actor, NEW.idem_key);
    IF EXISTS (SELECT 1 FROM api_idempotency a WHERE a.book = NEW.book AND a.user_name = NEW.actor AND a.key = NEW.idem_key) THEN
        RAISE EXCEPTION USING ERRCODE = 'unique_violation', CONSTRAINT = 'api_idempotency_pkey', TABLE = 'api_idempotency',
            MESSAGE = format('idempotency key %s of %s is claimed already', NEW.idem_key, NEW.actor);
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
