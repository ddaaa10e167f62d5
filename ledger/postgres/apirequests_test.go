package postgres_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fenyang/partyfee/ledger"
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

// TestAPIKeyOnceAcrossTheLogAndTheRecords: a workflow step's API key is
// kept on its row of the action log (migration 00036) and is used once
// across the log and api_idempotency: the claim finds the step and replays
// it, another request with the key is refused, a key claimed in
// api_idempotency fails the step that would reuse it (writing nothing),
// and a step waits for a claim of its key under way and then sees it.
func TestAPIKeyOnceAcrossTheLogAndTheRecords(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	v := f.mustFlow("wangfang", receive("10.00"))
	hash := func(s string) string {
		h := sha256.Sum256([]byte(s))
		return hex.EncodeToString(h[:])
	}
	req := func(key, body string) postgres.APIRequest {
		return postgres.APIRequest{Book: book, User: "liqiang", Key: key, Method: "POST",
			Path: fmt.Sprintf("/api/v1/vouchers/%d/check", v.ID), Hash: hash(body), Instance: "i"}
	}
	step := func(r postgres.APIRequest, act ledger.Action) (*postgres.APIRecord, error) {
		rec := &postgres.APIRecord{Req: r}
		_, err := f.db.Transition(postgres.WithAPIRecord(f.ctx, rec), book, "liqiang", v.ID, act)
		return rec, err
	}

	rec, err := step(req("k1", "a"), ledger.ActCheck)
	if err != nil || !rec.Stored || rec.Status != 200 {
		t.Fatalf("check with a key: %+v %v", rec, err)
	}
	if c := f.count(`SELECT count(*) FROM actions WHERE voucher_id = $1 AND action = 'check' AND actor = 'liqiang' AND idem_key = 'k1'`, v.ID); c != 1 {
		t.Fatalf("%d check actions hold the key, want 1", c)
	}
	if c := f.count(`SELECT count(*) FROM api_idempotency`); c != 0 {
		t.Fatalf("%d api_idempotency records, want none", c)
	}
	prev, err := f.db.ClaimAPIRequest(f.ctx, req("k1", "a"))
	if err != nil || prev == nil || prev.Pending || prev.VoucherID != v.ID || prev.Step != ledger.ActCheck || prev.Status != 200 {
		t.Fatalf("claiming the step's key: %+v %v", prev, err)
	}
	_, err = f.db.ClaimAPIRequest(f.ctx, req("k1", "b"))
	wantCode(t, err, ledger.EIdempotencyConflict, "Idempotency-Key")
	if stored, err := f.db.StoreAPIAnswer(f.ctx, req("k1", "a"), 409, []byte(`{}`)); err != nil || stored {
		t.Fatalf("an answer stored over the step's key: %v %v", stored, err)
	}
	if _, err := step(req("k1", "a"), ledger.ActUncheck); !errors.Is(err, postgres.ErrAPIKeyTaken) {
		t.Fatalf("a second step with the key: %v", err)
	}

	// A key claimed for another write fails the step, which writes nothing.
	if prev, err := f.db.ClaimAPIRequest(f.ctx, req("k2", "c")); err != nil || prev != nil {
		t.Fatalf("claim k2: %+v %v", prev, err)
	}
	if _, err := step(req("k2", "c"), ledger.ActUncheck); !errors.Is(err, postgres.ErrAPIKeyTaken) {
		t.Fatalf("a step with a claimed key: %v", err)
	}
	if got := f.count(`SELECT count(*) FROM vouchers WHERE id = $1 AND status = 'checked'`, v.ID); got != 1 {
		t.Fatal("the refused step moved the voucher")
	}

	// A claim under way holds the key: the step waits for it and then
	// finds the key taken.
	tx, err := f.db.Pool.Begin(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(f.ctx)
	if _, err := tx.Exec(f.ctx, `SELECT api_key_lock($1, 'liqiang', 'k3')`, book); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(f.ctx, `INSERT INTO api_idempotency (book, user_name, key, method, path, request_hash, instance)
		VALUES ($1, 'liqiang', 'k3', 'POST', '/api/v1/reconcile-runs', 'x', 'i')`, book); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := step(req("k3", "d"), ledger.ActUncheck)
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("the step did not wait for the claim under way: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := tx.Commit(f.ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, postgres.ErrAPIKeyTaken) {
		t.Fatalf("the step after the claim committed: %v", err)
	}
	if c := f.count(`SELECT count(*) FROM actions WHERE idem_key IS NOT NULL`); c != 1 {
		t.Fatalf("%d actions hold keys, want the check's", c)
	}

	// A key on the log has its voucher and the hash of its request, its
	// first 16 bytes (or all 32, as before migration 00051).
	for _, bad := range []string{
		`'k4', '\x00'::bytea`,
		`'k4', decode(repeat('00', 24), 'hex')`,
		`'k4', NULL`,
		`NULL, decode(repeat('00', 32), 'hex')`,
		`'', decode(repeat('00', 32), 'hex')`,
	} {
		_, err := f.db.Pool.Exec(f.ctx, `INSERT INTO actions (book, at, actor, action, voucher_id, source, detail, idem_key, request_hash)
			VALUES ($1, now(), 'liqiang', 'check', $2, 'api', '{}', `+bad+`)`, book, v.ID)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "23514" {
			t.Errorf("an action with key and hash %s: %v", bad, err)
		}
	}
	// …and its voucher is one: 0 is the log's "no voucher".
	_, err = f.db.Pool.Exec(f.ctx, `INSERT INTO actions (book, at, actor, action, voucher_id, source, detail, idem_key, request_hash)
		VALUES ($1, now(), 'liqiang', 'check', 0, 'api', '{}', 'k5', decode(repeat('00', 32), 'hex'))`, book)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "23514" {
		t.Errorf("an action with a key and no voucher: %v", err)
	}

	// A key is held once per book and user (actions_idem_key, an exclusion
	// constraint on a hash index since migration 00046): a second action
	// with liqiang's k1 is refused, wangfang's k1 is another key.
	insert := `INSERT INTO actions (book, at, actor, action, voucher_id, source, detail, idem_key, request_hash)
		VALUES ($1, now(), $2, 'check', $3, 'api', '{}', 'k1', decode(repeat('00', 32), 'hex'))`
	_, err = f.db.Pool.Exec(f.ctx, insert, book, "liqiang", v.ID)
	if !errors.As(err, &pe) || pe.Code != "23P01" || pe.ConstraintName != "actions_idem_key" {
		t.Errorf("a second action with liqiang's k1: %v", err)
	}
	if _, err := f.db.Pool.Exec(f.ctx, insert, book, "wangfang", v.ID); err != nil {
		t.Errorf("an action with wangfang's k1: %v", err)
	}
	if c := f.count(`SELECT count(*) FROM actions WHERE idem_key = 'k1'`); c != 2 {
		t.Errorf("%d actions hold k1, want liqiang's and wangfang's", c)
	}
}

// TestStepKeepsHalfTheRequestHash: a step's row keeps the first 16 bytes
// of its request's SHA-256 (migration 00051); a row written before keeps
// all 32; either is compared with as many bytes of a request's hash.
func TestStepKeepsHalfTheRequestHash(t *testing.T) {
	sum := sha256.Sum256([]byte(`{"amount":"10.00"}`))
	other := sha256.Sum256([]byte(`{"amount":"10.01"}`))
	h := hex.EncodeToString(sum[:])
	for _, c := range []struct {
		kept []byte
		same bool
	}{
		{sum[:16], true},
		{sum[:], true},
		{other[:16], false},
		{other[:], false},
		{sum[:8], false},
		{nil, false},
	} {
		if got := postgres.SameRequestForTest(c.kept, h); got != c.same {
			t.Errorf("kept %x, request %s: same %v, want %v", c.kept, h, got, c.same)
		}
	}
	if postgres.SameRequestForTest(sum[:16], "not hex") {
		t.Error("a request whose hash is not hex matched")
	}
}
