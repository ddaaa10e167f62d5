package web

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/bankstmt"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/recon"
	"github.com/fenyang/partyfee/reports"
)

// 月末结账 /batch: the monthly batch of `ledger reconcile` for an admin of
// the whole book, in the browser. The page shows the month's state (who
// closed it, when, its re-openings); the admin uploads the bank statement
// (stored with the month, as `reconcile --bank-statement` does), previews
// the reconciliation, closes the month (only when clean) and re-opens the
// latest closed month with a reason. Every run goes through the same use
// cases as the CLI and the API (postgres.DB.Reconcile, ReconcilePreview,
// ReopenPeriod), which check the same authorization again. A run works in
// the background (batch_jobs.go): the page shows its progress, polled by
// static/batch.js, and then its result. Auditors and admins of the whole
// book read the page and download the reconciliation workbook; a user of
// one branch sees the month's state only, and every act is refused.

// BatchOptions configure the month end; the caller resolves them from its
// configuration (reconcile.*, report.*).
type BatchOptions struct {
	// Layouts read uploaded bank statements (configs/bank_layouts.yaml or
	// reconcile.bank_layouts); empty refuses uploads.
	Layouts []bankstmt.Layout
	// WindowDays: outstanding bank items dated within this many days of
	// the month's end are normal (reconcile.window_days); ≤ 0 is SPEC §7's
	// default, 10.
	WindowDays int
}

func (o BatchOptions) windowDays() int {
	if o.WindowDays <= 0 {
		return 10
	}
	return o.WindowDays
}

// statementMaxBytes bounds an uploaded bank statement.
const statementMaxBytes = 16 << 20

// batchRoutes registers the month end's pages.
func (s *Server) batchRoutes() {
	jobs := newBatchJobs()
	with := func(h func(*batchJobs, http.ResponseWriter, *http.Request)) http.Handler {
		return s.auth(func(w http.ResponseWriter, r *http.Request) { h(jobs, w, r) })
	}
	s.mux.Handle("GET /batch", with(s.batchPage))
	s.mux.Handle("GET /batch/jobs/{id}", with(s.batchJobStatus))
	s.mux.Handle("POST /batch/statement", with(s.batchStatement))
	s.mux.Handle("POST /batch/preview", with(s.batchPreview))
	s.mux.Handle("POST /batch/close", with(s.batchClose))
	s.mux.Handle("POST /batch/reopen", s.auth(s.batchReopen))
	s.mux.Handle("GET /batch/workbook", s.auth(s.batchWorkbook))
}

// batchMonth parses the form's period: one month, YYYY-MM; empty is the
// month before today's.
func (s *Server) batchMonth(r *http.Request) (ledger.PeriodRange, error) {
	v := strings.TrimSpace(r.FormValue("period"))
	if v == "" {
		now := ledger.InZone(s.db.Now(), s.opt.TimeZone)
		v = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0).Format("2006-01")
	}
	p, err := ledger.ParsePeriod(v)
	if err != nil {
		return p, ledger.Errorf(ledger.EInvalid, "period", "%s", ledger.ErrorMessage(err))
	}
	if len(p.Months()) != 1 {
		return p, ledger.Errorf(ledger.EInvalid, "period", "the batch reconciles one month (YYYY-MM), not %s", v)
	}
	return p, nil
}

// mayReadBatch refuses a user who may not read the book's month end: an
// auditor or an admin, of the whole book (the reconciliation is the
// book's). A user of one branch passes with wholeBook false and sees the
// month's state only.
func mayReadBatch(u *ledger.User) (wholeBook bool, err error) {
	if err := ledger.CanAudit(u, "open the month end"); err != nil {
		return false, err
	}
	return u.Scope == "", nil
}

// batchPage answers GET /batch?period=[&job=]: the month's state, the
// forms of an admin of the whole book, and the progress or the result of
// a run.
func (s *Server) batchPage(jobs *batchJobs, w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	wholeBook, err := mayReadBatch(rq.user)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var job *batchJob
	if id := r.FormValue("job"); id != "" {
		job = jobs.get(id, rq.user)
	}
	p, err := s.batchMonth(r)
	if job != nil {
		p = job.period
		err = nil
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.batchData(r.Context(), rq, p, wholeBook)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	status := http.StatusOK
	switch {
	case r.FormValue("job") != "" && job == nil:
		d.JobGone = true
	case job != nil:
		st := job.state()
		d.Job, d.JobID, d.JobKind = &st, job.id, jobKindName(job.kind)
		d.JobPage = "/batch?" + url.Values{"period": {job.period.Label()}, "job": {job.id}}.Encode()
		if st.Finished {
			d.Result, status = s.batchResult(rq, job)
		}
	}
	notice := ""
	switch r.FormValue("done") {
	case "reopen":
		notice = fmt.Sprintf("%s已反结账", d.MonthLabel)
	}
	s.render(w, r, status, "batch", page{Title: "月末结账", Menu: "batch", Notice: notice, Data: d})
}

// batchData reads the month's state for the page.
func (s *Server) batchData(ctx context.Context, rq *request, p ledger.PeriodRange, wholeBook bool) (*batchData, error) {
	u := rq.user
	year, month := p.From.Year(), int(p.From.Month())
	d := &batchData{Period: p.Label(), MonthLabel: fmt.Sprintf("%d年%d月", year, month), WholeBook: wholeBook, Status: "open",
		Prev: p.From.AddDate(0, -1, 0).Format("2006-01"), Next: p.From.AddDate(0, 1, 0).Format("2006-01"),
		WindowDays: s.opt.Batch.windowDays()}
	d.CanAct = ledger.CanActBookWide(u, "run the month end") == nil
	ps, err := s.db.Periods(ctx, u.Book)
	if err != nil {
		return nil, err
	}
	latest := ""
	for _, x := range ps {
		if x.Year == year && x.Month == month {
			d.Status, d.ClosedAt, d.ClosedBy, d.Seal, d.Vouchers = x.Status, x.ClosedAt, x.ClosedBy, x.Seal, x.Vouchers
		}
		if x.Status == "closed" {
			latest = fmt.Sprintf("%04d-%02d", x.Year, x.Month)
		}
	}
	d.Latest = latest
	d.ClosedBy = batchPerson(rq.view, d.ClosedBy)
	d.CanClose = d.CanAct && d.Status != "closed"
	d.CanReopen = d.CanAct && d.Status == "closed" && latest == d.Period
	evs, err := s.db.PeriodEvents(ctx, u.Book)
	if err != nil {
		return nil, err
	}
	for _, e := range evs {
		if e.Year == year && e.Month == month {
			d.Events = append(d.Events, batchEvent{Action: periodAction(e.Action), Actor: batchPerson(rq.view, e.Actor), Reason: e.Reason, At: e.At})
		}
	}
	slices.Reverse(d.Events)
	if wholeBook {
		me, err := s.db.MonthEnd(ctx, u.Book, year, month)
		if err != nil {
			return nil, err
		}
		d.Records = &me
		if me.LastRun != nil {
			d.LastRunBy = batchPerson(rq.view, me.LastRun.By)
		}
	}
	for _, l := range s.opt.Batch.Layouts {
		d.Layouts = append(d.Layouts, batchLayout{Name: l.Name, Title: layoutTitle(l), Description: cmp.Or(l.Description, l.Name)})
	}
	d.CanUpload = d.CanAct && d.Status != "closed" && len(d.Layouts) > 0
	return d, nil
}

// layoutTitle is a layout's name for the select: its description when it
// has one.
func layoutTitle(l bankstmt.Layout) string {
	if l.Description != "" {
		return l.Description + "（" + l.Name + "）"
	}
	return l.Name
}

// batchActor refuses a user who may not run the month end: an admin of
// the whole book (the use cases check it again).
func batchActor(u *ledger.User, what ledger.Phrase) error {
	return ledger.CanActBookWide(u, what)
}

// startJob starts run in the background for the month and sends the
// browser to the page that shows its progress.
func (s *Server) startJob(jobs *batchJobs, w http.ResponseWriter, r *http.Request, p ledger.PeriodRange, kind string,
	run func(ctx context.Context, progress func(step string, done, total int)) (*recon.ReconcileResult, error)) {
	rq := current(r)
	job, err := jobs.start(rq.user, p, kind, s.log, run)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/batch?"+url.Values{"period": {p.Label()}, "job": {job.id}}.Encode(), http.StatusSeeOther)
}

func (s *Server) reconcileOptions(u *ledger.User, p ledger.PeriodRange) postgres.ReconcileOptions {
	return postgres.ReconcileOptions{Book: u.Book, Period: p, Layouts: s.opt.Batch.Layouts, WindowDays: s.opt.Batch.windowDays(),
		AuditConfig: s.opt.AuditConfig}
}

// batchStatement answers POST /batch/statement (multipart: period, layout,
// file): the bank statement (CSV in UTF-8 or GBK, or XLSX) read in the
// layout chosen (or detected from its header row), then a run of the batch
// without close that stores it with the month — `ledger reconcile
// --bank-statement FILE`. A file in no layout, or with a bad row, is
// refused before anything runs.
func (s *Server) batchStatement(jobs *batchJobs, w http.ResponseWriter, r *http.Request) {
	u := current(r).user
	if err := batchActor(u, "upload the bank statement"); err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.batchMonth(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	layouts, err := s.batchLayouts(r.FormValue("layout"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name, data, err := statementFile(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, _, err := bankstmt.Parse(bytes.NewReader(data), name, layouts); err != nil {
		s.fail(w, r, err)
		return
	}
	opt := s.reconcileOptions(u, p)
	opt.Actor, opt.Layouts = u.Name, layouts
	opt.Statement = &postgres.StatementFile{Name: name, Data: data}
	s.startJob(jobs, w, r, p, jobStatement, func(ctx context.Context, progress func(string, int, int)) (*recon.ReconcileResult, error) {
		opt.Progress = progress
		return s.db.Reconcile(ctx, opt)
	})
}

// batchLayouts returns the configured layouts, or the one named.
func (s *Server) batchLayouts(name string) ([]bankstmt.Layout, error) {
	all := s.opt.Batch.Layouts
	if len(all) == 0 {
		return nil, ledger.Errorf(ledger.EInvalid, "layout", "no bank statement layout is configured (reconcile.bank_layouts)")
	}
	if name == "" {
		return all, nil
	}
	var known []string
	for _, l := range all {
		if l.Name == name {
			return []bankstmt.Layout{l}, nil
		}
		known = append(known, l.Name)
	}
	return nil, ledger.Errorf(ledger.EInvalid, "layout", "unknown bank statement layout %q (known: %v)", name, known)
}

// statementFile reads the form part "file", at most statementMaxBytes.
func statementFile(r *http.Request) (string, []byte, error) {
	f, h, err := r.FormFile("file")
	if errors.Is(err, http.ErrMissingFile) || err == nil && h.Size == 0 {
		return "", nil, ledger.Errorf(ledger.EInvalid, "file", "choose the bank statement file")
	}
	if err != nil {
		return "", nil, ledger.Errorf(ledger.EInvalid, "file", "the upload is not a form with a file: %v", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, statementMaxBytes+1))
	if err != nil {
		return "", nil, err
	}
	if len(data) > statementMaxBytes {
		return "", nil, ledger.Errorf(ledger.ETooLarge, "file", "the bank statement is larger than %d MiB", statementMaxBytes>>20)
	}
	return h.Filename, data, nil
}

// batchPreview answers POST /batch/preview: the month's reconciliation
// with the statement stored with it, evaluated and shown, recording no run
// (the read of the reconciliation workbook).
func (s *Server) batchPreview(jobs *batchJobs, w http.ResponseWriter, r *http.Request) {
	u := current(r).user
	if err := batchActor(u, "preview the reconciliation"); err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.batchMonth(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	opt := s.reconcileOptions(u, p)
	s.startJob(jobs, w, r, p, jobPreview, func(ctx context.Context, progress func(string, int, int)) (*recon.ReconcileResult, error) {
		opt.Progress = progress
		return s.db.ReconcilePreview(ctx, opt)
	})
}

// batchClose answers POST /batch/close (period; without_statement and
// reason): the batch with close, as `ledger reconcile --close [--without-bank-statement --reason TEXT]`;
// the month closes only when every check passes.
func (s *Server) batchClose(jobs *batchJobs, w http.ResponseWriter, r *http.Request) {
	u := current(r).user
	if err := batchActor(u, "close a month"); err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.batchMonth(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	opt := s.reconcileOptions(u, p)
	opt.Close, opt.Actor = true, u.Name
	if without, _ := strconv.ParseBool(r.FormValue("without_statement")); without || r.FormValue("without_statement") == "on" {
		reason := strings.TrimSpace(r.FormValue("reason"))
		if reason == "" {
			s.fail(w, r, ledger.Errorf(ledger.EInvalid, "reason", "a close without a bank statement needs the reason"))
			return
		}
		if err := ledger.CheckText("reason", reason, true); err != nil {
			s.fail(w, r, err)
			return
		}
		opt.WithoutStatementReason = reason
	}
	s.startJob(jobs, w, r, p, jobClose, func(ctx context.Context, progress func(string, int, int)) (*recon.ReconcileResult, error) {
		opt.Progress = progress
		return s.db.Reconcile(ctx, opt)
	})
}

// batchReopen answers POST /batch/reopen (period, reason): 反结账 of the
// book's latest closed month, by an admin of the whole book, with the
// reason (`ledger period reopen`).
func (s *Server) batchReopen(w http.ResponseWriter, r *http.Request) {
	u := current(r).user
	if err := ledger.CanReopenPeriod(u); err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.batchMonth(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reason := strings.TrimSpace(r.FormValue("reason"))
	if reason == "" {
		s.fail(w, r, ledger.Errorf(ledger.EInvalid, "reason", "re-opening a month needs the reason"))
		return
	}
	if err := s.db.ReopenPeriod(r.Context(), u.Book, u.Name, p, reason); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/batch?"+url.Values{"period": {p.Label()}, "done": {"reopen"}}.Encode(), http.StatusSeeOther)
}

// batchJobStatus answers GET /batch/jobs/{id} with the run's progress as
// JSON, for static/batch.js: {"finished", "step", "done", "total",
// "page"}. Only the user who started the run sees it.
func (s *Server) batchJobStatus(jobs *batchJobs, w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	job := jobs.get(r.PathValue("id"), current(r).user)
	if job == nil {
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"error":"not_found"}`)
		return
	}
	st := job.state()
	json.NewEncoder(w).Encode(map[string]any{"finished": st.Finished, "step": st.Step, "done": st.Done, "total": st.Total,
		"page": "/batch?" + url.Values{"period": {job.period.Label()}, "job": {job.id}}.Encode()})
}

// batchWorkbook answers GET /batch/workbook?period=: the reconciliation
// workbook of the month (the API's GET /api/v1/reports/reconcile): the
// batch evaluated as a run without close would, recording no run, for an
// auditor or an admin of the whole book.
func (s *Server) batchWorkbook(w http.ResponseWriter, r *http.Request) {
	rq := current(r)
	u := rq.user
	wholeBook, err := mayReadBatch(u)
	if err == nil && !wholeBook {
		err = ledger.Errorf(ledger.EForbidden, "user", "%s may act only within %s; %s covers the whole book", u.Name, u.Scope, ledger.Phrase("the reconciliation workbook"))
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.batchMonth(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := s.db.ReconcilePreview(r.Context(), s.reconcileOptions(u, p))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	preparer := s.opt.ReportPreparer
	if preparer == "" {
		preparer = u.FullName
	}
	d := recon.ReconcileWorkbookData(res, rq.books, s.db.Now(), u.Name, preparer, s.opt.ReportReviewer)
	var buf bytes.Buffer
	if err := reports.WriteReconcile(&buf, d); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="reconcile-%s.xlsx"`, res.Period))
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Write(buf.Bytes())
}
