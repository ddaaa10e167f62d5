package postgres

import (
	"bytes"
	"context"
	"github.com/fenyang/partyfee/ledger/recon"
	"time"

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
	var err error
	for attempt := 0; attempt <= retryCountMax; attempt++ {
		r := &recRun{db: db, opt: opt, year: months[0][0], month: months[0][1], stmt: stmt}
		err = db.previewTx(ctx, func(tx pgx.Tx) error {
			r.tx = tx
			return r.execute(ctx)
		})
		if err == nil {
			r.res.Recorded = false
			return r.res, nil
		}
		if !retryable(err) {
			break
		}
		time.Sleep(time.Duration(attempt+1) * 10 * time.Millisecond)
	}
	return nil, mapError(err)
}

// previewTx runs fn in a REPEATABLE READ transaction that is always rolled
// back.
func (db *DB) previewTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := db.Pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead})
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	return fn(tx)
}
