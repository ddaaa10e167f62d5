package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
)

// Opening makes the book's opening vouchers (期初) from rows, as drafts of
// actor (an admin of the whole book) dated month's first day (zero: the
// book's first month; no voucher may be dated before it): the balances at the start of the year and, for a book that
// starts after January, the year's movements before it
// (ledger.BuildOpening). They are checked, signed and posted like any
// voucher, which seals them into the chain. With key set, a repeated
// request returns the first vouchers (replayed) and makes nothing.
func (db *DB) Opening(ctx context.Context, book, actor string, month time.Time, rows []ledger.OpeningRow, key string) (out []*ledger.Voucher, replayed bool, err error) {
	if len(key) > 190 {
		return nil, false, ledger.Errorf(ledger.EInvalid, "key", "an idempotency key has at most 190 characters")
	}
	var ids []int64
	err = db.runTx(ctx, func(tx pgx.Tx) error {
		ids, replayed = nil, false
		b, u, err := db.actorBooks(ctx, tx, book, actor)
		if err != nil {
			return err
		}
		if err := ledger.CanOpenBook(u); err != nil {
			return err
		}
		from, _ := b.DateWindow(db.Now())
		if !month.IsZero() {
			from = time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, time.UTC)
		}
		opening, ytd, err := ledger.BuildOpening(rows, b, from)
		if err != nil {
			return err
		}
		vs := []*ledger.Voucher{}
		for _, v := range []*ledger.Voucher{opening, ytd} {
			if v != nil {
				vs = append(vs, v)
			}
		}
		for _, v := range vs {
			if err := ledger.ValidateVoucher(v, b); err != nil {
				return err
			}
		}
		if key != "" {
			for _, v := range vs {
				v.Key = key + "#" + v.Flow
			}
			prev, found, err := replayKey(ctx, tx, book, vs[0].Key, actor, requestHash(vs[0]))
			if err != nil {
				return err
			}
			if found {
				replayed = true
				ids = append(ids, prev.ID)
				if len(vs) > 1 {
					var id int64
					if err := tx.QueryRow(ctx, `SELECT voucher_id FROM idempotency WHERE book = $1 AND key = $2`, book, vs[1].Key).Scan(&id); err != nil {
						return err
					}
					ids = append(ids, id)
				}
				return nil
			}
		}
		var closed string
		err = tx.QueryRow(ctx, `SELECT format('%s-%s', year, lpad(month::text, 2, '0')) FROM periods WHERE book = $1 AND status = 'closed' ORDER BY year, month LIMIT 1`, book).Scan(&closed)
		if err == nil {
			return ledger.Errorf(ledger.EPeriodClosed, "date", "month %s of book %s is closed: its opening balances are locked", closed, book)
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM vouchers WHERE book = $1 AND flow IN ('opening', 'opening_ytd') AND status <> 'void'`, book).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ledger.Errorf(ledger.EInvalidState, "flow", "book %s has its opening balances already; void the draft or reverse the posted one first", book)
		}
		for _, v := range vs {
			if err := ledger.CheckDate(v, b, db.Now()); err != nil {
				return err
			}
			if err := ledger.CheckActive(v, b); err != nil {
				return err
			}
			hash := ""
			if v.Key != "" {
				hash = requestHash(v)
			}
			if err := db.insertVoucher(ctx, tx, v, actor, hash, nil); err != nil {
				return err
			}
			ids = append(ids, v.ID)
		}
		return nil
	})
	if err != nil {
		return nil, false, mapError(err)
	}
	for _, id := range ids {
		v, err := db.Voucher(ctx, book, id)
		if err != nil {
			return nil, false, err
		}
		out = append(out, v)
	}
	return out, replayed, nil
}

// YearClose makes the year-end close (结转) of year: once January to
// November are closed, the vouchers dated 31 December that move every
// income and expense balance into 党费结余 (ledger.BuildYearClose), made
// by the batch identity as drafts that people check and post. Run again
// after more postings it makes the vouchers for what is left; it makes none
// when every balance is zero. Closing December then closes the year.
func (db *DB) YearClose(ctx context.Context, book, actor string, year int) ([]*ledger.Voucher, error) {
	if year < 1900 || year > 9999 {
		return nil, ledger.Errorf(ledger.EInvalid, "year", "year %d is out of range", year)
	}
	var ids []int64
	err := db.runTx(ctx, func(tx pgx.Tx) error {
		ids = nil
		u, err := loadUser(ctx, tx, book, actor)
		if err != nil {
			return err
		}
		if err := ledger.CanCloseYear(u); err != nil {
			return err
		}
		b, err := loadBooks(ctx, tx, book)
		if err != nil {
			return err
		}
		// December's row, locked: two runs of the close wait for each
		// other, and a close of December waits for this one.
		if _, err := tx.Exec(ctx, `INSERT INTO periods (book, year, month) VALUES ($1, $2, 12) ON CONFLICT DO NOTHING`, book, year); err != nil {
			return err
		}
		var dec string
		if err := tx.QueryRow(ctx, `SELECT status FROM periods WHERE book = $1 AND year = $2 AND month = 12 FOR UPDATE`, book, year).Scan(&dec); err != nil {
			return err
		}
		if dec == "closed" {
			return ledger.Errorf(ledger.EInvalidState, "year", "December %d is closed: the year is closed", year)
		}
		var open int
		err = tx.QueryRow(ctx, `SELECT month FROM periods WHERE book = $1 AND year = $2 AND month < 12 AND status = 'open' ORDER BY month LIMIT 1`, book, year).Scan(&open)
		if err == nil {
			return ledger.Errorf(ledger.EInvalidState, "year", "the year-end close of %d needs January to November closed; %d-%02d is open", year, year, open)
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		var pending []string
		rows, err := tx.Query(ctx, `SELECT type, number FROM vouchers WHERE book = $1 AND year = $2 AND flow = 'year_close' AND status NOT IN ('posted', 'void') ORDER BY number`, book, year)
		if err != nil {
			return err
		}
		for rows.Next() {
			var typ string
			var num int
			if err := rows.Scan(&typ, &num); err != nil {
				rows.Close()
				return err
			}
			pending = append(pending, voucherWord(typ, num))
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(pending) > 0 {
			return ledger.Errorf(ledger.EInvalidState, "year", "the year-end close of %d has vouchers not yet posted (%s): post or void them first", year, strings.Join(pending, "、"))
		}
		bal, err := incomeExpenseBalances(ctx, tx, book, time.Date(year, time.December, 31, 0, 0, 0, 0, time.UTC))
		if err != nil {
			return err
		}
		now := db.Now()
		for _, v := range ledger.BuildYearClose(year, bal, b) {
			if err := ledger.ValidateVoucher(v, b); err != nil {
				return fmt.Errorf("year-end close of %d: %w", year, err)
			}
			if err := db.insertVoucher(ctx, tx, v, ledger.SystemUser, "", nil); err != nil {
				return err
			}
			ids = append(ids, v.ID)
		}
		return logAction(ctx, tx, book, actor, "year_close", 0, now, db.Source, map[string]any{"year": year, "vouchers": ids})
	})
	if err != nil {
		return nil, mapError(err)
	}
	var out []*ledger.Voucher
	for _, id := range ids {
		v, err := db.Voucher(ctx, book, id)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// incomeExpenseBalances reads the balances of the income and expense
// accounts from the posted lines dated up to asOf, per account,
// organisation and fund; zero balances are left out.
func incomeExpenseBalances(ctx context.Context, q querier, book string, asOf time.Time) ([]ledger.KeyBalance, error) {
	rows, err := q.Query(ctx, `SELECT l.account, l.org, l.fund, sum(l.debit_fen - l.credit_fen)::bigint
		FROM voucher_lines l
		JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
		JOIN accounts a ON a.book = l.book AND a.code = l.account
		WHERE l.book = $1 AND v.status = 'posted' AND v.date <= $2 AND a.type IN ('income', 'expense')
		GROUP BY 1, 2, 3 HAVING sum(l.debit_fen - l.credit_fen) <> 0
		ORDER BY 1, 2, 3`, book, asOf)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ledger.KeyBalance
	for rows.Next() {
		var kb ledger.KeyBalance
		if err := rows.Scan(&kb.Key.Account, &kb.Key.Org, &kb.Key.Fund, &kb.Fen); err != nil {
			return nil, err
		}
		out = append(out, kb)
	}
	return out, rows.Err()
}

// ReopenYear re-opens closed year (反年结) with a written reason, logged in
// year_events and the action log; then its December can be re-opened like
// any month. Only an admin of the whole book re-opens a year, and only the
// latest closed one.
func (db *DB) ReopenYear(ctx context.Context, book, actor string, year int, reason string) error {
	if err := ledger.CheckText("reason", reason, true); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return ledger.Errorf(ledger.EInvalid, "reason", "re-opening a closed year needs a written reason (--reason)")
	}
	if len([]rune(reason)) > 1000 {
		return ledger.Errorf(ledger.EInvalid, "reason", "the reason has at most 1000 characters")
	}
	return mapError(db.runTx(ctx, func(tx pgx.Tx) error {
		u, err := loadUser(ctx, tx, book, actor)
		if err != nil {
			return err
		}
		if err := ledger.CanReopenYear(u); err != nil {
			return err
		}
		var status string
		err = tx.QueryRow(ctx, `SELECT status FROM years WHERE book = $1 AND year = $2 FOR UPDATE`, book, year).Scan(&status)
		if errors.Is(err, pgx.ErrNoRows) || err == nil && status != "closed" {
			return ledger.Errorf(ledger.EInvalidState, "year", "year %d is not closed", year)
		}
		if err != nil {
			return err
		}
		var later int
		err = tx.QueryRow(ctx, `SELECT year FROM years WHERE book = $1 AND year > $2 AND status = 'closed' ORDER BY year DESC LIMIT 1`, book, year).Scan(&later)
		if err == nil {
			return ledger.Errorf(ledger.EInvalidState, "year", "only the latest closed year (%d) can be re-opened, not %d", later, year)
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		now := db.Now()
		// The event first: the database re-opens a year only after a
		// re-open event of it by an admin of the whole book in the same
		// transaction (years_before_write).
		if _, err := tx.Exec(ctx, `INSERT INTO year_events (book, year, action, actor, at, reason) VALUES ($1, $2, 'reopen', $3, $4, $5)`,
			book, year, actor, now, reason); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE years SET status = 'open' WHERE book = $1 AND year = $2`, book, year); err != nil {
			return err
		}
		return logAction(ctx, tx, book, actor, "year_reopen", 0, now, db.Source, map[string]any{"year": year, "reason": reason})
	}))
}

// YearInfo is a year of a book with its state.
type YearInfo struct {
	Year     int        `json:"year"`
	Status   string     `json:"status"`
	ClosedAt *time.Time `json:"closed_at,omitempty"`
	ClosedBy string     `json:"closed_by,omitempty"`
}

// Years lists the years of a book that were ever closed, oldest first.
func (db *DB) Years(ctx context.Context, book string) ([]YearInfo, error) {
	rows, err := db.Pool.Query(ctx, `SELECT year, status, closed_at, coalesce(closed_by, '') FROM years WHERE book = $1 ORDER BY year`, book)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	var out []YearInfo
	for rows.Next() {
		var y YearInfo
		if err := rows.Scan(&y.Year, &y.Status, &y.ClosedAt, &y.ClosedBy); err != nil {
			return nil, mapError(err)
		}
		out = append(out, y)
	}
	return out, mapError(rows.Err())
}
