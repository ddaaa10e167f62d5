-- +goose Up
-- The action log is found by voucher through a block-range index (issue #19).
--
-- actions_pkey (book, voucher_id, id) took an entry for every action:
-- three per voucher made, checked and posted, about 80 bytes of WAL each,
-- 240 bytes a voucher. The log is append-only (actions_append_only) and
-- a voucher's actions are written close together in time, so they lie in
-- a few neighbouring pages: a BRIN index keeps, for each 32 pages, the
-- voucher ids found there, and a reader of one voucher's actions reads
-- only the ranges that may hold them. The minmax-multi operator class keeps
-- several intervals per range, so an action on an old voucher (a void, an
-- attachment months later) does not widen its range to every voucher in
-- between. An insert into the log's last, not yet summarised range writes
-- nothing to the index; autosummarize asks autovacuum to summarise a range
-- once it is full, and a VACUUM summarises every range.
--
-- The readers by voucher:
--   * a voucher's history (VoucherVersions, 凭证的修改记录): this index;
--   * the edit guard (vouchers_edit_complete) looks for the edit's action:
--     actions_edits, a B-tree over the edits only;
--   * the seal check reads the attachments' actions of a run of sealed
--     vouchers (verify.go): actions_attachments, over attachments only.
-- An API request's step is found by its key (actions_idem_key), a
-- revealed 身份证号 by reveal_id's own index (actions_reveals).
--
-- The table keeps no primary key: id is an identity column (GENERATED
-- ALWAYS), so no two actions share it, and nothing refers to an action by
-- it.
ALTER TABLE actions DROP CONSTRAINT actions_pkey;
CREATE INDEX actions_by_voucher ON actions USING brin (voucher_id int8_minmax_multi_ops)
    WITH (pages_per_range = 32, autosummarize = on);
CREATE INDEX actions_edits ON actions (book, voucher_id) WHERE action = 'edit';
CREATE INDEX actions_attachments ON actions (book, voucher_id) WHERE action = 'attach';
