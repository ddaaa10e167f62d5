package bench

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/postgres/pgtest"
	"github.com/fenyang/partyfee/ledger/recon"
)

// book is the demo book the generated vouchers belong to.
const book = benchBook

// fixture is a fresh database holding the demo setup
// (configs/demo/fenyang.yaml), opened as the application role on a fixed
// clock.
type fixture struct {
	t   testing.TB
	tdb *pgtest.TestDB
	db  *postgres.DB
	ctx context.Context
}

// newFixture loads the demo setup into a fresh database. Passwords are
// dropped: hashing them would only slow the tests down.
func newFixture(t testing.TB) *fixture {
	t.Helper()
	tdb := pgtest.NewDatabase(t)
	f := &fixture{t: t, tdb: tdb, db: tdb.Open(t, tdb.AppURL), ctx: context.Background()}
	f.db.Now = func() time.Time { return time.Date(2020, 2, 10, 8, 0, 0, 0, time.UTC) }
	if err := applyDemoSetup(f.ctx, f.db, false); err != nil {
		t.Fatalf("apply setup: %v", err)
	}
	return f
}

func (f *fixture) count(sql string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.db.Pool.QueryRow(f.ctx, sql, args...).Scan(&n); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// TestImportGenerated loads a generated file in small batches and checks
// the ledger against the file: balances, gapless numbers in file order.
func TestImportGenerated(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var buf bytes.Buffer
	if err := GenerateApprovedCSV(&buf, 700, 7); err != nil {
		t.Fatal(err)
	}
	progress := 0
	res, err := f.db.ImportApproved(f.ctx, book, bytes.NewReader(buf.Bytes()), "gen.csv", postgres.ImportOptions{Actor: "sunlixin", BatchSize: 97,
		Progress: func(n int) { progress = n }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Vouchers != 700 || res.Lines != 1400 || progress != 700 {
		t.Fatalf("result %+v, progress %d", res, progress)
	}
	// Numbers are 1..n per month and follow the file (the keys' order).
	if n := f.count(`SELECT count(*) FROM (SELECT number, row_number() OVER (PARTITION BY year, month ORDER BY idem_key) AS want FROM vouchers) x
		WHERE number <> want`); n != 0 {
		t.Fatalf("%d vouchers out of file order or with gaps", n)
	}
	if n := f.count(`SELECT count(DISTINCT month) FROM vouchers`); n != 12 {
		t.Fatalf("vouchers in %d months, want 12", n)
	}
	// Stored balances equal the journal.
	if n := f.count(`SELECT count(*) FROM balances b FULL JOIN (SELECT account, org, fund, sum(debit_fen - credit_fen) AS s
		FROM voucher_lines GROUP BY 1, 2, 3) j USING (account, org, fund) WHERE b.balance_fen IS DISTINCT FROM j.s`); n != 0 {
		t.Fatalf("%d balances differ from the journal", n)
	}
	if n := f.count(`SELECT count(*) FROM seal_pending`); n != 700 {
		t.Fatalf("seal queue = %d, want 700", n)
	}
	// The monthly batch finds the imported months in order: numbers
	// gapless, vouchers balanced, stored balances equal to the journal,
	// the funds conserved, no restricted balance below zero in date order,
	// the seal chain whole once sealed.
	if _, err := f.db.SealPending(f.ctx, book); err != nil {
		t.Fatal(err)
	}
	for _, month := range []string{"2020-01", "2020-06", "2020-12"} {
		p, err := ledger.ParsePeriod(month)
		if err != nil {
			t.Fatal(err)
		}
		rr, err := f.db.Reconcile(f.ctx, postgres.ReconcileOptions{Book: book, Period: p})
		if err != nil {
			t.Fatalf("reconcile %s: %v", month, err)
		}
		checked := 0
		for _, c := range rr.Checks {
			switch c.Name {
			case recon.CheckVoucherBalance, recon.CheckNumbering, recon.CheckStoredBalance, recon.CheckConservation,
				recon.CheckNegativeBalance, recon.CheckTrialClosing, recon.CheckSealChain:
				checked++
				if !c.Passed() {
					t.Errorf("reconcile %s: check %s found %d discrepancies (%s)", month, c.Name, c.Count, c.Note)
				}
			}
		}
		if checked != 7 {
			t.Fatalf("reconcile %s: %d of the 7 checks looked at ran", month, checked)
		}
	}
}

// importN is the size of the import benchmarks (LEDGER_BENCH_IMPORT_N,
// default 2000 vouchers).
func importN(b *testing.B) int {
	if s := os.Getenv("LEDGER_BENCH_IMPORT_N"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("LEDGER_BENCH_IMPORT_N=%q is not a positive number", s)
		}
		return n
	}
	return 2000
}

// BenchmarkImportApproved loads N generated approved vouchers with every
// check, as the application role, into a fresh database; compare with
// BenchmarkCopyBaseline (SPEC §9: at least half its speed).
func BenchmarkImportApproved(b *testing.B) {
	n := importN(b)
	var buf bytes.Buffer
	if err := GenerateApprovedCSV(&buf, n, 1); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		f := newFixture(b)
		b.StartTimer()
		res, err := f.db.ImportApproved(f.ctx, book, bytes.NewReader(buf.Bytes()), "bench.csv", postgres.ImportOptions{Actor: "sunlixin"})
		if err != nil {
			b.Fatal(err)
		}
		if res.Vouchers != n {
			b.Fatalf("imported %d of %d", res.Vouchers, n)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "vouchers/s")
}

// BenchmarkCopyBaseline COPYs the same vouchers with no checks, as the
// superuser in replica mode, into a fresh database.
func BenchmarkCopyBaseline(b *testing.B) {
	n := importN(b)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		f := newFixture(b)
		super := f.tdb.Open(b, f.tdb.SuperURL)
		b.StartTimer()
		res, err := CopyBaseline(f.ctx, super, book, n, 1)
		if err != nil {
			b.Fatal(err)
		}
		if res.Vouchers != n {
			b.Fatalf("copied %d of %d", res.Vouchers, n)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "vouchers/s")
}

// TestCopyBaselineWritesTheSameRows: the benchmark's baseline leaves the
// same vouchers, lines, balances, counters and seal queue as the import of
// the same generated file (ids, times and the action log aside).
func TestCopyBaselineWritesTheSameRows(t *testing.T) {
	t.Parallel()
	const n = 300
	imp := newFixture(t)
	var buf bytes.Buffer
	if err := GenerateApprovedCSV(&buf, n, 3); err != nil {
		t.Fatal(err)
	}
	if _, err := imp.db.ImportApproved(imp.ctx, book, &buf, "gen.csv", postgres.ImportOptions{Actor: "sunlixin", BatchSize: 64}); err != nil {
		t.Fatal(err)
	}
	raw := newFixture(t)
	res, err := CopyBaseline(raw.ctx, raw.tdb.Open(t, raw.tdb.SuperURL), book, n, 3)
	if err != nil {
		t.Fatal(err)
	}
	if res.Vouchers != n || res.Lines != 2*n {
		t.Fatalf("baseline wrote %+v", res)
	}
	const dump = `SELECT concat_ws('|',
		(SELECT string_agg(concat_ws(',', idem_key, type, year, month, number, date, summary, attachments, flow, status, maker, checker,
			cashier, poster, total_fen, signed_at IS NULL), ';' ORDER BY idem_key) FROM vouchers),
		(SELECT string_agg(concat_ws(',', v.idem_key, l.line_no, l.summary, l.account, l.org, l.fund, l.purpose, l.debit_fen, l.credit_fen), ';'
			ORDER BY v.idem_key, l.line_no) FROM voucher_lines l JOIN vouchers v ON v.id = l.voucher_id),
		(SELECT string_agg(concat_ws(',', account, org, fund, restricted, balance_fen), ';' ORDER BY account, org, fund) FROM balances),
		(SELECT string_agg(concat_ws(',', year, month, type, last), ';' ORDER BY year, month, type) FROM voucher_counters),
		(SELECT count(*) FROM seal_pending s JOIN vouchers v ON v.id = s.voucher_id))`
	var a, b string
	if err := imp.db.Pool.QueryRow(imp.ctx, dump).Scan(&a); err != nil {
		t.Fatal(err)
	}
	if err := raw.db.Pool.QueryRow(raw.ctx, dump).Scan(&b); err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Fatalf("the baseline differs from the import:\nimport   %.300s…\nbaseline %.300s…", a, b)
	}
}
