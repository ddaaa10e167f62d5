package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
)

// JournalExport receives what ExportJournal reads, in order: the book's
// static data and the balances brought forward, then every posted voucher.
type JournalExport struct {
	// Start gets the books and the opening balances (one line per account,
	// organisation and fund with a non-zero balance before the period,
	// debit-positive in Debit).
	Start func(b *ledger.Books, opening []ledger.Line) error
	// Voucher gets each posted voucher of the period with its lines, by
	// date, type and number. The voucher is reused: copy what is kept.
	Voucher func(v *ledger.Voucher) error
}

// ExportJournal reads the posted vouchers of period for a journal export
// from one read-only snapshot, so the opening balances and the vouchers
// are of the same moment. The vouchers stream: memory does not grow with
// the book.
func (db *DB) ExportJournal(ctx context.Context, book string, period ledger.PeriodRange, out JournalExport) error {
	err := db.runTx(ctx, func(tx pgx.Tx) error {
		b, err := loadBooks(ctx, tx, book)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
			SELECT l.account, l.org, l.fund, sum(l.debit_fen - l.credit_fen)
			FROM voucher_lines l JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
			WHERE l.book = $1 AND v.status = 'posted' AND v.date < $2
			GROUP BY l.account, l.org, l.fund
			HAVING sum(l.debit_fen - l.credit_fen) <> 0
			ORDER BY l.account, l.org, l.fund`, book, period.From)
		if err != nil {
			return err
		}
		var opening []ledger.Line
		for rows.Next() {
			l := ledger.Line{Summary: "期初余额"}
			var fen int64
			if err := rows.Scan(&l.Account, &l.Org, &l.Fund, &fen); err != nil {
				rows.Close()
				return err
			}
			l.Debit, l.Credit = ledger.FromFen(fen), ledger.Zero
			opening = append(opening, l)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if err := out.Start(b, opening); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `
			SELECT v.id, v.type, v.year, v.month, v.number, v.date, v.summary, v.flow,
			       l.line_no, l.summary, l.account, l.org, l.fund, coalesce(l.purpose, ''), l.debit_fen, l.credit_fen
			FROM vouchers v JOIN voucher_lines l ON l.book = v.book AND l.voucher_id = v.id
			WHERE v.book = $1 AND v.status = 'posted' AND v.date BETWEEN $2 AND $3
			ORDER BY v.date, v.type, v.number, v.id, l.line_no`, book, period.From, period.To)
		if err != nil {
			return err
		}
		defer rows.Close()
		var v ledger.Voucher
		flush := func() error {
			if v.ID == 0 {
				return nil
			}
			return out.Voucher(&v)
		}
		for rows.Next() {
			var id, dr, cr int64
			var typ, summary, flow, purpose string
			var year, month, number int
			var l ledger.Line
			var date time.Time
			if err := rows.Scan(&id, &typ, &year, &month, &number, &date, &summary, &flow,
				&l.No, &l.Summary, &l.Account, &l.Org, &l.Fund, &purpose, &dr, &cr); err != nil {
				return err
			}
			if id != v.ID {
				if err := flush(); err != nil {
					return err
				}
				v = ledger.Voucher{ID: id, Book: book, Type: typ, Year: year, Month: month, Number: number, Date: date,
					Summary: summary, Flow: flow, Status: ledger.StatusPosted, Lines: v.Lines[:0]}
			}
			l.Purpose = ledger.Purpose(purpose)
			l.Debit, l.Credit = ledger.FromFen(dr), ledger.FromFen(cr)
			v.Lines = append(v.Lines, l)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return flush()
	}, snapshot, once)
	return mapError(err)
}

// VoucherMonths lists the months of book that hold vouchers (in any
// state), in order.
func (db *DB) VoucherMonths(ctx context.Context, book string) ([]ledger.PeriodRange, error) {
	var out []ledger.PeriodRange
	err := db.runTx(ctx, func(tx pgx.Tx) error {
		out = nil
		rows, err := tx.Query(ctx, `SELECT DISTINCT year, month FROM vouchers WHERE book = $1 ORDER BY 1, 2`, book)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var y, m int
			if err := rows.Scan(&y, &m); err != nil {
				return err
			}
			p, err := ledger.ParsePeriod(fmt.Sprintf("%04d-%02d", y, m))
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return rows.Err()
	}, snapshot)
	return out, mapError(err)
}
