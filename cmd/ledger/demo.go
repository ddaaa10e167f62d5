package main

import (
	"context"
	"os"

	"github.com/jackc/pgx/v5"
	"github.com/spf13/cobra"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/internal/demo"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres/embedded"
)

func (a *app) demoCommand() *cobra.Command {
	var outDir, setupFile, through string
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
		Example: "  ledger demo\n  ledger demo --out /tmp/fenyang --reset\n  ledger demo --setup configs/demo/shanxi.yaml --reset",
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
			opt := demo.Options{OutDir: outDir, Out: a.stdout, Preparer: a.cfg.Report.Preparer, Reviewer: a.cfg.Report.Reviewer, Through: through}
			if setupFile != "" {
				if opt.Setup, err = configs.ReadSetup(setupFile); err != nil {
					return err
				}
			}
			return demo.Run(ctx, db, opt)
		},
	}
	c.Flags().StringVar(&outDir, "out", "out", "directory for the workbooks and the bank statement")
	c.Flags().StringVar(&setupFile, "setup", "", "another setup holding Fenyang's book, e.g. configs/demo/shanxi.yaml: the 90,000.00 comes as a grant from the book above")
	c.Flags().BoolVar(&reset, "reset", false, "drop everything in the database first")
	c.Flags().StringVar(&through, "through", "", "record the year through this month (2020-12: every month closed and the year-end close)")
	return c
}

// resetDatabase drops the embedded cluster's ledger database; openDB then
// creates and migrates it afresh.
func (a *app) resetDatabase(ctx context.Context) error {
	if a.cfg.DatabaseURL != "" {
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
