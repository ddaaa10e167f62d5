-- +goose Up
-- A draft takes its number at its insert (issue #19), from the month's
-- counter of its 凭证字, instead of at commit: vouchers_take_number, the
-- deferred constraint trigger, updated the voucher it had just inserted,
-- an update that is never heap-only (the number is in the voucher's unique
-- key), so every index of vouchers took a second entry, the payee's trigram
-- index a second pending-list write, and vouchers_number_assigned fired
-- for it. The number is still gapless: the counter row stays locked from
-- the insert to the commit, and a rollback gives the number back. Once
-- made, a voucher's number never changes: vouchers_before_update refuses
-- any update of it (every number is now positive, so its WHEN always
-- holds for a workflow step), and vouchers_number_assigned, which let
-- the deferred trigger write the number into its placeholder, goes.

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION vouchers_before_insert() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    r record;
    st text;
    lo date;
    hi date;
BEGIN
    NEW.year := extract(year FROM NEW.date);
    NEW.month := extract(month FROM NEW.date);
    -- The book, the maker's roles and the month's period (held against a
    -- concurrent close), in one query.
    SELECT b.book IS NOT NULL AND NEW.type = ANY (b.voucher_types) AS type_ok,
           b.time_zone, b.first_period, b.date_days_ahead, b.voucher_amount_max_fen,
           p.found AS has_period, p.status AS period,
           ledger_user_has(NEW.book, NEW.maker, '{officer,admin}') AS maker_ok
        INTO r
        FROM (SELECT) AS one
        LEFT JOIN books b ON b.book = NEW.book
        LEFT JOIN LATERAL (
            SELECT true AS found, x.status FROM periods x
            WHERE x.book = NEW.book AND x.year = NEW.year AND x.month = NEW.month FOR SHARE) p ON true;
    IF NOT r.type_ok THEN
        RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'type', MESSAGE = format('voucher type %s is not configured for book %s', NEW.type, NEW.book);
    END IF;
    st := r.period;
    IF r.has_period IS NULL THEN
        -- The first voucher of the month makes its period.
        INSERT INTO periods (book, year, month) VALUES (NEW.book, NEW.year, NEW.month) ON CONFLICT DO NOTHING;
        SELECT status INTO st FROM periods WHERE book = NEW.book AND year = NEW.year AND month = NEW.month FOR SHARE;
    END IF;
    IF st = 'closed' THEN
        RAISE EXCEPTION USING ERRCODE = 'LE004', COLUMN = 'date', MESSAGE = format('period %s-%s of book %s is closed', NEW.year, lpad(NEW.month::text, 2, '0'), NEW.book);
    END IF;
    IF NEW.status <> 'draft' THEN
        RAISE EXCEPTION USING ERRCODE = 'LE007', COLUMN = 'status', MESSAGE = 'a voucher is made as a draft';
    END IF;
    IF NOT r.maker_ok
       AND NOT (NEW.maker = 'system' AND (NEW.flow = 'year_close' OR ledger_system_may_make(NEW.book, NEW.idem_key))) THEN
        RAISE EXCEPTION USING ERRCODE = 'LE011', COLUMN = 'maker', MESSAGE = format('%s is not an officer or admin of book %s', NEW.maker, NEW.book);
    END IF;
    IF NEW.reversal_of IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM vouchers o WHERE o.book = NEW.book AND o.id = NEW.reversal_of AND o.status = 'posted') THEN
        RAISE EXCEPTION USING ERRCODE = 'LE007', COLUMN = 'reversal_of', MESSAGE = format('voucher %s is not posted; only a posted voucher is reversed', NEW.reversal_of);
    END IF;

    -- vouchers_check_window's checks of a draft, with the book read above:
    -- the ceiling of one voucher, and the window of plausible dates.
    IF r.time_zone IS NOT NULL THEN
        IF abs(NEW.total_fen) > r.voucher_amount_max_fen THEN
            RAISE EXCEPTION USING ERRCODE = 'LE009', COLUMN = 'amount',
                MESSAGE = format('the voucher''s total %s exceeds the ceiling of %s for one voucher of book %s', abs(NEW.total_fen) / 100.0, r.voucher_amount_max_fen / 100.0, NEW.book);
        END IF;
        lo := r.first_period;
        IF lo IS NULL THEN
            lo := coalesce((SELECT date_trunc('month', min(o.set_up))::date FROM organisations o WHERE o.book = NEW.book), DATE '1900-01-01');
        END IF;
        hi := (now() AT TIME ZONE r.time_zone)::date + r.date_days_ahead;
        IF NEW.date < lo OR NEW.date > hi THEN
            RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'date',
                MESSAGE = format('the date %s is outside the window of plausible dates of book %s, %s to %s', NEW.date, NEW.book, lo, hi);
        END IF;
    END IF;
    -- The month's next number, last: the counter row is held from here to
    -- the commit, and a rollback gives the number back.
    INSERT INTO voucher_counters AS c (book, year, month, type, last)
        VALUES (NEW.book, NEW.year, NEW.month, NEW.type, 1)
        ON CONFLICT (book, year, month, type) DO UPDATE SET last = c.last + 1
        RETURNING last INTO NEW.number;
    RETURN NEW;
END $$;
-- +goose StatementEnd

DROP TRIGGER vouchers_take_number ON vouchers;
DROP FUNCTION vouchers_take_number();
DROP TRIGGER vouchers_number_assigned ON vouchers;
DROP FUNCTION vouchers_number_assigned();
