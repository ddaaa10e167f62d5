package postgres

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
)

// BeneficiarySearch selects the payments to people (受益人) of a book for
// the auditors' search. Name matches a part of the name; IDNumber the
// whole ID number; Repeated keeps only the people (by ID number) paid more
// than once in the range. Void vouchers are left out.
type BeneficiarySearch struct {
	Book     string
	Name     string
	IDNumber string
	From, To time.Time // dates, inclusive; zero: open
	Repeated bool
	Limit    int // at most ListLimitMax
}

// BeneficiaryPayment is one beneficiary row of a voucher.
type BeneficiaryPayment struct {
	VoucherID int64
	Seq       int    // the beneficiary's row on the voucher
	Word      string // 凭证字号
	Date      time.Time
	Status    ledger.VoucherStatus
	Org       string // the organisation of the voucher's lines
	Name      string
	IDNumber  string // whole: the pages mask it
	Amount    ledger.Money
}

// SearchBeneficiaries lists the payments f selects by date, voucher and
// row.
func (db *DB) SearchBeneficiaries(ctx context.Context, f BeneficiarySearch) ([]BeneficiaryPayment, error) {
	where := []string{"b.book = $1", "v.status <> 'void'"}
	args := []any{f.Book}
	add := func(cond string, val any) {
		args = append(args, val)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if f.Name != "" {
		add(`b.name LIKE ? ESCAPE '\'`, likePattern(f.Name))
	}
	if f.IDNumber != "" {
		add("b.id_number = ?", strings.ToUpper(strings.TrimSpace(f.IDNumber)))
	}
	if !f.From.IsZero() {
		add("v.date >= ?", f.From)
	}
	if !f.To.IsZero() {
		add("v.date <= ?", f.To)
	}
	if f.Repeated {
		where = append(where, `b.id_number <> '' AND b.id_number IN (SELECT b2.id_number FROM voucher_beneficiaries b2
			JOIN vouchers v2 ON v2.book = b2.book AND v2.id = b2.voucher_id
			WHERE `+strings.ReplaceAll(strings.ReplaceAll(strings.Join(where, " AND "), "b.", "b2."), "v.", "v2.")+`
			GROUP BY b2.id_number HAVING count(*) > 1)`)
	}
	limit := f.Limit
	if limit <= 0 || limit > ListLimitMax {
		limit = ListLimitMax
	}
	args = append(args, limit)
	rows, err := db.Pool.Query(ctx, `SELECT v.id, v.type, v.number, v.date, v.status,
			coalesce((SELECT min(l.org) FROM voucher_lines l WHERE l.book = v.book AND l.voucher_id = v.id), ''),
			b.seq, b.name, b.id_number, b.amount_fen
		FROM voucher_beneficiaries b JOIN vouchers v ON v.book = b.book AND v.id = b.voucher_id
		WHERE `+strings.Join(where, " AND ")+`
		ORDER BY b.id_number, v.date, v.id, b.seq LIMIT $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	out := []BeneficiaryPayment{}
	for rows.Next() {
		var p BeneficiaryPayment
		var typ, status string
		var number int
		var fen int64
		if err := rows.Scan(&p.VoucherID, &typ, &number, &p.Date, &status, &p.Org, &p.Seq, &p.Name, &p.IDNumber, &fen); err != nil {
			return nil, mapError(err)
		}
		p.Word = (&ledger.Voucher{Type: typ, Number: number}).Word()
		p.Status = ledger.VoucherStatus(status)
		p.Amount = ledger.FromFen(fen)
		out = append(out, p)
	}
	return out, mapError(rows.Err())
}

// RevealIDNumber returns the whole ID number of beneficiary seq of
// voucher id and records in the action log who saw it, when and why
// (action reveal_id with the beneficiary's row, name and the reason). The
// caller checks that actor may read the voucher; a reason is required.
func (db *DB) RevealIDNumber(ctx context.Context, book, actor string, id int64, seq int, reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return "", ledger.Errorf(ledger.EInvalid, "reason", "give the reason for showing the whole ID number")
	}
	if err := ledger.CheckText("reason", reason, true); err != nil {
		return "", err
	}
	var number string
	err := db.runTx(ctx, func(tx pgx.Tx) error {
		var name string
		if err := tx.QueryRow(ctx, `SELECT name, id_number FROM voucher_beneficiaries WHERE book = $1 AND voucher_id = $2 AND seq = $3`,
			book, id, seq).Scan(&name, &number); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return ledger.Errorf(ledger.ENotFound, "seq", "voucher %d has no beneficiary %d", id, seq)
			}
			return err
		}
		return logAction(ctx, tx, book, actor, "reveal_id", id, db.Now(), db.Source,
			map[string]any{"seq": seq, "name": name, "reason": reason})
	})
	return number, mapError(err)
}

// Reveal is one showing of a whole ID number in the action log.
type Reveal struct {
	At        time.Time
	Actor     string
	VoucherID int64
	Seq       int
	Name      string
	Reason    string
}

// Reveals lists the showings of whole ID numbers, newest first (at most
// ListLimitMax).
func (db *DB) Reveals(ctx context.Context, book string) ([]Reveal, error) {
	rows, err := db.Pool.Query(ctx, `SELECT at, actor, voucher_id, coalesce((detail->>'seq')::int, 0),
			coalesce(detail->>'name', ''), coalesce(detail->>'reason', '')
		FROM actions WHERE book = $1 AND action = 'reveal_id' ORDER BY id DESC LIMIT $2`, book, ListLimitMax)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	out := []Reveal{}
	for rows.Next() {
		var r Reveal
		if err := rows.Scan(&r.At, &r.Actor, &r.VoucherID, &r.Seq, &r.Name, &r.Reason); err != nil {
			return nil, mapError(err)
		}
		out = append(out, r)
	}
	return out, mapError(rows.Err())
}
