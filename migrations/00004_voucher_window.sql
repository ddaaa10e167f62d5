-- +goose Up
-- Plausible voucher dates and a ceiling on one voucher (issue #14, defects
-- 1 and 7): a spend dated 9999-12-31 lowered today's balance outside every
-- monthly report, and a draft of 999,999,999,999.99 broke a month's audit
-- workbook. Each book says its time zone (its "today"), its first month,
-- how many days ahead a voucher may be dated and the most one voucher may
-- move; Go checks the same before the write (ledger.CheckDate and
-- ledger.ValidateVoucher).

ALTER TABLE books
    ADD COLUMN time_zone text NOT NULL DEFAULT 'Asia/Shanghai' CHECK (time_zone ~ '^[A-Za-z][A-Za-z0-9_+/-]{0,63}$'),
    ADD COLUMN first_period date CHECK (first_period IS NULL OR (extract(day FROM first_period) = 1 AND first_period >= DATE '1900-01-01')),
    ADD COLUMN date_days_ahead int NOT NULL DEFAULT 31 CHECK (date_days_ahead BETWEEN 0 AND 3660),
    ADD COLUMN voucher_amount_max_fen bigint NOT NULL DEFAULT 10000000000
        CHECK (voucher_amount_max_fen BETWEEN 1 AND 99999999999999);

-- A new draft (or a changed date) lies in [the book's first period, today
-- in the book's zone + date_days_ahead]; the first period, when not set, is
-- the month of the book's earliest organisation. Approved history loaded
-- by ledger_import_approved is posted, not a draft: its dates are its own.
-- Every voucher's total (red ones by their absolute value) stays under the
-- book's ceiling, checked whenever the line trigger sets it.
-- +goose StatementBegin
CREATE FUNCTION vouchers_check_window() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    b record;
    lo date;
    hi date;
BEGIN
    SELECT time_zone, first_period, date_days_ahead, voucher_amount_max_fen INTO b FROM books WHERE book = NEW.book;
    IF NOT FOUND THEN
        RETURN NEW;
    END IF;
    IF abs(NEW.total_fen) > b.voucher_amount_max_fen THEN
        RAISE EXCEPTION USING ERRCODE = 'LE009', COLUMN = 'amount',
            MESSAGE = format('the voucher''s total %s exceeds the ceiling of %s for one voucher of book %s', abs(NEW.total_fen) / 100.0, b.voucher_amount_max_fen / 100.0, NEW.book);
    END IF;
    IF (TG_OP = 'INSERT' AND NEW.status = 'draft') OR (TG_OP = 'UPDATE' AND NEW.date IS DISTINCT FROM OLD.date) THEN
        lo := coalesce(b.first_period,
            (SELECT date_trunc('month', min(o.set_up))::date FROM organisations o WHERE o.book = NEW.book), DATE '1900-01-01');
        hi := (now() AT TIME ZONE b.time_zone)::date + b.date_days_ahead;
        IF NEW.date < lo OR NEW.date > hi THEN
            RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'date',
                MESSAGE = format('the date %s is outside the window of plausible dates of book %s, %s to %s', NEW.date, NEW.book, lo, hi);
        END IF;
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER vouchers_check_window BEFORE INSERT OR UPDATE OF date, total_fen ON vouchers
    FOR EACH ROW EXECUTE FUNCTION vouchers_check_window();
