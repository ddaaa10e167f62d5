-- +goose Up
-- The answer of an idempotent write that makes or moves a voucher is the
-- voucher itself (issue #19): such a record holds the voucher and the step
-- instead of the answer's bytes, and a replay rebuilds the answer from the
-- ledger — the voucher as the step left it: its status, who did the step
-- (user_name) and when (completed_at, the time the step wrote on the
-- voucher), the later steps not yet done. Three answers of about 700
-- bytes of write-ahead log each are no longer written per voucher, nor the
-- draft's answer in a transaction of its own after the draft's commit: the
-- draft's record is complete in the draft's own transaction.
--
-- Records with a stored response are unchanged, and every other write
-- still stores its answer.
ALTER TABLE api_idempotency
    ADD COLUMN voucher_id bigint,
    ADD COLUMN step text,
    ADD CONSTRAINT api_idempotency_voucher_step CHECK ((voucher_id IS NULL) = (step IS NULL)),
    ADD CONSTRAINT api_idempotency_answer_or_voucher CHECK (voucher_id IS NULL OR (status IS NOT NULL AND response IS NULL));

-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_auditor') THEN
        GRANT SELECT (voucher_id, step) ON api_idempotency TO ledger_auditor;
    END IF;
END $$;
-- +goose StatementEnd

