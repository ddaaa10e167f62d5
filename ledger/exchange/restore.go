package exchange

import (
	"context"
	"fmt"

	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/postgres/backup"
	"github.com/fenyang/partyfee/ledger/recon"
)

// RestoreReport is what a restore proved.
type RestoreReport struct {
	File        string                  `json:"file"`
	DataDir     string                  `json:"data_dir,omitempty"`
	Equal       bool                    `json:"equal"`
	Differences []string                `json:"differences"`
	Verify      []postgres.VerifyResult `json:"verify"`
	Checks      []string                `json:"failed_checks"`
	Manifest    *backup.Manifest        `json:"manifest"`
	Restored    *backup.Manifest        `json:"restored"`
}

// ProveRestore compares the restored database's manifest (got) with the
// backup's (want), recomputes every book's seal chain and runs the monthly
// batch's integrity checks for every month with vouchers. The report is
// Equal when all of it holds.
func ProveRestore(ctx context.Context, db *postgres.DB, want, got *backup.Manifest) (*RestoreReport, error) {
	rep := &RestoreReport{Manifest: want, Restored: got, Differences: backup.Differences(want, got),
		Verify: []postgres.VerifyResult{}, Checks: []string{}}
	for _, b := range want.Books {
		vr, err := db.Verify(ctx, b.Book, 0)
		if err != nil {
			return nil, err
		}
		rep.Verify = append(rep.Verify, vr)
		failed, err := IntegrityChecks(ctx, db, b.Book)
		if err != nil {
			return nil, err
		}
		rep.Checks = append(rep.Checks, failed...)
	}
	rep.Equal = len(rep.Differences) == 0 && len(rep.Checks) == 0
	for _, vr := range rep.Verify {
		rep.Equal = rep.Equal && vr.Clean()
	}
	return rep, nil
}

// restoreChecks are the monthly batch's integrity checks; the bank
// statement, audit findings and close conditions are not a backup's
// business.
var restoreChecks = map[string]bool{
	recon.CheckVoucherBalance: true, recon.CheckNumbering: true, recon.CheckStoredBalance: true,
	recon.CheckConservation: true, recon.CheckNegativeBalance: true, recon.CheckTrialOpening: true,
	recon.CheckTrialPeriod: true, recon.CheckTrialClosing: true, recon.CheckParentPosting: true,
	recon.CheckGeneralLedger: true, recon.CheckSealChain: true,
}

// IntegrityChecks runs the batch's integrity checks (as a preview,
// recording nothing) for every month of book that has vouchers and lists
// the ones that failed.
func IntegrityChecks(ctx context.Context, db *postgres.DB, book string) ([]string, error) {
	months, err := db.VoucherMonths(ctx, book)
	if err != nil {
		return nil, err
	}
	var failed []string
	for _, p := range months {
		res, err := db.ReconcilePreview(ctx, postgres.ReconcileOptions{Book: book, Period: p})
		if err != nil {
			return nil, err
		}
		for _, c := range res.Checks {
			if restoreChecks[c.Name] && c.Ran && !c.Passed() {
				failed = append(failed, fmt.Sprintf("%s %s: %s (%d)", book, p.Label(), c.Title, c.Count))
			}
		}
	}
	return failed, nil
}
