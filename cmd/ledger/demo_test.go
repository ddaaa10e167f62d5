package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/fenyang/partyfee/internal/exit"
	"github.com/fenyang/partyfee/ledger/postgres/pgtest"
)

func TestDemoRefusesNonEmptyDatabase(t *testing.T) {
	t.Parallel()
	tdb := pgtest.NewDatabase(t)
	// A database with a voucher in it.
	out, errOut, code := runLedgerURL(t, tdb.OwnerURL, "setup", "../../configs/demo/fenyang.yaml")
	if code != 0 {
		t.Fatalf("setup: %d %s %s", code, out, errOut)
	}
	if _, _, code := runLedgerURL(t, tdb.OwnerURL, "--as", "wangfang", "receive", "--fund", "FY-UP", "--amount", "1.00", "--date", "2020-02-03", "--attachments", "1"); code != 0 {
		t.Fatal("receive failed")
	}
	_, errOut, code = runLedgerURL(t, tdb.OwnerURL, "demo", "--out", t.TempDir())
	if code != exit.Rejected || !strings.Contains(errOut, "--reset") {
		t.Fatalf("demo on a non-empty database: exit %d, %s", code, errOut)
	}
}

// runLedgerURL runs a command in-process against an existing database.
func runLedgerURL(t *testing.T, url string, args ...string) (string, string, int) {
	t.Helper()
	var o, e bytes.Buffer
	code := run(context.Background(), append([]string{"--database-url", url}, args...), strings.NewReader(""), &o, &e)
	return o.String(), e.String(), code
}

// TestBenchUsage: the bench command refuses a scale below its minimum, an
// unknown workload and too many runs as usage errors, before it starts
// anything.
func TestBenchUsage(t *testing.T) {
	for _, args := range [][]string{{"bench", "--scale", "10"}, {"bench", "--only", "nothing"}, {"bench", "--runs", "100"}} {
		_, errOut, code := runLedger(t, nil, args...)
		if code != exit.Usage || !strings.Contains(errOut, "（usage）") {
			t.Errorf("%v: exit %d, %s", args, code, errOut)
		}
	}
}
