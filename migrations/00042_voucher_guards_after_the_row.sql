-- +goose Up
-- The rules of a voucher's update are checked after the row is written
-- (issue #19). They were BEFORE UPDATE row triggers: a table with any
-- BEFORE UPDATE row trigger has each row it updates locked first, so that
-- the trigger sees the row the update will replace, and that lock is a WAL
-- record of its own (54 bytes) ahead of the update's; a check and a post
-- paid it once each. The three functions only read OLD and NEW and raise,
-- and never change NEW, so they run as AFTER row triggers on the same
-- conditions: a refused update still aborts its statement, and no row is
-- locked twice.
--
-- AFTER row triggers of one event fire in the order of their names; the
-- guards are named to fire before the posting's trigger (renamed
-- vouchers_posting), so that a refused step is refused before the posting
-- locks and writes the balances, as before. grants_after_post keeps its
-- name: it only makes the lower book's draft, undone with the statement
-- when a guard refuses.

DROP TRIGGER vouchers_before_update ON vouchers;
DROP TRIGGER vouchers_before_edit ON vouchers;
DROP TRIGGER vouchers_check_window ON vouchers;
ALTER TRIGGER vouchers_after_post ON vouchers RENAME TO vouchers_posting;

CREATE TRIGGER vouchers_guard_edit AFTER UPDATE ON vouchers
    FOR EACH ROW
    WHEN (NEW.version IS DISTINCT FROM OLD.version OR NEW.edited_by IS DISTINCT FROM OLD.edited_by
          OR NEW.edited_at IS DISTINCT FROM OLD.edited_at)
    EXECUTE FUNCTION vouchers_before_edit();

CREATE TRIGGER vouchers_guard_step AFTER UPDATE ON vouchers
    FOR EACH ROW WHEN (NEW.version = OLD.version)
    EXECUTE FUNCTION vouchers_before_update();

CREATE TRIGGER vouchers_guard_window AFTER UPDATE OF date, total_fen ON vouchers
    FOR EACH ROW EXECUTE FUNCTION vouchers_check_window();
