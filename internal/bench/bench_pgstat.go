package bench

import (
	"context"
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
// after, so that WAL bytes per unit of work are exact.
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
}

const pgSampleEvery = 10 * time.Millisecond

// startPGSampler samples the backends of role on the database of d.
func (d *benchDatabase) startPGSampler(ctx context.Context, role string) (*pgSampler, error) {
	conn, err := pgx.Connect(ctx, d.superURL)
	if err != nil {
		return nil, err
	}
	s := &pgSampler{conn: conn, db: d.name, role: role, stop: make(chan struct{}), done: make(chan struct{}), counts: map[string]int{}}
	if err := conn.QueryRow(ctx, `SELECT pg_current_wal_lsn() - '0/0'::pg_lsn`).Scan(&s.lsn0); err != nil {
		conn.Close(ctx)
		return nil, err
	}
	go s.loop(ctx)
	return s, nil
}

func (s *pgSampler) loop(ctx context.Context) {
	defer close(s.done)
	t := time.NewTicker(pgSampleEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-ctx.Done():
			return
		case <-t.C:
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
	var lsn int64
	if err := s.conn.QueryRow(ctx, `SELECT pg_current_wal_lsn() - '0/0'::pg_lsn`).Scan(&lsn); err == nil {
		s.wal = lsn - s.lsn0
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
	}
}

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
}

// sampled runs fn while sampling role's backends into agg.
func (d *benchDatabase) sampled(ctx context.Context, role string, agg *pgSampler, fn func() loadResult) loadResult {
	s, err := d.startPGSampler(ctx, role)
	r := fn()
	if err == nil {
		s.finish(ctx)
		agg.merge(s)
	}
	return r
}
