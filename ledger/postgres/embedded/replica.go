package embedded

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// ReplicaPort is the port number in the replica's socket file name, so that
// its socket never looks like the primary's even in one directory.
const ReplicaPort = 5433

// SlotName is the physical replication slot the replica streams through:
// the primary keeps the WAL the replica has not received yet (up to
// max_slot_wal_keep_size), so a replica stopped for a while catches up
// instead of needing a new base backup.
const SlotName = "ledger_replica"

// Settings of a primary that lets a replica stream from it. wal_level
// replica and max_wal_senders are PostgreSQL's defaults, written out so
// that the file says what the replica depends on; the replication
// connection comes over the Unix socket only (initdb's pg_hba.conf trusts
// "local replication all", and listen_addresses is empty).
var primaryReplication = map[string]string{
	"wal_level":             "replica",
	"max_wal_senders":       "4",
	"max_replication_slots": "4",
	// A replica left stopped may hold back at most this much WAL; past
	// it the slot is invalidated and the replica must be made again
	// (remove <data-dir>/replica, then start it).
	"max_slot_wal_keep_size": "'4GB'",
}

// Settings of the hot standby. The auditors' long reads (the audit
// workbook of a large period streams for minutes) must not be cancelled
// by recovery conflicts:
//   - hot_standby_feedback = on tells the primary which rows the replica's
//     snapshots still see, so VACUUM on the primary does not remove them
//     (the most common conflict, "canceling statement due to conflict
//     with recovery");
//   - max_standby_streaming_delay = 30min lets replay wait behind a query
//     that still conflicts (an ACCESS EXCLUSIVE lock of a migration, a
//     truncation by VACUUM) for longer than the longest workbook takes,
//     instead of PostgreSQL's default 30 s, after which it would cancel
//     the query. Replay falling behind meanwhile is harmless: a read that
//     must see the latest write waits only a bounded time for the replay
//     and then reads from the primary (postgres.ReadDB).
var standbySettings = map[string]string{
	"hot_standby":                  "on",
	"hot_standby_feedback":         "on",
	"max_standby_streaming_delay":  "'30min'",
	"max_standby_archive_delay":    "'30min'",
	"wal_receiver_status_interval": "'1s'",
	// The replica's name in the primary's pg_stat_replication.
	"cluster_name": "'" + SlotName + "'",
}

func (s *Server) replicationSettings() map[string]string {
	if s.primary != nil {
		return standbySettings
	}
	return primaryReplication
}

// Replica is the handle on the hot standby of s in <data-dir>/replica: its
// cluster is <data-dir>/replica/pg, its socket <data-dir>/replica/run (port
// ReplicaPort). It touches nothing on disk.
func (s *Server) Replica() (*Server, error) {
	if s.primary != nil {
		return nil, errors.New("a replica has no replica of its own")
	}
	opt := s.opt
	opt.DataDir = filepath.Join(s.opt.DataDir, "replica")
	r, err := New(opt)
	if err != nil {
		return nil, err
	}
	r.port, r.primary = ReplicaPort, s
	return r, nil
}

// IsReplica reports whether s is a primary's replica.
func (s *Server) IsReplica() bool { return s.primary != nil }

// Exists reports whether the cluster has been made.
func (s *Server) Exists() bool { return s.clusterVersion() > 0 }

// baseBackup makes the replica's cluster as a copy of the running primary
// (pg_basebackup -R: standby.signal and primary_conninfo over the
// primary's socket), streaming through the slot SlotName, which it
// creates when missing.
func (s *Server) baseBackup(ctx context.Context) error {
	p := s.primary
	if !p.Running() {
		return fmt.Errorf("the primary PostgreSQL of %s is not running; start it first (ledger db start)", p.opt.DataDir)
	}
	if err := os.RemoveAll(s.pgdata); err != nil {
		return err
	}
	conn := []string{"-h", p.sockDir, "-p", strconv.Itoa(p.port), "-U", Superuser}
	s.logf("creating the replication slot %s on the primary", SlotName)
	if err := s.run(ctx, "pg_receivewal", append(conn, "--slot", SlotName, "--create-slot", "--if-not-exists")...); err != nil {
		return err
	}
	s.logf("copying the primary into %s (pg_basebackup)", s.pgdata)
	args := append(conn, "-D", s.pgdata, "-R", "-S", SlotName, "-X", "stream", "-c", "fast")
	if s.opt.NoSync {
		args = append(args, "--no-sync")
	}
	if err := s.run(ctx, "pg_basebackup", args...); err != nil {
		os.RemoveAll(s.pgdata)
		return err
	}
	return nil
}

// DropSlot removes the replication slot from the running primary, so that
// it keeps no WAL for a replica that is gone.
func (s *Server) DropSlot(ctx context.Context) error {
	p := s.primary
	if p == nil || !p.Running() {
		return nil
	}
	if err := s.findBinaries(); err != nil {
		return err
	}
	return s.run(ctx, "pg_receivewal", "-h", p.sockDir, "-p", strconv.Itoa(p.port), "-U", Superuser, "--slot", SlotName, "--drop-slot")
}

// Promote makes the replica a primary of its own (pg_ctl promote): it stops
// following the old primary and accepts writes. The old primary must not
// be started again with this data directory's replica pointed at it.
func (s *Server) Promote(ctx context.Context) error {
	if s.primary == nil {
		return errors.New("not a replica")
	}
	if err := s.findBinaries(); err != nil {
		return err
	}
	return s.run(ctx, "pg_ctl", "promote", "-w", "-D", s.pgdata, "-s")
}

// stopReplica stops the primary's replica, if one runs (`ledger db stop`
// stops both, the replica first).
func (s *Server) stopReplica(ctx context.Context) error {
	if s.primary != nil {
		return nil
	}
	r, err := s.Replica()
	if err != nil || !r.Running() {
		return nil
	}
	return r.Stop(ctx)
}

// ReplicaURL is the URL of database db as role user on the primary's
// replica, "" when no replica has been made.
func (s *Server) ReplicaURL(db, user string) string {
	r, err := s.Replica()
	if err != nil || !r.Exists() {
		return ""
	}
	return r.URL(db, user)
}
