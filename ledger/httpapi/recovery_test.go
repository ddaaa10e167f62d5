package httpapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/httpapi"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// Posted vouchers left in seal_pending by a crashed process are sealed by
// the next server at its start, without a new posting; verify meanwhile
// reports them as waiting for the sealer, not as a broken chain.
func TestServerDrainsSealBacklogAtStart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.funded() // posted with no sealer running: a crash before sealing
	ctx := context.Background()
	if n := e.count(`SELECT count(*) FROM seal_pending`); n != 4 {
		t.Fatalf("%d vouchers waiting for the sealer, want 4", n)
	}
	res, err := e.db.Verify(ctx, book, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Clean() || len(res.Pending) != 4 {
		t.Fatalf("verify within the grace period: clean %v, %d pending, problems %v", res.Clean(), len(res.Pending), res.Problems)
	}
	opt := options(t)
	opt.Sealer = postgres.NewSealer(e.db, postgres.SealerOptions{})
	srv := httpapi.New(e.db, opt)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Run(rctx, ln, httpapi.ServeConfig{}) }()
	defer func() {
		stop()
		<-done
		opt.Sealer.Close(ctx)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for e.count(`SELECT count(*) FROM seal_pending`) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the backlog is not sealed 5 s after the server started")
		}
		time.Sleep(50 * time.Millisecond)
	}
	res, err = e.db.Verify(ctx, book, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Clean() || len(res.Pending) != 0 || res.Checked != 4 {
		t.Fatalf("verify after the drain: clean %v, %d pending, %d checked", res.Clean(), len(res.Pending), res.Checked)
	}
}

// A retry of a request whose first attempt was left pending by another
// process (a crash) answers 409 in_progress with Retry-After while the
// claim is recent, and takes it over once it is 30 s old.
func TestPendingKeyIsInProgressThenTakenOver(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := `{"fund":"FY-UP","amount":"10.00","date":"2020-02-10","attachments":1}`
	path, key := "/api/v1/flows/receive", newKey()
	h := sha256.Sum256([]byte(http.MethodPost + "\n" + path + "\n" + body))
	if _, err := e.db.ClaimAPIRequest(context.Background(), postgres.APIRequest{Book: book, User: officer, Key: key,
		Method: http.MethodPost, Path: path, Hash: hex.EncodeToString(h[:]), Instance: "crashed"}); err != nil {
		t.Fatal(err)
	}
	r := e.request(http.MethodPost, path, e.tokens[officer], body, "Idempotency-Key", key)
	expect(t, r, http.StatusConflict, ledger.EInProgress)
	if s, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || s < 1 || s > 30 {
		t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
	}
	if err := execSuper(t, e, `UPDATE api_idempotency SET claimed_at = now() - interval '31 seconds' WHERE key = $1`, key); err != nil {
		t.Fatal(err)
	}
	r = e.request(http.MethodPost, path, e.tokens[officer], body, "Idempotency-Key", key)
	expect(t, r, http.StatusCreated, "")
	again := e.request(http.MethodPost, path, e.tokens[officer], body, "Idempotency-Key", key)
	expect(t, again, http.StatusCreated, "")
	if again.id(t) != r.id(t) || again.header.Get("Idempotency-Replayed") != "true" {
		t.Fatalf("the replay answers %s, first %s", again.body, r.body)
	}
}
