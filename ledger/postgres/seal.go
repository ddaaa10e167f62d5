package postgres

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/fenyang/partyfee/ledger"
)

// sealBatchMax bounds the vouchers sealed in one transaction: the sealer
// holds its book's chain head for one batch at a time.
const sealBatchMax = 500

// sealPassMax bounds the queue entries one pass of SealPending reads.
const sealPassMax = 100_000

// SealPending seals the posted vouchers of book that have no seal yet and
// returns how many it sealed.
//
// Chain positions are assigned here, by one sealer per book at a time (the
// book's seal_heads row is locked for each batch), in the order in which the
// sealer sees postings committed: a pass reads the queue of committed
// postings once, ordered by (posted_at, id), and seals it batch by batch;
// whatever commits later is left to a later pass and gets a later position.
// Posting itself only queues the voucher (a trigger writes its seal_pending
// row), so it never waits on the sealer or on a book-wide row.
//
// Each batch is one transaction: it locks the head, dequeues its vouchers
// (skipping any that another sealer took meanwhile), loads them with lines
// and beneficiaries and the hashes of their attachments, computes each
// seal as ledger.SealV2(voucher, attachments, seq, previous seal), inserts the seals and advances the head. The database
// refuses a seal that does not continue the stored chain, so a sealer never
// extends a chain whose tail was tampered with: it fails, and `ledger
// verify` says where.
func (db *DB) SealPending(ctx context.Context, book string) (int, error) {
	total := 0
	for {
		// The queue has no index (migration 00050): a pass reads it whole,
		// oldest first, and its batches take their rows by their places.
		rows, err := db.Pool.Query(ctx, `SELECT ctid FROM seal_pending WHERE book = $1 ORDER BY posted_at, voucher_id LIMIT $2`, book, sealPassMax)
		if err != nil {
			return total, mapError(err)
		}
		queue, err := pgx.CollectRows(rows, pgx.RowTo[pgtype.TID])
		if err != nil {
			return total, mapError(err)
		}
		for rest := queue; len(rest) > 0; {
			batch := rest[:min(len(rest), sealBatchMax)]
			rest = rest[len(batch):]
			n, err := db.sealBatch(ctx, book, batch)
			total += n
			if err != nil {
				return total, err
			}
		}
		if len(queue) < sealPassMax {
			return total, nil
		}
	}
}

// sealBatch seals, in one transaction, the vouchers whose queue rows are
// still in the places read (ctid), oldest first; it returns how many it
// sealed.
func (db *DB) sealBatch(ctx context.Context, book string, places []pgtype.TID) (int, error) {
	sealed := 0
	err := db.runTx(ctx, func(tx pgx.Tx) error {
		sealed = 0
		// Plan every statement (the trigger's too) for the tables as they
		// are now: a plan cached while the chain was short would scan it
		// whole, and a backlog grows it by thousands of rows a second,
		// faster than autovacuum refreshes the statistics.
		if _, err := tx.Exec(ctx, `SET LOCAL plan_cache_mode = force_custom_plan`); err != nil {
			return err
		}
		seq, head, err := lockSealHead(ctx, tx, book)
		if err != nil {
			return err
		}
		// The rows still in their places: whatever is deleted here is
		// sealed here (or dropped below), whichever voucher a place holds
		// by now (a row another sealer took may have left its place to a
		// newer one). post_seq: the order the postings took effect,
		// numbered under the balances' locks (migration 00049); the seal
		// keeps it for the monthly batch's replay.
		rows, err := tx.Query(ctx, `WITH taken AS (DELETE FROM seal_pending WHERE book = $1 AND ctid = ANY($2::tid[])
				RETURNING posted_at, voucher_id, post_seq)
			SELECT voucher_id, post_seq FROM taken ORDER BY posted_at, voucher_id`, book, places)
		if err != nil {
			return err
		}
		var claimed []int64
		postSeq := map[int64]int64{}
		var id, ps int64
		if _, err := pgx.ForEachRow(rows, []any{&id, &ps}, func() error {
			claimed = append(claimed, id)
			postSeq[id] = ps
			return nil
		}); err != nil {
			return err
		}
		// A queued voucher that is sealed already, gone or not posted
		// cannot be sealed; its queue row is dropped rather than block the
		// queue (verify reports whatever is wrong with such a voucher).
		rows, err = tx.Query(ctx, `SELECT voucher_id FROM voucher_seals WHERE book = $1 AND voucher_id = ANY($2)`, book, claimed)
		if err != nil {
			return err
		}
		done, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		skip := make(map[int64]bool, len(done))
		for _, id := range done {
			skip[id] = true
		}
		take := make([]int64, 0, len(claimed))
		for _, id := range claimed {
			if !skip[id] {
				skip[id] = true // a voucher queued twice is sealed once
				take = append(take, id)
			}
		}
		vs, err := loadSealVouchers(ctx, tx, book, take)
		if err != nil {
			return err
		}
		vs = slices.DeleteFunc(vs, func(v *ledger.Voucher) bool { return v.Status != ledger.StatusPosted })
		if len(vs) == 0 {
			return nil
		}
		seqs := make([]int64, len(vs))
		vids := make([]int64, len(vs))
		posts := make([]int64, len(vs))
		seals := make([][]byte, len(vs))
		prevs := make([][]byte, len(vs))
		prev := head
		if prev == nil {
			prev = []byte{} // the first seal of a chain links to nothing (not NULL)
		}
		files, err := loadSealedAttachments(ctx, tx, book, take)
		if err != nil {
			return err
		}
		for i, v := range vs {
			seq++
			s := ledger.SealV2(v, files[v.ID], seq, prev)
			seqs[i], vids[i], seals[i], prevs[i], posts[i] = seq, v.ID, s[:], prev, postSeq[v.ID]
			prev = seals[i]
		}
		if _, err := tx.Exec(ctx, `INSERT INTO voucher_seals (book, seq, voucher_id, version, seal, prev, sealed_at, post_seq)
			SELECT $1, t.seq, t.voucher_id, $2, t.seal, t.prev, $3, t.post_seq
			FROM unnest($4::bigint[], $5::bigint[], $6::bytea[], $7::bytea[], $8::bigint[]) AS t (seq, voucher_id, seal, prev, post_seq)
			ORDER BY t.seq`,
			book, ledger.SealVersion, db.Now(), seqs, vids, seals, prevs, posts); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE seal_heads SET seq = $2, seal = $3, updated_at = $4 WHERE book = $1`, book, seq, prev, db.Now()); err != nil {
			return err
		}
		sealed = len(vs)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return sealed, nil
}

// lockSealHead locks the book's chain head (making it on first use) and returns
// the last sealed position and its seal (0 and nil for an empty chain).
// Concurrent sealers of the book queue here.
func lockSealHead(ctx context.Context, tx pgx.Tx, book string) (int64, []byte, error) {
	var seq int64
	var seal []byte
	err := tx.QueryRow(ctx, `SELECT seq, seal FROM seal_heads WHERE book = $1 FOR UPDATE`, book).Scan(&seq, &seal)
	if errors.Is(err, pgx.ErrNoRows) {
		if _, err := tx.Exec(ctx, `INSERT INTO seal_heads (book) VALUES ($1) ON CONFLICT DO NOTHING`, book); err != nil {
			return 0, nil, err
		}
		err = tx.QueryRow(ctx, `SELECT seq, seal FROM seal_heads WHERE book = $1 FOR UPDATE`, book).Scan(&seq, &seal)
	}
	if err != nil {
		return 0, nil, err
	}
	if seq == 0 {
		seal = nil
	}
	return seq, seal, nil
}

// loadSealVouchers reads the vouchers ids of book with lines and
// beneficiaries, in the order of ids; ids that do not exist are left out.
func loadSealVouchers(ctx context.Context, q querier, book string, ids []int64) ([]*ledger.Voucher, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := q.Query(ctx, `SELECT `+voucherColumns+` FROM vouchers WHERE book = $1 AND id = ANY($2)`, book, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*ledger.Voucher, len(ids))
	for rows.Next() {
		v, err := scanVoucher(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		byID[v.ID] = v
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	vs := make([]*ledger.Voucher, 0, len(ids))
	for _, id := range ids {
		if v := byID[id]; v != nil {
			vs = append(vs, v)
		}
	}
	return vs, loadLines(ctx, q, vs)
}

// sealPendingBooks lists the books with vouchers waiting for a seal.
func (db *DB) sealPendingBooks(ctx context.Context) ([]string, error) {
	rows, err := db.Pool.Query(ctx, `SELECT book FROM books b WHERE EXISTS (SELECT 1 FROM seal_pending p WHERE p.book = b.book) ORDER BY book`)
	if err != nil {
		return nil, mapError(err)
	}
	books, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return books, mapError(err)
}

// SealAll seals the pending vouchers of every book and returns how many it
// sealed.
func (db *DB) SealAll(ctx context.Context) (int, error) {
	books, err := db.sealPendingBooks(ctx)
	if err != nil {
		return 0, err
	}
	total := 0
	var errs []error
	for _, b := range books {
		n, err := db.SealPending(ctx, b)
		total += n
		if err != nil {
			errs = append(errs, err)
		}
	}
	return total, errors.Join(errs...)
}

// SealerOptions configure a Sealer.
type SealerOptions struct {
	// Delay gathers the postings that follow a nudge into one sealing pass
	// (default SealerDelayDefault): under load a pass seals many vouchers
	// at once instead of a few per pass, which keeps the sealer's share of
	// the database small, while each voucher is still sealed well within a
	// second.
	Delay time.Duration
	// Retry is the pause before a failed pass is tried again (default
	// SealerRetryDefault); it doubles with each failure in a row, up to
	// SealerRetryMax.
	Retry time.Duration
	// Log receives sealing failures (nil: discarded).
	Log *slog.Logger
}

// Defaults of SealerOptions.
const (
	SealerDelayDefault = 250 * time.Millisecond
	SealerRetryDefault = 2 * time.Second
	SealerRetryMax     = time.Minute
)

// Sealer seals posted vouchers in the background, off the posting path.
// Nudge it after a posting commits (DB.AfterPost); it runs SealAll soon
// after, gathering the nudges that arrive meanwhile into one pass. Close
// stops it and, if it was ever nudged, runs one last pass, so a command
// that posts leaves every voucher sealed when it exits. A Sealer that was
// never nudged or started never seals: commands that only read (verify)
// leave the chain alone.
type Sealer struct {
	db    *DB
	delay time.Duration
	retry time.Duration
	log   *slog.Logger

	kick chan struct{}
	mu   sync.Mutex
	run  bool // the loop was started
	stop context.CancelFunc
	done chan struct{}
}

// NewSealer makes a sealer for db; it starts on the first Nudge or Start.
func NewSealer(db *DB, opt SealerOptions) *Sealer {
	if opt.Delay <= 0 {
		opt.Delay = SealerDelayDefault
	}
	if opt.Retry <= 0 {
		opt.Retry = SealerRetryDefault
	}
	return &Sealer{db: db, delay: opt.Delay, retry: opt.Retry, log: opt.Log, kick: make(chan struct{}, 1)}
}

// Start starts the background loop (idempotent) and schedules a first pass,
// which picks up whatever earlier processes left unsealed.
func (s *Sealer) Start() {
	s.mu.Lock()
	if !s.run {
		s.run = true
		ctx, cancel := context.WithCancel(context.Background())
		s.stop, s.done = cancel, make(chan struct{})
		go s.loop(ctx)
	}
	s.mu.Unlock()
	s.Nudge()
}

// Nudge asks for a sealing pass soon, starting the loop if needed. It never
// blocks: nudges that arrive before the pass starts share it.
func (s *Sealer) Nudge() {
	s.mu.Lock()
	started := s.run
	s.mu.Unlock()
	if !started {
		s.Start()
		return
	}
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

func (s *Sealer) loop(ctx context.Context) {
	defer close(s.done)
	wait := s.retry
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.kick:
		}
		t := time.NewTimer(s.delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		_, err := s.db.SealAll(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			if s.log != nil {
				s.log.Warn("sealing posted vouchers failed; retrying", "err", err, "retry_in", wait)
			}
			time.AfterFunc(wait, s.Nudge)
			wait = min(2*wait, SealerRetryMax)
		default:
			wait = s.retry
		}
	}
}

// Flush seals everything pending now and returns how many it sealed; it
// may run alongside the loop (sealers of a book take turns on its head).
func (s *Sealer) Flush(ctx context.Context) (int, error) { return s.db.SealAll(ctx) }

// Close stops the loop and, when it had been started, runs a last pass
// under ctx. It returns what that pass sealed.
func (s *Sealer) Close(ctx context.Context) (int, error) {
	s.mu.Lock()
	started, stop, done := s.run, s.stop, s.done
	s.mu.Unlock()
	if !started {
		return 0, nil
	}
	stop()
	<-done
	return s.Flush(ctx)
}
