package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/csvimport"
)

// importBatchSize is the default number of vouchers per database call.
const importBatchSize = 5000

// ImportOptions configure ImportApproved.
type ImportOptions struct {
	// Actor is the admin who imports; the action log records the import
	// under this name.
	Actor string
	// BatchSize is the number of vouchers checked and written per database
	// call (default 5000).
	BatchSize int
	// Progress, when set, is called after each batch with the number of
	// vouchers imported so far.
	Progress func(imported int)
}

// ImportResult says what an import did.
type ImportResult struct {
	File     string  `json:"file"`
	Vouchers int     `json:"vouchers"` // imported by this run
	Lines    int     `json:"lines"`
	Replayed int     `json:"replayed"` // keys imported before with the same content: skipped
	FirstID  int64   `json:"first_id,omitempty"`
	LastID   int64   `json:"last_id,omitempty"`
	Seconds  float64 `json:"seconds"`
}

// ImportApproved loads the approved historical vouchers of the CSV file r
// (see package csvimport for the format; name is used in messages) into
// book, as posted vouchers, all or nothing: every rule of SPEC §4 is
// checked in Go, voucher by voucher in file order (restricted balances are
// carried from voucher to voucher), and again by the database
// (ledger_import_approved, migrations/00001_baseline.sql), batch by batch in
// one transaction. The first error names the row and column of the file
// ("row 17: debit") and nothing is written.
//
// Vouchers are numbered gaplessly in file order per (book, year, month,
// type), continuing the book's numbers. The voucher key is the voucher's
// idempotency key: a key imported before with the same content is skipped
// (counted in Replayed), with other content it is idempotency_conflict.
// The made/checked/signed/posted times are the import's (db.Now()); the
// people are those of the file. The import is one entry of the action log.
func (db *DB) ImportApproved(ctx context.Context, book string, r io.Reader, name string, opt ImportOptions) (ImportResult, error) {
	start := time.Now()
	res := ImportResult{File: name}
	if opt.BatchSize <= 0 {
		opt.BatchSize = importBatchSize
	}
	rd, err := csvimport.NewReader(r, name)
	if err != nil {
		return res, err
	}
	// The file is read once, as it streams in: no retry.
	err = db.runTx(ctx, func(tx pgx.Tx) error {
		return db.importTx(ctx, tx, book, rd, opt, &res)
	}, once)
	if err != nil {
		return ImportResult{File: name}, err
	}
	if res.Vouchers > 0 && db.AfterPost != nil {
		db.AfterPost()
	}
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

// importTx is the transaction of ImportApproved: it loads what the checks
// read, checks and writes the file's vouchers in batches as they are read
// and logs the import; an error leaves nothing behind.
func (db *DB) importTx(ctx context.Context, tx pgx.Tx, book string, rd *csvimport.Reader, opt ImportOptions, res *ImportResult) error {
	now := db.Now()
	im := &importer{db: db, book: book, rd: rd, batchSize: opt.BatchSize, actor: opt.Actor, now: now}
	if err := im.load(ctx, tx, opt.Actor); err != nil {
		return err
	}

	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan *importBatch, 2)
	produced := make(chan error, 1)
	go func() {
		defer close(batches)
		produced <- im.produce(pctx, batches)
	}()
	var failed error
	for b := range batches {
		if failed != nil {
			continue // drain
		}
		ids, err := b.exec(ctx, tx)
		if err != nil {
			failed = importError(err)
			cancel()
			continue
		}
		if len(ids) > 0 {
			if res.FirstID == 0 {
				res.FirstID = ids[0]
			}
			res.LastID = ids[len(ids)-1]
		}
		res.Vouchers += len(ids)
		res.Lines += b.lines
		if opt.Progress != nil {
			opt.Progress(res.Vouchers)
		}
	}
	perr := <-produced
	if failed == nil && perr != nil {
		failed = mapError(perr)
	}
	if failed != nil {
		// Nothing of it stays: the transaction is rolled back.
		return failed
	}
	res.Replayed = im.replayed
	if res.Vouchers > 0 {
		if err := logAction(ctx, tx, book, opt.Actor, "import", 0, now, db.Source, map[string]any{
			"file": res.File, "vouchers": res.Vouchers, "lines": res.Lines, "replayed": res.Replayed,
			"first_id": res.FirstID, "last_id": res.LastID}); err != nil {
			return err
		}
	}
	return nil
}

// importer carries one import's state between the reading goroutine and
// the writing one.
type importer struct {
	db        *DB
	book      string
	rd        *csvimport.Reader
	check     *csvimport.Checker
	batchSize int
	actor     string
	now       time.Time
	hasKeys   bool // the book had vouchers with keys when the import began
	replayed  int
}

// load reads what the checks need, in the import's transaction: the book,
// its users, closed periods and restricted balances.
func (im *importer) load(ctx context.Context, tx pgx.Tx, actor string) error {
	b, err := loadBooks(ctx, tx, im.book)
	if err != nil {
		return err
	}
	u, err := loadUser(ctx, tx, im.book, actor)
	if err != nil {
		return err
	}
	if err := ledger.CanImport(u); err != nil {
		return err
	}
	var users []*ledger.User
	var disabled []string
	var name, fullName, scope string
	var roles []string
	var off bool
	rows, _ := tx.Query(ctx, `SELECT name, full_name, roles, coalesce(scope, ''), disabled FROM users WHERE book = $1`, im.book)
	if _, err := pgx.ForEachRow(rows, []any{&name, &fullName, &roles, &scope, &off}, func() error {
		if off {
			disabled = append(disabled, name)
			return nil
		}
		u := &ledger.User{Name: name, FullName: fullName, Scope: scope, Book: im.book}
		for _, r := range roles {
			u.Roles = append(u.Roles, ledger.Role(r))
		}
		users = append(users, u)
		return nil
	}); err != nil {
		return err
	}
	var closed [][2]int
	var year, month int
	rows, _ = tx.Query(ctx, `SELECT year, month FROM periods WHERE book = $1 AND status = 'closed'`, im.book)
	if _, err := pgx.ForEachRow(rows, []any{&year, &month}, func() error {
		closed = append(closed, [2]int{year, month})
		return nil
	}); err != nil {
		return err
	}
	bal := map[ledger.BalanceKey]int64{}
	var k ledger.BalanceKey
	var fen int64
	rows, _ = tx.Query(ctx, `SELECT account, org, fund, balance_fen FROM balances WHERE book = $1 AND restricted`, im.book)
	if _, err := pgx.ForEachRow(rows, []any{&k.Account, &k.Org, &k.Fund, &fen}, func() error {
		bal[k] = fen
		return nil
	}); err != nil {
		return err
	}
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM vouchers WHERE book = $1 AND idem_key IS NOT NULL)`, im.book).Scan(&im.hasKeys); err != nil {
		return err
	}
	im.check = csvimport.NewChecker(b, users, disabled, closed, bal)
	return nil
}

// importBatch is a batch of checked vouchers as the columns
// ledger_import_approved takes: people and line keys (account,
// organisation, fund, purpose) as indexes into lists of the batch's
// distinct ones, and a line's summary only where it differs from its
// voucher's.
type importBatch struct {
	vRow, vAttachments                  []int32
	vKey, vType, vSummary               []string
	vDate                               []time.Time
	vMaker, vChecker, vCashier, vPoster []int32
	pNames                              []string
	lVoucher, lNo, lRow, lKey           []int32
	lSummary                            []*string
	lDebit, lCredit                     []int64
	kAccount, kOrg, kFund               []string
	kPurpose                            []*string
	people                              map[string]int32
	keys                                map[lineKey]int32

	lines  int
	params [][]byte // the arguments of ledger_import_approved, encoded
}

type lineKey struct {
	account, org, fund string
	purpose            ledger.Purpose
}

// person returns the index (from 1) of name in the batch's people.
func (b *importBatch) person(name string) int32 {
	if i, ok := b.people[name]; ok {
		return i
	}
	if b.people == nil {
		b.people = map[string]int32{}
	}
	b.pNames = append(b.pNames, name)
	i := int32(len(b.pNames))
	b.people[name] = i
	return i
}

// key returns the index (from 1) of a line's key in the batch's keys.
func (b *importBatch) key(l *csvimport.Line) int32 {
	k := lineKey{l.Account, l.Org, l.Fund, l.Purpose}
	if i, ok := b.keys[k]; ok {
		return i
	}
	if b.keys == nil {
		b.keys = map[lineKey]int32{}
	}
	b.kAccount, b.kOrg, b.kFund = append(b.kAccount, l.Account), append(b.kOrg, l.Org), append(b.kFund, l.Fund)
	var p *string
	if l.Purpose != "" {
		s := string(l.Purpose)
		p = &s
	}
	b.kPurpose = append(b.kPurpose, p)
	i := int32(len(b.kAccount))
	b.keys[k] = i
	return i
}

func (b *importBatch) add(v *csvimport.Voucher) {
	b.vRow = append(b.vRow, int32(v.Row))
	b.vKey = append(b.vKey, v.Key)
	b.vDate = append(b.vDate, v.Date)
	b.vType = append(b.vType, v.Type)
	b.vSummary = append(b.vSummary, v.Summary)
	b.vAttachments = append(b.vAttachments, int32(v.Attachments))
	b.vMaker = append(b.vMaker, b.person(v.Maker))
	b.vChecker = append(b.vChecker, b.person(v.Checker))
	var cashier int32
	if v.Cashier != "" {
		cashier = b.person(v.Cashier)
	}
	b.vCashier = append(b.vCashier, cashier)
	b.vPoster = append(b.vPoster, b.person(v.Poster))
	i := int32(len(b.vRow))
	for n := range v.Lines {
		l := &v.Lines[n]
		b.lVoucher = append(b.lVoucher, i)
		b.lNo = append(b.lNo, int32(n+1))
		b.lRow = append(b.lRow, int32(l.Row))
		var summary *string
		if l.Summary != v.Summary {
			summary = &l.Summary
		}
		b.lSummary = append(b.lSummary, summary)
		b.lKey = append(b.lKey, b.key(l))
		b.lDebit = append(b.lDebit, l.Debit)
		b.lCredit = append(b.lCredit, l.Credit)
	}
}

// importSQL calls the database's import of one batch.
const importSQL = `SELECT ledger_import_approved($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
	$14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25)`

// importOIDs are the types of importSQL's parameters.
var importOIDs = []uint32{pgtype.TextOID, pgtype.TextOID, pgtype.TimestamptzOID,
	pgtype.Int4ArrayOID, pgtype.TextArrayOID, pgtype.DateArrayOID, pgtype.TextArrayOID, pgtype.TextArrayOID, pgtype.Int4ArrayOID,
	pgtype.Int4ArrayOID, pgtype.Int4ArrayOID, pgtype.Int4ArrayOID, pgtype.Int4ArrayOID, pgtype.TextArrayOID,
	pgtype.Int4ArrayOID, pgtype.Int4ArrayOID, pgtype.Int4ArrayOID, pgtype.TextArrayOID, pgtype.Int4ArrayOID, pgtype.Int8ArrayOID, pgtype.Int8ArrayOID,
	pgtype.TextArrayOID, pgtype.TextArrayOID, pgtype.TextArrayOID, pgtype.TextArrayOID}

// encode encodes the batch's arguments (in the reading goroutine, so that
// the writing one only sends them).
func (b *importBatch) encode(m *pgtype.Map, book, actor string, at time.Time) error {
	args := []any{book, actor, at, b.vRow, b.vKey, b.vDate, b.vType, b.vSummary, b.vAttachments,
		b.vMaker, b.vChecker, b.vCashier, b.vPoster, b.pNames,
		b.lVoucher, b.lNo, b.lRow, b.lSummary, b.lKey, b.lDebit, b.lCredit,
		b.kAccount, b.kOrg, b.kFund, b.kPurpose}
	b.params = make([][]byte, len(args))
	for i, a := range args {
		buf, err := m.Encode(importOIDs[i], pgtype.BinaryFormatCode, a, nil)
		if err != nil {
			return fmt.Errorf("encode argument %d of the import: %w", i+1, err)
		}
		b.params[i] = buf
	}
	b.lines = len(b.lVoucher)
	*b = importBatch{lines: b.lines, params: b.params}
	return nil
}

// exec writes the batch in tx and returns the ids of its vouchers.
func (b *importBatch) exec(ctx context.Context, tx pgx.Tx) ([]int64, error) {
	formats := make([]int16, len(b.params))
	for i := range formats {
		formats[i] = pgtype.BinaryFormatCode
	}
	res := tx.Conn().PgConn().ExecParams(ctx, importSQL, b.params, importOIDs, formats, []int16{pgtype.BinaryFormatCode}).Read()
	if res.Err != nil {
		return nil, res.Err
	}
	if len(res.Rows) != 1 || len(res.Rows[0]) != 1 {
		return nil, fmt.Errorf("import: %d rows returned, want 1", len(res.Rows))
	}
	var ids []int64
	if err := tx.Conn().TypeMap().Scan(pgtype.Int8ArrayOID, pgtype.BinaryFormatCode, res.Rows[0][0], &ids); err != nil {
		return nil, err
	}
	return ids, nil
}

// produce reads the file batch by batch, skips keys imported before with
// the same content, checks every voucher in file order and sends the
// batches to be written.
func (im *importer) produce(ctx context.Context, out chan<- *importBatch) error {
	m := pgtype.NewMap()
	// The first batches are small, so that writing starts soon.
	size := min(im.batchSize, 500)
	for eof := false; !eof; size = min(im.batchSize, size*2) {
		pending := make([]*csvimport.Voucher, 0, size)
		for len(pending) < size {
			v, err := im.rd.Next()
			if err == io.EOF {
				eof = true
				break
			}
			if err != nil {
				return err
			}
			pending = append(pending, v)
		}
		if im.hasKeys && len(pending) > 0 {
			var err error
			if pending, err = im.dedupe(ctx, pending); err != nil {
				return err
			}
		}
		if len(pending) == 0 {
			continue
		}
		b := &importBatch{}
		for _, v := range pending {
			if err := im.check.Check(v); err != nil {
				return err
			}
			b.add(v)
		}
		if err := b.encode(m, im.book, im.actor, im.now); err != nil {
			return err
		}
		select {
		case out <- b:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// dedupe drops the vouchers whose key was imported before with the same
// content and refuses a key stored with other content.
func (im *importer) dedupe(ctx context.Context, vs []*csvimport.Voucher) ([]*csvimport.Voucher, error) {
	keys := make([]string, len(vs))
	for i, v := range vs {
		keys[i] = v.Key
	}
	rows, err := im.db.Pool.Query(ctx, `SELECT v.id, v.idem_key, v.status = 'posted' AND v.flow = 'import', v.date, v.type, v.summary, v.attachments,
			v.maker, coalesce(v.checker, ''), coalesce(v.cashier, ''), coalesce(v.poster, ''),
			l.summary, l.account, l.org, l.fund, coalesce(l.purpose, ''), l.debit_fen, l.credit_fen
		FROM vouchers v JOIN voucher_lines l ON l.book = v.book AND l.voucher_id = v.id
		WHERE v.book = $1 AND v.idem_key = ANY ($2)
		ORDER BY v.id, l.line_no`, im.book, keys)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type stored struct {
		id       int64
		imported bool
		v        csvimport.Voucher
	}
	found := map[string]*stored{}
	for rows.Next() {
		var id int64
		var key, purpose string
		var s stored
		var l csvimport.Line
		if err := rows.Scan(&id, &key, &s.imported, &s.v.Date, &s.v.Type, &s.v.Summary, &s.v.Attachments, &s.v.Maker, &s.v.Checker,
			&s.v.Cashier, &s.v.Poster, &l.Summary, &l.Account, &l.Org, &l.Fund, &purpose, &l.Debit, &l.Credit); err != nil {
			return nil, err
		}
		l.Purpose = ledger.Purpose(purpose)
		st := found[key]
		if st == nil {
			s.id = id
			st = &s
			found[key] = st
		}
		st.v.Lines = append(st.v.Lines, l)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return vs, nil
	}
	out := vs[:0]
	for _, v := range vs {
		st := found[v.Key]
		if st == nil {
			out = append(out, v)
			continue
		}
		im.check.Normalize(v)
		if st.imported && csvimport.Fingerprint(st.v.Date, st.v.Type, st.v.Summary, st.v.Attachments, st.v.Maker, st.v.Checker, st.v.Cashier, st.v.Poster, st.v.Lines) ==
			csvimport.Fingerprint(v.Date, v.Type, v.Summary, v.Attachments, v.Maker, v.Checker, v.Cashier, v.Poster, v.Lines) {
			im.replayed++
			continue
		}
		return nil, ledger.Errorf(ledger.EIdempotencyConflict, csvimport.RowField(v.Row, "key"),
			"voucher key %s is the key of voucher %d already, with other content; importing a key again skips it only when the voucher is the same", v.Key, st.id)
	}
	return out, nil
}

var rowsField = regexp.MustCompile(`^rows\[(\d+)\]\.(\w+)$`)

// importError maps a database error of ledger_import_approved, whose
// fields read rows[17].debit, to the file's "row 17: debit".
func importError(err error) error {
	err = mapError(err)
	var le *ledger.Error
	if errors.As(err, &le) {
		if m := rowsField.FindStringSubmatch(le.Field); m != nil {
			return &ledger.Error{Code: le.Code, Op: le.Op, Field: fmt.Sprintf("row %s: %s", m[1], m[2]), Msg: le.Msg, Err: le.Err}
		}
	}
	return err
}
