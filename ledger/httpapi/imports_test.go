package httpapi_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/xlsximport"
)

// voucherWorkbook writes a workbook of the template's sheet 凭证 holding
// rows (in the template's column order).
func voucherWorkbook(t *testing.T, rows ...[]string) []byte {
	t.Helper()
	return templateWorkbook(t, rows, nil, nil)
}

// templateWorkbook writes the template's sheets 凭证, 受益人 and 物品
// holding the rows given (in the template's column order).
func templateWorkbook(t *testing.T, lines, beneficiaries, items [][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", xlsximport.SheetVouchers); err != nil {
		t.Fatal(err)
	}
	for _, sh := range []struct {
		name   string
		header []string
		rows   [][]string
	}{{xlsximport.SheetVouchers, xlsximport.Columns, lines}, {xlsximport.SheetBeneficiaries, xlsximport.BeneficiaryColumns, beneficiaries},
		{xlsximport.SheetItems, xlsximport.ItemColumns, items}} {
		if sh.name != xlsximport.SheetVouchers {
			if _, err := f.NewSheet(sh.name); err != nil {
				t.Fatal(err)
			}
		}
		for i, r := range append([][]string{sh.header}, sh.rows...) {
			for j, v := range r {
				cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
				if err := f.SetCellStr(sh.name, cell, v); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// condolenceRows are the two lines of a branch's condolence voucher.
func condolenceRows(key, debit string) [][]string {
	return [][]string{
		{key, "记", "2020-02-12", "一线慰问", "500102", "FY-CP-01", "FY-UP", "一线慰问", debit, "", "1", "", "", "签收单/花名册"},
		{key, "", "", "", "121801", "FY-CP-01", "FY-UP", "", "", "300.00"},
	}
}

// TestImportWorkbook is the officer's story through the API: one bad row
// refuses the file naming the sheet, row and column in Chinese and writes
// nothing; the corrected file makes drafts under the officer's name; the
// same file again (another key, as multipart) makes nothing new.
func TestImportWorkbook(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	drafts := func() int64 { return e.count(`SELECT count(*) FROM vouchers WHERE idem_key LIKE 'xlsx:%'`) }
	rows := append(condolenceRows("A-1", "300.00"), condolenceRows("A-2", "300.00")...)
	bad := append(condolenceRows("A-1", "300.00"), condolenceRows("A-2", "300.005")...)

	r := e.post(officer, "/api/v1/imports?filename=vouchers.xlsx", voucherWorkbook(t, bad...))
	expect(t, r, http.StatusBadRequest, ledger.EInvalidAmount)
	if msg := r.str(t, "message"); !strings.Contains(msg, "工作表“凭证”第 4 行 “借方”") {
		t.Fatalf("the error names no sheet, row and column: %s", r.body)
	}
	if n := drafts(); n != 0 {
		t.Fatalf("a refused file made %d drafts", n)
	}

	good := voucherWorkbook(t, rows...)
	r = e.post(officer, "/api/v1/imports", good)
	expect(t, r, http.StatusCreated, "")
	var res struct {
		Made     int     `json:"made"`
		Replayed int     `json:"replayed"`
		IDs      []int64 `json:"ids"`
	}
	if err := json.Unmarshal(r.body, &res); err != nil {
		t.Fatal(err)
	}
	if res.Made != 2 || res.Replayed != 0 || len(res.IDs) != 2 {
		t.Fatalf("import: %s", r.body)
	}
	if n := e.count(`SELECT count(*) FROM vouchers WHERE idem_key LIKE 'xlsx:%' AND status = 'draft' AND maker = $1`, officer); n != 2 {
		t.Fatalf("%d drafts made by %s, want 2", n, officer)
	}

	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	part, _ := mw.CreateFormFile("file", "凭证.xlsx")
	part.Write(good)
	mw.Close()
	r = e.request(http.MethodPost, "/api/v1/imports", e.tokens[officer], form.Bytes(), "Idempotency-Key", newKey(), "Content-Type", mw.FormDataContentType())
	expect(t, r, http.StatusOK, "")
	if err := json.Unmarshal(r.body, &res); err != nil {
		t.Fatal(err)
	}
	if res.Made != 0 || res.Replayed != 2 || drafts() != 2 {
		t.Fatalf("the same file again: %s (%d drafts)", r.body, drafts())
	}

	// A scoped officer imports within the scope only; the whole file is
	// refused when one voucher is outside.
	outside := append(condolenceRows("B-1", "300.00"), []string{"B-2", "记", "2020-02-12", "慰问", "500102", "FY-CP-02", "FY-UP", "一线慰问", "10.00", "", "1"},
		[]string{"B-2", "", "", "", "121801", "FY-CP-02", "FY-UP", "", "", "10.00"})
	r = e.post(cpOfficer, "/api/v1/imports", voucherWorkbook(t, outside...))
	expect(t, r, http.StatusForbidden, ledger.EForbidden)
	if n := drafts(); n != 2 {
		t.Fatalf("a refused file changed the drafts to %d", n)
	}
	r = e.post(auditor, "/api/v1/imports", good)
	expect(t, r, http.StatusForbidden, ledger.EForbidden)
	r = e.post(officer, "/api/v1/imports", []byte("not a workbook"))
	expect(t, r, http.StatusBadRequest, ledger.EInvalid)
}

// TestImportWorkbookBeneficiariesAndItems: the sheets 受益人 and 物品 land
// on their vouchers (the items on the spending line); a beneficiary of an
// unknown 凭证键, a unit price with 5 decimals, 数量 × 单价 ≠ 金额 and items
// that do not add up to the line each refuse the file, naming the sheet,
// its row and column.
func TestImportWorkbookBeneficiariesAndItems(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	lines := condolenceRows("C-1", "300.00")
	bens := [][]string{{"C-1", "张三", "群众", "141182197001011232", "200.00", "隔离期间生活困难"}, {"C-1", "李四", "党员", "", "100.00"}}
	items := [][]string{{"C-1", "口罩", "N95", "只", "100", "2.50", "250.00"}, {"C-1", "方便面", "", "箱", "2", "25", "50.00"}}

	bad := append([][]string{}, bens...)
	bad = append(bad, []string{"C-9", "王五", "群众", "", "10.00"})
	r := e.post(officer, "/api/v1/imports", templateWorkbook(t, lines, bad, items))
	expect(t, r, http.StatusNotFound, ledger.ENotFound)
	if msg := r.str(t, "message"); !strings.Contains(msg, "工作表“受益人”第 4 行 “凭证键”") {
		t.Fatalf("the error names no sheet, row and column: %s", r.body)
	}
	for _, c := range []struct {
		items      [][]string
		code, want string
	}{
		{[][]string{{"C-1", "口罩", "N95", "只", "100", "2.50001", "250.00"}, items[1]}, ledger.EInvalid, "工作表“物品”第 2 行 “单价”"},
		{[][]string{items[0], {"C-1", "方便面", "", "箱", "2", "25", "49.00"}}, ledger.EInvalidAmount, "工作表“物品”第 3 行 “金额”"},
		{[][]string{items[0]}, ledger.EInvalidAmount, "lines[1].items"},
	} {
		r = e.post(officer, "/api/v1/imports", templateWorkbook(t, lines, bens, c.items))
		expect(t, r, http.StatusBadRequest, c.code)
		if msg := r.str(t, "message") + " " + r.str(t, "field"); !strings.Contains(msg, c.want) {
			t.Fatalf("the error does not name %s: %s", c.want, r.body)
		}
	}
	if n := e.count(`SELECT count(*) FROM vouchers WHERE idem_key LIKE 'xlsx:%'`); n != 0 {
		t.Fatalf("refused files made %d drafts", n)
	}

	r = e.post(officer, "/api/v1/imports", templateWorkbook(t, lines, bens, items))
	expect(t, r, http.StatusCreated, "")
	var res struct {
		IDs   []int64  `json:"ids"`
		Notes []string `json:"notes"`
	}
	if err := json.Unmarshal(r.body, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.IDs) != 1 || len(res.Notes) != 0 {
		t.Fatalf("import: %s", r.body)
	}
	if n := e.count(`SELECT count(*) FROM voucher_items WHERE voucher_id = $1 AND line_no = 1`, res.IDs[0]); n != 2 {
		t.Fatalf("the voucher's spending line has %d items, want 2", n)
	}
	if n := e.count(`SELECT count(*) FROM voucher_items WHERE voucher_id = $1 AND name = '口罩' AND spec = 'N95' AND unit = '只'
		AND quantity = 100 AND unit_price = 2.5 AND amount_fen = 25000`, res.IDs[0]); n != 1 {
		t.Fatalf("the item 口罩 is not recorded as given")
	}
	if n := e.count(`SELECT count(*) FROM voucher_beneficiaries WHERE voucher_id = $1`, res.IDs[0]); n != 2 {
		t.Fatalf("the voucher has %d beneficiaries, want 2", n)
	}
	if n := e.count(`SELECT count(*) FROM voucher_beneficiaries WHERE voucher_id = $1 AND name = '张三' AND amount_fen = 20000`, res.IDs[0]); n != 1 {
		t.Fatalf("张三's 200.00 is not recorded")
	}
}
