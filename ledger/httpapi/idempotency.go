package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/fenyang/partyfee/ledger"
	"github.com/fenyang/partyfee/ledger/postgres"
)

// call is one request in a handler: the authenticated user and the body.
type call struct {
	s    *Server
	w    http.ResponseWriter
	r    *http.Request
	user *ledger.User
	body []byte
	key  string // the Idempotency-Key of a write
	// inline marks a write whose use case writes the idempotency record
	// in its own transaction (postgres.APIRecord).
	inline bool
}

// readFunc answers a read: a status and a value to encode, or an error.
type readFunc func(c *call) (int, any, error)

// execFunc performs a prepared write. retry is true when the request takes
// over a claim left pending by an earlier attempt whose outcome is unknown.
type execFunc func(ctx context.Context, retry bool) (int, any, error)

// writeFunc checks and decodes a write (answering 400, 403, 404 without
// touching the ledger) and returns the write itself.
type writeFunc func(c *call) (execFunc, error)

func (s *Server) read(h readFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := &call{s: s, w: w, r: r, user: info(r).user}
		status, v, err := h(c)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, status, v)
	}
}

// takeoverMax bounds how long a pending claim of another process stands
// before a retry takes it over: a crashed process's requests are answered
// again within it.
const takeoverMax = 30 * time.Second

// takeoverAfter is the age past which a pending claim of another process
// is taken over: twice the request timeout, at most takeoverMax. A claim
// taken over while its first request still runs is safe: the write itself
// is idempotent in the database (the voucher's key), and the first
// request's answer is then not stored.
func (s *Server) takeoverAfter() time.Duration { return min(2*s.opt.RequestTimeout, takeoverMax) }

// idemWait bounds how long a request waits for another one with the same
// key to finish before answering that it is still in progress.
const idemWait = 5 * time.Second

// write wraps a write: it requires an Idempotency-Key, reads the body
// within the limit, prepares the write, claims the key, runs the write and
// stores its answer, so the same key and request replays that answer
// (with Idempotency-Replayed: true) and the same key with another request
// is idempotency_conflict. Answers of 500 and 503 are not stored: the
// claim is released and a retry runs the request again.
func (s *Server) write(h writeFunc) http.HandlerFunc {
	return s.idempotent(func(c *call) (prepared, error) {
		body, err := readBody(c.w, c.r, s.opt.BodyLimitBytes)
		if err != nil {
			return prepared{}, err
		}
		c.body = body
		exec, err := h(c)
		return prepared{exec: exec, hash: requestHash(c.r.Method, c.r.URL.Path, body), inline: c.inline}, err
	})
}

// prepared is a write ready to run: the write, the fingerprint of the
// request its key is bound to, and, for an answer holding a secret, what
// to send the first time instead of the stored answer (nil: the stored one).
type prepared struct {
	exec   execFunc
	hash   string
	reveal func() any
	inline bool // see call.inline
}

// idempotent is the common part of the write routes: the key is checked,
// prepare reads and checks the request, and the write runs once per key
// (once), its answer replayed for a repeated request.
func (s *Server) idempotent(prepare func(c *call) (prepared, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ri := info(r)
		c := &call{s: s, w: w, r: r, user: ri.user, key: r.Header.Get("Idempotency-Key")}
		if err := checkKey(c.key); err != nil {
			s.writeError(w, r, err)
			return
		}
		p, err := prepare(c)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		req := postgres.APIRequest{Book: c.user.Book, User: c.user.Name, Key: c.key, Method: r.Method, Path: r.URL.Path,
			Hash: p.hash, Instance: s.instance}
		status, answer, replayed := s.once(r.Context(), ri, req, p.exec, p.inline)
		if replayed {
			ri.replay = true
			w.Header().Set("Idempotency-Replayed", "true")
		} else if p.reveal != nil && status < 300 {
			if v := p.reveal(); v != nil {
				answer = encode(v)
			}
		}
		if status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "1")
		} else if ri.retryAfter > 0 {
			w.Header().Set("Retry-After", fmt.Sprint(ri.retryAfter))
		}
		writeRaw(w, status, answer)
	}
}

func checkKey(key string) error {
	if key == "" {
		return ledger.Errorf(ledger.EInvalid, "Idempotency-Key", "every write needs an Idempotency-Key header (a unique string per intended change, e.g. a UUID)")
	}
	if len(key) > postgres.APIKeyLenMax {
		return ledger.Errorf(ledger.EInvalid, "Idempotency-Key", "an Idempotency-Key has at most %d characters", postgres.APIKeyLenMax)
	}
	for _, c := range key {
		if c < 0x21 || c > 0x7e {
			return ledger.Errorf(ledger.EInvalid, "Idempotency-Key", "an Idempotency-Key is printable ASCII without spaces")
		}
	}
	return nil
}

// requestHash fingerprints a write: method, path and the body with
// insignificant white space removed.
func requestHash(method, path string, body []byte) string {
	var buf bytes.Buffer
	if json.Compact(&buf, body) != nil {
		buf.Reset()
		buf.Write(body)
	}
	h := sha256.New()
	h.Write([]byte(method + "\n" + path + "\n"))
	h.Write(buf.Bytes())
	return hex.EncodeToString(h.Sum(nil))
}

// once runs exec at most once per (user, key): it returns the status and
// encoded answer, and whether the answer is a replay.
//
// An inline write runs at once, its use case writing the key's record in
// its own transaction (postgres.APIRecord): no claim is committed before
// it and, for a workflow step, no answer after it. A key claimed already
// makes the use case write nothing (postgres.ErrAPIKeyTaken); the key is
// then claimed as for any other write, which replays the stored answer,
// refuses another request, waits for a pending one or takes it over. An
// answer the use case did not store (a refusal, say) is stored after it
// unless the key was claimed meanwhile, which again replays or refuses:
// every answer given is the one stored for the key.
func (s *Server) once(ctx context.Context, ri *reqInfo, req postgres.APIRequest, exec execFunc, inline bool) (int, []byte, bool) {
	fail := func(err error) (int, []byte, bool) {
		status, body := s.errorAnswer(ctx, ri, err)
		ri.code = body.Code
		return status, encode(body), false
	}
	// Requests with the same key in this process run one after the
	// other; the later ones then find the stored answer.
	local := req.Book + "\x00" + req.User + "\x00" + req.Key
	release, err := s.enter(ctx, local)
	if err != nil {
		return fail(err)
	}
	defer release()
	select {
	case s.writing <- struct{}{}:
	case <-ctx.Done():
		return fail(&ledger.Error{Code: ledger.EUnavailable, Msg: "busy", Err: ctx.Err()})
	}
	defer func() { <-s.writing }()
	if inline {
		rec := &postgres.APIRecord{Req: req}
		status, v, err := exec(postgres.WithAPIRecord(ctx, rec), false)
		if !errors.Is(err, postgres.ErrAPIKeyTaken) {
			if status, answer, done := s.finish(ctx, ri, req, rec, status, v, err); done {
				return status, answer, false
			}
		}
	}
	retry := false
	deadline := time.Now().Add(idemWait)
	for {
		prev, err := s.db.ClaimAPIRequest(ctx, req)
		if err != nil {
			return fail(err)
		}
		if prev == nil {
			break
		}
		if !prev.Pending {
			if prev.VoucherID != 0 {
				return s.voucherReplay(ctx, ri, req, prev)
			}
			return prev.Status, prev.Body, true
		}
		// A pending claim of this process that no request here holds was
		// abandoned (the database failed before the answer was stored);
		// one of another process is taken over only when it is older than
		// a request can run.
		if prev.Instance == s.instance || time.Since(prev.ClaimedAt) > s.takeoverAfter() {
			ok, err := s.db.TakeOverAPIRequest(ctx, req, prev)
			if err != nil {
				return fail(err)
			}
			if ok {
				retry = true
				break
			}
			continue
		}
		if time.Now().After(deadline) {
			wait := max(time.Second, s.takeoverAfter()-time.Since(prev.ClaimedAt))
			ri.retryAfter = int(wait.Round(time.Second) / time.Second)
			return fail(ledger.Errorf(ledger.EInProgress, "Idempotency-Key", "a request with this idempotency key is still being processed; retry after %d seconds", ri.retryAfter))
		}
		select {
		case <-ctx.Done():
			return fail(&ledger.Error{Code: ledger.EUnavailable, Msg: "request deadline", Err: ctx.Err()})
		case <-time.After(100 * time.Millisecond):
		}
	}
	status, v, err := exec(ctx, retry)
	status, answer, _ := s.finish(ctx, ri, req, &postgres.APIRecord{Req: req, Claimed: true}, status, v, err)
	return status, answer, false
}

// finish stores the answer of a write that ran under rec: nothing more
// when the use case stored it, the answer of its claim when it claimed
// the key, else claim and answer in one insert. Answers of 500 and 503 are
// not stored (a claim is released). done is false when the key turned out
// to be claimed by another request meanwhile: the answer was not stored
// and must not be given.
func (s *Server) finish(ctx context.Context, ri *reqInfo, req postgres.APIRequest, rec *postgres.APIRecord, status int, v any, err error) (int, []byte, bool) {
	var answer []byte
	switch {
	case err != nil:
		var body ErrorBody
		status, body = s.errorAnswer(ctx, ri, err)
		ri.code = body.Code
		answer = encode(body)
	case rec.Stored:
		// The use case recorded the voucher and the step: the answer is
		// the voucher it returned, as a replay rebuilds it.
		return rec.Status, encode(v), true
	default:
		answer = encode(v)
	}
	// The request's own deadline may have passed; storing the answer gets
	// a few seconds of its own.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if status >= 500 {
		if rec.Claimed {
			if err := s.db.ReleaseAPIRequest(sctx, req); err != nil {
				s.log.Warn("releasing an idempotency key", "request_id", ri.id, "err", err.Error())
			}
		}
		return status, answer, true
	}
	var serr error
	if rec.Claimed {
		serr = s.db.CompleteAPIRequest(sctx, req, status, answer)
	} else {
		var stored bool
		stored, serr = s.db.StoreAPIAnswer(sctx, req, status, answer)
		if serr == nil && !stored {
			return 0, nil, false
		}
	}
	if serr != nil {
		// The write is done but its answer is not stored: the client is
		// told to retry, and the retry takes the claim over (retry = true)
		// or, without a claim, runs the request again.
		s.log.Warn("storing an idempotent answer", "request_id", ri.id, "err", serr.Error())
		status, body := s.errorAnswer(ctx, ri, &ledger.Error{Code: ledger.EUnavailable, Msg: "storing the answer", Err: serr})
		ri.code = body.Code
		return status, encode(body), true
	}
	return status, answer, true
}

// enter waits until no other request of this process holds key.
func (s *Server) enter(ctx context.Context, key string) (func(), error) {
	for {
		s.inflightMu.Lock()
		ch, busy := s.inflight[key]
		if !busy {
			ch = make(chan struct{})
			s.inflight[key] = ch
			s.inflightMu.Unlock()
			return func() {
				s.inflightMu.Lock()
				delete(s.inflight, key)
				s.inflightMu.Unlock()
				close(ch)
			}, nil
		}
		s.inflightMu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, &ledger.Error{Code: ledger.EUnavailable, Msg: "request deadline", Err: ctx.Err()}
		}
	}
}

// voucherReplay answers a replayed write that made or moved a voucher:
// the voucher as the recorded step left it (ledger.AsOfStep), encoded as
// the first answer was. When the voucher cannot be read the replay fails
// as unavailable and a retry replays it again.
func (s *Server) voucherReplay(ctx context.Context, ri *reqInfo, req postgres.APIRequest, prev *postgres.APIResponse) (int, []byte, bool) {
	v, err := s.db.Voucher(ctx, req.Book, prev.VoucherID)
	if err != nil {
		status, body := s.errorAnswer(ctx, ri, err)
		ri.code = body.Code
		return status, encode(body), false
	}
	v.AsOfStep(prev.Step, req.User, prev.At)
	view := ledger.View(v, s.chart(ctx, req.Book), false).In(s.opt.TimeZone)
	if prev.Step == ledger.ActMake {
		return prev.Status, encode(voucherAnswer{view, false}), true
	}
	return prev.Status, encode(view), true
}
