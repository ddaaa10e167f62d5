-- +goose Up
-- The order in which postings took effect on a balance.
--
-- The monthly batch checks that no restricted balance went below zero at
-- any point of the period, replaying each day's postings in posting order.
-- That order was posted_at, the time the application read the voucher and
-- its balances, before the posting waited for the balance rows' locks. Two
-- postings of one key can take their locks in the other order: a spending
-- read at 09:00:00.1 that waits while an allocation read at 09:00:00.2
-- commits is covered by that allocation, and was replayed before it, below
-- zero, though the guard had held.
--
-- posted_lines.seq numbers each posted line when it is written, under the
-- posting's locks on its balance rows (ledger_post_turnover runs after
-- them), so for the lines of one key it is the order the postings took
-- effect. Lines posted before this migration are numbered in the order
-- the batch used until now: posted_at, voucher, line.
CREATE SEQUENCE posted_lines_seq AS bigint;
ALTER TABLE posted_lines ADD COLUMN seq bigint;
ALTER TABLE posted_lines DISABLE TRIGGER posted_lines_append_only;
UPDATE posted_lines p SET seq = o.n
    FROM (SELECT l.book, l.voucher_id, l.line_no,
                 row_number() OVER (ORDER BY v.posted_at, v.id, l.line_no) AS n
          FROM posted_lines l JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id) o
    WHERE p.book = o.book AND p.voucher_id = o.voucher_id AND p.line_no = o.line_no;
ALTER TABLE posted_lines ENABLE TRIGGER posted_lines_append_only;
SELECT setval('posted_lines_seq', n) FROM (SELECT max(seq) AS n FROM posted_lines) m WHERE n IS NOT NULL;
ALTER TABLE posted_lines ALTER COLUMN seq SET DEFAULT nextval('posted_lines_seq'), ALTER COLUMN seq SET NOT NULL;
ALTER SEQUENCE posted_lines_seq OWNED BY posted_lines.seq;

-- The importer's batch posts its vouchers under one set of locks; its
-- lines are numbered in voucher order, as the batch replayed them before.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ledger_post_turnover(p_book text, p_ids bigint[]) RETURNS void LANGUAGE plpgsql
SET search_path = public, pg_temp SET enable_nestloop = on AS $$
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
        SELECT book, account, org, fund, date, number, id, line_no, debit_fen, credit_fen FROM l ORDER BY id, line_no)
    INSERT INTO turnover AS t (book, account, org, fund, date, flow, debit_fen, credit_fen)
        SELECT book, account, org, fund, date, flow, sum(debit_fen), sum(credit_fen) FROM l
        GROUP BY 1, 2, 3, 4, 5, 6
        ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (book, account, org, fund, date, flow) DO UPDATE
            SET debit_fen = t.debit_fen + excluded.debit_fen, credit_fen = t.credit_fen + excluded.credit_fen;
END $$;
-- +goose StatementEnd
