package postgres_test

import (
	"sync"
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
	su := walInspector(t, f)
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

// TestDraftsQueueForTheirNumber: drafts of one month made at once take
// the numbers 1 to n, and none of them locks the month's counter row
// after waiting for it: they queue on the counter's advisory lock, so the
// WAL they write holds no Heap LOCK record of voucher_counters (migration
// 00050).
func TestDraftsQueueForTheirNumber(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	su := walInspector(t, f)
	var start string
	if err := su.QueryRow(f.ctx, `SELECT pg_current_wal_insert_lsn()::text`).Scan(&start); err != nil {
		t.Fatal(err)
	}
	const clients, each = 16, 5
	var wg sync.WaitGroup
	errs := make(chan error, clients*each)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				if _, err := f.flow("wangfang", receive("1.00")); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var numbers []int32
	var locks int
	err := su.QueryRow(f.ctx, `SELECT
		(SELECT array_agg(number ORDER BY number) FROM vouchers WHERE book = $1 AND year = 2020 AND month = 2),
		(SELECT count(*) FROM pg_get_wal_records_info($2::pg_lsn, pg_current_wal_flush_lsn()) r
			WHERE r.resource_manager = 'Heap' AND r.record_type LIKE 'LOCK%'
			  AND r.block_ref LIKE '%/' || pg_relation_filenode('voucher_counters') || ' %')`, book, start).Scan(&numbers, &locks)
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range numbers {
		if n != int32(i+1) {
			t.Fatalf("the month's numbers %v: want 1 to %d", numbers, clients*each)
		}
	}
	if len(numbers) != clients*each || locks != 0 {
		t.Fatalf("%d drafts numbered; %d Heap LOCK records of voucher_counters in their WAL, want none", len(numbers), locks)
	}
}

// walInspector is a superuser's connection to f's database with
// pg_walinspect, closed at the test's end.
func walInspector(t *testing.T, f *fixture) *pgx.Conn {
	t.Helper()
	su, err := pgx.Connect(f.ctx, f.tdb.SuperURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { su.Close(f.ctx) })
	if _, err := su.Exec(f.ctx, `CREATE EXTENSION IF NOT EXISTS pg_walinspect`); err != nil {
		t.Fatal(err)
	}
	return su
}
