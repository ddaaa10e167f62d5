// Package chaos is the standing attack and fault suite's engine: random
// voucher work against a real `ledger serve` process over HTTP while the
// serve process is killed with SIGKILL and PostgreSQL with an immediate
// shutdown, then restarted; every request whose answer was lost is sent
// again with its Idempotency-Key, and at each quiet point the ledger's
// invariants are checked against what the server acknowledged.
//
// The run owns a private PostgreSQL cluster in its own data directory, so
// it may kill it; it never touches another cluster.
package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/ledger/postgres"
)

const (
	book     = "FY-DFZH"
	database = "ledger"
)

// Fault is what happens to the system during one burst of writes.
type Fault int

const (
	FaultNone      Fault = iota
	FaultKillServe       // SIGKILL the serve process, start a new one
	FaultKillDB          // immediate shutdown of PostgreSQL, restart it
	FaultKillBoth        // PostgreSQL first, then serve while it is down
)

func (f Fault) String() string {
	return [...]string{"none", "kill-serve", "kill-postgres", "kill-both"}[f]
}

// Config is one run.
type Config struct {
	// Binary is the ledger binary; Dir the run's data directory (the
	// cluster goes in Dir/pg; as root its parent must be enterable by the
	// postgres user); LogDir receives serve's logs.
	Binary, Dir, LogDir string
	// Faults are the bursts to run in order; when Duration is set, bursts
	// with random faults follow until it has passed.
	Faults   []Fault
	Duration time.Duration
	// Burst is the length of one burst of writes; Workers write
	// concurrently.
	Burst   time.Duration
	Workers int
	Seed    uint64
	// WriteTimeout is serve.write_timeout: a claim of a killed process is
	// taken over after twice the request deadline derived from it.
	WriteTimeout time.Duration
	// Log receives progress lines.
	Log io.Writer
}

// Report is the outcome of a run: the figures the long mode prints.
type Report struct {
	Operations   int64 // HTTP requests sent, retries and reads included
	Acknowledged int64 // writes answered 2xx
	Refused      int64 // writes answered with a refusal (4xx)
	Retried      int64 // writes sent again after their answer was lost
	Unavailable  int64 // answers 503 while PostgreSQL was down
	Lost         int64 // acknowledged writes missing from the ledger
	Violations   int64 // invariant violations
	Bursts       int
	ServeKills   int
	DBKills      int
	Vouchers     int // vouchers made and acknowledged
	Posted       int
	SealerStalls int      // checks where the sealer had not drained the backlog
	Problems     []string // the first violations, described
	Elapsed      time.Duration
}

func (r *Report) String() string {
	return fmt.Sprintf("bursts %d (serve killed %d, PostgreSQL killed %d) in %v\noperations %d\nacknowledged writes %d (refused %d, retried after a lost answer %d, 503 while down %d)\nvouchers %d (posted %d)\nlost writes %d\ninvariant violations %d\nsealer stalls %d",
		r.Bursts, r.ServeKills, r.DBKills, r.Elapsed.Round(time.Second), r.Operations, r.Acknowledged, r.Refused, r.Retried,
		r.Unavailable, r.Vouchers, r.Posted, r.Lost, r.Violations, r.SealerStalls)
}

// The demo setup's users the run acts as.
var (
	officers = []string{"wangfang", "liuyang"}
	checkers = []string{"liqiang", "zhouhui"}
	cashier  = "zhaomin"
	auditor  = "fengqing"
	branches = []string{"FY-CP-01", "FY-CP-02", "FY-CP-03", "FY-CP-04", "FY-CP-05", "FY-CP-06"}
)

type opKind int

const (
	opMake opKind = iota
	opCheck
	opSign
	opPost
	opVoid
)

var stepNames = map[opKind]string{opCheck: "check", opSign: "sign", opPost: "post", opVoid: "void"}

// voucher is what the server acknowledged about one voucher.
type voucher struct {
	id        int64
	key       string
	amount    int64
	flow      string
	status    string // the last acknowledged status
	needsSign bool
	busy      bool // a step on it is in flight or unresolved
}

// run is one run's state.
type run struct {
	cfg    Config
	rng    *rand.Rand
	rngMu  sync.Mutex
	cl     *cluster
	db     *postgres.DB
	client *client
	serve  *serveProc
	logF   *os.File

	ops                                            atomic.Int64
	acked, refused, retried, unavailable, keyCount atomic.Int64

	mu       sync.Mutex
	vouchers map[int64]*voucher
	pending  []*request
	refusals map[string]int

	report Report
}

func (r *run) logf(format string, args ...any) {
	if r.cfg.Log != nil {
		fmt.Fprintf(r.cfg.Log, "chaos %s: "+format+"\n", append([]any{time.Now().Format("15:04:05.000")}, args...)...)
	}
}

func (r *run) violation(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	r.mu.Lock()
	r.report.Violations++
	if len(r.report.Problems) < 50 {
		r.report.Problems = append(r.report.Problems, msg)
	}
	r.mu.Unlock()
	r.logf("VIOLATION: %s", msg)
}

func (r *run) intn(n int) int {
	r.rngMu.Lock()
	defer r.rngMu.Unlock()
	return r.rng.IntN(n)
}

func (r *run) newKey(prefix string) string {
	return fmt.Sprintf("chaos-%s-%d-%d", prefix, r.cfg.Seed, r.keyCount.Add(1))
}

// Run performs a run and returns its report; an error means the run could
// not be carried out (not that it found violations).
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Workers <= 0 {
		cfg.Workers = 8
	}
	if cfg.Burst <= 0 {
		cfg.Burst = 8 * time.Second
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 6 * time.Second
	}
	if cfg.LogDir == "" {
		cfg.LogDir = cfg.Dir + "-logs"
	}
	if err := os.MkdirAll(cfg.LogDir, 0o755); err != nil {
		return nil, err
	}
	start := time.Now()
	r := &run{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		vouchers: map[int64]*voucher{}, refusals: map[string]int{}}
	r.logf("seed %d, data directory %s, logs in %s", cfg.Seed, cfg.Dir, cfg.LogDir)
	var err error
	if r.logF, err = os.Create(filepath.Join(cfg.LogDir, "serve.log")); err != nil {
		return nil, err
	}
	defer r.logF.Close()
	if r.cl, err = startCluster(ctx, cfg.Dir); err != nil {
		return nil, err
	}
	defer r.cl.stop(context.WithoutCancel(ctx))
	r.logf("PostgreSQL started")
	if err := r.setup(ctx); err != nil {
		return nil, fmt.Errorf("setup: %w", err)
	}
	defer r.db.Close()
	if r.serve, err = startServe(ctx, &r.cfg, r.logF); err != nil {
		return nil, err
	}
	defer func() {
		if r.serve != nil {
			r.serve.stop()
		}
	}()
	r.client.setBase(r.serve.base)
	r.logf("database ready, serve started")
	if err := r.fund(ctx); err != nil {
		return nil, fmt.Errorf("funding the branches: %w", err)
	}
	r.check(ctx, "after setup")

	faults := append([]Fault(nil), cfg.Faults...)
	deadline := start.Add(cfg.Duration)
	for i := 0; ; i++ {
		if ctx.Err() != nil {
			break
		}
		var f Fault
		switch {
		case i < len(faults):
			f = faults[i]
		case cfg.Duration > 0 && time.Now().Before(deadline):
			f = Fault(r.intn(4))
		default:
			goto done
		}
		if err := r.burst(ctx, f); err != nil {
			return r.finish(start), err
		}
		r.check(ctx, fmt.Sprintf("burst %d (%s)", r.report.Bursts, f))
	}
done:
	// A last kill of serve while it posts, and a restart with nothing
	// posted after it: the backlog of the killed process must be sealed
	// without a posting to nudge the sealer.
	if err := r.lastKill(ctx); err != nil {
		return r.finish(start), err
	}
	r.check(ctx, "final restart")
	if out, err := ledgerCLI(ctx, &r.cfg, "verify"); err != nil {
		r.violation("ledger verify after the run: %v\n%s", err, out)
	}
	return r.finish(start), nil
}

func (r *run) finish(start time.Time) *Report {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.report.Operations = r.ops.Load()
	r.report.Acknowledged = r.acked.Load()
	r.report.Refused = r.refused.Load()
	r.report.Retried = r.retried.Load()
	r.report.Unavailable = r.unavailable.Load()
	r.report.Vouchers = len(r.vouchers)
	r.report.Posted = 0
	for _, v := range r.vouchers {
		if v.status == "posted" {
			r.report.Posted++
		}
	}
	r.report.Elapsed = time.Since(start)
	if len(r.refusals) > 0 {
		var parts []string
		for k, n := range r.refusals {
			parts = append(parts, fmt.Sprintf("%s %d", k, n))
		}
		sort.Strings(parts)
		r.logf("refusals: %s", strings.Join(parts, ", "))
	}
	rep := r.report
	return &rep
}

// setup makes the database, loads the demo setup and gives every user the
// run acts as a token.
func (r *run) setup(ctx context.Context) error {
	if err := postgres.Bootstrap(ctx, r.cl.superURL(), database); err != nil {
		return err
	}
	if _, err := postgres.Migrate(ctx, r.cl.url("ledger_owner"), nil); err != nil {
		return err
	}
	db, err := postgres.Open(ctx, r.cl.url("ledger_app"), postgres.Options{MaxConns: 10})
	if err != nil {
		return err
	}
	r.db = db
	s, err := configs.ParseSetup(configs.Demo(), "demo/fenyang.yaml", nil)
	if err != nil {
		return err
	}
	if err := db.ApplySetup(ctx, s); err != nil {
		return err
	}
	tokens := map[string]string{}
	for _, u := range append(append(append([]string{}, officers...), checkers...), cashier, auditor) {
		tok, _, err := db.CreateToken(ctx, book, u, 72*time.Hour)
		if err != nil {
			return err
		}
		tokens[u] = tok
	}
	r.client = newClient(tokens, &r.ops)
	return nil
}

// fund receives money into the book and allocates some to each branch,
// through the API like any other work.
func (r *run) fund(ctx context.Context) error {
	recv := r.makeRequest(opMake, officers[0], "/api/v1/flows/receive", map[string]any{
		"fund": "FY-UP", "amount": "5000000.00", "summary": "上级下拨专项党费", "decision": "晋组通〔2020〕8号", "attachments": 1}, 0)
	if err := r.settle(ctx, recv, true); err != nil {
		return err
	}
	for _, org := range branches {
		req := r.makeRequest(opMake, officers[0], "/api/v1/flows/allocate", map[string]any{
			"fund": "FY-UP", "to": org, "amount": "20000.00", "decision": "部务会纪要第3号", "attachments": 1}, 0)
		if err := r.settle(ctx, req, true); err != nil {
			return err
		}
	}
	r.mu.Lock()
	var ids []int64
	for id := range r.vouchers {
		ids = append(ids, id)
	}
	r.mu.Unlock()
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		for _, k := range []opKind{opCheck, opSign, opPost} {
			user := checkers[0]
			if k == opSign {
				user = cashier
			}
			if err := r.settle(ctx, r.stepRequest(k, user, id), true); err != nil {
				return err
			}
		}
	}
	return nil
}

// settle sends a request until its outcome is known; must says a refusal
// is an error.
func (r *run) settle(ctx context.Context, req *request, must bool) error {
	a := r.client.send(ctx, req)
	for tries := 0; !known(a); tries++ {
		if tries > 100 {
			return fmt.Errorf("%s %s: no answer", req.path, req.key)
		}
		time.Sleep(200 * time.Millisecond)
		a = r.client.send(ctx, req)
	}
	r.apply(req, a)
	if must && a.status >= 300 {
		return fmt.Errorf("%s: %d %s: %s", req.path, a.status, a.code, a.body)
	}
	return nil
}

// known tells whether an answer settles a write: 2xx or a refusal. No
// answer, 5xx and "still being processed" leave it unknown.
func known(a answer) bool {
	switch {
	case a.status == 0 || a.status >= 500:
		return false
	case a.status == 409 && (a.code == "idempotency_conflict" || a.code == "in_progress"):
		return false
	}
	return true
}

func (r *run) makeRequest(kind opKind, user, path string, body map[string]any, amountFen int64) *request {
	b, _ := json.Marshal(body)
	return &request{user: user, path: path, key: r.newKey("make"), body: b, kind: kind, amount: amountFen}
}

func (r *run) stepRequest(kind opKind, user string, id int64) *request {
	return &request{user: user, path: fmt.Sprintf("/api/v1/vouchers/%d/%s", id, stepNames[kind]), key: r.newKey(stepNames[kind]),
		kind: kind, target: id}
}

// apply records a settled answer in the model.
func (r *run) apply(req *request, a answer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if a.status >= 300 {
		r.refused.Add(1)
		r.refusals[fmt.Sprintf("%s:%s", strings.SplitN(req.path[len("/api/v1/"):], "/", 2)[0], a.code)]++
		if v := r.vouchers[req.target]; v != nil {
			v.busy = false
		}
		return
	}
	r.acked.Add(1)
	if req.kind == opMake {
		if a.id <= 0 {
			r.report.Violations++
			r.report.Problems = append(r.report.Problems, fmt.Sprintf("%s answered %d without a voucher id", req.path, a.status))
			return
		}
		if old := r.vouchers[a.id]; old != nil {
			if old.key != req.key {
				r.report.Violations++
				r.report.Problems = append(r.report.Problems, fmt.Sprintf("voucher %d acknowledged for keys %s and %s", a.id, old.key, req.key))
			}
			return
		}
		var body struct {
			Fund string `json:"fund"`
		}
		json.Unmarshal(req.body, &body)
		flow := strings.TrimPrefix(req.path, "/api/v1/flows/")
		r.vouchers[a.id] = &voucher{id: a.id, key: req.key, amount: req.amount, flow: flow, status: "draft",
			needsSign: flow != "spend"}
		return
	}
	v := r.vouchers[req.target]
	if v == nil {
		return
	}
	v.busy = false
	want := map[opKind]string{opCheck: "checked", opSign: "signed", opPost: "posted", opVoid: "void"}[req.kind]
	if a.state != "" && a.state != want && !(req.kind == opCheck && a.state == "signed") {
		r.report.Violations++
		r.report.Problems = append(r.report.Problems, fmt.Sprintf("%s acknowledged with status %s", req.path, a.state))
	}
	v.status = want
}

// pick takes a voucher in one of the statuses for a step and marks it busy.
func (r *run) pick(statuses ...string) *voucher {
	r.mu.Lock()
	defer r.mu.Unlock()
	var c []*voucher
	for _, v := range r.vouchers {
		if v.busy {
			continue
		}
		for _, s := range statuses {
			if v.status == s {
				c = append(c, v)
			}
		}
	}
	if len(c) == 0 {
		return nil
	}
	sort.Slice(c, func(i, j int) bool { return c[i].id < c[j].id })
	v := c[r.intn(len(c))]
	v.busy = true
	return v
}

// nextOp chooses the next request at random.
func (r *run) nextOp() *request {
	n := r.intn(100)
	switch {
	case n < 40:
		amt := int64(100 + r.intn(300000)) // 1.00 … 3,001.00
		org := branches[r.intn(len(branches))]
		return r.makeRequest(opMake, officers[r.intn(len(officers))], "/api/v1/flows/spend", map[string]any{
			"org": org, "fund": "FY-UP", "purpose": "procurement", "amount": fmt.Sprintf("%d.%02d", amt/100, amt%100),
			"payee": "汾阳市医药药材有限公司", "payee_type": "supplier", "attachments": 1 + r.intn(3), "doc_types": []string{"发票"},
			"decision": "部务会2020-02-04纪要第3号", "summary": "采购防疫物资"}, amt)
	case n < 43:
		amt := int64(500000 + r.intn(1500000))
		return r.makeRequest(opMake, officers[r.intn(len(officers))], "/api/v1/flows/allocate", map[string]any{
			"fund": "FY-UP", "to": branches[r.intn(len(branches))], "amount": fmt.Sprintf("%d.%02d", amt/100, amt%100),
			"decision": "部务会纪要第3号", "attachments": 1}, amt)
	case n < 63:
		if v := r.pick("draft"); v != nil {
			return r.stepRequest(opCheck, checkers[r.intn(len(checkers))], v.id)
		}
	case n < 68:
		if v := r.pick("checked"); v != nil {
			if v.needsSign {
				return r.stepRequest(opSign, cashier, v.id)
			}
			r.release(v)
		}
	case n < 90:
		if v := r.pick("checked", "signed"); v != nil {
			if v.needsSign && v.status != "signed" {
				return r.stepRequest(opSign, cashier, v.id)
			}
			return r.stepRequest(opPost, checkers[r.intn(len(checkers))], v.id)
		}
	case n < 94:
		if v := r.pick("draft"); v != nil {
			return r.stepRequest(opVoid, officers[r.intn(len(officers))], v.id)
		}
	}
	return nil // a read this time
}

func (r *run) release(v *voucher) {
	r.mu.Lock()
	v.busy = false
	r.mu.Unlock()
}

// work sends random requests until stop closes.
func (r *run) work(ctx context.Context, stop <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	for {
		select {
		case <-stop:
			return
		default:
		}
		req := r.nextOp()
		if req == nil {
			r.read(ctx)
			continue
		}
		a := r.client.send(ctx, req)
		if a.status == 503 {
			r.unavailable.Add(1)
		}
		if known(a) {
			r.apply(req, a)
			continue
		}
		r.mu.Lock()
		r.pending = append(r.pending, req)
		r.mu.Unlock()
		if a.status == 0 || a.status == 503 {
			time.Sleep(50 * time.Millisecond) // the server is down: do not spin
		}
	}
}

func (r *run) read(ctx context.Context) {
	switch r.intn(3) {
	case 0:
		r.client.get(ctx, "/api/v1/balances?org="+branches[r.intn(len(branches))]+"&fund=FY-UP", officers[0])
	case 1:
		r.client.get(ctx, "/api/v1/vouchers?status=checked&limit=20", auditor)
	default:
		r.client.get(ctx, "/api/v1/me", checkers[0])
	}
}

// burst runs the workers for cfg.Burst with fault f in its middle, then
// recovers: restarts what was killed and settles every unanswered write.
func (r *run) burst(ctx context.Context, f Fault) error {
	r.report.Bursts++
	r.logf("burst %d: %s", r.report.Bursts, f)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < r.cfg.Workers; i++ {
		wg.Add(1)
		go r.work(ctx, stop, &wg)
	}
	time.Sleep(r.cfg.Burst / 3)
	var err error
	switch f {
	case FaultKillServe:
		err = r.killServe(ctx)
	case FaultKillDB:
		err = r.killDB(ctx, false)
	case FaultKillBoth:
		err = r.killDB(ctx, true)
	}
	time.Sleep(r.cfg.Burst * 2 / 3)
	close(stop)
	wg.Wait()
	if err != nil {
		return err
	}
	return r.recover(ctx)
}

func (r *run) killServe(ctx context.Context) error {
	r.serve.kill()
	r.report.ServeKills++
	time.Sleep(300 * time.Millisecond)
	var err error
	if r.serve, err = startServe(ctx, &r.cfg, r.logF); err != nil {
		return err
	}
	r.client.setBase(r.serve.base)
	return nil
}

// killDB shuts PostgreSQL down immediately under load, checks that the
// server answers 503 and /readyz 503 while it is down, restarts it and
// waits for the server to be ready again; with serveToo the serve process
// is killed while PostgreSQL is down and started once it is back.
func (r *run) killDB(ctx context.Context, serveToo bool) error {
	if err := r.cl.kill(); err != nil {
		return err
	}
	r.report.DBKills++
	time.Sleep(time.Second)
	a := r.client.get(ctx, "/readyz", "")
	if a.status != 503 {
		r.violation("/readyz answered %d while PostgreSQL was down", a.status)
	}
	a = r.client.get(ctx, "/api/v1/vouchers?limit=1", auditor)
	if a.status != 503 {
		r.violation("a read answered %d (%s) while PostgreSQL was down, want 503", a.status, a.code)
	}
	if serveToo {
		r.serve.kill()
		r.report.ServeKills++
	}
	time.Sleep(time.Second)
	if err := r.cl.restart(ctx); err != nil {
		return fmt.Errorf("restarting PostgreSQL: %w", err)
	}
	if serveToo {
		var err error
		if r.serve, err = startServe(ctx, &r.cfg, r.logF); err != nil {
			return err
		}
		r.client.setBase(r.serve.base)
		return nil
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if a := r.client.get(ctx, "/readyz", ""); a.status == 200 {
			return nil
		}
		if time.Now().After(deadline) {
			r.violation("serve did not answer /readyz 200 within 30 s of PostgreSQL's restart")
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// recover settles every write whose answer was lost, sending each again
// with its key until the server answers it (a claim of a killed process is
// taken over after twice the request deadline).
func (r *run) recover(ctx context.Context) error {
	r.mu.Lock()
	reqs := r.pending
	r.pending = nil
	r.mu.Unlock()
	if len(reqs) == 0 {
		return nil
	}
	r.logf("settling %d writes whose answers were lost", len(reqs))
	limit := time.Now().Add(4*r.cfg.WriteTimeout + 60*time.Second)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for _, req := range reqs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			for {
				r.retried.Add(1)
				a := r.client.send(ctx, req)
				if known(a) {
					r.apply(req, a)
					return
				}
				if time.Now().After(limit) {
					r.violation("write %s %s unsettled: last answer %d %s", req.path, req.key, a.status, a.code)
					return
				}
				time.Sleep(500 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	return nil
}

// lastKill posts for a moment, kills serve with SIGKILL while it does,
// starts a new one and settles the lost answers.
func (r *run) lastKill(ctx context.Context) error {
	r.logf("last kill")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < r.cfg.Workers; i++ {
		wg.Add(1)
		go r.work(ctx, stop, &wg)
	}
	time.Sleep(2 * time.Second)
	r.serve.kill()
	r.report.ServeKills++
	close(stop)
	wg.Wait()
	var err error
	if r.serve, err = startServe(ctx, &r.cfg, r.logF); err != nil {
		return err
	}
	r.client.setBase(r.serve.base)
	return r.recover(ctx)
}
