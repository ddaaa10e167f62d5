-- +goose Up
-- The posting's checks and balance writes fire for the voucher posted, not
-- for every update of a voucher (issue #19).
--
-- vouchers_after_post was a statement trigger with transition tables
-- (00001), because a transition table allows no column list or WHEN: every
-- UPDATE of vouchers — the line totals, the number at commit, the check,
-- the post — captured its old and new rows and ran the trigger, which found
-- nothing posted in three of the four. It is now a row trigger that fires
-- only when a voucher becomes posted, and reads the voucher's own row.
--
-- What it checks and writes is unchanged: the period is open (held against
-- a concurrent close), allocations and spending fall within the
-- organisation's dates, the balance rows are locked in key order and
-- updated (balances_restricted_nonnegative refuses an overdraft), then the
-- posted lines and the day's turnover. An UPDATE that posts several
-- vouchers at once now applies them one by one, in the order the rows are
-- updated, each against the balances the ones before it left.
DROP TRIGGER vouchers_after_post ON vouchers;
DROP FUNCTION vouchers_after_post();

-- +goose StatementBegin
CREATE FUNCTION vouchers_after_post() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE
    st text;
    r record;
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
        GROUP BY l.account, l.org, l.fund)
    UPDATE balances b SET balance_fen = b.balance_fen + d.delta, updated_at = now()
        FROM d WHERE b.book = NEW.book AND b.account = d.account AND b.org = d.org AND b.fund = d.fund;

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

    -- The posted lines and the day's turnover, after the balance rows
    -- (00021): their rows of a key are written only by a transaction
    -- holding that key's balance row, so they add no lock order of their own.
    PERFORM ledger_post_turnover(NEW.book, ARRAY[NEW.id]);
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER vouchers_after_post AFTER UPDATE ON vouchers
    FOR EACH ROW WHEN (NEW.status = 'posted' AND OLD.status <> 'posted')
    EXECUTE FUNCTION vouchers_after_post();
