package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/fenyang/partyfee/ledger/xlsximport"
)

// upload posts data as the form's file, with the session's CSRF token.
func (b *browser) upload(path string, data []byte) page {
	b.e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", b.csrf)
	fw, _ := mw.CreateFormFile("file", "凭证.xlsx")
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.e.ts.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// filledTemplate is the template workbook downloaded from the page with
// one voucher of two lines written into its sheet 凭证.
func filledTemplate(t *testing.T, tmpl []byte, debit string) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(tmpl))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows := [][]string{
		{"K-1", "记", "2020-02-12", "一线慰问", "500102", "FY-CP-01", "FY-UP", "一线慰问", debit, "", "1", "", "", "签收单/花名册"},
		{"K-1", "", "", "", "121801", "FY-CP-01", "FY-UP", "", "", "300.00"},
	}
	for i, r := range rows {
		for j, v := range r {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+2)
			if err := f.SetCellStr(xlsximport.SheetVouchers, cell, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	var out bytes.Buffer
	if err := f.Write(&out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestImportPage: the officer downloads the template, imports a file with
// a bad amount and sees the row named in Chinese with nothing made, then
// the corrected file makes the draft under their name, and the same file
// again makes nothing new; an auditor is refused the page and the upload.
func TestImportPage(t *testing.T) {
	e := newEnv(t)
	b := e.login("wangfang")
	if p := b.get("/vouchers/import"); p.status != http.StatusOK || !strings.Contains(p.body, "凭证导入模板") {
		t.Fatalf("import page: %d\n%s", p.status, p.body)
	}
	tp := b.get("/vouchers/import/template")
	if tp.status != http.StatusOK || !strings.Contains(tp.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("template: %d %v", tp.status, tp.header)
	}
	count := func() int {
		var n int
		if err := e.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM vouchers WHERE maker = 'wangfang'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	p := b.upload("/vouchers/import", filledTemplate(t, []byte(tp.body), "300.001"))
	if p.status != http.StatusUnprocessableEntity && p.status != http.StatusBadRequest || !strings.Contains(p.body, "第 2 行") || !strings.Contains(p.body, "借方") {
		t.Fatalf("a bad amount: %d\n%s", p.status, p.body)
	}
	if count() != before {
		t.Fatal("a refused file made vouchers")
	}
	good := filledTemplate(t, []byte(tp.body), "300.00")
	p = b.upload("/vouchers/import", good)
	if p.status != http.StatusOK || !strings.Contains(p.body, "已导入 1 张凭证草稿") || count() != before+1 {
		t.Fatalf("the corrected file: %d (%d vouchers)\n%s", p.status, count()-before, p.body)
	}
	p = b.upload("/vouchers/import", good)
	if p.status != http.StatusOK || !strings.Contains(p.body, "此前都已导入") || count() != before+1 {
		t.Fatalf("the same file again: %d\n%s", p.status, p.body)
	}
	a := e.login("fengqing")
	if p := a.get("/vouchers/import"); p.status != http.StatusForbidden {
		t.Fatalf("auditor's import page: %d", p.status)
	}
	if p := a.upload("/vouchers/import", good); p.status != http.StatusForbidden {
		t.Fatalf("auditor's upload: %d", p.status)
	}
}
