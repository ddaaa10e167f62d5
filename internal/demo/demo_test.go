package demo

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/fenyang/partyfee/internal/workbook"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestTimelineInDateOrder: the timeline the scenario runs is in date
// order, and a step out of order is refused.
func TestTimelineInDateOrder(t *testing.T) {
	s := &scenario{}
	ms := s.timeline()
	if err := inDateOrder(ms); err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.name
	}
	// On 2 March the audit runs after the publicity it reads and before
	// the batch that closes February.
	want := "收到代收捐款,2 月公示,2 月审计,2 月批处理结账,记入银行利息,上缴代收捐款,红字冲销与更正,撤销支部与退回余款"
	if got := strings.Join(names, ","); got != want {
		t.Errorf("timeline %s, want %s", got, want)
	}
	ms[0], ms[len(ms)-1] = ms[len(ms)-1], ms[0]
	if err := inDateOrder(ms); err == nil || !strings.Contains(err.Error(), "撤销支部与退回余款") {
		t.Errorf("a timeline out of date order: %v", err)
	}
}

// TestDemoEndToEnd records the demo on a fresh database and checks the
// printed totals against sums computed here, independently, in SQL.
func TestDemoEndToEnd(t *testing.T) {
	t.Parallel()
	tdb := pgtest.NewDatabase(t)
	db := tdb.Open(t, tdb.AppURL)
	var out bytes.Buffer
	ctx := context.Background()
	outDir := t.TempDir()
	if err := Run(ctx, db, Options{OutDir: outDir, Out: &out}); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	text := out.String()
	// The February batch closed the month with its seal and wrote the
	// workbooks and the bank statement it reconciled.
	var status, seal string
	if err := db.Pool.QueryRow(ctx, `SELECT status, coalesce(seal, '') FROM periods WHERE year = 2020 AND month = 2`).Scan(&status, &seal); err != nil {
		t.Fatal(err)
	}
	if status != "closed" || len(seal) != 64 {
		t.Errorf("February is %s with seal %q, want closed with a 64-hex seal", status, seal)
	}
	for _, f := range []string{"audit-2020-02.xlsx", "reconcile-2020-02.xlsx", "bank-statement-2020-02.csv"} {
		if st, err := os.Stat(filepath.Join(outDir, f)); err != nil || st.Size() == 0 {
			t.Errorf("demo output %s: %v", f, err)
		}
	}
	// T9 of the audit workbook is the batch's 调节表 with its two timing
	// differences: the donations (企业已收银行未收) and the interest (银行已收企业未收).
	wb, err := excelize.OpenFile(filepath.Join(outDir, "audit-2020-02.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	rows9, err := wb.GetRows("T9 余额调节表", excelize.Options{RawCellValue: true})
	wb.Close()
	if err != nil {
		t.Fatal(err)
	}
	t9 := fmt.Sprint(rows9)
	for _, w := range []string{"12860", "23.65"} {
		if !strings.Contains(t9, w) {
			t.Errorf("T9 lacks %s: %s", w, t9)
		}
	}
	// `ledger report t9` later reads the same 调节表 from the stored run.
	p, _ := ledger.ParsePeriod("2020-02")
	t9file := filepath.Join(outDir, "t9.xlsx")
	if _, err := workbook.WriteAudit(ctx, db, workbook.AuditRequest{Book: demoBook, Period: p, Sheet: "t9", Out: t9file, Actor: ledger.SystemUser}); err != nil {
		t.Fatal(err)
	}
	if wb, err = excelize.OpenFile(t9file); err != nil {
		t.Fatal(err)
	}
	rows9, err = wb.GetRows(wb.GetSheetName(0), excelize.Options{RawCellValue: true})
	wb.Close()
	if err != nil || !strings.Contains(fmt.Sprint(rows9), "12860") || !strings.Contains(fmt.Sprint(rows9), "23.65") {
		t.Errorf("report t9 from the stored reconciliation: %v %v", err, rows9)
	}
	// The February audit found exactly the planted irregularities, each
	// acknowledged by the auditor.
	var rules []string
	rows, err := db.Pool.Query(ctx, `SELECT f.rule, f.state, v.id FROM audit_findings f JOIN vouchers v ON v.book = f.book AND v.id = f.voucher_id ORDER BY f.rule, v.id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var rule, state string
		var id int64
		if err := rows.Scan(&rule, &state, &id); err != nil {
			t.Fatal(err)
		}
		rules = append(rules, rule)
		if state != "acknowledged" {
			t.Errorf("finding %s on voucher %d is %s, want acknowledged", rule, id, state)
		}
	}
	if got := strings.Join(rules, ","); got != "A-06,A-07,A-08,A-09,A-10" {
		t.Errorf("February findings %s, want exactly the planted A-06,A-07,A-08,A-09,A-10", got)
	}
	// Every procurement line carries items (口罩, 消毒液, 测温枪, …) that add
	// up to it, and T3 names them.
	var buys, itemised, names int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE l.debit_fen = (SELECT sum(i.amount_fen) FROM voucher_items i
			WHERE i.book = l.book AND i.voucher_id = l.voucher_id AND i.line_no = l.line_no)),
			(SELECT count(DISTINCT name) FROM voucher_items)
		FROM voucher_lines l JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
		WHERE l.account = '500101' AND v.reversal_of IS NULL AND v.status <> 'void'`).Scan(&buys, &itemised, &names); err != nil {
		t.Fatal(err)
	}
	if buys < 50 || itemised != buys || names < 10 {
		t.Errorf("%d procurement lines, %d with items adding up to them, %d distinct item names", buys, itemised, names)
	}
	sum := func(sql string) ledger.Money {
		t.Helper()
		var fen int64
		if err := db.Pool.QueryRow(ctx, sql).Scan(&fen); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return ledger.FromFen(fen)
	}
	posted := `FROM voucher_lines l JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id WHERE v.status = 'posted' AND `
	upper := sum(`SELECT coalesce(sum(credit_fen - debit_fen), 0) ` + posted + `l.account = '420101'`)
	match := sum(`SELECT coalesce(sum(credit_fen - debit_fen), 0) ` + posted + `l.account = '4801'`)
	if upper.String() != "90000.00" || match.String() != "230000.00" {
		t.Fatalf("income upper %s matching %s", upper, match)
	}
	wantLines := []string{
		"90,000.00  人民币玖万元整",
		"230,000.00  人民币贰拾叁万元整",
		"320,000.00  人民币叁拾贰万元整",
	}
	allocated := sum(`SELECT coalesce(sum(debit_fen), 0) ` + posted + `l.account = '121801' AND v.flow = 'allocate'`)
	if allocated.String() != "320000.00" {
		t.Fatalf("allocated %s, want every yuan passed down", allocated)
	}
	for _, p := range ledger.Purposes {
		spent := sum(`SELECT coalesce(sum(debit_fen - credit_fen), 0) ` + posted + `l.purpose = '` + string(p) + `'`)
		dx, err := ledger.ToDaXie(spent)
		if err != nil {
			t.Fatal(err)
		}
		wantLines = append(wantLines, spent.Format()+"  人民币"+dx)
	}
	for _, w := range wantLines {
		if !strings.Contains(text, w) {
			t.Errorf("demo output lacks %q", w)
		}
	}
	if !strings.Contains(text, "守恒：银行 + 支部 + 使用 = 320,000.00（收入 320,000.00）✓") {
		t.Errorf("conservation line missing or failing:\n%s", text)
	}
	count := func(sql string) int {
		t.Helper()
		var n int
		if err := db.Pool.QueryRow(ctx, sql).Scan(&n); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return n
	}
	if n := count(`SELECT count(*) FROM vouchers WHERE flow = 'spend' AND status = 'posted'`); n < 300 {
		t.Errorf("%d spending vouchers, want at least 300", n)
	}
	for _, p := range ledger.Purposes {
		if n := count(`SELECT count(DISTINCT v.id) FROM vouchers v JOIN voucher_lines l ON l.book = v.book AND l.voucher_id = v.id WHERE v.flow = 'spend' AND l.purpose = '` + string(p) + `'`); n < 30 {
			t.Errorf("only %d vouchers for %s", n, p)
		}
	}
	if n := count(`SELECT count(*) FROM vouchers v WHERE v.flow IN ('spend') AND EXISTS (SELECT 1 FROM voucher_lines l WHERE l.voucher_id = v.id AND l.purpose IN ('condolence', 'relief'))
		AND NOT EXISTS (SELECT 1 FROM voucher_beneficiaries b WHERE b.voucher_id = v.id)`); n != 0 {
		t.Errorf("%d condolence/relief vouchers without beneficiaries", n)
	}
	// One red reversal whose lines negate the original's exactly.
	if n := count(`SELECT count(*) FROM vouchers r JOIN vouchers o ON o.id = r.reversal_of
		WHERE r.status = 'posted' AND r.summary LIKE '注销%凭证'
		  AND NOT EXISTS (SELECT 1 FROM voucher_lines rl FULL JOIN voucher_lines ol ON ol.voucher_id = o.id AND ol.line_no = rl.line_no AND rl.voucher_id = r.id
		      WHERE (rl.voucher_id = r.id OR ol.voucher_id = o.id) AND (rl.debit_fen IS DISTINCT FROM -ol.debit_fen OR rl.credit_fen IS DISTINCT FROM -ol.credit_fen OR rl.account IS DISTINCT FROM ol.account))`); n != 1 {
		t.Errorf("%d exact red reversals, want 1", n)
	}
	// Two dissolved branches with nothing left.
	if n := count(`SELECT count(*) FROM organisations WHERE dissolved IS NOT NULL`); n != 2 {
		t.Errorf("%d dissolved organisations, want 2", n)
	}
	if left := sum(`SELECT coalesce(sum(balance_fen), 0) FROM balances b JOIN organisations o ON o.book = b.book AND o.code = b.org WHERE o.dissolved IS NOT NULL AND b.account = '121801'`); !left.IsZero() {
		t.Errorf("dissolved branches still hold %s", left)
	}
	// The workflow was real: nobody checked or posted their own voucher, and
	// every timestamp is the scenario's.
	if n := count(`SELECT count(*) FROM vouchers WHERE checker = maker OR poster = maker OR cashier IN (maker, checker, poster)`); n != 0 {
		t.Errorf("%d vouchers break segregation of duties", n)
	}
	if n := count(`SELECT count(*) FROM vouchers WHERE extract(year FROM made_at) <> 2020 OR extract(year FROM posted_at) <> 2020 OR made_at > posted_at`); n != 0 {
		t.Errorf("%d vouchers with timestamps outside the scenario", n)
	}
	// Some vouchers carry generated scans (PDF invoices, PNG sign-off
	// sheets) whose bytes have their hashes, and their seals (version 2)
	// verify.
	for _, media := range []string{"application/pdf", "image/png"} {
		if n := count(`SELECT count(*) FROM voucher_attachments WHERE media_type = '` + media + `' AND sha256 = sha256(data)`); n < 5 {
			t.Errorf("%d demo attachments of type %s, want some", n, media)
		}
	}
	if n := count(`SELECT count(*) FROM voucher_attachments a JOIN vouchers v ON v.id = a.voucher_id WHERE v.status <> 'posted'`); n != 0 {
		t.Errorf("%d demo attachments on vouchers not posted", n)
	}
	if !strings.Contains(text, "张附有原始凭证扫描件") {
		t.Errorf("the demo does not say how many vouchers have scans:\n%s", text)
	}
	// 凭证清单 of the February audit workbook shows the files beside the sheets.
	if x, err := excelize.OpenFile(filepath.Join(outDir, "audit-2020-02.xlsx")); err != nil {
		t.Errorf("audit workbook: %v", err)
	} else {
		found := false
		for _, sh := range x.GetSheetList() {
			if !strings.HasPrefix(sh, "凭证清单") {
				continue
			}
			rows, _ := x.GetRows(sh)
			for _, r := range rows {
				for _, c := range r {
					found = found || strings.Contains(c, "（附件1）")
				}
			}
		}
		x.Close()
		if !found {
			t.Error("凭证清单 shows no file count beside 附单据数")
		}
	}
	if res, err := db.Verify(ctx, "FY-DFZH", 0); err != nil || !res.Clean() {
		t.Errorf("verify after the demo: %v %+v", err, res.Problems)
	}
	// Stored balances equal the journal.
	if n := count(`SELECT count(*) FROM balances b FULL JOIN (SELECT l.account, l.org, l.fund, sum(l.debit_fen - l.credit_fen) AS s ` + posted + `true GROUP BY 1, 2, 3) j
		ON j.account = b.account AND j.org = b.org AND j.fund = b.fund WHERE coalesce(b.balance_fen, 0) <> coalesce(j.s, 0)`); n != 0 {
		t.Errorf("%d stored balances differ from the journal", n)
	}
}
