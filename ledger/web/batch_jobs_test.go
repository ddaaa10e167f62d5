package web

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/recon"
)

// TestBatchJobsOneRunPerBook: while a run of a book works, a second run of
// that book is refused with in_progress (another book's is not); a run is
// seen only by the user who started it; its progress and result are kept.
func TestBatchJobsOneRunPerBook(t *testing.T) {
	js := newBatchJobs()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	p, err := ledger.ParsePeriod("2020-02")
	if err != nil {
		t.Fatal(err)
	}
	admin := &ledger.User{Name: "sunlixin", Book: "FY-DFZH"}
	release := make(chan struct{})
	stepped := make(chan struct{})
	j, err := js.start(admin, p, jobPreview, log, func(ctx context.Context, progress func(string, int, int)) (*recon.ReconcileResult, error) {
		progress("conservation", 5, 12)
		close(stepped)
		<-release
		return &recon.ReconcileResult{ReconcileSummary: recon.ReconcileSummary{Period: "2020-02", Status: recon.StatusClean}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	<-stepped
	if st := j.state(); st.Finished || st.Done != 5 || st.Total != 12 || st.Step != "核对专项党费资金守恒" || st.Percent != 41 {
		t.Errorf("a running run's state: %+v", st)
	}
	nop := func(context.Context, func(string, int, int)) (*recon.ReconcileResult, error) { return nil, nil }
	if _, err := js.start(&ledger.User{Name: "other", Book: "FY-DFZH"}, p, jobClose, log, nop); ledger.ErrorCode(err) != ledger.EInProgress {
		t.Errorf("a second run of the book: %v, want in_progress", err)
	}
	if _, err := js.start(&ledger.User{Name: "x", Book: "OTHER"}, p, jobPreview, log, nop); err != nil {
		t.Errorf("a run of another book: %v", err)
	}
	if js.get(j.id, &ledger.User{Name: "fengqing", Book: "FY-DFZH"}) != nil || js.get(j.id, &ledger.User{Name: "sunlixin", Book: "OTHER"}) != nil {
		t.Error("another user sees the run")
	}
	if js.get(j.id, admin) != j {
		t.Error("the user who started the run does not see it")
	}
	close(release)
	deadline := time.Now().Add(10 * time.Second)
	for !j.state().Finished {
		if time.Now().After(deadline) {
			t.Fatal("the run did not end")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if res, err := j.outcome(); err != nil || res == nil || res.Status != recon.StatusClean {
		t.Errorf("the run's outcome: %+v, %v", res, err)
	}
	if st := j.state(); st.Percent != 100 {
		t.Errorf("an ended run's state: %+v", st)
	}
	if _, err := js.start(admin, p, jobClose, log, nop); err != nil {
		t.Errorf("a run after the first ended: %v", err)
	}
}
