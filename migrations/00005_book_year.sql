-- +goose Up
-- The book's year: who closes a month and with what bank statement, the
-- opening balances (期初) and the year-end close (结转, 年结).

-- A month is closed by the scheduled batch (system) or by an admin of the
-- book, and a month whose bank account moved is closed with its bank
-- statement reconciled — or, without one, with a written reason that the
-- reconciliation workbook and the audit workbook's cover show.
ALTER TABLE periods ADD COLUMN no_statement_reason text
    CHECK (no_statement_reason IS NULL OR (btrim(no_statement_reason) <> '' AND length(no_statement_reason) <= 1000));

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION periods_before_update() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
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
