-- +goose Up
-- ledger_import_approved plans its batch statements without nested loops
-- (SET enable_nestloop = off: they join whole arrays), and a function it
-- calls inherits the setting. So ledger_post_turnover, reading a batch's
-- vouchers and lines by key, hash-joined every line of the book instead:
-- each batch read all of voucher_lines, and an import's time grew with
-- the square of its size. It now plans with nested loops wherever it is
-- called from.
ALTER FUNCTION ledger_post_turnover(text, bigint[]) SET enable_nestloop = on;
