package postgres_test

import (
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger/postgres"
)

// TestPurgeAPIRequests: the hourly purge deletes the records claimed
// before the cut-off, pending or completed, and keeps the later ones,
// which still replay.
func TestPurgeAPIRequests(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	req := func(key string) postgres.APIRequest {
		return postgres.APIRequest{Book: book, User: "wangfang", Key: key, Method: "POST", Path: "/api/v1/flows/receive", Hash: "h", Instance: "i"}
	}
	for _, key := range []string{"old-pending", "old-done", "new-done"} {
		if prev, err := f.db.ClaimAPIRequest(f.ctx, req(key)); err != nil || prev != nil {
			t.Fatalf("claim %s: %v %v", key, prev, err)
		}
	}
	for _, key := range []string{"old-done", "new-done"} {
		if err := f.db.CompleteAPIRequest(f.ctx, req(key), 201, []byte(`{"id":1}`)); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.sql(f.tdb.OwnerURL, `UPDATE api_idempotency SET claimed_at = now() - interval '8 days' WHERE key LIKE 'old-%'`); err != nil {
		t.Fatal(err)
	}
	n, err := f.db.PurgeAPIRequests(f.ctx, time.Now().Add(-7*24*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("purged %d (%v), want the 2 records claimed 8 days ago", n, err)
	}
	prev, err := f.db.ClaimAPIRequest(f.ctx, req("new-done"))
	if err != nil || prev == nil || prev.Pending || prev.Status != 201 || string(prev.Body) != `{"id":1}` {
		t.Fatalf("the later record after the purge: %+v %v", prev, err)
	}
	if c := f.count(`SELECT count(*) FROM api_idempotency WHERE key LIKE 'old-%'`); c != 0 {
		t.Fatalf("%d old records left", c)
	}
}
