-- +goose Up
-- The serving process keeps the user of each API token it saw lately in
-- memory (issue #19: no round trip to authenticate each request). It may
-- do so only while it hears of every change that could refuse a token: a
-- revoked or deleted token, a disabled, changed or deleted user. Each such
-- change notifies channel ledger_auth when it commits, whoever makes it
-- (the API, the CLI, raw SQL), and the listening process forgets what it
-- kept (ledger/postgres/authcache.go). A new token changes nothing kept.
-- +goose StatementBegin
CREATE FUNCTION ledger_auth_changed() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM pg_notify('ledger_auth', TG_TABLE_NAME);
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER api_tokens_auth_changed AFTER UPDATE OR DELETE OR TRUNCATE ON api_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_auth_changed();
CREATE TRIGGER users_auth_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_auth_changed();
