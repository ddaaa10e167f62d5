-- +goose Up
-- The seal chain's queue costs a posting less (issue #19):
--
-- * vouchers_after_post queues the voucher it posts itself, last; the
--   trigger vouchers_queue_seal, one more trigger call per posting (its
--   WHEN condition compiled and its function entered for every update of a
--   voucher's state), is gone. The posting's trigger runs as the schema's
--   owner, so the application's role no longer writes to seal_pending
--   itself: it only reads the queue and dequeues.
-- * The queue is keyed by the order the sealer takes it in, (book,
--   posted_at, voucher_id), its one index: the index on (book, voucher_id)
--   was a second entry per posting that nothing read but the sealer's
--   dequeue, which now names the rows by their key. A voucher is queued
--   once, by the posting that moves it to posted; a row queued twice for
--   one voucher is dropped by the sealer, as before, since the voucher is
--   sealed already.

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION vouchers_after_post() RETURNS trigger
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

    -- The voucher joins the seal chain's queue (the sealer, ledger/postgres/seal.go).
    INSERT INTO seal_pending (book, voucher_id, posted_at) VALUES (NEW.book, NEW.id, NEW.posted_at);
    RETURN NULL;
END $$;
-- +goose StatementEnd

DROP TRIGGER vouchers_queue_seal ON vouchers;
DROP FUNCTION vouchers_queue_seal();

ALTER TABLE seal_pending DROP CONSTRAINT seal_pending_pkey;
DROP INDEX seal_pending_order;
ALTER TABLE seal_pending ADD CONSTRAINT seal_pending_pkey PRIMARY KEY (book, posted_at, voucher_id);

-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_app') THEN
        REVOKE INSERT ON seal_pending FROM ledger_app;
    END IF;
END $$;
-- +goose StatementEnd
