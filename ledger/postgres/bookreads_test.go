package postgres_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// booksFixture is a book with posted vouchers over February and March
// 2020 (receipt, allocations, spending of several branches and funds'
// purposes, a red reversal), a draft left unposted and a voided one.
func booksFixture(t *testing.T) *fixture {
	f := newFixture(t, nil)
	f.db.Now = func() time.Time { return time.Date(2020, 4, 1, 8, 0, 0, 0, time.UTC) }
	f.post(ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-UP", Amount: money("90000.00"), Attachments: 1, Date: day("2020-02-03")})
	for i, org := range []string{"FY-CP-01", "FY-CP-02", "FY-CP-03"} {
		f.post(ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-UP", Org: org, Amount: money("20000.00"), Date: day(fmt.Sprintf("2020-02-%02d", 4+i))})
	}
	var spends []*ledger.Voucher
	for i := range 9 {
		org := []string{"FY-CP-01", "FY-CP-02", "FY-CP-03"}[i%3]
		date := day(fmt.Sprintf("2020-%02d-%02d", 2+i/5, 10+i))
		spends = append(spends, f.post(ledger.FlowRequest{Flow: ledger.FlowSpend, Fund: "FY-UP", Org: org, Purpose: ledger.Purposes[i%3],
			Amount: money(fmt.Sprintf("%d.%02d", 100+i*37, i*11)), Attachments: 1, Date: date, Payee: "汾阳市医药公司", PayeeType: ledger.PayeeSupplier,
			Decision: "部务会2020-02-01"}))
	}
	red, err := f.db.Reverse(f.ctx, book, "wangfang", spends[1].ID, day("2020-03-20"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.approve(red); err != nil {
		t.Fatal(err)
	}
	f.mustFlow("wangfang", ledger.FlowRequest{Flow: ledger.FlowSpend, Fund: "FY-UP", Org: "FY-CP-01", Purpose: ledger.Procurement,
		Amount: money("777.00"), Attachments: 1, Date: day("2020-03-21"), Payee: "汾阳市医药公司", PayeeType: ledger.PayeeSupplier, Decision: "部务会2020-02-01"})
	return f
}

// postedLines are the lines of every posted voucher, read as the pages
// read them before the sums moved into SQL: every voucher into Go.
func postedLines(t *testing.T, f *fixture) []struct {
	v *ledger.Voucher
	l ledger.Line
} {
	var out []struct {
		v *ledger.Voucher
		l ledger.Line
	}
	s := postgres.VoucherSearch{Book: book, Statuses: []string{"posted"}}
	for {
		vs, err := f.db.SearchVouchers(f.ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			for _, l := range v.Lines {
				out = append(out, struct {
					v *ledger.Voucher
					l ledger.Line
				}{v, l})
			}
		}
		if len(vs) < postgres.ListLimitMax {
			return out
		}
		s.AfterID = vs[len(vs)-1].ID
	}
}

// TestBookReadsAgreeWithGoSums holds the SQL sums of the 账簿 pages
// (Balances as of a day from either side, Turnover, Ledger's page sums and
// lines) to the sums of the posted vouchers' lines added up in Go.
func TestBookReadsAgreeWithGoSums(t *testing.T) {
	t.Parallel()
	f := booksFixture(t)
	b := f.books()
	lines := postedLines(t, f)
	if len(lines) < 20 {
		t.Fatalf("the fixture posted %d lines", len(lines))
	}
	inOrgs := func(orgs []string, org string) bool { return orgs == nil || slices.Contains(orgs, org) }
	subtree := func(root string) []string {
		if root == "" {
			return nil
		}
		var out []string
		for c := range b.Orgs {
			if slices.Contains(b.Ancestors(c), root) {
				out = append(out, c)
			}
		}
		return out
	}

	// Balances as of a day: before, inside (both halves) and after the
	// vouchers' dates.
	for _, asOf := range []string{"2020-01-31", "2020-02-05", "2020-02-14", "2020-03-14", "2020-03-20", "2020-12-31"} {
		for _, fund := range []string{"", "FY-UP"} {
			want := map[string]int64{}
			for _, x := range lines {
				if !x.v.Date.After(day(asOf)) && (fund == "" || x.l.Fund == fund) {
					want[x.l.Account+" "+x.l.Org+" "+x.l.Fund] += x.l.Debit.Sub(x.l.Credit).Fen()
				}
			}
			rows, err := f.db.Balances(f.ctx, book, "", fund, day(asOf))
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int64{}
			for _, r := range rows {
				if !r.Own.IsZero() {
					got[r.Account+" "+r.Org+" "+r.Fund] = r.Own.Fen()
				}
			}
			for k, v := range want {
				if v == 0 {
					delete(want, k)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("balances as of %s, fund %q:\n got %v\nwant %v", asOf, fund, got, want)
			}
		}
	}

	// Turnover of a month by account, for the book and for a subtree.
	for _, c := range []struct{ org, fund, from, to string }{
		{"", "", "2020-02-01", "2020-02-29"}, {"", "FY-UP", "2020-03-01", "2020-03-31"}, {"FY-CP-01", "", "2020-02-01", "2020-03-31"},
		{"FY-CP-02", "FY-UP", "2020-03-01", "2020-03-31"},
	} {
		orgs := subtree(c.org)
		want := map[string][2]int64{}
		for _, x := range lines {
			if x.v.Date.Before(day(c.from)) || x.v.Date.After(day(c.to)) || !inOrgs(orgs, x.l.Org) || c.fund != "" && x.l.Fund != c.fund {
				continue
			}
			s := want[x.l.Account]
			want[x.l.Account] = [2]int64{s[0] + x.l.Debit.Fen(), s[1] + x.l.Credit.Fen()}
		}
		ts, err := f.db.Turnover(f.ctx, book, orgs, c.fund, day(c.from), day(c.to))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][2]int64{}
		for _, x := range ts {
			got[x.Account] = [2]int64{x.Debit.Fen(), x.Credit.Fen()}
		}
		if len(want) == 0 || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("turnover %+v:\n got %v\nwant %v", c, got, want)
		}
	}

	// The 明细账 of 121801 for the book and for one branch, March, read
	// in pages of two lines: the same lines in the same order, and sums.
	for _, org := range []string{"", "FY-CP-02"} {
		orgs := subtree(org)
		q := postgres.LedgerQuery{Book: book, Account: ledger.AcctPending, Orgs: orgs, YearStart: day("2020-01-01"), From: day("2020-03-01"),
			To: day("2020-03-31"), Limit: 2}
		var want []string
		var md, mc, yd, yc, bm int64
		var keyed []struct {
			v *ledger.Voucher
			l ledger.Line
		}
		for _, x := range lines {
			if x.l.Account == ledger.AcctPending && inOrgs(orgs, x.l.Org) {
				keyed = append(keyed, x)
			}
		}
		slices.SortStableFunc(keyed, func(a, b struct {
			v *ledger.Voucher
			l ledger.Line
		}) int {
			if c := a.v.Date.Compare(b.v.Date); c != 0 {
				return c
			}
			return a.v.Number - b.v.Number
		})
		for _, x := range keyed {
			d, c := x.l.Debit.Fen(), x.l.Credit.Fen()
			yd, yc = yd+d, yc+c
			if x.v.Date.Before(q.From) {
				bm += d - c
				continue
			}
			md, mc = md+d, mc+c
			want = append(want, fmt.Sprintf("%s %d %d", x.v.Word(), d, c))
		}
		// The closing balance agrees with the stored balances as of To.
		bals, err := f.db.Balances(f.ctx, book, org, "", q.To)
		if err != nil {
			t.Fatal(err)
		}
		var closing int64
		for _, b := range bals {
			if b.Account == ledger.AcctPending {
				closing += b.Own.Fen()
			}
		}
		var got []string
		var before int64
		for page := 0; ; page++ {
			p, err := f.db.Ledger(f.ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if p.MonthDebit.Fen() != md || p.MonthCredit.Fen() != mc || p.YearDebit.Fen() != yd || p.YearCredit.Fen() != yc || p.BeforeMonth.Fen() != bm {
				t.Errorf("ledger %q page %d sums: month %s/%s year %s/%s before %s; want %d/%d %d/%d %d", org, page,
					p.MonthDebit, p.MonthCredit, p.YearDebit, p.YearCredit, p.BeforeMonth, md, mc, yd, yc, bm)
			}
			if p.Closing.Fen() != closing {
				t.Errorf("ledger %q page %d: closing %s, want %d (the stored balances)", org, page, p.Closing, closing)
			}
			if p.BeforePage.Fen() != before {
				t.Errorf("ledger %q page %d: before the page %s, want %d", org, page, p.BeforePage, before)
			}
			for _, l := range p.Lines {
				got = append(got, fmt.Sprintf("%s %d %d", l.Word(), l.Debit.Fen(), l.Credit.Fen()))
				before += l.Debit.Fen() - l.Credit.Fen()
			}
			if !p.More {
				break
			}
			last := p.Lines[len(p.Lines)-1].LedgerCursor
			q.After = &last
		}
		if len(want) < 2 || org == "" && len(want) <= q.Limit || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("ledger %q lines:\n got %v\nwant %v", org, got, want)
		}
	}

	// The closing balance of a month followed by posted lines of the key
	// (February, with March's): the stored balances less the later lines.
	for _, org := range []string{"", "FY-CP-02"} {
		for _, to := range []string{"2020-02-04", "2020-02-29"} {
			p, err := f.db.Ledger(f.ctx, postgres.LedgerQuery{Book: book, Account: ledger.AcctPending, Orgs: subtree(org),
				YearStart: day("2020-01-01"), From: day("2020-02-01"), To: day(to), Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			bals, err := f.db.Balances(f.ctx, book, org, "", day(to))
			if err != nil {
				t.Fatal(err)
			}
			var closing int64
			for _, b := range bals {
				if b.Account == ledger.AcctPending {
					closing += b.Own.Fen()
				}
			}
			if p.Closing.Fen() != closing {
				t.Errorf("ledger %q to %s: closing %s, want %d (the stored balances)", org, to, p.Closing, closing)
			}
		}
	}
}
