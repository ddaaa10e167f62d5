package postgres_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/postgres/pgtest"
)

// TestReadDBFallsBack: without a replica reads go to the primary and say
// nothing; a replica that does not answer, or a server that is not a
// standby, sends the read to the primary with one unavailable warning and
// a source saying so. (The two-server tests are in internal/demo.)
func TestReadDBFallsBack(t *testing.T) {
	t.Parallel()
	tdb := pgtest.NewDatabase(t)
	db := tdb.Open(t, tdb.AppURL)
	ctx := context.Background()
	if got, src := postgres.NewReadDB(db, nil).For(ctx, postgres.ReadLatest); got != db || src != nil {
		t.Fatalf("without a replica: %p %+v, want the primary and no source", got, src)
	}
	gone := "postgresql:///ledger?host=" + filepath.Join(t.TempDir(), "none") + "&port=5499&user=ledger_app&sslmode=disable"
	for _, c := range []struct{ name, url string }{{"replica down", gone}, {"not a standby", tdb.AppURL}} {
		var warned []error
		reads := postgres.OpenReadDB(ctx, db, c.url, postgres.Options{MaxConns: 2}, time.Second, func(err error) { warned = append(warned, err) })
		got, src := reads.For(ctx, postgres.ReadLatest)
		reads.Close()
		if got != db || src == nil || src.Replica || src.Reason == "" {
			t.Errorf("%s: read went to %p with source %+v, want the primary %p and the reason", c.name, got, src, db)
		}
		if len(warned) != 1 || ledger.ErrorCode(warned[0]) != ledger.EUnavailable {
			t.Errorf("%s: warnings %v, want one unavailable", c.name, warned)
		}
	}
}
