-- A book's revision counts the changes to what the rules read about it: the
-- book row, its chart, its organisations and its funds. The application
-- keeps these in memory between transactions and reloads them only when
-- the revision it reads with the acting user differs from the one it holds.

-- +goose Up
ALTER TABLE books ADD COLUMN revision bigint NOT NULL DEFAULT 0;

-- +goose StatementBegin
CREATE FUNCTION books_next_revision() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    NEW.revision := OLD.revision + 1;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER books_next_revision BEFORE UPDATE ON books
    FOR EACH ROW WHEN (OLD.revision IS NOT DISTINCT FROM NEW.revision) EXECUTE FUNCTION books_next_revision();

-- +goose StatementBegin
CREATE FUNCTION books_bump_revision() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE books SET revision = revision + 1 WHERE book = OLD.book;
    ELSE
        UPDATE books SET revision = revision + 1 WHERE book = NEW.book;
        IF TG_OP = 'UPDATE' AND OLD.book IS DISTINCT FROM NEW.book THEN
            UPDATE books SET revision = revision + 1 WHERE book = OLD.book;
        END IF;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER accounts_bump_revision AFTER INSERT OR UPDATE OR DELETE ON accounts
    FOR EACH ROW EXECUTE FUNCTION books_bump_revision();
CREATE TRIGGER organisations_bump_revision AFTER INSERT OR UPDATE OR DELETE ON organisations
    FOR EACH ROW EXECUTE FUNCTION books_bump_revision();
CREATE TRIGGER funds_bump_revision AFTER INSERT OR UPDATE OR DELETE ON funds
    FOR EACH ROW EXECUTE FUNCTION books_bump_revision();
REVOKE ALL ON FUNCTION books_bump_revision() FROM PUBLIC;

-- A voucher is made in one round trip: its lines, beneficiaries, action
-- and idempotency record name it by currval of the voucher id's sequence,
-- which needs SELECT on that sequence (SELECT allows currval, not nextval).
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_app') THEN
        EXECUTE format('GRANT SELECT ON SEQUENCE %s TO ledger_app', pg_get_serial_sequence('public.vouchers', 'id'));
    END IF;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_app') THEN
        EXECUTE format('REVOKE SELECT ON SEQUENCE %s FROM ledger_app', pg_get_serial_sequence('public.vouchers', 'id'));
    END IF;
END $$;
-- +goose StatementEnd
DROP TRIGGER IF EXISTS funds_bump_revision ON funds;
DROP TRIGGER IF EXISTS organisations_bump_revision ON organisations;
DROP TRIGGER IF EXISTS accounts_bump_revision ON accounts;
DROP FUNCTION IF EXISTS books_bump_revision();
DROP TRIGGER IF EXISTS books_next_revision ON books;
DROP FUNCTION IF EXISTS books_next_revision();
ALTER TABLE books DROP COLUMN IF EXISTS revision;
