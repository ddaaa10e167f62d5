package postgres

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
)

// The reads of the web's 账簿 pages (科目余额表, 明细账): sums and pages of
// posted lines computed in SQL, so that a page costs the rows it shows
// and one aggregate, never a read of every voucher into Go.

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
			FROM voucher_lines l JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
			WHERE l.book = $1 AND v.status = 'posted' AND v.date BETWEEN $2 AND $3`+w.sql+`
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
	if orgs != nil {
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
	// The key's own lines come first, by the index voucher_lines_key
	// (book, account, org, fund), whatever their dates; each then reads
	// its voucher by the primary key (the lateral subquery is kept as it
	// is written: a nested loop, never a scan of the month's vouchers to
	// hash them). The year's posted lines of the key (j) are read once;
	// the sums and the page both come from them, in one statement. The
	// closing balance is the key's stored balances less its lines dated
	// after To. A page costs the key's lines, not the month's.
	w := lineFilter{args: []any{q.Book, q.Account, q.YearStart, q.From, q.To, q.After != nil, c.Date, c.Number, c.VoucherID, c.LineNo}}
	w.orgsFund(q.Orgs, q.Fund)
	query := `WITH k AS MATERIALIZED (SELECT l.voucher_id, l.line_no, l.summary, l.debit_fen, l.credit_fen FROM voucher_lines l
			WHERE l.book = $1 AND l.account = $2` + w.sql + `),
		j AS MATERIALIZED (SELECT v.date, v.number, v.id, k.line_no, v.type, coalesce(nullif(k.summary, ''), v.summary) AS summary, k.debit_fen, k.credit_fen
			FROM k CROSS JOIN LATERAL (SELECT v.date, v.number, v.id, v.type, v.summary FROM vouchers v
				WHERE v.book = $1 AND v.id = k.voucher_id AND v.status = 'posted' AND v.date >= $3 OFFSET 0) v),
		s AS (SELECT
			coalesce(sum(debit_fen) FILTER (WHERE date BETWEEN $4 AND $5), 0) AS md, coalesce(sum(credit_fen) FILTER (WHERE date BETWEEN $4 AND $5), 0) AS mc,
			coalesce(sum(debit_fen) FILTER (WHERE date <= $5), 0) AS yd, coalesce(sum(credit_fen) FILTER (WHERE date <= $5), 0) AS yc,
			coalesce(sum(debit_fen - credit_fen) FILTER (WHERE date < $4), 0) AS bm,
			coalesce(sum(debit_fen - credit_fen) FILTER (WHERE $6 AND date BETWEEN $4 AND $5 AND (date, number, id, line_no) <= ($7, $8, $9, $10)), 0) AS bp,
			(SELECT coalesce(sum(b.balance_fen), 0) FROM balances b WHERE b.book = $1 AND b.account = $2` + strings.ReplaceAll(w.sql, "l.", "b.") + `)
				- coalesce(sum(debit_fen - credit_fen) FILTER (WHERE date > $5), 0) AS cl
			FROM j)
		SELECT s.md, s.mc, s.yd, s.yc, s.bm, s.bp, s.cl, p.date, p.number, p.id, p.line_no, p.type, p.summary, p.debit_fen, p.credit_fen
		FROM s LEFT JOIN LATERAL (SELECT * FROM j WHERE date BETWEEN $4 AND $5 AND (NOT $6 OR (date, number, id, line_no) > ($7, $8, $9, $10))
			ORDER BY date, number, id, line_no LIMIT ` + strconv.Itoa(q.Limit+1) + `) p ON true
		ORDER BY p.date, p.number, p.id, p.line_no`
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
// at the end of day $3 for book $1 and fund $2 ("": every fund). Either
// sum of the posted lines dated up to $3, or the stored balances (every
// posted line) less the posted lines dated after $3: the first reads the
// vouchers before the day, the second those after it, and the stored
// balances answer a recent day at the cost of its few later vouchers. The
// side is the one holding fewer days of the book's vouchers.
func (db *DB) balancesAsOfSQL(ctx context.Context, book string, asOf time.Time) (string, error) {
	var first, last *time.Time
	if err := db.Pool.QueryRow(ctx, `SELECT (SELECT min(date) FROM vouchers WHERE book = $1), (SELECT max(date) FROM vouchers WHERE book = $1)`,
		book).Scan(&first, &last); err != nil {
		return "", err
	}
	if first == nil || asOf.Sub(*first) <= last.Sub(asOf) {
		return `SELECT l.account, l.org, l.fund, sum(l.debit_fen - l.credit_fen) FROM voucher_lines l
			JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
			WHERE l.book = $1 AND ($2 = '' OR l.fund = $2) AND v.status = 'posted' AND v.date <= $3
			GROUP BY l.account, l.org, l.fund`, nil
	}
	return `SELECT b.account, b.org, b.fund, b.balance_fen - coalesce(x.fen, 0) FROM balances b
		LEFT JOIN (SELECT l.account, l.org, l.fund, sum(l.debit_fen - l.credit_fen) AS fen FROM voucher_lines l
			JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
			WHERE l.book = $1 AND ($2 = '' OR l.fund = $2) AND v.status = 'posted' AND v.date > $3
			GROUP BY l.account, l.org, l.fund) x USING (account, org, fund)
		WHERE b.book = $1 AND ($2 = '' OR b.fund = $2)`, nil
}
