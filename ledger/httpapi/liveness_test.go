package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/httpapi"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// A month close racing more writers than the pool has connections: the
// close holds the period row, the writers queue behind it holding their
// connections, and the close must still finish (or give up with
// unavailable) without waiting for one of theirs; reads keep answering.
// With the close reading on its own pool (db.Pool instead of the side
// pool) this test fails: the close and every read wait 30 s.
func TestCloseRacingWritersStaysLive(t *testing.T) {
	t.Parallel()
	const writers, poolConns = 20, 8
	e := newEnv(t)
	e.funded()
	ctx := context.Background()
	db, err := postgres.Open(ctx, e.tdb.AppURL, postgres.Options{MaxConns: poolConns})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.Source = "http"
	opt := options(t)
	opt.RequestTimeout = 60 * time.Second
	ts := httptest.NewServer(httpapi.New(db, opt).Handler())
	defer ts.Close()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var made, refused atomic.Int64
	// Half the writers go through the API, which bounds its concurrent
	// writes; the other half call the use case directly, so that together
	// they hold every connection of the pool while they queue behind the
	// period row the close holds (each draft takes that row FOR SHARE).
	// A close that then waits for another pool connection freezes until
	// statement_timeout (issue #14, defect 6).
	b, err := db.LoadBooks(ctx, book)
	if err != nil {
		t.Fatal(err)
	}
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if i%2 == 1 {
					v, err := ledger.BuildFlow(&ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-UP", Amount: amt("1.00"),
						Date: day("2020-02-10"), Attachments: 1}, b)
					if err != nil {
						t.Error(err)
						return
					}
					wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
					_, _, err = db.CreateVoucher(wctx, officer, v)
					cancel()
					if err == nil {
						made.Add(1)
					} else {
						refused.Add(1)
					}
					continue
				}
				r, err := tryRequest(ts.Client(), ts.URL, http.MethodPost, "/api/v1/flows/receive", e.tokens[officer],
					map[string]any{"fund": "FY-UP", "amount": "1.00", "date": "2020-02-10", "attachments": 1}, "Idempotency-Key", newKey())
				switch {
				case err != nil:
					t.Error(err)
					return
				case r.status == http.StatusCreated:
					made.Add(1)
				default:
					refused.Add(1)
				}
			}
		}()
	}
	// Reads all along: GET /api/v1/me answers within 2 s.
	var slowest atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			start := time.Now()
			r, err := tryRequest(ts.Client(), ts.URL, http.MethodGet, "/api/v1/me", e.tokens[auditor], nil)
			d := time.Since(start)
			if err != nil || r.status != http.StatusOK {
				t.Errorf("GET /api/v1/me during the close: %v %v", err, r)
				return
			}
			if int64(d) > slowest.Load() {
				slowest.Store(int64(d))
			}
		}
	}()
	time.Sleep(500 * time.Millisecond)
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	start := time.Now()
	_, err = db.Reconcile(cctx, postgres.ReconcileOptions{Book: book, Period: ledger.PeriodRange{From: day("2020-02-01"), To: day("2020-02-29")},
		Close: true, WindowDays: 10})
	took := time.Since(start)
	time.Sleep(500 * time.Millisecond)
	close(stop)
	wg.Wait()
	t.Logf("close: %v in %v; writes made %d, refused %d; slowest read %v", err, took, made.Load(), refused.Load(), time.Duration(slowest.Load()))
	if code := ledger.ErrorCode(err); err != nil && code != ledger.EUnavailable && code != ledger.EInvalidState {
		t.Fatalf("close racing writers: %v (code %s)", err, code)
	}
	// The close waits at most 5 s for the writers' locks; the rest is its
	// own work, with a margin for a loaded machine.
	if took > 15*time.Second {
		t.Fatalf("the close racing %d writers took %v", writers, took)
	}
	// A read stays well under the close's own lock wait: before the fix
	// reads queued behind the writers for the whole close (30 s); 6 s is
	// margin for a loaded machine under the race detector.
	if s := time.Duration(slowest.Load()); s > 6*time.Second {
		t.Fatalf("a read took %v while the close raced the writers", s)
	}
	if made.Load() == 0 {
		t.Fatal("no write got through: the race did not happen")
	}
}
