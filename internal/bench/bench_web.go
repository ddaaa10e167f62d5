package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/audit"
	"github.com/fenyang/partyfee/ledger/httpapi"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/postgres/embedded"
	"github.com/fenyang/partyfee/ledger/web"
)

// The web rows (issues #16 and #17): the web workbench served in-process
// on a loopback port over the bulk database, as `ledger serve` mounts it
// next to the API, a signed-in session per user, and a fixed set of page
// requests (named in BENCHMARKS.md), each kind repeated webRepeats times
// after one unmeasured round, the kinds taking turns. A request is timed
// from sending it to reading the last byte of the page; the page must
// answer 200 and contain the text that shows it did its work. Targets are
// absolute: p95 ≤ 100 ms for the officers' pages (web), ≤ 300 ms for the
// auditors' (web-audit), per kind and over all.

// webRepeats is how many times each kind of request is measured;
// webAsideRepeats, a request a page makes after it is shown.
const (
	webRepeats      = 50
	webAsideRepeats = 5
)

const (
	webTargetMS      = 100
	webAuditTargetMS = 300
)

// webRequest is one kind of page request.
type webRequest struct {
	kind string // the row's suffix: web-<kind>
	user string
	path string
	want string // text the page contains when it answered the question
	// aside: a request a page makes after it is shown only in a case the
	// bench is not (the overview's saved-query counts before any audit run
	// of the month): its own row, outside the row over all.
	aside bool
}

// benchWeb is the web workbench served over the bulk database.
type benchWeb struct {
	base     string
	client   *http.Client
	sessions map[string]string // user → session id
}

// web starts the pages (once) and signs the users in.
func (b *benchBulk) web(ctx context.Context) (*benchWeb, error) {
	if b.pages != nil {
		return b.pages, nil
	}
	e := b.env
	api := e.opt.API
	if api.AuditConfig == nil {
		c := audit.DefaultConfig()
		api.AuditConfig = &c
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	idle := time.Hour
	pages := web.New(b.db, web.Options{Book: benchBook, SessionIdle: idle, SessionMax: 8 * time.Hour,
		LoginAttemptsMax: max(api.LoginAttemptsMax, 1), LoginAddressAttemptsMax: max(api.LoginAddressAttemptsMax, 1),
		LoginWindow: max(api.LoginWindow, time.Minute), Log: log, AuditConfig: api.AuditConfig})
	api.Book, api.RequestTimeout, api.Log = benchBook, 60*time.Second, log
	api.Pages, api.SessionIdle = pages, idle
	srv := httpapi.New(b.db, api)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	sctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Run(sctx, ln, httpapi.ServeConfig{})
	}()
	e.closers = append(e.closers, func(context.Context) { stop(); <-done })
	w := &benchWeb{base: "http://" + ln.Addr().String(), sessions: map[string]string{},
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}}
	for _, u := range []string{"wangfang", "fengqing"} {
		id, _, err := b.db.CreateSession(ctx, benchBook, u, 8*time.Hour)
		if err != nil {
			return nil, err
		}
		w.sessions[u] = id
	}
	b.pages = w
	return w, nil
}

// get fetches path as user and returns the time to its last byte.
func (w *benchWeb) get(ctx context.Context, q webRequest) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.base+q.path, nil)
	if err != nil {
		return 0, err
	}
	req.AddCookie(&http.Cookie{Name: postgres.SessionCookie, Value: w.sessions[q.user]})
	t := time.Now()
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	took := time.Since(t)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: %d", q.path, resp.StatusCode)
	}
	if !strings.Contains(string(body), q.want) {
		return 0, fmt.Errorf("GET %s: the page lacks %q", q.path, q.want)
	}
	return took, nil
}

// webOfficerRequests are the web row's requests: 凭证查询 by 收款人 and
// amount range, and by organisation subtree and purpose; the 明细账 of the
// busiest account, organisation and fund; the 科目余额表 of the month; the
// balances by the organisation tree.
func (b *benchBulk) webOfficerRequests() []webRequest {
	// A spending voucher three quarters into the month: its payee is its
	// own, its total 100 + (number × 7919) mod 90000 fen (benchBulkSQL).
	k := max(13, b.n*3/4)
	fen := int64(100 + (k*7919)%90000)
	payee := fmt.Sprintf("汾阳市供应商%d", k)
	q := url.Values{"payee": {payee}, "amount_min": {ledger.FromFen(max(fen-100, 1)).String()}, "amount_max": {ledger.FromFen(fen + 100).String()}}
	end := b.period.To.Format(time.DateOnly)
	return []webRequest{
		{"vouchers-payee", "wangfang", "/vouchers?" + q.Encode(), payee, false},
		{"vouchers-org", "wangfang", "/vouchers?" + url.Values{"org": {"FY-CP-05"}, "purpose": {"procurement"}, "period": {benchPeriod}}.Encode(), b.fullPage(b.n / 11), false},
		{"ledger", "wangfang", "/books/ledger?" + url.Values{"account": {ledger.AcctProcurement}, "org": {"FY-CP-01"}, "fund": {benchFund}, "period": {benchPeriod}}.Encode(), "本年累计", false},
		{"balances", "wangfang", "/books/balances?period=" + benchPeriod, "500101", false},
		{"orgs", "wangfang", "/books/orgs?as_of=" + end, "FY-CP-11", false},
	}
}

// webAuditRequests are the web-audit row's: the overview of the month,
// the search by a beneficiary's name and by an ID number, the findings of
// the month, two drill-downs from the overview's figures (本期使用 of
// 物资采购; 已拨未用 of a branch), and apart, the saved queries' counts
// counted afresh, which the overview's script asks for when no audit run
// of the month recorded them.
func (b *benchBulk) webAuditRequests(ctx context.Context) ([]webRequest, error) {
	k := max(20, b.n/2/10*10) // every tenth spending voucher pays two people
	var name, id string
	if err := b.db.Pool.QueryRow(ctx, `SELECT b.name, b.id_number FROM voucher_beneficiaries b
		JOIN vouchers v ON v.book = b.book AND v.id = b.voucher_id
		WHERE b.book = $1 AND v.year = 2020 AND v.month = 2 AND v.number = $2 AND b.seq = 1`, benchBook, k).Scan(&name, &id); err != nil {
		return nil, fmt.Errorf("the beneficiary of voucher %d: %w", k, err)
	}
	// The links of the overview's figures, as it writes them (audit_overview.go).
	drill := url.Values{"period": {benchPeriod}, "status": {string(ledger.StatusPosted)}, "kind": {"special"},
		"account": {"5001"}, "purpose": {string(ledger.Procurement)}}
	unspent := url.Values{"org": {"FY-CP-03"}, "own": {"1"}, "kind": {"special"}, "account": {ledger.AcctPending},
		"to": {b.period.To.Format(time.DateOnly)}, "status": {string(ledger.StatusPosted)}}
	return []webRequest{
		{"overview", "fengqing", "/audit?period=" + benchPeriod, `class="small saved-at"`, false}, // with the run's saved-query counts
		{"search-name", "fengqing", "/audit/search?" + url.Values{"q": {name}}.Encode(), name, false},
		{"search-id", "fengqing", "/audit/search?" + url.Values{"q": {id}}.Encode(), name, false},
		{"findings", "fengqing", "/audit/findings?period=" + benchPeriod, "审计发现", false},
		{"drill-spent", "fengqing", "/vouchers?" + drill.Encode(), "drill-debit", false},
		{"drill-unspent", "fengqing", "/vouchers?" + unspent.Encode(), "drill-debit", false},
		{"saved-counts", "fengqing", "/audit/saved-counts?period=" + benchPeriod, `"split":`, true},
	}, nil
}

// fullPage is what a page of 凭证查询 listing about count vouchers shows:
// its 下一页 link when they fill more than a page (of 50) by far, else its
// title (a small bench, such as the tests').
func (b *benchBulk) fullPage(count int) string {
	if count > 100 {
		return "下一页"
	}
	return "凭证查询"
}

// recordFindings runs the audit rules over the month once and records
// their findings, as the overview's button does, for the findings page.
func (b *benchBulk) recordFindings(ctx context.Context) (int, error) {
	in, err := b.db.AuditInput(ctx, benchBook, b.period.From, b.period.To)
	if err != nil {
		return 0, err
	}
	cfg := b.env.opt.API.AuditConfig
	if cfg == nil {
		c := audit.DefaultConfig()
		cfg = &c
	}
	fs, err := b.db.RecordAuditRun(ctx, benchBook, b.period, cfg, audit.Evaluate(in, cfg), b.db.Now())
	return len(fs), err
}

// webRows measures one set of requests: a row over all of them (name)
// and a row per kind (name-kind), each p95 against targetMS.
func (b *benchBulk) webRows(ctx context.Context, name string, reqs []webRequest, targetMS float64) ([]Result, error) {
	w, err := b.web(ctx)
	if err != nil {
		return nil, err
	}
	for _, q := range reqs { // one round unmeasured: connections, caches
		if _, err := w.get(ctx, q); err != nil {
			return nil, err
		}
	}
	b.env.opt.logf("%s: %d kinds × %d requests", name, len(reqs), webRepeats)
	per := make([]loadResult, len(reqs))
	var all loadResult
	start := time.Now()
	for n := range webRepeats {
		for i, q := range reqs {
			if q.aside && n >= webAsideRepeats {
				continue
			}
			t, err := w.get(ctx, q)
			if err != nil {
				return nil, err
			}
			per[i].lat = append(per[i].lat, t)
			if !q.aside {
				all.lat = append(all.lat, t)
			}
		}
	}
	elapsed := time.Since(start)
	row := newResult(name, "ms p95", all.percentile(0.95), 0, target{"at most", targetMS})
	row.Detail = map[string]float64{"requests": float64(len(all.lat)), "p50_ms": all.percentile(0.5), "p99_ms": all.percentile(0.99),
		"max_ms": all.percentile(1), "vouchers": float64(b.n), "seconds": round4(elapsed.Seconds())}
	out := []Result{row}
	var missed []string
	for i, q := range reqs {
		r := newResult(name+"-"+q.kind, "ms p95", per[i].percentile(0.95), 0, target{"at most", targetMS})
		r.Detail = map[string]float64{"p50_ms": per[i].percentile(0.5), "max_ms": per[i].percentile(1)}
		if q.aside {
			r.Note = "counted afresh, as before any audit run; not in " + name
		} else if r.Pass != nil && !*r.Pass {
			missed = append(missed, q.kind)
		}
		out = append(out, r)
	}
	if len(missed) > 0 && row.Pass != nil && *row.Pass {
		f := false
		row.Pass = &f
	}
	if len(missed) > 0 {
		slices.Sort(missed)
		row.Note = "missed by " + strings.Join(missed, ", ")
	}
	return out, nil
}

// webWorkload is the web row; webAuditWorkload the web-audit row.
func (b *benchBulk) webWorkload(ctx context.Context) ([]Result, error) {
	return b.webRows(ctx, "web", b.webOfficerRequests(), webTargetMS)
}

func (b *benchBulk) webAuditWorkload(ctx context.Context) ([]Result, error) {
	if !b.findings {
		b.env.opt.logf("web-audit: recording the month's findings")
		n, err := b.recordFindings(ctx)
		if err != nil {
			return nil, fmt.Errorf("recording findings: %w", err)
		}
		b.env.opt.logf("web-audit: %d findings", n)
		b.findings = true
	}
	reqs, err := b.webAuditRequests(ctx)
	if err != nil {
		return nil, err
	}
	return b.webRows(ctx, "web-audit", reqs, webAuditTargetMS)
}

// reuseBulk opens the bulk database of an earlier run in the same data
// directory when it holds exactly Scale posted vouchers; nil when there is
// none (then the bulk database is written afresh).
func (e *benchEnv) reuseBulk(ctx context.Context) (*benchBulk, error) {
	const name = "bench_bulk"
	d := &benchDatabase{env: e, name: name, appURL: e.server.URL(name, "ledger_app"), superURL: e.server.URL(name, embedded.Superuser)}
	db, err := postgres.Open(ctx, d.appURL, postgres.Options{MaxConns: e.opt.Pool.MaxConns, ConnectTimeout: e.opt.Pool.ConnectTimeout})
	if err != nil {
		return nil, nil // no such database
	}
	var n int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM vouchers WHERE book = $1 AND status = 'posted'`, benchBook).Scan(&n); err != nil || n != e.opt.Scale {
		db.Close()
		e.opt.logf("bulk: the kept database holds %d vouchers, not %d: writing it afresh", n, e.opt.Scale)
		return nil, nil
	}
	d.db = db
	e.closers = append(e.closers, func(context.Context) { db.Close() })
	if d.books, err = db.LoadBooks(ctx, benchBook); err != nil {
		return nil, err
	}
	// Migrations newer than the kept database's (an index being tried).
	if _, err := postgres.Migrate(ctx, e.server.URL(name, "ledger_owner"), nil); err != nil {
		return nil, err
	}
	e.opt.logf("bulk: reusing the kept database of %d vouchers", n)
	b := &benchBulk{benchDatabase: d, n: n, children: map[string]benchChildResult{}}
	b.period, _ = ledger.ParsePeriod(benchPeriod)
	return b, nil
}
