-- +goose Up
-- The importer's posted vouchers are checked as a batch (issue #19).
--
-- vouchers_check_window_made and vouchers_year_rules, row triggers, ran
-- for each voucher ledger_import_approved inserted: the ceiling of one
-- voucher and the closed years, a query each, about 25 microseconds a
-- voucher, a third of the import's time in the database. The function now
-- makes both checks over the batch before it inserts (a voucher over the
-- ceiling first, then a closed year), and the triggers leave to it the
-- posted imports that only it may insert (vouchers_made_as_draft refuses
-- them to anyone but the schema's owner, whose function it is).
DROP TRIGGER vouchers_check_window_made ON vouchers;
CREATE TRIGGER vouchers_check_window_made BEFORE INSERT ON vouchers
    FOR EACH ROW WHEN (new.status <> 'draft'
        AND NOT (new.status = 'posted' AND new.flow = 'import' AND CURRENT_USER = 'ledger_owner'))
    EXECUTE FUNCTION vouchers_check_window();
DROP TRIGGER vouchers_year_rules ON vouchers;
CREATE TRIGGER vouchers_year_rules BEFORE INSERT ON vouchers
    FOR EACH ROW WHEN ((new.status <> 'draft' OR new.reversal_of IS NOT NULL OR new.correction_of IS NOT NULL
            OR new.flow IN ('opening', 'opening_ytd', 'year_close'))
        AND NOT (new.status = 'posted' AND new.flow = 'import' AND CURRENT_USER = 'ledger_owner'
            AND new.reversal_of IS NULL AND new.correction_of IS NULL))
    EXECUTE FUNCTION vouchers_year_rules();

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION public.ledger_import_approved(p_book text, p_actor text, p_at timestamp with time zone, v_row integer[], v_key text[], v_date date[], v_type text[], v_summary text[], v_attachments integer[], v_maker integer[], v_checker integer[], v_cashier integer[], v_poster integer[], p_names text[], l_voucher integer[], l_no integer[], l_row integer[], l_summary text[], l_key integer[], l_debit bigint[], l_credit bigint[], k_account text[], k_org text[], k_fund text[], k_purpose text[]) RETURNS bigint[]
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    SET enable_nestloop TO 'off'
    SET work_mem TO '64MB'
    AS $$
DECLARE
    n int := coalesce(cardinality(v_row), 0);
    m int := coalesce(cardinality(l_voucher), 0);
    np int := coalesce(cardinality(p_names), 0);
    nk int := coalesce(cardinality(k_account), 0);
    bk record;
    r record;
    bad record;
    field text;            -- the column of the file named by an error
    ids bigint[];
    totals bigint[];
    numbers int[];
    signed boolean[];
    scoped int[];
    k_cash boolean[];      -- per key: a cash/bank account
    k_active boolean[];    -- per key: an allocation to or spending by its organisation
    k_setup date[];        -- per key: its organisation's set-up and dissolution dates
    k_dissolved date[];
    k_fundid int[];        -- per key: its fund, as a number
    k_bal int[];           -- per key: its balance (account, organisation, fund), as a number
    k_restricted boolean[];
    seq regclass := pg_get_serial_sequence('public.vouchers', 'id')::regclass;
BEGIN
    IF n = 0 THEN
        RETURN '{}';
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(ARRAY[cardinality(v_key), cardinality(v_date), cardinality(v_type), cardinality(v_summary),
                   cardinality(v_attachments), cardinality(v_maker), cardinality(v_checker), cardinality(v_cashier), cardinality(v_poster)]) AS c
               WHERE c IS DISTINCT FROM n)
       OR EXISTS (SELECT 1 FROM unnest(ARRAY[cardinality(l_no), cardinality(l_row), cardinality(l_summary), cardinality(l_key),
                   cardinality(l_debit), cardinality(l_credit)]) AS c
               WHERE c IS DISTINCT FROM m)
       OR EXISTS (SELECT 1 FROM unnest(ARRAY[cardinality(k_org), cardinality(k_fund), cardinality(k_purpose)]) AS c WHERE c IS DISTINCT FROM nk) THEN
        RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'vouchers', MESSAGE = 'the columns of the batch differ in length';
    END IF;
    -- Names and keys are distinct (a person or a balance named twice would
    -- slip past the comparisons and sums below), and every index points
    -- into them.
    IF (SELECT count(DISTINCT x) FROM unnest(p_names) AS x) <> np
       OR (SELECT count(*) FROM (SELECT DISTINCT a, o, f, p FROM unnest(k_account, k_org, k_fund, k_purpose) AS k(a, o, f, p)) d) <> nk
       OR EXISTS (SELECT 1 FROM (SELECT unnest(v_maker) AS a, unnest(v_checker) AS b, unnest(v_cashier) AS c, unnest(v_poster) AS d) x
                  WHERE x.a NOT BETWEEN 1 AND np OR x.b NOT BETWEEN 1 AND np OR x.c NOT BETWEEN 0 AND np OR x.d NOT BETWEEN 1 AND np
                     OR x.a IS NULL OR x.b IS NULL OR x.c IS NULL OR x.d IS NULL)
       OR EXISTS (SELECT 1 FROM unnest(l_key) AS k WHERE k IS NULL OR k NOT BETWEEN 1 AND nk) THEN
        RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'vouchers', MESSAGE = 'the names or keys of the batch are repeated or out of range';
    END IF;
    SELECT count(DISTINCT i) AS k, min(i) AS lo, max(i) AS hi INTO r FROM (SELECT unnest(l_voucher) AS i) l;
    IF r.k <> n OR r.lo <> 1 OR r.hi <> n THEN
        RAISE EXCEPTION USING ERRCODE = 'LE001', COLUMN = 'lines', MESSAGE = 'every voucher of the batch has lines, and every line a voucher of the batch';
    END IF;

    SELECT b.require_cashier_sign, b.voucher_types INTO bk FROM books b WHERE b.book = p_book;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LE012', COLUMN = 'book', MESSAGE = format('book %s does not exist', p_book);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM users u WHERE u.book = p_book AND u.name = p_actor AND NOT u.disabled AND u.roles && '{admin}') THEN
        RAISE EXCEPTION USING ERRCODE = 'LE011', COLUMN = 'user', MESSAGE = format('%s is not an admin of book %s; an admin imports approved vouchers', p_actor, p_book);
    END IF;

    -- The voucher fields, and who may not do which step: the checker is not
    -- the maker; the cashier neither maker nor checker; the poster neither
    -- maker nor cashier.
    SELECT x.* INTO r FROM (
        SELECT unnest(v_row) AS file_row, unnest(v_key) AS key, unnest(v_date) AS date, unnest(v_type) AS type,
               unnest(v_summary) AS summary, unnest(v_attachments) AS attachments, unnest(v_maker) AS maker,
               unnest(v_checker) AS checker, unnest(v_cashier) AS cashier, unnest(v_poster) AS poster, generate_series(1, n) AS i) x
        WHERE x.key IS NULL OR length(x.key) NOT BETWEEN 1 AND 200 OR x.date IS NULL OR x.type IS NULL OR NOT x.type = ANY (bk.voucher_types)
           OR coalesce(x.summary, '') = '' OR length(x.summary) > 500 OR x.attachments IS NULL OR x.attachments NOT BETWEEN 0 AND 9999
           OR x.checker = x.maker OR x.cashier IN (x.maker, x.checker) OR x.poster = x.maker OR x.poster = x.cashier
        ORDER BY x.i LIMIT 1;
    IF FOUND THEN
        IF r.checker = r.maker OR r.cashier IN (r.maker, r.checker) OR r.poster = r.maker OR r.poster = r.cashier THEN
            RAISE EXCEPTION USING ERRCODE = 'LE006', COLUMN = format('rows[%s].%s', r.file_row, CASE WHEN r.checker = r.maker THEN 'checker' WHEN r.cashier IN (r.maker, r.checker) THEN 'cashier' ELSE 'poster' END), MESSAGE = 'the same person may not make, check, sign and post one voucher this way';
        END IF;
        field := CASE
            WHEN r.key IS NULL OR length(r.key) NOT BETWEEN 1 AND 200 THEN 'key'
            WHEN r.date IS NULL THEN 'date'
            WHEN r.type IS NULL OR NOT r.type = ANY (bk.voucher_types) THEN 'type'
            WHEN coalesce(r.summary, '') = '' OR length(r.summary) > 500 THEN 'summary'
            ELSE 'attachments' END;
        RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = format('rows[%s].%s', r.file_row, field), MESSAGE = CASE field
            WHEN 'key' THEN 'a voucher key has 1 to 200 characters'
            WHEN 'date' THEN 'the date is missing'
            WHEN 'type' THEN format('voucher type %s is not configured for book %s', r.type, p_book)
            WHEN 'summary' THEN 'the summary has 1 to 500 characters'
            ELSE 'attachments are 0 to 9999' END;
    END IF;

    -- The people: each exists, is enabled and holds a role for the step
    -- (checked once per name and step, then the first row is named).
    SELECT w.k, w.what, w.idx, p_names[w.idx] AS who, u.name IS NULL AS missing INTO r
        FROM (SELECT DISTINCT 1 AS k, 'maker' AS what, x AS idx, '{officer,admin}'::text[] AS need FROM unnest(v_maker) AS x
              UNION ALL SELECT DISTINCT 2, 'checker', x, '{checker,admin}'::text[] FROM unnest(v_checker) AS x
              UNION ALL SELECT DISTINCT 3, 'cashier', x, '{cashier}'::text[] FROM unnest(v_cashier) AS x WHERE x > 0
              UNION ALL SELECT DISTINCT 4, 'poster', x, '{checker,admin}'::text[] FROM unnest(v_poster) AS x) w
        LEFT JOIN users u ON u.book = p_book AND u.name = p_names[w.idx]
        WHERE u.name IS NULL OR u.disabled OR NOT u.roles && w.need
        ORDER BY w.k LIMIT 1;
    IF FOUND THEN
        SELECT x.file_row INTO bad FROM (
            SELECT unnest(v_row) AS file_row, unnest(v_maker) AS maker, unnest(v_checker) AS checker,
                   unnest(v_cashier) AS cashier, unnest(v_poster) AS poster) x
            WHERE r.idx = CASE r.k WHEN 1 THEN x.maker WHEN 2 THEN x.checker WHEN 3 THEN x.cashier ELSE x.poster END
            ORDER BY x.file_row LIMIT 1;
        IF r.missing THEN
            RAISE EXCEPTION USING ERRCODE = 'LE012', COLUMN = format('rows[%s].%s', bad.file_row, r.what), MESSAGE = format('user %s does not exist in book %s', coalesce(r.who, '(none)'), p_book);
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'LE011', COLUMN = format('rows[%s].%s', bad.file_row, r.what), MESSAGE = format('%s is disabled or lacks the role of %s', r.who, r.what);
    END IF;

    -- The keys: the account exists and is a leaf, the organisation and the
    -- fund exist, an expense account's purpose is the key's and the
    -- fund's, and donations are never spent. What posting needs of each key
    -- is kept in arrays indexed by key.
    SELECT k.i, a.code IS NULL AS no_account, o.code IS NULL AS no_org, f.code IS NULL AS no_fund, NOT a.leaf AS not_leaf INTO r
        FROM unnest(k_account, k_org, k_fund, k_purpose) WITH ORDINALITY AS k(account, org, fund, purpose, i)
        LEFT JOIN accounts a ON a.book = p_book AND a.code = k.account
        LEFT JOIN organisations o ON o.book = p_book AND o.code = k.org
        LEFT JOIN funds f ON f.book = p_book AND f.code = k.fund
        WHERE a.code IS NULL OR o.code IS NULL OR f.code IS NULL OR NOT a.leaf
           OR (a.purpose IS NOT NULL AND (k.purpose IS DISTINCT FROM a.purpose OR NOT a.purpose = ANY (f.purposes) OR f.kind = 'donation'))
           OR (a.purpose IS NULL AND k.purpose IS NOT NULL AND k.purpose NOT IN ('procurement', 'condolence', 'relief'))
        ORDER BY k.i LIMIT 1;
    IF FOUND THEN
        SELECT min(l.file_row) AS file_row INTO bad FROM (SELECT unnest(l_key) AS key, unnest(l_row) AS file_row) l WHERE l.key = r.i;
        IF r.no_account THEN
            RAISE EXCEPTION USING ERRCODE = 'LE012', COLUMN = format('rows[%s].account', bad.file_row), MESSAGE = format('account %s is not in the chart', k_account[r.i]);
        ELSIF r.no_org THEN
            RAISE EXCEPTION USING ERRCODE = 'LE012', COLUMN = format('rows[%s].organisation', bad.file_row), MESSAGE = format('organisation %s does not exist', k_org[r.i]);
        ELSIF r.no_fund THEN
            RAISE EXCEPTION USING ERRCODE = 'LE012', COLUMN = format('rows[%s].fund', bad.file_row), MESSAGE = format('fund %s does not exist', k_fund[r.i]);
        ELSIF r.not_leaf THEN
            RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = format('rows[%s].account', bad.file_row), MESSAGE = format('%s is not a leaf account', k_account[r.i]);
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'LE003', COLUMN = format('rows[%s].purpose', bad.file_row), MESSAGE = format('%s is not a permitted purpose of fund %s on account %s', coalesce(k_purpose[r.i], '(none)'), k_fund[r.i], k_account[r.i]);
    END IF;
    SELECT array_agg(a.cash ORDER BY k.i), array_agg(a.restricted ORDER BY k.i),
           array_agg(a.purpose IS NOT NULL OR a.type = 'asset' AND a.restricted AND NOT a.cash ORDER BY k.i),
           array_agg(coalesce(o.set_up, '-infinity') ORDER BY k.i), array_agg(coalesce(o.dissolved, 'infinity') ORDER BY k.i),
           array_agg(dense_rank ORDER BY k.i), array_agg(bal ORDER BY k.i)
        INTO k_cash, k_restricted, k_active, k_setup, k_dissolved, k_fundid, k_bal
        FROM (SELECT k.*, dense_rank() OVER (ORDER BY k.fund COLLATE "C"),
                     dense_rank() OVER (ORDER BY k.account COLLATE "C", k.org COLLATE "C", k.fund COLLATE "C") AS bal
              FROM unnest(k_account, k_org, k_fund) WITH ORDINALITY AS k(account, org, fund, i)) k
        JOIN accounts a ON a.book = p_book AND a.code = k.account
        JOIN organisations o ON o.book = p_book AND o.code = k.org;

    -- A user with a scope acts only on organisations of its subtree (looked
    -- at only when such a user is in the batch).
    scoped := ARRAY(SELECT x.i FROM unnest(p_names) WITH ORDINALITY AS x(name, i)
                    JOIN users u ON u.book = p_book AND u.name = x.name AND u.scope IS NOT NULL);
    IF cardinality(scoped) > 0 THEN
        SELECT l.file_row, p_names[x.p] AS name, u.scope, k_org[l.key] AS org INTO r
            FROM (SELECT unnest(l_voucher) AS vi, unnest(l_row) AS file_row, unnest(l_key) AS key) l
            JOIN (SELECT i, unnest(ARRAY[maker, checker, cashier, poster]) AS p
                  FROM (SELECT unnest(v_maker) AS maker, unnest(v_checker) AS checker, unnest(v_cashier) AS cashier,
                               unnest(v_poster) AS poster, generate_series(1, n) AS i) v) x ON x.i = l.vi
            JOIN users u ON u.book = p_book AND u.name = p_names[x.p] AND u.scope IS NOT NULL
            LEFT JOIN organisations o ON o.book = p_book AND o.code = k_org[l.key]
            WHERE x.p = ANY (scoped) AND (o.code IS NULL OR position('/' || u.scope || '/' IN '/' || o.path || '/') = 0)
            ORDER BY l.file_row LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'LE011', COLUMN = format('rows[%s].organisation', r.file_row), MESSAGE = format('%s may act only within %s; %s is outside', r.name, r.scope, r.org);
        END IF;
    END IF;

    -- Per line, in one pass: amounts are positive, on one side; a
    -- cash/bank voucher was signed by the cashier; allocations to and
    -- spending by an organisation fall within its set-up and dissolution
    -- dates.
    signed := ARRAY(SELECT c > 0 FROM unnest(v_cashier) AS c);
    SELECT min(l.file_row) FILTER (WHERE l.debit IS NULL OR l.credit IS NULL OR l.debit < 0 OR l.credit < 0 OR (l.debit = 0) = (l.credit = 0)) AS amount,
           min(l.file_row) FILTER (WHERE bk.require_cashier_sign AND k_cash[l.key] AND NOT signed[l.vi]) AS unsigned,
           min(l.file_row) FILTER (WHERE l.debit > 0 AND k_active[l.key]
                                     AND (v_date[l.vi] < k_setup[l.key] OR v_date[l.vi] > k_dissolved[l.key])) AS inactive INTO r
        FROM (SELECT unnest(l_voucher) AS vi, unnest(l_row) AS file_row, unnest(l_key) AS key,
                     unnest(l_debit) AS debit, unnest(l_credit) AS credit) l;
    IF r.amount IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'LE009', COLUMN = format('rows[%s].debit', r.amount), MESSAGE = 'exactly one of debit and credit is an amount greater than 0';
    END IF;
    IF r.unsigned IS NOT NULL THEN
        SELECT x.file_row INTO bad FROM (SELECT unnest(v_row) AS file_row) x
            WHERE x.file_row <= r.unsigned ORDER BY x.file_row DESC LIMIT 1;
        RAISE EXCEPTION USING ERRCODE = 'LE007', COLUMN = format('rows[%s].cashier', bad.file_row), MESSAGE = 'a cash/bank voucher is signed by the cashier before it is posted';
    END IF;
    IF r.inactive IS NOT NULL THEN
        SELECT l.file_row, k_org[l.key] AS org, k_setup[l.key] AS set_up, k_dissolved[l.key] AS dissolved, v_date[l.vi] AS date INTO r
            FROM (SELECT unnest(l_voucher) AS vi, unnest(l_row) AS file_row, unnest(l_key) AS key) l
            WHERE l.file_row = r.inactive;
        RAISE EXCEPTION USING ERRCODE = 'LE005', COLUMN = format('rows[%s].organisation', r.file_row), MESSAGE = format('%s is not active on %s (set up %s, dissolved %s)', r.org, r.date, r.set_up, r.dissolved);
    END IF;

    -- Per voucher: its lines are numbered 1..n, n ≥ 2, and balance for
    -- each fund; its total is the sum of its debits.
    SELECT v.file_row, v.n, v.lo, v.hi INTO r FROM (
        SELECT x.vi, min(x.file_row) AS file_row, sum(x.n) AS n, min(x.lo) AS lo, max(x.hi) AS hi, bool_and(x.d = x.c) AS balanced
        FROM (SELECT l.vi, k_fundid[l.key] AS fund, min(l.file_row) AS file_row, count(*) AS n, min(l.no) AS lo, max(l.no) AS hi,
                     sum(l.debit) AS d, sum(l.credit) AS c
              FROM (SELECT unnest(l_voucher) AS vi, unnest(l_row) AS file_row, unnest(l_no) AS no, unnest(l_key) AS key,
                           unnest(l_debit) AS debit, unnest(l_credit) AS credit) l
              GROUP BY l.vi, k_fundid[l.key]) x
        GROUP BY x.vi) v
        WHERE v.n < 2 OR v.lo <> 1 OR v.hi <> v.n OR NOT v.balanced
        ORDER BY v.vi LIMIT 1;
    IF FOUND THEN
        IF r.n < 2 OR r.lo <> 1 OR r.hi <> r.n THEN
            RAISE EXCEPTION USING ERRCODE = 'LE001', COLUMN = format('rows[%s].key', r.file_row), MESSAGE = format('a voucher has at least 2 lines, numbered from 1 (%s lines numbered %s to %s)', r.n, r.lo, r.hi);
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'LE001', COLUMN = format('rows[%s].debit', r.file_row), MESSAGE = 'the voucher does not balance for each fund';
    END IF;

    -- The periods are open, and stay so (locked against a close).
    INSERT INTO periods (book, year, month)
        SELECT DISTINCT p_book, extract(year FROM d)::int, extract(month FROM d)::int FROM unnest(v_date) AS d ORDER BY 2, 3
        ON CONFLICT DO NOTHING;
    PERFORM 1 FROM periods p
        WHERE p.book = p_book AND (p.year, p.month) IN (SELECT DISTINCT extract(year FROM d)::int, extract(month FROM d)::int FROM unnest(v_date) AS d)
        ORDER BY p.year, p.month FOR SHARE;
    SELECT x.file_row, p.year, p.month INTO r
        FROM (SELECT unnest(v_row) AS file_row, unnest(v_date) AS date) x
        JOIN periods p ON p.book = p_book AND p.year = extract(year FROM x.date) AND p.month = extract(month FROM x.date)
        WHERE p.status = 'closed' ORDER BY x.file_row LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LE004', COLUMN = format('rows[%s].date', r.file_row), MESSAGE = format('period %s-%s of book %s is closed', r.year, lpad(r.month::text, 2, '0'), p_book);
    END IF;

    -- Numbers: the counters of the batch's months and types, locked in key
    -- order, continue gaplessly in the order of the batch.
    INSERT INTO voucher_counters (book, year, month, type, last)
        SELECT DISTINCT p_book, extract(year FROM x.date)::int, extract(month FROM x.date)::int, x.type, 0
        FROM (SELECT unnest(v_date) AS date, unnest(v_type) AS type) x ORDER BY 2, 3, 4
        ON CONFLICT DO NOTHING;
    PERFORM 1 FROM voucher_counters c
        WHERE c.book = p_book AND (c.year, c.month, c.type) IN (
            SELECT DISTINCT extract(year FROM x.date)::int, extract(month FROM x.date)::int, x.type
            FROM (SELECT unnest(v_date) AS date, unnest(v_type) AS type) x)
        ORDER BY c.year, c.month, c.type FOR UPDATE;
    numbers := ARRAY(
        SELECT c.last + row_number() OVER (PARTITION BY x.year, x.month, x.type COLLATE "C" ORDER BY x.i)
        FROM (SELECT extract(year FROM d)::int AS year, extract(month FROM d)::int AS month, t AS type, i
              FROM (SELECT unnest(v_date) AS d, unnest(v_type) AS t, generate_series(1, n) AS i) u) x
        JOIN voucher_counters c ON c.book = p_book AND c.year = x.year AND c.month = x.month AND c.type = x.type
        ORDER BY x.i);
    UPDATE voucher_counters c SET last = c.last + k.n
        FROM (SELECT extract(year FROM x.date)::int AS year, extract(month FROM x.date)::int AS month, x.type, count(*) AS n
              FROM (SELECT unnest(v_date) AS date, unnest(v_type) AS type) x GROUP BY 1, 2, 3) k
        WHERE c.book = p_book AND c.year = k.year AND c.month = k.month AND c.type = k.type;
    ids := ARRAY(SELECT nextval(seq) FROM generate_series(1, n));
    totals := ARRAY(SELECT sum(l.debit) FROM (SELECT unnest(l_voucher) AS vi, unnest(l_debit) AS debit) l GROUP BY l.vi ORDER BY l.vi);

    -- What vouchers_check_window and vouchers_year_rules check of a posted
    -- voucher as it is inserted, checked here for the batch at once: their
    -- triggers leave this function's vouchers to it (migration 00053). The
    -- ceiling of one voucher, then the closed years.
    SELECT x.i, abs(x.total) AS total, b.voucher_amount_max_fen AS ceiling INTO bad
        FROM (SELECT unnest(totals) AS total, generate_series(1, n) AS i) x
        JOIN books b ON b.book = p_book AND abs(x.total) > b.voucher_amount_max_fen
        ORDER BY x.i LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LE009', COLUMN = 'amount',
            MESSAGE = format('the voucher''s total %s exceeds the ceiling of %s for one voucher of book %s', bad.total / 100.0, bad.ceiling / 100.0, p_book);
    END IF;
    SELECT y.year INTO bad
        FROM (SELECT DISTINCT extract(year FROM d)::int AS year FROM unnest(v_date) AS d) y
        JOIN years c ON c.book = p_book AND c.year = y.year AND c.status = 'closed'
        ORDER BY y.year LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LE004', COLUMN = 'date', MESSAGE = format('year %s of book %s is closed', bad.year, p_book);
    END IF;

    INSERT INTO vouchers (book, id, type, year, month, number, date, summary, attachments, flow, status, idem_key,
            maker, made_at, checker, checked_at, cashier, signed_at, poster, posted_at, total_fen)
        OVERRIDING SYSTEM VALUE
        SELECT p_book, x.id, x.type, extract(year FROM x.date)::int, extract(month FROM x.date)::int, x.number,
               x.date, x.summary, x.attachments, 'import', 'posted', x.key,
               p_names[x.maker], p_at, p_names[x.checker], p_at, p_names[nullif(x.cashier, 0)], CASE WHEN x.cashier > 0 THEN p_at END,
               p_names[x.poster], p_at, x.total
        FROM (SELECT unnest(ids) AS id, unnest(v_key) AS key, unnest(v_date) AS date, unnest(v_type) AS type, unnest(v_summary) AS summary,
                     unnest(v_attachments) AS attachments, unnest(v_maker) AS maker, unnest(v_checker) AS checker,
                     unnest(v_cashier) AS cashier, unnest(v_poster) AS poster, unnest(numbers) AS number, unnest(totals) AS total) x;

    -- The lines (voucher_lines_after_insert leaves them to this function,
    -- which has checked them).
    PERFORM set_config('ledger.importing', 'on', true);
    INSERT INTO voucher_lines (book, voucher_id, date, line_no, summary, account, org, fund, purpose, debit_fen, credit_fen)
        SELECT p_book, ids[l.vi], v.date, l.no, coalesce(l.summary, v.summary), k.account, k.org, k.fund, k.purpose, l.debit, l.credit
        FROM (SELECT unnest(l_voucher) AS vi, unnest(l_no) AS no, unnest(l_summary) AS summary, unnest(l_key) AS key,
                     unnest(l_debit) AS debit, unnest(l_credit) AS credit) l
        JOIN unnest(k_account, k_org, k_fund, k_purpose) WITH ORDINALITY AS k(account, org, fund, purpose, i) ON k.i = l.key
        JOIN (SELECT unnest(v_summary) AS summary, unnest(v_date) AS date, generate_series(1, n) AS i) v ON v.i = l.vi;
    PERFORM set_config('ledger.importing', '', true);

    -- The balances the batch writes, held by their advisory locks in the
    -- locks' order, as a posting holds them (vouchers_after_post), before
    -- any of their rows is locked.
    PERFORM pg_advisory_xact_lock(k.lock) FROM (
        SELECT DISTINCT balance_lock(p_book, k_account[i], k_org[i], k_fund[i]) AS lock
        FROM generate_series(1, nk) AS i
        ORDER BY 1 OFFSET 0) k;

    -- Posting: no restricted balance goes below zero at any voucher, in the
    -- order of the batch (all the lines of one voucher count at once),
    -- starting from the stored balances, locked in key order.
    SELECT s.file_row, s.bal, s.running INTO r FROM (
        SELECT l.vi, l.file_row, k_bal[l.key] AS bal,
               coalesce(o.balance_fen, 0) + sum(l.debit - l.credit) OVER (PARTITION BY k_bal[l.key] ORDER BY l.vi) AS running
        FROM (SELECT unnest(l_voucher) AS vi, unnest(l_row) AS file_row, unnest(l_key) AS key,
                     unnest(l_debit) AS debit, unnest(l_credit) AS credit) l
        LEFT JOIN (SELECT k.bal, b.balance_fen
                   FROM (SELECT DISTINCT k_bal[i] AS bal, k_account[i] AS account, k_org[i] AS org, k_fund[i] AS fund
                         FROM generate_series(1, nk) AS i WHERE k_restricted[i]) k
                   JOIN balances b ON b.book = p_book AND b.account = k.account AND b.org = k.org AND b.fund = k.fund
                   ORDER BY b.account, b.org, b.fund FOR UPDATE OF b) o ON o.bal = k_bal[l.key]
        WHERE k_restricted[l.key]) s
        WHERE s.running < 0 ORDER BY s.vi, s.file_row LIMIT 1;
    IF FOUND THEN
        SELECT k_account[i] AS account, k_org[i] AS org, k_fund[i] AS fund INTO bad FROM generate_series(1, nk) AS i WHERE k_bal[i] = r.bal LIMIT 1;
        RAISE EXCEPTION USING ERRCODE = 'LE002', COLUMN = format('rows[%s].credit', r.file_row), MESSAGE = format('the balance of %s %s %s would be %s, below zero', bad.account, bad.org, bad.fund, r.running / 100.0);
    END IF;
    WITH d AS (
        SELECT k.account, k.org, k.fund, k.restricted, s.delta
        FROM (SELECT k_bal[l.key] AS bal, sum(l.debit - l.credit) AS delta
              FROM (SELECT unnest(l_key) AS key, unnest(l_debit) AS debit, unnest(l_credit) AS credit) l
              GROUP BY k_bal[l.key]) s
        JOIN (SELECT DISTINCT k_bal[i] AS bal, k_account[i] AS account, k_org[i] AS org, k_fund[i] AS fund, k_restricted[i] AS restricted
              FROM generate_series(1, nk) AS i) k ON k.bal = s.bal),
    u AS (
        UPDATE balances b SET balance_fen = b.balance_fen + d.delta, updated_at = now()
            FROM d WHERE b.book = p_book AND b.account = d.account AND b.org = d.org AND b.fund = d.fund
            RETURNING b.account, b.org, b.fund)
    INSERT INTO balances AS b (book, account, org, fund, restricted, balance_fen, updated_at)
        SELECT p_book, d.account, d.org, d.fund, d.restricted, d.delta, now()
        FROM d
        WHERE NOT EXISTS (SELECT 1 FROM u WHERE u.account = d.account AND u.org = d.org AND u.fund = d.fund)
        ORDER BY d.account, d.org, d.fund
        ON CONFLICT (book, account, org, fund) DO UPDATE
            SET balance_fen = b.balance_fen + excluded.balance_fen, updated_at = excluded.updated_at;

    -- The day's turnover (00021).
    PERFORM ledger_post_turnover(p_book, ids);

    -- The sealer's queue, which numbers the postings in the order they
    -- took effect (seal_pending.post_seq, under the balances' locks).
    INSERT INTO seal_pending (book, voucher_id, posted_at) SELECT p_book, unnest(ids), p_at;
    RETURN ids;
END $$;
-- +goose StatementEnd
