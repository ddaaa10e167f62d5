package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/valyala/fasthttp"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/httpapi"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/postgres/embedded"
)

// The online and hot workloads run on one database: the demo setup, a
// history of posted vouchers (February's, as the bulk workloads write them,
// up to benchOnlineHistory), money received and allocated to every
// temporary branch, the HTTP API served
// in-process on a loopback port with the sealer running as under `ledger
// serve`, and, for the baselines, a schema "bare" of four plain tables
// (counters, vouchers, lines, balances) without triggers, written by bare
// pgx as the superuser.

const (
	benchOnlineDate = "2020-03-10" // the online vouchers' date: one month, one number sequence
	benchHotOrg     = "FY-LDRK"    // the branch of the hot workload
	benchFund       = "FY-UP"
	benchBranchFen  = 1_000_000_000_00 // allocated to each branch (10 million yuan) and its bare twin
	// benchOnlineHistory is how many posted vouchers the online database
	// holds before the workloads (fewer when --scale is smaller), and its
	// bare twin as many vouchers and lines: a ledger in use, with
	// statistics. On empty tables the planner prefers scans, and the plans
	// the sessions cache then (the lines of a voucher read by book alone
	// and filtered by voucher, say) are kept while the tables grow under
	// the load; on tables of a real size both sides get index plans.
	benchOnlineHistory = 10_000
)

type benchOnline struct {
	*benchDatabase
	branches []string // the online workload's branches (the hot one excluded)
	base     string   // http://127.0.0.1:PORT
	client   *fasthttp.HostClient
	tokens   map[string]string
	bare     *pgxpool.Pool // superuser pool of the baselines, as large as the application's
	nonce    string
	keys     atomic.Int64
}

// onlineDB prepares the online database and starts the HTTP API on it.
func (e *benchEnv) onlineDB(ctx context.Context) (*benchOnline, error) {
	d, err := e.database(ctx, "bench_online")
	if err != nil {
		return nil, err
	}
	o := &benchOnline{benchDatabase: d, tokens: map[string]string{}, nonce: fmt.Sprintf("%x", time.Now().UnixNano())}
	for _, org := range sortedOrgs(d.books) {
		if d.books.Orgs[org].Kind == "temp_branch" && org != benchHotOrg {
			o.branches = append(o.branches, org)
		}
	}
	hist := min(e.opt.Scale, benchOnlineHistory)
	e.opt.logf("online: writing a history of %d posted vouchers", hist)
	if err := d.super(ctx, benchBulkSQL(hist)...); err != nil {
		return nil, fmt.Errorf("seeding the history: %w", err)
	}
	e.opt.logf("online: seeding %d branches", len(o.branches)+1)
	day, _ := ledger.ParseDate("2020-03-02")
	total := ledger.FromFen(int64(len(o.branches)+1) * benchBranchFen)
	if _, err := d.flow(ctx, ledger.FlowRequest{Flow: ledger.FlowReceive, Fund: benchFund, Amount: total, Date: day,
		Payee: "中共吕梁市委组织部", PayeeType: "upper_org", Method: "bank", Attachments: 1, DocTypes: []string{"银行回单"}, Decision: "吕组通〔2020〕5号"}); err != nil {
		return nil, fmt.Errorf("seeding: receive: %w", err)
	}
	for _, org := range append(slices.Clone(o.branches), benchHotOrg) {
		if _, err := d.flow(ctx, ledger.FlowRequest{Flow: ledger.FlowAllocate, Fund: benchFund, Org: org, Amount: ledger.FromFen(benchBranchFen), Date: day,
			Method: "bank", Attachments: 1, DocTypes: []string{"银行回单"}, Decision: "部务会2020-03-01"}); err != nil {
			return nil, fmt.Errorf("seeding: allocate to %s: %w", org, err)
		}
	}
	if _, err := d.db.SealAll(ctx); err != nil {
		return nil, err
	}
	// The bare twin: the same branches and money in plain tables.
	if err := d.super(ctx,
		`CREATE SCHEMA bare`,
		`CREATE TABLE bare.counters (k int PRIMARY KEY, last int NOT NULL)`,
		`INSERT INTO bare.counters VALUES (1, 0)`,
		`CREATE TABLE bare.vouchers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, number int NOT NULL, status text NOT NULL,
			org text NOT NULL, amount bigint NOT NULL, maker text NOT NULL, checker text, poster text)`,
		`CREATE TABLE bare.lines (voucher_id bigint NOT NULL, line_no int NOT NULL, account text NOT NULL, org text NOT NULL,
			debit bigint NOT NULL, credit bigint NOT NULL, PRIMARY KEY (voucher_id, line_no))`,
		`CREATE TABLE bare.balances (account text NOT NULL, org text NOT NULL, balance bigint NOT NULL, PRIMARY KEY (account, org))`,
		fmt.Sprintf(`INSERT INTO bare.balances SELECT a, o, CASE WHEN a = '121801' THEN %d ELSE 0 END
			FROM unnest(ARRAY['121801', '500101']) a, (SELECT code AS o FROM organisations WHERE kind = 'temp_branch') t`, benchBranchFen),
		fmt.Sprintf(`INSERT INTO bare.vouchers (number, status, org, amount, maker, checker, poster)
			SELECT g, 'posted', 'FY-CP-' || lpad((1 + g %% 11)::text, 2, '0'), 100 + (g::bigint * 7919) %% 90000, 'wangfang', 'liqiang', 'liqiang'
			FROM generate_series(1, %d) g`, hist),
		`INSERT INTO bare.lines (voucher_id, line_no, account, org, debit, credit)
			SELECT v.id, n, CASE n WHEN 1 THEN '500101' ELSE '121801' END, v.org,
				CASE n WHEN 1 THEN v.amount ELSE 0 END, CASE n WHEN 2 THEN v.amount ELSE 0 END
			FROM bare.vouchers v, generate_series(1, 2) n ORDER BY v.id, n`,
		`ANALYZE`,
	); err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(d.superURL)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = d.db.Pool.Config().MaxConns
	if o.bare, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return nil, err
	}
	e.closers = append(e.closers, func(context.Context) { o.bare.Close() })

	// The API as `ledger serve` runs it: the sealer nudged by every
	// posting, a JSON log line per request (discarded here).
	sealer := postgres.NewSealer(d.db, postgres.SealerOptions{})
	d.db.AfterPost = sealer.Nudge
	d.db.Source = "http"
	api := e.opt.API
	api.Book, api.RequestTimeout = benchBook, 60*time.Second
	api.Log = slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	srv := httpapi.New(d.db, api)
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
	e.closers = append(e.closers, func(ctx context.Context) {
		stop()
		<-done
		_, _ = sealer.Close(ctx)
	})
	o.base = "http://" + ln.Addr().String()
	o.client = newLoadClient(ln.Addr().String())
	for _, u := range []string{"wangfang", "liqiang"} {
		tok, _, err := d.db.CreateToken(ctx, benchBook, u, time.Hour)
		if err != nil {
			return nil, err
		}
		o.tokens[u] = tok
	}
	return o, nil
}

func sortedOrgs(b *ledger.Books) []string {
	out := make([]string, 0, len(b.Orgs))
	for k := range b.Orgs {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// clientStats is what one client did; each client has its own.
type clientStats struct {
	units    int   // vouchers posted
	fen      int64 // their amounts
	requests int   // requests or transactions
	lat      []time.Duration
	errs     int
	firstErr error
}

func (s *clientStats) fail(err error) {
	s.errs++
	if s.firstErr == nil {
		s.firstErr = err
	}
}

// loadResult sums the clients of one side.
type loadResult struct {
	clientStats
	elapsed time.Duration
}

func (r *loadResult) add(o loadResult) {
	r.units += o.units
	r.fen += o.fen
	r.requests += o.requests
	r.lat = append(r.lat, o.lat...)
	r.errs += o.errs
	if r.firstErr == nil {
		r.firstErr = o.firstErr
	}
	r.elapsed += o.elapsed
}

func (r *loadResult) rate(n int) float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(n) / r.elapsed.Seconds()
}

// percentile returns the p-th percentile of the latencies in milliseconds.
func (r *loadResult) percentile(p float64) float64 {
	if len(r.lat) == 0 {
		return 0
	}
	slices.Sort(r.lat)
	i := int(float64(len(r.lat)-1) * p)
	return float64(r.lat[i].Microseconds()) / 1000
}

// runClients runs clients goroutines, each calling unit until the
// deadline passes or unit reports that there is no more work, and returns
// their sum with the time until the last one stopped.
func runClients(ctx context.Context, clients int, d time.Duration, unit func(ctx context.Context, client int, rng *rand.Rand, st *clientStats) bool) loadResult {
	stats := make([]clientStats, clients)
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), uint64(start.UnixNano())))
			st := &stats[c]
			for time.Now().Before(deadline) && ctx.Err() == nil {
				if !unit(ctx, c, rng, st) {
					return
				}
			}
		}()
	}
	wg.Wait()
	var out loadResult
	out.elapsed = time.Since(start)
	for _, s := range stats {
		el := out.elapsed
		out.add(loadResult{clientStats: s})
		out.elapsed = el
	}
	return out
}

// call makes one request of the API as user and decodes the voucher id of
// the answer; its latency is recorded. The load generator speaks HTTP/1.1
// through fasthttp's client, which spends about half the CPU of net/http's
// per request (no goroutines of its own per connection, pooled buffers):
// the clients share the two cores with the server and the cluster, and
// what they spend is the harness's, not the ledger's (BENCHMARKS.md, tenth
// round). The answer is still read whole and its JSON decoded. fasthttp
// takes no context: a request that the clients' end overtakes runs to its
// answer, within a minute.
func (o *benchOnline) call(ctx context.Context, st *clientStats, user, path, body string) (int64, error) {
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(o.base + path)
	req.Header.SetMethod(fasthttp.MethodPost)
	req.Header.Set("Authorization", "Bearer "+o.tokens[user])
	req.Header.Set("Idempotency-Key", fmt.Sprintf("bench-%s-%d", o.nonce, o.keys.Add(1)))
	if body != "" {
		req.Header.SetContentType("application/json")
		req.SetBodyString(body)
	}
	t := time.Now()
	err := o.client.DoTimeout(req, resp, time.Minute)
	st.lat = append(st.lat, time.Since(t))
	st.requests++
	if err != nil {
		return 0, err
	}
	data := resp.Body()
	if code := resp.StatusCode(); code != fasthttp.StatusOK && code != fasthttp.StatusCreated {
		return 0, fmt.Errorf("POST %s: %d %s", path, code, bytes.TrimSpace(data))
	}
	var v struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return 0, fmt.Errorf("POST %s: %w", path, err)
	}
	return v.ID, nil
}

// oursSpend makes, checks and posts one spend voucher over HTTP.
func (o *benchOnline) oursSpend(ctx context.Context, rng *rand.Rand, st *clientStats) bool {
	org := o.branches[rng.IntN(len(o.branches))]
	fen := 100 + rng.Int64N(99900)
	body := fmt.Sprintf(`{"fund":%q,"org":%q,"purpose":"procurement","amount":%q,"date":%q,"payee":"汾阳市医药公司","payee_type":"supplier","attachments":1,"doc_types":["发票"],"decision":"支委会2020-03-09"}`,
		benchFund, org, ledger.FromFen(fen).String(), benchOnlineDate)
	id, err := o.call(ctx, st, "wangfang", "/api/v1/flows/spend", body)
	if err == nil {
		_, err = o.call(ctx, st, "liqiang", fmt.Sprintf("/api/v1/vouchers/%d/check", id), "")
	}
	if err == nil {
		_, err = o.call(ctx, st, "liqiang", fmt.Sprintf("/api/v1/vouchers/%d/post", id), "")
	}
	if err != nil {
		st.fail(err)
		return ctx.Err() == nil
	}
	st.units++
	st.fen += fen
	return true
}

func (o *benchOnline) bareTimed(st *clientStats, fn func() error) error {
	t := time.Now()
	err := fn()
	st.lat = append(st.lat, time.Since(t))
	st.requests++
	return err
}

// bareMake takes the next number and inserts a draft with its two lines.
func bareMake(ctx context.Context, pool *pgxpool.Pool, org string, fen int64) (int64, error) {
	var id int64
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var number int
		if err := tx.QueryRow(ctx, `UPDATE bare.counters SET last = last + 1 WHERE k = 1 RETURNING last`).Scan(&number); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO bare.vouchers (number, status, org, amount, maker) VALUES ($1, 'draft', $2, $3, 'wangfang') RETURNING id`,
			number, org, fen).Scan(&id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO bare.lines (voucher_id, line_no, account, org, debit, credit) VALUES ($1, 1, '500101', $2, $3, 0), ($1, 2, '121801', $2, 0, $3)`,
			id, org, fen)
		return err
	})
	return id, err
}

// bareCheck checks a draft.
func bareCheck(ctx context.Context, pool *pgxpool.Pool, id int64) error {
	tag, err := pool.Exec(ctx, `UPDATE bare.vouchers SET status = 'checked', checker = 'liqiang' WHERE id = $1 AND status = 'draft'`, id)
	if err == nil && tag.RowsAffected() != 1 {
		err = fmt.Errorf("bare check of %d: not a draft", id)
	}
	return err
}

var errBareOverdraft = errors.New("bare post: insufficient funds")

// barePost posts a checked voucher: it locks the voucher, then the
// balance rows in key order (the branch's 121801 before its 500101, or the
// one hot row), checks the branch's balance and moves it.
func barePost(ctx context.Context, pool *pgxpool.Pool, id int64, oneRow bool) (int64, error) {
	var fen int64
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var status, org string
		if err := tx.QueryRow(ctx, `SELECT status, org, amount FROM bare.vouchers WHERE id = $1 FOR UPDATE`, id).Scan(&status, &org, &fen); err != nil {
			return err
		}
		if status != "checked" {
			return fmt.Errorf("bare post of %d: %s", id, status)
		}
		accounts := []string{"121801", "500101"}
		if oneRow {
			accounts = accounts[:1]
		}
		rows, err := tx.Query(ctx, `SELECT account, balance FROM bare.balances WHERE org = $1 AND account = ANY($2) ORDER BY account FOR UPDATE`, org, accounts)
		if err != nil {
			return err
		}
		var pending int64
		for rows.Next() {
			var a string
			var bal int64
			if err := rows.Scan(&a, &bal); err != nil {
				rows.Close()
				return err
			}
			if a == "121801" {
				pending = bal
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if pending < fen {
			return errBareOverdraft
		}
		if _, err := tx.Exec(ctx, `UPDATE bare.balances SET balance = balance + CASE WHEN account = '121801' THEN -$3::bigint ELSE $3::bigint END
			WHERE org = $1 AND account = ANY($2)`, org, accounts, fen); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE bare.vouchers SET status = 'posted', poster = 'liqiang' WHERE id = $1`, id)
		return err
	})
	return fen, err
}

// bareCycle is one voucher of the online baseline: make, check, post,
// each a transaction of its own, each timed like a request.
func (o *benchOnline) bareCycle(ctx context.Context, rng *rand.Rand, st *clientStats) bool {
	org := o.branches[rng.IntN(len(o.branches))]
	fen := 100 + rng.Int64N(99900)
	var id int64
	err := o.bareTimed(st, func() (err error) { id, err = bareMake(ctx, o.bare, org, fen); return err })
	if err == nil {
		err = o.bareTimed(st, func() error { return bareCheck(ctx, o.bare, id) })
	}
	if err == nil {
		err = o.bareTimed(st, func() error { _, err := barePost(ctx, o.bare, id, false); return err })
	}
	if err != nil {
		st.fail(err)
		return ctx.Err() == nil
	}
	st.units++
	st.fen += fen
	return true
}

// online runs the online workload at one concurrency: the baseline and
// ours alternately, in two halves of the duration each.
func (o *benchOnline) online(ctx context.Context, name string, clients int) ([]Result, error) {
	half := o.env.opt.Duration / 2
	var ours, bare loadResult
	var oursPG, barePG pgSampler
	var clientCPU time.Duration // the HTTP clients' child processes
	for round := range 2 {
		o.env.opt.logf("%s: round %d: bare pgx, %d clients, %v", name, round+1, clients, half)
		bare.add(o.sampled(ctx, embedded.Superuser, &barePG, func() loadResult {
			return runClients(ctx, clients, half, func(ctx context.Context, _ int, rng *rand.Rand, st *clientStats) bool {
				return o.bareCycle(ctx, rng, st)
			})
		}))
		o.env.opt.logf("%s: round %d: HTTP API, %d clients, %v", name, round+1, clients, half)
		ours.add(o.sampled(ctx, "ledger_app", &oursPG, func() loadResult {
			r, cpu := o.clientsInChild(ctx, clients, half)
			clientCPU += cpu
			return r
		}))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if ours.units == 0 || bare.units == 0 {
		return nil, fmt.Errorf("no voucher was posted (ours: %v; bare: %v)", ours.firstErr, bare.firstErr)
	}
	rate := newResult(name, "vouchers/s", ours.rate(ours.units), bare.rate(bare.units), target{"min", 0.5})
	rate.Detail = map[string]float64{
		"requests_per_s": round4(ours.rate(ours.requests)), "baseline_tx_per_s": round4(bare.rate(bare.requests)),
		"p50_ms": ours.percentile(0.5), "p99_ms": ours.percentile(0.99),
		"baseline_p50_ms": bare.percentile(0.5), "baseline_p99_ms": bare.percentile(0.99),
		"vouchers": float64(ours.units), "baseline_vouchers": float64(bare.units),
		"errors": float64(ours.errs), "baseline_errors": float64(bare.errs),
	}
	addWaits(rate.Detail, "", &oursPG, ours.units)
	addWaits(rate.Detail, "baseline_", &barePG, bare.units)
	// Go CPU: the server's (this process, while the clients ran in a
	// child; the sampler's own thread apart), the clients' (the child),
	// and the baseline's bare clients (this process, likewise).
	if ours.requests > 0 {
		rate.Detail["server_go_cpu_ms_per_request"] = round4(ms(oursPG.goCPU) / float64(ours.requests))
		rate.Detail["client_go_cpu_ms_per_request"] = round4(ms(clientCPU) / float64(ours.requests))
		rate.Detail["sampler_go_cpu_ms_per_request"] = round4(ms(oursPG.samplerCPU) / float64(ours.requests))
	}
	if bare.requests > 0 {
		rate.Detail["baseline_go_cpu_ms_per_tx"] = round4(ms(barePG.goCPU) / float64(bare.requests))
	}
	p99 := newResult(name+"-p99", "ms", ours.percentile(0.99), bare.percentile(0.99), target{"max", 2})
	if ours.errs+bare.errs > 0 {
		rate.Note = fmt.Sprintf("%d errors, first: %v", ours.errs+bare.errs, errors.Join(ours.firstErr, bare.firstErr))
		f := false
		rate.Pass = &f
	}
	// The cost of a voucher, each against an absolute target (issue #19),
	// the baseline's beside it: PostgreSQL CPU of the side's backends and
	// WAL per voucher, the server's Go CPU per request (the baseline's:
	// its bare clients' per transaction).
	d := rate.Detail
	cpu := newResult(name+"-pg-cpu", "ms/voucher", d["pg_backend_cpu_ms_per_unit"], d["baseline_pg_backend_cpu_ms_per_unit"], target{"at most", 2.5})
	wal := newResult(name+"-wal", "bytes/voucher", d["wal_bytes_per_unit"], d["baseline_wal_bytes_per_unit"], target{"at most", 4096})
	goCPU := newResult(name+"-go-cpu", "ms/request", d["server_go_cpu_ms_per_request"], d["baseline_go_cpu_ms_per_tx"], target{"at most", 0.5})
	return []Result{rate, p99, cpu, wal, goCPU}, nil
}
