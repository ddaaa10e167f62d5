-- +goose Up
-- Book-wide acts belong to an admin of the whole book, and auditors see who
-- holds access without its secrets.
--
-- A closed month is re-opened (反结账) only after a re-open event of it by
-- an admin of the whole book was written in the same transaction: an
-- UPDATE of periods from closed to open without one is refused, even as
-- ledger_app in raw SQL. The events themselves name a whole-book admin
-- (re-open) or the batch identity `system` or a whole-book admin (close);
-- `system` never re-opens.
--
-- A token an admin makes for another user records its maker (created_by),
-- which auditors may read; auditors read every column of users but the
-- password hash.

-- ledger_is_book_admin: whether p_name is an enabled admin of the whole
-- book p_book (no scope).
-- +goose StatementBegin
CREATE FUNCTION ledger_is_book_admin(p_book text, p_name text) RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM users WHERE book = p_book AND name = p_name AND NOT disabled
                   AND roles @> '{admin}' AND scope IS NULL);
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION period_events_before_insert() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF NEW.action = 'reopen' AND NOT ledger_is_book_admin(NEW.book, NEW.actor) THEN
        RAISE EXCEPTION USING ERRCODE = 'LE011', COLUMN = 'user',
            MESSAGE = format('%s is not an admin of the whole book %s: only one re-opens a closed month', NEW.actor, NEW.book);
    END IF;
    IF NEW.action = 'close' AND NEW.actor <> 'system' AND NOT ledger_is_book_admin(NEW.book, NEW.actor) THEN
        RAISE EXCEPTION USING ERRCODE = 'LE011', COLUMN = 'user',
            MESSAGE = format('%s is neither the batch nor an admin of the whole book %s: a month is closed by them', NEW.actor, NEW.book);
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER period_events_before_insert BEFORE INSERT ON period_events
    FOR EACH ROW EXECUTE FUNCTION period_events_before_insert();

-- The re-open event must be this transaction's own (its xmin is the
-- current transaction id): an old event does not open a month again.
-- +goose StatementBegin
CREATE FUNCTION periods_reopen_needs_event() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF OLD.status = 'closed' AND NEW.status = 'open' AND NOT EXISTS (
            SELECT 1 FROM period_events e
            WHERE e.book = NEW.book AND e.year = NEW.year AND e.month = NEW.month AND e.action = 'reopen'
              AND e.xmin = pg_current_xact_id()::xid AND ledger_is_book_admin(e.book, e.actor)) THEN
        RAISE EXCEPTION USING ERRCODE = 'LE011', COLUMN = 'user',
            MESSAGE = format('period %s-%s is re-opened only with a re-open event by an admin of the whole book in the same transaction', NEW.year, NEW.month);
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER periods_reopen_needs_event BEFORE UPDATE ON periods
    FOR EACH ROW EXECUTE FUNCTION periods_reopen_needs_event();

ALTER TABLE api_tokens ADD COLUMN created_by text;

-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_auditor') THEN
        REVOKE SELECT ON users FROM ledger_auditor;
        GRANT SELECT (book, name, full_name, roles, scope, disabled, created_at) ON users TO ledger_auditor;
        GRANT SELECT (created_by) ON api_tokens TO ledger_auditor;
    END IF;
END $$;
-- +goose StatementEnd
