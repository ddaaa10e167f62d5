package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/fenyang/partyfee/internal/demo"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/postgres/pgtest"
)

// The test binary doubles as the ledger binary: with LEDGER_TEST_RUN_MAIN=1
// it runs main, so tests can start real ledger processes.
func TestMain(m *testing.M) {
	if os.Getenv("LEDGER_TEST_RUN_MAIN") == "1" {
		main()
		return
	}
	pgtest.Main(m)
}

// ledgerCmd makes an exec.Cmd running this binary as ledger with args and a
// clean environment plus env.
func ledgerCmd(t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	c := exec.Command(os.Args[0], args...)
	c.Env = append(cleanEnv(), "LEDGER_TEST_RUN_MAIN=1")
	c.Env = append(c.Env, env...)
	return c
}

func cleanEnv() []string {
	var out []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "LEDGER_") {
			out = append(out, e)
		}
	}
	return out
}

// runLedger runs the command in-process and returns stdout, stderr, status.
func runLedger(t *testing.T, env map[string]string, args ...string) (string, string, int) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), code
}

// recordDemo records the demo's February–March 2020 on db.
func recordDemo(t *testing.T, db *postgres.DB) {
	t.Helper()
	var out bytes.Buffer
	if err := demo.Run(context.Background(), db, demo.Options{OutDir: t.TempDir(), Out: &out}); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
}
