package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fenyang/partyfee/internal/exit"
)

// TestCLIImport loads approved vouchers through the command line: the
// result, a repeated import that changes nothing, a bad row refused with
// exit 3 naming the row, and a missing workbook.
func TestCLIImport(t *testing.T) {
	dir := dataDir(t)
	ledger := func(stdin string, args ...string) (string, string, int) {
		t.Helper()
		var out, errOut strings.Builder
		code := run(context.Background(), append([]string{"--data-dir", dir}, args...), strings.NewReader(stdin), &out, &errOut)
		return out.String(), errOut.String(), code
	}
	if out, errOut, code := ledger("", "setup", filepath.Join("..", "..", "configs", "demo", "fenyang.yaml")); code != 0 {
		t.Fatalf("setup: exit %d\n%s%s", code, out, errOut)
	}
	file := filepath.Join(t.TempDir(), "history.csv")
	csv := "凭证键,日期,凭证字,摘要,科目,党组织,资金来源,用途,借方,贷方,附单据数,制单人,审核人,记账人,出纳\n" +
		"H-1,2020-02-03,记,收到上级下拨专项党费,100201,FY,FY-UP,,5000.00,,1,wangfang,liqiang,liqiang,zhaomin\n" +
		"H-1,,,,420101,FY,FY-UP,,,5000.00,,,,,\n" +
		"H-2,2020-02-04,记,划拨专项党费,121801,FY-CP-01,FY-UP,,1200.00,,1,wangfang,liqiang,liqiang,zhaomin\n" +
		"H-2,,,,100201,FY,FY-UP,,,1200.00,,,,,\n"
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}

	out, errOut, code := ledger("", "--as", "sunlixin", "import", "--approved", file)
	if code != 0 || !strings.Contains(out, "导入已记账凭证 2 张（分录 4 条）") {
		t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = ledger("", "--json", "balance", "--org", "FY-CP-01", "--fund", "FY-UP")
	if code != 0 || !strings.Contains(out, "1200.00") {
		t.Fatalf("balance after the import: exit %d\n%s%s", code, out, errOut)
	}
	// The same file again, from stdin: nothing new.
	data, _ := os.ReadFile(file)
	out, errOut, code = ledger(string(data), "--as", "sunlixin", "--json", "import", "--approved", "-")
	var res struct {
		Vouchers, Replayed int
	}
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || res.Vouchers != 0 || res.Replayed != 2 {
		t.Fatalf("second import: exit %d\n%s%s", code, out, errOut)
	}
	// A bad amount: exit 3, the row and column named.
	bad := strings.Replace(csv, "H-2,,,,100201,FY,FY-UP,,,1200.00", "H-2,,,,100201,FY,FY-UP,,,1200.001", 1)
	bad = strings.ReplaceAll(bad, "H-", "B-")
	if err := os.WriteFile(file, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, code = ledger("", "--as", "sunlixin", "--json", "import", "--approved", file)
	if e := parseCLIError(t, out); code != exit.Rejected || e.Error.Code != "invalid_amount" || e.Error.Field != "row 5: credit" {
		t.Fatalf("bad amount: exit %d, %s", code, out)
	}
	// Only an admin imports.
	out, _, code = ledger("", "--as", "wangfang", "--json", "import", "--approved", file)
	if e := parseCLIError(t, out); code != exit.Rejected || e.Error.Code != "forbidden" {
		t.Fatalf("officer import: exit %d, %s", code, out)
	}
	// The Excel form reads the template (TestCLIImportWorkbook): a
	// missing file is an error.
	_, errOut, code = ledger("", "--as", "sunlixin", "import", "vouchers.xlsx")
	if code == 0 || !strings.Contains(errOut, "vouchers.xlsx") {
		t.Fatalf("xlsx: exit %d, %s", code, errOut)
	}
}
