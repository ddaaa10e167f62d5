-- +goose Up
-- Core schema of the special Party-fee ledger.
--
-- Every table carries the book (SPEC §10: the book is the unit of sharding).
-- Amounts are integer fen (bigint); the core tables also expose them as
-- numeric yuan in generated columns for auditors. Every rule of SPEC §4 is
-- enforced here as well as in Go: constraints, triggers and locked checks.
--
-- Errors raised by triggers use SQLSTATEs of class "LE" (ledger error); the
-- adapter maps them to SPEC §4 codes in ledger/postgres/errors.go:
--   LE001 unbalanced          LE002 insufficient_funds  LE003 purpose_not_allowed
--   LE004 period_closed       LE005 org_inactive        LE006 same_person
--   LE007 invalid_state       LE008 immutable           LE009 invalid_amount
--   LE010 invalid             LE011 forbidden           LE012 not_found

CREATE TABLE books (
    book                   text PRIMARY KEY CHECK (book ~ '^[A-Za-z0-9_-]{1,32}$'),
    name                   text NOT NULL CHECK (name <> ''),
    bank_name              text NOT NULL DEFAULT '',
    bank_account           text NOT NULL DEFAULT '',
    require_cashier_sign   boolean NOT NULL DEFAULT true,
    voucher_types          text[] NOT NULL DEFAULT '{记}',
    approval_threshold_fen bigint NOT NULL DEFAULT 100000 CHECK (approval_threshold_fen > 0),
    created_at             timestamptz NOT NULL DEFAULT now()
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

-- Voucher numbers are gapless per (book, year, month, type): the counter row
-- is incremented in the inserting transaction, so a rollback gives the
-- number back and concurrent inserts queue on the row.
CREATE TABLE voucher_counters (
    book   text NOT NULL REFERENCES books,
    year   int NOT NULL,
    month  int NOT NULL,
    type   text NOT NULL,
    last   int NOT NULL,
    PRIMARY KEY (book, year, month, type)
);

CREATE TABLE vouchers (
    book          text NOT NULL REFERENCES books,
    id            bigint GENERATED ALWAYS AS IDENTITY,
    type          text NOT NULL DEFAULT '记' CHECK (type <> ''),
    year          int NOT NULL,
    month         int NOT NULL,
    number        int NOT NULL CHECK (number > 0),
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
    FOREIGN KEY (book, reversal_of) REFERENCES vouchers (book, id),
    FOREIGN KEY (book, correction_of) REFERENCES vouchers (book, id),
    CHECK (year = extract(year FROM date) AND month = extract(month FROM date)),
    CHECK (status IN ('draft', 'void') OR checker IS NOT NULL),
    CHECK (status <> 'posted' OR (poster IS NOT NULL AND posted_at IS NOT NULL))
);
CREATE UNIQUE INDEX vouchers_one_reversal ON vouchers (book, reversal_of) WHERE reversal_of IS NOT NULL AND status <> 'void';
CREATE INDEX vouchers_period ON vouchers (book, year, month, status);
CREATE INDEX vouchers_date ON vouchers (book, date);

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
    FOREIGN KEY (book, voucher_id) REFERENCES vouchers (book, id),
    FOREIGN KEY (book, account) REFERENCES accounts (book, code),
    FOREIGN KEY (book, org) REFERENCES organisations (book, code),
    FOREIGN KEY (book, fund) REFERENCES funds (book, code),
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

-- ---------------------------------------------------------------------
-- Trigger functions
-- ---------------------------------------------------------------------

-- +goose StatementBegin
CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'LE008',
        MESSAGE = format('%s is append-only: rows are never changed or deleted', TG_TABLE_NAME);
END $$;
-- +goose StatementEnd

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

-- ledger_user_has reports whether an enabled user of the book holds one of
-- the roles (the application's users, table users).
-- +goose StatementBegin
CREATE FUNCTION ledger_user_has(p_book text, p_name text, p_roles text[]) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM users WHERE book = p_book AND name = p_name AND NOT disabled AND roles && p_roles)
$$;
-- +goose StatementEnd

-- A new voucher takes the next gapless number of its (book, year, month,
-- type), must be dated in an open period and starts as a draft. The
-- function runs as the schema owner so that only it moves the counters:
-- the application role may not write voucher_counters (a counter moved by
-- hand would leave a gap).
-- +goose StatementBegin
CREATE FUNCTION vouchers_before_insert() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    st text;
BEGIN
    NEW.year := extract(year FROM NEW.date);
    NEW.month := extract(month FROM NEW.date);
    IF NOT NEW.type = ANY (SELECT unnest(voucher_types) FROM books WHERE book = NEW.book) THEN
        RAISE EXCEPTION USING ERRCODE = 'LE010', MESSAGE = format('type: voucher type %s is not configured for book %s', NEW.type, NEW.book);
    END IF;
    INSERT INTO periods (book, year, month) VALUES (NEW.book, NEW.year, NEW.month) ON CONFLICT DO NOTHING;
    SELECT status INTO st FROM periods WHERE book = NEW.book AND year = NEW.year AND month = NEW.month FOR SHARE;
    IF st = 'closed' THEN
        RAISE EXCEPTION USING ERRCODE = 'LE004', MESSAGE = format('date: period %s-%s of book %s is closed', NEW.year, lpad(NEW.month::text, 2, '0'), NEW.book);
    END IF;
    IF NEW.status <> 'draft' THEN
        RAISE EXCEPTION USING ERRCODE = 'LE007', MESSAGE = 'status: a voucher is made as a draft';
    END IF;
    IF NOT ledger_user_has(NEW.book, NEW.maker, '{officer,admin}') THEN
        RAISE EXCEPTION USING ERRCODE = 'LE011', MESSAGE = format('maker: %s is not an officer or admin of book %s', NEW.maker, NEW.book);
    END IF;
    IF NEW.reversal_of IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM vouchers o WHERE o.book = NEW.book AND o.id = NEW.reversal_of AND o.status = 'posted') THEN
        RAISE EXCEPTION USING ERRCODE = 'LE007', MESSAGE = format('reversal_of: voucher %s is not posted; only a posted voucher is reversed', NEW.reversal_of);
    END IF;
    INSERT INTO voucher_counters AS c (book, year, month, type, last)
        VALUES (NEW.book, NEW.year, NEW.month, NEW.type, 1)
        ON CONFLICT (book, year, month, type) DO UPDATE SET last = c.last + 1
        RETURNING last INTO NEW.number;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER vouchers_before_insert BEFORE INSERT ON vouchers
    FOR EACH ROW EXECUTE FUNCTION vouchers_before_insert();

-- Lines are written once, with their voucher while it is a draft, all in
-- one statement; after the statement every touched voucher has ≥ 2 lines
-- and balances per fund, leaf accounts only, purposes the fund permits,
-- negative amounts only on red reversals.
-- +goose StatementBegin
CREATE FUNCTION voucher_lines_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    SELECT v.id INTO r FROM (SELECT DISTINCT book, voucher_id FROM new_lines) n
        JOIN vouchers v ON v.book = n.book AND v.id = n.voucher_id
        WHERE v.status <> 'draft' LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LE008', MESSAGE = format('lines: voucher %s is no longer a draft; its lines cannot change', r.id);
    END IF;

    SELECT n.voucher_id, n.line_no, n.account INTO r FROM new_lines n
        JOIN accounts a ON a.book = n.book AND a.code = n.account
        WHERE NOT a.leaf LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LE010', MESSAGE = format('lines[%s].account: %s is not a leaf account', r.line_no, r.account);
    END IF;

    SELECT n.voucher_id, n.line_no INTO r FROM new_lines n
        JOIN vouchers v ON v.book = n.book AND v.id = n.voucher_id
        WHERE (n.debit_fen < 0 OR n.credit_fen < 0) AND v.reversal_of IS NULL LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LE009', MESSAGE = format('lines[%s].amount: negative amounts are only allowed on a red reversal', r.line_no);
    END IF;

    -- A red reversal negates the lines of the voucher it cancels exactly,
    -- line by line: the only negative amounts the ledger holds.
    SELECT v.id, v.reversal_of INTO r FROM (SELECT DISTINCT book, voucher_id FROM new_lines) n
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
        RAISE EXCEPTION USING ERRCODE = 'LE009', MESSAGE = format('lines: red voucher %s does not negate the lines of voucher %s exactly', r.id, r.reversal_of);
    END IF;

    -- Expense accounts bound to a purpose: the line names that purpose and
    -- the fund permits it; donations are never spent.
    SELECT n.voucher_id, n.line_no, n.fund, coalesce(n.purpose, '(none)') AS purpose, a.purpose AS want INTO r
        FROM new_lines n
        JOIN accounts a ON a.book = n.book AND a.code = n.account
        JOIN funds f ON f.book = n.book AND f.code = n.fund
        WHERE a.purpose IS NOT NULL
          AND (n.purpose IS DISTINCT FROM a.purpose OR NOT a.purpose = ANY (f.purposes) OR f.kind = 'donation')
        LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LE003', MESSAGE = format('lines[%s].purpose: %s is not a permitted purpose of fund %s on this account (wants %s)', r.line_no, r.purpose, r.fund, r.want);
    END IF;

    SELECT t.voucher_id, t.fund, t.d, t.c INTO r FROM (
        SELECT l.voucher_id, l.fund, sum(l.debit_fen) AS d, sum(l.credit_fen) AS c
        FROM voucher_lines l
        WHERE (l.book, l.voucher_id) IN (SELECT DISTINCT book, voucher_id FROM new_lines)
        GROUP BY l.voucher_id, l.fund) t
        WHERE t.d <> t.c LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LE001', MESSAGE = format('lines: voucher %s does not balance for fund %s: debit %s, credit %s', r.voucher_id, r.fund, r.d / 100.0, r.c / 100.0);
    END IF;

    SELECT l.voucher_id, count(*) AS n INTO r FROM voucher_lines l
        WHERE (l.book, l.voucher_id) IN (SELECT DISTINCT book, voucher_id FROM new_lines)
        GROUP BY l.voucher_id HAVING count(*) < 2 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LE001', MESSAGE = format('lines: voucher %s needs at least 2 lines', r.voucher_id);
    END IF;

    UPDATE vouchers v SET total_fen = t.d
        FROM (SELECT l.book, l.voucher_id, sum(l.debit_fen) AS d FROM voucher_lines l
              WHERE (l.book, l.voucher_id) IN (SELECT DISTINCT book, voucher_id FROM new_lines)
              GROUP BY l.book, l.voucher_id) t
        WHERE v.book = t.book AND v.id = t.voucher_id AND v.total_fen IS DISTINCT FROM t.d;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER voucher_lines_after_insert AFTER INSERT ON voucher_lines
    REFERENCING NEW TABLE AS new_lines
    FOR EACH STATEMENT EXECUTE FUNCTION voucher_lines_after_insert();

-- The state machine of SPEC §3 and the immutability of checked and posted
-- vouchers: only the workflow columns change, only along allowed edges, and
-- each step is done by a person the table allows.
-- +goose StatementBegin
CREATE FUNCTION vouchers_before_update() RETURNS trigger LANGUAGE plpgsql AS $$
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
            RAISE EXCEPTION USING ERRCODE = 'LE010', MESSAGE = 'voided_by: who voids the voucher is recorded';
        END IF;
        IF NEW.voided_by <> OLD.maker AND NOT ledger_user_has(OLD.book, NEW.voided_by, '{admin}') THEN
            RAISE EXCEPTION USING ERRCODE = 'LE006', MESSAGE = format('voided_by: only the maker %s or an admin voids voucher %s', OLD.maker, OLD.id);
        END IF;
    WHEN 'draft>checked' THEN
        IF NEW.checker IS NULL OR NEW.checked_at IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'LE010', MESSAGE = 'checker: who checks the voucher is recorded';
        END IF;
        IF NEW.checker = OLD.maker THEN
            RAISE EXCEPTION USING ERRCODE = 'LE006', MESSAGE = format('checker: %s made voucher %s and cannot check it', NEW.checker, OLD.id);
        END IF;
        IF NOT ledger_user_has(OLD.book, NEW.checker, '{checker,admin}') THEN
            RAISE EXCEPTION USING ERRCODE = 'LE011', MESSAGE = format('checker: %s is not a checker or admin of book %s', NEW.checker, OLD.book);
        END IF;
    WHEN 'checked>draft' THEN
        IF NEW.checker IS NOT NULL OR NEW.checked_at IS NOT NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'LE010', MESSAGE = 'checker: unchecking clears the check';
        END IF;
    WHEN 'checked>signed' THEN
        IF NEW.cashier IS NULL OR NEW.signed_at IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'LE010', MESSAGE = 'cashier: who signs the voucher is recorded';
        END IF;
        IF NEW.cashier IN (OLD.maker, OLD.checker) THEN
            RAISE EXCEPTION USING ERRCODE = 'LE006', MESSAGE = format('cashier: %s made or checked voucher %s and cannot sign it', NEW.cashier, OLD.id);
        END IF;
        IF NOT ledger_user_has(OLD.book, NEW.cashier, '{cashier}') THEN
            RAISE EXCEPTION USING ERRCODE = 'LE011', MESSAGE = format('cashier: %s is not a cashier of book %s', NEW.cashier, OLD.book);
        END IF;
    WHEN 'checked>posted', 'signed>posted' THEN
        IF NEW.poster IS NULL OR NEW.posted_at IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'LE010', MESSAGE = 'poster: who posts the voucher is recorded';
        END IF;
        IF NEW.poster = OLD.maker THEN
            RAISE EXCEPTION USING ERRCODE = 'LE006', MESSAGE = format('poster: %s made voucher %s and cannot post it', NEW.poster, OLD.id);
        END IF;
        IF NEW.poster = OLD.cashier THEN
            RAISE EXCEPTION USING ERRCODE = 'LE006', MESSAGE = format('poster: %s signed voucher %s as cashier and cannot post it', NEW.poster, OLD.id);
        END IF;
        IF NOT ledger_user_has(OLD.book, NEW.poster, '{checker,admin}') THEN
            RAISE EXCEPTION USING ERRCODE = 'LE011', MESSAGE = format('poster: %s is not a checker or admin of book %s', NEW.poster, OLD.book);
        END IF;
        IF OLD.status = 'checked' THEN
            SELECT b.require_cashier_sign AND EXISTS (
                SELECT 1 FROM voucher_lines l JOIN accounts a ON a.book = l.book AND a.code = l.account
                WHERE l.book = OLD.book AND l.voucher_id = OLD.id AND a.cash)
            INTO needs_cashier FROM books b WHERE b.book = OLD.book;
            IF needs_cashier THEN
                RAISE EXCEPTION USING ERRCODE = 'LE007', MESSAGE = format('status: cash/bank voucher %s must be signed by the cashier before posting', OLD.id);
            END IF;
        END IF;
    ELSE
        RAISE EXCEPTION USING ERRCODE = 'LE007', MESSAGE = format('status: voucher %s cannot go from %s to %s', OLD.id, OLD.status, NEW.status);
    END CASE;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER vouchers_before_update BEFORE UPDATE ON vouchers
    FOR EACH ROW EXECUTE FUNCTION vouchers_before_update();

-- Posting: the period is open (locked against a concurrent close), every
-- organisation allocated to or spending is active on the voucher date, and
-- the lines move the stored balances; the restricted-balance check
-- constraint rejects an overdraft. Set-based, so a bulk post of many
-- vouchers in one statement costs one pass.
-- +goose StatementBegin
CREATE FUNCTION vouchers_after_post() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
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
CREATE TRIGGER vouchers_after_post AFTER UPDATE ON vouchers
    REFERENCING OLD TABLE AS old_v NEW TABLE AS new_v
    FOR EACH STATEMENT EXECUTE FUNCTION vouchers_after_post();

-- Closing a period needs every voucher of it posted or void; a closed
-- period re-opens only when it is the book's latest closed month.
-- +goose StatementBegin
CREATE FUNCTION periods_before_update() RETURNS trigger LANGUAGE plpgsql AS $$
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

-- +goose Down
DROP TABLE IF EXISTS idempotency, actions, balances, voucher_beneficiaries, voucher_lines, vouchers,
    voucher_counters, period_events, periods, users, funds, organisations, accounts, books CASCADE;
DROP FUNCTION IF EXISTS ledger_user_has, ledger_append_only, vouchers_before_insert, voucher_lines_after_insert,
    vouchers_before_update, vouchers_after_post, periods_before_update;
