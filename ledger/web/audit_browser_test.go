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
)

// TestBrowserAuditor drives headless Chromium as an auditor would: the
// overview of February, a click on 本期使用 of 物资采购 that lands on its
// vouchers, the search of an ID number, and the acknowledgement of a
// finding with a note and a deadline. The overview's screenshot is
// audit-overview.png among the browser tests' screenshots.
func TestBrowserAuditor(t *testing.T) {
	exe := chromium(t)
	e := newEnv(t)
	e.approve(e.spend)
	const idNumber = "142301197001011236"
	a := ledger.MustParseMoney("500.00")
	paid := e.flow("cp01officer", ledger.FlowRequest{Flow: ledger.FlowSpend, Org: "FY-CP-01", Fund: "FY-UP", Purpose: ledger.Condolence, Amount: a,
		Payee: "张三", PayeeType: ledger.PayeeIndividual, Attachments: 1,
		Beneficiaries: []ledger.Beneficiary{{Name: "张三", Category: "群众", IDNumber: idNumber, Amount: a}}})
	fs := e.recordFindings()
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
	stepCtx := func() (context.Context, context.CancelFunc) { return context.WithTimeout(tab, 90*time.Second) }
	failed := func(what string, err error) {
		t.Helper()
		path := filepath.Join(dir, "audit-failure.png")
		sctx, scancel := context.WithTimeout(tab, 20*time.Second)
		defer scancel()
		if png, serr := chromedp.Run(sctx, chromedp.FullScreenshot(100)); serr == nil {
			os.WriteFile(path, png, 0o644)
		}
		t.Fatalf("%s: %v (screenshot %s)", what, err, path)
	}
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		ctx, cancel := stepCtx()
		defer cancel()
		if err := chromedp.Do(ctx, steps...); err != nil {
			failed(what, err)
		}
	}
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
	text := func(what, sel string) string {
		t.Helper()
		ctx, cancel := stepCtx()
		defer cancel()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			failed(what, err)
		}
		return s
	}
	base := e.ts.URL

	do("open /login", chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("input[name=username]")),
		chromedp.SendKeys(chromedp.CSS("input[name=username]"), "fengqing"), chromedp.SendKeys(chromedp.CSS("input[name=password]"), passwords["fengqing"]))
	submit("sign in", "button[type=submit]")

	do("open the overview", chromedp.Navigate(base+"/audit?period=2020-02"), chromedp.WaitVisible(chromedp.CSS("a.figure")))
	ctx, scancel := stepCtx()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	scancel()
	if err != nil {
		failed("screenshot the overview", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "audit-overview.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
	submit("click 本期使用 of 物资采购", `a.figure[href*="purpose=procurement"]`)
	if s := text("the vouchers of 物资采购", "table.vlist tbody"); !strings.Contains(s, e.spend.Word()) || strings.Contains(s, e.receive.Word()) {
		t.Errorf("the vouchers behind 物资采购:\n%s", s)
	}

	do("search the ID number", chromedp.Navigate(base+"/audit/search"), chromedp.WaitVisible(chromedp.CSS("input[name=q]")),
		chromedp.SendKeys(chromedp.CSS("input[name=q]"), idNumber))
	submit("search", `form[action="/audit/search"] button`)
	if s := text("the search's results", "main table tbody"); !strings.Contains(s, paid.Word()) || !strings.Contains(s, ledger.MaskID(idNumber)) || strings.Contains(s, idNumber) {
		t.Errorf("the search's results:\n%s", s)
	}

	f := fs[0]
	do("open a finding", chromedp.Navigate(fmt.Sprintf("%s/audit/findings/%d", base, f.ID)), chromedp.WaitVisible(chromedp.CSS(`textarea[name=note]`)),
		chromedp.SendKeys(chromedp.CSS("textarea[name=note]"), "情况属实，限期整改"),
		chromedp.SetValue(chromedp.CSS("input[name=deadline]"), "2020-03-15"))
	submit("acknowledge it", `form[action$="/ack"] button`)
	if s := text("the finding's history", "table.history tbody"); !strings.Contains(s, "情况属实，限期整改") || !strings.Contains(s, "2020-03-15") {
		t.Errorf("the finding's history:\n%s", s)
	}
}
