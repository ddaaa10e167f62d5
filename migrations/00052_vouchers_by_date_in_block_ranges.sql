-- +goose Up
-- The vouchers are found by date through a block-range index (issue #19).
--
-- vouchers_date (book, date), a B-tree since the baseline, took an entry
-- for every voucher made: about 75 bytes of WAL. Vouchers are made in the
-- order of their dates, near enough, so a BRIN index keeps for each 32
-- pages the dates found there, and a search of a period reads the ranges
-- that may hold it (a bitmap of pages, then the rows checked). The
-- minmax-multi operator class keeps several intervals per range, so a
-- voucher dated far from its neighbours (an opening balance, a late
-- correction, an import of last year) does not widen its range to every
-- date in between. The readers by date are the reports and the monthly
-- batch, which read a period's vouchers whole, and 凭证查询, which orders
-- its page by id. A voucher made into the last, not yet summarised range
-- writes nothing to the index; autosummarize asks autovacuum to summarise
-- a range once it is full.
DROP INDEX vouchers_date;
CREATE INDEX vouchers_date ON vouchers USING brin (date date_minmax_multi_ops)
    WITH (pages_per_range = 32, autosummarize = on);
