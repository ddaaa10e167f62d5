package postgres_test

import (
	"fmt"
	"testing"

	"github.com/fenyang/partyfee/ledger"
)

// Benchmarks of the voucher use cases one at a time, on the test cluster
// (fsync off: they measure the round trips and the work of the
// transaction, triggers included, not the disk):
//
//	go test ./ledger/postgres -run '^$' -bench 'PostVoucher|MakeVoucher' -benchtime 2000x
//
// `ledger bench` measures the same steps under concurrency, over HTTP and
// with fsync on, against bare pgx.

// BenchmarkPostVoucher posts one checked spend voucher per operation with
// Transition, as POST /api/v1/vouchers/{id}/post does: the voucher locked
// and its balances held in the order of their advisory locks, the posting
// trigger moving the balances, the action log and the sealer's queue.
func BenchmarkPostVoucher(b *testing.B) {
	f := newFixture(b, nil)
	f.fund("9000000.00", map[string]string{sealBranches[0]: "5000000.00"})
	ids := benchCheckedDrafts(b, f, 1, b.N)[0]
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := f.db.Transition(f.ctx, book, "liqiang", ids[i], ledger.ActPost); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if got := f.balance(ledger.AcctPending, sealBranches[0], "FY-UP"); !got.Equal(money("5000000.00").Sub(ledger.FromFen(int64(100 * b.N)))) {
		b.Fatalf("balance after %d postings of 1.00: %s", b.N, got)
	}
}

// BenchmarkMakeVoucher makes one spend voucher per operation with
// CreateVoucher: validation, authorisation, the next gapless number, the
// lines in one statement with their trigger, the action log.
func BenchmarkMakeVoucher(b *testing.B) {
	f := newFixture(b, nil)
	f.fund("9000000.00", map[string]string{sealBranches[0]: "5000000.00"})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := sealSpend(sealBranches[0], fmt.Sprintf("%d.%02d", 1+i%900, i%100))
		r.Date = day("2020-02-10")
		if _, err := f.flow("wangfang", r); err != nil {
			b.Fatal(err)
		}
	}
}
