// Package migrations holds the numbered SQL migrations of the ledger schema,
// embedded in the binary and applied with goose.
package migrations

import "embed"

// FS holds the *.sql migrations.
//
//go:embed *.sql
var FS embed.FS
