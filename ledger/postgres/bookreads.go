package postgres

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
)

// The reads of the web's 账簿 pages (科目余额表, 明细账): sums from the
// turnover by day and pages from the posted lines (migration 00021), so
// that a page costs the rows it shows and its keys' days, never a read of
// the month's vouchers.

// AccountTurnover is what the posted lines of one account add up to in a
// range of dates.
type AccountTurnover struct {
	Account       string
	Debit, Credit ledger.Money
}

// Turnover sums the posted lines dated in [from, to] by account, for the
// lines of an organisation in orgs (nil: every organisation) and of fund
// ("" : every fund), in account order.
func (db *DB) Turnover(ctx context.Context, book string, orgs []string, fund string, from, to time.Time) ([]AccountTurnover, error) {
	w := lineFilter{args: []any{book, from, to}}
	w.orgsFund(orgs, fund)
	var out []AccountTurnover
	err := db.runTx(ctx, func(tx pgx.Tx) error {
		out = nil
		if _, err := tx.Exec(ctx, interactive); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT l.account, sum(l.debit_fen), sum(l.credit_fen)
			FROM turnover l
			WHERE l.book = $1 AND l.date BETWEEN $2 AND $3`+w.sql+`
			GROUP BY l.account ORDER BY l.account`, w.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t AccountTurnover
			var d, c int64
			if err := rows.Scan(&t.Account, &d, &c); err != nil {
				return err
			}
			t.Debit, t.Credit = ledger.FromFen(d), ledger.FromFen(c)
			out = append(out, t)
		}
		return rows.Err()
	}, snapshot)
	return out, mapError(err)
}

// interactive is set in the transaction of a page's read: the plans of
// these sums cost enough to be compiled (jit_above_cost), which takes
// longer than a page may.
const interactive = `SET LOCAL jit = off`

// lineFilter adds the optional conditions on a line's organisation and
// fund to a query's arguments, written out only when they are set so that
// the plan can use voucher_lines_key (book, account, org, fund).
type lineFilter struct {
	sql  string
	args []any
}

func (w *lineFilter) add(cond string, val any) {
	w.args = append(w.args, val)
	w.sql += " AND " + strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(w.args)))
}

func (w *lineFilter) orgsFund(orgs []string, fund string) {
	switch {
	case len(orgs) == 1: // an equality, so that an index on the key keeps its order after it
		w.add("l.org = ?", orgs[0])
	case orgs != nil:
		w.add("l.org = ANY(?)", orgs)
	}
	if fund != "" {
		w.add("l.fund = ?", fund)
	}
}

// LedgerQuery selects the posted lines of one account for a 明细账: of
// the organisations Orgs (nil: every one) and of Fund ("": every fund),
// dated in [From, To]; YearStart (≤ From) starts the 本年累计.
type LedgerQuery struct {
	Book, Account, Fund string
	Orgs                []string
	YearStart, From, To time.Time
	After               *LedgerCursor // the last line of the previous page; nil: the first page
	Limit               int           // lines of a page, at most ListLimitMax
}

// LedgerCursor is a line's place in a 明细账: lines come by date, voucher
// number, voucher id and line number.
type LedgerCursor struct {
	Date      time.Time
	Number    int
	VoucherID int64
	LineNo    int
}

// LedgerLine is one line of a 明细账.
type LedgerLine struct {
	LedgerCursor
	Type          string // 凭证字
	Summary       string // the line's 摘要, else the voucher's
	Debit, Credit ledger.Money
}

// Word is the line's 凭证字号.
func (l LedgerLine) Word() string {
	return (&ledger.Voucher{Type: l.Type, Number: l.Number}).Word()
}

// LedgerPage is a page of a 明细账 with the sums the page needs: the
// month's and the year's debits and credits, the balance at the month's
// end, what the year's lines before
// From and the month's lines before the page move the balance by
// (debit-positive), and whether lines follow the page.
type LedgerPage struct {
	Lines                   []LedgerLine
	MonthDebit, MonthCredit ledger.Money
	YearDebit, YearCredit   ledger.Money
	BeforeMonth             ledger.Money // the year's lines dated before From
	BeforePage              ledger.Money // the month's lines before the page's first
	Closing                 ledger.Money // the key's balance at the end of To (debit-positive)
	More                    bool
}

// Ledger reads one page of a 明细账 and its sums.
func (db *DB) Ledger(ctx context.Context, q LedgerQuery) (LedgerPage, error) {
	if q.Limit <= 0 || q.Limit > ListLimitMax {
		q.Limit = ListLimitMax
	}
	var c LedgerCursor
	if q.After != nil {
		c = *q.After
	}
	// The sums come from the key's turnover by day; the page is a range of
	// voucher_lines_key (key, date) of the posted vouchers, a day's lines in
	// the order (number, voucher, line), for each
	// key (organisation and fund) the selection holds, as its balance rows
	// name them, merged (a subtree or every fund costs a page's lines a
	// key and their days, never a sort of their month); each line reads
	// its voucher's number, status, 凭证字 and 摘要 by its primary key; the
	// balance before the page is the turnover of the month's days before
	// the cursor's day and that day's posted lines up to the cursor. The
	// closing balance is the key's stored balances less its turnover
	// dated after To. A page costs its lines and the key's days.
	w := lineFilter{args: []any{q.Book, q.Account, q.YearStart, q.From, q.To, q.After != nil, c.Date, c.Number, c.VoucherID, c.LineNo}}
	w.orgsFund(q.Orgs, q.Fund)
	limit := strconv.Itoa(q.Limit + 1)
	from := "l.date >= $4" // the first page
	if q.After != nil {
		// after the cursor: a range of the index, not a filter on the month
		from = "l.date >= $7 AND (l.date, v.number, l.voucher_id, l.line_no) > ($7, $8, $9, $10)"
	}
	query := `WITH t AS (SELECT
			coalesce(sum(l.debit_fen) FILTER (WHERE l.date BETWEEN $4 AND $5), 0) AS md,
			coalesce(sum(l.credit_fen) FILTER (WHERE l.date BETWEEN $4 AND $5), 0) AS mc,
			coalesce(sum(l.debit_fen) FILTER (WHERE l.date <= $5), 0) AS yd,
			coalesce(sum(l.credit_fen) FILTER (WHERE l.date <= $5), 0) AS yc,
			coalesce(sum(l.debit_fen - l.credit_fen) FILTER (WHERE l.date < $4), 0) AS bm,
			coalesce(sum(l.debit_fen - l.credit_fen) FILTER (WHERE $6 AND l.date >= $4 AND l.date < $7), 0) AS bd,
			coalesce(sum(l.debit_fen - l.credit_fen) FILTER (WHERE l.date > $5), 0) AS later
			FROM turnover l WHERE l.book = $1 AND l.account = $2 AND l.date >= $3` + w.sql + `),
		c AS (SELECT coalesce(sum(l.debit_fen - l.credit_fen), 0) AS bc FROM voucher_lines l
			JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id AND v.status = 'posted'
			WHERE $6 AND l.book = $1 AND l.account = $2` + w.sql + ` AND l.date = $7 AND (v.number, l.voucher_id, l.line_no) <= ($8, $9, $10)),
		b AS (SELECT coalesce(sum(b.balance_fen), 0) AS bal FROM balances b WHERE b.book = $1 AND b.account = $2` + strings.ReplaceAll(w.sql, "l.", "b.") + `)
		SELECT t.md, t.mc, t.yd, t.yc, t.bm, t.bd + c.bc, b.bal - t.later, p.date, p.number, p.voucher_id, p.line_no, p.type, p.summary, p.debit_fen, p.credit_fen
		FROM t CROSS JOIN c CROSS JOIN b LEFT JOIN LATERAL (
			SELECT l.* FROM (SELECT b.org, b.fund FROM balances b WHERE b.book = $1 AND b.account = $2` + strings.ReplaceAll(w.sql, "l.", "b.") + `) k
			CROSS JOIN LATERAL (SELECT l.date, v.number, l.voucher_id, l.line_no, v.type, coalesce(nullif(l.summary, ''), v.summary) AS summary,
					l.debit_fen, l.credit_fen
				FROM voucher_lines l JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
				WHERE l.book = $1 AND l.account = $2 AND l.org = k.org AND l.fund = k.fund AND ` + from + ` AND l.date <= $5
				  AND v.status = 'posted'
				ORDER BY l.date, v.number, l.voucher_id, l.line_no LIMIT ` + limit + `) l
			ORDER BY l.date, l.number, l.voucher_id, l.line_no LIMIT ` + limit + `) p ON true
		ORDER BY p.date, p.number, p.voucher_id, p.line_no`
	var p LedgerPage
	err := db.runTx(ctx, func(tx pgx.Tx) error {
		p = LedgerPage{}
		if _, err := tx.Exec(ctx, interactive); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, query, w.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var md, mc, yd, yc, bm, bp, cl int64
			var (
				l      LedgerLine
				date   *time.Time
				number *int
				id     *int64
				lineNo *int
				typ    *string
				sum    *string
				d, cr  *int64
			)
			if err := rows.Scan(&md, &mc, &yd, &yc, &bm, &bp, &cl, &date, &number, &id, &lineNo, &typ, &sum, &d, &cr); err != nil {
				return err
			}
			p.MonthDebit, p.MonthCredit, p.YearDebit, p.YearCredit = ledger.FromFen(md), ledger.FromFen(mc), ledger.FromFen(yd), ledger.FromFen(yc)
			p.BeforeMonth, p.BeforePage, p.Closing = ledger.FromFen(bm), ledger.FromFen(bp), ledger.FromFen(cl)
			if date == nil { // no line on the page: the sums' row alone
				continue
			}
			l.Date, l.Number, l.VoucherID, l.LineNo, l.Type, l.Summary = *date, *number, *id, *lineNo, *typ, *sum
			l.Debit, l.Credit = ledger.FromFen(*d), ledger.FromFen(*cr)
			p.Lines = append(p.Lines, l)
		}
		return rows.Err()
	}, snapshot)
	if err != nil {
		return p, mapError(err)
	}
	if len(p.Lines) > q.Limit {
		p.Lines, p.More = p.Lines[:q.Limit], true
	}
	return p, nil
}

// balancesAsOfSQL is the query of the balances (account, org, fund, fen)
// at the end of day $3 for book $1 and fund $2 ("": every fund): the
// stored balances (every posted line) less the turnover dated after $3,
// read in one statement, so from one snapshot (the posting writes both in
// one transaction). A recent day costs its few later days.
const balancesAsOfSQL = `SELECT b.account, b.org, b.fund, b.balance_fen - coalesce(x.fen, 0) AS fen FROM balances b
	LEFT JOIN (SELECT t.account, t.org, t.fund, sum(t.debit_fen - t.credit_fen) AS fen FROM turnover t
		WHERE t.book = $1 AND ($2 = '' OR t.fund = $2) AND t.date > $3
		GROUP BY t.account, t.org, t.fund) x USING (account, org, fund)
	WHERE b.book = $1 AND ($2 = '' OR b.fund = $2)`
