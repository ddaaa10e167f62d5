package bench

import (
	"strings"
	"testing"
	"time"
)

// TestFoldRuns: the folded row is the median run's, the worse middle one
// for an even count, with the spread and every run kept.
func TestFoldRuns(t *testing.T) {
	rate := func(ours, base float64) Result {
		r := newResult("online-16", "vouchers/s", ours, base, target{"min", 0.5})
		r.Detail = map[string]float64{"p99_ms": ours}
		return r
	}
	mem := func(ours, base float64) Result {
		return newResult("workbook-rss", "MiB", ours, base, target{"plus", 50})
	}
	alone := func(ours float64) Result { return newResult("reconcile-workbook", "s", ours, 0, target{}) }
	cost := func(ours, base float64) Result {
		return newResult("online-16-pg-cpu", "ms/voucher", ours, base, target{"at most", 2.5})
	}
	for _, c := range []struct {
		name     string
		runs     [][]Result
		wantOurs []float64 // per row, the median run's ours
		wantPass []bool
		key      string
		lo, hi   float64
	}{
		{"three rates", [][]Result{{rate(40, 100)}, {rate(60, 100)}, {rate(55, 100)}}, []float64{55}, []bool{true}, "ratio", 0.4, 0.6},
		{"two rates: the worse", [][]Result{{rate(60, 100)}, {rate(45, 100)}}, []float64{45}, []bool{false}, "ratio", 0.45, 0.6},
		{"memory by difference", [][]Result{{mem(100, 90)}, {mem(200, 100)}, {mem(130, 100)}}, []float64{130}, []bool{true}, "difference", 10, 100},
		{"no baseline", [][]Result{{alone(3)}, {alone(1)}, {alone(2)}}, []float64{2}, nil, "ours", 1, 3},
		{"absolute target", [][]Result{{cost(3, 1)}, {cost(2, 9)}, {cost(2.4, 1)}}, []float64{2.4}, []bool{true}, "ours", 2, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := foldRuns(c.runs)
			if len(got) != len(c.wantOurs) {
				t.Fatalf("%d rows, want %d", len(got), len(c.wantOurs))
			}
			for i, r := range got {
				if r.Ours != c.wantOurs[i] {
					t.Errorf("ours %v, want the median run's %v", r.Ours, c.wantOurs[i])
				}
				if c.wantPass == nil && r.Pass != nil || c.wantPass != nil && (r.Pass == nil || *r.Pass != c.wantPass[i]) {
					t.Errorf("pass %v, want %v", r.Pass, c.wantPass)
				}
				if len(r.Runs) != len(c.runs) || r.Detail["runs"] != float64(len(c.runs)) {
					t.Errorf("runs kept %d (detail %v), want %d", len(r.Runs), r.Detail["runs"], len(c.runs))
				}
				if r.Detail[c.key+"_min"] != c.lo || r.Detail[c.key+"_max"] != c.hi {
					t.Errorf("spread %v–%v, want %v–%v (%v)", r.Detail[c.key+"_min"], r.Detail[c.key+"_max"], c.lo, c.hi, r.Detail)
				}
				if !strings.HasPrefix(r.Note, "median of") {
					t.Errorf("note %q", r.Note)
				}
			}
			// The runs' own rows are untouched by the fold.
			for i, r := range got[0].Runs {
				if r.Ours != c.runs[i][0].Ours || r.Runs != nil || r.Note != "" {
					t.Errorf("run %d changed: %+v", i, r)
				}
			}
		})
	}
	one := []Result{rate(50, 100)}
	if got := foldRuns([][]Result{one}); len(got) != 1 || got[0].Runs != nil || got[0].Note != "" {
		t.Errorf("one run is returned as it is: %+v", got)
	}
}

// TestBenchOnlineRuns runs the online rows twice at a small scale (fsync
// off: the figures mean nothing, their presence and consistency are under
// test): each row is the median of its runs, keeps both, and carries the
// CPU figures of PostgreSQL's processes, the server and the clients.
func TestBenchOnlineRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a cluster of its own")
	}
	opt := testOptions(t, 100)
	opt.Only, opt.Runs, opt.Duration = "online", 2, 400*time.Millisecond
	rep, _ := runJSON(t, opt)
	if rep.Runs != 2 || len(rep.Workloads) != 10 {
		t.Fatalf("runs %d, rows %d: %+v", rep.Runs, len(rep.Workloads), rep.Workloads)
	}
	for _, r := range rep.Workloads {
		if len(r.Runs) != 2 {
			t.Errorf("%s keeps %d runs, want 2", r.Name, len(r.Runs))
			continue
		}
		if r.Ours <= 0 || r.Baseline <= 0 || r.Pass == nil {
			t.Errorf("%s: not measured on both sides: %+v", r.Name, r)
		}
		if strings.HasSuffix(r.Name, "-pg-cpu") || strings.HasSuffix(r.Name, "-wal") || strings.HasSuffix(r.Name, "-go-cpu") {
			// absolute targets: the median run's figure, spread by ours
			if lo, hi := r.Detail["ours_min"], r.Detail["ours_max"]; r.Ours < lo || r.Ours > hi || lo <= 0 {
				t.Errorf("%s: %v outside its runs' %v–%v", r.Name, r.Ours, lo, hi)
			}
			continue
		}
		lo, hi := r.Detail["ratio_min"], r.Detail["ratio_max"]
		if r.Ratio < lo || r.Ratio > hi || lo <= 0 {
			t.Errorf("%s: ratio %v outside its runs' %v–%v", r.Name, r.Ratio, lo, hi)
		}
		if strings.HasSuffix(r.Name, "-p99") {
			continue
		}
		for _, k := range []string{"pg_backend_cpu_ms_per_unit", "pg_cluster_cpu_ms_per_unit", "baseline_pg_backend_cpu_ms_per_unit",
			"wal_bytes_per_unit", "baseline_wal_bytes_per_unit", "server_go_cpu_ms_per_request", "client_go_cpu_ms_per_request", "baseline_go_cpu_ms_per_tx"} {
			if r.Detail[k] <= 0 {
				t.Errorf("%s: detail %s = %v, want > 0", r.Name, k, r.Detail[k])
			}
		}
		// The whole cluster includes the side's backends.
		if r.Detail["pg_cluster_cpu_ms_per_unit"] < r.Detail["pg_backend_cpu_ms_per_unit"] {
			t.Errorf("%s: cluster CPU %v below its backends' %v", r.Name, r.Detail["pg_cluster_cpu_ms_per_unit"], r.Detail["pg_backend_cpu_ms_per_unit"])
		}
		if r.Detail["errors"] != 0 {
			t.Errorf("%s: %v errors: %s", r.Name, r.Detail["errors"], r.Note)
		}
	}
}

// TestBenchHotRuns runs the hot row twice on one database: the second
// run's check of the money posted counts its own vouchers, not the first
// run's as well.
func TestBenchHotRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a cluster of its own")
	}
	opt := testOptions(t, 100)
	opt.Only, opt.Runs, opt.Duration = "hot", 2, 400*time.Millisecond
	rep, _ := runJSON(t, opt)
	if len(rep.Workloads) != 1 || len(rep.Workloads[0].Runs) != 2 {
		t.Fatalf("want the hot row with two runs: %+v", rep.Workloads)
	}
	for i, r := range rep.Workloads[0].Runs {
		if r.Detail["posts"] <= 0 || r.Detail["balance_after"] >= r.Detail["balance_before"] {
			t.Errorf("run %d posted %v, balance %v → %v", i+1, r.Detail["posts"], r.Detail["balance_before"], r.Detail["balance_after"])
		}
	}
}
