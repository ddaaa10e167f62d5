package httpapi

import (
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/fenyang/partyfee/ledger"
)

// limiter counts failed logins per key (a user or an address) in a sliding
// window. It lives in the serving process: several `ledger serve`
// processes each allow the limit.
type limiter struct {
	max    int
	window time.Duration
	now    func() time.Time

	mu       sync.Mutex
	failures map[string][]time.Time
}

// limiterKeysMax bounds the memory of the limiter; past it the oldest
// entries are dropped first (expired ones, then any).
const limiterKeysMax = 100_000

func newLimiter(max int, window time.Duration) *limiter {
	return &limiter{max: max, window: window, now: time.Now, failures: map[string][]time.Time{}}
}

// blocked reports whether any of keys has used up its failures, and when
// the earliest of them frees up.
func (l *limiter) blocked(keys ...string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var wait time.Duration
	for _, k := range keys {
		f := l.prune(k, now)
		if len(f) >= l.max {
			if w := f[len(f)-l.max].Add(l.window).Sub(now); w > wait {
				wait = w
			}
		}
	}
	return wait > 0, wait
}

// fail records a failed login for each of keys.
func (l *limiter) fail(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.failures) >= limiterKeysMax {
		for k := range l.failures {
			l.prune(k, now)
		}
		for k := range l.failures {
			if len(l.failures) < limiterKeysMax {
				break
			}
			delete(l.failures, k)
		}
	}
	for _, k := range keys {
		f := l.prune(k, now)
		if len(f) >= 2*l.max {
			f = f[1:]
		}
		l.failures[k] = append(f, now)
	}
}

// reset forgets the failures of key (a successful login of the user).
func (l *limiter) reset(key string) {
	l.mu.Lock()
	delete(l.failures, key)
	l.mu.Unlock()
}

// prune drops failures older than the window; the caller holds mu.
func (l *limiter) prune(k string, now time.Time) []time.Time {
	f := l.failures[k]
	i := 0
	for i < len(f) && now.Sub(f[i]) >= l.window {
		i++
	}
	f = f[i:]
	if len(f) == 0 {
		delete(l.failures, k)
		return nil
	}
	l.failures[k] = f
	return f
}

type loginBody struct {
	Book     string `json:"book"`
	User     string `json:"user"`
	Password string `json:"password"`
	// TTL shortens the token's lifetime below serve.token_ttl ("8h").
	TTL string `json:"ttl"`
}

type tokenAnswer struct {
	Token     string    `json:"token"`
	ID        int64     `json:"id"`
	Book      string    `json:"book"`
	User      string    `json:"user"`
	ExpiresAt time.Time `json:"expires_at"`
}

// login answers POST /api/v1/tokens: a user name and password give a new
// token. Failed attempts are counted per user and per address; past
// serve.login_attempts_max within serve.login_window the answer is 429
// rate_limited, even for the right password, until the window moves on.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	body, err := readBody(w, r, s.opt.BodyLimitBytes)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in loginBody
	if err := decodeStrict(body, &in, "", false); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.Book == "" {
		in.Book = s.opt.Book
	}
	in.User = strings.TrimSpace(in.User)
	if in.User == "" {
		s.writeError(w, r, ledger.Errorf(ledger.EInvalid, "user", "user is required"))
		return
	}
	if in.Password == "" {
		s.writeError(w, r, ledger.Errorf(ledger.EInvalid, "password", "password is required"))
		return
	}
	ttl := s.opt.TokenTTL
	if in.TTL != "" {
		d, err := time.ParseDuration(in.TTL)
		if err != nil || d <= 0 {
			s.writeError(w, r, ledger.Errorf(ledger.EInvalid, "ttl", "ttl is a duration such as \"8h\""))
			return
		}
		ttl = min(d, ttl)
	}
	ri.login = in.User
	userKey, addrKey := "user:"+in.Book+"/"+in.User, "addr:"+clientAddr(r)
	if limited, wait := s.logins.blocked(userKey, addrKey); limited {
		w.Header().Set("Retry-After", fmt.Sprint(int(math.Ceil(wait.Seconds()))))
		s.writeError(w, r, ledger.Errorf(ledger.ERateLimited, "user", "too many failed logins; retry in %s", wait.Round(time.Second)))
		return
	}
	select {
	case s.hashing <- struct{}{}:
	case <-r.Context().Done():
		s.writeError(w, r, &ledger.Error{Code: ledger.EUnavailable, Msg: "busy", Err: r.Context().Err()})
		return
	}
	u, err := s.db.Login(r.Context(), in.Book, in.User, in.Password)
	<-s.hashing
	if ledger.ErrorCode(err) == ledger.EUnauthenticated {
		s.logins.fail(userKey, addrKey)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.logins.reset(userKey)
	token, tok, err := s.db.CreateToken(r.Context(), in.Book, u.Name, ttl)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ri.user = u
	writeJSON(w, http.StatusCreated, tokenAnswer{Token: token, ID: tok.ID, Book: tok.Book, User: tok.User, ExpiresAt: tok.ExpiresAt})
}
