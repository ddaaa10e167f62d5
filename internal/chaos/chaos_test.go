package chaos

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var (
	duration = flag.Duration("chaos.duration", 0, "run the long mode for this long (scripts/chaos)")
	seed     = flag.Uint64("chaos.seed", 0, "seed of the random operations (0: from the clock)")
	logDir   = flag.String("chaos.logdir", "", "where serve's log goes (default: a temporary directory)")
	binary   = flag.String("chaos.binary", "", "a ledger binary to use instead of building one")
)

// buildLedger builds the ledger binary of this tree.
func buildLedger(t *testing.T) string {
	t.Helper()
	if *binary != "" {
		return *binary
	}
	out := filepath.Join(t.TempDir(), "ledger")
	cmd := exec.Command("go", "build", "-o", out, "../../cmd/ledger")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return out
}

// dataDir is a directory under the system temporary directory (as root,
// the postgres user must be able to enter its parent).
func dataDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "ledger-chaos-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !t.Failed() {
			os.RemoveAll(d)
			os.RemoveAll(d + "-logs")
		}
	})
	return d
}

func runSeed() uint64 {
	if *seed != 0 {
		return *seed
	}
	return uint64(time.Now().UnixNano())
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// TestFaults is the fault test at the size of CI: a burst of concurrent
// voucher work over HTTP with `ledger serve` killed by SIGKILL in its
// middle, then one with PostgreSQL shut down immediately, then both; each
// unanswered write is retried with its key, and after each burst every
// acknowledged write must be there, nothing half-written, every invariant
// holding and the seal chain verifying.
func TestFaults(t *testing.T) {
	if *duration > 0 {
		t.Skip("the long mode runs instead")
	}
	if testing.Short() {
		t.Skip("starts PostgreSQL and ledger serve")
	}
	bin := buildLedger(t)
	dir := dataDir(t)
	s := runSeed()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	rep, err := Run(ctx, Config{Binary: bin, Dir: dir, LogDir: *logDir, Seed: s, Burst: 4 * time.Second, Workers: 6,
		Faults: []Fault{FaultKillServe, FaultKillDB, FaultKillBoth}, Log: testLog{t}})
	if err != nil {
		t.Fatalf("seed %d: %v", s, err)
	}
	t.Logf("seed %d\n%s", s, rep)
	assertReport(t, s, rep)
	if rep.ServeKills < 3 || rep.DBKills < 2 {
		t.Errorf("serve killed %d times, PostgreSQL %d: the faults did not all happen", rep.ServeKills, rep.DBKills)
	}
}

func assertReport(t *testing.T, s uint64, rep *Report) {
	t.Helper()
	if rep.Lost != 0 || rep.Violations != 0 {
		t.Errorf("seed %d: %d lost writes, %d invariant violations:\n%s", s, rep.Lost, rep.Violations, strings.Join(rep.Problems, "\n"))
	}
	if rep.Acknowledged < 50 || rep.Posted < 10 {
		t.Errorf("seed %d: only %d acknowledged writes and %d posted vouchers: the run did too little to tell", s, rep.Acknowledged, rep.Posted)
	}
	if rep.Retried == 0 {
		t.Errorf("seed %d: no write lost its answer: the kills came at no time of writing", s)
	}
}

// TestChaos is the long mode (scripts/chaos --duration 30m): random
// operations, kills and restarts for -chaos.duration, then the figures.
func TestChaos(t *testing.T) {
	if *duration <= 0 {
		t.Skip("set -chaos.duration (scripts/chaos --duration 30m)")
	}
	bin := buildLedger(t)
	dir := dataDir(t)
	s := runSeed()
	ctx, cancel := context.WithTimeout(context.Background(), *duration+10*time.Minute)
	defer cancel()
	rep, err := Run(ctx, Config{Binary: bin, Dir: dir, LogDir: *logDir, Seed: s, Duration: *duration, Burst: 10 * time.Second,
		Workers: 8, Log: os.Stdout})
	if err != nil {
		t.Fatalf("seed %d: %v", s, err)
	}
	os.Stdout.WriteString("\n== attack and fault run, seed " + itoa(s) + "\n" + rep.String() + "\n")
	assertReport(t, s, rep)
}

func itoa(u uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			break
		}
	}
	return string(b[i:])
}
