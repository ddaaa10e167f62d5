package postgres

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fenyang/partyfee/ledger"
)

// Kinds of ChainProblem.
const (
	// ProblemContent: the voucher's stored content (an amount, account,
	// payee, date, person …) no longer matches its seal.
	ProblemContent = "content_changed"
	// ProblemLink: the seal does not link to the seal stored before it:
	// seals were reordered, inserted or removed.
	ProblemLink = "chain_broken"
	// ProblemGap: chain positions are missing: sealed vouchers and their
	// seals were deleted.
	ProblemGap = "position_missing"
	// ProblemVoucherMissing: a seal whose voucher was deleted.
	ProblemVoucherMissing = "voucher_missing"
	// ProblemNotPosted: a sealed voucher is no longer in the posted state.
	ProblemNotPosted = "not_posted"
	// ProblemUnsealed: a posted voucher without a seal that is not waiting
	// for the sealer (inserted behind the application's back, or left
	// behind by a sealer that failed for longer than SealGrace).
	ProblemUnsealed = "unsealed"
	// ProblemHead: the recorded chain head disagrees with the stored chain
	// (its tail was cut off, or seals were appended behind the sealer).
	ProblemHead = "head_mismatch"
	// ProblemPeriodSeal: a period's recorded or printed seal is not the
	// chain's seal at the recorded position.
	ProblemPeriodSeal = "period_seal_mismatch"
	// ProblemVersion: a seal of an encoding version this build does not know.
	ProblemVersion = "unknown_version"
	// ProblemAttachment: an attachment of a sealed voucher changed: its
	// stored bytes no longer have its stored hash, or the stored hashes no
	// longer match the seal while the ones the action log recorded when
	// the files were attached do (a file was replaced, added or removed).
	ProblemAttachment = "attachment_changed"
)

// VerifyProblemMax bounds the problems listed in a VerifyResult (all are
// counted).
const VerifyProblemMax = 100

// SealGrace is how long a posted voucher may wait in the sealer's queue
// before verify counts the missing seal as a problem rather than as
// pending: the sealer seals within seconds, so anything older means the
// sealer is not running or keeps failing.
const SealGrace = time.Minute

// ChainProblem is one finding of Verify.
type ChainProblem struct {
	Kind string `json:"kind"`
	// Seq is the chain position (0 for an unsealed voucher).
	Seq int64 `json:"seq,omitempty"`
	// VoucherID and Voucher ("2020-02:记-0005", the form the CLI accepts)
	// name the voucher; Voucher is empty when the voucher no longer exists.
	VoucherID int64  `json:"voucher_id,omitempty"`
	Voucher   string `json:"voucher,omitempty"`
	Message   string `json:"message"`
}

// PendingSeal is a posted voucher waiting for the sealer.
type PendingSeal struct {
	VoucherID int64     `json:"voucher_id"`
	Voucher   string    `json:"voucher"`
	QueuedAt  time.Time `json:"queued_at"`
}

// VerifyResult is what Verify found.
type VerifyResult struct {
	Book    string `json:"book"`
	FromSeq int64  `json:"from_seq"`
	// LastSeq is the last position read and Head its stored seal in hex
	// (equal to the recomputed one when the result is clean).
	LastSeq int64  `json:"last_seq"`
	Head    string `json:"head"`
	// Checked counts the seals recomputed.
	Checked int64 `json:"checked"`
	// HeadSeq is the chain head recorded by the sealer.
	HeadSeq int64 `json:"head_seq"`
	// Problems lists the first VerifyProblemMax problems in chain order
	// (unsealed vouchers last); ProblemCount counts them all.
	Problems     []ChainProblem `json:"problems"`
	ProblemCount int64          `json:"problem_count"`
	// Pending lists posted vouchers still waiting for the sealer (at most
	// VerifyProblemMax); they are not problems.
	Pending []PendingSeal `json:"pending"`
	// Period, PeriodSeq and PeriodSeal are set by VerifyPeriod: the period
	// and the position and seal recorded when it was closed.
	Period     string `json:"period,omitempty"`
	PeriodSeq  int64  `json:"period_seq,omitempty"`
	PeriodSeal string `json:"period_seal,omitempty"`
}

// Clean reports whether no problem was found.
func (r *VerifyResult) Clean() bool { return r.ProblemCount == 0 }

// First returns the first problem, nil when clean.
func (r *VerifyResult) First() *ChainProblem {
	if len(r.Problems) == 0 {
		return nil
	}
	return &r.Problems[0]
}

func (r *VerifyResult) add(p ChainProblem) {
	r.ProblemCount++
	if len(r.Problems) < VerifyProblemMax {
		r.Problems = append(r.Problems, p)
	}
}

// Verify recomputes the hash chain of book from position fromSeq (1 when
// fromSeq < 1) to its end and reports every position whose voucher no
// longer matches its seal or whose seal breaks the chain, sealed vouchers
// that were deleted or are no longer posted, a chain head that disagrees
// with the chain, and posted vouchers without a seal. It never seals.
//
// It reads one consistent snapshot as three ordered streams — seals with
// their vouchers, lines, beneficiaries, all ordered by chain position —
// on three connections sharing an exported snapshot, and merges them; no
// query per voucher. The encoding buffer is reused across vouchers.
func (db *DB) Verify(ctx context.Context, book string, fromSeq int64) (VerifyResult, error) {
	if fromSeq < 1 {
		fromSeq = 1
	}
	res := VerifyResult{Book: book, FromSeq: fromSeq, Problems: []ChainProblem{}, Pending: []PendingSeal{}}
	err := db.verify(ctx, book, fromSeq, 0, &res, nil)
	return res, mapError(err)
}

// VerifyPeriod checks the seal recorded for the closed period year-month of
// book: it recomputes the chain from position 1 to the recorded position
// (periods.seal_seq) and compares the seal there with the recorded one
// (periods.seal) and, when printed is not empty, with printed, a seal
// copied from a report. Posted vouchers of the period or earlier that are
// unsealed or sealed after that position are problems too.
func (db *DB) VerifyPeriod(ctx context.Context, book string, year, month int, printed string) (VerifyResult, error) {
	res := VerifyResult{Book: book, FromSeq: 1, Problems: []ChainProblem{}, Pending: []PendingSeal{},
		Period: fmt.Sprintf("%04d-%02d", year, month)}
	var want []byte
	if printed != "" {
		var err error
		if want, err = ledger.ParseSealHex(strings.TrimSpace(printed)); err != nil {
			return res, err
		}
	}
	p := &sealPeriodCheck{year: year, month: month, printed: want}
	err := db.verify(ctx, book, 1, -1, &res, p)
	return res, mapError(err)
}

type sealPeriodCheck struct {
	year, month int
	printed     []byte
}

// verifyConnsMin is the connections verify holds at once: the snapshot
// owner with the seals stream, the lines and beneficiaries streams and the
// unsealed-voucher check.
const verifyConnsMin = 4

// verify runs the check of positions fromSeq..toSeq (toSeq 0: to the end;
// -1: to the position recorded for period p).
func (db *DB) verify(ctx context.Context, book string, fromSeq, toSeq int64, res *VerifyResult, p *sealPeriodCheck) error {
	if max := db.Pool.Config().MaxConns; max < verifyConnsMin {
		return ledger.Errorf(ledger.EInvalid, "database.max_conns", "verify reads on %d connections at once; the pool allows %d", verifyConnsMin, max)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Take every connection first, so that a busy pool makes verify wait
	// here rather than between streams that wait for each other.
	conns := make([]*pgxpool.Conn, verifyConnsMin)
	for i := range conns {
		c, err := db.Pool.Acquire(ctx)
		if err != nil {
			for _, c := range conns[:i] {
				c.Release()
			}
			return err
		}
		conns[i] = c
	}
	for _, c := range conns[1:] {
		defer c.Release()
	}
	defer conns[0].Release()

	main, err := beginSnapshot(ctx, conns[0])
	if err != nil {
		return err
	}
	defer main.Rollback(context.WithoutCancel(ctx))
	if err := verifySettings(ctx, main); err != nil {
		return err
	}
	var exists bool
	if err := main.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM books WHERE book = $1)`, book).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		return ledger.Errorf(ledger.ENotFound, "book", "book %s does not exist", book)
	}
	var headSeal []byte
	err = main.QueryRow(ctx, `SELECT seq, seal FROM seal_heads WHERE book = $1`, book).Scan(&res.HeadSeq, &headSeal)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	if p != nil {
		if toSeq, err = loadRecordedPeriodSeal(ctx, main, book, p, res); err != nil {
			return err
		}
		if toSeq == 0 {
			// Nothing was sealed up to the period: its seal is the genesis.
			comparePeriodSeal(res, p, nil, true)
			return reportOutsidePeriodSeal(ctx, main, book, p, 0, res)
		}
	}
	if toSeq == 0 {
		toSeq = 1<<63 - 1
	}
	var snapshot string
	if err := main.QueryRow(ctx, `SELECT pg_export_snapshot()`).Scan(&snapshot); err != nil {
		return err
	}
	var prev []byte // the stored seal before fromSeq
	if fromSeq > 1 {
		err := main.QueryRow(ctx, `SELECT seal FROM voucher_seals WHERE book = $1 AND seq = $2`, book, fromSeq-1).Scan(&prev)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
	}

	// The lines and beneficiaries streams and the unsealed-voucher check
	// run on connections of their own, in the same snapshot.
	lines := make(chan []chainLineRow, 4)
	bens := make(chan []chainBenRow, 4)
	var u unsealedVouchers
	errc := make(chan error, 3)
	go func() {
		errc <- streamInSnapshot(ctx, conns[1], snapshot, lines, func(tx pgx.Tx) error { return streamChainLines(ctx, tx, book, fromSeq, toSeq, lines) })
	}()
	go func() {
		errc <- streamInSnapshot(ctx, conns[2], snapshot, bens, func(tx pgx.Tx) error { return streamChainBeneficiaries(ctx, tx, book, fromSeq, toSeq, bens) })
	}()
	go func() {
		if p != nil {
			errc <- nil
			return
		}
		errc <- inChainSnapshot(ctx, conns[3], snapshot, func(tx pgx.Tx) error {
			var err error
			u, err = findUnsealedVouchers(ctx, tx, book)
			return err
		})
	}()
	lc, bc := &chainLineCursor{ch: lines}, &chainBenCursor{ch: bens}
	files, err := loadChainAttachments(ctx, main, book, fromSeq, toSeq)
	if err != nil {
		cancel()
		lc.drain()
		bc.drain()
		for range 3 {
			<-errc
		}
		return err
	}
	err = verifyChainStream(ctx, main, book, fromSeq, toSeq, prev, lc, bc, files, res)
	if err != nil {
		cancel()
	}
	lc.drain()
	bc.drain()
	for range 3 {
		if e := <-errc; e != nil && err == nil {
			err = e
		}
	}
	if err != nil {
		return err
	}

	if p != nil {
		if res.LastSeq != toSeq {
			res.add(ChainProblem{Kind: ProblemPeriodSeal, Seq: toSeq,
				Message: fmt.Sprintf("period %s recorded its seal at position %d, but the chain ends at %d", res.Period, toSeq, res.LastSeq)})
		}
		stored, _ := hex.DecodeString(res.Head)
		comparePeriodSeal(res, p, stored, res.LastSeq == toSeq)
		return reportOutsidePeriodSeal(ctx, main, book, p, toSeq, res)
	}

	// The head recorded by the sealer must be the stored chain's last seal.
	lastSeal, _ := hex.DecodeString(res.Head)
	switch {
	case res.Checked == 0:
		if res.HeadSeq >= fromSeq {
			res.add(ChainProblem{Kind: ProblemHead, Seq: fromSeq,
				Message: fmt.Sprintf("the chain head records position %d but no seal is stored from position %d on: the last sealed vouchers and their seals were deleted", res.HeadSeq, fromSeq)})
		}
	case res.HeadSeq > res.LastSeq:
		res.add(ChainProblem{Kind: ProblemHead, Seq: res.LastSeq + 1,
			Message: fmt.Sprintf("the chain head records position %d but the chain ends at %d: the last sealed vouchers and their seals were deleted", res.HeadSeq, res.LastSeq)})
	case res.HeadSeq < res.LastSeq:
		res.add(ChainProblem{Kind: ProblemHead, Seq: res.HeadSeq + 1,
			Message: fmt.Sprintf("the chain head records position %d but seals go on to %d: seals were added behind the sealer", res.HeadSeq, res.LastSeq)})
	case !bytes.Equal(headSeal, lastSeal):
		res.add(ChainProblem{Kind: ProblemHead, Seq: res.LastSeq,
			Message: fmt.Sprintf("the chain head at position %d records a seal other than the one stored there", res.LastSeq)})
	}
	for _, x := range u.problems {
		res.add(x)
	}
	res.ProblemCount += u.more
	res.Pending = append(res.Pending, u.pending...)
	return nameDeletedVouchers(ctx, main, book, res)
}

// beginSnapshot begins a read-only REPEATABLE READ transaction on conn.
// It is the one transaction runTx does not begin: verify reads the chain
// in parallel on connections it holds, each transaction importing the
// snapshot the first one exported, so they need the connection, not the
// pool, and are read-only (nothing to retry or commit).
func beginSnapshot(ctx context.Context, conn *pgxpool.Conn) (pgx.Tx, error) {
	return conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
}

// streamInSnapshot runs stream, which sends to out, in the chain's
// snapshot on conn (inChainSnapshot), and closes out when it returns —
// also when the snapshot could not be taken and stream never ran, so that
// the reader draining out never waits for rows that will not come.
func streamInSnapshot[T any](ctx context.Context, conn *pgxpool.Conn, snapshot string, out chan<- T, stream func(pgx.Tx) error) error {
	defer close(out)
	return inChainSnapshot(ctx, conn, snapshot, stream)
}

// inChainSnapshot runs fn on conn in a read-only transaction that sees the
// exported snapshot.
func inChainSnapshot(ctx context.Context, conn *pgxpool.Conn, snapshot string, fn func(pgx.Tx) error) error {
	if !chainSnapshotPattern.MatchString(snapshot) {
		return fmt.Errorf("unexpected snapshot id %q", snapshot)
	}
	tx, err := beginSnapshot(ctx, conn)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, `SET TRANSACTION SNAPSHOT '`+snapshot+`'`); err != nil {
		return err
	}
	if err := verifySettings(ctx, tx); err != nil {
		return err
	}
	return fn(tx)
}

// verifySettings prepares a verify transaction: a long chain streams for
// longer than an ordinary statement may take, and every query is planned
// for the chain as it is now, not as it was when the connection first ran
// it.
func verifySettings(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SET LOCAL statement_timeout = 0; SET LOCAL plan_cache_mode = force_custom_plan`)
	return err
}

var chainSnapshotPattern = regexp.MustCompile(`^[0-9A-Fa-f-]{1,64}$`)

// verifyChainBatch is the number of rows a stream hands over at a time.
const verifyChainBatch = 512

type chainLineRow struct {
	seq  int64
	line ledger.Line
}

type chainBenRow struct {
	seq int64
	ben ledger.Beneficiary
}

func streamChainLines(ctx context.Context, tx pgx.Tx, book string, from, to int64, out chan<- []chainLineRow) error {
	rows, err := tx.Query(ctx, `SELECT s.seq, l.line_no, l.account, l.org, l.fund, coalesce(l.purpose, ''), l.debit_fen, l.credit_fen
		FROM voucher_seals s JOIN voucher_lines l ON l.book = s.book AND l.voucher_id = s.voucher_id
		WHERE s.book = $1 AND s.seq BETWEEN $2 AND $3
		ORDER BY s.seq, l.line_no`, book, from, to)
	if err != nil {
		return err
	}
	defer rows.Close()
	batch := make([]chainLineRow, 0, verifyChainBatch)
	var purpose string
	var debit, credit int64
	for rows.Next() {
		batch = append(batch, chainLineRow{})
		r := &batch[len(batch)-1]
		if err := rows.Scan(&r.seq, &r.line.No, &r.line.Account, &r.line.Org, &r.line.Fund, &purpose, &debit, &credit); err != nil {
			return err
		}
		r.line.Purpose, r.line.Debit, r.line.Credit = ledger.Purpose(purpose), ledger.FromFen(debit), ledger.FromFen(credit)
		if len(batch) == cap(batch) {
			select {
			case out <- batch:
			case <-ctx.Done():
				return ctx.Err()
			}
			batch = make([]chainLineRow, 0, verifyChainBatch)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(batch) > 0 {
		select {
		case out <- batch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func streamChainBeneficiaries(ctx context.Context, tx pgx.Tx, book string, from, to int64, out chan<- []chainBenRow) error {
	rows, err := tx.Query(ctx, `SELECT s.seq, b.name, b.category, b.id_number, b.amount_fen
		FROM voucher_seals s JOIN voucher_beneficiaries b ON b.book = s.book AND b.voucher_id = s.voucher_id
		WHERE s.book = $1 AND s.seq BETWEEN $2 AND $3
		ORDER BY s.seq, b.seq`, book, from, to)
	if err != nil {
		return err
	}
	defer rows.Close()
	batch := make([]chainBenRow, 0, verifyChainBatch)
	var amount int64
	for rows.Next() {
		batch = append(batch, chainBenRow{})
		r := &batch[len(batch)-1]
		if err := rows.Scan(&r.seq, &r.ben.Name, &r.ben.Category, &r.ben.IDNumber, &amount); err != nil {
			return err
		}
		r.ben.Amount = ledger.FromFen(amount)
		if len(batch) == cap(batch) {
			select {
			case out <- batch:
			case <-ctx.Done():
				return ctx.Err()
			}
			batch = make([]chainBenRow, 0, verifyChainBatch)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(batch) > 0 {
		select {
		case out <- batch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// chainLineCursor and chainBenCursor hand the merge the rows of one position; rows
// of positions the main stream skipped (a voucher that is gone) are
// passed over.
type chainLineCursor struct {
	ch  <-chan []chainLineRow
	buf []chainLineRow
	i   int
}

func (c *chainLineCursor) take(seq int64, dst []ledger.Line) []ledger.Line {
	for {
		if c.i == len(c.buf) {
			b, ok := <-c.ch
			if !ok {
				return dst
			}
			c.buf, c.i = b, 0
		}
		r := &c.buf[c.i]
		if r.seq > seq {
			return dst
		}
		if r.seq == seq {
			dst = append(dst, r.line)
		}
		c.i++
	}
}

type chainBenCursor struct {
	ch  <-chan []chainBenRow
	buf []chainBenRow
	i   int
}

func (c *chainBenCursor) take(seq int64, dst []ledger.Beneficiary) []ledger.Beneficiary {
	for {
		if c.i == len(c.buf) {
			b, ok := <-c.ch
			if !ok {
				return dst
			}
			c.buf, c.i = b, 0
		}
		r := &c.buf[c.i]
		if r.seq > seq {
			return dst
		}
		if r.seq == seq {
			dst = append(dst, r.ben)
		}
		c.i++
	}
}

// drain lets the stream goroutines finish after the main stream ended early.
func (c *chainLineCursor) drain() {
	for range c.ch {
	}
}

func (c *chainBenCursor) drain() {
	for range c.ch {
	}
}

// verifyChainStream reads seals with their vouchers in chain order and checks
// each against the position before it.
func verifyChainStream(ctx context.Context, tx pgx.Tx, book string, from, to int64, prev []byte,
	lines *chainLineCursor, bens *chainBenCursor, files *chainAttachments, res *VerifyResult) error {
	rows, err := tx.Query(ctx, `SELECT s.seq, s.voucher_id, s.version, s.seal, s.prev, v.id IS NOT NULL,
			coalesce(v.status, ''), coalesce(v.type, ''), coalesce(v.year, 0), coalesce(v.month, 0), coalesce(v.number, 0),
			coalesce(v.date, '0001-01-01'), coalesce(v.summary, ''), coalesce(v.attachments, 0), coalesce(v.decision, ''),
			coalesce(v.payee, ''), coalesce(v.payee_type, ''), coalesce(v.method, ''), coalesce(v.flow, ''),
			coalesce(v.reversal_of, 0), coalesce(v.maker, ''), v.made_at, coalesce(v.checker, ''), v.checked_at,
			coalesce(v.cashier, ''), v.signed_at, coalesce(v.poster, ''), v.posted_at
		FROM voucher_seals s LEFT JOIN vouchers v ON v.book = s.book AND v.id = s.voucher_id
		WHERE s.book = $1 AND s.seq BETWEEN $2 AND $3
		ORDER BY s.seq`, book, from, to)
	if err != nil {
		return err
	}
	defer rows.Close()

	var (
		seq, voucherID                        int64
		version                               int
		seal, storedPrev                      []byte
		found                                 bool
		status                                string
		madeAt, checkedAt, signedAt, postedAt pgtype.Timestamptz
		v                                     ledger.Voucher
		buf                                   = make([]byte, 0, 2048)
		lastSeal                              = append([]byte(nil), prev...)
		expect                                = from
	)
	v.Book = book
	stamp := func(t *pgtype.Timestamptz, dst **time.Time, store *time.Time) {
		if !t.Valid {
			*dst = nil
			return
		}
		*store = t.Time
		*dst = store
	}
	var madeStore, checkedStore, signedStore, postedStore time.Time
	for rows.Next() {
		err := rows.Scan(&seq, &voucherID, &version, &seal, &storedPrev, &found,
			&status, &v.Type, &v.Year, &v.Month, &v.Number,
			&v.Date, &v.Summary, &v.Attachments, &v.Decision,
			&v.Payee, &v.PayeeType, &v.Method, &v.Flow,
			&v.ReversalOf, &v.Maker, &madeAt, &v.Checker, &checkedAt,
			&v.Cashier, &signedAt, &v.Poster, &postedAt)
		if err != nil {
			return err
		}
		v.ID = voucherID
		stamp(&madeAt, &v.MadeAt, &madeStore)
		stamp(&checkedAt, &v.CheckedAt, &checkedStore)
		stamp(&signedAt, &v.SignedAt, &signedStore)
		stamp(&postedAt, &v.PostedAt, &postedStore)
		v.Lines = lines.take(seq, v.Lines[:0])
		v.Beneficiaries = bens.take(seq, v.Beneficiaries[:0])
		res.Checked++
		res.LastSeq = seq

		name := ""
		if found {
			name = chainVoucherName(v.Year, v.Month, v.Type, v.Number)
		}
		gap := seq != expect
		if gap {
			msg := fmt.Sprintf("chain position %d is missing: the voucher sealed there and its seal were deleted", expect)
			if seq-expect > 1 {
				msg = fmt.Sprintf("chain positions %d to %d are missing: the vouchers sealed there and their seals were deleted", expect, seq-1)
			}
			res.add(ChainProblem{Kind: ProblemGap, Seq: expect, Message: msg})
		}
		expect = seq + 1
		linked := bytes.Equal(storedPrev, lastSeal)
		lastSeal = append(lastSeal[:0], seal...)

		switch {
		case !found:
			res.add(ChainProblem{Kind: ProblemVoucherMissing, Seq: seq, VoucherID: voucherID,
				Message: fmt.Sprintf("voucher %d, sealed at position %d, no longer exists: it was deleted", voucherID, seq)})
			continue
		case version != ledger.SealVersion1 && version != ledger.SealVersion2:
			res.add(ChainProblem{Kind: ProblemVersion, Seq: seq, VoucherID: voucherID, Voucher: name,
				Message: fmt.Sprintf("the seal at position %d has encoding version %d, which this ledger does not know", seq, version)})
			continue
		}
		stored := files.stored[voucherID]
		buf, _ = ledger.AppendSealEncodingVersion(buf[:0], version, &v, stored, seq, storedPrev)
		sum := sha256.Sum256(buf)
		matches := bytes.Equal(sum[:], seal)
		if bad := files.rehashed[voucherID]; bad != 0 {
			res.add(ChainProblem{Kind: ProblemAttachment, Seq: seq, VoucherID: voucherID, Voucher: name,
				Message: fmt.Sprintf("voucher %s (id %d) at position %d: the stored bytes of its file %d no longer have the file's recorded hash: the file was changed", name, voucherID, seq, bad)})
			continue
		}
		if !matches && version == ledger.SealVersion2 {
			// Did the voucher's files change? Its seal over the files the
			// action log recorded when they were attached tells.
			logged := files.logged[voucherID]
			b2, _ := ledger.AppendSealEncodingVersion(nil, version, &v, logged, seq, storedPrev)
			if alt := sha256.Sum256(b2); bytes.Equal(alt[:], seal) {
				res.add(ChainProblem{Kind: ProblemAttachment, Seq: seq, VoucherID: voucherID, Voucher: name,
					Message: fmt.Sprintf("voucher %s (id %d) at position %d: its files no longer match its seal (%d stored, %d attached): a file's bytes and hash were replaced, or a file was added or removed", name, voucherID, seq, len(stored), len(logged))})
				continue
			}
		}
		switch {
		case !linked && !gap:
			msg := fmt.Sprintf("voucher %s (id %d) at position %d: its seal does not link to the seal at position %d: vouchers were reordered, inserted or removed", name, voucherID, seq, seq-1)
			if !matches {
				msg = fmt.Sprintf("voucher %s (id %d) at position %d: its seal neither links to the seal at position %d nor matches its content there: vouchers were reordered or inserted", name, voucherID, seq, seq-1)
			}
			res.add(ChainProblem{Kind: ProblemLink, Seq: seq, VoucherID: voucherID, Voucher: name, Message: msg})
		case !matches:
			res.add(ChainProblem{Kind: ProblemContent, Seq: seq, VoucherID: voucherID, Voucher: name,
				Message: fmt.Sprintf("voucher %s (id %d) at position %d: its stored content no longer matches its seal: an amount, account, organisation, payee, date or other sealed field was changed", name, voucherID, seq)})
		case status != string(ledger.StatusPosted):
			res.add(ChainProblem{Kind: ProblemNotPosted, Seq: seq, VoucherID: voucherID, Voucher: name,
				Message: fmt.Sprintf("voucher %s (id %d) at position %d is sealed but its status is %s, not posted", name, voucherID, seq, status)})
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if res.Checked > 0 {
		res.Head = hex.EncodeToString(lastSeal)
	}
	return ctx.Err()
}

type unsealedVouchers struct {
	problems []ChainProblem
	more     int64 // problems beyond the listed ones
	pending  []PendingSeal
}

// findUnsealedVouchers lists posted vouchers without a seal: pending when queued
// for the sealer less than SealGrace ago, problems otherwise.
func findUnsealedVouchers(ctx context.Context, tx pgx.Tx, book string) (unsealedVouchers, error) {
	var u unsealedVouchers
	rows, err := tx.Query(ctx, `SELECT v.id, v.type, v.year, v.month, v.number, v.posted_at, p.queued_at,
			coalesce(p.queued_at > now() - make_interval(secs => $2), false)
		FROM vouchers v LEFT JOIN seal_pending p ON p.book = v.book AND p.posted_at = v.posted_at AND p.voucher_id = v.id
		WHERE v.book = $1 AND v.status = 'posted'
		  AND NOT EXISTS (SELECT 1 FROM voucher_seals s WHERE s.book = v.book AND s.voucher_id = v.id)
		ORDER BY v.id`, book, SealGrace.Seconds())
	if err != nil {
		return u, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var typ string
		var year, month, number int
		var postedAt time.Time
		var queuedAt *time.Time
		var recent bool
		if err := rows.Scan(&id, &typ, &year, &month, &number, &postedAt, &queuedAt, &recent); err != nil {
			return u, err
		}
		name := chainVoucherName(year, month, typ, number)
		switch {
		case recent:
			if len(u.pending) < VerifyProblemMax {
				u.pending = append(u.pending, PendingSeal{VoucherID: id, Voucher: name, QueuedAt: *queuedAt})
			}
		case len(u.problems) < VerifyProblemMax:
			msg := fmt.Sprintf("voucher %s (id %d) is posted (at %s) but has no seal and is not waiting for the sealer: it was inserted behind the application", name, id, postedAt.UTC().Format(time.RFC3339))
			if queuedAt != nil {
				msg = fmt.Sprintf("voucher %s (id %d) is posted but has waited for its seal since %s: the sealer is not running or keeps failing", name, id, queuedAt.UTC().Format(time.RFC3339))
			}
			u.problems = append(u.problems, ChainProblem{Kind: ProblemUnsealed, VoucherID: id, Voucher: name, Message: msg})
		default:
			u.more++
		}
	}
	return u, rows.Err()
}

// nameDeletedVouchers completes gap and head problems with the vouchers that the
// action log records as posted and that no longer exist. Only runs when
// such a problem was found.
func nameDeletedVouchers(ctx context.Context, tx pgx.Tx, book string, res *VerifyResult) error {
	var idx []int
	for i, p := range res.Problems {
		// A gap, or a head beyond the chain's end: sealed vouchers were deleted.
		if p.Kind == ProblemGap || p.Kind == ProblemHead && p.Seq > res.LastSeq {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT DISTINCT a.voucher_id FROM actions a
		WHERE a.book = $1 AND a.action = $2 AND a.voucher_id <> 0
		  AND NOT EXISTS (SELECT 1 FROM vouchers v WHERE v.book = a.book AND v.id = a.voucher_id)
		ORDER BY a.voucher_id`, book, string(ledger.ActPost))
	if err != nil {
		return err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || len(ids) == 0 {
		return err
	}
	list := make([]string, len(ids))
	for i, id := range ids {
		list[i] = fmt.Sprint(id)
	}
	for n, i := range idx {
		p := &res.Problems[i]
		if n < len(ids) && len(ids) == len(idx) {
			p.VoucherID = ids[n]
		}
		p.Message += fmt.Sprintf(" (the action log records voucher %s as posted, and it no longer exists)", strings.Join(list, ", "))
	}
	return nil
}

// loadRecordedPeriodSeal reads the seal recorded for period p; it returns the
// recorded position.
func loadRecordedPeriodSeal(ctx context.Context, tx pgx.Tx, book string, p *sealPeriodCheck, res *VerifyResult) (int64, error) {
	var seal *string
	var seq *int64
	err := tx.QueryRow(ctx, `SELECT seal, seal_seq FROM periods WHERE book = $1 AND year = $2 AND month = $3`, book, p.year, p.month).Scan(&seal, &seq)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && (seal == nil || seq == nil) {
		return 0, ledger.Errorf(ledger.EInvalidState, "period", "period %s of book %s has no recorded seal; the seal is recorded when the period is closed", res.Period, book)
	}
	if err != nil {
		return 0, err
	}
	res.PeriodSeq, res.PeriodSeal = *seq, strings.ToLower(strings.TrimSpace(*seal))
	return *seq, nil
}

// comparePeriodSeal compares the chain's seal at the recorded position (got;
// the genesis when nil) with the recorded and the printed seal.
func comparePeriodSeal(res *VerifyResult, p *sealPeriodCheck, got []byte, reached bool) {
	gotHex := hex.EncodeToString(got)
	if got == nil {
		gotHex = strings.Repeat("0", 2*ledger.SealSize)
	}
	if reached && res.PeriodSeal != gotHex {
		res.add(ChainProblem{Kind: ProblemPeriodSeal, Seq: res.PeriodSeq,
			Message: fmt.Sprintf("period %s recorded seal %s at position %d, but the chain's seal there is %s", res.Period, res.PeriodSeal, res.PeriodSeq, gotHex)})
	}
	if p.printed != nil {
		printed := hex.EncodeToString(p.printed)
		if printed != res.PeriodSeal {
			res.add(ChainProblem{Kind: ProblemPeriodSeal, Seq: res.PeriodSeq,
				Message: fmt.Sprintf("the printed seal %s is not the seal recorded for period %s (%s)", printed, res.Period, res.PeriodSeal)})
		} else if reached && printed != gotHex {
			res.add(ChainProblem{Kind: ProblemPeriodSeal, Seq: res.PeriodSeq,
				Message: fmt.Sprintf("the printed seal %s is not the chain's seal at position %d (%s)", printed, res.PeriodSeq, gotHex)})
		}
	}
}

// reportOutsidePeriodSeal reports posted vouchers of period p or earlier that the
// period's seal does not cover: unsealed, or sealed after position seq.
func reportOutsidePeriodSeal(ctx context.Context, tx pgx.Tx, book string, p *sealPeriodCheck, seq int64, res *VerifyResult) error {
	rows, err := tx.Query(ctx, `SELECT v.id, v.type, v.year, v.month, v.number, coalesce(s.seq, 0)
		FROM vouchers v LEFT JOIN voucher_seals s ON s.book = v.book AND s.voucher_id = v.id
		WHERE v.book = $1 AND v.status = 'posted' AND (v.year, v.month) <= ($2, $3)
		  AND (s.seq IS NULL OR s.seq > $4)
		ORDER BY v.id`, book, p.year, p.month, seq)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, at int64
		var typ string
		var year, month, number int
		if err := rows.Scan(&id, &typ, &year, &month, &number, &at); err != nil {
			return err
		}
		name := chainVoucherName(year, month, typ, number)
		if at == 0 {
			res.add(ChainProblem{Kind: ProblemUnsealed, VoucherID: id, Voucher: name,
				Message: fmt.Sprintf("voucher %s (id %d) of period %s or earlier is posted but not sealed, so the period's seal does not cover it", name, id, res.Period)})
		} else {
			res.add(ChainProblem{Kind: ProblemPeriodSeal, Seq: at, VoucherID: id, Voucher: name,
				Message: fmt.Sprintf("voucher %s (id %d) of period %s or earlier was sealed at position %d, after the period's seal (position %d): it was posted after the period closed", name, id, res.Period, at, seq)})
		}
	}
	return rows.Err()
}

// PeriodSeal returns the chain position and seal (hex) that cover every
// voucher posted into the periods of book up to and including year-month:
// the highest position holding a voucher of those periods, and the seal
// stored there. Vouchers of later periods posted before it are covered
// too. With nothing posted it returns 0 and the genesis (64 zeros).
//
// Every posted voucher of those periods must be sealed: call SealPending
// first. Call it once the period is closed (as the reconciliation batch
// does before recording periods.seal and periods.seal_seq), so that no
// voucher can be posted into it afterwards.
func (db *DB) PeriodSeal(ctx context.Context, book string, year, month int) (seq int64, head string, err error) {
	if month < 1 || month > 12 {
		return 0, "", ledger.Errorf(ledger.EInvalid, "period", "month %d is not 1 to 12", month)
	}
	err = db.sealReadTx(ctx, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM books WHERE book = $1)`, book).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return ledger.Errorf(ledger.ENotFound, "book", "book %s does not exist", book)
		}
		var unsealed int64
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM vouchers v
			WHERE v.book = $1 AND v.status = 'posted' AND (v.year, v.month) <= ($2, $3)
			  AND NOT EXISTS (SELECT 1 FROM voucher_seals s WHERE s.book = v.book AND s.voucher_id = v.id)`,
			book, year, month).Scan(&unsealed); err != nil {
			return err
		}
		if unsealed > 0 {
			return ledger.Errorf(ledger.EInvalidState, "period", "%d posted vouchers of book %s up to %04d-%02d have no seal yet; seal them first", unsealed, book, year, month)
		}
		var last *int64
		if err := tx.QueryRow(ctx, `SELECT max(s.seq) FROM voucher_seals s JOIN vouchers v ON v.book = s.book AND v.id = s.voucher_id
			WHERE s.book = $1 AND (v.year, v.month) <= ($2, $3)`, book, year, month).Scan(&last); err != nil {
			return err
		}
		if last == nil {
			seq, head = 0, strings.Repeat("0", 2*ledger.SealSize)
			return nil
		}
		var seal []byte
		if err := tx.QueryRow(ctx, `SELECT seal FROM voucher_seals WHERE book = $1 AND seq = $2`, book, *last).Scan(&seal); err != nil {
			return err
		}
		seq, head = *last, hex.EncodeToString(seal)
		return nil
	})
	return seq, head, mapError(err)
}

// sealReadTx runs fn in a read-only repeatable-read transaction (one snapshot).
func (db *DB) sealReadTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return db.runTx(ctx, fn, snapshot)
}

// chainVoucherName is the voucher's reference as the CLI accepts it: 2020-02:记-0005.
func chainVoucherName(year, month int, typ string, number int) string {
	if typ == "" {
		typ = "记"
	}
	return fmt.Sprintf("%04d-%02d:%s-%04d", year, month, typ, number)
}

// chainAttachments are the files of the sealed vouchers verified, by
// voucher id: what the seal covers as stored, the number of the first file
// whose bytes no longer have its stored hash, and the files as the action
// log recorded them when attached.
type chainAttachments struct {
	stored   map[int64][]ledger.SealedAttachment
	rehashed map[int64]int
	logged   map[int64][]ledger.SealedAttachment
}

// loadChainAttachments reads the files of the vouchers sealed at positions
// from..to, hashing their stored bytes again, and the attach records of the
// action log of those vouchers.
func loadChainAttachments(ctx context.Context, tx pgx.Tx, book string, from, to int64) (*chainAttachments, error) {
	c := &chainAttachments{stored: map[int64][]ledger.SealedAttachment{}, rehashed: map[int64]int{}, logged: map[int64][]ledger.SealedAttachment{}}
	rows, err := tx.Query(ctx, `SELECT a.voucher_id, a.no, a.sha256, a.size, a.media_type, sha256(a.data) = a.sha256
		FROM voucher_seals s JOIN voucher_attachments a ON a.book = s.book AND a.voucher_id = s.voucher_id
		WHERE s.book = $1 AND s.seq BETWEEN $2 AND $3
		ORDER BY a.voucher_id, a.no`, book, from, to)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var f ledger.SealedAttachment
		var sum []byte
		var same bool
		if err := rows.Scan(&id, &f.No, &sum, &f.Size, &f.MediaType, &same); err != nil {
			rows.Close()
			return nil, err
		}
		copy(f.SHA256[:], sum)
		c.stored[id] = append(c.stored[id], f)
		if !same && c.rehashed[id] == 0 {
			c.rehashed[id] = f.No
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT DISTINCT ON (a.voucher_id, (a.detail->>'no')::int) a.voucher_id, (a.detail->>'no')::int,
			a.detail->>'sha256', (a.detail->>'size')::bigint, a.detail->>'media_type'
		FROM voucher_seals s JOIN actions a ON a.book = s.book AND a.voucher_id = s.voucher_id AND a.action = $4
		WHERE s.book = $1 AND s.seq BETWEEN $2 AND $3
		ORDER BY a.voucher_id, (a.detail->>'no')::int, a.id DESC`, book, from, to, ActAttach)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var f ledger.SealedAttachment
		var sum string
		if err := rows.Scan(&id, &f.No, &sum, &f.Size, &f.MediaType); err != nil {
			return nil, err
		}
		if b, err := hex.DecodeString(sum); err == nil && len(b) == len(f.SHA256) {
			copy(f.SHA256[:], b)
		}
		c.logged[id] = append(c.logged[id], f)
	}
	return c, rows.Err()
}

// ClosedPeriodSeal is the seal recorded when the month was closed (the
// chain's head over its vouchers, periods.seal), "" while it is open.
func (db *DB) ClosedPeriodSeal(ctx context.Context, book string, year, month int) (string, error) {
	var seal *string
	err := db.Pool.QueryRow(ctx, `SELECT seal FROM periods WHERE book = $1 AND year = $2 AND month = $3 AND status = 'closed'`,
		book, year, month).Scan(&seal)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && seal == nil {
		return "", nil
	}
	if err != nil {
		return "", mapError(err)
	}
	return *seal, nil
}
