package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// A month is held against its close by its advisory lock, taken shared by
// every draft and posting of the month and exclusive by a change of its
// state (migrations/00034_period_held_by_advisory_lock.sql): a close waits
// for a draft under way and then sees it; a transaction at REPEATABLE READ
// whose snapshot is older than a close cannot make a draft in the closed
// month.
func TestCloseWaitsForTheMonthsDrafts(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	if _, err := f.db.Pool.Exec(ctx, `INSERT INTO periods (book, year, month) VALUES ($1, 2020, 2), ($1, 2020, 3)`, book); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, f.tdb.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)

	// A draft of February under way.
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id, err := rawDraft(tx)
	if err == nil {
		err = rawLines(tx, id, "100201 FY FY-UP - 100 0", "420101 FY FY-UP - 0 100")
	}
	if err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	go func() { closed <- f.closeMonth(2020, 2) }()
	select {
	case err := <-closed:
		t.Fatalf("February's close did not wait for the draft under way: %v", err)
	case <-time.After(500 * time.Millisecond):
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	// The close went on after the draft's commit and found it.
	wantCode(t, postgres.MapError(<-closed), ledger.EInvalidState, "-")

	// A snapshot older than March's close.
	rr, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead})
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Rollback(ctx)
	if _, err := rr.Exec(ctx, `SELECT count(*) FROM vouchers`); err != nil {
		t.Fatal(err)
	}
	if err := f.closeMonth(2020, 3); err != nil {
		t.Fatal(err)
	}
	_, err = rr.Exec(ctx, `INSERT INTO vouchers (book, date, summary, maker, made_at) VALUES ($1, '2020-03-10', '手工凭证', 'wangfang', now())`, book)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "40001" {
		t.Fatalf("a draft in March from a snapshot older than its close: %v, want a serialization failure", err)
	}
}
