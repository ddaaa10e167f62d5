package demo

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/ledger/postgres/pgtest"
)

// TestShanxiDemo records the demo with the 吕梁市 book above Fenyang's
// (configs/demo/shanxi.yaml): the 90,000.00 comes as one grant, Fenyang's
// figures stay those of the single-book demo, and the roll-up shows the
// grant sent and received.
func TestShanxiDemo(t *testing.T) {
	t.Parallel()
	setup, err := configs.ReadSetup("configs/demo/shanxi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tdb := pgtest.NewDatabase(t)
	db := tdb.Open(t, tdb.AppURL)
	var out bytes.Buffer
	ctx := context.Background()
	outDir := t.TempDir()
	if err := Run(ctx, db, Options{OutDir: outDir, Out: &out, Setup: setup}); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	text := out.String()
	for _, want := range []string{
		"守恒：银行 + 支部 + 使用 = 320,000.00（收入 320,000.00）✓",
		"LL-DFZH → FY-DFZH（FY-UP）：已下拨 90,000.00，已入账 90,000.00，在途 0.00",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the demo's output lacks %q:\n%s", want, text)
		}
	}
	// Fenyang's spending is the single-book demo's to the fen (the same
	// random sequence): 使用合计 of February–March.
	if !regexp.MustCompile(`使用合计\s+237,930\.00`).MatchString(text) {
		t.Errorf("Fenyang's spending differs from the single-book demo's 237,930.00:\n%s", text)
	}
	if !regexp.MustCompile(`省市下拨\s+90,000\.00`).MatchString(text) {
		t.Errorf("the demo's totals lack 省市下拨 90,000.00:\n%s", text)
	}
	// Fenyang's 记-1 of February is the receipt the grant made, posted by
	// Fenyang's own people, and the only 420101 money of the book.
	var maker, poster, from string
	var fen int64
	if err := db.Pool.QueryRow(ctx, `SELECT v.maker, v.poster, r.from_book, v.total_fen FROM vouchers v
		JOIN grant_receipts r ON r.book = v.book AND r.voucher_id = v.id
		WHERE v.book = 'FY-DFZH' AND v.year = 2020 AND v.month = 2 AND v.number = 1 AND v.status = 'posted'`).Scan(&maker, &poster, &from, &fen); err != nil {
		t.Fatalf("Fenyang's 记-1: %v", err)
	}
	if maker != "system" || poster != checkerA || from != "LL-DFZH" || fen != 9000000 {
		t.Errorf("Fenyang's 记-1: maker %s, poster %s, from %s, %d fen", maker, poster, from, fen)
	}
	var income int64
	if err := db.Pool.QueryRow(ctx, `SELECT coalesce(sum(l.credit_fen - l.debit_fen), 0) FROM voucher_lines l JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
		WHERE l.book = 'FY-DFZH' AND l.account = '420101' AND v.status = 'posted'`).Scan(&income); err != nil || income != 9000000 {
		t.Errorf("Fenyang's 420101 = %d (%v), want 9000000", income, err)
	}
	// The roll-up workbook: the transfer matches.
	f, err := excelize.OpenFile(filepath.Join(outDir, "rollup-2020-02.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("上下级核对", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rows {
		if len(r) >= 8 && strings.Contains(r[0], "LL-DFZH") && strings.Contains(r[1], "FY-DFZH") {
			found = true
			if r[4] != "90000" || r[5] != "90000" || r[6] != "0" || r[7] != "相符" {
				t.Errorf("transfer row %q", r)
			}
		}
	}
	if !found {
		t.Errorf("no LL-DFZH → FY-DFZH row in 上下级核对: %q", rows)
	}
}
