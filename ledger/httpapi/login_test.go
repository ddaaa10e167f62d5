package httpapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/httpapi"
)

// burst sends n logins at once; pw(i) is the password of the i-th, from
// the client of client(i). It returns the statuses counted.
func burst(t *testing.T, e *env, n int, user string, pw func(int) string, client func(int) *http.Client) map[int]int {
	t.Helper()
	statuses := make([]int, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r, err := tryRequest(client(i), e.ts.URL, http.MethodPost, "/api/v1/tokens", "", map[string]string{"user": user, "password": pw(i)})
			if err != nil {
				t.Error(err)
				return
			}
			statuses[i] = r.status
		}()
	}
	close(start)
	wg.Wait()
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	return count
}

// 40 simultaneous guesses, from one address and from 40: at most the
// limit of them reach the password check, the others are 429, and the
// right password afterwards is 429 too, not a token.
func TestLoginLimitHoldsUnderConcurrency(t *testing.T) {
	t.Parallel()
	const limit = 5
	e := newEnv(t, func(o *httpapi.Options) {
		o.LoginAttemptsMax, o.LoginAddressAttemptsMax, o.LoginWindow = limit, 20, time.Hour
	})
	wrong := func(int) string { return "wrong-password" }
	one := fromAddr("127.0.2.1")
	got := burst(t, e, 40, checker, wrong, func(int) *http.Client { return one })
	if got[http.StatusUnauthorized] > limit || got[http.StatusUnauthorized]+got[http.StatusTooManyRequests] != 40 {
		t.Fatalf("one address: %v; want at most %d checked (401), the rest 429", got, limit)
	}
	expect(t, doRequest(t, fromAddr("127.0.2.2"), e.ts.URL, http.MethodPost, "/api/v1/tokens", "",
		map[string]string{"user": checker, "password": "demo-checker-1"}), http.StatusTooManyRequests, ledger.ERateLimited)

	clients := make([]*http.Client, 41)
	for i := range clients {
		clients[i] = fromAddr(fmt.Sprintf("127.0.3.%d", i+1))
	}
	got = burst(t, e, 40, checker2, wrong, func(i int) *http.Client { return clients[i] })
	if got[http.StatusUnauthorized] > limit || got[http.StatusUnauthorized]+got[http.StatusTooManyRequests] != 40 {
		t.Fatalf("40 addresses: %v; want at most %d checked (401), the rest 429", got, limit)
	}
	expect(t, doRequest(t, clients[40], e.ts.URL, http.MethodPost, "/api/v1/tokens", "",
		map[string]string{"user": checker2, "password": "demo-checker-2"}), http.StatusTooManyRequests, ledger.ERateLimited)

	// The right password inside a burst of wrong ones: however the
	// attempts interleave, at most the limit are checked before it. When it
	// is among them, the successful login clears the user's failures
	// (LoginSucceeded), and at most the limit more are checked after it;
	// when it comes past the limit, it is refused like the others.
	got = burst(t, e, 40, officer2, func(i int) string {
		if i == 20 {
			return "demo-officer-2"
		}
		return "wrong-password"
	}, func(i int) *http.Client { return clients[i] })
	most := limit
	if got[http.StatusCreated] == 1 {
		most = 2 * limit
	}
	if checked := got[http.StatusUnauthorized] + got[http.StatusCreated]; checked > most || got[http.StatusCreated] > 1 ||
		checked+got[http.StatusTooManyRequests] != 40 {
		t.Fatalf("burst with the right password: %v; want at most %d checked, the rest 429", got, most)
	}
}

// The count lives in the database: two servers on one database share it,
// and a server built afterwards (a restart) still refuses.
func TestLoginLimitSharedAndKept(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *httpapi.Options) { o.LoginAttemptsMax, o.LoginWindow = 4, time.Hour })
	opt := options(t)
	opt.LoginAttemptsMax, opt.LoginWindow = 4, time.Hour
	other := httptest.NewServer(httpapi.New(e.db, opt).Handler())
	defer other.Close()
	login := func(base, ip, pw string) *resp {
		return doRequest(t, fromAddr(ip), base, http.MethodPost, "/api/v1/tokens", "", map[string]string{"user": cashier, "password": pw})
	}
	expect(t, login(e.ts.URL, "127.0.4.1", "wrong-password"), http.StatusUnauthorized, ledger.EUnauthenticated)
	expect(t, login(other.URL, "127.0.4.2", "wrong-password"), http.StatusUnauthorized, ledger.EUnauthenticated)
	expect(t, login(e.ts.URL, "127.0.4.3", "wrong-password"), http.StatusUnauthorized, ledger.EUnauthenticated)
	expect(t, login(other.URL, "127.0.4.4", "wrong-password"), http.StatusUnauthorized, ledger.EUnauthenticated)
	expect(t, login(other.URL, "127.0.4.5", "demo-cashier-1"), http.StatusTooManyRequests, ledger.ERateLimited)
	restarted := httptest.NewServer(httpapi.New(e.db, opt).Handler())
	defer restarted.Close()
	r := login(restarted.URL, "127.0.4.6", "demo-cashier-1")
	expect(t, r, http.StatusTooManyRequests, ledger.ERateLimited)
	if r.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	if n := e.count(`SELECT count(*) FROM login_attempts WHERE key = $1`, "user:"+book+"/"+cashier); n != 1 {
		t.Fatalf("%d counts of the user's attempts stored", n)
	}
}

// Behind a trusted proxy the client address comes from X-Forwarded-For;
// from any other peer the header is ignored.
func TestLoginLimitTrustedProxy(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *httpapi.Options) {
		o.LoginAttemptsMax, o.LoginAddressAttemptsMax, o.LoginWindow = 5, 2, time.Hour
		o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.5.1/32")}
	})
	login := func(ip, xff, user string) *resp {
		return doRequest(t, fromAddr(ip), e.ts.URL, http.MethodPost, "/api/v1/tokens", "",
			map[string]string{"user": user, "password": "wrong-password"}, "X-Forwarded-For", xff)
	}
	expect(t, login("127.0.5.1", "10.0.0.1", officer), http.StatusUnauthorized, ledger.EUnauthenticated)
	expect(t, login("127.0.5.1", "198.51.100.7, 10.0.0.1", officer2), http.StatusUnauthorized, ledger.EUnauthenticated)
	expect(t, login("127.0.5.1", "10.0.0.1", cashier), http.StatusTooManyRequests, ledger.ERateLimited)
	expect(t, login("127.0.5.1", "10.0.0.2", cashier), http.StatusUnauthorized, ledger.EUnauthenticated)
	// An untrusted peer cannot pick its address.
	expect(t, login("127.0.5.2", "10.0.1.1", officer), http.StatusUnauthorized, ledger.EUnauthenticated)
	expect(t, login("127.0.5.2", "10.0.1.2", officer2), http.StatusUnauthorized, ledger.EUnauthenticated)
	expect(t, login("127.0.5.2", "10.0.1.3", checker), http.StatusTooManyRequests, ledger.ERateLimited)
}

func TestParseTrustedProxies(t *testing.T) {
	got, err := httpapi.ParseTrustedProxies(" 10.0.0.1, 192.168.1.7/24 ,::ffff:10.0.0.9")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.1/32", "192.168.1.0/24", "10.0.0.9/32"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	for _, bad := range []string{"10.0.0", "proxy.example", "10.0.0.1/40"} {
		if _, err := httpapi.ParseTrustedProxies(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if p, err := httpapi.ParseTrustedProxies(""); err != nil || len(p) != 0 {
		t.Errorf("empty: %v, %v", p, err)
	}
}
