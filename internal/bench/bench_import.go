package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/postgres/embedded"
)

// The import workload of SPEC §9: the bulk load of N approved vouchers
// with `ledger import --approved` against a raw COPY of the same rows.
//
// The file is generated once (GenerateApprovedCSV: receipts,
// allocations to the temporary branches and their spending, two lines
// each, dated through 2020) into the data directory. Each side then loads
// it into a database of its own, freshly cloned from the template (the
// demo setup, no vouchers), after a CHECKPOINT, so that both start from
// the same empty state and neither pays for the other's dirty pages:
//
//   - ours: (*postgres.DB).ImportApproved of the file, as the command
//     calls it (an admin, the default batch size, the application role's
//     pool with the configured statement timeout), every rule checked in
//     Go and in the database, in one transaction;
//   - baseline: CopyBaseline as the superuser in replica
//     mode (no triggers, no checks): COPY of the same vouchers, lines and
//     seal-queue entries, and the balances and counters they lead to.
//
// Sealing, which the command does after its commit, is not timed: both
// sides leave the vouchers queued for the sealer. Afterwards each side's
// database must hold the N vouchers and 2N lines, numbered without gaps,
// with stored balances equal to the journal's, a trial balance of zero and
// no restricted balance below zero — and both sides the same ledger (a
// checksum of every voucher's and line's content, the balances and the
// counters); otherwise the row fails. The databases are dropped after
// each side (at 1,000,000 vouchers each is over a gigabyte).

// benchImportSeed is the seed of the generated file.
const benchImportSeed = 1

// benchImportActor is the admin of the demo setup who imports.
const benchImportActor = "sunlixin"

// importState is what a side's load left behind, for the checks.
type importState struct {
	vouchers, lines, queued int64
	unnumbered              int64  // (year, month, type) groups whose numbers are not 1..n or not the counter's
	mismatched              int64  // stored balances that differ from the journal
	negative                int64  // restricted balances below zero
	trial                   int64  // Σ balances (0 when the trial balance balances)
	debit                   int64  // Σ debits of the lines
	content                 string // checksums of the vouchers', lines' content, balances and counters
	diskMiB                 float64
}

func (e *benchEnv) importWorkload(ctx context.Context) ([]Result, error) {
	n := e.opt.Scale
	file := filepath.Join(e.opt.DataDir, fmt.Sprintf("import-approved-%d.csv", n))
	e.opt.logf("import: writing %d approved vouchers to %s", n, file)
	gen, err := timeIt(func() error {
		f, err := os.Create(file)
		if err != nil {
			return err
		}
		if err := GenerateApprovedCSV(f, n, benchImportSeed); err != nil {
			f.Close()
			return err
		}
		// On disk before the first side runs, so that its writeback does
		// not compete with that side's WAL flushes.
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	})
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(file)
	if err != nil {
		return nil, err
	}
	e.opt.logf("import: %.1f MB written in %v", float64(fi.Size())/1e6, gen.Round(time.Millisecond))

	// Two rounds at every scale, alternately: one round of each side at
	// 1,000,000 swung from 0.42 to 1.05 between runs (a checkpoint or a
	// neighbour falling in one side's single minute).
	rounds := 2
	var ours, bare time.Duration
	var oursPG, barePG pgSampler
	var oursState, bareState importState
	var lines int
	var problems []string
	for round := range rounds {
		// Alternately: bare first in odd rounds, ours first in even ones.
		sides := []bool{false, true}
		if round%2 == 1 {
			sides = []bool{true, false}
		}
		for _, isOurs := range sides {
			if isOurs {
				e.opt.logf("import: round %d: ledger import --approved", round+1)
				t, st, l, err := e.importOurs(ctx, file, &oursPG)
				if err != nil {
					return nil, err
				}
				e.opt.logf("import: round %d: imported in %v (%.0f vouchers/s)", round+1, t.Round(time.Millisecond), float64(n)/t.Seconds())
				ours, oursState, lines = ours+t, st, l
			} else {
				e.opt.logf("import: round %d: COPY baseline", round+1)
				t, st, err := e.importBare(ctx, &barePG)
				if err != nil {
					return nil, err
				}
				e.opt.logf("import: round %d: copied in %v (%.0f vouchers/s)", round+1, t.Round(time.Millisecond), float64(n)/t.Seconds())
				bare, bareState = bare+t, st
			}
		}
		problems = append(problems, oursState.problems("ours", n)...)
		problems = append(problems, bareState.problems("baseline", n)...)
		if oursState.content != bareState.content {
			problems = append(problems, "the import and the baseline left different ledgers")
		}
	}
	if lines != 2*n {
		problems = append(problems, fmt.Sprintf("the import reported %d lines, want %d", lines, 2*n))
	}
	r := newResult("import", "vouchers/s", float64(n*rounds)/ours.Seconds(), float64(n*rounds)/bare.Seconds(), target{"min", 0.5})
	r.Detail = map[string]float64{
		"vouchers": float64(oursState.vouchers), "lines": float64(oursState.lines), "rounds": float64(rounds),
		"file_bytes": float64(fi.Size()), "generate_s": round4(gen.Seconds()),
		"seconds": round4(ours.Seconds() / float64(rounds)), "baseline_seconds": round4(bare.Seconds() / float64(rounds)),
		"wal_bytes": float64(oursPG.wal / int64(rounds)), "baseline_wal_bytes": float64(barePG.wal / int64(rounds)),
		"database_mib": oursState.diskMiB, "baseline_database_mib": bareState.diskMiB,
	}
	addWaits(r.Detail, "", &oursPG, n*rounds)
	addWaits(r.Detail, "baseline_", &barePG, n*rounds)
	if len(problems) > 0 {
		r.Note = "verification failed: " + strings.Join(problems, "; ")
		f := false
		r.Pass = &f
	}
	return []Result{r}, nil
}

// importOurs loads the file into a fresh database as `ledger import
// --approved` does, and checks what it left.
func (e *benchEnv) importOurs(ctx context.Context, file string, agg *pgSampler) (time.Duration, importState, int, error) {
	d, err := e.importDatabase(ctx, "bench_import")
	if err != nil {
		return 0, importState{}, 0, err
	}
	defer d.drop(ctx)
	// The pool as app.openDB opens it for the command.
	db, err := postgres.Open(ctx, d.appURL, e.opt.Pool)
	if err != nil {
		return 0, importState{}, 0, err
	}
	defer db.Close()
	var res postgres.ImportResult
	s, serr := d.startPGSampler(ctx, "ledger_app")
	t, err := timeIt(func() error {
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		res, err = db.ImportApproved(ctx, benchBook, f, file, postgres.ImportOptions{Actor: benchImportActor})
		return err
	})
	if serr == nil {
		s.finish(ctx)
		agg.merge(s)
	}
	if err != nil {
		return 0, importState{}, 0, fmt.Errorf("ledger import --approved: %w", err)
	}
	if res.Vouchers != e.opt.Scale {
		return 0, importState{}, 0, fmt.Errorf("ledger import --approved imported %d of %d vouchers", res.Vouchers, e.opt.Scale)
	}
	st, err := d.importState(ctx)
	return t, st, res.Lines, err
}

// importBare loads the same rows with CopyBaseline into a fresh database
// and checks what it left.
func (e *benchEnv) importBare(ctx context.Context, agg *pgSampler) (time.Duration, importState, error) {
	d, err := e.importDatabase(ctx, "bench_import_copy")
	if err != nil {
		return 0, importState{}, err
	}
	defer d.drop(ctx)
	super, err := postgres.Open(ctx, d.superURL, postgres.Options{MaxConns: 2})
	if err != nil {
		return 0, importState{}, err
	}
	defer super.Close()
	var res CopyResult
	s, serr := d.startPGSampler(ctx, embedded.Superuser)
	t, err := timeIt(func() (err error) {
		res, err = CopyBaseline(ctx, super, benchBook, e.opt.Scale, benchImportSeed)
		return err
	})
	if serr == nil {
		s.finish(ctx)
		agg.merge(s)
	}
	if err != nil {
		return 0, importState{}, fmt.Errorf("COPY baseline: %w", err)
	}
	if res.Vouchers != e.opt.Scale {
		return 0, importState{}, fmt.Errorf("the COPY baseline wrote %d of %d vouchers", res.Vouchers, e.opt.Scale)
	}
	st, err := d.importState(ctx)
	return t, st, err
}

// importDatabase makes a fresh database from the template and checkpoints
// the cluster, so that the side about to run starts clean.
func (e *benchEnv) importDatabase(ctx context.Context, name string) (*benchDatabase, error) {
	d, err := e.database(ctx, name)
	if err != nil {
		return nil, err
	}
	d.db.Close() // the sides open pools of their own
	if err := d.super(ctx, `CHECKPOINT`); err != nil {
		return nil, err
	}
	return d, nil
}

// drop removes the database of a side.
func (d *benchDatabase) drop(ctx context.Context) {
	ctx = context.WithoutCancel(ctx)
	d.db.Close()
	conn, err := pgx.Connect(ctx, d.env.server.URL("postgres", embedded.Superuser))
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{d.name}.Sanitize()+` WITH (FORCE)`); err != nil {
		d.env.opt.Log.Warn("dropping a bench database", "db", d.name, "err", err)
	}
}

// importState reads what a load left in the book, as the superuser.
func (d *benchDatabase) importState(ctx context.Context) (importState, error) {
	conn, err := pgx.Connect(ctx, d.superURL)
	if err != nil {
		return importState{}, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var s importState
	var bytes int64
	err = conn.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM vouchers WHERE book = $1 AND status = 'posted' AND flow = 'import'),
		(SELECT count(*) FROM voucher_lines WHERE book = $1),
		(SELECT count(*) FROM seal_pending WHERE book = $1),
		(SELECT count(*) FROM (SELECT v.year, v.month, v.type FROM vouchers v
			LEFT JOIN voucher_counters c ON c.book = v.book AND c.year = v.year AND c.month = v.month AND c.type = v.type
			WHERE v.book = $1 GROUP BY v.year, v.month, v.type
			HAVING min(v.number) <> 1 OR max(v.number) <> count(*) OR count(DISTINCT v.number) <> count(*)
				OR max(v.number) IS DISTINCT FROM max(c.last)) x),
		(SELECT count(*) FROM (SELECT account, org, fund, sum(debit_fen - credit_fen) AS s FROM voucher_lines
			WHERE book = $1 GROUP BY 1, 2, 3) j
			FULL JOIN (SELECT * FROM balances WHERE book = $1) b USING (account, org, fund)
			WHERE coalesce(j.s, 0) <> coalesce(b.balance_fen, 0)),
		(SELECT count(*) FROM balances WHERE book = $1 AND restricted AND balance_fen < 0),
		(SELECT coalesce(sum(balance_fen), 0) FROM balances WHERE book = $1),
		(SELECT coalesce(sum(debit_fen), 0) FROM voucher_lines WHERE book = $1),
		concat_ws('|',
			(SELECT sum(hashtextextended(concat_ws(',', idem_key, type, year, month, number, date, summary, attachments, flow, status,
				maker, checker, cashier, poster, total_fen, signed_at IS NULL), 0)::numeric) FROM vouchers WHERE book = $1),
			(SELECT sum(hashtextextended(concat_ws(',', v.idem_key, l.line_no, l.summary, l.account, l.org, l.fund, l.purpose,
				l.debit_fen, l.credit_fen), 0)::numeric)
				FROM voucher_lines l JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id WHERE l.book = $1),
			(SELECT md5(string_agg(concat_ws(',', account, org, fund, restricted, balance_fen), ';' ORDER BY account, org, fund))
				FROM balances WHERE book = $1),
			(SELECT md5(string_agg(concat_ws(',', year, month, type, last), ';' ORDER BY year, month, type))
				FROM voucher_counters WHERE book = $1)),
		pg_database_size(current_database())`, benchBook).Scan(
		&s.vouchers, &s.lines, &s.queued, &s.unnumbered, &s.mismatched, &s.negative, &s.trial, &s.debit, &s.content, &bytes)
	s.diskMiB = round4(float64(bytes) / (1 << 20))
	return s, err
}

// problems are what is wrong with a side's ledger after loading n vouchers.
func (s importState) problems(side string, n int) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, side+": "+fmt.Sprintf(format, args...)) }
	if s.vouchers != int64(n) || s.lines != int64(2*n) || s.queued != int64(n) {
		add("%d posted vouchers, %d lines and %d queued for sealing, want %d, %d and %d", s.vouchers, s.lines, s.queued, n, 2*n, n)
	}
	if s.unnumbered > 0 {
		add("the numbers of %d months are not gapless or not their counter's", s.unnumbered)
	}
	if s.mismatched > 0 {
		add("%d stored balances differ from the journal", s.mismatched)
	}
	if s.negative > 0 {
		add("%d restricted balances below zero", s.negative)
	}
	if s.trial != 0 {
		add("the trial balance is off by %d fen", s.trial)
	}
	if s.debit <= 0 {
		add("the lines add up to %d fen", s.debit)
	}
	return out
}
