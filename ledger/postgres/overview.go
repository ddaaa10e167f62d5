package postgres

import (
	"context"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/recon"
)

// The reads of the auditors' overview (审计总览) beyond the control totals
// (Totals): the special funds' figures per organisation and the
// conservation per fund at a day. Posted vouchers only.

// BranchFigure is one organisation's special money over a period: what was
// allocated to it, what it spent (the purpose accounts 5001xx), what it
// returned, what it holds unspent (已拨未用, 121801) at the period's end,
// and the movements of that unspent money up to the end (for its 滞留).
type BranchFigure struct {
	Org                                 string
	Allocated, Spent, Returned, Unspent ledger.Money
	Moves                               []recon.PendingMove
}

// BranchFigures reads the figures of the organisations of org's subtree
// ("" for the whole book) that have any, in code order.
func (db *DB) BranchFigures(ctx context.Context, book, org string, from, to time.Time) ([]BranchFigure, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT l.org,
			coalesce(sum(l.debit_fen) FILTER (WHERE l.date >= $2 AND l.account LIKE $5), 0),
			coalesce(sum(l.debit_fen - l.credit_fen) FILTER (WHERE l.date >= $2 AND l.account LIKE '5001%'), 0),
			coalesce(sum(l.credit_fen) FILTER (WHERE l.date >= $2 AND l.account LIKE $5 AND l.flow = 'return'), 0),
			coalesce(sum(l.debit_fen - l.credit_fen) FILTER (WHERE l.account LIKE $5), 0)
		FROM turnover l
		JOIN funds f ON f.book = l.book AND f.code = l.fund AND f.kind IN ('upper', 'matching')
		JOIN organisations o ON o.book = l.book AND o.code = l.org
		WHERE l.book = $1 AND l.date <= $3 AND (l.account LIKE $5 OR l.account LIKE '5001%')
		  AND ($4 = '' OR EXISTS (SELECT 1 FROM organisations s WHERE s.book = l.book AND s.code = $4 AND (o.path = s.path OR o.path LIKE s.path || '/%')))
		GROUP BY l.org ORDER BY l.org`, book, from, to, org, ledger.AcctPending+"%")
	if err != nil {
		return nil, mapError(err)
	}
	var res []BranchFigure
	at := map[string]int{}
	for rows.Next() {
		var b BranchFigure
		var a, s, r, u int64
		if err := rows.Scan(&b.Org, &a, &s, &r, &u); err != nil {
			rows.Close()
			return nil, mapError(err)
		}
		if a == 0 && s == 0 && r == 0 && u == 0 {
			continue
		}
		b.Allocated, b.Spent, b.Returned, b.Unspent = ledger.FromFen(a), ledger.FromFen(s), ledger.FromFen(r), ledger.FromFen(u)
		at[b.Org] = len(res)
		res = append(res, b)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError(err)
	}
	// The unspent money's moves by day: the day's debits (allocations, less
	// any red reversal of one) come in before its credits go out. First in,
	// first out, what is left and its oldest day depend only on how much
	// came in up to each day and how much went out in all (a restricted
	// balance never goes below zero), so a day's sums give the 滞留 of the
	// lines one by one.
	rows, err = db.Pool.Query(ctx, `
		SELECT l.org, l.date, sum(l.debit_fen), sum(l.credit_fen)
		FROM turnover l
		JOIN funds f ON f.book = l.book AND f.code = l.fund AND f.kind IN ('upper', 'matching')
		JOIN organisations o ON o.book = l.book AND o.code = l.org
		WHERE l.book = $1 AND l.date <= $2 AND l.account LIKE $4
		  AND ($3 = '' OR EXISTS (SELECT 1 FROM organisations s WHERE s.book = l.book AND s.code = $3 AND (o.path = s.path OR o.path LIKE s.path || '/%')))
		GROUP BY l.org, l.date ORDER BY l.org, l.date`, book, to, org, ledger.AcctPending+"%")
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	for rows.Next() {
		var o string
		var d time.Time
		var in, out int64
		if err := rows.Scan(&o, &d, &in, &out); err != nil {
			return nil, mapError(err)
		}
		i, ok := at[o]
		if !ok {
			continue
		}
		if in != 0 {
			res[i].Moves = append(res[i].Moves, recon.PendingMove{Date: d, Amount: ledger.FromFen(in)})
		}
		if out != 0 {
			res[i].Moves = append(res[i].Moves, recon.PendingMove{Date: d, Amount: ledger.FromFen(-out)})
		}
	}
	return res, mapError(rows.Err())
}

// FundConservation is SPEC §3's conservation of one special fund at a day
// (the reconciliation's ConservationRow), with Carried, the fund's money
// in 党费结余 (3001) after a year's close.
type FundConservation struct {
	recon.ConservationRow
}

// Holds reports whether Income + Carried = Bank + Pending + Spent + Grants
// (Carried: 党费结余, credit-positive, as the reconciliation shows it).
func (c FundConservation) Holds() bool {
	return c.Income.Add(c.Carried).Equal(c.Bank.Add(c.Pending).Add(c.Spent).Add(c.Grants))
}

// ConservationAt reads the conservation of every special fund of book from
// its balances at the end of day (the stored balances less the turnover
// after it), with the reconciliation's accounts (recIncomePrefixes,
// recAssetPrefixes).
func (db *DB) ConservationAt(ctx context.Context, book string, day time.Time) ([]FundConservation, error) {
	rows, err := db.Pool.Query(ctx, `WITH l AS (`+balancesAsOfSQL+`)
		SELECT f.code, f.name,
			coalesce(sum(-l.fen) FILTER (WHERE l.account LIKE ANY ($4)), 0),
			coalesce(sum(l.fen) FILTER (WHERE l.account LIKE $5), 0),
			coalesce(sum(l.fen) FILTER (WHERE l.account LIKE $6), 0),
			coalesce(sum(l.fen) FILTER (WHERE l.account LIKE $7), 0),
			coalesce(sum(l.fen) FILTER (WHERE l.account LIKE $8), 0),
			coalesce(sum(-l.fen) FILTER (WHERE l.account LIKE $9), 0)
		FROM funds f
		LEFT JOIN l ON l.fund = f.code
		WHERE f.book = $1 AND f.kind IN ('upper', 'matching')
		GROUP BY f.code, f.name ORDER BY f.code`, book, "", day, recIncomePrefixes,
		recAssetPrefixes[0], recAssetPrefixes[1], recAssetPrefixes[2], recAssetPrefixes[3], recAssetPrefixes[4])
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	var out []FundConservation
	for rows.Next() {
		var c FundConservation
		var inc, bank, pend, spent, grants, carried int64
		if err := rows.Scan(&c.Fund, &c.FundName, &inc, &bank, &pend, &spent, &grants, &carried); err != nil {
			return nil, mapError(err)
		}
		c.Income, c.Bank, c.Pending, c.Spent, c.Grants, c.Carried = ledger.FromFen(inc), ledger.FromFen(bank), ledger.FromFen(pend),
			ledger.FromFen(spent), ledger.FromFen(grants), ledger.FromFen(carried)
		out = append(out, c)
	}
	return out, mapError(rows.Err())
}
