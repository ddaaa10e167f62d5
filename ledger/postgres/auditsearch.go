package postgres

import (
	"context"
	"time"

	"github.com/fenyang/partyfee/ledger"
)

// Payment is a posted spending voucher as the auditors' saved queries read
// it (cash over the threshold, split payments): who paid whom, how much,
// and whether in cash.
type Payment struct {
	VoucherID int64
	Word      string // 凭证字号
	Date      time.Time
	Org       string // the organisation of its expense lines
	Payee     string
	Cash      bool // it credits cash (1001) or its settlement method is cash
	Amount    ledger.Money
}

// Payments lists the posted spending vouchers of book dated in [from, to]
// by organisation, payee, date and id; the amount is what their expense
// lines (5001xx) add up to.
func (db *DB) Payments(ctx context.Context, book string, from, to time.Time) ([]Payment, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT v.id, v.type, v.number, v.date, min(l.org) FILTER (WHERE l.account LIKE '5001%'), v.payee,
			v.method = 'cash' OR bool_or(l.account LIKE $4 AND l.credit_fen <> 0),
			coalesce(sum(l.debit_fen - l.credit_fen) FILTER (WHERE l.account LIKE '5001%'), 0)
		FROM vouchers v JOIN voucher_lines l ON l.book = v.book AND l.voucher_id = v.id
		WHERE v.book = $1 AND v.status = 'posted' AND v.flow = 'spend' AND v.date BETWEEN $2 AND $3
		GROUP BY v.book, v.id
		ORDER BY 5, v.payee, v.date, v.id`, book, from, to, ledger.AcctCash+"%")
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	var out []Payment
	for rows.Next() {
		var p Payment
		var typ string
		var number int
		var org *string
		var fen int64
		if err := rows.Scan(&p.VoucherID, &typ, &number, &p.Date, &org, &p.Payee, &p.Cash, &fen); err != nil {
			return nil, mapError(err)
		}
		if org != nil {
			p.Org = *org
		}
		p.Word, p.Amount = recWord(typ, number), ledger.FromFen(fen)
		out = append(out, p)
	}
	return out, mapError(rows.Err())
}
