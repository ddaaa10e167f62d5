-- +goose Up
-- The posted lines are voucher_lines' own, found by their key's day (issue #19).
--
-- posted_lines copied every line when its voucher was posted, so that
-- 明细账 and the monthly batch could find a key's lines of a day: about 270
-- bytes of WAL a voucher for the rows and 200 for their index, nearly a
-- tenth of a voucher's WAL. A line now carries its voucher's date: a line
-- written without one takes its voucher's (voucher_lines_date), the
-- statement that writes lines is refused when a line's date is not its
-- voucher's, and an edit that redates a draft writes its lines again,
-- checked at commit (vouchers_edit_complete). voucher_lines_key
-- indexes (book, account, org, fund, date): a key's posted lines of a day
-- are its lines of that day whose voucher is posted, which a voucher is
-- once and for good (vouchers_guard_step).
--
-- posted_lines.seq numbered the posted lines in the order the postings
-- took effect on their keys, under the balances' locks, for the batch's
-- replay of a day (migration 00026). The seal queue's row is written under
-- those locks too: it takes the number (seal_pending.post_seq, from the
-- same sequence, renamed posting_order), and the sealer carries it into
-- the voucher's seal (voucher_seals.post_seq). Rows that exist take their
-- posted lines' number.
ALTER TABLE posted_lines ALTER COLUMN seq DROP DEFAULT;
ALTER SEQUENCE posted_lines_seq OWNED BY NONE;
ALTER SEQUENCE posted_lines_seq RENAME TO posting_order;

CREATE TEMPORARY TABLE posting_seq ON COMMIT DROP AS
    SELECT book, voucher_id, min(seq) AS seq FROM posted_lines GROUP BY book, voucher_id;
CREATE UNIQUE INDEX ON posting_seq (book, voucher_id);

ALTER TABLE seal_pending ADD COLUMN post_seq bigint;
UPDATE seal_pending q SET post_seq = p.seq FROM posting_seq p WHERE p.book = q.book AND p.voucher_id = q.voucher_id;
UPDATE seal_pending SET post_seq = nextval('posting_order') WHERE post_seq IS NULL;
ALTER TABLE seal_pending ALTER COLUMN post_seq SET DEFAULT nextval('posting_order'),
    ALTER COLUMN post_seq SET NOT NULL;

ALTER TABLE voucher_seals ADD COLUMN post_seq bigint;
ALTER TABLE voucher_seals DISABLE TRIGGER voucher_seals_append_only;
UPDATE voucher_seals s SET post_seq = p.seq FROM posting_seq p WHERE p.book = s.book AND p.voucher_id = s.voucher_id;
ALTER TABLE voucher_seals ENABLE TRIGGER voucher_seals_append_only;

ALTER TABLE voucher_lines ADD COLUMN date date;
ALTER TABLE voucher_lines DISABLE TRIGGER voucher_lines_append_only;
UPDATE voucher_lines l SET date = v.date FROM vouchers v WHERE v.book = l.book AND v.id = l.voucher_id;
ALTER TABLE voucher_lines ENABLE TRIGGER voucher_lines_append_only;
ALTER TABLE voucher_lines ALTER COLUMN date SET NOT NULL;
DROP INDEX voucher_lines_key;
CREATE INDEX voucher_lines_key ON voucher_lines (book, account, org, fund, date);

DROP TABLE posted_lines;

-- A statement that writes lines without their date takes each line's
-- from its voucher (the ledger's own statements give it).
-- +goose StatementBegin
CREATE FUNCTION voucher_lines_date() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    SELECT v.date INTO NEW.date FROM vouchers v WHERE v.book = NEW.book AND v.id = NEW.voucher_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LE012', COLUMN = 'voucher_id', MESSAGE = format('voucher %s does not exist', NEW.voucher_id);
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER voucher_lines_date BEFORE INSERT ON voucher_lines
    FOR EACH ROW WHEN (NEW.date IS NULL) EXECUTE FUNCTION voucher_lines_date();

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION public.voucher_lines_after_insert() RETURNS trigger
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
    SELECT a.*, v.id IS NULL AS missing, v.status, v.flow, v.reversal_of, v.total_fen, v.date AS vdate,
           (v.reversal_of IS NOT NULL)::int::bigint AS reversals,
           u.fund AS unbalanced_fund, u.d AS fund_d, u.c AS fund_c
        INTO r
        FROM (SELECT min(n.book) AS book, min(n.voucher_id) AS voucher_id,
                     min(n.book) = max(n.book) AND min(n.voucher_id) = max(n.voucher_id) AS one,
                     count(*) AS n, min(n.line_no) AS lo, max(n.line_no) AS hi, sum(n.debit_fen) AS d,
                     min(n.line_no) FILTER (WHERE n.debit_fen < 0 OR n.credit_fen < 0) AS neg_line,
                     min(n.date) AS dlo, max(n.date) AS dhi
              FROM new_lines n) a
        LEFT JOIN LATERAL (
            SELECT x.id, x.status, x.flow, x.reversal_of, x.total_fen, x.date FROM vouchers x
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
                   min(n.line_no) FILTER (WHERE n.debit_fen < 0 OR n.credit_fen < 0) AS neg_line,
                   min(n.date) AS dlo, max(n.date) AS dhi
            FROM new_lines n GROUP BY n.book, n.voucher_id),
        j AS MATERIALIZED (
            SELECT a.*, v.id IS NULL AS missing, v.status, v.flow, v.reversal_of, v.total_fen, v.date AS vdate
            FROM a LEFT JOIN LATERAL (
                SELECT x.id, x.status, x.flow, x.reversal_of, x.total_fen, x.date FROM vouchers x
                WHERE x.book = a.book AND x.id = a.voucher_id LIMIT 1) v ON true),
        b AS (
            SELECT * FROM j
            WHERE j.missing OR (j.status <> 'draft' AND NOT (importing AND j.status = 'posted' AND j.flow = 'import'))
               OR j.lo <> 1 OR j.hi <> j.n OR j.n < 2
               OR (j.neg_line IS NOT NULL AND j.reversal_of IS NULL)
               OR (j.status <> 'draft' AND j.total_fen IS DISTINCT FROM j.d)
               OR j.dlo <> j.vdate OR j.dhi <> j.vdate
            ORDER BY j.voucher_id LIMIT 1)
        SELECT b.voucher_id, b.missing, b.status, b.flow, b.reversal_of, b.n, b.lo, b.hi, b.neg_line, b.d, b.total_fen,
               b.dlo, b.dhi, b.vdate,
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
    -- A line carries its voucher's date, by which 明细账 and the monthly
    -- batch find the posted lines of a key's day (voucher_lines_key).
    IF r.dlo <> r.vdate OR r.dhi <> r.vdate THEN
        RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'lines.date',
            MESSAGE = format('the lines of voucher %s are dated %s, the voucher %s', r.voucher_id, CASE WHEN r.dlo <> r.vdate THEN r.dlo ELSE r.dhi END, r.vdate);
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
CREATE OR REPLACE FUNCTION public.grants_after_post() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    g grants%ROWTYPE;
    up_name text;
    vtype text;
    summary text;
    rid bigint;
BEGIN
    SELECT * INTO g FROM grants WHERE book = NEW.book AND voucher_id = NEW.id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LE007', COLUMN = 'to_book', MESSAGE = format('grant voucher %s names no receiving book', NEW.id);
    END IF;
    SELECT voucher_types[1] INTO vtype FROM books WHERE book = g.to_book;
    IF NOT FOUND THEN
        RETURN NULL; -- the lower book lives elsewhere: it takes the grant from an export
    END IF;
    SELECT name INTO up_name FROM books WHERE book = NEW.book;
    summary := '收到' || up_name || '下拨专项党费';
    INSERT INTO vouchers (book, type, year, month, number, date, summary, attachments, doc_types, decision, payee, payee_type, method, flow, idem_key, maker, made_at)
        VALUES (g.to_book, vtype, 0, 0, 1, NEW.date, summary, NEW.attachments, NEW.doc_types, NEW.decision, up_name, 'upper_org', 'bank', 'receive',
                'grant:' || NEW.book || ':' || NEW.id, 'system', now())
        RETURNING id INTO rid;
    INSERT INTO voucher_lines (book, voucher_id, date, line_no, summary, account, org, fund, debit_fen, credit_fen) VALUES
        (g.to_book, rid, NEW.date, 1, summary, '100201', g.to_org, g.to_fund, g.amount_fen, 0),
        (g.to_book, rid, NEW.date, 2, summary, '420101', g.to_org, g.to_fund, 0, g.amount_fen);
    INSERT INTO grant_receipts (book, voucher_id, from_book, from_voucher, amount_fen)
        VALUES (g.to_book, rid, NEW.book, NEW.id, g.amount_fen);
    INSERT INTO actions (book, at, actor, action, voucher_id, source, detail)
        VALUES (g.to_book, now(), 'system', 'make', rid, 'grant',
                jsonb_build_object('flow', 'receive', 'from_book', NEW.book, 'from_voucher', NEW.id, 'total', (g.amount_fen / 100.0)::numeric(16, 2)::text));
    RETURN NULL;
END $$;
-- +goose StatementEnd

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

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION public.ledger_post_turnover(p_book text, p_ids bigint[]) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    SET enable_nestloop TO 'on'
    AS $$
BEGIN
    IF cardinality(p_ids) = 1 THEN
        WITH l AS (
            SELECT l.book, l.account, l.org, l.fund, v.date, coalesce(o.flow, v.flow) AS flow,
                   l.debit_fen, l.credit_fen
            FROM vouchers v JOIN voucher_lines l ON l.book = v.book AND l.voucher_id = v.id
            LEFT JOIN vouchers o ON o.book = v.book AND o.id = v.reversal_of
            WHERE v.book = p_book AND v.id = p_ids[1])
        INSERT INTO turnover AS t (book, account, org, fund, date, flow, debit_fen, credit_fen)
            SELECT book, account, org, fund, date, flow, sum(debit_fen), sum(credit_fen) FROM l
            GROUP BY 1, 2, 3, 4, 5, 6
            ORDER BY 1, 2, 3, 4, 5, 6
            ON CONFLICT (book, account, org, fund, date, flow) DO UPDATE
                SET debit_fen = t.debit_fen + excluded.debit_fen, credit_fen = t.credit_fen + excluded.credit_fen;
        RETURN;
    END IF;
    WITH l AS (
        SELECT l.book, l.account, l.org, l.fund, v.date, coalesce(o.flow, v.flow) AS flow,
               l.debit_fen, l.credit_fen
        FROM vouchers v JOIN voucher_lines l ON l.book = v.book AND l.voucher_id = v.id
        LEFT JOIN vouchers o ON o.book = v.book AND o.id = v.reversal_of
        WHERE v.book = p_book AND v.id = ANY (p_ids))
    INSERT INTO turnover AS t (book, account, org, fund, date, flow, debit_fen, credit_fen)
        SELECT book, account, org, fund, date, flow, sum(debit_fen), sum(credit_fen) FROM l
        GROUP BY 1, 2, 3, 4, 5, 6
        ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (book, account, org, fund, date, flow) DO UPDATE
            SET debit_fen = t.debit_fen + excluded.debit_fen, credit_fen = t.credit_fen + excluded.credit_fen;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION public.vouchers_after_post() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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

    -- Hold the balances only now, after the checks, by their advisory
    -- locks in the locks' order (balance_lock), so that concurrent postings
    -- of one branch hold them for as short a time as possible and never
    -- deadlock. The updates below then lock the rows themselves.
    PERFORM pg_advisory_xact_lock(k.lock) FROM (
        SELECT DISTINCT balance_lock(l.book, l.account, l.org, l.fund) AS lock
        FROM voucher_lines l WHERE l.book = NEW.book AND l.voucher_id = NEW.id
        ORDER BY 1 OFFSET 0) k;

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

    -- The day's turnover, after the balance rows (00021): its rows of a
    -- key are written only by a transaction holding that key's balance
    -- row, so they add no lock order of their own.
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
        SELECT l.account, l.org, l.fund, l.debit_fen, l.credit_fen
        FROM voucher_lines l WHERE l.book = NEW.book AND l.voucher_id = NEW.id),
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

    -- The voucher joins the seal chain's queue (the sealer, ledger/postgres/seal.go),
    -- numbered in the order the postings of its keys took effect: under
    -- their balances' locks (post_seq, read by the monthly batch's replay).
    INSERT INTO seal_pending (book, voucher_id, posted_at) VALUES (NEW.book, NEW.id, NEW.posted_at);
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION public.vouchers_edit_complete() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM voucher_lines l WHERE l.book = NEW.book AND l.voucher_id = NEW.id) THEN
        RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'lines',
            MESSAGE = format('the edit of voucher %s left it without lines', NEW.id);
    END IF;
    IF EXISTS (SELECT 1 FROM voucher_lines l WHERE l.book = NEW.book AND l.voucher_id = NEW.id AND l.date <> NEW.date) THEN
        RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'lines.date',
            MESSAGE = format('the edit of voucher %s dated it %s and left lines of another date', NEW.id, NEW.date);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM actions a WHERE a.book = NEW.book AND a.voucher_id = NEW.id AND a.action = 'edit'
                   AND a.detail->>'version' = NEW.version::text) THEN
        RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'version',
            MESSAGE = format('version %s of voucher %s is not in the action log', NEW.version, NEW.id);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
