package postgres

import (
	"iter"
	"slices"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/report"
)

// firstLevel is the first-level ancestor of account code in the chart
// (the account itself when it has no parent).
func (r *reportReader) firstLevel(code string) string {
	for n := 0; n <= 8; n++ {
		a := r.b.Chart[code]
		if a == nil || a.Parent == "" {
			return code
		}
		code = a.Parent
	}
	return code
}

// general fills 总账: the posted lines up to the period's end summed per
// first-level account and month, from 1 January of the period's first
// year (earlier lines make the opening balance). Each account with a
// balance or a movement in those months gets a row for every month; the
// 本年累计 start again in each January.
func (r *reportReader) general(d *report.AuditData) error {
	rows, err := r.tx.Query(r.ctx, `SELECT l.account,
			CASE WHEN v.date < $5 THEN NULL ELSE date_trunc('month', v.date)::date END,
			sum(l.debit_fen)::bigint, sum(l.credit_fen)::bigint
		FROM voucher_lines l
		JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
		WHERE l.book = $1 AND v.status = 'posted' AND v.date <= $3 AND $2::date <= $3::date AND `+voucherScopeSQL+`
		GROUP BY 1, 2`, r.args(r.yearStart)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	type key struct {
		account string
		month   time.Time
	}
	type sums struct{ debit, credit int64 }
	opening := map[string]int64{}
	moves := map[key]sums{}
	for rows.Next() {
		var code string
		var month *time.Time
		var debit, credit int64
		if err := rows.Scan(&code, &month, &debit, &credit); err != nil {
			return err
		}
		top := r.firstLevel(code)
		if month == nil {
			opening[top] += debit - credit
			continue
		}
		k := key{top, time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, time.UTC)}
		s := moves[k]
		moves[k] = sums{s.debit + debit, s.credit + credit}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	accounts := map[string]bool{}
	for c := range opening {
		accounts[c] = true
	}
	for k := range moves {
		accounts[k.account] = true
	}
	codes := make([]string, 0, len(accounts))
	for c := range accounts {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	last := time.Date(r.to.Year(), r.to.Month(), 1, 0, 0, 0, 0, time.UTC)
	for _, c := range codes {
		bal := opening[c]
		var yd, yc int64
		for m := r.yearStart; !m.After(last); m = m.AddDate(0, 1, 0) {
			if m.Month() == time.January {
				yd, yc = 0, 0
			}
			s := moves[key{c, m}]
			yd, yc = yd+s.debit, yc+s.credit
			d.General = append(d.General, report.GeneralRow{Account: c, Name: r.accountName(c), Month: m,
				Opening: ledger.FromFen(bal), Debit: ledger.FromFen(s.debit), Credit: ledger.FromFen(s.credit),
				YearDebit: ledger.FromFen(yd), YearCredit: ledger.FromFen(yc)})
			bal += s.debit - s.credit
		}
	}
	return nil
}

// expenseAccounts maps each child account bound to a purpose to its
// parent, the account of the 多栏式 支出明细账 (500101…500103 → 5001).
func (r *reportReader) expenseAccounts() map[string]string {
	out := map[string]string{}
	for code, a := range r.b.Chart {
		if a.Purpose != "" && a.Parent != "" && a.Type == ledger.Expense {
			out[code] = a.Parent
		}
	}
	return out
}

// expense streams the 多栏式 支出明细账: per parent expense account (by
// code) its opening row, then the posted lines of the period on its
// purpose-bound children in journal order, each with its purpose.
func (r *reportReader) expense() iter.Seq2[report.ExpenseRow, error] {
	parentOf := r.expenseAccounts()
	children := make([]string, 0, len(parentOf))
	var parents []string
	for c, p := range parentOf {
		children = append(children, c)
		if !slices.Contains(parents, p) {
			parents = append(parents, p)
		}
	}
	slices.Sort(parents)
	return func(yield func(report.ExpenseRow, error) bool) {
		fail := func(err error) { yield(report.ExpenseRow{}, mapError(err)) }
		type opening struct {
			balance, yd, yc int64
			byPurpose       map[ledger.Purpose]ledger.Money
		}
		open := map[string]*opening{}
		for _, p := range parents {
			open[p] = &opening{byPurpose: map[ledger.Purpose]ledger.Money{}}
		}
		rows, err := r.tx.Query(r.ctx, `SELECT l.account, sum(l.debit_fen - l.credit_fen)::bigint,
				coalesce(sum(l.debit_fen) FILTER (WHERE v.date >= $5), 0)::bigint,
				coalesce(sum(l.credit_fen) FILTER (WHERE v.date >= $5), 0)::bigint
			FROM voucher_lines l
			JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
			WHERE l.book = $1 AND v.status = 'posted' AND v.date < $2 AND $2 <= $3::date AND l.account = ANY($6) AND `+voucherScopeSQL+`
			GROUP BY 1`, r.args(r.yearStart, children)...)
		if err != nil {
			fail(err)
			return
		}
		for rows.Next() {
			var c string
			var bal, yd, yc int64
			if err := rows.Scan(&c, &bal, &yd, &yc); err != nil {
				rows.Close()
				fail(err)
				return
			}
			o := open[parentOf[c]]
			o.balance, o.yd, o.yc = o.balance+bal, o.yd+yd, o.yc+yc
			pur := r.b.Chart[c].Purpose
			o.byPurpose[pur] = o.byPurpose[pur].Add(ledger.FromFen(yd))
		}
		if err := rows.Err(); err != nil {
			fail(err)
			return
		}
		for _, p := range parents {
			o := open[p]
			for _, pur := range ledger.Purposes {
				o.byPurpose[pur] = o.byPurpose[pur].Add(ledger.Zero)
			}
			if !yield(report.ExpenseRow{Kind: report.JournalOpening, Account: p, AccountName: r.accountName(p),
				Balance: ledger.FromFen(o.balance), YearDebit: ledger.FromFen(o.yd), YearCredit: ledger.FromFen(o.yc),
				YearByPurpose: o.byPurpose, Debit: ledger.Zero, Credit: ledger.Zero}, nil) {
				return
			}
			rows, err := r.tx.Query(r.ctx, `SELECT l.account, v.id, v.date, v.type, v.number, l.summary, l.org, l.fund, l.debit_fen, l.credit_fen
				FROM voucher_lines l
				JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
				WHERE l.book = $1 AND v.status = 'posted' AND v.date BETWEEN $2 AND $3 AND l.account = ANY($5) AND `+voucherScopeSQL+`
				ORDER BY v.date, v.type COLLATE "C", v.number, v.id, l.line_no`, r.args(childrenOf(parentOf, p))...)
			if err != nil {
				fail(err)
				return
			}
			var typ, org, fund, account string
			var number int
			var debit, credit int64
			for rows.Next() {
				x := report.ExpenseRow{Kind: report.JournalEntry, Account: p, AccountName: r.accountName(p)}
				if err := rows.Scan(&account, &x.VoucherID, &x.Date, &typ, &number, &x.Summary, &org, &fund, &debit, &credit); err != nil {
					rows.Close()
					fail(err)
					return
				}
				x.Voucher, x.OrgName, x.FundName, x.Purpose = voucherWord(typ, number), r.orgName(org), r.fundName(fund), r.b.Chart[account].Purpose
				x.Debit, x.Credit, x.Balance, x.YearDebit, x.YearCredit = ledger.FromFen(debit), ledger.FromFen(credit), ledger.Zero, ledger.Zero, ledger.Zero
				if !yield(x, nil) {
					rows.Close()
					return
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				fail(err)
				return
			}
		}
	}
}

// childrenOf lists the accounts whose parent (in parentOf) is p, sorted.
func childrenOf(parentOf map[string]string, p string) []string {
	var out []string
	for c, q := range parentOf {
		if q == p {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}
