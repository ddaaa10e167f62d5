package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fenyang/partyfee/configs"
	"github.com/fenyang/partyfee/internal/bench"
	"github.com/fenyang/partyfee/internal/demo"
	"github.com/fenyang/partyfee/internal/workbook"
	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/exchange"
	"github.com/fenyang/partyfee/ledger/journal"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/postgres/pgtest"
)

// hledgerPath finds Debian's hledger (scripts/test installs it); the
// journal tests need it and fail, not skip, in CI when it is missing.
func hledgerPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("hledger")
	if err != nil {
		if os.Getenv("CI") != "" || os.Getenv("LEDGER_TEST_REQUIRE_HLEDGER") != "" {
			t.Fatal("hledger is not installed (scripts/install-deps hledger)")
		}
		t.Skip("hledger is not installed (scripts/install-deps hledger)")
	}
	return p
}

// hledgerBalances runs `hledger bal --tree -O csv` on file (with more
// query arguments) and returns every account's balance, parents rolled up,
// in fen, and the total.
func hledgerBalances(t *testing.T, bin, file string, query ...string) (map[string]int64, int64) {
	t.Helper()
	args := append([]string{"-f", file, "bal", "--tree", "--no-elide", "-O", "csv"}, query...)
	cmd := exec.Command(bin, args...)
	// hledger reads its file in the locale's encoding: a UTF-8 one, whatever
	// the environment (CI may have none).
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8", "LANG=C.UTF-8")
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("hledger %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	recs, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil || len(recs) < 1 || recs[0][0] != "account" {
		t.Fatalf("hledger output: %v\n%s", err, out)
	}
	got := map[string]int64{}
	var total int64
	for _, r := range recs[1:] {
		amt := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(r[1]), journal.Commodity))
		m, err := ledger.ParseMoney(amt)
		if err != nil {
			t.Fatalf("hledger amount %q of %s: %v", r[1], r[0], err)
		}
		if r[0] == "total" {
			total = m.Fen()
			continue
		}
		got[r[0]] = m.Fen()
	}
	return got, total
}

// ourBalances reads the stored balances (debit-positive) per account code,
// optionally of one organisation, and rolls them up the chart: every
// account's balance is its own plus its descendants'.
func ourBalances(t *testing.T, db *postgres.DB, book, org string) (ledger.Chart, map[string]int64) {
	t.Helper()
	ctx := context.Background()
	b, err := db.LoadBooks(ctx, book)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.Pool.Query(ctx, `SELECT account, sum(balance_fen) FROM balances WHERE book = $1 AND ($2 = '' OR org = $2) GROUP BY account`, book, org)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var code string
		var fen int64
		if err := rows.Scan(&code, &fen); err != nil {
			t.Fatal(err)
		}
		for c := code; c != ""; c = b.Chart[c].Parent {
			out[c] += fen
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.Chart, out
}

// checkJournal compares hledger's balances of file with ours: every
// account at every level of the chart (and of the five type roots), the
// total, the trial balance's debit and credit sides, and one
// organisation's balances through its tag.
func checkJournal(t *testing.T, db *postgres.DB, book, file, org string) {
	t.Helper()
	bin := hledgerPath(t)
	checkJournalWith(t, db, book, file, org, "hledger", func(scope string) (map[string]int64, int64) {
		var query []string
		if scope != "" {
			query = []string{"tag:org=^" + scope + "$"}
		}
		return hledgerBalances(t, bin, file, query...)
	})
}

// checkJournalWith is checkJournal with the outside tool's balances of
// the whole book (scope "") or of one organisation read by balances:
// every account at every level of the chart, parents rolled up, in fen,
// and the total.
func checkJournalWith(t *testing.T, db *postgres.DB, book, file, org, tool string, balances func(scope string) (map[string]int64, int64)) {
	t.Helper()
	for _, scope := range []string{"", org} {
		chart, ours := ourBalances(t, db, book, scope)
		names := journal.AccountNames(chart)
		theirs, total := balances(scope)
		if scope == "" && total != 0 {
			t.Errorf("%s: %s's total is %s, want 0", scope, tool, ledger.FromFen(total))
		}
		want := map[string]int64{}
		var trialDr, trialCr int64
		for code, fen := range ours {
			if fen == 0 {
				continue
			}
			want[names[code]] = fen
			root, _, _ := strings.Cut(names[code], ":")
			if chart[code].Parent == "" {
				want[root] += fen
			}
			if chart[code].Leaf {
				if fen > 0 {
					trialDr += fen
				} else {
					trialCr -= fen
				}
			}
		}
		var hDr, hCr int64
		for name, fen := range theirs {
			if !strings.Contains(name, ":") {
				continue
			}
			leaf := true
			for other := range theirs {
				if strings.HasPrefix(other, name+":") {
					leaf = false
					break
				}
			}
			if leaf {
				if fen > 0 {
					hDr += fen
				} else {
					hCr -= fen
				}
			}
		}
		var diffs []string
		for name, fen := range want {
			if theirs[name] != fen {
				diffs = append(diffs, name+": ours "+ledger.FromFen(fen).String()+", "+tool+" "+ledger.FromFen(theirs[name]).String())
			}
		}
		for name, fen := range theirs {
			if _, ok := want[name]; !ok && fen != 0 {
				diffs = append(diffs, name+": "+tool+" "+ledger.FromFen(fen).String()+", not ours")
			}
		}
		sort.Strings(diffs)
		if len(diffs) > 0 {
			t.Errorf("org %q: %s disagrees on %d accounts:\n%s", scope, tool, len(diffs), strings.Join(diffs, "\n"))
		}
		if len(want) < 4 {
			t.Errorf("org %q: only %d accounts compared", scope, len(want))
		}
		if (scope == "" && trialDr != trialCr) || hDr != trialDr || hCr != trialCr {
			t.Errorf("org %q trial balance: ours debit %s credit %s, %s debit %s credit %s", scope,
				ledger.FromFen(trialDr), ledger.FromFen(trialCr), tool, ledger.FromFen(hDr), ledger.FromFen(hCr))
		}
		if scope == "" && trialDr == 0 {
			t.Error("the trial balance is empty")
		}
	}
}

func writeJournal(t *testing.T, db *postgres.DB, book, period string, f journal.Format) (string, int) {
	t.Helper()
	p, err := ledger.ParsePeriod(period)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "book."+string(f))
	var n int
	if err := workbook.WriteFile(file, func(w io.Writer) error {
		n, err = exchange.WriteJournal(context.Background(), db, book, p, f, w)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return file, n
}

// TestJournalDemoAgreesWithHledger exports the demo as both dialects and
// checks with hledger that every account's balance and the trial balance
// equal ours, to the fen; a month's export carries the balances brought
// forward, and the red voucher's negative postings are in the journal.
func TestJournalDemoAgreesWithHledger(t *testing.T) {
	t.Parallel()
	hledgerPath(t)
	tdb := pgtest.NewDatabase(t)
	db := tdb.Open(t, tdb.AppURL)
	recordDemo(t, db)
	var posted int
	if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM vouchers WHERE status = 'posted'`).Scan(&posted); err != nil {
		t.Fatal(err)
	}
	for _, f := range []journal.Format{journal.HLedger, journal.Ledger} {
		file, n := writeJournal(t, db, demo.Book, "2020", f)
		if n != posted {
			t.Errorf("%s: exported %d vouchers, %d are posted", f, n, posted)
		}
		checkJournal(t, db, demo.Book, file, "FY-CP-01")
		text, _ := os.ReadFile(file)
		if !strings.Contains(string(text), "资产:银行存款:党费专户") || !strings.Contains(string(text), "fund: FY-UP") {
			t.Errorf("%s: the journal lacks the account path or the fund tag", f)
		}
	}
	// March alone: the balances brought forward from February make its
	// closing balances the book's.
	file, _ := writeJournal(t, db, demo.Book, "2020-03", journal.HLedger)
	checkJournal(t, db, demo.Book, file, "FY-FXQZ")
	text, _ := os.ReadFile(file)
	if !strings.Contains(string(text), "期初余额") {
		t.Error("the March journal has no 期初余额 transaction")
	}
	// The red voucher: its expense posting is negative.
	var word string
	var year, month int
	if err := db.Pool.QueryRow(context.Background(), `SELECT type || '-' || lpad(number::text, 4, '0'), year, month FROM vouchers WHERE reversal_of IS NOT NULL AND status = 'posted' LIMIT 1`).Scan(&word, &year, &month); err != nil {
		t.Fatal(err)
	}
	full, _ := writeJournal(t, db, demo.Book, "2020", journal.HLedger)
	text, _ = os.ReadFile(full)
	code := "(" + strconv.Itoa(year) + "-" + twoDigits(month) + ":" + word + ")"
	i := strings.Index(string(text), code)
	if i < 0 {
		t.Fatalf("the red voucher %s is not in the journal", code)
	}
	tx, _, _ := strings.Cut(string(text[i:]), "\n\n")
	if !strings.Contains(tx, "费用:") || !strings.Contains(tx, "  -") {
		t.Errorf("the red voucher is not a negative expense posting:\n%s", tx)
	}
}

func twoDigits(n int) string { return strconv.Itoa(100 + n)[1:] }

// journalBookN is the size of the generated book checked by hledger
// (LEDGER_TEST_JOURNAL_N, default 100,000 vouchers).
func journalBookN(t *testing.T) int {
	if s := os.Getenv("LEDGER_TEST_JOURNAL_N"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("LEDGER_TEST_JOURNAL_N=%q is not a positive number", s)
		}
		return n
	}
	return 100000
}

// TestJournalGeneratedBookAgreesWithHledger loads a generated book of
// 100,000 approved vouchers (the generator of `ledger bench` and `ledger
// import --approved`, loaded the raw way) and checks the year's journal
// with hledger, to the fen. The time of each step is logged.
func TestJournalGeneratedBookAgreesWithHledger(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the 100,000-voucher book")
	}
	t.Parallel()
	hledgerPath(t)
	n := journalBookN(t)
	ctx := context.Background()
	s, err := configs.ParseSetup(configs.Demo(), "demo/fenyang.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range s.Books[0].Users {
		s.Books[0].Users[i].Password = ""
	}
	tdb := pgtest.NewDatabase(t)
	db := tdb.Open(t, tdb.AppURL)
	if err := db.ApplySetup(ctx, s); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := bench.CopyBaseline(ctx, tdb.Open(t, tdb.SuperURL), demo.Book, n, 7); err != nil {
		t.Fatal(err)
	}
	loaded := time.Now()
	file, got := writeJournal(t, db, demo.Book, "2020", journal.HLedger)
	if got != n {
		t.Fatalf("exported %d of %d vouchers", got, n)
	}
	exported := time.Now()
	checkJournal(t, db, demo.Book, file, "FY-CP-01")
	st, _ := os.Stat(file)
	t.Logf("%d vouchers: load %s, export %s (%d MiB), hledger check %s", n, loaded.Sub(start).Round(time.Millisecond),
		exported.Sub(loaded).Round(time.Millisecond), st.Size()>>20, time.Since(exported).Round(time.Millisecond))
}
