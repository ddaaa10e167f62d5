package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger/httpapi"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/postgres/embedded"
	"github.com/fenyang/partyfee/ledger/postgres/pgtest"
)

// childEnv makes the test binary act as the child of the workbook
// workload (RunChild) instead of running the tests.
const childEnv = "LEDGER_BENCH_TEST_CHILD=1"

func TestMain(m *testing.M) {
	if os.Getenv("LEDGER_BENCH_TEST_CHILD") == "1" {
		var args ChildArgs
		for i := 1; i+1 < len(os.Args); i += 2 {
			switch os.Args[i] {
			case "--child":
				args.Kind = os.Args[i+1]
			case "--child-url":
				args.URL = os.Args[i+1]
			case "--child-out":
				args.Out = os.Args[i+1]
			case "--child-spec":
				args.Spec = os.Args[i+1]
			}
		}
		if err := RunChild(context.Background(), args, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	pgtest.Main(m)
}

// testOptions are a run's options with configs/ledger.yaml's values (no
// bank layouts: no workload uploads a statement), the
// cluster's fsync off (the shape of the report is under test, not its
// figures) and this test binary as the child process.
func testOptions(t *testing.T, scale int) Options {
	t.Helper()
	return Options{
		Scale:   scale,
		DataDir: dataDir(t),
		Cluster: embedded.Options{Settings: map[string]string{"max_connections": "200", "shared_buffers": "'128MB'"}},
		Pool:    postgres.Options{MaxConns: 16, StatementTimeout: 60 * time.Second, ConnectTimeout: 10 * time.Second},
		API: httpapi.Options{BodyLimitBytes: 1 << 20, RequestTimeout: 60 * time.Second, TokenTTL: 720 * time.Hour, LoginAttemptsMax: 5, LoginAddressAttemptsMax: 50,
			LoginWindow: 15 * time.Minute, ReconcileWindowDays: 10},
		Progress: func(format string, args ...any) { t.Logf(format, args...) },
		NoSync:   true,
		Child:    []string{os.Args[0]},
		ChildEnv: []string{childEnv},
	}
}

// dataDir makes a data directory under the system temporary directory that
// the postgres user can enter when the tests run as root.
func dataDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "ledger-benchtest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// runJSON runs the harness and returns its report as `ledger bench --json`
// prints it.
func runJSON(t *testing.T, opt Options) (Report, string) {
	t.Helper()
	rep, err := Run(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rep); err != nil {
		t.Fatal(err)
	}
	return rep, b.String()
}

// TestBenchJSON runs a small `ledger bench --json` in-process on a cluster
// with fsync off (the shape of the report is under test, not its figures)
// and checks that every workload ran with both sides measured.
func TestBenchJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a cluster of its own")
	}
	opt := testOptions(t, 200)
	opt.Duration = 200 * time.Millisecond
	report, out := runJSON(t, opt)
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
		case w.Name == "import" && w.Note != "":
			t.Errorf("import: %s", w.Note) // the loads did not verify
		case strings.HasPrefix(w.Name, "replica"):
			if *w.Ours <= 0 || *w.Baseline <= 0 || w.Pass != nil {
				t.Errorf("%s: want posting rates with and without the workbook, without a target: %+v", w.Name, w)
			}
		case strings.HasPrefix(w.Name, "web"):
			if *w.Ours <= 0 || *w.Baseline != 0 || w.Pass == nil || *w.Target == "" {
				t.Errorf("%s: want a p95 against an absolute target, without a baseline: %+v (ours %v)", w.Name, w, *w.Ours)
			}
		case w.Name == "reconcile-audit-rules":
			if *w.Ours <= 0 || w.Pass != nil {
				t.Errorf("%s: want a figure of ours without a target, got ours %v pass %v", w.Name, *w.Ours, w.Pass)
			}
		default:
			if *w.Ours <= 0 || *w.Baseline <= 0 || *w.Ratio <= 0 || w.Pass == nil || *w.Target == "" {
				t.Errorf("%s did not run on both sides: %+v (ours %v, baseline %v)", w.Name, w, *w.Ours, *w.Baseline)
			}
		}
	}
	for _, name := range append(slices.Clone(Workloads), "online-16-p99", "online-64-p99", "workbook-rss", "reconcile-audit-rules", "reconcile-workbook",
		"reconcile-workbook-rss", "audit-workbook", "audit-workbook-rss", "replica-primary",
		"online-16-pg-cpu", "online-16-wal", "online-16-go-cpu", "online-64-pg-cpu", "online-64-wal", "online-64-go-cpu",
		"web-vouchers-payee", "web-vouchers-org", "web-ledger", "web-balances", "web-orgs", "web-audit-overview", "web-audit-search-name",
		"web-audit-search-id", "web-audit-findings", "web-audit-drill-spent", "web-audit-drill-unspent") {
		if !seen[name] {
			t.Errorf("workload %s missing from %s", name, out)
		}
	}
	if failed != report.Failed() {
		t.Errorf("Failed() = %v, but a target failed: %v", report.Failed(), failed)
	}
}

// TestBenchImport runs the import row alone at a small scale (fsync off:
// the figures mean nothing, the shape and the checks are under test): both
// sides load the generated file, twice, and the row carries what they did.
func TestBenchImport(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a cluster of its own")
	}
	const n = 300
	opt := testOptions(t, n)
	opt.Only = "import"
	report, out := runJSON(t, opt)
	dir := opt.DataDir
	var rep struct {
		Workloads []Result `json:"workloads"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(rep.Workloads) != 1 || rep.Workloads[0].Name != "import" {
		t.Fatalf("want the import row alone, got %s", out)
	}
	r := rep.Workloads[0]
	if r.Unit != "vouchers/s" || r.Ours <= 0 || r.Baseline <= 0 || r.Target != "≥ 0.50×" || r.Pass == nil {
		t.Fatalf("the row is not measured on both sides: %+v", r)
	}
	if want := r.Ours / r.Baseline; math.Abs(r.Ratio-want) > 0.01*want {
		t.Errorf("ratio %v, want ours/baseline = %v", r.Ratio, want)
	}
	if *r.Pass != (r.Ratio >= 0.5) || *r.Pass == report.Failed() {
		t.Errorf("pass %v with ratio %v and Failed() %v", *r.Pass, r.Ratio, report.Failed())
	}
	if strings.Contains(r.Note, "verification failed") {
		t.Fatalf("the loads did not verify: %s", r.Note)
	}
	d := r.Detail
	for k, want := range map[string]float64{"vouchers": n, "lines": 2 * n, "rounds": 2} {
		if d[k] != want {
			t.Errorf("detail %s = %v, want %v", k, d[k], want)
		}
	}
	for _, k := range []string{"seconds", "baseline_seconds", "wal_bytes", "baseline_wal_bytes", "wal_bytes_per_unit",
		"baseline_wal_bytes_per_unit", "database_mib", "baseline_database_mib"} {
		if d[k] <= 0 {
			t.Errorf("detail %s = %v, want > 0", k, d[k])
		}
	}
	// The rate is the vouchers over the seconds of each side.
	if got := n / d["seconds"]; math.Abs(got-r.Ours) > 0.01*r.Ours {
		t.Errorf("ours %v vouchers/s, but %d vouchers took %v s", r.Ours, n, d["seconds"])
	}
	// The generated file stays in the data directory given.
	fi, err := os.Stat(filepath.Join(dir, "import-approved-"+strconv.Itoa(n)+".csv"))
	if err != nil || float64(fi.Size()) != d["file_bytes"] {
		t.Errorf("the generated file: %v, size %v, detail file_bytes %v", err, fi, d["file_bytes"])
	}
}

// TestBenchImportChecksTheLedger: the checks after a load pass on the
// baseline's ledger and catch a balance, a number, a line and a summary
// changed behind its back.
func TestBenchImportChecksTheLedger(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a cluster of its own")
	}
	ctx := context.Background()
	opt := testOptions(t, 100)
	e, err := startEnv(ctx, &opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.close(ctx) })
	d, err := e.importDatabase(ctx, "bench_import_check")
	if err != nil {
		t.Fatal(err)
	}
	super, err := postgres.Open(ctx, d.superURL, postgres.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer super.Close()
	if _, err := CopyBaseline(ctx, super, benchBook, opt.Scale, benchImportSeed); err != nil {
		t.Fatal(err)
	}
	clean, err := d.importState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p := clean.problems("baseline", opt.Scale); len(p) > 0 {
		t.Fatalf("a clean load has problems: %v", p)
	}
	if p := clean.problems("baseline", opt.Scale+1); len(p) != 1 || !strings.Contains(p[0], "100 posted vouchers, 200 lines") {
		t.Errorf("one voucher short: %v", p)
	}
	for _, c := range []struct {
		name, change, undo, want string
	}{
		{"a balance",
			`UPDATE balances SET balance_fen = balance_fen + 1 WHERE (account, org, fund) = (SELECT account, org, fund FROM balances WHERE restricted ORDER BY 1, 2, 3 LIMIT 1)`,
			`UPDATE balances SET balance_fen = balance_fen - 1 WHERE (account, org, fund) = (SELECT account, org, fund FROM balances WHERE restricted ORDER BY 1, 2, 3 LIMIT 1)`,
			"baseline: 1 stored balances differ from the journal; baseline: the trial balance is off by 1 fen"},
		{"a number",
			`UPDATE vouchers SET number = number + 1000 WHERE id = (SELECT min(id) FROM vouchers WHERE number = 2)`,
			`UPDATE vouchers SET number = number - 1000 WHERE id = (SELECT min(id) FROM vouchers WHERE number = 1002)`,
			"baseline: the numbers of 1 months are not gapless or not their counter's"},
		{"a line",
			`UPDATE voucher_lines SET debit_fen = debit_fen + 5 WHERE voucher_id = (SELECT max(voucher_id) FROM voucher_lines) AND line_no = 1`,
			`UPDATE voucher_lines SET debit_fen = debit_fen - 5 WHERE voucher_id = (SELECT max(voucher_id) FROM voucher_lines) AND line_no = 1`,
			"baseline: 1 stored balances differ from the journal"},
		{"a summary",
			`UPDATE vouchers SET summary = summary || '!' WHERE id = (SELECT max(id) FROM vouchers)`,
			`UPDATE vouchers SET summary = rtrim(summary, '!') WHERE id = (SELECT max(id) FROM vouchers)`,
			""}, // only the checksum shows it (the import and the baseline then differ)
	} {
		if err := d.super(ctx, `SET session_replication_role = replica`, c.change); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		st, err := d.importState(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if p := strings.Join(st.problems("baseline", opt.Scale), "; "); p != c.want {
			t.Errorf("%s changed: problems %q, want %q", c.name, p, c.want)
		}
		if st.content == clean.content {
			t.Errorf("%s changed, but the ledger's checksum did not", c.name)
		}
		if err := d.super(ctx, `SET session_replication_role = replica`, c.undo); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if st, err = d.importState(ctx); err != nil {
			t.Fatal(err)
		}
		if st.diskMiB = clean.diskMiB; st != clean {
			t.Errorf("%s changed back: %+v, want %+v", c.name, st, clean)
		}
	}
}

// TestOnlySelects holds --only: names separated by commas, "online" for
// both online rows, every workload without it.
func TestOnlySelects(t *testing.T) {
	for _, c := range []struct {
		only, name string
		want       bool
	}{
		{"", "web", true}, {"web", "web", true}, {"web", "web-audit", false}, {"web,web-audit", "web-audit", true},
		{"online", "online-64", true}, {"hot,online", "online-16", true}, {"web,web-audit", "verify", false},
	} {
		o := Options{Only: c.only}
		if got := o.selected(c.name); got != c.want {
			t.Errorf("--only %q selects %s: %v, want %v", c.only, c.name, got, c.want)
		}
	}
	for _, only := range []string{"web,nope", "web,", "verify,workbooks", "online-1"} {
		if _, err := Run(context.Background(), Options{Scale: ScaleMin, Only: only}); err == nil || !strings.Contains(err.Error(), "unknown workload") {
			t.Errorf("--only %q: %v, want an unknown workload", only, err)
		}
	}
	// With --clients the online rows are online-C: online-16 is then no row.
	_, err := Run(context.Background(), Options{Scale: ScaleMin, Only: "online-16", Clients: []int{1}})
	if err == nil || !strings.Contains(err.Error(), `unknown workload "online-16" (online, online-1, hot,`) {
		t.Errorf("--only online-16 --clients 1: %v, want an unknown workload naming online-1", err)
	}
	o := Options{Only: "online-1", Clients: []int{1, 4}}
	if !o.selected("online-1") || o.selected("online-4") {
		t.Error("--only online-1 --clients 1,4 selects online-1 alone")
	}
}

// TestClientsSetsTheOnlineRows holds --clients: the online rows run at the
// concurrencies given, named after them, instead of 16 and 64.
func TestClientsSetsTheOnlineRows(t *testing.T) {
	opt := testOptions(t, 200)
	opt.Duration = 200 * time.Millisecond
	opt.Only, opt.Clients = "online", []int{1}
	rep, out := runJSON(t, opt)
	var names []string
	for _, w := range rep.Workloads {
		names = append(names, w.Name)
	}
	want := []string{"online-1", "online-1-p99", "online-1-pg-cpu", "online-1-wal", "online-1-go-cpu"}
	if !slices.Equal(names, want) {
		t.Fatalf("rows %v, want %v\n%s", names, want, out)
	}
}
