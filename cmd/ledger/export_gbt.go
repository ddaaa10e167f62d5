package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/fenyang/partyfee/internal/exit"
	"github.com/fenyang/partyfee/internal/workbook"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/exchange"
	"github.com/fenyang/partyfee/ledger/gbt24589"
	"github.com/fenyang/partyfee/ledger/i18n"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/reports"
)

func init() {
	exportHandlers["gbt24589"] = exportPackage(gbt24589.WriteText)
	exportHandlers["csv"] = exportPackage(gbt24589.WriteCSV)
	exportHandlers["xlsx"] = exportPackage(func(out string, t []gbt24589.Table) ([]string, error) {
		return []string{out}, workbook.WriteFile(out, func(w io.Writer) error { return reports.WriteDataPackage(w, t) })
	})
}

// exportPackage writes the audit data package of a period with write, to
// the directory (or workbook) out.
func exportPackage(write func(out string, t []gbt24589.Table) ([]string, error)) func(ctx context.Context, a *app, db *postgres.DB, p ledger.PeriodRange, out string) error {
	return func(ctx context.Context, a *app, db *postgres.DB, p ledger.PeriodRange, out string) error {
		if out == "" || out == "-" {
			return exit.Usagef("--out is required for the data package")
		}
		tables, n, err := exchange.DataPackage(ctx, db, a.book(), p)
		if err != nil {
			return err
		}
		files, err := write(out, tables)
		if err != nil {
			return err
		}
		if a.jsonOut() {
			return a.printJSON(map[string]any{"out": out, "period": p.Label(), "vouchers": n, "files": files})
		}
		fmt.Fprintln(a.stdout, i18n.T(a.lang(), "exported %d vouchers of %s to %s: %s", n, p.Label(), out, strings.Join(files, ", ")))
		return nil
	}
}
