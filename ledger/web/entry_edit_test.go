package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// pngFile is a small PNG image.
func pngFile(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := range 40 {
		for y := range 30 {
			img.Set(x, y, color.RGBA{uint8(x * 6), uint8(y * 8), 160, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const pdfFile = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

// upload is a file part of a multipart form.
type upload struct {
	name string
	data []byte
}

// postMultipart sends form and files (the parts "files") as
// multipart/form-data; with withCSRF the session's token is added.
func (b *browser) postMultipart(path string, form url.Values, files []upload, withCSRF bool) page {
	b.e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if withCSRF {
		mw.WriteField("csrf", b.csrf)
	}
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		w, err := mw.CreateFormFile("files", f.name)
		if err != nil {
			b.e.t.Fatal(err)
		}
		w.Write(f.data)
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.e.ts.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// procurementForm is a purchase of FY-CP-01 for 300.50 with two items.
func procurementForm() url.Values {
	return url.Values{
		"flow": {"spend"}, "type": {"记"}, "date": {"2020-02-12"}, "attachments": {"1"}, "decision": {"支委会2020年第4次会议"},
		"payee": {"汾阳市医药药材有限公司"}, "payee_type": {ledger.PayeeSupplier}, "method": {ledger.MethodBank},
		"line_summary": {"购买防疫物资", "购买防疫物资", "", ""},
		"line_account": {ledger.AcctProcurement, ledger.AcctPending, "", ""},
		"line_org":     {"FY-CP-01", "FY-CP-01", "", ""},
		"line_fund":    {"FY-UP", "FY-UP", "", ""},
		"line_purpose": {string(ledger.Procurement), "", "", ""},
		"line_debit":   {"300.50", "", "", ""},
		"line_credit":  {"", "300.50", "", ""},
		"item_line":    {"1", "1", "1"}, "item_name": {"口罩", "消毒液", ""}, "item_spec": {"N95", "500ml", ""},
		"item_unit": {"只", "瓶", ""}, "item_qty": {"2", "4", ""}, "item_price": {"100.25", "25", ""},
		"item_amount": {"200.50", "100.00", ""},
	}
}

// madeID reads the voucher id of a redirect to its page.
func madeID(t *testing.T, p page) int64 {
	t.Helper()
	loc := p.header.Get("Location")
	s := strings.TrimPrefix(loc, "/vouchers/")
	if i := strings.IndexByte(s, '?'); i >= 0 {
		s = s[:i]
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("redirect to %q\n%s", loc, p.body)
	}
	return id
}

func TestVoucherEntryItemsAndFiles(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	b := e.login("cp01officer")
	p := b.get("/vouchers/new?flow=spend")
	wantBody(t, p, "the entry page", `id="items"`, `name="item_qty"`, `id="dropzone"`, `enctype="multipart/form-data"`, `list="summaries"`)
	img := pngFile(t)

	p = b.postMultipart("/vouchers/new", procurementForm(), []upload{{"发票.png", img}}, true)
	wantStatus(t, p, http.StatusSeeOther, "a purchase with items and a scan")
	id := madeID(t, p)
	v, err := e.db.Voucher(ctx, book, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Lines) != 2 || len(v.Lines[0].Items) != 2 || v.Lines[0].Items[0].Name != "口罩" || !v.Lines[0].Items[0].UnitPrice.Equal(ledger.MustParseMoney("100.25").Decimal()) ||
		!v.Lines[0].Items[1].Amount.Equal(ledger.MustParseMoney("100.00")) || v.Files != 1 {
		t.Fatalf("stored: lines %+v, files %d", v.Lines, v.Files)
	}
	files, err := e.db.Attachments(ctx, book, id)
	if err != nil || len(files) != 1 || files[0].MediaType != "image/png" || files[0].FileName != "发票.png" {
		t.Fatalf("files %+v %v", files, err)
	}

	// its page: the items, the file with its thumbnail, its count beside 附单据, the 修改 link
	p = b.get(fmt.Sprintf("/vouchers/%d", id))
	wantStatus(t, p, http.StatusOK, "the voucher page")
	wantBody(t, p, "the voucher page", "物品明细", "口罩", "100.25", "附件 1 个", fmt.Sprintf(`<img src="/vouchers/%d/attachments/1"`, id),
		fmt.Sprintf(`href="/vouchers/%d/edit"`, id), `id="attach-form"`)
	p = b.get(fmt.Sprintf("/vouchers/%d/attachments/1", id))
	wantStatus(t, p, http.StatusOK, "the file")
	if p.header.Get("Content-Type") != "image/png" || p.body != string(img) || !strings.HasPrefix(p.header.Get("Content-Disposition"), "inline") {
		t.Fatalf("the file: %s %s, %d bytes", p.header.Get("Content-Type"), p.header.Get("Content-Disposition"), len(p.body))
	}
	if d := b.get(fmt.Sprintf("/vouchers/%d/attachments/1?download=1", id)).header.Get("Content-Disposition"); !strings.HasPrefix(d, "attachment") {
		t.Errorf("a download is %q", d)
	}
	wantStatus(t, b.get(fmt.Sprintf("/vouchers/%d/attachments/2", id)), http.StatusNotFound, "a file that is not there")
	wantStatus(t, e.login("cp02officer").get(fmt.Sprintf("/vouchers/%d/attachments/1", id)), http.StatusForbidden, "the sibling branch's file")
	// the checker reads it and sees no upload form
	p = e.login("liqiang").get(fmt.Sprintf("/vouchers/%d", id))
	wantBody(t, p, "the checker's voucher page", "附件 1 个")
	wantNot(t, p, "the checker's voucher page", `id="attach-form"`)

	// more files from its page: the maker attaches a PDF
	b.get(fmt.Sprintf("/vouchers/%d", id))
	p = b.postMultipart(fmt.Sprintf("/vouchers/%d/attachments", id), nil, []upload{{"签收单.pdf", []byte(pdfFile)}}, true)
	wantStatus(t, p, http.StatusSeeOther, "a PDF attached from the voucher page")
	wantBody(t, b.get(p.header.Get("Location")), "the page after attaching", "附件 2 个", "签收单.pdf", "已上传附件")
	wantStatus(t, b.postMultipart(fmt.Sprintf("/vouchers/%d/attachments", id), nil, []upload{{"a.pdf", []byte(pdfFile)}}, false),
		http.StatusForbidden, "an upload without its CSRF token")
	wantStatus(t, b.postMultipart(fmt.Sprintf("/vouchers/%d/attachments", id), nil, nil, true), http.StatusUnprocessableEntity, "an upload without a file")
	wantStatus(t, b.postMultipart(fmt.Sprintf("/vouchers/%d/attachments", id), nil, []upload{{"scan.png", []byte("not an image at all")}}, true),
		http.StatusUnprocessableEntity, "a file that is no PNG")
	w := e.login("wangfang")
	w.get("/")
	wantStatus(t, w.postMultipart(fmt.Sprintf("/vouchers/%d/attachments", id), nil, []upload{{"a.pdf", []byte(pdfFile)}}, true),
		http.StatusConflict, "a file attached by an officer who did not make the draft")
	a := e.login("fengqing")
	wantStatus(t, a.postMultipart(fmt.Sprintf("/vouchers/%d/attachments", id), nil, []upload{{"a.pdf", []byte(pdfFile)}}, true),
		http.StatusForbidden, "an auditor's upload")
	if fs, _ := e.db.Attachments(ctx, book, id); len(fs) != 2 {
		t.Fatalf("refused uploads stored files: %d", len(fs))
	}

	count := func() int {
		vs, err := e.db.SearchVouchers(ctx, postgres.VoucherSearch{Book: book, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		return len(vs)
	}
	before := count()
	// 数量 × 单价 is not 金额: at the item, the form as typed
	f := procurementForm()
	f["item_amount"] = []string{"200.00", "100.00", ""}
	f["line_debit"] = []string{"300.00", "", "", ""}
	f["line_credit"] = []string{"", "300.00", "", ""}
	p = b.postMultipart("/vouchers/new", f, nil, true)
	wantStatus(t, p, http.StatusUnprocessableEntity, "an item whose amount is not its quantity × unit price")
	wantBody(t, p, "a wrong item amount", "物品第1行：", `value="100.25"`)
	// the items do not add up to the line
	f = procurementForm()
	f["item_qty"] = []string{"2", "3", ""}
	f["item_amount"] = []string{"200.50", "75.00", ""}
	p = b.postMultipart("/vouchers/new", f, nil, true)
	wantStatus(t, p, http.StatusUnprocessableEntity, "items that do not add up to the line")
	wantBody(t, p, "items that do not add up", "第1行：")
	// an item on a line that is not there
	f = procurementForm()
	f["item_line"] = []string{"1", "3", ""}
	wantBody(t, b.postMultipart("/vouchers/new", f, nil, true), "an item of an empty line", "物品第2行：")
	// a file whose content is not of an accepted type, whatever its name
	p = b.postMultipart("/vouchers/new", procurementForm(), []upload{{"发票.png", []byte("GIF89a not accepted")}}, true)
	wantStatus(t, p, http.StatusUnprocessableEntity, "a GIF named .png")
	wantBody(t, p, "a GIF named .png", `id="file-error"`, "口罩")
	// a file over the size limit
	big := append(append([]byte{}, img[:8]...), make([]byte, ledger.AttachmentMaxBytesDefault)...)
	p = b.postMultipart("/vouchers/new", procurementForm(), []upload{{"big.png", big}}, true)
	wantStatus(t, p, http.StatusRequestEntityTooLarge, "a file over the size limit")
	wantBody(t, p, "a file over the size limit", `id="file-error"`)
	// without the CSRF token
	wantStatus(t, b.postMultipart("/vouchers/new", procurementForm(), []upload{{"a.png", img}}, false), http.StatusForbidden, "a grid without its CSRF token")
	if n := count(); n != before {
		t.Errorf("refused forms stored %d vouchers", n-before)
	}
}

// draftForm is the grid of stored draft v at version as its edit page
// sends it, with the first line's amounts (and the last one's) set to
// amount.
func draftForm(v *ledger.Voucher, version int, amount string) url.Values {
	f := url.Values{"type": {v.Type}, "date": {v.Date.Format("2006-01-02")}, "attachments": {strconv.Itoa(v.Attachments)},
		"decision": {v.Decision}, "payee": {v.Payee}, "payee_type": {v.PayeeType}, "method": {v.Method}, "version": {strconv.Itoa(version)}}
	for _, l := range v.Lines {
		dr, cr := "", ""
		if !l.Debit.IsZero() {
			dr = amount
		}
		if !l.Credit.IsZero() {
			cr = amount
		}
		for k, s := range map[string]string{"line_summary": l.Summary, "line_account": l.Account, "line_org": l.Org, "line_fund": l.Fund,
			"line_purpose": string(l.Purpose), "line_debit": dr, "line_credit": cr} {
			f[k] = append(f[k], s)
		}
	}
	return f
}

func TestVoucherEditPage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.spend.ID
	path := fmt.Sprintf("/vouchers/%d/edit", id)
	b := e.login("cp01officer")
	p := b.get(path)
	wantStatus(t, p, http.StatusOK, "the edit page")
	wantBody(t, p, "the edit page", "修改凭证", e.spend.Word(), `name="version" value="1"`, `value="1234.50"`, `value="汾阳市医药药材有限公司"`,
		fmt.Sprintf(`action="/vouchers/%d/edit"`, id), "保存修改")
	wantNot(t, p, "the edit page", `class="flows"`)
	// the 修改 link of the voucher page and of the lists of drafts
	wantBody(t, b.get(fmt.Sprintf("/vouchers/%d", id)), "the draft's page", fmt.Sprintf(`href="%s"`, path))
	wantBody(t, b.get("/"), "the dashboard's drafts", fmt.Sprintf(`href="%s"`, path))
	wantBody(t, b.get("/queue"), "the queue's drafts", `id="drafts"`, fmt.Sprintf(`href="%s"`, path))
	// the checker's queue lists the draft to check, without the link
	wantNot(t, e.login("liqiang").get("/queue"), "the checker's queue", fmt.Sprintf(`href="%s"`, path))

	// saved with the version read: the next version, the new amount
	p = b.postMultipart(path, draftForm(e.spend, 1, "1000.00"), nil, true)
	wantStatus(t, p, http.StatusSeeOther, "an edit")
	if loc := p.header.Get("Location"); loc != fmt.Sprintf("/vouchers/%d?done=edited", id) {
		t.Fatalf("after the edit: %s", loc)
	}
	v, err := e.db.Voucher(ctx, book, id)
	if err != nil || v.Version != 2 || !v.Total().Equal(ledger.MustParseMoney("1000.00")) || v.Number != e.spend.Number {
		t.Fatalf("after the edit: %+v %v", v, err)
	}
	wantBody(t, b.get(fmt.Sprintf("/vouchers/%d?done=edited", id)), "the page after the edit", "已保存修改", "第2版")

	// the same version again is stale: refused at the form, as typed
	p = b.postMultipart(path, draftForm(e.spend, 1, "900.00"), nil, true)
	wantStatus(t, p, http.StatusConflict, "a stale version")
	wantBody(t, p, "a stale version", `id="version-error"`, "第 2 版", `value="900.00"`)
	// a month the draft is not in: at the date
	f := draftForm(v, 2, "900.00")
	f.Set("date", "2020-03-02")
	p = b.postMultipart(path, f, nil, true)
	wantStatus(t, p, http.StatusUnprocessableEntity, "an edit moving the month")
	// without the CSRF token
	wantStatus(t, b.postMultipart(path, draftForm(v, 2, "900.00"), nil, false), http.StatusForbidden, "an edit without its CSRF token")
	// not the maker: another officer of the book, the sibling branch, an auditor
	w := e.login("wangfang")
	wantStatus(t, w.get(path), http.StatusConflict, "an officer who did not make the draft")
	wantStatus(t, w.postMultipart(path, draftForm(v, 2, "900.00"), nil, true), http.StatusConflict, "an edit by an officer who did not make the draft")
	wantStatus(t, e.login("cp02officer").get(path), http.StatusForbidden, "the sibling branch's draft")
	wantStatus(t, e.login("fengqing").get(path), http.StatusForbidden, "an auditor's edit page")
	wantStatus(t, b.get("/vouchers/999999/edit"), http.StatusNotFound, "the edit page of no voucher")
	if v2, _ := e.db.Voucher(ctx, book, id); v2.Version != 2 || !v2.Total().Equal(ledger.MustParseMoney("1000.00")) {
		t.Fatalf("refused edits changed the draft: version %d, %s", v2.Version, v2.Total())
	}

	// checked: immutable, no 修改 link
	if _, err := e.db.Transition(ctx, book, "liqiang", id, ledger.ActCheck); err != nil {
		t.Fatal(err)
	}
	p = b.get(path)
	wantStatus(t, p, http.StatusConflict, "the edit page of a checked voucher")
	wantBody(t, p, "the edit page of a checked voucher", "不可修改")
	wantStatus(t, b.postMultipart(path, draftForm(v, 2, "900.00"), nil, true), http.StatusConflict, "an edit of a checked voucher")
	wantNot(t, b.get(fmt.Sprintf("/vouchers/%d", id)), "a checked voucher's page", fmt.Sprintf(`href="%s"`, path), `id="attach-form"`)
	wantStatus(t, b.postMultipart(fmt.Sprintf("/vouchers/%d/attachments", id), nil, []upload{{"a.pdf", []byte(pdfFile)}}, true),
		http.StatusConflict, "a file attached to a checked voucher")
}

func TestSavedSummariesPage(t *testing.T) {
	e := newEnv(t)
	b := e.login("cp01officer")
	b.get("/vouchers/new")
	p := b.post("/summaries", url.Values{"text": {"购买防疫物资"}, "next": {"/vouchers/new?flow=spend"}}, true)
	wantStatus(t, p, http.StatusSeeOther, "a summary saved by a form")
	if loc := p.header.Get("Location"); loc != "/vouchers/new?flow=spend" {
		t.Errorf("back to %s", loc)
	}
	wantBody(t, b.get("/vouchers/new"), "the entry page", `<datalist id="summaries"><option value="购买防疫物资">`, `data-text="购买防疫物资"`)
	wantStatus(t, b.post("/summaries", url.Values{"text": {"x"}, "next": {"https://example.com/"}}, true), http.StatusSeeOther, "a foreign next")

	// a page script: the CSRF header, the list as JSON
	script := func(path, text string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, e.ts.URL+path, strings.NewReader(url.Values{"text": {text}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(postgres.CSRFHeader, b.csrf)
		p := b.do(req)
		var out map[string]any
		if err := json.Unmarshal([]byte(p.body), &out); err != nil {
			t.Fatalf("%s: %d %s", path, p.status, p.body)
		}
		return p.status, out
	}
	status, out := script("/summaries", "慰问困难党员")
	if status != http.StatusOK || fmt.Sprint(out["summaries"]) != "[x 慰问困难党员 购买防疫物资]" && len(out["summaries"].([]any)) != 3 {
		t.Fatalf("saved by a script: %d %v", status, out)
	}
	status, out = script("/summaries", "  ")
	if status != http.StatusUnprocessableEntity || !strings.Contains(fmt.Sprint(out["error"]), "常用摘要不能为空") {
		t.Fatalf("an empty summary: %d %v", status, out)
	}
	status, out = script("/summaries/remove", "购买防疫物资")
	if status != http.StatusOK || strings.Contains(fmt.Sprint(out["summaries"]), "购买防疫物资") {
		t.Fatalf("removed by a script: %d %v", status, out)
	}
	status, out = script("/summaries/remove", "购买防疫物资")
	if status != http.StatusNotFound || !strings.Contains(fmt.Sprint(out["error"]), "不在常用摘要中") {
		t.Fatalf("removing it again: %d %v", status, out)
	}
	wantNot(t, b.get("/vouchers/new"), "the entry page after the removal", `data-text="购买防疫物资"`)
	wantStatus(t, b.post("/summaries", url.Values{"text": {"无令牌"}}, false), http.StatusForbidden, "a summary without the CSRF token")
	a := e.login("fengqing")
	wantStatus(t, a.post("/summaries", url.Values{"text": {"审计"}}, true), http.StatusForbidden, "an auditor's summary")
	// each user's own
	if list, _ := e.db.SavedSummaries(context.Background(), book, "liqiang"); len(list) != 0 {
		t.Errorf("liqiang has %q", list)
	}
}
