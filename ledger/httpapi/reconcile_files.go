package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/bankstmt"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/recon"
	"github.com/fenyang/partyfee/reports"
)

// The files of the monthly batch: a run with an uploaded bank statement
// (the CLI's `reconcile --bank-statement FILE`) and the reconciliation
// workbook (`reconcile --out FILE.xlsx`).

func (s *Server) registerReconcileFiles() {
	s.handle(Route{Method: http.MethodPost, Pattern: "/api/v1/reconcile-runs/statement", Write: true}, s.writeFile(s.reconcileStatementRun))
	s.handle(Route{Method: http.MethodGet, Pattern: "/api/v1/reports/reconcile"}, s.reconcileReport)
}

// mayReconcileBook refuses a user who may not read the batch's workbook
// (an auditor or an admin), or whose scope is not the whole book: the
// statement and the workbook are the book's.
func mayReconcileBook(u *ledger.User, what string) error {
	if err := ledger.CanAudit(u, what); err != nil {
		return err
	}
	if u.Scope != "" {
		return ledger.Errorf(ledger.EForbidden, "user", "%s may act only within %s; %s covers the whole book", u.Name, u.Scope, what)
	}
	return nil
}

// mayRunBatch refuses anyone but an admin of the whole book: a run is
// recorded with the month (with its statement, and the close), a write
// an auditor does not make (SPEC §1: an auditor writes nothing but
// finding states). An auditor reads the workbook instead.
func mayRunBatch(u *ledger.User, what string) error {
	if !u.Has(ledger.RoleAdmin) {
		return ledger.Errorf(ledger.EForbidden, "user",
			"%s may not run %s: the monthly batch is run by an admin of the whole book (an auditor reads its workbook, GET /api/v1/reports/reconcile)", u.Name, what)
	}
	if u.Scope != "" {
		return ledger.Errorf(ledger.EForbidden, "user", "%s may act only within %s; %s covers the whole book", u.Name, u.Scope, what)
	}
	return nil
}

// oneMonth parses the period parameter: one month, YYYY-MM.
func oneMonth(s string) (ledger.PeriodRange, error) {
	if s == "" {
		return ledger.PeriodRange{}, ledger.Errorf(ledger.EInvalid, "period", "period is required (YYYY-MM)")
	}
	p, err := ledger.ParsePeriod(s)
	if err != nil {
		return p, ledger.Errorf(ledger.EInvalid, "period", "%s", ledger.ErrorMessage(err))
	}
	if len(p.Months()) != 1 {
		return p, ledger.Errorf(ledger.EInvalid, "period", "the batch reconciles one month (YYYY-MM), not %s", s)
	}
	return p, nil
}

// layoutsFor returns the configured layouts, or the one named.
func (s *Server) layoutsFor(name string) ([]bankstmt.Layout, error) {
	if name == "" {
		return s.opt.BankLayouts, nil
	}
	var known []string
	for _, l := range s.opt.BankLayouts {
		if l.Name == name {
			return []bankstmt.Layout{l}, nil
		}
		known = append(known, l.Name)
	}
	return nil, ledger.Errorf(ledger.EInvalid, "layout", "unknown bank statement layout %q (known: %v)", name, known)
}

// reconcileStatementRun runs the batch for a month with an uploaded bank
// statement: the body is the file (CSV in UTF-8 or GBK, or XLSX) or the
// part "file" of a multipart form; the query names the month
// (period=YYYY-MM), optionally close=true, the layout (default: detected
// from the header row) and the file's name. The statement is stored with
// the month (the same file again changes nothing) and later runs without
// one reuse it. An admin of the whole book runs it, and closes.
func (s *Server) reconcileStatementRun(c *call, f upload) (execFunc, error) {
	if err := mayRunBatch(c.user, "the reconciliation with a bank statement"); err != nil {
		return nil, err
	}
	q, err := query(c.r, "period", "close", "layout", "filename")
	if err != nil {
		return nil, err
	}
	closeIt := false
	if v := q.Get("close"); v != "" {
		if closeIt, err = strconv.ParseBool(v); err != nil {
			return nil, ledger.Errorf(ledger.EInvalid, "close", "close is true or false, not %q", v)
		}
	}
	p, err := oneMonth(q.Get("period"))
	if err != nil {
		return nil, err
	}
	layouts, err := s.layoutsFor(q.Get("layout"))
	if err != nil {
		return nil, err
	}
	// The file is read before anything is claimed or run: a file in no
	// known layout, or with a bad row, is a 400 naming the row.
	if _, _, err := bankstmt.Parse(bytes.NewReader(f.data), f.name, layouts); err != nil {
		return nil, err
	}
	return func(ctx context.Context, retry bool) (int, any, error) {
		res, err := s.db.Reconcile(ctx, postgres.ReconcileOptions{Book: c.user.Book, Period: p, Close: closeIt, Actor: c.user.Name,
			Statement: &postgres.StatementFile{Name: f.name, Data: f.data}, Layouts: layouts,
			WindowDays: s.opt.ReconcileWindowDays, AuditConfig: s.opt.AuditConfig})
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, newReconcileAnswer(res), nil
	}, nil
}

// statementView describes the statement a run reconciled and its
// 银行存款余额调节表.
type statementView struct {
	Account         string       `json:"account"`
	File            string       `json:"file"`
	Layout          string       `json:"layout"`
	Digest          string       `json:"digest"`
	Lines           int          `json:"lines"`
	Imported        bool         `json:"imported"` // false: the same file was stored before
	Matched         int          `json:"matched"`
	BookBalance     ledger.Money `json:"book_balance"`
	BankBalance     ledger.Money `json:"bank_balance"`
	AdjustedBook    ledger.Money `json:"adjusted_book"`
	AdjustedBank    ledger.Money `json:"adjusted_bank"`
	Balanced        bool         `json:"balanced"`
	OutstandingRows int          `json:"outstanding"` // 未达账项
}

// reconcileFileAnswer is the answer of a run: the batch's summary and
// checks, the statement, and where to get the workbook.
type reconcileFileAnswer struct {
	reconcileAnswer
	Statement *statementView `json:"statement,omitempty"`
	Workbook  string         `json:"workbook"`
}

func newReconcileAnswer(res *recon.ReconcileResult) reconcileFileAnswer {
	ans := reconcileFileAnswer{reconcileAnswer: reconcileAnswer{ReconcileSummary: res.ReconcileSummary, Checks: []checkView{}, Vouchers: res.Vouchers,
		PeriodStatus: res.PeriodStatus, Closed: res.Closed, AlreadyClosed: res.AlreadyClosed, Seal: res.Seal},
		Workbook: "/api/v1/reports/reconcile?period=" + res.Period}
	for _, ch := range res.Checks {
		ans.Checks = append(ans.Checks, checkView{ch.Name, ch.Title, ch.Ran, ch.Count, ch.Note})
	}
	if b := res.Bank; b != nil {
		t := b.Table
		ans.Statement = &statementView{Account: b.Account, File: b.Statement.Filename, Layout: b.Statement.Layout, Digest: b.Statement.Digest,
			Lines: b.Statement.Lines, Imported: b.Statement.Imported, Matched: b.Matched, BookBalance: t.BookBalance, BankBalance: t.BankBalance,
			AdjustedBook: t.AdjustedBook, AdjustedBank: t.AdjustedBank, Balanced: t.Balanced,
			OutstandingRows: len(t.BankReceivedNotBooked) + len(t.BankPaidNotBooked) + len(t.BookedReceivedNotInBank) + len(t.BookedPaidNotInBank)}
	}
	return ans
}

// reconcileReport sends the reconciliation workbook of a month: the
// batch's checks, discrepancies, conservation, trial balance, findings and
// the 银行存款余额调节表 with the statement stored with the month — the
// workbook a run without close makes now. It is a read: it records no run
// and stores nothing (findings new to the month are recorded, as by every
// evaluation of the audit rules). Auditors and admins of the whole book;
// an auditor reads it, an admin runs the batch.
func (s *Server) reconcileReport(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	u := ri.user
	if err := mayReconcileBook(u, "the reconciliation workbook"); err != nil {
		s.writeError(w, r, err)
		return
	}
	q, err := query(r, "period")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := oneMonth(q.Get("period"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.db.ReconcilePreview(r.Context(), postgres.ReconcileOptions{Book: u.Book, Period: p,
		WindowDays: s.opt.ReconcileWindowDays, AuditConfig: s.opt.AuditConfig})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	b, err := s.loadBooks(r.Context(), u.Book)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	preparer := s.opt.ReportPreparer
	if preparer == "" {
		preparer = u.FullName
	}
	d := recon.ReconcileWorkbookData(res, b, s.db.Now(), u.Name, preparer, s.opt.ReportReviewer)
	// The workbook is built in memory (one month's checks, not its
	// journal) so an error is still a JSON answer.
	var buf bytes.Buffer
	if err := reports.WriteReconcile(&buf, d); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", xlsxType)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="reconcile-%s.xlsx"`, res.Period))
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	w.Write(buf.Bytes())
}
