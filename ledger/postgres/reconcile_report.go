package postgres

import (
	"bytes"
	"context"
	"github.com/fenyang/partyfee/ledger/recon"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/bankstmt"
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
	months := opt.Period.Months()
	if len(months) != 1 {
		return nil, ledger.Errorf(ledger.EInvalid, "period", "the batch reconciles one month (YYYY-MM), not %s", opt.Period.Label())
	}
	if opt.WindowDays < 0 {
		return nil, ledger.Errorf(ledger.EInvalid, "window_days", "the outstanding-item window is a number of days ≥ 0")
	}
	var stmt *recStatement
	if opt.Statement != nil {
		lines, layout, err := bankstmt.Parse(bytes.NewReader(opt.Statement.Data), opt.Statement.Name, opt.Layouts)
		if err != nil {
			return nil, err
		}
		stmt = &recStatement{info: recon.StatementInfo{Digest: bankstmt.Digest(opt.Statement.Data), Filename: recBaseFile(opt.Statement.Name),
			Layout: layout.Name, Lines: len(lines)}, lines: lines}
	}
	var res *recon.ReconcileResult
	err := db.runTx(ctx, func(tx pgx.Tx) error {
		r := &recRun{db: db, tx: tx, opt: opt, year: months[0][0], month: months[0][1], stmt: stmt}
		if err := r.execute(ctx); err != nil {
			return err
		}
		res = r.res
		res.Recorded = false
		return nil
	}, isolation(pgx.RepeatableRead), preview)
	if err != nil {
		return nil, err
	}
	return res, nil
}
