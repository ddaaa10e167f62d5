package web_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// headless is the Chromium tab a browser test drives: each step has its own
// deadline of 90 s (the machine may be busy) and the tab outlives a step
// that ran out, so a failed step saves a screenshot of the page (failure)
// and ends the test.
type headless struct {
	t       *testing.T
	tab     context.Context
	failure string
}

// newHeadless starts exe (chromium) at 1280 px in Chinese, on the tab's
// own context (a browser started by a step would end with the step); its
// failure screenshot is dir/name-failure.png. It ends with the test.
func newHeadless(t *testing.T, exe, dir, name string) *headless {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900), chromedp.Flag("lang", "zh-CN"))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	tab, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(cancelTab)
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return &headless{t: t, tab: tab, failure: filepath.Join(dir, name+"-failure.png")}
}

// step is the context of one step.
func (h *headless) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(h.tab, 90*time.Second)
}

// failed saves a screenshot of the page and fails the test.
func (h *headless) failed(what string, err error) {
	h.t.Helper()
	sctx, cancel := context.WithTimeout(h.tab, 20*time.Second)
	defer cancel()
	if png, serr := chromedp.Run(sctx, chromedp.FullScreenshot(100)); serr == nil {
		os.WriteFile(h.failure, png, 0o644)
	}
	h.t.Fatalf("%s: %v (screenshot %s)", what, err, h.failure)
}

// do runs steps as one step named what.
func (h *headless) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	h.t.Helper()
	ctx, cancel := h.step()
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		h.failed(what, err)
	}
}

// pdfText prints the page to PDF as Chromium does (the page's CSS sizes),
// keeps it at path and returns its text (pdftotext -layout).
func (h *headless) pdfText(path string) string {
	h.t.Helper()
	ctx, cancel := h.step()
	defer cancel()
	pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPreferCSSPageSize()))
	if err != nil {
		h.failed("print to PDF", err)
	}
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		h.t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		h.t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// submit clicks sel, which loads a page, and fails unless it answers 200.
func (h *headless) submit(what, sel string) {
	h.t.Helper()
	ctx, cancel := h.step()
	defer cancel()
	res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		h.failed(what, err)
	}
	if res.Status != 200 {
		h.failed(what, fmt.Errorf("status %d", res.Status))
	}
}

// text is the text of the element sel.
func (h *headless) text(what, sel string) string {
	h.t.Helper()
	ctx, cancel := h.step()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		h.failed(what, err)
	}
	return s
}
