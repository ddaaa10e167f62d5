-- +goose Up
-- The serving process also keeps each book's chart, organisations and
-- funds (postgres.LoadBooks) without a round trip to learn the book's
-- revision, while it hears of every change: a change of books — and so of
-- accounts, organisations and funds, whose triggers bump the book's
-- revision — notifies channel ledger_auth when it commits, as a change of
-- tokens or users does (00019), and the process reads the revision again.
CREATE TRIGGER books_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON books
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_auth_changed();
