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

// TriggerFormatsForTest are the trigger refusals the adapter renders
// through the catalogue, with the fallback sentences.
func TriggerFormatsForTest() []string {
	out := append([]string(nil), triggerFormats...)
	for _, f := range triggerFallback {
		out = append(out, f)
	}
	return append(out, "the database refuses this change")
}
