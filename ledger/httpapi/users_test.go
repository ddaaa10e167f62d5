package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// TestAdminManagesUsers: an admin adds a user, sets the password, makes a
// token, disables and enables the account, all through the API.
func TestAdminManagesUsers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	login := func(user, pw string) *resp {
		return e.request(http.MethodPost, "/api/v1/tokens", "", map[string]string{"user": user, "password": pw})
	}
	r := e.get(admin, "/api/v1/users")
	expect(t, r, http.StatusOK, "")
	var list struct {
		Users []postgres.UserInfo `json:"users"`
	}
	if err := json.Unmarshal(r.body, &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Users) != len(allUsers) || strings.Contains(string(r.body), "argon2") || strings.Contains(string(r.body), "hash") {
		t.Fatalf("users %s", r.body)
	}
	for _, u := range list.Users {
		if u.Name == cpOfficer && (u.Scope != "FY-CP-01" || !u.HasPassword || u.ActiveTokens != 1 || fmt.Sprint(u.Roles) != "[officer]") {
			t.Fatalf("cp01officer listed as %+v", u)
		}
	}

	r = e.post(admin, "/api/v1/users", map[string]any{"name": "chenjing", "full_name": "陈静", "roles": []string{"officer", "cashier"}, "scope": "FY-CP-02",
		"password": "a long passphrase"})
	expect(t, r, http.StatusCreated, "")
	if m := r.json(t); m["name"] != "chenjing" || m["scope"] != "FY-CP-02" || m["has_password"] != true || m["disabled"] != false || fmt.Sprint(m["roles"]) != "[officer cashier]" {
		t.Fatalf("added %s", r.body)
	}
	if strings.Contains(string(r.body), "passphrase") {
		t.Fatal("the answer holds the password")
	}
	tok := login("chenjing", "a long passphrase")
	expect(t, tok, http.StatusCreated, "")
	me := e.request(http.MethodGet, "/api/v1/me", tok.str(t, "token"), nil)
	if me.str(t, "scope") != "FY-CP-02" {
		t.Fatalf("me %s", me.body)
	}
	if n := e.count(`SELECT count(*) FROM actions WHERE action = 'user_add' AND detail->>'user' = 'chenjing'`); n != 1 {
		t.Fatalf("%d user_add actions", n)
	}

	expect(t, e.post(admin, "/api/v1/users/chenjing/password", map[string]string{"password": "another passphrase"}), http.StatusOK, "")
	expect(t, login("chenjing", "a long passphrase"), http.StatusUnauthorized, ledger.EUnauthenticated)
	expect(t, login("chenjing", "another passphrase"), http.StatusCreated, "")

	// A token made by the admin is shown once; a retry with the same key
	// answers the same token id without the token, which is stored
	// nowhere in plain text.
	key := newKey()
	first := e.request(http.MethodPost, "/api/v1/users/chenjing/tokens", e.tokens[admin], map[string]string{"ttl": "2h"}, "Idempotency-Key", key)
	expect(t, first, http.StatusCreated, "")
	token := first.str(t, "token")
	if !strings.HasPrefix(token, postgres.TokenPrefix) || first.str(t, "user") != "chenjing" {
		t.Fatalf("token answer %s", first.body)
	}
	if exp, err := time.Parse(time.RFC3339, first.str(t, "expires_at")); err != nil || time.Until(exp) > 2*time.Hour || time.Until(exp) < time.Hour {
		t.Fatalf("expires_at %s (%v)", first.str(t, "expires_at"), err)
	}
	expect(t, e.request(http.MethodGet, "/api/v1/me", token, nil), http.StatusOK, "")
	again := e.request(http.MethodPost, "/api/v1/users/chenjing/tokens", e.tokens[admin], map[string]string{"ttl": "2h"}, "Idempotency-Key", key)
	expect(t, again, http.StatusCreated, "")
	if again.header.Get("Idempotency-Replayed") != "true" || again.str(t, "token") != "" || again.id(t) != first.id(t) {
		t.Fatalf("replay %v %s", again.header, again.body)
	}
	if storedAnswersContain(t, e, token[4:30]) {
		t.Fatal("a token is stored in plain text with the idempotent answers")
	}
	if !storedAnswersContain(t, e, `"user":"chenjing"`) {
		t.Fatal("the stored answers cannot be read back (the check above would pass for nothing)")
	}
	r = e.get(admin, "/api/v1/users/chenjing/tokens")
	expect(t, r, http.StatusOK, "")
	var toks struct {
		Tokens []postgres.TokenInfo `json:"tokens"`
	}
	json.Unmarshal(r.body, &toks)
	if len(toks.Tokens) != 3 || toks.Tokens[0].ID != first.id(t) || strings.Contains(string(r.body), token) {
		t.Fatalf("tokens %s", r.body)
	}

	// Disabled: every token stops, the password no longer logs in, no new
	// token is made; enabled again: the password works, old tokens not.
	r = e.post(admin, "/api/v1/users/chenjing/disable", nil)
	expect(t, r, http.StatusOK, "")
	if m := r.json(t); m["disabled"] != true || m["active_tokens"] != float64(0) {
		t.Fatalf("disabled %s", r.body)
	}
	expect(t, e.request(http.MethodGet, "/api/v1/me", token, nil), http.StatusUnauthorized, ledger.EUnauthenticated)
	expect(t, login("chenjing", "another passphrase"), http.StatusUnauthorized, ledger.EUnauthenticated)
	expect(t, e.post(admin, "/api/v1/users/chenjing/tokens", nil), http.StatusConflict, ledger.EInvalidState)
	expect(t, e.post(admin, "/api/v1/users/chenjing/enable", nil), http.StatusOK, "")
	expect(t, e.request(http.MethodGet, "/api/v1/me", token, nil), http.StatusUnauthorized, ledger.EUnauthenticated)
	expect(t, login("chenjing", "another passphrase"), http.StatusCreated, "")
	if n := e.count(`SELECT count(*) FROM actions WHERE action IN ('user_disable', 'user_enable') AND actor = $1`, admin); n != 2 {
		t.Fatalf("%d disable/enable actions by the admin", n)
	}
	// An admin does not lock themselves out.
	expect(t, e.post(admin, "/api/v1/users/"+admin+"/disable", nil), http.StatusBadRequest, ledger.EInvalid)
	expect(t, e.get(admin, "/api/v1/me"), http.StatusOK, "")
}

// TestUserReadsOwnAccountOnly: a user reads their own account and tokens;
// only admins read others', and a scoped admin only those within.
func TestUserReadsOwnAccountOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	expect(t, e.get(officer, "/api/v1/users/"+officer), http.StatusOK, "")
	expect(t, e.get(officer, "/api/v1/users/"+officer+"/tokens"), http.StatusOK, "")
	for _, p := range []string{"/api/v1/users", "/api/v1/users/" + officer2, "/api/v1/users/" + officer2 + "/tokens", "/api/v1/users/nobody"} {
		expect(t, e.get(officer, p), http.StatusForbidden, ledger.EForbidden)
		expect(t, e.get(auditor, p), http.StatusForbidden, ledger.EForbidden)
	}
	expect(t, e.get(admin, "/api/v1/users/nobody"), http.StatusNotFound, ledger.ENotFound)
	expect(t, e.get(admin, "/api/v1/users?all=1"), http.StatusBadRequest, ledger.EInvalid)

	// An admin of FY-CP-01 manages the users scoped within it.
	if _, err := e.db.AddUser(ctx, book, ledger.User{Name: "cpadmin", Roles: []ledger.Role{ledger.RoleAdmin}, Scope: "FY-CP-01"}, ""); err != nil {
		t.Fatal(err)
	}
	tok, _, err := e.db.CreateToken(ctx, book, "cpadmin", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	as := func(method, path string, body any) *resp {
		if method == http.MethodGet {
			return e.request(method, path, tok, nil)
		}
		return e.request(method, path, tok, body, "Idempotency-Key", newKey())
	}
	r := as(http.MethodGet, "/api/v1/users", nil)
	expect(t, r, http.StatusOK, "")
	var list struct {
		Users []postgres.UserInfo `json:"users"`
	}
	json.Unmarshal(r.body, &list)
	var names []string
	for _, u := range list.Users {
		names = append(names, u.Name)
	}
	if fmt.Sprint(names) != "["+cpAdmin+" cp01officer cpadmin]" {
		t.Fatalf("the scoped admin lists %v", names)
	}
	users := e.count(`SELECT count(*) FROM users`)
	expect(t, as(http.MethodPost, "/api/v1/users", map[string]any{"name": "x1", "roles": []string{"officer"}, "scope": "FY-CP-02"}), http.StatusForbidden, ledger.EForbidden)
	expect(t, as(http.MethodPost, "/api/v1/users", map[string]any{"name": "x2", "roles": []string{"officer"}}), http.StatusForbidden, ledger.EForbidden)
	expect(t, as(http.MethodPost, "/api/v1/users/"+officer+"/password", map[string]string{"password": "a long passphrase"}), http.StatusForbidden, ledger.EForbidden)
	expect(t, as(http.MethodPost, "/api/v1/users/"+cpChecker+"/disable", nil), http.StatusForbidden, ledger.EForbidden)
	expect(t, as(http.MethodPost, "/api/v1/users/"+officer+"/tokens", nil), http.StatusForbidden, ledger.EForbidden)
	if n := e.count(`SELECT count(*) FROM users`); n != users {
		t.Fatal("a refused user add added a user")
	}
	expect(t, as(http.MethodPost, "/api/v1/users", map[string]any{"name": "x3", "roles": []string{"officer"}, "scope": "FY-CP-01-G1"}), http.StatusCreated, "")
	expect(t, as(http.MethodPost, "/api/v1/users/"+cpOfficer+"/tokens", nil), http.StatusCreated, "")
}

// TestUserWritesRejectBadInput: a 400 naming the field, and nothing
// changes.
func TestUserWritesRejectBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	snapshot := func() string {
		return fmt.Sprint(e.count(`SELECT count(*) FROM users`), e.count(`SELECT count(*) FROM api_tokens`),
			e.text(`SELECT string_agg(password_hash || disabled::text, ',' ORDER BY name) FROM users`))
	}
	before := snapshot()
	for _, c := range []struct {
		name, path string
		body       string
		headers    []string
		status     int
		code       string
		field      string
	}{
		{"unknown field", "/api/v1/users", `{"name": "a1", "roles": ["officer"], "role": "admin"}`, nil, 400, ledger.EInvalid, "role"},
		{"roles as a string", "/api/v1/users", `{"name": "a1", "roles": "officer"}`, nil, 400, ledger.EInvalid, "roles"},
		{"no roles", "/api/v1/users", `{"name": "a1"}`, nil, 400, ledger.EInvalid, "roles"},
		{"unknown role", "/api/v1/users", `{"name": "a1", "roles": ["officer", "boss"]}`, nil, 400, ledger.EInvalid, "roles[2]"},
		{"bad name", "/api/v1/users", `{"name": "王 芳", "roles": ["officer"]}`, nil, 400, ledger.EInvalid, "name"},
		{"system", "/api/v1/users", `{"name": "system", "roles": ["officer"]}`, nil, 400, ledger.EInvalid, "name"},
		{"duplicate", "/api/v1/users", `{"name": "wangfang", "roles": ["officer"]}`, nil, 400, ledger.EInvalid, "name"},
		{"unknown scope", "/api/v1/users", `{"name": "a1", "roles": ["officer"], "scope": "FY-NOPE"}`, nil, 404, ledger.ENotFound, "scope"},
		{"short password", "/api/v1/users", `{"name": "a1", "roles": ["officer"], "password": "short"}`, nil, 400, ledger.EInvalid, "password"},
		{"password as a number", "/api/v1/users", `{"name": "a1", "roles": ["officer"], "password": 12345678}`, nil, 400, ledger.EInvalid, "password"},
		{"no Idempotency-Key", "/api/v1/users", `{"name": "a1", "roles": ["officer"]}`, []string{"Idempotency-Key", ""}, 400, ledger.EInvalid, "Idempotency-Key"},
		{"set short password", "/api/v1/users/liuyang/password", `{"password": "short"}`, nil, 400, ledger.EInvalid, "password"},
		{"set no password", "/api/v1/users/liuyang/password", `{}`, nil, 400, ledger.EInvalid, "password"},
		{"set password unknown field", "/api/v1/users/liuyang/password", `{"password": "a long passphrase", "old": "x"}`, nil, 400, ledger.EInvalid, "old"},
		{"set password unknown user", "/api/v1/users/nobody/password", `{"password": "a long passphrase"}`, nil, 404, ledger.ENotFound, "name"},
		{"disable with a body", "/api/v1/users/liuyang/disable", `{"force": true}`, nil, 400, ledger.EInvalid, "force"},
		{"disable unknown user", "/api/v1/users/nobody/disable", ``, nil, 404, ledger.ENotFound, "name"},
		{"token bad ttl", "/api/v1/users/liuyang/tokens", `{"ttl": "forever"}`, nil, 400, ledger.EInvalid, "ttl"},
		{"token ttl too long", "/api/v1/users/liuyang/tokens", `{"ttl": "9000h"}`, nil, 400, ledger.EInvalid, "ttl"},
		{"token ttl as a number", "/api/v1/users/liuyang/tokens", `{"ttl": 3600}`, nil, 400, ledger.EInvalid, "ttl"},
		{"token no Idempotency-Key", "/api/v1/users/liuyang/tokens", `{}`, []string{"Idempotency-Key", ""}, 400, ledger.EInvalid, "Idempotency-Key"},
		{"token unknown user", "/api/v1/users/nobody/tokens", `{}`, nil, 404, ledger.ENotFound, "name"},
		{"token body not JSON", "/api/v1/users/liuyang/tokens", `{}`, []string{"Content-Type", "text/plain"}, 415, ledger.EInvalid, "Content-Type"},
	} {
		headers := append([]string{"Idempotency-Key", newKey()}, c.headers...)
		r := e.request(http.MethodPost, c.path, e.tokens[admin], c.body, headers...)
		if r.status != c.status || r.str(t, "code") != c.code || r.str(t, "field") != c.field {
			t.Errorf("%s: %d %s, want %d %s field %s", c.name, r.status, r.body, c.status, c.code, c.field)
		}
	}
	if after := snapshot(); after != before {
		t.Errorf("bad requests changed users or tokens")
	}
}

// storedAnswersContain reports whether a stored idempotent answer, as it
// reads back (responses of some size are stored gzip-compressed), contains
// text.
func storedAnswersContain(t *testing.T, e *env, text string) bool {
	t.Helper()
	rows, err := e.db.Pool.Query(context.Background(), `SELECT response FROM api_idempotency WHERE response IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			t.Fatal(err)
		}
		if len(b) > 2 && b[0] == 0x1f && b[1] == 0x8b {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if b, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		if bytes.Contains(b, []byte(text)) {
			return true
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return false
}
