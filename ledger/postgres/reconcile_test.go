package postgres_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/bankrec"
	"github.com/fenyang/partyfee/ledger/bankstmt"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/postgres/pgtest"
	"github.com/fenyang/partyfee/ledger/recon"
)

// These tests share the package's TestMain (pgtest.Main).

const recBook = "FY-DFZH"

func recDay(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func recMoney(s string) ledger.Money { return ledger.MustParseMoney(s) }

// recFixture is a fresh database with the demo setup, on a clock that
// moves one second per reading (so posting order is the call order).
type recFixture struct {
	t   testing.TB
	tdb *pgtest.TestDB
	db  *postgres.DB
	ctx context.Context
}

func newRecFixture(t testing.TB) *recFixture {
	t.Helper()
	return newRecFixtureOn(t, pgtest.NewDatabase(t))
}

// newRecFixtureOn sets the reference book up in tdb.
func newRecFixtureOn(t testing.TB, tdb *pgtest.TestDB) *recFixture {
	t.Helper()
	s, err := configs.ParseSetup(configs.Demo(), "demo/fenyang.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range s.Books[0].Users {
		s.Books[0].Users[i].Password = ""
	}
	db := tdb.Open(t, tdb.AppURL)
	var tick atomic.Int64
	base := time.Date(2020, 3, 2, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return base.Add(time.Duration(tick.Add(1)) * time.Second) }
	f := &recFixture{t: t, tdb: tdb, db: db, ctx: context.Background()}
	if err := db.ApplySetup(f.ctx, s); err != nil {
		t.Fatalf("apply setup: %v", err)
	}
	return f
}

// draft makes a flow voucher as wangfang.
func (f *recFixture) draft(r ledger.FlowRequest) *ledger.Voucher {
	f.t.Helper()
	v, err := f.tryDraft(r)
	if err != nil {
		f.t.Fatalf("%s %s on %s: %v", r.Flow, r.Amount, r.Date.Format(time.DateOnly), err)
	}
	return v
}

func (f *recFixture) tryDraft(r ledger.FlowRequest) (*ledger.Voucher, error) {
	b, err := f.db.LoadBooks(f.ctx, recBook)
	if err != nil {
		return nil, err
	}
	if r.Attachments == 0 {
		r.Attachments = 1
	}
	if r.Decision == "" {
		r.Decision = "部务会2020-02-01"
	}
	if r.Flow == ledger.FlowSpend && r.Payee == "" {
		r.Payee, r.PayeeType = "汾阳市医药公司", ledger.PayeeSupplier
	}
	v, err := ledger.BuildFlow(&r, b)
	if err != nil {
		return nil, err
	}
	out, _, err := f.db.CreateVoucher(f.ctx, "wangfang", v)
	return out, err
}

// approve checks (liqiang), signs when it touches the bank (zhaomin) and
// posts (liqiang).
func (f *recFixture) approve(v *ledger.Voucher) error {
	if _, err := f.db.Transition(f.ctx, recBook, "liqiang", v.ID, ledger.ActCheck); err != nil {
		return err
	}
	for _, l := range v.Lines {
		if l.Account == ledger.AcctBank || l.Account == ledger.AcctCash {
			if _, err := f.db.Transition(f.ctx, recBook, "zhaomin", v.ID, ledger.ActSign); err != nil {
				return err
			}
			break
		}
	}
	_, err := f.db.Transition(f.ctx, recBook, "liqiang", v.ID, ledger.ActPost)
	return err
}

func (f *recFixture) post(r ledger.FlowRequest) *ledger.Voucher {
	f.t.Helper()
	v := f.draft(r)
	if err := f.approve(v); err != nil {
		f.t.Fatalf("post %s %s: %v", r.Flow, r.Amount, err)
	}
	return v
}

// postAnHourBack posts r with the use cases' clock an hour behind: its
// steps are timed before the postings around it.
func (f *recFixture) postAnHourBack(r ledger.FlowRequest) *ledger.Voucher {
	f.t.Helper()
	clock := f.db.Now
	defer func() { f.db.Now = clock }()
	f.db.Now = func() time.Time { return clock().Add(-time.Hour) }
	return f.post(r)
}

func (f *recFixture) super(sql string, args ...any) {
	f.t.Helper()
	if err := pgtest.Exec(f.t, f.tdb.SuperURL, sql, args...); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
}

// tamper runs sql as the superuser with triggers and foreign keys off
// (session_replication_role = replica), as someone editing the database
// behind the application's back would.
func (f *recFixture) tamper(sql string) {
	f.t.Helper()
	f.super("SET session_replication_role = replica;\n" + sql)
}

// deleteVoucher removes a voucher and its lines behind the ledger's back.
func (f *recFixture) deleteVoucher(id int64) {
	f.t.Helper()
	f.tamper(fmt.Sprintf(`DELETE FROM voucher_lines WHERE book = 'FY-DFZH' AND voucher_id = %d;
		DELETE FROM vouchers WHERE book = 'FY-DFZH' AND id = %d`, id, id))
}

func (f *recFixture) count(sql string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.db.Pool.QueryRow(f.ctx, sql, args...).Scan(&n); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func (f *recFixture) reconcile(period string, opt postgres.ReconcileOptions) *recon.ReconcileResult {
	f.t.Helper()
	res, err := f.tryReconcile(period, opt)
	if err != nil {
		f.t.Fatalf("reconcile %s: %v", period, err)
	}
	return res
}

func (f *recFixture) tryReconcile(period string, opt postgres.ReconcileOptions) (*recon.ReconcileResult, error) {
	p, err := ledger.ParsePeriod(period)
	if err != nil {
		return nil, err
	}
	opt.Book, opt.Period = recBook, p
	if opt.WindowDays == 0 {
		opt.WindowDays = 10
	}
	if opt.Layouts == nil {
		opt.Layouts = recLayouts(f.t)
	}
	return f.db.Reconcile(f.ctx, opt)
}

func recLayouts(t testing.TB) []bankstmt.Layout {
	t.Helper()
	data, err := configs.Read("bank_layouts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ls, err := bankstmt.LoadLayouts(data, "bank_layouts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return ls
}

// february is the clean February of these tests; it returns its vouchers
// by name. Bank: +90,000 (02-03), +230,000 (02-04), −12,000 (02-05),
// −8,000 (02-06), +350 (02-20), −5,000 (02-27); book balance 295,350.00.
func (f *recFixture) february() map[string]*ledger.Voucher {
	f.t.Helper()
	vs := map[string]*ledger.Voucher{}
	vs["receive"] = f.post(ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-UP", Amount: recMoney("90000.00"), Date: recDay("2020-02-03"), Memo: "ICBC20200203001"})
	vs["match"] = f.post(ledger.FlowRequest{Flow: ledger.FlowMatch, Fund: "FY-MATCH", Amount: recMoney("230000.00"), Date: recDay("2020-02-04")})
	vs["alloc1"] = f.post(ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-UP", Org: "FY-CP-01", Amount: recMoney("12000.00"), Date: recDay("2020-02-05")})
	vs["alloc2"] = f.post(ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-MATCH", Org: "FY-FXQZ", Amount: recMoney("8000.00"), Date: recDay("2020-02-06")})
	vs["spend"] = f.post(ledger.FlowRequest{Flow: ledger.FlowSpend, Fund: "FY-UP", Org: "FY-CP-01", Purpose: ledger.Procurement, Amount: recMoney("1200.00"), Date: recDay("2020-02-10")})
	void := f.draft(ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-UP", Org: "FY-CP-02", Amount: recMoney("100.00"), Date: recDay("2020-02-12")})
	if _, err := f.db.Transition(f.ctx, recBook, "wangfang", void.ID, ledger.ActVoid); err != nil {
		f.t.Fatal(err)
	}
	vs["void"] = void
	vs["return"] = f.post(ledger.FlowRequest{Flow: ledger.FlowReturn, Fund: "FY-UP", Org: "FY-CP-01", Amount: recMoney("350.00"), Date: recDay("2020-02-20")})
	vs["alloc3"] = f.post(ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-UP", Org: "FY-CP-02", Amount: recMoney("5000.00"), Date: recDay("2020-02-27")})
	return vs
}

// stmtLine is a bank statement line for the generated files.
type stmtLine struct {
	date      string // YYYY-MM-DD
	amount    string // signed: money in positive
	reference string
	summary   string
}

// februaryStatement is the bank's view of the clean February: the
// allocation of 02-06 goes through on 02-07 (a timing difference within
// the window), the allocation of 02-27 only in March (企业已付银行未付),
// and the bank credits interest on 02-29 that the book has not recorded
// yet (银行已收企业未收).
func februaryStatement() []stmtLine {
	return []stmtLine{
		{"2020-02-03", "90000.00", "ICBC20200203001", "省委组织部下拨专项党费"},
		{"2020-02-04", "230000.00", "ICBC20200204001", "市财政配套"},
		{"2020-02-05", "-12000.00", "ICBC20200205001", "划拨"},
		{"2020-02-07", "-8000.00", "ICBC20200207001", "划拨"},
		{"2020-02-21", "350.00", "ICBC20200221001", "退回"},
		{"2020-02-29", "12.34", "ICBC20200229001", "利息"},
	}
}

// icbcGBK writes lines in the ICBC layout (借方发生额/贷方发生额, dates as
// 20200203) encoded in GBK, with title rows and a running balance.
func icbcGBK(t *testing.T, lines []stmtLine) []byte {
	t.Helper()
	var b strings.Builder
	b.WriteString("账号,0511020109024901234\n户名,中共汾阳市委组织部党费专户\n")
	b.WriteString("交易日期,凭证号,摘要,借方发生额,贷方发生额,余额,对方账号,对方户名,用途\n")
	bal := ledger.Zero
	for _, l := range lines {
		m := recMoney(l.amount)
		bal = bal.Add(m)
		out, in := "", ""
		if m.Sign() < 0 {
			out = m.Neg().String()
		} else {
			in = m.String()
		}
		fmt.Fprintf(&b, "%s,%s,%s,%s,%s,%s,,,\n", strings.ReplaceAll(l.date, "-", ""), l.reference, l.summary, out, in, bal.String())
	}
	data, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// ccbUTF8 writes lines in the CCB layout (收入金额/支出金额, times of day)
// as UTF-8 with a byte-order mark.
func ccbUTF8(lines []stmtLine) []byte {
	var b strings.Builder
	b.WriteString("\ufeff账号:0511020109024901234,账户名称:中共汾阳市委组织部党费专户\n")
	b.WriteString("交易时间,收入金额,支出金额,账户余额,币种,对方户名,对方账号,对方开户机构,摘要,交易流水号\n")
	bal := ledger.Zero
	for _, l := range lines {
		m := recMoney(l.amount)
		bal = bal.Add(m)
		out, in := "", ""
		if m.Sign() < 0 {
			out = m.Neg().String()
		} else {
			in = m.String()
		}
		fmt.Fprintf(&b, "%s 10:23:45,%s,%s,%s,人民币,,,,%s,%s\n", l.date, in, out, bal.String(), l.summary, l.reference)
	}
	return []byte(b.String())
}

func checkOf(t *testing.T, res *recon.ReconcileResult, name string) recon.CheckResult {
	t.Helper()
	for _, c := range res.Checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no check %s in %+v", name, res.Checks)
	return recon.CheckResult{}
}

// wantOnly fails unless the run found exactly want.
func wantOnly(t *testing.T, res *recon.ReconcileResult, want ...recon.Discrepancy) {
	t.Helper()
	got := res.Discrepancies
	if len(got) != len(want) {
		t.Fatalf("discrepancies:\n%s\nwant %d: %+v", describe(got), len(want), want)
	}
	for i := range want {
		g := got[i]
		g.VoucherID, g.Msg = 0, ""
		if g != want[i] {
			t.Fatalf("discrepancy %d = %+v (%s), want %+v", i, g, got[i].Msg, want[i])
		}
	}
	status := recon.StatusClean
	if len(want) > 0 {
		status = recon.StatusDiscrepancies
	}
	if res.Status != status {
		t.Fatalf("status = %s, want %s", res.Status, status)
	}
}

func describe(ds []recon.Discrepancy) string {
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "  %+v — %s\n", d, d.Msg)
	}
	return b.String()
}

func TestReconcileCleanLedgerPasses(t *testing.T) {
	t.Parallel()
	f := newRecFixture(t)
	vs := f.february()
	res := f.reconcile("2020-02", postgres.ReconcileOptions{})
	wantOnly(t, res)
	for _, name := range []string{recon.CheckVoucherBalance, recon.CheckNumbering, recon.CheckStoredBalance, recon.CheckConservation,
		recon.CheckNegativeBalance, recon.CheckTrialOpening, recon.CheckTrialPeriod, recon.CheckTrialClosing,
		recon.CheckParentPosting, recon.CheckGeneralLedger} {
		if c := checkOf(t, res, name); !c.Passed() {
			t.Errorf("check %s: %+v", name, c)
		}
	}
	if c := checkOf(t, res, bankrec.CheckAdjustedBalances); c.Ran {
		t.Errorf("bank check ran without a statement: %+v", c)
	}
	if !reflect.DeepEqual(res.Voided, []string{vs["void"].Word()}) {
		t.Errorf("voided = %v, want [%s]", res.Voided, vs["void"].Word())
	}
	if res.Vouchers != 7 || res.PeriodStatus != "open" || res.Closed {
		t.Errorf("vouchers %d, period %s, closed %v", res.Vouchers, res.PeriodStatus, res.Closed)
	}
	// The trial balance: 合计 debits = credits, bank closes at 295,350.00.
	tot := recon.TrialTotals(res.Trial)
	if !tot.PeriodDebit.Equal(tot.PeriodCredit) || !tot.ClosingDebit.Equal(tot.ClosingCredit) || !tot.ClosingDebit.Equal(recMoney("320000.00")) {
		t.Errorf("trial totals %+v", tot)
	}
	var bank *recon.TrialRow
	for i := range res.Trial {
		if res.Trial[i].Account == ledger.AcctBank {
			bank = &res.Trial[i]
		}
	}
	if bank == nil || !bank.ClosingDebit.Equal(recMoney("295350.00")) || bank.Parent != "1002" {
		t.Errorf("bank row %+v", bank)
	}
	// Conservation at the period end, per special fund.
	want := map[string][5]string{
		"FY-UP":    {"90000.00", "73350.00", "15450.00", "1200.00", "0.00"},
		"FY-MATCH": {"230000.00", "222000.00", "8000.00", "0.00", "0.00"},
	}
	for _, c := range res.Conservation {
		w := want[c.Fund]
		got := [5]string{c.Income.String(), c.Bank.String(), c.Pending.String(), c.Spent.String(), c.Grants.String()}
		if got != w {
			t.Errorf("conservation %s = %v, want %v", c.Fund, got, w)
		}
	}
	// The JSON summary has exactly the keys of SPEC §7; the February
	// findings are two MEDIUM A-03 (money received and not passed on for
	// more than 15 days), which do not fail the run.
	var js map[string]json.RawMessage
	if err := json.Unmarshal(res.SummaryJSON(), &js); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range js {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !reflect.DeepEqual(keys, []string{"discrepancies", "findings", "period", "status"}) || string(js["discrepancies"]) != "[]" ||
		string(js["period"]) != `"2020-02"` || string(js["status"]) != `"clean"` {
		t.Errorf("summary JSON %s", res.SummaryJSON())
	}
	var rules []string
	for _, fd := range res.Findings {
		rules = append(rules, fd.Rule+" "+fd.Severity+" "+fd.Voucher+" "+fd.State)
	}
	if want := []string{"A-03 MEDIUM " + vs["receive"].Word() + " open", "A-03 MEDIUM " + vs["match"].Word() + " open"}; !reflect.DeepEqual(rules, want) {
		t.Errorf("findings %q, want %q", rules, want)
	}
	if c := checkOf(t, res, recon.CheckAuditHigh); !c.Passed() {
		t.Errorf("audit check %+v", c)
	}
	if c := checkOf(t, res, recon.CheckSealChain); !c.Passed() {
		t.Errorf("chain check %+v", c)
	}
}

func TestReconcileStoredBalanceOneFen(t *testing.T) {
	t.Parallel()
	f := newRecFixture(t)
	f.february()
	f.super(`UPDATE balances SET balance_fen = balance_fen + 1 WHERE book = 'FY-DFZH' AND account = '121801' AND org = 'FY-CP-01' AND fund = 'FY-UP'`)
	res := f.reconcile("2020-02", postgres.ReconcileOptions{})
	wantOnly(t, res, recon.Discrepancy{Check: recon.CheckStoredBalance, Account: "121801", Org: "FY-CP-01", Fund: "FY-UP",
		Expected: "10450.00", Actual: "10450.01", Difference: "0.01"})
}

func TestReconcileMissingVoucherNumber(t *testing.T) {
	t.Parallel()
	f := newRecFixture(t)
	vs := f.february()
	f.deleteVoucher(vs["void"].ID)
	res := f.reconcile("2020-02", postgres.ReconcileOptions{})
	wantOnly(t, res, recon.Discrepancy{Check: recon.CheckNumbering, Voucher: vs["void"].Word()})
	if len(res.Voided) != 0 {
		t.Errorf("voided = %v", res.Voided)
	}

	// The last number of the month taken and gone: the counter still says so.
	g := newRecFixture(t)
	ws := g.february()
	g.deleteVoucher(ws["void"].ID)
	last := g.draft(ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-UP", Org: "FY-CP-03", Amount: recMoney("10.00"), Date: recDay("2020-02-28")})
	g.deleteVoucher(last.ID)
	res = g.reconcile("2020-02", postgres.ReconcileOptions{})
	wantOnly(t, res, recon.Discrepancy{Check: recon.CheckNumbering, Voucher: ws["void"].Word()},
		recon.Discrepancy{Check: recon.CheckNumbering, Voucher: last.Word()})
}

func TestReconcileVoucherUnbalancedPerFund(t *testing.T) {
	t.Parallel()
	f := newRecFixture(t)
	f.february()
	v := f.draft(ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-UP", Org: "FY-CP-03", Amount: recMoney("100.00"), Date: recDay("2020-02-25")})
	if _, err := f.db.Transition(f.ctx, recBook, "liqiang", v.ID, ledger.ActCheck); err != nil {
		t.Fatal(err)
	}
	res := f.reconcile("2020-02", postgres.ReconcileOptions{})
	wantOnly(t, res)
	f.tamper(fmt.Sprintf(`UPDATE voucher_lines SET debit_fen = debit_fen + 1 WHERE book = 'FY-DFZH' AND voucher_id = %d AND debit_fen > 0`, v.ID))
	res = f.reconcile("2020-02", postgres.ReconcileOptions{})
	wantOnly(t, res, recon.Discrepancy{Check: recon.CheckVoucherBalance, Voucher: v.Word(), Fund: "FY-UP",
		Expected: "100.01", Actual: "100.00", Difference: "-0.01"})
}

func TestReconcileConservationNamesTheVoucher(t *testing.T) {
	t.Parallel()
	f := newRecFixture(t)
	f.february()
	// Special-fund money paid upward as ordinary Party fees: it leaves the
	// bank for an account outside the special fund's.
	v := &ledger.Voucher{Book: recBook, Date: recDay("2020-02-26"), Summary: "上缴党费", Attachments: 1, Lines: []ledger.Line{
		{Account: "5401", Org: "FY", Fund: "FY-UP", Debit: recMoney("100.00"), Credit: ledger.Zero},
		{Account: ledger.AcctBank, Org: "FY", Fund: "FY-UP", Debit: ledger.Zero, Credit: recMoney("100.00")},
	}}
	out, _, err := f.db.CreateVoucher(f.ctx, "wangfang", v)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.approve(out); err != nil {
		t.Fatal(err)
	}
	res := f.reconcile("2020-02", postgres.ReconcileOptions{})
	wantOnly(t, res, recon.Discrepancy{Check: recon.CheckConservation, Voucher: out.Word(), Account: "5401", Org: "FY", Fund: "FY-UP",
		Expected: "0.00", Actual: "-100.00", Difference: "-100.00"})
	// March opens with the difference carried in. By the end of March
	// the money held since February is also a HIGH A-03 finding; once the
	// auditor has acknowledged those, the carried difference is all that is
	// left.
	res = f.reconcile("2020-03", postgres.ReconcileOptions{})
	if f.ackHigh(res) == 0 {
		t.Fatalf("no HIGH finding in March: %s", res.SummaryJSON())
	}
	res = f.reconcile("2020-03", postgres.ReconcileOptions{})
	wantOnly(t, res, recon.Discrepancy{Check: recon.CheckConservation, Fund: "FY-UP",
		Expected: "90000.00", Actual: "89900.00", Difference: "-100.00"})
}

func TestReconcileNegativeBalanceInDateOrder(t *testing.T) {
	t.Parallel()
	f := newRecFixture(t)
	f.february()
	// Posted in this order the balance never went below zero; in date
	// order the spending of 02-15 comes before the allocation of 02-20.
	f.post(ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-UP", Org: "FY-CP-04", Amount: recMoney("500.00"), Date: recDay("2020-02-20")})
	spend := f.post(ledger.FlowRequest{Flow: ledger.FlowSpend, Fund: "FY-UP", Org: "FY-CP-04", Purpose: ledger.Procurement, Amount: recMoney("400.00"), Date: recDay("2020-02-15")})
	res := f.reconcile("2020-02", postgres.ReconcileOptions{})
	// The audit rules see the same day-end balance below zero (A-02, HIGH).
	wantOnly(t, res, recon.Discrepancy{Check: recon.CheckNegativeBalance, Voucher: spend.Word(), Account: ledger.AcctPending, Org: "FY-CP-04", Fund: "FY-UP",
		Expected: "0.00", Actual: "-400.00", Difference: "-400.00"},
		recon.Discrepancy{Check: recon.CheckAuditHigh, Voucher: spend.Word(), Org: "FY-CP-04", Actual: "400.00"})
	if len(res.Findings) == 0 || res.Findings[0].Rule != "A-02" {
		t.Fatalf("findings %+v", res.Findings)
	}
}

func TestReconcileNegativeBalanceWithinADay(t *testing.T) {
	t.Parallel()
	f := newRecFixture(t)
	f.february()
	// On 02-15 the branch's balance opens at zero and closes at zero, but
	// in posting order the spending (posted while the allocation of 02-20
	// covered it) comes before the allocation of the same day.
	f.post(ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-UP", Org: "FY-CP-04", Amount: recMoney("500.00"), Date: recDay("2020-02-20")})
	spend := f.post(ledger.FlowRequest{Flow: ledger.FlowSpend, Fund: "FY-UP", Org: "FY-CP-04", Purpose: ledger.Procurement, Amount: recMoney("400.00"), Date: recDay("2020-02-15")})
	f.post(ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-UP", Org: "FY-CP-04", Amount: recMoney("400.00"), Date: recDay("2020-02-15")})
	res := f.reconcile("2020-02", postgres.ReconcileOptions{})
	var got []recon.Discrepancy
	for _, d := range res.Discrepancies {
		if d.Check == recon.CheckNegativeBalance {
			d.VoucherID, d.Msg = 0, ""
			got = append(got, d)
		}
	}
	want := recon.Discrepancy{Check: recon.CheckNegativeBalance, Voucher: spend.Word(), Account: ledger.AcctPending, Org: "FY-CP-04", Fund: "FY-UP",
		Expected: "0.00", Actual: "-400.00", Difference: "-400.00"}
	if len(got) != 1 || got[0] != want {
		t.Fatalf("negative balances %+v, want %+v", got, want)
	}
}

// A posting's time is read before it waits for the balance rows' locks,
// so two postings of one key can take effect in the other order: the
// spending below, timed before the allocation that covered it, came after
// it, and the balance never went below zero.
func TestReconcileReplaysInTheOrderPostingsTookEffect(t *testing.T) {
	t.Parallel()
	f := newRecFixture(t)
	f.february()
	alloc := f.post(ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-UP", Org: "FY-CP-04", Amount: recMoney("400.00"), Date: recDay("2020-02-15")})
	spend := f.postAnHourBack(ledger.FlowRequest{Flow: ledger.FlowSpend, Fund: "FY-UP", Org: "FY-CP-04", Purpose: ledger.Procurement, Amount: recMoney("400.00"), Date: recDay("2020-02-15")})
	var allocated, spent time.Time
	if err := f.db.Pool.QueryRow(f.ctx, `SELECT (SELECT posted_at FROM vouchers WHERE book = $1 AND id = $2),
		(SELECT posted_at FROM vouchers WHERE book = $1 AND id = $3)`, recBook, alloc.ID, spend.ID).Scan(&allocated, &spent); err != nil {
		t.Fatal(err)
	}
	if !spent.Before(allocated) {
		t.Fatalf("the spending was posted at %v, the allocation at %v: the test needs the spending timed first", spent, allocated)
	}
	for _, d := range f.reconcile("2020-02", postgres.ReconcileOptions{}).Discrepancies {
		if d.Check == recon.CheckNegativeBalance {
			t.Errorf("negative balance reported: %s", d.Msg)
		}
	}
}

// Migration 00049 dates every line as its voucher and carries the order
// the postings took effect (posted_lines.seq, which differs from posted_at
// here) into the seal queue and the seals; the postings after it follow.
func TestPostingOrderKeptByTheSeals(t *testing.T) {
	t.Parallel()
	tdb := pgtest.NewEmptyDatabase(t)
	ctx := context.Background()
	if _, err := postgres.MigrateToForTest(ctx, tdb.OwnerURL, 48); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, tdb.SuperURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// Three posted vouchers timed 1, 2, 3 that took effect 2, 1, 3; the
	// second is sealed, the others queued.
	if _, err := conn.Exec(ctx, `SET session_replication_role = replica;
		INSERT INTO vouchers (book, id, type, year, month, number, date, summary, flow, status, maker, made_at, checker, checked_at, poster, posted_at, total_fen)
		OVERRIDING SYSTEM VALUE
		SELECT 'FY-DFZH', g, '记', 2020, 2, g, date '2020-02-02' + g, '划拨', 'allocate', 'posted', 'wangfang', t, 'liqiang', t, 'liqiang',
			t + g * interval '1 second', 100
		FROM generate_series(1, 3) g, (SELECT timestamptz '2020-02-10 08:00:00+00' AS t) c;
		INSERT INTO voucher_lines (book, voucher_id, line_no, summary, account, org, fund, debit_fen, credit_fen)
		SELECT 'FY-DFZH', g, n, '划拨', CASE n WHEN 1 THEN '121801' ELSE '100201' END, CASE n WHEN 1 THEN 'FY-CP-01' ELSE 'FY' END, 'FY-UP',
			CASE n WHEN 1 THEN 100 ELSE 0 END, CASE n WHEN 2 THEN 100 ELSE 0 END
		FROM generate_series(1, 3) g, generate_series(1, 2) n;
		INSERT INTO posted_lines (book, account, org, fund, date, number, voucher_id, line_no, debit_fen, credit_fen, seq)
		SELECT l.book, l.account, l.org, l.fund, v.date, v.number, v.id, l.line_no, l.debit_fen, l.credit_fen,
			(ARRAY[12, 10, 14])[v.id] + l.line_no - 1
		FROM voucher_lines l JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id;
		SELECT setval('posted_lines_seq', 15);
		INSERT INTO voucher_seals (book, seq, voucher_id, seal, prev) VALUES ('FY-DFZH', 1, 2, sha256('2'), '');
		INSERT INTO seal_pending (book, voucher_id, posted_at) SELECT book, id, posted_at FROM vouchers WHERE id <> 2`); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.Migrate(ctx, tdb.OwnerURL, nil); err != nil {
		t.Fatal(err)
	}
	var undated int
	var order []int64
	var next int64
	if err := conn.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM voucher_lines l JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id WHERE l.date IS DISTINCT FROM v.date),
		(SELECT array_agg(voucher_id ORDER BY post_seq) FROM (SELECT voucher_id, post_seq FROM voucher_seals
			UNION ALL SELECT voucher_id, post_seq FROM seal_pending) s),
		nextval('posting_order')`).Scan(&undated, &order, &next); err != nil {
		t.Fatal(err)
	}
	if undated != 0 || !slices.Equal(order, []int64{2, 1, 3}) || next <= 15 {
		t.Fatalf("after migration 00049: %d lines dated otherwise than their voucher, vouchers in posting order %v (want [2 1 3]), next number %d (want above 15)",
			undated, order, next)
	}
}

// The vouchers posted one after another are numbered in that order, queued
// or sealed, and the replay of a day reads the numbers.
func TestPostingOrderOfTheVouchers(t *testing.T) {
	t.Parallel()
	f := newRecFixture(t)
	f.february()
	if _, err := f.db.SealPending(context.Background(), "FY-DFZH"); err != nil {
		t.Fatal(err)
	}
	last := f.post(ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-UP", Org: "FY-CP-04", Amount: recMoney("30.00"), Date: recDay("2020-02-27")})
	var got, want []int64
	var sealed, queued int
	if err := f.db.Pool.QueryRow(context.Background(), `SELECT
		(SELECT array_agg(voucher_id ORDER BY post_seq) FROM (SELECT voucher_id, post_seq FROM voucher_seals
			UNION ALL SELECT voucher_id, post_seq FROM seal_pending) s),
		(SELECT array_agg(v.id ORDER BY v.posted_at, v.id) FROM vouchers v WHERE v.status = 'posted'),
		(SELECT count(*) FROM voucher_seals WHERE post_seq IS NOT NULL), (SELECT count(*) FROM seal_pending)`).Scan(&got, &want, &sealed, &queued); err != nil {
		t.Fatal(err)
	}
	if sealed < 6 || queued != 1 || want[len(want)-1] != last.ID {
		t.Fatalf("%d sealed vouchers with their post_seq, %d queued (want all but the last, %d, sealed); posting order %v", sealed, queued, last.ID, want)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("vouchers in post_seq order %v, want %v", got, want)
	}
}

func TestReconcileVoucherWithTooFewLines(t *testing.T) {
	t.Parallel()
	f := newRecFixture(t)
	f.february()
	one := f.draft(ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-UP", Org: "FY-CP-03", Amount: recMoney("100.00"), Date: recDay("2020-02-25")})
	none := f.draft(ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-UP", Org: "FY-CP-03", Amount: recMoney("50.00"), Date: recDay("2020-02-26")})
	wantOnly(t, f.reconcile("2020-02", postgres.ReconcileOptions{}))
	f.tamper(fmt.Sprintf(`DELETE FROM voucher_lines WHERE book = 'FY-DFZH' AND voucher_id = %d AND credit_fen > 0;
		DELETE FROM voucher_lines WHERE book = 'FY-DFZH' AND voucher_id = %d`, one.ID, none.ID))
	res := f.reconcile("2020-02", postgres.ReconcileOptions{})
	wantOnly(t, res,
		recon.Discrepancy{Check: recon.CheckVoucherBalance, Voucher: one.Word(), Account: ledger.AcctPending, Org: "FY-CP-03", Fund: "FY-UP",
			Expected: "100.00", Actual: "0.00", Difference: "-100.00"},
		recon.Discrepancy{Check: recon.CheckVoucherBalance, Voucher: one.Word(), Expected: "100.00", Actual: "0.00", Difference: "-100.00"},
		recon.Discrepancy{Check: recon.CheckVoucherBalance, Voucher: none.Word(), Expected: "50.00", Actual: "0.00", Difference: "-50.00"})
	for _, d := range res.Discrepancies[1:] {
		if !strings.Contains(d.Msg, "lines; a voucher has at least 2") {
			t.Errorf("message %q", d.Msg)
		}
	}
}

// ackHigh acknowledges every open HIGH finding of the run as the auditor.
func (f *recFixture) ackHigh(res *recon.ReconcileResult) int {
	f.t.Helper()
	n := 0
	for _, fd := range res.Findings {
		if fd.Severity == "HIGH" && fd.State == "open" {
			if _, err := f.db.AckFinding(f.ctx, recBook, "fengqing", fmt.Sprint(fd.ID), "已约谈，限期拨付", recDay("2020-04-15")); err != nil {
				f.t.Fatalf("ack %d: %v", fd.ID, err)
			}
			n++
		}
	}
	return n
}

func TestReconcileBankTwoLayoutsWithTimingDifferences(t *testing.T) {
	t.Parallel()
	f := newRecFixture(t)
	vs := f.february()
	grouped := []stmtLine{
		{"2020-02-03", "90000.00", "ICBC20200203001", "省委组织部下拨专项党费"},
		{"2020-02-04", "230000.00", "", "市财政配套"},
		// the bank carried out the two allocations as one batch
		{"2020-02-06", "-20000.00", "", "批量划拨"},
		{"2020-02-21", "350.00", "", "退回"},
		{"2020-02-29", "12.34", "", "利息"},
		// March: not this period's
		{"2020-03-02", "-5000.00", "", "划拨"},
	}
	for _, tc := range []struct {
		name, file string
		data       []byte
		layout     string
		groups     int
	}{
		{"icbc-gbk", "icbc-202002.csv", icbcGBK(t, februaryStatement()), "icbc", 5},
		{"ccb-utf8-bom", "ccb-202002.csv", ccbUTF8(grouped), "ccb", 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := f.reconcile("2020-02", postgres.ReconcileOptions{Statement: &postgres.StatementFile{Name: tc.file, Data: tc.data}})
			wantOnly(t, res)
			b := res.Bank
			if b == nil || b.Statement.Layout != tc.layout || !b.Statement.Imported || b.Matched != tc.groups {
				t.Fatalf("bank %+v", b)
			}
			tab := b.Table
			if !tab.BookBalance.Equal(recMoney("295350.00")) || !tab.BankBalance.Equal(recMoney("300362.34")) ||
				!tab.AdjustedBook.Equal(recMoney("295362.34")) || !tab.AdjustedBank.Equal(tab.AdjustedBook) || !tab.Balanced {
				t.Fatalf("table %+v", tab)
			}
			if len(tab.BankReceivedNotBooked) != 1 || !tab.BankReceivedNotBooked[0].Amount.Equal(recMoney("12.34")) ||
				len(tab.BookedPaidNotInBank) != 1 || tab.BookedPaidNotInBank[0].VoucherID != vs["alloc3"].ID ||
				len(tab.BankPaidNotBooked) != 0 || len(tab.BookedReceivedNotInBank) != 0 {
				t.Fatalf("outstanding items %+v", tab)
			}
			for _, c := range []string{bankrec.CheckAdjustedBalances, bankrec.CheckOutstandingAge, bankrec.CheckStatementBalance} {
				if !checkOf(t, res, c).Passed() {
					t.Errorf("check %s: %+v", c, checkOf(t, res, c))
				}
			}
		})
	}
	if n := f.count(`SELECT count(*) FROM bank_statements`); n != 2 {
		t.Fatalf("%d statements stored, want 2", n)
	}
	if n := f.count(`SELECT count(*) FROM bank_statement_lines`); n != 6+6 {
		t.Fatalf("%d statement lines stored, want 12", n)
	}
}

func TestReconcileBankLineOlderThanWindow(t *testing.T) {
	t.Parallel()
	f := newRecFixture(t)
	f.february()
	lines := februaryStatement()
	// A bank fee on 02-03 that nobody booked: 26 days before the period end.
	lines = append(lines[:1], append([]stmtLine{{"2020-02-03", "-5.00", "ICBC20200203002", "手续费"}}, lines[1:]...)...)
	res := f.reconcile("2020-02", postgres.ReconcileOptions{Statement: &postgres.StatementFile{Name: "icbc.csv", Data: icbcGBK(t, lines)}})
	wantOnly(t, res, recon.Discrepancy{Check: bankrec.CheckOutstandingAge, Voucher: "对账单第5行", Account: ledger.AcctBank,
		Expected: "0.00", Actual: "-5.00", Difference: "-5.00"})
	if !res.Bank.Table.Balanced {
		t.Fatalf("adjusted balances differ: %+v", res.Bank.Table)
	}
}

func TestReconcileIsIdempotent(t *testing.T) {
	t.Parallel()
	f := newRecFixture(t)
	f.february()
	stmt := &postgres.StatementFile{Name: "icbc.csv", Data: icbcGBK(t, februaryStatement())}
	first := f.reconcile("2020-02", postgres.ReconcileOptions{Statement: stmt, Close: true})
	wantOnly(t, first)
	if !first.Closed || first.PeriodStatus != "closed" || first.ClosedBy != "system" || first.ClosedAt == nil || !first.Recorded ||
		!first.Bank.Statement.Imported {
		t.Fatalf("first run: closed %v, status %s, by %q at %v, recorded %v, imported %v", first.Closed, first.PeriodStatus, first.ClosedBy,
			first.ClosedAt, first.Recorded, first.Bank.Statement.Imported)
	}
	if len(first.Seal) != 64 {
		t.Fatalf("period seal %q", first.Seal)
	}
	if v, err := f.db.VerifyPeriod(f.ctx, recBook, 2020, 2, first.Seal); err != nil || !v.Clean() {
		t.Fatalf("verify the period seal: %v %+v", err, v.Problems)
	}
	state := func() string {
		var s string
		if err := f.db.Pool.QueryRow(f.ctx, `SELECT concat_ws('|',
				(SELECT count(*) FROM bank_statements), (SELECT count(*) FROM bank_statement_lines),
				(SELECT count(*) FROM reconcile_runs), (SELECT count(*) FROM period_events),
				(SELECT count(*) FROM actions), (SELECT string_agg(status || coalesce(closed_at::text, '') || coalesce(summary::text, ''), ',') FROM periods))`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := state()
	for i, opt := range []postgres.ReconcileOptions{{Statement: stmt, Close: true}, {Close: true}, {Statement: stmt}, {}} {
		again := f.reconcile("2020-02", opt)
		if !bytes.Equal(again.SummaryJSON(), first.SummaryJSON()) || again.Closed || !again.AlreadyClosed || again.PeriodStatus != "closed" {
			t.Fatalf("re-run %d: %s, closed %v, already %v", i, again.SummaryJSON(), again.Closed, again.AlreadyClosed)
		}
		if again.Bank == nil || again.Bank.Statement.Imported || !again.Bank.Table.AdjustedBank.Equal(first.Bank.Table.AdjustedBank) {
			t.Fatalf("re-run %d bank: %+v", i, again.Bank)
		}
		if again.Recorded {
			t.Fatalf("re-run %d recorded a new run", i)
		}
		if after := state(); after != before {
			t.Fatalf("re-run %d changed the database:\n%s\n%s", i, before, after)
		}
	}
	var summary json.RawMessage
	if err := f.db.Pool.QueryRow(f.ctx, `SELECT summary FROM periods WHERE book = $1 AND year = 2020 AND month = 2`, recBook).Scan(&summary); err != nil {
		t.Fatal(err)
	}
	var got, want any
	_ = json.Unmarshal(summary, &got)
	_ = json.Unmarshal(first.SummaryJSON(), &want)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("periods.summary %s, want %s", summary, first.SummaryJSON())
	}
}

func TestReconcileCloseAndReopenRules(t *testing.T) {
	t.Parallel()
	f := newRecFixture(t)
	f.post(ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-UP", Amount: recMoney("1000.00"), Date: recDay("2020-01-30")})
	f.february()

	// February cannot close before January.
	res := f.reconcile("2020-02", postgres.ReconcileOptions{Close: true, WithoutStatementReason: recNoStatement})
	wantOnly(t, res, recon.Discrepancy{Check: recon.CheckPreviousOpen})
	if res.Closed || res.PeriodStatus != "open" {
		t.Fatalf("closed %v, status %s", res.Closed, res.PeriodStatus)
	}
	// January is the first month of the book: it has no previous month.
	if res := f.reconcile("2020-01", postgres.ReconcileOptions{Close: true, WithoutStatementReason: recNoStatement}); !res.Closed {
		t.Fatalf("january: %s", res.SummaryJSON())
	}
	// A voucher left unposted keeps February open.
	v := f.draft(ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-UP", Org: "FY-CP-03", Amount: recMoney("10.00"), Date: recDay("2020-02-28")})
	if _, err := f.db.Transition(f.ctx, recBook, "liqiang", v.ID, ledger.ActCheck); err != nil {
		t.Fatal(err)
	}
	res = f.reconcile("2020-02", postgres.ReconcileOptions{Close: true, WithoutStatementReason: recNoStatement})
	wantOnly(t, res, recon.Discrepancy{Check: recon.CheckUnposted, Voucher: v.Word()})
	if err := f.approve2(v); err != nil {
		t.Fatal(err)
	}
	res = f.reconcile("2020-02", postgres.ReconcileOptions{Close: true, WithoutStatementReason: recNoStatement})
	if !res.Closed || res.Status != recon.StatusClean {
		t.Fatalf("february: %s", res.SummaryJSON())
	}

	// Posting into the closed month is refused.
	_, err := f.tryDraft(ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-UP", Org: "FY-CP-03", Amount: recMoney("1.00"), Date: recDay("2020-02-28")})
	if ledger.ErrorCode(err) != ledger.EPeriodClosed {
		t.Fatalf("voucher in a closed month: %v", err)
	}

	jan, _ := ledger.ParsePeriod("2020-01")
	feb, _ := ledger.ParsePeriod("2020-02")
	for _, tc := range []struct {
		name, actor string
		period      ledger.PeriodRange
		reason      string
		code        string
	}{
		{"not the latest closed month", "sunlixin", jan, "更正一月凭证", ledger.EInvalidState},
		{"a checker is not an admin", "liqiang", feb, "更正", ledger.EForbidden},
		{"the batch user is not an admin", ledger.SystemUser, feb, "更正", ledger.EForbidden},
		{"an auditor is not an admin", "fengqing", feb, "更正", ledger.EForbidden},
		{"no reason", "sunlixin", feb, "  ", ledger.EInvalid},
	} {
		if err := f.db.ReopenPeriod(f.ctx, recBook, tc.actor, tc.period, tc.reason); ledger.ErrorCode(err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
	if err := f.db.ReopenPeriod(f.ctx, recBook, "sunlixin", feb, "补记2月28日慰问支出"); err != nil {
		t.Fatal(err)
	}
	if err := f.db.ReopenPeriod(f.ctx, recBook, "sunlixin", feb, "again"); ledger.ErrorCode(err) != ledger.EInvalidState {
		t.Fatalf("re-opening an open month: %v", err)
	}
	evs, err := f.db.PeriodEvents(f.ctx, recBook)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		got = append(got, fmt.Sprintf("%04d-%02d %s %s %s", e.Year, e.Month, e.Action, e.Actor, e.Reason))
	}
	want := []string{"2020-01 close system " + recNoStatement, "2020-02 close system " + recNoStatement, "2020-02 reopen sunlixin 补记2月28日慰问支出"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("period events %q, want %q", got, want)
	}
	ps, err := f.db.Periods(f.ctx, recBook)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0].Status != "closed" || ps[1].Status != "open" || ps[1].ClosedAt != nil {
		t.Fatalf("periods %+v", ps)
	}
	// Open again: February takes vouchers, then closes again.
	f.post(ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-UP", Org: "FY-CP-03", Amount: recMoney("1.00"), Date: recDay("2020-02-28")})
	if res := f.reconcile("2020-02", postgres.ReconcileOptions{Close: true, WithoutStatementReason: recNoStatement}); !res.Closed {
		t.Fatalf("february again: %s", res.SummaryJSON())
	}
	// March, with no vouchers, closes after February once the HIGH
	// findings (money held since February) are acknowledged.
	res = f.reconcile("2020-03", postgres.ReconcileOptions{Close: true, WithoutStatementReason: recNoStatement})
	if res.Closed {
		t.Fatalf("march closed with open HIGH findings: %s", res.SummaryJSON())
	}
	for _, d := range res.Discrepancies {
		if d.Check != recon.CheckAuditHigh {
			t.Fatalf("march: %+v", d)
		}
	}
	f.ackHigh(res)
	if res := f.reconcile("2020-03", postgres.ReconcileOptions{Close: true, WithoutStatementReason: recNoStatement}); !res.Closed || len(res.Findings) == 0 || res.Findings[0].State != "acknowledged" {
		t.Fatalf("march: %s", res.SummaryJSON())
	}
	if err := f.db.ReopenPeriod(f.ctx, recBook, "sunlixin", feb, "x"); ledger.ErrorCode(err) != ledger.EInvalidState {
		t.Fatalf("re-opening february under a closed march: %v", err)
	}
}

// approve2 signs and posts a voucher that is already checked.
func (f *recFixture) approve2(v *ledger.Voucher) error {
	if _, err := f.db.Transition(f.ctx, recBook, "zhaomin", v.ID, ledger.ActSign); err != nil {
		return err
	}
	_, err := f.db.Transition(f.ctx, recBook, "liqiang", v.ID, ledger.ActPost)
	return err
}

// Workers keep making and posting vouchers into February while the batch
// tries to close it: a closing run that finds a voucher unposted refuses,
// one that succeeds leaves nothing behind it, and every worker stops on
// period_closed and nothing else.
func TestReconcileCloseRacesWithPosting(t *testing.T) {
	t.Parallel()
	f := newRecFixture(t)
	f.february()
	const workers, perWorker = 4, 15
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	var posted atomic.Int64
	start := make(chan struct{})
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			<-start
			for i := 0; i < perWorker; i++ {
				v, err := f.tryDraft(ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-MATCH", Org: fmt.Sprintf("FY-CP-%02d", w+1),
					Amount: recMoney("1.00"), Date: recDay("2020-02-28")})
				if err == nil {
					err = f.approve(v)
				}
				if err != nil {
					errs <- err
					return
				}
				posted.Add(1)
				time.Sleep(time.Duration(i%3) * time.Millisecond)
			}
			errs <- nil
		}(w)
	}
	close(start)
	// Let the workers get going before the first closing run.
	for posted.Load() < workers {
		time.Sleep(time.Millisecond)
	}
	refused := 0
	var res *recon.ReconcileResult
	for {
		r, err := f.tryReconcile("2020-02", postgres.ReconcileOptions{Close: true, WithoutStatementReason: recNoStatement})
		if err != nil {
			t.Fatal(err)
		}
		if r.Closed {
			res = r
			break
		}
		for _, d := range r.Discrepancies {
			if d.Check != recon.CheckUnposted {
				t.Fatalf("closing run found %+v", d)
			}
		}
		refused++
		time.Sleep(2 * time.Millisecond)
	}
	wg.Wait()
	close(errs)
	stopped := 0
	for err := range errs {
		if err == nil {
			continue
		}
		if ledger.ErrorCode(err) != ledger.EPeriodClosed {
			t.Fatalf("a worker failed with %v", err)
		}
		stopped++
	}
	if res.Status != recon.StatusClean {
		t.Fatalf("closed with %s", res.SummaryJSON())
	}
	n := f.count(`SELECT count(*) FROM vouchers WHERE book = $1 AND year = 2020 AND month = 2 AND status NOT IN ('posted', 'void')`, recBook)
	if n != 0 {
		t.Fatalf("%d unposted vouchers in the closed month", n)
	}
	// Nothing was made or posted in February after it closed.
	late := f.count(`SELECT count(*) FROM vouchers v JOIN periods p ON p.book = v.book AND p.year = v.year AND p.month = v.month
		WHERE v.book = $1 AND v.year = 2020 AND v.month = 2 AND (v.made_at > p.closed_at OR v.posted_at > p.closed_at)`, recBook)
	if late != 0 {
		t.Fatalf("%d vouchers made or posted after the close", late)
	}
	// The run saw every voucher the workers posted.
	if res.Vouchers != 7+int(posted.Load()) {
		t.Fatalf("the closing run counted %d posted vouchers, the workers posted %d more than the 7 of the fixture", res.Vouchers, posted.Load())
	}
	t.Logf("closing refused %d times; %d vouchers posted by the workers; %d workers stopped by the close", refused, posted.Load(), stopped)
}

func TestReconcileRejectsRangesAndBadStatements(t *testing.T) {
	t.Parallel()
	f := newRecFixture(t)
	if _, err := f.tryReconcile("2020-02..2020-03", postgres.ReconcileOptions{}); ledger.ErrorCode(err) != ledger.EInvalid {
		t.Fatalf("range: %v", err)
	}
	_, err := f.tryReconcile("2020-02", postgres.ReconcileOptions{Statement: &postgres.StatementFile{Name: "x.csv", Data: []byte("a,b,c\n1,2,3\n")}})
	var le *ledger.Error
	if !errors.As(err, &le) || le.Code != ledger.EInvalid {
		t.Fatalf("unknown layout: %v", err)
	}
	if n := f.count(`SELECT count(*) FROM reconcile_runs`); n != 0 {
		t.Fatalf("a failed run recorded %d runs", n)
	}
}

// A payment booked and cancelled by a red reversal never reached the bank:
// the pair cancels out instead of standing as two outstanding items.
func TestReconcileBankReversalPairCancels(t *testing.T) {
	t.Parallel()
	f := newRecFixture(t)
	f.february()
	v := f.post(ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-UP", Org: "FY-CP-05", Amount: recMoney("777.00"), Date: recDay("2020-02-11")})
	red, err := f.db.Reverse(f.ctx, recBook, "wangfang", v.ID, recDay("2020-02-12"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.approve(red); err != nil {
		t.Fatal(err)
	}
	res := f.reconcile("2020-02", postgres.ReconcileOptions{Statement: &postgres.StatementFile{Name: "icbc.csv", Data: icbcGBK(t, februaryStatement())}})
	wantOnly(t, res)
	tab := res.Bank.Table
	if len(tab.BookedPaidNotInBank) != 1 || len(tab.BookedReceivedNotInBank) != 0 || !tab.Balanced {
		t.Fatalf("outstanding %+v", tab)
	}
}

// A panic inside the batch's transaction (here in the progress callback,
// which runs between the checks) rolls the transaction back and gives its
// connection back to the pool, for a closing run, a reading run and a
// preview alike; the period stays open.
func TestReconcilePanicReleasesTheConnection(t *testing.T) {
	t.Parallel()
	f := newRecFixture(t)
	f.february()
	before := f.db.Pool.Stat().AcquiredConns()
	boom := func(step string, done, total int) {
		if step == "trial balance" {
			panic("a bug in a check")
		}
	}
	p, err := ledger.ParsePeriod("2020-02")
	if err != nil {
		t.Fatal(err)
	}
	runs := map[string]func(){
		"close": func() {
			f.tryReconcile("2020-02", postgres.ReconcileOptions{Close: true, WithoutStatementReason: recNoStatement, Progress: boom})
		},
		"read": func() { f.tryReconcile("2020-02", postgres.ReconcileOptions{Progress: boom}) },
		"preview": func() {
			f.db.ReconcilePreview(f.ctx, postgres.ReconcileOptions{Book: recBook, Period: p, WindowDays: 10, Progress: boom})
		},
	}
	for name, run := range runs {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: the panic did not reach the caller", name)
				}
			}()
			run()
		}()
		if got := f.db.Pool.Stat().AcquiredConns(); got != before {
			t.Fatalf("%s: %d connections held after the panic, %d before", name, got, before)
		}
	}
	ps, err := f.db.Periods(f.ctx, recBook)
	if err != nil {
		t.Fatal(err)
	}
	for _, pi := range ps {
		if pi.Status == "closed" {
			t.Errorf("period %+v closed by a run that panicked", pi)
		}
	}
}

// recNoStatement is the reason the tests close months whose bank moved
// without reconciling a bank statement.
const recNoStatement = "测试：不核对银行对账单"

// TestReconcileCloseNamesPersonAndBank: a month whose bank account moved
// does not close without a bank statement unless a reason is given; the
// close records the person who ran it (an admin of the whole book), else
// system; a person who is not an admin is refused; re-opening clears the
// reason. The schema refuses the same close without a reason, and a close
// by a user who is not an admin.
func TestReconcileCloseNamesPersonAndBank(t *testing.T) {
	t.Parallel()
	f := newRecFixture(t)
	f.february()

	_, err := f.tryReconcile("2020-02", postgres.ReconcileOptions{Close: true, Actor: "sunlixin"})
	if ledger.ErrorCode(err) != ledger.EInvalidState || ledger.ErrorField(err) != "bank_statement" {
		t.Fatalf("close without a statement: %v, want invalid_state on bank_statement", err)
	}
	_, err = f.tryReconcile("2020-02", postgres.ReconcileOptions{Close: true, Actor: "liqiang", WithoutStatementReason: recNoStatement})
	if ledger.ErrorCode(err) != ledger.EForbidden {
		t.Fatalf("close by a checker: %v, want forbidden", err)
	}
	// The schema holds the same rules for a close written by hand.
	for _, c := range []struct {
		sql, code string
	}{
		{`UPDATE periods SET status = 'closed', closed_by = 'system' WHERE book = $1 AND year = 2020 AND month = 2`, ledger.EInvalidState},
		{`UPDATE periods SET status = 'closed', closed_by = 'liqiang', no_statement_reason = 'x' WHERE book = $1 AND year = 2020 AND month = 2`, ledger.EForbidden},
	} {
		_, err := f.db.Pool.Exec(f.ctx, c.sql, recBook)
		if got := ledger.ErrorCode(postgres.MapError(err)); got != c.code {
			t.Fatalf("%s: %v, want %s", c.sql, err, c.code)
		}
	}

	res := f.reconcile("2020-02", postgres.ReconcileOptions{Close: true, Actor: "sunlixin", WithoutStatementReason: recNoStatement})
	if !res.Closed || res.ClosedBy != "sunlixin" || res.NoStatementReason != recNoStatement {
		t.Fatalf("close: closed %v by %q, reason %q", res.Closed, res.ClosedBy, res.NoStatementReason)
	}
	evs, err := f.db.PeriodEvents(f.ctx, recBook)
	if err != nil {
		t.Fatal(err)
	}
	if last := evs[len(evs)-1]; last.Action != "close" || last.Actor != "sunlixin" || last.Reason != recNoStatement {
		t.Fatalf("close event %+v", last)
	}
	feb, _ := ledger.ParsePeriod("2020-02")
	if err := f.db.ReopenPeriod(f.ctx, recBook, "sunlixin", feb, "补记银行对账单"); err != nil {
		t.Fatal(err)
	}
	// Closed by the batch (no person), the close names system.
	res = f.reconcile("2020-02", postgres.ReconcileOptions{Close: true, WithoutStatementReason: recNoStatement})
	if !res.Closed || res.ClosedBy != ledger.SystemUser {
		t.Fatalf("batch close: closed %v by %q", res.Closed, res.ClosedBy)
	}
}
