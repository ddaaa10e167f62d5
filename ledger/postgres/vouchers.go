package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fenyang/partyfee/ledger"
)

// CreateVoucher validates v, checks that actor may make it and stores it as
// a draft with the next gapless number. With v.Key set, a repeated request
// with the same key and content returns the first voucher (replayed = true)
// and writes nothing; the same key with other content is
// idempotency_conflict.
func (db *DB) CreateVoucher(ctx context.Context, actor string, v *ledger.Voucher) (out *ledger.Voucher, replayed bool, err error) {
	err = db.runTx(ctx, func(tx pgx.Tx) error {
		out, replayed = nil, false
		b, err := loadBooks(ctx, tx, v.Book)
		if err != nil {
			return err
		}
		u, err := loadUser(ctx, tx, v.Book, actor)
		if err != nil {
			return err
		}
		w := *v
		w.Lines = append([]ledger.Line(nil), v.Lines...)
		if w.ReversalOf != 0 {
			// Negative lines are allowed on a red voucher only because
			// Reverse derives them from the posted original.
			return ledger.Errorf(ledger.EInvalid, "reversal_of", "a red reversal is made from the voucher it cancels (voucher reverse), not by hand")
		}
		if err := ledger.ValidateVoucher(&w, b); err != nil {
			return err
		}
		if err := ledger.Authorize(u, ledger.ActMake, &w, b, b.Book.RequireCashierSign); err != nil {
			return err
		}
		if err := ledger.CheckActive(&w, b); err != nil {
			return err
		}
		if w.Key != "" {
			id, dup, err := claimKey(ctx, tx, w.Book, w.Key, actor, requestHash(&w))
			if err != nil {
				return err
			}
			if dup {
				out, err = loadVoucher(ctx, tx, w.Book, id, false)
				replayed = true
				return err
			}
		}
		id, err := insertVoucher(ctx, tx, &w, actor, db.Now(), db.Source)
		if err != nil {
			return err
		}
		if w.Key != "" {
			if _, err := tx.Exec(ctx, `UPDATE idempotency SET voucher_id = $3 WHERE book = $1 AND key = $2`, w.Book, w.Key, id); err != nil {
				return err
			}
		}
		// insertVoucher filled in what the database assigned (id, number,
		// period, timestamps); no reload while the number's row is locked.
		out = &w
		return nil
	})
	return out, replayed, err
}

// claimKey records an idempotency key. When the key exists (possibly being
// claimed by a concurrent transaction, which the insert waits for) it
// returns the voucher of the first request, or idempotency_conflict when the
// request differs.
func claimKey(ctx context.Context, tx pgx.Tx, book, key, actor, hash string) (int64, bool, error) {
	if len(key) > 200 {
		return 0, false, ledger.Errorf(ledger.EInvalid, "key", "an idempotency key has at most 200 characters")
	}
	tag, err := tx.Exec(ctx, `INSERT INTO idempotency (book, key, actor, request_hash) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, book, key, actor, hash)
	if err != nil {
		return 0, false, err
	}
	if tag.RowsAffected() == 1 {
		return 0, false, nil
	}
	var storedHash, storedActor string
	var id *int64
	if err := tx.QueryRow(ctx, `SELECT request_hash, actor, voucher_id FROM idempotency WHERE book = $1 AND key = $2`, book, key).Scan(&storedHash, &storedActor, &id); err != nil {
		return 0, false, err
	}
	if storedHash != hash || storedActor != actor || id == nil {
		return 0, false, ledger.Errorf(ledger.EIdempotencyConflict, "key", "idempotency key %q was used for a different request", key)
	}
	return *id, true, nil
}

// requestHash fingerprints the content of a voucher request.
func requestHash(v *ledger.Voucher) string {
	c := *v
	c.Key = ""
	b, _ := json.Marshal(struct {
		V     ledger.Voucher
		Date  string
		Lines []ledger.Line
	}{c, c.Date.Format(time.DateOnly), c.Lines})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// insertVoucher writes a validated draft with its lines (in one statement,
// so the database checks the balance per fund once) and beneficiaries.
func insertVoucher(ctx context.Context, tx pgx.Tx, v *ledger.Voucher, actor string, now time.Time, source string) (int64, error) {
	var key *string
	if v.Key != "" {
		key = &v.Key
	}
	var reversalOf, correctionOf *int64
	if v.ReversalOf != 0 {
		reversalOf = &v.ReversalOf
	}
	if v.CorrectionOf != 0 {
		correctionOf = &v.CorrectionOf
	}
	docTypes := v.DocTypes
	if docTypes == nil {
		docTypes = []string{}
	}
	flow := v.Flow
	if flow == "" {
		flow = "general"
	}
	// PostgreSQL keeps microseconds (rounding); keep the same value in Go so
	// the voucher handed back equals the one stored.
	now = now.Round(time.Microsecond).UTC()
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO vouchers (book, type, year, month, number, date, summary, attachments, doc_types, decision,
			payee, payee_type, method, flow, memo, closing, correcting, reversal_of, correction_of, idem_key, maker, made_at)
		VALUES ($1, $2, 0, 0, 1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
		RETURNING id, number, year, month`,
		v.Book, v.Type, v.Date, v.Summary, v.Attachments, docTypes, v.Decision, v.Payee, v.PayeeType, v.Method, flow, v.Memo,
		v.Closing, v.Correcting, reversalOf, correctionOf, key, actor, now).Scan(&id, &v.Number, &v.Year, &v.Month)
	if err != nil {
		return 0, err
	}
	v.ID, v.Flow, v.Maker, v.MadeAt, v.Status, v.DocTypes = id, flow, actor, &now, ledger.StatusDraft, docTypes
	n := len(v.Lines)
	nos, debits, credits := make([]int32, n), make([]int64, n), make([]int64, n)
	summaries, accounts, orgs, funds := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	purposes := make([]*string, n)
	for i, l := range v.Lines {
		nos[i] = int32(i + 1)
		summaries[i], accounts[i], orgs[i], funds[i] = l.Summary, l.Account, l.Org, l.Fund
		if l.Purpose != "" {
			p := string(l.Purpose)
			purposes[i] = &p
		}
		debits[i], credits[i] = l.Debit.Fen(), l.Credit.Fen()
	}
	if _, err := tx.Exec(ctx, `INSERT INTO voucher_lines (book, voucher_id, line_no, summary, account, org, fund, purpose, debit_fen, credit_fen)
		SELECT $1, $2, * FROM unnest($3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[], $10::bigint[])`,
		v.Book, id, nos, summaries, accounts, orgs, funds, purposes, debits, credits); err != nil {
		return 0, err
	}
	if k := len(v.Beneficiaries); k > 0 {
		seqs, amounts := make([]int32, k), make([]int64, k)
		names, cats, ids, phones, reasons := make([]string, k), make([]string, k), make([]string, k), make([]string, k), make([]string, k)
		for i, p := range v.Beneficiaries {
			seqs[i], amounts[i] = int32(i+1), p.Amount.Fen()
			names[i], cats[i], ids[i], phones[i], reasons[i] = p.Name, p.Category, p.IDNumber, p.Phone, p.Reason
		}
		if _, err := tx.Exec(ctx, `INSERT INTO voucher_beneficiaries (book, voucher_id, seq, name, category, id_number, phone, reason, amount_fen)
			SELECT $1, $2, * FROM unnest($3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[])`,
			v.Book, id, seqs, names, cats, ids, phones, reasons, amounts); err != nil {
			return 0, err
		}
	}
	return id, logAction(ctx, tx, v.Book, actor, "make", id, now, source, map[string]any{"flow": flow, "total": v.Total().String()})
}

func logAction(ctx context.Context, tx pgx.Tx, book, actor, action string, voucherID int64, at time.Time, source string, detail map[string]any) error {
	var vid *int64
	if voucherID != 0 {
		vid = &voucherID
	}
	if detail == nil {
		detail = map[string]any{}
	}
	_, err := tx.Exec(ctx, `INSERT INTO actions (book, at, actor, action, voucher_id, source, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		book, at, actor, action, vid, source, detail)
	return err
}

// Transition moves voucher id one step of SPEC §3's workflow (check,
// uncheck, sign, post, void) as actor.
func (db *DB) Transition(ctx context.Context, book, actor string, id int64, act ledger.Action) (*ledger.Voucher, error) {
	var out *ledger.Voucher
	posted := false
	err := db.runTx(ctx, func(tx pgx.Tx) error {
		v, err := loadVoucher(ctx, tx, book, id, true)
		if err != nil {
			return err
		}
		b, err := loadBooks(ctx, tx, book)
		if err != nil {
			return err
		}
		u, err := loadUser(ctx, tx, book, actor)
		if err != nil {
			return err
		}
		if err := ledger.Authorize(u, act, v, b, b.Book.RequireCashierSign); err != nil {
			return err
		}
		// The action log first: every statement after the balance rows are
		// locked (posting) holds them longer.
		now := db.Now().Round(time.Microsecond).UTC()
		if err := logAction(ctx, tx, book, actor, string(act), id, now, db.Source, nil); err != nil {
			return err
		}
		var tag string
		switch act {
		case ledger.ActCheck:
			tag = "UPDATE vouchers SET status = 'checked', checker = $3, checked_at = $4 WHERE book = $1 AND id = $2"
			v.Status, v.Checker, v.CheckedAt = ledger.StatusChecked, actor, &now
		case ledger.ActUncheck:
			tag = "UPDATE vouchers SET status = 'draft', checker = NULL, checked_at = NULL WHERE book = $1 AND id = $2 AND $3::text IS NOT NULL AND $4::timestamptz IS NOT NULL"
			v.Status, v.Checker, v.CheckedAt = ledger.StatusDraft, "", nil
		case ledger.ActSign:
			tag = "UPDATE vouchers SET status = 'signed', cashier = $3, signed_at = $4 WHERE book = $1 AND id = $2"
			v.Status, v.Cashier, v.SignedAt = ledger.StatusSigned, actor, &now
		case ledger.ActVoid:
			tag = "UPDATE vouchers SET status = 'void', voided_by = $3, voided_at = $4 WHERE book = $1 AND id = $2"
			v.Status = ledger.StatusVoid
		case ledger.ActPost:
			if err := checkPostable(ctx, tx, v, b); err != nil {
				return err
			}
			tag = "UPDATE vouchers SET status = 'posted', poster = $3, posted_at = $4 WHERE book = $1 AND id = $2"
			v.Status, v.Poster, v.PostedAt = ledger.StatusPosted, actor, &now
			posted = true
		default:
			return ledger.Errorf(ledger.EInvalid, "action", "unknown workflow step %q", act)
		}
		if _, err := tx.Exec(ctx, tag, book, id, actor, now); err != nil {
			return err
		}
		out = v
		return nil
	})
	if err == nil && posted && db.AfterPost != nil {
		db.AfterPost()
	}
	return out, err
}

// checkPostable checks, under locks, what posting needs: the period is open,
// organisations are active on the date, and no restricted balance goes
// below zero. Balance rows are locked in key order (account, org, fund) so
// concurrent postings never deadlock; the database checks all of it again.
func checkPostable(ctx context.Context, tx pgx.Tx, v *ledger.Voucher, b *ledger.Books) error {
	var status string
	err := tx.QueryRow(ctx, `SELECT status FROM periods WHERE book = $1 AND year = $2 AND month = $3 FOR SHARE`, v.Book, v.Year, v.Month).Scan(&status)
	if err != nil && err != pgx.ErrNoRows {
		return err
	}
	if status == "closed" {
		return ledger.Errorf(ledger.EPeriodClosed, "date", "period %04d-%02d is closed; post into an open period", v.Year, v.Month)
	}
	if err := ledger.CheckActive(v, b); err != nil {
		return err
	}
	type key struct{ account, org, fund string }
	delta := map[key]ledger.Money{}
	for _, l := range v.Lines {
		k := key{l.Account, l.Org, l.Fund}
		d, ok := delta[k]
		if !ok {
			d = ledger.Zero
		}
		delta[k] = d.Add(l.Amount())
	}
	keys := make([]key, 0, len(delta))
	for k := range delta {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, c := keys[i], keys[j]
		if a.account != c.account {
			return a.account < c.account
		}
		if a.org != c.org {
			return a.org < c.org
		}
		return a.fund < c.fund
	})
	for _, k := range keys {
		var bal int64
		err := tx.QueryRow(ctx, `SELECT balance_fen FROM balances WHERE book = $1 AND account = $2 AND org = $3 AND fund = $4 FOR UPDATE`,
			v.Book, k.account, k.org, k.fund).Scan(&bal)
		if err != nil && err != pgx.ErrNoRows {
			return err
		}
		a := b.Chart[k.account]
		after := ledger.FromFen(bal).Add(delta[k])
		if a != nil && a.Restricted && after.Sign() < 0 {
			org := k.org
			if o := b.Orgs[k.org]; o != nil {
				org = o.Name + "（" + o.Code + "）"
			}
			return ledger.Errorf(ledger.EInsufficientFunds, "amount", "%s has %s of fund %s on %s %s; %s needs %s",
				org, ledger.FromFen(bal).Format(), k.fund, a.Code, a.Name, v.Word(), delta[k].Neg().Format())
		}
	}
	return nil
}

// Reverse makes the red voucher that cancels posted voucher id (its lines
// negate the original's exactly) as a draft dated date, to be checked and
// posted like any voucher.
func (db *DB) Reverse(ctx context.Context, book, actor string, id int64, date time.Time) (*ledger.Voucher, error) {
	var out *ledger.Voucher
	err := db.runTx(ctx, func(tx pgx.Tx) error {
		v, err := loadVoucher(ctx, tx, book, id, true)
		if err != nil {
			return err
		}
		b, err := loadBooks(ctx, tx, book)
		if err != nil {
			return err
		}
		u, err := loadUser(ctx, tx, book, actor)
		if err != nil {
			return err
		}
		if err := ledger.Authorize(u, ledger.ActReverse, v, b, b.Book.RequireCashierSign); err != nil {
			return err
		}
		if v.ReversalOf != 0 {
			return ledger.Errorf(ledger.EInvalidState, "id", "%s is itself a reversal; it cannot be reversed", v.Word())
		}
		var existing int64
		err = tx.QueryRow(ctx, `SELECT id FROM vouchers WHERE book = $1 AND reversal_of = $2 AND status <> 'void'`, book, id).Scan(&existing)
		if err == nil {
			return ledger.Errorf(ledger.EInvalidState, "id", "%s is already reversed by voucher %d", v.Word(), existing)
		}
		if err != pgx.ErrNoRows {
			return err
		}
		if date.IsZero() {
			date = v.Date
		}
		if date.Year() != v.Date.Year() {
			return ledger.Errorf(ledger.EInvalid, "date", "a red reversal stays in the original's year (%d); correct earlier years with a blue voucher", v.Date.Year())
		}
		r := ledger.Reversal(v, date)
		if err := ledger.ValidateVoucher(r, b); err != nil {
			return err
		}
		rid, err := insertVoucher(ctx, tx, r, actor, db.Now(), db.Source)
		if err != nil {
			return err
		}
		out, err = loadVoucher(ctx, tx, book, rid, false)
		return err
	})
	return out, err
}

// Voucher reads one voucher with its lines and beneficiaries.
func (db *DB) Voucher(ctx context.Context, book string, id int64) (*ledger.Voucher, error) {
	v, err := loadVoucher(ctx, db.Pool, book, id, false)
	return v, mapError(err)
}

// VoucherByNumber finds a voucher by its 字号 in a month.
func (db *DB) VoucherByNumber(ctx context.Context, book string, year, month int, typ string, number int) (*ledger.Voucher, error) {
	var id int64
	err := db.Pool.QueryRow(ctx, `SELECT id FROM vouchers WHERE book = $1 AND year = $2 AND month = $3 AND type = $4 AND number = $5`,
		book, year, month, typ, number).Scan(&id)
	if err == pgx.ErrNoRows {
		return nil, ledger.Errorf(ledger.ENotFound, "voucher", "no voucher %s-%04d in %04d-%02d", typ, number, year, month)
	}
	if err != nil {
		return nil, mapError(err)
	}
	return db.Voucher(ctx, book, id)
}

const voucherColumns = `id, book, type, year, month, number, date, summary, attachments, doc_types, decision, payee, payee_type, method,
	flow, memo, closing, correcting, status, coalesce(reversal_of, 0), coalesce(correction_of, 0), coalesce(idem_key, ''),
	maker, made_at, coalesce(checker, ''), checked_at, coalesce(cashier, ''), signed_at, coalesce(poster, ''), posted_at`

func scanVoucher(row pgx.Row) (*ledger.Voucher, error) {
	v := &ledger.Voucher{}
	var status string
	var madeAt time.Time
	err := row.Scan(&v.ID, &v.Book, &v.Type, &v.Year, &v.Month, &v.Number, &v.Date, &v.Summary, &v.Attachments, &v.DocTypes,
		&v.Decision, &v.Payee, &v.PayeeType, &v.Method, &v.Flow, &v.Memo, &v.Closing, &v.Correcting, &status,
		&v.ReversalOf, &v.CorrectionOf, &v.Key, &v.Maker, &madeAt, &v.Checker, &v.CheckedAt, &v.Cashier, &v.SignedAt,
		&v.Poster, &v.PostedAt)
	if err != nil {
		return nil, err
	}
	v.Status = ledger.VoucherStatus(status)
	v.MadeAt = &madeAt
	return v, nil
}

func loadVoucher(ctx context.Context, q querier, book string, id int64, forUpdate bool) (*ledger.Voucher, error) {
	sql := `SELECT ` + voucherColumns + ` FROM vouchers WHERE book = $1 AND id = $2`
	if forUpdate {
		sql += " FOR UPDATE"
	}
	v, err := scanVoucher(q.QueryRow(ctx, sql, book, id))
	if err == pgx.ErrNoRows {
		return nil, ledger.Errorf(ledger.ENotFound, "id", "voucher %d does not exist in book %s", id, book)
	}
	if err != nil {
		return nil, err
	}
	if err := loadLines(ctx, q, []*ledger.Voucher{v}); err != nil {
		return nil, err
	}
	return v, nil
}

// loadLines fills the lines and beneficiaries of vouchers of one book.
func loadLines(ctx context.Context, q querier, vs []*ledger.Voucher) error {
	if len(vs) == 0 {
		return nil
	}
	byID := map[int64]*ledger.Voucher{}
	ids := make([]int64, len(vs))
	for i, v := range vs {
		byID[v.ID] = v
		ids[i] = v.ID
		v.Lines, v.Beneficiaries = nil, nil
	}
	book := vs[0].Book
	rows, err := q.Query(ctx, `SELECT voucher_id, line_no, summary, account, org, fund, coalesce(purpose, ''), debit_fen, credit_fen
		FROM voucher_lines WHERE book = $1 AND voucher_id = ANY($2) ORDER BY voucher_id, line_no`, book, ids)
	if err != nil {
		return err
	}
	for rows.Next() {
		var l ledger.Line
		var vid, d, c int64
		var purpose string
		if err := rows.Scan(&vid, &l.No, &l.Summary, &l.Account, &l.Org, &l.Fund, &purpose, &d, &c); err != nil {
			return err
		}
		l.Purpose, l.Debit, l.Credit = ledger.Purpose(purpose), ledger.FromFen(d), ledger.FromFen(c)
		byID[vid].Lines = append(byID[vid].Lines, l)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = q.Query(ctx, `SELECT voucher_id, name, category, id_number, phone, reason, amount_fen
		FROM voucher_beneficiaries WHERE book = $1 AND voucher_id = ANY($2) ORDER BY voucher_id, seq`, book, ids)
	if err != nil {
		return err
	}
	for rows.Next() {
		var p ledger.Beneficiary
		var vid, amt int64
		if err := rows.Scan(&vid, &p.Name, &p.Category, &p.IDNumber, &p.Phone, &p.Reason, &amt); err != nil {
			return err
		}
		p.Amount = ledger.FromFen(amt)
		byID[vid].Beneficiaries = append(byID[vid].Beneficiaries, p)
	}
	return rows.Err()
}

// VoucherFilter selects vouchers for List.
type VoucherFilter struct {
	Book      string
	From, To  time.Time // dates, inclusive; zero: open
	Status    string
	Org       string // a line's organisation is in this subtree
	Flow      string
	AfterID   int64 // keyset pagination: ids greater than this
	Limit     int   // at most ListLimitMax
	WithLines bool
}

// ListLimitMax caps a page of vouchers.
const ListLimitMax = 1000

// Vouchers lists vouchers by id (creation order), a stable order for keyset
// pagination with AfterID.
func (db *DB) Vouchers(ctx context.Context, f VoucherFilter) ([]*ledger.Voucher, error) {
	if f.Limit <= 0 || f.Limit > ListLimitMax {
		f.Limit = ListLimitMax
	}
	var where []string
	args := []any{f.Book}
	where = append(where, "v.book = $1")
	add := func(cond string, val any) {
		args = append(args, val)
		where = append(where, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if !f.From.IsZero() {
		add("v.date >= ?", f.From)
	}
	if !f.To.IsZero() {
		add("v.date <= ?", f.To)
	}
	if f.Status != "" {
		add("v.status = ?", f.Status)
	}
	if f.Flow != "" {
		add("v.flow = ?", f.Flow)
	}
	if f.Org != "" {
		args = append(args, f.Org)
		where = append(where, fmt.Sprintf(`EXISTS (SELECT 1 FROM voucher_lines l
			JOIN organisations o ON o.book = l.book AND o.code = l.org
			JOIN organisations s ON s.book = l.book AND s.code = $%d
			WHERE l.book = v.book AND l.voucher_id = v.id AND (o.path = s.path OR o.path LIKE s.path || '/%%'))`, len(args)))
	}
	if f.AfterID > 0 {
		add("v.id > ?", f.AfterID)
	}
	args = append(args, f.Limit)
	sql := `SELECT ` + voucherColumns + ` FROM vouchers v WHERE ` + strings.Join(where, " AND ") +
		fmt.Sprintf(" ORDER BY v.id LIMIT $%d", len(args))
	rows, err := db.Pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, mapError(err)
	}
	var out []*ledger.Voucher
	for rows.Next() {
		v, err := scanVoucher(rows)
		if err != nil {
			rows.Close()
			return nil, mapError(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, mapError(err)
	}
	if f.WithLines {
		if err := loadLines(ctx, db.Pool, out); err != nil {
			return nil, mapError(err)
		}
	}
	return out, nil
}
