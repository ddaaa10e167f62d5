package postgres_test

import (
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestDraftAnsweredOnDisk: a draft's own transaction commits without
// waiting for the disk, so that the month's voucher counter is free before
// the flush (insertVoucher); CreateVoucher answers only once that commit is
// on disk. Each draft's commit record (its transaction id is the row's
// xmin) is looked up with pg_walinspect among the records from the WAL
// position before the draft to the flush position read as soon as
// CreateVoucher returned: it must be there.
func TestDraftAnsweredOnDisk(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	su, err := pgx.Connect(f.ctx, f.tdb.SuperURL)
	if err != nil {
		t.Fatal(err)
	}
	defer su.Close(f.ctx)
	if _, err := su.Exec(f.ctx, `CREATE EXTENSION IF NOT EXISTS pg_walinspect`); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		var start string
		if err := su.QueryRow(f.ctx, `SELECT pg_current_wal_insert_lsn()::text`).Scan(&start); err != nil {
			t.Fatal(err)
		}
		v := f.mustFlow("wangfang", receive("10.00"))
		var flushed string
		if err := su.QueryRow(f.ctx, `SELECT pg_current_wal_flush_lsn()::text`).Scan(&flushed); err != nil {
			t.Fatal(err)
		}
		var commits int
		err := su.QueryRow(f.ctx, `SELECT count(*) FROM pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn) r
			WHERE r.resource_manager = 'Transaction' AND r.record_type LIKE 'COMMIT%'
			  AND r.xid = (SELECT xmin FROM vouchers WHERE book = $3 AND id = $4)`, start, flushed, book, v.ID).Scan(&commits)
		if err != nil {
			t.Fatal(err)
		}
		if commits != 1 {
			t.Fatalf("draft %d: %d commit records of its transaction on disk when it was answered (WAL %s to %s), want 1", v.ID, commits, start, flushed)
		}
	}
}
