package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/audit"
)

// TestBrowserAuditor drives headless Chromium as an auditor would, on the
// seeded February (the demo's whole February is too slow to record in a
// test): the overview of February, a click on 本期使用 of 物资采购 that
// lands on exactly the vouchers the figure counts, one of them opened with
// its scanned receipt shown in the page; the search of an ID number that
// finds the two payments of finding A-06 in two branches, and the whole
// number shown with a reason, which adds a row to the action log; the
// acknowledgement of that finding with a note and a deadline, seen in its
// history. The overview's screenshot is web-audit-overview.png.
func TestBrowserAuditor(t *testing.T) {
	exe := chromium(t)
	e := newEnv(t)
	e.attach("cp01officer", e.spend, "收据.png", receiptPNG(t))
	e.overviewBook()
	const idNumber = "142301197001011236"
	pay := func(actor, org, amount string) *ledger.Voucher {
		a := ledger.MustParseMoney(amount)
		v := e.flow(actor, ledger.FlowRequest{Flow: ledger.FlowSpend, Org: org, Fund: "FY-UP", Purpose: ledger.Condolence, Amount: a,
			Payee: "张三", PayeeType: ledger.PayeeIndividual, Attachments: 1, Date: time.Date(2020, 2, 21, 0, 0, 0, 0, time.UTC),
			Beneficiaries: []ledger.Beneficiary{{Name: "张三", Category: "群众", IDNumber: idNumber, Amount: a}}})
		e.approve(v)
		return v
	}
	paid1, paid2 := pay("cp01officer", "FY-CP-01", "500.00"), pay("cp02officer", "FY-CP-02", "300.00")
	var a06 int64
	for _, f := range e.recordFindings() {
		if f.Rule == "A-06" && f.VoucherID == paid2.ID {
			a06 = f.ID
		}
	}
	if a06 == 0 {
		t.Fatal("no finding A-06 about the second payment")
	}
	dir := shots(t)

	h := newHeadless(t, exe, dir, "audit")
	stepCtx, failed, do, submit := h.step, h.failed, h.do, h.submit
	text := func(what, sel string) string {
		t.Helper()
		ctx, cancel := stepCtx()
		defer cancel()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			failed(what, err)
		}
		return strings.TrimSpace(s)
	}
	eval := func(what, js string) bool {
		t.Helper()
		ctx, cancel := stepCtx()
		defer cancel()
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		if err != nil {
			failed(what, err)
		}
		return ok
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
	if err := os.WriteFile(filepath.Join(dir, "web-audit-overview.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
	// The saved queries' counts arrive by the page's script.
	do("the saved queries' counts", chromedp.WaitVisible(chromedp.CSS("table.saved.counted")))
	for _, name := range []string{"repeat", "cash", "split"} {
		if got := text("the count of "+name, "a.saved-"+name); !regexp.MustCompile(`^\d+ 笔$`).MatchString(got) {
			t.Errorf("the saved query %s shows %q", name, got)
		}
	}
	const procurement = `table.flows a.figure[href*="purpose=procurement"]`
	figure := text("the figure of 物资采购", procurement)
	submit("click 本期使用 of 物资采购", procurement)
	if n, err := strconv.Atoi(text("the vouchers' count", ".drill-count")); err != nil || n < 2 {
		t.Errorf("the list behind 物资采购 counts %d vouchers (%v)", n, err)
	}
	if got := text("the vouchers' sum", ".drill-net"); got != figure {
		t.Errorf("the figure is %s, the vouchers behind it add up to %s", figure, got)
	}
	if rows := text("the vouchers of 物资采购", "table.vlist tbody"); !strings.Contains(rows, e.spend.Word()) || strings.Contains(rows, e.receive.Word()) {
		t.Errorf("the vouchers behind 物资采购:\n%s", rows)
	}
	submit("open the voucher with a receipt", fmt.Sprintf(`table.vlist a[href="/vouchers/%d"]`, e.spend.ID))
	do("its receipt", chromedp.WaitVisible(chromedp.CSS("img.file-view")))
	if !eval("the receipt shown", `(() => { const i = document.querySelector("img.file-view"); return i.complete && i.naturalWidth === 120; })()`) {
		t.Error("the receipt's image is not shown in the voucher's page")
	}

	do("search the ID number", chromedp.Navigate(base+"/audit/search"), chromedp.WaitVisible(chromedp.CSS("input[name=q]")),
		chromedp.SendKeys(chromedp.CSS("input[name=q]"), idNumber))
	submit("search", `form[action="/audit/search"] button`)
	rows := text("the search's results", "main table tbody")
	for _, w := range []string{paid1.Word(), paid2.Word(), "高速汾阳东口检测站点临时党支部", "高速汾阳西口检测站点临时党支部", ledger.MaskID(idNumber)} {
		if !strings.Contains(rows, w) {
			t.Errorf("the search's results lack %s:\n%s", w, rows)
		}
	}
	if strings.Contains(rows, idNumber) || text("the count", "main > p:not(.saved-queries)") != "共 2 笔" {
		t.Errorf("the search's results:\n%s", rows)
	}
	reveals := func() int {
		var n int
		if err := e.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM actions WHERE book = $1 AND action = 'reveal_id' AND actor = 'fengqing'`, book).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := reveals()
	do("give a reason", chromedp.SendKeys(chromedp.CSS(`form[action="/audit/reveal"] input[name=reason]`), "核对重复领取"))
	submit("show the whole number", `form[action="/audit/reveal"] button`)
	if !strings.Contains(text("the whole number", "main"), idNumber) {
		t.Error("the whole number is not shown")
	}
	if n := reveals(); n != before+1 {
		t.Errorf("%d reveals in the action log after one, want %d", n, before+1)
	}

	do("open finding A-06", chromedp.Navigate(fmt.Sprintf("%s/audit/findings/%d", base, a06)), chromedp.WaitVisible(chromedp.CSS(`textarea[name=note]`)),
		chromedp.SendKeys(chromedp.CSS("textarea[name=note]"), "情况属实，限期追回"),
		chromedp.SetValue(chromedp.CSS("input[name=deadline]"), "2020-03-15"))
	submit("acknowledge it", `form[action$="/ack"] button`)
	if s := text("the finding's history", "table.history tbody"); !strings.Contains(s, "情况属实，限期追回") || !strings.Contains(s, "2020-03-15") {
		t.Errorf("the finding's history:\n%s", s)
	}
	if got := text("the finding's state", "main"); !strings.Contains(got, audit.FindingStateName(audit.FindingAcknowledged)) {
		t.Errorf("the finding's page after the acknowledgement:\n%s", got)
	}
}
