package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// User management for an admin (the CLI's `user add`, `user password`,
// `token create`): list users, add one with roles and a scope, set a
// password, disable and enable an account, make a token for a user. An
// admin scoped to an organisation manages only users scoped within it.
// A user reads their own account and tokens.

func (s *Server) registerUsers() {
	get := func(pattern string, h readFunc) { s.handle(Route{Method: http.MethodGet, Pattern: pattern}, s.read(h)) }
	post := func(pattern string, h writeFunc) {
		s.handle(Route{Method: http.MethodPost, Pattern: pattern, Write: true}, s.write(h))
	}
	get("/api/v1/users", s.listUsers)
	post("/api/v1/users", s.addUser)
	get("/api/v1/users/{name}", s.getUser)
	post("/api/v1/users/{name}/password", s.setPassword)
	post("/api/v1/users/{name}/disable", s.setDisabled(true))
	post("/api/v1/users/{name}/enable", s.setDisabled(false))
	get("/api/v1/users/{name}/tokens", s.userTokens)
	s.handle(Route{Method: http.MethodPost, Pattern: "/api/v1/users/{name}/tokens", Write: true}, s.writeSecret(s.createUserToken))
}

// userNamePattern is the users table's rule for names.
var userNamePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// managedUser reads the user named in the path and checks that c's user
// manages it (or, with self, is it).
func (s *Server) managedUser(c *call, self bool) (postgres.UserInfo, error) {
	name := c.r.PathValue("name")
	if !self || name != c.user.Name {
		if !c.user.Has(ledger.RoleAdmin) {
			// Refused before any lookup: a non-admin learns nothing about
			// other accounts.
			return postgres.UserInfo{}, ledger.CanManageUsers(c.user, nil, "", "name")
		}
	}
	u, err := s.db.User(c.r.Context(), c.user.Book, name)
	if err != nil {
		return u, err
	}
	if self && name == c.user.Name {
		return u, nil
	}
	b, err := s.loadBooks(c.r.Context(), c.user.Book)
	if err != nil {
		return u, err
	}
	return u, ledger.CanManageUsers(c.user, b, u.Scope, "name")
}

func (s *Server) listUsers(c *call) (int, any, error) {
	if _, err := query(c.r); err != nil {
		return 0, nil, err
	}
	b, err := s.loadBooks(c.r.Context(), c.user.Book)
	if err != nil {
		return 0, nil, err
	}
	if err := ledger.CanManageUsers(c.user, b, c.user.Scope, "user"); err != nil {
		return 0, nil, err
	}
	us, err := s.db.Users(c.r.Context(), c.user.Book)
	if err != nil {
		return 0, nil, err
	}
	out := []postgres.UserInfo{}
	for _, u := range us {
		if ledger.CanManageUsers(c.user, b, u.Scope, "") == nil {
			out = append(out, u)
		}
	}
	return http.StatusOK, map[string]any{"users": out}, nil
}

func (s *Server) getUser(c *call) (int, any, error) {
	u, err := s.managedUser(c, true)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, u, nil
}

// userBody is a new user, as `ledger user add NAME --role … --scope …`.
type userBody struct {
	Name     string   `json:"name"`
	FullName string   `json:"full_name"`
	Roles    []string `json:"roles"`
	Scope    string   `json:"scope"`
	// Password is optional: without one the user works with tokens an
	// admin makes (POST /api/v1/users/{name}/tokens).
	Password string `json:"password"`
}

func (s *Server) addUser(c *call) (execFunc, error) {
	if !c.user.Has(ledger.RoleAdmin) {
		return nil, ledger.CanManageUsers(c.user, nil, "", "user")
	}
	var in userBody
	if err := decodeStrict(c.body, &in, "", false); err != nil {
		return nil, err
	}
	if !userNamePattern.MatchString(in.Name) || in.Name == ledger.SystemUser {
		return nil, ledger.Errorf(ledger.EInvalid, "name", "name is 1 to 64 letters, digits, '_', '.' or '-', and not %q", ledger.SystemUser)
	}
	if len([]rune(in.FullName)) > 100 {
		return nil, ledger.Errorf(ledger.EInvalid, "full_name", "full_name has at most 100 characters")
	}
	if len(in.Roles) == 0 {
		return nil, ledger.Errorf(ledger.EInvalid, "roles", "roles is required: one or more of officer, checker, cashier, auditor, admin")
	}
	u := ledger.User{Name: in.Name, FullName: in.FullName, Scope: in.Scope}
	for i, r := range in.Roles {
		if !ledger.Role(r).Valid() {
			return nil, ledger.Errorf(ledger.EInvalid, fmt.Sprintf("roles[%d]", i+1), "unknown role %q (officer, checker, cashier, auditor, admin)", r)
		}
		u.Roles = append(u.Roles, ledger.Role(r))
	}
	if in.Password != "" && (len(in.Password) < postgres.PasswordLenMin || len(in.Password) > postgres.PasswordLenMax) {
		return nil, ledger.Errorf(ledger.EInvalid, "password", "a password has %d to %d bytes", postgres.PasswordLenMin, postgres.PasswordLenMax)
	}
	b, err := s.loadBooks(c.r.Context(), c.user.Book)
	if err != nil {
		return nil, err
	}
	if in.Scope != "" && b.Orgs[in.Scope] == nil {
		return nil, ledger.Errorf(ledger.ENotFound, "scope", "organisation %s does not exist", in.Scope)
	}
	if err := ledger.CanManageUsers(c.user, b, in.Scope, "scope"); err != nil {
		return nil, err
	}
	return func(ctx context.Context, retry bool) (int, any, error) {
		if _, err := s.db.AddUser(ctx, c.user.Book, u, in.Password); err != nil {
			if retry && ledger.ErrorCode(err) == ledger.EInvalid {
				// An earlier attempt with this key may have added the user
				// and lost its answer.
				if cur, e := s.db.User(ctx, c.user.Book, u.Name); e == nil {
					return http.StatusCreated, cur, nil
				}
			}
			return 0, nil, err
		}
		out, err := s.db.User(ctx, c.user.Book, u.Name)
		return http.StatusCreated, out, err
	}, nil
}

type passwordBody struct {
	Password string `json:"password"`
}

// setPassword sets a user's password, as `ledger user password NAME`.
func (s *Server) setPassword(c *call) (execFunc, error) {
	if !c.user.Has(ledger.RoleAdmin) {
		return nil, ledger.CanManageUsers(c.user, nil, "", "user")
	}
	var in passwordBody
	if err := decodeStrict(c.body, &in, "", false); err != nil {
		return nil, err
	}
	if len(in.Password) < postgres.PasswordLenMin || len(in.Password) > postgres.PasswordLenMax {
		return nil, ledger.Errorf(ledger.EInvalid, "password", "a password has %d to %d bytes", postgres.PasswordLenMin, postgres.PasswordLenMax)
	}
	u, err := s.managedUser(c, false)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, retry bool) (int, any, error) {
		if err := s.db.SetPassword(ctx, c.user.Book, u.Name, in.Password); err != nil {
			return 0, nil, err
		}
		out, err := s.db.User(ctx, c.user.Book, u.Name)
		return http.StatusOK, out, err
	}, nil
}

// setDisabled disables an account (its tokens are revoked; it no longer
// logs in) or enables it again.
func (s *Server) setDisabled(disabled bool) writeFunc {
	return func(c *call) (execFunc, error) {
		if !c.user.Has(ledger.RoleAdmin) {
			return nil, ledger.CanManageUsers(c.user, nil, "", "user")
		}
		if err := decodeStrict(c.body, &struct{}{}, "", true); err != nil {
			return nil, err
		}
		u, err := s.managedUser(c, false)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, retry bool) (int, any, error) {
			out, err := s.db.SetUserDisabled(ctx, c.user.Book, c.user.Name, u.Name, disabled)
			return http.StatusOK, out, err
		}, nil
	}
}

// userTokens lists a user's tokens (never the tokens themselves).
func (s *Server) userTokens(c *call) (int, any, error) {
	if _, err := query(c.r); err != nil {
		return 0, nil, err
	}
	u, err := s.managedUser(c, true)
	if err != nil {
		return 0, nil, err
	}
	ts, err := s.db.TokensAs(c.r.Context(), c.user.Book, c.user.Name, u.Name)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"tokens": ts}, nil
}

type tokenBody struct {
	// TTL is the token's lifetime ("24h"); default serve.token_ttl.
	TTL string `json:"ttl"`
}

// userTokenAnswer is a token made for a user. Token is shown in the first
// answer only: the answer kept for a retry with the same Idempotency-Key
// holds no token, so no token is ever stored in plain text.
type userTokenAnswer struct {
	Token     string    `json:"token,omitempty"`
	ID        int64     `json:"id"`
	Book      string    `json:"book"`
	User      string    `json:"user"`
	CreatedBy string    `json:"created_by,omitempty"`
	ExpiresAt time.Time `json:"expires_at"`
	Note      string    `json:"note,omitempty"`
}

// createUserToken makes an API token for a user, as `ledger token create
// USER --ttl`.
func (s *Server) createUserToken(c *call) (execFunc, func() any, error) {
	if !c.user.Has(ledger.RoleAdmin) {
		return nil, nil, ledger.CanManageUsers(c.user, nil, "", "user")
	}
	var in tokenBody
	if err := decodeStrict(c.body, &in, "", true); err != nil {
		return nil, nil, err
	}
	ttl := s.opt.TokenTTL
	if in.TTL != "" {
		d, err := time.ParseDuration(in.TTL)
		if err != nil || d <= 0 || d > postgres.TokenTTLMax {
			return nil, nil, ledger.Errorf(ledger.EInvalid, "ttl", "ttl is a duration such as \"24h\", at most %v", postgres.TokenTTLMax)
		}
		ttl = d
	}
	u, err := s.managedUser(c, false)
	if err != nil {
		return nil, nil, err
	}
	if u.Disabled {
		return nil, nil, ledger.Errorf(ledger.EInvalidState, "name", "user %s is disabled; enable the account first", u.Name)
	}
	var shown userTokenAnswer
	exec := func(ctx context.Context, retry bool) (int, any, error) {
		token, tok, err := s.db.CreateTokenAs(ctx, c.user.Book, c.user.Name, u.Name, ttl)
		if err != nil {
			return 0, nil, err
		}
		kept := userTokenAnswer{ID: tok.ID, Book: tok.Book, User: tok.User, CreatedBy: tok.CreatedBy, ExpiresAt: tok.ExpiresAt,
			Note: "the token was shown once, in the first answer; revoke it and make another if it was lost"}
		shown = kept
		shown.Token, shown.Note = token, "shown once: keep it now"
		return http.StatusCreated, kept, nil
	}
	reveal := func() any {
		if shown.Token == "" {
			return nil
		}
		return shown
	}
	return exec, reveal, nil
}

// secretFunc is a writeFunc whose answer holds a secret: exec answers
// without it (that answer is kept for retries) and reveal gives the
// answer to send now, with it, or nil.
type secretFunc func(c *call) (exec execFunc, reveal func() any, err error)

// writeSecret is write for a route whose first answer holds a secret.
func (s *Server) writeSecret(h secretFunc) http.HandlerFunc {
	return s.idempotent(func(c *call) (prepared, error) {
		body, err := readBody(c.w, c.r, s.opt.BodyLimitBytes)
		if err != nil {
			return prepared{}, err
		}
		c.body = body
		exec, reveal, err := h(c)
		return prepared{exec: exec, hash: requestHash(c.r.Method, c.r.URL.Path, body), reveal: reveal}, err
	})
}
