package httpapi_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/httpapi"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/postgres/embedded"
)

// checkInvariants checks what must hold whatever happened: every voucher
// balances, stored balances equal the posted journal, debits equal
// credits, restricted balances are not negative and numbers are gapless.
func checkInvariants(t *testing.T, db *postgres.DB) {
	t.Helper()
	for _, c := range []struct{ what, sql string }{
		{"vouchers that do not balance per fund", `SELECT count(*) FROM (SELECT voucher_id, fund FROM voucher_lines
			GROUP BY voucher_id, fund HAVING sum(debit_fen) <> sum(credit_fen)) x`},
		{"stored balances that differ from the posted journal", `SELECT count(*) FROM (
			SELECT account, org, fund, sum(l.debit_fen - l.credit_fen) AS j FROM voucher_lines l JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
			WHERE v.status = 'posted' GROUP BY account, org, fund) j
			FULL JOIN balances b USING (account, org, fund) WHERE coalesce(j.j, 0) <> coalesce(b.balance_fen, 0)`},
		{"a non-zero sum of all balances", `SELECT count(*) FROM (SELECT sum(balance_fen) s FROM balances) x WHERE s <> 0`},
		{"negative restricted balances", `SELECT count(*) FROM balances WHERE restricted AND balance_fen < 0`},
		{"gaps in voucher numbers", `SELECT count(*) FROM (SELECT year, month, type FROM vouchers GROUP BY year, month, type
			HAVING max(number) <> count(*) OR min(number) <> 1) x`},
	} {
		if n := countOn(t, db, c.sql); n != 0 {
			t.Errorf("%d %s", n, c.what)
		}
	}
}

// TestConcurrentClientsKeepInvariants has 50 clients spend from one
// branch's 1,000.00 at once, 30.00 each, through the whole workflow:
// exactly 33 postings fit, the other 17 are refused, nothing is lost or
// overspent.
func TestConcurrentClientsKeepInvariants(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.funded()
	e.posted(officer, ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-UP", Org: "FY-CP-03", Amount: amt("1000.00"), Date: day("2020-02-05"), Attachments: 1})
	const clients = 50
	var posted, refused atomic.Int64
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			post := func(user, path string, body any) *resp {
				r, err := tryRequest(e.client, e.ts.URL, http.MethodPost, path, e.tokens[user], body, "Idempotency-Key", newKey())
				if err != nil {
					t.Error(err)
					return &resp{}
				}
				return r
			}
			r := post(officer, "/api/v1/flows/spend", map[string]any{"org": "FY-CP-03", "fund": "FY-UP", "purpose": "procurement",
				"amount": "30.00", "date": "2020-02-12", "payee": fmt.Sprintf("供应商%02d", i), "attachments": 1})
			if r.status != http.StatusCreated {
				t.Errorf("client %d: spend %d %s", i, r.status, r.body)
				return
			}
			var v struct{ ID int64 }
			json.Unmarshal(r.body, &v)
			checkers := []string{checker, checker2}
			if r := post(checkers[i%2], fmt.Sprintf("/api/v1/vouchers/%d/check", v.ID), nil); r.status != http.StatusOK {
				t.Errorf("client %d: check %d %s", i, r.status, r.body)
				return
			}
			switch r := post(checkers[(i+1)%2], fmt.Sprintf("/api/v1/vouchers/%d/post", v.ID), nil); {
			case r.status == http.StatusOK:
				posted.Add(1)
			case r.status == http.StatusUnprocessableEntity && strings.Contains(string(r.body), ledger.EInsufficientFunds):
				refused.Add(1)
			default:
				t.Errorf("client %d: post %d %s", i, r.status, r.body)
			}
		})
	}
	wg.Wait()
	if posted.Load() != 33 || refused.Load() != 17 {
		t.Fatalf("%d posted, %d refused; want 33 and 17", posted.Load(), refused.Load())
	}
	var bal int64
	if err := e.db.Pool.QueryRow(context.Background(), `SELECT balance_fen FROM balances WHERE account = '121801' AND org = 'FY-CP-03' AND fund = 'FY-UP'`).Scan(&bal); err != nil {
		t.Fatal(err)
	}
	if bal != 1000 {
		t.Fatalf("FY-CP-03 holds %d fen, want 1000 (10.00)", bal)
	}
	if n := e.count(`SELECT count(*) FROM vouchers WHERE flow = 'spend' AND status = 'posted'`); n != 33 {
		t.Fatalf("%d posted spend vouchers", n)
	}
	checkInvariants(t, e.db)
}

// TestPostgresRestart stops a dedicated PostgreSQL while clients read and
// write: requests fail with 503 unavailable (never 500), /readyz says so,
// and once the server is back the same API process works again. Writes
// retried with their Idempotency-Key after a 503 are made exactly once.
func TestPostgresRestart(t *testing.T) {
	t.Parallel()
	dir, err := os.MkdirTemp("", "ledger-httpapi-restart-")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	pg, err := embedded.New(embedded.Options{DataDir: dir, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := pg.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		pg.Stop(context.Background())
		os.RemoveAll(dir)
	})
	if err := postgres.Bootstrap(ctx, pg.URL("postgres", embedded.Superuser), "ledger"); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.Migrate(ctx, pg.URL("ledger", "ledger_owner"), nil); err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(ctx, pg.URL("ledger", "ledger_app"), postgres.Options{MaxConns: 8, ConnectTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	loadDemo(t, db)
	token, _, err := db.CreateToken(ctx, book, officer, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	opt := options(t)
	opt.RequestTimeout = 10 * time.Second
	api := httpapi.New(db, opt)
	ts := httptest.NewServer(api.Handler())
	t.Cleanup(ts.Close)
	c := ts.Client()

	var mu sync.Mutex
	statuses := map[int]int{}
	codes := map[string]int{}
	note := func(r *resp) {
		mu.Lock()
		statuses[r.status]++
		if r.status >= 500 {
			var b struct{ Code string }
			json.Unmarshal(r.body, &b)
			codes[b.Code]++
		}
		mu.Unlock()
	}
	var stop atomic.Bool
	var acked []string // idempotency keys of acknowledged writes
	var wg sync.WaitGroup
	wg.Go(func() { // a writer that retries each write with its key until it is acknowledged
		for i := 0; !stop.Load(); i++ {
			key := fmt.Sprintf("restart-%d", i)
			body := map[string]any{"fund": "FY-UP", "amount": fmt.Sprintf("%d.00", i+1), "date": "2020-02-10"}
			for {
				r, err := tryRequest(c, ts.URL, http.MethodPost, "/api/v1/flows/receive", token, body, "Idempotency-Key", key)
				if err != nil {
					t.Errorf("write %s: %v", key, err)
					return
				}
				note(r)
				if r.status == http.StatusCreated || r.status == http.StatusOK {
					mu.Lock()
					acked = append(acked, key)
					mu.Unlock()
					break
				}
				if r.status != http.StatusServiceUnavailable {
					t.Errorf("write %s: %d %s", key, r.status, r.body)
					return
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
	})
	wg.Go(func() { // a reader
		for !stop.Load() {
			r, err := tryRequest(c, ts.URL, http.MethodGet, "/api/v1/vouchers?limit=5", token, nil)
			if err != nil {
				t.Errorf("read: %v", err)
				return
			}
			note(r)
			time.Sleep(20 * time.Millisecond)
		}
	})
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(60 * time.Second); !cond(); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				stop.Store(true)
				wg.Wait()
				t.Fatalf("timed out waiting for %s", what)
			}
		}
	}
	ackedCount := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }
	waitFor("writes before the restart", func() bool { return ackedCount() >= 5 })

	if err := pg.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	down := ackedCount()
	waitFor("503s while PostgreSQL is down", func() bool { mu.Lock(); defer mu.Unlock(); return statuses[503] >= 5 })
	r := doRequest(t, c, ts.URL, http.MethodGet, "/readyz", "", nil)
	expect(t, r, http.StatusServiceUnavailable, ledger.EUnavailable)
	if r.header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	expect(t, doRequest(t, c, ts.URL, http.MethodGet, "/healthz", "", nil), http.StatusOK, "")
	if ackedCount() > down+1 {
		t.Errorf("%d writes acknowledged while PostgreSQL was down", ackedCount()-down)
	}

	if err := pg.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor("/readyz after the restart", func() bool {
		r, err := tryRequest(c, ts.URL, http.MethodGet, "/readyz", "", nil)
		return err == nil && r.status == http.StatusOK
	})
	after := ackedCount()
	waitFor("writes after the restart", func() bool { return ackedCount() >= after+5 })
	stop.Store(true)
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	if statuses[500] != 0 || codes[ledger.EInternal] != 0 {
		t.Errorf("internal errors during the restart: %v %v", statuses, codes)
	}
	for code, n := range codes {
		if code != ledger.EUnavailable {
			t.Errorf("%d answers with code %s", n, code)
		}
	}
	// Every acknowledged write is there exactly once.
	n := countOn(t, db, `SELECT count(*) FROM vouchers`)
	keys := countOn(t, db, `SELECT count(DISTINCT a.idem_key) FROM actions a JOIN vouchers v ON v.book = a.book AND v.id = a.voucher_id
		WHERE a.action = 'make' AND a.idem_key = ANY($1)`, acked)
	if n != int64(len(acked)) || keys != int64(len(acked)) {
		t.Fatalf("%d vouchers, %d of the %d acknowledged keys", n, keys, len(acked))
	}
	t.Logf("answers: %v; %d writes acknowledged", statuses, len(acked))
	checkInvariants(t, db)
}

// TestGracefulShutdownLosesNoAcknowledgedWrite cancels the server's
// context while writes are in flight (held back by a lock on the voucher
// counter): they finish and are answered, new connections are refused, and
// every acknowledged write is in the database.
func TestGracefulShutdownLosesNoAcknowledgedWrite(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	e.flow(officer, ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-UP", Amount: amt("1.00")}) // makes the counter row
	opt := options(t)
	opt.RequestTimeout, opt.Log = 30*time.Second, slog.New(slog.NewJSONHandler(e.logs, nil))
	api := httpapi.New(e.db, opt)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- api.Run(runCtx, ln, httpapi.ServeConfig{ShutdownTimeout: 30 * time.Second}) }()
	expect(t, doRequest(t, http.DefaultClient, base, http.MethodGet, "/healthz", "", nil), http.StatusOK, "")

	lock, err := pgx.Connect(ctx, e.tdb.SuperURL)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close(ctx)
	tx, err := lock.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT last FROM voucher_counters FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	const n = 8
	answers := make(chan *resp, n)
	for i := range n {
		go func() {
			r, err := tryRequest(&http.Client{}, base, http.MethodPost, "/api/v1/flows/receive", e.tokens[officer],
				map[string]any{"fund": "FY-UP", "amount": fmt.Sprintf("%d.00", 100+i), "date": "2020-02-10"}, "Idempotency-Key", fmt.Sprintf("shutdown-%d", i))
			if err != nil {
				t.Errorf("in-flight write %d: %v", i, err)
			}
			answers <- r
		}()
	}
	// Wait until every write waits on the lock, then shut down.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var waiting int64
		// Not on the locking connection: in a transaction the statistics
		// views keep their first snapshot.
		e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting)
		if waiting == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d writes reached the lock", waiting, n)
		}
	}
	cancel()
	// New connections are refused once shutdown has begun.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		_, err := tryRequest(&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}, base, http.MethodGet, "/healthz", "", nil)
		if err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the server still accepts connections after shutdown began")
		}
	}
	select {
	case err := <-done:
		t.Fatalf("Run returned while writes were in flight: %v", err)
	default:
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	var ok []string
	for range n {
		r := <-answers
		if r != nil && r.status == http.StatusCreated {
			ok = append(ok, r.str(t, "summary"))
		} else if r != nil {
			t.Errorf("in-flight write answered %d %s", r.status, r.body)
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if len(ok) != n {
		t.Fatalf("%d of %d in-flight writes acknowledged", len(ok), n)
	}
	if c := e.count(`SELECT count(*) FROM vouchers v JOIN actions a ON a.book = v.book AND a.voucher_id = v.id
		WHERE a.action = 'make' AND a.idem_key LIKE 'shutdown-%'`); c != n {
		t.Fatalf("%d acknowledged writes in the database, want %d", c, n)
	}
	if c := e.count(`SELECT count(*) FROM actions WHERE idem_key LIKE 'shutdown-%' AND action = 'make'`); c != n {
		t.Fatalf("%d stored answers, want %d", c, n)
	}
	if !strings.Contains(e.logs.String(), "shutting down") {
		t.Error("no shutdown line in the log")
	}
	checkInvariants(t, e.db)
}

func TestTLS(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.srv.Run(ctx, ln, httpapi.ServeConfig{TLSCert: certFile, TLSKey: keyFile}) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	r := doRequest(t, client, "https://"+ln.Addr().String(), http.MethodGet, "/api/v1/me", e.tokens[officer], nil)
	expect(t, r, http.StatusOK, "")
	// Plain HTTP to the TLS port gets no API answer.
	if r, err := tryRequest(http.DefaultClient, "http://"+ln.Addr().String(), http.MethodGet, "/healthz", "", nil); err == nil && r.status == http.StatusOK {
		t.Fatal("plain HTTP served on the TLS port")
	}
	if err := e.srv.Run(ctx, ln, httpapi.ServeConfig{TLSCert: certFile}); err == nil {
		t.Fatal("a certificate without a key was accepted")
	}
}
