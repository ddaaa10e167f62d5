package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/report"
)

// Freshness is what a read must see.
type Freshness int

const (
	// ReadReplayed reads whatever the replica has replayed (a report of a
	// closed month, an auditor's browsing).
	ReadReplayed Freshness = iota
	// ReadLatest sees every write the primary had made durable when the
	// read began: the replica is used once it has replayed that far,
	// which it is waited for up to ReadDB.WaitMax, else the primary.
	ReadLatest
)

// replicaProbeTimeout bounds the question whether the replica answers.
const replicaProbeTimeout = 3 * time.Second

// replicaPollInterval is how often a ReadLatest read asks the replica how
// far it has replayed.
const replicaPollInterval = 5 * time.Millisecond

// WaitMaxDefault is ReadDB.WaitMax when it is zero.
const WaitMaxDefault = 5 * time.Second

// ReadDB chooses the database a read runs on, the caller saying which
// reads may go there: reports, verify, exports and the auditors' reads go
// to the streaming replica when one is configured and answers; everything
// else, and every write, goes to Primary. A replica that does not answer
// sends the read to the primary with a warning.
type ReadDB struct {
	Primary *DB
	// Replica is the hot standby's pool; nil when none is configured.
	Replica *DB
	// WaitMax bounds the wait of a ReadLatest read for the replica's
	// replay (0: WaitMaxDefault); past it the read goes to the primary.
	WaitMax time.Duration
	// Warn receives why a read meant for the replica goes to the primary
	// (or, the primary being down, reads a replica that may lag): a
	// *ledger.Error with code unavailable. nil discards it.
	Warn func(error)
}

// NewReadDB returns the reads of primary, going to replica when it is not
// nil.
func NewReadDB(primary, replica *DB) *ReadDB { return &ReadDB{Primary: primary, Replica: replica} }

// ReplayPosition is how far a replica has replayed the primary's WAL.
type ReplayPosition struct {
	InRecovery bool      `json:"in_recovery"` // false once promoted
	LSN        string    `json:"replay_lsn"`  // pg_last_wal_replay_lsn
	ReplayedAt time.Time `json:"replayed_at"` // pg_last_xact_replay_timestamp; zero if none yet
}

// ReplayPosition asks db, a replica, how far it has replayed.
func (db *DB) ReplayPosition(ctx context.Context) (ReplayPosition, error) {
	var p ReplayPosition
	var lsn pgtype.Text
	var at pgtype.Timestamptz
	err := db.Pool.QueryRow(ctx, `SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text, pg_last_xact_replay_timestamp()`).Scan(&p.InRecovery, &lsn, &at)
	if err != nil {
		return p, mapError(err)
	}
	p.LSN, p.ReplayedAt = lsn.String, at.Time
	return p, nil
}

// For returns the database a read of freshness f runs on and, when a
// replica is configured, the source to print (nil without a replica).
func (r *ReadDB) For(ctx context.Context, f Freshness) (*DB, *report.ReadSource) {
	if r == nil || r.Replica == nil {
		if r == nil {
			return nil, nil
		}
		return r.Primary, nil
	}
	pctx, cancel := context.WithTimeout(ctx, replicaProbeTimeout)
	defer cancel()
	pos, err := r.Replica.ReplayPosition(pctx)
	if err == nil && !pos.InRecovery {
		err = ledger.Errorf(ledger.EUnavailable, "replica", "the replica has been promoted and no longer follows the primary")
	}
	if err != nil {
		return r.fallback(ledger.Errorf(ledger.EUnavailable, "replica", "the replica does not answer (%v); reading from the primary", ledger.ErrorMessage(err)))
	}
	if f == ReadLatest {
		var target string
		if err := r.Primary.Pool.QueryRow(pctx, `SELECT pg_current_wal_flush_lsn()::text`).Scan(&target); err != nil {
			r.warn(ledger.Errorf(ledger.EUnavailable, "database", "the primary does not answer (%v); reading from the replica, which may lag", ledger.ErrorMessage(err)))
			return r.Replica, &report.ReadSource{Replica: true, ReplayLSN: pos.LSN, ReplayedAt: pos.ReplayedAt}
		}
		if pos, err = r.waitReplay(ctx, target); err != nil {
			return r.fallback(err)
		}
	}
	return r.Replica, &report.ReadSource{Replica: true, ReplayLSN: pos.LSN, ReplayedAt: pos.ReplayedAt}
}

// waitReplay waits up to WaitMax for the replica to replay target.
func (r *ReadDB) waitReplay(ctx context.Context, target string) (ReplayPosition, error) {
	wait := r.WaitMax
	if wait <= 0 {
		wait = WaitMaxDefault
	}
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	for {
		var done bool
		err := r.Replica.Pool.QueryRow(wctx, `SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false)`, target).Scan(&done)
		if err == nil && done {
			return r.Replica.ReplayPosition(ctx)
		}
		if err != nil && wctx.Err() == nil {
			return ReplayPosition{}, ledger.Errorf(ledger.EUnavailable, "replica", "the replica does not answer (%v); reading from the primary", ledger.ErrorMessage(mapError(err)))
		}
		select {
		case <-wctx.Done():
			return ReplayPosition{}, ledger.Errorf(ledger.EUnavailable, "replica", "the replica has not replayed the latest write (%s) within %v; reading from the primary", target, wait)
		case <-time.After(replicaPollInterval):
		}
	}
}

func (r *ReadDB) fallback(err error) (*DB, *report.ReadSource) {
	r.warn(err)
	return r.Primary, &report.ReadSource{Reason: ledger.ErrorMessage(err)}
}

func (r *ReadDB) warn(err error) {
	if r.Warn != nil {
		r.Warn(err)
	}
}

// Close closes the replica's pool (the primary's belongs to the caller).
func (r *ReadDB) Close() {
	if r != nil && r.Replica != nil {
		r.Replica.Close()
	}
}

// Replication is one standby as the primary sees it (pg_stat_replication).
type Replication struct {
	Name       string        `json:"name"`       // application_name (the replica's cluster_name)
	State      string        `json:"state"`      // streaming, catchup, startup, backup
	SentLSN    string        `json:"sent_lsn"`   // sent
	ReplayLSN  string        `json:"replay_lsn"` // replayed by the standby
	LagBytes   int64         `json:"lag_bytes"`  // current WAL position − replayed position
	ReplayLag  time.Duration `json:"replay_lag"` // PostgreSQL's replay_lag (0 when idle)
	SyncState  string        `json:"sync_state"`
	SlotName   string        `json:"slot,omitempty"`
	SlotActive bool          `json:"slot_active"`
}

// Replications lists the standbys streaming from db (a primary; as a
// superuser or a member of pg_read_all_stats, else the columns are null)
// and the physical slots that no standby uses at the moment.
func (db *DB) Replications(ctx context.Context) ([]Replication, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT coalesce(r.application_name, ''), coalesce(r.state, 'stopped'), coalesce(r.sent_lsn::text, ''),
		       coalesce(r.replay_lsn::text, s.restart_lsn::text, ''),
		       coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), coalesce(r.replay_lsn, s.restart_lsn)), 0)::bigint,
		       coalesce(extract(epoch FROM r.replay_lag), 0)::float8, coalesce(r.sync_state, ''),
		       coalesce(s.slot_name::text, ''), coalesce(s.active, false)
		  FROM pg_stat_replication r
		  FULL JOIN (SELECT * FROM pg_replication_slots WHERE slot_type = 'physical') s ON s.active_pid = r.pid
		 ORDER BY 1, 8`)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	var out []Replication
	for rows.Next() {
		var x Replication
		var lag float64
		if err := rows.Scan(&x.Name, &x.State, &x.SentLSN, &x.ReplayLSN, &x.LagBytes, &lag, &x.SyncState, &x.SlotName, &x.SlotActive); err != nil {
			return nil, mapError(err)
		}
		x.ReplayLag = time.Duration(lag * float64(time.Second))
		out = append(out, x)
	}
	return out, mapError(rows.Err())
}

// ReplicaStatus is the state of streaming replication as both sides see it.
type ReplicaStatus struct {
	// Standbys are the primary's view (pg_stat_replication and the
	// physical slots).
	Standbys     []Replication `json:"standbys"`
	PrimaryError string        `json:"primary_error,omitempty"`
	// Replay is the replica's own view; nil when it does not answer.
	Replay       *ReplayPosition `json:"replay,omitempty"`
	ReplicaError string          `json:"replica_error,omitempty"`
}

// ReadReplicaStatus asks the primary at primaryURL (a superuser or a member
// of pg_read_all_stats sees every column) and the replica at replicaURL
// how replication stands; a side that does not answer is named in the
// result, not returned as an error.
func ReadReplicaStatus(ctx context.Context, primaryURL, replicaURL string) ReplicaStatus {
	var st ReplicaStatus
	opt := Options{MaxConns: 1, ConnectTimeout: replicaProbeTimeout}
	if p, err := Open(ctx, primaryURL, opt); err != nil {
		st.PrimaryError = ledger.ErrorMessage(err)
	} else {
		if st.Standbys, err = p.Replications(ctx); err != nil {
			st.PrimaryError = ledger.ErrorMessage(err)
		}
		p.Close()
	}
	if replicaURL == "" {
		return st
	}
	if r, err := Open(ctx, replicaURL, opt); err != nil {
		st.ReplicaError = ledger.ErrorMessage(err)
	} else {
		if pos, err := r.ReplayPosition(ctx); err != nil {
			st.ReplicaError = ledger.ErrorMessage(err)
		} else {
			st.Replay = &pos
		}
		r.Close()
	}
	return st
}

// OpenReadDB returns the reads of primary, going to the replica at
// replicaURL when it is not "" (its pool connects on first use, so a
// replica that is down shows, and is warned about, when a read asks for
// it). warn receives every fallback (see ReadDB.Warn).
func OpenReadDB(ctx context.Context, primary *DB, replicaURL string, opt Options, waitMax time.Duration, warn func(error)) *ReadDB {
	r := &ReadDB{Primary: primary, WaitMax: waitMax, Warn: warn}
	if replicaURL == "" {
		return r
	}
	if opt.ConnectTimeout <= 0 || opt.ConnectTimeout > replicaProbeTimeout {
		opt.ConnectTimeout = replicaProbeTimeout
	}
	replica, err := Open(ctx, replicaURL, opt)
	if err != nil {
		r.warn(ledger.Errorf(ledger.EUnavailable, "database.replica_url", "the replica cannot be used (%v); reading from the primary", ledger.ErrorMessage(err)))
		return r
	}
	replica.Now, replica.Source = primary.Now, primary.Source
	r.Replica = replica
	return r
}

// Probe says whether the external database at url answers and its schema
// version (`ledger db status`); shown is url as it may be printed.
func Probe(ctx context.Context, url, shown string) map[string]any {
	st := map[string]any{"database_url": shown}
	db, err := Open(ctx, url, Options{ConnectTimeout: 5 * time.Second})
	if err == nil {
		err = db.Ping(ctx)
		db.Close()
	}
	st["reachable"] = err == nil
	if v, err := SchemaVersion(ctx, url); err == nil {
		st["schema_version"] = v
	}
	return st
}

// WaitReplicaStreaming waits up to timeout for a standby of the primary at
// primaryURL to stream: a replica just started may still be connecting or
// catching up with what the primary wrote meanwhile (its migrations). It
// returns when one streams, at the timeout or when ctx ends; what it then
// shows is ReadReplicaStatus's to say.
func WaitReplicaStreaming(ctx context.Context, primaryURL string, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		for _, s := range ReadReplicaStatus(ctx, primaryURL, "").Standbys {
			if s.State == "streaming" {
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}
