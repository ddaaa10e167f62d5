package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// MapErrorForTest lets the external tests map raw SQL errors the way the
// adapter does.
var MapErrorForTest = mapError

// RunTxForTest runs fn as a use case's transaction.
func (db *DB) RunTxForTest(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return db.runTx(ctx, fn)
}
