-- +goose Up
-- Bulk import of approved historical vouchers (`ledger import --approved`,
-- SPEC §5 and §9) and the set-based checks it needs.
--
-- A million vouchers must load at half the speed of a raw COPY of the same
-- rows. On the schema of 00001 a bulk load was many times slower than
-- that, and these were the costs (measured): the numbering trigger upserts
-- one counter row per voucher, whose versions pile up in one transaction
-- (quadratic); the foreign keys of voucher_lines check four referenced rows
-- per line, one row at a time (four times the cost of writing the line);
-- posting writes every voucher row a second time through two row
-- triggers. So:
--
--   * ledger_import_approved (SECURITY DEFINER; ledger_app may execute it,
--     nobody else) checks a batch of approved vouchers set-based — book,
--     voucher types, users and their roles, who may not do which step,
--     scopes, the cashier's signature on cash/bank vouchers, open periods,
--     active organisations, restricted balances never below zero in the
--     order given — numbers them gaplessly in that order per (book, year,
--     month, type), writes them as posted (flow 'import') with their
--     lines, moves the balances and queues them for the sealer.
--   * A voucher made in any other state than draft is refused
--     (vouchers_made_as_draft), except those: the application role still
--     cannot make a posted voucher or choose a number. The numbering row
--     trigger runs for drafts only.
--   * voucher_lines_after_insert checks the statement's own lines (the
--     transition table) in a few set-based passes, and takes over the
--     foreign keys of voucher_lines: the voucher, account, organisation and
--     fund of every line exist. Vouchers are never deleted or re-keyed
--     (00001); ledger_keep_codes keeps a code that vouchers use from being
--     changed or deleted.

ALTER TABLE voucher_lines
    DROP CONSTRAINT voucher_lines_book_voucher_id_fkey,
    DROP CONSTRAINT voucher_lines_book_account_fkey,
    DROP CONSTRAINT voucher_lines_book_org_fkey,
    DROP CONSTRAINT voucher_lines_book_fund_fkey;
-- Likewise the book of a voucher (a draft's book is checked by the
-- numbering trigger, an import's by ledger_import_approved; a book with
-- vouchers is kept by ledger_keep_codes) and the voucher of a seal queue
-- entry (the sealer drops an entry whose voucher is gone or not posted;
-- see SealPending).
ALTER TABLE vouchers DROP CONSTRAINT vouchers_book_fkey;
ALTER TABLE seal_pending DROP CONSTRAINT seal_pending_book_voucher_id_fkey;

-- The vouchers a voucher reverses or corrects exist: checked by a row
-- trigger that fires only for such a voucher (a key check is queued for
-- every inserted row, even when the column is empty). The voucher it names
-- stays: vouchers are neither deleted nor re-keyed, and these columns
-- never change (vouchers_before_update).
ALTER TABLE vouchers
    DROP CONSTRAINT vouchers_book_reversal_of_fkey,
    DROP CONSTRAINT vouchers_book_correction_of_fkey;
-- +goose StatementBegin
CREATE FUNCTION vouchers_refer_to_vouchers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.reversal_of IS NOT NULL AND NOT EXISTS (SELECT 1 FROM vouchers o WHERE o.book = NEW.book AND o.id = NEW.reversal_of) THEN
        RAISE EXCEPTION USING ERRCODE = 'LE012', MESSAGE = format('reversal_of: voucher %s does not exist', NEW.reversal_of);
    END IF;
    IF NEW.correction_of IS NOT NULL AND NOT EXISTS (SELECT 1 FROM vouchers o WHERE o.book = NEW.book AND o.id = NEW.correction_of) THEN
        RAISE EXCEPTION USING ERRCODE = 'LE012', MESSAGE = format('correction_of: voucher %s does not exist', NEW.correction_of);
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER vouchers_refer_to_vouchers BEFORE INSERT ON vouchers
    FOR EACH ROW WHEN (NEW.reversal_of IS NOT NULL OR NEW.correction_of IS NOT NULL) EXECUTE FUNCTION vouchers_refer_to_vouchers();


-- ledger_is_owner: whether the current role is (a member of) the owner of
-- the table; inside a SECURITY DEFINER function of the schema it is.
-- +goose StatementBegin
CREATE FUNCTION ledger_is_owner(rel oid) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT pg_has_role(current_user, c.relowner, 'USAGE') FROM pg_class c WHERE c.oid = rel
$$;
-- +goose StatementEnd

-- The numbering row trigger runs for drafts only. Any other voucher is
-- refused unless it is a posted import made by the owner (that is, by
-- ledger_import_approved): the owner's name is written into the WHEN
-- clause, so an import row costs no trigger call at all.
DROP TRIGGER vouchers_before_insert ON vouchers;
CREATE TRIGGER vouchers_before_insert BEFORE INSERT ON vouchers
    FOR EACH ROW WHEN (NEW.status = 'draft') EXECUTE FUNCTION vouchers_before_insert();

-- +goose StatementBegin
CREATE FUNCTION vouchers_made_as_draft() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'LE007', MESSAGE = 'status: a voucher is made as a draft';
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
DO $$
BEGIN
    EXECUTE format($t$CREATE TRIGGER vouchers_made_as_draft BEFORE INSERT ON vouchers FOR EACH ROW
        WHEN (NEW.status <> 'draft' AND (current_user <> %L OR NEW.status <> 'posted' OR NEW.flow <> 'import'))
        EXECUTE FUNCTION vouchers_made_as_draft()$t$,
        (SELECT pg_get_userbyid(c.relowner) FROM pg_class c WHERE c.oid = 'vouchers'::regclass));
END $$;
-- +goose StatementEnd

-- A code that vouchers use stays: books, accounts, organisations and funds
-- are not re-keyed or deleted while vouchers or lines refer to them.
-- +goose StatementBegin
CREATE FUNCTION ledger_keep_codes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    col text := CASE TG_TABLE_NAME WHEN 'accounts' THEN 'account' WHEN 'organisations' THEN 'org' WHEN 'funds' THEN 'fund' ELSE 'book' END;
    old_row jsonb := to_jsonb(OLD);
    used boolean;
BEGIN
    IF TG_OP = 'UPDATE' AND (to_jsonb(NEW)->>'book', to_jsonb(NEW)->>'code') IS NOT DISTINCT FROM (old_row->>'book', old_row->>'code') THEN
        RETURN NEW;
    END IF;
    IF col = 'book' THEN
        SELECT EXISTS (SELECT 1 FROM vouchers WHERE book = old_row->>'book') INTO used;
    ELSE
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM voucher_lines WHERE book = $1 AND %I = $2)', col) INTO used USING old_row->>'book', old_row->>'code';
    END IF;
    IF used THEN
        RAISE EXCEPTION USING ERRCODE = 'LE008', MESSAGE = format('code: %s %s is used by vouchers and cannot be %s', col,
            coalesce(old_row->>'code', old_row->>'book'), CASE TG_OP WHEN 'DELETE' THEN 'deleted' ELSE 'changed' END);
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER accounts_keep_codes BEFORE UPDATE OF book, code OR DELETE ON accounts
    FOR EACH ROW EXECUTE FUNCTION ledger_keep_codes();
CREATE TRIGGER organisations_keep_codes BEFORE UPDATE OF book, code OR DELETE ON organisations
    FOR EACH ROW EXECUTE FUNCTION ledger_keep_codes();
CREATE TRIGGER funds_keep_codes BEFORE UPDATE OF book, code OR DELETE ON funds
    FOR EACH ROW EXECUTE FUNCTION ledger_keep_codes();
CREATE TRIGGER books_keep_codes BEFORE UPDATE OF book OR DELETE ON books
    FOR EACH ROW EXECUTE FUNCTION ledger_keep_codes();

-- Lines are written once, with their voucher while it is a draft, all in
-- one statement; after the statement every touched voucher has ≥ 2 lines
-- and balances per fund, leaf accounts only, known organisations and
-- funds, purposes the fund permits, negative amounts only on red
-- reversals. The one exception to "while it is a draft" is an imported
-- voucher, made posted by ledger_import_approved (as the owner), which
-- gives it its lines in its next statement.
--
-- The checks read the statement's own lines (new_lines), not the table: a
-- voucher's lines are numbered 1..n and all come in one statement, so a
-- second statement for the same voucher either repeats line 1 (refused by
-- the primary key) or does not start at 1 (refused here). A bulk insert
-- costs a few passes over its transition table and one probe per voucher;
-- a single voucher a few index probes.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION voucher_lines_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r record;
    bad record;
    importing boolean := ledger_is_owner(TG_RELID);
BEGIN
    IF importing AND current_setting('ledger.importing', true) = 'on' THEN
        -- Inside ledger_import_approved (the owner, which says so in a
        -- setting of its own): the lines are the ones it has checked, of
        -- the posted vouchers it has just made.
        RETURN NULL;
    ELSE
        -- Per voucher: it exists, takes lines now, these are all its lines,
        -- and an imported one comes with its total. The vouchers are probed
        -- by key one by one (LATERAL … LIMIT 1), whatever the plan cached
        -- for this statement and however large the table has grown since.
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
        IF r.voucher_id IS NOT NULL THEN
            IF r.missing THEN
                RAISE EXCEPTION USING ERRCODE = 'LE012', MESSAGE = format('voucher_id: voucher %s does not exist', r.voucher_id);
            END IF;
            IF r.status <> 'draft' AND NOT (importing AND r.status = 'posted' AND r.flow = 'import') THEN
                RAISE EXCEPTION USING ERRCODE = 'LE008', MESSAGE = format('lines: voucher %s is no longer a draft; its lines cannot change', r.voucher_id);
            END IF;
            IF r.neg_line IS NOT NULL AND r.reversal_of IS NULL THEN
                RAISE EXCEPTION USING ERRCODE = 'LE009', MESSAGE = format('lines[%s].amount: negative amounts are only allowed on a red reversal', r.neg_line);
            END IF;
            IF r.n < 2 THEN
                RAISE EXCEPTION USING ERRCODE = 'LE001', MESSAGE = format('lines: voucher %s needs at least 2 lines', r.voucher_id);
            END IF;
            IF r.lo <> 1 OR r.hi <> r.n THEN
                RAISE EXCEPTION USING ERRCODE = 'LE008', MESSAGE = format('lines: the lines of voucher %s are written once, in one statement, numbered from 1', r.voucher_id);
            END IF;
            RAISE EXCEPTION USING ERRCODE = 'LE010', MESSAGE = format('total: voucher %s has the total %s; its debits add up to %s', r.voucher_id, r.total_fen / 100.0, r.d / 100.0);
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
                RAISE EXCEPTION USING ERRCODE = 'LE009', MESSAGE = format('lines: red voucher %s does not negate the lines of voucher %s exactly', bad.id, bad.reversal_of);
            END IF;
        END IF;

        -- Σdebit = Σcredit for each fund of each voucher.
        SELECT n.voucher_id, n.fund, sum(n.debit_fen) AS d, sum(n.credit_fen) AS c INTO bad
            FROM new_lines n GROUP BY n.book, n.voucher_id, n.fund
            HAVING sum(n.debit_fen) <> sum(n.credit_fen)
            ORDER BY n.voucher_id LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'LE001', MESSAGE = format('lines: voucher %s does not balance for fund %s: debit %s, credit %s', bad.voucher_id, bad.fund, bad.d / 100.0, bad.c / 100.0);
        END IF;

        -- A draft's total is the sum of its debits.
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
            RAISE EXCEPTION USING ERRCODE = 'LE012', MESSAGE = format('lines[%s].account: account %s is not in the chart', bad.line_no, bad.account);
        ELSIF bad.no_org THEN
            RAISE EXCEPTION USING ERRCODE = 'LE012', MESSAGE = format('lines[%s].org: organisation %s does not exist', bad.line_no, bad.org);
        ELSIF bad.no_fund THEN
            RAISE EXCEPTION USING ERRCODE = 'LE012', MESSAGE = format('lines[%s].fund: fund %s does not exist', bad.line_no, bad.fund);
        ELSIF NOT bad.leaf THEN
            RAISE EXCEPTION USING ERRCODE = 'LE010', MESSAGE = format('lines[%s].account: %s is not a leaf account', bad.line_no, bad.account);
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'LE003', MESSAGE = format('lines[%s].purpose: %s is not a permitted purpose of fund %s on this account (wants %s)', bad.line_no, bad.purpose, bad.fund, bad.want);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- ledger_import_approved loads one batch of approved historical vouchers
-- of p_book for p_actor (an admin) at time p_at, and returns their ids in
-- the order given. The batch comes as columns:
--
--   voucher i     v_row[i] (the file row of its first line, named in
--                 errors), v_key, v_date, v_type, v_summary, v_attachments,
--                 and its people as indexes into p_names: v_maker,
--                 v_checker, v_poster, v_cashier (0: none);
--   its lines     the elements j with l_voucher[j] = i: l_no (1..n),
--                 l_row, l_summary (NULL: the voucher's), l_debit,
--                 l_credit, and l_key, an index into the keys k_account,
--                 k_org, k_fund, k_purpose (NULL: none).
--
-- Errors name the file row: "rows[17].checker: …". The batches of one
-- file run in one transaction: the numbers continue from batch to batch,
-- and the balances each batch starts from are those the previous one left.
--
-- Every statement works on the whole batch: the columns are read in step
-- (unnest in the select list streams them), names and keys are checked
-- once each, per-voucher and per-key values reach the lines by subscript
-- of fixed-width arrays without NULLs (O(1)), statements are joined by
-- hashing, never by a nested loop over two batch-sized inputs whose join
-- sizes the planner can only guess, and sums and orders run on integers.
-- +goose StatementBegin
CREATE FUNCTION ledger_import_approved(
    p_book text, p_actor text, p_at timestamptz,
    v_row int[], v_key text[], v_date date[], v_type text[], v_summary text[], v_attachments int[],
    v_maker int[], v_checker int[], v_cashier int[], v_poster int[], p_names text[],
    l_voucher int[], l_no int[], l_row int[], l_summary text[], l_key int[], l_debit bigint[], l_credit bigint[],
    k_account text[], k_org text[], k_fund text[], k_purpose text[])
RETURNS bigint[] LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp SET enable_nestloop = off SET work_mem = '64MB' AS $$
DECLARE
    n int := coalesce(cardinality(v_row), 0);
    m int := coalesce(cardinality(l_voucher), 0);
    np int := coalesce(cardinality(p_names), 0);
    nk int := coalesce(cardinality(k_account), 0);
    bk record;
    r record;
    bad record;
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
        RAISE EXCEPTION USING ERRCODE = 'LE010', MESSAGE = 'vouchers: the columns of the batch differ in length';
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
        RAISE EXCEPTION USING ERRCODE = 'LE010', MESSAGE = 'vouchers: the names or keys of the batch are repeated or out of range';
    END IF;
    SELECT count(DISTINCT i) AS k, min(i) AS lo, max(i) AS hi INTO r FROM (SELECT unnest(l_voucher) AS i) l;
    IF r.k <> n OR r.lo <> 1 OR r.hi <> n THEN
        RAISE EXCEPTION USING ERRCODE = 'LE001', MESSAGE = 'lines: every voucher of the batch has lines, and every line a voucher of the batch';
    END IF;

    SELECT b.require_cashier_sign, b.voucher_types INTO bk FROM books b WHERE b.book = p_book;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LE012', MESSAGE = format('book: book %s does not exist', p_book);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM users u WHERE u.book = p_book AND u.name = p_actor AND NOT u.disabled AND u.roles && '{admin}') THEN
        RAISE EXCEPTION USING ERRCODE = 'LE011', MESSAGE = format('user: %s is not an admin of book %s; an admin imports approved vouchers', p_actor, p_book);
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
            RAISE EXCEPTION USING ERRCODE = 'LE006', MESSAGE = format('rows[%s].%s: the same person may not make, check, sign and post one voucher this way', r.file_row,
                CASE WHEN r.checker = r.maker THEN 'checker' WHEN r.cashier IN (r.maker, r.checker) THEN 'cashier' ELSE 'poster' END);
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'LE010', MESSAGE = CASE
            WHEN r.key IS NULL OR length(r.key) NOT BETWEEN 1 AND 200 THEN format('rows[%s].key: a voucher key has 1 to 200 characters', r.file_row)
            WHEN r.date IS NULL THEN format('rows[%s].date: the date is missing', r.file_row)
            WHEN r.type IS NULL OR NOT r.type = ANY (bk.voucher_types) THEN format('rows[%s].type: voucher type %s is not configured for book %s', r.file_row, r.type, p_book)
            WHEN coalesce(r.summary, '') = '' OR length(r.summary) > 500 THEN format('rows[%s].summary: the summary has 1 to 500 characters', r.file_row)
            ELSE format('rows[%s].attachments: attachments are 0 to 9999', r.file_row) END;
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
            RAISE EXCEPTION USING ERRCODE = 'LE012', MESSAGE = format('rows[%s].%s: user %s does not exist in book %s', bad.file_row, r.what, coalesce(r.who, '(none)'), p_book);
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'LE011', MESSAGE = format('rows[%s].%s: %s is disabled or lacks the role of %s', bad.file_row, r.what, r.who, r.what);
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
            RAISE EXCEPTION USING ERRCODE = 'LE012', MESSAGE = format('rows[%s].account: account %s is not in the chart', bad.file_row, k_account[r.i]);
        ELSIF r.no_org THEN
            RAISE EXCEPTION USING ERRCODE = 'LE012', MESSAGE = format('rows[%s].organisation: organisation %s does not exist', bad.file_row, k_org[r.i]);
        ELSIF r.no_fund THEN
            RAISE EXCEPTION USING ERRCODE = 'LE012', MESSAGE = format('rows[%s].fund: fund %s does not exist', bad.file_row, k_fund[r.i]);
        ELSIF r.not_leaf THEN
            RAISE EXCEPTION USING ERRCODE = 'LE010', MESSAGE = format('rows[%s].account: %s is not a leaf account', bad.file_row, k_account[r.i]);
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'LE003', MESSAGE = format('rows[%s].purpose: %s is not a permitted purpose of fund %s on account %s',
            bad.file_row, coalesce(k_purpose[r.i], '(none)'), k_fund[r.i], k_account[r.i]);
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
            RAISE EXCEPTION USING ERRCODE = 'LE011', MESSAGE = format('rows[%s].organisation: %s may act only within %s; %s is outside', r.file_row, r.name, r.scope, r.org);
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
        RAISE EXCEPTION USING ERRCODE = 'LE009', MESSAGE = format('rows[%s].debit: exactly one of debit and credit is an amount greater than 0', r.amount);
    END IF;
    IF r.unsigned IS NOT NULL THEN
        SELECT x.file_row INTO bad FROM (SELECT unnest(v_row) AS file_row) x
            WHERE x.file_row <= r.unsigned ORDER BY x.file_row DESC LIMIT 1;
        RAISE EXCEPTION USING ERRCODE = 'LE007', MESSAGE = format('rows[%s].cashier: a cash/bank voucher is signed by the cashier before it is posted', bad.file_row);
    END IF;
    IF r.inactive IS NOT NULL THEN
        SELECT l.file_row, k_org[l.key] AS org, k_setup[l.key] AS set_up, k_dissolved[l.key] AS dissolved, v_date[l.vi] AS date INTO r
            FROM (SELECT unnest(l_voucher) AS vi, unnest(l_row) AS file_row, unnest(l_key) AS key) l
            WHERE l.file_row = r.inactive;
        RAISE EXCEPTION USING ERRCODE = 'LE005', MESSAGE = format('rows[%s].organisation: %s is not active on %s (set up %s, dissolved %s)',
            r.file_row, r.org, r.date, r.set_up, r.dissolved);
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
            RAISE EXCEPTION USING ERRCODE = 'LE001', MESSAGE = format('rows[%s].key: a voucher has at least 2 lines, numbered from 1 (%s lines numbered %s to %s)', r.file_row, r.n, r.lo, r.hi);
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'LE001', MESSAGE = format('rows[%s].debit: the voucher does not balance for each fund', r.file_row);
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
        RAISE EXCEPTION USING ERRCODE = 'LE004', MESSAGE = format('rows[%s].date: period %s-%s of book %s is closed', r.file_row, r.year, lpad(r.month::text, 2, '0'), p_book);
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
    INSERT INTO voucher_lines (book, voucher_id, line_no, summary, account, org, fund, purpose, debit_fen, credit_fen)
        SELECT p_book, ids[l.vi], l.no, coalesce(l.summary, v.summary), k.account, k.org, k.fund, k.purpose, l.debit, l.credit
        FROM (SELECT unnest(l_voucher) AS vi, unnest(l_no) AS no, unnest(l_summary) AS summary, unnest(l_key) AS key,
                     unnest(l_debit) AS debit, unnest(l_credit) AS credit) l
        JOIN unnest(k_account, k_org, k_fund, k_purpose) WITH ORDINALITY AS k(account, org, fund, purpose, i) ON k.i = l.key
        JOIN (SELECT unnest(v_summary) AS summary, generate_series(1, n) AS i) v ON v.i = l.vi;
    PERFORM set_config('ledger.importing', '', true);

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
        RAISE EXCEPTION USING ERRCODE = 'LE002', MESSAGE = format('rows[%s].credit: the balance of %s %s %s would be %s, below zero',
            r.file_row, bad.account, bad.org, bad.fund, r.running / 100.0);
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

    -- The sealer's queue.
    INSERT INTO seal_pending (book, voucher_id, posted_at) SELECT p_book, unnest(ids), p_at;
    RETURN ids;
END $$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION ledger_import_approved FROM PUBLIC;

-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_app') THEN
        GRANT EXECUTE ON FUNCTION ledger_import_approved TO ledger_app;
    END IF;
END $$;
-- +goose StatementEnd

-- Every function of the schema looks its tables up in public before
-- pg_temp. Without a search_path of its own a function resolves a table
-- name in pg_temp first, so a temporary table of the application role named
-- accounts, periods or voucher_counters would stand in for the real one
-- while a trigger checks a line, dates a voucher or numbers it.
-- +goose StatementBegin
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
             WHERE p.pronamespace = 'public'::regnamespace AND l.lanname IN ('plpgsql', 'sql')
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = public, pg_temp', f);
    END LOOP;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
             WHERE p.pronamespace = 'public'::regnamespace AND l.lanname IN ('plpgsql', 'sql')
    LOOP
        EXECUTE format('ALTER FUNCTION %s RESET search_path', f);
    END LOOP;
END $$;
-- +goose StatementEnd
ALTER FUNCTION vouchers_before_insert() SET search_path = public;
ALTER FUNCTION vouchers_after_post() SET search_path = public;
DROP FUNCTION IF EXISTS ledger_import_approved;
DROP TRIGGER IF EXISTS accounts_keep_codes ON accounts;
DROP TRIGGER IF EXISTS organisations_keep_codes ON organisations;
DROP TRIGGER IF EXISTS funds_keep_codes ON funds;
DROP TRIGGER IF EXISTS books_keep_codes ON books;
DROP FUNCTION IF EXISTS ledger_keep_codes;
DROP TRIGGER IF EXISTS vouchers_made_as_draft ON vouchers;
DROP FUNCTION IF EXISTS vouchers_made_as_draft;
DROP TRIGGER vouchers_before_insert ON vouchers;
CREATE TRIGGER vouchers_before_insert BEFORE INSERT ON vouchers
    FOR EACH ROW EXECUTE FUNCTION vouchers_before_insert();
DROP FUNCTION IF EXISTS ledger_is_owner;
DROP TRIGGER IF EXISTS vouchers_refer_to_vouchers ON vouchers;
DROP FUNCTION IF EXISTS vouchers_refer_to_vouchers;
ALTER TABLE vouchers ADD FOREIGN KEY (book) REFERENCES books,
    ADD FOREIGN KEY (book, reversal_of) REFERENCES vouchers (book, id),
    ADD FOREIGN KEY (book, correction_of) REFERENCES vouchers (book, id);
ALTER TABLE seal_pending ADD FOREIGN KEY (book, voucher_id) REFERENCES vouchers (book, id);
ALTER TABLE voucher_lines
    ADD FOREIGN KEY (book, voucher_id) REFERENCES vouchers (book, id),
    ADD FOREIGN KEY (book, account) REFERENCES accounts (book, code),
    ADD FOREIGN KEY (book, org) REFERENCES organisations (book, code),
    ADD FOREIGN KEY (book, fund) REFERENCES funds (book, code);
