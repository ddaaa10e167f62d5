package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/audit"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/postgres/pgtest"
	"github.com/fenyang/partyfee/ledger/report"
	"github.com/fenyang/partyfee/reports"
)

// The report tests record a random ledger through the adapter (printed
// seed; REPORT_SEED replays one), read the audit workbook of February 2020
// with AuditData, write it, read the file back and check the SPEC §6
// invariants against sums computed here in SQL, independently of the
// adapter's classification.

const repBook = "FY-DFZH"

func repDay(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// repLedger records vouchers on a fresh database with the demo setup.
type repLedger struct {
	t   *testing.T
	ctx context.Context
	db  *postgres.DB
	tdb *pgtest.TestDB
	b   *ledger.Books
	rng *rand.Rand
	// posted vouchers by flow, for reversals
	posted []*ledger.Voucher
	drafts []*ledger.Voucher
	people []ledger.Beneficiary
}

func newRepLedger(t *testing.T, seed uint64) *repLedger {
	t.Helper()
	s, err := configs.ParseSetup(configs.Demo(), "demo/fenyang.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range s.Books[0].Users {
		s.Books[0].Users[i].Password = ""
	}
	tdb := pgtest.NewDatabase(t)
	db := tdb.Open(t, tdb.AppURL)
	db.Now = func() time.Time { return time.Date(2020, 4, 1, 9, 0, 0, 0, time.UTC) }
	l := &repLedger{t: t, ctx: context.Background(), db: db, tdb: tdb, rng: rand.New(rand.NewPCG(seed, seed))}
	if err := db.ApplySetup(l.ctx, s); err != nil {
		t.Fatal(err)
	}
	if l.b, err = db.LoadBooks(l.ctx, repBook); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 12; i++ {
		l.people = append(l.people, ledger.Beneficiary{Name: fmt.Sprintf("受助人%02d", i), Category: "群众",
			IDNumber: validID("19800101", fmt.Sprintf("%03d", i))})
	}
	return l
}

// approve checks, signs (cash/bank) and posts v; it returns the error of
// the step that failed (a draft that cannot be posted stays where it got).
func (l *repLedger) approve(v *ledger.Voucher) error {
	if _, err := l.db.Transition(l.ctx, repBook, "liqiang", v.ID, ledger.ActCheck); err != nil {
		return err
	}
	if v.TouchesCash(l.b.Chart) {
		if _, err := l.db.Transition(l.ctx, repBook, "zhaomin", v.ID, ledger.ActSign); err != nil {
			return err
		}
	}
	p, err := l.db.Transition(l.ctx, repBook, "liqiang", v.ID, ledger.ActPost)
	if err == nil {
		l.posted = append(l.posted, p)
	}
	return err
}

// record makes a voucher as wangfang and, unless draft, takes it to posted.
// Rule rejections are expected in a random ledger (an allocation larger
// than the bank holds); anything else fails the test.
func (l *repLedger) record(v *ledger.Voucher, draft bool) {
	l.t.Helper()
	made, _, err := l.db.CreateVoucher(l.ctx, "wangfang", v)
	if err != nil {
		l.expectRule(err)
		return
	}
	if draft {
		l.drafts = append(l.drafts, made)
		return
	}
	l.expectRule(l.approve(made))
}

func (l *repLedger) expectRule(err error) {
	l.t.Helper()
	if err == nil {
		return
	}
	switch ledger.ErrorCode(err) {
	case ledger.EInsufficientFunds, ledger.EOrgInactive:
		return
	}
	l.t.Fatalf("unexpected error: %v", err)
}

func (l *repLedger) flow(r ledger.FlowRequest, draft bool) {
	l.t.Helper()
	r.Attachments = 1 + l.rng.IntN(2)
	if l.rng.IntN(15) == 0 {
		r.Attachments = 0
	}
	if r.Decision == "" {
		r.Decision = "汾组通〔2020〕" + strconv.Itoa(1+l.rng.IntN(20)) + "号"
	}
	v, err := ledger.BuildFlow(&r, l.b)
	if err != nil {
		l.t.Fatalf("%s %s: %v", r.Flow, r.Amount, err)
	}
	l.record(v, draft)
}

func (l *repLedger) amount(lo, hi int64) ledger.Money {
	return ledger.FromFen((lo + l.rng.Int64N(hi-lo+1)) * 100)
}

// branches are the organisations money goes down to: a few branches and
// party groups (a small tree, so the T5 roll-up has levels).
var repBranches = []string{"FY-WG-ZHXT", "FY-WG-ZHXT-G1", "FY-WG-ZHXT-G2", "FY-CP-01", "FY-CP-01-G1", "FY-LDRK", "FY-DCZD"}

// randomLedger records n random steps dated from 2020-01-28 to 2020-03-20.
func (l *repLedger) randomLedger(n int) {
	start := repDay("2020-01-28")
	days := int(repDay("2020-03-20").Sub(start).Hours()/24) + 1
	var dates []time.Time
	for i := 0; i < n; i++ {
		dates = append(dates, start.AddDate(0, 0, l.rng.IntN(days)))
	}
	sortTimes(dates)
	funds := []string{"FY-UP", "FY-MATCH"}
	// Money comes in first, so that the rest has something to move.
	l.flow(ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-UP", Amount: ledger.MustParseMoney("90000.00"), Date: start}, false)
	l.flow(ledger.FlowRequest{Flow: ledger.FlowMatch, Fund: "FY-MATCH", Amount: ledger.MustParseMoney("230000.00"), Date: start}, false)
	l.flow(ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-GEN", Amount: ledger.MustParseMoney("5000.00"), Date: start}, false)
	for _, d := range dates {
		fund := funds[l.rng.IntN(2)]
		org := repBranches[l.rng.IntN(len(repBranches))]
		draft := l.rng.IntN(12) == 0
		switch k := l.rng.IntN(100); {
		case k < 5:
			l.flow(ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-UP", Amount: l.amount(1000, 20000), Date: d}, draft)
		case k < 8:
			l.flow(ledger.FlowRequest{Flow: ledger.FlowMatch, Fund: "FY-MATCH", Amount: l.amount(1000, 20000), Date: d}, draft)
		case k < 30:
			l.flow(ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: fund, Org: org, Amount: l.amount(500, 15000), Date: d}, draft)
		case k < 70, k < 75:
			p := ledger.Purposes[l.rng.IntN(3)]
			r := ledger.FlowRequest{Flow: ledger.FlowSpend, Fund: fund, Org: org, Purpose: p, Amount: l.amount(50, 800), Date: d,
				Payee: "汾阳市某商店", PayeeType: ledger.PayeeSupplier, DocTypes: []string{"发票"}}
			if k >= 70 {
				r.Org = "" // the city spends directly from the bank
			}
			if p != ledger.Procurement {
				r.DocTypes = []string{"签收单/花名册"}
				r.Amount = ledger.Zero
				for j := 0; j <= l.rng.IntN(3); j++ {
					b := l.people[l.rng.IntN(len(l.people))]
					b.Amount, b.Reason = l.amount(50, 300), "慰问"
					r.Beneficiaries = append(r.Beneficiaries, b)
					r.Amount = r.Amount.Add(b.Amount)
				}
				r.PayeeType = ledger.PayeeIndividual
			}
			l.flow(r, draft)
		case k < 82:
			l.flow(ledger.FlowRequest{Flow: ledger.FlowReturn, Fund: fund, Org: org, Amount: l.amount(50, 2000), Date: d}, draft)
		case k < 88:
			// A cash withdrawal for the city's own spending: bank to cash,
			// then a cash payment.
			a := l.amount(100, 500)
			l.record(&ledger.Voucher{Book: repBook, Date: d, Summary: "提取现金备用", Attachments: 1, Method: ledger.MethodCash,
				Lines: []ledger.Line{
					{Account: ledger.AcctCash, Org: "FY", Fund: fund, Debit: a, Credit: ledger.Zero},
					{Account: ledger.AcctBank, Org: "FY", Fund: fund, Debit: ledger.Zero, Credit: a},
				}}, false)
			l.flow(ledger.FlowRequest{Flow: ledger.FlowSpend, Fund: fund, Purpose: ledger.Procurement, Amount: a, Date: d,
				Method: ledger.MethodCash, Payee: "汾阳市某超市", PayeeType: ledger.PayeeSupplier}, false)
		case k < 95:
			if len(l.posted) > 0 {
				v := l.posted[l.rng.IntN(len(l.posted))]
				if v.ReversalOf != 0 || v.Date.After(d) {
					continue
				}
				red, err := l.db.Reverse(l.ctx, repBook, "wangfang", v.ID, d)
				if err != nil {
					if ledger.ErrorCode(err) != ledger.EInvalidState {
						l.t.Fatalf("reverse %d: %v", v.ID, err)
					}
					continue
				}
				l.expectRule(l.approve(red))
			}
		default:
			if len(l.drafts) > 0 {
				i := l.rng.IntN(len(l.drafts))
				v := l.drafts[i]
				l.drafts = append(l.drafts[:i], l.drafts[i+1:]...)
				if _, err := l.db.Transition(l.ctx, repBook, "wangfang", v.ID, ledger.ActVoid); err != nil {
					l.t.Fatalf("void %d: %v", v.ID, err)
				}
			}
		}
	}
}

func sortTimes(ts []time.Time) {
	for i := 1; i < len(ts); i++ {
		for j := i; j > 0 && ts[j].Before(ts[j-1]); j-- {
			ts[j], ts[j-1] = ts[j-1], ts[j]
		}
	}
}

// fen runs a sum query.
func (l *repLedger) fen(sql string, args ...any) ledger.Money {
	l.t.Helper()
	var n int64
	if err := l.db.Pool.QueryRow(l.ctx, sql, args...).Scan(&n); err != nil {
		l.t.Fatalf("%s: %v", sql, err)
	}
	return ledger.FromFen(n)
}

func (l *repLedger) count(sql string, args ...any) int {
	l.t.Helper()
	var n int
	if err := l.db.Pool.QueryRow(l.ctx, sql, args...).Scan(&n); err != nil {
		l.t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// workbook writes the audit workbook of period for org and opens it.
func (l *repLedger) workbook(period, org string) (*excelize.File, reports.Summary, *report.AuditData) {
	l.t.Helper()
	p, err := ledger.ParsePeriod(period)
	if err != nil {
		l.t.Fatal(err)
	}
	d, closeData, err := l.db.AuditData(l.ctx, repBook, p, org)
	if err != nil {
		l.t.Fatal(err)
	}
	d.GeneratedAt, d.GeneratedBy, d.Preparer, d.Reviewer = l.db.Now(), "system", "王芳", "李强"
	var buf bytes.Buffer
	sum, err := reports.WriteAudit(&buf, d, reports.Options{})
	if err != nil {
		l.t.Fatalf("write the workbook: %v", err)
	}
	if err := closeData(); err != nil {
		l.t.Fatal(err)
	}
	if os.Getenv("REPORT_KEEP") != "" {
		_ = os.WriteFile(os.Getenv("REPORT_KEEP")+"-"+cmpOrAll(org)+".xlsx", buf.Bytes(), 0o644)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		l.t.Fatal(err)
	}
	l.t.Cleanup(func() { f.Close() })
	return f, sum, d
}

// sheet is a table read back from the workbook: its rows as raw values.
type sheet struct {
	t    *testing.T
	name string
	rows [][]string
}

func readSheet(t *testing.T, f *excelize.File, name string) *sheet {
	t.Helper()
	rows, err := f.GetRows(name, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &sheet{t: t, name: name, rows: rows}
}

// col is the column (0-based) of the header cell head in the header rows.
func (s *sheet) col(head string) int {
	s.t.Helper()
	for _, r := range s.rows[:min(5, len(s.rows))] {
		for i, c := range r {
			if c == head {
				return i
			}
		}
	}
	s.t.Fatalf("%s has no column %q", s.name, head)
	return -1
}

// total is the row whose first cell is label (the last one).
func (s *sheet) total(label string) []string {
	s.t.Helper()
	for i := len(s.rows) - 1; i >= 0; i-- {
		if len(s.rows[i]) > 0 && s.rows[i][0] == label {
			return s.rows[i]
		}
	}
	s.t.Fatalf("%s has no %s row", s.name, label)
	return nil
}

func cellMoney(t *testing.T, row []string, col int) ledger.Money {
	t.Helper()
	if col >= len(row) || row[col] == "" {
		return ledger.Zero
	}
	f, err := strconv.ParseFloat(row[col], 64)
	if err != nil {
		t.Fatalf("cell %q is not a number", row[col])
	}
	m, err := ledger.ParseMoney(strconv.FormatFloat(f, 'f', 2, 64))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func wantEqual(t *testing.T, what string, got, want ledger.Money) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}

// posted is the FROM clause of posted lines of special funds in February.
const repPostedFeb = ` FROM voucher_lines l JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
	JOIN funds f ON f.book = l.book AND f.code = l.fund
	WHERE v.status = 'posted' AND f.kind IN ('upper', 'matching') AND v.date BETWEEN '2020-02-01' AND '2020-02-29' AND `

func TestReportRandomLedger(t *testing.T) {
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
	l.randomLedger(160)
	// A finding on a February spending voucher and a publication, so T8,
	// T3's flags and the publication dates have something to show.
	var spendID int64
	var spendWord string
	var spendDate time.Time
	for _, v := range l.posted {
		if v.Flow == ledger.FlowSpend && v.Date.Month() == time.February && len(v.Lines) > 0 && v.Lines[0].Org == "FY-CP-01" {
			spendID, spendWord, spendDate = v.ID, v.Word(), v.Date
			break
		}
	}
	feb, _ := ledger.ParsePeriod("2020-02")
	if spendID != 0 {
		if _, err := l.db.RecordFindings(l.ctx, repBook, feb, []audit.Finding{{Rule: "A-08", Type: "无票据支付", Severity: "MEDIUM",
			VoucherID: spendID, Voucher: spendWord, Date: spendDate, Org: "FY-CP-01", Amount: ledger.MustParseMoney("1.00"),
			Explanation: "测试", Key: "A-08|test"}}, l.db.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := l.db.AddPublicity(l.ctx, repBook, "wangfang", audit.PublicityRecord{Date: repDay("2020-03-05"), Channel: "公示栏",
		ReportedTotal: ledger.Zero}); err != nil {
		t.Fatal(err)
	}

	f, sum, _ := l.workbook("2020-02", "")
	for _, c := range sum.Checks {
		if !c.OK {
			t.Errorf("check %s: %s ≠ %s", c.Name, c.Left, c.Right)
		}
	}
	if len(sum.Checks) < 8 {
		t.Errorf("only %d cross-sheet checks ran", len(sum.Checks))
	}

	// 现金日记账 holds 1001 alone and 银行存款日记账 100201 alone, one entry
	// per posted line of the month, the bank's with the voucher's 结算方式.
	for _, j := range []struct {
		sheet, account string
	}{{reports.SheetCashJournal, ledger.AcctCash}, {reports.SheetBankJournal, ledger.AcctBank}} {
		js := readSheet(t, f, j.sheet)
		cCode, cVoucher := js.col("科目编码"), js.col("凭证字号")
		entries := 0
		for _, r := range js.rows[3:] {
			if len(r) > cCode && r[cCode] != "" && r[cCode] != j.account {
				t.Errorf("%s holds account %s", j.sheet, r[cCode])
			}
			if len(r) > cVoucher && r[cVoucher] != "" {
				entries++
			}
		}
		want := l.count(`SELECT count(*) FROM voucher_lines l JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
			WHERE v.status = 'posted' AND v.date BETWEEN '2020-02-01' AND '2020-02-29' AND l.account = $1`, j.account)
		if entries != want {
			t.Errorf("%s: %d entries, %d posted lines of %s", j.sheet, entries, want, j.account)
		}
	}
	bj := readSheet(t, f, reports.SheetBankJournal)
	cMethod, cVoucher := bj.col("结算方式"), bj.col("凭证字号")
	methods := map[string]string{}
	for _, v := range l.posted {
		if v.Date.Year() != 2020 || v.Date.Month() != time.February {
			continue // 字号 restart every month
		}
		methods[v.Word()] = map[string]string{ledger.MethodBank: "转账", ledger.MethodCash: "现金"}[v.Method]
	}
	for _, r := range bj.rows[3:] {
		if len(r) > cMethod && len(r) > cVoucher && r[cVoucher] != "" {
			if w, ok := methods[r[cVoucher]]; ok && r[cMethod] != w {
				t.Errorf("银行存款日记账 %s: 结算方式 %q, want %q", r[cVoucher], r[cMethod], w)
			}
		}
	}

	// T1: every row satisfies SPEC §3's formula and closes at the
	// organisation's available balance; the 合计 adds up to the income
	// recorded, with internal flows cancelling.
	t1 := readSheet(t, f, reports.SheetT1)
	cOpen, cInc, cIn, cRec, cOut, cUsed, cRet, cClose := t1.col("期初结余"), t1.col("本期收入"), t1.col("本期拨入"), t1.col("本期收回"),
		t1.col("本期拨出"), t1.col("本期使用"), t1.col("本期退回"), t1.col("期末结余")
	orgByName := map[string]string{}
	for _, o := range l.b.Orgs {
		orgByName[o.Name] = o.Code
	}
	fundByName := map[string]string{}
	for _, fd := range l.b.Funds {
		fundByName[fd.Name] = fd.Code
	}
	rows := 0
	for _, r := range t1.rows[3:] {
		org, ok := orgByName[r[0]]
		if !ok {
			continue // 小计, 合计
		}
		rows++
		m := func(c int) ledger.Money { return cellMoney(t, r, c) }
		want := m(cOpen).Add(m(cInc)).Add(m(cIn)).Add(m(cRec)).Sub(m(cOut)).Sub(m(cUsed)).Sub(m(cRet))
		wantEqual(t, "T1 "+r[0]+" "+r[1]+" 期末结余 by the formula", m(cClose), want)
		avail := l.fen(`SELECT coalesce(sum(l.debit_fen - l.credit_fen), 0) FROM voucher_lines l
			JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id JOIN accounts a ON a.book = l.book AND a.code = l.account
			WHERE v.status = 'posted' AND a.restricted AND v.date <= '2020-02-29' AND l.org = $1 AND l.fund = $2`, org, fundByName[r[1]])
		wantEqual(t, "T1 "+r[0]+" "+r[1]+" 期末结余", m(cClose), avail)
	}
	if rows < 5 {
		t.Errorf("T1 has %d organisation rows", rows)
	}
	tot := t1.total("合计")
	income := l.fen(`SELECT coalesce(sum(l.credit_fen - l.debit_fen), 0)` + repPostedFeb + `l.account IN ('420101', '4801')`)
	wantEqual(t, "T1 合计 本期收入", cellMoney(t, tot, cInc), income)
	wantEqual(t, "T1 合计 本期收入 = upper + matching", sum.Totals.Income, sum.Totals.Upper.Add(sum.Totals.Matching))
	wantEqual(t, "T1 合计 本期拨入 = 本期拨出", cellMoney(t, tot, cIn), cellMoney(t, tot, cOut))
	wantEqual(t, "T1 合计 本期收回 = 本期退回", cellMoney(t, tot, cRec), cellMoney(t, tot, cRet))
	spent := l.fen(`SELECT coalesce(sum(l.debit_fen - l.credit_fen), 0)` + repPostedFeb + `l.account LIKE '5001%'`)
	wantEqual(t, "T1 合计 本期使用", cellMoney(t, tot, cUsed), spent)
	if spent.IsZero() {
		t.Error("the random ledger spent nothing in February")
	}

	// T4 合计 = T3 合计 = T1 本期使用.
	t4 := readSheet(t, f, reports.SheetT4)
	wantEqual(t, "T4 合计", cellMoney(t, t4.total("合计"), t4.col("金额")), spent)
	t3 := readSheet(t, f, reports.SheetT3)
	wantEqual(t, "T3 合计", cellMoney(t, t3.total("合计"), t3.col("金额")), spent)
	spendLines := l.count(`SELECT count(*)` + repPostedFeb + `l.account LIKE '5001%'`)
	if got := len(t3.rows) - 4; got != spendLines {
		t.Errorf("T3 has %d data rows, want %d spending lines", got, spendLines)
	}

	// T5 Σ拨入 = T2 Σ拨付 = the allocations' 121801 debits (red reversals
	// negative).
	t5 := readSheet(t, f, reports.SheetT5)
	t2 := readSheet(t, f, reports.SheetT2)
	allocated := l.fen(`SELECT coalesce(sum(l.debit_fen - l.credit_fen), 0)` + repPostedFeb + `l.account = '121801'
		AND (v.flow = 'allocate' OR EXISTS (SELECT 1 FROM vouchers o WHERE o.book = v.book AND o.id = v.reversal_of AND o.flow = 'allocate'))`)
	wantEqual(t, "T2 合计 拨付金额", cellMoney(t, t2.total("合计"), t2.col("拨付金额")), allocated)
	wantEqual(t, "T5 合计 拨入金额", cellMoney(t, t5.total("合计"), t5.col("拨入金额")), allocated)
	if allocated.IsZero() {
		t.Error("nothing was allocated in February")
	}

	// The trial balance balances, and its period debits are the journal's.
	tr := readSheet(t, f, reports.SheetTrial)
	trTot := tr.total("合计")
	for k := 2; k <= 6; k += 2 {
		wantEqual(t, fmt.Sprintf("试算平衡表 合计 column %d debit = credit", k), cellMoney(t, trTot, k), cellMoney(t, trTot, k+1))
	}
	periodDebit := l.fen(`SELECT coalesce(sum(l.debit_fen), 0) FROM voucher_lines l JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
		WHERE v.status = 'posted' AND v.date BETWEEN '2020-02-01' AND '2020-02-29'`)
	wantEqual(t, "试算平衡表 本期借方", cellMoney(t, trTot, 4), periodDebit)

	// 凭证清单: every line of every voucher dated in February, in every state.
	vl := readSheet(t, f, reports.SheetVouchers)
	lines := l.count(`SELECT count(*) FROM voucher_lines l JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
		WHERE v.date BETWEEN '2020-02-01' AND '2020-02-29'`)
	if got := len(vl.rows) - 4; got != lines {
		t.Errorf("凭证清单 has %d rows, want %d lines", got, lines)
	}
	if n := l.count(`SELECT count(*) FROM vouchers WHERE status <> 'posted' AND date BETWEEN '2020-02-01' AND '2020-02-29'`); n > 0 {
		st := vl.col("状态")
		others := 0
		for _, r := range vl.rows[3:] {
			if st < len(r) && r[st] != "" && r[st] != ledger.StatusPosted.Name() {
				others++
			}
		}
		if others == 0 {
			t.Errorf("凭证清单 shows none of the %d vouchers not posted", n)
		}
	}

	// T6: a row per beneficiary of February's posted spending.
	t6 := readSheet(t, f, reports.SheetT6)
	bens := l.count(`SELECT count(*) FROM vouchers v JOIN voucher_beneficiaries b ON b.book = v.book AND b.voucher_id = coalesce(v.reversal_of, v.id)
		WHERE v.status = 'posted' AND v.date BETWEEN '2020-02-01' AND '2020-02-29'`)
	if got := len(t6.rows) - 4; got != bens {
		t.Errorf("T6 has %d rows, want %d", got, bens)
	}
	for _, r := range t6.rows[3 : len(t6.rows)-1] {
		if id := r[t6.col("证件号码(脱敏)")]; !strings.Contains(id, "****") {
			t.Errorf("T6 shows ID %q unmasked", id)
		}
	}

	// T8 shows the recorded finding, T3 flags its voucher, and T3 dates the
	// publication.
	if spendID != 0 {
		t8 := readSheet(t, f, reports.SheetT8)
		found := false
		for _, r := range t8.rows[3:] {
			found = found || (len(r) > 0 && r[0] == "A-08")
		}
		if !found {
			t.Error("T8 lacks the recorded finding A-08")
		}
		flagged := false
		for _, r := range t3.rows[3:] {
			if c := t3.col("异常标记"); c < len(r) && r[c] == "A-08" {
				flagged = true
			}
		}
		if !flagged {
			t.Errorf("T3 does not flag %s with A-08", spendWord)
		}
	}
	published := 0
	for _, r := range t3.rows[3:] {
		if c := t3.col("公示日期"); c < len(r) && r[c] != "" {
			published++
		}
	}
	if published != spendLines {
		t.Errorf("%d of %d T3 rows show the publication date", published, spendLines)
	}

	// 明细账 closes 121801 at the book's balance of the account.
	pending := l.fen(`SELECT coalesce(sum(l.debit_fen - l.credit_fen), 0) FROM voucher_lines l JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
		WHERE v.status = 'posted' AND l.account = '121801' AND v.date <= '2020-02-29'`)
	det := readSheet(t, f, reports.SheetDetail)
	var last []string
	for _, r := range det.rows[3:] {
		if len(r) > 0 && r[0] == ledger.AcctPending {
			last = r
		}
	}
	if last == nil {
		t.Fatal("明细账 has no 121801 rows")
	}
	wantEqual(t, "明细账 121801 期末余额", cellMoney(t, last, det.col("余额")), pending)

	// A subtree: T1 and T5 cover it alone, and T5 Σ拨入 = T2 Σ拨付 still.
	fs, ssum, sd := l.workbook("2020-02", "FY-WG-ZHXT")
	if len(sd.T5) != 3 {
		t.Errorf("T5 of FY-WG-ZHXT has %d organisations, want 3", len(sd.T5))
	}
	for _, r := range sd.T1 {
		if !l.b.InScope("FY-WG-ZHXT", r.Org) {
			t.Errorf("T1 of FY-WG-ZHXT lists %s", r.Org)
		}
	}
	for _, c := range ssum.Checks {
		if !c.OK {
			t.Errorf("FY-WG-ZHXT check %s: %s ≠ %s", c.Name, c.Left, c.Right)
		}
	}
	sub := l.fen(`SELECT coalesce(sum(l.debit_fen - l.credit_fen), 0)`+repPostedFeb+`l.account = '121801' AND l.org = ANY($1)
		AND (v.flow = 'allocate' OR EXISTS (SELECT 1 FROM vouchers o WHERE o.book = v.book AND o.id = v.reversal_of AND o.flow = 'allocate'))`,
		[]string{"FY-WG-ZHXT", "FY-WG-ZHXT-G1", "FY-WG-ZHXT-G2"})
	st5 := readSheet(t, fs, reports.SheetT5)
	wantEqual(t, "FY-WG-ZHXT T5 合计 拨入金额", cellMoney(t, st5.total("合计"), st5.col("拨入金额")), sub)
}

// TestReportAuditDataErrors: a bad period or organisation is refused with
// its code, and nothing stays open.
func TestReportAuditDataErrors(t *testing.T) {
	t.Parallel()
	l := newRepLedger(t, 1)
	ctx := context.Background()
	if _, _, err := l.db.AuditData(ctx, repBook, ledger.PeriodRange{}, ""); ledger.ErrorCode(err) != ledger.EInvalid {
		t.Errorf("empty period: %v", err)
	}
	feb, _ := ledger.ParsePeriod("2020-02")
	if _, _, err := l.db.AuditData(ctx, repBook, feb, "NO-SUCH-ORG"); ledger.ErrorCode(err) != ledger.ENotFound {
		t.Errorf("unknown organisation: %v", err)
	}
	if _, _, err := l.db.AuditData(ctx, "NO-BOOK", feb, ""); ledger.ErrorCode(err) != ledger.ENotFound {
		t.Errorf("unknown book: %v", err)
	}
	// An empty book writes a workbook whose tables are empty and balanced.
	d, closeData, err := l.db.AuditData(ctx, repBook, feb, "")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := reports.WriteAudit(&bytes.Buffer{}, d, reports.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := closeData(); err != nil {
		t.Fatal(err)
	}
	if len(d.T1) != 0 || !sum.Totals.Income.IsZero() {
		t.Errorf("an empty book has T1 rows %v, income %s", d.T1, sum.Totals.Income)
	}
	// After close the iterators fail instead of reading.
	for _, err := range d.Vouchers {
		if err == nil || errors.Is(err, context.Canceled) {
			t.Errorf("凭证清单 read after close: %v", err)
		}
		break
	}
}

func cmpOrAll(org string) string {
	if org == "" {
		return "all"
	}
	return org
}

// TestReportHugeDraftOutsideControlTotals: a draft of the largest amount
// and a void voucher are listed in 凭证清单 but leave the posted control
// totals alone, and the workbook is still written (issue #14, defect 1).
func TestReportHugeDraftOutsideControlTotals(t *testing.T) {
	t.Parallel()
	l := newRepLedger(t, 1)
	d := repDay("2020-02-10")
	l.flow(ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-UP", Amount: ledger.MustParseMoney("1000.00"), Date: d}, false)
	_, before, _ := l.workbook("2020-02", "")
	if before.Totals.Debit.IsZero() || before.Totals.UnpostedCount != 0 {
		t.Fatalf("before: debit %s, drafts %d", before.Totals.Debit, before.Totals.UnpostedCount)
	}
	// The per-book ceiling would refuse the draft; an auditor must be safe
	// from one even so, so the test lifts it.
	su := l.tdb.Open(t, l.tdb.SuperURL)
	if _, err := su.Pool.Exec(l.ctx, `UPDATE books SET voucher_amount_max_fen = 99999999999999, revision = revision + 1 WHERE book = $1`, repBook); err != nil {
		t.Fatal(err)
	}
	var err error
	if l.b, err = l.db.LoadBooks(l.ctx, repBook); err != nil {
		t.Fatal(err)
	}
	huge := ledger.MustParseMoney("999999999999.99")
	l.flow(ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-UP", Amount: huge, Date: d}, true)
	l.flow(ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-UP", Amount: ledger.MustParseMoney("7.00"), Date: d}, true)
	if len(l.drafts) != 2 {
		t.Fatalf("%d drafts made, want 2", len(l.drafts))
	}
	if _, err := l.db.Transition(l.ctx, repBook, "wangfang", l.drafts[1].ID, ledger.ActVoid); err != nil {
		t.Fatal(err)
	}
	f, after, _ := l.workbook("2020-02", "")
	if !after.Totals.Debit.Equal(before.Totals.Debit) || !after.Totals.Credit.Equal(before.Totals.Credit) {
		t.Errorf("posted totals moved: debit %s → %s, credit %s → %s", before.Totals.Debit, after.Totals.Debit,
			before.Totals.Credit, after.Totals.Credit)
	}
	if after.Totals.UnpostedCount != 1 || !after.Totals.UnpostedDebit.Equal(huge) {
		t.Errorf("drafts %d totalling %s, want 1 totalling %s", after.Totals.UnpostedCount, after.Totals.UnpostedDebit, huge)
	}
	if after.Totals.VoidCount != 1 || !after.Totals.VoidDebit.Equal(ledger.MustParseMoney("7.00")) {
		t.Errorf("void %d totalling %s, want 1 totalling 7.00", after.Totals.VoidCount, after.Totals.VoidDebit)
	}
	for _, c := range after.Checks {
		if !c.OK {
			t.Errorf("check %s fails: %s ≠ %s", c.Name, c.Left, c.Right)
		}
	}
	rows, err := f.GetRows(reports.SheetCover)
	if err != nil {
		t.Fatal(err)
	}
	want := "控制合计仅含已记账凭证；草稿 1 张 合计 999999999999.99，作废 1 张 合计 7.00"
	found := false
	for _, r := range rows {
		if len(r) > 0 && r[0] == want {
			found = true
		}
	}
	if !found {
		t.Errorf("the cover does not say %q", want)
	}
}
