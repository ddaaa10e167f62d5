package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
)

// SavedSummaries lists the saved summaries (常用摘要) of user in book, in
// the order they were saved.
func (db *DB) SavedSummaries(ctx context.Context, book, user string) ([]string, error) {
	rows, err := db.Pool.Query(ctx, `SELECT text FROM saved_summaries WHERE book = $1 AND user_name = $2 ORDER BY created_at, text`, book, user)
	if err != nil {
		return nil, mapError(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if out == nil {
		out = []string{}
	}
	return out, mapError(err)
}

// SaveSummary keeps text (ledger.CheckSavedSummary) among the saved
// summaries of user in book and returns it as stored; a text kept already
// stays as it was. A user keeps at most ledger.SavedSummariesMax texts
// (too_large beyond): the count is taken under a transaction lock of the
// user's list, so two saves at once never pass it together.
func (db *DB) SaveSummary(ctx context.Context, book, user, text string) (string, error) {
	t, err := ledger.CheckSavedSummary(text)
	if err != nil {
		return "", err
	}
	err = db.runTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('saved_summaries/' || $1 || '/' || $2, 0))`, book, user); err != nil {
			return err
		}
		var n int
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT count(*), coalesce(bool_or(text = $3), false) FROM saved_summaries WHERE book = $1 AND user_name = $2`,
			book, user, t).Scan(&n, &exists); err != nil {
			return err
		}
		if exists {
			return nil
		}
		if n >= ledger.SavedSummariesMax {
			return ledger.Errorf(ledger.ETooLarge, "summary", "at most %d summaries are saved; remove one first", ledger.SavedSummariesMax)
		}
		_, err := tx.Exec(ctx, `INSERT INTO saved_summaries (book, user_name, text, created_at) VALUES ($1, $2, $3, $4)`, book, user, t, db.Now())
		return err
	})
	if err != nil {
		return "", err
	}
	return t, nil
}

// RemoveSummary removes text from the saved summaries of user in book;
// not_found when it is not among them.
func (db *DB) RemoveSummary(ctx context.Context, book, user, text string) error {
	tag, err := db.Pool.Exec(ctx, `DELETE FROM saved_summaries WHERE book = $1 AND user_name = $2 AND text = $3`, book, user, text)
	if err != nil {
		return mapError(err)
	}
	if tag.RowsAffected() == 0 {
		return ledger.Errorf(ledger.ENotFound, "summary", "%q is not a saved summary", text)
	}
	return nil
}
