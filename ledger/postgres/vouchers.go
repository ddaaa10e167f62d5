package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/shopspring/decimal"

	"github.com/fenyang/partyfee/ledger"
)

// CreateVoucher validates v, checks that actor may make it and stores it as
// a draft with the next gapless number. With v.Key set, a repeated request
// with the same key and content returns the first voucher (replayed = true)
// and writes nothing; the same key with other content is
// idempotency_conflict.
//
// The checks read the book (cached, see bookCache) and the user first; the
// writes then go to the server in one round trip that is one implicit
// transaction (a pgx batch): the idempotency key, the voucher (whose
// trigger takes the month's number and so locks its counter row), its
// lines, beneficiaries, the action log and the key's voucher. The counter
// row is held only while the server runs those statements and commits,
// never across a round trip to this process.
func (db *DB) CreateVoucher(ctx context.Context, actor string, v *ledger.Voucher) (out *ledger.Voucher, replayed bool, err error) {
	err = retry(func() (err error) {
		out, replayed, err = db.createVoucher(ctx, actor, v)
		return err
	})
	return out, replayed, mapError(err)
}

func (db *DB) createVoucher(ctx context.Context, actor string, v *ledger.Voucher) (*ledger.Voucher, bool, error) {
	b, u, err := db.actorBooks(ctx, db.Pool, v.Book, actor)
	if err != nil {
		return nil, false, err
	}
	w := *v
	w.Lines = append([]ledger.Line(nil), v.Lines...)
	if w.ReversalOf != 0 {
		// Negative lines are allowed on a red voucher only because
		// Reverse derives them from the posted original.
		return nil, false, ledger.Errorf(ledger.EInvalid, "reversal_of", "a red reversal is made from the voucher it cancels (voucher reverse), not by hand")
	}
	// A key used before fails the batch's first statement; the first
	// request's voucher is looked up then.
	hash, err := db.checkNewDraft(&w, b, u)
	if err != nil {
		return nil, false, err
	}
	rec := APIRecordOf(ctx)
	err = db.insertVoucher(ctx, db.Pool, &w, actor, hash, rec)
	if err != nil {
		if rec != nil && isAPIKeyTaken(err) {
			// The key made or moved a voucher before, or was claimed for
			// another write: the caller claims it and replays or refuses.
			return nil, false, ErrAPIKeyTaken
		}
		if w.Key != "" && isUniqueViolation(err, "idempotency_pkey") {
			// A request with the same key committed first, perhaps
			// without its WAL on disk yet (insertVoucher): flushed before
			// the voucher is handed back.
			out, found, rerr := replayKey(ctx, db.Pool, w.Book, w.Key, actor, hash)
			if rerr == nil && found {
				rerr = db.flushWAL(ctx)
			}
			if rerr != nil || found {
				return out, found, rerr
			}
		}
		return nil, false, err
	}
	if rec != nil {
		rec.Stored, rec.Status = true, apiDraftStatus
	}
	// queueVoucher filled in what the database assigned: the id, the
	// number, the period and the timestamps.
	db.vouchers.put(asStored(&w, rec != nil))
	return &w, false, nil
}

// asStored is draft w as a read of it returns it (scanVoucher, loadLines),
// for the next step to start from (voucherCache): the key only when the
// voucher keeps one (not an API draft's, migration 00038), the lines
// numbered, amounts and item figures as the database gives them back, a
// beneficiary's identity kind named, the date a day in UTC.
func asStored(w *ledger.Voucher, api bool) *ledger.Voucher {
	v := cloneVoucher(w)
	if api {
		v.Key = ""
	}
	v.Date = time.Date(w.Date.Year(), w.Date.Month(), w.Date.Day(), 0, 0, 0, 0, time.UTC)
	for i := range v.Lines {
		l := &v.Lines[i]
		l.No = i + 1
		if len(l.Items) == 0 {
			l.Items = nil
		}
		l.Debit, l.Credit = ledger.FromFen(l.Debit.Fen()), ledger.FromFen(l.Credit.Fen())
		for j := range l.Items {
			it := &l.Items[j]
			it.Quantity = decimal.RequireFromString(it.Quantity.String())
			it.UnitPrice = decimal.RequireFromString(it.UnitPrice.String())
			it.Amount = ledger.FromFen(it.Amount.Fen())
		}
	}
	if len(v.Beneficiaries) == 0 {
		v.Beneficiaries = nil
	}
	for i := range v.Beneficiaries {
		p := &v.Beneficiaries[i]
		p.Amount = ledger.FromFen(p.Amount.Fen())
		if p.IDKind == "" {
			p.IDKind = ledger.IDResident
		}
	}
	return v
}

// checkNewDraft runs the checks of a new draft w made by u: the voucher's
// rules, its date window, the maker's role and scope, active
// organisations, and the length of its idempotency key. It returns the
// request's hash for the key ("" without one).
func (db *DB) checkNewDraft(w *ledger.Voucher, b *ledger.Books, u *ledger.User) (string, error) {
	if err := ledger.ValidateVoucher(w, b); err != nil {
		return "", err
	}
	if err := ledger.CheckDate(w, b, db.Now()); err != nil {
		return "", err
	}
	if err := ledger.Authorize(u, ledger.ActMake, w, b, b.Book.RequireCashierSign); err != nil {
		return "", err
	}
	if err := ledger.CheckActive(w, b); err != nil {
		return "", err
	}
	if w.Key == "" {
		return "", nil
	}
	if len(w.Key) > 200 {
		return "", ledger.Errorf(ledger.EInvalid, "key", "an idempotency key has at most 200 characters")
	}
	return requestHash(w), nil
}

// replayKey looks an idempotency key up: found with the first request's
// voucher when it was made by the same actor with the same content,
// idempotency_conflict when the key was used otherwise, not found when the
// key is new.
func replayKey(ctx context.Context, q querier, book, key, actor, hash string) (*ledger.Voucher, bool, error) {
	var storedHash, storedActor string
	var id *int64
	err := q.QueryRow(ctx, `SELECT request_hash, actor, voucher_id FROM idempotency WHERE book = $1 AND key = $2`, book, key).Scan(&storedHash, &storedActor, &id)
	if err == pgx.ErrNoRows {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if storedHash != hash || storedActor != actor || id == nil {
		return nil, false, ledger.Errorf(ledger.EIdempotencyConflict, "key", "idempotency key %q was used for a different request", key)
	}
	v, err := loadVoucher(ctx, q, book, *id, false)
	return v, err == nil, err
}

// isUniqueViolation reports whether err is a violation of the named
// unique constraint, or of the named exclusion constraint that holds a key
// unique through a hash index (actions_idem_key, migration 00046).
func isUniqueViolation(err error, constraint string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "23505" || pe.Code == "23P01") && pe.ConstraintName == constraint
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

// queueVoucher queues the statements writing a validated draft: the voucher
// (RETURNING what the database assigns, its number included: the month's
// counter is taken by the insert, migrations/00031_number_at_insert.sql), its lines in one
// statement (so the database checks the balance per fund once), its
// beneficiaries and items (queueVoucherChildren) and the action log. The
// statements after the voucher name it by currval of the voucher id's
// sequence. readVoucherBatch reads their results into v; n is the number of
// statements queued after the voucher's.
func queueVoucher(batch *pgx.Batch, v *ledger.Voucher, actor string, now time.Time, source string, api *APIRequest) (n int) {
	// A draft made through the API keeps its key on its row of the action
	// log only (migration 00038).
	var key *string
	if v.Key != "" && api == nil {
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
	v.Flow, v.Maker, v.MadeAt, v.Status, v.DocTypes = flow, actor, &now, ledger.StatusDraft, docTypes
	// The draft is written with its total, the sum of its debits: the
	// line trigger then finds it right and leaves the row alone, rather
	// than writing a second version of it (and firing the update triggers)
	// to set it. The database still checks it against the lines.
	var total int64
	for _, l := range v.Lines {
		total += l.Debit.Fen()
	}
	batch.Queue(`INSERT INTO vouchers (book, type, year, month, number, date, summary, attachments, doc_types, decision,
			payee, payee_type, method, flow, memo, closing, correcting, reversal_of, correction_of, idem_key, maker, made_at, total_fen)
		VALUES ($1, $2, 0, 0, 1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
		RETURNING id, number, year, month`,
		v.Book, v.Type, v.Date, v.Summary, v.Attachments, docTypes, v.Decision, v.Payee, v.PayeeType, v.Method, flow, v.Memo,
		v.Closing, v.Correcting, reversalOf, correctionOf, key, actor, now, total)
	n = queueVoucherChildren(batch, v, currentVoucherID)
	args := []any{v.Book, now, actor, source, map[string]any{"flow": flow, "total": v.Total().String()}}
	keyCols, keyVals, args := apiKeyColumns(api, args)
	batch.Queue(`INSERT INTO actions (book, at, actor, action, voucher_id, source, detail`+keyCols+`)
		VALUES ($1, $2, $3, 'make', `+currentVoucherID+`, $4, $5`+keyVals+`)`, args...)
	return n + 1
}

// apiKeyColumns adds an API request's key and hash to the arguments args
// of an insert into the action log: the columns and the placeholders to
// append to its lists, and the arguments with the two values. Without a
// request (api nil) it adds nothing.
func apiKeyColumns(api *APIRequest, args []any) (cols, vals string, out []any) {
	if api == nil {
		return "", "", args
	}
	n := len(args)
	return ", idem_key, request_hash", fmt.Sprintf(", $%d, $%d", n+1, n+2), append(args, api.Key, apiRequestHash(api.Hash))
}

// currentVoucherID names the voucher inserted last in this session.
const currentVoucherID = `currval(pg_get_serial_sequence('public.vouchers', 'id'))`

// queueVoucherChildren queues the statements writing what belongs to
// voucher v, named by the SQL expression id: its lines in one statement
// (so the database checks the balance per fund once), its beneficiaries and
// its items (the database checks Σ items = the line's amount at commit). A
// new draft and an edited one (EditVoucher) are written by it alike. It
// returns the number of statements queued.
func queueVoucherChildren(batch *pgx.Batch, v *ledger.Voucher, id string) int {
	queued := 1
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
	batch.Queue(`INSERT INTO voucher_lines (book, voucher_id, date, line_no, summary, account, org, fund, purpose, debit_fen, credit_fen)
		SELECT $1, `+id+`, $10::date, * FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::bigint[])`,
		v.Book, nos, summaries, accounts, orgs, funds, purposes, debits, credits, v.Date)
	if k := len(v.Beneficiaries); k > 0 {
		seqs, amounts := make([]int32, k), make([]int64, k)
		names, cats, ids, kinds, phones, reasons := make([]string, k), make([]string, k), make([]string, k), make([]string, k), make([]string, k), make([]string, k)
		for i, p := range v.Beneficiaries {
			seqs[i], amounts[i] = int32(i+1), p.Amount.Fen()
			names[i], cats[i], ids[i], phones[i], reasons[i] = p.Name, p.Category, p.IDNumber, p.Phone, p.Reason
			kinds[i] = string(p.IDKind)
			if kinds[i] == "" {
				kinds[i] = string(ledger.IDResident)
			}
		}
		queued++
		batch.Queue(`INSERT INTO voucher_beneficiaries (book, voucher_id, seq, name, category, id_number, id_kind, phone, reason, amount_fen)
			SELECT $1, `+id+`, * FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[])`,
			v.Book, seqs, names, cats, ids, kinds, phones, reasons, amounts)
	}
	var lineNos, seqs []int32
	var names, specs, units, quantities, prices []string
	var amounts []int64
	for i := range v.Lines {
		for j, it := range v.Lines[i].Items {
			lineNos, seqs = append(lineNos, int32(i+1)), append(seqs, int32(j+1))
			names, specs, units = append(names, it.Name), append(specs, it.Spec), append(units, it.Unit)
			quantities, prices = append(quantities, it.Quantity.String()), append(prices, it.UnitPrice.String())
			amounts = append(amounts, it.Amount.Fen())
		}
	}
	if len(lineNos) > 0 {
		queued++
		batch.Queue(`INSERT INTO voucher_items (book, voucher_id, line_no, seq, name, spec, unit, quantity, unit_price, amount_fen)
			SELECT $1, `+id+`, * FROM unnest($2::int[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[]::numeric[], $8::text[]::numeric[], $9::bigint[])`,
			v.Book, lineNos, seqs, names, specs, units, quantities, prices, amounts)
	}
	return queued
}

// readVoucherBatch reads the results of the statements queueVoucher
// queued, in order, filling in the voucher's id, number and period; n is
// what queueVoucher returned.
func readVoucherBatch(br pgx.BatchResults, v *ledger.Voucher, n int) error {
	if err := br.QueryRow().Scan(&v.ID, &v.Number, &v.Year, &v.Month); err != nil {
		return err
	}
	v.Version = 1
	for i := 0; i < n; i++ {
		if _, err := br.Exec(); err != nil {
			return err
		}
	}
	return nil
}

// logAction writes a row of the action log; voucherID is 0 for an action
// that concerns no voucher (migrations/00043_action_log_by_voucher.sql).
func logAction(ctx context.Context, tx pgx.Tx, book, actor, action string, voucherID int64, at time.Time, source string, detail map[string]any) error {
	if detail == nil {
		detail = map[string]any{}
	}
	_, err := tx.Exec(ctx, `INSERT INTO actions (book, at, actor, action, voucher_id, source, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		book, at, actor, action, voucherID, source, detail)
	return err
}

// Transition moves voucher id one step of SPEC §3's workflow (check,
// uncheck, sign, post, void) as actor.
//
// The voucher, the book (cached) and the user are read and the step is
// checked first, without locks; the step itself is then one round trip and
// one implicit transaction: one statement moves the voucher — only if it
// is still in the state it was read in — and logs the action, and the
// database's triggers check everything again and, posting, check the
// period open and the restricted balances not below zero, hold the
// balances last (their advisory locks, in the locks' order: migration
// 00041) and move them. A posting they refuse is explained
// from a read of the period and the balances (postRefusal). When the
// voucher moved meanwhile the step starts over from the read.
func (db *DB) Transition(ctx context.Context, book, actor string, id int64, act ledger.Action) (*ledger.Voucher, error) {
	var out *ledger.Voucher
	err := retry(func() error {
		for reread := 0; ; reread++ {
			v, moved, err := db.transition(ctx, book, actor, id, act)
			if err != nil || moved {
				out = v
				return err
			}
			// Another transaction moved the voucher first: read it again.
			if reread >= 10*retryCountMax {
				return ledger.Errorf(ledger.EUnavailable, "id", "voucher %d keeps changing; try again", id)
			}
		}
	})
	if errors.Is(err, ErrAPIKeyTaken) {
		return nil, err
	}
	if err != nil {
		return nil, mapError(err)
	}
	if act == ledger.ActPost && db.AfterPost != nil {
		db.AfterPost()
	}
	return out, nil
}

// transitionSQL moves a voucher that is still in state $5 at version $8,
// the voucher made at $9 (the same voucher, not one made again under its id
// in a database restored since it was read), and logs the action: $1 book,
// $2 id, $3 actor, $4 time, $5 the state read, $6 source, $7 the step and,
// with an API request, $10 and $11 its key and hash (apiKeyColumns).
var transitionSQL = map[ledger.Action]string{
	ledger.ActCheck:   "status = 'checked', checker = $3, checked_at = $4",
	ledger.ActUncheck: "status = 'draft', checker = NULL, checked_at = NULL",
	ledger.ActSign:    "status = 'signed', cashier = $3, signed_at = $4",
	ledger.ActVoid:    "status = 'void', voided_by = $3, voided_at = $4",
	ledger.ActPost:    "status = 'posted', poster = $3, posted_at = $4",
}

// transition does step act on voucher id: from the voucher as this process
// last moved it and the acting user as last read (cachedTransition), when
// both are at hand, else from a read (readTransition). moved is false when
// the voucher was no longer in the state and version the step started
// from: Transition then reads it again. A step from memory that does not
// go through, for whatever reason, is done again from a read, so that a
// refusal is never one of a voucher's past.
func (db *DB) transition(ctx context.Context, book, actor string, id int64, act ledger.Action) (*ledger.Voucher, bool, error) {
	set, ok := transitionSQL[act]
	if !ok {
		return nil, false, ledger.Errorf(ledger.EInvalid, "action", "unknown workflow step %q", act)
	}
	if r := db.cachedTransition(book, actor, id); r != nil {
		out, moved, err := db.step(ctx, r, actor, act, set)
		if err == nil && moved {
			return out, true, nil
		}
		db.vouchers.forget(book, id)
	}
	r, err := db.readTransition(ctx, book, actor, id)
	if err != nil {
		return nil, false, err
	}
	return db.step(ctx, r, actor, act, set)
}

// cachedTransition returns what a step of actor on voucher id needs when
// this process has all of it in memory: the voucher as it last moved it
// (voucherCache) and the book and user as last read (cachedActor); nil
// otherwise.
func (db *DB) cachedTransition(book, actor string, id int64) *transitionRead {
	b, u := db.cachedActor(book, actor)
	if u == nil {
		return nil
	}
	v := db.vouchers.get(book, id)
	if v == nil {
		return nil
	}
	return &transitionRead{v: v, books: b, user: u}
}

// step authorizes step act of r's user on r's voucher and writes it with
// set (transitionSQL), guarded by the voucher's state and version.
func (db *DB) step(ctx context.Context, r *transitionRead, actor string, act ledger.Action, set string) (*ledger.Voucher, bool, error) {
	v, b := r.v, r.books
	if err := ledger.Authorize(r.user, act, v, b, b.Book.RequireCashierSign); err != nil {
		return nil, false, err
	}
	if act == ledger.ActPost {
		// The period's state and the restricted balances are the posting
		// trigger's to check, under its locks; they are read for a clear
		// error only when it refuses (postRefusal).
		if err := ledger.CheckActive(v, b); err != nil {
			return nil, false, err
		}
	}
	now := db.Now().Round(time.Microsecond).UTC()
	after := *v
	switch act {
	case ledger.ActCheck:
		after.Status, after.Checker, after.CheckedAt = ledger.StatusChecked, actor, &now
	case ledger.ActUncheck:
		after.Status, after.Checker, after.CheckedAt = ledger.StatusDraft, "", nil
	case ledger.ActSign:
		after.Status, after.Cashier, after.SignedAt = ledger.StatusSigned, actor, &now
	case ledger.ActVoid:
		after.Status = ledger.StatusVoid
	case ledger.ActPost:
		after.Status, after.Poster, after.PostedAt = ledger.StatusPosted, actor, &now
	}
	// The API's idempotency record, complete, is the key on the step's
	// row of the action log (see APIRecord): the step and its record
	// commit together or not at all. The answer is the voucher as the step
	// leaves it, done by the key's user at the step's time, with its
	// attachments counted by the write (an upload does not change the
	// version).
	rec := APIRecordOf(ctx)
	var api *APIRequest
	if rec != nil {
		api = &rec.Req
	}
	book, id := v.Book, v.ID
	keyCols, keyVals, args := apiKeyColumns(api, []any{book, id, actor, now, string(v.Status), db.Source, string(act), v.Version, v.MadeAt})
	err := db.Pool.QueryRow(ctx, `WITH moved AS (
			UPDATE vouchers SET `+set+` WHERE book = $1 AND id = $2 AND status = $5 AND version = $8 AND made_at = $9 RETURNING id),
		logged AS (
			INSERT INTO actions (book, at, actor, action, voucher_id, source, detail`+keyCols+`)
			SELECT $1, $4, $3, $7, id, $6, '{}'`+keyVals+` FROM moved)
		SELECT (SELECT count(*) FROM voucher_attachments a WHERE a.book = $1 AND a.voucher_id = $2)::int FROM moved`, args...).Scan(&after.Files)
	if err == pgx.ErrNoRows {
		return nil, false, nil
	}
	if err != nil {
		if rec != nil && isAPIKeyTaken(err) {
			return nil, false, ErrAPIKeyTaken
		}
		if act == ledger.ActPost {
			return nil, false, db.postRefusal(ctx, v, b, err)
		}
		return nil, false, err
	}
	if rec != nil {
		rec.Stored, rec.Status = true, apiStepStatus
	}
	db.vouchers.put(&after)
	return &after, true, nil
}

// postRefusal explains the database's refusal err of posting v: when the
// posting's trigger found the period closed or a restricted balance going
// below zero, the period's state and the stored balances of the voucher's
// keys are read and checkPostable names the period, or the balance with
// what it holds and what the voucher needs. Otherwise, or when the state
// read no longer shows the refusal's cause, err is returned as it is.
func (db *DB) postRefusal(ctx context.Context, v *ledger.Voucher, b *ledger.Books, err error) error {
	switch ledger.ErrorCode(mapError(err)) {
	case ledger.EPeriodClosed, ledger.EInsufficientFunds:
	default:
		return err
	}
	period, bal, rerr := db.readPostable(ctx, v.Book, v.ID)
	if rerr != nil {
		return err
	}
	if cerr := checkPostable(v, b, period, bal); cerr != nil {
		return cerr
	}
	return err
}

// readPostable reads the state of the period of voucher id and the stored
// balances of its lines' keys.
func (db *DB) readPostable(ctx context.Context, book string, id int64) (string, map[ledger.BalanceKey]int64, error) {
	// The period's state on every row, with one row per stored balance of
	// the voucher's keys (one row without a balance when none is stored).
	rows, err := db.Pool.Query(ctx, `SELECT p.status, b.account, b.org, b.fund, b.balance_fen
		FROM vouchers v
		LEFT JOIN periods p ON p.book = v.book AND p.year = v.year AND p.month = v.month
		LEFT JOIN LATERAL (SELECT x.account, x.org, x.fund, x.balance_fen FROM balances x
			WHERE x.book = $1 AND (x.account, x.org, x.fund) IN (
				SELECT l.account, l.org, l.fund FROM voucher_lines l WHERE l.book = $1 AND l.voucher_id = $2)) b ON true
		WHERE v.book = $1 AND v.id = $2`, book, id)
	if err != nil {
		return "", nil, err
	}
	defer rows.Close()
	state, bal := "", map[ledger.BalanceKey]int64{}
	for rows.Next() {
		var period, account, org, fund *string
		var f *int64
		if err := rows.Scan(&period, &account, &org, &fund, &f); err != nil {
			return "", nil, err
		}
		if period != nil {
			state = *period
		}
		if account != nil {
			bal[ledger.BalanceKey{Account: *account, Org: *org, Fund: *fund}] = *f
		}
	}
	return state, bal, rows.Err()
}

// checkPostable checks what posting needs, for a clear error: the period
// is open, organisations are active on the date, and no restricted balance
// goes below zero. It reads without locks; the database checks all of it
// under the posting's locks (vouchers_after_post holds the balances by
// their advisory locks, in the locks' order).
func checkPostable(v *ledger.Voucher, b *ledger.Books, period string, bal map[ledger.BalanceKey]int64) error {
	if period == "closed" {
		return ledger.Errorf(ledger.EPeriodClosed, "date", "period %04d-%02d is closed; post into an open period", v.Year, v.Month)
	}
	if err := ledger.CheckActive(v, b); err != nil {
		return err
	}
	moves := make([]ledger.Move, len(v.Lines))
	for i, l := range v.Lines {
		moves[i] = ledger.Move{Key: ledger.BalanceKey{Account: l.Account, Org: l.Org, Fund: l.Fund}, Fen: l.Amount().Fen()}
	}
	if _, over := ledger.CheckOverspend(b.Chart, moves, func(k ledger.BalanceKey) int64 { return bal[k] }); over != nil {
		return over.Err(b, "amount", v.Word())
	}
	return nil
}

// transitionRead is what a workflow step reads before it writes.
type transitionRead struct {
	v     *ledger.Voucher
	books *ledger.Books
	user  *ledger.User
}

// readTransition reads voucher id with its lines and beneficiaries and,
// unless they are at hand (cachedActor), the acting user with the book's
// revision, in one round trip (a batch of reads); the book itself only when
// the cached one is stale.
func (db *DB) readTransition(ctx context.Context, book, actor string, id int64) (*transitionRead, error) {
	r := &transitionRead{}
	r.books, r.user = db.cachedActor(book, actor)
	gen, heard := db.auth.generation()
	batch := &pgx.Batch{}
	batch.Queue(`SELECT `+voucherColumns+` FROM vouchers WHERE book = $1 AND id = $2`, book, id)
	batch.Queue(oneLinesSQL, book, id)
	batch.Queue(oneBeneficiariesSQL, book, id)
	if r.user == nil {
		batch.Queue(actorSQL, book, actor)
	}
	br := db.Pool.SendBatch(ctx, batch)
	var rev int64
	err := func() error {
		v, err := scanVoucher(br.QueryRow())
		if err == pgx.ErrNoRows {
			return ledger.Errorf(ledger.ENotFound, "id", "voucher %d does not exist in book %s", id, book)
		}
		if err != nil {
			return err
		}
		r.v = v
		byID := map[int64]*ledger.Voucher{id: v}
		rows, err := br.Query()
		if err != nil {
			return err
		}
		if err := scanLines(rows, byID); err != nil {
			return err
		}
		if rows, err = br.Query(); err != nil {
			return err
		}
		if err := scanBeneficiaries(rows, byID); err != nil {
			return err
		}
		if r.user != nil {
			return nil
		}
		rev, r.user, err = scanActor(br.QueryRow(), book, actor)
		return err
	}()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if r.books != nil {
		return r, nil
	}
	if r.books, err = db.booksAt(ctx, db.Pool, book, rev); err != nil {
		return nil, err
	}
	if heard {
		db.rememberActor(book, rev, gen, r.user)
	}
	return r, nil
}

// Reverse makes the red voucher that cancels posted voucher id (its lines
// negate the original's exactly) as a draft dated date, to be checked and
// posted like any voucher.
func (db *DB) Reverse(ctx context.Context, book, actor string, id int64, date time.Time) (*ledger.Voucher, error) {
	var rid int64
	err := db.runTx(ctx, func(tx pgx.Tx) error {
		v, err := loadVoucher(ctx, tx, book, id, true)
		if err != nil {
			return err
		}
		b, u, err := db.actorBooks(ctx, tx, book, actor)
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
		if err := ledger.CheckDate(r, b, db.Now()); err != nil {
			return err
		}
		batch := &pgx.Batch{}
		n := queueVoucher(batch, r, actor, db.Now(), db.Source, nil)
		br := tx.SendBatch(ctx, batch)
		err = readVoucherBatch(br, r, n)
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		rid = r.ID
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The red voucher took its number at commit.
	return db.Voucher(ctx, book, rid)
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
	maker, made_at, coalesce(checker, ''), checked_at, coalesce(cashier, ''), signed_at, coalesce(poster, ''), posted_at,
	(SELECT count(*) FROM voucher_attachments a WHERE a.book = $1 AND a.voucher_id = id)::int, version`

func scanVoucher(row pgx.Row) (*ledger.Voucher, error) {
	v := &ledger.Voucher{}
	var status string
	var madeAt time.Time
	err := row.Scan(&v.ID, &v.Book, &v.Type, &v.Year, &v.Month, &v.Number, &v.Date, &v.Summary, &v.Attachments, &v.DocTypes,
		&v.Decision, &v.Payee, &v.PayeeType, &v.Method, &v.Flow, &v.Memo, &v.Closing, &v.Correcting, &status,
		&v.ReversalOf, &v.CorrectionOf, &v.Key, &v.Maker, &madeAt, &v.Checker, &v.CheckedAt, &v.Cashier, &v.SignedAt,
		&v.Poster, &v.PostedAt, &v.Files, &v.Version)
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

// loadLines fills the lines (with their items) and beneficiaries of
// vouchers of one book.
func loadLines(ctx context.Context, q querier, vs []*ledger.Voucher) error {
	if len(vs) == 0 {
		return nil
	}
	byID := map[int64]*ledger.Voucher{}
	ids := make([]int64, len(vs))
	for i, v := range vs {
		byID[v.ID] = v
		ids[i] = v.ID
	}
	book := vs[0].Book
	lines, beneficiaries, items := linesSQL, beneficiariesSQL, itemsSQL
	var arg any = ids
	if len(ids) == 1 {
		lines, beneficiaries, items, arg = oneLinesSQL, oneBeneficiariesSQL, oneItemsSQL, ids[0]
	}
	rows, err := q.Query(ctx, lines, book, arg)
	if err != nil {
		return err
	}
	if err := scanLines(rows, byID); err != nil {
		return err
	}
	if rows, err = q.Query(ctx, beneficiaries, book, arg); err != nil {
		return err
	}
	if err := scanBeneficiaries(rows, byID); err != nil {
		return err
	}
	if rows, err = q.Query(ctx, items, book, arg); err != nil {
		return err
	}
	return scanItems(rows, byID)
}

// oneVoucher is one of linesSQL, beneficiariesSQL and itemsSQL reading
// one voucher, $2 its id: a plan each session makes once and keeps. With
// = ANY of an array PostgreSQL plans afresh at every call, the array's
// length making each custom plan look cheaper than a generic one; a
// workflow step reads one voucher twice.
func oneVoucher(sql string) string {
	return strings.Replace(sql, "voucher_id = ANY($2)", "voucher_id = $2", 1)
}

var (
	oneLinesSQL         = oneVoucher(linesSQL)
	oneBeneficiariesSQL = oneVoucher(beneficiariesSQL)
	oneItemsSQL         = oneVoucher(itemsSQL)
)

// linesSQL and beneficiariesSQL read the lines and beneficiaries of
// vouchers $2 of book $1, in order.
const (
	linesSQL = `SELECT voucher_id, line_no, summary, account, org, fund, coalesce(purpose, ''), debit_fen, credit_fen
		FROM voucher_lines WHERE book = $1 AND voucher_id = ANY($2) ORDER BY voucher_id, line_no`
	beneficiariesSQL = `SELECT voucher_id, name, category, id_number, id_kind, phone, reason, amount_fen
		FROM voucher_beneficiaries WHERE book = $1 AND voucher_id = ANY($2) ORDER BY voucher_id, seq`
	itemsSQL = `SELECT voucher_id, line_no, name, spec, unit, quantity::text, unit_price::text, amount_fen
		FROM voucher_items WHERE book = $1 AND voucher_id = ANY($2) ORDER BY voucher_id, line_no, seq`
)

// scanItems puts the rows of itemsSQL on the lines of the vouchers in
// byID (whose lines are loaded).
func scanItems(rows pgx.Rows, byID map[int64]*ledger.Voucher) error {
	defer rows.Close()
	for rows.Next() {
		var it ledger.Item
		var vid, amt int64
		var no int
		var qty, price string
		if err := rows.Scan(&vid, &no, &it.Name, &it.Spec, &it.Unit, &qty, &price, &amt); err != nil {
			return err
		}
		var err error
		if it.Quantity, err = decimal.NewFromString(qty); err != nil {
			return err
		}
		if it.UnitPrice, err = decimal.NewFromString(price); err != nil {
			return err
		}
		it.Amount = ledger.FromFen(amt)
		v := byID[vid]
		if no < 1 || no > len(v.Lines) || v.Lines[no-1].No != no {
			return fmt.Errorf("item of voucher %d names line %d, which is not loaded", vid, no)
		}
		v.Lines[no-1].Items = append(v.Lines[no-1].Items, it)
	}
	return rows.Err()
}

// scanLines replaces the lines of the vouchers in byID with rows of linesSQL.
func scanLines(rows pgx.Rows, byID map[int64]*ledger.Voucher) error {
	defer rows.Close()
	for _, v := range byID {
		v.Lines = nil
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
	return rows.Err()
}

// scanBeneficiaries replaces the beneficiaries of the vouchers in byID
// with rows of beneficiariesSQL.
func scanBeneficiaries(rows pgx.Rows, byID map[int64]*ledger.Voucher) error {
	defer rows.Close()
	for _, v := range byID {
		v.Beneficiaries = nil
	}
	for rows.Next() {
		var p ledger.Beneficiary
		var vid, amt int64
		var kind string
		if err := rows.Scan(&vid, &p.Name, &p.Category, &p.IDNumber, &kind, &p.Phone, &p.Reason, &amt); err != nil {
			return err
		}
		p.Amount, p.IDKind = ledger.FromFen(amt), ledger.IDKind(kind)
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

// batchSender is a pool or a transaction: what sends a batch.
type batchSender interface {
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// insertVoucher writes w and its lines in one batch (one round trip) and,
// when w has an idempotency key, claims the key for it in the same batch:
// a key used before fails the batch's first statement. With rec, the API
// request's record is written complete in the same batch instead, as the
// key of the draft's row in the action log (see APIRecord): a key the
// user used before fails the action's insert (isAPIKeyTaken). w.ID is set.
//
// Sent to the pool, the batch is a transaction of its own, which commits
// without waiting for its WAL to reach the disk and is then made durable
// by flushWAL before insertVoucher returns: the month's voucher counter,
// which the draft's insert holds to the commit (number at insert,
// migration 00031), is released when the commit is written instead of
// after the disk's flush, and every draft of the month waits for that
// counter. Sent in a caller's transaction, the batch commits with it.
func (db *DB) insertVoucher(ctx context.Context, q batchSender, w *ledger.Voucher, actor, hash string, rec *APIRecord) error {
	batch := &pgx.Batch{}
	own := q == batchSender(db.Pool)
	if own {
		batch.Queue(`SELECT set_config('synchronous_commit', 'off', true)`)
	}
	keyRow := w.Key != "" && rec == nil
	if keyRow {
		batch.Queue(`INSERT INTO idempotency (book, key, actor, request_hash) VALUES ($1, $2, $3, $4)`, w.Book, w.Key, actor, hash)
	}
	var api *APIRequest
	if rec != nil {
		api = &rec.Req
	}
	n := queueVoucher(batch, w, actor, db.Now(), db.Source, api)
	if keyRow {
		batch.Queue(`UPDATE idempotency SET voucher_id = currval(pg_get_serial_sequence('public.vouchers', 'id')) WHERE book = $1 AND key = $2`, w.Book, w.Key)
	}
	br := q.SendBatch(ctx, batch)
	err := func() error {
		if own {
			if _, err := br.Exec(); err != nil {
				return err
			}
		}
		if keyRow {
			if _, err := br.Exec(); err != nil {
				return err
			}
		}
		if err := readVoucherBatch(br, w, n); err != nil {
			return err
		}
		if keyRow {
			if _, err := br.Exec(); err != nil {
				return err
			}
		}
		return nil
	}()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err == nil && own {
		err = db.flushWAL(ctx)
	}
	return err
}

// flushWAL returns when the WAL written so far is on disk: it commits,
// synchronously, a transaction that writes one empty logical message (the
// smallest WAL record a role without privileges can write; a transaction
// that writes no WAL does not wait for the disk at its commit), and a
// commit waits for the WAL up to its own record, which follows every commit
// written before it. A write committed without waiting for the disk
// (insertVoucher) is answered only after it: an answer is never given for
// a write that a crash could still undo.
func (db *DB) flushWAL(ctx context.Context) error {
	b := &pgx.Batch{}
	b.Queue(`SELECT set_config('synchronous_commit', 'on', true)`)
	b.Queue(`SELECT pg_logical_emit_message(true, 'ledger', '')`)
	return db.Pool.SendBatch(ctx, b).Close()
}

// The statuses of the API's answers that a use case records itself: a
// draft made (201 Created) and a workflow step done (200 OK).
const (
	apiDraftStatus = 201
	apiStepStatus  = 200
)
