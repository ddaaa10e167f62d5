package bench

// derivePosted writes what ledger_post_turnover (migration 00021) writes,
// the turnover by day, for the posted vouchers that $RANGE (a condition
// on v, the voucher) selects, for the loaders that write posted vouchers
// with the triggers off. (Their seal queue's rows number them in posting
// order: seal_pending.post_seq, in the order the loader writes them.)
const derivePosted = `WITH l AS (
		SELECT l.book, l.account, l.org, l.fund, v.date, coalesce(o.flow, v.flow) AS flow,
			l.debit_fen, l.credit_fen
		FROM vouchers v JOIN voucher_lines l ON l.book = v.book AND l.voucher_id = v.id
		LEFT JOIN vouchers o ON o.book = v.book AND o.id = v.reversal_of
		WHERE v.status = 'posted' AND $RANGE)
	INSERT INTO turnover AS t (book, account, org, fund, date, flow, debit_fen, credit_fen)
		SELECT book, account, org, fund, date, flow, sum(debit_fen), sum(credit_fen) FROM l
		GROUP BY 1, 2, 3, 4, 5, 6
		ON CONFLICT (book, account, org, fund, date, flow) DO UPDATE
			SET debit_fen = t.debit_fen + excluded.debit_fen, credit_fen = t.credit_fen + excluded.credit_fen`
