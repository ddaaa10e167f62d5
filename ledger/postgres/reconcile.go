package postgres

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/audit"
	"github.com/fenyang/partyfee/ledger/bankrec"
	"github.com/fenyang/partyfee/ledger/bankstmt"
	"github.com/fenyang/partyfee/ledger/recon"
	"github.com/fenyang/partyfee/ledger/report"
)

// StatementFile is a bank statement file given to a run.
type StatementFile struct {
	Name string
	Data []byte
}

// ReconcileOptions configure a run.
type ReconcileOptions struct {
	Book string
	// Period is one calendar month.
	Period ledger.PeriodRange
	// Statement is the bank statement file; nil uses the statement stored
	// with the period by an earlier run, if any.
	Statement *StatementFile
	// Layouts read the statement (configs/bank_layouts.yaml).
	Layouts []bankstmt.Layout
	// WindowDays: outstanding items dated within this many days of the
	// period end are normal (SPEC §7, default 10).
	WindowDays int
	// Close closes the period when the run is clean.
	Close bool
	// Actor is the person who closes the period, an admin of the whole
	// book; "" is the scheduled batch (system).
	Actor string
	// WithoutStatementReason lets a month whose bank account moved close
	// without a reconciled bank statement; it is recorded with the close.
	WithoutStatementReason string
	// AuditConfig configures the audit rules (nil: audit.DefaultConfig()).
	AuditConfig *audit.Config
	// Progress, when set, is called before each step.
	Progress func(step string, done, total int)
}

// Steps of a run, for progress reports.
var reconcileSteps = []string{
	"journal", "voucher balance", "numbering", "stored balances", "conservation", "negative balances",
	"trial balance", "bank statement", "seal chain", "audit findings", "close", "commit",
}

// Reconcile runs the monthly batch for one period of a book (SPEC §7): it
// checks every invariant as of the period end, reconciles the bank
// statement, lists the audit findings and, with opt.Close and a clean
// result, closes the period.
//
// The run is one database transaction whose writes (the statement, the run
// record, the close) come last, so a run killed at any point leaves nothing
// behind and a re-run completes it. A run without Close reads one snapshot
// (REPEATABLE READ). A closing run first locks the period row, which makes
// postings into the period wait and then fail with period_closed; it then
// reads the latest committed state. Re-running with the same outcome writes
// nothing: a stored statement is not stored again, an identical run is not
// recorded again and a closed period stays closed.
func (db *DB) Reconcile(ctx context.Context, opt ReconcileOptions) (*recon.ReconcileResult, error) {
	// A run without Close reads one snapshot; a closing run reads the
	// latest committed state after locking the period row.
	iso := pgx.RepeatableRead
	if opt.Close {
		iso = pgx.ReadCommitted
	}
	return db.reconcile(ctx, opt, isolation(iso))
}

// reconcile checks opt, reads its statement and runs the batch in one
// transaction of runTx with options txo.
func (db *DB) reconcile(ctx context.Context, opt ReconcileOptions, txo ...txOption) (*recon.ReconcileResult, error) {
	months := opt.Period.Months()
	if len(months) != 1 {
		return nil, ledger.Errorf(ledger.EInvalid, "period", "the batch reconciles one month (YYYY-MM), not %s", opt.Period.Label())
	}
	if opt.WindowDays < 0 {
		return nil, ledger.Errorf(ledger.EInvalid, "window_days", "the outstanding-item window is a number of days ≥ 0")
	}
	opt.WithoutStatementReason = strings.TrimSpace(opt.WithoutStatementReason)
	if len([]rune(opt.WithoutStatementReason)) > 1000 {
		return nil, ledger.Errorf(ledger.EInvalid, "reason", "the reason has at most 1000 characters")
	}
	if err := ledger.CheckText("reason", opt.WithoutStatementReason, false); err != nil {
		return nil, err
	}
	var stmt *recStatement
	if opt.Statement != nil {
		lines, layout, err := bankstmt.Parse(bytes.NewReader(opt.Statement.Data), opt.Statement.Name, opt.Layouts)
		if err != nil {
			return nil, err
		}
		stmt = &recStatement{info: recon.StatementInfo{Digest: bankstmt.Digest(opt.Statement.Data), Filename: recBaseFile(opt.Statement.Name),
			Layout: layout.Name, Lines: len(lines)}, lines: lines}
	}
	var res *recon.ReconcileResult
	// Holding the period row, the run reads and seals on other connections:
	// those come from the side pool, which no writer waiting for that row
	// can hold.
	side, err := db.sideDB()
	if err != nil {
		return nil, err
	}
	err = db.runTx(ctx, func(tx pgx.Tx) error {
		if opt.Actor != "" {
			u, err := loadUser(ctx, tx, opt.Book, opt.Actor)
			if err != nil {
				return err
			}
			if err := ledger.CanRunBatch(u, "the monthly batch"); err != nil {
				return err
			}
		}
		r := &recRun{db: side, tx: tx, opt: opt, year: months[0][0], month: months[0][1], stmt: stmt}
		if err := r.execute(ctx); err != nil {
			return err
		}
		res = r.res
		return nil
	}, txo...)
	if err != nil {
		return nil, err
	}
	return res, nil
}

// closeLockWait bounds how long a closing run waits for a lock (the period
// row behind racing writers, the chain head behind a sealer).
const closeLockWait = 5 * time.Second

// periodLockSQL takes the advisory lock of book $1's month $2-$3 exclusive:
// the key the triggers of drafts, postings and periods use.
const periodLockSQL = `SELECT pg_advisory_xact_lock(hashtext($1), $2::int * 100 + $3::int)`

type recStatement struct {
	info  recon.StatementInfo
	lines []bankrec.StatementLine
}

// run is one attempt of a reconciliation inside its transaction.
type recRun struct {
	db          *DB
	tx          pgx.Tx
	opt         ReconcileOptions
	year, month int
	stmt        *recStatement
	res         *recon.ReconcileResult
	books       *ledger.Books
	step        int
	tally       *recon.Tally
	stmtClosing *int64 // the statement's balance at the period end
	// noStatementReason is recorded with a close without a statement.
	noStatementReason string
	// chain brings the seal chain's verification, run alongside the checks.
	chain chan recChain
}

type recChain struct {
	v   VerifyResult
	err error
}

func (r *recRun) progress(step string) {
	r.step++
	if r.opt.Progress != nil {
		r.opt.Progress(step, r.step, len(reconcileSteps))
	}
}

func (r *recRun) args() (string, time.Time, time.Time) {
	return r.opt.Book, r.opt.Period.From, r.opt.Period.To
}

func (r *recRun) execute(ctx context.Context) error {
	tx, book := r.tx, r.opt.Book
	from, to := r.opt.Period.From, r.opt.Period.To
	r.res = &recon.ReconcileResult{Book: book, From: from, To: to}
	r.tally = recon.NewTally()
	res := r.res
	res.Period = fmt.Sprintf("%04d-%02d", r.year, r.month)

	b, err := loadBooks(ctx, tx, book)
	if err != nil {
		return err
	}
	r.books = b
	res.BookName = b.Book.Name
	if r.opt.Close && r.opt.Actor != "" && r.opt.Actor != ledger.SystemUser {
		u, err := loadUser(ctx, tx, book, r.opt.Actor)
		if err != nil {
			return err
		}
		if err := ledger.CanClosePeriod(u); err != nil {
			return err
		}
	}

	// A closing run locks the period first: postings into it wait for the
	// run and then see it closed. It waits at most closeLockWait for the
	// writers holding the period (or a sealer holding the chain head), then
	// fails with unavailable (lock_not_available) rather than queue the
	// API's writers behind it for longer.
	var status string
	if r.opt.Close {
		if _, err := tx.Exec(ctx, fmt.Sprintf(`SET LOCAL lock_timeout = '%dms'`, closeLockWait.Milliseconds())); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO periods (book, year, month) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, book, r.year, r.month); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT status FROM periods WHERE book = $1 AND year = $2 AND month = $3 FOR UPDATE`, book, r.year, r.month).Scan(&status); err != nil {
			return err
		}
		// The drafts and postings of the month hold it by its advisory
		// lock, shared (migrations/00034_period_held_by_advisory_lock.sql):
		// taken exclusive here, before the checks, it waits for those
		// under way and holds the next ones until the run commits.
		if _, err := tx.Exec(ctx, periodLockSQL, book, r.year, r.month); err != nil {
			return err
		}
	} else {
		err := tx.QueryRow(ctx, `SELECT status FROM periods WHERE book = $1 AND year = $2 AND month = $3`, book, r.year, r.month).Scan(&status)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if status == "" {
			status = "open"
		}
	}
	res.AlreadyClosed = status == "closed"
	if r.opt.Close && !res.AlreadyClosed {
		// Seal what was posted before the lock (the sealer's work, done
		// here so the period seal covers the whole month).
		if _, err := r.db.SealPending(ctx, book); err != nil {
			return err
		}
	}

	// The seal chain is checked on the side pool's connections while the
	// checks below run in this transaction (checkChain takes the result).
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.chain = make(chan recChain, 1)
	go func() {
		v, err := r.db.Verify(cctx, book, 1)
		r.chain <- recChain{v, err}
	}()

	// The checks sort and hash the period's lines: give them the memory
	// to do it without spilling to disk, and plan them without the JIT
	// compiler, which takes longer to compile each statement than it saves
	// (this transaction only).
	if _, err := tx.Exec(ctx, `SET LOCAL work_mem = '128MB'; SET LOCAL jit = off`); err != nil {
		return err
	}
	r.progress("journal")
	if err := r.aggregate(ctx); err != nil {
		return err
	}
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM vouchers WHERE book = $1 AND date BETWEEN $2 AND $3 AND status = 'posted'`, book, from, to).Scan(&res.Vouchers); err != nil {
		return err
	}
	steps := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"voucher balance", r.checkVoucherBalance},
		{"numbering", r.checkNumbering},
		{"stored balances", r.checkStoredBalances},
		{"conservation", r.checkConservation},
		{"negative balances", r.checkNegativeBalances},
		{"trial balance", r.checkTrialBalance},
		{"bank statement", r.reconcileBank},
		{"seal chain", r.checkChain},
		{"audit findings", r.checkFindings},
	}
	for _, s := range steps {
		r.progress(s.name)
		if err := s.fn(ctx); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}

	r.progress("close")
	if r.opt.Close && !res.AlreadyClosed {
		if err := r.checkCloseConditions(ctx); err != nil {
			return err
		}
	}
	r.tally.Finish(res)
	res.FreezeSummary()
	r.progress("commit")
	return r.write(ctx, status)
}

// aggregate sums the posted journal once per (account, organisation,
// fund) and day of the period — one bucket for the days before it and one
// for those after — into a temporary table (rec_days), all in one statement
// (one snapshot); rec_keys then holds per key the opening (before the
// period), the period's debits and credits, the movements after the
// period and the stored balance. The checks read both.
func (r *recRun) aggregate(ctx context.Context) error {
	book, from, to := r.args()
	if _, err := r.tx.Exec(ctx, `CREATE TEMP TABLE rec_days (
			account text NOT NULL, org text NOT NULL, fund text NOT NULL,
			day date, -- NULL: before the period; 'infinity': after it
			debit bigint NOT NULL, credit bigint NOT NULL) ON COMMIT DROP`); err != nil {
		return err
	}
	if _, err := r.tx.Exec(ctx, `INSERT INTO rec_days
		SELECT l.account, l.org, l.fund,
			CASE WHEN v.date < $2 THEN NULL WHEN v.date > $3 THEN 'infinity'::date ELSE v.date END,
			sum(l.debit_fen), sum(l.credit_fen)
		FROM voucher_lines l
		JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
		WHERE l.book = $1 AND v.status = 'posted'
		GROUP BY 1, 2, 3, 4`, book, from, to); err != nil {
		return err
	}
	if _, err := r.tx.Exec(ctx, `CREATE TEMP TABLE rec_keys (
			account text NOT NULL, org text NOT NULL, fund text NOT NULL,
			opening bigint NOT NULL, pdebit bigint NOT NULL, pcredit bigint NOT NULL, later bigint NOT NULL,
			stored bigint, PRIMARY KEY (account, org, fund)) ON COMMIT DROP`); err != nil {
		return err
	}
	_, err := r.tx.Exec(ctx, `INSERT INTO rec_keys
		WITH j AS (
			SELECT account, org, fund,
				coalesce(sum(debit - credit) FILTER (WHERE day IS NULL), 0) AS opening,
				coalesce(sum(debit) FILTER (WHERE day <> 'infinity'), 0) AS pdebit,
				coalesce(sum(credit) FILTER (WHERE day <> 'infinity'), 0) AS pcredit,
				coalesce(sum(debit - credit) FILTER (WHERE day = 'infinity'), 0) AS later
			FROM rec_days
			GROUP BY account, org, fund),
		b AS (SELECT account, org, fund, balance_fen FROM balances WHERE book = $1)
		SELECT coalesce(j.account, b.account), coalesce(j.org, b.org), coalesce(j.fund, b.fund),
			coalesce(j.opening, 0), coalesce(j.pdebit, 0), coalesce(j.pcredit, 0), coalesce(j.later, 0), b.balance_fen
		FROM j FULL JOIN b ON b.account = j.account AND b.org = j.org AND b.fund = j.fund`, book)
	if err != nil {
		return err
	}
	_, err = r.tx.Exec(ctx, `ANALYZE rec_days, rec_keys`)
	return err
}

func recWord(typ string, number int) string { return fmt.Sprintf("%s-%04d", typ, number) }

// aggregatePeriod sums the lines of the period's vouchers (not void) per
// voucher and fund — debits, credits, lines and the movements of SPEC §3's
// income and asset accounts — in one pass, and keeps in a temporary table
// only what a check reports: a fund that does not balance, a fund whose
// income and assets move apart, and every fund of a voucher with fewer
// than two lines (vn, a voucher without lines as one row with fund NULL).
// The voucher balance and conservation checks read it.
func (r *recRun) aggregatePeriod(ctx context.Context) error {
	book, from, to := r.args()
	if _, err := r.tx.Exec(ctx, `CREATE TEMP TABLE rec_vf (
			id bigint NOT NULL, type text NOT NULL, number int NOT NULL, posted boolean NOT NULL, fund text,
			d bigint NOT NULL, c bigint NOT NULL, n bigint NOT NULL, vn bigint NOT NULL, inc bigint NOT NULL, ast bigint NOT NULL) ON COMMIT DROP`); err != nil {
		return err
	}
	_, err := r.tx.Exec(ctx, `INSERT INTO rec_vf
		WITH cls AS (
			SELECT code, CASE WHEN code LIKE ANY ($4) THEN 1 WHEN code LIKE ANY ($5) THEN 2 ELSE 0 END AS k
			FROM accounts WHERE book = $1),
		x AS (
			SELECT v.id, l.fund, bool_and(v.status = 'posted') AS posted,
				coalesce(sum(l.debit_fen), 0) AS d, coalesce(sum(l.credit_fen), 0) AS c, count(l.line_no) AS n,
				sum(count(l.line_no)) OVER (PARTITION BY v.id) AS vn,
				coalesce(sum(l.credit_fen - l.debit_fen) FILTER (WHERE a.k = 1), 0) AS inc,
				coalesce(sum(l.debit_fen - l.credit_fen) FILTER (WHERE a.k = 2), 0) AS ast
			FROM vouchers v
			LEFT JOIN voucher_lines l ON l.book = v.book AND l.voucher_id = v.id
			LEFT JOIN cls a ON a.code = l.account
			WHERE v.book = $1 AND v.date BETWEEN $2 AND $3 AND v.status <> 'void'
			GROUP BY v.id, l.fund)
		SELECT x.id, v.type, v.number, x.posted, x.fund, x.d, x.c, x.n, x.vn, x.inc, x.ast
		FROM x JOIN vouchers v ON v.book = $1 AND v.id = x.id
		WHERE x.d <> x.c OR x.inc <> x.ast OR x.vn < 2`, book, from, to, recIncomePrefixes, recAssetPrefixes)
	return err
}

// recInvolved names the account and the organisation of a voucher's lines
// of one fund ("" where they differ); with outside set, of its lines on
// accounts outside SPEC §3's conservation. Only called for failing vouchers.
func (r *recRun) involved(ctx context.Context, id int64, fund string, outside bool) (account, org string, err error) {
	var a1, a2, o1, o2 *string
	err = r.tx.QueryRow(ctx, `SELECT min(account), max(account), min(org), max(org) FROM voucher_lines
		WHERE book = $1 AND voucher_id = $2 AND fund = $3 AND (NOT $4 OR (NOT account LIKE ANY ($5) AND NOT account LIKE ANY ($6)))`,
		r.opt.Book, id, fund, outside, recIncomePrefixes, recAssetPrefixes).Scan(&a1, &a2, &o1, &o2)
	return recOne(a1, a2), recOne(o1, o2), err
}

// recOne returns the value when the min and max of a group agree, "" otherwise.
func recOne(lo, hi *string) string {
	if lo == nil || hi == nil || *lo != *hi {
		return ""
	}
	return *lo
}

// checkVoucherBalance: every voucher of the period (not void) balances for
// each fund in it and has at least two lines.
func (r *recRun) checkVoucherBalance(ctx context.Context) error {
	if err := r.aggregatePeriod(ctx); err != nil {
		return err
	}
	book := r.opt.Book
	rows, err := r.tx.Query(ctx, `SELECT id, type, number, fund, d, c, count(*) OVER () FROM rec_vf WHERE d <> c ORDER BY type, number, fund LIMIT $1`,
		recon.DiscrepanciesPerCheckMax)
	if err != nil {
		return err
	}
	var ds []recon.Discrepancy
	unbalanced := 0
	for rows.Next() {
		var id int64
		var typ, fund string
		var number int
		var d, c int64
		if err := rows.Scan(&id, &typ, &number, &fund, &d, &c, &unbalanced); err != nil {
			rows.Close()
			return err
		}
		e, a, diff := recon.Amounts(d, c)
		ds = append(ds, recon.Discrepancy{Check: recon.CheckVoucherBalance, Voucher: recWord(typ, number), VoucherID: id, Fund: fund,
			Expected: e, Actual: a, Difference: diff,
			Msg: fmt.Sprintf("voucher %s does not balance for fund %s: debit %s, credit %s", recWord(typ, number), fund, ledger.FromFen(d).Format(), ledger.FromFen(c).Format())})
	}
	if err := rows.Err(); err != nil {
		return err
	}
	r.tally.AddCount(recon.CheckVoucherBalance, unbalanced-len(ds))
	for i := range ds {
		if ds[i].Account, ds[i].Org, err = r.involved(ctx, ds[i].VoucherID, ds[i].Fund, false); err != nil {
			return err
		}
	}
	rows, err = r.tx.Query(ctx, `
		SELECT v.id, v.type, v.number, t.n, v.total_fen
		FROM (SELECT DISTINCT id, vn AS n FROM rec_vf WHERE vn < 2) t
		JOIN vouchers v ON v.book = $1 AND v.id = t.id
		ORDER BY v.type, v.number`, book)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id, total int64
		var typ string
		var number, n int
		if err := rows.Scan(&id, &typ, &number, &n, &total); err != nil {
			rows.Close()
			return err
		}
		e, a, diff := recon.Amounts(total, 0)
		ds = append(ds, recon.Discrepancy{Check: recon.CheckVoucherBalance, Voucher: recWord(typ, number), VoucherID: id, Expected: e, Actual: a, Difference: diff,
			Msg: fmt.Sprintf("voucher %s has %d lines; a voucher has at least 2", recWord(typ, number), n)})
	}
	if err := rows.Err(); err != nil {
		return err
	}
	r.tally.Add(recon.CheckVoucherBalance, ds...)
	return nil
}

// checkNumbering: voucher numbers run 1, 2, 3 … per type without gaps up
// to the highest number taken (the counter); voided numbers are listed.
func (r *recRun) checkNumbering(ctx context.Context) error {
	book := r.opt.Book
	rows, err := r.tx.Query(ctx, `
		WITH n AS (
			SELECT type, number, lag(number, 1, 0) OVER (PARTITION BY type ORDER BY number) AS prev
			FROM vouchers WHERE book = $1 AND year = $2 AND month = $3),
		top AS (
			SELECT type, max(number) AS mx FROM vouchers WHERE book = $1 AND year = $2 AND month = $3 GROUP BY type)
		SELECT type, prev + 1, number - 1 FROM n WHERE number > prev + 1
		UNION ALL
		SELECT c.type, coalesce(top.mx, 0) + 1, c.last
		FROM voucher_counters c LEFT JOIN top ON top.type = c.type
		WHERE c.book = $1 AND c.year = $2 AND c.month = $3 AND c.last > coalesce(top.mx, 0)
		ORDER BY 1, 2`, book, r.year, r.month)
	if err != nil {
		return err
	}
	var ds []recon.Discrepancy
	total := 0
	for rows.Next() {
		var typ string
		var first, last int
		if err := rows.Scan(&typ, &first, &last); err != nil {
			rows.Close()
			return err
		}
		for n := first; n <= last; n++ {
			total++
			if total > recon.DiscrepanciesPerCheckMax {
				r.tally.AddCount(recon.CheckNumbering, 1)
				continue
			}
			ds = append(ds, recon.Discrepancy{Check: recon.CheckNumbering, Voucher: recWord(typ, n),
				Msg: fmt.Sprintf("voucher number %s of %04d-%02d is missing: numbers run without gaps and are never reused", recWord(typ, n), r.year, r.month)})
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	r.tally.Add(recon.CheckNumbering, ds...)
	rows, err = r.tx.Query(ctx, `SELECT type, number FROM vouchers WHERE book = $1 AND year = $2 AND month = $3 AND status = 'void' ORDER BY type, number`,
		book, r.year, r.month)
	if err != nil {
		return err
	}
	for rows.Next() {
		var typ string
		var n int
		if err := rows.Scan(&typ, &n); err != nil {
			rows.Close()
			return err
		}
		r.res.Voided = append(r.res.Voided, recWord(typ, n))
	}
	return rows.Err()
}

// checkStoredBalances: every stored balance equals the journal's opening +
// the period's movements + the later movements (the balance tables hold
// the current balance).
func (r *recRun) checkStoredBalances(ctx context.Context) error {
	rows, err := r.tx.Query(ctx, `
		SELECT account, org, fund, opening + pdebit - pcredit + later, coalesce(stored, 0), opening + pdebit - pcredit
		FROM rec_keys WHERE opening + pdebit - pcredit + later <> coalesce(stored, 0)
		ORDER BY account, org, fund`)
	if err != nil {
		return err
	}
	var ds []recon.Discrepancy
	for rows.Next() {
		var account, org, fund string
		var want, got, closing int64
		if err := rows.Scan(&account, &org, &fund, &want, &got, &closing); err != nil {
			rows.Close()
			return err
		}
		e, a, diff := recon.Amounts(want, got)
		ds = append(ds, recon.Discrepancy{Check: recon.CheckStoredBalance, Account: account, Org: org, Fund: fund, Expected: e, Actual: a, Difference: diff,
			Msg: fmt.Sprintf("stored balance of %s %s %s is %s; the journal gives %s (closing %s at the period end plus later movements)",
				account, org, fund, ledger.FromFen(got).Format(), ledger.FromFen(want).Format(), ledger.FromFen(closing).Format())})
	}
	if err := rows.Err(); err != nil {
		return err
	}
	r.tally.Add(recon.CheckStoredBalance, ds...)
	return nil
}

// Account prefixes of SPEC §3's conservation. 党费结余 (3001, a credit
// balance) counts on the side of the assets, debit positive: the year-end
// close moves income and spending into it, and an opening carries last
// year's into the book.
var (
	recIncomePrefixes = []string{ledger.AcctUpperIncome + "%", ledger.AcctMatching + "%"}
	recAssetPrefixes  = []string{ledger.AcctBank + "%", ledger.AcctPending + "%", "5001%", ledger.AcctGrantOut + "%", "3001%"}
)

// checkConservation: per special fund, Σ income (420101 + 4801) = bank
// 100201 + Σ 121801 + Σ spending 5001xx + Σ grants out 5501 (SPEC §3). It
// holds at every date when it held at the period start and every voucher
// of the period keeps it; a voucher that does not is named, and a
// difference carried in from before the period is reported on its own.
func (r *recRun) checkConservation(ctx context.Context) error {
	book := r.opt.Book
	var ds []recon.Discrepancy
	rows, err := r.tx.Query(ctx, `
		SELECT k.fund,
			coalesce(sum(-k.opening) FILTER (WHERE k.account LIKE ANY ($2)), 0),
			coalesce(sum(k.opening) FILTER (WHERE k.account LIKE ANY ($3)), 0)
		FROM rec_keys k JOIN funds f ON f.book = $1 AND f.code = k.fund AND f.kind IN ('upper', 'matching')
		GROUP BY k.fund
		HAVING coalesce(sum(-k.opening) FILTER (WHERE k.account LIKE ANY ($2)), 0)
		    <> coalesce(sum(k.opening) FILTER (WHERE k.account LIKE ANY ($3)), 0)
		ORDER BY k.fund`, book, recIncomePrefixes, recAssetPrefixes)
	if err != nil {
		return err
	}
	for rows.Next() {
		var fund string
		var inc, ast int64
		if err := rows.Scan(&fund, &inc, &ast); err != nil {
			rows.Close()
			return err
		}
		e, a, diff := recon.Amounts(inc, ast)
		ds = append(ds, recon.Discrepancy{Check: recon.CheckConservation, Fund: fund, Expected: e, Actual: a, Difference: diff,
			Msg: fmt.Sprintf("fund %s does not balance at the start of the period: income %s, bank + pending + spending + grants %s",
				fund, ledger.FromFen(inc).Format(), ledger.FromFen(ast).Format())})
	}
	if err := rows.Err(); err != nil {
		return err
	}
	opening, broken := len(ds), 0
	rows, err = r.tx.Query(ctx, `
		SELECT x.id, x.type, x.number, x.fund, x.inc, x.ast, count(*) OVER ()
		FROM rec_vf x JOIN funds f ON f.book = $1 AND f.code = x.fund AND f.kind IN ('upper', 'matching')
		WHERE x.posted AND x.inc <> x.ast
		ORDER BY x.type, x.number, x.fund LIMIT $2`, book, recon.DiscrepanciesPerCheckMax)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var typ, fund string
		var number int
		var inc, ast int64
		if err := rows.Scan(&id, &typ, &number, &fund, &inc, &ast, &broken); err != nil {
			rows.Close()
			return err
		}
		e, a, diff := recon.Amounts(inc, ast)
		ds = append(ds, recon.Discrepancy{Check: recon.CheckConservation, Voucher: recWord(typ, number), VoucherID: id, Fund: fund,
			Expected: e, Actual: a, Difference: diff,
			Msg: fmt.Sprintf("voucher %s breaks the conservation of fund %s: income moves %s, bank + pending + spending + grants move %s",
				recWord(typ, number), fund, ledger.FromFen(inc).Format(), ledger.FromFen(ast).Format())})
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i := range ds {
		d := &ds[i]
		if d.VoucherID == 0 {
			continue
		}
		if d.Account, d.Org, err = r.involved(ctx, d.VoucherID, d.Fund, true); err != nil {
			return err
		}
		if d.Account != "" {
			d.Msg += fmt.Sprintf(" (money moved to or from %s, outside the special fund's accounts)", d.Account)
		}
	}
	r.tally.AddCount(recon.CheckConservation, broken-(len(ds)-opening))
	r.tally.Add(recon.CheckConservation, ds...)

	// The totals at the period end, for the report.
	rows, err = r.tx.Query(ctx, `
		SELECT f.code, f.name,
			coalesce(sum(k.pcredit - k.pdebit - k.opening) FILTER (WHERE k.account LIKE ANY ($2)), 0),
			coalesce(sum(k.opening + k.pdebit - k.pcredit) FILTER (WHERE k.account LIKE $3), 0),
			coalesce(sum(k.opening + k.pdebit - k.pcredit) FILTER (WHERE k.account LIKE $4), 0),
			coalesce(sum(k.opening + k.pdebit - k.pcredit) FILTER (WHERE k.account LIKE $5), 0),
			coalesce(sum(k.opening + k.pdebit - k.pcredit) FILTER (WHERE k.account LIKE $6), 0),
			coalesce(sum(k.pcredit - k.pdebit - k.opening) FILTER (WHERE k.account LIKE $7), 0)
		FROM funds f LEFT JOIN rec_keys k ON k.fund = f.code
		WHERE f.book = $1 AND f.kind IN ('upper', 'matching')
		GROUP BY f.code, f.name ORDER BY f.code`, book, recIncomePrefixes, recAssetPrefixes[0], recAssetPrefixes[1],
		recAssetPrefixes[2], recAssetPrefixes[3], recAssetPrefixes[4])
	if err != nil {
		return err
	}
	for rows.Next() {
		var c recon.ConservationRow
		var inc, bank, pend, spent, grants, carried int64
		if err := rows.Scan(&c.Fund, &c.FundName, &inc, &bank, &pend, &spent, &grants, &carried); err != nil {
			rows.Close()
			return err
		}
		c.Carried = ledger.FromFen(carried)
		c.Income, c.Bank, c.Pending, c.Spent, c.Grants = ledger.FromFen(inc), ledger.FromFen(bank), ledger.FromFen(pend), ledger.FromFen(spent), ledger.FromFen(grants)
		r.res.Conservation = append(r.res.Conservation, c)
	}
	return rows.Err()
}

// checkNegativeBalances: no restricted balance (bank, cash, branches'
// pending settlement) is below zero at any point of the period, replaying
// the period's vouchers in date order (then posting order) from the
// opening balance with a running sum. The first voucher that takes each
// balance below zero is named.
func (r *recRun) checkNegativeBalances(ctx context.Context) error {
	book, from, to := r.args()
	var ds []recon.Discrepancy
	rows, err := r.tx.Query(ctx, `
		SELECT k.account, k.org, k.fund, k.opening FROM rec_keys k
		JOIN accounts a ON a.book = $1 AND a.code = k.account
		WHERE a.restricted AND k.opening < 0 ORDER BY 1, 2, 3`, book)
	if err != nil {
		return err
	}
	for rows.Next() {
		var account, org, fund string
		var bal int64
		if err := rows.Scan(&account, &org, &fund, &bal); err != nil {
			rows.Close()
			return err
		}
		e, a, diff := recon.Amounts(0, bal)
		ds = append(ds, recon.Discrepancy{Check: recon.CheckNegativeBalance, Account: account, Org: org, Fund: fund, Expected: e, Actual: a, Difference: diff,
			Msg: fmt.Sprintf("%s %s %s opens the period at %s, below zero", account, org, fund, ledger.FromFen(bal).Format())})
	}
	if err := rows.Err(); err != nil {
		return err
	}
	// A balance cannot dip below zero on a day that starts at or above the
	// day's credits: only the (key, day) pairs where it could are replayed,
	// voucher by voucher from the day's opening, in the order the postings
	// took effect on the key: post_seq, numbered by the seal queue's row
	// under the posting's balance locks and kept in the voucher's seal
	// (migration 00049), not posted_at, which is read before the locks are
	// taken.
	rows, err = r.tx.Query(ctx, `
		WITH s AS (
			SELECT d.account, d.org, d.fund, d.day, d.credit,
				k.opening + coalesce(sum(d.debit - d.credit) OVER (PARTITION BY d.account, d.org, d.fund ORDER BY d.day
					ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS start
			FROM rec_days d
			JOIN rec_keys k ON k.account = d.account AND k.org = d.org AND k.fund = d.fund AND k.opening >= 0
			JOIN accounts a ON a.book = $1 AND a.code = d.account AND a.restricted
			WHERE d.day BETWEEN $2 AND $3),
		moves AS (
			SELECT s.account, s.org, s.fund, s.day, s.start, v.id, v.type, v.number,
				v.posted_at, sum(l.debit_fen - l.credit_fen) AS delta, coalesce(min(z.post_seq), min(q.post_seq)) AS ord
			FROM s
			JOIN vouchers v ON v.book = $1 AND v.date = s.day AND v.status = 'posted'
			JOIN voucher_lines l ON l.book = v.book AND l.voucher_id = v.id AND l.account = s.account AND l.org = s.org AND l.fund = s.fund
			LEFT JOIN voucher_seals z ON z.book = v.book AND z.voucher_id = v.id
			LEFT JOIN seal_pending q ON q.book = v.book AND q.posted_at = v.posted_at AND q.voucher_id = v.id
			WHERE s.start - s.credit < 0
			GROUP BY s.account, s.org, s.fund, s.day, s.start, v.id, v.type, v.number, v.posted_at),
		run AS (
			SELECT account, org, fund, day, id, type, number, ord, posted_at,
				start + sum(delta) OVER (PARTITION BY account, org, fund, day ORDER BY ord, posted_at, id) AS bal
			FROM moves)
		SELECT DISTINCT ON (account, org, fund) account, org, fund, id, type, number, day, bal
		FROM run WHERE bal < 0
		ORDER BY account, org, fund, day, ord, posted_at, id`, book, from, to)
	if err != nil {
		return err
	}
	for rows.Next() {
		var account, org, fund, typ string
		var id, bal int64
		var number int
		var date time.Time
		if err := rows.Scan(&account, &org, &fund, &id, &typ, &number, &date, &bal); err != nil {
			rows.Close()
			return err
		}
		e, a, diff := recon.Amounts(0, bal)
		ds = append(ds, recon.Discrepancy{Check: recon.CheckNegativeBalance, Voucher: recWord(typ, number), VoucherID: id, Account: account, Org: org, Fund: fund,
			Expected: e, Actual: a, Difference: diff,
			Msg: fmt.Sprintf("voucher %s of %s takes %s %s %s to %s, below zero, in date order", recWord(typ, number), date.Format(time.DateOnly),
				account, org, fund, ledger.FromFen(bal).Format())})
	}
	if err := rows.Err(); err != nil {
		return err
	}
	r.tally.Add(recon.CheckNegativeBalance, ds...)
	return nil
}

// checkTrialBalance builds the trial balance from the journal (leaf
// accounts, with their parents rolled up) and checks opening, period and
// closing debits = credits; it checks that no parent account carries a
// posting and that 总账 = Σ 明细 for every first-level account.
func (r *recRun) checkTrialBalance(ctx context.Context) error {
	book, _, to := r.args()
	type sums struct{ opening, pd, pc int64 }
	byAccount := map[string]*sums{}
	rows, err := r.tx.Query(ctx, `SELECT account, sum(opening), sum(pdebit), sum(pcredit) FROM rec_keys GROUP BY account`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var a string
		var s sums
		if err := rows.Scan(&a, &s.opening, &s.pd, &s.pc); err != nil {
			rows.Close()
			return err
		}
		byAccount[a] = &s
	}
	if err := rows.Err(); err != nil {
		return err
	}
	var pd, pc int64
	for _, s := range byAccount {
		pd += s.pd
		pc += s.pc
	}
	// Σ debit-side balances − Σ credit-side balances = Σ nets, at any level
	// of the chart, so the sides are equal exactly when the nets add to 0.
	var trialDr, trialCr [3]int64
	for _, s := range byAccount {
		for i, n := range []int64{s.opening, 0, s.opening + s.pd - s.pc} {
			if n > 0 {
				trialDr[i] += n
			} else {
				trialCr[i] -= n
			}
		}
	}
	trialDr[1], trialCr[1] = pd, pc
	for i, check := range []string{recon.CheckTrialOpening, recon.CheckTrialPeriod, recon.CheckTrialClosing} {
		if trialDr[i] != trialCr[i] {
			e, a, diff := recon.Amounts(trialDr[i], trialCr[i])
			what := [...]string{"opening balances", "movements of the period", "closing balances"}[i]
			r.tally.Add(check, recon.Discrepancy{Check: check, Expected: e, Actual: a, Difference: diff,
				Msg: fmt.Sprintf("trial balance: the %s do not balance: debit %s, credit %s", what, ledger.FromFen(trialDr[i]).Format(), ledger.FromFen(trialCr[i]).Format())})
		} else {
			r.tally.Add(check)
		}
	}

	// Lines on parent accounts (the database refuses them; this finds any
	// that got in some other way).
	rows, err = r.tx.Query(ctx, `
		SELECT v.id, v.type, v.number, l.account, l.org, l.fund, l.debit_fen - l.credit_fen
		FROM voucher_lines l
		JOIN accounts a ON a.book = l.book AND a.code = l.account AND NOT a.leaf
		JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
		WHERE l.book = $1 AND v.status = 'posted' AND v.date <= $2
		ORDER BY v.date, v.type, v.number, l.line_no`, book, to)
	if err != nil {
		return err
	}
	var ds []recon.Discrepancy
	parentPosted := map[string]bool{}
	for rows.Next() {
		var id, amt int64
		var typ, account, org, fund string
		var number int
		if err := rows.Scan(&id, &typ, &number, &account, &org, &fund, &amt); err != nil {
			rows.Close()
			return err
		}
		parentPosted[account] = true
		e, a, diff := recon.Amounts(0, amt)
		ds = append(ds, recon.Discrepancy{Check: recon.CheckParentPosting, Voucher: recWord(typ, number), VoucherID: id, Account: account, Org: org, Fund: fund,
			Expected: e, Actual: a, Difference: diff,
			Msg: fmt.Sprintf("voucher %s posts %s to %s, a parent account; only leaf accounts take postings", recWord(typ, number), ledger.FromFen(amt).Format(), account)})
	}
	if err := rows.Err(); err != nil {
		return err
	}
	r.tally.Add(recon.CheckParentPosting, ds...)

	// 总账 by code (the first-level account is the code's first 4 digits)
	// against Σ 明细 by the chart's tree (each leaf's top ancestor), leaf
	// postings only (parent postings are reported above).
	chart := r.books.Chart
	top := func(code string) string {
		seen := 0
		for {
			a := chart[code]
			if a == nil || a.Parent == "" || seen > 16 {
				return code
			}
			code = a.Parent
			seen++
		}
	}
	type gl struct{ byCode, byTree [3]int64 }
	tops := map[string]*gl{}
	get := func(k string) *gl {
		if tops[k] == nil {
			tops[k] = &gl{}
		}
		return tops[k]
	}
	for account, s := range byAccount {
		if parentPosted[account] || (chart[account] != nil && !chart[account].Leaf) {
			continue
		}
		v := [3]int64{s.pd, s.pc, s.opening + s.pd - s.pc}
		code := account
		if len(code) > 4 {
			code = code[:4]
		}
		c, t := get(code), get(top(account))
		for i := range v {
			c.byCode[i] += v[i]
			t.byTree[i] += v[i]
		}
	}
	var gds []recon.Discrepancy
	for _, code := range slices.Sorted(maps.Keys(tops)) {
		g := tops[code]
		if g.byCode != g.byTree {
			e, a, diff := recon.Amounts(g.byTree[2], g.byCode[2])
			gds = append(gds, recon.Discrepancy{Check: recon.CheckGeneralLedger, Account: code, Expected: e, Actual: a, Difference: diff,
				Msg: fmt.Sprintf("总账 %s (by code) closes at %s, Σ 明细 by the chart's tree at %s (period debit %s/%s, credit %s/%s)", code,
					ledger.FromFen(g.byCode[2]).Format(), ledger.FromFen(g.byTree[2]).Format(),
					ledger.FromFen(g.byCode[0]).Format(), ledger.FromFen(g.byTree[0]).Format(),
					ledger.FromFen(g.byCode[1]).Format(), ledger.FromFen(g.byTree[1]).Format())})
		}
	}
	r.tally.Add(recon.CheckGeneralLedger, gds...)
	r.res.Trial = recon.TrialRows(chart, recSums(byAccount, func(s *sums) [3]int64 { return [3]int64{s.opening, s.pd, s.pc} }))
	return nil
}

func recSums[T any](m map[string]*T, f func(*T) [3]int64) map[string][3]int64 {
	out := make(map[string][3]int64, len(m))
	for k, v := range m {
		out[k] = f(v)
	}
	return out
}

// reconcileBank matches the bank statement (the file given, or the one
// stored with the period) against the book's postings to the bank account
// and draws up the 银行存款余额调节表 at the period end.
//
// Book entries are the posted vouchers moving the bank account (net per
// voucher), dated from window days before the period start to its end;
// statement lines are those dated up to the period end (later lines belong
// to the next period). Items dated before the period start that match
// nothing were settled by an earlier statement and are left out; a posted
// voucher and its red reversal that both match nothing cancel out. The bank
// balance is the statement's balance after its last line up to the period
// end; a statement without balances is taken to start from the book's
// balance at the period start.
func (r *recRun) reconcileBank(ctx context.Context) error {
	book, from, to := r.args()
	if r.stmt == nil {
		s, err := r.loadStoredStatement(ctx)
		if err != nil {
			return err
		}
		if s == nil {
			r.tally.Note(bankrec.CheckAdjustedBalances, "no bank statement for the period")
			return nil
		}
		r.stmt = s
	} else {
		var n int
		if err := r.tx.QueryRow(ctx, `SELECT count(*) FROM bank_statements WHERE book = $1 AND year = $2 AND month = $3 AND digest = $4`,
			book, r.year, r.month, r.stmt.info.Digest).Scan(&n); err != nil {
			return err
		}
		r.stmt.info.Imported = n == 0
	}
	window := r.opt.WindowDays
	account := ledger.AcctBank
	startDay := from.AddDate(0, 0, -window)

	rows, err := r.tx.Query(ctx, `
		SELECT v.id, v.type, v.number, v.date, v.summary, v.memo, coalesce(v.reversal_of, 0), sum(l.debit_fen - l.credit_fen)
		FROM voucher_lines l
		JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
		WHERE l.book = $1 AND l.account = $2 AND v.status = 'posted' AND v.date BETWEEN $3 AND $4
		GROUP BY v.id, v.type, v.number, v.date, v.summary, v.memo, v.reversal_of
		HAVING sum(l.debit_fen - l.credit_fen) <> 0
		ORDER BY v.date, v.id`, book, account, startDay, to)
	if err != nil {
		return err
	}
	var entries []bankrec.BookEntry
	reversalOf := map[int64]int64{}
	for rows.Next() {
		var e bankrec.BookEntry
		var typ string
		var number int
		var rev, amt int64
		if err := rows.Scan(&e.VoucherID, &typ, &number, &e.Date, &e.Summary, &e.Reference, &rev, &amt); err != nil {
			rows.Close()
			return err
		}
		e.Voucher, e.Amount = recWord(typ, number), ledger.FromFen(amt)
		e.Reference = strings.TrimSpace(e.Reference)
		if rev != 0 {
			reversalOf[e.VoucherID] = rev
		}
		entries = append(entries, e)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	var bookOpening, bookBal int64
	if err := r.tx.QueryRow(ctx, `SELECT coalesce(sum(opening), 0), coalesce(sum(opening + pdebit - pcredit), 0) FROM rec_keys WHERE account = $1`,
		account).Scan(&bookOpening, &bookBal); err != nil {
		return err
	}

	endDay := recDayNum(to)
	var lines []bankrec.StatementLine
	for _, l := range r.stmt.lines {
		if recDayNum(l.Date) <= endDay {
			lines = append(lines, l)
		}
	}
	var inWindow []bankrec.StatementLine
	for _, l := range lines {
		if recDayNum(l.Date) >= recDayNum(startDay) {
			inWindow = append(inWindow, l)
		}
	}
	bankBal, ok := bankrec.StatementBalance(lines)
	if ok {
		f := bankBal.Fen()
		r.stmtClosing = &f
	} else {
		bankBal = ledger.FromFen(bookOpening)
		for _, l := range lines {
			if recDayNum(l.Date) >= recDayNum(from) {
				bankBal = bankBal.Add(l.Amount)
			}
		}
	}
	m := bankrec.Match(entries, inWindow, bankrec.MatchConfig{DateWindowDays: window})
	startOfPeriod := recDayNum(from)
	// Unmatched items from before the period belonged to an earlier
	// statement; an unmatched voucher and its unmatched reversal cancel.
	unmatched := map[int64]bankrec.BookEntry{}
	for _, e := range append(slices.Clone(m.BookedReceivedNotInBank), m.BookedPaidNotInBank...) {
		unmatched[e.VoucherID] = e
	}
	cancelled := map[int64]bool{}
	for id, orig := range reversalOf {
		e, ok1 := unmatched[id]
		o, ok2 := unmatched[orig]
		if ok1 && ok2 && e.Amount.Add(o.Amount).IsZero() {
			cancelled[id], cancelled[orig] = true, true
		}
	}
	keepBook := func(es []bankrec.BookEntry) []bankrec.BookEntry {
		var out []bankrec.BookEntry
		for _, e := range es {
			if !cancelled[e.VoucherID] && recDayNum(e.Date) >= startOfPeriod {
				out = append(out, e)
			}
		}
		return out
	}
	keepStmt := func(ls []bankrec.StatementLine) []bankrec.StatementLine {
		var out []bankrec.StatementLine
		for _, l := range ls {
			if recDayNum(l.Date) >= startOfPeriod {
				out = append(out, l)
			}
		}
		return out
	}
	m.BookedReceivedNotInBank, m.BookedPaidNotInBank = keepBook(m.BookedReceivedNotInBank), keepBook(m.BookedPaidNotInBank)
	m.BankReceivedNotBooked, m.BankPaidNotBooked = keepStmt(m.BankReceivedNotBooked), keepStmt(m.BankPaidNotBooked)
	table := bankrec.Reconcile(ledger.FromFen(bookBal), bankBal, m, to, window)
	bank := &recon.BankReconciliation{Account: account, BankName: r.books.Book.BankName, BankAccount: r.books.Book.BankAccount,
		Statement: r.stmt.info, Matched: len(m.Matches), Table: table}
	if a := r.books.Chart[account]; a != nil {
		bank.AccountName = a.Name
	}
	r.res.Bank = bank

	var ds []recon.Discrepancy
	bankDisc := func(d bankrec.Discrepancy) recon.Discrepancy {
		out := recon.Discrepancy{Check: d.Check, Voucher: d.Voucher, VoucherID: d.VoucherID, Account: account,
			Expected: d.Expected.String(), Actual: d.Actual.String(), Difference: d.Difference.String(), Msg: d.Msg}
		if d.Voucher == "" && d.Row > 0 {
			out.Voucher = fmt.Sprintf("对账单第%d行", d.Row)
		}
		return out
	}
	for _, d := range bankrec.CheckBalances(lines) {
		ds = append(ds, bankDisc(d))
	}
	for _, d := range table.Discrepancies {
		ds = append(ds, bankDisc(d))
	}
	for _, c := range []string{bankrec.CheckAdjustedBalances, bankrec.CheckOutstandingAge, bankrec.CheckAfterPeriodEnd, bankrec.CheckStatementBalance} {
		r.tally.Ran(c)
	}
	r.tally.Add(bankrec.CheckAdjustedBalances, ds...)
	return nil
}

// loadStoredStatement reads the statement stored with the period last.
func (r *recRun) loadStoredStatement(ctx context.Context) (*recStatement, error) {
	book := r.opt.Book
	s := &recStatement{}
	err := r.tx.QueryRow(ctx, `SELECT digest, filename, layout, line_count FROM bank_statements
		WHERE book = $1 AND year = $2 AND month = $3 ORDER BY seq DESC LIMIT 1`, book, r.year, r.month).
		Scan(&s.info.Digest, &s.info.Filename, &s.info.Layout, &s.info.Lines)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	rows, err := r.tx.Query(ctx, `SELECT row_no, date, amount_fen, reference, counterparty, summary, balance_fen
		FROM bank_statement_lines WHERE book = $1 AND year = $2 AND month = $3 AND digest = $4 ORDER BY row_no`,
		book, r.year, r.month, s.info.Digest)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var l bankrec.StatementLine
		var amt int64
		var bal *int64
		if err := rows.Scan(&l.Row, &l.Date, &amt, &l.Reference, &l.Counterparty, &l.Summary, &bal); err != nil {
			rows.Close()
			return nil, err
		}
		l.Amount = ledger.FromFen(amt)
		if bal != nil {
			m := ledger.FromFen(*bal)
			l.Balance = &m
		}
		s.lines = append(s.lines, l)
	}
	return s, rows.Err()
}

// dayOf is the calendar day of t in its own location (bank statements
// carry China Standard Time, vouchers UTC dates).
func recDayNum(t time.Time) int64 {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

func recDateOnly(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// checkChain verifies the tamper-evidence chain (SPEC §8) with Verify. A
// problem with a voucher dated after the period end is left to later
// periods; every other problem (a broken link, a missing position, a
// deleted voucher, a voucher without a seal past the sealer's grace) fails
// the period.
func (r *recRun) checkChain(ctx context.Context) error {
	var c recChain
	select {
	case c = <-r.chain:
	case <-ctx.Done():
		return ctx.Err()
	}
	v, err := c.v, c.err
	if err != nil {
		return err
	}
	var ids []int64
	for _, p := range v.Problems {
		if p.VoucherID != 0 {
			ids = append(ids, p.VoucherID)
		}
	}
	later := map[int64]bool{}
	if len(ids) > 0 {
		rows, err := r.tx.Query(ctx, `SELECT id FROM vouchers WHERE book = $1 AND id = ANY($2) AND date > $3`, r.opt.Book, ids, r.opt.Period.To)
		if err != nil {
			return err
		}
		got, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		for _, id := range got {
			later[id] = true
		}
	}
	var ds []recon.Discrepancy
	for _, p := range v.Problems {
		if later[p.VoucherID] {
			continue
		}
		ds = append(ds, recon.Discrepancy{Check: recon.CheckSealChain, Voucher: p.Voucher, VoucherID: p.VoucherID, Msg: p.Kind + ": " + p.Message})
	}
	r.tally.Add(recon.CheckSealChain, ds...)
	if more := int(v.ProblemCount) - len(v.Problems); more > 0 {
		r.tally.AddCount(recon.CheckSealChain, more)
		r.tally.Note(recon.CheckSealChain, fmt.Sprintf("%d more chain problems not listed; run ledger verify", more))
	}
	return nil
}

// checkFindings evaluates the audit rules over the period as of its end and
// lists its findings with their stored states (T8); an open HIGH finding is
// a discrepancy. The findings are recorded (RecordFindings) only when they
// differ from the period's latest recorded evaluation, so that an auditor
// can acknowledge them and an unchanged re-run writes nothing.
func (r *recRun) checkFindings(ctx context.Context) error {
	book, period := r.opt.Book, r.opt.Period
	cfg := r.opt.AuditConfig
	if cfg == nil {
		c := audit.DefaultConfig()
		cfg = &c
	}
	in, err := r.db.AuditInput(ctx, book, period.From, period.To)
	if err != nil {
		return err
	}
	fs := audit.Evaluate(in, cfg)
	stored, err := r.db.Findings(ctx, book, FindingFilter{Period: &period})
	if err != nil {
		return err
	}
	if !sameFindings(fs, stored) {
		if stored, err = r.db.RecordAuditRun(ctx, book, period, cfg, fs, r.db.Now()); err != nil {
			return err
		}
	}
	slices.SortFunc(stored, func(a, b StoredFinding) int {
		return cmp.Or(cmp.Compare(a.Rule, b.Rule), a.Date.Compare(b.Date), cmp.Compare(a.VoucherID, b.VoucherID),
			cmp.Compare(a.Org, b.Org), cmp.Compare(a.Key, b.Key))
	})
	var ds []recon.Discrepancy
	for _, f := range stored {
		rf := recon.ReconcileFinding{ID: f.ID, Rule: f.Rule, Type: f.Type, Severity: f.Severity, Voucher: f.Voucher, Org: f.Org,
			Amount: f.Amount.String(), Explanation: f.Explanation, Responsible: f.Responsible, State: f.State}
		if !f.Date.IsZero() {
			rf.Date = f.Date.Format(time.DateOnly)
		}
		if f.Deadline != nil {
			rf.Deadline = f.Deadline.Format(time.DateOnly)
		}
		r.res.Findings = append(r.res.Findings, rf)
		if f.Severity == audit.SeverityHigh && f.State == audit.FindingOpen {
			ds = append(ds, recon.Discrepancy{Check: recon.CheckAuditHigh, Voucher: f.Voucher, VoucherID: f.VoucherID, Org: f.Org, Actual: f.Amount.String(),
				Msg: fmt.Sprintf("audit finding %d (%s %s) is HIGH and open: %s", f.ID, f.Rule, f.Type, f.Explanation)})
		}
	}
	r.tally.Add(recon.CheckAuditHigh, ds...)
	return nil
}

// sameFindings reports whether the evaluated findings are the stored ones,
// as stored (same keys and descriptions).
func sameFindings(fs []audit.Finding, stored []StoredFinding) bool {
	byKey := make(map[string]*StoredFinding, len(stored))
	for i := range stored {
		byKey[stored[i].Key] = &stored[i]
	}
	seen := map[string]bool{}
	for i := range fs {
		f := &fs[i]
		if seen[f.Key] {
			continue
		}
		seen[f.Key] = true
		s := byKey[f.Key]
		if s == nil || s.Rule != f.Rule || s.Type != f.Type || s.Severity != f.Severity || s.VoucherID != f.VoucherID ||
			s.Voucher != f.Voucher || !s.Date.Equal(f.Date) || s.Org != f.Org || !s.Amount.Equal(f.Amount) ||
			s.Explanation != f.Explanation || s.Responsible != f.Responsible {
			return false
		}
	}
	return len(seen) == len(byKey)
}

// checkCloseConditions: the previous month is closed (unless the book has
// no voucher before this month) and every voucher of the month is posted
// or void.
func (r *recRun) checkCloseConditions(ctx context.Context) error {
	book, from, _ := r.args()
	prev := from.AddDate(0, -1, 0)
	var earlier bool
	if err := r.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM vouchers WHERE book = $1 AND date < $2)`, book, from).Scan(&earlier); err != nil {
		return err
	}
	if earlier {
		var status string
		err := r.tx.QueryRow(ctx, `SELECT status FROM periods WHERE book = $1 AND year = $2 AND month = $3`, book, prev.Year(), int(prev.Month())).Scan(&status)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if status != "closed" {
			r.tally.Add(recon.CheckPreviousOpen, recon.Discrepancy{Check: recon.CheckPreviousOpen,
				Msg: fmt.Sprintf("the previous month %04d-%02d is not closed; months close in order", prev.Year(), int(prev.Month()))})
		} else {
			r.tally.Add(recon.CheckPreviousOpen)
		}
	} else {
		r.tally.Add(recon.CheckPreviousOpen)
	}
	rows, err := r.tx.Query(ctx, `SELECT id, type, number, status FROM vouchers
		WHERE book = $1 AND year = $2 AND month = $3 AND status NOT IN ('posted', 'void') ORDER BY type, number`, book, r.year, r.month)
	if err != nil {
		return err
	}
	var ds []recon.Discrepancy
	for rows.Next() {
		var id int64
		var typ, status string
		var number int
		if err := rows.Scan(&id, &typ, &number, &status); err != nil {
			rows.Close()
			return err
		}
		ds = append(ds, recon.Discrepancy{Check: recon.CheckUnposted, Voucher: recWord(typ, number), VoucherID: id,
			Msg: fmt.Sprintf("voucher %s is %s (%s); every voucher of the month is posted or voided before it closes", recWord(typ, number), status, ledger.VoucherStatus(status).Name())})
	}
	if err := rows.Err(); err != nil {
		return err
	}
	r.tally.Add(recon.CheckUnposted, ds...)
	return nil
}

// checkBankStatement refuses to close a month whose bank account moved
// without a reconciled bank statement, unless the run gives the reason. It
// runs when the month would otherwise close, so a run with discrepancies
// still reports them.
func (r *recRun) checkBankStatement(ctx context.Context) error {
	if r.res.Bank != nil {
		return nil
	}
	var moved bool
	if err := r.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM vouchers v
			JOIN voucher_lines l ON l.book = v.book AND l.voucher_id = v.id
			JOIN accounts a ON a.book = l.book AND a.code = l.account
			WHERE v.book = $1 AND v.year = $2 AND v.month = $3 AND v.status = 'posted' AND a.cash AND a.code LIKE '1002%')`,
		r.opt.Book, r.year, r.month).Scan(&moved); err != nil {
		return err
	}
	if !moved {
		return nil
	}
	if r.opt.WithoutStatementReason == "" {
		return ledger.Errorf(ledger.EInvalidState, "bank_statement",
			"the bank account moved in %04d-%02d and no bank statement was reconciled: give the bank statement, or close without one and give the reason", r.year, r.month)
	}
	r.noStatementReason = r.opt.WithoutStatementReason
	return nil
}

// write stores what the run produced, all at the end of its transaction:
// the statement (unless stored before), the close of the period when the
// run asked for it and is clean, and the run (unless an identical one is
// recorded).
func (r *recRun) write(ctx context.Context, status string) error {
	tx, book, res := r.tx, r.opt.Book, r.res
	now := r.db.Now()
	actor := cmp.Or(r.opt.Actor, ledger.SystemUser)
	if r.stmt != nil && r.stmt.info.Imported {
		if _, err := tx.Exec(ctx, `INSERT INTO periods (book, year, month) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, book, r.year, r.month); err != nil {
			return err
		}
		closing := r.stmtClosing
		tag, err := tx.Exec(ctx, `INSERT INTO bank_statements (book, year, month, digest, filename, layout, account, line_count, closing_fen, imported_at, imported_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING`,
			book, r.year, r.month, r.stmt.info.Digest, r.stmt.info.Filename, r.stmt.info.Layout, ledger.AcctBank, len(r.stmt.lines), closing, now, ledger.SystemUser)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 1 {
			src := make([][]any, len(r.stmt.lines))
			for i, l := range r.stmt.lines {
				var bal *int64
				if l.Balance != nil {
					f := l.Balance.Fen()
					bal = &f
				}
				src[i] = []any{book, r.year, r.month, r.stmt.info.Digest, l.Row, recDateOnly(l.Date), l.Amount.Fen(), l.Reference, l.Counterparty, l.Summary, bal}
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"bank_statement_lines"},
				[]string{"book", "year", "month", "digest", "row_no", "date", "amount_fen", "reference", "counterparty", "summary", "balance_fen"},
				pgx.CopyFromRows(src)); err != nil {
				return err
			}
		} else {
			res.Bank.Statement.Imported = false
		}
	}

	periodStatus := status
	if r.opt.Close && status != "closed" && res.Status == recon.StatusClean {
		if err := r.checkBankStatement(ctx); err != nil {
			return err
		}
		// The period is locked: nothing more is posted into it. Every voucher
		// of it and before is sealed (the run sealed them after taking the
		// lock); the period seal is the chain's seal covering them.
		seq, seal, err := r.db.PeriodSeal(ctx, book, r.year, r.month)
		if err != nil {
			return err
		}
		var reason *string
		if r.noStatementReason != "" {
			reason = &r.noStatementReason
		}
		if _, err := tx.Exec(ctx, `UPDATE periods SET status = 'closed', closed_at = $4, closed_by = $5, summary = $6, seal = $7, seal_seq = $8,
				no_statement_reason = $9
			WHERE book = $1 AND year = $2 AND month = $3`, book, r.year, r.month, now, actor, json.RawMessage(res.SummaryJSON()), seal, seq, reason); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO period_events (book, year, month, action, actor, at, reason) VALUES ($1, $2, $3, 'close', $4, $5, $6)`,
			book, r.year, r.month, actor, now, r.noStatementReason); err != nil {
			return err
		}
		detail := map[string]any{"period": res.Period, "seal": seal}
		if reason != nil {
			detail["without_bank_statement"] = *reason
		}
		if err := logAction(ctx, tx, book, actor, "close", 0, now, r.db.Source, detail); err != nil {
			return err
		}
		res.Closed = true
		periodStatus = "closed"
	}
	res.PeriodStatus = periodStatus
	if periodStatus == "closed" {
		var at *time.Time
		var by, seal, reason *string
		if err := tx.QueryRow(ctx, `SELECT closed_at, closed_by, seal, no_statement_reason FROM periods WHERE book = $1 AND year = $2 AND month = $3`,
			book, r.year, r.month).Scan(&at, &by, &seal, &reason); err != nil {
			return err
		}
		if reason != nil {
			res.NoStatementReason = *reason
		}
		res.ClosedAt = at
		if by != nil {
			res.ClosedBy = *by
		}
		if seal != nil {
			res.Seal = *seal
		}
	}

	var digest *string
	if r.stmt != nil {
		digest = &r.stmt.info.Digest
	}
	h := sha256.New()
	h.Write(res.SummaryJSON())
	fmt.Fprintf(h, "\x00%s\x00", periodStatus)
	if digest != nil {
		h.Write([]byte(*digest))
	}
	hash := hex.EncodeToString(h.Sum(nil))
	if _, err := tx.Exec(ctx, `INSERT INTO periods (book, year, month) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, book, r.year, r.month); err != nil {
		return err
	}
	var bank []byte
	if res.Bank != nil {
		var err error
		if bank, err = json.Marshal(res.Bank); err != nil {
			return err
		}
	}
	tag, err := tx.Exec(ctx, `INSERT INTO reconcile_runs (book, year, month, result_hash, status, period_status, closed_period, statement_digest,
			discrepancies, summary, bank, run_at, run_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (book, year, month, result_hash) DO NOTHING`,
		book, r.year, r.month, hash, res.Status, periodStatus, res.Closed, digest, len(res.Discrepancies), json.RawMessage(res.SummaryJSON()),
		nullJSON(bank), now, actor)
	if err != nil {
		return err
	}
	res.Recorded = tag.RowsAffected() == 1
	return nil
}

// ReopenPeriod re-opens a closed month (反结账): by an admin of the whole
// book (never the batch identity), with a written reason, only the book's
// latest closed month; logged in period_events and the action log. The
// period's close record (summary, seal) is cleared; the runs and events
// keep the history.
func (db *DB) ReopenPeriod(ctx context.Context, book, actor string, period ledger.PeriodRange, reason string) error {
	months := period.Months()
	if len(months) != 1 {
		return ledger.Errorf(ledger.EInvalid, "period", "re-open one month (YYYY-MM), not %s", period.Label())
	}
	year, month := months[0][0], months[0][1]
	if err := ledger.CheckText("reason", reason, true); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return ledger.Errorf(ledger.EInvalid, "reason", "re-opening a closed month needs a written reason (--reason)")
	}
	if len([]rune(reason)) > 1000 {
		return ledger.Errorf(ledger.EInvalid, "reason", "the reason has at most 1000 characters")
	}
	return db.runTx(ctx, func(tx pgx.Tx) error {
		u, err := loadUser(ctx, tx, book, actor)
		if err != nil {
			return err
		}
		if err := ledger.CanReopenPeriod(u); err != nil {
			return err
		}
		var status string
		err = tx.QueryRow(ctx, `SELECT status FROM periods WHERE book = $1 AND year = $2 AND month = $3 FOR UPDATE`, book, year, month).Scan(&status)
		if errors.Is(err, pgx.ErrNoRows) || status == "open" {
			return ledger.Errorf(ledger.EInvalidState, "period", "%04d-%02d is not closed", year, month)
		}
		if err != nil {
			return err
		}
		var ly, lm int
		if err := tx.QueryRow(ctx, `SELECT year, month FROM periods WHERE book = $1 AND status = 'closed' ORDER BY year DESC, month DESC LIMIT 1`,
			book).Scan(&ly, &lm); err != nil {
			return err
		}
		if ly != year || lm != month {
			return ledger.Errorf(ledger.EInvalidState, "period", "only the latest closed month (%04d-%02d) can be re-opened, not %04d-%02d", ly, lm, year, month)
		}
		// The event first: the database re-opens a month only after a
		// re-open event of it by an admin of the whole book in the same
		// transaction (periods_reopen_needs_event).
		now := db.Now()
		if _, err := tx.Exec(ctx, `INSERT INTO period_events (book, year, month, action, actor, at, reason) VALUES ($1, $2, $3, 'reopen', $4, $5, $6)`,
			book, year, month, actor, now, reason); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE periods SET status = 'open', closed_at = NULL, closed_by = NULL, summary = NULL, seal = NULL, seal_seq = NULL
			WHERE book = $1 AND year = $2 AND month = $3`, book, year, month); err != nil {
			return err
		}
		return logAction(ctx, tx, book, actor, "reopen", 0, now, db.Source, map[string]any{"period": fmt.Sprintf("%04d-%02d", year, month), "reason": reason})
	})
}

// PeriodInfo is a month of a book with its state.
type PeriodInfo struct {
	Year     int        `json:"year"`
	Month    int        `json:"month"`
	Status   string     `json:"status"`
	ClosedAt *time.Time `json:"closed_at,omitempty"`
	ClosedBy string     `json:"closed_by,omitempty"`
	Seal     string     `json:"seal,omitempty"`
	Vouchers int        `json:"vouchers"`
}

// PeriodEvent is a close or re-open of a month.
type PeriodEvent struct {
	Year   int       `json:"year"`
	Month  int       `json:"month"`
	Action string    `json:"action"`
	Actor  string    `json:"actor"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason,omitempty"`
}

// Periods lists the months of a book that have a period row, oldest first.
func (db *DB) Periods(ctx context.Context, book string) ([]PeriodInfo, error) {
	rows, err := db.Pool.Query(ctx, `SELECT p.year, p.month, p.status, p.closed_at, coalesce(p.closed_by, ''), coalesce(p.seal, ''),
			(SELECT count(*) FROM vouchers v WHERE v.book = p.book AND v.year = p.year AND v.month = p.month)
		FROM periods p WHERE p.book = $1 ORDER BY p.year, p.month`, book)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	out := []PeriodInfo{}
	for rows.Next() {
		var p PeriodInfo
		if err := rows.Scan(&p.Year, &p.Month, &p.Status, &p.ClosedAt, &p.ClosedBy, &p.Seal, &p.Vouchers); err != nil {
			return nil, mapError(err)
		}
		out = append(out, p)
	}
	return out, mapError(rows.Err())
}

// PeriodEvents lists the closes and re-opens of a book, oldest first.
func (db *DB) PeriodEvents(ctx context.Context, book string) ([]PeriodEvent, error) {
	rows, err := db.Pool.Query(ctx, `SELECT year, month, action, actor, at, reason FROM period_events WHERE book = $1 ORDER BY id`, book)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	out := []PeriodEvent{}
	for rows.Next() {
		var e PeriodEvent
		if err := rows.Scan(&e.Year, &e.Month, &e.Action, &e.Actor, &e.At, &e.Reason); err != nil {
			return nil, mapError(err)
		}
		out = append(out, e)
	}
	return out, mapError(rows.Err())
}

func recBaseFile(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		return name[i+1:]
	}
	return name
}

// nullJSON is a JSON value for a nullable jsonb column.
func nullJSON(b []byte) any {
	if b == nil {
		return nil
	}
	return json.RawMessage(b)
}

// storedReconciliation reads the stored bank reconciliation (调节表) of a
// period, nil when none was done (T9 then shows its headers only).
func storedReconciliation(ctx context.Context, q querier, book string, period ledger.PeriodRange) (*report.T9Table, error) {
	months := period.Months()
	if len(months) == 0 {
		return nil, nil
	}
	last := months[len(months)-1]
	var raw []byte
	err := q.QueryRow(ctx, `SELECT bank FROM reconcile_runs WHERE book = $1 AND year = $2 AND month = $3 AND bank IS NOT NULL
			ORDER BY id DESC LIMIT 1`, book, last[0], last[1]).Scan(&raw)
	if err == pgx.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var b recon.BankReconciliation
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, fmt.Errorf("stored reconciliation of %04d-%02d: %w", last[0], last[1], err)
	}
	return recon.T9FromBankrec(&b.Table, b.BankName, b.BankAccount), nil
}
