package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spf13/cobra"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/postgres/embedded"
)

func init() {
	commandRegistry = append(commandRegistry, func(a *app) []*cobra.Command { return []*cobra.Command{a.demoCommand()} })
}

// demoHooks run after the scenario is recorded (the February batch, the
// workbooks); each may print and write into the output directory.
var demoHooks []func(ctx context.Context, a *app, d *demoRun) error

// demoRun is what the demo hands to its hooks.
type demoRun struct {
	db     *postgres.DB
	s      *scenario
	outDir string
	out    io.Writer
}

func (a *app) demoCommand() *cobra.Command {
	var outDir string
	var reset bool
	c := &cobra.Command{
		Use:   "demo",
		Short: "Record the Fenyang 2020 reference case end to end on an empty database",
		Long: `demo loads the Fenyang setup (configs/demo/fenyang.yaml) and records a realistic February–March 2020
through the real workflow — different users make, check, sign and post — on a simulated clock: the receipt of
90,000.00 from the province and city, 230,000.00 of local matching, allocations to every temporary branch, several
hundred spending vouchers across the three purposes with their beneficiaries, a red reversal and its correction,
members' donations collected and remitted, and two branches dissolved with their unspent money returned.
It plants a small documented set of irregularities in February for the auditors to find, then prints the totals
computed from the ledger. It refuses a database that already has vouchers unless --reset.`,
		Example: "  ledger demo\n  ledger demo --out /tmp/fenyang --reset",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if reset {
				// Start afresh before anything reads the old database: it may
				// hold an older schema that the migrations cannot continue.
				if err := a.resetDatabase(ctx); err != nil {
					return err
				}
			}
			db, err := a.openDB(ctx)
			if err != nil {
				return err
			}
			has, err := db.HasVouchers(ctx)
			if err != nil {
				return err
			}
			if has {
				return ledger.Errorf(ledger.EInvalidState, "database", "the database already has vouchers; `ledger demo --reset` starts it afresh (everything in it is lost)")
			}
			if err := os.MkdirAll(outDir, 0o755); err != nil {
				return err
			}
			return runDemo(ctx, a, db, outDir, a.stdout)
		},
	}
	c.Flags().StringVar(&outDir, "out", "out", "directory for the workbooks and the bank statement")
	c.Flags().BoolVar(&reset, "reset", false, "drop everything in the database first")
	return c
}

// resetDatabase drops the embedded cluster's ledger database; openDB then
// creates and migrates it afresh.
func (a *app) resetDatabase(ctx context.Context) error {
	if a.v.GetString("database_url") != "" {
		return ledger.Errorf(ledger.EInvalid, "reset", "--reset works on the embedded cluster only; drop and recreate the external database yourself")
	}
	if _, _, err := a.urls(ctx); err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, a.server.URL("postgres", embedded.Superuser))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS ledger WITH (FORCE)")
	return err
}

// runDemo records the scenario on db and prints the totals.
func runDemo(ctx context.Context, a *app, db *postgres.DB, outDir string, out io.Writer) error {
	s := &scenario{ctx: ctx, db: db, rng: rand.New(rand.NewPCG(demoSeed, demoSeed)), log: out, app: a, outDir: outDir}
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
		fmt.Fprint(out, demoFindings(s.findings))
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
	d := &demoRun{db: db, s: s, outDir: outDir, out: out}
	for _, h := range demoHooks {
		if err := h(ctx, a, d); err != nil {
			return err
		}
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
	donated := orZero(t.IncomeByKind[ledger.FundDonation])
	_ = donated
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
