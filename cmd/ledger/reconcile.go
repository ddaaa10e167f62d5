package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/internal/exit"
	"github.com/fenyang/partyfee/internal/textout"
	"github.com/fenyang/partyfee/internal/workbook"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/bankstmt"
	"github.com/fenyang/partyfee/ledger/i18n"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/recon"
)

func (a *app) reconcileCommand() *cobra.Command {
	var period, statement, out, reason string
	var closePeriod, noStatement bool
	c := &cobra.Command{
		Use:   "reconcile --period YYYY-MM",
		Short: "The monthly batch: check every invariant, reconcile the bank statement, close the month (exit 4 on discrepancies)",
		Long: `reconcile checks one month of the book as of its last day: every voucher balances per fund, voucher numbers
have no gaps (voided numbers are listed), stored balances equal the journal, the special funds are conserved
(income = bank + branches' pending settlement + spending + grants out), no restricted balance goes below zero
at any point in date order, the trial balance balances, 总账 = Σ 明细, the tamper-evidence chain verifies and no
HIGH audit finding is open.

With --bank-statement (CSV in UTF-8 or GBK, or XLSX, in a layout of configs/bank_layouts.yaml or the file named
by reconcile.bank_layouts) it matches the statement against the bank postings and draws up the
银行存款余额调节表; the statement is stored with the month (importing the same file again changes nothing) and
later runs without the flag reuse it. Outstanding items (未达账项) within reconcile.window_days (10) of the month
end are normal; older ones, or adjusted balances that differ, are discrepancies.

With --close and a clean result, and the previous month closed, it closes the month and records who, when, the
summary and the period seal; posting into it then fails with period_closed. Run by a person (--as, an admin of
the whole book) the close records that person, else system. A month whose bank account moved closes only with
its bank statement reconciled, or with --without-bank-statement --reason TEXT (shown on the workbooks). Everything the run writes is
written in one transaction at its end: a run killed at any point leaves nothing behind and re-running it
completes it. Re-running a finished run gives the same result and changes nothing.

Exit status: 0 clean, 4 discrepancies, 1 error. --json prints the summary of SPEC §7 on stdout.`,
		Example: `  ledger reconcile --period 2020-02
  ledger reconcile --period 2020-02 --bank-statement icbc-202002.csv --close --out reconcile-2020-02.xlsx
  ledger reconcile --period 2020-02 --json | jq .status`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if noStatement && (!closePeriod || strings.TrimSpace(reason) == "" || statement != "") {
				return exit.Usagef("--without-bank-statement goes with --close and --reason TEXT, and without --bank-statement")
			}
			if !noStatement {
				reason = ""
			}
			return a.reconcile(cmd, period, statement, out, closePeriod, reason)
		},
	}
	f := c.Flags()
	f.StringVar(&period, "period", "", "the month to reconcile, YYYY-MM")
	f.StringVar(&statement, "bank-statement", "", "the bank statement of the 党费专户 (CSV UTF-8/GBK or XLSX)")
	f.BoolVar(&closePeriod, "close", false, "close the month when every check passes")
	f.BoolVar(&noStatement, "without-bank-statement", false, "close a month whose bank account moved without a bank statement (needs --reason)")
	f.StringVar(&reason, "reason", "", "why the month closes without a bank statement")
	f.StringVar(&out, "out", "", "write the reconciliation workbook (.xlsx) here")
	return c
}

// reconcile runs the monthly batch for reconcile and period close.
// noStatementReason, when not empty, closes a month whose bank account has
// postings without a bank statement, for that written reason.
func (a *app) reconcile(cmd *cobra.Command, period, statement, out string, closePeriod bool, noStatementReason string) error {
	if period == "" {
		return exit.Usagef("--period YYYY-MM is required")
	}
	p, err := ledger.ParsePeriod(period)
	if err != nil {
		return err
	}
	if len(p.Months()) != 1 {
		return exit.Usagef("--period names one month (YYYY-MM), not %s", period)
	}
	// With --as the run is a person's: an admin of the whole book.
	opt := postgres.ReconcileOptions{Book: a.book(), Actor: a.cfg.User, Period: p, Close: closePeriod, WindowDays: a.cfg.Reconcile.WindowDays,
		WithoutStatementReason: noStatementReason}
	if opt.Layouts, err = a.bankLayouts(); err != nil {
		return err
	}
	if opt.AuditConfig, err = a.auditRulesConfig(); err != nil {
		return err
	}
	if statement != "" {
		data, err := os.ReadFile(statement)
		if err != nil {
			return fmt.Errorf("bank statement: %w", err)
		}
		opt.Statement = &postgres.StatementFile{Name: statement, Data: data}
	}
	ctx := cmd.Context()
	db, err := a.openDB(ctx)
	if err != nil {
		return err
	}
	progress, done := textout.ReconcileProgress(a.stderr, a.log, p.Label())
	opt.Progress = progress
	res, err := db.Reconcile(ctx, opt)
	done()
	if err != nil {
		return err
	}
	if out != "" {
		if err := workbook.WriteReconcile(ctx, db, res, out, a.cfg.Report.Preparer, a.cfg.Report.Reviewer); err != nil {
			return err
		}
	}
	if a.jsonOut() {
		if err := a.printJSON(res.ReconcileSummary); err != nil {
			return err
		}
	} else {
		textout.Reconcile(a.stdout, a.lang(), res, out, a.cfg.Report.TimeZone)
	}
	if res.Status != recon.StatusClean {
		return &exit.DiscrepancyError{Msg: i18n.T(a.lang(), "reconcile %s: %d discrepancies", res.Period, len(res.Discrepancies))}
	}
	return nil
}

// bankLayouts reads reconcile.bank_layouts or the embedded layouts.
func (a *app) bankLayouts() ([]bankstmt.Layout, error) {
	return configs.BankLayouts(a.cfg.Reconcile.BankLayouts)
}

func (a *app) periodCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "period",
		Short: "Months of the book: list them, close one, re-open the latest closed one (反结账)",
		Long: `Months are closed by the monthly batch (ledger period close YYYY-MM, the same as ledger reconcile --close).
An admin of the whole book (not one scoped to a branch, nor the batch) re-opens the latest closed month with a
written reason (反结账); the re-opening is logged with who, when and why (period_events and the action log).`,
		Example: "  ledger period list\n  ledger period close 2020-02\n  ledger --as sunlixin period reopen 2020-02 --reason '补记2月28日慰问支出'",
	}
	var statement, out string
	closeCmd := &cobra.Command{
		Use: "close YYYY-MM", Short: "Close a month: the monthly batch with --close (the same checks; exit 4 on discrepancies)",
		Example: "  ledger period close 2020-02\n  ledger period close 2020-02 --bank-statement icbc-202002.csv --out reconcile-2020-02.xlsx",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.reconcile(cmd, args[0], statement, out, true, "")
		},
	}
	closeCmd.Flags().StringVar(&statement, "bank-statement", "", "the bank statement of the 党费专户 (CSV UTF-8/GBK or XLSX)")
	closeCmd.Flags().StringVar(&out, "out", "", "write the reconciliation workbook (.xlsx) here")
	var reason string
	reopen := &cobra.Command{
		Use:     "reopen YYYY-MM --reason TEXT",
		Short:   "Re-open the latest closed month (an admin of the whole book, with a reason; logged)",
		Example: "  ledger --as sunlixin period reopen 2020-02 --reason '补记2月28日慰问支出'",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			actor, err := a.actor()
			if err != nil {
				return err
			}
			if strings.TrimSpace(reason) == "" {
				return exit.Usagef("re-opening a month needs --reason TEXT")
			}
			p, err := ledger.ParsePeriod(args[0])
			if err != nil {
				return err
			}
			if len(p.Months()) != 1 {
				return exit.Usagef("name one month (YYYY-MM), not %s", args[0])
			}
			db, err := a.openDB(cmd.Context())
			if err != nil {
				return err
			}
			if err := db.ReopenPeriod(cmd.Context(), a.book(), actor, p, reason); err != nil {
				return err
			}
			if a.jsonOut() {
				return a.printJSON(map[string]string{"period": p.Label(), "status": "open", "reopened_by": actor, "reason": strings.TrimSpace(reason)})
			}
			fmt.Fprintln(a.stdout, i18n.T(a.lang(), "period %s re-opened by %s: %s", p.Label(), actor, strings.TrimSpace(reason)))
			return nil
		},
	}
	reopen.Flags().StringVar(&reason, "reason", "", "why the month is re-opened (required; logged)")
	list := &cobra.Command{
		Use:     "list",
		Short:   "List the months of the book with their state, and the closes and re-opens",
		Example: "  ledger period list\n  ledger period list --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := a.openDB(cmd.Context())
			if err != nil {
				return err
			}
			ps, err := db.Periods(cmd.Context(), a.book())
			if err != nil {
				return err
			}
			evs, err := db.PeriodEvents(cmd.Context(), a.book())
			if err != nil {
				return err
			}
			if a.jsonOut() {
				return a.printJSON(map[string]any{"periods": ps, "events": evs})
			}
			textout.Periods(a.stdout, a.lang(), ps, evs, a.cfg.Report.TimeZone)
			return nil
		},
	}
	c.AddCommand(closeCmd, reopen, list)
	return c
}
