-- +goose Up
-- Editing a draft (issue #15, part 1). Until it is checked, a draft's
-- header, lines, beneficiaries (and whatever else is written with it) may
-- be replaced by its maker or an admin: the number, the month and the 凭证字
-- stay. Each edit names the version it changes and makes the next one, so
-- two editors never overwrite each other silently; the action log keeps
-- every version's content (an 'edit' action per version, required at
-- commit). A checked, signed, posted or void voucher stays immutable, as
-- before.
--
-- The edit path, in one transaction:
--   1. UPDATE vouchers SET version = version + 1, edited_by, edited_at and
--      the header WHERE version = the one read (vouchers_before_edit checks
--      it: a draft, one version up, the same month and 凭证字, the maker or
--      an admin, an open month);
--   2. SELECT ledger_clear_draft(book, id): deletes the draft's children
--      (the application role may not delete rows itself);
--   3. INSERT the lines and children again, as a new draft's (their own
--      triggers check them as for a new draft);
--   4. INSERT the 'edit' action with the version in its detail.
-- vouchers_edit_complete checks at commit that the edited draft has lines
-- and that its version is in the action log.

ALTER TABLE vouchers
    ADD COLUMN version    int NOT NULL DEFAULT 1 CHECK (version >= 1),
    ADD COLUMN edited_by  text,
    ADD COLUMN edited_at  timestamptz;

-- The workflow trigger leaves edits (a version step) to the edit trigger;
-- every other change of a voucher still goes through it.
DROP TRIGGER vouchers_before_update ON vouchers;
CREATE TRIGGER vouchers_before_update BEFORE UPDATE ON vouchers
    FOR EACH ROW WHEN ((OLD.number > 0 OR NEW.number = OLD.number) AND NEW.version = OLD.version)
    EXECUTE FUNCTION vouchers_before_update();

-- An edit: a draft moves one version up, its header may change but not its
-- month, its 凭证字, its number, its flow, what it refers to or who made it,
-- and nothing of the workflow; the editor is its maker or an admin. Its
-- total follows from the lines written again (the line trigger's own
-- update, through vouchers_before_update). edited_by and edited_at change
-- only with the version.
-- +goose StatementBegin
CREATE FUNCTION vouchers_before_edit() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
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
-- +goose StatementEnd
CREATE TRIGGER vouchers_before_edit BEFORE UPDATE ON vouchers
    FOR EACH ROW WHEN (NEW.version IS DISTINCT FROM OLD.version OR NEW.edited_by IS DISTINCT FROM OLD.edited_by
        OR NEW.edited_at IS DISTINCT FROM OLD.edited_at)
    EXECUTE FUNCTION vouchers_before_edit();

-- At commit, an edited draft has its lines again and its version is in the
-- action log (its before and after content are there, for the history).
-- +goose StatementBegin
CREATE FUNCTION vouchers_edit_complete() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM voucher_lines l WHERE l.book = NEW.book AND l.voucher_id = NEW.id) THEN
        RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'lines',
            MESSAGE = format('the edit of voucher %s left it without lines', NEW.id);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM actions a WHERE a.book = NEW.book AND a.voucher_id = NEW.id AND a.action = 'edit'
                   AND a.detail->>'version' = NEW.version::text) THEN
        RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'version',
            MESSAGE = format('version %s of voucher %s is not in the action log', NEW.version, NEW.id);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE CONSTRAINT TRIGGER vouchers_edit_complete AFTER UPDATE ON vouchers DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.version IS DISTINCT FROM OLD.version) EXECUTE FUNCTION vouchers_edit_complete();

-- The children of a voucher (its lines, beneficiaries and any table
-- written with it) are deleted only to be written again by an edit: while
-- the voucher is a draft and in the transaction that moved it a version up
-- (its row's xmin is this transaction; the edit path uses no
-- subtransactions). A child table opts in with a BEFORE DELETE trigger
-- executing this function; ledger_clear_draft deletes from every such
-- table. Updates stay refused (ledger_append_only).
-- +goose StatementBegin
CREATE FUNCTION ledger_draft_child_delete() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
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
-- +goose StatementEnd

DROP TRIGGER voucher_lines_append_only ON voucher_lines;
CREATE TRIGGER voucher_lines_append_only BEFORE UPDATE ON voucher_lines
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER voucher_lines_draft_child_delete BEFORE DELETE ON voucher_lines
    FOR EACH ROW EXECUTE FUNCTION ledger_draft_child_delete();
DROP TRIGGER voucher_beneficiaries_append_only ON voucher_beneficiaries;
CREATE TRIGGER voucher_beneficiaries_append_only BEFORE UPDATE ON voucher_beneficiaries
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER voucher_beneficiaries_draft_child_delete BEFORE DELETE ON voucher_beneficiaries
    FOR EACH ROW EXECUTE FUNCTION ledger_draft_child_delete();

-- ledger_clear_draft deletes the children of draft p_id, which this
-- transaction has moved a version up, from every table whose BEFORE DELETE
-- trigger is ledger_draft_child_delete: the lines last, since other
-- children may refer to them. It runs as the owner: the application role
-- deletes nothing itself.
-- +goose StatementBegin
CREATE FUNCTION ledger_clear_draft(p_book text, p_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
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
END $$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION ledger_clear_draft(text, bigint) FROM PUBLIC;

-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_app') THEN
        GRANT EXECUTE ON FUNCTION ledger_clear_draft(text, bigint) TO ledger_app;
    END IF;
END $$;
-- +goose StatementEnd
