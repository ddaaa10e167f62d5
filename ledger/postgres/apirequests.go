package postgres

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fenyang/partyfee/ledger"
)

// APIRequest identifies an idempotent write of the HTTP API: the key a
// user sent with it and a hash of the request. Instance names the serving
// process that claims it.
type APIRequest struct {
	Book, User, Key string
	Method, Path    string
	Hash            string
	Instance        string
}

// APIResponse is the stored state of a claimed key: pending (the first
// request still runs or was abandoned) or completed with its response.
// A completed write that made or moved a voucher holds no body: its
// answer is the voucher as that step left it (VoucherID, Step, done by the
// key's user At), rebuilt from the ledger.
type APIResponse struct {
	Pending   bool
	Instance  string
	ClaimedAt time.Time
	Status    int
	Body      []byte

	VoucherID int64
	Step      ledger.Action
	At        time.Time
}

// APIKeyLenMax bounds an idempotency key.
const APIKeyLenMax = 200

// ClaimAPIRequest claims req's key. It returns nil when the key was free
// and is now claimed by req; the stored state when the key was claimed
// before by the same request (in api_idempotency, or with a voucher's step
// in the action log); idempotency_conflict when it was used for a
// different request.
func (db *DB) ClaimAPIRequest(ctx context.Context, req APIRequest) (*APIResponse, error) {
	if req.Key == "" || len(req.Key) > APIKeyLenMax {
		return nil, ledger.Errorf(ledger.EInvalid, "Idempotency-Key", "an idempotency key has 1 to %d characters", APIKeyLenMax)
	}
	var step *APIResponse
	var claimed bool
	err := db.underAPIKey(ctx, req, func(tx pgx.Tx, r *APIResponse) error {
		if r != nil {
			step = r
			return nil
		}
		tag, err := tx.Exec(ctx, `INSERT INTO api_idempotency (book, user_name, key, method, path, request_hash, instance)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
			req.Book, req.User, req.Key, req.Method, req.Path, req.Hash, req.Instance)
		claimed = tag.RowsAffected() == 1
		return err
	})
	if err != nil {
		return nil, mapError(err)
	}
	if step != nil {
		// A draft's step may still be on its way to the disk
		// (insertVoucher); it is answered once it is there.
		if step.Step == ledger.ActMake {
			if err := db.flushWAL(ctx); err != nil {
				return nil, mapError(err)
			}
		}
		return step, nil
	}
	if claimed {
		return nil, nil
	}
	var hash, method, path string
	var status *int
	var voucherID *int64
	var stepName *string
	var at *time.Time
	r := &APIResponse{}
	err = db.Pool.QueryRow(ctx, `SELECT method, path, request_hash, instance, claimed_at, status, response, completed_at, voucher_id, step
		FROM api_idempotency WHERE book = $1 AND user_name = $2 AND key = $3`, req.Book, req.User, req.Key).
		Scan(&method, &path, &hash, &r.Instance, &r.ClaimedAt, &status, &r.Body, &at, &voucherID, &stepName)
	if err == pgx.ErrNoRows {
		// Released between the insert and the read: claim it again.
		return db.ClaimAPIRequest(ctx, req)
	}
	if err != nil {
		return nil, mapError(err)
	}
	if hash != req.Hash || method != req.Method || path != req.Path {
		return nil, ledger.Errorf(ledger.EIdempotencyConflict, "Idempotency-Key",
			"idempotency key %q was used for a different request (%s %s)", req.Key, method, path)
	}
	r.Pending = status == nil
	if status != nil {
		r.Status = *status
	}
	if voucherID != nil && stepName != nil && at != nil {
		r.VoucherID, r.Step, r.At = *voucherID, ledger.Action(*stepName), *at
	}
	if r.Body, err = unpackResponse(r.Body); err != nil {
		return nil, mapError(err)
	}
	return r, nil
}

// underAPIKey runs fn in a transaction of its own that holds req's key
// (api_key_lock, migration 00036) and commits without waiting for the WAL
// to reach the disk, as execAsync. fn is given the step of a voucher that
// the key made or moved, read from the action log after the lock, or nil
// when none did: a key is used once across the action log and
// api_idempotency, and whoever writes it to either holds its lock while
// looking in the other. A step made by a different request is
// idempotency_conflict and fn does not run.
func (db *DB) underAPIKey(ctx context.Context, req APIRequest, fn func(pgx.Tx, *APIResponse) error) error {
	return pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		b.Queue(`SELECT set_config('synchronous_commit', 'off', true), api_key_lock($1, $2, $3)`, req.Book, req.User, req.Key)
		b.Queue(`SELECT voucher_id, action, at, request_hash FROM actions
			WHERE book || E'\n' || actor || E'\n' || idem_key = $1::text || E'\n' || $2::text || E'\n' || $3::text
			  AND book = $1 AND actor = $2 AND idem_key = $3`, req.Book, req.User, req.Key)
		br := tx.SendBatch(ctx, b)
		var r *APIResponse
		err := func() error {
			if _, err := br.Exec(); err != nil {
				return err
			}
			var id int64
			var step string
			var at time.Time
			var hash []byte
			err := br.QueryRow().Scan(&id, &step, &at, &hash)
			if err == pgx.ErrNoRows {
				return nil
			}
			if err != nil {
				return err
			}
			if !sameRequest(hash, req.Hash) {
				return ledger.Errorf(ledger.EIdempotencyConflict, "Idempotency-Key",
					"idempotency key %q was used for a different request", req.Key)
			}
			r = &APIResponse{Status: apiStepStatus, VoucherID: id, Step: ledger.Action(step), At: at}
			if r.Step == ledger.ActMake {
				r.Status = apiDraftStatus
			}
			return nil
		}()
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		return fn(tx, r)
	})
}

// apiRequestHash is the hex SHA-256 of an API request as the action log
// keeps it: its first 16 bytes (migration 00051; nil when h is not the
// hex of 32 bytes).
func apiRequestHash(h string) []byte {
	if b := requestSHA256(h); b != nil {
		return b[:16]
	}
	return nil
}

// sameRequest tells whether the hash a step's row keeps (16 bytes, or all
// 32 in a row written before migration 00051) is that of the request
// whose hex SHA-256 is h.
func sameRequest(kept []byte, h string) bool {
	b := requestSHA256(h)
	return b != nil && (len(kept) == 16 || len(kept) == sha256.Size) && bytes.Equal(kept, b[:len(kept)])
}

// requestSHA256 is the 32 bytes of a request's hex SHA-256 (nil when h is
// not the hex of 32 bytes).
func requestSHA256(h string) []byte {
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != sha256.Size {
		return nil
	}
	return b
}

// execAsync runs one statement in a transaction of its own that commits
// without waiting for the WAL to reach the disk (synchronous_commit off),
// in one round trip. The idempotency records use it: a claim is flushed
// at the latest with the use case's own write that follows it, and a
// stored answer lost in a crash leaves a pending claim, which a retry
// takes over and answers again (see httpapi's once). The ledger's own
// writes are on disk before they are answered: a workflow step commits
// synchronously, a new draft is flushed after its commit (insertVoucher).
func (db *DB) execAsync(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	b := &pgx.Batch{}
	b.Queue(`SELECT set_config('synchronous_commit', 'off', true)`)
	b.Queue(sql, args...)
	br := db.Pool.SendBatch(ctx, b)
	_, err := br.Exec()
	var tag pgconn.CommandTag
	if err == nil {
		tag, err = br.Exec()
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag, err
}

// TakeOverAPIRequest moves a pending claim found by ClaimAPIRequest to
// req.Instance. It reports false when the claim changed meanwhile (another
// request took it over or completed it).
func (db *DB) TakeOverAPIRequest(ctx context.Context, req APIRequest, prev *APIResponse) (bool, error) {
	tag, err := db.Pool.Exec(ctx, `UPDATE api_idempotency SET instance = $4, claimed_at = now()
		WHERE book = $1 AND user_name = $2 AND key = $3 AND status IS NULL AND instance = $5 AND claimed_at = $6`,
		req.Book, req.User, req.Key, req.Instance, prev.Instance, prev.ClaimedAt)
	if err != nil {
		return false, mapError(err)
	}
	return tag.RowsAffected() == 1, nil
}

// CompleteAPIRequest stores the response of a claimed request.
func (db *DB) CompleteAPIRequest(ctx context.Context, req APIRequest, status int, body []byte) error {
	_, err := db.execAsync(ctx, `UPDATE api_idempotency SET status = $5, response = $6, completed_at = now()
		WHERE book = $1 AND user_name = $2 AND key = $3 AND instance = $4 AND status IS NULL`,
		req.Book, req.User, req.Key, req.Instance, status, packResponse(body))
	return mapError(err)
}

// packResponse stores a response of some size gzip-compressed: JSON
// answers shrink to about half, and so does the write-ahead log of every
// idempotent request (PostgreSQL compresses only values beyond ~2 kB).
// unpackResponse tells the two apart by gzip's magic bytes, which no JSON
// text starts with.
func packResponse(body []byte) []byte {
	if len(body) < 256 {
		return body
	}
	var buf bytes.Buffer
	zw := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(zw)
	zw.Reset(&buf)
	zw.Write(body)
	if zw.Close() != nil || buf.Len() >= len(body) {
		return body
	}
	return buf.Bytes()
}

// gzipWriters reuses compressors: each holds several hundred kilobytes of
// state that would otherwise be allocated and cleared per answer.
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return zw
}}

func unpackResponse(b []byte) ([]byte, error) {
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		return b, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// ReleaseAPIRequest gives up a claim whose request failed without a result
// worth replaying (the database was unavailable, an internal error), so
// that a retry runs the request again.
func (db *DB) ReleaseAPIRequest(ctx context.Context, req APIRequest) error {
	_, err := db.execAsync(ctx, `DELETE FROM api_idempotency WHERE book = $1 AND user_name = $2 AND key = $3 AND instance = $4 AND status IS NULL`,
		req.Book, req.User, req.Key, req.Instance)
	return mapError(err)
}

// PurgeAPIRequests deletes stored requests claimed before t and returns
// how many.
func (db *DB) PurgeAPIRequests(ctx context.Context, before time.Time) (int64, error) {
	tag, err := db.Pool.Exec(ctx, `DELETE FROM api_idempotency WHERE claimed_at < $1`, before)
	if err != nil {
		return 0, mapError(err)
	}
	return tag.RowsAffected(), nil
}

// APIRecord is the idempotency record of an HTTP request written by the
// use case itself, in its own transaction, instead of a claim committed
// before the use case and an answer committed after it. The API passes it
// in the context (WithAPIRecord); a use case that knows it writes the
// record complete, in the statements that make or move the voucher, with
// the voucher and the step in place of the answer's bytes (a replay
// rebuilds the answer from the ledger, see APIResponse): the key and the
// request's hash on the step's own row of the action log (migration
// 00036), whose user is the key's user:
//
//   - a workflow step (Transition): status 200;
//   - a new draft (CreateVoucher): status 201.
//
// Stored and Status say so; the caller encodes the answer from what the
// use case returns. A key that is claimed already fails the use case with
// ErrAPIKeyTaken and writes nothing: the caller then claims the key as
// before and replays or refuses. Use cases that do not know the record
// ignore it; the caller then stores their answer itself.
type APIRecord struct {
	Req APIRequest

	Claimed bool
	Stored  bool
	Status  int
}

// ErrAPIKeyTaken is what a use case returns when the idempotency key of
// its APIRecord is claimed already; it wrote nothing.
var ErrAPIKeyTaken = errors.New("the idempotency key is claimed already")

type apiRecordKey struct{}

// WithAPIRecord returns a context carrying rec to the use case it runs.
func WithAPIRecord(ctx context.Context, rec *APIRecord) context.Context {
	return context.WithValue(ctx, apiRecordKey{}, rec)
}

// APIRecordOf returns the APIRecord in ctx, or nil.
func APIRecordOf(ctx context.Context) *APIRecord {
	rec, _ := ctx.Value(apiRecordKey{}).(*APIRecord)
	return rec
}

// isAPIKeyTaken reports whether err is the violation of a claimed
// idempotency key: api_idempotency's primary key or the action log's
// actions_idem_key.
func isAPIKeyTaken(err error) bool {
	return isUniqueViolation(err, "api_idempotency_pkey") || isUniqueViolation(err, "actions_idem_key")
}

// StoreAPIAnswer stores the claim and the answer of a request in one
// insert, for a write whose use case did not write its record: it reports
// false, storing nothing, when the key is claimed already (the caller then
// replays or refuses as ClaimAPIRequest says).
func (db *DB) StoreAPIAnswer(ctx context.Context, req APIRequest, status int, body []byte) (bool, error) {
	if req.Key == "" || len(req.Key) > APIKeyLenMax {
		return false, ledger.Errorf(ledger.EInvalid, "Idempotency-Key", "an idempotency key has 1 to %d characters", APIKeyLenMax)
	}
	var stored bool
	err := db.underAPIKey(ctx, req, func(tx pgx.Tx, step *APIResponse) error {
		if step != nil {
			// A step of this very request made or moved its voucher.
			return nil
		}
		tag, err := tx.Exec(ctx, `INSERT INTO api_idempotency (book, user_name, key, method, path, request_hash, instance, status, response, completed_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now()) ON CONFLICT DO NOTHING`,
			req.Book, req.User, req.Key, req.Method, req.Path, req.Hash, req.Instance, status, packResponse(body))
		stored = tag.RowsAffected() == 1
		return err
	})
	if err != nil {
		if ledger.ErrorCode(err) == ledger.EIdempotencyConflict {
			// Used for another request: not stored, and the caller's claim
			// refuses this one.
			return false, nil
		}
		return false, mapError(err)
	}
	return stored, nil
}
