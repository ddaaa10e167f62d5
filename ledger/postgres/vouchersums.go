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

// byDay tells whether the turnover by day answers f's sums: posted
// vouchers only, selected by their dates, flows and line filters alone.
func (f *VoucherSearch) byDay() bool {
	return len(f.Statuses) == 1 && f.Statuses[0] == string(ledger.StatusPosted) &&
		f.Number == 0 && f.Summary == "" && f.Payee == "" && f.AmountMin == 0 && f.AmountMax == 0 &&
		f.Maker == "" && !f.Beneficiaries
}

// SumVouchersByDay adds up what SumVouchers does from the turnover by day
// (migration 00021), when f's filters allow it (ok): a figure's lines
// whatever their number, at the cost of the keys' days. The vouchers are
// not counted (Vouchers is -1): the turnover holds sums, not vouchers.
//
// It equals SumVouchers: a line meeting the line filters (with Fund,
// Purpose and Org) makes its voucher meet them, so the lines SumVouchers
// adds are exactly the posted lines meeting them dated in [From, To] of a
// voucher of one of Flows, which the turnover holds by day and flow (a
// red reversal under the flow it cancels, as Flows selects it). Side
// keeps one column: a line carries its amount on one side only.
func (db *DB) SumVouchersByDay(ctx context.Context, f VoucherSearch) (VoucherSum, bool, error) {
	s := VoucherSum{Vouchers: -1}
	if !f.byDay() {
		return s, false, nil
	}
	args := []any{f.Book}
	where := []string{"l.book = $1"}
	add := func(cond string, val any) {
		args = append(args, val)
		where = append(where, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if !f.From.IsZero() {
		add("l.date >= ?", f.From)
	}
	if !f.To.IsZero() {
		add("l.date <= ?", f.To)
	}
	if len(f.Flows) > 0 {
		add("l.flow = ANY (?)", f.Flows)
	}
	side := f.Side
	f.Side = "" // both columns of a day's row; the side picks one below
	cond, largs := f.lineCondition(len(args))
	args = append(args, largs...)
	where = append(where, cond)
	var d, c int64
	err := db.Pool.QueryRow(ctx, `SELECT coalesce(sum(l.debit_fen), 0), coalesce(sum(l.credit_fen), 0)
		FROM turnover l `+lineJoins+` WHERE `+strings.Join(where, " AND "), args...).Scan(&d, &c)
	if err != nil {
		return s, true, mapError(err)
	}
	switch side {
	case "debit":
		c = 0
	case "credit":
		d = 0
	}
	s.Debit, s.Credit = ledger.FromFen(d), ledger.FromFen(c)
	return s, true, nil
}
