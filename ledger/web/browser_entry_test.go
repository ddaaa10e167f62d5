package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// TestBrowserVoucherEntryAndBooks drives headless Chromium as a branch
// officer: a condolence spend with two lines, a beneficiary and an item
// (慰问品, 数量 × 单价 checked against 金额 as typed) made in the grid (the
// 大写 follows the typing), saved as a draft; a PNG scan attached on its
// page; the draft edited (a new amount) and saved again; then 科目余额表 →
// 明细账 → the voucher.
//
// Every step that loads a page waits for that page's answer (RunResponse)
// and then for an element only that page has: waiting for an element the
// page being left also has (the sign-in page has a "main h1") would let
// the next navigation race the form's, and a GET sent before the sign-in
// answered set the cookie goes to /login, where the grid never appears.
func TestBrowserVoucherEntryAndBooks(t *testing.T) {
	exe := chromium(t)
	e := newEnv(t)
	dir := shots(t)
	h := newHeadless(t, exe, dir, "entry")
	tab, failed, do := h.tab, h.failed, h.do
	// submit clicks sel, which loads a page, waits for its answer and
	// checks its status, then waits for sel2 on the page loaded.
	submit := func(what, sel string, status int, then string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(tab, 90*time.Second)
		defer cancel()
		res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
		if err != nil {
			failed(what, err)
		}
		if res.Status != int64(status) {
			failed(what, fmt.Errorf("status %d, want %d", res.Status, status))
		}
		if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(then))); err != nil {
			failed(what, err)
		}
	}
	shot := func(name string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(tab, 90*time.Second)
		defer cancel()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			failed("screenshot "+name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(tab, 90*time.Second)
		defer cancel()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			failed("read "+sel, err)
		}
		return strings.TrimSpace(s)
	}
	location := func() string {
		t.Helper()
		ctx, cancel := context.WithTimeout(tab, 90*time.Second)
		defer cancel()
		s, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			failed("read the location", err)
		}
		return s
	}
	value := func(sel chromedp.CSS) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(tab, 90*time.Second)
		defer cancel()
		s, err := chromedp.Run(ctx, chromedp.Value(sel))
		if err != nil {
			failed("read the value of "+string(sel), err)
		}
		return s
	}
	notice := func() string { return text("p.notice") }
	base := e.ts.URL
	line := func(n int, field string) chromedp.CSS {
		return chromedp.CSS(fmt.Sprintf("#lines tr.line:nth-of-type(%d) .%s", n, field))
	}

	do("open the sign-in page", chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("input[name=username]")),
		chromedp.SendKeys(chromedp.CSS("input[name=username]"), "cp01officer"),
		chromedp.SendKeys(chromedp.CSS("input[name=password]"), passwords["cp01officer"]))
	// the dashboard's menu, which the sign-in page has not
	submit("sign in", "button[type=submit]", 200, "header.topbar")
	do("open 凭证录入", chromedp.Navigate(base+"/vouchers/new?flow=spend"), chromedp.WaitVisible(chromedp.CSS("#lines")))
	if got := text("#daxie"); got != "零元整" {
		t.Errorf("大写 of an empty grid: %q", got)
	}
	do("fill the header", chromedp.SendKeys(chromedp.CSS("input[name=payee]"), "张三"),
		chromedp.SetValue(chromedp.CSS("select[name=payee_type]"), ledger.PayeeIndividual),
		chromedp.SendKeys(chromedp.CSS("input[name=decision]"), "支委会2020年第3次会议"))
	do("fill line 1", chromedp.SetValue(line(1, "account"), ledger.AcctCondolence), chromedp.SetValue(line(1, "purpose"), string(ledger.Condolence)),
		chromedp.SendKeys(line(1, "fund"), "FY-UP"), chromedp.SendKeys(line(1, "debit"), "3"))
	if got := text("#daxie"); got != "叁元整" {
		t.Errorf("大写 after typing 3: %q", got)
	}
	do("type on", chromedp.SendKeys(line(1, "debit"), "00.50"))
	if got := text("#daxie"); got != "叁佰元伍角整" {
		t.Errorf("大写 after typing 300.50: %q", got)
	}
	if got := text("#difference"); !strings.Contains(got, "300.50") {
		t.Errorf("差额 of a one-sided grid: %q", got)
	}
	if got := text("#available"); !strings.Contains(got, "5,000.00") {
		t.Errorf("the branch's available balance is not shown: %q", got)
	}
	do("fill line 2", chromedp.SendKeys(line(2, "fund"), "FY-UP"), chromedp.SendKeys(line(2, "credit"), "300.50"))
	if got := text("#difference"); got != "0.00" {
		t.Errorf("差额 of a balanced grid: %q", got)
	}
	if got := text("#total-credit"); got != "300.50" {
		t.Errorf("合计 of the credits: %q", got)
	}
	// Enter on the last field of the last line that has an amount opens a new line
	do("fill line 4", chromedp.SendKeys(line(4, "debit"), "1"), chromedp.SendKeys(line(4, "credit"), "1\r"), chromedp.WaitVisible(line(5, "summary")),
		chromedp.SendKeys(line(4, "debit"), "\b"), chromedp.SendKeys(line(4, "credit"), "\b"))
	if got := text("#total-debit"); got != "300.50" {
		t.Errorf("合计 after clearing line 4: %q", got)
	}
	do("fill the beneficiary", chromedp.SendKeys(chromedp.CSS("input[name=ben_name]"), "张三"),
		chromedp.SetValue(chromedp.CSS("select[name=ben_category]"), "党员"),
		chromedp.SendKeys(chromedp.CSS("input[name=ben_id]"), "110105194912310021"))
	if got := text(".id-hint"); got != "校验位不对" {
		t.Errorf("a wrong check digit reads %q", got)
	}
	do("correct the identity number",
		chromedp.SendKeys(chromedp.CSS("input[name=ben_id]"), strings.Repeat("\b", 18)+"11010519491231002X"),
		chromedp.SendKeys(chromedp.CSS("input[name=ben_amount]"), "300.50"),
		chromedp.SendKeys(chromedp.CSS("input[name=ben_reason]"), "因病致困"))
	if got := text(".id-hint"); got != "✓" {
		t.Errorf("a right identity number reads %q", got)
	}
	// an item: 慰问品 2 套 × 150.25; the amount fills itself, then a
	// typed amount that is not 数量 × 单价 is flagged
	item := func(field string) chromedp.CSS { return chromedp.CSS("#items tr.item:nth-of-type(1) ." + field) }
	do("fill the item", chromedp.SendKeys(item("item-name"), "慰问品（米面油）"), chromedp.SendKeys(chromedp.CSS("input[name=item_unit]"), "套"),
		chromedp.SendKeys(item("item-qty"), "2"), chromedp.SendKeys(item("item-price"), "150.25"))
	if got := value(item("item-amount")); got != "300.50" {
		t.Errorf("the item's amount filled in as %q", got)
	}
	if got := text("#items tr.item:nth-of-type(1) .item-check"); got != "✓" {
		t.Errorf("a right item reads %q", got)
	}
	if got := text("#items-check"); !strings.Contains(got, "300.50 ✓") {
		t.Errorf("the items' sum reads %q", got)
	}
	do("mistype the item's amount", chromedp.SendKeys(item("item-amount"), strings.Repeat("\b", 6)+"300.05"))
	if got := text("#items tr.item:nth-of-type(1) .item-check"); !strings.Contains(got, "与金额不符") {
		t.Errorf("a wrong item amount reads %q", got)
	}
	if got := text("#items-check"); !strings.Contains(got, "不符") {
		t.Errorf("items that do not add up read %q", got)
	}
	do("correct the item's amount", chromedp.SendKeys(item("item-amount"), strings.Repeat("\b", 6)+"300.50"))
	if got := text("#items tr.item:nth-of-type(1) .item-check"); got != "✓" {
		t.Errorf("the corrected item reads %q", got)
	}
	// 常用摘要: the summary of line 1 saved by the panel (the page script
	// asks the page), then offered to every line
	do("save a summary", chromedp.Click(line(1, "summary")), chromedp.Click(chromedp.CSS("#add-summary button")),
		chromedp.WaitVisible(chromedp.CSS(`#summary-list .use-summary[data-text="专项党费报账"]`)))
	if list, err := e.db.SavedSummaries(context.Background(), book, "cp01officer"); err != nil || len(list) != 1 || list[0] != "专项党费报账" {
		t.Errorf("the saved summaries: %q %v", list, err)
	}
	shot("web-voucher-entry.png")
	submit("save", "#save", 200, "#files-count")
	if loc := location(); !strings.Contains(loc, "/vouchers/") || strings.Contains(loc, "/new") {
		t.Fatalf("after saving the browser is at %s", loc)
	}
	vs, err := e.db.SearchVouchers(context.Background(), postgres.VoucherSearch{Book: book, Maker: "cp01officer", Payee: "张三", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 1 || vs[0].Status != ledger.StatusDraft || len(vs[0].Lines) != 2 || len(vs[0].Beneficiaries) != 1 ||
		!vs[0].Total().Equal(ledger.MustParseMoney("300.50")) || len(vs[0].Lines[0].Items) != 1 || vs[0].Lines[0].Items[0].Name != "慰问品（米面油）" {
		t.Fatalf("the saved vouchers: %+v", vs)
	}
	id := vs[0].ID

	// a scan attached on its page: a thumbnail, and the count beside 附单据
	scan := filepath.Join(t.TempDir(), "签收单.png")
	if err := os.WriteFile(scan, pngFile(t), 0o644); err != nil {
		t.Fatal(err)
	}
	do("choose the scan", chromedp.SetUploadFiles(chromedp.CSS("#files"), []string{scan}), chromedp.WaitVisible(chromedp.CSS("#file-preview img.thumb")))
	submit("attach the scan", "#attach", 200, fmt.Sprintf(`ul.files img[src="/vouchers/%d/attachments/1"]`, id))
	if got := text("#files-count"); got != "附件 1 个" {
		t.Errorf("the count beside 附单据 reads %q", got)
	}
	if n := len(mustFiles(t, e, id)); n != 1 {
		t.Fatalf("%d files stored", n)
	}

	// edited: the amount becomes 400.50 (the item 2 × 200.25, the beneficiary's too)
	submit("open the edit page", "#edit", 200, "#lines")
	if got := value(item("item-name")); got != "慰问品（米面油）" {
		t.Errorf("the edit page's item reads %q", got)
	}
	if got := text("#daxie"); got != "叁佰元伍角整" {
		t.Errorf("大写 of the draft: %q", got)
	}
	// retype a prefilled field (the caret of a field focused by the test
	// stands at its start)
	retype := func(sel chromedp.CSS, v string) chromedp.Action[chromedp.Void] {
		clear := chromedp.Evaluate[bool](fmt.Sprintf(`(document.querySelector(%q).value = "") === ""`, string(sel)))
		return chromedp.Steps(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Run(ctx, clear)
			return err
		}), chromedp.SendKeys(sel, v))
	}
	do("change the amount", retype(line(1, "debit"), "400.50"), retype(line(2, "credit"), "400.50"),
		retype(item("item-price"), "200.25"), retype(item("item-amount"), "400.50"), retype(chromedp.CSS("input[name=ben_amount]"), "400.50"))
	if got := text("#daxie"); got != "肆佰元伍角整" {
		t.Errorf("大写 after the change: %q", got)
	}
	if got := text("#items tr.item:nth-of-type(1) .item-check"); got != "✓" {
		t.Errorf("the edited item reads %q", got)
	}
	shot("web-voucher-edit.png")
	submit("save the edit", "#save", 200, "#files-count")
	if n := notice(); !strings.Contains(n, "已保存修改") {
		t.Errorf("the notice after the edit: %q", n)
	}
	v, err := e.db.Voucher(context.Background(), book, id)
	if err != nil {
		t.Fatal(err)
	}
	if v.Version != 2 || !v.Total().Equal(ledger.MustParseMoney("400.50")) || !v.Lines[0].Items[0].Amount.Equal(ledger.MustParseMoney("400.50")) ||
		v.Files != 1 {
		t.Fatalf("after the edit: version %d, total %s, lines %+v, files %d", v.Version, v.Total(), v.Lines, v.Files)
	}

	do("open 科目余额表", chromedp.Navigate(base+"/books/balances?period=2020-02"), chromedp.WaitVisible(chromedp.CSS("table.books")))
	submit("open the 明细账 of a figure", `a[href^="/books/ledger?account=`+ledger.AcctPending+`"]`, 200, "table.books")
	if h := text("main h1"); !strings.Contains(h, "明细账") {
		t.Fatalf("the figure opened %q", h)
	}
	submit("open the voucher of a line", fmt.Sprintf(`a[href="/vouchers/%d"]`, e.allocate.ID), 200, "#files-count")
	if loc := location(); !strings.HasSuffix(loc, fmt.Sprintf("/vouchers/%d", e.allocate.ID)) {
		t.Errorf("the 明细账 line opened %s", loc)
	}
}

// mustFiles lists the stored files of voucher id.
func mustFiles(t *testing.T, e *env, id int64) []ledger.Attachment {
	t.Helper()
	fs, err := e.db.Attachments(context.Background(), book, id)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}
