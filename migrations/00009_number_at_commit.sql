-- A draft takes its gapless number when its transaction commits, not when
-- its row is inserted: the month's counter row is then locked only for the
-- numbering and the commit, not while the lines are checked and the rest of
-- the voucher is written. Until then the row carries a placeholder, minus
-- its id, which only its own transaction can see.
--
--   * vouchers_before_insert (the checks of a new draft) sets the
--     placeholder instead of taking the number;
--   * vouchers_take_number, a deferred constraint trigger, takes the next
--     number from voucher_counters at commit and writes it into the row;
--     a row whose placeholder was changed meanwhile is refused;
--   * vouchers_before_update lets exactly that change through (placeholder
--     to number, nothing else): vouchers_number_assigned checks it.

-- +goose Up
ALTER TABLE vouchers DROP CONSTRAINT vouchers_number_check;
ALTER TABLE vouchers ADD CONSTRAINT vouchers_number_check CHECK (number <> 0);

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION vouchers_before_insert() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    st text;
BEGIN
    NEW.year := extract(year FROM NEW.date);
    NEW.month := extract(month FROM NEW.date);
    IF NOT NEW.type = ANY (SELECT unnest(voucher_types) FROM books WHERE book = NEW.book) THEN
        RAISE EXCEPTION USING ERRCODE = 'LE010', MESSAGE = format('type: voucher type %s is not configured for book %s', NEW.type, NEW.book);
    END IF;
    INSERT INTO periods (book, year, month) VALUES (NEW.book, NEW.year, NEW.month) ON CONFLICT DO NOTHING;
    SELECT status INTO st FROM periods WHERE book = NEW.book AND year = NEW.year AND month = NEW.month FOR SHARE;
    IF st = 'closed' THEN
        RAISE EXCEPTION USING ERRCODE = 'LE004', MESSAGE = format('date: period %s-%s of book %s is closed', NEW.year, lpad(NEW.month::text, 2, '0'), NEW.book);
    END IF;
    IF NEW.status <> 'draft' THEN
        RAISE EXCEPTION USING ERRCODE = 'LE007', MESSAGE = 'status: a voucher is made as a draft';
    END IF;
    IF NOT ledger_user_has(NEW.book, NEW.maker, '{officer,admin}') THEN
        RAISE EXCEPTION USING ERRCODE = 'LE011', MESSAGE = format('maker: %s is not an officer or admin of book %s', NEW.maker, NEW.book);
    END IF;
    IF NEW.reversal_of IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM vouchers o WHERE o.book = NEW.book AND o.id = NEW.reversal_of AND o.status = 'posted') THEN
        RAISE EXCEPTION USING ERRCODE = 'LE007', MESSAGE = format('reversal_of: voucher %s is not posted; only a posted voucher is reversed', NEW.reversal_of);
    END IF;
    NEW.number := -NEW.id;
    RETURN NEW;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION vouchers_take_number() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    n int;
BEGIN
    INSERT INTO voucher_counters AS c (book, year, month, type, last)
        VALUES (NEW.book, NEW.year, NEW.month, NEW.type, 1)
        ON CONFLICT (book, year, month, type) DO UPDATE SET last = c.last + 1
        RETURNING last INTO n;
    UPDATE vouchers SET number = n WHERE book = NEW.book AND id = NEW.id AND number = -NEW.id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LE008', MESSAGE = format('number: voucher %s was changed before it took its number', NEW.id);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE CONSTRAINT TRIGGER vouchers_take_number AFTER INSERT ON vouchers DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.status = 'draft') EXECUTE FUNCTION vouchers_take_number();

-- +goose StatementBegin
CREATE FUNCTION vouchers_number_assigned() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    same vouchers;
BEGIN
    same := NEW;
    same.number := OLD.number;
    same.total := OLD.total; -- a stored generated column: not yet computed in NEW
    IF same IS DISTINCT FROM OLD OR NEW.number < 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'LE008', MESSAGE = format('voucher %s: only its number is written when it takes one', OLD.id);
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
DROP TRIGGER vouchers_before_update ON vouchers;
CREATE TRIGGER vouchers_before_update BEFORE UPDATE ON vouchers
    FOR EACH ROW WHEN (OLD.number > 0 OR NEW.number = OLD.number) EXECUTE FUNCTION vouchers_before_update();
CREATE TRIGGER vouchers_number_assigned BEFORE UPDATE ON vouchers
    FOR EACH ROW WHEN (OLD.number < 0 AND NEW.number <> OLD.number) EXECUTE FUNCTION vouchers_number_assigned();

-- +goose Down
DROP TRIGGER IF EXISTS vouchers_number_assigned ON vouchers;
DROP FUNCTION IF EXISTS vouchers_number_assigned();
DROP TRIGGER vouchers_before_update ON vouchers;
CREATE TRIGGER vouchers_before_update BEFORE UPDATE ON vouchers
    FOR EACH ROW EXECUTE FUNCTION vouchers_before_update();
DROP TRIGGER IF EXISTS vouchers_take_number ON vouchers;
DROP FUNCTION IF EXISTS vouchers_take_number();
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION vouchers_before_insert() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    st text;
BEGIN
    NEW.year := extract(year FROM NEW.date);
    NEW.month := extract(month FROM NEW.date);
    IF NOT NEW.type = ANY (SELECT unnest(voucher_types) FROM books WHERE book = NEW.book) THEN
        RAISE EXCEPTION USING ERRCODE = 'LE010', MESSAGE = format('type: voucher type %s is not configured for book %s', NEW.type, NEW.book);
    END IF;
    INSERT INTO periods (book, year, month) VALUES (NEW.book, NEW.year, NEW.month) ON CONFLICT DO NOTHING;
    SELECT status INTO st FROM periods WHERE book = NEW.book AND year = NEW.year AND month = NEW.month FOR SHARE;
    IF st = 'closed' THEN
        RAISE EXCEPTION USING ERRCODE = 'LE004', MESSAGE = format('date: period %s-%s of book %s is closed', NEW.year, lpad(NEW.month::text, 2, '0'), NEW.book);
    END IF;
    IF NEW.status <> 'draft' THEN
        RAISE EXCEPTION USING ERRCODE = 'LE007', MESSAGE = 'status: a voucher is made as a draft';
    END IF;
    IF NOT ledger_user_has(NEW.book, NEW.maker, '{officer,admin}') THEN
        RAISE EXCEPTION USING ERRCODE = 'LE011', MESSAGE = format('maker: %s is not an officer or admin of book %s', NEW.maker, NEW.book);
    END IF;
    IF NEW.reversal_of IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM vouchers o WHERE o.book = NEW.book AND o.id = NEW.reversal_of AND o.status = 'posted') THEN
        RAISE EXCEPTION USING ERRCODE = 'LE007', MESSAGE = format('reversal_of: voucher %s is not posted; only a posted voucher is reversed', NEW.reversal_of);
    END IF;
    INSERT INTO voucher_counters AS c (book, year, month, type, last)
        VALUES (NEW.book, NEW.year, NEW.month, NEW.type, 1)
        ON CONFLICT (book, year, month, type) DO UPDATE SET last = c.last + 1
        RETURNING last INTO NEW.number;
    RETURN NEW;
END $$;
-- +goose StatementEnd
ALTER TABLE vouchers DROP CONSTRAINT vouchers_number_check;
ALTER TABLE vouchers ADD CONSTRAINT vouchers_number_check CHECK (number > 0);
