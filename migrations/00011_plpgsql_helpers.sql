-- The two helper functions the triggers call for every voucher are
-- PL/pgSQL rather than SQL functions: a SQL function that is not inlined
-- plans its query on every call, a PL/pgSQL function once per session.

-- +goose Up
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ledger_user_has(p_book text, p_name text, p_roles text[]) RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM users WHERE book = p_book AND name = p_name AND NOT disabled AND roles && p_roles);
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ledger_is_owner(rel oid) RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
BEGIN
    RETURN (SELECT pg_has_role(current_user, c.relowner, 'USAGE') FROM pg_class c WHERE c.oid = rel);
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ledger_user_has(p_book text, p_name text, p_roles text[]) RETURNS boolean
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM users WHERE book = p_book AND name = p_name AND NOT disabled AND roles && p_roles)
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ledger_is_owner(rel oid) RETURNS boolean
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
    SELECT pg_has_role(current_user, c.relowner, 'USAGE') FROM pg_class c WHERE c.oid = rel
$$;
-- +goose StatementEnd
