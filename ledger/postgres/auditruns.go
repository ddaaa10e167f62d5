package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
)

// AuditRun is one recorded evaluation of the audit rules over a period.
type AuditRun struct {
	ID       int64
	Period   ledger.PeriodRange
	At       time.Time
	Findings int
}

// LastAuditRun returns the latest recorded evaluation of exactly period;
// ok is false when it was never evaluated.
func (db *DB) LastAuditRun(ctx context.Context, book string, period ledger.PeriodRange) (run AuditRun, ok bool, err error) {
	err = db.Pool.QueryRow(ctx, `SELECT id, period_from, period_to, at, findings FROM audit_runs
		WHERE book = $1 AND period_from = $2 AND period_to = $3 ORDER BY id DESC LIMIT 1`, book, period.From, period.To).
		Scan(&run.ID, &run.Period.From, &run.Period.To, &run.At, &run.Findings)
	if errors.Is(err, pgx.ErrNoRows) {
		return AuditRun{}, false, nil
	}
	if err != nil {
		return AuditRun{}, false, mapError(err)
	}
	return run, true, nil
}
