package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
)

// TestConcurrentSpendsNeverOverdraw: 200 spends of 100.00 race for the
// 5,000.00 of one branch; exactly 50 post, the others are rejected with
// insufficient_funds, and the balance, watched while they run, is never
// negative.
func TestConcurrentSpendsNeverOverdraw(t *testing.T) {
	t.Parallel()
	const spenders, amount, available = 200, "100.00", "5000.00"
	f := newFixture(t, nil)
	f.fund(available, map[string]string{"FY-CP-01": available})
	b := f.books()

	stop := make(chan struct{})
	watched := make(chan error, 1)
	go func() {
		// Read the balance straight from the table while the spends run.
		var err error
		for n := 0; ; n++ {
			select {
			case <-stop:
				if err == nil && n == 0 {
					err = fmt.Errorf("the balance was never read")
				}
				watched <- err
				return
			default:
			}
			var fen int64
			if qerr := f.db.Pool.QueryRow(f.ctx, `SELECT balance_fen FROM balances WHERE book = $1 AND account = '121801' AND org = 'FY-CP-01' AND fund = 'FY-UP'`, book).Scan(&fen); qerr != nil {
				err = qerr
			} else if fen < 0 && err == nil {
				err = fmt.Errorf("balance seen at %s", ledger.FromFen(fen))
			}
			time.Sleep(2 * time.Millisecond)
		}
	}()

	var posted, rejected atomic.Int64
	errs := make(chan error, spenders)
	var wg sync.WaitGroup
	for i := range spenders {
		wg.Go(func() {
			r := spend("FY-CP-01", "FY-UP", ledger.Procurement, amount)
			r.Date = day("2020-02-12")
			r.Payee = fmt.Sprintf("供应商%03d", i)
			v, err := ledger.BuildFlow(&r, b)
			if err != nil {
				errs <- err
				return
			}
			maker := []string{"wangfang", "liuyang"}[i%2]
			checker := []string{"liqiang", "zhouhui"}[i%2]
			v, _, err = f.db.CreateVoucher(f.ctx, maker, v)
			if err != nil {
				errs <- fmt.Errorf("make: %w", err)
				return
			}
			if _, err := f.db.Transition(f.ctx, book, checker, v.ID, ledger.ActCheck); err != nil {
				errs <- fmt.Errorf("check: %w", err)
				return
			}
			_, err = f.db.Transition(f.ctx, book, checker, v.ID, ledger.ActPost)
			switch ledger.ErrorCode(err) {
			case "":
				posted.Add(1)
			case ledger.EInsufficientFunds:
				rejected.Add(1)
			default:
				errs <- fmt.Errorf("post: %w", err)
			}
		})
	}
	wg.Wait()
	close(stop)
	close(errs)
	for err := range errs {
		t.Errorf("unexpected error: %v", err)
	}
	if err := <-watched; err != nil {
		t.Errorf("watching the balance: %v", err)
	}
	if posted.Load() != 50 || rejected.Load() != 150 {
		t.Fatalf("%d posted and %d rejected, want 50 and 150", posted.Load(), rejected.Load())
	}
	if bal := f.balance("121801", "FY-CP-01", "FY-UP"); !bal.IsZero() {
		t.Fatalf("branch balance = %s, want 0.00", bal)
	}
	if bal := f.balance("500101", "FY-CP-01", "FY-UP"); !bal.Equal(money(available)) {
		t.Fatalf("procurement spending = %s, want %s", bal, available)
	}
	if n := f.count(`SELECT count(*) FROM vouchers WHERE flow = 'spend' AND status = 'posted'`); n != 50 {
		t.Fatalf("%d posted spends in the table, want 50", n)
	}
	if n := f.count(`SELECT count(*) FROM vouchers WHERE flow = 'spend' AND status = 'checked'`); n != 150 {
		t.Fatalf("%d rejected spends still checked, want 150", n)
	}
	if n := f.count(`SELECT count(*) FROM balances WHERE balance_fen < 0 AND restricted`); n != 0 {
		t.Fatalf("%d restricted balances below zero", n)
	}
}

// TestOppositeLockOrdersDoNotDeadlock posts, concurrently, vouchers whose
// lines touch the same two balances in opposite orders. Balances are held
// by their advisory locks in the locks' order (migration 00041), so none of
// them may deadlock (the server's deadlock counter stays where it was) and
// all of them post.
func TestOppositeLockOrdersDoNotDeadlock(t *testing.T) {
	t.Parallel()
	const pairs = 40
	f := newFixture(t, nil)
	f.fund("10000.00", map[string]string{"FY-CP-01": "1000.00", "FY-CP-02": "1000.00"})
	var vouchers []*ledger.Voucher
	for i := range pairs {
		for _, v := range []*ledger.Voucher{
			generalVoucher(dr("121801", "FY-CP-01", "FY-UP", "1.00"), cr("121801", "FY-CP-02", "FY-UP", "1.00")),
			generalVoucher(cr("121801", "FY-CP-01", "FY-UP", "1.00"), dr("121801", "FY-CP-02", "FY-UP", "1.00")),
			// The same two keys in the other line order, the other way round.
			generalVoucher(cr("121801", "FY-CP-02", "FY-UP", "1.00"), dr("121801", "FY-CP-01", "FY-UP", "1.00")),
			generalVoucher(dr("121801", "FY-CP-02", "FY-UP", "1.00"), cr("121801", "FY-CP-01", "FY-UP", "1.00")),
		} {
			v.Summary = fmt.Sprintf("调整 %d", i)
			made, err := f.create("wangfang", v)
			if err != nil {
				t.Fatal(err)
			}
			f.mustStep("liqiang", made.ID, ledger.ActCheck)
			vouchers = append(vouchers, made)
		}
	}
	before := deadlocks(t, f)
	var wg sync.WaitGroup
	errs := make(chan error, len(vouchers))
	start := make(chan struct{})
	for _, v := range vouchers {
		wg.Go(func() {
			<-start
			if _, err := f.db.Transition(f.ctx, book, "zhouhui", v.ID, ledger.ActPost); err != nil {
				errs <- fmt.Errorf("%s: %w", v.Word(), err)
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("post: %v", err)
	}
	if n := f.count(`SELECT count(*) FROM vouchers WHERE status = 'posted' AND flow = 'general'`); n != len(vouchers) {
		t.Fatalf("%d of %d vouchers posted", n, len(vouchers))
	}
	for _, org := range []string{"FY-CP-01", "FY-CP-02"} {
		if b := f.balance("121801", org, "FY-UP"); !b.Equal(money("1000.00")) {
			t.Fatalf("%s holds %s after the round trips, want 1000.00", org, b)
		}
	}
	if after := deadlocks(t, f); after != before {
		t.Fatalf("the server detected %d deadlocks while posting", after-before)
	}
}

// deadlocks reads the server's deadlock counter for the test database,
// after the statistics of finished transactions have been flushed.
func deadlocks(t *testing.T, f *fixture) int64 {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, f.tdb.SuperURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// Backends flush their counters at most once a second while busy.
	time.Sleep(1100 * time.Millisecond)
	var n int64
	if err := conn.QueryRow(ctx, `SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestConcurrentIdempotentCreates: 50 concurrent requests with one
// idempotency key make one voucher; every request gets its id and 49 are
// told they were replays.
func TestConcurrentIdempotentCreates(t *testing.T) {
	t.Parallel()
	const requests = 50
	f := newFixture(t, nil)
	b := f.books()
	r := receive("90000.00")
	r.Date, r.Key, r.Decision = day("2020-02-03"), "省委组织部-2020-5", "吕组通〔2020〕5号"
	var wg sync.WaitGroup
	ids := make([]int64, requests)
	replayed := make([]bool, requests)
	errs := make([]error, requests)
	start := make(chan struct{})
	for i := range requests {
		wg.Go(func() {
			rr := r
			v, err := ledger.BuildFlow(&rr, b)
			if err != nil {
				errs[i] = err
				return
			}
			<-start
			var out *ledger.Voucher
			out, replayed[i], errs[i] = f.db.CreateVoucher(context.Background(), "wangfang", v)
			if out != nil {
				ids[i] = out.ID
			}
		})
	}
	close(start)
	wg.Wait()
	replays := 0
	for i := range requests {
		if errs[i] != nil {
			t.Fatalf("request %d: %v", i, errs[i])
		}
		if ids[i] != ids[0] {
			t.Fatalf("request %d got voucher %d, request 0 got %d", i, ids[i], ids[0])
		}
		if replayed[i] {
			replays++
		}
	}
	if replays != requests-1 {
		t.Fatalf("%d replays, want %d", replays, requests-1)
	}
	if n := f.count(`SELECT count(*) FROM vouchers`); n != 1 {
		t.Fatalf("%d vouchers, want 1", n)
	}
	if n := f.count(`SELECT count(*) FROM actions WHERE action = 'make'`); n != 1 {
		t.Fatalf("%d make actions, want 1", n)
	}
	if v, err := f.db.Voucher(f.ctx, book, ids[0]); err != nil || v.Number != 1 || v.Key != r.Key {
		t.Fatalf("the voucher: %+v, %v", v, err)
	}
}
