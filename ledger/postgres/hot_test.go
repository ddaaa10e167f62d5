package postgres_test

import (
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
)

// TestVoucherStepsAreHeapOnly: checking and posting a voucher change no
// column an index of vouchers reads (migrations/00012), so each is a
// heap-only update: no new index entries, less write-ahead log. The
// counts are the transaction's own (pg_stat_xact_user_tables).
func TestVoucherStepsAreHeapOnly(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.fund("100.00", map[string]string{"FY-CP-01": "100.00"})
	v := f.mustFlow("wangfang", spend("FY-CP-01", "FY-UP", ledger.Procurement, "10.00"))
	conn, err := pgx.Connect(f.ctx, f.tdb.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(f.ctx)
	tx, err := conn.Begin(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(f.ctx)
	for _, step := range []string{
		`UPDATE vouchers SET status = 'checked', checker = 'liqiang', checked_at = now() WHERE id = $1`,
		`UPDATE vouchers SET status = 'posted', poster = 'liqiang', posted_at = now() WHERE id = $1`,
	} {
		if _, err := tx.Exec(f.ctx, step, v.ID); err != nil {
			t.Fatal(err)
		}
	}
	var upd, hot int64
	if err := tx.QueryRow(f.ctx, `SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = 'vouchers'`).Scan(&upd, &hot); err != nil {
		t.Fatal(err)
	}
	if upd != 2 || hot != 2 {
		t.Errorf("checking and posting updated vouchers %d times, %d of them heap-only; want 2 and 2", upd, hot)
	}
	// The posting did its work: the branch's pending balance moved.
	var fen int64
	if err := tx.QueryRow(f.ctx, `SELECT balance_fen FROM balances WHERE book = $1 AND account = '121801' AND org = 'FY-CP-01' AND fund = 'FY-UP'`, book).Scan(&fen); err != nil {
		t.Fatal(err)
	}
	if fen != 90_00 {
		t.Errorf("the posting left the balance at %d fen, want 9000", fen)
	}
}
