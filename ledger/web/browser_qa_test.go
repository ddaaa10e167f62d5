package web_test

import (
	"context"
	"os"
	"path/filepath"
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
		path := filepath.Join(dir, "qa-failure.png")
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
