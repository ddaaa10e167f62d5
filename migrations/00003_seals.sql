-- +goose Up
-- Tamper evidence (SPEC §8): posted vouchers form a hash chain per book.
--
-- voucher_seals  one row per sealed voucher: its position seq in the book's
--                chain (1, 2, 3 … without gaps), its seal = SHA-256 over
--                ledger.SealEncode(voucher, seq, prev) and the previous
--                seal prev (empty for seq 1). Append-only.
-- seal_heads     one row per book: the last position sealed and its seal.
--                The sealer locks this row, so one sealer per book runs at a
--                time; it only moves forward, to a seal that exists.
-- seal_pending   the sealer's work queue: a row per posted voucher not yet
--                sealed, written by a trigger in the posting transaction
--                (one insert, no shared row: posting never waits on the
--                sealer) and deleted in the transaction that seals it.
--
-- Positions are assigned by the single sealer in the order in which it sees
-- posted vouchers committed, never by a sequence (sequence values are
-- neither gapless nor in commit order). The triggers below make the
-- database refuse a seal that does not continue the chain, a seal for a
-- voucher that is not posted and any change to a seal; whether a seal is
-- the right hash of its voucher is checked by `ledger verify`.

CREATE TABLE voucher_seals (
    book       text NOT NULL,
    seq        bigint NOT NULL CHECK (seq > 0),
    voucher_id bigint NOT NULL,
    version    int NOT NULL DEFAULT 1 CHECK (version > 0),
    seal       bytea NOT NULL CHECK (length(seal) = 32),
    prev       bytea NOT NULL CHECK ((seq = 1 AND length(prev) = 0) OR (seq > 1 AND length(prev) = 32)),
    sealed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (book, seq),
    UNIQUE (book, voucher_id),
    FOREIGN KEY (book, voucher_id) REFERENCES vouchers (book, id)
);

CREATE TABLE seal_heads (
    book       text PRIMARY KEY REFERENCES books,
    seq        bigint NOT NULL DEFAULT 0 CHECK (seq >= 0),
    seal       bytea NOT NULL DEFAULT '' CHECK ((seq = 0 AND length(seal) = 0) OR (seq > 0 AND length(seal) = 32)),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE seal_pending (
    book       text NOT NULL,
    voucher_id bigint NOT NULL,
    posted_at  timestamptz NOT NULL,
    queued_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (book, voucher_id),
    FOREIGN KEY (book, voucher_id) REFERENCES vouchers (book, id)
);
CREATE INDEX seal_pending_order ON seal_pending (book, posted_at, voucher_id);

-- Vouchers posted before this migration wait for their seals like any other.
INSERT INTO seal_pending (book, voucher_id, posted_at)
    SELECT book, id, posted_at FROM vouchers WHERE status = 'posted' ORDER BY book, posted_at, id;

CREATE TRIGGER voucher_seals_append_only BEFORE UPDATE OR DELETE ON voucher_seals
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER voucher_seals_no_truncate BEFORE TRUNCATE ON voucher_seals
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER seal_heads_no_delete BEFORE DELETE ON seal_heads
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();

-- Posting queues the voucher for the sealer. A row trigger with a WHEN
-- clause costs nothing on the other workflow steps.
-- +goose StatementBegin
CREATE FUNCTION vouchers_queue_seal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO seal_pending (book, voucher_id, posted_at) VALUES (NEW.book, NEW.id, NEW.posted_at);
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER vouchers_queue_seal AFTER UPDATE OF status ON vouchers
    FOR EACH ROW WHEN (NEW.status = 'posted' AND OLD.status IS DISTINCT FROM 'posted')
    EXECUTE FUNCTION vouchers_queue_seal();

-- Every inserted seal continues its book's chain: seq 1 has no previous
-- seal, seq n > 1 links to the stored seal of n - 1 (so positions have no
-- gaps), and the voucher is posted. Checked once per statement, after all
-- its rows, so a batch may be inserted in any row order.
-- +goose StatementBegin
CREATE FUNCTION voucher_seals_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    SELECT n.seq INTO r FROM new_seals n
        LEFT JOIN voucher_seals p ON p.book = n.book AND p.seq = n.seq - 1
        WHERE n.seq > 1 AND (p.seal IS NULL OR p.seal <> n.prev)
        LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LE010', MESSAGE = format('seq: seal %s does not continue the chain (no seal %s to link to, or a different one)', r.seq, r.seq - 1);
    END IF;
    SELECT n.seq, n.voucher_id, coalesce(v.status, 'missing') AS status INTO r FROM new_seals n
        LEFT JOIN vouchers v ON v.book = n.book AND v.id = n.voucher_id
        WHERE v.status IS DISTINCT FROM 'posted'
        LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LE007', MESSAGE = format('status: voucher %s is %s; only posted vouchers are sealed', r.voucher_id, r.status);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER voucher_seals_after_insert AFTER INSERT ON voucher_seals
    REFERENCING NEW TABLE AS new_seals
    FOR EACH STATEMENT EXECUTE FUNCTION voucher_seals_after_insert();

-- The head starts empty and only moves forward, to a seal that is stored at
-- its position.
-- +goose StatementBegin
CREATE FUNCTION seal_heads_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' AND NEW.seq <> 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'LE010', MESSAGE = 'seq: a chain head starts at 0';
    END IF;
    IF TG_OP = 'UPDATE' THEN
        IF NEW.book <> OLD.book OR NEW.seq < OLD.seq THEN
            RAISE EXCEPTION USING ERRCODE = 'LE008', MESSAGE = format('seq: the chain head of book %s only moves forward (%s to %s refused)', OLD.book, OLD.seq, NEW.seq);
        END IF;
        IF NEW.seq > 0 AND NOT EXISTS (SELECT 1 FROM voucher_seals s WHERE s.book = NEW.book AND s.seq = NEW.seq AND s.seal = NEW.seal) THEN
            RAISE EXCEPTION USING ERRCODE = 'LE010', MESSAGE = format('seal: the chain head of book %s must be the stored seal at seq %s', NEW.book, NEW.seq);
        END IF;
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER seal_heads_check BEFORE INSERT OR UPDATE ON seal_heads
    FOR EACH ROW EXECUTE FUNCTION seal_heads_check();

-- Beneficiaries are part of what a seal covers: like lines, they are
-- written while the voucher is a draft and never after.
-- +goose StatementBegin
CREATE FUNCTION voucher_beneficiaries_draft_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    SELECT v.id, v.status INTO r FROM (SELECT DISTINCT book, voucher_id FROM new_rows) n
        JOIN vouchers v ON v.book = n.book AND v.id = n.voucher_id
        WHERE v.status <> 'draft' LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LE008', MESSAGE = format('beneficiaries: voucher %s is %s; its beneficiaries cannot change', r.id, r.status);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER voucher_beneficiaries_draft_only AFTER INSERT ON voucher_beneficiaries
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION voucher_beneficiaries_draft_only();

-- The application seals and reads seals but never changes or deletes one;
-- auditors read. (Roles: see 00002_roles.sql.)
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_app') THEN
        GRANT SELECT, INSERT ON voucher_seals TO ledger_app;
        GRANT SELECT, INSERT, UPDATE ON seal_heads TO ledger_app;
        GRANT SELECT, INSERT, DELETE ON seal_pending TO ledger_app;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_auditor') THEN
        GRANT SELECT ON voucher_seals, seal_heads, seal_pending TO ledger_auditor;
    END IF;
END $$;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER IF EXISTS voucher_beneficiaries_draft_only ON voucher_beneficiaries;
DROP TRIGGER IF EXISTS vouchers_queue_seal ON vouchers;
DROP TABLE IF EXISTS seal_pending, seal_heads, voucher_seals;
DROP FUNCTION IF EXISTS vouchers_queue_seal, voucher_seals_after_insert, seal_heads_check, voucher_beneficiaries_draft_only;
