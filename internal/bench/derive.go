package bench

// derivePosted writes what ledger_post_turnover (migration 00021) writes,
// the posted lines and the turnover by day, for the posted vouchers that
// $RANGE (a condition on v, the voucher) selects, for the loaders that
// write posted vouchers with the triggers off; their lines are numbered
// (posted_lines.seq) in posting order.
const derivePosted = `WITH l AS (
		SELECT l.book, l.account, l.org, l.fund, v.date, v.number, v.id, l.line_no, coalesce(o.flow, v.flow) AS flow,
			l.debit_fen, l.credit_fen, v.posted_at
		FROM vouchers v JOIN voucher_lines l ON l.book = v.book AND l.voucher_id = v.id
		LEFT JOIN vouchers o ON o.book = v.book AND o.id = v.reversal_of
		WHERE v.status = 'posted' AND $RANGE),
	p AS (
		INSERT INTO posted_lines (book, account, org, fund, date, number, voucher_id, line_no, debit_fen, credit_fen)
		SELECT book, account, org, fund, date, number, id, line_no, debit_fen, credit_fen FROM l
		ORDER BY posted_at, id, line_no) -- posted_lines.seq: the order the postings took effect
	INSERT INTO turnover AS t (book, account, org, fund, date, flow, debit_fen, credit_fen)
		SELECT book, account, org, fund, date, flow, sum(debit_fen), sum(credit_fen) FROM l
		GROUP BY 1, 2, 3, 4, 5, 6
		ON CONFLICT (book, account, org, fund, date, flow) DO UPDATE
			SET debit_fen = t.debit_fen + excluded.debit_fen, credit_fen = t.credit_fen + excluded.credit_fen`
