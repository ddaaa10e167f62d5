-- +goose Up
-- Grants across books (SPEC §3, issue #21): an organisation of one book
-- grants money to an organisation of another (the city's allocation to a
-- county). The upper book's voucher (flow grant: Dr 5501 / Cr 100201) names
-- the receiving book, organisation and fund in `grants`, made in the same
-- transaction as the draft. Posting it makes, in the same transaction, the
-- lower book's receipt (Dr 100201 / Cr 420101, flow receive, made by
-- `system`) as a draft that the lower book's own people check and post;
-- `grant_receipts` links it back. Numbering, workflow and the seal chain
-- stay per book. Until the receipt is posted the grant is 在途 on both
-- sides. When the lower book is in another database the receipt is taken
-- from an export file (ledger grant receive), keyed by the grant, once.
--
-- Each table carries its own book in its primary key and foreign keys: a
-- grant names the lower book and a receipt names the upper one as data,
-- never by a foreign key, so either side may live in another database (a
-- book is the unit of sharding, SPEC §10).

ALTER TABLE vouchers DROP CONSTRAINT vouchers_flow_check;
ALTER TABLE vouchers ADD CONSTRAINT vouchers_flow_check
    CHECK (flow IN ('receive', 'match', 'allocate', 'spend', 'return', 'general', 'reversal', 'correction', 'import', 'donation', 'remit',
        'opening', 'opening_ytd', 'year_close', 'grant'));

CREATE TABLE grants (
    book       text NOT NULL,
    voucher_id bigint NOT NULL,
    to_book    text NOT NULL CHECK (to_book <> ''),
    to_org     text NOT NULL CHECK (to_org <> ''),
    to_fund    text NOT NULL CHECK (to_fund <> ''),
    amount_fen bigint NOT NULL CHECK (amount_fen > 0),
    made_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (book, voucher_id),
    FOREIGN KEY (book, voucher_id) REFERENCES vouchers (book, id),
    CHECK (to_book <> book)
);
CREATE INDEX grants_to ON grants (to_book);

CREATE TABLE grant_receipts (
    book         text NOT NULL,
    voucher_id   bigint NOT NULL,
    from_book    text NOT NULL CHECK (from_book <> ''),
    from_voucher bigint NOT NULL,
    amount_fen   bigint NOT NULL CHECK (amount_fen > 0),
    made_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (book, voucher_id),
    UNIQUE (book, from_book, from_voucher),
    FOREIGN KEY (book, voucher_id) REFERENCES vouchers (book, id),
    CHECK (from_book <> book)
);

-- Who of an upper book may read a lower book's figures in the roll-up
-- (上级汇总): users stay per book, so the lower book grants reading to a
-- named user of the upper one. Nobody writes across books but by grants.
CREATE TABLE rollup_readers (
    book        text NOT NULL,
    reader_book text NOT NULL,
    reader      text NOT NULL,
    granted_by  text NOT NULL,
    granted_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (book, reader_book, reader),
    FOREIGN KEY (book) REFERENCES books (book),
    CHECK (reader_book <> book)
);

CREATE TRIGGER grants_append_only BEFORE UPDATE OR DELETE ON grants
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER grant_receipts_append_only BEFORE UPDATE OR DELETE ON grant_receipts
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();

-- A grant belongs to a draft grant voucher of its book whose 5501 lines
-- carry exactly its amount; a receiving side in this database must exist:
-- an organisation and an upper-level fund of the lower book.
-- +goose StatementBegin
CREATE FUNCTION grants_before_insert() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
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
-- +goose StatementEnd
CREATE TRIGGER grants_before_insert BEFORE INSERT ON grants
    FOR EACH ROW EXECUTE FUNCTION grants_before_insert();

-- A receipt belongs to a draft receive voucher of its book for exactly the
-- grant's amount; when the upper book is in this database, the grant
-- exists, is for this book, and its voucher is posted.
-- +goose StatementBegin
CREATE FUNCTION grant_receipts_check() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
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
-- +goose StatementEnd
CREATE CONSTRAINT TRIGGER grant_receipts_link AFTER INSERT ON grant_receipts DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION grant_receipts_check();

-- Posting a grant voucher: it has its grant, and when the lower book is
-- here its receipt is made now, as a draft by `system`.
-- +goose StatementBegin
CREATE FUNCTION grants_after_post() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
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
    INSERT INTO voucher_lines (book, voucher_id, line_no, summary, account, org, fund, debit_fen, credit_fen) VALUES
        (g.to_book, rid, 1, summary, '100201', g.to_org, g.to_fund, g.amount_fen, 0),
        (g.to_book, rid, 2, summary, '420101', g.to_org, g.to_fund, 0, g.amount_fen);
    INSERT INTO grant_receipts (book, voucher_id, from_book, from_voucher, amount_fen)
        VALUES (g.to_book, rid, NEW.book, NEW.id, g.amount_fen);
    INSERT INTO actions (book, at, actor, action, voucher_id, source, detail)
        VALUES (g.to_book, now(), 'system', 'make', rid, 'grant',
                jsonb_build_object('flow', 'receive', 'from_book', NEW.book, 'from_voucher', NEW.id, 'total', (g.amount_fen / 100.0)::numeric(16, 2)::text));
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER grants_after_post AFTER UPDATE OF status ON vouchers
    FOR EACH ROW WHEN (NEW.flow = 'grant' AND NEW.status = 'posted' AND OLD.status <> 'posted')
    EXECUTE FUNCTION grants_after_post();

-- The receipt's maker: `system` makes the year-end close (00010) and a
-- draft as the receipt of a posted grant to this book (its key names the
-- grant, and a key is used once per book); everyone else is an officer or
-- admin of the book.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ledger_system_may_make(p_book text, p_key text) RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
BEGIN
    RETURN p_key LIKE 'grant:%' AND EXISTS (
        SELECT 1 FROM grants g JOIN vouchers u ON u.book = g.book AND u.id = g.voucher_id
        WHERE p_key = 'grant:' || g.book || ':' || g.voucher_id AND g.to_book = p_book AND u.status = 'posted');
END $$;
-- +goose StatementEnd

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
    IF NOT ledger_user_has(NEW.book, NEW.maker, '{officer,admin}')
       AND NOT (NEW.maker = 'system' AND (NEW.flow = 'year_close' OR ledger_system_may_make(NEW.book, NEW.idem_key))) THEN
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
        GRANT SELECT, INSERT ON grants, grant_receipts, rollup_readers TO ledger_app;
        GRANT SELECT ON grants, grant_receipts, rollup_readers TO ledger_auditor;
    END IF;
END $$;
-- +goose StatementEnd
