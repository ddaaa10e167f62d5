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
// officer: a condolence spend with two lines and a beneficiary made in the
// grid (the 大写 follows the typing), saved as a draft; then 科目余额表 →
// 明细账 → the voucher.
func TestBrowserVoucherEntryAndBooks(t *testing.T) {
	exe := chromium(t)
	e := newEnv(t)
	dir := shots(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900), chromedp.Flag("lang", "zh-CN"))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	tab, cancel := chromedp.NewContext(actx)
	defer cancel()
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	failed := func(what string, err error) {
		t.Helper()
		path := filepath.Join(dir, "entry-failure.png")
		sctx, scancel := context.WithTimeout(tab, 20*time.Second)
		defer scancel()
		if png, serr := chromedp.Run(sctx, chromedp.FullScreenshot(100)); serr == nil {
			os.WriteFile(path, png, 0o644)
		}
		t.Fatalf("%s: %v (screenshot %s)", what, err, path)
	}
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		ctx, cancel := context.WithTimeout(tab, 90*time.Second)
		defer cancel()
		if err := chromedp.Do(ctx, steps...); err != nil {
			failed(what, err)
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
	base := e.ts.URL
	line := func(n int, field string) chromedp.CSS {
		return chromedp.CSS(fmt.Sprintf("#lines tr.line:nth-of-type(%d) .%s", n, field))
	}

	do("sign in", chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("input[name=username]")),
		chromedp.SendKeys(chromedp.CSS("input[name=username]"), "cp01officer"),
		chromedp.SendKeys(chromedp.CSS("input[name=password]"), passwords["cp01officer"]),
		chromedp.Click(chromedp.CSS("button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("main h1")))
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
	png, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
	if err != nil {
		failed("screenshot", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "web-voucher-entry.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
	do("save", chromedp.Click(chromedp.CSS("#save")), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if loc := location(); !strings.Contains(loc, "/vouchers/") || strings.Contains(loc, "/new") {
		t.Fatalf("after saving the browser is at %s", loc)
	}
	vs, err := e.db.SearchVouchers(context.Background(), postgres.VoucherSearch{Book: book, Maker: "cp01officer", Payee: "张三", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 1 || vs[0].Status != ledger.StatusDraft || len(vs[0].Lines) != 2 || len(vs[0].Beneficiaries) != 1 ||
		!vs[0].Total().Equal(ledger.MustParseMoney("300.50")) {
		t.Fatalf("the saved vouchers: %+v", vs)
	}

	do("open 科目余额表", chromedp.Navigate(base+"/books/balances?period=2020-02"), chromedp.WaitVisible(chromedp.CSS("table.books")),
		chromedp.Click(chromedp.CSS(`a[href^="/books/ledger?account=`+ledger.AcctPending+`"]`)), chromedp.WaitVisible(chromedp.CSS("table.books")))
	if h := text("main h1"); !strings.Contains(h, "明细账") {
		t.Fatalf("the figure opened %q", h)
	}
	do("open the voucher of a line", chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/vouchers/%d"]`, e.allocate.ID))),
		chromedp.WaitVisible(chromedp.CSS("main h1")))
	if loc := location(); !strings.HasSuffix(loc, fmt.Sprintf("/vouchers/%d", e.allocate.ID)) {
		t.Errorf("the 明细账 line opened %s", loc)
	}
}
