package gbt24589

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
)

func testBooks() *ledger.Books {
	return &ledger.Books{
		Book: &ledger.Book{Code: "B", Name: "账簿"},
		Chart: ledger.Chart{
			"1002":   {Code: "1002", Name: "银行存款", Type: ledger.Asset, Side: ledger.Debit},
			"100201": {Code: "100201", Name: "党费专户", Type: ledger.Asset, Side: ledger.Debit, Parent: "1002", Leaf: true},
			"4201":   {Code: "4201", Name: "上级补助收入", Type: ledger.Income, Side: ledger.Credit, Leaf: true},
		},
		Orgs:  map[string]*ledger.Organisation{"O": {Code: "O", Name: "支部"}},
		Funds: map[string]*ledger.Fund{},
	}
}

func line(no int, acct string, debit, credit int64) ledger.Line {
	return ledger.Line{No: no, Summary: "收\t款", Account: acct, Org: "O", Debit: ledger.FromFen(debit), Credit: ledger.FromFen(credit)}
}

// TestBalancesRollUpAndCarry: the opening balance carries into the first
// month, a month without movement keeps a row while its balance is not
// zero, parents sum their children, and a credit balance reads 贷.
func TestBalancesRollUpAndCarry(t *testing.T) {
	p, err := ledger.ParsePeriod("2020-02..2020-03")
	if err != nil {
		t.Fatal(err)
	}
	x := NewBuilder(testBooks(), p, time.Date(2020, 4, 1, 0, 0, 0, 0, time.UTC))
	x.Opening([]ledger.Line{{Account: "100201", Debit: ledger.FromFen(1000)}, {Account: "4201", Debit: ledger.FromFen(-1000)}})
	x.Voucher(&ledger.Voucher{ID: 7, Type: "记", Year: 2020, Month: 2, Number: 1, Date: time.Date(2020, 2, 3, 0, 0, 0, 0, time.UTC),
		Summary: "收款", Lines: []ledger.Line{line(1, "100201", 250, 0), line(2, "4201", 0, 250)}})
	tables := x.Tables()
	var bal Table
	for _, tb := range tables {
		if tb.Name == TableBalances {
			bal = tb
		}
	}
	got := map[string]string{}
	for _, r := range bal.Rows {
		got[r[1]+" "+r[2]] = strings.Join(r[5:], " ")
	}
	want := map[string]string{
		"2 100201": "借 10.00 2.50 0.00 借 12.50",
		"2 1002":   "借 10.00 2.50 0.00 借 12.50",
		"2 4201":   "贷 10.00 0.00 2.50 贷 12.50",
		"3 100201": "借 12.50 0.00 0.00 借 12.50",
		"3 1002":   "借 12.50 0.00 0.00 借 12.50",
		"3 4201":   "贷 12.50 0.00 0.00 贷 12.50",
	}
	if len(got) != len(want) {
		t.Errorf("%d balance rows, want %d: %v", len(got), len(want), got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("balance %s = %q, want %q", k, got[k], v)
		}
	}

	dir := t.TempDir()
	files, err := WriteText(dir, tables)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(tables)+1 {
		t.Fatalf("files %v", files)
	}
	data, err := os.ReadFile(filepath.Join(dir, TableLines+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(rows) != 3 {
		t.Fatalf("%d lines in the lines file, want a header and 2", len(rows))
	}
	for _, r := range rows {
		if n := strings.Count(r, "\t"); n != len(tables[4].Columns)-1 {
			t.Errorf("line %q has %d tabs: a tab inside a field was not cleaned", r, n)
		}
	}
}
