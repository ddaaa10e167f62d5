package main

import (
	"cmp"
	"fmt"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/internal/exit"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/i18n"
	"github.com/fenyang/partyfee/ledger/postgres"
)

func (a *app) openingCommand() *cobra.Command {
	var month, key string
	c := &cobra.Command{Use: "opening FILE", Args: cobra.ExactArgs(1), Example: "  ledger --as sunlixin opening opening.csv --month 2020-02",
		Short: "Enter the opening balances (期初余额) from a CSV or YAML file: account, org, fund, balance, year_debit, year_credit",
		RunE: a.withDB(func(cmd *cobra.Command, db *postgres.DB, actor string, args []string) error {
			data, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			rows, first, err := configs.ParseOpening(args[0], data, month)
			if err != nil {
				return err
			}
			vs, replayed, err := db.Opening(cmd.Context(), a.book(), actor, first, rows, key)
			return cmp.Or(err, a.printVouchers(cmd, db, vs, replayed))
		})}
	c.Flags().StringVar(&month, "month", "", "the book's first open month (YYYY-MM; default: the book's first month)")
	c.Flags().StringVar(&key, "key", "", "idempotency key: a repeated request returns the first vouchers")
	return c
}

func (a *app) printVouchers(cmd *cobra.Command, db *postgres.DB, vs []*ledger.Voucher, replayed bool) error {
	b, err := db.LoadBooks(cmd.Context(), a.book())
	for _, v := range vs {
		err = cmp.Or(err, a.printVoucher(v, b.Chart, replayed))
	}
	return err
}

// withDB: RunE with the database, the acting user, a checked year argument.
func (a *app) withDB(fn func(cmd *cobra.Command, db *postgres.DB, actor string, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		actor, err := a.actor()
		if err != nil {
			return err
		}
		if y, err := strconv.Atoi(args[0]); cmd.Parent().Name() == "year" && (err != nil || y < 1900) {
			return exit.Usagef("name a year (YYYY), not %s", args[0])
		}
		db, err := a.openDB(cmd.Context())
		return cmp.Or(err, fn(cmd, db, actor, args))
	}
}

func (a *app) yearCommand() *cobra.Command {
	c := &cobra.Command{Use: "year", Short: "The year-end close (年结): make the closing vouchers, re-open a closed year",
		Example: "  ledger --as sunlixin year close 2020\n  ledger --as sunlixin year reopen 2020 --reason '补记12月利息'"}
	closeCmd := &cobra.Command{Use: "close YYYY", Args: cobra.ExactArgs(1), Example: "  ledger --as sunlixin year close 2020",
		Short: "Make the closing vouchers (结转) of a year once January to November are closed; closing December then closes the year",
		RunE: a.withDB(func(cmd *cobra.Command, db *postgres.DB, actor string, args []string) error {
			y, err := strconv.Atoi(args[0])
			if err != nil {
				return ledger.Errorf(ledger.EInvalid, "year", "%q is not a year (2020)", args[0])
			}
			vs, err := db.YearClose(cmd.Context(), a.book(), actor, y)
			return cmp.Or(err, a.printVouchers(cmd, db, vs, false))
		})}
	var reason string
	reopen := &cobra.Command{Use: "reopen YYYY --reason TEXT", Args: cobra.ExactArgs(1), Example: "  ledger --as sunlixin year reopen 2020 --reason '补记12月利息'",
		Short: "Re-open the latest closed year (an admin of the whole book, with a reason; logged)",
		RunE: a.withDB(func(cmd *cobra.Command, db *postgres.DB, actor string, args []string) error {
			y, err := strconv.Atoi(args[0])
			if err != nil {
				return ledger.Errorf(ledger.EInvalid, "year", "%q is not a year (2020)", args[0])
			}
			if err := db.ReopenYear(cmd.Context(), a.book(), actor, y, reason); err != nil {
				return err
			}
			if a.jsonOut() {
				return a.printJSON(map[string]any{"year": y, "status": "open"})
			}
			fmt.Fprintln(a.stdout, i18n.T(a.lang(), "year %d is open again", y))
			return nil
		})}
	reopen.Flags().StringVar(&reason, "reason", "", "why the year is re-opened (required; logged)")
	c.AddCommand(closeCmd, reopen)
	return c
}
