package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/fenyang/partyfee/internal/exit"
	"github.com/fenyang/partyfee/internal/workbook"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/recon"
	"github.com/fenyang/partyfee/reports"
)

// The workbook workload runs each side in a child process, the ledger
// binary itself run as `ledger bench --child KIND`, so that the peak RSS
// of each side is its own (the child's VmHWM, which it reports itself).

// ChildArgs are the hidden flags of a child.
type ChildArgs struct {
	Kind string // workbook-t3, workbook-bare, workbook-full, workbook-bare-full, reconcile-workbook, reconcile-bare or online-clients
	URL  string // the bulk database
	Out  string // the .xlsx file to write
	// Spec is the JSON description of the work of an online-clients
	// child (its URL and Out are unused).
	Spec string
}

// benchChildResult is what a child reports on stdout (seconds, rows,
// bytes) and what the parent adds (peak RSS).
type benchChildResult struct {
	Seconds   float64 `json:"seconds"`
	Rows      int64   `json:"rows"`
	Bytes     int64   `json:"bytes"`
	MaxRSSMiB float64 `json:"max_rss_mib"`
}

// add sums times, rows and bytes and keeps the highest peak.
func (r *benchChildResult) add(o benchChildResult) {
	r.Seconds += o.Seconds
	r.Rows += o.Rows
	r.Bytes += o.Bytes
	r.MaxRSSMiB = max(r.MaxRSSMiB, o.MaxRSSMiB)
}

// child runs one side of the workbook workload in a child process; extra
// are more flags.
func (b *benchBulk) child(ctx context.Context, kind string, extra ...string) (benchChildResult, error) {
	argv, err := childArgv(b.env.opt)
	if err != nil {
		return benchChildResult{}, err
	}
	out := filepath.Join(b.env.opt.DataDir, "bench-"+kind+".xlsx")
	defer os.Remove(out)
	cmd := exec.CommandContext(ctx, argv[0], append(append(argv[1:], "--child", kind, "--child-url", b.appURL, "--child-out", out), extra...)...)
	cmd.Env = append(os.Environ(), b.env.opt.ChildEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return benchChildResult{}, fmt.Errorf("child %s: %v: %s", kind, err, strings.TrimSpace(stderr.String()))
	}
	var r benchChildResult
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		return r, fmt.Errorf("child %s: %v: %q", kind, err, stdout.String())
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && r.MaxRSSMiB == 0 {
		r.MaxRSSMiB = round4(float64(ru.Maxrss) / 1024) // KiB on Linux
	}
	return r, nil
}

// RunChild is the child's side: the online workload's HTTP clients
// (kind online-clients, told what to do by args.Spec), or read the period's AuditData and write
// the workbook (kind workbook-full), its T3 alone (workbook-t3) or T3's
// cells with the bare StreamWriter (workbook-bare) into args.Out, timed
// from the first query to the file closed; it reports on stdout.
func RunChild(ctx context.Context, args ChildArgs, stdout io.Writer) error {
	if args.Kind == childOnline {
		return runOnlineClients(ctx, args.Spec, stdout)
	}
	if args.URL == "" || args.Out == "" {
		return exit.Usagef("--child needs --child-url and --child-out")
	}
	// Both sides run as `ledger report` does (its garbage collector
	// setting included), so that neither is tuned differently.
	defer workbook.LowerGC()()
	start := time.Now()
	db, err := postgres.Open(ctx, args.URL, postgres.Options{MaxConns: 4})
	if err != nil {
		return err
	}
	defer db.Close()
	if args.Kind == childReconcile || args.Kind == childReconcileBare {
		return runReconcileChild(ctx, db, args, start, stdout)
	}
	period, _ := ledger.ParsePeriod(benchPeriod)
	d, done, err := db.AuditData(ctx, benchBook, period, "")
	if err != nil {
		return err
	}
	defer done()
	d.Preparer, d.GeneratedBy, d.GeneratedAt = "bench", ledger.SystemUser, time.Date(2020, 3, 1, 9, 0, 0, 0, time.UTC)
	var rows int64
	d.T3 = countRows(d.T3, &rows)
	f, err := os.Create(args.Out)
	if err != nil {
		return err
	}
	defer f.Close()
	switch args.Kind {
	case "workbook-t3":
		err = reports.WriteSheet(f, d, reports.SheetT3, reports.Options{})
	case "workbook-bare":
		err = reports.WriteBareT3(f, d.T3)
	case "workbook-full":
		_, err = reports.WriteAudit(f, d, reports.Options{})
	case "workbook-bare-full":
		err = reports.WriteBareAudit(f, d)
	default:
		return exit.Usagef("--child: unknown kind %q", args.Kind)
	}
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		return err
	}
	return reportChild(args.Out, start, rows, stdout)
}

// reportChild reports a child's time since start, its rows, the size of
// the file it wrote and its peak RSS.
func reportChild(out string, start time.Time, rows int64, stdout io.Writer) error {
	elapsed := time.Since(start)
	st, err := os.Stat(out)
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(benchChildResult{Seconds: round4(elapsed.Seconds()), Rows: rows, Bytes: st.Size(), MaxRSSMiB: peakRSSMiB()})
}

// The reconciliation workbook's children write the workbook of a batch
// result (the JSON file named by --child-spec, which the parent wrote
// after its run of the batch), as `ledger reconcile --out` does or with
// the bare StreamWriter.
const (
	childReconcile     = "reconcile-workbook"
	childReconcileBare = "reconcile-bare"
)

func runReconcileChild(ctx context.Context, db *postgres.DB, args ChildArgs, start time.Time, stdout io.Writer) error {
	data, err := os.ReadFile(args.Spec)
	if err != nil {
		return err
	}
	var res recon.ReconcileResult
	if err := json.Unmarshal(data, &res); err != nil {
		return fmt.Errorf("%s: %w", args.Spec, err)
	}
	b, err := db.LoadBooks(ctx, res.Book)
	if err != nil {
		return err
	}
	d := recon.ReconcileWorkbookData(&res, b, time.Date(2020, 3, 1, 9, 0, 0, 0, time.UTC), ledger.SystemUser, "bench", "bench")
	f, err := os.Create(args.Out)
	if err != nil {
		return err
	}
	defer f.Close()
	if args.Kind == childReconcile {
		err = reports.WriteReconcile(f, d)
	} else {
		err = reports.WriteBareReconcile(f, d)
	}
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		return err
	}
	return reportChild(args.Out, start, int64(len(d.Trial)+len(d.Findings)+len(d.Discrepancies)), stdout)
}

// peakRSSMiB is this process's peak resident set since it was exec'd
// (VmHWM). The rusage of a child is no substitute: Linux counts in a
// child's ru_maxrss the peak of the address space it replaced at exec,
// which for a child started by a Go program is the parent's own (the
// runtime forks with CLONE_VM), so every child would report at least the
// parent's peak. 0 when unknown.
func peakRSSMiB() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) >= 1 {
				kb, _ := strconv.ParseFloat(f[0], 64)
				return round4(kb / 1024)
			}
		}
	}
	return 0
}

// countRows counts the rows an iterator yields.
func countRows[T any](seq iter.Seq2[T, error], n *int64) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for r, err := range seq {
			if err == nil {
				*n++
			}
			if !yield(r, err) {
				return
			}
		}
	}
}
