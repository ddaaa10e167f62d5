-- +goose Up
-- The triggers of a draft and of its posting do the same checks and
-- writes with fewer statements (issue #19): every check, error code and
-- message is unchanged.
--
-- * voucher_lines_after_insert reads the common statement — the lines of
--   one voucher — in one query: the lines' counts and sums, the voucher's
--   row and the first fund that does not balance, then raises what the
--   general path raises, in the same order. A statement with the lines of
--   several vouchers takes the general path as before. Whether the
--   current role owns the table is asked only when it matters (a posted
--   import's lines, or the importer's own setting), not for every
--   statement.
-- * vouchers_before_insert reads the book, the maker's roles and the
--   month's period (FOR SHARE) in one query, creates the period only when
--   it is missing (not an INSERT … ON CONFLICT before every read), and
--   checks a draft's date window and ceiling itself with the book it has
--   read: vouchers_check_window no longer fires for a draft's insert.
-- * vouchers_after_post moves the existing balances and counts the keys
--   that have none in one statement, and runs the insert of new balance
--   rows only when there are such keys; it writes the posted lines and the
--   day's turnover itself (ledger_post_turnover's statement for one
--   voucher, with the voucher's row at hand) rather than through a call
--   that saves and restores a planner setting. The importer still calls
--   ledger_post_turnover for its batches.

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION voucher_lines_after_insert() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    r record;
    bad record;
    single boolean;
    importing boolean;
BEGIN
    IF current_setting('ledger.importing', true) = 'on' THEN
        IF ledger_is_owner(TG_RELID) THEN
            -- Inside ledger_import_approved (the owner, which says so in a
            -- setting of its own): the lines are the ones it has checked, of
            -- the posted vouchers it has just made.
            RETURN NULL;
        END IF;
    END IF;

    -- Per voucher: it exists, takes lines now, these are all its lines,
    -- and an imported one comes with its total. The lines of one voucher
    -- (the common statement) are read in one query: their counts and sums,
    -- the voucher, and the first fund that does not balance. The vouchers
    -- are probed by key (LATERAL … LIMIT 1), whatever the plan cached for
    -- this statement and however large the table has grown since.
    SELECT a.*, v.id IS NULL AS missing, v.status, v.flow, v.reversal_of, v.total_fen,
           (v.reversal_of IS NOT NULL)::int::bigint AS reversals,
           u.fund AS unbalanced_fund, u.d AS fund_d, u.c AS fund_c
        INTO r
        FROM (SELECT min(n.book) AS book, min(n.voucher_id) AS voucher_id,
                     min(n.book) = max(n.book) AND min(n.voucher_id) = max(n.voucher_id) AS one,
                     count(*) AS n, min(n.line_no) AS lo, max(n.line_no) AS hi, sum(n.debit_fen) AS d,
                     min(n.line_no) FILTER (WHERE n.debit_fen < 0 OR n.credit_fen < 0) AS neg_line
              FROM new_lines n) a
        LEFT JOIN LATERAL (
            SELECT x.id, x.status, x.flow, x.reversal_of, x.total_fen FROM vouchers x
            WHERE x.book = a.book AND x.id = a.voucher_id LIMIT 1) v ON a.one
        LEFT JOIN LATERAL (
            SELECT n.fund, sum(n.debit_fen) AS d, sum(n.credit_fen) AS c FROM new_lines n
            GROUP BY n.fund HAVING sum(n.debit_fen) <> sum(n.credit_fen)
            ORDER BY n.fund LIMIT 1) u ON a.one;
    single := coalesce(r.one, false);
    IF NOT single THEN
        -- The lines of several vouchers: the first voucher that fails,
        -- and the drafts whose totals the lines change. (The fields both
        -- queries give r have the same types: the statements below keep
        -- one plan for both.)
        importing := ledger_is_owner(TG_RELID);
        WITH a AS (
            SELECT n.book, n.voucher_id, count(*) AS n, min(n.line_no) AS lo, max(n.line_no) AS hi, sum(n.debit_fen) AS d,
                   min(n.line_no) FILTER (WHERE n.debit_fen < 0 OR n.credit_fen < 0) AS neg_line
            FROM new_lines n GROUP BY n.book, n.voucher_id),
        j AS MATERIALIZED (
            SELECT a.*, v.id IS NULL AS missing, v.status, v.flow, v.reversal_of, v.total_fen
            FROM a LEFT JOIN LATERAL (
                SELECT x.id, x.status, x.flow, x.reversal_of, x.total_fen FROM vouchers x
                WHERE x.book = a.book AND x.id = a.voucher_id LIMIT 1) v ON true),
        b AS (
            SELECT * FROM j
            WHERE j.missing OR (j.status <> 'draft' AND NOT (importing AND j.status = 'posted' AND j.flow = 'import'))
               OR j.lo <> 1 OR j.hi <> j.n OR j.n < 2
               OR (j.neg_line IS NOT NULL AND j.reversal_of IS NULL)
               OR (j.status <> 'draft' AND j.total_fen IS DISTINCT FROM j.d)
            ORDER BY j.voucher_id LIMIT 1)
        SELECT b.voucher_id, b.missing, b.status, b.flow, b.reversal_of, b.n, b.lo, b.hi, b.neg_line, b.d, b.total_fen,
               (SELECT count(*) FROM j WHERE j.reversal_of IS NOT NULL) AS reversals,
               (SELECT array_agg(j.book) FROM j WHERE j.status = 'draft' AND j.total_fen IS DISTINCT FROM j.d) AS draft_books,
               (SELECT array_agg(j.voucher_id) FROM j WHERE j.status = 'draft' AND j.total_fen IS DISTINCT FROM j.d) AS drafts,
               (SELECT array_agg(j.d) FROM j WHERE j.status = 'draft' AND j.total_fen IS DISTINCT FROM j.d) AS totals
            INTO r
            FROM (SELECT) AS one LEFT JOIN b ON true;
    END IF;

    -- The voucher read above (the first that fails, of several): the first
    -- rule it breaks.
    IF r.missing THEN
        RAISE EXCEPTION USING ERRCODE = 'LE012', COLUMN = 'voucher_id', MESSAGE = format('voucher %s does not exist', r.voucher_id);
    END IF;
    IF r.status <> 'draft' THEN
        IF NOT (r.status = 'posted' AND r.flow = 'import' AND ledger_is_owner(TG_RELID)) THEN
            RAISE EXCEPTION USING ERRCODE = 'LE008', COLUMN = 'lines', MESSAGE = format('voucher %s is no longer a draft; its lines cannot change', r.voucher_id);
        END IF;
    END IF;
    IF r.neg_line IS NOT NULL AND r.reversal_of IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'LE009', COLUMN = format('lines[%s].amount', r.neg_line), MESSAGE = 'negative amounts are only allowed on a red reversal';
    END IF;
    IF r.n < 2 THEN
        RAISE EXCEPTION USING ERRCODE = 'LE001', COLUMN = 'lines', MESSAGE = format('voucher %s needs at least 2 lines', r.voucher_id);
    END IF;
    IF r.lo <> 1 OR r.hi <> r.n THEN
        RAISE EXCEPTION USING ERRCODE = 'LE008', COLUMN = 'lines', MESSAGE = format('the lines of voucher %s are written once, in one statement, numbered from 1', r.voucher_id);
    END IF;
    IF r.status <> 'draft' AND r.total_fen IS DISTINCT FROM r.d THEN
        RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'total', MESSAGE = format('voucher %s has the total %s; its debits add up to %s', r.voucher_id, r.total_fen / 100.0, r.d / 100.0);
    END IF;

    -- A red reversal negates the lines of the voucher it cancels
    -- exactly, line by line: the only negative amounts the ledger holds.
    IF r.reversals > 0 THEN
        SELECT v.id, v.reversal_of INTO bad FROM (SELECT DISTINCT book, voucher_id FROM new_lines) n
            JOIN vouchers v ON v.book = n.book AND v.id = n.voucher_id
            WHERE v.reversal_of IS NOT NULL AND EXISTS (
                (SELECT l.line_no, l.account, l.org, l.fund, l.purpose, l.debit_fen, l.credit_fen
                   FROM voucher_lines l WHERE l.book = v.book AND l.voucher_id = v.id
                 EXCEPT
                 SELECT o.line_no, o.account, o.org, o.fund, o.purpose, -o.debit_fen, -o.credit_fen
                   FROM voucher_lines o WHERE o.book = v.book AND o.voucher_id = v.reversal_of)
                UNION ALL
                (SELECT o.line_no, o.account, o.org, o.fund, o.purpose, -o.debit_fen, -o.credit_fen
                   FROM voucher_lines o WHERE o.book = v.book AND o.voucher_id = v.reversal_of
                 EXCEPT
                 SELECT l.line_no, l.account, l.org, l.fund, l.purpose, l.debit_fen, l.credit_fen
                   FROM voucher_lines l WHERE l.book = v.book AND l.voucher_id = v.id))
            LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'LE009', COLUMN = 'lines', MESSAGE = format('red voucher %s does not negate the lines of voucher %s exactly', bad.id, bad.reversal_of);
        END IF;
    END IF;

    -- Σdebit = Σcredit for each fund of each voucher (of one voucher: read
    -- above), and a draft's total is the sum of its debits.
    IF single THEN
        IF r.unbalanced_fund IS NOT NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'LE001', COLUMN = 'lines', MESSAGE = format('voucher %s does not balance for fund %s: debit %s, credit %s', r.voucher_id, r.unbalanced_fund, r.fund_d / 100.0, r.fund_c / 100.0);
        END IF;
        IF r.status = 'draft' AND r.total_fen IS DISTINCT FROM r.d THEN
            UPDATE vouchers v SET total_fen = r.d WHERE v.book = r.book AND v.id = r.voucher_id;
        END IF;
    ELSE
        SELECT n.voucher_id, n.fund, sum(n.debit_fen) AS d, sum(n.credit_fen) AS c INTO bad
            FROM new_lines n GROUP BY n.book, n.voucher_id, n.fund
            HAVING sum(n.debit_fen) <> sum(n.credit_fen)
            ORDER BY n.voucher_id LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'LE001', COLUMN = 'lines', MESSAGE = format('voucher %s does not balance for fund %s: debit %s, credit %s', bad.voucher_id, bad.fund, bad.d / 100.0, bad.c / 100.0);
        END IF;
        IF r.drafts IS NOT NULL THEN
            UPDATE vouchers v SET total_fen = t.d
                FROM unnest(r.draft_books, r.drafts, r.totals) AS t(book, id, d)
                WHERE v.book = t.book AND v.id = t.id;
        END IF;
    END IF;

    -- Per line: the account exists and is a leaf, the organisation and the
    -- fund exist; an expense account bound to a purpose names that purpose
    -- and the fund permits it; donations are never spent. Checked on the
    -- distinct (account, organisation, fund, purpose) of the statement, then
    -- the first line of an offending one is named.
    SELECT c.book, c.account, c.org, c.fund, c.purpose INTO bad
        FROM (SELECT DISTINCT n.book, n.account, n.org, n.fund, n.purpose FROM new_lines n) c
        LEFT JOIN accounts a ON a.book = c.book AND a.code = c.account
        LEFT JOIN organisations o ON o.book = c.book AND o.code = c.org
        LEFT JOIN funds f ON f.book = c.book AND f.code = c.fund
        WHERE a.code IS NULL OR o.code IS NULL OR f.code IS NULL OR NOT a.leaf
           OR (a.purpose IS NOT NULL AND (c.purpose IS DISTINCT FROM a.purpose OR NOT a.purpose = ANY (f.purposes) OR f.kind = 'donation'))
        LIMIT 1;
    IF FOUND THEN
        SELECT n.voucher_id, n.line_no, n.account, n.org, n.fund, coalesce(n.purpose, '(none)') AS purpose,
               a.code IS NULL AS no_account, a.leaf, o.code IS NULL AS no_org, f.code IS NULL AS no_fund, a.purpose AS want INTO bad
            FROM new_lines n
            LEFT JOIN accounts a ON a.book = n.book AND a.code = n.account
            LEFT JOIN organisations o ON o.book = n.book AND o.code = n.org
            LEFT JOIN funds f ON f.book = n.book AND f.code = n.fund
            WHERE n.book = bad.book AND n.account = bad.account AND n.org = bad.org AND n.fund = bad.fund AND n.purpose IS NOT DISTINCT FROM bad.purpose
            ORDER BY n.voucher_id, n.line_no LIMIT 1;
        IF bad.no_account THEN
            RAISE EXCEPTION USING ERRCODE = 'LE012', COLUMN = format('lines[%s].account', bad.line_no), MESSAGE = format('account %s is not in the chart', bad.account);
        ELSIF bad.no_org THEN
            RAISE EXCEPTION USING ERRCODE = 'LE012', COLUMN = format('lines[%s].org', bad.line_no), MESSAGE = format('organisation %s does not exist', bad.org);
        ELSIF bad.no_fund THEN
            RAISE EXCEPTION USING ERRCODE = 'LE012', COLUMN = format('lines[%s].fund', bad.line_no), MESSAGE = format('fund %s does not exist', bad.fund);
        ELSIF NOT bad.leaf THEN
            RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = format('lines[%s].account', bad.line_no), MESSAGE = format('%s is not a leaf account', bad.account);
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'LE003', COLUMN = format('lines[%s].purpose', bad.line_no), MESSAGE = format('%s is not a permitted purpose of fund %s on this account (wants %s)', bad.purpose, bad.fund, bad.want);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

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
    NEW.number := -NEW.id;

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
    RETURN NEW;
END $$;
-- +goose StatementEnd

-- vouchers_check_window still checks an edit of a voucher's date or total
-- and any voucher not made as a draft (the importer's); a draft's are
-- checked by vouchers_before_insert above, in the same order.
DROP TRIGGER vouchers_check_window ON vouchers;
CREATE TRIGGER vouchers_check_window BEFORE UPDATE OF date, total_fen ON vouchers
    FOR EACH ROW EXECUTE FUNCTION vouchers_check_window();
CREATE TRIGGER vouchers_check_window_made BEFORE INSERT ON vouchers
    FOR EACH ROW WHEN (NEW.status <> 'draft') EXECUTE FUNCTION vouchers_check_window();

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION vouchers_after_post() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE
    st text;
    r record;
    unseen bigint;
    fl text;
BEGIN
    -- The period, held against a concurrent close.
    SELECT p.status INTO st FROM periods p
        WHERE p.book = NEW.book AND p.year = NEW.year AND p.month = NEW.month FOR SHARE;
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
    WITH l AS (
        SELECT l.account, l.org, l.fund, l.line_no, l.debit_fen, l.credit_fen
        FROM voucher_lines l WHERE l.book = NEW.book AND l.voucher_id = NEW.id),
    p AS (
        INSERT INTO posted_lines (book, account, org, fund, date, number, voucher_id, line_no, debit_fen, credit_fen)
        SELECT NEW.book, l.account, l.org, l.fund, NEW.date, NEW.number, NEW.id, l.line_no, l.debit_fen, l.credit_fen FROM l)
    INSERT INTO turnover AS t (book, account, org, fund, date, flow, debit_fen, credit_fen)
        SELECT NEW.book, l.account, l.org, l.fund, NEW.date, fl, sum(l.debit_fen), sum(l.credit_fen) FROM l
        GROUP BY l.account, l.org, l.fund
        ORDER BY l.account, l.org, l.fund
        ON CONFLICT (book, account, org, fund, date, flow) DO UPDATE
            SET debit_fen = t.debit_fen + excluded.debit_fen, credit_fen = t.credit_fen + excluded.credit_fen;
    RETURN NULL;
END $$;
-- +goose StatementEnd
