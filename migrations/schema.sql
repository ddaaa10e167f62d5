--
-- PostgreSQL database dump
--

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: pg_trgm; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

--
-- Name: EXTENSION pg_trgm; Type: COMMENT; Schema: -; Owner: 
--

COMMENT ON EXTENSION pg_trgm IS 'text similarity measurement and index searching based on trigrams';

--
-- Name: actions_api_key(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.actions_api_key() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    IF NEW.idem_key IS NULL OR NEW.idem_key = '' OR length(NEW.idem_key) > 200 OR NEW.voucher_id = 0
       OR coalesce(octet_length(NEW.request_hash), 0) NOT IN (16, 32) THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation', TABLE = 'actions',
            MESSAGE = 'an action''s idempotency key has 1 to 200 characters, with its voucher and the first 16 bytes of its request''s SHA-256 hash (all 32 before migration 00051)';
    END IF;
    PERFORM api_key_lock(NEW.book, NEW.actor, NEW.idem_key);
    IF EXISTS (SELECT 1 FROM api_idempotency a WHERE a.book = NEW.book AND a.user_name = NEW.actor AND a.key = NEW.idem_key) THEN
        RAISE EXCEPTION USING ERRCODE = 'unique_violation', CONSTRAINT = 'api_idempotency_pkey', TABLE = 'api_idempotency',
            MESSAGE = format('idempotency key %s of %s is claimed already', NEW.idem_key, NEW.actor);
    END IF;
    RETURN NEW;
END $$;

ALTER FUNCTION public.actions_api_key() OWNER TO ledger_owner;

--
-- Name: api_key_lock(text, text, text); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.api_key_lock(p_book text, p_user text, p_key text) RETURNS void
    LANGUAGE sql
    AS $$
    SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended(
        p_book OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) p_user OPERATOR(pg_catalog.||) E'\n' OPERATOR(pg_catalog.||) p_key, 19));
$$;

ALTER FUNCTION public.api_key_lock(p_book text, p_user text, p_key text) OWNER TO ledger_owner;

--
-- Name: audit_findings_after_update(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.audit_findings_after_update() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    IF (NEW.state, NEW.note, NEW.deadline) IS DISTINCT FROM (OLD.state, OLD.note, OLD.deadline) THEN
        INSERT INTO finding_events (book, finding_key, finding_id, from_state, to_state, actor, at, note, deadline)
            VALUES (NEW.book, NEW.key, NEW.id, OLD.state, NEW.state, NEW.updated_by, NEW.updated_at, NEW.note, NEW.deadline);
    END IF;
    RETURN NULL;
END $$;

ALTER FUNCTION public.audit_findings_after_update() OWNER TO ledger_owner;

--
-- Name: audit_findings_before_update(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.audit_findings_before_update() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    IF (NEW.book, NEW.key, NEW.id, NEW.first_seen_at) IS DISTINCT FROM (OLD.book, OLD.key, OLD.id, OLD.first_seen_at) THEN
        RAISE EXCEPTION USING ERRCODE = 'LE008', MESSAGE = format('finding %s: its identity never changes', OLD.id);
    END IF;
    IF (NEW.state, NEW.note, NEW.deadline) IS NOT DISTINCT FROM (OLD.state, OLD.note, OLD.deadline) THEN
        RETURN NEW;
    END IF;
    IF NEW.state IS DISTINCT FROM OLD.state
       AND OLD.state || '>' || NEW.state NOT IN ('open>acknowledged', 'acknowledged>rectified') THEN
        RAISE EXCEPTION USING ERRCODE = 'LE007',
            COLUMN = 'state', MESSAGE = format('finding %s cannot go from %s to %s (open → acknowledged → rectified)', OLD.id, OLD.state, NEW.state);
    END IF;
    IF NEW.updated_by IS NULL OR NEW.updated_by = '' OR NEW.updated_at IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'updated_by', MESSAGE = 'who changes a finding and when is recorded';
    END IF;
    IF NEW.state IS DISTINCT FROM OLD.state AND btrim(NEW.note) = '' THEN
        RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'note', MESSAGE = 'a change of state needs a note';
    END IF;
    RETURN NEW;
END $$;

ALTER FUNCTION public.audit_findings_before_update() OWNER TO ledger_owner;

--
-- Name: balance_lock(text, text, text, text); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.balance_lock(p_book text, p_account text, p_org text, p_fund text) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN hashtextextended(((((((p_book || '
'::text) || p_account) || '
'::text) || p_org) || '
'::text) || p_fund), (23)::bigint);

ALTER FUNCTION public.balance_lock(p_book text, p_account text, p_org text, p_fund text) OWNER TO ledger_owner;

--
-- Name: books_bump_revision(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.books_bump_revision() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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

ALTER FUNCTION public.books_bump_revision() OWNER TO ledger_owner;

--
-- Name: books_next_revision(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.books_next_revision() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    NEW.revision := OLD.revision + 1;
    RETURN NEW;
END $$;

ALTER FUNCTION public.books_next_revision() OWNER TO ledger_owner;

--
-- Name: finding_events_before_insert(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.finding_events_before_insert() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    cur text;
BEGIN
    NEW.db_role := current_user;
    IF pg_trigger_depth() = 1 THEN
        SELECT state INTO cur FROM audit_findings WHERE book = NEW.book AND key = NEW.finding_key AND id = NEW.finding_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'LE012', COLUMN = 'finding_key', MESSAGE = format('no finding %s with key %s', NEW.finding_id, NEW.finding_key);
        END IF;
        IF NEW.from_state IS DISTINCT FROM cur OR NEW.to_state IS DISTINCT FROM cur THEN
            RAISE EXCEPTION USING ERRCODE = 'LE007',
                COLUMN = 'to_state', MESSAGE = format('finding %s is %s; a state changes only by updating the finding', NEW.finding_id, cur);
        END IF;
        IF btrim(NEW.note) = '' THEN
            RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'note', MESSAGE = 'an event written directly is a note and needs its text';
        END IF;
    END IF;
    RETURN NEW;
END $$;

ALTER FUNCTION public.finding_events_before_insert() OWNER TO ledger_owner;

--
-- Name: grant_receipts_check(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.grant_receipts_check() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    v vouchers%ROWTYPE;
BEGIN
    SELECT * INTO v FROM vouchers WHERE book = NEW.book AND id = NEW.voucher_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LE012', COLUMN = 'voucher_id', MESSAGE = format('voucher %s does not exist', NEW.voucher_id);
    END IF;
    IF v.status <> 'draft' OR v.flow <> 'receive' THEN
        RAISE EXCEPTION USING ERRCODE = 'LE007', COLUMN = 'voucher_id', MESSAGE = format('voucher %s is not a draft receipt', NEW.voucher_id);
    END IF;
    IF v.total_fen <> NEW.amount_fen THEN
        RAISE EXCEPTION USING ERRCODE = 'LE009', COLUMN = 'amount', MESSAGE = format('the grant is %s fen but the receipt is %s fen', NEW.amount_fen, v.total_fen);
    END IF;
    IF EXISTS (SELECT 1 FROM books WHERE book = NEW.from_book) AND NOT EXISTS (
        SELECT 1 FROM grants g JOIN vouchers u ON u.book = g.book AND u.id = g.voucher_id
        WHERE g.book = NEW.from_book AND g.voucher_id = NEW.from_voucher AND g.to_book = NEW.book
          AND g.amount_fen = NEW.amount_fen AND u.status = 'posted') THEN
        RAISE EXCEPTION USING ERRCODE = 'LE012', COLUMN = 'from_voucher', MESSAGE = format('book %s has no posted grant %s to book %s of that amount', NEW.from_book, NEW.from_voucher, NEW.book);
    END IF;
    RETURN NEW;
END $$;

ALTER FUNCTION public.grant_receipts_check() OWNER TO ledger_owner;

--
-- Name: grants_after_post(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.grants_after_post() RETURNS trigger
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

ALTER FUNCTION public.grants_after_post() OWNER TO ledger_owner;

--
-- Name: grants_before_insert(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.grants_before_insert() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    v vouchers%ROWTYPE;
    out_fen bigint;
BEGIN
    SELECT * INTO v FROM vouchers WHERE book = NEW.book AND id = NEW.voucher_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LE012', COLUMN = 'voucher_id', MESSAGE = format('voucher %s does not exist', NEW.voucher_id);
    END IF;
    IF v.status <> 'draft' OR v.flow <> 'grant' THEN
        RAISE EXCEPTION USING ERRCODE = 'LE007', COLUMN = 'voucher_id', MESSAGE = format('voucher %s is not a draft grant voucher', NEW.voucher_id);
    END IF;
    SELECT coalesce(sum(debit_fen - credit_fen), 0) INTO out_fen FROM voucher_lines
        WHERE book = NEW.book AND voucher_id = NEW.voucher_id AND account = '5501';
    IF out_fen <> NEW.amount_fen THEN
        RAISE EXCEPTION USING ERRCODE = 'LE009', COLUMN = 'amount', MESSAGE = format('the grant is %s fen but its voucher pays %s fen out on 5501', NEW.amount_fen, out_fen);
    END IF;
    IF EXISTS (SELECT 1 FROM books WHERE book = NEW.to_book) THEN
        IF NOT EXISTS (SELECT 1 FROM organisations WHERE book = NEW.to_book AND code = NEW.to_org) THEN
            RAISE EXCEPTION USING ERRCODE = 'LE012', COLUMN = 'to_org', MESSAGE = format('organisation %s does not exist in book %s', NEW.to_org, NEW.to_book);
        END IF;
        IF NOT EXISTS (SELECT 1 FROM funds WHERE book = NEW.to_book AND code = NEW.to_fund AND kind = 'upper') THEN
            RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'to_fund', MESSAGE = format('%s is not an upper-level fund of book %s', NEW.to_fund, NEW.to_book);
        END IF;
    END IF;
    RETURN NEW;
END $$;

ALTER FUNCTION public.grants_before_insert() OWNER TO ledger_owner;

--
-- Name: ledger_append_only(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.ledger_append_only() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'LE008',
        MESSAGE = format('%s is append-only: rows are never changed or deleted', TG_TABLE_NAME);
END $$;

ALTER FUNCTION public.ledger_append_only() OWNER TO ledger_owner;

--
-- Name: ledger_auth_changed(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.ledger_auth_changed() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    PERFORM pg_notify('ledger_auth', TG_TABLE_NAME);
    RETURN NULL;
END $$;

ALTER FUNCTION public.ledger_auth_changed() OWNER TO ledger_owner;

--
-- Name: ledger_clear_draft(text, bigint); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.ledger_clear_draft(p_book text, p_id bigint) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $_$
DECLARE
    v record;
    t regclass;
BEGIN
    SELECT x.status, x.xmin = pg_current_xact_id()::xid AS edited INTO v FROM vouchers x WHERE x.book = p_book AND x.id = p_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LE012', COLUMN = 'id', MESSAGE = format('voucher %s does not exist', p_id);
    END IF;
    IF v.status <> 'draft' THEN
        RAISE EXCEPTION USING ERRCODE = 'LE008', COLUMN = 'status', MESSAGE = format('voucher %s is %s: only a draft is edited', p_id, v.status);
    END IF;
    IF NOT v.edited THEN
        RAISE EXCEPTION USING ERRCODE = 'LE008', COLUMN = 'version',
            MESSAGE = format('the children of voucher %s are cleared only by the transaction that edits it', p_id);
    END IF;
    FOR t IN SELECT c.rel FROM (SELECT DISTINCT g.tgrelid::regclass AS rel FROM pg_trigger g
                                WHERE g.tgfoid = 'ledger_draft_child_delete'::regproc) c
             ORDER BY c.rel = 'voucher_lines'::regclass, c.rel::text LOOP
        EXECUTE format('DELETE FROM %s WHERE book = $1 AND voucher_id = $2', t) USING p_book, p_id;
    END LOOP;
END $_$;

ALTER FUNCTION public.ledger_clear_draft(p_book text, p_id bigint) OWNER TO ledger_owner;

--
-- Name: ledger_draft_child_delete(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.ledger_draft_child_delete() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    v record;
BEGIN
    SELECT x.status, x.xmin = pg_current_xact_id()::xid AS edited INTO v FROM vouchers x WHERE x.book = OLD.book AND x.id = OLD.voucher_id;
    IF NOT FOUND OR v.status <> 'draft' OR NOT v.edited THEN
        RAISE EXCEPTION USING ERRCODE = 'LE008',
            MESSAGE = format('%s of voucher %s are deleted only by an edit of the draft', TG_TABLE_NAME, OLD.voucher_id);
    END IF;
    RETURN OLD;
END $$;

ALTER FUNCTION public.ledger_draft_child_delete() OWNER TO ledger_owner;

--
-- Name: ledger_id_number_ok(text, text); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.ledger_id_number_ok(kind text, n text) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE STRICT
    SET search_path TO 'public', 'pg_temp'
    AS $_$
DECLARE
    weights constant int[] := '{7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2}';
    y int;
    m int;
    d int;
    s int := 0;
BEGIN
    CASE kind
    WHEN 'resident', 'residence' THEN
        IF n !~ '^[0-9]{17}[0-9X]$' THEN
            RETURN false;
        END IF;
        IF kind = 'residence' AND left(n, 2) NOT IN ('81', '82', '83') THEN
            RETURN false;
        END IF;
        y := substr(n, 7, 4)::int;
        m := substr(n, 11, 2)::int;
        d := substr(n, 13, 2)::int;
        IF y < 1900 OR m < 1 OR m > 12 OR d < 1
            OR d > extract(day FROM make_date(y, m, 1) + interval '1 month - 1 day')::int THEN
            RETURN false;
        END IF;
        FOR i IN 1..17 LOOP
            s := s + substr(n, i, 1)::int * weights[i];
        END LOOP;
        RETURN substr('10X98765432', s % 11 + 1, 1) = right(n, 1);
    WHEN 'hk_macao' THEN
        RETURN n ~ '^[HM]([0-9]{8}|[0-9]{10})$';
    WHEN 'taiwan' THEN
        RETURN n ~ '^[0-9]{8}$';
    WHEN 'passport', 'foreign_perm' THEN
        RETURN n ~ '^[A-Z0-9]{5,17}$';
    ELSE
        RETURN false;
    END CASE;
END $_$;

ALTER FUNCTION public.ledger_id_number_ok(kind text, n text) OWNER TO ledger_owner;

--
-- Name: ledger_import_approved(text, text, timestamp with time zone, integer[], text[], date[], text[], text[], integer[], integer[], integer[], integer[], integer[], text[], integer[], integer[], integer[], text[], integer[], bigint[], bigint[], text[], text[], text[], text[]); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.ledger_import_approved(p_book text, p_actor text, p_at timestamp with time zone, v_row integer[], v_key text[], v_date date[], v_type text[], v_summary text[], v_attachments integer[], v_maker integer[], v_checker integer[], v_cashier integer[], v_poster integer[], p_names text[], l_voucher integer[], l_no integer[], l_row integer[], l_summary text[], l_key integer[], l_debit bigint[], l_credit bigint[], k_account text[], k_org text[], k_fund text[], k_purpose text[]) RETURNS bigint[]
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

ALTER FUNCTION public.ledger_import_approved(p_book text, p_actor text, p_at timestamp with time zone, v_row integer[], v_key text[], v_date date[], v_type text[], v_summary text[], v_attachments integer[], v_maker integer[], v_checker integer[], v_cashier integer[], v_poster integer[], p_names text[], l_voucher integer[], l_no integer[], l_row integer[], l_summary text[], l_key integer[], l_debit bigint[], l_credit bigint[], k_account text[], k_org text[], k_fund text[], k_purpose text[]) OWNER TO ledger_owner;

--
-- Name: ledger_is_book_admin(text, text); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.ledger_is_book_admin(p_book text, p_name text) RETURNS boolean
    LANGUAGE plpgsql STABLE
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM users WHERE book = p_book AND name = p_name AND NOT disabled
                   AND roles @> '{admin}' AND scope IS NULL);
END $$;

ALTER FUNCTION public.ledger_is_book_admin(p_book text, p_name text) OWNER TO ledger_owner;

--
-- Name: ledger_is_owner(oid); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.ledger_is_owner(rel oid) RETURNS boolean
    LANGUAGE plpgsql STABLE
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    RETURN (SELECT pg_has_role(current_user, c.relowner, 'USAGE') FROM pg_class c WHERE c.oid = rel);
END $$;

ALTER FUNCTION public.ledger_is_owner(rel oid) OWNER TO ledger_owner;

--
-- Name: ledger_keep_codes(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.ledger_keep_codes() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $_$
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
        RAISE EXCEPTION USING ERRCODE = 'LE008', COLUMN = 'code', MESSAGE = format('%s %s is used by vouchers and cannot be %s', col,
            coalesce(old_row->>'code', old_row->>'book'), CASE TG_OP WHEN 'DELETE' THEN 'deleted' ELSE 'changed' END);
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $_$;

ALTER FUNCTION public.ledger_keep_codes() OWNER TO ledger_owner;

--
-- Name: ledger_no_delete(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.ledger_no_delete() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'LE008',
        MESSAGE = format('%s: rows are never deleted', TG_TABLE_NAME);
END $$;

ALTER FUNCTION public.ledger_no_delete() OWNER TO ledger_owner;

--
-- Name: ledger_post_turnover(text, bigint[]); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.ledger_post_turnover(p_book text, p_ids bigint[]) RETURNS void
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

ALTER FUNCTION public.ledger_post_turnover(p_book text, p_ids bigint[]) OWNER TO ledger_owner;

--
-- Name: ledger_system_may_make(text, text); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.ledger_system_may_make(p_book text, p_key text) RETURNS boolean
    LANGUAGE plpgsql STABLE
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    RETURN p_key LIKE 'grant:%' AND EXISTS (
        SELECT 1 FROM grants g JOIN vouchers u ON u.book = g.book AND u.id = g.voucher_id
        WHERE p_key = 'grant:' || g.book || ':' || g.voucher_id AND g.to_book = p_book AND u.status = 'posted');
END $$;

ALTER FUNCTION public.ledger_system_may_make(p_book text, p_key text) OWNER TO ledger_owner;

--
-- Name: ledger_user_has(text, text, text[]); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.ledger_user_has(p_book text, p_name text, p_roles text[]) RETURNS boolean
    LANGUAGE plpgsql STABLE
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM users WHERE book = p_book AND name = p_name AND NOT disabled AND roles && p_roles);
END $$;

ALTER FUNCTION public.ledger_user_has(p_book text, p_name text, p_roles text[]) OWNER TO ledger_owner;

--
-- Name: period_events_before_insert(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.period_events_before_insert() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    IF NEW.action = 'reopen' AND NOT ledger_is_book_admin(NEW.book, NEW.actor) THEN
        RAISE EXCEPTION USING ERRCODE = 'LE011', COLUMN = 'user',
            MESSAGE = format('%s is not an admin of the whole book %s: only one re-opens a closed month', NEW.actor, NEW.book);
    END IF;
    IF NEW.action = 'close' AND NEW.actor <> 'system' AND NOT ledger_is_book_admin(NEW.book, NEW.actor) THEN
        RAISE EXCEPTION USING ERRCODE = 'LE011', COLUMN = 'user',
            MESSAGE = format('%s is neither the batch nor an admin of the whole book %s: a month is closed by them', NEW.actor, NEW.book);
    END IF;
    RETURN NEW;
END $$;

ALTER FUNCTION public.period_events_before_insert() OWNER TO ledger_owner;

--
-- Name: periods_before_update(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.periods_before_update() RETURNS trigger
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

ALTER FUNCTION public.periods_before_update() OWNER TO ledger_owner;

--
-- Name: periods_close_year(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.periods_close_year() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    IF NEW.month = 12 AND OLD.status = 'open' AND NEW.status = 'closed' THEN
        INSERT INTO years (book, year, status, closed_at, closed_by) VALUES (NEW.book, NEW.year, 'closed', NEW.closed_at, NEW.closed_by)
            ON CONFLICT (book, year) DO UPDATE SET status = 'closed', closed_at = excluded.closed_at, closed_by = excluded.closed_by;
        INSERT INTO year_events (book, year, action, actor, at) VALUES (NEW.book, NEW.year, 'close', NEW.closed_by, NEW.closed_at);
    END IF;
    RETURN NULL;
END $$;

ALTER FUNCTION public.periods_close_year() OWNER TO ledger_owner;

--
-- Name: periods_reopen_needs_event(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.periods_reopen_needs_event() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    IF OLD.status = 'closed' AND NEW.status = 'open' AND NOT EXISTS (
            SELECT 1 FROM period_events e
            WHERE e.book = NEW.book AND e.year = NEW.year AND e.month = NEW.month AND e.action = 'reopen'
              AND e.xmin = pg_current_xact_id()::xid AND ledger_is_book_admin(e.book, e.actor)) THEN
        RAISE EXCEPTION USING ERRCODE = 'LE011', COLUMN = 'user',
            MESSAGE = format('period %s-%s is re-opened only with a re-open event by an admin of the whole book in the same transaction', NEW.year, NEW.month);
    END IF;
    RETURN NEW;
END $$;

ALTER FUNCTION public.periods_reopen_needs_event() OWNER TO ledger_owner;

--
-- Name: periods_year_end(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.periods_year_end() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    r record;
BEGIN
    IF NEW.month <> 12 THEN
        RETURN NEW;
    END IF;
    IF OLD.status = 'open' AND NEW.status = 'closed' THEN
        SELECT l.account, l.org, l.fund, sum(l.debit_fen - l.credit_fen) AS n INTO r
        FROM voucher_lines l
        JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
        JOIN accounts a ON a.book = l.book AND a.code = l.account
        WHERE l.book = NEW.book AND v.status = 'posted' AND v.date <= make_date(NEW.year, 12, 31) AND a.type IN ('income', 'expense')
        GROUP BY 1, 2, 3 HAVING sum(l.debit_fen - l.credit_fen) <> 0
        ORDER BY 1, 2, 3 LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'LE007', COLUMN = 'year',
                MESSAGE = format('December %s closes the year: account %s of %s, fund %s, still has %s; make the year-end close (year close %s) and post it first',
                                 NEW.year, r.account, r.org, r.fund, r.n / 100.0, NEW.year);
        END IF;
    ELSIF OLD.status = 'closed' AND NEW.status = 'open' THEN
        IF EXISTS (SELECT 1 FROM years WHERE book = NEW.book AND year = NEW.year AND status = 'closed') THEN
            RAISE EXCEPTION USING ERRCODE = 'LE007', COLUMN = 'year',
                MESSAGE = format('year %s is closed; re-open the year before its December', NEW.year);
        END IF;
    END IF;
    RETURN NEW;
END $$;

ALTER FUNCTION public.periods_year_end() OWNER TO ledger_owner;

--
-- Name: seal_heads_check(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.seal_heads_check() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    IF TG_OP = 'INSERT' AND NEW.seq <> 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'seq', MESSAGE = 'a chain head starts at 0';
    END IF;
    IF TG_OP = 'UPDATE' THEN
        IF NEW.book <> OLD.book OR NEW.seq < OLD.seq THEN
            RAISE EXCEPTION USING ERRCODE = 'LE008', COLUMN = 'seq', MESSAGE = format('the chain head of book %s only moves forward (%s to %s refused)', OLD.book, OLD.seq, NEW.seq);
        END IF;
        IF NEW.seq > 0 AND NOT EXISTS (SELECT 1 FROM voucher_seals s WHERE s.book = NEW.book AND s.seq = NEW.seq AND s.seal = NEW.seal) THEN
            RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'seal', MESSAGE = format('the chain head of book %s must be the stored seal at seq %s', NEW.book, NEW.seq);
        END IF;
    END IF;
    RETURN NEW;
END $$;

ALTER FUNCTION public.seal_heads_check() OWNER TO ledger_owner;

--
-- Name: voucher_attachments_check(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.voucher_attachments_check() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    v record;
    r record;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT id, status, maker INTO v FROM vouchers WHERE book = NEW.book AND id = NEW.voucher_id FOR SHARE;
        IF NOT FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'LE012', COLUMN = 'id', MESSAGE = format('voucher %s does not exist in book %s', NEW.voucher_id, NEW.book);
        END IF;
        IF v.status <> 'draft' THEN
            RAISE EXCEPTION USING ERRCODE = 'LE007', COLUMN = 'status', MESSAGE = format('voucher %s is %s; files are attached only to a draft', v.id, v.status);
        END IF;
        IF NOT ledger_user_has(NEW.book, NEW.uploaded_by, '{officer,admin}') THEN
            RAISE EXCEPTION USING ERRCODE = 'LE011', COLUMN = 'user', MESSAGE = format('%s is not an officer or admin of book %s', NEW.uploaded_by, NEW.book);
        END IF;
        SELECT u.scope, l.org INTO r FROM users u
            JOIN voucher_lines l ON l.book = NEW.book AND l.voucher_id = NEW.voucher_id
            JOIN organisations o ON o.book = l.book AND o.code = l.org
            WHERE u.book = NEW.book AND u.name = NEW.uploaded_by AND u.scope IS NOT NULL
              AND position('/' || u.scope || '/' IN '/' || o.path || '/') = 0
            LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'LE011', COLUMN = 'user', MESSAGE = format('%s may act only within %s; %s is outside', NEW.uploaded_by, r.scope, r.org);
        END IF;
        IF NEW.uploaded_by <> v.maker AND NOT ledger_user_has(NEW.book, NEW.uploaded_by, '{admin}') THEN
            RAISE EXCEPTION USING ERRCODE = 'LE006', COLUMN = 'user', MESSAGE = format('only the maker %s or an admin attaches files to voucher %s', v.maker, v.id);
        END IF;
        IF NEW.no <> (SELECT coalesce(max(no), 0) + 1 FROM voucher_attachments WHERE book = NEW.book AND voucher_id = NEW.voucher_id) THEN
            RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'no', MESSAGE = format('the next file of voucher %s is numbered %s', NEW.voucher_id,
                (SELECT coalesce(max(no), 0) + 1 FROM voucher_attachments WHERE book = NEW.book AND voucher_id = NEW.voucher_id));
        END IF;
        RETURN NEW;
    END IF;
    SELECT id, status INTO v FROM vouchers WHERE book = OLD.book AND id = OLD.voucher_id;
    IF FOUND AND v.status <> 'draft' THEN
        RAISE EXCEPTION USING ERRCODE = 'LE008', COLUMN = 'attachments', MESSAGE = format('voucher %s is %s; its files cannot change', v.id, v.status);
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF NEW.book <> OLD.book OR NEW.voucher_id <> OLD.voucher_id OR NEW.no <> OLD.no THEN
        RAISE EXCEPTION USING ERRCODE = 'LE008', COLUMN = 'attachments', MESSAGE = 'a file stays with its voucher and number';
    END IF;
    RETURN NEW;
END $$;

ALTER FUNCTION public.voucher_attachments_check() OWNER TO ledger_owner;

--
-- Name: voucher_beneficiaries_draft_only(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.voucher_beneficiaries_draft_only() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    r record;
BEGIN
    SELECT v.id, v.status INTO r FROM (SELECT DISTINCT book, voucher_id FROM new_rows) n
        JOIN vouchers v ON v.book = n.book AND v.id = n.voucher_id
        WHERE v.status <> 'draft' LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LE008', COLUMN = 'beneficiaries', MESSAGE = format('voucher %s is %s; its beneficiaries cannot change', r.id, r.status);
    END IF;
    RETURN NULL;
END $$;

ALTER FUNCTION public.voucher_beneficiaries_draft_only() OWNER TO ledger_owner;

--
-- Name: voucher_items_after_insert(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.voucher_items_after_insert() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    r record;
BEGIN
    SELECT v.id, v.status INTO r FROM (SELECT DISTINCT book, voucher_id FROM new_items) n
        JOIN vouchers v ON v.book = n.book AND v.id = n.voucher_id
        WHERE v.status <> 'draft' LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LE008', COLUMN = 'items', MESSAGE = format('voucher %s is %s; its items cannot change', r.id, r.status);
    END IF;
    SELECT n.voucher_id, n.line_no INTO r
        FROM (SELECT DISTINCT book, voucher_id, line_no FROM new_items) n
        JOIN voucher_lines l ON l.book = n.book AND l.voucher_id = n.voucher_id AND l.line_no = n.line_no
        JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
        LEFT JOIN accounts a ON a.book = l.book AND a.code = l.account
        WHERE a.purpose IS NULL OR l.debit_fen <= 0 OR v.reversal_of IS NOT NULL
        ORDER BY n.voucher_id, n.line_no LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = format('lines[%s].items', r.line_no),
            MESSAGE = format('items stand only on the debit side of a spending line; line %s of voucher %s is not one', r.line_no, r.voucher_id);
    END IF;
    RETURN NULL;
END $$;

ALTER FUNCTION public.voucher_items_after_insert() OWNER TO ledger_owner;

--
-- Name: voucher_items_immutable(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.voucher_items_immutable() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    s text;
BEGIN
    IF TG_OP = 'DELETE' THEN
        SELECT v.status INTO s FROM vouchers v WHERE v.book = OLD.book AND v.id = OLD.voucher_id;
        IF s = 'draft' THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'LE008', COLUMN = 'items',
        MESSAGE = format('the items of voucher %s are not changed once written (it is %s)', OLD.voucher_id, coalesce(s, 'made'));
END $$;

ALTER FUNCTION public.voucher_items_immutable() OWNER TO ledger_owner;

--
-- Name: voucher_items_sum(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.voucher_items_sum() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    total bigint;
    line bigint;
BEGIN
    IF EXISTS (SELECT 1 FROM voucher_items i WHERE i.book = NEW.book AND i.voucher_id = NEW.voucher_id
               AND i.line_no = NEW.line_no AND i.seq > NEW.seq)
       OR NOT EXISTS (SELECT 1 FROM voucher_items i WHERE i.book = NEW.book AND i.voucher_id = NEW.voucher_id
                      AND i.line_no = NEW.line_no AND i.seq = NEW.seq) THEN
        RETURN NULL;
    END IF;
    SELECT sum(i.amount_fen) INTO total FROM voucher_items i
        WHERE i.book = NEW.book AND i.voucher_id = NEW.voucher_id AND i.line_no = NEW.line_no;
    SELECT l.debit_fen INTO line FROM voucher_lines l
        WHERE l.book = NEW.book AND l.voucher_id = NEW.voucher_id AND l.line_no = NEW.line_no;
    IF total IS DISTINCT FROM line THEN
        RAISE EXCEPTION USING ERRCODE = 'LE009', COLUMN = format('lines[%s].items', NEW.line_no),
            MESSAGE = format('the items of line %s of voucher %s add up to %s, not the line''s amount %s', NEW.line_no, NEW.voucher_id, total / 100.0, line / 100.0);
    END IF;
    RETURN NULL;
END $$;

ALTER FUNCTION public.voucher_items_sum() OWNER TO ledger_owner;

--
-- Name: voucher_lines_after_insert(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.voucher_lines_after_insert() RETURNS trigger
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

ALTER FUNCTION public.voucher_lines_after_insert() OWNER TO ledger_owner;

--
-- Name: voucher_lines_date(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.voucher_lines_date() RETURNS trigger
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

ALTER FUNCTION public.voucher_lines_date() OWNER TO ledger_owner;

--
-- Name: voucher_seals_after_insert(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.voucher_seals_after_insert() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    r record;
BEGIN
    SELECT n.seq INTO r FROM new_seals n
        LEFT JOIN voucher_seals p ON p.book = n.book AND p.seq = n.seq - 1
        WHERE n.seq > 1 AND (p.seal IS NULL OR p.seal <> n.prev)
        LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'seq', MESSAGE = format('seal %s does not continue the chain (no seal %s to link to, or a different one)', r.seq, r.seq - 1);
    END IF;
    SELECT n.seq, n.voucher_id, coalesce(v.status, 'missing') AS status INTO r FROM new_seals n
        LEFT JOIN vouchers v ON v.book = n.book AND v.id = n.voucher_id
        WHERE v.status IS DISTINCT FROM 'posted'
        LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LE007', COLUMN = 'status', MESSAGE = format('voucher %s is %s; only posted vouchers are sealed', r.voucher_id, r.status);
    END IF;
    RETURN NULL;
END $$;

ALTER FUNCTION public.voucher_seals_after_insert() OWNER TO ledger_owner;

--
-- Name: vouchers_after_post(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.vouchers_after_post() RETURNS trigger
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

ALTER FUNCTION public.vouchers_after_post() OWNER TO ledger_owner;

--
-- Name: vouchers_before_insert(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.vouchers_before_insert() RETURNS trigger
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

ALTER FUNCTION public.vouchers_before_insert() OWNER TO ledger_owner;

--
-- Name: vouchers_check_window(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.vouchers_check_window() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
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

ALTER FUNCTION public.vouchers_check_window() OWNER TO ledger_owner;

--
-- Name: vouchers_edit_complete(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.vouchers_edit_complete() RETURNS trigger
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

ALTER FUNCTION public.vouchers_edit_complete() OWNER TO ledger_owner;

--
-- Name: vouchers_guard_edit(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.vouchers_guard_edit() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    st text;
BEGIN
    IF OLD.status <> 'draft' THEN
        RAISE EXCEPTION USING ERRCODE = 'LE008', COLUMN = 'status',
            MESSAGE = format('voucher %s is %s: only a draft is edited', OLD.id, OLD.status);
    END IF;
    IF NEW.version IS NOT DISTINCT FROM OLD.version THEN
        RAISE EXCEPTION USING ERRCODE = 'LE008', COLUMN = 'edited_by',
            MESSAGE = format('voucher %s: who edited it changes only with its version', OLD.id);
    END IF;
    IF NEW.version <> OLD.version + 1 THEN
        RAISE EXCEPTION USING ERRCODE = 'LE007', COLUMN = 'version',
            MESSAGE = format('voucher %s is at version %s; an edit of it makes version %s', OLD.id, OLD.version, OLD.version + 1);
    END IF;
    IF NEW.type <> OLD.type THEN
        RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'type',
            MESSAGE = format('an edit keeps the voucher type %s of voucher %s; void it and enter it again', OLD.type, OLD.id);
    END IF;
    IF extract(year FROM NEW.date) <> OLD.year OR extract(month FROM NEW.date) <> OLD.month THEN
        RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'date',
            MESSAGE = format('an edit keeps voucher %s in %s-%s; void it and enter it again', OLD.id, OLD.year, lpad(OLD.month::text, 2, '0'));
    END IF;
    IF (NEW.book, NEW.id, NEW.year, NEW.month, NEW.number, NEW.flow, NEW.reversal_of, NEW.correction_of, NEW.idem_key,
        NEW.maker, NEW.made_at, NEW.status, NEW.total_fen, NEW.checker, NEW.checked_at, NEW.cashier, NEW.signed_at,
        NEW.poster, NEW.posted_at, NEW.voided_by, NEW.voided_at)
       IS DISTINCT FROM
       (OLD.book, OLD.id, OLD.year, OLD.month, OLD.number, OLD.flow, OLD.reversal_of, OLD.correction_of, OLD.idem_key,
        OLD.maker, OLD.made_at, OLD.status, OLD.total_fen, OLD.checker, OLD.checked_at, OLD.cashier, OLD.signed_at,
        OLD.poster, OLD.posted_at, OLD.voided_by, OLD.voided_at) THEN
        RAISE EXCEPTION USING ERRCODE = 'LE008',
            MESSAGE = format('voucher %s: an edit changes its header and lines, not its number, flow, maker or workflow', OLD.id);
    END IF;
    IF NEW.edited_by IS NULL OR NEW.edited_at IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'edited_by', MESSAGE = 'who edits the voucher is recorded';
    END IF;
    IF NEW.edited_by <> OLD.maker AND NOT ledger_user_has(OLD.book, NEW.edited_by, '{admin}') THEN
        RAISE EXCEPTION USING ERRCODE = 'LE006', COLUMN = 'edited_by',
            MESSAGE = format('only the maker %s or an admin edits voucher %s', OLD.maker, OLD.id);
    END IF;
    SELECT status INTO st FROM periods WHERE book = OLD.book AND year = OLD.year AND month = OLD.month FOR SHARE;
    IF st = 'closed' THEN
        RAISE EXCEPTION USING ERRCODE = 'LE004', COLUMN = 'date',
            MESSAGE = format('period %s-%s of book %s is closed', OLD.year, lpad(OLD.month::text, 2, '0'), OLD.book);
    END IF;
    RETURN NEW;
END $$;

ALTER FUNCTION public.vouchers_guard_edit() OWNER TO ledger_owner;

--
-- Name: vouchers_guard_step(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.vouchers_guard_step() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    needs_cashier boolean;
BEGIN
    IF OLD.status IN ('posted', 'void') THEN
        -- total_fen is kept by the line trigger of the draft's own statement
        RAISE EXCEPTION USING ERRCODE = 'LE008', MESSAGE = format('voucher %s is %s and cannot be changed; corrections are reversals', OLD.id, OLD.status);
    END IF;
    IF (NEW.book, NEW.id, NEW.type, NEW.year, NEW.month, NEW.number, NEW.date, NEW.summary, NEW.attachments,
        NEW.doc_types, NEW.decision, NEW.payee, NEW.payee_type, NEW.method, NEW.flow, NEW.memo, NEW.closing,
        NEW.correcting, NEW.reversal_of, NEW.correction_of, NEW.idem_key, NEW.maker, NEW.made_at)
       IS DISTINCT FROM
       (OLD.book, OLD.id, OLD.type, OLD.year, OLD.month, OLD.number, OLD.date, OLD.summary, OLD.attachments,
        OLD.doc_types, OLD.decision, OLD.payee, OLD.payee_type, OLD.method, OLD.flow, OLD.memo, OLD.closing,
        OLD.correcting, OLD.reversal_of, OLD.correction_of, OLD.idem_key, OLD.maker, OLD.made_at) THEN
        RAISE EXCEPTION USING ERRCODE = 'LE008', MESSAGE = format('voucher %s: only its workflow state changes after it is made', OLD.id);
    END IF;
    IF NEW.status = OLD.status THEN
        -- only the line trigger's own total: the sum of the debits
        IF NEW.total_fen IS DISTINCT FROM OLD.total_fen AND OLD.status = 'draft'
           AND NEW.total_fen = (SELECT coalesce(sum(l.debit_fen), 0) FROM voucher_lines l
                                WHERE l.book = OLD.book AND l.voucher_id = OLD.id)
           AND (NEW.checker, NEW.checked_at, NEW.cashier, NEW.signed_at, NEW.poster, NEW.posted_at, NEW.voided_by, NEW.voided_at)
               IS NOT DISTINCT FROM
               (OLD.checker, OLD.checked_at, OLD.cashier, OLD.signed_at, OLD.poster, OLD.posted_at, OLD.voided_by, OLD.voided_at) THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'LE008', MESSAGE = format('voucher %s (%s) cannot be changed', OLD.id, OLD.status);
    END IF;
    IF NEW.total_fen IS DISTINCT FROM OLD.total_fen THEN
        RAISE EXCEPTION USING ERRCODE = 'LE008', MESSAGE = format('voucher %s: total cannot change', OLD.id);
    END IF;

    CASE OLD.status || '>' || NEW.status
    WHEN 'draft>void' THEN
        IF NEW.voided_by IS NULL OR NEW.voided_at IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'voided_by', MESSAGE = 'who voids the voucher is recorded';
        END IF;
        IF NEW.voided_by <> OLD.maker AND NOT ledger_user_has(OLD.book, NEW.voided_by, '{admin}') THEN
            RAISE EXCEPTION USING ERRCODE = 'LE006', COLUMN = 'voided_by', MESSAGE = format('only the maker %s or an admin voids voucher %s', OLD.maker, OLD.id);
        END IF;
    WHEN 'draft>checked' THEN
        IF NEW.checker IS NULL OR NEW.checked_at IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'checker', MESSAGE = 'who checks the voucher is recorded';
        END IF;
        IF NEW.checker = OLD.maker THEN
            RAISE EXCEPTION USING ERRCODE = 'LE006', COLUMN = 'checker', MESSAGE = format('%s made voucher %s and cannot check it', NEW.checker, OLD.id);
        END IF;
        IF NOT ledger_user_has(OLD.book, NEW.checker, '{checker,admin}') THEN
            RAISE EXCEPTION USING ERRCODE = 'LE011', COLUMN = 'checker', MESSAGE = format('%s is not a checker or admin of book %s', NEW.checker, OLD.book);
        END IF;
    WHEN 'checked>draft' THEN
        IF NEW.checker IS NOT NULL OR NEW.checked_at IS NOT NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'checker', MESSAGE = 'unchecking clears the check';
        END IF;
    WHEN 'checked>signed' THEN
        IF NEW.cashier IS NULL OR NEW.signed_at IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'cashier', MESSAGE = 'who signs the voucher is recorded';
        END IF;
        IF NEW.cashier IN (OLD.maker, OLD.checker) THEN
            RAISE EXCEPTION USING ERRCODE = 'LE006', COLUMN = 'cashier', MESSAGE = format('%s made or checked voucher %s and cannot sign it', NEW.cashier, OLD.id);
        END IF;
        IF NOT ledger_user_has(OLD.book, NEW.cashier, '{cashier}') THEN
            RAISE EXCEPTION USING ERRCODE = 'LE011', COLUMN = 'cashier', MESSAGE = format('%s is not a cashier of book %s', NEW.cashier, OLD.book);
        END IF;
    WHEN 'checked>posted', 'signed>posted' THEN
        IF NEW.poster IS NULL OR NEW.posted_at IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'poster', MESSAGE = 'who posts the voucher is recorded';
        END IF;
        IF NEW.poster = OLD.maker THEN
            RAISE EXCEPTION USING ERRCODE = 'LE006', COLUMN = 'poster', MESSAGE = format('%s made voucher %s and cannot post it', NEW.poster, OLD.id);
        END IF;
        IF NEW.poster = OLD.cashier THEN
            RAISE EXCEPTION USING ERRCODE = 'LE006', COLUMN = 'poster', MESSAGE = format('%s signed voucher %s as cashier and cannot post it', NEW.poster, OLD.id);
        END IF;
        IF NOT ledger_user_has(OLD.book, NEW.poster, '{checker,admin}') THEN
            RAISE EXCEPTION USING ERRCODE = 'LE011', COLUMN = 'poster', MESSAGE = format('%s is not a checker or admin of book %s', NEW.poster, OLD.book);
        END IF;
        IF OLD.status = 'checked' THEN
            SELECT b.require_cashier_sign AND EXISTS (
                SELECT 1 FROM voucher_lines l JOIN accounts a ON a.book = l.book AND a.code = l.account
                WHERE l.book = OLD.book AND l.voucher_id = OLD.id AND a.cash)
            INTO needs_cashier FROM books b WHERE b.book = OLD.book;
            IF needs_cashier THEN
                RAISE EXCEPTION USING ERRCODE = 'LE007', COLUMN = 'status', MESSAGE = format('cash/bank voucher %s must be signed by the cashier before posting', OLD.id);
            END IF;
        END IF;
    ELSE
        RAISE EXCEPTION USING ERRCODE = 'LE007', COLUMN = 'status', MESSAGE = format('voucher %s cannot go from %s to %s', OLD.id, OLD.status, NEW.status);
    END CASE;
    RETURN NEW;
END $$;

ALTER FUNCTION public.vouchers_guard_step() OWNER TO ledger_owner;

--
-- Name: vouchers_made_as_draft(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.vouchers_made_as_draft() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'LE007', COLUMN = 'status', MESSAGE = 'a voucher is made as a draft';
END $$;

ALTER FUNCTION public.vouchers_made_as_draft() OWNER TO ledger_owner;

--
-- Name: vouchers_refer_to_vouchers(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.vouchers_refer_to_vouchers() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    IF NEW.reversal_of IS NOT NULL AND NOT EXISTS (SELECT 1 FROM vouchers o WHERE o.book = NEW.book AND o.id = NEW.reversal_of) THEN
        RAISE EXCEPTION USING ERRCODE = 'LE012', COLUMN = 'reversal_of', MESSAGE = format('voucher %s does not exist', NEW.reversal_of);
    END IF;
    IF NEW.correction_of IS NOT NULL AND NOT EXISTS (SELECT 1 FROM vouchers o WHERE o.book = NEW.book AND o.id = NEW.correction_of) THEN
        RAISE EXCEPTION USING ERRCODE = 'LE012', COLUMN = 'correction_of', MESSAGE = format('voucher %s does not exist', NEW.correction_of);
    END IF;
    RETURN NEW;
END $$;

ALTER FUNCTION public.vouchers_refer_to_vouchers() OWNER TO ledger_owner;

--
-- Name: vouchers_year_rules(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.vouchers_year_rules() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    y integer := extract(year FROM NEW.date);
BEGIN
    IF EXISTS (SELECT 1 FROM years WHERE book = NEW.book AND year = y AND status = 'closed') THEN
        RAISE EXCEPTION USING ERRCODE = 'LE004', COLUMN = 'date', MESSAGE = format('year %s of book %s is closed', y, NEW.book);
    END IF;
    IF NEW.flow IN ('opening', 'opening_ytd') THEN
        IF NOT ledger_is_book_admin(NEW.book, NEW.maker) THEN
            RAISE EXCEPTION USING ERRCODE = 'LE011', COLUMN = 'maker',
                MESSAGE = format('%s is not an admin of the whole book %s: only one enters opening balances', NEW.maker, NEW.book);
        END IF;
        IF extract(day FROM NEW.date) <> 1 THEN
            RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'date', MESSAGE = 'opening balances are dated the first day of the first open month';
        END IF;
        IF NEW.flow = 'opening_ytd' AND extract(month FROM NEW.date) = 1 THEN
            RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'date', MESSAGE = 'a book opened in January has no movements of the year before it';
        END IF;
        IF EXISTS (SELECT 1 FROM periods WHERE book = NEW.book AND status = 'closed') THEN
            RAISE EXCEPTION USING ERRCODE = 'LE004', COLUMN = 'date',
                MESSAGE = format('a month of book %s is closed: its opening balances are locked', NEW.book);
        END IF;
        IF EXISTS (SELECT 1 FROM vouchers WHERE book = NEW.book AND flow = NEW.flow AND status <> 'void') THEN
            RAISE EXCEPTION USING ERRCODE = 'LE007', COLUMN = 'flow',
                MESSAGE = format('book %s has its opening balances already; void the draft or reverse the posted one first', NEW.book);
        END IF;
        IF EXISTS (SELECT 1 FROM vouchers WHERE book = NEW.book AND status <> 'void' AND (date < NEW.date
                   OR flow IN ('opening', 'opening_ytd') AND date <> NEW.date)) THEN
            RAISE EXCEPTION USING ERRCODE = 'LE007', COLUMN = 'date',
                MESSAGE = format('book %s has vouchers before %s: opening balances come first', NEW.book, NEW.date);
        END IF;
    ELSIF NEW.flow = 'year_close' THEN
        IF NEW.maker <> 'system' AND NOT ledger_is_book_admin(NEW.book, NEW.maker) THEN
            RAISE EXCEPTION USING ERRCODE = 'LE011', COLUMN = 'maker',
                MESSAGE = format('%s is neither the batch nor an admin of the whole book %s: they make the year-end close', NEW.maker, NEW.book);
        END IF;
        IF extract(month FROM NEW.date) <> 12 OR extract(day FROM NEW.date) <> 31 THEN
            RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'date', MESSAGE = 'the year-end close is dated 31 December';
        END IF;
        IF EXISTS (SELECT 1 FROM periods WHERE book = NEW.book AND year = y AND month < 12 AND status = 'open') THEN
            RAISE EXCEPTION USING ERRCODE = 'LE007', COLUMN = 'year',
                MESSAGE = format('the year-end close of %s needs January to November closed', y);
        END IF;
    END IF;
    IF NEW.reversal_of IS NOT NULL
       AND EXISTS (SELECT 1 FROM vouchers o WHERE o.book = NEW.book AND o.id = NEW.reversal_of AND o.flow IN ('opening', 'opening_ytd'))
       AND EXISTS (SELECT 1 FROM periods WHERE book = NEW.book AND status = 'closed') THEN
        RAISE EXCEPTION USING ERRCODE = 'LE004', COLUMN = 'reversal_of',
            MESSAGE = format('a month of book %s is closed: its opening balances are locked', NEW.book);
    END IF;
    RETURN NEW;
END $$;

ALTER FUNCTION public.vouchers_year_rules() OWNER TO ledger_owner;

--
-- Name: web_sessions_end_disabled(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.web_sessions_end_disabled() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    DELETE FROM web_sessions WHERE book = NEW.book AND user_name = NEW.name;
    RETURN NEW;
END $$;

ALTER FUNCTION public.web_sessions_end_disabled() OWNER TO ledger_owner;

--
-- Name: year_events_before_insert(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.year_events_before_insert() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    IF NEW.action = 'reopen' AND NOT ledger_is_book_admin(NEW.book, NEW.actor) THEN
        RAISE EXCEPTION USING ERRCODE = 'LE011', COLUMN = 'user',
            MESSAGE = format('%s is not an admin of the whole book %s: only one re-opens a closed year', NEW.actor, NEW.book);
    END IF;
    RETURN NEW;
END $$;

ALTER FUNCTION public.year_events_before_insert() OWNER TO ledger_owner;

--
-- Name: years_before_write(); Type: FUNCTION; Schema: public; Owner: ledger_owner
--

CREATE FUNCTION public.years_before_write() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    IF NEW.status = 'closed' AND (TG_OP = 'INSERT' OR OLD.status = 'open') THEN
        IF NOT EXISTS (SELECT 1 FROM periods WHERE book = NEW.book AND year = NEW.year AND month = 12 AND status = 'closed') THEN
            RAISE EXCEPTION USING ERRCODE = 'LE007', COLUMN = 'year', MESSAGE = format('year %s closes with its December', NEW.year);
        END IF;
    ELSIF TG_OP = 'UPDATE' AND OLD.status = 'closed' AND NEW.status = 'open' THEN
        IF NOT EXISTS (SELECT 1 FROM year_events e WHERE e.book = NEW.book AND e.year = NEW.year AND e.action = 'reopen'
                       AND e.xmin = pg_current_xact_id()::xid AND ledger_is_book_admin(e.book, e.actor)) THEN
            RAISE EXCEPTION USING ERRCODE = 'LE011', COLUMN = 'user',
                MESSAGE = format('year %s is re-opened only with a re-open event by an admin of the whole book in the same transaction', NEW.year);
        END IF;
        IF EXISTS (SELECT 1 FROM years WHERE book = NEW.book AND year > NEW.year AND status = 'closed') THEN
            RAISE EXCEPTION USING ERRCODE = 'LE007', COLUMN = 'year', MESSAGE = format('year %s is not the latest closed year', NEW.year);
        END IF;
        NEW.closed_at := NULL;
        NEW.closed_by := NULL;
    END IF;
    RETURN NEW;
END $$;

ALTER FUNCTION public.years_before_write() OWNER TO ledger_owner;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: accounts; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.accounts (
    book text NOT NULL,
    code text NOT NULL,
    name text NOT NULL,
    type text NOT NULL,
    side text NOT NULL,
    parent text,
    leaf boolean NOT NULL,
    purpose text,
    restricted boolean DEFAULT false NOT NULL,
    cash boolean DEFAULT false NOT NULL,
    CONSTRAINT accounts_code_check CHECK ((code ~ '^[0-9]{4}([0-9]{2})*$'::text)),
    CONSTRAINT accounts_name_check CHECK ((name <> ''::text)),
    CONSTRAINT accounts_purpose_check CHECK ((purpose = ANY (ARRAY['procurement'::text, 'condolence'::text, 'relief'::text]))),
    CONSTRAINT accounts_side_check CHECK ((side = ANY (ARRAY['debit'::text, 'credit'::text]))),
    CONSTRAINT accounts_type_check CHECK ((type = ANY (ARRAY['asset'::text, 'liability'::text, 'net_assets'::text, 'income'::text, 'expense'::text])))
);

ALTER TABLE public.accounts OWNER TO ledger_owner;

--
-- Name: actions; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.actions (
    book text NOT NULL,
    id bigint NOT NULL,
    at timestamp with time zone NOT NULL,
    actor text NOT NULL,
    action text NOT NULL,
    voucher_id bigint DEFAULT 0 NOT NULL,
    source text DEFAULT 'cli'::text NOT NULL,
    detail jsonb DEFAULT '{}'::jsonb NOT NULL,
    idem_key text,
    request_hash bytea,
    CONSTRAINT actions_voucher_id_check CHECK ((voucher_id >= 0))
);

ALTER TABLE public.actions OWNER TO ledger_owner;

--
-- Name: actions_id_seq; Type: SEQUENCE; Schema: public; Owner: ledger_owner
--

ALTER TABLE public.actions ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.actions_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: api_idempotency; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.api_idempotency (
    book text NOT NULL,
    user_name text NOT NULL,
    key text NOT NULL,
    method text NOT NULL,
    path text NOT NULL,
    request_hash text NOT NULL,
    instance text NOT NULL,
    claimed_at timestamp with time zone DEFAULT now() NOT NULL,
    status integer,
    response bytea,
    completed_at timestamp with time zone,
    voucher_id bigint,
    step text,
    CONSTRAINT api_idempotency_answer_or_voucher CHECK (((voucher_id IS NULL) OR ((status IS NOT NULL) AND (response IS NULL)))),
    CONSTRAINT api_idempotency_check CHECK (((status IS NULL) = (completed_at IS NULL))),
    CONSTRAINT api_idempotency_key_check CHECK (((key <> ''::text) AND (length(key) <= 200))),
    CONSTRAINT api_idempotency_status_check CHECK (((status >= 100) AND (status <= 599))),
    CONSTRAINT api_idempotency_voucher_step CHECK (((voucher_id IS NULL) = (step IS NULL)))
)
WITH (fillfactor='50');

ALTER TABLE public.api_idempotency OWNER TO ledger_owner;

--
-- Name: api_tokens; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.api_tokens (
    id bigint NOT NULL,
    book text NOT NULL,
    user_name text NOT NULL,
    token_hash bytea NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    revoked_at timestamp with time zone,
    created_by text,
    CONSTRAINT api_tokens_check CHECK ((expires_at > created_at)),
    CONSTRAINT api_tokens_token_hash_check CHECK ((length(token_hash) = 32))
);

ALTER TABLE public.api_tokens OWNER TO ledger_owner;

--
-- Name: api_tokens_id_seq; Type: SEQUENCE; Schema: public; Owner: ledger_owner
--

ALTER TABLE public.api_tokens ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.api_tokens_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: audit_findings; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.audit_findings (
    book text NOT NULL,
    key text NOT NULL,
    id bigint NOT NULL,
    rule text NOT NULL,
    type text NOT NULL,
    severity text NOT NULL,
    voucher_id bigint,
    voucher_word text DEFAULT ''::text NOT NULL,
    date date,
    org text DEFAULT ''::text NOT NULL,
    amount_fen bigint DEFAULT 0 NOT NULL,
    amount numeric(16,2) GENERATED ALWAYS AS (((amount_fen)::numeric / 100.0)) STORED,
    explanation text DEFAULT ''::text NOT NULL,
    responsible text DEFAULT ''::text NOT NULL,
    state text DEFAULT 'open'::text NOT NULL,
    note text DEFAULT ''::text NOT NULL,
    deadline date,
    first_seen_at timestamp with time zone NOT NULL,
    last_seen_at timestamp with time zone NOT NULL,
    updated_by text,
    updated_at timestamp with time zone,
    CONSTRAINT audit_findings_key_check CHECK (((key <> ''::text) AND (length(key) <= 1000))),
    CONSTRAINT audit_findings_note_check CHECK ((length(note) <= 2000)),
    CONSTRAINT audit_findings_rule_check CHECK ((rule ~ '^A-[0-9]{2}$'::text)),
    CONSTRAINT audit_findings_severity_check CHECK ((severity = ANY (ARRAY['HIGH'::text, 'MEDIUM'::text, 'LOW'::text]))),
    CONSTRAINT audit_findings_state_check CHECK ((state = ANY (ARRAY['open'::text, 'acknowledged'::text, 'rectified'::text])))
);

ALTER TABLE public.audit_findings OWNER TO ledger_owner;

--
-- Name: audit_findings_id_seq; Type: SEQUENCE; Schema: public; Owner: ledger_owner
--

ALTER TABLE public.audit_findings ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.audit_findings_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: audit_run_findings; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.audit_run_findings (
    book text NOT NULL,
    run_id bigint NOT NULL,
    finding_key text NOT NULL
);

ALTER TABLE public.audit_run_findings OWNER TO ledger_owner;

--
-- Name: audit_runs; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.audit_runs (
    book text NOT NULL,
    id bigint NOT NULL,
    period_from date NOT NULL,
    period_to date NOT NULL,
    at timestamp with time zone NOT NULL,
    findings integer NOT NULL,
    CONSTRAINT audit_runs_check CHECK ((period_to >= period_from))
);

ALTER TABLE public.audit_runs OWNER TO ledger_owner;

--
-- Name: audit_runs_id_seq; Type: SEQUENCE; Schema: public; Owner: ledger_owner
--

ALTER TABLE public.audit_runs ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.audit_runs_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: balances; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.balances (
    book text NOT NULL,
    account text NOT NULL,
    org text NOT NULL,
    fund text NOT NULL,
    restricted boolean DEFAULT false NOT NULL,
    balance_fen bigint DEFAULT 0 NOT NULL,
    balance numeric(16,2) GENERATED ALWAYS AS (((balance_fen)::numeric / 100.0)) STORED,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT balances_restricted_nonnegative CHECK (((NOT restricted) OR (balance_fen >= 0)))
);

ALTER TABLE public.balances OWNER TO ledger_owner;

--
-- Name: bank_statement_lines; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.bank_statement_lines (
    book text NOT NULL,
    year integer NOT NULL,
    month integer NOT NULL,
    digest text NOT NULL,
    row_no integer NOT NULL,
    date date NOT NULL,
    amount_fen bigint NOT NULL,
    amount numeric(16,2) GENERATED ALWAYS AS (((amount_fen)::numeric / 100.0)) STORED,
    reference text DEFAULT ''::text NOT NULL,
    counterparty text DEFAULT ''::text NOT NULL,
    summary text DEFAULT ''::text NOT NULL,
    balance_fen bigint,
    balance numeric(16,2) GENERATED ALWAYS AS (((balance_fen)::numeric / 100.0)) STORED,
    CONSTRAINT bank_statement_lines_row_no_check CHECK ((row_no > 0))
);

ALTER TABLE public.bank_statement_lines OWNER TO ledger_owner;

--
-- Name: bank_statements; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.bank_statements (
    book text NOT NULL,
    year integer NOT NULL,
    month integer NOT NULL,
    digest text NOT NULL,
    seq bigint NOT NULL,
    filename text DEFAULT ''::text NOT NULL,
    layout text DEFAULT ''::text NOT NULL,
    account text NOT NULL,
    line_count integer NOT NULL,
    closing_fen bigint,
    closing numeric(16,2) GENERATED ALWAYS AS (((closing_fen)::numeric / 100.0)) STORED,
    imported_at timestamp with time zone NOT NULL,
    imported_by text NOT NULL,
    CONSTRAINT bank_statements_digest_check CHECK ((digest ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT bank_statements_line_count_check CHECK ((line_count >= 0))
);

ALTER TABLE public.bank_statements OWNER TO ledger_owner;

--
-- Name: bank_statements_seq_seq; Type: SEQUENCE; Schema: public; Owner: ledger_owner
--

ALTER TABLE public.bank_statements ALTER COLUMN seq ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.bank_statements_seq_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: beneficiary_roster; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.beneficiary_roster (
    book text NOT NULL,
    id bigint NOT NULL,
    org text,
    name text NOT NULL,
    id_number text DEFAULT ''::text NOT NULL,
    phone text DEFAULT ''::text NOT NULL,
    category text DEFAULT ''::text NOT NULL,
    created_by text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    id_kind text DEFAULT 'resident'::text NOT NULL,
    CONSTRAINT beneficiary_roster_category_check CHECK ((length(category) <= 50)),
    CONSTRAINT beneficiary_roster_id_kind_check CHECK ((id_kind = ANY (ARRAY['resident'::text, 'residence'::text, 'hk_macao'::text, 'taiwan'::text, 'passport'::text, 'foreign_perm'::text]))),
    CONSTRAINT beneficiary_roster_id_number_check CHECK ((length(id_number) <= 32)),
    CONSTRAINT beneficiary_roster_name_check CHECK (((name <> ''::text) AND (length(name) <= 100))),
    CONSTRAINT beneficiary_roster_phone_check CHECK ((length(phone) <= 32))
);

ALTER TABLE public.beneficiary_roster OWNER TO ledger_owner;

--
-- Name: beneficiary_roster_id_seq; Type: SEQUENCE; Schema: public; Owner: ledger_owner
--

ALTER TABLE public.beneficiary_roster ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.beneficiary_roster_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: books; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.books (
    book text NOT NULL,
    name text NOT NULL,
    bank_name text DEFAULT ''::text NOT NULL,
    bank_account text DEFAULT ''::text NOT NULL,
    require_cashier_sign boolean DEFAULT true NOT NULL,
    voucher_types text[] DEFAULT '{记}'::text[] NOT NULL,
    approval_threshold_fen bigint DEFAULT 100000 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    revision bigint DEFAULT 0 NOT NULL,
    time_zone text DEFAULT 'Asia/Shanghai'::text NOT NULL,
    first_period date,
    date_days_ahead integer DEFAULT 31 NOT NULL,
    voucher_amount_max_fen bigint DEFAULT '10000000000'::bigint NOT NULL,
    CONSTRAINT books_approval_threshold_fen_check CHECK ((approval_threshold_fen > 0)),
    CONSTRAINT books_book_check CHECK ((book ~ '^[A-Za-z0-9_-]{1,32}$'::text)),
    CONSTRAINT books_date_days_ahead_check CHECK (((date_days_ahead >= 0) AND (date_days_ahead <= 3660))),
    CONSTRAINT books_first_period_check CHECK (((first_period IS NULL) OR ((EXTRACT(day FROM first_period) = (1)::numeric) AND (first_period >= '1900-01-01'::date)))),
    CONSTRAINT books_name_check CHECK ((name <> ''::text)),
    CONSTRAINT books_time_zone_check CHECK ((time_zone ~ '^[A-Za-z][A-Za-z0-9_+/-]{0,63}$'::text)),
    CONSTRAINT books_voucher_amount_max_fen_check CHECK (((voucher_amount_max_fen >= 1) AND (voucher_amount_max_fen <= '99999999999999'::bigint)))
);

ALTER TABLE public.books OWNER TO ledger_owner;

--
-- Name: finding_events; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.finding_events (
    book text NOT NULL,
    id bigint NOT NULL,
    finding_key text NOT NULL,
    finding_id bigint NOT NULL,
    from_state text NOT NULL,
    to_state text NOT NULL,
    actor text NOT NULL,
    db_role text DEFAULT CURRENT_USER NOT NULL,
    at timestamp with time zone NOT NULL,
    note text DEFAULT ''::text NOT NULL,
    deadline date,
    CONSTRAINT finding_events_to_state_check CHECK ((to_state = ANY (ARRAY['open'::text, 'acknowledged'::text, 'rectified'::text])))
);

ALTER TABLE public.finding_events OWNER TO ledger_owner;

--
-- Name: finding_events_id_seq; Type: SEQUENCE; Schema: public; Owner: ledger_owner
--

ALTER TABLE public.finding_events ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.finding_events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: funds; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.funds (
    book text NOT NULL,
    code text NOT NULL,
    name text NOT NULL,
    kind text NOT NULL,
    project text DEFAULT ''::text NOT NULL,
    purposes text[] DEFAULT '{}'::text[] NOT NULL,
    CONSTRAINT funds_check CHECK (((kind <> 'donation'::text) OR (purposes = '{}'::text[]))),
    CONSTRAINT funds_code_check CHECK ((code ~ '^[A-Za-z0-9_.-]{1,64}$'::text)),
    CONSTRAINT funds_kind_check CHECK ((kind = ANY (ARRAY['upper'::text, 'matching'::text, 'general'::text, 'donation'::text]))),
    CONSTRAINT funds_name_check CHECK ((name <> ''::text)),
    CONSTRAINT funds_purposes_check CHECK ((purposes <@ ARRAY['procurement'::text, 'condolence'::text, 'relief'::text]))
);

ALTER TABLE public.funds OWNER TO ledger_owner;

--
-- Name: goose_db_version; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.goose_db_version (
    id integer NOT NULL,
    version_id bigint NOT NULL,
    is_applied boolean NOT NULL,
    tstamp timestamp without time zone DEFAULT now() NOT NULL
);

ALTER TABLE public.goose_db_version OWNER TO ledger_owner;

--
-- Name: goose_db_version_id_seq; Type: SEQUENCE; Schema: public; Owner: ledger_owner
--

ALTER TABLE public.goose_db_version ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.goose_db_version_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: grant_receipts; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.grant_receipts (
    book text NOT NULL,
    voucher_id bigint NOT NULL,
    from_book text NOT NULL,
    from_voucher bigint NOT NULL,
    amount_fen bigint NOT NULL,
    made_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT grant_receipts_amount_fen_check CHECK ((amount_fen > 0)),
    CONSTRAINT grant_receipts_check CHECK ((from_book <> book)),
    CONSTRAINT grant_receipts_from_book_check CHECK ((from_book <> ''::text))
);

ALTER TABLE public.grant_receipts OWNER TO ledger_owner;

--
-- Name: grants; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.grants (
    book text NOT NULL,
    voucher_id bigint NOT NULL,
    to_book text NOT NULL,
    to_org text NOT NULL,
    to_fund text NOT NULL,
    amount_fen bigint NOT NULL,
    made_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT grants_amount_fen_check CHECK ((amount_fen > 0)),
    CONSTRAINT grants_check CHECK ((to_book <> book)),
    CONSTRAINT grants_to_book_check CHECK ((to_book <> ''::text)),
    CONSTRAINT grants_to_fund_check CHECK ((to_fund <> ''::text)),
    CONSTRAINT grants_to_org_check CHECK ((to_org <> ''::text))
);

ALTER TABLE public.grants OWNER TO ledger_owner;

--
-- Name: idempotency; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.idempotency (
    book text NOT NULL,
    key text NOT NULL,
    actor text NOT NULL,
    request_hash text NOT NULL,
    voucher_id bigint,
    response jsonb,
    status integer,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT idempotency_key_check CHECK (((key <> ''::text) AND (length(key) <= 200)))
);

ALTER TABLE public.idempotency OWNER TO ledger_owner;

--
-- Name: login_attempts; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.login_attempts (
    key text NOT NULL,
    attempts integer NOT NULL,
    window_start timestamp with time zone NOT NULL,
    CONSTRAINT login_attempts_attempts_check CHECK ((attempts >= 0)),
    CONSTRAINT login_attempts_key_check CHECK (((key <> ''::text) AND (length(key) <= 400)))
);

ALTER TABLE public.login_attempts OWNER TO ledger_owner;

--
-- Name: meetings; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.meetings (
    book text NOT NULL,
    decision text NOT NULL,
    date date,
    attendees text[] NOT NULL,
    updated_by text NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT meetings_attendees_check CHECK (((cardinality(attendees) >= 1) AND (cardinality(attendees) <= 200))),
    CONSTRAINT meetings_decision_check CHECK (((decision <> ''::text) AND (length(decision) <= 500)))
);

ALTER TABLE public.meetings OWNER TO ledger_owner;

--
-- Name: org_members; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.org_members (
    book text NOT NULL,
    id bigint NOT NULL,
    org text NOT NULL,
    name text NOT NULL,
    id_number text DEFAULT ''::text NOT NULL,
    cadre boolean DEFAULT false NOT NULL,
    created_by text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    id_kind text DEFAULT 'resident'::text NOT NULL,
    CONSTRAINT org_members_id_kind_check CHECK ((id_kind = ANY (ARRAY['resident'::text, 'residence'::text, 'hk_macao'::text, 'taiwan'::text, 'passport'::text, 'foreign_perm'::text]))),
    CONSTRAINT org_members_id_number_check CHECK ((length(id_number) <= 32)),
    CONSTRAINT org_members_name_check CHECK (((name <> ''::text) AND (length(name) <= 100)))
);

ALTER TABLE public.org_members OWNER TO ledger_owner;

--
-- Name: org_members_id_seq; Type: SEQUENCE; Schema: public; Owner: ledger_owner
--

ALTER TABLE public.org_members ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.org_members_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: organisations; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.organisations (
    book text NOT NULL,
    code text NOT NULL,
    name text NOT NULL,
    kind text NOT NULL,
    parent text,
    category text DEFAULT ''::text NOT NULL,
    host_unit text DEFAULT ''::text NOT NULL,
    secretary text DEFAULT ''::text NOT NULL,
    set_up date,
    dissolved date,
    approval_threshold_fen bigint,
    depth integer DEFAULT 0 NOT NULL,
    path text DEFAULT ''::text NOT NULL,
    "position" integer DEFAULT 0 NOT NULL,
    CONSTRAINT organisations_approval_threshold_fen_check CHECK ((approval_threshold_fen > 0)),
    CONSTRAINT organisations_check CHECK (((dissolved IS NULL) OR (set_up IS NULL) OR (dissolved >= set_up))),
    CONSTRAINT organisations_code_check CHECK ((code ~ '^[A-Za-z0-9_.-]{1,64}$'::text)),
    CONSTRAINT organisations_depth_check CHECK (((depth >= 0) AND (depth <= 7))),
    CONSTRAINT organisations_kind_check CHECK ((kind = ANY (ARRAY['org_dept'::text, 'temp_branch'::text, 'party_group'::text, 'branch'::text, 'external'::text]))),
    CONSTRAINT organisations_name_check CHECK ((name <> ''::text))
);

ALTER TABLE public.organisations OWNER TO ledger_owner;

--
-- Name: payee_accounts; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.payee_accounts (
    book text NOT NULL,
    payee text NOT NULL,
    personal boolean NOT NULL,
    updated_by text NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT payee_accounts_payee_check CHECK (((payee <> ''::text) AND (length(payee) <= 200)))
);

ALTER TABLE public.payee_accounts OWNER TO ledger_owner;

--
-- Name: period_events; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.period_events (
    book text NOT NULL,
    id bigint NOT NULL,
    year integer NOT NULL,
    month integer NOT NULL,
    action text NOT NULL,
    actor text NOT NULL,
    at timestamp with time zone NOT NULL,
    reason text DEFAULT ''::text NOT NULL,
    CONSTRAINT period_events_action_check CHECK ((action = ANY (ARRAY['close'::text, 'reopen'::text])))
);

ALTER TABLE public.period_events OWNER TO ledger_owner;

--
-- Name: period_events_id_seq; Type: SEQUENCE; Schema: public; Owner: ledger_owner
--

ALTER TABLE public.period_events ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.period_events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: periods; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.periods (
    book text NOT NULL,
    year integer NOT NULL,
    month integer NOT NULL,
    status text DEFAULT 'open'::text NOT NULL,
    closed_at timestamp with time zone,
    closed_by text,
    summary jsonb,
    seal text,
    seal_seq bigint,
    no_statement_reason text,
    CONSTRAINT periods_month_check CHECK (((month >= 1) AND (month <= 12))),
    CONSTRAINT periods_no_statement_reason_check CHECK (((no_statement_reason IS NULL) OR ((btrim(no_statement_reason) <> ''::text) AND (length(no_statement_reason) <= 1000)))),
    CONSTRAINT periods_status_check CHECK ((status = ANY (ARRAY['open'::text, 'closed'::text]))),
    CONSTRAINT periods_year_check CHECK (((year >= 1900) AND (year <= 9999)))
);

ALTER TABLE public.periods OWNER TO ledger_owner;

--
-- Name: posting_order; Type: SEQUENCE; Schema: public; Owner: ledger_owner
--

CREATE SEQUENCE public.posting_order
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER TABLE public.posting_order OWNER TO ledger_owner;

--
-- Name: publicity; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.publicity (
    book text NOT NULL,
    id bigint NOT NULL,
    org text,
    date date NOT NULL,
    channel text DEFAULT ''::text NOT NULL,
    through date,
    procurement_fen bigint,
    condolence_fen bigint,
    relief_fen bigint,
    reported_total_fen bigint NOT NULL,
    procurement numeric(16,2) GENERATED ALWAYS AS (((procurement_fen)::numeric / 100.0)) STORED,
    condolence numeric(16,2) GENERATED ALWAYS AS (((condolence_fen)::numeric / 100.0)) STORED,
    relief numeric(16,2) GENERATED ALWAYS AS (((relief_fen)::numeric / 100.0)) STORED,
    reported_total numeric(16,2) GENERATED ALWAYS AS (((reported_total_fen)::numeric / 100.0)) STORED,
    created_by text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT publicity_channel_check CHECK ((length(channel) <= 200)),
    CONSTRAINT publicity_check CHECK (((through IS NULL) OR (through <= date))),
    CONSTRAINT publicity_condolence_fen_check CHECK (((condolence_fen >= 0) AND (condolence_fen <= '99999999999999'::bigint))),
    CONSTRAINT publicity_procurement_fen_check CHECK (((procurement_fen >= 0) AND (procurement_fen <= '99999999999999'::bigint))),
    CONSTRAINT publicity_relief_fen_check CHECK (((relief_fen >= 0) AND (relief_fen <= '99999999999999'::bigint))),
    CONSTRAINT publicity_reported_total_fen_check CHECK (((reported_total_fen >= 0) AND (reported_total_fen <= '99999999999999'::bigint)))
);

ALTER TABLE public.publicity OWNER TO ledger_owner;

--
-- Name: publicity_id_seq; Type: SEQUENCE; Schema: public; Owner: ledger_owner
--

ALTER TABLE public.publicity ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.publicity_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: reconcile_runs; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.reconcile_runs (
    book text NOT NULL,
    id bigint NOT NULL,
    year integer NOT NULL,
    month integer NOT NULL,
    result_hash text NOT NULL,
    status text NOT NULL,
    period_status text NOT NULL,
    closed_period boolean DEFAULT false NOT NULL,
    statement_digest text,
    discrepancies integer DEFAULT 0 NOT NULL,
    summary jsonb NOT NULL,
    bank jsonb,
    run_at timestamp with time zone NOT NULL,
    run_by text NOT NULL,
    CONSTRAINT reconcile_runs_period_status_check CHECK ((period_status = ANY (ARRAY['open'::text, 'closed'::text]))),
    CONSTRAINT reconcile_runs_result_hash_check CHECK ((result_hash ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT reconcile_runs_status_check CHECK ((status = ANY (ARRAY['clean'::text, 'discrepancies'::text])))
);

ALTER TABLE public.reconcile_runs OWNER TO ledger_owner;

--
-- Name: reconcile_runs_id_seq; Type: SEQUENCE; Schema: public; Owner: ledger_owner
--

ALTER TABLE public.reconcile_runs ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.reconcile_runs_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: rollup_readers; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.rollup_readers (
    book text NOT NULL,
    reader_book text NOT NULL,
    reader text NOT NULL,
    granted_by text NOT NULL,
    granted_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT rollup_readers_check CHECK ((reader_book <> book))
);

ALTER TABLE public.rollup_readers OWNER TO ledger_owner;

--
-- Name: saved_query_counts; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.saved_query_counts (
    book text NOT NULL,
    period_from date NOT NULL,
    period_to date NOT NULL,
    at timestamp with time zone NOT NULL,
    name text NOT NULL,
    org text NOT NULL,
    count integer NOT NULL,
    CONSTRAINT saved_query_counts_check CHECK ((period_to >= period_from)),
    CONSTRAINT saved_query_counts_count_check CHECK ((count >= 0)),
    CONSTRAINT saved_query_counts_name_check CHECK ((name = ANY (ARRAY['repeat'::text, 'cash'::text, 'split'::text])))
);

ALTER TABLE public.saved_query_counts OWNER TO ledger_owner;

--
-- Name: saved_summaries; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.saved_summaries (
    book text NOT NULL,
    user_name text NOT NULL,
    text text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT saved_summaries_text_check CHECK ((((char_length(text) >= 1) AND (char_length(text) <= 100)) AND (text = btrim(text))))
);

ALTER TABLE public.saved_summaries OWNER TO ledger_owner;

--
-- Name: seal_heads; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.seal_heads (
    book text NOT NULL,
    seq bigint DEFAULT 0 NOT NULL,
    seal bytea DEFAULT '\x'::bytea NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT seal_heads_check CHECK ((((seq = 0) AND (length(seal) = 0)) OR ((seq > 0) AND (length(seal) = 32)))),
    CONSTRAINT seal_heads_seq_check CHECK ((seq >= 0))
);

ALTER TABLE public.seal_heads OWNER TO ledger_owner;

--
-- Name: seal_pending; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.seal_pending (
    book text NOT NULL,
    voucher_id bigint NOT NULL,
    posted_at timestamp with time zone NOT NULL,
    queued_at timestamp with time zone DEFAULT now() NOT NULL,
    post_seq bigint DEFAULT nextval('public.posting_order'::regclass) NOT NULL
);

ALTER TABLE public.seal_pending OWNER TO ledger_owner;

--
-- Name: turnover; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.turnover (
    book text NOT NULL,
    account text NOT NULL,
    org text NOT NULL,
    fund text NOT NULL,
    date date NOT NULL,
    flow text NOT NULL,
    debit_fen bigint NOT NULL,
    credit_fen bigint NOT NULL
)
WITH (fillfactor='70');

ALTER TABLE public.turnover OWNER TO ledger_owner;

--
-- Name: users; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.users (
    book text NOT NULL,
    name text NOT NULL,
    full_name text DEFAULT ''::text NOT NULL,
    roles text[] NOT NULL,
    scope text,
    password_hash text DEFAULT ''::text NOT NULL,
    disabled boolean DEFAULT false NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT users_name_check CHECK (((name ~ '^[A-Za-z0-9_.-]{1,64}$'::text) AND (name <> 'system'::text))),
    CONSTRAINT users_roles_check CHECK ((roles <@ ARRAY['officer'::text, 'checker'::text, 'cashier'::text, 'auditor'::text, 'admin'::text]))
);

ALTER TABLE public.users OWNER TO ledger_owner;

--
-- Name: verify_runs; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.verify_runs (
    book text NOT NULL,
    id bigint NOT NULL,
    at timestamp with time zone NOT NULL,
    actor text NOT NULL,
    source text NOT NULL,
    period text DEFAULT ''::text NOT NULL,
    from_seq bigint NOT NULL,
    last_seq bigint NOT NULL,
    checked bigint NOT NULL,
    problems bigint NOT NULL,
    pending integer NOT NULL,
    first_problem text DEFAULT ''::text NOT NULL,
    CONSTRAINT verify_runs_actor_check CHECK ((actor <> ''::text)),
    CONSTRAINT verify_runs_checked_check CHECK ((checked >= 0)),
    CONSTRAINT verify_runs_from_seq_check CHECK ((from_seq >= 1)),
    CONSTRAINT verify_runs_last_seq_check CHECK ((last_seq >= 0)),
    CONSTRAINT verify_runs_pending_check CHECK ((pending >= 0)),
    CONSTRAINT verify_runs_period_check CHECK (((period = ''::text) OR (period ~ '^[0-9]{4}-[0-9]{2}$'::text))),
    CONSTRAINT verify_runs_problems_check CHECK ((problems >= 0)),
    CONSTRAINT verify_runs_source_check CHECK ((source <> ''::text))
);

ALTER TABLE public.verify_runs OWNER TO ledger_owner;

--
-- Name: verify_runs_id_seq; Type: SEQUENCE; Schema: public; Owner: ledger_owner
--

ALTER TABLE public.verify_runs ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.verify_runs_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: voucher_attachments; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.voucher_attachments (
    book text NOT NULL,
    voucher_id bigint NOT NULL,
    no integer NOT NULL,
    file_name text NOT NULL,
    media_type text NOT NULL,
    size bigint NOT NULL,
    sha256 bytea NOT NULL,
    data bytea NOT NULL,
    uploaded_by text NOT NULL,
    uploaded_at timestamp with time zone NOT NULL,
    CONSTRAINT voucher_attachments_file_name_check CHECK (((file_name <> ''::text) AND (length(file_name) <= 200))),
    CONSTRAINT voucher_attachments_hash CHECK ((sha256 = sha256(data))),
    CONSTRAINT voucher_attachments_media_type_check CHECK ((media_type = ANY (ARRAY['application/pdf'::text, 'image/jpeg'::text, 'image/png'::text]))),
    CONSTRAINT voucher_attachments_no_check CHECK (((no >= 1) AND (no <= 100))),
    CONSTRAINT voucher_attachments_sha256_check CHECK ((length(sha256) = 32)),
    CONSTRAINT voucher_attachments_size CHECK ((size = length(data))),
    CONSTRAINT voucher_attachments_size_check CHECK (((size > 0) AND (size <= 67108864))),
    CONSTRAINT voucher_attachments_type CHECK ((((media_type = 'application/pdf'::text) AND (substr(data, 1, 5) = '\x255044462d'::bytea)) OR ((media_type = 'image/jpeg'::text) AND (substr(data, 1, 3) = '\xffd8ff'::bytea)) OR ((media_type = 'image/png'::text) AND (substr(data, 1, 8) = '\x89504e470d0a1a0a'::bytea))))
);
ALTER TABLE ONLY public.voucher_attachments ALTER COLUMN data SET STORAGE EXTERNAL;

ALTER TABLE public.voucher_attachments OWNER TO ledger_owner;

--
-- Name: voucher_attachment_digests; Type: VIEW; Schema: public; Owner: ledger_owner
--

CREATE VIEW public.voucher_attachment_digests AS
 SELECT voucher_attachments.book,
    voucher_attachments.voucher_id,
    voucher_attachments.no,
    voucher_attachments.file_name,
    voucher_attachments.media_type,
    voucher_attachments.size,
    voucher_attachments.sha256,
    sha256(voucher_attachments.data) AS data_sha256,
    voucher_attachments.uploaded_by,
    voucher_attachments.uploaded_at
   FROM public.voucher_attachments;

ALTER TABLE public.voucher_attachment_digests OWNER TO ledger_owner;

--
-- Name: voucher_beneficiaries; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.voucher_beneficiaries (
    book text NOT NULL,
    voucher_id bigint NOT NULL,
    seq integer NOT NULL,
    name text NOT NULL,
    category text DEFAULT ''::text NOT NULL,
    id_number text DEFAULT ''::text NOT NULL,
    phone text DEFAULT ''::text NOT NULL,
    reason text DEFAULT ''::text NOT NULL,
    amount_fen bigint NOT NULL,
    id_kind text DEFAULT 'resident'::text NOT NULL,
    CONSTRAINT voucher_beneficiaries_amount_fen_check CHECK ((amount_fen > 0)),
    CONSTRAINT voucher_beneficiaries_id_kind_check CHECK ((id_kind = ANY (ARRAY['resident'::text, 'residence'::text, 'hk_macao'::text, 'taiwan'::text, 'passport'::text, 'foreign_perm'::text]))),
    CONSTRAINT voucher_beneficiaries_name_check CHECK ((name <> ''::text)),
    CONSTRAINT voucher_beneficiaries_seq_check CHECK ((seq > 0))
);

ALTER TABLE public.voucher_beneficiaries OWNER TO ledger_owner;

--
-- Name: voucher_counters; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.voucher_counters (
    book text NOT NULL,
    year integer NOT NULL,
    month integer NOT NULL,
    type text NOT NULL,
    last integer NOT NULL
);

ALTER TABLE public.voucher_counters OWNER TO ledger_owner;

--
-- Name: voucher_items; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.voucher_items (
    book text NOT NULL,
    voucher_id bigint NOT NULL,
    line_no integer NOT NULL,
    seq integer NOT NULL,
    name text NOT NULL,
    spec text DEFAULT ''::text NOT NULL,
    unit text DEFAULT ''::text NOT NULL,
    quantity numeric NOT NULL,
    unit_price numeric NOT NULL,
    amount_fen bigint NOT NULL,
    amount numeric(16,2) GENERATED ALWAYS AS (((amount_fen)::numeric / 100.0)) STORED,
    CONSTRAINT voucher_items_amount_is_product CHECK (((round((quantity * unit_price), 2) * (100)::numeric) = (amount_fen)::numeric)),
    CONSTRAINT voucher_items_amount_valid CHECK (((amount_fen > 0) AND (amount_fen <= '99999999999999'::bigint))),
    CONSTRAINT voucher_items_name_valid CHECK (((name <> ''::text) AND (length(name) <= 100))),
    CONSTRAINT voucher_items_quantity_valid CHECK (((quantity > (0)::numeric) AND (quantity <= 999999999.9999) AND (quantity = round(quantity, 4)))),
    CONSTRAINT voucher_items_seq_check CHECK ((seq > 0)),
    CONSTRAINT voucher_items_spec_valid CHECK ((length(spec) <= 100)),
    CONSTRAINT voucher_items_unit_price_valid CHECK (((unit_price > (0)::numeric) AND (unit_price <= 999999999999.9999) AND (unit_price = round(unit_price, 4)))),
    CONSTRAINT voucher_items_unit_valid CHECK ((length(unit) <= 20))
);

ALTER TABLE public.voucher_items OWNER TO ledger_owner;

--
-- Name: voucher_lines; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.voucher_lines (
    book text NOT NULL,
    voucher_id bigint NOT NULL,
    line_no integer NOT NULL,
    summary text NOT NULL,
    account text NOT NULL,
    org text NOT NULL,
    fund text NOT NULL,
    purpose text,
    debit_fen bigint DEFAULT 0 NOT NULL,
    credit_fen bigint DEFAULT 0 NOT NULL,
    debit numeric(16,2) GENERATED ALWAYS AS (((debit_fen)::numeric / 100.0)) STORED,
    credit numeric(16,2) GENERATED ALWAYS AS (((credit_fen)::numeric / 100.0)) STORED,
    date date NOT NULL,
    CONSTRAINT voucher_lines_credit_fen_check CHECK ((abs(credit_fen) <= '99999999999999'::bigint)),
    CONSTRAINT voucher_lines_debit_fen_check CHECK ((abs(debit_fen) <= '99999999999999'::bigint)),
    CONSTRAINT voucher_lines_line_no_check CHECK ((line_no > 0)),
    CONSTRAINT voucher_lines_one_side CHECK (((debit_fen <> 0) <> (credit_fen <> 0))),
    CONSTRAINT voucher_lines_purpose_check CHECK ((purpose = ANY ('{procurement,condolence,relief}'::text[]))),
    CONSTRAINT voucher_lines_summary_check CHECK ((summary <> ''::text))
);

ALTER TABLE public.voucher_lines OWNER TO ledger_owner;

--
-- Name: voucher_seals; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.voucher_seals (
    book text NOT NULL,
    seq bigint NOT NULL,
    voucher_id bigint NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    seal bytea NOT NULL,
    prev bytea NOT NULL,
    sealed_at timestamp with time zone DEFAULT now() NOT NULL,
    post_seq bigint,
    CONSTRAINT voucher_seals_check CHECK ((((seq = 1) AND (length(prev) = 0)) OR ((seq > 1) AND (length(prev) = 32)))),
    CONSTRAINT voucher_seals_seal_check CHECK ((length(seal) = 32)),
    CONSTRAINT voucher_seals_seq_check CHECK ((seq > 0)),
    CONSTRAINT voucher_seals_version_check CHECK ((version > 0))
);

ALTER TABLE public.voucher_seals OWNER TO ledger_owner;

--
-- Name: voucher_value_dates; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.voucher_value_dates (
    book text NOT NULL,
    voucher_id bigint NOT NULL,
    value_date date NOT NULL,
    source text DEFAULT 'manual'::text NOT NULL,
    set_by text NOT NULL,
    set_at timestamp with time zone NOT NULL,
    CONSTRAINT voucher_value_dates_source_check CHECK ((source = ANY (ARRAY['manual'::text, 'statement'::text])))
);

ALTER TABLE public.voucher_value_dates OWNER TO ledger_owner;

--
-- Name: vouchers; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.vouchers (
    book text NOT NULL,
    id bigint NOT NULL,
    type text DEFAULT '记'::text NOT NULL,
    year integer NOT NULL,
    month integer NOT NULL,
    number integer NOT NULL,
    date date NOT NULL,
    summary text NOT NULL,
    attachments integer DEFAULT 0 NOT NULL,
    doc_types text[] DEFAULT '{}'::text[] NOT NULL,
    decision text DEFAULT ''::text NOT NULL,
    payee text DEFAULT ''::text NOT NULL,
    payee_type text DEFAULT ''::text NOT NULL,
    method text DEFAULT ''::text NOT NULL,
    flow text DEFAULT 'general'::text NOT NULL,
    memo text DEFAULT ''::text NOT NULL,
    closing boolean DEFAULT false NOT NULL,
    correcting boolean DEFAULT false NOT NULL,
    status text DEFAULT 'draft'::text NOT NULL,
    reversal_of bigint,
    correction_of bigint,
    idem_key text,
    maker text NOT NULL,
    made_at timestamp with time zone NOT NULL,
    checker text,
    checked_at timestamp with time zone,
    cashier text,
    signed_at timestamp with time zone,
    poster text,
    posted_at timestamp with time zone,
    voided_by text,
    voided_at timestamp with time zone,
    total_fen bigint DEFAULT 0 NOT NULL,
    total numeric(16,2) GENERATED ALWAYS AS (((total_fen)::numeric / 100.0)) STORED,
    version integer DEFAULT 1 NOT NULL,
    edited_by text,
    edited_at timestamp with time zone,
    CONSTRAINT vouchers_attachments_check CHECK (((attachments >= 0) AND (attachments <= 9999))),
    CONSTRAINT vouchers_check CHECK ((((year)::numeric = EXTRACT(year FROM date)) AND ((month)::numeric = EXTRACT(month FROM date)))),
    CONSTRAINT vouchers_check1 CHECK (((status = ANY ('{draft,void}'::text[])) OR (checker IS NOT NULL))),
    CONSTRAINT vouchers_check2 CHECK (((status <> 'posted'::text) OR ((poster IS NOT NULL) AND (posted_at IS NOT NULL)))),
    CONSTRAINT vouchers_flow_check CHECK ((flow = ANY ('{receive,match,allocate,spend,return,general,reversal,correction,import,donation,remit,opening,opening_ytd,year_close,grant}'::text[]))),
    CONSTRAINT vouchers_method_check CHECK ((method = ANY ('{"",bank,cash}'::text[]))),
    CONSTRAINT vouchers_number_check CHECK ((number <> 0)),
    CONSTRAINT vouchers_payee_type_check CHECK ((payee_type = ANY ('{"",supplier,host_unit,individual,org,upper_org}'::text[]))),
    CONSTRAINT vouchers_status_check CHECK ((status = ANY ('{draft,checked,signed,posted,void}'::text[]))),
    CONSTRAINT vouchers_summary_check CHECK (((summary <> ''::text) AND (length(summary) <= 500))),
    CONSTRAINT vouchers_type_check CHECK ((type <> ''::text)),
    CONSTRAINT vouchers_version_check CHECK ((version >= 1)),
    CONSTRAINT vouchers_void_recorded CHECK (((status = 'void'::text) = (voided_at IS NOT NULL)))
)
WITH (fillfactor='70');

ALTER TABLE public.vouchers OWNER TO ledger_owner;

--
-- Name: vouchers_id_seq; Type: SEQUENCE; Schema: public; Owner: ledger_owner
--

ALTER TABLE public.vouchers ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.vouchers_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: web_sessions; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.web_sessions (
    id bigint NOT NULL,
    book text NOT NULL,
    user_name text NOT NULL,
    session_hash bytea NOT NULL,
    csrf_secret text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    last_seen timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    CONSTRAINT web_sessions_check CHECK ((expires_at > created_at)),
    CONSTRAINT web_sessions_csrf_secret_check CHECK (((length(csrf_secret) >= 32) AND (length(csrf_secret) <= 128))),
    CONSTRAINT web_sessions_session_hash_check CHECK ((length(session_hash) = 32))
);

ALTER TABLE public.web_sessions OWNER TO ledger_owner;

--
-- Name: web_sessions_id_seq; Type: SEQUENCE; Schema: public; Owner: ledger_owner
--

ALTER TABLE public.web_sessions ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.web_sessions_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: year_events; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.year_events (
    book text NOT NULL,
    id bigint NOT NULL,
    year integer NOT NULL,
    action text NOT NULL,
    actor text NOT NULL,
    at timestamp with time zone NOT NULL,
    reason text DEFAULT ''::text NOT NULL,
    CONSTRAINT year_events_action_check CHECK ((action = ANY (ARRAY['close'::text, 'reopen'::text]))),
    CONSTRAINT year_events_check CHECK (((action <> 'reopen'::text) OR (btrim(reason) <> ''::text))),
    CONSTRAINT year_events_reason_check CHECK ((length(reason) <= 1000))
);

ALTER TABLE public.year_events OWNER TO ledger_owner;

--
-- Name: year_events_id_seq; Type: SEQUENCE; Schema: public; Owner: ledger_owner
--

ALTER TABLE public.year_events ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.year_events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: years; Type: TABLE; Schema: public; Owner: ledger_owner
--

CREATE TABLE public.years (
    book text NOT NULL,
    year integer NOT NULL,
    status text NOT NULL,
    closed_at timestamp with time zone,
    closed_by text,
    CONSTRAINT years_check CHECK (((status = 'closed'::text) = ((closed_at IS NOT NULL) AND (closed_by IS NOT NULL)))),
    CONSTRAINT years_status_check CHECK ((status = ANY (ARRAY['open'::text, 'closed'::text]))),
    CONSTRAINT years_year_check CHECK (((year >= 1900) AND (year <= 9999)))
);

ALTER TABLE public.years OWNER TO ledger_owner;

--
-- Name: accounts accounts_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_pkey PRIMARY KEY (book, code);

--
-- Name: actions actions_idem_key; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.actions
    ADD CONSTRAINT actions_idem_key EXCLUDE USING hash ((((((book || '
'::text) || actor) || '
'::text) || idem_key)) WITH =) WHERE ((idem_key IS NOT NULL));

--
-- Name: api_idempotency api_idempotency_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.api_idempotency
    ADD CONSTRAINT api_idempotency_pkey PRIMARY KEY (book, user_name, key);

--
-- Name: api_tokens api_tokens_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.api_tokens
    ADD CONSTRAINT api_tokens_pkey PRIMARY KEY (id);

--
-- Name: api_tokens api_tokens_token_hash_key; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.api_tokens
    ADD CONSTRAINT api_tokens_token_hash_key UNIQUE (token_hash);

--
-- Name: audit_findings audit_findings_book_id_key; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.audit_findings
    ADD CONSTRAINT audit_findings_book_id_key UNIQUE (book, id);

--
-- Name: audit_findings audit_findings_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.audit_findings
    ADD CONSTRAINT audit_findings_pkey PRIMARY KEY (book, key);

--
-- Name: audit_run_findings audit_run_findings_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.audit_run_findings
    ADD CONSTRAINT audit_run_findings_pkey PRIMARY KEY (book, run_id, finding_key);

--
-- Name: audit_runs audit_runs_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.audit_runs
    ADD CONSTRAINT audit_runs_pkey PRIMARY KEY (book, id);

--
-- Name: balances balances_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.balances
    ADD CONSTRAINT balances_pkey PRIMARY KEY (book, account, org, fund);

--
-- Name: bank_statement_lines bank_statement_lines_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.bank_statement_lines
    ADD CONSTRAINT bank_statement_lines_pkey PRIMARY KEY (book, year, month, digest, row_no);

--
-- Name: bank_statements bank_statements_book_seq_key; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.bank_statements
    ADD CONSTRAINT bank_statements_book_seq_key UNIQUE (book, seq);

--
-- Name: bank_statements bank_statements_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.bank_statements
    ADD CONSTRAINT bank_statements_pkey PRIMARY KEY (book, year, month, digest);

--
-- Name: beneficiary_roster beneficiary_roster_id_number_valid; Type: CHECK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE public.beneficiary_roster
    ADD CONSTRAINT beneficiary_roster_id_number_valid CHECK (((id_number = ''::text) OR public.ledger_id_number_ok(id_kind, id_number))) NOT VALID;

--
-- Name: beneficiary_roster beneficiary_roster_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.beneficiary_roster
    ADD CONSTRAINT beneficiary_roster_pkey PRIMARY KEY (book, id);

--
-- Name: books books_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.books
    ADD CONSTRAINT books_pkey PRIMARY KEY (book);

--
-- Name: finding_events finding_events_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.finding_events
    ADD CONSTRAINT finding_events_pkey PRIMARY KEY (book, id);

--
-- Name: funds funds_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.funds
    ADD CONSTRAINT funds_pkey PRIMARY KEY (book, code);

--
-- Name: goose_db_version goose_db_version_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.goose_db_version
    ADD CONSTRAINT goose_db_version_pkey PRIMARY KEY (id);

--
-- Name: grant_receipts grant_receipts_book_from_book_from_voucher_key; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.grant_receipts
    ADD CONSTRAINT grant_receipts_book_from_book_from_voucher_key UNIQUE (book, from_book, from_voucher);

--
-- Name: grant_receipts grant_receipts_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.grant_receipts
    ADD CONSTRAINT grant_receipts_pkey PRIMARY KEY (book, voucher_id);

--
-- Name: grants grants_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.grants
    ADD CONSTRAINT grants_pkey PRIMARY KEY (book, voucher_id);

--
-- Name: idempotency idempotency_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.idempotency
    ADD CONSTRAINT idempotency_pkey PRIMARY KEY (book, key);

--
-- Name: login_attempts login_attempts_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.login_attempts
    ADD CONSTRAINT login_attempts_pkey PRIMARY KEY (key);

--
-- Name: meetings meetings_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.meetings
    ADD CONSTRAINT meetings_pkey PRIMARY KEY (book, decision);

--
-- Name: org_members org_members_book_org_name_id_number_key; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.org_members
    ADD CONSTRAINT org_members_book_org_name_id_number_key UNIQUE (book, org, name, id_number);

--
-- Name: org_members org_members_id_number_valid; Type: CHECK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE public.org_members
    ADD CONSTRAINT org_members_id_number_valid CHECK (((id_number = ''::text) OR public.ledger_id_number_ok(id_kind, id_number))) NOT VALID;

--
-- Name: org_members org_members_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.org_members
    ADD CONSTRAINT org_members_pkey PRIMARY KEY (book, id);

--
-- Name: organisations organisations_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.organisations
    ADD CONSTRAINT organisations_pkey PRIMARY KEY (book, code);

--
-- Name: payee_accounts payee_accounts_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.payee_accounts
    ADD CONSTRAINT payee_accounts_pkey PRIMARY KEY (book, payee);

--
-- Name: period_events period_events_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.period_events
    ADD CONSTRAINT period_events_pkey PRIMARY KEY (book, id);

--
-- Name: periods periods_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.periods
    ADD CONSTRAINT periods_pkey PRIMARY KEY (book, year, month);

--
-- Name: publicity publicity_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.publicity
    ADD CONSTRAINT publicity_pkey PRIMARY KEY (book, id);

--
-- Name: reconcile_runs reconcile_runs_book_year_month_result_hash_key; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.reconcile_runs
    ADD CONSTRAINT reconcile_runs_book_year_month_result_hash_key UNIQUE (book, year, month, result_hash);

--
-- Name: reconcile_runs reconcile_runs_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.reconcile_runs
    ADD CONSTRAINT reconcile_runs_pkey PRIMARY KEY (book, id);

--
-- Name: rollup_readers rollup_readers_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.rollup_readers
    ADD CONSTRAINT rollup_readers_pkey PRIMARY KEY (book, reader_book, reader);

--
-- Name: saved_query_counts saved_query_counts_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.saved_query_counts
    ADD CONSTRAINT saved_query_counts_pkey PRIMARY KEY (book, period_from, period_to, at, name, org);

--
-- Name: saved_summaries saved_summaries_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.saved_summaries
    ADD CONSTRAINT saved_summaries_pkey PRIMARY KEY (book, user_name, text);

--
-- Name: seal_heads seal_heads_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.seal_heads
    ADD CONSTRAINT seal_heads_pkey PRIMARY KEY (book);

--
-- Name: turnover turnover_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.turnover
    ADD CONSTRAINT turnover_pkey PRIMARY KEY (book, account, org, fund, date, flow);

--
-- Name: users users_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (book, name);

--
-- Name: verify_runs verify_runs_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.verify_runs
    ADD CONSTRAINT verify_runs_pkey PRIMARY KEY (book, id);

--
-- Name: voucher_attachments voucher_attachments_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.voucher_attachments
    ADD CONSTRAINT voucher_attachments_pkey PRIMARY KEY (book, voucher_id, no);

--
-- Name: voucher_beneficiaries voucher_beneficiaries_id_number_valid; Type: CHECK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE public.voucher_beneficiaries
    ADD CONSTRAINT voucher_beneficiaries_id_number_valid CHECK (((id_number = ''::text) OR public.ledger_id_number_ok(id_kind, id_number))) NOT VALID;

--
-- Name: voucher_beneficiaries voucher_beneficiaries_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.voucher_beneficiaries
    ADD CONSTRAINT voucher_beneficiaries_pkey PRIMARY KEY (book, voucher_id, seq);

--
-- Name: voucher_counters voucher_counters_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.voucher_counters
    ADD CONSTRAINT voucher_counters_pkey PRIMARY KEY (book, year, month, type);

--
-- Name: voucher_items voucher_items_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.voucher_items
    ADD CONSTRAINT voucher_items_pkey PRIMARY KEY (book, voucher_id, line_no, seq);

--
-- Name: voucher_lines voucher_lines_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.voucher_lines
    ADD CONSTRAINT voucher_lines_pkey PRIMARY KEY (book, voucher_id, line_no);

--
-- Name: voucher_seals voucher_seals_book_voucher_id_key; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.voucher_seals
    ADD CONSTRAINT voucher_seals_book_voucher_id_key UNIQUE (book, voucher_id);

--
-- Name: voucher_seals voucher_seals_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.voucher_seals
    ADD CONSTRAINT voucher_seals_pkey PRIMARY KEY (book, seq);

--
-- Name: voucher_value_dates voucher_value_dates_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.voucher_value_dates
    ADD CONSTRAINT voucher_value_dates_pkey PRIMARY KEY (book, voucher_id);

--
-- Name: vouchers vouchers_book_year_month_type_number_key; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.vouchers
    ADD CONSTRAINT vouchers_book_year_month_type_number_key UNIQUE (book, year, month, type, number);

--
-- Name: vouchers vouchers_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.vouchers
    ADD CONSTRAINT vouchers_pkey PRIMARY KEY (book, id);

--
-- Name: web_sessions web_sessions_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.web_sessions
    ADD CONSTRAINT web_sessions_pkey PRIMARY KEY (id);

--
-- Name: web_sessions web_sessions_session_hash_key; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.web_sessions
    ADD CONSTRAINT web_sessions_session_hash_key UNIQUE (session_hash);

--
-- Name: year_events year_events_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.year_events
    ADD CONSTRAINT year_events_pkey PRIMARY KEY (book, id);

--
-- Name: years years_pkey; Type: CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.years
    ADD CONSTRAINT years_pkey PRIMARY KEY (book, year);

--
-- Name: actions_attachments; Type: INDEX; Schema: public; Owner: ledger_owner
--

CREATE INDEX actions_attachments ON public.actions USING btree (book, voucher_id) WHERE (action = 'attach'::text);

--
-- Name: actions_by_voucher; Type: INDEX; Schema: public; Owner: ledger_owner
--

CREATE INDEX actions_by_voucher ON public.actions USING brin (voucher_id int8_minmax_multi_ops) WITH (pages_per_range='32', autosummarize='on');

--
-- Name: actions_edits; Type: INDEX; Schema: public; Owner: ledger_owner
--

CREATE INDEX actions_edits ON public.actions USING btree (book, voucher_id) WHERE (action = 'edit'::text);

--
-- Name: actions_reveals; Type: INDEX; Schema: public; Owner: ledger_owner
--

CREATE INDEX actions_reveals ON public.actions USING btree (book, id) WHERE (action = 'reveal_id'::text);

--
-- Name: api_tokens_user; Type: INDEX; Schema: public; Owner: ledger_owner
--

CREATE INDEX api_tokens_user ON public.api_tokens USING btree (book, user_name);

--
-- Name: audit_findings_open; Type: INDEX; Schema: public; Owner: ledger_owner
--

CREATE INDEX audit_findings_open ON public.audit_findings USING btree (book, state, severity);

--
-- Name: audit_runs_period; Type: INDEX; Schema: public; Owner: ledger_owner
--

CREATE INDEX audit_runs_period ON public.audit_runs USING btree (book, period_from, period_to, id);

--
-- Name: beneficiary_roster_person; Type: INDEX; Schema: public; Owner: ledger_owner
--

CREATE UNIQUE INDEX beneficiary_roster_person ON public.beneficiary_roster USING btree (book, COALESCE(org, ''::text), name, id_number);

--
-- Name: finding_events_finding; Type: INDEX; Schema: public; Owner: ledger_owner
--

CREATE INDEX finding_events_finding ON public.finding_events USING btree (book, finding_key);

--
-- Name: grants_to; Type: INDEX; Schema: public; Owner: ledger_owner
--

CREATE INDEX grants_to ON public.grants USING btree (to_book);

--
-- Name: login_attempts_window; Type: INDEX; Schema: public; Owner: ledger_owner
--

CREATE INDEX login_attempts_window ON public.login_attempts USING btree (window_start);

--
-- Name: publicity_date; Type: INDEX; Schema: public; Owner: ledger_owner
--

CREATE INDEX publicity_date ON public.publicity USING btree (book, date);

--
-- Name: reconcile_runs_period; Type: INDEX; Schema: public; Owner: ledger_owner
--

CREATE INDEX reconcile_runs_period ON public.reconcile_runs USING btree (book, year, month, id);

--
-- Name: turnover_date; Type: INDEX; Schema: public; Owner: ledger_owner
--

CREATE INDEX turnover_date ON public.turnover USING btree (book, date);

--
-- Name: verify_runs_book; Type: INDEX; Schema: public; Owner: ledger_owner
--

CREATE INDEX verify_runs_book ON public.verify_runs USING btree (book, id);

--
-- Name: voucher_beneficiaries_id; Type: INDEX; Schema: public; Owner: ledger_owner
--

CREATE INDEX voucher_beneficiaries_id ON public.voucher_beneficiaries USING btree (book, id_number);

--
-- Name: voucher_beneficiaries_name_trgm; Type: INDEX; Schema: public; Owner: ledger_owner
--

CREATE INDEX voucher_beneficiaries_name_trgm ON public.voucher_beneficiaries USING gin (name public.gin_trgm_ops);

--
-- Name: voucher_lines_key; Type: INDEX; Schema: public; Owner: ledger_owner
--

CREATE INDEX voucher_lines_key ON public.voucher_lines USING btree (book, account, org, fund, date);

--
-- Name: vouchers_book_idem_key_key; Type: INDEX; Schema: public; Owner: ledger_owner
--

CREATE UNIQUE INDEX vouchers_book_idem_key_key ON public.vouchers USING btree (book, idem_key) WHERE (idem_key IS NOT NULL);

--
-- Name: vouchers_date; Type: INDEX; Schema: public; Owner: ledger_owner
--

CREATE INDEX vouchers_date ON public.vouchers USING brin (date date_minmax_multi_ops) WITH (pages_per_range='32', autosummarize='on');

--
-- Name: vouchers_one_reversal; Type: INDEX; Schema: public; Owner: ledger_owner
--

CREATE UNIQUE INDEX vouchers_one_reversal ON public.vouchers USING btree (book, reversal_of) WHERE ((reversal_of IS NOT NULL) AND (voided_at IS NULL));

--
-- Name: vouchers_payee_trgm; Type: INDEX; Schema: public; Owner: ledger_owner
--

CREATE INDEX vouchers_payee_trgm ON public.vouchers USING gin (payee public.gin_trgm_ops);

--
-- Name: web_sessions_expires; Type: INDEX; Schema: public; Owner: ledger_owner
--

CREATE INDEX web_sessions_expires ON public.web_sessions USING btree (expires_at);

--
-- Name: web_sessions_user; Type: INDEX; Schema: public; Owner: ledger_owner
--

CREATE INDEX web_sessions_user ON public.web_sessions USING btree (book, user_name);

--
-- Name: accounts accounts_bump_revision; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER accounts_bump_revision AFTER INSERT OR DELETE OR UPDATE ON public.accounts FOR EACH ROW EXECUTE FUNCTION public.books_bump_revision();

--
-- Name: accounts accounts_keep_codes; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER accounts_keep_codes BEFORE DELETE OR UPDATE OF book, code ON public.accounts FOR EACH ROW EXECUTE FUNCTION public.ledger_keep_codes();

--
-- Name: actions actions_api_key; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER actions_api_key BEFORE INSERT ON public.actions FOR EACH ROW WHEN (((new.idem_key IS NOT NULL) OR (new.request_hash IS NOT NULL))) EXECUTE FUNCTION public.actions_api_key();

--
-- Name: actions actions_append_only; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER actions_append_only BEFORE DELETE OR UPDATE ON public.actions FOR EACH ROW EXECUTE FUNCTION public.ledger_append_only();

--
-- Name: api_tokens api_tokens_auth_changed; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER api_tokens_auth_changed AFTER DELETE OR UPDATE OR TRUNCATE ON public.api_tokens FOR EACH STATEMENT EXECUTE FUNCTION public.ledger_auth_changed();

--
-- Name: audit_findings audit_findings_after_update; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER audit_findings_after_update AFTER UPDATE ON public.audit_findings FOR EACH ROW EXECUTE FUNCTION public.audit_findings_after_update();

--
-- Name: audit_findings audit_findings_before_update; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER audit_findings_before_update BEFORE UPDATE ON public.audit_findings FOR EACH ROW EXECUTE FUNCTION public.audit_findings_before_update();

--
-- Name: audit_findings audit_findings_no_delete; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER audit_findings_no_delete BEFORE DELETE ON public.audit_findings FOR EACH ROW EXECUTE FUNCTION public.ledger_no_delete();

--
-- Name: audit_findings audit_findings_no_truncate; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER audit_findings_no_truncate BEFORE TRUNCATE ON public.audit_findings FOR EACH STATEMENT EXECUTE FUNCTION public.ledger_no_delete();

--
-- Name: audit_run_findings audit_run_findings_append_only; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER audit_run_findings_append_only BEFORE DELETE OR UPDATE ON public.audit_run_findings FOR EACH ROW EXECUTE FUNCTION public.ledger_append_only();

--
-- Name: audit_runs audit_runs_append_only; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER audit_runs_append_only BEFORE DELETE OR UPDATE ON public.audit_runs FOR EACH ROW EXECUTE FUNCTION public.ledger_append_only();

--
-- Name: bank_statement_lines bank_statement_lines_append_only; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER bank_statement_lines_append_only BEFORE DELETE OR UPDATE ON public.bank_statement_lines FOR EACH ROW EXECUTE FUNCTION public.ledger_append_only();

--
-- Name: bank_statements bank_statements_append_only; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER bank_statements_append_only BEFORE DELETE OR UPDATE ON public.bank_statements FOR EACH ROW EXECUTE FUNCTION public.ledger_append_only();

--
-- Name: beneficiary_roster beneficiary_roster_no_delete; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER beneficiary_roster_no_delete BEFORE DELETE ON public.beneficiary_roster FOR EACH ROW EXECUTE FUNCTION public.ledger_no_delete();

--
-- Name: books books_changed; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER books_changed AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.books FOR EACH STATEMENT EXECUTE FUNCTION public.ledger_auth_changed();

--
-- Name: books books_keep_codes; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER books_keep_codes BEFORE DELETE OR UPDATE OF book ON public.books FOR EACH ROW EXECUTE FUNCTION public.ledger_keep_codes();

--
-- Name: books books_next_revision; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER books_next_revision BEFORE UPDATE ON public.books FOR EACH ROW WHEN ((NOT (old.revision IS DISTINCT FROM new.revision))) EXECUTE FUNCTION public.books_next_revision();

--
-- Name: finding_events finding_events_append_only; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER finding_events_append_only BEFORE DELETE OR UPDATE ON public.finding_events FOR EACH ROW EXECUTE FUNCTION public.ledger_append_only();

--
-- Name: finding_events finding_events_before_insert; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER finding_events_before_insert BEFORE INSERT ON public.finding_events FOR EACH ROW EXECUTE FUNCTION public.finding_events_before_insert();

--
-- Name: finding_events finding_events_no_truncate; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER finding_events_no_truncate BEFORE TRUNCATE ON public.finding_events FOR EACH STATEMENT EXECUTE FUNCTION public.ledger_no_delete();

--
-- Name: funds funds_bump_revision; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER funds_bump_revision AFTER INSERT OR DELETE OR UPDATE ON public.funds FOR EACH ROW EXECUTE FUNCTION public.books_bump_revision();

--
-- Name: funds funds_keep_codes; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER funds_keep_codes BEFORE DELETE OR UPDATE OF book, code ON public.funds FOR EACH ROW EXECUTE FUNCTION public.ledger_keep_codes();

--
-- Name: grant_receipts grant_receipts_append_only; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER grant_receipts_append_only BEFORE DELETE OR UPDATE ON public.grant_receipts FOR EACH ROW EXECUTE FUNCTION public.ledger_append_only();

--
-- Name: grant_receipts grant_receipts_link; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE CONSTRAINT TRIGGER grant_receipts_link AFTER INSERT ON public.grant_receipts DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.grant_receipts_check();

--
-- Name: vouchers grants_after_post; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER grants_after_post AFTER UPDATE OF status ON public.vouchers FOR EACH ROW WHEN (((new.flow = 'grant'::text) AND (new.status = 'posted'::text) AND (old.status <> 'posted'::text))) EXECUTE FUNCTION public.grants_after_post();

--
-- Name: grants grants_append_only; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER grants_append_only BEFORE DELETE OR UPDATE ON public.grants FOR EACH ROW EXECUTE FUNCTION public.ledger_append_only();

--
-- Name: grants grants_before_insert; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER grants_before_insert BEFORE INSERT ON public.grants FOR EACH ROW EXECUTE FUNCTION public.grants_before_insert();

--
-- Name: meetings meetings_no_delete; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER meetings_no_delete BEFORE DELETE ON public.meetings FOR EACH ROW EXECUTE FUNCTION public.ledger_no_delete();

--
-- Name: org_members org_members_no_delete; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER org_members_no_delete BEFORE DELETE ON public.org_members FOR EACH ROW EXECUTE FUNCTION public.ledger_no_delete();

--
-- Name: organisations organisations_bump_revision; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER organisations_bump_revision AFTER INSERT OR DELETE OR UPDATE ON public.organisations FOR EACH ROW EXECUTE FUNCTION public.books_bump_revision();

--
-- Name: organisations organisations_keep_codes; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER organisations_keep_codes BEFORE DELETE OR UPDATE OF book, code ON public.organisations FOR EACH ROW EXECUTE FUNCTION public.ledger_keep_codes();

--
-- Name: payee_accounts payee_accounts_no_delete; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER payee_accounts_no_delete BEFORE DELETE ON public.payee_accounts FOR EACH ROW EXECUTE FUNCTION public.ledger_no_delete();

--
-- Name: period_events period_events_append_only; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER period_events_append_only BEFORE DELETE OR UPDATE ON public.period_events FOR EACH ROW EXECUTE FUNCTION public.ledger_append_only();

--
-- Name: period_events period_events_before_insert; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER period_events_before_insert BEFORE INSERT ON public.period_events FOR EACH ROW EXECUTE FUNCTION public.period_events_before_insert();

--
-- Name: periods periods_before_update; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER periods_before_update BEFORE UPDATE ON public.periods FOR EACH ROW EXECUTE FUNCTION public.periods_before_update();

--
-- Name: periods periods_close_year; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER periods_close_year AFTER UPDATE ON public.periods FOR EACH ROW EXECUTE FUNCTION public.periods_close_year();

--
-- Name: periods periods_reopen_needs_event; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER periods_reopen_needs_event BEFORE UPDATE ON public.periods FOR EACH ROW EXECUTE FUNCTION public.periods_reopen_needs_event();

--
-- Name: periods periods_year_end; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER periods_year_end BEFORE UPDATE ON public.periods FOR EACH ROW EXECUTE FUNCTION public.periods_year_end();

--
-- Name: publicity publicity_append_only; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER publicity_append_only BEFORE DELETE OR UPDATE ON public.publicity FOR EACH ROW EXECUTE FUNCTION public.ledger_append_only();

--
-- Name: reconcile_runs reconcile_runs_append_only; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER reconcile_runs_append_only BEFORE DELETE OR UPDATE ON public.reconcile_runs FOR EACH ROW EXECUTE FUNCTION public.ledger_append_only();

--
-- Name: saved_query_counts saved_query_counts_append_only; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER saved_query_counts_append_only BEFORE DELETE OR UPDATE ON public.saved_query_counts FOR EACH ROW EXECUTE FUNCTION public.ledger_append_only();

--
-- Name: saved_query_counts saved_query_counts_no_truncate; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER saved_query_counts_no_truncate BEFORE TRUNCATE ON public.saved_query_counts FOR EACH STATEMENT EXECUTE FUNCTION public.ledger_no_delete();

--
-- Name: seal_heads seal_heads_check; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER seal_heads_check BEFORE INSERT OR UPDATE ON public.seal_heads FOR EACH ROW EXECUTE FUNCTION public.seal_heads_check();

--
-- Name: seal_heads seal_heads_no_delete; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER seal_heads_no_delete BEFORE DELETE ON public.seal_heads FOR EACH ROW EXECUTE FUNCTION public.ledger_append_only();

--
-- Name: users users_auth_changed; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER users_auth_changed AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.users FOR EACH STATEMENT EXECUTE FUNCTION public.ledger_auth_changed();

--
-- Name: users users_end_web_sessions; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER users_end_web_sessions AFTER UPDATE OF disabled ON public.users FOR EACH ROW WHEN ((new.disabled AND (NOT old.disabled))) EXECUTE FUNCTION public.web_sessions_end_disabled();

--
-- Name: verify_runs verify_runs_append_only; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER verify_runs_append_only BEFORE DELETE OR UPDATE ON public.verify_runs FOR EACH ROW EXECUTE FUNCTION public.ledger_append_only();

--
-- Name: verify_runs verify_runs_no_truncate; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER verify_runs_no_truncate BEFORE TRUNCATE ON public.verify_runs FOR EACH STATEMENT EXECUTE FUNCTION public.ledger_no_delete();

--
-- Name: voucher_attachments voucher_attachments_check; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER voucher_attachments_check BEFORE INSERT OR DELETE OR UPDATE ON public.voucher_attachments FOR EACH ROW EXECUTE FUNCTION public.voucher_attachments_check();

--
-- Name: voucher_attachments voucher_attachments_no_truncate; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER voucher_attachments_no_truncate BEFORE TRUNCATE ON public.voucher_attachments FOR EACH STATEMENT EXECUTE FUNCTION public.ledger_append_only();

--
-- Name: voucher_beneficiaries voucher_beneficiaries_append_only; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER voucher_beneficiaries_append_only BEFORE UPDATE ON public.voucher_beneficiaries FOR EACH ROW EXECUTE FUNCTION public.ledger_append_only();

--
-- Name: voucher_beneficiaries voucher_beneficiaries_draft_child_delete; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER voucher_beneficiaries_draft_child_delete BEFORE DELETE ON public.voucher_beneficiaries FOR EACH ROW EXECUTE FUNCTION public.ledger_draft_child_delete();

--
-- Name: voucher_beneficiaries voucher_beneficiaries_draft_only; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER voucher_beneficiaries_draft_only AFTER INSERT ON public.voucher_beneficiaries REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.voucher_beneficiaries_draft_only();

--
-- Name: voucher_items voucher_items_after_insert; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER voucher_items_after_insert AFTER INSERT ON public.voucher_items REFERENCING NEW TABLE AS new_items FOR EACH STATEMENT EXECUTE FUNCTION public.voucher_items_after_insert();

--
-- Name: voucher_items voucher_items_immutable; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER voucher_items_immutable BEFORE DELETE OR UPDATE ON public.voucher_items FOR EACH ROW EXECUTE FUNCTION public.voucher_items_immutable();

--
-- Name: voucher_items voucher_items_only_by_edit; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER voucher_items_only_by_edit BEFORE DELETE ON public.voucher_items FOR EACH ROW EXECUTE FUNCTION public.ledger_draft_child_delete();

--
-- Name: voucher_items voucher_items_sum; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE CONSTRAINT TRIGGER voucher_items_sum AFTER INSERT ON public.voucher_items DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.voucher_items_sum();

--
-- Name: voucher_lines voucher_lines_after_insert; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER voucher_lines_after_insert AFTER INSERT ON public.voucher_lines REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION public.voucher_lines_after_insert();

--
-- Name: voucher_lines voucher_lines_append_only; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER voucher_lines_append_only BEFORE UPDATE ON public.voucher_lines FOR EACH ROW EXECUTE FUNCTION public.ledger_append_only();

--
-- Name: voucher_lines voucher_lines_date; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER voucher_lines_date BEFORE INSERT ON public.voucher_lines FOR EACH ROW WHEN ((new.date IS NULL)) EXECUTE FUNCTION public.voucher_lines_date();

--
-- Name: voucher_lines voucher_lines_draft_child_delete; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER voucher_lines_draft_child_delete BEFORE DELETE ON public.voucher_lines FOR EACH ROW EXECUTE FUNCTION public.ledger_draft_child_delete();

--
-- Name: voucher_seals voucher_seals_after_insert; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER voucher_seals_after_insert AFTER INSERT ON public.voucher_seals REFERENCING NEW TABLE AS new_seals FOR EACH STATEMENT EXECUTE FUNCTION public.voucher_seals_after_insert();

--
-- Name: voucher_seals voucher_seals_append_only; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER voucher_seals_append_only BEFORE DELETE OR UPDATE ON public.voucher_seals FOR EACH ROW EXECUTE FUNCTION public.ledger_append_only();

--
-- Name: voucher_seals voucher_seals_no_truncate; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER voucher_seals_no_truncate BEFORE TRUNCATE ON public.voucher_seals FOR EACH STATEMENT EXECUTE FUNCTION public.ledger_append_only();

--
-- Name: voucher_value_dates voucher_value_dates_no_delete; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER voucher_value_dates_no_delete BEFORE DELETE ON public.voucher_value_dates FOR EACH ROW EXECUTE FUNCTION public.ledger_no_delete();

--
-- Name: vouchers vouchers_before_insert; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER vouchers_before_insert BEFORE INSERT ON public.vouchers FOR EACH ROW WHEN ((new.status = 'draft'::text)) EXECUTE FUNCTION public.vouchers_before_insert();

--
-- Name: vouchers vouchers_check_window_made; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER vouchers_check_window_made BEFORE INSERT ON public.vouchers FOR EACH ROW WHEN (((new.status <> 'draft'::text) AND (NOT ((new.status = 'posted'::text) AND (new.flow = 'import'::text) AND (CURRENT_USER = 'ledger_owner'::name))))) EXECUTE FUNCTION public.vouchers_check_window();

--
-- Name: vouchers vouchers_edit_complete; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE CONSTRAINT TRIGGER vouchers_edit_complete AFTER UPDATE ON public.vouchers DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN ((new.version IS DISTINCT FROM old.version)) EXECUTE FUNCTION public.vouchers_edit_complete();

--
-- Name: vouchers vouchers_guard_edit; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER vouchers_guard_edit AFTER UPDATE ON public.vouchers FOR EACH ROW WHEN (((new.version IS DISTINCT FROM old.version) OR (new.edited_by IS DISTINCT FROM old.edited_by) OR (new.edited_at IS DISTINCT FROM old.edited_at))) EXECUTE FUNCTION public.vouchers_guard_edit();

--
-- Name: vouchers vouchers_guard_step; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER vouchers_guard_step AFTER UPDATE ON public.vouchers FOR EACH ROW WHEN ((new.version = old.version)) EXECUTE FUNCTION public.vouchers_guard_step();

--
-- Name: vouchers vouchers_guard_window; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER vouchers_guard_window AFTER UPDATE OF date, total_fen ON public.vouchers FOR EACH ROW EXECUTE FUNCTION public.vouchers_check_window();

--
-- Name: vouchers vouchers_made_as_draft; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER vouchers_made_as_draft BEFORE INSERT ON public.vouchers FOR EACH ROW WHEN (((new.status <> 'draft'::text) AND ((CURRENT_USER <> 'ledger_owner'::name) OR (new.status <> 'posted'::text) OR (new.flow <> 'import'::text)))) EXECUTE FUNCTION public.vouchers_made_as_draft();

--
-- Name: vouchers vouchers_no_delete; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER vouchers_no_delete BEFORE DELETE ON public.vouchers FOR EACH ROW EXECUTE FUNCTION public.ledger_append_only();

--
-- Name: vouchers vouchers_posting; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER vouchers_posting AFTER UPDATE ON public.vouchers FOR EACH ROW WHEN (((new.status = 'posted'::text) AND (old.status <> 'posted'::text))) EXECUTE FUNCTION public.vouchers_after_post();

--
-- Name: vouchers vouchers_refer_to_vouchers; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER vouchers_refer_to_vouchers BEFORE INSERT ON public.vouchers FOR EACH ROW WHEN (((new.reversal_of IS NOT NULL) OR (new.correction_of IS NOT NULL))) EXECUTE FUNCTION public.vouchers_refer_to_vouchers();

--
-- Name: vouchers vouchers_year_rules; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER vouchers_year_rules BEFORE INSERT ON public.vouchers FOR EACH ROW WHEN ((((new.status <> 'draft'::text) OR (new.reversal_of IS NOT NULL) OR (new.correction_of IS NOT NULL) OR (new.flow = ANY (ARRAY['opening'::text, 'opening_ytd'::text, 'year_close'::text]))) AND (NOT ((new.status = 'posted'::text) AND (new.flow = 'import'::text) AND (CURRENT_USER = 'ledger_owner'::name) AND (new.reversal_of IS NULL) AND (new.correction_of IS NULL))))) EXECUTE FUNCTION public.vouchers_year_rules();

--
-- Name: year_events year_events_append_only; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER year_events_append_only BEFORE DELETE OR UPDATE ON public.year_events FOR EACH ROW EXECUTE FUNCTION public.ledger_append_only();

--
-- Name: year_events year_events_before_insert; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER year_events_before_insert BEFORE INSERT ON public.year_events FOR EACH ROW EXECUTE FUNCTION public.year_events_before_insert();

--
-- Name: years years_before_write; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER years_before_write BEFORE INSERT OR UPDATE ON public.years FOR EACH ROW EXECUTE FUNCTION public.years_before_write();

--
-- Name: years years_no_delete; Type: TRIGGER; Schema: public; Owner: ledger_owner
--

CREATE TRIGGER years_no_delete BEFORE DELETE ON public.years FOR EACH ROW EXECUTE FUNCTION public.ledger_no_delete();

--
-- Name: accounts accounts_book_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_book_fkey FOREIGN KEY (book) REFERENCES public.books(book);

--
-- Name: accounts accounts_book_parent_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_book_parent_fkey FOREIGN KEY (book, parent) REFERENCES public.accounts(book, code);

--
-- Name: api_tokens api_tokens_book_user_name_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.api_tokens
    ADD CONSTRAINT api_tokens_book_user_name_fkey FOREIGN KEY (book, user_name) REFERENCES public.users(book, name);

--
-- Name: audit_findings audit_findings_book_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.audit_findings
    ADD CONSTRAINT audit_findings_book_fkey FOREIGN KEY (book) REFERENCES public.books(book);

--
-- Name: audit_findings audit_findings_book_voucher_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.audit_findings
    ADD CONSTRAINT audit_findings_book_voucher_id_fkey FOREIGN KEY (book, voucher_id) REFERENCES public.vouchers(book, id);

--
-- Name: audit_run_findings audit_run_findings_book_finding_key_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.audit_run_findings
    ADD CONSTRAINT audit_run_findings_book_finding_key_fkey FOREIGN KEY (book, finding_key) REFERENCES public.audit_findings(book, key);

--
-- Name: audit_run_findings audit_run_findings_book_run_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.audit_run_findings
    ADD CONSTRAINT audit_run_findings_book_run_id_fkey FOREIGN KEY (book, run_id) REFERENCES public.audit_runs(book, id);

--
-- Name: audit_runs audit_runs_book_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.audit_runs
    ADD CONSTRAINT audit_runs_book_fkey FOREIGN KEY (book) REFERENCES public.books(book);

--
-- Name: balances balances_book_account_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.balances
    ADD CONSTRAINT balances_book_account_fkey FOREIGN KEY (book, account) REFERENCES public.accounts(book, code);

--
-- Name: balances balances_book_fund_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.balances
    ADD CONSTRAINT balances_book_fund_fkey FOREIGN KEY (book, fund) REFERENCES public.funds(book, code);

--
-- Name: balances balances_book_org_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.balances
    ADD CONSTRAINT balances_book_org_fkey FOREIGN KEY (book, org) REFERENCES public.organisations(book, code);

--
-- Name: bank_statement_lines bank_statement_lines_book_year_month_digest_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.bank_statement_lines
    ADD CONSTRAINT bank_statement_lines_book_year_month_digest_fkey FOREIGN KEY (book, year, month, digest) REFERENCES public.bank_statements(book, year, month, digest);

--
-- Name: bank_statements bank_statements_book_account_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.bank_statements
    ADD CONSTRAINT bank_statements_book_account_fkey FOREIGN KEY (book, account) REFERENCES public.accounts(book, code);

--
-- Name: bank_statements bank_statements_book_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.bank_statements
    ADD CONSTRAINT bank_statements_book_fkey FOREIGN KEY (book) REFERENCES public.books(book);

--
-- Name: bank_statements bank_statements_book_year_month_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.bank_statements
    ADD CONSTRAINT bank_statements_book_year_month_fkey FOREIGN KEY (book, year, month) REFERENCES public.periods(book, year, month);

--
-- Name: beneficiary_roster beneficiary_roster_book_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.beneficiary_roster
    ADD CONSTRAINT beneficiary_roster_book_fkey FOREIGN KEY (book) REFERENCES public.books(book);

--
-- Name: beneficiary_roster beneficiary_roster_book_org_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.beneficiary_roster
    ADD CONSTRAINT beneficiary_roster_book_org_fkey FOREIGN KEY (book, org) REFERENCES public.organisations(book, code);

--
-- Name: finding_events finding_events_book_finding_key_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.finding_events
    ADD CONSTRAINT finding_events_book_finding_key_fkey FOREIGN KEY (book, finding_key) REFERENCES public.audit_findings(book, key);

--
-- Name: funds funds_book_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.funds
    ADD CONSTRAINT funds_book_fkey FOREIGN KEY (book) REFERENCES public.books(book);

--
-- Name: grant_receipts grant_receipts_book_voucher_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.grant_receipts
    ADD CONSTRAINT grant_receipts_book_voucher_id_fkey FOREIGN KEY (book, voucher_id) REFERENCES public.vouchers(book, id);

--
-- Name: grants grants_book_voucher_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.grants
    ADD CONSTRAINT grants_book_voucher_id_fkey FOREIGN KEY (book, voucher_id) REFERENCES public.vouchers(book, id);

--
-- Name: meetings meetings_book_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.meetings
    ADD CONSTRAINT meetings_book_fkey FOREIGN KEY (book) REFERENCES public.books(book);

--
-- Name: org_members org_members_book_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.org_members
    ADD CONSTRAINT org_members_book_fkey FOREIGN KEY (book) REFERENCES public.books(book);

--
-- Name: org_members org_members_book_org_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.org_members
    ADD CONSTRAINT org_members_book_org_fkey FOREIGN KEY (book, org) REFERENCES public.organisations(book, code);

--
-- Name: organisations organisations_book_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.organisations
    ADD CONSTRAINT organisations_book_fkey FOREIGN KEY (book) REFERENCES public.books(book);

--
-- Name: organisations organisations_book_parent_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.organisations
    ADD CONSTRAINT organisations_book_parent_fkey FOREIGN KEY (book, parent) REFERENCES public.organisations(book, code);

--
-- Name: payee_accounts payee_accounts_book_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.payee_accounts
    ADD CONSTRAINT payee_accounts_book_fkey FOREIGN KEY (book) REFERENCES public.books(book);

--
-- Name: period_events period_events_book_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.period_events
    ADD CONSTRAINT period_events_book_fkey FOREIGN KEY (book) REFERENCES public.books(book);

--
-- Name: periods periods_book_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.periods
    ADD CONSTRAINT periods_book_fkey FOREIGN KEY (book) REFERENCES public.books(book);

--
-- Name: publicity publicity_book_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.publicity
    ADD CONSTRAINT publicity_book_fkey FOREIGN KEY (book) REFERENCES public.books(book);

--
-- Name: publicity publicity_book_org_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.publicity
    ADD CONSTRAINT publicity_book_org_fkey FOREIGN KEY (book, org) REFERENCES public.organisations(book, code);

--
-- Name: reconcile_runs reconcile_runs_book_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.reconcile_runs
    ADD CONSTRAINT reconcile_runs_book_fkey FOREIGN KEY (book) REFERENCES public.books(book);

--
-- Name: rollup_readers rollup_readers_book_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.rollup_readers
    ADD CONSTRAINT rollup_readers_book_fkey FOREIGN KEY (book) REFERENCES public.books(book);

--
-- Name: saved_query_counts saved_query_counts_book_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.saved_query_counts
    ADD CONSTRAINT saved_query_counts_book_fkey FOREIGN KEY (book) REFERENCES public.books(book);

--
-- Name: saved_summaries saved_summaries_book_user_name_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.saved_summaries
    ADD CONSTRAINT saved_summaries_book_user_name_fkey FOREIGN KEY (book, user_name) REFERENCES public.users(book, name) ON DELETE CASCADE;

--
-- Name: seal_heads seal_heads_book_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.seal_heads
    ADD CONSTRAINT seal_heads_book_fkey FOREIGN KEY (book) REFERENCES public.books(book);

--
-- Name: users users_book_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_book_fkey FOREIGN KEY (book) REFERENCES public.books(book);

--
-- Name: users users_book_scope_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_book_scope_fkey FOREIGN KEY (book, scope) REFERENCES public.organisations(book, code);

--
-- Name: verify_runs verify_runs_book_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.verify_runs
    ADD CONSTRAINT verify_runs_book_fkey FOREIGN KEY (book) REFERENCES public.books(book);

--
-- Name: voucher_attachments voucher_attachments_book_voucher_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.voucher_attachments
    ADD CONSTRAINT voucher_attachments_book_voucher_id_fkey FOREIGN KEY (book, voucher_id) REFERENCES public.vouchers(book, id);

--
-- Name: voucher_beneficiaries voucher_beneficiaries_book_voucher_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.voucher_beneficiaries
    ADD CONSTRAINT voucher_beneficiaries_book_voucher_id_fkey FOREIGN KEY (book, voucher_id) REFERENCES public.vouchers(book, id);

--
-- Name: voucher_counters voucher_counters_book_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.voucher_counters
    ADD CONSTRAINT voucher_counters_book_fkey FOREIGN KEY (book) REFERENCES public.books(book);

--
-- Name: voucher_items voucher_items_book_voucher_id_line_no_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.voucher_items
    ADD CONSTRAINT voucher_items_book_voucher_id_line_no_fkey FOREIGN KEY (book, voucher_id, line_no) REFERENCES public.voucher_lines(book, voucher_id, line_no);

--
-- Name: voucher_value_dates voucher_value_dates_book_voucher_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.voucher_value_dates
    ADD CONSTRAINT voucher_value_dates_book_voucher_id_fkey FOREIGN KEY (book, voucher_id) REFERENCES public.vouchers(book, id);

--
-- Name: web_sessions web_sessions_book_user_name_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.web_sessions
    ADD CONSTRAINT web_sessions_book_user_name_fkey FOREIGN KEY (book, user_name) REFERENCES public.users(book, name) ON DELETE CASCADE;

--
-- Name: year_events year_events_book_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.year_events
    ADD CONSTRAINT year_events_book_fkey FOREIGN KEY (book) REFERENCES public.books(book);

--
-- Name: years years_book_fkey; Type: FK CONSTRAINT; Schema: public; Owner: ledger_owner
--

ALTER TABLE ONLY public.years
    ADD CONSTRAINT years_book_fkey FOREIGN KEY (book) REFERENCES public.books(book);

--
-- Name: SCHEMA public; Type: ACL; Schema: -; Owner: pg_database_owner
--

GRANT USAGE ON SCHEMA public TO ledger_app;
GRANT USAGE ON SCHEMA public TO ledger_auditor;

--
-- Name: FUNCTION api_key_lock(p_book text, p_user text, p_key text); Type: ACL; Schema: public; Owner: ledger_owner
--

REVOKE ALL ON FUNCTION public.api_key_lock(p_book text, p_user text, p_key text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.api_key_lock(p_book text, p_user text, p_key text) TO ledger_app;

--
-- Name: FUNCTION books_bump_revision(); Type: ACL; Schema: public; Owner: ledger_owner
--

REVOKE ALL ON FUNCTION public.books_bump_revision() FROM PUBLIC;

--
-- Name: FUNCTION ledger_clear_draft(p_book text, p_id bigint); Type: ACL; Schema: public; Owner: ledger_owner
--

REVOKE ALL ON FUNCTION public.ledger_clear_draft(p_book text, p_id bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION public.ledger_clear_draft(p_book text, p_id bigint) TO ledger_app;

--
-- Name: FUNCTION ledger_import_approved(p_book text, p_actor text, p_at timestamp with time zone, v_row integer[], v_key text[], v_date date[], v_type text[], v_summary text[], v_attachments integer[], v_maker integer[], v_checker integer[], v_cashier integer[], v_poster integer[], p_names text[], l_voucher integer[], l_no integer[], l_row integer[], l_summary text[], l_key integer[], l_debit bigint[], l_credit bigint[], k_account text[], k_org text[], k_fund text[], k_purpose text[]); Type: ACL; Schema: public; Owner: ledger_owner
--

REVOKE ALL ON FUNCTION public.ledger_import_approved(p_book text, p_actor text, p_at timestamp with time zone, v_row integer[], v_key text[], v_date date[], v_type text[], v_summary text[], v_attachments integer[], v_maker integer[], v_checker integer[], v_cashier integer[], v_poster integer[], p_names text[], l_voucher integer[], l_no integer[], l_row integer[], l_summary text[], l_key integer[], l_debit bigint[], l_credit bigint[], k_account text[], k_org text[], k_fund text[], k_purpose text[]) FROM PUBLIC;
GRANT ALL ON FUNCTION public.ledger_import_approved(p_book text, p_actor text, p_at timestamp with time zone, v_row integer[], v_key text[], v_date date[], v_type text[], v_summary text[], v_attachments integer[], v_maker integer[], v_checker integer[], v_cashier integer[], v_poster integer[], p_names text[], l_voucher integer[], l_no integer[], l_row integer[], l_summary text[], l_key integer[], l_debit bigint[], l_credit bigint[], k_account text[], k_org text[], k_fund text[], k_purpose text[]) TO ledger_app;

--
-- Name: FUNCTION ledger_post_turnover(p_book text, p_ids bigint[]); Type: ACL; Schema: public; Owner: ledger_owner
--

REVOKE ALL ON FUNCTION public.ledger_post_turnover(p_book text, p_ids bigint[]) FROM PUBLIC;

--
-- Name: TABLE accounts; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.accounts TO ledger_app;
GRANT SELECT ON TABLE public.accounts TO ledger_auditor;

--
-- Name: TABLE actions; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT ON TABLE public.actions TO ledger_app;
GRANT SELECT ON TABLE public.actions TO ledger_auditor;

--
-- Name: TABLE api_idempotency; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.api_idempotency TO ledger_app;

--
-- Name: COLUMN api_idempotency.book; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT(book) ON TABLE public.api_idempotency TO ledger_auditor;

--
-- Name: COLUMN api_idempotency.user_name; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT(user_name) ON TABLE public.api_idempotency TO ledger_auditor;

--
-- Name: COLUMN api_idempotency.key; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT(key) ON TABLE public.api_idempotency TO ledger_auditor;

--
-- Name: COLUMN api_idempotency.method; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT(method) ON TABLE public.api_idempotency TO ledger_auditor;

--
-- Name: COLUMN api_idempotency.path; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT(path) ON TABLE public.api_idempotency TO ledger_auditor;

--
-- Name: COLUMN api_idempotency.claimed_at; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT(claimed_at) ON TABLE public.api_idempotency TO ledger_auditor;

--
-- Name: COLUMN api_idempotency.status; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT(status) ON TABLE public.api_idempotency TO ledger_auditor;

--
-- Name: COLUMN api_idempotency.completed_at; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT(completed_at) ON TABLE public.api_idempotency TO ledger_auditor;

--
-- Name: COLUMN api_idempotency.voucher_id; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT(voucher_id) ON TABLE public.api_idempotency TO ledger_auditor;

--
-- Name: COLUMN api_idempotency.step; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT(step) ON TABLE public.api_idempotency TO ledger_auditor;

--
-- Name: TABLE api_tokens; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT ON TABLE public.api_tokens TO ledger_app;

--
-- Name: COLUMN api_tokens.id; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT(id) ON TABLE public.api_tokens TO ledger_auditor;

--
-- Name: COLUMN api_tokens.book; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT(book) ON TABLE public.api_tokens TO ledger_auditor;

--
-- Name: COLUMN api_tokens.user_name; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT(user_name) ON TABLE public.api_tokens TO ledger_auditor;

--
-- Name: COLUMN api_tokens.created_at; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT(created_at) ON TABLE public.api_tokens TO ledger_auditor;

--
-- Name: COLUMN api_tokens.expires_at; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT(expires_at) ON TABLE public.api_tokens TO ledger_auditor;

--
-- Name: COLUMN api_tokens.revoked_at; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT UPDATE(revoked_at) ON TABLE public.api_tokens TO ledger_app;
GRANT SELECT(revoked_at) ON TABLE public.api_tokens TO ledger_auditor;

--
-- Name: COLUMN api_tokens.created_by; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT(created_by) ON TABLE public.api_tokens TO ledger_auditor;

--
-- Name: TABLE audit_findings; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.audit_findings TO ledger_app;
GRANT SELECT ON TABLE public.audit_findings TO ledger_auditor;

--
-- Name: COLUMN audit_findings.state; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT UPDATE(state) ON TABLE public.audit_findings TO ledger_auditor;

--
-- Name: COLUMN audit_findings.note; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT UPDATE(note) ON TABLE public.audit_findings TO ledger_auditor;

--
-- Name: COLUMN audit_findings.deadline; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT UPDATE(deadline) ON TABLE public.audit_findings TO ledger_auditor;

--
-- Name: COLUMN audit_findings.updated_by; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT UPDATE(updated_by) ON TABLE public.audit_findings TO ledger_auditor;

--
-- Name: COLUMN audit_findings.updated_at; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT UPDATE(updated_at) ON TABLE public.audit_findings TO ledger_auditor;

--
-- Name: TABLE audit_run_findings; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT ON TABLE public.audit_run_findings TO ledger_app;
GRANT SELECT ON TABLE public.audit_run_findings TO ledger_auditor;

--
-- Name: TABLE audit_runs; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT ON TABLE public.audit_runs TO ledger_app;
GRANT SELECT ON TABLE public.audit_runs TO ledger_auditor;

--
-- Name: TABLE balances; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT ON TABLE public.balances TO ledger_app;
GRANT SELECT ON TABLE public.balances TO ledger_auditor;

--
-- Name: COLUMN balances.updated_at; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT UPDATE(updated_at) ON TABLE public.balances TO ledger_app;

--
-- Name: TABLE bank_statement_lines; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT ON TABLE public.bank_statement_lines TO ledger_app;
GRANT SELECT ON TABLE public.bank_statement_lines TO ledger_auditor;

--
-- Name: TABLE bank_statements; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT ON TABLE public.bank_statements TO ledger_app;
GRANT SELECT ON TABLE public.bank_statements TO ledger_auditor;

--
-- Name: TABLE beneficiary_roster; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.beneficiary_roster TO ledger_app;
GRANT SELECT ON TABLE public.beneficiary_roster TO ledger_auditor;

--
-- Name: TABLE books; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.books TO ledger_app;
GRANT SELECT ON TABLE public.books TO ledger_auditor;

--
-- Name: TABLE finding_events; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT ON TABLE public.finding_events TO ledger_app;
GRANT SELECT,INSERT ON TABLE public.finding_events TO ledger_auditor;

--
-- Name: TABLE funds; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.funds TO ledger_app;
GRANT SELECT ON TABLE public.funds TO ledger_auditor;

--
-- Name: TABLE goose_db_version; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT ON TABLE public.goose_db_version TO ledger_auditor;
GRANT SELECT ON TABLE public.goose_db_version TO ledger_app;

--
-- Name: TABLE grant_receipts; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT ON TABLE public.grant_receipts TO ledger_app;
GRANT SELECT ON TABLE public.grant_receipts TO ledger_auditor;

--
-- Name: TABLE grants; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT ON TABLE public.grants TO ledger_app;
GRANT SELECT ON TABLE public.grants TO ledger_auditor;

--
-- Name: TABLE idempotency; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.idempotency TO ledger_app;
GRANT SELECT ON TABLE public.idempotency TO ledger_auditor;

--
-- Name: TABLE login_attempts; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.login_attempts TO ledger_app;

--
-- Name: TABLE meetings; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.meetings TO ledger_app;
GRANT SELECT ON TABLE public.meetings TO ledger_auditor;

--
-- Name: TABLE org_members; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.org_members TO ledger_app;
GRANT SELECT ON TABLE public.org_members TO ledger_auditor;

--
-- Name: TABLE organisations; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.organisations TO ledger_app;
GRANT SELECT ON TABLE public.organisations TO ledger_auditor;

--
-- Name: TABLE payee_accounts; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.payee_accounts TO ledger_app;
GRANT SELECT ON TABLE public.payee_accounts TO ledger_auditor;

--
-- Name: TABLE period_events; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT ON TABLE public.period_events TO ledger_app;
GRANT SELECT ON TABLE public.period_events TO ledger_auditor;

--
-- Name: TABLE periods; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.periods TO ledger_app;
GRANT SELECT ON TABLE public.periods TO ledger_auditor;

--
-- Name: TABLE publicity; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT ON TABLE public.publicity TO ledger_app;
GRANT SELECT ON TABLE public.publicity TO ledger_auditor;

--
-- Name: TABLE reconcile_runs; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT ON TABLE public.reconcile_runs TO ledger_app;
GRANT SELECT ON TABLE public.reconcile_runs TO ledger_auditor;

--
-- Name: TABLE rollup_readers; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT ON TABLE public.rollup_readers TO ledger_app;
GRANT SELECT ON TABLE public.rollup_readers TO ledger_auditor;

--
-- Name: TABLE saved_query_counts; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT ON TABLE public.saved_query_counts TO ledger_app;
GRANT SELECT ON TABLE public.saved_query_counts TO ledger_auditor;

--
-- Name: TABLE saved_summaries; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT,DELETE ON TABLE public.saved_summaries TO ledger_app;

--
-- Name: TABLE seal_heads; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.seal_heads TO ledger_app;
GRANT SELECT ON TABLE public.seal_heads TO ledger_auditor;

--
-- Name: TABLE seal_pending; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,DELETE ON TABLE public.seal_pending TO ledger_app;
GRANT SELECT ON TABLE public.seal_pending TO ledger_auditor;

--
-- Name: TABLE turnover; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT ON TABLE public.turnover TO ledger_app;
GRANT SELECT ON TABLE public.turnover TO ledger_auditor;

--
-- Name: TABLE users; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.users TO ledger_app;

--
-- Name: COLUMN users.book; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT(book) ON TABLE public.users TO ledger_auditor;

--
-- Name: COLUMN users.name; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT(name) ON TABLE public.users TO ledger_auditor;

--
-- Name: COLUMN users.full_name; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT(full_name) ON TABLE public.users TO ledger_auditor;

--
-- Name: COLUMN users.roles; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT(roles) ON TABLE public.users TO ledger_auditor;

--
-- Name: COLUMN users.scope; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT(scope) ON TABLE public.users TO ledger_auditor;

--
-- Name: COLUMN users.disabled; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT(disabled) ON TABLE public.users TO ledger_auditor;

--
-- Name: COLUMN users.created_at; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT(created_at) ON TABLE public.users TO ledger_auditor;

--
-- Name: TABLE verify_runs; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT ON TABLE public.verify_runs TO ledger_app;
GRANT SELECT ON TABLE public.verify_runs TO ledger_auditor;

--
-- Name: TABLE voucher_attachments; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT ON TABLE public.voucher_attachments TO ledger_app;

--
-- Name: COLUMN voucher_attachments.book; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT(book) ON TABLE public.voucher_attachments TO ledger_auditor;

--
-- Name: COLUMN voucher_attachments.voucher_id; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT(voucher_id) ON TABLE public.voucher_attachments TO ledger_auditor;

--
-- Name: COLUMN voucher_attachments.no; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT(no) ON TABLE public.voucher_attachments TO ledger_auditor;

--
-- Name: COLUMN voucher_attachments.file_name; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT(file_name) ON TABLE public.voucher_attachments TO ledger_auditor;

--
-- Name: COLUMN voucher_attachments.media_type; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT(media_type) ON TABLE public.voucher_attachments TO ledger_auditor;

--
-- Name: COLUMN voucher_attachments.size; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT(size) ON TABLE public.voucher_attachments TO ledger_auditor;

--
-- Name: COLUMN voucher_attachments.sha256; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT(sha256) ON TABLE public.voucher_attachments TO ledger_auditor;

--
-- Name: COLUMN voucher_attachments.uploaded_by; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT(uploaded_by) ON TABLE public.voucher_attachments TO ledger_auditor;

--
-- Name: COLUMN voucher_attachments.uploaded_at; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT(uploaded_at) ON TABLE public.voucher_attachments TO ledger_auditor;

--
-- Name: TABLE voucher_attachment_digests; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT ON TABLE public.voucher_attachment_digests TO ledger_app;
GRANT SELECT ON TABLE public.voucher_attachment_digests TO ledger_auditor;

--
-- Name: TABLE voucher_beneficiaries; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT ON TABLE public.voucher_beneficiaries TO ledger_app;
GRANT SELECT ON TABLE public.voucher_beneficiaries TO ledger_auditor;

--
-- Name: TABLE voucher_counters; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT ON TABLE public.voucher_counters TO ledger_app;
GRANT SELECT ON TABLE public.voucher_counters TO ledger_auditor;

--
-- Name: TABLE voucher_items; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT ON TABLE public.voucher_items TO ledger_app;
GRANT SELECT ON TABLE public.voucher_items TO ledger_auditor;

--
-- Name: TABLE voucher_lines; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT ON TABLE public.voucher_lines TO ledger_app;
GRANT SELECT ON TABLE public.voucher_lines TO ledger_auditor;

--
-- Name: TABLE voucher_seals; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT ON TABLE public.voucher_seals TO ledger_app;
GRANT SELECT ON TABLE public.voucher_seals TO ledger_auditor;

--
-- Name: TABLE voucher_value_dates; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.voucher_value_dates TO ledger_app;
GRANT SELECT ON TABLE public.voucher_value_dates TO ledger_auditor;

--
-- Name: TABLE vouchers; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.vouchers TO ledger_app;
GRANT SELECT ON TABLE public.vouchers TO ledger_auditor;

--
-- Name: SEQUENCE vouchers_id_seq; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT ON SEQUENCE public.vouchers_id_seq TO ledger_app;

--
-- Name: TABLE web_sessions; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.web_sessions TO ledger_app;

--
-- Name: TABLE year_events; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT ON TABLE public.year_events TO ledger_app;
GRANT SELECT ON TABLE public.year_events TO ledger_auditor;

--
-- Name: TABLE years; Type: ACL; Schema: public; Owner: ledger_owner
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.years TO ledger_app;
GRANT SELECT ON TABLE public.years TO ledger_auditor;

--
-- PostgreSQL database dump complete
--

