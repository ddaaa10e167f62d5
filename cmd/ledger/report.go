package main

import (
	"time"

	"bufio"
	"context"
	"fmt"
	"github.com/fenyang/partyfee/ledger/report"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/reports"
)

func init() {
	commandRegistry = append(commandRegistry, func(a *app) []*cobra.Command { return []*cobra.Command{a.reportCommand()} })
}

func (a *app) reportCommand() *cobra.Command {
	var period, org, out string
	c := &cobra.Command{
		Use:   "report audit|NAME --period PERIOD [--org CODE] [--out FILE.xlsx]",
		Short: "Write the audit workbook (审计报表), or one of its tables alone",
		Long: `report writes the discipline-inspection auditors' Excel workbook of a period (SPEC §6): the cover,
T1 收支总表 … T9 余额调节表, 科目余额表, 试算平衡表, 明细账, 银行存款日记账 and 凭证清单. "report audit"
writes them all; "report NAME" writes one table alone, NAME being a sheet name or one of
` + strings.Join(reports.SheetAliases(), ", ") + `.

The period is a month (2020-02), a range of months (2020-02..2020-03) or a year (2020). --org restricts
the report to an organisation's subtree. Tables count posted vouchers only (red reversals negative);
凭证清单 lists every voucher of the period in every state. 制表人/审核人 come from report.preparer and
report.reviewer (default: the acting user and the book's checker). The file is written whole or not at all.`,
		Example: `  ledger report audit --period 2020-02 --out audit-2020-02.xlsx
  ledger report audit --period 2020-02..2020-03 --org FY-CP-01 --out cp01.xlsx
  ledger report t1 --period 2020 --out t1-2020.xlsx
  ledger report 凭证清单 --period 2020-02 --out vouchers.xlsx --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if name != "audit" {
				if _, ok := reports.SheetName(name); !ok {
					return usagef("unknown report %q: audit, or one of %s", name, strings.Join(reports.SheetAliases(), ", "))
				}
			}
			if period == "" {
				return usagef("--period is required (2020-02, 2020-02..2020-03 or 2020)")
			}
			p, err := ledger.ParsePeriod(period)
			if err != nil {
				return err
			}
			if out == "" {
				out = fmt.Sprintf("%s-%s.xlsx", name, strings.ReplaceAll(p.Label(), "..", "_"))
			}
			defer reportMemory()()
			db, err := a.openDB(cmd.Context())
			if err != nil {
				return err
			}
			actor := strings.TrimSpace(a.v.GetString("user"))
			if actor == "" {
				actor = ledger.SystemUser
			}
			res, err := writeAuditReport(cmd.Context(), a, db, reportRequest{Book: a.book(), Period: p, Org: org, Sheet: name, Out: out, Actor: actor})
			if err != nil {
				return err
			}
			return a.printReport(res)
		},
	}
	c.Flags().StringVar(&period, "period", "", "month YYYY-MM, range YYYY-MM..YYYY-MM or year YYYY (required)")
	c.Flags().StringVar(&org, "org", "", "report on this organisation's subtree only (default: the whole book; a scoped user's scope)")
	c.Flags().StringVar(&out, "out", "", "the .xlsx file to write (default NAME-PERIOD.xlsx)")
	return c
}

// reportRequest is one workbook to write.
type reportRequest struct {
	Book   string
	Period ledger.PeriodRange
	Org    string
	Sheet  string // "audit" for the whole workbook, else a sheet name or alias
	Out    string
	Actor  string // the acting user, or system
	// Preparer overrides report.preparer and its default.
	Preparer string
	// Options pass further options to AuditData (e.g. the bank
	// reconciliation of a batch just run, for T9).
	Options []postgres.AuditOption
}

// reportResult is what was written.
type reportResult struct {
	File    string            `json:"file"`
	Period  string            `json:"period"`
	Org     string            `json:"org,omitempty"`
	Sheet   string            `json:"sheet,omitempty"`
	Sheets  []reportSheetRows `json:"sheets,omitempty"`
	Totals  map[string]string `json:"totals,omitempty"`
	Checks  []reportCheck     `json:"checks,omitempty"`
	Seal    string            `json:"seal,omitempty"`
	summary reports.Summary
}

type reportCheck struct {
	Name  string       `json:"name"`
	Left  ledger.Money `json:"left"`
	Right ledger.Money `json:"right"`
	OK    bool         `json:"ok"`
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

type reportSheetRows struct {
	Name string `json:"name"`
	Rows int    `json:"rows"`
}

// writeAuditReport reads the period's tables and writes the workbook (or
// one table) to req.Out through a temporary file in the same directory,
// renamed into place once complete.
func writeAuditReport(ctx context.Context, a *app, db *postgres.DB, req reportRequest) (*reportResult, error) {
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
	d.Preparer = req.Preparer
	if d.Preparer == "" {
		d.Preparer = strings.TrimSpace(a.v.GetString("report.preparer"))
	}
	if d.Preparer == "" {
		d.Preparer = req.Actor
		if req.Actor != ledger.SystemUser {
			if u, err := db.LoadUser(ctx, req.Book, req.Actor); err == nil && u.FullName != "" {
				d.Preparer = u.FullName
			}
		}
	}
	// 审核人 is configured or left blank to sign by hand: the adapter's
	// default, the book's checker, is the person whose work is audited.
	d.Reviewer = strings.TrimSpace(a.v.GetString("report.reviewer"))
	d.Signatures = report.Signatures{
		UnitHead:    strings.TrimSpace(a.v.GetString("report.signatures.unit_head")),
		FinanceHead: strings.TrimSpace(a.v.GetString("report.signatures.finance_head")),
		Reviewer:    strings.TrimSpace(a.v.GetString("report.signatures.reviewer")),
		Preparer:    strings.TrimSpace(a.v.GetString("report.signatures.preparer")),
	}
	if z := strings.TrimSpace(a.v.GetString("report.time_zone")); z != "" {
		if loc, err := time.LoadLocation(z); err == nil {
			d.TimeZone = loc
		}
	}

	dir := filepath.Dir(req.Out)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(req.Out)+".*.tmp")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriterSize(tmp, 1<<20)
	res := &reportResult{File: req.Out, Period: req.Period.Label(), Org: org, Seal: d.PeriodSeal}
	if req.Sheet == "audit" {
		sum, err := reports.WriteAudit(w, d, reports.Options{})
		if err != nil {
			tmp.Close()
			return nil, err
		}
		res.summary = sum
		for _, s := range sum.Sheets {
			res.Sheets = append(res.Sheets, reportSheetRows{s.Name, s.Rows})
		}
		res.Totals = totalsJSON(sum.Totals)
		for _, c := range sum.Checks {
			res.Checks = append(res.Checks, reportCheck{c.Name, c.Left, c.Right, c.OK})
		}
	} else {
		res.Sheet, _ = reports.SheetName(req.Sheet)
		if err := reports.WriteSheet(w, d, req.Sheet, reports.Options{}); err != nil {
			tmp.Close()
			return nil, err
		}
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	if err := closeData(); err != nil {
		return nil, err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp.Name(), req.Out); err != nil {
		return nil, err
	}
	return res, nil
}

func (a *app) printReport(res *reportResult) error {
	if a.jsonOut() {
		return a.printJSON(res)
	}
	fmt.Fprintf(a.stdout, "wrote %s (%s", res.File, res.Period)
	if res.Org != "" {
		fmt.Fprintf(a.stdout, ", %s", res.Org)
	}
	fmt.Fprintln(a.stdout, ")")
	if res.Sheet != "" {
		return nil
	}
	for _, s := range res.Sheets {
		fmt.Fprintf(a.stdout, "  %-16s %8d rows\n", s.Name, s.Rows)
	}
	T := res.summary.Totals
	dx := func(m ledger.Money) string {
		s, err := ledger.ToDaXie(m.Abs())
		if err != nil {
			return ""
		}
		if m.Sign() < 0 {
			return "负" + s
		}
		return s
	}
	fmt.Fprintf(a.stdout, "  本期收入 %s（上级下拨 %s，本级配套 %s）%s\n", T.Income.Format(), T.Upper.Format(), T.Matching.Format(), dx(T.Income))
	fmt.Fprintf(a.stdout, "  本期使用 %s %s\n", T.Used.Format(), dx(T.Used))
	for _, c := range res.Checks {
		mark := "相符"
		if !c.OK {
			mark = "不符"
		}
		fmt.Fprintf(a.stdout, "  %s: %s / %s %s\n", c.Name, c.Left.Format(), c.Right.Format(), mark)
	}
	for _, c := range res.Checks {
		if !c.OK {
			fmt.Fprintf(a.stderr, "warning: cross-sheet check failed: %s (%s ≠ %s)\n", c.Name, c.Left.Format(), c.Right.Format())
		}
	}
	return nil
}

// reportGCPercent is the garbage collector's target while a workbook is
// written: the rows stream through and almost all that is allocated per
// row is garbage at once, so collecting at half the default growth keeps
// the peak memory of a million-row table flat for a few per cent of CPU
// (BENCHMARKS.md, "workbook"). A GOGC set in the environment wins.
const reportGCPercent = 50

// reportMemory sets reportGCPercent unless GOGC is set and returns the
// function that restores the previous setting.
func reportMemory() func() {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	prev := debug.SetGCPercent(reportGCPercent)
	return func() { debug.SetGCPercent(prev) }
}
