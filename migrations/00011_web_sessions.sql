-- +goose Up
-- Sessions of the web workbench (ledger/web): a browser signs in with a
-- user name and password and gets a cookie holding a random session id;
-- only its SHA-256 hash is stored. Each session belongs to one user of one
-- book (the book is chosen at sign-in) and carries the CSRF secret its forms
-- and page scripts echo. A session ends when it is idle past the idle
-- timeout, at its absolute expiry, at sign-out, or when its user is
-- disabled (the trigger below deletes the user's sessions).
CREATE TABLE web_sessions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    book         text NOT NULL,
    user_name    text NOT NULL,
    session_hash bytea NOT NULL UNIQUE CHECK (length(session_hash) = 32),
    csrf_secret  text NOT NULL CHECK (length(csrf_secret) BETWEEN 32 AND 128),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen    timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    CHECK (expires_at > created_at),
    FOREIGN KEY (book, user_name) REFERENCES users (book, name) ON DELETE CASCADE
);
CREATE INDEX web_sessions_user ON web_sessions (book, user_name);
CREATE INDEX web_sessions_expires ON web_sessions (expires_at);

-- Disabling a user ends the user's sessions at once.
-- +goose StatementBegin
CREATE FUNCTION web_sessions_end_disabled() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    DELETE FROM web_sessions WHERE book = NEW.book AND user_name = NEW.name;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER users_end_web_sessions AFTER UPDATE OF disabled ON users
    FOR EACH ROW WHEN (NEW.disabled AND NOT OLD.disabled) EXECUTE FUNCTION web_sessions_end_disabled();

-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_app') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON web_sessions TO ledger_app;
    END IF;
END $$;
-- +goose StatementEnd
