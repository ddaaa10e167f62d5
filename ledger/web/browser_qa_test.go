package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fenyang/partyfee/ledger"
)

// In the grid, a code typed in the account picker gets its name beside it
// as it is typed, and a new line starts without the names of the last.
func TestBrowserQAGridNamesCodes(t *testing.T) {
	exe := chromium(t)
	e := newEnv(t)
	dir := shots(t)
	b, err := e.db.LoadBooks(context.Background(), book)
	if err != nil {
		t.Fatal(err)
	}
	want := b.Chart[ledger.AcctCondolence].Name
	h := newHeadless(t, exe, dir, "qa")
	tab, failed, do := h.tab, h.failed, h.do
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
	base := e.ts.URL
	do("sign in", chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("input[name=username]")),
		chromedp.SendKeys(chromedp.CSS("input[name=username]"), "cp01officer"),
		chromedp.SendKeys(chromedp.CSS("input[name=password]"), passwords["cp01officer"]),
		chromedp.Click(chromedp.CSS("button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("header.topbar")))
	do("open 凭证录入", chromedp.Navigate(base+"/vouchers/new?flow=spend"), chromedp.WaitVisible(chromedp.CSS("#lines")))
	sel := "#lines tr.line:nth-of-type(3) .code-name"
	if got := text(sel); got != "" {
		t.Errorf("a blank line names %q", got)
	}
	do("type an account", chromedp.SendKeys(chromedp.CSS("#lines tr.line:nth-of-type(3) .account"), ledger.AcctCondolence))
	if got := text(sel); got != want {
		t.Errorf("account %s is named %q beside it, want %q", ledger.AcctCondolence, got, want)
	}
}
