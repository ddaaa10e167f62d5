-- +goose Up
-- Workflow steps as heap-only updates (issue #19). A voucher row is
-- written five times (made, its number at commit, checked, signed, posted);
-- each step that changes an indexed column, or a column an index's
-- predicate reads, writes a new entry into every index of the table and
-- its pages into the write-ahead log. The steps change status: two indexes
-- read it.
--
-- vouchers_period (book, year, month, status) is dropped: the unique key
-- (book, year, month, type, number) serves every lookup by period, the
-- status then filtered on the rows of the month.
DROP INDEX vouchers_period;

-- vouchers_one_reversal (one live red reversal per voucher) reads
-- voided_at instead of status: a voucher is void exactly when its voiding
-- is recorded, which a constraint now holds (before, a step could set
-- voided_at without voiding). voided_at changes only when a draft is
-- voided, so checking, signing and posting leave every index alone.
ALTER TABLE vouchers ADD CONSTRAINT vouchers_void_recorded
    CHECK ((status = 'void') = (voided_at IS NOT NULL)) NOT VALID;
ALTER TABLE vouchers VALIDATE CONSTRAINT vouchers_void_recorded;
CREATE UNIQUE INDEX vouchers_one_reversal_live ON vouchers (book, reversal_of) WHERE reversal_of IS NOT NULL AND voided_at IS NULL;
DROP INDEX vouchers_one_reversal;
ALTER INDEX vouchers_one_reversal_live RENAME TO vouchers_one_reversal;

-- Room on each page for the new versions of its rows: a heap-only update
-- must fit on the page of the row it replaces. A voucher's steps follow
-- within seconds of its insert, and an idempotent request's answer
-- within milliseconds of its claim.
ALTER TABLE vouchers SET (fillfactor = 70);
ALTER TABLE api_idempotency SET (fillfactor = 50);
