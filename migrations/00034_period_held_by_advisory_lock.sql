-- +goose Up
-- A draft's insert and a posting hold their month against a concurrent
-- close by a transaction-scoped advisory lock of the month, taken shared,
-- instead of a FOR SHARE lock of the month's row in periods (issue #19).
-- Every draft and every posting of a month locked that one row: each
-- lock wrote a WAL record and dirtied its page, and under concurrency each
-- new holder made a new multixact of all the holders (at 64 clients, two
-- multixacts and 280 bytes of WAL per voucher). The advisory lock is held
-- in memory only.
--
-- What holds the month: a change of a period's state (a close, a reopen:
-- an UPDATE of periods, by the batch or by hand) takes the month's lock
-- exclusive in periods_before_update before anything else, so it waits for
-- the drafts and postings under way and holds the next ones until it
-- commits; each draft and posting reads the month's state after taking the
-- lock, with a snapshot taken after it (READ COMMITTED), and so sees the
-- close. The batch's closing run takes the exclusive lock with its row
-- lock, before its checks (ledger/postgres/reconcile.go). A transaction at
-- REPEATABLE READ or SERIALIZABLE reads with a snapshot that may be older
-- than a close: it locks the row FOR SHARE as before, which fails with a
-- serialization error when the row changed since its snapshot. An edit of
-- a draft and the importer still lock the row (rare, and a close waits for
-- them by its own row lock). The lock's key is (hashtext(book),
-- year * 100 + month): two books whose names hash alike only wait for each
-- other's closes.

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
    -- second waits and counts on).
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

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION vouchers_after_post() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE
    st text;
    r record;
    unseen bigint;
    fl text;
BEGIN
    -- The period, held against a concurrent close (as a draft's insert
    -- holds it, migrations/00034_period_held_by_advisory_lock.sql).
    IF current_setting('transaction_isolation') = 'read committed' THEN
        PERFORM pg_advisory_xact_lock_shared(hashtext(NEW.book), NEW.year * 100 + NEW.month);
        SELECT p.status INTO st FROM periods p
            WHERE p.book = NEW.book AND p.year = NEW.year AND p.month = NEW.month;
    ELSE
        SELECT p.status INTO st FROM periods p
            WHERE p.book = NEW.book AND p.year = NEW.year AND p.month = NEW.month FOR SHARE;
    END IF;
    IF st = 'closed' THEN
        RAISE EXCEPTION USING ERRCODE = 'LE004', COLUMN = 'date', MESSAGE = format('period %s-%s is closed', NEW.year, lpad(NEW.month::text, 2, '0'));
    END IF;

    -- Allocations to (debits of a branch's pending-settlement balance) and
    -- spending by (debits of a purpose expense) an organisation must fall
    -- within its set-up and dissolution dates.
    IF NEW.reversal_of IS NULL THEN
        SELECT l.line_no, l.org, o.set_up, o.dissolved INTO r
            FROM voucher_lines l
            JOIN accounts a ON a.book = l.book AND a.code = l.account
            JOIN organisations o ON o.book = l.book AND o.code = l.org
            WHERE l.book = NEW.book AND l.voucher_id = NEW.id AND l.debit_fen > 0
              AND (a.purpose IS NOT NULL OR a.type = 'asset' AND a.restricted AND NOT a.cash)
              AND (NEW.date < o.set_up OR NEW.date > o.dissolved)
            LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'LE005', COLUMN = format('lines[%s].org', r.line_no), MESSAGE = format('%s is not active on %s (set up %s, dissolved %s)', r.org, NEW.date, coalesce(r.set_up::text, '-'), coalesce(r.dissolved::text, '-'));
        END IF;
    END IF;

    -- Lock the balance rows only now, after the checks, and in key order
    -- (book, account, org, fund), so that concurrent postings of one
    -- branch hold its rows for as short a time as possible and never
    -- deadlock.
    PERFORM 1 FROM balances b
        WHERE b.book = NEW.book AND (b.account, b.org, b.fund) IN (
            SELECT l.account, l.org, l.fund FROM voucher_lines l WHERE l.book = NEW.book AND l.voucher_id = NEW.id)
        ORDER BY b.book, b.account, b.org, b.fund FOR UPDATE;

    -- Existing balances first (an INSERT … ON CONFLICT would check the
    -- restricted-balance constraint on the delta row before finding the
    -- conflict), then the keys seen for the first time.
    WITH d AS (
        SELECT l.account, l.org, l.fund, sum(l.debit_fen - l.credit_fen) AS delta
        FROM voucher_lines l WHERE l.book = NEW.book AND l.voucher_id = NEW.id
        GROUP BY l.account, l.org, l.fund),
    u AS (
        UPDATE balances b SET balance_fen = b.balance_fen + d.delta, updated_at = now()
            FROM d WHERE b.book = NEW.book AND b.account = d.account AND b.org = d.org AND b.fund = d.fund
            RETURNING b.account, b.org, b.fund)
    SELECT count(*) INTO unseen FROM d
        WHERE NOT EXISTS (SELECT 1 FROM u WHERE u.account = d.account AND u.org = d.org AND u.fund = d.fund);

    IF unseen > 0 THEN
        INSERT INTO balances AS b (book, account, org, fund, restricted, balance_fen, updated_at)
            SELECT l.book, l.account, l.org, l.fund, a.restricted, sum(l.debit_fen - l.credit_fen), now()
            FROM voucher_lines l
            JOIN accounts a ON a.book = l.book AND a.code = l.account
            WHERE l.book = NEW.book AND l.voucher_id = NEW.id
              AND NOT EXISTS (SELECT 1 FROM balances x WHERE x.book = l.book AND x.account = l.account AND x.org = l.org AND x.fund = l.fund)
            GROUP BY l.book, l.account, l.org, l.fund, a.restricted
            ORDER BY l.book, l.account, l.org, l.fund
            ON CONFLICT (book, account, org, fund) DO UPDATE
                SET balance_fen = b.balance_fen + excluded.balance_fen, updated_at = excluded.updated_at;
    END IF;

    -- The posted lines and the day's turnover, after the balance rows
    -- (00021): their rows of a key are written only by a transaction
    -- holding that key's balance row, so they add no lock order of their own.
    -- (ledger_post_turnover's statement for one voucher, with the
    -- voucher's own row at hand.)
    IF NEW.reversal_of IS NULL THEN
        fl := NEW.flow;
    ELSE
        SELECT o.flow INTO fl FROM vouchers o WHERE o.book = NEW.book AND o.id = NEW.reversal_of;
    END IF;
    -- The day's turnover rows that exist are added to and the keys without
    -- one counted, as for the balances above; the day's first posting of a
    -- key makes its row.
    WITH l AS (
        SELECT l.account, l.org, l.fund, l.line_no, l.debit_fen, l.credit_fen
        FROM voucher_lines l WHERE l.book = NEW.book AND l.voucher_id = NEW.id),
    p AS (
        INSERT INTO posted_lines (book, account, org, fund, date, number, voucher_id, line_no, debit_fen, credit_fen)
        SELECT NEW.book, l.account, l.org, l.fund, NEW.date, NEW.number, NEW.id, l.line_no, l.debit_fen, l.credit_fen FROM l),
    g AS (
        SELECT l.account, l.org, l.fund, sum(l.debit_fen) AS debit_fen, sum(l.credit_fen) AS credit_fen FROM l
        GROUP BY l.account, l.org, l.fund),
    u AS (
        UPDATE turnover t SET debit_fen = t.debit_fen + g.debit_fen, credit_fen = t.credit_fen + g.credit_fen
            FROM g WHERE t.book = NEW.book AND t.account = g.account AND t.org = g.org AND t.fund = g.fund
              AND t.date = NEW.date AND t.flow = fl
            RETURNING t.account, t.org, t.fund)
    SELECT count(*) INTO unseen FROM g
        WHERE NOT EXISTS (SELECT 1 FROM u WHERE u.account = g.account AND u.org = g.org AND u.fund = g.fund);

    IF unseen > 0 THEN
        INSERT INTO turnover AS t (book, account, org, fund, date, flow, debit_fen, credit_fen)
            SELECT NEW.book, l.account, l.org, l.fund, NEW.date, fl, sum(l.debit_fen), sum(l.credit_fen)
            FROM voucher_lines l
            WHERE l.book = NEW.book AND l.voucher_id = NEW.id
              AND NOT EXISTS (SELECT 1 FROM turnover x WHERE x.book = l.book AND x.account = l.account AND x.org = l.org
                              AND x.fund = l.fund AND x.date = NEW.date AND x.flow = fl)
            GROUP BY l.account, l.org, l.fund
            ORDER BY l.account, l.org, l.fund
            ON CONFLICT (book, account, org, fund, date, flow) DO UPDATE
                SET debit_fen = t.debit_fen + excluded.debit_fen, credit_fen = t.credit_fen + excluded.credit_fen;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION periods_before_update() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    -- A change of the month's state waits for the drafts and postings of
    -- the month under way (each holds the month's lock shared) and holds
    -- the next ones until it commits, before anything below is read.
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        PERFORM pg_advisory_xact_lock(hashtext(OLD.book), OLD.year * 100 + OLD.month);
    END IF;
    IF OLD.status = 'open' AND NEW.status = 'closed' THEN
        IF EXISTS (SELECT 1 FROM vouchers WHERE book = NEW.book AND year = NEW.year AND month = NEW.month
                   AND status NOT IN ('posted', 'void')) THEN
            RAISE EXCEPTION USING ERRCODE = 'LE007', MESSAGE = format('period %s-%s has vouchers that are not posted or void', NEW.year, NEW.month);
        END IF;
        IF NEW.closed_by IS NULL OR (NEW.closed_by <> 'system' AND NOT ledger_user_has(NEW.book, NEW.closed_by, '{admin}')) THEN
            RAISE EXCEPTION USING ERRCODE = 'LE011', COLUMN = 'closed_by', MESSAGE = format('%s is not an admin of book %s; only an admin or the scheduled batch closes a month', coalesce(NEW.closed_by, '(nobody)'), NEW.book);
        END IF;
        IF NEW.no_statement_reason IS NULL
           AND NOT EXISTS (SELECT 1 FROM bank_statements s WHERE s.book = NEW.book AND s.year = NEW.year AND s.month = NEW.month)
           AND EXISTS (SELECT 1 FROM vouchers v
                       JOIN voucher_lines l ON l.book = v.book AND l.voucher_id = v.id
                       JOIN accounts a ON a.book = l.book AND a.code = l.account
                       WHERE v.book = NEW.book AND v.year = NEW.year AND v.month = NEW.month AND v.status = 'posted'
                         AND a.cash AND a.code LIKE '1002%') THEN
            RAISE EXCEPTION USING ERRCODE = 'LE007', COLUMN = 'bank_statement', MESSAGE = format('the bank account moved in %s-%s and no bank statement was reconciled; a close without one needs a reason', NEW.year, lpad(NEW.month::text, 2, '0'));
        END IF;
    ELSIF OLD.status = 'closed' AND NEW.status = 'open' THEN
        IF EXISTS (SELECT 1 FROM periods WHERE book = NEW.book AND status = 'closed'
                   AND (year, month) > (NEW.year, NEW.month)) THEN
            RAISE EXCEPTION USING ERRCODE = 'LE007', MESSAGE = format('period %s-%s is not the latest closed month', NEW.year, NEW.month);
        END IF;
        NEW.no_statement_reason := NULL;
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
