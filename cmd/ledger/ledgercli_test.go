package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fenyang/partyfee/internal/demo"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/journal"
	"github.com/fenyang/partyfee/ledger/postgres/pgtest"
)

// ledgerCLIPath finds ledger-cli, the program Debian's ledger package
// installs as /usr/bin/ledger, the name of this project's binary: so it is
// never installed but unpacked into a private directory by
// `scripts/install-deps ledger-cli` and run by its full path through the
// wrapper written there. LEDGER_CLI names another one. Like hledger, it
// fails rather than skips in CI when missing.
func ledgerCLIPath(t *testing.T) string {
	t.Helper()
	p := os.Getenv("LEDGER_CLI")
	if p == "" {
		dir := os.Getenv("LEDGER_CLI_DIR")
		if dir == "" {
			cache, err := os.UserCacheDir()
			if err == nil {
				dir = filepath.Join(cache, "partyfee", "ledger-cli")
			}
		}
		p = filepath.Join(dir, "ledger-cli")
	}
	if out, err := exec.Command(p, "--version").Output(); err != nil || !strings.HasPrefix(string(out), "Ledger ") {
		msg := "ledger-cli is not available at " + p + " (scripts/install-deps ledger-cli)"
		if os.Getenv("CI") != "" || os.Getenv("LEDGER_TEST_REQUIRE_LEDGER_CLI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return p
}

// ledgerCLIBalances runs ledger-cli's `bal --flat` on file, optionally of
// the postings tagged org=scope, and returns every account's balance with
// its parents rolled up, in fen, and the total. ledger-cli prints each
// account that has postings with its full name; the roll-up makes the
// same tree hledger's --tree prints.
func ledgerCLIBalances(t *testing.T, bin, file, scope string) (map[string]int64, int64) {
	t.Helper()
	args := []string{"-f", file, "bal", "--flat", "--no-total", "--balance-format", "%(account)\t%(quantity(scrub(display_total)))\n"}
	if scope != "" {
		args = append(args, "%org=^"+scope+"$")
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8", "LANG=C.UTF-8")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("ledger-cli %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	got := map[string]int64{}
	var total int64
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		name, amt, ok := strings.Cut(sc.Text(), "\t")
		if !ok || name == "" {
			t.Fatalf("ledger-cli line %q", sc.Text())
		}
		m, err := ledger.ParseMoney(strings.TrimSpace(amt))
		if err != nil {
			// quantity() prints the decimal as is; a whole amount has no
			// fraction ("90000") which ParseMoney reads too, so this is a
			// format the test does not know.
			t.Fatalf("ledger-cli amount %q of %s: %v", amt, name, err)
		}
		total += m.Fen()
		for p := name; ; {
			got[p] += m.Fen()
			i := strings.LastIndex(p, ":")
			if i < 0 {
				break
			}
			p = p[:i]
		}
	}
	if len(got) == 0 {
		t.Fatalf("ledger-cli printed no balances of %s", file)
	}
	return got, total
}

// TestJournalDemoAgreesWithLedgerCLI exports the demo's year in the
// ledger dialect and checks with ledger-cli, run by its full path, that
// every account's balance and the trial balance equal ours, to the fen,
// for the book and for one organisation's tag; the file loads without a
// warning.
func TestJournalDemoAgreesWithLedgerCLI(t *testing.T) {
	t.Parallel()
	bin := ledgerCLIPath(t)
	tdb := pgtest.NewDatabase(t)
	db := tdb.Open(t, tdb.AppURL)
	recordDemo(t, db)
	var posted int
	if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM vouchers WHERE status = 'posted'`).Scan(&posted); err != nil {
		t.Fatal(err)
	}
	file, n := writeJournal(t, db, demo.Book, "2020", journal.Ledger)
	if n != posted || n == 0 {
		t.Errorf("exported %d vouchers, %d are posted", n, posted)
	}
	checkJournalWith(t, db, demo.Book, file, "FY-CP-01", "ledger-cli", func(scope string) (map[string]int64, int64) {
		return ledgerCLIBalances(t, bin, file, scope)
	})
	// A month: the balances brought forward make March's closing balances
	// the book's.
	file, _ = writeJournal(t, db, demo.Book, "2020-03", journal.Ledger)
	checkJournalWith(t, db, demo.Book, file, "FY-FXQZ", "ledger-cli", func(scope string) (map[string]int64, int64) {
		return ledgerCLIBalances(t, bin, file, scope)
	})
}
