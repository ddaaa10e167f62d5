package demo

import (
	"fmt"
	"path/filepath"

	"github.com/fenyang/partyfee/internal/workbook"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/recon"
)

// auditWorkbook writes outDir/audit-2020-02.xlsx and prints its path.
func (s *scenario) auditWorkbook() error {
	p, err := ledger.ParsePeriod("2020-02")
	if err != nil {
		return err
	}
	// The officer who made the vouchers prepared it (report.preparer
	// when the officer is unknown).
	preparer := s.opt.Preparer
	if u, err := s.db.LoadUser(s.ctx, demoBook, officerA); err == nil && u.FullName != "" {
		preparer = u.FullName
	}
	req := workbook.AuditRequest{Book: demoBook, Period: p, Sheet: "audit", Out: filepath.Join(s.opt.OutDir, "audit-2020-02.xlsx"),
		Actor: ledger.SystemUser, Preparer: preparer, Reviewer: s.opt.Reviewer}
	if b := s.batch; b != nil && b.Bank != nil {
		// T9: the 银行存款余额调节表 of the February batch.
		req.Options = append(req.Options, postgres.WithReconciliation(recon.T9FromBankrec(&b.Bank.Table, b.Bank.BankName, b.Bank.BankAccount)))
	}
	res, err := workbook.WriteAudit(s.ctx, s.db, req)
	if err != nil {
		return fmt.Errorf("audit workbook: %w", err)
	}
	failed := 0
	for _, c := range res.Checks {
		if !c.OK {
			failed++
		}
	}
	fmt.Fprintf(s.log, "\n审计报表：%s（本期收入 %s，本期使用 %s，表间核对 %d/%d 相符）\n",
		res.File, res.Summary.Totals.Income.Format(), res.Summary.Totals.Used.Format(), len(res.Checks)-failed, len(res.Checks))
	return nil
}
