-- Posting locks the balance rows it moves last: after the period and
-- organisation checks, in key order, just before it moves them. The
-- application no longer locks them before it updates the voucher, so the
-- voucher's own checks, its sealing-queue entry and the action log are
-- written before any balance row is held.

-- +goose Up
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION vouchers_after_post() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    r record;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM new_v n JOIN old_v o ON o.book = n.book AND o.id = n.id
                   WHERE n.status = 'posted' AND o.status <> 'posted') THEN
        RETURN NULL;
    END IF;

    -- Lock the periods in key order against a concurrent close.
    PERFORM 1 FROM periods p
        WHERE (p.book, p.year, p.month) IN (
            SELECT n.book, n.year, n.month FROM new_v n JOIN old_v o ON o.book = n.book AND o.id = n.id
            WHERE n.status = 'posted' AND o.status <> 'posted')
        ORDER BY p.book, p.year, p.month FOR SHARE;
    SELECT p.year, p.month INTO r FROM periods p
        WHERE (p.book, p.year, p.month) IN (
            SELECT n.book, n.year, n.month FROM new_v n JOIN old_v o ON o.book = n.book AND o.id = n.id
            WHERE n.status = 'posted' AND o.status <> 'posted')
          AND p.status = 'closed' LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LE004', MESSAGE = format('date: period %s-%s is closed', r.year, lpad(r.month::text, 2, '0'));
    END IF;

    -- Allocations to (debits of a branch's pending-settlement balance) and
    -- spending by (debits of a purpose expense) an organisation must fall
    -- within its set-up and dissolution dates.
    SELECT l.voucher_id, l.line_no, l.org, o.set_up, o.dissolved, n.date INTO r
        FROM new_v n
        JOIN old_v ov ON ov.book = n.book AND ov.id = n.id
        JOIN voucher_lines l ON l.book = n.book AND l.voucher_id = n.id
        JOIN accounts a ON a.book = l.book AND a.code = l.account
        JOIN organisations o ON o.book = l.book AND o.code = l.org
        WHERE n.status = 'posted' AND ov.status <> 'posted' AND n.reversal_of IS NULL
          AND l.debit_fen > 0
          AND (a.purpose IS NOT NULL OR a.type = 'asset' AND a.restricted AND NOT a.cash)
          AND (n.date < o.set_up OR n.date > o.dissolved)
        LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LE005', MESSAGE = format('lines[%s].org: %s is not active on %s (set up %s, dissolved %s)', r.line_no, r.org, r.date, coalesce(r.set_up::text, '-'), coalesce(r.dissolved::text, '-'));
    END IF;

    -- Lock the balance rows only now, after the checks, and in key order
    -- (book, account, org, fund), so that concurrent postings of one
    -- branch hold its rows for as short a time as possible and never
    -- deadlock.
    PERFORM 1 FROM balances b
        WHERE (b.book, b.account, b.org, b.fund) IN (
            SELECT l.book, l.account, l.org, l.fund
            FROM new_v n
            JOIN old_v ov ON ov.book = n.book AND ov.id = n.id
            JOIN voucher_lines l ON l.book = n.book AND l.voucher_id = n.id
            WHERE n.status = 'posted' AND ov.status <> 'posted')
        ORDER BY b.book, b.account, b.org, b.fund FOR UPDATE;

    -- Existing balances first (an INSERT … ON CONFLICT would check the
    -- restricted-balance constraint on the delta row before finding the
    -- conflict), then the keys seen for the first time.
    WITH d AS (
        SELECT l.book, l.account, l.org, l.fund, sum(l.debit_fen - l.credit_fen) AS delta
        FROM new_v n
        JOIN old_v ov ON ov.book = n.book AND ov.id = n.id
        JOIN voucher_lines l ON l.book = n.book AND l.voucher_id = n.id
        WHERE n.status = 'posted' AND ov.status <> 'posted'
        GROUP BY l.book, l.account, l.org, l.fund)
    UPDATE balances b SET balance_fen = b.balance_fen + d.delta, updated_at = now()
        FROM d WHERE b.book = d.book AND b.account = d.account AND b.org = d.org AND b.fund = d.fund;

    INSERT INTO balances AS b (book, account, org, fund, restricted, balance_fen, updated_at)
        SELECT l.book, l.account, l.org, l.fund, a.restricted, sum(l.debit_fen - l.credit_fen), now()
        FROM new_v n
        JOIN old_v ov ON ov.book = n.book AND ov.id = n.id
        JOIN voucher_lines l ON l.book = n.book AND l.voucher_id = n.id
        JOIN accounts a ON a.book = l.book AND a.code = l.account
        WHERE n.status = 'posted' AND ov.status <> 'posted'
          AND NOT EXISTS (SELECT 1 FROM balances x WHERE x.book = l.book AND x.account = l.account AND x.org = l.org AND x.fund = l.fund)
        GROUP BY l.book, l.account, l.org, l.fund, a.restricted
        ORDER BY l.book, l.account, l.org, l.fund
        ON CONFLICT (book, account, org, fund) DO UPDATE
            SET balance_fen = b.balance_fen + excluded.balance_fen, updated_at = excluded.updated_at;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION vouchers_after_post() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    r record;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM new_v n JOIN old_v o ON o.book = n.book AND o.id = n.id
                   WHERE n.status = 'posted' AND o.status <> 'posted') THEN
        RETURN NULL;
    END IF;

    -- Lock the periods in key order against a concurrent close.
    PERFORM 1 FROM periods p
        WHERE (p.book, p.year, p.month) IN (
            SELECT n.book, n.year, n.month FROM new_v n JOIN old_v o ON o.book = n.book AND o.id = n.id
            WHERE n.status = 'posted' AND o.status <> 'posted')
        ORDER BY p.book, p.year, p.month FOR SHARE;
    SELECT p.year, p.month INTO r FROM periods p
        WHERE (p.book, p.year, p.month) IN (
            SELECT n.book, n.year, n.month FROM new_v n JOIN old_v o ON o.book = n.book AND o.id = n.id
            WHERE n.status = 'posted' AND o.status <> 'posted')
          AND p.status = 'closed' LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LE004', MESSAGE = format('date: period %s-%s is closed', r.year, lpad(r.month::text, 2, '0'));
    END IF;

    -- Allocations to (debits of a branch's pending-settlement balance) and
    -- spending by (debits of a purpose expense) an organisation must fall
    -- within its set-up and dissolution dates.
    SELECT l.voucher_id, l.line_no, l.org, o.set_up, o.dissolved, n.date INTO r
        FROM new_v n
        JOIN old_v ov ON ov.book = n.book AND ov.id = n.id
        JOIN voucher_lines l ON l.book = n.book AND l.voucher_id = n.id
        JOIN accounts a ON a.book = l.book AND a.code = l.account
        JOIN organisations o ON o.book = l.book AND o.code = l.org
        WHERE n.status = 'posted' AND ov.status <> 'posted' AND n.reversal_of IS NULL
          AND l.debit_fen > 0
          AND (a.purpose IS NOT NULL OR a.type = 'asset' AND a.restricted AND NOT a.cash)
          AND (n.date < o.set_up OR n.date > o.dissolved)
        LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LE005', MESSAGE = format('lines[%s].org: %s is not active on %s (set up %s, dissolved %s)', r.line_no, r.org, r.date, coalesce(r.set_up::text, '-'), coalesce(r.dissolved::text, '-'));
    END IF;

    -- Existing balances first (an INSERT … ON CONFLICT would check the
    -- restricted-balance constraint on the delta row before finding the
    -- conflict), then the keys seen for the first time.
    WITH d AS (
        SELECT l.book, l.account, l.org, l.fund, sum(l.debit_fen - l.credit_fen) AS delta
        FROM new_v n
        JOIN old_v ov ON ov.book = n.book AND ov.id = n.id
        JOIN voucher_lines l ON l.book = n.book AND l.voucher_id = n.id
        WHERE n.status = 'posted' AND ov.status <> 'posted'
        GROUP BY l.book, l.account, l.org, l.fund)
    UPDATE balances b SET balance_fen = b.balance_fen + d.delta, updated_at = now()
        FROM d WHERE b.book = d.book AND b.account = d.account AND b.org = d.org AND b.fund = d.fund;

    INSERT INTO balances AS b (book, account, org, fund, restricted, balance_fen, updated_at)
        SELECT l.book, l.account, l.org, l.fund, a.restricted, sum(l.debit_fen - l.credit_fen), now()
        FROM new_v n
        JOIN old_v ov ON ov.book = n.book AND ov.id = n.id
        JOIN voucher_lines l ON l.book = n.book AND l.voucher_id = n.id
        JOIN accounts a ON a.book = l.book AND a.code = l.account
        WHERE n.status = 'posted' AND ov.status <> 'posted'
          AND NOT EXISTS (SELECT 1 FROM balances x WHERE x.book = l.book AND x.account = l.account AND x.org = l.org AND x.fund = l.fund)
        GROUP BY l.book, l.account, l.org, l.fund, a.restricted
        ORDER BY l.book, l.account, l.org, l.fund
        ON CONFLICT (book, account, org, fund) DO UPDATE
            SET balance_fen = b.balance_fen + excluded.balance_fen, updated_at = excluded.updated_at;
    RETURN NULL;
END $$;
-- +goose StatementEnd
