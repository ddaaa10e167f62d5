package httpapi

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/recon"
	"github.com/fenyang/partyfee/reports"
)

// The monthly batch and the audit workbook: reconciliation runs (SPEC §7),
// the periods with their state, re-opening a month, and the workbook of
// SPEC §6 streamed as .xlsx.

func (s *Server) registerBatch() {
	get := func(pattern string, h readFunc) { s.handle(Route{Method: http.MethodGet, Pattern: pattern}, s.read(h)) }
	post := func(pattern string, h writeFunc) {
		s.handle(Route{Method: http.MethodPost, Pattern: pattern, Write: true}, s.write(h))
	}
	post("/api/v1/reconcile-runs", s.reconcileRun)
	get("/api/v1/periods", s.periods)
	post("/api/v1/periods/{period}/reopen", s.reopenPeriod)
	s.handle(Route{Method: http.MethodGet, Pattern: "/api/v1/reports/audit"}, s.auditReport)
}

type reconcileBody struct {
	Period string `json:"period"`
	Close  bool   `json:"close"`
	// WithoutBankStatement and Reason close a month whose bank account
	// moved without a reconciled bank statement.
	WithoutBankStatement bool   `json:"without_bank_statement"`
	Reason               string `json:"reason"`
}

// withoutStatement is the reason a close goes without a bank statement, ""
// unless the body asks for one.
func (b *reconcileBody) withoutStatement() string {
	if !b.WithoutBankStatement {
		return ""
	}
	return b.Reason
}

type checkView struct {
	Name  string `json:"name"`
	Title string `json:"title"`
	Ran   bool   `json:"ran"`
	Count int    `json:"count"`
	Note  string `json:"note,omitempty"`
}

type reconcileAnswer struct {
	recon.ReconcileSummary
	Checks        []checkView `json:"checks"`
	Vouchers      int         `json:"vouchers"`
	PeriodStatus  string      `json:"period_status"`
	Closed        bool        `json:"closed"`
	AlreadyClosed bool        `json:"already_closed"`
	Seal          string      `json:"seal,omitempty"`
}

// reconcileRun runs the monthly batch for a month (`ledger reconcile`):
// every invariant as of the month's end, the bank statement stored with
// the month by an earlier run, the audit findings; with close and a clean
// result it closes the month. A run is recorded with the month, so an
// admin of the whole book runs it (and closes); an auditor reads the
// reconciliation workbook instead.
func (s *Server) reconcileRun(c *call) (execFunc, error) {
	if err := ledger.CanRunBatch(c.user, "the reconciliation"); err != nil {
		return nil, err
	}
	var in reconcileBody
	if err := decodeStrict(c.body, &in, "", false); err != nil {
		return nil, err
	}
	if in.Period == "" {
		return nil, ledger.Errorf(ledger.EInvalid, "period", "period is required (YYYY-MM)")
	}
	p, err := ledger.ParsePeriod(in.Period)
	if err != nil {
		return nil, ledger.Errorf(ledger.EInvalid, "period", "%s", ledger.ErrorMessage(err))
	}
	if in.WithoutBankStatement && (!in.Close || strings.TrimSpace(in.Reason) == "") {
		return nil, ledger.Errorf(ledger.EInvalid, "reason", "a close without a bank statement needs close and a reason")
	}
	return func(ctx context.Context, retry bool) (int, any, error) {
		res, err := s.db.Reconcile(ctx, postgres.ReconcileOptions{Book: c.user.Book, Period: p, Close: in.Close, Actor: c.user.Name,
			WithoutStatementReason: in.withoutStatement(),
			WindowDays:             s.opt.ReconcileWindowDays, AuditConfig: s.opt.AuditConfig})
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, newReconcileAnswer(res), nil
	}, nil
}

func (s *Server) periods(c *call) (int, any, error) {
	if _, err := query(c.r); err != nil {
		return 0, nil, err
	}
	ps, err := s.db.Periods(c.r.Context(), c.user.Book)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"periods": ps}, nil
}

type reopenBody struct {
	Reason string `json:"reason"`
}

// reopenPeriod re-opens the latest closed month (反结账): an admin, with a
// reason.
func (s *Server) reopenPeriod(c *call) (execFunc, error) {
	if err := ledger.CanReopenPeriod(c.user); err != nil {
		return nil, err
	}
	p, err := ledger.ParsePeriod(c.r.PathValue("period"))
	if err != nil {
		return nil, ledger.Errorf(ledger.EInvalid, "period", "%s", ledger.ErrorMessage(err))
	}
	var in reopenBody
	if err := decodeStrict(c.body, &in, "", false); err != nil {
		return nil, err
	}
	return func(ctx context.Context, retry bool) (int, any, error) {
		if err := s.db.ReopenPeriod(ctx, c.user.Book, c.user.Name, p, in.Reason); err != nil {
			return 0, nil, err
		}
		ps, err := s.db.Periods(ctx, c.user.Book)
		if err != nil {
			return 0, nil, err
		}
		for _, x := range ps {
			if x.Year == p.From.Year() && x.Month == int(p.From.Month()) {
				return http.StatusOK, x, nil
			}
		}
		return 0, nil, ledger.Errorf(ledger.ENotFound, "period", "period %s is gone", p.Label())
	}, nil
}

// xlsxType is the media type of an Excel workbook.
const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// auditReport streams the audit workbook of a period (SPEC §6), or one of
// its sheets, for the user's scope (or a part of it named by org). Every
// check is made before the first byte; a failure before any byte has left
// (the first 64 KiB are buffered) answers the error with its status, a
// later one aborts the connection (an incomplete transfer the client
// sees), so a client never takes a cut-off file for a whole one.
func (s *Server) auditReport(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	u := ri.user
	q, err := query(r, "period", "org", "sheet")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if q.Get("period") == "" {
		s.writeError(w, r, ledger.Errorf(ledger.EInvalid, "period", "period is required (YYYY-MM, a range or a year)"))
		return
	}
	p, err := ledger.ParsePeriod(q.Get("period"))
	if err != nil {
		s.writeError(w, r, ledger.Errorf(ledger.EInvalid, "period", "%s", ledger.ErrorMessage(err)))
		return
	}
	sheet := ""
	if q.Get("sheet") != "" {
		var ok bool
		if sheet, ok = reports.SheetName(q.Get("sheet")); !ok {
			s.writeError(w, r, ledger.Errorf(ledger.EInvalid, "sheet", "unknown sheet %q", q.Get("sheet")))
			return
		}
	}
	b, err := s.loadBooks(r.Context(), u.Book)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	org, err := scopedOrg(u, b, q.Get("org"), "org")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rdb, src := s.readDB(r.Context())
	d, closeData, err := rdb.AuditData(r.Context(), u.Book, p, org)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer closeData()
	d.GeneratedAt, d.GeneratedBy, d.Source = s.db.Now(), u.Name, src
	d.Preparer = s.opt.ReportPreparer
	if d.Preparer == "" {
		d.Preparer = u.FullName
	}
	if d.Preparer == "" {
		d.Preparer = u.Name
	}
	if s.opt.ReportReviewer != "" {
		d.Reviewer = s.opt.ReportReviewer
	}
	name := "audit-" + strings.ReplaceAll(p.Label(), "..", "_")
	if org != "" {
		name += "-" + org
	}
	w.Header().Set("Content-Type", xlsxType)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.xlsx"`, name))
	// A failure after the first bytes went out can no longer change the
	// status: the response then ends with the trailer ErrorTrailer naming
	// the error's code (the body is a truncated zip no reader opens).
	w.Header().Set("Trailer", ErrorTrailer)
	sent := &sentWriter{w: w, fault: s.workbookFault}
	bw := bufio.NewWriterSize(sent, 1<<16)
	start := time.Now()
	if sheet == "" {
		_, err = reports.WriteAudit(bw, d, reports.Options{})
	} else {
		err = reports.WriteSheet(bw, d, sheet, reports.Options{})
	}
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = closeData()
	}
	if err != nil && sent.n == 0 {
		// Nothing has reached the client: it gets the error and its status.
		w.Header().Del("Content-Type")
		w.Header().Del("Content-Disposition")
		w.Header().Del("Trailer")
		s.writeError(w, r, err)
		return
	}
	if err != nil {
		s.log.Error("audit workbook aborted", "request_id", ri.id, "err", err.Error(), "after", time.Since(start).String(),
			"sent", sent.n)
		_, body := s.errorAnswer(r.Context(), ri, err)
		ri.code = body.Code
		// The chunked body ends normally so that the client reads the
		// trailer rather than a reset connection.
		w.Header().Set(ErrorTrailer, body.Code+"; request_id="+ri.id)
	}
}

// ErrorTrailer is the HTTP trailer that ends a streamed workbook whose
// writing failed after its first bytes were sent: "CODE; request_id=ID".
const ErrorTrailer = "X-Ledger-Error"

// sentWriter counts the bytes that went to the client.
type sentWriter struct {
	w     io.Writer
	n     int64
	fault func(sent int64) error
}

func (s *sentWriter) Write(p []byte) (int, error) {
	if s.fault == nil {
		n, err := s.w.Write(p)
		s.n += int64(n)
		return n, err
	}
	// Under a fault, p goes out in pieces of 16 KiB, each asked for.
	done := 0
	for done < len(p) {
		if err := s.fault(s.n); err != nil {
			return done, err
		}
		n, err := s.w.Write(p[done:min(done+16<<10, len(p))])
		done += n
		s.n += int64(n)
		if err != nil {
			return done, err
		}
	}
	return done, nil
}
