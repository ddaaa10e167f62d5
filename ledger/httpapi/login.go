package httpapi

import (
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
)

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
// token. Attempts are counted per user and per address in the database
// (shared by every serving process, kept across restarts); past
// serve.login_attempts_max for the user or serve.login_address_attempts_max
// for the address within serve.login_window the answer is 429 rate_limited,
// even for the right password, until the window moves on. A success clears
// the user's count and is not counted against the address.
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
	// The attempt is counted before the password is checked, so however
	// many guesses arrive at once, at most the limit of them are checked.
	userKey, addrKey := "user:"+in.Book+"/"+in.User, "addr:"+s.clientAddr(r)
	wait, err := s.db.CountLoginAttempt(r.Context(), s.opt.LoginWindow,
		postgres.LoginLimit{Key: userKey, Max: s.opt.LoginAttemptsMax},
		postgres.LoginLimit{Key: addrKey, Max: s.opt.LoginAddressAttemptsMax})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if wait > 0 {
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
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.db.LoginSucceeded(r.Context(), userKey, addrKey); err != nil {
		s.writeError(w, r, err)
		return
	}
	token, tok, err := s.db.CreateToken(r.Context(), in.Book, u.Name, ttl)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ri.user = u
	writeJSON(w, http.StatusCreated, tokenAnswer{Token: token, ID: tok.ID, Book: tok.Book, User: tok.User, ExpiresAt: tok.ExpiresAt})
}
