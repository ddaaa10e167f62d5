package demo

import (
	"bytes"
	"context"
	"testing"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres/pgtest"
)

// TestDemoThroughDecember runs the demo through 2020: every month from
// February closed, the year-end close posted, the year closed; the trial
// balance balances, income and expense are zero at the year's end, and 2021
// opens with 2020's closing balances per account, organisation and fund.
func TestDemoThroughDecember(t *testing.T) {
	t.Parallel()
	tdb := pgtest.NewDatabase(t)
	db := tdb.Open(t, tdb.AppURL)
	var out bytes.Buffer
	ctx := context.Background()
	if err := Run(ctx, db, Options{OutDir: t.TempDir(), Out: &out, Through: "2020-12"}); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	count := func(sql string) int {
		t.Helper()
		var n int
		if err := db.Pool.QueryRow(ctx, sql).Scan(&n); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return n
	}
	if n := count(`SELECT count(*) FROM periods WHERE year = 2020 AND month BETWEEN 2 AND 12 AND status = 'closed'`); n != 11 {
		t.Fatalf("%d months of February–December closed, want 11\n%s", n, out.String())
	}
	if n := count(`SELECT count(*) FROM years WHERE year = 2020 AND status = 'closed'`); n != 1 {
		t.Fatal("2020 is not closed")
	}
	if n := count(`SELECT count(*) FROM vouchers WHERE flow = 'year_close' AND status = 'posted' AND maker = 'system' AND date = '2020-12-31' AND poster <> 'system'`); n == 0 {
		t.Fatal("no posted year-end close made by system and posted by a person")
	}
	if n := count(`SELECT count(*) FROM (SELECT 1 FROM voucher_lines l JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
			JOIN accounts a ON a.book = l.book AND a.code = l.account
			WHERE v.status = 'posted' AND a.type IN ('income', 'expense') GROUP BY l.account, l.org, l.fund
			HAVING sum(l.debit_fen - l.credit_fen) <> 0) x`); n != 0 {
		t.Fatalf("%d income or expense balances left after the year-end close", n)
	}
	if n := count(`SELECT count(*) FROM (SELECT l.fund FROM voucher_lines l JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
			WHERE v.status = 'posted' GROUP BY l.fund HAVING sum(l.debit_fen) <> sum(l.credit_fen)) x`); n != 0 {
		t.Fatalf("the trial balance of %d funds does not balance", n)
	}
	// Special funds' unspent money stays earmarked in 300102.
	if n := count(`SELECT count(*) FROM balances b JOIN funds f ON f.book = b.book AND f.code = b.fund
			WHERE b.account = '300102' AND f.kind IN ('upper', 'matching') AND b.balance_fen <> 0`); n == 0 {
		t.Fatal("no special fund carries its result in 300102")
	}
	p2020, _ := ledger.ParsePeriod("2020")
	p2021, _ := ledger.ParsePeriod("2021-01")
	y, done, err := db.AuditData(ctx, Book, p2020, "")
	if err != nil {
		t.Fatal(err)
	}
	closing := map[[2]string]ledger.Money{}
	for _, r := range y.T1 {
		closing[[2]string{r.Org, r.Fund}] = r.Closing
	}
	accounts := map[string]ledger.Money{}
	for _, r := range y.Balances {
		accounts[r.Account] = r.ClosingDebit.Sub(r.ClosingCredit)
	}
	_ = done()
	jan, done, err := db.AuditData(ctx, Book, p2021, "")
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	if len(jan.T1) != len(closing) || len(jan.T1) == 0 {
		t.Fatalf("T1 of 2021-01 has %d rows, 2020 had %d", len(jan.T1), len(closing))
	}
	for _, r := range jan.T1 {
		if want := closing[[2]string{r.Org, r.Fund}]; !r.Opening.Equal(want) {
			t.Errorf("%s %s opens 2021 with %s, closed 2020 with %s", r.Org, r.Fund, r.Opening, want)
		}
	}
	for _, r := range jan.Balances {
		if got := r.OpeningDebit.Sub(r.OpeningCredit); !got.Equal(accounts[r.Account]) {
			t.Errorf("account %s opens 2021 with %s, closed 2020 with %s", r.Account, got, accounts[r.Account])
		}
	}
	var keys int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM (SELECT l.account, l.org, l.fund FROM voucher_lines l
			JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id JOIN balances b ON b.book = l.book AND (b.account, b.org, b.fund) = (l.account, l.org, l.fund)
			WHERE v.status = 'posted' AND v.date <= '2020-12-31' GROUP BY l.account, l.org, l.fund, b.balance_fen
			HAVING sum(l.debit_fen - l.credit_fen) <> b.balance_fen) x`).Scan(&keys); err != nil || keys != 0 {
		t.Fatalf("%d balances per account, organisation and fund differ from 2020's closing (%v)", keys, err)
	}
}

// TestDemoThroughRefusesOtherMonths: --through names a month of 2020 from
// March on, and a refused one records nothing.
func TestDemoThroughRefusesOtherMonths(t *testing.T) {
	t.Parallel()
	tdb := pgtest.NewDatabase(t)
	db := tdb.Open(t, tdb.AppURL)
	for _, m := range []string{"2020-02", "2021-01", "2020", "December"} {
		err := Run(context.Background(), db, Options{Out: &bytes.Buffer{}, Through: m})
		if ledger.ErrorCode(err) != ledger.EInvalid || ledger.ErrorField(err) != "through" {
			t.Errorf("--through %s: %v", m, err)
		}
	}
	if has, err := db.HasVouchers(context.Background()); err != nil || has {
		t.Fatalf("a refused demo recorded vouchers (%v)", err)
	}
}
