// Package workbook writes the ledger's Excel workbooks to files: the audit
// workbook (or one of its tables) of `ledger report` and the demo, and the
// reconciliation workbook of `ledger reconcile --out` and the demo's
// February batch. Each file is written under a temporary name in its
// directory and renamed into place once complete, so a killed run never
// leaves half a workbook.
package workbook

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/recon"
	"github.com/fenyang/partyfee/ledger/report"
	"github.com/fenyang/partyfee/reports"
)

// AuditRequest is one audit workbook to write.
type AuditRequest struct {
	Book   string
	Period ledger.PeriodRange
	Org    string
	Sheet  string // "audit" for the whole workbook, else a sheet name or alias
	Out    string
	Actor  string // the acting user, or system
	// Preparer is printed as 制表人 (report.preparer, or a name the caller
	// chose); empty: the acting user's full name.
	Preparer string
	// Reviewer is printed as 审核人 (report.reviewer); empty: a line to
	// sign on, never the book's checker, whose work the workbook examines.
	Reviewer string
	// Signatures are the names of the signature block (report.signatures).
	Signatures report.Signatures
	// TimeZone is the book's zone for printed times; nil: Asia/Shanghai.
	TimeZone *time.Location
	// Source is where the data is read from when a replica is configured
	// (printed on the cover); nil without one.
	Source *report.ReadSource
	// Options pass further options to AuditData (e.g. the bank
	// reconciliation of a batch just run, for T9).
	Options []postgres.AuditOption
}

// AuditResult is what was written.
type AuditResult struct {
	File    string            `json:"file"`
	Period  string            `json:"period"`
	Org     string            `json:"org,omitempty"`
	Sheet   string            `json:"sheet,omitempty"`
	Sheets  []SheetRows       `json:"sheets,omitempty"`
	Totals  map[string]string `json:"totals,omitempty"`
	Checks  []Check           `json:"checks,omitempty"`
	Seal    string            `json:"seal,omitempty"`
	Summary reports.Summary   `json:"-"`
}

// Check is one cross-sheet check of the workbook.
type Check struct {
	Name  string       `json:"name"`
	Left  ledger.Money `json:"left"`
	Right ledger.Money `json:"right"`
	OK    bool         `json:"ok"`
}

// SheetRows counts the rows of one sheet.
type SheetRows struct {
	Name string `json:"name"`
	Rows int    `json:"rows"`
}

// totalsJSON names the control totals for --json (amounts as strings).
func totalsJSON(t reports.Totals) map[string]string {
	return map[string]string{
		"opening": t.Opening.String(), "income": t.Income.String(), "upper": t.Upper.String(), "matching": t.Matching.String(),
		"allocated_in": t.AllocatedIn.String(), "recovered": t.Recovered.String(), "allocated_out": t.AllocatedOut.String(),
		"used": t.Used.String(), "returned": t.Returned.String(), "closing": t.Closing.String(),
		"received": t.Received.String(), "allocated": t.Allocated.String(), "spent": t.Spent.String(),
		"by_purpose": t.ByPurpose.String(), "branch_in": t.BranchIn.String(), "branch_used": t.BranchUsed.String(),
		"beneficiary": t.Beneficiary.String(), "debit": t.Debit.String(), "credit": t.Credit.String(),
	}
}

// WriteAudit reads the period's tables and writes the workbook (or one
// table) to req.Out through a temporary file in the same directory,
// renamed into place once complete. A user with a scope reports on their
// scope and is refused outside it.
func WriteAudit(ctx context.Context, db *postgres.DB, req AuditRequest) (*AuditResult, error) {
	org := req.Org
	if req.Actor != ledger.SystemUser {
		u, err := db.LoadUser(ctx, req.Book, req.Actor)
		if err != nil {
			return nil, err
		}
		if u.Scope != "" {
			b, err := db.LoadBooks(ctx, req.Book)
			if err != nil {
				return nil, err
			}
			if org == "" {
				org = u.Scope
			} else if b.Orgs[org] != nil && !b.InScope(u.Scope, org) {
				return nil, ledger.Errorf(ledger.EForbidden, "org", "%s may report on %s and its subtree only, not %s", u.Name, u.Scope, org)
			}
		}
	}
	d, closeData, err := db.AuditData(ctx, req.Book, req.Period, org, req.Options...)
	if err != nil {
		return nil, err
	}
	defer closeData()
	d.GeneratedAt = db.Now()
	d.GeneratedBy = req.Actor
	d.Source = req.Source
	d.Preparer = strings.TrimSpace(req.Preparer)
	if d.Preparer == "" {
		d.Preparer = req.Actor
		if req.Actor != ledger.SystemUser {
			if u, err := db.LoadUser(ctx, req.Book, req.Actor); err == nil && u.FullName != "" {
				d.Preparer = u.FullName
			}
		}
	}
	d.Reviewer = strings.TrimSpace(req.Reviewer)
	d.Signatures = req.Signatures
	d.TimeZone = req.TimeZone
	res := &AuditResult{File: req.Out, Period: req.Period.Label(), Org: org, Seal: d.PeriodSeal}
	err = WriteFile(req.Out, func(f io.Writer) error {
		w := bufio.NewWriterSize(f, 1<<20)
		if req.Sheet == "audit" {
			sum, err := reports.WriteAudit(w, d, reports.Options{})
			if err != nil {
				return err
			}
			res.Summary = sum
			for _, s := range sum.Sheets {
				res.Sheets = append(res.Sheets, SheetRows{s.Name, s.Rows})
			}
			res.Totals = totalsJSON(sum.Totals)
			for _, c := range sum.Checks {
				res.Checks = append(res.Checks, Check{c.Name, c.Left, c.Right, c.OK})
			}
		} else {
			res.Sheet, _ = reports.SheetName(req.Sheet)
			if err := reports.WriteSheet(w, d, req.Sheet, reports.Options{}); err != nil {
				return err
			}
		}
		if err := w.Flush(); err != nil {
			return err
		}
		// The rows streamed from the database: a failure of the read
		// shows only when it is closed.
		return closeData()
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// WriteReconcile writes the reconciliation workbook of a batch result to
// path; preparer and reviewer are report.preparer and report.reviewer.
func WriteReconcile(ctx context.Context, db *postgres.DB, res *recon.ReconcileResult, path, preparer, reviewer string) error {
	b, err := db.LoadBooks(ctx, res.Book)
	if err != nil {
		return err
	}
	d := recon.ReconcileWorkbookData(res, b, db.Now(), ledger.SystemUser, preparer, reviewer)
	return WriteFile(path, func(f io.Writer) error { return reports.WriteReconcile(f, d) })
}

// WriteFile has write fill a temporary file next to path, syncs it and
// renames it into place, so a reader sees the whole file or none; on any
// error the temporary file is removed.
func WriteFile(path string, write func(w io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// GCPercent is the garbage collector's target while a workbook is
// written: the rows stream through and almost all that is allocated per
// row is garbage at once, so collecting at half the default growth keeps
// the peak memory of a million-row table flat for a few per cent of CPU
// (BENCHMARKS.md, "workbook"). A GOGC set in the environment wins.
const GCPercent = 50

// LowerGC sets GCPercent unless GOGC is set and returns the function that
// restores the previous setting.
func LowerGC() func() {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	prev := debug.SetGCPercent(GCPercent)
	return func() { debug.SetGCPercent(prev) }
}
