-- +goose Up
-- A seal's voucher is checked once, by the seals' statement trigger, not
-- also by a foreign key (issue #19). voucher_seals_after_insert already
-- refuses a seal whose voucher is missing or not posted, for the whole
-- statement in one query. The foreign key checked each row again, and its
-- check locks the voucher's row (FOR KEY SHARE): a WAL record of 54 bytes
-- for every voucher sealed. The lock only kept the voucher from being
-- deleted before the seal commits, and a voucher is never deleted
-- (vouchers_no_delete; the application's role holds no DELETE on it).
ALTER TABLE voucher_seals DROP CONSTRAINT voucher_seals_book_voucher_id_fkey;
