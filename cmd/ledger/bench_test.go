package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// TestBenchJSON runs a small `ledger bench --json` in-process on a cluster
// with fsync off (the shape of the report is under test, not its figures)
// and checks that every workload ran with both sides measured.
func TestBenchJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a cluster of its own")
	}
	benchNoSync = true
	benchChildEnv = []string{"LEDGER_TEST_RUN_MAIN=1"}
	t.Cleanup(func() { benchNoSync, benchChildEnv = false, nil })
	dir := dataDir(t)
	out, errOut, code := runLedger(t, nil, "bench", "--scale", "200", "--duration", "200ms", "--json", "--data-dir", dir)
	if code != exitOK && code != exitDiscrepancy {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	var rep struct {
		Scale     int `json:"scale"`
		Workloads []struct {
			Name     string   `json:"name"`
			Unit     string   `json:"unit"`
			Ours     *float64 `json:"ours"`
			Baseline *float64 `json:"baseline"`
			Ratio    *float64 `json:"ratio"`
			Target   *string  `json:"target"`
			Pass     *bool    `json:"pass"`
			Note     string   `json:"note"`
		} `json:"workloads"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("stderr:\n%s", errOut)
		}
	})
	if rep.Scale != 200 {
		t.Errorf("scale = %d", rep.Scale)
	}
	seen := map[string]bool{}
	failed := false
	for _, w := range rep.Workloads {
		seen[w.Name] = true
		if w.Ours == nil || w.Baseline == nil || w.Ratio == nil || w.Target == nil || w.Unit == "" {
			t.Errorf("%s: a field is missing: %+v", w.Name, w)
			continue
		}
		if w.Pass != nil && !*w.Pass {
			failed = true
		}
		switch {
		case w.Name == "import" && strings.HasPrefix(w.Note, "not built"):
			if w.Pass != nil {
				t.Errorf("import is not built but judged: %+v", w)
			}
		case strings.HasPrefix(w.Name, "reconcile-"):
			if *w.Ours <= 0 || w.Pass != nil {
				t.Errorf("%s: want a figure of ours without a target, got ours %v pass %v", w.Name, *w.Ours, w.Pass)
			}
		default:
			if *w.Ours <= 0 || *w.Baseline <= 0 || *w.Ratio <= 0 || w.Pass == nil || *w.Target == "" {
				t.Errorf("%s did not run on both sides: %+v (ours %v, baseline %v)", w.Name, w, *w.Ours, *w.Baseline)
			}
		}
	}
	for _, name := range append(slices.Clone(benchWorkloads), "online-16-p99", "online-64-p99", "workbook-rss", "reconcile-audit-rules", "reconcile-workbook") {
		if !seen[name] {
			t.Errorf("workload %s missing from %s", name, out)
		}
	}
	if failed != (code == exitDiscrepancy) {
		t.Errorf("exit %d, but a target failed: %v", code, failed)
	}
}
