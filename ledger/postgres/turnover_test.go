package postgres_test

import (
	"fmt"
	"testing"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// TestTurnoverAgreesWithTheLines: the turnover by day and the posted
// lines (migration 00021), written by the posting trigger, hold exactly
// the posted vouchers' lines (a return and its red reversal among them),
// and the sums read from them (SumVouchersByDay) equal the sums read from
// the vouchers' own lines (SumVouchers) for every combination of the
// drill-down's filters.
func TestTurnoverAgreesWithTheLines(t *testing.T) {
	t.Parallel()
	f := booksFixture(t)
	ret := f.post(ledger.FlowRequest{Flow: ledger.FlowReturn, Fund: "FY-UP", Org: "FY-CP-02", Amount: money("300.00"), Date: day("2020-03-05"), Attachments: 1})
	f.post(ledger.FlowRequest{Flow: ledger.FlowReturn, Fund: "FY-UP", Org: "FY-CP-03", Amount: money("50.00"), Date: day("2020-02-25"), Attachments: 1})
	red, err := f.db.Reverse(f.ctx, book, "wangfang", ret.ID, day("2020-03-25"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.approve(red); err != nil {
		t.Fatal(err)
	}

	// Every line carries its voucher's date; the turnover of each key
	// adds up to its stored balance.
	var lines, posted, off int
	if err := f.db.Pool.QueryRow(f.ctx, `SELECT
		(SELECT count(*) FROM voucher_lines l JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id WHERE v.status = 'posted'),
		(SELECT count(*) FROM voucher_lines l JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
			WHERE v.status = 'posted' AND l.date = v.date),
		(SELECT count(*) FROM balances b FULL JOIN (SELECT book, account, org, fund, sum(debit_fen - credit_fen) AS fen FROM turnover GROUP BY 1, 2, 3, 4) t
			USING (book, account, org, fund) WHERE coalesce(b.balance_fen, 0) <> coalesce(t.fen, 0))`).Scan(&lines, &posted, &off); err != nil {
		t.Fatal(err)
	}
	if lines < 30 || posted != lines || off != 0 {
		t.Fatalf("%d posted lines, %d of them dated as their voucher; %d keys whose turnover is not their balance", lines, posted, off)
	}
	var redReturn int64
	if err := f.db.Pool.QueryRow(f.ctx, `SELECT coalesce(sum(credit_fen), 0) FROM turnover WHERE flow = 'return' AND date = '2020-03-25'`).Scan(&redReturn); err != nil {
		t.Fatal(err)
	}
	if redReturn != -30000 {
		t.Errorf("the red reversal of the return adds %d fen of credit to the returns' turnover, want -30000", redReturn)
	}

	periods := [][2]string{{"2020-02-01", "2020-02-29"}, {"2020-03-01", "2020-03-31"}, {"2020-02-01", "2020-03-31"}, {"", "2020-03-10"}}
	type filter struct {
		name   string
		search func(*postgres.VoucherSearch)
	}
	filters := []filter{
		{"all", func(*postgres.VoucherSearch) {}},
		{"pending debit", func(s *postgres.VoucherSearch) { s.Accounts, s.Side = []string{ledger.AcctPending}, "debit" }},
		{"returned", func(s *postgres.VoucherSearch) {
			s.Accounts, s.Side, s.Flows, s.Kinds = []string{ledger.AcctPending}, "credit", []string{ledger.FlowReturn}, []string{"upper", "matching"}
		}},
		{"spent", func(s *postgres.VoucherSearch) { s.Accounts, s.Kinds = []string{"5001"}, []string{"upper", "matching"} }},
		{"procurement", func(s *postgres.VoucherSearch) { s.Accounts, s.Purpose = []string{"5001"}, string(ledger.Procurement) }},
		{"income", func(s *postgres.VoucherSearch) { s.AccountType, s.Kinds = "income", []string{"upper"} }},
		{"bank of a fund", func(s *postgres.VoucherSearch) { s.Accounts, s.Fund = []string{ledger.AcctBank}, "FY-UP" }},
		{"a branch's own", func(s *postgres.VoucherSearch) {
			s.Org, s.OrgOnly, s.Accounts = "FY-CP-02", true, []string{ledger.AcctPending}
		}},
		{"a subtree", func(s *postgres.VoucherSearch) { s.Org = "FY" }},
		{"spend flow", func(s *postgres.VoucherSearch) { s.Flows = []string{ledger.FlowSpend}; s.Side = "credit" }},
	}
	nonzero := 0
	for _, p := range periods {
		for _, fl := range filters {
			s := postgres.VoucherSearch{Book: book, Statuses: []string{"posted"}}
			if p[0] != "" {
				s.From = day(p[0])
			}
			s.To = day(p[1])
			fl.search(&s)
			name := fmt.Sprintf("%s…%s %s", p[0], p[1], fl.name)
			want, err := f.db.SumVouchers(f.ctx, s)
			if err != nil {
				t.Fatal(name, err)
			}
			got, ok, err := f.db.SumVouchersByDay(f.ctx, s)
			if err != nil || !ok {
				t.Fatalf("%s: by day: %v (answered: %t)", name, err, ok)
			}
			if !got.Debit.Equal(want.Debit) || !got.Credit.Equal(want.Credit) {
				t.Errorf("%s: by day %s / %s, from the lines %s / %s", name, got.Debit.Format(), got.Credit.Format(), want.Debit.Format(), want.Credit.Format())
			}
			if !want.Debit.IsZero() || !want.Credit.IsZero() {
				nonzero++
			}
		}
	}
	if nonzero < 30 {
		t.Errorf("only %d of the searches add up to anything", nonzero)
	}
	// Filters of the voucher itself are not the turnover's to answer.
	if _, ok, _ := f.db.SumVouchersByDay(f.ctx, postgres.VoucherSearch{Book: book, Statuses: []string{"posted"}, Payee: "医药"}); ok {
		t.Error("a search by payee was answered from the turnover")
	}
	if _, ok, _ := f.db.SumVouchersByDay(f.ctx, postgres.VoucherSearch{Book: book, Statuses: []string{"draft"}}); ok {
		t.Error("a search of drafts was answered from the turnover")
	}
}

// TestSearchByLinesPagesAlike: a search by the vouchers' lines pages
// through the same vouchers in the same order whether it tests them range
// by range of ids, reads the lines that meet it, or starts one way and
// ends the other.
func TestSearchByLinesPagesAlike(t *testing.T) {
	t.Parallel()
	f := booksFixture(t)
	searches := map[string]postgres.VoucherSearch{
		"a subtree":             {Org: "FY-CP-01"},
		"a branch's own 121801": {Org: "FY-CP-02", OrgOnly: true, Accounts: []string{ledger.AcctPending}, Kinds: []string{"upper", "matching"}},
		"a purpose":             {Purpose: string(ledger.Relief), Statuses: []string{"posted"}},
		"a fund in March":       {Fund: "FY-UP", From: day("2020-03-01"), To: day("2020-03-31")},
		"the bank, credit side": {Accounts: []string{ledger.AcctBank}, Side: "credit"},
	}
	for name, s := range searches {
		s.Book = book
		want, err := f.db.SumVouchers(f.ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		var ref []int64
		for _, chunk := range []int64{4096, 1, 2, 3, 7} {
			f.db.SetSearchChunk(chunk)
			var ids []int64
			p := s
			p.Limit = 2
			for {
				vs, err := f.db.SearchVouchers(f.ctx, p)
				if err != nil {
					t.Fatal(err)
				}
				for _, v := range vs {
					ids = append(ids, v.ID)
				}
				if len(vs) < p.Limit {
					break
				}
				p.AfterID = vs[len(vs)-1].ID
			}
			if len(ids) != want.Vouchers || len(ids) == 0 {
				t.Errorf("%s, %d ids at a time: %d vouchers, the count is %d", name, chunk, len(ids), want.Vouchers)
			}
			if ref == nil {
				ref = ids
			} else if fmt.Sprint(ids) != fmt.Sprint(ref) {
				t.Errorf("%s, %d ids at a time: %v, not %v", name, chunk, ids, ref)
			}
		}
		f.db.SetSearchChunk(0)
	}
}

// TestTurnoverIsTheTriggersToWrite: the application role reads the
// turnover and does not write it; a line's date is append-only even for
// its owner.
func TestTurnoverIsTheTriggersToWrite(t *testing.T) {
	t.Parallel()
	f := booksFixture(t)
	for _, stmt := range []string{
		`INSERT INTO turnover (book, account, org, fund, date, flow, debit_fen, credit_fen) VALUES ('FY-DFZH', '100201', 'FY', 'FY-UP', '2020-02-03', 'receive', 1, 0)`,
		`UPDATE turnover SET debit_fen = debit_fen + 1`,
		`DELETE FROM turnover`,
	} {
		if err := f.sql(f.tdb.AppURL, stmt); ledger.ErrorCode(err) != ledger.EForbidden {
			t.Errorf("ledger_app: %s: %v, want forbidden", stmt, err)
		}
	}
	if err := f.sql(f.tdb.AppURL, `SELECT count(*) FROM turnover JOIN voucher_lines USING (book, account, org, fund, date)`); err != nil {
		t.Errorf("ledger_app reads the turnover: %v", err)
	}
	if err := f.sql(f.tdb.SuperURL, `UPDATE voucher_lines SET date = date + 1`); err == nil {
		t.Error("a line was redated")
	}
}
