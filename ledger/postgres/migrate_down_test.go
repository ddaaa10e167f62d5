package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/migrations"
)

// Every migration after the core schema goes down and up again: the schema
// rolled back to 00001 and re-applied still takes the demo setup, makes,
// numbers and posts a voucher, and the last migration's numbering at commit
// is back.
func TestMigrationsGoDownAndUp(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	cfg, err := pgx.ParseConfig(f.tdb.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	sqlDB := stdlib.OpenDB(*cfg)
	defer sqlDB.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	top, err := p.GetDBVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 1); err != nil {
		t.Fatalf("down to 00001: %v", err)
	}
	if v, _ := p.GetDBVersion(ctx); v != 1 {
		t.Fatalf("version %d after going down, want 1", v)
	}
	if _, err := postgres.Migrate(ctx, f.tdb.OwnerURL, nil); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if v, _ := p.GetDBVersion(ctx); v != top {
		t.Fatalf("version %d after going up again, want %d", v, top)
	}
	// The pool's connections and the book cache predate the round trip.
	db := f.tdb.Open(t, f.tdb.AppURL)
	db.Now = f.db.Now
	f.db = db
	v := f.post(ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-UP", Amount: money("100"), Attachments: 1})
	if v.Number != 1 {
		t.Fatalf("the first voucher after the round trip is numbered %d", v.Number)
	}
	if got := f.balance("100201", "FY", "FY-UP"); got.String() != "100.00" {
		t.Fatalf("bank balance %s after posting 100.00", got)
	}
}
