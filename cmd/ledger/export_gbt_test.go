package main

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/fenyang/partyfee/internal/demo"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/gbt24589"
	"github.com/fenyang/partyfee/ledger/postgres/pgtest"
	"github.com/fenyang/partyfee/reports"
)

// TestDataPackageDemo exports the demo's year as the GB/T 24589.2 text
// package, the CSV 数据包 and the XLSX 数据包, reads every file back and
// checks the record counts against the database and that the closing
// balances of the last month equal the book's balances to the fen.
func TestDataPackageDemo(t *testing.T) {
	t.Parallel()
	tdb := pgtest.NewDatabase(t)
	db := tdb.Open(t, tdb.AppURL)
	recordDemo(t, db)
	ctx := context.Background()
	var vouchers, lines int
	if err := db.Pool.QueryRow(ctx, `SELECT count(DISTINCT v.id), count(*) FROM vouchers v JOIN voucher_lines l ON l.book = v.book AND l.voucher_id = v.id WHERE v.book = $1 AND v.status = 'posted' AND v.year = 2020`, demo.Book).Scan(&vouchers, &lines); err != nil {
		t.Fatal(err)
	}
	chart, ours := ourBalances(t, db, demo.Book, "")
	if vouchers == 0 || len(ours) == 0 {
		t.Fatal("the demo posted nothing")
	}
	want := map[string]int{gbt24589.TableBook: 1, gbt24589.TableAccounts: len(chart), gbt24589.TableVouchers: vouchers, gbt24589.TableLines: lines}

	dir := filepath.Join(t.TempDir(), "gbt")
	out, errOut, code := runLedgerURL(t, tdb.AppURL, "--book", demo.Book, "export", "--format", "gbt24589", "--year", "2020", "--out", dir)
	if code != 0 {
		t.Fatalf("export gbt24589: exit %d\n%s\n%s", code, out, errOut)
	}
	text := map[string][][]string{}
	for _, name := range []string{gbt24589.TableBook, gbt24589.TableAccounts, gbt24589.TableBalances, gbt24589.TableVouchers, gbt24589.TableLines} {
		data, err := os.ReadFile(filepath.Join(dir, name+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		var rows [][]string
		for _, l := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
			rows = append(rows, strings.Split(l, "\t"))
		}
		for i, r := range rows {
			if len(r) != len(rows[0]) {
				t.Fatalf("%s line %d has %d fields, the header %d", name, i+1, len(r), len(rows[0]))
			}
		}
		text[name] = rows
	}
	desc, err := os.ReadFile(filepath.Join(dir, gbt24589.DescriptionFile))
	if err != nil || !strings.Contains(string(desc), "GB/T 24589.2") || !strings.Contains(string(desc), demo.Book) {
		t.Fatalf("the description file lacks the standard or the book (%v):\n%s", err, desc)
	}
	checkPackage(t, "gbt24589", text, want, chart, ours)

	dir = filepath.Join(t.TempDir(), "csv")
	if out, errOut, code := runLedgerURL(t, tdb.AppURL, "--book", demo.Book, "export", "--format", "csv", "--year", "2020", "--out", dir); code != 0 {
		t.Fatalf("export csv: exit %d\n%s\n%s", code, out, errOut)
	}
	csvs := map[string][][]string{}
	for name := range text {
		data, err := os.ReadFile(filepath.Join(dir, name+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(data), "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatalf("%s.csv: %v", name, err)
		}
		csvs[name] = rows
	}
	if readme, err := os.ReadFile(filepath.Join(dir, gbt24589.ReadmeFile)); err != nil || !strings.Contains(string(readme), "期末余额") {
		t.Fatalf("README.txt lacks the column descriptions (%v)", err)
	}
	checkPackage(t, "csv", csvs, want, chart, ours)

	file := filepath.Join(t.TempDir(), "package.xlsx")
	if out, errOut, code := runLedgerURL(t, tdb.AppURL, "--book", demo.Book, "export", "--format", "xlsx", "--year", "2020", "--out", file); code != 0 {
		t.Fatalf("export xlsx: exit %d\n%s\n%s", code, out, errOut)
	}
	f, err := excelize.OpenFile(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if sheets := f.GetSheetList(); len(sheets) != 6 || sheets[0] != reports.SheetReadme {
		t.Fatalf("sheets %v, want 说明 and the five tables", sheets)
	}
	sheets := map[string][][]string{}
	for name := range text {
		rows, err := f.GetRows(name, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		for i := range rows {
			for len(rows[i]) < len(rows[0]) {
				rows[i] = append(rows[i], "")
			}
		}
		sheets[name] = rows
	}
	checkPackage(t, "xlsx", sheets, want, chart, ours)
}

// checkPackage checks the tables read back from one format: the record
// counts, and that every account's closing balance in its last month
// equals the book's balance, to the fen.
func checkPackage(t *testing.T, format string, tables map[string][][]string, want map[string]int, chart ledger.Chart, ours map[string]int64) {
	t.Helper()
	for name, n := range want {
		if got := len(tables[name]) - 1; got != n {
			t.Errorf("%s: %s has %d records, want %d", format, name, got, n)
		}
	}
	bal := tables[gbt24589.TableBalances]
	col := map[string]int{}
	for i, c := range bal[0] {
		col[c] = i
	}
	closing := map[string]int64{}
	for _, r := range bal[1:] {
		m, err := ledger.ParseMoney(r[col["期末余额"]])
		if err != nil {
			t.Fatalf("%s: %s: %v", format, r[col["期末余额"]], err)
		}
		fen := m.Fen()
		switch r[col["期末余额方向"]] {
		case "贷":
			fen = -fen
		case "平":
			if fen != 0 {
				t.Errorf("%s: account %s is 平 with %d fen", format, r[col["科目编号"]], fen)
			}
		}
		closing[r[col["科目编号"]]] = fen // rows run by month: the last one stays
	}
	for code, fen := range ours {
		if closing[code] != fen {
			t.Errorf("%s: account %s closes at %d fen in the package, the book has %d", format, code, closing[code], fen)
		}
	}
	for code, fen := range closing {
		if _, ok := ours[code]; !ok && fen != 0 {
			t.Errorf("%s: account %s closes at %d fen in the package, the book has none", format, code, fen)
		}
	}
}
