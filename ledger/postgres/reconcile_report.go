package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger/recon"
)

// ReconcilePreview evaluates the monthly batch for one period exactly as
// a run without Close does — with opt.Statement, or the statement stored
// with the period — and gives its result without recording the run or
// storing the statement: the transaction is rolled back. As every
// evaluation of the audit rules, it records findings new to the period
// (known ones keep their states). It feeds the reconciliation workbook of
// the API, which a read must not turn into a run.
func (db *DB) ReconcilePreview(ctx context.Context, opt ReconcileOptions) (*recon.ReconcileResult, error) {
	opt.Close = false
	res, err := db.reconcile(ctx, opt, isolation(pgx.RepeatableRead), preview)
	if err != nil {
		return nil, err
	}
	res.Recorded = false
	return res, nil
}
