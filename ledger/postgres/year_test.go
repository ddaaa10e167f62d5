package postgres_test

import (
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/recon"
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

// yearFixture is a book with a year of activity in February 2020 (FY-UP
// received, allocated to two branches, partly spent) and its clock in
// January 2021.
func yearFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t, nil)
	f.fund("10000.00", map[string]string{"FY-CP-01": "4000.00", "FY-CP-02": "3000.00"})
	f.post(ledger.FlowRequest{Flow: ledger.FlowSpend, Fund: "FY-UP", Org: "FY-CP-01", Purpose: ledger.Procurement, Amount: money("1200.00"), Attachments: 1})
	f.post(ledger.FlowRequest{Flow: ledger.FlowSpend, Fund: "FY-UP", Org: "FY-CP-02", Purpose: ledger.Relief, Amount: money("500.00"), Attachments: 1})
	f.db.Now = func() time.Time { return time.Date(2021, 1, 5, 8, 0, 0, 0, time.UTC) }
	return f
}

func TestYearCloseMovesIncomeAndExpenseIntoSurplus(t *testing.T) {
	t.Parallel()
	f := yearFixture(t)
	_, err := f.db.YearClose(f.ctx, book, "sunlixin", 2020)
	wantCode(t, err, ledger.EInvalidState, "year") // February is open
	for m := 2; m <= 11; m++ {
		if err := f.closeMonth(2020, m); err != nil {
			t.Fatalf("close 2020-%02d: %v", m, err)
		}
	}
	// December closes the year only after the year-end close.
	err = f.closeMonth(2020, 12)
	wantCode(t, postgres.MapError(err), ledger.EInvalidState, "year")
	_, err = f.db.YearClose(f.ctx, book, "wangfang", 2020)
	wantCode(t, err, ledger.EForbidden, "user")

	vs, err := f.db.YearClose(f.ctx, book, "sunlixin", 2020)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 1 {
		t.Fatalf("year-end close made %d vouchers, want 1 (one fund)", len(vs))
	}
	v := vs[0]
	if v.Maker != ledger.SystemUser || v.Flow != ledger.FlowYearClose || !v.Date.Equal(day("2020-12-31")) || v.Status != ledger.StatusDraft {
		t.Fatalf("closing voucher = %+v", v)
	}
	if _, err := f.db.YearClose(f.ctx, book, "sunlixin", 2020); ledger.ErrorCode(err) != ledger.EInvalidState {
		t.Fatalf("second run with a draft pending: %v", err)
	}
	if err := f.approve(v); err != nil {
		t.Fatalf("post the closing voucher: %v", err)
	}
	// Income and expense are zero; 党费结余 holds what is left, per
	// organisation and fund: the special fund stays earmarked.
	for _, k := range []struct{ account, org string }{{"420101", "FY"}, {"500101", "FY-CP-01"}, {"500103", "FY-CP-02"}} {
		if got := f.balance(k.account, k.org, "FY-UP"); !got.IsZero() {
			t.Fatalf("%s %s after the close = %s", k.account, k.org, got)
		}
	}
	for org, want := range map[string]string{"FY": "-10000.00", "FY-CP-01": "1200.00", "FY-CP-02": "500.00"} {
		if got := f.balance(ledger.AcctSurplusSpecial, org, "FY-UP"); !got.Equal(money(want)) {
			t.Fatalf("300102 %s = %s, want %s", org, got, want)
		}
	}
	if again, err := f.db.YearClose(f.ctx, book, "sunlixin", 2020); err != nil || len(again) != 0 {
		t.Fatalf("a run with nothing left made %d vouchers: %v", len(again), err)
	}
	if err := f.closeMonth(2020, 12); err != nil {
		t.Fatalf("close December: %v", err)
	}
	if n := f.count(`SELECT count(*) FROM years WHERE book = $1 AND year = 2020 AND status = 'closed'`, book); n != 1 {
		t.Fatal("closing December did not close the year")
	}
	// No voucher in a closed year, in Go and in SQL.
	_, err = f.flow("wangfang", ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-UP", Amount: money("1.00"), Date: day("2020-12-31"), Attachments: 1})
	wantCode(t, err, ledger.EPeriodClosed, "date")
	// A month of the closed year that had no period yet (January: the
	// year's vouchers begin in February) is closed with its year.
	if n := f.count(`SELECT count(*) FROM periods WHERE book = $1 AND year = 2020 AND month = 1`, book); n != 0 {
		t.Fatalf("January 2020 has a period (%d); the case below needs a month without one", n)
	}
	_, err = f.db.Pool.Exec(f.ctx, `INSERT INTO vouchers (book, date, summary, maker, made_at) VALUES ($1, '2020-01-20', '补记', 'wangfang', now())`, book)
	wantCode(t, mapSQL(err), ledger.EPeriodClosed, "date")
	_, err = f.db.Pool.Exec(f.ctx, `INSERT INTO years (book, year, status, closed_at, closed_by) VALUES ($1, 2021, 'closed', now(), 'system')`, book)
	wantCode(t, postgres.MapError(err), ledger.EInvalidState, "year")

	// 2021 opens with 2020's closing balances, per account, organisation
	// and fund.
	f.post(ledger.FlowRequest{Flow: ledger.FlowSpend, Fund: "FY-UP", Org: "FY-CP-01", Purpose: ledger.Procurement, Amount: money("100.00"), Date: day("2021-01-04"), Attachments: 1})
	y2020, jan := auditData(f, "2020"), auditData(f, "2021-01")
	closing := map[string]ledger.Money{}
	for _, r := range y2020.Balances {
		closing[r.Account] = r.ClosingDebit.Sub(r.ClosingCredit)
	}
	for _, r := range jan.Balances {
		if got := r.OpeningDebit.Sub(r.OpeningCredit); !got.Equal(closing[r.Account]) {
			t.Errorf("account %s: 2021 年初余额 %s, 2020 期末余额 %s", r.Account, got, closing[r.Account])
		}
		if a := f.books().Chart[r.Account]; a != nil && (a.Type == ledger.Income || a.Type == ledger.Expense) && !(r.OpeningDebit.IsZero() && r.OpeningCredit.IsZero()) {
			t.Errorf("income or expense account %s opens 2021 with a balance", r.Account)
		}
	}
	t1 := map[[2]string]ledger.Money{}
	for _, r := range y2020.T1 {
		t1[[2]string{r.Org, r.Fund}] = r.Closing
	}
	if len(t1) == 0 {
		t.Fatal("T1 of 2020 is empty")
	}
	for _, r := range jan.T1 {
		if want := t1[[2]string{r.Org, r.Fund}]; !r.Opening.Equal(want) {
			t.Errorf("T1 %s %s: 2021 期初结余 %s, 2020 期末结余 %s", r.Org, r.Fund, r.Opening, want)
		}
	}
	var keys int
	if err := f.db.Pool.QueryRow(f.ctx, `WITH c AS (
			SELECT l.account, l.org, l.fund, sum(l.debit_fen - l.credit_fen) FILTER (WHERE v.date <= '2020-12-31') AS closing,
			       sum(l.debit_fen - l.credit_fen) FILTER (WHERE v.date < '2021-01-01') AS opening
			FROM voucher_lines l JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
			WHERE l.book = $1 AND v.status = 'posted' GROUP BY 1, 2, 3)
		SELECT count(*) FROM c WHERE closing IS DISTINCT FROM opening`, book).Scan(&keys); err != nil || keys != 0 {
		t.Fatalf("%d keys open 2021 with other than 2020's closing (%v)", keys, err)
	}
	// January's reconciliation counts 党费结余 in the conservation of the
	// special fund: 10,000 received less 1,700 spent in 2020 was carried.
	jan21, err := ledger.ParsePeriod("2021-01")
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.db.Reconcile(f.ctx, postgres.ReconcileOptions{Book: book, Period: jan21})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Checks {
		if c.Name == recon.CheckConservation && !c.Passed() {
			t.Errorf("conservation after the year close: %+v", c)
		}
	}
	var up *recon.ConservationRow
	for i := range res.Conservation {
		if res.Conservation[i].Fund == "FY-UP" {
			up = &res.Conservation[i]
		}
	}
	if up == nil || !up.Carried.Equal(money("8300.00")) || !up.Income.IsZero() ||
		!up.Income.Add(up.Carried).Equal(up.Bank.Add(up.Pending).Add(up.Spent).Add(up.Grants)) {
		t.Fatalf("FY-UP conservation in 2021-01 = %+v, want 党费结余 8,300.00 and both sides equal", up)
	}
}

func TestYearReopenRules(t *testing.T) {
	t.Parallel()
	f := yearFixture(t)
	for m := 2; m <= 11; m++ {
		if err := f.closeMonth(2020, m); err != nil {
			t.Fatal(err)
		}
	}
	vs, err := f.db.YearClose(f.ctx, book, "sunlixin", 2020)
	if err != nil || len(vs) != 1 {
		t.Fatalf("year close: %v", err)
	}
	if err := f.approve(vs[0]); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.db.ReopenYear(f.ctx, book, "sunlixin", 2020, "更正"), ledger.EInvalidState, "year") // not closed yet
	if err := f.closeMonth(2020, 12); err != nil {
		t.Fatal(err)
	}
	dec, _ := ledger.ParsePeriod("2020-12")
	wantCode(t, f.db.ReopenPeriod(f.ctx, book, "sunlixin", dec, "补记"), ledger.EInvalidState, "year")
	wantCode(t, f.db.ReopenYear(f.ctx, book, "liqiang", 2020, "更正"), ledger.EForbidden, "user")
	wantCode(t, f.db.ReopenYear(f.ctx, book, "sunlixin", 2020, "  "), ledger.EInvalid, "reason")
	wantCode(t, f.db.ReopenYear(f.ctx, book, ledger.SystemUser, 2020, "更正"), ledger.EForbidden, "user")
	// Raw SQL: no re-open without its event by an admin of the whole book.
	_, err = f.db.Pool.Exec(f.ctx, `UPDATE years SET status = 'open' WHERE book = $1 AND year = 2020`, book)
	wantCode(t, postgres.MapError(err), ledger.EForbidden, "user")
	_, err = f.db.Pool.Exec(f.ctx, `INSERT INTO year_events (book, year, action, actor, at, reason) VALUES ($1, 2020, 'reopen', 'liqiang', now(), 'x')`, book)
	wantCode(t, postgres.MapError(err), ledger.EForbidden, "user")

	if err := f.db.ReopenYear(f.ctx, book, "sunlixin", 2020, "补记12月31日利息收入"); err != nil {
		t.Fatal(err)
	}
	if n := f.count(`SELECT count(*) FROM year_events WHERE book = $1 AND year = 2020 AND action = 'reopen' AND actor = 'sunlixin' AND reason = '补记12月31日利息收入'`, book); n != 1 {
		t.Fatal("the re-open is not logged")
	}
	if err := f.db.ReopenPeriod(f.ctx, book, "sunlixin", dec, "补记利息"); err != nil {
		t.Fatalf("re-open December of a re-opened year: %v", err)
	}
	ys, err := f.db.Years(f.ctx, book)
	if err != nil || len(ys) != 1 || ys[0].Status != "open" {
		t.Fatalf("years = %+v, %v", ys, err)
	}
}
