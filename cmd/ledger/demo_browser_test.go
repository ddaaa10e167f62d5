package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres/pgtest"
)

// TestBrowserAuditorOnTheDemo: the auditor's drill-down on the demo's own
// February, served by `ledger serve`: the overview's 本期使用 · 物资采购
// lands on the vouchers whose lines add up to it, counted on request (116
// in the demo, more than a page), and one of them shows its scanned
// original in the page.
func TestBrowserAuditorOnTheDemo(t *testing.T) {
	exe, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("LEDGER_BROWSER_TEST") == "1" {
			t.Fatal("no chromium on PATH: run scripts/install-deps chromium")
		}
		t.Skip("no chromium on PATH (scripts/install-deps chromium installs it)")
	}
	tdb := pgtest.NewDatabase(t)
	if out, errOut, code := runLedgerURL(t, tdb.OwnerURL, "demo", "--out", t.TempDir()); code != 0 {
		t.Fatalf("demo: exit %d\n%s%s", code, out, errOut)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	srv := ledgerCmd(t, []string{"LC_ALL=C.UTF-8"}, "--database-url", tdb.OwnerURL, "serve", "--addr", addr)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		srv.Process.Signal(syscall.SIGTERM)
		srv.Wait()
	})
	base := "http://" + addr
	for i := 0; ; i++ {
		res, err := http.Get(base + "/login")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		if i == 600 {
			t.Fatalf("ledger serve did not answer /login: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900), chromedp.Flag("lang", "zh-CN"), chromedp.Env("LC_ALL=C.UTF-8"))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	tab, cancel := chromedp.NewContext(actx)
	defer cancel()
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	failed := func(what string, err error) {
		t.Helper()
		path := filepath.Join(os.TempDir(), "demo-audit-failure.png")
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
	text := func(what, sel string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(tab, 90*time.Second)
		defer cancel()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			failed(what, err)
		}
		return strings.TrimSpace(s)
	}
	eval := func(what, js string) bool {
		t.Helper()
		ctx, cancel := context.WithTimeout(tab, 90*time.Second)
		defer cancel()
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		if err != nil {
			failed(what, err)
		}
		return ok
	}

	do("sign in", chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("input[name=username]")),
		chromedp.SendKeys(chromedp.CSS("input[name=username]"), "fengqing"), chromedp.SendKeys(chromedp.CSS("input[name=password]"), "demo-auditor-1"),
		chromedp.Click(chromedp.CSS("button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("header.topbar")))
	do("open the overview", chromedp.Navigate(base+"/audit?period=2020-02"), chromedp.WaitVisible(chromedp.CSS("a.figure")))
	const procurement = `table.flows a.figure[href*="purpose=procurement"]`
	figure := text("the figure of 物资采购", procurement)
	do("click 本期使用 · 物资采购", chromedp.Click(chromedp.CSS(procurement)), chromedp.WaitVisible(chromedp.CSS(".drill-count-link")))
	if got := text("the list's sum before counting", ".drill-debit"); got != figure {
		t.Fatalf("the drill-down's lines add up to %s, the overview shows %s", got, figure)
	}
	do("统计张数", chromedp.Click(chromedp.CSS(".drill-count-link")), chromedp.WaitVisible(chromedp.CSS(".drill-count")))
	if got := text("the list's count", ".drill-count"); got != "116" {
		t.Fatalf("the drill-down counts %s vouchers, want the demo's 116", got)
	}
	if got := text("the list's sum", ".drill-debit"); got != figure {
		t.Fatalf("the drill-down's lines add up to %s, the overview shows %s", got, figure)
	}
	// A voucher of the list with its scanned original shown in the page.
	ctx, cancel2 := context.WithTimeout(tab, 90*time.Second)
	links, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('table.vlist tbody tr td:nth-child(2) a')).slice(0, 10).map(a => a.href)`))
	cancel2()
	if err != nil || len(links) == 0 {
		failed("the list's vouchers", fmt.Errorf("%v (%d links)", err, len(links)))
	}
	found := false
	for _, link := range links {
		do("open "+link, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#files-count")))
		if found = eval("its files", `document.querySelectorAll('.files .file-view').length > 0`); found {
			break
		}
	}
	if !found {
		t.Fatal("none of the first ten vouchers behind 物资采购 shows a scanned original")
	}
	loaded := false
	for i := 0; i < 300 && !loaded; i++ {
		if i > 0 {
			time.Sleep(100 * time.Millisecond)
		}
		loaded = eval("the original loaded", `(() => { const fs = Array.from(document.querySelectorAll('.files .file-view')); return fs.length > 0 && fs.every(e => e.tagName !== 'IMG' || (e.complete && e.naturalWidth > 0)); })()`)
	}
	if !loaded {
		t.Fatal("a scanned original did not load in the page")
	}
	// The A-06 search: the duplicated person's whole ID number finds the
	// two condolence payments of two branches, masked.
	conn, err := pgx.Connect(context.Background(), tdb.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var idNumber string
	if err := conn.QueryRow(context.Background(), `SELECT id_number FROM voucher_beneficiaries WHERE id_number <> ''
		GROUP BY id_number HAVING count(*) = 2 AND sum(amount_fen) = 70000`).Scan(&idNumber); err != nil {
		t.Fatalf("the demo's A-06 person: %v", err)
	}
	do("search the ID number", chromedp.Navigate(base+"/audit/search"), chromedp.WaitVisible(chromedp.CSS("input[name=q]")),
		chromedp.SendKeys(chromedp.CSS("input[name=q]"), idNumber), chromedp.Click(chromedp.CSS(`form[action="/audit/search"] button`)),
		chromedp.WaitVisible(chromedp.CSS("main table tbody")))
	rows := text("the search's results", "main table tbody")
	if strings.Contains(rows, idNumber) || !strings.Contains(rows, ledger.MaskID(idNumber)) || text("the count", "main > p:not(.saved-queries)") != "共 2 笔" {
		t.Fatalf("the search of the A-06 number:\n%s", rows)
	}
	orgs := 0
	for _, o := range []string{"S340", "西口"} {
		if strings.Contains(rows, o) {
			orgs++
		}
	}
	if orgs != 2 {
		t.Fatalf("the two payments are not of the two branches of A-06:\n%s", rows)
	}
}
