-- +goose Up
-- Scanned originals (原始凭证附件, issue #15, part 3): the files of a
-- voucher's supporting documents, stored with their SHA-256.
--
-- A file is attached while its voucher is a draft, by the voucher's maker or
-- an admin (an officer or admin of the book, whose scope holds every
-- organisation of the voucher's lines). Its number counts 1, 2, 3 … per
-- voucher; size and hash are those of its bytes (checked here, so a row
-- cannot claim another file's hash). Once the voucher is no longer a draft
-- its files are never changed or deleted; the application role never
-- updates or deletes them at all. A posted voucher's seal (version 2)
-- covers the hashes, and `ledger verify` hashes the bytes again.
--
-- Auditors read every column but the bytes: the metadata and hashes, and
-- the hash of the stored bytes through the view voucher_attachment_digests
-- (a view reads the table with its owner's rights), so their raw SQL can
-- check a file against its hash without reading it.

CREATE TABLE voucher_attachments (
    book        text NOT NULL,
    voucher_id  bigint NOT NULL,
    no          int NOT NULL CHECK (no BETWEEN 1 AND 100),
    file_name   text NOT NULL CHECK (file_name <> '' AND length(file_name) <= 200),
    media_type  text NOT NULL CHECK (media_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    -- at most ledger.AttachmentMaxBytesMax (64 MiB), whatever the
    -- configured attachments.max_bytes below it
    size        bigint NOT NULL CHECK (size > 0 AND size <= 67108864),
    sha256      bytea NOT NULL CHECK (length(sha256) = 32),
    data        bytea NOT NULL,
    uploaded_by text NOT NULL,
    uploaded_at timestamptz NOT NULL,
    PRIMARY KEY (book, voucher_id, no),
    FOREIGN KEY (book, voucher_id) REFERENCES vouchers (book, id),
    CONSTRAINT voucher_attachments_size CHECK (size = length(data)),
    CONSTRAINT voucher_attachments_hash CHECK (sha256 = sha256(data)),
    CONSTRAINT voucher_attachments_type CHECK (
        (media_type = 'application/pdf' AND substr(data, 1, 5) = '\x255044462d'::bytea)
        OR (media_type = 'image/jpeg' AND substr(data, 1, 3) = '\xffd8ff'::bytea)
        OR (media_type = 'image/png' AND substr(data, 1, 8) = '\x89504e470d0a1a0a'::bytea))
);
-- The stored bytes are kept out of line uncompressed: scans and photos are
-- compressed already.
ALTER TABLE voucher_attachments ALTER COLUMN data SET STORAGE EXTERNAL;

-- +goose StatementBegin
CREATE FUNCTION voucher_attachments_check() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
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
-- +goose StatementEnd
CREATE TRIGGER voucher_attachments_check BEFORE INSERT OR UPDATE OR DELETE ON voucher_attachments
    FOR EACH ROW EXECUTE FUNCTION voucher_attachments_check();
CREATE TRIGGER voucher_attachments_no_truncate BEFORE TRUNCATE ON voucher_attachments
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();

-- The metadata, the recorded hash and the hash of the stored bytes
-- (data_sha256), without the bytes.
CREATE VIEW voucher_attachment_digests AS
    SELECT book, voucher_id, no, file_name, media_type, size, sha256, sha256(data) AS data_sha256, uploaded_by, uploaded_at
    FROM voucher_attachments;

-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_app') THEN
        GRANT SELECT, INSERT ON voucher_attachments TO ledger_app;
        GRANT SELECT ON voucher_attachment_digests TO ledger_app, ledger_auditor;
        GRANT SELECT (book, voucher_id, no, file_name, media_type, size, sha256, uploaded_by, uploaded_at)
            ON voucher_attachments TO ledger_auditor;
    END IF;
END $$;
-- +goose StatementEnd
