package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// MonthStatement is the bank statement stored with a month: the one a run
// without a statement file reconciles (the latest stored).
type MonthStatement struct {
	Filename, Layout, Account string
	Lines                     int
	ImportedAt                time.Time
}

// MonthRun is a recorded run of the monthly batch.
type MonthRun struct {
	At            time.Time
	By            string
	Status        string // clean, discrepancies
	PeriodStatus  string // open, closed after the run
	ClosedPeriod  bool   // the run closed the month
	Discrepancies int
}

// MonthEnd is what the monthly batch has stored for one month: its bank
// statement and its latest recorded run.
type MonthEnd struct {
	Statement  *MonthStatement // nil: none stored
	Statements int             // stored statements (each file once)
	LastRun    *MonthRun       // nil: never run
	Runs       int
}

// MonthEnd reads the batch's records of a month of a book (for the web's
// 月末结账).
func (db *DB) MonthEnd(ctx context.Context, book string, year, month int) (MonthEnd, error) {
	var out MonthEnd
	var s MonthStatement
	err := db.Pool.QueryRow(ctx, `SELECT filename, layout, account, line_count, imported_at,
			count(*) OVER ()
		FROM bank_statements WHERE book = $1 AND year = $2 AND month = $3 ORDER BY seq DESC LIMIT 1`, book, year, month).
		Scan(&s.Filename, &s.Layout, &s.Account, &s.Lines, &s.ImportedAt, &out.Statements)
	switch {
	case err == nil:
		out.Statement = &s
	case !errors.Is(err, pgx.ErrNoRows):
		return out, mapError(err)
	}
	var r MonthRun
	err = db.Pool.QueryRow(ctx, `SELECT run_at, run_by, status, period_status, closed_period, discrepancies, count(*) OVER ()
		FROM reconcile_runs WHERE book = $1 AND year = $2 AND month = $3 ORDER BY id DESC LIMIT 1`, book, year, month).
		Scan(&r.At, &r.By, &r.Status, &r.PeriodStatus, &r.ClosedPeriod, &r.Discrepancies, &out.Runs)
	switch {
	case err == nil:
		out.LastRun = &r
	case !errors.Is(err, pgx.ErrNoRows):
		return out, mapError(err)
	}
	return out, nil
}
