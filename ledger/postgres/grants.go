package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
)

// MakeGrant makes the upper book's draft grant voucher (Dr 5501 / Cr
// 100201) and its grant row in one transaction. Posting it (the normal
// workflow) makes the lower book's receipt draft when that book is in this
// database (the grants_after_post trigger); otherwise ExportGrant hands it
// over. A repeated idempotency key gives the first voucher back.
func (db *DB) MakeGrant(ctx context.Context, book, actor string, r *ledger.GrantRequest) (out *ledger.Voucher, replayed bool, err error) {
	err = retry(func() (err error) {
		out, replayed, err = db.makeGrant(ctx, book, actor, r)
		return err
	})
	return out, replayed, mapError(err)
}

func (db *DB) makeGrant(ctx context.Context, book, actor string, r *ledger.GrantRequest) (*ledger.Voucher, bool, error) {
	b, u, err := db.actorBooks(ctx, db.Pool, book, actor)
	if err != nil {
		return nil, false, err
	}
	req := *r
	if req.ToBookName == "" {
		// The lower book's name when it is in this database.
		_ = db.Pool.QueryRow(ctx, `SELECT name FROM books WHERE book = $1`, req.ToBook).Scan(&req.ToBookName)
	}
	w, err := ledger.BuildGrant(&req, b)
	if err != nil {
		return nil, false, err
	}
	hash, err := db.checkNewDraft(w, b, u)
	if err != nil {
		return nil, false, err
	}
	if w.Key != "" {
		if out, found, err := replayKey(ctx, db.Pool, w.Book, w.Key, actor, hash); err != nil || found {
			return out, found, err
		}
	}
	err = db.runTx(ctx, func(tx pgx.Tx) error {
		if err := db.insertVoucher(ctx, tx, w, actor, hash, nil); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO grants (book, voucher_id, to_book, to_org, to_fund, amount_fen) VALUES ($1, $2, $3, $4, $5, $6)`,
			w.Book, w.ID, req.ToBook, req.ToOrg, req.ToFund, req.Amount.Fen())
		return err
	}, once)
	if err != nil {
		if w.Key != "" && isUniqueViolation(err, "idempotency_pkey") {
			out, found, rerr := replayKey(ctx, db.Pool, w.Book, w.Key, actor, hash)
			if rerr != nil || found {
				return out, found, rerr
			}
		}
		return nil, false, err
	}
	return w, false, nil
}

// ExportGrant is what the lower book needs to take a posted grant made in
// this database when it lives in another one.
func (db *DB) ExportGrant(ctx context.Context, book string, voucherID int64) (*ledger.GrantReceipt, error) {
	g := &ledger.GrantReceipt{FromBook: book, FromVoucher: voucherID}
	var status, typ string
	var month, number int
	var fen int64
	err := db.Pool.QueryRow(ctx, `
		SELECT b.name, v.status, v.type, v.month, v.number, v.date, v.summary, v.decision, g.to_book, g.to_org, g.to_fund, g.amount_fen
		FROM grants g JOIN vouchers v ON v.book = g.book AND v.id = g.voucher_id JOIN books b ON b.book = g.book
		WHERE g.book = $1 AND g.voucher_id = $2`, book, voucherID).Scan(
		&g.FromBookName, &status, &typ, &month, &number, &g.Date, &g.Summary, &g.Decision, &g.ToBook, &g.ToOrg, &g.ToFund, &fen)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ledger.Errorf(ledger.ENotFound, "voucher", "voucher %d of book %s is not a grant", voucherID, book)
	}
	if err != nil {
		return nil, mapError(err)
	}
	if status != string(ledger.StatusPosted) {
		return nil, ledger.Errorf(ledger.EInvalidState, "voucher", "grant voucher %d is %s; a grant is handed over once it is posted", voucherID, status)
	}
	g.FromNumber = recWord(typ, number)
	g.Amount = ledger.FromFen(fen)
	return g, nil
}

// ReceiveGrant records, in the lower book, a grant made in another
// database: the receipt draft (Dr 100201 / Cr 420101) made by actor and its
// link, in one transaction. Taking the same grant again gives the same
// voucher back (its key names the grant).
func (db *DB) ReceiveGrant(ctx context.Context, actor string, g *ledger.GrantReceipt) (out *ledger.Voucher, replayed bool, err error) {
	err = retry(func() (err error) {
		out, replayed, err = db.receiveGrant(ctx, actor, g)
		return err
	})
	return out, replayed, mapError(err)
}

func (db *DB) receiveGrant(ctx context.Context, actor string, g *ledger.GrantReceipt) (*ledger.Voucher, bool, error) {
	b, u, err := db.actorBooks(ctx, db.Pool, g.ToBook, actor)
	if err != nil {
		return nil, false, err
	}
	w, err := ledger.ReceiptVoucher(g, b)
	if err != nil {
		return nil, false, err
	}
	if err := ledger.ValidateVoucher(w, b); err != nil {
		return nil, false, err
	}
	if err := ledger.Authorize(u, ledger.ActMake, w, b, b.Book.RequireCashierSign); err != nil {
		return nil, false, err
	}
	var id int64
	err = db.Pool.QueryRow(ctx, `SELECT voucher_id FROM grant_receipts WHERE book = $1 AND from_book = $2 AND from_voucher = $3`,
		w.Book, g.FromBook, g.FromVoucher).Scan(&id)
	if err == nil {
		v, err := db.Voucher(ctx, w.Book, id)
		return v, true, err
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return nil, false, err
	}
	hash := requestHash(w)
	err = db.runTx(ctx, func(tx pgx.Tx) error {
		if err := db.insertVoucher(ctx, tx, w, actor, hash, nil); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO grant_receipts (book, voucher_id, from_book, from_voucher, amount_fen) VALUES ($1, $2, $3, $4, $5)`,
			w.Book, w.ID, g.FromBook, g.FromVoucher, g.Amount.Fen())
		return err
	}, once)
	if err != nil {
		if isUniqueViolation(err, "idempotency_pkey") || isUniqueViolation(err, "grant_receipts_book_from_book_from_voucher_key") {
			// Taken meanwhile by a concurrent run: the first voucher.
			if qerr := db.Pool.QueryRow(ctx, `SELECT voucher_id FROM grant_receipts WHERE book = $1 AND from_book = $2 AND from_voucher = $3`,
				w.Book, g.FromBook, g.FromVoucher).Scan(&id); qerr == nil {
				v, err := db.Voucher(ctx, w.Book, id)
				return v, true, err
			}
		}
		return nil, false, err
	}
	v, err := db.Voucher(ctx, w.Book, w.ID)
	return v, false, err
}

// Grants lists the grants a book made or received (in this database), the
// newest first.
func (db *DB) Grants(ctx context.Context, book string) ([]ledger.Grant, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT g.book, g.voucher_id, v.type, v.month, v.number, v.date, v.status, g.to_book, g.to_org, g.to_fund, g.amount_fen,
			coalesce(r.voucher_id, 0), coalesce(rv.type, ''), coalesce(rv.month, 0), coalesce(rv.number, 0), coalesce(rv.status, '')
		FROM grants g JOIN vouchers v ON v.book = g.book AND v.id = g.voucher_id
		LEFT JOIN grant_receipts r ON r.book = g.to_book AND r.from_book = g.book AND r.from_voucher = g.voucher_id
		LEFT JOIN vouchers rv ON rv.book = r.book AND rv.id = r.voucher_id
		WHERE g.book = $1 OR g.to_book = $1
		ORDER BY v.date DESC, g.book, g.voucher_id DESC`, book)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	var out []ledger.Grant
	for rows.Next() {
		var g ledger.Grant
		var typ, rtyp, status, rstatus string
		var month, number, rmonth, rnumber int
		var fen int64
		if err := rows.Scan(&g.Book, &g.VoucherID, &typ, &month, &number, &g.Date, &status, &g.ToBook, &g.ToOrg, &g.ToFund, &fen,
			&g.ReceiptID, &rtyp, &rmonth, &rnumber, &rstatus); err != nil {
			return nil, mapError(err)
		}
		g.Number = recWord(typ, number)
		g.Status, g.Amount = ledger.VoucherStatus(status), ledger.FromFen(fen)
		if g.ReceiptID != 0 {
			g.ReceiptNumber, g.ReceiptStatus = recWord(rtyp, rnumber), ledger.VoucherStatus(rstatus)
		}
		out = append(out, g)
	}
	return out, mapError(rows.Err())
}

// GrantRollupReader lets reader, a user of readerBook (an upper book), read
// book's figures in the roll-up. Only an admin of the whole book grants it.
func (db *DB) GrantRollupReader(ctx context.Context, book, actor, readerBook, reader string) error {
	_, u, err := db.actorBooks(ctx, db.Pool, book, actor)
	if err != nil {
		return err
	}
	if err := ledger.CanActBookWide(u, "grant an upper book the roll-up of this book"); err != nil {
		return err
	}
	if readerBook == "" || reader == "" || readerBook == book {
		return ledger.Errorf(ledger.EInvalid, "reader", "the reader is a user of another (upper) book: BOOK/USER")
	}
	return db.runTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO rollup_readers (book, reader_book, reader, granted_by) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
			book, readerBook, reader, actor)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return logAction(ctx, tx, book, actor, "grant_rollup_reader", 0, db.Now(), db.Source, map[string]any{"reader_book": readerBook, "reader": reader})
	})
}

// MayReadRollup reports whether reader of readerBook may read book in the
// roll-up: an auditor or admin of book itself, a reader granted by book,
// or the batch identity (an operator's command without a user).
func (db *DB) MayReadRollup(ctx context.Context, book, readerBook, reader string) (bool, error) {
	if reader == "" || reader == ledger.SystemUser {
		return true, nil
	}
	var ok bool
	err := db.Pool.QueryRow(ctx, `SELECT
		($1 = $2 AND EXISTS (SELECT 1 FROM users WHERE book = $1 AND name = $3 AND NOT disabled AND roles && '{auditor,admin}'))
		OR EXISTS (SELECT 1 FROM rollup_readers WHERE book = $1 AND reader_book = $2 AND reader = $3)`, book, readerBook, reader).Scan(&ok)
	return ok, mapError(err)
}

// RollupBook reads one book's part of the roll-up over the period: per
// special fund the posted movements of the period and the position at its
// end; the findings by severity; and the grants it sent and the receipts of
// grants it posted in the period.
func (db *DB) RollupBook(ctx context.Context, book string, p ledger.PeriodRange) (rb *RollupRead, err error) {
	rb = &RollupRead{}
	from, to := p.From, p.To.AddDate(0, 0, 1)
	err = db.runTx(ctx, func(tx pgx.Tx) error {
		*rb = RollupRead{}
		if err := tx.QueryRow(ctx, `SELECT name FROM books WHERE book = $1`, book).Scan(&rb.Book.Name); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return ledger.Errorf(ledger.ENotFound, "books", "book %s does not exist", book)
			}
			return err
		}
		rb.Book.Book = book
		rows, err := tx.Query(ctx, `
			SELECT f.code, f.name, f.kind,
				coalesce(sum(l.credit_fen - l.debit_fen) FILTER (WHERE in_p AND l.account LIKE '420101%'), 0),
				coalesce(sum(l.credit_fen - l.debit_fen) FILTER (WHERE in_p AND l.account LIKE '4801%'), 0),
				coalesce(sum(l.debit_fen) FILTER (WHERE in_p AND l.account LIKE '121801%'), 0),
				coalesce(sum(l.debit_fen - l.credit_fen) FILTER (WHERE in_p AND l.account LIKE '5501%'), 0),
				coalesce(sum(l.debit_fen - l.credit_fen) FILTER (WHERE in_p AND l.account = '500101'), 0),
				coalesce(sum(l.debit_fen - l.credit_fen) FILTER (WHERE in_p AND l.account = '500102'), 0),
				coalesce(sum(l.debit_fen - l.credit_fen) FILTER (WHERE in_p AND l.account = '500103'), 0),
				coalesce(sum(l.debit_fen - l.credit_fen) FILTER (WHERE in_p AND flow = 'return' AND l.account LIKE '100201%'), 0),
				coalesce(sum(l.debit_fen - l.credit_fen) FILTER (WHERE l.account LIKE '100201%' OR l.account LIKE '121801%'), 0),
				coalesce(sum(l.credit_fen - l.debit_fen) FILTER (WHERE l.account LIKE ANY ($4)), 0),
				coalesce(sum(l.debit_fen - l.credit_fen) FILTER (WHERE l.account LIKE ANY ($5)), 0)
			FROM funds f
			LEFT JOIN (SELECT l.*, v.flow, v.date >= $2 AS in_p FROM voucher_lines l
					JOIN vouchers v ON v.book = l.book AND v.id = l.voucher_id
					WHERE l.book = $1 AND v.status = 'posted' AND v.date < $3) l
				ON l.book = f.book AND l.fund = f.code
			WHERE f.book = $1 AND f.kind IN ('upper', 'matching')
			GROUP BY f.code, f.name, f.kind
			ORDER BY f.code`, book, from, to, recIncomePrefixes, recAssetPrefixes)
		if err != nil {
			return err
		}
		for rows.Next() {
			var f RollupFundRead
			if err := rows.Scan(&f.Fund, &f.Name, &f.Kind, &f.Received, &f.Matching, &f.Allocated, &f.GrantedOut,
				&f.Procurement, &f.Condolence, &f.Relief, &f.Returned, &f.Unspent, &f.Income, &f.Assets); err != nil {
				rows.Close()
				return err
			}
			rb.Funds = append(rb.Funds, f)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT severity, count(*) FILTER (WHERE state = 'open'), count(*) FILTER (WHERE state <> 'open')
			FROM audit_findings WHERE book = $1 AND (date IS NULL OR (date >= $2 AND date < $3))
			GROUP BY severity ORDER BY CASE severity WHEN 'HIGH' THEN 1 WHEN 'MEDIUM' THEN 2 ELSE 3 END`, book, from, to)
		if err != nil {
			return err
		}
		for rows.Next() {
			var f RollupFindingsRead
			if err := rows.Scan(&f.Severity, &f.Open, &f.Done); err != nil {
				rows.Close()
				return err
			}
			rb.Findings = append(rb.Findings, f)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT g.voucher_id, g.to_book, g.to_fund, g.amount_fen FROM grants g
			JOIN vouchers v ON v.book = g.book AND v.id = g.voucher_id
			WHERE g.book = $1 AND v.status = 'posted' AND v.date >= $2 AND v.date < $3 ORDER BY g.voucher_id`, book, from, to)
		if err != nil {
			return err
		}
		for rows.Next() {
			g := GrantRead{FromBook: book}
			if err := rows.Scan(&g.FromVoucher, &g.ToBook, &g.Fund, &g.AmountFen); err != nil {
				rows.Close()
				return err
			}
			rb.Sent = append(rb.Sent, g)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		// A receipt counts for the grants sent in the period, whenever the
		// lower book posted it: what is not posted yet is 在途.
		rows, err = tx.Query(ctx, `SELECT r.from_book, r.from_voucher, l.fund, r.amount_fen FROM grant_receipts r
			JOIN vouchers v ON v.book = r.book AND v.id = r.voucher_id
			JOIN voucher_lines l ON l.book = r.book AND l.voucher_id = r.voucher_id AND l.line_no = 1
			WHERE r.book = $1 AND v.status = 'posted' ORDER BY r.from_book, r.from_voucher`, book)
		if err != nil {
			return err
		}
		for rows.Next() {
			g := GrantRead{ToBook: book}
			if err := rows.Scan(&g.FromBook, &g.FromVoucher, &g.Fund, &g.AmountFen); err != nil {
				rows.Close()
				return err
			}
			rb.Received = append(rb.Received, g)
		}
		return rows.Err()
	}, snapshot)
	if err != nil {
		return nil, mapError(err)
	}
	return rb, nil
}

// RollupRead is one book's figures as RollupBook reads them (fen).
type RollupRead struct {
	Book           struct{ Book, Name string }
	Funds          []RollupFundRead
	Findings       []RollupFindingsRead
	Sent, Received []GrantRead
}

// RollupFundRead is one special fund's figures in fen.
type RollupFundRead struct {
	Fund, Name, Kind                                   string
	Received, Matching, Allocated, GrantedOut          int64
	Procurement, Condolence, Relief, Returned, Unspent int64
	Income, Assets                                     int64
}

// RollupFindingsRead counts findings of one severity.
type RollupFindingsRead struct {
	Severity   string
	Open, Done int
}

// GrantRead is one grant as one side records it.
type GrantRead struct {
	FromBook, ToBook string
	FromVoucher      int64
	Fund             string
	AmountFen        int64
}

// BookCodes lists the books of the database.
func (db *DB) BookCodes(ctx context.Context) ([]string, error) {
	rows, err := db.Pool.Query(ctx, `SELECT book FROM books ORDER BY book`)
	if err != nil {
		return nil, mapError(err)
	}
	codes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return codes, mapError(err)
}
