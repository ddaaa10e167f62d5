-- +goose Up
-- A draft made through the API keeps its idempotency key on its row of the
-- action log only (00036), no longer also in vouchers.idem_key (issue #19):
-- the unique constraint on (book, idem_key) indexed every voucher, with or
-- without a key (B-tree indexes keep NULLs), and the API's key took a
-- second entry of 96 bytes of WAL per draft. The constraint becomes a
-- unique index of the vouchers that have a key of their own — those made
-- with a key outside the API (the CLI's --key, imports, grants,
-- year-end closes) — under the same name.
ALTER TABLE vouchers DROP CONSTRAINT vouchers_book_idem_key_key;
CREATE UNIQUE INDEX vouchers_book_idem_key_key ON vouchers (book, idem_key) WHERE idem_key IS NOT NULL;
