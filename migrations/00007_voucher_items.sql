-- +goose Up
-- Item lines (物品明细) of spending lines (issue #15, part 2): 品名, 规格, 单位,
-- 数量, 单价, 金额 of what was bought (物资采购) or given (慰问品, relief
-- supplies). Go checks the same before the write (ledger.CheckItems):
--
--   * per item (check constraints): a name, texts within their limits, a
--     quantity and a unit price greater than 0 with at most 4 decimals, an
--     amount in fen greater than 0 and within the ledger's maximum, and
--     数量 × 单价 rounded half up to the fen (round(numeric, 2) rounds half
--     away from zero: half up for positive numbers) equal to the amount;
--   * per statement (voucher_items_after_insert): the voucher is a draft,
--     the line is the debit side of a spending line (an account bound to a
--     purpose, debit > 0, hence never a red reversal's);
--   * at commit (voucher_items_sum, deferred): the items of a line add up to
--     the line's debit, whatever order the statements came in.
--
-- Like lines and beneficiaries, items are written while the voucher is a
-- draft and never changed: no UPDATE ever, and a DELETE only of a draft's
-- (the privilege to delete is not granted; editing a draft re-inserts a
-- voucher's children).

CREATE TABLE voucher_items (
    book       text NOT NULL,
    voucher_id bigint NOT NULL,
    line_no    int NOT NULL,
    seq        int NOT NULL CHECK (seq > 0),
    name       text NOT NULL CONSTRAINT voucher_items_name_valid CHECK (name <> '' AND length(name) <= 100),
    spec       text NOT NULL DEFAULT '' CONSTRAINT voucher_items_spec_valid CHECK (length(spec) <= 100),
    unit       text NOT NULL DEFAULT '' CONSTRAINT voucher_items_unit_valid CHECK (length(unit) <= 20),
    quantity   numeric NOT NULL
               CONSTRAINT voucher_items_quantity_valid CHECK (quantity > 0 AND quantity <= 999999999.9999 AND quantity = round(quantity, 4)),
    unit_price numeric NOT NULL
               CONSTRAINT voucher_items_unit_price_valid CHECK (unit_price > 0 AND unit_price <= 999999999999.9999 AND unit_price = round(unit_price, 4)),
    amount_fen bigint NOT NULL CONSTRAINT voucher_items_amount_valid CHECK (amount_fen > 0 AND amount_fen <= 99999999999999),
    amount     numeric(16, 2) GENERATED ALWAYS AS (amount_fen / 100.0) STORED,
    PRIMARY KEY (book, voucher_id, line_no, seq),
    FOREIGN KEY (book, voucher_id, line_no) REFERENCES voucher_lines (book, voucher_id, line_no),
    CONSTRAINT voucher_items_amount_is_product CHECK (round(quantity * unit_price, 2) * 100 = amount_fen)
);

-- +goose StatementBegin
CREATE FUNCTION voucher_items_after_insert() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
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
-- +goose StatementEnd
CREATE TRIGGER voucher_items_after_insert AFTER INSERT ON voucher_items
    REFERENCING NEW TABLE AS new_items
    FOR EACH STATEMENT EXECUTE FUNCTION voucher_items_after_insert();

-- Σ items = the line's debit, at commit: once per line (the row of its
-- highest seq still there does the sum; the others return at once).
-- +goose StatementBegin
CREATE FUNCTION voucher_items_sum() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
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
-- +goose StatementEnd
CREATE CONSTRAINT TRIGGER voucher_items_sum AFTER INSERT ON voucher_items
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION voucher_items_sum();

-- +goose StatementBegin
CREATE FUNCTION voucher_items_immutable() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
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
-- +goose StatementEnd
CREATE TRIGGER voucher_items_immutable BEFORE UPDATE OR DELETE ON voucher_items
    FOR EACH ROW EXECUTE FUNCTION voucher_items_immutable();

-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_app') THEN
        GRANT SELECT, INSERT ON voucher_items TO ledger_app;
        GRANT SELECT ON voucher_items TO ledger_auditor;
    END IF;
END $$;
-- +goose StatementEnd
