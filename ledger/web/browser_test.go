package web_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/fenyang/partyfee/ledger"
)

// chromium finds Debian's chromium; without it the browser test is skipped,
// unless LEDGER_BROWSER_TEST=1 (scripts/test) demands it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("LEDGER_BROWSER_TEST") == "1" {
		t.Fatal("no chromium on PATH: run scripts/install-deps chromium")
	}
	t.Skip("no chromium on PATH (scripts/install-deps chromium installs it)")
	return ""
}

// shots is where the browser test writes its screenshots: the directory
// named by LEDGER_WEB_SCREENSHOTS (docs/screenshots for the README), or a
// temporary one kept on failure.
func shots(t *testing.T) string {
	if d := os.Getenv("LEDGER_WEB_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	d, err := os.MkdirTemp("", "ledger-web-shots-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !t.Failed() {
			os.RemoveAll(d)
		}
	})
	return d
}

// TestBrowserChecksPostsSignsAndPrints drives headless Chromium through the
// pages as the finance office would: the checker checks two vouchers from
// /queue at once and posts the spending, the cashier signs the bank
// voucher, the checker posts it, and its print view, printed to PDF by
// Chromium, holds the 大写 and the names.
func TestBrowserChecksPostsSignsAndPrints(t *testing.T) {
	exe := chromium(t)
	e := newEnv(t)
	receive := e.flow("wangfang", ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-UP", Amount: ledger.MustParseMoney("20000.00"),
		Attachments: 1, Decision: "汾组通〔2020〕3号"})
	dir := shots(t)

	h := newHeadless(t, exe, dir, "checks")
	stepCtx, failed, do := h.step, h.failed, h.do
	// submit clicks a button that loads a page and checks its status.
	submit := func(what, sel string) {
		t.Helper()
		ctx, cancel := stepCtx()
		defer cancel()
		res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
		if err != nil {
			failed(what, err)
		}
		if res.Status != 200 {
			failed(what, fmt.Errorf("status %d", res.Status))
		}
	}
	shot := func(name string) {
		t.Helper()
		ctx, cancel := stepCtx()
		defer cancel()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			failed("screenshot "+name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	notice := func() string {
		t.Helper()
		ctx, cancel := stepCtx()
		defer cancel()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("p.notice")))
		if err != nil {
			failed("read the notice", err)
		}
		return s
	}
	base := e.ts.URL
	login := func(user string) {
		t.Helper()
		do("open /login as "+user, chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("input[name=username]")),
			chromedp.SendKeys(chromedp.CSS("input[name=username]"), user), chromedp.SendKeys(chromedp.CSS("input[name=password]"), passwords[user]))
		submit("sign in as "+user, "button[type=submit]")
		do("工作台 of "+user, chromedp.WaitVisible(chromedp.CSS("main h1")))
	}
	logout := func() {
		t.Helper()
		submit("sign out", `form[action="/logout"] button`)
	}
	pick := func(section string, id int64) chromedp.Action[chromedp.Void] {
		return chromedp.Click(chromedp.CSS(fmt.Sprintf(`#%s input.pick[value="%d"]`, section, id)))
	}

	login("liqiang")
	shot("dashboard.png")
	do("open /queue", chromedp.Navigate(base+"/queue"), chromedp.WaitVisible(chromedp.CSS("#check button[data-needs-pick]")),
		pick("check", e.spend.ID), pick("check", receive.ID))
	shot("queue.png")
	submit("check two vouchers at once", "#check button[data-needs-pick]")
	if n := notice(); !strings.Contains(n, "已审核 2 张凭证") {
		t.Errorf("notice after checking: %q", n)
	}
	do("select the spending to post", pick("post", e.spend.ID))
	submit("post the spending", "#post button[data-needs-pick]")
	if n := notice(); !strings.Contains(n, "已记账") {
		t.Errorf("notice after posting: %q", n)
	}
	logout()
	if e.status(e.spend.ID) != ledger.StatusPosted || e.status(receive.ID) != ledger.StatusChecked {
		t.Fatalf("after the checker: spending %s, receipt %s", e.status(e.spend.ID), e.status(receive.ID))
	}
	login("zhaomin")
	do("open /queue as the cashier", chromedp.Navigate(base+"/queue"), chromedp.WaitVisible(chromedp.CSS("#sign")), pick("sign", receive.ID))
	submit("the cashier signs the bank voucher", "#sign button[data-needs-pick]")
	logout()
	login("liqiang")
	do("open the voucher", chromedp.Navigate(fmt.Sprintf("%s/vouchers/%d", base, receive.ID)), chromedp.WaitVisible(chromedp.CSS(`form[action$="/post"] button`)))
	submit("post it from its page", `form[action$="/post"] button`)
	shot("voucher.png")
	if s := e.status(receive.ID); s != ledger.StatusPosted {
		t.Fatalf("the receipt is %s", s)
	}
	do("open the print view", chromedp.Navigate(fmt.Sprintf("%s/vouchers/%d/print", base, receive.ID)), chromedp.WaitVisible(chromedp.CSS(".voucher-form")))
	shot("print.png")
	text := h.pdfText(filepath.Join(dir, "voucher.pdf"))
	for _, want := range []string{"贰万元整", "20,000.00", "制单：王芳", "审核：李强", "出纳：赵敏", "记账：李强", "会计主管"} {
		if !strings.Contains(strings.ReplaceAll(text, " ", ""), strings.ReplaceAll(want, " ", "")) {
			t.Errorf("the printed voucher lacks %q:\n%s", want, text)
		}
	}
}
