package textout

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// terminal returns w as a terminal file, or nil when it is none.
func terminal(w io.Writer) *os.File {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return f
	}
	return nil
}

// ImportProgress counts imported vouchers when w is a terminal; elsewhere
// it is silent (the result line says it all).
func ImportProgress(w io.Writer) (func(int), func()) {
	f := terminal(w)
	if f == nil {
		return nil, func() {}
	}
	bar := progressbar.NewOptions(-1, progressbar.OptionSetWriter(f), progressbar.OptionSetDescription("importing vouchers"),
		progressbar.OptionShowCount(), progressbar.OptionClearOnFinish(), progressbar.OptionSetPredictTime(false))
	return func(n int) { _ = bar.Set(n) }, func() {
		_ = bar.Finish()
		_ = bar.Clear()
	}
}

// ReconcileProgress shows the batch's steps: a progress bar when w is a
// terminal, one quiet log line per step (at level info) otherwise.
func ReconcileProgress(w io.Writer, log *slog.Logger, period string) (func(step string, done, total int), func()) {
	if f := terminal(w); f != nil {
		var bar *progressbar.ProgressBar
		return func(step string, done, total int) {
				if bar == nil {
					bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(f), progressbar.OptionSetWidth(30),
						progressbar.OptionShowCount(), progressbar.OptionClearOnFinish(), progressbar.OptionSetPredictTime(false))
				}
				bar.Describe(fmt.Sprintf("reconcile %s: %-18s", period, step))
				_ = bar.Set(done)
			}, func() {
				if bar != nil {
					_ = bar.Finish()
					_ = bar.Clear()
				}
			}
	}
	started := time.Now()
	return func(step string, done, total int) {
			log.Info("reconcile", "period", period, "step", step, "n", done, "of", total)
		}, func() {
			log.Info("reconcile finished", "period", period, "elapsed", time.Since(started).Round(time.Millisecond))
		}
}
