package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/httpapi"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/postgres/pgtest"
	"github.com/fenyang/partyfee/ledger/web"
)

func TestMain(m *testing.M) {
	// Chromium reads file names (an upload's 签收单.png) in the process's
	// locale: under the C locale of a bare environment (env -i, CI) it
	// cannot open a Chinese name. The browser tests run it in UTF-8.
	if !utf8Locale() {
		os.Setenv("LC_ALL", "C.UTF-8")
	}
	pgtest.Main(m)
}

// utf8Locale reports whether the environment's locale is a UTF-8 one.
func utf8Locale() bool {
	for _, k := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if v := os.Getenv(k); v != "" {
			v = strings.ToLower(v)
			return strings.Contains(v, "utf-8") || strings.Contains(v, "utf8")
		}
	}
	return false
}

const book = "FY-DFZH"

// The demo's users (configs/demo/fenyang.yaml) and their passwords, plus
// an officer of the sibling branch FY-CP-02.
var passwords = map[string]string{
	"wangfang": "demo-officer-1", "liqiang": "demo-checker-1", "zhouhui": "demo-checker-2", "zhaomin": "demo-cashier-1",
	"fengqing": "demo-auditor-1", "cp01officer": "demo-officer-3", "cp02officer": "cp02-officer-pw",
}

const sessionIdle = 30 * time.Minute

// env is `ledger serve`'s handler (the API with the pages mounted) on a
// loopback port over a fresh database with the demo's setup, a clock the
// test moves, and the vouchers of fixture.
type env struct {
	t     *testing.T
	db    *postgres.DB
	ts    *httptest.Server
	clock atomic.Int64 // unix nanoseconds
	// Vouchers made by newEnv: receive (posted), allocate to FY-CP-01
	// (posted), a spend of FY-CP-01 (draft, by cp01officer) and a spend of
	// FY-CP-02 (draft).
	receive, allocate, spend, sibling *ledger.Voucher
}

func (e *env) now() time.Time { return time.Unix(0, e.clock.Load()).UTC() }

// advance moves the clock of the database's use cases.
func (e *env) advance(d time.Duration) { e.clock.Add(int64(d)) }

func newEnv(t *testing.T) *env {
	t.Helper()
	e := newBareEnv(t)
	e.fixture()
	return e
}

// newBareEnv is newEnv without the vouchers of fixture: the demo's setup
// and no voucher yet.
func newBareEnv(t *testing.T) *env {
	t.Helper()
	tdb := pgtest.NewDatabase(t)
	db := tdb.Open(t, tdb.AppURL)
	db.Source = "http"
	e := &env{t: t, db: db}
	e.clock.Store(time.Date(2020, 2, 10, 8, 0, 0, 0, time.UTC).UnixNano())
	db.Now = e.now
	ctx := context.Background()
	s, err := configs.ParseSetup(configs.Demo(), "demo/fenyang.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ApplySetup(ctx, s); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddUser(ctx, book, ledger.User{Name: "cp02officer", FullName: "常青", Roles: []ledger.Role{ledger.RoleOfficer}, Scope: "FY-CP-02"}, passwords["cp02officer"]); err != nil {
		t.Fatal(err)
	}
	loc, _ := ledger.LoadTimeZone("")
	var api *httpapi.Server
	pages := web.New(db, web.Options{Book: book, TimeZone: loc, SessionIdle: sessionIdle, SessionMax: 12 * time.Hour,
		LoginAttemptsMax: 5, LoginAddressAttemptsMax: 50, LoginWindow: 15 * time.Minute,
		ClientAddr: func(r *http.Request) string { return api.ClientAddr(r) },
		ParseSetup: func(data []byte, name string) (*ledger.Setup, error) { return configs.ParseSetup(data, name, nil) }})
	api = httpapi.New(db, httpapi.Options{Book: book, BodyLimitBytes: 1 << 20, RequestTimeout: 60 * time.Second, TokenTTL: time.Hour,
		LoginAttemptsMax: 5, LoginAddressAttemptsMax: 50, LoginWindow: 15 * time.Minute, ReconcileWindowDays: 10,
		SessionIdle: sessionIdle, Pages: pages})
	e.ts = httptest.NewServer(api.Handler())
	t.Cleanup(e.ts.Close)
	return e
}

// fixture makes newEnv's vouchers.
func (e *env) fixture() {
	e.t.Helper()
	e.receive = e.flow("wangfang", ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: "FY-UP", Amount: ledger.MustParseMoney("90000.00"),
		Attachments: 2, Decision: "晋组通〔2020〕8号"})
	e.approve(e.receive)
	e.allocate = e.flow("wangfang", ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: "FY-UP", Org: "FY-CP-01", Amount: ledger.MustParseMoney("5000.00"), Attachments: 1})
	e.approve(e.allocate)
	e.spend = e.flow("cp01officer", ledger.FlowRequest{Flow: ledger.FlowSpend, Org: "FY-CP-01", Fund: "FY-UP", Purpose: ledger.Procurement,
		Amount: ledger.MustParseMoney("1234.50"), Payee: "汾阳市医药药材有限公司", PayeeType: ledger.PayeeSupplier, Attachments: 2})
	e.sibling = e.flow("cp02officer", ledger.FlowRequest{Flow: ledger.FlowSpend, Org: "FY-CP-02", Fund: "FY-UP", Purpose: ledger.Procurement,
		Amount: ledger.MustParseMoney("30.00"), Payee: "西口超市", PayeeType: ledger.PayeeSupplier, Attachments: 1})
}

func (e *env) flow(actor string, r ledger.FlowRequest) *ledger.Voucher {
	e.t.Helper()
	ctx := context.Background()
	b, err := e.db.LoadBooks(ctx, book)
	if err != nil {
		e.t.Fatal(err)
	}
	if r.Date.IsZero() {
		r.Date = time.Date(2020, 2, 10, 0, 0, 0, 0, time.UTC)
	}
	v, err := ledger.BuildFlow(&r, b)
	if err != nil {
		e.t.Fatal(err)
	}
	out, _, err := e.db.CreateVoucher(ctx, actor, v)
	if err != nil {
		e.t.Fatalf("%s %s: %v", actor, r.Flow, err)
	}
	return out
}

// approve checks (liqiang), signs when it touches the bank (zhaomin) and
// posts (liqiang) v.
func (e *env) approve(v *ledger.Voucher) {
	e.t.Helper()
	ctx := context.Background()
	steps := []struct {
		who string
		act ledger.Action
	}{{"liqiang", ledger.ActCheck}, {"zhaomin", ledger.ActSign}, {"liqiang", ledger.ActPost}}
	for _, s := range steps {
		if s.act == ledger.ActSign && v.Flow == ledger.FlowSpend {
			continue
		}
		if _, err := e.db.Transition(ctx, book, s.who, v.ID, s.act); err != nil {
			e.t.Fatalf("%s %s %s: %v", s.who, s.act, v.Word(), err)
		}
	}
}

func (e *env) status(id int64) ledger.VoucherStatus {
	e.t.Helper()
	v, err := e.db.Voucher(context.Background(), book, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return v.Status
}

// browser is a client with its own cookies that follows no redirect.
type browser struct {
	e    *env
	c    *http.Client
	csrf string
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is an answer.
type page struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(req *http.Request) page {
	b.e.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return page{status: res.StatusCode, header: res.Header, body: string(body)}
}

func (b *browser) get(path string) page {
	b.e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.e.ts.URL+path, nil)
	p := b.do(req)
	if m := csrfField.FindStringSubmatch(p.body); m != nil {
		b.csrf = m[1]
	}
	return p
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// post sends a form; with withCSRF the session's token is added.
func (b *browser) post(path string, form url.Values, withCSRF bool) page {
	b.e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if withCSRF {
		form.Set("csrf", b.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, b.e.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// login signs user in and reads a page for the CSRF token.
func (e *env) login(user string) *browser {
	e.t.Helper()
	b := e.browser()
	p := b.post("/login", url.Values{"username": {user}, "password": {passwords[user]}}, false)
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/" {
		e.t.Fatalf("login %s: %d %s\n%s", user, p.status, p.header.Get("Location"), p.body)
	}
	if p := b.get("/"); p.status != http.StatusOK || b.csrf == "" {
		e.t.Fatalf("dashboard of %s: %d\n%s", user, p.status, p.body)
	}
	return b
}
