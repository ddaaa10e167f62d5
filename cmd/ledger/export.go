package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fenyang/partyfee/internal/exit"
	"github.com/fenyang/partyfee/internal/workbook"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/exchange"
	"github.com/fenyang/partyfee/ledger/i18n"
	"github.com/fenyang/partyfee/ledger/journal"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// exportFormats lists what `ledger export --format` writes.
var exportFormats = []string{"ledger", "hledger", "gbt24589", "csv", "xlsx"}

func (a *app) exportCommand() *cobra.Command {
	var format, period, year, out string
	c := &cobra.Command{
		Use:   "export --format ledger|hledger|gbt24589|csv|xlsx --period PERIOD|--year YYYY [--out FILE|DIR]",
		Short: "Export the ledger for outside tools: a plain-text journal, the GB/T 24589.2 audit data package, a CSV/XLSX 数据包",
		Long: `export writes the posted vouchers of a period for the tools around the ledger.

  --format ledger|hledger   a plain-text journal that ledger-cli and hledger read: one transaction per
                            posted voucher (its number as the code, e.g. (2020-02:记-0003)), accounts by
                            their Chinese names under their type (资产:银行存款:党费专户), the organisation,
                            fund and purpose as tags (org:, fund:, purpose:), red vouchers as the negative
                            postings they are, and the balances brought forward as one 期初余额
                            transaction on the period's first day, so every account's balance in the
                            tool is its balance at the period's end. Check it with
                            hledger -f FILE bal  or  /path/to/ledger -f FILE bal.
  --format gbt24589         the audit data package after GB/T 24589.2 in directory --out (docs/gbt24589.md).
  --format csv|xlsx         the same tables as a plain 数据包 (CSV files in --out, or one workbook).

The journal goes to --out (written whole or not at all) or stdout.`,
		Example: `  ledger export --format hledger --year 2020 --out fy-2020.journal && hledger -f fy-2020.journal bal
  ledger export --format ledger --period 2020-02 > fy-2020-02.ledger
  ledger export --format gbt24589 --year 2020 --out audit-2020/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format == "" {
				return exit.Usagef("--format is required (%s)", strings.Join(exportFormats, ", "))
			}
			p, err := exportPeriod(period, year)
			if err != nil {
				return err
			}
			db, _, err := a.readDB(cmd.Context(), postgres.ReadLatest)
			if err != nil {
				return err
			}
			switch format {
			case "ledger", "hledger":
				f, _ := journal.ParseFormat(format)
				var n int
				if out == "" || out == "-" {
					n, err = exchange.WriteJournal(cmd.Context(), db, a.book(), p, f, a.stdout)
					if err != nil {
						return err
					}
					fmt.Fprintln(a.stderr, i18n.T(a.lang(), "exported %d vouchers of %s", n, p.Label()))
					return nil
				}
				err = workbook.WriteFile(out, func(w io.Writer) error {
					n, err = exchange.WriteJournal(cmd.Context(), db, a.book(), p, f, w)
					return err
				})
				if err != nil {
					return err
				}
				if a.jsonOut() {
					return a.printJSON(map[string]any{"file": out, "format": format, "period": p.Label(), "vouchers": n})
				}
				fmt.Fprintln(a.stdout, i18n.T(a.lang(), "exported %d vouchers of %s to %s (%s journal)", n, p.Label(), out, format))
				return nil
			default:
				if h, ok := exportHandlers[format]; ok {
					return h(cmd.Context(), a, db, p, out)
				}
				return exit.Usagef("unknown --format %q (%s)", format, strings.Join(exportFormats, ", "))
			}
		},
	}
	c.Flags().StringVar(&format, "format", "", "ledger, hledger, gbt24589, csv or xlsx (required)")
	c.Flags().StringVar(&period, "period", "", "month YYYY-MM, range YYYY-MM..YYYY-MM or year YYYY")
	c.Flags().StringVar(&year, "year", "", "a whole year YYYY (the same as --period YYYY)")
	c.Flags().StringVar(&out, "out", "", "the file (journal, xlsx) or directory (gbt24589, csv) to write; journal default stdout")
	return c
}

// exportHandlers are the other formats, each added by its own file.
var exportHandlers = map[string]func(ctx context.Context, a *app, db *postgres.DB, p ledger.PeriodRange, out string) error{}

func exportPeriod(period, year string) (ledger.PeriodRange, error) {
	switch {
	case period != "" && year != "":
		return ledger.PeriodRange{}, exit.Usagef("give --period or --year, not both")
	case year != "":
		if len(year) != 4 {
			return ledger.PeriodRange{}, exit.Usagef("--year takes a year YYYY")
		}
		return ledger.ParsePeriod(year)
	case period != "":
		return ledger.ParsePeriod(period)
	}
	return ledger.PeriodRange{}, exit.Usagef("--period or --year is required")
}
