-- +goose Up
-- ledger_post_turnover (00021) runs one statement for the vouchers p_ids of
-- a posting. With = ANY of the array, PostgreSQL planned that statement
-- afresh at every posting (0.5 ms of a posting's CPU: each custom plan,
-- knowing the array's length, looks cheaper than a generic one). A posting
-- of one voucher now reads it by key, a statement each session plans once;
-- several (the importer's thousands, a multi-row posting) as before, planned
-- for the array at hand — a generic plan there, estimated for a few ids,
-- reads the lines of a whole import batch badly.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ledger_post_turnover(p_book text, p_ids bigint[]) RETURNS void LANGUAGE plpgsql
SET search_path = public, pg_temp AS $$
BEGIN
    IF cardinality(p_ids) = 1 THEN
        WITH l AS (
            SELECT l.book, l.account, l.org, l.fund, v.date, v.number, v.id, l.line_no, coalesce(o.flow, v.flow) AS flow,
                   l.debit_fen, l.credit_fen
            FROM vouchers v JOIN voucher_lines l ON l.book = v.book AND l.voucher_id = v.id
            LEFT JOIN vouchers o ON o.book = v.book AND o.id = v.reversal_of
            WHERE v.book = p_book AND v.id = p_ids[1]),
        p AS (
            INSERT INTO posted_lines (book, account, org, fund, date, number, voucher_id, line_no, debit_fen, credit_fen)
            SELECT book, account, org, fund, date, number, id, line_no, debit_fen, credit_fen FROM l)
        INSERT INTO turnover AS t (book, account, org, fund, date, flow, debit_fen, credit_fen)
            SELECT book, account, org, fund, date, flow, sum(debit_fen), sum(credit_fen) FROM l
            GROUP BY 1, 2, 3, 4, 5, 6
            ORDER BY 1, 2, 3, 4, 5, 6
            ON CONFLICT (book, account, org, fund, date, flow) DO UPDATE
                SET debit_fen = t.debit_fen + excluded.debit_fen, credit_fen = t.credit_fen + excluded.credit_fen;
        RETURN;
    END IF;
    WITH l AS (
        SELECT l.book, l.account, l.org, l.fund, v.date, v.number, v.id, l.line_no, coalesce(o.flow, v.flow) AS flow,
               l.debit_fen, l.credit_fen
        FROM vouchers v JOIN voucher_lines l ON l.book = v.book AND l.voucher_id = v.id
        LEFT JOIN vouchers o ON o.book = v.book AND o.id = v.reversal_of
        WHERE v.book = p_book AND v.id = ANY (p_ids)),
    p AS (
        INSERT INTO posted_lines (book, account, org, fund, date, number, voucher_id, line_no, debit_fen, credit_fen)
        SELECT book, account, org, fund, date, number, id, line_no, debit_fen, credit_fen FROM l)
    INSERT INTO turnover AS t (book, account, org, fund, date, flow, debit_fen, credit_fen)
        SELECT book, account, org, fund, date, flow, sum(debit_fen), sum(credit_fen) FROM l
        GROUP BY 1, 2, 3, 4, 5, 6
        ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (book, account, org, fund, date, flow) DO UPDATE
            SET debit_fen = t.debit_fen + excluded.debit_fen, credit_fen = t.credit_fen + excluded.credit_fen;
END $$;
-- +goose StatementEnd
