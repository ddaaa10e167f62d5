package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/fenyang/partyfee/internal/exit"
)

// TestCLIImportWorkbook is the officer's story: the template of the book,
// a month of vouchers filled in with one bad row, the refusal naming the
// sheet, row and column in Chinese with nothing written, the corrected
// file imported as drafts under the officer's name, and the same file
// again changing nothing.
func TestCLIImportWorkbook(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	ledger := func(args ...string) (string, string, int) {
		t.Helper()
		var out, errOut strings.Builder
		code := run(context.Background(), append([]string{"--data-dir", dir}, args...), strings.NewReader(""), &out, &errOut)
		return out.String(), errOut.String(), code
	}
	if out, errOut, code := ledger("setup", filepath.Join("..", "..", "configs", "demo", "fenyang.yaml")); code != 0 {
		t.Fatalf("setup: exit %d\n%s%s", code, out, errOut)
	}
	tmpl := filepath.Join(t.TempDir(), "凭证导入模板.xlsx")
	if out, errOut, code := ledger("template", "vouchers", "--out", tmpl); code != 0 {
		t.Fatalf("template: exit %d\n%s%s", code, out, errOut)
	}
	wb, err := excelize.OpenFile(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	if dvs, err := wb.GetDataValidations("凭证"); err != nil || len(dvs) != 4 {
		t.Fatalf("the template has %d drop-down lists (%v), want 4", len(dvs), err)
	}
	for sheet, first := range map[string]string{"受益人": "凭证键,姓名,身份,证件号,金额,事由", "物品": "凭证键,品名,规格,单位,数量,单价,金额"} {
		rows, err := wb.GetRows(sheet)
		if err != nil || len(rows) == 0 || strings.Join(rows[0], ",") != first {
			t.Fatalf("the template's sheet %s: %v %v, want the header %s", sheet, rows, err, first)
		}
	}
	// A month of vouchers: accounts and organisations by code and by name.
	rows := [][]string{
		{"K-1", "记", "2020-02-03", "收到上级下拨专项党费", "100201", "FY", "FY-UP", "", "20000.00", "", "1", "", "", "银行回单", "", "银行转账", "晋组通〔2020〕8号"},
		{"K-1", "", "", "", "420101", "中共汾阳市委组织部", "FY-UP", "", "", "20000.00"},
		{"K-2", "记", "2020-02-05", "划拨专项党费", "121801", "高速汾阳东口检测站点临时党支部", "FY-UP", "", "5000.00", "", "1", "", "", "", "", "银行转账"},
		{"K-2", "", "", "", "银行存款—党费专户", "FY", "FY-UP", "", "", "5000.00"},
		{"K-3", "记", "2020-02-10", "购买口罩", "500101", "FY-CP-01", "FY-UP", "物资采购", "1200.00", "", "2", "汾阳市医药药材有限公司", "供应商", "发票", "No.001"},
		{"K-3", "", "", "", "121801", "FY-CP-01", "FY-UP", "", "", "1200.00"},
		{"K-4", "记", "2020-02-12", "一线慰问", "500102", "FY-CP-01", "FY-UP", "一线慰问", "300.00", "", "1", "", "", "签收单/花名册"},
		{"K-4", "", "", "", "121801", "FY-CP-01", "FY-UP", "", "", "300.00"},
	}
	const badRow = 6 // sheet row of K-3's first line (header is row 1)
	write := func(bad bool) string {
		f, err := excelize.OpenFile(tmpl)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		for i, r := range rows {
			for j, v := range r {
				if bad && i+2 == badRow && j == 8 {
					v = "1200.005"
				}
				cell, _ := excelize.CoordinatesToCellName(j+1, i+2)
				if err := f.SetCellStr("凭证", cell, v); err != nil {
					t.Fatal(err)
				}
			}
		}
		name := filepath.Join(t.TempDir(), fmt.Sprintf("vouchers-%v.xlsx", bad))
		if err := f.SaveAs(name); err != nil {
			t.Fatal(err)
		}
		return name
	}
	countDrafts := func() int {
		out, errOut, code := ledger("--json", "voucher", "list", "--period", "2020-02")
		if code != 0 {
			t.Fatalf("voucher list: exit %d\n%s%s", code, out, errOut)
		}
		return strings.Count(out, `"maker": "wangfang"`) + strings.Count(out, `"maker":"wangfang"`)
	}

	out, _, code := ledger("--as", "wangfang", "--json", "import", write(true))
	e := parseCLIError(t, out)
	want := fmt.Sprintf("工作表“凭证”第 %d 行 “借方”：金额最多两位小数", badRow)
	if code != exit.Rejected || e.Error.Code != "invalid_amount" || !strings.Contains(e.Error.Message, want) {
		t.Fatalf("bad row: exit %d, %s; want %s", code, out, want)
	}
	if n := countDrafts(); n != 0 {
		t.Fatalf("a refused file left %d vouchers", n)
	}

	good := write(false)
	out, errOut, code := ledger("--as", "wangfang", "--json", "import", good)
	var res struct {
		Made, Replayed int
		Words          []string
	}
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || res.Made != 4 || res.Replayed != 0 || len(res.Words) != 4 {
		t.Fatalf("corrected file: exit %d\n%s%s", code, out, errOut)
	}
	if n := countDrafts(); n != 4 {
		t.Fatalf("%d vouchers made by wangfang after the import, want 4", n)
	}
	out, _, code = ledger("--json", "voucher", "show", res.Words[2])
	if code != 0 || !strings.Contains(out, `"draft"`) || !strings.Contains(out, "500101") || !strings.Contains(out, "汾阳市医药药材有限公司") {
		t.Errorf("the imported K-3: exit %d\n%s", code, out)
	}
	out, errOut, code = ledger("--as", "wangfang", "--json", "import", good)
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || res.Made != 0 || res.Replayed != 4 {
		t.Fatalf("the same file again: exit %d\n%s%s", code, out, errOut)
	}
	if n := countDrafts(); n != 4 {
		t.Fatalf("%d vouchers after importing the file twice, want 4", n)
	}
	// A cashier may not make vouchers: refused, nothing written.
	out, _, code = ledger("--as", "zhaomin", "--json", "import", good)
	if e := parseCLIError(t, out); code != exit.Rejected || e.Error.Code != "forbidden" {
		t.Errorf("cashier import: exit %d, %s", code, out)
	}
}
