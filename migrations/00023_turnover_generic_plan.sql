-- +goose Up
-- ledger_post_turnover (00021) runs one statement for the vouchers p_ids of
-- a posting. With = ANY of the array, PostgreSQL planned that statement
-- afresh at every posting (0.5 ms: each custom plan, knowing the array's
-- length, looks cheaper than a generic one); the generic plan (an index
-- probe per voucher, its lines by key) is the one every call wants, the
-- importer's many ids included.
ALTER FUNCTION ledger_post_turnover(text, bigint[]) SET plan_cache_mode = force_generic_plan;
