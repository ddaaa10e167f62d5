package xlsximport_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/xlsximport"
)

// demoBooks is the demo book (configs/demo/fenyang.yaml) as the import
// sees it.
func demoBooks(t testing.TB) *ledger.Books {
	t.Helper()
	s, err := configs.ParseSetup(configs.Demo(), "demo/fenyang.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	bs := s.Books[0]
	chart, err := ledger.CompleteChart(bs.Accounts)
	if err != nil {
		t.Fatal(err)
	}
	b := &ledger.Books{Book: &bs.Book, Chart: chart, Orgs: map[string]*ledger.Organisation{}, Funds: map[string]*ledger.Fund{}}
	for i := range bs.Orgs {
		b.Orgs[bs.Orgs[i].Code] = &bs.Orgs[i]
	}
	for i := range bs.Funds {
		b.Funds[bs.Funds[i].Code] = &bs.Funds[i]
	}
	return b
}

// workbook writes a sheet 凭证 with the template's header and rows.
func workbook(t testing.TB, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", xlsximport.SheetVouchers)
	all := append([][]any{nil}, rows...)
	for _, c := range xlsximport.Columns {
		all[0] = append(all[0], c)
	}
	for i, r := range all {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(xlsximport.SheetVouchers, cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// FuzzRead reads any bytes as an uploaded voucher workbook. It never
// panics; a refusal is a *ledger.Error naming a field; every draft it
// returns balances and passes ValidateVoucher.
func FuzzRead(f *testing.F) {
	b := demoBooks(f)
	line := func(key, acct, org, debit, credit string) []any {
		return []any{key, "记", "2020-02-10", "拨付专项党费", acct, org, "FY-UP", "", debit, credit, 1}
	}
	f.Add(workbook(f, [][]any{line("V1", "121801", "FY-CP-01", "100.00", ""), line("V1", "100201", "FY", "", "100.00")}))
	f.Add(workbook(f, [][]any{line("V1", "121801", "FY-CP-01", "100.001", ""), line("V1", "100201", "FY", "", "100.00")}))
	f.Add(workbook(f, [][]any{line("V1", "121801", "nowhere", "1e9", ""), {"V2", "?"}, {}}))
	f.Add(workbook(f, nil))
	f.Add([]byte("PK\x03\x04 not a workbook"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		drafts, err := xlsximport.Read(bytes.NewReader(data), b)
		if err != nil {
			var le *ledger.Error
			if !errors.As(err, &le) || ledger.ErrorField(err) == "" {
				t.Fatalf("refusal %T without a field: %v", err, err)
			}
			return
		}
		for _, d := range drafts {
			if err := ledger.ValidateVoucher(&d.Voucher, b); err != nil {
				t.Fatalf("draft %s read but invalid: %v", d.Key, err)
			}
		}
	})
}
