package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/audit"
	"github.com/fenyang/partyfee/ledger/httpapi"
	"github.com/fenyang/partyfee/ledger/postgres"
)

func TestPublicRoutesAndAuthenticationBeforeRouting(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, p := range []string{"/healthz", "/readyz", "/api/v1/openapi.json"} {
		expect(t, e.request(http.MethodGet, p, "", nil), http.StatusOK, "")
	}
	// Without a token every other request is 401, routed or not.
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/v1/vouchers"}, {"GET", "/api/v1/nope"}, {"GET", "/nope"}, {"POST", "/api/v1/flows/receive"},
		{"DELETE", "/api/v1/vouchers/1"}, {"GET", "/healthz/"}, {"POST", "/healthz"},
	} {
		r := e.request(c.method, c.path, "", nil)
		expect(t, r, http.StatusUnauthorized, ledger.EUnauthenticated)
		if r.header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s %s: 401 without WWW-Authenticate", c.method, c.path)
		}
	}
	for _, bad := range []string{"Bearer", "Basic d2FuZ2Zhbmc6eA==", "Bearer lgr_short", "Bearer " + "lgr_" + strings.Repeat("A", 43)} {
		r := e.request(http.MethodGet, "/api/v1/me", "", nil, "Authorization", bad)
		expect(t, r, http.StatusUnauthorized, ledger.EUnauthenticated)
	}
	// With a token, routing answers in JSON.
	expect(t, e.get(officer, "/api/v1/nope"), http.StatusNotFound, ledger.ENotFound)
	r := e.request(http.MethodDelete, "/api/v1/vouchers/1", e.tokens[officer], nil)
	expect(t, r, http.StatusMethodNotAllowed, ledger.EInvalid)
	if !strings.Contains(r.header.Get("Allow"), "GET") {
		t.Errorf("405 without the Allow header: %v", r.header)
	}
	me := e.get(cpOfficer, "/api/v1/me")
	expect(t, me, http.StatusOK, "")
	if m := me.json(t); m["user"] != cpOfficer || m["scope"] != "FY-CP-01" || m["book"] != book {
		t.Errorf("me = %v", m)
	}
	if id := me.header.Get("X-Request-Id"); len(id) != 16 {
		t.Errorf("X-Request-Id %q", id)
	}
}

// fromAddr is a client whose connections come from the loopback address
// ip (Linux routes all of 127.0.0.0/8 to the loopback interface).
func fromAddr(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

func TestLoginAndRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *httpapi.Options) {
		o.LoginAttemptsMax, o.LoginAddressAttemptsMax, o.LoginWindow = 3, 4, time.Hour
	})
	login := func(ip, user, pw string) *resp {
		return doRequest(t, fromAddr(ip), e.ts.URL, http.MethodPost, "/api/v1/tokens", "", map[string]string{"user": user, "password": pw})
	}
	r := login("127.0.0.1", officer, "demo-officer-1")
	expect(t, r, http.StatusCreated, "")
	tok := r.str(t, "token")
	if !strings.HasPrefix(tok, "lgr_") || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("login answer %s (Cache-Control %q)", r.body, r.header.Get("Cache-Control"))
	}
	expect(t, e.request(http.MethodGet, "/api/v1/me", tok, nil), http.StatusOK, "")
	// The token is stored as its SHA-256 hash only.
	if n := e.count(`SELECT count(*) FROM api_tokens WHERE token_hash = sha256($1::bytea)`, []byte(tok)); n != 1 {
		t.Fatalf("%d token rows hold the hash of the token", n)
	}
	if n := e.count(`SELECT count(*) FROM api_tokens WHERE position($1::bytea IN token_hash) > 0`, []byte(tok[4:20])); n != 0 {
		t.Fatal("a token is stored in plain text")
	}
	// Unknown users and wrong passwords get the same answer.
	unknown, wrong := login("127.0.0.2", "nobody", "whatever-pw"), login("127.0.0.3", checker, "wrong-password")
	expect(t, unknown, http.StatusUnauthorized, ledger.EUnauthenticated)
	expect(t, wrong, http.StatusUnauthorized, ledger.EUnauthenticated)
	if unknown.str(t, "message") != wrong.str(t, "message") {
		t.Errorf("login failures differ: %q vs %q", unknown.str(t, "message"), wrong.str(t, "message"))
	}
	// Per user: 3 failures from 3 addresses, then even the right password
	// is refused, from a fourth address.
	login("127.0.0.4", checker, "wrong-password")
	login("127.0.0.5", checker, "wrong-password")
	r = login("127.0.0.6", checker, "demo-checker-1")
	expect(t, r, http.StatusTooManyRequests, ledger.ERateLimited)
	if r.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	// Per address: 4 failures for 4 users from one address, then a fifth
	// user is refused from it but logs in from another address.
	for _, u := range []string{officer2, cashier, admin, cpOfficer} {
		expect(t, login("127.0.0.7", u, "wrong-password"), http.StatusUnauthorized, ledger.EUnauthenticated)
	}
	expect(t, login("127.0.0.7", auditor, "demo-auditor-1"), http.StatusTooManyRequests, ledger.ERateLimited)
	expect(t, login("127.0.0.8", auditor, "demo-auditor-1"), http.StatusCreated, "")
	// A success clears the user's failures: 2 failures, a success, 2 more
	// failures, and the right password still works (each from its own
	// address, so only the user's count matters).
	login("127.0.0.9", checker2, "wrong-password")
	login("127.0.0.10", checker2, "wrong-password")
	expect(t, login("127.0.0.11", checker2, "demo-checker-2"), http.StatusCreated, "")
	login("127.0.0.12", checker2, "wrong-password")
	login("127.0.0.13", checker2, "wrong-password")
	expect(t, login("127.0.0.14", checker2, "demo-checker-2"), http.StatusCreated, "")
	for _, ip := range []string{"127.0.0.15", "127.0.0.16", "127.0.0.17"} {
		login(ip, checker2, "wrong-password")
	}
	expect(t, login("127.0.0.18", checker2, "demo-checker-2"), http.StatusTooManyRequests, ledger.ERateLimited)
	// Bad bodies are 400 and not counted.
	expect(t, e.request(http.MethodPost, "/api/v1/tokens", "", `{"user":"x"`), http.StatusBadRequest, ledger.EInvalid)
	expect(t, e.request(http.MethodPost, "/api/v1/tokens", "", `{"user":"x","password":"y","admin":true}`), http.StatusBadRequest, ledger.EInvalid)
	expect(t, e.request(http.MethodPost, "/api/v1/tokens", "", `{"user":"liuyang"}`), http.StatusBadRequest, ledger.EInvalid)
	expect(t, login("127.0.0.19", officer2, "demo-officer-2"), http.StatusCreated, "")
}

func TestLimiterWindowMovesOn(t *testing.T) {
	t.Parallel()
	// The window starts with the first attempt, before its password check
	// (slow under the race detector): long enough for two checks.
	const window = 8 * time.Second
	e := newEnv(t, func(o *httpapi.Options) { o.LoginAttemptsMax = 2; o.LoginWindow = window })
	login := func(pw string) *resp {
		return e.request(http.MethodPost, "/api/v1/tokens", "", map[string]string{"user": officer2, "password": pw})
	}
	start := time.Now()
	login("bad-password")
	login("bad-password")
	expect(t, login("demo-officer-2"), http.StatusTooManyRequests, ledger.ERateLimited)
	time.Sleep(time.Until(start.Add(window + 200*time.Millisecond)))
	expect(t, login("demo-officer-2"), http.StatusCreated, "")
}

func TestTokenExpiryAndRevocation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tok, info, err := e.db.CreateToken(ctx, book, officer, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	expect(t, e.request(http.MethodGet, "/api/v1/me", tok, nil), http.StatusOK, "")
	// Another officer may not revoke it (to them it does not exist); its
	// user and an admin may.
	r := e.request(http.MethodPost, fmt.Sprintf("/api/v1/tokens/%d/revoke", info.ID), e.tokens[officer2], nil, "Idempotency-Key", newKey())
	expect(t, r, http.StatusNotFound, ledger.ENotFound)
	expect(t, e.request(http.MethodGet, "/api/v1/me", tok, nil), http.StatusOK, "")
	r = e.request(http.MethodPost, fmt.Sprintf("/api/v1/tokens/%d/revoke", info.ID), tok, nil, "Idempotency-Key", newKey())
	expect(t, r, http.StatusOK, "")
	if r.json(t)["revoked_at"] == nil {
		t.Fatalf("revoke answer %s", r.body)
	}
	r = e.request(http.MethodGet, "/api/v1/me", tok, nil, "Accept-Language", "en")
	expect(t, r, http.StatusUnauthorized, ledger.EUnauthenticated)
	if !strings.Contains(r.str(t, "message"), "revoked") {
		t.Errorf("message %q", r.str(t, "message"))
	}
	// Expired.
	tok2, info2, err := e.db.CreateToken(ctx, book, officer, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := execSuper(t, e, `UPDATE api_tokens SET created_at = now() - interval '2 hours', expires_at = now() - interval '1 second' WHERE id = $1`, info2.ID); err != nil {
		t.Fatal(err)
	}
	r = e.request(http.MethodGet, "/api/v1/me", tok2, nil, "Accept-Language", "en")
	expect(t, r, http.StatusUnauthorized, ledger.EUnauthenticated)
	if !strings.Contains(r.str(t, "message"), "expired") {
		t.Errorf("message %q", r.str(t, "message"))
	}
	// A token of a disabled user stops working.
	if err := execSuper(t, e, `UPDATE users SET disabled = true WHERE book = $1 AND name = $2`, book, officer2); err != nil {
		t.Fatal(err)
	}
	expect(t, e.get(officer2, "/api/v1/me"), http.StatusUnauthorized, ledger.EUnauthenticated)
	expect(t, e.post(officer, "/api/v1/tokens/999999/revoke", nil), http.StatusNotFound, ledger.ENotFound)
}

func execSuper(t *testing.T, e *env, sql string, args ...any) error {
	t.Helper()
	_, err := e.tdb.Open(t, e.tdb.SuperURL).Pool.Exec(context.Background(), sql, args...)
	return err
}

// TestRoleScopeMatrix sends every write route as every role, each on a
// fresh voucher (or finding, or token) in the state the route needs, and
// checks the status, the code and that a refused write changed nothing.
func TestRoleScopeMatrix(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.funded()
	ctx := context.Background()
	spendReq := ledger.FlowRequest{Flow: ledger.FlowSpend, Org: "FY-CP-01", Fund: "FY-UP", Purpose: ledger.Procurement, Amount: amt("10.00"), Payee: "汾阳市医药公司", PayeeType: ledger.PayeeSupplier, Attachments: 1}
	receiveReq := ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-UP", Amount: amt("100.00"), Attachments: 1}
	// A fixture prepares one cell: the path, the body, and a snapshot of
	// what a refused request must leave as it was.
	type fixture func() (path string, body any, snapshot func() string)
	vouchers := func() string { return fmt.Sprint(e.count(`SELECT count(*) FROM vouchers`)) }
	noVoucher := func(path string, body any) fixture {
		return func() (string, any, func() string) { return path, body, vouchers }
	}
	onVoucher := func(step string, make func() *ledger.Voucher) fixture {
		return func() (string, any, func() string) {
			v := make()
			return fmt.Sprintf("/api/v1/vouchers/%d/%s", v.ID, step), nil, func() string {
				w := e.voucher(v.ID)
				return fmt.Sprint(w.Status, w.Checker, w.Cashier, w.Poster, vouchers())
			}
		}
	}
	draft := func() *ledger.Voucher { return e.flow(officer, spendReq) }
	checked := func() *ledger.Voucher {
		v := e.flow(officer, receiveReq)
		return e.step(v.ID, checker, ledger.ActCheck)
	}
	signed := func() *ledger.Voucher { v := checked(); return e.step(v.ID, cashier, ledger.ActSign) }
	postedV := func() *ledger.Voucher { return e.posted(officer, receiveReq) }
	findingSeq := 0
	onFinding := func(step string, body any, ack bool) fixture {
		return func() (string, any, func() string) {
			findingSeq++
			key := fmt.Sprintf("T-%d", findingSeq)
			fs, err := e.db.RecordFindings(ctx, book, ledger.PeriodRange{From: day("2020-02-01"), To: day("2020-02-29")}, []audit.Finding{{
				Rule: "A-12", Type: "程序违规", Severity: audit.SeverityHigh, Org: "FY-CP-01", Amount: amt("1.00"), Explanation: "test", Key: key}}, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if ack {
				if _, err := e.db.AckFinding(ctx, book, auditor, key, "属实", time.Time{}); err != nil {
					t.Fatal(err)
				}
			}
			return fmt.Sprintf("/api/v1/findings/%d/%s", fs[0].ID, step), body, func() string {
				all, err := e.db.Findings(ctx, book, postgres.FindingFilter{})
				if err != nil {
					t.Fatal(err)
				}
				out := ""
				for _, f := range all {
					out += f.State + f.Note
				}
				return out
			}
		}
	}
	// counted is a fixture whose snapshot is the row count of table; the
	// body may depend on a number unique to the cell.
	cell := 0
	counted := func(table string, mk func(n int) (string, any)) fixture {
		return func() (string, any, func() string) {
			cell++
			path, body := mk(cell)
			return path, body, func() string { return fmt.Sprint(e.count(`SELECT count(*) FROM ` + table)) }
		}
	}
	// onUser makes a user (disabled or not) and moves it.
	onUser := func(step string, disabled bool) fixture {
		return func() (string, any, func() string) {
			cell++
			name := fmt.Sprintf("acct%d", cell)
			if _, err := e.db.AddUser(ctx, book, ledger.User{Name: name, Roles: []ledger.Role{ledger.RoleOfficer}}, ""); err != nil {
				t.Fatal(err)
			}
			if disabled {
				if _, err := e.db.SetUserDisabled(ctx, book, admin, name, true); err != nil {
					t.Fatal(err)
				}
			}
			return "/api/v1/users/" + name + "/" + step, nil, func() string {
				return e.text(`SELECT disabled::text FROM users WHERE name = $1`, name)
			}
		}
	}
	ok, no, same := http.StatusOK, http.StatusForbidden, -http.StatusForbidden // same: 403 same_person
	stateConflict := -http.StatusConflict                                      // 409 invalid_state
	hidden := http.StatusNotFound                                              // 404 not_found: outside the caller's reach
	made := http.StatusCreated
	only := func(want int, users ...string) map[string]int {
		m := map[string]int{officer: no, checker: no, cashier: no, auditor: no, admin: no, cpOfficer: no, cpChecker: no, cpAdmin: no}
		for _, u := range users {
			m[u] = want
		}
		return m
	}
	with := func(m map[string]int, user string, want int) map[string]int { m[user] = want; return m }
	// reach: 200 for users, 404 for every other.
	reach := func(users ...string) map[string]int {
		m := only(ok, users...)
		for u, want := range m {
			if want == no {
				m[u] = hidden
			}
		}
		return m
	}
	revokeOf := func(owner string) fixture {
		return func() (string, any, func() string) {
			_, info, err := e.db.CreateToken(ctx, book, owner, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("/api/v1/tokens/%d/revoke", info.ID), nil, func() string {
				return fmt.Sprint(e.count(`SELECT count(*) FROM api_tokens WHERE revoked_at IS NOT NULL`))
			}
		}
	}
	// closedJanuary closes January (no vouchers) when it is open: the
	// month a re-open cell re-opens.
	closedJanuary := func() (string, any, func() string) {
		if e.count(`SELECT count(*) FROM periods WHERE year = 2020 AND month = 1 AND status = 'closed'`) == 0 {
			res, err := e.db.Reconcile(ctx, postgres.ReconcileOptions{Book: book, Period: ledger.PeriodRange{From: day("2020-01-01"), To: day("2020-01-31")},
				Close: true, WindowDays: 10})
			if err != nil || !res.Closed {
				t.Fatalf("closing january: %v %+v", err, res)
			}
		}
		return "/api/v1/periods/2020-01/reopen", map[string]string{"reason": "补记"}, func() string {
			return fmt.Sprint(e.text(`SELECT status || coalesce(seal, '') FROM periods WHERE year = 2020 AND month = 1`), e.count(`SELECT count(*) FROM period_events`))
		}
	}
	rows := []struct {
		route string
		fix   fixture
		want  map[string]int
	}{
		{"receive", noVoucher("/api/v1/flows/receive", map[string]any{"fund": "FY-UP", "amount": "100.00", "date": "2020-02-10"}), only(made, officer, admin)},
		{"match", noVoucher("/api/v1/flows/match", map[string]any{"fund": "FY-MATCH", "amount": "100.00", "date": "2020-02-10"}), only(made, officer, admin)},
		{"allocate", noVoucher("/api/v1/flows/allocate", map[string]any{"fund": "FY-UP", "to": "FY-CP-01", "amount": "100.00", "date": "2020-02-10"}), only(made, officer, admin)},
		{"spend", noVoucher("/api/v1/flows/spend", map[string]any{"org": "FY-CP-01", "fund": "FY-UP", "purpose": "procurement", "amount": "10.00", "date": "2020-02-10", "payee": "汾阳市医药公司"}),
			only(made, officer, admin, cpOfficer, cpAdmin)},
		{"spend sibling", noVoucher("/api/v1/flows/spend", map[string]any{"org": "FY-CP-02", "fund": "FY-UP", "purpose": "procurement", "amount": "10.00", "date": "2020-02-10"}),
			only(made, officer, admin)},
		{"return", noVoucher("/api/v1/flows/return", map[string]any{"org": "FY-CP-01", "fund": "FY-UP", "amount": "10.00", "date": "2020-02-10"}), only(made, officer, admin)},
		{"general voucher", noVoucher("/api/v1/vouchers", map[string]any{"date": "2020-02-10", "summary": "利息收入", "attachments": 1, "lines": []map[string]string{
			{"account": "100201", "org": "FY", "fund": "FY-GEN", "debit": "5.00"}, {"account": "4604", "org": "FY", "fund": "FY-GEN", "credit": "5.00"}}}),
			only(made, officer, admin)},
		{"grant", noVoucher("/api/v1/grants", map[string]any{"fund": "FY-UP", "amount": "10.00", "date": "2020-02-10", "to_book": "XY-OTHER",
			"to_org": "XY", "to_fund": "XY-UP"}), only(made, officer, admin)},
		{"receive grant", counted("grant_receipts", func(n int) (string, any) {
			return "/api/v1/grants/receive", map[string]any{"from_book": "SX-UPPER", "from_voucher": n, "date": "2020-02-10T00:00:00Z",
				"to_book": book, "to_org": "FY", "to_fund": "FY-UP", "amount": "10.00"}
		}), only(made, officer, admin)},
		{"check", onVoucher("check", draft), only(ok, checker, admin, cpAdmin)},
		{"uncheck", onVoucher("uncheck", checked), with(only(ok, checker), admin, same)},
		{"sign", onVoucher("sign", checked), only(ok, cashier)},
		{"post", onVoucher("post", signed), only(ok, checker, admin)},
		{"void", onVoucher("void", draft), with(only(ok, officer, admin, cpAdmin), cpOfficer, same)},
		{"reverse", onVoucher("reverse", postedV), only(made, officer, admin)},
		{"edit", func() (string, any, func() string) {
			v := draft()
			lines := []map[string]string{
				{"account": "500101", "org": "FY-CP-01", "fund": "FY-UP", "purpose": "procurement", "debit": "12.00"},
				{"account": "121801", "org": "FY-CP-01", "fund": "FY-UP", "credit": "12.00"}}
			body := map[string]any{"version": 1, "date": "2020-02-10", "summary": "修改", "attachments": 2,
				"payee": "汾阳市医药公司", "payee_type": "supplier", "lines": lines}
			return fmt.Sprintf("/api/v1/vouchers/%d/edit", v.ID), body, func() string {
				w := e.voucher(v.ID)
				return fmt.Sprint(w.Version, w.Summary, w.Total(), vouchers())
			}
		}, with(only(ok, officer, admin, cpAdmin), cpOfficer, same)},
		// A token by its id: its own user, or an admin who manages that
		// user; to anyone else it does not exist (defect 3 of issue 14).
		{"revoke an officer's token", revokeOf(officer), reach(officer, admin)},
		{"revoke the branch officer's token", revokeOf(cpOfficer), reach(admin, cpOfficer, cpAdmin)},
		{"revoke the admin's token", revokeOf(admin), reach(admin)},
		{"audit run", func() (string, any, func() string) {
			return "/api/v1/audit-runs", map[string]string{"period": "2020-02"}, func() string { return fmt.Sprint(e.count(`SELECT count(*) FROM audit_runs`)) }
		}, only(ok, auditor, admin, cpAdmin)},
		{"ack finding", onFinding("ack", map[string]string{"note": "情况属实，限期整改", "deadline": "2020-03-31"}, false), only(ok, auditor, admin, cpAdmin)},
		{"rectify finding", onFinding("rectify", map[string]string{"note": "已补充会议纪要"}, true), only(ok, auditor, admin, cpAdmin)},
		{"reconcile run", func() (string, any, func() string) {
			// A run without close changes no ledger state (an identical
			// re-run records nothing): the snapshot is the months closed,
			// the runs recorded and the calls answered. A run is a write:
			// an admin of the whole book's, not an auditor's.
			return "/api/v1/reconcile-runs", map[string]any{"period": "2020-02"}, func() string {
				return fmt.Sprint(e.count(`SELECT count(*) FROM periods WHERE status = 'closed'`),
					e.count(`SELECT count(*) FROM reconcile_runs`),
					e.count(`SELECT count(*) FROM api_idempotency WHERE path = '/api/v1/reconcile-runs' AND status = 200`))
			}
		}, only(ok, admin)},
		{"reopen period", func() (string, any, func() string) {
			return "/api/v1/periods/2020-02/reopen", map[string]string{"reason": "补记"}, func() string { return fmt.Sprint(e.count(`SELECT count(*) FROM period_events`)) }
		}, only(stateConflict, admin)}, // the month is open: only an admin of the whole book gets as far as the state
		// Re-opening a closed month is an act on the whole book: never a
		// branch's admin (defect 2 of issue 14).
		{"reopen a closed month", closedJanuary, only(ok, admin)},
		// Opening balances and the year: an admin of the whole book (the
		// book has vouchers and open months: the rules refuse them then).
		{"opening balances", counted(`vouchers`, func(n int) (string, any) {
			return "/api/v1/openings", map[string]any{"month": "2020-02", "rows": []map[string]string{{"account": "100201", "org": "FY", "fund": "FY-UP", "balance": "1.00"}}}
		}), only(http.StatusUnprocessableEntity, admin)},
		{"year-end close", counted(`vouchers`, func(n int) (string, any) { return "/api/v1/years/2020/close", nil }), only(stateConflict, admin)},
		{"re-open a year", counted(`year_events`, func(n int) (string, any) {
			return "/api/v1/years/2020/reopen", map[string]string{"reason": "更正"}
		}), only(stateConflict, admin)},
		// The facts the audit rules read: officers and admins, within
		// their scope (a record for the whole book is outside any scope).
		{"publicity for the book", counted(`publicity`, func(n int) (string, any) {
			return "/api/v1/publicity", map[string]string{"date": "2020-03-05", "channel": "公示栏", "total": "100.00"}
		}), only(made, officer, admin)},
		{"publicity of the branch", counted(`publicity`, func(n int) (string, any) {
			return "/api/v1/publicity", map[string]string{"org": "FY-CP-01", "date": "2020-03-05", "procurement": "10.00", "total": "10.00"}
		}), only(made, officer, admin, cpOfficer, cpAdmin)},
		{"roster add", counted(`beneficiary_roster`, func(n int) (string, any) {
			return "/api/v1/roster", map[string]string{"org": "FY-CP-01", "name": fmt.Sprintf("张%d", n), "id_number": idNumber(fmt.Sprintf("14230119700101%03d", n))}
		}), only(made, officer, admin, cpOfficer, cpAdmin)},
		{"roster add for the book", counted(`beneficiary_roster`, func(n int) (string, any) {
			return "/api/v1/roster", map[string]string{"name": fmt.Sprintf("赵%d", n), "phone": fmt.Sprintf("1380000%04d", n)}
		}), only(made, officer, admin)},
		{"roster import", counted(`beneficiary_roster`, func(n int) (string, any) {
			return "/api/v1/roster/import?org=FY-CP-01", fmt.Sprintf("姓名,身份证号,身份\n李%d,%s,群众\n", n, idNumber(fmt.Sprintf("14230119800101%03d", n)))
		}), only(ok, officer, admin, cpOfficer, cpAdmin)},
		{"member add", counted(`org_members`, func(n int) (string, any) {
			return "/api/v1/members", map[string]any{"org": "FY-CP-01", "name": fmt.Sprintf("白%d", n), "cadre": true}
		}), only(ok, officer, admin, cpOfficer, cpAdmin)},
		// Meetings and payee accounts are facts of the whole book, which
		// rules read for every branch (defect 5 of issue 14).
		{"meeting add", counted(`meetings`, func(n int) (string, any) {
			return "/api/v1/meetings", map[string]any{"decision": fmt.Sprintf("部务会2020-02-%02d", n%28+1) + fmt.Sprint(n), "attendees": []string{"孙立新", "王芳"}}
		}), only(ok, officer, admin)},
		{"payee account", counted(`payee_accounts`, func(n int) (string, any) {
			return "/api/v1/payee-accounts", map[string]any{"payee": fmt.Sprintf("收款人%d", n), "personal": true}
		}), only(ok, officer, admin)},
		{"value date of a branch voucher", counted(`voucher_value_dates`, func(n int) (string, any) {
			return fmt.Sprintf("/api/v1/vouchers/%d/value-date", draft().ID), map[string]string{"date": "2020-02-11"}
		}), only(ok, officer, admin, cpOfficer, cpAdmin)},
		{"value date of an allocation", counted(`voucher_value_dates`, func(n int) (string, any) {
			v := e.flow(officer, ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-UP", Org: "FY-CP-01", Amount: amt("1.00"), Attachments: 1})
			return fmt.Sprintf("/api/v1/vouchers/%d/value-date", v.ID), map[string]string{"date": "2020-02-11"}
		}), only(ok, officer, admin)},
		// Scanned originals: the maker of the draft or an admin in scope.
		{"attach a file to a branch draft", counted(`voucher_attachments`, func(n int) (string, any) {
			return fmt.Sprintf("/api/v1/vouchers/%d/attachments", draft().ID), scanPDF
		}), with(only(made, officer, admin, cpAdmin), cpOfficer, same)},
		// The voucher template workbook, imported as drafts: officers and
		// admins, within their scope.
		{"voucher workbook import", counted(`vouchers`, func(n int) (string, any) {
			return "/api/v1/imports", voucherWorkbook(t, condolenceRows(fmt.Sprintf("M-%d", n), "300.00")...)
		}), only(made, officer, admin, cpOfficer, cpAdmin)},
		// Users: admins only.
		{"user add", counted(`users`, func(n int) (string, any) {
			return "/api/v1/users", map[string]any{"name": fmt.Sprintf("new%d", n), "roles": []string{"officer"}, "scope": "FY-CP-01"}
		}), only(made, admin, cpAdmin)},
		{"user password", func() (string, any, func() string) {
			return "/api/v1/users/" + officer2 + "/password", map[string]string{"password": "another-passphrase"}, func() string {
				return e.text(`SELECT password_hash FROM users WHERE name = $1`, officer2)
			}
		}, only(ok, admin)},
		{"user disable", onUser("disable", false), only(ok, admin)},
		{"user enable", onUser("enable", true), only(ok, admin)},
		{"token for a user", counted(`api_tokens`, func(n int) (string, any) {
			return "/api/v1/users/" + officer2 + "/tokens", map[string]string{"ttl": "1h"}
		}), only(made, admin)},
		// A run with a bank statement: an admin of the whole book; each
		// cell sends another file (a new title row), so a run stores one.
		{"reconcile with a statement", func() (string, any, func() string) {
			cell++
			return "/api/v1/reconcile-runs/statement?period=2020-02&filename=icbc.csv", statementCSV(fmt.Sprintf("cell %d", cell), fundedStatement), func() string {
				return fmt.Sprint(e.count(`SELECT count(*) FROM bank_statements`), e.count(`SELECT count(*) FROM reconcile_runs`))
			}
		}, only(ok, admin)},
	}
	roles := []string{officer, checker, cashier, auditor, admin, cpOfficer, cpChecker, cpAdmin}
	for _, row := range rows {
		for _, user := range roles {
			want := row.want[user]
			path, body, snapshot := row.fix()
			before := snapshot()
			r := e.post(user, path, body)
			code := ""
			switch {
			case want == same:
				want, code = http.StatusForbidden, ledger.ESamePerson
			case want == stateConflict:
				want, code = http.StatusConflict, ledger.EInvalidState
			case want == no:
				code = ledger.EForbidden
			case want == hidden:
				code = ledger.ENotFound
			}
			if r.status != want || (code != "" && r.str(t, "code") != code) {
				t.Errorf("%s as %s: %d %s, want %d %s", row.route, user, r.status, r.body, want, code)
				continue
			}
			if after := snapshot(); r.status >= 400 && after != before {
				t.Errorf("%s as %s: refused, but %q became %q", row.route, user, before, after)
			} else if r.status < 400 && after == before {
				t.Errorf("%s as %s: accepted, but nothing changed (%q)", row.route, user, before)
			}
		}
	}
	// Every write route of the server joined the matrix (the request log
	// names the route of each request).
	hit := map[string]bool{}
	for _, line := range strings.Split(e.logs.String(), "\n") {
		var l struct{ Route string }
		if json.Unmarshal([]byte(line), &l) == nil {
			hit[l.Route] = true
		}
	}
	for _, rt := range e.srv.Routes() {
		if rt.Method == http.MethodPost && !rt.Public && !hit[rt.Method+" "+rt.Pattern] {
			t.Errorf("write route %s %s is outside the matrix", rt.Method, rt.Pattern)
		}
	}
}

func TestMakerIsNotChecker(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// sunlixin is admin and checker: he may make a voucher but not check
	// or post his own.
	r := e.post(admin, "/api/v1/flows/receive", map[string]any{"fund": "FY-UP", "amount": "500.00", "date": "2020-02-10"})
	expect(t, r, http.StatusCreated, "")
	id := r.id(t)
	r = e.post(admin, fmt.Sprintf("/api/v1/vouchers/%d/check", id), nil)
	expect(t, r, http.StatusForbidden, ledger.ESamePerson)
	if e.voucher(id).Status != ledger.StatusDraft {
		t.Fatal("a refused check changed the voucher")
	}
	expect(t, e.post(checker, fmt.Sprintf("/api/v1/vouchers/%d/check", id), nil), http.StatusOK, "")
	// The cashier must be neither maker nor checker; the cashier may not post.
	expect(t, e.post(cashier, fmt.Sprintf("/api/v1/vouchers/%d/sign", id), nil), http.StatusOK, "")
	expect(t, e.post(admin, fmt.Sprintf("/api/v1/vouchers/%d/post", id), nil), http.StatusForbidden, ledger.ESamePerson)
	expect(t, e.post(checker, fmt.Sprintf("/api/v1/vouchers/%d/check", id), nil), http.StatusConflict, ledger.EInvalidState)
	r = e.post(checker2, fmt.Sprintf("/api/v1/vouchers/%d/post", id), nil)
	expect(t, r, http.StatusOK, "")
	if m := r.json(t); m["status"] != "posted" || m["maker"] != admin || m["checker"] != checker || m["cashier"] != cashier || m["poster"] != checker2 {
		t.Fatalf("posted voucher %v", m)
	}
	expect(t, e.post(checker, fmt.Sprintf("/api/v1/vouchers/%d/void", id), nil), http.StatusForbidden, ledger.EForbidden)
	expect(t, e.post(officer, fmt.Sprintf("/api/v1/vouchers/%d/void", id), nil), http.StatusConflict, ledger.EInvalidState)
}

func TestScopeHidesSiblingBranch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.funded()
	alloc01, alloc02 := e.voucher(3), e.voucher(4)
	if alloc01.Lines[0].Org != "FY-CP-01" || alloc02.Lines[0].Org != "FY-CP-02" {
		t.Fatalf("the allocations are %+v and %+v", alloc01.Lines, alloc02.Lines)
	}
	own := e.flow(officer, ledger.FlowRequest{Flow: ledger.FlowSpend, Org: "FY-CP-01", Fund: "FY-UP", Purpose: ledger.Procurement, Amount: amt("20.00"), Attachments: 1})
	sibling := e.flow(officer, ledger.FlowRequest{Flow: ledger.FlowSpend, Org: "FY-CP-02", Fund: "FY-UP", Purpose: ledger.Procurement, Amount: amt("30.00"), Attachments: 1})
	expect(t, e.get(cpOfficer, fmt.Sprintf("/api/v1/vouchers/%d", own.ID)), http.StatusOK, "")
	expect(t, e.get(cpOfficer, fmt.Sprintf("/api/v1/vouchers/%d", sibling.ID)), http.StatusForbidden, ledger.EForbidden)
	// Lists are filtered by scope too.
	r := e.get(cpOfficer, "/api/v1/vouchers")
	expect(t, r, http.StatusOK, "")
	var list struct {
		Vouchers []ledger.VoucherView `json:"vouchers"`
	}
	if err := json.Unmarshal(r.body, &list); err != nil {
		t.Fatal(err)
	}
	// A voucher with a line in the scope is seen: the allocation to
	// FY-CP-01 (its other line is the book's bank) and the branch's own
	// spending; not the allocation to FY-CP-02 nor the receipts.
	if len(list.Vouchers) != 2 || list.Vouchers[0].ID != alloc01.ID || list.Vouchers[1].ID != own.ID {
		t.Fatalf("cp01officer lists %d vouchers: %s", len(list.Vouchers), r.body)
	}
	expect(t, e.get(cpOfficer, "/api/v1/vouchers?org=FY-CP-02"), http.StatusForbidden, ledger.EForbidden)
	expect(t, e.get(cpOfficer, "/api/v1/vouchers?org=FY"), http.StatusForbidden, ledger.EForbidden)
	expect(t, e.get(cpOfficer, "/api/v1/balances?org=FY-CP-02"), http.StatusForbidden, ledger.EForbidden)
	expect(t, e.get(cpOfficer, "/api/v1/organisations/FY-CP-02"), http.StatusForbidden, ledger.EForbidden)
	expect(t, e.get(cpOfficer, "/api/v1/organisations/FY-CP-01-G1"), http.StatusOK, "")
	r = e.get(cpOfficer, "/api/v1/organisations")
	var orgs struct {
		Organisations []struct{ Code string } `json:"organisations"`
	}
	json.Unmarshal(r.body, &orgs)
	if len(orgs.Organisations) != 3 || orgs.Organisations[0].Code != "FY-CP-01" {
		t.Fatalf("cp01officer sees organisations %s", r.body)
	}
	// Balances default to the scope and roll up only the subtree.
	r = e.get(cpOfficer, "/api/v1/balances")
	expect(t, r, http.StatusOK, "")
	var bal struct {
		Balances []postgres.BalanceRow `json:"balances"`
	}
	json.Unmarshal(r.body, &bal)
	if len(bal.Balances) == 0 {
		t.Fatalf("no balances: %s", r.body)
	}
	for _, b := range bal.Balances {
		if !strings.HasPrefix(b.Org, "FY-CP-01") {
			t.Errorf("cp01officer sees the balance of %s", b.Org)
		}
		if b.Account == ledger.AcctPending && b.Org == "FY-CP-01" && b.Total.String() != "12000.00" {
			t.Errorf("FY-CP-01 pending balance %s, want 12000.00", b.Total)
		}
	}
	// A checker of the sibling branch checks nothing of FY-CP-01.
	expect(t, e.post(cpChecker, fmt.Sprintf("/api/v1/vouchers/%d/check", own.ID), nil), http.StatusForbidden, ledger.EForbidden)
	expect(t, e.post(cpChecker, fmt.Sprintf("/api/v1/vouchers/%d/check", sibling.ID), nil), http.StatusOK, "")
	// The auditor reads everything.
	r = e.get(auditor, "/api/v1/vouchers?limit=1000")
	json.Unmarshal(r.body, &list)
	if len(list.Vouchers) != 6 {
		t.Fatalf("the auditor lists %d vouchers, want 6", len(list.Vouchers))
	}
	expect(t, e.get(auditor, fmt.Sprintf("/api/v1/vouchers/%d", sibling.ID)), http.StatusOK, "")
}

func TestIdempotentReplayAndConflict(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.tokens[officer]
	body := `{"fund": "FY-UP", "amount": "90000.00", "date": "2020-02-03", "decision": "吕组通〔2020〕5号", "attachments": 1}`
	first := e.request(http.MethodPost, "/api/v1/flows/receive", tok, body, "Idempotency-Key", "receive-0203")
	expect(t, first, http.StatusCreated, "")
	if first.header.Get("Idempotency-Replayed") != "" {
		t.Fatal("the first answer is marked replayed")
	}
	// The same request again (white space aside): the first answer, byte
	// for byte, and nothing new.
	again := e.request(http.MethodPost, "/api/v1/flows/receive", tok, strings.ReplaceAll(body, ": ", ":"), "Idempotency-Key", "receive-0203")
	expect(t, again, http.StatusCreated, "")
	if again.header.Get("Idempotency-Replayed") != "true" || string(again.body) != string(first.body) {
		t.Fatalf("replay: %v\n%s\nfirst:\n%s", again.header, again.body, first.body)
	}
	if n := e.count(`SELECT count(*) FROM vouchers`); n != 1 {
		t.Fatalf("%d vouchers after a replay", n)
	}
	// The same key with another request is a conflict and changes nothing.
	other := e.request(http.MethodPost, "/api/v1/flows/receive", tok, strings.Replace(body, "90000.00", "90000.01", 1), "Idempotency-Key", "receive-0203")
	expect(t, other, http.StatusConflict, ledger.EIdempotencyConflict)
	other = e.request(http.MethodPost, "/api/v1/flows/match", tok, strings.Replace(body, "FY-UP", "FY-MATCH", 1), "Idempotency-Key", "receive-0203")
	expect(t, other, http.StatusConflict, ledger.EIdempotencyConflict)
	if n := e.count(`SELECT count(*) FROM vouchers`); n != 1 {
		t.Fatalf("%d vouchers after a conflict", n)
	}
	// Another user's key space is separate: the same key makes that user's
	// own voucher, and replays it.
	r := e.request(http.MethodPost, "/api/v1/flows/receive", e.tokens[admin], body, "Idempotency-Key", "receive-0203")
	expect(t, r, http.StatusCreated, "")
	if r.id(t) == first.id(t) || r.header.Get("Idempotency-Replayed") != "" {
		t.Fatalf("another user's key: voucher %d (the first is %d), replayed %q", r.id(t), first.id(t), r.header.Get("Idempotency-Replayed"))
	}
	r2 := e.request(http.MethodPost, "/api/v1/flows/receive", e.tokens[admin], body, "Idempotency-Key", "receive-0203")
	expect(t, r2, http.StatusCreated, "")
	if r2.header.Get("Idempotency-Replayed") != "true" || string(r2.body) != string(r.body) {
		t.Fatalf("another user's replay:\n%s\nfirst:\n%s", r2.body, r.body)
	}
	if n := e.count(`SELECT count(*) FROM vouchers`); n != 2 {
		t.Fatalf("%d vouchers after another user's key, want 2", n)
	}
	// A workflow step replays too: the second check is the first answer,
	// not invalid_state.
	id := first.id(t)
	path := fmt.Sprintf("/api/v1/vouchers/%d/check", id)
	c1 := e.request(http.MethodPost, path, e.tokens[checker], nil, "Idempotency-Key", "check-1")
	c2 := e.request(http.MethodPost, path, e.tokens[checker], nil, "Idempotency-Key", "check-1")
	expect(t, c1, http.StatusOK, "")
	expect(t, c2, http.StatusOK, "")
	if c2.header.Get("Idempotency-Replayed") != "true" || string(c1.body) != string(c2.body) {
		t.Fatal("the repeated check was not replayed")
	}
	expect(t, e.request(http.MethodPost, path, e.tokens[checker], nil, "Idempotency-Key", "check-2"), http.StatusConflict, ledger.EInvalidState)
	// A refusal is an answer too: replayed, not run again.
	p1 := e.request(http.MethodPost, fmt.Sprintf("/api/v1/vouchers/%d/post", id), e.tokens[checker], nil, "Idempotency-Key", "post-1")
	expect(t, p1, http.StatusConflict, ledger.EInvalidState) // not signed yet
	e.step(id, cashier, ledger.ActSign)
	p2 := e.request(http.MethodPost, fmt.Sprintf("/api/v1/vouchers/%d/post", id), e.tokens[checker], nil, "Idempotency-Key", "post-1")
	if p2.status != p1.status || p2.header.Get("Idempotency-Replayed") != "true" {
		t.Fatalf("the refused post was not replayed: %d %s", p2.status, p2.body)
	}
	if e.voucher(id).Status != ledger.StatusSigned {
		t.Fatal("a replay changed the voucher")
	}
	// Every write needs a key.
	r = e.request(http.MethodPost, "/api/v1/flows/receive", tok, body)
	expect(t, r, http.StatusBadRequest, ledger.EInvalid)
	if r.str(t, "field") != "Idempotency-Key" {
		t.Fatalf("field %q", r.str(t, "field"))
	}
	expect(t, e.request(http.MethodPost, "/api/v1/flows/receive", tok, body, "Idempotency-Key", strings.Repeat("k", 201)), http.StatusBadRequest, ledger.EInvalid)
	expect(t, e.request(http.MethodPost, "/api/v1/flows/receive", tok, body, "Idempotency-Key", "has space"), http.StatusBadRequest, ledger.EInvalid)
}

// TestReplayAfterLaterSteps replays each step of a voucher's workflow
// after the steps that followed it: each replay is the first answer byte
// for byte (the voucher as that step left it), though the record holds
// the voucher and the step rather than the answer's bytes.
func TestReplayAfterLaterSteps(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := `{"fund": "FY-UP", "amount": "90000.00", "date": "2020-02-03", "decision": "吕组通〔2020〕5号", "attachments": 1}`
	make1 := e.request(http.MethodPost, "/api/v1/flows/receive", e.tokens[officer], body, "Idempotency-Key", "m")
	expect(t, make1, http.StatusCreated, "")
	id := make1.id(t)
	steps := []struct {
		user, act, key string
	}{{checker, "check", "c"}, {cashier, "sign", "s"}, {checker, "post", "p"}}
	firsts := map[string]*resp{}
	for _, st := range steps {
		r := e.request(http.MethodPost, fmt.Sprintf("/api/v1/vouchers/%d/%s", id, st.act), e.tokens[st.user], nil, "Idempotency-Key", st.key)
		expect(t, r, http.StatusOK, "")
		if got := r.str(t, "status"); got == "" || got == "draft" {
			t.Fatalf("%s: status %q", st.act, got)
		}
		firsts[st.key] = r
	}
	// The four keys are kept on the steps' rows of the action log, with
	// no record of their own and no stored bytes.
	if n := e.count(`SELECT count(*) FROM actions WHERE voucher_id = $1 AND idem_key IS NOT NULL AND octet_length(request_hash) = 16`, id); n != 4 {
		t.Fatalf("%d steps of the voucher keep their keys, want 4", n)
	}
	if n := e.count(`SELECT count(*) FROM api_idempotency`); n != 0 {
		t.Fatalf("%d api_idempotency records, want none", n)
	}
	again := e.request(http.MethodPost, "/api/v1/flows/receive", e.tokens[officer], body, "Idempotency-Key", "m")
	expect(t, again, http.StatusCreated, "")
	if again.header.Get("Idempotency-Replayed") != "true" || string(again.body) != string(make1.body) {
		t.Fatalf("the draft's replay after posting:\n%s\nfirst:\n%s", again.body, make1.body)
	}
	if again.str(t, "status") != "draft" {
		t.Fatalf("the draft's replay says %s", again.str(t, "status"))
	}
	for _, st := range steps {
		r := e.request(http.MethodPost, fmt.Sprintf("/api/v1/vouchers/%d/%s", id, st.act), e.tokens[st.user], nil, "Idempotency-Key", st.key)
		expect(t, r, http.StatusOK, "")
		if r.header.Get("Idempotency-Replayed") != "true" || string(r.body) != string(firsts[st.key].body) {
			t.Fatalf("%s replayed after posting:\n%s\nfirst:\n%s", st.act, r.body, firsts[st.key].body)
		}
	}
	// The same key on another voucher's step is a conflict, not a replay.
	expect(t, e.request(http.MethodPost, fmt.Sprintf("/api/v1/vouchers/%d/check", id+1), e.tokens[checker], nil, "Idempotency-Key", "c"),
		http.StatusConflict, ledger.EIdempotencyConflict)
}

// TestConcurrentSameKey sends one request with one key from many clients
// at once: one voucher is made and every client gets the same answer.
func TestConcurrentSameKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := `{"fund": "FY-UP", "amount": "1.00", "date": "2020-02-03"}`
	const n = 10
	answers := make(chan *resp, n)
	for range n {
		go func() {
			r, err := tryRequest(e.client, e.ts.URL, http.MethodPost, "/api/v1/flows/receive", e.tokens[officer], body, "Idempotency-Key", "same")
			if err != nil {
				t.Error(err)
			}
			answers <- r
		}()
	}
	var first []byte
	for range n {
		r := <-answers
		if r == nil {
			continue
		}
		expect(t, r, http.StatusCreated, "")
		if first == nil {
			first = r.body
		} else if string(r.body) != string(first) {
			t.Errorf("answers differ:\n%s\n%s", r.body, first)
		}
	}
	if c := e.count(`SELECT count(*) FROM vouchers`); c != 1 {
		t.Fatalf("%d vouchers from one key", c)
	}
}

func TestBadRequestsChangeNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *httpapi.Options) { o.BodyLimitBytes = 4096 })
	e.funded()
	draft := e.flow(officer, ledger.FlowRequest{Flow: ledger.FlowSpend, Org: "FY-CP-01", Fund: "FY-UP", Purpose: ledger.Procurement, Amount: amt("20.00"), Attachments: 1})
	spend := `{"org": "FY-CP-01", "fund": "FY-UP", "purpose": "procurement", "amount": %s, "date": "2020-02-10"}`
	line := func(debit string) string {
		return `{"date": "2020-02-10", "summary": "x", "lines": [{"account": "100201", "org": "FY", "fund": "FY-GEN", "debit": "5.00"}, {"account": "4604", "org": "FY", "fund": "FY-GEN", "credit": ` + debit + `}]}`
	}
	cases := []struct {
		name, path, body string
		ctype            string
		status           int
		code, field      string
	}{
		{"malformed JSON", "/api/v1/flows/spend", `{"org": "FY-CP-01",`, "", 400, ledger.EInvalid, "body"},
		{"not JSON at all", "/api/v1/flows/spend", `amount=12`, "", 400, ledger.EInvalid, "body"},
		{"an array", "/api/v1/flows/spend", `[1, 2]`, "", 400, ledger.EInvalid, "body"},
		{"two objects", "/api/v1/flows/spend", fmt.Sprintf(spend, `"1.00"`) + `{}`, "", 400, ledger.EInvalid, "body"},
		{"empty body", "/api/v1/flows/spend", ``, "", 400, ledger.EInvalid, "body"},
		{"wrong type", "/api/v1/flows/spend", `{"org": "FY-CP-01", "fund": "FY-UP", "purpose": "procurement", "amount": "1.00", "attachments": "two"}`, "", 400, ledger.EInvalid, "attachments"},
		{"wrong type in a line", "/api/v1/vouchers", `{"date": "2020-02-10", "summary": "x", "lines": [{"account": 100201}]}`, "", 400, ledger.EInvalid, "lines[1].account"},
		{"unknown field", "/api/v1/flows/spend", `{"org": "FY-CP-01", "fund": "FY-UP", "purpose": "procurement", "amount": "1.00", "amout": "2.00"}`, "", 400, ledger.EInvalid, "amout"},
		{"unknown field of another flow", "/api/v1/flows/spend", `{"to": "FY-CP-01", "fund": "FY-UP", "purpose": "procurement", "amount": "1.00"}`, "", 400, ledger.EInvalid, "to"},
		{"unknown field in a line", "/api/v1/vouchers", `{"date": "2020-02-10", "summary": "x", "lines": [{"account": "100201", "org": "FY", "fund": "FY-GEN", "debit": "5.00", "amount": "1"}]}`, "", 400, ledger.EInvalid, "lines[1].amount"},
		{"amount as a number", "/api/v1/flows/spend", fmt.Sprintf(spend, `12.5`), "", 400, ledger.EInvalidAmount, "amount"},
		{"amount as an integer", "/api/v1/flows/spend", fmt.Sprintf(spend, `12`), "", 400, ledger.EInvalidAmount, "amount"},
		{"amount with 3 decimals", "/api/v1/flows/spend", fmt.Sprintf(spend, `"12.345"`), "", 400, ledger.EInvalidAmount, "amount"},
		{"zero amount", "/api/v1/flows/spend", fmt.Sprintf(spend, `"0.00"`), "", 400, ledger.EInvalidAmount, "amount"},
		{"negative amount", "/api/v1/flows/spend", fmt.Sprintf(spend, `"-5.00"`), "", 400, ledger.EInvalidAmount, "amount"},
		{"exponent amount", "/api/v1/flows/spend", fmt.Sprintf(spend, `"1e3"`), "", 400, ledger.EInvalidAmount, "amount"},
		{"too big amount", "/api/v1/flows/spend", fmt.Sprintf(spend, `"1000000000000.00"`), "", 400, ledger.EInvalidAmount, "amount"},
		{"missing amount", "/api/v1/flows/spend", `{"org": "FY-CP-01", "fund": "FY-UP", "purpose": "procurement"}`, "", 400, ledger.EInvalidAmount, "amount"},
		{"line amount as a number", "/api/v1/vouchers", line(`5`), "", 400, ledger.EInvalidAmount, "lines[2].credit"},
		{"line amount with 3 decimals", "/api/v1/vouchers", line(`"5.001"`), "", 400, ledger.EInvalidAmount, "lines[2].credit"},
		{"unbalanced", "/api/v1/vouchers", line(`"4.00"`), "", 422, ledger.EUnbalanced, "lines"},
		{"beneficiary amount as a number", "/api/v1/flows/spend", `{"org": "FY-CP-01", "fund": "FY-UP", "purpose": "relief", "amount": "5.00", "beneficiaries": [{"name": "张三", "amount": 5}]}`, "", 400, ledger.EInvalidAmount, "beneficiaries[1].amount"},
		{"item quantity as a number", "/api/v1/flows/spend", `{"org": "FY-CP-01", "fund": "FY-UP", "purpose": "procurement", "amount": "5.00", "items": [{"name": "口罩", "quantity": 5, "unit_price": "1", "amount": "5.00"}]}`, "", 400, ledger.EInvalid, "items[1].quantity"},
		{"item product off", "/api/v1/flows/spend", `{"org": "FY-CP-01", "fund": "FY-UP", "purpose": "procurement", "amount": "5.00", "items": [{"name": "口罩", "quantity": "3", "unit_price": "1.6", "amount": "5.00"}]}`, "", 400, ledger.EInvalidAmount, "lines[1].items[1].amount"},
		{"unknown field in an item", "/api/v1/vouchers", `{"date": "2020-02-10", "summary": "x", "lines": [{"account": "500101", "org": "FY-CP-01", "fund": "FY-UP", "debit": "5.00", "items": [{"name": "口罩", "price": "5"}]}]}`, "", 400, ledger.EInvalid, "lines[1].items[1].price"},
		{"bad date", "/api/v1/flows/spend", `{"org": "FY-CP-01", "fund": "FY-UP", "purpose": "procurement", "amount": "1.00", "date": "2020-02-30"}`, "", 400, ledger.EInvalid, "date"},
		{"unknown fund", "/api/v1/flows/spend", `{"org": "FY-CP-01", "fund": "NOPE", "purpose": "procurement", "amount": "1.00"}`, "", 404, ledger.ENotFound, "fund"},
		{"unknown purpose", "/api/v1/flows/spend", `{"org": "FY-CP-01", "fund": "FY-UP", "purpose": "banquet", "amount": "1.00"}`, "", 422, ledger.EPurposeNotAllowed, "purpose"},
		{"donation spent", "/api/v1/flows/spend", `{"org": "FY-CP-01", "fund": "FY-DON", "purpose": "procurement", "amount": "1.00"}`, "", 422, ledger.EPurposeNotAllowed, "fund"},
		{"oversized body", "/api/v1/flows/spend", `{"memo": "` + strings.Repeat("x", 5000) + `"}`, "", 413, ledger.ETooLarge, "body"},
		{"not JSON content type", "/api/v1/flows/spend", fmt.Sprintf(spend, `"1.00"`), "text/plain", 415, ledger.EInvalid, "Content-Type"},
		{"body on a step", fmt.Sprintf("/api/v1/vouchers/%d/check", draft.ID), `{"force": true}`, "", 400, ledger.EInvalid, "force"},
		{"bad id", "/api/v1/vouchers/abc/check", ``, "", 400, ledger.EInvalid, "id"},
		{"unknown voucher", "/api/v1/vouchers/999999/check", ``, "", 404, ledger.ENotFound, "id"},
	}
	before := e.count(`SELECT count(*) FROM vouchers`)
	actions := e.count(`SELECT count(*) FROM actions`)
	for _, c := range cases {
		user := officer
		if strings.Contains(c.path, "/check") {
			user = checker
		}
		headers := []string{"Idempotency-Key", newKey()}
		if c.ctype != "" {
			headers = append(headers, "Content-Type", c.ctype)
		}
		r := e.request(http.MethodPost, c.path, e.tokens[user], c.body, headers...)
		if r.status != c.status || r.str(t, "code") != c.code || r.str(t, "field") != c.field {
			t.Errorf("%s: %d %s, want %d %s field %s", c.name, r.status, r.body, c.status, c.code, c.field)
		}
		if m := r.str(t, "message"); m == "" || strings.Contains(m, "Go struct") || strings.Contains(m, "SQLSTATE") {
			t.Errorf("%s: message %q", c.name, m)
		}
	}
	if n := e.count(`SELECT count(*) FROM vouchers`); n != before {
		t.Errorf("bad requests made %d vouchers", n-before)
	}
	if n := e.count(`SELECT count(*) FROM actions`); n != actions {
		t.Errorf("bad requests wrote %d actions", n-actions)
	}
	if e.voucher(draft.ID).Status != ledger.StatusDraft {
		t.Error("a bad request changed the draft")
	}
	// Query parameters are checked too.
	for _, q := range []string{"?limit=0", "?limit=x", "?after_id=-1", "?status=done", "?period=2020-13", "?orgg=FY", "?flow=steal"} {
		expect(t, e.get(officer, "/api/v1/vouchers"+q), http.StatusBadRequest, ledger.EInvalid)
	}
	expect(t, e.get(officer, "/api/v1/vouchers?org=NOPE"), http.StatusNotFound, ledger.ENotFound)
	expect(t, e.get(officer, "/api/v1/balances?as_of=yesterday"), http.StatusBadRequest, ledger.EInvalid)
	expect(t, e.get(officer, "/api/v1/balances?fund=NOPE"), http.StatusNotFound, ledger.ENotFound)
}

func TestRuleRejectionsThroughTheAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.funded()
	// Spending more than the branch holds is refused when posting.
	r := e.post(officer, "/api/v1/flows/spend", map[string]any{"org": "FY-CP-01", "fund": "FY-UP", "purpose": "procurement", "amount": "12000.01", "date": "2020-02-10", "attachments": 1})
	expect(t, r, http.StatusCreated, "")
	id := r.id(t)
	expect(t, e.post(checker, fmt.Sprintf("/api/v1/vouchers/%d/check", id), nil), http.StatusOK, "")
	r = e.post(checker2, fmt.Sprintf("/api/v1/vouchers/%d/post", id), nil)
	expect(t, r, http.StatusUnprocessableEntity, ledger.EInsufficientFunds)
	if e.voucher(id).Status != ledger.StatusChecked {
		t.Fatal("a refused post changed the voucher")
	}
	// Reversal of a posted voucher, then a second reversal is refused.
	p := e.posted(officer, ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-UP", Amount: amt("10.00")})
	r = e.post(officer, fmt.Sprintf("/api/v1/vouchers/%d/reverse", p.ID), map[string]string{"date": "2020-02-20"})
	expect(t, r, http.StatusCreated, "")
	if m := r.json(t); m["reversal_of"] != float64(p.ID) || m["flow"] != "reversal" || m["total"] != "-10.00" {
		t.Fatalf("red voucher %s", r.body)
	}
	expect(t, e.post(officer, fmt.Sprintf("/api/v1/vouchers/%d/reverse", p.ID), nil), http.StatusConflict, ledger.EInvalidState)
	// An organisation outside its dates.
	if err := e.db.DissolveOrg(context.Background(), book, admin, "FY-OT-04", day("2020-02-15")); err != nil {
		t.Fatal(err)
	}
	// The server's cached organisations still show FY-OT-04 active; the
	// adapter checks the stored dates again.
	r = e.post(officer, "/api/v1/flows/allocate", map[string]any{"fund": "FY-UP", "to": "FY-OT-04", "amount": "10.00", "date": "2020-02-20"})
	expect(t, r, http.StatusUnprocessableEntity, ledger.EOrgInactive)
}

func TestSQLLookingStringsStoredVerbatim(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	nasty := []string{
		`Robert'); DROP TABLE vouchers;--`,
		`%' OR '1'='1`,
		`\x00\\'; SELECT pg_sleep(5); --`,
		`"quoted" <script>alert(1)</script> & 汉字`,
		`$1 $$ $tag$ E'\n'`,
	}
	for i, s := range nasty {
		r := e.post(officer, "/api/v1/flows/receive", map[string]any{"fund": "FY-UP", "amount": "1.00", "date": "2020-02-10",
			"summary": s, "payee": s, "memo": s, "decision": s, "doc_types": []string{s}})
		expect(t, r, http.StatusCreated, "")
		got := e.get(auditor, fmt.Sprintf("/api/v1/vouchers/%d", r.id(t)))
		var v ledger.VoucherView
		if err := json.Unmarshal(got.body, &v); err != nil {
			t.Fatal(err)
		}
		if v.Summary != s || v.Payee != s || v.Memo != s || v.Decision != s || len(v.DocTypes) != 1 || v.DocTypes[0] != s || v.Lines[0].Summary != s {
			t.Errorf("%d: stored %q / %q / %q / %q / %v", i, v.Summary, v.Payee, v.Memo, v.Decision, v.DocTypes)
		}
		var stored string
		if err := e.db.Pool.QueryRow(context.Background(), `SELECT summary FROM vouchers WHERE id = $1`, v.ID).Scan(&stored); err != nil || stored != s {
			t.Errorf("%d: the database holds %q (%v)", i, stored, err)
		}
	}
	if n := e.count(`SELECT count(*) FROM vouchers`); n != int64(len(nasty)) {
		t.Fatalf("%d vouchers", n)
	}
	// In parameters too.
	expect(t, e.get(officer, "/api/v1/vouchers?org=FY'%20OR%20'1'='1"), http.StatusNotFound, ledger.ENotFound)
	expect(t, e.get(officer, "/api/v1/organisations/FY';DROP%20TABLE%20users;--"), http.StatusNotFound, ledger.ENotFound)
	expect(t, e.request(http.MethodPost, "/api/v1/tokens", "", map[string]string{"user": "' OR 1=1 --", "password": "' OR 1=1 --"}), http.StatusUnauthorized, ledger.EUnauthenticated)
}

func TestListPaginationIsStable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var ids []int64
	for i := range 7 {
		ids = append(ids, e.flow(officer, ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-UP", Amount: ledger.FromFen(int64(100 + i))}).ID)
	}
	var seen []int64
	after := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		r := e.get(auditor, "/api/v1/vouchers?limit=3"+after)
		expect(t, r, http.StatusOK, "")
		var page struct {
			Vouchers []ledger.VoucherView `json:"vouchers"`
			Limit    int                  `json:"limit"`
			Next     *int64               `json:"next_after_id"`
		}
		json.Unmarshal(r.body, &page)
		for _, v := range page.Vouchers {
			seen = append(seen, v.ID)
		}
		// A voucher made meanwhile lands at the end, never in a page read.
		if pages == 0 {
			ids = append(ids, e.flow(officer, ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-UP", Amount: amt("1.00")}).ID)
		}
		if page.Next == nil {
			break
		}
		after = fmt.Sprintf("&after_id=%d", *page.Next)
	}
	if fmt.Sprint(seen) != fmt.Sprint(ids) {
		t.Fatalf("pages gave %v, want %v", seen, ids)
	}
	r := e.get(auditor, "/api/v1/vouchers?limit=5000")
	if r.json(t)["limit"] != float64(postgres.ListLimitMax) {
		t.Fatalf("limit not capped: %v", r.json(t)["limit"])
	}
}

func TestStaticData(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var funds struct {
		Funds []struct {
			Code, Kind string
			Purposes   []string
		} `json:"funds"`
	}
	json.Unmarshal(e.get(auditor, "/api/v1/funds").body, &funds)
	if len(funds.Funds) != 4 || funds.Funds[0].Code != "FY-DON" || funds.Funds[3].Code != "FY-UP" || len(funds.Funds[3].Purposes) != 3 {
		t.Fatalf("funds %+v", funds)
	}
	var accts struct {
		Accounts []struct {
			Code       string
			Leaf, Cash bool
		} `json:"accounts"`
	}
	json.Unmarshal(e.get(auditor, "/api/v1/accounts").body, &accts)
	found := false
	for _, a := range accts.Accounts {
		if a.Code == "100201" {
			found = a.Leaf && a.Cash
		}
	}
	if len(accts.Accounts) < 20 || !found {
		t.Fatalf("accounts %+v", accts)
	}
	var orgs struct {
		Organisations []struct{ Code, Parent string } `json:"organisations"`
	}
	json.Unmarshal(e.get(auditor, "/api/v1/organisations").body, &orgs)
	if len(orgs.Organisations) < 27 || orgs.Organisations[0].Code != "FY" {
		t.Fatalf("%d organisations, first %+v", len(orgs.Organisations), orgs.Organisations[:1])
	}
}

func TestRequestLog(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.request(http.MethodGet, "/api/v1/vouchers/1", e.tokens[auditor], nil, "X-Request-Id", "trace-42")
	expect(t, r, http.StatusNotFound, ledger.ENotFound)
	if r.header.Get("X-Request-Id") != "trace-42" || r.str(t, "request_id") != "trace-42" {
		t.Fatalf("request id not echoed: %v %s", r.header, r.body)
	}
	var line map[string]any
	for _, l := range strings.Split(e.logs.String(), "\n") {
		if strings.Contains(l, `"trace-42"`) {
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Fatalf("log line is not JSON: %s", l)
			}
		}
	}
	if line["user"] != auditor || line["route"] != "GET /api/v1/vouchers/{id}" || line["status"] != float64(404) || line["code"] != "not_found" {
		t.Fatalf("log line %v", line)
	}
	if _, ok := line["duration_ms"].(float64); !ok {
		t.Fatalf("log line without a duration: %v", line)
	}
}

func TestUsersAndPasswords(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	login := func(user, pw string) *resp {
		return e.request(http.MethodPost, "/api/v1/tokens", "", map[string]string{"user": user, "password": pw})
	}
	if err := e.db.SetPassword(ctx, book, officer2, "a-new-passphrase"); err != nil {
		t.Fatal(err)
	}
	expect(t, login(officer2, "a-new-passphrase"), http.StatusCreated, "")
	expect(t, login(officer2, "demo-officer-2"), http.StatusUnauthorized, ledger.EUnauthenticated)
	for _, c := range []struct {
		name string
		err  error
		code string
	}{
		{"short password", e.db.SetPassword(ctx, book, officer2, "short"), ledger.EInvalid},
		{"unknown user", e.db.SetPassword(ctx, book, "nobody", "a-long-passphrase"), ledger.ENotFound},
		{"duplicate", addUser(e, ledger.User{Name: officer, Roles: []ledger.Role{ledger.RoleOfficer}}), ledger.EInvalid},
		{"unknown role", addUser(e, ledger.User{Name: "newuser", Roles: []ledger.Role{"boss"}}), ledger.EInvalid},
		{"no role", addUser(e, ledger.User{Name: "newuser"}), ledger.EInvalid},
		{"unknown scope", addUser(e, ledger.User{Name: "newuser", Roles: []ledger.Role{ledger.RoleOfficer}, Scope: "FY-NOPE"}), ledger.ENotFound},
		{"system", addUser(e, ledger.User{Name: "system", Roles: []ledger.Role{ledger.RoleOfficer}}), ledger.EInvalid},
	} {
		if got := ledger.ErrorCode(c.err); got != c.code {
			t.Errorf("%s: %v, want %s", c.name, c.err, c.code)
		}
	}
	// A user without a password cannot log in, only use made tokens.
	u, err := e.db.AddUser(ctx, book, ledger.User{Name: "nopw", Roles: []ledger.Role{ledger.RoleAuditor}, Scope: "FY-CP-03"}, "")
	if err != nil || u.Scope != "FY-CP-03" || !u.Has(ledger.RoleAuditor) {
		t.Fatalf("AddUser: %+v %v", u, err)
	}
	expect(t, login("nopw", "anything-at-all"), http.StatusUnauthorized, ledger.EUnauthenticated)
	tok, _, err := e.db.CreateToken(ctx, book, "nopw", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	r := e.request(http.MethodGet, "/api/v1/me", tok, nil)
	expect(t, r, http.StatusOK, "")
	if r.str(t, "scope") != "FY-CP-03" {
		t.Fatalf("me %s", r.body)
	}
	for _, ttl := range []time.Duration{0, -time.Second, 400 * 24 * time.Hour} {
		if _, _, err := e.db.CreateToken(ctx, book, "nopw", ttl); ledger.ErrorCode(err) != ledger.EInvalid {
			t.Errorf("ttl %v: %v", ttl, err)
		}
	}
	if _, _, err := e.db.CreateToken(ctx, book, "nobody", time.Hour); ledger.ErrorCode(err) != ledger.ENotFound {
		t.Errorf("token for an unknown user: %v", err)
	}
}

func addUser(e *env, u ledger.User) error {
	_, err := e.db.AddUser(context.Background(), book, u, "")
	return err
}

// idNumber completes 17 digits with their GB 11643 check character.
func idNumber(first17 string) string { return first17 + string(ledger.IDCheckChar(first17)) }
