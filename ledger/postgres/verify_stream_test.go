package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestStreamClosesWhenTheSnapshotFails: a verify stream whose snapshot
// cannot be taken never runs, and its channel is closed all the same, so
// the verify reading and draining it returns with the error instead of
// waiting for rows that will not come (a reconcile once hung so).
func TestStreamClosesWhenTheSnapshotFails(t *testing.T) {
	out := make(chan []chainLineRow, 1)
	ran := false
	err := streamInSnapshot(context.Background(), nil, "not a snapshot", out, func(pgx.Tx) error { ran = true; return nil })
	if err == nil || ran {
		t.Fatalf("the stream ran (%v) or no error (%v)", ran, err)
	}
	select {
	case _, ok := <-out:
		if ok {
			t.Fatal("a row from a stream that never ran")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the channel of a stream that never ran stays open")
	}
}
