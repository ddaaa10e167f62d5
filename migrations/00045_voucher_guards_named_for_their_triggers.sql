-- +goose Up
-- The functions of the vouchers' update rules, AFTER triggers since
-- migrations/00042_voucher_guards_after_the_row.sql, take the names of
-- their triggers: a function called "before" that fires after the row is
-- written misleads whoever reads the schema. vouchers_check_window keeps
-- its name: a BEFORE INSERT trigger runs it too.
ALTER FUNCTION vouchers_before_update() RENAME TO vouchers_guard_step;
ALTER FUNCTION vouchers_before_edit() RENAME TO vouchers_guard_edit;
