-- +goose Up
-- Audit findings (rules A-01 … A-17, domain §6.7) with their states, and the
-- facts the rules read that the core ledger does not record: publications
-- (公示), the approved beneficiary roster, branch members and cadres, payee
-- accounts, meetings (collective decisions) and bank value dates.
--
-- Every table carries the book (SPEC §10). Amounts are integer fen with a
-- numeric yuan column generated beside them for auditors.
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

-- +goose StatementBegin
CREATE FUNCTION ledger_no_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'LE008',
        MESSAGE = format('%s: rows are never deleted', TG_TABLE_NAME);
END $$;
-- +goose StatementEnd

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
CREATE FUNCTION audit_findings_before_update() RETURNS trigger LANGUAGE plpgsql AS $$
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
            MESSAGE = format('state: finding %s cannot go from %s to %s (open → acknowledged → rectified)', OLD.id, OLD.state, NEW.state);
    END IF;
    IF NEW.updated_by IS NULL OR NEW.updated_by = '' OR NEW.updated_at IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'LE010', MESSAGE = 'updated_by: who changes a finding and when is recorded';
    END IF;
    IF NEW.state IS DISTINCT FROM OLD.state AND btrim(NEW.note) = '' THEN
        RAISE EXCEPTION USING ERRCODE = 'LE010', MESSAGE = 'note: a change of state needs a note';
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER audit_findings_before_update BEFORE UPDATE ON audit_findings
    FOR EACH ROW EXECUTE FUNCTION audit_findings_before_update();

-- +goose StatementBegin
CREATE FUNCTION audit_findings_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE FUNCTION finding_events_before_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cur text;
BEGIN
    NEW.db_role := current_user;
    IF pg_trigger_depth() = 1 THEN
        SELECT state INTO cur FROM audit_findings WHERE book = NEW.book AND key = NEW.finding_key AND id = NEW.finding_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'LE012', MESSAGE = format('finding_key: no finding %s with key %s', NEW.finding_id, NEW.finding_key);
        END IF;
        IF NEW.from_state IS DISTINCT FROM cur OR NEW.to_state IS DISTINCT FROM cur THEN
            RAISE EXCEPTION USING ERRCODE = 'LE007',
                MESSAGE = format('to_state: finding %s is %s; a state changes only by updating the finding', NEW.finding_id, cur);
        END IF;
        IF btrim(NEW.note) = '' THEN
            RAISE EXCEPTION USING ERRCODE = 'LE010', MESSAGE = 'note: an event written directly is a note and needs its text';
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

-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_app') THEN
        GRANT SELECT ON publicity, beneficiary_roster, org_members, payee_accounts, meetings, voucher_value_dates,
            audit_findings, finding_events, audit_runs, audit_run_findings TO ledger_app, ledger_auditor;
        GRANT INSERT ON publicity, beneficiary_roster, org_members, payee_accounts, meetings, voucher_value_dates,
            audit_findings, finding_events, audit_runs, audit_run_findings TO ledger_app;
        GRANT UPDATE ON beneficiary_roster, org_members, payee_accounts, meetings, voucher_value_dates,
            audit_findings TO ledger_app;
        -- Auditors write nothing but finding states and notes.
        GRANT UPDATE (state, note, deadline, updated_by, updated_at) ON audit_findings TO ledger_auditor;
        GRANT INSERT ON finding_events TO ledger_auditor;
    END IF;
END $$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE IF EXISTS audit_run_findings, audit_runs, finding_events, audit_findings, voucher_value_dates, meetings,
    payee_accounts, org_members, beneficiary_roster, publicity CASCADE;
DROP FUNCTION IF EXISTS audit_findings_before_update, audit_findings_after_update, finding_events_before_insert, ledger_no_delete;
