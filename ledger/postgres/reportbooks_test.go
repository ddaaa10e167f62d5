package postgres_test

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/report"
)

// acctSpend is 5001 党费支出（本级直接使用）, the parent of the purpose accounts.
const acctSpend = "5001"

// TestReportBooks records a random ledger (January to March 2020) and
// checks 总账 and the 多栏式 支出明细账 of AuditData against sums computed
// here in SQL: each first-level account's month rows (opening, the month's
// debit and credit, the year to date, closing) and the expense ledger's
// opening balance, its entries' debits per purpose and credits.
func TestReportBooks(t *testing.T) {
	t.Parallel()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("REPORT_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("seed %d (REPORT_SEED=%d replays it)", seed, seed)
	l := newRepLedger(t, seed)
	l.randomLedger(120)
	// tops maps every account to its first-level account.
	const tops = `WITH RECURSIVE up(code, top) AS (
			SELECT code, code FROM accounts WHERE book = $1 AND parent IS NULL
			UNION ALL SELECT a.code, up.top FROM accounts a JOIN up ON a.book = $1 AND a.parent = up.code)`
	sum := func(expr, account, from, to string) ledger.Money {
		return l.fen(tops+` SELECT coalesce(sum(`+expr+`), 0)::bigint FROM voucher_lines x JOIN vouchers v ON v.book = x.book AND v.id = x.voucher_id
			JOIN up ON up.code = x.account WHERE x.book = $1 AND v.status = 'posted' AND up.top = $2 AND v.date >= $3::date AND v.date <= $4::date`,
			repBook, account, from, to)
	}
	for _, period := range []string{"2020-02", "2020-03"} {
		p, err := ledger.ParsePeriod(period)
		if err != nil {
			t.Fatal(err)
		}
		d, closeData, err := l.db.AuditData(l.ctx, repBook, p, "")
		if err != nil {
			t.Fatal(err)
		}
		months := map[string]int{}
		for _, r := range d.General {
			months[r.Account]++
			first := r.Month.Format(time.DateOnly)
			last := r.Month.AddDate(0, 1, -1).Format(time.DateOnly)
			wantEqual(t, period+" 总账 "+r.Account+" "+first+" 期初", r.Opening, sum("x.debit_fen - x.credit_fen", r.Account, "1900-01-01", r.Month.AddDate(0, 0, -1).Format(time.DateOnly)))
			wantEqual(t, period+" 总账 "+r.Account+" "+first+" 借方", r.Debit, sum("x.debit_fen", r.Account, first, last))
			wantEqual(t, period+" 总账 "+r.Account+" "+first+" 贷方", r.Credit, sum("x.credit_fen", r.Account, first, last))
			wantEqual(t, period+" 总账 "+r.Account+" "+first+" 本年累计借方", r.YearDebit, sum("x.debit_fen", r.Account, "2020-01-01", last))
			wantEqual(t, period+" 总账 "+r.Account+" "+first+" 本年累计贷方", r.YearCredit, sum("x.credit_fen", r.Account, "2020-01-01", last))
			c := r.Closing()
			wantEqual(t, period+" 总账 "+r.Account+" "+first+" 期末", c, sum("x.debit_fen - x.credit_fen", r.Account, "1900-01-01", last))
		}
		wantMonths := int(p.To.Month())
		if len(months) < 5 {
			t.Errorf("%s 总账: %d accounts", period, len(months))
		}
		for a, n := range months {
			if n != wantMonths {
				t.Errorf("%s 总账 %s: %d months, want %d", period, a, n, wantMonths)
			}
		}
		// The expense ledger.
		byPurpose := map[ledger.Purpose]ledger.Money{}
		credit, opening := ledger.Zero, ledger.Zero
		entries, openings := 0, 0
		for r, err := range d.Expense {
			if err != nil {
				t.Fatal(err)
			}
			if r.Account != acctSpend {
				t.Errorf("%s 支出明细账: account %s", period, r.Account)
			}
			if r.Kind == report.JournalOpening {
				openings++
				opening = r.Balance
				continue
			}
			entries++
			if r.Purpose == "" || r.Date.Before(p.From) || r.Date.After(p.To) || r.Voucher == "" {
				t.Errorf("%s 支出明细账 entry %+v", period, r)
			}
			byPurpose[r.Purpose] = byPurpose[r.Purpose].Add(r.Debit)
			credit = credit.Add(r.Credit)
		}
		if err := closeData(); err != nil {
			t.Fatal(err)
		}
		if openings != 1 || entries == 0 {
			t.Errorf("%s 支出明细账: %d openings, %d entries", period, openings, entries)
		}
		from, to := p.From.Format(time.DateOnly), p.To.Format(time.DateOnly)
		wantEqual(t, period+" 支出明细账 期初", opening, sum("x.debit_fen - x.credit_fen", acctSpend, "1900-01-01", p.From.AddDate(0, 0, -1).Format(time.DateOnly)))
		wantEqual(t, period+" 支出明细账 贷方", credit, sum("x.credit_fen", acctSpend, from, to))
		for _, pur := range ledger.Purposes {
			want := l.fen(`SELECT coalesce(sum(x.debit_fen), 0)::bigint FROM voucher_lines x JOIN vouchers v ON v.book = x.book AND v.id = x.voucher_id
				JOIN accounts a ON a.book = x.book AND a.code = x.account
				WHERE x.book = $1 AND v.status = 'posted' AND a.purpose = $2 AND v.date BETWEEN $3::date AND $4::date`, repBook, string(pur), from, to)
			wantEqual(t, period+" 支出明细账 "+pur.Name(), byPurpose[pur], want)
		}
	}
}
