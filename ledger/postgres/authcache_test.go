package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// TestAuthCacheHonoursEveryChange authenticates tokens from memory while
// WatchAuth listens, and refuses them as soon as they are revoked or their
// user disabled: through this DB at once, by raw SQL (another process) as
// soon as the database's notice arrives — not after the entries' lifetime.
func TestAuthCacheHonoursEveryChange(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	stopWatching := watchAuth(t, f)
	waitFor := func(what string, cond func() bool) { t.Helper(); waitUntil(t, what, cond) }

	auth := func(tok string) error {
		t.Helper()
		_, _, err := f.db.Authenticate(f.ctx, tok)
		return err
	}
	hits := func() int64 { _, _, h := postgres.AuthCacheState(f.db); return h }
	cached := func(tok string) {
		t.Helper()
		if err := auth(tok); err != nil {
			t.Fatal(err)
		}
		before := hits()
		u, _, err := f.db.Authenticate(f.ctx, tok)
		if err != nil || u.Name == "" || len(u.Roles) == 0 {
			t.Fatalf("from memory: %+v, %v", u, err)
		}
		if hits() != before+1 {
			t.Fatal("the second request was not answered from memory")
		}
	}
	token := func(user string) (string, postgres.TokenInfo) {
		t.Helper()
		tok, info, err := f.db.CreateToken(f.ctx, book, user, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok, info
	}

	// Revoked through this DB: refused at once.
	tok, info := token("wangfang")
	cached(tok)
	if _, err := f.db.RevokeToken(f.ctx, book, info.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, auth(tok), ledger.EUnauthenticated, "token")

	// Revoked by raw SQL: refused once the notice is heard, whose
	// generation change only a notice (or a change through this DB) makes.
	rawChange := func(sql string, args ...any) {
		t.Helper()
		_, gen0, _ := postgres.AuthCacheState(f.db)
		if _, err := f.db.Pool.Exec(f.ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
		waitFor("the notice", func() bool { _, gen, _ := postgres.AuthCacheState(f.db); return gen != gen0 })
	}
	tok, info = token("wangfang")
	cached(tok)
	rawChange(`UPDATE api_tokens SET revoked_at = now() WHERE id = $1`, info.ID)
	wantCode(t, auth(tok), ledger.EUnauthenticated, "token")

	// A disabled user, by raw SQL and through this DB.
	tok, _ = token("liqiang")
	cached(tok)
	rawChange(`UPDATE users SET disabled = true WHERE book = $1 AND name = 'liqiang'`, book)
	wantCode(t, auth(tok), ledger.EUnauthenticated, "token")

	// Without the listener nothing is kept.
	stopWatching()
	if on, _, _ := postgres.AuthCacheState(f.db); on {
		t.Fatal("the cache stays on without its listener")
	}
	tok, _ = token("wangfang")
	before := hits()
	for range 3 {
		if err := auth(tok); err != nil {
			t.Fatal(err)
		}
	}
	if hits() != before {
		t.Fatal("answered from memory without the listener")
	}
}

// TestActorCacheHonoursEveryChange keeps a use case's acting user and
// book in memory between requests while WatchAuth listens, and honours a
// change of the user as soon as it is heard: here a scope, which only the
// application checks, so that a stale user would let the draft through.
func TestActorCacheHonoursEveryChange(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	stopWatching := watchAuth(t, f)
	hits := func() int64 { return postgres.ActorCacheHits(f.db) }
	fromMemory := func(what string, do func()) {
		t.Helper()
		before := hits()
		do()
		if hits() != before+1 {
			t.Fatalf("%s read its user again", what)
		}
	}

	f.mustFlow("wangfang", allocate("FY-CP-01", "10.00"))
	var v *ledger.Voucher
	fromMemory("the second draft", func() { v = f.mustFlow("wangfang", allocate("FY-CP-02", "10.00")) })
	f.mustStep("liqiang", v.ID, ledger.ActCheck)
	fromMemory("the second step", func() { f.mustStep("liqiang", v.ID, ledger.ActUncheck) })

	// Narrowed by raw SQL (another process): refused once the notice is
	// heard.
	_, gen0, _ := postgres.AuthCacheState(f.db)
	if _, err := f.db.Pool.Exec(f.ctx, `UPDATE users SET scope = 'FY-CP-01' WHERE book = $1 AND name = 'wangfang'`, book); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the notice", func() bool { _, gen, _ := postgres.AuthCacheState(f.db); return gen != gen0 })
	_, err := f.flow("wangfang", allocate("FY-CP-02", "10.00"))
	wantCode(t, err, ledger.EForbidden, "-")
	_, err = f.step("liqiang", v.ID, ledger.ActCheck)
	if err != nil {
		t.Fatal(err)
	}

	// Without the listener every use case reads its user.
	stopWatching()
	before := hits()
	f.mustStep("liqiang", v.ID, ledger.ActUncheck)
	f.mustStep("liqiang", v.ID, ledger.ActCheck)
	if hits() != before {
		t.Fatal("a user was taken from memory without the listener")
	}
}

// watchAuth runs f's WatchAuth until the test ends, or until the function
// it returns is called, and waits until it listens.
func watchAuth(t *testing.T, f *fixture) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(f.ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.db.WatchAuth(ctx)
	}()
	stop = func() { cancel(); <-done }
	t.Cleanup(stop)
	waitUntil(t, "the listener", func() bool { on, _, _ := postgres.AuthCacheState(f.db); return on })
	return stop
}

// waitUntil polls cond for up to 90 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(90 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
