package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/fenyang/partyfee/internal/demo"
	"github.com/fenyang/partyfee/internal/exit"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres/pgtest"
	"github.com/fenyang/partyfee/reports"
)

// reportSheet is a table of a written workbook, as raw cell values.
type reportSheet struct {
	t    *testing.T
	name string
	rows [][]string
}

func readReportSheet(t *testing.T, f *excelize.File, name string) *reportSheet {
	t.Helper()
	rows, err := f.GetRows(name, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &reportSheet{t: t, name: name, rows: rows}
}

func (s *reportSheet) col(head string) int {
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

// row is the last row whose first cell is label.
func (s *reportSheet) row(label string) []string {
	s.t.Helper()
	for i := len(s.rows) - 1; i >= 0; i-- {
		if len(s.rows[i]) > 0 && s.rows[i][0] == label {
			return s.rows[i]
		}
	}
	s.t.Fatalf("%s has no row %q", s.name, label)
	return nil
}

func (s *reportSheet) money(row []string, col int) ledger.Money {
	s.t.Helper()
	if col >= len(row) || row[col] == "" {
		return ledger.Zero
	}
	f, err := strconv.ParseFloat(row[col], 64)
	if err != nil {
		s.t.Fatalf("%s: %q is not a number", s.name, row[col])
	}
	return ledger.MustParseMoney(strconv.FormatFloat(f, 'f', 2, 64))
}

func wantMoney(t *testing.T, what string, got ledger.Money, want string) {
	t.Helper()
	if got.String() != want {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}

// TestReportDemoWorkbook records the demo, which writes the February 2020
// workbook, and checks the workbook read back: SPEC §6's cross-sheet
// invariants against the reference case and the ledger's own sums, then
// the same totals after LibreOffice recalculated every formula.
func TestReportDemoWorkbook(t *testing.T) {
	t.Parallel()
	tdb := pgtest.NewDatabase(t)
	db := tdb.Open(t, tdb.AppURL)
	dir := t.TempDir()
	var out bytes.Buffer
	ctx := context.Background()
	if err := demo.Run(ctx, db, demo.Options{OutDir: dir, Out: &out}); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	path := filepath.Join(dir, "audit-2020-02.xlsx")
	if !strings.Contains(out.String(), "审计报表："+path) {
		t.Errorf("the demo does not print the workbook's path %s:\n%s", path, out.String())
	}
	sum := func(sql string) ledger.Money {
		t.Helper()
		var fen int64
		if err := db.Pool.QueryRow(ctx, sql).Scan(&fen); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return ledger.FromFen(fen)
	}
	feb := ` FROM voucher_lines l JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id JOIN funds f ON f.book = l.book AND f.code = l.fund
		WHERE v.status = 'posted' AND f.kind IN ('upper', 'matching') AND v.date BETWEEN '2020-02-01' AND '2020-02-29' AND `
	spent := sum(`SELECT coalesce(sum(l.debit_fen - l.credit_fen), 0)` + feb + `l.account LIKE '5001%'`)
	if spent.Sign() <= 0 {
		t.Fatal("the demo spent nothing in February")
	}

	// checkTotals asserts the invariants on a workbook file (the written
	// one, or LibreOffice's recalculated copy).
	checkTotals := func(what, file string) {
		t.Helper()
		f, err := excelize.OpenFile(file)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		t1 := readReportSheet(t, f, reports.SheetT1)
		inc, used := t1.col("本期收入"), t1.col("本期使用")
		tot := t1.row("合计")
		wantMoney(t, what+" T1 合计 本期收入", t1.money(tot, inc), "320000.00")
		var upper, matching ledger.Money = ledger.Zero, ledger.Zero
		for _, r := range t1.rows {
			if len(r) > 1 && r[0] == "小计" && strings.HasSuffix(r[1], "（上级下拨）") {
				upper = upper.Add(t1.money(r, inc))
			}
			if len(r) > 1 && r[0] == "小计" && strings.HasSuffix(r[1], "（本级配套）") {
				matching = matching.Add(t1.money(r, inc))
			}
		}
		wantMoney(t, what+" T1 上级下拨", upper, "90000.00")
		wantMoney(t, what+" T1 本级配套", matching, "230000.00")
		wantMoney(t, what+" T1 合计 本期使用", t1.money(tot, used), spent.String())
		wantMoney(t, what+" T1 合计 本期拨入 − 本期拨出", t1.money(tot, t1.col("本期拨入")).Sub(t1.money(tot, t1.col("本期拨出"))), "0.00")
		// Each organisation's row satisfies SPEC §3's formula.
		cols := []int{t1.col("期初结余"), inc, t1.col("本期拨入"), t1.col("本期收回"), t1.col("本期拨出"), used, t1.col("本期退回"), t1.col("期末结余")}
		n := 0
		for _, r := range t1.rows[3:] {
			if len(r) == 0 || r[0] == "小计" || r[0] == "合计" || r[0] == "" {
				continue
			}
			n++
			m := make([]ledger.Money, len(cols))
			for i, c := range cols {
				m[i] = t1.money(r, c)
			}
			want := m[0].Add(m[1]).Add(m[2]).Add(m[3]).Sub(m[4]).Sub(m[5]).Sub(m[6])
			if !want.Equal(m[7]) {
				t.Errorf("%s T1 %s %s: 期末结余 %s, formula gives %s", what, r[0], r[1], m[7], want)
			}
		}
		if n < 27 {
			t.Errorf("%s T1 has %d organisation rows, want the city and every branch", what, n)
		}
		t4 := readReportSheet(t, f, reports.SheetT4)
		wantMoney(t, what+" T4 合计 金额", t4.money(t4.row("合计"), t4.col("金额")), spent.String())
		t5 := readReportSheet(t, f, reports.SheetT5)
		wantMoney(t, what+" T5 合计 拨入金额", t5.money(t5.row("合计"), t5.col("拨入金额")), "320000.00")
		t2 := readReportSheet(t, f, reports.SheetT2)
		wantMoney(t, what+" T2 合计 拨付金额", t2.money(t2.row("合计"), t2.col("拨付金额")), "320000.00")
		tr := readReportSheet(t, f, reports.SheetTrial)
		trTot := tr.row("合计")
		for k := 2; k <= 6; k += 2 {
			if d := tr.money(trTot, k).Sub(tr.money(trTot, k+1)); !d.IsZero() {
				t.Errorf("%s 试算平衡表 合计 columns %d/%d differ by %s", what, k+1, k+2, d)
			}
		}
		cover := readReportSheet(t, f, reports.SheetCover)
		checks := 0
		for _, r := range cover.rows {
			if len(r) > 0 && (r[len(r)-1] == "相符" || r[len(r)-1] == "不符") {
				checks++
				if r[len(r)-1] != "相符" {
					t.Errorf("%s 封面: %v", what, r)
				}
			}
		}
		if checks < 8 {
			t.Errorf("%s 封面 shows %d checks", what, checks)
		}
	}
	checkTotals("written", path)

	res, err := reports.RecalcCheck(ctx, path, t.TempDir())
	if err != nil {
		t.Fatalf("LibreOffice: %v", err)
	}
	if res.Formulas < 100 {
		t.Errorf("only %d formulas recalculated", res.Formulas)
	}
	for _, m := range res.Mismatches {
		t.Errorf("LibreOffice disagrees: %s", m)
	}
	t.Logf("%d formulas recalculated by LibreOffice match the stored values", res.Formulas)
	checkTotals("recalculated", res.Recalculated)

	// The check is not vacuous: a wrong total stored under its formula is
	// found, at its cell.
	wf, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	t1 := readReportSheet(t, wf, reports.SheetT1)
	cell, err := excelize.CoordinatesToCellName(t1.col("本期收入")+1, slices.IndexFunc(t1.rows, func(r []string) bool { return len(r) > 0 && r[0] == "合计" })+1)
	wf.Close()
	if err != nil {
		t.Fatal(err)
	}
	planted := filepath.Join(t.TempDir(), "planted.xlsx")
	if err := os.WriteFile(planted, plantStoredValue(t, path, reports.SheetT1, cell, "320001"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad, err := reports.RecalcCheck(ctx, planted, t.TempDir())
	if err != nil {
		t.Fatalf("LibreOffice: %v", err)
	}
	found := false
	for _, m := range bad.Mismatches {
		found = found || (m.Sheet == reports.SheetT1 && m.Cell == cell)
	}
	if !found {
		t.Errorf("the wrong total planted in %s!%s was not found: %v", reports.SheetT1, cell, bad.Mismatches)
	}

	// The command: one table alone, a subtree as JSON, and the refusals.
	o, e, code := runLedgerURL(t, tdb.OwnerURL, "report", "t1", "--period", "2020-02", "--out", filepath.Join(dir, "t1.xlsx"))
	if code != 0 {
		t.Fatalf("report t1: exit %d %s %s", code, o, e)
	}
	f, err := excelize.OpenFile(filepath.Join(dir, "t1.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.GetSheetList(); len(got) != 1 || got[0] != reports.SheetT1 {
		t.Errorf("report t1 wrote sheets %v", got)
	}
	f.Close()
	o, e, code = runLedgerURL(t, tdb.OwnerURL, "--json", "report", "audit", "--period", "2020-02..2020-03", "--org", "FY-CP-01",
		"--out", filepath.Join(dir, "cp01.xlsx"))
	if code != 0 {
		t.Fatalf("report audit --org: exit %d %s %s", code, o, e)
	}
	var js struct {
		File   string            `json:"file"`
		Period string            `json:"period"`
		Org    string            `json:"org"`
		Totals map[string]string `json:"totals"`
		Checks []struct {
			Name string `json:"name"`
			OK   bool   `json:"ok"`
		} `json:"checks"`
	}
	if err := json.Unmarshal([]byte(o), &js); err != nil {
		t.Fatalf("%v: %s", err, o)
	}
	if js.Period != "2020-02..2020-03" || js.Org != "FY-CP-01" || js.Totals["branch_in"] == "" || len(js.Checks) == 0 {
		t.Errorf("report --json: %s", o)
	}
	for _, c := range js.Checks {
		if !c.OK {
			t.Errorf("FY-CP-01 check %s fails", c.Name)
		}
	}
	if _, _, code := runLedgerURL(t, tdb.OwnerURL, "report", "t10", "--period", "2020-02", "--out", filepath.Join(dir, "x.xlsx")); code != exit.Usage {
		t.Errorf("an unknown table: exit %d, want %d", code, exit.Usage)
	}
	if _, _, code := runLedgerURL(t, tdb.OwnerURL, "report", "audit", "--period", "2020-13", "--out", filepath.Join(dir, "x.xlsx")); code != exit.Rejected {
		t.Errorf("a bad period: exit %d, want %d", code, exit.Rejected)
	}
	_, e, code = runLedgerURL(t, tdb.OwnerURL, "--as", "cp01officer", "report", "audit", "--period", "2020-02", "--org", "FY-WG-ZHXT",
		"--out", filepath.Join(dir, "x.xlsx"))
	if code != exit.Rejected || !strings.Contains(e, "forbidden") {
		t.Errorf("a scoped user outside the scope: exit %d %s", code, e)
	}
}

// plantStoredValue returns the workbook at path with the stored value of
// formula cell on sheet replaced by value, the formula left as it was.
func plantStoredValue(t *testing.T, path, sheet, cell, value string) []byte {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	read := func(name string) []byte {
		for _, f := range zr.File {
			if f.Name == name {
				rc, err := f.Open()
				if err != nil {
					t.Fatal(err)
				}
				defer rc.Close()
				b, err := io.ReadAll(rc)
				if err != nil {
					t.Fatal(err)
				}
				return b
			}
		}
		t.Fatalf("no %s in the workbook", name)
		return nil
	}
	// The sheet's part: workbook.xml names its relationship, the
	// relationships name the part.
	m := regexp.MustCompile(`<sheet [^>]*name="` + regexp.QuoteMeta(sheet) + `"[^>]*r:id="([^"]+)"`).FindSubmatch(read("xl/workbook.xml"))
	if m == nil {
		t.Fatalf("workbook.xml has no sheet %s", sheet)
	}
	rel := regexp.MustCompile(`<Relationship [^>]*Id="` + string(m[1]) + `"[^>]*Target="([^"]+)"`).FindSubmatch(read("xl/_rels/workbook.xml.rels"))
	if rel == nil {
		rel = regexp.MustCompile(`<Relationship [^>]*Target="([^"]+)"[^>]*Id="` + string(m[1]) + `"`).FindSubmatch(read("xl/_rels/workbook.xml.rels"))
	}
	if rel == nil {
		t.Fatalf("no relationship %s", m[1])
	}
	part := "xl/" + strings.TrimPrefix(string(rel[1]), "/xl/")
	re := regexp.MustCompile(`(<c r="` + cell + `"[^>]*><f>[^<]*</f><v>)[^<]*(</v>)`)
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	planted := false
	for _, f := range zr.File {
		body := read(f.Name)
		if f.Name == part {
			if !re.Match(body) {
				t.Fatalf("%s has no formula cell %s", part, cell)
			}
			body = re.ReplaceAll(body, []byte("${1}"+value+"${2}"))
			planted = true
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if !planted {
		t.Fatalf("no part %s", part)
	}
	return out.Bytes()
}
