package bench

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
	"github.com/fenyang/partyfee/ledger/recon"
)

// The bulk workloads (verify, reconcile, workbook) share one database
// holding N posted and sealed vouchers of February 2020, numbered 记-1 … N
// without gaps: number 1 receives the upper fund, 2–12 allocate it to the
// eleven checkpoint branches FY-CP-01 … 11, the rest spend it on
// procurement (every tenth with two beneficiaries), each to a supplier of
// its own, below the approval threshold, with a decision and an invoice,
// so that the books are clean and the audit rules find little. The rows
// are written straight into the tables as the superuser with triggers off
// (as a restore would), the balances, numbering counter and sealing queue
// derived from them, and then sealed by the real sealer, SealPending.

// benchPeriod is the month of the bulk data.
const benchPeriod = "2020-02"

type benchBulk struct {
	*benchDatabase
	n        int
	loaded   time.Duration
	sealed   time.Duration
	period   ledger.PeriodRange
	diskMiB  float64
	children map[string]benchChildResult
	pages    *benchWeb // the web workbench over it, once started
	findings bool      // the month's findings are recorded
}

func (e *benchEnv) bulkDB(ctx context.Context) (*benchBulk, error) {
	if e.opt.ReuseBulk {
		if b, err := e.reuseBulk(ctx); b != nil || err != nil {
			return b, err
		}
	}
	d, err := e.database(ctx, "bench_bulk")
	if err != nil {
		return nil, err
	}
	b := &benchBulk{benchDatabase: d, n: e.opt.Scale, children: map[string]benchChildResult{}}
	b.period, _ = ledger.ParsePeriod(benchPeriod)
	e.opt.logf("bulk: writing %d posted vouchers", b.n)
	b.loaded, err = timeIt(func() error { return d.super(ctx, benchBulkSQL(b.n)...) })
	if err != nil {
		return nil, err
	}
	e.opt.logf("bulk: written in %v; sealing them", b.loaded.Round(time.Millisecond))
	var sealed int
	b.sealed, err = timeIt(func() (err error) { sealed, err = d.db.SealPending(ctx, benchBook); return err })
	if err != nil {
		return nil, err
	}
	if sealed != b.n {
		return nil, fmt.Errorf("the sealer sealed %d of %d vouchers", sealed, b.n)
	}
	e.opt.logf("bulk: sealed in %v (%.0f vouchers/s); vacuuming", b.sealed.Round(time.Millisecond), float64(b.n)/b.sealed.Seconds())
	if err := d.super(ctx, `VACUUM ANALYZE`); err != nil {
		return nil, err
	}
	var bytes int64
	if err := d.db.Pool.QueryRow(ctx, `SELECT pg_database_size(current_database())`).Scan(&bytes); err == nil {
		b.diskMiB = round4(float64(bytes) / (1 << 20))
	}
	return b, nil
}

// benchBulkSQL writes n posted vouchers of February 2020 (see above).
func benchBulkSQL(n int) []string {
	const in = `v.book = 'FY-DFZH' AND v.year = 2020 AND v.month = 2`
	branch := func(expr string) string { return `'FY-CP-' || lpad((` + expr + `)::text, 2, '0')` }
	return []string{
		`SET session_replication_role = replica`,
		fmt.Sprintf(`INSERT INTO vouchers (book, type, year, month, number, date, summary, attachments, doc_types, decision, payee, payee_type,
				method, flow, status, maker, made_at, checker, checked_at, cashier, signed_at, poster, posted_at, total_fen)
			SELECT 'FY-DFZH', '记', 2020, 2, g,
				CASE WHEN g <= 12 THEN date '2020-02-01' ELSE date '2020-02-02' + (g %% 28) END,
				CASE WHEN g = 1 THEN '收到上级下拨专项党费' WHEN g <= 12 THEN '划拨专项党费' ELSE '专项党费报账：物资采购第' || g || '笔' END,
				1 + g %% 3,
				CASE WHEN g <= 12 THEN '{银行回单}'::text[] ELSE '{发票}'::text[] END,
				CASE WHEN g = 1 THEN '吕组通〔2020〕5号' ELSE '部务会2020-01-30' END,
				CASE WHEN g = 1 THEN '中共吕梁市委组织部' WHEN g <= 12 THEN %[2]s ELSE '汾阳市供应商' || g END,
				CASE WHEN g = 1 THEN 'upper_org' WHEN g <= 12 THEN 'org' ELSE 'supplier' END,
				CASE WHEN g <= 12 THEN 'bank' ELSE '' END,
				CASE WHEN g = 1 THEN 'receive' WHEN g <= 12 THEN 'allocate' ELSE 'spend' END,
				'posted', 'wangfang', t, 'liqiang', t, CASE WHEN g <= 12 THEN 'zhaomin' END, CASE WHEN g <= 12 THEN t END,
				'liqiang', t + g * interval '1 millisecond',
				CASE WHEN g <= 12 THEN 0 ELSE 100 + (g::bigint * 7919) %% 90000 END
			FROM generate_series(1, %[1]d) g, (SELECT timestamptz '2020-02-29 20:00:00+00' AS t) c`, n, branch("g - 1")),
		// Each branch is allocated what it spends and a million yuan more;
		// the receipt is what is allocated.
		`UPDATE vouchers v SET total_fen = s.total + 100000000
			FROM (SELECT k, coalesce(sum(x.total_fen), 0) AS total FROM generate_series(1, 11) k
				LEFT JOIN vouchers x ON x.book = 'FY-DFZH' AND x.year = 2020 AND x.month = 2 AND x.number > 12 AND 1 + x.number % 11 = k
				GROUP BY k) s
			WHERE ` + in + ` AND v.number = 1 + s.k`,
		`UPDATE vouchers v SET total_fen = (SELECT sum(total_fen) FROM vouchers x WHERE x.book = 'FY-DFZH' AND x.year = 2020 AND x.month = 2 AND x.number BETWEEN 2 AND 12)
			WHERE ` + in + ` AND v.number = 1`,
		`INSERT INTO voucher_lines (book, voucher_id, date, line_no, summary, account, org, fund, purpose, debit_fen, credit_fen)
			SELECT v.book, v.id, v.date, n,
				CASE WHEN v.number = 1 THEN '收到上级下拨专项党费' WHEN v.number <= 12 THEN '划拨专项党费' ELSE '物资采购' END,
				CASE WHEN v.number = 1 THEN (CASE n WHEN 1 THEN '100201' ELSE '420101' END)
					WHEN v.number <= 12 THEN (CASE n WHEN 1 THEN '121801' ELSE '100201' END)
					ELSE (CASE n WHEN 1 THEN '500101' ELSE '121801' END) END,
				CASE WHEN v.number = 1 THEN 'FY'
					WHEN v.number <= 12 THEN (CASE n WHEN 1 THEN ` + branch("v.number - 1") + ` ELSE 'FY' END)
					ELSE ` + branch("1 + v.number % 11") + ` END,
				'FY-UP',
				CASE WHEN v.number > 12 AND n = 1 THEN 'procurement' END,
				CASE WHEN n = 1 THEN v.total_fen ELSE 0 END,
				CASE WHEN n = 2 THEN v.total_fen ELSE 0 END
			FROM vouchers v, generate_series(1, 2) n WHERE ` + in + ` ORDER BY v.id, n`,
		`INSERT INTO voucher_beneficiaries (book, voucher_id, seq, name, category, id_number, amount_fen)
			SELECT v.book, v.id, s, '受益人' || v.number || '-' || s, '群众',
				-- a real 居民身份证 number, one per voucher: 17 digits and the
				-- GB 11643 check character
				f.id17 || substr('10X98765432', (SELECT sum(substr(f.id17, i, 1)::int *
					(ARRAY[7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2])[i]) FROM generate_series(1, 17) i)::int % 11 + 1, 1), 1
			FROM vouchers v CROSS JOIN generate_series(1, 2) s
			CROSS JOIN LATERAL (SELECT '14' || lpad((v.number % 10000)::text, 4, '0') || '19700101' ||
				lpad(((v.number / 10000) % 1000)::text, 3, '0') AS id17) f
			WHERE ` + in + ` AND v.number > 12 AND v.number % 10 = 0`,
		fmt.Sprintf(`INSERT INTO voucher_counters (book, year, month, type, last) VALUES ('FY-DFZH', 2020, 2, '记', %d)`, n),
		`INSERT INTO periods (book, year, month) VALUES ('FY-DFZH', 2020, 2) ON CONFLICT DO NOTHING`,
		`INSERT INTO balances (book, account, org, fund, restricted, balance_fen)
			SELECT l.book, l.account, l.org, l.fund, a.restricted, sum(l.debit_fen - l.credit_fen)
			FROM voucher_lines l JOIN accounts a ON a.book = l.book AND a.code = l.account
			GROUP BY l.book, l.account, l.org, l.fund, a.restricted`,
		`INSERT INTO seal_pending (book, voucher_id, posted_at) SELECT book, id, posted_at FROM vouchers ORDER BY posted_at, id`,
		// The turnover by day, as the posting trigger writes it (migration
		// 00021).
		strings.ReplaceAll(derivePosted, "$RANGE", "true"),
		`RESET session_replication_role`,
		`ANALYZE`,
	}
}

// verify: Verify over the whole chain against one ordered read of the same
// rows with SHA-256 over their bytes.
func (b *benchBulk) verify(ctx context.Context) ([]Result, error) {
	var ours, bare time.Duration
	rounds := b.rounds()
	for round := range rounds {
		b.env.opt.logf("verify: round %d: bare read and hash", round+1)
		t, err := timeIt(func() error { return b.bareReadHash(ctx) })
		if err != nil {
			return nil, err
		}
		bare += t
		b.env.opt.logf("verify: round %d: verify (bare took %v)", round+1, t.Round(time.Millisecond))
		t, err = timeIt(func() error {
			res, err := b.db.Verify(ctx, benchBook, 1)
			if err == nil && (!res.Clean() || res.Checked != int64(b.n)) {
				err = fmt.Errorf("verify checked %d of %d seals and found %d problems: %v", res.Checked, b.n, res.ProblemCount, res.First())
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		ours += t
	}
	r := newResult("verify", "vouchers/s", float64(b.n*rounds)/ours.Seconds(), float64(b.n*rounds)/bare.Seconds(), target{"min", 0.5})
	r.Detail = map[string]float64{"vouchers": float64(b.n), "rounds": float64(rounds),
		"load_s": round4(b.loaded.Seconds()), "seal_s": round4(b.sealed.Seconds()),
		"seal_vouchers_per_s": round4(float64(b.n) / b.sealed.Seconds()), "database_mib": b.diskMiB}
	return []Result{r}, nil
}

// rounds is how many times each side of a bulk workload runs: twice,
// alternately, unless the run is a big one.
func (b *benchBulk) rounds() int {
	if b.n > 200_000 {
		return 1
	}
	return 2
}

// bareReadHash is verify's baseline: one ordered read of the rows verify
// needs (seals with their vouchers and lines, and the beneficiaries) and
// SHA-256 over their bytes as they arrive.
func (b *benchBulk) bareReadHash(ctx context.Context) error {
	conn, err := b.db.Pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	h := sha256.New()
	seals := 0
	var last int64
	for q, sql := range []string{
		`SELECT s.seq, s.seal, s.prev, v.id, v.type, v.year, v.month, v.number, v.date, v.summary, v.attachments, v.decision,
			v.payee, v.payee_type, v.method, v.flow, v.reversal_of, v.maker, v.made_at, v.checker, v.checked_at,
			v.cashier, v.signed_at, v.poster, v.posted_at, v.status,
			l.line_no, l.account, l.org, l.fund, l.purpose, l.debit_fen, l.credit_fen
		FROM voucher_seals s JOIN vouchers v ON v.book = s.book AND v.id = s.voucher_id
		JOIN voucher_lines l ON l.book = s.book AND l.voucher_id = s.voucher_id
		WHERE s.book = $1 ORDER BY s.seq, l.line_no`,
		`SELECT s.seq, b.name, b.category, b.id_number, b.amount_fen
		FROM voucher_seals s JOIN voucher_beneficiaries b ON b.book = s.book AND b.voucher_id = s.voucher_id
		WHERE s.book = $1 ORDER BY s.seq, b.seq`,
	} {
		rows, err := conn.Query(ctx, sql, benchBook)
		if err != nil {
			return err
		}
		for rows.Next() {
			raw := rows.RawValues()
			for _, c := range raw {
				h.Write(c)
			}
			if q == 0 && len(raw[0]) == 8 { // seq arrives as a binary int8
				if seq := int64(binary.BigEndian.Uint64(raw[0])); seq != last {
					seals++
					last = seq
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	if seals != b.n {
		return fmt.Errorf("the bare read saw %d seals, want %d", seals, b.n)
	}
	return nil
}

// reconcile: the monthly batch over the period against its balance,
// conservation and numbering checks in bare SQL plus the bare chain check.
// The batch's audit-rule step is timed apart, and so is the whole audit
// workbook (in a child process); both are reported without targets.
func (b *benchBulk) reconcile(ctx context.Context) ([]Result, error) {
	var ours, bare, rules time.Duration
	rounds := b.rounds()
	var last *recon.ReconcileResult
	steps := map[string]float64{} // seconds per step of the batch, summed over the rounds
	for round := range rounds {
		b.env.opt.logf("reconcile: round %d: bare checks", round+1)
		t, err := timeIt(func() error { return b.bareChecks(ctx) })
		if err != nil {
			return nil, err
		}
		bare += t
		b.env.opt.logf("reconcile: round %d: the batch (bare took %v)", round+1, t.Round(time.Millisecond))
		var auditStart, stepStart time.Time
		var audit time.Duration
		prev := ""
		opt := postgres.ReconcileOptions{Book: benchBook, Period: b.period, WindowDays: 10, Progress: func(step string, done, total int) {
			now := time.Now()
			if prev != "" {
				steps["step_"+strings.ReplaceAll(prev, " ", "_")+"_s"] += now.Sub(stepStart).Seconds()
			}
			prev, stepStart = step, now
			switch {
			case step == "audit findings":
				auditStart = now
			case !auditStart.IsZero() && audit == 0:
				audit = now.Sub(auditStart)
			}
		}}
		t, err = timeIt(func() (err error) { last, err = b.db.Reconcile(ctx, opt); return err })
		if err != nil {
			return nil, err
		}
		ours += t - audit
		rules += audit
	}
	if last.Vouchers != b.n {
		return nil, fmt.Errorf("the batch counted %d posted vouchers in %s, want %d", last.Vouchers, benchPeriod, b.n)
	}
	var failed []string
	for _, c := range last.Checks {
		if c.Ran && c.Count > 0 {
			failed = append(failed, fmt.Sprintf("%s ×%d", c.Name, c.Count))
		}
	}
	r := newResult("reconcile", "s", ours.Seconds()/float64(rounds), bare.Seconds()/float64(rounds), target{"max", 1.5})
	r.Detail = map[string]float64{"vouchers": float64(last.Vouchers), "findings": float64(len(last.Findings)), "rounds": float64(rounds)}
	for k, v := range steps {
		r.Detail[k] = round4(v / float64(rounds))
	}
	if len(failed) > 0 {
		r.Note = "batch found " + strings.Join(failed, ", ")
	}
	out := []Result{r, newResult("reconcile-audit-rules", "s", rules.Seconds()/float64(rounds), 0, target{})}
	// The reconciliation workbook of the last run, against the bare
	// StreamWriter of the same cells, each in a child process.
	res, err := json.Marshal(last)
	if err != nil {
		return nil, err
	}
	spec := filepath.Join(b.env.opt.DataDir, "bench-reconcile-result.json")
	if err := os.WriteFile(spec, res, 0o644); err != nil {
		return nil, err
	}
	defer os.Remove(spec)
	ws, err := b.childPair(ctx, "reconcile-workbook", childReconcileBare, childReconcile, "--child-spec", spec)
	if err != nil {
		return nil, err
	}
	return append(out, ws...), nil
}

// childPair runs a workbook and its bare baseline, each in a child
// process, alternately, b.rounds() times each: rows name (time ≤ 1.5×)
// and name-rss (peak RSS ≤ the baseline's + 100 MiB).
func (b *benchBulk) childPair(ctx context.Context, name, bareKind, oursKind string, extra ...string) ([]Result, error) {
	var ours, bare benchChildResult
	rounds := b.rounds()
	for round := range rounds {
		b.env.opt.logf("%s: round %d: bare StreamWriter", name, round+1)
		r, err := b.child(ctx, bareKind, extra...)
		if err != nil {
			return nil, err
		}
		bare.add(r)
		b.env.opt.logf("%s: round %d: ours (bare took %.1f s)", name, round+1, r.Seconds)
		if r, err = b.child(ctx, oursKind, extra...); err != nil {
			return nil, err
		}
		ours.add(r)
	}
	if ours.Rows != bare.Rows {
		return nil, fmt.Errorf("%s: ours read %d rows, the bare writer %d", name, ours.Rows, bare.Rows)
	}
	t := newResult(name, "s", ours.Seconds/float64(rounds), bare.Seconds/float64(rounds), target{"max", 1.5})
	t.Detail = map[string]float64{"rows": float64(ours.Rows / int64(rounds)), "bytes": float64(ours.Bytes / int64(rounds)),
		"baseline_bytes": float64(bare.Bytes / int64(rounds)), "rounds": float64(rounds)}
	m := newResult(name+"-rss", "MiB", ours.MaxRSSMiB, bare.MaxRSSMiB, target{"plus", 100})
	return []Result{t, m}, nil
}

// bareChecks are the batch's stored-balance, voucher-balance,
// conservation and numbering checks as bare SQL, and the bare chain check.
func (b *benchBulk) bareChecks(ctx context.Context) error {
	for _, q := range []string{
		// stored balances against the journal
		`SELECT count(*) FROM (SELECT l.account, l.org, l.fund, sum(l.debit_fen - l.credit_fen) s FROM voucher_lines l
			JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id WHERE l.book = 'FY-DFZH' AND v.status = 'posted' GROUP BY 1, 2, 3) j
			FULL JOIN (SELECT * FROM balances WHERE book = 'FY-DFZH') b USING (account, org, fund) WHERE coalesce(j.s, 0) <> coalesce(b.balance_fen, 0)`,
		// every voucher of the period balances per fund
		`SELECT count(*) FROM (SELECT l.voucher_id, l.fund FROM voucher_lines l JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
			WHERE l.book = 'FY-DFZH' AND v.date BETWEEN '2020-02-01' AND '2020-02-29' AND v.status = 'posted'
			GROUP BY 1, 2 HAVING sum(l.debit_fen) <> sum(l.credit_fen) OR count(*) < 2) x`,
		// conservation per special fund: income = bank + pending + spent + grants
		`SELECT l.fund, sum(CASE WHEN l.account IN ('420101', '4801') THEN l.credit_fen - l.debit_fen ELSE 0 END),
			sum(CASE WHEN l.account IN ('100201', '121801', '500101', '500102', '500103', '5501') THEN l.debit_fen - l.credit_fen ELSE 0 END)
			FROM voucher_lines l JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
			WHERE l.book = 'FY-DFZH' AND v.status = 'posted' AND v.date <= '2020-02-29' GROUP BY 1`,
		// numbering without gaps
		`SELECT count(*) FROM (SELECT number - lag(number, 1, 0) OVER (PARTITION BY type ORDER BY number) g
			FROM vouchers WHERE book = 'FY-DFZH' AND year = 2020 AND month = 2) x WHERE g > 1`,
	} {
		rows, err := b.db.Pool.Query(ctx, q)
		if err != nil {
			return err
		}
		for rows.Next() {
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return b.bareReadHash(ctx)
}

// workbook: T3 使用明细 of the audit workbook against a bare StreamWriter
// of the same cells, each side in a child process of its own (reading the
// same AuditData from the database) for its peak RSS.
func (b *benchBulk) workbook(ctx context.Context) ([]Result, error) {
	var ours, bare benchChildResult
	rounds := b.rounds()
	for round := range rounds {
		b.env.opt.logf("workbook: round %d: bare StreamWriter", round+1)
		r, err := b.child(ctx, "workbook-bare")
		if err != nil {
			return nil, err
		}
		bare.add(r)
		b.env.opt.logf("workbook: round %d: T3 of the audit workbook (bare took %.1f s)", round+1, r.Seconds)
		if r, err = b.child(ctx, "workbook-t3"); err != nil {
			return nil, err
		}
		ours.add(r)
	}
	if ours.Rows != bare.Rows || ours.Rows < int64(rounds*(b.n-12)) {
		return nil, fmt.Errorf("T3 had %d rows, the bare writer %d; want %d", ours.Rows, bare.Rows, rounds*(b.n-12))
	}
	t := newResult("workbook", "s", ours.Seconds/float64(rounds), bare.Seconds/float64(rounds), target{"max", 1.5})
	t.Detail = map[string]float64{"t3_rows": float64(ours.Rows / int64(rounds)), "bytes": float64(ours.Bytes / int64(rounds)),
		"baseline_bytes": float64(bare.Bytes / int64(rounds))}
	m := newResult("workbook-rss", "MiB", ours.MaxRSSMiB, bare.MaxRSSMiB, target{"plus", 50})
	// The whole audit workbook (report audit), every sheet, against the
	// bare StreamWriter of the same cells of every sheet.
	full, err := b.childPair(ctx, "audit-workbook", "workbook-bare-full", "workbook-full")
	if err != nil {
		return nil, err
	}
	return append([]Result{t, m}, full...), nil
}
