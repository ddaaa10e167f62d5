-- +goose Up
-- A draft queues for its month's number on an advisory lock, and the seal
-- queue has no index (issue #19).
--
-- The counter: drafts of one month wait for each other on the month's
-- voucher_counters row. A waiter woken by the holder's commit found the
-- row updated and locked its new version before updating it, a WAL record
-- of its own: half a record a voucher at 64 clients. Waiting on an
-- advisory lock of the counter instead (vouchers_before_insert), a draft
-- reaches the row only when no one holds it. The lock's key space, two
-- int4 with the second negative, is the counters' alone: the periods'
-- locks have a positive second key, the balances' a single bigint.
--
-- The seal queue: a posted voucher's row waits there until the sealer
-- takes it, a second or so. Its primary key (book, posted_at, voucher_id)
-- was an index entry a voucher, about 80 bytes of WAL, to find a queue
-- that is a handful of rows but after an import. The sealer reads the
-- queue whole, oldest first, and deletes by the rows' places (ctid) with
-- their keys checked again (ledger/postgres/seal.go); an import's queue
-- of a million rows is read in ten passes.
ALTER TABLE seal_pending DROP CONSTRAINT seal_pending_pkey;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION public.vouchers_before_insert() RETURNS trigger
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
    -- The month's period, held against a concurrent close
    -- (migrations/00034_period_held_by_advisory_lock.sql).
    IF current_setting('transaction_isolation') = 'read committed' THEN
        PERFORM pg_advisory_xact_lock_shared(hashtext(NEW.book), NEW.year * 100 + NEW.month);
    ELSE
        PERFORM 1 FROM periods x WHERE x.book = NEW.book AND x.year = NEW.year AND x.month = NEW.month FOR SHARE;
    END IF;
    -- The book, the maker's roles and the month's period, in one query.
    SELECT b.book IS NOT NULL AND NEW.type = ANY (b.voucher_types) AS type_ok,
           b.time_zone, b.first_period, b.date_days_ahead, b.voucher_amount_max_fen,
           p.found AS has_period, p.status AS period,
           ledger_user_has(NEW.book, NEW.maker, '{officer,admin}') AS maker_ok
        INTO r
        FROM (SELECT) AS one
        LEFT JOIN books b ON b.book = NEW.book
        LEFT JOIN LATERAL (
            SELECT true AS found, x.status FROM periods x
            WHERE x.book = NEW.book AND x.year = NEW.year AND x.month = NEW.month) p ON true;
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
    IF NEW.reversal_of IS NOT NULL THEN
        IF NOT EXISTS (SELECT 1 FROM vouchers o WHERE o.book = NEW.book AND o.id = NEW.reversal_of AND o.status = 'posted') THEN
            RAISE EXCEPTION USING ERRCODE = 'LE007', COLUMN = 'reversal_of', MESSAGE = format('voucher %s is not posted; only a posted voucher is reversed', NEW.reversal_of);
        END IF;
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
    -- vouchers_year_rules' check of an ordinary draft (it fires for the
    -- others, after the triggers that name the vouchers referred to).
    IF NEW.reversal_of IS NULL AND NEW.correction_of IS NULL AND NEW.flow NOT IN ('opening', 'opening_ytd', 'year_close')
       AND EXISTS (SELECT 1 FROM years WHERE book = NEW.book AND year = NEW.year AND status = 'closed') THEN
        RAISE EXCEPTION USING ERRCODE = 'LE004', COLUMN = 'date', MESSAGE = format('year %s of book %s is closed', NEW.year, NEW.book);
    END IF;

    -- The month's next number, last: the counter row is held from here to
    -- the commit, and a rollback gives the number back. The month's first
    -- voucher of its 凭证字 makes the counter (two making it at once: the
    -- second waits and counts on). The drafts of a month queue on an
    -- advisory lock of its counter first, so that each finds the row as
    -- the last one left it rather than waiting on the row and locking its
    -- newer version again (a WAL record each; migration 00050).
    PERFORM pg_advisory_xact_lock(hashtext(NEW.book || E'\n' || NEW.type), -(NEW.year * 100 + NEW.month));
    UPDATE voucher_counters SET last = last + 1
        WHERE book = NEW.book AND year = NEW.year AND month = NEW.month AND type = NEW.type
        RETURNING last INTO NEW.number;
    IF NOT FOUND THEN
        INSERT INTO voucher_counters AS c (book, year, month, type, last)
            VALUES (NEW.book, NEW.year, NEW.month, NEW.type, 1)
            ON CONFLICT (book, year, month, type) DO UPDATE SET last = c.last + 1
            RETURNING last INTO NEW.number;
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
