package web_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserBatch drives headless Chromium as the admin of the whole book
// runs the month end over the demo's database: re-opens February with a
// reason, uploads the demo's GBK bank statement, sees its two timing
// differences in the 银行存款余额调节表 (the progress of the run shown on
// the way), closes February again; then March's close is refused while a
// HIGH finding of March is open. The reconciliation's screenshot is
// web-batch.png among the browser tests' screenshots
// (LEDGER_WEB_SCREENSHOTS=docs for the README's docs/web-batch.png).
func TestBrowserBatch(t *testing.T) {
	exe := chromium(t)
	e := newDemoEnv(t)
	f := e.highFindingInMarch()
	dir := shots(t)

	h := newHeadless(t, exe, dir, "batch")
	stepCtx, failed, do, text := h.step, h.failed, h.do, h.text
	base := e.ts.URL

	do("sign in", chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("input[name=username]")),
		chromedp.SendKeys(chromedp.CSS("input[name=username]"), "sunlixin"), chromedp.SendKeys(chromedp.CSS("input[name=password]"), batchPasswords["sunlixin"]),
		chromedp.Click(chromedp.CSS("button[type=submit]")), chromedp.WaitVisible(chromedp.CSS(`nav.menu a[href="/batch"]`)))
	do("open 月末结账", chromedp.Click(chromedp.CSS(`nav.menu a[href="/batch"]`)), chromedp.WaitVisible(chromedp.CSS("section.batch-state")),
		chromedp.Navigate(base+"/batch?period=2020-02"), chromedp.WaitVisible(chromedp.CSS("form.batch-reopen textarea[name=reason]")))
	if s := text("February's state", "section.batch-state"); !strings.Contains(s, "已结账") {
		t.Errorf("February's state:\n%s", s)
	}

	do("re-open February", chromedp.SendKeys(chromedp.CSS("form.batch-reopen textarea[name=reason]"), "补记2月29日慰问支出"),
		chromedp.Click(chromedp.CSS("form.batch-reopen button")), chromedp.WaitVisible(chromedp.CSS("form.batch-upload")))
	if s := text("February re-opened", "main"); !strings.Contains(s, "2020年2月已反结账") || !strings.Contains(s, "补记2月29日慰问支出") {
		t.Errorf("February re-opened:\n%s", s)
	}

	// The upload starts a run; the page shows its progress and then the
	// reconciliation.
	do("upload the GBK statement", chromedp.SetUploadFiles(chromedp.CSS("form.batch-upload input[name=file]"), []string{e.statement}),
		chromedp.SetValue(chromedp.CSS("form.batch-upload select[name=layout]"), "icbc"),
		chromedp.Click(chromedp.CSS("form.batch-upload button")), chromedp.WaitVisible(chromedp.CSS("table.batch-rec")))
	if s := text("the outstanding items", ".batch-outstanding"); s != "2 笔" {
		t.Errorf("the outstanding items read %q, want 2 笔", s)
	}
	items := text("the timing differences", "table.batch-outstanding-items tbody")
	for _, w := range []string{"企业已收、银行未收", "12,860.00", "银行已收、企业未收", "23.65"} {
		if !strings.Contains(items, w) {
			t.Errorf("the timing differences lack %s:\n%s", w, items)
		}
	}
	if s := text("the checks", "table.batch-checks tbody"); strings.Contains(s, "不符") || !strings.Contains(s, "通过") {
		t.Errorf("the checks with the statement: %q", s)
	}
	ctx, scancel := stepCtx()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	scancel()
	if err != nil {
		failed("screenshot the reconciliation", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "web-batch.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}

	do("close February", chromedp.Click(chromedp.CSS("form.batch-close button")), chromedp.WaitVisible(chromedp.CSS(".batch-closed")))
	if s := text("February closed", ".batch-closed"); !strings.Contains(s, "2020年2月已结账") || !strings.Contains(s, "孙立新") {
		t.Errorf("February closed: %s", s)
	}
	if st := e.periodStatus(2020, 2); st.Status != "closed" || st.ClosedBy != "sunlixin" {
		t.Errorf("February after the close: %+v", st)
	}

	do("close March", chromedp.Navigate(base+"/batch?period=2020-03"), chromedp.WaitVisible(chromedp.CSS("form.batch-close")),
		chromedp.Click(chromedp.CSS("form.batch-close input[name=without_statement]")),
		chromedp.SendKeys(chromedp.CSS("form.batch-close textarea[name=reason]"), "三月对账单未到"),
		chromedp.Click(chromedp.CSS("form.batch-close button")), chromedp.WaitVisible(chromedp.CSS(".batch-refusal")))
	if s := text("March's refusal", ".batch-refusal"); !strings.Contains(s, "未结账") || !strings.Contains(s, "无未整改的高风险异常") {
		t.Errorf("March's refusal: %s", s)
	}
	if s := text("March's HIGH findings", "table.batch-high tbody"); !strings.Contains(s, fmt.Sprint(f.ID)) || !strings.Contains(s, f.Rule) {
		t.Errorf("March's open HIGH findings lack %d %s:\n%s", f.ID, f.Rule, s)
	}
	if st := e.periodStatus(2020, 3); st.Status != "open" {
		t.Errorf("March is %s after a refused close", st.Status)
	}
}
