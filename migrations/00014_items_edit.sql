-- +goose Up
-- A draft's item lines (00007) are written again by an edit (00008) like
-- its lines and beneficiaries: ledger_clear_draft deletes from every child
-- table whose BEFORE DELETE trigger executes ledger_draft_child_delete, and
-- that trigger lets a delete through only in the transaction that moved the
-- draft a version up. voucher_items_immutable still refuses every update,
-- and a delete of a voucher that is no longer a draft; it fires first
-- (triggers fire in name order), so such a delete is refused as immutable.
CREATE TRIGGER voucher_items_only_by_edit BEFORE DELETE ON voucher_items
    FOR EACH ROW EXECUTE FUNCTION ledger_draft_child_delete();
