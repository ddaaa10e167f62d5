-- +goose Up
-- Opening balances (期初) and the year-end close (结转, 年结).
--
-- A book that starts mid-year, or moves from another system, is opened by
-- an admin of the whole book with two special vouchers dated the first day
-- of its first month: flow 'opening' holds the balances at the start of
-- the year (年初余额), flow 'opening_ytd' the year's movements before that
-- month (本年累计 借方/贷方), so that both together give the balances the
-- month opens with. They are posted through the normal workflow, so they
-- are sealed into the chain and move the stored balances; the balance of
-- each fund and no restricted balance below zero are the posting's rules.
-- Once a month of the book is closed they can no longer be made or
-- reversed.
--
-- The year-end close: vouchers of flow 'year_close' dated 31 December,
-- made by the batch identity (system) or an admin of the whole book once
-- January to November are closed, move every income and expense balance
-- of the year into 党费结余 (300101/300102); they are checked and posted by
-- people. Closing December then closes the year — only when every income
-- and expense balance up to 31 December is zero — and no voucher is made in
-- a closed year. A closed year is re-opened by an admin of the whole book
-- with a written reason (year_events), before its December can be.

ALTER TABLE vouchers DROP CONSTRAINT vouchers_flow_check;
ALTER TABLE vouchers ADD CONSTRAINT vouchers_flow_check CHECK (flow IN ('receive', 'match', 'allocate', 'spend', 'return',
    'general', 'reversal', 'correction', 'import', 'donation', 'remit', 'opening', 'opening_ytd', 'year_close'));

CREATE TABLE years (
    book       text NOT NULL REFERENCES books(book),
    year       integer NOT NULL CHECK (year BETWEEN 1900 AND 9999),
    status     text NOT NULL CHECK (status IN ('open', 'closed')),
    closed_at  timestamptz,
    closed_by  text,
    PRIMARY KEY (book, year),
    CHECK ((status = 'closed') = (closed_at IS NOT NULL AND closed_by IS NOT NULL))
);

CREATE TABLE year_events (
    book   text NOT NULL REFERENCES books(book),
    id     bigint GENERATED ALWAYS AS IDENTITY,
    year   integer NOT NULL,
    action text NOT NULL CHECK (action IN ('close', 'reopen')),
    actor  text NOT NULL,
    at     timestamptz NOT NULL,
    reason text NOT NULL DEFAULT '' CHECK (length(reason) <= 1000),
    PRIMARY KEY (book, id),
    CHECK (action <> 'reopen' OR btrim(reason) <> '')
);
CREATE TRIGGER year_events_append_only BEFORE UPDATE OR DELETE ON year_events
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER years_no_delete BEFORE DELETE ON years
    FOR EACH ROW EXECUTE FUNCTION ledger_no_delete();

-- +goose StatementBegin
CREATE FUNCTION year_events_before_insert() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF NEW.action = 'reopen' AND NOT ledger_is_book_admin(NEW.book, NEW.actor) THEN
        RAISE EXCEPTION USING ERRCODE = 'LE011', COLUMN = 'user',
            MESSAGE = format('%s is not an admin of the whole book %s: only one re-opens a closed year', NEW.actor, NEW.book);
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER year_events_before_insert BEFORE INSERT ON year_events
    FOR EACH ROW EXECUTE FUNCTION year_events_before_insert();

-- A year closes with its December and re-opens only with a re-open event
-- by an admin of the whole book in the same transaction, when no later
-- year is closed.
-- +goose StatementBegin
CREATE FUNCTION years_before_write() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
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
-- +goose StatementEnd
CREATE TRIGGER years_before_write BEFORE INSERT OR UPDATE ON years
    FOR EACH ROW EXECUTE FUNCTION years_before_write();

-- Closing December needs every income and expense balance up to 31
-- December at zero (the year-end close posted) and closes the year;
-- December of a closed year re-opens only after the year.
-- +goose StatementBegin
CREATE FUNCTION periods_year_end() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
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
-- +goose StatementEnd
CREATE TRIGGER periods_year_end BEFORE UPDATE ON periods
    FOR EACH ROW EXECUTE FUNCTION periods_year_end();

-- +goose StatementBegin
CREATE FUNCTION periods_close_year() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF NEW.month = 12 AND OLD.status = 'open' AND NEW.status = 'closed' THEN
        INSERT INTO years (book, year, status, closed_at, closed_by) VALUES (NEW.book, NEW.year, 'closed', NEW.closed_at, NEW.closed_by)
            ON CONFLICT (book, year) DO UPDATE SET status = 'closed', closed_at = excluded.closed_at, closed_by = excluded.closed_by;
        INSERT INTO year_events (book, year, action, actor, at) VALUES (NEW.book, NEW.year, 'close', NEW.closed_by, NEW.closed_at);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER periods_close_year AFTER UPDATE ON periods
    FOR EACH ROW EXECUTE FUNCTION periods_close_year();

-- The rules of the special vouchers, and no voucher in a closed year.
-- +goose StatementBegin
CREATE FUNCTION vouchers_year_rules() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
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
-- +goose StatementEnd
CREATE TRIGGER vouchers_year_rules BEFORE INSERT ON vouchers
    FOR EACH ROW EXECUTE FUNCTION vouchers_year_rules();

-- The batch identity (system) makes the year-end close; every other
-- voucher is made by an officer or an admin.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION vouchers_before_insert() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    st text;
BEGIN
    NEW.year := extract(year FROM NEW.date);
    NEW.month := extract(month FROM NEW.date);
    IF NOT NEW.type = ANY (SELECT unnest(voucher_types) FROM books WHERE book = NEW.book) THEN
        RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'type', MESSAGE = format('voucher type %s is not configured for book %s', NEW.type, NEW.book);
    END IF;
    INSERT INTO periods (book, year, month) VALUES (NEW.book, NEW.year, NEW.month) ON CONFLICT DO NOTHING;
    SELECT status INTO st FROM periods WHERE book = NEW.book AND year = NEW.year AND month = NEW.month FOR SHARE;
    IF st = 'closed' THEN
        RAISE EXCEPTION USING ERRCODE = 'LE004', COLUMN = 'date', MESSAGE = format('period %s-%s of book %s is closed', NEW.year, lpad(NEW.month::text, 2, '0'), NEW.book);
    END IF;
    IF NEW.status <> 'draft' THEN
        RAISE EXCEPTION USING ERRCODE = 'LE007', COLUMN = 'status', MESSAGE = 'a voucher is made as a draft';
    END IF;
    IF NOT (NEW.maker = 'system' AND NEW.flow = 'year_close') AND NOT ledger_user_has(NEW.book, NEW.maker, '{officer,admin}') THEN
        RAISE EXCEPTION USING ERRCODE = 'LE011', COLUMN = 'maker', MESSAGE = format('%s is not an officer or admin of book %s', NEW.maker, NEW.book);
    END IF;
    IF NEW.reversal_of IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM vouchers o WHERE o.book = NEW.book AND o.id = NEW.reversal_of AND o.status = 'posted') THEN
        RAISE EXCEPTION USING ERRCODE = 'LE007', COLUMN = 'reversal_of', MESSAGE = format('voucher %s is not posted; only a posted voucher is reversed', NEW.reversal_of);
    END IF;
    NEW.number := -NEW.id;
    RETURN NEW;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_app') THEN
        GRANT SELECT ON years, year_events TO ledger_app, ledger_auditor;
        GRANT INSERT, UPDATE ON years TO ledger_app;
        GRANT INSERT ON year_events TO ledger_app;
    END IF;
END $$;
-- +goose StatementEnd
