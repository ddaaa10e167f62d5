package report

import "time"

// ReadSource says which server a report was read from when a streaming
// replica is configured; the cover prints it (数据来源).
type ReadSource struct {
	// Replica is true when the report was read from the replica, false
	// when the read fell back to the primary.
	Replica bool
	// ReplayLSN is the replica's replay position (pg_last_wal_replay_lsn)
	// when the read began, e.g. 0/3000148.
	ReplayLSN string
	// ReplayedAt is the commit time of the last transaction the replica
	// had replayed (pg_last_xact_replay_timestamp); zero if unknown.
	ReplayedAt time.Time
	// Reason is why the read fell back to the primary ("" on the replica).
	Reason string
}
