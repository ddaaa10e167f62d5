package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/bankstmt"
	"github.com/fenyang/partyfee/ledger/httpapi"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const book = "FY-DFZH"

// The demo users (configs/demo/fenyang.yaml), one per role, plus a
// checker scoped to a sibling branch and an admin scoped to a branch added
// by newEnv.
const (
	officer   = "wangfang"    // officer
	officer2  = "liuyang"     // officer
	checker   = "liqiang"     // checker
	checker2  = "zhouhui"     // checker
	cashier   = "zhaomin"     // cashier
	auditor   = "fengqing"    // auditor
	admin     = "sunlixin"    // admin + checker
	cpOfficer = "cp01officer" // officer scoped to FY-CP-01
	cpChecker = "cp02checker" // checker scoped to FY-CP-02
	cpAdmin   = "cp01admin"   // admin scoped to FY-CP-01
)

var allUsers = []string{officer, officer2, checker, checker2, cashier, auditor, admin, cpOfficer, cpChecker, cpAdmin}

// syncBuffer collects the server log.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is a server on a loopback port over a fresh database with the demo
// setup loaded.
type env struct {
	t      *testing.T
	tdb    *pgtest.TestDB
	db     *postgres.DB
	srv    *httpapi.Server
	ts     *httptest.Server
	tokens map[string]string
	logs   *syncBuffer
	client *http.Client
}

var keySeq atomic.Int64

func newKey() string { return fmt.Sprintf("k-%d-%d", time.Now().UnixNano(), keySeq.Add(1)) }

func loadDemo(t testing.TB, db *postgres.DB) {
	t.Helper()
	s, err := configs.ParseSetup(configs.Demo(), "demo/fenyang.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ApplySetup(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddUser(context.Background(), book, ledger.User{Name: cpChecker, Roles: []ledger.Role{ledger.RoleChecker}, Scope: "FY-CP-02"}, "cp02-checker-pw"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddUser(context.Background(), book, ledger.User{Name: cpAdmin, Roles: []ledger.Role{ledger.RoleAdmin}, Scope: "FY-CP-01"}, ""); err != nil {
		t.Fatal(err)
	}
}

// options are the server settings of these tests: the values
// configs/ledger.yaml gives `ledger serve`, and its built-in bank layouts.
func options(t testing.TB) httpapi.Options {
	t.Helper()
	data, err := configs.Read("bank_layouts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	layouts, err := bankstmt.LoadLayouts(data, "bank_layouts.yaml (built in)")
	if err != nil {
		t.Fatal(err)
	}
	return httpapi.Options{Book: book, BodyLimitBytes: 1 << 20, RequestTimeout: 60 * time.Second, TokenTTL: 720 * time.Hour,
		LoginAttemptsMax: 5, LoginAddressAttemptsMax: 50, LoginWindow: 15 * time.Minute, ReconcileWindowDays: 10, BankLayouts: layouts}
}

func newEnv(t *testing.T, tweak ...func(*httpapi.Options)) *env {
	t.Helper()
	tdb := pgtest.NewDatabase(t)
	db := tdb.Open(t, tdb.AppURL)
	db.Source = "http"
	loadDemo(t, db)
	e := &env{t: t, tdb: tdb, db: db, tokens: map[string]string{}, logs: &syncBuffer{}}
	opt := options(t)
	opt.Log, opt.RequestTimeout = slog.New(slog.NewJSONHandler(e.logs, nil)), 20*time.Second
	for _, f := range tweak {
		f(&opt)
	}
	e.srv = httpapi.New(db, opt)
	e.ts = httptest.NewServer(e.srv.Handler())
	t.Cleanup(e.ts.Close)
	e.client = e.ts.Client()
	for _, u := range allUsers {
		tok, _, err := db.CreateToken(context.Background(), book, u, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[u] = tok
	}
	return e
}

// resp is an answer of the server.
type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r *resp) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("answer is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

func (r *resp) str(t testing.TB, key string) string {
	t.Helper()
	v, _ := r.json(t)[key].(string)
	return v
}

func (r *resp) id(t testing.TB) int64 {
	t.Helper()
	v, ok := r.json(t)["id"].(float64)
	if !ok {
		t.Fatalf("answer has no id: %s", r.body)
	}
	return int64(v)
}

// request sends a request; body is a string or []byte sent as is, or a
// value encoded as JSON; headers are name, value pairs.
func (e *env) request(method, path, token string, body any, headers ...string) *resp {
	e.t.Helper()
	return doRequest(e.t, e.client, e.ts.URL, method, path, token, body, headers...)
}

func doRequest(t testing.TB, c *http.Client, base, method, path, token string, body any, headers ...string) *resp {
	t.Helper()
	r, err := tryRequest(c, base, method, path, token, body, headers...)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

func tryRequest(c *http.Client, base, method, path, token string, body any, headers ...string) (*resp, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		return nil, err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	return &resp{status: res.StatusCode, header: res.Header, body: b}, nil
}

// get sends an authenticated GET as user.
func (e *env) get(user, path string) *resp {
	e.t.Helper()
	return e.request(http.MethodGet, path, e.tokens[user], nil)
}

// post sends an authenticated write as user with a fresh idempotency key.
func (e *env) post(user, path string, body any) *resp {
	e.t.Helper()
	return e.request(http.MethodPost, path, e.tokens[user], body, "Idempotency-Key", newKey())
}

// expect fails unless r has status and, for an error, code.
func expect(t testing.TB, r *resp, status int, code string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if code != "" {
		if got := r.str(t, "code"); got != code {
			t.Fatalf("code %q, want %q: %s", got, code, r.body)
		}
	}
}

// flow makes a draft through the adapter (the fixtures of the tests).
func (e *env) flow(maker string, r ledger.FlowRequest) *ledger.Voucher {
	e.t.Helper()
	ctx := context.Background()
	b, err := e.db.LoadBooks(ctx, book)
	if err != nil {
		e.t.Fatal(err)
	}
	if r.Date.IsZero() {
		r.Date = day("2020-02-10")
	}
	v, err := ledger.BuildFlow(&r, b)
	if err != nil {
		e.t.Fatal(err)
	}
	out, _, err := e.db.CreateVoucher(ctx, maker, v)
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// step moves a voucher through the adapter.
func (e *env) step(id int64, actor string, act ledger.Action) *ledger.Voucher {
	e.t.Helper()
	v, err := e.db.Transition(context.Background(), book, actor, id, act)
	if err != nil {
		e.t.Fatalf("%s %d as %s: %v", act, id, actor, err)
	}
	return v
}

// posted makes a voucher and posts it: checked by liqiang, signed by the
// cashier when it touches the bank, posted by liqiang.
func (e *env) posted(maker string, r ledger.FlowRequest) *ledger.Voucher {
	e.t.Helper()
	v := e.flow(maker, r)
	e.step(v.ID, checker, ledger.ActCheck)
	if r.Flow != ledger.FlowSpend || r.Org == "" {
		e.step(v.ID, cashier, ledger.ActSign)
	}
	return e.step(v.ID, checker, ledger.ActPost)
}

func (e *env) voucher(id int64) *ledger.Voucher {
	e.t.Helper()
	v, err := e.db.Voucher(context.Background(), book, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

// count runs a counting query as the superuser.
func (e *env) count(sql string, args ...any) int64 {
	e.t.Helper()
	return countOn(e.t, e.db, sql, args...)
}

// text runs a query of one text value as the superuser.
func (e *env) text(sql string, args ...any) string {
	e.t.Helper()
	var s string
	if err := e.db.Pool.QueryRow(context.Background(), sql, args...).Scan(&s); err != nil {
		e.t.Fatalf("%s: %v", sql, err)
	}
	return s
}

func countOn(t testing.TB, db *postgres.DB, sql string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.Pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func amt(s string) ledger.Money { return ledger.MustParseMoney(s) }

// funded posts the demo's receipts and allocations: 90,000.00 upper and
// 230,000.00 matching money, 12,000.00 of upper money each to FY-CP-01 and
// FY-CP-02.
func (e *env) funded() {
	e.t.Helper()
	e.posted(officer, ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-UP", Amount: amt("90000.00"), Date: day("2020-02-03"), Attachments: 1})
	e.posted(officer, ledger.FlowRequest{Flow: ledger.FlowMatch, Fund: "FY-MATCH", Amount: amt("230000.00"), Date: day("2020-02-04"), Attachments: 1})
	for _, org := range []string{"FY-CP-01", "FY-CP-02"} {
		e.posted(officer, ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-UP", Org: org, Amount: amt("12000.00"), Date: day("2020-02-05"), Attachments: 1})
	}
}

// stmtLine is a line of a bank statement: a date, a signed amount (money
// in positive) and the bank's reference.
type stmtLine struct{ date, amount, ref string }

// fundedStatement is the bank's view of funded(): both receipts and both
// allocations.
var fundedStatement = []stmtLine{
	{"2020-02-03", "90000.00", "ICBC0203001"},
	{"2020-02-04", "230000.00", "ICBC0204001"},
	{"2020-02-05", "-12000.00", "ICBC0205001"},
	{"2020-02-05", "-12000.00", "ICBC0205002"},
}

// statementCSV writes lines as an ICBC export (configs/bank_layouts.yaml)
// in UTF-8, under a title row holding title, with a running balance.
func statementCSV(title string, lines []stmtLine) string {
	var b strings.Builder
	fmt.Fprintf(&b, "账号,0511020109024901234,%s\n户名,中共汾阳市委组织部党费专户\n", title)
	b.WriteString("交易日期,凭证号,摘要,借方发生额,贷方发生额,余额,对方账号,对方户名,用途\n")
	bal := ledger.Zero
	for _, l := range lines {
		m := ledger.MustParseMoney(l.amount)
		bal = bal.Add(m)
		out, in := "", ""
		if m.Sign() < 0 {
			out = m.Neg().String()
		} else {
			in = m.String()
		}
		fmt.Fprintf(&b, "%s,%s,划款,%s,%s,%s,,,\n", strings.ReplaceAll(l.date, "-", ""), l.ref, out, in, bal.String())
	}
	return b.String()
}
