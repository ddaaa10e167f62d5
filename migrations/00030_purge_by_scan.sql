-- +goose Up
-- api_idempotency loses its index on claimed_at (issue #19): every write
-- of the API added an entry to it (three per voucher made, checked and
-- posted) for the hourly purge of records past their retention alone,
-- which now reads the table instead. The table holds the records of the
-- retention (7 days by default) and is read so once an hour; each key is
-- still found by the primary key.
DROP INDEX api_idempotency_claimed;
