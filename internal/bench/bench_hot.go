package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres/embedded"
)

// benchHotRate and benchHotRateOurs bound the postings per second the
// baseline and the ledger are given vouchers for (the ledger's are made
// through every trigger, which takes a while); a side that runs out stops
// early and its rate is what it did until then. Both are above what each
// side posts here (1,350 and 750 a second at 64 clients, tenth round), so
// that each runs both its halves: at 300 the ledger's were all posted in
// its first half.
const (
	benchHotRate     = 2000
	benchHotRateOurs = 1000
)

// hot runs the contended case: clients posting spend vouchers of one
// branch over HTTP, every posting locking that branch's balance rows,
// against the bare posting transaction on one hot row. The vouchers are
// made and checked beforehand (through the application role, every
// trigger running), so only the postings are timed. Afterwards the
// branch's balance must be its allocation less exactly what was posted,
// and never below zero, on both sides.
func (o *benchOnline) hot(ctx context.Context, clients int) ([]Result, error) {
	half := o.env.opt.Duration / 2
	n := max(300, int(benchHotRateOurs*o.env.opt.Duration.Seconds()))
	o.env.opt.logf("hot: making %d checked vouchers of %s (and %d bare ones)", n, benchHotOrg, n*benchHotRate/benchHotRateOurs)
	ids, fens, err := o.hotDrafts(ctx, n)
	if err != nil {
		return nil, err
	}
	bareFens := make([]int64, n*benchHotRate/benchHotRateOurs)
	for i := range bareFens {
		bareFens[i] = fens[i%len(fens)]
	}
	bareIDs, err := o.bareHotDrafts(ctx, bareFens)
	if err != nil {
		return nil, err
	}
	oursBefore, bareBefore, err := o.hotBalances(ctx)
	if err != nil {
		return nil, err
	}
	var next, bareNext atomic.Int64
	var ours, bare loadResult
	var oursPG, barePG pgSampler
	for round := range 2 {
		o.env.opt.logf("hot: round %d: bare pgx on one row, %d clients, %v", round+1, clients, half)
		bare.add(o.sampled(ctx, embedded.Superuser, &barePG, func() loadResult {
			return runClients(ctx, clients, half, func(ctx context.Context, _ int, _ *rand.Rand, st *clientStats) bool {
				i := int(bareNext.Add(1) - 1)
				if i >= len(bareIDs) {
					return false
				}
				var fen int64
				err := o.bareTimed(st, func() (err error) { fen, err = barePost(ctx, o.bare, bareIDs[i], true); return err })
				if err != nil {
					st.fail(err)
					return ctx.Err() == nil
				}
				st.units++
				st.fen += fen
				return true
			})
		}))
		o.env.opt.logf("hot: round %d: HTTP API, %d clients, %v", round+1, clients, half)
		ours.add(o.sampled(ctx, "ledger_app", &oursPG, func() loadResult {
			return runClients(ctx, clients, half, func(ctx context.Context, _ int, _ *rand.Rand, st *clientStats) bool {
				i := int(next.Add(1) - 1)
				if i >= len(ids) {
					return false
				}
				if _, err := o.call(ctx, st, "liqiang", fmt.Sprintf("/api/v1/vouchers/%d/post", ids[i]), ""); err != nil {
					st.fail(err)
					return ctx.Err() == nil
				}
				st.units++
				st.fen += fens[i]
				return true
			})
		}))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if ours.units == 0 || bare.units == 0 {
		return nil, fmt.Errorf("nothing was posted (ours: %v; bare: %v)", ours.firstErr, bare.firstErr)
	}
	oursAfter, bareAfter, err := o.hotBalances(ctx)
	if err != nil {
		return nil, err
	}
	// This run's vouchers: with --runs the branch holds earlier runs'
	// postings too (the balances were read before this run).
	var postedN, postedFen int64
	if err := o.db.Pool.QueryRow(ctx, `SELECT count(*), coalesce(sum(l.credit_fen), 0) FROM vouchers v
		JOIN voucher_lines l ON l.book = v.book AND l.voucher_id = v.id AND l.account = $3 AND l.org = $2
		WHERE v.book = $1 AND v.status = 'posted' AND v.flow = 'spend' AND v.id = ANY($4)`, benchBook, benchHotOrg, ledger.AcctPending, ids).Scan(&postedN, &postedFen); err != nil {
		return nil, err
	}
	var bareN, bareFen int64
	if err := o.bare.QueryRow(ctx, `SELECT count(*), coalesce(sum(amount), 0) FROM bare.vouchers WHERE org = $1 AND status = 'posted' AND id = ANY($2)`,
		benchHotOrg, bareIDs).Scan(&bareN, &bareFen); err != nil {
		return nil, err
	}
	switch {
	case oursAfter != oursBefore-ours.fen || postedFen != ours.fen || postedN != int64(ours.units) || oursAfter < 0:
		return nil, fmt.Errorf("ours lost or overspent money: balance %d → %d, clients posted %d vouchers of %d fen, the ledger holds %d of %d fen",
			oursBefore, oursAfter, ours.units, ours.fen, postedN, postedFen)
	case bareAfter != bareBefore-bare.fen || bareFen != bare.fen || bareN != int64(bare.units) || bareAfter < 0:
		return nil, fmt.Errorf("the baseline lost or overspent money: balance %d → %d, clients posted %d of %d fen, the table holds %d of %d fen",
			bareBefore, bareAfter, bare.units, bare.fen, bareN, bareFen)
	}
	r := newResult("hot", "posts/s", ours.rate(ours.units), bare.rate(bare.units), target{"min", 0.5})
	r.Detail = map[string]float64{
		"posts": float64(ours.units), "baseline_posts": float64(bare.units),
		"p50_ms": ours.percentile(0.5), "p99_ms": ours.percentile(0.99),
		"baseline_p50_ms": bare.percentile(0.5), "baseline_p99_ms": bare.percentile(0.99),
		"balance_before": float64(oursBefore) / 100, "balance_after": float64(oursAfter) / 100,
		"errors": float64(ours.errs), "baseline_errors": float64(bare.errs),
		"seconds": round4(ours.elapsed.Seconds()), "baseline_seconds": round4(bare.elapsed.Seconds()),
	}
	addWaits(r.Detail, "", &oursPG, ours.units)
	addWaits(r.Detail, "baseline_", &barePG, bare.units)
	if ours.errs+bare.errs > 0 {
		r.Note = fmt.Sprintf("%d errors, first: %v", ours.errs+bare.errs, firstErr(ours.firstErr, bare.firstErr))
		f := false
		r.Pass = &f
	}
	return []Result{r}, nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// hotDrafts makes n checked spend vouchers of the hot branch through the
// application role in three set-based statements (numbering, line and
// state triggers all run) and returns their ids and amounts.
func (o *benchOnline) hotDrafts(ctx context.Context, n int) ([]int64, []int64, error) {
	var ids, fens []int64
	now := time.Now().UTC()
	err := pgx.BeginFunc(ctx, o.db.Pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `INSERT INTO vouchers (book, type, year, month, number, date, summary, attachments, doc_types, decision,
				payee, payee_type, flow, maker, made_at)
			SELECT $1, '记', 0, 0, 1, $2::date, '流动人口排查临时党支部专项党费报账', 1, '{发票}', '支委会2020-03-09', '汾阳市医药公司', 'supplier', 'spend', 'wangfang', $3
			FROM generate_series(1, $4::int) RETURNING id`, benchBook, benchOnlineDate, now, n)
		if err != nil {
			return err
		}
		if ids, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
			return err
		}
		var vid, debit, credit []int64
		var no []int32
		var account []string
		var purpose []*string
		proc := string(ledger.Procurement)
		for i, id := range ids {
			fen := 100 + int64(i*7919)%9900
			fens = append(fens, fen)
			vid = append(vid, id, id)
			no = append(no, 1, 2)
			account = append(account, ledger.AcctProcurement, ledger.AcctPending)
			purpose = append(purpose, &proc, nil)
			debit = append(debit, fen, 0)
			credit = append(credit, 0, fen)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO voucher_lines (book, voucher_id, date, line_no, summary, account, org, fund, purpose, debit_fen, credit_fen)
			SELECT $1, t.vid, v.date, t.no, '物资采购', t.account, $2, $3, t.purpose, t.debit, t.credit
			FROM unnest($4::bigint[], $5::int[], $6::text[], $7::text[], $8::bigint[], $9::bigint[]) AS t (vid, no, account, purpose, debit, credit)
			JOIN vouchers v ON v.book = $1 AND v.id = t.vid`,
			benchBook, benchHotOrg, benchFund, vid, no, account, purpose, debit, credit); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE vouchers SET status = 'checked', checker = 'liqiang', checked_at = $2 WHERE book = $1 AND id = ANY($3)`, benchBook, now, ids)
		return err
	})
	return ids, fens, err
}

// bareHotDrafts makes the baseline's checked vouchers of the hot branch
// with the same amounts.
func (o *benchOnline) bareHotDrafts(ctx context.Context, fens []int64) ([]int64, error) {
	rows, err := o.bare.Query(ctx, `INSERT INTO bare.vouchers (number, status, org, amount, maker, checker)
		SELECT 0, 'checked', $1, f, 'wangfang', 'liqiang' FROM unnest($2::bigint[]) WITH ORDINALITY AS t (f, i) ORDER BY i RETURNING id`, benchHotOrg, fens)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// hotBalances reads the hot branch's pending-settlement balance on both
// sides, in fen.
func (o *benchOnline) hotBalances(ctx context.Context) (ours, bare int64, err error) {
	err = o.db.Pool.QueryRow(ctx, `SELECT balance_fen FROM balances WHERE book = $1 AND account = $2 AND org = $3 AND fund = $4`,
		benchBook, ledger.AcctPending, benchHotOrg, benchFund).Scan(&ours)
	if err == nil {
		err = o.bare.QueryRow(ctx, `SELECT balance FROM bare.balances WHERE account = '121801' AND org = $1`, benchHotOrg).Scan(&bare)
	}
	return ours, bare, err
}
