// Package demo records the Fenyang 2020 reference case (`ledger demo`):
// February–March 2020 through the real workflow on a simulated clock, from
// a seeded generator, with its planted irregularities, the February audit
// and batch and their workbooks. Its dated steps run from one explicit
// timeline (scenario.timeline).
package demo

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"time"

	"github.com/fenyang/partyfee/internal/textout"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// Options are the settings of one demo run.
type Options struct {
	// OutDir receives the workbooks and the generated bank statement.
	OutDir string
	// Out receives the progress and the totals.
	Out io.Writer
	// Preparer and Reviewer are report.preparer and report.reviewer of the
	// workbooks (the audit workbook names the officer who made the
	// vouchers as its preparer).
	Preparer, Reviewer string
}

// Run records the scenario on db, an empty ledger database, prints the
// totals, the planted irregularities, the February audit and batch, and
// writes the February workbooks into opt.OutDir.
func Run(ctx context.Context, db *postgres.DB, opt Options) error {
	out, outDir := opt.Out, opt.OutDir
	s := &scenario{ctx: ctx, db: db, rng: rand.New(rand.NewPCG(demoSeed, demoSeed)), log: out, opt: opt}
	db.Now = func() time.Time { return s.clock }
	started := time.Now()
	fmt.Fprintln(out, "汾阳市疫情防控专项党费 — recording February–March 2020 (seed", demoSeed, ")")
	if err := s.run(); err != nil {
		return err
	}
	fmt.Fprintf(out, "recorded %d vouchers in %v\n\n", s.vouchers, time.Since(started).Round(time.Millisecond))
	if err := printDemoTotals(ctx, db, out); err != nil {
		return err
	}
	fmt.Fprintln(out, "\nPlanted irregularities (February 2020), for the auditors to find:")
	for _, p := range s.planted {
		fmt.Fprintf(out, "  %s  %s (id %d)  %s  %s\n", p.Rule, p.Voucher, p.ID, p.Org, p.What)
	}
	if len(s.findings) > 0 {
		fmt.Fprintln(out, "\nFebruary audit findings (auditor fengqing), with their states:")
		textout.Findings(out, s.findings)
	}
	if s.batch != nil {
		b := s.batch
		fmt.Fprintf(out, "\nFebruary batch (ledger reconcile --period 2020-02 --bank-statement … --close): %s, period %s", b.Status, b.PeriodStatus)
		if b.Seal != "" {
			fmt.Fprintf(out, ", period seal %s", b.Seal)
		}
		fmt.Fprintln(out)
		if s.reconcileBook != "" {
			fmt.Fprintf(out, "reconciliation workbook: %s\n", s.reconcileBook)
		}
	}
	// Last, the February audit workbook: it shows the batch's findings
	// (T8), reconciliation (T9) and period seal.
	if err := s.auditWorkbook(); err != nil {
		return err
	}
	abs, _ := filepath.Abs(outDir)
	fmt.Fprintf(out, "\noutput directory: %s\n", abs)
	return nil
}

func printDemoTotals(ctx context.Context, db *postgres.DB, out io.Writer) error {
	t, err := db.Totals(ctx, demoBook, day("2020-02-01"), day("2020-03-31"))
	if err != nil {
		return err
	}
	dx := func(m ledger.Money) string {
		s, err := ledger.ToDaXie(m.Abs())
		if err != nil {
			return "?"
		}
		return s
	}
	upper, match := orZero(t.IncomeByKind[ledger.FundUpper]), orZero(t.IncomeByKind[ledger.FundMatching])
	fmt.Fprintln(out, "Totals computed from the ledger (2020-02-01 … 2020-03-31, posted vouchers, special funds):")
	fmt.Fprintf(out, "  received from above (省市下拨)   %14s  %s\n", upper.Format(), dx(upper))
	fmt.Fprintf(out, "  local matching (本级配套)       %14s  %s\n", match.Format(), dx(match))
	fmt.Fprintf(out, "  in all (合计)                  %14s  %s\n", t.Income.Format(), dx(t.Income))
	fmt.Fprintf(out, "  allocated to branches (划拨)    %14s  %s\n", t.Allocated.Format(), dx(t.Allocated))
	for _, p := range ledger.Purposes {
		m := orZero(t.SpentByPurpose[p])
		fmt.Fprintf(out, "  spent: %-22s %14s  %s\n", p.Name()+" ("+string(p)+")", m.Format(), dx(m))
	}
	fmt.Fprintf(out, "  spent in all (使用合计)          %14s  %s\n", t.Spent.Format(), dx(t.Spent))
	fmt.Fprintf(out, "  returned by branches (退回)     %14s  %s\n", t.Returned.Format(), dx(t.Returned))
	fmt.Fprintf(out, "  bank balance 100201 (专项)      %14s  %s\n", t.Bank.Format(), dx(t.Bank))
	fmt.Fprintf(out, "  branches' balances 121801       %14s  %s\n", t.Pending.Format(), dx(t.Pending))
	check := t.Bank.Add(t.Pending).Add(t.Spent)
	fmt.Fprintf(out, "  conservation: bank + branches + spent = %s (income %s) %s\n", check.Format(), t.Income.Format(), okMark(check.Equal(t.Income)))
	return nil
}

func okMark(ok bool) string {
	if ok {
		return "✓"
	}
	return "✗ MISMATCH"
}

func orZero(m ledger.Money) ledger.Money {
	if m.Decimal().IsZero() {
		return ledger.Zero
	}
	return m
}
