package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/recon"
)

// The demo writes the February 2020 audit workbook. This file's name puts
// its init last in the package (Go runs a package's init functions in the
// order of its file names), so the hook runs after the other demo hooks,
// the February batch among them: the workbook then shows that batch's
// findings (T8), reconciliation (T9) and period seal.
func init() { demoHooks = append(demoHooks, demoAuditWorkbook) }

// demoAuditWorkbook writes outDir/audit-2020-02.xlsx and prints its path.
func demoAuditWorkbook(ctx context.Context, a *app, d *demoRun) error {
	p, err := ledger.ParsePeriod("2020-02")
	if err != nil {
		return err
	}
	preparer := ""
	if u, err := d.db.LoadUser(ctx, demoBook, officerA); err == nil {
		preparer = u.FullName
	}
	req := reportRequest{Book: demoBook, Period: p, Sheet: "audit",
		Out: filepath.Join(d.outDir, "audit-2020-02.xlsx"), Actor: ledger.SystemUser, Preparer: preparer}
	if b := d.s.batch; b != nil && b.Bank != nil {
		// T9: the 银行存款余额调节表 of the February batch.
		req.Options = append(req.Options, postgres.WithReconciliation(recon.T9FromBankrec(&b.Bank.Table, b.Bank.BankName, b.Bank.BankAccount)))
	}
	res, err := writeAuditReport(ctx, a, d.db, req)
	if err != nil {
		return fmt.Errorf("audit workbook: %w", err)
	}
	failed := 0
	for _, c := range res.Checks {
		if !c.OK {
			failed++
		}
	}
	fmt.Fprintf(d.out, "\naudit workbook: %s (本期收入 %s, 本期使用 %s, cross-sheet checks %d/%d 相符)\n",
		res.File, res.summary.Totals.Income.Format(), res.summary.Totals.Used.Format(), len(res.Checks)-failed, len(res.Checks))
	return nil
}
