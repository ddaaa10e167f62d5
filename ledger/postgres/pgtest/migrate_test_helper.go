package pgtest

import (
	"context"

	"github.com/fenyang/partyfee/ledger/postgres"
)

func migrateURL(ctx context.Context, u string) (int64, error) { return postgres.Migrate(ctx, u, nil) }
