package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fenyang/partyfee/internal/exit"
	"github.com/fenyang/partyfee/ledger/httpapi"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/postgres/embedded"
)

// Workloads are the workloads of SPEC §9 in the order they run; each
// name is what --only accepts (online runs online-16 and online-64).
var Workloads = []string{"online-16", "online-64", "hot", "import", "verify", "reconcile", "workbook", "replica", "web", "web-audit"}

// Options are the settings of one `ledger bench` run.
type Options struct {
	Scale    int           // N: vouchers of the bulk workloads
	Only     string        // workload names separated by commas ("online" is both online rows), or "" for all
	Duration time.Duration // per side of each online and hot measurement; 0: DefaultDuration
	DataDir  string        // the private cluster's data directory; "": a temporary one
	Keep     bool          // keep a temporary data directory
	// ReuseBulk opens the bulk database left in DataDir by an earlier run
	// when it holds Scale vouchers, instead of writing and sealing it
	// again (for iterating on the web rows; the other bulk workloads
	// want a fresh one).
	ReuseBulk bool
	// Runs is how many times each workload runs (0 or 1: once); each row
	// then reports the median run and the spread, and keeps every run.
	Runs int
	// Clients are the concurrencies of the online rows (online-C for
	// each C); nil: 16 and 64, the rows the targets are for. One client
	// shows what a voucher costs without contention.
	Clients  []int
	Progress func(format string, args ...any)
	// Cluster configures the private cluster as the embedded one is
	// configured (postgres.*); its data directory is DataDir.
	Cluster embedded.Options
	// Pool is the application's pool as the command opens it (database.*).
	Pool postgres.Options
	// API is the HTTP API's configuration as `ledger serve` has it (serve.*).
	API httpapi.Options
	// Log receives the harness's warnings; nil discards them.
	Log *slog.Logger
	// NoSync runs the cluster with fsync off, for tests of the harness's
	// shape only: figures measured so mean nothing.
	NoSync bool
	// Child is the command line of a child process, which runs
	// RunChild with the flags it is given (default: this executable's
	// "bench"); ChildEnv is added to its environment.
	Child    []string
	ChildEnv []string
}

// onlineNames are the names of the online rows: online-C for each
// concurrency of --clients, online-16 and online-64 without it.
func (o *Options) onlineNames() []string {
	clients := o.Clients
	if len(clients) == 0 {
		clients = []int{16, 64}
	}
	names := make([]string, len(clients))
	for i, c := range clients {
		names[i] = fmt.Sprintf("online-%d", c)
	}
	return names
}

func (o *Options) selected(name string) bool {
	if o.Only == "" {
		return true
	}
	for _, only := range strings.Split(o.Only, ",") {
		if only == name || only == "online" && strings.HasPrefix(name, "online") {
			return true
		}
	}
	return false
}

func (o *Options) logf(format string, args ...any) {
	if o.Progress != nil {
		o.Progress(format, args...)
	}
}

// Result is one row of the report. Rates (…/s) are better higher and
// pass when ratio = ours/baseline ≥ the target; times and sizes are better
// lower and pass when ratio ≤ the target (or ours ≤ baseline + the
// allowance for peak memory). Rows without a target (pass null) are
// figures timed on their own.
type Result struct {
	Name     string             `json:"name"`
	Unit     string             `json:"unit"`
	Ours     float64            `json:"ours"`
	Baseline float64            `json:"baseline"`
	Ratio    float64            `json:"ratio"`
	Target   string             `json:"target"`
	Pass     *bool              `json:"pass"`
	Note     string             `json:"note,omitempty"`
	Detail   map[string]float64 `json:"detail,omitempty"`
	// Runs are the rows of every run when the workload ran more than
	// once; the row itself is then the median run's (see foldRuns).
	Runs []Result `json:"runs,omitempty"`
}

// target is how a row is judged.
type target struct {
	kind  string  // "min": ratio ≥ value; "max": ratio ≤ value; "plus": ours ≤ baseline + value; "at most": ours ≤ value; "": none
	value float64 // the ratio, or the allowance in the row's unit
}

func (t target) String() string {
	switch t.kind {
	case "min":
		return fmt.Sprintf("≥ %.2f×", t.value)
	case "max":
		return fmt.Sprintf("≤ %.2f×", t.value)
	case "plus":
		return fmt.Sprintf("≤ baseline + %g", t.value)
	case "at most":
		return fmt.Sprintf("≤ %g", t.value)
	}
	return ""
}

// newResult fills ratio, target and pass.
func newResult(name, unit string, ours, baseline float64, t target) Result {
	r := Result{Name: name, Unit: unit, Ours: round4(ours), Baseline: round4(baseline), Target: t.String()}
	if baseline > 0 {
		r.Ratio = round4(ours / baseline)
	}
	var pass bool
	switch t.kind {
	case "min":
		pass = baseline > 0 && ours/baseline >= t.value
	case "max":
		pass = baseline > 0 && ours > 0 && ours/baseline <= t.value
	case "plus":
		pass = baseline > 0 && ours > 0 && ours <= baseline+t.value
	case "at most":
		pass = ours > 0 && ours <= t.value
	default:
		return r
	}
	r.Pass = &pass
	return r
}

func round4(x float64) float64 {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	p := math.Pow(10, 4-math.Ceil(math.Log10(math.Abs(x))))
	if p < 1 {
		return math.Round(x)
	}
	return math.Round(x*p) / p
}

// Report is the --json output.
type Report struct {
	Scale     int      `json:"scale"`
	Runs      int      `json:"runs"`
	Machine   Machine  `json:"machine"`
	Workloads []Result `json:"workloads"`
	Seconds   float64  `json:"seconds"`
}

// Help describes the workloads for `ledger bench --help`.
const Help = `bench runs each workload of SPEC §9 and its baseline in the same run, on a private PostgreSQL
cluster of its own (in --data-dir, by default a fresh temporary directory removed afterwards), and
prints our figure, the baseline's, their ratio, the target and whether it is met:

  online-16, online-64  16 and 64 clients over HTTP on loopback making, checking and posting spend
                        vouchers for random branches, against bare pgx doing the same three
                        transactions (voucher number, check, post with the same balance locks),
                        on a database holding 10,000 posted vouchers (both sides, analysed):
                        vouchers/s ≥ 0.50× and p99 per request ≤ 2×; per voucher, PostgreSQL CPU
                        (-pg-cpu, its backends, from /proc) ≤ 2.5 ms and WAL (-wal) ≤ 4096 bytes;
                        the server's Go CPU per request (-go-cpu, clients in a child) ≤ 0.5 ms
  hot                   64 clients posting spends of one branch over HTTP, against the bare
                        transaction on one hot row: ≥ 0.50×, nothing lost or overspent
  import                ledger import --approved of N vouchers against COPY of the same rows: ≥ 0.50×
  verify                verify over N sealed vouchers against one ordered read plus SHA-256: ≥ 0.50×
  reconcile             the monthly batch's checks over N vouchers against the same checks in bare
                        SQL plus a bare chain check: ≤ 1.5× (audit rules timed on their own, each
                        step's seconds in the detail); and
                        reconcile-workbook, the batch's workbook against a bare StreamWriter of its
                        cells, each in a child process: time ≤ 1.5×, peak RSS ≤ baseline + 100 MiB
  workbook              the audit workbook's T3 with N rows against a bare excelize StreamWriter of the
                        same cells, each in a child process: time ≤ 1.5×, peak RSS ≤ baseline + 50 MiB;
                        and audit-workbook, the whole workbook (report audit) against a bare
                        StreamWriter of the same cells of every sheet: time ≤ 1.5×, RSS ≤ + 100 MiB
  replica               online posting (16 clients) while the audit workbook of the N vouchers is
                        written over and over from the primary, then from a streaming replica made
                        for the run, against posting alone: the drop in each case (no target)
  web, web-audit        the web workbench over the N vouchers (served in-process, signed in): a fixed
                        set of page requests (BENCHMARKS.md), each kind 50 times, timed to the last
                        byte: p95 per kind and over all ≤ 100 ms (web: 凭证查询, 明细账, 科目余额表,
                        组织余额) and ≤ 300 ms (web-audit: 审计总览, the search for people, findings,
                        the overview's drill-downs); no baseline

--clients C[,C…] runs the online rows at these concurrencies instead of 16 and 64 (online-C; the
targets are for 16 and 64): at 1, the CPU and WAL of a voucher without contention.

--runs R repeats each workload R times: each row is then the median run, with the spread of the
ratios in its note and every run kept in the JSON ("runs"). The online rows' details give the
PostgreSQL CPU per voucher (its backends' and the whole cluster's, from /proc), the WAL per voucher
and the Go CPU per request of the server apart from the HTTP clients' (run in a child process).

--scale sets N (default 10000). Online and hot run for --duration per side (default: from the scale,
1 s to 20 s), in two alternating halves. --cpuprofile writes a pprof CPU profile of the whole run (the
in-process HTTP server included). Exit status 4 when a target is missed.`

// ScaleMin is the smallest N: the bulk data needs its receipt, the
// allocations to the branches and spendings of every branch.
const ScaleMin = 50

// runsMax bounds --runs.
const runsMax = 99

// DefaultDuration is a second per thousand vouchers of scale, between
// 1 s and 20 s.
func DefaultDuration(scale int) time.Duration {
	d := time.Duration(scale) * time.Millisecond
	return min(max(d, time.Second), 20*time.Second)
}

// Print writes the report as a table, with each row's details below it.
func Print(w io.Writer, rep Report) {
	m := rep.Machine
	fmt.Fprintf(w, "ledger bench --scale %d --runs %d: %d CPUs, %.1f GiB memory, PostgreSQL %s, %.0f s\n\n",
		rep.Scale, max(rep.Runs, 1), m.CPUs, m.MemoryGiB, m.PostgreSQL, rep.Seconds)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "WORKLOAD\tUNIT\tOURS\tBASELINE\tRATIO\tTARGET\tRESULT")
	for _, r := range rep.Workloads {
		result := "-"
		if r.Pass != nil {
			result = "pass"
			if !*r.Pass {
				result = "FAIL"
			}
		}
		if r.Note != "" {
			result += " (" + r.Note + ")"
		}
		ratio, base := "-", "-"
		if r.Baseline > 0 {
			ratio = fmt.Sprintf("%.2f", r.Ratio)
			base = fmt.Sprintf("%.4g", r.Baseline)
		}
		ours := "-"
		if r.Ours > 0 {
			ours = fmt.Sprintf("%.4g", r.Ours)
		}
		target := r.Target
		if target == "" {
			target = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, r.Unit, ours, base, ratio, target, result)
	}
	tw.Flush()
	for _, r := range rep.Workloads {
		if len(r.Detail) == 0 {
			continue
		}
		keys := make([]string, 0, len(r.Detail))
		for k := range r.Detail {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s=%.4g", k, r.Detail[k])
		}
		fmt.Fprintf(w, "  %s: %s\n", r.Name, strings.Join(parts, " "))
	}
}

// Run checks the options, prepares the private cluster and runs the
// selected workloads.
func Run(ctx context.Context, opt Options) (Report, error) {
	if opt.Scale < ScaleMin {
		return Report{}, exit.Usagef("--scale must be at least %d", ScaleMin)
	}
	if opt.Only != "" {
		// The online rows are named after the concurrencies in effect:
		// with --clients 1, online-1 (and no online-16).
		names := append(opt.onlineNames(), slices.DeleteFunc(slices.Clone(Workloads), func(w string) bool { return strings.HasPrefix(w, "online-") })...)
		for _, only := range strings.Split(opt.Only, ",") {
			if only != "online" && !slices.Contains(names, only) {
				return Report{}, exit.Usagef("--only: unknown workload %q (online, %s)", only, strings.Join(names, ", "))
			}
		}
	}
	if opt.Duration <= 0 {
		opt.Duration = DefaultDuration(opt.Scale)
	}
	if opt.Runs < 0 || opt.Runs > runsMax {
		return Report{}, exit.Usagef("--runs must be between 1 and %d", runsMax)
	}
	start := time.Now()
	results, machine, err := run(ctx, opt)
	return Report{Scale: opt.Scale, Runs: max(opt.Runs, 1), Machine: machine, Workloads: results, Seconds: round4(time.Since(start).Seconds())}, err
}

// Failed reports whether a row missed its target.
func (r *Report) Failed() bool {
	for _, w := range r.Workloads {
		if w.Pass != nil && !*w.Pass {
			return true
		}
	}
	return false
}

func run(ctx context.Context, opt Options) ([]Result, Machine, error) {
	env, err := startEnv(ctx, &opt)
	if err != nil {
		return nil, Machine{}, err
	}
	defer env.close(context.WithoutCancel(ctx))
	var out []Result
	add := func(rs []Result, err error) error {
		out = append(out, rs...)
		return err
	}
	var on *benchOnline
	if slices.ContainsFunc(opt.onlineNames(), opt.selected) || opt.selected("hot") || opt.selected("replica") {
		if on, err = env.onlineDB(ctx); err != nil {
			return nil, env.machine, err
		}
		clientCounts := opt.Clients
		if len(clientCounts) == 0 {
			clientCounts = []int{16, 64}
		}
		for _, clients := range clientCounts {
			name := fmt.Sprintf("online-%d", clients)
			if opt.selected(name) {
				if err := add(opt.repeat(name, func() ([]Result, error) { return on.online(ctx, name, clients) })); err != nil {
					return out, env.machine, fmt.Errorf("%s: %w", name, err)
				}
			}
		}
		if opt.selected("hot") {
			if err := add(opt.repeat("hot", func() ([]Result, error) { return on.hot(ctx, 64) })); err != nil {
				return out, env.machine, fmt.Errorf("hot: %w", err)
			}
		}
	}
	if opt.selected("import") {
		if err := add(opt.repeat("import", func() ([]Result, error) { return env.importWorkload(ctx) })); err != nil {
			return out, env.machine, fmt.Errorf("import: %w", err)
		}
	}
	if opt.selected("verify") || opt.selected("reconcile") || opt.selected("workbook") || opt.selected("replica") || opt.selected("web") || opt.selected("web-audit") {
		bulk, err := env.bulkDB(ctx)
		if err != nil {
			return out, env.machine, err
		}
		if opt.selected("verify") {
			if err := add(opt.repeat("verify", func() ([]Result, error) { return bulk.verify(ctx) })); err != nil {
				return out, env.machine, fmt.Errorf("verify: %w", err)
			}
		}
		if opt.selected("reconcile") {
			if err := add(opt.repeat("reconcile", func() ([]Result, error) { return bulk.reconcile(ctx) })); err != nil {
				return out, env.machine, fmt.Errorf("reconcile: %w", err)
			}
		}
		if opt.selected("workbook") {
			if err := add(opt.repeat("workbook", func() ([]Result, error) { return bulk.workbook(ctx) })); err != nil {
				return out, env.machine, fmt.Errorf("workbook: %w", err)
			}
		}
		if opt.selected("replica") {
			if err := add(env.replica(ctx, on, bulk)); err != nil {
				return out, env.machine, fmt.Errorf("replica: %w", err)
			}
		}
		for _, w := range []struct {
			name string
			run  func(context.Context) ([]Result, error)
		}{{"web", bulk.webWorkload}, {"web-audit", bulk.webAuditWorkload}} {
			if opt.selected(w.name) {
				if err := add(opt.repeat(w.name, func() ([]Result, error) { return w.run(ctx) })); err != nil {
					return out, env.machine, fmt.Errorf("%s: %w", w.name, err)
				}
			}
		}
	}
	return out, env.machine, nil
}
