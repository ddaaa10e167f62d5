package bench

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgSampler explains where a side of a workload spends its time inside
// PostgreSQL: every few milliseconds it samples the wait events of the
// side's active backends (a role's sessions on the database; "CPU" when a
// backend waits on nothing), and it reads the WAL position before and
// after, so that WAL bytes per unit of work are exact. It also follows
// the CPU time of the cluster's processes from /proc/<pid>/stat (the
// cluster is local, started by the harness): the side's backends, and
// every process of the cluster (background writers, WAL writer,
// checkpointer, autovacuum), its own session excepted; and the Go CPU of
// this process meanwhile.
type pgSampler struct {
	conn    *pgx.Conn
	db      string
	role    string
	stop    chan struct{}
	done    chan struct{}
	mu      sync.Mutex
	counts  map[string]int
	samples int
	lsn0    int64
	wal     int64
	// fpi0 and fpi: full-page images in the WAL (pg_stat_wal, the whole
	// cluster's, as its backends report them: within a second or so)
	fpi0, fpi int64

	backends, cluster *procCPU
	backendCPU        time.Duration // the side's backends
	clusterCPU        time.Duration // every process of the cluster
	goCPU             time.Duration // this process (the in-process server, the bare clients), the sampler's own thread excepted
	goCPU0            time.Duration
	samplerCPU        time.Duration // the sampler's own thread (its queries and /proc reads)
	cpuKnown          bool          // the processes' CPU could be read
}

const (
	pgSampleEvery = 10 * time.Millisecond
	// pgCPUSamples is how often the processes' CPU is read: often enough
	// that a backend that exits loses little, rarely enough to cost
	// little.
	pgCPUSamples = 10 // every tenth sample
)

// pgProcs lists the cluster's processes: pid, and whether it is one of
// the side's client backends.
const pgProcs = `SELECT pid, backend_type = 'client backend' AND datname IS NOT DISTINCT FROM $1 AND usename IS NOT DISTINCT FROM $2
	FROM pg_stat_activity WHERE pid <> pg_backend_pid()`

// readProcs reads the cluster's processes into the CPU counters, with
// start for processes present at the beginning and see afterwards.
func (s *pgSampler) readProcs(ctx context.Context, first bool) {
	rows, err := s.conn.Query(ctx, pgProcs, s.db, s.role)
	if err != nil {
		return
	}
	type proc struct {
		pid  int
		ours bool
	}
	procs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (proc, error) {
		var p proc
		var pid int32
		err := r.Scan(&pid, &p.ours)
		p.pid = int(pid)
		return p, err
	})
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range procs {
		if first {
			s.cluster.start(p.pid)
			if p.ours {
				s.backends.start(p.pid)
			}
			continue
		}
		s.cluster.see(p.pid)
		if p.ours {
			s.backends.see(p.pid)
		}
	}
	if len(s.cluster.first) > 0 {
		s.cpuKnown = true
	}
}

// startPGSampler samples the backends of role on the database of d.
func (d *benchDatabase) startPGSampler(ctx context.Context, role string) (*pgSampler, error) {
	conn, err := pgx.Connect(ctx, d.superURL)
	if err != nil {
		return nil, err
	}
	s := &pgSampler{conn: conn, db: d.name, role: role, stop: make(chan struct{}), done: make(chan struct{}), counts: map[string]int{},
		backends: newProcCPU(), cluster: newProcCPU()}
	s.readProcs(ctx, true)
	s.goCPU0 = selfCPU()
	if err := conn.QueryRow(ctx, `SELECT pg_current_wal_lsn() - '0/0'::pg_lsn, (SELECT wal_fpi FROM pg_stat_wal)`).Scan(&s.lsn0, &s.fpi0); err != nil {
		conn.Close(ctx)
		return nil, err
	}
	go s.loop(ctx)
	return s, nil
}

func (s *pgSampler) loop(ctx context.Context) {
	// The sampler runs on a thread of its own, so that what it costs (a
	// query every 10 ms, /proc read every 100 ms) is measured apart and
	// left out of the figure of the process it observes.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu0 := threadCPU()
	defer func() {
		s.samplerCPU = threadCPU() - cpu0
		close(s.done)
	}()
	t := time.NewTicker(pgSampleEvery)
	defer t.Stop()
	for tick := 1; ; tick++ {
		select {
		case <-s.stop:
			return
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if tick%pgCPUSamples == 0 {
			s.readProcs(ctx, false)
		}
		rows, err := s.conn.Query(ctx, `SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') FROM pg_stat_activity
			WHERE datname = $1 AND usename = $2 AND state = 'active' AND pid <> pg_backend_pid()`, s.db, s.role)
		if err != nil {
			return
		}
		events, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return
		}
		s.mu.Lock()
		s.samples++
		for _, e := range events {
			s.counts[e]++
		}
		s.mu.Unlock()
	}
}

// finish stops sampling and reads the WAL written meanwhile.
func (s *pgSampler) finish(ctx context.Context) {
	close(s.stop)
	<-s.done
	s.goCPU = selfCPU() - s.goCPU0 - s.samplerCPU
	s.readProcs(ctx, false)
	s.mu.Lock()
	s.backends.refresh()
	s.cluster.refresh()
	s.backendCPU, s.clusterCPU = s.backends.used(), s.cluster.used()
	s.mu.Unlock()
	var lsn, fpi int64
	if err := s.conn.QueryRow(ctx, `SELECT pg_current_wal_lsn() - '0/0'::pg_lsn, (SELECT wal_fpi FROM pg_stat_wal)`).Scan(&lsn, &fpi); err == nil {
		s.wal, s.fpi = lsn-s.lsn0, fpi-s.fpi0
	}
	s.conn.Close(ctx)
}

// waitShares are the wait events as the average number of the side's
// backends in each (busy backends per sample), the largest first, at most
// n of them and "other" for the rest.
func (s *pgSampler) waitShares(n int) []waitShare {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []waitShare
	for e, c := range s.counts {
		out = append(out, waitShare{e, float64(c) / float64(max(s.samples, 1))})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].backends > out[j].backends })
	if len(out) > n {
		other := 0.0
		for _, w := range out[n:] {
			other += w.backends
		}
		out = append(out[:n], waitShare{"other", other})
	}
	return out
}

type waitShare struct {
	event    string
	backends float64
}

// addWaits puts a side's wait shares and WAL per unit into a detail map.
func addWaits(detail map[string]float64, prefix string, s *pgSampler, units int) {
	if s == nil {
		return
	}
	for _, w := range s.waitShares(4) {
		detail[prefix+"pg_"+strings.ReplaceAll(w.event, ":", "_")] = round4(w.backends)
	}
	if units > 0 {
		detail[prefix+"wal_bytes_per_unit"] = round4(float64(s.wal) / float64(units))
		detail[prefix+"wal_fpi_per_unit"] = round4(float64(s.fpi) / float64(units))
		if s.cpuKnown {
			detail[prefix+"pg_backend_cpu_ms_per_unit"] = round4(ms(s.backendCPU) / float64(units))
			detail[prefix+"pg_cluster_cpu_ms_per_unit"] = round4(ms(s.clusterCPU) / float64(units))
		}
	}
}

// ms is a duration in milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// merge adds another sampler's samples and WAL.
func (s *pgSampler) merge(o *pgSampler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.counts == nil {
		s.counts = map[string]int{}
	}
	for e, c := range o.counts {
		s.counts[e] += c
	}
	s.samples += o.samples
	s.wal += o.wal
	s.fpi += o.fpi
	s.backendCPU += o.backendCPU
	s.clusterCPU += o.clusterCPU
	s.goCPU += o.goCPU
	s.samplerCPU += o.samplerCPU
	s.cpuKnown = s.cpuKnown || o.cpuKnown
}

// sampled runs fn while sampling role's backends into agg.
func (d *benchDatabase) sampled(ctx context.Context, role string, agg *pgSampler, fn func() loadResult) loadResult {
	s, err := d.startPGSampler(ctx, role)
	r := fn()
	if err == nil {
		s.finish(ctx)
		agg.merge(s)
		// The range, for pg_waldump --stats=record --start … --end … on a
		// cluster kept with --keep.
		d.env.opt.logf("%s: WAL %s to %s (%d bytes)", role, lsnText(s.lsn0), lsnText(s.lsn0+s.wal), s.wal)
	}
	return r
}

// lsnText writes a WAL position as PostgreSQL does (0/16B3748).
func lsnText(lsn int64) string { return fmt.Sprintf("%X/%X", uint64(lsn)>>32, uint64(lsn)&0xffffffff) }
