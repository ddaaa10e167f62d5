package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/reports"
)

// The replica workload: online posting over HTTP (16 clients, as
// online-16) alone, then while the audit workbook of the bulk data is
// written over and over from the primary, then while it is written from a
// streaming replica of the bench cluster made for the run. The rows are
// the posting rates during the workbook against the rate alone: the drop
// the auditors' heavy read causes the officers, on the primary and on the
// replica. Both servers run on this machine, so the replica takes the
// primary's locks, buffers and I/O out of the way but not its CPU cores.

const replicaClients = 16

// replica runs the workload on the online database (posting) and the bulk
// one (the workbook).
func (e *benchEnv) replica(ctx context.Context, on *benchOnline, bulk *benchBulk) ([]Result, error) {
	r, err := e.server.Replica()
	if err != nil {
		return nil, err
	}
	e.opt.logf("replica: copying the cluster (pg_basebackup) and starting the replica")
	took, err := timeIt(func() error { return r.Start(ctx) })
	if err != nil {
		return nil, err
	}
	e.closers = append(e.closers, func(ctx context.Context) {
		if err := r.Remove(ctx); err != nil {
			e.opt.Log.Warn("removing the bench replica", "err", err)
		}
		_ = r.DropSlot(ctx)
	})
	replicaDB, err := postgres.Open(ctx, r.URL(bulk.name, "ledger_app"), postgres.Options{MaxConns: 4})
	if err != nil {
		return nil, err
	}
	defer replicaDB.Close()
	reads := &postgres.ReadDB{Primary: bulk.db, Replica: replicaDB, WaitMax: time.Minute}
	if db, _ := reads.For(ctx, postgres.ReadLatest); db != replicaDB {
		return nil, fmt.Errorf("the replica did not catch up with the primary within a minute")
	}
	d := e.opt.Duration
	e.opt.logf("replica: posting alone, %d clients, %v", replicaClients, d)
	alone := on.postFor(ctx, d)
	e.opt.logf("replica: posting while the workbook is written from the primary, %v", d)
	onPrimary, nPrimary, err := on.postWhile(ctx, d, bulk, bulk.db)
	if err != nil {
		return nil, err
	}
	e.opt.logf("replica: posting while the workbook is written from the replica, %v", d)
	onReplica, nReplica, err := on.postWhile(ctx, d, bulk, replicaDB)
	if err != nil {
		return nil, err
	}
	if alone.units == 0 || onPrimary.units == 0 || onReplica.units == 0 {
		return nil, fmt.Errorf("no voucher was posted (%v, %v, %v)", alone.firstErr, onPrimary.firstErr, onReplica.firstErr)
	}
	base := alone.rate(alone.units)
	p := newResult("replica-primary", "vouchers/s", onPrimary.rate(onPrimary.units), base, target{})
	p.Note = "posting while the workbook is read from the primary, against posting alone"
	p.Detail = map[string]float64{"workbooks_whole": float64(nPrimary), "p99_ms": onPrimary.percentile(0.99), "alone_p99_ms": alone.percentile(0.99)}
	q := newResult("replica", "vouchers/s", onReplica.rate(onReplica.units), base, target{})
	q.Note = "posting while the workbook is read from the replica, against posting alone"
	q.Detail = map[string]float64{"workbooks_whole": float64(nReplica), "p99_ms": onReplica.percentile(0.99), "alone_p99_ms": alone.percentile(0.99),
		"replica_start_s": round4(took.Seconds())}
	return []Result{p, q}, nil
}

// postFor posts spend vouchers over HTTP for d.
func (o *benchOnline) postFor(ctx context.Context, d time.Duration) loadResult {
	return runClients(ctx, replicaClients, d, func(ctx context.Context, _ int, rng *rand.Rand, st *clientStats) bool {
		return o.oursSpend(ctx, rng, st)
	})
}

// postWhile posts for d while the bulk period's audit workbook is written
// over and over from db, and returns how many were written whole.
func (o *benchOnline) postWhile(ctx context.Context, d time.Duration, bulk *benchBulk, db *postgres.DB) (loadResult, int, error) {
	wctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var written int
	var werr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for wctx.Err() == nil {
			data, closeData, err := db.AuditData(wctx, benchBook, bulk.period, "")
			if err == nil {
				_, err = reports.WriteAudit(io.Discard, data, reports.Options{})
				if cerr := closeData(); err == nil {
					err = cerr
				}
			}
			if wctx.Err() != nil {
				return
			}
			if err != nil {
				werr = err
				return
			}
			written++
		}
	}()
	res := o.postFor(ctx, d)
	stop()
	wg.Wait()
	return res, written, werr
}
