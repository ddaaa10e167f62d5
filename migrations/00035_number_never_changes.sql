-- +goose Up
-- vouchers_before_update fires for every update of a voucher that is not
-- an edit (the version unchanged). Its other condition — the voucher had
-- its number already (OLD.number > 0) or keeps it — let the deferred
-- numbering trigger write the number into a draft's placeholder. Drafts
-- take their numbers at their insert since 00031, and the trigger that
-- guarded the placeholder went with it: a voucher holding a number below
-- zero (which the table's check allows) could have had it changed
-- unchecked. Every voucher's number now stays as it is
-- (TestNumberNeverChanges).
DROP TRIGGER vouchers_before_update ON vouchers;
CREATE TRIGGER vouchers_before_update BEFORE UPDATE ON vouchers
    FOR EACH ROW WHEN (NEW.version = OLD.version) EXECUTE FUNCTION vouchers_before_update();
