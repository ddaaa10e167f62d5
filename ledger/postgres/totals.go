package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/recon"
)

// Totals computes control totals of posted vouchers dated in [from, to]
// (balances as of to) for the special funds (upper, matching), from the
// vouchers' own lines: the reconciliation's independent sums.
func (db *DB) Totals(ctx context.Context, book string, from, to time.Time) (*recon.Totals, error) {
	t, err := db.totals(ctx, book, from, to, `
		SELECT f.kind, a.code, a.type, coalesce(a.purpose, ''),
		       sum(l.debit_fen) FILTER (WHERE v.date >= $2), sum(l.credit_fen) FILTER (WHERE v.date >= $2),
		       sum(l.debit_fen - l.credit_fen),
		       sum(l.credit_fen) FILTER (WHERE v.date >= $2 AND l.account = '`+ledger.AcctPending+`' AND CASE WHEN v.reversal_of IS NULL THEN v.flow
		           ELSE (SELECT o.flow FROM vouchers o WHERE o.book = v.book AND o.id = v.reversal_of) END = 'return')
		FROM voucher_lines l
		JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
		JOIN accounts a ON a.book = l.book AND a.code = l.account
		JOIN funds f ON f.book = l.book AND f.code = l.fund
		WHERE l.book = $1 AND v.status = 'posted' AND v.date <= $3
		GROUP BY 1, 2, 3, 4`)
	if err != nil {
		return nil, err
	}
	var n int64
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM vouchers WHERE book = $1 AND status = 'posted' AND date BETWEEN $2 AND $3`, book, from, to).Scan(&n); err != nil {
		return nil, mapError(err)
	}
	t.Vouchers = int(n)
	return t, nil
}

// TotalsByDay computes Totals' figures from the turnover by day (migration
// 00021), for the pages: its cost is the book's keys and days, not its
// lines. It does not count the vouchers (Vouchers is -1).
func (db *DB) TotalsByDay(ctx context.Context, book string, from, to time.Time) (*recon.Totals, error) {
	t, err := db.totals(ctx, book, from, to, `
		SELECT f.kind, a.code, a.type, coalesce(a.purpose, ''),
		       sum(l.debit_fen) FILTER (WHERE l.date >= $2), sum(l.credit_fen) FILTER (WHERE l.date >= $2),
		       sum(l.debit_fen - l.credit_fen),
		       sum(l.credit_fen) FILTER (WHERE l.date >= $2 AND l.flow = 'return')
		FROM turnover l
		JOIN accounts a ON a.book = l.book AND a.code = l.account
		JOIN funds f ON f.book = l.book AND f.code = l.fund
		WHERE l.book = $1 AND l.date <= $3
		GROUP BY 1, 2, 3, 4`)
	if err != nil {
		return nil, err
	}
	t.Vouchers = -1
	return t, nil
}

// totals adds up the rows of query ($1 book, $2 from, $3 to): per fund
// kind and account (code, type, purpose), the debits and credits dated
// in [from, to], the balance at to and the credits of return vouchers in
// [from, to] (a red reversal of a return among them, with its red credit).
func (db *DB) totals(ctx context.Context, book string, from, to time.Time, query string) (*recon.Totals, error) {
	t := &recon.Totals{From: from, To: to, IncomeByKind: map[ledger.FundKind]ledger.Money{}, SpentByPurpose: map[ledger.Purpose]ledger.Money{},
		Income: ledger.Zero, Allocated: ledger.Zero, Returned: ledger.Zero, Spent: ledger.Zero, Bank: ledger.Zero, Pending: ledger.Zero}
	rows, err := db.Pool.Query(ctx, query, book, from, to)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind, code, typ, purpose string
		var d, c, ret *int64
		var bal int64
		if err := rows.Scan(&kind, &code, &typ, &purpose, &d, &c, &bal, &ret); err != nil {
			return nil, mapError(err)
		}
		fk := ledger.FundKind(kind)
		debit, credit := ledger.FromFen(deref(d)), ledger.FromFen(deref(c))
		if typ == string(ledger.Income) {
			t.IncomeByKind[fk] = orZero(t.IncomeByKind[fk]).Add(credit.Sub(debit))
		}
		if !fk.Special() {
			continue
		}
		switch {
		case code == ledger.AcctPending:
			// A red reversal of an allocation reduces what was allocated;
			// ordinary credits are settlements (spending) or returns.
			t.Allocated = t.Allocated.Add(debit)
			t.Pending = t.Pending.Add(ledger.FromFen(bal))
			t.Returned = t.Returned.Add(ledger.FromFen(deref(ret)))
		case code == ledger.AcctBank:
			t.Bank = t.Bank.Add(ledger.FromFen(bal))
		case purpose != "":
			p := ledger.Purpose(purpose)
			t.SpentByPurpose[p] = orZero(t.SpentByPurpose[p]).Add(debit.Sub(credit))
			t.Spent = t.Spent.Add(debit.Sub(credit))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, mapError(err)
	}
	t.Income = orZero(t.IncomeByKind[ledger.FundUpper]).Add(orZero(t.IncomeByKind[ledger.FundMatching]))
	return t, nil
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func orZero(m ledger.Money) ledger.Money {
	if m.Decimal().IsZero() {
		return ledger.Zero
	}
	return m
}

// DissolveOrg records that an organisation was dissolved on date (临时党支部
// 随临时机构撤销而撤销). Admins only, within their scope; logged.
func (db *DB) DissolveOrg(ctx context.Context, book, actor, org string, date time.Time) error {
	defer db.auth.clear() // this process reads the book again from the change on (LoadBooks)
	return db.runTx(ctx, func(tx pgx.Tx) error {
		u, err := loadUser(ctx, tx, book, actor)
		if err != nil {
			return err
		}
		b, err := loadBooks(ctx, tx, book)
		if err != nil {
			return err
		}
		if err := ledger.CanDissolve(u, b, org); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE organisations SET dissolved = $3 WHERE book = $1 AND code = $2`, book, org, date)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ledger.Errorf(ledger.ENotFound, "org", "organisation %s does not exist", org)
		}
		return logAction(ctx, tx, book, actor, "dissolve", 0, db.Now(), db.Source, map[string]any{"org": org, "date": date.Format(time.DateOnly)})
	})
}

// HasVouchers reports whether any book in the database has vouchers.
func (db *DB) HasVouchers(ctx context.Context) (bool, error) {
	var ok bool
	err := db.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM vouchers)`).Scan(&ok)
	return ok, mapError(err)
}
