package postgres_test

import (
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/report"
)

// openingRows are the opening balances of a book that starts in February
// 2020: the city had received 6,000.00 of FY-UP in January and spent
// 1,000.00 of it, and carried 2,000.00 of 党费结余 from 2019.
func openingRows() []ledger.OpeningRow {
	return []ledger.OpeningRow{
		{Account: ledger.AcctBank, Org: "FY", Fund: "FY-UP", Balance: money("7000.00"), YearDebit: money("6000.00"), YearCredit: money("1000.00")},
		{Account: "420101", Org: "FY", Fund: "FY-UP", Balance: money("6000.00"), YearDebit: ledger.Zero, YearCredit: money("6000.00")},
		{Account: "500101", Org: "FY", Fund: "FY-UP", Balance: money("1000.00"), YearDebit: money("1000.00"), YearCredit: ledger.Zero},
		{Account: ledger.AcctSurplusSpecial, Org: "FY", Fund: "FY-UP", Balance: money("2000.00"), YearDebit: ledger.Zero, YearCredit: ledger.Zero},
	}
}

var feb2020 = day("2020-02-01")

// closeMonth closes a month through SQL as the application, as the monthly
// batch does at its end.
func (f *fixture) closeMonth(year, month int) error {
	_, err := f.db.Pool.Exec(f.ctx, `INSERT INTO periods (book, year, month) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, book, year, month)
	if err == nil {
		_, err = f.db.Pool.Exec(f.ctx, `UPDATE periods SET status = 'closed', closed_by = 'system', closed_at = now(), no_statement_reason = '测试'
			WHERE book = $1 AND year = $2 AND month = $3`, book, year, month)
	}
	return err
}

func auditData(f *fixture, period string) *report.AuditData {
	f.t.Helper()
	p, err := ledger.ParsePeriod(period)
	if err != nil {
		f.t.Fatal(err)
	}
	d, done, err := f.db.AuditData(f.ctx, book, p, "")
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { _ = done() })
	return d
}

func balanceRow(t *testing.T, d *report.AuditData, account string) report.BalanceRow {
	t.Helper()
	for _, r := range d.Balances {
		if r.Account == account {
			return r
		}
	}
	t.Fatalf("no 科目余额表 row for %s", account)
	return report.BalanceRow{}
}

func TestOpeningPostedShowsAsOpeningAndYearToDate(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	vs, replayed, err := f.db.Opening(f.ctx, book, "sunlixin", feb2020, openingRows(), "open-1")
	if err != nil || replayed {
		t.Fatalf("opening: %v (replayed %v)", err, replayed)
	}
	if len(vs) != 2 || vs[0].Flow != ledger.FlowOpening || vs[1].Flow != ledger.FlowOpeningYTD {
		t.Fatalf("opening vouchers = %+v", vs)
	}
	again, replayed, err := f.db.Opening(f.ctx, book, "sunlixin", feb2020, openingRows(), "open-1")
	if err != nil || !replayed || len(again) != 2 || again[0].ID != vs[0].ID || again[1].ID != vs[1].ID {
		t.Fatalf("replay: %v %v %+v", err, replayed, again)
	}
	for _, v := range vs {
		if !v.Date.Equal(feb2020) || v.Status != ledger.StatusDraft {
			t.Fatalf("voucher %s dated %s, %s", v.Word(), v.Date, v.Status)
		}
		if err := f.approve(v); err != nil {
			t.Fatalf("post %s: %v", v.Word(), err)
		}
	}
	if got := f.balance(ledger.AcctBank, "FY", "FY-UP"); !got.Equal(money("7000.00")) {
		t.Fatalf("bank balance = %s, want 7000.00", got)
	}
	if _, err := f.db.SealPending(f.ctx, book); err != nil {
		t.Fatal(err)
	}
	if n := f.count(`SELECT count(*) FROM voucher_seals s JOIN vouchers v ON v.book = s.book AND v.id = s.voucher_id
		WHERE v.book = $1 AND v.flow IN ('opening', 'opening_ytd')`, book); n != 2 {
		t.Fatalf("sealed opening vouchers = %d, want 2", n)
	}
	// February: 期初 is the opening, 本年累计 holds January's movements.
	d := auditData(f, "2020-02")
	bank := balanceRow(t, d, ledger.AcctBank)
	if !bank.OpeningDebit.Equal(money("7000.00")) || !bank.PeriodDebit.IsZero() || !bank.YearDebit.Equal(money("6000.00")) || !bank.YearCredit.Equal(money("1000.00")) {
		t.Fatalf("100201 in 2020-02 = %+v", bank)
	}
	income := balanceRow(t, d, "420101")
	if !income.OpeningCredit.Equal(money("6000.00")) || !income.YearCredit.Equal(money("6000.00")) {
		t.Fatalf("420101 in 2020-02 = %+v", income)
	}
	for _, r := range d.T1 {
		if r.Org == "FY" && r.Fund == "FY-UP" && !r.Opening.Equal(money("7000.00")) {
			t.Fatalf("T1 期初结余 of FY FY-UP = %s, want 7000.00", r.Opening)
		}
	}
	// The year: 年初余额 is 2019's 党费结余, the movements are January's.
	y := auditData(f, "2020")
	bank = balanceRow(t, y, ledger.AcctBank)
	if !bank.OpeningDebit.Equal(money("2000.00")) || !bank.PeriodDebit.Equal(money("6000.00")) || !bank.ClosingDebit.Equal(money("7000.00")) {
		t.Fatalf("100201 in 2020 = %+v", bank)
	}
}

func TestOpeningRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	unbalanced := openingRows()
	unbalanced[3].Balance = money("2000.01")
	negative := openingRows()
	negative[0].Balance, negative[3].Balance = money("-1.00"), money("-5001.00")
	ytdUnbalanced := openingRows()
	ytdUnbalanced[1].YearCredit = money("5000.00")
	ytdUnbalanced[1].Balance = money("6000.00")
	cases := []struct {
		name, actor string
		month       time.Time
		rows        []ledger.OpeningRow
		code, field string
	}{
		{"unbalanced", "sunlixin", feb2020, unbalanced, ledger.EUnbalanced, "rows"},
		{"year's movements unbalanced", "sunlixin", feb2020, ytdUnbalanced, ledger.EUnbalanced, "rows"},
		{"negative bank balance", "sunlixin", feb2020, negative, ledger.EInsufficientFunds, "rows[1].balance"},
		{"not an admin", "wangfang", feb2020, openingRows(), ledger.EForbidden, "user"},
		{"unknown account", "sunlixin", feb2020, []ledger.OpeningRow{{Account: "9999", Org: "FY", Fund: "FY-UP", Balance: money("1.00")}}, ledger.ENotFound, "rows[1].account"},
		{"January with movements", "sunlixin", day("2020-01-01"), openingRows(), ledger.EInvalid, "rows[1].year_debit"},
	}
	for _, c := range cases {
		_, _, err := f.db.Opening(f.ctx, book, c.actor, c.month, c.rows, "")
		if ledger.ErrorCode(err) != c.code || ledger.ErrorField(err) != c.field {
			t.Errorf("%s: err = %v (code %s field %s), want %s %s", c.name, err, ledger.ErrorCode(err), ledger.ErrorField(err), c.code, c.field)
		}
	}
	if n := f.count(`SELECT count(*) FROM vouchers WHERE book = $1`, book); n != 0 {
		t.Fatalf("%d vouchers made by refused openings", n)
	}

	// A second opening while the first stands, in Go and in SQL.
	vs, _, err := f.db.Opening(f.ctx, book, "sunlixin", feb2020, openingRows(), "")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = f.db.Opening(f.ctx, book, "sunlixin", feb2020, openingRows(), "")
	wantCode(t, err, ledger.EInvalidState, "flow")
	_, err = f.db.Pool.Exec(f.ctx, `INSERT INTO vouchers (book, date, summary, flow, maker, made_at) VALUES ($1, '2020-02-01', '期初', 'opening', 'sunlixin', now())`, book)
	wantCode(t, mapSQL(err), ledger.EInvalidState, "flow")
	// Raw SQL by an officer, and not on the first of a month.
	_, err = f.db.Pool.Exec(f.ctx, `INSERT INTO vouchers (book, date, summary, flow, maker, made_at) VALUES ($1, '2020-02-01', '期初', 'opening', 'wangfang', now())`, book)
	wantCode(t, mapSQL(err), ledger.EForbidden, "maker")
	_, err = f.db.Pool.Exec(f.ctx, `INSERT INTO vouchers (book, date, summary, flow, maker, made_at) VALUES ($1, '2020-02-03', '期初', 'opening_ytd', 'sunlixin', now())`, book)
	wantCode(t, mapSQL(err), ledger.EInvalid, "date")

	// Posted, then February closes: the opening is locked.
	for _, v := range vs {
		if err := f.approve(v); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.closeMonth(2020, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := f.step("sunlixin", vs[0].ID, ledger.ActVoid); ledger.ErrorCode(err) == "" {
		t.Fatal("a posted opening was voided")
	}
	_, err = f.db.Reverse(f.ctx, book, "sunlixin", vs[0].ID, day("2020-03-02"))
	wantCode(t, err, ledger.EPeriodClosed, "reversal_of")
	_, err = f.db.Pool.Exec(f.ctx, `INSERT INTO vouchers (book, date, summary, flow, maker, made_at) VALUES ($1, '2020-03-01', '期初', 'opening', 'sunlixin', now())`, book)
	wantCode(t, mapSQL(err), ledger.EPeriodClosed, "date")
}

// mapSQL maps a raw SQL error as the adapter does.
func mapSQL(err error) error {
	if err == nil {
		return nil
	}
	return postgres.MapError(err)
}
