-- +goose Up
-- The schema of the special Party-fee ledger, in one file: tables, the
-- triggers and functions that enforce the rules, the roles' privileges.
-- schema.sql beside it is what this builds (pg_dump --schema-only, checked
-- by a test). Migrations are forward-only: a later change is a new
-- numbered file, never an edit of this one, and has no Down.
--
-- Every table carries the book (SPEC §10: the book is the unit of sharding).
-- Amounts are integer fen (bigint); the tables also expose them as numeric
-- yuan in generated columns for auditors. Every rule of SPEC §4 is enforced
-- here as well as in Go: constraints, triggers and locked checks.
--
-- Errors raised by triggers use SQLSTATEs of class "LE" (ledger error); the
-- adapter maps them to SPEC §4 codes in ledger/postgres/errors.go:
--   LE001 unbalanced          LE002 insufficient_funds  LE003 purpose_not_allowed
--   LE004 period_closed       LE005 org_inactive        LE006 same_person
--   LE007 invalid_state       LE008 immutable           LE009 invalid_amount
--   LE010 invalid             LE011 forbidden           LE012 not_found
-- The field at fault travels as the error's column (RAISE … USING COLUMN =
-- 'amount', or lines[2].purpose, rows[17].checker for a line or a file row),
-- never inside the message text.
--
-- Contents: 1 roles; 2 helper functions; 3 the books, chart, organisations,
-- funds, users and periods; 4 vouchers, their lines and beneficiaries,
-- balances, the action log; 5 the voucher triggers (numbering, lines,
-- workflow, posting, periods, codes, revisions); 6 tamper evidence (seals);
-- 7 audit findings and the facts the rules read; 8 the HTTP API's tokens
-- and idempotent requests; 9 the monthly reconciliation; 10 the bulk import
-- of approved vouchers; 11 privileges.

-- ---------------------------------------------------------------------
-- 1 Roles
-- ---------------------------------------------------------------------

-- Database roles (documented in README.md, "Database roles"):
--   ledger_owner   owns the schema; migrations run as it.
--   ledger_app     the application: reads and writes through the workflow;
--                  cannot delete vouchers, lines or the action log, cannot
--                  write balances (only the posting trigger does), and the
--                  triggers refuse any change to a posted voucher.
--   ledger_auditor read-only access for discipline-inspection auditors.
-- Creating roles needs CREATEROLE; on a server where the migrating user lacks
-- it the roles are skipped with a notice and the connecting user is used.
-- +goose StatementBegin
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_app') THEN
        CREATE ROLE ledger_app LOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_auditor') THEN
        CREATE ROLE ledger_auditor LOGIN;
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'roles ledger_app and ledger_auditor not created: %', SQLERRM;
END $$;
-- +goose StatementEnd

-- ---------------------------------------------------------------------
-- 2 Helper functions
-- ---------------------------------------------------------------------

-- Every function of the schema looks its tables up in public before
-- pg_temp (SET search_path = public, pg_temp). Without a search_path of its
-- own a function resolves a table name in pg_temp first, so a temporary
-- table of the application role named accounts, periods or
-- voucher_counters would stand in for the real one while a trigger checks a
-- line, dates a voucher or numbers it.

-- Rows of append-only tables are never changed or deleted (LE008).
-- +goose StatementBegin
CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'LE008',
        MESSAGE = format('%s is append-only: rows are never changed or deleted', TG_TABLE_NAME);
END $$;
-- +goose StatementEnd

-- Rows of the audit tables and facts are never deleted (LE008).
-- +goose StatementBegin
CREATE FUNCTION ledger_no_delete() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'LE008',
        MESSAGE = format('%s: rows are never deleted', TG_TABLE_NAME);
END $$;
-- +goose StatementEnd

-- ledger_user_has reports whether an enabled user of the book holds one of
-- the roles (the application's users, table users). It and ledger_is_owner
-- are called by the triggers for every voucher, so they are PL/pgSQL rather
-- than SQL functions: a SQL function that is not inlined plans its query on
-- every call, a PL/pgSQL function once per session.
-- +goose StatementBegin
CREATE FUNCTION ledger_user_has(p_book text, p_name text, p_roles text[]) RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM users WHERE book = p_book AND name = p_name AND NOT disabled AND roles && p_roles);
END $$;
-- +goose StatementEnd

-- ledger_is_owner: whether the current role is (a member of) the owner of
-- the table; inside a SECURITY DEFINER function of the schema it is.
-- +goose StatementBegin
CREATE FUNCTION ledger_is_owner(rel oid) RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
BEGIN
    RETURN (SELECT pg_has_role(current_user, c.relowner, 'USAGE') FROM pg_class c WHERE c.oid = rel);
END $$;
-- +goose StatementEnd

-- ---------------------------------------------------------------------
-- 3 Books, chart, organisations, funds, users, periods
-- ---------------------------------------------------------------------

-- A book's revision counts the changes to what the rules read about it: the
-- book row, its chart, its organisations and its funds. The application
-- keeps these in memory between transactions and reloads them only when
-- the revision it reads with the acting user differs from the one it holds
-- (triggers books_next_revision and books_bump_revision below).
CREATE TABLE books (
    book                   text PRIMARY KEY CHECK (book ~ '^[A-Za-z0-9_-]{1,32}$'),
    name                   text NOT NULL CHECK (name <> ''),
    bank_name              text NOT NULL DEFAULT '',
    bank_account           text NOT NULL DEFAULT '',
    require_cashier_sign   boolean NOT NULL DEFAULT true,
    voucher_types          text[] NOT NULL DEFAULT '{记}',
    approval_threshold_fen bigint NOT NULL DEFAULT 100000 CHECK (approval_threshold_fen > 0),
    created_at             timestamptz NOT NULL DEFAULT now(),
    revision               bigint NOT NULL DEFAULT 0
);

CREATE TABLE accounts (
    book       text NOT NULL REFERENCES books,
    code       text NOT NULL CHECK (code ~ '^[0-9]{4}([0-9]{2})*$'),
    name       text NOT NULL CHECK (name <> ''),
    type       text NOT NULL CHECK (type IN ('asset', 'liability', 'net_assets', 'income', 'expense')),
    side       text NOT NULL CHECK (side IN ('debit', 'credit')),
    parent     text,
    leaf       boolean NOT NULL,
    purpose    text CHECK (purpose IN ('procurement', 'condolence', 'relief')),
    restricted boolean NOT NULL DEFAULT false,
    cash       boolean NOT NULL DEFAULT false,
    PRIMARY KEY (book, code),
    FOREIGN KEY (book, parent) REFERENCES accounts (book, code)
);

CREATE TABLE organisations (
    book                   text NOT NULL REFERENCES books,
    code                   text NOT NULL CHECK (code ~ '^[A-Za-z0-9_.-]{1,64}$'),
    name                   text NOT NULL CHECK (name <> ''),
    kind                   text NOT NULL CHECK (kind IN ('org_dept', 'temp_branch', 'party_group', 'branch', 'external')),
    parent                 text,
    category               text NOT NULL DEFAULT '',
    host_unit              text NOT NULL DEFAULT '',
    secretary              text NOT NULL DEFAULT '',
    set_up                 date,
    dissolved              date CHECK (dissolved IS NULL OR set_up IS NULL OR dissolved >= set_up),
    approval_threshold_fen bigint CHECK (approval_threshold_fen > 0),
    depth                  int NOT NULL DEFAULT 0 CHECK (depth BETWEEN 0 AND 7),
    path                   text NOT NULL DEFAULT '',
    position               int NOT NULL DEFAULT 0,
    PRIMARY KEY (book, code),
    FOREIGN KEY (book, parent) REFERENCES organisations (book, code)
);

CREATE TABLE funds (
    book     text NOT NULL REFERENCES books,
    code     text NOT NULL CHECK (code ~ '^[A-Za-z0-9_.-]{1,64}$'),
    name     text NOT NULL CHECK (name <> ''),
    kind     text NOT NULL CHECK (kind IN ('upper', 'matching', 'general', 'donation')),
    project  text NOT NULL DEFAULT '',
    purposes text[] NOT NULL DEFAULT '{}'
             CHECK (purposes <@ ARRAY['procurement', 'condolence', 'relief']::text[]),
    PRIMARY KEY (book, code),
    CHECK (kind <> 'donation' OR purposes = '{}')
);

CREATE TABLE users (
    book          text NOT NULL REFERENCES books,
    name          text NOT NULL CHECK (name ~ '^[A-Za-z0-9_.-]{1,64}$' AND name <> 'system'),
    full_name     text NOT NULL DEFAULT '',
    roles         text[] NOT NULL CHECK (roles <@ ARRAY['officer', 'checker', 'cashier', 'auditor', 'admin']::text[]),
    scope         text,
    password_hash text NOT NULL DEFAULT '',
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (book, name),
    FOREIGN KEY (book, scope) REFERENCES organisations (book, code)
);

CREATE TABLE periods (
    book        text NOT NULL REFERENCES books,
    year        int NOT NULL CHECK (year BETWEEN 1900 AND 9999),
    month       int NOT NULL CHECK (month BETWEEN 1 AND 12),
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    closed_at   timestamptz,
    closed_by   text,
    summary     jsonb,
    seal        text,
    seal_seq    bigint,
    PRIMARY KEY (book, year, month)
);

CREATE TABLE period_events (
    book    text NOT NULL REFERENCES books,
    id      bigint GENERATED ALWAYS AS IDENTITY,
    year    int NOT NULL,
    month   int NOT NULL,
    action  text NOT NULL CHECK (action IN ('close', 'reopen')),
    actor   text NOT NULL,
    at      timestamptz NOT NULL,
    reason  text NOT NULL DEFAULT '',
    PRIMARY KEY (book, id)
);

-- ---------------------------------------------------------------------
-- 4 Vouchers, lines, beneficiaries, balances, the action log
-- ---------------------------------------------------------------------

-- Voucher numbers are gapless per (book, year, month, type): the counter row
-- is incremented in the inserting transaction (at its commit, see
-- vouchers_take_number), so a rollback gives the number back and
-- concurrent drafts queue on the row.
CREATE TABLE voucher_counters (
    book   text NOT NULL REFERENCES books,
    year   int NOT NULL,
    month  int NOT NULL,
    type   text NOT NULL,
    last   int NOT NULL,
    PRIMARY KEY (book, year, month, type)
);

-- The book of a voucher has no foreign key, nor have reversal_of and
-- correction_of: a bulk load checks one referenced row per key and row, one
-- at a time, and pays for it even when the column is empty. A draft's book
-- is checked by the numbering trigger, an import's by
-- ledger_import_approved, and a book with vouchers is kept by
-- ledger_keep_codes; the vouchers a voucher reverses or corrects are checked
-- by vouchers_refer_to_vouchers. Vouchers are never deleted or re-keyed.
-- number is minus the id until the draft's transaction commits
-- (vouchers_take_number).
CREATE TABLE vouchers (
    book          text NOT NULL,
    id            bigint GENERATED ALWAYS AS IDENTITY,
    type          text NOT NULL DEFAULT '记' CHECK (type <> ''),
    year          int NOT NULL,
    month         int NOT NULL,
    number        int NOT NULL CHECK (number <> 0),
    date          date NOT NULL,
    summary       text NOT NULL CHECK (summary <> '' AND length(summary) <= 500),
    attachments   int NOT NULL DEFAULT 0 CHECK (attachments BETWEEN 0 AND 9999),
    doc_types     text[] NOT NULL DEFAULT '{}',
    decision      text NOT NULL DEFAULT '',
    payee         text NOT NULL DEFAULT '',
    payee_type    text NOT NULL DEFAULT ''
                  CHECK (payee_type IN ('', 'supplier', 'host_unit', 'individual', 'org', 'upper_org')),
    method        text NOT NULL DEFAULT '' CHECK (method IN ('', 'bank', 'cash')),
    flow          text NOT NULL DEFAULT 'general'
                  CHECK (flow IN ('receive', 'match', 'allocate', 'spend', 'return', 'general', 'reversal', 'correction', 'import', 'donation', 'remit')),
    memo          text NOT NULL DEFAULT '',
    closing       boolean NOT NULL DEFAULT false,
    correcting    boolean NOT NULL DEFAULT false,
    status        text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'checked', 'signed', 'posted', 'void')),
    reversal_of   bigint,
    correction_of bigint,
    idem_key      text,
    maker         text NOT NULL,
    made_at       timestamptz NOT NULL,
    checker       text,
    checked_at    timestamptz,
    cashier       text,
    signed_at     timestamptz,
    poster        text,
    posted_at     timestamptz,
    voided_by     text,
    voided_at     timestamptz,
    total_fen     bigint NOT NULL DEFAULT 0,
    total         numeric(16, 2) GENERATED ALWAYS AS (total_fen / 100.0) STORED,
    PRIMARY KEY (book, id),
    UNIQUE (book, year, month, type, number),
    UNIQUE (book, idem_key),
    CHECK (year = extract(year FROM date) AND month = extract(month FROM date)),
    CHECK (status IN ('draft', 'void') OR checker IS NOT NULL),
    CHECK (status <> 'posted' OR (poster IS NOT NULL AND posted_at IS NOT NULL))
);
CREATE UNIQUE INDEX vouchers_one_reversal ON vouchers (book, reversal_of) WHERE reversal_of IS NOT NULL AND status <> 'void';
CREATE INDEX vouchers_period ON vouchers (book, year, month, status);
CREATE INDEX vouchers_date ON vouchers (book, date);

-- The lines have no foreign keys: a key check per line and referenced
-- table, row by row, cost four times the writing of the line in a bulk
-- load. voucher_lines_after_insert checks the voucher, account,
-- organisation and fund of every line set-based instead, and
-- ledger_keep_codes keeps a code that lines use from being changed or
-- deleted.
CREATE TABLE voucher_lines (
    book       text NOT NULL,
    voucher_id bigint NOT NULL,
    line_no    int NOT NULL CHECK (line_no > 0),
    summary    text NOT NULL CHECK (summary <> ''),
    account    text NOT NULL,
    org        text NOT NULL,
    fund       text NOT NULL,
    purpose    text CHECK (purpose IN ('procurement', 'condolence', 'relief')),
    debit_fen  bigint NOT NULL DEFAULT 0 CHECK (abs(debit_fen) <= 99999999999999),
    credit_fen bigint NOT NULL DEFAULT 0 CHECK (abs(credit_fen) <= 99999999999999),
    debit      numeric(16, 2) GENERATED ALWAYS AS (debit_fen / 100.0) STORED,
    credit     numeric(16, 2) GENERATED ALWAYS AS (credit_fen / 100.0) STORED,
    PRIMARY KEY (book, voucher_id, line_no),
    -- exactly one side carries the amount
    CONSTRAINT voucher_lines_one_side CHECK ((debit_fen <> 0) <> (credit_fen <> 0))
);
CREATE INDEX voucher_lines_key ON voucher_lines (book, account, org, fund);

CREATE TABLE voucher_beneficiaries (
    book       text NOT NULL,
    voucher_id bigint NOT NULL,
    seq        int NOT NULL CHECK (seq > 0),
    name       text NOT NULL CHECK (name <> ''),
    category   text NOT NULL DEFAULT '',
    id_number  text NOT NULL DEFAULT '',
    phone      text NOT NULL DEFAULT '',
    reason     text NOT NULL DEFAULT '',
    amount_fen bigint NOT NULL CHECK (amount_fen > 0),
    PRIMARY KEY (book, voucher_id, seq),
    FOREIGN KEY (book, voucher_id) REFERENCES vouchers (book, id)
);
CREATE INDEX voucher_beneficiaries_id ON voucher_beneficiaries (book, id_number);

-- Stored balances per (book, account, organisation, fund), debit-positive.
-- Only the posting trigger writes them. A restricted balance (bank, cash,
-- branches' pending settlement) can never go below zero.
CREATE TABLE balances (
    book        text NOT NULL,
    account     text NOT NULL,
    org         text NOT NULL,
    fund        text NOT NULL,
    restricted  boolean NOT NULL DEFAULT false,
    balance_fen bigint NOT NULL DEFAULT 0,
    balance     numeric(16, 2) GENERATED ALWAYS AS (balance_fen / 100.0) STORED,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (book, account, org, fund),
    FOREIGN KEY (book, account) REFERENCES accounts (book, code),
    FOREIGN KEY (book, org) REFERENCES organisations (book, code),
    FOREIGN KEY (book, fund) REFERENCES funds (book, code),
    CONSTRAINT balances_restricted_nonnegative CHECK (NOT restricted OR balance_fen >= 0)
);

-- The append-only action log: who did what, when, from where.
CREATE TABLE actions (
    book       text NOT NULL,
    id         bigint GENERATED ALWAYS AS IDENTITY,
    at         timestamptz NOT NULL,
    actor      text NOT NULL,
    action     text NOT NULL,
    voucher_id bigint,
    source     text NOT NULL DEFAULT 'cli',
    detail     jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (book, id)
);
CREATE INDEX actions_voucher ON actions (book, voucher_id);

-- Idempotency keys: the same key and request return the first result.
CREATE TABLE idempotency (
    book         text NOT NULL,
    key          text NOT NULL CHECK (key <> '' AND length(key) <= 200),
    actor        text NOT NULL,
    request_hash text NOT NULL,
    voucher_id   bigint,
    response     jsonb,
    status       int,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (book, key)
);

CREATE TRIGGER actions_append_only BEFORE UPDATE OR DELETE ON actions
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER period_events_append_only BEFORE UPDATE OR DELETE ON period_events
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER voucher_lines_append_only BEFORE UPDATE OR DELETE ON voucher_lines
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER voucher_beneficiaries_append_only BEFORE UPDATE OR DELETE ON voucher_beneficiaries
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER vouchers_no_delete BEFORE DELETE ON vouchers
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();

-- ---------------------------------------------------------------------
-- 5 Voucher triggers
-- ---------------------------------------------------------------------

-- A new draft must be of a configured type, dated in an open period, made
-- by an officer or admin, and reverse only a posted voucher. It takes its
-- gapless number when its transaction commits, not when its row is
-- inserted: the month's counter row is then locked only for the numbering
-- and the commit, not while the lines are checked and the rest of the
-- voucher is written. Until then the row carries a placeholder, minus its
-- id, which only its own transaction can see.
--
--   * vouchers_before_insert (the checks of a new draft) sets the
--     placeholder;
--   * vouchers_take_number, a deferred constraint trigger, takes the next
--     number from voucher_counters at commit and writes it into the row;
--     a row whose placeholder was changed meanwhile is refused;
--   * vouchers_before_update lets exactly that change through (placeholder
--     to number, nothing else): vouchers_number_assigned checks it.
--
-- Both numbering functions run as the schema owner so that only they move
-- the counters: the application role may not write voucher_counters (a
-- counter moved by hand would leave a gap). The row trigger runs for
-- drafts only; any other new voucher is refused by vouchers_made_as_draft.
-- +goose StatementBegin
CREATE FUNCTION vouchers_before_insert() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
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
    IF NOT ledger_user_has(NEW.book, NEW.maker, '{officer,admin}') THEN
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
CREATE TRIGGER vouchers_before_insert BEFORE INSERT ON vouchers
    FOR EACH ROW WHEN (NEW.status = 'draft') EXECUTE FUNCTION vouchers_before_insert();

-- +goose StatementBegin
CREATE FUNCTION vouchers_take_number() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    n int;
BEGIN
    INSERT INTO voucher_counters AS c (book, year, month, type, last)
        VALUES (NEW.book, NEW.year, NEW.month, NEW.type, 1)
        ON CONFLICT (book, year, month, type) DO UPDATE SET last = c.last + 1
        RETURNING last INTO n;
    UPDATE vouchers SET number = n WHERE book = NEW.book AND id = NEW.id AND number = -NEW.id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LE008', COLUMN = 'number', MESSAGE = format('voucher %s was changed before it took its number', NEW.id);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE CONSTRAINT TRIGGER vouchers_take_number AFTER INSERT ON vouchers DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.status = 'draft') EXECUTE FUNCTION vouchers_take_number();

-- A voucher other than a draft is refused unless it is a posted import made
-- by the owner (that is, by ledger_import_approved): the application role
-- still cannot make a posted voucher or choose a number. The owner's name is
-- written into the WHEN clause, so an import row costs no trigger call at
-- all.
-- +goose StatementBegin
CREATE FUNCTION vouchers_made_as_draft() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'LE007', COLUMN = 'status', MESSAGE = 'a voucher is made as a draft';
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
DO $$
BEGIN
    EXECUTE format($t$CREATE TRIGGER vouchers_made_as_draft BEFORE INSERT ON vouchers FOR EACH ROW
        WHEN (NEW.status <> 'draft' AND (current_user <> %L OR NEW.status <> 'posted' OR NEW.flow <> 'import'))
        EXECUTE FUNCTION vouchers_made_as_draft()$t$,
        (SELECT pg_get_userbyid(c.relowner) FROM pg_class c WHERE c.oid = 'vouchers'::regclass));
END $$;
-- +goose StatementEnd

-- The vouchers a voucher reverses or corrects exist: checked by a row
-- trigger that fires only for such a voucher (a key check is queued for
-- every inserted row, even when the column is empty). The voucher it names
-- stays: vouchers are neither deleted nor re-keyed, and these columns
-- never change (vouchers_before_update).
-- +goose StatementBegin
CREATE FUNCTION vouchers_refer_to_vouchers() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF NEW.reversal_of IS NOT NULL AND NOT EXISTS (SELECT 1 FROM vouchers o WHERE o.book = NEW.book AND o.id = NEW.reversal_of) THEN
        RAISE EXCEPTION USING ERRCODE = 'LE012', COLUMN = 'reversal_of', MESSAGE = format('voucher %s does not exist', NEW.reversal_of);
    END IF;
    IF NEW.correction_of IS NOT NULL AND NOT EXISTS (SELECT 1 FROM vouchers o WHERE o.book = NEW.book AND o.id = NEW.correction_of) THEN
        RAISE EXCEPTION USING ERRCODE = 'LE012', COLUMN = 'correction_of', MESSAGE = format('voucher %s does not exist', NEW.correction_of);
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER vouchers_refer_to_vouchers BEFORE INSERT ON vouchers
    FOR EACH ROW WHEN (NEW.reversal_of IS NOT NULL OR NEW.correction_of IS NOT NULL) EXECUTE FUNCTION vouchers_refer_to_vouchers();

-- Lines are written once, with their voucher while it is a draft, all in
-- one statement; after the statement every touched voucher has ≥ 2 lines
-- and balances per fund, leaf accounts only, known organisations and
-- funds, purposes the fund permits, negative amounts only on red
-- reversals. The one exception to "while it is a draft" is an imported
-- voucher, made posted by ledger_import_approved (as the owner), which
-- gives it its lines in its next statement.
--
-- The checks read the statement's own lines (new_lines), not the table: a
-- voucher's lines are numbered 1..n and all come in one statement, so a
-- second statement for the same voucher either repeats line 1 (refused by
-- the primary key) or does not start at 1 (refused here). A bulk insert
-- costs a few passes over its transition table and one probe per voucher;
-- a single voucher a few index probes.
-- +goose StatementBegin
CREATE FUNCTION voucher_lines_after_insert() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    r record;
    bad record;
    importing boolean := ledger_is_owner(TG_RELID);
BEGIN
    IF importing AND current_setting('ledger.importing', true) = 'on' THEN
        -- Inside ledger_import_approved (the owner, which says so in a
        -- setting of its own): the lines are the ones it has checked, of
        -- the posted vouchers it has just made.
        RETURN NULL;
    ELSE
        -- Per voucher: it exists, takes lines now, these are all its lines,
        -- and an imported one comes with its total. The vouchers are probed
        -- by key one by one (LATERAL … LIMIT 1), whatever the plan cached
        -- for this statement and however large the table has grown since.
        WITH a AS (
            SELECT n.book, n.voucher_id, count(*) AS n, min(n.line_no) AS lo, max(n.line_no) AS hi, sum(n.debit_fen) AS d,
                   min(n.line_no) FILTER (WHERE n.debit_fen < 0 OR n.credit_fen < 0) AS neg_line
            FROM new_lines n GROUP BY n.book, n.voucher_id),
        j AS MATERIALIZED (
            SELECT a.*, v.id IS NULL AS missing, v.status, v.flow, v.reversal_of, v.total_fen
            FROM a LEFT JOIN LATERAL (
                SELECT x.id, x.status, x.flow, x.reversal_of, x.total_fen FROM vouchers x
                WHERE x.book = a.book AND x.id = a.voucher_id LIMIT 1) v ON true),
        b AS (
            SELECT * FROM j
            WHERE j.missing OR (j.status <> 'draft' AND NOT (importing AND j.status = 'posted' AND j.flow = 'import'))
               OR j.lo <> 1 OR j.hi <> j.n OR j.n < 2
               OR (j.neg_line IS NOT NULL AND j.reversal_of IS NULL)
               OR (j.status <> 'draft' AND j.total_fen IS DISTINCT FROM j.d)
            ORDER BY j.voucher_id LIMIT 1)
        SELECT b.voucher_id, b.missing, b.status, b.flow, b.reversal_of, b.n, b.lo, b.hi, b.neg_line, b.d, b.total_fen,
               (SELECT count(*) FROM j WHERE j.reversal_of IS NOT NULL) AS reversals,
               (SELECT array_agg(j.book) FROM j WHERE j.status = 'draft' AND j.total_fen IS DISTINCT FROM j.d) AS draft_books,
               (SELECT array_agg(j.voucher_id) FROM j WHERE j.status = 'draft' AND j.total_fen IS DISTINCT FROM j.d) AS drafts,
               (SELECT array_agg(j.d) FROM j WHERE j.status = 'draft' AND j.total_fen IS DISTINCT FROM j.d) AS totals
            INTO r
            FROM (SELECT) AS one LEFT JOIN b ON true;
        IF r.voucher_id IS NOT NULL THEN
            IF r.missing THEN
                RAISE EXCEPTION USING ERRCODE = 'LE012', COLUMN = 'voucher_id', MESSAGE = format('voucher %s does not exist', r.voucher_id);
            END IF;
            IF r.status <> 'draft' AND NOT (importing AND r.status = 'posted' AND r.flow = 'import') THEN
                RAISE EXCEPTION USING ERRCODE = 'LE008', COLUMN = 'lines', MESSAGE = format('voucher %s is no longer a draft; its lines cannot change', r.voucher_id);
            END IF;
            IF r.neg_line IS NOT NULL AND r.reversal_of IS NULL THEN
                RAISE EXCEPTION USING ERRCODE = 'LE009', COLUMN = format('lines[%s].amount', r.neg_line), MESSAGE = 'negative amounts are only allowed on a red reversal';
            END IF;
            IF r.n < 2 THEN
                RAISE EXCEPTION USING ERRCODE = 'LE001', COLUMN = 'lines', MESSAGE = format('voucher %s needs at least 2 lines', r.voucher_id);
            END IF;
            IF r.lo <> 1 OR r.hi <> r.n THEN
                RAISE EXCEPTION USING ERRCODE = 'LE008', COLUMN = 'lines', MESSAGE = format('the lines of voucher %s are written once, in one statement, numbered from 1', r.voucher_id);
            END IF;
            RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'total', MESSAGE = format('voucher %s has the total %s; its debits add up to %s', r.voucher_id, r.total_fen / 100.0, r.d / 100.0);
        END IF;

        -- A red reversal negates the lines of the voucher it cancels
        -- exactly, line by line: the only negative amounts the ledger holds.
        IF r.reversals > 0 THEN
            SELECT v.id, v.reversal_of INTO bad FROM (SELECT DISTINCT book, voucher_id FROM new_lines) n
                JOIN vouchers v ON v.book = n.book AND v.id = n.voucher_id
                WHERE v.reversal_of IS NOT NULL AND EXISTS (
                    (SELECT l.line_no, l.account, l.org, l.fund, l.purpose, l.debit_fen, l.credit_fen
                       FROM voucher_lines l WHERE l.book = v.book AND l.voucher_id = v.id
                     EXCEPT
                     SELECT o.line_no, o.account, o.org, o.fund, o.purpose, -o.debit_fen, -o.credit_fen
                       FROM voucher_lines o WHERE o.book = v.book AND o.voucher_id = v.reversal_of)
                    UNION ALL
                    (SELECT o.line_no, o.account, o.org, o.fund, o.purpose, -o.debit_fen, -o.credit_fen
                       FROM voucher_lines o WHERE o.book = v.book AND o.voucher_id = v.reversal_of
                     EXCEPT
                     SELECT l.line_no, l.account, l.org, l.fund, l.purpose, l.debit_fen, l.credit_fen
                       FROM voucher_lines l WHERE l.book = v.book AND l.voucher_id = v.id))
                LIMIT 1;
            IF FOUND THEN
                RAISE EXCEPTION USING ERRCODE = 'LE009', COLUMN = 'lines', MESSAGE = format('red voucher %s does not negate the lines of voucher %s exactly', bad.id, bad.reversal_of);
            END IF;
        END IF;

        -- Σdebit = Σcredit for each fund of each voucher.
        SELECT n.voucher_id, n.fund, sum(n.debit_fen) AS d, sum(n.credit_fen) AS c INTO bad
            FROM new_lines n GROUP BY n.book, n.voucher_id, n.fund
            HAVING sum(n.debit_fen) <> sum(n.credit_fen)
            ORDER BY n.voucher_id LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'LE001', COLUMN = 'lines', MESSAGE = format('voucher %s does not balance for fund %s: debit %s, credit %s', bad.voucher_id, bad.fund, bad.d / 100.0, bad.c / 100.0);
        END IF;

        -- A draft's total is the sum of its debits.
        IF r.drafts IS NOT NULL THEN
            UPDATE vouchers v SET total_fen = t.d
                FROM unnest(r.draft_books, r.drafts, r.totals) AS t(book, id, d)
                WHERE v.book = t.book AND v.id = t.id;
        END IF;
    END IF;

    -- Per line: the account exists and is a leaf, the organisation and the
    -- fund exist; an expense account bound to a purpose names that purpose
    -- and the fund permits it; donations are never spent. Checked on the
    -- distinct (account, organisation, fund, purpose) of the statement, then
    -- the first line of an offending one is named.
    SELECT c.book, c.account, c.org, c.fund, c.purpose INTO bad
        FROM (SELECT DISTINCT n.book, n.account, n.org, n.fund, n.purpose FROM new_lines n) c
        LEFT JOIN accounts a ON a.book = c.book AND a.code = c.account
        LEFT JOIN organisations o ON o.book = c.book AND o.code = c.org
        LEFT JOIN funds f ON f.book = c.book AND f.code = c.fund
        WHERE a.code IS NULL OR o.code IS NULL OR f.code IS NULL OR NOT a.leaf
           OR (a.purpose IS NOT NULL AND (c.purpose IS DISTINCT FROM a.purpose OR NOT a.purpose = ANY (f.purposes) OR f.kind = 'donation'))
        LIMIT 1;
    IF FOUND THEN
        SELECT n.voucher_id, n.line_no, n.account, n.org, n.fund, coalesce(n.purpose, '(none)') AS purpose,
               a.code IS NULL AS no_account, a.leaf, o.code IS NULL AS no_org, f.code IS NULL AS no_fund, a.purpose AS want INTO bad
            FROM new_lines n
            LEFT JOIN accounts a ON a.book = n.book AND a.code = n.account
            LEFT JOIN organisations o ON o.book = n.book AND o.code = n.org
            LEFT JOIN funds f ON f.book = n.book AND f.code = n.fund
            WHERE n.book = bad.book AND n.account = bad.account AND n.org = bad.org AND n.fund = bad.fund AND n.purpose IS NOT DISTINCT FROM bad.purpose
            ORDER BY n.voucher_id, n.line_no LIMIT 1;
        IF bad.no_account THEN
            RAISE EXCEPTION USING ERRCODE = 'LE012', COLUMN = format('lines[%s].account', bad.line_no), MESSAGE = format('account %s is not in the chart', bad.account);
        ELSIF bad.no_org THEN
            RAISE EXCEPTION USING ERRCODE = 'LE012', COLUMN = format('lines[%s].org', bad.line_no), MESSAGE = format('organisation %s does not exist', bad.org);
        ELSIF bad.no_fund THEN
            RAISE EXCEPTION USING ERRCODE = 'LE012', COLUMN = format('lines[%s].fund', bad.line_no), MESSAGE = format('fund %s does not exist', bad.fund);
        ELSIF NOT bad.leaf THEN
            RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = format('lines[%s].account', bad.line_no), MESSAGE = format('%s is not a leaf account', bad.account);
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'LE003', COLUMN = format('lines[%s].purpose', bad.line_no), MESSAGE = format('%s is not a permitted purpose of fund %s on this account (wants %s)', bad.purpose, bad.fund, bad.want);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER voucher_lines_after_insert AFTER INSERT ON voucher_lines
    REFERENCING NEW TABLE AS new_lines
    FOR EACH STATEMENT EXECUTE FUNCTION voucher_lines_after_insert();

-- The state machine of SPEC §3 and the immutability of checked and posted
-- vouchers: only the workflow columns change, only along allowed edges, and
-- each step is done by a person the table allows. A draft taking its number
-- at commit is vouchers_number_assigned's.
-- +goose StatementBegin
CREATE FUNCTION vouchers_before_update() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    needs_cashier boolean;
BEGIN
    IF OLD.status IN ('posted', 'void') THEN
        -- total_fen is kept by the line trigger of the draft's own statement
        RAISE EXCEPTION USING ERRCODE = 'LE008', MESSAGE = format('voucher %s is %s and cannot be changed; corrections are reversals', OLD.id, OLD.status);
    END IF;
    IF (NEW.book, NEW.id, NEW.type, NEW.year, NEW.month, NEW.number, NEW.date, NEW.summary, NEW.attachments,
        NEW.doc_types, NEW.decision, NEW.payee, NEW.payee_type, NEW.method, NEW.flow, NEW.memo, NEW.closing,
        NEW.correcting, NEW.reversal_of, NEW.correction_of, NEW.idem_key, NEW.maker, NEW.made_at)
       IS DISTINCT FROM
       (OLD.book, OLD.id, OLD.type, OLD.year, OLD.month, OLD.number, OLD.date, OLD.summary, OLD.attachments,
        OLD.doc_types, OLD.decision, OLD.payee, OLD.payee_type, OLD.method, OLD.flow, OLD.memo, OLD.closing,
        OLD.correcting, OLD.reversal_of, OLD.correction_of, OLD.idem_key, OLD.maker, OLD.made_at) THEN
        RAISE EXCEPTION USING ERRCODE = 'LE008', MESSAGE = format('voucher %s: only its workflow state changes after it is made', OLD.id);
    END IF;
    IF NEW.status = OLD.status THEN
        -- only the line trigger's own total: the sum of the debits
        IF NEW.total_fen IS DISTINCT FROM OLD.total_fen AND OLD.status = 'draft'
           AND NEW.total_fen = (SELECT coalesce(sum(l.debit_fen), 0) FROM voucher_lines l
                                WHERE l.book = OLD.book AND l.voucher_id = OLD.id)
           AND (NEW.checker, NEW.checked_at, NEW.cashier, NEW.signed_at, NEW.poster, NEW.posted_at, NEW.voided_by, NEW.voided_at)
               IS NOT DISTINCT FROM
               (OLD.checker, OLD.checked_at, OLD.cashier, OLD.signed_at, OLD.poster, OLD.posted_at, OLD.voided_by, OLD.voided_at) THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'LE008', MESSAGE = format('voucher %s (%s) cannot be changed', OLD.id, OLD.status);
    END IF;
    IF NEW.total_fen IS DISTINCT FROM OLD.total_fen THEN
        RAISE EXCEPTION USING ERRCODE = 'LE008', MESSAGE = format('voucher %s: total cannot change', OLD.id);
    END IF;

    CASE OLD.status || '>' || NEW.status
    WHEN 'draft>void' THEN
        IF NEW.voided_by IS NULL OR NEW.voided_at IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'voided_by', MESSAGE = 'who voids the voucher is recorded';
        END IF;
        IF NEW.voided_by <> OLD.maker AND NOT ledger_user_has(OLD.book, NEW.voided_by, '{admin}') THEN
            RAISE EXCEPTION USING ERRCODE = 'LE006', COLUMN = 'voided_by', MESSAGE = format('only the maker %s or an admin voids voucher %s', OLD.maker, OLD.id);
        END IF;
    WHEN 'draft>checked' THEN
        IF NEW.checker IS NULL OR NEW.checked_at IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'checker', MESSAGE = 'who checks the voucher is recorded';
        END IF;
        IF NEW.checker = OLD.maker THEN
            RAISE EXCEPTION USING ERRCODE = 'LE006', COLUMN = 'checker', MESSAGE = format('%s made voucher %s and cannot check it', NEW.checker, OLD.id);
        END IF;
        IF NOT ledger_user_has(OLD.book, NEW.checker, '{checker,admin}') THEN
            RAISE EXCEPTION USING ERRCODE = 'LE011', COLUMN = 'checker', MESSAGE = format('%s is not a checker or admin of book %s', NEW.checker, OLD.book);
        END IF;
    WHEN 'checked>draft' THEN
        IF NEW.checker IS NOT NULL OR NEW.checked_at IS NOT NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'checker', MESSAGE = 'unchecking clears the check';
        END IF;
    WHEN 'checked>signed' THEN
        IF NEW.cashier IS NULL OR NEW.signed_at IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'cashier', MESSAGE = 'who signs the voucher is recorded';
        END IF;
        IF NEW.cashier IN (OLD.maker, OLD.checker) THEN
            RAISE EXCEPTION USING ERRCODE = 'LE006', COLUMN = 'cashier', MESSAGE = format('%s made or checked voucher %s and cannot sign it', NEW.cashier, OLD.id);
        END IF;
        IF NOT ledger_user_has(OLD.book, NEW.cashier, '{cashier}') THEN
            RAISE EXCEPTION USING ERRCODE = 'LE011', COLUMN = 'cashier', MESSAGE = format('%s is not a cashier of book %s', NEW.cashier, OLD.book);
        END IF;
    WHEN 'checked>posted', 'signed>posted' THEN
        IF NEW.poster IS NULL OR NEW.posted_at IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'poster', MESSAGE = 'who posts the voucher is recorded';
        END IF;
        IF NEW.poster = OLD.maker THEN
            RAISE EXCEPTION USING ERRCODE = 'LE006', COLUMN = 'poster', MESSAGE = format('%s made voucher %s and cannot post it', NEW.poster, OLD.id);
        END IF;
        IF NEW.poster = OLD.cashier THEN
            RAISE EXCEPTION USING ERRCODE = 'LE006', COLUMN = 'poster', MESSAGE = format('%s signed voucher %s as cashier and cannot post it', NEW.poster, OLD.id);
        END IF;
        IF NOT ledger_user_has(OLD.book, NEW.poster, '{checker,admin}') THEN
            RAISE EXCEPTION USING ERRCODE = 'LE011', COLUMN = 'poster', MESSAGE = format('%s is not a checker or admin of book %s', NEW.poster, OLD.book);
        END IF;
        IF OLD.status = 'checked' THEN
            SELECT b.require_cashier_sign AND EXISTS (
                SELECT 1 FROM voucher_lines l JOIN accounts a ON a.book = l.book AND a.code = l.account
                WHERE l.book = OLD.book AND l.voucher_id = OLD.id AND a.cash)
            INTO needs_cashier FROM books b WHERE b.book = OLD.book;
            IF needs_cashier THEN
                RAISE EXCEPTION USING ERRCODE = 'LE007', COLUMN = 'status', MESSAGE = format('cash/bank voucher %s must be signed by the cashier before posting', OLD.id);
            END IF;
        END IF;
    ELSE
        RAISE EXCEPTION USING ERRCODE = 'LE007', COLUMN = 'status', MESSAGE = format('voucher %s cannot go from %s to %s', OLD.id, OLD.status, NEW.status);
    END CASE;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER vouchers_before_update BEFORE UPDATE ON vouchers
    FOR EACH ROW WHEN (OLD.number > 0 OR NEW.number = OLD.number) EXECUTE FUNCTION vouchers_before_update();

-- +goose StatementBegin
CREATE FUNCTION vouchers_number_assigned() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    same vouchers;
BEGIN
    same := NEW;
    same.number := OLD.number;
    same.total := OLD.total; -- a stored generated column: not yet computed in NEW
    IF same IS DISTINCT FROM OLD OR NEW.number < 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'LE008', MESSAGE = format('voucher %s: only its number is written when it takes one', OLD.id);
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER vouchers_number_assigned BEFORE UPDATE ON vouchers
    FOR EACH ROW WHEN (OLD.number < 0 AND NEW.number <> OLD.number) EXECUTE FUNCTION vouchers_number_assigned();

-- Posting: the period is open (locked against a concurrent close), every
-- organisation allocated to or spending is active on the voucher date, and
-- the lines move the stored balances; the restricted-balance check
-- constraint rejects an overdraft. Set-based, so a bulk post of many
-- vouchers in one statement costs one pass. The balance rows are locked
-- last: after the period and organisation checks, in key order, just
-- before they move. The application does not lock them before it updates
-- the voucher, so the voucher's own checks, its sealing-queue entry and the
-- action log are written before any balance row is held.
-- +goose StatementBegin
CREATE FUNCTION vouchers_after_post() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
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
        RAISE EXCEPTION USING ERRCODE = 'LE004', COLUMN = 'date', MESSAGE = format('period %s-%s is closed', r.year, lpad(r.month::text, 2, '0'));
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
        RAISE EXCEPTION USING ERRCODE = 'LE005', COLUMN = format('lines[%s].org', r.line_no), MESSAGE = format('%s is not active on %s (set up %s, dissolved %s)', r.org, r.date, coalesce(r.set_up::text, '-'), coalesce(r.dissolved::text, '-'));
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
CREATE TRIGGER vouchers_after_post AFTER UPDATE ON vouchers
    REFERENCING OLD TABLE AS old_v NEW TABLE AS new_v
    FOR EACH STATEMENT EXECUTE FUNCTION vouchers_after_post();

-- Closing a period needs every voucher of it posted or void; a closed
-- period re-opens only when it is the book's latest closed month.
-- +goose StatementBegin
CREATE FUNCTION periods_before_update() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF OLD.status = 'open' AND NEW.status = 'closed' THEN
        IF EXISTS (SELECT 1 FROM vouchers WHERE book = NEW.book AND year = NEW.year AND month = NEW.month
                   AND status NOT IN ('posted', 'void')) THEN
            RAISE EXCEPTION USING ERRCODE = 'LE007', MESSAGE = format('period %s-%s has vouchers that are not posted or void', NEW.year, NEW.month);
        END IF;
    ELSIF OLD.status = 'closed' AND NEW.status = 'open' THEN
        IF EXISTS (SELECT 1 FROM periods WHERE book = NEW.book AND status = 'closed'
                   AND (year, month) > (NEW.year, NEW.month)) THEN
            RAISE EXCEPTION USING ERRCODE = 'LE007', MESSAGE = format('period %s-%s is not the latest closed month', NEW.year, NEW.month);
        END IF;
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER periods_before_update BEFORE UPDATE ON periods
    FOR EACH ROW EXECUTE FUNCTION periods_before_update();

-- A code that vouchers use stays: books, accounts, organisations and funds
-- are not re-keyed or deleted while vouchers or lines refer to them.
-- +goose StatementBegin
CREATE FUNCTION ledger_keep_codes() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    col text := CASE TG_TABLE_NAME WHEN 'accounts' THEN 'account' WHEN 'organisations' THEN 'org' WHEN 'funds' THEN 'fund' ELSE 'book' END;
    old_row jsonb := to_jsonb(OLD);
    used boolean;
BEGIN
    IF TG_OP = 'UPDATE' AND (to_jsonb(NEW)->>'book', to_jsonb(NEW)->>'code') IS NOT DISTINCT FROM (old_row->>'book', old_row->>'code') THEN
        RETURN NEW;
    END IF;
    IF col = 'book' THEN
        SELECT EXISTS (SELECT 1 FROM vouchers WHERE book = old_row->>'book') INTO used;
    ELSE
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM voucher_lines WHERE book = $1 AND %I = $2)', col) INTO used USING old_row->>'book', old_row->>'code';
    END IF;
    IF used THEN
        RAISE EXCEPTION USING ERRCODE = 'LE008', COLUMN = 'code', MESSAGE = format('%s %s is used by vouchers and cannot be %s', col,
            coalesce(old_row->>'code', old_row->>'book'), CASE TG_OP WHEN 'DELETE' THEN 'deleted' ELSE 'changed' END);
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER accounts_keep_codes BEFORE UPDATE OF book, code OR DELETE ON accounts
    FOR EACH ROW EXECUTE FUNCTION ledger_keep_codes();
CREATE TRIGGER organisations_keep_codes BEFORE UPDATE OF book, code OR DELETE ON organisations
    FOR EACH ROW EXECUTE FUNCTION ledger_keep_codes();
CREATE TRIGGER funds_keep_codes BEFORE UPDATE OF book, code OR DELETE ON funds
    FOR EACH ROW EXECUTE FUNCTION ledger_keep_codes();
CREATE TRIGGER books_keep_codes BEFORE UPDATE OF book OR DELETE ON books
    FOR EACH ROW EXECUTE FUNCTION ledger_keep_codes();

-- The book's revision: one more on every update of the book row, and on
-- every change to its chart, organisations and funds.
-- +goose StatementBegin
CREATE FUNCTION books_next_revision() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    NEW.revision := OLD.revision + 1;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER books_next_revision BEFORE UPDATE ON books
    FOR EACH ROW WHEN (OLD.revision IS NOT DISTINCT FROM NEW.revision) EXECUTE FUNCTION books_next_revision();

-- +goose StatementBegin
CREATE FUNCTION books_bump_revision() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE books SET revision = revision + 1 WHERE book = OLD.book;
    ELSE
        UPDATE books SET revision = revision + 1 WHERE book = NEW.book;
        IF TG_OP = 'UPDATE' AND OLD.book IS DISTINCT FROM NEW.book THEN
            UPDATE books SET revision = revision + 1 WHERE book = OLD.book;
        END IF;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER accounts_bump_revision AFTER INSERT OR UPDATE OR DELETE ON accounts
    FOR EACH ROW EXECUTE FUNCTION books_bump_revision();
CREATE TRIGGER organisations_bump_revision AFTER INSERT OR UPDATE OR DELETE ON organisations
    FOR EACH ROW EXECUTE FUNCTION books_bump_revision();
CREATE TRIGGER funds_bump_revision AFTER INSERT OR UPDATE OR DELETE ON funds
    FOR EACH ROW EXECUTE FUNCTION books_bump_revision();
REVOKE ALL ON FUNCTION books_bump_revision() FROM PUBLIC;

-- ---------------------------------------------------------------------
-- 6 Tamper evidence (SPEC §8): posted vouchers form a hash chain per book
-- ---------------------------------------------------------------------
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

-- No foreign key to the voucher: a bulk import queues a row per voucher,
-- and the sealer drops an entry whose voucher is gone or not posted (see
-- SealPending).
CREATE TABLE seal_pending (
    book       text NOT NULL,
    voucher_id bigint NOT NULL,
    posted_at  timestamptz NOT NULL,
    queued_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (book, voucher_id)
);
CREATE INDEX seal_pending_order ON seal_pending (book, posted_at, voucher_id);

CREATE TRIGGER voucher_seals_append_only BEFORE UPDATE OR DELETE ON voucher_seals
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER voucher_seals_no_truncate BEFORE TRUNCATE ON voucher_seals
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER seal_heads_no_delete BEFORE DELETE ON seal_heads
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();

-- Posting queues the voucher for the sealer. A row trigger with a WHEN
-- clause costs nothing on the other workflow steps.
-- +goose StatementBegin
CREATE FUNCTION vouchers_queue_seal() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
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
CREATE FUNCTION voucher_seals_after_insert() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    r record;
BEGIN
    SELECT n.seq INTO r FROM new_seals n
        LEFT JOIN voucher_seals p ON p.book = n.book AND p.seq = n.seq - 1
        WHERE n.seq > 1 AND (p.seal IS NULL OR p.seal <> n.prev)
        LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'seq', MESSAGE = format('seal %s does not continue the chain (no seal %s to link to, or a different one)', r.seq, r.seq - 1);
    END IF;
    SELECT n.seq, n.voucher_id, coalesce(v.status, 'missing') AS status INTO r FROM new_seals n
        LEFT JOIN vouchers v ON v.book = n.book AND v.id = n.voucher_id
        WHERE v.status IS DISTINCT FROM 'posted'
        LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LE007', COLUMN = 'status', MESSAGE = format('voucher %s is %s; only posted vouchers are sealed', r.voucher_id, r.status);
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
CREATE FUNCTION seal_heads_check() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' AND NEW.seq <> 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'seq', MESSAGE = 'a chain head starts at 0';
    END IF;
    IF TG_OP = 'UPDATE' THEN
        IF NEW.book <> OLD.book OR NEW.seq < OLD.seq THEN
            RAISE EXCEPTION USING ERRCODE = 'LE008', COLUMN = 'seq', MESSAGE = format('the chain head of book %s only moves forward (%s to %s refused)', OLD.book, OLD.seq, NEW.seq);
        END IF;
        IF NEW.seq > 0 AND NOT EXISTS (SELECT 1 FROM voucher_seals s WHERE s.book = NEW.book AND s.seq = NEW.seq AND s.seal = NEW.seal) THEN
            RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'seal', MESSAGE = format('the chain head of book %s must be the stored seal at seq %s', NEW.book, NEW.seq);
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
CREATE FUNCTION voucher_beneficiaries_draft_only() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    r record;
BEGIN
    SELECT v.id, v.status INTO r FROM (SELECT DISTINCT book, voucher_id FROM new_rows) n
        JOIN vouchers v ON v.book = n.book AND v.id = n.voucher_id
        WHERE v.status <> 'draft' LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LE008', COLUMN = 'beneficiaries', MESSAGE = format('voucher %s is %s; its beneficiaries cannot change', r.id, r.status);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER voucher_beneficiaries_draft_only AFTER INSERT ON voucher_beneficiaries
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION voucher_beneficiaries_draft_only();

-- ---------------------------------------------------------------------
-- 7 Audit findings and the facts the rules read
-- ---------------------------------------------------------------------
--
-- Audit findings (rules A-01 … A-17, domain §6.7) with their states, and the
-- facts the rules read that the core ledger does not record: publications
-- (公示), the approved beneficiary roster, branch members and cadres, payee
-- accounts, meetings (collective decisions) and bank value dates.
--
-- Nothing deletes a finding, a state change, an evaluation run or any of the
-- recorded facts (trigger ledger_no_delete, SQLSTATE LE008 immutable).
-- A finding's state moves only open → acknowledged → rectified
-- (LE007 invalid_state); every change of state, note or deadline is written
-- to finding_events by trigger, with the database role that made it.
--
-- Roles: ledger_app reads and writes these tables (never deletes);
-- ledger_auditor reads everything and may UPDATE only the state columns of
-- audit_findings (state, note, deadline, updated_by, updated_at) and INSERT
-- into finding_events — auditors write nothing but finding states and notes
-- (SPEC §4).

-- Publications (公示) of special-fund spending, by an organisation or, with
-- org NULL, by the whole book (A-16, A-17). A category total that was not
-- published is NULL.
CREATE TABLE publicity (
    book               text NOT NULL REFERENCES books,
    id                 bigint GENERATED ALWAYS AS IDENTITY,
    org                text,
    date               date NOT NULL,
    channel            text NOT NULL DEFAULT '' CHECK (length(channel) <= 200),
    through            date CHECK (through IS NULL OR through <= date),
    procurement_fen    bigint CHECK (procurement_fen BETWEEN 0 AND 99999999999999),
    condolence_fen     bigint CHECK (condolence_fen BETWEEN 0 AND 99999999999999),
    relief_fen         bigint CHECK (relief_fen BETWEEN 0 AND 99999999999999),
    reported_total_fen bigint NOT NULL CHECK (reported_total_fen BETWEEN 0 AND 99999999999999),
    procurement        numeric(16, 2) GENERATED ALWAYS AS (procurement_fen / 100.0) STORED,
    condolence         numeric(16, 2) GENERATED ALWAYS AS (condolence_fen / 100.0) STORED,
    relief             numeric(16, 2) GENERATED ALWAYS AS (relief_fen / 100.0) STORED,
    reported_total     numeric(16, 2) GENERATED ALWAYS AS (reported_total_fen / 100.0) STORED,
    created_by         text NOT NULL,
    created_at         timestamptz NOT NULL,
    PRIMARY KEY (book, id),
    FOREIGN KEY (book, org) REFERENCES organisations (book, code)
);
CREATE INDEX publicity_date ON publicity (book, date);

-- The approved condolence/relief roster (经批准的慰问/救助花名册) of an
-- organisation, or of every organisation of the book with org NULL (A-06).
CREATE TABLE beneficiary_roster (
    book       text NOT NULL REFERENCES books,
    id         bigint GENERATED ALWAYS AS IDENTITY,
    org        text,
    name       text NOT NULL CHECK (name <> '' AND length(name) <= 100),
    id_number  text NOT NULL DEFAULT '' CHECK (length(id_number) <= 32),
    phone      text NOT NULL DEFAULT '' CHECK (length(phone) <= 32),
    category   text NOT NULL DEFAULT '' CHECK (length(category) <= 50),
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (book, id),
    FOREIGN KEY (book, org) REFERENCES organisations (book, code)
);
CREATE UNIQUE INDEX beneficiary_roster_person ON beneficiary_roster (book, (coalesce(org, '')), name, id_number);

-- Members and cadres (党员干部) of an organisation (A-11).
CREATE TABLE org_members (
    book       text NOT NULL REFERENCES books,
    id         bigint GENERATED ALWAYS AS IDENTITY,
    org        text NOT NULL,
    name       text NOT NULL CHECK (name <> '' AND length(name) <= 100),
    id_number  text NOT NULL DEFAULT '' CHECK (length(id_number) <= 32),
    cadre      boolean NOT NULL DEFAULT false,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (book, id),
    UNIQUE (book, org, name, id_number),
    FOREIGN KEY (book, org) REFERENCES organisations (book, code)
);

-- Whether the account a payee is paid into is a personal account (A-11).
CREATE TABLE payee_accounts (
    book       text NOT NULL REFERENCES books,
    payee      text NOT NULL CHECK (payee <> '' AND length(payee) <= 200),
    personal   boolean NOT NULL,
    updated_by text NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (book, payee)
);

-- Collective decisions (集体决策) named by a voucher's decision reference,
-- with the people who took part (A-07).
CREATE TABLE meetings (
    book       text NOT NULL REFERENCES books,
    decision   text NOT NULL CHECK (decision <> '' AND length(decision) <= 500),
    date       date,
    attendees  text[] NOT NULL CHECK (cardinality(attendees) BETWEEN 1 AND 200),
    updated_by text NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (book, decision)
);

-- The value date of a voucher's bank movement on the statement (A-14).
CREATE TABLE voucher_value_dates (
    book       text NOT NULL,
    voucher_id bigint NOT NULL,
    value_date date NOT NULL,
    source     text NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'statement')),
    set_by     text NOT NULL,
    set_at     timestamptz NOT NULL,
    PRIMARY KEY (book, voucher_id),
    FOREIGN KEY (book, voucher_id) REFERENCES vouchers (book, id)
);

-- One row per finding, identified by its stable key (rule|voucher|org|…):
-- re-evaluating finds the same row again and keeps its state. id is the
-- short number people use (ledger audit ack 12).
CREATE TABLE audit_findings (
    book          text NOT NULL REFERENCES books,
    key           text NOT NULL CHECK (key <> '' AND length(key) <= 1000),
    id            bigint GENERATED ALWAYS AS IDENTITY,
    rule          text NOT NULL CHECK (rule ~ '^A-[0-9]{2}$'),
    type          text NOT NULL,
    severity      text NOT NULL CHECK (severity IN ('HIGH', 'MEDIUM', 'LOW')),
    voucher_id    bigint,
    voucher_word  text NOT NULL DEFAULT '',
    date          date,
    org           text NOT NULL DEFAULT '',
    amount_fen    bigint NOT NULL DEFAULT 0,
    amount        numeric(16, 2) GENERATED ALWAYS AS (amount_fen / 100.0) STORED,
    explanation   text NOT NULL DEFAULT '',
    responsible   text NOT NULL DEFAULT '',
    state         text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'acknowledged', 'rectified')),
    note          text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
    deadline      date,
    first_seen_at timestamptz NOT NULL,
    last_seen_at  timestamptz NOT NULL,
    updated_by    text,
    updated_at    timestamptz,
    PRIMARY KEY (book, key),
    UNIQUE (book, id),
    FOREIGN KEY (book, voucher_id) REFERENCES vouchers (book, id)
);
CREATE INDEX audit_findings_open ON audit_findings (book, state, severity);

-- The append-only log of state changes (and notes) of findings.
CREATE TABLE finding_events (
    book        text NOT NULL,
    id          bigint GENERATED ALWAYS AS IDENTITY,
    finding_key text NOT NULL,
    finding_id  bigint NOT NULL,
    from_state  text NOT NULL,
    to_state    text NOT NULL CHECK (to_state IN ('open', 'acknowledged', 'rectified')),
    actor       text NOT NULL,
    db_role     text NOT NULL DEFAULT current_user,
    at          timestamptz NOT NULL,
    note        text NOT NULL DEFAULT '',
    deadline    date,
    PRIMARY KEY (book, id),
    FOREIGN KEY (book, finding_key) REFERENCES audit_findings (book, key)
);
CREATE INDEX finding_events_finding ON finding_events (book, finding_key);

-- Each evaluation (ledger audit, the monthly batch) and the findings it
-- found: the findings of a period are those of its latest run.
CREATE TABLE audit_runs (
    book        text NOT NULL REFERENCES books,
    id          bigint GENERATED ALWAYS AS IDENTITY,
    period_from date NOT NULL,
    period_to   date NOT NULL CHECK (period_to >= period_from),
    at          timestamptz NOT NULL,
    findings    int NOT NULL,
    PRIMARY KEY (book, id)
);
CREATE INDEX audit_runs_period ON audit_runs (book, period_from, period_to, id);

CREATE TABLE audit_run_findings (
    book        text NOT NULL,
    run_id      bigint NOT NULL,
    finding_key text NOT NULL,
    PRIMARY KEY (book, run_id, finding_key),
    FOREIGN KEY (book, run_id) REFERENCES audit_runs (book, id),
    FOREIGN KEY (book, finding_key) REFERENCES audit_findings (book, key)
);

-- A finding keeps its identity; its state moves only forward along
-- open → acknowledged → rectified, by a named person at a recorded time,
-- with a note.
-- +goose StatementBegin
CREATE FUNCTION audit_findings_before_update() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF (NEW.book, NEW.key, NEW.id, NEW.first_seen_at) IS DISTINCT FROM (OLD.book, OLD.key, OLD.id, OLD.first_seen_at) THEN
        RAISE EXCEPTION USING ERRCODE = 'LE008', MESSAGE = format('finding %s: its identity never changes', OLD.id);
    END IF;
    IF (NEW.state, NEW.note, NEW.deadline) IS NOT DISTINCT FROM (OLD.state, OLD.note, OLD.deadline) THEN
        RETURN NEW;
    END IF;
    IF NEW.state IS DISTINCT FROM OLD.state
       AND OLD.state || '>' || NEW.state NOT IN ('open>acknowledged', 'acknowledged>rectified') THEN
        RAISE EXCEPTION USING ERRCODE = 'LE007',
            COLUMN = 'state', MESSAGE = format('finding %s cannot go from %s to %s (open → acknowledged → rectified)', OLD.id, OLD.state, NEW.state);
    END IF;
    IF NEW.updated_by IS NULL OR NEW.updated_by = '' OR NEW.updated_at IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'updated_by', MESSAGE = 'who changes a finding and when is recorded';
    END IF;
    IF NEW.state IS DISTINCT FROM OLD.state AND btrim(NEW.note) = '' THEN
        RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'note', MESSAGE = 'a change of state needs a note';
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER audit_findings_before_update BEFORE UPDATE ON audit_findings
    FOR EACH ROW EXECUTE FUNCTION audit_findings_before_update();

-- +goose StatementBegin
CREATE FUNCTION audit_findings_after_update() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF (NEW.state, NEW.note, NEW.deadline) IS DISTINCT FROM (OLD.state, OLD.note, OLD.deadline) THEN
        INSERT INTO finding_events (book, finding_key, finding_id, from_state, to_state, actor, at, note, deadline)
            VALUES (NEW.book, NEW.key, NEW.id, OLD.state, NEW.state, NEW.updated_by, NEW.updated_at, NEW.note, NEW.deadline);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER audit_findings_after_update AFTER UPDATE ON audit_findings
    FOR EACH ROW EXECUTE FUNCTION audit_findings_after_update();

-- An event records the database role that wrote it. Written directly (not
-- by the trigger above) it is a note on the finding's current state.
-- +goose StatementBegin
CREATE FUNCTION finding_events_before_insert() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    cur text;
BEGIN
    NEW.db_role := current_user;
    IF pg_trigger_depth() = 1 THEN
        SELECT state INTO cur FROM audit_findings WHERE book = NEW.book AND key = NEW.finding_key AND id = NEW.finding_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'LE012', COLUMN = 'finding_key', MESSAGE = format('no finding %s with key %s', NEW.finding_id, NEW.finding_key);
        END IF;
        IF NEW.from_state IS DISTINCT FROM cur OR NEW.to_state IS DISTINCT FROM cur THEN
            RAISE EXCEPTION USING ERRCODE = 'LE007',
                COLUMN = 'to_state', MESSAGE = format('finding %s is %s; a state changes only by updating the finding', NEW.finding_id, cur);
        END IF;
        IF btrim(NEW.note) = '' THEN
            RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'note', MESSAGE = 'an event written directly is a note and needs its text';
        END IF;
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER finding_events_before_insert BEFORE INSERT ON finding_events
    FOR EACH ROW EXECUTE FUNCTION finding_events_before_insert();

CREATE TRIGGER audit_findings_no_delete BEFORE DELETE ON audit_findings
    FOR EACH ROW EXECUTE FUNCTION ledger_no_delete();
CREATE TRIGGER audit_findings_no_truncate BEFORE TRUNCATE ON audit_findings
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_no_delete();
CREATE TRIGGER finding_events_append_only BEFORE UPDATE OR DELETE ON finding_events
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER finding_events_no_truncate BEFORE TRUNCATE ON finding_events
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_no_delete();
CREATE TRIGGER audit_runs_append_only BEFORE UPDATE OR DELETE ON audit_runs
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER audit_run_findings_append_only BEFORE UPDATE OR DELETE ON audit_run_findings
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER publicity_append_only BEFORE UPDATE OR DELETE ON publicity
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER beneficiary_roster_no_delete BEFORE DELETE ON beneficiary_roster
    FOR EACH ROW EXECUTE FUNCTION ledger_no_delete();
CREATE TRIGGER org_members_no_delete BEFORE DELETE ON org_members
    FOR EACH ROW EXECUTE FUNCTION ledger_no_delete();
CREATE TRIGGER payee_accounts_no_delete BEFORE DELETE ON payee_accounts
    FOR EACH ROW EXECUTE FUNCTION ledger_no_delete();
CREATE TRIGGER meetings_no_delete BEFORE DELETE ON meetings
    FOR EACH ROW EXECUTE FUNCTION ledger_no_delete();
CREATE TRIGGER voucher_value_dates_no_delete BEFORE DELETE ON voucher_value_dates
    FOR EACH ROW EXECUTE FUNCTION ledger_no_delete();

-- ---------------------------------------------------------------------
-- 8 The HTTP API (`ledger serve`): API tokens and idempotent requests
-- ---------------------------------------------------------------------

-- API tokens are random 256-bit values shown once; only their SHA-256 hash
-- is stored, so checking a token is one indexed lookup and a leaked table
-- gives no usable token. A token belongs to a user of a book, expires, and
-- can be revoked. The hash is unique on its own (not per book) because a
-- request presents only the token; 256 random bits never collide, the
-- constraint only makes that an invariant. On a distributed engine this
-- table is a reference table, not one sharded by book.
CREATE TABLE api_tokens (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    book       text NOT NULL,
    user_name  text NOT NULL,
    token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    CHECK (expires_at > created_at),
    FOREIGN KEY (book, user_name) REFERENCES users (book, name)
);
CREATE INDEX api_tokens_user ON api_tokens (book, user_name);

-- Idempotent API writes: the first request with an Idempotency-Key claims
-- the key (status NULL while it runs), and its response is stored when it
-- completes; the same key with the same request replays the stored
-- response, with another request it is idempotency_conflict. Keys are
-- scoped per user. A claim left pending by a process that stopped (or lost
-- the database) between the write and storing the response is taken over
-- by the next request with the key. Rows older than the retention of the
-- server (7 days) are purged. Failed logins are rate-limited in the serving
-- process (per user and per address); nothing about them is stored here.
CREATE TABLE api_idempotency (
    book         text NOT NULL,
    user_name    text NOT NULL,
    key          text NOT NULL CHECK (key <> '' AND length(key) <= 200),
    method       text NOT NULL,
    path         text NOT NULL,
    request_hash text NOT NULL,
    instance     text NOT NULL,
    claimed_at   timestamptz NOT NULL DEFAULT now(),
    status       int CHECK (status BETWEEN 100 AND 599),
    response     bytea,
    completed_at timestamptz,
    PRIMARY KEY (book, user_name, key),
    CHECK ((status IS NULL) = (completed_at IS NULL))
);
CREATE INDEX api_idempotency_claimed ON api_idempotency (claimed_at);

-- ---------------------------------------------------------------------
-- 9 The monthly reconciliation batch (SPEC §7, `ledger reconcile`)
-- ---------------------------------------------------------------------
--
-- bank_statements       one row per bank statement file imported for a
--                       period, keyed by the SHA-256 of the file: importing
--                       the same file again for the period is a no-op.
-- bank_statement_lines  the statement's lines as read (amount signed from the
--                       account holder's side: money in positive), with
--                       their row in the file.
-- reconcile_runs        one row per distinct outcome of the batch for a
--                       period: the JSON summary of SPEC §7, the statement
--                       it used and whether the period was closed after it.
--                       A re-run with the same outcome finds its row and
--                       writes nothing (result_hash).
--
-- Everything a run writes (the statement, its lines, the run, the close of
-- the period with its summary and seal, the period event) is written in the
-- one transaction that ends the run, so a run killed at any point leaves
-- nothing half-written. All three tables are append-only.

CREATE TABLE bank_statements (
    book        text NOT NULL REFERENCES books,
    year        int NOT NULL,
    month       int NOT NULL,
    digest      text NOT NULL CHECK (digest ~ '^[0-9a-f]{64}$'),
    seq         bigint GENERATED ALWAYS AS IDENTITY,
    filename    text NOT NULL DEFAULT '',
    layout      text NOT NULL DEFAULT '',
    account     text NOT NULL,
    line_count  int NOT NULL CHECK (line_count >= 0),
    -- the statement balance at the period end, when the file gives one
    closing_fen bigint,
    closing     numeric(16, 2) GENERATED ALWAYS AS (closing_fen / 100.0) STORED,
    imported_at timestamptz NOT NULL,
    imported_by text NOT NULL,
    PRIMARY KEY (book, year, month, digest),
    UNIQUE (book, seq),
    FOREIGN KEY (book, year, month) REFERENCES periods (book, year, month),
    FOREIGN KEY (book, account) REFERENCES accounts (book, code)
);

CREATE TABLE bank_statement_lines (
    book         text NOT NULL,
    year         int NOT NULL,
    month        int NOT NULL,
    digest       text NOT NULL,
    row_no       int NOT NULL CHECK (row_no > 0),
    date         date NOT NULL,
    amount_fen   bigint NOT NULL,
    amount       numeric(16, 2) GENERATED ALWAYS AS (amount_fen / 100.0) STORED,
    reference    text NOT NULL DEFAULT '',
    counterparty text NOT NULL DEFAULT '',
    summary      text NOT NULL DEFAULT '',
    balance_fen  bigint,
    balance      numeric(16, 2) GENERATED ALWAYS AS (balance_fen / 100.0) STORED,
    PRIMARY KEY (book, year, month, digest, row_no),
    FOREIGN KEY (book, year, month, digest) REFERENCES bank_statements (book, year, month, digest)
);

CREATE TABLE reconcile_runs (
    book             text NOT NULL REFERENCES books,
    id               bigint GENERATED ALWAYS AS IDENTITY,
    year             int NOT NULL,
    month            int NOT NULL,
    result_hash      text NOT NULL CHECK (result_hash ~ '^[0-9a-f]{64}$'),
    status           text NOT NULL CHECK (status IN ('clean', 'discrepancies')),
    period_status    text NOT NULL CHECK (period_status IN ('open', 'closed')),
    closed_period    boolean NOT NULL DEFAULT false,
    statement_digest text,
    discrepancies    int NOT NULL DEFAULT 0,
    summary          jsonb NOT NULL,
    -- the 银行存款余额调节表 of the run (BankReconciliation as JSON), for T9
    bank             jsonb,
    run_at           timestamptz NOT NULL,
    run_by           text NOT NULL,
    PRIMARY KEY (book, id),
    UNIQUE (book, year, month, result_hash)
);
CREATE INDEX reconcile_runs_period ON reconcile_runs (book, year, month, id);

CREATE TRIGGER bank_statements_append_only BEFORE UPDATE OR DELETE ON bank_statements
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER bank_statement_lines_append_only BEFORE UPDATE OR DELETE ON bank_statement_lines
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER reconcile_runs_append_only BEFORE UPDATE OR DELETE ON reconcile_runs
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();

-- ---------------------------------------------------------------------
-- 10 Bulk import of approved vouchers (`ledger import --approved`)
-- ---------------------------------------------------------------------
--
-- A million vouchers must load at half the speed of a raw COPY of the same
-- rows (SPEC §5 and §9). Through the draft workflow a bulk load was many
-- times slower than that, and these were the costs (measured): the
-- numbering trigger upserts one counter row per voucher, whose versions
-- pile up in one transaction (quadratic); the foreign keys of voucher_lines
-- check four referenced rows per line, one row at a time (four times the
-- cost of writing the line); posting writes every voucher row a second time
-- through two row triggers. Hence the schema above: no foreign keys on the
-- lines (voucher_lines_after_insert checks them set-based), numbering for
-- drafts only, and vouchers_made_as_draft letting through only the posted
-- imports of this function.
--
-- ledger_import_approved (SECURITY DEFINER; ledger_app may execute it,
-- nobody else) checks a batch of approved vouchers set-based — book,
-- voucher types, users and their roles, who may not do which step, scopes,
-- the cashier's signature on cash/bank vouchers, open periods, active
-- organisations, restricted balances never below zero in the order given —
-- numbers them gaplessly in that order per (book, year, month, type),
-- writes them as posted (flow 'import') with their lines, moves the
-- balances and queues them for the sealer.
--
-- It loads one batch of approved historical vouchers of p_book for p_actor
-- (an admin) at time p_at, and returns their ids in the order given. The
-- batch comes as columns:
--
--   voucher i     v_row[i] (the file row of its first line, named in
--                 errors), v_key, v_date, v_type, v_summary, v_attachments,
--                 and its people as indexes into p_names: v_maker,
--                 v_checker, v_poster, v_cashier (0: none);
--   its lines     the elements j with l_voucher[j] = i: l_no (1..n),
--                 l_row, l_summary (NULL: the voucher's), l_debit,
--                 l_credit, and l_key, an index into the keys k_account,
--                 k_org, k_fund, k_purpose (NULL: none).
--
-- Errors name the file row as their column: rows[17].checker. The batches
-- of one file run in one transaction: the numbers continue from batch to
-- batch, and the balances each batch starts from are those the previous one
-- left.
--
-- Every statement works on the whole batch: the columns are read in step
-- (unnest in the select list streams them), names and keys are checked
-- once each, per-voucher and per-key values reach the lines by subscript
-- of fixed-width arrays without NULLs (O(1)), statements are joined by
-- hashing, never by a nested loop over two batch-sized inputs whose join
-- sizes the planner can only guess, and sums and orders run on integers.
-- +goose StatementBegin
CREATE FUNCTION ledger_import_approved(
    p_book text, p_actor text, p_at timestamptz,
    v_row int[], v_key text[], v_date date[], v_type text[], v_summary text[], v_attachments int[],
    v_maker int[], v_checker int[], v_cashier int[], v_poster int[], p_names text[],
    l_voucher int[], l_no int[], l_row int[], l_summary text[], l_key int[], l_debit bigint[], l_credit bigint[],
    k_account text[], k_org text[], k_fund text[], k_purpose text[])
RETURNS bigint[] LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp SET enable_nestloop = off SET work_mem = '64MB' AS $$
DECLARE
    n int := coalesce(cardinality(v_row), 0);
    m int := coalesce(cardinality(l_voucher), 0);
    np int := coalesce(cardinality(p_names), 0);
    nk int := coalesce(cardinality(k_account), 0);
    bk record;
    r record;
    bad record;
    field text;            -- the column of the file named by an error
    ids bigint[];
    totals bigint[];
    numbers int[];
    signed boolean[];
    scoped int[];
    k_cash boolean[];      -- per key: a cash/bank account
    k_active boolean[];    -- per key: an allocation to or spending by its organisation
    k_setup date[];        -- per key: its organisation's set-up and dissolution dates
    k_dissolved date[];
    k_fundid int[];        -- per key: its fund, as a number
    k_bal int[];           -- per key: its balance (account, organisation, fund), as a number
    k_restricted boolean[];
    seq regclass := pg_get_serial_sequence('public.vouchers', 'id')::regclass;
BEGIN
    IF n = 0 THEN
        RETURN '{}';
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(ARRAY[cardinality(v_key), cardinality(v_date), cardinality(v_type), cardinality(v_summary),
                   cardinality(v_attachments), cardinality(v_maker), cardinality(v_checker), cardinality(v_cashier), cardinality(v_poster)]) AS c
               WHERE c IS DISTINCT FROM n)
       OR EXISTS (SELECT 1 FROM unnest(ARRAY[cardinality(l_no), cardinality(l_row), cardinality(l_summary), cardinality(l_key),
                   cardinality(l_debit), cardinality(l_credit)]) AS c
               WHERE c IS DISTINCT FROM m)
       OR EXISTS (SELECT 1 FROM unnest(ARRAY[cardinality(k_org), cardinality(k_fund), cardinality(k_purpose)]) AS c WHERE c IS DISTINCT FROM nk) THEN
        RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'vouchers', MESSAGE = 'the columns of the batch differ in length';
    END IF;
    -- Names and keys are distinct (a person or a balance named twice would
    -- slip past the comparisons and sums below), and every index points
    -- into them.
    IF (SELECT count(DISTINCT x) FROM unnest(p_names) AS x) <> np
       OR (SELECT count(*) FROM (SELECT DISTINCT a, o, f, p FROM unnest(k_account, k_org, k_fund, k_purpose) AS k(a, o, f, p)) d) <> nk
       OR EXISTS (SELECT 1 FROM (SELECT unnest(v_maker) AS a, unnest(v_checker) AS b, unnest(v_cashier) AS c, unnest(v_poster) AS d) x
                  WHERE x.a NOT BETWEEN 1 AND np OR x.b NOT BETWEEN 1 AND np OR x.c NOT BETWEEN 0 AND np OR x.d NOT BETWEEN 1 AND np
                     OR x.a IS NULL OR x.b IS NULL OR x.c IS NULL OR x.d IS NULL)
       OR EXISTS (SELECT 1 FROM unnest(l_key) AS k WHERE k IS NULL OR k NOT BETWEEN 1 AND nk) THEN
        RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = 'vouchers', MESSAGE = 'the names or keys of the batch are repeated or out of range';
    END IF;
    SELECT count(DISTINCT i) AS k, min(i) AS lo, max(i) AS hi INTO r FROM (SELECT unnest(l_voucher) AS i) l;
    IF r.k <> n OR r.lo <> 1 OR r.hi <> n THEN
        RAISE EXCEPTION USING ERRCODE = 'LE001', COLUMN = 'lines', MESSAGE = 'every voucher of the batch has lines, and every line a voucher of the batch';
    END IF;

    SELECT b.require_cashier_sign, b.voucher_types INTO bk FROM books b WHERE b.book = p_book;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LE012', COLUMN = 'book', MESSAGE = format('book %s does not exist', p_book);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM users u WHERE u.book = p_book AND u.name = p_actor AND NOT u.disabled AND u.roles && '{admin}') THEN
        RAISE EXCEPTION USING ERRCODE = 'LE011', COLUMN = 'user', MESSAGE = format('%s is not an admin of book %s; an admin imports approved vouchers', p_actor, p_book);
    END IF;

    -- The voucher fields, and who may not do which step: the checker is not
    -- the maker; the cashier neither maker nor checker; the poster neither
    -- maker nor cashier.
    SELECT x.* INTO r FROM (
        SELECT unnest(v_row) AS file_row, unnest(v_key) AS key, unnest(v_date) AS date, unnest(v_type) AS type,
               unnest(v_summary) AS summary, unnest(v_attachments) AS attachments, unnest(v_maker) AS maker,
               unnest(v_checker) AS checker, unnest(v_cashier) AS cashier, unnest(v_poster) AS poster, generate_series(1, n) AS i) x
        WHERE x.key IS NULL OR length(x.key) NOT BETWEEN 1 AND 200 OR x.date IS NULL OR x.type IS NULL OR NOT x.type = ANY (bk.voucher_types)
           OR coalesce(x.summary, '') = '' OR length(x.summary) > 500 OR x.attachments IS NULL OR x.attachments NOT BETWEEN 0 AND 9999
           OR x.checker = x.maker OR x.cashier IN (x.maker, x.checker) OR x.poster = x.maker OR x.poster = x.cashier
        ORDER BY x.i LIMIT 1;
    IF FOUND THEN
        IF r.checker = r.maker OR r.cashier IN (r.maker, r.checker) OR r.poster = r.maker OR r.poster = r.cashier THEN
            RAISE EXCEPTION USING ERRCODE = 'LE006', COLUMN = format('rows[%s].%s', r.file_row, CASE WHEN r.checker = r.maker THEN 'checker' WHEN r.cashier IN (r.maker, r.checker) THEN 'cashier' ELSE 'poster' END), MESSAGE = 'the same person may not make, check, sign and post one voucher this way';
        END IF;
        field := CASE
            WHEN r.key IS NULL OR length(r.key) NOT BETWEEN 1 AND 200 THEN 'key'
            WHEN r.date IS NULL THEN 'date'
            WHEN r.type IS NULL OR NOT r.type = ANY (bk.voucher_types) THEN 'type'
            WHEN coalesce(r.summary, '') = '' OR length(r.summary) > 500 THEN 'summary'
            ELSE 'attachments' END;
        RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = format('rows[%s].%s', r.file_row, field), MESSAGE = CASE field
            WHEN 'key' THEN 'a voucher key has 1 to 200 characters'
            WHEN 'date' THEN 'the date is missing'
            WHEN 'type' THEN format('voucher type %s is not configured for book %s', r.type, p_book)
            WHEN 'summary' THEN 'the summary has 1 to 500 characters'
            ELSE 'attachments are 0 to 9999' END;
    END IF;

    -- The people: each exists, is enabled and holds a role for the step
    -- (checked once per name and step, then the first row is named).
    SELECT w.k, w.what, w.idx, p_names[w.idx] AS who, u.name IS NULL AS missing INTO r
        FROM (SELECT DISTINCT 1 AS k, 'maker' AS what, x AS idx, '{officer,admin}'::text[] AS need FROM unnest(v_maker) AS x
              UNION ALL SELECT DISTINCT 2, 'checker', x, '{checker,admin}'::text[] FROM unnest(v_checker) AS x
              UNION ALL SELECT DISTINCT 3, 'cashier', x, '{cashier}'::text[] FROM unnest(v_cashier) AS x WHERE x > 0
              UNION ALL SELECT DISTINCT 4, 'poster', x, '{checker,admin}'::text[] FROM unnest(v_poster) AS x) w
        LEFT JOIN users u ON u.book = p_book AND u.name = p_names[w.idx]
        WHERE u.name IS NULL OR u.disabled OR NOT u.roles && w.need
        ORDER BY w.k LIMIT 1;
    IF FOUND THEN
        SELECT x.file_row INTO bad FROM (
            SELECT unnest(v_row) AS file_row, unnest(v_maker) AS maker, unnest(v_checker) AS checker,
                   unnest(v_cashier) AS cashier, unnest(v_poster) AS poster) x
            WHERE r.idx = CASE r.k WHEN 1 THEN x.maker WHEN 2 THEN x.checker WHEN 3 THEN x.cashier ELSE x.poster END
            ORDER BY x.file_row LIMIT 1;
        IF r.missing THEN
            RAISE EXCEPTION USING ERRCODE = 'LE012', COLUMN = format('rows[%s].%s', bad.file_row, r.what), MESSAGE = format('user %s does not exist in book %s', coalesce(r.who, '(none)'), p_book);
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'LE011', COLUMN = format('rows[%s].%s', bad.file_row, r.what), MESSAGE = format('%s is disabled or lacks the role of %s', r.who, r.what);
    END IF;

    -- The keys: the account exists and is a leaf, the organisation and the
    -- fund exist, an expense account's purpose is the key's and the
    -- fund's, and donations are never spent. What posting needs of each key
    -- is kept in arrays indexed by key.
    SELECT k.i, a.code IS NULL AS no_account, o.code IS NULL AS no_org, f.code IS NULL AS no_fund, NOT a.leaf AS not_leaf INTO r
        FROM unnest(k_account, k_org, k_fund, k_purpose) WITH ORDINALITY AS k(account, org, fund, purpose, i)
        LEFT JOIN accounts a ON a.book = p_book AND a.code = k.account
        LEFT JOIN organisations o ON o.book = p_book AND o.code = k.org
        LEFT JOIN funds f ON f.book = p_book AND f.code = k.fund
        WHERE a.code IS NULL OR o.code IS NULL OR f.code IS NULL OR NOT a.leaf
           OR (a.purpose IS NOT NULL AND (k.purpose IS DISTINCT FROM a.purpose OR NOT a.purpose = ANY (f.purposes) OR f.kind = 'donation'))
           OR (a.purpose IS NULL AND k.purpose IS NOT NULL AND k.purpose NOT IN ('procurement', 'condolence', 'relief'))
        ORDER BY k.i LIMIT 1;
    IF FOUND THEN
        SELECT min(l.file_row) AS file_row INTO bad FROM (SELECT unnest(l_key) AS key, unnest(l_row) AS file_row) l WHERE l.key = r.i;
        IF r.no_account THEN
            RAISE EXCEPTION USING ERRCODE = 'LE012', COLUMN = format('rows[%s].account', bad.file_row), MESSAGE = format('account %s is not in the chart', k_account[r.i]);
        ELSIF r.no_org THEN
            RAISE EXCEPTION USING ERRCODE = 'LE012', COLUMN = format('rows[%s].organisation', bad.file_row), MESSAGE = format('organisation %s does not exist', k_org[r.i]);
        ELSIF r.no_fund THEN
            RAISE EXCEPTION USING ERRCODE = 'LE012', COLUMN = format('rows[%s].fund', bad.file_row), MESSAGE = format('fund %s does not exist', k_fund[r.i]);
        ELSIF r.not_leaf THEN
            RAISE EXCEPTION USING ERRCODE = 'LE010', COLUMN = format('rows[%s].account', bad.file_row), MESSAGE = format('%s is not a leaf account', k_account[r.i]);
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'LE003', COLUMN = format('rows[%s].purpose', bad.file_row), MESSAGE = format('%s is not a permitted purpose of fund %s on account %s', coalesce(k_purpose[r.i], '(none)'), k_fund[r.i], k_account[r.i]);
    END IF;
    SELECT array_agg(a.cash ORDER BY k.i), array_agg(a.restricted ORDER BY k.i),
           array_agg(a.purpose IS NOT NULL OR a.type = 'asset' AND a.restricted AND NOT a.cash ORDER BY k.i),
           array_agg(coalesce(o.set_up, '-infinity') ORDER BY k.i), array_agg(coalesce(o.dissolved, 'infinity') ORDER BY k.i),
           array_agg(dense_rank ORDER BY k.i), array_agg(bal ORDER BY k.i)
        INTO k_cash, k_restricted, k_active, k_setup, k_dissolved, k_fundid, k_bal
        FROM (SELECT k.*, dense_rank() OVER (ORDER BY k.fund COLLATE "C"),
                     dense_rank() OVER (ORDER BY k.account COLLATE "C", k.org COLLATE "C", k.fund COLLATE "C") AS bal
              FROM unnest(k_account, k_org, k_fund) WITH ORDINALITY AS k(account, org, fund, i)) k
        JOIN accounts a ON a.book = p_book AND a.code = k.account
        JOIN organisations o ON o.book = p_book AND o.code = k.org;

    -- A user with a scope acts only on organisations of its subtree (looked
    -- at only when such a user is in the batch).
    scoped := ARRAY(SELECT x.i FROM unnest(p_names) WITH ORDINALITY AS x(name, i)
                    JOIN users u ON u.book = p_book AND u.name = x.name AND u.scope IS NOT NULL);
    IF cardinality(scoped) > 0 THEN
        SELECT l.file_row, p_names[x.p] AS name, u.scope, k_org[l.key] AS org INTO r
            FROM (SELECT unnest(l_voucher) AS vi, unnest(l_row) AS file_row, unnest(l_key) AS key) l
            JOIN (SELECT i, unnest(ARRAY[maker, checker, cashier, poster]) AS p
                  FROM (SELECT unnest(v_maker) AS maker, unnest(v_checker) AS checker, unnest(v_cashier) AS cashier,
                               unnest(v_poster) AS poster, generate_series(1, n) AS i) v) x ON x.i = l.vi
            JOIN users u ON u.book = p_book AND u.name = p_names[x.p] AND u.scope IS NOT NULL
            LEFT JOIN organisations o ON o.book = p_book AND o.code = k_org[l.key]
            WHERE x.p = ANY (scoped) AND (o.code IS NULL OR position('/' || u.scope || '/' IN '/' || o.path || '/') = 0)
            ORDER BY l.file_row LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'LE011', COLUMN = format('rows[%s].organisation', r.file_row), MESSAGE = format('%s may act only within %s; %s is outside', r.name, r.scope, r.org);
        END IF;
    END IF;

    -- Per line, in one pass: amounts are positive, on one side; a
    -- cash/bank voucher was signed by the cashier; allocations to and
    -- spending by an organisation fall within its set-up and dissolution
    -- dates.
    signed := ARRAY(SELECT c > 0 FROM unnest(v_cashier) AS c);
    SELECT min(l.file_row) FILTER (WHERE l.debit IS NULL OR l.credit IS NULL OR l.debit < 0 OR l.credit < 0 OR (l.debit = 0) = (l.credit = 0)) AS amount,
           min(l.file_row) FILTER (WHERE bk.require_cashier_sign AND k_cash[l.key] AND NOT signed[l.vi]) AS unsigned,
           min(l.file_row) FILTER (WHERE l.debit > 0 AND k_active[l.key]
                                     AND (v_date[l.vi] < k_setup[l.key] OR v_date[l.vi] > k_dissolved[l.key])) AS inactive INTO r
        FROM (SELECT unnest(l_voucher) AS vi, unnest(l_row) AS file_row, unnest(l_key) AS key,
                     unnest(l_debit) AS debit, unnest(l_credit) AS credit) l;
    IF r.amount IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'LE009', COLUMN = format('rows[%s].debit', r.amount), MESSAGE = 'exactly one of debit and credit is an amount greater than 0';
    END IF;
    IF r.unsigned IS NOT NULL THEN
        SELECT x.file_row INTO bad FROM (SELECT unnest(v_row) AS file_row) x
            WHERE x.file_row <= r.unsigned ORDER BY x.file_row DESC LIMIT 1;
        RAISE EXCEPTION USING ERRCODE = 'LE007', COLUMN = format('rows[%s].cashier', bad.file_row), MESSAGE = 'a cash/bank voucher is signed by the cashier before it is posted';
    END IF;
    IF r.inactive IS NOT NULL THEN
        SELECT l.file_row, k_org[l.key] AS org, k_setup[l.key] AS set_up, k_dissolved[l.key] AS dissolved, v_date[l.vi] AS date INTO r
            FROM (SELECT unnest(l_voucher) AS vi, unnest(l_row) AS file_row, unnest(l_key) AS key) l
            WHERE l.file_row = r.inactive;
        RAISE EXCEPTION USING ERRCODE = 'LE005', COLUMN = format('rows[%s].organisation', r.file_row), MESSAGE = format('%s is not active on %s (set up %s, dissolved %s)', r.org, r.date, r.set_up, r.dissolved);
    END IF;

    -- Per voucher: its lines are numbered 1..n, n ≥ 2, and balance for
    -- each fund; its total is the sum of its debits.
    SELECT v.file_row, v.n, v.lo, v.hi INTO r FROM (
        SELECT x.vi, min(x.file_row) AS file_row, sum(x.n) AS n, min(x.lo) AS lo, max(x.hi) AS hi, bool_and(x.d = x.c) AS balanced
        FROM (SELECT l.vi, k_fundid[l.key] AS fund, min(l.file_row) AS file_row, count(*) AS n, min(l.no) AS lo, max(l.no) AS hi,
                     sum(l.debit) AS d, sum(l.credit) AS c
              FROM (SELECT unnest(l_voucher) AS vi, unnest(l_row) AS file_row, unnest(l_no) AS no, unnest(l_key) AS key,
                           unnest(l_debit) AS debit, unnest(l_credit) AS credit) l
              GROUP BY l.vi, k_fundid[l.key]) x
        GROUP BY x.vi) v
        WHERE v.n < 2 OR v.lo <> 1 OR v.hi <> v.n OR NOT v.balanced
        ORDER BY v.vi LIMIT 1;
    IF FOUND THEN
        IF r.n < 2 OR r.lo <> 1 OR r.hi <> r.n THEN
            RAISE EXCEPTION USING ERRCODE = 'LE001', COLUMN = format('rows[%s].key', r.file_row), MESSAGE = format('a voucher has at least 2 lines, numbered from 1 (%s lines numbered %s to %s)', r.n, r.lo, r.hi);
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'LE001', COLUMN = format('rows[%s].debit', r.file_row), MESSAGE = 'the voucher does not balance for each fund';
    END IF;

    -- The periods are open, and stay so (locked against a close).
    INSERT INTO periods (book, year, month)
        SELECT DISTINCT p_book, extract(year FROM d)::int, extract(month FROM d)::int FROM unnest(v_date) AS d ORDER BY 2, 3
        ON CONFLICT DO NOTHING;
    PERFORM 1 FROM periods p
        WHERE p.book = p_book AND (p.year, p.month) IN (SELECT DISTINCT extract(year FROM d)::int, extract(month FROM d)::int FROM unnest(v_date) AS d)
        ORDER BY p.year, p.month FOR SHARE;
    SELECT x.file_row, p.year, p.month INTO r
        FROM (SELECT unnest(v_row) AS file_row, unnest(v_date) AS date) x
        JOIN periods p ON p.book = p_book AND p.year = extract(year FROM x.date) AND p.month = extract(month FROM x.date)
        WHERE p.status = 'closed' ORDER BY x.file_row LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LE004', COLUMN = format('rows[%s].date', r.file_row), MESSAGE = format('period %s-%s of book %s is closed', r.year, lpad(r.month::text, 2, '0'), p_book);
    END IF;

    -- Numbers: the counters of the batch's months and types, locked in key
    -- order, continue gaplessly in the order of the batch.
    INSERT INTO voucher_counters (book, year, month, type, last)
        SELECT DISTINCT p_book, extract(year FROM x.date)::int, extract(month FROM x.date)::int, x.type, 0
        FROM (SELECT unnest(v_date) AS date, unnest(v_type) AS type) x ORDER BY 2, 3, 4
        ON CONFLICT DO NOTHING;
    PERFORM 1 FROM voucher_counters c
        WHERE c.book = p_book AND (c.year, c.month, c.type) IN (
            SELECT DISTINCT extract(year FROM x.date)::int, extract(month FROM x.date)::int, x.type
            FROM (SELECT unnest(v_date) AS date, unnest(v_type) AS type) x)
        ORDER BY c.year, c.month, c.type FOR UPDATE;
    numbers := ARRAY(
        SELECT c.last + row_number() OVER (PARTITION BY x.year, x.month, x.type COLLATE "C" ORDER BY x.i)
        FROM (SELECT extract(year FROM d)::int AS year, extract(month FROM d)::int AS month, t AS type, i
              FROM (SELECT unnest(v_date) AS d, unnest(v_type) AS t, generate_series(1, n) AS i) u) x
        JOIN voucher_counters c ON c.book = p_book AND c.year = x.year AND c.month = x.month AND c.type = x.type
        ORDER BY x.i);
    UPDATE voucher_counters c SET last = c.last + k.n
        FROM (SELECT extract(year FROM x.date)::int AS year, extract(month FROM x.date)::int AS month, x.type, count(*) AS n
              FROM (SELECT unnest(v_date) AS date, unnest(v_type) AS type) x GROUP BY 1, 2, 3) k
        WHERE c.book = p_book AND c.year = k.year AND c.month = k.month AND c.type = k.type;
    ids := ARRAY(SELECT nextval(seq) FROM generate_series(1, n));
    totals := ARRAY(SELECT sum(l.debit) FROM (SELECT unnest(l_voucher) AS vi, unnest(l_debit) AS debit) l GROUP BY l.vi ORDER BY l.vi);

    INSERT INTO vouchers (book, id, type, year, month, number, date, summary, attachments, flow, status, idem_key,
            maker, made_at, checker, checked_at, cashier, signed_at, poster, posted_at, total_fen)
        OVERRIDING SYSTEM VALUE
        SELECT p_book, x.id, x.type, extract(year FROM x.date)::int, extract(month FROM x.date)::int, x.number,
               x.date, x.summary, x.attachments, 'import', 'posted', x.key,
               p_names[x.maker], p_at, p_names[x.checker], p_at, p_names[nullif(x.cashier, 0)], CASE WHEN x.cashier > 0 THEN p_at END,
               p_names[x.poster], p_at, x.total
        FROM (SELECT unnest(ids) AS id, unnest(v_key) AS key, unnest(v_date) AS date, unnest(v_type) AS type, unnest(v_summary) AS summary,
                     unnest(v_attachments) AS attachments, unnest(v_maker) AS maker, unnest(v_checker) AS checker,
                     unnest(v_cashier) AS cashier, unnest(v_poster) AS poster, unnest(numbers) AS number, unnest(totals) AS total) x;

    -- The lines (voucher_lines_after_insert leaves them to this function,
    -- which has checked them).
    PERFORM set_config('ledger.importing', 'on', true);
    INSERT INTO voucher_lines (book, voucher_id, line_no, summary, account, org, fund, purpose, debit_fen, credit_fen)
        SELECT p_book, ids[l.vi], l.no, coalesce(l.summary, v.summary), k.account, k.org, k.fund, k.purpose, l.debit, l.credit
        FROM (SELECT unnest(l_voucher) AS vi, unnest(l_no) AS no, unnest(l_summary) AS summary, unnest(l_key) AS key,
                     unnest(l_debit) AS debit, unnest(l_credit) AS credit) l
        JOIN unnest(k_account, k_org, k_fund, k_purpose) WITH ORDINALITY AS k(account, org, fund, purpose, i) ON k.i = l.key
        JOIN (SELECT unnest(v_summary) AS summary, generate_series(1, n) AS i) v ON v.i = l.vi;
    PERFORM set_config('ledger.importing', '', true);

    -- Posting: no restricted balance goes below zero at any voucher, in the
    -- order of the batch (all the lines of one voucher count at once),
    -- starting from the stored balances, locked in key order.
    SELECT s.file_row, s.bal, s.running INTO r FROM (
        SELECT l.vi, l.file_row, k_bal[l.key] AS bal,
               coalesce(o.balance_fen, 0) + sum(l.debit - l.credit) OVER (PARTITION BY k_bal[l.key] ORDER BY l.vi) AS running
        FROM (SELECT unnest(l_voucher) AS vi, unnest(l_row) AS file_row, unnest(l_key) AS key,
                     unnest(l_debit) AS debit, unnest(l_credit) AS credit) l
        LEFT JOIN (SELECT k.bal, b.balance_fen
                   FROM (SELECT DISTINCT k_bal[i] AS bal, k_account[i] AS account, k_org[i] AS org, k_fund[i] AS fund
                         FROM generate_series(1, nk) AS i WHERE k_restricted[i]) k
                   JOIN balances b ON b.book = p_book AND b.account = k.account AND b.org = k.org AND b.fund = k.fund
                   ORDER BY b.account, b.org, b.fund FOR UPDATE OF b) o ON o.bal = k_bal[l.key]
        WHERE k_restricted[l.key]) s
        WHERE s.running < 0 ORDER BY s.vi, s.file_row LIMIT 1;
    IF FOUND THEN
        SELECT k_account[i] AS account, k_org[i] AS org, k_fund[i] AS fund INTO bad FROM generate_series(1, nk) AS i WHERE k_bal[i] = r.bal LIMIT 1;
        RAISE EXCEPTION USING ERRCODE = 'LE002', COLUMN = format('rows[%s].credit', r.file_row), MESSAGE = format('the balance of %s %s %s would be %s, below zero', bad.account, bad.org, bad.fund, r.running / 100.0);
    END IF;
    WITH d AS (
        SELECT k.account, k.org, k.fund, k.restricted, s.delta
        FROM (SELECT k_bal[l.key] AS bal, sum(l.debit - l.credit) AS delta
              FROM (SELECT unnest(l_key) AS key, unnest(l_debit) AS debit, unnest(l_credit) AS credit) l
              GROUP BY k_bal[l.key]) s
        JOIN (SELECT DISTINCT k_bal[i] AS bal, k_account[i] AS account, k_org[i] AS org, k_fund[i] AS fund, k_restricted[i] AS restricted
              FROM generate_series(1, nk) AS i) k ON k.bal = s.bal),
    u AS (
        UPDATE balances b SET balance_fen = b.balance_fen + d.delta, updated_at = now()
            FROM d WHERE b.book = p_book AND b.account = d.account AND b.org = d.org AND b.fund = d.fund
            RETURNING b.account, b.org, b.fund)
    INSERT INTO balances AS b (book, account, org, fund, restricted, balance_fen, updated_at)
        SELECT p_book, d.account, d.org, d.fund, d.restricted, d.delta, now()
        FROM d
        WHERE NOT EXISTS (SELECT 1 FROM u WHERE u.account = d.account AND u.org = d.org AND u.fund = d.fund)
        ORDER BY d.account, d.org, d.fund
        ON CONFLICT (book, account, org, fund) DO UPDATE
            SET balance_fen = b.balance_fen + excluded.balance_fen, updated_at = excluded.updated_at;

    -- The sealer's queue.
    INSERT INTO seal_pending (book, voucher_id, posted_at) SELECT p_book, unnest(ids), p_at;
    RETURN ids;
END $$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION ledger_import_approved FROM PUBLIC;

-- ---------------------------------------------------------------------
-- 11 Privileges
-- ---------------------------------------------------------------------
--
-- ledger_app reads everything and writes through the workflow: it never
-- deletes vouchers, lines, seals, findings, facts or logs, and never
-- writes balances or voucher_counters (moved only by the triggers, as the
-- owner: a counter moved by hand would leave a gap in the numbers).
-- ledger_auditor reads everything but the token hashes and stored API
-- answers, and writes nothing but finding states and notes.
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_app') THEN
        EXECUTE format('GRANT CONNECT ON DATABASE %I TO ledger_app, ledger_auditor', current_database());
        GRANT USAGE ON SCHEMA public TO ledger_app, ledger_auditor;
        GRANT SELECT ON books, accounts, organisations, funds, users, periods, period_events, voucher_counters,
            vouchers, voucher_lines, voucher_beneficiaries, balances, actions, idempotency,
            voucher_seals, seal_heads, seal_pending,
            publicity, beneficiary_roster, org_members, payee_accounts, meetings, voucher_value_dates,
            audit_findings, finding_events, audit_runs, audit_run_findings,
            bank_statements, bank_statement_lines, reconcile_runs TO ledger_app, ledger_auditor;
        GRANT SELECT ON api_tokens, api_idempotency TO ledger_app;
        GRANT INSERT ON books, accounts, organisations, funds, users, periods, period_events,
            vouchers, voucher_lines, voucher_beneficiaries, actions, idempotency,
            voucher_seals, seal_heads, seal_pending,
            publicity, beneficiary_roster, org_members, payee_accounts, meetings, voucher_value_dates,
            audit_findings, finding_events, audit_runs, audit_run_findings,
            api_tokens, api_idempotency, bank_statements, bank_statement_lines, reconcile_runs TO ledger_app;
        GRANT UPDATE ON books, accounts, organisations, funds, users, periods, vouchers, idempotency, seal_heads,
            beneficiary_roster, org_members, payee_accounts, meetings, voucher_value_dates, audit_findings,
            api_idempotency TO ledger_app;
        GRANT DELETE ON idempotency, seal_pending, api_idempotency TO ledger_app;
        -- SELECT … FOR UPDATE needs an UPDATE privilege on some column; the
        -- application locks balance rows in key order but never writes them.
        GRANT UPDATE (updated_at) ON balances TO ledger_app;
        GRANT UPDATE (revoked_at) ON api_tokens TO ledger_app;
        -- A voucher is made in one round trip: its lines, beneficiaries,
        -- action and idempotency record name it by currval of the voucher
        -- id's sequence, which needs SELECT on that sequence (SELECT allows
        -- currval, not nextval).
        EXECUTE format('GRANT SELECT ON SEQUENCE %s TO ledger_app', pg_get_serial_sequence('public.vouchers', 'id'));
        GRANT EXECUTE ON FUNCTION ledger_import_approved TO ledger_app;
        -- Auditors write nothing but finding states and notes, and see who
        -- holds access, never the token hashes.
        GRANT UPDATE (state, note, deadline, updated_by, updated_at) ON audit_findings TO ledger_auditor;
        GRANT INSERT ON finding_events TO ledger_auditor;
        GRANT SELECT (id, book, user_name, created_at, expires_at, revoked_at) ON api_tokens TO ledger_auditor;
        GRANT SELECT (book, user_name, key, method, path, claimed_at, status, completed_at) ON api_idempotency TO ledger_auditor;
        GRANT SELECT ON goose_db_version TO ledger_auditor, ledger_app;
    END IF;
END $$;
-- +goose StatementEnd
