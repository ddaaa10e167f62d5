package chaos

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// sqlInvariants are queries that return one row per violation, read as
// the superuser in one snapshot.
var sqlInvariants = []struct{ name, sql string }{
	{"restricted balance below zero",
		`SELECT format('%s %s %s = %s', account, org, fund, balance_fen) FROM balances WHERE restricted AND balance_fen < 0`},
	{"voucher does not balance per fund",
		`SELECT format('voucher %s fund %s: debit %s credit %s', voucher_id, fund, sum(debit_fen), sum(credit_fen))
		 FROM voucher_lines GROUP BY book, voucher_id, fund HAVING sum(debit_fen) <> sum(credit_fen)`},
	{"stored balance differs from the journal",
		`WITH j AS (SELECT l.book, l.account, l.org, l.fund, sum(l.debit_fen - l.credit_fen) AS fen
		            FROM voucher_lines l JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
		            WHERE v.status = 'posted' GROUP BY 1, 2, 3, 4)
		 SELECT format('%s %s %s: stored %s, journal %s', coalesce(b.account, j.account), coalesce(b.org, j.org),
		               coalesce(b.fund, j.fund), b.balance_fen, j.fen)
		 FROM balances b FULL JOIN j ON j.book = b.book AND j.account = b.account AND j.org = b.org AND j.fund = b.fund
		 WHERE coalesce(b.balance_fen, 0) <> coalesce(j.fen, 0)`},
	{"half-written voucher",
		`SELECT format('voucher %s (%s): %s lines, total %s, lines debit %s', v.id, v.status, count(l.line_no), v.total_fen,
		               coalesce(sum(l.debit_fen), 0))
		 FROM vouchers v LEFT JOIN voucher_lines l ON l.book = v.book AND l.voucher_id = v.id
		 GROUP BY v.book, v.id HAVING count(l.line_no) < 2 OR v.total_fen <> coalesce(sum(l.debit_fen), 0)`},
	{"posted voucher neither sealed nor queued",
		`SELECT format('voucher %s', v.id) FROM vouchers v
		 WHERE v.status = 'posted'
		   AND NOT EXISTS (SELECT 1 FROM voucher_seals s WHERE s.book = v.book AND s.voucher_id = v.id)
		   AND NOT EXISTS (SELECT 1 FROM seal_pending p WHERE p.book = v.book AND p.voucher_id = v.id)`},
	{"voucher number taken twice",
		`SELECT format('%s %s-%s %s-%s ×%s', book, year, month, type, number, count(*)) FROM vouchers
		 GROUP BY book, type, year, month, number HAVING count(*) > 1`},
	{"idempotency key made two vouchers",
		`SELECT format('key %s: %s vouchers', idem_key, count(*)) FROM vouchers WHERE idem_key IS NOT NULL
		 GROUP BY book, idem_key HAVING count(*) > 1
		 UNION ALL
		 SELECT format('API key %s of %s: %s vouchers', idem_key, actor, count(*)) FROM actions
		 WHERE action = 'make' AND idem_key IS NOT NULL GROUP BY book, actor, idem_key HAVING count(*) > 1`},
}

// check compares the database with the model at a quiet point: every
// invariant holds, every acknowledged write is there and nothing the
// server did not acknowledge changed a voucher; the seal chain verifies
// once the sealer has drained.
func (r *run) check(ctx context.Context, label string) {
	before := r.report.Violations
	conn, err := pgx.Connect(ctx, r.cl.url("postgres"))
	if err != nil {
		r.violation("%s: connect: %v", label, err)
		return
	}
	defer conn.Close(ctx)
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		r.violation("%s: begin: %v", label, err)
		return
	}
	defer tx.Rollback(ctx)
	for _, inv := range sqlInvariants {
		rows, err := tx.Query(ctx, inv.sql)
		if err != nil {
			r.violation("%s: %s: %v", label, inv.name, err)
			continue
		}
		found, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			r.violation("%s: %s: %v", label, inv.name, err)
			continue
		}
		for i, f := range found {
			if i == 5 {
				r.violation("%s: %s: … %d in all", label, inv.name, len(found))
				break
			}
			r.violation("%s: %s: %s", label, inv.name, f)
		}
	}
	r.checkModel(ctx, tx, label)
	tx.Rollback(ctx)
	r.checkReconcile(ctx, label)
	r.checkSeals(ctx, label)
	r.logf("%s: checked, %d violations (%d in all), %d acknowledged writes", label, r.report.Violations-before,
		r.report.Violations, r.acked.Load())
}

// checkModel holds every voucher the server acknowledged to its last
// acknowledged status, and finds vouchers made by the run's keys that
// were never acknowledged.
func (r *run) checkModel(ctx context.Context, tx pgx.Tx, label string) {
	// A draft made through the API keeps its key on its row of the
	// action log (migration 00038).
	rows, err := tx.Query(ctx, `SELECT v.id, v.status, coalesce(v.idem_key, a.idem_key, ''), v.total_fen FROM vouchers v
		LEFT JOIN actions a ON a.book = v.book AND a.voucher_id = v.id AND a.action = 'make' AND a.idem_key IS NOT NULL
		WHERE v.book = $1`, book)
	if err != nil {
		r.violation("%s: read vouchers: %v", label, err)
		return
	}
	type row struct {
		id     int64
		status string
		key    string
		total  int64
	}
	stored := map[int64]row{}
	for rows.Next() {
		var x row
		if err := rows.Scan(&x.id, &x.status, &x.key, &x.total); err != nil {
			r.violation("%s: read vouchers: %v", label, err)
			return
		}
		stored[x.id] = x
	}
	if rows.Err() != nil {
		r.violation("%s: read vouchers: %v", label, rows.Err())
		return
	}
	r.mu.Lock()
	var lost, stray []string
	for id, v := range r.vouchers {
		s, ok := stored[id]
		switch {
		case !ok:
			lost = append(lost, fmt.Sprintf("voucher %d (key %s) acknowledged but absent", id, v.key))
		case s.key != v.key:
			stray = append(stray, fmt.Sprintf("voucher %d has key %q, acknowledged for %q", id, s.key, v.key))
		case v.amount > 0 && s.total != v.amount:
			stray = append(stray, fmt.Sprintf("voucher %d total %d, requested %d", id, s.total, v.amount))
		case s.status != v.status && !v.busy:
			if rank[s.status] < rank[v.status] {
				lost = append(lost, fmt.Sprintf("voucher %d is %s, acknowledged %s", id, s.status, v.status))
			} else {
				stray = append(stray, fmt.Sprintf("voucher %d is %s, but the last acknowledged step left it %s", id, s.status, v.status))
			}
		}
	}
	for id, s := range stored {
		if r.vouchers[id] == nil {
			stray = append(stray, fmt.Sprintf("voucher %d (key %q, %s) made but never acknowledged", id, s.key, s.status))
		}
	}
	r.report.Lost += int64(len(lost))
	r.mu.Unlock()
	for _, m := range lost {
		r.violation("%s: lost write: %s", label, m)
	}
	for _, m := range stray {
		r.violation("%s: %s", label, m)
	}
}

var rank = map[string]int{"draft": 0, "checked": 1, "signed": 2, "posted": 3, "void": 3}

// moneyChecks are the reconciliation checks about the money itself; the
// others (audit findings, the seal chain while the sealer runs) are not
// what a crash can break.
var moneyChecks = map[string]bool{"voucher_balance": true, "stored_balance": true, "conservation": true,
	"negative_balance": true, "trial_balance_opening": true, "trial_balance_period": true,
	"trial_balance_closing": true, "parent_posting": true, "general_ledger": true, "voucher_numbering": true}

// checkReconcile runs the monthly batch's checks on the current month
// without closing it.
func (r *run) checkReconcile(ctx context.Context, label string) {
	p, err := ledger.ParsePeriod(r.db.Now().UTC().Format("2006-01"))
	if err != nil {
		r.violation("%s: %v", label, err)
		return
	}
	res, err := r.db.ReconcilePreview(ctx, postgres.ReconcileOptions{Book: book, Period: p, WindowDays: 10})
	if err != nil {
		r.violation("%s: reconcile: %v", label, err)
		return
	}
	for _, d := range res.Discrepancies {
		if moneyChecks[d.Check] {
			r.violation("%s: reconcile %s: voucher %s account %s org %s fund %s: expected %s, actual %s (%s)",
				label, d.Check, d.Voucher, d.Account, d.Org, d.Fund, d.Expected, d.Actual, d.Msg)
		}
	}
}

// checkSeals waits up to 10 s for the sealer to drain the posted vouchers
// and then verifies the chain. A backlog left waiting is sealed here
// (noted as a sealer stall) so that the chain can still be verified.
func (r *run) checkSeals(ctx context.Context, label string) {
	deadline := time.Now().Add(10 * time.Second)
	var res postgres.VerifyResult
	var err error
	for {
		res, err = r.db.Verify(ctx, book, 0)
		if err != nil {
			r.violation("%s: verify: %v", label, err)
			return
		}
		if len(res.Pending) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if len(res.Pending) > 0 {
		r.mu.Lock()
		r.report.SealerStalls++
		r.mu.Unlock()
		r.logf("%s: %d posted vouchers still wait for the sealer after 10 s; sealing them here", label, len(res.Pending))
		if _, err := r.db.SealAll(ctx); err != nil {
			r.violation("%s: seal: %v", label, err)
			return
		}
		if res, err = r.db.Verify(ctx, book, 0); err != nil {
			r.violation("%s: verify: %v", label, err)
			return
		}
	}
	if res.ProblemCount > 0 {
		for _, p := range res.Problems {
			r.violation("%s: verify: %+v", label, p)
		}
	}
}
