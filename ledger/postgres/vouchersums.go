package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/fenyang/partyfee/ledger"
)

// The sums of a voucher search (穿透查询): how many vouchers a figure's
// filter yields and what their lines of the figure add up to, so a figure
// and the list behind it can be compared.

// lineJoins are the joins lineCondition reads (the line's account and fund).
const lineJoins = `JOIN accounts a ON a.book = l.book AND a.code = l.account JOIN funds fk ON fk.book = l.book AND fk.code = l.fund`

// lineFiltered tells whether f selects by a line's own filters.
func (f *VoucherSearch) lineFiltered() bool {
	return len(f.Accounts) > 0 || f.AccountType != "" || len(f.Kinds) > 0 || f.Side != "" || f.OrgOnly
}

// lineCondition is the condition on one line l (with lineJoins) of f's line
// filters, its parameters numbered after the n already taken.
func (f *VoucherSearch) lineCondition(n int) (string, []any) {
	var where []string
	var args []any
	add := func(cond string, val any) {
		args = append(args, val)
		where = append(where, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", n+len(args))))
	}
	where = append(where, "TRUE")
	if len(f.Accounts) > 0 {
		pats := make([]string, len(f.Accounts))
		for i, a := range f.Accounts {
			pats[i] = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(a) + "%"
		}
		add("l.account LIKE ANY (?)", pats)
	}
	if f.AccountType != "" {
		add("a.type = ?", f.AccountType)
	}
	if len(f.Kinds) > 0 {
		add("fk.kind = ANY (?)", f.Kinds)
	}
	switch f.Side {
	case "debit":
		where = append(where, "l.debit_fen <> 0")
	case "credit":
		where = append(where, "l.credit_fen <> 0")
	}
	if f.Fund != "" {
		add("l.fund = ?", f.Fund)
	}
	if f.Purpose != "" {
		add("a.purpose = ?", f.Purpose)
	}
	if f.Org != "" {
		if f.OrgOnly {
			add("l.org = ?", f.Org)
		} else {
			add(`EXISTS (SELECT 1 FROM organisations o JOIN organisations s ON s.book = o.book AND s.code = ?
				WHERE o.book = l.book AND o.code = l.org AND (o.path = s.path OR o.path LIKE s.path || '/%'))`, f.Org)
		}
	}
	return strings.Join(where, " AND "), args
}

// VoucherSum is what a search yields in all (every page).
type VoucherSum struct {
	Vouchers int
	// Debit and Credit add up the lines that meet the search's line
	// filters with its Fund, Purpose and Org (every line of the vouchers
	// when it has none of them).
	Debit, Credit ledger.Money
}

// SumVouchers counts the vouchers f selects (ignoring its page) and adds up
// their lines of f's line filters.
func (db *DB) SumVouchers(ctx context.Context, f VoucherSearch) (VoucherSum, error) {
	f.AfterID = 0
	where, args := f.where()
	lines, largs := f.lineCondition(len(args))
	args = append(args, largs...)
	var s VoucherSum
	var d, c int64
	err := db.Pool.QueryRow(ctx, `
		WITH sel AS (SELECT v.book, v.id FROM vouchers v WHERE `+strings.Join(where, " AND ")+`)
		SELECT (SELECT count(*) FROM sel),
			coalesce(sum(l.debit_fen), 0), coalesce(sum(l.credit_fen), 0)
		FROM sel JOIN voucher_lines l ON l.book = sel.book AND l.voucher_id = sel.id `+lineJoins+`
		WHERE `+lines, args...).Scan(&s.Vouchers, &d, &c)
	if err != nil {
		return s, mapError(err)
	}
	s.Debit, s.Credit = ledger.FromFen(d), ledger.FromFen(c)
	return s, nil
}
