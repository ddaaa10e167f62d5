package reports

import (
	"archive/zip"
	"bytes"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/fenyang/partyfee/ledger/report"
)

// TestWriteBareAudit: the bare baseline of the audit workbook writes
// every sheet, in order, with a header, each table's rows and its total
// row, and the journals' opening and total rows per account.
func TestWriteBareAudit(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteBareAudit(&buf, fixtureBook().audit()); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, SheetNames) {
		t.Fatalf("sheets %q, want %q", got, SheetNames)
	}
	d := fixtureBook().audit()
	count := func(n int, err error) int {
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	t3, vouchers, accounts, entries := 0, 0, map[string]bool{}, 0
	for _, err := range d.T3 {
		t3 += count(1, err)
	}
	for _, err := range d.Vouchers {
		vouchers += count(1, err)
	}
	for r, err := range d.Detail {
		count(0, err)
		accounts[r.Account] = true
		entries++
	}
	if t3 == 0 || vouchers == 0 || len(accounts) == 0 {
		t.Fatalf("the fixture has %d T3 rows, %d voucher lines, %d accounts", t3, vouchers, len(accounts))
	}
	rows := func(sheet string) [][]string {
		r, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if got := len(rows(SheetT3)); got != t3+2 {
		t.Errorf("%s: %d rows, want header + %d + total", SheetT3, got, t3)
	}
	if got := len(rows(SheetVouchers)); got != vouchers+2 {
		t.Errorf("%s: %d rows, want header + %d + total", SheetVouchers, got, vouchers)
	}
	// 明细账: the rows of the data (openings and entries) plus 本月合计
	// and 本年累计 per account, and an opening for an account without one.
	detail := rows(SheetDetail)
	totals := 0
	for _, r := range detail {
		if len(r) > 4 && (r[4] == "本月合计" || r[4] == "本年累计") {
			totals++
		}
	}
	if totals != 2*len(accounts) || len(detail) < 1+entries+totals {
		t.Errorf("%s: %d rows with %d totals, want at least 1 + %d + 2×%d", SheetDetail, len(detail), totals, entries, len(accounts))
	}
}

// TestWriteBareReconcile: the bare baseline of the reconciliation
// workbook writes its sheets in order, the trial balance row by row.
func TestWriteBareReconcile(t *testing.T) {
	d := &report.ReconcileData{Period: "2020-02",
		Checks: []report.ReconcileCheck{{Name: "balances", Title: "余额", Ran: true}},
		Trial:  []report.BalanceRow{{Account: "1002", Name: "银行存款"}, {Account: "4201", Name: "上级拨入"}}}
	var buf bytes.Buffer
	if err := WriteBareReconcile(&buf, d); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, ReconcileSheetNames) {
		t.Fatalf("sheets %q, want %q", got, ReconcileSheetNames)
	}
	rows, err := f.GetRows(SheetRecTrial)
	if err != nil || len(rows) != 3 || rows[2][0] != "4201" {
		t.Errorf("trial: %q, %v", rows, err)
	}
}

// TestAuditFirstSheetActive: the audit workbook opens on its cover, the
// one selected tab, without the sheets being read back to mark it.
func TestAuditFirstSheetActive(t *testing.T) {
	b, _ := writeFixture(t, Options{})
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if i := f.GetActiveSheetIndex(); i != 0 {
		t.Errorf("active sheet %d, want 0", i)
	}
	// The cover is the file's Sheet1 (sheetId 1, xl/worksheets/sheet1.xml)
	// and the one sheet whose view is selected.
	if first := f.GetSheetList()[0]; first != SheetCover || f.GetSheetMap()[1] != first {
		t.Errorf("first sheet %q, sheet 1 %q", first, f.GetSheetMap()[1])
	}
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var selected []string
	for _, zf := range z.File {
		if !strings.HasPrefix(zf.Name, "xl/worksheets/sheet") {
			continue
		}
		r, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte(`tabSelected="true"`)) {
			selected = append(selected, zf.Name)
		}
	}
	if !slices.Equal(selected, []string{"xl/worksheets/sheet1.xml"}) {
		t.Errorf("selected sheet views %q, want the cover's alone", selected)
	}
}
