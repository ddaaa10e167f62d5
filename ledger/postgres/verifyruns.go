package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
)

// VerifyRun is one recorded run of the tamper-evidence check.
type VerifyRun struct {
	ID    int64
	At    time.Time
	Actor string
	// Source is where it ran: cli, http or web.
	Source string
	// Period is the month whose recorded seal was checked, "" for the
	// chain from FromSeq to its end.
	Period                           string
	FromSeq, LastSeq, Checked, Count int64
	Pending                          int
	// FirstProblem is the first problem's message, "" when clean.
	FirstProblem string
}

// Clean reports whether the run found no problem.
func (r VerifyRun) Clean() bool { return r.Count == 0 }

// RecordVerify stores the result of Verify or VerifyPeriod of book, run by
// actor from source at at, so the auditors' overview shows the last run
// without recomputing the chain. The result may come from a replica; the
// run is written to db (the primary).
func (db *DB) RecordVerify(ctx context.Context, book, actor, source string, res *VerifyResult, at time.Time) (VerifyRun, error) {
	if actor == "" {
		actor = ledger.SystemUser
	}
	run := VerifyRun{At: at, Actor: actor, Source: source, Period: res.Period, FromSeq: max(res.FromSeq, 1), LastSeq: res.LastSeq,
		Checked: res.Checked, Count: res.ProblemCount, Pending: len(res.Pending)}
	if p := res.First(); p != nil {
		run.FirstProblem = p.Message
	}
	err := db.runTx(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO verify_runs (book, at, actor, source, period, from_seq, last_seq, checked, problems, pending, first_problem)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
			book, at, run.Actor, run.Source, run.Period, run.FromSeq, run.LastSeq, run.Checked, run.Count, run.Pending, run.FirstProblem).Scan(&run.ID)
	})
	return run, mapError(err)
}

// LastVerifyRun returns the latest recorded run of the check of book; ok is
// false when it never ran.
func (db *DB) LastVerifyRun(ctx context.Context, book string) (run VerifyRun, ok bool, err error) {
	err = db.Pool.QueryRow(ctx, `SELECT id, at, actor, source, period, from_seq, last_seq, checked, problems, pending, first_problem
		FROM verify_runs WHERE book = $1 ORDER BY id DESC LIMIT 1`, book).
		Scan(&run.ID, &run.At, &run.Actor, &run.Source, &run.Period, &run.FromSeq, &run.LastSeq, &run.Checked, &run.Count, &run.Pending, &run.FirstProblem)
	if errors.Is(err, pgx.ErrNoRows) {
		return VerifyRun{}, false, nil
	}
	if err != nil {
		return VerifyRun{}, false, mapError(err)
	}
	return run, true, nil
}
